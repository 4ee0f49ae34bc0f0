//! Arbitrary bytes as the body of a non-2xx API answer, through
//! `lightwave::fuzzing::decode_error_answer` (Lightwave's `{error, details, cause}` JSON, the
//! OAuth shape, or anything else kept as text). It never panics, the message names the call and
//! status, and a body that is not Lightwave's JSON is quoted at most 300 characters, on one line.
//!
//! Input: two bytes pick the status (400..=599), the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lightwave::Error;
use lightwave::fuzzing::decode_error_answer;
use reqwest::StatusCode;

fuzz_target!(|data: &[u8]| {
    let [a, b, body @ ..] = data else { return };
    let status = StatusCode::from_u16(400 + u16::from_le_bytes([*a, *b]) % 200)
        .expect("400..=599 are valid statuses");
    let error = decode_error_answer("DELETE", "/vmdir/tenant/t/users/u", status, body);
    let text = error.to_string();
    let _ = format!("{error:?}");
    let _ = error.is_not_found();
    match &error {
        Error::Api { status: got, .. } => assert_eq!(*got, status.as_u16()),
        Error::Decode { reason, .. } => {
            assert!(!reason.contains('\n'), "multi-line reason: {reason:?}");
            assert!(
                reason.chars().count() <= 360,
                "reason not truncated: {}",
                reason.len()
            );
            assert!(text.contains("/vmdir/tenant/t/users/u"), "{text}");
        }
        other => panic!("an error answer became {other:?}"),
    }
});
