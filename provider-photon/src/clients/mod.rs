//! What `configure` hands every resource: the resolved settings and one lazily connected client
//! per backend, shared by all calls of the provider process and closed when Terraform shuts it
//! down.

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
}

impl Clients {
    /// Builds the (not yet connected) clients for `settings`.
    pub fn new(settings: ProviderSettings) -> Self {
        let vsphere = settings.vsphere.clone().map(vsphere::Vsphere::new);
        Self { settings, vsphere }
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

    /// Ends every session opened by this process.
    pub async fn close(&self) {
        if let Some(vsphere) = &self.vsphere {
            vsphere.close().await;
        }
    }
}
