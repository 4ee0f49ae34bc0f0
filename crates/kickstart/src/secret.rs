//! A string that never shows up in `Debug` output.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret value (root password, password hash). Serialises as the plain string, because the
/// installer needs it, but `Debug` prints `<redacted>` so logs and panic messages cannot leak it.
/// There is deliberately no `Display`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for rendering; avoid passing it anywhere that may be printed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_but_serde_is_not() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(
            serde_json::to_string(&secret).expect("serialises"),
            "\"hunter2\""
        );
        let back: Secret = serde_json::from_str("\"hunter2\"").expect("deserialises");
        assert_eq!(back.expose(), "hunter2");
    }
}
