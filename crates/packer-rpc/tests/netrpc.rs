#![allow(clippy::unwrap_used)]
//! net/rpc over msgpack: golden bytes (reference Appendix A and Go's own encoder), raw-byte
//! server/client behaviour, the Hook.Run ↔ Ui.Say re-entrancy case, and interop with a real Go
//! peer (Go net/rpc + Debian's ugorji codec 1.2.8, as linked by Debian's Packer 1.6.6).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use packer_rpc::netrpc::codec::{from_bytes, to_bytes};
use packer_rpc::netrpc::{
    CallError, Client, Request, Server, Timestamp, Value, ValueReader, from_value, request_header,
    response_header, to_value,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf, duplex};
use tokio::sync::Notify;
use tokio::time::timeout;

/// Long enough for a loaded CI box, short enough that a deadlock fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(30);

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn frame(header: &Value, body: &Value) -> Vec<u8> {
    let mut out = to_bytes(header).unwrap();
    out.extend(to_bytes(body).unwrap());
    out
}

/// The `str` bytes of a fixstr, for readable golden literals.
fn fixstr(s: &str) -> Vec<u8> {
    let mut v = vec![0xa0 | s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

// ---------------------------------------------------------------- Appendix A / §3.4 golden bytes

#[test]
fn appendix_a_config_spec_request_bytes() {
    // 82 ad "ServiceMethod" b2 "Builder.ConfigSpec" a3 "Seq" 00 c0
    let mut want = vec![0x82];
    want.extend(fixstr("ServiceMethod"));
    want.extend(fixstr("Builder.ConfigSpec"));
    want.extend(fixstr("Seq"));
    want.extend([0x00, 0xc0]);
    assert_eq!(
        frame(&request_header("Builder.ConfigSpec", 0), &Value::Nil),
        want
    );
}

#[test]
fn appendix_a_builder_run_request_bytes() {
    // 82 ad "ServiceMethod" ab "Builder.Run" a3 "Seq" 02 01 (body = broker id 1, a uint32)
    let mut want = vec![0x82];
    want.extend(fixstr("ServiceMethod"));
    want.extend(fixstr("Builder.Run"));
    want.extend(fixstr("Seq"));
    want.extend([0x02, 0x01]);
    assert_eq!(
        frame(&request_header("Builder.Run", 2), &Value::from(1u32)),
        want
    );
}

#[test]
fn section_3_4_ui_say_reply_and_error_body_bytes() {
    // 83 ad "ServiceMethod" a6 "Ui.Say" a3 "Seq" 00 a5 "Error" a0 c0
    let mut want = vec![0x83];
    want.extend(fixstr("ServiceMethod"));
    want.extend(fixstr("Ui.Say"));
    want.extend(fixstr("Seq"));
    want.push(0x00);
    want.extend(fixstr("Error"));
    want.extend([0xa0, 0xc0]);
    let reply = frame(&response_header("Ui.Say", 0, ""), &Value::Nil);
    assert_eq!(reply, want);
    // Packer's own reply decodes back to the same header.
    let header = from_bytes(&want[..want.len() - 1]).unwrap();
    assert_eq!(header.get("Error").unwrap().as_str(), Some(""));
    assert_eq!(to_bytes(&Value::empty_struct()).unwrap(), [0x80]);
}

// ------------------------------------------------------------------------- the Go peer

/// Builds the Go peer once per test binary (GOPATH mode against Debian's packaged ugorji).
fn go_peer() -> &'static PathBuf {
    static PEER: OnceLock<PathBuf> = OnceLock::new();
    PEER.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("netrpc_peer");
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg("./tests/go/netrpc_peer")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .status()
            .unwrap_or_else(|e| panic!("cannot run `go` ({e}); apt-get install golang-go"));
        assert!(
            status.success(),
            "building the Go peer failed; it needs `apt-get install golang-go golang-github-ugorji-go-codec-dev`"
        );
        out
    })
}

fn go_golden() -> &'static HashMap<String, Vec<u8>> {
    static GOLDEN: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let out = Command::new(go_peer()).arg("golden").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let (name, bytes) = line.split_once(' ').unwrap();
                (name.to_owned(), unhex(bytes))
            })
            .collect()
    })
}

fn go(name: &str) -> &'static [u8] {
    go_golden()
        .get(name)
        .unwrap_or_else(|| panic!("Go peer printed no {name}"))
}

// Rust mirrors of the SDK shapes, to check that `to_value` writes what Go writes.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct BasicError {
    message: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct BuilderPrepareResponse {
    generated_vars: Option<Vec<String>>,
    warnings: Option<Vec<String>>,
    error: Option<BasicError>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct PostProcessorProcessResponse {
    err: Option<BasicError>,
    keep: bool,
    force_override: bool,
    stream_id: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct TrackProgressParameters {
    src: String,
    total_size: i64,
    current_size: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct ConfigSpecResponse {
    #[serde(with = "serde_bytes")]
    config_spec: Vec<u8>,
}

#[test]
fn go_net_rpc_request_frames_match_ours() {
    assert_eq!(
        go("req_configspec"),
        frame(&request_header("Builder.ConfigSpec", 0), &Value::Nil)
    );
    assert_eq!(
        go("req_run"),
        frame(&request_header("Builder.Run", 0), &Value::from(1u32))
    );
    assert_eq!(
        go("req_ui_say"),
        frame(&request_header("Ui.Say", 0), &Value::from("hello"))
    );
    // The progress tracker's `Add(int)`: a positive Go int is int16, never uint.
    assert_eq!(
        go("req_track_add"),
        frame(
            &request_header("UiSrc/x.isoAbC123.Add", 0),
            &Value::Int(4096)
        )
    );
}

#[test]
fn go_golden_shapes_match_our_encoder() {
    let cty = br#"{"value":{"foo":"x"},"type":["object",{"foo":"string"}]}"#.to_vec();
    let prepare_args = Value::record([(
        "Configs",
        Value::Array(vec![
            Value::record([("count", Value::F64(3.0))]),
            Value::Bin(cty),
        ]),
    )]);
    let upload = |file_info: Value| {
        Value::record([
            ("Path", Value::from("/tmp/f")),
            ("ReaderStreamId", Value::from(3u32)),
            ("FileInfo", file_info),
        ])
    };
    let cases: Vec<(&str, Value)> = vec![
        ("prepare_args", prepare_args),
        (
            "prepare_reply_ok",
            to_value(&BuilderPrepareResponse {
                generated_vars: Some(vec!["Foo".into()]),
                warnings: None,
                error: None,
            })
            .unwrap(),
        ),
        (
            "prepare_reply_err",
            to_value(&BuilderPrepareResponse {
                generated_vars: None,
                warnings: Some(vec!["w".into()]),
                error: Some(BasicError {
                    message: "bad".into(),
                }),
            })
            .unwrap(),
        ),
        (
            "configspec_reply",
            to_value(&ConfigSpecResponse {
                config_spec: vec![0x1a, 0xff],
            })
            .unwrap(),
        ),
        (
            "pp_reply",
            to_value(&PostProcessorProcessResponse {
                err: None,
                keep: true,
                force_override: false,
                stream_id: 1,
            })
            .unwrap(),
        ),
        (
            "hook_run",
            Value::record([
                ("Name", Value::from("packer_provision")),
                ("Data", Value::record([("ID", Value::from("vm-1"))])),
                ("StreamId", Value::from(1u32)),
            ]),
        ),
        (
            "ui_machine",
            Value::record([
                ("Category", Value::from("artifact")),
                ("Args", Value::strings(["0", "id"])),
            ]),
        ),
        (
            "track_progress",
            to_value(&TrackProgressParameters {
                src: "x.iso".into(),
                total_size: 1000,
                current_size: 0,
            })
            .unwrap(),
        ),
        (
            "upload_args",
            upload(Value::record([
                ("N", Value::from("f")),
                ("S", Value::Int(300)),
                ("M", Value::from(0o644u32)),
                (
                    "T",
                    Value::Time(Timestamp {
                        secs: 1_700_000_000,
                        nanos: 5,
                    }),
                ),
            ])),
        ),
        ("upload_args_nil", upload(Value::Nil)),
        (
            "time_secs",
            Value::Time(Timestamp {
                secs: 1_700_000_000,
                nanos: 0,
            }),
        ),
        (
            "time_before_1970",
            Value::Time(Timestamp { secs: -1, nanos: 0 }),
        ),
        ("time_zero", Value::Time(Timestamp::GO_ZERO)),
        (
            "ints",
            Value::Array(vec![
                Value::Int(-33),
                Value::Int(128),
                Value::Int(1 << 40),
                Value::Int(-70000),
                Value::Uint(300),
                Value::from(70000u32),
                Value::Int(5),
                Value::F64(3.0),
                Value::F32(1.5),
            ]),
        ),
        ("str40", Value::from("s".repeat(40))),
        ("bin300", Value::Bin(vec![0; 300])),
        ("empty_struct", Value::empty_struct()),
        ("nil_slice", to_value(&Option::<Vec<String>>::None).unwrap()),
    ];
    for (name, value) in cases {
        let ours = to_bytes(&value).unwrap();
        assert_eq!(hex(&ours), hex(go(name)), "{name}");
        // And Go's bytes decode to the same value.
        let decoded = from_bytes(go(name)).unwrap();
        if name == "time_zero" {
            // Go's zero time is nil on the wire and reads back as the zero time.
            assert_eq!(decoded.as_time(), Some(Timestamp::GO_ZERO));
        } else {
            assert_eq!(decoded, value, "{name}");
        }
    }
}

#[test]
fn go_bytes_read_back_into_rust_types() {
    let reply: BuilderPrepareResponse =
        from_value(&from_bytes(go("prepare_reply_err")).unwrap()).unwrap();
    assert_eq!(reply.error.unwrap().message, "bad");
    let pp: PostProcessorProcessResponse =
        from_value(&from_bytes(go("pp_reply")).unwrap()).unwrap();
    assert!(pp.keep && pp.stream_id == 1);
    let spec: ConfigSpecResponse =
        from_value(&from_bytes(go("configspec_reply")).unwrap()).unwrap();
    assert_eq!(spec.config_spec, [0x1a, 0xff]);
    let upload = from_bytes(go("upload_args")).unwrap();
    let t = upload.get("FileInfo").unwrap().get("T").unwrap();
    assert_eq!(
        t.as_time(),
        Some(Timestamp {
            secs: 1_700_000_000,
            nanos: 5
        })
    );
    // HashiCorp's official 1.6.6 build sends Go's MarshalBinary time as bin instead.
    let mut go_binary = vec![1];
    go_binary.extend((1_700_000_000i64 + 62_135_596_800).to_be_bytes());
    go_binary.extend(5u32.to_be_bytes());
    go_binary.extend(0i16.to_be_bytes());
    assert_eq!(
        Value::Bin(go_binary).as_time(),
        Some(Timestamp {
            secs: 1_700_000_000,
            nanos: 5
        })
    );
}

// ------------------------------------------------------------------- server, raw bytes

fn test_server() -> Server {
    test_server_with_gate(Arc::new(Notify::new()))
}

/// `Builder.Slow` replies only once `gate` is notified, so tests control reply order.
fn test_server_with_gate(gate: Arc<Notify>) -> Server {
    let server = Server::new();
    server.register_fn("Builder", move |req: Request| {
        let gate = gate.clone();
        async move {
            match req.method.as_str() {
                "ConfigSpec" => Ok(Value::record([("ConfigSpec", Value::Bin(vec![1, 2]))])),
                "Slow" => {
                    gate.notified().await;
                    Ok(Value::from("slow"))
                }
                "Fast" => Ok(Value::from("fast")),
                "Echo" => Ok(req.args),
                "Fail" => Err("it failed".to_owned()),
                "Panic" => panic!("handler bug"),
                _ => Err(req.unknown_method()),
            }
        }
    });
    server
}

/// Reads exactly `want.len()` bytes and compares.
async fn expect_bytes(stream: &mut DuplexStream, want: &[u8]) {
    let mut got = vec![0; want.len()];
    timeout(LIMIT, stream.read_exact(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hex(&got), hex(want));
}

#[tokio::test]
async fn server_answers_config_spec_with_exact_bytes_even_when_fed_byte_by_byte() {
    let (mut packer, plugin) = duplex(64);
    let serving = tokio::spawn(async move { test_server().serve(plugin).await });
    for b in frame(&request_header("Builder.ConfigSpec", 0), &Value::Nil) {
        packer.write_all(&[b]).await.unwrap();
    }
    let mut want = to_bytes(&response_header("Builder.ConfigSpec", 0, "")).unwrap();
    want.extend([0x81, 0xaa]);
    want.extend(b"ConfigSpec");
    want.extend([0xc4, 0x02, 0x01, 0x02]);
    expect_bytes(&mut packer, &want).await;
    packer.shutdown().await.unwrap();
    timeout(LIMIT, serving).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn server_error_replies_use_go_texts_and_an_empty_map_body() {
    let (mut packer, plugin) = duplex(4096);
    tokio::spawn(async move { test_server().serve(plugin).await });
    let cases = [
        ("Builder.Nope", "rpc: can't find method Builder.Nope"),
        ("Nope.X", "rpc: can't find service Nope.X"),
        ("NoDot", "rpc: service/method request ill-formed: NoDot"),
        ("Builder.Fail", "it failed"),
        ("Builder.Panic", "rpc: handler for Builder.Panic panicked"),
    ];
    for (seq, (method, error)) in cases.iter().enumerate() {
        packer
            .write_all(&frame(
                &request_header(method, seq as u64),
                &Value::from("ignored"),
            ))
            .await
            .unwrap();
        // One at a time so the replies' order is known.
        expect_bytes(
            &mut packer,
            &frame(
                &response_header(method, seq as u64, error),
                &Value::empty_struct(),
            ),
        )
        .await;
    }
}

#[tokio::test]
async fn server_routes_at_the_last_dot_and_accepts_services_added_while_serving() {
    let (mut packer, plugin) = duplex(4096);
    let server = test_server();
    tokio::spawn({
        let server = server.clone();
        async move { server.serve(plugin).await }
    });
    let tracker = "Ui/tmp/x.isoAbC123";
    server.register_fn(tracker, |req: Request| async move {
        Ok(Value::from(format!(
            "{}|{}|{}",
            req.service,
            req.method,
            req.args.as_i64().unwrap()
        )))
    });
    let method = format!("{tracker}.Add");
    packer
        .write_all(&frame(&request_header(&method, 9), &Value::Int(4096)))
        .await
        .unwrap();
    expect_bytes(
        &mut packer,
        &frame(
            &response_header(&method, 9, ""),
            &Value::from(format!("{tracker}|Add|4096")),
        ),
    )
    .await;
}

#[tokio::test]
async fn server_runs_requests_concurrently_and_replies_out_of_order() {
    let (mut packer, plugin) = duplex(4096);
    let gate = Arc::new(Notify::new());
    let server = test_server_with_gate(gate.clone());
    tokio::spawn(async move { server.serve(plugin).await });
    let mut both = frame(&request_header("Builder.Slow", 0), &Value::Nil);
    both.extend(frame(&request_header("Builder.Fast", 1), &Value::Nil));
    packer.write_all(&both).await.unwrap();
    // Fast (Seq 1) is answered while Slow (Seq 0) still runs, and each reply is whole.
    expect_bytes(
        &mut packer,
        &frame(
            &response_header("Builder.Fast", 1, ""),
            &Value::from("fast"),
        ),
    )
    .await;
    gate.notify_one();
    expect_bytes(
        &mut packer,
        &frame(
            &response_header("Builder.Slow", 0, ""),
            &Value::from("slow"),
        ),
    )
    .await;
}

/// A multi-megabyte `bin` (cty JSON in `Configs` can be large) crosses a small pipe in pieces
/// and arrives intact, in both directions.
#[tokio::test]
async fn large_values_cross_a_small_pipe_in_pieces() {
    let (client_end, server_end) = duplex(1024);
    tokio::spawn(async move { test_server().serve(server_end).await });
    let client = Client::new(client_end);
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let args = Value::record([("Configs", Value::Array(vec![Value::Bin(big.clone())]))]);
    let reply = timeout(LIMIT, client.call("Builder.Echo", args.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply, args);
}

#[tokio::test]
async fn server_reports_malformed_and_truncated_input_as_typed_errors() {
    let (mut packer, plugin) = duplex(4096);
    let serving = tokio::spawn(async move { test_server().serve(plugin).await });
    packer.write_all(&[0xc1]).await.unwrap();
    let err = timeout(LIMIT, serving).await.unwrap().unwrap().unwrap_err();
    assert!(err.to_string().contains("0xc1"), "{err}");

    let (mut packer, plugin) = duplex(4096);
    let serving = tokio::spawn(async move { test_server().serve(plugin).await });
    let bytes = frame(&request_header("Builder.Fast", 0), &Value::Nil);
    packer.write_all(&bytes[..10]).await.unwrap();
    packer.shutdown().await.unwrap();
    let err = timeout(LIMIT, serving).await.unwrap().unwrap().unwrap_err();
    assert!(err.to_string().contains("ended inside"), "{err}");

    let (mut packer, plugin) = duplex(4096);
    let serving = tokio::spawn(async move { test_server().serve(plugin).await });
    packer.write_all(&[0x93, 0x01, 0x02, 0x03]).await.unwrap();
    let err = timeout(LIMIT, serving).await.unwrap().unwrap().unwrap_err();
    assert!(err.to_string().contains("not a map"), "{err}");
}

// ------------------------------------------------------------------- client, raw bytes

/// The far end of a client's stream, played by the test with raw values.
struct FakePeer {
    reader: ValueReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
}

impl FakePeer {
    fn new(stream: DuplexStream) -> Self {
        let (r, writer) = tokio::io::split(stream);
        FakePeer {
            reader: ValueReader::new(r),
            writer,
        }
    }

    async fn read(&mut self) -> Value {
        timeout(LIMIT, self.reader.next_value())
            .await
            .unwrap()
            .unwrap()
            .unwrap()
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }
}

#[tokio::test]
async fn client_numbers_calls_from_zero_and_matches_out_of_order_replies() {
    let (plugin, packer) = duplex(4096);
    let mut packer = FakePeer::new(packer);
    let client = Client::new(plugin);
    let first = tokio::spawn({
        let c = client.clone();
        async move { c.call("Ui.Ask", Value::from("q0")).await }
    });
    // Seq 0 goes out first (and only then Seq 1), so the order on the wire is known.
    assert_eq!(packer.read().await, request_header("Ui.Ask", 0));
    assert_eq!(packer.read().await, Value::from("q0"));
    let second = tokio::spawn({
        let c = client.clone();
        async move { c.call("Ui.Say", Value::from("s1")).await }
    });
    assert_eq!(packer.read().await, request_header("Ui.Say", 1));
    assert_eq!(packer.read().await, Value::from("s1"));
    // Answer Seq 1 with an error first, then Seq 0.
    packer
        .write(&frame(
            &response_header("Ui.Say", 1, "no ui"),
            &Value::empty_struct(),
        ))
        .await;
    packer
        .write(&frame(
            &response_header("Ui.Ask", 0, ""),
            &Value::from("a0"),
        ))
        .await;
    let second = timeout(LIMIT, second).await.unwrap().unwrap();
    assert!(
        matches!(second, Err(CallError::Server(ref s)) if s == "no ui"),
        "{second:?}"
    );
    assert_eq!(
        timeout(LIMIT, first).await.unwrap().unwrap().unwrap(),
        Value::from("a0")
    );
}

#[tokio::test]
async fn client_fails_pending_and_later_calls_when_the_peer_goes_away() {
    let (plugin, packer) = duplex(4096);
    let mut packer = FakePeer::new(packer);
    let client = Client::new(plugin);
    let pending = tokio::spawn({
        let c = client.clone();
        async move { c.call("Hook.Run", Value::Nil).await }
    });
    assert_eq!(packer.read().await, request_header("Hook.Run", 0));
    assert_eq!(packer.read().await, Value::Nil);
    drop(packer);
    let err = timeout(LIMIT, pending).await.unwrap().unwrap().unwrap_err();
    assert!(
        matches!(&err, CallError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "{err:?}"
    );
    let later = timeout(LIMIT, client.call("Ui.Say", Value::Nil))
        .await
        .unwrap();
    assert!(later.is_err());
}

#[tokio::test]
async fn client_reports_malformed_replies_as_decode_errors() {
    let (plugin, packer) = duplex(4096);
    let mut packer = FakePeer::new(packer);
    let client = Client::new(plugin);
    let pending = tokio::spawn({
        let c = client.clone();
        async move { c.call("Ui.Say", Value::Nil).await }
    });
    assert_eq!(packer.read().await, request_header("Ui.Say", 0));
    assert_eq!(packer.read().await, Value::Nil);
    packer.write(&[0x81, 0xa1, 0xff]).await;
    let err = timeout(LIMIT, pending).await.unwrap().unwrap().unwrap_err();
    assert!(matches!(err, CallError::Decode(_)), "{err:?}");
}

// --------------------------------------------------- both roles: the Hook.Run ↔ Ui.Say case

/// Packer's side of a build: on stream A it serves Ui + Hook; on stream B it calls the Ui the
/// plugin serves there. Hook.Run calls the plugin's Ui.Say, which the plugin forwards to
/// Packer's Ui.Say over stream A — where the plugin's Hook.Run is still outstanding. A client
/// that serialised calls would deadlock here (reference §3.4, verified against Packer).
#[tokio::test]
async fn hook_run_can_call_back_into_the_plugin_ui_while_outstanding() {
    let (plugin_a, packer_a) = duplex(1024);
    let (plugin_b, packer_b) = duplex(1024);

    let said = Arc::new(Mutex::new(Vec::<String>::new()));
    let packer_calls_plugin = Client::new(packer_b);
    let packer = Server::new();
    packer.register_fn("Ui", {
        let said = said.clone();
        move |req: Request| {
            let said = said.clone();
            async move {
                said.lock()
                    .unwrap()
                    .push(req.args.as_str().unwrap_or("?").to_owned());
                Ok(Value::Nil)
            }
        }
    });
    packer.register_fn("Hook", {
        let back = packer_calls_plugin.clone();
        move |req: Request| {
            let back = back.clone();
            async move {
                let id = req.args.get("Data").and_then(|d| d.get("ID")).cloned();
                back.call(
                    "Ui.Say",
                    Value::from(format!("provisioning {}", id.unwrap())),
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(Value::Nil)
            }
        }
    });
    let packer_serving = tokio::spawn(async move { packer.serve(packer_a).await });

    let plugin_calls_packer = Client::new(plugin_a);
    let plugin = Server::new();
    plugin.register_fn("Ui", {
        let forward = plugin_calls_packer.clone();
        move |req: Request| {
            let forward = forward.clone();
            async move {
                forward
                    .call(&format!("Ui.{}", req.method), req.args)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    });
    let plugin_serving = tokio::spawn(async move { plugin.serve(plugin_b).await });

    let hook_args = Value::record([
        ("Name", Value::from("packer_provision")),
        ("Data", Value::record([("ID", Value::from("vm-7"))])),
        ("StreamId", Value::from(1u32)),
    ]);
    let (run, say) = tokio::join!(
        timeout(LIMIT, plugin_calls_packer.call("Hook.Run", hook_args)),
        timeout(
            LIMIT,
            plugin_calls_packer.call("Ui.Say", Value::from("direct"))
        ),
    );
    assert_eq!(run.unwrap().unwrap(), Value::Nil);
    assert_eq!(say.unwrap().unwrap(), Value::Nil);
    let mut said = said.lock().unwrap().clone();
    said.sort();
    assert_eq!(said, ["direct", "provisioning \"vm-7\""]);

    // Closing each client ends the other side's serve cleanly.
    plugin_calls_packer.close().await;
    timeout(LIMIT, packer_serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    packer_calls_plugin.close().await;
    timeout(LIMIT, plugin_serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// Builder.Cancel arrives on the same stream while Builder.Run is outstanding.
#[tokio::test]
async fn cancel_is_served_while_run_is_in_flight() {
    let (packer_end, plugin_end) = duplex(1024);
    let cancelled = Arc::new(tokio::sync::Notify::new());
    let plugin = Server::new();
    plugin.register_fn("Builder", {
        let cancelled = cancelled.clone();
        move |req: Request| {
            let cancelled = cancelled.clone();
            async move {
                match req.method.as_str() {
                    "Run" => {
                        cancelled.notified().await;
                        Err("build was cancelled".to_owned())
                    }
                    "Cancel" => {
                        cancelled.notify_one();
                        Ok(Value::Nil)
                    }
                    _ => Err(req.unknown_method()),
                }
            }
        }
    });
    tokio::spawn(async move { plugin.serve(plugin_end).await });
    let packer = Client::new(packer_end);
    let run = tokio::spawn({
        let p = packer.clone();
        async move { p.call("Builder.Run", Value::from(1u32)).await }
    });
    timeout(LIMIT, packer.call("Builder.Cancel", Value::Nil))
        .await
        .unwrap()
        .unwrap();
    let run = timeout(LIMIT, run).await.unwrap().unwrap();
    assert!(matches!(run, Err(CallError::Server(ref s)) if s == "build was cancelled"));
}

// ------------------------------------------------------------ interop with the real Go peer

fn plugin_services(to_go: Client) -> Server {
    let server = Server::new();
    server.register_fn("Builder", |req: Request| async move {
        match req.method.as_str() {
            "Prepare" => {
                let configs = req
                    .args
                    .get("Configs")
                    .and_then(Value::as_array)
                    .unwrap_or(&[]);
                if configs.is_empty() {
                    return to_value(&BuilderPrepareResponse {
                        generated_vars: None,
                        warnings: None,
                        error: Some(BasicError {
                            message: "no configs".into(),
                        }),
                    })
                    .map_err(|e| e.to_string());
                }
                // JSON-template numbers are float64; the HCL2 part is cty JSON in bin.
                let count = configs[0].get("count").and_then(Value::as_f64);
                let cty_is_bin = matches!(configs.get(1), Some(Value::Bin(_)));
                if count != Some(3.0) || !cty_is_bin {
                    return Err(format!("unexpected configs {}", req.args));
                }
                to_value(&BuilderPrepareResponse {
                    generated_vars: Some(vec!["Foo".into(), "count=3".into()]),
                    warnings: None,
                    error: None,
                })
                .map_err(|e| e.to_string())
            }
            "Run" => Ok(Value::from(req.args.as_u32().ok_or("bad id")? + 1)),
            "Fail" => Err(format!("it failed: {}", req.args.as_str().unwrap_or(""))),
            _ => Err(req.unknown_method()),
        }
    });
    server.register_fn("PostProcessor", |req: Request| async move {
        match req.method.as_str() {
            "PostProcess" => to_value(&PostProcessorProcessResponse {
                err: None,
                keep: true,
                force_override: false,
                stream_id: 2,
            })
            .map_err(|e| e.to_string()),
            _ => Err(req.unknown_method()),
        }
    });
    server.register_fn("Echo", |req: Request| async move {
        match req.method.as_str() {
            "Slow" => {
                let i = req.args.as_i64().ok_or("not an int")?;
                // Lower numbers finish last, so replies leave out of order.
                tokio::time::sleep(Duration::from_millis((20 - i) as u64 * 3)).await;
                Ok(Value::Int(i * 1000))
            }
            "FileInfo" => Ok(req.args),
            _ => Err(req.unknown_method()),
        }
    });
    // The Ui the plugin serves during Hook.Run forwards to Packer's, over the other stream.
    server.register_fn("Ui", move |req: Request| {
        let to_go = to_go.clone();
        async move {
            to_go
                .call(&format!("Ui.{}", req.method), req.args)
                .await
                .map_err(|e| e.to_string())
        }
    });
    server
}

#[tokio::test]
async fn interop_with_go_net_rpc_and_ugorji_both_ways_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("peer.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let child = Command::new(go_peer())
        .arg("interop")
        .arg(&socket)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output());

    // The peer says which role each connection plays.
    let mut go_serves = None;
    let mut go_calls = None;
    for _ in 0..2 {
        let (mut conn, _) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
        let mut role = [0u8];
        conn.read_exact(&mut role).await.unwrap();
        match role[0] {
            b'S' => go_serves = Some(conn),
            b'C' => go_calls = Some(conn),
            other => panic!("unknown role {other}"),
        }
    }
    let to_go = Client::new(go_serves.unwrap());
    let services = plugin_services(to_go.clone());
    let go_calls = go_calls.unwrap();
    let serving = tokio::spawn(async move { services.serve(go_calls).await });

    let hook_args = Value::record([
        ("Name", Value::from("packer_provision")),
        ("Data", Value::record([("ID", Value::from("vm-1"))])),
        ("StreamId", Value::from(1u32)),
    ]);
    let upload_args = Value::record([
        ("Path", Value::from("/tmp/f")),
        ("ReaderStreamId", Value::from(3u32)),
        (
            "FileInfo",
            Value::record([
                ("N", Value::from("f")),
                ("S", Value::Int(300)),
                ("M", Value::from(0o644u32)),
                (
                    "T",
                    Value::Time(Timestamp {
                        secs: 1_700_000_000,
                        nanos: 5,
                    }),
                ),
            ]),
        ),
    ]);
    let calls = async {
        tokio::join!(
            to_go.call("Hook.Run", hook_args),
            to_go.call("Ui.Say", Value::from("hello from rust")),
            to_go.call("Ui.Ask", Value::from("q")),
            to_go.call(
                "Ui.Machine",
                Value::record([
                    ("Category", Value::from("artifact")),
                    ("Args", Value::strings(["0", "id"])),
                ])
            ),
            to_go.call(
                "Ui.NewTrackProgress",
                to_value(&TrackProgressParameters {
                    src: "x.iso".into(),
                    total_size: 1000,
                    current_size: 10,
                })
                .unwrap()
            ),
            to_go.call("Ui.Fail", Value::from("x")),
            to_go.call("Communicator.Upload", upload_args),
            to_go.call("Ui.Nope", Value::Nil),
        )
    };
    let (hook, say, ask, machine, track, fail, upload, nope) = timeout(LIMIT, calls).await.unwrap();
    assert_eq!(hook.unwrap(), Value::Nil);
    assert_eq!(say.unwrap(), Value::Nil);
    assert_eq!(ask.unwrap(), Value::from("answer to q"));
    assert_eq!(machine.unwrap(), Value::Nil);
    assert_eq!(track.unwrap(), Value::from("x.iso/1000/10"));
    assert!(
        matches!(fail, Err(CallError::Server(ref s)) if s == "failed: x"),
        "{fail:?}"
    );
    assert_eq!(upload.unwrap(), Value::Nil);
    assert!(
        matches!(nope, Err(CallError::Server(ref s)) if s == "rpc: can't find method Ui.Nope"),
        "{nope:?}"
    );

    // Closing our client ends Go's ServeCodec; the peer then closes its client, ending ours.
    to_go.close().await;
    timeout(LIMIT, serving).await.unwrap().unwrap().unwrap();
    let output = timeout(LIMIT, output).await.unwrap().unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    for check in [
        "ok prepare ",
        "ok prepare_error ",
        "ok run ",
        "ok postprocess ",
        "ok unknown_method ",
        "ok unknown_service ",
        "ok method_error ",
        "ok concurrent ",
        "ok fileinfo_time ",
        "said hello from rust\n",
        "said machine artifact 0,id\n",
        "said provisioner for vm-1 on stream 1\n",
        "said upload /tmp/f f 300 644 2023-11-14T22:13:20.000000005Z\n",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
}
