//! `photon-template` post-processor: turns the VM a builder made into a finished template —
//! optional snapshot, rename, move into a folder (created when missing), mark as template, and
//! optionally capture it as an OVF item of a content library (`content_library_destination`,
//! like packer-plugin-vsphere's block of that name).
//!
//! Input artifacts come from our builders (BuilderId `photon-iac.photon`, Id = moref) or from
//! packer-plugin-vsphere's (`jetbrains.vsphere`, Id = VM name, found by name in the datacenter).
//! Like vsphere-template it returns the (updated) artifact with `keep` and `force_override`
//! set, so Packer never destroys the template. With `content_library_destination.destroy` the
//! VM is gone afterwards, so the artifact is then the library item ([`LibraryItemArtifact`],
//! BuilderId [`LIBRARY_ITEM_BUILDER_ID`], Id = item id): later post-processors expecting a VM
//! refuse it by its BuilderId instead of acting on a moref that no longer exists.

use std::sync::{Arc, Mutex};

use packer_sdk::{
    Artifact, CancellationToken, ConfigError, Field, FieldType, PostProcessed, PostProcessor,
    RawConfigs, RemoteArtifact, Ui, async_trait, concat_fields, object_spec,
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use vim::finder::Finder;
use vim::rest::RestClient;
use vim::{Client, ManagedObjectReference};

use crate::vsphere::{
    self, BUILDER_ID, CONNECT_FIELDS, ConnectConfig, VSPHERE_BUILDER_ID, VsphereArtifact,
    error_chain, is_placeholder,
};

/// The BuilderId of the artifact returned when `content_library_destination.destroy` removed
/// the VM: the artifact is a content library item, not a VM.
pub(crate) const LIBRARY_ITEM_BUILDER_ID: &str = "photon-iac.photon.library-item";

/// One line for the docs page.
pub(crate) const SUMMARY: &str = "The `photon-template` post-processor finishes the VM built by `photon-clone`, `photon-iso` (or packer-plugin-vsphere's `vsphere-iso`/`vsphere-clone`): it can snapshot it, rename it, move it into a folder (created when missing) and marks it as a template. Keys mirror packer-plugin-vsphere's `vsphere-template`.";

/// The keys specific to `photon-template` (after the connection keys).
const TEMPLATE_FIELDS: &[Field] = &[
    Field {
        name: "folder",
        ty: FieldType::String,
        required: false,
        description: "VM folder to move the template into, relative to the datacenter's VM folder (`templates/photon`). Missing folders are created. Defaults to leaving the VM where it is.",
    },
    Field {
        name: "template_name",
        ty: FieldType::String,
        required: false,
        description: "New name of the template. Defaults to the VM's name.",
    },
    Field {
        name: "snapshot_enable",
        ty: FieldType::Bool,
        required: false,
        description: "Take a snapshot of the VM before it is marked as a template. Defaults to `false`.",
    },
    Field {
        name: "snapshot_name",
        ty: FieldType::String,
        required: false,
        description: "Name of the snapshot taken by `snapshot_enable`. Defaults to `Created by Packer`.",
    },
    Field {
        name: "snapshot_description",
        ty: FieldType::String,
        required: false,
        description: "Description of the snapshot taken by `snapshot_enable`.",
    },
    Field {
        name: "content_library_destination",
        ty: FieldType::Block(LIBRARY_FIELDS),
        required: false,
        description: "After the VM is marked as a template, capture it as an OVF template item of an existing local content library (like packer-plugin-vsphere's `content_library_destination`). The post-processor's artifact stays the template, unless `destroy` removes it: then it is the library item (BuilderId `photon-iac.photon.library-item`, Id = the item id).",
    },
];

/// The keys of the `content_library_destination` block.
const LIBRARY_FIELDS: &[Field] = &[
    Field {
        name: "library",
        ty: FieldType::String,
        required: true,
        description: "Name of the content library to import into. It must exist (the post-processor does not create libraries).",
    },
    Field {
        name: "name",
        ty: FieldType::String,
        required: false,
        description: "Name of the library item. Defaults to the template's name. An item of that name already in the library is an error.",
    },
    Field {
        name: "description",
        ty: FieldType::String,
        required: false,
        description: "Description of the library item.",
    },
    Field {
        name: "ovf",
        ty: FieldType::Bool,
        required: false,
        description: "Import as an OVF template item. Defaults to `true`; `false` (a VM template, VMTX, item) is not supported yet and refused.",
    },
    Field {
        name: "destroy",
        ty: FieldType::Bool,
        required: false,
        description: "Destroy the template VM after the import, leaving only the library item. Defaults to `false`.",
    },
];

/// Every key of `photon-template` (single source of the HCL2 spec and the docs page).
pub(crate) const FIELDS: &[Field] =
    &concat_fields::<FIELD_COUNT>(&[CONNECT_FIELDS, TEMPLATE_FIELDS]);

const FIELD_COUNT: usize = CONNECT_FIELDS.len() + TEMPLATE_FIELDS.len();

/// The `photon-template` configuration: every key of [`FIELDS`], unknown keys refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateConfig {
    /// `vcenter_server`.
    pub(crate) vcenter_server: String,
    /// `username`.
    pub(crate) username: String,
    /// `password`.
    pub(crate) password: String,
    /// `insecure_connection`.
    #[serde(default)]
    pub(crate) insecure_connection: bool,
    /// `ca_file`.
    #[serde(default)]
    pub(crate) ca_file: Option<String>,
    /// `datacenter`.
    #[serde(default)]
    pub(crate) datacenter: Option<String>,
    /// `folder`.
    #[serde(default)]
    pub(crate) folder: Option<String>,
    /// `template_name`.
    #[serde(default)]
    pub(crate) template_name: Option<String>,
    /// `snapshot_enable`.
    #[serde(default)]
    pub(crate) snapshot_enable: bool,
    /// `snapshot_name`.
    #[serde(default)]
    pub(crate) snapshot_name: Option<String>,
    /// `snapshot_description`.
    #[serde(default)]
    pub(crate) snapshot_description: Option<String>,
    /// `content_library_destination`.
    #[serde(default)]
    pub(crate) content_library_destination: Option<LibraryDestination>,
}

/// The `content_library_destination` block.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LibraryDestination {
    /// `library` (required; checked by [`TemplateConfig::validate`] to name the key).
    #[serde(default)]
    pub(crate) library: Option<String>,
    /// `name`.
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// `description`.
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// `ovf`.
    #[serde(default = "default_ovf")]
    pub(crate) ovf: bool,
    /// `destroy`.
    #[serde(default)]
    pub(crate) destroy: bool,
}

fn default_ovf() -> bool {
    true
}

impl TemplateConfig {
    /// The connection keys.
    pub(crate) fn connect(&self) -> ConnectConfig {
        ConnectConfig {
            vcenter_server: self.vcenter_server.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            insecure_connection: self.insecure_connection,
            ca_file: self.ca_file.clone(),
            datacenter: self.datacenter.clone(),
        }
    }

    /// Checks what can be checked without the server (placeholders of HCL2's first
    /// configure pass are let through).
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let mut error = ConfigError {
            problems: Vec::new(),
        };
        for (key, message) in self.connect().problems() {
            error.push(key, message);
        }
        if let Some(name) = &self.template_name
            && !is_placeholder(name)
            && (name.trim().is_empty() || name.contains('/'))
        {
            error.push(
                "template_name",
                format!("{name:?} is not a VM name (non-empty, no '/')"),
            );
        }
        if (self.snapshot_name.is_some() || self.snapshot_description.is_some())
            && !self.snapshot_enable
        {
            error.push(
                if self.snapshot_name.is_some() {
                    "snapshot_name"
                } else {
                    "snapshot_description"
                },
                "is set but snapshot_enable is not true",
            );
        }
        if let Some(destination) = &self.content_library_destination {
            if destination
                .library
                .as_deref()
                .is_none_or(|library| library.trim().is_empty())
            {
                error.push(
                    "content_library_destination.library",
                    "is required: the name of an existing content library",
                );
            }
            if let Some(name) = &destination.name
                && !is_placeholder(name)
                && name.trim().is_empty()
            {
                error.push("content_library_destination.name", "must not be empty");
            }
            if !destination.ovf {
                error.push(
                    "content_library_destination.ovf",
                    "false (a VMTX item) is not supported yet: only OVF template items can be imported",
                );
            }
        }
        if error.is_empty() { Ok(()) } else { Err(error) }
    }
}

/// The `photon-template` post-processor. Its configuration is kept between `Configure` and
/// `PostProcess`.
#[derive(Default)]
pub(crate) struct TemplatePostProcessor {
    config: Mutex<Option<TemplateConfig>>,
}

#[async_trait]
impl PostProcessor for TemplatePostProcessor {
    fn config_spec(&self) -> hcl_spec::ObjectSpec {
        object_spec(FIELDS)
    }

    async fn configure(&self, configs: &RawConfigs) -> Result<(), ConfigError> {
        let config: TemplateConfig = vsphere::decode_config(configs)?;
        config.validate()?;
        *self
            .config
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(config);
        Ok(())
    }

    async fn post_process(
        &self,
        ui: &Ui,
        input: &RemoteArtifact,
        cancel: CancellationToken,
    ) -> Result<PostProcessed, String> {
        let config = self
            .config
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
            .ok_or_else(|| "PostProcess was called before a successful Configure".to_owned())?;
        let builder_id = input.builder_id().await?;
        if builder_id != BUILDER_ID && builder_id != VSPHERE_BUILDER_ID {
            return Err(format!(
                "photon-template takes the artifact of photon-iso, photon-clone, vsphere-iso or vsphere-clone (BuilderId {BUILDER_ID} or {VSPHERE_BUILDER_ID}), not one of {builder_id:?}"
            ));
        }
        let id = input.id().await?;
        let connect = config.connect();
        ui.say(format!(
            "Connecting to {}...",
            vsphere::sdk_url(&connect.vcenter_server)
        ))
        .await;
        let client = tokio::select! {
            client = vsphere::connect(&connect) => client?,
            () = cancel.cancelled() => return Err("Post-processing was cancelled".to_owned()),
        };
        let result = tokio::select! {
            result = finish_and_import(&client, &config, ui, &builder_id, &id) => result,
            () = cancel.cancelled() => Err("Post-processing was cancelled".to_owned()),
        };
        let _ = client.logout().await;
        let artifact = result?;
        Ok(PostProcessed {
            artifact: Some(artifact),
            keep: true,
            force_override: true,
        })
    }
}

/// [`finish`], then the `content_library_destination` import when configured.
async fn finish_and_import(
    client: &Client,
    config: &TemplateConfig,
    ui: &Ui,
    builder_id: &str,
    id: &str,
) -> Result<Arc<dyn Artifact>, String> {
    let template = finish(client, config, ui, builder_id, id).await?;
    let Some(destination) = &config.content_library_destination else {
        return Ok(Arc::new(template));
    };
    let rest = vsphere::connect_rest(&config.connect()).await?;
    let result = import(client, &rest, destination, ui, &template).await;
    let _ = rest.logout().await;
    match result? {
        Some(item) => Ok(Arc::new(item)),
        None => Ok(Arc::new(template)),
    }
}

/// Captures the template as an OVF library item; with `destroy`, removes the VM and returns
/// the item's artifact.
async fn import(
    client: &Client,
    rest: &RestClient,
    destination: &LibraryDestination,
    ui: &Ui,
    template: &VsphereArtifact,
) -> Result<Option<LibraryItemArtifact>, String> {
    let library_name = destination.library.as_deref().unwrap_or_default();
    let library = rest
        .library_by_name(library_name)
        .await
        .map_err(|error| {
            format!(
                "content_library_destination.library: cannot look up {library_name:?}: {}",
                error_chain(&error)
            )
        })?
        .ok_or_else(|| {
            format!(
                "content_library_destination.library: no content library named {library_name:?}"
            )
        })?;
    let item_name = destination.name.as_deref().unwrap_or(&template.name);
    ui.say(format!(
        "Importing {} into content library {library_name} as OVF template {item_name}...",
        template.name
    ))
    .await;
    let item_id = rest
        .create_ovf_library_item(
            &template.moref,
            &library.id,
            item_name,
            destination.description.as_deref(),
        )
        .await
        .map_err(|error| {
            format!(
                "content_library_destination: cannot import {} into {library_name}: {}",
                template.name,
                error_chain(&error)
            )
        })?;
    ui.say(format!("Library item {item_name} created ({item_id})."))
        .await;
    if !destination.destroy {
        return Ok(None);
    }
    ui.say(format!(
        "Destroying {} (content_library_destination.destroy)...",
        template.name
    ))
    .await;
    vsphere::destroy_vm(client, &template.moref)
        .await
        .map_err(|error| format!("content_library_destination.destroy: {error}"))?;
    Ok(Some(LibraryItemArtifact {
        item_id,
        item_name: item_name.to_owned(),
        library_id: library.id,
        library_name: library_name.to_owned(),
        connect: template.connect.clone(),
    }))
}

/// The content library item left by `content_library_destination` with `destroy = true`.
#[derive(Clone, Debug)]
pub(crate) struct LibraryItemArtifact {
    /// The item id (the artifact's Id).
    pub(crate) item_id: String,
    /// The item name.
    pub(crate) item_name: String,
    /// The library id.
    pub(crate) library_id: String,
    /// The library name.
    pub(crate) library_name: String,
    /// How to reach the server again for [`Artifact::destroy`].
    pub(crate) connect: vsphere::ConnectConfig,
}

#[async_trait]
impl Artifact for LibraryItemArtifact {
    fn builder_id(&self) -> String {
        LIBRARY_ITEM_BUILDER_ID.to_owned()
    }

    fn id(&self) -> String {
        self.item_id.clone()
    }

    fn string(&self) -> String {
        format!(
            "Content library item: {} ({}) in library {} ({})",
            self.item_name, self.item_id, self.library_name, self.library_id
        )
    }

    fn files(&self) -> Vec<String> {
        Vec::new()
    }

    fn state(&self, key: &str) -> Option<Json> {
        match key {
            "generated_data" => {
                let mut data = Map::new();
                data.insert("LibraryItemID".into(), Json::String(self.item_id.clone()));
                data.insert(
                    "LibraryItemName".into(),
                    Json::String(self.item_name.clone()),
                );
                data.insert("LibraryID".into(), Json::String(self.library_id.clone()));
                Some(Json::Object(data))
            }
            _ => None,
        }
    }

    async fn destroy(&self) -> Result<(), String> {
        let rest = vsphere::connect_rest(&self.connect).await?;
        let result = rest
            .delete_library_item(&self.item_id)
            .await
            .map_err(|error| {
                format!(
                    "cannot delete library item {}: {}",
                    self.item_id,
                    error_chain(&error)
                )
            });
        let _ = rest.logout().await;
        result
    }
}

/// Snapshot, rename, move, mark as template; returns the artifact of the result.
async fn finish(
    client: &Client,
    config: &TemplateConfig,
    ui: &Ui,
    builder_id: &str,
    id: &str,
) -> Result<VsphereArtifact, String> {
    let finder = Finder::new(client, config.datacenter.as_deref())
        .await
        .map_err(|error| format!("datacenter: {}", error_chain(&error)))?;
    let vm = if builder_id == BUILDER_ID {
        ManagedObjectReference::new("VirtualMachine", id)
    } else {
        finder
            .virtual_machine(id)
            .await
            .map_err(|error| format!("cannot find the artifact's VM: {}", error_chain(&error)))?
            .moref
    };
    let facts = vsphere::vm_facts(client, &vm).await?;
    if facts.power_state != "poweredOff" && !facts.template {
        return Err(format!(
            "{} ({}) is {}: it must be powered off to become a template",
            facts.name, vm.value, facts.power_state
        ));
    }
    let mut is_template = facts.template;
    if config.snapshot_enable {
        if is_template {
            // Templates take no snapshots: back to a VM for the snapshot, then template again.
            let pool = template_pool(client, &finder, &vm).await?;
            client
                .mark_as_virtual_machine(&vm, &pool, None)
                .await
                .map_err(|error| {
                    format!(
                        "cannot turn the template into a VM for the snapshot: {}",
                        error_chain(&error)
                    )
                })?;
            is_template = false;
        }
        let name = config
            .snapshot_name
            .as_deref()
            .unwrap_or("Created by Packer");
        ui.say(format!("Creating snapshot {name:?}...")).await;
        client
            .create_snapshot(
                &vm,
                name,
                config.snapshot_description.as_deref(),
                false,
                false,
            )
            .await
            .map_err(|error| format!("cannot create the snapshot: {}", error_chain(&error)))?;
    }
    let mut name = facts.name.clone();
    if let Some(new_name) = &config.template_name
        && *new_name != facts.name
    {
        ui.say(format!("Renaming {} to {new_name}...", facts.name))
            .await;
        client
            .rename(&vm, new_name)
            .await
            .map_err(|error| format!("template_name: cannot rename: {}", error_chain(&error)))?;
        name = new_name.clone();
    }
    if let Some(folder) = config
        .folder
        .as_deref()
        .filter(|folder| !folder.trim().is_empty())
    {
        let target = vsphere::ensure_folder(client, finder.datacenter(), folder).await?;
        if client
            .parent(&vm)
            .await
            .map_err(|error| format!("folder: {}", error_chain(&error)))?
            .as_ref()
            != Some(&target)
        {
            ui.say(format!("Moving {name} into folder {folder}..."))
                .await;
            client
                .move_into_folder(&target, std::slice::from_ref(&vm))
                .await
                .map_err(|error| format!("folder: cannot move {name}: {}", error_chain(&error)))?;
        }
    }
    if !is_template {
        ui.say(format!("Marking {name} as a template...")).await;
        client.mark_as_template(&vm).await.map_err(|error| {
            format!("cannot mark {name} as a template: {}", error_chain(&error))
        })?;
    }
    Ok(VsphereArtifact::new(name, vm, facts.uuid, config.connect()))
}

/// A resource pool for a template turned back into a VM: its host's root pool, else the
/// datacenter's only pool.
async fn template_pool(
    client: &Client,
    finder: &Finder,
    vm: &ManagedObjectReference,
) -> Result<ManagedObjectReference, String> {
    let contents = client
        .retrieve_objects(
            std::slice::from_ref(vm),
            "VirtualMachine",
            &["runtime.host"],
        )
        .await
        .map_err(|error| format!("cannot read {vm}: {}", error_chain(&error)))?;
    let host = contents.iter().find_map(|content| {
        content
            .get("runtime.host")
            .and_then(|v| v.as_mor())
            .cloned()
    });
    match host {
        Some(host) => vsphere::host_root_pool(client, &host).await,
        None => finder
            .resource_pool(None)
            .await
            .map(|found| found.moref)
            .map_err(|error| format!("cannot pick a resource pool: {}", error_chain(&error))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "vcenter_server": "vc.example.com",
            "username": "u",
            "password": "p",
        })
    }

    #[test]
    fn fields_and_the_config_type_agree() {
        for field in FIELDS {
            let mut value = minimal();
            value[field.name] = match field.ty {
                FieldType::String => serde_json::json!("x"),
                FieldType::Bool => serde_json::json!(true),
                FieldType::Block(nested) => {
                    let mut block = serde_json::Map::new();
                    for inner in nested {
                        block.insert(
                            inner.name.into(),
                            match inner.ty {
                                FieldType::String => serde_json::json!("x"),
                                FieldType::Bool => serde_json::json!(true),
                                _ => panic!("unexpected type for {}", inner.name),
                            },
                        );
                    }
                    serde_json::Value::Object(block)
                }
                _ => panic!("unexpected type for {}", field.name),
            };
            serde_json::from_value::<TemplateConfig>(value)
                .unwrap_or_else(|error| panic!("{}: {error}", field.name));
        }
        let mut value = minimal();
        value["content_library"] = serde_json::json!("lib");
        let error = serde_json::from_value::<TemplateConfig>(value).unwrap_err();
        assert!(error.to_string().contains("content_library"), "{error}");
        let mut value = minimal();
        value["content_library_destination"] = serde_json::json!({"library": "l", "cluster": "c"});
        let error = serde_json::from_value::<TemplateConfig>(value).unwrap_err();
        assert!(error.to_string().contains("cluster"), "{error}");
    }

    #[test]
    fn library_destination_defaults_and_refusals_name_the_keys() {
        let mut value = minimal();
        value["content_library_destination"] = serde_json::json!({"library": "lib"});
        let config: TemplateConfig = serde_json::from_value(value).unwrap();
        let destination = config.content_library_destination.clone().unwrap();
        assert!(destination.ovf && !destination.destroy);
        config.validate().unwrap();

        let mut value = minimal();
        value["content_library_destination"] = serde_json::json!({"ovf": false, "name": " "});
        let config: TemplateConfig = serde_json::from_value(value).unwrap();
        let error = config.validate().unwrap_err();
        let keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "content_library_destination.library",
                "content_library_destination.name",
                "content_library_destination.ovf"
            ]
        );
    }

    #[test]
    fn placeholders_pass_and_bad_values_are_named() {
        let mut config: TemplateConfig = serde_json::from_value(minimal()).unwrap();
        config.template_name = Some("<unknown>".into());
        config.validate().unwrap();
        config.template_name = Some("a/b".into());
        config.snapshot_name = Some("s".into());
        let error = config.validate().unwrap_err();
        let keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["template_name", "snapshot_name"]);
    }
}
