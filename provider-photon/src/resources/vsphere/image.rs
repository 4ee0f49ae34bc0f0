//! `photon_image`: a Photon OS OVA or OVF from the local disk, imported as a VM template (what
//! `vsphere_virtual_machine`'s `ovf_deploy` and Packer's `vsphere-template` give users of the
//! vSphere tooling). The import is `CreateImportSpec` → `ImportVApp` → NFC upload →
//! `MarkAsTemplate`; a failed or cancelled import destroys the half-imported VM (vCenter does
//! that itself after a lease abort, vcsim 0.24.2 does not).
//!
//! The template is identified by its BIOS UUID (`config.uuid`), like `vsphere_virtual_machine`;
//! `moid` is kept to read it in one call. `name` and `folder` change in place (rename, move);
//! everything about the source or the placement replaces the template. Changes of the local
//! package are detected by size and modification time (see `photon_datastore_file`).

use std::collections::BTreeMap;
use std::path::Path as FsPath;

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::ovf::{ImportError, ImportParams, ImportTarget, OvfNetworkMapping, OvfPackage};
use vim::{Client, FaultKind, ManagedObjectReference};

use super::datastore_file::{check_unchanged_since_plan, plan_local_file, set, stat_local};
use super::folder::split_path;
use crate::clients::Clients;
use crate::clients::vsphere::errors;
use crate::data_sources::vsphere::inventory;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_image";

const NAME: &str = "name";
const SOURCE_PATH: &str = "source_path";
const RESOURCE_POOL_ID: &str = "resource_pool_id";
const DATASTORE_ID: &str = "datastore_id";
const FOLDER: &str = "folder";
const HOST_SYSTEM_ID: &str = "host_system_id";
const NETWORK_MAPPING: &str = "network_mapping";
const DISK_PROVISIONING: &str = "disk_provisioning";
const SOURCE_SIZE: &str = "source_size";
const SOURCE_MODIFIED: &str = "source_modified";
const ID: &str = "id";
const MOID: &str = "moid";
const UUID: &str = "uuid";

/// The disk provisioning types offered.
pub const DISK_PROVISIONING_TYPES: [&str; 3] = ["thin", "thick", "eagerZeroedThick"];

/// VM properties a read needs.
const VM_PATHS: [&str; 3] = ["name", "config.template", "config.uuid"];

/// The `photon_image` resource.
pub struct Image;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A Photon OS image: a local OVA or OVF package imported into vSphere as a VM \
                 template, ready to clone (what `vsphere_virtual_machine`'s `ovf_deploy` and \
                 Packer's `vsphere-template` give). The upload streams the disks; progress is \
                 logged at debug level. A failed or cancelled import leaves no half-imported VM \
                 behind. Changing `name` renames the template and changing `folder` moves it; \
                 any change of the source (its path, size or modification time) or of the \
                 placement imports it again.",
            )
            .attribute(Attribute::required(NAME, Type::String).description(
                "The template's name; it must not be taken by another VM or template in the \
                 folder. Changing it renames the template in place.",
            ))
            .attribute(
                Attribute::required(SOURCE_PATH, Type::String)
                    .description(
                        "The local package: an `.ova` archive, or an `.ovf` descriptor with the \
                         files it references next to it. It must exist when planning.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(RESOURCE_POOL_ID, Type::String)
                    .description(
                        "The `id` of the resource pool (from `photon_resource_pool`, or a \
                         host's or cluster's `resource_pool_id`) the import runs in. It also \
                         decides the datacenter.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(DATASTORE_ID, Type::String)
                    .description(
                        "The `id` of the datastore (from `photon_datastore`) for the template's \
                         files and disks.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(Attribute::optional(FOLDER, Type::String).description(
                "The VM folder for the template, relative to the datacenter's `vm` folder, e.g. \
                 `templates/photon`; the `vm` folder itself when unset. The folder must exist. \
                 Changing it moves the template in place.",
            ))
            .attribute(
                Attribute::optional(HOST_SYSTEM_ID, Type::String)
                    .description(
                        "The `id` of the host (from `photon_host`) the template is registered \
                         on; vSphere picks one in the resource pool when unset.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(NETWORK_MAPPING, Type::map(Type::String))
                    .description(
                        "The network for each network of the package: OVF network name (`<Network \
                         ovf:name=...>`) → network `id` (from `photon_network`). Unmapped OVF \
                         networks get vSphere's default.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(DISK_PROVISIONING, Type::String)
                    .description("How the disks are allocated on the datastore.")
                    .plan_modifier(DefaultValue(Value::from("thin")))
                    .validator(OneOf(&DISK_PROVISIONING_TYPES))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(Attribute::computed(SOURCE_SIZE, Type::Number).description(
                "The size of `source_path` in bytes when it was imported; a different size \
                 imports it again.",
            ))
            .attribute(
                Attribute::computed(SOURCE_MODIFIED, Type::String).description(
                    "The modification time of `source_path` (RFC 3339, UTC) when it was imported; \
                 a different one imports it again.",
                ),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description(
                        "The template's BIOS UUID (`config.uuid`), as `vsphere_virtual_machine` \
                         uses: clone from it.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(MOID, Type::String)
                    .description("The template's managed object ID, e.g. `vm-42`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(UUID, Type::String)
                    .description("The template's BIOS UUID (the same as `id`).")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

fn attr<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    inventory::string_attr(value, name)
}

fn at(attribute: &str) -> Path {
    Path::root().attr(attribute)
}

/// Why `path` is not an `.ova` or `.ovf` path, if it is not.
pub fn check_source_path(path: &str) -> Result<(), String> {
    let extension = FsPath::new(path)
        .extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("ova" | "ovf") => Ok(()),
        _ => Err(format!(
            "expected the path of a local .ova archive or .ovf descriptor, got {path:?}"
        )),
    }
}

/// The entity `id` of one of `kinds` (tried in order; morefs are typed, ids are not), or a
/// diagnostic at `path` saying it does not exist.
async fn entity(
    client: &Client,
    kinds: &[&'static str],
    id: &str,
    label: &str,
    path: Path,
    summary: &str,
) -> Result<ManagedObjectReference, Diagnostic> {
    for kind in kinds {
        let moref = ManagedObjectReference::new(*kind, id);
        match client
            .retrieve_objects(std::slice::from_ref(&moref), kind, &["name"])
            .await
        {
            Ok(contents) if contents.iter().any(|content| content.obj == moref) => {
                return Ok(moref);
            }
            Ok(_) => {}
            Err(error) if inventory::is_not_found(&error) => {}
            Err(error) => return Err(errors::vim_error(summary, None, &error)),
        }
    }
    Err(Diagnostic::error(
        format!("{} not found", capitalized(label)),
        format!("{path}: no {label} with id {id:?}; use the `id` of a `photon_*` data source."),
    )
    .at(path))
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn network_kinds(id: &str) -> [&'static str; 3] {
    if id.starts_with("dvportgroup-") {
        ["DistributedVirtualPortgroup", "Network", "OpaqueNetwork"]
    } else {
        ["Network", "DistributedVirtualPortgroup", "OpaqueNetwork"]
    }
}

fn pool_kinds(id: &str) -> [&'static str; 2] {
    if id.starts_with("resgroup-v") {
        ["VirtualApp", "ResourcePool"]
    } else {
        ["ResourcePool", "VirtualApp"]
    }
}

/// The datacenter holding `entity`, from its ancestry.
async fn datacenter_of(
    client: &Client,
    entity: &ManagedObjectReference,
    attribute: &str,
    summary: &str,
) -> Result<vim::finder::Datacenter, Diagnostic> {
    let chain = inventory::ancestry(client, entity)
        .await
        .map_err(|error| errors::vim_error(summary, Some(attribute), &error))?;
    let Some((datacenter, _)) = chain.iter().find(|(moref, _)| moref.kind == "Datacenter") else {
        return Err(Diagnostic::error(
            summary,
            format!("{attribute}: {} is not in a datacenter.", entity.value),
        )
        .at(at(attribute)));
    };
    inventory::datacenter(client, Some(&datacenter.value), summary).await
}

/// The VM folder `folder` (relative to the datacenter's `vm` folder), or the `vm` folder.
async fn vm_folder(
    client: &Client,
    datacenter: &vim::finder::Datacenter,
    folder: Option<&str>,
    summary: &str,
) -> Result<(ManagedObjectReference, String), Diagnostic> {
    let base = format!("{}/vm", datacenter.path);
    let Some(folder) = folder else {
        return Ok((datacenter.vm_folder.clone(), base));
    };
    split_path(folder).map_err(|detail| folder_error("Invalid folder", detail))?;
    let absolute = format!("{base}/{folder}");
    let found = client
        .find_by_inventory_path(&absolute)
        .await
        .map_err(|error| errors::vim_error(summary, Some(FOLDER), &error))?;
    match found {
        Some(moref) if moref.kind == "Folder" => Ok((moref, absolute)),
        Some(moref) => Err(folder_error(
            "Not a folder",
            format!("{absolute:?} is a {}, not a folder", moref.kind),
        )),
        None => Err(folder_error(
            "Folder not found",
            format!(
                "the folder {absolute:?} does not exist; create it first (a photon_folder of \
                 type \"vm\" referenced here)"
            ),
        )),
    }
}

fn folder_error(summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, format!("{FOLDER}: {detail}.")).at(at(FOLDER))
}

/// The VMs (and vApps) named `name` directly in `folder`.
async fn vms_named(
    client: &Client,
    folder: &ManagedObjectReference,
    name: &str,
) -> Result<Vec<ManagedObjectReference>, vim::Error> {
    Ok(client
        .folder_children_named(folder)
        .await?
        .into_iter()
        .filter(|child| {
            child.name == name
                && matches!(child.moref.kind.as_str(), "VirtualMachine" | "VirtualApp")
        })
        .map(|child| child.moref)
        .collect())
}

/// Fails when a VM or template named `name` is already in `folder` (vCenter refuses duplicates
/// with `DuplicateName`; vcsim 0.24.2 accepts them, so the check is ours).
async fn check_name_free(
    client: &Client,
    folder: &ManagedObjectReference,
    folder_path: &str,
    name: &str,
    summary: &str,
) -> Result<(), Diagnostic> {
    let taken = vms_named(client, folder, name)
        .await
        .map_err(|error| errors::vim_error(summary, None, &error))?;
    match taken.first() {
        None => Ok(()),
        Some(existing) => Err(Diagnostic::error(
            "Name already taken",
            format!(
                "{NAME}: {folder_path} already holds a VM or template named {name:?} ({}); \
                 choose another name or folder.",
                existing.value
            ),
        )
        .at(at(NAME))),
    }
}

/// Destroys what a failed import left in `folder` under `name` (checked free before the
/// import, so whatever is there now is ours). Returns a note for the diagnostic when something
/// could not be removed.
async fn remove_leftovers(
    client: &Client,
    folder: &ManagedObjectReference,
    name: &str,
) -> Option<String> {
    let leftovers = match vms_named(client, folder, name).await {
        Ok(leftovers) => leftovers,
        Err(error) => {
            return Some(format!(
                "Checking for a half-imported VM named {name:?} failed ({}); check the folder.",
                errors::chain(&error)
            ));
        }
    };
    let mut notes = Vec::new();
    for vm in leftovers {
        match client.destroy(&vm).await {
            Ok(()) => tracing::debug!(vm = %vm.value, "removed the half-imported VM"),
            Err(error) if inventory::is_not_found(&error) => {}
            Err(error) => notes.push(format!(
                "The half-imported VM {name:?} ({}) could not be destroyed ({}); delete it by \
                 hand.",
                vm.value,
                errors::chain(&error)
            )),
        }
    }
    (!notes.is_empty()).then(|| notes.join(" "))
}

/// An import failure as a diagnostic, pointing at `source_path` when the package is at fault.
fn import_diagnostic(summary: &str, error: &ImportError) -> Diagnostic {
    let package = |detail: String| {
        Diagnostic::error(summary, format!("{SOURCE_PATH}: {detail}.")).at(at(SOURCE_PATH))
    };
    match error {
        ImportError::Package { .. } | ImportError::Io { .. } => {
            package(format!("cannot read the package: {}", errors::chain(error)))
        }
        ImportError::ImportSpec { errors: faults, .. } => package(format!(
            "vSphere cannot import this OVF descriptor: {}",
            faults
                .iter()
                .map(|fault| if fault.message.is_empty() {
                    fault.type_name.clone()
                } else {
                    format!("{} ({})", fault.message, fault.type_name)
                })
                .collect::<Vec<_>>()
                .join("; ")
        )),
        ImportError::Vim(vim_error)
            if matches!(
                vim_error.fault().map(|fault| &fault.kind),
                Some(FaultKind::InvalidArgument { invalid_property: Some(property) })
                    if property == "ovfDescriptor"
            ) =>
        {
            package(format!(
                "the OVF descriptor does not parse: {}",
                errors::chain(vim_error)
            ))
        }
        ImportError::Vim(vim_error) => errors::vim_error(summary, Some(NAME), vim_error),
        ImportError::Aborted { cause, .. } => {
            let mut diagnostic = import_diagnostic(summary, cause);
            diagnostic.detail = format!("{} (the import was aborted)", diagnostic.detail);
            diagnostic
        }
        other => Diagnostic::error(summary, format!("{}.", errors::chain(other))),
    }
}

fn invalidate(ctx: &Context) {
    if let Ok(clients) = ctx.provider_data::<Clients>()
        && let Ok(vsphere) = clients.vsphere()
    {
        vsphere.invalidate_batches();
    }
}

/// The configured network mapping, each network resolved.
async fn network_mapping(
    client: &Client,
    planned: &Value,
    summary: &str,
) -> Result<Vec<OvfNetworkMapping>, Diagnostic> {
    let mut mapping = Vec::new();
    let Some(entries) = planned.attr(NETWORK_MAPPING).and_then(Value::entries) else {
        return Ok(mapping);
    };
    for (name, value) in entries {
        let path = at(NETWORK_MAPPING).key(name);
        let Some(id) = value.as_str().filter(|id| !id.is_empty()) else {
            return Err(Diagnostic::error(
                "Invalid network_mapping",
                format!("{path}: expected a network id (from photon_network)."),
            )
            .at(path));
        };
        let network = entity(client, &network_kinds(id), id, "network", path, summary).await?;
        mapping.push(OvfNetworkMapping {
            name: name.clone(),
            network,
        });
    }
    Ok(mapping)
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_image failed";
    let name = attr(planned, NAME).unwrap_or_default();
    let source = attr(planned, SOURCE_PATH).unwrap_or_default();
    check_source_path(source).map_err(|detail| {
        Diagnostic::error(SUMMARY, format!("{SOURCE_PATH}: {detail}.")).at(at(SOURCE_PATH))
    })?;
    let local = stat_local(source).map_err(|reason| {
        Diagnostic::error(SUMMARY, format!("{SOURCE_PATH}: {reason}.")).at(at(SOURCE_PATH))
    })?;
    check_unchanged_since_plan(planned, &local, SOURCE_PATH, SOURCE_SIZE, SOURCE_MODIFIED)?;
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();

    // Check every reference first: vcsim's handlers panic on unknown morefs.
    let pool_id = attr(planned, RESOURCE_POOL_ID).unwrap_or_default();
    let resource_pool = entity(
        &client,
        &pool_kinds(pool_id),
        pool_id,
        "resource pool",
        at(RESOURCE_POOL_ID),
        SUMMARY,
    )
    .await?;
    let datastore_id = attr(planned, DATASTORE_ID).unwrap_or_default();
    let datastore = entity(
        &client,
        &["Datastore"],
        datastore_id,
        "datastore",
        at(DATASTORE_ID),
        SUMMARY,
    )
    .await?;
    let host = match attr(planned, HOST_SYSTEM_ID) {
        Some(id) => Some(
            entity(
                &client,
                &["HostSystem"],
                id,
                "host",
                at(HOST_SYSTEM_ID),
                SUMMARY,
            )
            .await?,
        ),
        None => None,
    };
    let mapping = network_mapping(&client, planned, SUMMARY).await?;
    let datacenter = datacenter_of(&client, &resource_pool, RESOURCE_POOL_ID, SUMMARY).await?;
    let (folder, folder_path) =
        vm_folder(&client, &datacenter, attr(planned, FOLDER), SUMMARY).await?;
    check_name_free(&client, &folder, &folder_path, name, SUMMARY).await?;

    let package = OvfPackage::open(FsPath::new(source))
        .await
        .map_err(|error| import_diagnostic(SUMMARY, &error))?;
    let params = ImportParams {
        entity_name: name.to_owned(),
        host_system: host.clone(),
        network_mapping: mapping,
        disk_provisioning: Some(
            attr(planned, DISK_PROVISIONING)
                .unwrap_or("thin")
                .to_owned(),
        ),
        ..ImportParams::default()
    };
    let target = ImportTarget {
        resource_pool,
        datastore,
        folder: Some(folder.clone()),
        host,
    };
    if ctx.is_stopping() {
        return Err(Diagnostic::error(
            SUMMARY,
            "Terraform is stopping; the import did not start.",
        ));
    }
    let started = std::time::Instant::now();
    let mut last_percent = None;
    let progress = |sent: u64, total: u64| {
        let percent = if total == 0 {
            100
        } else {
            u128::from(sent.min(total)) * 100 / u128::from(total)
        };
        // One line per 10 %.
        let step = percent / 10;
        if last_percent != Some(step) {
            last_percent = Some(step);
            tracing::debug!(
                image = name,
                sent,
                total,
                percent = percent as u64,
                "OVF upload progress"
            );
        }
    };
    // Ctrl-C aborts the NFC lease (vCenter then removes the half-imported VM).
    let imported = client
        .import_ovf_until(
            &package,
            &target,
            &params,
            progress,
            ctx.stop_token().cancelled(),
        )
        .await;
    invalidate(ctx);
    let imported = match imported {
        Ok(imported) => imported,
        Err(error) => {
            let cancelled = match &error {
                ImportError::Cancelled => true,
                ImportError::Aborted { cause, .. } => matches!(**cause, ImportError::Cancelled),
                _ => false,
            };
            let mut diagnostic = if cancelled {
                Diagnostic::error(
                    SUMMARY,
                    format!(
                        "the import of {source:?} was cancelled (Terraform is stopping); the NFC \
                         lease was aborted."
                    ),
                )
            } else {
                import_diagnostic(SUMMARY, &error)
            };
            // vCenter removes the VM of an aborted lease; a simulator may keep it.
            if let Some(note) = remove_leftovers(&client, &folder, name).await {
                diagnostic.detail = format!("{} {note}", diagnostic.detail);
            }
            return Err(diagnostic);
        }
    };
    for warning in &imported.warnings {
        tracing::debug!(image = name, warning = %warning, "CreateImportSpec warning");
    }
    let vm = imported.vm;
    if let Err(error) = client.mark_as_template(&vm).await {
        let mut diagnostic = errors::vim_error(SUMMARY, None, &error);
        diagnostic.detail = format!("MarkAsTemplate: {}", diagnostic.detail);
        if let Err(destroy) = client.destroy(&vm).await {
            diagnostic.detail = format!(
                "{} The imported VM {} could not be destroyed ({}); delete it by hand.",
                diagnostic.detail,
                vm.value,
                errors::chain(&destroy)
            );
        }
        invalidate(ctx);
        return Err(diagnostic);
    }
    let uuid = client
        .retrieve_objects(
            std::slice::from_ref(&vm),
            "VirtualMachine",
            &["config.uuid"],
        )
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?
        .into_iter()
        .find_map(|content| {
            content
                .get("config.uuid")
                .and_then(|value| value.as_str())
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                format!("the imported template {} reports no config.uuid.", vm.value),
            )
        })?;
    tracing::debug!(
        resource = TYPE_NAME,
        image = name,
        vm = %vm.value,
        bytes = local.size,
        round_trips = client.round_trips() - before,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "imported"
    );
    let mut state = planned.clone();
    set(&mut state, ID, Value::from(uuid.clone()));
    set(&mut state, UUID, Value::from(uuid));
    set(&mut state, MOID, Value::from(vm.value));
    set(&mut state, SOURCE_SIZE, local.size_value());
    set(&mut state, SOURCE_MODIFIED, Value::from(local.modified));
    Ok(state)
}

/// The template of a state: by `moid` (one call) when it still has the state's UUID, else by
/// UUID (`FindByUuid`, as `vsphere_virtual_machine` reads). `None` when it is gone.
async fn find(
    client: &Client,
    state: &Value,
    summary: &str,
) -> Result<Option<vim::ObjectContent>, Diagnostic> {
    let uuid = attr(state, ID);
    let read = |moref: ManagedObjectReference| async move {
        match client
            .retrieve_objects(std::slice::from_ref(&moref), "VirtualMachine", &VM_PATHS)
            .await
        {
            Ok(contents) => Ok(contents.into_iter().find(|content| content.obj == moref)),
            Err(error) if inventory::is_not_found(&error) => Ok(None),
            Err(error) => Err(errors::vim_error(summary, None, &error)),
        }
    };
    let uuid_of = |content: &vim::ObjectContent| {
        content
            .get("config.uuid")
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    };
    if let Some(moid) = attr(state, MOID) {
        let content = read(ManagedObjectReference::new("VirtualMachine", moid)).await?;
        if let Some(content) = content
            && (uuid.is_none() || uuid_of(&content).as_deref() == uuid)
        {
            return Ok(Some(content));
        }
    }
    let Some(uuid) = uuid else {
        return Ok(None);
    };
    let found = client
        .find_vm_by_uuid(None, uuid, false)
        .await
        .map_err(|error| errors::vim_error(summary, None, &error))?;
    match found {
        Some(moref) => read(moref).await,
        None => Ok(None),
    }
}

async fn read(ctx: &Context, state: &Value) -> Result<(Value, Diagnostics), Diagnostic> {
    const SUMMARY: &str = "Read photon_image failed";
    let mut diagnostics = Diagnostics::new();
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let Some(content) = find(&client, state, SUMMARY).await? else {
        return Ok((Value::Null, diagnostics));
    };
    let name = content
        .get("name")
        .and_then(|value| value.as_str())
        .unwrap_or_default()
        .to_owned();
    if content
        .get("config.template")
        .and_then(|value| value.as_bool())
        != Some(true)
    {
        diagnostics.push(Diagnostic::warning(
            "Template is no longer a template",
            format!(
                "photon_image {name:?} ({}) was turned into a virtual machine outside \
                 Terraform; it is no longer managed as this image, and the plan imports the \
                 image again (rename or remove that VM first if the name is to be reused).",
                content.obj.value
            ),
        ));
        return Ok((Value::Null, diagnostics));
    }
    let chain = inventory::ancestry(&client, &content.obj)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    let folder = match chain
        .get(1..)
        .and_then(inventory::locate_folder)
        .filter(|location| location.folder_type == "vm")
    {
        Some(location) if location.relative.is_empty() => Value::Null,
        Some(location) => Value::from(location.relative),
        None => state.attr(FOLDER).cloned().unwrap_or(Value::Null),
    };
    tracing::debug!(
        resource = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    let uuid = content
        .get("config.uuid")
        .and_then(|value| value.as_str())
        .map(str::to_owned);
    let mut refreshed = state.clone();
    set(&mut refreshed, NAME, Value::from(name));
    set(&mut refreshed, FOLDER, folder);
    set(&mut refreshed, MOID, Value::from(content.obj.value.clone()));
    if let Some(uuid) = uuid {
        set(&mut refreshed, ID, Value::from(uuid.clone()));
        set(&mut refreshed, UUID, Value::from(uuid));
    }
    Ok((refreshed, diagnostics))
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_image failed";
    let client = inventory::client(ctx).await?;
    let Some(content) = find(&client, prior, SUMMARY).await? else {
        return Err(Diagnostic::error(
            SUMMARY,
            "the template no longer exists; run terraform apply again to import it.",
        ));
    };
    let vm = content.obj;
    let old_name = attr(prior, NAME).unwrap_or_default();
    let new_name = attr(planned, NAME).unwrap_or_default();
    let old_folder = attr(prior, FOLDER);
    let new_folder = attr(planned, FOLDER);
    if old_name == new_name && old_folder == new_folder {
        return Ok(planned.clone());
    }
    let datacenter = datacenter_of(&client, &vm, NAME, SUMMARY).await?;
    let (folder, folder_path) = vm_folder(&client, &datacenter, new_folder, SUMMARY).await?;
    let taken = vms_named(&client, &folder, new_name)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    if let Some(other) = taken.iter().find(|other| **other != vm) {
        return Err(Diagnostic::error(
            "Name already taken",
            format!(
                "{NAME}: {folder_path} already holds a VM or template named {new_name:?} ({}).",
                other.value
            ),
        )
        .at(at(NAME)));
    }
    if old_folder != new_folder {
        let current = client
            .parent(&vm)
            .await
            .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
        if current.as_ref() != Some(&folder) {
            client
                .move_into_folder(&folder, std::slice::from_ref(&vm))
                .await
                .map_err(|error| errors::vim_error(SUMMARY, Some(FOLDER), &error))?;
        }
    }
    if old_name != new_name {
        client
            .rename(&vm, new_name)
            .await
            .map_err(|error| errors::vim_error(SUMMARY, Some(NAME), &error))?;
    }
    invalidate(ctx);
    Ok(planned.clone())
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_image failed";
    let client = inventory::client(ctx).await?;
    let Some(content) = find(&client, prior, SUMMARY).await? else {
        return Ok(());
    };
    let result = client.destroy(&content.obj).await;
    invalidate(ctx);
    match result {
        Ok(()) => Ok(()),
        Err(error) if inventory::is_not_found(&error) => Ok(()),
        Err(error) => Err(errors::vim_error(SUMMARY, None, &error)),
    }
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(NAME)
        && (name.trim().is_empty() || name.chars().count() > 80)
    {
        diagnostics.push(
            Diagnostic::error(
                "Invalid name",
                format!("{NAME}: expected 1 to 80 characters, got {name:?}."),
            )
            .at(at(NAME)),
        );
    }
    if let Some(Value::String(source)) = config.attr(SOURCE_PATH)
        && let Err(detail) = check_source_path(source)
    {
        diagnostics.push(
            Diagnostic::error("Invalid source_path", format!("{SOURCE_PATH}: {detail}."))
                .at(at(SOURCE_PATH)),
        );
    }
    if let Some(Value::String(folder)) = config.attr(FOLDER)
        && let Err(detail) = split_path(folder)
    {
        diagnostics.push(folder_error("Invalid folder", detail));
    }
    if let Some(Value::Map(entries)) = config.attr(NETWORK_MAPPING) {
        let entries: &BTreeMap<String, Value> = entries;
        for (name, value) in entries {
            if matches!(value, Value::String(id) if id.trim().is_empty()) || value.is_null() {
                let path = at(NETWORK_MAPPING).key(name);
                diagnostics.push(
                    Diagnostic::error(
                        "Invalid network_mapping",
                        format!("{path}: expected a network id (from photon_network)."),
                    )
                    .at(path),
                );
            }
        }
    }
    diagnostics
}

#[async_trait]
impl Resource for Image {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        if plan.planned.is_null() {
            return Diagnostics::new();
        }
        plan_local_file(
            plan,
            SOURCE_PATH,
            SOURCE_SIZE,
            SOURCE_MODIFIED,
            &[ID, MOID, UUID],
        )
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        match read(ctx, &request.state).await {
            Ok((state, diagnostics)) => {
                let mut outcome = Outcome::ok(state);
                for diagnostic in diagnostics.iter() {
                    outcome = outcome.with_diagnostic(diagnostic.clone());
                }
                outcome
            }
            Err(diagnostic) => Outcome::failed(diagnostic),
        }
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(update(ctx, &request.prior, &request.planned).await)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_ova_or_ovf() {
        assert_eq!(check_source_path("photon.ova"), Ok(()));
        assert_eq!(check_source_path("/x/Photon-5.OVF"), Ok(()));
        assert!(
            check_source_path("photon.iso")
                .unwrap_err()
                .contains(".ova")
        );
        assert!(check_source_path("photon").is_err());
    }

    fn config(name: &str, source: &str, folder: Value, mapping: Value) -> Value {
        Value::object([
            (NAME, Value::from(name)),
            (SOURCE_PATH, Value::from(source)),
            (RESOURCE_POOL_ID, Value::from("resgroup-22")),
            (DATASTORE_ID, Value::from("datastore-1")),
            (FOLDER, folder),
            (HOST_SYSTEM_ID, Value::Null),
            (NETWORK_MAPPING, mapping),
            (DISK_PROVISIONING, Value::Null),
            (SOURCE_SIZE, Value::Null),
            (SOURCE_MODIFIED, Value::Null),
            (ID, Value::Null),
            (MOID, Value::Null),
            (UUID, Value::Null),
        ])
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.path.as_ref().map(ToString::to_string))
            .collect()
    }

    #[tokio::test]
    async fn validation_points_at_the_attribute() {
        let bad = config(
            "",
            "photon.iso",
            Value::from("/abs"),
            Value::map([("VM Network", Value::from(""))]),
        );
        assert_eq!(
            paths(&Image.validate(&bad).await),
            [
                "name",
                "source_path",
                "folder",
                "network_mapping[\"VM Network\"]"
            ]
        );
        let fine = config(
            "photon-5",
            "photon.ova",
            Value::from("templates/photon"),
            Value::map([("VM Network", Value::from("network-7"))]),
        );
        assert!(Image.validate(&fine).await.is_empty());
        let unknown = config("x", "x.ova", Value::unknown(), Value::unknown());
        assert!(Image.validate(&unknown).await.is_empty());
    }

    #[test]
    fn import_failures_blame_the_package_when_it_is_at_fault() {
        let error = ImportError::Package {
            file: "x.ova".into(),
            reason: "no .ovf descriptor in the archive".into(),
        };
        let diagnostic = import_diagnostic("Create photon_image failed", &error);
        assert_eq!(diagnostic.path, Some(at(SOURCE_PATH)));
        assert!(
            diagnostic.detail.starts_with("source_path: "),
            "{diagnostic:?}"
        );
        assert!(
            diagnostic.detail.contains("no .ovf descriptor"),
            "{diagnostic:?}"
        );
        let transport = ImportError::Vim(vim::Error::EmptyBody {
            method: "ImportVApp",
            status: 500,
        });
        assert_eq!(import_diagnostic("x", &transport).path, None);
    }

    #[test]
    fn ids_pick_their_managed_type() {
        assert_eq!(
            network_kinds("dvportgroup-13")[0],
            "DistributedVirtualPortgroup"
        );
        assert_eq!(network_kinds("network-7")[0], "Network");
        assert_eq!(pool_kinds("resgroup-v40")[0], "VirtualApp");
        assert_eq!(pool_kinds("resgroup-22")[0], "ResourcePool");
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
