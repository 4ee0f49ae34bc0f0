# A solution user is imported as <tenant>/<name>; its certificate is read from Lightwave.
terraform import photon_lightwave_solution_user.backend acme/app-backend
