//! `photon_folder` (data source): a folder by absolute inventory path, with its type. Like
//! `vsphere_folder`'s data source.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};
use vim::ManagedObjectReference;

use super::inventory;
use crate::clients::vsphere::errors;

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_folder";
const SUMMARY: &str = "Read photon_folder failed";

/// The `photon_folder` data source.
pub struct FolderDataSource;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a folder by its absolute inventory path, for a VM's `folder` or a \
                 `photon_folder` resource's parent.",
            )
            .attribute(Attribute::required("path", Type::String).description(
                "The folder's absolute inventory path, e.g. `/DC0/vm` or `/DC0/vm/infra/web`.",
            ))
            .attribute(Attribute::computed("id", Type::String).description(
                "The folder's managed object ID, e.g. `group-v3` (`folder-3` on vcsim).",
            ))
            .attribute(Attribute::computed("type", Type::String).description(
                "What the folder holds: `vm`, `host`, `datastore`, `network`, or `datacenter` for \
                 folders of datacenters.",
            )),
    )
}

#[async_trait]
impl DataSource for FolderDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn read(&self, ctx: &Context, config: Value) -> Outcome {
        match read(ctx, &config).await {
            Ok(state) => Outcome::ok(state),
            Err(diagnostic) => Outcome::failed(diagnostic),
        }
    }
}

async fn read(ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
    let path = inventory::string_attr(config, "path").unwrap_or_default();
    let at_path = || Path::root().attr("path");
    if !path.starts_with('/') {
        return Err(Diagnostic::error(
            "Invalid folder path",
            format!(
                "path: expected an absolute inventory path such as \"/DC0/vm/infra\", got {path:?}."
            ),
        )
        .at(at_path()));
    }
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let not_found = || {
        Diagnostic::error("Folder not found", format!("path: no folder at {path:?}.")).at(at_path())
    };
    let moref: ManagedObjectReference = client
        .find_by_inventory_path(path)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, Some("path"), &error))?
        .ok_or_else(not_found)?;
    if moref.kind != "Folder" {
        return Err(Diagnostic::error(
            "Not a folder",
            format!("path: {path:?} is a {}, not a folder.", moref.kind),
        )
        .at(at_path()));
    }
    let chain = inventory::ancestry(&client, &moref)
        .await
        .map_err(|error| errors::vim_error(SUMMARY, Some("path"), &error))?;
    let location = inventory::locate_folder(&chain).ok_or_else(not_found)?;
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("path", Value::from(path)),
        ("id", Value::from(moref.value.clone())),
        ("type", Value::from(location.folder_type)),
    ]))
}
