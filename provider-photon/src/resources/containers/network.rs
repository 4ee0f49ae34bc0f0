//! `photon_container_network`: a user-defined engine network, like `docker_network`. The Docker
//! Engine API cannot change a network after creation, so every argument replaces it.
//!
//! Podman's compatible API accepts `Attachable` but does not store it (inspect always says
//! `false`), so the configured value is kept in state rather than read back.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest, NetworkInspect};
use bollard::query_parameters::InspectNetworkOptions;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, BlockNesting, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics,
    NestedBlock, Outcome, PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use crate::clients::container_engine::{client, engine_error, is_not_found, map_value, string_map};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_container_network";

pub(crate) const ID: &str = "id";
pub(crate) const NAME: &str = "name";
pub(crate) const DRIVER: &str = "driver";
pub(crate) const INTERNAL: &str = "internal";
pub(crate) const ATTACHABLE: &str = "attachable";
pub(crate) const LABELS: &str = "labels";
pub(crate) const OPTIONS: &str = "options";
pub(crate) const IPAM_CONFIG: &str = "ipam_config";
pub(crate) const SCOPE: &str = "scope";
const SUBNET: &str = "subnet";
const GATEWAY: &str = "gateway";
const IP_RANGE: &str = "ip_range";

/// What the user configures: a change of any of these replaces the network.
const CONFIGURED: [&str; 7] = [
    NAME,
    DRIVER,
    INTERNAL,
    ATTACHABLE,
    LABELS,
    OPTIONS,
    IPAM_CONFIG,
];

/// The `photon_container_network` resource.
pub struct ContainerNetwork;

/// The `ipam_config` block (shared with the data source).
pub(crate) fn ipam_block() -> Block {
    Block::new()
        .description("One IP address pool of the network.")
        .attribute(
            Attribute::required(SUBNET, Type::String)
                .description("The pool's subnet in CIDR notation, e.g. `10.77.0.0/24`."),
        )
        .attribute(Attribute::optional(GATEWAY, Type::String).description(
            "The gateway address inside `subnet`. Left out, the engine picks one (usually the \
             first address) and the state keeps it unset.",
        ))
        .attribute(Attribute::optional(IP_RANGE, Type::String).description(
            "A CIDR range inside `subnet` that container addresses are allocated from.",
        ))
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A network on the container engine, like `docker_network`. The Docker Engine \
                 API cannot change a network once created, so changing any argument replaces \
                 it (containers attached to it must be replaced too). Destroying a network \
                 that containers still use fails with the engine's reason.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description("The network's name, unique on the engine.")
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(DRIVER, Type::String)
                    .description(
                        "The network driver: `bridge` (the default), or another driver the \
                         engine offers (`macvlan`, `ipvlan`; Podman has no `overlay`).",
                    )
                    .plan_modifier(DefaultValue(Value::from("bridge")))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(INTERNAL, Type::Bool)
                    .description(
                        "Whether the network is cut off from outside networks (no gateway to \
                         the host's routes).",
                    )
                    .plan_modifier(DefaultValue(Value::from(false)))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(ATTACHABLE, Type::Bool)
                    .description(
                        "Whether standalone containers may attach to it (a swarm notion). \
                         Podman accepts but does not store it, so the \
                         configured value is kept as is.",
                    )
                    .plan_modifier(DefaultValue(Value::from(false)))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(LABELS, Type::map(Type::String))
                    .description("Labels (metadata) of the network.")
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(OPTIONS, Type::map(Type::String))
                    .description(
                        "Driver options, e.g. `{ mtu = \"1400\" }` or \
                         `{ \"com.docker.network.bridge.name\" = \"br-web\" }`.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The network's ID as the engine reports it.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(SCOPE, Type::String)
                    .description("The network's scope, `local` on a single engine.")
                    .plan_modifier(UseStateForUnknown),
            )
            .block(NestedBlock::new(
                IPAM_CONFIG,
                BlockNesting::List,
                ipam_block(),
            )),
    )
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.attr(name).and_then(Value::as_str).map(str::to_owned)
}

/// The `ipam_config` blocks of a configuration or plan.
fn ipam_configs(value: &Value) -> Vec<IpamConfig> {
    value
        .attr(IPAM_CONFIG)
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .map(|block| IpamConfig {
            subnet: text(block, SUBNET),
            gateway: text(block, GATEWAY),
            ip_range: text(block, IP_RANGE),
            auxiliary_addresses: None,
        })
        .collect()
}

/// The request `planned` describes.
pub(crate) fn create_request(planned: &Value) -> NetworkCreateRequest {
    let configs = ipam_configs(planned);
    let labels = string_map(planned, LABELS);
    let options = string_map(planned, OPTIONS);
    NetworkCreateRequest {
        name: text(planned, NAME).unwrap_or_default(),
        driver: text(planned, DRIVER),
        internal: planned.attr(INTERNAL).and_then(Value::as_bool),
        attachable: planned.attr(ATTACHABLE).and_then(Value::as_bool),
        labels: (!labels.is_empty()).then_some(labels),
        options: (!options.is_empty()).then_some(options),
        ipam: (!configs.is_empty()).then_some(Ipam {
            driver: None,
            config: Some(configs),
            options: None,
        }),
        ..Default::default()
    }
}

/// A map attribute as the engine has it; an empty map stays `{}` when the prior value was `{}`.
fn map_like(prior: &Value, name: &str, entries: &HashMap<String, String>) -> Value {
    let value = map_value(entries);
    match prior.attr(name) {
        Some(Value::Map(_)) if value.is_null() => Value::Map(Default::default()),
        _ => value,
    }
}

/// The engine's network as state. `prior` (null on import) decides what is kept from the
/// configuration: the engine fills in gateways and driver options nobody asked for, and Podman
/// forgets `attachable`.
pub(crate) fn network_state(network: &NetworkInspect, prior: &Value) -> Value {
    let importing = prior.is_null();
    let prior_ipam = prior
        .attr(IPAM_CONFIG)
        .and_then(Value::elements)
        .unwrap_or_default();
    let engine_ipam = network
        .ipam
        .as_ref()
        .and_then(|ipam| ipam.config.clone())
        .unwrap_or_default();
    // Engine-assigned pools are not configuration: with no prior blocks, none are reported.
    let ipam: Vec<Value> = if !importing && prior_ipam.is_empty() {
        Vec::new()
    } else {
        engine_ipam
            .iter()
            .enumerate()
            .map(|(index, config)| {
                let prior_block = prior_ipam.get(index);
                let keep = |name: &str, engine: &Option<String>| -> Value {
                    match prior_block.and_then(|block| block.attr(name)) {
                        Some(Value::Null) if !importing => Value::Null,
                        _ => Value::from(engine.clone()),
                    }
                };
                Value::object([
                    (SUBNET, Value::from(config.subnet.clone())),
                    (GATEWAY, keep(GATEWAY, &config.gateway)),
                    (IP_RANGE, keep(IP_RANGE, &config.ip_range)),
                ])
            })
            .collect()
    };
    let labels = network.labels.clone().unwrap_or_default();
    let mut options = network.options.clone().unwrap_or_default();
    if !importing {
        // Options the engine added itself are not drift: networks cannot change.
        let configured = string_map(prior, OPTIONS);
        options.retain(|key, _| configured.contains_key(key));
    }
    let attachable = match prior.attr(ATTACHABLE) {
        Some(Value::Bool(attachable)) => Value::from(*attachable),
        _ => Value::from(network.attachable.unwrap_or(false)),
    };
    Value::object([
        (ID, Value::from(network.id.clone())),
        (NAME, Value::from(network.name.clone())),
        (DRIVER, Value::from(network.driver.clone())),
        (INTERNAL, Value::from(network.internal.unwrap_or(false))),
        (ATTACHABLE, attachable),
        (LABELS, map_like(prior, LABELS, &labels)),
        (OPTIONS, map_like(prior, OPTIONS, &options)),
        (SCOPE, Value::from(network.scope.clone())),
        (IPAM_CONFIG, Value::List(ipam)),
    ])
}

/// Inspects a network by id or name; `None` when the engine does not have it.
pub(crate) async fn inspect(
    docker: &bollard::Docker,
    id_or_name: &str,
    summary: &str,
    attribute: Option<&str>,
) -> Result<Option<NetworkInspect>, Diagnostic> {
    match docker
        .inspect_network(id_or_name, None::<InspectNetworkOptions>)
        .await
    {
        Ok(network) => Ok(Some(network)),
        Err(error) if is_not_found(&error) => Ok(None),
        Err(error) => Err(engine_error(summary, attribute, &error)),
    }
}

fn duplicate(summary: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        summary,
        format!(
            "name: the engine already has a network named {name:?}; choose another name, or \
             bring it under Terraform with `terraform import {TYPE_NAME}.<name> {name}`."
        ),
    )
    .at(Path::root().attr(NAME))
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_container_network failed";
    let request = create_request(planned);
    let docker = client(ctx).await?;
    // Docker answers 409 for a taken name, Podman 500: look first so both say the same.
    if inspect(&docker, &request.name, SUMMARY, Some(NAME))
        .await?
        .is_some_and(|found| found.name.as_deref() == Some(request.name.as_str()))
    {
        return Err(duplicate(SUMMARY, &request.name));
    }
    let name = request.name.clone();
    let created = docker.create_network(request).await.map_err(|error| {
        match crate::clients::container_engine::status(&error) {
            Some(409) => duplicate(SUMMARY, &name),
            _ => engine_error(SUMMARY, None, &error),
        }
    })?;
    let network = inspect(&docker, &created.id, SUMMARY, None)
        .await?
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                format!(
                    "the engine created network {name:?} ({}) but cannot find it.",
                    created.id
                ),
            )
        })?;
    tracing::debug!(resource = TYPE_NAME, id = created.id.as_str(), "created");
    // The plan's values, with what the engine decided filled in.
    let state = network_state(&network, planned);
    Ok(merge_computed(planned, &state))
}

/// `planned` with its unknown (computed) attributes taken from `state`.
fn merge_computed(planned: &Value, state: &Value) -> Value {
    let mut merged = planned.clone();
    if let (Value::Object(merged), Value::Object(state)) = (&mut merged, state) {
        for (key, value) in merged.iter_mut() {
            if !value.is_known() {
                *value = state.get(key).cloned().unwrap_or(Value::Null);
            }
        }
    }
    merged
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_container_network failed";
    let Some(id) = text(state, ID) else {
        return Ok(Value::Null);
    };
    let docker = client(ctx).await?;
    match inspect(&docker, &id, SUMMARY, None).await? {
        // Removed outside Terraform: the next plan creates it again.
        None => Ok(Value::Null),
        Some(network) => Ok(network_state(&network, state)),
    }
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_container_network failed";
    let Some(id) = text(prior, ID) else {
        return Ok(());
    };
    let docker = client(ctx).await?;
    match docker.remove_network(&id).await {
        Ok(()) => Ok(()),
        Err(error) if is_not_found(&error) => Ok(()),
        Err(error) => {
            let name = text(prior, NAME).unwrap_or(id);
            let mut diagnostic = engine_error(SUMMARY, None, &error);
            if crate::clients::container_engine::status(&error) == Some(409)
                || diagnostic.detail.contains("in use")
                || diagnostic.detail.contains("active endpoints")
            {
                diagnostic.detail = format!(
                    "network {name:?} is still used by containers; remove or disconnect them \
                     first. {}",
                    diagnostic.detail
                );
            }
            Err(diagnostic)
        }
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_container_network failed";
    if id.trim().is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the network's ID or name, e.g. `terraform import \
             photon_container_network.web web`, got an empty string.",
        ));
    }
    let docker = client(ctx).await?;
    match inspect(&docker, id, SUMMARY, None).await? {
        Some(network) => Ok(network_state(&network, &Value::Null)),
        None => Err(Diagnostic::error(
            SUMMARY,
            format!("the engine has no network with ID or name {id:?}."),
        )),
    }
}

/// Names and CIDRs that cannot work, before any call.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(NAME) {
        if name.trim().is_empty() || name.contains('/') {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid network name",
                    format!("name: expected a non-empty name without \"/\", got {name:?}."),
                )
                .at(Path::root().attr(NAME)),
            );
        }
    }
    for (index, block) in config
        .attr(IPAM_CONFIG)
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for (name, cidr) in [(SUBNET, true), (GATEWAY, false), (IP_RANGE, true)] {
            if let Some(Value::String(address)) = block.attr(name) {
                if let Err(detail) = check_address(address, cidr) {
                    let path = Path::root()
                        .attr(IPAM_CONFIG)
                        .index(index as i64)
                        .attr(name);
                    diagnostics.push(
                        Diagnostic::error("Invalid address", format!("{path}: {detail}.")).at(path),
                    );
                }
            }
        }
    }
    diagnostics
}

/// An IP address, or with `cidr` an address with a prefix length (`10.0.0.0/24`).
pub(crate) fn check_address(text: &str, cidr: bool) -> Result<(), String> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) if cidr => (address, Some(prefix)),
        Some(_) => {
            return Err(format!(
                "expected an IP address without a prefix, got {text:?}"
            ));
        }
        None if cidr => {
            return Err(format!(
                "expected CIDR notation such as \"10.77.0.0/24\", got {text:?}"
            ));
        }
        None => (text, None),
    };
    let ip: std::net::IpAddr = address
        .parse()
        .map_err(|_| format!("{address:?} is not an IP address (in {text:?})"))?;
    if let Some(prefix) = prefix {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        match prefix.parse::<u8>() {
            Ok(length) if length <= max => {}
            _ => {
                return Err(format!(
                    "expected a prefix length from 0 to {max}, got {text:?}"
                ));
            }
        }
    }
    Ok(())
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for ContainerNetwork {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        // Nothing about a network can change in place: blocks included.
        if !plan.prior.is_null() && !plan.planned.is_null() {
            for name in CONFIGURED {
                if plan.prior.attr(name) != plan.planned.attr(name) {
                    let path = Path::root().attr(name);
                    if !plan.requires_replace.contains(&path) {
                        plan.requires_replace.push(path);
                    }
                }
            }
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, _ctx: &Context, request: UpdateRequest) -> Outcome {
        // Every configured change replaces the network; only computed values can differ here.
        Outcome::ok(merge_computed(&request.planned, &request.prior))
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ipam(subnet: &str, gateway: Value) -> Value {
        Value::object([
            (SUBNET, Value::from(subnet)),
            (GATEWAY, gateway),
            (IP_RANGE, Value::Null),
        ])
    }

    fn config(name: &str, blocks: Vec<Value>) -> Value {
        Value::object([
            (NAME, Value::from(name)),
            (DRIVER, Value::from("bridge")),
            (INTERNAL, Value::from(true)),
            (ATTACHABLE, Value::from(true)),
            (LABELS, Value::map([("team", Value::from("web"))])),
            (OPTIONS, Value::map([("mtu", Value::from("1400"))])),
            (ID, Value::unknown()),
            (SCOPE, Value::unknown()),
            (IPAM_CONFIG, Value::List(blocks)),
        ])
    }

    #[test]
    fn the_plan_becomes_one_create_request() {
        let request = create_request(&config(
            "web",
            vec![ipam("10.77.0.0/24", Value::from("10.77.0.254"))],
        ));
        assert_eq!(request.name, "web");
        assert_eq!(request.driver.as_deref(), Some("bridge"));
        assert_eq!(request.internal, Some(true));
        assert_eq!(request.labels.unwrap()["team"], "web");
        assert_eq!(request.options.unwrap()["mtu"], "1400");
        let pool = &request.ipam.unwrap().config.unwrap()[0];
        assert_eq!(pool.subnet.as_deref(), Some("10.77.0.0/24"));
        assert_eq!(pool.gateway.as_deref(), Some("10.77.0.254"));
    }

    fn engine_network() -> NetworkInspect {
        NetworkInspect {
            id: Some("abc".into()),
            name: Some("web".into()),
            driver: Some("bridge".into()),
            scope: Some("local".into()),
            internal: Some(true),
            attachable: Some(false),
            labels: Some(HashMap::from([("team".into(), "web".into())])),
            options: Some(HashMap::from([
                ("mtu".into(), "1400".into()),
                ("engine.default".into(), "x".into()),
            ])),
            ipam: Some(Ipam {
                driver: Some("default".into()),
                config: Some(vec![IpamConfig {
                    subnet: Some("10.77.0.0/24".into()),
                    gateway: Some("10.77.0.1".into()),
                    ..Default::default()
                }]),
                options: None,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn engine_defaults_are_not_drift_but_import_reports_everything() {
        let prior = config("web", vec![ipam("10.77.0.0/24", Value::Null)]);
        let state = network_state(&engine_network(), &prior);
        assert_eq!(state.attr(ATTACHABLE), Some(&Value::from(true)));
        assert_eq!(
            state.attr(OPTIONS),
            Some(&Value::map([("mtu", Value::from("1400"))]))
        );
        let pool = &state.attr(IPAM_CONFIG).unwrap().elements().unwrap()[0];
        assert_eq!(pool.attr(GATEWAY), Some(&Value::Null));

        let imported = network_state(&engine_network(), &Value::Null);
        assert_eq!(imported.attr(ATTACHABLE), Some(&Value::from(false)));
        let pool = &imported.attr(IPAM_CONFIG).unwrap().elements().unwrap()[0];
        assert_eq!(pool.attr(GATEWAY), Some(&Value::from("10.77.0.1")));
        assert_eq!(imported.attr(OPTIONS).unwrap().entries().unwrap().len(), 2);

        // No configured pools: the engine's automatic one is not reported.
        let state = network_state(&engine_network(), &config("web", vec![]));
        assert_eq!(state.attr(IPAM_CONFIG), Some(&Value::List(vec![])));
    }

    #[test]
    fn an_empty_label_map_stays_empty_instead_of_null() {
        let mut prior = config("web", vec![]);
        if let Value::Object(attributes) = &mut prior {
            attributes.insert(LABELS.into(), Value::Map(BTreeMap::new()));
        }
        let mut network = engine_network();
        network.labels = Some(HashMap::new());
        let state = network_state(&network, &prior);
        assert_eq!(state.attr(LABELS), Some(&Value::Map(BTreeMap::new())));
    }

    #[tokio::test]
    async fn validation_points_at_the_bad_address() {
        let diagnostics = ContainerNetwork
            .validate(&config(
                "web",
                vec![
                    ipam("10.77.0.0/24", Value::from("10.77.0.1")),
                    ipam("10.78.0.0", Value::from("10.78.0.1/24")),
                ],
            ))
            .await;
        let paths: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic.path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(
            paths,
            ["ipam_config[1].subnet", "ipam_config[1].gateway"],
            "{diagnostics:?}"
        );
        let bad_name = ContainerNetwork.validate(&config("a/b", vec![])).await;
        assert!(bad_name.has_errors());
    }

    #[test]
    fn addresses_are_checked() {
        assert!(check_address("10.0.0.0/8", true).is_ok());
        assert!(check_address("fd00::/64", true).is_ok());
        assert!(check_address("10.0.0.0/33", true).is_err());
        assert!(check_address("10.0.0.1", false).is_ok());
        assert!(check_address("banana", false).is_err());
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
