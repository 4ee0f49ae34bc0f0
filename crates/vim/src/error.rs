//! The crate's one error type.

use crate::fault::Fault;

/// Everything that can go wrong talking to a vSphere SOAP endpoint.
///
/// Variants are named after the step that failed. A server-side fault is [`Error::Fault`]; its
/// [`Fault::kind`](crate::Fault::kind) says which one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The endpoint URL could not be parsed or is not `http(s)`.
    #[error("invalid vSphere URL {url:?}: {reason}")]
    ParseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA bundle given in [`ConnectOptions::ca_pem`](crate::ConnectOptions::ca_pem) holds no
    /// usable PEM certificate.
    #[error("cannot load the CA certificates: {reason}")]
    LoadCa {
        /// What is wrong with the bundle.
        reason: String,
    },
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("cannot build the HTTP client")]
    BuildHttpClient(#[source] reqwest::Error),
    /// The request body could not be serialised.
    #[error("cannot encode the {method} request: {reason}")]
    Encode {
        /// The SOAP method.
        method: &'static str,
        /// The serialiser's message.
        reason: String,
    },
    /// The TLS handshake failed: the server certificate is not trusted by the configured CA (or
    /// the built-in roots), does not match the host, or the protocol negotiation failed.
    #[error("TLS handshake with {url} failed (server certificate not trusted?)")]
    Tls {
        /// The URL being contacted.
        url: String,
        /// The underlying error (its chain holds the rustls error).
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or no response arrived: connection refused or reset, the
    /// server closed the connection without answering, or a timeout.
    #[error("{method} to {url} failed after {attempts} attempt(s)")]
    Send {
        /// The SOAP method (or `vimServiceVersions.xml` for the version fetch).
        method: &'static str,
        /// The URL being contacted.
        url: String,
        /// How many times the request was tried (idempotent calls are retried).
        attempts: u32,
        /// The last transport error.
        #[source]
        source: reqwest::Error,
    },
    /// The response body could not be read to the end.
    #[error("reading the {method} response failed")]
    ReadBody {
        /// The SOAP method.
        method: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an HTTP error that carries no SOAP envelope (a proxy error page,
    /// `503` session limit, `404` wrong path, ...). The body is kept verbatim (truncated).
    #[error("{method}: HTTP {status} without a SOAP response: {body}")]
    HttpStatus {
        /// The SOAP method (or `vimServiceVersions.xml` for the version fetch).
        method: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The server answered with an empty body.
    #[error("{method}: empty response body (HTTP {status})")]
    EmptyBody {
        /// The SOAP method.
        method: &'static str,
        /// The HTTP status code.
        status: u16,
    },
    /// The response is not well-formed XML, or ends before the envelope is closed.
    #[error("{method}: malformed XML response: {reason}")]
    MalformedXml {
        /// The SOAP method.
        method: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// The response is well-formed XML but not the expected shape (no SOAP body, wrong response
    /// element, a `returnval` that does not decode into the expected type).
    #[error("{method}: unexpected response: {reason}")]
    Decode {
        /// The SOAP method.
        method: &'static str,
        /// What did not match.
        reason: String,
    },
    /// The server answered with a SOAP fault (boxed: faults carry their detail XML).
    #[error(transparent)]
    Fault(Box<Fault>),
}

impl From<Fault> for Error {
    fn from(fault: Fault) -> Self {
        Error::Fault(Box::new(fault))
    }
}

impl Error {
    /// The fault, if the server answered with one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Error::Fault(fault) => Some(fault),
            _ => None,
        }
    }
}
