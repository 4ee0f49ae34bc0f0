//! `photon_tag_category`: a vSphere tag category by name, like `vsphere_tag_category`, for the
//! `category_id` of `photon_tag` and the tag data source.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use crate::resources::vsphere::tag_category::{category_by_name, category_state, rest};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_tag_category";
const SUMMARY: &str = "Read photon_tag_category failed";

/// The `photon_tag_category` data source.
pub struct TagCategoryDataSource;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a vSphere tag category by name, like `vsphere_tag_category`. Its `id` \
                 is what `photon_tag` and the `photon_tag` data source take as `category_id`.",
            )
            .attribute(
                Attribute::required("name", Type::String)
                    .description("The category's name (exact, case-sensitive)."),
            )
            .attribute(
                Attribute::computed("id", Type::String)
                    .description("The category's ID, e.g. `urn:vmomi:InventoryServiceCategory:…`."),
            )
            .attribute(
                Attribute::computed("description", Type::String)
                    .description("The category's description."),
            )
            .attribute(
                Attribute::computed("cardinality", Type::String).description(
                    "`SINGLE` or `MULTIPLE`: how many of its tags one object may carry.",
                ),
            )
            .attribute(
                Attribute::computed("associable_types", Type::set(Type::String)).description(
                    "The managed object types its tags may be attached to (empty: any).",
                ),
            ),
    )
}

#[async_trait]
impl DataSource for TagCategoryDataSource {
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
    let name = config
        .attr("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rest = rest(ctx).await?;
    let category = category_by_name(&rest, name, SUMMARY, "name").await?;
    Ok(category_state(&category))
}
