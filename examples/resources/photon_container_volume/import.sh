# By name.
terraform import photon_container_volume.data photon-data
