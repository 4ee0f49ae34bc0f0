//! Paths into values, used by every error and by Terraform diagnostics.

use std::fmt;

/// One step from a value to one of its parts.
///
/// Set elements are deliberately not addressable (Terraform cannot point a
/// diagnostic into a set), so paths stop at the set itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object attribute (or nested block type name).
    Attribute(String),
    /// A list or tuple element.
    Index(i64),
    /// A map element.
    Key(String),
}

/// A location inside a value, from the root.
///
/// Displayed in Terraform's reference syntax, e.g. `a.b[0]["k"]`; the root
/// path displays as the empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<PathStep>);

impl Path {
    /// The empty path, pointing at the whole value.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path extended by an attribute step.
    pub fn attr(&self, name: &str) -> Path {
        self.with(PathStep::Attribute(name.to_owned()))
    }

    /// This path extended by a list/tuple index step.
    pub fn index(&self, i: i64) -> Path {
        self.with(PathStep::Index(i))
    }

    /// This path extended by a map key step.
    pub fn key(&self, k: &str) -> Path {
        self.with(PathStep::Key(k.to_owned()))
    }

    /// This path extended by `step`.
    pub fn with(&self, step: PathStep) -> Path {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        Path(steps)
    }

    /// Appends `step` in place.
    pub fn push(&mut self, step: PathStep) {
        self.0.push(step);
    }

    /// Removes and returns the last step.
    pub fn pop(&mut self) -> Option<PathStep> {
        self.0.pop()
    }

    /// The steps of this path, root first.
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path without its last step (`None` at the root).
    pub fn parent(&self) -> Option<Path> {
        let (_, rest) = self.0.split_last()?;
        Some(Path(rest.to_vec()))
    }
}

impl From<Vec<PathStep>> for Path {
    fn from(steps: Vec<PathStep>) -> Self {
        Path(steps)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => f.write_str(name)?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => {
                    let mut quoted = String::with_capacity(key.len() + 2);
                    crate::json_syntax::write_string(&mut quoted, key);
                    write!(f, "[{quoted}]")?;
                }
            }
        }
        Ok(())
    }
}

/// Prefixes `message` with `path` unless the path is the root.
pub(crate) fn fmt_at(f: &mut fmt::Formatter<'_>, path: &Path, message: &str) -> fmt::Result {
    if path.is_root() {
        f.write_str(message)
    } else {
        write!(f, "{path}: {message}")
    }
}
