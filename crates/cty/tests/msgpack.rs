//! msgpack: golden bytes, round trips and rejections.

// Helpers outside #[test] fns unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use cty::{Number, Path, Refinements, Type, Value, msgpack};

fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.split_whitespace().collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn n(text: &str) -> Value {
    Value::Number(Number::parse(text).unwrap())
}

/// Encodes to exactly `expected`, and decodes back to an equal value.
#[track_caller]
fn golden(value: Value, ty: &Type, expected: &[u8]) {
    let bytes = msgpack::encode(&value, ty).unwrap();
    assert_eq!(bytes, expected, "encoding {value:?}");
    assert_eq!(
        msgpack::decode(&bytes, ty).unwrap(),
        value,
        "decoding {bytes:02x?}"
    );
}

#[track_caller]
fn decodes(bytes: &[u8], ty: &Type, expected: Value) {
    assert_eq!(
        msgpack::decode(bytes, ty).unwrap(),
        expected,
        "decoding {bytes:02x?}"
    );
}

#[track_caller]
fn rejects(bytes: &[u8], ty: &Type, path: Path, needle: &str) {
    let error = msgpack::decode(bytes, ty).unwrap_err();
    assert_eq!(error.path, path, "{error}");
    assert!(
        error.message.contains(needle),
        "{error:?} should mention {needle:?}"
    );
}

#[test]
fn primitives() {
    golden(Value::Null, &Type::String, &hex("c0"));
    golden(Value::unknown(), &Type::String, &hex("d4 00 00"));
    golden(Value::Bool(true), &Type::Bool, &hex("c3"));
    golden(Value::Bool(false), &Type::Bool, &hex("c2"));
    golden(Value::from("hello"), &Type::String, &hex("a5 68656c6c6f"));
    let long = "x".repeat(32);
    golden(
        Value::from(long.as_str()),
        &Type::String,
        &[&hex("d9 20")[..], long.as_bytes()].concat(),
    );
    golden(Value::from(""), &Type::String, &hex("a0"));
}

#[test]
fn numbers_use_the_most_compact_exact_form() {
    let ty = Type::Number;
    golden(Value::from(0), &ty, &hex("00"));
    golden(Value::from(127), &ty, &hex("7f"));
    golden(Value::from(128), &ty, &hex("cc 80"));
    golden(Value::from(256), &ty, &hex("cd 0100"));
    golden(Value::from(65536), &ty, &hex("ce 00010000"));
    golden(Value::from(1i64 << 32), &ty, &hex("cf 0000000100000000"));
    golden(Value::from(-1), &ty, &hex("ff"));
    golden(Value::from(-32), &ty, &hex("e0"));
    golden(Value::from(-33), &ty, &hex("d0 df"));
    golden(Value::from(-129), &ty, &hex("d1 ff7f"));
    golden(Value::from(-32769), &ty, &hex("d2 ffff7fff"));
    golden(Value::from(i64::MIN), &ty, &hex("d3 8000000000000000"));
    golden(Value::from(u64::MAX), &ty, &hex("cf ffffffffffffffff"));
    golden(n("1.5"), &ty, &hex("cb 3ff8000000000000"));
    golden(n("-2.5"), &ty, &hex("cb c004000000000000"));
    golden(n("100000000000000000000"), &ty, &hex("cb 4415af1d78b58c40"));
    golden(n("1.000"), &ty, &hex("01"));
    golden(
        Value::Number(Number::from_f64(0.1).unwrap()),
        &ty,
        &hex("cb 3fb999999999999a"),
    );
    golden(
        Value::Number(Number::from_f64(4.0).unwrap()),
        &ty,
        &hex("04"),
    );
    golden(
        Value::Number(Number::from_f64(f64::INFINITY).unwrap()),
        &ty,
        &hex("cb 7ff0000000000000"),
    );
    // Not exact in a double: decimal text, as go-cty writes it.
    golden(n("0.1"), &ty, &hex("a3 302e31"));
    golden(
        n("12345678901234567890123"),
        &ty,
        &[&hex("b7")[..], b"12345678901234567890123"].concat(),
    );
    golden(
        n("0.1000000000000000000001"),
        &ty,
        &[&hex("b8")[..], b"0.1000000000000000000001"].concat(),
    );
    let big = format!("1{}", "0".repeat(400));
    golden(
        n("1e400"),
        &ty,
        &[&hex("da 0191")[..], big.as_bytes()].concat(),
    );
}

#[test]
fn numbers_decode_from_every_msgpack_number_form() {
    let ty = Type::Number;
    let five = Value::from(5);
    for bytes in [
        "05",
        "cc 05",
        "cd 0005",
        "ce 00000005",
        "cf 0000000000000005",
        "d0 05",
        "d1 0005",
        "d2 00000005",
        "d3 0000000000000005",
        "ca 40a00000",
        "cb 4014000000000000",
        "a1 35",
        "a3 352e30",
        "a4 3565 2b30",
    ] {
        decodes(&hex(bytes), &ty, five.clone());
    }
    decodes(&hex("d0 ff"), &ty, Value::from(-1));
    decodes(&hex("ca 3fc00000"), &ty, n("1.5"));
    decodes(&hex("cf 8000000000000000"), &ty, Value::from(1u64 << 63));
    decodes(
        &hex("a4 2d496e66"),
        &ty,
        Value::Number(Number::from_f64(f64::NEG_INFINITY).unwrap()),
    );
    rejects(&hex("cb 7ff8000000000000"), &ty, Path::root(), "NaN");
    rejects(
        &hex("a3 616263"),
        &ty,
        Path::root(),
        "expected number: invalid number",
    );
}

#[test]
fn collections() {
    golden(
        Value::list(["a", "b"]),
        &Type::list(Type::String),
        &hex("92 a161 a162"),
    );
    golden(Value::List(vec![]), &Type::list(Type::String), &hex("90"));
    golden(
        Value::set([2, 1]),
        &Type::set(Type::Number),
        &hex("92 02 01"),
    );
    golden(
        Value::map([("a", Value::from(1)), ("b", Value::Null)]),
        &Type::map(Type::Number),
        &hex("82 a161 01 a162 c0"),
    );
    golden(
        Value::tuple([Value::from("x"), Value::from(1)]),
        &Type::tuple([Type::String, Type::Number]),
        &hex("92 a178 01"),
    );
    let many: Vec<Value> = (0..16).map(Value::from).collect();
    let mut expected = hex("dc 0010");
    expected.extend(0..16u8);
    golden(Value::List(many), &Type::list(Type::Number), &expected);
}

#[test]
fn sets_drop_duplicates_but_keep_unknowns() {
    let ty = Type::set(Type::Number);
    let with_duplicates = Value::set([Value::from(1), n("1.0"), Value::from(2), Value::from(1)]);
    assert_eq!(
        msgpack::encode(&with_duplicates, &ty).unwrap(),
        hex("92 01 02")
    );
    assert_eq!(with_duplicates, Value::set([1, 2]));
    assert_eq!(Value::set([2, 1]), Value::set([1, 2]));
    decodes(&hex("93 01 02 01"), &ty, Value::set([1, 2]));
    // Two unknowns may become different values, so both stay.
    let unknowns = Value::set([Value::unknown(), Value::unknown()]);
    assert_eq!(
        msgpack::encode(&unknowns, &ty).unwrap(),
        hex("92 d40000 d40000")
    );
    assert_eq!(
        msgpack::decode(&hex("92 d40000 d40000"), &ty).unwrap(),
        unknowns
    );
    assert_ne!(unknowns, Value::set([Value::unknown()]));
}

#[test]
fn nested_object_with_nulls() {
    let ty = Type::object([
        ("a", Type::String),
        (
            "b",
            Type::object([("c", Type::Number), ("d", Type::list(Type::Bool))]),
        ),
        ("e", Type::Bool),
    ]);
    let value = Value::object([
        ("a", Value::Null),
        (
            "b",
            Value::object([("c", Value::from(1)), ("d", Value::Null)]),
        ),
        ("e", Value::unknown()),
    ]);
    golden(
        value,
        &ty,
        &hex("83 a161 c0 a162 82 a163 01 a164 c0 a165 d40000"),
    );
}

#[test]
fn dynamic_values_carry_their_type_as_binary_json() {
    let ty = Type::Dynamic;
    golden(
        Value::dynamic(Type::String, "x"),
        &ty,
        &[&hex("92 c4 08")[..], b"\"string\"", &hex("a1 78")].concat(),
    );
    golden(
        Value::dynamic(Type::list(Type::Number), Value::list([1])),
        &ty,
        &[&hex("92 c4 11")[..], br#"["list","number"]"#, &hex("91 01")].concat(),
    );
    golden(
        Value::dynamic(Type::String, Value::Null),
        &ty,
        &[&hex("92 c4 08")[..], b"\"string\"", &hex("c0")].concat(),
    );
    golden(Value::Null, &ty, &hex("c0"));
    golden(Value::unknown(), &ty, &hex("d4 00 00"));
    // A plain value in a dynamic slot is tagged with its inferred type.
    let encoded = msgpack::encode(&Value::from(true), &ty).unwrap();
    assert_eq!(
        encoded,
        [&hex("92 c4 06")[..], b"\"bool\"", &hex("c3")].concat()
    );
    assert_eq!(
        msgpack::decode(&encoded, &ty).unwrap(),
        Value::dynamic(Type::Bool, true)
    );
    // The type may also arrive as a str, and refinements on dynamic unknowns are dropped.
    decodes(
        &[&hex("92 a6")[..], b"\"bool\"", &hex("c2")].concat(),
        &ty,
        Value::dynamic(Type::Bool, false),
    );
    decodes(&hex("c7 03 0c 81 01 c2"), &ty, Value::unknown());
    // A wrapper declaring "dynamic" is just its content.
    decodes(
        &[&hex("92 c4 09")[..], b"\"dynamic\"", &hex("c0")].concat(),
        &ty,
        Value::Null,
    );
    // Dynamic inside an object attribute.
    let obj = Type::object([("v", Type::Dynamic)]);
    golden(
        Value::object([("v", Value::dynamic(Type::Number, 7))]),
        &obj,
        &[&hex("81 a176 92 c4 08")[..], b"\"number\"", &hex("07")].concat(),
    );
    let mixed = Value::list([Value::from("a"), Value::from(1)]);
    assert!(
        msgpack::encode(&mixed, &ty)
            .unwrap_err()
            .message
            .contains("cannot infer")
    );
}

#[test]
fn refined_unknowns_use_ext_12() {
    let not_null_prefix = Value::Unknown(Refinements {
        nullness: Some(false),
        string_prefix: Some("ab".into()),
        ..Refinements::default()
    });
    // map{1: false, 2: "ab"} is 7 bytes, so ext8.
    golden(
        not_null_prefix,
        &Type::String,
        &hex("c7 07 0c 82 01 c2 02 a26162"),
    );
    let bounded = Value::Unknown(Refinements {
        nullness: Some(false),
        number_lower: Some((Number::from(0), true)),
        number_upper: Some((Number::parse("10.5").unwrap(), false)),
        ..Refinements::default()
    });
    golden(
        bounded,
        &Type::Number,
        &hex("c7 13 0c 83 01 c2 03 92 00 c3 04 92 cb 4025000000000000 c2"),
    );
    let lengths = Value::Unknown(Refinements {
        length_min: Some(1),
        length_max: Some(5),
        ..Refinements::default()
    });
    golden(
        lengths,
        &Type::list(Type::String),
        &hex("c7 05 0c 82 05 01 06 05"),
    );
    // A 4-byte payload uses fixext4.
    let min128 = Value::Unknown(Refinements {
        length_min: Some(128),
        ..Refinements::default()
    });
    golden(min128, &Type::set(Type::Bool), &hex("d6 0c 81 05 cc 80"));
    // No refinements: never ext 12 with an empty map.
    let empty_prefix = Value::Unknown(Refinements {
        string_prefix: Some(String::new()),
        ..Refinements::default()
    });
    assert_eq!(
        msgpack::encode(&empty_prefix, &Type::String).unwrap(),
        hex("d4 00 00")
    );
    // Long prefixes are cut to 256 bytes on a character boundary, as cty does.
    let long = Value::Unknown(Refinements {
        string_prefix: Some("é".repeat(200)),
        ..Refinements::default()
    });
    let decoded = msgpack::decode(
        &msgpack::encode(&long, &Type::String).unwrap(),
        &Type::String,
    )
    .unwrap();
    let Value::Unknown(Refinements {
        string_prefix: Some(prefix),
        ..
    }) = decoded
    else {
        panic!("{decoded:?}")
    };
    assert_eq!(prefix, "é".repeat(128));
    // Refinements must fit the type.
    let wrong = Value::Unknown(Refinements {
        string_prefix: Some("a".into()),
        ..Refinements::default()
    });
    assert!(
        msgpack::encode(&wrong, &Type::Number)
            .unwrap_err()
            .message
            .contains("does not apply")
    );
}

#[test]
fn any_extension_is_unknown() {
    let ty = Type::String;
    for bytes in [
        "d4 05 00",
        "c7 00 00",
        "d5 00 0000",
        "d8 03 00000000000000000000000000000000",
        "c7 02 07 8101",
    ] {
        decodes(&hex(bytes), &ty, Value::unknown());
    }
    // Unknown refinement keys are skipped (even nested data), trailing payload bytes ignored.
    decodes(
        &hex("c7 0b 0c 82 09 92 c0 81 a161 01 01 c2 ff"),
        &ty,
        Value::Unknown(Refinements::not_null()),
    );
    rejects(
        &hex("c7 03 0c 81 02 01"),
        &ty,
        Path::root(),
        "must be a string",
    );
    rejects(
        &hex("c7 04 0c 81 02 a161"),
        &Type::Number,
        Path::root(),
        "does not apply",
    );
    rejects(
        &hex("c7 03 0c 81 a1 61"),
        &ty,
        Path::root(),
        "must be integers",
    );
}

#[test]
fn objects_need_exactly_their_attributes() {
    let ty = Type::object([
        ("a", Type::String),
        ("b", Type::object([("c", Type::Number), ("d", Type::Bool)])),
    ]);
    rejects(
        &hex("81 a161 c0"),
        &ty,
        Path::root(),
        "missing attributes \"b\"",
    );
    rejects(
        &hex("80"),
        &ty,
        Path::root(),
        "missing attributes \"a\", \"b\"",
    );
    rejects(
        &hex("83 a161 c0 a162 c0 a178 c0"),
        &ty,
        Path::root(),
        "unsupported attribute \"x\"",
    );
    rejects(
        &hex("82 a161 c0 a162 81 a163 01"),
        &ty,
        Path::root().attr("b"),
        "missing attributes \"d\"",
    );
    rejects(
        &hex("82 a161 c0 a161 c0"),
        &ty,
        Path::root(),
        "duplicate attribute",
    );
    rejects(
        &hex("82 a161 c0 a162 82 a163 a178 a164 c3"),
        &ty,
        Path::root().attr("b").attr("c"),
        "expected number",
    );
    // The encoder is just as strict.
    let missing = Value::object([("a", Value::Null)]);
    assert_eq!(
        msgpack::encode(&missing, &ty).unwrap_err().message,
        "missing attribute \"b\" (use Value::Null for null)"
    );
    let extra = Value::object([("a", Value::Null), ("b", Value::Null), ("z", Value::Null)]);
    assert!(
        msgpack::encode(&extra, &ty)
            .unwrap_err()
            .message
            .contains("unsupported attribute \"z\"")
    );
}

#[test]
fn errors_carry_paths() {
    let ty = Type::object([("disks", Type::list(Type::map(Type::Number)))]);
    rejects(
        &hex("81 a5 6469736b73 92 80 81 a16b a178"),
        &ty,
        Path::root().attr("disks").index(1).key("k"),
        "expected number",
    );
    let value = Value::object([(
        "disks",
        Value::list([Value::map([("k", Value::from(true))])]),
    )]);
    let error = msgpack::encode(&value, &ty).unwrap_err();
    assert_eq!(
        error.to_string(),
        "disks[0][\"k\"]: expected number, found a bool"
    );
}

#[test]
fn rejects_malformed_input() {
    let s = Type::String;
    rejects(&hex("a5 6865"), &s, Path::root(), "unexpected end");
    rejects(&hex(""), &s, Path::root(), "unexpected end");
    rejects(&hex("c0 c0"), &s, Path::root(), "trailing bytes");
    rejects(&hex("a2 fffe"), &s, Path::root(), "invalid UTF-8");
    rejects(
        &hex("01"),
        &s,
        Path::root(),
        "expected string, found a msgpack integer",
    );
    rejects(&hex("c1"), &s, Path::root(), "0xc1");
    rejects(
        &hex("81 01 01"),
        &Type::map(Type::Number),
        Path::root(),
        "map keys must be strings",
    );
    rejects(
        &hex("92 a161 01"),
        &Type::tuple([Type::String]),
        Path::root(),
        "tuple of 1 elements",
    );
    // A length far beyond the input must fail, not allocate.
    rejects(
        &hex("dd ffffffff"),
        &Type::list(Type::Number),
        Path::root().index(0),
        "unexpected end",
    );
    rejects(
        &hex("82 a161 01 a161 02"),
        &Type::map(Type::Number),
        Path::root(),
        "duplicate map key",
    );
    rejects(
        &hex("93 c4 01 00 c0 c0"),
        &Type::Dynamic,
        Path::root(),
        "2-element array",
    );
    rejects(
        &hex("92 01 c0"),
        &Type::Dynamic,
        Path::root(),
        "binary type JSON",
    );
    rejects(
        &[&hex("92 c4 05")[..], b"\"foo\"", &hex("c0")].concat(),
        &Type::Dynamic,
        Path::root(),
        "invalid primitive type name",
    );
}

#[test]
fn nesting_depth_is_capped() {
    let mut ty = Type::Number;
    for _ in 0..300 {
        ty = Type::list(ty);
    }
    let mut bomb = vec![0x91; 300];
    bomb.push(0x01);
    let error = msgpack::decode(&bomb, &ty).unwrap_err();
    assert!(error.message.contains("nesting deeper than 256"), "{error}");
    // Nested dynamic wrappers count too, and the type itself is capped.
    let mut dynamic_bomb = Vec::new();
    for _ in 0..300 {
        dynamic_bomb.extend(hex("92 c4 09"));
        dynamic_bomb.extend(b"\"dynamic\"");
    }
    dynamic_bomb.push(0xc0);
    assert!(
        msgpack::decode(&dynamic_bomb, &Type::Dynamic)
            .unwrap_err()
            .message
            .contains("nesting")
    );
    let deep_type = "[\"list\",".repeat(300) + "\"number\"" + &"]".repeat(300);
    let mut type_bomb = hex("92 c5");
    type_bomb.extend(u16::try_from(deep_type.len()).unwrap().to_be_bytes());
    type_bomb.extend(deep_type.as_bytes());
    type_bomb.push(0xc0);
    assert!(
        msgpack::decode(&type_bomb, &Type::Dynamic)
            .unwrap_err()
            .message
            .contains("nesting too deep")
    );
    // Within the limit is fine.
    let mut ok_ty = Type::Number;
    for _ in 0..200 {
        ok_ty = Type::list(ok_ty);
    }
    let mut ok = vec![0x91; 200];
    ok.push(0x01);
    assert!(msgpack::decode(&ok, &ok_ty).is_ok());
}

#[test]
fn conformance_matches_the_encoder() {
    let ty = Type::object([("a", Type::list(Type::String)), ("b", Type::Dynamic)]);
    let good = Value::object([("a", Value::list(["x"])), ("b", Value::from(1))]);
    assert!(good.conforms(&ty).is_ok());
    let bad = Value::object([("a", Value::list([Value::from(1)])), ("b", Value::Null)]);
    let error = bad.conforms(&ty).unwrap_err();
    assert_eq!(error.path, Path::root().attr("a").index(0));
    assert_eq!(msgpack::encode(&bad, &ty).unwrap_err().path, error.path);
    let wrapped = Value::dynamic(Type::String, "x");
    assert!(wrapped.conforms(&Type::String).is_ok());
    assert!(wrapped.conforms(&Type::Number).is_err());
    assert_eq!(
        msgpack::encode(&wrapped, &Type::String).unwrap(),
        hex("a1 78")
    );
}

#[test]
fn value_helpers() {
    let value = Value::object([
        ("name", Value::from("vm")),
        ("disks", Value::list([Value::map([("size", 10)])])),
        ("any", Value::dynamic(Type::Bool, Value::unknown())),
    ]);
    assert_eq!(
        value.get(&Path::root().attr("disks").index(0).key("size")),
        Some(&Value::from(10))
    );
    assert_eq!(value.attr("name").and_then(Value::as_str), Some("vm"));
    assert!(!value.is_wholly_known());
    assert!(value.is_known());
    assert!(!value.attr("any").unwrap().is_known());
    assert!(Value::dynamic(Type::String, Value::Null).is_null());
    assert_eq!(Value::from(Some("x")), Value::from("x"));
    assert_eq!(Value::from(None::<String>), Value::Null);
    assert_eq!(
        Value::object([("a", Value::list([Value::Null, Value::from("s")]))]).infer_type(),
        Some(Type::object([("a", Type::list(Type::String))]))
    );
    let mut entries = BTreeMap::new();
    entries.insert("k".to_owned(), Value::from(1));
    assert_eq!(Value::Map(entries.clone()), Value::map([("k", 1)]));
    assert_ne!(Value::Map(entries.clone()), Value::Object(entries));
    assert_eq!(
        Path::root()
            .attr("a")
            .index(0)
            .key("k\"")
            .attr("b")
            .to_string(),
        "a[0][\"k\\\"\"].b"
    );
    assert_eq!(Path::root().index(2).attr("x").to_string(), "[2].x");
}

#[test]
fn dynamic_set_elements_deduplicate_by_their_encoding() {
    // Fuzz regression (roundtrip target): a plain value and the same value
    // wrapped in Value::Dynamic encode identically in a dynamic slot, so a
    // set must keep only one of them or decoding changes the element count.
    let ty = Type::set(Type::Dynamic);
    let value = Value::set([
        Value::from(true),
        Value::dynamic(Type::Bool, true),
        Value::Null,
    ]);
    let bytes = msgpack::encode(&value, &ty).unwrap();
    assert_eq!(
        bytes,
        [&hex("92 92 c4 06")[..], b"\"bool\"", &hex("c3 c0")].concat()
    );
    let decoded = msgpack::decode(&bytes, &ty).unwrap();
    assert_eq!(msgpack::encode(&decoded, &ty).unwrap(), bytes);
    let text = cty::json::encode(&value, &ty).unwrap();
    assert_eq!(text, br#"[{"value":true,"type":"bool"},null]"#);
    assert_eq!(cty::json::decode(&text, &ty).unwrap(), decoded);
    // Fuzz regression: a wrapper where the slot's type is already known is
    // transparent, so it is a duplicate of the plain value too.
    let wrapped_null = Value::set([Value::dynamic(Type::Bool, Value::Null), Value::Null]);
    let bytes = msgpack::encode(&wrapped_null, &Type::Dynamic).unwrap();
    assert_eq!(
        bytes,
        [&hex("92 c4 0e")[..], br#"["set","bool"]"#, &hex("91 c0")].concat()
    );
    assert_eq!(
        msgpack::encode(
            &msgpack::decode(&bytes, &Type::Dynamic).unwrap(),
            &Type::Dynamic
        )
        .unwrap(),
        bytes
    );
}
