data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_compute_cluster" "cluster" {
  name          = "DC0_C0"
  datacenter_id = data.photon_datacenter.dc.id
}

output "cluster_id" {
  value = data.photon_compute_cluster.cluster.id
}

# Where VMs placed "in the cluster" go.
output "cluster_resource_pool_id" {
  value = data.photon_compute_cluster.cluster.resource_pool_id
}
