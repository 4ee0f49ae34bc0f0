//! `to_value`: a serde `Serializer` guided by the target [`Type`].

use std::collections::BTreeMap;

use serde::ser::{self, Impossible, Serialize};

use super::{VALUE_TOKEN, take_stash};
use crate::canonical;
use crate::error::ValueSerError;
use crate::number::Number;
use crate::path::Path;
use crate::types::Type;
use crate::value::Value;

/// A `'static` dynamic type to lend out as the element type of inferred
/// tuples and objects.
static DYNAMIC: Type = Type::Dynamic;

/// Builds a value of type `ty` from a Rust value.
///
/// Structs and maps become objects (attributes the Rust value lacks become
/// null; fields the type lacks are an error) or maps; sequences become
/// lists, sets (deduplicated) or tuples as `ty` says; `None` and `()` are
/// null; integers and floats become numbers (floats by their shortest
/// decimal, which is what Terraform stores); unit enum variants become
/// strings. In a `dynamic` slot the result is `Value::Dynamic` with an
/// inferred type: sequences infer tuples and structs/maps infer objects,
/// the types HCL gives literals. `Value`, `Number` and `Maybe` fields pass
/// through as they are.
pub fn to_value<T: Serialize + ?Sized>(value: &T, ty: &Type) -> Result<Value, ValueSerError> {
    value.serialize(ValueSerializer {
        ty,
        path: Path::root(),
    })
}

struct ValueSerializer<'t> {
    ty: &'t Type,
    path: Path,
}

fn child<T: Serialize + ?Sized>(ty: &Type, path: Path, value: &T) -> Result<Value, ValueSerError> {
    value
        .serialize(ValueSerializer {
            ty,
            path: path.clone(),
        })
        .map_err(|error| error.locate(|| path))
}

impl ValueSerializer<'_> {
    fn error(&self, message: impl Into<String>) -> ValueSerError {
        ValueSerError::new(self.path.clone(), message)
    }

    fn scalar(self, value: Value, value_ty: Type) -> Result<Value, ValueSerError> {
        if *self.ty == Type::Dynamic {
            Ok(Value::Dynamic(value_ty, Box::new(value)))
        } else if *self.ty == value_ty {
            Ok(value)
        } else {
            Err(self.error(format!("expected {}, found {}", self.ty, value.kind_name())))
        }
    }

    fn number(self, n: Number) -> Result<Value, ValueSerError> {
        self.scalar(Value::Number(n), Type::Number)
    }

    /// A `Value` handed over whole: check it fits, and give it a concrete
    /// type if the slot is dynamic.
    fn passthrough(self, value: Value) -> Result<Value, ValueSerError> {
        let conform = |value: &Value, ty: &Type| {
            value.conforms(ty).map_err(|error| {
                let mut path = self.path.clone();
                path.0.extend(error.path.0);
                ValueSerError::new(path, error.message)
            })
        };
        if *self.ty != Type::Dynamic {
            conform(&value, self.ty)?;
            return Ok(value);
        }
        match value {
            Value::Null | Value::Unknown(_) | Value::Dynamic(..) => {
                conform(&value, &Type::Dynamic)?;
                Ok(value)
            }
            other => {
                let Some(inferred) = other.infer_type() else {
                    return Err(self.error(format!(
                        "cannot infer a type for {} in a dynamic slot; wrap it in Value::Dynamic",
                        other.kind_name()
                    )));
                };
                conform(&other, &inferred)?;
                Ok(Value::Dynamic(inferred, Box::new(other)))
            }
        }
    }
}

impl<'t> ser::Serializer for ValueSerializer<'t> {
    type Ok = Value;
    type Error = ValueSerError;
    type SerializeSeq = SeqSerializer<'t>;
    type SerializeTuple = SeqSerializer<'t>;
    type SerializeTupleStruct = SeqSerializer<'t>;
    type SerializeTupleVariant = TupleVariantSerializer<'t>;
    type SerializeMap = MapSerializer<'t>;
    type SerializeStruct = MapSerializer<'t>;
    type SerializeStructVariant = StructVariantSerializer<'t>;

    fn serialize_bool(self, v: bool) -> Result<Value, ValueSerError> {
        self.scalar(Value::Bool(v), Type::Bool)
    }

    fn serialize_i8(self, v: i8) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_i128(self, v: i128) -> Result<Value, ValueSerError> {
        self.number(Number::parse(&v.to_string()).expect("integers are valid number text"))
    }

    fn serialize_u8(self, v: u8) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<Value, ValueSerError> {
        self.number(v.into())
    }

    fn serialize_u128(self, v: u128) -> Result<Value, ValueSerError> {
        self.number(Number::parse(&v.to_string()).expect("integers are valid number text"))
    }

    fn serialize_f32(self, v: f32) -> Result<Value, ValueSerError> {
        if v.is_nan() {
            return Err(self.error("NaN cannot be a number"));
        }
        if v.is_infinite() {
            return self.number(Number::from_f64(f64::from(v)).expect("not NaN"));
        }
        // The f32's own shortest digits, not those of its f64 widening.
        self.number(
            Number::parse(&format!("{v:e}")).expect("float formatting is valid number text"),
        )
    }

    fn serialize_f64(self, v: f64) -> Result<Value, ValueSerError> {
        match Number::from_f64_shortest(v) {
            Some(n) => self.number(n),
            None => Err(self.error("NaN cannot be a number")),
        }
    }

    fn serialize_char(self, v: char) -> Result<Value, ValueSerError> {
        self.scalar(Value::String(v.to_string()), Type::String)
    }

    fn serialize_str(self, v: &str) -> Result<Value, ValueSerError> {
        self.scalar(Value::String(v.to_owned()), Type::String)
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, ValueSerError> {
        Err(self
            .error("byte strings have no cty equivalent; use a String or a sequence of numbers"))
    }

    fn serialize_none(self) -> Result<Value, ValueSerError> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueSerError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, ValueSerError> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ValueSerError> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueSerError> {
        self.scalar(Value::String(variant.to_owned()), Type::String)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value, ValueSerError> {
        if name == VALUE_TOKEN {
            if let Some(stashed) = take_stash() {
                return self.passthrough(stashed);
            }
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ValueSerError> {
        let mut map = MapSerializer::new(self)?;
        map.entry(variant.to_owned(), value)?;
        map.finish()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqSerializer<'t>, ValueSerError> {
        SeqSerializer::new(self)
    }

    fn serialize_tuple(self, _len: usize) -> Result<SeqSerializer<'t>, ValueSerError> {
        SeqSerializer::new(self)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<SeqSerializer<'t>, ValueSerError> {
        SeqSerializer::new(self)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<TupleVariantSerializer<'t>, ValueSerError> {
        let map = MapSerializer::new(self)?;
        let (ty, path) = map.slot(variant)?;
        let seq = SeqSerializer::new(ValueSerializer { ty, path })?;
        Ok(TupleVariantSerializer { map, variant, seq })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapSerializer<'t>, ValueSerError> {
        MapSerializer::new(self)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<MapSerializer<'t>, ValueSerError> {
        MapSerializer::new(self)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<StructVariantSerializer<'t>, ValueSerError> {
        let map = MapSerializer::new(self)?;
        let (ty, path) = map.slot(variant)?;
        let inner = MapSerializer::new(ValueSerializer { ty, path })?;
        Ok(StructVariantSerializer {
            map,
            variant,
            inner,
        })
    }
}

/// Sequences: lists, sets, tuples, or inferred tuples in dynamic slots.
struct SeqSerializer<'t> {
    ty: &'t Type,
    path: Path,
    items: Vec<Value>,
}

impl<'t> SeqSerializer<'t> {
    fn new(s: ValueSerializer<'t>) -> Result<Self, ValueSerError> {
        match s.ty {
            Type::List(_) | Type::Set(_) | Type::Tuple(_) | Type::Dynamic => Ok(SeqSerializer {
                ty: s.ty,
                path: s.path,
                items: Vec::new(),
            }),
            other => Err(s.error(format!("expected {other}, found a sequence"))),
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        let i = i64::try_from(self.items.len()).expect("sequence length fits i64");
        let (ty, path) = match self.ty {
            Type::List(element) => (&**element, self.path.index(i)),
            // Set elements are not addressable.
            Type::Set(element) => (&**element, self.path.clone()),
            Type::Tuple(elements) => match elements.get(self.items.len()) {
                Some(element) => (element, self.path.index(i)),
                None => {
                    return Err(ValueSerError::new(
                        self.path.clone(),
                        format!(
                            "too many elements for {} (expected {})",
                            self.ty,
                            elements.len()
                        ),
                    ));
                }
            },
            _ => (&DYNAMIC, self.path.index(i)),
        };
        self.items.push(child(ty, path, value)?);
        Ok(())
    }

    fn finish(self) -> Result<Value, ValueSerError> {
        match self.ty {
            Type::List(_) => Ok(Value::List(self.items)),
            Type::Set(_) => Ok(Value::Set(canonical::dedupe_set(self.items))),
            Type::Tuple(elements) if elements.len() != self.items.len() => Err(ValueSerError::new(
                self.path,
                format!(
                    "expected {} elements for {}, found {}",
                    elements.len(),
                    self.ty,
                    self.items.len()
                ),
            )),
            Type::Tuple(_) => Ok(Value::Tuple(self.items)),
            _ => {
                let (types, values) = self.items.into_iter().map(split_dynamic).unzip();
                Ok(Value::Dynamic(
                    Type::Tuple(types),
                    Box::new(Value::Tuple(values)),
                ))
            }
        }
    }
}

/// A part built for a dynamic slot, as (its type, its value).
fn split_dynamic(value: Value) -> (Type, Value) {
    match value {
        Value::Dynamic(ty, inner) => (ty, *inner),
        other => (Type::Dynamic, other),
    }
}

impl ser::SerializeSeq for SeqSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        self.element(value)
    }

    fn end(self) -> Result<Value, ValueSerError> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        self.element(value)
    }

    fn end(self) -> Result<Value, ValueSerError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for SeqSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        self.element(value)
    }

    fn end(self) -> Result<Value, ValueSerError> {
        self.finish()
    }
}

/// Maps and structs: maps, objects, or inferred objects in dynamic slots.
struct MapSerializer<'t> {
    ty: &'t Type,
    path: Path,
    entries: BTreeMap<String, Value>,
    pending_key: Option<String>,
}

impl<'t> MapSerializer<'t> {
    fn new(s: ValueSerializer<'t>) -> Result<Self, ValueSerError> {
        match s.ty {
            Type::Map(_) | Type::Object(_) | Type::Dynamic => Ok(MapSerializer {
                ty: s.ty,
                path: s.path,
                entries: BTreeMap::new(),
                pending_key: None,
            }),
            other => Err(s.error(format!("expected {other}, found a map or struct"))),
        }
    }

    /// The type and path of the entry `key`.
    fn slot(&self, key: &str) -> Result<(&'t Type, Path), ValueSerError> {
        match self.ty {
            Type::Map(element) => Ok((element, self.path.key(key))),
            Type::Object(attrs) => match attrs.get(key) {
                Some(ty) => Ok((ty, self.path.attr(key))),
                None => Err(ValueSerError::new(
                    self.path.clone(),
                    format!("unsupported attribute {key:?}: the object type has no such attribute"),
                )),
            },
            _ => Ok((&DYNAMIC, self.path.attr(key))),
        }
    }

    fn entry<T: Serialize + ?Sized>(
        &mut self,
        key: String,
        value: &T,
    ) -> Result<(), ValueSerError> {
        if self.entries.contains_key(&key) {
            return Err(ValueSerError::new(
                self.path.clone(),
                format!("duplicate key {key:?}"),
            ));
        }
        let (ty, path) = self.slot(&key)?;
        let value = child(ty, path, value)?;
        self.entries.insert(key, value);
        Ok(())
    }

    fn finish(mut self) -> Result<Value, ValueSerError> {
        match self.ty {
            Type::Map(_) => Ok(Value::Map(self.entries)),
            Type::Object(attrs) => {
                for name in attrs.keys() {
                    self.entries.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(self.entries))
            }
            _ => {
                let mut types = BTreeMap::new();
                let mut values = BTreeMap::new();
                for (name, value) in self.entries {
                    let (ty, value) = split_dynamic(value);
                    types.insert(name.clone(), ty);
                    values.insert(name, value);
                }
                Ok(Value::Dynamic(
                    Type::Object(types),
                    Box::new(Value::Object(values)),
                ))
            }
        }
    }
}

impl ser::SerializeMap for MapSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueSerError> {
        let key = key
            .serialize(KeySerializer)
            .map_err(|error| error.locate(|| self.path.clone()))?;
        self.pending_key = Some(key);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        let key = self.pending_key.take().ok_or_else(|| {
            ValueSerError::new(self.path.clone(), "map value serialized before its key")
        })?;
        self.entry(key, value)
    }

    fn end(self) -> Result<Value, ValueSerError> {
        self.finish()
    }
}

impl ser::SerializeStruct for MapSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueSerError> {
        self.entry(key.to_owned(), value)
    }

    fn end(self) -> Result<Value, ValueSerError> {
        self.finish()
    }
}

/// `{variant = [fields...]}`
struct TupleVariantSerializer<'t> {
    map: MapSerializer<'t>,
    variant: &'static str,
    seq: SeqSerializer<'t>,
}

impl ser::SerializeTupleVariant for TupleVariantSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueSerError> {
        self.seq.element(value)
    }

    fn end(mut self) -> Result<Value, ValueSerError> {
        let content = self.seq.finish()?;
        self.map.entries.insert(self.variant.to_owned(), content);
        self.map.finish()
    }
}

/// `{variant = {fields...}}`
struct StructVariantSerializer<'t> {
    map: MapSerializer<'t>,
    variant: &'static str,
    inner: MapSerializer<'t>,
}

impl ser::SerializeStructVariant for StructVariantSerializer<'_> {
    type Ok = Value;
    type Error = ValueSerError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueSerError> {
        self.inner.entry(key.to_owned(), value)
    }

    fn end(mut self) -> Result<Value, ValueSerError> {
        let content = self.inner.finish()?;
        self.map.entries.insert(self.variant.to_owned(), content);
        self.map.finish()
    }
}

/// Map keys: strings, and scalars that have an obvious string form.
struct KeySerializer;

/// Located later, at the map being built.
fn key_error() -> ValueSerError {
    <ValueSerError as ser::Error>::custom("map keys must be strings")
}

macro_rules! key_to_string {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<String, ValueSerError> {
            Ok(v.to_string())
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = ValueSerError;
    type SerializeSeq = Impossible<String, ValueSerError>;
    type SerializeTuple = Impossible<String, ValueSerError>;
    type SerializeTupleStruct = Impossible<String, ValueSerError>;
    type SerializeTupleVariant = Impossible<String, ValueSerError>;
    type SerializeMap = Impossible<String, ValueSerError>;
    type SerializeStruct = Impossible<String, ValueSerError>;
    type SerializeStructVariant = Impossible<String, ValueSerError>;

    key_to_string!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128, serialize_char: char, serialize_str: &str);

    fn serialize_f32(self, _v: f32) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_f64(self, _v: f64) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_none(self) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, ValueSerError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, ValueSerError> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, ValueSerError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, ValueSerError> {
        Err(key_error())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, ValueSerError> {
        Err(key_error())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, ValueSerError> {
        Err(key_error())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, ValueSerError> {
        Err(key_error())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueSerError> {
        Err(key_error())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, ValueSerError> {
        Err(key_error())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, ValueSerError> {
        Err(key_error())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ValueSerError> {
        Err(key_error())
    }
}
