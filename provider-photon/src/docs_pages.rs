//! The registry pages under `docs/`, generated from the provider's schemas and `examples/`.
//! `tests/docs.rs` fails when the committed pages differ; `UPDATE_DOCS=1` rewrites them.

use std::path::{Path, PathBuf};

use tfsdk::docs::{Page, PageKind, render};
use tfsdk::{AttributeKind, Block, Provider};

use crate::PhotonProvider;

const BINARY: &str = "terraform-provider-photon";

/// Every page, as (path relative to the repository root, content).
///
/// `docs/functions/` is not written: the provider defines no functions, and `tfsdk::docs` has
/// no function page yet, so a provider that gains one fails here instead of going undocumented.
pub fn pages(repository: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let provider = PhotonProvider::new();
    if let Some(function) = provider.functions().first() {
        return Err(format!(
            "the provider defines function {:?} but tfsdk::docs renders no function pages; \
             add a function page kind before registering functions",
            function.name()
        ));
    }
    let read = |relative: &str| {
        std::fs::read_to_string(repository.join(relative)).map_err(|error| {
            format!("{relative}: {error} (every registered type needs its example)")
        })
    };
    let mut pages = Vec::new();

    let schema = provider.schema();
    let example = read("examples/provider/provider.tf")?;
    pages.push((
        PathBuf::from("docs/index.md"),
        render(&Page {
            kind: PageKind::Provider,
            name: provider.type_name(),
            provider_binary: BINARY,
            schema: &schema,
            example: &example,
            import: None,
        }),
    ));
    for resource in provider.resources() {
        let name = resource.type_name();
        let schema = resource.schema();
        let example = read(&format!("examples/resources/{name}/resource.tf"))?;
        let import = read(&format!("examples/resources/{name}/import.sh")).ok();
        pages.push((
            PathBuf::from(format!("docs/resources/{}.md", short_name(name))),
            render(&Page {
                kind: PageKind::Resource,
                name,
                provider_binary: BINARY,
                schema: &schema,
                example: &example,
                import: import.as_deref(),
            }),
        ));
    }
    for data_source in provider.data_sources() {
        let name = data_source.type_name();
        let schema = data_source.schema();
        let example = read(&format!("examples/data-sources/{name}/data-source.tf"))?;
        pages.push((
            PathBuf::from(format!("docs/data-sources/{}.md", short_name(name))),
            render(&Page {
                kind: PageKind::DataSource,
                name,
                provider_binary: BINARY,
                schema: &schema,
                example: &example,
                import: None,
            }),
        ));
    }
    Ok(pages)
}

/// Registry file names drop the provider prefix (`photon_kickstart` → `kickstart.md`).
fn short_name(type_name: &str) -> &str {
    type_name.strip_prefix("photon_").unwrap_or(type_name)
}

/// Attributes and blocks without a description, as dotted paths.
pub fn undocumented(block: &Block, prefix: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for attribute in &block.attributes {
        let path = format!("{prefix}{}", attribute.name);
        if attribute.description.text.trim().is_empty() {
            missing.push(path.clone());
        }
        if let AttributeKind::Nested(nested) = &attribute.kind {
            let inner = Block {
                attributes: nested.attributes.clone(),
                ..Block::default()
            };
            missing.extend(undocumented(&inner, &format!("{path}.")));
        }
    }
    for nested in &block.blocks {
        let path = format!("{prefix}{}", nested.type_name);
        if nested.block.description.text.trim().is_empty() {
            missing.push(path.clone());
        }
        missing.extend(undocumented(&nested.block, &format!("{path}.")));
    }
    missing
}
