//! `ManagedObjectReference`: the handle of a server-side object.

use serde::{Deserialize, Serialize};

/// A reference to a managed object, such as `VirtualMachine:vm-42`.
///
/// The value is opaque: it may contain `/`, `@`, `[` or anything else, and is always escaped on
/// the wire. On the wire it is `<name type="VirtualMachine">vm-42</name>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ManagedObjectReference {
    /// The managed object type, e.g. `VirtualMachine` or `SessionManager`.
    #[serde(rename = "@type")]
    pub kind: String,
    /// The server's identifier for the object, e.g. `vm-42` or `group-d1`.
    #[serde(rename = "$text", default)]
    pub value: String,
}

impl ManagedObjectReference {
    /// A reference to the object `value` of type `kind`.
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            value: value.into(),
        }
    }
}

impl std::fmt::Display for ManagedObjectReference {
    /// `Type:value`, the form govc and the Terraform provider print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}
