//! The container engine backend: one Docker Engine API client (bollard) per provider process,
//! connected on first use to `container_engine.host` (Docker or Podman's compatible service).

use bollard::Docker;
use tfsdk::Diagnostic;
use tokio::sync::OnceCell;

use crate::provider_config::{ContainerEngineSettings, Setting};

/// A lazily connected engine client.
#[derive(Debug)]
pub struct ContainerEngine {
    settings: ContainerEngineSettings,
    docker: OnceCell<Docker>,
}

impl ContainerEngine {
    /// Not connected yet.
    pub fn new(settings: ContainerEngineSettings) -> Self {
        Self {
            settings,
            docker: OnceCell::new(),
        }
    }

    /// The engine client, connecting (and checking the engine answers) on the first call.
    pub async fn docker(&self) -> Result<&Docker, Diagnostic> {
        self.docker
            .get_or_try_init(|| async {
                let Setting::Known(host) = &self.settings.host else {
                    return Err(Diagnostic::error(
                        "Container engine address not known yet",
                        "provider \"photon\" container_engine.host depends on a value known only after apply.",
                    ));
                };
                let docker = connect(host)?;
                docker.ping().await.map_err(|error| {
                    Diagnostic::error(
                        "Cannot reach the container engine",
                        format!(
                            "{host}: {error}.\n\nHint: check provider \"photon\" container_engine.host (or DOCKER_HOST); for Podman, start `podman system service`."
                        ),
                    )
                })?;
                Ok(docker)
            })
            .await
    }
}

/// A client for `host` (`unix:///path` only so far).
fn connect(host: &str) -> Result<Docker, Diagnostic> {
    let invalid = |detail: String| Diagnostic::error("Invalid container engine address", detail);
    if let Some(path) = host.strip_prefix("unix://") {
        return Docker::connect_with_socket(path, 120, bollard::API_DEFAULT_VERSION)
            .map_err(|error| invalid(format!("container_engine.host {host:?}: {error}")));
    }
    Err(invalid(format!(
        "container_engine.host {host:?}: only unix:// addresses are supported so far"
    )))
}
