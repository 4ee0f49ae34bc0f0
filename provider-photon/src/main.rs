//! `terraform-provider-photon`: the binary Terraform launches for `photon-iac/photon`.
//!
//! Terraform runs the provider with no arguments and a go-plugin environment. The gRPC server that
//! answers it is built in the plugin-stack crates; until it lands this binary performs go-plugin's
//! launch checks and reports that it cannot serve yet.

use std::process::ExitCode;

use clap::Parser;

/// go-plugin's magic cookie for Terraform providers ("should NEVER be changed").
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own words for a plugin run by hand, so users recognise them.
const NOT_A_COMMAND: &str = "This binary is a plugin. These are not meant to be executed directly.
Please execute the program that consumes these plugins, which will
load any plugins automatically";

/// Terraform plugin for Project Photon. Terraform starts it; run it by hand only for `--version`.
#[derive(Parser)]
#[command(version, about)]
struct Cli {}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    photon_hclog::init(
        "provider.terraform-provider-photon",
        &["TF_LOG_PROVIDER", "TF_LOG"],
    );

    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!("{NOT_A_COMMAND}");
        return ExitCode::FAILURE;
    }
    let offered = std::env::var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
    tracing::error!(
        plugin_protocol_versions = offered.as_str(),
        "the Terraform plugin protocol server is not part of this build yet"
    );
    eprintln!(
        "terraform-provider-photon {}: this build cannot serve Terraform yet (the plugin protocol \
         server is not built in); offered protocol versions: {offered:?}",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::FAILURE
}
