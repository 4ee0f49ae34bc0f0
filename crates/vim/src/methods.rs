//! The vim25 methods this layer calls itself: `RetrieveServiceContent`, `Login`, `Logout` and
//! `CurrentTime`. Later parts add their own [`Request`] types the same way.

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::types::{ManagedObjectReference, ServiceContent, UserSession};

/// `RetrieveServiceContent` on `ServiceInstance`: the managers and the server's identity.
/// Allowed without a session.
#[derive(Clone, Debug, Serialize)]
pub struct RetrieveServiceContent {
    /// The `ServiceInstance`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for RetrieveServiceContent {
    const METHOD: &'static str = "RetrieveServiceContent";
    const IDEMPOTENT: bool = true;
    type Response = ServiceContent;
    fn decode(returnvals: Returnvals) -> Result<ServiceContent, String> {
        returnvals.one()
    }
}

/// `Login` on the `SessionManager`. The password is serialised into the request only; its
/// `Debug` output is redacted.
#[derive(Clone, Serialize)]
pub struct Login {
    /// The `SessionManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The user name.
    #[serde(rename = "userName")]
    pub user_name: String,
    /// The password.
    pub password: String,
    /// The session locale (server default when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("this", &self.this)
            .field("user_name", &self.user_name)
            .field("password", &"<redacted>")
            .field("locale", &self.locale)
            .finish()
    }
}

impl Request for Login {
    const METHOD: &'static str = "Login";
    // A repeated Login creates a second session: never retried.
    const IDEMPOTENT: bool = false;
    type Response = UserSession;
    fn decode(returnvals: Returnvals) -> Result<UserSession, String> {
        returnvals.one()
    }
}

/// `Logout` on the `SessionManager`: ends the session.
#[derive(Clone, Debug, Serialize)]
pub struct Logout {
    /// The `SessionManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for Logout {
    const METHOD: &'static str = "Logout";
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `CurrentTime` on `ServiceInstance`: the server clock; the cheapest authenticated call (used
/// as a keep-alive and session check).
#[derive(Clone, Debug, Serialize)]
pub struct CurrentTime {
    /// The `ServiceInstance`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for CurrentTime {
    const METHOD: &'static str = "CurrentTime";
    const IDEMPOTENT: bool = true;
    /// The server time as sent (RFC 3339).
    type Response = String;
    fn decode(returnvals: Returnvals) -> Result<String, String> {
        returnvals.one()
    }
}

/// The `ServiceInstance` moref, the root every session starts from.
pub fn service_instance() -> ManagedObjectReference {
    ManagedObjectReference::new("ServiceInstance", "ServiceInstance")
}
