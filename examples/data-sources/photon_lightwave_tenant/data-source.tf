# The system tenant the provider logs in to (LIGHTWAVE_TENANT), e.g. to hand its signing
# certificates to a relying party that verifies its tokens.
data "photon_lightwave_tenant" "system" {
  name = "lightwave.local"
}

output "system_issuer" {
  value = data.photon_lightwave_tenant.system.issuer
}

output "system_signing_certificates" {
  value = data.photon_lightwave_tenant.system.signing_certificates
}
