# A tenant is imported by its name. Lightwave never returns admin_password, and a system-tenant
# login cannot read long_name and key; the first plan after an import therefore shows an
# in-place update that only records admin_username, admin_password and long_name in state.
terraform import photon_lightwave_tenant.acme acme
