//! Property-style checks over random types and values (deterministic seed,
//! no extra dependencies): round trips, canonical re-encoding, JSON/msgpack
//! agreement, hashing, and decoder robustness against mutated input.

// Helpers outside #[test] fns unwrap too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use cty::{Number, Refinements, Type, Value, json, msgpack};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const NAMES: [&str; 6] = ["a", "b", "name", "é", "with space", "q\"uote"];

fn gen_type(rng: &mut Rng, depth: usize) -> Type {
    let leaf = depth == 0 || rng.chance(40);
    if leaf {
        return match rng.below(4) {
            0 => Type::Bool,
            1 => Type::Number,
            2 => Type::String,
            _ => Type::Dynamic,
        };
    }
    match rng.below(5) {
        0 => Type::list(gen_type(rng, depth - 1)),
        1 => Type::set(gen_type(rng, depth - 1)),
        2 => Type::map(gen_type(rng, depth - 1)),
        3 => Type::tuple(
            (0..rng.below(3))
                .map(|_| gen_type(rng, depth - 1))
                .collect::<Vec<_>>(),
        ),
        _ => Type::object(
            (0..rng.below(4)).map(|_| (NAMES[rng.below(NAMES.len())], gen_type(rng, depth - 1))),
        ),
    }
}

fn gen_number(rng: &mut Rng) -> Number {
    match rng.below(6) {
        0 => Number::from_i64(rng.next() as i64 >> rng.below(64)),
        1 => Number::from_u64(rng.next()),
        2 => loop {
            if let Some(n) = Number::from_f64(f64::from_bits(rng.next())) {
                break n;
            }
        },
        3 => Number::parse(&format!(
            "{}.{}e{}",
            rng.below(1000),
            rng.next(),
            rng.below(60) as i64 - 30
        ))
        .unwrap(),
        4 => Number::from_f64_shortest(rng.below(10_000) as f64 / 100.0).unwrap(),
        _ => Number::from(rng.below(3) as i64 - 1),
    }
}

fn gen_string(rng: &mut Rng) -> String {
    const PIECES: [&str; 8] = ["a", "Z", " ", "\"", "\\", "\n", "é", "😀"];
    (0..rng.below(6))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

fn gen_refinements(rng: &mut Rng, ty: &Type) -> Refinements {
    let mut r = Refinements::default();
    if *ty == Type::Dynamic || rng.chance(50) {
        return r;
    }
    if rng.chance(50) {
        r.nullness = Some(false);
    }
    match ty {
        Type::String if rng.chance(70) => r.string_prefix = Some(format!("p{}", gen_string(rng))),
        Type::Number => {
            if rng.chance(60) {
                r.number_lower = Some((gen_number(rng), rng.chance(50)));
            }
            if rng.chance(60) {
                r.number_upper = Some((gen_number(rng), rng.chance(50)));
            }
        }
        Type::List(_) | Type::Set(_) | Type::Map(_) => {
            if rng.chance(60) {
                r.length_min = Some(rng.below(5) as u64);
            }
            if rng.chance(60) {
                r.length_max = Some(rng.next() >> rng.below(64));
            }
        }
        _ => {}
    }
    r
}

fn gen_value(rng: &mut Rng, ty: &Type, depth: usize) -> Value {
    if rng.chance(10) {
        return Value::Null;
    }
    if rng.chance(10) {
        return Value::Unknown(gen_refinements(rng, ty));
    }
    match ty {
        Type::Bool => Value::Bool(rng.chance(50)),
        Type::Number => Value::Number(gen_number(rng)),
        Type::String => Value::String(gen_string(rng)),
        Type::List(element) => Value::List(
            (0..rng.below(4))
                .map(|_| gen_value(rng, element, depth))
                .collect(),
        ),
        Type::Set(element) => Value::Set(
            (0..rng.below(4))
                .map(|_| gen_value(rng, element, depth))
                .collect(),
        ),
        Type::Map(element) => Value::map((0..rng.below(4)).map(|_| {
            (
                NAMES[rng.below(NAMES.len())],
                gen_value(rng, element, depth),
            )
        })),
        Type::Tuple(elements) => Value::Tuple(
            elements
                .iter()
                .map(|element| gen_value(rng, element, depth))
                .collect(),
        ),
        Type::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(name, attr)| (name.clone(), gen_value(rng, attr, depth)))
                .collect(),
        ),
        Type::Dynamic => {
            let concrete = gen_type(rng, depth.saturating_sub(1));
            let inner = gen_value(rng, &concrete, depth.saturating_sub(1));
            match (&concrete, rng.chance(50)) {
                // Plain primitives get their type inferred by the encoder.
                (Type::Bool | Type::Number | Type::String, true)
                    if inner.is_known() && !inner.is_null() =>
                {
                    inner
                }
                (Type::Dynamic, _) => inner,
                _ => Value::Dynamic(concrete, Box::new(inner)),
            }
        }
    }
}

fn hash(value: &Value) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
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

#[test]
fn random_values_round_trip() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut json_checked = 0;
    for case in 0..3000 {
        let ty = gen_type(&mut rng, 4);
        let value = gen_value(&mut rng, &ty, 3);
        let context = format!("case {case}: {ty} {value:?}");
        value
            .conforms(&ty)
            .unwrap_or_else(|error| panic!("{context}: {error}"));
        assert_eq!(
            Type::from_json(ty.to_json().as_bytes()).unwrap(),
            ty,
            "{context}"
        );

        let bytes =
            msgpack::encode(&value, &ty).unwrap_or_else(|error| panic!("{context}: {error}"));
        let decoded =
            msgpack::decode(&bytes, &ty).unwrap_or_else(|error| panic!("{context}: {error}"));
        // Plain values in dynamic slots come back tagged with their type, so
        // compare the canonical forms: the bytes.
        let again = msgpack::encode(&decoded, &ty).unwrap();
        assert_eq!(again, bytes, "{context}: re-encoding changed the bytes");
        assert_eq!(msgpack::decode(&again, &ty).unwrap(), decoded, "{context}");
        if !ty.has_dynamic() {
            assert_eq!(decoded, value, "{context}");
            assert_eq!(hash(&decoded), hash(&value), "{context}");
        }

        if decoded.is_wholly_known() && !has_infinity(&decoded) {
            let text =
                json::encode(&decoded, &ty).unwrap_or_else(|error| panic!("{context}: {error}"));
            let from_json =
                json::decode(&text, &ty).unwrap_or_else(|error| panic!("{context}: {error}"));
            assert_eq!(
                from_json,
                decoded,
                "{context}: {}",
                String::from_utf8_lossy(&text)
            );
            assert_eq!(
                msgpack::encode(&from_json, &ty).unwrap(),
                bytes,
                "{context}"
            );
            json_checked += 1;
        } else if !decoded.is_wholly_known() {
            assert!(json::encode(&decoded, &ty).is_err(), "{context}");
        }
    }
    assert!(json_checked > 1000, "only {json_checked} JSON checks");
}

/// A small in-test fuzzer: decoding mutated valid input must never panic,
/// and whatever decodes must re-encode and decode to an equal value.
#[test]
fn mutated_input_never_panics() {
    let mut rng = Rng(0x0bad_5eed_0000_0002);
    for _ in 0..1500 {
        let ty = gen_type(&mut rng, 3);
        let value = gen_value(&mut rng, &ty, 3);
        let mut bytes = msgpack::encode(&value, &ty).unwrap();
        let mut text = json::encode(&value, &ty).unwrap_or_else(|_| b"null".to_vec());
        for buffer in [&mut bytes, &mut text] {
            for _ in 0..=rng.below(3) {
                match rng.below(4) {
                    0 if !buffer.is_empty() => {
                        let i = rng.below(buffer.len());
                        buffer[i] = rng.next() as u8;
                    }
                    1 if !buffer.is_empty() => buffer.truncate(rng.below(buffer.len())),
                    2 => {
                        let i = rng.below(buffer.len() + 1);
                        buffer.insert(i, rng.next() as u8);
                    }
                    _ => {}
                }
            }
        }
        if let Ok(decoded) = msgpack::decode(&bytes, &ty) {
            let again = msgpack::encode(&decoded, &ty).expect("a decoded value re-encodes");
            assert_eq!(msgpack::decode(&again, &ty).unwrap(), decoded);
        }
        if let Ok(decoded) = json::decode(&text, &ty) {
            let again = json::encode(&decoded, &ty).expect("a decoded value re-encodes");
            assert_eq!(json::decode(&again, &ty).unwrap(), decoded);
        }
    }
}
