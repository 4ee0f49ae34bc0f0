//! Our own plugin binaries, freshly built from the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Paths of the two plugin binaries of the current build profile.
#[derive(Debug, Clone)]
pub struct PluginBinaries {
    /// `terraform-provider-photon`.
    pub provider: PathBuf,
    /// `packer-plugin-photon`.
    pub packer_plugin: PathBuf,
}

/// Builds both plugins (once per process) in the profile of the running executable and returns
/// their paths. Cargo builds another package's binaries for a test only when asked, so the rig
/// asks: a test never runs a stale plugin. The request matches what `scripts/test` (debug) and
/// `scripts/demo` (release) build, so that features unify the same way and nothing is rebuilt.
pub fn plugin_binaries() -> &'static PluginBinaries {
    static BUILT: OnceLock<PluginBinaries> = OnceLock::new();
    BUILT.get_or_init(|| build().unwrap_or_else(|error| panic!("{error}")))
}

fn build() -> Result<PluginBinaries, String> {
    let profile_dir = profile_dir()?;
    let release = profile_dir
        .file_name()
        .is_some_and(|name| name == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .current_dir(crate::project_root())
        .args(["build", "--quiet", "--bins"])
        .args([
            "-p",
            "terraform-provider-photon",
            "-p",
            "packer-plugin-photon",
        ]);
    if release {
        command.arg("--release");
    }
    if let Some(target_dir) = profile_dir.parent() {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    let status = command.status().map_err(|error| {
        format!(
            "cannot run {}: {error} (install Rust with rustup)",
            Path::new(&cargo).display()
        )
    })?;
    if !status.success() {
        return Err(format!(
            "building the plugins failed: {command:?} exited with {status}"
        ));
    }
    let binaries = PluginBinaries {
        provider: profile_dir.join("terraform-provider-photon"),
        packer_plugin: profile_dir.join("packer-plugin-photon"),
    };
    for path in [&binaries.provider, &binaries.packer_plugin] {
        if !path.is_file() {
            return Err(format!("{} was not built", path.display()));
        }
    }
    Ok(binaries)
}

/// `target/<profile>`: tests run from `target/<profile>/deps`, binaries from `target/<profile>`.
fn profile_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|error| format!("current executable: {error}"))?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))?;
    if dir.file_name().is_some_and(|name| name == "deps") {
        dir = dir
            .parent()
            .ok_or_else(|| format!("{} has no parent directory", dir.display()))?;
    }
    Ok(dir.to_path_buf())
}
