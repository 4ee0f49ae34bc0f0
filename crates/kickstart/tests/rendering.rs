//! Rendering: golden JSON per generation, base64, determinism, generation-specific shapes.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::*;
use kickstart::{InstallerGeneration, Kickstart};
use serde_json::{Value, json};

fn golden_path(generation: InstallerGeneration, kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{generation}-{kind}.json"))
}

/// Compares the rendered JSON with the golden file. The file holds the compact JSON plus a newline.
/// `UPDATE_GOLDEN=1` rewrites the files instead (review the diff before committing).
fn check_golden(kickstart: &Kickstart, generation: InstallerGeneration, kind: &str) {
    let rendered = kickstart
        .to_json(generation)
        .unwrap_or_else(|errors| panic!("{kind} is valid: {errors:#?}"));
    let path = golden_path(generation, kind);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, format!("{rendered}\n")).expect("golden file is writable");
        return;
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    assert_eq!(rendered, golden.trim_end(), "{} differs", path.display());
}

#[test]
fn golden_minimal_per_generation() {
    for generation in InstallerGeneration::ALL {
        check_golden(&minimal(generation), generation, "minimal");
    }
}

#[test]
fn golden_full_per_generation() {
    for generation in InstallerGeneration::ALL {
        check_golden(&full(generation), generation, "full");
    }
}

#[test]
fn full_fixtures_cover_every_field() {
    let mut set = BTreeSet::new();
    for generation in InstallerGeneration::ALL {
        let Value::Object(map) = serde_json::to_value(full(generation)).expect("serialises") else {
            panic!("object expected");
        };
        set.extend(map.keys().cloned());
    }
    let all: BTreeSet<String> = fields_of::<Kickstart>()
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    assert_eq!(
        set, all,
        "every top-level field appears in some full fixture"
    );
}

#[test]
fn base64_round_trips_to_the_json() {
    for generation in InstallerGeneration::ALL {
        let kickstart = full(generation);
        let encoded = kickstart.to_base64(generation).expect("valid");
        let decoded = STANDARD.decode(&encoded).expect("standard base64");
        let json = kickstart.to_json(generation).expect("valid");
        assert_eq!(String::from_utf8(decoded).expect("utf-8"), json);
        let reparsed: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(reparsed, kickstart.render(generation).expect("valid"));
    }
}

#[test]
fn base64_is_standard_alphabet_with_padding() {
    // "{}"-sized inputs are not possible (a disk is required), so check the shape on a real one.
    let encoded = minimal(Poi27).to_base64(Poi27).expect("valid");
    assert_eq!(encoded.len() % 4, 0);
    assert!(
        encoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
    );
}

#[test]
fn output_is_compact_sorted_and_stable() {
    let kickstart = full(PoiMaster);
    let first = kickstart.to_json(PoiMaster).expect("valid");
    assert_eq!(first, kickstart.clone().to_json(PoiMaster).expect("valid"));
    assert!(!first.contains('\n') && !first.contains(": ") && !first.contains(", "));
    // Keys of the top-level object come out sorted.
    let Value::Object(map) = serde_json::from_str::<Value>(&first).expect("json") else {
        panic!("object expected");
    };
    let keys: Vec<&String> = map.keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(first.starts_with(r#"{"additional_files":"#));
}

#[test]
fn render_refuses_invalid_kickstarts_with_all_errors() {
    let kickstart = decode(json!({ "hostname": "1bad", "password": {}, "packages": ["minimal"] }));
    let errors = kickstart.render(Poi27).expect_err("invalid");
    assert!(errors.len() >= 3, "{errors:#?}");
    assert_eq!(kickstart.to_json(Poi27).expect_err("invalid"), errors);
    assert_eq!(kickstart.to_base64(Poi27).expect_err("invalid"), errors);
}

#[test]
fn password_renders_with_the_crypted_flag() {
    let plain = minimal(Poi27).render(Poi27).expect("valid");
    assert_eq!(
        plain["password"],
        json!({ "crypted": false, "text": "changeme" })
    );
    let hashed = decode(merged(
        minimal_json(Poi27),
        json!({ "password": { "crypted": SHA512_HASH, "age": 90 } }),
    ));
    assert_eq!(
        hashed.render(Poi27).expect("valid")["password"],
        json!({ "age": 90, "crypted": true, "text": SHA512_HASH })
    );
}

#[test]
fn public_key_shape_follows_the_generation() {
    let with_key = |generation| {
        decode(merged(
            minimal_json(generation),
            json!({ "public_key": SSH_KEY }),
        ))
    };
    assert_eq!(
        with_key(Poi27).render(Poi27).expect("valid")["public_key"],
        json!(SSH_KEY)
    );
    assert_eq!(
        with_key(Photon3).render(Photon3).expect("valid")["public_key"],
        json!(SSH_KEY)
    );
    let master = decode(merged(
        minimal_json(PoiMaster),
        json!({ "public_key": SSH_KEY, "public_key_reason": "ci" }),
    ));
    assert_eq!(
        master.render(PoiMaster).expect("valid")["public_key"],
        json!({ "key": SSH_KEY, "reason": "ci" })
    );
}

#[test]
fn renamed_keys_per_generation() {
    let photon3 = full(Photon3).render(Photon3).expect("valid");
    assert_eq!(photon3["partitions"][1]["fs_options"], json!("-L boot"));
    assert!(photon3["partitions"][1].get("mkfs_options").is_none());
    assert_eq!(photon3["postinstallscripts"], json!(["harden.sh"]));

    let poi = full(Poi27).render(Poi27).expect("valid");
    assert_eq!(poi["partitions"][1]["mkfs_options"], json!("-n EFI"));
    assert_eq!(poi["partitions"][2]["fs_options"], json!("nodev,nosuid"));
    assert_eq!(poi["partitions"][2]["sizepercent"], json!(20));
    assert_eq!(poi["preinstallscripts"], json!(["find-disk.sh"]));
    assert_eq!(poi["network"]["version"], json!("2"));
    assert_eq!(poi["network"]["ethernets"]["id1"]["accept-ra"], json!(true));
    assert_eq!(poi["docker"]["images"][0]["drop-tag"], json!(true));
    assert_eq!(poi["ansible"][0]["extra-vars"], json!(["env=lab"]));
    assert_eq!(poi["repos"]["updates"]["gpgcheck"], json!(1));
    assert_eq!(poi["repos"]["local"]["gpgcheck"], json!(0));
    assert_eq!(
        poi["additional_files"][0],
        json!({ "resizefs.sh": "/usr/local/bin/resizefs.sh" })
    );

    let master = full(PoiMaster).render(PoiMaster).expect("valid");
    assert_eq!(master["prepkgsinstallscripts"], json!(["pre-pkgs.sh"]));
}

#[test]
fn legacy_network_renders_vlan_id_as_string_and_defaults_filesystem() {
    let kickstart = decode(merged(
        minimal_json(Poi27),
        json!({
            "network": { "type": "vlan", "vlan_id": 100 },
            "partitions": [{ "mountpoint": "/", "size": 0 }]
        }),
    ));
    let value = kickstart.render(Poi27).expect("valid");
    assert_eq!(
        value["network"],
        json!({ "type": "vlan", "vlan_id": "100" })
    );
    assert_eq!(
        value["partitions"],
        json!([{ "filesystem": "ext4", "mountpoint": "/", "size": 0 }])
    );
}
