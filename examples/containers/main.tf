# Containers on a Docker Engine API (Docker, or Podman's compatible service): a web server and a
# client that talks to it over a network of their own, the page kept on a named volume.
#
# The engine comes from DOCKER_HOST (e.g. unix:///run/podman/podman.sock). Nothing is pulled from
# a registry: the image is imported from a busybox root filesystem tarball.

terraform {
  required_providers {
    photon = {
      source = "photon-iac/photon"
    }
  }
}

provider "photon" {}

variable "busybox_tarball" {
  description = "Path of a busybox root filesystem tar (sh, httpd, wget), e.g. .tools/busybox-rootfs.tar."
  type        = string
}

variable "prefix" {
  description = "Prefix of every name, so several copies can share an engine."
  type        = string
  default     = "photon-demo"
}

resource "photon_container_image" "busybox" {
  name           = "localhost/${var.prefix}/busybox:1"
  source_tarball = var.busybox_tarball
}

resource "photon_container_network" "app" {
  name = "${var.prefix}-net"
}

resource "photon_container_volume" "site" {
  name = "${var.prefix}-site"
}

resource "photon_container" "server" {
  name  = "${var.prefix}-server"
  image = photon_container_image.busybox.image_id
  command = [
    "sh", "-c",
    "echo \"$GREETING\" > /srv/index.html && exec httpd -f -p 8080 -h /srv",
  ]
  env = ["GREETING=hello over the app network"]

  mounts {
    target = "/srv"
    type   = "volume"
    source = photon_container_volume.site.name
  }

  networks_advanced {
    name    = photon_container_network.app.name
    aliases = ["web"]
  }

  ports {
    internal = 8080
  }

  healthcheck {
    test     = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/"]
    interval = "1s"
    retries  = 5
  }
  wait = true
}

# Healthy only once it has fetched the page from the server by its alias on the network.
resource "photon_container" "client" {
  name  = "${var.prefix}-client"
  image = photon_container_image.busybox.image_id
  command = [
    "sh", "-c",
    "while true; do wget -q -O /tmp/page http://web:8080/ && cp /tmp/page /tmp/fetched; sleep 1; done",
  ]

  networks_advanced {
    name = photon_container_network.app.name
  }

  healthcheck {
    test     = ["CMD-SHELL", "test -s /tmp/fetched"]
    interval = "1s"
    retries  = 10
  }
  wait = true

  depends_on = [photon_container.server]
}

output "server_port" {
  description = "The host port publishing the server's 8080."
  value       = photon_container.server.ports[0].external
}

output "server_address" {
  description = "The server's address on the app network."
  value       = photon_container.server.network_data[0].ip_address
}

output "client_id" {
  value = photon_container.client.id
}
