//! Allowed values. Each list feeds both the validator and the generated field documentation, so
//! the two cannot drift; consumers may also use them for schema-level validators.

use crate::InstallerGeneration;

/// `partitions[].filesystem` for photon-os-installer (`ext4` is the default).
pub const FILESYSTEMS: &[&str] = &["ext4", "xfs", "btrfs", "vfat", "swap"];

/// `partitions[].filesystem` for the Photon OS 3.0 installer, as its kickstart reference lists them.
pub const FILESYSTEMS_PHOTON3: &[&str] = &["ext4", "vfat", "swap"];

/// The filesystems a generation accepts.
pub const fn filesystems(generation: InstallerGeneration) -> &'static [&'static str] {
    match generation {
        InstallerGeneration::Photon3 => FILESYSTEMS_PHOTON3,
        InstallerGeneration::Poi27 | InstallerGeneration::PoiMaster => FILESYSTEMS,
    }
}

/// The filesystem used when `partitions[].filesystem` is not set.
pub const DEFAULT_FILESYSTEM: &str = "ext4";

/// `partition_type`.
pub const PARTITION_TYPES: &[&str] = &["gpt", "msdos"];

/// `bootmode`.
pub const BOOTMODES: &[&str] = &["bios", "efi", "dualboot"];

/// `bootmode` values that are possible on `aarch64`.
pub const BOOTMODES_AARCH64: &[&str] = &["efi"];

/// `arch`.
pub const ARCHES: &[&str] = &["x86_64", "aarch64"];

/// `linux_flavor` (and its per-architecture variants).
pub const LINUX_FLAVORS: &[&str] = &[
    "linux",
    "linux-esx",
    "linux-rt",
    "linux-aws",
    "linux-secure",
];

/// `log_level`.
pub const LOG_LEVELS: &[&str] = &["error", "warning", "info", "debug"];

/// `network.type` (the legacy network form).
pub const NETWORK_TYPES: &[&str] = &["dhcp", "static", "vlan"];

/// Values of the `services` map.
pub const SERVICE_STATES: &[&str] = &["enabled", "disabled", "masked"];

/// `security.selinux`.
pub const SELINUX_MODES: &[&str] = &["enforcing", "permissive", "disabled"];

/// `docker.images[].method`.
pub const DOCKER_METHODS: &[&str] = &["pull", "load"];

/// `disks.*.sector_size` in bytes.
pub const SECTOR_SIZES: &[i64] = &[512, 4096];

/// `repos.*.baseurl` schemes tdnf can fetch from.
pub const REPO_URL_SCHEMES: &[&str] = &["http://", "https://", "ftp://", "file://"];

/// `ostree.repo_url` schemes.
pub const OSTREE_URL_SCHEMES: &[&str] = &["http://", "https://"];

/// Key types accepted at the start of `public_key` (an OpenSSH `authorized_keys` line).
pub const SSH_KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
];

/// crypt(3) method prefixes accepted in `password.crypted`: MD5, SHA-256 and SHA-512 crypt, the
/// methods every Photon OS release's libc verifies. (yescrypt `$y$` needs libxcrypt, which only
/// recent Photon 5.0 updates ship, so it is refused.)
pub const CRYPT_PREFIXES: &[&str] = &["$6$", "$5$", "$1$"];

/// Writes `` `a`, `b`, `c` `` for messages and docs.
pub(crate) fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Same as [`list`] for numbers.
pub(crate) fn list_numbers(values: &[i64]) -> String {
    values
        .iter()
        .map(|value| format!("`{value}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_formats_code_spans() {
        assert_eq!(list(&["a", "b"]), "`a`, `b`");
        assert_eq!(list_numbers(SECTOR_SIZES), "`512`, `4096`");
    }

    #[test]
    fn photon3_filesystems_are_a_subset() {
        for fs in FILESYSTEMS_PHOTON3 {
            assert!(FILESYSTEMS.contains(fs));
        }
        assert!(FILESYSTEMS.contains(&DEFAULT_FILESYSTEM));
    }
}
