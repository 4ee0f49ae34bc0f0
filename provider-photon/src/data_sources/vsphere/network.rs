//! `photon_network`: a standard port group, distributed port group or opaque network by name
//! or path. Like `vsphere_network`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_network";
const SUMMARY: &str = "Read photon_network failed";

/// The `photon_network` data source.
pub struct Network;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a network by name or inventory path: a standard port group, a \
                 distributed port group or an opaque (NSX) network, for a VM's `network_id`.",
            )
            .attribute(Attribute::required("name", Type::String).description(
                "The network's name (`VM Network`, `DC0_DVPG0`), or its inventory path: \
                 absolute (`/DC0/network/VM Network`) or relative to the datacenter's network \
                 folder.",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(Attribute::computed("id", Type::String).description(
                "The network's managed object ID, e.g. `network-7` or `dvportgroup-13`.",
            ))
            .attribute(Attribute::computed("type", Type::String).description(
                "What it is: `Network` (standard port group), `DistributedVirtualPortgroup` or \
                 `OpaqueNetwork`.",
            )),
    )
}

#[async_trait]
impl DataSource for Network {
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
        TopFolder::Network,
        "Network",
        &["Network", "DistributedVirtualPortgroup", "OpaqueNetwork"],
        "network",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let network = inventory::find(&client, &search, name, &[]).await?;
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("name", Value::from(name.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
        ("id", Value::from(network.obj.value.clone())),
        ("type", Value::from(network.obj.kind.clone())),
    ]))
}
