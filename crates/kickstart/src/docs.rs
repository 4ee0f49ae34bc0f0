//! Per-field documentation for generated docs and schema descriptions.
//!
//! Allowed values, installer keys and supported generations are appended from the same tables the
//! validator and renderer use.

use std::sync::OnceLock;

use crate::InstallerGeneration;
use crate::allowed::{self, list};
use crate::support::{KEYS, installer_key, supported_generations};

use self::Allowed::{Any, Filesystems, Numbers, Values};

/// Extra facts appended to a description.
enum Allowed {
    Any,
    Values(&'static [&'static str]),
    Numbers(&'static [i64]),
    Filesystems,
}

/// (dotted field name, description, allowed values). Map entries and list items share the name of
/// their container: `disks.device` is the `device` of every entry of `disks`.
const FIELDS: &[(&str, &str, Allowed)] = &[
    // identity and access
    (
        "hostname",
        "Host name of the installed system. At most 63 characters of dot-separated labels (letters, digits, \
         `-`, no label starting or ending with `-`), starting with a letter. The installer picks \
         `photon-<12 hex digits>` when unset. On photon-os-installer a value `$NAME` is replaced from the \
         environment (see `preinstall`, `environment`).",
        Any,
    ),
    (
        "password",
        "Root password. Set exactly one of `text` or `crypted`. Without it root cannot log in with a password \
         (the installer writes `*`). Never shown in logs or debug output.",
        Any,
    ),
    (
        "password.text",
        "Plain-text root password; the installer hashes it (SHA-512 crypt). Sensitive.",
        Any,
    ),
    (
        "password.crypted",
        "Ready crypt(3) hash written to `/etc/shadow` as is, e.g. from `openssl passwd -6`: SHA-512 (`$6$`), \
         SHA-256 (`$5$`) or MD5 (`$1$`) crypt, optionally with `rounds=N$`; or `*` / `!` to disable password \
         login. Rendered as `text` with `crypted: true`. Sensitive.",
        Any,
    ),
    (
        "password.age",
        "Days until the root password expires. `0` expires it at once (change at first login), `-1` never \
         expires; unset keeps Photon OS's default aging.",
        Any,
    ),
    (
        "public_key",
        "One OpenSSH public key line appended to root's `~/.ssh/authorized_keys`; setting it also permits \
         root login over SSH (`PermitRootLogin yes`).",
        Any,
    ),
    (
        "public_key_reason",
        "Why the public key is added (for example `debug` or the feature that needs it). Required with \
         `public_key` on `poi-master`, which renders both as the object `{key, reason}`.",
        Any,
    ),
    // storage
    (
        "disk",
        "Target disk device, e.g. `/dev/sda`, `/dev/nvme0n1`, a loop device or `/dev/disk/by-path/…`. Set \
         `disk` or `disks`, not both. photon-os-installer accepts a `$NAME` placeholder exported by \
         `preinstall`.",
        Any,
    ),
    (
        "disks",
        "Target disks by id; one id must be `default` (the boot disk). Each entry has either `device` (install \
         to a block device) or `filename` and `size` (create an image file, for image builds). Partitions pick \
         a disk with `disk_id`.",
        Any,
    ),
    ("disks.device", "Block device path, e.g. `/dev/sdb`.", Any),
    (
        "disks.filename",
        "Image file to create and install into (image builds).",
        Any,
    ),
    (
        "disks.size",
        "Size of the image file in MB; required with `filename`.",
        Any,
    ),
    (
        "disks.sector_size",
        "Logical sector size of the image file in bytes.",
        Numbers(allowed::SECTOR_SIZES),
    ),
    (
        "partitions",
        "Partitions to create. Unset: one ext4 `/` filling the disk. When given, one partition must be `/`, \
         mount points must be unique and at most one partition per disk may fill the rest (`size = 0`). The \
         installer adds the BIOS boot and EFI system partitions that `bootmode` needs.",
        Any,
    ),
    (
        "partitions.mountpoint",
        "Absolute mount point, e.g. `/`, `/boot`, `/var`. Required except for swap (which takes none). \
         `/boot/efi` must be `vfat`.",
        Any,
    ),
    (
        "partitions.size",
        "Size in MB; `0` grows the partition to fill the rest of its disk. Required on `photon-3.0`; elsewhere \
         set `size` or `size_percent`.",
        Any,
    ),
    (
        "partitions.size_percent",
        "Size in percent of the disk, 1 to 100. Instead of `size`.",
        Any,
    ),
    (
        "partitions.filesystem",
        "Filesystem to create; `ext4` when unset.",
        Filesystems,
    ),
    (
        "partitions.disk",
        "Device path of the disk this partition goes on (legacy multi-disk form). Not with `disks`; use \
         `disk_id` there.",
        Any,
    ),
    (
        "partitions.disk_id",
        "Id of the entry in `disks` this partition goes on; `default` when unset.",
        Any,
    ),
    (
        "partitions.lvm",
        "Create the partition as an LVM logical volume. Several partitions may share a volume group. Not \
         for `/boot` and not with `ab`.",
        Any,
    ),
    ("partitions.lvm.vg_name", "Volume group name.", Any),
    (
        "partitions.lvm.lv_name",
        "Logical volume name, unique within its volume group.",
        Any,
    ),
    (
        "partitions.btrfs",
        "btrfs volume settings; needs `filesystem = \"btrfs\"`.",
        Any,
    ),
    ("partitions.btrfs.label", "Label of the btrfs volume.", Any),
    (
        "partitions.btrfs.subvols",
        "Subvolumes to create in the volume.",
        Any,
    ),
    (
        "partitions.btrfs.subvols.name",
        "Subvolume name, unique among its siblings.",
        Any,
    ),
    (
        "partitions.btrfs.subvols.mountpoint",
        "Where to mount the subvolume.",
        Any,
    ),
    (
        "partitions.btrfs.subvols.subvols",
        "Nested subvolumes.",
        Any,
    ),
    (
        "partitions.mkfs_options",
        "Extra arguments for `mkfs`, e.g. `-n EFI`.",
        Any,
    ),
    (
        "partitions.mount_options",
        "Mount options written to fstab, e.g. `nodev,noexec,nosuid`.",
        Any,
    ),
    (
        "partitions.ab",
        "Also create a shadow (A/B) copy of the partition for upgrade and rollback; doubles the space used. \
         Not with `lvm` or `all_disk`.",
        Any,
    ),
    (
        "partitions.all_disk",
        "Use a whole non-default disk without a partition table (it may carry LVM). Other partitions on that \
         disk must be logical volumes of the same volume group; `size` is then optional.",
        Any,
    ),
    (
        "partition_type",
        "Partition table type; `gpt` when unset.",
        Values(allowed::PARTITION_TYPES),
    ),
    (
        "bootmode",
        "Firmware boot support: `bios` adds a BIOS boot partition, `efi` an EFI system partition, `dualboot` \
         both. Default: `dualboot` on x86_64 (`efi` on `poi-master`), `efi` on aarch64, which supports only \
         `efi`.",
        Values(allowed::BOOTMODES),
    ),
    (
        "arch",
        "Target architecture, when it differs from the installer host's (e.g. building an aarch64 image on \
         x86_64).",
        Values(allowed::ARCHES),
    ),
    // software
    (
        "packages",
        "RPM names to install, e.g. `minimal`, `linux`, `initramfs`; `name=version` pins a version. A \
         package set is required: `packages`, `packagelist_file` or (photon-os-installer) \
         `packagelist_files`.",
        Any,
    ),
    (
        "packages_x86_64",
        "Packages added only when the target is x86_64.",
        Any,
    ),
    (
        "packages_aarch64",
        "Packages added only when the target is aarch64.",
        Any,
    ),
    (
        "additional_packages",
        "Packages added to the package set.",
        Any,
    ),
    (
        "packagelist_file",
        "JSON file `{\"packages\": [...]}` looked up in `search_path`; the install media ship \
         `packages_minimal.json`, `packages_developer.json`, `packages_ova.json`, `packages_rt.json`, ….",
        Any,
    ),
    ("packagelist_files", "Several package list files.", Any),
    (
        "additional_rpms_path",
        "Directory of extra RPMs to install (offline installs).",
        Any,
    ),
    (
        "linux_flavor",
        "Kernel flavor to install; `linux-esx` is the kernel tuned for VMware. photon-os-installer defaults \
         to `linux`; the 3.0 installer needs it when `packages` names several kernels (or none).",
        Values(allowed::LINUX_FLAVORS),
    ),
    (
        "linux_flavor_x86_64",
        "Kernel flavor when the target is x86_64; wins over `linux_flavor`.",
        Values(allowed::LINUX_FLAVORS),
    ),
    (
        "linux_flavor_aarch64",
        "Kernel flavor when the target is aarch64; wins over `linux_flavor`.",
        Values(allowed::LINUX_FLAVORS),
    ),
    (
        "repos",
        "Package repositories by id, replacing the install media's repository. Rendered with the fields of a \
         tdnf `.repo` file.",
        Any,
    ),
    ("repos.name", "Repository name.", Any),
    (
        "repos.baseurl",
        "Repository URL (`http://`, `https://`, `ftp://` or `file://`).",
        Any,
    ),
    (
        "repos.gpgcheck",
        "Verify package signatures; rendered as `1`/`0`.",
        Any,
    ),
    (
        "repos.enabled",
        "Use the repository; rendered as `1`/`0`.",
        Any,
    ),
    (
        "insecure_repo",
        "Do not verify TLS certificates of package repositories (tdnf `sslverify=0`). Booting the installer \
         with `insecure_installation=1` has the same effect.",
        Any,
    ),
    (
        "tdnf_cachedir",
        "Package cache directory to reuse across image builds.",
        Any,
    ),
    (
        "photon_docker_image",
        "Photon OS container image `name:tag` the installer may use for container-based steps; \
         `photon:latest` when unset.",
        Any,
    ),
    (
        "docker",
        "Container images to preload into the target's Docker; adds the `docker` package.",
        Any,
    ),
    ("docker.images", "The images to preload.", Any),
    (
        "docker.images.method",
        "`pull` fetches `name` from a registry; `load` loads the `docker save` tarball `filename`.",
        Values(allowed::DOCKER_METHODS),
    ),
    (
        "docker.images.name",
        "Image reference to pull; required with `pull`.",
        Any,
    ),
    (
        "docker.images.filename",
        "Tarball to load; required with `load`.",
        Any,
    ),
    (
        "docker.images.tags",
        "Extra tags to apply to the image.",
        Any,
    ),
    (
        "docker.images.drop_tag",
        "Remove the original tag after applying `tags`.",
        Any,
    ),
    (
        "ostree",
        "Install an RPM-OSTree host instead of a package set.",
        Any,
    ),
    (
        "ostree.default_repo",
        "`true` (default): deploy from the repository on the install media; `false`: from `repo_url` and \
         `repo_ref`.",
        Any,
    ),
    (
        "ostree.repo_url",
        "Remote OSTree repository URL; required with `default_repo = false`.",
        Any,
    ),
    (
        "ostree.repo_ref",
        "Ref to deploy, e.g. `photon/3.0/x86_64/minimal`; required with `default_repo = false`.",
        Any,
    ),
    // network and services
    (
        "network",
        "Network configuration of the installed system; DHCP on all interfaces when unset. Either the legacy \
         form (`type` with `hostname`, `ip_addr`/`netmask`/`gateway`/`nameserver` or `vlan_id`) or, on \
         photon-os-installer, the netplan-like version 2 form (`ethernets`, `vlans`).",
        Any,
    ),
    (
        "network.type",
        "Legacy form: how the network is configured.",
        Values(allowed::NETWORK_TYPES),
    ),
    (
        "network.hostname",
        "Legacy `dhcp`: host name sent to the DHCP server. Version 2 form: host name.",
        Any,
    ),
    (
        "network.ip_addr",
        "Legacy `static`: IPv4 address, without prefix. Required with `static`.",
        Any,
    ),
    (
        "network.netmask",
        "Legacy `static`: IPv4 netmask such as `255.255.255.0`. Required with `static`.",
        Any,
    ),
    (
        "network.gateway",
        "Legacy `static`: IPv4 default gateway. Required with `static`.",
        Any,
    ),
    (
        "network.nameserver",
        "Legacy `static`: name server IP address. Required with `static`.",
        Any,
    ),
    (
        "network.vlan_id",
        "Legacy `vlan`: VLAN id, 1 to 4094 (DHCP on `eth0.<id>`). Required with `vlan`.",
        Any,
    ),
    (
        "network.ethernets",
        "Version 2 form: ethernet interfaces by id (any name; VLANs refer to it).",
        Any,
    ),
    (
        "network.ethernets.match",
        "Which interface the entry configures: `name` and/or `macaddress`.",
        Any,
    ),
    (
        "network.ethernets.match.name",
        "Interface name; globs such as `e*` match several.",
        Any,
    ),
    (
        "network.ethernets.match.macaddress",
        "MAC address, e.g. `00:50:56:aa:bb:cc`.",
        Any,
    ),
    ("network.ethernets.dhcp4", "Configure IPv4 with DHCP.", Any),
    ("network.ethernets.dhcp6", "Configure IPv6 with DHCP.", Any),
    (
        "network.ethernets.accept_ra",
        "Accept IPv6 router advertisements.",
        Any,
    ),
    (
        "network.ethernets.addresses",
        "Static addresses with prefix length, e.g. `192.168.2.58/24`.",
        Any,
    ),
    (
        "network.ethernets.gateway",
        "Default gateway; needs static `addresses`.",
        Any,
    ),
    ("network.ethernets.nameservers", "DNS settings.", Any),
    (
        "network.ethernets.nameservers.addresses",
        "Name server IP addresses.",
        Any,
    ),
    (
        "network.ethernets.nameservers.search",
        "Search domains.",
        Any,
    ),
    (
        "network.vlans",
        "Version 2 form: VLAN interfaces by id.",
        Any,
    ),
    ("network.vlans.id", "VLAN id, 1 to 4094.", Any),
    (
        "network.vlans.link",
        "Id of the `ethernets` entry the VLAN runs on; that entry must match an exact interface `name` (no \
         glob, not only a MAC address).",
        Any,
    ),
    ("network.vlans.dhcp4", "Configure IPv4 with DHCP.", Any),
    ("network.vlans.dhcp6", "Configure IPv6 with DHCP.", Any),
    (
        "network.vlans.accept_ra",
        "Accept IPv6 router advertisements.",
        Any,
    ),
    (
        "network.vlans.addresses",
        "Static addresses with prefix length.",
        Any,
    ),
    (
        "network.vlans.gateway",
        "Default gateway; needs static `addresses`.",
        Any,
    ),
    ("network.vlans.nameservers", "DNS settings.", Any),
    (
        "network.vlans.nameservers.addresses",
        "Name server IP addresses.",
        Any,
    ),
    ("network.vlans.nameservers.search", "Search domains.", Any),
    (
        "services",
        "systemd unit states in the target, by unit name. `sshd` is masked unless listed here.",
        Values(allowed::SERVICE_STATES),
    ),
    // files and scripts
    (
        "search_path",
        "Directories searched for `additional_files`, scripts and package list files; the kickstart's own \
         directory is added.",
        Any,
    ),
    (
        "additional_files",
        "Files or directories copied into the target.",
        Any,
    ),
    (
        "additional_files.source",
        "File or directory in `search_path`, or an http(s) URL.",
        Any,
    ),
    (
        "additional_files.destination",
        "Absolute destination path in the target.",
        Any,
    ),
    (
        "preinstall",
        "Script lines run as one script on the installer host before partitioning. A script may \
         `export NAME=…` to fill `$NAME` placeholders such as `disk = \"$DISK\"`.",
        Any,
    ),
    (
        "preinstall_scripts",
        "Script files (in `search_path`) run like `preinstall`.",
        Any,
    ),
    (
        "prepkgsinstall",
        "Script lines run on the installer host after the `filesystem` and `rpm` packages are in the target \
         and before the package set; the target root is in `$POI_ROOT`.",
        Any,
    ),
    (
        "prepkgsinstall_scripts",
        "Script files (in `search_path`) run like `prepkgsinstall`.",
        Any,
    ),
    (
        "postinstall",
        "Script lines run as one script inside the target after installation.",
        Any,
    ),
    (
        "postinstall_scripts",
        "Script files (in `search_path`) run inside the target after installation.",
        Any,
    ),
    (
        "firstboot",
        "Run scripts once, at the first boot of the installed system (a one-shot systemd service).",
        Any,
    ),
    (
        "firstboot.scripts",
        "Script files (on the installer host) to run at first boot; `.sh`, executable.",
        Any,
    ),
    (
        "ansible",
        "Ansible playbooks run against the target; adds `python3` to the target.",
        Any,
    ),
    ("ansible.playbook", "Playbook file.", Any),
    ("ansible.verbosity", "Verbosity (number of `-v`).", Any),
    (
        "ansible.extra_vars",
        "Extra variables, each `key=value` or a JSON/YAML string.",
        Any,
    ),
    (
        "environment",
        "Environment variables set for the installer run (and for `$NAME` placeholders).",
        Any,
    ),
    // boot and security
    ("grub", "Boot loader settings.", Any),
    (
        "grub.password_pbkdf2",
        "GRUB password hash as printed by `grub-mkpasswd-pbkdf2`: \
         `grub.pbkdf2.sha512.<iterations>.<salt>.<hash>`. Sensitive.",
        Any,
    ),
    (
        "user_grub_cfg_file",
        "File of extra GRUB variables that end up on the kernel command line.",
        Any,
    ),
    (
        "setup_grub_script",
        "Custom GRUB setup script (e.g. Raspberry Pi images).",
        Any,
    ),
    (
        "security",
        "SELinux and FIPS. Mentioning either adds its packages.",
        Any,
    ),
    (
        "security.selinux",
        "SELinux mode of the target.",
        Values(allowed::SELINUX_MODES),
    ),
    ("security.fips", "Enable FIPS mode.", Any),
    (
        "dps",
        "Use Discoverable Partition Specification partition type GUIDs.",
        Any,
    ),
    // image builds
    (
        "live",
        "Whether the target is the machine running the installer. `false` for images built for other \
         machines: no EFI boot entries, no unique machine-id.",
        Any,
    ),
    (
        "archives",
        "Tarballs of the installed root filesystem to produce (e.g. a container rootfs).",
        Any,
    ),
    (
        "archives.filename",
        "Output file; `rootfs.tar.gz` when unset.",
        Any,
    ),
    ("archives.root", "Directory of the target to archive.", Any),
    (
        "archives.exclude_paths",
        "Paths left out of the archive.",
        Any,
    ),
    (
        "archives.skip_mounts",
        "Leave mounted filesystems out of the archive.",
        Any,
    ),
    (
        "build_mounts",
        "Extra bind mounts during image builds. Passed through unchanged.",
        Any,
    ),
    (
        "plugins",
        "Installer plugins. Passed through unchanged.",
        Any,
    ),
    (
        "manifest_file",
        "Write a JSON manifest (installed packages, fstab, df, mounts) to this file.",
        Any,
    ),
    // installer behaviour
    (
        "eject_cdrom",
        "Eject the install media when done; `true` when unset.",
        Any,
    ),
    (
        "ui",
        "Show the curses progress UI instead of the console log.",
        Any,
    ),
    (
        "log_level",
        "Installer log level; `info` when unset.",
        Values(allowed::LOG_LEVELS),
    ),
    (
        "no_unmount",
        "Debugging: leave the target mounted after installation or failure.",
        Any,
    ),
    (
        "no_clean",
        "Debugging: keep the package cache and repository configuration.",
        Any,
    ),
    (
        "autopartition",
        "Flag of the interactive installer's automatic partitioning; rarely useful in a kickstart.",
        Any,
    ),
    (
        "release_version",
        "Release being installed, e.g. `3.0`. Required by the Photon OS 3.0 installer.",
        Any,
    ),
];

fn describe(name: &'static str, text: &str, values: &Allowed) -> String {
    let mut out = text.to_owned();
    match values {
        Any => {}
        Values(values) => out.push_str(&format!("\n\nAllowed values: {}.", list(values))),
        Numbers(values) => out.push_str(&format!(
            "\n\nAllowed values: {}.",
            allowed::list_numbers(values)
        )),
        Filesystems => out.push_str(&format!(
            "\n\nAllowed values: {} (`photon-3.0`: {}).",
            list(allowed::FILESYSTEMS),
            list(allowed::FILESYSTEMS_PHOTON3)
        )),
    }
    let generations = supported_generations(name);
    if KEYS.iter().any(|(field, _, _)| *field == name) {
        // Group the generations by the key they use: `a` (`g1`, `g2`); `b` (`g3`).
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for generation in generations {
            let key = installer_key(name, *generation);
            match groups.iter_mut().find(|(existing, _)| *existing == key) {
                Some((_, members)) => members.push(generation.name()),
                None => groups.push((key, vec![generation.name()])),
            }
        }
        let keys: Vec<String> = groups
            .iter()
            .map(|(key, members)| format!("`{key}` ({})", list(members)))
            .collect();
        out.push_str(&format!("\n\nInstaller key: {}.", keys.join("; ")));
    }
    let names: Vec<&str> = generations
        .iter()
        .map(|generation| InstallerGeneration::name(*generation))
        .collect();
    out.push_str(&format!(
        "\n\nSupported by installer generations: {}.",
        list(&names)
    ));
    out
}

/// Per-field documentation, used to generate docs and schema descriptions: (field name, markdown
/// description), for every field of [`crate::Kickstart`] and its nested blocks. Nested fields use
/// dotted names (`partitions.lvm.vg_name`); entries of maps and lists share their container's name.
/// Each description ends with the allowed values (where limited), the installer key (where it differs
/// from the field name) and the generations that support the field.
pub fn field_docs() -> &'static [(&'static str, &'static str)] {
    static DOCS: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        FIELDS
            .iter()
            // Built once per process from the shared tables; leaking gives the `'static` strings
            // the signature promises without duplicating the tables as literals.
            .map(|(name, text, values)| (*name, &*describe(name, text, values).leak()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str) -> &'static str {
        field_docs()
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, text)| *text)
            .expect("documented")
    }

    #[test]
    fn allowed_values_come_from_the_constants() {
        assert!(doc("partitions.filesystem").contains("`ext4`, `xfs`, `btrfs`, `vfat`, `swap`"));
        assert!(doc("linux_flavor").contains(&list(allowed::LINUX_FLAVORS)));
        assert!(doc("disks.sector_size").contains("`512`, `4096`"));
    }

    #[test]
    fn generations_and_keys_are_appended() {
        assert!(
            doc("disks").ends_with("Supported by installer generations: `poi-2.7`, `poi-master`.")
        );
        assert!(doc("partitions.mkfs_options").contains(
            "Installer key: `fs_options` (`photon-3.0`); `mkfs_options` (`poi-2.7`, `poi-master`)."
        ));
        assert!(doc("hostname").contains("`photon-3.0`, `poi-2.7`, `poi-master`"));
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = field_docs().iter().map(|(name, _)| *name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
