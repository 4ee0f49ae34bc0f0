//! `photon_lightwave_tenant`: a Lightwave tenant and its administrator, created through the
//! system tenant (the caller needs the TenantOperator role there). Lightwave only updates a
//! tenant's `issuer`; every other argument is create-only and replaces the tenant, and with it
//! all of its users, groups and clients.

use async_trait::async_trait;
use lightwave::{
    Certificate, CertificateGranularity, CertificateScope, PrivateKey, Tenant, TenantCredentials,
};
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, BlockNesting, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics,
    NestedBlock, Outcome, PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::{
    KeepCurrentWhenUnset, RequiresReplaceOnceKnown, blank, client, outcome, set_attr, text, upn,
};
use crate::clients::Clients;
use crate::clients::lightwave::api_error;
use crate::provider_config::Setting;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_tenant";

/// The tenant's name (also its `id`).
pub const NAME: &str = "name";
/// The long (display) name.
pub const LONG_NAME: &str = "long_name";
/// The tenant key.
pub const KEY: &str = "key";
const ADMIN_USERNAME: &str = "admin_username";
const ADMIN_PASSWORD: &str = "admin_password";
/// The token issuer URL.
pub const ISSUER: &str = "issuer";
/// The tenant's GUID.
pub const GUID: &str = "guid";
/// The signing certificate chain, PEM.
pub const SIGNING_CERTIFICATES: &str = "signing_certificates";
const ID: &str = "id";
const CREDENTIALS: &str = "credentials";
const PRIVATE_KEY: &str = "private_key";
const CERTIFICATES: &str = "certificates";

/// The `photon_lightwave_tenant` resource.
pub struct LightwaveTenant;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A Lightwave tenant and its administrator. Tenants are created and deleted \
                 through the system tenant: configure the provider's `lightwave` block (or \
                 `LIGHTWAVE_*`) with a system-tenant administrator, which holds the \
                 TenantOperator role. Lightwave grants roles per tenant, so everything inside \
                 the new tenant (`photon_lightwave_tenant_policy`, users, groups, solution \
                 users, OIDC clients) goes through a provider alias logged in to the new tenant \
                 as `admin_username`.\n\nLightwave only changes a tenant's `issuer` in place; \
                 changing any other argument replaces the tenant, deleting everything in it. \
                 Without `credentials` the tenant signs tokens with a copy of the system \
                 tenant's signing key and certificates.\n\nA system-tenant administrator may \
                 create and delete a tenant but not read it, so the provider reads the \
                 tenant by logging in to it as `admin_username` with `admin_password`. If that \
                 login fails (or after an import, before the configuration supplies them) the \
                 values last recorded are kept; existence is still checked, so a tenant \
                 deleted outside Terraform is created again.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description(
                        "The tenant's name, e.g. `acme`: its system domain, the path segment of \
                         its REST and OIDC endpoints, and the domain of its users' UPNs.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(LONG_NAME, Type::String)
                    .description(
                        "A display name, e.g. `Acme Corporation`. Create-only. After an import \
                         it is known only once Terraform has the administrator's credentials \
                         (see the resource description); until then setting it only records it.",
                    )
                    .plan_modifier(UseStateForUnknown)
                    .plan_modifier(RequiresReplaceOnceKnown),
            )
            .attribute(
                Attribute::optional_computed(KEY, Type::String)
                    .description(
                        "The tenant key Lightwave stores with the tenant. Create-only; after an \
                         import, like `long_name`.",
                    )
                    .plan_modifier(UseStateForUnknown)
                    .plan_modifier(RequiresReplaceOnceKnown),
            )
            .attribute(
                Attribute::required(ADMIN_USERNAME, Type::String)
                    .description(
                        "The name of the tenant's first administrator, created with the tenant \
                         in its `Administrators` group, e.g. `Administrator`; the UPN becomes \
                         `<admin_username>@<name>` (a UPN in the tenant's domain is accepted \
                         too). Create-only. Lightwave cannot report it, so it is null after an \
                         import until the configuration sets it (an in-place update that only \
                         records it).",
                    )
                    .plan_modifier(RequiresReplaceOnceKnown),
            )
            .attribute(
                Attribute::required(ADMIN_PASSWORD, Type::String)
                    .sensitive()
                    .description(
                        "The administrator's initial password; it must satisfy the system \
                         tenant's password policy. Lightwave cannot change it through the tenant \
                         API, so changing it here replaces the tenant: change the \
                         administrator's password with Lightwave's own tools instead. It cannot be \
                         read back, so it is null after an import until the configuration sets \
                         it (an in-place update that only records it).",
                    )
                    .plan_modifier(RequiresReplaceOnceKnown),
            )
            .attribute(
                Attribute::optional_computed(ISSUER, Type::String)
                    .description(
                        "The `iss` of the tokens the tenant issues, e.g. \
                         `https://lightwave.example.com/openidconnect/acme`. Changes in \
                         place.",
                    )
                    .plan_modifier(KeepCurrentWhenUnset),
            )
            .attribute(
                Attribute::computed(GUID, Type::String)
                    .description("The tenant's GUID; a replaced tenant gets a new one.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(SIGNING_CERTIFICATES, Type::list(Type::String))
                    .description(
                        "The tenant's token-signing certificate chain as PEM, leaf first: what \
                         relying parties trust to verify the tenant's tokens.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The tenant's name.")
                    .plan_modifier(UseStateForUnknown),
            )
            .block(NestedBlock::new(
                CREDENTIALS,
                BlockNesting::Single,
                Block::new()
                    .description(
                        "The tenant's own token-signing key and certificate chain, instead of a \
                         copy of the system tenant's. Create-only: adding, changing or removing \
                         the block replaces the tenant. Lightwave never returns the private key, \
                         so after an import the block is only recorded.",
                    )
                    .attribute(
                        Attribute::required(PRIVATE_KEY, Type::String)
                            .sensitive()
                            .description(
                                "The unencrypted RSA private key as PKCS#8 PEM (`-----BEGIN \
                                 PRIVATE KEY-----`, e.g. `file(\"signing-key.pem\")`; convert \
                                 other forms with `openssl pkcs8 -topk8 -nocrypt`), or its \
                                 base64 DER.",
                            ),
                    )
                    .attribute(
                        Attribute::required(CERTIFICATES, Type::list(Type::String)).description(
                            "The signing certificate chain as PEM, leaf (the key's certificate) \
                             first.",
                        ),
                    ),
            )),
    )
}

/// Lightwave's form of a private key: base64 PKCS#8 DER, from PEM or base64 input.
fn private_key_base64(key: &str) -> Result<String, String> {
    let key = key.trim();
    if let Some(rest) = key.strip_prefix("-----BEGIN ") {
        let label = rest.split("-----").next().unwrap_or_default();
        if label != "PRIVATE KEY" {
            return Err(format!(
                "expected an unencrypted PKCS#8 key (`-----BEGIN PRIVATE KEY-----`), got a \
                 `{label}` PEM block; convert it with `openssl pkcs8 -topk8 -nocrypt`"
            ));
        }
        let body: String = key
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .map(str::trim)
            .collect();
        if !key.contains("-----END PRIVATE KEY-----") || body.is_empty() {
            return Err("the PEM block has no body or no `-----END PRIVATE KEY-----` line".into());
        }
        return Ok(body);
    }
    let body: String = key.split_whitespace().collect();
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    if body.is_empty() || !body.chars().all(base64) {
        return Err(
            "expected a PKCS#8 PEM key (`-----BEGIN PRIVATE KEY-----`) or its base64 DER".into(),
        );
    }
    Ok(body)
}

/// The configured `credentials` block as Lightwave's tenant credentials.
fn credentials(planned: &Value) -> Result<Option<TenantCredentials>, Diagnostic> {
    let Some(block) = planned.attr(CREDENTIALS).filter(|block| !block.is_null()) else {
        return Ok(None);
    };
    let path = Path::root().attr(CREDENTIALS);
    let key = text(block, PRIVATE_KEY).unwrap_or_default();
    let encoded = private_key_base64(&key).map_err(|reason| {
        Diagnostic::error(
            "Invalid tenant signing key",
            format!("credentials.private_key: {reason}."),
        )
        .at(path.attr(PRIVATE_KEY))
    })?;
    let certificates = block
        .attr(CERTIFICATES)
        .and_then(Value::elements)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(|pem| Certificate {
            encoded: pem.to_owned(),
        })
        .collect();
    Ok(Some(TenantCredentials {
        private_key: Some(PrivateKey {
            encoded,
            algorithm: Some("RSA".into()),
        }),
        certificates,
    }))
}

/// The signing certificate chains of `tenant`, flattened to PEM strings (leaf first).
pub async fn signing_certificates(
    client: &lightwave::Client,
    tenant: &str,
) -> Result<Vec<String>, lightwave::Error> {
    let chains = client
        .tenant_certificates(
            tenant,
            CertificateScope::Tenant,
            CertificateGranularity::Chain,
        )
        .await?;
    Ok(chains
        .into_iter()
        .flat_map(|chain| chain.certificates)
        .map(|certificate| certificate.encoded)
        .collect())
}

/// The server's view of a tenant as state; the write-only administrator fields come from `prior`.
fn tenant_state(tenant: &Tenant, certificates: Vec<String>, prior: &Value) -> Value {
    let kept = |name: &str| prior.attr(name).cloned().unwrap_or(Value::Null);
    Value::object([
        (ID, Value::from(tenant.name.clone())),
        (NAME, Value::from(tenant.name.clone())),
        (LONG_NAME, Value::from(tenant.long_name.clone())),
        (KEY, Value::from(tenant.key.clone())),
        (ADMIN_USERNAME, kept(ADMIN_USERNAME)),
        (ADMIN_PASSWORD, kept(ADMIN_PASSWORD)),
        (CREDENTIALS, kept(CREDENTIALS)),
        (ISSUER, Value::from(tenant.issuer.clone())),
        (GUID, Value::from(tenant.guid.clone())),
        (
            SIGNING_CERTIFICATES,
            Value::list(certificates.into_iter().map(Value::from)),
        ),
    ])
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let name = text(planned, NAME).unwrap_or_default();
    let action = format!("creating tenant {name:?}");
    let credentials = credentials(planned)?;
    let client = client(ctx).await?;
    let request = Tenant {
        name: name.clone(),
        credentials,
        long_name: text(planned, LONG_NAME),
        key: text(planned, KEY),
        username: Some(upn(
            &text(planned, ADMIN_USERNAME).unwrap_or_default(),
            &name,
        )),
        password: text(planned, ADMIN_PASSWORD),
        ..Tenant::default()
    };
    let created = client.create_tenant(&request).await.map_err(|error| {
        let attribute = (error.status() == Some(400)).then(|| Path::root().attr(NAME));
        let mut diagnostic = api_error(&client, client.login_tenant(), &action, attribute, &error);
        if error.status() == Some(400) {
            diagnostic.detail.push_str(&format!(
                "\n\nA tenant named {name:?} may already exist (bring it under Terraform with \
                 `terraform import {TYPE_NAME}.<name> {name}`), or admin_password may not \
                 satisfy the system tenant's password policy."
            ));
        }
        diagnostic
    })?;
    tracing::debug!(resource = TYPE_NAME, tenant = name.as_str(), "created");
    let mut tenant = created;
    if let Some(issuer) = text(planned, ISSUER) {
        if tenant.issuer.as_deref() != Some(issuer.as_str()) {
            tenant = client
                .update_tenant_issuer(&name, &issuer)
                .await
                .map_err(|error| {
                    api_error(
                        &client,
                        &name,
                        &format!("setting the issuer of tenant {name:?}"),
                        Some(Path::root().attr(ISSUER)),
                        &error,
                    )
                })?;
        }
    }
    let certificates = signing_certificates(&client, &name)
        .await
        .map_err(|error| {
            api_error(
                &client,
                &name,
                &format!("reading the signing certificates of tenant {name:?}"),
                None,
                &error,
            )
        })?;
    Ok(tenant_state(&tenant, certificates, planned))
}

/// The tenant as state, or `None` when it does not exist.
///
/// Lightwave lets a system-tenant administrator create and delete tenants but not read them
/// (reading needs a role in the tenant itself, and a token the tenant's own signing key
/// verifies), so a 403 or 401 is answered by logging in to the
/// tenant as the administrator recorded in `prior`. Without those credentials (after an
/// import) the values Lightwave would not show are kept from `prior`; the certificate
/// endpoint, which needs no token, still says whether the tenant exists.
async fn fetch(
    ctx: &Context,
    client: &lightwave::Client,
    name: &str,
    prior: &Value,
) -> Result<Option<Value>, Diagnostic> {
    let action = format!("reading tenant {name:?}");
    let certificates = match signing_certificates(client, name).await {
        Ok(certificates) => certificates,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(api_error(client, name, &action, None, &error)),
    };
    let denied = match client.get_tenant(name).await {
        Ok(tenant) => return Ok(Some(tenant_state(&tenant, certificates, prior))),
        Err(error) if error.is_not_found() => return Ok(None),
        // 403: no role in the tenant; 401: the tenant signs with keys of its own, so it
        // rejects the system tenant's token outright.
        Err(error) if matches!(error.status(), Some(401 | 403)) => error,
        Err(error) => return Err(api_error(client, name, &action, None, &error)),
    };
    if let Some(admin) = tenant_admin_session(ctx, name, prior).await {
        match admin.get_tenant(name).await {
            Ok(tenant) => return Ok(Some(tenant_state(&tenant, certificates, prior))),
            Err(error) if error.is_not_found() => return Ok(None),
            Err(error) => return Err(api_error(&admin, name, &action, None, &error)),
        }
    }
    tracing::debug!(
        resource = TYPE_NAME,
        tenant = name,
        error = %denied,
        "tenant not readable with the provider's login; keeping the recorded values"
    );
    let recorded = Tenant {
        name: name.to_owned(),
        long_name: text(prior, LONG_NAME),
        key: text(prior, KEY),
        guid: text(prior, GUID),
        issuer: text(prior, ISSUER),
        ..Tenant::default()
    };
    Ok(Some(tenant_state(&recorded, certificates, prior)))
}

/// A session logged in to `tenant` as the administrator recorded in `state`, through the
/// provider's endpoint and TLS settings; `None` when there are no credentials or they no
/// longer work.
async fn tenant_admin_session(
    ctx: &Context,
    tenant: &str,
    state: &Value,
) -> Option<lightwave::Client> {
    let username = text(state, ADMIN_USERNAME)?;
    let password = text(state, ADMIN_PASSWORD)?;
    let clients = ctx.provider_data::<Clients>().ok()?;
    let settings = clients.settings.lightwave.as_ref()?;
    let Setting::Known(endpoint) = &settings.endpoint else {
        return None;
    };
    let mut options = lightwave::ConnectOptions::new(
        endpoint.trim_end_matches('/'),
        tenant,
        upn(&username, tenant),
        password,
    );
    if let Setting::Known(insecure) = settings.allow_unverified_ssl {
        options.allow_unverified_ssl = insecure;
    }
    if let Setting::Known(Some(ca_file)) = &settings.ca_file {
        options.ca_file = Some(ca_file.into());
    }
    match lightwave::Client::connect(options).await {
        Ok(client) => Some(client),
        Err(error) => {
            tracing::debug!(resource = TYPE_NAME, tenant, error = %error, "tenant administrator login failed");
            None
        }
    }
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let Some(name) = text(state, ID) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    // Deleted outside Terraform: the next plan creates it again.
    Ok(fetch(ctx, &client, &name, state)
        .await?
        .unwrap_or(Value::Null))
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    let name = text(prior, ID).unwrap_or_default();
    let mut state = planned.clone();
    let client = client(ctx).await?;
    if let Some(issuer) = text(planned, ISSUER) {
        if text(prior, ISSUER).as_deref() != Some(issuer.as_str()) {
            let tenant = client
                .update_tenant_issuer(&name, &issuer)
                .await
                .map_err(|error| {
                    api_error(
                        &client,
                        &name,
                        &format!("setting the issuer of tenant {name:?}"),
                        Some(Path::root().attr(ISSUER)),
                        &error,
                    )
                })?;
            set_attr(&mut state, ISSUER, Value::from(tenant.issuer));
        }
    }
    // Anything planned as unknown (after an import: what the system tenant could not read) is
    // read back now that the administrator's credentials are known.
    if !state.is_wholly_known() {
        if let Some(fresh) = fetch(ctx, &client, &name, planned).await? {
            check_create_only(&fresh, planned)?;
            state = fresh;
        }
    }
    Ok(state)
}

/// After an import the configuration's create-only values are only recorded; when Lightwave
/// turns out to hold different ones, say so instead of letting Terraform report an
/// inconsistent result.
fn check_create_only(fresh: &Value, planned: &Value) -> Result<(), Diagnostic> {
    for attribute in [LONG_NAME, KEY] {
        let Some(wanted) = text(planned, attribute) else {
            continue;
        };
        let actual = text(fresh, attribute);
        if actual.as_deref() != Some(wanted.as_str()) {
            return Err(Diagnostic::error(
                "Create-only tenant value differs",
                format!(
                    "{attribute}: the tenant holds {actual:?}, the configuration says {wanted:?}. \
                     {attribute} cannot change once the tenant exists: set it to the tenant's \
                     value, or replace the tenant with `terraform apply -replace` (which deletes \
                     everything in it)."
                ),
            )
            .at(Path::root().attr(attribute)));
        }
    }
    Ok(())
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let Some(name) = text(prior, ID) else {
        return Ok(());
    };
    let client = client(ctx).await?;
    match client.delete_tenant(&name).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &name,
            &format!("deleting tenant {name:?}"),
            None,
            &error,
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_lightwave_tenant failed";
    let name = id.trim();
    if name.is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the tenant's name, e.g. `terraform import photon_lightwave_tenant.acme \
             acme`, got an empty string.",
        ));
    }
    let client = client(ctx).await?;
    fetch(ctx, &client, name, &Value::Null)
        .await?
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                format!(
                    "Lightwave at {} has no tenant named {name:?}.",
                    client.endpoint()
                ),
            )
        })
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let name = text(config, NAME);
    if let Some(name) = &name {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid tenant name",
                    format!(
                        "name: expected a non-empty domain-like name of letters, digits, `.`, \
                         `-` and `_` (e.g. `acme` or `acme.local`), got {name:?}."
                    ),
                )
                .at(Path::root().attr(NAME)),
            );
        }
    }
    if let Some(username) = text(config, ADMIN_USERNAME) {
        match username.split_once('@') {
            _ if username.trim().is_empty() => {
                diagnostics.push(blank(ADMIN_USERNAME, "a user name such as `Administrator`"))
            }
            Some((user, domain)) => {
                let wrong_domain = name
                    .as_deref()
                    .is_some_and(|name| !domain.eq_ignore_ascii_case(name));
                if user.is_empty() || wrong_domain {
                    diagnostics.push(
                        Diagnostic::error(
                            "Invalid administrator name",
                            format!(
                                "admin_username: expected a user name such as `Administrator` \
                                 (or `Administrator@<name>`: the administrator lives in the \
                                 new tenant), got {username:?}."
                            ),
                        )
                        .at(Path::root().attr(ADMIN_USERNAME)),
                    );
                }
            }
            None => {}
        }
    }
    if text(config, ADMIN_PASSWORD).is_some_and(|password| password.is_empty()) {
        diagnostics.push(
            Diagnostic::error(
                "Invalid administrator password",
                "admin_password: expected a non-empty password.",
            )
            .at(Path::root().attr(ADMIN_PASSWORD)),
        );
    }
    if let Some(block) = config.attr(CREDENTIALS).filter(|block| !block.is_null()) {
        let path = Path::root().attr(CREDENTIALS);
        if let Some(Err(reason)) = text(block, PRIVATE_KEY).map(|key| private_key_base64(&key)) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid tenant signing key",
                    format!("credentials.private_key: {reason}."),
                )
                .at(path.attr(PRIVATE_KEY)),
            );
        }
        if let Some(certificates) = block.attr(CERTIFICATES).and_then(Value::elements) {
            if certificates.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        "Invalid tenant signing certificates",
                        "credentials.certificates: expected the signing chain, leaf first, got \
                         an empty list.",
                    )
                    .at(path.attr(CERTIFICATES)),
                );
            }
            for (index, certificate) in certificates.iter().enumerate() {
                let Some(pem) = certificate.as_str() else {
                    continue;
                };
                if !pem.trim_start().starts_with("-----BEGIN CERTIFICATE-----") {
                    diagnostics.push(
                        Diagnostic::error(
                            "Invalid tenant signing certificate",
                            format!(
                                "credentials.certificates[{index}]: expected a PEM certificate \
                                 (`-----BEGIN CERTIFICATE-----`)."
                            ),
                        )
                        .at(path.attr(CERTIFICATES).index(index as i64)),
                    );
                }
            }
        }
    }
    diagnostics
}

/// Whether the credentials change in a way that needs a new tenant: Lightwave takes them only
/// on create. After an import (no recorded administrator password) they are only recorded.
fn credentials_replace(prior: &Value, planned: &Value) -> bool {
    if prior.is_null() || planned.is_null() {
        return false;
    }
    let imported = prior.attr(ADMIN_PASSWORD).is_none_or(Value::is_null);
    let before = prior.attr(CREDENTIALS).cloned().unwrap_or(Value::Null);
    let after = planned.attr(CREDENTIALS).cloned().unwrap_or(Value::Null);
    !imported && before != after
}

#[async_trait]
impl Resource for LightwaveTenant {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        if credentials_replace(&plan.prior, &plan.planned) {
            plan.requires_replace.push(Path::root().attr(CREDENTIALS));
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(update(ctx, &request.prior, &request.planned).await)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, admin: &str, password: &str) -> Value {
        Value::object([
            (NAME, Value::from(name)),
            (ADMIN_USERNAME, Value::from(admin)),
            (ADMIN_PASSWORD, Value::from(password)),
        ])
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<Option<Path>> {
        diagnostics.iter().map(|d| d.path.clone()).collect()
    }

    #[test]
    fn bad_names_point_at_their_attribute() {
        assert!(validate_config(&config("acme", "Administrator", "s3cret!")).is_empty());
        assert!(validate_config(&config("acme", "Administrator@ACME", "s3cret!")).is_empty());
        assert_eq!(
            paths(&validate_config(&config("ac me", "Administrator", "x"))),
            vec![Some(Path::root().attr(NAME))]
        );
        assert_eq!(
            paths(&validate_config(&config("acme", "admin@other", "x"))),
            vec![Some(Path::root().attr(ADMIN_USERNAME))]
        );
        assert_eq!(
            paths(&validate_config(&config("acme", "admin", ""))),
            vec![Some(Path::root().attr(ADMIN_PASSWORD))]
        );
    }

    #[test]
    fn signing_keys_must_be_pkcs8() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIE\nvQIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(private_key_base64(pem).unwrap(), "MIIEvQIB");
        assert_eq!(private_key_base64(" MIIE vQIB\n").unwrap(), "MIIEvQIB");
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";
        assert!(
            private_key_base64(rsa)
                .unwrap_err()
                .contains("openssl pkcs8")
        );
        assert!(private_key_base64("not base64!").is_err());
    }

    #[test]
    fn credentials_changes_replace_except_after_an_import() {
        let tenant = |password: Value, credentials: Value| {
            Value::object([(ADMIN_PASSWORD, password), (CREDENTIALS, credentials)])
        };
        let block = Value::object([(PRIVATE_KEY, Value::from("k"))]);
        let created = tenant(Value::from("pw"), Value::Null);
        assert!(credentials_replace(
            &created,
            &tenant(Value::from("pw"), block.clone())
        ));
        assert!(!credentials_replace(&created, &created));
        let imported = tenant(Value::Null, Value::Null);
        assert!(!credentials_replace(
            &imported,
            &tenant(Value::from("pw"), block)
        ));
    }

    #[test]
    fn imported_create_only_values_must_match_the_tenant() {
        let fresh = Value::object([(LONG_NAME, Value::from("Acme")), (KEY, Value::Null)]);
        let same = Value::object([(LONG_NAME, Value::from("Acme")), (KEY, Value::Null)]);
        assert!(check_create_only(&fresh, &same).is_ok());
        let other = Value::object([(LONG_NAME, Value::from("Other")), (KEY, Value::Null)]);
        let error = check_create_only(&fresh, &other).unwrap_err();
        assert_eq!(error.path, Some(Path::root().attr(LONG_NAME)));
        assert!(error.detail.contains("\"Acme\""), "{}", error.detail);
    }

    #[test]
    fn state_keeps_the_write_only_administrator_and_flattens_chains() {
        let tenant = Tenant {
            name: "acme".into(),
            long_name: Some("Acme".into()),
            guid: Some("g-1".into()),
            issuer: Some("https://lw/openidconnect/acme".into()),
            ..Tenant::default()
        };
        let prior = config("acme", "Administrator", "pw");
        let state = tenant_state(&tenant, vec!["A".into(), "B".into()], &prior);
        assert_eq!(state.attr(ADMIN_PASSWORD), Some(&Value::from("pw")));
        assert_eq!(state.attr(KEY), Some(&Value::Null));
        assert_eq!(
            state.attr(SIGNING_CERTIFICATES),
            Some(&Value::list([Value::from("A"), Value::from("B")]))
        );
        let imported = tenant_state(&tenant, Vec::new(), &Value::Null);
        assert_eq!(imported.attr(ADMIN_USERNAME), Some(&Value::Null));
    }
}
