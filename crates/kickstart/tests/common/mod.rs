//! Fixtures and helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use kickstart::{FieldError, InstallerGeneration, Kickstart};
use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::{Value, json};

pub use InstallerGeneration::{Photon3, Poi27, PoiMaster};

/// SHA-512 crypt of the throwaway password `not-a-real-password` (`openssl passwd -6 -salt photonsalt`).
pub const SHA512_HASH: &str = "$6$photonsalt$i8aazPd3tnNq6pr69Sn1j1OhtwY/2InHWDOrmaxXn1EPTi1ozCFQFii1KYn0jeMlgYzIkUoYss7eX03nP2Rvo1";

pub const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKg1wK0fQm0b6mC5lq7d3oP1yJz8vX2nR4tU6wE9sA0B builder@example.com";

pub const GRUB_HASH: &str =
    "grub.pbkdf2.sha512.10000.9F3A2B1C0D4E5F60.7A8B9C0D1E2F3A4B5C6D7E8F90A1B2C3";

/// Decodes JSON into the model; panics with serde's message on failure.
pub fn decode(value: Value) -> Kickstart {
    serde_json::from_value(value).expect("fixture decodes")
}

/// The smallest kickstart each generation accepts.
pub fn minimal_json(generation: InstallerGeneration) -> Value {
    match generation {
        Photon3 => json!({
            "disk": "/dev/sda",
            "password": { "text": "changeme" },
            "packagelist_file": "packages_minimal.json",
            "release_version": "3.0",
        }),
        Poi27 | PoiMaster => json!({
            "disk": "/dev/sda",
            "password": { "text": "changeme" },
            "packages": ["minimal", "linux", "initramfs"],
        }),
    }
}

pub fn minimal(generation: InstallerGeneration) -> Kickstart {
    decode(minimal_json(generation))
}

/// `base` with the top-level keys of `changes` replaced (`null` removes a key).
pub fn merged(base: Value, changes: Value) -> Value {
    let mut out = base;
    let (Value::Object(target), Value::Object(changes)) = (&mut out, changes) else {
        panic!("objects expected");
    };
    for (key, value) in changes {
        if value.is_null() {
            target.remove(&key);
        } else {
            target.insert(key, value);
        }
    }
    out
}

/// The minimal kickstart of `generation` with `changes` applied, validated for `generation`.
pub fn errors_with(generation: InstallerGeneration, changes: Value) -> Vec<FieldError> {
    decode(merged(minimal_json(generation), changes)).validate(generation)
}

/// Asserts there is an error at exactly `path` whose message contains every one of `expected`.
#[track_caller]
pub fn assert_error(errors: &[FieldError], path: &str, expected: &[&str]) {
    let found = errors.iter().find(|error| error.path_string() == path);
    let Some(error) = found else {
        panic!("no error at `{path}`; got {errors:#?}");
    };
    for needle in expected {
        assert!(
            error.message.contains(needle),
            "message at `{path}` lacks `{needle}`: {}",
            error.message
        );
    }
}

/// Asserts validation found nothing.
#[track_caller]
pub fn assert_valid(errors: &[FieldError]) {
    assert!(errors.is_empty(), "expected no errors, got {errors:#?}");
}

/// Asserts there is no error at `path` (while others may exist).
#[track_caller]
pub fn assert_no_error_at(errors: &[FieldError], path: &str) {
    assert!(
        !errors.iter().any(|error| error.path_string() == path),
        "unexpected error at `{path}`: {errors:#?}"
    );
}

/// A kickstart using every field the generation supports.
pub fn full_json(generation: InstallerGeneration) -> Value {
    match generation {
        Photon3 => json!({
            "hostname": "photon-full",
            "password": { "crypted": SHA512_HASH, "age": -1 },
            "public_key": SSH_KEY,
            "disk": "/dev/sda",
            "partitions": [
                { "mountpoint": "/", "size": 0, "filesystem": "ext4", "lvm": { "vg_name": "vg0", "lv_name": "root" } },
                { "mountpoint": "/boot", "size": 512, "mkfs_options": "-L boot" },
                { "mountpoint": "/boot/efi", "size": 12, "filesystem": "vfat", "mkfs_options": "-n EFI" },
                { "size": 1024, "filesystem": "swap" },
                { "mountpoint": "/data", "size": 0, "disk": "/dev/sdb" }
            ],
            "partition_type": "gpt",
            "bootmode": "dualboot",
            "arch": "x86_64",
            "packages": ["minimal", "linux-esx", "initramfs", "open-vm-tools"],
            "additional_packages": ["vim", "sudo"],
            "packagelist_file": "packages_minimal.json",
            "additional_rpms_path": "/mnt/media/extra-rpms",
            "linux_flavor": "linux-esx",
            "insecure_repo": false,
            "photon_docker_image": "photon:3.0",
            "ostree": { "default_repo": false, "repo_url": "http://10.0.0.5:8000/repo", "repo_ref": "photon/3.0/x86_64/minimal" },
            "network": {
                "type": "static",
                "ip_addr": "192.168.2.58",
                "netmask": "255.255.255.0",
                "gateway": "192.168.2.254",
                "nameserver": "192.168.2.1"
            },
            "search_path": ["/mnt/media/ks"],
            "additional_files": [{ "source": "resizefs.sh", "destination": "/usr/local/bin/resizefs.sh" }],
            "postinstall": ["#!/bin/sh", "echo installed > /etc/postinstall"],
            "postinstall_scripts": ["harden.sh"],
            "setup_grub_script": "setup-grub.sh",
            "live": true,
            "eject_cdrom": false,
            "ui": false,
            "log_level": "debug",
            "autopartition": false,
            "release_version": "3.0"
        }),
        Poi27 => merged(
            poi_common(),
            json!({
                "ostree": { "default_repo": true },
            }),
        ),
        PoiMaster => merged(
            poi_common(),
            json!({
                "public_key_reason": "image builder access for CI",
                "services": { "sshd": "enabled", "docker": "enabled", "systemd-resolved": "disabled" },
                "security": { "selinux": "permissive", "fips": false },
                "environment": { "DISK": "/dev/sda", "SITE": "lab" },
                "firstboot": { "scripts": ["/work/firstboot/resize.sh"] },
                "grub": { "password_pbkdf2": GRUB_HASH },
                "archives": [{ "filename": "rootfs.tar.gz", "root": "/", "exclude_paths": ["/var/cache"], "skip_mounts": true }],
                "build_mounts": ["/var/cache/poi"],
                "plugins": [{ "name": "check-disk" }],
                "dps": true,
                "prepkgsinstall": ["#!/bin/sh", "echo pre > $POI_ROOT/etc/pre-pkgs"],
                "prepkgsinstall_scripts": ["pre-pkgs.sh"],
            }),
        ),
    }
}

/// The photon-os-installer part shared by the 2.7 and master full fixtures.
fn poi_common() -> Value {
    json!({
        "hostname": "$HOSTNAME",
        "password": { "text": "changeme", "age": 0 },
        "public_key": SSH_KEY,
        "disks": {
            "default": { "device": "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0" },
            "data": { "filename": "data.img", "size": 4096, "sector_size": 4096 }
        },
        "partitions": [
            { "mountpoint": "/", "size": 0, "filesystem": "btrfs",
              "btrfs": { "label": "main", "subvols": [
                  { "name": "home", "mountpoint": "/home", "subvols": [{ "name": "user", "mountpoint": "/home/user" }] }
              ] },
              "ab": true },
            { "mountpoint": "/boot/efi", "size": 12, "filesystem": "vfat", "mkfs_options": "-n EFI" },
            { "mountpoint": "/var", "size_percent": 20, "filesystem": "xfs", "mount_options": "nodev,nosuid" },
            { "size_percent": 5, "filesystem": "swap" },
            { "mountpoint": "/data", "disk_id": "data", "all_disk": true, "lvm": { "vg_name": "data", "lv_name": "data" } }
        ],
        "partition_type": "gpt",
        "bootmode": "efi",
        "arch": "x86_64",
        "packages": ["minimal", "initramfs"],
        "packages_x86_64": ["open-vm-tools"],
        "packages_aarch64": ["raspberrypi-firmware"],
        "additional_packages": ["vim=9.0.2142-1.ph5"],
        "packagelist_file": "packages_minimal.json",
        "packagelist_files": ["custom_packages.json"],
        "additional_rpms_path": "/mnt/media/extra-rpms",
        "linux_flavor": "linux-esx",
        "linux_flavor_x86_64": "linux-esx",
        "linux_flavor_aarch64": "linux",
        "repos": {
            "updates": { "name": "Photon updates", "baseurl": "https://packages.vmware.com/photon/5.0/photon_updates_5.0_x86_64/", "gpgcheck": true, "enabled": true },
            "local": { "name": "Local", "baseurl": "file:///repo", "gpgcheck": false }
        },
        "insecure_repo": true,
        "tdnf_cachedir": "/var/cache/poi-tdnf",
        "photon_docker_image": "photon:5.0",
        "docker": { "images": [
            { "method": "pull", "name": "nginx:1.27", "tags": ["web:latest"], "drop_tag": true },
            { "method": "load", "filename": "app.tar" }
        ] },
        "network": {
            "hostname": "photon-full",
            "ethernets": {
                "id0": { "match": { "name": "eth0" }, "dhcp4": false, "addresses": ["192.168.2.58/24"], "gateway": "192.168.2.254",
                         "nameservers": { "addresses": ["8.8.8.8", "2001:4860:4860::8888"], "search": ["example.com"] } },
                "id1": { "match": { "macaddress": "00:50:56:aa:bb:cc" }, "dhcp4": true, "dhcp6": true, "accept_ra": true }
            },
            "vlans": {
                "vlan100": { "id": 100, "link": "id0", "addresses": ["192.168.100.58/24"], "nameservers": { "addresses": ["192.168.100.1"] } }
            }
        },
        "search_path": ["/work/ks", "/work/files"],
        "additional_files": [
            { "source": "resizefs.sh", "destination": "/usr/local/bin/resizefs.sh" },
            { "source": "resizefs.service", "destination": "/lib/systemd/system/resizefs.service" }
        ],
        "preinstall": ["#!/bin/sh", "export HOSTNAME=photon-$(cat /sys/class/dmi/id/product_serial | tr -dc a-z0-9 | head -c 8)"],
        "preinstall_scripts": ["find-disk.sh"],
        "postinstall": ["#!/bin/sh", "echo installed > /etc/postinstall"],
        "postinstall_scripts": ["harden.sh"],
        "ansible": [{ "playbook": "site.yml", "verbosity": 1, "extra_vars": ["env=lab"] }],
        "user_grub_cfg_file": "user.cfg",
        "setup_grub_script": "setup-grub.sh",
        "live": false,
        "manifest_file": "poi-manifest.json",
        "eject_cdrom": true,
        "ui": false,
        "log_level": "info",
        "no_unmount": false,
        "no_clean": false,
        "autopartition": false
    })
}

pub fn full(generation: InstallerGeneration) -> Kickstart {
    decode(full_json(generation))
}

/// The field names serde knows for `T` (captured from `deserialize_struct`).
pub fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut captured = None;
    // The capture always "fails" right after recording the names.
    let _ignored = T::deserialize(FieldNames(&mut captured));
    captured.expect("T is a struct")
}

struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

#[derive(Debug)]
struct Captured;

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("captured")
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<T: std::fmt::Display>(_message: T) -> Self {
        Self
    }
}

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = Captured;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Captured> {
        Err(Captured)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Captured> {
        *self.0 = Some(fields);
        Err(Captured)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}
