data "photon_datacenter" "dc" {
  name = "DC0"
}

# By name below the datacenter's vm folder (or `path = "/DC0/vm/DC0_H0_VM0"`).
data "photon_virtual_machine" "source" {
  name          = "DC0_H0_VM0"
  datacenter_id = data.photon_datacenter.dc.id
}

output "source_uuid" {
  value = data.photon_virtual_machine.source.id
}

output "source_hardware" {
  value = {
    num_cpus  = data.photon_virtual_machine.source.num_cpus
    memory    = data.photon_virtual_machine.source.memory
    guest_id  = data.photon_virtual_machine.source.guest_id
    disks     = length(data.photon_virtual_machine.source.disks)
    scsi_type = data.photon_virtual_machine.source.scsi_type
  }
}
