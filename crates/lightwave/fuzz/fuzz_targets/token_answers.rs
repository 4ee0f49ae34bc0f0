//! Arbitrary bytes as the token endpoint's answer, through
//! `lightwave::fuzzing::decode_token_answer`: the OAuth error JSON for a refusal, the token JSON
//! with a JWT whose `exp`/`iat` set the expiry and the refresh schedule. Never a panic (hostile
//! `exp`, `iat`, `expires_in` included); the refresh margin stays within half the lifetime; and
//! no error message repeats an access or refresh token from the body.
//!
//! Input: one byte picks the status (200 or an error status) and whether a previous refresh
//! token exists, the rest is the body.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use lightwave::fuzzing::{decode_token_answer, jwt_expiry_claims};
use reqwest::StatusCode;
use serde_json::Value as Json;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = match selector % 4 {
        0 | 1 => StatusCode::OK,
        2 => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNAUTHORIZED,
    };
    let previous = (selector & 0x10 != 0).then(|| "previous-refresh".to_owned());
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let object = serde_json::from_slice::<Json>(body)
        .ok()
        .and_then(|json| json.as_object().cloned())
        .unwrap_or_default();
    // serde quotes a wrongly typed string (`"expires_in": "…"`) in its message; a token whose
    // text the body also sends elsewhere is that field's text, not a leak.
    let text = String::from_utf8_lossy(body);
    let tokens: Vec<String> = ["access_token", "refresh_token"]
        .iter()
        .filter_map(|key| object.get(*key)?.as_str().map(str::to_owned))
        .filter(|token| text.matches(token.as_str()).count() == 1)
        .collect();
    if let Some(access) = tokens.first() {
        let _ = jwt_expiry_claims(access);
    }
    let _ = jwt_expiry_claims(&String::from_utf8_lossy(body));
    for at in [now, SystemTime::now()] {
        match decode_token_answer(status, body, previous.clone(), at) {
            Ok(facts) => {
                assert!(status.is_success());
                assert!(facts.refresh_margin <= facts.lifetime / 2 + Duration::from_nanos(1));
                if previous.is_some() {
                    assert!(
                        facts.has_refresh_token,
                        "the previous refresh token was lost"
                    );
                }
            }
            Err(error) => {
                let text = error.to_string();
                for token in &tokens {
                    if token.len() >= 8 && status.is_success() {
                        assert!(
                            !text.contains(token.as_str()),
                            "error repeats a token: {text}"
                        );
                    }
                }
            }
        }
    }
});
