//! `photon_tag`: a vSphere tag in a tag category, like `vsphere_tag`, through the vAPI REST
//! tagging service. `name` and `description` change in place; `category_id` replaces the tag.
//! Imported by `{"category_name": "...", "tag_name": "..."}`, as `vsphere_tag` is.

use async_trait::async_trait;
use serde::Deserialize;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::rest::{RestClient, RestError, Tag, TagSpec, TagUpdate, VapiErrorKind};

use super::tag_category::{category_by_name, rest, string_attr};
use crate::clients::vsphere::errors::{self, Lookup, rest_error};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_tag";

const ID: &str = "id";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const CATEGORY_ID: &str = "category_id";

/// The `photon_tag` resource.
pub struct PhotonTag;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A vSphere tag in a tag category, like `vsphere_tag`. Managed through the \
                 vSphere REST (vAPI) tagging service. Destroying a tag also detaches it from \
                 every object carrying it.",
            )
            .attribute(Attribute::required(NAME, Type::String).description(
                "The tag's name, unique within its category. Changing it renames the tag in \
                 place.",
            ))
            .attribute(
                Attribute::optional_computed(DESCRIPTION, Type::String)
                    .description("Free text describing the tag. Changes in place.")
                    .plan_modifier(DefaultValue(Value::from(""))),
            )
            .attribute(
                Attribute::required(CATEGORY_ID, Type::String)
                    .description(
                        "The `id` of the tag's category (from `photon_tag_category`, resource \
                         or data source).",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The tag's ID, e.g. `urn:vmomi:InventoryServiceTag:…:GLOBAL`.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

/// A tag as this resource's (and the data source's) state.
pub fn tag_state(tag: &Tag) -> Value {
    Value::object([
        (ID, Value::from(tag.id.clone())),
        (NAME, Value::from(tag.name.clone())),
        (DESCRIPTION, Value::from(tag.description.clone())),
        (CATEGORY_ID, Value::from(tag.category_id.clone())),
    ])
}

/// The tags of one category (one list call and one get per tag); tags deleted meanwhile are
/// skipped. An unknown category is a diagnostic at `category_attribute`.
pub async fn tags_of_category(
    rest: &RestClient,
    category_id: &str,
    summary: &str,
    category_attribute: &str,
) -> Result<Vec<Tag>, Diagnostic> {
    let missing = || {
        Diagnostic::error(
            summary,
            format!("{category_attribute}: no tag category with id {category_id:?}."),
        )
        .at(Path::root().attr(category_attribute))
    };
    // Not every endpoint refuses to list the tags of an unknown category (vcsim lists none).
    match rest.get_category(category_id).await {
        Ok(_) => {}
        Err(error) if error.is_not_found() => return Err(missing()),
        Err(error) => return Err(rest_error(summary, Some(category_attribute), &error)),
    }
    let ids = match rest.list_tags_for_category(category_id).await {
        Ok(ids) => ids,
        Err(error) if error.is_not_found() => return Err(missing()),
        Err(error) => return Err(rest_error(summary, Some(category_attribute), &error)),
    };
    let mut tags = Vec::with_capacity(ids.len());
    for id in ids {
        match rest.get_tag(&id).await {
            Ok(tag) => tags.push(tag),
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(rest_error(summary, None, &error)),
        }
    }
    Ok(tags)
}

/// The tag named `name` in category `category_id`, or a diagnostic at `name` listing the
/// category's tags.
pub async fn tag_by_name(
    rest: &RestClient,
    category_id: &str,
    name: &str,
    summary: &str,
    category_attribute: &str,
) -> Result<Tag, Diagnostic> {
    let tags = tags_of_category(rest, category_id, summary, category_attribute).await?;
    if let Some(found) = tags.iter().find(|tag| tag.name == name) {
        return Ok(found.clone());
    }
    let mut available: Vec<String> = tags.into_iter().map(|tag| tag.name).collect();
    available.sort();
    let scope = format!("category {category_id}");
    Err(errors::not_found(
        &Lookup {
            attribute: NAME,
            kind: "tag",
            scope: &scope,
        },
        name,
        &available,
    ))
}

fn create_error(summary: &str, name: &str, category_id: &str, error: &RestError) -> Diagnostic {
    match error.kind() {
        Some(VapiErrorKind::AlreadyExists) => Diagnostic::error(
            summary,
            format!(
                "name: a tag named {name:?} already exists in category {category_id}; choose \
                 another name, or bring the existing one under Terraform with `terraform import \
                 {TYPE_NAME}.<name> '{{\"category_name\": \"...\", \"tag_name\": \"{name}\"}}'`."
            ),
        )
        .at(Path::root().attr(NAME)),
        Some(VapiErrorKind::NotFound) => Diagnostic::error(
            summary,
            format!(
                "category_id: no tag category with id {category_id:?} (deleted outside \
                 Terraform?)."
            ),
        )
        .at(Path::root().attr(CATEGORY_ID)),
        _ => rest_error(summary, Some(NAME), error),
    }
}

fn with_id(planned: &Value, id: &str) -> Value {
    let mut state = planned.clone();
    if let Value::Object(attributes) = &mut state {
        attributes.insert(ID.into(), Value::from(id));
    }
    state
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_tag failed";
    let name = string_attr(planned, NAME).unwrap_or_default().to_owned();
    let category_id = string_attr(planned, CATEGORY_ID)
        .unwrap_or_default()
        .to_owned();
    let spec = TagSpec {
        name: name.clone(),
        description: string_attr(planned, DESCRIPTION)
            .unwrap_or_default()
            .to_owned(),
        category_id: category_id.clone(),
    };
    let rest = rest(ctx).await?;
    // vCenter refuses a tag in an unknown category, but not every endpoint does (vcsim creates
    // an orphan): check first, so the failure is the same everywhere.
    rest.get_category(&category_id)
        .await
        .map_err(|error| create_error(SUMMARY, &name, &category_id, &error))?;
    let id = rest
        .create_tag(&spec)
        .await
        .map_err(|error| create_error(SUMMARY, &name, &category_id, &error))?;
    tracing::debug!(resource = TYPE_NAME, id = id.as_str(), "created");
    Ok(with_id(planned, &id))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_tag failed";
    let Some(id) = string_attr(state, ID) else {
        return Ok(Value::Null);
    };
    let rest = rest(ctx).await?;
    match rest.get_tag(id).await {
        Ok(tag) => Ok(tag_state(&tag)),
        // Deleted outside Terraform (or with its category): the next plan creates it again.
        Err(error) if error.is_not_found() => Ok(Value::Null),
        Err(error) => Err(rest_error(SUMMARY, None, &error)),
    }
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_tag failed";
    let id = string_attr(prior, ID).unwrap_or_default().to_owned();
    let mut change = TagUpdate::default();
    let name = string_attr(planned, NAME).unwrap_or_default();
    if string_attr(prior, NAME) != Some(name) {
        change.name = Some(name.to_owned());
    }
    let description = string_attr(planned, DESCRIPTION).unwrap_or_default();
    if string_attr(prior, DESCRIPTION) != Some(description) {
        change.description = Some(description.to_owned());
    }
    if change != TagUpdate::default() {
        let rest = rest(ctx).await?;
        rest.update_tag(&id, &change).await.map_err(|error| {
            let category_id = string_attr(planned, CATEGORY_ID).unwrap_or_default();
            if error.kind() == Some(&VapiErrorKind::AlreadyExists) {
                create_error(SUMMARY, name, category_id, &error)
            } else {
                rest_error(SUMMARY, None, &error)
            }
        })?;
    }
    Ok(with_id(planned, &id))
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_tag failed";
    let Some(id) = string_attr(prior, ID) else {
        return Ok(());
    };
    let rest = rest(ctx).await?;
    match rest.delete_tag(id).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(rest_error(SUMMARY, None, &error)),
    }
}

/// The import id: `{"category_name": "...", "tag_name": "..."}`.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct ImportId {
    category_name: String,
    tag_name: String,
}

const IMPORT_EXAMPLE: &str =
    r#"terraform import photon_tag.web '{"category_name": "environment", "tag_name": "web"}'"#;

fn parse_import_id(id: &str) -> Result<ImportId, String> {
    let parsed: ImportId = serde_json::from_str(id).map_err(|error| {
        format!(
            "expected a JSON object with \"category_name\" and \"tag_name\", e.g. \
             `{IMPORT_EXAMPLE}`; {id:?} is not one ({error})."
        )
    })?;
    if parsed.category_name.trim().is_empty() || parsed.tag_name.trim().is_empty() {
        return Err(format!(
            "\"category_name\" and \"tag_name\" must both be non-empty, e.g. `{IMPORT_EXAMPLE}`."
        ));
    }
    Ok(parsed)
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_tag failed";
    let wanted = parse_import_id(id).map_err(|detail| Diagnostic::error(SUMMARY, detail))?;
    let rest = rest(ctx).await?;
    let in_import = |diagnostic: Diagnostic| {
        // The import id has no attribute path to point at.
        Diagnostic::error(SUMMARY, diagnostic.detail)
    };
    let category = category_by_name(&rest, &wanted.category_name, SUMMARY, "category_name")
        .await
        .map_err(in_import)?;
    let tag = tag_by_name(&rest, &category.id, &wanted.tag_name, SUMMARY, CATEGORY_ID)
        .await
        .map_err(in_import)?;
    Ok(tag_state(&tag))
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for attribute in [NAME, CATEGORY_ID] {
        if let Some(Value::String(text)) = config.attr(attribute) {
            if text.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        "Invalid value",
                        format!("{attribute}: expected a non-empty string, got a blank one."),
                    )
                    .at(Path::root().attr(attribute)),
                );
            }
        }
    }
    diagnostics
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for PhotonTag {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(update(ctx, &request.prior, &request.planned).await)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_are_json_with_both_names() {
        assert_eq!(
            parse_import_id(r#"{"category_name": "env", "tag_name": "web"}"#),
            Ok(ImportId {
                category_name: "env".into(),
                tag_name: "web".into()
            })
        );
        let plain = parse_import_id("env/web").unwrap_err();
        assert!(
            plain.contains("\"category_name\" and \"tag_name\""),
            "{plain}"
        );
        let missing = parse_import_id(r#"{"category_name": "env"}"#).unwrap_err();
        assert!(missing.contains("tag_name"), "{missing}");
        let blank = parse_import_id(r#"{"category_name": "env", "tag_name": " "}"#).unwrap_err();
        assert!(blank.contains("non-empty"), "{blank}");
    }

    #[test]
    fn duplicates_point_at_name_and_missing_categories_at_category_id() {
        let error = |kind| RestError::Api {
            method: "POST".into(),
            path: "/rest/com/vmware/cis/tagging/tag".into(),
            status: 400,
            kind,
            messages: vec![],
        };
        let duplicate = create_error("x", "web", "urn:c", &error(VapiErrorKind::AlreadyExists));
        assert_eq!(duplicate.path, Some(Path::root().attr(NAME)));
        assert!(duplicate.detail.contains("\"web\" already exists"));
        let missing = create_error("x", "web", "urn:c", &error(VapiErrorKind::NotFound));
        assert_eq!(missing.path, Some(Path::root().attr(CATEGORY_ID)));
    }

    #[test]
    fn blank_values_are_refused() {
        let config = Value::object([
            (NAME, Value::from("")),
            (CATEGORY_ID, Value::from("urn:c")),
            (DESCRIPTION, Value::Null),
            (ID, Value::Null),
        ]);
        let diagnostics = validate_config(&config);
        assert_eq!(diagnostics.iter().count(), 1);
    }
}
