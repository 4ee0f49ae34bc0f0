# An OIDC client is imported as <tenant>/<client_id>.
terraform import photon_lightwave_oidc_client.app acme/0f8e3f4c-1b1e-4a8e-9f1e-2d8c7b6a5e4d
