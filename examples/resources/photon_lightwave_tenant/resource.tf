# Tenants are created by a system-tenant administrator (TenantOperators): the default provider,
# configured here from LIGHTWAVE_ENDPOINT, LIGHTWAVE_TENANT, LIGHTWAVE_USERNAME,
# LIGHTWAVE_PASSWORD and LIGHTWAVE_CA_FILE. What lives inside the tenant is managed through a
# provider alias logged in to it (see photon_lightwave_user).
provider "photon" {}

variable "acme_admin_password" {
  type      = string
  sensitive = true
}

resource "photon_lightwave_tenant" "acme" {
  name           = "acme"
  long_name      = "Acme Corporation"
  admin_username = "Administrator" # logs in as Administrator@acme
  admin_password = var.acme_admin_password
}

output "acme_guid" {
  value = photon_lightwave_tenant.acme.guid
}

output "acme_signing_certificates" {
  value = photon_lightwave_tenant.acme.signing_certificates
}
