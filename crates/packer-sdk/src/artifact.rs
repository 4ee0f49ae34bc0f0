//! Artifacts: ours served to Packer (reference §4.3), and the input of a post-processor read
//! over RPC.

use std::sync::Arc;

use async_trait::async_trait;
use packer_rpc::Broker;
use packer_rpc::netrpc::{CallError, Client, Server, Value};

use crate::convert::{json_to_value, value_to_json};

/// What a build produced.
#[async_trait]
pub trait Artifact: Send + Sync + 'static {
    /// Identifies the producer (post-processors check it).
    fn builder_id(&self) -> String;
    /// The artifact's id.
    fn id(&self) -> String;
    /// Human-readable description (`--> name: <String>`).
    fn string(&self) -> String;
    /// Local files making up the artifact.
    fn files(&self) -> Vec<String>;
    /// Extra state; `generated_data` must be a map with string keys.
    fn state(&self, key: &str) -> Option<serde_json::Value>;
    /// Destroys it (Packer calls this when nothing keeps it).
    async fn destroy(&self) -> Result<(), String>;
}

/// Serves `artifact` on a fresh broker id and returns the id, to be announced to Packer, which
/// dials it at once (the accept waits at most the broker's 5 s).
pub(crate) fn serve_artifact(broker: &Broker, artifact: Arc<dyn Artifact>) -> u32 {
    let id = broker.next_id();
    let broker = broker.clone();
    let server = Server::new();
    server.register_fn("Artifact", move |request| {
        let artifact = artifact.clone();
        async move {
            match request.method.as_str() {
                "BuilderId" => Ok(Value::Str(artifact.builder_id())),
                "Id" => Ok(Value::Str(artifact.id())),
                "String" => Ok(Value::Str(artifact.string())),
                "Files" => Ok(Value::strings(artifact.files())),
                "State" => {
                    let key = request.args.as_str().unwrap_or_default();
                    Ok(artifact
                        .state(key)
                        .as_ref()
                        .map_or(Value::Nil, json_to_value))
                }
                // The Go client decodes the reply into an `error` interface: failures must be
                // RPC errors (reference §4.3).
                "Destroy" => artifact.destroy().await.map(|()| Value::Nil),
                _ => Err(request.unknown_method()),
            }
        }
    });
    tokio::spawn(async move {
        match broker.accept(id).await {
            Ok(stream) => {
                if let Err(error) = server.serve(stream).await {
                    tracing::debug!("artifact stream {id} ended: {error}");
                }
            }
            Err(error) => tracing::warn!("artifact never collected by Packer: {error}"),
        }
    });
    id
}

/// The input artifact of a post-processor; Packer proxies these calls to its owner.
#[derive(Clone, Debug)]
pub struct RemoteArtifact {
    client: Client,
}

fn text(result: Result<Value, CallError>) -> Result<String, String> {
    match result {
        Ok(Value::Str(s)) => Ok(s),
        Ok(Value::Nil) => Ok(String::new()),
        Ok(other) => Err(format!("unexpected reply: {other}")),
        Err(error) => Err(error.to_string()),
    }
}

impl RemoteArtifact {
    /// The artifact reachable as `Artifact.*` on `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// `Artifact.BuilderId`.
    pub async fn builder_id(&self) -> Result<String, String> {
        text(self.client.call("Artifact.BuilderId", Value::Nil).await)
    }

    /// `Artifact.Id`.
    pub async fn id(&self) -> Result<String, String> {
        text(self.client.call("Artifact.Id", Value::Nil).await)
    }

    /// `Artifact.String`.
    pub async fn string(&self) -> Result<String, String> {
        text(self.client.call("Artifact.String", Value::Nil).await)
    }

    /// `Artifact.Files`.
    pub async fn files(&self) -> Result<Vec<String>, String> {
        match self.client.call("Artifact.Files", Value::Nil).await {
            Ok(Value::Nil) => Ok(Vec::new()),
            Ok(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("unexpected file entry: {i}"))
                })
                .collect(),
            Ok(other) => Err(format!("unexpected reply: {other}")),
            Err(error) => Err(error.to_string()),
        }
    }

    /// `Artifact.State(key)`; `None` when the owner has no such state.
    pub async fn state(&self, key: &str) -> Result<Option<serde_json::Value>, String> {
        match self.client.call("Artifact.State", Value::from(key)).await {
            Ok(Value::Nil) => Ok(None),
            Ok(value) => Ok(Some(value_to_json(&value))),
            Err(error) => Err(error.to_string()),
        }
    }
}
