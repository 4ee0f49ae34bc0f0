//! OIDC tokens: decoding the grant answer, reading `exp`/`iat` from the JWT, and deciding when
//! to refresh.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// Scopes of the admin login, as Lightwave's own clients request them: `offline_access` gives a
/// refresh token, `rs_admin_server` the audience the IDM/VMDIR APIs demand.
pub(crate) const ADMIN_SCOPE: &str = "openid offline_access id_groups at_groups rs_admin_server";

/// Refresh no earlier than this before expiry…
const MIN_REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// …and warn when the server's clock is this far from ours.
pub(crate) const CLOCK_SKEW_WARNING: Duration = Duration::from_secs(300);

/// The token endpoint's success answer.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

/// The claims of the access token this client reads. The signature is not checked: the server
/// that issued the token verifies it on every call.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub(crate) struct Claims {
    #[serde(default)]
    pub(crate) exp: Option<f64>,
    #[serde(default)]
    pub(crate) iat: Option<f64>,
}

/// Decodes the payload of a JWT; `None` when the token is not a readable JWT.
pub(crate) fn decode_claims(jwt: &str) -> Option<Claims> {
    let payload = jwt.split('.').nth(1)?;
    // Some encoders pad; the JWT spec says they must not, so tolerate both.
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn epoch_seconds(seconds: f64) -> Option<SystemTime> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(seconds).ok()?)
}

/// A bearer token with what is needed to renew it. Secrets are redacted in `Debug`.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) access: String,
    pub(crate) refresh: Option<String>,
    pub(crate) expires_at: SystemTime,
    pub(crate) lifetime: Duration,
    /// The server's `iat`, to report clock skew.
    pub(crate) issued_at: Option<SystemTime>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access", &"<redacted>")
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl Token {
    /// Builds the token from a grant answer received at `now` (local clock). The expiry is the
    /// JWT's `exp`, else `now + expires_in`; a refresh answer without a refresh token keeps
    /// `previous_refresh`.
    pub(crate) fn from_response(
        response: TokenResponse,
        previous_refresh: Option<String>,
        now: SystemTime,
    ) -> Token {
        let claims = decode_claims(&response.access_token).unwrap_or_default();
        let issued_at = claims.iat.and_then(epoch_seconds);
        let expires_in = response.expires_in.map(Duration::from_secs);
        let expires_at = claims
            .exp
            .and_then(epoch_seconds)
            .or_else(|| expires_in.and_then(|lifetime| now.checked_add(lifetime)))
            // Neither exp nor expires_in: assume a short life so a refresh happens soon.
            .unwrap_or_else(|| now + MIN_REFRESH_MARGIN * 2);
        let lifetime = match (issued_at, expires_at) {
            (Some(issued), expires) => expires.duration_since(issued).ok(),
            _ => None,
        }
        .or(expires_in)
        .unwrap_or_else(|| expires_at.duration_since(now).unwrap_or_default());
        Token {
            access: response.access_token,
            refresh: response.refresh_token.or(previous_refresh),
            expires_at,
            lifetime,
            issued_at,
        }
    }

    /// How long before expiry to refresh: 10 % of the lifetime but at least 30 s, and never more
    /// than half the lifetime (else a short-lived token would be renewed before every call).
    pub(crate) fn refresh_margin(&self) -> Duration {
        (self.lifetime / 10)
            .max(MIN_REFRESH_MARGIN)
            .min(self.lifetime / 2)
    }

    /// Whether the token expires within the refresh margin of `now`.
    pub(crate) fn needs_refresh(&self, now: SystemTime) -> bool {
        match self.expires_at.duration_since(now) {
            Ok(left) => left <= self.refresh_margin(),
            Err(_) => true,
        }
    }

    /// How far the server's `iat` is from the local clock at `now`, when it exceeds the warning
    /// threshold.
    pub(crate) fn clock_skew(&self, now: SystemTime) -> Option<Duration> {
        let issued = self.issued_at?;
        let skew = match issued.duration_since(now) {
            Ok(ahead) => ahead,
            Err(behind) => behind.duration(),
        };
        (skew > CLOCK_SKEW_WARNING).then_some(skew)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    fn response(access: String, expires_in: Option<u64>) -> TokenResponse {
        TokenResponse {
            access_token: access,
            refresh_token: Some("refresh".into()),
            expires_in,
        }
    }

    #[test]
    fn decodes_exp_and_iat_from_the_payload() {
        let claims = decode_claims(&jwt(r#"{"sub":"a@b","exp":1700000300,"iat":1700000000}"#));
        assert_eq!(
            claims,
            Some(Claims {
                exp: Some(1_700_000_300.0),
                iat: Some(1_700_000_000.0)
            })
        );
        assert_eq!(decode_claims("not-a-jwt"), None);
        assert_eq!(decode_claims("a.!!!.c"), None);
    }

    #[test]
    fn expiry_comes_from_exp_and_lifetime_from_exp_minus_iat() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_010);
        let token = Token::from_response(
            response(jwt(r#"{"exp":1700000300,"iat":1700000000}"#), Some(999)),
            None,
            now,
        );
        assert_eq!(
            token.expires_at,
            UNIX_EPOCH + Duration::from_secs(1_700_000_300)
        );
        assert_eq!(token.lifetime, Duration::from_secs(300));
        assert_eq!(token.refresh.as_deref(), Some("refresh"));
    }

    #[test]
    fn expiry_falls_back_to_expires_in_without_exp() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let token = Token::from_response(response("opaque".into(), Some(600)), None, now);
        assert_eq!(token.expires_at, now + Duration::from_secs(600));
        assert_eq!(token.lifetime, Duration::from_secs(600));
    }

    #[test]
    fn refresh_answer_without_refresh_token_keeps_the_old_one() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let answer = TokenResponse {
            access_token: "opaque".into(),
            refresh_token: None,
            expires_in: Some(60),
        };
        let token = Token::from_response(answer, Some("old".into()), now);
        assert_eq!(token.refresh.as_deref(), Some("old"));
    }

    #[test]
    fn refresh_margin_is_ten_percent_at_least_thirty_seconds_at_most_half() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let margin = |lifetime: u64| {
            Token::from_response(response("x".into(), Some(lifetime)), None, now).refresh_margin()
        };
        assert_eq!(margin(3600), Duration::from_secs(360));
        assert_eq!(margin(120), Duration::from_secs(30));
        assert_eq!(margin(4), Duration::from_secs(2));

        let token = Token::from_response(response("x".into(), Some(3600)), None, now);
        assert!(!token.needs_refresh(now + Duration::from_secs(3000)));
        assert!(token.needs_refresh(now + Duration::from_secs(3300)));
        assert!(token.needs_refresh(now + Duration::from_secs(4000)));
    }

    #[test]
    fn clock_skew_is_reported_beyond_five_minutes() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let skewed = Token::from_response(
            response(jwt(r#"{"exp":1700001000,"iat":1699999000}"#), None),
            None,
            now,
        );
        assert_eq!(skewed.clock_skew(now), Some(Duration::from_secs(1000)));
        let close = Token::from_response(
            response(jwt(r#"{"exp":1700001000,"iat":1700000060}"#), None),
            None,
            now,
        );
        assert_eq!(close.clock_skew(now), None);
    }

    #[test]
    fn debug_redacts_the_tokens() {
        let token = Token::from_response(
            response("secret-access".into(), Some(60)),
            None,
            SystemTime::now(),
        );
        let text = format!("{token:?}");
        assert!(!text.contains("secret-access"));
        assert!(!text.contains("\"refresh\""));
        assert!(text.contains("<redacted>"));
    }
}
