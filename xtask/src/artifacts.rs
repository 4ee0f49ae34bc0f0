//! The release artifacts, named and shaped as their installers expect them:
//!
//! - Terraform registry (the goreleaser layout HashiCorp's providers publish):
//!   `terraform-provider-photon_<v>_<os>_<arch>.zip` holding `terraform-provider-photon_v<v>`
//!   (mode 0755), `terraform-provider-photon_<v>_manifest.json` (also written as
//!   `terraform-registry-manifest.json`, the name it has in a provider's repository), and
//!   `terraform-provider-photon_<v>_SHA256SUMS` in `sha256sum` format over the zip and the manifest;
//! - Packer: `packer-plugin-photon_v<v>_x5.0_<os>_<arch>` (mode 0755) and its `_SHA256SUM`, the
//!   bare lowercase hex digest without newline or file name, as `packer plugins install --path`
//!   writes it (shared/reference/packer-protocol.md §1.3).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

/// The Terraform plugin protocol versions the provider serves (tfsdk serves 6 and 5).
const MANIFEST: &str = "{\"version\":1,\"metadata\":{\"protocol_versions\":[\"6.0\",\"5.0\"]}}\n";

/// The Packer plugin API version in the file name; `describe` must report the same.
const PACKER_API_VERSION: &str = "x5.0";

/// What goes into a release.
#[derive(Debug)]
pub(crate) struct Inputs<'a> {
    /// The version being released (the workspace's).
    pub(crate) version: &'a str,
    /// The built `terraform-provider-photon`.
    pub(crate) provider: PathBuf,
    /// The built `packer-plugin-photon`.
    pub(crate) packer_plugin: PathBuf,
}

/// `linux_amd64` for the machine the binaries were built on (Go's names, as both tools use).
fn platform() -> Result<String, String> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => {
            return Err(format!(
                "no release naming for machine architecture {other}"
            ));
        }
    };
    Ok(format!("{}_{arch}", std::env::consts::OS))
}

/// Writes every artifact into `out` (created if needed); returns their paths, sorted.
pub(crate) fn write(inputs: &Inputs<'_>, out: &Path) -> Result<Vec<PathBuf>, String> {
    let version = inputs.version;
    let platform = platform()?;
    std::fs::create_dir_all(out).map_err(|error| format!("create {}: {error}", out.display()))?;
    let read = |path: &Path| {
        std::fs::read(path).map_err(|error| format!("read {}: {error}", path.display()))
    };
    let mut written = Vec::new();

    let zip_name = format!("terraform-provider-photon_{version}_{platform}.zip");
    let zip = provider_zip(
        &format!("terraform-provider-photon_v{version}"),
        &read(&inputs.provider)?,
    )?;
    written.push(put(out, &zip_name, &zip, 0o644)?);
    let manifest_name = format!("terraform-provider-photon_{version}_manifest.json");
    written.push(put(out, &manifest_name, MANIFEST.as_bytes(), 0o644)?);
    written.push(put(
        out,
        "terraform-registry-manifest.json",
        MANIFEST.as_bytes(),
        0o644,
    )?);
    let mut sums = [
        (zip_name, sha256_hex(&zip)),
        (manifest_name, sha256_hex(MANIFEST.as_bytes())),
    ];
    sums.sort();
    let sums: String = sums
        .iter()
        .map(|(name, sum)| format!("{sum}  {name}\n"))
        .collect();
    written.push(put(
        out,
        &format!("terraform-provider-photon_{version}_SHA256SUMS"),
        sums.as_bytes(),
        0o644,
    )?);

    check_describe(&inputs.packer_plugin, version)?;
    let plugin_name = format!("packer-plugin-photon_v{version}_{PACKER_API_VERSION}_{platform}");
    let plugin = read(&inputs.packer_plugin)?;
    written.push(put(out, &plugin_name, &plugin, 0o755)?);
    written.push(put(
        out,
        &format!("{plugin_name}_SHA256SUM"),
        sha256_hex(&plugin).as_bytes(),
        0o644,
    )?);
    written.sort();
    Ok(written)
}

/// Packer 1.7+ skips a plugin whose `describe` disagrees with its file name, so a release
/// whose binary would be skipped is refused here.
fn check_describe(binary: &Path, version: &str) -> Result<(), String> {
    let output = Command::new(binary)
        .arg("describe")
        .output()
        .map_err(|error| format!("cannot run {} describe: {error}", binary.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} describe exited with {}",
            binary.display(),
            output.status
        ));
    }
    let description: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("{} describe printed no JSON: {error}", binary.display()))?;
    let field = |key: &str| description.get(key).and_then(serde_json::Value::as_str);
    if field("version") != Some(version) || field("api_version") != Some(PACKER_API_VERSION) {
        return Err(format!(
            "{} describe reports version {:?} and api_version {:?}; the file name says {version} and {PACKER_API_VERSION}",
            binary.display(),
            field("version"),
            field("api_version")
        ));
    }
    Ok(())
}

/// The provider zip, byte for byte the same for the same binary: one entry, a fixed timestamp
/// (zip's 1980-01-01 epoch), fixed permissions.
pub(crate) fn provider_zip(entry_name: &str, binary: &[u8]) -> Result<Vec<u8>, String> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::DEFAULT
        .compression_method(zip::CompressionMethod::Deflated)
        // The fastest deflate level: xtask runs unoptimised (a dev build), where the default
        // level takes minutes on a debug provider; the zip is a quarter larger, nothing else changes.
        .compression_level(Some(1))
        .unix_permissions(0o755)
        // The default switches to zip64 only past 4 GiB; a release binary never gets there.
        .large_file(false);
    let zip_error = |error: zip::result::ZipError| format!("zip {entry_name}: {error}");
    writer.start_file(entry_name, options).map_err(zip_error)?;
    writer
        .write_all(binary)
        .map_err(|error| format!("zip {entry_name}: {error}"))?;
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Writes `name` in `dir` through a temporary name (a reader never sees half a file) with `mode`.
fn put(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes)
        .map_err(|error| format!("write {}: {error}", partial.display()))?;
    std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(mode))
        .map_err(|error| format!("chmod {}: {error}", partial.display()))?;
    std::fs::rename(&partial, &path)
        .map_err(|error| format!("rename to {}: {error}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read as _;

    use super::*;

    #[test]
    fn the_zip_is_reproducible_and_holds_one_executable() {
        let binary = b"\x7fELF not really".repeat(1000);
        let first = provider_zip("terraform-provider-photon_v0.1.0", &binary).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let second = provider_zip("terraform-provider-photon_v0.1.0", &binary).unwrap();
        assert_eq!(
            first, second,
            "same input, same bytes, whatever the clock says"
        );

        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "terraform-provider-photon_v0.1.0");
        assert_eq!(entry.unix_mode().unwrap() & 0o777, 0o755);
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, binary);
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_binary_whose_describe_disagrees_with_the_name_is_refused() {
        let dir = tempdir();
        let fake = dir.join("packer-plugin-photon");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho '{\"version\":\"9.9.9\",\"api_version\":\"x5.0\"}'\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let error = check_describe(&fake, "0.1.0").unwrap_err();
        assert!(error.contains("9.9.9"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A fresh directory (xtask has no tempfile dependency).
    fn tempdir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
