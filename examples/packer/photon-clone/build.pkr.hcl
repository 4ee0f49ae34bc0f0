# Clone a VM, customise it and finish it as a template with the photon-template
# post-processor (renamed, snapshotted, moved into a folder created on the fly).
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
  default = "photon-web-build"
}

source "photon-clone" "web" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  datacenter     = "DC0"

  template = "DC0_H0_VM0"
  vm_name  = var.vm_name
  host     = "DC0_H0"

  CPUs      = 2
  cpu_cores = 1
  RAM       = 2048
  notes     = "Photon web template, built by Packer"
  configuration_parameters = {
    "guestinfo.role" = "web"
  }

  communicator        = "none"
  convert_to_template = false
}

build {
  sources = ["source.photon-clone.web"]

  provisioner "shell-local" {
    inline = ["echo the clone is customised"]
  }

  post-processor "photon-template" {
    vcenter_server = var.vcenter_server
    username       = var.username
    password       = var.password
    ca_file        = var.ca_file
    datacenter     = "DC0"

    folder               = "templates/photon"
    template_name        = "${var.vm_name}-template"
    snapshot_enable      = true
    snapshot_name        = "base"
    snapshot_description = "Before first use"
  }
}
