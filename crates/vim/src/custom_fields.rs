//! Custom attributes: the `CustomFieldsManager`'s definitions and the values set on entities
//! (the model behind terraform-provider-vsphere's `vsphere_custom_attribute` and the
//! `custom_attributes` argument).
//!
//! - Definitions: [`Client::add_custom_field_def`], [`Client::rename_custom_field_def`],
//!   [`Client::remove_custom_field_def`], read back with [`Client::custom_field_defs`] (the
//!   manager's `field` property).
//! - Values: [`Client::set_field`] on one entity; [`Client::custom_values`] reads the values of
//!   many entities together with the definitions in one `RetrievePropertiesEx`, keyed by field
//!   name (and by key).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::property::tree::Node;
use crate::property::{
    DEFAULT_MAX_OBJECTS, ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveOptions, Value,
};
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// The privileges guarding a custom field definition or its values (`PrivilegePolicyDef`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrivilegePolicyDef {
    /// Needed to create.
    #[serde(rename = "createPrivilege")]
    pub create_privilege: String,
    /// Needed to read.
    #[serde(rename = "readPrivilege")]
    pub read_privilege: String,
    /// Needed to update.
    #[serde(rename = "updatePrivilege")]
    pub update_privilege: String,
    /// Needed to delete.
    #[serde(rename = "deletePrivilege")]
    pub delete_privilege: String,
}

impl PrivilegePolicyDef {
    fn from_node(node: &Node) -> PrivilegePolicyDef {
        let text = |name: &str| node.child_text(name).unwrap_or_default().to_owned();
        PrivilegePolicyDef {
            create_privilege: text("createPrivilege"),
            read_privilege: text("readPrivilege"),
            update_privilege: text("updatePrivilege"),
            delete_privilege: text("deletePrivilege"),
        }
    }
}

/// A custom field definition (`CustomFieldDef`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomFieldDef {
    /// The key values refer to; the stable id of the definition (renames keep it).
    pub key: i32,
    /// The name shown to users.
    pub name: String,
    /// The value type (vCenter: `string`; vcsim 0.24.2 echoes the managed object type).
    pub type_name: String,
    /// The entity type it applies to (`VirtualMachine`, ...); `None` for every type.
    pub managed_object_type: Option<String>,
    /// Who may change the definition.
    pub field_def_privileges: Option<PrivilegePolicyDef>,
    /// Who may read or set the values.
    pub field_instance_privileges: Option<PrivilegePolicyDef>,
}

impl CustomFieldDef {
    fn from_node(node: &Node) -> Result<CustomFieldDef, String> {
        let key = node
            .child_text("key")
            .and_then(|key| key.trim().parse().ok())
            .ok_or("CustomFieldDef without a numeric key")?;
        Ok(CustomFieldDef {
            key,
            name: node.child_text("name").unwrap_or_default().to_owned(),
            type_name: node.child_text("type").unwrap_or_default().to_owned(),
            managed_object_type: node
                .child_text("managedObjectType")
                .filter(|kind| !kind.is_empty())
                .map(str::to_owned),
            field_def_privileges: node
                .child("fieldDefPrivileges")
                .map(PrivilegePolicyDef::from_node),
            field_instance_privileges: node
                .child("fieldInstancePrivileges")
                .map(PrivilegePolicyDef::from_node),
        })
    }

    /// Decodes the manager's `field` property (`ArrayOfCustomFieldDef`, normalised XML).
    pub fn list_from_value(value: Option<&Value>) -> Result<Vec<CustomFieldDef>, String> {
        match value {
            None => Ok(Vec::new()),
            Some(Value::Other { xml, .. }) if xml.is_empty() => Ok(Vec::new()),
            Some(Value::Other { xml, .. }) => Node::parse(xml)?
                .children("CustomFieldDef")
                .map(CustomFieldDef::from_node)
                .collect(),
            Some(other) => Err(format!("field is not an ArrayOfCustomFieldDef: {other:?}")),
        }
    }
}

/// Decodes an entity's `customValue` property (`ArrayOfCustomFieldValue`) into key → value.
/// A key set twice keeps the last value (vCenter replaces; vcsim 0.24.2 appends).
pub fn custom_values_from_value(value: Option<&Value>) -> Result<BTreeMap<i32, String>, String> {
    let mut values = BTreeMap::new();
    let xml = match value {
        None => return Ok(values),
        Some(Value::Other { xml, .. }) if xml.is_empty() => return Ok(values),
        Some(Value::Other { xml, .. }) => xml,
        Some(other) => return Err(format!("customValue is not an array: {other:?}")),
    };
    for item in Node::parse(xml)?.children("CustomFieldValue") {
        let key = item
            .child_text("key")
            .and_then(|key| key.trim().parse().ok())
            .ok_or("CustomFieldValue without a numeric key")?;
        // Only string values exist in the API today; another subtype has no `value`.
        if let Some(text) = item.child_text("value") {
            values.insert(key, text.to_owned());
        }
    }
    Ok(values)
}

/// The custom values of one entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityCustomValues {
    /// The entity.
    pub entity: ManagedObjectReference,
    /// Value by field name (values whose definition is gone are left out).
    pub by_name: BTreeMap<String, String>,
    /// Value by field key (every value, as terraform-provider-vsphere keys them).
    pub by_key: BTreeMap<i32, String>,
}

/// `AddCustomFieldDef` on the `CustomFieldsManager`; returns the new definition.
#[derive(Clone, Debug, Serialize)]
pub struct AddCustomFieldDef {
    /// The `CustomFieldsManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The field's name.
    pub name: String,
    /// The entity type it applies to; every type when `None`.
    #[serde(rename = "moType", skip_serializing_if = "Option::is_none")]
    pub mo_type: Option<String>,
    /// Privileges for the definition.
    #[serde(rename = "fieldDefPolicy", skip_serializing_if = "Option::is_none")]
    pub field_def_policy: Option<PrivilegePolicyDef>,
    /// Privileges for the values.
    #[serde(rename = "fieldPolicy", skip_serializing_if = "Option::is_none")]
    pub field_policy: Option<PrivilegePolicyDef>,
}

impl Request for AddCustomFieldDef {
    const METHOD: &'static str = "AddCustomFieldDef";
    // A retry after a lost response faults with DuplicateName.
    const IDEMPOTENT: bool = false;
    type Response = CustomFieldDef;
    fn decode(returnvals: Returnvals) -> Result<CustomFieldDef, String> {
        let mut xml = returnvals.into_xml();
        match xml.len() {
            1 => CustomFieldDef::from_node(&Node::parse(&xml.remove(0))?),
            n => Err(format!("expected one CustomFieldDef, got {n}")),
        }
    }
}

/// `RemoveCustomFieldDef` on the `CustomFieldsManager`: deletes a definition and its values.
#[derive(Clone, Debug, Serialize)]
pub struct RemoveCustomFieldDef {
    /// The `CustomFieldsManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The definition's key.
    pub key: i32,
}

impl Request for RemoveCustomFieldDef {
    const METHOD: &'static str = "RemoveCustomFieldDef";
    // A retry after a lost response faults with NotFound.
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `RenameCustomFieldDef` on the `CustomFieldsManager`.
#[derive(Clone, Debug, Serialize)]
pub struct RenameCustomFieldDef {
    /// The `CustomFieldsManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The definition's key.
    pub key: i32,
    /// The new name.
    pub name: String,
}

impl Request for RenameCustomFieldDef {
    const METHOD: &'static str = "RenameCustomFieldDef";
    const IDEMPOTENT: bool = true;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `SetField` on the `CustomFieldsManager`: the value of field `key` on `entity`.
#[derive(Clone, Debug, Serialize)]
pub struct SetField {
    /// The `CustomFieldsManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The entity.
    pub entity: ManagedObjectReference,
    /// The definition's key.
    pub key: i32,
    /// The value (an empty string clears it on vCenter).
    pub value: String,
}

impl Request for SetField {
    const METHOD: &'static str = "SetField";
    // vCenter replaces the value; vcsim 0.24.2 appends a duplicate entry on every call.
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

fn decode_error(reason: String) -> Error {
    Error::Decode {
        method: "RetrievePropertiesEx",
        reason,
    }
}

impl Client {
    /// The `CustomFieldsManager` moref (vCenter always has one; fall back to its usual value).
    pub fn custom_fields_manager(&self) -> ManagedObjectReference {
        self.service_content()
            .custom_fields_manager
            .clone()
            .unwrap_or_else(|| {
                ManagedObjectReference::new("CustomFieldsManager", "CustomFieldsManager")
            })
    }

    /// Defines the custom field `name` for entities of `mo_type` (every type when `None`).
    /// An existing name is a `DuplicateName` fault.
    pub async fn add_custom_field_def(
        &self,
        name: &str,
        mo_type: Option<&str>,
        field_def_policy: Option<PrivilegePolicyDef>,
        field_policy: Option<PrivilegePolicyDef>,
    ) -> Result<CustomFieldDef, Error> {
        self.call(&AddCustomFieldDef {
            this: self.custom_fields_manager(),
            name: name.to_owned(),
            mo_type: mo_type.map(str::to_owned),
            field_def_policy,
            field_policy,
        })
        .await
    }

    /// Deletes the definition `key` and its values (an unknown key is a `NotFound` fault).
    pub async fn remove_custom_field_def(&self, key: i32) -> Result<(), Error> {
        self.call(&RemoveCustomFieldDef {
            this: self.custom_fields_manager(),
            key,
        })
        .await
    }

    /// Renames the definition `key`; values follow (they refer to the key).
    pub async fn rename_custom_field_def(&self, key: i32, name: &str) -> Result<(), Error> {
        self.call(&RenameCustomFieldDef {
            this: self.custom_fields_manager(),
            key,
            name: name.to_owned(),
        })
        .await
    }

    /// Sets the value of field `key` on `entity`.
    pub async fn set_field(
        &self,
        entity: &ManagedObjectReference,
        key: i32,
        value: &str,
    ) -> Result<(), Error> {
        self.call(&SetField {
            this: self.custom_fields_manager(),
            entity: entity.clone(),
            key,
            value: value.to_owned(),
        })
        .await
    }

    /// Every custom field definition (the manager's `field` property).
    pub async fn custom_field_defs(&self) -> Result<Vec<CustomFieldDef>, Error> {
        let manager = self.custom_fields_manager();
        let mut contents = self
            .retrieve_objects(std::slice::from_ref(&manager), &manager.kind, &["field"])
            .await?;
        let content = contents.pop();
        CustomFieldDef::list_from_value(content.as_ref().and_then(|c| c.get("field")))
            .map_err(decode_error)
    }

    /// The custom values of each entity in `entities` (any mix of types, in that order), keyed
    /// by field name and key, read with the definitions in one `RetrievePropertiesEx`.
    pub async fn custom_values(
        &self,
        entities: &[ManagedObjectReference],
    ) -> Result<Vec<EntityCustomValues>, Error> {
        if entities.is_empty() {
            return Ok(Vec::new());
        }
        let manager = self.custom_fields_manager();
        let mut object_set: Vec<ObjectSpec> =
            entities.iter().cloned().map(ObjectSpec::object).collect();
        object_set.push(ObjectSpec::object(manager.clone()));
        let contents = self
            .retrieve_properties(
                vec![PropertyFilterSpec {
                    prop_set: vec![
                        PropertySpec::new("ManagedEntity", &["customValue"]),
                        PropertySpec::new(manager.kind.clone(), &["field"]),
                    ],
                    object_set,
                    report_missing_objects_in_results: None,
                }],
                RetrieveOptions {
                    max_objects: Some(DEFAULT_MAX_OBJECTS),
                },
            )
            .await?;
        let defs = CustomFieldDef::list_from_value(
            contents
                .iter()
                .find(|content| content.obj == manager)
                .and_then(|content| content.get("field")),
        )
        .map_err(decode_error)?;
        let names: BTreeMap<i32, &str> = defs
            .iter()
            .map(|def| (def.key, def.name.as_str()))
            .collect();
        let by_entity: HashMap<&ManagedObjectReference, &Value> = contents
            .iter()
            .filter_map(|content| Some((&content.obj, content.get("customValue")?)))
            .collect();
        entities
            .iter()
            .map(|entity| {
                let value = by_entity.get(entity).copied();
                let by_key = custom_values_from_value(value)
                    .map_err(|reason| decode_error(format!("customValue of {entity}: {reason}")))?;
                let by_name = by_key
                    .iter()
                    .filter_map(|(key, value)| {
                        names
                            .get(key)
                            .map(|name| ((*name).to_owned(), value.clone()))
                    })
                    .collect();
                Ok(EntityCustomValues {
                    entity: entity.clone(),
                    by_name,
                    by_key,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Decoded, decode, encode};

    fn other(type_name: &str, xml: &str) -> Value {
        Value::Other {
            type_name: type_name.into(),
            xml: xml.into(),
        }
    }

    #[test]
    fn decodes_vcsim_definitions_and_values() {
        // Captured from vcsim 0.24.2 after `SetField` twice on the same key (it appends).
        let values = other(
            "ArrayOfCustomFieldValue",
            r#"<val xsi:type="ArrayOfCustomFieldValue"><CustomFieldValue xsi:type="CustomFieldStringValue"><key>0</key><value>alice</value></CustomFieldValue><CustomFieldValue xsi:type="CustomFieldStringValue"><key>0</key><value>carol</value></CustomFieldValue><CustomFieldValue xsi:type="CustomFieldStringValue"><key>7</key><value>a &amp; b</value></CustomFieldValue></val>"#,
        );
        assert_eq!(
            custom_values_from_value(Some(&values)).unwrap(),
            BTreeMap::from([(0, "carol".to_owned()), (7, "a & b".to_owned())])
        );
        assert!(custom_values_from_value(None).unwrap().is_empty());
        assert!(custom_values_from_value(Some(&Value::Int(3))).is_err());

        let defs = other(
            "ArrayOfCustomFieldDef",
            r#"<val xsi:type="ArrayOfCustomFieldDef"><CustomFieldDef><key>0</key><name>owner</name><type>VirtualMachine</type><managedObjectType>VirtualMachine</managedObjectType></CustomFieldDef><CustomFieldDef><key>1</key><name>global</name><type>string</type><fieldInstancePrivileges><createPrivilege>System.Read</createPrivilege><readPrivilege>System.Read</readPrivilege><updatePrivilege>Global.SetCustomField</updatePrivilege><deletePrivilege>System.Read</deletePrivilege></fieldInstancePrivileges></CustomFieldDef></val>"#,
        );
        let defs = CustomFieldDef::list_from_value(Some(&defs)).unwrap();
        assert_eq!(defs.len(), 2);
        assert_eq!(
            defs[0],
            CustomFieldDef {
                key: 0,
                name: "owner".into(),
                type_name: "VirtualMachine".into(),
                managed_object_type: Some("VirtualMachine".into()),
                field_def_privileges: None,
                field_instance_privileges: None,
            }
        );
        assert_eq!(defs[1].managed_object_type, None);
        assert_eq!(
            defs[1]
                .field_instance_privileges
                .as_ref()
                .unwrap()
                .update_privilege,
            "Global.SetCustomField"
        );
        assert!(CustomFieldDef::list_from_value(None).unwrap().is_empty());
    }

    #[test]
    fn add_custom_field_def_returnval_decodes() {
        // A response with an element this client does not know yet.
        let document = concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<AddCustomFieldDefResponse xmlns="urn:vim25"><returnval><key>3</key><name>owner</name><type>string</type><managedObjectType>HostSystem</managedObjectType><unknownNewField>x</unknownNewField></returnval></AddCustomFieldDefResponse>"#,
            "</soapenv:Body></soapenv:Envelope>"
        );
        let Ok(Decoded::Response(returnvals)) = decode("AddCustomFieldDef", document) else {
            panic!("not a response");
        };
        let def = AddCustomFieldDef::decode(returnvals).unwrap();
        assert_eq!(def.key, 3);
        assert_eq!(def.managed_object_type.as_deref(), Some("HostSystem"));
    }

    #[test]
    fn requests_follow_wsdl_order() {
        let manager = ManagedObjectReference::new("CustomFieldsManager", "CustomFieldsManager");
        let policy = PrivilegePolicyDef {
            create_privilege: "c".into(),
            read_privilege: "r".into(),
            update_privilege: "u".into(),
            delete_privilege: "d".into(),
        };
        let xml = encode(&AddCustomFieldDef {
            this: manager.clone(),
            name: "owner & co".into(),
            mo_type: Some("VirtualMachine".into()),
            field_def_policy: None,
            field_policy: Some(policy),
        })
        .unwrap();
        assert!(xml.contains(concat!(
            r#"<AddCustomFieldDef><_this type="CustomFieldsManager">CustomFieldsManager</_this>"#,
            "<name>owner &amp; co</name><moType>VirtualMachine</moType>",
            "<fieldPolicy><createPrivilege>c</createPrivilege><readPrivilege>r</readPrivilege>",
            "<updatePrivilege>u</updatePrivilege><deletePrivilege>d</deletePrivilege></fieldPolicy>",
            "</AddCustomFieldDef>"
        )), "{xml}");
        let xml = encode(&AddCustomFieldDef {
            this: manager.clone(),
            name: "any".into(),
            mo_type: None,
            field_def_policy: None,
            field_policy: None,
        })
        .unwrap();
        assert!(
            xml.contains("</_this><name>any</name></AddCustomFieldDef>"),
            "{xml}"
        );
        let xml = encode(&SetField {
            this: manager.clone(),
            entity: ManagedObjectReference::new("VirtualMachine", "vm-57"),
            key: 4,
            value: "<v>".into(),
        })
        .unwrap();
        assert!(xml.contains(r#"</_this><entity type="VirtualMachine">vm-57</entity><key>4</key><value>&lt;v&gt;</value></SetField>"#), "{xml}");
        let xml = encode(&RenameCustomFieldDef {
            this: manager.clone(),
            key: 4,
            name: "n".into(),
        })
        .unwrap();
        assert!(
            xml.contains("</_this><key>4</key><name>n</name></RenameCustomFieldDef>"),
            "{xml}"
        );
        let xml = encode(&RemoveCustomFieldDef {
            this: manager,
            key: 4,
        })
        .unwrap();
        assert!(
            xml.contains("</_this><key>4</key></RemoveCustomFieldDef>"),
            "{xml}"
        );
    }
}
