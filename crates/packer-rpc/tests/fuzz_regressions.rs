#![allow(clippy::unwrap_used)]
//! Inputs the fuzz targets in `fuzz/` (see `scripts/fuzz`) once crashed on, kept fixed here.

use std::time::Duration;

use packer_rpc::{MuxError, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LIMIT: Duration = Duration::from_secs(10);

/// A yamux frame header: version 0, type, flags, stream id, length (big-endian).
fn frame(kind: u8, flags: u16, stream: u32, length: u32) -> Vec<u8> {
    let mut out = vec![0, kind];
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out
}

/// Feeds `bytes` as the peer, then EOF; returns how the session ended and how many streams
/// the peer opened.
async fn run_session(bytes: Vec<u8>) -> (Result<(), MuxError>, usize) {
    let (peer, ours) = tokio::io::duplex(64 * 1024);
    let (session, mut incoming) = Session::server(ours);
    let (mut peer_read, mut peer_write) = tokio::io::split(peer);
    tokio::spawn(async move {
        let mut sink = Vec::new();
        let _ = peer_read.read_to_end(&mut sink).await;
    });
    peer_write.write_all(&bytes).await.unwrap();
    peer_write.shutdown().await.unwrap();
    let ended = tokio::time::timeout(LIMIT, session.closed())
        .await
        .expect("the session ends after EOF");
    let mut streams = 0;
    while let Ok(Some(_)) = tokio::time::timeout(LIMIT, incoming.next()).await {
        streams += 1;
    }
    (ended, streams)
}

/// yamux_session crash-9d107f3d: a window-update SYN with credit 0xffffffff made yamux 0.13.10
/// compute `credit + 256 KiB` and panic on the overflow inside the session task (debug builds;
/// release builds wrapped the window silently). Now refused as a protocol error.
#[tokio::test]
async fn yamux_syn_with_overflowing_credit_is_a_protocol_error() {
    let (ended, streams) = run_session(frame(1, 1, 1, u32::MAX)).await;
    match ended {
        Err(MuxError::Protocol(reason)) => assert!(reason.contains("credit"), "{reason}"),
        other => panic!("expected a protocol error, got {other:?}"),
    }
    assert_eq!(streams, 0);
}

/// The fuzzer's own input, byte for byte (minus the target's control byte): the bad SYN on
/// stream 255 followed by more frames.
#[tokio::test]
async fn yamux_fuzz_input_9d107f3d_ends_the_session_cleanly() {
    let input = "00010001000000fffffffffffffff900000000010000002c0000000082ad536572766963654d657468\
                 6f64b24275696c64650000000000000000020000000400657100c0000000040000200100000000";
    let bytes: Vec<u8> = (0..input.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&input[i..i + 2], 16).unwrap())
        .collect();
    let (ended, _) = run_session(bytes).await;
    assert!(
        matches!(ended, Err(MuxError::Protocol(_))),
        "expected a protocol error, got {ended:?}"
    );
}

/// The largest credit that cannot overflow still opens the stream, and a data frame whose body
/// happens to look like the bad header is not mistaken for one.
#[tokio::test]
async fn yamux_largest_safe_syn_credit_and_lookalike_bodies_pass() {
    let lookalike = frame(1, 1, 7, u32::MAX);
    let mut bytes = frame(1, 1, 1, u32::MAX - 256 * 1024);
    bytes.extend(frame(0, 1, 3, lookalike.len() as u32));
    bytes.extend(&lookalike);
    let (ended, streams) = run_session(bytes).await;
    assert!(ended.is_ok(), "{ended:?}");
    assert_eq!(streams, 2);
}
