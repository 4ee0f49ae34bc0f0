data "photon_datacenter" "dc" {
  name = "DC0"
}

# Every cluster and standalone host has a root pool named "Resources": give its path.
data "photon_resource_pool" "pool" {
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

output "resource_pool_id" {
  value = data.photon_resource_pool.pool.id
}
