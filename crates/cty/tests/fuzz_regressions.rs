#![allow(clippy::unwrap_used)]
//! Inputs the fuzz targets in `fuzz/` (see `scripts/fuzz`) once failed on, kept fixed here.

use cty::{Number, Type, Value, msgpack};

/// roundtrip crash-1a5a3672: an integral float above `i64::MAX` (here 0x43ef60fefefefefe,
/// about 1.81e19) was written as float64, but decoding that gives a number that was then
/// written as uint64, so msgpack encoding was not canonical. Both now go as uint64.
#[test]
fn integral_floats_above_i64_max_encode_like_their_decoded_value() {
    let float = f64::from_bits(0x43ef_60fe_fefe_fefe);
    let value = Value::Number(Number::from_f64(float).unwrap());
    let bytes = msgpack::encode(&value, &Type::Number).unwrap();
    assert_eq!(bytes[0], 0xcf, "uint64 expected: {bytes:02x?}");
    let decoded = msgpack::decode(&bytes, &Type::Number).unwrap();
    assert_eq!(decoded, value);
    assert_eq!(msgpack::encode(&decoded, &Type::Number).unwrap(), bytes);
    // The float64 form, as another encoder may write it, decodes to the same value.
    let mut as_float = vec![0xcb];
    as_float.extend_from_slice(&float.to_bits().to_be_bytes());
    let from_float = msgpack::decode(&as_float, &Type::Number).unwrap();
    assert_eq!(from_float, value);
    assert_eq!(msgpack::encode(&from_float, &Type::Number).unwrap(), bytes);
}

/// The same check, nested in a list as the fuzzer had it, at both ends of the range above
/// `i64::MAX`: 2^63 and 2^64 - 2^11 (the largest double below 2^64).
#[test]
fn largest_integral_floats_below_2_pow_64_are_canonical() {
    for float in [
        18_446_744_073_709_549_568.0_f64,
        9_223_372_036_854_775_808.0,
    ] {
        let ty = Type::list(Type::Number);
        let value = Value::List(vec![Value::Number(Number::from_f64(float).unwrap())]);
        let bytes = msgpack::encode(&value, &ty).unwrap();
        let decoded = msgpack::decode(&bytes, &ty).unwrap();
        assert_eq!(decoded, value);
        assert_eq!(msgpack::encode(&decoded, &ty).unwrap(), bytes, "{float}");
    }
}
