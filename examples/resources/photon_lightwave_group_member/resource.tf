# Adds the user jane@acme to the group of the photon_lightwave_group example, through the same
# provider alias (declared there). Memberships are separate resources, so the module that owns
# a principal can add it to a group that another module manages.
resource "photon_lightwave_group_member" "operators_jane" {
  provider    = photon.acme
  group       = photon_lightwave_group.operators.upn
  member      = "jane@acme"
  member_type = "user"
}
