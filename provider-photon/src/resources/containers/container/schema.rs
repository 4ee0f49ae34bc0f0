//! The `photon_container` schema: argument names follow kreuzwerker's `docker_container`.

use tfsdk::cty::{Type, Value};
use tfsdk::plan_modifier::{Default, RequiresReplace, UseStateForUnknown};
use tfsdk::validator::{Between, OneOf};
use tfsdk::{Attribute, Block, BlockNesting, NestedBlock, Schema};

pub(crate) const ID: &str = "id";
pub(crate) const NAME: &str = "name";
pub(crate) const IMAGE: &str = "image";
pub(crate) const COMMAND: &str = "command";
pub(crate) const ENTRYPOINT: &str = "entrypoint";
pub(crate) const ENV: &str = "env";
pub(crate) const LABELS: &str = "labels";
pub(crate) const WORKING_DIR: &str = "working_dir";
pub(crate) const USER: &str = "user";
pub(crate) const HOSTNAME: &str = "hostname";
pub(crate) const PORTS: &str = "ports";
pub(crate) const INTERNAL: &str = "internal";
pub(crate) const EXTERNAL: &str = "external";
pub(crate) const PROTOCOL: &str = "protocol";
pub(crate) const IP: &str = "ip";
pub(crate) const MOUNTS: &str = "mounts";
pub(crate) const TARGET: &str = "target";
pub(crate) const SOURCE: &str = "source";
pub(crate) const TYPE: &str = "type";
pub(crate) const READ_ONLY: &str = "read_only";
pub(crate) const TMPFS_OPTIONS: &str = "tmpfs_options";
pub(crate) const SIZE_BYTES: &str = "size_bytes";
pub(crate) const NETWORKS_ADVANCED: &str = "networks_advanced";
pub(crate) const ALIASES: &str = "aliases";
pub(crate) const IPV4_ADDRESS: &str = "ipv4_address";
pub(crate) const NETWORK_MODE: &str = "network_mode";
pub(crate) const RESTART: &str = "restart";
pub(crate) const MAX_RETRY_COUNT: &str = "max_retry_count";
pub(crate) const MEMORY: &str = "memory";
pub(crate) const MEMORY_SWAP: &str = "memory_swap";
pub(crate) const CPU_SHARES: &str = "cpu_shares";
pub(crate) const CPU_SET: &str = "cpu_set";
pub(crate) const HEALTHCHECK: &str = "healthcheck";
pub(crate) const TEST: &str = "test";
pub(crate) const INTERVAL: &str = "interval";
pub(crate) const TIMEOUT: &str = "timeout";
pub(crate) const START_PERIOD: &str = "start_period";
pub(crate) const RETRIES: &str = "retries";
pub(crate) const MUST_RUN: &str = "must_run";
pub(crate) const START: &str = "start";
pub(crate) const WAIT: &str = "wait";
pub(crate) const WAIT_TIMEOUT: &str = "wait_timeout";
pub(crate) const DESTROY_GRACE_SECONDS: &str = "destroy_grace_seconds";
pub(crate) const RM: &str = "rm";
pub(crate) const PRIVILEGED: &str = "privileged";
pub(crate) const LOG_DRIVER: &str = "log_driver";
pub(crate) const LOG_OPTS: &str = "log_opts";
pub(crate) const NETWORK_DATA: &str = "network_data";
pub(crate) const NETWORK_NAME: &str = "network_name";
pub(crate) const IP_ADDRESS: &str = "ip_address";
pub(crate) const IP_PREFIX_LENGTH: &str = "ip_prefix_length";
pub(crate) const GATEWAY: &str = "gateway";
pub(crate) const MAC_ADDRESS: &str = "mac_address";
pub(crate) const EXIT_CODE: &str = "exit_code";
pub(crate) const STATUS: &str = "status";
pub(crate) const RUNNING: &str = "running";

/// Restart policies the engine knows.
pub(crate) const RESTART_POLICIES: [&str; 4] = ["no", "on-failure", "always", "unless-stopped"];
/// Mount types.
pub(crate) const MOUNT_TYPES: [&str; 3] = ["bind", "volume", "tmpfs"];
/// Published port protocols.
pub(crate) const PROTOCOLS: [&str; 3] = ["tcp", "udp", "sctp"];

/// Attributes (and blocks) fixed when the container is created: a change replaces it. Those with
/// a `RequiresReplace` modifier in the schema are handled there; blocks by `modify_plan`.
pub(crate) const REPLACING_BLOCKS: [&str; 4] = [PORTS, MOUNTS, NETWORKS_ADVANCED, HEALTHCHECK];
/// Attributes `POST /containers/{id}/update` changes in place (when the engine has the route).
pub(crate) const UPDATABLE: [&str; 6] = [
    MEMORY,
    MEMORY_SWAP,
    CPU_SHARES,
    CPU_SET,
    RESTART,
    MAX_RETRY_COUNT,
];

const REPLACES: &str = " Changing it replaces the container.";

fn fixed(attribute: Attribute) -> Attribute {
    attribute.plan_modifier(RequiresReplace)
}

/// An optional+computed creation setting: reported from the engine when unset, kept once known.
fn fixed_computed(name: &str, ty: Type, description: &str) -> Attribute {
    Attribute::optional_computed(name, ty)
        .description(&format!(
            "{description} When unset, the image's default, as the engine reports it.{REPLACES}"
        ))
        .plan_modifier(UseStateForUnknown)
        .plan_modifier(RequiresReplace)
}

fn flag(name: &str, default: bool, description: &str) -> Attribute {
    Attribute::optional_computed(name, Type::Bool)
        .description(description)
        .plan_modifier(Default(Value::Bool(default)))
}

fn ports_block() -> NestedBlock {
    NestedBlock::new(
        PORTS,
        BlockNesting::List,
        Block::new()
            .description(&format!(
                "A container port published on the engine's host (`-p`).{REPLACES}"
            ))
            .attribute(
                Attribute::required(INTERNAL, Type::Number)
                    .description("The port inside the container.")
                    .validator(Between(1.0, 65535.0)),
            )
            .attribute(
                Attribute::optional_computed(EXTERNAL, Type::Number)
                    .description(
                        "The port on the host. When unset the engine picks a free one, reported \
                         here after apply.",
                    )
                    .validator(Between(1.0, 65535.0))
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::optional_computed(PROTOCOL, Type::String)
                    .description("`tcp`, `udp` or `sctp`.")
                    .validator(OneOf(&PROTOCOLS))
                    .plan_modifier(Default(Value::from("tcp"))),
            )
            .attribute(
                Attribute::optional_computed(IP, Type::String)
                    .description("The host address to listen on.")
                    .plan_modifier(Default(Value::from("0.0.0.0"))),
            ),
    )
}

fn mounts_block() -> NestedBlock {
    NestedBlock::new(
        MOUNTS,
        BlockNesting::Set,
        Block::new()
            .description(&format!(
                "A bind mount, volume or tmpfs in the container. Volumes are never deleted with \
                 the container, except anonymous ones (no `source`) it created.{REPLACES}"
            ))
            .attribute(
                Attribute::required(TARGET, Type::String)
                    .description("The absolute path inside the container."),
            )
            .attribute(Attribute::optional(SOURCE, Type::String).description(
                "For `bind`: the absolute path on the engine's host (it must exist). For \
                 `volume`: the volume's name (a `photon_container_volume`, or created by the \
                 engine on first use); unset for an anonymous volume. Not allowed for `tmpfs`.",
            ))
            .attribute(
                Attribute::required(TYPE, Type::String)
                    .description("`bind`, `volume` or `tmpfs`.")
                    .validator(OneOf(&MOUNT_TYPES)),
            )
            .attribute(
                Attribute::optional(READ_ONLY, Type::Bool)
                    .description("Mount read-only (default: read-write)."),
            )
            .block(NestedBlock::new(
                TMPFS_OPTIONS,
                BlockNesting::Single,
                Block::new()
                    .description("Options of a `tmpfs` mount.")
                    .attribute(
                        Attribute::optional(SIZE_BYTES, Type::Number)
                            .description("The size limit in bytes (default: unlimited).")
                            .validator(Between(1.0, 9.0e18)),
                    ),
            )),
    )
}

fn networks_block() -> NestedBlock {
    NestedBlock::new(
        NETWORKS_ADVANCED,
        BlockNesting::Set,
        Block::new()
            .description(&format!(
                "A network to attach the container to. Without `network_mode`, the container \
                 joins only these networks (the first one by name becomes its network mode), \
                 not the engine's default network.{REPLACES}"
            ))
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description("The network's name or id (e.g. a `photon_container_network`)."),
            )
            .attribute(
                Attribute::optional(ALIASES, Type::set(Type::String)).description(
                    "Extra DNS names of the container on this network (the container's name \
                     always resolves).",
                ),
            )
            .attribute(
                Attribute::optional(IPV4_ADDRESS, Type::String)
                    .description("A fixed IPv4 address in the network's subnet."),
            ),
    )
}

fn healthcheck_block() -> NestedBlock {
    let duration = |name: &str, what: &str| {
        Attribute::optional(name, Type::String).description(&format!(
            "{what}, as a duration such as `500ms`, `10s` or `1m30s` (engine default when unset)."
        ))
    };
    NestedBlock::new(
        HEALTHCHECK,
        BlockNesting::Single,
        Block::new()
            .description(&format!(
                "The container's health check, overriding the image's. With `wait = true`, apply \
                 waits until it reports healthy.{REPLACES}"
            ))
            .attribute(
                Attribute::required(TEST, Type::list(Type::String)).description(
                    "The command: `[\"CMD\", \"executable\", \"arg\"…]`, `[\"CMD-SHELL\", \
                     \"shell command\"]`, or `[\"NONE\"]` to disable the image's check.",
                ),
            )
            .attribute(duration(INTERVAL, "Time between checks"))
            .attribute(duration(TIMEOUT, "How long one check may run"))
            .attribute(duration(
                START_PERIOD,
                "Start-up time during which failures do not count",
            ))
            .attribute(
                Attribute::optional(RETRIES, Type::Number)
                    .description(
                        "Consecutive failures that make the container unhealthy (engine default \
                         3).",
                    )
                    .validator(Between(0.0, 1000.0)),
            ),
    )
}

fn network_data_type() -> Type {
    Type::object([
        (NETWORK_NAME, Type::String),
        (IP_ADDRESS, Type::String),
        (IP_PREFIX_LENGTH, Type::Number),
        (GATEWAY, Type::String),
        (MAC_ADDRESS, Type::String),
    ])
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A container on the engine of the provider's `container_engine` block (Docker, or \
                 Podman's Docker-compatible service), like kreuzwerker's `docker_container`. The \
                 image must already be on the engine (there is no pull here: use a \
                 `photon_container_image`). Apply creates, attaches, starts and optionally waits \
                 for the health check; a container that stopped outside Terraform while \
                 `must_run` is true is planned for replacement. `name` is renamed in place; \
                 `memory`, `memory_swap`, `cpu_shares`, `cpu_set`, `restart` and \
                 `max_retry_count` are updated in place on engines that implement \
                 `POST /containers/{id}/update` (Docker; Podman 4 does not, so there they \
                 replace the container, with a warning in the plan); everything else replaces \
                 the container. Destroy stops it (`destroy_grace_seconds`) and removes it with \
                 the anonymous volumes it created, never named volumes or other containers.\n\n\
                 Health checks: Podman runs them from systemd timers; where there is no systemd \
                 the engine's health status never advances, so when the engine has not recorded \
                 a result after the start period and two intervals, `wait` runs the check \
                 command itself through exec (same interval, timeout and retries).",
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The container's id.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(Attribute::required(NAME, Type::String).description(
                "The container's name, unique on the engine. Changing it renames the container \
                 in place.",
            ))
            .attribute(fixed(Attribute::required(IMAGE, Type::String).description(&format!(
                "The image: a reference such as `localhost/app:1` or an image id (e.g. \
                 `photon_container_image.app.image_id`). It must be on the engine already.{REPLACES}"
            ))))
            .attribute(fixed_computed(
                COMMAND,
                Type::list(Type::String),
                "The command (arguments to the entrypoint), e.g. `[\"httpd\", \"-f\"]`.",
            ))
            .attribute(fixed_computed(
                ENTRYPOINT,
                Type::list(Type::String),
                "The entrypoint.",
            ))
            .attribute(fixed(Attribute::optional(ENV, Type::set(Type::String)).description(
                &format!(
                    "Environment variables as `KEY=value`. Only these keys are compared with \
                     the container (the engine and image add their own, such as PATH).{REPLACES}"
                ),
            )))
            .attribute(fixed(
                Attribute::optional(LABELS, Type::map(Type::String)).description(&format!(
                    "Labels. Only these keys are compared with the container (engines and \
                     images add their own).{REPLACES}"
                )),
            ))
            .attribute(fixed_computed(
                WORKING_DIR,
                Type::String,
                "The working directory of the command.",
            ))
            .attribute(fixed_computed(
                USER,
                Type::String,
                "The user (and group) the command runs as: `name`, `uid`, `uid:gid`.",
            ))
            .attribute(fixed_computed(
                HOSTNAME,
                Type::String,
                "The container's host name (default: the short id).",
            ))
            .attribute(fixed(Attribute::optional(NETWORK_MODE, Type::String).description(
                &format!(
                    "`bridge`, `host`, `none`, `container:<name|id>`, or a network name. Unset: \
                     the first `networks_advanced` network, else the engine's default \
                     network.{REPLACES}"
                ),
            )))
            .attribute(
                Attribute::optional_computed(RESTART, Type::String)
                    .description(
                        "Restart policy: `no`, `on-failure`, `always` or `unless-stopped`. \
                         Updated in place where the engine can. Podman has no daemon that \
                         restarts containers after a reboot without its restart service.",
                    )
                    .validator(OneOf(&RESTART_POLICIES))
                    .plan_modifier(Default(Value::from("no"))),
            )
            .attribute(
                Attribute::optional_computed(MAX_RETRY_COUNT, Type::Number)
                    .description(
                        "With `restart = \"on-failure\"`: how many restarts at most (0: no \
                         limit). Updated in place where the engine can.",
                    )
                    .validator(Between(0.0, 1.0e6))
                    .plan_modifier(Default(Value::Number(0.into()))),
            )
            .attribute(
                Attribute::optional(MEMORY, Type::Number)
                    .description(
                        "Memory limit in MB (at least 6). Updated in place where the engine can; \
                         removing it replaces the container.",
                    )
                    .validator(Between(6.0, 1.0e9)),
            )
            .attribute(
                Attribute::optional(MEMORY_SWAP, Type::Number)
                    .description(
                        "Memory plus swap limit in MB (`-1`: unlimited swap); needs `memory`. \
                         Updated in place where the engine can; removing it replaces the \
                         container.",
                    )
                    .validator(Between(-1.0, 1.0e9)),
            )
            .attribute(
                Attribute::optional(CPU_SHARES, Type::Number)
                    .description(
                        "Relative CPU weight (default 1024). Updated in place where the engine \
                         can; removing it replaces the container.",
                    )
                    .validator(Between(2.0, 262144.0)),
            )
            .attribute(Attribute::optional(CPU_SET, Type::String).description(
                "CPUs the container may use, e.g. `0-1` or `0,2`. Updated in place where the \
                 engine can; removing it replaces the container.",
            ))
            .attribute(flag(
                MUST_RUN,
                true,
                "Whether the container must be running: apply fails when it exits right after \
                 start, and a container found stopped (killed, exited) is planned for \
                 replacement. Only applies with `start = true`.",
            ))
            .attribute(
                flag(
                    START,
                    true,
                    "Start the container after creating it. Changing it replaces the container.",
                )
                .plan_modifier(RequiresReplace),
            )
            .attribute(flag(
                WAIT,
                false,
                "After start, wait until the health check (this block's or the image's) reports \
                 healthy; an unhealthy container or a timeout fails the apply (the container is \
                 kept, tainted, so it can be inspected). Without a health check, waits for the \
                 container to be running.",
            ))
            .attribute(
                Attribute::optional_computed(WAIT_TIMEOUT, Type::Number)
                    .description("How many seconds `wait` waits at most.")
                    .validator(Between(1.0, 86400.0))
                    .plan_modifier(Default(Value::Number(60.into()))),
            )
            .attribute(
                Attribute::optional(DESTROY_GRACE_SECONDS, Type::Number)
                    .description(
                        "On destroy, seconds between the stop signal and SIGKILL (engine default \
                         when unset, 10 for Docker and Podman).",
                    )
                    .validator(Between(0.0, 3600.0)),
            )
            .attribute(
                flag(
                    RM,
                    false,
                    "Let the engine remove the container when it exits (`--rm`). Changing it \
                     replaces the container.",
                )
                .plan_modifier(RequiresReplace),
            )
            .attribute(
                flag(
                    PRIVILEGED,
                    false,
                    "Run privileged (all capabilities, all devices). Changing it replaces the \
                     container.",
                )
                .plan_modifier(RequiresReplace),
            )
            .attribute(
                flag(
                    READ_ONLY,
                    false,
                    "Mount the root filesystem read-only. Changing it replaces the container.",
                )
                .plan_modifier(RequiresReplace),
            )
            .attribute(fixed(Attribute::optional(LOG_DRIVER, Type::String).description(
                &format!("The log driver, e.g. `json-file` (engine default when unset).{REPLACES}"),
            )))
            .attribute(fixed(
                Attribute::optional(LOG_OPTS, Type::map(Type::String))
                    .description(&format!("Options of the log driver.{REPLACES}")),
            ))
            .attribute(
                Attribute::computed(NETWORK_DATA, Type::list(network_data_type()))
                    .description(
                        "The container's address on each network it is attached to: \
                         `network_name`, `ip_address`, `ip_prefix_length`, `gateway`, \
                         `mac_address`.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(Attribute::computed(EXIT_CODE, Type::Number).description(
                "The exit code of the container's last run (0 while it has never exited).",
            ))
            .attribute(Attribute::computed(STATUS, Type::String).description(
                "The engine's status: `created`, `running`, `paused`, `restarting`, `exited`, \
                 `dead`…",
            ))
            .attribute(Attribute::computed(RUNNING, Type::Bool).description(
                "Whether the container is running. With `must_run` and `start`, a stopped \
                 container shows here as drift that replaces it.",
            ))
            .block(ports_block())
            .block(mounts_block())
            .block(networks_block())
            .block(healthcheck_block()),
    )
}
