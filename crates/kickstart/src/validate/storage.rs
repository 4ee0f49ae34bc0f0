//! Disks, partitions, partition table, boot mode and architecture.

use std::collections::{BTreeMap, BTreeSet};

use super::{Ctx, syntax};
use crate::allowed;
use crate::error::Path;
use crate::model::{Btrfs, BtrfsSubvolume, Lvm, Partition};

/// What a disk device looks like, for messages.
const DEVICE_EXPECTED: &str =
    "a block device path such as `/dev/sda`, `/dev/nvme0n1` or `/dev/disk/by-path/…`";

pub(super) fn check(ctx: &mut Ctx<'_>) {
    disks(ctx);
    partitions(ctx);
    boot(ctx);
}

fn device(ctx: &mut Ctx<'_>, path: &Path, value: &str) {
    if ctx.placeholder(path, value) {
        return;
    }
    if !syntax::device_path_ok(value) {
        ctx.error(path, format!("expected {DEVICE_EXPECTED}; got `{value}`"));
    }
}

fn disks(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(disk) = &kickstart.disk {
        device(ctx, &root.field("disk"), disk);
    }
    // `disks` does not count where it is unsupported (reported already): 3.0 needs `disk`.
    let has_disks = ctx.generation.is_poi() && !kickstart.disks.is_empty();
    match (kickstart.disk.is_some(), !has_disks) {
        (true, false) => ctx.error(
            &root.field("disks"),
            "expected only one of `disk` or `disks`; the installer refuses both",
        ),
        (false, true) => {
            let expected = if ctx.generation.is_poi() {
                format!("expected `disk` ({DEVICE_EXPECTED}) or `disks` (with a `default` entry)")
            } else {
                format!("expected `disk` ({DEVICE_EXPECTED})")
            };
            ctx.error(&root.field("disk"), expected);
        }
        _ => {}
    }
    if kickstart.disks.is_empty() {
        return;
    }
    let path = root.field("disks");
    if !kickstart.disks.contains_key("default") {
        ctx.error(
            &path,
            "expected a disk with the id `default` (the disk the system boots from)",
        );
    }
    for (id, disk) in &kickstart.disks {
        let entry = path.key(id);
        if !syntax::id_ok(id) {
            ctx.error(
                &entry,
                format!("expected a disk id without whitespace or '/'; got `{id}`"),
            );
        }
        match (&disk.device, &disk.filename) {
            (Some(_), Some(_)) => ctx.error(
                &entry,
                "expected exactly one of `device` (install to a block device) or `filename` (build an image \
                 file); both are set",
            ),
            (None, None) => ctx.error(
                &entry,
                "expected exactly one of `device` (install to a block device) or `filename` (build an image \
                 file); neither is set",
            ),
            _ => {}
        }
        if let Some(device_path) = &disk.device {
            device(ctx, &entry.field("device"), device_path);
            for (name, set) in [
                ("size", disk.size.is_some()),
                ("sector_size", disk.sector_size.is_some()),
            ] {
                if set {
                    ctx.error(
                        &entry.field(name),
                        format!("expected no `{name}` for a device; only image files (`filename`) take one"),
                    );
                }
            }
        }
        if let Some(filename) = &disk.filename {
            ctx.non_empty(&entry.field("filename"), filename, "an image file name");
            match disk.size {
                None => ctx.error(
                    &entry.field("size"),
                    "expected the image size in MB (required with `filename`)",
                ),
                Some(size) if size <= 0 => ctx.error(
                    &entry.field("size"),
                    format!("expected the image size in MB, at least 1; got {size}"),
                ),
                Some(_) => {}
            }
            if let Some(sector_size) = disk.sector_size {
                if !allowed::SECTOR_SIZES.contains(&sector_size) {
                    ctx.error(
                        &entry.field("sector_size"),
                        format!(
                            "expected one of {} (bytes); got {sector_size}",
                            allowed::list_numbers(allowed::SECTOR_SIZES)
                        ),
                    );
                }
            }
        }
    }
}

/// Key for "per disk" rules: the `disk_id`, the legacy per-partition `disk` (the same as the
/// top-level `disk` means the default disk), or the default disk.
fn disk_key(partition: &Partition, default_device: Option<&str>) -> String {
    match (&partition.disk_id, &partition.disk) {
        (Some(id), _) => id.clone(),
        (None, Some(device)) if Some(device.as_str()) != default_device => device.clone(),
        (None, _) => "default".to_owned(),
    }
}

fn partitions(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    if kickstart.partitions.is_empty() {
        return;
    }
    let list = Path::root().field("partitions");
    let mut mountpoints: BTreeMap<&str, usize> = BTreeMap::new();
    let mut growing: BTreeMap<String, usize> = BTreeMap::new();
    let mut volumes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    // disk -> (index of the whole-disk entry, its volume group)
    let mut whole_disks: BTreeMap<String, (usize, Option<&str>)> = BTreeMap::new();
    let mut per_disk: BTreeMap<String, Vec<usize>> = BTreeMap::new();

    for (index, partition) in kickstart.partitions.iter().enumerate() {
        let path = list.index(index);
        let filesystem = partition
            .filesystem
            .as_deref()
            .unwrap_or(allowed::DEFAULT_FILESYSTEM);
        if let Some(value) = &partition.filesystem {
            ctx.one_of(
                &path.field("filesystem"),
                value,
                allowed::filesystems(ctx.generation),
            );
        }
        for (field, set) in [
            ("size_percent", partition.size_percent.is_some()),
            ("disk_id", partition.disk_id.is_some()),
            ("btrfs", partition.btrfs.is_some()),
            ("mount_options", partition.mount_options.is_some()),
            ("ab", partition.ab.is_some()),
            ("all_disk", partition.all_disk.is_some()),
        ] {
            if set {
                ctx.supported(&path.field(field), &format!("partitions.{field}"));
            }
        }
        let all_disk = partition.all_disk == Some(true);

        // Mount point.
        let is_swap = filesystem == "swap";
        match &partition.mountpoint {
            Some(mountpoint) if is_swap => ctx.error(
                &path.field("mountpoint"),
                format!("expected no mountpoint for a swap partition; got `{mountpoint}`"),
            ),
            Some(mountpoint) => {
                let mountpoint_path = path.field("mountpoint");
                if !ctx.absolute_path(&mountpoint_path, mountpoint, "the mount point") {
                    // Reported; an invalid path cannot clash meaningfully.
                } else if let Some(first) = mountpoints.get(mountpoint.as_str()) {
                    ctx.error(
                        &mountpoint_path,
                        format!("expected a unique mountpoint; `{mountpoint}` is already used by partitions[{first}]"),
                    );
                } else {
                    mountpoints.insert(mountpoint, index);
                }
            }
            None if !is_swap && !all_disk => ctx.error(
                &path.field("mountpoint"),
                "expected a mount point (required for every partition except swap)",
            ),
            None => {}
        }
        let mountpoint = partition.mountpoint.as_deref().unwrap_or("");
        if mountpoint == "/boot/efi" && filesystem != "vfat" {
            ctx.error(
                &path.field("filesystem"),
                format!(
                    "expected `vfat` for the EFI system partition `/boot/efi`; got `{filesystem}`"
                ),
            );
        }

        // Size.
        size(ctx, &path, partition, all_disk);
        let disk = disk_key(partition, kickstart.disk.as_deref());
        if partition.size == Some(0) {
            if let Some(first) = growing.get(&disk) {
                ctx.error(
                    &path.field("size"),
                    format!(
                        "expected at most one partition per disk that fills the rest of the disk (size 0); \
                         partitions[{first}] already does on disk `{disk}`"
                    ),
                );
            } else {
                growing.insert(disk.clone(), index);
            }
        }

        disk_reference(ctx, &path, partition);
        if let Some(lvm) = &partition.lvm {
            logical_volume(ctx, &path, index, partition, lvm, &mut volumes);
        }
        if let Some(btrfs) = &partition.btrfs {
            btrfs_block(ctx, &path.field("btrfs"), filesystem, btrfs);
        }

        // Options.
        for (field, value, what) in [
            ("mkfs_options", &partition.mkfs_options, "mkfs arguments"),
            ("mount_options", &partition.mount_options, "mount options"),
        ] {
            if let Some(value) = value {
                if ctx.non_empty(&path.field(field), value, what) && value.contains(['\n', '\r']) {
                    ctx.error(&path.field(field), format!("expected {what} on one line"));
                }
            }
        }

        // Whole disk without a partition table.
        if all_disk {
            if disk == "default" {
                ctx.error(
                    &path.field("all_disk"),
                    "expected `all_disk` only on a non-default disk (set `disk_id`); the default disk must be partitioned",
                );
            }
            if partition.ab == Some(true) {
                ctx.error(
                    &path.field("ab"),
                    "expected no `ab` with `all_disk`: A/B copies need a partition table",
                );
            }
            whole_disks.entry(disk.clone()).or_insert((
                index,
                partition.lvm.as_ref().map(|lvm| lvm.vg_name.as_str()),
            ));
        }
        per_disk.entry(disk).or_default().push(index);
    }

    // A whole disk holds one filesystem, or logical volumes of one volume group.
    for (disk, (whole, vg_name)) in &whole_disks {
        for &index in per_disk.get(disk).map(Vec::as_slice).unwrap_or_default() {
            if index == *whole {
                continue;
            }
            let partition = &kickstart.partitions[index];
            let same_group = vg_name.is_some()
                && partition.lvm.as_ref().map(|lvm| lvm.vg_name.as_str()) == *vg_name;
            if !same_group {
                ctx.error(
                    &list.index(index),
                    format!(
                        "expected no other partition on disk `{disk}`, which partitions[{whole}] uses whole \
                         (`all_disk`), unless both are logical volumes of the same volume group"
                    ),
                );
            }
        }
    }

    if !mountpoints.contains_key("/") {
        ctx.error(
            &list,
            "expected a partition with mountpoint `/` when `partitions` is given",
        );
    }
}

/// `disk` (legacy device path) and `disk_id` (an entry of `disks`) of one partition.
fn disk_reference(ctx: &mut Ctx<'_>, path: &Path, partition: &Partition) {
    let kickstart = ctx.kickstart;
    if let Some(device_path) = &partition.disk {
        if !kickstart.disks.is_empty() {
            ctx.error(
                &path.field("disk"),
                "expected `disk_id` instead of `disk` when `disks` is used",
            );
        } else {
            device(ctx, &path.field("disk"), device_path);
        }
        if partition.disk_id.is_some() {
            ctx.error(
                &path.field("disk"),
                "expected only one of `disk` or `disk_id`",
            );
        }
    }
    if let Some(id) = &partition.disk_id {
        if kickstart.disks.is_empty() {
            ctx.error(
                &path.field("disk_id"),
                format!("expected `disks` to define the disk id `{id}`"),
            );
        } else if !kickstart.disks.contains_key(id) {
            let ids: Vec<&str> = kickstart.disks.keys().map(String::as_str).collect();
            ctx.error(
                &path.field("disk_id"),
                format!(
                    "expected one of the ids in `disks`: {}; got `{id}`",
                    allowed::list(&ids)
                ),
            );
        }
    }
}

/// The `lvm` block of one partition; `volumes` remembers (volume group, logical volume) pairs.
fn logical_volume<'k>(
    ctx: &mut Ctx<'_>,
    path: &Path,
    index: usize,
    partition: &Partition,
    lvm: &'k Lvm,
    volumes: &mut BTreeMap<(&'k str, &'k str), usize>,
) {
    let mountpoint = partition.mountpoint.as_deref().unwrap_or("");
    let lvm_path = path.field("lvm");
    for (field, name) in [("vg_name", &lvm.vg_name), ("lv_name", &lvm.lv_name)] {
        if !syntax::lvm_name_ok(name) {
            ctx.error(
                &lvm_path.field(field),
                format!(
                    "expected an LVM name of letters, digits and `+_.-`, not starting with '-'; got `{name}`"
                ),
            );
        }
    }
    if let Some(first) = volumes.get(&(lvm.vg_name.as_str(), lvm.lv_name.as_str())) {
        ctx.error(
            &lvm_path.field("lv_name"),
            format!(
                "expected a logical volume name unique in volume group `{}`; partitions[{first}] already uses `{}`",
                lvm.vg_name, lvm.lv_name
            ),
        );
    } else {
        volumes.insert((lvm.vg_name.as_str(), lvm.lv_name.as_str()), index);
    }
    if mountpoint == "/boot" {
        ctx.error(
            &lvm_path,
            "expected no `lvm` for `/boot`: the boot loader cannot read /boot from LVM",
        );
    }
    if partition.ab == Some(true) {
        ctx.error(
            &path.field("ab"),
            "expected no `ab` on an LVM partition: A/B copies need plain partitions",
        );
    }
}

/// The `btrfs` block of one partition.
fn btrfs_block(ctx: &mut Ctx<'_>, btrfs_path: &Path, filesystem: &str, btrfs: &Btrfs) {
    if filesystem != "btrfs" {
        ctx.error(
            btrfs_path,
            format!("expected `filesystem = \"btrfs\"` for a btrfs block; got `{filesystem}`"),
        );
    }
    if let Some(label) = &btrfs.label {
        ctx.non_empty(&btrfs_path.field("label"), label, "a volume label");
    }
    subvolumes(ctx, &btrfs_path.field("subvols"), &btrfs.subvols);
}

fn size(ctx: &mut Ctx<'_>, path: &Path, partition: &Partition, all_disk: bool) {
    if let Some(size) = partition.size {
        if size < 0 {
            ctx.error(
                &path.field("size"),
                format!("expected a size in MB of at least 1, or 0 to fill the rest of the disk; got {size}"),
            );
        }
    }
    if let Some(percent) = partition.size_percent {
        if !(1..=100).contains(&percent) {
            ctx.error(
                &path.field("size_percent"),
                format!("expected a percentage from 1 to 100; got {percent}"),
            );
        }
    }
    match (partition.size.is_some(), partition.size_percent.is_some()) {
        (true, true) => ctx.error(
            &path.field("size_percent"),
            "expected only one of `size` or `size_percent`",
        ),
        (false, false) if !all_disk => {
            let expected = if ctx.generation.is_poi() {
                "expected `size` (MB; 0 fills the rest of the disk) or `size_percent`"
            } else {
                "expected `size` (MB; 0 fills the rest of the disk)"
            };
            ctx.error(&path.field("size"), expected);
        }
        _ => {}
    }
}

fn subvolumes(ctx: &mut Ctx<'_>, path: &Path, subvols: &[BtrfsSubvolume]) {
    let mut names = BTreeSet::new();
    for (index, subvol) in subvols.iter().enumerate() {
        let entry = path.index(index);
        if ctx.non_empty(&entry.field("name"), &subvol.name, "a subvolume name")
            && (subvol.name.contains('/') || !names.insert(subvol.name.as_str()))
        {
            ctx.error(
                &entry.field("name"),
                format!("expected a subvolume name without '/' that is unique among its siblings; got `{}`", subvol.name),
            );
        }
        if let Some(mountpoint) = &subvol.mountpoint {
            ctx.absolute_path(
                &entry.field("mountpoint"),
                mountpoint,
                "the subvolume mount point",
            );
        }
        subvolumes(ctx, &entry.field("subvols"), &subvol.subvols);
    }
}

fn boot(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(table) = &kickstart.partition_type {
        ctx.one_of(
            &root.field("partition_type"),
            table,
            allowed::PARTITION_TYPES,
        );
    }
    let arch_ok = match &kickstart.arch {
        Some(arch) => ctx.one_of(&root.field("arch"), arch, allowed::ARCHES),
        None => false,
    };
    if let Some(bootmode) = &kickstart.bootmode {
        let path = root.field("bootmode");
        if ctx.one_of(&path, bootmode, allowed::BOOTMODES)
            && arch_ok
            && kickstart.arch.as_deref() == Some("aarch64")
            && !allowed::BOOTMODES_AARCH64.contains(&bootmode.as_str())
        {
            ctx.error(
                &path,
                format!(
                    "expected {} for arch `aarch64` (aarch64 has no BIOS boot); got `{bootmode}`",
                    allowed::list(allowed::BOOTMODES_AARCH64)
                ),
            );
        }
    }
}
