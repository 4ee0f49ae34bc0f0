//! Container engine resources (Docker Engine API through bollard; Docker or Podman).

use std::sync::Arc;

use tfsdk::Resource;

pub mod container;
pub mod image;
pub mod network;
pub mod volume;

/// The container engine resources.
pub fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(container::Container),
        Arc::new(image::ContainerImage),
        Arc::new(network::ContainerNetwork),
        Arc::new(volume::ContainerVolume),
    ]
}
