# The policies of tenant "acme", set by its administrator through the provider alias declared
# in the photon_lightwave_user example. Only the blocks written are managed; attributes left
# out keep the tenant's values.
resource "photon_lightwave_tenant_policy" "acme" {
  provider = photon.acme
  tenant   = photon_lightwave_tenant.acme.name

  password_policy {
    min_length             = 12
    max_length             = 64
    min_uppercase_count    = 1
    min_numeric_count      = 1
    password_lifetime_days = 90
  }

  lockout_policy {
    max_failed_attempts         = 5
    failed_attempt_interval_sec = 900
    auto_unlock_interval_sec    = 600
  }

  token_policy {
    max_bearer_token_lifetime_millis = 3600000 # one hour
    clock_tolerance_millis           = 300000  # five minutes
  }
}
