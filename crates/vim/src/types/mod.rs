//! The few vim25 data objects the transport and session layer use.
//!
//! Field names follow the WSDL (camelCase on the wire). Decoding is tolerant: optional fields
//! stay `None` when a server leaves them out, and unknown elements are ignored, so a newer API
//! version does not break an older client.

mod about;
mod mor;
mod service_content;
mod user_session;

pub use about::AboutInfo;
pub use mor::ManagedObjectReference;
pub use service_content::ServiceContent;
pub use user_session::UserSession;
