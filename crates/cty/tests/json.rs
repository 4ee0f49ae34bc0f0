//! JSON: golden text, round trips, cty's decoding rules and rejections.

// Helpers outside #[test] fns unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use cty::{Number, Path, Refinements, Type, Value, json};

fn n(text: &str) -> Value {
    Value::Number(Number::parse(text).unwrap())
}

#[track_caller]
fn golden(value: Value, ty: &Type, expected: &str) {
    let bytes = json::encode(&value, ty).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
    assert_eq!(json::decode(&bytes, ty).unwrap(), value);
}

#[track_caller]
fn rejects(text: &str, ty: &Type, path: Path, needle: &str) {
    let error = json::decode(text.as_bytes(), ty).unwrap_err();
    assert_eq!(error.path, path, "{error}");
    assert!(
        error.message.contains(needle),
        "{error:?} should mention {needle:?}"
    );
}

#[test]
fn every_kind() {
    let ty = Type::object([
        ("b", Type::Bool),
        ("d", Type::Dynamic),
        ("l", Type::list(Type::String)),
        ("m", Type::map(Type::Number)),
        ("n", Type::Number),
        ("o", Type::object([("x", Type::String)])),
        ("s", Type::String),
        ("set", Type::set(Type::Number)),
        ("t", Type::tuple([Type::String, Type::Bool])),
        ("z", Type::String),
    ]);
    let value = Value::object([
        ("b", Value::from(true)),
        (
            "d",
            Value::dynamic(Type::list(Type::String), Value::list(["a"])),
        ),
        ("l", Value::list(["x", "y\"\n"])),
        ("m", Value::map([("k", n("-1.5"))])),
        (
            "n",
            n("123456789012345678901234567890.000000000000000000001"),
        ),
        ("o", Value::object([("x", Value::Null)])),
        ("s", Value::from("é")),
        ("set", Value::set([3, 1])),
        ("t", Value::tuple([Value::from("q"), Value::from(false)])),
        ("z", Value::Null),
    ]);
    golden(
        value,
        &ty,
        concat!(
            r#"{"b":true,"d":{"value":["a"],"type":["list","string"]},"l":["x","y\"\n"],"m":{"k":-1.5},"#,
            r#""n":123456789012345678901234567890.000000000000000000001,"o":{"x":null},"s":"é","set":[3,1],"#,
            r#""t":["q",false],"z":null}"#
        ),
    );
}

#[test]
fn numbers_are_exact() {
    let ty = Type::Number;
    golden(n("0.1"), &ty, "0.1");
    golden(n("1e400"), &ty, &format!("1{}", "0".repeat(400)));
    golden(Value::from(u64::MAX), &ty, "18446744073709551615");
    golden(
        Value::Number(Number::from_f64(0.1).unwrap()),
        &ty,
        "0.1000000000000000055511151231257827021181583404541015625",
    );
    assert_eq!(json::decode(b"1.0e2", &ty).unwrap(), Value::from(100));
    assert_eq!(
        json::decode(b"9007199254740993", &ty)
            .unwrap()
            .as_number()
            .unwrap()
            .as_i64(),
        Some(9007199254740993)
    );
    let inf = Value::Number(Number::from_f64(f64::INFINITY).unwrap());
    assert!(
        json::encode(&inf, &ty)
            .unwrap_err()
            .message
            .contains("infinity")
    );
}

#[test]
fn dynamic() {
    let ty = Type::Dynamic;
    golden(
        Value::dynamic(Type::String, "x"),
        &ty,
        r#"{"value":"x","type":"string"}"#,
    );
    golden(
        Value::dynamic(Type::String, Value::Null),
        &ty,
        r#"{"value":null,"type":"string"}"#,
    );
    golden(Value::Null, &ty, "null");
    assert_eq!(
        json::encode(&Value::from(1), &ty).unwrap(),
        br#"{"value":1,"type":"number"}"#
    );
    // Either key order, any whitespace; "dynamic" inside is flattened.
    assert_eq!(
        json::decode(
            br#" { "type" : ["tuple",["bool"]] , "value" : [ true ] } "#,
            &ty
        )
        .unwrap(),
        Value::dynamic(Type::tuple([Type::Bool]), Value::tuple([true]))
    );
    assert_eq!(
        json::decode(br#"{"value":null,"type":"dynamic"}"#, &ty).unwrap(),
        Value::Null
    );
    rejects(r#"{"value":1}"#, &ty, Path::root(), "missing \"type\"");
    rejects(
        r#"{"type":"number"}"#,
        &ty,
        Path::root(),
        "missing \"value\"",
    );
    rejects(
        r#"{"value":1,"type":"number","x":1}"#,
        &ty,
        Path::root(),
        "invalid key \"x\"",
    );
    rejects(
        r#"{"value":1,"type":"wat"}"#,
        &ty,
        Path::root(),
        "invalid primitive type name",
    );
    rejects("1", &ty, Path::root(), "expected a dynamic value");
}

#[test]
fn unknowns_cannot_be_encoded() {
    let ty = Type::object([("a", Type::list(Type::String))]);
    let value = Value::object([("a", Value::list([Value::from("x"), Value::unknown()]))]);
    let error = json::encode(&value, &ty).unwrap_err();
    assert_eq!(error.path, Path::root().attr("a").index(1));
    assert_eq!(error.message, "value is not known");
    let refined = Value::Unknown(Refinements::not_null());
    assert!(json::encode(&refined, &Type::String).is_err());
    assert!(json::encode(&Value::unknown(), &Type::Dynamic).is_err());
}

#[test]
fn objects_fill_missing_attributes_and_reject_extras() {
    let ty = Type::object([
        ("a", Type::String),
        ("b", Type::object([("c", Type::Number)])),
    ]);
    assert_eq!(
        json::decode(br#"{"b":{}}"#, &ty).unwrap(),
        Value::object([
            ("a", Value::Null),
            ("b", Value::object([("c", Value::Null)]))
        ])
    );
    rejects(
        r#"{"a":"x","zz":1}"#,
        &ty,
        Path::root(),
        "unsupported attribute \"zz\"",
    );
    rejects(
        r#"{"b":{"c":1,"d":2}}"#,
        &ty,
        Path::root().attr("b"),
        "unsupported attribute \"d\"",
    );
    rejects(
        r#"{"a":"x","a":"y"}"#,
        &ty,
        Path::root(),
        "duplicate attribute",
    );
    // The lenient decoder drops attributes the schema no longer has.
    assert_eq!(
        json::decode_lenient(
            br#"{"a":"x","zz":{"deep":[1]},"b":{"c":1,"old":true}}"#,
            &ty
        )
        .unwrap(),
        Value::object([("a", Value::from("x")), ("b", Value::object([("c", 1)]))])
    );
    // But types still have to match.
    assert!(json::decode_lenient(br#"{"a":[]}"#, &ty).is_err());
}

#[test]
fn primitive_conversions_follow_cty() {
    assert_eq!(
        json::decode(br#""12.50""#, &Type::Number).unwrap(),
        n("12.5")
    );
    assert_eq!(
        json::decode(br#""true""#, &Type::Bool).unwrap(),
        Value::from(true)
    );
    assert_eq!(
        json::decode(b"1.50", &Type::String).unwrap(),
        Value::from("1.50")
    );
    assert_eq!(
        json::decode(b"false", &Type::String).unwrap(),
        Value::from("false")
    );
    rejects(
        r#""twelve""#,
        &Type::Number,
        Path::root(),
        "expected number",
    );
    rejects(r#""-Inf""#, &Type::Number, Path::root(), "infinity");
    rejects(
        r#""yes""#,
        &Type::Bool,
        Path::root(),
        "expected bool, found a JSON string",
    );
    rejects(
        "[]",
        &Type::String,
        Path::root(),
        "expected string, found a JSON array",
    );
}

#[test]
fn rejects_malformed_input() {
    let ty = Type::list(Type::map(Type::String));
    rejects(r#"[{"k":1}] x"#, &ty, Path::root(), "trailing characters");
    rejects(r#"[{"k":1}"#, &ty, Path::root(), "expected ',' or ']'");
    rejects(
        r#"[{"k":{}}]"#,
        &ty,
        Path::root().index(0).key("k"),
        "expected string, found a JSON object",
    );
    rejects(
        r#"[{"k":"a","k":"b"}]"#,
        &ty,
        Path::root().index(0),
        "duplicate map key",
    );
    let error = json::decode(b"[\"\xff\"]", &ty).unwrap_err();
    assert!(error.message.contains("invalid UTF-8"), "{error}");
    rejects(
        "[1,2]",
        &Type::tuple([Type::Number]),
        Path::root(),
        "tuple of 1 elements, found 2",
    );
    let bomb = "[".repeat(10_000) + &"]".repeat(10_000);
    rejects(&bomb, &Type::Dynamic, Path::root(), "nesting too deep");
    let mut deep_ty = Type::String;
    for _ in 0..256 {
        deep_ty = Type::list(deep_ty);
    }
    let ok = "[".repeat(256) + &"]".repeat(256);
    assert!(json::decode(ok.as_bytes(), &deep_ty).is_ok());
}

#[test]
fn sets_deduplicate() {
    let ty = Type::set(Type::String);
    assert_eq!(
        json::decode(br#"["a","b","a"]"#, &ty).unwrap(),
        Value::set(["a", "b"])
    );
    assert_eq!(
        json::encode(&Value::set(["a", "a"]), &ty).unwrap(),
        br#"["a"]"#
    );
}
