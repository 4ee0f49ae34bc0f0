# By name or ID.
terraform import photon_container_network.web photon-web
