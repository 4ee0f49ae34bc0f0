//! The broker's 4-byte id handshake with a misbehaving peer. A Rust yamux client plays Packer:
//! it opens streams carrying arbitrary id bytes (short, duplicate, never sent, followed by
//! data; then FIN, RST or nothing), answers our dials with the right id, a wrong one, or too few
//! bytes; meanwhile our side accepts and dials fuzzer-chosen ids while the (paused) clock runs
//! through the 5 s timeouts. Checked: `accept(id)` only ever returns a stream whose peer sent
//! exactly `id`, and the peer then reads the 4-byte ack; `dial(id)` succeeds exactly when the
//! answer is the same id, reports `BadAck` with the bytes it got, and an I/O error for a short
//! answer; nothing panics or hangs.
#![no_main]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use packer_rpc::{Broker, BrokerError, Session};
use photon_packer_rpc_fuzz::runtime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DEADLINE: Duration = Duration::from_secs(600);

/// How the peer answers a dial of one id.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Echo,
    Wrong(u32),
    Short(u8),
}

fn answer_for(byte: u8, id: u32) -> Answer {
    match byte % 3 {
        0 => Answer::Echo,
        1 => Answer::Wrong(id ^ (u32::from(byte) | 1)),
        _ => Answer::Short(byte % 4),
    }
}

fuzz_target!(|data: &[u8]| {
    let ops = data.to_vec();
    runtime().block_on(async move {
        let (a, b) = tokio::io::duplex(256 * 1024);
        let (server, server_incoming) = Session::server(a);
        let (client, mut client_incoming) = Session::client(b);
        let broker = Broker::new(server.clone(), server_incoming);

        // The peer's answers to our dials, by id (the first choice for an id wins).
        let answers: Arc<Mutex<HashMap<u32, Answer>>> = Arc::default();
        let peer_answers = answers.clone();
        tokio::spawn(async move {
            while let Some(mut stream) = client_incoming.next().await {
                let answers = peer_answers.clone();
                tokio::spawn(async move {
                    let mut id = [0u8; 4];
                    if stream.read_exact(&mut id).await.is_err() {
                        return;
                    }
                    let id = u32::from_le_bytes(id);
                    let answer = answers.lock().unwrap().get(&id).copied();
                    let bytes = match answer {
                        Some(Answer::Echo) | None => id.to_le_bytes().to_vec(),
                        Some(Answer::Wrong(other)) => other.to_le_bytes().to_vec(),
                        Some(Answer::Short(n)) => id.to_le_bytes()[..usize::from(n)].to_vec(),
                    };
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                    let mut rest = Vec::new();
                    let _ = stream.read_to_end(&mut rest).await;
                });
            }
        });

        // Ids whose full 4 bytes some peer stream sent.
        let mut sent_ids = Vec::new();
        let mut tasks = Vec::new();
        let mut peer_streams = Vec::new();
        let mut bytes = ops.iter().copied();
        while let Some(op) = bytes.next() {
            let arg = bytes.next().unwrap_or(0);
            // A small id space so accepts, dials and arrivals meet.
            let id = u32::from(arg % 5);
            match op % 5 {
                0 => {
                    // Peer opens a stream and sends `len` bytes of the id (then "data").
                    let len = usize::from(op / 5 % 7);
                    let Ok(mut stream) = client.open().await else {
                        break;
                    };
                    let mut payload = id.to_le_bytes().to_vec();
                    payload.extend_from_slice(b"data");
                    payload.truncate(len.max(1));
                    if stream.write_all(&payload).await.is_err() {
                        continue;
                    }
                    if len >= 4 {
                        sent_ids.push(id);
                    }
                    match op / 35 % 3 {
                        0 => {
                            let _ = stream.shutdown().await;
                            peer_streams.push(stream);
                        }
                        1 => drop(stream),
                        _ => peer_streams.push(stream),
                    }
                }
                1 => {
                    let broker = broker.clone();
                    tasks.push(tokio::spawn(async move {
                        match broker.accept(id).await {
                            Ok(mut stream) => {
                                let _ = stream.shutdown().await;
                                Some(id)
                            }
                            Err(BrokerError::AcceptTimeout(got)) => {
                                assert_eq!(got, id);
                                None
                            }
                            Err(_) => None,
                        }
                    }));
                }
                2 => {
                    let answer = *answers
                        .lock()
                        .unwrap()
                        .entry(id)
                        .or_insert_with(|| answer_for(op / 5, id));
                    let broker = broker.clone();
                    tasks.push(tokio::spawn(async move {
                        let result = broker.dial(id).await;
                        match (answer, result) {
                            (Answer::Echo, Ok(_)) => {}
                            (Answer::Wrong(other), Err(BrokerError::BadAck { expected, got })) => {
                                assert_eq!((expected, got), (id, other));
                            }
                            (Answer::Short(_), Err(BrokerError::Io { id: failed, .. })) => {
                                assert_eq!(failed, id);
                            }
                            // The session may already be closing.
                            (_, Err(BrokerError::Mux(_))) => {}
                            (answer, result) => {
                                panic!("dial({id}) answered {answer:?} gave {result:?}")
                            }
                        }
                        None
                    }));
                }
                3 => tokio::time::sleep(Duration::from_millis(u64::from(arg) * 50)).await,
                _ => tokio::task::yield_now().await,
            }
        }
        for task in tasks {
            let accepted = tokio::time::timeout(DEADLINE, task)
                .await
                .expect("broker operations end within their timeouts")
                .expect("a broker operation does not panic");
            if let Some(id) = accepted {
                assert!(
                    sent_ids.contains(&id),
                    "accept({id}) returned a stream nobody sent {id} on"
                );
            }
        }
        drop(peer_streams);
        client.close().await;
        tokio::time::timeout(DEADLINE, server.closed())
            .await
            .expect("the server session ends after the peer closes")
            .ok();
    });
});
