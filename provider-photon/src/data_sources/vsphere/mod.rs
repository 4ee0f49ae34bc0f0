//! vSphere inventory data sources: look objects up by name or inventory path and hand their
//! moref values (`datacenter-2`, `host-21`, `resgroup-22`) to other resources, as
//! terraform-provider-vsphere's `vsphere_*` data sources do. Each read costs a handful of SOAP
//! calls whatever the size of the inventory.

use std::sync::Arc;

use tfsdk::DataSource;

pub mod compute_cluster;
pub mod datacenter;
pub mod datastore;
pub mod folder;
pub mod host;
pub mod inventory;
pub mod network;
pub mod resource_pool;
pub mod tag;
pub mod tag_category;
pub mod virtual_machine;

/// The vSphere data sources.
pub fn all() -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(datacenter::DatacenterDataSource),
        Arc::new(compute_cluster::ComputeCluster),
        Arc::new(host::Host),
        Arc::new(resource_pool::ResourcePool),
        Arc::new(datastore::Datastore),
        Arc::new(network::Network),
        Arc::new(folder::FolderDataSource),
        Arc::new(virtual_machine::VirtualMachineDataSource),
        Arc::new(tag_category::TagCategoryDataSource),
        Arc::new(tag::TagDataSource),
    ]
}
