//! Packer plugin SDK: builders and post-processors written as Rust traits, served over Packer's
//! real plugin protocol (reference `packer-protocol.md`) on top of `packer_rpc` and `hcl_spec`.
//!
//! A plugin binary builds a [`Plugin`] with its components and calls [`Plugin::main`], which
//! answers `describe`, `start <kind> <name>` and legacy single-component launches, prints the
//! handshake line the launching Packer understands, and serves one connection
//! ([`serve_connection`]). Components see Packer's objects as [`Ui`], [`Hook`],
//! [`RemoteArtifact`] and their own [`Artifact`]s, and their configuration as [`RawConfigs`].

use std::sync::Arc;

pub use async_trait::async_trait;
/// The spec model and encoders, re-exported so components and tests need no extra dependency.
pub use hcl_spec;
/// The transport, re-exported for tests that play Packer against a plugin binary.
pub use packer_rpc;
pub use tokio_util::sync::CancellationToken;

mod artifact;
mod communicator;
mod config;
mod convert;
mod fields;
mod hook;
mod launch;
mod serve;
mod ui;

pub use artifact::{Artifact, RemoteArtifact};
pub use communicator::{
    CommandExit, CommandIo, Communicator, FileInfo, Reader, TRANSPORT_FAILURE_STATUS, Writer,
};
pub use config::{ConfigError, ConfigProblem, PackerConfig, RawConfigs, UNKNOWN_PLACEHOLDER};
pub use convert::{json_to_value, value_to_json};
pub use fields::{
    ComponentKind, Field, FieldType, concat_fields, docs_page, object_spec, with_packer_keys,
};
pub use hook::{Hook, NO_COMMUNICATOR};
pub use launch::{
    Detected, Launch, Plugin, parse_launch, parse_packer_version, protocol_for_packer_version,
};
pub use serve::{ConnectionError, ServeOptions, SpecEncoding, serve_connection};
pub use ui::{Progress, Ui};

/// One component of the plugin binary, e.g. the `iso` builder.
#[derive(Clone)]
pub enum Component {
    /// A builder (`Builder.*` on broker id 0).
    Builder(Arc<dyn Builder>),
    /// A post-processor (`PostProcessor.*` on broker id 0).
    PostProcessor(Arc<dyn PostProcessor>),
}

impl Component {
    /// Which kind of component this is.
    pub fn kind(&self) -> ComponentKind {
        match self {
            Self::Builder(_) => ComponentKind::Builder,
            Self::PostProcessor(_) => ComponentKind::PostProcessor,
        }
    }
}

/// A Packer builder: produces an artifact (a VM template…) from its configuration.
#[async_trait]
pub trait Builder: Send + Sync + 'static {
    /// The HCL2 spec of the configuration (Packer calls ConfigSpec only for HCL2 templates);
    /// the SDK adds the `packer_*` keys itself.
    fn config_spec(&self) -> hcl_spec::ObjectSpec;
    /// Decodes and validates; keeps the config inside (interior mutability) for [`Builder::run`].
    async fn prepare(&self, configs: &RawConfigs) -> Result<Prepared, ConfigError>;
    /// Builds. `cancel` fires on Builder.Cancel (Ctrl-C): stop, clean up what this run created,
    /// and return `Err`.
    async fn run(
        &self,
        ui: &Ui,
        hook: &Hook,
        cancel: CancellationToken,
    ) -> Result<Option<Arc<dyn Artifact>>, String>;
}

/// What a successful [`Builder::prepare`] tells Packer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// Extra `build.*` keys this builder puts in Hook.Run data and `generated_data`.
    pub generated_vars: Vec<String>,
    /// Warnings Packer displays ("Warning when preparing build").
    pub warnings: Vec<String>,
}

/// A Packer post-processor: turns the previous artifact into another one.
#[async_trait]
pub trait PostProcessor: Send + Sync + 'static {
    /// The HCL2 spec of the configuration; the SDK adds the `packer_*` keys itself.
    fn config_spec(&self) -> hcl_spec::ObjectSpec;
    /// Decodes and validates. Called twice in HCL2 (first with [`UNKNOWN_PLACEHOLDER`] values):
    /// must not contact anything.
    async fn configure(&self, configs: &RawConfigs) -> Result<(), ConfigError>;
    /// Post-processes `input` (the previous artifact, over RPC).
    async fn post_process(
        &self,
        ui: &Ui,
        input: &RemoteArtifact,
        cancel: CancellationToken,
    ) -> Result<PostProcessed, String>;
}

/// The outcome of [`PostProcessor::post_process`].
#[derive(Clone, Default)]
pub struct PostProcessed {
    /// The resulting artifact, if any.
    pub artifact: Option<Arc<dyn Artifact>>,
    /// Keep the input artifact (else Packer destroys it unless the user keeps it).
    pub keep: bool,
    /// Make `keep` win over the user's `keep_input_artifact`.
    pub force_override: bool,
}
