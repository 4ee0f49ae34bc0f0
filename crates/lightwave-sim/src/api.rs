//! IDM and VMDIR REST resources, their role checks and error bodies.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::Shared;
use crate::crypto;
use crate::state::{self, Directory, Group, MemberKind, SolutionUser, Tenant, User};
use crate::wire::*;

type Shr = State<Arc<Shared>>;
type ApiResult = Result<Response, ApiError>;

/// An IDM/VMDIR error: `{error, details, cause?}` with its HTTP status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    error: &'static str,
    details: String,
    cause: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: &'static str, details: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            details: details.into(),
            cause: None,
        }
    }
    pub(crate) fn bad_request(details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", details)
    }
    pub(crate) fn not_found(details: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", details)
    }
    fn not_implemented(details: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "not_implemented", details)
    }
    pub(crate) fn internal(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            details,
        )
    }
    fn invalid_request(details: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_request", details)
    }
    fn invalid_token(details: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_token", details)
    }
    fn insufficient_scope(details: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "insufficient_scope", details)
    }
    fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.error, "details": self.details});
        if let Some(cause) = self.cause {
            body["cause"] = json!(cause);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<crate::SimError> for ApiError {
    fn from(error: crate::SimError) -> Self {
        ApiError::internal("the simulator failed to complete the request")
            .with_cause(error.to_string())
    }
}

fn ok<T: Serialize>(value: T) -> ApiResult {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Roles of the REST filter. The derive order is the hierarchy (each includes the ones before it);
/// TenantOperator is compared separately (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    Guest,
    Regular,
    Trusted,
    ConfigurationUser,
    Administrator,
    TenantOperator,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Guest => "GuestUser",
            Role::Regular => "RegularUser",
            Role::Trusted => "TrustedUser",
            Role::ConfigurationUser => "ConfigurationUser",
            Role::Administrator => "Administrator",
            Role::TenantOperator => "TenantOperator",
        }
    }
    fn group(self) -> &'static str {
        match self {
            Role::Guest => "Everyone",
            Role::Regular => "Users",
            Role::Trusted => "TrustedUsers",
            Role::ConfigurationUser => "SystemConfiguration.Administrators",
            Role::Administrator => "Administrators",
            Role::TenantOperator => "TenantOperators",
        }
    }
    fn system_domain_only(self) -> bool {
        matches!(self, Role::ConfigurationUser | Role::TenantOperator)
    }
}

/// The verified caller of a request.
#[derive(Debug)]
pub(crate) struct Caller {
    subject: String,
    groups: Vec<String>,
    multi_tenant: bool,
}

impl Caller {
    fn has_group(&self, domain: &str, group: &str) -> bool {
        let wanted = format!("{domain}\\{group}");
        self.groups.iter().any(|g| g.eq_ignore_ascii_case(&wanted))
    }

    fn has_role(&self, required: Role, tenant_domain: &str, system_domain: &str) -> bool {
        if required == Role::TenantOperator {
            return self.has_group(system_domain, Role::TenantOperator.group());
        }
        let domain_for_tenant_roles = if required.system_domain_only() || self.multi_tenant {
            system_domain
        } else {
            tenant_domain
        };
        [
            Role::Administrator,
            Role::ConfigurationUser,
            Role::Trusted,
            Role::Regular,
            Role::Guest,
        ]
        .into_iter()
        .filter(|role| *role >= required)
        .any(|role| {
            let domain = if role.system_domain_only() {
                system_domain
            } else {
                domain_for_tenant_roles
            };
            self.has_group(domain, role.group())
        })
    }
}

/// Finds the bearer token in the `Authorization` header or the `access_token` query parameter.
fn bearer_token(
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<Option<String>, ApiError> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::invalid_request("the Authorization header is not ASCII"))?;
        let Some((scheme, token)) = value.split_once(' ') else {
            return Err(ApiError::invalid_request(
                "malformed Authorization header: expected 'Bearer <token>'",
            ));
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::invalid_request(format!(
                "unsupported token type '{scheme}': expected Bearer"
            )));
        }
        return Ok(Some(token.trim().to_string()));
    }
    Ok(query
        .iter()
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.clone()))
}

/// The REST authorization filter: verifies the token against the path tenant's signing key (the
/// system tenant's for system-domain roles) and checks the role from the `groups` claim.
/// `required: None` is Lightwave's dynamic role: a token is verified when present, not required.
fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    query: &[(String, String)],
    path_tenant: &str,
    required: Option<Role>,
) -> Result<Option<Caller>, ApiError> {
    let Some(token) = bearer_token(headers, query)? else {
        return match required {
            Some(_) => Err(ApiError::invalid_request(
                "Missing access token: send 'Authorization: Bearer <token>' from /openidconnect/token",
            )),
            None => Ok(None),
        };
    };
    let mut directory = lock(shared)?;
    let system = directory.system_tenant.clone();
    let system_domain = system.to_lowercase();
    let Some(tenant) = directory.tenant(path_tenant) else {
        return Err(ApiError::not_found(format!(
            "Tenant '{path_tenant}' does not exist"
        )));
    };
    let tenant_domain = tenant.domain();
    let skew_secs = tenant
        .policy_int("tokenPolicy", "clockToleranceMillis")
        .unwrap_or(0)
        / 1000;
    let key_tenant = if required.is_some_and(Role::system_domain_only) {
        system.clone()
    } else {
        path_tenant.to_string()
    };
    let signer = directory.signer(&key_tenant)?;
    drop(directory);

    let claims = signer.verify_jwt(&token).map_err(ApiError::invalid_token)?;
    if claims.get("token_class").and_then(Value::as_str) != Some("access_token") {
        return Err(ApiError::invalid_token("the token is not an access token"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if state::now() > exp + skew_secs {
        return Err(ApiError::invalid_token("the token has expired"));
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == "rs_admin_server",
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud == "rs_admin_server"),
        _ => false,
    };
    if !audience_ok {
        return Err(ApiError::invalid_token(
            "the token audience does not include rs_admin_server (request that scope)",
        ));
    }
    let Some(subject) = claims.get("sub").and_then(Value::as_str) else {
        return Err(ApiError::invalid_token("the token has no subject"));
    };
    let caller = Caller {
        subject: subject.to_string(),
        groups: claims
            .get("groups")
            .and_then(Value::as_array)
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        multi_tenant: claims.get("multi_tenant").and_then(Value::as_bool) == Some(true),
    };
    if let Some(required) = required {
        let subject_domain = caller
            .subject
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_lowercase())
            .unwrap_or_default();
        if required.system_domain_only() && subject_domain != system_domain {
            return Err(ApiError::insufficient_scope(format!(
                "Access denied: the {} role is only granted to principals of the system tenant",
                required.name()
            )));
        }
        if !caller.has_role(required, &tenant_domain, &system_domain) {
            return Err(ApiError::insufficient_scope(format!(
                "Access denied: the {} role is required for tenant '{path_tenant}'",
                required.name()
            )));
        }
    }
    Ok(Some(caller))
}

fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Directory>, ApiError> {
    shared
        .directory
        .lock()
        .map_err(|_| ApiError::internal("the simulator state lock is poisoned"))
}

/// Runs a change and persists the directory when it succeeded.
fn mutate<R>(
    shared: &Shared,
    change: impl FnOnce(&mut Directory) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    let mut directory = lock(shared)?;
    let result = change(&mut directory)?;
    shared.persist(&directory)?;
    Ok(result)
}

fn tenant_of<'d>(directory: &'d Directory, name: &str) -> Result<&'d Tenant, ApiError> {
    directory
        .tenant(name)
        .ok_or_else(|| ApiError::not_found(format!("Tenant '{name}' does not exist")))
}

fn tenant_of_mut<'d>(directory: &'d mut Directory, name: &str) -> Result<&'d mut Tenant, ApiError> {
    directory
        .tenant_mut(name)
        .ok_or_else(|| ApiError::not_found(format!("Tenant '{name}' does not exist")))
}

/// Decodes `a=b&c=d` (query strings and form bodies), `+` as space, percent escapes.
pub(crate) fn form_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let hex_value = |byte: u8| {
        char::from(byte)
            .to_digit(16)
            .and_then(|v| u8::try_from(v).ok())
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                match (hex_value(bytes[index + 1]), hex_value(bytes[index + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(high * 16 + low);
                        index += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_of(raw: &Option<String>) -> Vec<(String, String)> {
    raw.as_deref().map(form_pairs).unwrap_or_default()
}

fn query_values<'q>(query: &'q [(String, String)], key: &str) -> Vec<&'q str> {
    query
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, value)| value.as_str())
        .collect()
}

fn query_flag(query: &[(String, String)], key: &str) -> bool {
    query_values(query, key)
        .first()
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

fn parse_body<T: DeserializeOwned>(body: &Bytes, what: &str) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request(format!(
            "the request body is empty: expected a JSON {what}"
        )));
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(format!("the request body is not a valid JSON {what}"))
            .with_cause(error.to_string())
    })
}

/// Splits `name@domain` or `DOMAIN\name`; a bare name belongs to `default_domain`.
fn split_principal(text: &str, default_domain: &str) -> (String, String) {
    if let Some((name, domain)) = text.rsplit_once('@') {
        (name.to_string(), domain.to_lowercase())
    } else if let Some((domain, name)) = text.split_once('\\') {
        (name.to_string(), domain.to_lowercase())
    } else {
        (text.to_string(), default_domain.to_string())
    }
}

fn principal_key(tenant: &Tenant, text: &str) -> String {
    let (name, domain) = split_principal(text, &tenant.domain());
    format!("{name}@{domain}").to_lowercase()
}

fn group_key(tenant: &Tenant, text: &str) -> Result<String, ApiError> {
    let (name, domain) = split_principal(text, &tenant.domain());
    if domain != tenant.domain() {
        return Err(ApiError::not_found(format!(
            "Group '{text}' does not exist: groups of tenant '{}' are in domain '{}'",
            tenant.name,
            tenant.domain()
        )));
    }
    Ok(name.to_lowercase())
}

// ---------------------------------------------------------------------------------------------
// Conversions to wire shapes

fn user_dto(tenant: &Tenant, user: &User) -> UserDto {
    let lifetime_days = tenant
        .policy_int("passwordPolicy", "passwordLifetimeDays")
        .unwrap_or(0);
    UserDto {
        name: user.name.clone(),
        domain: user.domain.clone(),
        alias: None,
        details: Some(user.details.clone()).filter(|details| *details != UserDetailsDto::default()),
        disabled: Some(user.disabled),
        locked: Some(user.locked),
        password_details: Some(PasswordDetailsDto {
            password: None,
            last_set: Some(user.password_last_set),
            lifetime: Some(lifetime_days * 86_400),
        }),
        object_id: Some(user.object_id.clone()),
    }
}

fn group_dto(tenant: &Tenant, group: &Group) -> GroupDto {
    GroupDto {
        name: group.name.clone(),
        domain: tenant.domain(),
        alias: None,
        details: group
            .description
            .clone()
            .map(|description| GroupDetailsDto {
                description: Some(description),
            }),
        object_id: Some(group.object_id.clone()),
    }
}

fn solution_user_dto(tenant: &Tenant, user: &SolutionUser) -> SolutionUserDto {
    SolutionUserDto {
        name: user.name.clone(),
        domain: tenant.domain(),
        alias: None,
        description: user.description.clone(),
        certificate: Some(CertificateDto {
            encoded: user.certificate.clone(),
        }),
        disabled: Some(user.disabled),
        object_id: Some(user.object_id.clone()),
        multi_tenant: Some(user.multi_tenant),
    }
}

fn tenant_dto(tenant: &Tenant) -> TenantDto {
    TenantDto {
        name: tenant.name.clone(),
        long_name: tenant.long_name.clone(),
        key: tenant.key.clone(),
        guid: Some(tenant.guid.clone()),
        issuer: Some(tenant.issuer.clone()).filter(|issuer| !issuer.is_empty()),
        ..TenantDto::default()
    }
}

fn groups_dto(tenant: &Tenant, keys: &[String]) -> Vec<GroupDto> {
    keys.iter()
        .filter_map(|key| tenant.groups.get(key))
        .map(|group| group_dto(tenant, group))
        .collect()
}

/// Checks a password against the tenant's password policy.
pub(crate) fn check_password_policy(tenant: &Tenant, password: &str) -> Result<(), ApiError> {
    let policy = |field: &str| tenant.policy_int("passwordPolicy", field).unwrap_or(0);
    let count = |test: fn(&char) -> bool| {
        i64::try_from(password.chars().filter(test).count()).unwrap_or(i64::MAX)
    };
    let length = count(|_| true);
    let mut problems = Vec::new();
    if length < policy("minLength") {
        problems.push(format!("at least {} characters", policy("minLength")));
    }
    let max_length = policy("maxLength");
    if max_length > 0 && length > max_length {
        problems.push(format!("at most {max_length} characters"));
    }
    for (field, what, test) in [
        (
            "minUppercaseCount",
            "uppercase letters",
            (|c: &char| c.is_uppercase()) as fn(&char) -> bool,
        ),
        ("minLowercaseCount", "lowercase letters", |c: &char| {
            c.is_lowercase()
        }),
        ("minNumericCount", "digits", |c: &char| c.is_ascii_digit()),
        ("minAlphabeticCount", "letters", |c: &char| {
            c.is_alphabetic()
        }),
        ("minSpecialCharCount", "special characters", |c: &char| {
            !c.is_alphanumeric() && !c.is_whitespace()
        }),
    ] {
        let wanted = policy(field);
        if count(test) < wanted {
            problems.push(format!("at least {wanted} {what}"));
        }
    }
    let max_adjacent = policy("maxIdenticalAdjacentCharacters");
    if max_adjacent > 0 {
        let chars: Vec<char> = password.chars().collect();
        let mut run = 1;
        for pair in chars.windows(2) {
            run = if pair[0] == pair[1] { run + 1 } else { 1 };
            if run > max_adjacent {
                problems.push(format!(
                    "at most {max_adjacent} identical adjacent characters"
                ));
                break;
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "the password does not satisfy the password policy of tenant '{}': it needs {}",
            tenant.name,
            problems.join(", ")
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Router

/// Every route of the simulator.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let tenant = "/idm/tenant/{tenant}";
    let vmdir = "/vmdir/tenant/{tenant}";
    Router::new()
        .route("/idm", get(about))
        .route("/idm/", get(about))
        .route("/idm/server/status", get(status))
        .route("/idm/tenant", post(create_tenant))
        .route(
            tenant,
            get(get_tenant).put(update_tenant).delete(delete_tenant),
        )
        .route(&format!("{tenant}/config"), get(get_config).put(put_config))
        .route(
            &format!("{tenant}/certificates"),
            get(get_certificates)
                .post(add_certificate)
                .delete(remove_certificate),
        )
        .route(&format!("{tenant}/users/{{user}}"), get(get_user))
        .route(&format!("{tenant}/users/{{user}}/groups"), get(user_groups))
        .route(&format!("{tenant}/groups/{{group}}"), get(get_group))
        .route(
            &format!("{tenant}/groups/{{group}}/members"),
            get(group_members),
        )
        .route(
            &format!("{tenant}/groups/{{group}}/parents"),
            get(group_parents),
        )
        .route(
            &format!("{tenant}/solutionusers/{{name}}"),
            get(get_solution_user),
        )
        .route(
            &format!("{tenant}/solutionusers/{{name}}/groups"),
            get(solution_user_groups),
        )
        .route(
            &format!("{tenant}/oidcclient"),
            get(list_oidc_clients).post(create_oidc_client),
        )
        .route(
            &format!("{tenant}/oidcclient/{{client}}"),
            get(get_oidc_client)
                .put(update_oidc_client)
                .delete(delete_oidc_client),
        )
        .route(
            &format!("{tenant}/resourceserver"),
            get(list_resource_servers).post(create_resource_server),
        )
        .route(
            &format!("{tenant}/resourceserver/{{name}}"),
            get(get_resource_server)
                .put(update_resource_server)
                .delete(delete_resource_server),
        )
        .route(&format!("{vmdir}/users"), post(create_user))
        .route(
            &format!("{vmdir}/users/{{user}}"),
            get(get_user).put(update_user).delete(delete_user),
        )
        .route(
            &format!("{vmdir}/users/{{user}}/password"),
            put(set_password),
        )
        .route(&format!("{vmdir}/users/{{user}}/groups"), get(user_groups))
        .route(&format!("{vmdir}/groups"), post(create_group))
        .route(
            &format!("{vmdir}/groups/{{group}}"),
            get(get_group).put(update_group).delete(delete_group),
        )
        .route(
            &format!("{vmdir}/groups/{{group}}/members"),
            get(group_members).put(add_members).delete(remove_members),
        )
        .route(
            &format!("{vmdir}/groups/{{group}}/parents"),
            get(group_parents),
        )
        .route(
            &format!("{vmdir}/solutionusers"),
            post(create_solution_user),
        )
        .route(
            &format!("{vmdir}/solutionusers/{{name}}"),
            get(get_solution_user)
                .put(update_solution_user)
                .delete(delete_solution_user),
        )
        .route(
            &format!("{vmdir}/solutionusers/{{name}}/groups"),
            get(vmdir_solution_user_groups),
        )
        .route(
            &format!("{vmdir}/config"),
            get(get_vmdir_config).put(put_vmdir_config),
        )
        .merge(crate::oidc::routes())
        .fallback(|| async {
            ApiError::not_found("no such resource in the Lightwave simulator").into_response()
        })
        .with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// Server

async fn about() -> ApiResult {
    ok(json!({
        "productName": "idm",
        "version": env!("CARGO_PKG_VERSION"),
        "release": "lightwave-sim",
    }))
}

async fn status() -> ApiResult {
    ok(json!({"status": "OK"}))
}

// ---------------------------------------------------------------------------------------------
// Tenants

async fn create_tenant(
    State(shared): Shr,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    let query = query_of(&raw);
    let system = lock(&shared)?.system_tenant.clone();
    authorize(
        &shared,
        &headers,
        &query,
        &system,
        Some(Role::TenantOperator),
    )?;
    let request: TenantDto = parse_body(&body, "Tenant")?;
    let name = request.name.trim().to_string();
    if name.is_empty() || name.contains(['/', '\\', '@', ' ']) {
        return Err(ApiError::bad_request(format!(
            "invalid tenant name '{name}': expected a non-empty domain-like name without '/', '\\\\', '@' or spaces"
        )));
    }
    let (Some(username), Some(password)) = (request.username.clone(), request.password.clone())
    else {
        return Err(ApiError::bad_request(
            "creating a tenant needs 'username' and 'password' of its administrator",
        ));
    };
    // As Lightwave: only credentials with both a private key and certificates are used; anything
    // less means "copy the system tenant's".
    let credentials = match &request.credentials {
        Some(credentials)
            if credentials.private_key.is_some() && credentials.certificates.is_some() =>
        {
            Some(parse_credentials(credentials)?)
        }
        _ => None,
    };
    let base_url = shared.base_url.clone();
    let created = mutate(&shared, |directory| {
        if directory.tenant(&name).is_some() {
            return Err(ApiError::bad_request(format!(
                "Tenant '{name}' already exists"
            )));
        }
        let system = directory
            .system()
            .ok_or_else(|| ApiError::internal("the system tenant is missing"))?;
        let (signing_key, signing_certificates) = match credentials {
            Some(credentials) => credentials,
            // Lightwave copies the system tenant's signing credentials when none are given.
            None => (
                system.signing_key.clone(),
                system.signing_certificates.clone(),
            ),
        };
        let brand = system
            .config
            .get("brandPolicy")
            .and_then(|brand| brand.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut tenant = Tenant::new(
            &name,
            format!("{base_url}/openidconnect/{name}"),
            signing_key,
            signing_certificates,
            false,
            brand.as_deref(),
        )?;
        tenant.long_name = request.long_name.clone().filter(|s| !s.is_empty());
        tenant.key = request.key.clone().filter(|s| !s.is_empty());
        let (admin_name, admin_domain) = split_principal(&username, &tenant.domain());
        if admin_domain != tenant.domain() || admin_name.is_empty() {
            return Err(ApiError::bad_request(format!(
                "the tenant administrator '{username}' must be in the new tenant's domain '{}'",
                tenant.domain()
            )));
        }
        check_password_policy(&tenant, &password)?;
        let admin = User {
            name: admin_name.clone(),
            domain: tenant.domain(),
            details: UserDetailsDto {
                upn: Some(format!("{admin_name}@{}", tenant.domain())),
                ..UserDetailsDto::default()
            },
            disabled: false,
            locked: false,
            password_hash: crypto::hash_password(&password)?,
            password_last_set: state::now(),
            object_id: crypto::random_uuid()?,
            failed_logins: Vec::new(),
            locked_at: None,
        };
        tenant.add_user(admin, &["Administrators", "Users"]);
        let dto = tenant_dto(&tenant);
        directory.tenants.insert(name.to_lowercase(), tenant);
        Ok(dto)
    })?;
    tracing::info!(tenant = %created.name, "tenant created");
    ok(created)
}

/// Validates supplied tenant credentials: (base64 PKCS#8 key, PEM chain).
fn parse_credentials(
    credentials: &TenantCredentialsDto,
) -> Result<(String, Vec<String>), ApiError> {
    let Some(private_key) = &credentials.private_key else {
        return Err(ApiError::bad_request(
            "credentials need 'privateKey' (base64 PKCS#8 RSA key) and 'certificates'",
        ));
    };
    let encoded = private_key.encoded.trim();
    let der = if encoded.starts_with("-----BEGIN") {
        use rustls::pki_types::pem::PemObject as _;
        rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(encoded.as_bytes())
            .map(|key| key.secret_pkcs8_der().to_vec())
            .map_err(|_| ApiError::bad_request("credentials.privateKey is not a PKCS#8 PEM key"))?
    } else {
        STANDARD
            .decode(encoded.replace(['\n', '\r'], ""))
            .map_err(|_| ApiError::bad_request("credentials.privateKey.encoded is not base64"))?
    };
    crypto::Signer::from_pkcs8(&der)
        .map_err(|reason| ApiError::bad_request(format!("credentials.privateKey: {reason}")))?;
    let certificates = credentials.certificates.as_deref().unwrap_or_default();
    if certificates.is_empty() {
        return Err(ApiError::bad_request(
            "credentials.certificates must hold the signing certificate chain (leaf first)",
        ));
    }
    for (index, certificate) in certificates.iter().enumerate() {
        crypto::parse_certificate_pem(&certificate.encoded).map_err(|reason| {
            ApiError::bad_request(format!("credentials.certificates[{index}]: {reason}"))
        })?;
    }
    Ok((
        STANDARD.encode(der),
        certificates.iter().map(|c| c.encoded.clone()).collect(),
    ))
}

async fn get_tenant(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    let directory = lock(&shared)?;
    ok(tenant_dto(tenant_of(&directory, &name)?))
}

async fn update_tenant(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::TenantOperator),
    )?;
    let request: TenantDto = parse_body(&body, "Tenant")?;
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        // Lightwave's PUT only changes the issuer (an absent one clears it); every other field
        // is create-only.
        tenant.issuer = request.issuer.unwrap_or_default();
        Ok(tenant_dto(tenant))
    })?;
    ok(updated)
}

async fn delete_tenant(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::TenantOperator),
    )?;
    mutate(&shared, |directory| {
        tenant_of(directory, &name)?;
        if name.eq_ignore_ascii_case(&directory.system_tenant) {
            return Err(ApiError::bad_request("the system tenant cannot be deleted"));
        }
        directory.tenants.remove(&name.to_lowercase());
        Ok(())
    })?;
    tracing::info!(tenant = %name, "tenant deleted");
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Configuration

const POLICIES: [(&str, &str); 7] = [
    ("PASSWORD", "passwordPolicy"),
    ("LOCKOUT", "lockoutPolicy"),
    ("TOKEN", "tokenPolicy"),
    ("PROVIDER", "providerPolicy"),
    ("BRAND", "brandPolicy"),
    ("AUTHENTICATION", "authenticationPolicy"),
    ("OPERATORS_ACCESS", "operatorsAccessPolicy"),
];

fn config_value(tenant: &Tenant, keys: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for key in keys {
        if let Some(policy) = tenant.config.get(*key) {
            out.insert((*key).to_string(), policy.clone());
        }
    }
    Value::Object(out)
}

async fn get_config(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Regular))?;
    let mut keys = Vec::new();
    let types = query_values(&query, "type");
    for kind in &types {
        if kind.eq_ignore_ascii_case("ALL") {
            keys = POLICIES.iter().map(|(_, key)| *key).collect();
            break;
        }
        let Some((_, key)) = POLICIES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(kind))
        else {
            return Err(ApiError::bad_request(format!(
                "unknown configuration type '{kind}': expected ALL, LOCKOUT, PASSWORD, PROVIDER, TOKEN, BRAND, AUTHENTICATION or OPERATORS_ACCESS"
            )));
        };
        if !keys.contains(key) {
            keys.push(key);
        }
    }
    if types.is_empty() {
        keys = POLICIES.iter().map(|(_, key)| *key).collect();
    }
    let directory = lock(&shared)?;
    ok(config_value(tenant_of(&directory, &name)?, &keys))
}

fn merge_policies(
    tenant: &mut Tenant,
    request: &TenantConfigurationDto,
    allowed: &[&str],
) -> Result<Vec<&'static str>, ApiError> {
    let given = [
        ("passwordPolicy", &request.password_policy),
        ("lockoutPolicy", &request.lockout_policy),
        ("tokenPolicy", &request.token_policy),
        ("providerPolicy", &request.provider_policy),
        ("brandPolicy", &request.brand_policy),
        ("authenticationPolicy", &request.authentication_policy),
        ("operatorsAccessPolicy", &request.operators_access_policy),
    ];
    // Policies this resource does not manage are ignored, as Lightwave does.
    let given: Vec<(&'static str, &Option<Value>)> = given
        .into_iter()
        .filter(|(key, value)| value.is_some() && allowed.contains(key))
        .collect();
    // Validate everything before changing anything.
    for (key, value) in &given {
        let Some(Value::Object(fields)) = value else {
            return Err(ApiError::bad_request(format!(
                "{key} must be a JSON object"
            )));
        };
        if matches!(*key, "passwordPolicy" | "lockoutPolicy" | "tokenPolicy") {
            for (field, field_value) in fields {
                if field != "description" && field_value.as_i64().is_none_or(|n| n < 0) {
                    return Err(ApiError::bad_request(format!(
                        "{key}.{field} must be a non-negative integer, got {field_value}"
                    )));
                }
            }
        }
    }
    let updated: Vec<&'static str> = given.iter().map(|(key, _)| *key).collect();
    for (key, value) in given {
        if let Some(Value::Object(fields)) = value {
            let stored = tenant
                .config
                .entry(key.to_string())
                .or_insert_with(|| json!({}));
            if let Value::Object(stored) = stored {
                for (field, field_value) in fields {
                    stored.insert(field.clone(), field_value.clone());
                }
            }
        }
    }
    let min = tenant
        .policy_int("passwordPolicy", "minLength")
        .unwrap_or(0);
    let max = tenant
        .policy_int("passwordPolicy", "maxLength")
        .unwrap_or(0);
    if max > 0 && min > max {
        return Err(ApiError::bad_request(format!(
            "passwordPolicy.minLength ({min}) is greater than maxLength ({max})"
        )));
    }
    Ok(updated)
}

async fn put_config(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: TenantConfigurationDto = parse_body(&body, "TenantConfiguration")?;
    // Lightwave's IDM resource updates these; the password policy is changed only through
    // VMDIR's /config, so a passwordPolicy sent here is ignored, as Lightwave ignores it.
    let allowed = [
        "tokenPolicy",
        "providerPolicy",
        "brandPolicy",
        "authenticationPolicy",
        "lockoutPolicy",
        "operatorsAccessPolicy",
    ];
    let result = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let before = tenant.config.clone();
        match merge_policies(tenant, &request, &allowed) {
            // The response holds only the policies that were updated.
            Ok(updated) => Ok(config_value(tenant, &updated)),
            Err(error) => {
                tenant.config = before;
                Err(error)
            }
        }
    })?;
    ok(result)
}

async fn get_vmdir_config(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    let directory = lock(&shared)?;
    ok(config_value(
        tenant_of(&directory, &name)?,
        &["passwordPolicy", "lockoutPolicy"],
    ))
}

async fn put_vmdir_config(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: TenantConfigurationDto = parse_body(&body, "configuration")?;
    let allowed = ["passwordPolicy", "lockoutPolicy"];
    let result = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let before = tenant.config.clone();
        match merge_policies(tenant, &request, &allowed) {
            Ok(updated) => Ok(config_value(tenant, &updated)),
            Err(error) => {
                tenant.config = before;
                Err(error)
            }
        }
    })?;
    ok(result)
}

// ---------------------------------------------------------------------------------------------
// Certificates

async fn get_certificates(
    State(shared): Shr,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    let scope = query_values(&query, "scope")
        .first()
        .map_or("TENANT".to_string(), |s| s.to_uppercase());
    let granularity = query_values(&query, "granularity")
        .first()
        .map_or("CHAIN".to_string(), |s| s.to_uppercase());
    if !matches!(granularity.as_str(), "CHAIN" | "LEAF" | "ROOT") {
        return Err(ApiError::bad_request(format!(
            "unknown granularity '{granularity}': expected CHAIN, LEAF or ROOT"
        )));
    }
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let chains: Vec<Vec<String>> = match scope.as_str() {
        "TENANT" => std::iter::once(tenant.signing_certificates.clone())
            .chain(tenant.trusted_certificates.iter().map(|c| vec![c.clone()]))
            .collect(),
        "EXTERNAL_IDP" => Vec::new(),
        other => {
            return Err(ApiError::bad_request(format!(
                "unknown scope '{other}': expected TENANT or EXTERNAL_IDP"
            )));
        }
    };
    let chains: Vec<CertificateChainDto> = chains
        .into_iter()
        .map(|chain| {
            let selected: Vec<String> = match granularity.as_str() {
                "LEAF" => chain.first().cloned().into_iter().collect(),
                "ROOT" => chain.last().cloned().into_iter().collect(),
                _ => chain,
            };
            CertificateChainDto {
                certificates: selected
                    .into_iter()
                    .map(|encoded| CertificateDto { encoded })
                    .collect(),
            }
        })
        .collect();
    ok(chains)
}

async fn add_certificate(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: CertificateDto = parse_body(&body, "Certificate")?;
    let der = crypto::parse_certificate_pem(&request.encoded)
        .map_err(|reason| ApiError::bad_request(format!("encoded: {reason}")))?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let exists = tenant
            .trusted_certificates
            .iter()
            .chain(&tenant.signing_certificates)
            .any(|pem| crypto::parse_certificate_pem(pem).is_ok_and(|other| other == der));
        if exists {
            return Err(ApiError::bad_request(
                "the certificate is already trusted by this tenant",
            ));
        }
        tenant.trusted_certificates.push(request.encoded.clone());
        Ok(())
    })?;
    no_content()
}

async fn remove_certificate(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Administrator))?;
    let Some(fingerprint) = query_values(&query, "fingerprint")
        .first()
        .map(|f| f.replace(':', "").to_lowercase())
    else {
        return Err(ApiError::bad_request(
            "the 'fingerprint' query parameter is required",
        ));
    };
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let position = tenant.trusted_certificates.iter().position(|pem| {
            crypto::parse_certificate_pem(pem)
                .is_ok_and(|der| crypto::fingerprints(&der).contains(&fingerprint))
        });
        match position {
            Some(index) => {
                tenant.trusted_certificates.remove(index);
                Ok(())
            }
            None => Err(ApiError::not_found(format!(
                "no trusted certificate with fingerprint '{fingerprint}' in tenant '{name}'"
            ))),
        }
    })?;
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Users

fn find_user<'t>(tenant: &'t Tenant, upn: &str) -> Result<(String, &'t User), ApiError> {
    let key = principal_key(tenant, upn);
    tenant
        .users
        .get(&key)
        .map(|user| (key, user))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "User '{upn}' does not exist in tenant '{}'",
                tenant.name
            ))
        })
}

async fn create_user(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: UserDto = parse_body(&body, "User")?;
    let created = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        if request.name.trim().is_empty() || request.name.contains(['@', '\\', '/']) {
            return Err(ApiError::bad_request(format!(
                "invalid user name '{}': expected a non-empty name without '@', '\\\\' or '/'",
                request.name
            )));
        }
        if !request.domain.eq_ignore_ascii_case(&tenant.domain()) {
            return Err(ApiError::bad_request(format!(
                "user domain '{}' is not the system domain '{}' of tenant '{}'",
                request.domain,
                tenant.domain(),
                tenant.name
            )));
        }
        let disabled = request.disabled.unwrap_or(false);
        let locked = request.locked.unwrap_or(false);
        if disabled && locked {
            return Err(ApiError::bad_request(
                "a user cannot be created both disabled and locked",
            ));
        }
        let Some(password) = request
            .password_details
            .as_ref()
            .and_then(|details| details.password.clone())
        else {
            return Err(ApiError::bad_request(
                "passwordDetails.password is required to create a user",
            ));
        };
        let key = format!("{}@{}", request.name, tenant.domain()).to_lowercase();
        if tenant.users.contains_key(&key) {
            return Err(ApiError::bad_request(format!(
                "User '{}@{}' already exists",
                request.name,
                tenant.domain()
            )));
        }
        check_password_policy(tenant, &password)?;
        let mut details = request.details.clone().unwrap_or_default();
        details
            .upn
            .get_or_insert_with(|| format!("{}@{}", request.name, tenant.domain()));
        let user = User {
            name: request.name.clone(),
            domain: tenant.domain(),
            details,
            disabled,
            locked,
            password_hash: crypto::hash_password(&password)?,
            password_last_set: state::now(),
            object_id: crypto::random_uuid()?,
            failed_logins: Vec::new(),
            locked_at: locked.then(state::now),
        };
        let dto = user_dto(tenant, &user);
        tenant.users.insert(key, user);
        Ok(dto)
    })?;
    ok(created)
}

async fn get_user(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    let caller = authorize(&shared, &headers, &query, &name, Some(Role::Regular))?;
    // Lightwave shows passwordDetails only to an Administrator or the user itself.
    let is_admin = authorize(&shared, &headers, &query, &name, Some(Role::Administrator)).is_ok();
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (key, user) = find_user(tenant, &upn)?;
    let is_self = caller.is_some_and(|caller| caller.subject.to_lowercase() == key);
    let mut dto = user_dto(tenant, user);
    if !is_admin && !is_self {
        dto.password_details = None;
    }
    ok(dto)
}

/// Path UPNs of write operations must be in the tenant's system domain (400 otherwise).
fn require_system_domain(tenant: &Tenant, upn: &str) -> Result<(), ApiError> {
    let (_, domain) = split_principal(upn, &tenant.domain());
    if domain == tenant.domain() {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "'{upn}' is not in the system domain '{}' of tenant '{}'",
            tenant.domain(),
            tenant.name
        )))
    }
}

async fn update_user(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: UserDto = parse_body(&body, "User")?;
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (key, user) = find_user(tenant, &upn)?;
        let mut user = user.clone();
        // As Lightwave: details replace the stored ones, disabled enables/disables, locked=false
        // unlocks; locked=true is ignored (only the lockout policy locks); name/domain are ignored.
        if let Some(details) = request.details.clone() {
            let upn = user.details.upn.clone();
            user.details = details;
            if user.details.upn.is_none() {
                user.details.upn = upn;
            }
        }
        if let Some(disabled) = request.disabled {
            user.disabled = disabled;
        }
        if request.locked == Some(false) {
            user.locked = false;
            user.locked_at = None;
            user.failed_logins.clear();
        }
        let dto = user_dto(tenant, &user);
        tenant.users.insert(key, user);
        Ok(dto)
    })?;
    ok(updated)
}

async fn delete_user(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (key, _) = find_user(tenant, &upn)?;
        tenant.users.remove(&key);
        tenant.forget_member(MemberKind::User, &key);
        Ok(())
    })?;
    no_content()
}

async fn set_password(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    let query = query_of(&raw);
    // Lightwave's dynamic role: a token is verified when present but not required. An
    // Administrator of the tenant resets the password; anyone else must know the current one.
    authorize(&shared, &headers, &query, &name, None)?;
    let is_admin = authorize(&shared, &headers, &query, &name, Some(Role::Administrator)).is_ok();
    let request: PasswordResetDto = parse_body(&body, "PasswordResetRequest")?;
    let Some(new_password) = request.new_password.filter(|p| !p.is_empty()) else {
        return Err(ApiError::bad_request("newPassword must not be empty"));
    };
    let current = request.current_password.filter(|p| !p.is_empty());
    if !is_admin && current.is_none() {
        return Err(ApiError::bad_request(
            "currentPassword must not be empty (only an Administrator can reset a password without it)",
        ));
    }
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (key, user) = find_user(tenant, &upn)?;
        let mut user = user.clone();
        if !is_admin
            && !current
                .as_deref()
                .is_some_and(|current| crypto::verify_password(current, &user.password_hash))
        {
            return Err(ApiError::bad_request("currentPassword is incorrect"));
        }
        check_password_policy(tenant, &new_password)?;
        user.password_hash = crypto::hash_password(&new_password)?;
        user.password_last_set = state::now();
        let dto = user_dto(tenant, &user);
        tenant.users.insert(key, user);
        Ok(dto)
    })?;
    ok(updated)
}

async fn user_groups(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Regular))?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (key, _) = find_user(tenant, &upn)?;
    let keys = if query_flag(&query, "nested") {
        tenant.all_parents(MemberKind::User, &key)
    } else {
        tenant.direct_parents(MemberKind::User, &key)
    };
    ok(groups_dto(tenant, &keys))
}

// ---------------------------------------------------------------------------------------------
// Groups

fn find_group<'t>(tenant: &'t Tenant, upn: &str) -> Result<(String, &'t Group), ApiError> {
    let key = group_key(tenant, upn)?;
    tenant
        .groups
        .get(&key)
        .map(|group| (key, group))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Group '{upn}' does not exist in tenant '{}'",
                tenant.name
            ))
        })
}

async fn create_group(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: GroupDto = parse_body(&body, "Group")?;
    if request.alias.is_some() {
        return Err(ApiError::not_implemented(
            "Creation of groups with alias is not supported",
        ));
    }
    let created = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        if request.name.trim().is_empty() || request.name.contains(['@', '\\', '/']) {
            return Err(ApiError::bad_request(format!(
                "invalid group name '{}': expected a non-empty name without '@', '\\\\' or '/'",
                request.name
            )));
        }
        if !request.domain.eq_ignore_ascii_case(&tenant.domain()) {
            return Err(ApiError::bad_request(format!(
                "group domain '{}' is not the system domain '{}' of tenant '{}'",
                request.domain,
                tenant.domain(),
                tenant.name
            )));
        }
        let key = request.name.to_lowercase();
        if tenant.groups.contains_key(&key) {
            return Err(ApiError::bad_request(format!(
                "Group '{}@{}' already exists",
                request.name,
                tenant.domain()
            )));
        }
        let group = Group {
            name: request.name.clone(),
            description: request
                .details
                .as_ref()
                .and_then(|details| details.description.clone())
                .filter(|d| !d.is_empty()),
            object_id: crypto::random_uuid()?,
            members: Default::default(),
        };
        let dto = group_dto(tenant, &group);
        tenant.groups.insert(key, group);
        Ok(dto)
    })?;
    ok(created)
}

async fn get_group(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (_, group) = find_group(tenant, &upn)?;
    ok(group_dto(tenant, group))
}

async fn update_group(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: GroupUpdateDto = parse_body(&body, "Group")?;
    // Lightwave's PUT changes only details; it refuses name, domain and alias outright.
    for (field, present) in [
        ("name", request.name.is_some()),
        ("domain", request.domain.is_some()),
        ("alias", request.alias.is_some()),
    ] {
        if present {
            return Err(ApiError::not_implemented(format!(
                "Group {field} replacement is not supported: send only 'details'"
            )));
        }
    }
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (key, group) = find_group(tenant, &upn)?;
        let mut group = group.clone();
        if let Some(details) = request.details {
            group.description = details.description.filter(|d| !d.is_empty());
        }
        let dto = group_dto(tenant, &group);
        tenant.groups.insert(key, group);
        Ok(dto)
    })?;
    ok(updated)
}

async fn delete_group(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (key, _) = find_group(tenant, &upn)?;
        tenant.groups.remove(&key);
        tenant.forget_member(MemberKind::Group, &key);
        Ok(())
    })?;
    no_content()
}

fn member_kind(
    query: &[(String, String)],
    allow_all: bool,
) -> Result<Option<MemberKind>, ApiError> {
    let kind = query_values(query, "type")
        .first()
        .map(|k| k.to_lowercase());
    match kind.as_deref() {
        None | Some("all") if allow_all => Ok(None),
        Some("user") => Ok(Some(MemberKind::User)),
        Some("group") => Ok(Some(MemberKind::Group)),
        Some("solutionuser") => Ok(Some(MemberKind::SolutionUser)),
        other => Err(ApiError::bad_request(format!(
            "invalid member type {:?}: expected {}user, group or solutionuser",
            other.unwrap_or(""),
            if allow_all { "all, " } else { "" }
        ))),
    }
}

async fn group_members(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Regular))?;
    let kind = member_kind(&query, true)?;
    let limit = match query_values(&query, "limit").first() {
        Some(limit) => limit
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(format!("limit '{limit}' is not an integer")))?,
        None => 200,
    };
    // Lightwave splits the limit over the three kinds for type=all (solution users get the
    // remainder); a negative limit means no limit.
    let per_kind = |share: i64| usize::try_from(share).unwrap_or(usize::MAX);
    let (user_limit, group_limit, solution_limit) = match (kind, limit < 0) {
        (_, true) => (usize::MAX, usize::MAX, usize::MAX),
        (None, false) => (
            per_kind(limit / 3),
            per_kind(limit / 3),
            per_kind(limit / 3 + limit % 3),
        ),
        (Some(_), false) => (per_kind(limit), per_kind(limit), per_kind(limit)),
    };
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (_, group) = find_group(tenant, &upn)?;
    let wanted = |k: MemberKind| kind.is_none_or(|kind| kind == k);
    let mut result = SearchResultDto::default();
    for (member_kind, key) in &group.members {
        if !wanted(*member_kind) {
            continue;
        }
        match member_kind {
            MemberKind::User => {
                if let Some(user) = tenant.users.get(key) {
                    result.users.push(user_dto(tenant, user));
                }
            }
            MemberKind::Group => {
                if let Some(member) = tenant.groups.get(key) {
                    result.groups.push(group_dto(tenant, member));
                }
            }
            MemberKind::SolutionUser => {
                if let Some(member) = tenant.solution_users.get(key) {
                    result
                        .solution_users
                        .push(solution_user_dto(tenant, member));
                }
            }
        }
    }
    result.users.truncate(user_limit);
    result.groups.truncate(group_limit);
    result.solution_users.truncate(solution_limit);
    ok(result)
}

fn member_changes(
    tenant: &Tenant,
    query: &[(String, String)],
) -> Result<(MemberKind, Vec<String>), ApiError> {
    let Some(kind) = member_kind(query, false)? else {
        return Err(ApiError::bad_request(
            "the 'type' query parameter is required",
        ));
    };
    if kind == MemberKind::SolutionUser {
        // Lightwave's VMDIR resource has no implementation for solution-user membership.
        return Err(ApiError::not_implemented(
            "Adding or removing solution users in a group is not implemented by Lightwave",
        ));
    }
    let members = query_values(query, "members");
    if members.is_empty() {
        return Err(ApiError::bad_request(
            "the 'members' query parameter is required (repeat it for several members)",
        ));
    }
    let mut keys = Vec::new();
    for member in members {
        let key = match kind {
            MemberKind::User => {
                let key = principal_key(tenant, member);
                if !tenant.users.contains_key(&key) {
                    return Err(ApiError::not_found(format!(
                        "User '{member}' does not exist in tenant '{}'",
                        tenant.name
                    )));
                }
                key
            }
            MemberKind::Group => find_group(tenant, member)?.0,
            MemberKind::SolutionUser => {
                let key = split_principal(member, &tenant.domain()).0.to_lowercase();
                if !tenant.solution_users.contains_key(&key) {
                    return Err(ApiError::not_found(format!(
                        "Solution user '{member}' does not exist in tenant '{}'",
                        tenant.name
                    )));
                }
                key
            }
        };
        keys.push(key);
    }
    Ok((kind, keys))
}

async fn add_members(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Administrator))?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        require_system_domain(tenant, &upn)?;
        let (group_key, group) = find_group(tenant, &upn)?;
        let (kind, keys) = member_changes(tenant, &query)?;
        if let Some(existing) = keys
            .iter()
            .find(|key| group.members.contains(&(kind, (*key).clone())))
        {
            return Err(ApiError::bad_request(format!(
                "'{existing}' is already a member of group '{upn}'"
            )));
        }
        if kind == MemberKind::Group {
            for key in &keys {
                // A group may not contain itself, directly or through its own members.
                if *key == group_key
                    || tenant
                        .all_parents(MemberKind::Group, &group_key)
                        .contains(key)
                {
                    return Err(ApiError::bad_request(format!(
                        "adding group '{key}' to '{upn}' would create a membership cycle"
                    )));
                }
            }
        }
        if let Some(group) = tenant.groups.get_mut(&group_key) {
            for key in keys {
                group.members.insert((kind, key));
            }
        }
        Ok(())
    })?;
    no_content()
}

async fn remove_members(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Administrator))?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let (group_key, group) = find_group(tenant, &upn)?;
        let (kind, keys) = member_changes(tenant, &query)?;
        if let Some(missing) = keys
            .iter()
            .find(|key| !group.members.contains(&(kind, (*key).clone())))
        {
            return Err(ApiError::not_found(format!(
                "'{missing}' is not a member of group '{upn}'"
            )));
        }
        if let Some(group) = tenant.groups.get_mut(&group_key) {
            for key in keys {
                group.members.remove(&(kind, key));
            }
        }
        Ok(())
    })?;
    no_content()
}

async fn group_parents(
    State(shared): Shr,
    Path((name, upn)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = query_of(&raw);
    authorize(&shared, &headers, &query, &name, Some(Role::Regular))?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (key, _) = find_group(tenant, &upn)?;
    if query_flag(&query, "nested") {
        return Err(ApiError::not_implemented(
            "Indirect parent group retrieval is not supported",
        ));
    }
    ok(groups_dto(
        tenant,
        &tenant.direct_parents(MemberKind::Group, &key),
    ))
}

// ---------------------------------------------------------------------------------------------
// Solution users

fn find_solution_user<'t>(
    tenant: &'t Tenant,
    name: &str,
) -> Result<(String, &'t SolutionUser), ApiError> {
    let key = split_principal(name, &tenant.domain()).0.to_lowercase();
    tenant
        .solution_users
        .get(&key)
        .map(|user| (key, user))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Solution user '{name}' does not exist in tenant '{}'",
                tenant.name
            ))
        })
}

fn solution_certificate(certificate: Option<&CertificateDto>) -> Result<String, ApiError> {
    let Some(certificate) = certificate.filter(|c| !c.encoded.trim().is_empty()) else {
        return Err(ApiError::bad_request(
            "certificate.encoded (PEM) is required for a solution user",
        ));
    };
    crypto::parse_certificate_pem(&certificate.encoded)
        .map_err(|reason| ApiError::bad_request(format!("certificate.encoded: {reason}")))?;
    Ok(certificate.encoded.clone())
}

/// Lightwave refuses two solution users with one certificate (DuplicateCertificateException).
fn ensure_unique_certificate(tenant: &Tenant, pem: &str, except: &str) -> Result<(), ApiError> {
    let der = crypto::parse_certificate_pem(pem).map_err(ApiError::bad_request)?;
    let taken = tenant.solution_users.iter().find(|(key, other)| {
        key.as_str() != except
            && crypto::parse_certificate_pem(&other.certificate).is_ok_and(|other| other == der)
    });
    match taken {
        Some((_, other)) => Err(ApiError::bad_request(format!(
            "the certificate is already used by solution user '{}'",
            other.name
        ))),
        None => Ok(()),
    }
}

async fn create_solution_user(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: SolutionUserDto = parse_body(&body, "SolutionUser")?;
    let created = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        if request.name.trim().is_empty() || request.name.contains(['@', '\\', '/']) {
            return Err(ApiError::bad_request(format!(
                "invalid solution user name '{}': expected a non-empty name without '@', '\\\\' or '/'",
                request.name
            )));
        }
        if !request.domain.is_empty() && !request.domain.eq_ignore_ascii_case(&tenant.domain()) {
            return Err(ApiError::bad_request(format!(
                "solution user domain '{}' is not the system domain '{}' of tenant '{}'",
                request.domain,
                tenant.domain(),
                tenant.name
            )));
        }
        let certificate = solution_certificate(request.certificate.as_ref())?;
        let key = request.name.to_lowercase();
        if tenant.solution_users.contains_key(&key) {
            return Err(ApiError::bad_request(format!(
                "Solution user '{}' already exists",
                request.name
            )));
        }
        ensure_unique_certificate(tenant, &certificate, &key)?;
        let user = SolutionUser {
            name: request.name.clone(),
            description: request.description.clone().filter(|d| !d.is_empty()),
            certificate,
            // Lightwave's create takes only certificate, description and multiTenant.
            disabled: false,
            multi_tenant: request.multi_tenant.unwrap_or(false),
            object_id: crypto::random_uuid()?,
        };
        let dto = solution_user_dto(tenant, &user);
        tenant.solution_users.insert(key, user);
        Ok(dto)
    })?;
    ok(created)
}

async fn get_solution_user(
    State(shared): Shr,
    Path((name, user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (_, user) = find_solution_user(tenant, &user)?;
    ok(solution_user_dto(tenant, user))
}

async fn update_solution_user(
    State(shared): Shr,
    Path((name, user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: SolutionUserDto = parse_body(&body, "SolutionUser")?;
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let (key, existing) = find_solution_user(tenant, &user)?;
        let mut existing = existing.clone();
        // As Lightwave: the certificate is required and, with description and multiTenant,
        // replaces the stored details; `disabled` is not changed here.
        existing.certificate = solution_certificate(request.certificate.as_ref())?;
        ensure_unique_certificate(tenant, &existing.certificate, &key)?;
        existing.description = request.description.clone().filter(|d| !d.is_empty());
        existing.multi_tenant = request.multi_tenant.unwrap_or(false);
        let dto = solution_user_dto(tenant, &existing);
        tenant.solution_users.insert(key, existing);
        Ok(dto)
    })?;
    ok(updated)
}

async fn delete_solution_user(
    State(shared): Shr,
    Path((name, user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let (key, _) = find_solution_user(tenant, &user)?;
        tenant.solution_users.remove(&key);
        tenant.forget_member(MemberKind::SolutionUser, &key);
        Ok(())
    })?;
    no_content()
}

async fn solution_user_groups(
    State(shared): Shr,
    Path((name, user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let (key, _) = find_solution_user(tenant, &user)?;
    ok(groups_dto(
        tenant,
        &tenant.direct_parents(MemberKind::SolutionUser, &key),
    ))
}

// ---------------------------------------------------------------------------------------------
// OIDC clients

fn validate_oidc_metadata(metadata: &mut OidcClientMetadataDto) -> Result<(), ApiError> {
    let method = metadata
        .token_endpoint_auth_method
        .get_or_insert_with(|| "none".to_string());
    match method.as_str() {
        "none" => {}
        "private_key_jwt" => {
            if metadata
                .cert_subject_dn
                .as_deref()
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::bad_request(
                    "tokenEndpointAuthMethod private_key_jwt needs certSubjectDN",
                ));
            }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "invalid tokenEndpointAuthMethod '{other}': expected none or private_key_jwt"
            )));
        }
    }
    let uris = metadata
        .redirect_uris
        .iter()
        .chain(&metadata.post_logout_redirect_uris)
        .chain(metadata.logout_uri.iter());
    for uri in uris {
        if !(uri.starts_with("https://") || uri.starts_with("http://"))
            || uri.len() <= "https://".len()
        {
            return Err(ApiError::bad_request(format!(
                "invalid URI '{uri}': expected an absolute http(s) URI"
            )));
        }
    }
    Ok(())
}

async fn list_oidc_clients(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Trusted),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let clients: Vec<OidcClientDto> = tenant
        .oidc_clients
        .iter()
        .map(|(id, metadata)| OidcClientDto {
            client_id: id.clone(),
            metadata: metadata.clone(),
        })
        .collect();
    ok(clients)
}

async fn create_oidc_client(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Trusted),
    )?;
    let mut metadata: OidcClientMetadataDto = parse_body(&body, "OIDCClientMetadata")?;
    validate_oidc_metadata(&mut metadata)?;
    let created = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let client_id = crypto::random_uuid()?;
        tenant
            .oidc_clients
            .insert(client_id.clone(), metadata.clone());
        Ok(OidcClientDto {
            client_id,
            metadata,
        })
    })?;
    ok(created)
}

async fn get_oidc_client(
    State(shared): Shr,
    Path((name, client)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Trusted),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let metadata = tenant.oidc_clients.get(&client).ok_or_else(|| {
        ApiError::not_found(format!(
            "OIDC client '{client}' does not exist in tenant '{name}'"
        ))
    })?;
    ok(OidcClientDto {
        client_id: client.clone(),
        metadata: metadata.clone(),
    })
}

async fn update_oidc_client(
    State(shared): Shr,
    Path((name, client)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Trusted),
    )?;
    let mut metadata: OidcClientMetadataDto = parse_body(&body, "OIDCClientMetadata")?;
    validate_oidc_metadata(&mut metadata)?;
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let Some(stored) = tenant.oidc_clients.get_mut(&client) else {
            return Err(ApiError::not_found(format!(
                "OIDC client '{client}' does not exist in tenant '{name}'"
            )));
        };
        *stored = metadata.clone();
        Ok(OidcClientDto {
            client_id: client.clone(),
            metadata,
        })
    })?;
    ok(updated)
}

async fn delete_oidc_client(
    State(shared): Shr,
    Path((name, client)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Trusted),
    )?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        tenant
            .oidc_clients
            .remove(&client)
            .map(|_| ())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "OIDC client '{client}' does not exist in tenant '{name}'"
                ))
            })
    })?;
    no_content()
}

// ---------------------------------------------------------------------------------------------
// Resource servers

async fn list_resource_servers(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let servers: Vec<ResourceServerDto> = tenant
        .resource_servers
        .iter()
        .map(|(name, filter)| ResourceServerDto {
            name: name.clone(),
            group_filter: filter.clone(),
        })
        .collect();
    ok(servers)
}

async fn create_resource_server(
    State(shared): Shr,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: ResourceServerDto = parse_body(&body, "ResourceServer")?;
    if !request.name.starts_with("rs_") || request.name.len() <= 3 {
        return Err(ApiError::bad_request(format!(
            "invalid resource server name '{}': it must start with 'rs_'",
            request.name
        )));
    }
    let created = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        if tenant.resource_servers.contains_key(&request.name) {
            return Err(ApiError::bad_request(format!(
                "Resource server '{}' already exists",
                request.name
            )));
        }
        tenant
            .resource_servers
            .insert(request.name.clone(), request.group_filter.clone());
        Ok(request)
    })?;
    ok(created)
}

async fn get_resource_server(
    State(shared): Shr,
    Path((name, server)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let directory = lock(&shared)?;
    let tenant = tenant_of(&directory, &name)?;
    let filter = tenant.resource_servers.get(&server).ok_or_else(|| {
        ApiError::not_found(format!(
            "Resource server '{server}' does not exist in tenant '{name}'"
        ))
    })?;
    ok(ResourceServerDto {
        name: server.clone(),
        group_filter: filter.clone(),
    })
}

async fn update_resource_server(
    State(shared): Shr,
    Path((name, server)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    let request: ResourceServerDto = parse_body(&body, "ResourceServer")?;
    let updated = mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        let Some(filter) = tenant.resource_servers.get_mut(&server) else {
            return Err(ApiError::not_found(format!(
                "Resource server '{server}' does not exist in tenant '{name}'"
            )));
        };
        filter.clone_from(&request.group_filter);
        Ok(ResourceServerDto {
            name: server.clone(),
            group_filter: request.group_filter,
        })
    })?;
    ok(updated)
}

async fn delete_resource_server(
    State(shared): Shr,
    Path((name, server)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Administrator),
    )?;
    mutate(&shared, |directory| {
        let tenant = tenant_of_mut(directory, &name)?;
        tenant
            .resource_servers
            .remove(&server)
            .map(|_| ())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "Resource server '{server}' does not exist in tenant '{name}'"
                ))
            })
    })?;
    no_content()
}

// Lightwave's VMDIR resource answers 501 here (only IDM lists a solution user's groups).
async fn vmdir_solution_user_groups(
    State(shared): Shr,
    Path((name, _user)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    authorize(
        &shared,
        &headers,
        &query_of(&raw),
        &name,
        Some(Role::Regular),
    )?;
    Err(ApiError::not_implemented(
        "Not implemented: use GET /idm/tenant/{tenant}/solutionusers/{name}/groups",
    ))
}
