//! Datastore files: `[datastore] dir/file` paths, HTTP transfers through vCenter's `/folder`
//! endpoint, and the `FileManager` for directories and deletion.
//!
//! - [`DatastorePath`] parses and formats `[LocalDS_0] dir/file.vmdk` (errors for malformed
//!   input instead of guessing).
//! - [`DatastoreFiles`] transfers files for one datacenter:
//!   `https://<sdk host>/folder/<path>?dcPath=<datacenter path>&dsName=<datastore>`, on the same
//!   host and HTTP client as `/sdk` (same TLS settings) with the session cookie. Uploads and
//!   downloads stream (a large file is never held in memory) and report `(bytes done, total)` to
//!   a callback. HTTP 404 / 401 / other statuses become [`TransferError`] variants naming the
//!   datastore path.
//! - Directories are created (`MakeDirectory`) and files or directories deleted
//!   (`DeleteDatastoreFile_Task`) through the `FileManager`, whose faults (`FileNotFound`,
//!   `FileAlreadyExists`, `InvalidDatastore`, ...) come back as [`Error::Fault`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::finder::Datacenter;
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// Size of the pieces a body is streamed in.
const CHUNK: usize = 256 * 1024;

/// Time limit of one file transfer. The session's per-request timeout is sized for SOAP calls,
/// not for gigabytes of disk image.
pub(crate) const TRANSFER_TIMEOUT: std::time::Duration =
    std::time::Duration::from_secs(12 * 60 * 60);

/// A path on a datastore: `[datastore] path`, e.g. `[LocalDS_0] vm1/vm1.vmdk`. The path part is
/// relative to the datastore root and uses `/`; it may be empty (the datastore itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DatastorePath {
    /// The datastore's name, e.g. `LocalDS_0`.
    pub datastore: String,
    /// The path inside the datastore, e.g. `dir/file.vmdk` (no leading `/`).
    pub path: String,
}

/// Why a string is not a `[datastore] path`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatastorePathError {
    /// Nothing but whitespace.
    #[error("empty datastore path")]
    Empty,
    /// It does not start with `[`.
    #[error("datastore path {0:?} does not start with '[datastore]'")]
    MissingDatastore(String),
    /// The `[` is never closed.
    #[error("datastore path {0:?} has no closing ']'")]
    Unclosed(String),
    /// `[]`: the datastore name is empty.
    #[error("datastore path {0:?} names no datastore")]
    EmptyDatastore(String),
    /// A `..` or `.` component, which the HTTP endpoint would resolve outside the intended
    /// directory.
    #[error("datastore path {0:?} contains a '.' or '..' component")]
    DotComponent(String),
}

impl DatastorePath {
    /// `[datastore] path`, with any leading `/` of `path` removed.
    pub fn new(datastore: impl Into<String>, path: impl Into<String>) -> DatastorePath {
        let path: String = path.into();
        DatastorePath {
            datastore: datastore.into(),
            path: path.trim_start_matches('/').to_owned(),
        }
    }

    /// Parses `[datastore] path` (surrounding whitespace ignored, as govmomi does).
    pub fn parse(text: &str) -> Result<DatastorePath, DatastorePathError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(DatastorePathError::Empty);
        }
        let Some(rest) = trimmed.strip_prefix('[') else {
            return Err(DatastorePathError::MissingDatastore(text.to_owned()));
        };
        let Some((datastore, path)) = rest.split_once(']') else {
            return Err(DatastorePathError::Unclosed(text.to_owned()));
        };
        if datastore.trim().is_empty() {
            return Err(DatastorePathError::EmptyDatastore(text.to_owned()));
        }
        Ok(DatastorePath::new(datastore, path.trim()))
    }

    /// The same datastore, `name` appended to the path with a `/`.
    pub fn join(&self, name: &str) -> DatastorePath {
        let name = name.trim_start_matches('/');
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.path.trim_end_matches('/'))
        };
        DatastorePath {
            datastore: self.datastore.clone(),
            path,
        }
    }

    /// The path's components, refusing `.` and `..` (and ignoring empty ones from `//`).
    fn segments(&self) -> Result<Vec<&str>, DatastorePathError> {
        let segments: Vec<&str> = self
            .path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect();
        if segments
            .iter()
            .any(|segment| matches!(*segment, "." | ".."))
        {
            return Err(DatastorePathError::DotComponent(self.to_string()));
        }
        Ok(segments)
    }
}

impl FromStr for DatastorePath {
    type Err = DatastorePathError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DatastorePath::parse(text)
    }
}

impl fmt::Display for DatastorePath {
    /// `[datastore] path`, or `[datastore]` when the path is empty (govmomi's format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "[{}]", self.datastore)
        } else {
            write!(f, "[{}] {}", self.datastore, self.path)
        }
    }
}

/// Why an HTTP transfer (datastore `/folder` or NFC) failed. `target` names what was being
/// transferred: a datastore path (`[LocalDS_0] dir/file`) or an NFC file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The datastore path cannot be turned into a URL.
    #[error(transparent)]
    InvalidPath(#[from] DatastorePathError),
    /// `GET`/`HEAD`: HTTP 404, the file (or its datastore or datacenter) does not exist.
    #[error("{target}: not found (HTTP 404)")]
    NotFound {
        /// The datastore path or NFC file.
        target: String,
    },
    /// `PUT`: HTTP 404, which for an upload means the datacenter or the datastore does not
    /// exist (the server creates missing directories).
    #[error("{target}: datastore {datastore:?} not found in datacenter {datacenter:?} (HTTP 404)")]
    DatastoreNotFound {
        /// The datastore path.
        target: String,
        /// The datastore name sent as `dsName`.
        datastore: String,
        /// The datacenter path sent as `dcPath`.
        datacenter: String,
    },
    /// HTTP 401 or 403: the session cookie was refused (expired session, missing privilege).
    #[error("{target}: not authorised (HTTP {status})")]
    Unauthorized {
        /// The datastore path or NFC file.
        target: String,
        /// 401 or 403.
        status: u16,
    },
    /// Any other unsuccessful status.
    #[error("{method} {target}: HTTP {status}: {body}")]
    Status {
        /// The HTTP method.
        method: String,
        /// The datastore path or NFC file.
        target: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The request could not be sent or the response not read (connection, TLS, timeout).
    #[error("{method} {target}: HTTP request failed")]
    Http {
        /// The HTTP method.
        method: String,
        /// The datastore path or NFC file.
        target: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A local file could not be read or written.
    #[error("{target}: local file {}: {source}", file.display())]
    Local {
        /// The datastore path or NFC file.
        target: String,
        /// The local file.
        file: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The response is longer or shorter than announced.
    #[error("{target}: received {received} bytes, expected {expected}")]
    Truncated {
        /// The datastore path or NFC file.
        target: String,
        /// Bytes received.
        received: u64,
        /// `Content-Length`.
        expected: u64,
    },
}

/// Where the bytes of an upload come from.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// In memory.
    Bytes(Vec<u8>),
    /// `len` bytes of a local file starting at `offset` (a whole file, or an OVA member).
    File {
        /// The local file.
        path: PathBuf,
        /// Where the bytes start.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
}

impl Source {
    /// A whole local file (its size read now).
    pub(crate) async fn file(path: &Path) -> Result<Source, std::io::Error> {
        let len = tokio::fs::metadata(path).await?.len();
        Ok(Source::File {
            path: path.to_owned(),
            offset: 0,
            len,
        })
    }

    /// The body's length.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Bytes(bytes) => bytes.len() as u64,
            Source::File { len, .. } => *len,
        }
    }
}

/// Sends `request` with `source` as a streamed body of known length (`Content-Length`, no
/// chunked encoding), calling `progress` with the bytes handed to the connection so far. Only
/// a couple of chunks are buffered at any time. Returns the response, whatever its status.
pub(crate) async fn send_streaming(
    request: reqwest::RequestBuilder,
    source: Source,
    method: &Method,
    target: &str,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<reqwest::Response, TransferError> {
    let len = source.len();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let send = request
        .header(CONTENT_LENGTH, len)
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let local_file = match &source {
        Source::File { path, .. } => Some(path.clone()),
        Source::Bytes(_) => None,
    };
    let produce = async move {
        let mut sent = 0u64;
        progress(0);
        match source {
            Source::Bytes(bytes) => {
                for chunk in bytes.chunks(CHUNK) {
                    if sender.send(Ok(chunk.to_vec())).await.is_err() {
                        // The request ended early (an error status); the response says why.
                        return Ok(());
                    }
                    sent += chunk.len() as u64;
                    progress(sent);
                }
                Ok(())
            }
            Source::File { path, offset, len } => {
                let mut file = tokio::fs::File::open(&path).await?;
                file.seek(std::io::SeekFrom::Start(offset)).await?;
                while sent < len {
                    let want = usize::try_from(len - sent).unwrap_or(CHUNK).min(CHUNK);
                    let mut chunk = vec![0u8; want];
                    let read = file.read(&mut chunk).await?;
                    if read == 0 {
                        let error = std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            format!("file ended after {sent} of {len} bytes"),
                        );
                        // Fail the request too, so the server does not keep a short file.
                        let copy = std::io::Error::new(error.kind(), error.to_string());
                        let _ = sender.send(Err(copy)).await;
                        return Err(error);
                    }
                    chunk.truncate(read);
                    if sender.send(Ok(chunk)).await.is_err() {
                        return Ok(());
                    }
                    sent += read as u64;
                    progress(sent);
                }
                Ok(())
            }
        }
    };
    let (response, produced) = futures_util::future::join(send, produce).await;
    if let Err(source) = produced {
        return Err(TransferError::Local {
            target: target.to_owned(),
            file: local_file.unwrap_or_default(),
            source,
        });
    }
    response.map_err(|source| TransferError::Http {
        method: method.to_string(),
        target: target.to_owned(),
        source,
    })
}

/// The error for an unsuccessful status (`not_found` decides what a 404 means).
pub(crate) async fn status_error(
    response: reqwest::Response,
    method: &Method,
    target: &str,
    not_found: impl FnOnce() -> TransferError,
) -> TransferError {
    let status = response.status();
    match status {
        StatusCode::NOT_FOUND => not_found(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => TransferError::Unauthorized {
            target: target.to_owned(),
            status: status.as_u16(),
        },
        _ => {
            let body = response.text().await.unwrap_or_default();
            let body: String = body.trim().chars().take(200).collect();
            TransferError::Status {
                method: method.to_string(),
                target: target.to_owned(),
                status: status.as_u16(),
                body,
            }
        }
    }
}

/// Headers every side-channel request carries: the session cookie.
pub(crate) fn session_headers(client: &Client) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(value) = client
        .session_cookie()
        .and_then(|cookie| HeaderValue::from_str(&cookie).ok())
    {
        headers.insert(COOKIE, value);
    }
    headers
}

/// `/folder/<path>?dcPath=<datacenter>&dsName=<datastore>` on the host of `sdk`, every path
/// component percent-encoded (spaces, `#`, `?`, `%`, `[`... are all safe).
pub(crate) fn folder_url(
    sdk: &Url,
    datacenter_path: &str,
    path: &DatastorePath,
) -> Result<Url, DatastorePathError> {
    let segments = path.segments()?;
    let mut url = sdk.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.set_path("/folder");
    if let Ok(mut out) = url.path_segments_mut() {
        out.extend(segments);
    }
    url.query_pairs_mut()
        .append_pair("dcPath", datacenter_path)
        .append_pair("dsName", &path.datastore);
    Ok(url)
}

/// What the datastore's HTTP endpoint says of an existing path ([`DatastoreFiles::stat`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteFile {
    /// The size in bytes (`Content-Length`); `None` for a directory.
    pub size: Option<u64>,
}

/// `MakeDirectory` on the `FileManager`: creates a datastore directory.
#[derive(Clone, Debug, Serialize)]
pub struct MakeDirectory {
    /// The `FileManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The directory, `[datastore] dir`.
    pub name: String,
    /// The datacenter the datastore is in (required on vCenter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<ManagedObjectReference>,
    /// Create missing parents too (`mkdir -p`).
    #[serde(
        rename = "createParentDirectories",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_parent_directories: Option<bool>,
}

impl Request for MakeDirectory {
    const METHOD: &'static str = "MakeDirectory";
    // A repeat after a lost response faults with FileAlreadyExists.
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `DeleteDatastoreFile_Task` on the `FileManager`: deletes a file or a directory tree;
/// returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct DeleteDatastoreFileTask {
    /// The `FileManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The file or directory, `[datastore] path`.
    pub name: String,
    /// The datacenter the datastore is in (required on vCenter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<ManagedObjectReference>,
}

impl Request for DeleteDatastoreFileTask {
    const METHOD: &'static str = "DeleteDatastoreFile_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// File operations on the datastores of one datacenter (see the module docs).
#[derive(Clone, Debug)]
pub struct DatastoreFiles {
    client: Client,
    datacenter: ManagedObjectReference,
    datacenter_path: String,
}

impl DatastoreFiles {
    /// File operations in `datacenter` (e.g. [`Finder::datacenter`](crate::finder::Finder::datacenter)).
    pub fn new(client: &Client, datacenter: &Datacenter) -> DatastoreFiles {
        DatastoreFiles::with_path(client, &datacenter.moref, &datacenter.path)
    }

    /// File operations in the datacenter `datacenter` whose inventory path (the `dcPath` of
    /// the URLs) is `path`, e.g. `/DC0`.
    pub fn with_path(
        client: &Client,
        datacenter: &ManagedObjectReference,
        path: &str,
    ) -> DatastoreFiles {
        DatastoreFiles {
            client: client.clone(),
            datacenter: datacenter.clone(),
            datacenter_path: path.to_owned(),
        }
    }

    /// The `/folder` URL of `path` on the session's host.
    pub fn url(&self, path: &DatastorePath) -> Result<Url, TransferError> {
        Ok(folder_url(
            self.client.sdk_url(),
            &self.datacenter_path,
            path,
        )?)
    }

    fn upload_not_found(&self, path: &DatastorePath) -> TransferError {
        TransferError::DatastoreNotFound {
            target: path.to_string(),
            datastore: path.datastore.clone(),
            datacenter: self.datacenter_path.clone(),
        }
    }

    async fn upload(
        &self,
        path: &DatastorePath,
        source: Source,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<(), TransferError> {
        let url = self.url(path)?;
        let target = path.to_string();
        let total = source.len();
        let method = Method::PUT;
        let request = self
            .client
            .http()
            .request(method.clone(), url)
            .timeout(TRANSFER_TIMEOUT)
            .headers(session_headers(&self.client))
            .header(CONTENT_TYPE, "application/octet-stream");
        let mut report = |sent: u64| progress(sent, total);
        let response = send_streaming(request, source, &method, &target, &mut report).await?;
        if response.status().is_success() {
            tracing::debug!(%target, bytes = total, "uploaded");
            return Ok(());
        }
        Err(status_error(response, &method, &target, || self.upload_not_found(path)).await)
    }

    /// Uploads the local file `local` to `path` (replacing it; missing directories are
    /// created), streaming it and calling `progress(bytes sent, total)` as it goes.
    pub async fn upload_file(
        &self,
        path: &DatastorePath,
        local: &Path,
        mut progress: impl FnMut(u64, u64) + Send,
    ) -> Result<(), TransferError> {
        let source = Source::file(local)
            .await
            .map_err(|source| TransferError::Local {
                target: path.to_string(),
                file: local.to_owned(),
                source,
            })?;
        self.upload(path, source, &mut progress).await
    }

    /// Uploads `bytes` to `path` (replacing it), calling `progress(bytes sent, total)`.
    pub async fn upload_bytes(
        &self,
        path: &DatastorePath,
        bytes: Vec<u8>,
        mut progress: impl FnMut(u64, u64) + Send,
    ) -> Result<(), TransferError> {
        self.upload(path, Source::Bytes(bytes), &mut progress).await
    }

    /// Downloads `path` into the local file `local` (created or truncated), streaming it and
    /// calling `progress(bytes received, total)`; `total` is 0 when the server does not say.
    /// Returns the number of bytes written. A missing file is [`TransferError::NotFound`].
    pub async fn download_file(
        &self,
        path: &DatastorePath,
        local: &Path,
        mut progress: impl FnMut(u64, u64) + Send,
    ) -> Result<u64, TransferError> {
        let url = self.url(path)?;
        let target = path.to_string();
        let method = Method::GET;
        let http_error = |source| TransferError::Http {
            method: method.to_string(),
            target: target.clone(),
            source,
        };
        let mut response = self
            .client
            .http()
            .get(url)
            .timeout(TRANSFER_TIMEOUT)
            .headers(session_headers(&self.client))
            .send()
            .await
            .map_err(http_error)?;
        if !response.status().is_success() {
            return Err(
                status_error(response, &method, &target, || TransferError::NotFound {
                    target: target.clone(),
                })
                .await,
            );
        }
        let total = response.content_length().unwrap_or(0);
        let local_error = |source| TransferError::Local {
            target: target.clone(),
            file: local.to_owned(),
            source,
        };
        let mut file = tokio::fs::File::create(local).await.map_err(local_error)?;
        let mut received = 0u64;
        progress(0, total);
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            file.write_all(&chunk).await.map_err(local_error)?;
            received += chunk.len() as u64;
            progress(received, total);
        }
        file.flush().await.map_err(local_error)?;
        if total != 0 && received != total {
            return Err(TransferError::Truncated {
                target,
                received,
                expected: total,
            });
        }
        Ok(received)
    }

    /// Whether `path` exists (`HEAD`: 200 yes, 404 no; a directory exists too).
    pub async fn exists(&self, path: &DatastorePath) -> Result<bool, TransferError> {
        Ok(self.stat(path).await?.is_some())
    }

    /// What a `HEAD` request says of `path`: `None` when it does not exist, else its size when
    /// the server sends one (files; directory listings have none). One request, no task.
    pub async fn stat(&self, path: &DatastorePath) -> Result<Option<RemoteFile>, TransferError> {
        let url = self.url(path)?;
        let target = path.to_string();
        let method = Method::HEAD;
        let response = self
            .client
            .http()
            .head(url)
            .headers(session_headers(&self.client))
            .send()
            .await
            .map_err(|source| TransferError::Http {
                method: method.to_string(),
                target: target.clone(),
                source,
            })?;
        match response.status() {
            status if status.is_success() => Ok(Some(RemoteFile {
                size: response
                    .headers()
                    .get(CONTENT_LENGTH)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.trim().parse().ok()),
            })),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(
                status_error(response, &method, &target, || TransferError::NotFound {
                    target: target.clone(),
                })
                .await,
            ),
        }
    }

    fn file_manager(&self) -> ManagedObjectReference {
        self.client
            .service_content()
            .file_manager
            .clone()
            .unwrap_or_else(|| ManagedObjectReference::new("FileManager", "FileManager"))
    }

    /// Creates the directory `path` (`MakeDirectory`), with its parents when
    /// `create_parents`. An existing directory is a `FileAlreadyExists` fault.
    pub async fn make_directory(
        &self,
        path: &DatastorePath,
        create_parents: bool,
    ) -> Result<(), Error> {
        self.client
            .call(&MakeDirectory {
                this: self.file_manager(),
                name: path.to_string(),
                datacenter: Some(self.datacenter.clone()),
                create_parent_directories: Some(create_parents),
            })
            .await
    }

    /// Deletes the file or directory tree `path` (`DeleteDatastoreFile_Task`) and waits for
    /// the task. A missing file is a `FileNotFound` fault.
    pub async fn delete(&self, path: &DatastorePath) -> Result<(), Error> {
        let task = self
            .client
            .call(&DeleteDatastoreFileTask {
                this: self.file_manager(),
                name: path.to_string(),
                datacenter: Some(self.datacenter.clone()),
            })
            .await?;
        self.client.wait_for_task(&task).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_datastore_paths() {
        let path = DatastorePath::parse("[LocalDS_0] dir/file.vmdk").unwrap();
        assert_eq!(path, DatastorePath::new("LocalDS_0", "dir/file.vmdk"));
        assert_eq!(path.to_string(), "[LocalDS_0] dir/file.vmdk");
        let root: DatastorePath = "  [my ds]  ".parse().unwrap();
        assert_eq!(root, DatastorePath::new("my ds", ""));
        assert_eq!(root.to_string(), "[my ds]");
        assert_eq!(
            DatastorePath::parse("[ds]dir/a b.iso").unwrap().path,
            "dir/a b.iso"
        );
        assert_eq!(root.join("x/y").to_string(), "[my ds] x/y");
        assert_eq!(path.join("z").path, "dir/file.vmdk/z");
        assert_eq!(DatastorePath::parse(""), Err(DatastorePathError::Empty));
        assert_eq!(DatastorePath::parse("   "), Err(DatastorePathError::Empty));
        assert!(matches!(
            DatastorePath::parse("LocalDS_0/dir"),
            Err(DatastorePathError::MissingDatastore(_))
        ));
        assert!(matches!(
            DatastorePath::parse("[LocalDS_0 dir"),
            Err(DatastorePathError::Unclosed(_))
        ));
        assert!(matches!(
            DatastorePath::parse("[ ] dir"),
            Err(DatastorePathError::EmptyDatastore(_))
        ));
    }

    #[test]
    fn folder_urls_escape_odd_names() {
        let sdk = Url::parse("https://vc.example.com:8443/sdk?x=1").unwrap();
        let url = folder_url(
            &sdk,
            "/DC 0/sub",
            &DatastorePath::new("Local DS&1", "my dir/a#b?c%d [1].vmdk"),
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://vc.example.com:8443/folder/my%20dir/a%23b%3Fc%25d%20[1].vmdk\
             ?dcPath=%2FDC+0%2Fsub&dsName=Local+DS%261"
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("dcPath".to_owned(), "/DC 0/sub".to_owned()),
                ("dsName".to_owned(), "Local DS&1".to_owned())
            ]
        );
        let plain = folder_url(&sdk, "/DC0", &DatastorePath::new("LocalDS_0", "dir//f"))
            .unwrap()
            .to_string();
        assert_eq!(
            plain,
            "https://vc.example.com:8443/folder/dir/f?dcPath=%2FDC0&dsName=LocalDS_0"
        );
        assert!(matches!(
            folder_url(&sdk, "/DC0", &DatastorePath::new("ds", "a/../../etc")),
            Err(DatastorePathError::DotComponent(_))
        ));
    }

    /// Reads one HTTP/1.1 request (headers, then `Content-Length` bytes of body) and answers
    /// 201; returns the lower-cased head and the body.
    async fn serve_one(
        listener: tokio::net::TcpListener,
        answer: &'static str,
    ) -> (String, Vec<u8>) {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        let head_end = loop {
            let read = socket.read(&mut chunk).await.unwrap();
            assert!(read > 0, "connection closed before the headers ended");
            buffer.extend_from_slice(&chunk[..read]);
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length: "))
            .map(|value| value.trim().parse().unwrap())
            .unwrap_or(0);
        let mut body = buffer[head_end..].to_vec();
        while body.len() < length {
            let read = socket.read(&mut chunk).await.unwrap();
            assert!(read > 0, "connection closed inside the body");
            body.extend_from_slice(&chunk[..read]);
        }
        socket.write_all(answer.as_bytes()).await.unwrap();
        (head, body)
    }

    #[tokio::test]
    async fn streamed_bodies_have_a_content_length_and_report_progress() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(serve_one(
            listener,
            "HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n",
        ));
        let dir = std::env::temp_dir().join(format!("photon-vim-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("member.bin");
        let data: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        // A member in the middle of a bigger file, as in an OVA.
        let mut padded = b"HEADER".to_vec();
        padded.extend_from_slice(&data);
        padded.extend_from_slice(b"TRAILER");
        std::fs::write(&file, &padded).unwrap();
        let request = reqwest::Client::new()
            .post(format!("http://{address}/nfc/x/disk.vmdk"))
            .header(COOKIE, "vmware_soap_session=abc");
        let mut calls = Vec::new();
        let response = send_streaming(
            request,
            Source::File {
                path: file,
                offset: 6,
                len: data.len() as u64,
            },
            &Method::POST,
            "disk.vmdk",
            &mut |sent| calls.push(sent),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let (head, body) = server.await.unwrap();
        assert!(
            head.contains(&format!("content-length: {}", data.len())),
            "{head}"
        );
        assert!(!head.contains("transfer-encoding"), "{head}");
        assert!(head.contains("cookie: vmware_soap_session=abc"), "{head}");
        assert_eq!(body, data);
        assert_eq!(calls.first(), Some(&0));
        assert_eq!(calls.last(), Some(&(data.len() as u64)));
        assert!(calls.windows(2).all(|w| w[0] < w[1]), "{calls:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn error_statuses_become_typed_errors_naming_the_path() {
        let cases: [(&'static str, &str); 4] = [
            (
                "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n",
                "unauthorized",
            ),
            (
                "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n",
                "unauthorized",
            ),
            (
                "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
                "not found",
            ),
            (
                "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 9\r\n\r\ndisk full",
                "status",
            ),
        ];
        for (answer, expected) in cases {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let server = tokio::spawn(serve_one(listener, answer));
            let response = reqwest::Client::new()
                .put(format!("http://{address}/folder/a"))
                .body("x")
                .send()
                .await
                .unwrap();
            server.await.unwrap();
            let target = "[ds] dir/a";
            let error = status_error(response, &Method::PUT, target, || {
                TransferError::DatastoreNotFound {
                    target: target.into(),
                    datastore: "ds".into(),
                    datacenter: "/DC0".into(),
                }
            })
            .await;
            match (expected, &error) {
                ("unauthorized", TransferError::Unauthorized { target, status }) => {
                    assert_eq!(target, "[ds] dir/a");
                    assert!(matches!(status, 401 | 403));
                }
                ("not found", TransferError::DatastoreNotFound { .. }) => {}
                ("status", TransferError::Status { status, body, .. }) => {
                    assert_eq!(*status, 500);
                    assert_eq!(body, "disk full");
                }
                _ => panic!("{answer:?} gave {error:?}"),
            }
            assert!(error.to_string().contains("[ds] dir/a"), "{error}");
        }
    }
}
