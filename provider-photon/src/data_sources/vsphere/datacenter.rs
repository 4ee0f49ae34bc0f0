//! `photon_datacenter`: a datacenter by name (or the only one), for the `datacenter_id` of
//! other lookups. Like `vsphere_datacenter`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};
use vim::finder::{FindError, Finder};

use super::inventory;
use crate::clients::vsphere::errors::{self, Lookup};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_datacenter";
const SUMMARY: &str = "Read photon_datacenter failed";

/// The `photon_datacenter` data source.
pub struct DatacenterDataSource;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a vSphere datacenter by name, or the only one. Its `id` is what the other \
                 vSphere data sources and resources take as `datacenter_id`.",
            )
            .attribute(Attribute::optional_computed("name", Type::String).description(
                "The datacenter's name (`DC0`) or inventory path (`/folder/DC1`). Leave it out \
                 to use the only datacenter; several is an error listing them.",
            ))
            .attribute(
                Attribute::computed("id", Type::String)
                    .description("The datacenter's managed object ID, e.g. `datacenter-2`."),
            ),
    )
}

#[async_trait]
impl DataSource for DatacenterDataSource {
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
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let name = inventory::string_attr(config, "name");
    let lookup = Lookup {
        attribute: "name",
        kind: "datacenter",
        scope: "",
    };
    let finder = match Finder::new(&client, name).await {
        Ok(finder) => finder,
        Err(FindError::NotFound { .. }) => {
            let root = client.service_content().root_folder.clone();
            let mut available: Vec<String> = client
                .retrieve(&root, "Datacenter", &["name"])
                .await
                .map_err(|error| errors::vim_error(SUMMARY, Some("name"), &error))?
                .iter()
                .filter_map(|content| content.get("name").and_then(|n| n.as_str()))
                .map(str::to_owned)
                .collect();
            available.sort();
            return Err(errors::not_found(
                &lookup,
                name.unwrap_or_default(),
                &available,
            ));
        }
        Err(error) => return Err(errors::find_error(SUMMARY, &lookup, &error)),
    };
    let datacenter = finder.datacenter();
    let found_name = datacenter
        .path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        (
            "name",
            Value::from(name.map(str::to_owned).unwrap_or(found_name)),
        ),
        ("id", Value::from(datacenter.moref.value.clone())),
    ]))
}
