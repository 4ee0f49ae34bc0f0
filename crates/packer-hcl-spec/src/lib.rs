//! What a Packer component answers to `ConfigSpec`: an hcldec object spec, in the two encodings
//! Packer accepts.
//!
//! Packer decodes HCL2 `source` / `post-processor` bodies with the spec a plugin returns, so the
//! bytes must decode into the Go types `hcldec.ObjectSpec`, `*hcldec.AttrSpec`, … on Packer's side.
//! Two encodings exist:
//!
//! * [`encode_gob`]: Go `encoding/gob` (Packer 1.6.6, and modern Packer started without
//!   `--protobuf`). [`GobFlavor`] picks the interface name of nested object specs, which differs
//!   between Debian's vendored 1.6.6 build and every other build.
//! * [`encode_protobuf`]: protocol v2 (`--protobuf`, Packer ≥ 1.12), a serialized `Spec` message.
//!
//! [`encode_command_finished`] is the one other gob message a plugin writes: a Communicator
//! command's exit status.
//!
//! The model supports exactly the spec kinds `packer-sdc`-generated plugins (packer-plugin-vsphere
//! included) emit: attributes, single blocks and block lists, each nesting an object spec.

use std::collections::BTreeMap;
use std::fmt;

mod gob;
pub mod proto;

pub use gob::{GobFlavor, encode_command_finished, encode_gob};
pub use proto::{decode_protobuf, encode_protobuf};

/// Deepest nesting of blocks and types the encoders accept; deeper models are refused with
/// [`SpecError::TooDeep`] instead of risking the stack (real specs nest two or three levels).
pub const MAX_DEPTH: usize = 32;

/// A cty type, as an attribute's `Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtyType {
    /// `cty.String`.
    String,
    /// `cty.Number`.
    Number,
    /// `cty.Bool`.
    Bool,
    /// `cty.List(T)`.
    List(Box<CtyType>),
    /// `cty.Set(T)` (gob only: the protobuf schema has no sets).
    Set(Box<CtyType>),
    /// `cty.Map(T)` (keys are always strings in cty).
    Map(Box<CtyType>),
    /// `cty.Object({...})` (gob only).
    Object(BTreeMap<String, CtyType>),
    /// `cty.DynamicPseudoType`: representable in neither encoding (cty never registered it with
    /// gob and the protobuf schema lacks it); kept so callers get a typed error, not a surprise.
    Dynamic,
}

impl CtyType {
    /// `list(T)`, for terse spec construction.
    pub fn list(element: CtyType) -> Self {
        Self::List(Box::new(element))
    }

    /// `set(T)`, for terse spec construction.
    pub fn set(element: CtyType) -> Self {
        Self::Set(Box::new(element))
    }

    /// `map(T)`, for terse spec construction.
    pub fn map(element: CtyType) -> Self {
        Self::Map(Box::new(element))
    }
}

impl fmt::Display for CtyType {
    /// HCL type-expression syntax (`list(string)`), used in error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String => f.write_str("string"),
            Self::Number => f.write_str("number"),
            Self::Bool => f.write_str("bool"),
            Self::List(element) => write!(f, "list({element})"),
            Self::Set(element) => write!(f, "set({element})"),
            Self::Map(element) => write!(f, "map({element})"),
            Self::Object(attributes) => {
                f.write_str("object({")?;
                for (index, (name, ty)) in attributes.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}={ty}")?;
                }
                f.write_str("})")
            }
            Self::Dynamic => f.write_str("any"),
        }
    }
}

/// `hcldec.ObjectSpec`: output attribute name → spec. Sorted, so encodings are deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectSpec {
    /// The entries; the key is the name in the decoded object (normally equal to the attribute or
    /// block name, as `packer-sdc` generates it).
    pub entries: BTreeMap<String, Spec>,
}

impl ObjectSpec {
    /// An empty spec: valid, but only for blocks without any argument.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an optional attribute keyed by its own name (the `packer-sdc` shape).
    pub fn attr(mut self, name: &str, ty: CtyType) -> Self {
        self.entries.insert(
            name.to_owned(),
            Spec::Attr(AttrSpec {
                name: name.to_owned(),
                ty,
                required: false,
            }),
        );
        self
    }

    /// Adds an optional single nested block keyed by its type name.
    pub fn block(mut self, type_name: &str, nested: ObjectSpec) -> Self {
        self.entries.insert(
            type_name.to_owned(),
            Spec::Block(BlockSpec {
                type_name: type_name.to_owned(),
                nested,
                required: false,
            }),
        );
        self
    }

    /// Adds a repeatable nested block without item limits, keyed by its type name.
    pub fn block_list(mut self, type_name: &str, nested: ObjectSpec) -> Self {
        self.entries.insert(
            type_name.to_owned(),
            Spec::BlockList(BlockListSpec {
                type_name: type_name.to_owned(),
                nested,
                min_items: 0,
                max_items: 0,
            }),
        );
        self
    }

    /// Whether any block (and so a nested `ObjectSpec` interface value) occurs: only such specs
    /// depend on the [`GobFlavor`].
    pub fn has_blocks(&self) -> bool {
        self.entries
            .values()
            .any(|spec| matches!(spec, Spec::Block(_) | Spec::BlockList(_)))
    }
}

/// One entry of an [`ObjectSpec`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `*hcldec.AttrSpec`.
    Attr(AttrSpec),
    /// `*hcldec.BlockSpec`.
    Block(BlockSpec),
    /// `*hcldec.BlockListSpec`.
    BlockList(BlockListSpec),
}

/// `hcldec.AttrSpec`: an argument `name = value` converted to `ty`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrSpec {
    /// The argument name in HCL.
    pub name: String,
    /// The type the value is converted to.
    pub ty: CtyType,
    /// Whether HCL reports a missing argument (generated specs always say false and validate in
    /// Prepare instead).
    pub required: bool,
}

/// `hcldec.BlockSpec`: at most one `type_name { … }` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSpec {
    /// The block type in HCL.
    pub type_name: String,
    /// The block body's spec.
    pub nested: ObjectSpec,
    /// Whether HCL reports a missing block.
    pub required: bool,
}

/// `hcldec.BlockListSpec`: any number of `type_name { … }` blocks, decoded as a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockListSpec {
    /// The block type in HCL.
    pub type_name: String,
    /// Each block body's spec.
    pub nested: ObjectSpec,
    /// Fewest blocks HCL accepts (0 = no minimum). Gob only: protobuf cannot carry it.
    pub min_items: u32,
    /// Most blocks HCL accepts (0 = no maximum). Gob only: protobuf cannot carry it.
    pub max_items: u32,
}

/// Which encoding a [`SpecError`] concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Go `encoding/gob`.
    Gob,
    /// Protocol v2 protobuf.
    Protobuf,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Gob => "gob",
            Self::Protobuf => "protobuf",
        })
    }
}

/// Why a spec could not be encoded or decoded. `path` is the dotted position (`storage.disk_size`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The encoding has no representation for this cty type (Packer would fail or crash on it).
    #[error("{path}: type {ty} cannot be sent as a {encoding} ConfigSpec")]
    UnsupportedType {
        /// Where.
        path: String,
        /// The offending type.
        ty: String,
        /// Which encoding refused it.
        encoding: Encoding,
    },
    /// Block list item limits, which the protobuf schema drops; refused rather than silently lost.
    #[error("{path}: block list min_items/max_items cannot be sent as a protobuf ConfigSpec")]
    ItemLimits {
        /// Where.
        path: String,
    },
    /// Nesting beyond [`MAX_DEPTH`].
    #[error("{path}: nested deeper than {MAX_DEPTH} levels")]
    TooDeep {
        /// Where.
        path: String,
    },
    /// Protobuf bytes that are not a valid `Spec` holding an object spec.
    #[error("malformed protobuf ConfigSpec at {path}: {reason}")]
    Malformed {
        /// Where (empty for the top level).
        path: String,
        /// What was wrong.
        reason: String,
    },
}

/// `parent.child`, or `child` at the top.
fn join_path(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}
