//! The net/rpc `Server` reading requests (msgpack header, then body, back to back) from arbitrary
//! bytes, as it reads them from Packer on a brokered stream. Services `Echo` (answers with the
//! request body) and `Fail` (answers with an error) are registered; everything else gets Go's
//! "can't find service" answer. The server must stop (cleanly or with an error) once the
//! bytes end, never hang or panic, and what it wrote back must be well-formed responses: one per
//! request it read, each `{ServiceMethod, Seq, Error}` + body.
//!
//! Input: two bytes seed the chunk sizes of our writes, the rest is the request stream.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use packer_rpc::netrpc::{ServeError, Server, Value};
use photon_packer_rpc_fuzz::{StreamEnd, chunk_sizes, decode_all, runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fuzz_target!(|data: &[u8]| {
    let [a, b, stream @ ..] = data else { return };
    let (requests, end) = decode_all(stream);
    let sizes = chunk_sizes(u16::from_le_bytes([*a, *b]), 64);
    let input = stream.to_vec();
    runtime().block_on(async move {
        let server = Server::new();
        server.register_fn("Echo", |request| async move { Ok(request.args) });
        server.register_fn("Fail", |request| async move {
            Err(format!("{} refused", request.method))
        });
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        let (mut read_half, mut write_half) = tokio::io::split(ours);
        let writer = tokio::spawn(async move {
            let mut rest = &input[..];
            for size in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at((*size).min(rest.len()));
                // The server may stop reading (bad input) and drop its end: that is its right.
                if write_half.write_all(chunk).await.is_err() {
                    return;
                }
                rest = tail;
                tokio::task::yield_now().await;
            }
            let _ = write_half.shutdown().await;
        });
        let reader = tokio::spawn(async move {
            let mut out = Vec::new();
            let _ = read_half.read_to_end(&mut out).await;
            out
        });
        let served = tokio::time::timeout(Duration::from_secs(60), server.serve(theirs))
            .await
            .expect("the server stops once the request bytes end");
        writer.await.expect("writer task");
        let output = reader.await.expect("reader task");

        let (responses, response_end) = decode_all(&output);
        assert_eq!(
            response_end,
            StreamEnd::Clean,
            "responses are whole msgpack values"
        );
        assert_eq!(responses.len() % 2, 0, "every response header has a body");
        let answered = responses.len() / 2;
        for pair in responses.chunks(2) {
            let header = &pair[0];
            let method = header.get("ServiceMethod").and_then(Value::as_str);
            let error = header.get("Error").and_then(Value::as_str);
            assert!(
                method.is_some(),
                "response header without ServiceMethod: {header}"
            );
            assert!(
                header.get("Seq").and_then(Value::as_u64).is_some(),
                "no Seq: {header}"
            );
            let error = error.unwrap_or_else(|| panic!("response header without Error: {header}"));
            if error.is_empty() {
                assert!(method.is_some_and(|m| m.starts_with("Echo.")), "{header}");
            } else {
                assert_eq!(
                    pair[1],
                    Value::empty_struct(),
                    "an error answer has body {{}}"
                );
            }
        }
        assert!(answered <= requests.len() / 2, "more answers than requests");
        match served {
            Ok(()) => {
                assert_eq!(
                    end,
                    StreamEnd::Clean,
                    "served to the end of malformed bytes"
                );
                assert_eq!(requests.len() % 2, 0, "a header without body was accepted");
                assert_eq!(answered, requests.len() / 2, "a request went unanswered");
            }
            Err(ServeError::MissingBody) => {
                assert_eq!(end, StreamEnd::Clean);
                assert_eq!(requests.len() % 2, 1);
            }
            Err(ServeError::Read(e)) => {
                let _ = e.to_string();
                assert_ne!(end, StreamEnd::Clean, "a clean stream failed to read: {e}");
            }
            Err(ServeError::BadHeader(reason)) => {
                let _ = reason;
            }
            Err(ServeError::Write(e)) => panic!("our reader never stops reading: {e}"),
        }
    });
});
