//! `from_value`: a serde `Deserializer` over a borrowed [`Value`].

use std::cell::RefCell;
use std::collections::btree_map;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

use super::{MAYBE_TOKEN, VALUE_TOKEN, stash, take_stash};
use crate::error::ValueDeError;
use crate::path::{Path, PathStep};
use crate::value::{Value, index_step};

/// Reads a Rust value out of `value`.
///
/// Null becomes `None`/`()` (and `Maybe::Null`); an unknown value is an
/// error ("value is unknown") unless the target is [`crate::Maybe`];
/// objects and maps fill structs and maps; lists, sets and tuples fill
/// sequences and tuples; numbers fit any integer type (range-checked) or
/// float. `Value::Dynamic` wrappers are looked through. Errors carry the
/// path of the offending part.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ValueDeError> {
    let path = RefCell::new(Vec::new());
    T::deserialize(ValueDeserializer { value, path: &path })
}

/// The current path is a shared stack: children push their step before
/// deserializing and pop it after, so errors can be located cheaply.
struct ValueDeserializer<'de, 'p> {
    value: &'de Value,
    path: &'p RefCell<Vec<PathStep>>,
}

impl<'de, 'p> ValueDeserializer<'de, 'p> {
    fn current_path(&self) -> Path {
        Path(self.path.borrow().clone())
    }

    fn error(&self, message: impl Into<String>) -> ValueDeError {
        ValueDeError::new(self.current_path(), message)
    }

    fn locate<T>(&self, result: Result<T, ValueDeError>) -> Result<T, ValueDeError> {
        result.map_err(|error| error.locate(|| self.current_path()))
    }

    fn inner(&self) -> &'de Value {
        self.value.without_dynamic()
    }

    fn unexpected(&self, expected: &str) -> ValueDeError {
        match self.inner() {
            Value::Unknown(_) => self.error(format!(
                "value is unknown (expected {expected}; use Maybe<T> to accept unknown values)"
            )),
            other => self.error(format!("expected {expected}, found {}", other.kind_name())),
        }
    }

    fn integer<T: TryFrom<i128>>(&self, type_name: &str) -> Result<T, ValueDeError> {
        let Value::Number(n) = self.inner() else {
            return Err(self.unexpected(&format!("an integer ({type_name})")));
        };
        if !n.is_integer() {
            return Err(self.error(format!("expected an integer ({type_name}), found {n}")));
        }
        n.as_i128()
            .and_then(|i| T::try_from(i).ok())
            .ok_or_else(|| self.error(format!("number {n} is out of range for {type_name}")))
    }

    fn seq<V: Visitor<'de>>(self, visitor: V, expected: &str) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::List(items) | Value::Tuple(items) => self.locate(visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                addressable: true,
                path: self.path,
            })),
            Value::Set(items) => self.locate(visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                addressable: false,
                path: self.path,
            })),
            _ => Err(self.unexpected(expected)),
        }
    }

    fn map<V: Visitor<'de>>(self, visitor: V, expected: &str) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Object(entries) => self.locate(visitor.visit_map(Map {
                entries: entries.iter(),
                pending: None,
                is_object: true,
                path: self.path,
            })),
            Value::Map(entries) => self.locate(visitor.visit_map(Map {
                entries: entries.iter(),
                pending: None,
                is_object: false,
                path: self.path,
            })),
            _ => Err(self.unexpected(expected)),
        }
    }
}

/// Runs `f` with `step` pushed onto the shared path (if any).
fn with_step<T>(path: &RefCell<Vec<PathStep>>, step: Option<PathStep>, f: impl FnOnce() -> T) -> T {
    let pushed = step.is_some();
    if let Some(step) = step {
        path.borrow_mut().push(step);
    }
    let result = f();
    if pushed {
        path.borrow_mut().pop();
    }
    result
}

macro_rules! deserialize_integer {
    ($($method:ident => $visit:ident, $t:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
            let value: $t = self.integer(stringify!($t))?;
            self.locate(visitor.$visit(value))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de, '_> {
    type Error = ValueDeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Null => self.locate(visitor.visit_unit()),
            Value::Unknown(_) => Err(self.unexpected("a known value")),
            Value::Bool(b) => self.locate(visitor.visit_bool(*b)),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    self.locate(visitor.visit_i64(i))
                } else if let Some(u) = n.as_u64() {
                    self.locate(visitor.visit_u64(u))
                } else {
                    self.locate(visitor.visit_f64(n.as_f64()))
                }
            }
            Value::String(s) => self.locate(visitor.visit_borrowed_str(s)),
            Value::List(_) | Value::Set(_) | Value::Tuple(_) => self.seq(visitor, "a sequence"),
            Value::Map(_) | Value::Object(_) => self.map(visitor, "a map"),
            Value::Dynamic(..) => unreachable!("inner() looks through dynamic wrappers"),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Bool(b) => self.locate(visitor.visit_bool(*b)),
            _ => Err(self.unexpected("a bool")),
        }
    }

    deserialize_integer! {
        deserialize_i8 => visit_i8, i8;
        deserialize_i16 => visit_i16, i16;
        deserialize_i32 => visit_i32, i32;
        deserialize_i64 => visit_i64, i64;
        deserialize_i128 => visit_i128, i128;
        deserialize_u8 => visit_u8, u8;
        deserialize_u16 => visit_u16, u16;
        deserialize_u32 => visit_u32, u32;
        deserialize_u64 => visit_u64, u64;
        deserialize_u128 => visit_u128, u128;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Number(n) => self.locate(visitor.visit_f32(n.as_f64() as f32)),
            _ => Err(self.unexpected("a number (f32)")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Number(n) => self.locate(visitor.visit_f64(n.as_f64())),
            _ => Err(self.unexpected("a number (f64)")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::String(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => self.locate(visitor.visit_char(c)),
                    _ => Err(self.error(format!("expected a single character, found {s:?}"))),
                }
            }
            _ => Err(self.unexpected("a single-character string")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::String(s) => self.locate(visitor.visit_borrowed_str(s)),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::String(s) => self.locate(visitor.visit_borrowed_bytes(s.as_bytes())),
            _ => self.seq(visitor, "a string or a sequence of bytes"),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Null => self.locate(visitor.visit_none()),
            Value::Unknown(_) => Err(self.unexpected("a known value or null")),
            _ => {
                let path = self.path;
                let result = visitor.visit_some(ValueDeserializer {
                    value: self.value,
                    path,
                });
                result.map_err(|error| error.locate(|| Path(path.borrow().clone())))
            }
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::Null => self.locate(visitor.visit_unit()),
            _ => Err(self.unexpected("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        match name {
            VALUE_TOKEN => {
                stash(self.value.clone());
                let result = visitor.visit_unit();
                take_stash();
                self.locate(result)
            }
            // Maybe<T>: unit = unknown, none = null, some = known.
            MAYBE_TOKEN => match self.inner() {
                Value::Unknown(_) => self.locate(visitor.visit_unit()),
                Value::Null => self.locate(visitor.visit_none()),
                _ => {
                    let path = self.path;
                    let result = visitor.visit_some(ValueDeserializer {
                        value: self.value,
                        path,
                    });
                    result.map_err(|error| error.locate(|| Path(path.borrow().clone())))
                }
            },
            _ => {
                let path = self.path;
                let result = visitor.visit_newtype_struct(ValueDeserializer {
                    value: self.value,
                    path,
                });
                result.map_err(|error| error.locate(|| Path(path.borrow().clone())))
            }
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        self.seq(visitor, "a list, set or tuple")
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.seq(visitor, "a tuple or list")
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.seq(visitor, "a tuple or list")
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        self.map(visitor, "a map or object")
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.map(visitor, "an object")
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        match self.inner() {
            Value::String(s) => self.locate(visitor.visit_enum(BorrowedStrDeserializer::new(s))),
            Value::Object(entries) | Value::Map(entries) if entries.len() == 1 => {
                let (variant, value) = entries.iter().next().expect("one entry");
                let is_object = matches!(self.inner(), Value::Object(_));
                self.locate(visitor.visit_enum(Enum {
                    variant,
                    value,
                    is_object,
                    path: self.path,
                }))
            }
            _ => Err(self.unexpected("a variant name or a single-attribute object")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueDeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        // Ignored parts may be anything, unknown included.
        self.locate(visitor.visit_unit())
    }
}

struct Seq<'de, 'p> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
    /// Sets are not addressable: their elements report the set's path.
    addressable: bool,
    path: &'p RefCell<Vec<PathStep>>,
}

impl<'de> de::SeqAccess<'de> for Seq<'de, '_> {
    type Error = ValueDeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueDeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let step = self
            .addressable
            .then(|| PathStep::Index(index_step(self.index)));
        self.index += 1;
        let path = self.path;
        with_step(path, step, || {
            seed.deserialize(ValueDeserializer { value: item, path })
                .map(Some)
                .map_err(|error| error.locate(|| Path(path.borrow().clone())))
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de, 'p> {
    entries: btree_map::Iter<'de, String, Value>,
    pending: Option<(&'de String, &'de Value)>,
    is_object: bool,
    path: &'p RefCell<Vec<PathStep>>,
}

impl<'de> de::MapAccess<'de> for Map<'de, '_> {
    type Error = ValueDeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueDeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueDeError> {
        let (key, value) = self.pending.take().ok_or_else(|| {
            ValueDeError::new(
                Path(self.path.borrow().clone()),
                "map value requested before its key",
            )
        })?;
        let step = if self.is_object {
            PathStep::Attribute(key.clone())
        } else {
            PathStep::Key(key.clone())
        };
        let path = self.path;
        with_step(path, Some(step), || {
            seed.deserialize(ValueDeserializer { value, path })
                .map_err(|error| error.locate(|| Path(path.borrow().clone())))
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An externally tagged enum: `{variant = content}`.
struct Enum<'de, 'p> {
    variant: &'de String,
    value: &'de Value,
    is_object: bool,
    path: &'p RefCell<Vec<PathStep>>,
}

impl<'de, 'p> de::EnumAccess<'de> for Enum<'de, 'p> {
    type Error = ValueDeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), ValueDeError> {
        let variant = BorrowedStrDeserializer::<'de, ValueDeError>::new(self.variant);
        Ok((seed.deserialize(variant)?, self))
    }
}

impl<'de> Enum<'de, '_> {
    fn content<T>(
        &self,
        f: impl FnOnce(ValueDeserializer<'de, '_>) -> Result<T, ValueDeError>,
    ) -> Result<T, ValueDeError> {
        let step = if self.is_object {
            PathStep::Attribute(self.variant.clone())
        } else {
            PathStep::Key(self.variant.clone())
        };
        let path = self.path;
        with_step(path, Some(step), || {
            f(ValueDeserializer {
                value: self.value,
                path,
            })
        })
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'de, '_> {
    type Error = ValueDeError;

    fn unit_variant(self) -> Result<(), ValueDeError> {
        self.content(|d| match d.inner() {
            Value::Null => Ok(()),
            _ => Err(d.unexpected("null for a unit variant")),
        })
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueDeError> {
        self.content(|d| {
            let path = d.path;
            seed.deserialize(d)
                .map_err(|error| error.locate(|| Path(path.borrow().clone())))
        })
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.content(|d| d.seq(visitor, "a tuple or list"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueDeError> {
        self.content(|d| d.map(visitor, "an object"))
    }
}
