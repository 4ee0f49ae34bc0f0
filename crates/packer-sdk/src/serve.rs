//! Serving one Packer connection (reference §3–§4): yamux server, broker, net/rpc on broker
//! id 0 with the component's service, until the session ends.

use std::sync::{Arc, Mutex};

use hcl_spec::GobFlavor;
use packer_rpc::netrpc::{Client, Request, Server, Value};
use packer_rpc::{Broker, BrokerError, Session};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

use crate::artifact::serve_artifact;
use crate::fields::with_packer_keys;
use crate::{Component, ConfigError, Hook, RawConfigs, RemoteArtifact, Ui};

/// How `ConfigSpec` replies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecEncoding {
    /// Go gob, in the flavour of the Packer build (1.6.6, or modern without `--protobuf`).
    Gob(GobFlavor),
    /// Protocol v2 protobuf (`--protobuf` was in argv).
    Protobuf,
}

/// Per-connection choices made at launch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// The ConfigSpec encoding.
    pub spec_encoding: SpecEncoding,
}

/// Why serving a connection failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Packer never opened the main stream (broker id 0).
    #[error("main stream: {0}")]
    Broker(#[from] BrokerError),
    /// The main stream broke.
    #[error("main rpc stream: {0}")]
    Rpc(#[from] packer_rpc::netrpc::ServeError),
}

/// Serves `component` on Packer's connection `conn` (the plugin is the yamux server) until
/// the session ends. Used by [`crate::Plugin::main`] and by in-process tests playing Packer.
pub async fn serve_connection<C>(
    conn: C,
    component: Component,
    options: ServeOptions,
) -> Result<(), ConnectionError>
where
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (session, incoming) = Session::server(conn);
    let broker = Broker::new(session.clone(), incoming);
    let main = broker.accept(0).await?;
    let server = Server::new();
    let state = Arc::new(State {
        component: component.clone(),
        broker: broker.clone(),
        options,
        running: Mutex::new(None),
    });
    let service = match component {
        Component::Builder(_) => "Builder",
        Component::PostProcessor(_) => "PostProcessor",
    };
    server.register_fn(service, move |request: Request| {
        let state = state.clone();
        async move { state.call(request).await }
    });
    let served = server.serve(main).await;
    // Artifacts may still be queried on their own streams: stay until Packer hangs up.
    let _ = session.closed().await;
    served.map_err(ConnectionError::from)
}

struct State {
    component: Component,
    broker: Broker,
    options: ServeOptions,
    // The token of the Run/PostProcess in flight, fired by Cancel.
    running: Mutex<Option<CancellationToken>>,
}

/// Go's `BasicError`: `{Message}` or nil.
fn basic_error(message: Option<String>) -> Value {
    message.map_or(Value::Nil, |m| Value::record([("Message", Value::Str(m))]))
}

fn strings_or_nil(items: Vec<String>) -> Value {
    if items.is_empty() {
        Value::Nil
    } else {
        Value::strings(items)
    }
}

fn configs(args: &Value) -> Result<RawConfigs, ConfigError> {
    let list = match args.get("Configs") {
        None | Some(Value::Nil) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(ConfigError::new(
                "",
                format!("Configs is not a list: {other}"),
            ));
        }
    };
    RawConfigs::from_values(list)
}

impl State {
    async fn call(self: Arc<Self>, request: Request) -> Result<Value, String> {
        match (&self.component, request.method.as_str()) {
            (_, "ConfigSpec") => self.config_spec(),
            (_, "Cancel") => {
                if let Some(token) = self.lock_running().as_ref() {
                    token.cancel();
                }
                Ok(Value::Nil)
            }
            (Component::Builder(builder), "Prepare") => {
                let reply = match configs(&request.args) {
                    Ok(raw) => builder.prepare(&raw).await,
                    Err(error) => Err(error),
                };
                Ok(match reply {
                    Ok(prepared) => Value::record([
                        ("GeneratedVars", strings_or_nil(prepared.generated_vars)),
                        ("Warnings", strings_or_nil(prepared.warnings)),
                        ("Error", Value::Nil),
                    ]),
                    Err(error) => Value::record([
                        ("GeneratedVars", Value::Nil),
                        ("Warnings", Value::Nil),
                        ("Error", basic_error(Some(error.to_string()))),
                    ]),
                })
            }
            (Component::Builder(builder), "Run") => {
                let client = self.dial_peer(&request.args).await?;
                let ui = Ui::new(client.clone());
                let hook = Hook::new(client, self.broker.clone());
                let token = self.start_run();
                let result = builder.run(&ui, &hook, token).await;
                self.lock_running().take();
                match result? {
                    Some(artifact) => Ok(Value::Uint(u64::from(serve_artifact(
                        &self.broker,
                        artifact,
                    )))),
                    None => Ok(Value::Uint(0)),
                }
            }
            (Component::PostProcessor(pp), "Configure") => {
                let raw = configs(&request.args).map_err(|e| e.to_string())?;
                pp.configure(&raw)
                    .await
                    .map(|()| Value::Nil)
                    .map_err(|e| e.to_string())
            }
            (Component::PostProcessor(pp), "PostProcess") => {
                let client = self.dial_peer(&request.args).await?;
                let ui = Ui::new(client.clone());
                let input = RemoteArtifact::new(client);
                let token = self.start_run();
                let result = pp.post_process(&ui, &input, token).await;
                self.lock_running().take();
                Ok(match result {
                    Ok(done) => {
                        let id = done
                            .artifact
                            .map_or(0, |artifact| serve_artifact(&self.broker, artifact));
                        Value::record([
                            ("Err", Value::Nil),
                            ("Keep", Value::Bool(done.keep)),
                            ("ForceOverride", Value::Bool(done.force_override)),
                            ("StreamId", Value::Uint(u64::from(id))),
                        ])
                    }
                    Err(message) => Value::record([
                        ("Err", basic_error(Some(message))),
                        ("Keep", Value::Bool(false)),
                        ("ForceOverride", Value::Bool(false)),
                        ("StreamId", Value::Uint(0)),
                    ]),
                })
            }
            _ => Err(request.unknown_method()),
        }
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, Option<CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn start_run(&self) -> CancellationToken {
        let token = CancellationToken::new();
        *self.lock_running() = Some(token.clone());
        token
    }

    /// Dials the broker id Packer passed (where it serves Ui/Hook or Artifact/Ui).
    async fn dial_peer(&self, args: &Value) -> Result<Client, String> {
        let id = args
            .as_u32()
            .ok_or_else(|| format!("expected a broker id, got {args}"))?;
        let stream = self
            .broker
            .dial(id)
            .await
            .map_err(|e| format!("dialing Packer's stream {id}: {e}"))?;
        Ok(Client::new(stream))
    }

    fn config_spec(&self) -> Result<Value, String> {
        let spec = match &self.component {
            Component::Builder(b) => b.config_spec(),
            Component::PostProcessor(p) => p.config_spec(),
        };
        let spec = with_packer_keys(spec);
        let bytes = match self.options.spec_encoding {
            SpecEncoding::Gob(flavor) => hcl_spec::encode_gob(&spec, flavor),
            SpecEncoding::Protobuf => hcl_spec::encode_protobuf(&spec),
        }
        .map_err(|e| {
            // Packer panics on a ConfigSpec error; say why in its log first.
            tracing::error!("cannot encode the ConfigSpec: {e}");
            format!("ConfigSpec: {e}")
        })?;
        Ok(Value::record([("ConfigSpec", Value::Bin(bytes))]))
    }
}
