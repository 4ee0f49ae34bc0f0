//! What comes back: `RetrieveResult`, `ObjectContent`, and property values decoded by their
//! `xsi:type`.
//!
//! Decoding never fails on a value it does not know: anything but the handful of types the
//! inventory reads need becomes [`Value::Other`] with its XML kept, so a new API version or an
//! unexpected data object costs a lookup, not the whole page.

use crate::envelope::strip_prefix;
use crate::fault::{Fault, FaultKind};
use crate::property::tree::Node;
use crate::types::ManagedObjectReference;

/// A property value, by its `xsi:type`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// `xsd:string`.
    String(String),
    /// `xsd:int`, `xsd:long`, `xsd:short` or `xsd:byte`.
    Int(i64),
    /// `xsd:boolean`.
    Bool(bool),
    /// `ManagedObjectReference`.
    ManagedObjectReference(ManagedObjectReference),
    /// `ArrayOfManagedObjectReference` (e.g. a VM's `datastore` and `network`).
    ArrayOfManagedObjectReference(Vec<ManagedObjectReference>),
    /// `ArrayOfString`.
    ArrayOfString(Vec<String>),
    /// `VirtualMachinePowerState`: `poweredOn`, `poweredOff` or `suspended`, as sent.
    VirtualMachinePowerState(String),
    /// Any other type (or a known type whose text does not parse), kept as normalised XML.
    Other {
        /// The `xsi:type` without its prefix; empty when the value had none.
        type_name: String,
        /// The `<val>` element, normalised (see [`Returnvals`](crate::Returnvals)).
        xml: String,
    },
}

impl Value {
    /// The text of a string or enum value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) | Value::VirtualMachinePowerState(text) => Some(text),
            _ => None,
        }
    }

    /// An integer value.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(number) => Some(*number),
            _ => None,
        }
    }

    /// A boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// A single reference.
    pub fn as_mor(&self) -> Option<&ManagedObjectReference> {
        match self {
            Value::ManagedObjectReference(moref) => Some(moref),
            _ => None,
        }
    }

    /// A list of references.
    pub fn as_mors(&self) -> Option<&[ManagedObjectReference]> {
        match self {
            Value::ArrayOfManagedObjectReference(morefs) => Some(morefs),
            _ => None,
        }
    }

    /// A list of strings.
    pub fn as_strings(&self) -> Option<&[String]> {
        match self {
            Value::ArrayOfString(strings) => Some(strings),
            _ => None,
        }
    }

    /// Decodes a `<val>` element by its `xsi:type`.
    pub(crate) fn from_node(node: &Node) -> Value {
        let type_name = node.attribute("xsi:type").map(strip_prefix).unwrap_or("");
        let known = match type_name {
            "string" => Some(Value::String(node.text.clone())),
            "int" | "long" | "short" | "byte" => node.text.trim().parse().ok().map(Value::Int),
            "boolean" => match node.text.trim() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            "ManagedObjectReference" => mor(node).map(Value::ManagedObjectReference),
            "ArrayOfManagedObjectReference" => node
                .children("ManagedObjectReference")
                .map(mor)
                .collect::<Option<Vec<_>>>()
                .map(Value::ArrayOfManagedObjectReference),
            "ArrayOfString" => Some(Value::ArrayOfString(
                node.children("string")
                    .map(|item| item.text.clone())
                    .collect(),
            )),
            "VirtualMachinePowerState" => {
                Some(Value::VirtualMachinePowerState(node.text.trim().to_owned()))
            }
            _ => None,
        };
        known.unwrap_or_else(|| Value::Other {
            type_name: type_name.to_owned(),
            xml: node.to_xml(),
        })
    }
}

/// A reference from `<x type="T">value</x>`.
pub(crate) fn mor(node: &Node) -> Option<ManagedObjectReference> {
    let kind = node.attribute("type")?;
    Some(ManagedObjectReference::new(kind, node.text.clone()))
}

/// One retrieved property (`DynamicProperty`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicProperty {
    /// The property path as requested, e.g. `config.hardware.numCPU`.
    pub name: String,
    /// Its value.
    pub val: Value,
}

/// A property the server could not retrieve (`MissingProperty`): an unknown path
/// (`InvalidProperty` on vcsim), a missing privilege, or no session at all (`NotAuthenticated`,
/// which vcsim answers with HTTP 200 and every property here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingProperty {
    /// The property path as requested.
    pub path: String,
    /// Why it is missing; `message` is the fault's `localizedMessage`.
    pub fault: Fault,
}

/// The properties of one object (`ObjectContent`). Unset properties are absent from both sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectContent {
    /// The object.
    pub obj: ManagedObjectReference,
    /// The properties retrieved.
    pub prop_set: Vec<DynamicProperty>,
    /// The properties that could not be retrieved.
    pub missing_set: Vec<MissingProperty>,
}

impl ObjectContent {
    /// The value of property `path`, if it was retrieved and is set.
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.prop_set
            .iter()
            .find(|property| property.name == path)
            .map(|property| &property.val)
    }

    /// Why property `path` is missing, if the server said it is.
    pub fn missing(&self, path: &str) -> Option<&Fault> {
        self.missing_set
            .iter()
            .find(|missing| missing.path == path)
            .map(|missing| &missing.fault)
    }

    fn from_node(node: &Node) -> Result<ObjectContent, String> {
        let obj = node
            .child("obj")
            .and_then(mor)
            .ok_or("ObjectContent without obj")?;
        let prop_set = node
            .children("propSet")
            .map(|property| {
                let name = property.child_text("name").unwrap_or_default().to_owned();
                // An absent val is an unset property; keep it as an untyped empty value.
                let val = property.child("val").map_or_else(
                    || Value::Other {
                        type_name: String::new(),
                        xml: String::new(),
                    },
                    Value::from_node,
                );
                DynamicProperty { name, val }
            })
            .collect();
        let missing_set = node
            .children("missingSet")
            .map(|missing| MissingProperty {
                path: missing.child_text("path").unwrap_or_default().to_owned(),
                fault: localized_fault(missing.child("fault")),
            })
            .collect();
        Ok(ObjectContent {
            obj,
            prop_set,
            missing_set,
        })
    }
}

/// A `LocalizedMethodFault` (`<fault><fault xsi:type="T">..</fault><localizedMessage>`) as a
/// [`Fault`], classified like a SOAP fault's detail.
fn localized_fault(node: Option<&Node>) -> Fault {
    let inner = node.and_then(|node| node.child("fault"));
    let type_name = inner
        .and_then(|inner| inner.attribute("xsi:type"))
        .map(|name| strip_prefix(name.trim()).to_owned())
        .unwrap_or_default();
    let detail_xml = inner.map(Node::to_xml).unwrap_or_default();
    Fault {
        kind: FaultKind::from_detail(&type_name, &detail_xml),
        type_name,
        code: String::new(),
        message: node
            .and_then(|node| node.child_text("localizedMessage"))
            .unwrap_or_default()
            .to_owned(),
        detail_xml,
    }
}

/// One page of results (`RetrieveResult`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetrieveResult {
    /// Set when more pages follow: pass it to `ContinueRetrievePropertiesEx`, or release it with
    /// `CancelRetrievePropertiesEx`.
    pub token: Option<String>,
    /// The objects of this page.
    pub objects: Vec<ObjectContent>,
}

impl RetrieveResult {
    /// Decodes one normalised `<returnval>`.
    pub(crate) fn from_xml(xml: &str) -> Result<RetrieveResult, String> {
        let node = Node::parse(xml)?;
        let token = node
            .child_text("token")
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let objects = node
            .children("objects")
            .map(ObjectContent::from_node)
            .collect::<Result<_, _>>()?;
        Ok(RetrieveResult { token, objects })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Decoded, decode};

    /// Decodes a `RetrievePropertiesEx` response body the way the transport does.
    fn result(body: &str) -> RetrieveResult {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{body}</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
        );
        let Ok(Decoded::Response(values)) = decode("RetrievePropertiesEx", &document) else {
            panic!("not a response: {document}");
        };
        let xml = values.into_xml();
        assert_eq!(xml.len(), 1);
        RetrieveResult::from_xml(&xml[0]).unwrap()
    }

    #[test]
    fn values_decode_by_xsi_type_under_any_prefix() {
        // vcsim 0.24.2 types values with a locally declared `XMLSchema-instance` prefix, newer
        // builds with `_XMLSchema-instance`, vCenter with `xsi`.
        let p = r#"xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type"#;
        let q = r#"xmlns:_XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" _XMLSchema-instance:type"#;
        let page = result(&format!(
            concat!(
                r#"<objects><obj type="VirtualMachine">vm-57</obj>"#,
                r#"<propSet><name>name</name><val {p}="xsd:string">DC0 &amp; &lt;VM&gt;</val></propSet>"#,
                r#"<propSet><name>config.hardware.numCPU</name><val {p}="xsd:int">2</val></propSet>"#,
                r#"<propSet><name>config.hardware.memoryMB</name><val {q}="xsd:long">4096</val></propSet>"#,
                r#"<propSet><name>config.template</name><val xsi:type="xsd:boolean">false</val></propSet>"#,
                r#"<propSet><name>runtime.powerState</name><val {p}="VirtualMachinePowerState">poweredOn</val></propSet>"#,
                r#"<propSet><name>runtime.host</name><val {p}="ManagedObjectReference" type="HostSystem">host-21</val></propSet>"#,
                r#"<propSet><name>datastore</name><val {p}="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">/tmp/ds@folder-5</ManagedObjectReference><ManagedObjectReference type="Datastore">ds-2</ManagedObjectReference></val></propSet>"#,
                r#"<propSet><name>network</name><val {p}="ArrayOfManagedObjectReference"></val></propSet>"#,
                r#"<propSet><name>guest.ipStack</name><val {p}="ArrayOfString"><string>a</string><string>b</string></val></propSet>"#,
                r#"<propSet><name>config.hardware.device</name><val {p}="ArrayOfVirtualDevice"><VirtualDevice {p}="VirtualDisk"><key>2000</key></VirtualDevice></val></propSet>"#,
                r#"<propSet><name>config.hardware.numCoresPerSocket</name><val {p}="xsd:int">many</val></propSet>"#,
                "</objects>"
            ),
            p = p,
            q = q
        ));
        assert_eq!(page.token, None);
        let vm = &page.objects[0];
        assert_eq!(
            vm.obj,
            ManagedObjectReference::new("VirtualMachine", "vm-57")
        );
        assert_eq!(vm.get("name").unwrap().as_str(), Some("DC0 & <VM>"));
        assert_eq!(vm.get("config.hardware.numCPU"), Some(&Value::Int(2)));
        assert_eq!(vm.get("config.hardware.memoryMB"), Some(&Value::Int(4096)));
        assert_eq!(vm.get("config.template"), Some(&Value::Bool(false)));
        assert_eq!(
            vm.get("runtime.powerState"),
            Some(&Value::VirtualMachinePowerState("poweredOn".into()))
        );
        assert_eq!(
            vm.get("runtime.host").unwrap().as_mor(),
            Some(&ManagedObjectReference::new("HostSystem", "host-21"))
        );
        assert_eq!(
            vm.get("datastore").unwrap().as_mors().unwrap(),
            [
                ManagedObjectReference::new("Datastore", "/tmp/ds@folder-5"),
                ManagedObjectReference::new("Datastore", "ds-2"),
            ]
        );
        assert_eq!(vm.get("network").unwrap().as_mors(), Some(&[][..]));
        assert_eq!(
            vm.get("guest.ipStack").unwrap().as_strings().unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            vm.get("config.hardware.device"),
            Some(&Value::Other {
                type_name: "ArrayOfVirtualDevice".into(),
                xml: r#"<val xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualDisk"><key>2000</key></VirtualDevice></val>"#.into(),
            })
        );
        // A known type whose text does not parse is kept, not an error.
        assert!(matches!(
            vm.get("config.hardware.numCoresPerSocket"),
            Some(Value::Other { type_name, .. }) if type_name == "int"
        ));
        assert_eq!(vm.get("guest.ipAddress"), None);
    }

    #[test]
    fn missing_set_faults_are_classified_and_the_token_kept() {
        let page = result(concat!(
            "<token>session[52a8]0</token>",
            r#"<objects><obj type="VirtualMachine">vm-1</obj>"#,
            r#"<missingSet><path>no.such</path><fault><fault xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="InvalidProperty"><name>no.such</name></fault><localizedMessage>bad path</localizedMessage></fault></missingSet>"#,
            r#"<missingSet><path>name</path><fault><fault xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></fault></fault></missingSet>"#,
            "</objects>",
            r#"<objects><obj type="VirtualMachine">vm-2</obj></objects>"#,
        ));
        assert_eq!(page.token.as_deref(), Some("session[52a8]0"));
        assert_eq!(page.objects.len(), 2);
        let vm = &page.objects[0];
        let invalid = vm.missing("no.such").unwrap();
        assert_eq!(
            invalid.kind,
            FaultKind::InvalidProperty {
                name: Some("no.such".into())
            }
        );
        assert_eq!(invalid.type_name, "InvalidProperty");
        assert_eq!(invalid.message, "bad path");
        let auth = vm.missing("name").unwrap();
        assert!(auth.is_auth());
        assert_eq!(
            auth.kind,
            FaultKind::NotAuthenticated {
                object: Some(ManagedObjectReference::new("Folder", "group-d1")),
                privilege_id: Some("System.View".into()),
            }
        );
        assert!(page.objects[1].prop_set.is_empty());
        assert!(page.objects[1].missing_set.is_empty());
    }

    #[test]
    fn an_object_without_obj_is_a_decode_error() {
        assert!(RetrieveResult::from_xml("<returnval><objects/></returnval>").is_err());
        assert_eq!(
            RetrieveResult::from_xml("<returnval/>").unwrap(),
            RetrieveResult::default()
        );
    }
}
