//! What Prepare / Configure receive (reference §5.4) and typed decoding of it.
//!
//! `Configs` is a list of msgpack maps (JSON templates, Packer's own keys) and `bin` cty JSON
//! (HCL2 bodies), merged left to right. Decoding is weakly typed like Go's mapstructure, because
//! JSON-template numbers are float64 and HCL2 sends `packer_debug` as a string.

use std::collections::BTreeMap;
use std::fmt;

use packer_rpc::netrpc::Value;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde_json::{Map, Value as Json};

use crate::convert::value_to_json;

/// What Packer substitutes for values not known yet (HCL2 post-processors' first Configure).
pub const UNKNOWN_PLACEHOLDER: &str = "<unknown>";

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Where: `storage[1].disk_size`; empty for the configuration as a whole.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Everything wrong with a configuration; shown to the user one problem per line.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order found.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            if problem.key.is_empty() {
                f.write_str(&problem.message)?;
            } else {
                write!(f, "{}: {}", problem.key, problem.message)?;
            }
        }
        Ok(())
    }
}

impl ConfigError {
    /// An error with one problem.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = Self::default();
        error.push(key, message);
        error
    }

    /// Adds a problem (validation collects several before failing).
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// True when no problem was found.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Packer's own `packer_*` keys, in whichever form the template path sent them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackerConfig {
    /// `packer_build_name`: the source/builder name.
    pub build_name: String,
    /// `packer_builder_type`: the component type (`photon-iso`).
    pub builder_type: String,
    /// `packer_debug` (`-debug`), bool or "true"/"false".
    pub debug: bool,
    /// `packer_force` (`-force`), bool or "true"/"false".
    pub force: bool,
    /// `packer_on_error` (`-on-error`).
    pub on_error: String,
    /// `packer_core_version`, absent in 1.6.6's HCL2 path.
    pub core_version: Option<String>,
    /// `packer_user_variables` (JSON templates).
    pub user_variables: BTreeMap<String, String>,
}

/// The merged Prepare/Configure payload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawConfigs {
    user: Map<String, Json>,
    packer: PackerConfig,
}

impl RawConfigs {
    /// Merges the `Configs` list: maps and cty-JSON `bin` values, later keys winning. The JSON
    /// path's trailing build-data placeholder map (post-processors) is recognised and dropped, as
    /// the Go SDK's `DetectContextData` does; cty JSON nulls count as absent.
    pub fn from_values(values: Vec<Value>) -> Result<Self, ConfigError> {
        let mut values = values;
        if values.last().is_some_and(is_placeholder_map) {
            values.pop();
        }
        let mut merged = Map::new();
        for (index, value) in values.iter().enumerate() {
            let object = match value {
                Value::Nil => continue,
                Value::Map(_) => match value_to_json(value) {
                    Json::Object(map) => map,
                    _ => unreachable_object(),
                },
                Value::Bin(bytes) => cty_json_object(bytes).map_err(|message| {
                    ConfigError::new("", format!("configuration #{index}: {message}"))
                })?,
                other => {
                    return Err(ConfigError::new(
                        "",
                        format!("configuration #{index} is neither a map nor cty JSON: {other}"),
                    ));
                }
            };
            for (key, value) in object {
                if let Some(value) = strip_nulls(value) {
                    merged.insert(key, value);
                } else {
                    merged.remove(&key);
                }
            }
        }
        let packer = packer_config(&merged)?;
        merged.retain(|key, _| !key.starts_with("packer_"));
        Ok(Self {
            user: merged,
            packer,
        })
    }

    /// The merged user configuration without `packer_*` keys, as JSON.
    pub fn user(&self) -> &Map<String, Json> {
        &self.user
    }

    /// Packer's own keys.
    pub fn packer(&self) -> &PackerConfig {
        &self.packer
    }

    /// True when some value is still Packer's [`UNKNOWN_PLACEHOLDER`] (HCL2 post-processors'
    /// parse-time Configure): checks needing real values should wait for the second call.
    pub fn has_unknowns(&self) -> bool {
        fn walk(v: &Json) -> bool {
            match v {
                Json::String(s) => s == UNKNOWN_PLACEHOLDER,
                Json::Array(items) => items.iter().any(walk),
                Json::Object(map) => map.values().any(walk),
                _ => false,
            }
        }
        self.user.values().any(walk)
    }

    /// Typed decode with errors naming the key path (`storage[1].disk_size: expected an
    /// integer, got "x"`); unknown keys (targets use `#[serde(deny_unknown_fields)]`) and missing
    /// required keys are named too. Weak typing: "true"/"false" for bools, whole floats and
    /// numeric strings for integers, numbers for strings, a single value for a list.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        decode_json(&Json::Object(self.user.clone()))
    }
}

/// [`RawConfigs::decode`] on any JSON value (for nested re-decoding and tests).
pub(crate) fn decode_json<T: DeserializeOwned>(json: &Json) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(Weak(json)).map_err(|error| {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let message = error.inner().0.clone();
        // Missing/unknown field errors are raised at the enclosing object: name the key itself.
        for prefix in ["missing field `", "unknown field `"] {
            if let Some(rest) = message.strip_prefix(prefix)
                && let Some(end) = rest.find('`')
            {
                let field = &rest[..end];
                let key =
                    if path.is_empty() || path == field || path.ends_with(&format!(".{field}")) {
                        if path.is_empty() {
                            field.to_owned()
                        } else {
                            path.clone()
                        }
                    } else {
                        format!("{path}.{field}")
                    };
                let text = if prefix.starts_with("missing") {
                    "required key is missing".to_owned()
                } else {
                    format!("unknown configuration key{}", &rest[end + 1..])
                };
                return ConfigError::new(key, text);
            }
        }
        ConfigError::new(path, message)
    })
}

fn unreachable_object() -> Map<String, Json> {
    // value_to_json maps a msgpack map to a JSON object, always.
    Map::new()
}

fn is_placeholder_map(value: &Value) -> bool {
    value
        .get("PackerRunUUID")
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains("Build_PackerRunUUID."))
}

/// `{"value": …, "type": …}` → the value's object.
fn cty_json_object(bytes: &[u8]) -> Result<Map<String, Json>, String> {
    let json: Json =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed cty JSON: {e}"))?;
    let Json::Object(mut outer) = json else {
        return Err("cty JSON is not an object".to_owned());
    };
    match outer.remove("value") {
        Some(Json::Object(map)) => Ok(map),
        Some(Json::Null) | None => Ok(Map::new()),
        Some(other) => Err(format!("cty JSON value is not an object: {other}")),
    }
}

/// Removes nulls (cty's unset attributes) everywhere; `None` when the value itself is null.
fn strip_nulls(value: Json) -> Option<Json> {
    match value {
        Json::Null => None,
        Json::Object(map) => Some(Json::Object(
            map.into_iter()
                .filter_map(|(k, v)| strip_nulls(v).map(|v| (k, v)))
                .collect(),
        )),
        Json::Array(items) => Some(Json::Array(
            items.into_iter().filter_map(strip_nulls).collect(),
        )),
        other => Some(other),
    }
}

fn packer_config(merged: &Map<String, Json>) -> Result<PackerConfig, ConfigError> {
    let mut problems = ConfigError::default();
    let text = |key: &str, problems: &mut ConfigError| match merged.get(key) {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(key, format!("expected a string, got {}", describe(other)));
            None
        }
    };
    let flag = |key: &str, problems: &mut ConfigError| match merged.get(key) {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => match parse_bool(s) {
            Some(b) => b,
            None => {
                problems.push(
                    key,
                    format!("expected a bool, got {}", describe(&merged[key])),
                );
                false
            }
        },
        Some(other) => {
            problems.push(key, format!("expected a bool, got {}", describe(other)));
            false
        }
    };
    let mut config = PackerConfig {
        build_name: text("packer_build_name", &mut problems).unwrap_or_default(),
        builder_type: text("packer_builder_type", &mut problems).unwrap_or_default(),
        debug: flag("packer_debug", &mut problems),
        force: flag("packer_force", &mut problems),
        on_error: text("packer_on_error", &mut problems).unwrap_or_default(),
        core_version: text("packer_core_version", &mut problems),
        user_variables: BTreeMap::new(),
    };
    match merged.get("packer_user_variables") {
        None => {}
        Some(Json::Object(vars)) => {
            for (k, v) in vars {
                let v = match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                config.user_variables.insert(k.clone(), v);
            }
        }
        Some(other) => problems.push(
            "packer_user_variables",
            format!("expected a map, got {}", describe(other)),
        ),
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

/// Go's `strconv.ParseBool`, which mapstructure's weak decoding uses.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// A value as it appears in error messages: strings quoted, containers by kind.
fn describe(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::Array(_) => "a list".to_owned(),
        Json::Object(_) => "a block/object".to_owned(),
        other => other.to_string(),
    }
}

/// The decode error: a plain message (the path is added by serde_path_to_error).
#[derive(Debug)]
pub(crate) struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

fn wrong(expected: &str, got: &Json) -> DeError {
    DeError(format!("expected {expected}, got {}", describe(got)))
}

/// A weakly typed deserializer over borrowed JSON.
struct Weak<'a>(&'a Json);

impl Weak<'_> {
    /// The value as an integer, if it is one or can weakly become one.
    fn integer(&self) -> Option<i128> {
        match self.0 {
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Some(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(i128::from(u))
                } else {
                    let f = n.as_f64()?;
                    // Whole floats only (JSON templates send every number as float64).
                    (f.fract() == 0.0 && f.abs() < 1e18).then_some(f as i128)
                }
            }
            Json::String(s) => s.trim().parse::<i64>().ok().map(i128::from),
            _ => None,
        }
    }

    fn visit_integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.integer() {
            Some(n) if n < 0 => {
                visitor.visit_i64(i64::try_from(n).map_err(|_| wrong("an integer", self.0))?)
            }
            Some(n) => {
                visitor.visit_u64(u64::try_from(n).map_err(|_| wrong("an integer", self.0))?)
            }
            None => Err(wrong("an integer", self.0)),
        }
    }

    fn visit_float<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Number(n) => visitor.visit_f64(n.as_f64().unwrap_or(0.0)),
            Json::String(s) => match s.trim().parse::<f64>() {
                Ok(f) => visitor.visit_f64(f),
                Err(_) => Err(wrong("a number", self.0)),
            },
            other => Err(wrong("a number", other)),
        }
    }
}

macro_rules! integer_methods {
    ($($name:ident)*) => {$(
        fn $name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.visit_integer(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Weak<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(0.0))
                }
            }
            Json::String(s) => visitor.visit_str(s),
            Json::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Json::Object(map) => visitor.visit_map(MapAccess {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::String(s) => match parse_bool(s.trim()) {
                Some(b) => visitor.visit_bool(b),
                None => Err(wrong("a bool (true or false)", self.0)),
            },
            Json::Number(n) => visitor.visit_bool(n.as_f64().is_some_and(|f| f != 0.0)),
            other => Err(wrong("a bool (true or false)", other)),
        }
    }

    integer_methods!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.visit_float(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.visit_float(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::String(s) => visitor.visit_str(s),
            Json::Number(n) => match self.integer() {
                Some(i) => visitor.visit_string(i.to_string()),
                None => visitor.visit_string(n.to_string()),
            },
            Json::Bool(b) => visitor.visit_string(b.to_string()),
            other => Err(wrong("a string", other)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Null => visitor.visit_unit(),
            other => Err(wrong("nothing", other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Json::Object(_) => Err(wrong("a list", self.0)),
            // mapstructure's weak decoding turns a single value into a one-element list.
            single => visitor.visit_seq(Seq(std::slice::from_ref(single).iter())),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Json::Object(map) => visitor.visit_map(MapAccess {
                iter: map.iter(),
                value: None,
            }),
            other => Err(wrong("a block/object", other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Json::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(wrong("a string", other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct Seq<'a>(std::slice::Iter<'a, Json>);

impl<'de> de::SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(item) => seed.deserialize(Weak(item)).map(Some),
            None => Ok(None),
        }
    }
}

struct MapAccess<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Json>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: de::value::StrDeserializer<'_, DeError> = key.as_str().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(value) => seed.deserialize(Weak(value)),
            None => Err(DeError("map value requested before its key".to_owned())),
        }
    }
}
