//! cty types and their JSON description (`"string"`, `["list","number"]`, ...).

use std::collections::BTreeMap;
use std::fmt;

use crate::error::TypeJsonError;
use crate::json_syntax::{self, Json};

/// A Terraform (cty) type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `bool`
    Bool,
    /// `number`: arbitrary-precision decimal.
    Number,
    /// `string`
    String,
    /// The `dynamic` pseudo-type ("any"): values carry their type on the wire.
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`: string keys.
    Map(Box<Type>),
    /// `tuple([T1, T2, ...])`
    Tuple(Vec<Type>),
    /// `object({name = T, ...})`
    Object(BTreeMap<String, Type>),
}

impl Type {
    /// `list(element)`
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// `set(element)`
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// `map(element)`
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// `tuple([elements...])`
    pub fn tuple(elements: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elements.into_iter().collect())
    }

    /// `object({name = type, ...})`
    pub fn object<I: IntoIterator<Item = (K, Type)>, K: Into<String>>(attrs: I) -> Type {
        Type::Object(
            attrs
                .into_iter()
                .map(|(name, ty)| (name.into(), ty))
                .collect(),
        )
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(element) | Type::Set(element) | Type::Map(element) => Some(element),
            _ => None,
        }
    }

    /// The attribute types of an object.
    pub fn attribute_types(&self) -> Option<&BTreeMap<String, Type>> {
        match self {
            Type::Object(attrs) => Some(attrs),
            _ => None,
        }
    }

    /// Whether this is `bool`, `number` or `string`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// Whether this is a list, set or map (the kinds with length refinements).
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// Whether `dynamic` occurs anywhere in this type.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(element) | Type::Set(element) | Type::Map(element) => element.has_dynamic(),
            Type::Tuple(elements) => elements.iter().any(Type::has_dynamic),
            Type::Object(attrs) => attrs.values().any(Type::has_dynamic),
        }
    }

    /// The compact type JSON Terraform uses in schemas and dynamic values,
    /// e.g. `["object",{"a":"bool","b":["list","string"]}]`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::Bool => out.push_str("\"bool\""),
            Type::Number => out.push_str("\"number\""),
            Type::String => out.push_str("\"string\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(element) | Type::Set(element) | Type::Map(element) => {
                out.push_str(match self {
                    Type::List(_) => "[\"list\",",
                    Type::Set(_) => "[\"set\",",
                    _ => "[\"map\",",
                });
                element.write_json(out);
                out.push(']');
            }
            Type::Tuple(elements) => {
                out.push_str("[\"tuple\",[");
                for (i, element) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    element.write_json(out);
                }
                out.push_str("]]");
            }
            Type::Object(attrs) => {
                out.push_str("[\"object\",{");
                for (i, (name, ty)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_syntax::write_string(out, name);
                    out.push(':');
                    ty.write_json(out);
                }
                out.push_str("}]");
            }
        }
    }

    /// Parses type JSON. Whitespace is allowed anywhere; the optional
    /// third element of `["object", {...}, ["opt_attr", ...]]` (cty's
    /// optional attribute names) is accepted and dropped.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeJsonError> {
        let json = json_syntax::parse(bytes).map_err(|error| TypeJsonError {
            message: error.to_string(),
        })?;
        Type::from_json_tree(&json).map_err(|message| TypeJsonError { message })
    }

    pub(crate) fn from_json_tree(json: &Json<'_>) -> Result<Type, String> {
        match json {
            Json::String(name) => match name.as_ref() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("invalid primitive type name {other:?}")),
            },
            Json::Array(items) => {
                let Some(Json::String(kind)) = items.first() else {
                    return Err("a complex type must start with its kind name".into());
                };
                let arity_ok = items.len() == 2 || (kind == "object" && items.len() == 3);
                if !arity_ok {
                    return Err(format!("{kind:?} type needs exactly one argument"));
                }
                let argument = &items[1];
                match kind.as_ref() {
                    "list" => Ok(Type::list(Type::from_json_tree(argument)?)),
                    "set" => Ok(Type::set(Type::from_json_tree(argument)?)),
                    "map" => Ok(Type::map(Type::from_json_tree(argument)?)),
                    "tuple" => {
                        let Json::Array(elements) = argument else {
                            return Err("tuple element types must be an array".into());
                        };
                        elements
                            .iter()
                            .map(Type::from_json_tree)
                            .collect::<Result<_, _>>()
                            .map(Type::Tuple)
                    }
                    "object" => {
                        let Json::Object(members) = argument else {
                            return Err("object attribute types must be an object".into());
                        };
                        let mut attrs = BTreeMap::new();
                        for (name, ty) in members {
                            if attrs
                                .insert(name.to_string(), Type::from_json_tree(ty)?)
                                .is_some()
                            {
                                return Err(format!("duplicate object attribute {name:?}"));
                            }
                        }
                        if let Some(optional) = items.get(2) {
                            let names_ok = matches!(optional, Json::Array(names)
                                if names.iter().all(|name| matches!(name, Json::String(_))));
                            if !names_ok {
                                return Err(
                                    "optional attribute names must be an array of strings".into()
                                );
                            }
                        }
                        Ok(Type::Object(attrs))
                    }
                    other => Err(format!("invalid complex type kind {other:?}")),
                }
            }
            other => Err(format!(
                "a type must be a string or an array, found {}",
                other.describe()
            )),
        }
    }
}

impl fmt::Display for Type {
    /// Terraform's type constraint syntax: `list(string)`,
    /// `object({a = bool})`, `tuple([string, number])`; `dynamic` for any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list({element})"),
            Type::Set(element) => write!(f, "set({element})"),
            Type::Map(element) => write!(f, "map({element})"),
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, element) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{element}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (name, ty)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name} = {ty}")?;
                }
                f.write_str("})")
            }
        }
    }
}
