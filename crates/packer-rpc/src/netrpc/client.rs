//! The net/rpc client: many calls in flight on one stream, replies matched by `Seq`.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use super::codec::{DecodeError, EncodeError, Value};
use super::stream::{Outgoing, ReadError, ValueReader, spawn_writer};
use super::{frame, parse_header, request_header};

/// Why a call did not produce a reply.
#[derive(Debug, Clone, Error)]
pub enum CallError {
    /// The remote method returned an error (Go's `rpc.ServerError`); the text is verbatim.
    #[error("{0}")]
    Server(String),
    /// The stream failed or was closed before the reply came (peer EOF is `UnexpectedEof`).
    #[error("rpc connection: {0}")]
    Io(Arc<io::Error>),
    /// The peer sent malformed msgpack; the connection is unusable.
    #[error("rpc connection: {0}")]
    Decode(DecodeError),
    /// The peer sent a response header that is not a Go `rpc.Response`.
    #[error("rpc connection: bad response header: {0}")]
    Protocol(String),
    /// The arguments cannot be encoded.
    #[error("rpc arguments: {0}")]
    Encode(EncodeError),
}

type Reply = Result<Value, CallError>;

#[derive(Default)]
struct State {
    pending: HashMap<u64, oneshot::Sender<Reply>>,
    // Set once the connection is dead; later calls fail fast with it.
    closed: Option<CallError>,
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the connection dead and fails every call in flight.
    fn fail_all(&self, error: CallError) {
        let pending = {
            let mut state = self.lock();
            if state.closed.is_none() {
                state.closed = Some(error.clone());
            }
            std::mem::take(&mut state.pending)
        };
        for (_, waiter) in pending {
            let _ = waiter.send(Err(error.clone()));
        }
    }
}

struct Inner {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Outgoing>,
    next_seq: AtomicU64,
    reader: AbortHandle,
}

impl Drop for Inner {
    // The reader task only holds the shared state, so it must be stopped explicitly.
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// A concurrent net/rpc client on one stream. Clones share the connection; when the last clone
/// is dropped the stream is half-closed and the reply reader stops.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("next_seq", &self.inner.next_seq.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Removes a call's waiter if the call future is dropped before its reply arrives.
struct PendingGuard<'a> {
    shared: &'a Shared,
    seq: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.shared.lock().pending.remove(&self.seq);
    }
}

impl Client {
    /// Starts a client on `stream` (spawns its reader and writer tasks; needs a Tokio runtime).
    pub fn new<S>(stream: S) -> Client
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (read_half, write_half) = tokio::io::split(stream);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
        });
        let (tx, writer) = spawn_writer(write_half);
        let on_write_error = shared.clone();
        tokio::spawn(async move {
            let error = match writer.await {
                Ok(Ok(())) => io::Error::new(io::ErrorKind::BrokenPipe, "client closed"),
                Ok(Err(e)) => e,
                Err(join) => io::Error::other(join),
            };
            on_write_error.fail_all(CallError::Io(Arc::new(error)));
        });
        let reader = tokio::spawn(read_replies(ValueReader::new(read_half), shared.clone()));
        Client {
            inner: Arc::new(Inner {
                shared,
                tx,
                next_seq: AtomicU64::new(0),
                reader: reader.abort_handle(),
            }),
        }
    }

    /// Calls `Service.Method` with `args` and waits for the reply. Other calls may be issued
    /// and answered meanwhile. Dropping the future abandons the reply (it is discarded on
    /// arrival) without corrupting the stream.
    pub async fn call(&self, service_method: &str, args: Value) -> Result<Value, CallError> {
        let inner = &self.inner;
        let seq = inner.next_seq.fetch_add(1, Ordering::Relaxed);
        let bytes =
            frame(&request_header(service_method, seq), &args).map_err(CallError::Encode)?;
        let (reply_tx, reply_rx) = oneshot::channel();
        {
            let mut state = inner.shared.lock();
            if let Some(error) = &state.closed {
                return Err(error.clone());
            }
            state.pending.insert(seq, reply_tx);
        }
        let _guard = PendingGuard {
            shared: &inner.shared,
            seq,
        };
        if inner.tx.send(Outgoing::Frame(bytes)).await.is_err() {
            return Err(self.closed_error());
        }
        match reply_rx.await {
            Ok(reply) => reply,
            // The waiter was dropped without an answer: the connection died.
            Err(_) => Err(self.closed_error()),
        }
    }

    /// Half-closes the stream after the calls already queued (Go's `Client.Close`); calls still
    /// waiting for replies then fail, and so do later calls. Every clone is affected.
    pub async fn close(&self) {
        // An error means the writer already stopped, which is the goal.
        let _ = self.inner.tx.send(Outgoing::Close).await;
    }

    fn closed_error(&self) -> CallError {
        self.inner.shared.lock().closed.clone().unwrap_or_else(|| {
            CallError::Io(Arc::new(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "rpc client is shut down",
            )))
        })
    }
}

async fn read_replies<R: AsyncRead + Unpin>(mut reader: ValueReader<R>, shared: Arc<Shared>) {
    let error = loop {
        let header = match reader.next_value().await {
            Ok(Some(h)) => h,
            Ok(None) => {
                break CallError::Io(Arc::new(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed the rpc stream",
                )));
            }
            Err(e) => break read_error(e),
        };
        let header = match parse_header(&header) {
            Ok(h) => h,
            Err(e) => break CallError::Protocol(e),
        };
        let body = match reader.next_value().await {
            Ok(Some(b)) => b,
            Ok(None) => {
                break CallError::Io(Arc::new(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed the rpc stream between a reply header and its body",
                )));
            }
            Err(e) => break read_error(e),
        };
        let waiter = shared.lock().pending.remove(&header.seq);
        // A reply nobody waits for (abandoned call) is dropped, as Go's client does.
        if let Some(waiter) = waiter {
            let reply = if header.error.is_empty() {
                Ok(body)
            } else {
                Err(CallError::Server(header.error))
            };
            let _ = waiter.send(reply);
        }
    };
    shared.fail_all(error);
}

fn read_error(e: ReadError) -> CallError {
    match e {
        ReadError::Io(e) => CallError::Io(Arc::new(e)),
        ReadError::Decode(e) => CallError::Decode(e),
        ReadError::Truncated { .. } => CallError::Io(Arc::new(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            e.to_string(),
        ))),
    }
}
