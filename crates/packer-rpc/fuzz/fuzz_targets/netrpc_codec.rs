//! Arbitrary bytes through the net/rpc msgpack decoder (`codec::decode`, `codec::from_bytes`).
//! Whatever decodes must re-encode, decode again, and re-encode to the same bytes (our encoding
//! is canonical); an `Incomplete` must ask for more bytes than it had. Any `Err` is fine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use packer_rpc::netrpc::codec::{self, Decoded, FromBytesError};
use photon_packer_rpc_fuzz::has_nan;

fuzz_target!(|data: &[u8]| {
    let decoded = codec::decode(data);
    let whole = codec::from_bytes(data);
    match &decoded {
        Ok(Decoded::Complete(value, used)) => {
            assert!(*used <= data.len());
            let _ = value.to_string();
            let _ = (
                value.as_str(),
                value.as_u64(),
                value.as_i64(),
                value.as_f64(),
            );
            let _ = (value.as_time(), value.as_map(), value.get("Seq"));
            match &whole {
                Ok(same) if *used == data.len() => {
                    assert!(has_nan(value) || same == value, "from_bytes differs");
                }
                Err(FromBytesError::Trailing(n)) => assert_eq!(*n, data.len() - used),
                other => panic!(
                    "decode used {used}/{} but from_bytes said {other:?}",
                    data.len()
                ),
            }
            let encoded = codec::to_bytes(value).expect("decoded values re-encode");
            let again = codec::from_bytes(&encoded).expect("re-encoded values decode");
            assert!(
                has_nan(value) || again == *value,
                "round trip changed the value"
            );
            assert_eq!(
                codec::to_bytes(&again).expect("re-encodes"),
                encoded,
                "encoding is canonical"
            );
        }
        Ok(Decoded::Incomplete { need }) => {
            assert!(
                *need > data.len(),
                "Incomplete needs {need} of {}",
                data.len()
            );
            assert!(matches!(whole, Err(FromBytesError::Truncated)));
        }
        Err(e) => {
            let _ = e.to_string();
            assert!(matches!(&whole, Err(FromBytesError::Decode(same)) if same == e));
        }
    }
});
