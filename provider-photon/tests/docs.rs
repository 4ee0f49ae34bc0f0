//! The registry pages in `docs/` are generated; this test fails when they are stale.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p terraform-provider-photon --test docs`.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use terraform_provider_photon::PhotonProvider;
use terraform_provider_photon::docs_pages::{pages, undocumented};
use tfsdk::Provider;

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("provider-photon/ sits in the repository")
}

#[test]
fn committed_docs_match_the_schemas_and_examples() {
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
        "stale or missing pages {stale:?}: run `UPDATE_DOCS=1 cargo test -p terraform-provider-photon --test docs`"
    );
}

#[test]
fn every_attribute_and_block_has_a_description() {
    let provider = PhotonProvider::new();
    let mut missing: Vec<String> = undocumented(&provider.schema().block, "provider.");
    for resource in provider.resources() {
        missing.extend(undocumented(
            &resource.schema().block,
            &format!("{}.", resource.type_name()),
        ));
    }
    for data_source in provider.data_sources() {
        missing.extend(undocumented(
            &data_source.schema().block,
            &format!("{}.", data_source.type_name()),
        ));
    }
    assert!(missing.is_empty(), "no description: {missing:?}");
}

#[test]
fn every_schema_passes_terraforms_schema_rules() {
    let provider = PhotonProvider::new();
    let mut schemas = vec![("provider".to_owned(), provider.schema())];
    schemas.extend(
        provider
            .resources()
            .iter()
            .map(|r| (r.type_name().to_owned(), r.schema())),
    );
    schemas.extend(
        provider
            .data_sources()
            .iter()
            .map(|d| (d.type_name().to_owned(), d.schema())),
    );
    for (name, schema) in schemas {
        assert_eq!(tfsdk::check_schema(&schema), vec![], "{name}");
    }
}
