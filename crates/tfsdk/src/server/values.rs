//! Moving values between the wire and the provider: decode, encode, fill, walk.

use cty::{Path, Type, Value};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::{AttributeKind, Block, BlockNesting, ObjectNesting, Presence};

/// A DynamicValue as both protocol versions carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireValue {
    /// msgpack encoding (what Terraform sends).
    pub msgpack: Vec<u8>,
    /// JSON encoding (only in a few places).
    pub json: Vec<u8>,
}

impl WireValue {
    /// Encodes `value` as msgpack, the only encoding Terraform reliably reads.
    pub fn encode(value: &Value, ty: &Type, what: &str) -> Result<WireValue, Diagnostic> {
        cty::msgpack::encode(value, ty)
            .map(|msgpack| WireValue {
                msgpack,
                json: Vec::new(),
            })
            .map_err(|error| {
                Diagnostic::error(
                    format!("Provider produced an invalid {what}"),
                    format!("The value does not match the schema: {error}. This is a bug in the provider."),
                )
            })
    }

    /// Decodes with the schema's type: msgpack if present, else JSON, else null.
    pub fn decode(&self, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
        let decoded = if !self.msgpack.is_empty() {
            cty::msgpack::decode(&self.msgpack, ty).map_err(|error| error.to_string())
        } else if !self.json.is_empty() {
            cty::json::decode(&self.json, ty).map_err(|error| error.to_string())
        } else {
            return Ok(Value::Null);
        };
        decoded.map_err(|error| {
            Diagnostic::error(
                format!("Invalid {what}"),
                format!(
                    "Terraform sent a {what} that does not match the provider's schema: {error}"
                ),
            )
        })
    }
}

/// Adds null for every object attribute a provider left out, recursively, so resources may
/// return only what they know.
pub(super) fn fill_missing_attributes(value: Value, ty: &Type) -> Value {
    match (value, ty) {
        (Value::Object(mut attributes), Type::Object(types)) => {
            for (name, attribute_type) in types {
                let current = attributes.remove(name).unwrap_or(Value::Null);
                attributes.insert(
                    name.clone(),
                    fill_missing_attributes(current, attribute_type),
                );
            }
            Value::Object(attributes)
        }
        (Value::List(items), Type::List(element)) => Value::List(
            items
                .into_iter()
                .map(|item| fill_missing_attributes(item, element))
                .collect(),
        ),
        (Value::Set(items), Type::Set(element)) => Value::Set(
            items
                .into_iter()
                .map(|item| fill_missing_attributes(item, element))
                .collect(),
        ),
        (Value::Map(entries), Type::Map(element)) => Value::Map(
            entries
                .into_iter()
                .map(|(key, item)| (key, fill_missing_attributes(item, element)))
                .collect(),
        ),
        (value, _) => value,
    }
}

/// The first unknown value inside `value`, if any.
pub(super) fn first_unknown(value: &Value, path: &Path) -> Option<Path> {
    match value {
        Value::Unknown(_) => Some(path.clone()),
        Value::List(items) | Value::Tuple(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| first_unknown(item, &path.index(index as i64))),
        // Set elements are not addressable: blame the set.
        Value::Set(items) => items
            .iter()
            .find_map(|item| first_unknown(item, path).map(|_| path.clone())),
        Value::Map(entries) => entries
            .iter()
            .find_map(|(key, item)| first_unknown(item, &path.key(key))),
        Value::Object(attributes) => attributes
            .iter()
            .find_map(|(name, item)| first_unknown(item, &path.attr(name))),
        Value::Dynamic(_, inner) => first_unknown(inner, path),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => None,
    }
}

/// Runs every attribute validator of `block` over `value` (the object for that block).
pub(super) fn run_validators(
    block: &Block,
    value: &Value,
    path: &Path,
    diagnostics: &mut Diagnostics,
) {
    if !value.is_known() || value.is_null() {
        return;
    }
    for attribute in &block.attributes {
        let attribute_path = path.attr(&attribute.name);
        let Some(attribute_value) = value.attr(&attribute.name) else {
            continue;
        };
        if attribute.presence == Presence::Computed && !attribute_value.is_null() {
            // Terraform accepts the argument (it is in the schema) and the plan would then
            // fail as "Provider produced invalid plan": refuse it here, by name.
            diagnostics.attribute_error(
                attribute_path.clone(),
                "Invalid configuration for read-only attribute",
                format!(
                    "{attribute_path} is set by the provider and cannot be configured: remove it from the configuration."
                ),
            );
            continue;
        }
        if attribute_value.is_known() && !attribute_value.is_null() {
            for validator in &attribute.validators {
                validator.validate(
                    &crate::validator::ValidatorRequest {
                        path: &attribute_path,
                        value: attribute_value,
                        parent: value,
                    },
                    diagnostics,
                );
            }
        }
        if let AttributeKind::Nested(nested) = &attribute.kind {
            let inner = Block {
                attributes: nested.attributes.clone(),
                ..Block::default()
            };
            for_each_element(
                attribute_value,
                object_nesting(nested.nesting),
                &attribute_path,
                |element, element_path| {
                    run_validators(&inner, element, element_path, diagnostics);
                },
            );
        }
    }
    for nested in &block.blocks {
        let Some(block_value) = value.attr(&nested.type_name) else {
            continue;
        };
        let block_path = path.attr(&nested.type_name);
        for_each_element(
            block_value,
            nested.nesting,
            &block_path,
            |element, element_path| {
                run_validators(&nested.block, element, element_path, diagnostics);
            },
        );
    }
}

fn object_nesting(nesting: ObjectNesting) -> BlockNesting {
    match nesting {
        ObjectNesting::Single => BlockNesting::Single,
        ObjectNesting::List => BlockNesting::List,
        ObjectNesting::Set => BlockNesting::Set,
        ObjectNesting::Map => BlockNesting::Map,
    }
}

/// Calls `visit` with each object a block (or nested attribute) value holds, and its path.
pub(super) fn for_each_element(
    value: &Value,
    nesting: BlockNesting,
    path: &Path,
    mut visit: impl FnMut(&Value, &Path),
) {
    match (nesting, value) {
        (BlockNesting::Single | BlockNesting::Group, object @ Value::Object(_)) => {
            visit(object, path)
        }
        (BlockNesting::List, Value::List(items) | Value::Tuple(items)) => {
            for (index, item) in items.iter().enumerate() {
                visit(item, &path.index(index as i64));
            }
        }
        (BlockNesting::Set, Value::Set(items)) => {
            for item in items {
                visit(item, path);
            }
        }
        (BlockNesting::Map, Value::Map(entries) | Value::Object(entries)) => {
            for (key, item) in entries {
                visit(item, &path.key(key));
            }
        }
        (_, Value::Dynamic(_, inner)) => for_each_element(inner, nesting, path, visit),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::validator::OneOf;

    #[test]
    fn missing_attributes_are_filled_with_null_at_every_level() {
        let ty = Type::object([
            ("id", Type::String),
            (
                "disk",
                Type::list(Type::object([
                    ("size", Type::Number),
                    ("label", Type::String),
                ])),
            ),
        ]);
        let value = Value::Object(BTreeMap::from([(
            "disk".to_owned(),
            Value::List(vec![Value::Object(BTreeMap::from([(
                "size".to_owned(),
                Value::Number(1.into()),
            )]))]),
        )]));
        let filled = fill_missing_attributes(value, &ty);
        assert!(filled.conforms(&ty).is_ok(), "{filled:?}");
        assert_eq!(filled.attr("id"), Some(&Value::Null));
    }

    #[test]
    fn first_unknown_reports_the_path() {
        let value = Value::Object(BTreeMap::from([(
            "items".to_owned(),
            Value::List(vec![Value::from("a"), Value::unknown()]),
        )]));
        assert_eq!(
            first_unknown(&value, &Path::root()),
            Some(Path::root().attr("items").index(1))
        );
    }

    #[test]
    fn configuring_a_read_only_attribute_is_refused_by_name() {
        let block = Block::new()
            .attribute(Attribute::required("name", Type::String))
            .attribute(Attribute::computed("exit_code", Type::Number));
        let configured = |exit_code: Value| {
            Value::Object(BTreeMap::from([
                ("name".to_owned(), Value::from("web")),
                ("exit_code".to_owned(), exit_code),
            ]))
        };
        let mut diagnostics = Diagnostics::new();
        run_validators(
            &block,
            &configured(Value::Null),
            &Path::root(),
            &mut diagnostics,
        );
        assert!(diagnostics.0.is_empty(), "{diagnostics:?}");
        for value in [Value::from(3), Value::unknown()] {
            let mut diagnostics = Diagnostics::new();
            run_validators(&block, &configured(value), &Path::root(), &mut diagnostics);
            assert_eq!(diagnostics.0.len(), 1, "{diagnostics:?}");
            assert_eq!(diagnostics.0[0].path, Some(Path::root().attr("exit_code")));
            assert!(diagnostics.0[0].detail.contains("exit_code"));
        }
    }

    #[test]
    fn validators_run_inside_nested_blocks_with_indexed_paths() {
        let block = Block::new().block(NestedBlock::new(
            "network_interface",
            BlockNesting::List,
            Block::new().attribute(
                Attribute::optional("adapter_type", Type::String)
                    .validator(OneOf(&["vmxnet3", "e1000"])),
            ),
        ));
        let value = Value::Object(BTreeMap::from([(
            "network_interface".to_owned(),
            Value::List(vec![
                Value::Object(BTreeMap::from([(
                    "adapter_type".to_owned(),
                    Value::from("vmxnet3"),
                )])),
                Value::Object(BTreeMap::from([(
                    "adapter_type".to_owned(),
                    Value::from("rtl8139"),
                )])),
            ]),
        )]));
        let mut diagnostics = Diagnostics::new();
        run_validators(&block, &value, &Path::root(), &mut diagnostics);
        assert_eq!(diagnostics.0.len(), 1);
        assert_eq!(
            diagnostics.0[0].path,
            Some(
                Path::root()
                    .attr("network_interface")
                    .index(1)
                    .attr("adapter_type")
            )
        );
    }
}
