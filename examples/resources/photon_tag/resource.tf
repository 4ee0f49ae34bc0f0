resource "photon_tag_category" "environment" {
  name             = "environment"
  cardinality      = "SINGLE"
  associable_types = ["VirtualMachine"]
}

resource "photon_tag" "production" {
  name        = "production"
  category_id = photon_tag_category.environment.id
  description = "Production workloads. Managed by Terraform."
}

output "production_tag_id" {
  value = photon_tag.production.id
}
