# An image already on the engine (nothing is pulled).
variable "image" {
  type        = string
  description = "Reference of an image the engine has, e.g. localhost/photon/busybox:1."
}

data "photon_container_image" "base" {
  name = var.image
}

output "base_image_id" {
  value = data.photon_container_image.base.image_id
}

output "base_repo_tags" {
  value = data.photon_container_image.base.repo_tags
}
