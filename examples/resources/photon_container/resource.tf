# A web server from an image already on the engine (see photon_container_image), published on a
# port the engine picks, with a health check that apply waits for.
variable "image" {
  description = "An image on the engine with busybox: a reference or photon_container_image.<name>.image_id."
  type        = string
}

resource "photon_container" "web" {
  name  = "photon-example-web"
  image = var.image
  command = [
    "sh", "-c",
    "mkdir -p /srv && echo \"$GREETING\" > /srv/index.html && exec httpd -f -p 8080 -h /srv",
  ]
  env     = ["GREETING=hello from photon_container"]
  labels  = { app = "web", "managed-by" = "terraform" }
  memory  = 64
  restart = "unless-stopped"

  ports {
    internal = 8080
  }

  mounts {
    target = "/tmp"
    type   = "tmpfs"
    tmpfs_options {
      size_bytes = 16777216
    }
  }

  healthcheck {
    test     = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
    interval = "1s"
    timeout  = "2s"
    retries  = 5
  }
  wait         = true
  wait_timeout = 60

  destroy_grace_seconds = 2
}

output "web_port" {
  value = photon_container.web.ports[0].external
}

output "web_id" {
  value = photon_container.web.id
}
