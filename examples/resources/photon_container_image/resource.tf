# An image for hosts that reach no registry: a root filesystem tar (or a `docker save` archive)
# loaded from the machine running Terraform. Without source_tarball, `name` is pulled instead.
variable "busybox_tarball" {
  type        = string
  description = "Path of a busybox root filesystem tar, e.g. built from Debian's busybox-static."
}

resource "photon_container_image" "busybox" {
  name           = "localhost/photon/busybox:1"
  source_tarball = var.busybox_tarball

  # Load the image again when the file changes.
  pull_triggers = [filesha256(var.busybox_tarball)]

  # Destroy removes the image (and refuses while a container uses it).
  keep_locally = false
}

output "busybox_image_id" {
  value = photon_container_image.busybox.image_id
}
