//! The registry pages in `docs/builders/` and `docs/post-processors/` are generated
//! (`packer_plugin_photon::docs_pages`); this test fails when they are stale. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p packer-plugin-photon --test docs`.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use packer_plugin_photon::docs_pages::{pages, top_level_keys, undocumented};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("packer-plugin/ sits in the repository")
}

#[test]
fn committed_docs_match_the_fields_and_examples() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, content) in pages(repository()).unwrap() {
        let full = repository().join(&path);
        if update {
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &content).unwrap();
        } else if std::fs::read_to_string(&full).ok().as_deref() != Some(content.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing pages {stale:?}: run `UPDATE_DOCS=1 cargo test -p packer-plugin-photon --test docs`"
    );
}

#[test]
fn every_key_has_a_description_and_pages_list_every_key() {
    assert_eq!(undocumented(), Vec::new(), "keys without a description");
    let pages = pages(repository()).unwrap();
    for (component, keys) in top_level_keys() {
        let (_, text) = pages
            .iter()
            .find(|(path, _)| path.to_string_lossy().contains(component))
            .unwrap();
        for key in keys {
            assert!(text.contains(&format!("`{key}`")), "{component}: {key}");
        }
        assert!(
            text.contains("## Example usage"),
            "{component}: no examples"
        );
    }
}
