#![allow(clippy::unwrap_used)]
//! The transport against the real hashicorp/yamux (Debian's df201c7, the one Packer 1.6.6
//! links) driven by `tests/go/yamuxpeer`, plus in-process tests for the broker's timeouts
//! and malformed input.
//!
//! Needs `go` and `golang-github-hashicorp-yamux-dev` (apt-get; see scripts/bootstrap).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::Ordering;
use std::time::Duration;

use packer_rpc::handshake::{self, HandshakeForm, ListenAddr, PluginListener};
use packer_rpc::{Broker, BrokerError, Incoming, MuxError, Session, Stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIG: usize = 1536 * 1024;
const LIMIT: Duration = Duration::from_secs(60);

/// Same bytes as the Go peer's `pattern`.
fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| (i.wrapping_mul(7) as u8) ^ ((i >> 11) as u8) ^ seed)
        .collect()
}

fn go_peer() -> &'static Path {
    static PEER: OnceLock<PathBuf> = OnceLock::new();
    PEER.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packer-rpc-yamuxpeer");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg("./tests/go/yamuxpeer")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .status()
            .expect("`go` is needed: apt-get install golang-go golang-github-hashicorp-yamux-dev");
        assert!(
            status.success(),
            "building the Go yamux peer failed: apt-get install golang-github-hashicorp-yamux-dev"
        );
        out
    })
}

/// Listens like the plugin, starts the Go peer as Packer would (it parses `form`'s line with
/// that generation's rule), serves the session with `body`, and requires the peer to pass.
async fn with_peer<F, Fut>(scenario: &str, form: HandshakeForm, tcp: bool, body: F)
where
    F: FnOnce(Session, Incoming) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let listener = if tcp {
        PluginListener::bind_tcp(20000, 24000).unwrap()
    } else {
        PluginListener::bind_unix_in(dir.path()).unwrap()
    };
    let addr = listener.addr().clone();
    let generation = match form {
        HandshakeForm::Legacy => "packer-1.6.6",
        HandshakeForm::V5_0 => "packer-1.7",
    };
    let child = Command::new(go_peer())
        .args([generation, scenario])
        .arg(form.line(&addr))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waiter = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());

    let conn = tokio::time::timeout(LIMIT, listener.accept_one())
        .await
        .expect("the Go peer never connected")
        .unwrap();
    if let ListenAddr::Unix(path) = &addr {
        assert!(!path.exists(), "socket must be unlinked after the accept");
    }
    let (session, incoming) = Session::server(conn);
    // Run the Rust half in its own task so a failure there still shows the Go side's story.
    let rust = tokio::spawn(tokio::time::timeout(LIMIT, body(session.clone(), incoming)));
    let rust = rust.await;
    let out = tokio::time::timeout(LIMIT, waiter)
        .await
        .expect("the Go peer hung")
        .unwrap();
    let go_stderr = String::from_utf8_lossy(&out.stderr);
    match rust {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("the Rust side of {scenario} hung; Go peer said: {go_stderr}"),
        Err(e) => panic!("the Rust side of {scenario} failed: {e}; Go peer said: {go_stderr}"),
    }
    assert!(
        out.status.success(),
        "Go peer failed in {scenario}: {go_stderr}"
    );
    // Every scenario ends with the peer's GoAway/close: a clean end.
    tokio::time::timeout(LIMIT, session.closed())
        .await
        .expect("session did not end")
        .unwrap();
}

/// The Rust half of the Go peer's `echoRoundTrip`: echo a length-prefixed payload, half-close,
/// then keep reading (after our own FIN) until the peer's FIN.
async fn echo(mut s: Stream) {
    let len = s.read_u32().await.unwrap();
    let (r, mut w) = tokio::io::split(&mut s);
    let n = tokio::io::copy(&mut r.take(u64::from(len)), &mut w)
        .await
        .unwrap();
    assert_eq!(n, u64::from(len));
    s.shutdown().await.unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "nothing after the echo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packer_stream_echoes_more_than_a_mebibyte_each_way() {
    with_peer(
        "echo",
        HandshakeForm::V5_0,
        false,
        |_, mut inc| async move {
            let s = inc.next().await.unwrap();
            assert_eq!(s.id() % 2, 1, "Packer's streams have odd ids");
            echo(s).await;
            assert!(
                inc.next().await.is_none(),
                "GoAway ends the incoming streams"
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_line_over_tcp_is_understood_by_the_1_6_6_rule() {
    with_peer(
        "echo",
        HandshakeForm::Legacy,
        true,
        |_, mut inc| async move {
            echo(inc.next().await.unwrap()).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_we_open_have_even_ids_and_carry_a_mebibyte_each_way() {
    with_peer(
        "serve-echo",
        HandshakeForm::Legacy,
        false,
        |session, _| async move {
            for seed in [3u8, 4] {
                let mut s = session.open().await.unwrap();
                assert_eq!(s.id() % 2, 0, "the server's streams have even ids");
                let data = pattern(seed, BIG);
                let (mut r, mut w) = tokio::io::split(&mut s);
                let send = async {
                    w.write_all(&data).await.unwrap();
                    w.shutdown().await.unwrap(); // FIN; the peer then finishes its echo
                };
                let recv = async {
                    let mut got = Vec::new();
                    r.read_to_end(&mut got).await.unwrap();
                    got
                };
                let ((), got) = tokio::join!(send, recv);
                assert!(
                    got == data,
                    "echo mismatch: {} vs {} bytes",
                    got.len(),
                    data.len()
                );
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_streams_are_kept_apart() {
    with_peer(
        "concurrent",
        HandshakeForm::V5_0,
        false,
        |_, mut inc| async move {
            let mut tasks = Vec::new();
            while let Some(s) = inc.next().await {
                tasks.push(tokio::spawn(echo(s)));
            }
            assert_eq!(tasks.len(), 8);
            for t in tasks {
                t.await.unwrap();
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered() {
    // Go's Session.Ping fails unless a Ping ACK with its opaque value comes back.
    with_peer("ping", HandshakeForm::V5_0, false, |_, _| async {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_keepalive_does_not_drop_the_session() {
    with_peer("keepalive", HandshakeForm::V5_0, false, |_, _| async {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_an_unclosed_stream_resets_it() {
    with_peer("rst", HandshakeForm::V5_0, false, |_, mut inc| async move {
        let mut s = inc.next().await.unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.unwrap();
        drop(s);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_close_sends_goaway() {
    with_peer(
        "rust-goaway",
        HandshakeForm::V5_0,
        false,
        |session, _| async move {
            session.close().await;
            assert!(matches!(session.open().await, Err(MuxError::Closed)));
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goaway_from_packer_ends_the_session() {
    with_peer(
        "goaway",
        HandshakeForm::V5_0,
        false,
        |session, mut inc| async move {
            assert!(inc.next().await.is_none());
            session.closed().await.unwrap();
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_stream_golden_bytes() {
    // Raw bytes, no Rust broker: Packer's first stream is id 1 and starts with broker id 0.
    with_peer(
        "golden",
        HandshakeForm::V5_0,
        false,
        |_, mut inc| async move {
            let mut s = inc.next().await.unwrap();
            assert_eq!(s.id(), 1);
            let mut id = [0xffu8; 4];
            s.read_exact(&mut id).await.unwrap();
            assert_eq!(id, [0, 0, 0, 0]);
            s.write_all(&[0, 0, 0, 0]).await.unwrap();
            let mut main = [0u8; 4];
            s.read_exact(&mut main).await.unwrap();
            assert_eq!(&main, b"main");
            s.write_all(b"done").await.unwrap();
            s.shutdown().await.unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_accepts_and_dials_with_the_sdk_broker() {
    with_peer(
        "broker",
        HandshakeForm::V5_0,
        false,
        |session, inc| async move {
            let broker = Broker::with_timeout(session, inc, Duration::from_secs(1));
            let mut main = broker.accept(0).await.unwrap();
            // We announce an id and accept it; Go dials it.
            let id = broker.next_id();
            assert_eq!(id, 1);
            main.write_all(&id.to_le_bytes()).await.unwrap();
            echo(broker.accept(id).await.unwrap()).await;
            // Go announces an id; we dial it.
            let gid = main.read_u32_le().await.unwrap();
            let mut s = broker.dial(gid).await.unwrap();
            s.write_all(b"from-rust").await.unwrap();
            s.shutdown().await.unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).await.unwrap();
            // Go confirms that its dial of the unaccepted id 77 was closed on it.
            assert_eq!(main.read_u32_le().await.unwrap(), 77);
            main.shutdown().await.unwrap();
            main.read_to_end(&mut rest).await.unwrap();
        },
    )
    .await;
}

// ---- in-process: our client session against our server session ----

fn pair() -> ((Session, Incoming), (Session, Incoming)) {
    let (a, b) = tokio::io::duplex(64 * 1024);
    (Session::server(a), Session::client(b))
}

#[tokio::test]
async fn accept_times_out_with_a_typed_error() {
    let ((server, s_in), _client) = pair();
    let broker = Broker::with_timeout(server, s_in, Duration::from_millis(50));
    assert!(matches!(
        broker.accept(42).await,
        Err(BrokerError::AcceptTimeout(42))
    ));
}

#[tokio::test]
async fn an_unclaimed_stream_is_closed_and_the_dial_fails() {
    let ((server, s_in), (client, c_in)) = pair();
    let _server_broker = Broker::with_timeout(server, s_in, Duration::from_millis(50));
    let client_broker = Broker::with_timeout(client, c_in, Duration::from_millis(50));
    let err = client_broker.dial(7).await.unwrap_err();
    assert!(matches!(err, BrokerError::Io { id: 7, .. }), "{err}");
}

#[tokio::test]
async fn a_stream_dialled_before_accept_waits_for_it() {
    let ((server, s_in), (client, c_in)) = pair();
    let server_broker = Broker::with_timeout(server, s_in, Duration::from_secs(5));
    let client_broker = Broker::new(client, c_in);
    let dial = tokio::spawn(async move { client_broker.dial(3).await });
    tokio::task::yield_now().await;
    let mut accepted = server_broker.accept(3).await.unwrap();
    let mut dialled = dial.await.unwrap().unwrap();
    dialled.write_all(b"hi").await.unwrap();
    let mut b = [0u8; 2];
    accepted.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"hi");
}

#[tokio::test]
async fn a_wrong_ack_is_a_typed_error() {
    let ((server, mut s_in), (client, c_in)) = pair();
    let client_broker = Broker::new(client, c_in);
    tokio::spawn(async move {
        let mut s = s_in.next().await.unwrap();
        let mut id = [0u8; 4];
        s.read_exact(&mut id).await.unwrap();
        s.write_all(&9u32.to_le_bytes()).await.unwrap();
        let _keep = (server, s);
        std::future::pending::<()>().await;
    });
    let err = client_broker.dial(5).await.unwrap_err();
    assert!(
        matches!(
            err,
            BrokerError::BadAck {
                expected: 5,
                got: 9
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn next_id_counts_from_one() {
    let ((server, s_in), _client) = pair();
    let broker = Broker::new(server, s_in);
    assert_eq!(
        [broker.next_id(), broker.next_id(), broker.next_id()],
        [1, 2, 3]
    );
}

/// Feeds raw bytes as "Packer" and returns how the session ended.
async fn feed(bytes: Vec<u8>) -> Result<(), MuxError> {
    let (a, mut b) = tokio::io::duplex(1 << 20);
    let (session, _incoming) = Session::server(a);
    // Write errors mean the session already gave up, which is fine.
    let _ = b.write_all(&bytes).await;
    let _ = b.shutdown().await;
    let res = tokio::time::timeout(Duration::from_secs(10), session.closed())
        .await
        .expect("session must end on EOF");
    drop(b);
    res
}

fn header(version: u8, ty: u8, flags: u16, stream: u32, len: u32) -> Vec<u8> {
    let mut h = vec![version, ty];
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&stream.to_be_bytes());
    h.extend_from_slice(&len.to_be_bytes());
    h
}

#[tokio::test]
async fn a_bad_version_is_a_protocol_error() {
    let res = feed(header(1, 0, 0, 1, 0)).await;
    assert!(matches!(res, Err(MuxError::Protocol(_))), "{res:?}");
}

#[tokio::test]
async fn an_unknown_frame_type_is_a_protocol_error() {
    let res = feed(header(0, 9, 0, 1, 0)).await;
    assert!(matches!(res, Err(MuxError::Protocol(_))), "{res:?}");
}

#[tokio::test]
async fn a_clean_eof_is_a_clean_end() {
    assert!(feed(Vec::new()).await.is_ok());
}

#[tokio::test]
async fn random_and_truncated_frames_never_panic() {
    // A tiny LCG keeps this deterministic without a proptest dependency.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    for _ in 0..300 {
        let mut bytes = Vec::new();
        for _ in 0..(next() % 6) {
            let ty = (next() % 5) as u8; // mostly valid types, sometimes not
            let flags = (next() % 16) as u16;
            let stream = next() % 8;
            let len = if ty == 0 { next() % 300_000 } else { next() };
            bytes.extend(header((next() % 20 == 0) as u8, ty, flags, stream, len));
            if ty == 0 {
                let body = (next() as usize) % 2048;
                bytes.extend((0..body).map(|i| i as u8));
            }
        }
        let cut = if bytes.is_empty() {
            0
        } else {
            (next() as usize) % (bytes.len() + 1)
        };
        bytes.truncate(cut);
        match feed(bytes).await {
            Ok(()) | Err(MuxError::Protocol(_) | MuxError::Io(_) | MuxError::Closed) => {}
            Err(e) => panic!("unexpected error kind: {e:?}"),
        }
    }
}

#[tokio::test]
async fn the_unix_socket_is_removed_when_the_listener_is_dropped_unused() {
    let dir = tempfile::tempdir().unwrap();
    let listener = PluginListener::bind_unix_in(dir.path()).unwrap();
    let ListenAddr::Unix(path) = listener.addr().clone() else {
        panic!("not unix")
    };
    assert!(path.exists());
    assert!(
        path.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("packer-plugin")
    );
    drop(listener);
    assert!(!path.exists());
}

#[tokio::test]
async fn sigint_and_sigterm_are_ignored() {
    let count = handshake::ignore_termination_signals().unwrap();
    let pid = std::process::id().to_string();
    for sig in ["-INT", "-TERM"] {
        assert!(
            Command::new("kill")
                .args([sig, &pid])
                .status()
                .unwrap()
                .success()
        );
    }
    // Still alive; wait until both were seen (the test binary would have died otherwise).
    tokio::time::timeout(LIMIT, async {
        while count.load(Ordering::Relaxed) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("signals were not observed");
}
