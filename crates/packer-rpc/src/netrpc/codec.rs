//! msgpack values exactly as Packer's ugorji codec (1.2.8, `WriteExt: true`) writes and reads them.
//!
//! A small value model on top of byte-level encoding, because the exact widths matter: Go writes
//! non-negative *signed* ints as fixint/int16/int32/int64 (never int8 or uint), unsigned ints as
//! fixint/uint8…uint64, strings as the `str` family, `[]byte` as `bin`, and `time.Time` as ext −1.
//! The decoder is lenient the way ugorji is: every int width, both string families, and time as
//! ext −1 or as Go's `MarshalBinary` bytes (HashiCorp's official 1.6.6 build).
//!
//! Decoding is incremental: [`decode`] on a prefix of a value says how many bytes it needs, so a
//! reader can parse back-to-back values from a stream that has no length prefix.

use std::fmt;

use thiserror::Error;

/// Go's zero `time.Time` (January 1, year 1, UTC) in Unix seconds; ugorji writes it as nil.
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Nesting deeper than this is refused so a hostile peer cannot overflow our stack (the parser
/// recurses; Packer's payloads nest a handful of levels, cty JSON travels as opaque `bin`).
pub const MAX_DEPTH: usize = 100;

/// One msgpack value, typed the way Go's side of the wire types it.
#[derive(Debug, Clone)]
pub enum Value {
    /// `c0`: Go nil (nil pointer, slice, map or interface).
    Nil,
    /// `c2`/`c3`.
    Bool(bool),
    /// A Go signed int (`int`, `int64`…): written as fixint/int8(negative only)/int16/int32/int64.
    Int(i64),
    /// A Go unsigned int (`uint32` broker ids, `uint64` Seq…): fixint/uint8/uint16/uint32/uint64.
    Uint(u64),
    /// `ca`: Go float32.
    F32(f32),
    /// `cb`: Go float64 — every number of a JSON template arrives as this.
    F64(f64),
    /// The `str` family: Go strings.
    Str(String),
    /// The `bin` family: Go `[]byte` (e.g. cty JSON inside `Configs`, gob ConfigSpec bytes).
    Bin(Vec<u8>),
    /// Go slices and arrays.
    Array(Vec<Value>),
    /// Go maps, and structs (keys = Go field names, in declaration order); order is preserved.
    Map(Vec<(Value, Value)>),
    /// `time.Time` as msgpack's timestamp extension (type −1).
    Time(Timestamp),
    /// Any other extension type (kept so nothing is silently lost).
    Ext(i8, Vec<u8>),
}

/// Numbers compare by value across `Int`/`Uint`, because the decoder cannot know which Go type a
/// positive fixint came from; everything else compares structurally.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Int(a), Uint(b)) | (Uint(b), Int(a)) => *a >= 0 && *a as u64 == *b,
            (Int(a), Int(b)) => a == b,
            (Uint(a), Uint(b)) => a == b,
            (Nil, Nil) => true,
            (Bool(a), Bool(b)) => a == b,
            (F32(a), F32(b)) => a == b,
            (F64(a), F64(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Bin(a), Bin(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Ext(t, a), Ext(u, b)) => t == u && a == b,
            _ => false,
        }
    }
}

/// A point in time as Unix seconds plus nanoseconds (always UTC on the wire, like ugorji).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub secs: i64,
    /// Nanoseconds within the second, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Go's zero `time.Time`, which ugorji encodes as nil and decodes nil into.
    pub const GO_ZERO: Timestamp = Timestamp {
        secs: GO_ZERO_TIME_UNIX,
        nanos: 0,
    };

    /// Parses Go's `time.Time.MarshalBinary` output (versions 1 and 2), which HashiCorp's own
    /// 1.6.6 build sends as `bin` where newer codecs send ext −1.
    pub fn from_go_binary(bytes: &[u8]) -> Option<Timestamp> {
        let (&version, rest) = bytes.split_first()?;
        let expected = match version {
            1 => 14,
            2 => 15,
            _ => return None,
        };
        if rest.len() != expected {
            return None;
        }
        // Seconds since January 1 of year 1, then nanoseconds; the zone offset does not move the
        // instant, so it is ignored.
        let abs = i64::from_be_bytes(rest[0..8].try_into().ok()?);
        let nanos = u32::from_be_bytes(rest[8..12].try_into().ok()?);
        if nanos >= 1_000_000_000 {
            return None;
        }
        Some(Timestamp {
            secs: abs.checked_add(GO_ZERO_TIME_UNIX)?,
            nanos,
        })
    }
}

impl Value {
    /// A Go struct value: a map keyed by field name, in the order given (= declaration order).
    pub fn record<'a>(fields: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Map(
            fields
                .into_iter()
                .map(|(k, v)| (Value::Str(k.to_owned()), v))
                .collect(),
        )
    }

    /// Go's `struct{}{}` (`80`): the body net/rpc sends with every error reply.
    pub fn empty_struct() -> Value {
        Value::Map(Vec::new())
    }

    /// A `[]string`.
    pub fn strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::Array(items.into_iter().map(|s| Value::Str(s.into())).collect())
    }

    /// True for `c0`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The value under a string key of a map (a struct field), if this is a map and has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a `str` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `bin` value (or of a `str`, which ugorji also accepts for `[]byte`).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bin(b) => Some(b),
            Value::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    /// A bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Any integer width that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Uint(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    /// Any non-negative integer width.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Uint(u) => Some(*u),
            Value::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }

    /// An integer that fits a `u32` (broker ids, `os.FileMode`).
    pub fn as_u32(&self) -> Option<u32> {
        self.as_u64().and_then(|u| u32::try_from(u).ok())
    }

    /// Any number as `f64` (untyped JSON-template numbers are float64; ints are accepted too).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::F64(f) => Some(*f),
            Value::F32(f) => Some(f64::from(*f)),
            Value::Int(i) => Some(*i as f64),
            Value::Uint(u) => Some(*u as f64),
            _ => None,
        }
    }

    /// The elements of an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The entries of a map, in wire order.
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A `time.Time` in any form Packer builds send: ext −1, nil (Go's zero time), `bin` holding
    /// a raw 4/8/12-byte timestamp (what ugorji accepts), or Go's `MarshalBinary` bytes.
    pub fn as_time(&self) -> Option<Timestamp> {
        match self {
            Value::Time(t) => Some(*t),
            Value::Nil => Some(Timestamp::GO_ZERO),
            Value::Bin(b) => timestamp_from_ext_body(b)
                .ok()
                .or_else(|| Timestamp::from_go_binary(b)),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i.into())
    }
}
impl From<u64> for Value {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}
impl From<u32> for Value {
    fn from(u: u32) -> Self {
        Value::Uint(u.into())
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::F64(f)
    }
}
impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Self {
        Value::Time(t)
    }
}
impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Nil, Into::into)
    }
}

/// A value that cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// msgpack lengths are 32-bit.
    #[error("msgpack {what} of {len} items/bytes exceeds the 32-bit length limit")]
    TooLong {
        /// What was too long (string, bin, array, map, ext).
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A timestamp whose nanoseconds are out of range.
    #[error("invalid timestamp: {0} nanoseconds")]
    BadNanos(u32),
}

/// Serialises one value, appending to `out`, byte-for-byte as ugorji 1.2.8 with `WriteExt` would.
pub fn encode(value: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match value {
        Value::Nil => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::Int(i) => encode_int(*i, out),
        Value::Uint(u) => encode_uint(*u, out),
        Value::F32(f) => {
            out.push(0xca);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::F64(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::Str(s) => {
            write_len(
                out,
                "string",
                s.len(),
                Some((0xa0, 32)),
                Some(0xd9),
                0xda,
                0xdb,
            )?;
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bin(b) => {
            write_len(out, "bin", b.len(), None, Some(0xc4), 0xc5, 0xc6)?;
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            write_len(
                out,
                "array",
                items.len(),
                Some((0x90, 16)),
                None,
                0xdc,
                0xdd,
            )?;
            for item in items {
                encode(item, out)?;
            }
        }
        Value::Map(entries) => {
            write_len(
                out,
                "map",
                entries.len(),
                Some((0x80, 16)),
                None,
                0xde,
                0xdf,
            )?;
            for (k, v) in entries {
                encode(k, out)?;
                encode(v, out)?;
            }
        }
        Value::Time(t) => encode_time(*t, out)?,
        Value::Ext(tag, data) => encode_ext(*tag, data, out)?,
    }
    Ok(())
}

/// [`encode`] into a fresh buffer.
pub fn to_bytes(value: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode(value, &mut out)?;
    Ok(out)
}

fn encode_int(i: i64, out: &mut Vec<u8>) {
    if i > i64::from(i8::MAX) {
        // Go never uses int8 or the uint family for a positive signed value.
        if i <= i64::from(i16::MAX) {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        } else if i <= i64::from(i32::MAX) {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        } else {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    } else if i >= -32 {
        out.push(i as u8);
    } else if i >= i64::from(i8::MIN) {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if i >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn encode_uint(u: u64, out: &mut Vec<u8>) {
    if u <= 127 {
        out.push(u as u8);
    } else if u <= u64::from(u8::MAX) {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u <= u64::from(u16::MAX) {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= u64::from(u32::MAX) {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_len(
    out: &mut Vec<u8>,
    what: &'static str,
    len: usize,
    fix: Option<(u8, usize)>,
    b8: Option<u8>,
    b16: u8,
    b32: u8,
) -> Result<(), EncodeError> {
    match (fix, b8) {
        (Some((base, cutoff)), _) if len < cutoff => out.push(base | len as u8),
        (_, Some(marker)) if len < 256 => out.extend_from_slice(&[marker, len as u8]),
        _ if len < 65536 => {
            out.push(b16);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            let len32 = u32::try_from(len).map_err(|_| EncodeError::TooLong { what, len })?;
            out.push(b32);
            out.extend_from_slice(&len32.to_be_bytes());
        }
    }
    Ok(())
}

fn encode_ext(tag: i8, data: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let fixed = match data.len() {
        1 => Some(0xd4),
        2 => Some(0xd5),
        4 => Some(0xd6),
        8 => Some(0xd7),
        16 => Some(0xd8),
        _ => None,
    };
    match fixed {
        Some(marker) => out.push(marker),
        None => write_len(out, "ext", data.len(), None, Some(0xc7), 0xc8, 0xc9)?,
    }
    out.push(tag as u8);
    out.extend_from_slice(data);
    Ok(())
}

fn encode_time(t: Timestamp, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if t.nanos >= 1_000_000_000 {
        return Err(EncodeError::BadNanos(t.nanos));
    }
    if t == Timestamp::GO_ZERO {
        // ugorji: `if t.IsZero() { EncodeNil }`.
        out.push(0xc0);
        return Ok(());
    }
    let mut body = Vec::with_capacity(12);
    if t.secs >= 0 && t.secs >> 34 == 0 {
        let data64 = (u64::from(t.nanos) << 34) | t.secs as u64;
        if data64 & 0xffff_ffff_0000_0000 != 0 {
            body.extend_from_slice(&data64.to_be_bytes());
        } else {
            body.extend_from_slice(&(data64 as u32).to_be_bytes());
        }
    } else {
        body.extend_from_slice(&t.nanos.to_be_bytes());
        body.extend_from_slice(&t.secs.to_be_bytes());
    }
    encode_ext(-1, &body, out)
}

/// Why bytes from the peer are not a msgpack value we accept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// `c1` is reserved by the msgpack spec and never written.
    #[error("invalid msgpack marker 0x{marker:02x} at offset {offset}")]
    InvalidMarker {
        /// The byte.
        marker: u8,
        /// Where it was.
        offset: usize,
    },
    /// A `str` that is not UTF-8.
    #[error("msgpack string at offset {offset} is not UTF-8")]
    InvalidUtf8 {
        /// Where the string starts.
        offset: usize,
    },
    /// An ext −1 whose length/content is not a timestamp.
    #[error("invalid msgpack timestamp at offset {offset}")]
    InvalidTimestamp {
        /// Where the extension starts.
        offset: usize,
    },
    /// Containers nested deeper than [`MAX_DEPTH`].
    #[error("msgpack value nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The outcome of [`decode`] on a buffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// A whole value and how many bytes it used.
    Complete(Value, usize),
    /// The buffer ends inside a value: at least `need` bytes in total are required.
    Incomplete {
        /// A lower bound on the buffer length at which decoding can progress.
        need: usize,
    },
}

enum Stop {
    Incomplete(usize),
    Bad(DecodeError),
}

impl From<DecodeError> for Stop {
    fn from(e: DecodeError) -> Self {
        Stop::Bad(e)
    }
}

/// Parses the first msgpack value in `buf`, or reports that more bytes are needed.
pub fn decode(buf: &[u8]) -> Result<Decoded, DecodeError> {
    let mut cursor = Cursor { buf, pos: 0 };
    match cursor.value(0) {
        Ok(v) => Ok(Decoded::Complete(v, cursor.pos)),
        Err(Stop::Incomplete(need)) => Ok(Decoded::Incomplete { need }),
        Err(Stop::Bad(e)) => Err(e),
    }
}

/// Parses a buffer that must hold exactly one complete value (tests, golden bytes).
pub fn from_bytes(buf: &[u8]) -> Result<Value, FromBytesError> {
    match decode(buf)? {
        Decoded::Complete(v, used) if used == buf.len() => Ok(v),
        Decoded::Complete(_, used) => Err(FromBytesError::Trailing(buf.len() - used)),
        Decoded::Incomplete { .. } => Err(FromBytesError::Truncated),
    }
}

/// Why [`from_bytes`] failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FromBytesError {
    /// Malformed msgpack.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The buffer ends inside the value.
    #[error("msgpack value is truncated")]
    Truncated,
    /// Bytes left after the value.
    #[error("{0} bytes after the msgpack value")]
    Trailing(usize),
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        let end = self.pos.saturating_add(n);
        if end > self.buf.len() {
            return Err(Stop::Incomplete(end));
        }
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, Stop> {
        Ok(self.take(1)?[0])
    }

    fn len16(&mut self) -> Result<usize, Stop> {
        Ok(u16::from_be_bytes(self.array()?).into())
    }

    fn len32(&mut self) -> Result<usize, Stop> {
        Ok(u32::from_be_bytes(self.array()?) as usize)
    }

    fn value(&mut self, depth: usize) -> Result<Value, Stop> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep.into());
        }
        let offset = self.pos;
        let marker = self.u8()?;
        let v = match marker {
            0x00..=0x7f => Value::Uint(marker.into()),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.seq(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f), offset)?,
            0xc0 => Value::Nil,
            0xc1 => return Err(DecodeError::InvalidMarker { marker, offset }.into()),
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 => {
                let n = self.u8()?.into();
                Value::Bin(self.take(n)?.to_vec())
            }
            0xc5 => {
                let n = self.len16()?;
                Value::Bin(self.take(n)?.to_vec())
            }
            0xc6 => {
                let n = self.len32()?;
                Value::Bin(self.take(n)?.to_vec())
            }
            0xc7 => {
                let n = self.u8()?.into();
                self.ext(n, offset)?
            }
            0xc8 => {
                let n = self.len16()?;
                self.ext(n, offset)?
            }
            0xc9 => {
                let n = self.len32()?;
                self.ext(n, offset)?
            }
            0xca => Value::F32(f32::from_bits(u32::from_be_bytes(self.array()?))),
            0xcb => Value::F64(f64::from_bits(u64::from_be_bytes(self.array()?))),
            0xcc => Value::Uint(self.u8()?.into()),
            0xcd => Value::Uint(u16::from_be_bytes(self.array()?).into()),
            0xce => Value::Uint(u32::from_be_bytes(self.array()?).into()),
            0xcf => Value::Uint(u64::from_be_bytes(self.array()?)),
            0xd0 => Value::Int((self.u8()? as i8).into()),
            0xd1 => Value::Int(i16::from_be_bytes(self.array()?).into()),
            0xd2 => Value::Int(i32::from_be_bytes(self.array()?).into()),
            0xd3 => Value::Int(i64::from_be_bytes(self.array()?)),
            0xd4 => self.ext(1, offset)?,
            0xd5 => self.ext(2, offset)?,
            0xd6 => self.ext(4, offset)?,
            0xd7 => self.ext(8, offset)?,
            0xd8 => self.ext(16, offset)?,
            0xd9 => {
                let n = self.u8()?.into();
                self.string(n, offset)?
            }
            0xda => {
                let n = self.len16()?;
                self.string(n, offset)?
            }
            0xdb => {
                let n = self.len32()?;
                self.string(n, offset)?
            }
            0xdc => {
                let n = self.len16()?;
                self.seq(n, depth)?
            }
            0xdd => {
                let n = self.len32()?;
                self.seq(n, depth)?
            }
            0xde => {
                let n = self.len16()?;
                self.map(n, depth)?
            }
            0xdf => {
                let n = self.len32()?;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::Int((marker as i8).into()),
        };
        Ok(v)
    }

    fn string(&mut self, n: usize, offset: usize) -> Result<Value, Stop> {
        let bytes = self.take(n)?;
        let s = std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { offset })?;
        Ok(Value::Str(s.to_owned()))
    }

    // Capacity is capped by the bytes actually present (each element is ≥ 1 byte), so a huge
    // declared count cannot make us allocate before the peer has sent the data.
    fn seq(&mut self, n: usize, depth: usize) -> Result<Value, Stop> {
        let mut items = Vec::with_capacity(n.min(self.buf.len() - self.pos));
        for _ in 0..n {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, Stop> {
        let mut entries = Vec::with_capacity(n.min((self.buf.len() - self.pos) / 2));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }

    fn ext(&mut self, n: usize, offset: usize) -> Result<Value, Stop> {
        let tag = self.u8()? as i8;
        let data = self.take(n)?;
        if tag == -1 {
            let t = timestamp_from_ext_body(data)
                .map_err(|()| DecodeError::InvalidTimestamp { offset })?;
            return Ok(Value::Time(t));
        }
        Ok(Value::Ext(tag, data.to_vec()))
    }
}

fn timestamp_from_ext_body(data: &[u8]) -> Result<Timestamp, ()> {
    match data.len() {
        4 => {
            let secs = u32::from_be_bytes(data.try_into().map_err(|_| ())?);
            Ok(Timestamp {
                secs: secs.into(),
                nanos: 0,
            })
        }
        8 => {
            let v = u64::from_be_bytes(data.try_into().map_err(|_| ())?);
            let nanos = (v >> 34) as u32;
            if nanos >= 1_000_000_000 {
                return Err(());
            }
            Ok(Timestamp {
                secs: (v & 0x3_ffff_ffff) as i64,
                nanos,
            })
        }
        12 => {
            let nanos = u32::from_be_bytes(data[0..4].try_into().map_err(|_| ())?);
            let secs = i64::from_be_bytes(data[4..12].try_into().map_err(|_| ())?);
            if nanos >= 1_000_000_000 {
                return Err(());
            }
            Ok(Timestamp { secs, nanos })
        }
        _ => Err(()),
    }
}

impl fmt::Display for Value {
    // A compact Go-ish rendering for logs and error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Uint(u) => write!(f, "{u}"),
            Value::F32(x) => write!(f, "{x}"),
            Value::F64(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Bin(b) => write!(f, "bin[{}]", b.len()),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_str("}")
            }
            Value::Time(t) => write!(f, "time({}.{:09})", t.secs, t.nanos),
            Value::Ext(tag, data) => write!(f, "ext({tag})[{}]", data.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hex(v: &Value) -> String {
        to_bytes(v)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn signed_ints_use_go_widths() {
        assert_eq!(hex(&Value::Int(0)), "00");
        assert_eq!(hex(&Value::Int(127)), "7f");
        assert_eq!(hex(&Value::Int(128)), "d10080");
        assert_eq!(hex(&Value::Int(-1)), "ff");
        assert_eq!(hex(&Value::Int(-32)), "e0");
        assert_eq!(hex(&Value::Int(-33)), "d0df");
        assert_eq!(hex(&Value::Int(70000)), "d200011170");
        assert_eq!(hex(&Value::Int(1 << 40)), "d30000010000000000");
        assert_eq!(hex(&Value::Uint(200)), "ccc8");
        assert_eq!(hex(&Value::Uint(70000)), "ce00011170");
    }

    #[test]
    fn lengths_pick_the_new_spec_families() {
        assert_eq!(hex(&Value::from("")), "a0");
        assert_eq!(&hex(&Value::from("x".repeat(32)))[..4], "d920");
        assert_eq!(&hex(&Value::Bin(vec![1; 3])), "c403010101");
        assert_eq!(&hex(&Value::Bin(vec![0; 256]))[..6], "c50100");
        assert_eq!(hex(&Value::Array(vec![Value::Nil; 16]))[..6], *"dc0010");
    }

    #[test]
    fn every_prefix_of_a_value_is_incomplete_and_never_an_error() {
        let v = Value::record([
            ("A", Value::from("hello")),
            ("B", Value::Bin(vec![9; 300])),
            ("C", Value::Array(vec![Value::Int(-5000), Value::F64(1.5)])),
            ("T", Value::Time(Timestamp { secs: -5, nanos: 7 })),
        ]);
        let bytes = to_bytes(&v).unwrap();
        for cut in 0..bytes.len() {
            match decode(&bytes[..cut]).unwrap() {
                Decoded::Incomplete { need } => assert!(need > cut, "cut {cut} need {need}"),
                Decoded::Complete(..) => panic!("complete at {cut}"),
            }
        }
        assert_eq!(from_bytes(&bytes).unwrap(), v);
    }

    #[test]
    fn random_bytes_never_panic() {
        // A fixed xorshift keeps this deterministic.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let len = (state % 40) as usize;
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                buf.push(state as u8);
            }
            let _ = decode(&buf);
        }
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        assert_eq!(
            decode(&[0xc1]),
            Err(DecodeError::InvalidMarker {
                marker: 0xc1,
                offset: 0
            })
        );
        assert_eq!(
            decode(&[0x91, 0xa1, 0xff]),
            Err(DecodeError::InvalidUtf8 { offset: 1 })
        );
        assert_eq!(
            decode(&[0xd5, 0xff, 0, 0]),
            Err(DecodeError::InvalidTimestamp { offset: 0 })
        );
        assert_eq!(decode(&[0x91; 600]), Err(DecodeError::TooDeep));
        let mut deepest = vec![0x91; MAX_DEPTH];
        deepest.push(0xc0);
        assert!(matches!(decode(&deepest), Ok(Decoded::Complete(_, n)) if n == MAX_DEPTH + 1));
        // A huge declared length just waits for the bytes, without allocating them.
        assert_eq!(
            decode(&[0xc6, 0xff, 0xff, 0xff, 0xff]),
            Ok(Decoded::Incomplete {
                need: 5 + 0xffff_ffff
            })
        );
    }

    #[test]
    fn times_round_trip_in_all_three_layouts() {
        for (t, prefix) in [
            (Timestamp { secs: 1, nanos: 0 }, "d6ff"),
            (Timestamp { secs: 1, nanos: 5 }, "d7ff"),
            (Timestamp { secs: -1, nanos: 0 }, "c70cff"),
            (
                Timestamp {
                    secs: 1 << 35,
                    nanos: 0,
                },
                "c70cff",
            ),
        ] {
            let h = hex(&Value::Time(t));
            assert!(h.starts_with(prefix), "{t:?} -> {h}");
            assert_eq!(
                from_bytes(&to_bytes(&Value::Time(t)).unwrap()).unwrap(),
                Value::Time(t)
            );
        }
        assert_eq!(hex(&Value::Time(Timestamp::GO_ZERO)), "c0");
    }
}
