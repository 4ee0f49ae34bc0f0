//! vSphere code shared by `photon-iso`, `photon-clone` and `photon-template`.
//!
//! - Configuration keys as data: [`CONNECT_FIELDS`] and [`LOCATION_FIELDS`], named like
//!   packer-plugin-vsphere's `ConnectConfig` and `LocationConfig` so its users feel at home.
//!   Component configs list these keys flat in their own `#[serde(deny_unknown_fields)]` struct
//!   (serde cannot deny unknown keys through `flatten`) and build a [`ConnectConfig`] /
//!   [`LocationConfig`] from them.
//! - [`connect`]: a logged-in [`vim::Client`], TLS verified unless `insecure_connection`.
//! - [`resolve_location`]: datacenter, folder (must exist), host, resource pool and datastore.
//! - [`ensure_folder`]: a VM folder path, created where missing (post-processor).
//! - [`VsphereArtifact`]: the artifact our builders return; destroying it destroys the VM.
//! - [`destroy_vm`]: powers a VM off if needed and destroys it (cleanup after errors and cancels).
//! - [`decode_config`]: `RawConfigs::decode` after rendering JSON-template functions
//!   (`{{user `x`}}`), which Packer 1.6.6 leaves to the plugin; [`parse_duration`] for Go
//!   durations (`shutdown_timeout`); [`vm_facts`] (name, UUID, template flag, power state).

use packer_sdk::{
    Artifact, ConfigError, Field, FieldType, PackerConfig, RawConfigs, async_trait, json_to_value,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};
use vim::finder::{Datacenter, Finder};
use vim::rest::RestClient;
use vim::{Client, ConnectOptions, FaultKind, ManagedObjectReference};

/// The BuilderId of artifacts made by our builders (`photon-iso`, `photon-clone`).
pub(crate) const BUILDER_ID: &str = "photon-iac.photon";

/// The BuilderId of packer-plugin-vsphere's builders (`vsphere-iso`, `vsphere-clone`): their
/// artifacts name the VM by its name only.
pub(crate) const VSPHERE_BUILDER_ID: &str = "jetbrains.vsphere";

/// Connection keys, as packer-plugin-vsphere names them.
pub(crate) const CONNECT_FIELDS: &[Field] = &[
    Field {
        name: "vcenter_server",
        ty: FieldType::String,
        required: true,
        description: "vCenter (or ESXi) server: a host name, `host:port`, or a URL such as `https://vc.example.com/sdk`.",
    },
    Field {
        name: "username",
        ty: FieldType::String,
        required: true,
        description: "User to log in as.",
    },
    Field {
        name: "password",
        ty: FieldType::String,
        required: true,
        description: "Password of `username` (sensitive: never logged).",
    },
    Field {
        name: "insecure_connection",
        ty: FieldType::Bool,
        required: false,
        description: "Skip TLS verification of the server certificate. Defaults to `false`: the certificate is verified against the system roots or `ca_file`. Only for labs and simulators.",
    },
    Field {
        name: "ca_file",
        ty: FieldType::String,
        required: false,
        description: "PEM file of the CA certificate(s) to trust for the server instead of the system roots.",
    },
    Field {
        name: "datacenter",
        ty: FieldType::String,
        required: false,
        description: "Datacenter name or path. Optional when the server has exactly one datacenter.",
    },
];

/// Location keys, as packer-plugin-vsphere names them.
pub(crate) const LOCATION_FIELDS: &[Field] = &[
    Field {
        name: "vm_name",
        ty: FieldType::String,
        required: true,
        description: "Name of the VM (and of the template it becomes).",
    },
    Field {
        name: "folder",
        ty: FieldType::String,
        required: false,
        description: "VM folder to create the VM in, relative to the datacenter's VM folder (`team/templates`). It must exist. Defaults to the datacenter's VM folder.",
    },
    Field {
        name: "cluster",
        ty: FieldType::String,
        required: false,
        description: "Cluster to place the VM in (its root resource pool unless `resource_pool` is set).",
    },
    Field {
        name: "host",
        ty: FieldType::String,
        required: false,
        description: "ESXi host to place the VM on (a name, or a path such as `cluster/host`).",
    },
    Field {
        name: "resource_pool",
        ty: FieldType::String,
        required: false,
        description: "Resource pool, relative to the cluster's or host's root pool (`pool/child`), or a path. Defaults to the root pool of `cluster` or `host`.",
    },
    Field {
        name: "datastore",
        ty: FieldType::String,
        required: false,
        description: "Datastore for the VM's files. Defaults to the only datastore (photon-iso) or the source's datastore (photon-clone).",
    },
];

/// Where and as whom to connect (the [`CONNECT_FIELDS`]).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectConfig {
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
}

impl std::fmt::Debug for ConnectConfig {
    // The password never reaches logs or error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectConfig")
            .field("vcenter_server", &self.vcenter_server)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("insecure_connection", &self.insecure_connection)
            .field("ca_file", &self.ca_file)
            .field("datacenter", &self.datacenter)
            .finish()
    }
}

impl ConnectConfig {
    /// `ca_file`, with an empty value (a JSON template's unset variable) counting as unset.
    pub(crate) fn ca_file(&self) -> Option<&str> {
        self.ca_file
            .as_deref()
            .filter(|path| !path.trim().is_empty())
    }

    /// Configuration problems found without contacting the server (empty keys, missing
    /// `ca_file`), as `(key, message)` pairs.
    pub(crate) fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("vcenter_server", &self.vcenter_server),
            ("username", &self.username),
            ("password", &self.password),
        ] {
            if value.trim().is_empty() {
                problems.push((key, "must not be empty".to_owned()));
            }
        }
        if let Some(ca_file) = self.ca_file()
            && !is_placeholder(ca_file)
            && !std::path::Path::new(ca_file).is_file()
        {
            problems.push(("ca_file", format!("{ca_file:?} is not a readable file")));
        }
        problems
    }
}

/// Where the VM goes (the [`LOCATION_FIELDS`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LocationConfig {
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
}

/// HCL2 passes `"<unknown>"` for values computed later (post-processors are configured twice):
/// such values are not checked.
pub(crate) fn is_placeholder(value: &str) -> bool {
    value == packer_sdk::UNKNOWN_PLACEHOLDER
}

/// The `https://…/sdk` URL of `vcenter_server` (a bare host gets `https://` and `/sdk`).
pub(crate) fn sdk_url(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    let with_scheme = if server.contains("://") {
        server.to_owned()
    } else {
        format!("https://{server}")
    };
    let after_scheme = with_scheme.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme.contains('/') {
        with_scheme
    } else {
        format!("{with_scheme}/sdk")
    }
}

/// An error and its sources on one line (vim errors keep the useful part in the chain).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The vim connection options of `config` (shared by the SOAP and the REST login).
fn connect_options(config: &ConnectConfig) -> Result<ConnectOptions, String> {
    let ca_pem = match config.ca_file() {
        Some(path) => Some(
            std::fs::read(path).map_err(|error| format!("ca_file: cannot read {path}: {error}"))?,
        ),
        None => None,
    };
    Ok(ConnectOptions {
        url: sdk_url(&config.vcenter_server),
        username: config.username.clone(),
        password: config.password.clone(),
        ca_pem,
        insecure: config.insecure_connection,
        user_agent: concat!("packer-plugin-photon/", env!("CARGO_PKG_VERSION")).to_owned(),
        ..ConnectOptions::default()
    })
}

/// Logs in to `config.vcenter_server`. TLS is verified (against `ca_file` when given) unless
/// `insecure_connection` is set.
pub(crate) async fn connect(config: &ConnectConfig) -> Result<Client, String> {
    let options = connect_options(config)?;
    let url = options.url.clone();
    Client::connect(options)
        .await
        .map_err(|error| format!("cannot connect to {url}: {}", error_chain(&error)))
}

/// Logs in to the vAPI REST endpoint of `config.vcenter_server` (content libraries live
/// there, not in SOAP), with the same credentials and TLS rules as [`connect`].
pub(crate) async fn connect_rest(config: &ConnectConfig) -> Result<RestClient, String> {
    let options = connect_options(config)?;
    let url = options.url.clone();
    RestClient::connect(options).await.map_err(|error| {
        format!(
            "cannot log in to the REST API of {url}: {}",
            error_chain(&error)
        )
    })
}

/// A resolved [`LocationConfig`].
#[derive(Clone, Debug)]
pub(crate) struct Location {
    /// Lookups in the datacenter.
    pub(crate) finder: Finder,
    /// The VM folder.
    pub(crate) folder: ManagedObjectReference,
    /// The host, when `host` was set.
    pub(crate) host: Option<ManagedObjectReference>,
    /// The resource pool from `resource_pool`, `cluster` or `host`; `None` when none was set
    /// (a clone then stays in its source's pool; see [`Location::pool_or_default`]).
    pub(crate) pool: Option<ManagedObjectReference>,
    /// The datastore, when `datastore` was set.
    pub(crate) datastore: Option<ManagedObjectReference>,
}

impl Location {
    /// The datacenter.
    pub(crate) fn datacenter(&self) -> &Datacenter {
        self.finder.datacenter()
    }

    /// [`Location::pool`], or the datacenter's only resource pool (an error naming the keys to
    /// set when there are several).
    pub(crate) async fn pool_or_default(&self) -> Result<ManagedObjectReference, String> {
        if let Some(pool) = &self.pool {
            return Ok(pool.clone());
        }
        self.finder
            .resource_pool(None)
            .await
            .map(|found| found.moref)
            .map_err(|error| {
                format!(
                    "set cluster, host or resource_pool: {}",
                    error_chain(&error)
                )
            })
    }

    /// [`Location::datastore`], or the datacenter's only datastore.
    pub(crate) async fn datastore_or_default(&self) -> Result<ManagedObjectReference, String> {
        if let Some(datastore) = &self.datastore {
            return Ok(datastore.clone());
        }
        self.finder
            .datastore(None)
            .await
            .map(|found| found.moref)
            .map_err(|error| format!("set datastore: {}", error_chain(&error)))
    }
}

/// A key's lookup error, naming the key.
fn lookup_error(key: &str, error: vim::finder::FindError) -> String {
    format!("{key}: {}", error_chain(&error))
}

/// Resolves `datacenter` and the location keys. The folder must exist (as in vsphere-clone);
/// `resource_pool` is relative to the root pool of `cluster` or `host` when one is set.
pub(crate) async fn resolve_location(
    client: &Client,
    connect: &ConnectConfig,
    location: &LocationConfig,
) -> Result<Location, String> {
    let finder = Finder::new(client, connect.datacenter.as_deref())
        .await
        .map_err(|error| lookup_error("datacenter", error))?;
    let folder = match location.folder.as_deref().map(str::trim) {
        None | Some("") => finder.datacenter().vm_folder.clone(),
        Some(path) => {
            finder
                .folder(&folder_path(path))
                .await
                .map_err(|error| lookup_error("folder", error))?
                .moref
        }
    };
    let host = match location.host.as_deref() {
        Some(path) => Some(
            finder
                .host_system(path)
                .await
                .map_err(|error| lookup_error("host", error))?
                .moref,
        ),
        None => None,
    };
    // The root pool of the cluster or host, then the named pool below it.
    let root_pool = if let Some(cluster) = &location.cluster {
        let path = format!("{}/Resources", cluster.trim_end_matches('/'));
        Some(
            finder
                .resource_pool(Some(&path))
                .await
                .map_err(|error| lookup_error("cluster", error))?
                .moref,
        )
    } else if let Some(host) = &host {
        Some(host_root_pool(client, host).await?)
    } else {
        None
    };
    let pool = match (location.resource_pool.as_deref(), &root_pool) {
        (Some(pool), Some(root)) if !pool.starts_with('/') => {
            let base = client
                .inventory_paths(std::slice::from_ref(root))
                .await
                .map_err(|error| format!("resource_pool: {}", error_chain(&error)))?
                .into_iter()
                .flatten()
                .next()
                .unwrap_or_default();
            let path = format!("{base}/{}", pool.trim_matches('/'));
            Some(
                finder
                    .resource_pool(Some(&path))
                    .await
                    .map_err(|error| lookup_error("resource_pool", error))?
                    .moref,
            )
        }
        (Some(pool), _) => Some(
            finder
                .resource_pool(Some(pool))
                .await
                .map_err(|error| lookup_error("resource_pool", error))?
                .moref,
        ),
        (None, _) => root_pool,
    };
    let datastore = match location.datastore.as_deref() {
        Some(path) => Some(
            finder
                .datastore(Some(path))
                .await
                .map_err(|error| lookup_error("datastore", error))?
                .moref,
        ),
        None => None,
    };
    Ok(Location {
        finder,
        folder,
        host,
        pool,
        datastore,
    })
}

/// A `folder` value as a [`Kind::Folder`] path (relative to the datacenter): `vm/<folder>`
/// unless it is absolute or already starts with `vm/`.
fn folder_path(folder: &str) -> String {
    if folder.starts_with('/') || folder == "vm" || folder.starts_with("vm/") {
        folder.trim_end_matches('/').to_owned()
    } else {
        format!("vm/{}", folder.trim_end_matches('/'))
    }
}

/// The root resource pool of the compute resource `host` belongs to (where a VM on that host
/// runs when no pool is named).
pub(crate) async fn host_root_pool(
    client: &Client,
    host: &ManagedObjectReference,
) -> Result<ManagedObjectReference, String> {
    let fail = |what: String| format!("host: cannot find the resource pool of {host}: {what}");
    let compute = client
        .parent(host)
        .await
        .map_err(|error| fail(error_chain(&error)))?
        .ok_or_else(|| fail("it has no parent".to_owned()))?;
    let contents = client
        .retrieve_objects(
            std::slice::from_ref(&compute),
            "ComputeResource",
            &["resourcePool"],
        )
        .await
        .map_err(|error| fail(error_chain(&error)))?;
    contents
        .iter()
        .find_map(|content| {
            content
                .get("resourcePool")
                .and_then(|v| v.as_mor())
                .cloned()
        })
        .ok_or_else(|| fail(format!("{compute} has no resourcePool")))
}

/// The VM folder at `path` below the datacenter's VM folder, creating each missing level
/// (as vsphere-template does). Returns the folder.
pub(crate) async fn ensure_folder(
    client: &Client,
    datacenter: &Datacenter,
    path: &str,
) -> Result<ManagedObjectReference, String> {
    let relative = folder_path(path);
    let relative = relative
        .strip_prefix(&format!("{}/", datacenter.path))
        .unwrap_or(&relative)
        .trim_start_matches('/');
    let relative = relative.strip_prefix("vm").unwrap_or(relative);
    let mut current = datacenter.vm_folder.clone();
    let mut current_path = format!("{}/vm", datacenter.path);
    for segment in relative.split('/').filter(|segment| !segment.is_empty()) {
        current_path = format!("{current_path}/{segment}");
        let existing = client
            .find_by_inventory_path(&current_path)
            .await
            .map_err(|error| format!("folder {current_path}: {}", error_chain(&error)))?;
        current = match existing {
            Some(moref) if moref.kind == "Folder" => moref,
            Some(moref) => {
                return Err(format!(
                    "folder: {current_path} is a {}, not a folder",
                    moref.kind
                ));
            }
            None => client
                .create_folder(&current, segment)
                .await
                .map_err(|error| {
                    format!(
                        "folder: cannot create {current_path}: {}",
                        error_chain(&error)
                    )
                })?,
        };
    }
    Ok(current)
}

/// Name, instance/BIOS UUID, template flag and power state of a VM, in one read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VmFacts {
    /// `name`.
    pub(crate) name: String,
    /// `config.uuid` (the BIOS UUID).
    pub(crate) uuid: String,
    /// `config.template`.
    pub(crate) template: bool,
    /// `runtime.powerState` (`poweredOn`, `poweredOff`, `suspended`).
    pub(crate) power_state: String,
}

/// Reads [`VmFacts`] of `vm`.
pub(crate) async fn vm_facts(
    client: &Client,
    vm: &ManagedObjectReference,
) -> Result<VmFacts, String> {
    let contents = client
        .retrieve_objects(
            std::slice::from_ref(vm),
            "VirtualMachine",
            &[
                "name",
                "config.uuid",
                "config.template",
                "runtime.powerState",
            ],
        )
        .await
        .map_err(|error| format!("cannot read {vm}: {}", error_chain(&error)))?;
    let content = contents
        .into_iter()
        .next()
        .ok_or_else(|| format!("cannot read {vm}: not found"))?;
    let text = |path: &str| {
        content
            .get(path)
            .map(|value| match value {
                vim::Value::Other { xml, .. } => xml.clone(),
                other => other.as_str().map(str::to_owned).unwrap_or_default(),
            })
            .unwrap_or_default()
    };
    Ok(VmFacts {
        name: text("name"),
        uuid: text("config.uuid"),
        template: content
            .get("config.template")
            .and_then(|value| value.as_bool())
            .unwrap_or(false),
        power_state: text("runtime.powerState"),
    })
}

/// Powers `vm` off when it is on, then destroys it (with its files). A VM already gone counts
/// as destroyed.
pub(crate) async fn destroy_vm(client: &Client, vm: &ManagedObjectReference) -> Result<(), String> {
    match vm_facts(client, vm).await {
        Ok(facts) if facts.power_state == "poweredOn" || facts.power_state == "suspended" => {
            if let Err(error) = client.power_off_vm(vm).await
                && !matches!(
                    &error,
                    vim::Error::Fault(fault) if matches!(fault.kind, FaultKind::InvalidPowerState { .. })
                )
            {
                return Err(format!("cannot power off {vm}: {}", error_chain(&error)));
            }
        }
        Ok(_) => {}
        // Unreadable: try the destroy anyway, it reports what is wrong.
        Err(error) => tracing::debug!(%vm, error, "reading the VM before destroying it failed"),
    }
    match client.destroy(vm).await {
        Ok(()) => Ok(()),
        Err(vim::Error::Fault(fault))
            if matches!(fault.kind, FaultKind::ManagedObjectNotFound { .. }) =>
        {
            Ok(())
        }
        Err(error) => Err(format!("cannot destroy {vm}: {}", error_chain(&error))),
    }
}

/// A VM or template our builders made (or a post-processor updated).
#[derive(Clone, Debug)]
pub(crate) struct VsphereArtifact {
    /// The VM's name.
    pub(crate) name: String,
    /// Its moref (`vm-42`), which is the artifact's Id.
    pub(crate) moref: ManagedObjectReference,
    /// Its BIOS UUID.
    pub(crate) uuid: String,
    /// The BuilderId reported to Packer ([`BUILDER_ID`] for ours).
    pub(crate) builder_id: String,
    /// How to reach the server again for [`Artifact::destroy`].
    pub(crate) connect: ConnectConfig,
    /// The `generated_data` state (`VMName`, `ID`, `UUID`).
    pub(crate) generated_data: Map<String, Json>,
}

impl VsphereArtifact {
    /// An artifact of ours for `name`/`moref`/`uuid`, with its `generated_data`.
    pub(crate) fn new(
        name: String,
        moref: ManagedObjectReference,
        uuid: String,
        connect: ConnectConfig,
    ) -> Self {
        let generated_data = generated_data(&name, &moref, &uuid);
        Self {
            name,
            moref,
            uuid,
            builder_id: BUILDER_ID.to_owned(),
            connect,
            generated_data,
        }
    }
}

/// The generated data of a VM: `VMName`, `ID` (its moref value) and `UUID`.
pub(crate) fn generated_data(
    name: &str,
    moref: &ManagedObjectReference,
    uuid: &str,
) -> Map<String, Json> {
    let mut data = Map::new();
    data.insert("VMName".into(), Json::String(name.to_owned()));
    data.insert("ID".into(), Json::String(moref.value.clone()));
    data.insert("UUID".into(), Json::String(uuid.to_owned()));
    data
}

/// The names of [`generated_data`]'s keys (a builder's `generated_vars`).
pub(crate) const GENERATED_VARS: &[&str] = &["VMName", "ID", "UUID"];

#[async_trait]
impl Artifact for VsphereArtifact {
    fn builder_id(&self) -> String {
        self.builder_id.clone()
    }

    fn id(&self) -> String {
        self.moref.value.clone()
    }

    fn string(&self) -> String {
        format!(
            "VM: {} ({}, uuid {})",
            self.name, self.moref.value, self.uuid
        )
    }

    fn files(&self) -> Vec<String> {
        Vec::new()
    }

    fn state(&self, key: &str) -> Option<Json> {
        match key {
            "generated_data" => Some(Json::Object(self.generated_data.clone())),
            _ => None,
        }
    }

    async fn destroy(&self) -> Result<(), String> {
        let client = connect(&self.connect).await?;
        let result = destroy_vm(&client, &self.moref).await;
        let _ = client.logout().await;
        result
    }
}

/// Decodes a component configuration after rendering the JSON-template functions Go plugins
/// render in their Prepare (`{{user `name`}}`, `{{build_name}}`, `{{build_type}}`,
/// `{{timestamp}}`, `{{pwd}}`): Packer 1.6.6 passes JSON-template values to plugins
/// unrendered, with the user variables in `packer_user_variables`. `{{ .Field }}` references
/// are left for the component. An unknown function is an error naming the key.
pub(crate) fn decode_config<T: DeserializeOwned>(configs: &RawConfigs) -> Result<T, ConfigError> {
    let mut errors = ConfigError::default();
    let rendered = configs
        .user()
        .iter()
        .map(|(key, value)| {
            (
                key.clone(),
                render_json(key, value, configs.packer(), &mut errors),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    RawConfigs::from_values(vec![json_to_value(&Json::Object(rendered))])?.decode()
}

fn render_json(path: &str, value: &Json, packer: &PackerConfig, errors: &mut ConfigError) -> Json {
    match value {
        Json::String(text) => match render_template(text, packer) {
            Ok(rendered) => Json::String(rendered),
            Err(message) => {
                errors.push(path, message);
                value.clone()
            }
        },
        Json::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| render_json(&format!("{path}[{index}]"), item, packer, errors))
                .collect(),
        ),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(key, item)| {
                    (
                        key.clone(),
                        render_json(&format!("{path}.{key}"), item, packer, errors),
                    )
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Renders the `{{ … }}` actions of one string (see [`decode_config`]).
pub(crate) fn render_template(text: &str, packer: &PackerConfig) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed template action in {text:?}"))?;
        let action = after[..end].trim();
        let words: Vec<&str> = action.split_whitespace().collect();
        let unquote = |word: &str| {
            word.strip_prefix('`')
                .and_then(|w| w.strip_suffix('`'))
                .or_else(|| word.strip_prefix('"').and_then(|w| w.strip_suffix('"')))
                .map(str::to_owned)
        };
        match words.as_slice() {
            ["user", name] => {
                let name = unquote(name)
                    .ok_or_else(|| format!("{{{{{action}}}}}: the variable name must be quoted"))?;
                out.push_str(packer.user_variables.get(&name).map_or("", String::as_str));
            }
            ["build_name"] => out.push_str(&packer.build_name),
            ["build_type"] => out.push_str(&packer.builder_type),
            ["timestamp"] => out.push_str(
                &std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|elapsed| elapsed.as_secs())
                    .unwrap_or_default()
                    .to_string(),
            ),
            ["pwd"] => out.push_str(
                &std::env::current_dir()
                    .map(|dir| dir.display().to_string())
                    .unwrap_or_default(),
            ),
            [field, ..] if field.starts_with('.') => {
                // Build-time data (`{{ .HTTPIP }}`): the component renders it later.
                out.push_str(&rest[start..start + 2 + end + 2]);
            }
            _ => {
                return Err(format!(
                    "template function in {{{{{action}}}}} is not supported (user, build_name, build_type, timestamp, pwd are)"
                ));
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a Go duration (`90s`, `5m`, `1h30m`, `500ms`) as Packer's vSphere builders take
/// them; `None` when it is not one.
pub(crate) fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    if text == "0" {
        return Some(std::time::Duration::ZERO);
    }
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    std::time::Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn server_names_become_sdk_urls() {
        assert_eq!(sdk_url("vc.example.com"), "https://vc.example.com/sdk");
        assert_eq!(sdk_url("127.0.0.1:8989"), "https://127.0.0.1:8989/sdk");
        assert_eq!(sdk_url("https://vc/sdk"), "https://vc/sdk");
        assert_eq!(sdk_url("https://vc/"), "https://vc/sdk");
        assert_eq!(sdk_url("http://vc:80"), "http://vc:80/sdk");
    }

    #[test]
    fn json_template_functions_render() {
        let packer = PackerConfig {
            build_name: "web".into(),
            builder_type: "photon-clone".into(),
            user_variables: [("vc".to_owned(), "vc.example.com".to_owned())].into(),
            ..PackerConfig::default()
        };
        assert_eq!(
            render_template("https://{{user `vc`}}/sdk", &packer).unwrap(),
            "https://vc.example.com/sdk"
        );
        assert_eq!(
            render_template("{{ user \"vc\" }}-{{build_name}}-{{build_type}}", &packer).unwrap(),
            "vc.example.com-web-photon-clone"
        );
        assert_eq!(render_template("{{user `nope`}}", &packer).unwrap(), "");
        assert_eq!(
            render_template("<wait>{{ .HTTPIP }}", &packer).unwrap(),
            "<wait>{{ .HTTPIP }}"
        );
        assert!(render_template("{{ env `HOME` }}", &packer).is_err());
        assert!(render_template("{{user `vc`", &packer).is_err());
        assert_eq!(render_template("plain", &packer).unwrap(), "plain");
    }

    #[test]
    fn configs_are_rendered_before_decoding() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Small {
            server: String,
            count: i64,
        }
        let configs = RawConfigs::from_values(vec![json_to_value(&serde_json::json!({
            "server": "{{user `vc`}}",
            "count": 2.0,
            "packer_user_variables": {"vc": "vc.example.com"},
        }))])
        .unwrap();
        let small: Small = decode_config(&configs).unwrap();
        assert_eq!((small.server.as_str(), small.count), ("vc.example.com", 2));
        let bad = RawConfigs::from_values(vec![json_to_value(&serde_json::json!({
            "server": "{{ nope }}",
            "count": 2,
        }))])
        .unwrap();
        let error = decode_config::<Small>(&bad).err().unwrap();
        assert_eq!(error.problems[0].key, "server");
    }

    #[test]
    fn go_durations_parse() {
        use std::time::Duration;
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        for bad in ["", "5", "m", "5x", "five minutes", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn folders_are_relative_to_the_vm_folder() {
        assert_eq!(folder_path("templates"), "vm/templates");
        assert_eq!(folder_path("a/b/"), "vm/a/b");
        assert_eq!(folder_path("vm/a"), "vm/a");
        assert_eq!(folder_path("/DC0/vm/a"), "/DC0/vm/a");
    }

    #[test]
    fn the_artifact_names_the_vm_and_exposes_generated_data() {
        let artifact = VsphereArtifact::new(
            "web".into(),
            ManagedObjectReference::new("VirtualMachine", "vm-42"),
            "4212-ab".into(),
            ConnectConfig::default(),
        );
        assert_eq!(artifact.builder_id(), "photon-iac.photon");
        assert_eq!(artifact.id(), "vm-42");
        assert_eq!(artifact.string(), "VM: web (vm-42, uuid 4212-ab)");
        assert!(artifact.files().is_empty());
        let data = artifact.state("generated_data").unwrap();
        assert_eq!(data["VMName"], "web");
        assert_eq!(data["ID"], "vm-42");
        assert_eq!(data["UUID"], "4212-ab");
        assert_eq!(artifact.state("other"), None);
    }

    #[test]
    fn connection_problems_name_the_key_and_hide_the_password() {
        let config = ConnectConfig {
            vcenter_server: " ".into(),
            username: "u".into(),
            password: "s3cret".into(),
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..ConnectConfig::default()
        };
        let keys: Vec<_> = config.problems().into_iter().map(|(key, _)| key).collect();
        assert_eq!(keys, ["vcenter_server", "ca_file"]);
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn error_chains_keep_the_cause() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("request failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(error_chain(&error), "request failed: connection refused");
    }
}
