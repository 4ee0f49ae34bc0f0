//! Wire types of the IDM and VMDIR REST APIs, with the JSON field names Lightwave uses.
//!
//! Optional fields are omitted when `None` and empty lists are omitted, as Lightwave's Jackson
//! (`NON_EMPTY`) does; unknown fields are ignored so newer servers still decode. Secrets
//! (passwords, private keys) are redacted in `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};

const REDACTED: &str = "<redacted>";

fn redacted(value: &Option<String>) -> Option<&'static str> {
    value.as_ref().map(|_| REDACTED)
}

/// A tenant (`/idm/tenant`). `username`/`password` (the new tenant's administrator) and
/// `credentials` are only sent on create.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The tenant name, which is also its system domain (e.g. `acme.local`).
    pub name: String,
    /// A display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_name: Option<String>,
    /// An opaque key chosen by the creator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Server-assigned identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// The token issuer URL (the only field a PUT changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The signing key and chain; without it the server copies the system tenant's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<TenantCredentials>,
    /// UPN of the tenant administrator to create (create only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password of that administrator (create only; redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("name", &self.name)
            .field("long_name", &self.long_name)
            .field("key", &self.key)
            .field("guid", &self.guid)
            .field("issuer", &self.issuer)
            .field("credentials", &self.credentials)
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .finish()
    }
}

/// A tenant's token-signing key and certificate chain (leaf first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantCredentials {
    /// The signing key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PrivateKey>,
    /// The signing chain, leaf first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
}

/// A private key (redacted in `Debug`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateKey {
    /// Base64 of the PKCS#8 DER key.
    pub encoded: String,
    /// The key algorithm, e.g. `RSA`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("encoded", &REDACTED)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// An X.509 certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// The PEM text.
    pub encoded: String,
}

/// A certificate chain, leaf first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateChain {
    /// The certificates of the chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
}

/// Which certificates `GET …/certificates` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CertificateScope {
    /// The tenant's own signing chains.
    Tenant,
    /// Certificates of external identity providers.
    ExternalIdp,
}

impl CertificateScope {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tenant => "TENANT",
            Self::ExternalIdp => "EXTERNAL_IDP",
        }
    }
}

/// How much of each chain `GET …/certificates` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CertificateGranularity {
    /// Whole chains.
    Chain,
    /// Leaf certificates only.
    Leaf,
    /// Root certificates only.
    Root,
}

impl CertificateGranularity {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chain => "CHAIN",
            Self::Leaf => "LEAF",
            Self::Root => "ROOT",
        }
    }
}

/// A policy of the tenant configuration, selecting what `GET …/config` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigType {
    /// Every policy.
    All,
    /// The lockout policy.
    Lockout,
    /// The password policy.
    Password,
    /// The provider policy.
    Provider,
    /// The token policy.
    Token,
    /// The brand policy.
    Brand,
    /// The authentication policy.
    Authentication,
    /// The operators access policy.
    OperatorsAccess,
}

impl ConfigType {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Lockout => "LOCKOUT",
            Self::Password => "PASSWORD",
            Self::Provider => "PROVIDER",
            Self::Token => "TOKEN",
            Self::Brand => "BRAND",
            Self::Authentication => "AUTHENTICATION",
            Self::OperatorsAccess => "OPERATORS_ACCESS",
        }
    }
}

/// A tenant's policies (`/idm/tenant/{t}/config`). On PUT only the policies present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantConfiguration {
    /// Password rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<PasswordPolicy>,
    /// Account lockout rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_policy: Option<LockoutPolicy>,
    /// Token lifetimes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_policy: Option<TokenPolicy>,
    /// Default identity provider selection (kept as raw JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_policy: Option<serde_json::Value>,
    /// Logon branding (kept as raw JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand_policy: Option<serde_json::Value>,
    /// Authentication methods (kept as raw JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_policy: Option<serde_json::Value>,
    /// Operators access (kept as raw JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operators_access_policy: Option<serde_json::Value>,
}

/// Password rules of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Longest run of one repeated character.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_identical_adjacent_characters: Option<i32>,
    /// Maximum length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i32>,
    /// Minimum number of letters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_alphabetic_count: Option<i32>,
    /// Minimum length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<i32>,
    /// Minimum number of lowercase letters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_lowercase_count: Option<i32>,
    /// Minimum number of digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_numeric_count: Option<i32>,
    /// Minimum number of special characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_special_char_count: Option<i32>,
    /// Minimum number of uppercase letters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_uppercase_count: Option<i32>,
    /// Days before a password expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_lifetime_days: Option<i32>,
    /// How many previous passwords cannot be reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prohibited_previous_password_count: Option<i32>,
}

/// Account lockout rules of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockoutPolicy {
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Window in which failed attempts are counted, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_attempt_interval_sec: Option<i64>,
    /// Failed attempts before the account locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failed_attempts: Option<i32>,
    /// Seconds after which a locked account unlocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_unlock_interval_sec: Option<i64>,
}

/// Token lifetimes of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPolicy {
    /// Accepted clock difference, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_tolerance_millis: Option<i64>,
    /// How many times a token may be delegated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation_count: Option<i32>,
    /// Maximum bearer token lifetime, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bearer_token_life_time_millis: Option<i64>,
    /// Maximum holder-of-key token lifetime, in milliseconds.
    #[serde(
        rename = "maxHOKTokenLifeTimeMillis",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_hok_token_life_time_millis: Option<i64>,
    /// Maximum bearer refresh token lifetime, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bearer_refresh_token_life_time_millis: Option<i64>,
    /// Maximum holder-of-key refresh token lifetime, in milliseconds.
    #[serde(
        rename = "maxHOKRefreshTokenLifeTimeMillis",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_hok_refresh_token_life_time_millis: Option<i64>,
    /// How many times a token may be renewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renew_count: Option<i32>,
}

/// A principal name (aliases, search results).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// The account name.
    pub name: String,
    /// The domain.
    pub domain: String,
}

/// A person user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The account name.
    pub name: String,
    /// The domain (the tenant's system domain for users created through VMDIR).
    pub domain: String,
    /// Another name of the same account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<Principal>,
    /// Personal details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<UserDetails>,
    /// Whether the account is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Whether the account is locked (a PUT with `false` unlocks it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Password (write) and its age (read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_details: Option<PasswordDetails>,
    /// Server-assigned identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
}

impl User {
    /// The UPN `name@domain`, which names the user in paths.
    pub fn upn(&self) -> String {
        format!("{}@{}", self.name, self.domain)
    }
}

/// Personal details of a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDetails {
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user principal name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A user's password (write only) and its age.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordDetails {
    /// The password to set on create (redacted in `Debug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// When the password was last set (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_set: Option<i64>,
    /// Password lifetime (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<i64>,
}

impl fmt::Debug for PasswordDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordDetails")
            .field("password", &redacted(&self.password))
            .field("last_set", &self.last_set)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// A group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The group name.
    pub name: String,
    /// The domain.
    pub domain: String,
    /// Another name of the same group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<Principal>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<GroupDetails>,
    /// Server-assigned identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
}

impl Group {
    /// The UPN-style name `name@domain`, which names the group in paths.
    pub fn upn(&self) -> String {
        format!("{}@{}", self.name, self.domain)
    }
}

/// Details of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetails {
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A solution user: a service account authenticated by its certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SolutionUser {
    /// The account name.
    pub name: String,
    /// The domain.
    pub domain: String,
    /// Another name of the same account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<Principal>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The certificate it authenticates with (required on create and update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    /// Whether the account is disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Server-assigned identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    /// Whether its system-tenant groups count in other tenants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_tenant: Option<bool>,
}

/// Principals found by a search or a member listing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// Person users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    /// Groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// Solution users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution_users: Vec<SolutionUser>,
}

/// Which members of a group a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberType {
    /// Every kind (listing only).
    All,
    /// Person users.
    User,
    /// Groups.
    Group,
    /// Solution users.
    SolutionUser,
}

impl MemberType {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::User => "user",
            Self::Group => "group",
            Self::SolutionUser => "solutionuser",
        }
    }
}

/// A registered OIDC client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcClient {
    /// The server-assigned client id.
    pub client_id: String,
    /// The client's registration (Lightwave's odd wire name, used verbatim).
    #[serde(rename = "oidcclientMetadataDTO", default)]
    pub metadata: OidcClientMetadata,
}

/// The registration of an OIDC client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcClientMetadata {
    /// Allowed redirect URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uris: Vec<String>,
    /// `none` (public client) or `private_key_jwt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// Allowed post-logout redirect URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Front-channel logout URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logout_uri: Option<String>,
    /// Subject DN of the certificate of a `private_key_jwt` client.
    #[serde(rename = "certSubjectDN", skip_serializing_if = "Option::is_none")]
    pub cert_subject_dn: Option<String>,
    /// Lifetime of client assertions, in milliseconds.
    #[serde(
        rename = "authnRequestClientAssertionLifetimeMS",
        skip_serializing_if = "Option::is_none"
    )]
    pub authn_request_client_assertion_lifetime_ms: Option<i64>,
    /// Whether the client serves every tenant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_tenant: Option<bool>,
    /// Redirect URI templates (multi-tenant clients).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect_uri_templates: Vec<String>,
    /// Post-logout redirect URI templates (multi-tenant clients).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uri_templates: Vec<String>,
    /// Logout URI template (multi-tenant clients).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logout_uri_template: Option<String>,
}

/// A resource server: a token audience (`rs_…`) with the groups its tokens carry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceServer {
    /// The name, which must start with `rs_`.
    pub name: String,
    /// Groups included in tokens for this audience.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_filter: Vec<String>,
}

/// What `GET /idm/` reports about the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AboutInfo {
    /// The product name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// The version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}
