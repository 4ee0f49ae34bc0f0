//! How the binary behaves when launched by hand and by a go-plugin host.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn provider() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_terraform-provider-photon"));
    command.env_remove("TF_PLUGIN_MAGIC_COOKIE");
    command
}

#[test]
fn version_flag_prints_the_crate_version() {
    let out = provider().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("terraform-provider-photon {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn run_by_hand_it_says_it_is_a_plugin_and_exits_1() {
    let out = provider().output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "stdout is reserved for the handshake line"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("This binary is a plugin. These are not meant to be executed directly."),
        "{stderr}"
    );
}

#[test]
fn a_wrong_cookie_is_refused_like_a_missing_one() {
    let out = provider()
        .env("TF_PLUGIN_MAGIC_COOKIE", "not-the-cookie")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("This binary is a plugin.")
    );
}

/// Starts the provider as Terraform would (without AutoMTLS) and returns its handshake line.
fn handshake(protocols: Option<&str>) -> String {
    use std::io::BufRead;
    let mut command = provider();
    command
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if let Some(protocols) = protocols {
        command.env("TFSDK_PROTOCOL_VERSIONS", protocols);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    line
}

#[test]
fn with_the_cookie_it_prints_the_go_plugin_handshake_for_protocol_6() {
    let line = handshake(None);
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "{line:?}");
    assert_eq!(fields[..3], ["1", "6", "unix"], "{line:?}");
    assert_eq!(fields[4], "grpc");
    assert_eq!(fields[5], "", "no client certificate, no TLS");
}

#[test]
fn it_can_be_limited_to_protocol_5() {
    let line = handshake(Some("5"));
    assert!(line.starts_with("1|5|unix|"), "{line:?}");
}

#[test]
fn a_protocol_limit_it_cannot_meet_is_an_error() {
    let out = provider()
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("TFSDK_PROTOCOL_VERSIONS", "7")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("TFSDK_PROTOCOL_VERSIONS")
    );
}
