# Install Photon OS 5.0 from its ISO into a new VM, unattended: the typed kickstart goes into
# the VM's guestinfo.kickstart.data, photon-os-installer reads it, installs and powers the VM
# off; the builder then removes the CD-ROM and converts the VM into a template.
#
#   packer build -var vcenter_server=vc.example.com -var username=... \
#     -var password=... -var ca_file=/etc/ssl/vc-ca.pem build.pkr.hcl

variable "vcenter_server" {
  type = string
}

variable "username" {
  type = string
}

variable "password" {
  type = string
}

variable "ca_file" {
  type = string
}

variable "vm_name" {
  type    = string
  default = "photon-5-template"
}

source "photon-iso" "photon5" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  datacenter     = "DC0"

  vm_name   = var.vm_name
  host      = "DC0_H0"
  datastore = "LocalDS_0"

  guest_os_type        = "vmwarePhoton64Guest"
  vm_version           = 14
  CPUs                 = 2
  cpu_cores            = 1
  RAM                  = 2048
  firmware             = "efi"
  disk_controller_type = "pvscsi"

  storage {
    disk_size             = 16384
    disk_thin_provisioned = true
  }

  network_adapters {
    network      = "VM Network"
    network_card = "vmxnet3"
  }

  iso_paths = ["[LocalDS_0] iso/photon-5.0-x86_64.iso"]
  notes     = "Photon OS 5.0, installed from ISO by Packer"
  configuration_parameters = {
    "guestinfo.role" = "base"
  }

  kickstart {
    installer_generation = "photon-5.0"
    hostname             = "photon-iso"
    disk                 = "/dev/sda"
    bootmode             = "efi"
    linux_flavor         = "linux-esx"
    packages             = ["minimal", "linux-esx", "initramfs"]
    postinstall          = ["echo built by packer > /etc/motd"]

    password {
      text = "changeme"
      age  = 0
    }

    partitions {
      mountpoint = "/"
      size       = 0
      filesystem = "ext4"
    }

    partitions {
      size       = 512
      filesystem = "swap"
    }
  }

  shutdown_timeout    = "30m"
  communicator        = "none"
  convert_to_template = true
}

build {
  sources = ["source.photon-iso.photon5"]

  provisioner "shell-local" {
    inline = ["echo the installer has finished"]
  }
}
