# Every block is optional: configure the backends you use. Each attribute also falls back to an
# environment variable (VSPHERE_SERVER, DOCKER_HOST, LIGHTWAVE_ENDPOINT, ...).
provider "photon" {
  vsphere {
    server               = "vcenter.example.com"
    user                 = "administrator@vsphere.local"
    password             = var.vsphere_password
    allow_unverified_ssl = false
  }

  container_engine {
    host = "unix:///run/podman/podman.sock"
  }
}

variable "vsphere_password" {
  type      = string
  sensitive = true
}
