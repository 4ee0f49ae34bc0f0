//! What to retrieve: the `PropertyFilterSpec` family, serialised in WSDL element order.
//!
//! `selectSet` is polymorphic (`SelectionSpec` or its subtype `TraversalSpec`), so every entry
//! carries an explicit `xsi:type`: servers leave an untyped polymorphic field as the base type,
//! which would silently drop a traversal.

use serde::{Serialize, Serializer};

use crate::types::ManagedObjectReference;

/// Which properties to retrieve from objects of one type (`PropertySpec`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PropertySpec {
    /// The managed object type, e.g. `VirtualMachine` (a base type such as `ManagedEntity` works).
    #[serde(rename = "type")]
    pub kind: String,
    /// Retrieve every property (`pathSet` is then ignored). Avoid it: it is slow on big objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
    /// Dotted property paths, e.g. `config.hardware.numCPU`.
    #[serde(rename = "pathSet")]
    pub path_set: Vec<String>,
}

impl PropertySpec {
    /// The properties `paths` of objects of type `kind`.
    pub fn new(kind: impl Into<String>, paths: &[&str]) -> Self {
        Self {
            kind: kind.into(),
            all: None,
            path_set: paths.iter().map(|path| (*path).to_owned()).collect(),
        }
    }
}

/// Where collection starts, and how to walk from there (`ObjectSpec`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectSpec {
    /// The starting object.
    pub obj: ManagedObjectReference,
    /// Leave the starting object itself out of the results (used with views).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<bool>,
    /// Traversals from the starting object.
    #[serde(rename = "selectSet")]
    pub select_set: Vec<SelectionSpec>,
}

impl ObjectSpec {
    /// Just the object `obj`.
    pub fn object(obj: ManagedObjectReference) -> Self {
        Self {
            obj,
            skip: None,
            select_set: Vec::new(),
        }
    }

    /// Every object in the `view` (a `ContainerView` or `ListView`), but not the view itself.
    pub fn view(view: ManagedObjectReference) -> Self {
        Self {
            obj: view.clone(),
            skip: Some(true),
            select_set: vec![SelectionSpec::Traversal(TraversalSpec {
                name: Some("traverseEntities".into()),
                kind: view.kind,
                path: "view".into(),
                skip: Some(false),
                select_set: Vec::new(),
            })],
        }
    }
}

/// One entry of a `selectSet`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectionSpec {
    /// A reference by name to a [`TraversalSpec`] defined elsewhere in the same filter
    /// (a plain `SelectionSpec`; lets traversals recurse).
    Named(String),
    /// A traversal (`TraversalSpec`).
    Traversal(TraversalSpec),
}

/// Follow property `path` of objects of type `kind` to the objects it references
/// (`TraversalSpec`, a `SelectionSpec` subtype).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraversalSpec {
    /// The name other specs refer to it by ([`SelectionSpec::Named`]).
    pub name: Option<String>,
    /// The type whose property is followed, e.g. `ContainerView`.
    pub kind: String,
    /// The property holding the references, e.g. `view`.
    pub path: String,
    /// Leave the objects reached out of the results (only traverse through them).
    pub skip: Option<bool>,
    /// Further traversals from the objects reached.
    pub select_set: Vec<SelectionSpec>,
}

/// A plain `SelectionSpec` on the wire.
#[derive(Serialize)]
struct NamedWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    name: &'a str,
}

/// A `TraversalSpec` on the wire: `xsi:type`, then the fields in WSDL order.
#[derive(Serialize)]
struct TraversalWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip: Option<bool>,
    #[serde(rename = "selectSet")]
    select_set: &'a [SelectionSpec],
}

impl Serialize for SelectionSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SelectionSpec::Named(name) => NamedWire {
                xsi_type: "SelectionSpec",
                name,
            }
            .serialize(serializer),
            SelectionSpec::Traversal(traversal) => traversal.serialize(serializer),
        }
    }
}

impl Serialize for TraversalSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        TraversalWire {
            xsi_type: "TraversalSpec",
            name: self.name.as_deref(),
            kind: &self.kind,
            path: &self.path,
            skip: self.skip,
            select_set: &self.select_set,
        }
        .serialize(serializer)
    }
}

/// What to retrieve: properties by type, from which starting objects (`PropertyFilterSpec`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PropertyFilterSpec {
    /// The properties per type.
    #[serde(rename = "propSet")]
    pub prop_set: Vec<PropertySpec>,
    /// The starting objects.
    #[serde(rename = "objectSet")]
    pub object_set: Vec<ObjectSpec>,
    /// Report objects that do not exist (anymore) in the results instead of failing the whole
    /// call with `ManagedObjectNotFound`.
    #[serde(
        rename = "reportMissingObjectsInResults",
        skip_serializing_if = "Option::is_none"
    )]
    pub report_missing_objects_in_results: Option<bool>,
}

/// Paging of `RetrievePropertiesEx` (`RetrieveOptions`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetrieveOptions {
    /// The most objects per page; the server may return fewer (and vcsim ignores it).
    #[serde(rename = "maxObjects", skip_serializing_if = "Option::is_none")]
    pub max_objects: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serialises `value` as the element `root`.
    fn xml<T: Serialize>(root: &str, value: &T) -> String {
        let mut out = String::new();
        value
            .serialize(quick_xml::se::Serializer::with_root(&mut out, Some(root)).unwrap())
            .unwrap();
        out
    }

    #[test]
    fn a_view_spec_carries_the_traversal_with_its_xsi_type() {
        let spec = PropertyFilterSpec {
            prop_set: vec![PropertySpec::new(
                "VirtualMachine",
                &["name", "config.uuid"],
            )],
            object_set: vec![ObjectSpec::view(ManagedObjectReference::new(
                "ContainerView",
                "session[a&b]x",
            ))],
            report_missing_objects_in_results: None,
        };
        assert_eq!(
            xml("specSet", &spec),
            concat!(
                "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>",
                "<pathSet>config.uuid</pathSet></propSet><objectSet>",
                r#"<obj type="ContainerView">session[a&amp;b]x</obj><skip>true</skip>"#,
                r#"<selectSet xsi:type="TraversalSpec"><name>traverseEntities</name>"#,
                "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>",
                "</objectSet></specSet>"
            )
        );
    }

    #[test]
    fn named_selection_specs_and_options() {
        let spec = ObjectSpec {
            obj: ManagedObjectReference::new("Folder", "group-d1"),
            skip: None,
            select_set: vec![SelectionSpec::Traversal(TraversalSpec {
                name: Some("folders".into()),
                kind: "Folder".into(),
                path: "childEntity".into(),
                skip: None,
                select_set: vec![SelectionSpec::Named("folders".into())],
            })],
        };
        assert_eq!(
            xml("objectSet", &spec),
            concat!(
                r#"<objectSet><obj type="Folder">group-d1</obj>"#,
                r#"<selectSet xsi:type="TraversalSpec"><name>folders</name><type>Folder</type>"#,
                r#"<path>childEntity</path><selectSet xsi:type="SelectionSpec"><name>folders</name>"#,
                "</selectSet></selectSet></objectSet>"
            )
        );
        assert_eq!(
            xml(
                "options",
                &RetrieveOptions {
                    max_objects: Some(500)
                }
            ),
            "<options><maxObjects>500</maxObjects></options>"
        );
        assert_eq!(xml("options", &RetrieveOptions::default()), "<options/>");
    }
}
