//! A vSphere SOAP (vim25) client, govmomi-compatible on the wire.
//!
//! This is the transport and session layer every other part builds on:
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
//! Later parts add, on top of [`Client::call`]: the property collector (batch
//! `RetrievePropertiesEx` with continuation, container views, `WaitForUpdatesEx`) and the
//! polymorphic `xsi:type` value model, the inventory finder, typed operations and task waiting,
//! OVF/NFC transfers, and the vAPI REST client.
//!
//! This crate knows nothing of Terraform or Packer.

mod envelope;
mod error;
mod fault;
pub mod methods;
mod session;
mod transport;
pub mod types;

pub use envelope::{Request, Returnvals, SOAP_ENV_NS, VIM25_NS, XSD_NS, XSI_NS, encode};
pub use error::Error;
pub use fault::{Fault, FaultKind};
pub use session::{Client, ConnectOptions, DEFAULT_API_VERSION};
pub use transport::RetryPolicy;
pub use types::{AboutInfo, ManagedObjectReference, ServiceContent, UserSession};
