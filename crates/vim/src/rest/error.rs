//! The REST client's error type: server-side vAPI errors with a typed kind, kept apart from
//! transport, TLS and decoding failures.

use std::fmt;
use std::path::PathBuf;

/// The vAPI standard error a server reported (`com.vmware.vapi.std.errors.<kind>`), so callers
/// can branch on "not found" or "already exists" without parsing messages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VapiErrorKind {
    /// `not_found` (or HTTP 404 without a typed body, which is how vcsim answers unknown ids).
    NotFound,
    /// `already_exists`: a category, tag, library or item of that name exists.
    AlreadyExists,
    /// `unauthenticated` (or HTTP 401): no session, an expired or logged-out session, or bad
    /// credentials at login.
    Unauthenticated,
    /// `unauthorized` (or HTTP 403): the session lacks the privilege.
    Unauthorized,
    /// `invalid_argument` (or an untyped HTTP 400): the request was malformed or refused.
    InvalidArgument,
    /// `invalid_element_type`: e.g. creating an item in a subscribed library.
    InvalidElementType,
    /// `not_allowed_in_current_state`.
    NotAllowedInCurrentState,
    /// `resource_busy`.
    ResourceBusy,
    /// `resource_inaccessible`.
    ResourceInaccessible,
    /// `service_unavailable` (or HTTP 503).
    ServiceUnavailable,
    /// `unsupported`.
    Unsupported,
    /// `concurrent_change`.
    ConcurrentChange,
    /// `error`: the generic server error (also any untyped 5xx).
    Error,
    /// Any other error type, by its full name (or `HTTP <status>` when the body had none).
    Other(String),
}

const STD_ERRORS: &str = "com.vmware.vapi.std.errors.";

impl VapiErrorKind {
    /// The kind named by a vAPI error type (`com.vmware.vapi.std.errors.not_found`, or the
    /// `/api` flavour's `NOT_FOUND`).
    pub fn from_type(name: &str) -> VapiErrorKind {
        let short = name.strip_prefix(STD_ERRORS).unwrap_or(name);
        match short.to_ascii_lowercase().as_str() {
            "not_found" => VapiErrorKind::NotFound,
            "already_exists" => VapiErrorKind::AlreadyExists,
            "unauthenticated" => VapiErrorKind::Unauthenticated,
            "unauthorized" => VapiErrorKind::Unauthorized,
            "invalid_argument" => VapiErrorKind::InvalidArgument,
            "invalid_element_type" => VapiErrorKind::InvalidElementType,
            "not_allowed_in_current_state" => VapiErrorKind::NotAllowedInCurrentState,
            "resource_busy" => VapiErrorKind::ResourceBusy,
            "resource_inaccessible" => VapiErrorKind::ResourceInaccessible,
            "service_unavailable" => VapiErrorKind::ServiceUnavailable,
            "unsupported" => VapiErrorKind::Unsupported,
            "concurrent_change" => VapiErrorKind::ConcurrentChange,
            "error" => VapiErrorKind::Error,
            _ => VapiErrorKind::Other(name.to_owned()),
        }
    }

    /// The kind implied by an HTTP status when the body names no error type.
    pub fn from_status(status: u16) -> VapiErrorKind {
        match status {
            400 => VapiErrorKind::InvalidArgument,
            401 => VapiErrorKind::Unauthenticated,
            403 => VapiErrorKind::Unauthorized,
            404 => VapiErrorKind::NotFound,
            503 => VapiErrorKind::ServiceUnavailable,
            500..=599 => VapiErrorKind::Error,
            other => VapiErrorKind::Other(format!("HTTP {other}")),
        }
    }
}

impl fmt::Display for VapiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            VapiErrorKind::NotFound => "not_found",
            VapiErrorKind::AlreadyExists => "already_exists",
            VapiErrorKind::Unauthenticated => "unauthenticated",
            VapiErrorKind::Unauthorized => "unauthorized",
            VapiErrorKind::InvalidArgument => "invalid_argument",
            VapiErrorKind::InvalidElementType => "invalid_element_type",
            VapiErrorKind::NotAllowedInCurrentState => "not_allowed_in_current_state",
            VapiErrorKind::ResourceBusy => "resource_busy",
            VapiErrorKind::ResourceInaccessible => "resource_inaccessible",
            VapiErrorKind::ServiceUnavailable => "service_unavailable",
            VapiErrorKind::Unsupported => "unsupported",
            VapiErrorKind::ConcurrentChange => "concurrent_change",
            VapiErrorKind::Error => "error",
            VapiErrorKind::Other(name) => return f.write_str(name),
        };
        write!(f, "{STD_ERRORS}{name}")
    }
}

/// One failure of a batch tag call (`attach-multiple-tags-to-object`, ...), as the server
/// reported it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct BatchError {
    /// The message id, e.g. `cis.tagging.objectNotFound.error`.
    #[serde(default, rename = "id")]
    pub id: String,
    /// The English message.
    #[serde(default)]
    pub default_message: String,
}

/// Everything that can go wrong talking to the vAPI REST endpoint. Messages never contain the
/// session id or the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// The connection options are unusable: bad URL, unreadable CA bundle, HTTP client setup.
    #[error("invalid REST connection options")]
    Options(#[source] crate::Error),
    /// The TLS handshake failed (server certificate not trusted by the configured CA or the
    /// built-in roots, wrong host name, protocol mismatch).
    #[error("TLS handshake with {url} failed (server certificate not trusted?)")]
    Tls {
        /// The URL being contacted.
        url: String,
        /// The underlying error (its chain holds the rustls error).
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or no response arrived (connection refused or reset,
    /// timeout).
    #[error("{method} {url} failed")]
    Send {
        /// The HTTP method.
        method: String,
        /// The URL being contacted.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The response body could not be read to the end.
    #[error("reading the response of {method} {url} failed")]
    ReadBody {
        /// The HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The server refused the request with a vAPI error (or a bare HTTP error status).
    #[error("{method} {path}: HTTP {status} {kind}{}", display_messages(.messages))]
    Api {
        /// The HTTP method.
        method: String,
        /// The URL path (with the `id:` and `~action` parts; no credentials).
        path: String,
        /// The HTTP status code.
        status: u16,
        /// The error type, from the body or implied by the status.
        kind: VapiErrorKind,
        /// The server's messages (default English text), possibly empty.
        messages: Vec<String>,
    },
    /// A successful response did not have the expected JSON shape.
    #[error("{method} {path}: unexpected response: {reason}")]
    Decode {
        /// The HTTP method.
        method: String,
        /// The URL path.
        path: String,
        /// What did not match.
        reason: String,
    },
    /// The request body could not be encoded as JSON.
    #[error("cannot encode the request to {path}: {reason}")]
    Encode {
        /// The URL path.
        path: String,
        /// The serialiser's message.
        reason: String,
    },
    /// A local file to upload could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A batch tag call reported per-tag failures (the others may have been applied).
    #[error("{action} failed for {} tag(s): {}", errors.len(), display_batch(errors))]
    Batch {
        /// The `~action`.
        action: &'static str,
        /// The per-tag failures.
        errors: Vec<BatchError>,
    },
    /// A server-side operation answered HTTP 200 but reported that it did not succeed (OVF
    /// deployment).
    #[error("{operation} failed: {}", display_messages(.messages))]
    Operation {
        /// What was attempted.
        operation: &'static str,
        /// The server's messages.
        messages: Vec<String>,
    },
}

fn display_messages(messages: &[String]) -> String {
    if messages.is_empty() {
        String::new()
    } else {
        format!(": {}", messages.join("; "))
    }
}

fn display_batch(errors: &[BatchError]) -> String {
    errors
        .iter()
        .map(|error| format!("{} ({})", error.default_message, error.id))
        .collect::<Vec<_>>()
        .join("; ")
}

impl RestError {
    /// The vAPI error kind, if the server refused the request.
    pub fn kind(&self) -> Option<&VapiErrorKind> {
        match self {
            RestError::Api { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered with an error status.
    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the server said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(&VapiErrorKind::NotFound)
    }

    /// Whether the session is missing, expired or logged out (or the login was refused).
    pub fn is_unauthenticated(&self) -> bool {
        self.kind() == Some(&VapiErrorKind::Unauthenticated)
    }
}

/// The body of a `/rest` error (`{"type": ..., "value": {"messages": [...]}}`) or of an `/api`
/// error (`{"error_type": ..., "messages": [...]}`). Messages are either plain strings (vcsim)
/// or localizable messages with a `default_message`.
#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    value: Option<ErrorValue>,
    #[serde(default)]
    messages: Option<Vec<serde_json::Value>>,
}

#[derive(serde::Deserialize, Default)]
struct ErrorValue {
    #[serde(default)]
    messages: Option<Vec<serde_json::Value>>,
}

fn message_text(message: &serde_json::Value) -> Option<String> {
    match message {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Object(fields) => fields
            .get("default_message")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

/// The kind and messages of an error response: from the JSON body when there is one, from
/// the status otherwise (a plain-text body becomes the one message).
pub(crate) fn classify(status: u16, body: &[u8]) -> (VapiErrorKind, Vec<String>) {
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        let name = parsed.kind.or(parsed.error_type);
        let messages = parsed
            .value
            .and_then(|value| value.messages)
            .or(parsed.messages)
            .unwrap_or_default()
            .iter()
            .filter_map(message_text)
            .collect();
        if let Some(name) = name {
            return (VapiErrorKind::from_type(&name), messages);
        }
        return (VapiErrorKind::from_status(status), messages);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let messages = if text.is_empty() {
        Vec::new()
    } else {
        vec![crate::transport::excerpt(text)]
    };
    (VapiErrorKind::from_status(status), messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_typed_untyped_and_plain_errors() {
        let (kind, messages) = classify(
            400,
            br#"{"type":"com.vmware.vapi.std.errors.already_exists","value":{"messages":[{"default_message":"exists","id":"x"}]}}"#,
        );
        assert_eq!(kind, VapiErrorKind::AlreadyExists);
        assert_eq!(messages, vec!["exists".to_owned()]);
        let (kind, messages) = classify(404, b"404 page not found\n");
        assert_eq!(kind, VapiErrorKind::NotFound);
        assert_eq!(messages, vec!["404 page not found".to_owned()]);
        let (kind, messages) = classify(401, b"");
        assert_eq!(kind, VapiErrorKind::Unauthenticated);
        assert!(messages.is_empty());
        let (kind, _) = classify(400, br#"{"error_type":"NOT_FOUND","messages":[]}"#);
        assert_eq!(kind, VapiErrorKind::NotFound);
        let (kind, _) = classify(400, br#"{"type":"com.example.odd"}"#);
        assert_eq!(kind, VapiErrorKind::Other("com.example.odd".into()));
        assert_eq!(
            VapiErrorKind::NotFound.to_string(),
            "com.vmware.vapi.std.errors.not_found"
        );
    }
}
