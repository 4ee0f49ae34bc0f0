//! Placeholder: filled in by its part of issue 4.
