# By the container's name (or its id).
terraform import photon_container.web photon-example-web
