# A category whose tags go on VMs and datastores, one tag of it per object.
resource "photon_tag_category" "environment" {
  name        = "environment"
  description = "Where a workload runs. Managed by Terraform."
  cardinality = "SINGLE"

  associable_types = [
    "VirtualMachine",
    "Datastore",
  ]
}

output "environment_category_id" {
  value = photon_tag_category.environment.id
}
