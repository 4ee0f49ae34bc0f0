# The datacenter by name; leave `name` out when the server has only one.
data "photon_datacenter" "dc" {
  name = "DC0"
}

output "datacenter_id" {
  value = data.photon_datacenter.dc.id
}
