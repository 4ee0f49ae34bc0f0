//! `lightwave-sim`: runs the Lightwave simulator until SIGTERM or Ctrl-C.
//!
//! When ready it prints one JSON line `{"url":…,"ca_file":…,"pid":…}` on stdout, so scripts and
//! tests can wait for it; logs go to stderr (without secrets).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lightwave_sim::{SimOptions, Simulator};

/// Lightwave API simulator (IDM, VMDIR and OIDC over HTTPS).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// System tenant name (also its domain).
    #[arg(long, default_value = "lightwave.local")]
    tenant: String,
    /// Administrator name in the system tenant (without the domain).
    #[arg(long, default_value = "Administrator")]
    admin_user: String,
    /// Administrator password; prefer the environment variable LIGHTWAVE_SIM_ADMIN_PASSWORD, as
    /// command lines are visible to every local user.
    #[arg(long)]
    admin_password: Option<String>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
    /// JSON file keeping tenants, principals and signing keys across restarts (written mode 0600).
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Where to write the PEM of the CA that signed the HTTPS certificate.
    #[arg(long)]
    ca_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("lightwave-sim: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lightwave-sim: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let defaults = SimOptions::default();
    let options = SimOptions {
        listen: args.listen,
        system_tenant: args.tenant,
        admin_username: args.admin_user,
        admin_password: args
            .admin_password
            .or_else(|| std::env::var("LIGHTWAVE_SIM_ADMIN_PASSWORD").ok())
            .unwrap_or(defaults.admin_password),
        token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        state_file: args.state_file,
    };
    let simulator = Simulator::start(options)
        .await
        .map_err(|error| error.to_string())?;
    let ca_file = match args.ca_file {
        Some(path) => {
            std::fs::write(&path, simulator.ca_pem())
                .map_err(|error| format!("cannot write the CA file {}: {error}", path.display()))?;
            Some(path)
        }
        None => None,
    };
    let ready = serde_json::json!({
        "url": simulator.url(),
        "ca_file": ca_file,
        "pid": std::process::id(),
    });
    println!("{ready}");
    wait_for_signal().await?;
    tracing::info!("stopping");
    simulator.shutdown().await;
    Ok(())
}

async fn wait_for_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|error| format!("cannot watch SIGTERM: {error}"))?;
        tokio::select! {
            _ = terminate.recv() => Ok(()),
            result = tokio::signal::ctrl_c() => result.map_err(|error| format!("cannot watch Ctrl-C: {error}")),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c()
            .await
            .map_err(|error| format!("cannot watch Ctrl-C: {error}"))
    }
}
