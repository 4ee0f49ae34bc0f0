# The datacenter's VM folder; any folder works, by its absolute inventory path.
data "photon_folder" "vms" {
  path = "/DC0/vm"
}

output "folder" {
  value = {
    id   = data.photon_folder.vms.id
    type = data.photon_folder.vms.type
  }
}
