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
        .args(["start", "builder", "--protobuf", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("builder \"nope\"")
    );
}

#[test]
fn install_script_lays_out_both_generations_idempotently() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let install = || {
        let out = Command::new(root.join("scripts/install-packer-plugin"))
            .args(["--binary", env!("CARGO_BIN_EXE_packer-plugin-photon")])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    // A stale older version of ours must not survive (Packer 1.11+ picks the highest).
    let namespace = dir.path().join("github.com/photon-iac/photon");
    std::fs::create_dir_all(&namespace).unwrap();
    std::fs::write(
        namespace.join("packer-plugin-photon_v0.0.1_x5.0_linux_amd64"),
        "old",
    )
    .unwrap();
    install();
    install();

    let version = env!("CARGO_PKG_VERSION");
    let name = format!("packer-plugin-photon_v{version}_x5.0_linux_amd64");
    let mut files: Vec<String> = std::fs::read_dir(&namespace)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, vec![name.clone(), format!("{name}_SHA256SUM")]);
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    top.sort();
    assert_eq!(top, vec!["github.com", "packer-plugin-photon"]);

    let binary = namespace.join(&name);
    let original = std::fs::read(env!("CARGO_BIN_EXE_packer-plugin-photon")).unwrap();
    assert_eq!(std::fs::read(&binary).unwrap(), original);
    assert_eq!(
        std::fs::read(dir.path().join("packer-plugin-photon")).unwrap(),
        original
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&binary).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let sum_file = namespace.join(format!("{name}_SHA256SUM"));
    assert_eq!(
        std::fs::metadata(&sum_file).unwrap().permissions().mode() & 0o777,
        0o644
    );
    // Bare lowercase hex, no newline, equal to the binary's SHA-256.
    let sum = std::fs::read_to_string(&sum_file).unwrap();
    let expected = Command::new("sha256sum").arg(&binary).output().unwrap();
    let expected = String::from_utf8(expected.stdout).unwrap();
    assert_eq!(sum, expected.split_whitespace().next().unwrap());
    assert_eq!(sum.len(), 64);

    // What Packer 1.7+ checks: describe's version and api_version match the file name.
    let out = Command::new(&binary).arg("describe").output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        format!(
            "packer-plugin-photon_v{}_{}_linux_amd64",
            json["version"].as_str().unwrap(),
            json["api_version"].as_str().unwrap()
        ),
        name
    );
    assert_eq!(json["protocol_version"], "v2");
    assert_eq!(json["builders"], serde_json::json!(["clone", "iso"]));
    assert_eq!(json["post_processors"], serde_json::json!(["template"]));
    assert_eq!(json["datasources"], serde_json::json!([]));
}

#[test]
fn a_bare_launch_under_another_name_is_refused_without_a_handshake_line() {
    let out = plugin()
        .env(
            "PACKER_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("single-component launch")
    );
}

/// Starts `start builder iso` as Packer would, reads the handshake line, connects and asks
/// `Builder.ConfigSpec`; returns the line's fields, the spec bytes and stderr.
fn start_and_fetch_spec(handshake: Option<&str>, protobuf: bool) -> (Vec<String>, Vec<u8>, String) {
    use packer_sdk::packer_rpc::netrpc::{Client, Value};
    use packer_sdk::packer_rpc::{Broker, Session};
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let mut command = plugin();
    command
        .env(
            "PACKER_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env_remove("PACKER_PLUGIN_PHOTON_HANDSHAKE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(form) = handshake {
        command.env("PACKER_PLUGIN_PHOTON_HANDSHAKE", form);
    }
    command.args(["start", "builder"]);
    if protobuf {
        command.arg("--protobuf");
    }
    command.arg("iso");
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<String> = line.trim_end().split('|').map(str::to_owned).collect();
    let path = fields.last().unwrap().clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let spec = runtime.block_on(async {
        let conn = tokio::net::UnixStream::connect(&path).await.unwrap();
        let (session, incoming) = Session::client(conn);
        let broker = Broker::new(session.clone(), incoming);
        let main = Client::new(broker.dial(0).await.unwrap());
        let reply = main.call("Builder.ConfigSpec", Value::Nil).await.unwrap();
        let bytes = reply
            .get("ConfigSpec")
            .unwrap()
            .as_bytes()
            .unwrap()
            .to_vec();
        session.close().await;
        bytes
    });
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (fields, spec, stderr)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn start_prints_the_chosen_handshake_and_encodes_the_spec_to_match() {
    // Legacy (Packer 1.6.6): 3 fields and the Debian vendored gob name for nested blocks.
    let (fields, spec, _) = start_and_fetch_spec(Some("legacy"), false);
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert_eq!(&fields[..2], ["5", "unix"]);
    assert!(contains(
        &spec,
        "github.com/hashicorp/packer/vendor/github.com/hashicorp/hcl/v2/hcldec.ObjectSpec"
    ));

    // 1.7+ without --protobuf: 4 fields and upstream gob names.
    let (fields, spec, _) = start_and_fetch_spec(Some("v5.0"), false);
    assert_eq!(&fields[..3], ["5", "0", "unix"]);
    assert!(contains(
        &spec,
        "github.com/hashicorp/hcl/v2/hcldec.ObjectSpec"
    ));
    assert!(!contains(&spec, "/vendor/"));

    // --protobuf: a protobuf Spec holding the kickstart block.
    let (_, spec, _) = start_and_fetch_spec(Some("v5.0"), true);
    let decoded = packer_sdk::hcl_spec::decode_protobuf(&spec).unwrap();
    assert!(decoded.entries.contains_key("kickstart"), "{decoded:?}");
    assert!(decoded.entries.contains_key("packer_build_name"));

    // No override and a parent that is not Packer (this test): modern line, said on stderr.
    let (fields, _, stderr) = start_and_fetch_spec(None, false);
    assert_eq!(fields.len(), 4, "{fields:?}");
    assert!(
        stderr.contains("cannot tell the parent Packer's version"),
        "{stderr}"
    );
}
