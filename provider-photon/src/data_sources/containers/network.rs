//! `photon_container_network` data source: an existing engine network by name or ID, like the
//! `docker_network` data source.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Diagnostics, Outcome, Schema};

use crate::clients::container_engine::client;
use crate::resources::containers::network::{
    ATTACHABLE, DRIVER, ID, INTERNAL, IPAM_CONFIG, LABELS, NAME, OPTIONS, SCOPE, inspect,
    network_state,
};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_container_network";

/// The `photon_container_network` data source.
pub struct ContainerNetworkDataSource;

fn schema() -> Schema {
    let pool = Type::object([
        ("subnet", Type::String),
        ("gateway", Type::String),
        ("ip_range", Type::String),
    ]);
    Schema::new(
        Block::new()
            .description(
                "Looks up an existing network on the container engine by name (or ID), like \
                 the `docker_network` data source, e.g. to attach containers to a network \
                 managed elsewhere.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description("The network's name or ID, e.g. `podman` or `bridge`."),
            )
            .attribute(Attribute::computed(ID, Type::String).description("The network's ID."))
            .attribute(
                Attribute::computed(DRIVER, Type::String)
                    .description("The network driver, e.g. `bridge`."),
            )
            .attribute(
                Attribute::computed(INTERNAL, Type::Bool)
                    .description("Whether the network is cut off from outside networks."),
            )
            .attribute(Attribute::computed(ATTACHABLE, Type::Bool).description(
                "Whether standalone containers may attach (Podman always says `false`).",
            ))
            .attribute(
                Attribute::computed(LABELS, Type::map(Type::String))
                    .description("The network's labels."),
            )
            .attribute(
                Attribute::computed(OPTIONS, Type::map(Type::String))
                    .description("The network's driver options."),
            )
            .attribute(Attribute::computed(SCOPE, Type::String).description("The network's scope."))
            .attribute(
                Attribute::computed(IPAM_CONFIG, Type::list(pool)).description(
                    "The network's address pools: `subnet`, `gateway` and `ip_range` each.",
                ),
            ),
    )
}

async fn read(ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_container_network data source failed";
    let name = config
        .attr(NAME)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let docker = client(ctx).await?;
    let network = inspect(&docker, &name, SUMMARY, Some(NAME))
        .await?
        .ok_or_else(|| {
            Diagnostic::error(
                "Network not found",
                format!("name: the engine has no network named {name:?}."),
            )
            .at(Path::root().attr(NAME))
        })?;
    let mut state = network_state(&network, &Value::Null);
    if let Value::Object(attributes) = &mut state {
        // What the user looked it up by, even when that was an ID.
        attributes.insert(NAME.into(), Value::from(name));
        for map in [LABELS, OPTIONS] {
            if attributes.get(map).is_some_and(Value::is_null) {
                attributes.insert(map.into(), Value::Map(Default::default()));
            }
        }
    }
    Ok(state)
}

#[async_trait]
impl DataSource for ContainerNetworkDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Some(Value::String(name)) = config.attr(NAME) {
            if name.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        "Invalid network name",
                        "name: expected a network name or ID, got an empty string.",
                    )
                    .at(Path::root().attr(NAME)),
                );
            }
        }
        diagnostics
    }

    async fn read(&self, ctx: &Context, config: Value) -> Outcome {
        match read(ctx, &config).await {
            Ok(state) => Outcome::ok(state),
            Err(diagnostic) => Outcome::failed(diagnostic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema()), vec![]);
    }

    #[tokio::test]
    async fn an_empty_name_is_refused_at_its_path() {
        let config = Value::object([(NAME, Value::from(" "))]);
        let diagnostics = ContainerNetworkDataSource.validate(&config).await;
        assert_eq!(diagnostics.0[0].path, Some(Path::root().attr(NAME)));
    }
}
