# A Lightwave tenant for an app: the tenant and its administrator, its policies, two users in an
# operators group, a solution user for the app's backend and an OIDC client for its web front.
#
# Lightwave checks roles in the tenant named in each request. The default provider, logged in
# to the system tenant from LIGHTWAVE_ENDPOINT, LIGHTWAVE_TENANT, LIGHTWAVE_USERNAME,
# LIGHTWAVE_PASSWORD and LIGHTWAVE_CA_FILE, creates the tenant; everything inside the tenant
# goes through the "tenant" alias, logged in to the new tenant as its administrator.

terraform {
  required_providers {
    photon = {
      source = "photon-iac/photon"
    }
  }
}

provider "photon" {}

provider "photon" {
  alias = "tenant"

  lightwave {
    # Null falls back to LIGHTWAVE_ENDPOINT / LIGHTWAVE_CA_FILE, like the default provider.
    endpoint = var.lightwave_endpoint
    ca_file  = var.lightwave_ca_file
    # Provider settings must be known at plan time: a variable, not the tenant's attribute.
    tenant   = var.tenant_name
    username = "Administrator@${var.tenant_name}"
    password = var.tenant_admin_password
  }
}

resource "photon_lightwave_tenant" "app" {
  name           = var.tenant_name
  long_name      = var.tenant_long_name
  issuer         = var.tenant_issuer
  admin_username = "Administrator"
  admin_password = var.tenant_admin_password
}

resource "photon_lightwave_tenant_policy" "app" {
  provider = photon.tenant
  tenant   = photon_lightwave_tenant.app.name

  password_policy {
    min_length          = var.min_password_length
    max_length          = 64
    min_uppercase_count = 1
    min_numeric_count   = 1
  }

  lockout_policy {
    max_failed_attempts         = 5
    failed_attempt_interval_sec = 900
    auto_unlock_interval_sec    = 600
  }

  token_policy {
    max_bearer_token_lifetime_millis = 3600000
    clock_tolerance_millis           = 300000
  }
}

resource "photon_lightwave_user" "people" {
  for_each = var.users
  provider = photon.tenant
  tenant   = photon_lightwave_tenant.app.name

  name       = each.key
  first_name = each.value.first_name
  last_name  = each.value.last_name
  email      = each.value.email
  password   = var.user_password

  # The passwords must satisfy the tenant's policy as configured here.
  depends_on = [photon_lightwave_tenant_policy.app]
}

resource "photon_lightwave_group" "operators" {
  provider    = photon.tenant
  tenant      = photon_lightwave_tenant.app.name
  name        = "app-operators"
  description = "Operators of the app. Managed by Terraform."
}

resource "photon_lightwave_group_member" "operators" {
  for_each = photon_lightwave_user.people
  provider = photon.tenant
  tenant   = photon_lightwave_tenant.app.name

  group       = photon_lightwave_group.operators.upn
  member      = each.value.upn
  member_type = "user"
}

resource "photon_lightwave_solution_user" "backend" {
  provider    = photon.tenant
  tenant      = photon_lightwave_tenant.app.name
  name        = "app-backend"
  description = "The app's backend service."
  certificate = file("${path.module}/app-backend.crt")
}

resource "photon_lightwave_oidc_client" "web" {
  provider = photon.tenant
  tenant   = photon_lightwave_tenant.app.name

  redirect_uris             = ["https://app.example.com/oidc/callback"]
  post_logout_redirect_uris = ["https://app.example.com/"]
  logout_uri                = "https://app.example.com/oidc/logout"
}

data "photon_lightwave_tenant" "app" {
  provider = photon.tenant
  name     = photon_lightwave_tenant.app.name
}
