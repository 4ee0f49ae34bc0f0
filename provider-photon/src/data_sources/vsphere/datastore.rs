//! `photon_datastore`: a datastore by name or path, with its capacity, free space and type from
//! the same retrieval. Like `vsphere_datastore`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_datastore";
const SUMMARY: &str = "Read photon_datastore failed";

/// The `photon_datastore` data source.
pub struct Datastore;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a datastore by name or inventory path, for a VM's `datastore_id`; \
                 reports its capacity, free space and type from the same read.",
            )
            .attribute(Attribute::required("name", Type::String).description(
                "The datastore's name (`LocalDS_0`), or its inventory path: absolute \
                 (`/DC0/datastore/LocalDS_0`) or relative to the datacenter's datastore folder.",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(Attribute::computed("id", Type::String).description(
                "The datastore's managed object ID, e.g. `datastore-14` (vcsim uses its \
                 path: `/tmp/govcsim-DC0-LocalDS_0-…@folder-5`).",
            ))
            .attribute(
                Attribute::computed("capacity", Type::Number)
                    .description("Total capacity in bytes (`summary.capacity`)."),
            )
            .attribute(
                Attribute::computed("free_space", Type::Number)
                    .description("Free space in bytes (`summary.freeSpace`)."),
            )
            .attribute(Attribute::computed("type", Type::String).description(
                "The file system type: `VMFS`, `NFS`, `NFS41`, `vsan`, `VVOL` or `OTHER` \
                 (`summary.type`).",
            )),
    )
}

#[async_trait]
impl DataSource for Datastore {
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
        TopFolder::Datastore,
        "Datastore",
        &["Datastore"],
        "datastore",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let datastore = inventory::find(
        &client,
        &search,
        name,
        &["summary.capacity", "summary.freeSpace", "summary.type"],
    )
    .await?;
    let number = |path: &str| datastore.get(path).and_then(|value| value.as_i64());
    let kind = datastore
        .get("summary.type")
        .and_then(|value| value.as_str())
        .map(str::to_owned);
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("name", Value::from(name.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
        ("id", Value::from(datastore.obj.value.clone())),
        ("capacity", Value::from(number("summary.capacity"))),
        ("free_space", Value::from(number("summary.freeSpace"))),
        ("type", Value::from(kind)),
    ]))
}
