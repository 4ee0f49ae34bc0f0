# An existing category, by name.
data "photon_tag_category" "environment" {
  name = "environment"
}

output "category" {
  value = {
    id               = data.photon_tag_category.environment.id
    cardinality      = data.photon_tag_category.environment.cardinality
    associable_types = data.photon_tag_category.environment.associable_types
  }
}
