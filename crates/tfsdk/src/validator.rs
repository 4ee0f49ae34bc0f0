//! Validators: per-attribute checks of configuration values, attached to the schema as values.

use cty::{Path, Value};

use crate::diagnostics::Diagnostics;

/// What a validator sees.
#[derive(Debug)]
pub struct ValidatorRequest<'a> {
    /// The attribute's path (for diagnostics).
    pub path: &'a Path,
    /// The attribute's value: known and not null (validators are not called otherwise).
    pub value: &'a Value,
    /// The object holding the attribute, for rules about its siblings (may hold unknowns).
    pub parent: &'a Value,
}

/// A check of one attribute's configured value.
pub trait Validator: Send + Sync {
    /// One sentence for the docs, e.g. "Must be one of `a`, `b`."
    fn description(&self) -> String;
    /// Adds an error (with `request.path`) for a bad value.
    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics);
}

/// The string must be one of these values.
#[derive(Clone, Debug)]
pub struct OneOf(pub &'static [&'static str]);

impl OneOf {
    fn allowed(&self) -> String {
        self.0
            .iter()
            .map(|value| format!("`{value}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Validator for OneOf {
    fn description(&self) -> String {
        format!("Must be one of {}.", self.allowed())
    }

    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics) {
        if let Value::String(text) = request.value {
            if !self.0.contains(&text.as_str()) {
                diagnostics.attribute_error(
                    request.path.clone(),
                    "Invalid value",
                    format!(
                        "{}: expected one of {}, got {text:?}.",
                        request.path,
                        self.allowed()
                    ),
                );
            }
        }
    }
}

/// The string's length in characters must lie in `min..=max`.
#[derive(Clone, Copy, Debug)]
pub struct LengthBetween(pub usize, pub usize);

impl Validator for LengthBetween {
    fn description(&self) -> String {
        format!("Must be {} to {} characters long.", self.0, self.1)
    }

    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics) {
        if let Value::String(text) = request.value {
            let length = text.chars().count();
            if length < self.0 || length > self.1 {
                diagnostics.attribute_error(
                    request.path.clone(),
                    "Invalid value length",
                    format!(
                        "{}: expected {} to {} characters, got {length}.",
                        request.path, self.0, self.1
                    ),
                );
            }
        }
    }
}

/// The number must lie in `min..=max`.
#[derive(Clone, Copy, Debug)]
pub struct Between(pub f64, pub f64);

impl Validator for Between {
    fn description(&self) -> String {
        format!("Must be between {} and {}.", self.0, self.1)
    }

    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics) {
        if let Value::Number(number) = request.value {
            let value = number.as_f64();
            if !(self.0..=self.1).contains(&value) {
                diagnostics.attribute_error(
                    request.path.clone(),
                    "Value out of range",
                    format!(
                        "{}: expected a number from {} to {}, got {}.",
                        request.path, self.0, self.1, number
                    ),
                );
            }
        }
    }
}

/// No sibling in this list may be set together with this attribute.
#[derive(Clone, Copy, Debug)]
pub struct ConflictsWith(pub &'static [&'static str]);

impl Validator for ConflictsWith {
    fn description(&self) -> String {
        format!(
            "Conflicts with {}.",
            self.0
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    fn validate(&self, request: &ValidatorRequest<'_>, diagnostics: &mut Diagnostics) {
        for sibling in self.0 {
            let set = request
                .parent
                .attr(sibling)
                .is_some_and(|value| !value.is_null());
            if set {
                diagnostics.attribute_error(
                    request.path.clone(),
                    "Conflicting attributes",
                    format!("{} cannot be set together with {sibling}.", request.path),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn check(validator: &dyn Validator, value: Value, parent: Value) -> Diagnostics {
        let path = Path::root().attr("field");
        let mut diagnostics = Diagnostics::new();
        validator.validate(
            &ValidatorRequest {
                path: &path,
                value: &value,
                parent: &parent,
            },
            &mut diagnostics,
        );
        diagnostics
    }

    #[test]
    fn one_of_names_the_path_and_the_allowed_values() {
        let diagnostics = check(&OneOf(&["efi", "bios"]), "uefi".into(), Value::Null);
        let error = &diagnostics.0[0];
        assert_eq!(error.path, Some(Path::root().attr("field")));
        assert!(error.detail.contains("`efi`, `bios`"), "{error:?}");
        assert!(check(&OneOf(&["efi", "bios"]), "efi".into(), Value::Null).is_empty());
    }

    #[test]
    fn length_and_range_bounds_are_inclusive() {
        assert!(check(&LengthBetween(1, 3), "abc".into(), Value::Null).is_empty());
        assert!(check(&LengthBetween(1, 3), "abcd".into(), Value::Null).has_errors());
        assert!(check(&Between(1.0, 128.0), Value::Number(128.into()), Value::Null).is_empty());
        assert!(check(&Between(1.0, 128.0), Value::Number(0.into()), Value::Null).has_errors());
    }

    #[test]
    fn conflicts_with_looks_at_siblings() {
        let parent = Value::Object(BTreeMap::from([
            ("field".to_owned(), Value::from("x")),
            ("other".to_owned(), Value::from("y")),
        ]));
        assert!(check(&ConflictsWith(&["other"]), "x".into(), parent).has_errors());
        let parent = Value::Object(BTreeMap::from([("other".to_owned(), Value::Null)]));
        assert!(check(&ConflictsWith(&["other"]), "x".into(), parent).is_empty());
    }
}
