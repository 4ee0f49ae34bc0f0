# A group is imported as <tenant>/<name>@<domain>.
# Terraform imports through the provider alias the resource block names (photon.acme).
terraform import photon_lightwave_group.operators acme/app-operators@acme
