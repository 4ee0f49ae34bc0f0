//! `packer-plugin-photon`: the binary Packer discovers and launches.
//!
//! Packer 1.6.6 and 1.7+ run `describe` at discovery, without the magic cookie, and abort every build
//! if it fails; so `describe` never fails and never checks the cookie. `start <kind> <name>` (1.7+) and a
//! bare launch (1.6.6 single-component names) serve one component each. No component is built in
//! yet, so `describe` lists none and every start is refused with a clear message.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;

const MAGIC_COOKIE_KEY: &str = "PACKER_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The Packer plugin SDK's words for a plugin run by hand.
const NOT_A_COMMAND: &str =
    "Please do not execute plugins directly. Packer will execute these for you.";

/// Packer plugin for Project Photon. Packer starts it; run it by hand for `--version` or `describe`.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the plugin's components as JSON, the way Packer's discovery reads them.
    Describe,
    /// Serve one component to Packer (Packer runs this).
    Start {
        /// builder, post-processor, provisioner or datasource.
        kind: String,
        /// The component's name without the `photon-` prefix.
        name: String,
    },
}

/// The `describe` answer; keys and order as the Packer plugin SDK writes them.
#[derive(Serialize)]
struct Description {
    version: &'static str,
    sdk_version: &'static str,
    api_version: &'static str,
    builders: Vec<&'static str>,
    post_processors: Vec<&'static str>,
    provisioners: Vec<&'static str>,
    datasources: Vec<&'static str>,
}

fn main() -> ExitCode {
    // Packer passes `--protobuf` anywhere in argv for protocol v2; this build speaks no protocol yet,
    // so it is dropped before parsing rather than rejected.
    let args = std::env::args_os().filter(|arg| arg != "--protobuf");
    let cli = Cli::parse_from(args);
    photon_hclog::init("packer-plugin-photon", &["PACKER_LOG"]);

    match cli.command {
        Some(Command::Describe) => describe(),
        Some(Command::Start { kind, name }) => start(Some((&kind, &name))),
        None => start(None),
    }
}

fn describe() -> ExitCode {
    let description = Description {
        version: env!("CARGO_PKG_VERSION"),
        sdk_version: concat!("photon-", env!("CARGO_PKG_VERSION")),
        api_version: "x5.0",
        builders: Vec::new(),
        post_processors: Vec::new(),
        provisioners: Vec::new(),
        datasources: Vec::new(),
    };
    match serde_json::to_string(&description) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("packer-plugin-photon: cannot encode describe output: {error}");
            ExitCode::FAILURE
        }
    }
}

fn start(component: Option<(&str, &str)>) -> ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!("{NOT_A_COMMAND}");
        return ExitCode::FAILURE;
    }
    let wanted = match component {
        Some((kind, name)) => format!("{kind} {name:?}"),
        None => "a single-component launch".to_owned(),
    };
    tracing::error!(
        component = wanted.as_str(),
        "no such component in this build"
    );
    eprintln!(
        "packer-plugin-photon {}: cannot serve {wanted}: this build has no components yet",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::FAILURE
}
