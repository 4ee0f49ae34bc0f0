//! The serde bridge: Rust types to and from [`Value`]s.
//!
//! [`from_value`] reads any `Deserialize` type out of a value (nulls become
//! `None`/`()`, unknowns are an error unless the target is [`Maybe`]);
//! [`to_value`] builds a value of a given [`Type`] from any `Serialize`
//! type. [`Value`] and [`Number`] fields pass through both directions
//! untouched, so structs can keep raw parts (e.g. dynamic attributes).
//!
//! [`Maybe`]: crate::Maybe
//! [`Type`]: crate::Type

mod de;
mod ser;

use std::cell::RefCell;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};

pub use de::from_value;
pub use ser::to_value;

use crate::number::Number;
use crate::value::Value;

/// Newtype-struct name by which `Value` and `Number` announce themselves;
/// the bridge's (de)serializers hand the value over through [`STASH`].
pub(crate) const VALUE_TOKEN: &str = "$photon_cty::Value";
/// Newtype-struct name by which `Maybe<T>` asks for unknown/null/known.
pub(crate) const MAYBE_TOKEN: &str = "$photon_cty::Maybe";

thread_local! {
    /// serde has no way to pass a foreign type through a `Serializer` or
    /// `Visitor`, so the value travels beside the call: it is stored right
    /// before the token call and taken right after, on the same thread.
    static STASH: RefCell<Option<Value>> = const { RefCell::new(None) };
}

pub(crate) fn stash(value: Value) {
    STASH.with(|slot| *slot.borrow_mut() = Some(value));
}

pub(crate) fn take_stash() -> Option<Value> {
    STASH.with(|slot| slot.borrow_mut().take())
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        stash(self.clone());
        serializer.serialize_newtype_struct(VALUE_TOKEN, &Fallback(self))
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        stash(Value::Number(self.clone()));
        serializer.serialize_newtype_struct(VALUE_TOKEN, &Fallback(&Value::Number(self.clone())))
    }
}

/// How a value looks to serializers other than the bridge's: plain data.
struct Fallback<'a>(&'a Value);

impl Serialize for Fallback<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Another serializer got here, so the stash is not going to be used.
        take_stash();
        match self.0 {
            Value::Null => serializer.serialize_none(),
            Value::Unknown(_) => Err(S::Error::custom(
                "an unknown value can only be serialized by cty::to_value",
            )),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    serializer.serialize_i64(i)
                } else if let Some(u) = n.as_u64() {
                    serializer.serialize_u64(u)
                } else if let Some(f) = n.as_f64_exact() {
                    serializer.serialize_f64(f)
                } else {
                    serializer.serialize_str(&n.to_string())
                }
            }
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Fallback(item))?;
                }
                seq.end()
            }
            Value::Map(entries) | Value::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, item) in entries {
                    map.serialize_entry(key, &Fallback(item))?;
                }
                map.end()
            }
            Value::Dynamic(_, inner) => Fallback(inner).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

/// Builds values from the bridge's stash, or from plain data produced by
/// other deserializers (arrays become tuples and maps objects, the types
/// cty infers for JSON).
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(take_stash().unwrap_or(Value::Null))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64_shortest(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("NaN is not a number"))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::Tuple(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = std::collections::BTreeMap::new();
        while let Some((key, item)) = map.next_entry::<String, Value>()? {
            entries.insert(key, item);
        }
        Ok(Value::Object(entries))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Number, E> {
        match take_stash() {
            Some(value) => match value.without_dynamic() {
                Value::Number(n) => Ok(n.clone()),
                Value::Unknown(_) => Err(E::custom(
                    "value is unknown (use Maybe<Number> to accept unknown values)",
                )),
                other => Err(E::custom(format!(
                    "expected a number, found {}",
                    other.kind_name()
                ))),
            },
            None => Err(E::custom("expected a number, found null")),
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Number, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from_i64(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from_u64(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
        // Other formats' floats usually stand for their shortest decimal.
        Number::from_f64_shortest(v).ok_or_else(|| E::custom("NaN is not a number"))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
        Number::parse(v).map_err(E::custom)
    }
}
