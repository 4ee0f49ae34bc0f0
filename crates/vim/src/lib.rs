//! A vSphere SOAP (vim25) client, govmomi-compatible on the wire.
//!
//! The transport and session layer every other part builds on:
//!
//! - [`Client::connect`] negotiates the API version from `/sdk/vimServiceVersions.xml` (it goes
//!   into `SOAPAction: urn:vim25/<version>`), retrieves the [`ServiceContent`], logs in and keeps
//!   the `vmware_soap_session` cookie. TLS verification is on; trust a private CA with
//!   [`ConnectOptions::ca_pem`], or (simulators only) switch it off with
//!   [`ConnectOptions::insecure`].
//! - [`Client::call`] sends any [`Request`]: a serde struct serialised by quick-xml inside the
//!   SOAP envelope (everything escaped, morefs are opaque strings), answered by decoding the
//!   `<returnval>`s of `<MethodResponse>` whatever namespace prefixes the server uses.
//!   Idempotent requests are retried after connection-level errors with a short bounded
//!   backoff ([`RetryPolicy`]); others never are.
//! - Faults become [`Error::Fault`] with a typed [`FaultKind`] taken from the detail's
//!   `xsi:type` (matched by namespace URI, under any prefix). An HTTP error without a SOAP body,
//!   an empty body, malformed or truncated XML and TLS failures are distinct [`Error`] variants.
//! - [`Client::logout`] ends the session; dropping the last clone of a [`Client`] inside a tokio
//!   runtime logs out in the background (best-effort).
//!
//! On top of [`Client::call`], the [`property`] module reads in batches (a handful of calls per
//! inventory, not a few per object):
//!
//! - [`Client::retrieve`] reads chosen properties of every object of a type under a container
//!   with one `CreateContainerView`, one `RetrievePropertiesEx` (plus continuations) and one
//!   `DestroyView`; [`Client::retrieve_objects`] does the same for known morefs without a view.
//! - [`Client::retrieve_properties`] follows `RetrieveResult.token` with
//!   `ContinueRetrievePropertiesEx` until the last page; [`Client::retrieve_pages`] reads page by
//!   page and releases the rest with `CancelRetrievePropertiesEx` when stopped early.
//! - Values are a [`Value`] chosen by the `xsi:type` (under any prefix): strings, integers,
//!   booleans, morefs, arrays of morefs and strings, power states; anything else is kept as XML
//!   ([`Value::Other`]) rather than failing. Properties the server could not read are
//!   [`MissingProperty`] entries with a classified [`Fault`] (vcsim reports unknown paths and a
//!   lost session this way, with HTTP 200).
//!
//! Inventory and operations:
//!
//! - [`task`]: [`Client::wait_for_tasks`] resolves many tasks through one dedicated property
//!   collector and one filter (`WaitForUpdatesEx` with versions), returning each task's result
//!   [`Value`] or its classified [`Fault`]; [`TaskInfo`] for the full state.
//! - [`finder`]: `SearchIndex` lookups (`FindByInventoryPath`, `FindByUuid`), a
//!   [`finder::Finder`] resolving govc-style paths (absolute, relative to the datacenter's folder,
//!   bare names, `*` globs, defaults when there is exactly one) with typed not-found / several-match
//!   errors, and [`Client::inventory_paths`] for morefs → paths in one call.
//! - [`vm`]: power on/off, guest shutdown, rename, destroy, template marking and `CreateFolder`,
//!   each returning once its task finished.
//!
//! - [`spec`] and [`provision`]: `VirtualMachineConfigSpec` with typed devices (controllers,
//!   disks, NICs, CD-ROMs; unknown device types kept), unit-number allocation
//!   ([`spec::VirtualDeviceList`]), `CreateVM_Task`, `ReconfigVM_Task` (edits start from the
//!   device as read from the server), `CloneVM_Task` and `RelocateVM_Task`.
//! - [`snapshot`]: create, tree, find by name or path, revert, remove, remove all.
//! - [`inventory`]: `MoveIntoFolder_Task`, parents and folder children in one retrieval.
//! - [`custom_fields`]: the `CustomFieldsManager` definitions and values of many entities in
//!   one retrieval.
//! - [`datastore`]: `[ds] path` parsing, `/folder` HTTP upload and download streamed with
//!   progress, `MakeDirectory` and `DeleteDatastoreFile_Task`.
//! - [`ovf`]: OVF/OVA import (`CreateImportSpec`, `ImportVApp`, NFC lease upload with progress,
//!   complete or abort).
//! - [`rest`]: the vAPI `/rest` client: session, tag categories, tags and batch attachments,
//!   content libraries with update-session uploads and OVF deploys.
//!
//! This crate knows nothing of Terraform or Packer.

pub mod custom_fields;
pub mod datastore;
mod envelope;
mod error;
mod fault;
pub mod finder;
#[doc(hidden)]
pub mod fuzzing;
pub mod inventory;
pub mod methods;
pub mod ovf;
pub mod property;
pub mod provision;
pub mod rest;
mod session;
pub mod snapshot;
pub mod spec;
pub mod task;
mod transport;
pub mod types;
pub mod vm;

pub use envelope::{Request, Returnvals, SOAP_ENV_NS, VIM25_NS, XSD_NS, XSI_NS, encode};
pub use error::Error;
pub use fault::{Fault, FaultKind};
pub use property::{
    DynamicProperty, MissingProperty, ObjectContent, ObjectSpec, PropertyFilterSpec, PropertySpec,
    RetrieveOptions, RetrievePages, RetrieveResult, SelectionSpec, TraversalSpec, Value,
};
pub use session::{Client, ConnectOptions, DEFAULT_API_VERSION};
pub use task::{TaskInfo, TaskState};
pub use transport::RetryPolicy;
pub use types::{AboutInfo, ManagedObjectReference, ServiceContent, UserSession};
