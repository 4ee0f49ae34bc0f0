//! Project tasks, run as `cargo xtask <command>` (alias of `cargo run -p xtask --`):
//!
//! - `docs [--check]`: writes every generated registry page under `docs/` (the provider's and the
//!   Packer plugin's), or with `--check` lists the stale ones and fails;
//! - `release [--out DIR] [--profile release|dev]`: builds both binaries and writes the release
//!   artifacts into DIR (default `target/dist/`), named as the Terraform registry and
//!   `packer plugins install` expect them.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod artifacts;

const USAGE: &str = "usage:
  cargo xtask docs [--check]
  cargo xtask release [--out DIR] [--profile release|dev]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("docs") => docs(&args[1..]),
        Some("release") => release(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n{USAGE}")),
        None => Err(format!("no command given\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: xtask lives in `xtask/`.
fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."))
}

fn docs(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(format!("docs takes only `--check`, got {args:?}\n{USAGE}")),
    };
    let root = repository();
    let mut pages = terraform_provider_photon::docs_pages::pages(root)?;
    pages.extend(packer_plugin_photon::docs_pages::pages(root)?);
    let mut stale = Vec::new();
    for (path, content) in &pages {
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).ok();
        if current.as_deref() == Some(content.as_str()) {
            continue;
        }
        if check {
            stale.push(path.display().to_string());
        } else {
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|error| format!("create {}: {error}", parent.display()))?;
            }
            std::fs::write(&full, content)
                .map_err(|error| format!("write {}: {error}", full.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "stale or missing pages: {}; run `cargo xtask docs`",
            stale.join(", ")
        ));
    }
    println!("{} pages up to date", pages.len());
    Ok(())
}

fn release(args: &[String]) -> Result<(), String> {
    let root = repository();
    let mut out = None;
    let mut profile = "release".to_owned();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--profile" => profile = value("--profile")?,
            other => return Err(format!("unknown release option `{other}`\n{USAGE}")),
        }
    }
    // Cargo's own profile names; `dev` builds land in `target/debug`.
    let profile_dir = match profile.as_str() {
        "release" => "release",
        "dev" => "debug",
        other => return Err(format!("--profile must be release or dev, not `{other}`")),
    };
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out = out.unwrap_or_else(|| target.join("dist"));

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(&cargo);
    build
        .current_dir(root)
        .args(["build", "--bins", "--profile", &profile])
        .args([
            "-p",
            "terraform-provider-photon",
            "-p",
            "packer-plugin-photon",
        ]);
    let status = build
        .status()
        .map_err(|error| format!("cannot run {build:?}: {error}"))?;
    if !status.success() {
        return Err(format!("{build:?} exited with {status}"));
    }

    let binaries = target.join(profile_dir);
    let written = artifacts::write(
        &artifacts::Inputs {
            version: env!("CARGO_PKG_VERSION"),
            provider: binaries.join("terraform-provider-photon"),
            packer_plugin: binaries.join("packer-plugin-photon"),
        },
        &out,
    )?;
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}
