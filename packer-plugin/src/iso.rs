//! `photon-iso`: installs Photon OS from an ISO into a new vSphere VM and turns it into a template.
//!
//! Keys mirror packer-plugin-vsphere's `vsphere-iso` where the concept is the same. The Photon
//! part is the typed `kickstart` block (the model of the provider's `photon_kickstart`), delivered
//! through `guestinfo.kickstart.data` so that photon-os-installer installs unattended without a
//! boot command; or through the build's HTTP server for a `ks=http://…` boot command.
//!
//! Steps: connect → resolve the location → (upload `iso_url`) → CreateVM (hardware, disks, NICs,
//! CD-ROMs, extraConfig) → power on → `boot_wait` / `boot_command` → wait for the installer to
//! power the VM off → provisioners (Hook.Run) → remove the CD-ROMs → convert to a template. On an
//! error or a cancel the VM is destroyed unless `destroy_on_error = false` or `-on-error=abort`.

mod boot_command;
mod http;
mod kickstart_block;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use packer_sdk::{
    Artifact, Builder, CancellationToken, ConfigError, Field, FieldType, Hook, Prepared,
    RawConfigs, Ui, async_trait, concat_fields, object_spec,
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use vim::datastore::{DatastoreFiles, DatastorePath};
use vim::spec::{
    Backing, DEFAULT_IDE_CONTROLLER_KEYS, DeviceKind, EthernetCardType, OptionValue,
    ScsiControllerType, VirtualDevice, VirtualDeviceConfigSpec, VirtualDeviceList,
    VirtualMachineConfigSpec, VirtualMachineFileInfo,
};
use vim::{Client, ManagedObjectReference};

use self::boot_command::{Action, PutUsbScanCodes, TemplateData, UsbScanCodeSpec};
use self::kickstart_block::{Delivery, GUESTINFO_KEY, KICKSTART_FIELDS, KickstartBlock};
use crate::vsphere::{
    self, CONNECT_FIELDS, ConnectConfig, GENERATED_VARS, LOCATION_FIELDS, LocationConfig,
    VsphereArtifact, error_chain,
};

/// One line for the docs page and `describe`-style listings.
pub(crate) const SUMMARY: &str = "Installs Photon OS from an ISO into a new vSphere VM, unattended through a typed kickstart \
     (delivered in `guestinfo.kickstart.data` or over the build's HTTP server), and converts the VM into a template.";

const STORAGE_FIELDS: &[Field] = &[
    Field {
        name: "disk_size",
        ty: FieldType::Number,
        required: true,
        description: "Disk size in MiB.",
    },
    Field {
        name: "disk_thin_provisioned",
        ty: FieldType::Bool,
        required: false,
        description: "Thin-provision the disk. Defaults to `false`.",
    },
];

const NETWORK_ADAPTER_FIELDS: &[Field] = &[
    Field {
        name: "network",
        ty: FieldType::String,
        required: false,
        description: "Network (port group) name or path. Defaults to the datacenter's only network.",
    },
    Field {
        name: "network_card",
        ty: FieldType::String,
        required: false,
        description: "Adapter model: `vmxnet3` (default), `e1000`, `e1000e`, `vmxnet2` or `pcnet32`.",
    },
];

const fn optional(name: &'static str, ty: FieldType, description: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        description,
    }
}

/// The builder's own keys (after the connection and location keys of [`FIELDS`]).
const ISO_FIELDS: &[Field] = &[
    optional(
        "guest_os_type",
        FieldType::String,
        "Guest OS identifier. Defaults to `vmwarePhoton64Guest`.",
    ),
    optional(
        "vm_version",
        FieldType::Number,
        "Virtual hardware version (`14` → `vmx-14`). Defaults to the server's default.",
    ),
    optional(
        "CPUs",
        FieldType::Number,
        "Number of virtual CPUs. Defaults to `2`.",
    ),
    optional(
        "cpu_cores",
        FieldType::Number,
        "Cores per CPU socket. Defaults to `1`.",
    ),
    optional(
        "RAM",
        FieldType::Number,
        "Memory in MiB. Defaults to `2048` (the Photon OS installer needs 2 GiB).",
    ),
    optional(
        "firmware",
        FieldType::String,
        "`bios`, `efi` (default, as Photon's OVA) or `efi-secure` (EFI with Secure Boot).",
    ),
    optional(
        "disk_controller_type",
        FieldType::String,
        "SCSI controller of the disks: `pvscsi` (default), `lsilogic`, `lsilogic-sas` or `buslogic`.",
    ),
    Field {
        name: "storage",
        ty: FieldType::BlockList(STORAGE_FIELDS),
        required: true,
        description: "Disks, in order; at least one.",
    },
    optional(
        "network_adapters",
        FieldType::BlockList(NETWORK_ADAPTER_FIELDS),
        "Network adapters, in order.",
    ),
    optional(
        "iso_paths",
        FieldType::ListOfString,
        "ISO images already on a datastore (`[datastore1] iso/photon-5.0.iso`), each in a CD-ROM drive.",
    ),
    optional(
        "iso_url",
        FieldType::String,
        "A local ISO file (path or `file://` URL) to upload to the VM's datastore under `packer_cache/` and attach before `iso_paths`.",
    ),
    optional(
        "iso_checksum",
        FieldType::String,
        "Checksum of `iso_url` as `sha256:<hex>` (also `sha1:`, `sha512:`, `md5:`), or `none`. Required with `iso_url`.",
    ),
    optional("notes", FieldType::String, "VM annotation."),
    optional(
        "configuration_parameters",
        FieldType::MapOfString,
        "Advanced settings (`.vmx` keys) to set. Use the `kickstart` block, not `guestinfo.kickstart.data`.",
    ),
    optional(
        "boot_wait",
        FieldType::String,
        "Time to wait after power-on before typing `boot_command` (`10s`, `1m`). Defaults to `10s` when there is a boot command, else `0s`.",
    ),
    optional(
        "boot_command",
        FieldType::ListOfString,
        "Keys to type into the console, in Packer's syntax (`<enter>`, `<esc>`, `<wait5>`, `<leftCtrlOn>`…), with `{{ .HTTPIP }}`, `{{ .HTTPPort }}` and `{{ .Name }}`. Typed through the vSphere USB keyboard API (`PutUsbScanCodes`, vSphere 6.5+).",
    ),
    optional(
        "http_directory",
        FieldType::String,
        "Directory the build's HTTP server serves.",
    ),
    optional(
        "http_content",
        FieldType::MapOfString,
        "Files the build's HTTP server serves: path (`/ks.json`) → content.",
    ),
    optional(
        "shutdown_timeout",
        FieldType::String,
        "How long to wait for the installer to power the VM off. Defaults to `30m`.",
    ),
    optional(
        "convert_to_template",
        FieldType::Bool,
        "Convert the VM into a template at the end. Defaults to `true`.",
    ),
    optional(
        "destroy_on_error",
        FieldType::Bool,
        "Destroy the VM when the build fails or is cancelled. Defaults to `true`.",
    ),
    optional(
        "communicator",
        FieldType::String,
        "Only `none` for now: the installer powers the VM off when it is done.",
    ),
    optional(
        "kickstart",
        FieldType::Block(KICKSTART_FIELDS),
        "Typed Photon OS kickstart, validated for `installer_generation` before anything is created.",
    ),
];

/// Every key of `photon-iso`: connection, location, then the builder's own.
pub(crate) const FIELDS: &[Field] =
    &concat_fields::<FIELD_COUNT>(&[CONNECT_FIELDS, LOCATION_FIELDS, ISO_FIELDS]);

const FIELD_COUNT: usize = CONNECT_FIELDS.len() + LOCATION_FIELDS.len() + ISO_FIELDS.len();

/// One `storage` block.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageConfig {
    disk_size: i64,
    #[serde(default)]
    disk_thin_provisioned: bool,
}

/// One `network_adapters` block.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkAdapterConfig {
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    network_card: Option<String>,
}

/// The configuration as decoded (keys exactly as [`FIELDS`]).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IsoConfig {
    vcenter_server: String,
    username: String,
    password: String,
    #[serde(default)]
    insecure_connection: bool,
    #[serde(default)]
    ca_file: Option<String>,
    #[serde(default)]
    datacenter: Option<String>,
    vm_name: String,
    #[serde(default)]
    folder: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    resource_pool: Option<String>,
    #[serde(default)]
    datastore: Option<String>,
    #[serde(default)]
    guest_os_type: Option<String>,
    #[serde(default)]
    vm_version: Option<i64>,
    #[serde(default, rename = "CPUs")]
    cpus: Option<i32>,
    #[serde(default)]
    cpu_cores: Option<i32>,
    #[serde(default, rename = "RAM")]
    ram: Option<i64>,
    #[serde(default)]
    firmware: Option<String>,
    #[serde(default)]
    disk_controller_type: Option<String>,
    #[serde(default)]
    storage: Vec<StorageConfig>,
    #[serde(default)]
    network_adapters: Vec<NetworkAdapterConfig>,
    #[serde(default)]
    iso_paths: Vec<String>,
    #[serde(default)]
    iso_url: Option<String>,
    #[serde(default)]
    iso_checksum: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    configuration_parameters: BTreeMap<String, String>,
    #[serde(default)]
    boot_wait: Option<String>,
    #[serde(default)]
    boot_command: Vec<String>,
    #[serde(default)]
    http_directory: Option<String>,
    #[serde(default)]
    http_content: BTreeMap<String, String>,
    #[serde(default)]
    shutdown_timeout: Option<String>,
    #[serde(default)]
    convert_to_template: Option<bool>,
    #[serde(default)]
    destroy_on_error: Option<bool>,
    #[serde(default)]
    communicator: Option<String>,
    #[serde(default)]
    kickstart: Option<KickstartBlock>,
}

/// What `prepare` checked and `run` uses.
#[derive(Clone, Debug)]
struct Plan {
    connect: ConnectConfig,
    location: LocationConfig,
    guest_id: String,
    vm_version: Option<String>,
    cpus: i32,
    cores: i32,
    ram: i64,
    firmware: &'static str,
    controller: ScsiControllerType,
    storage: Vec<StorageConfig>,
    nics: Vec<(Option<String>, EthernetCardType)>,
    iso_upload: Option<(PathBuf, String)>,
    iso_paths: Vec<String>,
    notes: Option<String>,
    extra_config: BTreeMap<String, String>,
    boot_wait: Duration,
    boot_command: Vec<String>,
    http: Option<http::Content>,
    shutdown_timeout: Duration,
    convert_to_template: bool,
    destroy_on_error: bool,
    keep_on_abort: bool,
}

/// The `photon-iso` builder. Packer calls `prepare` then `run` on the same instance.
#[derive(Default)]
pub(crate) struct IsoBuilder {
    plan: Mutex<Option<Plan>>,
}

fn parse_duration(
    key: &str,
    text: Option<&str>,
    default: Duration,
    errors: &mut ConfigError,
) -> Duration {
    match text {
        None => default,
        Some(text) => boot_command::duration(text.trim()).unwrap_or_else(|| {
            errors.push(
                key,
                format!("expected a duration such as `10s`, `5m` or `1h30m`, got {text:?}"),
            );
            default
        }),
    }
}

/// Checks and completes a decoded configuration without contacting anything.
fn plan(config: IsoConfig, on_error: &str) -> Result<Plan, ConfigError> {
    let mut errors = ConfigError {
        problems: Vec::new(),
    };
    let connect = ConnectConfig {
        vcenter_server: config.vcenter_server,
        username: config.username,
        password: config.password,
        insecure_connection: config.insecure_connection,
        ca_file: config.ca_file,
        datacenter: config.datacenter,
    };
    for (key, message) in connect.problems() {
        errors.push(key, message);
    }
    if config.vm_name.trim().is_empty() {
        errors.push("vm_name", "must not be empty");
    }
    let location = LocationConfig {
        vm_name: config.vm_name,
        folder: config.folder,
        cluster: config.cluster,
        host: config.host,
        resource_pool: config.resource_pool,
        datastore: config.datastore,
    };
    match config.communicator.as_deref() {
        None | Some("none") => {}
        Some(other) => errors.push(
            "communicator",
            format!("only \"none\" is supported for now (the installer powers the VM off), got {other:?}"),
        ),
    }
    let vm_version = match config.vm_version {
        None => None,
        Some(version @ 4..=99) => Some(format!("vmx-{version}")),
        Some(other) => {
            errors.push(
                "vm_version",
                format!("expected a hardware version such as 14, got {other}"),
            );
            None
        }
    };
    let cpus = config.cpus.unwrap_or(2);
    let cores = config.cpu_cores.unwrap_or(1);
    if cpus < 1 {
        errors.push("CPUs", "must be at least 1");
    }
    if cores < 1 || (cpus >= 1 && cpus % cores != 0) {
        errors.push(
            "cpu_cores",
            format!("must be at least 1 and divide CPUs ({cpus})"),
        );
    }
    let ram = config.ram.unwrap_or(2048);
    if ram < 4 {
        errors.push("RAM", "must be at least 4 (MiB)");
    }
    let (firmware, secure_boot) = match config.firmware.as_deref() {
        None | Some("efi") => ("efi", false),
        Some("efi-secure") => ("efi", true),
        Some("bios") => ("bios", false),
        Some(other) => {
            errors.push(
                "firmware",
                format!("expected \"bios\", \"efi\" or \"efi-secure\", got {other:?}"),
            );
            ("efi", false)
        }
    };
    let controller = match config.disk_controller_type.as_deref() {
        None | Some("pvscsi") => ScsiControllerType::ParaVirtual,
        Some("lsilogic") => ScsiControllerType::LsiLogic,
        Some("lsilogic-sas") => ScsiControllerType::LsiLogicSas,
        Some("buslogic") => ScsiControllerType::BusLogic,
        Some(other) => {
            errors.push(
                "disk_controller_type",
                format!("expected \"pvscsi\", \"lsilogic\", \"lsilogic-sas\" or \"buslogic\", got {other:?}"),
            );
            ScsiControllerType::ParaVirtual
        }
    };
    if config.storage.is_empty() {
        errors.push("storage", "at least one `storage` block (disk) is required");
    }
    for (index, disk) in config.storage.iter().enumerate() {
        if disk.disk_size < 1 {
            errors.push(
                format!("storage[{index}].disk_size"),
                "must be at least 1 (MiB)",
            );
        }
    }
    let mut nics = Vec::new();
    for (index, adapter) in config.network_adapters.iter().enumerate() {
        let card = match adapter.network_card.as_deref() {
            None | Some("vmxnet3") => EthernetCardType::Vmxnet3,
            Some("e1000") => EthernetCardType::E1000,
            Some("e1000e") => EthernetCardType::E1000e,
            Some("vmxnet2") => EthernetCardType::Vmxnet2,
            Some("pcnet32") => EthernetCardType::PcNet32,
            Some(other) => {
                errors.push(
                    format!("network_adapters[{index}].network_card"),
                    format!("expected vmxnet3, e1000, e1000e, vmxnet2 or pcnet32, got {other:?}"),
                );
                EthernetCardType::Vmxnet3
            }
        };
        nics.push((adapter.network.clone(), card));
    }
    let iso_upload = match (&config.iso_url, &config.iso_checksum) {
        (None, _) => None,
        (Some(url), checksum) => {
            let path = url.strip_prefix("file://").unwrap_or(url);
            if url.contains("://") && !url.starts_with("file://") {
                errors.push(
                    "iso_url",
                    format!("only local files (a path or file:// URL) are supported, got {url:?}"),
                );
            } else if !vsphere::is_placeholder(path) && !Path::new(path).is_file() {
                errors.push("iso_url", format!("{path:?} is not a readable file"));
            }
            match checksum.as_deref() {
                None => errors.push(
                    "iso_checksum",
                    "required with iso_url (`sha256:<hex>` or `none`)",
                ),
                Some(value) if checksum_parts(value).is_none() => errors.push(
                    "iso_checksum",
                    format!("expected `none` or `<md5|sha1|sha256|sha512>:<hex>`, got {value:?}"),
                ),
                Some(_) => {}
            }
            Some((PathBuf::from(path), checksum.clone().unwrap_or_default()))
        }
    };
    if iso_upload.is_none() && config.iso_paths.is_empty() {
        errors.push(
            "iso_paths",
            "set iso_paths or iso_url: the VM needs an installer ISO",
        );
    }
    for (index, path) in config.iso_paths.iter().enumerate() {
        if DatastorePath::parse(path).is_err() {
            errors.push(
                format!("iso_paths[{index}]"),
                format!(
                    "expected a datastore path such as `[datastore1] iso/photon.iso`, got {path:?}"
                ),
            );
        }
    }
    let mut extra_config = config.configuration_parameters.clone();
    if extra_config.contains_key(GUESTINFO_KEY) {
        errors.push(
            format!("configuration_parameters[\"{GUESTINFO_KEY}\"]"),
            "set the kickstart with the `kickstart` block",
        );
    }
    let mut http_files: BTreeMap<String, Vec<u8>> = config
        .http_content
        .iter()
        .map(|(path, body)| {
            let path = if path.starts_with('/') {
                path.clone()
            } else {
                format!("/{path}")
            };
            (path, body.clone().into_bytes())
        })
        .collect();
    if let Some(block) = &config.kickstart {
        match block.render() {
            Ok(json) => match block.delivery {
                Delivery::Guestinfo => {
                    drop(json);
                    if let Ok(base64) = block.model.to_base64(block.generation) {
                        extra_config.insert(GUESTINFO_KEY.to_owned(), base64);
                    }
                }
                Delivery::Http => {
                    http_files.insert(kickstart_block::HTTP_PATH.to_owned(), json.into_bytes());
                }
            },
            Err(problems) => {
                for (key, message) in problems {
                    errors.push(key, message);
                }
            }
        }
    }
    if secure_boot {
        // The config spec of photon/vim has no bootOptions; this .vmx key is what the flag sets.
        extra_config.insert("uefi.secureBoot.enabled".to_owned(), "TRUE".to_owned());
    }
    let http = if config.http_directory.is_some() || !http_files.is_empty() {
        if let Some(directory) = &config.http_directory {
            if !Path::new(directory).is_dir() {
                errors.push(
                    "http_directory",
                    format!("{directory:?} is not a directory"),
                );
            }
        }
        Some(http::Content {
            directory: config.http_directory.as_ref().map(PathBuf::from),
            files: http_files,
        })
    } else {
        None
    };
    for (index, line) in config.boot_command.iter().enumerate() {
        let checked = boot_command::render(line, None)
            .and_then(|text| boot_command::parse(&[text]).map(drop));
        if let Err(error) = checked {
            errors.push(
                format!("boot_command[{index}]"),
                error.0.replace("boot_command[0]: ", ""),
            );
        }
        if line.contains("{{") && line.contains(".HTTP") && http.is_none() {
            errors.push(
                format!("boot_command[{index}]"),
                "uses the HTTP server, but neither http_directory, http_content nor kickstart.delivery = \"http\" is set",
            );
        }
    }
    let boot_wait_default = if config.boot_command.is_empty() {
        Duration::ZERO
    } else {
        Duration::from_secs(10)
    };
    let boot_wait = parse_duration(
        "boot_wait",
        config.boot_wait.as_deref(),
        boot_wait_default,
        &mut errors,
    );
    let shutdown_timeout = parse_duration(
        "shutdown_timeout",
        config.shutdown_timeout.as_deref(),
        Duration::from_secs(30 * 60),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Plan {
        connect,
        location,
        guest_id: config
            .guest_os_type
            .unwrap_or_else(|| "vmwarePhoton64Guest".to_owned()),
        vm_version,
        cpus,
        cores,
        ram,
        firmware,
        controller,
        storage: config.storage,
        nics,
        iso_upload,
        iso_paths: config.iso_paths,
        notes: config.notes,
        extra_config,
        boot_wait,
        boot_command: config.boot_command,
        http,
        shutdown_timeout,
        convert_to_template: config.convert_to_template.unwrap_or(true),
        destroy_on_error: config.destroy_on_error.unwrap_or(true),
        keep_on_abort: on_error == "abort",
    })
}

/// `algorithm:hex` → (coreutils tool, hex); `None` for a malformed value, `Some(None)` for `none`.
fn checksum_parts(value: &str) -> Option<Option<(&'static str, String)>> {
    if value == "none" {
        return Some(None);
    }
    let (algorithm, hex) = value.split_once(':')?;
    let tool = match algorithm {
        "md5" => "md5sum",
        "sha1" => "sha1sum",
        "sha256" => "sha256sum",
        "sha512" => "sha512sum",
        _ => return None,
    };
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(Some((tool, hex.to_ascii_lowercase())))
}

/// Waits `duration` unless the build is cancelled first.
async fn pause(duration: Duration, cancel: &CancellationToken) -> Result<(), String> {
    tokio::select! {
        () = tokio::time::sleep(duration) => Ok(()),
        () = cancel.cancelled() => Err("build cancelled".to_owned()),
    }
}

/// Types a parsed boot command: one `PutUsbScanCodes` per group of keys, waits in between.
async fn type_boot_command(
    client: &Client,
    vm: &ManagedObjectReference,
    actions: &[Action],
    cancel: &CancellationToken,
) -> Result<(), String> {
    for action in actions {
        match action {
            Action::Wait(duration) => pause(*duration, cancel).await?,
            Action::Keys(keys) => {
                if cancel.is_cancelled() {
                    return Err("build cancelled".to_owned());
                }
                client
                    .call(&PutUsbScanCodes {
                        this: vm.clone(),
                        spec: UsbScanCodeSpec {
                            key_events: keys.clone(),
                        },
                    })
                    .await
                    .map_err(|error| {
                        format!(
                            "typing the boot command failed (PutUsbScanCodes needs vSphere 6.5 or later): {}",
                            error_chain(&error)
                        )
                    })?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Builder for IsoBuilder {
    fn config_spec(&self) -> hcl_spec::ObjectSpec {
        object_spec(FIELDS)
    }

    async fn prepare(&self, configs: &RawConfigs) -> Result<Prepared, ConfigError> {
        let config: IsoConfig = vsphere::decode_config(configs)?;
        let plan = plan(config, &configs.packer().on_error)?;
        let mut warnings = Vec::new();
        if !plan.destroy_on_error {
            warnings
                .push("destroy_on_error = false: a failed build leaves its VM behind".to_owned());
        }
        *self
            .plan
            .lock()
            .map_err(|_| ConfigError::new("", "internal state poisoned"))? = Some(plan);
        Ok(Prepared {
            generated_vars: GENERATED_VARS
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            warnings,
        })
    }

    async fn run(
        &self,
        ui: &Ui,
        hook: &Hook,
        cancel: CancellationToken,
    ) -> Result<Option<Arc<dyn Artifact>>, String> {
        let plan = self
            .plan
            .lock()
            .map_err(|_| "internal state poisoned".to_owned())?
            .clone()
            .ok_or("run called before a successful prepare")?;
        ui.say(format!("Connecting to {}...", plan.connect.vcenter_server))
            .await;
        let client = vsphere::connect(&plan.connect).await?;
        let mut created = None;
        let result = build(&plan, &client, ui, hook, &cancel, &mut created).await;
        let result = match (result, created) {
            (Ok(artifact), _) => Ok(artifact),
            (Err(error), Some(vm)) if plan.destroy_on_error && !plan.keep_on_abort => {
                ui.say(format!(
                    "Destroying VM {} ({})...",
                    plan.location.vm_name, vm.value
                ))
                .await;
                if let Err(destroy_error) = vsphere::destroy_vm(&client, &vm).await {
                    ui.error(format!("Could not destroy the VM: {destroy_error}"))
                        .await;
                }
                Err(error)
            }
            (Err(error), Some(vm)) => {
                ui.error(format!(
                    "Keeping VM {} ({}) for inspection",
                    plan.location.vm_name, vm.value
                ))
                .await;
                Err(error)
            }
            (Err(error), None) => Err(error),
        };
        let _ = client.logout().await;
        result
    }
}

/// The steps from location to artifact. `created` is set as soon as the VM exists.
async fn build(
    plan: &Plan,
    client: &Client,
    ui: &Ui,
    hook: &Hook,
    cancel: &CancellationToken,
    created: &mut Option<ManagedObjectReference>,
) -> Result<Option<Arc<dyn Artifact>>, String> {
    let location = vsphere::resolve_location(client, &plan.connect, &plan.location).await?;
    let pool = location.pool_or_default().await?;
    let datastore = location.datastore_or_default().await?;
    let datastore_name = object_name(client, &datastore, "Datastore").await?;

    let mut iso_paths = Vec::new();
    if let Some((local, checksum)) = &plan.iso_upload {
        verify_checksum(ui, local, checksum, cancel).await?;
        let file_name = local
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "installer.iso".to_owned());
        let target =
            DatastorePath::new(datastore_name.clone(), format!("packer_cache/{file_name}"));
        upload_iso(client, &location, ui, local, &target, cancel).await?;
        iso_paths.push(target.to_string());
    }
    iso_paths.extend(plan.iso_paths.iter().cloned());

    ui.say(format!("Creating VM {}...", plan.location.vm_name))
        .await;
    let spec = create_spec(client, &location, plan, &datastore_name, &iso_paths).await?;
    let vm = client
        .create_vm(&location.folder, &pool, location.host.as_ref(), &spec)
        .await
        .map_err(|error| format!("creating the VM failed: {}", error_chain(&error)))?;
    *created = Some(vm.clone());
    if cancel.is_cancelled() {
        return Err("build cancelled".to_owned());
    }

    let server = match &plan.http {
        Some(content) => {
            let ip = http::local_ip_towards(&server_address(&plan.connect.vcenter_server))
                .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
            let server =
                http::HttpServer::start(std::net::IpAddr::from([0, 0, 0, 0]), content.clone())
                    .await
                    .map_err(|error| format!("starting the HTTP server failed: {error}"))?;
            ui.say(format!("Serving HTTP on {ip}:{}", server.port))
                .await;
            Some((ip, server))
        }
        None => None,
    };

    ui.say("Powering on the VM...").await;
    client
        .power_on_vm(&vm)
        .await
        .map_err(|error| format!("powering on the VM failed: {}", error_chain(&error)))?;

    if !plan.boot_wait.is_zero() {
        ui.say(format!("Waiting {:?} for boot...", plan.boot_wait))
            .await;
        pause(plan.boot_wait, cancel).await?;
    }
    if !plan.boot_command.is_empty() {
        let data = TemplateData {
            http_ip: server.as_ref().map(|(ip, _)| ip.to_string()),
            http_port: server.as_ref().map(|(_, server)| server.port),
            name: plan.location.vm_name.clone(),
        };
        let lines = plan
            .boot_command
            .iter()
            .map(|line| boot_command::render(line, Some(&data)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| error.0)?;
        let actions = boot_command::parse(&lines).map_err(|error| error.0)?;
        ui.say("Typing the boot command...").await;
        type_boot_command(client, &vm, &actions, cancel).await?;
    }

    wait_for_power_off(client, &vm, ui, plan.shutdown_timeout, cancel).await?;

    let facts = vsphere::vm_facts(client, &vm).await?;
    let mut data: Map<String, Json> =
        vsphere::generated_data(&plan.location.vm_name, &vm, &facts.uuid);
    if let Some((ip, server)) = &server {
        data.insert("PackerHTTPIP".into(), Json::String(ip.to_string()));
        data.insert(
            "PackerHTTPPort".into(),
            Json::String(server.port.to_string()),
        );
        data.insert(
            "PackerHTTPAddr".into(),
            Json::String(format!("{ip}:{}", server.port)),
        );
    }
    drop(server);
    hook.run("packer_provision", data, None, cancel).await?;

    remove_cdroms(client, &vm, ui).await?;
    if plan.convert_to_template {
        ui.say("Converting the VM into a template...").await;
        client
            .mark_as_template(&vm)
            .await
            .map_err(|error| format!("converting to a template failed: {}", error_chain(&error)))?;
    }
    Ok(Some(Arc::new(VsphereArtifact::new(
        plan.location.vm_name.clone(),
        vm,
        facts.uuid,
        plan.connect.clone(),
    ))))
}

/// `host[:port]` of `vcenter_server`, for picking the local address the VM can reach.
fn server_address(server: &str) -> String {
    let url = vsphere::sdk_url(server);
    let authority = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    if authority.contains(':') && !authority.ends_with(']') {
        authority
    } else {
        format!("{authority}:443")
    }
}

async fn object_name(
    client: &Client,
    object: &ManagedObjectReference,
    kind: &str,
) -> Result<String, String> {
    let contents = client
        .retrieve_objects(std::slice::from_ref(object), kind, &["name"])
        .await
        .map_err(|error| format!("cannot read {object}: {}", error_chain(&error)))?;
    contents
        .first()
        .and_then(|content| content.get("name"))
        .and_then(|value| value.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("cannot read the name of {object}"))
}

/// The configuration of the new VM: hardware, a SCSI controller with the disks, the NICs, a
/// CD-ROM per ISO on the default IDE controllers, and extraConfig (with the kickstart).
async fn create_spec(
    client: &Client,
    location: &vsphere::Location,
    plan: &Plan,
    datastore_name: &str,
    iso_paths: &[String],
) -> Result<VirtualMachineConfigSpec, String> {
    let mut list = VirtualDeviceList::new(Vec::new());
    let mut changes = Vec::new();
    let controller = list
        .add(VirtualDevice::scsi_controller(plan.controller, 0), None)
        .map_err(|error| error.to_string())?;
    changes.push(VirtualDeviceConfigSpec::add(controller.clone()));
    for (index, disk) in plan.storage.iter().enumerate() {
        let device = VirtualDevice::disk(disk.disk_size * 1024, "", disk.disk_thin_provisioned);
        let device = list
            .add(device, Some(controller.key))
            .map_err(|error| format!("storage[{index}]: {error}"))?;
        changes.push(VirtualDeviceConfigSpec::create(device));
    }
    for (index, (network, card)) in plan.nics.iter().enumerate() {
        let backing = network_backing(client, location, network.as_deref())
            .await
            .map_err(|error| format!("network_adapters[{index}].network: {error}"))?;
        let device = list
            .add(VirtualDevice::ethernet_card(*card, backing), None)
            .map_err(|error| error.to_string())?;
        changes.push(VirtualDeviceConfigSpec::add(device));
    }
    if iso_paths.len() > 4 {
        return Err("iso_paths: at most 4 ISO images fit on the two IDE controllers".to_owned());
    }
    for (index, path) in iso_paths.iter().enumerate() {
        let mut device = VirtualDevice::cdrom(Backing::iso(path.clone()));
        device.controller_key = Some(DEFAULT_IDE_CONTROLLER_KEYS[index / 2]);
        device.unit_number = Some(i32::try_from(index % 2).unwrap_or_default());
        let device = list.add(device, None).map_err(|error| error.to_string())?;
        changes.push(VirtualDeviceConfigSpec::add(device));
    }
    Ok(VirtualMachineConfigSpec {
        name: Some(plan.location.vm_name.clone()),
        version: plan.vm_version.clone(),
        guest_id: Some(plan.guest_id.clone()),
        annotation: plan.notes.clone(),
        files: Some(VirtualMachineFileInfo::at(format!("[{datastore_name}]"))),
        num_cpus: Some(plan.cpus),
        num_cores_per_socket: Some(plan.cores),
        memory_mb: Some(plan.ram),
        device_change: changes,
        extra_config: plan
            .extra_config
            .iter()
            .map(|(key, value)| OptionValue::string(key.clone(), value.clone()))
            .collect(),
        firmware: Some(plan.firmware.to_owned()),
        ..VirtualMachineConfigSpec::default()
    })
}

/// The backing of a NIC on `network` (a standard or distributed port group), or on the
/// datacenter's only network.
async fn network_backing(
    client: &Client,
    location: &vsphere::Location,
    network: Option<&str>,
) -> Result<Backing, String> {
    let found = location
        .finder
        .network(network)
        .await
        .map_err(|error| error_chain(&error))?;
    if found.moref.kind != "DistributedVirtualPortgroup" {
        let name = found.path.rsplit('/').next().unwrap_or_default().to_owned();
        return Ok(Backing::network(name, Some(found.moref)));
    }
    let portgroup = client
        .retrieve_objects(
            std::slice::from_ref(&found.moref),
            "DistributedVirtualPortgroup",
            &["key", "config.distributedVirtualSwitch"],
        )
        .await
        .map_err(|error| error_chain(&error))?;
    let content = portgroup.first().ok_or("the port group vanished")?;
    let key = content
        .get("key")
        .and_then(|value| value.as_str())
        .ok_or("port group without key")?
        .to_owned();
    let switch = content
        .get("config.distributedVirtualSwitch")
        .and_then(|value| value.as_mor())
        .ok_or("port group without switch")?
        .clone();
    let switch_contents = client
        .retrieve_objects(
            std::slice::from_ref(&switch),
            "DistributedVirtualSwitch",
            &["uuid"],
        )
        .await
        .map_err(|error| error_chain(&error))?;
    let uuid = switch_contents
        .first()
        .and_then(|content| content.get("uuid"))
        .and_then(|value| value.as_str())
        .ok_or("switch without uuid")?
        .to_owned();
    Ok(Backing::distributed_port(uuid, key))
}

async fn verify_checksum(
    ui: &Ui,
    local: &Path,
    checksum: &str,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let Some(Some((tool, expected))) = checksum_parts(checksum) else {
        return Ok(());
    };
    ui.say(format!("Verifying the checksum of {}...", local.display()))
        .await;
    let output = tokio::select! {
        output = tokio::process::Command::new(tool).arg(local).kill_on_drop(true).output() => output,
        () = cancel.cancelled() => return Err("build cancelled".to_owned()),
    }
    .map_err(|error| format!("iso_checksum: cannot run {tool}: {error}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let actual = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !output.status.success() || actual != expected {
        return Err(format!(
            "iso_checksum: {} has {actual:?}, expected {expected:?}",
            local.display()
        ));
    }
    Ok(())
}

/// Uploads the ISO with Packer's progress bar (the vim callback is sync: bytes go through a
/// channel to the async Ui).
async fn upload_iso(
    client: &Client,
    location: &vsphere::Location,
    ui: &Ui,
    local: &Path,
    target: &DatastorePath,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let size = tokio::fs::metadata(local)
        .await
        .map_err(|error| format!("iso_url: {}: {error}", local.display()))?
        .len();
    ui.say(format!("Uploading {} to {target}...", local.display()))
        .await;
    let files = DatastoreFiles::new(client, location.datacenter());
    let progress = ui.track_progress(&local.display().to_string(), size).await;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let forward = async {
        while let Some(delta) = receiver.recv().await {
            progress.add(delta).await;
        }
    };
    let mut reported = 0_u64;
    let upload = async {
        files
            .upload_file(target, local, move |sent, _total| {
                let delta = sent.saturating_sub(reported);
                reported = sent.max(reported);
                if delta > 0 {
                    let _ = sender.send(delta);
                }
            })
            .await
    };
    let result = tokio::select! {
        (result, ()) = async { tokio::join!(upload, forward) } => result,
        () = cancel.cancelled() => return Err("build cancelled".to_owned()),
    };
    progress.close().await;
    result.map_err(|error| format!("uploading the ISO failed: {}", error_chain(&error)))
}

/// Polls `runtime.powerState` until the installer has powered the VM off.
async fn wait_for_power_off(
    client: &Client,
    vm: &ManagedObjectReference,
    ui: &Ui,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), String> {
    ui.say(format!(
        "Waiting for the installer to power the VM off (timeout {timeout:?})..."
    ))
    .await;
    let started = Instant::now();
    let mut last_note = Instant::now();
    loop {
        let facts = vsphere::vm_facts(client, vm).await?;
        if facts.power_state == "poweredOff" {
            ui.say(format!(
                "The VM is powered off after {}s",
                started.elapsed().as_secs()
            ))
            .await;
            return Ok(());
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "shutdown_timeout: the VM is still {} after {timeout:?}",
                facts.power_state
            ));
        }
        if last_note.elapsed() >= Duration::from_secs(60) {
            ui.message(format!(
                "Still waiting ({}s, power state {})",
                started.elapsed().as_secs(),
                facts.power_state
            ))
            .await;
            last_note = Instant::now();
        }
        pause(Duration::from_secs(1), cancel).await?;
    }
}

async fn remove_cdroms(
    client: &Client,
    vm: &ManagedObjectReference,
    ui: &Ui,
) -> Result<(), String> {
    let devices = client
        .vm_devices(vm)
        .await
        .map_err(|error| format!("reading the VM's devices failed: {}", error_chain(&error)))?;
    let removals: Vec<VirtualDeviceConfigSpec> = devices
        .into_iter()
        .filter(|device| matches!(device.kind, DeviceKind::Cdrom))
        .map(VirtualDeviceConfigSpec::remove)
        .collect();
    if removals.is_empty() {
        return Ok(());
    }
    ui.say("Removing the CD-ROM drives...").await;
    client
        .reconfigure_vm(
            vm,
            &VirtualMachineConfigSpec {
                device_change: removals,
                ..VirtualMachineConfigSpec::default()
            },
        )
        .await
        .map_err(|error| format!("removing the CD-ROM drives failed: {}", error_chain(&error)))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use packer_sdk::json_to_value;
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    fn base() -> Json {
        json!({
            "vcenter_server": "127.0.0.1:8989",
            "username": "u",
            "password": "p",
            "insecure_connection": true,
            "vm_name": "photon-5",
            "storage": [{"disk_size": 16384.0}],
            "iso_paths": ["[LocalDS_0] iso/photon-5.0.iso"],
            "kickstart": {
                "hostname": "photon-iso",
                "password": {"text": "changeme", "age": 0},
                "disk": "/dev/sda",
                "packages": ["minimal", "linux-esx", "initramfs"],
            },
        })
    }

    fn decode(config: &Json) -> Result<Plan, ConfigError> {
        let packer = json!({"packer_build_name": "b", "packer_builder_type": "photon-iso", "packer_on_error": ""});
        let raw = RawConfigs::from_values(vec![json_to_value(config), json_to_value(&packer)])?;
        plan(vsphere::decode_config(&raw)?, &raw.packer().on_error)
    }

    fn with(changes: Json) -> Json {
        let mut config = base();
        for (key, value) in changes.as_object().unwrap() {
            config[key] = value.clone();
        }
        config
    }

    fn keys(error: &ConfigError) -> Vec<String> {
        error
            .problems
            .iter()
            .map(|problem| problem.key.clone())
            .collect()
    }

    #[test]
    fn defaults_follow_the_photon_ova_and_put_the_kickstart_in_guestinfo() {
        let plan = decode(&base()).unwrap();
        assert_eq!(plan.guest_id, "vmwarePhoton64Guest");
        assert_eq!(plan.firmware, "efi");
        assert_eq!(plan.controller, ScsiControllerType::ParaVirtual);
        assert_eq!(plan.storage[0].disk_size, 16384);
        assert!(plan.convert_to_template && plan.destroy_on_error);
        let block: KickstartBlock = serde_json::from_value(base()["kickstart"].clone()).unwrap();
        let expected = block.model.to_base64(block.generation).unwrap();
        assert_eq!(plan.extra_config.get(GUESTINFO_KEY), Some(&expected));
        assert!(plan.http.is_none());
        assert_eq!(plan.boot_wait, Duration::ZERO);
    }

    #[test]
    fn http_delivery_serves_the_kickstart_instead() {
        let mut config = base();
        config["kickstart"]["delivery"] = json!("http");
        config["boot_command"] =
            json!(["<esc><wait>linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.json<enter>"]);
        let plan = decode(&config).unwrap();
        assert!(!plan.extra_config.contains_key(GUESTINFO_KEY));
        let served = &plan.http.unwrap().files[kickstart_block::HTTP_PATH];
        let value: Json = serde_json::from_slice(served).unwrap();
        assert_eq!(value["hostname"], "photon-iso");
        assert_eq!(plan.boot_wait, Duration::from_secs(10));
    }

    #[test]
    fn problems_name_their_keys() {
        let cases = [
            (json!({"communicator": "ssh"}), "communicator"),
            (json!({"firmware": "uefi"}), "firmware"),
            (
                json!({"storage": [{"disk_size": "big"}]}),
                "storage[0].disk_size",
            ),
            (json!({"storage": []}), "storage"),
            (
                json!({"network_adapters": [{"network_card": "rtl8139"}]}),
                "network_adapters[0].network_card",
            ),
            (
                json!({"boot_command": ["ok", "<enterr>"]}),
                "boot_command[1]",
            ),
            (
                json!({"boot_command": ["ks={{ .HTTPIP }}"]}),
                "boot_command[0]",
            ),
            (json!({"boot_wait": "soon"}), "boot_wait"),
            (json!({"shutdown_timeout": "5x"}), "shutdown_timeout"),
            (json!({"iso_paths": ["photon.iso"]}), "iso_paths[0]"),
            (
                json!({"iso_url": "https://example.com/photon.iso"}),
                "iso_url",
            ),
            (
                json!({"configuration_parameters": {"guestinfo.kickstart.data": "x"}}),
                "configuration_parameters[\"guestinfo.kickstart.data\"]",
            ),
            (
                json!({"kickstart": {"disk": "/dev/sda", "partitions": [{"mountpoint": "/", "filesystem": "zfs"}]}}),
                "kickstart.partitions[0].filesystem",
            ),
            (json!({"vm_nam": "x"}), "vm_nam"),
        ];
        for (change, key) in cases {
            let error = decode(&with(change.clone()))
                .err()
                .unwrap_or_else(|| panic!("{change} accepted"));
            assert!(
                keys(&error).iter().any(|found| found == key),
                "{change}: expected a problem at {key}, got {error}"
            );
        }
        let mut missing = base();
        missing.as_object_mut().unwrap().remove("vm_name");
        assert!(keys(&decode(&missing).err().unwrap()).contains(&"vm_name".to_owned()));
    }

    #[test]
    fn every_field_is_accepted_by_the_config_type() {
        let mut config = base();
        for field in FIELDS {
            if config.get(field.name).is_some() {
                continue;
            }
            let value = match (field.name, field.ty) {
                ("ca_file" | "iso_url" | "http_directory", _) => continue,
                ("firmware", _) => json!("bios"),
                ("disk_controller_type", _) => json!("lsilogic"),
                ("boot_wait" | "shutdown_timeout", _) => json!("1m"),
                ("communicator", _) => json!("none"),
                ("vm_version", _) => json!(14),
                ("RAM", _) => json!(2048),
                (_, FieldType::String) => json!("x"),
                (_, FieldType::Number) => json!(2),
                (_, FieldType::Bool) => json!(true),
                (_, FieldType::ListOfString) => json!([]),
                (_, FieldType::MapOfString) => json!({}),
                (_, FieldType::Block(_)) => json!({}),
                (_, FieldType::BlockList(_)) => json!([{}]),
            };
            config[field.name] = value;
        }
        config["network_adapters"] = json!([{"network": "VM Network", "network_card": "e1000"}]);
        let plan = decode(&config).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            plan.nics,
            [(Some("VM Network".to_owned()), EthernetCardType::E1000)]
        );
        assert_eq!(plan.vm_version.as_deref(), Some("vmx-14"));
    }

    /// A fake `/sdk`: version document, RetrieveServiceContent and Login built in,
    /// PutUsbScanCodes recorded and answered.
    async fn fake_vcenter() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sdk", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::clone(&log);
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let requests = Arc::clone(&requests);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0_u8; 8192];
                    let (head, body) = loop {
                        let read = socket.read(&mut buffer).await.unwrap();
                        if read == 0 {
                            return;
                        }
                        request.extend_from_slice(&buffer[..read]);
                        let text = String::from_utf8_lossy(&request).into_owned();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|line| {
                                    line.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap())
                                })
                                .unwrap_or(0);
                            if request.len() >= end + 4 + length {
                                break (text[..end].to_owned(), text[end + 4..].to_owned());
                            }
                        }
                    };
                    let (content, cookie) = if head.starts_with("GET ") {
                        ("<namespaces version=\"1.0\"><namespace><name>urn:vim25</name><version>8.0.2.0</version></namespace></namespaces>".to_owned(), "")
                    } else {
                        let inner = if body.contains("RetrieveServiceContent") {
                            r#"<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><about><name>Fake</name><apiType>VirtualCenter</apiType><apiVersion>8.0.2.0</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager></returnval></RetrieveServiceContentResponse>"#.to_owned()
                        } else if body.contains("<Login") {
                            r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key><userName>u</userName></returnval></LoginResponse>"#.to_owned()
                        } else if body.contains("<Logout") {
                            r#"<LogoutResponse xmlns="urn:vim25"/>"#.to_owned()
                        } else {
                            let events = body.matches("<keyEvents>").count();
                            requests.lock().unwrap().push(body.clone());
                            format!(
                                r#"<PutUsbScanCodesResponse xmlns="urn:vim25"><returnval>{events}</returnval></PutUsbScanCodesResponse>"#
                            )
                        };
                        let envelope = format!(
                            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
                        );
                        (
                            envelope,
                            "Set-Cookie: vmware_soap_session=\"fake\"; Path=/\r\n",
                        )
                    };
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{cookie}\r\n{content}",
                        content.len()
                    );
                    socket.write_all(response.as_bytes()).await.unwrap();
                    socket.shutdown().await.unwrap();
                });
            }
        });
        (url, log)
    }

    fn events(body: &str) -> Vec<String> {
        body.split("<keyEvents>")
            .skip(1)
            .map(|event| event.split("</keyEvents>").next().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn the_boot_command_is_typed_with_put_usb_scan_codes() {
        let (url, log) = fake_vcenter().await;
        let client = Client::connect(vim::ConnectOptions {
            url,
            username: "u".into(),
            password: "p".into(),
            ..vim::ConnectOptions::default()
        })
        .await
        .unwrap();
        let vm = ManagedObjectReference::new("VirtualMachine", "vm-42");
        let lines = vec![
            "<esc>A!<wait0s>".to_owned(),
            "<leftShiftOn>b<leftShiftOff><leftCtrlOn>c<leftCtrlOff><enter>".to_owned(),
        ];
        let actions = boot_command::parse(&lines).unwrap();
        type_boot_command(&client, &vm, &actions, &CancellationToken::new())
            .await
            .unwrap();
        let bodies = log.lock().unwrap().clone();
        assert_eq!(bodies.len(), 2, "one call per key group: {bodies:?}");
        assert!(
            bodies[0].contains(r#"<_this type="VirtualMachine">vm-42</_this>"#),
            "{}",
            bodies[0]
        );
        let first = events(&bodies[0]);
        assert_eq!(first.len(), 3);
        // <esc>: usage 0x29 on page 7; no modifiers.
        assert!(
            first[0].starts_with(&format!("<usbHidCode>{}</usbHidCode>", (0x29 << 16) | 7)),
            "{}",
            first[0]
        );
        assert!(first[0].contains("<leftShift>false</leftShift>"));
        // `A` and `!`: shifted `a` (0x04) and `1` (0x1e).
        assert!(first[1].starts_with(&format!("<usbHidCode>{}</usbHidCode>", (0x04 << 16) | 7)));
        assert!(first[1].contains("<leftShift>true</leftShift>"));
        assert!(first[2].starts_with(&format!("<usbHidCode>{}</usbHidCode>", (0x1e << 16) | 7)));
        assert!(first[2].contains("<leftShift>true</leftShift>"));
        let second = events(&bodies[1]);
        assert_eq!(second.len(), 3);
        assert!(
            second[0].contains("<leftShift>true</leftShift>")
                && second[0].contains("<leftControl>false</leftControl>")
        );
        assert!(
            second[1].contains("<leftControl>true</leftControl>")
                && second[1].contains("<leftShift>false</leftShift>")
        );
        assert!(second[2].starts_with(&format!("<usbHidCode>{}</usbHidCode>", (0x28 << 16) | 7)));
        assert!(second[2].contains("<leftControl>false</leftControl>"));

        // A cancelled build types nothing more.
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert!(
            type_boot_command(&client, &vm, &actions, &cancel)
                .await
                .is_err()
        );
        assert_eq!(log.lock().unwrap().len(), 2);
    }

    #[test]
    fn server_addresses_get_a_port() {
        assert_eq!(server_address("vc.example.com"), "vc.example.com:443");
        assert_eq!(
            server_address("https://127.0.0.1:8989/sdk"),
            "127.0.0.1:8989"
        );
    }
}
