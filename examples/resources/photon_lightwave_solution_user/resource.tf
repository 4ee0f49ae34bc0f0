# A service principal in tenant "acme" (provider alias as in the photon_lightwave_group
# example). The service keeps the private key; Lightwave only gets the certificate, which can be
# rotated in place.
resource "photon_lightwave_solution_user" "backend" {
  provider    = photon.acme
  name        = "app-backend"
  description = "The app's backend service."
  certificate = file("${path.module}/app-backend.crt")
}

output "backend_upn" {
  value = photon_lightwave_solution_user.backend.upn
}
