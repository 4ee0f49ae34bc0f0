# A minimal Photon OS install: one disk, a root password, the minimal package set, DHCP.
data "photon_kickstart" "web" {
  installer_generation = "poi-2.7"
  hostname             = "photon-web"
  disk                 = "/dev/sda"
  packages             = ["minimal", "linux", "initramfs", "open-vm-tools"]
  linux_flavor         = "linux"
  bootmode             = "efi"
  postinstall          = ["systemctl enable sshd"]

  password {
    crypted = "$6$rounds=4096$photonsalt$0C5uNwNYzTvNvxTkR1IlL1G4d6S7B2u9EypFn5Pj3h7k4e/WZ2iUo2Jh8qIxT4lKk2YAbUq2c3dqQXhYc8lZ0/"
  }

  partitions {
    mountpoint = "/boot/efi"
    size       = 10
    filesystem = "vfat"
  }

  partitions {
    mountpoint = "/"
    size       = 0
    filesystem = "ext4"
  }

  network {
    type = "dhcp"
  }
}

# Hand this to photon_virtual_machine.kickstart, or to guestinfo.kickstart.data.
output "kickstart_base64" {
  value     = data.photon_kickstart.web.base64
  sensitive = true
}

output "kickstart_json" {
  value     = data.photon_kickstart.web.json
  sensitive = true
}
