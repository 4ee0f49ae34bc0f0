//! Packer's Ui as a client (reference §4.4). A Ui failure never fails a build: it is logged.

use packer_rpc::netrpc::{Client, Value};

/// Packer's terminal, reached over RPC.
#[derive(Clone, Debug)]
pub struct Ui {
    client: Client,
}

impl Ui {
    /// A Ui calling `Ui.*` on `client` (the stream Packer serves Ui on).
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    async fn call(&self, method: &str, args: Value) -> Option<Value> {
        match self.client.call(method, args).await {
            Ok(reply) => Some(reply),
            Err(error) => {
                tracing::warn!("{method} failed: {error}");
                None
            }
        }
    }

    /// `==> name: text`.
    pub async fn say(&self, text: impl Into<String>) {
        self.call("Ui.Say", Value::Str(text.into())).await;
    }

    /// `    name: text`.
    pub async fn message(&self, text: impl Into<String>) {
        self.call("Ui.Message", Value::Str(text.into())).await;
    }

    /// An error line (red).
    pub async fn error(&self, text: impl Into<String>) {
        self.call("Ui.Error", Value::Str(text.into())).await;
    }

    /// A `-machine-readable` record.
    pub async fn machine(&self, category: &str, args: &[&str]) {
        let args = Value::record([
            ("Category", Value::from(category)),
            ("Args", Value::strings(args.iter().copied())),
        ]);
        self.call("Ui.Machine", args).await;
    }

    /// Starts a progress bar for `total` bytes from `source`.
    pub async fn track_progress(&self, source: &str, total: u64) -> Progress {
        let args = Value::record([
            ("Src", Value::from(source)),
            (
                "TotalSize",
                Value::Int(i64::try_from(total).unwrap_or(i64::MAX)),
            ),
            ("CurrentSize", Value::Int(0)),
        ]);
        let id = self
            .call("Ui.NewTrackProgress", args)
            .await
            .and_then(|reply| reply.as_str().map(str::to_owned));
        Progress {
            client: self.client.clone(),
            service: id.map(|id| format!("Ui{id}")),
        }
    }
}

/// A progress bar from [`Ui::track_progress`] (a no-op if Packer refused to create it).
#[derive(Debug)]
pub struct Progress {
    client: Client,
    // The dynamically registered service Packer named after the tracker id.
    service: Option<String>,
}

impl Progress {
    /// Reports `bytes` more done.
    pub async fn add(&self, bytes: u64) {
        if let Some(service) = &self.service {
            let bytes = Value::Int(i64::try_from(bytes).unwrap_or(i64::MAX));
            if let Err(error) = self.client.call(&format!("{service}.Add"), bytes).await {
                tracing::warn!("{service}.Add failed: {error}");
            }
        }
    }

    /// Ends the bar.
    pub async fn close(self) {
        if let Some(service) = &self.service
            && let Err(error) = self
                .client
                .call(&format!("{service}.Close"), Value::Nil)
                .await
        {
            tracing::warn!("{service}.Close failed: {error}");
        }
    }
}
