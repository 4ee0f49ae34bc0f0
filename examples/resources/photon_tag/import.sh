# A tag is imported by its category's name and its own name, as JSON.
terraform import photon_tag.production '{"category_name": "environment", "tag_name": "production"}'
