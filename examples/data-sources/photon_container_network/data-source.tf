# The engine's default network (`bridge` on Docker; Podman answers to it as well).
data "photon_container_network" "default" {
  name = "bridge"
}

output "default_network_id" {
  value = data.photon_container_network.default.id
}

output "default_subnet" {
  value = data.photon_container_network.default.ipam_config[0].subnet
}
