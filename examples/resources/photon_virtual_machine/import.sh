# A VM is imported by its absolute inventory path; its disks get the labels disk0, disk1, ….
terraform import photon_virtual_machine.web /DC0/vm/photon-web
