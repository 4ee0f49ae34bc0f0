# Lightwave checks roles in the tenant named in each request, so the users of tenant "acme" (the
# photon_lightwave_tenant example) are managed through a provider alias logged in to "acme" as
# its administrator. The tenant name is a literal: provider settings must be known when
# Terraform plans.
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

# var.acme_admin_password is declared with the tenant (photon_lightwave_tenant example).

variable "jane_password" {
  type      = string
  sensitive = true
}

resource "photon_lightwave_user" "jane" {
  provider   = photon.acme
  tenant     = photon_lightwave_tenant.acme.name # also makes the tenant come first
  name       = "jane"                            # UPN jane@acme
  first_name = "Jane"
  last_name  = "Doe"
  email      = "jane@acme.example.com"
  password   = var.jane_password
}

output "jane_upn" {
  value = photon_lightwave_user.jane.upn
}
