//! Packer's Communicator (reference §4.6): how provisioners reach the machine being built. The
//! builder brings a [`Communicator`] (SSH, …) to [`Hook::run`](crate::Hook::run); the SDK serves
//! it as `Communicator.*` on the provisioners' stream, dialing the broker streams Packer names
//! for a command's stdin/stdout/stderr, an upload's reader and a download's writer.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use packer_rpc::Broker;
use packer_rpc::netrpc::{Request, Server, Value};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// A byte source handed to a [`Communicator`] (a command's stdin, an upload's content).
pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// A byte sink handed to a [`Communicator`] (a command's stdout/stderr, a download's target).
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;
/// Completes with a started command's exit status.
pub type CommandExit = Pin<Box<dyn Future<Output = i64> + Send>>;

/// The exit status the Go SDK reports when the transport, not the command, failed.
pub const TRANSPORT_FAILURE_STATUS: i64 = 123;

/// Where a command's standard streams go; `None` where Packer did not ask for one.
pub struct CommandIo {
    /// Read and sent to the command's stdin (EOF closes it).
    pub stdin: Option<Reader>,
    /// Receives the command's stdout.
    pub stdout: Option<Writer>,
    /// Receives the command's stderr.
    pub stderr: Option<Writer>,
}

/// What Packer says about an uploaded file (`os.FileInfo` as the SDK sends it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// Base name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Go `os.FileMode`: permission bits in the low 9 bits, type bits high.
    pub mode: u32,
}

impl FileInfo {
    /// The permission bits (`0o644` …), what a remote copy keeps.
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// A connection to the machine being built, as provisioners use it.
#[async_trait]
pub trait Communicator: Send + Sync + 'static {
    /// Starts `command` (a shell command line) and returns once it runs; the returned future
    /// completes with its exit status after its output has been written to `io`.
    async fn start(&self, command: &str, io: CommandIo) -> Result<CommandExit, String>;
    /// Writes `data` to the file `path` on the machine (`info` is absent when Packer did not
    /// stat the source).
    async fn upload(&self, path: &str, data: Reader, info: Option<FileInfo>) -> Result<(), String>;
    /// Copies the local directory `src` (on the Packer host) to `dst` on the machine. With a
    /// trailing `/` on `src` its contents go into `dst`, else the directory itself does.
    async fn upload_dir(&self, dst: &str, src: &Path, exclude: &[String]) -> Result<(), String>;
    /// Writes the machine's file `path` to `out` (dropping `out` ends the download).
    async fn download(&self, path: &str, out: Writer) -> Result<(), String>;
    /// Copies the machine's directory `src` to the local directory `dst`.
    async fn download_dir(&self, src: &str, dst: &Path, exclude: &[String]) -> Result<(), String>;
}

fn field<'a>(args: &'a Value, name: &str) -> Result<&'a Value, String> {
    args.get(name)
        .ok_or_else(|| format!("Communicator call without {name}"))
}

fn string_field(args: &Value, name: &str) -> Result<String, String> {
    field(args, name)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("Communicator call: {name} is not a string"))
}

/// A broker id Packer must give (0 would dial its main stream).
fn required_stream_id(args: &Value, name: &str) -> Result<u32, String> {
    match stream_id(args, name)? {
        0 => Err(format!("Communicator call without {name}")),
        id => Ok(id),
    }
}

/// A broker id, 0 meaning "none".
fn stream_id(args: &Value, name: &str) -> Result<u32, String> {
    match args.get(name) {
        None | Some(Value::Nil) => Ok(0),
        Some(value) => value
            .as_u32()
            .ok_or_else(|| format!("Communicator call: {name} is not a stream id")),
    }
}

fn strings_field(args: &Value, name: &str) -> Result<Vec<String>, String> {
    match args.get(name) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(value) => value
            .as_array()
            .ok_or_else(|| format!("Communicator call: {name} is not a list"))?
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("Communicator call: {name} holds a non-string"))
            })
            .collect(),
    }
}

fn file_info(args: &Value) -> Result<Option<FileInfo>, String> {
    let Some(info) = args.get("FileInfo").filter(|v| !v.is_nil()) else {
        return Ok(None);
    };
    let bad = |key: &str, what: &str| format!("Communicator.Upload: FileInfo.{key} is not {what}");
    Ok(Some(FileInfo {
        name: info
            .get("N")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("N", "a string"))?
            .to_owned(),
        size: info
            .get("S")
            .and_then(Value::as_i64)
            .and_then(|size| u64::try_from(size).ok())
            .ok_or_else(|| bad("S", "a size in bytes"))?,
        mode: info
            .get("M")
            .and_then(Value::as_u32)
            .ok_or_else(|| bad("M", "a file mode"))?,
    }))
}

async fn dial(broker: &Broker, id: u32, what: &str) -> Result<packer_rpc::Stream, String> {
    broker
        .dial(id)
        .await
        .map_err(|error| format!("cannot reach Packer's {what} stream {id}: {error}"))
}

/// Registers `Communicator` on `server`, serving `communicator` with streams dialed on `broker`.
pub(crate) fn register(server: &Server, communicator: Arc<dyn Communicator>, broker: Broker) {
    server.register_fn("Communicator", move |request: Request| {
        let communicator = communicator.clone();
        let broker = broker.clone();
        async move {
            match request.method.as_str() {
                "Start" => start(&*communicator, &broker, &request.args).await,
                "Upload" => {
                    let path = string_field(&request.args, "Path")?;
                    let id = required_stream_id(&request.args, "ReaderStreamId")?;
                    let info = file_info(&request.args)?;
                    let reader = dial(&broker, id, "upload").await?;
                    communicator.upload(&path, Box::new(reader), info).await?;
                    Ok(Value::Nil)
                }
                "Download" => {
                    let path = string_field(&request.args, "Path")?;
                    let id = required_stream_id(&request.args, "WriterStreamId")?;
                    let stream = dial(&broker, id, "download").await?;
                    // Through a pipe, so that the stream is closed (EOF for Packer) however
                    // the communicator ends.
                    let (near, far) = tokio::io::duplex(64 * 1024);
                    let copy = tokio::spawn(copy_then_close(far, stream));
                    let result = communicator.download(&path, Box::new(near)).await;
                    let copied = copy.await;
                    result?;
                    match copied {
                        Ok(Ok(_)) => Ok(Value::Nil),
                        Ok(Err(error)) => Err(format!("sending {path} to Packer: {error}")),
                        Err(error) => Err(format!("sending {path} to Packer: {error}")),
                    }
                }
                "UploadDir" => {
                    let dst = string_field(&request.args, "Dst")?;
                    let src = string_field(&request.args, "Src")?;
                    let exclude = strings_field(&request.args, "Exclude")?;
                    communicator
                        .upload_dir(&dst, Path::new(&src), &exclude)
                        .await?;
                    Ok(Value::Nil)
                }
                "DownloadDir" => {
                    // The Go server decodes DownloadDir's args as UploadDir's: Src is the
                    // machine's directory, Dst the local one.
                    let dst = string_field(&request.args, "Dst")?;
                    let src = string_field(&request.args, "Src")?;
                    let exclude = strings_field(&request.args, "Exclude")?;
                    communicator
                        .download_dir(&src, &PathBuf::from(dst), &exclude)
                        .await?;
                    Ok(Value::Nil)
                }
                _ => Err(request.unknown_method()),
            }
        }
    });
}

/// `Communicator.Start`: dial the streams, start the command, answer once it runs; when it
/// ends, close its output streams, then send `CommandFinished` on the response stream.
async fn start(
    communicator: &dyn Communicator,
    broker: &Broker,
    args: &Value,
) -> Result<Value, String> {
    let command = string_field(args, "Command")?;
    let mut io = CommandIo {
        stdin: None,
        stdout: None,
        stderr: None,
    };
    let id = stream_id(args, "StdinStreamId")?;
    if id != 0 {
        io.stdin = Some(Box::new(dial(broker, id, "stdin").await?));
    }
    // Output goes through a pipe we own so that, after the command, we can close (FIN) the
    // broker streams before reporting the exit: Packer then has all the output.
    let mut outputs = Vec::new();
    for (name, slot) in [
        ("StdoutStreamId", &mut io.stdout),
        ("StderrStreamId", &mut io.stderr),
    ] {
        let id = stream_id(args, name)?;
        if id != 0 {
            let stream = dial(broker, id, name).await?;
            let (near, far) = tokio::io::duplex(64 * 1024);
            *slot = Some(Box::new(near));
            outputs.push(tokio::spawn(copy_then_close(far, stream)));
        }
    }
    let response_id = required_stream_id(args, "ResponseStreamId")?;
    let mut response = dial(broker, response_id, "response").await?;
    let exit = communicator.start(&command, io).await?;
    // Not the command line: provisioners put environment variables (secrets too) in it.
    tracing::debug!("started a remote command");
    tokio::spawn(async move {
        let status = exit.await;
        for output in outputs {
            if let Err(error) = output.await {
                tracing::warn!("a command output copy failed: {error}");
            }
        }
        tracing::info!("remote command ended with {status}");
        let bytes = hcl_spec::encode_command_finished(status);
        if let Err(error) = response.write_all(&bytes).await {
            tracing::warn!("cannot report a command's exit to Packer: {error}");
        }
        let _ = response.shutdown().await;
    });
    Ok(Value::Nil)
}

/// Copies a command's output to Packer's stream until the command's side closes, then sends FIN.
async fn copy_then_close(
    mut from: tokio::io::DuplexStream,
    mut to: packer_rpc::Stream,
) -> std::io::Result<u64> {
    let copied = tokio::io::copy(&mut from, &mut to).await;
    let _ = to.shutdown().await;
    copied
}
