//! `photon_host`: an ESXi host by name or path (or the only one), with the root resource pool
//! of its cluster or standalone compute resource. Like `vsphere_host`.

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};
use crate::clients::vsphere::errors;

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_host";
const SUMMARY: &str = "Read photon_host failed";

/// The `photon_host` data source.
pub struct Host;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up an ESXi host (`HostSystem`) by name or inventory path, with the root \
                 resource pool of the cluster or standalone host it belongs to.",
            )
            .attribute(Attribute::optional("name", Type::String).description(
                "The host's name (`DC0_H0`), or its inventory path: absolute \
                 (`/DC0/host/DC0_C0/DC0_C0_H0`) or relative to the datacenter's host folder \
                 (`DC0_C0/DC0_C0_H0`). Leave it out to use the only host (ESXi).",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(
                Attribute::computed("id", Type::String)
                    .description("The host's managed object ID, e.g. `host-21`."),
            )
            .attribute(
                Attribute::computed("resource_pool_id", Type::String).description(
                    "The managed object ID of the root resource pool of the host's cluster or \
                     standalone compute resource, e.g. `resgroup-22`.",
                ),
            ),
    )
}

#[async_trait]
impl DataSource for Host {
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
        "HostSystem",
        &["HostSystem"],
        "host",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let host = inventory::find(&client, &search, name, &["parent"]).await?;
    let mut pool = None;
    if let Some(parent) = host.get("parent").and_then(|parent| parent.as_mor()) {
        pool = client
            .retrieve_objects(
                std::slice::from_ref(parent),
                &parent.kind,
                &["resourcePool"],
            )
            .await
            .map_err(|error| errors::vim_error(SUMMARY, Some("name"), &error))?
            .into_iter()
            .find_map(|content| {
                content
                    .get("resourcePool")
                    .and_then(|pool| pool.as_mor())
                    .map(|pool| pool.value.clone())
            });
    }
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    Ok(Value::object([
        ("name", Value::from(name.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
        ("id", Value::from(host.obj.value.clone())),
        ("resource_pool_id", Value::from(pool)),
    ]))
}
