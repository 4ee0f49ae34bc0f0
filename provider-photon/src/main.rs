//! `terraform-provider-photon`: the binary Terraform launches for `photon-iac/photon`.

use std::process::ExitCode;

use clap::Parser;
use terraform_provider_photon::{PROVIDER_ADDRESS, PhotonProvider};

/// Terraform plugin for Project Photon. Terraform starts it; run it by hand only for `--version`
/// or `--debug`.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Serve without Terraform and print a TF_REATTACH_PROVIDERS value for debugging.
    #[arg(long)]
    debug: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfsdk::serve(
        PhotonProvider::new(),
        tfsdk::ServeOptions::new(PROVIDER_ADDRESS).debug(cli.debug),
    )
}
