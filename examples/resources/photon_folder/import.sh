# A folder is imported by its absolute inventory path.
terraform import photon_folder.web /DC0/vm/infra/web
