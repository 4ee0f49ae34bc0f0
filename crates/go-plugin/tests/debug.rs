//! Debug mode in-process: the `TF_REATTACH_PROVIDERS` value and a plaintext client using it.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{channel, go_plugin_client_cert, health, schema_description, start};
use go_plugin::{Mode, PluginEnv};
use tonic_health::pb::health_check_response::ServingStatus;

const ADDRESS: &str = "registry.terraform.io/photon-iac/fake";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_reattach_config_and_serves_plaintext() {
    // No cookie; a stray client certificate in the environment is ignored: reattach is plaintext.
    let stray = go_plugin_client_cert();
    let env = PluginEnv {
        client_cert: Some(stray.pem),
        ..PluginEnv::default()
    };
    let mut server = start(
        Mode::Debug {
            provider_address: ADDRESS.to_owned(),
        },
        env,
    );

    let mut hint = Vec::new();
    let reattach = loop {
        let printed = server.next_line().await;
        if let Some(value) = printed.line.strip_prefix("TF_REATTACH_PROVIDERS='") {
            assert!(
                printed.socket_was_listening,
                "socket listens before the line is printed"
            );
            break value.strip_suffix("'\n").unwrap().to_owned();
        }
        hint.push(printed.line);
    };
    assert!(
        hint.concat().contains("debug mode"),
        "a short human hint: {hint:?}"
    );

    let value: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let providers = value.as_object().unwrap();
    assert_eq!(providers.len(), 1);
    let config = &providers[ADDRESS];
    assert_eq!(config["Protocol"], "grpc");
    assert_eq!(
        config["ProtocolVersion"], 6,
        "the highest supported version"
    );
    assert_eq!(config["Pid"], std::process::id());
    assert_eq!(config["Test"], true);
    assert_eq!(config["Addr"]["Network"], "unix");
    let path = PathBuf::from(config["Addr"]["String"].as_str().unwrap());
    assert_eq!(server.versions_asked.recv().await, Some(6));

    let channel = channel(&path, None).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    assert_eq!(
        schema_description(&channel, 6).await.unwrap(),
        common::fake::DESCRIPTION
    );

    server.stop.take().unwrap().send(()).unwrap();
    server.finished().await.unwrap();
    assert!(!path.exists(), "socket file removed on exit");
}
