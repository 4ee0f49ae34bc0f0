# An existing tag, by name within its category.
data "photon_tag_category" "environment" {
  name = "environment"
}

data "photon_tag" "production" {
  name        = "production"
  category_id = data.photon_tag_category.environment.id
}

output "tag" {
  value = {
    id          = data.photon_tag.production.id
    description = data.photon_tag.production.description
  }
}
