//! The mux broker (reference §3.3, SDK `rpc/mux_broker.go`): pairs yamux streams with
//! 4-byte little-endian ids. Whoever announces an id must `accept` it; the peer `dial`s it.
//! Id 0 is the main RPC stream, which Packer dials first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use crate::mux::{Incoming, MuxError, Session, Stream};

/// How long an id waits for its partner, as in the SDK: `accept` gives up after it, and an
/// incoming stream nobody claims in time is closed.
pub const ACCEPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a broker operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// No stream with this id arrived in time.
    #[error("timeout waiting for accept of broker id {0}")]
    AcceptTimeout(u32),
    /// The peer acknowledged a dial with another id.
    #[error("bad ack: {got} (expected {expected})")]
    BadAck {
        /// The id we sent.
        expected: u32,
        /// The id that came back.
        got: u32,
    },
    /// The session failed while opening the stream.
    #[error(transparent)]
    Mux(#[from] MuxError),
    /// Reading or writing the 4-byte id failed (e.g. the peer closed the stream: it did
    /// not accept the id in time).
    #[error("broker id exchange for id {id}: {source}")]
    Io {
        /// The broker id involved.
        id: u32,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

enum Slot {
    /// `accept` is waiting for this id.
    Waiting(oneshot::Sender<Stream>),
    /// The stream arrived first; the number tells the reaper which arrival it is.
    Arrived(Stream, u64),
}

struct Shared {
    slots: Mutex<HashMap<u32, Slot>>,
    next_id: AtomicU32,
    arrivals: AtomicU64,
    timeout: Duration,
}

/// The stream broker over one session. Clone it freely: clones share ids and streams.
#[derive(Clone)]
pub struct Broker {
    session: Session,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("timeout", &self.shared.timeout)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// Starts brokering: every stream from `incoming` has its id read and is held for
    /// [`Broker::accept`]. Spawns a task, so call it inside a tokio runtime.
    pub fn new(session: Session, incoming: Incoming) -> Self {
        Self::with_timeout(session, incoming, ACCEPT_TIMEOUT)
    }

    /// [`Broker::new`] with another accept timeout (tests; the protocol says 5 s).
    pub fn with_timeout(session: Session, mut incoming: Incoming, timeout: Duration) -> Self {
        let shared = Arc::new(Shared {
            slots: Mutex::new(HashMap::new()),
            next_id: AtomicU32::new(0),
            arrivals: AtomicU64::new(0),
            timeout,
        });
        let weak = Arc::downgrade(&shared);
        tokio::spawn(async move {
            while let Some(stream) = incoming.next().await {
                let Some(shared) = weak.upgrade() else { break };
                // Read each id in its own task so one silent stream cannot block the rest.
                tokio::spawn(read_id_and_park(shared, stream));
            }
        });
        Self { session, shared }
    }

    /// The session this broker runs on.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// A fresh id to announce to the peer (1, 2, 3 …; 0 is the main stream). Ids only
    /// mean something on the accepting side, so each side counts on its own.
    pub fn next_id(&self) -> u32 {
        self.shared
            .next_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }

    /// Waits (at most the timeout) for the peer to dial `id`, acknowledges it by echoing
    /// the 4 id bytes, and returns the stream.
    pub async fn accept(&self, id: u32) -> Result<Stream, BrokerError> {
        let early = {
            let mut slots = lock(&self.shared.slots);
            match slots.remove(&id) {
                Some(Slot::Arrived(stream, _)) => Ok(stream),
                // A second accept of the same id replaces the first, as in Go's map.
                Some(Slot::Waiting(_)) | None => {
                    let (tx, rx) = oneshot::channel();
                    slots.insert(id, Slot::Waiting(tx));
                    Err(rx)
                }
            }
        };
        let rx = match early {
            Ok(stream) => return ack(stream, id).await,
            Err(rx) => rx,
        };
        match tokio::time::timeout(self.shared.timeout, rx).await {
            Ok(Ok(stream)) => ack(stream, id).await,
            Ok(Err(_)) | Err(_) => {
                let mut slots = lock(&self.shared.slots);
                // Only forget our own registration (a newer accept may have replaced it).
                // Our receiver is gone by now, so a closed sender marks our own slot.
                if matches!(slots.get(&id), Some(Slot::Waiting(tx)) if tx.is_closed()) {
                    slots.remove(&id);
                }
                Err(BrokerError::AcceptTimeout(id))
            }
        }
    }

    /// Opens a stream to the peer's `id`: writes the id, requires the same 4 bytes back.
    pub async fn dial(&self, id: u32) -> Result<Stream, BrokerError> {
        let mut stream = self.session.open().await?;
        let io = |source| BrokerError::Io { id, source };
        stream.write_all(&id.to_le_bytes()).await.map_err(io)?;
        stream.flush().await.map_err(io)?;
        let mut back = [0u8; 4];
        stream.read_exact(&mut back).await.map_err(io)?;
        let got = u32::from_le_bytes(back);
        if got != id {
            let _ = stream.shutdown().await;
            return Err(BrokerError::BadAck { expected: id, got });
        }
        Ok(stream)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves the map consistent (single inserts/removes).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn ack(mut stream: Stream, id: u32) -> Result<Stream, BrokerError> {
    let io = |source| BrokerError::Io { id, source };
    stream.write_all(&id.to_le_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    Ok(stream)
}

async fn read_id_and_park(shared: Arc<Shared>, mut stream: Stream) {
    let mut buf = [0u8; 4];
    match tokio::time::timeout(shared.timeout, stream.read_exact(&mut buf)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::debug!("broker: stream {} closed before its id: {e}", stream.id());
            return;
        }
        Err(_) => {
            tracing::debug!("broker: stream {} sent no id in time", stream.id());
            let _ = stream.shutdown().await;
            return;
        }
    }
    let id = u32::from_le_bytes(buf);
    let arrival = shared.arrivals.fetch_add(1, Ordering::Relaxed);
    {
        let mut slots = lock(&shared.slots);
        match slots.remove(&id) {
            Some(Slot::Waiting(tx)) => match tx.send(stream) {
                Ok(()) => return,
                // The accept just timed out: park the stream like an early arrival.
                Err(stream) => {
                    slots.insert(id, Slot::Arrived(stream, arrival));
                }
            },
            Some(Slot::Arrived(old, n)) => {
                // Go keeps the first stream for an id and drops duplicates.
                slots.insert(id, Slot::Arrived(old, n));
                tracing::debug!("broker: duplicate stream for id {id} dropped");
                return;
            }
            None => {
                slots.insert(id, Slot::Arrived(stream, arrival));
            }
        }
    }
    // Unclaimed streams are closed after the timeout, as the SDK does.
    tokio::time::sleep(shared.timeout).await;
    let stale = {
        let mut slots = lock(&shared.slots);
        match slots.remove(&id) {
            Some(Slot::Arrived(s, n)) if n == arrival => Some(s),
            Some(other) => {
                slots.insert(id, other);
                None
            }
            None => None,
        }
    };
    if let Some(mut s) = stale {
        tracing::debug!("broker: nobody accepted id {id} in time; closing its stream");
        let _ = s.shutdown().await;
    }
}
