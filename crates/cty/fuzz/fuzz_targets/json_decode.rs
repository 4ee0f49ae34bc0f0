//! Decodes arbitrary bytes as JSON against a few fixed types. Whatever
//! decodes must re-encode and decode again to an equal value, and agree
//! with msgpack.
#![no_main]

use cty::{Type, json, msgpack};
use libfuzzer_sys::fuzz_target;

fn types() -> Vec<Type> {
    vec![
        Type::Dynamic,
        Type::Number,
        Type::String,
        Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("flag", Type::Bool),
            ("labels", Type::map(Type::String)),
            ("ids", Type::set(Type::String)),
            ("any", Type::Dynamic),
            (
                "rules",
                Type::list(Type::object([
                    ("port", Type::Number),
                    ("cidrs", Type::list(Type::String)),
                    ("meta", Type::tuple([Type::String, Type::Dynamic])),
                ])),
            ),
        ]),
        Type::map(Type::Dynamic),
        Type::set(Type::list(Type::Number)),
    ]
}

fuzz_target!(|data: &[u8]| {
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
    let lenient = selector & 0x80 != 0;
    let decoded = if lenient {
        json::decode_lenient(bytes, ty)
    } else {
        json::decode(bytes, ty)
    };
    let Ok(value) = decoded else { return };
    value.conforms(ty).expect("decoded values conform");
    let text = json::encode(&value, ty).expect("decoded values re-encode");
    let again = json::decode(&text, ty).expect("re-encoded JSON decodes");
    assert_eq!(again, value);
    assert_eq!(
        json::encode(&again, ty).expect("re-encodes"),
        text,
        "encoding is canonical"
    );
    let packed = msgpack::encode(&value, ty).expect("decoded values encode as msgpack");
    assert_eq!(
        msgpack::decode(&packed, ty).expect("our msgpack decodes"),
        value
    );
});
