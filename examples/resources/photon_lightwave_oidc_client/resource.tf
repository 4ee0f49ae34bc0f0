# A public OIDC client (no client authentication at the token endpoint) in tenant "acme",
# through the provider alias of the photon_lightwave_group example. Lightwave assigns the id.
resource "photon_lightwave_oidc_client" "app" {
  provider = photon.acme

  redirect_uris             = ["https://app.example.com/oidc/callback"]
  post_logout_redirect_uris = ["https://app.example.com/"]
  logout_uri                = "https://app.example.com/oidc/logout"
}

output "app_client_id" {
  value = photon_lightwave_oidc_client.app.client_id
}
