//! `photon_lightwave_user`: a person user in a tenant's system domain, written through
//! Lightwave's VMDIR REST API. Names are create-only; details and `disabled` change in place;
//! a new `password` is set in place with the administrator's password reset.

use async_trait::async_trait;
use lightwave::{PasswordDetails, User, UserDetails};
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::{
    KeepCurrentWhenUnset, blank, client, flag, outcome, plan_default_tenant, tenant_or_login, text,
};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_user";

const TENANT: &str = "tenant";
const NAME: &str = "name";
const DOMAIN: &str = "domain";
const UPN: &str = "upn";
const FIRST_NAME: &str = "first_name";
const LAST_NAME: &str = "last_name";
const EMAIL: &str = "email";
const DESCRIPTION: &str = "description";
const DISABLED: &str = "disabled";
const PASSWORD: &str = "password";
const LOCKED: &str = "locked";
const OBJECT_ID: &str = "object_id";
const ID: &str = "id";

/// The optional free-text details, as (attribute, what it is).
const DETAILS: [(&str, &str); 4] = [
    (FIRST_NAME, "The user's first (given) name."),
    (LAST_NAME, "The user's last (family) name."),
    (EMAIL, "The user's e-mail address."),
    (DESCRIPTION, "Free text describing the user."),
];

/// The `photon_lightwave_user` resource.
pub struct LightwaveUser;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    let mut block = Block::new()
        .description(
            "A person user of a Lightwave tenant, in the tenant's system domain (what \
             Lightwave's own directory stores). Creating users needs the tenant's \
             Administrator role: manage users through a provider alias logged in to their \
             tenant (see `photon_lightwave_tenant`). `name` and `tenant` are create-only; the \
             details, `disabled` and `password` change in place. A user deleted outside \
             Terraform is created again by the next apply.",
        )
        .attribute(
            Attribute::optional_computed(TENANT, Type::String)
                .description(
                    "The user's tenant. Defaults to the tenant the provider logs in to \
                     (`lightwave.tenant`). Create-only.",
                )
                .plan_modifier(UseStateForUnknown)
                .plan_modifier(RequiresReplace),
        )
        .attribute(
            Attribute::required(NAME, Type::String)
                .description(
                    "The user's account name, e.g. `jane` (without a domain). Create-only.",
                )
                .plan_modifier(RequiresReplace),
        )
        .attribute(
            Attribute::computed(DOMAIN, Type::String)
                .description("The domain the user lives in: the tenant's system domain.")
                .plan_modifier(UseStateForUnknown),
        )
        .attribute(
            Attribute::computed(UPN, Type::String)
                .description(
                    "The user principal name, `name@domain`, e.g. `jane@acme`: what group \
                     memberships and logins use.",
                )
                .plan_modifier(UseStateForUnknown),
        );
    for (name, description) in DETAILS {
        block = block.attribute(Attribute::optional(name, Type::String).description(description));
    }
    block = block
        .attribute(
            Attribute::optional_computed(DISABLED, Type::Bool)
                .description(
                    "Whether the account is disabled (cannot log in); `false` for new users.",
                )
                .plan_modifier(KeepCurrentWhenUnset),
        )
        .attribute(
            Attribute::required(PASSWORD, Type::String)
                .sensitive()
                .description(
                    "The user's password; it must satisfy the tenant's password policy. A \
                     change is applied in place as an administrator's password reset. \
                     Lightwave never returns passwords: a password changed outside Terraform \
                     goes unnoticed, and after an import the first apply sets the configured \
                     password.",
                ),
        )
        .attribute(Attribute::computed(LOCKED, Type::Bool).description(
            "Whether the lockout policy has locked the account (read from Lightwave at \
                     every refresh).",
        ))
        .attribute(
            Attribute::computed(OBJECT_ID, Type::String)
                .description("The directory's object ID of the user.")
                .plan_modifier(UseStateForUnknown),
        )
        .attribute(
            Attribute::computed(ID, Type::String)
                .description("`<tenant>/<upn>`, e.g. `acme/jane@acme`: the import ID.")
                .plan_modifier(UseStateForUnknown),
        );
    Schema::new(block)
}

/// The details attributes of `value` as Lightwave's user details.
fn details(value: &Value) -> UserDetails {
    UserDetails {
        first_name: text(value, FIRST_NAME),
        last_name: text(value, LAST_NAME),
        email: text(value, EMAIL),
        description: text(value, DESCRIPTION),
        upn: None,
    }
}

/// Empty strings read back as null: Lightwave stores no empty details.
fn detail(value: &Option<String>) -> Value {
    Value::from(value.clone().filter(|text| !text.is_empty()))
}

/// The server's user as state; the password (never returned) comes from `prior`.
fn user_state(tenant: &str, user: &User, prior: &Value) -> Value {
    let upn = user.upn();
    let details = user.details.clone().unwrap_or_default();
    Value::object([
        (ID, Value::from(format!("{tenant}/{upn}"))),
        (TENANT, Value::from(tenant)),
        (NAME, Value::from(user.name.clone())),
        (DOMAIN, Value::from(user.domain.clone())),
        (UPN, Value::from(upn)),
        (FIRST_NAME, detail(&details.first_name)),
        (LAST_NAME, detail(&details.last_name)),
        (EMAIL, detail(&details.email)),
        (DESCRIPTION, detail(&details.description)),
        (DISABLED, Value::from(user.disabled.unwrap_or(false))),
        (LOCKED, Value::from(user.locked.unwrap_or(false))),
        (OBJECT_ID, Value::from(user.object_id.clone())),
        (
            PASSWORD,
            prior.attr(PASSWORD).cloned().unwrap_or(Value::Null),
        ),
    ])
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = tenant_or_login(ctx, planned, TENANT)?;
    let name = text(planned, NAME).unwrap_or_default();
    let upn = format!("{name}@{tenant}");
    let client = client(ctx).await?;
    let request = User {
        name: name.clone(),
        // Lightwave creates users in the tenant's system domain, named like the tenant.
        domain: tenant.clone(),
        details: Some(details(planned)),
        disabled: flag(planned, DISABLED),
        password_details: Some(PasswordDetails {
            password: text(planned, PASSWORD),
            ..PasswordDetails::default()
        }),
        ..User::default()
    };
    let created = client
        .create_user(&tenant, &request)
        .await
        .map_err(|error| {
            let attribute = (error.status() == Some(400)).then(|| Path::root().attr(NAME));
            let mut diagnostic = api_error(
                &client,
                &tenant,
                &format!("creating user {upn:?}"),
                attribute,
                &error,
            );
            if error.status() == Some(400) {
                diagnostic.detail.push_str(&format!(
                    "\n\nThe user may already exist (bring it under Terraform with `terraform \
                 import {TYPE_NAME}.<name> {tenant}/{upn}`), or the password may not satisfy \
                 the tenant's password policy."
                ));
            }
            diagnostic
        })?;
    tracing::debug!(resource = TYPE_NAME, upn = upn.as_str(), "created");
    Ok(user_state(&tenant, &created, planned))
}

/// The user as state, `None` when it does not exist.
async fn fetch(
    client: &lightwave::Client,
    tenant: &str,
    upn: &str,
    prior: &Value,
) -> Result<Option<Value>, Diagnostic> {
    match client.get_user(tenant, upn).await {
        Ok(user) => Ok(Some(user_state(tenant, &user, prior))),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(
            client,
            tenant,
            &format!("reading user {upn:?}"),
            None,
            &error,
        )),
    }
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let (Some(tenant), Some(upn)) = (text(state, TENANT), text(state, UPN)) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    // Deleted outside Terraform: the next plan creates it again.
    Ok(fetch(&client, &tenant, &upn, state)
        .await?
        .unwrap_or(Value::Null))
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = text(prior, TENANT).unwrap_or_default();
    let upn = text(prior, UPN).unwrap_or_default();
    let client = client(ctx).await?;
    let changed = |name: &str| prior.attr(name) != planned.attr(name);
    let details_changed = DETAILS.iter().any(|(name, _)| changed(name));
    let disabled = flag(planned, DISABLED);
    if details_changed || (disabled.is_some() && changed(DISABLED)) {
        let request = User {
            name: text(prior, NAME).unwrap_or_default(),
            domain: text(prior, DOMAIN).unwrap_or_default(),
            details: Some(details(planned)),
            disabled,
            ..User::default()
        };
        client
            .update_user(&tenant, &upn, &request)
            .await
            .map_err(|error| {
                api_error(
                    &client,
                    &tenant,
                    &format!("updating user {upn:?}"),
                    None,
                    &error,
                )
            })?;
    }
    if changed(PASSWORD) {
        if let Some(password) = text(planned, PASSWORD) {
            client
                .set_user_password(&tenant, &upn, None, &password)
                .await
                .map_err(|error| {
                    api_error(
                        &client,
                        &tenant,
                        &format!("resetting the password of user {upn:?}"),
                        Some(Path::root().attr(PASSWORD)),
                        &error,
                    )
                })?;
        }
    }
    fetch(&client, &tenant, &upn, planned)
        .await?
        .ok_or_else(|| {
            Diagnostic::error(
                "Lightwave user disappeared",
                format!("user {upn:?} of tenant {tenant:?} was deleted while being updated."),
            )
        })
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let (Some(tenant), Some(upn)) = (text(prior, TENANT), text(prior, UPN)) else {
        return Ok(());
    };
    let client = client(ctx).await?;
    match client.delete_user(&tenant, &upn).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &tenant,
            &format!("deleting user {upn:?}"),
            None,
            &error,
        )),
    }
}

/// `tenant/upn` split in two, or a message saying what was expected.
fn parse_import_id(id: &str) -> Result<(&str, &str), String> {
    match id.split_once('/') {
        Some((tenant, upn)) if !tenant.is_empty() && upn.contains('@') && !upn.starts_with('@') => {
            Ok((tenant, upn))
        }
        _ => Err(format!(
            "expected `<tenant>/<user UPN>`, e.g. `terraform import {TYPE_NAME}.jane \
             acme/jane@acme`, got {id:?}."
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_lightwave_user failed";
    let (tenant, upn) =
        parse_import_id(id.trim()).map_err(|reason| Diagnostic::error(SUMMARY, reason))?;
    let client = client(ctx).await?;
    fetch(&client, tenant, upn, &Value::Null)
        .await?
        .ok_or_else(|| {
            Diagnostic::error(SUMMARY, format!("tenant {tenant:?} has no user {upn:?}."))
        })
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(name) = text(config, NAME) {
        if name.trim().is_empty() {
            diagnostics.push(blank(NAME, "an account name such as `jane`"));
        } else if name.contains(['@', '\\', '/']) || name.chars().any(char::is_whitespace) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid user name",
                    format!(
                        "name: expected an account name without a domain, `@`, `\\`, `/` or \
                         spaces (e.g. `jane`; the UPN becomes `jane@<tenant>`), got {name:?}."
                    ),
                )
                .at(Path::root().attr(NAME)),
            );
        }
    }
    if text(config, TENANT).is_some_and(|tenant| tenant.trim().is_empty()) {
        diagnostics.push(blank(
            TENANT,
            "a tenant name such as `acme`, or leave it out",
        ));
    }
    for (name, _) in DETAILS {
        if text(config, name).is_some_and(|value| value.is_empty()) {
            diagnostics.push(blank(
                name,
                "a non-empty value (leave the attribute out instead)",
            ));
        }
    }
    if let Some(email) = text(config, EMAIL) {
        if !email.is_empty() && !email.contains('@') {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid e-mail address",
                    format!(
                        "email: expected an address such as `jane@example.com`, got {email:?}."
                    ),
                )
                .at(Path::root().attr(EMAIL)),
            );
        }
    }
    if text(config, PASSWORD).is_some_and(|password| password.is_empty()) {
        diagnostics.push(
            Diagnostic::error(
                "Invalid password",
                "password: expected a non-empty password.",
            )
            .at(Path::root().attr(PASSWORD)),
        );
    }
    diagnostics
}

#[async_trait]
impl Resource for LightwaveUser {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        plan_default_tenant(ctx, plan, TENANT);
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

    #[test]
    fn import_ids_are_tenant_slash_upn() {
        assert_eq!(parse_import_id("acme/jane@acme"), Ok(("acme", "jane@acme")));
        for bad in ["jane@acme", "acme/jane", "/jane@acme", "acme/@acme"] {
            let error = parse_import_id(bad).unwrap_err();
            assert!(error.contains("acme/jane@acme"), "{error}");
        }
    }

    #[test]
    fn state_keeps_the_password_and_reads_empty_details_as_null() {
        let user = User {
            name: "jane".into(),
            domain: "acme".into(),
            details: Some(UserDetails {
                first_name: Some("Jane".into()),
                email: Some(String::new()),
                ..UserDetails::default()
            }),
            object_id: Some("o-1".into()),
            ..User::default()
        };
        let prior = Value::object([(PASSWORD, Value::from("pw"))]);
        let state = user_state("acme", &user, &prior);
        assert_eq!(state.attr(ID), Some(&Value::from("acme/jane@acme")));
        assert_eq!(state.attr(PASSWORD), Some(&Value::from("pw")));
        assert_eq!(state.attr(EMAIL), Some(&Value::Null));
        assert_eq!(state.attr(FIRST_NAME), Some(&Value::from("Jane")));
        assert_eq!(state.attr(DISABLED), Some(&Value::from(false)));
    }

    #[test]
    fn names_with_a_domain_are_refused() {
        let config = Value::object([
            (NAME, Value::from("jane@acme")),
            (PASSWORD, Value::from("x")),
        ]);
        let diagnostics = validate_config(&config);
        assert_eq!(diagnostics.0[0].path, Some(Path::root().attr(NAME)));
    }
}
