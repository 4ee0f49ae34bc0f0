//! `Maybe<T>`: a field that may be unknown, null or known.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::value::Value;
use crate::value_serde::MAYBE_TOKEN;

/// A value that may be unknown (during plan), null, or known.
///
/// Use it for struct fields read with [`crate::from_value`] wherever
/// Terraform may send an unknown value; plain `T` or `Option<T>` fields
/// reject unknowns with "value is unknown". Other serde formats see it as
/// an `Option<T>`; serializing `Unknown` outside [`crate::to_value`] fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Maybe<T> {
    /// Not known until apply.
    Unknown,
    /// Known to be null.
    #[default]
    Null,
    /// Known and not null.
    Known(T),
}

impl<T> Maybe<T> {
    /// Whether the value is known (null counts as known).
    pub fn is_known(&self) -> bool {
        !matches!(self, Maybe::Unknown)
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Maybe::Unknown)
    }

    /// Whether the value is known to be null.
    pub fn is_null(&self) -> bool {
        matches!(self, Maybe::Null)
    }

    /// Borrows the content.
    pub fn as_ref(&self) -> Maybe<&T> {
        match self {
            Maybe::Unknown => Maybe::Unknown,
            Maybe::Null => Maybe::Null,
            Maybe::Known(value) => Maybe::Known(value),
        }
    }

    /// The known, non-null content.
    pub fn known(&self) -> Option<&T> {
        match self {
            Maybe::Known(value) => Some(value),
            _ => None,
        }
    }

    /// Takes the known, non-null content.
    pub fn into_known(self) -> Option<T> {
        match self {
            Maybe::Known(value) => Some(value),
            _ => None,
        }
    }

    /// Transforms the known content.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Maybe<U> {
        match self {
            Maybe::Unknown => Maybe::Unknown,
            Maybe::Null => Maybe::Null,
            Maybe::Known(value) => Maybe::Known(f(value)),
        }
    }
}

impl<T> From<Option<T>> for Maybe<T> {
    /// `None` is null.
    fn from(value: Option<T>) -> Self {
        value.map_or(Maybe::Null, Maybe::Known)
    }
}

impl<T: Serialize> Serialize for Maybe<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Maybe::Unknown => Value::unknown().serialize(serializer),
            Maybe::Null => serializer.serialize_none(),
            Maybe::Known(value) => serializer.serialize_some(value),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Maybe<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(MAYBE_TOKEN, MaybeVisitor(PhantomData))
    }
}

/// The bridge answers the token with unit (unknown), none (null) or some
/// (known); other deserializers call `visit_newtype_struct`.
struct MaybeVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MaybeVisitor<T> {
    type Value = Maybe<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unknown, null or known value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Maybe<T>, E> {
        Ok(Maybe::Unknown)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Maybe<T>, E> {
        Ok(Maybe::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Maybe<T>, D::Error> {
        T::deserialize(deserializer).map(Maybe::Known)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Maybe<T>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Maybe::from)
    }
}
