//! `photon-clone`: clones a VM or template, customises the clone's hardware and settings, and
//! (optionally) snapshots it and converts it into a template.
//!
//! Steps: connect → resolve the location → `CloneVM_Task` → `ReconfigVM_Task` (CPU, memory,
//! firmware, notes, extraConfig, disk, network) → with `communicator = "ssh"`: power on, wait
//! for the guest's IP address, connect over SSH → `packer_provision` hook (provisioners run over
//! that connection) → shut down if the clone runs → snapshot → mark as template → artifact. With
//! `communicator = "none"` the clone is never booted and only provisioners that need no machine
//! (`shell-local`) run. On an error or a cancel the VM this run created is destroyed unless
//! `destroy_on_error = false`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use packer_sdk::{
    Artifact, Builder, CancellationToken, ConfigError, Field, FieldType, Hook, Prepared,
    RawConfigs, Ui, async_trait, concat_fields, object_spec,
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use vim::spec::{
    Backing, DeviceKind, NetworkBacking, OptionValue, VirtualDeviceConfigSpec,
    VirtualMachineCloneSpec, VirtualMachineConfigSpec, VirtualMachineRelocateSpec,
};
use vim::{Client, ManagedObjectReference};

use crate::communicator::{COMMUNICATOR_FIELDS, CommunicatorConfig, SshCommunicator};
use crate::vsphere::{
    self, CONNECT_FIELDS, ConnectConfig, GENERATED_VARS, LOCATION_FIELDS, Location, LocationConfig,
    VsphereArtifact, error_chain,
};

/// One line for the docs page and `packer` listings.
pub(crate) const SUMMARY: &str = "The `photon-clone` builder clones an existing VM or template on vCenter (or ESXi), customises the clone's hardware, settings and advanced configuration parameters, and can snapshot it and convert it into a template. Keys mirror packer-plugin-vsphere's `vsphere-clone`.";

/// The keys specific to `photon-clone` (after the connection and location keys).
const CLONE_FIELDS: &[Field] = &[
    Field {
        name: "template",
        ty: FieldType::String,
        required: true,
        description: "Name or inventory path of the source VM or template to clone (`photon-5-base`, `templates/photon-5-base`, `/DC0/vm/photon-5-base`).",
    },
    Field {
        name: "linked_clone",
        ty: FieldType::Bool,
        required: false,
        description: "Create a linked clone from the source's current snapshot (the source must have one). Defaults to `false`: a full clone.",
    },
    Field {
        name: "CPUs",
        ty: FieldType::Number,
        required: false,
        description: "Number of virtual CPUs. Defaults to the source's.",
    },
    Field {
        name: "cpu_cores",
        ty: FieldType::Number,
        required: false,
        description: "Cores per socket. Defaults to the source's.",
    },
    Field {
        name: "RAM",
        ty: FieldType::Number,
        required: false,
        description: "Memory in MB. Defaults to the source's.",
    },
    Field {
        name: "RAM_reserve_all",
        ty: FieldType::Bool,
        required: false,
        description: "Reserve all of the VM's memory (`memoryReservationLockedToMax`). Defaults to `false`.",
    },
    Field {
        name: "NestedHV",
        ty: FieldType::Bool,
        required: false,
        description: "Enable nested hardware virtualisation. Defaults to `false` (left as the source has it).",
    },
    Field {
        name: "firmware",
        ty: FieldType::String,
        required: false,
        description: "`bios` or `efi`. Defaults to the source's.",
    },
    Field {
        name: "disk_size",
        ty: FieldType::Number,
        required: false,
        description: "Size of the clone's first disk in MB; it can only grow. Defaults to the source's.",
    },
    Field {
        name: "network",
        ty: FieldType::String,
        required: false,
        description: "Standard port group (name or path) to connect the clone's first network adapter to. Defaults to the source's network.",
    },
    Field {
        name: "notes",
        ty: FieldType::String,
        required: false,
        description: "Notes (annotation) of the VM.",
    },
    Field {
        name: "configuration_parameters",
        ty: FieldType::MapOfString,
        required: false,
        description: "Advanced configuration parameters (`extraConfig`, `.vmx` keys) to set, e.g. `{ \"guestinfo.role\" = \"web\" }`.",
    },
    Field {
        name: "create_snapshot",
        ty: FieldType::Bool,
        required: false,
        description: "Take a snapshot of the VM at the end of the build (before it becomes a template). Defaults to `false`.",
    },
    Field {
        name: "snapshot_name",
        ty: FieldType::String,
        required: false,
        description: "Name of the snapshot taken by `create_snapshot`. Defaults to `Created By Packer`.",
    },
    Field {
        name: "convert_to_template",
        ty: FieldType::Bool,
        required: false,
        description: "Convert the VM into a template at the end of the build. Defaults to `false`.",
    },
    Field {
        name: "shutdown_timeout",
        ty: FieldType::String,
        required: false,
        description: "How long to wait for the VM to power off when it runs at the end of the build, as a Go duration (`5m`, `90s`). Defaults to `5m`.",
    },
    Field {
        name: "destroy_on_error",
        ty: FieldType::Bool,
        required: false,
        description: "Destroy the VM this build created when the build fails or is cancelled. Defaults to `true`; set `false` to keep it for debugging.",
    },
];

/// Every key of `photon-clone`: connection, location, the clone's own, then the communicator's
/// (single source of the HCL2 spec and the docs page).
pub(crate) const FIELDS: &[Field] = &concat_fields::<FIELD_COUNT>(&[
    CONNECT_FIELDS,
    LOCATION_FIELDS,
    CLONE_FIELDS,
    COMMUNICATOR_FIELDS,
]);

const FIELD_COUNT: usize =
    CONNECT_FIELDS.len() + LOCATION_FIELDS.len() + CLONE_FIELDS.len() + COMMUNICATOR_FIELDS.len();

/// The `photon-clone` configuration: every key of [`FIELDS`], flat, unknown keys refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CloneConfig {
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
    /// `vm_name`.
    pub(crate) vm_name: String,
    /// `folder`.
    #[serde(default)]
    pub(crate) folder: Option<String>,
    /// `cluster`.
    #[serde(default)]
    pub(crate) cluster: Option<String>,
    /// `host`.
    #[serde(default)]
    pub(crate) host: Option<String>,
    /// `resource_pool`.
    #[serde(default)]
    pub(crate) resource_pool: Option<String>,
    /// `datastore`.
    #[serde(default)]
    pub(crate) datastore: Option<String>,
    /// `template`.
    pub(crate) template: String,
    /// `linked_clone`.
    #[serde(default)]
    pub(crate) linked_clone: bool,
    /// `CPUs`.
    #[serde(rename = "CPUs", default)]
    pub(crate) cpus: Option<i32>,
    /// `cpu_cores`.
    #[serde(default)]
    pub(crate) cpu_cores: Option<i32>,
    /// `RAM` (MB).
    #[serde(rename = "RAM", default)]
    pub(crate) ram: Option<i64>,
    /// `RAM_reserve_all`.
    #[serde(rename = "RAM_reserve_all", default)]
    pub(crate) ram_reserve_all: bool,
    /// `NestedHV`.
    #[serde(rename = "NestedHV", default)]
    pub(crate) nested_hv: bool,
    /// `firmware`.
    #[serde(default)]
    pub(crate) firmware: Option<String>,
    /// `disk_size` (MB).
    #[serde(default)]
    pub(crate) disk_size: Option<i64>,
    /// `network`.
    #[serde(default)]
    pub(crate) network: Option<String>,
    /// `notes`.
    #[serde(default)]
    pub(crate) notes: Option<String>,
    /// `configuration_parameters`.
    #[serde(default)]
    pub(crate) configuration_parameters: BTreeMap<String, String>,
    /// `create_snapshot`.
    #[serde(default)]
    pub(crate) create_snapshot: bool,
    /// `snapshot_name`.
    #[serde(default)]
    pub(crate) snapshot_name: Option<String>,
    /// `convert_to_template`.
    #[serde(default)]
    pub(crate) convert_to_template: bool,
    /// `communicator`.
    #[serde(default)]
    pub(crate) communicator: Option<String>,
    /// `ssh_host`.
    #[serde(default)]
    pub(crate) ssh_host: Option<String>,
    /// `ssh_port`.
    #[serde(default)]
    pub(crate) ssh_port: Option<i64>,
    /// `ssh_username`.
    #[serde(default)]
    pub(crate) ssh_username: Option<String>,
    /// `ssh_password`.
    #[serde(default)]
    pub(crate) ssh_password: Option<String>,
    /// `ssh_private_key_file`.
    #[serde(default)]
    pub(crate) ssh_private_key_file: Option<String>,
    /// `ssh_timeout`.
    #[serde(default)]
    pub(crate) ssh_timeout: Option<String>,
    /// `ssh_handshake_attempts`.
    #[serde(default)]
    pub(crate) ssh_handshake_attempts: Option<i64>,
    /// `ip_wait_timeout`.
    #[serde(default)]
    pub(crate) ip_wait_timeout: Option<String>,
    /// `ip_settle_timeout`.
    #[serde(default)]
    pub(crate) ip_settle_timeout: Option<String>,
    /// `shutdown_timeout`.
    #[serde(default)]
    pub(crate) shutdown_timeout: Option<String>,
    /// `destroy_on_error`.
    #[serde(default)]
    pub(crate) destroy_on_error: Option<bool>,
}

impl CloneConfig {
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

    /// The location keys.
    pub(crate) fn location(&self) -> LocationConfig {
        LocationConfig {
            vm_name: self.vm_name.clone(),
            folder: self.folder.clone(),
            cluster: self.cluster.clone(),
            host: self.host.clone(),
            resource_pool: self.resource_pool.clone(),
            datastore: self.datastore.clone(),
        }
    }

    /// The communicator keys.
    pub(crate) fn communicator(&self) -> CommunicatorConfig {
        CommunicatorConfig {
            communicator: self.communicator.clone(),
            ssh_host: self.ssh_host.clone(),
            ssh_port: self.ssh_port,
            ssh_username: self.ssh_username.clone(),
            ssh_password: self.ssh_password.clone(),
            ssh_private_key_file: self.ssh_private_key_file.clone(),
            ssh_timeout: self.ssh_timeout.clone(),
            ssh_handshake_attempts: self.ssh_handshake_attempts,
            ip_wait_timeout: self.ip_wait_timeout.clone(),
            ip_settle_timeout: self.ip_settle_timeout.clone(),
        }
    }

    /// Checks what can be checked without the server.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let mut error = ConfigError {
            problems: Vec::new(),
        };
        for (key, message) in self.connect().problems() {
            error.push(key, message);
        }
        if self.vm_name.trim().is_empty() {
            error.push("vm_name", "must not be empty");
        }
        if self.template.trim().is_empty() {
            error.push("template", "must not be empty");
        }
        for (key, value) in [("CPUs", self.cpus), ("cpu_cores", self.cpu_cores)] {
            if value.is_some_and(|value| value < 1) {
                error.push(key, "must be at least 1");
            }
        }
        if let (Some(cpus), Some(cores)) = (self.cpus, self.cpu_cores)
            && cpus >= 1
            && cores >= 1
            && cpus % cores != 0
        {
            error.push(
                "cpu_cores",
                format!("must divide CPUs ({cpus}) evenly, got {cores}"),
            );
        }
        for (key, value) in [("RAM", self.ram), ("disk_size", self.disk_size)] {
            if value.is_some_and(|value| value < 1) {
                error.push(key, "must be a positive number of MB");
            }
        }
        if let Some(firmware) = &self.firmware
            && !matches!(firmware.as_str(), "bios" | "efi" | "efi-secure")
        {
            error.push(
                "firmware",
                format!("must be \"bios\", \"efi\" or \"efi-secure\", got {firmware:?}"),
            );
        }
        self.communicator().validate(&mut error);
        if let Some(timeout) = &self.shutdown_timeout
            && vsphere::parse_duration(timeout).is_none()
        {
            error.push(
                "shutdown_timeout",
                format!("{timeout:?} is not a duration such as \"5m\" or \"90s\""),
            );
        }
        if self.snapshot_name.is_some() && !self.create_snapshot {
            error.push("snapshot_name", "is set but create_snapshot is not true");
        }
        if error.is_empty() { Ok(()) } else { Err(error) }
    }

    fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
            .as_deref()
            .and_then(vsphere::parse_duration)
            .unwrap_or(Duration::from_secs(300))
    }
}

/// The `photon-clone` builder. Its configuration is kept between `Prepare` and `Run`.
#[derive(Default)]
pub(crate) struct CloneBuilder {
    prepared: Mutex<Option<Prepare>>,
}

/// What `Prepare` decided.
#[derive(Clone, Debug)]
struct Prepare {
    config: CloneConfig,
    /// `-force`: an existing VM of the same name is destroyed first.
    force: bool,
}

#[async_trait]
impl Builder for CloneBuilder {
    fn config_spec(&self) -> hcl_spec::ObjectSpec {
        object_spec(FIELDS)
    }

    async fn prepare(&self, configs: &RawConfigs) -> Result<Prepared, ConfigError> {
        let config: CloneConfig = vsphere::decode_config(configs)?;
        config.validate()?;
        let force = configs.packer().force;
        *self
            .prepared
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(Prepare { config, force });
        Ok(Prepared {
            generated_vars: GENERATED_VARS
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            warnings: Vec::new(),
        })
    }

    async fn run(
        &self,
        ui: &Ui,
        hook: &Hook,
        cancel: CancellationToken,
    ) -> Result<Option<Arc<dyn Artifact>>, String> {
        let prepared = self
            .prepared
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
            .ok_or_else(|| "Run was called before a successful Prepare".to_owned())?;
        let config = &prepared.config;
        let connect = config.connect();
        ui.say(format!(
            "Connecting to {}...",
            vsphere::sdk_url(&connect.vcenter_server)
        ))
        .await;
        let client = cancellable(&cancel, vsphere::connect(&connect)).await?;
        let mut build = Build {
            client: client.clone(),
            config,
            ui,
            created: None,
        };
        let result = build.run(hook, &cancel, prepared.force).await;
        let outcome = match result {
            Ok(artifact) => Ok(Some(Arc::new(artifact) as Arc<dyn Artifact>)),
            Err(error) => {
                let error = if cancel.is_cancelled() {
                    "Build was cancelled".to_owned()
                } else {
                    error
                };
                build.clean_up().await;
                Err(error)
            }
        };
        let _ = client.logout().await;
        outcome
    }
}

/// Waits for `future` unless `cancel` fires first.
async fn cancellable<T>(
    cancel: &CancellationToken,
    future: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::select! {
        result = future => result,
        () = cancel.cancelled() => Err("Build was cancelled".to_owned()),
    }
}

/// One run of the builder.
struct Build<'a> {
    client: Client,
    config: &'a CloneConfig,
    ui: &'a Ui,
    /// The VM this run created (what a failed or cancelled run destroys).
    created: Option<ManagedObjectReference>,
}

impl Build<'_> {
    async fn run(
        &mut self,
        hook: &Hook,
        cancel: &CancellationToken,
        force: bool,
    ) -> Result<VsphereArtifact, String> {
        let config = self.config;
        let location = cancellable(
            cancel,
            vsphere::resolve_location(&self.client, &config.connect(), &config.location()),
        )
        .await?;
        let source = cancellable(cancel, async {
            location
                .finder
                .virtual_machine(&config.template)
                .await
                .map_err(|error| format!("template: {}", error_chain(&error)))
        })
        .await?;
        let target_path = self.target_path(&location).await?;
        if let Some(existing) = self
            .client
            .find_by_inventory_path(&target_path)
            .await
            .map_err(|error| format!("vm_name: {}", error_chain(&error)))?
        {
            if !force {
                return Err(format!(
                    "vm_name: {target_path} already exists ({}); choose another name or run packer build -force",
                    existing.value
                ));
            }
            self.ui
                .say(format!("Destroying the existing {target_path} (-force)..."))
                .await;
            vsphere::destroy_vm(&self.client, &existing).await?;
        }

        self.ui
            .say(format!("Cloning {} to {target_path}...", source.path))
            .await;
        let mut spec = VirtualMachineCloneSpec {
            location: VirtualMachineRelocateSpec {
                datastore: location.datastore.clone(),
                pool: location.pool.clone(),
                host: location.host.clone(),
                ..VirtualMachineRelocateSpec::default()
            },
            ..VirtualMachineCloneSpec::default()
        };
        if config.linked_clone {
            let snapshot = self
                .client
                .snapshot_info(&source.moref)
                .await
                .map_err(|error| format!("linked_clone: {}", error_chain(&error)))?
                .and_then(|info| info.current().map(|tree| tree.snapshot.clone()))
                .ok_or_else(|| {
                    format!(
                        "linked_clone: {} has no snapshot to link the clone to",
                        source.path
                    )
                })?;
            spec = spec.linked_to(snapshot);
        }
        let clone = self
            .client
            .clone_vm(&source.moref, &location.folder, &config.vm_name, &spec);
        let cloned = tokio::select! {
            result = clone => result.map_err(|error| format!("cannot clone {}: {}", source.path, error_chain(&error))),
            () = cancel.cancelled() => {
                // The task goes on without us: find the clone by its (free before) path.
                self.adopt_orphan(&target_path).await;
                return Err("Build was cancelled".to_owned());
            }
        };
        let vm = match cloned {
            Ok(vm) => vm,
            Err(error) => {
                self.adopt_orphan(&target_path).await;
                return Err(error);
            }
        };
        self.created = Some(vm.clone());

        cancellable(cancel, self.customize(&vm, &location)).await?;

        let facts = vsphere::vm_facts(&self.client, &vm).await?;
        let mut data: Map<String, Json> =
            vsphere::generated_data(&config.vm_name, &vm, &facts.uuid);
        let communicator = config.communicator();
        let ssh = if communicator.is_ssh() {
            self.ui.say("Powering on the VM...").await;
            cancellable(cancel, async {
                self.client
                    .power_on_vm(&vm)
                    .await
                    .map_err(|error| format!("cannot power on the VM: {}", error_chain(&error)))
            })
            .await?;
            let ip =
                crate::communicator::wait_for_ip(&self.client, &vm, &communicator, self.ui, cancel)
                    .await?;
            let ssh = SshCommunicator::connect(&communicator, &ip, self.ui, cancel).await?;
            ssh.generated_data(&communicator, &mut data);
            Some(ssh)
        } else {
            data.insert("ConnType".into(), Json::String("none".into()));
            None
        };
        self.ui.say("Running provisioners...").await;
        let provisioned = hook
            .run(
                "packer_provision",
                data,
                ssh.clone()
                    .map(|ssh| ssh as Arc<dyn packer_sdk::Communicator>),
                cancel,
            )
            .await;
        if let Some(ssh) = ssh {
            ssh.close().await;
        }
        if cancel.is_cancelled() {
            return Err("Build was cancelled".to_owned());
        }
        provisioned?;

        cancellable(cancel, self.finish(&vm)).await?;
        Ok(VsphereArtifact::new(
            config.vm_name.clone(),
            vm,
            facts.uuid,
            config.connect(),
        ))
    }

    /// The inventory path the clone will have.
    async fn target_path(&self, location: &Location) -> Result<String, String> {
        let folder_path = self
            .client
            .inventory_paths(std::slice::from_ref(&location.folder))
            .await
            .map_err(|error| format!("folder: {}", error_chain(&error)))?
            .into_iter()
            .flatten()
            .next()
            .ok_or_else(|| format!("folder: {} has no inventory path", location.folder))?;
        Ok(format!("{folder_path}/{}", self.config.vm_name))
    }

    /// After a clone task we stopped waiting for (or that failed half-way): the VM at
    /// `target_path` is ours, since the name was free when the clone started.
    async fn adopt_orphan(&mut self, target_path: &str) {
        // The task may still be running; give it a moment to register the VM.
        for _ in 0..20 {
            match self.client.find_by_inventory_path(target_path).await {
                Ok(Some(vm)) => {
                    self.created = Some(vm);
                    return;
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(250)).await,
                Err(error) => {
                    tracing::warn!(error = %error_chain(&error), "cannot look for the half-made clone");
                    return;
                }
            }
        }
    }

    /// Hardware, settings, disk and network of the clone.
    async fn customize(
        &self,
        vm: &ManagedObjectReference,
        location: &Location,
    ) -> Result<(), String> {
        let config = self.config;
        let mut spec = VirtualMachineConfigSpec {
            num_cpus: config.cpus,
            num_cores_per_socket: config.cpu_cores,
            memory_mb: config.ram,
            annotation: config.notes.clone(),
            nested_hv_enabled: config.nested_hv.then_some(true),
            firmware: config.firmware.as_deref().map(|firmware| {
                // efi-secure is EFI firmware plus secure boot (not modelled by the client yet).
                if firmware == "efi-secure" {
                    "efi"
                } else {
                    firmware
                }
                .to_owned()
            }),
            extra_config: config
                .configuration_parameters
                .iter()
                .map(|(key, value)| OptionValue::string(key, value))
                .collect(),
            ..VirtualMachineConfigSpec::default()
        };
        let mut changes = Vec::new();
        if let Some(cpus) = config.cpus {
            changes.push(format!("{cpus} CPUs"));
        }
        if let Some(cores) = config.cpu_cores {
            changes.push(format!("cores per socket: {cores}"));
        }
        if let Some(ram) = config.ram {
            changes.push(format!("{ram} MB RAM"));
        }
        if let Some(firmware) = &config.firmware {
            changes.push(format!("{firmware} firmware"));
        }
        if config.nested_hv {
            changes.push("nested HV".to_owned());
        }
        if config.notes.is_some() {
            changes.push("notes".to_owned());
        }
        if !config.configuration_parameters.is_empty() {
            changes.push(format!(
                "{} configuration parameter(s)",
                config.configuration_parameters.len()
            ));
        }
        if config.disk_size.is_some() || config.network.is_some() {
            let devices = self.client.vm_devices(vm).await.map_err(|error| {
                format!("cannot read the clone's devices: {}", error_chain(&error))
            })?;
            if let Some(size_mb) = config.disk_size {
                let mut disk = devices
                    .iter()
                    .find(|device| matches!(device.kind, DeviceKind::Disk(_)))
                    .cloned()
                    .ok_or_else(|| "disk_size: the clone has no disk".to_owned())?;
                if let DeviceKind::Disk(details) = &mut disk.kind {
                    let wanted_kb = size_mb.saturating_mul(1024);
                    if wanted_kb < details.capacity_in_kb {
                        return Err(format!(
                            "disk_size: {size_mb} MB is smaller than the source's disk ({} MB); disks can only grow",
                            details.capacity_in_kb / 1024
                        ));
                    }
                    details.capacity_in_kb = wanted_kb;
                    details.capacity_in_bytes = Some(wanted_kb.saturating_mul(1024));
                }
                spec.device_change.push(VirtualDeviceConfigSpec::edit(disk));
                changes.push(format!("disk {size_mb} MB"));
            }
            if let Some(network) = &config.network {
                let found = location
                    .finder
                    .network(Some(network))
                    .await
                    .map_err(|error| format!("network: {}", error_chain(&error)))?;
                if found.moref.kind != "Network" {
                    return Err(format!(
                        "network: {} is a {}; only standard port groups are supported yet",
                        found.path, found.moref.kind
                    ));
                }
                let mut nic = devices
                    .iter()
                    .find(|device| matches!(device.kind, DeviceKind::EthernetCard(_)))
                    .cloned()
                    .ok_or_else(|| "network: the clone has no network adapter".to_owned())?;
                let name = found.path.rsplit('/').next().unwrap_or(network).to_owned();
                nic.backing = Some(Backing::Network(NetworkBacking {
                    device_name: name,
                    network: Some(found.moref.clone()),
                    ..NetworkBacking::default()
                }));
                spec.device_change.push(VirtualDeviceConfigSpec::edit(nic));
                changes.push(format!("network {network}"));
            }
        }
        if spec != VirtualMachineConfigSpec::default() {
            self.ui
                .say(format!("Customizing the clone: {}...", changes.join(", ")))
                .await;
            self.client
                .reconfigure_vm(vm, &spec)
                .await
                .map_err(|error| {
                    format!("cannot reconfigure the clone: {}", error_chain(&error))
                })?;
        }
        if config.ram_reserve_all {
            self.ui.say("Reserving all of the VM's memory...").await;
            let task = self
                .client
                .call(&ReserveAllMemory {
                    this: vm.clone(),
                    spec: LockedToMax { locked: true },
                })
                .await
                .map_err(|error| format!("RAM_reserve_all: {}", error_chain(&error)))?;
            self.client
                .wait_for_task(&task)
                .await
                .map_err(|error| format!("RAM_reserve_all: {}", error_chain(&error)))?;
        }
        Ok(())
    }

    /// Power off (if running), snapshot, template.
    async fn finish(&self, vm: &ManagedObjectReference) -> Result<(), String> {
        let config = self.config;
        let facts = vsphere::vm_facts(&self.client, vm).await?;
        if facts.power_state != "poweredOff" {
            self.ui.say("Shutting down the VM...").await;
            self.shut_down(vm).await?;
        }
        if config.create_snapshot {
            let name = config
                .snapshot_name
                .as_deref()
                .unwrap_or("Created By Packer");
            self.ui.say(format!("Creating snapshot {name:?}...")).await;
            self.client
                .create_snapshot(vm, name, None, false, false)
                .await
                .map_err(|error| format!("cannot create the snapshot: {}", error_chain(&error)))?;
        }
        if config.convert_to_template {
            self.ui.say("Converting the VM to a template...").await;
            self.client.mark_as_template(vm).await.map_err(|error| {
                format!(
                    "cannot convert the VM to a template: {}",
                    error_chain(&error)
                )
            })?;
        }
        Ok(())
    }

    /// Asks the guest to shut down, waits up to `shutdown_timeout`, then fails.
    async fn shut_down(&self, vm: &ManagedObjectReference) -> Result<(), String> {
        if let Err(error) = self.client.shutdown_guest(vm).await {
            tracing::debug!(error = %error_chain(&error), "guest shutdown refused; powering off");
            return self
                .client
                .power_off_vm(vm)
                .await
                .map_err(|error| format!("cannot power off the VM: {}", error_chain(&error)));
        }
        let deadline = tokio::time::Instant::now() + self.config.shutdown_timeout();
        loop {
            if vsphere::vm_facts(&self.client, vm).await?.power_state == "poweredOff" {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err("shutdown_timeout: the VM did not power off in time".to_owned());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Destroys the VM this run created, unless `destroy_on_error = false`.
    async fn clean_up(&self) {
        let Some(vm) = &self.created else { return };
        if self.config.destroy_on_error == Some(false) {
            self.ui
                .say(format!(
                    "Keeping {} ({}) for debugging (destroy_on_error = false)",
                    self.config.vm_name, vm.value
                ))
                .await;
            return;
        }
        self.ui
            .say(format!(
                "Destroying {} ({})...",
                self.config.vm_name, vm.value
            ))
            .await;
        if let Err(error) = vsphere::destroy_vm(&self.client, vm).await {
            self.ui
                .error(format!("Error destroying {}: {error}", self.config.vm_name))
                .await;
        }
    }
}

/// `ReconfigVM_Task` with `memoryReservationLockedToMax`, which the client's config spec does
/// not model yet.
#[derive(serde::Serialize)]
struct ReserveAllMemory {
    #[serde(rename = "_this")]
    this: ManagedObjectReference,
    spec: LockedToMax,
}

#[derive(serde::Serialize)]
struct LockedToMax {
    #[serde(rename = "memoryReservationLockedToMax")]
    locked: bool,
}

impl vim::Request for ReserveAllMemory {
    const METHOD: &'static str = "ReconfigVM_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: vim::Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
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
            "vm_name": "web",
            "template": "base",
        })
    }

    fn decode(value: serde_json::Value) -> Result<CloneConfig, String> {
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    #[test]
    fn fields_and_the_config_type_agree() {
        let mut names: Vec<&str> = FIELDS.iter().map(|field| field.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "duplicate keys in FIELDS");
        // Every key decodes (with a value of its type) ...
        for field in FIELDS {
            let mut value = minimal();
            let sample = match field.ty {
                FieldType::String => serde_json::json!("x"),
                FieldType::Number => serde_json::json!(2),
                FieldType::Bool => serde_json::json!(true),
                FieldType::MapOfString => serde_json::json!({"a": "b"}),
                _ => panic!("unexpected type for {}", field.name),
            };
            value[field.name] = sample;
            decode(value).unwrap_or_else(|error| panic!("{}: {error}", field.name));
        }
        // ... and the required ones are required.
        for field in FIELDS.iter().filter(|field| field.required) {
            let mut value = minimal();
            value.as_object_mut().unwrap().remove(field.name);
            let error = decode(value).unwrap_err();
            assert!(error.contains(field.name), "{error}");
        }
        assert!(
            decode({
                let mut value = minimal();
                value["cpus"] = serde_json::json!(2);
                value
            })
            .unwrap_err()
            .contains("cpus")
        );
    }

    #[test]
    fn validation_names_each_bad_key() {
        let mut config = decode(minimal()).unwrap();
        config.validate().unwrap();
        config.communicator = Some("telnet".into());
        config.cpus = Some(3);
        config.cpu_cores = Some(2);
        config.firmware = Some("uefi".into());
        config.shutdown_timeout = Some("soon".into());
        config.disk_size = Some(0);
        let error = config.validate().unwrap_err();
        let keys: Vec<_> = error.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "cpu_cores",
                "disk_size",
                "firmware",
                "communicator",
                "shutdown_timeout"
            ]
        );
        let communicator = &error.problems[3].message;
        assert!(communicator.contains("\"ssh\""), "{communicator}");
    }

    #[test]
    fn the_spec_lists_every_field() {
        let builder = CloneBuilder::default();
        let spec = format!("{:?}", builder.config_spec());
        for field in FIELDS {
            assert!(
                spec.contains(field.name),
                "{} missing from {spec}",
                field.name
            );
        }
    }
}
