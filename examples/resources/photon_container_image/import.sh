# By reference (or image ID).
terraform import photon_container_image.busybox localhost/photon/busybox:1
