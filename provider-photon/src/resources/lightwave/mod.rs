//! Lightwave identity resources: tenants and their policies through the system tenant's
//! administrator, and everything inside a tenant (users, groups, solution users, OIDC clients)
//! through a provider alias logged in to that tenant, because Lightwave checks roles in the
//! tenant named in the URL.
//!
//! Also home of the small helpers these resources share.

use std::sync::Arc;

use tfsdk::cty::{Path, Value};
use tfsdk::plan_modifier::{PlanModifier, PlanModifierRequest, PlanModifierResponse};
use tfsdk::{Context, Diagnostic, Outcome, PlanRequest, Resource};

use crate::clients::Clients;

pub mod group;
pub mod group_member;
pub mod oidc_client;
pub mod solution_user;
pub mod tenant;
pub mod tenant_policy;
pub mod user;

/// The Lightwave resources.
pub fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(tenant::LightwaveTenant),
        Arc::new(tenant_policy::LightwaveTenantPolicy),
        Arc::new(user::LightwaveUser),
        Arc::new(group::LightwaveGroup),
        Arc::new(group_member::LightwaveGroupMember),
        Arc::new(solution_user::LightwaveSolutionUser),
        Arc::new(oidc_client::LightwaveOidcClient),
    ]
}

// ----- helpers shared by the Lightwave resources and data sources ----------------------------

/// The provider's logged-in Lightwave session (a cheap clone), logging in on first use.
pub async fn client(ctx: &Context) -> Result<lightwave::Client, Diagnostic> {
    let clients = ctx.provider_data::<Clients>()?;
    let client = clients.lightwave()?.client().await?;
    Ok(client.clone())
}

/// The tenant the provider logs in to: the default `tenant` of tenant-scoped resources.
pub fn login_tenant(ctx: &Context) -> Result<String, Diagnostic> {
    let clients = ctx.provider_data::<Clients>()?;
    Ok(clients.lightwave()?.login_tenant()?.to_owned())
}

/// A known, non-null string attribute.
pub fn text(value: &Value, name: &str) -> Option<String> {
    value.attr(name).and_then(Value::as_str).map(str::to_owned)
}

/// A known, non-null boolean attribute.
pub fn flag(value: &Value, name: &str) -> Option<bool> {
    value.attr(name).and_then(Value::as_bool)
}

/// The resource's `tenant` attribute, or the provider's login tenant when it is not set.
pub fn tenant_or_login(
    ctx: &Context,
    value: &Value,
    attribute: &str,
) -> Result<String, Diagnostic> {
    match text(value, attribute) {
        Some(tenant) => Ok(tenant),
        None => login_tenant(ctx),
    }
}

/// Plans the provider's login tenant for an unset `tenant` attribute, so plans show it instead
/// of "known after apply" (plan modifiers cannot see the provider configuration, this can).
pub fn plan_default_tenant(ctx: &Context, plan: &mut PlanRequest, attribute: &str) {
    if plan.planned.is_null() {
        return;
    }
    let unset = plan.config.attr(attribute).is_none_or(Value::is_null);
    let unknown = plan
        .planned
        .attr(attribute)
        .is_some_and(|value| !value.is_known());
    if !(unset && unknown) {
        return;
    }
    // An unknown login tenant (provider block not resolved yet) stays unknown.
    if let Ok(tenant) = login_tenant(ctx) {
        set_attr(&mut plan.planned, attribute, Value::from(tenant));
    }
}

/// Sets one attribute of an object value.
pub fn set_attr(object: &mut Value, name: &str, value: Value) {
    if let Value::Object(attributes) = object {
        attributes.insert(name.to_owned(), value);
    }
}

/// An operation's result as Terraform's outcome.
pub fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

/// `name` as a UPN in `domain`: names that already carry a domain are kept.
pub fn upn(name: &str, domain: &str) -> String {
    if name.contains('@') {
        name.to_owned()
    } else {
        format!("{name}@{domain}")
    }
}

/// A diagnostic for an empty or blank required string, pointing at `attribute`.
pub fn blank(attribute: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid value",
        format!("{attribute}: expected {expected}, got a blank string."),
    )
    .at(Path::root().attr(attribute))
}

/// Replaces the resource when the value changes, except when the prior value is null on an
/// existing resource: write-only values (passwords) cannot be read back, so after an import
/// setting them only records them in state.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequiresReplaceOnceKnown;

impl PlanModifier for RequiresReplaceOnceKnown {
    fn description(&self) -> String {
        "Changing this value replaces the resource (setting it after an import does not).".into()
    }

    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating || request.prior.is_null() || response.planned == *request.prior {
            return;
        }
        response.requires_replace = true;
    }
}

/// For optional+computed attributes the server keeps a value for: left out of the
/// configuration, the value last read is planned instead of "known after apply", so unrelated
/// changes do not show it as changing. (Like `UseStateForUnknown`, described for values that
/// can change in place.)
#[derive(Clone, Copy, Debug, Default)]
pub struct KeepCurrentWhenUnset;

impl PlanModifier for KeepCurrentWhenUnset {
    fn description(&self) -> String {
        "Left out, the current value is kept.".into()
    }

    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating
            || request.prior.is_null()
            || response.planned.is_known()
            || !request.config.is_null()
        {
            return;
        }
        response.planned = request.prior.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfsdk::Diagnostics;

    fn run(
        modifier: &dyn PlanModifier,
        config: Value,
        prior: Value,
        planned: Value,
        creating: bool,
    ) -> PlanModifierResponse {
        let path = Path::root().attr("x");
        let mut response = PlanModifierResponse {
            planned,
            requires_replace: false,
            diagnostics: Diagnostics::new(),
        };
        modifier.modify(
            &PlanModifierRequest {
                path: &path,
                config: &config,
                prior: &prior,
                creating,
            },
            &mut response,
        );
        response
    }

    #[test]
    fn write_only_values_replace_only_once_recorded() {
        let changed = run(
            &RequiresReplaceOnceKnown,
            "b".into(),
            "a".into(),
            "b".into(),
            false,
        );
        assert!(changed.requires_replace);
        let after_import = run(
            &RequiresReplaceOnceKnown,
            "b".into(),
            Value::Null,
            "b".into(),
            false,
        );
        assert!(!after_import.requires_replace);
        let created = run(
            &RequiresReplaceOnceKnown,
            "b".into(),
            Value::Null,
            "b".into(),
            true,
        );
        assert!(!created.requires_replace);
    }

    #[test]
    fn unset_values_keep_the_current_one_set_values_win() {
        let kept = run(
            &KeepCurrentWhenUnset,
            Value::Null,
            "a".into(),
            Value::unknown(),
            false,
        );
        assert_eq!(kept.planned, Value::from("a"));
        let set = run(
            &KeepCurrentWhenUnset,
            "b".into(),
            "a".into(),
            "b".into(),
            false,
        );
        assert_eq!(set.planned, Value::from("b"));
        let creating = run(
            &KeepCurrentWhenUnset,
            Value::Null,
            Value::Null,
            Value::unknown(),
            true,
        );
        assert!(!creating.planned.is_known());
    }

    #[test]
    fn bare_names_become_upns_in_the_domain() {
        assert_eq!(upn("Administrator", "acme"), "Administrator@acme");
        assert_eq!(upn("jane@acme", "other"), "jane@acme");
    }
}
