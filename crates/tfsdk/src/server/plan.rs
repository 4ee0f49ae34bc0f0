//! PlanResourceChange's logic: from Terraform's proposed new state to the planned state.
//!
//! Terraform proposes the configuration merged with prior values for unset computed
//! attributes. The SDK then marks unset computed attributes unknown where the provider may
//! change them, runs each attribute's plan modifiers, and collects replacement paths.

use cty::{Path, Value};

use crate::diagnostics::Diagnostics;
use crate::plan_modifier::{PlanModifierRequest, PlanModifierResponse};
use crate::schema::{AttributeKind, Block, BlockNesting};

/// The planned state and what forces replacement.
#[derive(Debug)]
pub(super) struct Planned {
    /// The planned state.
    pub planned: Value,
    /// Paths whose change replaces the resource.
    pub requires_replace: Vec<Path>,
    /// Problems from plan modifiers.
    pub diagnostics: Diagnostics,
}

/// Plans a create or an update (a destroy has a null proposal and plans null).
pub(super) fn plan(block: &Block, config: &Value, prior: &Value, proposed: &Value) -> Planned {
    let mut result = Planned {
        planned: proposed.clone(),
        requires_replace: Vec::new(),
        diagnostics: Diagnostics::new(),
    };
    if proposed.is_null() {
        return result;
    }
    let creating = prior.is_null();
    // An update that changes nothing must plan nothing: computed values stay as they are.
    let changing = creating || proposed != prior;
    result.planned = plan_block(
        block,
        config,
        prior,
        proposed.clone(),
        creating,
        changing,
        &Path::root(),
        &mut result,
    );
    result
}

#[allow(clippy::too_many_arguments)] // one recursive walk over four parallel values
fn plan_block(
    block: &Block,
    config: &Value,
    prior: &Value,
    planned: Value,
    creating: bool,
    changing: bool,
    path: &Path,
    result: &mut Planned,
) -> Value {
    let Value::Object(mut attributes) = planned else {
        return planned;
    };
    for attribute in &block.attributes {
        let attribute_path = path.attr(&attribute.name);
        let config_value = config.attr(&attribute.name).cloned().unwrap_or(Value::Null);
        let prior_value = prior.attr(&attribute.name).cloned().unwrap_or(Value::Null);
        let mut value = attributes.remove(&attribute.name).unwrap_or(Value::Null);
        if changing && attribute.presence.is_computed() && config_value.is_null() {
            value = Value::unknown();
        }
        let mut response = PlanModifierResponse {
            planned: value,
            requires_replace: false,
            diagnostics: Diagnostics::new(),
        };
        for modifier in &attribute.plan_modifiers {
            modifier.modify(
                &PlanModifierRequest {
                    path: &attribute_path,
                    config: &config_value,
                    prior: &prior_value,
                    creating,
                },
                &mut response,
            );
        }
        if response.requires_replace {
            result.requires_replace.push(attribute_path.clone());
        }
        result.diagnostics.extend(response.diagnostics);
        // Nested attributes are planned by Terraform as whole values; their own modifiers are
        // applied to single objects, where paths are stable.
        if let (AttributeKind::Nested(nested), Value::Object(_)) =
            (&attribute.kind, &response.planned)
        {
            if nested.nesting == crate::schema::ObjectNesting::Single {
                let inner = Block {
                    attributes: nested.attributes.clone(),
                    ..Block::default()
                };
                response.planned = plan_block(
                    &inner,
                    &config_value,
                    &prior_value,
                    response.planned,
                    creating || prior_value.is_null(),
                    changing,
                    &attribute_path,
                    result,
                );
            }
        }
        attributes.insert(attribute.name.clone(), response.planned);
    }
    for nested in &block.blocks {
        let block_path = path.attr(&nested.type_name);
        let config_value = config
            .attr(&nested.type_name)
            .cloned()
            .unwrap_or(Value::Null);
        let prior_value = prior
            .attr(&nested.type_name)
            .cloned()
            .unwrap_or(Value::Null);
        let value = attributes.remove(&nested.type_name).unwrap_or(Value::Null);
        let value = match (nested.nesting, value) {
            (BlockNesting::Single | BlockNesting::Group, object @ Value::Object(_)) => plan_block(
                &nested.block,
                &config_value,
                &prior_value,
                object,
                creating || prior_value.is_null(),
                changing,
                &block_path,
                result,
            ),
            (BlockNesting::List, Value::List(items)) => Value::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let config_item = element(&config_value, index);
                        let prior_item = element(&prior_value, index);
                        let element_creating = creating || prior_item.is_null();
                        plan_block(
                            &nested.block,
                            &config_item,
                            &prior_item,
                            item,
                            element_creating,
                            changing,
                            &block_path.index(index as i64),
                            result,
                        )
                    })
                    .collect(),
            ),
            (BlockNesting::Map, Value::Map(entries)) => Value::Map(
                entries
                    .into_iter()
                    .map(|(key, item)| {
                        let config_item = entry(&config_value, &key);
                        let prior_item = entry(&prior_value, &key);
                        let element_creating = creating || prior_item.is_null();
                        let planned = plan_block(
                            &nested.block,
                            &config_item,
                            &prior_item,
                            item,
                            element_creating,
                            changing,
                            &block_path.key(&key),
                            result,
                        );
                        (key, planned)
                    })
                    .collect(),
            ),
            // Set elements have no stable identity to match config and prior by: Terraform's
            // proposal is kept as it is.
            (_, other) => other,
        };
        attributes.insert(nested.type_name.clone(), value);
    }
    Value::Object(attributes)
}

fn element(value: &Value, index: usize) -> Value {
    match value {
        Value::List(items) | Value::Tuple(items) => {
            items.get(index).cloned().unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

fn entry(value: &Value, key: &str) -> Value {
    match value {
        Value::Map(entries) | Value::Object(entries) => {
            entries.get(key).cloned().unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {

    use cty::Type;

    use super::*;
    use crate::plan_modifier::{Default, RequiresReplace, UseStateForUnknown};
    use crate::schema::{Attribute, NestedBlock};

    fn block() -> Block {
        Block::new()
            .attribute(Attribute::computed("id", Type::String).plan_modifier(UseStateForUnknown))
            .attribute(Attribute::required("name", Type::String).plan_modifier(RequiresReplace))
            .attribute(Attribute::optional("notes", Type::String))
            .attribute(Attribute::computed("updated", Type::String))
            .attribute(
                Attribute::optional_computed("firmware", Type::String)
                    .plan_modifier(Default("bios".into())),
            )
            .block(NestedBlock::new(
                "disk",
                BlockNesting::List,
                Block::new()
                    .attribute(Attribute::required("size", Type::Number))
                    .attribute(
                        Attribute::computed("uuid", Type::String).plan_modifier(UseStateForUnknown),
                    ),
            ))
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect(),
        )
    }

    fn disk(size: i64, uuid: Value) -> Value {
        object(&[("size", Value::Number(size.into())), ("uuid", uuid)])
    }

    fn state(name: &str, notes: Value, disks: Vec<Value>) -> Value {
        object(&[
            ("id", "vm-1".into()),
            ("name", name.into()),
            ("notes", notes),
            ("updated", "t1".into()),
            ("firmware", "bios".into()),
            ("disk", Value::List(disks)),
        ])
    }

    fn config(name: &str, notes: Value, disks: Vec<Value>) -> Value {
        object(&[
            ("id", Value::Null),
            ("name", name.into()),
            ("notes", notes),
            ("updated", Value::Null),
            ("firmware", Value::Null),
            ("disk", Value::List(disks)),
        ])
    }

    #[test]
    fn create_marks_unset_computed_values_unknown_and_applies_defaults() {
        let config = config("a", Value::Null, vec![disk(1, Value::Null)]);
        let result = plan(&block(), &config, &Value::Null, &config);
        let planned = result.planned;
        assert!(!planned.attr("id").unwrap().is_known());
        assert!(!planned.attr("updated").unwrap().is_known());
        assert_eq!(planned.attr("firmware"), Some(&Value::from("bios")));
        assert_eq!(
            planned.attr("notes"),
            Some(&Value::Null),
            "optional, not computed: stays null"
        );
        let Value::List(disks) = planned.attr("disk").unwrap() else {
            panic!()
        };
        assert!(!disks[0].attr("uuid").unwrap().is_known());
        assert!(
            result.requires_replace.is_empty(),
            "nothing to replace on create"
        );
    }

    #[test]
    fn an_unchanged_resource_plans_exactly_its_prior_state() {
        let prior = state("a", Value::Null, vec![disk(1, "u-1".into())]);
        let config = config("a", Value::Null, vec![disk(1, Value::Null)]);
        // Terraform's proposal: config with prior values where computed attributes are unset.
        let result = plan(&block(), &config, &prior, &prior);
        assert_eq!(result.planned, prior);
        assert!(result.requires_replace.is_empty());
    }

    #[test]
    fn an_update_keeps_stable_ids_and_recomputes_the_rest() {
        let prior = state("a", Value::Null, vec![disk(1, "u-1".into())]);
        let config = config(
            "a",
            "new".into(),
            vec![disk(1, Value::Null), disk(2, Value::Null)],
        );
        let mut proposed = state(
            "a",
            "new".into(),
            vec![disk(1, "u-1".into()), disk(2, Value::Null)],
        );
        if let Value::Object(attributes) = &mut proposed {
            attributes.insert("updated".into(), "t1".into());
        }
        let result = plan(&block(), &config, &prior, &proposed);
        let planned = result.planned;
        assert_eq!(
            planned.attr("id"),
            Some(&Value::from("vm-1")),
            "UseStateForUnknown"
        );
        assert!(
            !planned.attr("updated").unwrap().is_known(),
            "may change on update"
        );
        let Value::List(disks) = planned.attr("disk").unwrap() else {
            panic!()
        };
        assert_eq!(disks[0].attr("uuid"), Some(&Value::from("u-1")));
        assert!(
            !disks[1].attr("uuid").unwrap().is_known(),
            "a new disk gets a new uuid"
        );
        assert!(result.requires_replace.is_empty());
    }

    #[test]
    fn a_changed_requires_replace_attribute_is_reported() {
        let prior = state("a", Value::Null, vec![]);
        let config = config("b", Value::Null, vec![]);
        let mut proposed = prior.clone();
        if let Value::Object(attributes) = &mut proposed {
            attributes.insert("name".into(), "b".into());
        }
        let result = plan(&block(), &config, &prior, &proposed);
        assert_eq!(result.requires_replace, vec![Path::root().attr("name")]);
    }

    #[test]
    fn destroy_plans_null() {
        let prior = state("a", Value::Null, vec![]);
        let result = plan(&block(), &Value::Null, &prior, &Value::Null);
        assert_eq!(result.planned, Value::Null);
    }
}
