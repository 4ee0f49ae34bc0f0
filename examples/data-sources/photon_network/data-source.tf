data "photon_datacenter" "dc" {
  name = "DC0"
}

# A standard port group.
data "photon_network" "vm_network" {
  name          = "VM Network"
  datacenter_id = data.photon_datacenter.dc.id
}

# A distributed port group: same data source, another `type`.
data "photon_network" "dvpg" {
  name          = "DC0_DVPG0"
  datacenter_id = data.photon_datacenter.dc.id
}

output "vm_network" {
  value = {
    id   = data.photon_network.vm_network.id
    type = data.photon_network.vm_network.type
  }
}

output "dvpg" {
  value = {
    id   = data.photon_network.dvpg.id
    type = data.photon_network.dvpg.type
  }
}
