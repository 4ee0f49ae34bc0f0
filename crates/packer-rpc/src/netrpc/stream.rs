//! Reading back-to-back msgpack values from a byte stream, and the single-writer task both roles
//! use so that a header and its body always go out together.

use std::io;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::codec::{DecodeError, Decoded, Value, decode};

/// Reads at least this much per syscall; bounded above so a hostile declared length does not
/// make us reserve gigabytes before the peer has sent them.
const MIN_READ: usize = 8 * 1024;
const MAX_RESERVE: usize = 1024 * 1024;

/// Why the next value could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The stream failed.
    #[error("reading msgpack stream: {0}")]
    Io(#[from] io::Error),
    /// The peer sent bytes that are not msgpack we accept.
    #[error("malformed msgpack from peer: {0}")]
    Decode(#[from] DecodeError),
    /// The stream ended in the middle of a value.
    #[error("stream ended inside a msgpack value ({buffered} bytes buffered)")]
    Truncated {
        /// How many bytes of the partial value had arrived.
        buffered: usize,
    },
}

/// Parses msgpack values one after another from a stream without length prefixes (Go's net/rpc
/// over ugorji writes header and body back to back).
#[derive(Debug)]
pub struct ValueReader<R> {
    inner: R,
    buf: Vec<u8>,
    // Lower bound on the buffer length at which parsing can progress; avoids re-parsing a large
    // partial value after every small read.
    need: usize,
}

impl<R: AsyncRead + Unpin> ValueReader<R> {
    /// Wraps a stream.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: Vec::new(),
            need: 1,
        }
    }

    /// The next value; `Ok(None)` when the stream ends cleanly between values.
    pub async fn next_value(&mut self) -> Result<Option<Value>, ReadError> {
        loop {
            if self.buf.len() >= self.need {
                match decode(&self.buf)? {
                    Decoded::Complete(value, used) => {
                        self.buf.drain(..used);
                        self.need = 1;
                        return Ok(Some(value));
                    }
                    Decoded::Incomplete { need } => self.need = need,
                }
            }
            let want = self
                .need
                .saturating_sub(self.buf.len())
                .clamp(MIN_READ, MAX_RESERVE);
            self.buf.reserve(want);
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(ReadError::Truncated {
                    buffered: self.buf.len(),
                });
            }
        }
    }
}

/// Frames queued for the writer task; a small bound gives callers backpressure.
const WRITE_QUEUE: usize = 64;

/// What the writer task is asked to do.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Write one whole frame (header + body already encoded) and flush it.
    Frame(Vec<u8>),
    /// Half-close the stream and stop (Go's `Client.Close`).
    Close,
}

/// Starts the task that owns the write half: each queued frame is written whole and flushed, so
/// concurrent senders can never interleave. On [`Outgoing::Close`], or when every sender is gone,
/// the stream is shut down (half-close), like Go closing its codec.
pub(crate) fn spawn_writer<W>(
    mut writer: W,
) -> (
    mpsc::Sender<Outgoing>,
    tokio::task::JoinHandle<io::Result<()>>,
)
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Outgoing>(WRITE_QUEUE);
    let task = tokio::spawn(async move {
        while let Some(Outgoing::Frame(frame)) = rx.recv().await {
            writer.write_all(&frame).await?;
            writer.flush().await?;
        }
        writer.shutdown().await
    });
    (tx, task)
}
