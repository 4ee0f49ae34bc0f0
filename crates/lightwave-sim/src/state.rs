//! The directory: tenants with their principals, policies and signing credentials, and its
//! persistence to an optional state file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::SimError;
use crate::crypto::{self, Signer};
use crate::wire::UserDetailsDto;

/// Built-in groups of every tenant (Lightwave's vmdir creates these for a new tenant domain).
pub(crate) const TENANT_GROUPS: [&str; 4] =
    ["Administrators", "Users", "TrustedUsers", "ActAsUsers"];
/// Extra built-in groups of the system tenant that grant system-wide roles.
pub(crate) const SYSTEM_GROUPS: [&str; 2] =
    ["SystemConfiguration.Administrators", "TenantOperators"];

/// Everything the simulator knows; serialised as the state file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Directory {
    /// Name of the system tenant (also its domain).
    pub(crate) system_tenant: String,
    /// Tenants by lowercase name.
    pub(crate) tenants: BTreeMap<String, Tenant>,
    /// Parsed signing keys by base64 PKCS#8 (tenants that copy the system credentials share one).
    #[serde(skip)]
    signers: HashMap<String, Arc<Signer>>,
}

/// One tenant.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Tenant {
    pub(crate) name: String,
    pub(crate) long_name: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) guid: String,
    pub(crate) issuer: String,
    /// Base64 PKCS#8 RSA key: persisted so tokens stay valid across a restart.
    pub(crate) signing_key: String,
    /// Signing chain, PEM, leaf first.
    pub(crate) signing_certificates: Vec<String>,
    /// Extra trusted certificates (`POST …/certificates`), PEM.
    pub(crate) trusted_certificates: Vec<String>,
    /// The seven policies as JSON objects keyed by their wire name (`passwordPolicy`, …).
    pub(crate) config: BTreeMap<String, Value>,
    /// Users by lowercase UPN.
    pub(crate) users: BTreeMap<String, User>,
    /// Groups by lowercase name.
    pub(crate) groups: BTreeMap<String, Group>,
    /// Solution users by lowercase name.
    pub(crate) solution_users: BTreeMap<String, SolutionUser>,
    /// OIDC client metadata by client id.
    pub(crate) oidc_clients: BTreeMap<String, crate::wire::OidcClientMetadataDto>,
    /// Resource servers: name → group filter.
    pub(crate) resource_servers: BTreeMap<String, Vec<String>>,
}

/// A person user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub(crate) name: String,
    pub(crate) domain: String,
    pub(crate) details: UserDetailsDto,
    pub(crate) disabled: bool,
    pub(crate) locked: bool,
    pub(crate) password_hash: String,
    /// Seconds since the epoch.
    pub(crate) password_last_set: i64,
    pub(crate) object_id: String,
    /// Times (epoch seconds) of recent failed logins, for the lockout policy.
    #[serde(default)]
    pub(crate) failed_logins: Vec<i64>,
    /// When the lockout policy locked the account (epoch seconds), for auto-unlock.
    #[serde(default)]
    pub(crate) locked_at: Option<i64>,
}

impl User {
    pub(crate) fn upn(&self) -> String {
        format!("{}@{}", self.name, self.domain)
    }
}

/// Kind of a group member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum MemberKind {
    User,
    Group,
    SolutionUser,
}

/// A group; members are (kind, lowercase key in the tenant's map).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) object_id: String,
    pub(crate) members: BTreeSet<(MemberKind, String)>,
}

/// A solution user (certificate-backed service principal).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SolutionUser {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) certificate: String,
    pub(crate) disabled: bool,
    pub(crate) multi_tenant: bool,
    pub(crate) object_id: String,
}

/// Current time in seconds since the epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The policies a new tenant starts with: Lightwave's defaults, with the password lifetime raised
/// to 700 days as `TenantResource.create` does.
pub(crate) fn default_config(tenant: &str, brand_name: Option<&str>) -> BTreeMap<String, Value> {
    let mut brand = json!({"logonBannerCheckboxEnabled": false, "logonBannerDisabled": true});
    if let Some(name) = brand_name {
        brand["name"] = json!(name);
    }
    BTreeMap::from([
        (
            "passwordPolicy".to_string(),
            json!({
                "description": "Default Password Policy",
                "maxIdenticalAdjacentCharacters": 3, "maxLength": 20, "minAlphabeticCount": 2,
                "minLength": 8, "minLowercaseCount": 1, "minNumericCount": 1, "minSpecialCharCount": 1,
                "minUppercaseCount": 1, "passwordLifetimeDays": 700, "prohibitedPreviousPasswordCount": 5
            }),
        ),
        (
            "lockoutPolicy".to_string(),
            json!({
                "description": "Default Lockout Policy",
                "failedAttemptIntervalSec": 180, "maxFailedAttempts": 5, "autoUnlockIntervalSec": 300
            }),
        ),
        (
            "tokenPolicy".to_string(),
            json!({
                "clockToleranceMillis": 600_000, "delegationCount": 10,
                "maxBearerTokenLifeTimeMillis": 3_600_000_i64, "maxHOKTokenLifeTimeMillis": 2_592_000_000_i64,
                "maxBearerRefreshTokenLifeTimeMillis": 21_600_000_i64,
                "maxHOKRefreshTokenLifeTimeMillis": 2_592_000_000_i64, "renewCount": 10
            }),
        ),
        (
            "providerPolicy".to_string(),
            json!({"defaultProvider": tenant, "providerSelectionEnabled": false}),
        ),
        ("brandPolicy".to_string(), brand),
        (
            "authenticationPolicy".to_string(),
            json!({
                "passwordBasedAuthenticationEnabled": true,
                "windowsBasedAuthenticationEnabled": false,
                "certificateBasedAuthenticationEnabled": false
            }),
        ),
        (
            "operatorsAccessPolicy".to_string(),
            json!({"enabled": false}),
        ),
    ])
}

impl Tenant {
    /// A tenant with its built-in groups and default policies, but no users yet.
    pub(crate) fn new(
        name: &str,
        issuer: String,
        signing_key: String,
        signing_certificates: Vec<String>,
        system: bool,
        brand_name: Option<&str>,
    ) -> Result<Tenant, SimError> {
        let mut groups = BTreeMap::new();
        let extra: &[&str] = if system { &SYSTEM_GROUPS } else { &[] };
        for group in TENANT_GROUPS.iter().chain(extra) {
            groups.insert(
                group.to_lowercase(),
                Group {
                    name: (*group).to_string(),
                    description: None,
                    object_id: crypto::random_uuid()?,
                    members: BTreeSet::new(),
                },
            );
        }
        Ok(Tenant {
            name: name.to_string(),
            long_name: None,
            key: None,
            guid: crypto::random_uuid()?,
            issuer,
            signing_key,
            signing_certificates,
            trusted_certificates: Vec::new(),
            config: default_config(name, brand_name),
            users: BTreeMap::new(),
            groups,
            solution_users: BTreeMap::new(),
            oidc_clients: BTreeMap::new(),
            resource_servers: BTreeMap::new(),
        })
    }

    /// The tenant's system domain: Lightwave names it after the tenant.
    pub(crate) fn domain(&self) -> String {
        self.name.to_lowercase()
    }

    /// An integer field of a policy (for enforcement).
    pub(crate) fn policy_int(&self, policy: &str, field: &str) -> Option<i64> {
        self.config.get(policy)?.get(field)?.as_i64()
    }

    /// Groups that directly contain the member.
    pub(crate) fn direct_parents(&self, kind: MemberKind, key: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, group)| group.members.contains(&(kind, key.to_string())))
            .map(|(group_key, _)| group_key.clone())
            .collect()
    }

    /// Groups that contain the member directly or through other groups (cycle-safe).
    pub(crate) fn all_parents(&self, kind: MemberKind, key: &str) -> Vec<String> {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut pending = self.direct_parents(kind, key);
        while let Some(group) = pending.pop() {
            if seen.insert(group.clone()) {
                pending.extend(self.direct_parents(MemberKind::Group, &group));
            }
        }
        seen.into_iter().collect()
    }

    /// Adds a user and puts it in the given built-in groups.
    pub(crate) fn add_user(&mut self, user: User, groups: &[&str]) {
        let key = user.upn().to_lowercase();
        for group in groups {
            if let Some(group) = self.groups.get_mut(&group.to_lowercase()) {
                group.members.insert((MemberKind::User, key.clone()));
            }
        }
        self.users.insert(key, user);
    }

    /// Removes a principal from every group it belongs to.
    pub(crate) fn forget_member(&mut self, kind: MemberKind, key: &str) {
        for group in self.groups.values_mut() {
            group.members.remove(&(kind, key.to_string()));
        }
    }
}

impl Directory {
    /// A fresh directory: the system tenant, its signing key and its administrator.
    pub(crate) fn bootstrap(
        system_tenant: &str,
        issuer: String,
        admin_username: &str,
        admin_password: &str,
    ) -> Result<Directory, SimError> {
        let (pkcs8, certificate) = crypto::generate_signing_credentials(system_tenant)?;
        let mut tenant = Tenant::new(
            system_tenant,
            issuer,
            STANDARD.encode(pkcs8),
            vec![certificate],
            true,
            None,
        )?;
        let admin = User {
            name: admin_username.to_string(),
            domain: tenant.domain(),
            details: UserDetailsDto {
                upn: Some(format!("{admin_username}@{}", tenant.domain())),
                description: Some("Lightwave administrator".into()),
                ..UserDetailsDto::default()
            },
            disabled: false,
            locked: false,
            password_hash: crypto::hash_password(admin_password)?,
            password_last_set: now(),
            object_id: crypto::random_uuid()?,
            failed_logins: Vec::new(),
            locked_at: None,
        };
        tenant.add_user(
            admin,
            &[
                "Administrators",
                "Users",
                "SystemConfiguration.Administrators",
                "TenantOperators",
            ],
        );
        let mut tenants = BTreeMap::new();
        tenants.insert(system_tenant.to_lowercase(), tenant);
        Ok(Directory {
            system_tenant: system_tenant.to_string(),
            tenants,
            signers: HashMap::new(),
        })
    }

    /// Loads a state file written by [`Directory::save`].
    pub(crate) fn load(path: &Path) -> Result<Directory, SimError> {
        let text = std::fs::read(path).map_err(|error| SimError::State {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
        serde_json::from_slice(&text).map_err(|error| SimError::State {
            path: path.to_path_buf(),
            reason: format!("not a lightwave-sim state file: {error}"),
        })
    }

    /// Writes the state atomically (temp file + rename) with mode 0600: it holds private keys.
    pub(crate) fn save(&self, path: &Path) -> Result<(), SimError> {
        let failed = |reason: String| SimError::State {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = serde_json::to_vec_pretty(self).map_err(|error| failed(error.to_string()))?;
        let mut temp = PathBuf::from(path);
        temp.set_extension("tmp");
        {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&temp)
                .map_err(|error| failed(error.to_string()))?;
            file.write_all(&bytes)
                .map_err(|error| failed(error.to_string()))?;
            file.sync_all().map_err(|error| failed(error.to_string()))?;
        }
        std::fs::rename(&temp, path).map_err(|error| failed(error.to_string()))
    }

    /// The tenant by name (case-insensitive).
    pub(crate) fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.tenants.get(&name.to_lowercase())
    }

    /// The tenant by name, mutable.
    pub(crate) fn tenant_mut(&mut self, name: &str) -> Option<&mut Tenant> {
        self.tenants.get_mut(&name.to_lowercase())
    }

    /// The system tenant.
    pub(crate) fn system(&self) -> Option<&Tenant> {
        self.tenant(&self.system_tenant)
    }

    /// The parsed signing key of a tenant.
    pub(crate) fn signer(&mut self, tenant: &str) -> Result<Arc<Signer>, SimError> {
        let encoded = self
            .tenant(tenant)
            .map(|tenant| tenant.signing_key.clone())
            .ok_or_else(|| SimError::Crypto(format!("no tenant {tenant}")))?;
        if let Some(signer) = self.signers.get(&encoded) {
            return Ok(Arc::clone(signer));
        }
        let der = STANDARD
            .decode(&encoded)
            .map_err(|_| SimError::Crypto(format!("tenant {tenant}: signing key is not base64")))?;
        let signer = Arc::new(
            Signer::from_pkcs8(&der)
                .map_err(|reason| SimError::Crypto(format!("tenant {tenant}: {reason}")))?,
        );
        self.signers.insert(encoded, Arc::clone(&signer));
        Ok(signer)
    }
}
