data "photon_datacenter" "dc" {
  name = "DC0"
}

# A standalone host by name; hosts in a cluster also take a path such as "DC0_C0/DC0_C0_H0".
data "photon_host" "esxi" {
  name          = "DC0_H0"
  datacenter_id = data.photon_datacenter.dc.id
}

output "host_id" {
  value = data.photon_host.esxi.id
}

output "host_resource_pool_id" {
  value = data.photon_host.esxi.resource_pool_id
}
