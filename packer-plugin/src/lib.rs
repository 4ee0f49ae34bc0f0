//! The `photon` Packer plugin: builders `photon-clone` and `photon-iso`, post-processor
//! `photon-template`, all on vSphere through `photon_vim`.
//!
//! A library so that the binary, the docs generator ([`docs_pages`]) and the tests share one
//! registration; the components themselves stay private to the crate.

use std::sync::Arc;

use packer_sdk::Plugin;

mod clone;
mod communicator;
pub mod docs_pages;
mod iso;
mod template;
mod vsphere;

/// The plugin with every component registered under the names Packer knows them by
/// (`photon-clone` is the `clone` builder of plugin `photon`).
pub fn plugin() -> Plugin {
    Plugin::new("photon", env!("CARGO_PKG_VERSION"))
        .builder("clone", Arc::new(clone::CloneBuilder::default()))
        .builder("iso", Arc::new(iso::IsoBuilder::default()))
        .post_processor(
            "template",
            Arc::new(template::TemplatePostProcessor::default()),
        )
}
