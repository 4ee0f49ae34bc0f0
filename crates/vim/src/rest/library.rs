//! Content libraries (`/rest/com/vmware/content/...`): local libraries, items, file upload
//! through update sessions, item files, OVF deployment of library items, and capture of a VM as an OVF item.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use serde_json::json as document;
use tokio::io::AsyncReadExt;

use super::{Body, RestClient, RestError, SESSION_HEADER, json, null_as_default, send_error};
use crate::types::ManagedObjectReference;

const LIBRARY: &str = "com/vmware/content/library";
const LOCAL_LIBRARY: &str = "com/vmware/content/local-library";
const ITEM: &str = "com/vmware/content/library/item";
const ITEM_FILE: &str = "com/vmware/content/library/item/file";
const UPDATE_SESSION: &str = "com/vmware/content/library/item/update-session";
const UPDATE_SESSION_FILE: &str = "com/vmware/content/library/item/updatesession/file";
const OVF_LIBRARY_ITEM: &str = "com/vmware/vcenter/ovf/library-item";

/// How long [`RestClient::upload_item_file`] waits for the server to finish an update session
/// after `complete` (vCenter imports the file asynchronously).
const COMPLETE_TIMEOUT: Duration = Duration::from_secs(600);
/// Upload chunk size when streaming a file.
const CHUNK: usize = 256 * 1024;

/// Where a library keeps its content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageBacking {
    /// `DATASTORE` or `OTHER`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The datastore moref value, for `DATASTORE` backings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore_id: Option<String>,
    /// A file or NFS URI, for `OTHER` backings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_uri: Option<String>,
}

impl StorageBacking {
    /// A backing on the datastore `datastore` (a `Datastore` moref).
    pub fn datastore(datastore: &ManagedObjectReference) -> StorageBacking {
        StorageBacking {
            kind: "DATASTORE".into(),
            datastore_id: Some(datastore.value.clone()),
            storage_uri: None,
        }
    }
}

/// A content library as the server reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Library {
    /// The library id.
    #[serde(default)]
    pub id: String,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// `LOCAL` or `SUBSCRIBED`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Where the content lives.
    #[serde(default, deserialize_with = "null_as_default")]
    pub storage_backings: Vec<StorageBacking>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub creation_time: Option<String>,
    /// Last modification time (RFC 3339).
    #[serde(default)]
    pub last_modified_time: Option<String>,
    /// The metadata version.
    #[serde(default)]
    pub version: Option<String>,
}

/// What [`RestClient::create_local_library`] creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalLibrarySpec {
    /// The name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Where the content lives, e.g. [`StorageBacking::datastore`].
    pub storage_backings: Vec<StorageBacking>,
}

/// A library item as the server reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LibraryItem {
    /// The item id.
    #[serde(default)]
    pub id: String,
    /// The library holding it.
    #[serde(default)]
    pub library_id: String,
    /// The name, unique in the library.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// `ovf`, `iso`, `vm-template`, `file`, ... (free-form).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Total size of its files in bytes, if reported.
    #[serde(default)]
    pub size: Option<u64>,
    /// Whether its content is on the library's storage (subscribed libraries may not be).
    #[serde(default)]
    pub cached: Option<bool>,
    /// The content version (changes on each completed update session).
    #[serde(default)]
    pub content_version: Option<String>,
    /// Creation time (RFC 3339).
    #[serde(default)]
    pub creation_time: Option<String>,
    /// Last modification time (RFC 3339).
    #[serde(default)]
    pub last_modified_time: Option<String>,
}

/// What [`RestClient::create_library_item`] creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemSpec {
    /// The library to create it in.
    pub library_id: String,
    /// The name, unique in the library (a duplicate is `already_exists`).
    pub name: String,
    /// Free text.
    pub description: String,
    /// `ovf`, `iso`, `file`, ... (free-form; `ovf` makes it deployable).
    #[serde(rename = "type")]
    pub kind: String,
}

/// One file of a library item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ItemFile {
    /// The file name.
    #[serde(default)]
    pub name: String,
    /// The size in bytes, if reported.
    #[serde(default)]
    pub size: Option<u64>,
    /// Whether the content is stored locally.
    #[serde(default)]
    pub cached: Option<bool>,
    /// The file version.
    #[serde(default)]
    pub version: Option<String>,
}

/// A localizable server message; only its English text is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
struct Message {
    #[serde(default)]
    default_message: String,
}

/// An update session: the transaction in which files are added to an item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct UpdateSession {
    /// The session id.
    #[serde(default)]
    pub id: String,
    /// The item being updated.
    #[serde(default)]
    pub library_item_id: String,
    /// `ACTIVE`, `DONE`, `ERROR` or `CANCELED`.
    #[serde(default)]
    pub state: String,
    /// Progress the client reported (percent).
    #[serde(default)]
    pub client_progress: Option<i64>,
    /// When the session expires unless kept alive (RFC 3339).
    #[serde(default)]
    pub expiration_time: Option<String>,
    #[serde(default)]
    error_message: Option<Message>,
}

impl UpdateSession {
    /// The server's error text when the session is in `ERROR` state.
    pub fn error_message(&self) -> Option<&str> {
        self.error_message
            .as_ref()
            .map(|message| message.default_message.as_str())
    }
}

/// A file added to an update session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct UpdateFile {
    /// The file name in the item.
    #[serde(default)]
    pub name: String,
    /// `PUSH` (the client uploads) or `PULL` (the server downloads).
    #[serde(default)]
    pub source_type: String,
    /// `WAITING_FOR_TRANSFER`, `TRANSFERRING`, `READY`, `VALIDATING`, `ERROR`.
    #[serde(default)]
    pub status: String,
    /// Bytes received so far.
    #[serde(default)]
    pub bytes_transferred: Option<u64>,
    /// Where to `PUT` the content of a `PUSH` file.
    #[serde(default, deserialize_with = "endpoint_uri")]
    pub upload_endpoint: Option<String>,
}

/// `{"uri": ...}` → the URI.
fn endpoint_uri<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Endpoint {
        #[serde(default)]
        uri: Option<String>,
    }
    Ok(Option::<Endpoint>::deserialize(deserializer)?.and_then(|endpoint| endpoint.uri))
}

/// The content of a file to upload.
#[derive(Clone, Debug)]
pub enum UploadSource {
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A local file, streamed (never read into memory as a whole).
    File(PathBuf),
}

/// Where and how [`RestClient::deploy_ovf_item`] creates a VM from an OVF library item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OvfDeploySpec {
    /// The VM name.
    pub name: String,
    /// The VM annotation.
    pub annotation: Option<String>,
    /// Accept the OVF's EULAs (vCenter refuses to deploy an OVF with EULAs otherwise).
    pub accept_all_eula: bool,
    /// The resource pool moref value (required).
    pub resource_pool_id: String,
    /// The host moref value (optional).
    pub host_id: Option<String>,
    /// The VM folder moref value (optional: the datacenter's VM folder).
    pub folder_id: Option<String>,
    /// The datastore moref value for disks (optional).
    pub default_datastore_id: Option<String>,
    /// `thin`, `thick` or `eagerZeroedThick` (optional).
    pub storage_provisioning: Option<String>,
    /// OVF network name → network moref value.
    pub network_mappings: Vec<(String, String)>,
}

impl OvfDeploySpec {
    fn document(&self) -> serde_json::Value {
        let mut spec = serde_json::Map::new();
        spec.insert("name".into(), self.name.clone().into());
        spec.insert("accept_all_EULA".into(), self.accept_all_eula.into());
        if let Some(annotation) = &self.annotation {
            spec.insert("annotation".into(), annotation.clone().into());
        }
        if let Some(datastore) = &self.default_datastore_id {
            spec.insert("default_datastore_id".into(), datastore.clone().into());
        }
        if let Some(provisioning) = &self.storage_provisioning {
            spec.insert("storage_provisioning".into(), provisioning.clone().into());
        }
        if !self.network_mappings.is_empty() {
            let mappings: Vec<_> = self
                .network_mappings
                .iter()
                .map(|(key, value)| document!({ "key": key, "value": value }))
                .collect();
            spec.insert("network_mappings".into(), mappings.into());
        }
        let mut target = serde_json::Map::new();
        target.insert(
            "resource_pool_id".into(),
            self.resource_pool_id.clone().into(),
        );
        if let Some(host) = &self.host_id {
            target.insert("host_id".into(), host.clone().into());
        }
        if let Some(folder) = &self.folder_id {
            target.insert("folder_id".into(), folder.clone().into());
        }
        document!({ "deployment_spec": spec, "target": target })
    }
}

/// The answer of an OVF deployment.
#[derive(Deserialize)]
struct Deployment {
    #[serde(default)]
    succeeded: bool,
    #[serde(default)]
    resource_id: Option<super::ObjectId>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// The answer of creating an OVF library item from a VM (`ovf_library_item_id` on success).
#[derive(Deserialize)]
struct CreateResult {
    #[serde(default)]
    succeeded: bool,
    #[serde(default)]
    ovf_library_item_id: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// Every `default_message` in an error document, in order.
fn default_messages(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            if let Some(text) = fields
                .get("default_message")
                .and_then(serde_json::Value::as_str)
            {
                out.push(text.to_owned());
            }
            for (name, field) in fields {
                if name != "default_message" {
                    default_messages(field, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                default_messages(item, out);
            }
        }
        _ => {}
    }
}

impl RestClient {
    /// Creates a local library and returns its id.
    pub async fn create_local_library(&self, spec: &LocalLibrarySpec) -> Result<String, RestError> {
        let mut create = json(LOCAL_LIBRARY, spec)?;
        if let Some(fields) = create.as_object_mut() {
            fields.insert("type".into(), "LOCAL".into());
        }
        let body = document!({ "create_spec": create });
        self.value(
            Method::POST,
            LOCAL_LIBRARY,
            None,
            None,
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// One library by id (unknown: `not_found`).
    pub async fn get_library(&self, id: &str) -> Result<Library, RestError> {
        self.value(Method::GET, LIBRARY, Some(id), None, &[], Body::None)
            .await
    }

    /// The ids of all libraries (local and subscribed).
    pub async fn list_libraries(&self) -> Result<Vec<String>, RestError> {
        self.list(Method::GET, LIBRARY, None, None, &[], Body::None)
            .await
    }

    /// The ids of the libraries with this name (vCenter compares names case-insensitively).
    pub async fn find_libraries(&self, name: &str) -> Result<Vec<String>, RestError> {
        let body = document!({ "spec": { "name": name } });
        self.list(
            Method::POST,
            LIBRARY,
            None,
            Some("find"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// The library with this name, if there is one (the first match if several).
    pub async fn library_by_name(&self, name: &str) -> Result<Option<Library>, RestError> {
        match self.find_libraries(name).await?.first() {
            Some(id) => self.get_library(id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Deletes a local library with its items and their files.
    pub async fn delete_library(&self, id: &str) -> Result<(), RestError> {
        self.unit(
            Method::DELETE,
            LOCAL_LIBRARY,
            Some(id),
            None,
            &[],
            Body::None,
        )
        .await
    }

    /// Creates an (empty) library item and returns its id.
    pub async fn create_library_item(&self, spec: &ItemSpec) -> Result<String, RestError> {
        let body = document!({ "create_spec": json(ITEM, spec)? });
        self.value(Method::POST, ITEM, None, None, &[], Body::Json(&body))
            .await
    }

    /// One item by id (unknown: `not_found`).
    pub async fn get_library_item(&self, id: &str) -> Result<LibraryItem, RestError> {
        self.value(Method::GET, ITEM, Some(id), None, &[], Body::None)
            .await
    }

    /// The ids of the items of a library.
    pub async fn list_library_items(&self, library_id: &str) -> Result<Vec<String>, RestError> {
        self.list(
            Method::GET,
            ITEM,
            None,
            None,
            &[("library_id", library_id)],
            Body::None,
        )
        .await
    }

    /// The ids of the items named `name` in a library.
    pub async fn find_library_items(
        &self,
        library_id: &str,
        name: &str,
    ) -> Result<Vec<String>, RestError> {
        let body = document!({ "spec": { "library_id": library_id, "name": name } });
        self.list(
            Method::POST,
            ITEM,
            None,
            Some("find"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Deletes an item and its files.
    pub async fn delete_library_item(&self, id: &str) -> Result<(), RestError> {
        self.unit(Method::DELETE, ITEM, Some(id), None, &[], Body::None)
            .await
    }

    /// The files of an item (name and size).
    pub async fn list_item_files(&self, item_id: &str) -> Result<Vec<ItemFile>, RestError> {
        self.list(
            Method::GET,
            ITEM_FILE,
            None,
            None,
            &[("library_item_id", item_id)],
            Body::None,
        )
        .await
    }

    /// Opens an update session on an item and returns its id. End it with
    /// [`RestClient::complete_update_session`], [`RestClient::fail_update_session`] or
    /// [`RestClient::cancel_update_session`].
    pub async fn create_update_session(&self, item_id: &str) -> Result<String, RestError> {
        let body = document!({ "create_spec": { "library_item_id": item_id } });
        self.value(
            Method::POST,
            UPDATE_SESSION,
            None,
            None,
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// One update session.
    pub async fn get_update_session(&self, session_id: &str) -> Result<UpdateSession, RestError> {
        self.value(
            Method::GET,
            UPDATE_SESSION,
            Some(session_id),
            None,
            &[],
            Body::None,
        )
        .await
    }

    /// Declares a file the client will `PUT` (`source_type: PUSH`); the answer holds the
    /// upload endpoint.
    pub async fn add_update_file(
        &self,
        session_id: &str,
        name: &str,
        size: Option<u64>,
    ) -> Result<UpdateFile, RestError> {
        let mut spec = document!({ "name": name, "source_type": "PUSH" });
        if let (Some(size), Some(fields)) = (size, spec.as_object_mut()) {
            fields.insert("size".into(), size.into());
        }
        let body = document!({ "file_spec": spec });
        self.value(
            Method::POST,
            UPDATE_SESSION_FILE,
            Some(session_id),
            Some("add"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Commits the session's files to the item.
    pub async fn complete_update_session(&self, session_id: &str) -> Result<(), RestError> {
        self.session_action(session_id, "complete", Body::None)
            .await
    }

    /// Ends the session in error (nothing is committed), with the client's reason.
    pub async fn fail_update_session(
        &self,
        session_id: &str,
        reason: &str,
    ) -> Result<(), RestError> {
        let body = document!({ "client_error_message": reason });
        self.session_action(session_id, "fail", Body::Json(&body))
            .await
    }

    /// Cancels the session (nothing is committed).
    pub async fn cancel_update_session(&self, session_id: &str) -> Result<(), RestError> {
        self.session_action(session_id, "cancel", Body::None).await
    }

    async fn session_action(
        &self,
        session_id: &str,
        action: &str,
        body: Body<'_>,
    ) -> Result<(), RestError> {
        self.unit(
            Method::POST,
            UPDATE_SESSION,
            Some(session_id),
            Some(action),
            &[],
            body,
        )
        .await
    }

    /// Uploads one file into an item: opens an update session, adds the file as `PUSH`,
    /// `PUT`s the content (streamed from a file, or bytes), completes the session and waits
    /// until the server has committed it. On any failure the session is failed (best-effort)
    /// so no half-written content is committed, and the first error is returned.
    pub async fn upload_item_file(
        &self,
        item_id: &str,
        name: &str,
        source: UploadSource,
    ) -> Result<(), RestError> {
        // Open the file first: an unreadable file must not leave a session behind.
        let (body, size) = match source {
            UploadSource::Bytes(bytes) => {
                let size = bytes.len() as u64;
                (reqwest::Body::from(bytes), size)
            }
            UploadSource::File(path) => file_body(path).await?,
        };
        let session = self.create_update_session(item_id).await?;
        let result = self.upload_in_session(&session, name, body, size).await;
        if let Err(error) = &result {
            tracing::debug!(%error, "upload failed; failing the update session");
            if let Err(fail_error) = self.fail_update_session(&session, &error.to_string()).await {
                tracing::debug!(error = %fail_error, "failing the update session failed");
            }
        }
        result
    }

    async fn upload_in_session(
        &self,
        session: &str,
        name: &str,
        body: reqwest::Body,
        size: u64,
    ) -> Result<(), RestError> {
        let file = self.add_update_file(session, name, Some(size)).await?;
        let endpoint = file.upload_endpoint.ok_or_else(|| RestError::Decode {
            method: "POST".into(),
            path: format!("/rest/{UPDATE_SESSION_FILE}"),
            reason: format!("no upload endpoint for {name:?}"),
        })?;
        let url = self.upload_url(&endpoint)?;
        self.put(url, body, size).await?;
        self.complete_update_session(session).await?;
        self.wait_update_session(session).await
    }

    /// The upload endpoint as a URL; a `*` host (some servers answer so) means ours.
    fn upload_url(&self, endpoint: &str) -> Result<Url, RestError> {
        let mut url = Url::parse(endpoint).map_err(|error| RestError::Decode {
            method: "POST".into(),
            path: format!("/rest/{UPDATE_SESSION_FILE}"),
            reason: format!("bad upload endpoint {endpoint:?}: {error}"),
        })?;
        if url.host_str() == Some("*") {
            let base = &self.inner.base;
            // Host and port of our own base URL always parse.
            let _ = url.set_host(base.host_str());
            let _ = url.set_port(base.port());
        }
        Ok(url)
    }

    /// `PUT`s the content with the session header.
    async fn put(&self, url: Url, body: reqwest::Body, size: u64) -> Result<(), RestError> {
        let mut request = self
            .inner
            .http
            .put(url.clone())
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, size)
            .body(body);
        if let Ok(mut value) = HeaderValue::from_str(self.inner.session.expose()) {
            value.set_sensitive(true);
            request = request.header(SESSION_HEADER, value);
        }
        let response = request
            .send()
            .await
            .map_err(|source| send_error(&Method::PUT, &url, source))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = response.bytes().await.unwrap_or_default();
        let (kind, messages) = super::error::classify(status.as_u16(), &bytes);
        Err(RestError::Api {
            method: "PUT".into(),
            path: url.path().to_owned(),
            status: status.as_u16(),
            kind,
            messages,
        })
    }

    /// Polls a completed session until the server leaves `ACTIVE`; `ERROR` or `CANCELED` is a
    /// failure.
    async fn wait_update_session(&self, session: &str) -> Result<(), RestError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let info = self.get_update_session(session).await?;
            match info.state.as_str() {
                "DONE" => return Ok(()),
                "ERROR" | "CANCELED" => {
                    return Err(RestError::Operation {
                        operation: "library item update session",
                        messages: vec![format!(
                            "session ended {}: {}",
                            info.state,
                            info.error_message().unwrap_or("no message")
                        )],
                    });
                }
                _ if started.elapsed() > COMPLETE_TIMEOUT => {
                    return Err(RestError::Operation {
                        operation: "library item update session",
                        messages: vec![format!("still {} after {COMPLETE_TIMEOUT:?}", info.state)],
                    });
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Deploys a VM from an OVF library item and returns the VM's moref. A deployment the
    /// server reports as failed is [`RestError::Operation`] with its messages.
    pub async fn deploy_ovf_item(
        &self,
        item_id: &str,
        spec: &OvfDeploySpec,
    ) -> Result<ManagedObjectReference, RestError> {
        let body = spec.document();
        let deployment: Deployment = self
            .value(
                Method::POST,
                OVF_LIBRARY_ITEM,
                Some(item_id),
                Some("deploy"),
                &[],
                Body::Json(&body),
            )
            .await?;
        match deployment {
            Deployment {
                succeeded: true,
                resource_id: Some(id),
                ..
            } => Ok(id.into()),
            Deployment { error, .. } => {
                let mut messages = Vec::new();
                if let Some(error) = &error {
                    default_messages(error, &mut messages);
                }
                Err(RestError::Operation {
                    operation: "OVF library item deployment",
                    messages,
                })
            }
        }
    }
}

impl RestClient {
    /// Captures `source_vm` (a VM or a VM template) as a new OVF library item named `name` in
    /// the local library `library_id` and returns the item id. The library is looked up first,
    /// so an unknown id is [`VapiErrorKind::NotFound`](super::VapiErrorKind::NotFound) on every
    /// server (vcsim 0.24 drops the connection instead of answering). A capture the server
    /// reports as failed is [`RestError::Operation`] with its messages.
    pub async fn create_ovf_library_item(
        &self,
        source_vm: &ManagedObjectReference,
        library_id: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<String, RestError> {
        self.get_library(library_id).await?;
        let mut create_spec = serde_json::Map::new();
        create_spec.insert("name".into(), name.into());
        if let Some(description) = description {
            create_spec.insert("description".into(), description.into());
        }
        let body = document!({
            "source": {"type": source_vm.kind.as_str(), "id": source_vm.value.as_str()},
            "target": {"library_id": library_id},
            "create_spec": create_spec,
        });
        let result: CreateResult = self
            .value(
                Method::POST,
                OVF_LIBRARY_ITEM,
                None,
                None,
                &[],
                Body::Json(&body),
            )
            .await?;
        match result {
            CreateResult {
                succeeded: true,
                ovf_library_item_id: Some(id),
                ..
            } => Ok(id),
            CreateResult { error, .. } => {
                let mut messages = Vec::new();
                if let Some(error) = &error {
                    default_messages(error, &mut messages);
                }
                Err(RestError::Operation {
                    operation: "OVF library item creation",
                    messages,
                })
            }
        }
    }
}

/// A streaming body over a local file, and its size.
async fn file_body(path: PathBuf) -> Result<(reqwest::Body, u64), RestError> {
    let io_error = |source| RestError::Io {
        path: path.clone(),
        source,
    };
    let file = tokio::fs::File::open(&path).await.map_err(io_error)?;
    let size = file.metadata().await.map_err(io_error)?.len();
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buffer = vec![0; CHUNK];
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buffer.truncate(read);
        Ok(Some((buffer, file)))
    });
    Ok((reqwest::Body::wrap_stream(stream), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_document_has_the_rest_field_names() {
        let spec = OvfDeploySpec {
            name: "vm1".into(),
            accept_all_eula: true,
            resource_pool_id: "resgroup-1".into(),
            network_mappings: vec![("VM Network".into(), "network-7".into())],
            ..OvfDeploySpec::default()
        };
        assert_eq!(
            spec.document(),
            document!({
                "deployment_spec": {
                    "name": "vm1",
                    "accept_all_EULA": true,
                    "network_mappings": [{"key": "VM Network", "value": "network-7"}],
                },
                "target": {"resource_pool_id": "resgroup-1"},
            })
        );
    }

    #[test]
    fn deployment_errors_keep_every_message() {
        let error = document!({"errors": [{"category": "SERVER", "error": {
            "@class": "com.vmware.vapi.std.errors.error",
            "messages": [{"default_message": "no ovf"}]}}]});
        let mut messages = Vec::new();
        default_messages(&error, &mut messages);
        assert_eq!(messages, vec!["no ovf".to_owned()]);
    }
}
