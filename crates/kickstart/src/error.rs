//! Validation errors that point at the offending field.

use std::fmt;

/// One step in the path from the kickstart root to a field.
///
/// Paths use this crate's field names (what users write), not the installer's key names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A struct field, e.g. `partitions` or `mountpoint`.
    Field(String),
    /// A list element, zero-based.
    Index(usize),
    /// A map entry by key, e.g. the disk id `default` in `disks`. Kept apart from [`Self::Field`]
    /// so consumers can map it to an element key (Terraform's `ElementKeyString`).
    Key(String),
}

/// A problem with one field of a kickstart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// From the root to the offending field; empty for the kickstart as a whole.
    pub path: Vec<PathSegment>,
    /// What was expected (and, for values that are not secret, what was found).
    pub message: String,
}

impl FieldError {
    /// The path written the way users read it: `partitions[1].lvm.vg_name`, `disks["default"].size`.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                PathSegment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                PathSegment::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
                PathSegment::Key(key) => {
                    out.push_str("[\"");
                    out.push_str(key);
                    out.push_str("\"]");
                }
            }
        }
        out
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path_string(), self.message)
        }
    }
}

impl std::error::Error for FieldError {}

/// A path under construction; cheap enough to clone per field, which keeps the validator simple.
#[derive(Debug, Clone, Default)]
pub(crate) struct Path(Vec<PathSegment>);

impl Path {
    pub(crate) fn root() -> Self {
        Self::default()
    }

    pub(crate) fn field(&self, name: &str) -> Self {
        self.with(PathSegment::Field(name.to_owned()))
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        self.with(PathSegment::Index(index))
    }

    pub(crate) fn key(&self, key: &str) -> Self {
        self.with(PathSegment::Key(key.to_owned()))
    }

    fn with(&self, segment: PathSegment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            path: self.0.clone(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_string_mixes_fields_indices_and_keys() {
        let error = Path::root()
            .field("disks")
            .key("default")
            .field("size")
            .error("expected a size");
        assert_eq!(error.path_string(), "disks[\"default\"].size");
        assert_eq!(
            error.to_string(),
            "disks[\"default\"].size: expected a size"
        );

        let error = Path::root()
            .field("partitions")
            .index(2)
            .field("lvm")
            .error("x");
        assert_eq!(error.path_string(), "partitions[2].lvm");
    }

    #[test]
    fn root_error_displays_message_only() {
        assert_eq!(Path::root().error("broken").to_string(), "broken");
    }
}
