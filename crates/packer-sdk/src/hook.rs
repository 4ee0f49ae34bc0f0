//! Packer's Hook (reference §4.5): `Hook.Run` runs the provisioners. The plugin allocates and
//! accepts the stream named in the call and serves there the Ui (forwarded to Packer's) and the
//! build's [`Communicator`], if it has one.

use std::sync::Arc;

use packer_rpc::Broker;
use packer_rpc::netrpc::{CallError, Client, Request, Server, Value};
use tokio_util::sync::CancellationToken;

use crate::communicator::{self, Communicator};
use crate::convert::json_to_value;

/// What every Communicator call answers when the build has no communicator
/// (`communicator = "none"`): only provisioners that need no machine (shell-local) can run.
pub const NO_COMMUNICATOR: &str = "this build has no communicator";

/// Packer's hook, reached over RPC on the Ui stream of Builder.Run.
#[derive(Clone, Debug)]
pub struct Hook {
    client: Client,
    broker: Broker,
}

fn rpc_error(error: CallError) -> String {
    match error {
        CallError::Server(text) => text,
        other => other.to_string(),
    }
}

impl Hook {
    /// A hook calling `Hook.*` on `client`; `broker` allocates the provisioners' stream.
    pub fn new(client: Client, broker: Broker) -> Self {
        Self { client, broker }
    }

    /// Runs hook `name` (`packer_provision`) with the generated `data` (`build.*`), serving
    /// `communicator` to the provisioners. When `cancel` fires meanwhile, Packer is told
    /// (`Hook.Cancel`) and the call still waits for Packer's answer, as the Go SDK does.
    pub async fn run(
        &self,
        name: &str,
        data: serde_json::Map<String, serde_json::Value>,
        communicator: Option<Arc<dyn Communicator>>,
        cancel: &CancellationToken,
    ) -> Result<(), String> {
        let id = self.broker.next_id();
        let server = forwarding_server(self.client.clone());
        match communicator {
            Some(communicator) => {
                communicator::register(&server, communicator, self.broker.clone())
            }
            None => {
                server.register_fn("Communicator", |_request: Request| async {
                    Err(NO_COMMUNICATOR.to_owned())
                });
            }
        }
        let broker = self.broker.clone();
        let served = server.clone();
        let serving = tokio::spawn(async move {
            match broker.accept(id).await {
                Ok(stream) => {
                    if let Err(error) = server.serve(stream).await {
                        tracing::debug!("hook stream {id} ended: {error}");
                    }
                }
                Err(error) => tracing::warn!("Packer never dialed the hook stream: {error}"),
            }
            // Break the cycle between the server and its Ui forwarder.
            server.unregister("Ui");
        });
        let args = Value::record([
            ("Name", Value::from(name)),
            ("Data", json_to_value(&serde_json::Value::Object(data))),
            ("StreamId", Value::Uint(u64::from(id))),
        ]);
        let call = self.client.call("Hook.Run", args);
        tokio::pin!(call);
        let result = tokio::select! {
            result = &mut call => result,
            () = cancel.cancelled() => {
                if let Err(error) = self.client.call("Hook.Cancel", Value::Nil).await {
                    tracing::warn!("Hook.Cancel failed: {error}");
                }
                call.await
            }
        };
        // Provisioning is over: stop serving and break the Ui forwarder's cycle, so that the
        // communicator (an SSH session…) is released now, not when Packer closes the stream.
        serving.abort();
        served.unregister("Communicator");
        served.unregister("Ui");
        result.map(|_| ()).map_err(rpc_error)
    }
}

/// The server for the provisioners' stream, with the Ui forwarded to `ui`.
fn forwarding_server(ui: Client) -> Server {
    let server = Server::new();
    let registry = server.clone();
    server.register_fn("Ui", move |request: Request| {
        let ui = ui.clone();
        let registry = registry.clone();
        async move {
            let method = format!("Ui.{}", request.method);
            let reply = ui.call(&method, request.args).await.map_err(rpc_error)?;
            if request.method == "NewTrackProgress"
                && let Some(id) = reply.as_str()
            {
                // Packer names the tracker's service "Ui" + id; forward it too.
                let service = format!("Ui{id}");
                let forward = ui.clone();
                let name = service.clone();
                registry.register_fn(service, move |request: Request| {
                    let forward = forward.clone();
                    let method = format!("{name}.{}", request.method);
                    async move { forward.call(&method, request.args).await.map_err(rpc_error) }
                });
            }
            Ok(reply)
        }
    });
    server
}
