# A named volume for data that outlives containers.
resource "photon_container_volume" "data" {
  name = "photon-data"

  labels = {
    "com.example.backup" = "daily"
  }
}

# A scratch volume in memory: driver options are the local driver's mount options.
resource "photon_container_volume" "scratch" {
  name = "photon-scratch"

  driver_opts = {
    type   = "tmpfs"
    device = "tmpfs"
  }
}

output "data_mountpoint" {
  value = photon_container_volume.data.mountpoint
}
