//! Moving entities between folders, and the reads around a move: an entity's `parent` and a
//! folder's children.
//!
//! [`Client::move_into_folder`] moves many entities with one `MoveIntoFolder_Task`. A folder only
//! takes the types in its `childType` (a VM folder takes VMs, vApps and folders; a host folder
//! takes compute resources and folders): anything else fails the task (`NotSupported`).
//! Reads go through one `RetrievePropertiesEx` whatever the number or mix of entity types,
//! using `ManagedEntity` as the property type.

use std::collections::HashMap;

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::property::{
    DEFAULT_MAX_OBJECTS, ObjectContent, ObjectSpec, PropertyFilterSpec, PropertySpec,
    RetrieveOptions, SelectionSpec, TraversalSpec,
};
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// `MoveIntoFolder_Task` on a folder: moves `list` into it; returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct MoveIntoFolderTask {
    /// The destination folder.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The entities to move.
    pub list: Vec<ManagedObjectReference>,
}

impl Request for MoveIntoFolderTask {
    const METHOD: &'static str = "MoveIntoFolder_Task";
    // Moving twice ends in the same place, but a retry of a failed move could half-apply.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// A direct child of a folder, with its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    /// The child entity.
    pub moref: ManagedObjectReference,
    /// Its name.
    pub name: String,
}

impl Client {
    /// Moves `entities` into `folder` with one task and waits for it.
    pub async fn move_into_folder(
        &self,
        folder: &ManagedObjectReference,
        entities: &[ManagedObjectReference],
    ) -> Result<(), Error> {
        let task = self
            .call(&MoveIntoFolderTask {
                this: folder.clone(),
                list: entities.to_vec(),
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// `ManagedEntity` properties `paths` of `entities` (any mix of types) in one read.
    pub(crate) async fn retrieve_entities(
        &self,
        entities: &[ManagedObjectReference],
        paths: &[&str],
    ) -> Result<Vec<ObjectContent>, Error> {
        if entities.is_empty() {
            return Ok(Vec::new());
        }
        self.retrieve_properties(
            vec![PropertyFilterSpec {
                prop_set: vec![PropertySpec::new("ManagedEntity", paths)],
                object_set: entities.iter().cloned().map(ObjectSpec::object).collect(),
                report_missing_objects_in_results: None,
            }],
            RetrieveOptions {
                max_objects: Some(DEFAULT_MAX_OBJECTS),
            },
        )
        .await
    }

    /// The `parent` of each entity in `entities` (in that order; `None` for the root folder),
    /// in one read.
    pub async fn parents(
        &self,
        entities: &[ManagedObjectReference],
    ) -> Result<Vec<Option<ManagedObjectReference>>, Error> {
        let contents = self.retrieve_entities(entities, &["parent"]).await?;
        let parents: HashMap<&ManagedObjectReference, &ManagedObjectReference> = contents
            .iter()
            .filter_map(|content| Some((&content.obj, content.get("parent")?.as_mor()?)))
            .collect();
        Ok(entities
            .iter()
            .map(|entity| parents.get(entity).map(|parent| (*parent).clone()))
            .collect())
    }

    /// The `parent` of `entity` (`None` for the root folder).
    pub async fn parent(
        &self,
        entity: &ManagedObjectReference,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        let mut parents = self.parents(std::slice::from_ref(entity)).await?;
        Ok(parents.pop().flatten())
    }

    /// The direct children of `folder` (its `childEntity`), in the server's order.
    pub async fn folder_children(
        &self,
        folder: &ManagedObjectReference,
    ) -> Result<Vec<ManagedObjectReference>, Error> {
        let mut contents = self
            .retrieve_objects(std::slice::from_ref(folder), "Folder", &["childEntity"])
            .await?;
        Ok(contents
            .pop()
            .and_then(|content| {
                content
                    .get("childEntity")
                    .and_then(|children| children.as_mors())
                    .map(<[_]>::to_vec)
            })
            .unwrap_or_default())
    }

    /// The direct children of `folder` with their names, in one read that traverses
    /// `childEntity` (sorted by name).
    pub async fn folder_children_named(
        &self,
        folder: &ManagedObjectReference,
    ) -> Result<Vec<Child>, Error> {
        let contents = self
            .retrieve_properties(
                vec![PropertyFilterSpec {
                    prop_set: vec![PropertySpec::new("ManagedEntity", &["name"])],
                    object_set: vec![ObjectSpec {
                        obj: folder.clone(),
                        skip: Some(true),
                        select_set: vec![SelectionSpec::Traversal(TraversalSpec {
                            name: Some("folderChildren".into()),
                            kind: "Folder".into(),
                            path: "childEntity".into(),
                            skip: Some(false),
                            select_set: Vec::new(),
                        })],
                    }],
                    report_missing_objects_in_results: None,
                }],
                RetrieveOptions {
                    max_objects: Some(DEFAULT_MAX_OBJECTS),
                },
            )
            .await?;
        let mut children: Vec<Child> = contents
            .into_iter()
            .filter(|content| &content.obj != folder)
            .map(|content| Child {
                name: content
                    .get("name")
                    .and_then(|name| name.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                moref: content.obj,
            })
            .collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(children)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::encode;

    #[test]
    fn move_into_folder_lists_every_entity_in_order() {
        let xml = encode(&MoveIntoFolderTask {
            this: ManagedObjectReference::new("Folder", "group-v3"),
            list: vec![
                ManagedObjectReference::new("VirtualMachine", "vm-1"),
                ManagedObjectReference::new("VirtualMachine", "vm<&2"),
            ],
        })
        .unwrap();
        assert!(
            xml.contains(concat!(
                r#"<MoveIntoFolder_Task><_this type="Folder">group-v3</_this>"#,
                r#"<list type="VirtualMachine">vm-1</list>"#,
                r#"<list type="VirtualMachine">vm&lt;&amp;2</list></MoveIntoFolder_Task>"#
            )),
            "{xml}"
        );
    }
}
