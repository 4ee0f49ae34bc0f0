//! The provider process's entry point: logging, go-plugin, and the protocol adapters.

use std::process::ExitCode;
use std::sync::Arc;

use crate::provider::Provider;
use crate::server::{ProviderServer, proto5, proto6};

/// Limits the protocol versions a provider offers, e.g. `5` to force tfplugin5 against a
/// Terraform that speaks both (for compatibility tests).
pub const PROTOCOL_VERSIONS_VAR: &str = "TFSDK_PROTOCOL_VERSIONS";

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The provider's full source address, e.g. `registry.terraform.io/photon-iac/photon`
    /// (the key of `TF_REATTACH_PROVIDERS` in debug mode).
    pub provider_address: String,
    /// Protocol versions offered, highest preferred.
    pub versions: Vec<u32>,
    /// Debug (reattach) mode: serve without Terraform, print `TF_REATTACH_PROVIDERS`.
    pub debug: bool,
}

impl ServeOptions {
    /// Protocols 6 and 5, managed mode.
    pub fn new(provider_address: &str) -> Self {
        Self {
            provider_address: provider_address.to_owned(),
            versions: vec![6, 5],
            debug: false,
        }
    }

    /// Serve in debug (reattach) mode.
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }
}

/// Serves `provider` to Terraform until Terraform shuts it down; returns the process exit code.
pub fn serve(provider: impl Provider, options: ServeOptions) -> ExitCode {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "terraform-provider".to_owned());
    photon_hclog::init(
        &format!("provider.{binary}"),
        &["TF_LOG_PROVIDER", "TF_LOG"],
    );

    let mut versions = options.versions.clone();
    if let Ok(limit) = std::env::var(PROTOCOL_VERSIONS_VAR) {
        let allowed: Vec<u32> = limit
            .split(',')
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        versions.retain(|version| allowed.contains(version));
        if versions.is_empty() {
            eprintln!(
                "{PROTOCOL_VERSIONS_VAR}={limit:?} leaves no protocol this provider speaks (it speaks {:?})",
                options.versions
            );
            return ExitCode::FAILURE;
        }
    }
    let mode = if options.debug {
        go_plugin::Mode::Debug {
            provider_address: options.provider_address.clone(),
        }
    } else {
        go_plugin::Mode::Managed
    };
    let server = Arc::new(ProviderServer::new_boxed(provider));
    let closing = server.clone();
    go_plugin::main_then(
        go_plugin::ServeOptions {
            handshake: go_plugin::TERRAFORM,
            versions,
            mode,
        },
        move |version| match version {
            5 => proto5::routes(server),
            _ => proto6::routes(server),
        },
        async move { closing.close().await },
    )
}
