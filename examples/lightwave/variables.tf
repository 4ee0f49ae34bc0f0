variable "lightwave_endpoint" {
  description = "Lightwave base URL for the tenant alias; null uses LIGHTWAVE_ENDPOINT."
  type        = string
  default     = null
}

variable "lightwave_ca_file" {
  description = "PEM file of the CA that signed Lightwave's certificate; null uses LIGHTWAVE_CA_FILE."
  type        = string
  default     = null
}

variable "tenant_name" {
  description = "The tenant to create (its system domain)."
  type        = string
  default     = "acme"
}

variable "tenant_long_name" {
  description = "The tenant's display name (create-only: changing it replaces the tenant)."
  type        = string
  default     = "Acme Corporation"
}

variable "tenant_issuer" {
  description = "The iss of the tenant's tokens; null keeps Lightwave's default."
  type        = string
  default     = null
}

variable "tenant_admin_password" {
  description = "Password of the tenant's Administrator (TF_VAR_tenant_admin_password)."
  type        = string
  sensitive   = true
}

variable "user_password" {
  description = "Initial password of the users (TF_VAR_user_password); must satisfy the policy."
  type        = string
  sensitive   = true
}

variable "min_password_length" {
  description = "The tenant password policy's minimum length."
  type        = number
  default     = 10
}

variable "users" {
  description = "The people of the tenant, by account name; all join the operators group."
  type = map(object({
    first_name = string
    last_name  = string
    email      = string
  }))
  default = {
    jane = { first_name = "Jane", last_name = "Doe", email = "jane@acme.example.com" }
    john = { first_name = "John", last_name = "Roe", email = "john@acme.example.com" }
  }
}
