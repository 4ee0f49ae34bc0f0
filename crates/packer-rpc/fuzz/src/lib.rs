//! Helpers shared by the packer-rpc fuzz targets: a paused-clock runtime, a reader that hands
//! out bytes in fuzzer-chosen chunks, and the reference reading of a msgpack byte stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use packer_rpc::netrpc::codec::{self, DecodeError, Decoded, Value};
use tokio::io::{AsyncRead, ReadBuf};

/// A single-threaded runtime whose clock is paused: it jumps ahead whenever every task waits, so
/// 5 s broker timeouts and "did it hang?" deadlines cost no wall time, and a real hang shows up as
/// the deadline firing instead of libFuzzer's timeout.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime builds (no I/O driver, no threads)")
}

/// Chunk lengths from a seed: mostly small (1..=16 bytes) to split values everywhere, sometimes
/// large, so both the "parse a partial value" and "many values per read" paths run.
pub fn chunk_sizes(seed: u16, count: usize) -> Vec<usize> {
    let mut state = u32::from(seed) | 0x1_0000;
    (0..count)
        .map(|_| {
            // xorshift32: deterministic per input, so crashes reproduce.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            match state % 8 {
                0 => 1 + (state >> 8) as usize % 4096,
                _ => 1 + (state >> 8) as usize % 16,
            }
        })
        .collect()
}

/// An `AsyncRead` over fixed bytes that returns at most the next chunk length per read, and
/// sometimes returns `Pending` first (waking itself) like a socket with nothing buffered yet.
pub struct ChunkedReader {
    data: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    next: usize,
    stall: bool,
}

impl ChunkedReader {
    /// Reads `data` in chunks of `sizes` (cycled).
    pub fn new(data: Vec<u8>, sizes: Vec<usize>) -> Self {
        Self {
            data,
            pos: 0,
            sizes: if sizes.is_empty() { vec![1] } else { sizes },
            next: 0,
            stall: false,
        }
    }
}

impl AsyncRead for ChunkedReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let size = this.sizes[this.next % this.sizes.len()];
        this.next += 1;
        // Odd chunk sizes stall once before delivering.
        if size % 2 == 1 && !this.stall {
            this.stall = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        this.stall = false;
        let n = size.min(this.data.len() - this.pos).min(buf.remaining());
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// How a whole-buffer reading of back-to-back msgpack values ends.
#[derive(Debug, PartialEq)]
pub enum StreamEnd {
    /// Every byte was consumed by whole values.
    Clean,
    /// The buffer ends inside a value; this many bytes of it were there.
    Truncated(usize),
    /// A malformed value.
    Malformed(DecodeError),
}

/// The reference reading: `codec::decode` repeatedly on the rest of the whole buffer.
pub fn decode_all(bytes: &[u8]) -> (Vec<Value>, StreamEnd) {
    let mut values = Vec::new();
    let mut rest = bytes;
    loop {
        if rest.is_empty() {
            return (values, StreamEnd::Clean);
        }
        match codec::decode(rest) {
            Ok(Decoded::Complete(value, used)) => {
                assert!(
                    used > 0 && used <= rest.len(),
                    "decode used {used} of {} bytes",
                    rest.len()
                );
                values.push(value);
                rest = &rest[used..];
            }
            Ok(Decoded::Incomplete { need }) => {
                assert!(
                    need > rest.len(),
                    "Incomplete asks for {need} bytes but {} are there",
                    rest.len()
                );
                return (values, StreamEnd::Truncated(rest.len()));
            }
            Err(e) => return (values, StreamEnd::Malformed(e)),
        }
    }
}

/// Whether a float NaN occurs anywhere (NaN != NaN, so such values compare by bytes only).
pub fn has_nan(value: &Value) -> bool {
    match value {
        Value::F32(f) => f.is_nan(),
        Value::F64(f) => f.is_nan(),
        Value::Array(items) => items.iter().any(has_nan),
        Value::Map(entries) => entries.iter().any(|(k, v)| has_nan(k) || has_nan(v)),
        _ => false,
    }
}
