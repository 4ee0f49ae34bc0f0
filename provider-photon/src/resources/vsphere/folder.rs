//! `photon_folder`: a vSphere inventory folder, like `vsphere_folder`. The path is relative to
//! the datacenter's folder of the chosen type (`infra/web` is `/DC0/vm/infra/web` for a `vm`
//! folder); changing it renames the folder in place, or moves it when the parent changes.
//! Deleting a folder that still holds anything is refused: vSphere would delete the contents.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::{Client, ManagedObjectReference};

use crate::clients::vsphere::errors;
use crate::data_sources::vsphere::inventory::{self, DATACENTER_ID, FOLDER_TYPES, TopFolder};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_folder";

const PATH: &str = "path";
const TYPE: &str = "type";
const ID: &str = "id";

/// The `photon_folder` resource.
pub struct Folder;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A vSphere inventory folder, like `vsphere_folder`: for VMs, hosts and clusters, \
                 datastores, networks, or datacenters. Changing `path` renames the folder in \
                 place, or moves it (with its contents) when the parent changes. Destroying a \
                 folder that is not empty is refused, because vSphere would delete what it holds.",
            )
            .attribute(Attribute::required(PATH, Type::String).description(
                "The folder's path relative to the datacenter's folder of its `type`, e.g. \
                 `infra/web` for `/DC0/vm/infra/web`; relative to the root folder for \
                 `datacenter` folders. Parent folders must exist (create them with their own \
                 `photon_folder`).",
            ))
            .attribute(
                Attribute::required(TYPE, Type::String)
                    .description(
                        "What the folder holds: `vm` (VMs and templates), `host` (clusters and \
                         hosts), `datastore`, `network`, or `datacenter`.",
                    )
                    .validator(OneOf(&FOLDER_TYPES))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(DATACENTER_ID, Type::String)
                    .description(
                        "The `id` of the datacenter (from `photon_datacenter`). Required unless \
                         `type` is `datacenter`.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The folder's managed object ID, e.g. `group-v42`.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

/// The segments of a folder path (`infra/web` → `["infra", "web"]`), or why it is invalid.
pub fn split_path(path: &str) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Err("expected a folder path such as \"infra/web\", got an empty string".into());
    }
    if path.starts_with('/') {
        return Err(format!(
            "expected a path relative to the datacenter's folder of this type, such as \
             \"infra/web\", got the absolute path {path:?}"
        ));
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.iter().any(|segment| segment.trim().is_empty()) {
        return Err(format!(
            "{path:?} has an empty or blank segment; separate folder names with single slashes"
        ));
    }
    if segments.iter().any(|segment| segment.len() > 80) {
        return Err(format!(
            "{path:?} has a folder name longer than vSphere's 80 characters"
        ));
    }
    Ok(segments)
}

fn path_error(summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, format!("path: {detail}.")).at(Path::root().attr(PATH))
}

/// The folder the path is relative to, and its inventory path.
struct Base {
    folder: ManagedObjectReference,
    path: String,
}

async fn base(
    client: &Client,
    folder_type: &str,
    datacenter_id: Option<&str>,
    summary: &str,
) -> Result<Base, Diagnostic> {
    let top = match folder_type {
        "vm" => TopFolder::Vm,
        "host" => TopFolder::Host,
        "datastore" => TopFolder::Datastore,
        "network" => TopFolder::Network,
        _ => {
            return Ok(Base {
                folder: client.service_content().root_folder.clone(),
                path: String::new(),
            });
        }
    };
    let Some(datacenter_id) = datacenter_id else {
        return Err(missing_datacenter(folder_type));
    };
    let datacenter = inventory::datacenter(client, Some(datacenter_id), summary).await?;
    Ok(Base {
        folder: top.of(&datacenter).clone(),
        path: format!("{}/{}", datacenter.path, top.name()),
    })
}

fn missing_datacenter(folder_type: &str) -> Diagnostic {
    Diagnostic::error(
        "Missing datacenter_id",
        format!(
            "datacenter_id: a {folder_type:?} folder lives in a datacenter; set datacenter_id \
             to the `id` of a photon_datacenter."
        ),
    )
    .at(Path::root().attr(DATACENTER_ID))
}

/// The folder at `segments` below `base` (the base itself for no segments).
async fn resolve_parent(
    client: &Client,
    base: &Base,
    segments: &[&str],
    summary: &str,
) -> Result<ManagedObjectReference, Diagnostic> {
    if segments.is_empty() {
        return Ok(base.folder.clone());
    }
    let absolute = format!("{}/{}", base.path, segments.join("/"));
    let found = client
        .find_by_inventory_path(&absolute)
        .await
        .map_err(|error| errors::vim_error(summary, Some(PATH), &error))?;
    match found {
        Some(moref) if moref.kind == "Folder" => Ok(moref),
        Some(moref) => Err(path_error(
            "Parent is not a folder",
            format!(
                "the parent {absolute:?} is a {}, not a folder; a folder can only be created \
                 inside a folder",
                moref.kind
            ),
        )),
        None => Err(path_error(
            "Parent folder not found",
            format!(
                "the parent folder {absolute:?} does not exist; create it first (another \
                 photon_folder with path {:?}, referenced so it is created before this one)",
                segments.join("/")
            ),
        )),
    }
}

fn attr<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    inventory::string_attr(value, name)
}

fn with_id(planned: &Value, id: &str) -> Value {
    let mut state = planned.clone();
    if let Value::Object(attributes) = &mut state {
        attributes.insert(ID.into(), Value::from(id));
    }
    state
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_folder failed";
    let path = attr(planned, PATH).unwrap_or_default();
    let segments = split_path(path).map_err(|detail| path_error("Invalid folder path", detail))?;
    let folder_type = attr(planned, TYPE).unwrap_or_default();
    let client = inventory::client(ctx).await?;
    let base = base(&client, folder_type, attr(planned, DATACENTER_ID), SUMMARY).await?;
    let (name, parents) = segments
        .split_last()
        .ok_or_else(|| path_error("Invalid folder path", "empty path".into()))?;
    let parent = resolve_parent(&client, &base, parents, SUMMARY).await?;
    let folder = client
        .create_folder(&parent, name)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, Some(PATH), &error))?;
    Ok(with_id(planned, &folder.value))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_folder failed";
    let Some(id) = attr(state, ID) else {
        return Ok(Value::Null);
    };
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let folder = ManagedObjectReference::new("Folder", id);
    let chain = inventory::ancestry(&client, &folder)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    tracing::debug!(
        resource = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    // Gone (or no longer below a datacenter's folder): Terraform plans a create.
    let Some(location) = inventory::locate_folder(&chain) else {
        return Ok(Value::Null);
    };
    if location.relative.is_empty() {
        return Ok(Value::Null);
    }
    let datacenter_id = match &location.datacenter {
        Some(datacenter) => Value::from(datacenter.value.clone()),
        None => Value::Null,
    };
    Ok(Value::object([
        (ID, Value::from(id)),
        (PATH, Value::from(location.relative)),
        (TYPE, Value::from(location.folder_type)),
        (DATACENTER_ID, datacenter_id),
    ]))
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_folder failed";
    let id = attr(prior, ID).unwrap_or_default();
    let old_path = attr(prior, PATH).unwrap_or_default();
    let new_path = attr(planned, PATH).unwrap_or_default();
    if old_path == new_path {
        return Ok(with_id(planned, id));
    }
    let new_segments =
        split_path(new_path).map_err(|detail| path_error("Invalid folder path", detail))?;
    let (new_name, new_parents) = new_segments
        .split_last()
        .ok_or_else(|| path_error("Invalid folder path", "empty path".into()))?;
    let old_segments: Vec<&str> = old_path.split('/').collect();
    let (old_name, old_parents) = old_segments.split_last().unwrap_or((&"", &[]));
    let client = inventory::client(ctx).await?;
    let folder = ManagedObjectReference::new("Folder", id);
    if old_parents != new_parents {
        let folder_type = attr(planned, TYPE).unwrap_or_default();
        let base = base(&client, folder_type, attr(planned, DATACENTER_ID), SUMMARY).await?;
        let parent = resolve_parent(&client, &base, new_parents, SUMMARY).await?;
        // A parent renamed in the same apply already holds the folder: nothing to move.
        let current = client
            .parent(&folder)
            .await
            .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
        if current.as_ref() != Some(&parent) {
            client
                .move_into_folder(&parent, std::slice::from_ref(&folder))
                .await
                .map_err(|error| errors::vim_error(SUMMARY, Some(PATH), &error))?;
        }
    }
    if old_name != new_name {
        client
            .rename(&folder, new_name)
            .await
            .map_err(|error| errors::vim_error(SUMMARY, Some(PATH), &error))?;
    }
    Ok(with_id(planned, id))
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_folder failed";
    let Some(id) = attr(prior, ID) else {
        return Ok(());
    };
    let client = inventory::client(ctx).await?;
    let folder = ManagedObjectReference::new("Folder", id);
    let children = match client.folder_children_named(&folder).await {
        Ok(children) => children,
        Err(error) if inventory::is_not_found(&error) => return Ok(()),
        Err(error) => return Err(errors::vim_error(SUMMARY, None, &error)),
    };
    if !children.is_empty() {
        let names: Vec<String> = children
            .iter()
            .map(|child| format!("{} ({})", child.name, child.moref.kind))
            .collect();
        return Err(Diagnostic::error(
            "Folder is not empty",
            format!(
                "photon_folder {:?} still holds {}: {}. Destroying it would make vSphere delete \
                 everything inside; move or destroy its contents first.",
                attr(prior, PATH).unwrap_or(id),
                names.len(),
                names.join(", ")
            ),
        ));
    }
    match client.destroy(&folder).await {
        Ok(()) => Ok(()),
        Err(error) if inventory::is_not_found(&error) => Ok(()),
        Err(error) => Err(errors::vim_error(SUMMARY, None, &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_folder failed";
    if !id.starts_with('/') {
        return Err(Diagnostic::error(
            SUMMARY,
            format!(
                "expected the folder's absolute inventory path, such as /DC0/vm/infra/web, got {id:?}."
            ),
        ));
    }
    let client = inventory::client(ctx).await?;
    let found = client
        .find_by_inventory_path(id)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, None, &error))?;
    match found {
        Some(moref) if moref.kind == "Folder" => Ok(Value::object([
            (ID, Value::from(moref.value)),
            (PATH, Value::Null),
            (TYPE, Value::Null),
            (DATACENTER_ID, Value::Null),
        ])),
        Some(moref) => Err(Diagnostic::error(
            SUMMARY,
            format!("{id:?} is a {}, not a folder.", moref.kind),
        )),
        None => Err(Diagnostic::error(SUMMARY, format!("no folder at {id:?}."))),
    }
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for Folder {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Some(Value::String(path)) = config.attr(PATH) {
            if let Err(detail) = split_path(path) {
                diagnostics.push(path_error("Invalid folder path", detail));
            }
        }
        let datacenter_unset = config.attr(DATACENTER_ID).is_none_or(Value::is_null);
        match config.attr(TYPE) {
            Some(Value::String(kind)) if kind == "datacenter" && !datacenter_unset => {
                diagnostics.push(
                    Diagnostic::error(
                        "Unexpected datacenter_id",
                        "datacenter_id: folders of datacenters sit below the root folder, not in \
                         a datacenter; leave datacenter_id out.",
                    )
                    .at(Path::root().attr(DATACENTER_ID)),
                );
            }
            Some(Value::String(kind)) if kind != "datacenter" && datacenter_unset => {
                diagnostics.push(missing_datacenter(kind));
            }
            _ => {}
        }
        diagnostics
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        let mut result = read(ctx, &request.state).await;
        // Keep what the folder's location cannot say (a datacenter folder has no datacenter).
        if let Ok(Value::Object(state)) = &mut result {
            if state.get(DATACENTER_ID).is_some_and(Value::is_null) {
                if let Some(prior) = request.state.attr(DATACENTER_ID) {
                    state.insert(DATACENTER_ID.into(), prior.clone());
                }
            }
        }
        outcome(result)
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
    fn paths_split_into_segments() {
        assert_eq!(split_path("infra"), Ok(vec!["infra"]));
        assert_eq!(split_path("infra/web"), Ok(vec!["infra", "web"]));
        assert_eq!(split_path("a b/c-d_e"), Ok(vec!["a b", "c-d_e"]));
    }

    #[test]
    fn bad_paths_say_what_is_expected() {
        assert!(split_path("").unwrap_err().contains("empty string"));
        assert!(split_path("/DC0/vm/x").unwrap_err().contains("absolute"));
        assert!(split_path("a//b").unwrap_err().contains("empty or blank"));
        assert!(split_path("a/").unwrap_err().contains("empty or blank"));
        assert!(split_path(&"x".repeat(81)).unwrap_err().contains("80"));
    }

    fn config(path: Value, kind: Value, datacenter: Value) -> Value {
        Value::object([
            (PATH, path),
            (TYPE, kind),
            (DATACENTER_ID, datacenter),
            (ID, Value::Null),
        ])
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.path.as_ref().map(ToString::to_string))
            .collect()
    }

    #[tokio::test]
    async fn validation_points_at_the_attribute() {
        let diagnostics = Folder
            .validate(&config("/abs".into(), "vm".into(), Value::Null))
            .await;
        assert_eq!(paths(&diagnostics), ["path", "datacenter_id"]);
        let diagnostics = Folder
            .validate(&config(
                "x".into(),
                "datacenter".into(),
                "datacenter-2".into(),
            ))
            .await;
        assert_eq!(paths(&diagnostics), ["datacenter_id"]);
        let fine = Folder
            .validate(&config("a/b".into(), "vm".into(), "datacenter-2".into()))
            .await;
        assert!(fine.is_empty(), "{fine:?}");
        let unknown = Folder
            .validate(&config(Value::unknown(), "vm".into(), Value::unknown()))
            .await;
        assert!(unknown.is_empty(), "{unknown:?}");
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
