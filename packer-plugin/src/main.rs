//! `packer-plugin-photon`: the binary Packer discovers and launches.
//!
//! Everything protocol-level (describe, start, legacy single-component launches, the handshake
//! form, serving) lives in `packer_sdk::Plugin`; this file only registers the components.
//! `describe` never fails and never checks the magic cookie (Packer 1.6.6 aborts every build
//! when it fails).

use std::process::ExitCode;
use std::sync::Arc;

use packer_sdk::Plugin;

mod clone;
mod iso;
mod template;
mod vsphere;

// The summaries feed the generated docs pages (tests/docs.rs), not the binary; naming them
// here keeps them checked as part of the binary without dead-code noise.
const _: [&str; 3] = [clone::SUMMARY, iso::SUMMARY, template::SUMMARY];

fn main() -> ExitCode {
    // Logs go to stderr, which Packer copies into its log (`PACKER_LOG=1`); stdout carries the
    // handshake line only.
    photon_hclog::init("packer-plugin-photon", &["PACKER_LOG"]);
    Plugin::new("photon", env!("CARGO_PKG_VERSION"))
        .builder("clone", Arc::new(clone::CloneBuilder::default()))
        .builder("iso", Arc::new(iso::IsoBuilder::default()))
        .post_processor(
            "template",
            Arc::new(template::TemplatePostProcessor::default()),
        )
        .main()
}
