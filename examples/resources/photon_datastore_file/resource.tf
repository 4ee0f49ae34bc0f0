data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

# Uploads photon-minimal.iso (next to this file) to [LocalDS_0] iso/photon-minimal.iso,
# creating the iso/ directory. A new local file (another size or modification time) is
# uploaded again; a copy deleted from the datastore is uploaded on the next apply.
resource "photon_datastore_file" "photon_iso" {
  datastore_id       = data.photon_datastore.local.id
  source_file        = "${path.module}/photon-minimal.iso"
  destination_file   = "iso/photon-minimal.iso"
  create_directories = true
}

# "[LocalDS_0] iso/photon-minimal.iso", for a CD-ROM's ISO path.
output "iso_path" {
  value = photon_datastore_file.photon_iso.id
}

output "iso_size" {
  value = photon_datastore_file.photon_iso.size
}
