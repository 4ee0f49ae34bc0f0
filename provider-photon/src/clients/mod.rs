//! What `configure` hands every resource: the resolved settings and one lazily connected client
//! per backend, shared by all calls of the provider process and closed when Terraform shuts it
//! down.

pub mod container_engine;
pub mod lightwave;
pub mod vsphere;

use tfsdk::Diagnostic;

use crate::provider_config::ProviderSettings;

/// The provider data: settings and backend clients.
#[derive(Debug)]
pub struct Clients {
    /// The resolved provider block.
    pub settings: ProviderSettings,
    /// The vSphere backend, when the provider block (or `VSPHERE_SERVER`) configures it.
    pub vsphere: Option<vsphere::Vsphere>,
    /// The container engine (always configured: it defaults to the local Docker socket).
    pub container_engine: Option<container_engine::ContainerEngine>,
    /// The Lightwave backend, when the provider block (or `LIGHTWAVE_ENDPOINT`) configures it.
    pub lightwave: Option<lightwave::Lightwave>,
}

impl Clients {
    /// Builds the (not yet connected) clients for `settings`.
    pub fn new(settings: ProviderSettings) -> Self {
        let vsphere = settings.vsphere.clone().map(vsphere::Vsphere::new);
        let container_engine = settings
            .container_engine
            .clone()
            .map(container_engine::ContainerEngine::new);
        let lightwave = settings.lightwave.clone().map(lightwave::Lightwave::new);
        Self {
            settings,
            vsphere,
            container_engine,
            lightwave,
        }
    }

    /// The container engine backend.
    pub fn container_engine(&self) -> Result<&container_engine::ContainerEngine, Diagnostic> {
        self.container_engine.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "Container engine is not configured",
                "Add a `container_engine` block to the `provider \"photon\"` configuration, or set DOCKER_HOST.",
            )
        })
    }

    /// The vSphere backend, or an error saying how to configure it.
    pub fn vsphere(&self) -> Result<&vsphere::Vsphere, Diagnostic> {
        self.vsphere.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "vSphere is not configured",
                "This resource needs a vCenter or ESXi connection: add a `vsphere` block to the \
                 `provider \"photon\"` configuration, or set VSPHERE_SERVER, VSPHERE_USER and \
                 VSPHERE_PASSWORD.",
            )
        })
    }

    /// The Lightwave backend, or an error saying how to configure it.
    pub fn lightwave(&self) -> Result<&lightwave::Lightwave, Diagnostic> {
        self.lightwave.as_ref().ok_or_else(|| {
            Diagnostic::error(
                "Lightwave is not configured",
                "This resource needs a Lightwave server: add a `lightwave` block to the \
                 `provider \"photon\"` configuration, or set LIGHTWAVE_ENDPOINT, LIGHTWAVE_TENANT, \
                 LIGHTWAVE_USERNAME and LIGHTWAVE_PASSWORD.",
            )
        })
    }

    /// Ends every session opened by this process.
    pub async fn close(&self) {
        if let Some(vsphere) = &self.vsphere {
            vsphere.close().await;
        }
    }
}
