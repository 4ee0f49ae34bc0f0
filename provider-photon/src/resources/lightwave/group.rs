//! `photon_lightwave_group`: a group in a Lightwave tenant's system domain, written through the
//! VMDIR REST API. Only the description can change in place (Lightwave refuses to rename a
//! group); membership is managed one member at a time by `photon_lightwave_group_member`.
//!
//! Also home of the helpers the tenant-scoped principal resources (group, group member,
//! solution user, OIDC client) share: the session, the default `tenant`, and import ids.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::{client, outcome, plan_default_tenant, set_attr as set, text};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_group";

const ID: &str = "id";
const TENANT: &str = "tenant";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const DOMAIN: &str = "domain";
const UPN: &str = "upn";
const OBJECT_ID: &str = "object_id";

/// The `photon_lightwave_group` resource.
pub struct LightwaveGroup;

// ----- helpers shared by the tenant-scoped Lightwave resources ------------------------------

/// How the tenant-scoped resources log in, for their descriptions.
pub(crate) const TENANT_LOGIN_NOTE: &str = "Lightwave checks roles in the tenant named in the \
     request, so a system-tenant administrator cannot manage principals of another tenant: \
     manage this resource through a provider alias logged in to the tenant as its \
     administrator (`provider = photon.<alias>`), while the default provider, logged in to the \
     system tenant, manages `photon_lightwave_tenant`.";

/// The `tenant` attribute every tenant-scoped resource has.
pub(crate) fn tenant_attribute(what: &str) -> Attribute {
    Attribute::optional_computed(TENANT, Type::String)
        .description(&format!(
            "The tenant that holds the {what}. Defaults to the tenant the provider (alias) is \
             logged in to; Lightwave only lets that tenant's administrators manage it."
        ))
        .plan_modifier(UseStateForUnknown)
        .plan_modifier(RequiresReplace)
}

/// The known strings of a list attribute (null → empty).
pub(crate) fn strings(value: &Value, name: &str) -> Vec<String> {
    value
        .attr(name)
        .and_then(Value::elements)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The tenant a planned object goes to: its `tenant`, else the provider's login tenant.
pub(crate) fn planned_tenant(planned: &Value, client: &lightwave::Client) -> String {
    text(planned, TENANT).unwrap_or_else(|| client.login_tenant().to_owned())
}

/// Splits an import id into exactly `parts` non-empty `/`-separated parts, or explains the
/// expected `format` with an `example`.
pub(crate) fn split_import_id<'a>(
    type_name: &str,
    id: &'a str,
    parts: usize,
    format: &str,
    example: &str,
) -> Result<Vec<&'a str>, Diagnostic> {
    let split: Vec<&str> = id.split('/').collect();
    if split.len() == parts && split.iter().all(|part| !part.trim().is_empty()) {
        Ok(split)
    } else {
        Err(Diagnostic::error(
            format!("Import {type_name} failed"),
            format!(
                "expected an import id of the form `{format}`, e.g. `terraform import \
                 {type_name}.<name> {example}`, got {id:?}."
            ),
        ))
    }
}

/// A UPN's `name` and `domain` (`name@domain`); `None` unless both are non-empty.
pub(crate) fn split_upn(upn: &str) -> Option<(&str, &str)> {
    let (name, domain) = upn.rsplit_once('@')?;
    (!name.is_empty() && !domain.is_empty()).then_some((name, domain))
}

/// A principal name must be non-empty and may not hold the characters Lightwave uses to
/// separate names from domains (`@`, `\`) or that break our import ids (`/`).
pub(crate) fn check_principal_name(config: &Value, attribute: &str, what: &str) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(attribute) {
        if name.trim().is_empty() || name.contains(['@', '\\', '/']) {
            diagnostics.attribute_error(
                Path::root().attr(attribute),
                format!("Invalid {what} name"),
                format!(
                    "{attribute}: expected a bare {what} name without a domain (no `@`, `\\` or \
                     `/`), e.g. \"app-operators\"; the domain is the tenant's. Got {name:?}."
                ),
            );
        }
    }
    diagnostics
}

/// Deletion's result as diagnostics.
pub(crate) fn deleted(result: Result<(), Diagnostic>) -> Diagnostics {
    match result {
        Ok(()) => Diagnostics::new(),
        Err(diagnostic) => diagnostic.into(),
    }
}

// ----- the resource ---------------------------------------------------------------------------

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(&format!(
                "A group in a Lightwave tenant (`<TENANT>\\<name>` in token `groups` claims), \
                 created in the tenant's system domain through the VMDIR REST API. Groups grant \
                 Lightwave roles (`Administrators`, `TrustedUsers`, `Users`) and feed resource \
                 servers' group filters. Only the description changes in place: Lightwave \
                 cannot rename a group, so changing `name` replaces it. Members are added with \
                 `photon_lightwave_group_member`. {TENANT_LOGIN_NOTE}"
            ))
            .attribute(tenant_attribute("group"))
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description(
                        "The group's name without domain, e.g. `app-operators`; unique in the \
                         tenant. Changing it replaces the group (and drops its memberships).",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(DESCRIPTION, Type::String)
                    .description("Free text describing the group. Changes in place.")
                    .plan_modifier(DefaultValue(Value::from(""))),
            )
            .attribute(
                Attribute::computed(DOMAIN, Type::String)
                    .description("The domain the group lives in: the tenant's system domain.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(UPN, Type::String)
                    .description(
                        "The group's principal name `name@domain`: what \
                         `photon_lightwave_group_member` takes as `group`, or as `member` to \
                         nest this group in another.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(OBJECT_ID, Type::String)
                    .description("The directory object id Lightwave assigned.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("`<tenant>/<name>@<domain>`, also the import id.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

/// A server group as state.
fn group_state(tenant: &str, group: &lightwave::Group) -> Value {
    let upn = group.upn();
    Value::object([
        (ID, Value::from(format!("{tenant}/{upn}"))),
        (TENANT, Value::from(tenant)),
        (NAME, Value::from(group.name.clone())),
        (
            DESCRIPTION,
            Value::from(
                group
                    .details
                    .as_ref()
                    .and_then(|details| details.description.clone())
                    .unwrap_or_default(),
            ),
        ),
        (DOMAIN, Value::from(group.domain.clone())),
        (UPN, Value::from(upn)),
        (
            OBJECT_ID,
            group.object_id.clone().map_or(Value::Null, Value::from),
        ),
    ])
}

/// The group `upn` of `tenant`, `None` when Lightwave says it does not exist.
async fn find_group(
    client: &lightwave::Client,
    tenant: &str,
    upn: &str,
    action: &str,
) -> Result<Option<lightwave::Group>, Diagnostic> {
    match client.get_group(tenant, upn).await {
        Ok(group) => Ok(Some(group)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(client, tenant, action, None, &error)),
    }
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let client = client(ctx).await?;
    let tenant = planned_tenant(planned, &client);
    let name = text(planned, NAME).unwrap_or_default();
    // Lightwave only creates groups in the tenant's system domain, which carries the
    // tenant's name.
    let request = lightwave::Group {
        name: name.clone(),
        domain: tenant.clone(),
        details: Some(lightwave::GroupDetails {
            description: text(planned, DESCRIPTION).filter(|text| !text.is_empty()),
        }),
        ..Default::default()
    };
    let action = format!("creating group {name:?}");
    let created = client
        .create_group(&tenant, &request)
        .await
        .map_err(|error| {
            api_error(
                &client,
                &tenant,
                &action,
                Some(Path::root().attr(NAME)),
                &error,
            )
        })?;
    // The create answer carries no object id: read the group back.
    let upn = created.upn();
    let group = find_group(&client, &tenant, &upn, &format!("reading group {upn:?}"))
        .await?
        .unwrap_or(created);
    tracing::debug!(
        resource = TYPE_NAME,
        tenant = tenant.as_str(),
        upn = upn.as_str(),
        "created"
    );
    let mut state = group_state(&tenant, &group);
    // Lightwave may omit an empty description; keep what was planned.
    set(
        &mut state,
        DESCRIPTION,
        Value::from(text(planned, DESCRIPTION).unwrap_or_default()),
    );
    Ok(state)
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let (Some(tenant), Some(upn)) = (text(state, TENANT), text(state, UPN)) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    // Deleted outside Terraform: the next plan creates it again.
    Ok(
        match find_group(&client, &tenant, &upn, &format!("reading group {upn:?}")).await? {
            Some(group) => group_state(&tenant, &group),
            None => Value::Null,
        },
    )
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = text(prior, TENANT).unwrap_or_default();
    let upn = text(prior, UPN).unwrap_or_default();
    let description = text(planned, DESCRIPTION).unwrap_or_default();
    let client = client(ctx).await?;
    // Lightwave's PUT changes only the details; it refuses a body naming the group or domain.
    let change = lightwave::Group {
        details: Some(lightwave::GroupDetails {
            description: Some(description.clone()),
        }),
        ..Default::default()
    };
    let action = format!("updating group {upn:?}");
    let group = client
        .update_group(&tenant, &upn, &change)
        .await
        .map_err(|error| {
            api_error(
                &client,
                &tenant,
                &action,
                Some(Path::root().attr(DESCRIPTION)),
                &error,
            )
        })?;
    let mut state = group_state(&tenant, &group);
    set(&mut state, DESCRIPTION, Value::from(description));
    if group.object_id.is_none() {
        set(
            &mut state,
            OBJECT_ID,
            prior.attr(OBJECT_ID).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(state)
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let (Some(tenant), Some(upn)) = (text(prior, TENANT), text(prior, UPN)) else {
        return Ok(());
    };
    let client = client(ctx).await?;
    match client.delete_group(&tenant, &upn).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &tenant,
            &format!("deleting group {upn:?}"),
            None,
            &error,
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const FORMAT: &str = "<tenant>/<name>@<domain>";
    const EXAMPLE: &str = "acme/app-operators@acme";
    let parts = split_import_id(TYPE_NAME, id, 2, FORMAT, EXAMPLE)?;
    let (tenant, upn) = (parts[0], parts[1]);
    if split_upn(upn).is_none() {
        return Err(Diagnostic::error(
            format!("Import {TYPE_NAME} failed"),
            format!(
                "expected the group as `name@domain` after the tenant (`{FORMAT}`, e.g. \
                 `{EXAMPLE}`), got {upn:?}."
            ),
        ));
    }
    let client = client(ctx).await?;
    match find_group(&client, tenant, upn, &format!("reading group {upn:?}")).await? {
        Some(group) => Ok(group_state(tenant, &group)),
        None => Err(Diagnostic::error(
            format!("Import {TYPE_NAME} failed"),
            format!("tenant {tenant:?} has no group {upn:?}."),
        )),
    }
}

#[async_trait]
impl Resource for LightwaveGroup {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        check_principal_name(config, NAME, "group")
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
        deleted(delete(ctx, &request.prior).await)
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_groups_become_state_with_a_tenant_scoped_id() {
        let group = lightwave::Group {
            name: "ops".into(),
            domain: "acme".into(),
            details: Some(lightwave::GroupDetails {
                description: Some("d".into()),
            }),
            object_id: Some("oid".into()),
            ..Default::default()
        };
        let state = group_state("acme", &group);
        assert_eq!(state.attr(ID), Some(&Value::from("acme/ops@acme")));
        assert_eq!(state.attr(UPN), Some(&Value::from("ops@acme")));
        assert_eq!(state.attr(DESCRIPTION), Some(&Value::from("d")));
        assert_eq!(state.attr(OBJECT_ID), Some(&Value::from("oid")));
        let bare = lightwave::Group {
            name: "ops".into(),
            domain: "acme".into(),
            ..Default::default()
        };
        let state = group_state("acme", &bare);
        assert_eq!(state.attr(DESCRIPTION), Some(&Value::from("")));
        assert_eq!(state.attr(OBJECT_ID), Some(&Value::Null));
    }

    #[test]
    fn names_with_a_domain_are_refused_at_the_name_attribute() {
        for bad in ["ops@acme", "ACME\\ops", " ", "a/b"] {
            let config = Value::object([(NAME, Value::from(bad))]);
            let diagnostics = check_principal_name(&config, NAME, "group");
            let paths: Vec<Option<Path>> = diagnostics.iter().map(|d| d.path.clone()).collect();
            assert_eq!(paths, vec![Some(Path::root().attr(NAME))], "{bad:?}");
        }
        let good = Value::object([(NAME, Value::from("app-operators"))]);
        assert!(check_principal_name(&good, NAME, "group").is_empty());
        let unknown = Value::object([(NAME, Value::unknown())]);
        assert!(check_principal_name(&unknown, NAME, "group").is_empty());
    }

    #[test]
    fn import_ids_need_every_part() {
        assert_eq!(
            split_import_id(TYPE_NAME, "acme/ops@acme", 2, "f", "e").unwrap(),
            ["acme", "ops@acme"]
        );
        for bad in ["", "acme", "acme/", "/ops@acme", "a/b/c"] {
            let error = split_import_id(TYPE_NAME, bad, 2, "<tenant>/<upn>", "e").unwrap_err();
            assert!(
                error.detail.contains("<tenant>/<upn>"),
                "{bad:?}: {}",
                error.detail
            );
        }
        assert_eq!(split_upn("ops@acme"), Some(("ops", "acme")));
        assert_eq!(split_upn("ops"), None);
        assert_eq!(split_upn("@acme"), None);
    }
}
