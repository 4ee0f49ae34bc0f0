//! The MessagePack encoding Terraform uses for `DynamicValue.msgpack`.
//!
//! Rules (go-cty's `cty/msgpack`, Terraform's object-wire-format.md):
//! null is nil; numbers are the most compact exact int, else float64 if
//! exact, else a str of decimal text; objects are maps holding exactly every
//! attribute; a `dynamic` slot holds `[bin(type JSON), value]`; unknown is
//! ext 0 (`d4 00 00`), refined unknown is ext 12 with an int-keyed map.
//!
//! Sets: the encoder drops duplicate wholly-known elements (keeping the
//! first) rather than failing, as cty's set values cannot hold duplicates;
//! the decoder does the same, so a set round-trips to an equal value.

use std::collections::BTreeMap;

use crate::MAX_DEPTH;
use crate::canonical;
use crate::error::{DecodeError, EncodeError};
use crate::number::{Number, WireNumber};
use crate::path::{Path, PathStep};
use crate::types::Type;
use crate::value::{
    Refinements, Value, cannot_infer_message, check_refinements, index_step, mismatch_message,
    object_shape_error, set_keep_mask, tuple_length_message,
};

/// Extension type of a refined unknown value.
const REFINED_UNKNOWN_EXT: i8 = 12;
/// Canonical encoding of a wholly unknown value: fixext1, type 0, data 0.
const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0, 0];
/// cty truncates string prefix refinements to this many bytes.
const MAX_PREFIX_BYTES: usize = 256;

/// Encodes `value` as `ty`. Fails (with the path) when the value does not
/// conform to the type.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        path: Path::root(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out)
}

/// Decodes `bytes` as a value of `ty`, rejecting trailing bytes, objects
/// without exactly the type's attributes and nesting deeper than 256.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut decoder = Decoder {
        input: bytes,
        pos: 0,
        path: Path::root(),
    };
    let value = decoder.value(ty, 0)?;
    if decoder.pos != bytes.len() {
        return Err(decoder.error(format!(
            "{} trailing bytes after the value",
            bytes.len() - decoder.pos
        )));
    }
    Ok(value)
}

/// Shortens a prefix refinement to cty's limit, at a character boundary.
pub(crate) fn truncate_prefix(prefix: &str) -> &str {
    if prefix.len() <= MAX_PREFIX_BYTES {
        return prefix;
    }
    let mut end = MAX_PREFIX_BYTES;
    while !prefix.is_char_boundary(end) {
        end -= 1;
    }
    &prefix[..end]
}

struct Encoder {
    out: Vec<u8>,
    path: Path,
}

impl Encoder {
    fn error(&self, message: impl Into<String>) -> EncodeError {
        EncodeError::new(self.path.clone(), message)
    }

    fn len32(&self, len: usize) -> Result<u32, EncodeError> {
        u32::try_from(len)
            .map_err(|_| self.error("too large for msgpack (more than 2^32-1 elements or bytes)"))
    }

    /// Encodes one value; recursive, so each kind has its own function to
    /// keep this frame small.
    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match (value, ty) {
            (_, Type::Dynamic) => self.dynamic(value),
            (Value::Null, _) => {
                self.out.push(0xc0);
                Ok(())
            }
            (Value::Unknown(refinements), _) => self.unknown(refinements, ty),
            (Value::Dynamic(inner_ty, inner), _) if inner_ty == ty => self.value(inner, ty),
            (Value::Bool(b), Type::Bool) => {
                self.out.push(if *b { 0xc3 } else { 0xc2 });
                Ok(())
            }
            (Value::Number(n), Type::Number) => self.number(n),
            (Value::String(s), Type::String) => self.str(s),
            (Value::List(items), Type::List(element)) => self.list(items, element),
            (Value::Set(items), Type::Set(element)) => self.set(items, element),
            (Value::Tuple(items), Type::Tuple(elements)) => self.tuple(items, elements),
            (Value::Map(entries), Type::Map(element)) => self.map(entries, element),
            (Value::Object(attrs), Type::Object(attr_types)) => self.object(attrs, attr_types),
            _ => Err(self.error(mismatch_message(ty, value))),
        }
    }

    #[inline(never)]
    fn list(&mut self, items: &[Value], element: &Type) -> Result<(), EncodeError> {
        let len = self.len32(items.len())?;
        write_array_len(&mut self.out, len);
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(index_step(i)));
            self.value(item, element)?;
            self.path.pop();
        }
        Ok(())
    }

    #[inline(never)]
    fn set(&mut self, items: &[Value], element: &Type) -> Result<(), EncodeError> {
        let keep = set_keep_mask(items, element);
        let len = self.len32(keep.iter().filter(|k| **k).count())?;
        write_array_len(&mut self.out, len);
        for (item, _) in items.iter().zip(keep).filter(|(_, keep)| *keep) {
            self.value(item, element)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn tuple(&mut self, items: &[Value], elements: &[Type]) -> Result<(), EncodeError> {
        if items.len() != elements.len() {
            return Err(self.error(tuple_length_message(elements.len(), items.len())));
        }
        let len = self.len32(items.len())?;
        write_array_len(&mut self.out, len);
        for (i, (item, element)) in items.iter().zip(elements).enumerate() {
            self.path.push(PathStep::Index(index_step(i)));
            self.value(item, element)?;
            self.path.pop();
        }
        Ok(())
    }

    #[inline(never)]
    fn map(
        &mut self,
        entries: &BTreeMap<String, Value>,
        element: &Type,
    ) -> Result<(), EncodeError> {
        let len = self.len32(entries.len())?;
        write_map_len(&mut self.out, len);
        for (key, item) in entries {
            self.str(key)?;
            self.path.push(PathStep::Key(key.clone()));
            self.value(item, element)?;
            self.path.pop();
        }
        Ok(())
    }

    #[inline(never)]
    fn object(
        &mut self,
        attrs: &BTreeMap<String, Value>,
        attr_types: &BTreeMap<String, Type>,
    ) -> Result<(), EncodeError> {
        if let Some(message) = object_shape_error(attrs, attr_types) {
            return Err(self.error(message));
        }
        let len = self.len32(attr_types.len())?;
        write_map_len(&mut self.out, len);
        for ((name, attr_ty), attr) in attr_types.iter().zip(attrs.values()) {
            self.str(name)?;
            self.path.push(PathStep::Attribute(name.clone()));
            self.value(attr, attr_ty)?;
            self.path.pop();
        }
        Ok(())
    }

    /// A value in a `dynamic` slot: null and unknown are written bare,
    /// anything else as `[bin(type JSON), value]`.
    #[inline(never)]
    fn dynamic(&mut self, value: &Value) -> Result<(), EncodeError> {
        match value {
            Value::Null => self.out.push(0xc0),
            Value::Unknown(refinements) => self.unknown(refinements, &Type::Dynamic)?,
            Value::Dynamic(Type::Dynamic, inner) => self.dynamic(inner)?,
            Value::Dynamic(ty, inner) => self.typed(ty, inner)?,
            other => {
                let Some(ty) = other.infer_type() else {
                    return Err(self.error(cannot_infer_message(other)));
                };
                self.typed(&ty, other)?;
            }
        }
        Ok(())
    }

    fn typed(&mut self, ty: &Type, value: &Value) -> Result<(), EncodeError> {
        write_array_len(&mut self.out, 2);
        let type_json = ty.to_json();
        let len = self.len32(type_json.len())?;
        write_bin(&mut self.out, type_json.as_bytes(), len);
        self.value(value, ty)
    }

    fn str(&mut self, s: &str) -> Result<(), EncodeError> {
        let len = self.len32(s.len())?;
        write_str(&mut self.out, s, len);
        Ok(())
    }

    fn number(&mut self, n: &Number) -> Result<(), EncodeError> {
        write_number(&mut self.out, n).map_err(|message| self.error(message))
    }

    fn unknown(&mut self, r: &Refinements, ty: &Type) -> Result<(), EncodeError> {
        check_refinements(r, ty).map_err(|message| self.error(message))?;
        let mut payload = Vec::new();
        let mut entries = 0;
        if let Some(is_null) = r.nullness {
            entries += 1;
            payload.extend([1, if is_null { 0xc3 } else { 0xc2 }]);
        }
        if let Some(prefix) = r.prefix() {
            entries += 1;
            payload.push(2);
            let prefix = truncate_prefix(prefix);
            write_str(&mut payload, prefix, self.len32(prefix.len())?);
        }
        for (key, bound) in [(3, &r.number_lower), (4, &r.number_upper)] {
            if let Some((n, inclusive)) = bound {
                entries += 1;
                payload.push(key);
                write_array_len(&mut payload, 2);
                write_number(&mut payload, n).map_err(|message| self.error(message))?;
                payload.push(if *inclusive { 0xc3 } else { 0xc2 });
            }
        }
        for (key, length) in [(5, r.length_min), (6, r.length_max)] {
            if let Some(length) = length {
                entries += 1;
                payload.push(key);
                write_uint(&mut payload, length);
            }
        }
        if entries == 0 {
            // The protocol requires ext 0 rather than ext 12 with an empty map.
            self.out.extend_from_slice(&UNKNOWN_BYTES);
            return Ok(());
        }
        let mut body = Vec::with_capacity(payload.len() + 1);
        write_map_len(&mut body, entries);
        body.extend_from_slice(&payload);
        let len = self.len32(body.len())?;
        write_ext_header(&mut self.out, REFINED_UNKNOWN_EXT, len);
        self.out.extend_from_slice(&body);
        Ok(())
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), &'static str> {
    match n.wire_form() {
        WireNumber::Int(i) => write_int(out, i),
        WireNumber::UInt(u) => write_uint(out, u),
        WireNumber::Float(f) => write_f64(out, f),
        WireNumber::Text(text) => {
            let len = u32::try_from(text.len()).map_err(|_| "number text too long for msgpack")?;
            write_str(out, &text, len);
        }
    }
    Ok(())
}

fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u <= 0xff {
        out.extend([0xcc, u as u8]);
    } else if u <= 0xffff {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u <= 0xffff_ffff {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i.unsigned_abs());
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= i64::from(i8::MIN) {
        out.extend([0xd0, i as i8 as u8]);
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

fn write_f64(out: &mut Vec<u8>, f: f64) {
    out.push(0xcb);
    out.extend_from_slice(&f.to_be_bytes());
}

fn write_str(out: &mut Vec<u8>, s: &str, len: u32) {
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend([0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bin(out: &mut Vec<u8>, bytes: &[u8], len: u32) {
    if len <= 0xff {
        out.extend([0xc4, len as u8]);
    } else if len <= 0xffff {
        out.push(0xc5);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xc6);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(bytes);
}

fn write_array_len(out: &mut Vec<u8>, len: u32) {
    if len < 16 {
        out.push(0x90 | len as u8);
    } else if len <= 0xffff {
        out.push(0xdc);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

fn write_map_len(out: &mut Vec<u8>, len: u32) {
    if len < 16 {
        out.push(0x80 | len as u8);
    } else if len <= 0xffff {
        out.push(0xde);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

fn write_ext_header(out: &mut Vec<u8>, ext_type: i8, len: u32) {
    match len {
        1 => out.push(0xd4),
        2 => out.push(0xd5),
        4 => out.push(0xd6),
        8 => out.push(0xd7),
        16 => out.push(0xd8),
        _ if len <= 0xff => out.extend([0xc7, len as u8]),
        _ if len <= 0xffff => {
            out.push(0xc8);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0xc9);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out.push(ext_type as u8);
}

/// One msgpack item header, with scalar payloads already read.
#[derive(Debug, Clone, Copy)]
enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(i8, usize),
}

impl Head {
    fn describe(self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Bool(_) => "a msgpack bool",
            Head::Int(_) | Head::UInt(_) => "a msgpack integer",
            Head::Float(_) => "a msgpack float",
            Head::Str(_) => "a msgpack string",
            Head::Bin(_) => "msgpack binary data",
            Head::Array(_) => "a msgpack array",
            Head::Map(_) => "a msgpack map",
            Head::Ext(..) => "a msgpack extension",
        }
    }
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    path: Path,
}

impl<'a> Decoder<'a> {
    fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), message)
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.error("unexpected end of msgpack input"));
        }
        let bytes = &self.input[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        Ok(bytes.try_into().expect("take returned N bytes"))
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take_array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<usize, DecodeError> {
        Ok(usize::from(u16::from_be_bytes(self.take_array()?)))
    }

    fn u32(&mut self) -> Result<usize, DecodeError> {
        let n = u32::from_be_bytes(self.take_array()?);
        usize::try_from(n).map_err(|_| self.error("length does not fit in memory"))
    }

    fn head(&mut self) -> Result<Head, DecodeError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Head::Int(i64::from(marker)),
            0x80..=0x8f => Head::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(marker & 0x1f)),
            0xc0 => Head::Nil,
            0xc1 => return Err(self.error("invalid msgpack marker 0xc1")),
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(usize::from(self.u8()?)),
            0xc5 => Head::Bin(self.u16()?),
            0xc6 => Head::Bin(self.u32()?),
            0xc7 => {
                let len = usize::from(self.u8()?);
                Head::Ext(self.u8()? as i8, len)
            }
            0xc8 => {
                let len = self.u16()?;
                Head::Ext(self.u8()? as i8, len)
            }
            0xc9 => {
                let len = self.u32()?;
                Head::Ext(self.u8()? as i8, len)
            }
            0xca => Head::Float(f64::from(f32::from_be_bytes(self.take_array()?))),
            0xcb => Head::Float(f64::from_be_bytes(self.take_array()?)),
            0xcc => Head::Int(i64::from(self.u8()?)),
            0xcd => Head::Int(i64::from(u16::from_be_bytes(self.take_array()?))),
            0xce => Head::Int(i64::from(u32::from_be_bytes(self.take_array()?))),
            0xcf => Head::UInt(u64::from_be_bytes(self.take_array()?)),
            0xd0 => Head::Int(i64::from(i8::from_be_bytes(self.take_array()?))),
            0xd1 => Head::Int(i64::from(i16::from_be_bytes(self.take_array()?))),
            0xd2 => Head::Int(i64::from(i32::from_be_bytes(self.take_array()?))),
            0xd3 => Head::Int(i64::from_be_bytes(self.take_array()?)),
            0xd4 => Head::Ext(self.u8()? as i8, 1),
            0xd5 => Head::Ext(self.u8()? as i8, 2),
            0xd6 => Head::Ext(self.u8()? as i8, 4),
            0xd7 => Head::Ext(self.u8()? as i8, 8),
            0xd8 => Head::Ext(self.u8()? as i8, 16),
            0xd9 => Head::Str(usize::from(self.u8()?)),
            0xda => Head::Str(self.u16()?),
            0xdb => Head::Str(self.u32()?),
            0xdc => Head::Array(self.u16()?),
            0xdd => Head::Array(self.u32()?),
            0xde => Head::Map(self.u16()?),
            0xdf => Head::Map(self.u32()?),
            0xe0..=0xff => Head::Int(i64::from(marker as i8)),
        })
    }

    fn text(&mut self, len: usize, what: &str) -> Result<&'a str, DecodeError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map_err(|_| self.error(format!("invalid UTF-8 in {what}")))
    }

    /// A map key, which must be a string.
    fn key(&mut self) -> Result<&'a str, DecodeError> {
        match self.head()? {
            Head::Str(len) | Head::Bin(len) => self.text(len, "map key"),
            other => Err(self.error(format!(
                "map keys must be strings, found {}",
                other.describe()
            ))),
        }
    }

    /// Elements need at least a byte each, so lengths beyond the input are
    /// lies; capping the reservation stops allocation bombs.
    fn capacity(&self, len: usize) -> usize {
        len.min(self.remaining())
    }

    /// Decodes one item. Kept small (each kind has its own function)
    /// because it recurses: at the depth cap, debug-build frames must still
    /// fit a 2 MiB thread stack.
    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        let head = self.head()?;
        match (head, ty) {
            (Head::Ext(ext_type, len), _) => self.unknown(ext_type, len, ty),
            (_, Type::Dynamic) => self.dynamic(head, depth),
            (Head::Nil, _) => Ok(Value::Null),
            (Head::Bool(b), Type::Bool) => Ok(Value::Bool(b)),
            (_, Type::Number) => self.number_value(head, ty),
            (Head::Str(len) | Head::Bin(len), Type::String) => self.string(len),
            (Head::Array(len), Type::List(element)) => self.list(element, len, depth),
            (Head::Array(len), Type::Set(element)) => self.set(element, len, depth),
            (Head::Array(len), Type::Tuple(elements)) => self.tuple(elements, len, depth),
            (Head::Map(len), Type::Map(element)) => self.map(element, len, depth),
            (Head::Map(len), Type::Object(attr_types)) => self.object(attr_types, len, depth),
            _ => Err(self.mismatch(ty, head)),
        }
    }

    #[cold]
    #[inline(never)]
    fn too_deep(&self) -> DecodeError {
        self.error(format!("nesting deeper than {MAX_DEPTH} levels"))
    }

    #[cold]
    #[inline(never)]
    fn mismatch(&self, ty: &Type, head: Head) -> DecodeError {
        let extra = match head {
            Head::Array(len) if matches!(ty, Type::Tuple(_)) => format!(" of {len} elements"),
            _ => String::new(),
        };
        self.error(format!("expected {ty}, found {}{extra}", head.describe()))
    }

    #[inline(never)]
    fn number_value(&mut self, head: Head, ty: &Type) -> Result<Value, DecodeError> {
        match self.number(head)? {
            Some(n) => Ok(Value::Number(n)),
            None => Err(self.mismatch(ty, head)),
        }
    }

    #[inline(never)]
    fn string(&mut self, len: usize) -> Result<Value, DecodeError> {
        Ok(Value::String(self.text(len, "string")?.to_owned()))
    }

    #[inline(never)]
    fn list(&mut self, element: &Type, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let mut items = Vec::with_capacity(self.capacity(len));
        for i in 0..len {
            self.path.push(PathStep::Index(index_step(i)));
            items.push(self.value(element, depth + 1)?);
            self.path.pop();
        }
        Ok(Value::List(items))
    }

    #[inline(never)]
    fn set(&mut self, element: &Type, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let mut items = Vec::with_capacity(self.capacity(len));
        for _ in 0..len {
            items.push(self.value(element, depth + 1)?);
        }
        Ok(Value::Set(canonical::dedupe_set(items)))
    }

    #[inline(never)]
    fn tuple(&mut self, elements: &[Type], len: usize, depth: usize) -> Result<Value, DecodeError> {
        if len != elements.len() {
            return Err(self.error(format!(
                "expected a tuple of {} elements, found {len}",
                elements.len()
            )));
        }
        let mut items = Vec::with_capacity(len);
        for (i, element) in elements.iter().enumerate() {
            self.path.push(PathStep::Index(index_step(i)));
            items.push(self.value(element, depth + 1)?);
            self.path.pop();
        }
        Ok(Value::Tuple(items))
    }

    #[inline(never)]
    fn map(&mut self, element: &Type, len: usize, depth: usize) -> Result<Value, DecodeError> {
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key = self.key()?;
            if entries.contains_key(key) {
                return Err(self.error(format!("duplicate map key {key:?}")));
            }
            self.path.push(PathStep::Key(key.to_owned()));
            let item = self.value(element, depth + 1)?;
            self.path.pop();
            entries.insert(key.to_owned(), item);
        }
        Ok(Value::Map(entries))
    }

    #[inline(never)]
    fn object(
        &mut self,
        attr_types: &BTreeMap<String, Type>,
        len: usize,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        let mut attrs = BTreeMap::new();
        for _ in 0..len {
            let name = self.key()?;
            let Some(attr_ty) = attr_types.get(name) else {
                return Err(self.error(format!("unsupported attribute {name:?}")));
            };
            if attrs.contains_key(name) {
                return Err(self.error(format!("duplicate attribute {name:?}")));
            }
            self.path.push(PathStep::Attribute(name.to_owned()));
            let attr = self.value(attr_ty, depth + 1)?;
            self.path.pop();
            attrs.insert(name.to_owned(), attr);
        }
        if attrs.len() != attr_types.len() {
            let missing: Vec<String> = attr_types
                .keys()
                .filter(|name| !attrs.contains_key(*name))
                .map(|n| format!("{n:?}"))
                .collect();
            return Err(self.error(format!("missing attributes {}", missing.join(", "))));
        }
        Ok(Value::Object(attrs))
    }

    /// A number from any int width, float32/64 or decimal text; `None` when
    /// the item is not a number at all.
    fn number(&mut self, head: Head) -> Result<Option<Number>, DecodeError> {
        Ok(Some(match head {
            Head::Int(i) => Number::from_i64(i),
            Head::UInt(u) => Number::from_u64(u),
            Head::Float(f) => {
                Number::from_f64(f).ok_or_else(|| self.error("NaN is not a valid number"))?
            }
            // cty's decoder reads number text with DecodeString, which takes bin too.
            Head::Str(len) | Head::Bin(len) => {
                let text = self.text(len, "number")?;
                Number::parse(text)
                    .map_err(|error| self.error(format!("expected number: {error}")))?
            }
            _ => return Ok(None),
        }))
    }

    #[inline(never)]
    fn dynamic(&mut self, head: Head, depth: usize) -> Result<Value, DecodeError> {
        match head {
            Head::Nil => Ok(Value::Null),
            Head::Array(2) => {
                let type_json = match self.head()? {
                    Head::Bin(len) | Head::Str(len) => self.take(len)?,
                    other => {
                        return Err(self.error(format!(
                            "a dynamic value's type must be binary type JSON, found {}",
                            other.describe()
                        )));
                    }
                };
                let ty =
                    Type::from_json(type_json).map_err(|error| self.error(error.to_string()))?;
                let inner = self.value(&ty, depth + 1)?;
                // `[bin("dynamic"), v]` is just v: cty never nests wrappers.
                Ok(if ty == Type::Dynamic {
                    inner
                } else {
                    Value::Dynamic(ty, Box::new(inner))
                })
            }
            other => Err(self.error(format!(
                "expected a dynamic value (a 2-element array [type JSON, value]), found {}{}",
                other.describe(),
                match other {
                    Head::Array(len) => format!(" of {len} elements"),
                    _ => String::new(),
                }
            ))),
        }
    }

    /// Any extension is an unknown value; only ext 12 carries refinements.
    #[inline(never)]
    fn unknown(&mut self, ext_type: i8, len: usize, ty: &Type) -> Result<Value, DecodeError> {
        let payload = self.take(len)?;
        // cty ignores refinements on dynamic values, and so do we.
        if *ty == Type::Dynamic || ext_type != REFINED_UNKNOWN_EXT || payload.len() < 2 {
            return Ok(Value::unknown());
        }
        let mut body = Decoder {
            input: payload,
            pos: 0,
            path: self.path.clone(),
        };
        body.refinements(ty).map(Value::Unknown)
    }

    fn refinements(&mut self, ty: &Type) -> Result<Refinements, DecodeError> {
        let Head::Map(entries) = self.head()? else {
            return Err(self.error("unknown value refinements must be a msgpack map"));
        };
        let mut r = Refinements::default();
        for _ in 0..entries {
            let key = match self.head()? {
                Head::Int(i) => i,
                // Above i64::MAX: certainly not a key we know.
                Head::UInt(_) => -1,
                other => {
                    return Err(self.error(format!(
                        "refinement keys must be integers, found {}",
                        other.describe()
                    )));
                }
            };
            let not_for = |this: &Self, what: &str| {
                Err(this.error(format!("{what} refinement does not apply to type {ty}")))
            };
            match key {
                1 => match self.head()? {
                    Head::Bool(is_null) => r.nullness = Some(is_null),
                    _ => return Err(self.error("the nullness refinement must be a bool")),
                },
                2 => {
                    if *ty != Type::String {
                        return not_for(self, "a string prefix");
                    }
                    let prefix = match self.head()? {
                        Head::Str(len) | Head::Bin(len) => {
                            self.text(len, "string prefix refinement")?
                        }
                        _ => {
                            return Err(self.error("the string prefix refinement must be a string"));
                        }
                    };
                    let prefix = truncate_prefix(prefix);
                    r.string_prefix = (!prefix.is_empty()).then(|| prefix.to_owned());
                }
                3 | 4 => {
                    if *ty != Type::Number {
                        return not_for(self, "a number bound");
                    }
                    let bad = |this: &Self| {
                        this.error("a number bound refinement must be [number, bool]")
                    };
                    if !matches!(self.head()?, Head::Array(2)) {
                        return Err(bad(self));
                    }
                    let head = self.head()?;
                    let Some(bound) = self.number(head)? else {
                        return Err(bad(self));
                    };
                    let Head::Bool(inclusive) = self.head()? else {
                        return Err(bad(self));
                    };
                    if key == 3 {
                        r.number_lower = Some((bound, inclusive));
                    } else {
                        r.number_upper = Some((bound, inclusive));
                    }
                }
                5 | 6 => {
                    if !ty.is_collection() {
                        return not_for(self, "a length");
                    }
                    let length = match self.head()? {
                        Head::Int(i) if i >= 0 => i.unsigned_abs(),
                        Head::UInt(u) => u,
                        _ => {
                            return Err(
                                self.error("a length refinement must be a non-negative integer")
                            );
                        }
                    };
                    if key == 5 {
                        r.length_min = Some(length);
                    } else {
                        r.length_max = Some(length);
                    }
                }
                // Unknown keys are reserved for future refinements.
                _ => self.skip(0)?,
            }
        }
        // Bytes after the map are ignored, as in cty (room for extensions).
        Ok(r)
    }

    fn skip(&mut self, depth: usize) -> Result<(), DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        match self.head()? {
            Head::Str(len) | Head::Bin(len) | Head::Ext(_, len) => {
                self.take(len)?;
            }
            Head::Array(len) => {
                for _ in 0..len {
                    self.skip(depth + 1)?;
                }
            }
            Head::Map(len) => {
                for _ in 0..len {
                    self.skip(depth + 1)?;
                    self.skip(depth + 1)?;
                }
            }
            Head::Nil | Head::Bool(_) | Head::Int(_) | Head::UInt(_) | Head::Float(_) => {}
        }
        Ok(())
    }
}
