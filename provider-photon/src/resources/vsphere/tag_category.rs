//! `photon_tag_category`: a vSphere tag category, like `vsphere_tag_category`, through the vAPI
//! REST tagging service. `name` and `description` change in place; `cardinality` replaces the
//! category; `associable_types` may grow in place, but vSphere cannot remove an associable type,
//! so removing one replaces the category (and with it every tag in it).
//!
//! Also home of the helpers the tag resources and data sources share: the REST session and
//! lookups by name (REST errors as diagnostics are `errors::rest_error`).

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::rest::{
    Cardinality, Category, CategorySpec, CategoryUpdate, RestClient, RestError, VapiErrorKind,
};

use crate::clients::Clients;
use crate::clients::vsphere::errors::{self, Lookup, rest_error};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_tag_category";

const ID: &str = "id";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const CARDINALITY: &str = "cardinality";
const ASSOCIABLE_TYPES: &str = "associable_types";

/// The values `cardinality` accepts.
pub const CARDINALITIES: [&str; 2] = ["SINGLE", "MULTIPLE"];

/// The `photon_tag_category` resource.
pub struct TagCategory;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A vSphere tag category, like `vsphere_tag_category`: it groups tags, says how \
                 many of its tags one object may carry, and which object types they may be \
                 attached to. Managed through the vSphere REST (vAPI) tagging service. \
                 Destroying a category also deletes its tags and their attachments.",
            )
            .attribute(Attribute::required(NAME, Type::String).description(
                "The category's name, unique in the vCenter. Changing it renames the category \
                 in place.",
            ))
            .attribute(
                Attribute::optional_computed(DESCRIPTION, Type::String)
                    .description("Free text describing the category. Changes in place.")
                    .plan_modifier(DefaultValue(Value::from(""))),
            )
            .attribute(
                Attribute::required(CARDINALITY, Type::String)
                    .description(
                        "How many tags of this category one object may carry: `SINGLE` (at most \
                         one) or `MULTIPLE`.",
                    )
                    .validator(OneOf(&CARDINALITIES))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(ASSOCIABLE_TYPES, Type::set(Type::String)).description(
                    "The managed object types the category's tags may be attached to, e.g. \
                     `VirtualMachine`, `HostSystem`, `Datastore`, `Folder`. Adding types \
                     updates the category in place; vSphere cannot remove an associable type, \
                     so removing one replaces the category.",
                ),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description(
                        "The category's ID, e.g. `urn:vmomi:InventoryServiceCategory:…:GLOBAL`; \
                         what `photon_tag` takes as `category_id`.",
                    )
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

// ----- helpers shared with photon_tag and the data sources --------------------------------

/// The provider's vAPI REST session (a cheap clone of the shared one).
pub async fn rest(ctx: &Context) -> Result<RestClient, Diagnostic> {
    let clients = ctx.provider_data::<Clients>()?;
    let rest = clients.vsphere()?.rest().await?;
    Ok(rest.clone())
}

/// A string attribute, `None` when null or unknown.
pub fn string_attr<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.attr(name).and_then(Value::as_str)
}

/// Every category (one list call and one get per category). Categories deleted between the two
/// calls are skipped.
pub async fn all_categories(
    rest: &RestClient,
    summary: &str,
    attribute: Option<&str>,
) -> Result<Vec<Category>, Diagnostic> {
    let ids = rest
        .list_categories()
        .await
        .map_err(|error| rest_error(summary, attribute, &error))?;
    let mut categories = Vec::with_capacity(ids.len());
    for id in ids {
        match rest.get_category(&id).await {
            Ok(category) => categories.push(category),
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(rest_error(summary, attribute, &error)),
        }
    }
    Ok(categories)
}

/// The category named `name`, or a diagnostic at `attribute` listing the existing ones.
pub async fn category_by_name(
    rest: &RestClient,
    name: &str,
    summary: &str,
    attribute: &str,
) -> Result<Category, Diagnostic> {
    let categories = all_categories(rest, summary, Some(attribute)).await?;
    if let Some(found) = categories.iter().find(|category| category.name == name) {
        return Ok(found.clone());
    }
    let mut available: Vec<String> = categories.into_iter().map(|c| c.name).collect();
    available.sort();
    Err(errors::not_found(
        &Lookup {
            attribute,
            kind: "tag category",
            scope: "",
        },
        name,
        &available,
    ))
}

/// `SINGLE` / `MULTIPLE`.
pub fn cardinality_name(cardinality: Option<Cardinality>) -> Value {
    match cardinality {
        Some(Cardinality::Single) => Value::from("SINGLE"),
        Some(Cardinality::Multiple) => Value::from("MULTIPLE"),
        None => Value::Null,
    }
}

/// A category as this resource's (and the data source's) state.
pub fn category_state(category: &Category) -> Value {
    Value::object([
        (ID, Value::from(category.id.clone())),
        (NAME, Value::from(category.name.clone())),
        (DESCRIPTION, Value::from(category.description.clone())),
        (CARDINALITY, cardinality_name(category.cardinality)),
        (
            ASSOCIABLE_TYPES,
            Value::set(category.associable_types.iter().cloned().map(Value::from)),
        ),
    ])
}

// ----- the resource ---------------------------------------------------------------------------

fn parse_cardinality(value: &Value) -> Result<Cardinality, Diagnostic> {
    match value.attr(CARDINALITY).and_then(Value::as_str) {
        Some("SINGLE") => Ok(Cardinality::Single),
        Some("MULTIPLE") => Ok(Cardinality::Multiple),
        other => Err(Diagnostic::error(
            "Invalid value",
            format!("cardinality: expected one of `SINGLE`, `MULTIPLE`, got {other:?}."),
        )
        .at(Path::root().attr(CARDINALITY))),
    }
}

/// The known strings of the `associable_types` set, `None` while it is unknown.
fn associable_types(value: &Value) -> Option<Vec<String>> {
    let set = value.attr(ASSOCIABLE_TYPES)?;
    if set.is_null() {
        return Some(Vec::new());
    }
    let elements = set.elements()?;
    elements
        .iter()
        .map(|element| element.as_str().map(str::to_owned))
        .collect()
}

fn duplicate_name(summary: &str, name: &str, error: &RestError) -> Diagnostic {
    if error.kind() == Some(&VapiErrorKind::AlreadyExists) {
        Diagnostic::error(
            summary,
            format!(
                "name: a tag category named {name:?} already exists; choose another name, or \
                 bring the existing one under Terraform with `terraform import {TYPE_NAME}.<name> \
                 {name}`."
            ),
        )
        .at(Path::root().attr(NAME))
    } else {
        rest_error(summary, Some(NAME), error)
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
    const SUMMARY: &str = "Create photon_tag_category failed";
    let name = string_attr(planned, NAME).unwrap_or_default().to_owned();
    let spec = CategorySpec {
        name: name.clone(),
        description: string_attr(planned, DESCRIPTION)
            .unwrap_or_default()
            .to_owned(),
        cardinality: parse_cardinality(planned)?,
        associable_types: associable_types(planned).unwrap_or_default(),
    };
    let rest = rest(ctx).await?;
    let id = rest
        .create_category(&spec)
        .await
        .map_err(|error| duplicate_name(SUMMARY, &name, &error))?;
    tracing::debug!(resource = TYPE_NAME, id = id.as_str(), "created");
    Ok(with_id(planned, &id))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_tag_category failed";
    let Some(id) = string_attr(state, ID) else {
        return Ok(Value::Null);
    };
    let rest = rest(ctx).await?;
    match rest.get_category(id).await {
        Ok(category) => Ok(category_state(&category)),
        // Deleted outside Terraform: the next plan creates it again.
        Err(error) if error.is_not_found() => Ok(Value::Null),
        Err(error) => Err(rest_error(SUMMARY, None, &error)),
    }
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_tag_category failed";
    let id = string_attr(prior, ID).unwrap_or_default().to_owned();
    let mut change = CategoryUpdate::default();
    let name = string_attr(planned, NAME).unwrap_or_default();
    if string_attr(prior, NAME) != Some(name) {
        change.name = Some(name.to_owned());
    }
    let description = string_attr(planned, DESCRIPTION).unwrap_or_default();
    if string_attr(prior, DESCRIPTION) != Some(description) {
        change.description = Some(description.to_owned());
    }
    let old_types = associable_types(prior).unwrap_or_default();
    let new_types = associable_types(planned).unwrap_or_default();
    let added: Vec<String> = new_types
        .iter()
        .filter(|kind| !old_types.contains(kind))
        .cloned()
        .collect();
    if !added.is_empty() {
        // The current types first: vSphere only accepts an extension of the current list.
        let mut types = old_types.clone();
        types.extend(added);
        change.associable_types = Some(types);
    }
    if change != CategoryUpdate::default() {
        let rest = rest(ctx).await?;
        rest.update_category(&id, &change).await.map_err(|error| {
            match (&change.name, error.kind()) {
                (Some(name), Some(VapiErrorKind::AlreadyExists)) => {
                    duplicate_name(SUMMARY, name, &error)
                }
                (None, Some(VapiErrorKind::InvalidArgument))
                    if change.associable_types.is_some() =>
                {
                    rest_error(SUMMARY, Some(ASSOCIABLE_TYPES), &error)
                }
                _ => rest_error(SUMMARY, None, &error),
            }
        })?;
    }
    Ok(with_id(planned, &id))
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_tag_category failed";
    let Some(id) = string_attr(prior, ID) else {
        return Ok(());
    };
    let rest = rest(ctx).await?;
    match rest.delete_category(id).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(rest_error(SUMMARY, None, &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_tag_category failed";
    if id.trim().is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the tag category's name, e.g. `terraform import photon_tag_category.env \
             environment`, got an empty string.",
        ));
    }
    let rest = rest(ctx).await?;
    let categories = all_categories(&rest, SUMMARY, None).await?;
    match categories.iter().find(|category| category.name == id) {
        Some(category) => Ok(category_state(category)),
        None => {
            let mut names: Vec<String> = categories.into_iter().map(|c| c.name).collect();
            names.sort();
            Err(Diagnostic::error(
                SUMMARY,
                format!(
                    "no tag category named {id:?}; existing categories: {}.",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            ))
        }
    }
}

/// Blank names and blank associable types are refused before any call.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(NAME) {
        if name.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid tag category name",
                    "name: expected a non-empty name, got a blank string.",
                )
                .at(Path::root().attr(NAME)),
            );
        }
    }
    if let Some(elements) = config.attr(ASSOCIABLE_TYPES).and_then(Value::elements) {
        if elements
            .iter()
            .any(|element| element.as_str().is_some_and(|kind| kind.trim().is_empty()))
        {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid associable type",
                    "associable_types: expected managed object type names such as \
                     \"VirtualMachine\", got a blank string.",
                )
                .at(Path::root().attr(ASSOCIABLE_TYPES)),
            );
        }
    }
    diagnostics
}

/// Whether going from `prior` to `planned` removes an associable type (vSphere cannot).
fn removes_associable_types(prior: &Value, planned: &Value) -> bool {
    match (associable_types(prior), associable_types(planned)) {
        (Some(old), Some(new)) => old.iter().any(|kind| !new.contains(kind)),
        _ => false,
    }
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for TagCategory {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        if !plan.prior.is_null()
            && !plan.planned.is_null()
            && removes_associable_types(&plan.prior, &plan.planned)
        {
            plan.requires_replace
                .push(Path::root().attr(ASSOCIABLE_TYPES));
        }
        Diagnostics::new()
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

    fn config(name: &str, types: &[&str]) -> Value {
        Value::object([
            (NAME, Value::from(name)),
            (DESCRIPTION, Value::Null),
            (CARDINALITY, Value::from("SINGLE")),
            (
                ASSOCIABLE_TYPES,
                Value::set(types.iter().map(|kind| Value::from(*kind))),
            ),
            (ID, Value::Null),
        ])
    }

    #[test]
    fn removing_an_associable_type_replaces_adding_does_not() {
        let prior = config("c", &["VirtualMachine", "Datastore"]);
        assert!(removes_associable_types(
            &prior,
            &config("c", &["VirtualMachine"])
        ));
        assert!(!removes_associable_types(
            &prior,
            &config("c", &["VirtualMachine", "Datastore", "HostSystem"])
        ));
        assert!(!removes_associable_types(&prior, &prior));
        let mut unknown = config("c", &[]);
        if let Value::Object(attributes) = &mut unknown {
            attributes.insert(ASSOCIABLE_TYPES.into(), Value::unknown());
        }
        assert!(!removes_associable_types(&prior, &unknown));
    }

    #[test]
    fn blank_names_and_types_point_at_their_attribute() {
        let diagnostics = validate_config(&config(" ", &["VirtualMachine", ""]));
        let paths: Vec<Option<Path>> = diagnostics.iter().map(|d| d.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                Some(Path::root().attr(NAME)),
                Some(Path::root().attr(ASSOCIABLE_TYPES))
            ]
        );
        assert!(validate_config(&config("env", &["VirtualMachine"])).is_empty());
    }

    #[test]
    fn server_categories_become_state() {
        let category = Category {
            id: "urn:c".into(),
            name: "env".into(),
            description: "d".into(),
            cardinality: Some(Cardinality::Multiple),
            associable_types: vec!["VirtualMachine".into()],
            used_by: Vec::new(),
        };
        let state = category_state(&category);
        assert_eq!(state.attr(CARDINALITY), Some(&Value::from("MULTIPLE")));
        assert_eq!(
            state.attr(ASSOCIABLE_TYPES),
            Some(&Value::set([Value::from("VirtualMachine")]))
        );
        assert_eq!(state.attr(ID), Some(&Value::from("urn:c")));
    }

    #[test]
    fn duplicates_name_the_name_attribute() {
        let error = RestError::Api {
            method: "POST".into(),
            path: "/rest/com/vmware/cis/tagging/category".into(),
            status: 400,
            kind: VapiErrorKind::AlreadyExists,
            messages: vec![],
        };
        let diagnostic = duplicate_name("Create failed", "env", &error);
        assert_eq!(diagnostic.path, Some(Path::root().attr(NAME)));
        assert!(diagnostic.detail.contains("\"env\" already exists"));
    }
}
