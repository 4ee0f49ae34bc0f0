//! How the binary answers Packer's discovery and launches by hand.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn plugin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_packer-plugin-photon"));
    command.env_remove("PACKER_PLUGIN_MAGIC_COOKIE");
    command
}

#[test]
fn version_flag_prints_the_crate_version() {
    let out = plugin().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("packer-plugin-photon {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn describe_works_without_the_cookie_and_has_the_sdk_keys() {
    let out = plugin().arg("describe").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with('\n'));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["api_version"], "x5.0");
    for key in ["builders", "post_processors", "provisioners", "datasources"] {
        assert!(json[key].is_array(), "{key} in {text}");
    }
    // The SDK's key order; the JSON value above is a sorted map, so look at the text.
    let position = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    assert!(position("version") < position("sdk_version"), "{text}");
    assert!(position("sdk_version") < position("api_version"), "{text}");
}

#[test]
fn describe_ignores_the_protobuf_flag() {
    let out = plugin().args(["--protobuf", "describe"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn start_without_the_cookie_is_refused_with_the_sdk_message() {
    for args in [&["start", "builder", "iso"][..], &[][..]] {
        let out = plugin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            out.stdout.is_empty(),
            "stdout is reserved for the handshake line"
        );
        assert!(
            String::from_utf8(out.stderr)
                .unwrap()
                .contains("Please do not execute plugins directly."),
            "{args:?}"
        );
    }
}

#[test]
fn start_of_an_unknown_component_fails_without_a_handshake_line() {
    let out = plugin()
        .env(
            "PACKER_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .args(["start", "builder", "--protobuf", "iso"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("builder \"iso\"")
    );
}
