//! Data sources, one file each under their backend.

use std::sync::Arc;

use tfsdk::DataSource;

pub mod containers;
pub mod lightwave;
pub mod os;
pub mod vsphere;

/// Every data source the provider registers.
pub fn all() -> Vec<Arc<dyn DataSource>> {
    let mut all: Vec<Arc<dyn DataSource>> = vec![Arc::new(os::kickstart::Kickstart)];
    all.extend(vsphere::all());
    all.extend(containers::all());
    all.extend(lightwave::all());
    all
}
