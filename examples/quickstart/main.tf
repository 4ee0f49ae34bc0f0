# Quickstart: a Photon OS VM on vSphere, declared from scratch. `scripts/demo` applies this
# directory against the embedded vCenter simulator; to run it yourself, `source .tools/rig.env`
# (while `scripts/demo` runs) and `terraform init && terraform apply` here.
#
# The connection comes from VSPHERE_SERVER, VSPHERE_USER, VSPHERE_PASSWORD and VSPHERE_CA_FILE.

terraform {
  required_providers {
    photon = {
      source = "photon-iac/photon"
    }
  }
}

provider "photon" {}

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

# /DC0/vm/quickstart
resource "photon_folder" "quickstart" {
  path          = "quickstart"
  type          = "vm"
  datacenter_id = data.photon_datacenter.dc.id
}

resource "photon_tag_category" "environment" {
  name             = "quickstart-environment"
  cardinality      = "SINGLE"
  associable_types = ["VirtualMachine"]
}

resource "photon_tag" "demo" {
  name        = "demo"
  category_id = photon_tag_category.environment.id
}

# The installer's answers, checked before anything is created, delivered to the VM as
# guestinfo.kickstart.data.
data "photon_kickstart" "web" {
  hostname = "photon-quickstart"
  disk     = "/dev/sda"
  bootmode = "efi"
  packages = ["minimal", "linux", "initramfs", "open-vm-tools"]

  password {
    crypted = "$6$rounds=4096$photonsalt$0C5uNwNYzTvNvxTkR1IlL1G4d6S7B2u9EypFn5Pj3h7k4e/WZ2iUo2Jh8qIxT4lKk2YAbUq2c3dqQXhYc8lZ0/"
  }
}

resource "photon_virtual_machine" "web" {
  name             = "photon-quickstart"
  folder           = photon_folder.quickstart.path
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id

  num_cpus  = 2
  memory    = 2048
  firmware  = "efi"
  kickstart = data.photon_kickstart.web.base64
  tags      = [photon_tag.demo.id]

  disk {
    label = "os"
    size  = 16
  }

  network_interface {
    network_id = data.photon_network.vm_network.id
  }
}

output "vm_moid" {
  value = photon_virtual_machine.web.moid
}

output "vm_uuid" {
  value = photon_virtual_machine.web.uuid
}

output "vm_folder" {
  value = "/DC0/vm/${photon_folder.quickstart.path}/${photon_virtual_machine.web.name}"
}
