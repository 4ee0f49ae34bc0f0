//! The registry pages in `docs/` are generated; this test fails when they are stale.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p terraform-provider-photon --test docs` (or
//! `cargo xtask docs`). It also fails when a registered type has no example, when an importable
//! resource has no `import.sh`, or when an example is applied by no acceptance test.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use terraform_provider_photon::PhotonProvider;
use terraform_provider_photon::docs_pages::{pages, undocumented};
use tfsdk::Provider;
use tfsdk::server::ProviderServer;

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

/// Whether Terraform can import `type_name`: asked of the provider itself, unconfigured. An
/// importable resource fails for want of a configuration or a valid id; one that is not says so
/// with the SDK's "does not support import".
fn supports_import(server: &ProviderServer, type_name: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (imported, diagnostics) =
        runtime.block_on(server.import_resource_state(type_name, "docs-test-probe"));
    assert!(
        imported.is_empty(),
        "{type_name} imported an unconfigured probe"
    );
    !diagnostics
        .0
        .iter()
        .any(|diagnostic| diagnostic.detail.contains("does not support import"))
}

fn exists(relative: &str) -> bool {
    repository().join(relative).is_file()
}

#[test]
fn every_registered_type_has_its_examples() {
    let provider = PhotonProvider::new();
    let server = ProviderServer::new_boxed(PhotonProvider::new());
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    if !exists("examples/provider/provider.tf") {
        missing.push("examples/provider/provider.tf".to_owned());
    }
    for resource in provider.resources() {
        let name = resource.type_name();
        let example = format!("examples/resources/{name}/resource.tf");
        if !exists(&example) {
            missing.push(example);
        }
        let import = format!("examples/resources/{name}/import.sh");
        match (supports_import(&server, name), exists(&import)) {
            (true, false) => missing.push(import),
            (false, true) => wrong.push(format!("{import} (the resource cannot be imported)")),
            _ => {}
        }
    }
    for data_source in provider.data_sources() {
        let example = format!(
            "examples/data-sources/{}/data-source.tf",
            data_source.type_name()
        );
        if !exists(&example) {
            missing.push(example);
        }
    }
    assert!(missing.is_empty(), "missing examples: {missing:?}");
    assert!(
        wrong.is_empty(),
        "examples documenting what fails: {wrong:?}"
    );

    // And no example for a type the provider does not register.
    let registered: Vec<String> = provider
        .resources()
        .iter()
        .map(|r| format!("resources/{}", r.type_name()))
        .chain(
            provider
                .data_sources()
                .iter()
                .map(|d| format!("data-sources/{}", d.type_name())),
        )
        .collect();
    for kind in ["resources", "data-sources"] {
        for entry in std::fs::read_dir(repository().join("examples").join(kind)).unwrap() {
            let dir = format!("{kind}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                registered.contains(&dir),
                "examples/{dir} is for no registered type"
            );
        }
    }
}

/// The acceptance tests' sources, as (file, text).
fn acceptance_tests() -> Vec<(PathBuf, String)> {
    let dir = repository().join("acceptance-tests/tests");
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no acceptance tests in {}",
        dir.display()
    );
    files
}

/// Whether a test file reads `<kind>/<type_name>/<file>` — literally (`examples/` may precede
/// it), or through a
/// `format!("<kind>/{…}/<file>")` with the type's name quoted in the same file (a loop over a
/// list of types) — and runs `terraform apply`.
fn applies_example(text: &str, kind: &str, type_name: &str, file: &str) -> bool {
    let path = format!("{kind}/{type_name}/{file}\"");
    let literal = text.contains(&format!("\"{path}")) || text.contains(&format!("/{path}"));
    let templated = text.match_indices(&format!("\"{kind}/{{")).any(|(at, _)| {
        text[at..]
            .lines()
            .next()
            .is_some_and(|line| line.contains(&format!("}}/{file}\"")))
    }) && text.contains(&format!("\"{type_name}\""));
    (literal || templated) && text.contains("\"apply\"")
}

#[test]
fn every_example_is_applied_by_an_acceptance_test() {
    let provider = PhotonProvider::new();
    let tests = acceptance_tests();
    let mut unapplied = Vec::new();
    let types = provider
        .resources()
        .iter()
        .map(|r| ("resources", r.type_name(), "resource.tf"))
        .chain(
            provider
                .data_sources()
                .iter()
                .map(|d| ("data-sources", d.type_name(), "data-source.tf")),
        )
        .collect::<Vec<_>>();
    for (kind, type_name, file) in types {
        if !tests
            .iter()
            .any(|(_, text)| applies_example(text, kind, type_name, file))
        {
            unapplied.push(format!("examples/{kind}/{type_name}/{file}"));
        }
    }
    assert!(
        unapplied.is_empty(),
        "examples no acceptance test (acceptance-tests/tests/*.rs) applies: {unapplied:?}"
    );
}

#[test]
fn the_example_check_needs_the_path_and_an_apply() {
    let literal = "let c = example(\"resources/photon_folder/resource.tf\"); t.ok(&[\"apply\"]);";
    assert!(applies_example(
        literal,
        "resources",
        "photon_folder",
        "resource.tf"
    ));
    assert!(!applies_example(
        literal,
        "resources",
        "photon_tag",
        "resource.tf"
    ));
    let joined = "root.join(\"examples/resources/photon_folder/resource.tf\"); \"apply\"";
    assert!(applies_example(
        joined,
        "resources",
        "photon_folder",
        "resource.tf"
    ));
    assert!(!applies_example(
        joined,
        "resources",
        "folder",
        "resource.tf"
    ));
    let no_apply = "let c = example(\"resources/photon_folder/resource.tf\"); t.ok(&[\"plan\"]);";
    assert!(!applies_example(
        no_apply,
        "resources",
        "photon_folder",
        "resource.tf"
    ));
    let looped =
        "for r in [\"photon_tag\"] { copy(&format!(\"resources/{r}/resource.tf\")); }\n\"apply\"";
    assert!(applies_example(
        looped,
        "resources",
        "photon_tag",
        "resource.tf"
    ));
    assert!(!applies_example(
        looped,
        "resources",
        "photon_folder",
        "resource.tf"
    ));
    assert!(!applies_example(
        looped,
        "data-sources",
        "photon_tag",
        "data-source.tf"
    ));
}

#[test]
fn the_readme_links_every_type_and_component_to_its_page() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let mut links: Vec<String> = pages(repository())
        .unwrap()
        .into_iter()
        .filter_map(|(path, _)| {
            let path = path.to_string_lossy().into_owned();
            let kind = if path.starts_with("docs/resources/") {
                "resources"
            } else if path.starts_with("docs/data-sources/") {
                "data-sources"
            } else {
                return None;
            };
            let short = path
                .strip_prefix(&format!("docs/{kind}/"))?
                .strip_suffix(".md")?;
            Some(format!("[`photon_{short}`]({path})"))
        })
        .collect();
    // The Packer plugin's pages, as its generator wrote them.
    for kind in ["builders", "post-processors"] {
        for entry in std::fs::read_dir(repository().join("docs").join(kind)).unwrap() {
            let file = entry.unwrap().file_name().into_string().unwrap();
            let component = file.strip_suffix(".md").unwrap();
            links.push(format!("[`{component}`](docs/{kind}/{file})"));
        }
    }
    assert!(links.len() > 30, "{links:?}");
    let missing: Vec<&String> = links
        .iter()
        .filter(|link| !readme.contains(*link))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's feature tables lack {missing:?}"
    );
}
