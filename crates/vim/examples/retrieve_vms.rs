//! Times batch property retrieval: logs in, reads eight properties of every VM through one
//! container view `--rounds` times, and prints one line for the benchmark runner:
//!
//! ```text
//! vms=<n> login_ms=<x> best_retrieve_ms=<y>
//! ```
//!
//! ```text
//! cargo run --release -p photon-vim --example retrieve_vms -- \
//!     --url https://127.0.0.1:8989/sdk --username U --password P \
//!     [--ca-file ca.pem | --insecure] [--rounds N (default 5)]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use vim::{Client, ConnectOptions};

/// The properties the Terraform provider's VM refresh needs first.
const VM_PATHS: [&str; 8] = [
    "name",
    "runtime.powerState",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.uuid",
    "guest.ipAddress",
    "datastore",
    "network",
];

const USAGE: &str = "usage: retrieve_vms --url URL --username U --password P \
                     [--ca-file F | --insecure] [--rounds N]";

struct Args {
    url: String,
    username: String,
    password: String,
    ca_file: Option<String>,
    insecure: bool,
    rounds: u32,
}

/// `--flag value` and `--flag=value`; std only, the flags are few.
fn parse_args(raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut url = None;
    let mut username = None;
    let mut password = None;
    let mut ca_file = None;
    let mut insecure = false;
    let mut rounds = 5u32;
    let mut raw = raw.peekable();
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        if flag == "--insecure" {
            insecure = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| raw.next())
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--url" => url = Some(value()?),
            "--username" => username = Some(value()?),
            "--password" => password = Some(value()?),
            "--ca-file" => ca_file = Some(value()?),
            "--rounds" => {
                rounds = value()?
                    .parse()
                    .ok()
                    .filter(|rounds| *rounds > 0)
                    .ok_or_else(|| format!("--rounds needs a positive integer\n{USAGE}"))?;
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let required = |value: Option<String>, flag: &str| {
        value.ok_or_else(|| format!("{flag} is required\n{USAGE}"))
    };
    if ca_file.is_some() && insecure {
        return Err(format!(
            "--ca-file and --insecure exclude each other\n{USAGE}"
        ));
    }
    Ok(Args {
        url: required(url, "--url")?,
        username: required(username, "--username")?,
        password: required(password, "--password")?,
        ca_file,
        insecure,
        rounds,
    })
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

async fn run(args: Args) -> Result<String, String> {
    let ca_pem = match &args.ca_file {
        Some(path) => {
            Some(std::fs::read(path).map_err(|error| format!("reading {path}: {error}"))?)
        }
        None => None,
    };
    let started = Instant::now();
    let client = Client::connect(ConnectOptions {
        url: args.url,
        username: args.username,
        password: args.password,
        ca_pem,
        insecure: args.insecure,
        ..ConnectOptions::default()
    })
    .await
    .map_err(|error| format!("login: {error}"))?;
    let login_ms = millis(started);

    let root = client.service_content().root_folder.clone();
    let mut best = f64::INFINITY;
    let mut vms = 0;
    for _ in 0..args.rounds {
        let started = Instant::now();
        let objects = client
            .retrieve(&root, "VirtualMachine", &VM_PATHS)
            .await
            .map_err(|error| format!("retrieve: {error}"))?;
        best = best.min(millis(started));
        vms = objects.len();
    }
    if let Err(error) = client.logout().await {
        eprintln!("logout: {error}");
    }
    Ok(format!(
        "vms={vms} login_ms={login_ms:.1} best_retrieve_ms={best:.1}"
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("retrieve_vms: {message}");
            ExitCode::FAILURE
        }
    }
}
