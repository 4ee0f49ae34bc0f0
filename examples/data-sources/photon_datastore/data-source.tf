data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

output "datastore_id" {
  value = data.photon_datastore.local.id
}

output "datastore_free_gib" {
  value = floor(data.photon_datastore.local.free_space / 1073741824)
}

output "datastore_type" {
  value = data.photon_datastore.local.type
}
