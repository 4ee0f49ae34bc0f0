//! Arbitrary bytes from the peer (Packer's side of the connection) into our yamux server
//! session, `packer_rpc::Session::server`. Every stream the peer opens is accepted, read and
//! answered; if the first input byte says so, we also open a stream and write to it. After the
//! bytes end (EOF), the session must end (cleanly or with a protocol error) without a panic in
//! the session task (`MuxError::TaskGone`) and without hanging; each accepted stream's reader
//! must finish too.
//!
//! Input: one control byte (bit 0: open an outbound stream; bits 1..: chunk seed), then the raw
//! frames Packer would send.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use packer_rpc::{MuxError, Session};
use photon_packer_rpc_fuzz::{chunk_sizes, runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEADLINE: Duration = Duration::from_secs(120);

fuzz_target!(|data: &[u8]| {
    let Some((&control, frames)) = data.split_first() else {
        return;
    };
    let sizes = chunk_sizes(u16::from(control), 32);
    let input = frames.to_vec();
    runtime().block_on(async move {
        let (ours, theirs) = tokio::io::duplex(256 * 1024);
        let (session, mut incoming) = Session::server(theirs);
        let (mut peer_read, mut peer_write) = tokio::io::split(ours);
        // Drain what we send, like a peer that reads everything.
        tokio::spawn(async move {
            let mut sink = Vec::new();
            let _ = peer_read.read_to_end(&mut sink).await;
        });
        tokio::spawn(async move {
            let mut rest = &input[..];
            for size in sizes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at((*size).min(rest.len()));
                if peer_write.write_all(chunk).await.is_err() {
                    return;
                }
                rest = tail;
                tokio::task::yield_now().await;
            }
            let _ = peer_write.shutdown().await;
        });
        let acceptor = tokio::spawn(async move {
            let mut handlers = Vec::new();
            while let Some(mut stream) = incoming.next().await {
                handlers.push(tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut total = 0usize;
                    while let Ok(n) = stream.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        total += n;
                        let _ = stream.write_all(&(total as u32).to_le_bytes()).await;
                    }
                    let _ = stream.shutdown().await;
                }));
            }
            handlers
        });
        if control & 1 == 1 {
            let session = session.clone();
            tokio::spawn(async move {
                if let Ok(mut stream) = session.open().await {
                    let _ = stream.write_all(b"\x00\x00\x00\x00hello").await;
                    let mut buf = [0u8; 64];
                    let _ = stream.read(&mut buf).await;
                }
            });
        }
        let ended = tokio::time::timeout(DEADLINE, session.closed())
            .await
            .expect("the session ends after the peer's bytes end");
        match ended {
            Ok(()) | Err(MuxError::Protocol(_) | MuxError::Io(_) | MuxError::Closed) => {}
            Err(MuxError::TaskGone) => panic!("the yamux session task panicked"),
            Err(MuxError::TooManyStreams) => {}
        }
        let handlers = tokio::time::timeout(DEADLINE, acceptor)
            .await
            .expect("Incoming ends with the session")
            .expect("the acceptor does not panic");
        for handler in handlers {
            tokio::time::timeout(DEADLINE, handler)
                .await
                .expect("stream readers end with the session")
                .expect("a stream handler does not panic");
        }
    });
});
