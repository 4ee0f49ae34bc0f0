//! Exact numbers, as cty's arbitrary-precision `number` type needs them.
//!
//! Terraform parses configuration numbers as 512-bit decimals and compares
//! planned and applied values exactly, so a provider must hand numbers back
//! bit-for-bit: integers stay integers, floats stay the binary float they
//! were, and anything else keeps its decimal text.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::ParseNumberError;

/// Decimal exponents beyond this are rejected when parsing: printing such a
/// number in plain notation (as cty does) would allocate without bound.
pub(crate) const MAX_DECIMAL_EXPONENT: i64 = 10_000;

/// An exact number: an integer, a binary float, or an arbitrary decimal.
///
/// Equality and ordering are numeric and exact (`1 == 1.0 == "1.000"`,
/// but `from_f64(0.1) != parse("0.1")` because the binary float 0.1 is not
/// one tenth — the same rule Terraform applies). NaN is not a number here;
/// ±infinity is.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    Int(i64),
    /// Only values above `i64::MAX`, so each integer has one spelling.
    UInt(u64),
    /// Never NaN and never -0.0.
    Float(f64),
    /// Finite, and never an integer that fits `Int`/`UInt`. Boxed: rare,
    /// and it keeps `Number` (and so `Value`) small.
    Decimal(Box<Dec>),
}

impl Number {
    /// The number zero.
    pub const ZERO: Number = Number(Repr::Int(0));

    /// An integer.
    pub fn from_i64(value: i64) -> Self {
        Number(Repr::Int(value))
    }

    /// An unsigned integer.
    pub fn from_u64(value: u64) -> Self {
        match i64::try_from(value) {
            Ok(small) => Number(Repr::Int(small)),
            Err(_) => Number(Repr::UInt(value)),
        }
    }

    /// The exact value of a binary float (`None` for NaN).
    ///
    /// `from_f64(0.1)` is 0.1000000000000000055511151231257827021181583404541015625,
    /// like cty's `NumberFloatVal`; use [`Number::from_f64_shortest`] for
    /// floats that stand for a short decimal (e.g. parsed from an API's JSON).
    pub fn from_f64(value: f64) -> Option<Self> {
        if value.is_nan() {
            return None;
        }
        // -0.0 == 0.0 numerically; keeping one spelling keeps hashing simple.
        Some(Number(Repr::Float(if value == 0.0 { 0.0 } else { value })))
    }

    /// The shortest decimal that reads back as `value` (`0.1` for 0.1f64);
    /// `None` for NaN.
    ///
    /// Terraform stores such numbers as the decimal text, so values from
    /// JSON APIs stay stable across plan/apply/refresh when built this way.
    pub fn from_f64_shortest(value: f64) -> Option<Self> {
        if value.is_nan() {
            return None;
        }
        if value.is_infinite() {
            return Number::from_f64(value);
        }
        // `{:e}` prints the shortest round-tripping digits.
        Some(
            Number::parse(&format!("{value:e}"))
                .expect("Rust float formatting is valid number text"),
        )
    }

    /// Parses decimal text: optional sign, digits with an optional fraction
    /// and exponent (`-12.5e3`), or `Inf`/`inf` with an optional sign.
    pub fn parse(text: &str) -> Result<Self, ParseNumberError> {
        let error = |reason| ParseNumberError {
            text: text.chars().take(64).collect(),
            reason,
        };
        let (neg, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "Inf" || rest == "inf" {
            return Ok(Number(Repr::Float(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })));
        }
        let bytes = rest.as_bytes();
        let mut pos = 0;
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_part = &bytes[int_start..pos];
        let mut frac_part: &[u8] = &[];
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_part = &bytes[frac_start..pos];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(error(if text.is_empty() {
                "empty text"
            } else {
                "expected digits"
            }));
        }
        let mut exponent: i64 = 0;
        if pos < bytes.len() && (bytes[pos] == b'e' || bytes[pos] == b'E') {
            pos += 1;
            let exp_neg = match bytes.get(pos) {
                Some(b'-') => {
                    pos += 1;
                    true
                }
                Some(b'+') => {
                    pos += 1;
                    false
                }
                _ => false,
            };
            let exp_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                // Saturate: anything this large is rejected below anyway.
                exponent = (exponent * 10 + i64::from(bytes[pos] - b'0')).min(1 << 40);
                pos += 1;
            }
            if pos == exp_start {
                return Err(error("expected exponent digits"));
            }
            if exp_neg {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return Err(error("unexpected character"));
        }

        let mut digits: Vec<u8> = Vec::with_capacity(int_part.len() + frac_part.len());
        digits.extend_from_slice(int_part);
        digits.extend_from_slice(frac_part);
        let leading_zeros = digits.iter().take_while(|&&d| d == b'0').count();
        if leading_zeros == digits.len() {
            return Ok(Number::ZERO);
        }
        let len_i64 = |n: usize| i64::try_from(n).expect("text length fits i64");
        let adj = len_i64(int_part.len()) - 1 + exponent - len_i64(leading_zeros);
        if !(-MAX_DECIMAL_EXPONENT..=MAX_DECIMAL_EXPONENT).contains(&adj) {
            return Err(error("exponent out of range"));
        }
        digits.drain(..leading_zeros);
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Ok(Number::from_dec(Dec { neg, digits, adj }))
    }

    fn from_dec(dec: Dec) -> Self {
        match dec.to_integer() {
            Some(int) => {
                if let Ok(small) = i64::try_from(int) {
                    Number(Repr::Int(small))
                } else if let Ok(unsigned) = u64::try_from(int) {
                    Number(Repr::UInt(unsigned))
                } else {
                    Number(Repr::Decimal(Box::new(dec)))
                }
            }
            None => Number(Repr::Decimal(Box::new(dec))),
        }
    }

    /// The value as `i64` if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(i) => Some(*i),
            Repr::UInt(_) => None,
            Repr::Float(f) => float_to_i128(*f).and_then(|i| i64::try_from(i).ok()),
            Repr::Decimal(d) => d.to_integer().and_then(|i| i64::try_from(i).ok()),
        }
    }

    /// The value as `u64` if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match &self.0 {
            Repr::Int(i) => u64::try_from(*i).ok(),
            Repr::UInt(u) => Some(*u),
            Repr::Float(f) => float_to_i128(*f).and_then(|i| u64::try_from(i).ok()),
            Repr::Decimal(d) => d.to_integer().and_then(|i| u64::try_from(i).ok()),
        }
    }

    /// The value as `i128` if it is an integer in range (up to 38 digits).
    pub fn as_i128(&self) -> Option<i128> {
        match &self.0 {
            Repr::Int(i) => Some(i128::from(*i)),
            Repr::UInt(u) => Some(i128::from(*u)),
            Repr::Float(f) => {
                const LIMIT: f64 = 1.0e38;
                (f.is_finite() && f.fract() == 0.0 && f.abs() < LIMIT).then_some(*f as i128)
            }
            Repr::Decimal(d) => d.to_integer(),
        }
    }

    /// The nearest `f64` (±infinity beyond its range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::UInt(u) => *u as f64,
            Repr::Float(f) => *f,
            Repr::Decimal(d) => d.to_f64(),
        }
    }

    /// The value as `f64` only if that is exact.
    pub fn as_f64_exact(&self) -> Option<f64> {
        match &self.0 {
            Repr::Int(i) => {
                let f = *i as f64;
                (float_to_i128(f) == Some(i128::from(*i))).then_some(f)
            }
            Repr::UInt(u) => {
                let f = *u as f64;
                (float_to_i128(f) == Some(i128::from(*u))).then_some(f)
            }
            Repr::Float(f) => Some(*f),
            Repr::Decimal(d) => {
                // A double has at most 767 significant decimal digits.
                if d.digits.len() > 800 {
                    return None;
                }
                let f = d.to_f64();
                (f.is_finite() && Dec::from_f64(f) == **d).then_some(f)
            }
        }
    }

    /// Whether this is a whole number (infinities are not).
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) | Repr::UInt(_) => true,
            Repr::Float(f) => f.is_finite() && f.fract() == 0.0,
            Repr::Decimal(d) => d.is_integer(),
        }
    }

    /// Whether this is ±infinity.
    pub fn is_infinite(&self) -> bool {
        matches!(self.0, Repr::Float(f) if f.is_infinite())
    }

    /// -1, 0 or 1 for infinities and everything else: ordering classes.
    fn infinity_class(&self) -> i8 {
        match self.0 {
            Repr::Float(f) if f == f64::INFINITY => 1,
            Repr::Float(f) if f == f64::NEG_INFINITY => -1,
            _ => 0,
        }
    }

    /// The exact decimal value (`None` for infinities).
    pub(crate) fn to_dec(&self) -> Option<Dec> {
        match &self.0 {
            Repr::Int(i) => Some(Dec::from_integer(i128::from(*i))),
            Repr::UInt(u) => Some(Dec::from_integer(i128::from(*u))),
            Repr::Float(f) if f.is_finite() => Some(Dec::from_f64(*f)),
            Repr::Float(_) => None,
            Repr::Decimal(d) => Some((**d).clone()),
        }
    }

    /// Appends a byte form that is equal exactly for numerically equal numbers.
    pub(crate) fn write_canonical(&self, out: &mut Vec<u8>) {
        match self.to_dec() {
            None => out.push(if self.infinity_class() < 0 { 0 } else { 2 }),
            Some(dec) => {
                out.push(1);
                out.push(u8::from(dec.neg));
                out.extend_from_slice(&dec.adj.to_be_bytes());
                out.extend_from_slice(&(dec.digits.len() as u64).to_be_bytes());
                out.extend_from_slice(&dec.digits);
            }
        }
    }

    /// How msgpack should carry this number (int if exact, else float64 if
    /// exact, else decimal text), matching go-cty's encoder, except that
    /// integers above `i64::MAX` go as uint64. Chosen by value, not by how the
    /// number is held, so encoding a decoded number gives the same bytes.
    pub(crate) fn wire_form(&self) -> WireNumber {
        if let Some(i) = self.as_i64() {
            return WireNumber::Int(i);
        }
        if let Some(u) = self.as_u64() {
            return WireNumber::UInt(u);
        }
        match self.as_f64_exact() {
            Some(f) => WireNumber::Float(f),
            None => WireNumber::Text(self.to_string()),
        }
    }
}

/// The msgpack encoding family chosen for a number.
pub(crate) enum WireNumber {
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
}

/// `f` as an integer if it is whole and within ±2^64.
fn float_to_i128(f: f64) -> Option<i128> {
    const LIMIT: f64 = 18_446_744_073_709_551_616.0; // 2^64
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= LIMIT).then_some(f as i128)
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Int(a), Repr::Int(b)) => a == b,
            (Repr::Float(a), Repr::Float(b)) => a == b,
            _ => self.cmp(other) == Ordering::Equal,
        }
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Int(a), Repr::Int(b)) => return a.cmp(b),
            (Repr::UInt(a), Repr::UInt(b)) => return a.cmp(b),
            // No NaN exists, so the partial order is total.
            (Repr::Float(a), Repr::Float(b)) => return a.partial_cmp(b).unwrap_or(Ordering::Equal),
            _ => {}
        }
        let (ca, cb) = (self.infinity_class(), other.infinity_class());
        if ca != 0 || cb != 0 {
            return ca.cmp(&cb);
        }
        match (self.to_dec(), other.to_dec()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => Ordering::Equal, // unreachable: both are finite here
        }
    }
}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.infinity_class().hash(state);
        if let Some(dec) = self.to_dec() {
            dec.hash(state);
        }
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation (no exponent), exactly, as go-cty's
    /// `Text('f', -1)`; infinities print as `+Inf` / `-Inf`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::UInt(u) => write!(f, "{u}"),
            Repr::Float(x) if *x == f64::INFINITY => f.write_str("+Inf"),
            Repr::Float(x) if *x == f64::NEG_INFINITY => f.write_str("-Inf"),
            Repr::Float(x) => Dec::from_f64(*x).fmt(f),
            Repr::Decimal(d) => d.fmt(f),
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Float(x) if x.is_finite() => write!(f, "Number({x}f64)"),
            _ => write!(f, "Number({self})"),
        }
    }
}

impl FromStr for Number {
    type Err = ParseNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Number::parse(s)
    }
}

macro_rules! number_from_int {
    ($($t:ty => $via:ident),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Self {
                Number::$via(value.into())
            }
        }
    )*};
}
number_from_int!(i64 => from_i64, i32 => from_i64, i16 => from_i64, i8 => from_i64,
                 u64 => from_u64, u32 => from_u64, u16 => from_u64, u8 => from_u64);

impl From<usize> for Number {
    fn from(value: usize) -> Self {
        Number::from_u64(u64::try_from(value).expect("usize fits u64 on supported targets"))
    }
}

impl From<isize> for Number {
    fn from(value: isize) -> Self {
        Number::from_i64(i64::try_from(value).expect("isize fits i64 on supported targets"))
    }
}

impl TryFrom<f64> for Number {
    type Error = ParseNumberError;
    /// Exact, like [`Number::from_f64`]; fails for NaN.
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Number::from_f64(value).ok_or(ParseNumberError {
            text: "NaN".into(),
            reason: "NaN is not a number",
        })
    }
}

/// A finite decimal `±d.ddd × 10^adj` in canonical form: `digits` are ASCII
/// with no leading or trailing zeros (empty for zero, which is never
/// negative), `adj` is the exponent of the first digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Dec {
    neg: bool,
    digits: Vec<u8>,
    adj: i64,
}

impl Dec {
    fn zero() -> Self {
        Dec {
            neg: false,
            digits: Vec::new(),
            adj: 0,
        }
    }

    fn from_digit_string(neg: bool, mut digits: Vec<u8>, adj: i64) -> Self {
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            Dec::zero()
        } else {
            Dec { neg, digits, adj }
        }
    }

    fn from_integer(value: i128) -> Self {
        let digits = value.unsigned_abs().to_string().into_bytes();
        let adj = i64::try_from(digits.len()).expect("at most 39 digits") - 1;
        Dec::from_digit_string(value < 0, digits, adj)
    }

    /// The exact decimal expansion of a finite double.
    fn from_f64(value: f64) -> Self {
        let bits = value.to_bits();
        let neg = bits >> 63 == 1;
        let exp_bits = i64::try_from((bits >> 52) & 0x7ff).expect("11 bits");
        let fraction = bits & ((1 << 52) - 1);
        let (mut mantissa, mut exp) = if exp_bits == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), exp_bits - 1075)
        };
        if mantissa == 0 {
            return Dec::zero();
        }
        let shift = mantissa.trailing_zeros();
        mantissa >>= shift;
        exp += i64::from(shift);
        let mut big = BigDecimalDigits::from_u64(mantissa);
        let digits = if exp >= 0 {
            big.mul_pow(2, exp.unsigned_abs());
            big.to_digits()
        } else {
            // m·2^-k = m·5^k / 10^k
            big.mul_pow(5, exp.unsigned_abs());
            big.to_digits()
        };
        let len = i64::try_from(digits.len()).expect("a double has few digits");
        let adj = if exp >= 0 { len - 1 } else { len - 1 + exp };
        Dec::from_digit_string(neg, digits, adj)
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn is_integer(&self) -> bool {
        self.is_zero() || (self.adj >= 0 && self.digits.len() as u64 <= self.adj.unsigned_abs() + 1)
    }

    /// The value if it is an integer of at most 38 digits.
    fn to_integer(&self) -> Option<i128> {
        if self.is_zero() {
            return Some(0);
        }
        if !self.is_integer() || self.adj > 37 {
            return None;
        }
        let mut magnitude: i128 = 0;
        for &digit in &self.digits {
            magnitude = magnitude * 10 + i128::from(digit - b'0');
        }
        let zeros = self.adj + 1 - i64::try_from(self.digits.len()).expect("at most 38 digits");
        for _ in 0..zeros {
            magnitude *= 10;
        }
        Some(if self.neg { -magnitude } else { magnitude })
    }

    fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let mut text = String::with_capacity(self.digits.len() + 24);
        if self.neg {
            text.push('-');
        }
        text.push(char::from(self.digits[0]));
        text.push('.');
        text.extend(self.digits[1..].iter().map(|&d| char::from(d)));
        text.push_str(&format!("e{}", self.adj));
        // Rust's float parser rounds correctly and saturates to ±inf.
        text.parse().expect("canonical decimal text parses as f64")
    }

    fn signum(&self) -> i8 {
        match (self.is_zero(), self.neg) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        }
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Self) -> Ordering {
        let (sa, sb) = (self.signum(), other.signum());
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        // Without leading/trailing zeros, magnitude order is (exponent, digits).
        let magnitude = self
            .adj
            .cmp(&other.adj)
            .then_with(|| self.digits.cmp(&other.digits));
        if self.neg {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut text =
            String::with_capacity(self.digits.len() + self.adj.unsigned_abs() as usize + 3);
        if self.neg {
            text.push('-');
        }
        let digit = |d: &u8| char::from(*d);
        if self.adj >= 0 {
            let int_len = usize::try_from(self.adj).expect("exponent is bounded") + 1;
            if self.digits.len() <= int_len {
                text.extend(self.digits.iter().map(digit));
                text.extend(std::iter::repeat_n('0', int_len - self.digits.len()));
            } else {
                text.extend(self.digits[..int_len].iter().map(digit));
                text.push('.');
                text.extend(self.digits[int_len..].iter().map(digit));
            }
        } else {
            text.push_str("0.");
            let zeros = usize::try_from(-self.adj - 1).expect("exponent is bounded");
            text.extend(std::iter::repeat_n('0', zeros));
            text.extend(self.digits.iter().map(digit));
        }
        f.write_str(&text)
    }
}

/// Just enough of a big unsigned integer (base 10^9 limbs, little-endian)
/// to expand a double exactly.
struct BigDecimalDigits(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl BigDecimalDigits {
    fn from_u64(mut value: u64) -> Self {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push(u32::try_from(value % LIMB).expect("below 10^9"));
            value /= LIMB;
        }
        BigDecimalDigits(limbs)
    }

    fn mul_small(&mut self, factor: u32) {
        let mut carry: u64 = 0;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = u32::try_from(product % LIMB).expect("below 10^9");
            carry = product / LIMB;
        }
        while carry > 0 {
            self.0
                .push(u32::try_from(carry % LIMB).expect("below 10^9"));
            carry /= LIMB;
        }
    }

    /// Multiplies by `base^exp` for base 2 or 5, in chunks that fit a u32.
    fn mul_pow(&mut self, base: u32, mut exp: u64) {
        let chunk = if base == 2 { 31 } else { 13 };
        while exp > 0 {
            let step = exp.min(chunk);
            self.mul_small(base.pow(u32::try_from(step).expect("small step")));
            exp -= step;
        }
    }

    fn to_digits(&self) -> Vec<u8> {
        let Some((top, rest)) = self.0.split_last() else {
            return b"0".to_vec();
        };
        let mut text = top.to_string();
        for limb in rest.iter().rev() {
            text.push_str(&format!("{limb:09}"));
        }
        text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(n("1.000").to_string(), "1");
        assert_eq!(n("-0.0").to_string(), "0");
        assert_eq!(n("0.001").to_string(), "0.001");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("12.5E-3").to_string(), "0.0125");
        assert_eq!(n("+.5").to_string(), "0.5");
        assert_eq!(n("5.").to_string(), "5");
        assert_eq!(
            n("0.1000000000000000000001").to_string(),
            "0.1000000000000000000001"
        );
        assert_eq!(n("1e400").to_string().len(), 401);
        assert_eq!(n("-Inf").to_string(), "-Inf");
        assert!(n("inf").is_infinite());
        for bad in [
            "", "-", "1e", "1e+", "abc", "1.2.3", " 1", "1 ", "0x10", "NaN", "1_000", ".",
            "1e99999",
        ] {
            assert!(Number::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn integers_keep_their_spelling() {
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551615").as_i64(), None);
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(Number::from_f64(3.0).unwrap().as_u64(), Some(3));
        assert_eq!(
            Number::from_f64(1e19).unwrap().as_u64(),
            Some(10_000_000_000_000_000_000)
        );
        assert_eq!(Number::from_f64(f64::INFINITY).unwrap().as_i64(), None);
        assert!(Number::from_f64(f64::NAN).is_none());
    }

    #[test]
    fn numeric_equality_and_order() {
        assert_eq!(n("1"), Number::from_f64(1.0).unwrap());
        assert_eq!(n("1"), n("1.000"));
        assert_eq!(Number::from_u64(5), Number::from_i64(5));
        assert_ne!(Number::from_f64(0.1).unwrap(), n("0.1"));
        assert_eq!(Number::from_f64_shortest(0.1).unwrap(), n("0.1"));
        assert_eq!(
            Number::from_f64(0.1).unwrap(),
            n("0.1000000000000000055511151231257827021181583404541015625")
        );
        assert_eq!(Number::from_f64(-0.0).unwrap(), Number::ZERO);
        let mut sorted = [
            n("1e400"),
            n("-Inf"),
            n("0.5"),
            n("-2"),
            Number::from_u64(u64::MAX),
            n("Inf"),
            n("-1e-400"),
        ];
        sorted.sort();
        let text: Vec<String> = sorted.iter().map(|x| x.to_string()).collect();
        assert_eq!(text[0], "-Inf");
        assert_eq!(text[1], "-2");
        assert!(text[2].starts_with("-0.000"));
        assert_eq!(text[3], "0.5");
        assert_eq!(text[4], "18446744073709551615");
        assert_eq!(text[6], "+Inf");
    }

    #[test]
    fn float_exactness() {
        assert_eq!(n("0.5").as_f64_exact(), Some(0.5));
        assert_eq!(n("0.1").as_f64_exact(), None);
        assert_eq!(Number::from_i64(i64::MAX).as_f64_exact(), None);
        assert_eq!(
            Number::from_i64(1 << 53).as_f64_exact(),
            Some(9007199254740992.0)
        );
        assert_eq!(Number::from_u64(u64::MAX).as_f64_exact(), None);
        let tiny = Number::from_f64(f64::from_bits(1)).unwrap();
        assert_eq!(Number::parse(&tiny.to_string()).unwrap(), tiny);
        assert_eq!(
            Number::parse(&tiny.to_string()).unwrap().as_f64_exact(),
            Some(f64::from_bits(1))
        );
        let huge = Number::from_f64(f64::MAX).unwrap();
        assert_eq!(Number::parse(&huge.to_string()).unwrap(), huge);
        assert_eq!(n("1e400").as_f64(), f64::INFINITY);
    }

    #[test]
    fn hash_agrees_with_eq() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |x: &Number| {
            let mut h = DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&n("2")), hash(&Number::from_f64(2.0).unwrap()));
        assert_eq!(hash(&n("0.5")), hash(&Number::from_f64(0.5).unwrap()));
    }
}
