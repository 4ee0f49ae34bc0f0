//! `photon_compute_cluster`: a cluster by name or path, with its root resource pool. Like
//! `vsphere_compute_cluster`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_compute_cluster";
const SUMMARY: &str = "Read photon_compute_cluster failed";

/// The `photon_compute_cluster` data source.
pub struct ComputeCluster;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a vSphere cluster (`ClusterComputeResource`) by name or inventory path, \
                 with the ID of its root resource pool for placing VMs.",
            )
            .attribute(Attribute::required("name", Type::String).description(
                "The cluster's name (`DC0_C0`), or its inventory path: absolute \
                 (`/DC0/host/DC0_C0`) or relative to the datacenter's host folder \
                 (`team/DC0_C0`).",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(
                Attribute::computed("id", Type::String).description(
                    "The cluster's managed object ID, e.g. `domain-c7` (`clustercomputeresource-27` on vcsim).",
                ),
            )
            .attribute(
                Attribute::computed("resource_pool_id", Type::String).description(
                    "The managed object ID of the cluster's root resource pool, e.g. `resgroup-26`.",
                ),
            ),
    )
}

#[async_trait]
impl DataSource for ComputeCluster {
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
        "ClusterComputeResource",
        &["ClusterComputeResource"],
        "cluster",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let cluster = inventory::find(&client, &search, name, &["resourcePool"]).await?;
    let pool = cluster
        .get("resourcePool")
        .and_then(|pool| pool.as_mor())
        .map(|pool| pool.value.clone());
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("name", Value::from(name.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
        ("id", Value::from(cluster.obj.value.clone())),
        ("resource_pool_id", Value::from(pool)),
    ]))
}
