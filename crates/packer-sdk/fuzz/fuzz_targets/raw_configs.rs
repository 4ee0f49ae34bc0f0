//! Arbitrary msgpack as the `Configs` argument of `Builder.Prepare` / `PostProcessor.Configure`:
//! a list of maps and cty-JSON `bin` values (HCL2), merged by `RawConfigs::from_values`, then
//! decoded with weak typing into a builder-like config (strings, integers, bools, lists, maps,
//! nested blocks, unknown keys refused). Any `Err` is fine but must name a key or configuration;
//! nothing panics.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use packer_rpc::netrpc::{Value, codec};
use packer_sdk::RawConfigs;
use serde::Deserialize;

#[allow(dead_code)] // Fields are read by the decoder only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Disk {
    disk_size: u64,
    #[serde(default)]
    thin: bool,
    #[serde(default)]
    label: Option<String>,
}

#[allow(dead_code)] // Fields are read by the decoder only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuilderConfig {
    vm_name: String,
    #[serde(default)]
    cpus: Option<i32>,
    #[serde(default)]
    memory: Option<u32>,
    #[serde(default)]
    ratio: Option<f64>,
    #[serde(default)]
    convert_to_template: bool,
    #[serde(default)]
    boot_command: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    storage: Vec<Disk>,
    #[serde(default)]
    extra: Option<serde_json::Value>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Array(list)) = codec::from_bytes(data) else {
        return;
    };
    let configs = match RawConfigs::from_values(list) {
        Ok(configs) => configs,
        Err(error) => {
            assert!(!error.problems.is_empty(), "an error without a problem");
            let _ = error.to_string();
            return;
        }
    };
    let _ = (
        configs.packer(),
        configs.has_unknowns(),
        configs.user().len(),
    );
    assert!(
        configs.user().keys().all(|key| !key.starts_with("packer_")),
        "packer_ keys are Packer's own"
    );
    match configs.decode::<BuilderConfig>() {
        Ok(config) => {
            let _ = format!("{config:?}");
        }
        Err(error) => {
            assert!(!error.problems.is_empty(), "an error without a problem");
            let _ = error.to_string();
        }
    }
    let _ = configs.decode::<serde_json::Value>();
});
