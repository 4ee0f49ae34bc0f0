//! `packer-plugin-photon`: the binary Packer discovers and launches.
//!
//! Everything protocol-level (describe, start, legacy single-component launches, the handshake
//! form, serving) lives in `packer_sdk::Plugin`; the components are registered by
//! [`packer_plugin_photon::plugin`]. `describe` never fails and never checks the magic cookie
//! (Packer 1.6.6 aborts every build when it fails).

use std::process::ExitCode;

fn main() -> ExitCode {
    // Logs go to stderr, which Packer copies into its log (`PACKER_LOG=1`); stdout carries the
    // handshake line only.
    let level = photon_hclog::level_from_env(&["PACKER_LOG"], |name| std::env::var(name).ok());
    // Packer 1.6.6 starts plugins with PACKER_LOG emptied and keeps their stderr only when its own
    // log is on (`PACKER_LOG=1`), as Go plugins log everything: do the same under Packer.
    let launched_by_packer = std::env::var_os("PACKER_PLUGIN_MAGIC_COOKIE").is_some();
    let level = if launched_by_packer {
        level.max(photon_hclog::LevelFilter::DEBUG)
    } else {
        level
    };
    photon_hclog::init_at("packer-plugin-photon", level);
    packer_plugin_photon::plugin().main()
}
