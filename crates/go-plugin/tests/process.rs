//! `go_plugin::main` as a real process (the `fake-provider` binary): exit codes, the message for
//! a binary run by hand, signals.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{PATIENCE, channel, health};
use go_plugin::TERRAFORM;
use tfplugin_proto::plugin::grpc_controller_client::GrpcControllerClient;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tonic_health::pb::health_check_response::ServingStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_fake-provider");

/// go-plugin's message, exactly, with its final newline.
const NOT_A_COMMAND: &str = "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically\n";

/// The binary with none of go-plugin's variables inherited from the test's environment.
fn command(socket_dir: &std::path::Path) -> Command {
    let mut command = Command::new(BINARY);
    for name in [
        TERRAFORM.cookie_key,
        "PLUGIN_PROTOCOL_VERSIONS",
        "PLUGIN_CLIENT_CERT",
        "PLUGIN_UNIX_SOCKET_DIR",
    ] {
        command.env_remove(name);
    }
    command
        .env("TMPDIR", socket_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    tokio::time::timeout(PATIENCE, lines.next_line())
        .await
        .expect("the plugin prints in time")
        .unwrap()
        .expect("stdout still open")
}

async fn exit_code(child: &mut Child) -> Option<i32> {
    tokio::time::timeout(PATIENCE, child.wait())
        .await
        .expect("the plugin exits in time")
        .unwrap()
        .code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_by_hand_prints_go_plugins_message_and_exits_1() {
    let socket_dir = tempfile::tempdir().unwrap();
    for cookie in [None, Some("wrong")] {
        let mut command = command(socket_dir.path());
        if let Some(cookie) = cookie {
            command.env(TERRAFORM.cookie_key, cookie);
        }
        let output = tokio::time::timeout(PATIENCE, command.output())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "cookie {cookie:?}");
        assert_eq!(String::from_utf8(output.stderr).unwrap(), NOT_A_COMMAND);
        assert!(output.stdout.is_empty(), "nothing on stdout");
    }
    assert_eq!(std::fs::read_dir(socket_dir.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_ignores_sigint_and_exits_0_after_shutdown() {
    let socket_dir = tempfile::tempdir().unwrap();
    let mut child = command(socket_dir.path())
        .env(TERRAFORM.cookie_key, TERRAFORM.cookie_value)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = common::HandshakeLine::parse(&format!("{}\n", next_line(&mut stdout).await));
    assert_eq!(line.app_version, "6");
    assert!(
        line.path.starts_with(socket_dir.path()),
        "socket in $TMPDIR"
    );

    signal(&child, "INT");
    signal(&child, "INT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGINT must not stop a managed plugin"
    );

    let channel = channel(&line.path, None).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    GrpcControllerClient::new(channel)
        .shutdown(tfplugin_proto::plugin::Empty {})
        .await
        .unwrap();
    assert_eq!(exit_code(&mut child).await, Some(0));
    assert!(!line.path.exists(), "socket file removed on exit");
    assert_eq!(
        stdout.next_line().await.unwrap(),
        None,
        "nothing after the handshake line"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_stops_on_sigint_and_sigterm() {
    for signal_name in ["INT", "TERM"] {
        let socket_dir = tempfile::tempdir().unwrap();
        let mut child = command(socket_dir.path())
            .args(["--debug", "registry.terraform.io/photon-iac/fake"])
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let reattach = loop {
            let line = next_line(&mut stdout).await;
            if let Some(value) = line.strip_prefix("TF_REATTACH_PROVIDERS='") {
                break value.strip_suffix('\'').unwrap().to_owned();
            }
        };
        let value: serde_json::Value = serde_json::from_str(&reattach).unwrap();
        let config = &value["registry.terraform.io/photon-iac/fake"];
        assert_eq!(config["Pid"], child.id().unwrap());
        let path = PathBuf::from(config["Addr"]["String"].as_str().unwrap());

        let channel = channel(&path, None).await.unwrap();
        assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);

        signal(&child, signal_name);
        assert_eq!(exit_code(&mut child).await, Some(0), "SIG{signal_name}");
        assert!(!path.exists(), "socket file removed after SIG{signal_name}");
    }
}
