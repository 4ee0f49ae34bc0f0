//! Structure-aware: builds a type and a conforming value from the input,
//! then checks that msgpack and JSON encoding round-trip and that encoding
//! a decoded value reproduces the same bytes.
#![no_main]

use cty::{Number, Refinements, Type, Value, json, msgpack};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fn gen_type(u: &mut Unstructured<'_>, depth: usize) -> Result<Type> {
    let choice = if depth == 0 {
        u.int_in_range(0..=3)?
    } else {
        u.int_in_range(0..=8)?
    };
    Ok(match choice {
        0 => Type::Bool,
        1 => Type::Number,
        2 => Type::String,
        3 => Type::Dynamic,
        4 => Type::list(gen_type(u, depth - 1)?),
        5 => Type::set(gen_type(u, depth - 1)?),
        6 => Type::map(gen_type(u, depth - 1)?),
        7 => Type::Tuple(
            (0..u.int_in_range(0..=3)?)
                .map(|_| gen_type(u, depth - 1))
                .collect::<Result<_>>()?,
        ),
        _ => {
            let mut attrs = Vec::new();
            for _ in 0..u.int_in_range(0..=4)? {
                attrs.push((u.arbitrary::<String>()?, gen_type(u, depth - 1)?));
            }
            Type::object(attrs)
        }
    })
}

fn gen_number(u: &mut Unstructured<'_>) -> Result<Number> {
    Ok(match u.int_in_range(0..=3)? {
        0 => Number::from_i64(u.arbitrary()?),
        1 => Number::from_u64(u.arbitrary()?),
        2 => Number::from_f64(u.arbitrary()?).unwrap_or(Number::ZERO),
        _ => {
            let digits: u128 = u.arbitrary()?;
            let exponent = u.int_in_range(-400..=400)?;
            let sign = if u.arbitrary()? { "-" } else { "" };
            Number::parse(&format!("{sign}{digits}e{exponent}")).expect("valid number text")
        }
    })
}

fn gen_refinements(u: &mut Unstructured<'_>, ty: &Type) -> Result<Refinements> {
    let mut r = Refinements::default();
    if *ty == Type::Dynamic || !u.arbitrary::<bool>()? {
        return Ok(r);
    }
    r.nullness = u.arbitrary()?;
    match ty {
        Type::String => r.string_prefix = u.arbitrary()?,
        Type::Number => {
            if u.arbitrary()? {
                r.number_lower = Some((gen_number(u)?, u.arbitrary()?));
            }
            if u.arbitrary()? {
                r.number_upper = Some((gen_number(u)?, u.arbitrary()?));
            }
        }
        Type::List(_) | Type::Set(_) | Type::Map(_) => {
            r.length_min = u.arbitrary()?;
            r.length_max = u.arbitrary()?;
        }
        _ => {}
    }
    Ok(r)
}

fn gen_value(u: &mut Unstructured<'_>, ty: &Type, depth: usize) -> Result<Value> {
    match u.int_in_range(0..=9)? {
        0 => return Ok(Value::Null),
        1 => return Ok(Value::Unknown(gen_refinements(u, ty)?)),
        _ => {}
    }
    Ok(match ty {
        Type::Bool => Value::Bool(u.arbitrary()?),
        Type::Number => Value::Number(gen_number(u)?),
        Type::String => Value::String(u.arbitrary()?),
        Type::List(element) => Value::List(
            (0..u.int_in_range(0..=4)?)
                .map(|_| gen_value(u, element, depth))
                .collect::<Result<_>>()?,
        ),
        Type::Set(element) => Value::Set(
            (0..u.int_in_range(0..=4)?)
                .map(|_| gen_value(u, element, depth))
                .collect::<Result<_>>()?,
        ),
        Type::Map(element) => {
            let mut entries = std::collections::BTreeMap::new();
            for _ in 0..u.int_in_range(0..=4)? {
                entries.insert(u.arbitrary::<String>()?, gen_value(u, element, depth)?);
            }
            Value::Map(entries)
        }
        Type::Tuple(elements) => Value::Tuple(
            elements
                .iter()
                .map(|element| gen_value(u, element, depth))
                .collect::<Result<_>>()?,
        ),
        Type::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(name, attr)| Ok((name.clone(), gen_value(u, attr, depth)?)))
                .collect::<Result<_>>()?,
        ),
        Type::Dynamic => {
            let inner_depth = depth.saturating_sub(1);
            let concrete = gen_type(u, inner_depth)?;
            let inner = gen_value(u, &concrete, inner_depth)?;
            if concrete == Type::Dynamic
                || (u.arbitrary()? && inner.infer_type().is_some() && inner.is_known())
            {
                // Plain values get their type inferred by the encoder.
                let fits = inner
                    .infer_type()
                    .is_some_and(|t| inner.conforms(&t).is_ok());
                if fits { inner } else { Value::Null }
            } else {
                Value::Dynamic(concrete, Box::new(inner))
            }
        }
    })
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

fn has_long_prefix(value: &Value) -> bool {
    match value {
        Value::Unknown(r) => r.string_prefix.as_ref().is_some_and(|p| p.len() > 256),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().any(has_long_prefix)
        }
        Value::Map(entries) | Value::Object(entries) => entries.values().any(has_long_prefix),
        Value::Dynamic(_, inner) => has_long_prefix(inner),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(ty) = gen_type(&mut u, 4) else { return };
    let Ok(value) = gen_value(&mut u, &ty, 3) else {
        return;
    };
    value.conforms(&ty).expect("generated values conform");
    assert_eq!(
        Type::from_json(ty.to_json().as_bytes()).expect("type JSON parses"),
        ty
    );

    let bytes = msgpack::encode(&value, &ty).expect("conforming values encode");
    let decoded = msgpack::decode(&bytes, &ty).expect("encoded values decode");
    assert_eq!(
        msgpack::encode(&decoded, &ty).expect("re-encodes"),
        bytes,
        "msgpack encoding is canonical"
    );
    if !ty.has_dynamic() {
        // Dynamic slots gain explicit type tags; elsewhere the value is
        // unchanged, except that cty's rules cut prefixes to 256 bytes.
        if !has_long_prefix(&value) {
            assert_eq!(decoded, value);
        }
    }
    if decoded.is_wholly_known() && !has_infinity(&decoded) {
        let text = json::encode(&decoded, &ty).expect("known values encode as JSON");
        let from_json = json::decode(&text, &ty).expect("our JSON decodes");
        assert_eq!(from_json, decoded);
        assert_eq!(msgpack::encode(&from_json, &ty).expect("re-encodes"), bytes);
    } else if !decoded.is_wholly_known() {
        assert!(
            json::encode(&decoded, &ty).is_err(),
            "unknowns cannot be JSON"
        );
    }
});
