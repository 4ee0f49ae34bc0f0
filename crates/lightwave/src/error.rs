//! Errors of the Lightwave client, each rendering as one line a Terraform user can act on.

use std::fmt;

use serde::Deserialize;

/// Everything that can go wrong talking to Lightwave.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server could not be reached, the TLS handshake failed, or the request timed out.
    #[error("{}", http_message(method, url, source))]
    Http {
        /// The HTTP method.
        method: String,
        /// The URL contacted (never carries credentials).
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// An IDM/VMDIR error answer `{error, details, cause}`.
    #[error("{}", api_message(method, path, *status, kind, details, cause.as_deref()))]
    Api {
        /// The HTTP method.
        method: String,
        /// The URL path (e.g. `/idm/tenant/acme`).
        path: String,
        /// The HTTP status.
        status: u16,
        /// The `error` code of the body.
        kind: ApiErrorKind,
        /// The server's explanation.
        details: String,
        /// The underlying cause the server reported, if any.
        cause: Option<String>,
    },
    /// The token endpoint refused a grant: `{error, error_description}` (e.g. `invalid_grant` for a
    /// wrong password).
    #[error(
        "Lightwave refused the login of {username} to tenant {tenant}: {error}{}",
        if description.is_empty() { String::new() } else { format!(": {description}") }
    )]
    Auth {
        /// The tenant logged in to.
        tenant: String,
        /// The UPN used.
        username: String,
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: String,
        /// The server's explanation.
        description: String,
    },
    /// A success body that did not decode, or an error body that was not Lightwave's JSON.
    #[error("cannot decode Lightwave's answer to {method} {path}: {reason}")]
    Decode {
        /// The HTTP method.
        method: String,
        /// The URL path.
        path: String,
        /// What was wrong, with the (truncated) body text.
        reason: String,
    },
    /// Unusable options or arguments (bad endpoint URL, unreadable CA file, empty name …); the
    /// message names the setting and what was expected.
    #[error("{0}")]
    Config(String),
}

impl Error {
    /// Whether the server said the object does not exist (HTTP 404 with Lightwave's JSON error),
    /// so a Terraform read can drop the resource from state.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Api { status: 404, .. }
                | Error::Api {
                    kind: ApiErrorKind::NotFound,
                    ..
                }
        )
    }

    /// The HTTP status of an answer the server gave, if the error came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Auth { status, .. } => Some(*status),
            Error::Http { source, .. } => source.status().map(|status| status.as_u16()),
            Error::Decode { .. } | Error::Config(_) => None,
        }
    }
}

/// The `error` code of an IDM/VMDIR error body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// `bad_request` (400).
    BadRequest,
    /// `unauthorized` (401).
    Unauthorized,
    /// `forbidden` (403): the logged-in principal lacks the role.
    Forbidden,
    /// `not_found` (404).
    NotFound,
    /// `internal_server_error` (500).
    InternalServerError,
    /// `not_implemented` (501).
    NotImplemented,
    /// `invalid_request`: the token was missing or malformed.
    InvalidRequest,
    /// `invalid_token`: the token was expired or not accepted.
    InvalidToken,
    /// `insufficient_scope`: the token lacks a scope/role the call needs.
    InsufficientScope,
    /// Any other code, kept verbatim.
    Other(String),
}

impl ApiErrorKind {
    /// Maps a wire code to a kind (case-insensitive; unknown codes are kept in `Other`).
    pub fn from_code(code: &str) -> Self {
        match code.to_ascii_lowercase().as_str() {
            "bad_request" => Self::BadRequest,
            "unauthorized" => Self::Unauthorized,
            "forbidden" => Self::Forbidden,
            "not_found" => Self::NotFound,
            "internal_server_error" => Self::InternalServerError,
            "not_implemented" => Self::NotImplemented,
            "invalid_request" => Self::InvalidRequest,
            "invalid_token" => Self::InvalidToken,
            "insufficient_scope" => Self::InsufficientScope,
            _ => Self::Other(code.to_owned()),
        }
    }

    /// The wire code.
    pub fn as_code(&self) -> &str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InternalServerError => "internal_server_error",
            Self::NotImplemented => "not_implemented",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_code())
    }
}

fn http_message(method: &str, url: &str, source: &reqwest::Error) -> String {
    // reqwest's own message only repeats the URL; the causes say what happened.
    let chain = match std::error::Error::source(source) {
        Some(cause) => error_chain(cause),
        None => source.to_string(),
    };
    if is_tls_failure(source) {
        format!(
            "TLS handshake with {url} failed ({chain}): the server certificate is not trusted; \
             set ca_file to the PEM of the CA that signed it (allow_unverified_ssl only for simulators)"
        )
    } else if source.is_timeout() {
        format!("{method} {url} timed out ({chain}); raise the timeout or check the server")
    } else if source.is_connect() {
        format!(
            "cannot connect to Lightwave at {url} ({chain}); check the endpoint and that the server runs"
        )
    } else {
        format!("{method} {url} failed: {chain}")
    }
}

fn api_message(
    method: &str,
    path: &str,
    status: u16,
    kind: &ApiErrorKind,
    details: &str,
    cause: Option<&str>,
) -> String {
    let mut message = format!("Lightwave answered {status} {kind} to {method} {path}");
    if !details.is_empty() {
        message.push_str(": ");
        message.push_str(details);
    }
    if let Some(cause) = cause.filter(|cause| !cause.is_empty()) {
        message.push_str(" (cause: ");
        message.push_str(cause);
        message.push(')');
    }
    if status == 403 {
        // The most common surprise: roles come from the groups of the login tenant, so
        // tenant-scoped work needs a login to that tenant.
        message.push_str(
            "; the logged-in principal lacks the role this call needs (roles come from its groups: \
             creating or deleting tenants needs the system tenant's TenantOperators, work inside a \
             tenant needs a login to that tenant as one of its Administrators)",
        );
    }
    message
}

/// The messages of an error and its sources, joined by ": ".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

/// Whether a transport error is a TLS failure. rustls is not a direct dependency, so this looks at
/// the messages of the chain (rustls says "invalid peer certificate", "certificate", "handshake").
pub(crate) fn is_tls_failure(error: &reqwest::Error) -> bool {
    let chain = error_chain(error).to_ascii_lowercase();
    ["certificate", "handshake", "tls", "unknownissuer"]
        .iter()
        .any(|needle| chain.contains(needle))
}

/// The IDM/VMDIR error body, leniently: some filters answer in the OAuth shape.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiErrorBody {
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) details: Option<String>,
    #[serde(default)]
    pub(crate) error_description: Option<String>,
    #[serde(default)]
    pub(crate) cause: Option<String>,
}

/// The OAuth error body of the token endpoint.
#[derive(Debug, Deserialize)]
pub(crate) struct OAuthErrorBody {
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) error_description: Option<String>,
}

/// Body text for an error message: at most 300 characters, on one line.
pub(crate) fn truncated_text(body: &[u8]) -> String {
    const LIMIT: usize = 300;
    let text = String::from_utf8_lossy(body);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.is_empty() {
        return "(empty body)".to_owned();
    }
    if trimmed.chars().count() > LIMIT {
        let head: String = trimmed.chars().take(LIMIT).collect();
        format!("{head}…")
    } else {
        trimmed.to_owned()
    }
}
