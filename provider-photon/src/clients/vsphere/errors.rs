//! vSphere failures as Terraform diagnostics: one place that turns [`vim::Error`] and
//! [`FindError`] into a [`Diagnostic`] pointing at the attribute the user wrote, saying what was
//! looked for, where, and what exists instead when that is known.
//!
//! Every vSphere resource and data source reports through here, so the same failure reads the
//! same everywhere.

use std::fmt::Write as _;

use tfsdk::Diagnostic;
use tfsdk::cty::Path;
use vim::finder::FindError;
use vim::rest::{RestError, VapiErrorKind};
use vim::{Error, FaultKind};

/// How many alternatives a "not found" message lists before it says "and N more".
const MAX_LISTED: usize = 10;

/// What a lookup was about, for the message: `datastore "LocalDS_9" in datacenter /DC0`.
#[derive(Clone, Debug)]
pub struct Lookup<'a> {
    /// The attribute holding the name or path, e.g. `name`, `datastore_id`.
    pub attribute: &'a str,
    /// What was looked for, e.g. `datastore`.
    pub kind: &'a str,
    /// Where, e.g. `datacenter /DC0`; empty for the whole inventory.
    pub scope: &'a str,
}

impl Lookup<'_> {
    fn path(&self) -> Path {
        Path::root().attr(self.attribute)
    }

    fn scope_suffix(&self) -> String {
        if self.scope.is_empty() {
            String::new()
        } else {
            format!(" in {}", self.scope)
        }
    }
}

/// `name` was not found; `available` lists what exists instead (names or paths).
pub fn not_found(lookup: &Lookup<'_>, name: &str, available: &[String]) -> Diagnostic {
    let mut detail = format!(
        "{}: no {} named {name:?}{}",
        lookup.attribute,
        lookup.kind,
        lookup.scope_suffix()
    );
    if available.is_empty() {
        let _ = write!(detail, "; there is none of that kind there.");
    } else {
        let _ = write!(detail, "; available: {}.", list(available));
    }
    Diagnostic::error(format!("{} not found", capitalized(lookup.kind)), detail).at(lookup.path())
}

/// `name` (or the default, when `name` is `None`) matches several objects, listed by path.
pub fn several(lookup: &Lookup<'_>, name: Option<&str>, matches: &[String]) -> Diagnostic {
    let what = match name {
        Some(name) => format!("{name:?} matches several {}s", lookup.kind),
        None => format!(
            "not set, and there is more than one {}{} to default to",
            lookup.kind,
            lookup.scope_suffix()
        ),
    };
    Diagnostic::error(
        format!("Ambiguous {}", lookup.kind),
        format!(
            "{}: {what}: {}. Give the inventory path of the one you mean.",
            lookup.attribute,
            list(matches)
        ),
    )
    .at(lookup.path())
}

/// A [`FindError`] from [`vim::finder::Finder`] at `lookup.attribute`.
pub fn find_error(summary: &str, lookup: &Lookup<'_>, error: &FindError) -> Diagnostic {
    match error {
        FindError::NotFound { path, .. } => not_found(lookup, path, &[]),
        FindError::Multiple { path, matches, .. } => {
            let name = (path != "*").then_some(path.as_str());
            several(lookup, name, matches)
        }
        FindError::Vim(error) => vim_error(summary, Some(lookup.attribute), error),
        other => {
            Diagnostic::error(summary, format!("{}: {other}", lookup.attribute)).at(lookup.path())
        }
    }
}

/// A server or transport failure. `attribute`, when given, is the attribute the call was about;
/// faults that say something about the user's input (a duplicate name, a vanished object) point
/// at it.
pub fn vim_error(summary: &str, attribute: Option<&str>, error: &Error) -> Diagnostic {
    let prefix = attribute
        .map(|name| format!("{name}: "))
        .unwrap_or_default();
    let (detail, blames_input) = match error.fault().map(|fault| &fault.kind) {
        Some(FaultKind::DuplicateName { name, .. }) => (
            format!(
                "{prefix}an object named {} already exists there; choose another name or import \
                 the existing one.",
                name.as_deref()
                    .map(|name| format!("{name:?}"))
                    .unwrap_or_else(|| "like this".into())
            ),
            true,
        ),
        Some(FaultKind::ManagedObjectNotFound { obj }) => (
            format!(
                "{prefix}the object {} no longer exists in vSphere (deleted outside Terraform?).",
                obj.as_ref()
                    .map(|obj| obj.value.clone())
                    .unwrap_or_else(|| "referenced".into())
            ),
            true,
        ),
        Some(FaultKind::NotAuthenticated { .. }) => (
            format!(
                "{prefix}the vSphere session is no longer valid (expired or logged out): {}.",
                chain(error)
            ),
            false,
        ),
        Some(FaultKind::InvalidLogin) => (
            "vSphere rejected the credentials: check provider \"photon\" vsphere.user and \
             vsphere.password (or VSPHERE_USER and VSPHERE_PASSWORD)."
                .to_owned(),
            false,
        ),
        Some(FaultKind::InvalidArgument { invalid_property }) => (
            format!(
                "{prefix}vSphere rejected an argument{}: {}.",
                invalid_property
                    .as_deref()
                    .map(|name| format!(" ({name})"))
                    .unwrap_or_default(),
                chain(error)
            ),
            true,
        ),
        _ => (format!("{prefix}{}.", chain(error)), false),
    };
    let diagnostic = Diagnostic::error(summary, detail);
    match attribute {
        Some(name) if blames_input => diagnostic.at(Path::root().attr(name)),
        _ => diagnostic,
    }
}

/// A REST failure as a diagnostic. `attribute`, when given, is what the call was about: a
/// duplicate (`already_exists`) or refused value (`invalid_argument`) points at it.
pub fn rest_error(summary: &str, attribute: Option<&str>, error: &RestError) -> Diagnostic {
    let prefix = attribute
        .map(|name| format!("{name}: "))
        .unwrap_or_default();
    let (detail, blames_input) = match error.kind() {
        Some(VapiErrorKind::AlreadyExists) => (
            format!(
                "{prefix}vSphere says it already exists ({}); choose another name, or import \
                 the existing object.",
                chain(error)
            ),
            true,
        ),
        Some(VapiErrorKind::InvalidArgument) => (
            format!("{prefix}vSphere refused the value: {}.", chain(error)),
            true,
        ),
        Some(VapiErrorKind::Unauthenticated) => (
            format!(
                "the vSphere REST session was refused ({}): check provider \"photon\" \
                 vsphere.user and vsphere.password (or VSPHERE_USER and VSPHERE_PASSWORD).",
                chain(error)
            ),
            false,
        ),
        Some(VapiErrorKind::Unauthorized) => (
            format!(
                "the vSphere user lacks the tagging privilege for this: {}.",
                chain(error)
            ),
            false,
        ),
        _ => (format!("{prefix}{}.", chain(error)), false),
    };
    let diagnostic = Diagnostic::error(summary, detail);
    match attribute {
        Some(name) if blames_input => diagnostic.at(Path::root().attr(name)),
        _ => diagnostic,
    }
}

/// The error and its sources, `: `-separated.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            let _ = write!(text, ": {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// `a, b, c` (at most [`MAX_LISTED`], then `and N more`).
fn list(items: &[String]) -> String {
    let mut shown: Vec<String> = items
        .iter()
        .take(MAX_LISTED)
        .map(|item| item.to_string())
        .collect();
    if items.len() > MAX_LISTED {
        shown.push(format!("and {} more", items.len() - MAX_LISTED));
    }
    shown.join(", ")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> Lookup<'static> {
        Lookup {
            attribute: "name",
            kind: "datastore",
            scope: "datacenter /DC0",
        }
    }

    #[test]
    fn not_found_names_the_attribute_the_scope_and_the_alternatives() {
        let diagnostic = not_found(
            &lookup(),
            "LocalDS_9",
            &["LocalDS_0".to_owned(), "LocalDS_1".to_owned()],
        );
        assert_eq!(diagnostic.path, Some(Path::root().attr("name")));
        assert_eq!(diagnostic.summary, "Datastore not found");
        assert_eq!(
            diagnostic.detail,
            "name: no datastore named \"LocalDS_9\" in datacenter /DC0; available: LocalDS_0, LocalDS_1."
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let many: Vec<String> = (0..25).map(|i| format!("ds{i}")).collect();
        let diagnostic = not_found(&lookup(), "x", &many);
        assert!(
            diagnostic.detail.contains("ds9, and 15 more."),
            "{diagnostic:?}"
        );
        assert!(!diagnostic.detail.contains("ds10"), "{diagnostic:?}");
    }

    #[test]
    fn several_matches_are_listed_by_path() {
        let error = FindError::Multiple {
            kind: "resource pool",
            path: "Resources".into(),
            matches: vec![
                "/DC0/host/DC0_C0/Resources".into(),
                "/DC0/host/DC0_H0/Resources".into(),
            ],
        };
        let lookup = Lookup {
            attribute: "name",
            kind: "resource pool",
            scope: "datacenter /DC0",
        };
        let diagnostic = find_error("Read failed", &lookup, &error);
        assert_eq!(diagnostic.path, Some(Path::root().attr("name")));
        assert!(
            diagnostic.detail.contains(
                "\"Resources\" matches several resource pools: /DC0/host/DC0_C0/Resources, /DC0/host/DC0_H0/Resources"
            ),
            "{diagnostic:?}"
        );
        let default = FindError::Multiple {
            kind: "resource pool",
            path: "*".into(),
            matches: vec!["/a".into(), "/b".into()],
        };
        let diagnostic = find_error("Read failed", &lookup, &default);
        assert!(
            diagnostic
                .detail
                .contains("not set, and there is more than one"),
            "{diagnostic:?}"
        );
    }

    #[test]
    fn a_finder_not_found_points_at_the_attribute() {
        let error = FindError::NotFound {
            kind: "datastore",
            path: "nope".into(),
        };
        let diagnostic = find_error("Read failed", &lookup(), &error);
        assert_eq!(diagnostic.path, Some(Path::root().attr("name")));
        assert!(diagnostic.detail.contains("\"nope\""), "{diagnostic:?}");
    }

    #[test]
    fn transport_errors_do_not_blame_the_attribute() {
        let error = Error::EmptyBody {
            method: "RetrievePropertiesEx",
            status: 500,
        };
        let diagnostic = vim_error("Read photon_datastore failed", Some("name"), &error);
        assert_eq!(diagnostic.path, None);
        assert!(
            diagnostic
                .detail
                .starts_with("name: RetrievePropertiesEx: empty response body"),
            "{diagnostic:?}"
        );
    }
}
