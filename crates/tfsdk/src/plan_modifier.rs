//! Plan modifiers: per-attribute rules applied while planning, attached to the schema as values.

use cty::{Path, Value};

use crate::diagnostics::Diagnostics;

/// What a plan modifier sees for one attribute.
#[derive(Debug)]
pub struct PlanModifierRequest<'a> {
    /// The attribute's path.
    pub path: &'a Path,
    /// Its value in the configuration (null when unset; may be unknown).
    pub config: &'a Value,
    /// Its value in the prior state (null when the resource is being created).
    pub prior: &'a Value,
    /// Whether there is no prior state (create).
    pub creating: bool,
}

/// What a plan modifier may change.
#[derive(Debug)]
pub struct PlanModifierResponse {
    /// The planned value; starts as Terraform's proposal after the SDK's own marking.
    pub planned: Value,
    /// Set to true to replace the resource instead of updating it.
    pub requires_replace: bool,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

/// A rule that adjusts an attribute's planned value or asks for replacement.
pub trait PlanModifier: Send + Sync {
    /// One sentence for the docs, e.g. "Changing this value replaces the resource."
    fn description(&self) -> String;
    /// Applies the rule.
    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse);
}

/// Replaces the resource when the attribute's planned value differs from its prior value.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn description(&self) -> String {
        "Changing this value replaces the resource.".into()
    }

    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating || response.planned == *request.prior {
            return;
        }
        response.requires_replace = true;
    }
}

/// Keeps the prior value instead of "known after apply" for a computed attribute that does
/// not change once the resource exists (ids, creation times).
#[derive(Clone, Copy, Debug, Default)]
pub struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn description(&self) -> String {
        "Once set, the value stays the same unless the resource is replaced.".into()
    }

    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating || request.prior.is_null() || response.planned.is_known() {
            return;
        }
        if !request.config.is_null() {
            return;
        }
        response.planned = request.prior.clone();
    }
}

/// Plans `value` when the configuration leaves an optional+computed attribute unset.
#[derive(Clone, Debug)]
pub struct Default(pub Value);

impl PlanModifier for Default {
    fn description(&self) -> String {
        format!("Defaults to `{}`.", display_value(&self.0))
    }

    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.config.is_null() {
            response.planned = self.0.clone();
        }
    }
}

/// A short rendering of a value for documentation.
pub(crate) fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("{text:?}"),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => format!(
            "[{}]",
            items
                .iter()
                .map(display_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Map(entries) | Value::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(key, value)| format!("{key} = {}", display_value(value)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Dynamic(_, inner) => display_value(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        modifier: &dyn PlanModifier,
        config: Value,
        prior: Value,
        planned: Value,
        creating: bool,
    ) -> PlanModifierResponse {
        let path = Path::root().attr("x");
        let request = PlanModifierRequest {
            path: &path,
            config: &config,
            prior: &prior,
            creating,
        };
        let mut response = PlanModifierResponse {
            planned,
            requires_replace: false,
            diagnostics: Diagnostics::new(),
        };
        modifier.modify(&request, &mut response);
        response
    }

    #[test]
    fn requires_replace_only_on_a_change_of_an_existing_resource() {
        let changed = run(&RequiresReplace, "b".into(), "a".into(), "b".into(), false);
        assert!(changed.requires_replace);
        let same = run(&RequiresReplace, "a".into(), "a".into(), "a".into(), false);
        assert!(!same.requires_replace);
        let created = run(&RequiresReplace, "b".into(), Value::Null, "b".into(), true);
        assert!(!created.requires_replace);
    }

    #[test]
    fn use_state_for_unknown_keeps_the_prior_value() {
        let kept = run(
            &UseStateForUnknown,
            Value::Null,
            "id-1".into(),
            Value::unknown(),
            false,
        );
        assert_eq!(kept.planned, Value::from("id-1"));
        let creating = run(
            &UseStateForUnknown,
            Value::Null,
            Value::Null,
            Value::unknown(),
            true,
        );
        assert!(!creating.planned.is_known());
    }

    #[test]
    fn default_fills_an_unset_attribute_only() {
        let filled = run(
            &Default("x".into()),
            Value::Null,
            Value::Null,
            Value::unknown(),
            true,
        );
        assert_eq!(filled.planned, Value::from("x"));
        let set = run(
            &Default("x".into()),
            "y".into(),
            Value::Null,
            "y".into(),
            true,
        );
        assert_eq!(set.planned, Value::from("y"));
        assert_eq!(Default("x".into()).description(), "Defaults to `\"x\"`.");
    }
}
