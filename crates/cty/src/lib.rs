//! Terraform's value system, after go-cty: [`Type`]s, [`Value`]s (with
//! unknowns and refinements), exact [`Number`]s, the [`msgpack`] and
//! [`json`] wire encodings of the provider protocol, and a serde bridge
//! ([`from_value`], [`to_value`], [`Maybe`]).
//!
//! ```
//! use cty::{Type, Value};
//!
//! let ty = Type::object([("name", Type::String), ("size", Type::Number)]);
//! let value = Value::object([("name", Value::from("disk")), ("size", Value::unknown())]);
//! let bytes = cty::msgpack::encode(&value, &ty).unwrap();
//! assert_eq!(bytes, b"\x82\xa4name\xa4disk\xa4size\xd4\x00\x00");
//! assert_eq!(cty::msgpack::decode(&bytes, &ty).unwrap(), value);
//! ```

mod canonical;
mod error;
mod json_syntax;
mod maybe;
mod number;
mod path;
mod types;
mod value;

pub mod json;
pub mod msgpack;
pub mod value_serde;

pub use error::{
    ConformError, DecodeError, EncodeError, ParseNumberError, TypeJsonError, ValueDeError,
    ValueSerError,
};
pub use maybe::Maybe;
pub use number::Number;
pub use path::{Path, PathStep};
pub use types::Type;
pub use value::{Refinements, Value};
pub use value_serde::{from_value, to_value};

/// How deeply decoders let values (and type JSON) nest before giving up,
/// so hostile input fails cleanly instead of overflowing the stack.
pub const MAX_DEPTH: usize = 256;
