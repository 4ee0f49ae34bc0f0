//! Lightwave data sources.

use std::sync::Arc;

use tfsdk::DataSource;

pub mod tenant;

/// The Lightwave data sources.
pub fn all() -> Vec<Arc<dyn DataSource>> {
    vec![Arc::new(tenant::LightwaveTenantDataSource)]
}
