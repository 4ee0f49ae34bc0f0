//! Tag categories, tags and their attachments to inventory objects
//! (`/rest/com/vmware/cis/tagging/...`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json as document;

use super::{Body, RestClient, RestError, json, null_as_default};
use crate::types::ManagedObjectReference;

const CATEGORY: &str = "com/vmware/cis/tagging/category";
const TAG: &str = "com/vmware/cis/tagging/tag";
const ASSOCIATION: &str = "com/vmware/cis/tagging/tag-association";

/// How many tags of one category an object may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Cardinality {
    /// At most one tag of the category per object.
    Single,
    /// Any number of tags of the category per object.
    Multiple,
}

/// A tag category as the server reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Category {
    /// The category id (`urn:vmomi:InventoryServiceCategory:...`).
    #[serde(default)]
    pub id: String,
    /// The unique name.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// `SINGLE` or `MULTIPLE` (`None` if the server omitted it).
    #[serde(default)]
    pub cardinality: Option<Cardinality>,
    /// The object types its tags may be attached to (empty: any).
    #[serde(default, deserialize_with = "null_as_default")]
    pub associable_types: Vec<String>,
    /// Users of the category (e.g. solutions that own it).
    #[serde(default, deserialize_with = "null_as_default")]
    pub used_by: Vec<String>,
}

/// What [`RestClient::create_category`] creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CategorySpec {
    /// The unique name (a duplicate is [`VapiErrorKind::AlreadyExists`](super::VapiErrorKind)).
    pub name: String,
    /// Free text.
    pub description: String,
    /// How many tags of the category an object may carry.
    pub cardinality: Cardinality,
    /// Object types its tags may be attached to, e.g. `VirtualMachine` (empty: any type).
    pub associable_types: Vec<String>,
}

/// Changes to a category; `None` fields are left as they are. vCenter only lets associable
/// types be added, never removed (vcsim refuses a list that is not an extension of the
/// current one with `invalid_argument`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CategoryUpdate {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new cardinality (vCenter only allows SINGLE → MULTIPLE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardinality: Option<Cardinality>,
    /// The full new list of associable types (current ones first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associable_types: Option<Vec<String>>,
}

/// A tag as the server reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Tag {
    /// The tag id (`urn:vmomi:InventoryServiceTag:...`).
    #[serde(default)]
    pub id: String,
    /// The name, unique within its category.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// The category it belongs to.
    #[serde(default)]
    pub category_id: String,
    /// Users of the tag.
    #[serde(default, deserialize_with = "null_as_default")]
    pub used_by: Vec<String>,
}

/// What [`RestClient::create_tag`] creates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagSpec {
    /// The name, unique within the category.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The category id.
    pub category_id: String,
}

/// Changes to a tag; `None` fields are left as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TagUpdate {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An inventory object as the tagging API names it: `{"type": "VirtualMachine", "id": "vm-42"}`,
/// i.e. a managed object reference with other field names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectId {
    /// The managed object type, e.g. `VirtualMachine`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The moref value, e.g. `vm-42`.
    pub id: String,
}

impl From<ManagedObjectReference> for ObjectId {
    fn from(reference: ManagedObjectReference) -> Self {
        ObjectId {
            kind: reference.kind,
            id: reference.value,
        }
    }
}

impl From<&ManagedObjectReference> for ObjectId {
    fn from(reference: &ManagedObjectReference) -> Self {
        ObjectId {
            kind: reference.kind.clone(),
            id: reference.value.clone(),
        }
    }
}

impl From<ObjectId> for ManagedObjectReference {
    fn from(object: ObjectId) -> Self {
        ManagedObjectReference::new(object.kind, object.id)
    }
}

impl From<&ObjectId> for ManagedObjectReference {
    fn from(object: &ObjectId) -> Self {
        ManagedObjectReference::new(object.kind.clone(), object.id.clone())
    }
}

/// The tags attached to one object (result of
/// [`RestClient::list_attached_tags_on_objects`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AttachedTags {
    /// The object.
    pub object_id: ObjectId,
    /// The ids of the tags attached to it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tag_ids: Vec<String>,
}

/// The objects one tag is attached to (result of
/// [`RestClient::list_attached_objects_on_tags`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AttachedObjects {
    /// The tag.
    pub tag_id: String,
    /// The objects carrying it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub object_ids: Vec<ObjectId>,
}

/// The answer of the batch attach/detach calls.
#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    success: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    error_messages: Vec<super::BatchError>,
}

impl RestClient {
    /// Creates a tag category and returns its id.
    pub async fn create_category(&self, spec: &CategorySpec) -> Result<String, RestError> {
        let body = document!({ "create_spec": json(CATEGORY, spec)? });
        self.value(Method::POST, CATEGORY, None, None, &[], Body::Json(&body))
            .await
    }

    /// One category by id (unknown id: [`VapiErrorKind::NotFound`](super::VapiErrorKind)).
    pub async fn get_category(&self, id: &str) -> Result<Category, RestError> {
        self.value(Method::GET, CATEGORY, Some(id), None, &[], Body::None)
            .await
    }

    /// The ids of all categories.
    pub async fn list_categories(&self) -> Result<Vec<String>, RestError> {
        self.list(Method::GET, CATEGORY, None, None, &[], Body::None)
            .await
    }

    /// Changes a category (`PATCH`).
    pub async fn update_category(
        &self,
        id: &str,
        update: &CategoryUpdate,
    ) -> Result<(), RestError> {
        let body = document!({ "update_spec": json(CATEGORY, update)? });
        self.unit(
            Method::PATCH,
            CATEGORY,
            Some(id),
            None,
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Deletes a category and, with it, its tags and their attachments.
    pub async fn delete_category(&self, id: &str) -> Result<(), RestError> {
        self.unit(Method::DELETE, CATEGORY, Some(id), None, &[], Body::None)
            .await
    }

    /// Creates a tag in a category and returns its id.
    pub async fn create_tag(&self, spec: &TagSpec) -> Result<String, RestError> {
        let body = document!({ "create_spec": json(TAG, spec)? });
        self.value(Method::POST, TAG, None, None, &[], Body::Json(&body))
            .await
    }

    /// One tag by id (unknown id: [`VapiErrorKind::NotFound`](super::VapiErrorKind)).
    pub async fn get_tag(&self, id: &str) -> Result<Tag, RestError> {
        self.value(Method::GET, TAG, Some(id), None, &[], Body::None)
            .await
    }

    /// The ids of all tags.
    pub async fn list_tags(&self) -> Result<Vec<String>, RestError> {
        self.list(Method::GET, TAG, None, None, &[], Body::None)
            .await
    }

    /// The ids of the tags of one category.
    pub async fn list_tags_for_category(
        &self,
        category_id: &str,
    ) -> Result<Vec<String>, RestError> {
        self.list(
            Method::POST,
            TAG,
            Some(category_id),
            Some("list-tags-for-category"),
            &[],
            Body::None,
        )
        .await
    }

    /// Changes a tag (`PATCH`).
    pub async fn update_tag(&self, id: &str, update: &TagUpdate) -> Result<(), RestError> {
        let body = document!({ "update_spec": json(TAG, update)? });
        self.unit(Method::PATCH, TAG, Some(id), None, &[], Body::Json(&body))
            .await
    }

    /// Deletes a tag and its attachments.
    pub async fn delete_tag(&self, id: &str) -> Result<(), RestError> {
        self.unit(Method::DELETE, TAG, Some(id), None, &[], Body::None)
            .await
    }

    /// Attaches one tag to one object.
    pub async fn attach_tag(&self, tag_id: &str, object: &ObjectId) -> Result<(), RestError> {
        let body = document!({ "object_id": object });
        self.unit(
            Method::POST,
            ASSOCIATION,
            Some(tag_id),
            Some("attach"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Detaches one tag from one object.
    pub async fn detach_tag(&self, tag_id: &str, object: &ObjectId) -> Result<(), RestError> {
        let body = document!({ "object_id": object });
        self.unit(
            Method::POST,
            ASSOCIATION,
            Some(tag_id),
            Some("detach"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Attaches one tag to several objects in one call.
    pub async fn attach_tag_to_multiple_objects(
        &self,
        tag_id: &str,
        objects: &[ObjectId],
    ) -> Result<(), RestError> {
        let body = document!({ "object_ids": objects });
        self.unit(
            Method::POST,
            ASSOCIATION,
            Some(tag_id),
            Some("attach-tag-to-multiple-objects"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// The ids of the tags attached to one object.
    pub async fn list_attached_tags(&self, object: &ObjectId) -> Result<Vec<String>, RestError> {
        let body = document!({ "object_id": object });
        self.list(
            Method::POST,
            ASSOCIATION,
            None,
            Some("list-attached-tags"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// The objects one tag is attached to.
    pub async fn list_attached_objects(&self, tag_id: &str) -> Result<Vec<ObjectId>, RestError> {
        let body = document!({});
        self.list(
            Method::POST,
            ASSOCIATION,
            Some(tag_id),
            Some("list-attached-objects"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// Attaches several tags to one object in one call. Per-tag failures (e.g. an unknown tag
    /// id) are [`RestError::Batch`]; the other tags are attached.
    pub async fn attach_multiple_tags_to_object(
        &self,
        object: &ObjectId,
        tag_ids: &[String],
    ) -> Result<(), RestError> {
        self.batch("attach-multiple-tags-to-object", object, tag_ids)
            .await
    }

    /// Detaches several tags from one object in one call. Per-tag failures are
    /// [`RestError::Batch`]; the other tags are detached.
    pub async fn detach_multiple_tags_from_object(
        &self,
        object: &ObjectId,
        tag_ids: &[String],
    ) -> Result<(), RestError> {
        self.batch("detach-multiple-tags-from-object", object, tag_ids)
            .await
    }

    async fn batch(
        &self,
        action: &'static str,
        object: &ObjectId,
        tag_ids: &[String],
    ) -> Result<(), RestError> {
        let body = document!({ "object_id": object, "tag_ids": tag_ids });
        let response: BatchResponse = self
            .value(
                Method::POST,
                ASSOCIATION,
                None,
                Some(action),
                &[],
                Body::Json(&body),
            )
            .await?;
        if response.success && response.error_messages.is_empty() {
            Ok(())
        } else {
            Err(RestError::Batch {
                action,
                errors: response.error_messages,
            })
        }
    }

    /// The tags attached to each of several objects, in one call (instead of one call per
    /// object).
    pub async fn list_attached_tags_on_objects(
        &self,
        objects: &[ObjectId],
    ) -> Result<Vec<AttachedTags>, RestError> {
        let body = document!({ "object_ids": objects });
        self.list(
            Method::POST,
            ASSOCIATION,
            None,
            Some("list-attached-tags-on-objects"),
            &[],
            Body::Json(&body),
        )
        .await
    }

    /// The objects each of several tags is attached to, in one call.
    pub async fn list_attached_objects_on_tags(
        &self,
        tag_ids: &[String],
    ) -> Result<Vec<AttachedObjects>, RestError> {
        let body = document!({ "tag_ids": tag_ids });
        self.list(
            Method::POST,
            ASSOCIATION,
            None,
            Some("list-attached-objects-on-tags"),
            &[],
            Body::Json(&body),
        )
        .await
    }
}
