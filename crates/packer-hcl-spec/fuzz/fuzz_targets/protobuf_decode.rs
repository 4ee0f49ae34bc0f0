//! Arbitrary bytes through `decode_protobuf`, the protocol v2 `ConfigSpec` decoder. Any `Err` is
//! fine; a spec that decodes must re-encode (or be refused for depth only), decode again to the
//! same spec, and be accepted by the gob encoder too (protobuf specs hold no gob-only types).
#![no_main]

use hcl_spec::{GobFlavor, SpecError, decode_protobuf, encode_gob, encode_protobuf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = match decode_protobuf(data) {
        Ok(spec) => spec,
        Err(e) => {
            assert!(
                matches!(e, SpecError::Malformed { .. }),
                "decode error kind: {e:?}"
            );
            let _ = e.to_string();
            return;
        }
    };
    match encode_protobuf(&spec) {
        Ok(bytes) => assert_eq!(
            decode_protobuf(&bytes).expect("re-encoded spec decodes"),
            spec
        ),
        Err(e) => assert!(
            matches!(e, SpecError::TooDeep { .. }),
            "re-encoding failed: {e}"
        ),
    }
    for flavor in [GobFlavor::Debian166, GobFlavor::Upstream] {
        if let Err(e) = encode_gob(&spec, flavor) {
            assert!(
                matches!(e, SpecError::TooDeep { .. }),
                "gob refused a protobuf spec: {e}"
            );
        }
    }
});
