//! Test helpers that play Terraform's side of go-plugin: a go-plugin-style client certificate, a
//! handshake reader, and gRPC clients over the plugin's Unix socket.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod fake;

use std::time::Duration;

use go_plugin::{Mode, PluginEnv, ServeError, ServeOptions, TERRAFORM};
pub use go_plugin_host::*;
use tfplugin_proto::plugin::grpc_broker_client::GrpcBrokerClient;
use tfplugin_proto::plugin::grpc_controller_client::GrpcControllerClient;
use tfplugin_proto::plugin::grpc_stdio_client::GrpcStdioClient;
use tfplugin_proto::{tfplugin5, tfplugin6};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// A server running in a task of the test's runtime.
pub struct Running {
    pub printed: mpsc::UnboundedReceiver<Printed>,
    pub versions_asked: mpsc::UnboundedReceiver<u32>,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), ServeError>>,
    /// Keeps the socket directory alive.
    pub socket_dir: tempfile::TempDir,
}

impl Running {
    pub async fn next_line(&mut self) -> Printed {
        tokio::time::timeout(PATIENCE, self.printed.recv())
            .await
            .expect("the server prints in time")
            .expect("the server is still running")
    }

    pub async fn finished(self) -> Result<(), ServeError> {
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("serve returns in time")
            .unwrap()
    }
}

/// Terraform's environment: the right cookie, the given versions and client certificate.
pub fn terraform_env(
    protocol_versions: Option<&str>,
    client_cert: Option<&ClientCert>,
) -> PluginEnv {
    PluginEnv {
        cookie: Some(TERRAFORM.cookie_value.to_owned()),
        protocol_versions: protocol_versions.map(str::to_owned),
        client_cert: client_cert.map(|cert| cert.pem.clone()),
        socket_dir: None,
    }
}

/// Starts `serve_with` for the fake provider (versions 5 and 6) in a task.
pub fn start(mode: Mode, mut env: PluginEnv) -> Running {
    let socket_dir = tempfile::tempdir().unwrap();
    env.socket_dir = Some(socket_dir.path().to_owned());
    let (sink, printed) = LineSink::new();
    let (versions_tx, versions_asked) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ServeOptions {
        handshake: TERRAFORM,
        versions: vec![5, 6],
        mode,
    };
    let task = tokio::spawn(go_plugin::serve_with(
        options,
        env,
        sink,
        move |version| {
            let _ = versions_tx.send(version);
            fake::routes(version)
        },
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        printed,
        versions_asked,
        stop: Some(stop),
        task,
        socket_dir,
    }
}

/// The description in the fake provider's schema, asked with the protocol's own RPC.
pub async fn schema_description(channel: &Channel, version: u32) -> Result<String, tonic::Status> {
    if version == 6 {
        let response = tfplugin6::provider_client::ProviderClient::new(channel.clone())
            .get_provider_schema(tfplugin6::get_provider_schema::Request {})
            .await?;
        Ok(response
            .into_inner()
            .provider
            .unwrap()
            .block
            .unwrap()
            .description)
    } else {
        let response = tfplugin5::provider_client::ProviderClient::new(channel.clone())
            .get_schema(tfplugin5::get_provider_schema::Request {})
            .await?;
        Ok(response
            .into_inner()
            .provider
            .unwrap()
            .block
            .unwrap()
            .description)
    }
}

/// Does what go-plugin's client does on connect and close: opens the stdio and broker streams,
/// checks they stay open and silent, calls `Shutdown`, and checks the streams end afterwards.
pub async fn go_plugin_session(channel: &Channel) {
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    let (_broker_tx, broker_rx) = mpsc::channel(1);
    let mut broker = GrpcBrokerClient::new(channel.clone())
        .start_stream(tokio_stream::wrappers::ReceiverStream::new(broker_rx))
        .await
        .unwrap()
        .into_inner();
    let quiet = tokio::time::timeout(Duration::from_millis(300), stdio.message()).await;
    assert!(
        quiet.is_err(),
        "stdio stays open and sends nothing: {quiet:?}"
    );
    let quiet = tokio::time::timeout(Duration::from_millis(100), broker.message()).await;
    assert!(
        quiet.is_err(),
        "broker stays open and sends nothing: {quiet:?}"
    );

    GrpcControllerClient::new(channel.clone())
        .shutdown(tfplugin_proto::plugin::Empty {})
        .await
        .unwrap();

    let ended = tokio::time::timeout(PATIENCE, stdio.message())
        .await
        .unwrap();
    assert!(
        matches!(ended, Ok(None) | Err(_)),
        "stdio ends at shutdown: {ended:?}"
    );
}
