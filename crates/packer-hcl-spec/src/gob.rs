//! Go `encoding/gob` of `hcldec.ObjectSpec`, as Packer decodes a `Builder.ConfigSpec` reply.
//!
//! Layout (accepted by Debian Packer 1.6.6, per the protocol reference): every type definition as
//! its own message first, then one value message. Interface values then carry no inline
//! definitions. Go's own encoder interleaves definitions instead; both decode the same.
//!
//! `cty.Type` is a `GobEncoder`: its field value is a byte string holding a separate, complete gob
//! stream of cty's `gobType{Version int, Impl interface}`.

use std::collections::BTreeMap;

use crate::{
    AttrSpec, BlockListSpec, BlockSpec, CtyType, Encoding, MAX_DEPTH, ObjectSpec, Spec, SpecError,
    join_path,
};

/// Which Packer build decodes the bytes; only the interface name of a nested `ObjectSpec` differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GobFlavor {
    /// Debian's `packer` 1.6.6 package: built in GOPATH mode with a `vendor/` tree, so gob names
    /// built from `PkgPath` contain `github.com/hashicorp/packer/vendor/`. The upstream name makes
    /// it panic ("name not registered for interface").
    Debian166,
    /// HashiCorp's builds and every modern Packer without `--protobuf` (module mode, plain paths).
    Upstream,
}

impl GobFlavor {
    /// The name `gob.Register(hcldec.ObjectSpec(nil))` produced in that build.
    fn object_spec_name(self) -> &'static str {
        match self {
            Self::Debian166 => {
                "github.com/hashicorp/packer/vendor/github.com/hashicorp/hcl/v2/hcldec.ObjectSpec"
            }
            Self::Upstream => "github.com/hashicorp/hcl/v2/hcldec.ObjectSpec",
        }
    }
}

// Pointer types are registered as "*" + package *name* (gob's long-standing quirk), so these
// carry no import path and are the same in every build.
const ATTR_SPEC_NAME: &str = "*hcldec.AttrSpec";
const BLOCK_SPEC_NAME: &str = "*hcldec.BlockSpec";
const BLOCK_LIST_SPEC_NAME: &str = "*hcldec.BlockListSpec";
// cty registers its type implementations under explicit, path-free names.
const CTY_PRIMITIVE_NAME: &str = "github.com/zclconf/go-cty/cty.primitiveType";
const CTY_LIST_NAME: &str = "github.com/zclconf/go-cty/cty.typeList";
const CTY_MAP_NAME: &str = "github.com/zclconf/go-cty/cty.typeMap";
const CTY_SET_NAME: &str = "github.com/zclconf/go-cty/cty.typeSet";
const CTY_OBJECT_NAME: &str = "github.com/zclconf/go-cty/cty.typeObject";

// gob's predefined type ids.
const ID_BOOL: i64 = 1;
const ID_INT: i64 = 2;
const ID_UINT: i64 = 3;
const ID_STRING: i64 = 6;
const ID_INTERFACE: i64 = 8;
/// First id available for user types.
const FIRST_USER_ID: i64 = 65;

// wireType field numbers (ArrayT = 1 …).
const WIRE_STRUCT: u64 = 3;
const WIRE_MAP: u64 = 4;
const WIRE_GOB_ENCODER: u64 = 5;

/// Encodes `spec` as `gob.NewEncoder(w).Encode(spec)` would for Packer's `ConfigSpec` reply.
///
/// Fails when a type has no gob form (`Dynamic`) or nesting exceeds [`MAX_DEPTH`].
pub fn encode_gob(spec: &ObjectSpec, flavor: GobFlavor) -> Result<Vec<u8>, SpecError> {
    let mut used = Used::default();
    scan_object(spec, "", 0, &mut used)?;
    let ids = OuterIds::assign(&used);

    let mut stream = Vec::new();
    for definition in ids.definitions() {
        put_message(&mut stream, &definition);
    }
    let mut value = Vec::new();
    put_int(&mut value, ids.object_spec);
    // A non-struct top-level value starts with the singleton field delta 0.
    put_uint(&mut value, 0);
    put_object_entries(&mut value, spec, flavor, &ids);
    put_message(&mut stream, &value);
    Ok(stream)
}

/// Encodes `CommandFinished{ExitStatus int}` as a fresh gob stream, as the plugin writes it on a
/// Communicator command's response stream (reference §4.6, Appendix A.4): the struct's type
/// definition, then the value (a zero status is the empty struct, as gob omits zero fields).
pub fn encode_command_finished(exit_status: i64) -> Vec<u8> {
    let id = FIRST_USER_ID;
    let mut stream = Vec::new();
    put_message(
        &mut stream,
        &struct_type("CommandFinished", id, &[("ExitStatus", ID_INT)]),
    );
    let mut value = Vec::new();
    put_int(&mut value, id);
    let mut fields = StructWriter::default();
    if exit_status != 0 {
        fields.field(0, |out| put_int(out, exit_status));
    }
    value.extend_from_slice(&fields.finish());
    put_message(&mut stream, &value);
    stream
}

/// Which outer types occur, so the stream defines exactly those.
#[derive(Default)]
struct Used {
    attr: bool,
    block: bool,
    block_list: bool,
}

/// Checks the whole model up front, so encoding itself cannot fail half-way.
fn scan_object(
    spec: &ObjectSpec,
    path: &str,
    depth: usize,
    used: &mut Used,
) -> Result<(), SpecError> {
    if depth > MAX_DEPTH {
        return Err(SpecError::TooDeep {
            path: path.to_owned(),
        });
    }
    for (key, entry) in &spec.entries {
        let here = join_path(path, key);
        match entry {
            Spec::Attr(attr) => {
                used.attr = true;
                check_type(&attr.ty, &here, 0)?;
            }
            Spec::Block(block) => {
                used.block = true;
                scan_object(&block.nested, &here, depth + 1, used)?;
            }
            Spec::BlockList(list) => {
                used.block_list = true;
                scan_object(&list.nested, &here, depth + 1, used)?;
            }
        }
    }
    Ok(())
}

fn check_type(ty: &CtyType, path: &str, depth: usize) -> Result<(), SpecError> {
    if depth > MAX_DEPTH {
        return Err(SpecError::TooDeep {
            path: path.to_owned(),
        });
    }
    match ty {
        CtyType::String | CtyType::Number | CtyType::Bool => Ok(()),
        CtyType::List(element) | CtyType::Set(element) | CtyType::Map(element) => {
            check_type(element, path, depth + 1)
        }
        CtyType::Object(attributes) => attributes
            .values()
            .try_for_each(|attribute| check_type(attribute, path, depth + 1)),
        CtyType::Dynamic => Err(SpecError::UnsupportedType {
            path: path.to_owned(),
            ty: ty.to_string(),
            encoding: Encoding::Gob,
        }),
    }
}

/// Type ids of the outer stream: `ObjectSpec` is always 65, the rest follow in a fixed order.
struct OuterIds {
    object_spec: i64,
    attr: Option<i64>,
    cty_type: Option<i64>,
    block: Option<i64>,
    block_list: Option<i64>,
}

impl OuterIds {
    fn assign(used: &Used) -> Self {
        let mut next = FIRST_USER_ID + 1;
        let mut take = |wanted: bool| {
            wanted.then(|| {
                next += 1;
                next - 1
            })
        };
        let attr = take(used.attr);
        let cty_type = take(used.attr);
        let block = take(used.block);
        let block_list = take(used.block_list);
        Self {
            object_spec: FIRST_USER_ID,
            attr,
            cty_type,
            block,
            block_list,
        }
    }

    /// The type-definition message payloads, in id order.
    fn definitions(&self) -> Vec<Vec<u8>> {
        let mut out = vec![map_type(
            "ObjectSpec",
            self.object_spec,
            ID_STRING,
            ID_INTERFACE,
        )];
        if let (Some(attr), Some(cty_type)) = (self.attr, self.cty_type) {
            out.push(struct_type(
                "AttrSpec",
                attr,
                &[
                    ("Name", ID_STRING),
                    ("Type", cty_type),
                    ("Required", ID_BOOL),
                ],
            ));
            out.push(gob_encoder_type("Type", cty_type));
        }
        if let Some(block) = self.block {
            out.push(struct_type(
                "BlockSpec",
                block,
                &[
                    ("TypeName", ID_STRING),
                    ("Nested", ID_INTERFACE),
                    ("Required", ID_BOOL),
                ],
            ));
        }
        if let Some(block_list) = self.block_list {
            out.push(struct_type(
                "BlockListSpec",
                block_list,
                &[
                    ("TypeName", ID_STRING),
                    ("Nested", ID_INTERFACE),
                    ("MinItems", ID_INT),
                    ("MaxItems", ID_INT),
                ],
            ));
        }
        out
    }
}

/// Map body: count, then (key, interface value) pairs.
fn put_object_entries(out: &mut Vec<u8>, spec: &ObjectSpec, flavor: GobFlavor, ids: &OuterIds) {
    put_uint(out, spec.entries.len() as u64);
    for (key, entry) in &spec.entries {
        put_str(out, key);
        match entry {
            Spec::Attr(attr) => {
                // `scan_object` saw this attribute, so both ids exist.
                if let (Some(id), Some(_)) = (ids.attr, ids.cty_type) {
                    put_interface(out, ATTR_SPEC_NAME, id, &attr_value(attr));
                }
            }
            Spec::Block(block) => {
                if let Some(id) = ids.block {
                    put_interface(out, BLOCK_SPEC_NAME, id, &block_value(block, flavor, ids));
                }
            }
            Spec::BlockList(list) => {
                if let Some(id) = ids.block_list {
                    let value = block_list_value(list, flavor, ids);
                    put_interface(out, BLOCK_LIST_SPEC_NAME, id, &value);
                }
            }
        }
    }
}

fn attr_value(attr: &AttrSpec) -> Vec<u8> {
    let mut fields = StructWriter::default();
    if !attr.name.is_empty() {
        fields.field(0, |out| put_str(out, &attr.name));
    }
    let inner = cty_type_stream(&attr.ty);
    fields.field(1, |out| put_bytes(out, &inner));
    if attr.required {
        fields.field(2, |out| put_uint(out, 1));
    }
    fields.finish()
}

fn block_value(block: &BlockSpec, flavor: GobFlavor, ids: &OuterIds) -> Vec<u8> {
    let mut fields = StructWriter::default();
    if !block.type_name.is_empty() {
        fields.field(0, |out| put_str(out, &block.type_name));
    }
    fields.field(1, |out| put_nested_object(out, &block.nested, flavor, ids));
    if block.required {
        fields.field(2, |out| put_uint(out, 1));
    }
    fields.finish()
}

fn block_list_value(list: &BlockListSpec, flavor: GobFlavor, ids: &OuterIds) -> Vec<u8> {
    let mut fields = StructWriter::default();
    if !list.type_name.is_empty() {
        fields.field(0, |out| put_str(out, &list.type_name));
    }
    fields.field(1, |out| put_nested_object(out, &list.nested, flavor, ids));
    if list.min_items != 0 {
        fields.field(2, |out| put_int(out, i64::from(list.min_items)));
    }
    if list.max_items != 0 {
        fields.field(3, |out| put_int(out, i64::from(list.max_items)));
    }
    fields.finish()
}

/// A nested `ObjectSpec` as an interface value (the name is where the flavours differ).
fn put_nested_object(out: &mut Vec<u8>, spec: &ObjectSpec, flavor: GobFlavor, ids: &OuterIds) {
    let mut value = Vec::new();
    put_uint(&mut value, 0); // singleton: a map is not a struct
    put_object_entries(&mut value, spec, flavor, ids);
    put_interface(out, flavor.object_spec_name(), ids.object_spec, &value);
}

/// The `GobEncode` output of a `cty.Type`: a complete stream of its own.
fn cty_type_stream(ty: &CtyType) -> Vec<u8> {
    const GOB_TYPE: i64 = FIRST_USER_ID;
    const IMPL: i64 = FIRST_USER_ID + 1;
    let mut stream = Vec::new();
    put_message(
        &mut stream,
        &struct_type(
            "gobType",
            GOB_TYPE,
            &[("Version", ID_INT), ("Impl", ID_INTERFACE)],
        ),
    );
    let (name, impl_value) = match ty {
        CtyType::String | CtyType::Number | CtyType::Bool => {
            let kind = match ty {
                CtyType::String => b'S',
                CtyType::Number => b'N',
                _ => b'B',
            };
            put_message(
                &mut stream,
                &struct_type("primitiveType", IMPL, &[("Kind", ID_UINT)]),
            );
            let mut fields = StructWriter::default();
            fields.field(0, |out| put_uint(out, u64::from(kind)));
            (CTY_PRIMITIVE_NAME, fields.finish())
        }
        CtyType::List(element) | CtyType::Set(element) | CtyType::Map(element) => {
            let (name, type_name) = match ty {
                CtyType::List(_) => (CTY_LIST_NAME, "typeList"),
                CtyType::Set(_) => (CTY_SET_NAME, "typeSet"),
                _ => (CTY_MAP_NAME, "typeMap"),
            };
            let element_id = IMPL + 1;
            put_message(
                &mut stream,
                &struct_type(type_name, IMPL, &[("ElementTypeT", element_id)]),
            );
            put_message(&mut stream, &gob_encoder_type("Type", element_id));
            let inner = cty_type_stream(element);
            let mut fields = StructWriter::default();
            fields.field(0, |out| put_bytes(out, &inner));
            (name, fields.finish())
        }
        CtyType::Object(attributes) => {
            let map_id = IMPL + 1;
            let element_id = IMPL + 2;
            put_message(
                &mut stream,
                &struct_type("typeObject", IMPL, &[("AttrTypes", map_id)]),
            );
            put_message(
                &mut stream,
                &map_type("map[string]cty.Type", map_id, ID_STRING, element_id),
            );
            put_message(&mut stream, &gob_encoder_type("Type", element_id));
            (CTY_OBJECT_NAME, object_type_value(attributes))
        }
        // Refused by `check_type` before any encoding starts; an empty impl keeps this total.
        CtyType::Dynamic => (CTY_PRIMITIVE_NAME, vec![0]),
    };
    let mut value = Vec::new();
    put_int(&mut value, GOB_TYPE);
    // Version is 0 and therefore omitted: field delta 2 goes straight to Impl.
    let mut fields = StructWriter::default();
    fields.field(1, |out| put_interface(out, name, IMPL, &impl_value));
    value.extend_from_slice(&fields.finish());
    put_message(&mut stream, &value);
    stream
}

fn object_type_value(attributes: &BTreeMap<String, CtyType>) -> Vec<u8> {
    let mut fields = StructWriter::default();
    // gob omits empty maps, like any zero value.
    if !attributes.is_empty() {
        fields.field(0, |out| {
            put_uint(out, attributes.len() as u64);
            for (name, ty) in attributes {
                put_str(out, name);
                put_bytes(out, &cty_type_stream(ty));
            }
        });
    }
    fields.finish()
}

/// Struct value: (field delta, value)* then 0; zero-valued fields are left out by the caller.
#[derive(Default)]
struct StructWriter {
    out: Vec<u8>,
    last: u64,
}

impl StructWriter {
    /// `index` is the 0-based field number; callers go in increasing order.
    fn field(&mut self, index: u64, value: impl FnOnce(&mut Vec<u8>)) {
        let number = index + 1;
        put_uint(&mut self.out, number - self.last);
        self.last = number;
        value(&mut self.out);
    }

    fn finish(mut self) -> Vec<u8> {
        self.out.push(0);
        self.out
    }
}

/// Interface value: name, concrete type id, then the value's byte length and bytes.
fn put_interface(out: &mut Vec<u8>, name: &str, id: i64, value: &[u8]) {
    put_str(out, name);
    put_int(out, id);
    put_bytes(out, value);
}

/// Type definition payload: −id, then a `wireType` with one field set.
fn type_definition(id: i64, wire_field: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    put_int(&mut out, -id);
    let mut wire = StructWriter::default();
    wire.field(wire_field - 1, |out| out.extend_from_slice(body));
    out.extend_from_slice(&wire.finish());
    out
}

/// `CommonType{Name, Id}` as a struct value.
fn common_type(name: &str, id: i64) -> Vec<u8> {
    let mut fields = StructWriter::default();
    fields.field(0, |out| put_str(out, name));
    fields.field(1, |out| put_int(out, id));
    fields.finish()
}

fn struct_type(name: &str, id: i64, fields: &[(&str, i64)]) -> Vec<u8> {
    let mut body = StructWriter::default();
    body.field(0, |out| out.extend_from_slice(&common_type(name, id)));
    if !fields.is_empty() {
        body.field(1, |out| {
            put_uint(out, fields.len() as u64);
            for (field_name, field_id) in fields {
                let mut field = StructWriter::default();
                field.field(0, |out| put_str(out, field_name));
                field.field(1, |out| put_int(out, *field_id));
                out.extend_from_slice(&field.finish());
            }
        });
    }
    type_definition(id, WIRE_STRUCT, &body.finish())
}

fn map_type(name: &str, id: i64, key: i64, element: i64) -> Vec<u8> {
    let mut body = StructWriter::default();
    body.field(0, |out| out.extend_from_slice(&common_type(name, id)));
    body.field(1, |out| put_int(out, key));
    body.field(2, |out| put_int(out, element));
    type_definition(id, WIRE_MAP, &body.finish())
}

fn gob_encoder_type(name: &str, id: i64) -> Vec<u8> {
    let mut body = StructWriter::default();
    body.field(0, |out| out.extend_from_slice(&common_type(name, id)));
    type_definition(id, WIRE_GOB_ENCODER, &body.finish())
}

fn put_message(out: &mut Vec<u8>, payload: &[u8]) {
    put_bytes(out, payload);
}

/// gob uint: one byte below 128, else the negated byte count and big-endian bytes.
fn put_uint(out: &mut Vec<u8>, value: u64) {
    if value < 0x80 {
        out.push(value as u8);
        return;
    }
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|byte| **byte == 0).count();
    let significant = &bytes[skip..];
    out.push((significant.len() as u8).wrapping_neg());
    out.extend_from_slice(significant);
}

/// gob int: zig-zag with the sign in bit 0, complemented for negatives.
fn put_int(out: &mut Vec<u8>, value: i64) {
    let folded = if value < 0 {
        (!(value as u64) << 1) | 1
    } else {
        (value as u64) << 1
    };
    put_uint(out, folded);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_uint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_bytes(out, text.as_bytes());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn uint(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_uint(&mut out, value);
        out
    }

    fn int(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        put_int(&mut out, value);
        out
    }

    #[test]
    fn command_finished_matches_the_reference_golden_bytes() {
        let prefix = "2cff810301010f436f6d6d616e6446696e697368656401ff82000101010a45786974537461747573010400000";
        let hex = |bytes: Vec<u8>| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(encode_command_finished(0)),
            format!("{prefix}003ff8200")
        );
        assert_eq!(
            hex(encode_command_finished(1)),
            format!("{prefix}005ff82010200")
        );
        assert_eq!(
            hex(encode_command_finished(127)),
            format!("{prefix}006ff8201fffe00")
        );
        assert_eq!(
            hex(encode_command_finished(300)),
            format!("{prefix}007ff8201fe025800")
        );
    }

    #[test]
    fn uints_follow_the_gob_doc() {
        assert_eq!(uint(0), [0x00]);
        assert_eq!(uint(127), [0x7f]);
        assert_eq!(uint(128), [0xff, 0x80]);
        assert_eq!(uint(256), [0xfe, 0x01, 0x00]);
        assert_eq!(
            uint(u64::MAX),
            [0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
    }

    #[test]
    fn ints_zig_zag_like_the_gob_doc() {
        // The gob doc's examples, plus the ids the appendix reads (−65 = ff81, 65 = ff82).
        assert_eq!(int(0), [0x00]);
        assert_eq!(int(-1), [0x01]);
        assert_eq!(int(1), [0x02]);
        assert_eq!(int(-129), [0xfe, 0x01, 0x01]);
        assert_eq!(int(-65), [0xff, 0x81]);
        assert_eq!(int(65), [0xff, 0x82]);
        assert_eq!(int(i64::MIN).len(), 9);
        assert_eq!(int(150), [0xfe, 0x01, 0x2c]);
    }
}
