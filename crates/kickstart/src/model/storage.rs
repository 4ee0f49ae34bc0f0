//! Disks and partitions.

use serde::{Deserialize, Serialize};

use crate::serde_util::null_default;

/// One entry of `disks`: a block device for a live install, or an image file to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Disk {
    /// Block device path, e.g. `/dev/sda` or `/dev/disk/by-path/…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Image file the installer creates and installs into (image builds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Size of the image file in MB; required with `filename`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Logical sector size of the image file in bytes (512 or 4096).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_size: Option<i64>,
}

/// One partition (or logical volume) to create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Partition {
    /// Absolute mount point; required except for swap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mountpoint: Option<String>,
    /// Size in MB; `0` grows the partition to fill the rest of its disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Size in percent of the disk (1–100); instead of `size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_percent: Option<i64>,
    /// Filesystem; `ext4` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<String>,
    /// Device path of the disk for this partition (legacy multi-disk form, without `disks`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
    /// Id of the disk in `disks`; `default` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_id: Option<String>,
    /// Put the partition into an LVM logical volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lvm: Option<Lvm>,
    /// btrfs volume label and subvolumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub btrfs: Option<Btrfs>,
    /// Extra arguments for `mkfs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mkfs_options: Option<String>,
    /// Mount options, e.g. `nodev,noexec,nosuid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<String>,
    /// Also create an A/B shadow copy for upgrade and rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ab: Option<bool>,
    /// Use a whole non-default disk without a partition table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_disk: Option<bool>,
}

/// The logical volume a partition lives in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lvm {
    /// Volume group; several partitions may share one.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub vg_name: String,
    /// Logical volume name, unique within its volume group.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub lv_name: String,
}

/// btrfs settings of a partition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Btrfs {
    /// Label of the parent volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Subvolumes inside the volume.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subvols: Vec<BtrfsSubvolume>,
}

/// A btrfs subvolume, possibly with nested subvolumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BtrfsSubvolume {
    /// Subvolume name.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Where to mount the subvolume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mountpoint: Option<String>,
    /// Nested subvolumes.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subvols: Vec<BtrfsSubvolume>,
}
