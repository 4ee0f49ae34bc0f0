#![allow(clippy::unwrap_used)]
//! Golden bytes from the protocol reference's Appendix A, plus the encoders' refusals.

use hcl_spec::proto::{self, cty_type, spec};
use hcl_spec::{
    AttrSpec, BlockListSpec, CtyType, Encoding, GobFlavor, MAX_DEPTH, ObjectSpec, Spec, SpecError,
    decode_protobuf, encode_gob, encode_protobuf,
};
use prost::Message;

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// A.2: verified on Debian Packer 1.6.6 (an argument-less `source` block).
#[test]
fn empty_object_spec_matches_appendix_a2_in_both_flavours() {
    let golden = hex("1aff810401010a4f626a6563745370656301ff8200010c0110000004ff820000");
    for flavor in [GobFlavor::Debian166, GobFlavor::Upstream] {
        assert_eq!(encode_gob(&ObjectSpec::new(), flavor).unwrap(), golden);
    }
}

/// A.3 (canonical layout, accepted by 1.6.6) is the `Type` field of a string attribute: the
/// encoder must embed exactly those 135 bytes, length-prefixed as a gob byte string.
#[test]
fn string_attribute_embeds_the_appendix_a3_cty_stream() {
    let inner = hex(
        "2aff8103010107676f625479706501ff82000102010756657273696f6e010400
        0104496d706c011000000024ff830301010d7072696d69746976655479706501
        ff8400010101044b696e64010600000036ff82022b6769746875622e636f6d2f
        7a636c636f6e662f676f2d6374792f6374792e7072696d697469766554797065
        ff840301530000",
    );
    assert_eq!(inner.len(), 135);
    let mut field = vec![0xff, 135];
    field.extend_from_slice(&inner);
    let bytes = encode_gob(
        &ObjectSpec::new().attr("foo", CtyType::String),
        GobFlavor::Upstream,
    )
    .unwrap();
    assert!(contains(&bytes, &field));
    // Number and Bool differ only in the Kind byte (0x53 'S' → 0x4e / 0x42).
    for (ty, kind) in [(CtyType::Number, 0x4e), (CtyType::Bool, 0x42)] {
        let mut other = field.clone();
        let last = other.len() - 3;
        other[last] = kind;
        let bytes = encode_gob(&ObjectSpec::new().attr("foo", ty), GobFlavor::Upstream).unwrap();
        assert!(contains(&bytes, &other));
    }
}

#[test]
fn flavours_differ_only_for_nested_object_specs() {
    let flat = ObjectSpec::new()
        .attr("name", CtyType::String)
        .attr("tags", CtyType::map(CtyType::String));
    assert_eq!(
        encode_gob(&flat, GobFlavor::Debian166).unwrap(),
        encode_gob(&flat, GobFlavor::Upstream).unwrap()
    );

    let nested = flat.block("export", ObjectSpec::new().attr("force", CtyType::Bool));
    let debian = encode_gob(&nested, GobFlavor::Debian166).unwrap();
    let upstream = encode_gob(&nested, GobFlavor::Upstream).unwrap();
    let vendored =
        b"github.com/hashicorp/packer/vendor/github.com/hashicorp/hcl/v2/hcldec.ObjectSpec";
    let plain = b"\x2dgithub.com/hashicorp/hcl/v2/hcldec.ObjectSpec";
    assert!(contains(&debian, vendored));
    assert!(!contains(&upstream, vendored));
    assert!(contains(&upstream, plain));
}

/// A.5, and the `required = true` variant the reference spells out.
#[test]
fn protobuf_string_attribute_matches_appendix_a5() {
    let spec = ObjectSpec::new().attr("foo", CtyType::String);
    let golden = hex("0a200a1e0a03666f6f121712150a03666f6f120e0a0c0a0a6374792e537472696e67");
    assert_eq!(encode_protobuf(&spec).unwrap(), golden);

    let mut required = spec.clone();
    required.entries.insert(
        "foo".into(),
        Spec::Attr(AttrSpec {
            name: "foo".into(),
            ty: CtyType::String,
            required: true,
        }),
    );
    let golden = hex("0a220a200a03666f6f121912170a03666f6f120e0a0c0a0a6374792e537472696e671801");
    assert_eq!(encode_protobuf(&required).unwrap(), golden);
}

fn vsphere_like() -> ObjectSpec {
    ObjectSpec::new()
        .attr("vcenter_server", CtyType::String)
        .attr("CPUs", CtyType::Number)
        .attr("insecure_connection", CtyType::Bool)
        .attr("boot_command", CtyType::list(CtyType::String))
        .attr("ssh_public_key", CtyType::list(CtyType::Number))
        .attr("configuration_parameters", CtyType::map(CtyType::String))
        .block(
            "vapp",
            ObjectSpec::new().attr("properties", CtyType::map(CtyType::String)),
        )
        .block_list(
            "storage",
            ObjectSpec::new()
                .attr("disk_size", CtyType::Number)
                .attr("disk_thin_provisioned", CtyType::Bool),
        )
}

#[test]
fn protobuf_round_trips_through_the_prost_types() {
    let spec = vsphere_like();
    let bytes = encode_protobuf(&spec).unwrap();
    assert_eq!(decode_protobuf(&bytes).unwrap(), spec);

    // The message shape the SDK's FromProto expects: an Object at the top, Block / BlockList
    // nesting Objects, Go-syntax primitive names.
    let message = proto::Spec::decode(bytes.as_slice()).unwrap();
    let Some(spec::Block::Object(object)) = message.block else {
        panic!("top level is not an object: {message:?}");
    };
    let Some(spec::Block::BlockList(storage)) = &object.attributes["storage"].block else {
        panic!("storage is not a block list");
    };
    assert_eq!(storage.name, "storage");
    let nested = storage.nested.as_deref().unwrap();
    assert!(matches!(nested.block, Some(spec::Block::Object(_))));
    let Some(spec::Block::Attr(cpus)) = &object.attributes["CPUs"].block else {
        panic!("CPUs is not an attribute");
    };
    let Some(cty_type::TypeDef::Primitive(primitive)) = &cpus.r#type.as_ref().unwrap().type_def
    else {
        panic!("CPUs is not primitive");
    };
    assert_eq!(primitive.type_string, "cty.Number");
}

#[test]
fn protobuf_refuses_what_its_schema_cannot_carry() {
    for ty in [
        CtyType::set(CtyType::String),
        CtyType::Object([("a".to_owned(), CtyType::String)].into()),
        CtyType::list(CtyType::Dynamic),
    ] {
        let spec = ObjectSpec::new().block("outer", ObjectSpec::new().attr("x", ty.clone()));
        assert_eq!(
            encode_protobuf(&spec),
            Err(SpecError::UnsupportedType {
                path: "outer.x".into(),
                // The innermost offending type is named.
                ty: if ty.to_string().starts_with("list") {
                    "any".into()
                } else {
                    ty.to_string()
                },
                encoding: Encoding::Protobuf,
            })
        );
    }
    let mut limited = ObjectSpec::new();
    limited.entries.insert(
        "disk".into(),
        Spec::BlockList(BlockListSpec {
            type_name: "disk".into(),
            nested: ObjectSpec::new(),
            min_items: 1,
            max_items: 0,
        }),
    );
    assert_eq!(
        encode_protobuf(&limited),
        Err(SpecError::ItemLimits {
            path: "disk".into()
        })
    );
    // Gob carries both sets/objects and item limits.
    assert!(encode_gob(&limited, GobFlavor::Upstream).is_ok());
}

#[test]
fn gob_refuses_dynamic_types() {
    let spec = ObjectSpec::new().attr("any", CtyType::map(CtyType::Dynamic));
    for flavor in [GobFlavor::Debian166, GobFlavor::Upstream] {
        assert_eq!(
            encode_gob(&spec, flavor),
            Err(SpecError::UnsupportedType {
                path: "any".into(),
                ty: "any".into(),
                encoding: Encoding::Gob,
            })
        );
    }
}

#[test]
fn absurd_nesting_is_an_error_not_a_stack_overflow() {
    let mut ty = CtyType::String;
    for _ in 0..10_000 {
        ty = CtyType::list(ty);
    }
    let spec = ObjectSpec::new().attr("deep", ty);
    assert!(matches!(
        encode_gob(&spec, GobFlavor::Upstream),
        Err(SpecError::TooDeep { .. })
    ));
    assert!(matches!(
        encode_protobuf(&spec),
        Err(SpecError::TooDeep { .. })
    ));

    let mut spec = ObjectSpec::new();
    for _ in 0..(MAX_DEPTH + 2) {
        spec = ObjectSpec::new().block("b", spec);
    }
    assert!(matches!(
        encode_gob(&spec, GobFlavor::Debian166),
        Err(SpecError::TooDeep { .. })
    ));
    assert!(matches!(
        encode_protobuf(&spec),
        Err(SpecError::TooDeep { .. })
    ));
    // Dropping the deep list must not overflow either (the test would abort if it did).
}

/// Truncations, bit flips and pseudo-random bytes: always a value or a typed error.
#[test]
fn malformed_protobuf_never_panics() {
    let good = encode_protobuf(&vsphere_like()).unwrap();
    for end in 0..good.len() {
        let _ = decode_protobuf(&good[..end]);
    }
    for index in 0..good.len() {
        for bit in 0..8 {
            let mut flipped = good.clone();
            flipped[index] ^= 1 << bit;
            let _ = decode_protobuf(&flipped);
        }
    }
    // xorshift: deterministic noise without a dependency.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for length in 0..400 {
        let bytes: Vec<u8> = (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = decode_protobuf(&bytes);
    }
    // Specific shapes Packer would reject, each a typed error.
    let attr_only = proto::Spec {
        block: Some(spec::Block::Attr(proto::Attr::default())),
    };
    assert!(matches!(
        decode_protobuf(&attr_only.encode_to_vec()),
        Err(SpecError::Malformed { .. })
    ));
    let bad_primitive = hex("0a200a1e0a03666f6f121712150a03666f6f120e0a0c0a0a6374792e537472696e47");
    assert!(matches!(
        decode_protobuf(&bad_primitive),
        Err(SpecError::Malformed { .. })
    ));
    assert!(matches!(
        decode_protobuf(&[0x0a, 0x05]),
        Err(SpecError::Malformed { .. })
    ));
}
