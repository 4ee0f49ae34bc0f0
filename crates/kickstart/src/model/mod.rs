//! The typed kickstart model, in the field names Terraform and Packer users write.
//!
//! Every field is optional at the type level (the installer has defaults for almost everything);
//! [`Kickstart::validate`](crate::Kickstart::validate) decides what a generation requires, so all
//! problems come back as [`FieldError`](crate::FieldError)s with paths instead of decode errors.

mod extras;
mod network;
mod storage;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::extras::{
    AdditionalFile, AnsiblePlaybook, Archive, Docker, DockerImage, Firstboot, Grub, Ostree, Repo,
    Security,
};
pub use self::network::{Ethernet, InterfaceMatch, Nameservers, Network, Vlan};
pub use self::storage::{Btrfs, BtrfsSubvolume, Disk, Lvm, Partition};
use crate::secret::Secret;
use crate::serde_util::null_default;

/// A Photon OS installer kickstart.
///
/// Decode it from configuration (`deny_unknown_fields` rejects misspelt keys), check it with
/// [`Kickstart::validate`](crate::Kickstart::validate) and render it with
/// [`Kickstart::to_json`](crate::Kickstart::to_json) or
/// [`Kickstart::to_base64`](crate::Kickstart::to_base64). [`crate::field_docs`] documents every
/// field; lists and maps treat `null` like empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Kickstart {
    // --- identity and access ---
    /// Host name of the installed system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Root password; without it root cannot log in with a password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Password>,
    /// SSH public key appended to root's `authorized_keys`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Why the key is added (required by `poi-master`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_reason: Option<String>,

    // --- storage ---
    /// Target disk device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// Target disks by id; one must be `default`.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub disks: BTreeMap<String, Disk>,
    /// Partitions to create; the installer's default is one ext4 `/` filling the disk.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub partitions: Vec<Partition>,
    /// Partition table type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_type: Option<String>,
    /// Firmware boot support to install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootmode: Option<String>,
    /// Target architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,

    // --- software ---
    /// Packages to install.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub packages: Vec<String>,
    /// Packages installed only when the target is x86_64.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub packages_x86_64: Vec<String>,
    /// Packages installed only when the target is aarch64.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub packages_aarch64: Vec<String>,
    /// Packages added to the package set.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub additional_packages: Vec<String>,
    /// Package list file, e.g. `packages_minimal.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packagelist_file: Option<String>,
    /// Several package list files.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub packagelist_files: Vec<String>,
    /// Directory of extra RPMs to install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_rpms_path: Option<String>,
    /// Kernel flavor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_flavor: Option<String>,
    /// Kernel flavor when the target is x86_64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_flavor_x86_64: Option<String>,
    /// Kernel flavor when the target is aarch64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linux_flavor_aarch64: Option<String>,
    /// Package repositories by id.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub repos: BTreeMap<String, Repo>,
    /// Skip TLS verification for package repositories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_repo: Option<bool>,
    /// Package cache directory to reuse during image builds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tdnf_cachedir: Option<String>,
    /// Photon container image (`name:tag`) the installer may use for container-based steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photon_docker_image: Option<String>,
    /// Container images to preload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker: Option<Docker>,
    /// RPM-OSTree installation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ostree: Option<Ostree>,

    // --- network and services ---
    /// Network configuration of the installed system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// systemd unit states by unit name.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub services: BTreeMap<String, String>,

    // --- files and scripts ---
    /// Directories searched for files, scripts and package lists.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub search_path: Vec<String>,
    /// Files copied into the target.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub additional_files: Vec<AdditionalFile>,
    /// Script lines run on the installer host before installation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub preinstall: Vec<String>,
    /// Script files run on the installer host before installation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub preinstall_scripts: Vec<String>,
    /// Script lines run after the base packages, before the package set.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub prepkgsinstall: Vec<String>,
    /// Script files run after the base packages, before the package set.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub prepkgsinstall_scripts: Vec<String>,
    /// Script lines run in the target after installation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub postinstall: Vec<String>,
    /// Script files run in the target after installation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub postinstall_scripts: Vec<String>,
    /// Scripts run at the first boot of the installed system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firstboot: Option<Firstboot>,
    /// Ansible playbooks run against the target.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ansible: Vec<AnsiblePlaybook>,
    /// Environment variables for the installer run.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub environment: BTreeMap<String, String>,

    // --- boot and security ---
    /// GRUB settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grub: Option<Grub>,
    /// File with extra GRUB variables for the kernel command line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_grub_cfg_file: Option<String>,
    /// Custom GRUB setup script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_grub_script: Option<String>,
    /// SELinux and FIPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// Use Discoverable Partition Specification type GUIDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dps: Option<bool>,

    // --- image builds ---
    /// Whether the target is the machine running the installer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<bool>,
    /// Root filesystem tarballs to produce.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub archives: Vec<Archive>,
    /// Extra bind mounts during image builds, passed through as given.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub build_mounts: Vec<serde_json::Value>,
    /// Installer plugins, passed through as given.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub plugins: Vec<serde_json::Value>,
    /// JSON manifest of the installed system to write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_file: Option<String>,

    // --- installer behaviour ---
    /// Eject the install media at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eject_cdrom: Option<bool>,
    /// Show the curses progress UI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui: Option<bool>,
    /// Installer log level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// Debugging: keep the target mounted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_unmount: Option<bool>,
    /// Debugging: keep caches and repository configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_clean: Option<bool>,
    /// Automatic partitioning flag of the interactive installer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autopartition: Option<bool>,
    /// Release being installed (Photon OS 3.0 installer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_version: Option<String>,
}

/// The root password: exactly one of `text` or `crypted`.
///
/// `Debug` never shows either value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Password {
    /// Plain-text password; the installer hashes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Secret>,
    /// Ready crypt(3) hash, written to `/etc/shadow` as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crypted: Option<Secret>,
    /// Days until the password expires; `0` forces a change at first login, `-1` never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i64>,
}
