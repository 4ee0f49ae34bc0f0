//! `photon_virtual_machine`: a vSphere VM, like `vsphere_virtual_machine`, created from scratch
//! or cloned, read through the provider's batched reader (one retrieval of every VM per refresh
//! window), changed in place where vSphere allows it.
//!
//! vcsim 0.24.2 quirks handled here: `CloneVM_Task` ignores the configuration (every clone is
//! followed by a reconfigure to the planned one), `CreateVM_Task` accepts duplicate names and
//! crashes on an unknown datastore (both are checked before creating), `extraConfig` entries are
//! appended rather than replaced (the last entry of a key counts, an empty value is unset), and
//! an edited device moves to the end of the device list (devices are ordered by unit number).

mod devices;
mod model;
mod plan;
pub(crate) mod schema;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tfsdk::cty::{Path, Value};
use tfsdk::{
    Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome, PlanRequest,
    ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::rest::{ObjectId, RestError};
use vim::spec::{
    OptionValue, VirtualMachineCloneSpec, VirtualMachineConfigSpec, VirtualMachineFileInfo,
    VirtualMachineRelocateSpec,
};
use vim::{Client, FaultKind, ManagedObjectReference, ObjectContent};

use crate::clients::Clients;
use crate::clients::vsphere::errors;
use crate::data_sources::vsphere::inventory::{self, FolderLocation};

use devices::{
    DeviceProblem, NetworkTarget, PathPart, WantedCdrom, WantedDevices, WantedDisk, WantedNic,
};
pub(crate) use devices::{ObservedDevices, scsi_type_name};
pub(crate) use model::Observed;
pub use model::VM_PATHS;
use model::{Placement, Remembered, state_value};
use schema::*;

pub use schema::schema_v0;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_virtual_machine";

/// The `photon_virtual_machine` resource.
pub struct VirtualMachine;

fn attr_path(name: &str) -> Path {
    Path::root().attr(name)
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.attr(name).and_then(Value::as_str).map(str::to_owned)
}

fn int(value: &Value, name: &str) -> Option<i64> {
    value
        .attr(name)
        .and_then(Value::as_number)
        .and_then(|number| number.as_i64())
}

fn number(value: &Value, name: &str) -> Option<f64> {
    value
        .attr(name)
        .and_then(Value::as_number)
        .map(|number| number.as_f64())
}

fn items<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value
        .attr(name)
        .and_then(Value::elements)
        .unwrap_or_default()
}

fn vm_ref(moid: &str) -> ManagedObjectReference {
    ManagedObjectReference::new("VirtualMachine", moid)
}

/// What the planned state asks for.
#[derive(Clone, Debug)]
struct Desired {
    name: String,
    pool_id: String,
    datastore_id: Option<String>,
    folder: Option<String>,
    host_id: Option<String>,
    num_cpus: i64,
    cores_per_socket: i64,
    memory_mb: i64,
    guest_id: String,
    firmware: String,
    annotation: Option<String>,
    extra_config: Option<BTreeMap<String, String>>,
    kickstart: Option<String>,
    tags: Option<BTreeSet<String>>,
    power_on: bool,
    wait_ip_minutes: f64,
    shutdown_minutes: f64,
    scsi_type: String,
    disks: Vec<WantedDisk>,
    nics: Vec<WantedNic>,
    cdrom: Option<(String, String)>,
    template_uuid: Option<String>,
}

impl Desired {
    fn from_planned(planned: &Value) -> Desired {
        let disks = items(planned, DISK)
            .iter()
            .map(|disk| WantedDisk {
                label: text(disk, LABEL).unwrap_or_default(),
                size_gb: int(disk, SIZE).unwrap_or(1),
                thin_provisioned: disk.attr(THIN_PROVISIONED).and_then(Value::as_bool),
                unit_number: int(disk, UNIT_NUMBER),
                key: int(disk, KEY).and_then(|key| i32::try_from(key).ok()),
            })
            .collect();
        let nics = items(planned, NETWORK_INTERFACE)
            .iter()
            .map(|nic| WantedNic {
                network_id: text(nic, NETWORK_ID).unwrap_or_default(),
                adapter_type: text(nic, ADAPTER_TYPE).unwrap_or_else(|| "vmxnet3".into()),
            })
            .collect();
        Desired {
            name: text(planned, NAME).unwrap_or_default(),
            pool_id: text(planned, RESOURCE_POOL_ID).unwrap_or_default(),
            datastore_id: text(planned, DATASTORE_ID),
            folder: text(planned, FOLDER),
            host_id: text(planned, HOST_SYSTEM_ID),
            num_cpus: int(planned, NUM_CPUS).unwrap_or(1),
            cores_per_socket: int(planned, NUM_CORES_PER_SOCKET).unwrap_or(1),
            memory_mb: int(planned, MEMORY).unwrap_or(1024),
            guest_id: text(planned, GUEST_ID).unwrap_or_else(|| DEFAULT_GUEST_ID.into()),
            firmware: text(planned, FIRMWARE).unwrap_or_else(|| "bios".into()),
            annotation: text(planned, ANNOTATION),
            extra_config: planned
                .attr(EXTRA_CONFIG)
                .and_then(Value::entries)
                .map(|entries| {
                    entries
                        .iter()
                        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                        .collect()
                }),
            kickstart: text(planned, KICKSTART),
            tags: planned.attr(TAGS).and_then(Value::elements).map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
            power_on: text(planned, POWER_STATE).as_deref() != Some("off"),
            wait_ip_minutes: number(planned, WAIT_FOR_GUEST_IP_TIMEOUT).unwrap_or(0.0),
            shutdown_minutes: number(planned, SHUTDOWN_WAIT_TIMEOUT).unwrap_or(3.0),
            scsi_type: text(planned, SCSI_TYPE).unwrap_or_else(|| "pvscsi".into()),
            disks,
            nics,
            cdrom: items(planned, CDROM)
                .first()
                .and_then(|cdrom| Some((text(cdrom, DATASTORE_ID)?, text(cdrom, PATH)?))),
            template_uuid: items(planned, CLONE)
                .first()
                .and_then(|clone| text(clone, TEMPLATE_UUID)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inventory lookups

/// The datacenter a resource pool belongs to, with its path and `vm` folder.
struct PoolPlacement {
    pool: ManagedObjectReference,
    datacenter_path: String,
    vm_folder: ManagedObjectReference,
}

async fn resolve_pool(
    client: &Client,
    pool_id: &str,
    summary: &str,
) -> Result<PoolPlacement, Diagnostic> {
    let pool = ManagedObjectReference::new("ResourcePool", pool_id);
    let chain = inventory::ancestry(client, &pool)
        .await
        .map_err(|error| errors::vim_error(summary, Some(RESOURCE_POOL_ID), &error))?;
    let Some(index) = chain
        .iter()
        .position(|(moref, _)| moref.kind == "Datacenter")
    else {
        return Err(Diagnostic::error(
            "Resource pool not found",
            format!(
                "{RESOURCE_POOL_ID}: no resource pool with id {pool_id:?}; use the `id` of a \
                 `photon_resource_pool` (e.g. resgroup-22)."
            ),
        )
        .at(attr_path(RESOURCE_POOL_ID)));
    };
    let datacenter = chain[index].0.clone();
    let datacenter_path = inventory::path_of_chain(&chain[index..]);
    let contents = client
        .retrieve_objects(
            std::slice::from_ref(&datacenter),
            "Datacenter",
            &["vmFolder"],
        )
        .await
        .map_err(|error| errors::vim_error(summary, Some(RESOURCE_POOL_ID), &error))?;
    let vm_folder = contents
        .first()
        .and_then(|content| content.get("vmFolder"))
        .and_then(|value| value.as_mor())
        .cloned()
        .ok_or_else(|| {
            Diagnostic::error(
                summary,
                format!("datacenter {datacenter_path} has no vm folder"),
            )
        })?;
    Ok(PoolPlacement {
        pool,
        datacenter_path,
        vm_folder,
    })
}

async fn resolve_folder(
    client: &Client,
    placement: &PoolPlacement,
    folder: Option<&str>,
    summary: &str,
) -> Result<ManagedObjectReference, Diagnostic> {
    let Some(folder) = folder else {
        return Ok(placement.vm_folder.clone());
    };
    let absolute = format!("{}/vm/{folder}", placement.datacenter_path);
    match client
        .find_by_inventory_path(&absolute)
        .await
        .map_err(|error| errors::vim_error(summary, Some(FOLDER), &error))?
    {
        Some(moref) if moref.kind == "Folder" => Ok(moref),
        _ => Err(Diagnostic::error(
            "Folder not found",
            format!(
                "{FOLDER}: there is no VM folder {absolute:?}; create it first (a \
                 `photon_folder` of type \"vm\" with path {folder:?})."
            ),
        )
        .at(attr_path(FOLDER))),
    }
}

/// The name of the object `id` of type `kind`, or a "not found" diagnostic at `path`.
async fn object_name(
    client: &Client,
    kind: &str,
    id: &str,
    path: Path,
    label: &str,
    summary: &str,
) -> Result<(ManagedObjectReference, String), Diagnostic> {
    let moref = ManagedObjectReference::new(kind, id);
    let found = match client
        .retrieve_objects(std::slice::from_ref(&moref), kind, &["name"])
        .await
    {
        Ok(contents) => contents.into_iter().find(|content| content.obj == moref),
        Err(error) if inventory::is_not_found(&error) => None,
        Err(error) => {
            return Err(errors::vim_error(summary, None, &error).at(path));
        }
    };
    match found {
        Some(content) => Ok((
            moref,
            content
                .get("name")
                .and_then(|name| name.as_str())
                .unwrap_or_default()
                .to_owned(),
        )),
        None => Err(Diagnostic::error(
            format!("{} not found", capitalized(label)),
            format!(
                "{}: no {label} with id {id:?}; use the `id` of a `photon_{}` data source.",
                plan::dotted(&path),
                label.replace(' ', "_")
            ),
        )
        .at(path)),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn nic_path(index: usize) -> Path {
    Path::root()
        .attr(NETWORK_INTERFACE)
        .index(index as i64)
        .attr(NETWORK_ID)
}

/// Every network `nics` name, resolved to a backing: one listing of the networks, plus two
/// reads for distributed port groups (their switch's UUID).
async fn resolve_networks(
    client: &Client,
    nics: &[(usize, &str)],
    summary: &str,
) -> Result<BTreeMap<String, NetworkTarget>, Diagnostic> {
    let mut targets = BTreeMap::new();
    if nics.is_empty() {
        return Ok(targets);
    }
    let root = client.service_content().root_folder.clone();
    let all = client
        .retrieve(&root, "Network", &["name"])
        .await
        .map_err(|error| errors::vim_error(summary, None, &error))?;
    let by_id: HashMap<&str, &ObjectContent> = all
        .iter()
        .map(|content| (content.obj.value.as_str(), content))
        .collect();
    let mut distributed = Vec::new();
    for (index, id) in nics {
        let Some(content) = by_id.get(id) else {
            let mut available: Vec<String> = all
                .iter()
                .map(|content| {
                    format!(
                        "{} ({})",
                        content.obj.value,
                        content
                            .get("name")
                            .and_then(|name| name.as_str())
                            .unwrap_or("?")
                    )
                })
                .collect();
            available.sort();
            return Err(Diagnostic::error(
                "Network not found",
                format!(
                    "{}: no network with id {id:?}; available: {}.",
                    plan::dotted(&nic_path(*index)),
                    available.join(", ")
                ),
            )
            .at(nic_path(*index)));
        };
        if content.obj.kind == "DistributedVirtualPortgroup" {
            distributed.push(content.obj.clone());
        } else {
            targets.insert(
                (*id).to_owned(),
                NetworkTarget::Standard {
                    name: content
                        .get("name")
                        .and_then(|name| name.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    moref: content.obj.clone(),
                },
            );
        }
    }
    if !distributed.is_empty() {
        distributed.sort_by(|a, b| a.value.cmp(&b.value));
        distributed.dedup();
        let groups = client
            .retrieve_objects(
                &distributed,
                "DistributedVirtualPortgroup",
                &["key", "config.distributedVirtualSwitch"],
            )
            .await
            .map_err(|error| errors::vim_error(summary, None, &error))?;
        let mut switches: Vec<ManagedObjectReference> = groups
            .iter()
            .filter_map(|group| {
                group
                    .get("config.distributedVirtualSwitch")?
                    .as_mor()
                    .cloned()
            })
            .collect();
        switches.sort_by(|a, b| a.value.cmp(&b.value));
        switches.dedup();
        let uuids: HashMap<ManagedObjectReference, String> = client
            .retrieve_objects(&switches, "DistributedVirtualSwitch", &["uuid"])
            .await
            .map_err(|error| errors::vim_error(summary, None, &error))?
            .into_iter()
            .filter_map(|content| {
                let uuid = content.get("uuid")?.as_str()?.to_owned();
                Some((content.obj, uuid))
            })
            .collect();
        for group in groups {
            let switch_uuid = group
                .get("config.distributedVirtualSwitch")
                .and_then(|value| value.as_mor())
                .and_then(|switch| uuids.get(switch))
                .cloned()
                .unwrap_or_default();
            let key = group
                .get("key")
                .and_then(|value| value.as_str())
                .unwrap_or(&group.obj.value)
                .to_owned();
            targets.insert(
                group.obj.value.clone(),
                NetworkTarget::Distributed {
                    switch_uuid,
                    portgroup_key: key,
                },
            );
        }
    }
    Ok(targets)
}

async fn resolve_cdrom(
    client: &Client,
    cdrom: Option<&(String, String)>,
    summary: &str,
) -> Result<Option<WantedCdrom>, Diagnostic> {
    let Some((datastore_id, path)) = cdrom else {
        return Ok(None);
    };
    let (datastore, datastore_name) = object_name(
        client,
        "Datastore",
        datastore_id,
        Path::root().attr(CDROM).index(0).attr(DATASTORE_ID),
        "datastore",
        summary,
    )
    .await?;
    Ok(Some(WantedCdrom {
        datastore,
        datastore_name,
        path: devices::path_in_datastore(path).to_owned(),
    }))
}

fn device_problem(summary: &str, problem: DeviceProblem) -> Diagnostic {
    let mut path = Path::root();
    for part in &problem.path {
        path = match part {
            PathPart::Attr(name) => path.attr(name),
            PathPart::Index(index) => path.index(*index as i64),
        };
    }
    Diagnostic::error(
        summary,
        format!("{}: {}.", plan::dotted(&path), problem.message),
    )
    .at(path)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Folder locations by folder moref, shared by the reads of one refresh: VMs in the same
/// folder cost one lookup together.
type FolderCache = tokio::sync::Mutex<HashMap<String, (Instant, Option<FolderLocation>)>>;

fn folder_cache() -> &'static FolderCache {
    static CACHE: OnceLock<FolderCache> = OnceLock::new();
    CACHE.get_or_init(FolderCache::default)
}

/// Where the folder `parent` is, relative to its datacenter's `vm` folder (cached for the
/// batch window).
async fn placement_of(
    client: &Client,
    parent: Option<&ManagedObjectReference>,
) -> Result<Placement, vim::Error> {
    let Some(parent) = parent.filter(|parent| parent.kind == "Folder") else {
        return Ok(Placement::default());
    };
    let key = format!(
        "{}|{}",
        client
            .service_content()
            .about
            .instance_uuid
            .as_deref()
            .unwrap_or_default(),
        parent.value
    );
    let mut cache = folder_cache().lock().await;
    let location = match cache.get(&key) {
        Some((fetched, location))
            if fetched.elapsed() < crate::clients::vsphere::batch::DEFAULT_WINDOW =>
        {
            location.clone()
        }
        _ => {
            let chain = inventory::ancestry(client, parent).await?;
            let location = inventory::locate_folder(&chain);
            cache.insert(key, (Instant::now(), location.clone()));
            location
        }
    };
    Ok(Placement {
        folder: location
            .filter(|location| location.folder_type == "vm")
            .map(|location| location.relative)
            .filter(|relative| !relative.is_empty()),
    })
}

fn forget_folder_cache() {
    if let Ok(mut cache) = folder_cache().try_lock() {
        cache.clear();
    }
}

/// The VM's properties from a single retrieval (not the batch): after a change.
async fn fetch(client: &Client, vm: &ManagedObjectReference) -> Result<Option<Observed>, String> {
    let contents = match client
        .retrieve_objects(std::slice::from_ref(vm), "VirtualMachine", VM_PATHS)
        .await
    {
        Ok(contents) => contents,
        Err(error) if inventory::is_not_found(&error) => return Ok(None),
        Err(error) => return Err(errors::chain(&error)),
    };
    match contents.into_iter().find(|content| &content.obj == vm) {
        Some(content) => Observed::from_content(&content).map(Some),
        None => Ok(None),
    }
}

async fn attached_tags(
    ctx: &Context,
    vm: &ManagedObjectReference,
) -> Result<Vec<String>, Diagnostic> {
    let rest = ctx.provider_data::<Clients>()?;
    let rest = rest.vsphere()?.rest().await?;
    let mut tags = rest
        .list_attached_tags(&ObjectId::from(vm))
        .await
        .map_err(|error| errors::rest_error("Reading the VM's tags failed", Some(TAGS), &error))?;
    tags.sort();
    Ok(tags)
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_virtual_machine failed";
    let clients = ctx.provider_data::<Clients>()?;
    let vsphere = clients.vsphere()?;
    let client = vsphere.client().await?;
    let before = client.round_trips();
    let reads = vsphere.batched("VirtualMachine", VM_PATHS);
    let id = text(state, ID).unwrap_or_default();
    let read_error = |error: vim::Error| errors::vim_error(SUMMARY, None, &error);
    let mut content = None;
    if let Some(moid) = text(state, MOID).filter(|moid| !moid.is_empty()) {
        if let Some(found) = reads
            .read(client, &vm_ref(&moid))
            .await
            .map_err(read_error)?
        {
            let uuid = found.get("config.uuid").and_then(|value| value.as_str());
            if id.is_empty() || uuid == Some(id.as_str()) {
                content = Some(found);
            }
        }
    }
    if content.is_none() && !id.is_empty() {
        // The moref is unknown or now names another VM (a re-registered VM, a new vCenter).
        if let Some(moref) = client
            .find_vm_by_uuid(None, &id, false)
            .await
            .map_err(read_error)?
        {
            content = reads.read(client, &moref).await.map_err(read_error)?;
        }
    }
    let Some(content) = content else {
        return Ok(Value::Null);
    };
    let observed =
        Observed::from_content(&content).map_err(|error| Diagnostic::error(SUMMARY, error))?;
    let placement = placement_of(client, observed.parent.as_ref())
        .await
        .map_err(read_error)?;
    let mut remembered = Remembered::from_state(state);
    if state.attr(TAGS).is_some_and(|tags| !tags.is_null()) {
        remembered.tags = Some(attached_tags(ctx, &observed.moref).await?);
    }
    tracing::debug!(
        resource = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(state_value(&observed, &placement, &remembered))
}

// ---------------------------------------------------------------------------------------------
// Power

fn is_power_state_fault(error: &vim::Error) -> bool {
    matches!(
        error.fault().map(|fault| &fault.kind),
        Some(FaultKind::InvalidPowerState { .. } | FaultKind::InvalidState)
    )
}

async fn powered_on(client: &Client, vm: &ManagedObjectReference) -> Result<bool, vim::Error> {
    let contents = client
        .retrieve_objects(
            std::slice::from_ref(vm),
            "VirtualMachine",
            &["runtime.powerState"],
        )
        .await?;
    Ok(contents
        .first()
        .and_then(|content| content.get("runtime.powerState"))
        .and_then(|value| value.as_str())
        == Some("poweredOn"))
}

/// Asks the guest to shut down and waits up to `minutes` for it, then powers off hard.
async fn power_off(
    ctx: &Context,
    client: &Client,
    vm: &ManagedObjectReference,
    minutes: f64,
) -> Result<(), vim::Error> {
    if minutes > 0.0 && client.shutdown_guest(vm).await.is_ok() {
        let deadline = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
        while Instant::now() < deadline && !ctx.is_stopping() {
            if !powered_on(client, vm).await? {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        tracing::debug!(vm = %vm, "guest shutdown timed out, powering off");
    }
    match client.power_off_vm(vm).await {
        Err(error) if is_power_state_fault(&error) => Ok(()),
        other => other,
    }
}

async fn power_on(client: &Client, vm: &ManagedObjectReference) -> Result<(), vim::Error> {
    match client.power_on_vm(vm).await {
        Err(error) if is_power_state_fault(&error) && powered_on(client, vm).await? => Ok(()),
        other => other,
    }
}

/// Waits up to `minutes` for `guest.ipAddress`; gives up early when Terraform stops.
async fn wait_for_ip(
    ctx: &Context,
    client: &Client,
    vm: &ManagedObjectReference,
    minutes: f64,
) -> Result<(), Diagnostic> {
    let deadline = Instant::now() + Duration::from_secs_f64(minutes * 60.0);
    loop {
        let contents = client
            .retrieve_objects(
                std::slice::from_ref(vm),
                "VirtualMachine",
                &["guest.ipAddress"],
            )
            .await
            .map_err(|error| errors::vim_error("Waiting for the guest IP failed", None, &error))?;
        let ip = contents
            .first()
            .and_then(|content| content.get("guest.ipAddress"))
            .and_then(|value| value.as_str())
            .unwrap_or_default();
        if !ip.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Diagnostic::error(
                "Timed out waiting for the guest IP address",
                format!(
                    "{WAIT_FOR_GUEST_IP_TIMEOUT}: the guest reported no IP address \
                     (guest.ipAddress) within {minutes} minutes; check that VMware Tools runs \
                     in the guest and that it gets an address, or set \
                     {WAIT_FOR_GUEST_IP_TIMEOUT} = 0."
                ),
            )
            .at(attr_path(WAIT_FOR_GUEST_IP_TIMEOUT)));
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = ctx.stop_token().cancelled() => {
                return Err(Diagnostic::error(
                    "Stopped waiting for the guest IP address",
                    "Terraform asked the provider to stop; the VM exists and is powered on.",
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

/// The settings to write so the VM's advanced settings match the plan. `managed` are the keys
/// the prior state managed (removed ones are cleared).
fn settings_changes(
    observed: Option<&Observed>,
    desired: &Desired,
    managed: &BTreeSet<String>,
    kickstart_managed: bool,
) -> Vec<OptionValue> {
    let current = |key: &str| observed.and_then(|observed| observed.setting(key));
    let mut changes = Vec::new();
    let wanted = desired.extra_config.clone().unwrap_or_default();
    for (key, value) in &wanted {
        if current(key) != Some(value.as_str()) {
            changes.push(OptionValue::string(key.clone(), value.clone()));
        }
    }
    for key in managed {
        if !wanted.contains_key(key) && current(key).is_some() {
            changes.push(OptionValue::string(key.clone(), ""));
        }
    }
    match &desired.kickstart {
        Some(kickstart) if current(KICKSTART_KEY) != Some(kickstart.as_str()) => {
            changes.push(OptionValue::string(KICKSTART_KEY, kickstart.clone()));
        }
        None if kickstart_managed && current(KICKSTART_KEY).is_some() => {
            changes.push(OptionValue::string(KICKSTART_KEY, ""));
        }
        _ => {}
    }
    changes
}

/// The hardware part of a reconfigure: what differs from `observed`.
fn hardware_changes(observed: &Observed, desired: &Desired, spec: &mut VirtualMachineConfigSpec) {
    if observed.num_cpus != desired.num_cpus {
        spec.num_cpus = i32::try_from(desired.num_cpus).ok();
    }
    if observed.cores_per_socket != desired.cores_per_socket {
        spec.num_cores_per_socket = i32::try_from(desired.cores_per_socket).ok();
    }
    if observed.memory_mb != desired.memory_mb {
        spec.memory_mb = Some(desired.memory_mb);
    }
    if observed.guest_id != desired.guest_id {
        spec.guest_id = Some(desired.guest_id.clone());
    }
    if observed.firmware != desired.firmware {
        spec.firmware = Some(desired.firmware.clone());
    }
    let annotation = desired.annotation.clone().unwrap_or_default();
    if observed.annotation != annotation {
        spec.annotation = Some(annotation);
    }
}

/// Whether vSphere needs the VM off for `spec`: CPU or memory changes it cannot hot-plug,
/// firmware and guest OS changes.
fn needs_power_off(observed: &Observed, spec: &VirtualMachineConfigSpec) -> bool {
    if !observed.powered_on {
        return false;
    }
    let cpus = spec.num_cpus.map(i64::from).is_some_and(|cpus| {
        (cpus > observed.num_cpus && !observed.cpu_hot_add)
            || (cpus < observed.num_cpus && !observed.cpu_hot_remove)
    });
    let memory = spec.memory_mb.is_some_and(|memory| {
        memory < observed.memory_mb || (memory > observed.memory_mb && !observed.memory_hot_add)
    });
    cpus || memory
        || spec.num_cores_per_socket.is_some()
        || spec.firmware.is_some()
        || spec.guest_id.is_some()
}

fn is_empty_spec(spec: &VirtualMachineConfigSpec) -> bool {
    *spec == VirtualMachineConfigSpec::default()
}

/// The resolved inventory the configuration names.
struct Resolved {
    networks: BTreeMap<String, NetworkTarget>,
    cdrom: Option<WantedCdrom>,
}

async fn resolve_devices(
    client: &Client,
    desired: &Desired,
    observed: Option<&Observed>,
    summary: &str,
) -> Result<Resolved, Diagnostic> {
    // Only networks an adapter is (re)connected to need resolving.
    let needed: Vec<(usize, &str)> = desired
        .nics
        .iter()
        .enumerate()
        .filter(|(index, nic)| {
            observed
                .and_then(|observed| observed.devices.nics.get(*index))
                .is_none_or(|current| {
                    current.network_id != nic.network_id || current.adapter_type != nic.adapter_type
                })
        })
        .map(|(index, nic)| (index, nic.network_id.as_str()))
        .collect();
    let networks = resolve_networks(client, &needed, summary).await?;
    let cdrom = resolve_cdrom(client, desired.cdrom.as_ref(), summary).await?;
    Ok(Resolved { networks, cdrom })
}

async fn apply_tags(
    ctx: &Context,
    vm: &ManagedObjectReference,
    wanted: Option<&BTreeSet<String>>,
    prior: Option<&BTreeSet<String>>,
) -> Result<(), Diagnostic> {
    let Some(wanted) = wanted else {
        if let Some(prior) = prior.filter(|prior| !prior.is_empty()) {
            // No longer managed: detach what Terraform attached.
            return change_tags(ctx, vm, &BTreeSet::new(), prior).await;
        }
        return Ok(());
    };
    let current: BTreeSet<String> = attached_tags(ctx, vm).await?.into_iter().collect();
    change_tags(ctx, vm, wanted, &current).await
}

async fn change_tags(
    ctx: &Context,
    vm: &ManagedObjectReference,
    wanted: &BTreeSet<String>,
    current: &BTreeSet<String>,
) -> Result<(), Diagnostic> {
    let attach: Vec<String> = wanted.difference(current).cloned().collect();
    let detach: Vec<String> = current.difference(wanted).cloned().collect();
    if attach.is_empty() && detach.is_empty() {
        return Ok(());
    }
    let clients = ctx.provider_data::<Clients>()?;
    let rest = clients.vsphere()?.rest().await?;
    let object = ObjectId::from(vm);
    let failed = |error: RestError| {
        let mut diagnostic =
            errors::rest_error("Changing the VM's tags failed", Some(TAGS), &error);
        // Unknown tags come back as per-tag batch failures or `not_found`: the value is wrong.
        if diagnostic.path.is_some()
            || error.is_not_found()
            || matches!(error, RestError::Batch { .. })
        {
            diagnostic
                .detail
                .push_str(" Use tag IDs (the `id` of a tag), not names.");
            diagnostic = diagnostic.at(attr_path(TAGS));
        }
        diagnostic
    };
    if !detach.is_empty() {
        rest.detach_multiple_tags_from_object(&object, &detach)
            .await
            .map_err(failed)?;
    }
    if !attach.is_empty() {
        rest.attach_multiple_tags_to_object(&object, &attach)
            .await
            .map_err(failed)?;
    }
    Ok(())
}

fn invalidate(ctx: &Context) {
    if let Ok(clients) = ctx.provider_data::<Clients>() {
        if let Ok(vsphere) = clients.vsphere() {
            vsphere.invalidate_batches();
        }
    }
}

/// The state after a create or update: a fresh read, the labels and managed settings of the
/// plan, the folder as planned.
async fn final_state(
    ctx: &Context,
    client: &Client,
    vm: &ManagedObjectReference,
    planned: &Value,
    units: &BTreeMap<String, i64>,
    summary: &str,
) -> Result<Value, Diagnostic> {
    let observed = fetch(client, vm)
        .await
        .map_err(|error| Diagnostic::error(summary, error))?
        .ok_or_else(|| {
            Diagnostic::error(
                summary,
                format!("the VM {vm} disappeared while being changed"),
            )
        })?;
    let mut remembered = Remembered::from_state(planned);
    for (label, unit) in units {
        remembered.labels_by_unit.insert(*unit, label.clone());
    }
    if planned.attr(TAGS).is_some_and(|tags| !tags.is_null()) {
        remembered.tags = Some(attached_tags(ctx, vm).await?);
    }
    let placement = Placement {
        folder: text(planned, FOLDER),
    };
    Ok(state_value(&observed, &placement, &remembered))
}

async fn create(ctx: &Context, planned: &Value) -> (Value, Diagnostics) {
    const SUMMARY: &str = "Create photon_virtual_machine failed";
    let desired = Desired::from_planned(planned);
    let client = match inventory::client(ctx).await {
        Ok(client) => client,
        Err(diagnostic) => return (Value::Null, diagnostic.into()),
    };
    let vm = match create_vm(ctx, &client, &desired, SUMMARY).await {
        Ok(vm) => vm,
        Err(diagnostic) => return (Value::Null, diagnostic.into()),
    };
    invalidate(ctx);
    forget_folder_cache();
    // From here on the VM exists: whatever fails, the state records it (tainted).
    let mut diagnostics = Diagnostics::new();
    let units = match configure_new_vm(ctx, &client, &vm, &desired, SUMMARY).await {
        Ok(units) => units,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            BTreeMap::new()
        }
    };
    invalidate(ctx);
    match final_state(ctx, &client, &vm, planned, &units, SUMMARY).await {
        Ok(state) => (state, diagnostics),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            // Enough for Terraform to track (and destroy) the VM.
            let state =
                Value::object([(ID, Value::from("")), (MOID, Value::from(vm.value.clone()))]);
            (state, diagnostics)
        }
    }
}

/// Checks what vcsim does not (the objects exist, the name is free), then creates or clones.
async fn create_vm(
    ctx: &Context,
    client: &Client,
    desired: &Desired,
    summary: &str,
) -> Result<ManagedObjectReference, Diagnostic> {
    let _ = ctx;
    let pool = resolve_pool(client, &desired.pool_id, summary).await?;
    let folder = resolve_folder(client, &pool, desired.folder.as_deref(), summary).await?;
    let datastore = match &desired.datastore_id {
        Some(id) => Some(
            object_name(
                client,
                "Datastore",
                id,
                attr_path(DATASTORE_ID),
                "datastore",
                summary,
            )
            .await?,
        ),
        None => None,
    };
    let host = match &desired.host_id {
        Some(id) => Some(
            object_name(
                client,
                "HostSystem",
                id,
                attr_path(HOST_SYSTEM_ID),
                "host",
                summary,
            )
            .await?
            .0,
        ),
        None => None,
    };
    let siblings = client
        .folder_children_named(&folder)
        .await
        .map_err(|error| errors::vim_error(summary, Some(FOLDER), &error))?;
    if siblings.iter().any(|child| child.name == desired.name) {
        return Err(Diagnostic::error(
            "Name already in use",
            format!(
                "{NAME}: the folder {}/vm{} already holds an object named {:?}; choose another \
                 name, or import the existing VM.",
                pool.datacenter_path,
                desired
                    .folder
                    .as_ref()
                    .map(|folder| format!("/{folder}"))
                    .unwrap_or_default(),
                desired.name
            ),
        )
        .at(attr_path(NAME)));
    }
    if let Some(template_uuid) = &desired.template_uuid {
        let template_path = Path::root().attr(CLONE).index(0).attr(TEMPLATE_UUID);
        let template = client
            .find_vm_by_uuid(None, template_uuid, false)
            .await
            .map_err(|error| errors::vim_error(summary, None, &error))?
            .ok_or_else(|| {
                Diagnostic::error(
                    "Clone source not found",
                    format!(
                        "{}: no VM or template has the BIOS UUID {template_uuid:?}; use the \
                         `id` of a `photon_virtual_machine` data source.",
                        plan::dotted(&template_path)
                    ),
                )
                .at(template_path.clone())
            })?;
        let source = fetch(client, &template)
            .await
            .map_err(|error| Diagnostic::error(summary, error))?
            .ok_or_else(|| {
                Diagnostic::error(
                    summary,
                    format!("{}: the source vanished", plan::dotted(&template_path)),
                )
                .at(template_path.clone())
            })?;
        if let Some(model) = source.devices.scsi_type {
            if scsi_type_name(model) != desired.scsi_type {
                return Err(Diagnostic::error(
                    "SCSI controller mismatch",
                    format!(
                        "{SCSI_TYPE}: the clone source's disks sit on a {} controller; set \
                         {SCSI_TYPE} = {:?}.",
                        scsi_type_name(model),
                        scsi_type_name(model)
                    ),
                )
                .at(attr_path(SCSI_TYPE)));
            }
        }
        let disk_count = source.devices.disks.len();
        if desired.disks.len() < disk_count {
            return Err(Diagnostic::error(
                "Too few disks for the clone",
                format!(
                    "{DISK}: the clone source has {disk_count} disk(s); declare at least as many \
                     `disk` blocks (labels of your choice, sizes at least the source's)."
                ),
            )
            .at(attr_path(DISK)));
        }
        for (index, (wanted, current)) in
            desired.disks.iter().zip(&source.devices.disks).enumerate()
        {
            if wanted.size_gb * devices::KB_PER_GB < current.capacity_kb {
                let path = Path::root().attr(DISK).index(index as i64).attr(SIZE);
                return Err(Diagnostic::error(
                    "Disk smaller than the clone source's",
                    format!(
                        "{}: the source's disk is {} KB; a clone's disk cannot be smaller \
                         than {} GB.",
                        plan::dotted(&path),
                        current.capacity_kb,
                        (current.capacity_kb + devices::KB_PER_GB - 1) / devices::KB_PER_GB
                    ),
                )
                .at(path));
            }
        }
        let spec = VirtualMachineCloneSpec {
            location: VirtualMachineRelocateSpec {
                datastore: datastore.map(|(moref, _)| moref),
                pool: Some(pool.pool.clone()),
                host,
                ..VirtualMachineRelocateSpec::default()
            },
            ..VirtualMachineCloneSpec::default()
        };
        return client
            .clone_vm(&template, &folder, &desired.name, &spec)
            .await
            .map_err(|error| errors::vim_error(summary, Some(NAME), &error));
    }
    let Some((_, datastore_name)) = datastore else {
        return Err(Diagnostic::error(
            "Missing datastore_id",
            format!("{DATASTORE_ID}: a VM created from scratch needs a datastore for its files."),
        )
        .at(attr_path(DATASTORE_ID)));
    };
    let resolved = resolve_devices(client, desired, None, summary).await?;
    let (device_change, _) = devices::reconcile(
        &ObservedDevices::default(),
        &WantedDevices {
            disks: &desired.disks,
            nics: &desired.nics,
            networks: &resolved.networks,
            cdrom: resolved.cdrom.as_ref(),
            scsi_type: devices::scsi_model(&desired.scsi_type),
        },
    )
    .map_err(|problem| device_problem(summary, problem))?;
    let spec = VirtualMachineConfigSpec {
        name: Some(desired.name.clone()),
        guest_id: Some(desired.guest_id.clone()),
        annotation: desired.annotation.clone(),
        files: Some(VirtualMachineFileInfo::at(format!("[{datastore_name}]"))),
        num_cpus: i32::try_from(desired.num_cpus).ok(),
        num_cores_per_socket: i32::try_from(desired.cores_per_socket).ok(),
        memory_mb: Some(desired.memory_mb),
        device_change,
        extra_config: settings_changes(None, desired, &BTreeSet::new(), false),
        firmware: Some(desired.firmware.clone()),
        ..VirtualMachineConfigSpec::default()
    };
    client
        .create_vm(&folder, &pool.pool, None, &spec)
        .await
        .map_err(|error| errors::vim_error(summary, Some(NAME), &error))
}

/// After CreateVM or CloneVM: the planned configuration (a clone arrives with its source's),
/// tags, power and the IP wait. Returns the unit of every disk by label.
async fn configure_new_vm(
    ctx: &Context,
    client: &Client,
    vm: &ManagedObjectReference,
    desired: &Desired,
    summary: &str,
) -> Result<BTreeMap<String, i64>, Diagnostic> {
    let observed = fetch(client, vm)
        .await
        .map_err(|error| Diagnostic::error(summary, error))?
        .ok_or_else(|| Diagnostic::error(summary, format!("the new VM {vm} is not there")))?;
    let mut units: BTreeMap<String, i64> = BTreeMap::new();
    if desired.template_uuid.is_some() {
        // Cloned disks and adapters are the first blocks, in order.
        let mut desired = desired.clone();
        for (wanted, current) in desired.disks.iter_mut().zip(&observed.devices.disks) {
            wanted.key = Some(current.key);
        }
        reconfigure(
            ctx,
            client,
            &observed,
            &desired,
            &BTreeSet::new(),
            false,
            summary,
        )
        .await
        .map(|assigned| units = assigned)?;
    } else {
        for disk in &observed.devices.disks {
            if let Some(wanted) = desired
                .disks
                .iter()
                .find(|wanted| wanted.unit_number == Some(disk.unit_number))
            {
                units.insert(wanted.label.clone(), disk.unit_number);
            }
        }
    }
    apply_tags(ctx, vm, desired.tags.as_ref(), None).await?;
    if desired.power_on {
        power_on(client, vm)
            .await
            .map_err(|error| errors::vim_error(summary, Some(POWER_STATE), &error))?;
        if desired.wait_ip_minutes > 0.0 {
            wait_for_ip(ctx, client, vm, desired.wait_ip_minutes).await?;
        }
    }
    Ok(units)
}

/// Reconfigures `observed` to `desired` (hardware, settings, devices), powering the VM off
/// and back on when vSphere needs it off. Returns the unit of every disk by label.
async fn reconfigure(
    ctx: &Context,
    client: &Client,
    observed: &Observed,
    desired: &Desired,
    managed_settings: &BTreeSet<String>,
    kickstart_managed: bool,
    summary: &str,
) -> Result<BTreeMap<String, i64>, Diagnostic> {
    let resolved = resolve_devices(client, desired, Some(observed), summary).await?;
    let (device_change, units) = devices::reconcile(
        &observed.devices,
        &WantedDevices {
            disks: &desired.disks,
            nics: &desired.nics,
            networks: &resolved.networks,
            cdrom: resolved.cdrom.as_ref(),
            scsi_type: devices::scsi_model(&desired.scsi_type),
        },
    )
    .map_err(|problem| device_problem(summary, problem))?;
    let mut spec = VirtualMachineConfigSpec {
        device_change,
        extra_config: settings_changes(
            Some(observed),
            desired,
            managed_settings,
            kickstart_managed,
        ),
        ..VirtualMachineConfigSpec::default()
    };
    hardware_changes(observed, desired, &mut spec);
    if is_empty_spec(&spec) {
        return Ok(units);
    }
    let cycle = needs_power_off(observed, &spec);
    if cycle {
        power_off(ctx, client, &observed.moref, desired.shutdown_minutes)
            .await
            .map_err(|error| errors::vim_error(summary, None, &error))?;
    }
    let result = client
        .reconfigure_vm(&observed.moref, &spec)
        .await
        .map_err(|error| errors::vim_error(summary, None, &error));
    if cycle {
        // Back to how it was, even when the change failed; `power_state` is applied later.
        power_on(client, &observed.moref)
            .await
            .map_err(|error| errors::vim_error(summary, Some(POWER_STATE), &error))?;
    }
    result.map(|()| units)
}

fn string_set(value: &Value, name: &str) -> Option<BTreeSet<String>> {
    value.attr(name).and_then(Value::elements).map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

async fn locate(
    client: &Client,
    state: &Value,
) -> Result<Option<ManagedObjectReference>, vim::Error> {
    if let Some(moid) = text(state, MOID).filter(|moid| !moid.is_empty()) {
        let vm = vm_ref(&moid);
        match client
            .retrieve_objects(
                std::slice::from_ref(&vm),
                "VirtualMachine",
                &["config.uuid"],
            )
            .await
        {
            Ok(contents) => {
                let uuid = contents
                    .first()
                    .and_then(|content| content.get("config.uuid"))
                    .and_then(|value| value.as_str())
                    .map(str::to_owned);
                let id = text(state, ID).unwrap_or_default();
                if id.is_empty() || uuid.as_deref() == Some(id.as_str()) {
                    return Ok(Some(vm));
                }
            }
            Err(error) if inventory::is_not_found(&error) => {}
            Err(error) => return Err(error),
        }
    }
    match text(state, ID).filter(|id| !id.is_empty()) {
        Some(id) => client.find_vm_by_uuid(None, &id, false).await,
        None => Ok(None),
    }
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_virtual_machine failed";
    let client = inventory::client(ctx).await?;
    let vm = locate(&client, prior)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                "the VM no longer exists in vSphere; refresh to plan its re-creation.",
            )
        })?;
    let result = update_vm(ctx, &client, &vm, prior, planned, SUMMARY).await;
    invalidate(ctx);
    forget_folder_cache();
    let units = result?;
    final_state(ctx, &client, &vm, planned, &units, SUMMARY).await
}

async fn update_vm(
    ctx: &Context,
    client: &Client,
    vm: &ManagedObjectReference,
    prior: &Value,
    planned: &Value,
    summary: &str,
) -> Result<BTreeMap<String, i64>, Diagnostic> {
    let desired = Desired::from_planned(planned);
    let fetch_now = || async {
        fetch(client, vm)
            .await
            .map_err(|error| Diagnostic::error(summary, error))?
            .ok_or_else(|| Diagnostic::error(summary, format!("the VM {vm} vanished")))
    };
    let observed = fetch_now().await?;
    if observed.name != desired.name {
        client
            .rename(vm, &desired.name)
            .await
            .map_err(|error| errors::vim_error(summary, Some(NAME), &error))?;
    }
    let pool_changed =
        observed.pool.as_ref().map(|pool| pool.value.as_str()) != Some(desired.pool_id.as_str());
    let host_changed = desired
        .host_id
        .as_ref()
        .is_some_and(|host| observed.host.as_ref().map(|h| &h.value) != Some(host));
    let folder_changed = text(prior, FOLDER) != desired.folder;
    if pool_changed || folder_changed {
        let pool = resolve_pool(client, &desired.pool_id, summary).await?;
        if folder_changed {
            let folder = resolve_folder(client, &pool, desired.folder.as_deref(), summary).await?;
            if observed.parent.as_ref() != Some(&folder) {
                client
                    .move_into_folder(&folder, std::slice::from_ref(vm))
                    .await
                    .map_err(|error| errors::vim_error(summary, Some(FOLDER), &error))?;
            }
        }
    }
    if pool_changed || host_changed {
        let host = match (&desired.host_id, host_changed) {
            (Some(id), true) => Some(
                object_name(
                    client,
                    "HostSystem",
                    id,
                    attr_path(HOST_SYSTEM_ID),
                    "host",
                    summary,
                )
                .await?
                .0,
            ),
            _ => None,
        };
        let spec = VirtualMachineRelocateSpec {
            pool: pool_changed
                .then(|| ManagedObjectReference::new("ResourcePool", &desired.pool_id)),
            host,
            ..VirtualMachineRelocateSpec::default()
        };
        client.relocate_vm(vm, &spec).await.map_err(|error| {
            errors::vim_error(
                summary,
                Some(if pool_changed {
                    RESOURCE_POOL_ID
                } else {
                    HOST_SYSTEM_ID
                }),
                &error,
            )
        })?;
    }
    let managed: BTreeSet<String> = prior
        .attr(EXTRA_CONFIG)
        .and_then(Value::entries)
        .map(|entries| entries.keys().cloned().collect())
        .unwrap_or_default();
    let kickstart_managed = prior.attr(KICKSTART).is_some_and(|value| !value.is_null());
    let mut desired_for_devices = desired.clone();
    // Disks whose key the plan carries are the existing ones.
    for disk in &mut desired_for_devices.disks {
        if disk.key.is_some_and(|key| {
            !observed
                .devices
                .disks
                .iter()
                .any(|current| current.key == key)
        }) {
            disk.key = None;
        }
    }
    let units = reconfigure(
        ctx,
        client,
        &observed,
        &desired_for_devices,
        &managed,
        kickstart_managed,
        summary,
    )
    .await?;
    apply_tags(
        ctx,
        vm,
        desired.tags.as_ref(),
        string_set(prior, TAGS).as_ref(),
    )
    .await?;
    let on = powered_on(client, vm)
        .await
        .map_err(|error| errors::vim_error(summary, None, &error))?;
    if desired.power_on && !on {
        power_on(client, vm)
            .await
            .map_err(|error| errors::vim_error(summary, Some(POWER_STATE), &error))?;
        if desired.wait_ip_minutes > 0.0 {
            wait_for_ip(ctx, client, vm, desired.wait_ip_minutes).await?;
        }
    } else if !desired.power_on && on {
        power_off(ctx, client, vm, desired.shutdown_minutes)
            .await
            .map_err(|error| errors::vim_error(summary, Some(POWER_STATE), &error))?;
    }
    Ok(units)
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_virtual_machine failed";
    let client = inventory::client(ctx).await?;
    let Some(vm) = locate(&client, prior)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?
    else {
        return Ok(());
    };
    let minutes = number(prior, SHUTDOWN_WAIT_TIMEOUT).unwrap_or(3.0);
    let result = async {
        if powered_on(&client, &vm).await? {
            power_off(ctx, &client, &vm, minutes).await?;
        }
        client.destroy(&vm).await
    }
    .await;
    invalidate(ctx);
    forget_folder_cache();
    match result {
        Ok(()) => Ok(()),
        Err(error) if inventory::is_not_found(&error) => Ok(()),
        Err(error) => Err(errors::vim_error(SUMMARY, None, &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_virtual_machine failed";
    if !id.starts_with('/') {
        return Err(Diagnostic::error(
            SUMMARY,
            format!(
                "expected the VM's absolute inventory path, such as /DC0/vm/web or \
                 /DC0/vm/infra/web, got {id:?}."
            ),
        ));
    }
    let client = inventory::client(ctx).await?;
    let found = client
        .find_by_inventory_path(id)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    let vm = match found {
        Some(moref) if moref.kind == "VirtualMachine" => moref,
        Some(moref) => {
            return Err(Diagnostic::error(
                SUMMARY,
                format!("{id:?} is a {}, not a virtual machine.", moref.kind),
            ));
        }
        None => {
            return Err(Diagnostic::error(
                SUMMARY,
                format!("no virtual machine at {id:?}."),
            ));
        }
    };
    let observed = fetch(&client, &vm)
        .await
        .map_err(|error| Diagnostic::error(SUMMARY, error))?
        .ok_or_else(|| Diagnostic::error(SUMMARY, format!("no virtual machine at {id:?}.")))?;
    if observed.template {
        return Err(Diagnostic::error(
            SUMMARY,
            format!(
                "{id:?} is a template; templates cannot be managed as a photon_virtual_machine \
                 (use them as `clone.template_uuid`)."
            ),
        ));
    }
    let placement = placement_of(&client, observed.parent.as_ref())
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    let tags = attached_tags(ctx, &vm).await?;
    let remembered = Remembered {
        kickstart: observed.setting(KICKSTART_KEY).is_some(),
        tags: Some(tags).filter(|tags| !tags.is_empty()),
        ..Remembered::from_state(&Value::Null)
    };
    Ok(state_value(&observed, &placement, &remembered))
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for VirtualMachine {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        plan::validate(config)
    }

    async fn modify_plan(&self, _ctx: &Context, request: &mut PlanRequest) -> Diagnostics {
        plan::modify(request)
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        let (state, diagnostics) = create(ctx, &request.planned).await;
        Outcome {
            state,
            private: tfsdk::PrivateState::new(),
            diagnostics,
        }
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        match update(ctx, &request.prior, &request.planned).await {
            Ok(state) => Outcome::ok(state),
            // The VM is still there: keep the prior state so nothing is forgotten.
            Err(diagnostic) => Outcome {
                state: request.prior.clone(),
                private: tfsdk::PrivateState::new(),
                diagnostics: diagnostic.into(),
            },
        }
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}
