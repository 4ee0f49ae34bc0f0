//! `ValueReader`, the stream reader both net/rpc roles use, over arbitrary bytes delivered in
//! fuzzer-chosen chunks (with reads that are not ready at first). It must yield exactly the values
//! a whole-buffer reading finds, then end the same way (clean EOF, truncated, or the same decode
//! error), however the bytes were split.
//!
//! Input: two bytes seed the chunk sizes, the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use packer_rpc::netrpc::{ReadError, ValueReader, codec};
use photon_packer_rpc_fuzz::{ChunkedReader, StreamEnd, chunk_sizes, decode_all, has_nan, runtime};

fuzz_target!(|data: &[u8]| {
    let [a, b, stream @ ..] = data else { return };
    let (expected, end) = decode_all(stream);
    let reader = ChunkedReader::new(
        stream.to_vec(),
        chunk_sizes(u16::from_le_bytes([*a, *b]), 64),
    );
    runtime().block_on(async move {
        let mut reader = ValueReader::new(reader);
        let mut got = Vec::new();
        let outcome = loop {
            match reader.next_value().await {
                Ok(Some(value)) => got.push(value),
                Ok(None) => break StreamEnd::Clean,
                Err(ReadError::Truncated { buffered }) => break StreamEnd::Truncated(buffered),
                Err(ReadError::Decode(e)) => break StreamEnd::Malformed(e),
                Err(ReadError::Io(e)) => panic!("in-memory reads cannot fail: {e}"),
            }
        };
        assert_eq!(got.len(), expected.len(), "value count differs");
        for (g, e) in got.iter().zip(&expected) {
            if has_nan(e) {
                assert_eq!(codec::to_bytes(g).ok(), codec::to_bytes(e).ok());
            } else {
                assert_eq!(g, e);
            }
        }
        assert_eq!(outcome, end);
    });
});
