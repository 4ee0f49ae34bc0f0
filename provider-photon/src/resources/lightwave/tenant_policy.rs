//! `photon_lightwave_tenant_policy`: a tenant's password, lockout and token policies through
//! the partial `PUT /idm/tenant/{t}/config`: only the policy blocks written in the
//! configuration are sent, each complete (configured values over the server's current ones),
//! so every other policy of the tenant is left alone.
//!
//! A Lightwave tenant always has these policies, so destroying the resource cannot unset
//! them: it only stops managing them, with a warning that the tenant keeps its last values.

use async_trait::async_trait;
use lightwave::{ConfigType, TenantConfiguration};
use serde_json::{Map, Value as Json};
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::validator::{Validator, ValidatorRequest};
use tfsdk::{
    Attribute, Block, BlockNesting, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics,
    NestedBlock, Outcome, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::{KeepCurrentWhenUnset, blank, client, outcome, text};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_tenant_policy";

const TENANT: &str = "tenant";
const ID: &str = "id";
const PASSWORD_POLICY: &str = "password_policy";
const LOCKOUT_POLICY: &str = "lockout_policy";
const TOKEN_POLICY: &str = "token_policy";

/// The `photon_lightwave_tenant_policy` resource.
pub struct LightwaveTenantPolicy;

/// What kind of value a policy field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Free text.
    Text,
    /// A whole number from 0 to the bound (the Java field's range).
    Count(i64),
}

/// One policy field: attribute name, JSON name on the wire, kind, description.
struct Field {
    attribute: &'static str,
    wire: &'static str,
    kind: Kind,
    description: &'static str,
}

const INT: Kind = Kind::Count(i32::MAX as i64);
const LONG: Kind = Kind::Count(i64::MAX);

const fn field(
    attribute: &'static str,
    wire: &'static str,
    kind: Kind,
    description: &'static str,
) -> Field {
    Field {
        attribute,
        wire,
        kind,
        description,
    }
}

const PASSWORD_FIELDS: &[Field] = &[
    field(
        "description",
        "description",
        Kind::Text,
        "Free text describing the policy.",
    ),
    field("min_length", "minLength", INT, "Minimum password length."),
    field(
        "max_length",
        "maxLength",
        INT,
        "Maximum password length; at least `min_length`.",
    ),
    field(
        "min_alphabetic_count",
        "minAlphabeticCount",
        INT,
        "Minimum number of letters.",
    ),
    field(
        "min_uppercase_count",
        "minUppercaseCount",
        INT,
        "Minimum number of upper-case letters.",
    ),
    field(
        "min_lowercase_count",
        "minLowercaseCount",
        INT,
        "Minimum number of lower-case letters.",
    ),
    field(
        "min_numeric_count",
        "minNumericCount",
        INT,
        "Minimum number of digits.",
    ),
    field(
        "min_special_char_count",
        "minSpecialCharCount",
        INT,
        "Minimum number of special characters.",
    ),
    field(
        "max_identical_adjacent_characters",
        "maxIdenticalAdjacentCharacters",
        INT,
        "How many identical characters may follow each other.",
    ),
    field(
        "password_lifetime_days",
        "passwordLifetimeDays",
        INT,
        "Days before a password expires (Lightwave sets 700 for new tenants).",
    ),
    field(
        "prohibited_previous_password_count",
        "prohibitedPreviousPasswordCount",
        INT,
        "How many previous passwords may not be reused.",
    ),
];

const LOCKOUT_FIELDS: &[Field] = &[
    field(
        "description",
        "description",
        Kind::Text,
        "Free text describing the policy.",
    ),
    field(
        "max_failed_attempts",
        "maxFailedAttempts",
        INT,
        "Failed logins within `failed_attempt_interval_sec` that lock the account.",
    ),
    field(
        "failed_attempt_interval_sec",
        "failedAttemptIntervalSec",
        LONG,
        "The window, in seconds, in which failed logins are counted.",
    ),
    field(
        "auto_unlock_interval_sec",
        "autoUnlockIntervalSec",
        LONG,
        "Seconds after which a locked account unlocks itself (0: never).",
    ),
];

const TOKEN_FIELDS: &[Field] = &[
    field(
        "clock_tolerance_millis",
        "clockToleranceMillis",
        LONG,
        "Clock skew, in milliseconds, tolerated when validating tokens.",
    ),
    field(
        "delegation_count",
        "delegationCount",
        INT,
        "How many times a token may be delegated.",
    ),
    field(
        "renew_count",
        "renewCount",
        INT,
        "How many times a token may be renewed.",
    ),
    field(
        "max_bearer_token_lifetime_millis",
        "maxBearerTokenLifeTimeMillis",
        LONG,
        "Maximum lifetime of bearer tokens, in milliseconds.",
    ),
    field(
        "max_hok_token_lifetime_millis",
        "maxHOKTokenLifeTimeMillis",
        LONG,
        "Maximum lifetime of holder-of-key tokens, in milliseconds.",
    ),
    field(
        "max_bearer_refresh_token_lifetime_millis",
        "maxBearerRefreshTokenLifeTimeMillis",
        LONG,
        "Maximum lifetime of bearer refresh tokens, in milliseconds.",
    ),
    field(
        "max_hok_refresh_token_lifetime_millis",
        "maxHOKRefreshTokenLifeTimeMillis",
        LONG,
        "Maximum lifetime of holder-of-key refresh tokens, in milliseconds.",
    ),
];

/// The three policy blocks: block name, its config type, its fields, its description.
const POLICIES: [(&str, ConfigType, &[Field], &str); 3] = [
    (
        PASSWORD_POLICY,
        ConfigType::Password,
        PASSWORD_FIELDS,
        "The tenant's password policy (Lightwave's `passwordPolicy`): rules for the passwords \
         of the tenant's users.",
    ),
    (
        LOCKOUT_POLICY,
        ConfigType::Lockout,
        LOCKOUT_FIELDS,
        "The tenant's lockout policy (`lockoutPolicy`): when repeated failed logins lock an \
         account.",
    ),
    (
        TOKEN_POLICY,
        ConfigType::Token,
        TOKEN_FIELDS,
        "The tenant's token policy (`tokenPolicy`): lifetimes, renewals and clock tolerance of \
         the tokens the tenant issues.",
    ),
];

/// A whole number from 0 to a bound.
#[derive(Clone, Copy, Debug)]
struct WholeNumber(i64);

impl Validator for WholeNumber {
    fn description(&self) -> String {
        format!("Must be a whole number from 0 to {}.", self.0)
    }

    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics) {
        if let Value::Number(number) = request.value {
            let valid = number
                .as_i64()
                .is_some_and(|value| (0..=self.0).contains(&value));
            if !valid {
                diagnostics.attribute_error(
                    request.path.clone(),
                    "Invalid policy value",
                    format!(
                        "{}: expected a whole number from 0 to {}, got {number}.",
                        request.path, self.0
                    ),
                );
            }
        }
    }
}

fn policy_block(fields: &[Field], description: &str) -> Block {
    fields.iter().fold(
        Block::new().description(&format!(
            "{description} Attributes left out keep the tenant's current value, which is read \
             back into state."
        )),
        |block, field| {
            let attribute = match field.kind {
                Kind::Text => Attribute::optional_computed(field.attribute, Type::String),
                Kind::Count(max) => Attribute::optional_computed(field.attribute, Type::Number)
                    .validator(WholeNumber(max)),
            };
            block.attribute(
                attribute
                    .description(&format!(
                        "{} Wire name `{}`.",
                        field.description, field.wire
                    ))
                    .plan_modifier(KeepCurrentWhenUnset),
            )
        },
    )
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    let block = Block::new()
        .description(
            "The password, lockout and token policies of a Lightwave tenant. Only the blocks \
             written are managed: each is sent whole (attributes left out keep the tenant's \
             current value), the other policies are not touched. Changes apply in place.\n\n\
             Setting policies needs the tenant's Administrator role, so manage this resource \
             through a provider alias logged in to the tenant (see \
             `photon_lightwave_tenant`). A tenant always has policies: destroying this \
             resource only stops managing them, and the tenant keeps its last values (a \
             warning says so).",
        )
        .attribute(
            Attribute::required(TENANT, Type::String)
                .description(
                    "The tenant whose policies these are, e.g. \
                     `photon_lightwave_tenant.acme.name`.",
                )
                .plan_modifier(RequiresReplace),
        )
        .attribute(
            Attribute::computed(ID, Type::String)
                .description("The tenant's name.")
                .plan_modifier(UseStateForUnknown),
        );
    let block = POLICIES
        .iter()
        .fold(block, |block, (name, _, fields, description)| {
            block.block(NestedBlock::new(
                name,
                BlockNesting::Single,
                policy_block(fields, description),
            ))
        });
    Schema::new(block)
}

/// A policy's JSON (camelCase fields) as a block value.
fn policy_value(fields: &[Field], policy: &Json) -> Value {
    Value::object(fields.iter().map(|field| {
        let wire = policy.get(field.wire);
        let value = match (field.kind, wire) {
            (Kind::Text, Some(Json::String(text))) => Value::from(text.clone()),
            (Kind::Count(_), Some(Json::Number(number))) => Value::from(number.as_i64()),
            _ => Value::Null,
        };
        (field.attribute, value)
    }))
}

/// `current` with the known values of `block` written over it.
fn merge_policy(fields: &[Field], block: &Value, current: &Json) -> Json {
    let mut policy = match current {
        Json::Object(map) => map.clone(),
        _ => Map::new(),
    };
    for field in fields {
        let value = match (field.kind, block.attr(field.attribute)) {
            (Kind::Text, Some(Value::String(text))) => Json::from(text.clone()),
            (Kind::Count(_), Some(Value::Number(number))) => match number.as_i64() {
                Some(number) => Json::from(number),
                None => continue,
            },
            _ => continue,
        };
        policy.insert(field.wire.to_owned(), value);
    }
    Json::Object(policy)
}

fn to_json<T: serde::Serialize>(policy: &Option<T>) -> Json {
    policy
        .as_ref()
        .and_then(|policy| serde_json::to_value(policy).ok())
        .unwrap_or(Json::Null)
}

fn policy_json(config: &TenantConfiguration, block: &str) -> Json {
    match block {
        PASSWORD_POLICY => to_json(&config.password_policy),
        LOCKOUT_POLICY => to_json(&config.lockout_policy),
        _ => to_json(&config.token_policy),
    }
}

/// Sets the policy `block` of `config` from its JSON.
fn set_policy(config: &mut TenantConfiguration, block: &str, json: Json) -> Result<(), String> {
    let error = |error: serde_json::Error| error.to_string();
    match block {
        PASSWORD_POLICY => {
            config.password_policy = Some(serde_json::from_value(json).map_err(error)?)
        }
        LOCKOUT_POLICY => {
            config.lockout_policy = Some(serde_json::from_value(json).map_err(error)?)
        }
        _ => config.token_policy = Some(serde_json::from_value(json).map_err(error)?),
    }
    Ok(())
}

/// The state for `tenant` holding the blocks `managed` says, read from `config`.
fn policy_state(
    tenant: &str,
    config: &TenantConfiguration,
    managed: &dyn Fn(&str) -> bool,
) -> Value {
    let mut attributes = vec![
        (TENANT.to_owned(), Value::from(tenant)),
        (ID.to_owned(), Value::from(tenant)),
    ];
    for (name, _, fields, _) in POLICIES {
        let value = if managed(name) {
            policy_value(fields, &policy_json(config, name))
        } else {
            Value::Null
        };
        attributes.push((name.to_owned(), value));
    }
    Value::object(attributes)
}

fn present(value: &Value, block: &str) -> bool {
    value.attr(block).is_some_and(|block| !block.is_null())
}

async fn read_config(
    client: &lightwave::Client,
    tenant: &str,
) -> Result<Option<TenantConfiguration>, Diagnostic> {
    let types: Vec<ConfigType> = POLICIES.iter().map(|(_, kind, _, _)| *kind).collect();
    match client.tenant_config(tenant, &types).await {
        Ok(config) => Ok(Some(config)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(
            client,
            tenant,
            &format!("reading the policies of tenant {tenant:?}"),
            None,
            &error,
        )),
    }
}

/// Create and update alike: sends the planned blocks over the current policies.
async fn apply(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = text(planned, TENANT).unwrap_or_default();
    let client = client(ctx).await?;
    let current = read_config(&client, &tenant).await?.ok_or_else(|| {
        Diagnostic::error(
            "Lightwave tenant not found",
            format!("tenant: Lightwave has no tenant named {tenant:?}."),
        )
        .at(Path::root().attr(TENANT))
    })?;
    let mut change = TenantConfiguration::default();
    for (name, _, fields, _) in POLICIES {
        let Some(block) = planned.attr(name).filter(|block| !block.is_null()) else {
            continue;
        };
        let merged = merge_policy(fields, block, &policy_json(&current, name));
        set_policy(&mut change, name, merged).map_err(|reason| {
            Diagnostic::error(
                "Invalid policy",
                format!("{name}: the merged policy does not fit Lightwave's model: {reason}."),
            )
            .at(Path::root().attr(name))
        })?;
    }
    if change != TenantConfiguration::default() {
        client
            .update_tenant_config(&tenant, &change)
            .await
            .map_err(|error| {
                api_error(
                    &client,
                    &tenant,
                    &format!("updating the policies of tenant {tenant:?}"),
                    None,
                    &error,
                )
            })?;
        tracing::debug!(
            resource = TYPE_NAME,
            tenant = tenant.as_str(),
            "policies set"
        );
    }
    let fresh = read_config(&client, &tenant).await?.unwrap_or_default();
    Ok(policy_state(&tenant, &fresh, &|block| {
        present(planned, block)
    }))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let Some(tenant) = text(state, ID) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    Ok(match read_config(&client, &tenant).await? {
        // The tenant is gone, and its policies with it.
        None => Value::Null,
        Some(config) => policy_state(&tenant, &config, &|block| present(state, block)),
    })
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_lightwave_tenant_policy failed";
    let tenant = id.trim();
    if tenant.is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the tenant's name, e.g. `terraform import \
             photon_lightwave_tenant_policy.acme acme`, got an empty string.",
        ));
    }
    let client = client(ctx).await?;
    let config = read_config(&client, tenant).await?.ok_or_else(|| {
        Diagnostic::error(
            SUMMARY,
            format!("Lightwave has no tenant named {tenant:?}."),
        )
    })?;
    Ok(policy_state(tenant, &config, &|_| true))
}

/// A known number attribute of a block.
fn number(block: &Value, name: &str) -> Option<i64> {
    block
        .attr(name)
        .and_then(Value::as_number)
        .and_then(|number| number.as_i64())
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if text(config, TENANT).is_some_and(|tenant| tenant.trim().is_empty()) {
        diagnostics.push(blank(TENANT, "a tenant name such as `acme`"));
    }
    if let Some(password) = config.attr(PASSWORD_POLICY) {
        if let (Some(min), Some(max)) = (
            number(password, "min_length"),
            number(password, "max_length"),
        ) {
            if min > max {
                diagnostics.attribute_error(
                    Path::root().attr(PASSWORD_POLICY).attr("min_length"),
                    "Invalid password policy",
                    format!(
                        "password_policy.min_length: expected at most max_length ({max}), got \
                         {min}."
                    ),
                );
            }
        }
    }
    diagnostics
}

#[async_trait]
impl Resource for LightwaveTenantPolicy {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(apply(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(apply(ctx, &request.planned).await)
    }

    async fn delete(&self, _ctx: &Context, request: DeleteRequest) -> Diagnostics {
        let tenant = text(&request.prior, ID).unwrap_or_default();
        Diagnostic::warning(
            "Lightwave tenant policies kept",
            format!(
                "Lightwave cannot unset a tenant's policies: tenant {tenant:?} keeps the last \
                 password, lockout and token policy values; Terraform no longer manages them."
            ),
        )
        .into()
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_values_override_the_server_and_the_rest_is_kept() {
        let current = serde_json::json!({"minLength": 8, "maxLength": 20, "description": "d"});
        let block = Value::object([
            ("min_length", Value::from(12)),
            ("max_length", Value::unknown()),
            ("description", Value::Null),
        ]);
        let merged = merge_policy(PASSWORD_FIELDS, &block, &current);
        assert_eq!(
            merged,
            serde_json::json!({"minLength": 12, "maxLength": 20, "description": "d"})
        );
        let mut config = TenantConfiguration::default();
        set_policy(&mut config, PASSWORD_POLICY, merged).unwrap();
        assert_eq!(
            config.password_policy.as_ref().unwrap().min_length,
            Some(12)
        );
    }

    #[test]
    fn wire_names_round_trip_through_the_client_model() {
        let mut config = TenantConfiguration::default();
        let json = serde_json::json!({"maxBearerTokenLifeTimeMillis": 300000, "maxHOKTokenLifeTimeMillis": 5, "renewCount": 3});
        set_policy(&mut config, TOKEN_POLICY, json).unwrap();
        let value = policy_value(TOKEN_FIELDS, &policy_json(&config, TOKEN_POLICY));
        assert_eq!(
            value.attr("max_bearer_token_lifetime_millis"),
            Some(&Value::from(300000))
        );
        assert_eq!(
            value.attr("max_hok_token_lifetime_millis"),
            Some(&Value::from(5))
        );
        assert_eq!(value.attr("renew_count"), Some(&Value::from(3)));
        assert_eq!(value.attr("delegation_count"), Some(&Value::Null));
        let state = policy_state("acme", &config, &|block| block == TOKEN_POLICY);
        assert_eq!(state.attr(PASSWORD_POLICY), Some(&Value::Null));
        assert!(
            state
                .attr(TOKEN_POLICY)
                .is_some_and(|block| !block.is_null())
        );
    }

    #[test]
    fn min_length_above_max_length_is_refused() {
        let config = |min: i64, max: i64| {
            Value::object([
                (TENANT, Value::from("acme")),
                (
                    PASSWORD_POLICY,
                    Value::object([
                        ("min_length", Value::from(min)),
                        ("max_length", Value::from(max)),
                    ]),
                ),
            ])
        };
        let diagnostics = validate_config(&config(30, 20));
        assert_eq!(
            diagnostics.0[0].path,
            Some(Path::root().attr(PASSWORD_POLICY).attr("min_length"))
        );
        assert!(validate_config(&config(8, 20)).is_empty());
    }

    #[test]
    fn negative_and_fractional_counts_are_refused() {
        let path = Path::root().attr("min_length");
        let check = |value: Value| {
            let mut diagnostics = Diagnostics::new();
            WholeNumber(10).validate(
                &ValidatorRequest {
                    path: &path,
                    value: &value,
                    parent: &Value::Null,
                },
                &mut diagnostics,
            );
            diagnostics.has_errors()
        };
        assert!(check(Value::from(-1)));
        assert!(check(Value::from(11)));
        assert!(check(Value::Number(
            tfsdk::cty::Number::from_f64(1.5).unwrap()
        )));
        assert!(!check(Value::from(10)));
    }
}
