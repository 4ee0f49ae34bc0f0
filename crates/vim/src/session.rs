//! Connecting: API version negotiation, `RetrieveServiceContent`, `Login`; and ending the session
//! with `Logout`, explicitly or when the last [`Client`] clone is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{StatusCode, Url};

use crate::envelope::{self, Request};
use crate::error::Error;
use crate::methods::{CurrentTime, Login, Logout, RetrieveServiceContent, service_instance};
use crate::transport::{self, RetryPolicy, Transport};
use crate::types::{ManagedObjectReference, ServiceContent, UserSession};

/// The API version used when the server does not publish `vimServiceVersions.xml`.
pub const DEFAULT_API_VERSION: &str = "6.5";

/// How to reach and log in to a vCenter (or ESXi host).
#[derive(Clone)]
pub struct ConnectOptions {
    /// `https://vcenter.example.com/sdk`; a URL without a path gets `/sdk`.
    pub url: String,
    /// The user to log in as.
    pub username: String,
    /// The password (never logged; redacted in `Debug`).
    pub password: String,
    /// PEM bundle of the CA certificates to trust instead of the built-in roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate. Only for simulators and labs: it disables all TLS
    /// verification.
    pub insecure: bool,
    /// Timeout of each HTTP request (connect included).
    pub timeout: Duration,
    /// Retries of idempotent calls after connection-level errors.
    pub retry: RetryPolicy,
    /// The User-Agent header (vCenter lists it in the session).
    pub user_agent: String,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            url: String::new(),
            username: String::new(),
            password: String::new(),
            ca_pem: None,
            insecure: false,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: concat!("photon-vim/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("ca_pem", &self.ca_pem.as_ref().map(|pem| pem.len()))
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// A logged-in vim25 session. Cheap to clone; clones share the session, which is logged out by
/// [`Client::logout`] or, best-effort, when the last clone is dropped inside a tokio runtime.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    api_version: String,
    service_content: ServiceContent,
    user_session: UserSession,
    logged_out: AtomicBool,
}

impl Client {
    /// Negotiates the API version, retrieves the `ServiceContent` and logs in.
    pub async fn connect(options: ConnectOptions) -> Result<Client, Error> {
        let url = sdk_url(&options.url)?;
        let http = http_client(&options)?;
        let api_version = negotiate_version(&http, &url, &options.retry).await?;
        tracing::debug!(url = %url, %api_version, "vim25 API version negotiated");
        let transport = Transport::new(http, url, &api_version, options.retry);
        let service_content = transport
            .call(&RetrieveServiceContent {
                this: service_instance(),
            })
            .await?;
        let session_manager = session_manager(&service_content);
        let user_session = transport
            .call(&Login {
                this: session_manager,
                user_name: options.username.clone(),
                password: options.password.clone(),
                locale: None,
            })
            .await?;
        if transport.cookie().is_none() {
            tracing::warn!(
                "Login succeeded without a {} cookie",
                transport::SESSION_COOKIE
            );
        }
        tracing::debug!(user = %user_session.user_name, "logged in");
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                api_version,
                service_content,
                user_session,
                logged_out: AtomicBool::new(false),
            }),
        })
    }

    /// Calls a vim25 method with the session cookie. Idempotent requests are retried after
    /// connection-level errors; faults are never retried.
    pub async fn call<R: Request>(&self, request: &R) -> Result<R::Response, Error> {
        self.inner.transport.call(request).await
    }

    /// The HTTP client of the session (TLS settings, keep-alive pool), for side channels that
    /// are not SOAP: datastore `/folder` transfers and NFC uploads.
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.transport.http()
    }

    /// The `/sdk` URL the session talks to.
    pub(crate) fn sdk_url(&self) -> &Url {
        self.inner.transport.url()
    }

    /// The `Cookie` header value carrying the session (`vmware_soap_session=...`), which the
    /// datastore and NFC HTTP endpoints accept instead of a SOAP login.
    pub(crate) fn session_cookie(&self) -> Option<String> {
        self.inner.transport.cookie()
    }

    /// How many SOAP requests this session (all clones) has sent, retries included; the login
    /// calls count too. Benchmarks use it to report round trips.
    pub fn round_trips(&self) -> u64 {
        self.inner.transport.round_trips()
    }

    /// The negotiated API version (`SOAPAction: urn:vim25/<version>`), e.g. `6.5`.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The `ServiceContent` retrieved at connect time.
    pub fn service_content(&self) -> &ServiceContent {
        &self.inner.service_content
    }

    /// The session `Login` created.
    pub fn user_session(&self) -> &UserSession {
        &self.inner.user_session
    }

    /// Every session the server has open (`SessionManager.sessionList`, one retrieval; needs
    /// `Sessions.TerminateSession` on vCenter, any user on vcsim). Leak checks count them.
    pub async fn sessions(&self) -> Result<Vec<UserSession>, Error> {
        const PATH: &str = "sessionList";
        let manager = session_manager(&self.inner.service_content);
        let mut objects = self
            .retrieve_objects(std::slice::from_ref(&manager), "SessionManager", &[PATH])
            .await?;
        let Some(value) = objects.pop().and_then(|object| object.get(PATH).cloned()) else {
            return Ok(Vec::new());
        };
        let crate::Value::Other { xml, .. } = value else {
            return Err(Error::Decode {
                method: "RetrievePropertiesEx",
                reason: format!("sessionList is not an ArrayOfUserSession: {value:?}"),
            });
        };
        #[derive(serde::Deserialize)]
        struct ArrayOfUserSession {
            #[serde(rename = "UserSession", default)]
            sessions: Vec<UserSession>,
        }
        if xml.is_empty() {
            return Ok(Vec::new());
        }
        quick_xml::de::from_str::<ArrayOfUserSession>(&xml)
            .map(|array| array.sessions)
            .map_err(|error| Error::Decode {
                method: "RetrievePropertiesEx",
                reason: format!("sessionList: {error}"),
            })
    }

    /// The server clock (RFC 3339); a cheap call that checks the session is alive.
    pub async fn current_time(&self) -> Result<String, Error> {
        self.call(&CurrentTime {
            this: service_instance(),
        })
        .await
    }

    /// Ends the session. Later calls on this client (and its clones) fail with the server's
    /// `NotAuthenticated` fault; dropping it no longer logs out.
    pub async fn logout(&self) -> Result<(), Error> {
        self.inner.logged_out.store(true, Ordering::SeqCst);
        let this = session_manager(&self.inner.service_content);
        self.inner.transport.call(&Logout { this }).await
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.logged_out.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!("vim25 session not logged out: dropped outside a tokio runtime");
            return;
        };
        let transport = self.transport.clone();
        let this = session_manager(&self.service_content);
        runtime.spawn(async move {
            if let Err(error) = transport.call(&Logout { this }).await {
                tracing::debug!(%error, "logout on drop failed");
            }
        });
    }
}

/// The `SessionManager` moref (vCenter always has one; fall back to its well-known value).
fn session_manager(content: &ServiceContent) -> ManagedObjectReference {
    content
        .session_manager
        .clone()
        .unwrap_or_else(|| ManagedObjectReference::new("SessionManager", "SessionManager"))
}

/// Parses the endpoint URL, adding `/sdk` when it has no path.
pub(crate) fn sdk_url(raw: &str) -> Result<Url, Error> {
    let invalid = |reason: String| Error::ParseUrl {
        url: raw.to_owned(),
        reason,
    };
    let mut url = Url::parse(raw.trim()).map_err(|error| invalid(error.to_string()))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(invalid(format!("scheme {:?} is not http(s)", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials belong in the username and password options, not the URL".into(),
        ));
    }
    if url.path().is_empty() || url.path() == "/" {
        url.set_path("/sdk");
    }
    Ok(url)
}

pub(crate) fn http_client(options: &ConnectOptions) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(options.user_agent.clone())
        .pool_idle_timeout(Duration::from_secs(90));
    if let Some(pem) = &options.ca_pem {
        let certificates =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|error| Error::LoadCa {
                reason: error.to_string(),
            })?;
        if certificates.is_empty() {
            return Err(Error::LoadCa {
                reason: "no PEM certificate found".into(),
            });
        }
        builder = builder.tls_built_in_root_certs(false);
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if options.insecure {
        tracing::warn!(url = %options.url, "TLS certificate verification is disabled");
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(Error::BuildHttpClient)
}

/// `GET <sdk>/vimServiceVersions.xml` and the `urn:vim25` version it announces.
async fn negotiate_version(
    http: &reqwest::Client,
    sdk: &Url,
    retry: &RetryPolicy,
) -> Result<String, Error> {
    const STEP: &str = "vimServiceVersions.xml";
    let mut url = sdk.clone();
    url.set_path(&format!(
        "{}/vimServiceVersions.xml",
        sdk.path().trim_end_matches('/')
    ));
    let attempts = retry.attempts.max(1);
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        match http.get(url.clone()).send().await {
            Ok(response) => break response,
            Err(source) if transport::is_tls_error(&source) => {
                return Err(Error::Tls {
                    url: url.to_string(),
                    source,
                });
            }
            Err(source) if attempt >= attempts => {
                return Err(Error::Send {
                    method: STEP,
                    url: url.to_string(),
                    attempts: attempt,
                    source,
                });
            }
            Err(source) => {
                let delay = retry.delay(attempt);
                tracing::debug!(attempt, ?delay, error = %source, "retrying {STEP}");
                tokio::time::sleep(delay).await;
            }
        }
    };
    let status = response.status();
    let text = response.text().await.map_err(|source| Error::ReadBody {
        method: STEP,
        source,
    })?;
    if status == StatusCode::NOT_FOUND {
        tracing::warn!(%url, "no vimServiceVersions.xml; assuming API {DEFAULT_API_VERSION}");
        return Ok(DEFAULT_API_VERSION.to_owned());
    }
    if !status.is_success() {
        return Err(Error::HttpStatus {
            method: STEP,
            status: status.as_u16(),
            body: transport::excerpt(&text),
        });
    }
    envelope::vim25_version(&text).map_err(|reason| Error::Decode {
        method: STEP,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_url_defaults_the_path_and_rejects_bad_urls() {
        assert_eq!(
            sdk_url("https://vc.example.com").unwrap().as_str(),
            "https://vc.example.com/sdk"
        );
        assert_eq!(
            sdk_url("https://127.0.0.1:8989/sdk").unwrap().as_str(),
            "https://127.0.0.1:8989/sdk"
        );
        for bad in [
            "vc.example.com",
            "ftp://vc/sdk",
            "https://user:pw@vc/sdk",
            "",
        ] {
            assert!(matches!(sdk_url(bad), Err(Error::ParseUrl { .. })), "{bad}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let options = ConnectOptions {
            url: "https://vc/sdk".into(),
            username: "administrator@vsphere.local".into(),
            password: "hunter2-secret".into(),
            ..ConnectOptions::default()
        };
        let shown = format!("{options:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let login = Login {
            this: ManagedObjectReference::new("SessionManager", "SessionManager"),
            user_name: "u".into(),
            password: "hunter2-secret".into(),
            locale: None,
        };
        assert!(!format!("{login:?}").contains("hunter2-secret"));
    }

    #[test]
    fn a_ca_bundle_without_certificates_is_refused() {
        let options = ConnectOptions {
            url: "https://vc/sdk".into(),
            ca_pem: Some(b"not a certificate".to_vec()),
            ..ConnectOptions::default()
        };
        assert!(matches!(http_client(&options), Err(Error::LoadCa { .. })));
    }
}
