#![allow(clippy::unwrap_used)]
//! Pure rules: argv dispatch, Packer version → handshake/gob flavour, config decoding edge cases,
//! and robustness against malformed payloads.

use hcl_spec::GobFlavor;
use packer_rpc::HandshakeForm;
use packer_rpc::netrpc::Value;
use packer_sdk::{
    ConfigError, Launch, RawConfigs, parse_launch, parse_packer_version,
    protocol_for_packer_version,
};
use serde::Deserialize;

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn argv_dispatch() {
    let p = "/x/packer-plugin-photon";
    assert_eq!(
        parse_launch("photon", p, &args(&["describe"])),
        Launch::Describe
    );
    assert_eq!(
        parse_launch("photon", p, &args(&["--version"])),
        Launch::Version
    );
    assert_eq!(
        parse_launch("photon", p, &args(&["start", "post-processor", "template"])),
        Launch::Start {
            kind: "post-processor".into(),
            name: "template".into()
        }
    );
    assert_eq!(
        parse_launch("photon", "/p/packer-builder-photon-clone", &[]),
        Launch::Legacy {
            kind: "builder".into(),
            name: "clone".into()
        }
    );
    assert_eq!(
        parse_launch("photon", "packer-post-processor-photon-template.exe", &[]),
        Launch::Legacy {
            kind: "post-processor".into(),
            name: "template".into()
        }
    );
    // A bare launch under any other name has no component.
    assert_eq!(
        parse_launch("photon", p, &[]),
        Launch::Legacy {
            kind: String::new(),
            name: "packer-plugin-photon".into()
        }
    );
    assert!(matches!(
        parse_launch("photon", p, &args(&["start", "builder"])),
        Launch::Invalid(_)
    ));
}

#[test]
fn packer_version_picks_the_handshake_and_gob_flavour() {
    assert_eq!(parse_packer_version("Packer v1.6.6\n"), Some((1, 6, 6)));
    assert_eq!(
        parse_packer_version("Packer v1.14.3\n\nYour version of Packer is out of date!"),
        Some((1, 14, 3))
    );
    assert_eq!(
        parse_packer_version("Packer v1.7.0-dev (abc)"),
        Some((1, 7, 0))
    );
    assert_eq!(parse_packer_version("bash: version: not found"), None);
    assert_eq!(parse_packer_version(""), None);
    let old = protocol_for_packer_version((1, 6, 6));
    assert_eq!(
        (old.form, old.gob),
        (HandshakeForm::Legacy, GobFlavor::Debian166)
    );
    let older = protocol_for_packer_version((1, 5, 0));
    assert_eq!(older.form, HandshakeForm::Legacy);
    let new = protocol_for_packer_version((1, 7, 0));
    assert_eq!(
        (new.form, new.gob),
        (HandshakeForm::V5_0, GobFlavor::Upstream)
    );
    assert_eq!(
        protocol_for_packer_version((1, 10, 0)).form,
        HandshakeForm::V5_0
    );
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    ratio: f64,
    #[serde(default)]
    label: String,
    #[serde(default)]
    flag: Option<bool>,
}

fn decode(v: Value) -> Result<Config, ConfigError> {
    RawConfigs::from_values(vec![v]).unwrap().decode()
}

#[test]
fn weak_typing_like_mapstructure() {
    let c = decode(Value::record([
        ("tags", Value::from("solo")),
        ("ratio", Value::from("0.5")),
        ("label", Value::F64(7.0)),
        ("flag", Value::from("false")),
    ]))
    .unwrap();
    assert_eq!(
        c,
        Config {
            tags: vec!["solo".into()],
            ratio: 0.5,
            label: "7".into(),
            flag: Some(false)
        }
    );
    let e = decode(Value::record([("flag", Value::from("maybe"))])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "flag: expected a bool (true or false), got \"maybe\""
    );
    let e = decode(Value::record([("tags", Value::record([]))])).unwrap_err();
    assert_eq!(e.problems[0].key, "tags");
}

#[test]
fn later_configs_override_earlier_ones_and_packer_keys_are_split_off() {
    let raw = RawConfigs::from_values(vec![
        Value::record([
            ("label", Value::from("a")),
            ("packer_force", Value::from("true")),
        ]),
        Value::Nil,
        Value::Bin(br#"{"value":{"label":"b","ratio":null},"type":"dynamic"}"#.to_vec()),
    ])
    .unwrap();
    assert_eq!(raw.user().get("label").unwrap(), "b");
    assert!(!raw.user().contains_key("ratio"));
    assert!(!raw.user().contains_key("packer_force"));
    assert!(raw.packer().force);
    let bad = RawConfigs::from_values(vec![Value::record([(
        "packer_debug",
        Value::from("perhaps"),
    )])])
    .unwrap_err();
    assert_eq!(bad.problems[0].key, "packer_debug");
}

#[test]
fn malformed_payloads_are_errors_not_panics() {
    let good = br#"{"value":{"label":"b","tags":["x",null],"ratio":1.5},"type":"dynamic"}"#;
    for end in 0..good.len() {
        let _ = RawConfigs::from_values(vec![Value::Bin(good[..end].to_vec())])
            .and_then(|raw| raw.decode::<Config>());
    }
    // Deterministic pseudo-random bytes.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..500 {
        let bytes: Vec<u8> = (0..32)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        assert!(RawConfigs::from_values(vec![Value::Bin(bytes)]).is_err());
    }
    for odd in [
        Value::Int(3),
        Value::Array(vec![]),
        Value::from("x"),
        Value::Bool(true),
    ] {
        assert!(RawConfigs::from_values(vec![odd]).is_err());
    }
    // Non-string keys and nested oddities still decode to a typed error.
    let weird = Value::Map(vec![
        (Value::Int(1), Value::Nil),
        (Value::from("label"), Value::Array(vec![])),
    ]);
    assert!(
        RawConfigs::from_values(vec![weird])
            .unwrap()
            .decode::<Config>()
            .is_err()
    );
}
