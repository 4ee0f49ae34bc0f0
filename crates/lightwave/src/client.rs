//! The connection: options, the HTTP client (rustls, optional extra CA, explicit insecure
//! switch), token grants with proactive refresh, and the request plumbing every API call uses.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::{ApiErrorBody, Error, OAuthErrorBody, truncated_text};
use crate::token::{ADMIN_SCOPE, Token, TokenResponse};

/// How to reach Lightwave and whom to log in as.
#[derive(Clone)]
pub struct ConnectOptions {
    /// `https://host[:port]`, without a path: the IDM, VMDIR and OIDC base paths are added.
    pub endpoint: String,
    /// The tenant to log in to (e.g. the system tenant `lightwave.local`); roles come from the
    /// groups of this tenant.
    pub tenant: String,
    /// A UPN `name@domain`, or a bare `name` meaning `name@<tenant>`.
    pub username: String,
    /// The password (never logged; redacted in `Debug`).
    pub password: String,
    /// A PEM file of extra CA certificates to trust (e.g. a simulator's CA). TLS is always
    /// verified unless `allow_unverified_ssl` is set.
    pub ca_file: Option<PathBuf>,
    /// Accept any server certificate. Only for simulators: it disables TLS verification.
    pub allow_unverified_ssl: bool,
    /// Timeout of each HTTP request (connect included).
    pub timeout: Duration,
}

impl ConnectOptions {
    /// Options with TLS verified against the built-in roots and a 60 s timeout.
    pub fn new(
        endpoint: impl Into<String>,
        tenant: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            tenant: tenant.into(),
            username: username.into(),
            password: password.into(),
            ca_file: None,
            allow_unverified_ssl: false,
            timeout: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("endpoint", &self.endpoint)
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("ca_file", &self.ca_file)
            .field("allow_unverified_ssl", &self.allow_unverified_ssl)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A logged-in Lightwave connection. Cheap to clone: clones share the HTTP client and the token,
/// which is refreshed before it expires (once, however many calls run concurrently).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    endpoint: String,
    tenant: String,
    username: String,
    password: String,
    token: Mutex<Token>,
    password_grants: AtomicU64,
    refresh_grants: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("tenant", &self.inner.tenant)
            .field("username", &self.inner.username)
            .finish_non_exhaustive()
    }
}

/// One REST call, kept whole so it can be replayed after a token refresh.
pub(crate) struct Call<'a> {
    method: Method,
    segments: &'a [&'a str],
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    authenticated: bool,
}

impl<'a> Call<'a> {
    /// A call with the bearer token, to the path made of `segments` (each percent-encoded).
    pub(crate) fn new(method: Method, segments: &'a [&'a str]) -> Self {
        Self {
            method,
            segments,
            query: Vec::new(),
            body: None,
            authenticated: true,
        }
    }

    /// Adds a query parameter (repeatable).
    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|error| Error::Decode {
            method: self.method.to_string(),
            path: self.segments.join("/"),
            reason: format!("cannot encode the request body: {error}"),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sends no token: for the endpoints Lightwave serves to anyone.
    pub(crate) fn anonymous(mut self) -> Self {
        self.authenticated = false;
        self
    }
}

/// Rejects an empty name before it turns into a confusing `//` path.
pub(crate) fn require(value: &str, what: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        Err(Error::Config(format!("{what} must not be empty")))
    } else {
        Ok(())
    }
}

impl Client {
    /// Logs in with the OIDC password grant (scope
    /// `openid offline_access id_groups at_groups rs_admin_server`), so bad credentials or an
    /// unreachable server fail here rather than on the first call.
    pub async fn connect(options: ConnectOptions) -> Result<Client, Error> {
        let base = parse_endpoint(&options.endpoint)?;
        require(&options.tenant, "the login tenant")?;
        require(&options.username, "the username")?;
        if options.password.is_empty() {
            return Err(Error::Config("the password must not be empty".into()));
        }
        let username = qualified_username(&options.username, &options.tenant);
        let http = http_client(&options).await?;
        let token =
            password_grant(&http, &base, &options.tenant, &username, &options.password).await?;
        let endpoint = base.as_str().trim_end_matches('/').to_owned();
        tracing::debug!(%endpoint, tenant = %options.tenant, %username, "logged in to Lightwave");
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                endpoint,
                tenant: options.tenant,
                username,
                password: options.password,
                token: Mutex::new(token),
                password_grants: AtomicU64::new(1),
                refresh_grants: AtomicU64::new(0),
            }),
        })
    }

    /// The endpoint, `https://host[:port]`.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The tenant logged in to.
    pub fn login_tenant(&self) -> &str {
        &self.inner.tenant
    }

    /// The UPN actually used to log in (a bare name gets `@<tenant>`).
    pub fn username(&self) -> &str {
        &self.inner.username
    }

    /// When the current access token expires (the JWT `exp`, server clock).
    pub async fn token_expires_at(&self) -> SystemTime {
        self.inner.token.lock().await.expires_at
    }

    /// How many password and refresh grants this connection made (for tests).
    #[doc(hidden)]
    pub fn token_grant_counts(&self) -> (u64, u64) {
        (
            self.inner.password_grants.load(Ordering::Relaxed),
            self.inner.refresh_grants.load(Ordering::Relaxed),
        )
    }

    /// Runs a call and decodes the JSON answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let (path, body) = self.execute(&call).await?;
        serde_json::from_slice(&body).map_err(|error| Error::Decode {
            method: call.method.to_string(),
            path,
            reason: format!("{error}; body: {}", truncated_text(&body)),
        })
    }

    /// Runs a call whose answer carries nothing of interest.
    pub(crate) async fn run(&self, call: Call<'_>) -> Result<(), Error> {
        self.execute(&call).await.map(|_| ())
    }

    /// Sends the call, refreshing the token first when it is about to expire and once more if the
    /// server answers 401; returns the URL path and the body of a 2xx answer.
    async fn execute(&self, call: &Call<'_>) -> Result<(String, Vec<u8>), Error> {
        let url = build_url(&self.inner.base, call.segments, &call.query);
        let path = url.path().to_owned();
        let mut token = if call.authenticated {
            Some(self.access_token().await?)
        } else {
            None
        };
        let mut retried = false;
        loop {
            let mut request = self
                .inner
                .http
                .request(call.method.clone(), url.clone())
                .header(ACCEPT, "application/json");
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &call.body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let http_error = |source| Error::Http {
                method: call.method.to_string(),
                url: url.to_string(),
                source,
            };
            let response = request.send().await.map_err(http_error)?;
            let status = response.status();
            let body = response.bytes().await.map_err(http_error)?.to_vec();
            if status.is_success() {
                return Ok((path, body));
            }
            if status == StatusCode::UNAUTHORIZED && !retried {
                if let Some(rejected) = &token {
                    // The server may consider the token expired before we do (clock skew, or a
                    // revoked session): renew once and replay.
                    tracing::debug!(method = %call.method, %path, "token rejected, renewing it once");
                    retried = true;
                    token = Some(self.renew_rejected(rejected).await?);
                    continue;
                }
            }
            return Err(api_error(call.method.as_str(), &path, status, &body));
        }
    }

    /// The current access token, renewed first when it expires within the refresh margin.
    async fn access_token(&self) -> Result<String, Error> {
        let mut token = self.inner.token.lock().await;
        if token.needs_refresh(SystemTime::now()) {
            *token = self.renew(&token).await?;
        }
        Ok(token.access.clone())
    }

    /// Renews a token the server refused, unless a concurrent call already did.
    async fn renew_rejected(&self, rejected: &str) -> Result<String, Error> {
        let mut token = self.inner.token.lock().await;
        if token.access == rejected {
            *token = self.renew(&token).await?;
        }
        Ok(token.access.clone())
    }

    /// The refresh grant, falling back to the password grant when the refresh token is refused
    /// (expired, revoked) or missing.
    async fn renew(&self, current: &Token) -> Result<Token, Error> {
        let inner = &self.inner;
        if let Some(refresh_token) = &current.refresh {
            match refresh_grant(
                &inner.http,
                &inner.base,
                &inner.tenant,
                &inner.username,
                refresh_token,
            )
            .await
            {
                Ok(token) => {
                    inner.refresh_grants.fetch_add(1, Ordering::Relaxed);
                    return Ok(token);
                }
                Err(Error::Auth {
                    error, description, ..
                }) => {
                    tracing::debug!(%error, %description, "refresh token refused, logging in again");
                }
                Err(other) => return Err(other),
            }
        }
        let token = password_grant(
            &inner.http,
            &inner.base,
            &inner.tenant,
            &inner.username,
            &inner.password,
        )
        .await?;
        inner.password_grants.fetch_add(1, Ordering::Relaxed);
        Ok(token)
    }
}

/// `base` plus the percent-encoded `segments` and the query.
pub(crate) fn build_url(base: &Url, segments: &[&str], query: &[(&'static str, String)]) -> Url {
    let mut url = base.clone();
    // A base URL with a host (checked by `parse_endpoint`) always accepts path segments.
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query.iter());
    }
    url
}

/// `name` stays as given when it names a domain (`user@domain`, `DOMAIN\user`), else it gets
/// `@<tenant>`.
pub(crate) fn qualified_username(username: &str, tenant: &str) -> String {
    let username = username.trim();
    if username.contains('@') || username.contains('\\') {
        username.to_owned()
    } else {
        format!("{username}@{tenant}")
    }
}

/// Checks the endpoint is `http(s)://host[:port]` with nothing else.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<Url, Error> {
    let expected = "expected https://host[:port]";
    let url = Url::parse(endpoint.trim()).map_err(|error| {
        Error::Config(format!(
            "endpoint {endpoint:?} is not a URL ({error}); {expected}"
        ))
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(Error::Config(format!(
            "endpoint {endpoint:?} has scheme {:?}; {expected}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!(
            "endpoint {endpoint:?} has no host; {expected}"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "endpoint must not carry credentials (use username and password); {expected}"
        )));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(Error::Config(format!(
            "endpoint {endpoint:?} has a path ({}); {expected} — /idm, /vmdir and /openidconnect are added by the client",
            url.path()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "endpoint {endpoint:?} has a query or fragment; {expected}"
        )));
    }
    Ok(url)
}

async fn http_client(options: &ConnectOptions) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .user_agent(concat!("photon-lightwave/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &options.ca_file {
        let pem = tokio::fs::read(path).await.map_err(|error| {
            Error::Config(format!("cannot read ca_file {}: {error}", path.display()))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| {
            Error::Config(format!(
                "ca_file {} is not a PEM certificate bundle: {error}",
                path.display()
            ))
        })?;
        if certificates.is_empty() {
            return Err(Error::Config(format!(
                "ca_file {} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if options.allow_unverified_ssl {
        tracing::warn!(endpoint = %options.endpoint, "TLS certificate verification is disabled (allow_unverified_ssl)");
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|error| Error::Config(format!("cannot build the HTTP client: {error}")))
}

fn token_url(base: &Url, tenant: &str) -> Url {
    build_url(base, &["openidconnect", "token", tenant], &[])
}

async fn password_grant(
    http: &reqwest::Client,
    base: &Url,
    tenant: &str,
    username: &str,
    password: &str,
) -> Result<Token, Error> {
    let form = [
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
        ("scope", ADMIN_SCOPE),
    ];
    grant(http, base, tenant, username, &form, None).await
}

async fn refresh_grant(
    http: &reqwest::Client,
    base: &Url,
    tenant: &str,
    username: &str,
    refresh_token: &str,
) -> Result<Token, Error> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    grant(
        http,
        base,
        tenant,
        username,
        &form,
        Some(refresh_token.to_owned()),
    )
    .await
}

/// POSTs a grant to the tenant's token endpoint and reads the answer.
async fn grant(
    http: &reqwest::Client,
    base: &Url,
    tenant: &str,
    username: &str,
    form: &[(&str, &str)],
    previous_refresh: Option<String>,
) -> Result<Token, Error> {
    let url = token_url(base, tenant);
    let path = url.path().to_owned();
    let http_error = |source| Error::Http {
        method: "POST".into(),
        url: url.to_string(),
        source,
    };
    let response = http
        .post(url.clone())
        .header(ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(http_error)?;
    let status = response.status();
    let body = response.bytes().await.map_err(http_error)?;
    if !status.is_success() {
        return Err(match serde_json::from_slice::<OAuthErrorBody>(&body) {
            Ok(oauth) => Error::Auth {
                tenant: tenant.to_owned(),
                username: username.to_owned(),
                status: status.as_u16(),
                error: oauth.error,
                description: oauth.error_description.unwrap_or_default(),
            },
            Err(_) => Error::Decode {
                method: "POST".into(),
                path,
                reason: format!("HTTP {status}: {}", truncated_text(&body)),
            },
        });
    }
    let answer: TokenResponse = serde_json::from_slice(&body).map_err(|error| Error::Decode {
        method: "POST".into(),
        path: path.clone(),
        // The body holds tokens: never echo it.
        reason: format!("the token answer is not the expected JSON ({error})"),
    })?;
    let now = SystemTime::now();
    let token = Token::from_response(answer, previous_refresh, now);
    if let Some(skew) = token.clock_skew(now) {
        tracing::warn!(
            skew_seconds = skew.as_secs(),
            "the Lightwave server's clock differs from this machine's by more than 5 minutes; \
             tokens may look expired or not yet valid — synchronise the clocks (NTP)"
        );
    }
    Ok(token)
}

/// Turns a non-2xx answer into `Error::Api`, or `Error::Decode` when the body is not
/// Lightwave's JSON error (a proxy's HTML page, say).
pub(crate) fn api_error(method: &str, path: &str, status: StatusCode, body: &[u8]) -> Error {
    match serde_json::from_slice::<ApiErrorBody>(body) {
        Ok(error) => Error::Api {
            method: method.to_owned(),
            path: path.to_owned(),
            status: status.as_u16(),
            kind: crate::ApiErrorKind::from_code(&error.error),
            details: error
                .details
                .or(error.error_description)
                .unwrap_or_default(),
            cause: error.cause,
        },
        Err(_) => Error::Decode {
            method: method.to_owned(),
            path: path.to_owned(),
            reason: format!("HTTP {status}: {}", truncated_text(body)),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex as StdMutex;
    use std::time::UNIX_EPOCH;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::ApiErrorKind;

    #[test]
    fn path_segments_are_percent_encoded() {
        let base = parse_endpoint("https://lw.example:8443").unwrap();
        let url = build_url(
            &base,
            &[
                "vmdir",
                "tenant",
                "acme.local",
                "users",
                "jane doe@acme.local",
            ],
            &[("members", "a@b".into()), ("type", "user".into())],
        );
        assert_eq!(
            url.as_str(),
            "https://lw.example:8443/vmdir/tenant/acme.local/users/jane%20doe@acme.local?members=a%40b&type=user"
        );
        let slash = build_url(&base, &["idm", "tenant", "a/b", "groups", "x#y?z"], &[]);
        assert_eq!(slash.path(), "/idm/tenant/a%2Fb/groups/x%23y%3Fz");
        let about = build_url(&base, &["idm", ""], &[]);
        assert_eq!(about.as_str(), "https://lw.example:8443/idm/");
    }

    #[test]
    fn endpoint_must_be_a_bare_http_url() {
        assert!(parse_endpoint("https://lw.example").is_ok());
        assert!(parse_endpoint("http://127.0.0.1:7443/").is_ok());
        for (bad, hint) in [
            ("lw.example", "not a URL"),
            ("ftp://lw.example", "scheme"),
            ("https://lw.example/idm", "has a path"),
            ("https://user:pw@lw.example", "credentials"),
            ("https://lw.example/?x=1", "query"),
        ] {
            let error = parse_endpoint(bad).unwrap_err();
            let text = error.to_string();
            assert!(matches!(error, Error::Config(_)), "{bad}: {error:?}");
            assert!(text.contains(hint), "{bad}: {text}");
            assert!(text.contains("https://host[:port]"), "{bad}: {text}");
        }
    }

    #[test]
    fn bare_usernames_get_the_login_tenant() {
        assert_eq!(
            qualified_username("Administrator", "lightwave.local"),
            "Administrator@lightwave.local"
        );
        assert_eq!(
            qualified_username("jane@acme", "lightwave.local"),
            "jane@acme"
        );
        assert_eq!(
            qualified_username("ACME\\jane", "lightwave.local"),
            "ACME\\jane"
        );
    }

    #[test]
    fn api_errors_decode_lightwaves_json_and_keep_other_bodies_as_text() {
        let error = api_error(
            "GET",
            "/idm/tenant/acme",
            StatusCode::NOT_FOUND,
            br#"{"error":"not_found","details":"Tenant 'acme' was not found","cause":"NoSuchTenantException"}"#,
        );
        assert!(error.is_not_found());
        assert_eq!(error.status(), Some(404));
        assert_eq!(
            error.to_string(),
            "Lightwave answered 404 not_found to GET /idm/tenant/acme: Tenant 'acme' was not found (cause: NoSuchTenantException)"
        );

        let forbidden = api_error(
            "POST",
            "/idm/tenant",
            StatusCode::FORBIDDEN,
            br#"{"error":"insufficient_scope","details":"role TenantOperator required"}"#,
        );
        match &forbidden {
            Error::Api { kind, status, .. } => {
                assert_eq!(*kind, ApiErrorKind::InsufficientScope);
                assert_eq!(*status, 403);
            }
            other => panic!("{other:?}"),
        }
        assert!(!forbidden.is_not_found());
        assert!(forbidden.to_string().contains("lacks the role"));

        let odd = api_error(
            "GET",
            "/idm/x",
            StatusCode::IM_A_TEAPOT,
            br#"{"error":"teapot"}"#,
        );
        assert!(
            matches!(&odd, Error::Api { kind: ApiErrorKind::Other(code), .. } if code == "teapot")
        );

        let html = format!("<html>{}</html>", "x".repeat(1000));
        let proxy = api_error(
            "GET",
            "/idm/tenant/a",
            StatusCode::NOT_FOUND,
            html.as_bytes(),
        );
        match &proxy {
            Error::Decode { reason, .. } => {
                assert!(reason.starts_with("HTTP 404 Not Found: <html>"), "{reason}");
                assert!(reason.chars().count() < 350, "{reason}");
            }
            other => panic!("{other:?}"),
        }
        // A 404 page from something else must not make Terraform forget a resource.
        assert!(!proxy.is_not_found());
    }

    #[test]
    fn connect_options_debug_redacts_the_password() {
        let options = ConnectOptions::new("https://h", "t", "u", "hunter2-secret");
        let text = format!("{options:?}");
        assert!(!text.contains("hunter2-secret"));
        assert!(text.contains("<redacted>"));
        assert_eq!(options.timeout, Duration::from_secs(60));
        assert!(!options.allow_unverified_ssl);
    }

    // ---- a scripted plain-HTTP server, to drive the token logic through exact sequences ----

    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        target: String,
        authorization: Option<String>,
        body: String,
    }

    type Handler = Box<dyn Fn(&Seen, &[Seen]) -> (u16, String) + Send>;

    struct Scripted {
        endpoint: String,
        seen: Arc<StdMutex<Vec<Seen>>>,
    }

    impl Scripted {
        fn start(handler: Handler) -> Scripted {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let endpoint = format!("http://{}", listener.local_addr().unwrap());
            let seen = Arc::new(StdMutex::new(Vec::new()));
            let log = Arc::clone(&seen);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).is_err() {
                        continue;
                    }
                    let mut parts = request_line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_owned();
                    let target = parts.next().unwrap_or_default().to_owned();
                    let mut length = 0;
                    let mut authorization = None;
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        let (name, value) = line.split_once(':').unwrap();
                        match name.to_ascii_lowercase().as_str() {
                            "content-length" => length = value.trim().parse().unwrap(),
                            "authorization" => authorization = Some(value.trim().to_owned()),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let request = Seen {
                        method,
                        target,
                        authorization,
                        body: String::from_utf8(body).unwrap(),
                    };
                    let (status, answer) = {
                        let mut log = log.lock().unwrap();
                        let answer = handler(&request, &log);
                        log.push(request);
                        answer
                    };
                    let mut stream = stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                }
            });
            Scripted { endpoint, seen }
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
    }

    fn jwt(name: &str, lifetime_secs: u64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = format!(
            r#"{{"sub":"{name}","iat":{now},"exp":{}}}"#,
            now + lifetime_secs
        );
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    fn token_answer(access: &str, refresh: &str) -> (u16, String) {
        (
            200,
            format!(
                r#"{{"access_token":"{access}","refresh_token":"{refresh}","token_type":"Bearer","expires_in":3600}}"#
            ),
        )
    }

    fn options(endpoint: &str) -> ConnectOptions {
        ConnectOptions::new(endpoint, "acme.local", "admin", "pw&with=specials")
    }

    #[tokio::test]
    async fn a_401_renews_the_token_with_the_refresh_grant_and_replays_once() {
        let first = jwt("first", 3600);
        let second = jwt("second", 3600);
        let (a, b) = (first.clone(), second.clone());
        let server = Scripted::start(Box::new(move |request, _| {
            if request
                .target
                .starts_with("/openidconnect/token/acme.local")
            {
                if request.body.contains("grant_type=refresh_token") {
                    token_answer(&b, "refresh-2")
                } else {
                    token_answer(&a, "refresh-1")
                }
            } else if request.authorization.as_deref() == Some(&format!("Bearer {a}")) {
                (
                    401,
                    r#"{"error":"invalid_token","details":"Token is expired"}"#.into(),
                )
            } else {
                (200, r#"{"name":"acme.local","issuer":"https://x"}"#.into())
            }
        }));
        let client = Client::connect(options(&server.endpoint)).await.unwrap();
        assert_eq!(client.username(), "admin@acme.local");
        let tenant = client.get_tenant("acme.local").await.unwrap();
        assert_eq!(tenant.name, "acme.local");

        let seen = server.seen();
        let summary: Vec<_> = seen
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect();
        assert_eq!(
            summary,
            [
                "POST /openidconnect/token/acme.local",
                "GET /idm/tenant/acme.local",
                "POST /openidconnect/token/acme.local",
                "GET /idm/tenant/acme.local",
            ]
        );
        assert_eq!(
            seen[0].body,
            "grant_type=password&username=admin%40acme.local&password=pw%26with%3Dspecials&scope=openid+offline_access+id_groups+at_groups+rs_admin_server"
        );
        assert_eq!(
            seen[2].body,
            "grant_type=refresh_token&refresh_token=refresh-1"
        );
        assert_eq!(
            seen[3].authorization.as_deref(),
            Some(format!("Bearer {second}").as_str())
        );
        assert_eq!(client.token_grant_counts(), (1, 1));
    }

    #[tokio::test]
    async fn a_refused_refresh_falls_back_to_the_password_grant() {
        let server = Scripted::start(Box::new(move |request, seen| {
            let password_grants = seen
                .iter()
                .filter(|r| r.body.contains("grant_type=password"))
                .count();
            if request.target.starts_with("/openidconnect/token/") {
                if request.body.contains("grant_type=refresh_token") {
                    (
                        400,
                        r#"{"error":"invalid_grant","error_description":"refresh token expired"}"#
                            .into(),
                    )
                } else {
                    token_answer(&format!("pw{password_grants}.e30.x"), "r")
                }
            } else if request.authorization.as_deref() == Some("Bearer pw0.e30.x") {
                (
                    401,
                    r#"{"error":"invalid_token","details":"expired"}"#.into(),
                )
            } else if request.target == "/idm/" {
                (200, r#"{"productName":"Lightwave","version":"1.3"}"#.into())
            } else {
                (200, r#"{"name":"acme.local"}"#.into())
            }
        }));
        let client = Client::connect(options(&server.endpoint)).await.unwrap();
        // /idm/ needs no token: it must not be sent, so no 401 can happen.
        let about = client.about().await.unwrap();
        assert_eq!(about.product_name.as_deref(), Some("Lightwave"));
        assert_eq!(server.seen()[1].authorization, None);

        client.get_tenant("acme.local").await.unwrap();
        let grants: Vec<_> = server
            .seen()
            .iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.body.split('&').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            grants,
            [
                "grant_type=password",
                "grant_type=refresh_token",
                "grant_type=password"
            ]
        );
        assert_eq!(client.token_grant_counts(), (2, 0));
    }

    #[tokio::test]
    async fn a_second_401_is_reported_not_retried_forever() {
        let server = Scripted::start(Box::new(move |request, seen| {
            if request.target.starts_with("/openidconnect/token/") {
                token_answer(&format!("t{}.e30.x", seen.len()), "r")
            } else {
                (
                    401,
                    r#"{"error":"invalid_token","details":"signature mismatch"}"#.into(),
                )
            }
        }));
        let client = Client::connect(options(&server.endpoint)).await.unwrap();
        let error = client.get_tenant("acme.local").await.unwrap_err();
        assert!(
            matches!(&error, Error::Api { status: 401, kind: ApiErrorKind::InvalidToken, details, .. } if details == "signature mismatch"),
            "{error:?}"
        );
        assert_eq!(server.seen().len(), 4);
    }

    #[tokio::test]
    async fn a_wrong_password_is_an_auth_error_saying_who_and_where() {
        let server = Scripted::start(Box::new(|_, _| {
            (
                400,
                r#"{"error":"invalid_grant","error_description":"incorrect username or password"}"#
                    .into(),
            )
        }));
        let mut options = options(&server.endpoint);
        options.username = "Administrator@lightwave.local".into();
        options.tenant = "lightwave.local".into();
        let error = Client::connect(options).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "Lightwave refused the login of Administrator@lightwave.local to tenant lightwave.local: invalid_grant: incorrect username or password"
        );
        assert_eq!(error.status(), Some(400));
    }

    #[tokio::test]
    async fn a_token_answer_that_is_not_json_does_not_echo_the_body() {
        let server = Scripted::start(Box::new(|_, _| (200, "access_token=secret".into())));
        let error = Client::connect(options(&server.endpoint))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[tokio::test]
    async fn an_unreachable_server_names_the_url() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = Client::connect(options(&endpoint)).await.unwrap_err();
        assert!(matches!(error, Error::Http { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.contains(&endpoint), "{text}");
        assert!(text.contains("cannot connect"), "{text}");
    }

    #[tokio::test]
    async fn empty_names_are_rejected_before_any_request() {
        let server = Scripted::start(Box::new(|_, _| token_answer("t.e30.x", "r")));
        let client = Client::connect(options(&server.endpoint)).await.unwrap();
        let error = client.get_user("acme.local", " ").await.unwrap_err();
        assert_eq!(error.to_string(), "the user UPN must not be empty");
        assert_eq!(server.seen().len(), 1);
    }
}
