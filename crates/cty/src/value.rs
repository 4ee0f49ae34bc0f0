//! Values, unknown-value refinements, conformance and type inference.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use crate::canonical;
use crate::error::ConformError;
use crate::number::Number;
use crate::path::{Path, PathStep};
use crate::types::Type;

/// What is known about an unknown value (Terraform ≥ 1.6 "refinements").
///
/// The default is "nothing known". Refinements a provider plans must still
/// hold for the value it returns at apply. An empty `string_prefix` means
/// no prefix (and compares equal to `None`).
#[derive(Debug, Clone, Default)]
pub struct Refinements {
    /// `Some(false)`: definitely not null; `Some(true)`: definitely null.
    pub nullness: Option<bool>,
    /// Strings only: the final value starts with this. Empty means none.
    pub string_prefix: Option<String>,
    /// Numbers only: lower bound and whether it is inclusive.
    pub number_lower: Option<(Number, bool)>,
    /// Numbers only: upper bound and whether it is inclusive.
    pub number_upper: Option<(Number, bool)>,
    /// Lists, sets and maps only: minimum length (inclusive).
    pub length_min: Option<u64>,
    /// Lists, sets and maps only: maximum length (inclusive).
    pub length_max: Option<u64>,
}

impl Refinements {
    /// Only "definitely not null".
    pub fn not_null() -> Self {
        Refinements {
            nullness: Some(false),
            ..Refinements::default()
        }
    }

    /// The string prefix, if there is a non-empty one.
    pub fn prefix(&self) -> Option<&str> {
        self.string_prefix
            .as_deref()
            .filter(|prefix| !prefix.is_empty())
    }

    /// Whether nothing is refined (an empty prefix counts as no prefix).
    pub fn is_empty(&self) -> bool {
        self.nullness.is_none()
            && self.prefix().is_none()
            && self.number_lower.is_none()
            && self.number_upper.is_none()
            && self.length_min.is_none()
            && self.length_max.is_none()
    }
}

impl PartialEq for Refinements {
    fn eq(&self, other: &Self) -> bool {
        self.nullness == other.nullness
            && self.prefix() == other.prefix()
            && self.number_lower == other.number_lower
            && self.number_upper == other.number_upper
            && self.length_min == other.length_min
            && self.length_max == other.length_max
    }
}

impl Eq for Refinements {}

impl Hash for Refinements {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nullness.hash(state);
        self.prefix().hash(state);
        self.number_lower.hash(state);
        self.number_upper.hash(state);
        self.length_min.hash(state);
        self.length_max.hash(state);
    }
}

/// A cty value. The type lives beside it (in the schema) rather than in it;
/// [`Value::conforms`] checks a value against a type.
///
/// Equality is cty's: numbers compare numerically, set order does not
/// matter, and duplicate wholly-known set elements count once.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Null, of whatever type the slot has.
    #[default]
    Null,
    /// Not known until apply, possibly with refinements.
    Unknown(Refinements),
    /// A `bool`.
    Bool(bool),
    /// A `number`.
    Number(Number),
    /// A `string`.
    String(String),
    /// A `list(T)`.
    List(Vec<Value>),
    /// A `set(T)`; order is not significant and duplicates are dropped on
    /// encoding (first occurrence kept).
    Set(Vec<Value>),
    /// A `tuple([...])`.
    Tuple(Vec<Value>),
    /// A `map(T)`.
    Map(BTreeMap<String, Value>),
    /// An `object({...})`: must hold exactly the type's attributes.
    Object(BTreeMap<String, Value>),
    /// A value in (or for) a `dynamic` slot, with its concrete type.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// A wholly unknown value with no refinements.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// A list from anything convertible to values.
    pub fn list<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    /// A set from anything convertible to values.
    pub fn set<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Set(items.into_iter().map(Into::into).collect())
    }

    /// A tuple from anything convertible to values.
    pub fn tuple<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Tuple(items.into_iter().map(Into::into).collect())
    }

    /// An object from `(name, value)` pairs.
    pub fn object<K: Into<String>, V: Into<Value>>(
        attrs: impl IntoIterator<Item = (K, V)>,
    ) -> Value {
        Value::Object(
            attrs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>, V: Into<Value>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// `value` tagged with its concrete type, for a `dynamic` slot.
    pub fn dynamic(ty: Type, value: impl Into<Value>) -> Value {
        Value::Dynamic(ty, Box::new(value.into()))
    }

    /// Looks through any [`Value::Dynamic`] wrappers.
    pub fn without_dynamic(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        value
    }

    /// Whether the value is null (looking through `Dynamic`).
    pub fn is_null(&self) -> bool {
        matches!(self.without_dynamic(), Value::Null)
    }

    /// Whether the value itself is known (its parts may still be unknown).
    pub fn is_known(&self) -> bool {
        !matches!(self.without_dynamic(), Value::Unknown(_))
    }

    /// Whether no unknown value occurs anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(entries) | Value::Object(entries) => {
                entries.values().all(Value::is_wholly_known)
            }
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
        }
    }

    /// An object attribute.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    /// A list or tuple element.
    pub fn index(&self, index: usize) -> Option<&Value> {
        match self.without_dynamic() {
            Value::List(items) | Value::Tuple(items) => items.get(index),
            _ => None,
        }
    }

    /// A map element.
    pub fn key(&self, key: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Map(entries) => entries.get(key),
            _ => None,
        }
    }

    /// The value at `path`, if every step exists.
    pub fn get(&self, path: &Path) -> Option<&Value> {
        path.steps()
            .iter()
            .try_fold(self, |value, step| match step {
                PathStep::Attribute(name) => value.attr(name),
                PathStep::Index(index) => value.index(usize::try_from(*index).ok()?),
                PathStep::Key(key) => value.key(key),
            })
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self.without_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.without_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self.without_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.without_dynamic() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.without_dynamic() {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// "a string", "an object", ... for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Tuple(_) => "a tuple",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Dynamic(..) => "a dynamic value",
        }
    }

    /// The type this value would have in a `dynamic` slot: `Value::Dynamic`
    /// gives its own type, null and unknown give `dynamic`, collections
    /// unify their element types. `None` when elements disagree (e.g. a list
    /// of a string and a number — use a tuple or `Value::Dynamic`).
    pub fn infer_type(&self) -> Option<Type> {
        Some(match self {
            Value::Null | Value::Unknown(_) => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::List(items) => Type::list(unify_all(items.iter())?),
            Value::Set(items) => Type::set(unify_all(items.iter())?),
            Value::Map(entries) => Type::map(unify_all(entries.values())?),
            Value::Tuple(items) => {
                Type::Tuple(items.iter().map(Value::infer_type).collect::<Option<_>>()?)
            }
            Value::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .map(|(name, value)| Some((name.clone(), value.infer_type()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Dynamic(ty, _) => ty.clone(),
        })
    }

    /// Checks that the value fits `ty`: matching kinds, objects with exactly
    /// the type's attributes, tuples of the right length, refinements that
    /// apply to the type, and values in `dynamic` slots whose type is known
    /// (`Value::Dynamic`) or inferable.
    pub fn conforms(&self, ty: &Type) -> Result<(), ConformError> {
        let mut path = Path::root();
        check(self, ty, &mut path)
    }
}

fn unify_all<'a>(mut values: impl Iterator<Item = &'a Value>) -> Option<Type> {
    values.try_fold(Type::Dynamic, |acc, value| unify(acc, &value.infer_type()?))
}

/// The most specific type both sides fit, treating `dynamic` as "not yet known".
pub(crate) fn unify(a: Type, b: &Type) -> Option<Type> {
    Some(match (a, b) {
        (Type::Dynamic, b) => b.clone(),
        (a, Type::Dynamic) => a,
        (Type::List(x), Type::List(y)) => Type::list(unify(*x, y)?),
        (Type::Set(x), Type::Set(y)) => Type::set(unify(*x, y)?),
        (Type::Map(x), Type::Map(y)) => Type::map(unify(*x, y)?),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Type::Tuple(
            xs.into_iter()
                .zip(ys)
                .map(|(x, y)| unify(x, y))
                .collect::<Option<_>>()?,
        ),
        (Type::Object(xs), Type::Object(ys)) if xs.len() == ys.len() && xs.keys().eq(ys.keys()) => {
            Type::Object(
                xs.into_iter()
                    .zip(ys.values())
                    .map(|((name, x), y)| Some((name, unify(x, y)?)))
                    .collect::<Option<_>>()?,
            )
        }
        (a, b) if a == *b => a,
        _ => return None,
    })
}

pub(crate) fn check_refinements(refinements: &Refinements, ty: &Type) -> Result<(), String> {
    if *ty == Type::Dynamic {
        return if refinements.is_empty() {
            Ok(())
        } else {
            Err("an unknown value of type dynamic cannot have refinements".into())
        };
    }
    if refinements
        .string_prefix
        .as_deref()
        .is_some_and(|p| !p.is_empty())
        && *ty != Type::String
    {
        return Err(format!(
            "a string prefix refinement does not apply to type {ty}"
        ));
    }
    if (refinements.number_lower.is_some() || refinements.number_upper.is_some())
        && *ty != Type::Number
    {
        return Err(format!(
            "a number bound refinement does not apply to type {ty}"
        ));
    }
    if (refinements.length_min.is_some() || refinements.length_max.is_some()) && !ty.is_collection()
    {
        return Err(format!("a length refinement does not apply to type {ty}"));
    }
    Ok(())
}

/// Recursive, so kept small: each kind has its own function.
fn check(value: &Value, ty: &Type, path: &mut Path) -> Result<(), ConformError> {
    match (value, ty) {
        (Value::Null, _) => Ok(()),
        (Value::Unknown(refinements), _) => check_refinements(refinements, ty)
            .map_err(|message| ConformError::new(path.clone(), message)),
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => check(inner, inner_ty, path),
        (Value::Dynamic(inner_ty, inner), _) if inner_ty == ty => check(inner, ty, path),
        (_, Type::Dynamic) => check_dynamic(value, path),
        (Value::Bool(_), Type::Bool)
        | (Value::Number(_), Type::Number)
        | (Value::String(_), Type::String) => Ok(()),
        (Value::List(items), Type::List(element)) => check_indexed(items, |_| element, path),
        // Set elements are not addressable, so errors point at the set.
        (Value::Set(items), Type::Set(element)) => {
            items.iter().try_for_each(|item| check(item, element, path))
        }
        (Value::Tuple(items), Type::Tuple(elements)) if items.len() == elements.len() => {
            check_indexed(items, |i| &elements[i], path)
        }
        (Value::Tuple(items), Type::Tuple(elements)) => Err(ConformError::new(
            path.clone(),
            tuple_length_message(elements.len(), items.len()),
        )),
        (Value::Map(entries), Type::Map(element)) => check_map(entries, element, path),
        (Value::Object(attrs), Type::Object(attr_types)) => check_object(attrs, attr_types, path),
        _ => Err(ConformError::new(path.clone(), mismatch_message(ty, value))),
    }
}

#[inline(never)]
fn check_dynamic(value: &Value, path: &mut Path) -> Result<(), ConformError> {
    match value.infer_type() {
        Some(inferred) => check(value, &inferred, path),
        None => Err(ConformError::new(path.clone(), cannot_infer_message(value))),
    }
}

#[inline(never)]
fn check_indexed<'t>(
    items: &[Value],
    ty_at: impl Fn(usize) -> &'t Type,
    path: &mut Path,
) -> Result<(), ConformError> {
    for (i, item) in items.iter().enumerate() {
        path.push(PathStep::Index(index_step(i)));
        check(item, ty_at(i), path)?;
        path.pop();
    }
    Ok(())
}

#[inline(never)]
fn check_map(
    entries: &BTreeMap<String, Value>,
    element: &Type,
    path: &mut Path,
) -> Result<(), ConformError> {
    for (key, item) in entries {
        path.push(PathStep::Key(key.clone()));
        check(item, element, path)?;
        path.pop();
    }
    Ok(())
}

#[inline(never)]
fn check_object(
    attrs: &BTreeMap<String, Value>,
    attr_types: &BTreeMap<String, Type>,
    path: &mut Path,
) -> Result<(), ConformError> {
    if let Some(message) = object_shape_error(attrs, attr_types) {
        return Err(ConformError::new(path.clone(), message));
    }
    for ((name, attr_ty), attr) in attr_types.iter().zip(attrs.values()) {
        path.push(PathStep::Attribute(name.clone()));
        check(attr, attr_ty, path)?;
        path.pop();
    }
    Ok(())
}

/// "expected T, found ..." for a value that does not fit `ty`.
#[cold]
#[inline(never)]
pub(crate) fn mismatch_message(ty: &Type, value: &Value) -> String {
    match value {
        Value::Dynamic(inner_ty, _) => {
            format!("expected {ty}, found a dynamic value of type {inner_ty}")
        }
        _ => format!("expected {ty}, found {}", value.kind_name()),
    }
}

#[cold]
#[inline(never)]
pub(crate) fn tuple_length_message(expected: usize, found: usize) -> String {
    format!("expected a tuple of {expected} elements, found {found}")
}

#[cold]
#[inline(never)]
pub(crate) fn cannot_infer_message(value: &Value) -> String {
    format!(
        "cannot infer a type for {} in a dynamic slot; wrap it in Value::Dynamic",
        value.kind_name()
    )
}

/// Why an object value does not have exactly the type's attributes, if it
/// does not. When this is `None`, both maps have the same keys in the same
/// (sorted) order, so they can be zipped.
pub(crate) fn object_shape_error(
    attrs: &BTreeMap<String, Value>,
    attr_types: &BTreeMap<String, Type>,
) -> Option<String> {
    if attrs.len() == attr_types.len() && attrs.keys().eq(attr_types.keys()) {
        return None;
    }
    if let Some(extra) = attrs.keys().find(|name| !attr_types.contains_key(*name)) {
        return Some(format!("unsupported attribute {extra:?}"));
    }
    let missing = attr_types.keys().find(|name| !attrs.contains_key(*name))?;
    Some(format!(
        "missing attribute {missing:?} (use Value::Null for null)"
    ))
}

/// The value as decoding its encoding as `ty` would give it back: values in
/// dynamic slots tagged with their (inferred) type, redundant wrappers
/// removed, sets de-duplicated. Used to tell which set elements encode the
/// same way. Parts that do not conform are left as they are.
pub(crate) fn normalize(value: &Value, ty: &Type) -> Value {
    match (value, ty) {
        (Value::Dynamic(Type::Dynamic, inner), Type::Dynamic) => normalize(inner, ty),
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => {
            Value::Dynamic(inner_ty.clone(), Box::new(normalize(inner, inner_ty)))
        }
        (Value::Null | Value::Unknown(_), _) => value.clone(),
        (_, Type::Dynamic) => match value.infer_type() {
            Some(inferred) => {
                Value::Dynamic(inferred.clone(), Box::new(normalize(value, &inferred)))
            }
            None => value.clone(),
        },
        (Value::Dynamic(inner_ty, inner), _) if inner_ty == ty => normalize(inner, ty),
        (Value::List(items), Type::List(element)) => {
            Value::List(items.iter().map(|item| normalize(item, element)).collect())
        }
        (Value::Set(items), Type::Set(element)) => Value::Set(normalize_set(items, element)),
        (Value::Tuple(items), Type::Tuple(elements)) if items.len() == elements.len() => {
            Value::Tuple(
                items
                    .iter()
                    .zip(elements)
                    .map(|(item, element)| normalize(item, element))
                    .collect(),
            )
        }
        (Value::Map(entries), Type::Map(element)) => Value::Map(
            entries
                .iter()
                .map(|(key, item)| (key.clone(), normalize(item, element)))
                .collect(),
        ),
        (Value::Object(attrs), Type::Object(attr_types)) => Value::Object(
            attrs
                .iter()
                .map(|(name, attr)| {
                    (
                        name.clone(),
                        attr_types
                            .get(name)
                            .map_or_else(|| attr.clone(), |ty| normalize(attr, ty)),
                    )
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// The elements of a set as they will be encoded: normalized, without
/// duplicates.
fn normalize_set(items: &[Value], element: &Type) -> Vec<Value> {
    canonical::dedupe_set(items.iter().map(|item| normalize(item, element)).collect())
}

fn has_dynamic_wrapper(value: &Value) -> bool {
    match value {
        Value::Dynamic(..) => true,
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().any(has_dynamic_wrapper)
        }
        Value::Map(entries) | Value::Object(entries) => entries.values().any(has_dynamic_wrapper),
        Value::Null | Value::Unknown(_) | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            false
        }
    }
}

/// Which set elements to encode: the first of each group of elements that
/// encode identically.
pub(crate) fn set_keep_mask(items: &[Value], element: &Type) -> Vec<bool> {
    // Wrappers and dynamic slots are the only way two different values can
    // encode identically; everything else is already canonical.
    if element.has_dynamic() || items.iter().any(has_dynamic_wrapper) {
        let normalized: Vec<Value> = items.iter().map(|item| normalize(item, element)).collect();
        canonical::dedupe_mask(&normalized)
    } else {
        canonical::dedupe_mask(items)
    }
}

/// Converts an element position to a path index (vectors never get near 2^63).
pub(crate) fn index_step(i: usize) -> i64 {
    i64::try_from(i).expect("element index fits i64")
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Unknown(a), Value::Unknown(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => canonical::sets_equal(a, b),
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Dynamic(ta, a), Value::Dynamic(tb, b)) => ta == tb && a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut bytes = Vec::new();
        canonical::write(self, &mut bytes);
        bytes.hash(state);
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::String(value.clone())
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Self {
        Value::Number(value)
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(value: $t) -> Self {
                Value::Number(Number::from(value))
            }
        }
    )*};
}
value_from_int!(i64, i32, i16, i8, u64, u32, u16, u8, usize, isize);

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes [`Value::Null`].
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    /// A [`Value::List`].
    fn from(items: Vec<T>) -> Self {
        Value::list(items)
    }
}
