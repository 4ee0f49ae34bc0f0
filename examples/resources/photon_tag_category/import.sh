# A tag category is imported by its name.
terraform import photon_tag_category.environment environment
