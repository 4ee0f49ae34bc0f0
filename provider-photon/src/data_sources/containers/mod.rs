//! Container engine data sources (Docker Engine API through bollard; Docker or Podman).

use std::sync::Arc;

use tfsdk::DataSource;

pub mod image;
pub mod network;

/// The container engine data sources.
pub fn all() -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(image::ContainerImageDataSource),
        Arc::new(network::ContainerNetworkDataSource),
    ]
}
