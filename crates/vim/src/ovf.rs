//! OVF import, as govc `import.ovf` / `import.ova` does it.
//!
//! 1. [`OvfPackage::open`] reads the descriptor of a `.ovf` file (the files it references sit
//!    next to it) or of an `.ova` (a tar archive: only the headers and the descriptor are read;
//!    each member is later streamed straight from its offset in the archive).
//! 2. [`Client::create_import_spec`]: `OvfManager.CreateImportSpec` turns the descriptor into an
//!    `ImportSpec`, the list of files to upload (`fileItem`), warnings and errors. The import
//!    spec is kept as the element tree the server sent ([`ImportSpec`]) and passed back to
//!    `ImportVApp` unchanged (nested elements, `xsi:type` attributes included).
//! 3. [`Client::import_vapp`]: `ResourcePool.ImportVApp` (with folder and host) creates the VM
//!    and returns an `HttpNfcLease`; [`Client::wait_for_lease`] waits until it is `ready` (or
//!    reports its fault when it went to `error`).
//! 4. Each `deviceUrl` of the lease is matched to the file item with the same `importKey` /
//!    `deviceId`; a `*` host in the URL is replaced by the session's host. Disks are sent with
//!    `POST` and `Content-Type: application/x-vnd.vmware-streamVmdk`, other files (`create`)
//!    with `PUT` and `Overwrite: t`, all with the session cookie, streamed.
//! 5. While uploading, `HttpNfcLeaseProgress` reports the percentage every
//!    [`LEASE_PROGRESS_INTERVAL`] (it also keeps the lease alive) and the caller's callback sees
//!    the bytes sent; `HttpNfcLeaseComplete` ends a successful import, `HttpNfcLeaseAbort` (with
//!    a `SystemError` fault saying why) any failed one.
//!
//! [`Client::import_ovf`] runs all of it and returns the new VM (the lease's `info.entity`).

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;

use crate::datastore::{self, Source, TransferError};
use crate::envelope::{Request, Returnvals, strip_prefix};
use crate::error::Error;
use crate::fault::{Fault, FaultKind};
use crate::property::Value;
use crate::property::tree::Node;
use crate::property::value::mor;
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// How often `HttpNfcLeaseProgress` is sent while files upload (govmomi: 2 s). vCenter aborts
/// a lease that hears nothing for `leaseTimeout` (minutes), so this also keeps it alive.
pub const LEASE_PROGRESS_INTERVAL: Duration = Duration::from_secs(2);

/// How long a lease may stay `initializing` (vCenter creates the disks meanwhile).
const LEASE_READY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The largest descriptor read (descriptors are a few kilobytes).
const MAX_DESCRIPTOR: u64 = 16 * 1024 * 1024;

/// `Content-Type` of stream-optimised disk uploads.
pub const STREAM_VMDK: &str = "application/x-vnd.vmware-streamVmdk";

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The package cannot be used: no descriptor in the OVA, a referenced file that is not in
    /// it, an unsafe or remote `href`, a descriptor that is not UTF-8.
    #[error("OVF package {}: {reason}", file.display())]
    Package {
        /// The `.ovf` or `.ova` file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A local file could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `CreateImportSpec` rejected the descriptor: its result lists errors (e.g.
    /// `OvfUnsupportedType`), each with the server's message.
    #[error("CreateImportSpec for {entity_name:?} failed: {}", messages(errors))]
    ImportSpec {
        /// The entity name asked for.
        entity_name: String,
        /// The errors, classified by their fault type; `message` is the server's text.
        errors: Vec<Fault>,
    },
    /// The lease went to state `error` instead of `ready`.
    #[error("NFC lease {lease} failed: {fault}")]
    LeaseFailed {
        /// The lease.
        lease: ManagedObjectReference,
        /// Its `error` (boxed: faults carry their detail XML).
        fault: Box<Fault>,
    },
    /// The lease stayed `initializing` too long (or reported an unknown state).
    #[error("NFC lease {lease} is not ready: state {state:?}")]
    LeaseNotReady {
        /// The lease.
        lease: ManagedObjectReference,
        /// Its last state.
        state: String,
    },
    /// A file the import needs has no upload URL in the lease.
    #[error("NFC lease {lease} has no URL for file {path:?} (device {device_id})")]
    NoDeviceUrl {
        /// The lease.
        lease: ManagedObjectReference,
        /// The file item's `deviceId`.
        device_id: String,
        /// The file item's `path`.
        path: String,
    },
    /// An upload failed.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// The caller's stop signal fired ([`Client::import_ovf_until`]).
    #[error("the import was cancelled")]
    Cancelled,
    /// A step after `ImportVApp` failed; the lease was aborted with `HttpNfcLeaseAbort`.
    /// vCenter then removes the half-imported VM; vcsim 0.24.2 keeps it.
    #[error("import aborted (NFC lease {lease}, VM {entity}): {cause}")]
    Aborted {
        /// The lease.
        lease: ManagedObjectReference,
        /// The VM `ImportVApp` created.
        entity: ManagedObjectReference,
        /// What failed.
        #[source]
        cause: Box<ImportError>,
    },
    /// A SOAP call failed (`CreateImportSpec` faults such as `InvalidArgument` for a
    /// descriptor that does not parse, `ImportVApp` faults, ...).
    #[error(transparent)]
    Vim(#[from] Error),
}

fn messages(faults: &[Fault]) -> String {
    faults
        .iter()
        .map(|fault| {
            if fault.message.is_empty() {
                fault.type_name.clone()
            } else {
                format!("{}: {}", fault.type_name, fault.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where the package's files are.
#[derive(Clone, Debug)]
enum Layout {
    /// A `.ovf` file; references are relative to its directory.
    Directory(PathBuf),
    /// An `.ova`: every regular member's name, data offset and size.
    Archive(Vec<Member>),
}

#[derive(Clone, Debug)]
struct Member {
    name: String,
    offset: u64,
    size: u64,
}

/// An OVF package on the local disk: its descriptor, and where the files it references are.
#[derive(Clone, Debug)]
pub struct OvfPackage {
    file: PathBuf,
    descriptor: String,
    layout: Layout,
}

impl OvfPackage {
    /// Opens `path`: an `.ova` archive (by extension, case-insensitive) or an `.ovf` descriptor.
    pub async fn open(path: &Path) -> Result<OvfPackage, ImportError> {
        let is_ova = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("ova"));
        if is_ova {
            let file = path.to_owned();
            return tokio::task::spawn_blocking(move || read_ova(&file))
                .await
                .map_err(|error| ImportError::Package {
                    file: path.to_owned(),
                    reason: format!("reading the archive panicked: {error}"),
                })?;
        }
        let io = |source| ImportError::Io {
            file: path.to_owned(),
            source,
        };
        let size = tokio::fs::metadata(path).await.map_err(io)?.len();
        if size > MAX_DESCRIPTOR {
            return Err(ImportError::Package {
                file: path.to_owned(),
                reason: format!("descriptor of {size} bytes is too large"),
            });
        }
        let bytes = tokio::fs::read(path).await.map_err(io)?;
        let descriptor = String::from_utf8(bytes).map_err(|_| ImportError::Package {
            file: path.to_owned(),
            reason: "the descriptor is not UTF-8".into(),
        })?;
        let dir = path
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(OvfPackage {
            file: path.to_owned(),
            descriptor,
            layout: Layout::Directory(dir),
        })
    }

    /// The OVF descriptor (XML).
    pub fn descriptor(&self) -> &str {
        &self.descriptor
    }

    /// The `.ovf` or `.ova` file it was opened from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The bytes of the file `href` refers to (a path relative to the descriptor).
    async fn source(&self, href: &str) -> Result<Source, ImportError> {
        let relative = safe_relative(href).ok_or_else(|| ImportError::Package {
            file: self.file.clone(),
            reason: format!("file reference {href:?} is not a relative path inside the package"),
        })?;
        match &self.layout {
            Layout::Directory(dir) => {
                let path = dir.join(&relative);
                Source::file(&path)
                    .await
                    .map_err(|source| ImportError::Io { file: path, source })
            }
            Layout::Archive(members) => {
                let wanted = relative.to_string_lossy();
                let member = members
                    .iter()
                    .find(|member| member.name == wanted)
                    .ok_or_else(|| ImportError::Package {
                        file: self.file.clone(),
                        reason: format!("{href:?} is not in the archive"),
                    })?;
                Ok(Source::File {
                    path: self.file.clone(),
                    offset: member.offset,
                    len: member.size,
                })
            }
        }
    }
}

/// `href` as a relative path without `..`, or `None` (absolute paths, URLs, escapes).
fn safe_relative(href: &str) -> Option<PathBuf> {
    if href.is_empty() || href.contains("://") {
        return None;
    }
    let mut out = PathBuf::new();
    for component in Path::new(href).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Reads the headers of an OVA and its descriptor (the first `.ovf` member), skipping the data
/// of every other member by seeking.
fn read_ova(file: &Path) -> Result<OvfPackage, ImportError> {
    use std::io::Read;
    let io = |source| ImportError::Io {
        file: file.to_owned(),
        source,
    };
    let mut archive = tar::Archive::new(std::fs::File::open(file).map_err(io)?);
    let mut members = Vec::new();
    let mut descriptor = None;
    for entry in archive.entries_with_seek().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(io)?;
        let Some(name) = safe_relative(&name.to_string_lossy()) else {
            continue;
        };
        let name = name.to_string_lossy().into_owned();
        let size = entry.size();
        if descriptor.is_none() && name.to_ascii_lowercase().ends_with(".ovf") {
            if size > MAX_DESCRIPTOR {
                return Err(ImportError::Package {
                    file: file.to_owned(),
                    reason: format!("descriptor {name} of {size} bytes is too large"),
                });
            }
            let mut text = String::new();
            (&mut entry)
                .take(MAX_DESCRIPTOR)
                .read_to_string(&mut text)
                .map_err(|source| ImportError::Package {
                    file: file.to_owned(),
                    reason: format!("descriptor {name}: {source}"),
                })?;
            descriptor = Some(text);
        }
        members.push(Member {
            offset: entry.raw_file_position(),
            name,
            size,
        });
    }
    let descriptor = descriptor.ok_or_else(|| ImportError::Package {
        file: file.to_owned(),
        reason: "no .ovf descriptor in the archive".into(),
    })?;
    Ok(OvfPackage {
        file: file.to_owned(),
        descriptor,
        layout: Layout::Archive(members),
    })
}

/// `KeyValue`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// `OvfNetworkMapping`: an OVF network name and the network it is connected to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OvfNetworkMapping {
    /// The network's name in the descriptor (`<Network ovf:name=...>`).
    pub name: String,
    /// The vSphere network (standard network or distributed port group).
    pub network: ManagedObjectReference,
}

/// `OvfCreateImportSpecParams` (with its base `OvfManagerCommonParams`), fields in WSDL order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportParams {
    /// Locale of the messages (`""`: the server's).
    pub locale: String,
    /// Deployment option (`""`: the descriptor's default).
    #[serde(rename = "deploymentOption")]
    pub deployment_option: String,
    /// The name of the new VM.
    #[serde(rename = "entityName")]
    pub entity_name: String,
    /// The host the VM is meant for (needed for some checks on a cluster).
    #[serde(rename = "hostSystem", skip_serializing_if = "Option::is_none")]
    pub host_system: Option<ManagedObjectReference>,
    /// OVF network name → vSphere network.
    #[serde(rename = "networkMapping", skip_serializing_if = "Vec::is_empty")]
    pub network_mapping: Vec<OvfNetworkMapping>,
    /// `dhcpPolicy`, `transientPolicy`, `fixedPolicy`, `fixedAllocatedPolicy`.
    #[serde(rename = "ipAllocationPolicy", skip_serializing_if = "Option::is_none")]
    pub ip_allocation_policy: Option<String>,
    /// `IPv4` or `IPv6`.
    #[serde(rename = "ipProtocol", skip_serializing_if = "Option::is_none")]
    pub ip_protocol: Option<String>,
    /// Values of the descriptor's properties (vApp options).
    #[serde(rename = "propertyMapping", skip_serializing_if = "Vec::is_empty")]
    pub property_mapping: Vec<KeyValue>,
    /// `thin`, `thick`, `eagerZeroedThick`, ... (vSphere's default when `None`).
    #[serde(rename = "diskProvisioning", skip_serializing_if = "Option::is_none")]
    pub disk_provisioning: Option<String>,
}

/// `CreateImportSpec` on the `OvfManager`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateImportSpec {
    /// The `OvfManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The descriptor (XML text; escaped by the serialiser).
    #[serde(rename = "ovfDescriptor")]
    pub ovf_descriptor: String,
    /// The resource pool (or vApp) the VM goes into.
    #[serde(rename = "resourcePool")]
    pub resource_pool: ManagedObjectReference,
    /// The datastore for its files.
    pub datastore: ManagedObjectReference,
    /// The parameters.
    pub cisp: ImportParams,
}

impl Request for CreateImportSpec {
    const METHOD: &'static str = "CreateImportSpec";
    // A pure computation on the server.
    const IDEMPOTENT: bool = true;
    type Response = ImportSpecResult;
    fn decode(returnvals: Returnvals) -> Result<ImportSpecResult, String> {
        let mut xml = returnvals.into_xml();
        let xml = xml.pop().ok_or("no OvfCreateImportSpecResult")?;
        ImportSpecResult::from_node(&Node::parse(&xml)?)
    }
}

/// An `ImportSpec` as the server sent it (e.g. `VirtualMachineImportSpec`), to be passed back
/// unchanged to `ImportVApp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSpec(Node);

impl ImportSpec {
    /// Its `xsi:type`, e.g. `VirtualMachineImportSpec`.
    pub fn type_name(&self) -> Option<&str> {
        self.0.attribute("xsi:type").map(strip_prefix)
    }

    /// Its XML (normalised: no namespace prefixes on element names).
    pub fn to_xml(&self) -> String {
        self.0.to_xml()
    }
}

impl Serialize for ImportSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// `OvfFileItem`: a file of the package to upload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OvfFileItem {
    /// Matches a lease `deviceUrl.importKey`, e.g. `/vm1/disk:0`.
    pub device_id: String,
    /// The file's path relative to the descriptor (`href`).
    pub path: String,
    /// `gzip` when the file is compressed.
    pub compression_method: Option<String>,
    /// Chunk size when the file is split.
    pub chunk_size: Option<i64>,
    /// Size from the descriptor.
    pub size: Option<i64>,
    /// CIM resource type of the device (17: disk, 15: CD-ROM).
    pub cim_type: i32,
    /// `true`: a file to create (`PUT`); `false`: a disk to stream (`POST`).
    pub create: bool,
}

impl OvfFileItem {
    fn from_node(node: &Node) -> OvfFileItem {
        let text = |name: &str| node.child_text(name).map(|text| text.trim().to_owned());
        let number = |name: &str| text(name).and_then(|text| text.parse::<i64>().ok());
        OvfFileItem {
            device_id: text("deviceId").unwrap_or_default(),
            path: text("path").unwrap_or_default(),
            compression_method: text("compressionMethod").filter(|text| !text.is_empty()),
            chunk_size: number("chunkSize"),
            size: number("size"),
            cim_type: text("cimType")
                .and_then(|text| text.parse().ok())
                .unwrap_or_default(),
            create: text("create").is_some_and(|text| text == "true" || text == "1"),
        }
    }
}

/// `OvfCreateImportSpecResult`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportSpecResult {
    /// The spec for `ImportVApp` (absent when there are errors).
    pub import_spec: Option<ImportSpec>,
    /// The files to upload.
    pub file_items: Vec<OvfFileItem>,
    /// Warnings (`LocalizedMethodFault`s), classified.
    pub warnings: Vec<Fault>,
    /// Errors, classified; non-empty means the descriptor cannot be imported as asked.
    pub errors: Vec<Fault>,
}

impl ImportSpecResult {
    fn from_node(node: &Node) -> Result<ImportSpecResult, String> {
        Ok(ImportSpecResult {
            import_spec: node.child("importSpec").cloned().map(|mut spec| {
                spec.normalise_types();
                ImportSpec(spec)
            }),
            file_items: node
                .children("fileItem")
                .map(OvfFileItem::from_node)
                .collect(),
            warnings: node.children("warning").map(localized_fault).collect(),
            errors: node.children("error").map(localized_fault).collect(),
        })
    }
}

/// A `LocalizedMethodFault` (`<fault xsi:type="T">..</fault><localizedMessage>`), classified.
fn localized_fault(node: &Node) -> Fault {
    let inner = node.child("fault");
    let type_name = inner
        .and_then(|inner| inner.attribute("xsi:type"))
        .map(|name| strip_prefix(name.trim()).to_owned())
        .unwrap_or_default();
    let detail_xml = inner.map(Node::to_xml).unwrap_or_default();
    Fault {
        kind: FaultKind::from_detail(&type_name, &detail_xml),
        type_name,
        code: String::new(),
        message: node
            .child_text("localizedMessage")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        detail_xml,
    }
}

/// `ImportVApp` on a resource pool (or vApp): creates the VM and returns an `HttpNfcLease`.
#[derive(Clone, Debug, Serialize)]
pub struct ImportVApp {
    /// The resource pool.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The spec from `CreateImportSpec`, unchanged (it carries its own `xsi:type`).
    pub spec: ImportSpec,
    /// The VM folder (the datacenter's `vm` folder when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<ManagedObjectReference>,
    /// The host (the server picks one when `None`; needed on a non-DRS cluster).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
}

impl Request for ImportVApp {
    const METHOD: &'static str = "ImportVApp";
    // A repeat would create a second VM.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `HttpNfcLeaseProgress`: how far the transfer is (0-100); also renews the lease.
#[derive(Clone, Debug, Serialize)]
pub struct HttpNfcLeaseProgress {
    /// The lease.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Percent done.
    pub percent: i32,
}

impl Request for HttpNfcLeaseProgress {
    const METHOD: &'static str = "HttpNfcLeaseProgress";
    const IDEMPOTENT: bool = true;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `HttpNfcLeaseComplete`: every file is transferred; the import is finished.
#[derive(Clone, Debug, Serialize)]
pub struct HttpNfcLeaseComplete {
    /// The lease.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for HttpNfcLeaseComplete {
    const METHOD: &'static str = "HttpNfcLeaseComplete";
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// The `SystemError` fault sent with an abort.
#[derive(Clone, Debug, Serialize)]
pub struct SystemErrorFault {
    /// Always `SystemError` (the field is polymorphic).
    #[serde(rename = "@xsi:type")]
    pub xsi_type: &'static str,
    /// Why.
    pub reason: String,
}

/// `LocalizedMethodFault` carrying a [`SystemErrorFault`].
#[derive(Clone, Debug, Serialize)]
pub struct AbortFault {
    /// The fault.
    pub fault: SystemErrorFault,
    /// The message shown in the vSphere client.
    #[serde(rename = "localizedMessage")]
    pub localized_message: String,
}

impl AbortFault {
    /// A `SystemError` saying `message`.
    pub fn new(message: &str) -> AbortFault {
        AbortFault {
            fault: SystemErrorFault {
                xsi_type: "SystemError",
                reason: message.to_owned(),
            },
            localized_message: message.to_owned(),
        }
    }
}

/// `HttpNfcLeaseAbort`: the transfer failed; vCenter discards the import.
#[derive(Clone, Debug, Serialize)]
pub struct HttpNfcLeaseAbort {
    /// The lease.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<AbortFault>,
}

impl Request for HttpNfcLeaseAbort {
    const METHOD: &'static str = "HttpNfcLeaseAbort";
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `HttpNfcLeaseDeviceUrl`: where one file of the import goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseDeviceUrl {
    /// The device key, e.g. `/vm-42/disk:0`.
    pub key: String,
    /// Matches an [`OvfFileItem::device_id`], e.g. `/vm1/disk:0`.
    pub import_key: String,
    /// The URL as sent (its host may be `*`: see [`nfc_url`]).
    pub url: String,
    /// SHA-1 thumbprint of the host's certificate, when it is not the vCenter.
    pub ssl_thumbprint: Option<String>,
    /// Whether it is a disk.
    pub disk: Option<bool>,
    /// The target file name.
    pub target_id: Option<String>,
}

/// `HttpNfcLeaseInfo` (the fields an import uses).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseInfo {
    /// The lease.
    pub lease: ManagedObjectReference,
    /// The VM (or vApp) being imported.
    pub entity: ManagedObjectReference,
    /// Upload targets.
    pub device_urls: Vec<LeaseDeviceUrl>,
    /// Total disk capacity, KiB.
    pub total_disk_capacity_kb: i64,
    /// Seconds without progress after which the server aborts the lease.
    pub lease_timeout: i64,
}

impl LeaseInfo {
    fn from_node(node: &Node) -> Result<LeaseInfo, String> {
        let text = |node: &Node, name: &str| {
            node.child_text(name)
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        let number = |name: &str| {
            text(node, name)
                .and_then(|text| text.parse::<i64>().ok())
                .unwrap_or_default()
        };
        Ok(LeaseInfo {
            lease: node
                .child("lease")
                .and_then(mor)
                .ok_or("HttpNfcLeaseInfo without lease")?,
            entity: node
                .child("entity")
                .and_then(mor)
                .ok_or("HttpNfcLeaseInfo without entity")?,
            device_urls: node
                .children("deviceUrl")
                .map(|device| LeaseDeviceUrl {
                    key: text(device, "key").unwrap_or_default(),
                    import_key: text(device, "importKey").unwrap_or_default(),
                    url: text(device, "url").unwrap_or_default(),
                    ssl_thumbprint: text(device, "sslThumbprint"),
                    disk: text(device, "disk").map(|flag| flag == "true" || flag == "1"),
                    target_id: text(device, "targetId"),
                })
                .collect(),
            total_disk_capacity_kb: number("totalDiskCapacityInKB"),
            lease_timeout: number("leaseTimeout"),
        })
    }
}

/// An NFC URL with a `*` host replaced by the host and port of `sdk` (govmomi does the same:
/// the server does not know the name clients reach it by).
pub fn nfc_url(raw: &str, sdk: &Url) -> Result<Url, String> {
    let mut url = Url::parse(raw.trim()).map_err(|error| format!("{raw:?}: {error}"))?;
    if url.host_str() == Some("*") {
        let host = sdk.host_str().ok_or("the SDK URL has no host")?;
        url.set_host(Some(host))
            .map_err(|error| format!("{raw:?}: {error}"))?;
        url.set_port(sdk.port())
            .map_err(|()| format!("{raw:?}: cannot set the port"))?;
    }
    Ok(url)
}

/// Where the imported VM goes.
#[derive(Clone, Debug)]
pub struct ImportTarget {
    /// The resource pool (or vApp).
    pub resource_pool: ManagedObjectReference,
    /// The datastore for its files.
    pub datastore: ManagedObjectReference,
    /// The VM folder; the datacenter's `vm` folder when `None`.
    pub folder: Option<ManagedObjectReference>,
    /// The host; the server picks one when `None`.
    pub host: Option<ManagedObjectReference>,
}

/// A finished import.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Imported {
    /// The new VM (the lease's `info.entity`).
    pub vm: ManagedObjectReference,
    /// The lease, now completed.
    pub lease: ManagedObjectReference,
    /// `CreateImportSpec` warnings.
    pub warnings: Vec<Fault>,
}

/// The text of an enum or string property value.
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Other { xml, .. } => Node::parse(xml)
            .ok()
            .map(|node| node.text.trim().to_owned()),
        other => other.as_str().map(str::to_owned),
    }
}

/// The element of a complex property value.
fn value_node(value: &Value) -> Option<Node> {
    match value {
        Value::Other { xml, .. } => Node::parse(xml).ok(),
        _ => None,
    }
}

impl Client {
    fn ovf_manager(&self) -> ManagedObjectReference {
        self.service_content()
            .ovf_manager
            .clone()
            .unwrap_or_else(|| ManagedObjectReference::new("OvfManager", "OvfManager"))
    }

    /// `CreateImportSpec` for `descriptor` into `resource_pool` and `datastore`. Errors in the
    /// result are returned in it, not as `Err` (see [`Client::import_ovf`] for that).
    pub async fn create_import_spec(
        &self,
        descriptor: &str,
        resource_pool: &ManagedObjectReference,
        datastore: &ManagedObjectReference,
        params: &ImportParams,
    ) -> Result<ImportSpecResult, Error> {
        self.call(&CreateImportSpec {
            this: self.ovf_manager(),
            ovf_descriptor: descriptor.to_owned(),
            resource_pool: resource_pool.clone(),
            datastore: datastore.clone(),
            cisp: params.clone(),
        })
        .await
    }

    /// `ImportVApp` of `spec` into `resource_pool` (in `folder`, on `host`): the lease.
    pub async fn import_vapp(
        &self,
        resource_pool: &ManagedObjectReference,
        spec: &ImportSpec,
        folder: Option<&ManagedObjectReference>,
        host: Option<&ManagedObjectReference>,
    ) -> Result<ManagedObjectReference, Error> {
        self.call(&ImportVApp {
            this: resource_pool.clone(),
            spec: spec.clone(),
            folder: folder.cloned(),
            host: host.cloned(),
        })
        .await
    }

    /// One property of the lease.
    async fn lease_property(
        &self,
        lease: &ManagedObjectReference,
        path: &str,
    ) -> Result<Option<Value>, Error> {
        let objects = self
            .retrieve_objects(std::slice::from_ref(lease), "HttpNfcLease", &[path])
            .await?;
        Ok(objects
            .into_iter()
            .next()
            .and_then(|object| object.get(path).cloned()))
    }

    /// Waits until `lease` leaves `initializing`: its info when `ready`;
    /// [`ImportError::LeaseFailed`] with the decoded fault when `error`.
    pub async fn wait_for_lease(
        &self,
        lease: &ManagedObjectReference,
    ) -> Result<LeaseInfo, ImportError> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let state = self
                .lease_property(lease, "state")
                .await?
                .as_ref()
                .and_then(value_text)
                .unwrap_or_default();
            match state.as_str() {
                "ready" => break,
                "error" => {
                    let fault = self
                        .lease_property(lease, "error")
                        .await?
                        .as_ref()
                        .and_then(value_node)
                        .map(|node| localized_fault(&node))
                        .unwrap_or_else(|| Fault {
                            kind: FaultKind::Other(String::new()),
                            type_name: String::new(),
                            code: String::new(),
                            message: "lease failed without an error".into(),
                            detail_xml: String::new(),
                        });
                    return Err(ImportError::LeaseFailed {
                        lease: lease.clone(),
                        fault: Box::new(fault),
                    });
                }
                "initializing" if started.elapsed() < LEASE_READY_TIMEOUT => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                _ => {
                    return Err(ImportError::LeaseNotReady {
                        lease: lease.clone(),
                        state,
                    });
                }
            }
        }
        let info = self
            .lease_property(lease, "info")
            .await?
            .as_ref()
            .and_then(value_node)
            .ok_or_else(|| Error::Decode {
                method: "RetrievePropertiesEx",
                reason: format!("ready lease {lease} has no info"),
            })?;
        LeaseInfo::from_node(&info).map_err(|reason| {
            Error::Decode {
                method: "RetrievePropertiesEx",
                reason,
            }
            .into()
        })
    }

    /// `HttpNfcLeaseProgress(percent)`.
    pub async fn lease_progress(
        &self,
        lease: &ManagedObjectReference,
        percent: i32,
    ) -> Result<(), Error> {
        self.call(&HttpNfcLeaseProgress {
            this: lease.clone(),
            percent: percent.clamp(0, 100),
        })
        .await
    }

    /// `HttpNfcLeaseComplete`.
    pub async fn lease_complete(&self, lease: &ManagedObjectReference) -> Result<(), Error> {
        self.call(&HttpNfcLeaseComplete {
            this: lease.clone(),
        })
        .await
    }

    /// `HttpNfcLeaseAbort` with a `SystemError` fault saying `message`.
    pub async fn lease_abort(
        &self,
        lease: &ManagedObjectReference,
        message: &str,
    ) -> Result<(), Error> {
        self.call(&HttpNfcLeaseAbort {
            this: lease.clone(),
            fault: Some(AbortFault::new(message)),
        })
        .await
    }

    /// Imports `package` (see the module docs) and returns the new VM. `progress(bytes sent,
    /// total)` follows the uploads of all files together. Errors in the `CreateImportSpec`
    /// result are [`ImportError::ImportSpec`]; any failure after `ImportVApp` aborts the lease
    /// and is [`ImportError::Aborted`] (except a lease that failed on its own:
    /// [`ImportError::LeaseFailed`]).
    pub async fn import_ovf(
        &self,
        package: &OvfPackage,
        target: &ImportTarget,
        params: &ImportParams,
        progress: impl FnMut(u64, u64) + Send,
    ) -> Result<Imported, ImportError> {
        self.import_ovf_until(package, target, params, progress, std::future::pending())
            .await
    }

    /// [`Client::import_ovf`] that stops when `stop` completes (e.g. the user pressed Ctrl-C):
    /// before `ImportVApp` it returns [`ImportError::Cancelled`] at once; after it, it aborts
    /// the lease (so vCenter removes the half-imported VM) and returns
    /// [`ImportError::Aborted`] with [`ImportError::Cancelled`] as the cause.
    pub async fn import_ovf_until(
        &self,
        package: &OvfPackage,
        target: &ImportTarget,
        params: &ImportParams,
        mut progress: impl FnMut(u64, u64) + Send,
        stop: impl Future<Output = ()> + Send,
    ) -> Result<Imported, ImportError> {
        tokio::pin!(stop);
        let result = tokio::select! {
            result = self.create_import_spec(
                package.descriptor(),
                &target.resource_pool,
                &target.datastore,
                params,
            ) => result?,
            () = &mut stop => return Err(ImportError::Cancelled),
        };
        if !result.errors.is_empty() {
            return Err(ImportError::ImportSpec {
                entity_name: params.entity_name.clone(),
                errors: result.errors,
            });
        }
        for warning in &result.warnings {
            tracing::warn!(%warning, "CreateImportSpec warning");
        }
        let spec = result.import_spec.ok_or_else(|| Error::Decode {
            method: CreateImportSpec::METHOD,
            reason: "no importSpec and no error in the result".into(),
        })?;
        let lease = self
            .import_vapp(
                &target.resource_pool,
                &spec,
                target.folder.as_ref(),
                target.host.as_ref(),
            )
            .await?;
        // The lease exists from here on: a stop aborts it instead of abandoning it.
        let info = tokio::select! {
            info = self.wait_for_lease(&lease) => info?,
            () = &mut stop => {
                if let Err(error) = self.lease_abort(&lease, "cancelled by the client").await {
                    tracing::warn!(%lease, %error, "HttpNfcLeaseAbort failed");
                }
                return Err(ImportError::Cancelled);
            }
        };
        let uploaded = tokio::select! {
            uploaded = self.upload_all(package, &info, &result.file_items, &mut progress) => uploaded,
            () = &mut stop => Err(ImportError::Cancelled),
        };
        match uploaded {
            Ok(()) => {
                self.lease_complete(&lease)
                    .await
                    .map_err(|error| aborted(&info, ImportError::Vim(error)))?;
                Ok(Imported {
                    vm: info.entity,
                    lease,
                    warnings: result.warnings,
                })
            }
            Err(cause) => {
                if let Err(error) = self.lease_abort(&lease, &cause.to_string()).await {
                    tracing::warn!(%lease, %error, "HttpNfcLeaseAbort failed");
                }
                Err(aborted(&info, cause))
            }
        }
    }

    /// Uploads every file item to its lease URL, reporting progress to the lease and the
    /// caller.
    async fn upload_all(
        &self,
        package: &OvfPackage,
        info: &LeaseInfo,
        items: &[OvfFileItem],
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), ImportError> {
        let mut uploads = Vec::new();
        for item in items {
            let device = info
                .device_urls
                .iter()
                .find(|device| device.import_key == item.device_id)
                .ok_or_else(|| ImportError::NoDeviceUrl {
                    lease: info.lease.clone(),
                    device_id: item.device_id.clone(),
                    path: item.path.clone(),
                })?;
            let url =
                nfc_url(&device.url, self.sdk_url()).map_err(|reason| ImportError::Package {
                    file: package.file().to_owned(),
                    reason: format!("lease URL for {}: {reason}", item.path),
                })?;
            let source = package.source(&item.path).await?;
            uploads.push((item, url, source));
        }
        let total: u64 = uploads.iter().map(|(_, _, source)| source.len()).sum();
        let sent = AtomicU64::new(0);
        progress(0, total);
        let transfers = async {
            let mut done = 0u64;
            for (item, url, source) in uploads {
                let len = source.len();
                let mut report = |bytes: u64| {
                    sent.store(done + bytes, Ordering::Relaxed);
                    progress(done + bytes, total);
                };
                self.upload_item(item, url, source, &mut report).await?;
                done += len;
            }
            Ok::<(), ImportError>(())
        };
        let keep_alive = async {
            let mut tick = tokio::time::interval(LEASE_PROGRESS_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is immediate: the lease was just read, no need to renew it yet.
            tick.tick().await;
            loop {
                tick.tick().await;
                let percent = percent(sent.load(Ordering::Relaxed), total);
                if let Err(error) = self.lease_progress(&info.lease, percent).await {
                    tracing::warn!(lease = %info.lease, %error, "HttpNfcLeaseProgress failed");
                }
            }
        };
        tokio::select! {
            outcome = transfers => outcome,
            never = keep_alive => never,
        }
    }

    /// One NFC upload: disks `POST` as stream-optimised VMDK, other files `PUT` with
    /// `Overwrite: t` (as govmomi and ovftool do), with the session cookie.
    async fn upload_item(
        &self,
        item: &OvfFileItem,
        url: Url,
        source: Source,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<(), ImportError> {
        let (method, content_type, overwrite) = if item.create {
            (Method::PUT, "application/octet-stream", true)
        } else {
            (Method::POST, STREAM_VMDK, false)
        };
        let mut request = self
            .http()
            .request(method.clone(), url)
            .timeout(datastore::TRANSFER_TIMEOUT)
            .headers(datastore::session_headers(self))
            .header(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if overwrite {
            request = request.header("Overwrite", "t");
        }
        let target = item.path.clone();
        let response =
            datastore::send_streaming(request, source, &method, &target, progress).await?;
        if response.status().is_success() {
            tracing::debug!(file = %target, "NFC upload done");
            return Ok(());
        }
        Err(
            datastore::status_error(response, &method, &target, || TransferError::NotFound {
                target: target.clone(),
            })
            .await
            .into(),
        )
    }
}

fn aborted(info: &LeaseInfo, cause: ImportError) -> ImportError {
    ImportError::Aborted {
        lease: info.lease.clone(),
        entity: info.entity.clone(),
        cause: Box::new(cause),
    }
}

/// `sent` of `total` as a whole percentage in 0..=100.
fn percent(sent: u64, total: u64) -> i32 {
    if total == 0 {
        return 0;
    }
    let value = (u128::from(sent.min(total)) * 100) / u128::from(total);
    i32::try_from(value).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `CreateImportSpecResponse` returnval as vcsim sends it (normalised).
    const RESULT: &str = r#"<returnval><importSpec xsi:type="VirtualMachineImportSpec"><configSpec><name>vm &amp; 1</name><version>vmx-13</version><guestId>otherGuest</guestId><files><vmPathName>[LocalDS_0]</vmPathName></files><numCPUs>1</numCPUs><memoryMB>64</memoryMB><deviceChange xsi:type="VirtualDeviceConfigSpec"><operation>add</operation><device xsi:type="VirtualLsiLogicController"><key>-1</key><busNumber>0</busNumber></device></deviceChange><deviceChange xsi:type="VirtualDeviceConfigSpec"><operation>add</operation><fileOperation>create</fileOperation><device xsi:type="VirtualDisk"><key>-2</key><backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[LocalDS_0] vm &amp; 1/disk-0.vmdk</fileName><datastore type="Datastore">/tmp/govcsim-DC0-LocalDS_0-1@folder-5</datastore><diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing><controllerKey>-1</controllerKey><unitNumber>0</unitNumber><capacityInKB>1024</capacityInKB></device></deviceChange><extraConfig xsi:type="OptionValue"><key>k</key><value xsi:type="XMLSchema:string">v</value></extraConfig></configSpec><resPoolEntity type="ResourcePool">resgroup-22</resPoolEntity></importSpec><fileItem><deviceId>/vm &amp; 1/disk:0</deviceId><path>disk.vmdk</path><size>2048</size><cimType>17</cimType><create>false</create></fileItem><warning><fault xsi:type="OvfUnsupportedType"><name>x</name></fault><localizedMessage>careful</localizedMessage></warning></returnval>"#;

    #[test]
    fn decodes_the_import_spec_result() {
        let result = ImportSpecResult::from_node(&Node::parse(RESULT).unwrap()).unwrap();
        let spec = result.import_spec.as_ref().unwrap();
        assert_eq!(spec.type_name(), Some("VirtualMachineImportSpec"));
        assert_eq!(
            result.file_items,
            [OvfFileItem {
                device_id: "/vm & 1/disk:0".into(),
                path: "disk.vmdk".into(),
                size: Some(2048),
                cim_type: 17,
                ..OvfFileItem::default()
            }]
        );
        assert!(result.errors.is_empty());
        assert_eq!(result.warnings.len(), 1);
        assert_eq!(result.warnings[0].type_name, "OvfUnsupportedType");
        assert_eq!(result.warnings[0].message, "careful");
    }

    #[test]
    fn the_import_spec_goes_back_unchanged_in_the_envelope() {
        let result = ImportSpecResult::from_node(&Node::parse(RESULT).unwrap()).unwrap();
        let spec = result.import_spec.unwrap();
        let request = ImportVApp {
            this: ManagedObjectReference::new("ResourcePool", "resgroup-22"),
            spec: spec.clone(),
            folder: Some(ManagedObjectReference::new("Folder", "group-v3")),
            host: None,
        };
        let envelope = crate::encode(&request).unwrap();
        // Parse the envelope as the server would and find `spec` inside `ImportVApp`.
        let root = Node::parse(&envelope).unwrap();
        let body = root.child("soapenv:Body").unwrap();
        let call = body.child("ImportVApp").unwrap();
        let names: Vec<&str> = call.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["_this", "spec", "folder"]);
        let sent = call.child("spec").unwrap();
        let original = Node::parse(RESULT).unwrap();
        let mut expected = original.child("importSpec").unwrap().clone();
        expected.name = "spec".into();
        // The only change: the foreign `XMLSchema:` prefix now is the envelope's `xsd:`.
        let mut expected_xml = expected.to_xml();
        expected_xml = expected_xml.replace("XMLSchema:string", "xsd:string");
        assert_eq!(sent.to_xml(), expected_xml);
        assert!(envelope.contains(r#"<spec xsi:type="VirtualMachineImportSpec">"#));
        assert!(envelope.contains(r#"<device xsi:type="VirtualDisk">"#));
        assert!(envelope.contains("<name>vm &amp; 1</name>"));
        assert_eq!(spec.to_xml().matches("<deviceChange").count(), 2);
    }

    #[test]
    fn lease_urls_get_the_sdk_host() {
        let sdk = Url::parse("https://127.0.0.1:18443/sdk").unwrap();
        assert_eq!(
            nfc_url("https://*/nfc/session%5Bab%5D42/disk-0.vmdk", &sdk)
                .unwrap()
                .as_str(),
            "https://127.0.0.1:18443/nfc/session%5Bab%5D42/disk-0.vmdk"
        );
        assert_eq!(
            nfc_url("https://*:443/nfc/x/disk.vmdk", &sdk)
                .unwrap()
                .as_str(),
            "https://127.0.0.1:18443/nfc/x/disk.vmdk"
        );
        let default_port = Url::parse("https://vc.example.com/sdk").unwrap();
        assert_eq!(
            nfc_url("https://*/nfc/x/a.iso", &default_port)
                .unwrap()
                .as_str(),
            "https://vc.example.com/nfc/x/a.iso"
        );
        // A real host (ESXi behind vCenter) is kept.
        assert_eq!(
            nfc_url("https://esx1.example.com/nfc/x/a.vmdk", &sdk)
                .unwrap()
                .as_str(),
            "https://esx1.example.com/nfc/x/a.vmdk"
        );
        assert!(nfc_url("not a url", &sdk).is_err());
    }

    #[test]
    fn percentages_and_safe_paths() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(50, 200), 25);
        assert_eq!(percent(300, 200), 100);
        assert_eq!(percent(u64::MAX, u64::MAX), 100);
        assert_eq!(
            safe_relative("./disk.vmdk"),
            Some(PathBuf::from("disk.vmdk"))
        );
        assert_eq!(
            safe_relative("sub/disk.vmdk"),
            Some(PathBuf::from("sub/disk.vmdk"))
        );
        assert_eq!(safe_relative("../disk.vmdk"), None);
        assert_eq!(safe_relative("/etc/passwd"), None);
        assert_eq!(safe_relative("http://example.com/disk.vmdk"), None);
    }

    #[tokio::test]
    async fn ova_members_are_located_by_offset_without_unpacking() {
        let dir = std::env::temp_dir().join(format!("photon-vim-ova-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ova = dir.join("pkg.OVA");
        let disk: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();
        let mut builder = tar::Builder::new(std::fs::File::create(&ova).unwrap());
        for (name, data) in [
            ("pkg.ovf", b"<Envelope/>".to_vec()),
            ("pkg.mf", b"SHA256(disk.vmdk)= 00".to_vec()),
            ("disk.vmdk", disk.clone()),
        ] {
            let mut header = tar::Header::new_ustar();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, data.as_slice())
                .unwrap();
        }
        builder.into_inner().unwrap();

        let package = OvfPackage::open(&ova).await.unwrap();
        assert_eq!(package.descriptor(), "<Envelope/>");
        let Source::File { path, offset, len } = package.source("./disk.vmdk").await.unwrap()
        else {
            panic!("not a file source");
        };
        assert_eq!(path, ova);
        let whole = std::fs::read(&ova).unwrap();
        let start = usize::try_from(offset).unwrap();
        let end = start + usize::try_from(len).unwrap();
        assert_eq!(&whole[start..end], disk.as_slice());
        assert!(matches!(
            package.source("other.vmdk").await,
            Err(ImportError::Package { .. })
        ));
        assert!(matches!(
            package.source("../disk.vmdk").await,
            Err(ImportError::Package { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
