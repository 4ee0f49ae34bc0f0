//! Serde helpers for configuration decoded from Terraform and Packer.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default. Terraform sends every unset optional attribute as `null`;
/// for lists and maps "unset" and "empty" mean the same here, so consumers need not strip nulls.
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
