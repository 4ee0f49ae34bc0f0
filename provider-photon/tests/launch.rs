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

#[test]
fn with_the_cookie_it_prints_nothing_on_stdout_before_it_can_serve() {
    let out = provider()
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "no handshake line may be printed without a server"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let log_line = stderr.lines().find(|line| line.starts_with('{')).unwrap();
    assert!(log_line.contains(r#""@level":"error""#), "{log_line}");
}
