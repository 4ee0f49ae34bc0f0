//! `photon_tag`: a vSphere tag by name within a category, like `vsphere_tag`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use crate::resources::vsphere::tag::{tag_by_name, tag_state};
use crate::resources::vsphere::tag_category::rest;

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_tag";
const SUMMARY: &str = "Read photon_tag failed";

/// The `photon_tag` data source.
pub struct TagDataSource;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a vSphere tag by name within a tag category, like `vsphere_tag`.",
            )
            .attribute(
                Attribute::required("name", Type::String)
                    .description("The tag's name (exact, case-sensitive)."),
            )
            .attribute(
                Attribute::required("category_id", Type::String)
                    .description("The `id` of the tag's category (from `photon_tag_category`)."),
            )
            .attribute(
                Attribute::computed("id", Type::String)
                    .description("The tag's ID, e.g. `urn:vmomi:InventoryServiceTag:…`."),
            )
            .attribute(
                Attribute::computed("description", Type::String)
                    .description("The tag's description."),
            ),
    )
}

#[async_trait]
impl DataSource for TagDataSource {
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
    let text = |name: &str| {
        config
            .attr(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let rest = rest(ctx).await?;
    let tag = tag_by_name(
        &rest,
        text("category_id"),
        text("name"),
        SUMMARY,
        "category_id",
    )
    .await?;
    Ok(tag_state(&tag))
}
