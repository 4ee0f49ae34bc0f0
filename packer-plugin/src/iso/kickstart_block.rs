//! The `kickstart` block: the same typed model as the provider's `photon_kickstart` data source
//! (crates/kickstart), plus the installer generation and how the kickstart reaches the installer.

use std::str::FromStr;

use kickstart::{InstallerGeneration, Kickstart};
use packer_sdk::{Field, FieldType};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value as Json};

/// The extraConfig key photon-os-installer reads the base64 kickstart from on VMware.
pub(crate) const GUESTINFO_KEY: &str = "guestinfo.kickstart.data";

/// The path the build's HTTP server serves the kickstart at (`delivery = "http"`).
pub(crate) const HTTP_PATH: &str = "/ks.json";

/// How the kickstart reaches the installer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// `guestinfo.kickstart.data` in the VM's extraConfig: no boot command, no network path.
    #[default]
    Guestinfo,
    /// `/ks.json` on the build's HTTP server, for a `ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.json`
    /// boot command.
    Http,
}

/// A decoded `kickstart` block (not yet validated: see [`KickstartBlock::render`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KickstartBlock {
    pub(crate) generation: InstallerGeneration,
    pub(crate) delivery: Delivery,
    pub(crate) model: Kickstart,
}

impl<'de> Deserialize<'de> for KickstartBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = Map::<String, Json>::deserialize(deserializer)?;
        let generation = match map.remove("installer_generation") {
            None | Some(Json::Null) => InstallerGeneration::default(),
            Some(Json::String(name)) => InstallerGeneration::from_str(&name)
                .map_err(|error| D::Error::custom(format!("installer_generation: {error}")))?,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "installer_generation: expected a string, got {other}"
                )));
            }
        };
        let delivery = match map.remove("delivery") {
            None | Some(Json::Null) => Delivery::default(),
            Some(Json::String(name)) if name == "guestinfo" => Delivery::Guestinfo,
            Some(Json::String(name)) if name == "http" => Delivery::Http,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "delivery: expected \"guestinfo\" or \"http\", got {other}"
                )));
            }
        };
        let mut value = Json::Object(map);
        normalize(&mut value);
        let model = serde_json::from_value(value).map_err(D::Error::custom)?;
        Ok(KickstartBlock {
            generation,
            delivery,
            model,
        })
    }
}

/// HCL2 sends unset attributes as null and JSON templates send numbers as floats: drop the nulls
/// (the model's defaults apply) and turn whole floats into integers (the model's sizes are
/// integers).
fn normalize(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|_, item| !item.is_null());
            map.values_mut().for_each(normalize);
        }
        Json::Array(items) => items.iter_mut().for_each(normalize),
        Json::Number(number) if number.as_i64().is_none() && number.as_u64().is_none() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9.0e15
            {
                // Whole and far inside i64: the cast is exact.
                #[allow(clippy::cast_possible_truncation)]
                let whole = float as i64;
                *value = Json::from(whole);
            }
        }
        _ => {}
    }
}

impl KickstartBlock {
    /// Validates for the chosen generation and renders the installer's JSON. Problems come back as
    /// `(key path under "kickstart", message)`.
    pub(crate) fn render(&self) -> Result<String, Vec<(String, String)>> {
        self.model.to_json(self.generation).map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let path = error.path_string();
                    let key = if path.is_empty() {
                        "kickstart".to_owned()
                    } else {
                        format!("kickstart.{path}")
                    };
                    (key, error.message)
                })
                .collect()
        })
    }
}

const fn optional(name: &'static str, ty: FieldType, description: &'static str) -> Field {
    Field {
        name,
        ty,
        required: false,
        description,
    }
}

const PASSWORD_FIELDS: &[Field] = &[
    optional(
        "text",
        FieldType::String,
        "Root password in clear text (the installer hashes it). Sensitive.",
    ),
    optional(
        "crypted",
        FieldType::String,
        "Root password as a crypt(3) hash. Sensitive.",
    ),
    optional(
        "age",
        FieldType::Number,
        "Password age in days; `0` forces a change at first login, `-1` never expires.",
    ),
];

const LVM_FIELDS: &[Field] = &[
    Field {
        name: "vg_name",
        ty: FieldType::String,
        required: true,
        description: "LVM volume group name.",
    },
    Field {
        name: "lv_name",
        ty: FieldType::String,
        required: true,
        description: "LVM logical volume name.",
    },
];

const PARTITION_FIELDS: &[Field] = &[
    optional(
        "mountpoint",
        FieldType::String,
        "Mount point (`/`, `/boot`, …); unset for swap.",
    ),
    optional(
        "size",
        FieldType::Number,
        "Size in MiB; `0` or unset fills the remaining space.",
    ),
    optional(
        "size_percent",
        FieldType::Number,
        "Size as a percentage of the disk (photon-os-installer only).",
    ),
    optional(
        "filesystem",
        FieldType::String,
        "File system: `ext4`, `xfs`, `btrfs`, `swap`, `vfat`, …, as the installer generation supports.",
    ),
    optional(
        "disk",
        FieldType::String,
        "Disk device of this partition when not the default disk.",
    ),
    optional("mkfs_options", FieldType::String, "Extra options for mkfs."),
    optional(
        "mount_options",
        FieldType::String,
        "Mount options written to fstab.",
    ),
    optional(
        "lvm",
        FieldType::Block(LVM_FIELDS),
        "Put the partition on an LVM logical volume.",
    ),
];

const NETWORK_FIELDS: &[Field] = &[
    optional(
        "type",
        FieldType::String,
        "`dhcp`, `static` or `vlan` (legacy network form).",
    ),
    optional(
        "hostname",
        FieldType::String,
        "Host name set by the network configuration.",
    ),
    optional("ip_addr", FieldType::String, "Static IPv4 address."),
    optional("netmask", FieldType::String, "Netmask of `ip_addr`."),
    optional("gateway", FieldType::String, "Default gateway."),
    optional("nameserver", FieldType::String, "DNS server."),
    optional(
        "vlan_id",
        FieldType::Number,
        "VLAN id for `type = \"vlan\"`.",
    ),
];

const ADDITIONAL_FILE_FIELDS: &[Field] = &[
    Field {
        name: "source",
        ty: FieldType::String,
        required: true,
        description: "File looked up in `search_path` (or an http(s) URL).",
    },
    Field {
        name: "destination",
        ty: FieldType::String,
        required: true,
        description: "Absolute destination path in the installed system.",
    },
];

/// The keys of the `kickstart` block: the same typed model as the `photon_kickstart` data source.
pub(crate) const KICKSTART_FIELDS: &[Field] = &[
    optional(
        "installer_generation",
        FieldType::String,
        "Installer generation to validate and render for: `photon-3.0`, `poi-2.7` (aliases `photon-4.0`, `photon-5.0`, `photon-6.0`) or `poi-master`. Defaults to `poi-2.7`.",
    ),
    optional(
        "delivery",
        FieldType::String,
        "How the installer gets the kickstart: `guestinfo` (default: base64 JSON in the VM's `guestinfo.kickstart.data`, read by photon-os-installer on VMware, no boot command needed) or `http` (served at `/ks.json` by the build's HTTP server; add `ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.json` to `boot_command`).",
    ),
    optional(
        "hostname",
        FieldType::String,
        "Host name of the installed system.",
    ),
    optional(
        "password",
        FieldType::Block(PASSWORD_FIELDS),
        "Root password.",
    ),
    optional(
        "public_key",
        FieldType::String,
        "SSH public key appended to root's `authorized_keys`.",
    ),
    optional(
        "public_key_reason",
        FieldType::String,
        "Why the key is added (required by `poi-master`).",
    ),
    optional(
        "disk",
        FieldType::String,
        "Target disk device, e.g. `/dev/sda`.",
    ),
    optional(
        "partition_type",
        FieldType::String,
        "Partition table type: `gpt` or `msdos`.",
    ),
    optional(
        "bootmode",
        FieldType::String,
        "Firmware boot support to install: `bios`, `efi` or `dualboot`.",
    ),
    optional("arch", FieldType::String, "Target architecture."),
    optional("packages", FieldType::ListOfString, "Packages to install."),
    optional(
        "additional_packages",
        FieldType::ListOfString,
        "Packages added to the package set.",
    ),
    optional(
        "packagelist_file",
        FieldType::String,
        "Package list file, e.g. `packages_minimal.json`.",
    ),
    optional(
        "linux_flavor",
        FieldType::String,
        "Kernel flavor, e.g. `linux-esx`.",
    ),
    optional(
        "search_path",
        FieldType::ListOfString,
        "Directories searched for files, scripts and package lists.",
    ),
    optional(
        "preinstall",
        FieldType::ListOfString,
        "Script lines run on the installer host before installation.",
    ),
    optional(
        "postinstall",
        FieldType::ListOfString,
        "Script lines run in the target after installation.",
    ),
    optional(
        "postinstall_scripts",
        FieldType::ListOfString,
        "Script files run in the target after installation.",
    ),
    optional(
        "eject_cdrom",
        FieldType::Bool,
        "Eject the installation media at the end.",
    ),
    optional(
        "live",
        FieldType::Bool,
        "Whether the installer runs from a live medium.",
    ),
    optional("log_level", FieldType::String, "Installer log level."),
    optional(
        "release_version",
        FieldType::String,
        "Photon OS release version (expected by `photon-3.0`).",
    ),
    optional(
        "partitions",
        FieldType::BlockList(PARTITION_FIELDS),
        "Partitions to create; the installer's default is one ext4 `/` filling the disk.",
    ),
    optional(
        "network",
        FieldType::Block(NETWORK_FIELDS),
        "Network configuration of the installed system.",
    ),
    optional(
        "additional_files",
        FieldType::BlockList(ADDITIONAL_FILE_FIELDS),
        "Files copied into the installed system.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_hcl_nulls_and_json_floats_and_renders() {
        let block: KickstartBlock = serde_json::from_value(json!({
            "installer_generation": "photon-5.0",
            "delivery": null,
            "hostname": "photon-iso",
            "password": {"text": "changeme", "crypted": null, "age": 0.0},
            "disk": "/dev/sda",
            "packages": ["minimal", "linux-esx", "initramfs"],
            "partitions": [{"mountpoint": "/", "size": 0.0, "filesystem": "ext4", "lvm": null}],
            "network": null,
        }))
        .unwrap();
        assert_eq!(block.generation, InstallerGeneration::Poi27);
        assert_eq!(block.delivery, Delivery::Guestinfo);
        let json = block.render().unwrap();
        let value: Json = serde_json::from_str(&json).unwrap();
        assert_eq!(value["hostname"], "photon-iso");
        assert_eq!(value["disk"], "/dev/sda");
    }

    #[test]
    fn validation_errors_name_the_key_path() {
        let block: KickstartBlock = serde_json::from_value(json!({
            "disk": "/dev/sda",
            "partitions": [{"mountpoint": "/", "filesystem": "zfs"}],
        }))
        .unwrap();
        let problems = block.render().unwrap_err();
        assert!(
            problems
                .iter()
                .any(|(key, _)| key == "kickstart.partitions[0].filesystem"),
            "{problems:?}"
        );
    }

    #[test]
    fn bad_generation_delivery_and_unknown_keys_are_errors() {
        for bad in [
            json!({"installer_generation": "photon-9"}),
            json!({"delivery": "floppy"}),
            json!({"hostnme": "x"}),
        ] {
            assert!(serde_json::from_value::<KickstartBlock>(bad).is_err());
        }
        let http: KickstartBlock = serde_json::from_value(json!({"delivery": "http"})).unwrap();
        assert_eq!(http.delivery, Delivery::Http);
    }

    #[test]
    fn every_block_key_is_a_model_key() {
        // The data-source subset must stay decodable by the model (besides our two keys).
        for field in KICKSTART_FIELDS {
            if matches!(field.name, "installer_generation" | "delivery") {
                continue;
            }
            let value = match field.ty {
                FieldType::String => json!("x"),
                FieldType::Number => json!(1),
                FieldType::Bool => json!(true),
                FieldType::ListOfString => json!(["x"]),
                FieldType::MapOfString => json!({}),
                FieldType::Block(_) => json!({}),
                FieldType::BlockList(_) => json!([]),
            };
            let mut map = Map::new();
            map.insert(field.name.to_owned(), value);
            serde_json::from_value::<KickstartBlock>(Json::Object(map))
                .unwrap_or_else(|error| panic!("{}: {error}", field.name));
        }
    }
}
