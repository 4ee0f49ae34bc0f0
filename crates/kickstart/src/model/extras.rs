//! Package sources, container images, scripts and the other optional blocks.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::serde_util::null_default;

/// A tdnf repository (the fields of a `.repo` file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Repo {
    /// Human-readable repository name.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Repository URL.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub baseurl: String,
    /// Verify package signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpgcheck: Option<bool>,
    /// Use the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Container images to preload into the target's Docker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Docker {
    /// The images.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<DockerImage>,
}

/// One image to preload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DockerImage {
    /// `pull` (from a registry, needs `name`) or `load` (a `docker save` tarball, needs `filename`).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub method: String,
    /// Image reference to pull.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tarball to load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Extra tags to apply.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tags: Vec<String>,
    /// Remove the original tag after tagging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_tag: Option<bool>,
}

/// RPM-OSTree installation source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ostree {
    /// `true` (default): the repository on the install media; `false`: `repo_url` + `repo_ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_repo: Option<bool>,
    /// Remote OSTree repository URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_url: Option<String>,
    /// Ref to deploy from the remote repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_ref: Option<String>,
}

/// A file or directory copied into the target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdditionalFile {
    /// File or directory looked up in `search_path` (or an http(s) URL).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// Absolute destination path in the target.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub destination: String,
}

/// Scripts run once at the first boot of the installed system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Firstboot {
    /// Script files (on the installer host) copied to `/etc/firstboot.d`.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub scripts: Vec<String>,
}

/// An Ansible playbook run against the target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnsiblePlaybook {
    /// Playbook file.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub playbook: String,
    /// Verbosity level (number of `-v`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<i64>,
    /// Extra variables, each `key=value` (or a JSON/YAML string).
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extra_vars: Vec<String>,
}

/// GRUB settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grub {
    /// GRUB password hash as printed by `grub-mkpasswd-pbkdf2`.
    #[serde(deserialize_with = "null_default")]
    pub password_pbkdf2: Secret,
}

/// SELinux and FIPS settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// SELinux mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selinux: Option<String>,
    /// Enable FIPS mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fips: Option<bool>,
}

/// A tarball of the installed root filesystem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Archive {
    /// Output file; the installer's default is `rootfs.tar.gz`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Directory of the target to archive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// Paths left out of the archive.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exclude_paths: Vec<String>,
    /// Leave out mounted filesystems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_mounts: Option<bool>,
}
