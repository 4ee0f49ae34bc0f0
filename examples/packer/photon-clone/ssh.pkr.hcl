# Clone a VM, boot it, provision it over SSH with Packer's shell and file provisioners, then
# shut it down and convert it into a template.
#
#   packer build -var vcenter_server=vc.example.com -var username=... -var password=... \
#     -var ca_file=/etc/ssl/vc-ca.pem -var ssh_private_key_file=~/.ssh/packer ssh.pkr.hcl

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
  default = "photon-app-build"
}

variable "ssh_private_key_file" {
  type = string
}

variable "ssh_port" {
  type    = number
  default = 22
}

# Where the provisioners put their files on the guest.
variable "guest_dir" {
  type    = string
  default = "/opt/app"
}

source "photon-clone" "app" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  datacenter     = "DC0"

  template = "DC0_H0_VM0"
  vm_name  = var.vm_name
  host     = "DC0_H0"
  notes    = "Photon app template, provisioned over SSH"

  # The VM is powered on, its IP address (from VMware Tools) awaited, and the provisioners run
  # over SSH as root with a key.
  communicator         = "ssh"
  ssh_username         = "root"
  ssh_private_key_file = var.ssh_private_key_file
  ssh_port             = var.ssh_port
  ssh_timeout          = "2m"
  ip_settle_timeout    = "1s"

  convert_to_template = true
}

build {
  sources = ["source.photon-clone.app"]

  provisioner "shell" {
    inline = [
      "mkdir -p ${var.guest_dir}",
      "echo \"provisioned by $(whoami) on $(uname -s)\" | tee ${var.guest_dir}/provenance",
    ]
  }

  provisioner "file" {
    source      = "app.conf"
    destination = "${var.guest_dir}/app.conf"
  }

  # A directory without a trailing slash lands as ${var.guest_dir}/files.
  provisioner "file" {
    source      = "files"
    destination = var.guest_dir
  }

  provisioner "file" {
    direction   = "download"
    source      = "${var.guest_dir}/provenance"
    destination = "provenance.txt"
  }
}
