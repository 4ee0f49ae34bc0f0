//! The JSON encoding Terraform uses for `DynamicValue.json` and state
//! (`RawState.json`): msgpack's shapes in JSON, with no way to say "unknown".
//!
//! A `dynamic` slot holds `{"value": ..., "type": ...}`. Numbers are read
//! exactly from their text (no f64 rounding) and written in plain decimal
//! notation. Like cty, decoding converts between primitives where cty's
//! conversion would (a JSON string for a number or bool, a number or bool
//! for a string), and objects may omit attributes (they become null).

use std::collections::BTreeMap;

use crate::canonical;
use crate::error::{DecodeError, EncodeError};
use crate::json_syntax::{self, Json, write_string};
use crate::number::Number;
use crate::path::{Path, PathStep};
use crate::types::Type;
use crate::value::{
    Value, cannot_infer_message, index_step, mismatch_message, object_shape_error, set_keep_mask,
    tuple_length_message,
};

/// Encodes `value` as `ty`. Fails with "value is not known" (and the path)
/// on any unknown value, and on infinities, which JSON cannot express.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: String::new(),
        path: Path::root(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out.into_bytes())
}

/// Decodes JSON as `ty` with cty's rules: missing object attributes become
/// null, unexpected ones are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with(bytes, ty, false)
}

/// Like [`decode`] but drops object attributes the type does not have, for
/// passing through state written by another version of the schema.
pub fn decode_lenient(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with(bytes, ty, true)
}

fn decode_with(bytes: &[u8], ty: &Type, lenient: bool) -> Result<Value, DecodeError> {
    let json = json_syntax::parse(bytes)
        .map_err(|error| DecodeError::new(Path::root(), error.to_string()))?;
    Decoder {
        path: Path::root(),
        lenient,
    }
    .value(&json, ty)
}

struct Encoder {
    out: String,
    path: Path,
}

impl Encoder {
    fn error(&self, message: impl Into<String>) -> EncodeError {
        EncodeError::new(self.path.clone(), message)
    }

    /// Encodes one value; recursive, so each kind has its own function.
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match (value, ty) {
            (_, Type::Dynamic) => self.dynamic(value),
            (Value::Null, _) => {
                self.out.push_str("null");
                Ok(())
            }
            (Value::Unknown(_), _) => Err(self.error("value is not known")),
            (Value::Dynamic(inner_ty, inner), _) if inner_ty == ty => self.value(inner, ty),
            (Value::Bool(b), Type::Bool) => {
                self.out.push_str(if *b { "true" } else { "false" });
                Ok(())
            }
            (Value::Number(n), Type::Number) => self.number(n),
            (Value::String(s), Type::String) => {
                write_string(&mut self.out, s);
                Ok(())
            }
            (Value::List(items), Type::List(element)) => self.array(items, |_| element),
            (Value::Set(items), Type::Set(element)) => self.set(items, element),
            (Value::Tuple(items), Type::Tuple(elements)) if items.len() == elements.len() => {
                self.array(items, |i| &elements[i])
            }
            (Value::Tuple(items), Type::Tuple(elements)) => {
                Err(self.error(tuple_length_message(elements.len(), items.len())))
            }
            (Value::Map(entries), Type::Map(element)) => self.map(entries, element),
            (Value::Object(attrs), Type::Object(attr_types)) => self.object(attrs, attr_types),
            _ => Err(self.error(mismatch_message(ty, value))),
        }
    }

    #[inline(never)]
    fn number(&mut self, n: &Number) -> Result<(), EncodeError> {
        if n.is_infinite() {
            return Err(self.error("infinity cannot be represented in JSON"));
        }
        self.out.push_str(&n.to_string());
        Ok(())
    }

    #[inline(never)]
    fn array<'t>(
        &mut self,
        items: &[Value],
        ty_at: impl Fn(usize) -> &'t Type,
    ) -> Result<(), EncodeError> {
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.path.push(PathStep::Index(index_step(i)));
            self.value(item, ty_at(i))?;
            self.path.pop();
        }
        self.out.push(']');
        Ok(())
    }

    #[inline(never)]
    fn set(&mut self, items: &[Value], element: &Type) -> Result<(), EncodeError> {
        self.out.push('[');
        let keep = set_keep_mask(items, element);
        for (i, (item, _)) in items.iter().zip(keep).filter(|(_, keep)| *keep).enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            // Set elements are not addressable, so no path step.
            self.value(item, element)?;
        }
        self.out.push(']');
        Ok(())
    }

    #[inline(never)]
    fn map(
        &mut self,
        entries: &BTreeMap<String, Value>,
        element: &Type,
    ) -> Result<(), EncodeError> {
        self.out.push('{');
        for (i, (key, item)) in entries.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            write_string(&mut self.out, key);
            self.out.push(':');
            self.path.push(PathStep::Key(key.clone()));
            self.value(item, element)?;
            self.path.pop();
        }
        self.out.push('}');
        Ok(())
    }

    #[inline(never)]
    fn object(
        &mut self,
        attrs: &BTreeMap<String, Value>,
        attr_types: &BTreeMap<String, Type>,
    ) -> Result<(), EncodeError> {
        if let Some(message) = object_shape_error(attrs, attr_types) {
            return Err(self.error(message));
        }
        self.out.push('{');
        for (i, ((name, attr_ty), attr)) in attr_types.iter().zip(attrs.values()).enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            write_string(&mut self.out, name);
            self.out.push(':');
            self.path.push(PathStep::Attribute(name.clone()));
            self.value(attr, attr_ty)?;
            self.path.pop();
        }
        self.out.push('}');
        Ok(())
    }

    #[inline(never)]
    fn dynamic(&mut self, value: &Value) -> Result<(), EncodeError> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Unknown(_) => return Err(self.error("value is not known")),
            Value::Dynamic(Type::Dynamic, inner) => self.dynamic(inner)?,
            Value::Dynamic(ty, inner) => self.typed(ty, inner)?,
            other => {
                let Some(ty) = other.infer_type() else {
                    return Err(self.error(cannot_infer_message(other)));
                };
                self.typed(&ty, other)?;
            }
        }
        Ok(())
    }

    /// `{"value":...,"type":...}`, in cty's order.
    fn typed(&mut self, ty: &Type, value: &Value) -> Result<(), EncodeError> {
        self.out.push_str("{\"value\":");
        self.value(value, ty)?;
        self.out.push_str(",\"type\":");
        self.out.push_str(&ty.to_json());
        self.out.push('}');
        Ok(())
    }
}

struct Decoder {
    path: Path,
    lenient: bool,
}

impl Decoder {
    fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), message)
    }

    /// Decodes one JSON value; recursive, so each kind has its own function.
    fn value(&mut self, json: &Json<'_>, ty: &Type) -> Result<Value, DecodeError> {
        match (json, ty) {
            (Json::Null, _) => Ok(Value::Null),
            (_, Type::Dynamic) => self.dynamic(json),
            (Json::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
            // cty converts the strings "true"/"false" to bools,
            (Json::String(s), Type::Bool) if s == "true" || s == "false" => {
                Ok(Value::Bool(s == "true"))
            }
            // numeric strings to numbers,
            (Json::Number(text), Type::Number) => self.number(text),
            (Json::String(text), Type::Number) => self.number(text),
            (Json::String(s), Type::String) => Ok(Value::String(s.to_string())),
            // and numbers (verbatim text) and bools to strings.
            (Json::Number(text), Type::String) => Ok(Value::String((*text).to_owned())),
            (Json::Bool(b), Type::String) => Ok(Value::String(b.to_string())),
            (Json::Array(items), Type::List(element)) => self.list(items, element),
            (Json::Array(items), Type::Set(element)) => self.set(items, element),
            (Json::Array(items), Type::Tuple(elements)) => self.tuple(items, elements),
            (Json::Object(members), Type::Map(element)) => self.map(members, element),
            (Json::Object(members), Type::Object(attr_types)) => self.object(members, attr_types),
            _ => Err(self.mismatch(ty, json)),
        }
    }

    #[cold]
    #[inline(never)]
    fn mismatch(&self, ty: &Type, json: &Json<'_>) -> DecodeError {
        self.error(format!("expected {ty}, found {}", json.describe()))
    }

    #[inline(never)]
    fn number(&self, text: &str) -> Result<Value, DecodeError> {
        match Number::parse(text) {
            // Only reachable through a string ("Inf"); JSON could not write it back.
            Ok(n) if n.is_infinite() => Err(self.error("infinity cannot be represented in JSON")),
            Ok(n) => Ok(Value::Number(n)),
            Err(error) => Err(self.error(format!("expected number: {error}"))),
        }
    }

    #[inline(never)]
    fn list(&mut self, items: &[Json<'_>], element: &Type) -> Result<Value, DecodeError> {
        let mut values = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(index_step(i)));
            values.push(self.value(item, element)?);
            self.path.pop();
        }
        Ok(Value::List(values))
    }

    #[inline(never)]
    fn set(&mut self, items: &[Json<'_>], element: &Type) -> Result<Value, DecodeError> {
        let values = items
            .iter()
            .map(|item| self.value(item, element))
            .collect::<Result<_, _>>()?;
        Ok(Value::Set(canonical::dedupe_set(values)))
    }

    #[inline(never)]
    fn tuple(&mut self, items: &[Json<'_>], elements: &[Type]) -> Result<Value, DecodeError> {
        if items.len() != elements.len() {
            return Err(self.error(tuple_length_message(elements.len(), items.len())));
        }
        let mut values = Vec::with_capacity(items.len());
        for (i, (item, element)) in items.iter().zip(elements).enumerate() {
            self.path.push(PathStep::Index(index_step(i)));
            values.push(self.value(item, element)?);
            self.path.pop();
        }
        Ok(Value::Tuple(values))
    }

    #[inline(never)]
    fn map(
        &mut self,
        members: &[(std::borrow::Cow<'_, str>, Json<'_>)],
        element: &Type,
    ) -> Result<Value, DecodeError> {
        let mut entries = BTreeMap::new();
        for (key, item) in members {
            if entries.contains_key(key.as_ref()) {
                return Err(self.error(format!("duplicate map key {key:?}")));
            }
            self.path.push(PathStep::Key(key.to_string()));
            let value = self.value(item, element)?;
            self.path.pop();
            entries.insert(key.to_string(), value);
        }
        Ok(Value::Map(entries))
    }

    #[inline(never)]
    fn object(
        &mut self,
        members: &[(std::borrow::Cow<'_, str>, Json<'_>)],
        attr_types: &BTreeMap<String, Type>,
    ) -> Result<Value, DecodeError> {
        let mut attrs = BTreeMap::new();
        for (name, item) in members {
            let Some(attr_ty) = attr_types.get(name.as_ref()) else {
                if self.lenient {
                    continue;
                }
                return Err(self.error(format!("unsupported attribute {name:?}")));
            };
            if attrs.contains_key(name.as_ref()) {
                return Err(self.error(format!("duplicate attribute {name:?}")));
            }
            self.path.push(PathStep::Attribute(name.to_string()));
            let value = self.value(item, attr_ty)?;
            self.path.pop();
            attrs.insert(name.to_string(), value);
        }
        for name in attr_types.keys() {
            attrs.entry(name.clone()).or_insert(Value::Null);
        }
        Ok(Value::Object(attrs))
    }

    #[inline(never)]
    fn dynamic(&mut self, json: &Json<'_>) -> Result<Value, DecodeError> {
        let Json::Object(members) = json else {
            return Err(self.error(format!(
                "expected a dynamic value ({{\"value\": ..., \"type\": ...}}), found {}",
                json.describe()
            )));
        };
        let (mut value, mut type_json) = (None, None);
        for (key, member) in members {
            let slot = match key.as_ref() {
                "value" => &mut value,
                "type" => &mut type_json,
                other => {
                    return Err(self.error(format!("invalid key {other:?} in a dynamic value")));
                }
            };
            if slot.replace(member).is_some() {
                return Err(self.error(format!("duplicate key {key:?} in a dynamic value")));
            }
        }
        let type_json =
            type_json.ok_or_else(|| self.error("missing \"type\" in a dynamic value"))?;
        let value = value.ok_or_else(|| self.error("missing \"value\" in a dynamic value"))?;
        let ty = Type::from_json_tree(type_json)
            .map_err(|message| self.error(format!("invalid type in a dynamic value: {message}")))?;
        let inner = self.value(value, &ty)?;
        Ok(if ty == Type::Dynamic {
            inner
        } else {
            Value::Dynamic(ty, Box::new(inner))
        })
    }
}
