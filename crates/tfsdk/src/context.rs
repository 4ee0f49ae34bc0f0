//! What every resource, data source and function call gets besides its values.

use std::any::Any;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::diagnostics::Diagnostic;

/// Whatever the provider's `configure` built (API clients, settings), shared by all calls.
pub type ProviderData = Arc<dyn Any + Send + Sync>;

/// Per-call context: the configured provider's data and the provider-wide stop signal.
#[derive(Clone)]
pub struct Context {
    provider_data: Option<ProviderData>,
    stop: CancellationToken,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("configured", &self.provider_data.is_some())
            .field("stopped", &self.stop.is_cancelled())
            .finish()
    }
}

impl Context {
    /// A context; the server builds these.
    pub fn new(provider_data: Option<ProviderData>, stop: CancellationToken) -> Self {
        Self {
            provider_data,
            stop,
        }
    }

    /// The data `Provider::configure` returned, as its concrete type.
    pub fn provider_data<T: Any + Send + Sync>(&self) -> Result<Arc<T>, Diagnostic> {
        let data = self.provider_data.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "This operation needs the provider's configuration, but Terraform has not configured the provider in this process.",
            )
        })?;
        data.downcast::<T>().map_err(|_| {
            Diagnostic::error(
                "Provider data has an unexpected type",
                format!(
                    "expected {}; this is a bug in the provider",
                    std::any::type_name::<T>()
                ),
            )
        })
    }

    /// Cancelled when Terraform calls StopProvider (Ctrl-C): long waits should select on it.
    pub fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// Whether Terraform asked the provider to stop.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_cancelled()
    }
}
