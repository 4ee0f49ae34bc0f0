//! Type JSON: every form, whitespace, cty's optional-attribute element, errors.

// Helpers outside #[test] fns unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use cty::Type;

#[track_caller]
fn round_trip(ty: Type, json: &str) {
    assert_eq!(ty.to_json(), json);
    assert_eq!(Type::from_json(json.as_bytes()).unwrap(), ty);
}

#[test]
fn every_form() {
    round_trip(Type::String, r#""string""#);
    round_trip(Type::Number, r#""number""#);
    round_trip(Type::Bool, r#""bool""#);
    round_trip(Type::Dynamic, r#""dynamic""#);
    round_trip(Type::list(Type::String), r#"["list","string"]"#);
    round_trip(Type::set(Type::Number), r#"["set","number"]"#);
    round_trip(Type::map(Type::Bool), r#"["map","bool"]"#);
    round_trip(
        Type::tuple([Type::String, Type::list(Type::Dynamic)]),
        r#"["tuple",["string",["list","dynamic"]]]"#,
    );
    round_trip(Type::tuple([]), r#"["tuple",[]]"#);
    round_trip(
        Type::object([("b", Type::Bool), ("a", Type::String)]),
        r#"["object",{"a":"string","b":"bool"}]"#,
    );
    round_trip(
        Type::object(Vec::<(String, Type)>::new()),
        r#"["object",{}]"#,
    );
    round_trip(
        Type::object([("we\"ird", Type::Number)]),
        r#"["object",{"we\"ird":"number"}]"#,
    );
    round_trip(
        Type::list(Type::object([(
            "disk",
            Type::set(Type::map(Type::tuple([Type::Number]))),
        )])),
        r#"["list",["object",{"disk":["set",["map",["tuple",["number"]]]]}]]"#,
    );
}

#[test]
fn parsing_is_whitespace_tolerant_and_drops_optional_attributes() {
    let text = b" [ \"object\" ,\n\t{ \"a\" : \"string\" , \"b\" : [ \"list\" , \"number\" ] } , [ \"b\" ] ] ";
    assert_eq!(
        Type::from_json(text).unwrap(),
        Type::object([("a", Type::String), ("b", Type::list(Type::Number))])
    );
    assert_eq!(
        Type::from_json(br#"["object",{"a":"string"},[]]"#).unwrap(),
        Type::object([("a", Type::String)])
    );
}

#[test]
fn invalid_descriptions_are_rejected() {
    for bad in [
        r#""int""#,
        r#""String""#,
        r#"["list"]"#,
        r#"["list","string","x"]"#,
        r#"["array","string"]"#,
        r#"["tuple","string"]"#,
        r#"["object",["a"]]"#,
        r#"["object",{"a":"string"},"b"]"#,
        r#"["object",{"a":"string"},[1]]"#,
        r#"["object",{"a":"string","a":"bool"}]"#,
        r#"[1,"string"]"#,
        r#"{"list":"string"}"#,
        "",
        "null",
        "42",
        r#""string" x"#,
        r#"["list","string"]]"#,
    ] {
        assert!(
            Type::from_json(bad.as_bytes()).is_err(),
            "{bad:?} should be rejected"
        );
    }
    let error = Type::from_json(br#"["list","strin"]"#).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("invalid primitive type name \"strin\""),
        "{error}"
    );
}

#[test]
fn display_uses_terraform_syntax() {
    let ty = Type::object([
        ("a", Type::list(Type::String)),
        ("b", Type::tuple([Type::Number, Type::Dynamic])),
    ]);
    assert_eq!(
        ty.to_string(),
        "object({a = list(string), b = tuple([number, dynamic])})"
    );
    assert!(ty.has_dynamic());
    assert!(!Type::map(Type::String).has_dynamic());
}
