//! `UserSession`: the session `Login` created.

use serde::Deserialize;

/// Information about a logged-in session, as returned by `Login`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct UserSession {
    /// The session key (also listed by `SessionManager.sessionList`).
    pub key: String,
    /// The user the session belongs to.
    pub user_name: String,
    /// The user's full name.
    pub full_name: String,
    /// When the session was created (RFC 3339, as sent).
    pub login_time: String,
    /// When the session was last used (RFC 3339, as sent).
    pub last_active_time: String,
    /// The session's locale.
    pub locale: String,
    /// The session's message locale.
    pub message_locale: String,
    /// The client address the server saw.
    pub ip_address: Option<String>,
    /// The User-Agent the server saw.
    pub user_agent: Option<String>,
}
