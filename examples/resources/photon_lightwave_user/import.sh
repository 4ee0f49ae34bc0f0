# A user is imported as <tenant>/<upn>, through the provider alias the resource block names.
# Lightwave never returns passwords: the first apply after an import sets the configured one.
terraform import photon_lightwave_user.jane acme/jane@acme
