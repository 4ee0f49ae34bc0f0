//! vSphere resources.

use std::sync::Arc;

use tfsdk::Resource;

pub mod datastore_file;
pub mod folder;
pub mod image;
pub mod tag;
pub mod tag_category;
pub mod virtual_machine;

/// The vSphere resources.
pub fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(folder::Folder),
        Arc::new(virtual_machine::VirtualMachine),
        Arc::new(image::Image),
        Arc::new(datastore_file::DatastoreFile),
        Arc::new(tag_category::TagCategory),
        Arc::new(tag::PhotonTag),
    ]
}
