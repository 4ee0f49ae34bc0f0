//! The OIDC endpoints: token (password and refresh_token grants), JWKS and discovery.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::Shared;
use crate::api::form_pairs;
use crate::crypto;
use crate::state::{self, MemberKind, Tenant};

/// An OAuth error: `{error, error_description}`, status 400 unless said otherwise.
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }
    fn server(description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: description.into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}

impl From<crate::SimError> for OAuthError {
    fn from(error: crate::SimError) -> Self {
        OAuthError::server(error.to_string())
    }
}

/// The `/openidconnect` routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/openidconnect/token", post(token_system))
        .route("/openidconnect/token/{tenant}", post(token_tenant))
        .route("/openidconnect/jwks", get(jwks_system))
        .route("/openidconnect/jwks/{tenant}", get(jwks_tenant))
        .route(
            "/openidconnect/{tenant}/.well-known/openid-configuration",
            get(discovery),
        )
}

fn system_tenant(shared: &Shared) -> Result<String, OAuthError> {
    shared
        .directory
        .lock()
        .map(|directory| directory.system_tenant.clone())
        .map_err(|_| OAuthError::server("the simulator state lock is poisoned"))
}

async fn token_system(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match system_tenant(&shared) {
        Ok(tenant) => token(&shared, &tenant, &body).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn token_tenant(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    token(&shared, &tenant, &body).into_response()
}

fn token(shared: &Shared, tenant_name: &str, body: &[u8]) -> Result<Response, OAuthError> {
    let form = form_pairs(&String::from_utf8_lossy(body));
    let param = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    };
    let Some(grant_type) = param("grant_type") else {
        return Err(OAuthError::new(
            "invalid_request",
            "missing grant_type parameter",
        ));
    };
    let (user_key, scope) = match grant_type.as_str() {
        "password" => password_grant(shared, tenant_name, &param)?,
        "refresh_token" => refresh_grant(shared, tenant_name, &param)?,
        other => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!(
                    "grant_type '{other}' is not supported by the simulator (password, refresh_token)"
                ),
            ));
        }
    };
    let response = issue(
        shared,
        tenant_name,
        &user_key,
        &scope,
        grant_type == "password",
        param("client_id"),
    )?;
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(response),
    )
        .into_response())
}

type Param<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Checks credentials (with the lockout policy) and returns (user key, scope).
fn password_grant(
    shared: &Shared,
    tenant_name: &str,
    param: &Param<'_>,
) -> Result<(String, String), OAuthError> {
    let (Some(username), Some(password)) = (param("username"), param("password")) else {
        return Err(OAuthError::new(
            "invalid_request",
            "the password grant needs username and password parameters",
        ));
    };
    let scope = param("scope").unwrap_or_default();
    if !scope.split_whitespace().any(|s| s == "openid") {
        return Err(OAuthError::new(
            "invalid_scope",
            "scope must include openid",
        ));
    }
    let mut directory = shared
        .directory
        .lock()
        .map_err(|_| OAuthError::server("the simulator state lock is poisoned"))?;
    let Some(tenant) = directory.tenant_mut(tenant_name) else {
        return Err(OAuthError::new(
            "invalid_request",
            format!("non-existent tenant '{tenant_name}'"),
        ));
    };
    let domain = tenant.domain();
    let key = if username.contains('@') {
        username.to_lowercase()
    } else {
        format!("{username}@{domain}").to_lowercase()
    };
    let incorrect = || OAuthError::new("invalid_grant", "incorrect username or password");
    let max_failed = tenant
        .policy_int("lockoutPolicy", "maxFailedAttempts")
        .unwrap_or(0);
    let interval = tenant
        .policy_int("lockoutPolicy", "failedAttemptIntervalSec")
        .unwrap_or(0);
    let auto_unlock = tenant
        .policy_int("lockoutPolicy", "autoUnlockIntervalSec")
        .unwrap_or(0);
    let Some(user) = tenant.users.get_mut(&key) else {
        return Err(incorrect());
    };
    let now = state::now();
    if user.locked && auto_unlock > 0 && user.locked_at.is_some_and(|at| now >= at + auto_unlock) {
        user.locked = false;
        user.locked_at = None;
        user.failed_logins.clear();
    }
    if user.disabled {
        return Err(OAuthError::new("invalid_grant", "user account is disabled"));
    }
    if user.locked {
        return Err(OAuthError::new("invalid_grant", "user account is locked"));
    }
    if crypto::verify_password(&password, &user.password_hash) {
        let changed = !user.failed_logins.is_empty();
        user.failed_logins.clear();
        if changed {
            shared.persist(&directory)?;
        }
        return Ok((key, scope));
    }
    user.failed_logins
        .retain(|at| interval <= 0 || now - at < interval);
    user.failed_logins.push(now);
    let locked_now =
        max_failed > 0 && i64::try_from(user.failed_logins.len()).unwrap_or(i64::MAX) >= max_failed;
    if locked_now {
        user.locked = true;
        user.locked_at = Some(now);
        tracing::info!(tenant = %tenant_name, user = %key, "account locked by the lockout policy");
    }
    shared.persist(&directory)?;
    Err(incorrect())
}

/// Checks a refresh token and returns (user key, scope).
fn refresh_grant(
    shared: &Shared,
    tenant_name: &str,
    param: &Param<'_>,
) -> Result<(String, String), OAuthError> {
    let Some(refresh_token) = param("refresh_token") else {
        return Err(OAuthError::new(
            "invalid_request",
            "the refresh_token grant needs a refresh_token parameter",
        ));
    };
    let signer = {
        let mut directory = shared
            .directory
            .lock()
            .map_err(|_| OAuthError::server("the simulator state lock is poisoned"))?;
        if directory.tenant(tenant_name).is_none() {
            return Err(OAuthError::new(
                "invalid_request",
                format!("non-existent tenant '{tenant_name}'"),
            ));
        }
        directory.signer(tenant_name)?
    };
    let invalid =
        |why: &str| OAuthError::new("invalid_grant", format!("invalid refresh_token: {why}"));
    let claims = signer
        .verify_jwt(&refresh_token)
        .map_err(|why| invalid(&why))?;
    if claims.get("token_class").and_then(Value::as_str) != Some("refresh_token") {
        return Err(invalid("not a refresh token"));
    }
    if !claims
        .get("tenant")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(tenant_name))
    {
        return Err(invalid("issued for another tenant"));
    }
    if claims.get("exp").and_then(Value::as_i64).unwrap_or(0) < state::now() {
        return Err(invalid("expired"));
    }
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("no subject"))?
        .to_lowercase();
    let scope = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("openid")
        .to_string();
    let directory = shared
        .directory
        .lock()
        .map_err(|_| OAuthError::server("the simulator state lock is poisoned"))?;
    let user = directory
        .tenant(tenant_name)
        .and_then(|tenant| tenant.users.get(&subject))
        .ok_or_else(|| invalid("the user no longer exists"))?;
    if user.disabled {
        return Err(OAuthError::new("invalid_grant", "user account is disabled"));
    }
    if user.locked {
        return Err(OAuthError::new("invalid_grant", "user account is locked"));
    }
    Ok((subject, scope))
}

/// `<domain>\<Group>` for every group the user is in (nested), plus the implicit Everyone.
fn group_claim(tenant: &Tenant, user_key: &str) -> Vec<String> {
    let domain = tenant.domain();
    let mut groups: Vec<String> = tenant
        .all_parents(MemberKind::User, user_key)
        .iter()
        .filter_map(|key| tenant.groups.get(key))
        .map(|group| format!("{domain}\\{}", group.name))
        .collect();
    groups.push(format!("{domain}\\Everyone"));
    groups
}

fn issue(
    shared: &Shared,
    tenant_name: &str,
    user_key: &str,
    scope: &str,
    with_refresh: bool,
    client_id: Option<String>,
) -> Result<Value, OAuthError> {
    let mut directory = shared
        .directory
        .lock()
        .map_err(|_| OAuthError::server("the simulator state lock is poisoned"))?;
    let signer = directory.signer(tenant_name)?;
    let tenant = directory.tenant(tenant_name).ok_or_else(|| {
        OAuthError::new(
            "invalid_request",
            format!("non-existent tenant '{tenant_name}'"),
        )
    })?;
    let user = tenant
        .users
        .get(user_key)
        .ok_or_else(|| OAuthError::new("invalid_grant", "incorrect username or password"))?;
    let subject = user.upn();
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let now = state::now();
    let lifetime = i64::try_from(shared.options.token_lifetime.as_secs()).unwrap_or(i64::MAX);
    let refresh_lifetime = tenant
        .policy_int("tokenPolicy", "maxBearerRefreshTokenLifeTimeMillis")
        .unwrap_or(21_600_000)
        / 1000;
    let groups = group_claim(tenant, user_key);
    // An issuer cleared through PUT /idm/tenant falls back to this server's own URL.
    let issuer = if tenant.issuer.is_empty() {
        format!("{}/openidconnect/{}", shared.base_url, tenant.name)
    } else {
        tenant.issuer.clone()
    };
    let resource_servers: Vec<&str> = scopes
        .iter()
        .copied()
        .filter(|s| s.starts_with("rs_"))
        .collect();
    let mut audience = vec![client_id.clone().unwrap_or_else(|| subject.clone())];
    audience.extend(resource_servers.iter().map(|s| (*s).to_string()));

    let base = |token_class: &str, exp: i64| -> Result<Value, crate::SimError> {
        Ok(json!({
            "sub": subject,
            "iss": issuer,
            "token_class": token_class,
            "token_type": "Bearer",
            "tenant": tenant.name,
            "scope": scope,
            "iat": now,
            "exp": exp,
            "jti": crypto::random_hex(16)?,
        }))
    };
    let mut access = base("access_token", now + lifetime)?;
    access["aud"] = json!(audience);
    // Lightwave's ScopeValue: at_groups puts `groups` in the access token, id_groups in the ID token.
    if scopes.contains(&"at_groups") {
        access["groups"] = json!(groups);
    }
    let mut id = base("id_token", now + lifetime)?;
    id["aud"] = json!(client_id.clone().unwrap_or_else(|| subject.clone()));
    if scopes.contains(&"id_groups") {
        id["groups"] = json!(groups);
    }
    if let Some(first) = &user.details.first_name {
        id["given_name"] = json!(first);
    }
    if let Some(last) = &user.details.last_name {
        id["family_name"] = json!(last);
    }
    let mut response = json!({
        "access_token": signer.sign_jwt(&access)?,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "id_token": signer.sign_jwt(&id)?,
    });
    if with_refresh && scopes.contains(&"offline_access") {
        let mut refresh = base("refresh_token", now + refresh_lifetime)?;
        refresh["aud"] = json!(client_id.unwrap_or_else(|| subject.clone()));
        response["refresh_token"] = json!(signer.sign_jwt(&refresh)?);
    }
    Ok(response)
}

async fn jwks_system(State(shared): State<Arc<Shared>>) -> Response {
    match system_tenant(&shared) {
        Ok(tenant) => jwks(&shared, &tenant),
        Err(error) => error.into_response(),
    }
}

async fn jwks_tenant(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    jwks(&shared, &tenant)
}

fn jwks(shared: &Shared, tenant: &str) -> Response {
    let Ok(mut directory) = shared.directory.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if directory.tenant(tenant).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match directory.signer(tenant) {
        Ok(signer) => axum::Json(json!({"keys": [signer.jwk()]})).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn discovery(State(shared): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    let Ok(directory) = shared.directory.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(found) = directory.tenant(&tenant) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let base = format!("{}/openidconnect", shared.base_url);
    let name = &found.name;
    let issuer = if found.issuer.is_empty() {
        format!("{base}/{name}")
    } else {
        found.issuer.clone()
    };
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/oidc/authorize/{name}"),
        "token_endpoint": format!("{base}/token/{name}"),
        "end_session_endpoint": format!("{base}/logout/{name}"),
        "jwks_uri": format!("{base}/jwks/{name}"),
        "response_types_supported": ["code", "id_token", "token id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "private_key_jwt"],
        "grant_types_supported": ["password", "refresh_token"],
        "scopes_supported": ["openid", "offline_access", "id_groups", "at_groups", "rs_admin_server"],
    }))
    .into_response()
}
