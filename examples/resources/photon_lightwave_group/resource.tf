# Lightwave checks roles in the tenant named in each request, so the principals of tenant "acme"
# are managed through a provider alias logged in to "acme" as its administrator. The default
# provider, logged in to the system tenant, manages photon_lightwave_tenant. The tenant name is a
# literal: provider settings must be known when Terraform plans.
provider "photon" {
  alias = "acme"

  lightwave {
    endpoint = var.lightwave_endpoint
    ca_file  = var.lightwave_ca_file
    tenant   = "acme"
    username = "Administrator@acme"
    password = var.acme_admin_password
  }
}

variable "lightwave_endpoint" {
  type = string
}

variable "lightwave_ca_file" {
  type    = string
  default = null
}

variable "acme_admin_password" {
  type      = string
  sensitive = true
}

# A group in tenant "acme" (its token groups claim reads ACME\app-operators).
resource "photon_lightwave_group" "operators" {
  provider    = photon.acme
  name        = "app-operators"
  description = "Operators of the app. Managed by Terraform."
}

output "operators_upn" {
  value = photon_lightwave_group.operators.upn
}
