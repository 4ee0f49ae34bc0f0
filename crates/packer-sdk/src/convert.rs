//! msgpack [`Value`] ⇄ JSON, for data crossing the wire untyped (Hook data, artifact state,
//! configuration maps).

use packer_rpc::netrpc::Value;
use serde_json::{Map, Number, Value as Json};

/// JSON as Go would send the same data: integers stay integers, other numbers are float64.
pub fn json_to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::Uint(u)
            } else {
                Value::F64(n.as_f64().unwrap_or(0.0))
            }
        }
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(json_to_value).collect()),
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::Str(k.clone()), json_to_value(v)))
                .collect(),
        ),
    }
}

/// A msgpack value as JSON: `bin` becomes a (lossy UTF-8) string, non-string map keys their
/// text, non-finite floats and unknown extensions null, times `secs.nanos` text.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Nil | Value::Ext(..) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::Uint(u) => Json::Number((*u).into()),
        Value::F32(f) => float(f64::from(*f)),
        Value::F64(f) => float(*f),
        Value::Str(s) => Json::String(s.clone()),
        Value::Bin(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Value::Array(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                let key = match k {
                    Value::Str(s) => s.clone(),
                    other => value_to_json(other).to_string(),
                };
                map.insert(key, value_to_json(v));
            }
            Json::Object(map)
        }
        Value::Time(t) => Json::String(format!("{}.{:09}", t.secs, t.nanos)),
    }
}

fn float(f: f64) -> Json {
    Number::from_f64(f).map_or(Json::Null, Json::Number)
}
