//! The registry pages in `docs/builders/` and `docs/post-processors/` are generated from each
//! component's `FIELDS` / `SUMMARY` and its `examples/packer/<component>/` files; this test fails
//! when they are stale. Regenerate with `UPDATE_DOCS=1 cargo test -p packer-plugin-photon --test docs`.

// Test code: a panic is how a failure is reported. The component modules are compiled into this
// test (the plugin is a binary crate); only their docs data is used here.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub, unused_imports)]

// An inline module with a directory path, so `iso.rs` finds its `iso/` submodules; the `use`
// gives the modules the crate-root paths (`crate::vsphere`) they are written against.
#[path = "../src"]
mod components {
    pub mod clone;
    pub mod iso;
    pub mod template;
    pub mod vsphere;
}
use components::{clone, iso, template, vsphere};

use std::path::{Path, PathBuf};

use packer_sdk::{ComponentKind, Field, FieldType, docs_page};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("packer-plugin/ sits in the repository")
}

/// The example files of the first of `components` having an examples directory (a
/// post-processor without its own is shown in its builder's), HCL2 first, titled by format.
fn examples(components: &[&str]) -> Vec<(String, String)> {
    let Some(dir) = components
        .iter()
        .map(|c| repository().join("examples/packer").join(c))
        .find(|d| d.is_dir())
    else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort_by_key(|p| (!p.to_string_lossy().ends_with(".pkr.hcl"), p.clone()));
    files
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let title = if name.ends_with(".pkr.hcl") {
                format!("HCL2 (`{name}`)")
            } else if name.ends_with(".json") {
                format!("JSON (`{name}`)")
            } else {
                return None;
            };
            Some((title, std::fs::read_to_string(&path).unwrap()))
        })
        .collect()
}

struct Page {
    path: &'static str,
    kind: ComponentKind,
    name: &'static str,
    summary: &'static str,
    fields: &'static [Field],
    examples: &'static [&'static str],
}

fn pages() -> Vec<Page> {
    vec![
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
    ]
}

fn render(page: &Page) -> String {
    let examples = examples(page.examples);
    let examples: Vec<(&str, &str)> = examples
        .iter()
        .map(|(t, c)| (t.as_str(), c.as_str()))
        .collect();
    let mut text = docs_page(page.kind, page.name, page.summary, page.fields, &examples);
    text.push('\n');
    text
}

#[test]
fn committed_docs_match_the_fields_and_examples() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for page in pages() {
        let content = render(&page);
        let full = repository().join(page.path);
        if update {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &content).unwrap();
        } else if std::fs::read_to_string(&full).ok().as_deref() != Some(content.as_str()) {
            stale.push(page.path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing pages {stale:?}: run `UPDATE_DOCS=1 cargo test -p packer-plugin-photon --test docs`"
    );
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

#[test]
fn every_key_has_a_description_and_pages_list_every_key() {
    for page in pages() {
        let mut missing = Vec::new();
        walk(page.fields, "", &mut missing);
        assert!(
            missing.is_empty(),
            "{}: no description for {missing:?}",
            page.name
        );
        let text = render(&page);
        for field in page.fields {
            assert!(
                text.contains(&format!("`{}`", field.name)),
                "{}: {}",
                page.name,
                field.name
            );
        }
        assert!(
            text.contains("## Example usage"),
            "{}: no examples",
            page.name
        );
    }
}
