//! The serde bridge: structs with Option, Maybe, Vec, maps, nested structs,
//! enums, passthrough Values/Numbers; errors with paths.

// Helpers outside #[test] fns unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use cty::{Maybe, Number, Path, Type, Value, from_value, to_value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Disk {
    size: u16,
    label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Firmware {
    Bios,
    Efi,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Vm {
    name: String,
    cpus: Maybe<u32>,
    notes: Option<String>,
    tags: BTreeMap<String, String>,
    disks: Vec<Disk>,
    firmware: Firmware,
    ratio: f64,
    pair: (String, i8),
    exact: Number,
    anything: Value,
}

fn vm_type() -> Type {
    Type::object([
        ("name", Type::String),
        ("cpus", Type::Number),
        ("notes", Type::String),
        ("tags", Type::map(Type::String)),
        (
            "disks",
            Type::list(Type::object([
                ("size", Type::Number),
                ("label", Type::String),
            ])),
        ),
        ("firmware", Type::String),
        ("ratio", Type::Number),
        ("pair", Type::tuple([Type::String, Type::Number])),
        ("exact", Type::Number),
        ("anything", Type::Dynamic),
        ("computed_only", Type::String),
    ])
}

fn vm_value() -> Value {
    Value::object([
        ("name", Value::from("web")),
        ("cpus", Value::unknown()),
        ("notes", Value::Null),
        ("tags", Value::map([("env", "prod")])),
        (
            "disks",
            Value::list([
                Value::object([("size", Value::from(10)), ("label", Value::from("root"))]),
                Value::object([("size", Value::from(20)), ("label", Value::Null)]),
            ]),
        ),
        ("firmware", Value::from("efi")),
        ("ratio", Value::Number(Number::parse("0.25").unwrap())),
        ("pair", Value::tuple([Value::from("a"), Value::from(-3)])),
        (
            "exact",
            Value::Number(Number::parse("0.1000000000000000000001").unwrap()),
        ),
        (
            "anything",
            Value::dynamic(Type::list(Type::Bool), Value::list([true])),
        ),
        ("computed_only", Value::Null),
    ])
}

#[test]
fn reads_a_struct() {
    let vm: Vm = from_value(&vm_value()).unwrap();
    assert_eq!(vm.name, "web");
    assert_eq!(vm.cpus, Maybe::Unknown);
    assert_eq!(vm.notes, None);
    assert_eq!(vm.tags["env"], "prod");
    assert_eq!(
        vm.disks,
        vec![
            Disk {
                size: 10,
                label: Some("root".into())
            },
            Disk {
                size: 20,
                label: None
            },
        ]
    );
    assert_eq!(vm.firmware, Firmware::Efi);
    assert_eq!(vm.ratio, 0.25);
    assert_eq!(vm.pair, ("a".to_owned(), -3));
    assert_eq!(vm.exact.to_string(), "0.1000000000000000000001");
    assert_eq!(
        vm.anything,
        Value::dynamic(Type::list(Type::Bool), Value::list([true]))
    );
}

#[test]
fn writes_a_struct_and_round_trips() {
    let vm: Vm = from_value(&vm_value()).unwrap();
    let value = to_value(&vm, &vm_type()).unwrap();
    // Attributes the struct does not have become null; everything else is as read.
    assert_eq!(value, vm_value());
    let bytes = cty::msgpack::encode(&value, &vm_type()).unwrap();
    let back: Vm = from_value(&cty::msgpack::decode(&bytes, &vm_type()).unwrap()).unwrap();
    assert_eq!(back, vm);
}

#[test]
fn maybe_states() {
    let ty = Type::Number;
    assert_eq!(
        from_value::<Maybe<u8>>(&Value::unknown()).unwrap(),
        Maybe::Unknown
    );
    assert_eq!(from_value::<Maybe<u8>>(&Value::Null).unwrap(), Maybe::Null);
    assert_eq!(
        from_value::<Maybe<u8>>(&Value::from(7)).unwrap(),
        Maybe::Known(7)
    );
    assert_eq!(
        to_value(&Maybe::<u8>::Unknown, &ty).unwrap(),
        Value::unknown()
    );
    assert_eq!(to_value(&Maybe::<u8>::Null, &ty).unwrap(), Value::Null);
    assert_eq!(to_value(&Maybe::Known(7u8), &ty).unwrap(), Value::from(7));
    let known = Maybe::Known(5);
    assert!(known.is_known() && !Maybe::<u8>::Unknown.is_known() && Maybe::<u8>::Null.is_known());
    assert_eq!(known.as_ref().known(), Some(&&5));
    assert_eq!(Maybe::<u8>::default(), Maybe::Null);
    // Other serde formats see an Option; unknown cannot leave the bridge.
    assert_eq!(serde_json::to_string(&Maybe::Known(1)).unwrap(), "1");
    assert_eq!(serde_json::to_string(&Maybe::<u8>::Null).unwrap(), "null");
    assert!(serde_json::to_string(&Maybe::<u8>::Unknown).is_err());
    assert_eq!(
        serde_json::from_str::<Maybe<u8>>("3").unwrap(),
        Maybe::Known(3)
    );
    assert_eq!(
        serde_json::from_str::<Maybe<u8>>("null").unwrap(),
        Maybe::Null
    );
}

#[test]
fn errors_name_the_path() {
    let Value::Object(mut attrs) = vm_value() else {
        unreachable!()
    };
    attrs.insert(
        "disks".into(),
        Value::list([
            Value::object([("size", Value::from(1)), ("label", Value::Null)]),
            Value::object([("size", Value::from(70_000)), ("label", Value::Null)]),
        ]),
    );
    let error = from_value::<Vm>(&Value::Object(attrs.clone())).unwrap_err();
    assert_eq!(error.path, Path::root().attr("disks").index(1).attr("size"));
    assert_eq!(
        error.to_string(),
        "disks[1].size: number 70000 is out of range for u16"
    );
    attrs.insert("disks".into(), vm_value().attr("disks").unwrap().clone());

    attrs.insert("name".into(), Value::unknown());
    let error = from_value::<Vm>(&Value::Object(attrs.clone())).unwrap_err();
    assert_eq!(error.path, Path::root().attr("name"));
    assert!(error.message.contains("value is unknown"), "{error}");

    attrs.insert("name".into(), Value::from(1));
    let error = from_value::<Vm>(&Value::Object(attrs.clone())).unwrap_err();
    assert_eq!(error.to_string(), "name: expected a string, found a number");

    attrs.insert("name".into(), Value::from("x"));
    attrs.insert("firmware".into(), Value::from("uefi"));
    let error = from_value::<Vm>(&Value::Object(attrs.clone())).unwrap_err();
    assert_eq!(error.path, Path::root().attr("firmware"));
    assert!(error.message.contains("unknown variant `uefi`"), "{error}");

    attrs.insert("firmware".into(), Value::from("bios"));
    attrs.remove("tags");
    let error = from_value::<Vm>(&Value::Object(attrs.clone())).unwrap_err();
    assert_eq!(error.path, Path::root());
    assert!(error.message.contains("missing field `tags`"), "{error}");

    let error = from_value::<Vec<i8>>(&Value::list([
        Value::from(1),
        Value::Number(Number::parse("1.5").unwrap()),
    ]))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "[1]: expected an integer (i8), found 1.5"
    );
    // Set elements are not addressable: errors point at the set.
    let error = from_value::<Vec<u8>>(&Value::set([Value::from(1), Value::from(-1)])).unwrap_err();
    assert_eq!(error.path, Path::root());
}

#[test]
fn to_value_is_guided_by_the_type() {
    #[derive(Serialize)]
    struct Ports {
        list: Vec<u16>,
        set: Vec<u16>,
        tuple: Vec<u16>,
        anything: Vec<u16>,
        nested: BTreeMap<String, Option<bool>>,
    }
    let ty = Type::object([
        ("list", Type::list(Type::Number)),
        ("set", Type::set(Type::Number)),
        ("tuple", Type::tuple([Type::Number, Type::Number])),
        ("anything", Type::Dynamic),
        ("nested", Type::Dynamic),
    ]);
    let ports = Ports {
        list: vec![80, 80],
        set: vec![80, 443, 80],
        tuple: vec![1, 2],
        anything: vec![22],
        nested: BTreeMap::from([("x".to_owned(), None), ("y".to_owned(), Some(true))]),
    };
    let value = to_value(&ports, &ty).unwrap();
    assert_eq!(value.attr("list"), Some(&Value::list([80, 80])));
    assert_eq!(
        value.attr("set"),
        Some(&Value::Set(vec![Value::from(80), Value::from(443)]))
    );
    assert_eq!(value.attr("tuple"), Some(&Value::tuple([1, 2])));
    assert_eq!(
        value.attr("anything"),
        Some(&Value::dynamic(
            Type::tuple([Type::Number]),
            Value::tuple([22])
        ))
    );
    assert_eq!(
        value.attr("nested"),
        Some(&Value::dynamic(
            Type::object([("x", Type::Dynamic), ("y", Type::Bool)]),
            Value::object([("x", Value::Null), ("y", Value::from(true))])
        ))
    );
    assert!(cty::msgpack::encode(&value, &ty).is_ok());

    let error = to_value(
        &Ports {
            tuple: vec![1],
            ..ports
        },
        &ty,
    )
    .unwrap_err();
    assert_eq!(error.path, Path::root().attr("tuple"));
    assert!(error.message.contains("expected 2 elements"), "{error}");

    #[derive(Serialize)]
    struct Extra {
        name: String,
        surprise: bool,
    }
    let error = to_value(
        &Extra {
            name: "a".into(),
            surprise: true,
        },
        &Type::object([("name", Type::String)]),
    )
    .unwrap_err();
    assert!(
        error.message.contains("unsupported attribute \"surprise\""),
        "{error}"
    );
    let error = to_value(&"x", &Type::Number).unwrap_err();
    assert_eq!(error.message, "expected number, found a string");
    assert_eq!(
        to_value(&0.1f64, &Type::Number).unwrap(),
        Value::Number(Number::parse("0.1").unwrap())
    );
    assert_eq!(
        to_value(&0.1f32, &Type::Number).unwrap(),
        Value::Number(Number::parse("0.1").unwrap())
    );
    assert!(to_value(&f64::NAN, &Type::Number).is_err());
    assert_eq!(
        to_value(&Firmware::Bios, &Type::String).unwrap(),
        Value::from("bios")
    );
    assert_eq!(to_value(&(), &Type::String).unwrap(), Value::Null);
}

#[test]
fn values_pass_through_and_are_checked() {
    #[derive(Serialize, Deserialize)]
    struct Holder {
        raw: Value,
    }
    let ty = Type::object([("raw", Type::list(Type::String))]);
    let good = Holder {
        raw: Value::list([Value::from("a"), Value::unknown()]),
    };
    assert_eq!(
        to_value(&good, &ty).unwrap(),
        Value::object([("raw", good.raw.clone())])
    );
    let bad = Holder {
        raw: Value::list([Value::from(1)]),
    };
    let error = to_value(&bad, &ty).unwrap_err();
    assert_eq!(error.path, Path::root().attr("raw").index(0));
    // In a dynamic slot a plain value gets its inferred type.
    let dynamic = Type::object([("raw", Type::Dynamic)]);
    let inferred = to_value(
        &Holder {
            raw: Value::from("s"),
        },
        &dynamic,
    )
    .unwrap();
    assert_eq!(
        inferred.attr("raw"),
        Some(&Value::dynamic(Type::String, "s"))
    );
    // Outside the bridge values look like plain data.
    let json = serde_json::to_string(&Holder {
        raw: Value::list([Value::from(1), Value::Null]),
    })
    .unwrap();
    assert_eq!(json, r#"{"raw":[1,null]}"#);
    let parsed: Holder = serde_json::from_str(r#"{"raw":{"a":[1,"x"]}}"#).unwrap();
    assert_eq!(
        parsed.raw,
        Value::object([("a", Value::tuple([Value::from(1), Value::from("x")]))])
    );
    let number: Number = serde_json::from_str("2.5").unwrap();
    assert_eq!(number, Number::parse("2.5").unwrap());
    assert_eq!(
        serde_json::to_string(&Number::parse("0.1").unwrap()).unwrap(),
        "\"0.1\""
    );
    assert_eq!(serde_json::to_string(&Number::from(7)).unwrap(), "7");
}

#[test]
fn numbers_into_every_integer_type() {
    assert_eq!(from_value::<u64>(&Value::from(u64::MAX)).unwrap(), u64::MAX);
    assert_eq!(
        from_value::<i128>(&Value::Number(Number::parse("-1e30").unwrap())).unwrap(),
        -(10i128.pow(30))
    );
    assert_eq!(
        from_value::<u8>(&Value::Number(Number::from_f64(3.0).unwrap())).unwrap(),
        3
    );
    assert!(
        from_value::<u8>(&Value::from(-1))
            .unwrap_err()
            .message
            .contains("out of range for u8")
    );
    assert_eq!(from_value::<f32>(&Value::from(2)).unwrap(), 2.0);
    assert_eq!(from_value::<Option<i32>>(&Value::Null).unwrap(), None);
    assert_eq!(from_value::<()>(&Value::Null).unwrap(), ());
    assert_eq!(from_value::<char>(&Value::from("é")).unwrap(), 'é');
    assert_eq!(
        from_value::<String>(&Value::dynamic(Type::String, "in")).unwrap(),
        "in"
    );
    let json: serde_json::Value = from_value(&Value::object([("a", Value::list([1, 2]))])).unwrap();
    assert_eq!(json, serde_json::json!({"a": [1, 2]}));
}
