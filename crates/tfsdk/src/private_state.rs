//! Private state: bytes Terraform stores next to a resource's state and never reads.
//!
//! The SDK keeps it as a JSON object keyed by provider-chosen names, so several concerns can
//! each keep their own entry. Keys starting with `.` are reserved for the SDK.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diagnostics::Diagnostic;

/// A resource's private state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PrivateState(BTreeMap<String, serde_json::Value>);

impl PrivateState {
    /// Nothing stored.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes what Terraform sent back (empty bytes = nothing stored).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Diagnostic> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(bytes).map(Self).map_err(|error| {
            Diagnostic::error(
                "Private state is unreadable",
                format!("The provider's private data for this resource is not the JSON object it writes: {error}"),
            )
        })
    }

    /// What Terraform stores (empty when nothing is kept).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).expect("a map of JSON values always serialises")
    }

    /// The entry `key`, decoded.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.0
            .get(key)
            .and_then(|value| serde_json::from_value(value.clone()).ok())
    }

    /// Stores `value` under `key`.
    pub fn set<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), Diagnostic> {
        let value = serde_json::to_value(value).map_err(|error| {
            Diagnostic::error("Private state is not storable", format!("{key}: {error}"))
        })?;
        self.0.insert(key.to_owned(), value);
        Ok(())
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_private_state_is_empty_bytes_both_ways() {
        assert_eq!(PrivateState::new().to_bytes(), Vec::<u8>::new());
        assert_eq!(PrivateState::from_bytes(&[]).unwrap(), PrivateState::new());
    }

    #[test]
    fn entries_round_trip_through_bytes() {
        let mut private = PrivateState::new();
        private.set("session", &vec![1, 2, 3]).unwrap();
        let back = PrivateState::from_bytes(&private.to_bytes()).unwrap();
        assert_eq!(back.get::<Vec<u8>>("session"), Some(vec![1, 2, 3]));
        assert_eq!(back.get::<String>("missing"), None);
    }

    #[test]
    fn foreign_bytes_are_a_diagnostic_not_a_panic() {
        let error = PrivateState::from_bytes(b"\x00not json").unwrap_err();
        assert!(error.detail.contains("JSON"), "{error:?}");
    }
}
