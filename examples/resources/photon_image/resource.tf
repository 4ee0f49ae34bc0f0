data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_resource_pool" "pool" {
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_network" "vm_network" {
  name          = "VM Network"
  datacenter_id = data.photon_datacenter.dc.id
}

# A Photon OS package from the local disk, imported as a template: an .ova archive, or an .ovf
# descriptor with its disks next to it (photon-minimal.ovf says how its disk is made).
# Replacing the file (a new size or modification time) imports it again.
resource "photon_image" "photon" {
  name             = "photon-5.0-minimal"
  source_path      = "${path.module}/photon-minimal.ovf"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id

  # The package's "VM Network" goes to this network.
  network_mapping = {
    "VM Network" = data.photon_network.vm_network.id
  }
}

# Clone VMs from the template by its BIOS UUID.
output "template_uuid" {
  value = photon_image.photon.id
}

output "template_moid" {
  value = photon_image.photon.moid
}
