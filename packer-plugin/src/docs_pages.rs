//! The registry pages of the components (`docs/builders/…`, `docs/post-processors/…`), generated
//! from each component's `FIELDS` / `SUMMARY` and its `examples/packer/<component>/` files.
//! `tests/docs.rs` fails when the committed pages differ; `UPDATE_DOCS=1` rewrites them.

use std::path::{Path, PathBuf};

use packer_sdk::{ComponentKind, Field, FieldType, docs_page};

use crate::{clone, iso, template};

/// One component's page.
struct Page {
    path: &'static str,
    kind: ComponentKind,
    name: &'static str,
    summary: &'static str,
    fields: &'static [Field],
    /// Example directories under `examples/packer/`, the first existing one is shown (a
    /// post-processor without its own is shown in its builder's).
    examples: &'static [&'static str],
}

const PAGES: &[Page] = &[
    Page {
        path: "docs/builders/photon-iso.md",
        kind: ComponentKind::Builder,
        name: "photon-iso",
        summary: iso::SUMMARY,
        fields: iso::FIELDS,
        examples: &["photon-iso"],
    },
    Page {
        path: "docs/builders/photon-clone.md",
        kind: ComponentKind::Builder,
        name: "photon-clone",
        summary: clone::SUMMARY,
        fields: clone::FIELDS,
        examples: &["photon-clone"],
    },
    Page {
        path: "docs/post-processors/photon-template.md",
        kind: ComponentKind::PostProcessor,
        name: "photon-template",
        summary: template::SUMMARY,
        fields: template::FIELDS,
        examples: &["photon-template", "photon-clone"],
    },
];

/// Every page as (path relative to the repository, content). Fails when a component has no
/// example directory or an example cannot be read.
pub fn pages(repository: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    PAGES
        .iter()
        .map(|page| {
            let examples = examples(repository, page)?;
            let examples: Vec<(&str, &str)> = examples
                .iter()
                .map(|(title, text)| (title.as_str(), text.as_str()))
                .collect();
            let mut text = docs_page(page.kind, page.name, page.summary, page.fields, &examples);
            text.push('\n');
            Ok((PathBuf::from(page.path), text))
        })
        .collect()
}

/// The example files using the component in the first of the page's example directories that
/// exists, HCL2 first, titled by format.
fn examples(repository: &Path, page: &Page) -> Result<Vec<(String, String)>, String> {
    let Some(dir) = page
        .examples
        .iter()
        .map(|component| repository.join("examples/packer").join(component))
        .find(|dir| dir.is_dir())
    else {
        return Err(format!(
            "{}: no example directory (looked for examples/packer/{{{}}})",
            page.name,
            page.examples.join(",")
        ));
    };
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        files.push(entry.map_err(|e| format!("{}: {e}", dir.display()))?.path());
    }
    files.sort_by_key(|path| (!path.to_string_lossy().ends_with(".pkr.hcl"), path.clone()));
    let mut out = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let title = if name.ends_with(".pkr.hcl") {
            format!("HCL2 (`{name}`)")
        } else if name.ends_with(".json") {
            format!("JSON (`{name}`)")
        } else {
            continue;
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // A shared directory (a post-processor shown in its builder's) holds files that do not
        // use this component.
        if text.contains(page.name) {
            out.push((title, text));
        }
    }
    if out.is_empty() {
        return Err(format!(
            "{}: no .pkr.hcl or .json example in {}",
            page.name,
            dir.display()
        ));
    }
    Ok(out)
}

/// (component, dotted key paths without a description) for every component that has any.
pub fn undocumented() -> Vec<(&'static str, Vec<String>)> {
    PAGES
        .iter()
        .filter_map(|page| {
            let mut missing = Vec::new();
            walk(page.fields, "", &mut missing);
            (!missing.is_empty()).then_some((page.name, missing))
        })
        .collect()
}

fn walk(fields: &[Field], prefix: &str, out: &mut Vec<String>) {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        if field.description.trim().is_empty() {
            out.push(path.clone());
        }
        if let FieldType::Block(nested) | FieldType::BlockList(nested) = field.ty {
            walk(nested, &format!("{path}."), out);
        }
    }
}

/// (component, top-level key names), for checking that each page lists every key.
pub fn top_level_keys() -> Vec<(&'static str, Vec<&'static str>)> {
    PAGES
        .iter()
        .map(|page| (page.name, page.fields.iter().map(|f| f.name).collect()))
        .collect()
}
