output "tenant_guid" {
  value = photon_lightwave_tenant.app.guid
}

output "tenant_issuer" {
  value = data.photon_lightwave_tenant.app.issuer
}

output "user_upns" {
  value = { for name, user in photon_lightwave_user.people : name => user.upn }
}

output "operators_upn" {
  value = photon_lightwave_group.operators.upn
}

output "backend_upn" {
  value = photon_lightwave_solution_user.backend.upn
}

output "web_client_id" {
  value = photon_lightwave_oidc_client.web.client_id
}
