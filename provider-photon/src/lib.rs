//! The `photon` Terraform provider: thin translations between Terraform's resources and the
//! suite's clients. Resources live in `resources/<backend>/<type>.rs`, data sources in
//! `data_sources/<backend>/<type>.rs`; this file only registers them.

use std::sync::Arc;

use async_trait::async_trait;
use tfsdk::{ConfigureRequest, DataSource, Diagnostics, Provider, ProviderData, Resource, Schema};

pub mod clients;
pub mod data_sources;
pub mod docs_pages;
pub mod provider_config;
pub mod resources;

pub use provider_config::{EnvLookup, ProviderSettings};

/// The provider's source address.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/photon-iac/photon";

/// The `photon` provider.
pub struct PhotonProvider {
    env: Arc<EnvLookup>,
}

impl Default for PhotonProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl PhotonProvider {
    /// Reads fallbacks from the process environment.
    pub fn new() -> Self {
        Self::with_env(Arc::new(|name: &str| std::env::var(name).ok()))
    }

    /// Reads fallbacks through `env` (tests).
    pub fn with_env(env: Arc<EnvLookup>) -> Self {
        Self { env }
    }
}

#[async_trait]
impl Provider for PhotonProvider {
    fn type_name(&self) -> &'static str {
        "photon"
    }

    fn schema(&self) -> Schema {
        provider_config::schema()
    }

    async fn configure(&self, request: ConfigureRequest) -> Result<ProviderData, Diagnostics> {
        let settings = provider_config::resolve(&request.config, &*self.env)?;
        tracing::debug!(
            terraform_version = request.terraform_version.as_str(),
            vsphere = settings.vsphere.is_some(),
            lightwave = settings.lightwave.is_some(),
            "provider configured"
        );
        Ok(Arc::new(clients::Clients::new(settings)))
    }

    async fn close(&self, data: Option<ProviderData>) {
        if let Some(clients) = data.and_then(|data| data.downcast::<clients::Clients>().ok()) {
            clients.close().await;
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        data_sources::all()
    }
}
