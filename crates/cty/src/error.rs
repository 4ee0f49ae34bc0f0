//! Error types. Every value error carries the [`Path`] where it happened.

use std::fmt;

use crate::path::{Path, fmt_at};

macro_rules! path_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub struct $name {
            /// Where in the value the problem is.
            pub path: Path,
            /// What was expected and what was found.
            pub message: String,
        }

        impl $name {
            /// An error at `path`.
            pub fn new(path: Path, message: impl Into<String>) -> Self {
                Self { path, message: message.into() }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_at(f, &self.path, &self.message)
            }
        }
    };
}

path_error!(
    /// A value could not be encoded (msgpack or JSON) as the requested type.
    EncodeError
);
path_error!(
    /// Bytes could not be decoded (msgpack or JSON) as the requested type.
    DecodeError
);
path_error!(
    /// A value does not conform to a type.
    ConformError
);

impl From<ConformError> for EncodeError {
    fn from(error: ConformError) -> Self {
        EncodeError {
            path: error.path,
            message: error.message,
        }
    }
}

macro_rules! serde_error {
    ($(#[$doc:meta])* $name:ident, $serde_trait:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[non_exhaustive]
        pub struct $name {
            /// Where in the value the problem is.
            pub path: Path,
            /// What was expected and what was found.
            pub message: String,
            /// Errors raised inside serde impls (e.g. "missing field") are
            /// created without a location; the bridge fills it in on the
            /// way out, at the innermost value being processed.
            pub(crate) located: bool,
        }

        impl $name {
            /// An error at `path`.
            pub fn new(path: Path, message: impl Into<String>) -> Self {
                Self { path, message: message.into(), located: true }
            }

            pub(crate) fn locate(mut self, path: impl FnOnce() -> Path) -> Self {
                if !self.located {
                    self.path = path();
                    self.located = true;
                }
                self
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_at(f, &self.path, &self.message)
            }
        }

        impl $serde_trait for $name {
            fn custom<T: fmt::Display>(message: T) -> Self {
                Self { path: Path::root(), message: message.to_string(), located: false }
            }
        }
    };
}

serde_error!(
    /// [`crate::from_value`] could not build the Rust value.
    ValueDeError,
    serde::de::Error
);
serde_error!(
    /// [`crate::to_value`] could not express a Rust value as the requested type.
    ValueSerError,
    serde::ser::Error
);

/// Type JSON could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("invalid type JSON: {message}")]
pub struct TypeJsonError {
    /// What is wrong with the type description.
    pub message: String,
}

/// Text is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("invalid number {text:?}: {reason}")]
pub struct ParseNumberError {
    /// The rejected text (shortened when long).
    pub text: String,
    /// Why it was rejected.
    pub reason: &'static str,
}
