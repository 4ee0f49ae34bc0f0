//! Placeholder: filled in by its part of issue 4.

#[allow(unused_imports)]
use super::support;
