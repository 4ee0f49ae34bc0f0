//! Decodes arbitrary bytes as msgpack against a few fixed types. Whatever
//! decodes must re-encode, decode again to an equal value, and re-encode to
//! the same bytes; wholly known values must also survive a JSON round trip.
#![no_main]

use cty::{Type, Value, json, msgpack};
use libfuzzer_sys::fuzz_target;

fn types() -> Vec<Type> {
    vec![
        Type::Dynamic,
        Type::String,
        Type::Number,
        Type::object([
            ("id", Type::String),
            ("size", Type::Number),
            ("enabled", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("ports", Type::set(Type::Number)),
            ("extra", Type::Dynamic),
            (
                "disk",
                Type::list(Type::object([
                    ("label", Type::String),
                    ("pair", Type::tuple([Type::Number, Type::Dynamic])),
                    ("nested", Type::set(Type::list(Type::map(Type::Bool)))),
                ])),
            ),
        ]),
        Type::list(Type::Dynamic),
        Type::set(Type::set(Type::Number)),
    ]
}

fn has_infinity(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_infinite(),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().any(has_infinity)
        }
        Value::Map(entries) | Value::Object(entries) => entries.values().any(has_infinity),
        Value::Dynamic(_, inner) => has_infinity(inner),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the type so that one input explores one type deeply.
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Selectors from 0x40 up carry their own type: [len][type JSON][value],
    // so mutations can explore every type shape (and the type parser).
    let (ty, bytes) = if selector & 0x40 != 0 {
        let Some((&len, rest)) = rest.split_first() else {
            return;
        };
        let (type_json, bytes) = rest.split_at(usize::from(len).min(rest.len()));
        let Ok(ty) = Type::from_json(type_json) else {
            return;
        };
        (ty, bytes)
    } else {
        let types = types();
        (types[usize::from(selector) % types.len()].clone(), rest)
    };
    let ty = &ty;
    let Ok(value) = msgpack::decode(bytes, ty) else {
        return;
    };
    value.conforms(ty).expect("decoded values conform");
    let encoded = msgpack::encode(&value, ty).expect("decoded values re-encode");
    let again = msgpack::decode(&encoded, ty).expect("re-encoded values decode");
    assert_eq!(again, value);
    assert_eq!(
        msgpack::encode(&again, ty).expect("re-encodes"),
        encoded,
        "encoding is canonical"
    );
    if value.is_wholly_known() && !has_infinity(&value) {
        let text = json::encode(&value, ty).expect("known values encode as JSON");
        assert_eq!(json::decode(&text, ty).expect("our JSON decodes"), value);
    }
});
