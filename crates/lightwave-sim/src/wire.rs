//! JSON shapes on the wire, named as Lightwave's Jackson serialisation names them.
//!
//! Empty fields are omitted (Lightwave serialises with `NON_EMPTY`); unknown input fields are ignored.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `Tenant`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) long_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) issuer: Option<String>,
    #[serde(skip_serializing)]
    pub(crate) credentials: Option<TenantCredentialsDto>,
    #[serde(skip_serializing)]
    pub(crate) username: Option<String>,
    #[serde(skip_serializing)]
    pub(crate) password: Option<String>,
}

/// `TenantCredentials`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantCredentialsDto {
    pub(crate) private_key: Option<PrivateKeyDto>,
    pub(crate) certificates: Option<Vec<CertificateDto>>,
}

/// `PrivateKey` (input only: the simulator never sends a private key back).
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrivateKeyDto {
    #[serde(default)]
    pub(crate) encoded: String,
    pub(crate) algorithm: Option<String>,
}

impl std::fmt::Debug for PrivateKeyDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKeyDto")
            .field("encoded", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// `Certificate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CertificateDto {
    #[serde(default)]
    pub(crate) encoded: String,
}

/// `CertificateChain`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CertificateChainDto {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) certificates: Vec<CertificateDto>,
}

/// `Principal` (aliases).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrincipalDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) domain: String,
}

/// `User`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) domain: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alias: Option<PrincipalDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<UserDetailsDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) locked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password_details: Option<PasswordDetailsDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) object_id: Option<String>,
}

/// `UserDetails`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserDetailsDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}

/// `PasswordDetails`.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordDetailsDto {
    #[serde(skip_serializing)]
    pub(crate) password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_set: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lifetime: Option<i64>,
}

impl std::fmt::Debug for PasswordDetailsDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordDetailsDto")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("last_set", &self.last_set)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// `PasswordResetRequest` of `PUT …/users/{upn}/password`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordResetDto {
    pub(crate) current_password: Option<String>,
    pub(crate) new_password: Option<String>,
}

/// `Group`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) domain: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alias: Option<PrincipalDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<GroupDetailsDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) object_id: Option<String>,
}

/// `Group` as a PUT body: absent and present fields must be told apart.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupUpdateDto {
    pub(crate) name: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) alias: Option<Value>,
    pub(crate) details: Option<GroupDetailsDto>,
}

/// `GroupDetails`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupDetailsDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}

/// `SolutionUser`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SolutionUserDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) domain: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alias: Option<PrincipalDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) certificate: Option<CertificateDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) multi_tenant: Option<bool>,
}

/// `SearchResult`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchResultDto {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) users: Vec<UserDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<GroupDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) solution_users: Vec<SolutionUserDto>,
}

/// `OIDCClient`: the odd `oidcclientMetadataDTO` key is what Lightwave's Jackson produces.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OidcClientDto {
    pub(crate) client_id: String,
    #[serde(rename = "oidcclientMetadataDTO")]
    pub(crate) metadata: OidcClientMetadataDto,
}

/// `OIDCClientMetadata`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OidcClientMetadataDto {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token_endpoint_auth_method: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) post_logout_redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) logout_uri: Option<String>,
    #[serde(rename = "certSubjectDN", skip_serializing_if = "Option::is_none")]
    pub(crate) cert_subject_dn: Option<String>,
    #[serde(
        rename = "authnRequestClientAssertionLifetimeMS",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) authn_request_client_assertion_lifetime_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) multi_tenant: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) redirect_uri_templates: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) post_logout_redirect_uri_templates: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) logout_uri_template: Option<String>,
}

/// `ResourceServer`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceServerDto {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) group_filter: Vec<String>,
}

/// `TenantConfiguration`: each policy kept as a JSON object so unknown keys survive untouched.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TenantConfigurationDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lockout_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) provider_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) brand_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) authentication_policy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) operators_access_policy: Option<Value>,
}
