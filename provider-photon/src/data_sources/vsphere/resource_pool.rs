//! `photon_resource_pool`: a resource pool (or vApp) by name or path, or the datacenter's only
//! one. Like `vsphere_resource_pool`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_resource_pool";
const SUMMARY: &str = "Read photon_resource_pool failed";

/// The `photon_resource_pool` data source.
pub struct ResourcePool;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a resource pool (or vApp) by name or inventory path, or the \
                 datacenter's only one (a standalone ESXi host's default pool). Every cluster \
                 and standalone host has a root pool named `Resources`, so give a path such as \
                 `DC0_C0/Resources` when there are several.",
            )
            .attribute(Attribute::optional("name", Type::String).description(
                "The pool's name (`web-pool`), or its inventory path: absolute \
                 (`/DC0/host/DC0_C0/Resources`) or relative to the datacenter's host folder \
                 (`DC0_C0/Resources`). Leave it out to use the datacenter's only pool; several \
                 is an error listing their paths.",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(
                Attribute::computed("id", Type::String)
                    .description("The pool's managed object ID, e.g. `resgroup-26`."),
            ),
    )
}

#[async_trait]
impl DataSource for ResourcePool {
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
    let datacenter_id = inventory::string_attr(config, DATACENTER_ID);
    let datacenter = inventory::datacenter(&client, datacenter_id, SUMMARY).await?;
    let search = inventory::search_in(
        &datacenter,
        TopFolder::Host,
        "ResourcePool",
        &["ResourcePool", "VirtualApp"],
        "resource pool",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let pool = inventory::find(&client, &search, name, &[]).await?;
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("name", Value::from(name.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
        ("id", Value::from(pool.obj.value.clone())),
    ]))
}
