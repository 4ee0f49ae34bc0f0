data "photon_datacenter" "dc" {
  name = "DC0"
}

# /DC0/vm/infra
resource "photon_folder" "infra" {
  path          = "infra"
  type          = "vm"
  datacenter_id = data.photon_datacenter.dc.id
}

# /DC0/vm/infra/web: referring to the parent's path creates it after the parent, and follows
# a rename of the parent.
resource "photon_folder" "web" {
  path          = "${photon_folder.infra.path}/web"
  type          = "vm"
  datacenter_id = data.photon_datacenter.dc.id
}

output "web_folder_id" {
  value = photon_folder.web.id
}
