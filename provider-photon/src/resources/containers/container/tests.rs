use std::collections::HashMap;

use bollard::models::{
    ContainerConfig, ContainerState, HostConfig, NetworkSettings, PortBinding, RestartPolicy,
    RestartPolicyNameEnum,
};

use super::model::{fill, format_duration, refresh};
use super::*;

#[test]
fn the_schema_passes_terraforms_rules() {
    assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
}

#[test]
fn durations_read_go_syntax_and_round_trip() {
    assert_eq!(parse_duration("500ms"), Ok(500_000_000));
    assert_eq!(parse_duration("1m30s"), Ok(90_000_000_000));
    assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
    assert_eq!(parse_duration("0"), Ok(0));
    assert!(parse_duration("10").unwrap_err().contains("\"10\""));
    assert!(parse_duration("").is_err());
    assert!(parse_duration("5 s").is_err());
    assert!(parse_duration("1d").is_err());
    for text in ["1s", "500ms", "1m30s", "2h", "1h0m1s"] {
        let nanos = parse_duration(text).unwrap();
        assert_eq!(parse_duration(&format_duration(nanos)), Ok(nanos), "{text}");
    }
    assert_eq!(format_duration(90_000_000_000), "1m30s");
}

/// A configuration with every attribute present, as Terraform sends it.
fn config(pairs: &[(&str, Value)]) -> Value {
    let mut attributes: std::collections::BTreeMap<String, Value> = schema_v0()
        .block
        .attributes
        .iter()
        .map(|attribute| (attribute.name.clone(), Value::Null))
        .collect();
    for block in &schema_v0().block.blocks {
        let empty = match block.nesting {
            tfsdk::BlockNesting::List => Value::List(Vec::new()),
            tfsdk::BlockNesting::Set => Value::Set(Vec::new()),
            _ => Value::Null,
        };
        attributes.insert(block.type_name.clone(), empty);
    }
    for (name, value) in pairs {
        attributes.insert((*name).to_owned(), value.clone());
    }
    Value::Object(attributes)
}

fn port(internal: i64, external: Value) -> Value {
    Value::object([
        (INTERNAL, Value::Number(internal.into())),
        (EXTERNAL, external),
        (PROTOCOL, Value::from("tcp")),
        (IP, Value::from("0.0.0.0")),
    ])
}

fn network(name: &str, aliases: &[&str]) -> Value {
    Value::object([
        (NAME, Value::from(name)),
        (ALIASES, Value::set(aliases.iter().copied())),
        (IPV4_ADDRESS, Value::Null),
    ])
}

#[test]
fn the_create_request_carries_the_plan() {
    let planned = config(&[
        (NAME, "web".into()),
        (IMAGE, "localhost/app:1".into()),
        (COMMAND, Value::list(["httpd", "-f"])),
        (ENV, Value::set(["A=1"])),
        (LABELS, Value::map([("team", "x")])),
        (MEMORY, Value::Number(64.into())),
        (RESTART, "on-failure".into()),
        (MAX_RETRY_COUNT, Value::Number(2.into())),
        (PORTS, Value::list([port(80, Value::unknown())])),
        (
            NETWORKS_ADVANCED,
            Value::set([network("b-net", &[]), network("a-net", &["web-a"])]),
        ),
        (
            HEALTHCHECK,
            Value::object([
                (TEST, Value::list(["CMD-SHELL", "true"])),
                (INTERVAL, "1s".into()),
                (TIMEOUT, Value::Null),
                (START_PERIOD, Value::Null),
                (RETRIES, Value::Number(2.into())),
            ]),
        ),
    ]);
    let plan = model::create_plan(&planned).unwrap();
    let body = plan.body;
    assert_eq!(body.image.as_deref(), Some("localhost/app:1"));
    assert_eq!(body.cmd, Some(vec!["httpd".to_owned(), "-f".to_owned()]));
    assert_eq!(body.exposed_ports, Some(vec!["80/tcp".to_owned()]));
    let health = body.healthcheck.unwrap();
    assert_eq!(health.interval, Some(1_000_000_000));
    assert_eq!(health.retries, Some(2));
    let host = body.host_config.unwrap();
    assert_eq!(host.memory, Some(64 * 1024 * 1024));
    assert_eq!(
        host.restart_policy,
        Some(RestartPolicy {
            name: Some(RestartPolicyNameEnum::ON_FAILURE),
            maximum_retry_count: Some(2),
        })
    );
    let binding = &host.port_bindings.unwrap()["80/tcp"].clone().unwrap()[0];
    assert_eq!(
        binding.host_port.as_deref(),
        Some(""),
        "empty: the engine picks"
    );
    // The first network by name is the network mode and joins at create; the others after.
    assert_eq!(host.network_mode.as_deref(), Some("a-net"));
    let endpoints = body.networking_config.unwrap().endpoints_config.unwrap();
    assert_eq!(endpoints["a-net"].aliases, Some(vec!["web-a".to_owned()]));
    assert_eq!(plan.connect.len(), 1);
    assert_eq!(plan.connect[0].network, "b-net");
}

#[test]
fn a_bad_duration_in_the_plan_names_its_attribute() {
    let planned = config(&[(
        HEALTHCHECK,
        Value::object([
            (TEST, Value::list(["CMD", "true"])),
            (INTERVAL, "soon".into()),
            (TIMEOUT, Value::Null),
            (START_PERIOD, Value::Null),
            (RETRIES, Value::Null),
        ]),
    )]);
    let (path, detail) = model::create_plan(&planned).unwrap_err();
    assert_eq!(path, "healthcheck.interval");
    assert!(detail.contains("\"soon\""), "{detail}");
}

fn paths(diagnostics: &Diagnostics) -> Vec<String> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| diagnostic.path.as_ref().map(ToString::to_string))
        .collect()
}

#[test]
fn validation_points_at_the_attribute() {
    let bad = config(&[
        (ENV, Value::set(["NOEQUALS"])),
        (NETWORK_MODE, "host".into()),
        (NETWORKS_ADVANCED, Value::set([network("n", &[])])),
        (RESTART, "always".into()),
        (MAX_RETRY_COUNT, Value::Number(3.into())),
        (
            MOUNTS,
            Value::set([Value::object([
                (TARGET, Value::from("/data")),
                (SOURCE, Value::Null),
                (TYPE, Value::from("bind")),
                (READ_ONLY, Value::Null),
                (TMPFS_OPTIONS, Value::Null),
            ])]),
        ),
    ]);
    let diagnostics = validate(&bad);
    assert_eq!(
        paths(&diagnostics),
        ["env", "mounts", "network_mode", "max_retry_count"],
        "{diagnostics:?}"
    );
    let fine = config(&[
        (ENV, Value::set(["A=1", "EMPTY="])),
        (NETWORKS_ADVANCED, Value::set([network("n", &[])])),
    ]);
    assert!(validate(&fine).is_empty());
    let unknown = config(&[(ENV, Value::unknown()), (MOUNTS, Value::unknown())]);
    assert!(validate(&unknown).is_empty());
}

fn inspected() -> ContainerInspectResponse {
    ContainerInspectResponse {
        id: Some("0123456789abcdef".into()),
        name: Some("/renamed".into()),
        config: Some(ContainerConfig {
            image: Some("localhost/app:1".into()),
            env: Some(vec![
                "PATH=/bin".into(),
                "container=podman".into(),
                "A=1".into(),
                "HOSTNAME=0123456789ab".into(),
            ]),
            labels: Some(HashMap::from([
                ("team".into(), "x".into()),
                ("io.engine".into(), "added".into()),
            ])),
            cmd: Some(vec!["sleep".into(), "1".into()]),
            ..ContainerConfig::default()
        }),
        host_config: Some(HostConfig {
            memory: Some(128 * 1024 * 1024),
            memory_swap: Some(256 * 1024 * 1024),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::EMPTY),
                maximum_retry_count: Some(0),
            }),
            ..HostConfig::default()
        }),
        state: Some(ContainerState {
            running: Some(false),
            exit_code: Some(137),
            ..ContainerState::default()
        }),
        network_settings: Some(NetworkSettings {
            ports: Some(HashMap::from([(
                "80/tcp".into(),
                Some(vec![PortBinding {
                    host_ip: Some("0.0.0.0".into()),
                    host_port: Some("40123".into()),
                }]),
            )])),
            ..NetworkSettings::default()
        }),
        ..ContainerInspectResponse::default()
    }
}

#[test]
fn read_reports_only_what_the_user_manages() {
    let prior = config(&[
        (ID, "0123456789abcdef".into()),
        (NAME, "web".into()),
        (IMAGE, "localhost/app:1".into()),
        (ENV, Value::set(["A=1"])),
        (LABELS, Value::map([("team", "x")])),
        (MEMORY, Value::Number(64.into())),
        (COMMAND, Value::list(["sleep", "1"])),
    ]);
    let state = refresh(&prior, &inspected(), &ImageDefaults::default());
    assert_eq!(state.attr(NAME), Some(&Value::from("renamed")));
    assert_eq!(state.attr(ENV), Some(&Value::set(["A=1"])));
    assert_eq!(state.attr(LABELS), Some(&Value::map([("team", "x")])));
    assert_eq!(state.attr(MEMORY), Some(&Value::Number(128.into())));
    assert_eq!(state.attr(MEMORY_SWAP), Some(&Value::Null), "not managed");
    assert_eq!(state.attr(RESTART), Some(&Value::from("no")));
    assert_eq!(state.attr(RUNNING), Some(&Value::Bool(false)));
    assert_eq!(state.attr(EXIT_CODE), Some(&Value::Number(137.into())));
}

#[test]
fn import_leaves_out_what_the_image_and_engine_add() {
    let skeleton = config(&[]);
    let image = ImageDefaults {
        env: vec!["PATH=/bin".into()],
        labels: HashMap::from([("io.engine".into(), "added".into())]),
    };
    let state = refresh(&skeleton, &inspected(), &image);
    assert_eq!(state.attr(ENV), Some(&Value::set(["A=1"])));
    assert_eq!(state.attr(LABELS), Some(&Value::map([("team", "x")])));
    assert_eq!(state.attr(COMMAND), Some(&Value::list(["sleep", "1"])));
    assert_eq!(state.attr(IMAGE), Some(&Value::from("localhost/app:1")));
}

#[test]
fn create_fills_the_unknowns_only() {
    let planned = config(&[
        (ID, Value::unknown()),
        (NAME, "web".into()),
        (COMMAND, Value::unknown()),
        (RUNNING, Value::Bool(true)),
        (PORTS, Value::list([port(80, Value::unknown())])),
    ]);
    let state = fill(&planned, &inspected());
    assert_eq!(state.attr(ID), Some(&Value::from("0123456789abcdef")));
    assert_eq!(state.attr(NAME), Some(&Value::from("web")), "planned kept");
    assert_eq!(
        state.attr(RUNNING),
        Some(&Value::Bool(true)),
        "planned kept"
    );
    assert_eq!(state.attr(COMMAND), Some(&Value::list(["sleep", "1"])));
    let ports = state.attr(PORTS).unwrap().elements().unwrap();
    assert_eq!(ports[0].attr(EXTERNAL), Some(&Value::Number(40123.into())));
}

#[test]
fn health_checks_run_through_exec_as_the_engine_would() {
    let shell = probe_command(&["CMD-SHELL".into(), "test -f /ok".into()]).unwrap();
    assert_eq!(shell, ["/bin/sh", "-c", "test -f /ok"]);
    let direct = probe_command(&["CMD".into(), "true".into()]).unwrap();
    assert_eq!(direct, ["true"]);
    assert_eq!(probe_command(&["NONE".into()]), None);
}
