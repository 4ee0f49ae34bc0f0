# Tenant policies are imported by the tenant's name; all three blocks are imported, so leave
# out of the configuration only the ones you then want Terraform to stop managing.
terraform import photon_lightwave_tenant_policy.acme acme
