# A membership is imported as <tenant>/<group upn>/<member upn>; the member's type is read
# from Lightwave.
terraform import photon_lightwave_group_member.operators_jane acme/app-operators@acme/jane@acme
