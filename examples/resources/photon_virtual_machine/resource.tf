data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_resource_pool" "pool" {
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_network" "vm_network" {
  name          = "VM Network"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_kickstart" "web" {
  hostname = "photon-web"
  disk     = "/dev/sda"
  bootmode = "efi"
  packages = ["minimal", "linux", "initramfs", "open-vm-tools"]

  password {
    crypted = "$6$rounds=4096$photonsalt$0C5uNwNYzTvNvxTkR1IlL1G4d6S7B2u9EypFn5Pj3h7k4e/WZ2iUo2Jh8qIxT4lKk2YAbUq2c3dqQXhYc8lZ0/"
  }
}

# A VM from scratch: paravirtual SCSI, two thin disks, one vmxnet3 adapter, the kickstart in
# guestinfo.kickstart.data.
resource "photon_virtual_machine" "web" {
  name             = "photon-web"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id

  num_cpus   = 2
  memory     = 2048
  guest_id   = "vmwarePhoton64Guest"
  firmware   = "efi"
  annotation = "Managed by Terraform"
  kickstart  = data.photon_kickstart.web.base64

  extra_config = {
    "guestinfo.role" = "web"
  }

  disk {
    label = "os"
    size  = 16
  }

  disk {
    label = "data"
    size  = 8
  }

  network_interface {
    network_id = data.photon_network.vm_network.id
  }
}

# A copy of an existing VM (or template): its disk is grown to 2 GB, its adapter moved to
# "VM Network" as a vmxnet3.
data "photon_virtual_machine" "source" {
  name          = "DC0_H0_VM0"
  datacenter_id = data.photon_datacenter.dc.id
}

resource "photon_virtual_machine" "clone" {
  name             = "photon-clone"
  resource_pool_id = data.photon_resource_pool.pool.id
  num_cpus         = 2
  memory           = 1024
  power_state      = "off"

  clone {
    template_uuid = data.photon_virtual_machine.source.id
  }

  disk {
    label = "disk0"
    size  = 2
  }

  network_interface {
    network_id = data.photon_network.vm_network.id
  }
}

output "web_moid" {
  value = photon_virtual_machine.web.moid
}

output "clone_moid" {
  value = photon_virtual_machine.clone.moid
}
