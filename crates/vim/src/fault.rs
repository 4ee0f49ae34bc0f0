//! SOAP faults: `soapenv:Fault` decoded into a typed [`FaultKind`].
//!
//! The kind comes from the `type` attribute in the XML Schema instance namespace of the element
//! inside `<detail>`, whatever prefix the server bound it to (`xsi:` on vCenter,
//! `XMLSchema-instance:` or `_XMLSchema-instance:` on some vcsim builds). `faultstring` is kept as
//! the message but never used to classify: servers often leave it empty.

use serde::Deserialize;

use crate::types::ManagedObjectReference;

/// A fault the server answered with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("vSphere fault {type_name}: {}", if message.is_empty() { "(no message)" } else { message })]
#[non_exhaustive]
pub struct Fault {
    /// The fault, with its useful fields.
    pub kind: FaultKind,
    /// The fault's type name as sent (prefix stripped), e.g. `ManagedObjectNotFound`.
    pub type_name: String,
    /// `faultcode`, usually `ServerFaultCode`.
    pub code: String,
    /// `faultstring`; often empty.
    pub message: String,
    /// The detail element, re-serialised with namespace prefixes removed (the fault's
    /// `xsi:type` is kept as `xsi:type`). Empty when the fault has no detail.
    pub detail_xml: String,
}

/// Which fault, with the fields callers branch on.
///
/// Fields are `Option`s because servers (vcsim in particular) do not always send every field the
/// WSDL marks as required.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Wrong user name or password.
    InvalidLogin,
    /// No session, or the session was logged out or expired.
    NotAuthenticated {
        /// The object the call was on.
        object: Option<ManagedObjectReference>,
        /// The privilege that was checked.
        privilege_id: Option<String>,
    },
    /// The moref does not name an existing object.
    ManagedObjectNotFound {
        /// The reference that was not found.
        obj: Option<ManagedObjectReference>,
    },
    /// An object with that name already exists.
    DuplicateName {
        /// The duplicated name.
        name: Option<String>,
        /// The existing object.
        object: Option<ManagedObjectReference>,
    },
    /// The VM is not in the power state the operation needs.
    InvalidPowerState {
        /// The state the operation needs.
        requested_state: Option<String>,
        /// The state the VM is in.
        existing_state: Option<String>,
    },
    /// The object is in a state that does not allow the operation.
    InvalidState,
    /// A datastore file does not exist.
    FileNotFound {
        /// The file's datastore path.
        file: Option<String>,
    },
    /// An argument is invalid.
    InvalidArgument {
        /// The offending property path, when the server says.
        invalid_property: Option<String>,
    },
    /// A property path names no property of the object's type (vcsim reports it in a
    /// `missingSet`, vCenter as a method fault).
    InvalidProperty {
        /// The offending property path, when the server says.
        name: Option<String>,
    },
    /// The object has no such method.
    MethodNotFound {
        /// The object the call was on.
        receiver: Option<ManagedObjectReference>,
        /// The method name.
        method: Option<String>,
    },
    /// The request could not be parsed (vcsim also uses this for unknown method names).
    InvalidRequest,
    /// Any other fault; holds its type name.
    Other(String),
}

/// Every field of the faults above; unknown elements are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FaultFields {
    object: Option<ManagedObjectReference>,
    privilege_id: Option<String>,
    obj: Option<ManagedObjectReference>,
    name: Option<String>,
    requested_state: Option<String>,
    existing_state: Option<String>,
    file: Option<String>,
    invalid_property: Option<String>,
    receiver: Option<ManagedObjectReference>,
    method: Option<String>,
}

impl FaultKind {
    /// The kind for the type name `type_name` (prefix already stripped), with fields taken from
    /// the normalised detail XML.
    pub(crate) fn from_detail(type_name: &str, detail_xml: &str) -> FaultKind {
        let fields = if detail_xml.is_empty() {
            FaultFields::default()
        } else {
            quick_xml::de::from_str::<FaultFields>(detail_xml).unwrap_or_else(|error| {
                tracing::debug!(%error, type_name, "fault detail fields not decoded");
                FaultFields::default()
            })
        };
        match type_name {
            "InvalidLogin" => FaultKind::InvalidLogin,
            "NotAuthenticated" => FaultKind::NotAuthenticated {
                object: fields.object,
                privilege_id: fields.privilege_id,
            },
            "ManagedObjectNotFound" => FaultKind::ManagedObjectNotFound { obj: fields.obj },
            "DuplicateName" => FaultKind::DuplicateName {
                name: fields.name,
                object: fields.object,
            },
            "InvalidPowerState" => FaultKind::InvalidPowerState {
                requested_state: fields.requested_state,
                existing_state: fields.existing_state,
            },
            "InvalidState" => FaultKind::InvalidState,
            "FileNotFound" => FaultKind::FileNotFound { file: fields.file },
            "InvalidArgument" => FaultKind::InvalidArgument {
                invalid_property: fields.invalid_property,
            },
            "InvalidProperty" => FaultKind::InvalidProperty { name: fields.name },
            "MethodNotFound" => FaultKind::MethodNotFound {
                receiver: fields.receiver,
                method: fields.method,
            },
            "InvalidRequest" => FaultKind::InvalidRequest,
            other => FaultKind::Other(other.to_owned()),
        }
    }
}

impl Fault {
    /// Whether this is an authentication problem (`NotAuthenticated` or `InvalidLogin`).
    pub fn is_auth(&self) -> bool {
        matches!(
            self.kind,
            FaultKind::NotAuthenticated { .. } | FaultKind::InvalidLogin
        )
    }
}
