//! Protocol v2 `ConfigSpec` (Packer ≥ 1.12 started with `--protobuf`): the SDK's `rpc/hcl_spec.proto`
//! as prost messages, written by hand (the file has no `package`, so message names are bare), and
//! the conversions to and from [`ObjectSpec`].
//!
//! The wire payload is a serialized [`Spec`] whose oneof holds an [`Object`].

use std::collections::BTreeMap;

use prost::Message;

use crate::{
    AttrSpec, BlockListSpec, BlockSpec, Encoding, MAX_DEPTH, ObjectSpec, SpecError, join_path,
};

/// `message Spec { oneof block { Object object = 1; Attr attr = 2; Block block_value = 3;
/// BlockList block_list = 4; } }`.
#[derive(Clone, PartialEq, Message)]
pub struct Spec {
    /// Which spec kind this is.
    #[prost(oneof = "spec::Block", tags = "1, 2, 3, 4")]
    pub block: Option<spec::Block>,
}

/// The oneof of [`Spec`].
pub mod spec {
    /// `oneof block`.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Block {
        /// An object spec (the top level, and every block's nested spec).
        #[prost(message, tag = "1")]
        Object(super::Object),
        /// An attribute.
        #[prost(message, tag = "2")]
        Attr(super::Attr),
        /// A single block.
        #[prost(message, tag = "3")]
        BlockValue(super::Block),
        /// A block list.
        #[prost(message, tag = "4")]
        BlockList(super::BlockList),
    }
}

/// `message Object { map<string, Spec> attributes = 1; }`.
#[derive(Clone, PartialEq, Message)]
pub struct Object {
    /// Name → spec; sorted so our output is deterministic.
    #[prost(btree_map = "string, message", tag = "1")]
    pub attributes: BTreeMap<String, Spec>,
}

/// `message Attr { string name = 1; CtyType type = 2; bool required = 3; }`.
#[derive(Clone, PartialEq, Message)]
pub struct Attr {
    /// The argument name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Its type.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<CtyType>,
    /// Whether HCL requires it.
    #[prost(bool, tag = "3")]
    pub required: bool,
}

/// `message Block { string name = 1; bool required = 2; Spec nested = 3; }`.
#[derive(Clone, PartialEq, Message)]
pub struct Block {
    /// The block type.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Whether HCL requires it.
    #[prost(bool, tag = "2")]
    pub required: bool,
    /// The body's spec (an object spec).
    #[prost(message, optional, boxed, tag = "3")]
    pub nested: Option<Box<Spec>>,
}

/// `message BlockList { string name = 1; Spec nested = 2; }` (no item limits in the schema).
#[derive(Clone, PartialEq, Message)]
pub struct BlockList {
    /// The block type.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Each body's spec (an object spec).
    #[prost(message, optional, boxed, tag = "2")]
    pub nested: Option<Box<Spec>>,
}

/// `message CtyType { oneof typeDef { CtyPrimitive primitive = 1; CtyList list = 2;
/// CtyMap map = 3; } }`.
#[derive(Clone, PartialEq, Message)]
pub struct CtyType {
    /// Which type this is.
    #[prost(oneof = "cty_type::TypeDef", tags = "1, 2, 3")]
    pub type_def: Option<cty_type::TypeDef>,
}

/// The oneof of [`CtyType`](struct@CtyType).
pub mod cty_type {
    /// `oneof typeDef`.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum TypeDef {
        /// string, number or bool.
        #[prost(message, tag = "1")]
        Primitive(super::CtyPrimitive),
        /// `list(T)`.
        #[prost(message, tag = "2")]
        List(Box<super::CtyList>),
        /// `map(T)`.
        #[prost(message, tag = "3")]
        Map(Box<super::CtyMap>),
    }
}

/// `message CtyPrimitive { string typeString = 1; }`: Go syntax, `cty.String` / `cty.Number` /
/// `cty.Bool`, exactly as the SDK compares it.
#[derive(Clone, PartialEq, Message)]
pub struct CtyPrimitive {
    /// The Go-syntax name.
    #[prost(string, tag = "1")]
    pub type_string: String,
}

/// `message CtyList { CtyType elementType = 1; }`.
#[derive(Clone, PartialEq, Message)]
pub struct CtyList {
    /// The element type.
    #[prost(message, optional, boxed, tag = "1")]
    pub element_type: Option<Box<CtyType>>,
}

/// `message CtyMap { CtyType elementType = 1; }`.
#[derive(Clone, PartialEq, Message)]
pub struct CtyMap {
    /// The element type.
    #[prost(message, optional, boxed, tag = "1")]
    pub element_type: Option<Box<CtyType>>,
}

/// `message HCL2Spec { map<string, Spec> TypeSpec = 1; }`: in the schema, unused by Packer; kept
/// for completeness of the mirror.
#[derive(Clone, PartialEq, Message)]
pub struct Hcl2Spec {
    /// Name → spec.
    #[prost(btree_map = "string, message", tag = "1")]
    pub type_spec: BTreeMap<String, Spec>,
}

const STRING: &str = "cty.String";
const NUMBER: &str = "cty.Number";
const BOOL: &str = "cty.Bool";

/// Encodes `spec` as the protocol v2 `ConfigSpec` payload.
///
/// Fails on what the schema cannot carry: set / object / dynamic types and block list item limits.
pub fn encode_protobuf(spec: &ObjectSpec) -> Result<Vec<u8>, SpecError> {
    Ok(to_proto(spec)?.encode_to_vec())
}

/// The prost message [`encode_protobuf`] serializes.
pub fn to_proto(spec: &ObjectSpec) -> Result<Spec, SpecError> {
    object_to_proto(spec, "", 0)
}

fn object_to_proto(spec: &ObjectSpec, path: &str, depth: usize) -> Result<Spec, SpecError> {
    if depth > MAX_DEPTH {
        return Err(SpecError::TooDeep {
            path: path.to_owned(),
        });
    }
    let mut attributes = BTreeMap::new();
    for (key, entry) in &spec.entries {
        let here = join_path(path, key);
        let block = match entry {
            crate::Spec::Attr(attr) => spec::Block::Attr(Attr {
                name: attr.name.clone(),
                r#type: Some(type_to_proto(&attr.ty, &here, 0)?),
                required: attr.required,
            }),
            crate::Spec::Block(block) => spec::Block::BlockValue(Block {
                name: block.type_name.clone(),
                required: block.required,
                nested: Some(Box::new(object_to_proto(&block.nested, &here, depth + 1)?)),
            }),
            crate::Spec::BlockList(list) => {
                if list.min_items != 0 || list.max_items != 0 {
                    return Err(SpecError::ItemLimits { path: here });
                }
                spec::Block::BlockList(BlockList {
                    name: list.type_name.clone(),
                    nested: Some(Box::new(object_to_proto(&list.nested, &here, depth + 1)?)),
                })
            }
        };
        attributes.insert(key.clone(), Spec { block: Some(block) });
    }
    Ok(Spec {
        block: Some(spec::Block::Object(Object { attributes })),
    })
}

fn type_to_proto(
    ty: &crate::CtyType,
    path: &str,
    depth: usize,
) -> Result<self::CtyType, SpecError> {
    if depth > MAX_DEPTH {
        return Err(SpecError::TooDeep {
            path: path.to_owned(),
        });
    }
    let primitive = |name: &str| {
        cty_type::TypeDef::Primitive(CtyPrimitive {
            type_string: name.to_owned(),
        })
    };
    let type_def = match ty {
        crate::CtyType::String => primitive(STRING),
        crate::CtyType::Number => primitive(NUMBER),
        crate::CtyType::Bool => primitive(BOOL),
        crate::CtyType::List(element) => cty_type::TypeDef::List(Box::new(CtyList {
            element_type: Some(Box::new(type_to_proto(element, path, depth + 1)?)),
        })),
        crate::CtyType::Map(element) => cty_type::TypeDef::Map(Box::new(CtyMap {
            element_type: Some(Box::new(type_to_proto(element, path, depth + 1)?)),
        })),
        crate::CtyType::Set(_) | crate::CtyType::Object(_) | crate::CtyType::Dynamic => {
            return Err(SpecError::UnsupportedType {
                path: path.to_owned(),
                ty: ty.to_string(),
                encoding: Encoding::Protobuf,
            });
        }
    };
    Ok(self::CtyType {
        type_def: Some(type_def),
    })
}

/// Decodes a protocol v2 `ConfigSpec` payload, the way Packer's `FromProto` reads it (and
/// additionally requiring block bodies to be object specs, the only kind this model has).
///
/// Never panics: malformed bytes give [`SpecError::Malformed`].
pub fn decode_protobuf(bytes: &[u8]) -> Result<ObjectSpec, SpecError> {
    // prost bounds message nesting itself (recursion limit), so hostile depth cannot overflow.
    let spec = Spec::decode(bytes).map_err(|error| malformed("", error.to_string()))?;
    object_from_proto(&spec, "")
}

fn malformed(path: &str, reason: impl Into<String>) -> SpecError {
    SpecError::Malformed {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn object_from_proto(spec: &Spec, path: &str) -> Result<ObjectSpec, SpecError> {
    let Some(spec::Block::Object(object)) = &spec.block else {
        return Err(malformed(path, "expected an object spec"));
    };
    let mut entries = BTreeMap::new();
    for (key, entry) in &object.attributes {
        let here = join_path(path, key);
        let converted = match &entry.block {
            Some(spec::Block::Attr(attr)) => {
                let ty = attr
                    .r#type
                    .as_ref()
                    .ok_or_else(|| malformed(&here, "attribute without a type"))?;
                crate::Spec::Attr(AttrSpec {
                    name: attr.name.clone(),
                    ty: type_from_proto(ty, &here)?,
                    required: attr.required,
                })
            }
            Some(spec::Block::BlockValue(block)) => crate::Spec::Block(BlockSpec {
                type_name: block.name.clone(),
                nested: nested_from_proto(block.nested.as_deref(), &here)?,
                required: block.required,
            }),
            Some(spec::Block::BlockList(list)) => crate::Spec::BlockList(BlockListSpec {
                type_name: list.name.clone(),
                nested: nested_from_proto(list.nested.as_deref(), &here)?,
                min_items: 0,
                max_items: 0,
            }),
            Some(spec::Block::Object(_)) => {
                return Err(malformed(&here, "object spec directly inside an object"));
            }
            None => return Err(malformed(&here, "spec without a kind")),
        };
        entries.insert(key.clone(), converted);
    }
    Ok(ObjectSpec { entries })
}

fn nested_from_proto(nested: Option<&Spec>, path: &str) -> Result<ObjectSpec, SpecError> {
    let nested = nested.ok_or_else(|| malformed(path, "block without a nested spec"))?;
    object_from_proto(nested, path)
}

fn type_from_proto(ty: &self::CtyType, path: &str) -> Result<crate::CtyType, SpecError> {
    let element = |element: Option<&self::CtyType>| {
        element
            .ok_or_else(|| malformed(path, "collection type without an element type"))
            .and_then(|element| type_from_proto(element, path))
            .map(Box::new)
    };
    match &ty.type_def {
        Some(cty_type::TypeDef::Primitive(primitive)) => match primitive.type_string.as_str() {
            STRING => Ok(crate::CtyType::String),
            NUMBER => Ok(crate::CtyType::Number),
            BOOL => Ok(crate::CtyType::Bool),
            other => Err(malformed(path, format!("unknown primitive type {other:?}"))),
        },
        Some(cty_type::TypeDef::List(list)) => {
            Ok(crate::CtyType::List(element(list.element_type.as_deref())?))
        }
        Some(cty_type::TypeDef::Map(map)) => {
            Ok(crate::CtyType::Map(element(map.element_type.as_deref())?))
        }
        None => Err(malformed(path, "type without a kind")),
    }
}
