//! Between Terraform values and the Docker Engine API's models: the create request from a plan,
//! and state values from an inspection.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerUpdateBody, EndpointIpamConfig,
    EndpointSettings, HealthConfig, HostConfig, HostConfigLogConfig, Mount, MountTmpfsOptions,
    MountType, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use tfsdk::cty::{Number, Value};

use super::schema::*;

const MB: i64 = 1024 * 1024;

// ---- reading values -------------------------------------------------------------------------

pub(crate) fn text<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.attr(name).and_then(Value::as_str)
}

pub(crate) fn number(value: &Value, name: &str) -> Option<i64> {
    value
        .attr(name)
        .and_then(Value::as_number)
        .and_then(Number::as_i64)
}

pub(crate) fn flag(value: &Value, name: &str) -> Option<bool> {
    value.attr(name).and_then(Value::as_bool)
}

/// A known list or set of known strings.
pub(crate) fn strings(value: &Value, name: &str) -> Option<Vec<String>> {
    let items = value.attr(name)?.elements()?;
    Some(
        items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
    )
}

pub(crate) fn string_map(value: &Value, name: &str) -> Option<HashMap<String, String>> {
    let entries = value.attr(name)?.entries()?;
    Some(
        entries
            .iter()
            .filter_map(|(key, item)| item.as_str().map(|text| (key.clone(), text.to_owned())))
            .collect(),
    )
}

/// The objects of a block list or set (none when null or unknown).
pub(crate) fn blocks<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value.attr(name).and_then(Value::elements).unwrap_or(&[])
}

fn int(number: i64) -> Value {
    Value::Number(Number::from_i64(number))
}

fn string_list(items: &[String]) -> Value {
    Value::List(items.iter().map(Value::from).collect())
}

// ---- durations ------------------------------------------------------------------------------

/// Parses a Go-style duration (`500ms`, `10s`, `1m30s`, `1h`) into nanoseconds.
pub(crate) fn parse_duration(text: &str) -> Result<i64, String> {
    let expected =
        || format!("expected a duration such as \"500ms\", \"10s\" or \"1m30s\", got {text:?}");
    if text == "0" {
        return Ok(0);
    }
    let mut rest = text;
    let mut total: i64 = 0;
    if rest.is_empty() {
        return Err(expected());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(expected)?;
        if digits == 0 {
            return Err(expected());
        }
        let amount: f64 = rest[..digits].parse().map_err(|_| expected())?;
        rest = &rest[digits..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: f64 = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(expected()),
        };
        rest = &rest[unit_end..];
        let nanos = amount * scale;
        if !nanos.is_finite() || nanos > 1e17 {
            return Err(expected());
        }
        total = total.saturating_add(nanos as i64);
    }
    Ok(total)
}

/// Nanoseconds as the shortest duration text `parse_duration` reads back.
pub(crate) fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".into();
    }
    if nanos % 1_000_000_000 != 0 {
        return if nanos % 1_000_000 == 0 {
            format!("{}ms", nanos / 1_000_000)
        } else {
            format!("{nanos}ns")
        };
    }
    let seconds = nanos / 1_000_000_000;
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

// ---- the create request ---------------------------------------------------------------------

/// One `networks_advanced` block.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Attachment {
    pub(crate) network: String,
    pub(crate) endpoint: EndpointSettings,
}

/// The create request, and the networks to connect before start.
#[derive(Clone, Debug)]
pub(crate) struct CreatePlan {
    pub(crate) body: ContainerCreateBody,
    pub(crate) connect: Vec<Attachment>,
}

pub(crate) fn restart_policy(name: &str, retries: Option<i64>) -> RestartPolicy {
    let name = match name {
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        _ => RestartPolicyNameEnum::NO,
    };
    let maximum_retry_count = (name == RestartPolicyNameEnum::ON_FAILURE)
        .then_some(retries)
        .flatten();
    RestartPolicy {
        name: Some(name),
        maximum_retry_count,
    }
}

pub(crate) fn health_config(block: &Value) -> Result<HealthConfig, (String, String)> {
    let duration = |name: &str| -> Result<Option<i64>, (String, String)> {
        match text(block, name) {
            None => Ok(None),
            Some(value) => parse_duration(value)
                .map(Some)
                .map_err(|detail| (name.to_owned(), detail)),
        }
    };
    Ok(HealthConfig {
        test: strings(block, TEST),
        interval: duration(INTERVAL)?,
        timeout: duration(TIMEOUT)?,
        start_period: duration(START_PERIOD)?,
        retries: number(block, RETRIES),
        start_interval: None,
    })
}

fn endpoint(block: &Value) -> EndpointSettings {
    EndpointSettings {
        aliases: strings(block, ALIASES).filter(|aliases| !aliases.is_empty()),
        ipam_config: text(block, IPV4_ADDRESS).map(|address| EndpointIpamConfig {
            ipv4_address: Some(address.to_owned()),
            ..EndpointIpamConfig::default()
        }),
        ..EndpointSettings::default()
    }
}

fn mount(block: &Value) -> Mount {
    let typ = match text(block, TYPE) {
        Some("bind") => MountType::BIND,
        Some("tmpfs") => MountType::TMPFS,
        _ => MountType::VOLUME,
    };
    let tmpfs_options = block
        .attr(TMPFS_OPTIONS)
        .filter(|options| !options.is_null())
        .map(|options| MountTmpfsOptions {
            size_bytes: number(options, SIZE_BYTES),
            ..MountTmpfsOptions::default()
        });
    Mount {
        target: text(block, TARGET).map(str::to_owned),
        source: text(block, SOURCE).map(str::to_owned),
        typ: Some(typ),
        read_only: flag(block, READ_ONLY),
        tmpfs_options,
        ..Mount::default()
    }
}

/// The request for a planned container (validated: durations parse).
pub(crate) fn create_plan(planned: &Value) -> Result<CreatePlan, (String, String)> {
    let mut exposed = Vec::new();
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for port in blocks(planned, PORTS) {
        let key = format!(
            "{}/{}",
            number(port, INTERNAL).unwrap_or_default(),
            text(port, PROTOCOL).unwrap_or("tcp")
        );
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: text(port, IP).map(str::to_owned),
                host_port: Some(
                    number(port, EXTERNAL)
                        .map(|port| port.to_string())
                        .unwrap_or_default(),
                ),
            });
    }
    // Networks by name, so the first is the same on every run.
    let mut attachments: Vec<Attachment> = blocks(planned, NETWORKS_ADVANCED)
        .iter()
        .map(|block| Attachment {
            network: text(block, NAME).unwrap_or_default().to_owned(),
            endpoint: endpoint(block),
        })
        .collect();
    attachments.sort_by(|a, b| a.network.cmp(&b.network));
    let mut network_mode = text(planned, NETWORK_MODE).map(str::to_owned);
    let mut networking_config = None;
    let mut connect = Vec::new();
    if !attachments.is_empty() {
        let first_index = match &network_mode {
            Some(mode) => attachments.iter().position(|a| &a.network == mode),
            None => Some(0),
        };
        if let Some(index) = first_index {
            let first = attachments.remove(index);
            network_mode.get_or_insert_with(|| first.network.clone());
            networking_config = Some(NetworkingConfig {
                endpoints_config: Some(HashMap::from([(first.network, first.endpoint)])),
            });
        }
        connect = attachments;
    }
    let healthcheck = match planned.attr(HEALTHCHECK).filter(|block| !block.is_null()) {
        Some(block) => Some(
            health_config(block)
                .map_err(|(name, detail)| (format!("{HEALTHCHECK}.{name}"), detail))?,
        ),
        None => None,
    };
    let mounts: Vec<Mount> = blocks(planned, MOUNTS).iter().map(mount).collect();
    let host_config = HostConfig {
        memory: number(planned, MEMORY).map(|mb| mb * MB),
        memory_swap: number(planned, MEMORY_SWAP).map(|mb| if mb < 0 { -1 } else { mb * MB }),
        cpu_shares: number(planned, CPU_SHARES),
        cpuset_cpus: text(planned, CPU_SET).map(str::to_owned),
        restart_policy: Some(restart_policy(
            text(planned, RESTART).unwrap_or("no"),
            number(planned, MAX_RETRY_COUNT),
        )),
        network_mode,
        port_bindings: (!bindings.is_empty()).then_some(bindings),
        mounts: (!mounts.is_empty()).then_some(mounts),
        auto_remove: flag(planned, RM),
        privileged: flag(planned, PRIVILEGED),
        readonly_rootfs: flag(planned, READ_ONLY),
        log_config: text(planned, LOG_DRIVER).map(|driver| HostConfigLogConfig {
            typ: Some(driver.to_owned()),
            config: string_map(planned, LOG_OPTS),
        }),
        ..HostConfig::default()
    };
    let body = ContainerCreateBody {
        image: text(planned, IMAGE).map(str::to_owned),
        cmd: strings(planned, COMMAND),
        entrypoint: strings(planned, ENTRYPOINT),
        env: strings(planned, ENV),
        labels: string_map(planned, LABELS),
        working_dir: text(planned, WORKING_DIR).map(str::to_owned),
        user: text(planned, USER).map(str::to_owned),
        hostname: text(planned, HOSTNAME).map(str::to_owned),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        healthcheck,
        host_config: Some(host_config),
        networking_config,
        ..ContainerCreateBody::default()
    };
    Ok(CreatePlan { body, connect })
}

/// The in-place update request for the planned resources.
pub(crate) fn update_body(planned: &Value) -> ContainerUpdateBody {
    ContainerUpdateBody {
        memory: number(planned, MEMORY).map(|mb| mb * MB),
        memory_swap: number(planned, MEMORY_SWAP).map(|mb| if mb < 0 { -1 } else { mb * MB }),
        cpu_shares: number(planned, CPU_SHARES),
        cpuset_cpus: text(planned, CPU_SET).map(str::to_owned),
        restart_policy: Some(restart_policy(
            text(planned, RESTART).unwrap_or("no"),
            number(planned, MAX_RETRY_COUNT),
        )),
        ..ContainerUpdateBody::default()
    }
}

// ---- state from an inspection ---------------------------------------------------------------

/// What the image itself sets, so an import can tell the container's own env and labels apart.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageDefaults {
    pub(crate) env: Vec<String>,
    pub(crate) labels: HashMap<String, String>,
}

/// Env entries engines add to every container (Podman: `container=podman`, TERM, HOME).
fn engine_env(entry: &str) -> bool {
    let key = entry.split('=').next().unwrap_or_default();
    key == "HOSTNAME"
        || key == "container"
        || entry == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        || entry == "TERM=xterm"
        || entry == "HOME=/root"
        || entry == "HOME=/"
}

fn env_key(entry: &str) -> &str {
    entry.split('=').next().unwrap_or_default()
}

fn restart_name(policy: Option<&RestartPolicy>) -> &'static str {
    match policy.and_then(|policy| policy.name) {
        Some(RestartPolicyNameEnum::ON_FAILURE) => "on-failure",
        Some(RestartPolicyNameEnum::ALWAYS) => "always",
        Some(RestartPolicyNameEnum::UNLESS_STOPPED) => "unless-stopped",
        _ => "no",
    }
}

fn network_data(inspect: &ContainerInspectResponse) -> Value {
    let mut networks: Vec<(&String, &EndpointSettings)> = inspect
        .network_settings
        .as_ref()
        .and_then(|settings| settings.networks.as_ref())
        .map(|networks| networks.iter().collect())
        .unwrap_or_default();
    networks.sort_by(|a, b| a.0.cmp(b.0));
    Value::List(
        networks
            .into_iter()
            .map(|(name, endpoint)| {
                let text = |value: &Option<String>| Value::from(value.clone().unwrap_or_default());
                Value::object([
                    (NETWORK_NAME, Value::from(name.as_str())),
                    (IP_ADDRESS, text(&endpoint.ip_address)),
                    (IP_PREFIX_LENGTH, int(endpoint.ip_prefix_len.unwrap_or(0))),
                    (GATEWAY, text(&endpoint.gateway)),
                    (MAC_ADDRESS, text(&endpoint.mac_address)),
                ])
            })
            .collect(),
    )
}

/// The host port the engine bound for one `ports` block.
fn bound_port(inspect: &ContainerInspectResponse, port: &Value) -> Option<i64> {
    let key = format!(
        "{}/{}",
        number(port, INTERNAL)?,
        text(port, PROTOCOL).unwrap_or("tcp")
    );
    let bindings = inspect
        .network_settings
        .as_ref()?
        .ports
        .as_ref()?
        .get(&key)?
        .as_ref()?;
    let wanted_ip = text(port, IP).unwrap_or("0.0.0.0");
    bindings
        .iter()
        .find(|binding| {
            binding.host_ip.as_deref().unwrap_or("") == wanted_ip
                || binding.host_ip.as_deref().unwrap_or("").is_empty()
        })
        .or_else(|| bindings.first())
        .and_then(|binding| binding.host_port.as_deref()?.parse().ok())
}

/// What the engine reports for one top-level attribute. `base` is the state being refreshed (its
/// env and label keys say which the user manages; null when importing).
fn observed(
    name: &str,
    inspect: &ContainerInspectResponse,
    image: &ImageDefaults,
    base: &Value,
) -> Value {
    let config = inspect.config.clone().unwrap_or_default();
    let host = inspect.host_config.clone().unwrap_or_default();
    let state = inspect.state.clone().unwrap_or_default();
    let managed = |attr: &str| base.attr(attr).is_some_and(|value| !value.is_null());
    match name {
        ID => Value::from(inspect.id.clone().unwrap_or_default()),
        NAME => Value::from(
            inspect
                .name
                .as_deref()
                .unwrap_or_default()
                .trim_start_matches('/'),
        ),
        IMAGE => Value::from(config.image.unwrap_or_default()),
        COMMAND => string_list(&config.cmd.unwrap_or_default()),
        ENTRYPOINT => string_list(&config.entrypoint.unwrap_or_default()),
        WORKING_DIR => Value::from(config.working_dir.unwrap_or_default()),
        USER => Value::from(config.user.unwrap_or_default()),
        HOSTNAME => Value::from(config.hostname.unwrap_or_default()),
        ENV => {
            let env = config.env.unwrap_or_default();
            let kept: Vec<Value> = match strings(base, ENV) {
                Some(wanted) => {
                    let keys: BTreeSet<&str> = wanted.iter().map(|e| env_key(e)).collect();
                    env.iter()
                        .filter(|entry| keys.contains(env_key(entry)))
                        .map(Value::from)
                        .collect()
                }
                None if base.attr(ID).is_some_and(Value::is_null) => env
                    .iter()
                    .filter(|entry| !image.env.contains(entry) && !engine_env(entry))
                    .map(Value::from)
                    .collect(),
                None => Vec::new(),
            };
            if kept.is_empty() && !managed(ENV) {
                Value::Null
            } else {
                Value::Set(kept)
            }
        }
        LABELS => {
            let labels = config.labels.unwrap_or_default();
            let kept: BTreeMap<String, Value> = match string_map(base, LABELS) {
                Some(wanted) => labels
                    .into_iter()
                    .filter(|(key, _)| wanted.contains_key(key))
                    .map(|(key, value)| (key, Value::from(value)))
                    .collect(),
                None if base.attr(ID).is_some_and(Value::is_null) => labels
                    .into_iter()
                    .filter(|(key, value)| image.labels.get(key) != Some(value))
                    .map(|(key, value)| (key, Value::from(value)))
                    .collect(),
                None => BTreeMap::new(),
            };
            if kept.is_empty() && !managed(LABELS) {
                Value::Null
            } else {
                Value::Map(kept)
            }
        }
        NETWORK_MODE => match host.network_mode.as_deref() {
            Some(mode @ ("host" | "none")) => Value::from(mode),
            Some(mode) if mode.starts_with("container:") => Value::from(mode),
            _ => Value::Null,
        },
        RESTART => Value::from(restart_name(host.restart_policy.as_ref())),
        MAX_RETRY_COUNT => int(host
            .restart_policy
            .as_ref()
            .and_then(|policy| policy.maximum_retry_count)
            .unwrap_or(0)),
        MEMORY if managed(MEMORY) => int(host.memory.unwrap_or(0) / MB),
        MEMORY_SWAP if managed(MEMORY_SWAP) => match host.memory_swap.unwrap_or(0) {
            swap if swap < 0 => int(-1),
            swap => int(swap / MB),
        },
        CPU_SHARES if managed(CPU_SHARES) => int(host.cpu_shares.unwrap_or(0)),
        CPU_SET if managed(CPU_SET) => Value::from(host.cpuset_cpus.unwrap_or_default()),
        RM => Value::Bool(host.auto_remove.unwrap_or(false)),
        PRIVILEGED => Value::Bool(host.privileged.unwrap_or(false)),
        READ_ONLY => Value::Bool(host.readonly_rootfs.unwrap_or(false)),
        NETWORK_DATA => network_data(inspect),
        EXIT_CODE => int(state.exit_code.unwrap_or(0)),
        STATUS => Value::from(
            state
                .status
                .map(|status| status.to_string())
                .unwrap_or_default(),
        ),
        RUNNING => Value::Bool(state.running.unwrap_or(false)),
        NETWORKS_ADVANCED => {
            let short_id: String = inspect
                .id
                .clone()
                .unwrap_or_default()
                .chars()
                .take(12)
                .collect();
            let own_name = observed(NAME, inspect, image, base);
            let own_name = own_name.as_str().unwrap_or_default();
            let networks = inspect
                .network_settings
                .as_ref()
                .and_then(|settings| settings.networks.clone())
                .unwrap_or_default();
            // The engine's default network is not a `networks_advanced` attachment.
            let attached: Vec<Value> = networks
                .into_iter()
                .filter(|(network, _)| network != "podman" && network != "bridge")
                .map(|(network, endpoint)| {
                    let aliases: Vec<Value> = endpoint
                        .aliases
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|alias| alias != &short_id && alias != own_name)
                        .map(Value::from)
                        .collect();
                    Value::object([
                        (NAME, Value::from(network)),
                        (
                            ALIASES,
                            if aliases.is_empty() {
                                Value::Null
                            } else {
                                Value::Set(aliases)
                            },
                        ),
                        (IPV4_ADDRESS, Value::Null),
                    ])
                })
                .collect();
            if attached.is_empty() {
                Value::Null
            } else {
                Value::Set(attached)
            }
        }
        _ => Value::Null,
    }
}

/// Attributes only the engine knows, or that change outside Terraform: always as observed.
const LIVE: [&str; 14] = [
    ID,
    NAME,
    RESTART,
    MAX_RETRY_COUNT,
    MEMORY,
    MEMORY_SWAP,
    CPU_SHARES,
    CPU_SET,
    ENV,
    LABELS,
    NETWORK_DATA,
    EXIT_CODE,
    STATUS,
    RUNNING,
];
/// Creation settings reported from the engine only when the state has none (import).
const FILLED: [&str; 12] = [
    IMAGE,
    COMMAND,
    ENTRYPOINT,
    WORKING_DIR,
    USER,
    HOSTNAME,
    NETWORK_MODE,
    RM,
    PRIVILEGED,
    READ_ONLY,
    NETWORKS_ADVANCED,
    HEALTHCHECK,
];

fn healthcheck_state(inspect: &ContainerInspectResponse) -> Value {
    let Some(health) = inspect
        .config
        .as_ref()
        .and_then(|config| config.healthcheck.clone())
    else {
        return Value::Null;
    };
    let Some(test) = health.test.filter(|test| !test.is_empty()) else {
        return Value::Null;
    };
    let duration = |nanos: Option<i64>| match nanos {
        Some(nanos) if nanos > 0 => Value::from(format_duration(nanos)),
        _ => Value::Null,
    };
    Value::object([
        (TEST, string_list(&test)),
        (INTERVAL, duration(health.interval)),
        (TIMEOUT, duration(health.timeout)),
        (START_PERIOD, duration(health.start_period)),
        (
            RETRIES,
            health
                .retries
                .filter(|retries| *retries > 0)
                .map(int)
                .unwrap_or(Value::Null),
        ),
    ])
}

/// The state Read reports: `base` (the prior state, or an import's skeleton) refreshed from the
/// engine. Live attributes come from the engine; creation settings are kept (they cannot change
/// without replacing the container) and filled in where the state has none.
pub(crate) fn refresh(
    base: &Value,
    inspect: &ContainerInspectResponse,
    image: &ImageDefaults,
) -> Value {
    let mut attributes = base.entries().cloned().unwrap_or_default();
    for name in LIVE {
        attributes.insert(name.into(), observed(name, inspect, image, base));
    }
    let importing = base.attr(ID).is_none_or(Value::is_null);
    for name in FILLED {
        let current = attributes.get(name).cloned().unwrap_or(Value::Null);
        if current.is_null() || !current.is_known() {
            let value = if name == HEALTHCHECK {
                if importing {
                    healthcheck_state(inspect)
                } else {
                    Value::Null
                }
            } else if name == NETWORKS_ADVANCED && !importing {
                Value::Null
            } else {
                observed(name, inspect, image, base)
            };
            attributes.insert(name.into(), value);
        }
    }
    Value::Object(attributes)
}

/// The state after create or update: the plan with its unknowns filled from the engine.
pub(crate) fn fill(planned: &Value, inspect: &ContainerInspectResponse) -> Value {
    let image = ImageDefaults::default();
    let mut attributes = planned.entries().cloned().unwrap_or_default();
    for (name, value) in attributes.iter_mut() {
        if name == PORTS {
            if let Value::List(ports) = value {
                for port in ports.iter_mut() {
                    if port
                        .attr(EXTERNAL)
                        .is_some_and(|external| !external.is_known())
                    {
                        let bound = bound_port(inspect, port).map(int).unwrap_or(Value::Null);
                        if let Value::Object(fields) = port {
                            fields.insert(EXTERNAL.into(), bound);
                        }
                    }
                }
            }
        } else if !value.is_known() {
            *value = observed(name, inspect, &image, planned);
        }
    }
    Value::Object(attributes)
}

/// Replaces every unknown in `value` with null (a state for a container whose inspection
/// failed: Terraform accepts no unknowns in state).
pub(crate) fn unknowns_to_null(value: &Value) -> Value {
    match value {
        Value::Unknown(_) => Value::Null,
        Value::List(items) => Value::List(items.iter().map(unknowns_to_null).collect()),
        Value::Set(items) => Value::Set(items.iter().map(unknowns_to_null).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(unknowns_to_null).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(key, item)| (key.clone(), unknowns_to_null(item)))
                .collect(),
        ),
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, item)| (key.clone(), unknowns_to_null(item)))
                .collect(),
        ),
        other => other.clone(),
    }
}
