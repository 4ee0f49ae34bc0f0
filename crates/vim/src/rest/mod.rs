//! The vAPI REST client (`/rest`): session, tag categories and tags with their attachments
//! (including the batch calls), and content libraries with file upload.
//!
//! It speaks the `/rest` flavour of the API (what vcsim 0.24.2 and vCenter 6.5+ serve): ids go in
//! the path as `id:<id>`, actions in the query as `~action=<name>`, and results come wrapped in
//! `{"value": ...}`. Errors are [`RestError`]; a server refusal is [`RestError::Api`] with a
//! typed [`VapiErrorKind`] (`not_found`, `already_exists`, `unauthenticated`, ...).
//!
//! [`RestClient::connect`] logs in with basic auth on `POST /rest/com/vmware/cis/session` and
//! sends the session id in the `vmware-api-session-id` header on every call. The session ends
//! with [`RestClient::logout`] or, best-effort, when the last clone is dropped inside a tokio
//! runtime, so sessions are never leaked (vCenter refuses new sessions once too many are
//! open). The session id and the password never appear in `Debug` output or error messages.
//!
//! The base URL is derived from the `/sdk` URL of the [`ConnectOptions`] (same scheme, host
//! and port; path `/rest`), and TLS follows the same rules as the SOAP client: the CA bundle
//! of [`ConnectOptions::ca_pem`], or no verification with [`ConnectOptions::insecure`].

mod error;
mod library;
mod tags;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::session::ConnectOptions;

pub use error::{BatchError, RestError, VapiErrorKind};
pub use library::{
    ItemFile, ItemSpec, Library, LibraryItem, LocalLibrarySpec, OvfDeploySpec, StorageBacking,
    UpdateFile, UpdateSession, UploadSource,
};
pub use tags::{
    AttachedObjects, AttachedTags, Cardinality, Category, CategorySpec, CategoryUpdate, ObjectId,
    Tag, TagSpec, TagUpdate,
};

/// The header carrying the session id on every call.
const SESSION_HEADER: &str = "vmware-api-session-id";
/// Asks the login call not to set a cookie: the id comes back in the body and goes in a header.
const HEADER_AUTHN: &str = "vmware-use-header-authn";
const SESSION_PATH: &str = "com/vmware/cis/session";

/// A vAPI session id, kept opaque so it does not end up in logs: `Debug` redacts it. Use it to
/// [`RestClient::resume`] a session (e.g. one persisted between runs).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// Wraps a session id obtained elsewhere (e.g. read back from a session cache).
    pub fn new(id: impl Into<String>) -> SessionToken {
        SessionToken(id.into())
    }

    /// The raw id, for callers that must store or send it themselves. Treat it as a password.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The current session as the server describes it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SessionInfo {
    /// The user the session belongs to.
    #[serde(default)]
    pub user: String,
    /// When the session was created (RFC 3339), if reported.
    #[serde(default)]
    pub created_time: Option<String>,
    /// When it was last used (RFC 3339), if reported.
    #[serde(default)]
    pub last_accessed_time: Option<String>,
}

/// A logged-in vAPI REST session. Cheap to clone; clones share the session, which is logged
/// out by [`RestClient::logout`] or, best-effort, when the last clone is dropped inside a tokio
/// runtime.
#[derive(Clone, Debug)]
pub struct RestClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `https://host:port/rest`.
    base: Url,
    session: SessionToken,
    logged_out: AtomicBool,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base", &self.base.as_str())
            .field("session", &self.session)
            .field("logged_out", &self.logged_out)
            .finish()
    }
}

/// What a call sends: nothing, or a JSON document.
enum Body<'a> {
    None,
    Json(&'a serde_json::Value),
}

impl RestClient {
    /// Logs in with the user name and password of `options` (basic auth) and keeps the
    /// session id. Refused credentials are [`VapiErrorKind::Unauthenticated`].
    pub async fn connect(options: ConnectOptions) -> Result<RestClient, RestError> {
        let (http, base) = setup(&options)?;
        let mut url = base.clone();
        push_path(&mut url, SESSION_PATH);
        let response = http
            .post(url.clone())
            .basic_auth(&options.username, Some(&options.password))
            .header(HEADER_AUTHN, "true")
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|source| send_error(&Method::POST, &url, source))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|source| RestError::ReadBody {
                method: "POST".into(),
                url: url.to_string(),
                source,
            })?;
        if !status.is_success() {
            let (kind, mut messages) = error::classify(status.as_u16(), &bytes);
            if kind == VapiErrorKind::Unauthenticated && messages.is_empty() {
                messages.push(format!(
                    "login as {:?} refused: wrong user name or password",
                    options.username
                ));
            }
            return Err(RestError::Api {
                method: "POST".into(),
                path: url.path().to_owned(),
                status: status.as_u16(),
                kind,
                messages,
            });
        }
        let id: String =
            decode_value(&Method::POST, &url, &bytes)?.ok_or_else(|| RestError::Decode {
                method: "POST".into(),
                path: url.path().to_owned(),
                reason: "login returned no session id".into(),
            })?;
        tracing::debug!(user = %options.username, base = %base, "vAPI session created");
        Ok(RestClient::from_parts(http, base, SessionToken(id)))
    }

    /// Takes over an existing session (e.g. persisted by an earlier run) after checking it is
    /// still valid; the resumed client owns it like one from [`RestClient::connect`] (logout on
    /// drop). A dead session is [`VapiErrorKind::Unauthenticated`].
    pub async fn resume(
        options: ConnectOptions,
        session: SessionToken,
    ) -> Result<RestClient, RestError> {
        let (http, base) = setup(&options)?;
        let client = RestClient::from_parts(http, base, session);
        if let Err(error) = client.session().await {
            // Not ours to log out: it is invalid, or the caller keeps using it elsewhere.
            client.inner.logged_out.store(true, Ordering::SeqCst);
            return Err(error);
        }
        Ok(client)
    }

    fn from_parts(http: reqwest::Client, base: Url, session: SessionToken) -> RestClient {
        RestClient {
            inner: Arc::new(Inner {
                http,
                base,
                session,
                logged_out: AtomicBool::new(false),
            }),
        }
    }

    /// The session id (redacted in `Debug`), e.g. to persist the session between runs.
    pub fn session_token(&self) -> &SessionToken {
        &self.inner.session
    }

    /// The `/rest` base URL calls go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The current session (`POST ~action=get`, which vCenter and vcsim both serve); a cheap
    /// way to check the session is alive.
    pub async fn session(&self) -> Result<SessionInfo, RestError> {
        self.value(
            Method::POST,
            SESSION_PATH,
            None,
            Some("get"),
            &[],
            Body::None,
        )
        .await
    }

    /// Ends the session (`DELETE`). Later calls on this client and its clones fail with
    /// [`VapiErrorKind::Unauthenticated`]; dropping it no longer logs out.
    pub async fn logout(&self) -> Result<(), RestError> {
        self.inner.logged_out.store(true, Ordering::SeqCst);
        self.unit(Method::DELETE, SESSION_PATH, None, None, &[], Body::None)
            .await
    }

    /// `base/path[/id:<id>][?~action=<action>&query...]`.
    fn url(
        &self,
        path: &str,
        id: Option<&str>,
        action: Option<&str>,
        query: &[(&str, &str)],
    ) -> Url {
        let mut url = self.inner.base.clone();
        push_path(&mut url, path);
        if let Some(id) = id {
            if let Ok(mut segments) = url.path_segments_mut() {
                segments.push(&format!("id:{id}"));
            }
        }
        if let Some(action) = action {
            // Set verbatim: a form encoder would turn `~` into `%7E`.
            url.set_query(Some(&format!("~action={action}")));
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        url
    }

    /// Sends one request with the session header and returns the body of a successful
    /// response; error statuses become [`RestError::Api`].
    async fn exchange(
        &self,
        method: Method,
        url: Url,
        body: Body<'_>,
    ) -> Result<Vec<u8>, RestError> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .header(ACCEPT, "application/json");
        request = match HeaderValue::from_str(self.inner.session.expose()) {
            Ok(mut value) => {
                value.set_sensitive(true);
                request.header(SESSION_HEADER, value)
            }
            // An id with control characters cannot be sent; the server will say unauthenticated.
            Err(_) => request,
        };
        if let Body::Json(json) = body {
            let encoded = serde_json::to_vec(json).map_err(|error| RestError::Encode {
                path: url.path().to_owned(),
                reason: error.to_string(),
            })?;
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(encoded);
        }
        let response = request
            .send()
            .await
            .map_err(|source| send_error(&method, &url, source))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|source| RestError::ReadBody {
                method: method.to_string(),
                url: url.to_string(),
                source,
            })?;
        if !status.is_success() {
            let (kind, messages) = error::classify(status.as_u16(), &bytes);
            return Err(RestError::Api {
                method: method.to_string(),
                path: path_and_query(&url),
                status: status.as_u16(),
                kind,
                messages,
            });
        }
        Ok(bytes.to_vec())
    }

    /// A call whose result is `{"value": T}` (a missing or `null` value is an error).
    async fn value<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        id: Option<&str>,
        action: Option<&str>,
        query: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<T, RestError> {
        let url = self.url(path, id, action, query);
        let bytes = self.exchange(method.clone(), url.clone(), body).await?;
        decode_value(&method, &url, &bytes)?.ok_or_else(|| RestError::Decode {
            method: method.to_string(),
            path: path_and_query(&url),
            reason: "no value in the response".into(),
        })
    }

    /// A call returning a list: a missing or `null` value is an empty list (vcsim encodes an
    /// empty Go slice as `null`).
    async fn list<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        id: Option<&str>,
        action: Option<&str>,
        query: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<Vec<T>, RestError> {
        let url = self.url(path, id, action, query);
        let bytes = self.exchange(method.clone(), url.clone(), body).await?;
        Ok(decode_value(&method, &url, &bytes)?.unwrap_or_default())
    }

    /// A call whose result is ignored.
    async fn unit(
        &self,
        method: Method,
        path: &str,
        id: Option<&str>,
        action: Option<&str>,
        query: &[(&str, &str)],
        body: Body<'_>,
    ) -> Result<(), RestError> {
        let url = self.url(path, id, action, query);
        self.exchange(method, url, body).await.map(drop)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.logged_out.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::debug!("vAPI session not logged out: dropped outside a tokio runtime");
            return;
        };
        let http = self.http.clone();
        let mut url = self.base.clone();
        push_path(&mut url, SESSION_PATH);
        let Ok(mut value) = HeaderValue::from_str(self.session.expose()) else {
            return;
        };
        value.set_sensitive(true);
        runtime.spawn(async move {
            match http.delete(url).header(SESSION_HEADER, value).send().await {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    tracing::debug!(status = %response.status(), "vAPI logout on drop refused");
                }
                Err(error) => tracing::debug!(%error, "vAPI logout on drop failed"),
            }
        });
    }
}

/// The HTTP client (same TLS rules as SOAP) and the `/rest` base URL of `options`.
fn setup(options: &ConnectOptions) -> Result<(reqwest::Client, Url), RestError> {
    let mut base = crate::session::sdk_url(&options.url).map_err(RestError::Options)?;
    base.set_path("/rest");
    base.set_query(None);
    base.set_fragment(None);
    let http = crate::session::http_client(options).map_err(RestError::Options)?;
    Ok((http, base))
}

/// Appends the `/`-separated segments of `path` (each percent-encoded as needed).
fn push_path(url: &mut Url, path: &str) {
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty();
        for segment in path.split('/').filter(|segment| !segment.is_empty()) {
            segments.push(segment);
        }
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

fn send_error(method: &Method, url: &Url, source: reqwest::Error) -> RestError {
    if crate::transport::is_tls_error(&source) {
        RestError::Tls {
            url: url.to_string(),
            source,
        }
    } else {
        RestError::Send {
            method: method.to_string(),
            url: url.to_string(),
            source,
        }
    }
}

/// Decodes `{"value": T}`; an empty body, a missing value and `null` are `None`.
fn decode_value<T: DeserializeOwned>(
    method: &Method,
    url: &Url,
    bytes: &[u8],
) -> Result<Option<T>, RestError> {
    #[derive(Deserialize)]
    struct Wrapped<T> {
        #[serde(default = "none")]
        value: Option<T>,
    }
    fn none<T>() -> Option<T> {
        None
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice::<Wrapped<T>>(bytes)
        .map(|wrapped| wrapped.value)
        .map_err(|error| RestError::Decode {
            method: method.to_string(),
            path: path_and_query(url),
            reason: error.to_string(),
        })
}

/// Deserialises `null` (how Go encodes an empty slice) as the default value.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Serialises a request document, for [`Body::Json`].
fn json<T: Serialize>(path: &str, value: &T) -> Result<serde_json::Value, RestError> {
    serde_json::to_value(value).map_err(|error| RestError::Encode {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_session_id() {
        let client = RestClient::from_parts(
            reqwest::Client::new(),
            Url::parse("https://vc.example.com/rest").expect("valid URL"),
            SessionToken::new("secret-session-1234"),
        );
        client.inner.logged_out.store(true, Ordering::SeqCst);
        let shown = format!("{client:?} {:?}", client.session_token());
        assert!(!shown.contains("secret-session-1234"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn urls_carry_ids_and_actions() {
        let client = RestClient::from_parts(
            reqwest::Client::new(),
            Url::parse("https://vc.example.com/rest").expect("valid URL"),
            SessionToken::new("s"),
        );
        client.inner.logged_out.store(true, Ordering::SeqCst);
        let url = client.url(
            "com/vmware/cis/tagging/tag",
            Some("urn:vmomi:InventoryServiceTag:1:GLOBAL"),
            Some("list-tags-for-category"),
            &[],
        );
        assert_eq!(
            url.as_str(),
            "https://vc.example.com/rest/com/vmware/cis/tagging/tag/id:urn:vmomi:InventoryServiceTag:1:GLOBAL?~action=list-tags-for-category"
        );
        let url = client.url(
            "com/vmware/content/library/item",
            None,
            None,
            &[("library_id", "a b/c")],
        );
        assert_eq!(
            url.as_str(),
            "https://vc.example.com/rest/com/vmware/content/library/item?library_id=a+b%2Fc"
        );
        let (_, base) = setup(&ConnectOptions {
            url: "https://127.0.0.1:8989/sdk".into(),
            ..ConnectOptions::default()
        })
        .expect("valid options");
        assert_eq!(base.as_str(), "https://127.0.0.1:8989/rest");
    }
}
