#![allow(clippy::unwrap_used)]
//! The Communicator served during `Hook::run` (reference §4.5, §4.6, A.4), driven the way Packer
//! drives it: a fake Packer on the yamux client side answers the plugin's `Hook.Run` by dialing
//! the provisioners' stream and calling `Communicator.*` there, allocating and accepting the
//! broker streams those calls name. The plugin's communicator really runs `sh -c` and really
//! reads and writes files in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use packer_rpc::netrpc::{CallError, Client, Request, Server, Timestamp, Value};
use packer_rpc::{Broker, Session, Stream};
use packer_sdk::{
    CancellationToken, CommandExit, CommandIo, Communicator, FileInfo, Hook, NO_COMMUNICATOR,
    Reader, TRANSPORT_FAILURE_STATUS, Writer, async_trait,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// Generous for a loaded box; a deadlock fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(30);

/// More than yamux's 256 KiB stream window, so flow control must work in both directions.
const BIG: usize = 300 * 1024;

/// Appendix A.4: the gob type message for `CommandFinished{ExitStatus int}`.
const COMMAND_FINISHED_TYPE: &str =
    "2cff810301010f436f6d6d616e6446696e697368656401ff82000101010a457869745374617475730104000000";

// ------------------------------------------------------------------ the plugin's communicator

/// A communicator whose "machine" is this one: commands run under `sh -c`, paths are local.
#[derive(Default)]
struct LocalCommunicator {
    uploads: Mutex<Vec<(String, Option<FileInfo>)>>,
    dir_copies: Mutex<Vec<DirCopy>>,
    /// A permit per command that has exited with all its output handed to the SDK.
    exited: Arc<Notify>,
}

/// A directory copy as the communicator was asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DirCopy {
    Up {
        dst: String,
        src: PathBuf,
        exclude: Vec<String>,
    },
    Down {
        src: String,
        dst: PathBuf,
        exclude: Vec<String>,
    },
}

fn piped_if(wanted: bool) -> Stdio {
    if wanted {
        Stdio::piped()
    } else {
        Stdio::null()
    }
}

/// Copies `from` to `to` in the background; the writer is dropped at the end, not shut down, as
/// a careless implementation would: closing Packer's stream is the SDK's job.
fn pump(
    mut from: impl AsyncRead + Send + Unpin + 'static,
    mut to: impl AsyncWrite + Send + Unpin + 'static,
) -> JoinHandle<std::io::Result<u64>> {
    tokio::spawn(async move { tokio::io::copy(&mut from, &mut to).await })
}

#[async_trait]
impl Communicator for LocalCommunicator {
    async fn start(&self, command: &str, io: CommandIo) -> Result<CommandExit, String> {
        let CommandIo {
            stdin,
            stdout,
            stderr,
        } = io;
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(piped_if(stdin.is_some()))
            .stdout(piped_if(stdout.is_some()))
            .stderr(piped_if(stderr.is_some()))
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| format!("cannot run sh (install a POSIX shell): {error}"))?;
        if let (Some(from), Some(to)) = (stdin, child.stdin.take()) {
            // Not awaited: a command may exit without reading its input.
            pump(from, to);
        }
        let mut outputs = Vec::new();
        if let (Some(from), Some(to)) = (child.stdout.take(), stdout) {
            outputs.push(pump(from, to));
        }
        if let (Some(from), Some(to)) = (child.stderr.take(), stderr) {
            outputs.push(pump(from, to));
        }
        let exited = self.exited.clone();
        Ok(Box::pin(async move {
            let status = child.wait().await;
            // The trait promises the output is written when the exit is reported.
            for output in outputs {
                output.await.unwrap().unwrap();
            }
            exited.notify_one();
            match status.map(|status| status.code()) {
                Ok(Some(code)) => i64::from(code),
                _ => TRANSPORT_FAILURE_STATUS,
            }
        }))
    }

    async fn upload(
        &self,
        path: &str,
        mut data: Reader,
        info: Option<FileInfo>,
    ) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        self.uploads
            .lock()
            .unwrap()
            .push((path.to_owned(), info.clone()));
        std::fs::File::create(path).map_err(|error| format!("cannot create {path}: {error}"))?;
        let mut content = Vec::new();
        data.read_to_end(&mut content)
            .await
            .map_err(|error| format!("cannot receive {path}: {error}"))?;
        std::fs::write(path, content).map_err(|error| format!("cannot write {path}: {error}"))?;
        if let Some(info) = info {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(info.permissions()))
                .map_err(|error| format!("cannot chmod {path}: {error}"))?;
        }
        Ok(())
    }

    async fn upload_dir(&self, dst: &str, src: &Path, exclude: &[String]) -> Result<(), String> {
        self.dir_copies.lock().unwrap().push(DirCopy::Up {
            dst: dst.to_owned(),
            src: src.to_owned(),
            exclude: exclude.to_vec(),
        });
        copy_dir(src, Path::new(dst), exclude)
    }

    async fn download(&self, path: &str, out: Writer) -> Result<(), String> {
        let content =
            std::fs::read(path).map_err(|error| format!("cannot read {path}: {error}"))?;
        pump(std::io::Cursor::new(content), out)
            .await
            .unwrap()
            .map_err(|error| format!("cannot send {path}: {error}"))?;
        Ok(())
    }

    async fn download_dir(&self, src: &str, dst: &Path, exclude: &[String]) -> Result<(), String> {
        self.dir_copies.lock().unwrap().push(DirCopy::Down {
            src: src.to_owned(),
            dst: dst.to_owned(),
            exclude: exclude.to_vec(),
        });
        copy_dir(Path::new(src), dst, exclude)
    }
}

/// Packer's directory rule: `src/` copies the contents into `dst`, `src` the directory itself.
/// Entries named in `exclude` are skipped.
fn copy_dir(src: &Path, dst: &Path, exclude: &[String]) -> Result<(), String> {
    let target = if src.as_os_str().to_string_lossy().ends_with('/') {
        dst.to_owned()
    } else {
        dst.join(src.file_name().ok_or("source directory has no name")?)
    };
    copy_tree(src, &target, exclude).map_err(|error| {
        format!(
            "cannot copy {} to {}: {error}",
            src.display(),
            target.display()
        )
    })
}

fn copy_tree(src: &Path, dst: &Path, exclude: &[String]) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        if exclude.iter().any(|skip| name.to_str() == Some(skip)) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dst.join(&name), exclude)?;
        } else {
            std::fs::copy(entry.path(), dst.join(&name))?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ the fake Packer

/// One build's provisioning, seen from Packer while the plugin's `Hook.Run` is in flight.
struct Provisioning {
    /// Packer's client on the provisioners' stream the plugin named in `Hook.Run`.
    client: Client,
    /// Packer's broker, which allocates the streams named in `Communicator.*` calls.
    broker: Broker,
    /// What `Hook.Run` answers once the test is done with the provisioners.
    answer: oneshot::Sender<Result<(), String>>,
    /// The plugin's `Hook::run` call.
    hook_run: JoinHandle<Result<(), String>>,
    hook_run_args: Value,
    packer: Session,
    plugin: Session,
}

/// Connects a plugin and a fake Packer and has the plugin run the `packer_provision` hook with
/// `communicator`; returns once Packer has dialed the provisioners' stream.
async fn provision(communicator: Option<Arc<dyn Communicator>>) -> Provisioning {
    let (plugin_end, packer_end) = tokio::io::duplex(1 << 20);
    let (plugin, incoming) = Session::server(plugin_end);
    let plugin_broker = Broker::new(plugin.clone(), incoming);
    let (packer, incoming) = Session::client(packer_end);
    let broker = Broker::new(packer.clone(), incoming);

    // Packer serves Hook on a stream of its own (the Ui stream of Builder.Run).
    let (runs_tx, mut runs) = mpsc::unbounded_channel();
    let hook_id = broker.next_id();
    let server = Server::new();
    server.register_fn("Hook", {
        let broker = broker.clone();
        move |request: Request| {
            let broker = broker.clone();
            let runs_tx = runs_tx.clone();
            async move {
                if request.method != "Run" {
                    return Err(request.unknown_method());
                }
                let id = request.args.get("StreamId").unwrap().as_u32().unwrap();
                // Packer dials the plugin's stream at once, provisioners or not.
                let client = Client::new(broker.dial(id).await.unwrap());
                let (answer, answered) = oneshot::channel::<Result<(), String>>();
                runs_tx.send((client, request.args, answer)).unwrap();
                answered.await.unwrap().map(|()| Value::Nil)
            }
        }
    });
    tokio::spawn({
        let broker = broker.clone();
        async move { server.serve(broker.accept(hook_id).await.unwrap()).await }
    });

    let hook = Hook::new(
        Client::new(plugin_broker.dial(hook_id).await.unwrap()),
        plugin_broker,
    );
    let hook_run = tokio::spawn(async move {
        let mut data = serde_json::Map::new();
        data.insert("ID".into(), "vm-1".into());
        hook.run(
            "packer_provision",
            data,
            communicator,
            &CancellationToken::new(),
        )
        .await
    });
    let (client, hook_run_args, answer) = runs.recv().await.unwrap();
    Provisioning {
        client,
        broker,
        answer,
        hook_run,
        hook_run_args,
        packer,
        plugin,
    }
}

impl Provisioning {
    async fn call(&self, method: &str, args: Value) -> Result<Value, CallError> {
        self.client
            .call(&format!("Communicator.{method}"), args)
            .await
    }

    /// A broker id for the plugin to dial, accepted in the background as Packer does.
    fn offer_stream(&self) -> (u32, JoinHandle<Stream>) {
        let id = self.broker.next_id();
        let broker = self.broker.clone();
        (
            id,
            tokio::spawn(async move { broker.accept(id).await.unwrap() }),
        )
    }

    /// A stream the plugin will read `content` from (stdin, an upload), closed after it.
    fn offer_content(&self, content: Vec<u8>) -> (u32, JoinHandle<std::io::Result<()>>) {
        let (id, stream) = self.offer_stream();
        let sent = tokio::spawn(async move {
            let mut stream = stream.await.unwrap();
            stream.write_all(&content).await?;
            stream.shutdown().await
        });
        (id, sent)
    }

    /// `Communicator.Start` with the streams Packer's RemoteCmd asks for, collecting the output
    /// until the response stream ends.
    ///
    /// With `exited`, Packer reads no output until the command has exited, then lets the plugin
    /// run on for a while: output larger than the stream window is then still on its way, and a
    /// plugin that reports the exit before closing the output has its CommandFinished waiting
    /// here before the end of stdout, which fails the ordering check.
    async fn run_command(
        &self,
        command: &str,
        stdin: Option<Vec<u8>>,
        output: bool,
        exited: Option<&Notify>,
    ) -> Finished {
        let (stdin_id, stdin_sent) = match stdin {
            Some(content) => {
                let (id, sent) = self.offer_content(content);
                (id, Some(sent))
            }
            None => (0, None),
        };
        let (stdout_id, stdout) = self.offer_output(output);
        let (stderr_id, stderr) = self.offer_output(output);
        let (response_id, response) = self.offer_stream();
        let args = Value::record([
            ("Command", Value::from(command)),
            ("StdinStreamId", Value::Uint(u64::from(stdin_id))),
            ("StdoutStreamId", Value::Uint(u64::from(stdout_id))),
            ("StderrStreamId", Value::Uint(u64::from(stderr_id))),
            ("ResponseStreamId", Value::Uint(u64::from(response_id))),
        ]);
        assert_eq!(self.call("Start", args).await.unwrap(), Value::Nil);

        let mut stdout = Pipe::new(stdout).await;
        let mut stderr = Pipe::new(stderr).await;
        let mut response = Pipe::new(Some(response)).await;
        if let Some(exited) = exited {
            exited.notified().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let output_ended_first = loop {
            // Biased: output is drained before the response is looked at, so once the
            // response ends, output the plugin closed earlier has been read to its end too.
            tokio::select! {
                biased;
                () = stdout.fill() => {}
                () = stderr.fill() => {}
                () = response.fill() => {
                    if response.ended {
                        break stdout.ended && stderr.ended;
                    }
                }
            }
        };
        if let Some(sent) = stdin_sent {
            sent.await.unwrap().unwrap();
        }
        for (pipe, name) in [(&mut stdout, "stdout"), (&mut stderr, "stderr")] {
            pipe.assert_closed_with_fin(name).await;
        }
        response.assert_closed_with_fin("response").await;
        Finished {
            stdout: stdout.bytes,
            stderr: stderr.bytes,
            response: response.bytes,
            output_ended_first,
        }
    }

    fn offer_output(&self, wanted: bool) -> (u32, Option<JoinHandle<Stream>>) {
        if wanted {
            let (id, stream) = self.offer_stream();
            (id, Some(stream))
        } else {
            (0, None)
        }
    }

    /// Lets the plugin's `Hook.Run` return and checks it succeeded.
    async fn finish(self) {
        self.finish_with(Ok(())).await;
    }

    /// Answers the plugin's `Hook.Run` with `outcome` (an error: a provisioner failed) and
    /// checks `Hook::run` returns just that.
    async fn finish_with(self, outcome: Result<(), String>) {
        self.answer.send(outcome.clone()).unwrap();
        assert_eq!(self.hook_run.await.unwrap(), outcome);
        self.packer.close().await;
        self.plugin.closed().await.unwrap();
    }
}

/// What Packer got from one `Communicator.Start`.
struct Finished {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    response: Vec<u8>,
    /// stdout and stderr had reached EOF when the response stream did.
    output_ended_first: bool,
}

/// One of a command's streams on Packer's side, read bit by bit.
struct Pipe {
    stream: Option<Stream>,
    bytes: Vec<u8>,
    ended: bool,
}

impl Pipe {
    /// `None`: a stream Packer did not ask for, ended from the start.
    async fn new(accepted: Option<JoinHandle<Stream>>) -> Self {
        let stream = match accepted {
            Some(accepted) => Some(accepted.await.unwrap()),
            None => None,
        };
        Self {
            ended: stream.is_none(),
            stream,
            bytes: Vec::new(),
        }
    }

    /// Reads what is there (cancel-safe); never completes once the stream has ended, so it can
    /// sit in a `select!` loop.
    async fn fill(&mut self) {
        match &mut self.stream {
            Some(stream) if !self.ended => {
                let mut chunk = [0u8; 16 * 1024];
                let n = stream.read(&mut chunk).await.unwrap();
                self.bytes.extend_from_slice(&chunk[..n]);
                self.ended = n == 0;
            }
            _ => std::future::pending().await,
        }
    }

    async fn assert_closed_with_fin(&mut self, name: &str) {
        if let Some(stream) = &mut self.stream {
            assert_closed_with_fin(stream, name).await;
        }
    }
}

/// Go's yamux reads a reset stream as an error, not as EOF, even with data still buffered:
/// Packer needs a FIN at the end of every stream the plugin writes. This crate's yamux reads
/// both as EOF, but a reset stream refuses our writes while a half-closed one takes them.
async fn ended_with_fin(stream: &mut Stream) -> bool {
    stream.write_all(b"?").await.is_ok()
}

async fn assert_closed_with_fin(stream: &mut Stream, name: &str) {
    assert!(
        ended_with_fin(stream).await,
        "the plugin reset the {name} stream instead of closing it (FIN)"
    );
}

/// Everything up to EOF, which must be a FIN.
async fn read_until_fin(mut stream: Stream, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    assert_closed_with_fin(&mut stream, name).await;
    bytes
}

// ------------------------------------------------------------------ helpers

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appendix A.4's bytes for `CommandFinished{status}`: the type message, then the value message.
fn command_finished_hex(value_message: &str) -> String {
    format!("{COMMAND_FINISHED_TYPE}{value_message}")
}

/// Bytes that are not one repeated value, so a lost or reordered chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn server_error(result: Result<Value, CallError>) -> String {
    match result {
        Err(CallError::Server(text)) => text,
        other => panic!("expected an RPC error, got {other:?}"),
    }
}

fn path_str(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn start_pipes_big_stdin_through_and_reports_the_exit_after_the_output() {
    timeout(LIMIT, async {
        let communicator = Arc::new(LocalCommunicator::default());
        let packer = provision(Some(communicator.clone())).await;
        assert_eq!(
            packer.hook_run_args.get("Name"),
            Some(&Value::from("packer_provision"))
        );
        assert_eq!(
            packer.hook_run_args.get("Data").unwrap().get("ID"),
            Some(&Value::from("vm-1"))
        );

        let input = pattern(BIG);
        let finished = packer
            .run_command(
                "cat; echo err >&2; exit 3",
                Some(input.clone()),
                true,
                Some(&communicator.exited),
            )
            .await;
        assert!(
            finished.output_ended_first,
            "CommandFinished arrived before stdout/stderr were closed ({} of {} stdout bytes)",
            finished.stdout.len(),
            input.len()
        );
        assert_eq!(finished.stdout.len(), input.len());
        assert!(finished.stdout == input, "stdout differs from stdin");
        assert_eq!(finished.stderr, b"err\n");
        // Status 3 is zigzag 6: value message `len ff82 [01 06 00]`, like A.4's status 1.
        assert_eq!(
            hex(&finished.response),
            command_finished_hex("05ff82010600")
        );
        packer.finish().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn start_with_only_a_response_stream_reports_golden_statuses() {
    timeout(LIMIT, async {
        let packer = provision(Some(Arc::new(LocalCommunicator::default()))).await;
        let cases = [
            ("true", "03ff8200"),
            ("exit 1", "05ff82010200"),
            // What sh answers for a command it cannot find.
            ("no-such-command-anywhere", "06ff8201fffe00"),
        ];
        for (command, value_message) in cases {
            let finished = packer.run_command(command, None, false, None).await;
            assert_eq!(
                hex(&finished.response),
                command_finished_hex(value_message),
                "{command}"
            );
            assert!(finished.stdout.is_empty() && finished.stderr.is_empty());
        }
        // The golden bytes of A.4 as given there, once, to tie the helper to the appendix.
        assert_eq!(
            unhex(&command_finished_hex("03ff8200")),
            unhex(
                "2cff810301010f436f6d6d616e6446696e697368656401ff82000101010a45786974537461747573010400000003ff8200"
            )
        );
        packer.finish().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn upload_writes_the_file_with_its_mode_and_download_streams_it_back() {
    timeout(LIMIT, async {
        let communicator = Arc::new(LocalCommunicator::default());
        let packer = provision(Some(communicator.clone())).await;
        let dir = tempfile::tempdir().unwrap();

        // With a FileInfo (T nil, as for a file Packer did not stat for time).
        let content = pattern(BIG);
        let target = dir.path().join("setup.sh");
        let (id, sent) = packer.offer_content(content.clone());
        let info = Value::record([
            ("N", Value::from("setup.sh")),
            ("S", Value::Int(i64::try_from(content.len()).unwrap())),
            ("M", Value::Uint(0o640)),
            ("T", Value::Nil),
        ]);
        let args = Value::record([
            ("Path", Value::from(path_str(&target))),
            ("ReaderStreamId", Value::Uint(u64::from(id))),
            ("FileInfo", info),
        ]);
        assert_eq!(packer.call("Upload", args).await.unwrap(), Value::Nil);
        sent.await.unwrap().unwrap();
        assert!(
            std::fs::read(&target).unwrap() == content,
            "uploaded bytes differ"
        );
        assert_eq!(mode_of(&target), 0o640);

        // A FileInfo with a time, and type bits above the permissions (a Go os.FileMode).
        let timed = dir.path().join("timed");
        let (id, sent) = packer.offer_content(b"t".to_vec());
        let info = Value::record([
            ("N", Value::from("timed")),
            ("S", Value::Int(1)),
            ("M", Value::Uint(0o600 | 1 << 27)),
            (
                "T",
                Value::Time(Timestamp {
                    secs: 1_700_000_000,
                    nanos: 5,
                }),
            ),
        ]);
        let args = Value::record([
            ("Path", Value::from(path_str(&timed))),
            ("ReaderStreamId", Value::Uint(u64::from(id))),
            ("FileInfo", info),
        ]);
        assert_eq!(packer.call("Upload", args).await.unwrap(), Value::Nil);
        sent.await.unwrap().unwrap();
        assert_eq!(mode_of(&timed), 0o600);

        // Without one.
        let plain = dir.path().join("plain.txt");
        let (id, sent) = packer.offer_content(b"hello\n".to_vec());
        let args = Value::record([
            ("Path", Value::from(path_str(&plain))),
            ("ReaderStreamId", Value::Uint(u64::from(id))),
            ("FileInfo", Value::Nil),
        ]);
        assert_eq!(packer.call("Upload", args).await.unwrap(), Value::Nil);
        sent.await.unwrap().unwrap();
        assert_eq!(std::fs::read(&plain).unwrap(), b"hello\n");

        assert_eq!(
            *communicator.uploads.lock().unwrap(),
            vec![
                (
                    path_str(&target),
                    Some(FileInfo {
                        name: "setup.sh".into(),
                        size: content.len() as u64,
                        mode: 0o640,
                    })
                ),
                (
                    path_str(&timed),
                    Some(FileInfo {
                        name: "timed".into(),
                        size: 1,
                        mode: 0o600 | 1 << 27,
                    })
                ),
                (path_str(&plain), None),
            ]
        );

        // Download: the bytes, then EOF (a FIN).
        let (id, stream) = packer.offer_stream();
        let received =
            tokio::spawn(async move { read_until_fin(stream.await.unwrap(), "download").await });
        let args = Value::record([
            ("Path", Value::from(path_str(&target))),
            ("WriterStreamId", Value::Uint(u64::from(id))),
        ]);
        assert_eq!(packer.call("Download", args).await.unwrap(), Value::Nil);
        assert!(
            received.await.unwrap() == content,
            "downloaded bytes differ"
        );
        packer.finish().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn upload_dir_and_download_dir_pass_their_arguments_in_the_right_places() {
    timeout(LIMIT, async {
        let communicator = Arc::new(LocalCommunicator::default());
        let packer = provision(Some(communicator.clone())).await;
        let local = tempfile::tempdir().unwrap();
        let machine = tempfile::tempdir().unwrap();

        let src = local.path().join("site");
        std::fs::create_dir_all(src.join("conf")).unwrap();
        std::fs::write(src.join("conf/app.ini"), "a=1").unwrap();
        std::fs::write(src.join("debug.log"), "noise").unwrap();
        let dst = path_str(&machine.path().join("srv"));
        let args = Value::record([
            ("Dst", Value::from(dst.clone())),
            ("Src", Value::from(format!("{}/", src.display()))),
            ("Exclude", Value::strings(["debug.log"])),
        ]);
        assert_eq!(packer.call("UploadDir", args).await.unwrap(), Value::Nil);
        assert_eq!(
            std::fs::read_to_string(machine.path().join("srv/conf/app.ini")).unwrap(),
            "a=1"
        );
        assert!(!machine.path().join("srv/debug.log").exists());

        // DownloadDir travels in UploadDir's struct: Src on the machine, Dst local.
        let fetched = local.path().join("fetched");
        let args = Value::record([
            ("Dst", Value::from(path_str(&fetched))),
            ("Src", Value::from(dst.clone())),
            ("Exclude", Value::Nil),
        ]);
        assert_eq!(packer.call("DownloadDir", args).await.unwrap(), Value::Nil);
        assert_eq!(
            std::fs::read_to_string(fetched.join("srv/conf/app.ini")).unwrap(),
            "a=1"
        );

        assert_eq!(
            *communicator.dir_copies.lock().unwrap(),
            vec![
                DirCopy::Up {
                    dst: dst.clone(),
                    src: PathBuf::from(format!("{}/", src.display())),
                    exclude: vec!["debug.log".into()],
                },
                DirCopy::Down {
                    src: dst,
                    dst: fetched,
                    exclude: Vec::new(),
                },
            ]
        );
        packer.finish().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn communicator_failures_come_back_as_rpc_errors_naming_the_cause() {
    timeout(LIMIT, async {
        let packer = provision(Some(Arc::new(LocalCommunicator::default()))).await;
        let dir = tempfile::tempdir().unwrap();

        let missing = dir.path().join("no-such-dir/file");
        let (id, sent) = packer.offer_content(b"data".to_vec());
        let args = Value::record([
            ("Path", Value::from(path_str(&missing))),
            ("ReaderStreamId", Value::Uint(u64::from(id))),
            ("FileInfo", Value::Nil),
        ]);
        let text = server_error(packer.call("Upload", args).await);
        assert!(text.contains(&path_str(&missing)), "{text}");
        assert!(text.contains("No such file or directory"), "{text}");
        // Whether Packer's write got through before the plugin gave up does not matter.
        let _ = sent.await.unwrap();

        let (id, stream) = packer.offer_stream();
        let args = Value::record([
            ("Path", Value::from(path_str(&missing))),
            ("WriterStreamId", Value::Uint(u64::from(id))),
        ]);
        let text = server_error(packer.call("Download", args).await);
        assert!(
            text.contains("cannot read") && text.contains("No such file"),
            "{text}"
        );
        drop(stream);

        let args = Value::record([
            ("Dst", Value::from(path_str(&dir.path().join("out")))),
            ("Src", Value::from(path_str(&dir.path().join("absent")))),
            ("Exclude", Value::Nil),
        ]);
        let text = server_error(packer.call("UploadDir", args).await);
        assert!(
            text.contains("absent") && text.contains("No such file"),
            "{text}"
        );

        // Malformed calls name what is wrong.
        let text = server_error(
            packer
                .call(
                    "Upload",
                    Value::record([("ReaderStreamId", Value::Uint(1))]),
                )
                .await,
        );
        assert!(text.contains("Path"), "{text}");
        let text = server_error(
            packer
                .call(
                    "Start",
                    Value::record([
                        ("Command", Value::from("true")),
                        ("StdoutStreamId", Value::from("x")),
                    ]),
                )
                .await,
        );
        assert!(text.contains("StdoutStreamId"), "{text}");
        let text = server_error(packer.call("Reboot", Value::Nil).await);
        assert_eq!(text, "rpc: can't find method Communicator.Reboot");
        packer.finish().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn without_a_communicator_every_call_is_refused() {
    timeout(LIMIT, async {
        let packer = provision(None).await;
        // Ids nobody accepts: the plugin must answer without dialing them.
        let id = || Value::Uint(u64::from(packer.broker.next_id()));
        let calls = [
            (
                "Start",
                Value::record([
                    ("Command", Value::from("uname")),
                    ("StdinStreamId", Value::Uint(0)),
                    ("StdoutStreamId", id()),
                    ("StderrStreamId", id()),
                    ("ResponseStreamId", id()),
                ]),
            ),
            (
                "Upload",
                Value::record([
                    ("Path", Value::from("/tmp/x")),
                    ("ReaderStreamId", id()),
                    ("FileInfo", Value::Nil),
                ]),
            ),
            (
                "Download",
                Value::record([
                    ("Path", Value::from("/etc/hostname")),
                    ("WriterStreamId", id()),
                ]),
            ),
            (
                "UploadDir",
                Value::record([
                    ("Dst", Value::from("/srv")),
                    ("Src", Value::from("/tmp")),
                    ("Exclude", Value::Nil),
                ]),
            ),
            (
                "DownloadDir",
                Value::record([
                    ("Dst", Value::from("/tmp")),
                    ("Src", Value::from("/srv")),
                    ("Exclude", Value::Nil),
                ]),
            ),
        ];
        for (method, args) in calls {
            assert_eq!(
                server_error(packer.call(method, args).await),
                NO_COMMUNICATOR,
                "{method}"
            );
        }
        // Packer then fails the provisioner, and Hook::run reports it.
        packer
            .finish_with(Err(format!(
                "Script exited with non-zero exit status: {NO_COMMUNICATOR}"
            )))
            .await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_fin_check_tells_a_closed_stream_from_a_reset_one() {
    timeout(LIMIT, async {
        let (plugin_end, packer_end) = tokio::io::duplex(1 << 16);
        let (plugin, incoming) = Session::server(plugin_end);
        let plugin_broker = Broker::new(plugin, incoming);
        let (packer, incoming) = Session::client(packer_end);
        let packer_broker = Broker::new(packer.clone(), incoming);
        for close in [true, false] {
            let id = packer_broker.next_id();
            let accepted = tokio::spawn({
                let broker = packer_broker.clone();
                async move { broker.accept(id).await.unwrap() }
            });
            let mut written = plugin_broker.dial(id).await.unwrap();
            written.write_all(b"data").await.unwrap();
            if close {
                written.shutdown().await.unwrap();
            }
            drop(written);
            let mut read = accepted.await.unwrap();
            let mut bytes = Vec::new();
            read.read_to_end(&mut bytes).await.unwrap();
            assert_eq!(ended_with_fin(&mut read).await, close);
        }
        packer.close().await;
    })
    .await
    .unwrap();
}
