//! Entry points for fuzz targets only (`crates/lightwave/fuzz`); not part of the supported API.
//!
//! The answer decoders are crate-private; these thin wrappers feed them raw bytes the way the
//! client does after reading an HTTP body, without changing what they do.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::client::api_error;
use crate::error::{Error, OAuthErrorBody, truncated_text};
use crate::token::{Token, TokenResponse, decode_claims};

/// For fuzz targets only: decodes a 2xx body as `T`, exactly as every API call does after
/// reading it (`Client::fetch`).
#[doc(hidden)]
pub fn decode_answer<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|error| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        reason: format!("{error}; body: {}", truncated_text(body)),
    })
}

/// For fuzz targets only: the error a non-2xx API answer becomes (Lightwave's JSON error body,
/// or the body as text).
#[doc(hidden)]
pub fn decode_error_answer(method: &str, path: &str, status: StatusCode, body: &[u8]) -> Error {
    api_error(method, path, status, body)
}

/// For fuzz targets only: what the client learns from a token endpoint answer, without the
/// tokens themselves.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    /// When the access token expires (its `exp`, else `now + expires_in`, else soon).
    pub expires_at: SystemTime,
    /// Its lifetime.
    pub lifetime: Duration,
    /// How long before expiry it is renewed.
    pub refresh_margin: Duration,
    /// Whether it must be renewed at once.
    pub needs_refresh: bool,
    /// The server's clock offset, when over the warning threshold.
    pub clock_skew: Option<Duration>,
    /// Whether a refresh token is kept.
    pub has_refresh_token: bool,
}

/// For fuzz targets only: reads a token endpoint answer received at `now` the way a grant does:
/// a non-2xx status becomes [`Error::Auth`] (OAuth error JSON) or [`Error::Decode`]; a 2xx body
/// must be the token JSON, whose access token's claims set the expiry.
#[doc(hidden)]
pub fn decode_token_answer(
    status: StatusCode,
    body: &[u8],
    previous_refresh: Option<String>,
    now: SystemTime,
) -> Result<TokenFacts, Error> {
    let path = "/openidconnect/token/fuzz";
    if !status.is_success() {
        return Err(match serde_json::from_slice::<OAuthErrorBody>(body) {
            Ok(oauth) => Error::Auth {
                tenant: "fuzz".to_owned(),
                username: "fuzz".to_owned(),
                status: status.as_u16(),
                error: oauth.error,
                description: oauth.error_description.unwrap_or_default(),
            },
            Err(_) => Error::Decode {
                method: "POST".into(),
                path: path.to_owned(),
                reason: format!("HTTP {status}: {}", truncated_text(body)),
            },
        });
    }
    let answer: TokenResponse = serde_json::from_slice(body).map_err(|error| Error::Decode {
        method: "POST".into(),
        path: path.to_owned(),
        reason: format!("the token answer is not the expected JSON ({error})"),
    })?;
    let token = Token::from_response(answer, previous_refresh, now);
    Ok(TokenFacts {
        expires_at: token.expires_at,
        lifetime: token.lifetime,
        refresh_margin: token.refresh_margin(),
        needs_refresh: token.needs_refresh(now),
        clock_skew: token.clock_skew(now),
        has_refresh_token: token.refresh.is_some(),
    })
}

/// For fuzz targets only: the `(exp, iat)` claims read from a JWT's payload, if readable.
#[doc(hidden)]
pub fn jwt_expiry_claims(jwt: &str) -> Option<(Option<f64>, Option<f64>)> {
    decode_claims(jwt).map(|claims| (claims.exp, claims.iat))
}
