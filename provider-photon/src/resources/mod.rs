//! Managed resources, one file each under their backend.

use std::sync::Arc;

use tfsdk::Resource;

pub mod containers;
pub mod lightwave;
pub mod vsphere;

/// Every resource the provider registers.
pub fn all() -> Vec<Arc<dyn Resource>> {
    let mut all: Vec<Arc<dyn Resource>> = Vec::new();
    all.extend(vsphere::all());
    all.extend(containers::all());
    all.extend(lightwave::all());
    all
}
