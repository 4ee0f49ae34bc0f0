# A bridge network with its own address pool. Networks cannot change once created: editing any
# argument replaces the network.
resource "photon_container_network" "web" {
  name = "photon-web"

  labels = {
    "com.example.team" = "web"
  }

  options = {
    mtu = "1400"
  }

  ipam_config {
    subnet  = "10.77.0.0/24"
    gateway = "10.77.0.1"
  }
}

output "web_network_id" {
  value = photon_container_network.web.id
}
