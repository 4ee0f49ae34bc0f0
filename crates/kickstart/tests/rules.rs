//! One test (valid and invalid cases) per validation rule: exact path, message naming what was
//! expected.

mod common;

use common::*;
use kickstart::{InstallerGeneration, PathSegment, supported_generations};
use serde_json::{Value, json};

// --- fixtures themselves -------------------------------------------------------------------------

#[test]
fn fixtures_are_valid_for_their_generation() {
    for generation in InstallerGeneration::ALL {
        assert_valid(&minimal(generation).validate(generation));
        assert_valid(&full(generation).validate(generation));
    }
}

#[test]
fn all_problems_are_reported_not_just_the_first() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "hostname": "-bad", "disk": "sda", "log_level": "loud", "bootmode": "uefi" }),
    );
    for path in ["hostname", "disk", "log_level", "bootmode"] {
        assert_error(&errors, path, &["expected"]);
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

// --- generation support --------------------------------------------------------------------------

/// Every top-level field a full fixture sets is reported on each generation that does not know it,
/// and nothing else is reported as unsupported.
#[test]
fn unsupported_top_level_fields_are_rejected_per_generation() {
    for source in InstallerGeneration::ALL {
        let kickstart = full(source);
        let Value::Object(set) = serde_json::to_value(&kickstart).expect("serialises") else {
            panic!("object expected");
        };
        for target in InstallerGeneration::ALL {
            let errors = kickstart.validate(target);
            for field in set.keys() {
                let supported = supported_generations(field).contains(&target);
                let reported = errors.iter().any(|error| {
                    error.path_string() == *field
                        && error
                            .message
                            .contains("is not supported by installer generation")
                });
                assert_eq!(
                    reported, !supported,
                    "{field} from {source} validated for {target}: {errors:#?}"
                );
            }
        }
    }
}

#[test]
fn unsupported_message_names_the_generations_that_support_it() {
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "disks": { "default": { "device": "/dev/sda" } } }),
    );
    assert_error(
        &errors,
        "disks",
        &[
            "`photon-3.0`",
            "expected installer generation `poi-2.7`, `poi-master`",
        ],
    );

    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "services": { "sshd": "enabled" } }),
    );
    assert_error(&errors, "services", &["`poi-2.7`", "`poi-master`"]);

    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "ostree": { "default_repo": true } }),
    );
    assert_error(
        &errors,
        "ostree",
        &["`poi-master`", "`photon-3.0`, `poi-2.7`"],
    );
}

#[test]
fn unsupported_nested_fields_are_rejected() {
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "partitions": [
            { "mountpoint": "/", "size": 0, "mount_options": "noatime", "ab": true },
            { "mountpoint": "/var", "size_percent": 10 }
        ] }),
    );
    assert_error(
        &errors,
        "partitions[0].mount_options",
        &["`poi-2.7`, `poi-master`"],
    );
    assert_error(&errors, "partitions[0].ab", &["`poi-2.7`, `poi-master`"]);
    assert_error(
        &errors,
        "partitions[1].size_percent",
        &["`poi-2.7`, `poi-master`"],
    );

    let v2 = json!({ "network": { "ethernets": { "id0": { "match": { "name": "eth0" }, "dhcp4": true } } } });
    assert_error(
        &errors_with(InstallerGeneration::Photon3, v2.clone()),
        "network.ethernets",
        &["`poi-2.7`"],
    );
    assert_valid(&errors_with(InstallerGeneration::Poi27, v2));
}

// --- hostname -----------------------------------------------------------------------------------

#[test]
fn hostname_follows_rfc1123_and_photon_rules() {
    for ok in ["photon", "photon-01", "web.example.com", "a"] {
        assert_valid(&errors_with(
            InstallerGeneration::Poi27,
            json!({ "hostname": ok }),
        ));
    }
    for (bad, why) in [
        ("1photon", "does not start with a letter"),
        ("-photon", "does not start with a letter"),
        ("photon-", "starts or ends with '-'"),
        ("photon_web", "character other than"),
        ("a..b", "empty label"),
        ("", "empty"),
    ] {
        let errors = errors_with(InstallerGeneration::Poi27, json!({ "hostname": bad }));
        assert_error(
            &errors,
            "hostname",
            &["expected a host name of at most 63 characters", why],
        );
    }
    let long = "a".repeat(64);
    let errors = errors_with(InstallerGeneration::Poi27, json!({ "hostname": long }));
    assert_error(&errors, "hostname", &["longer than 63"]);
}

#[test]
fn placeholders_need_an_exporter_and_a_poi_installer() {
    let with_preinstall = json!({ "hostname": "$HOST", "preinstall": ["export HOST=photon-1"] });
    assert_valid(&errors_with(InstallerGeneration::Poi27, with_preinstall));
    let with_environment = json!({ "disk": "$DISK", "environment": { "DISK": "/dev/sdb" } });
    assert_valid(&errors_with(
        InstallerGeneration::PoiMaster,
        with_environment,
    ));

    let errors = errors_with(InstallerGeneration::Poi27, json!({ "disk": "$DISK" }));
    assert_error(
        &errors,
        "disk",
        &["`$DISK`", "expected `DISK` to be exported by `preinstall`"],
    );

    // The 3.0 installer does not substitute, so the value is just an invalid host name.
    let errors = errors_with(InstallerGeneration::Photon3, json!({ "hostname": "$HOST" }));
    assert_error(&errors, "hostname", &["expected a host name"]);
}

// --- password -----------------------------------------------------------------------------------

#[test]
fn password_needs_exactly_one_of_text_or_crypted() {
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "text": "changeme" } }),
    ));
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "crypted": SHA512_HASH } }),
    ));

    let both = errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "text": "x", "crypted": SHA512_HASH } }),
    );
    assert_error(
        &both,
        "password",
        &[
            "expected exactly one of `text`",
            "`crypted`",
            "both are set",
        ],
    );
    let neither = errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "age": 0 } }),
    );
    assert_error(
        &neither,
        "password",
        &["expected exactly one of `text`", "neither is set"],
    );
    let empty = errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "text": "" } }),
    );
    assert_error(&empty, "password.text", &["expected a non-empty password"]);
}

#[test]
fn crypted_must_be_a_crypt3_hash() {
    for ok in [SHA512_HASH, "*", "!"] {
        assert_valid(&errors_with(
            InstallerGeneration::Photon3,
            json!({ "password": { "crypted": ok } }),
        ));
    }
    for bad in [
        "changeme",
        "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
        "$6$salt$short",
    ] {
        let errors = errors_with(
            InstallerGeneration::Poi27,
            json!({ "password": { "crypted": bad } }),
        );
        assert_error(
            &errors,
            "password.crypted",
            &[
                "expected a crypt(3) hash",
                "`$6$`, `$5$`, `$1$`",
                "not shown",
            ],
        );
        assert!(!errors[0].message.contains(bad), "secret echoed");
    }
}

#[test]
fn password_age_is_at_least_minus_one() {
    for ok in [-1, 0, 90] {
        assert_valid(&errors_with(
            InstallerGeneration::Poi27,
            json!({ "password": { "text": "x", "age": ok } }),
        ));
    }
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "text": "x", "age": -2 } }),
    );
    assert_error(
        &errors,
        "password.age",
        &["expected -1 (never expires), 0", "got -2"],
    );
}

// --- public key ---------------------------------------------------------------------------------

#[test]
fn public_key_must_be_an_openssh_key_line() {
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "public_key": SSH_KEY }),
    ));
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "public_key": "AAAAB3NzaC1yc2E" }),
    );
    assert_error(
        &errors,
        "public_key",
        &["expected one OpenSSH public key line", "`ssh-ed25519`"],
    );
}

#[test]
fn public_key_reason_is_required_on_master_only() {
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "public_key": SSH_KEY }),
    );
    assert_error(
        &errors,
        "public_key_reason",
        &["expected a reason", "`poi-master`"],
    );
    assert_valid(&errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "public_key": SSH_KEY, "public_key_reason": "debug" }),
    ));
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "public_key_reason": "debug" }),
    );
    assert_error(
        &errors,
        "public_key_reason",
        &["expected `public_key` to be set"],
    );
}

// --- disks --------------------------------------------------------------------------------------

#[test]
fn disk_is_a_device_path() {
    for ok in [
        "/dev/sdb",
        "/dev/nvme0n1",
        "/dev/loop0",
        "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0",
    ] {
        assert_valid(&errors_with(
            InstallerGeneration::Poi27,
            json!({ "disk": ok }),
        ));
    }
    for bad in ["sda", "/mnt/disk.img", "/dev/"] {
        let errors = errors_with(InstallerGeneration::Poi27, json!({ "disk": bad }));
        assert_error(
            &errors,
            "disk",
            &["expected a block device path such as `/dev/sda`"],
        );
    }
}

#[test]
fn one_of_disk_or_disks_is_required() {
    let errors = errors_with(InstallerGeneration::Poi27, json!({ "disk": null }));
    assert_error(&errors, "disk", &["expected `disk`", "or `disks`"]);
    let errors = errors_with(InstallerGeneration::Photon3, json!({ "disk": null }));
    assert_error(&errors, "disk", &["expected `disk` (a block device path"]);
    // `disks` is unknown to 3.0, so it does not stand in for `disk` there.
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "disk": null, "disks": { "default": { "device": "/dev/sda" } } }),
    );
    assert_error(
        &errors,
        "disks",
        &["is not supported by installer generation `photon-3.0`"],
    );
    assert_error(&errors, "disk", &["expected `disk` (a block device path"]);

    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "disks": { "default": { "device": "/dev/sdb" } } }),
    );
    assert_error(
        &errors,
        "disks",
        &["expected only one of `disk` or `disks`"],
    );
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "disk": null, "disks": { "default": { "device": "/dev/sdb" } } }),
    ));
}

#[test]
fn disks_entries() {
    let check = |disks: Value| {
        errors_with(
            InstallerGeneration::Poi27,
            json!({ "disk": null, "disks": disks }),
        )
    };

    let errors = check(json!({ "data": { "device": "/dev/sdb" } }));
    assert_error(&errors, "disks", &["expected a disk with the id `default`"]);

    let errors =
        check(json!({ "default": { "device": "/dev/sda", "filename": "a.img", "size": 10 } }));
    assert_error(
        &errors,
        "disks[\"default\"]",
        &["expected exactly one of `device`", "both are set"],
    );
    let errors = check(json!({ "default": {} }));
    assert_error(
        &errors,
        "disks[\"default\"]",
        &["expected exactly one of `device`", "neither is set"],
    );

    let errors = check(json!({ "default": { "filename": "root.img" } }));
    assert_error(
        &errors,
        "disks[\"default\"].size",
        &["expected the image size in MB"],
    );
    let errors = check(json!({ "default": { "filename": "root.img", "size": 0 } }));
    assert_error(&errors, "disks[\"default\"].size", &["at least 1", "got 0"]);
    let errors =
        check(json!({ "default": { "filename": "root.img", "size": 16384, "sector_size": 1024 } }));
    assert_error(
        &errors,
        "disks[\"default\"].sector_size",
        &["expected one of `512`, `4096`", "got 1024"],
    );
    let errors = check(json!({ "default": { "device": "/dev/sda", "size": 100 } }));
    assert_error(
        &errors,
        "disks[\"default\"].size",
        &["expected no `size` for a device"],
    );
    let errors = check(json!({ "default": { "device": "sda" } }));
    assert_error(
        &errors,
        "disks[\"default\"].device",
        &["expected a block device path"],
    );

    assert_valid(&check(
        json!({ "default": { "filename": "root.img", "size": 16384, "sector_size": 512 } }),
    ));
}

#[test]
fn map_key_paths_use_key_segments() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "disk": null, "disks": { "default": { "filename": "root.img" } } }),
    );
    let error = errors
        .iter()
        .find(|error| error.path_string() == "disks[\"default\"].size")
        .expect("reported");
    assert_eq!(
        error.path,
        vec![
            PathSegment::Field("disks".into()),
            PathSegment::Key("default".into()),
            PathSegment::Field("size".into())
        ]
    );
}

// --- partitions ---------------------------------------------------------------------------------

fn partitions(generation: InstallerGeneration, list: Value) -> Vec<kickstart::FieldError> {
    errors_with(generation, json!({ "partitions": list }))
}

#[test]
fn partitions_need_a_root() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/boot", "size": 512 }]),
    );
    assert_error(
        &errors,
        "partitions",
        &["expected a partition with mountpoint `/`"],
    );
    assert_valid(&partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }]),
    ));
}

#[test]
fn mountpoints_are_absolute_and_unique() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "var", "size": 10 }, { "mountpoint": "/home/", "size": 10 }]),
    );
    assert_error(
        &errors,
        "partitions[1].mountpoint",
        &[
            "expected the mount point as an absolute path",
            "not absolute",
        ],
    );
    assert_error(&errors, "partitions[2].mountpoint", &["ends with '/'"]);

    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/var", "size": 10 }, { "mountpoint": "/var", "size": 20 }]),
    );
    assert_error(
        &errors,
        "partitions[2].mountpoint",
        &["expected a unique mountpoint", "partitions[1]"],
    );
    assert_no_error_at(&errors, "partitions[1].mountpoint");
}

#[test]
fn mountpoint_is_required_except_for_swap() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "size": 10 }]),
    );
    assert_error(
        &errors,
        "partitions[1].mountpoint",
        &["expected a mount point", "except swap"],
    );
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/swap", "size": 10, "filesystem": "swap" }]),
    );
    assert_error(
        &errors,
        "partitions[1].mountpoint",
        &["expected no mountpoint for a swap partition"],
    );
    assert_valid(&partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "size": 10, "filesystem": "swap" }]),
    ));
}

#[test]
fn sizes_are_non_negative_and_one_partition_per_disk_grows() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": -5 }]),
    );
    assert_error(
        &errors,
        "partitions[0].size",
        &[
            "expected a size in MB of at least 1, or 0 to fill the rest",
            "got -5",
        ],
    );

    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/var", "size": 0 }]),
    );
    assert_error(
        &errors,
        "partitions[1].size",
        &[
            "expected at most one partition per disk that fills the rest",
            "partitions[0]",
            "`default`",
        ],
    );

    // A per-partition `disk` naming the top-level disk is the same disk.
    let errors = partitions(
        InstallerGeneration::Photon3,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/var", "size": 0, "disk": "/dev/sda" }]),
    );
    assert_error(
        &errors,
        "partitions[1].size",
        &["expected at most one partition per disk", "`default`"],
    );

    // One growing partition per disk is fine.
    let two_disks = json!({
        "disk": null,
        "disks": { "default": { "device": "/dev/sda" }, "data": { "device": "/dev/sdb" } },
        "partitions": [{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/data", "size": 0, "disk_id": "data" }]
    });
    assert_valid(&errors_with(InstallerGeneration::Poi27, two_disks));
}

#[test]
fn size_or_size_percent() {
    let errors = partitions(InstallerGeneration::Poi27, json!([{ "mountpoint": "/" }]));
    assert_error(
        &errors,
        "partitions[0].size",
        &["expected `size` (MB; 0 fills the rest of the disk) or `size_percent`"],
    );
    let errors = partitions(InstallerGeneration::Photon3, json!([{ "mountpoint": "/" }]));
    assert_error(
        &errors,
        "partitions[0].size",
        &["expected `size` (MB; 0 fills the rest of the disk)"],
    );
    assert!(!errors[0].message.contains("size_percent"));

    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "size_percent": 50 }]),
    );
    assert_error(
        &errors,
        "partitions[0].size_percent",
        &["expected only one of `size` or `size_percent`"],
    );
    for bad in [0, 101] {
        let errors = partitions(
            InstallerGeneration::Poi27,
            json!([{ "mountpoint": "/", "size_percent": bad }]),
        );
        assert_error(
            &errors,
            "partitions[0].size_percent",
            &["expected a percentage from 1 to 100"],
        );
    }
    assert_valid(&partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size_percent": 100 }]),
    ));
}

#[test]
fn filesystems_are_known_per_generation() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "filesystem": "zfs" }]),
    );
    assert_error(
        &errors,
        "partitions[0].filesystem",
        &[
            "expected one of `ext4`, `xfs`, `btrfs`, `vfat`, `swap`",
            "got `zfs`",
        ],
    );
    let errors = partitions(
        InstallerGeneration::Photon3,
        json!([{ "mountpoint": "/", "size": 0, "filesystem": "xfs" }]),
    );
    assert_error(
        &errors,
        "partitions[0].filesystem",
        &["expected one of `ext4`, `vfat`, `swap`", "got `xfs`"],
    );
    assert_valid(&partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "filesystem": "xfs" }]),
    ));
}

#[test]
fn efi_system_partition_is_vfat() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/boot/efi", "size": 12 }]),
    );
    assert_error(
        &errors,
        "partitions[1].filesystem",
        &["expected `vfat` for the EFI system partition", "got `ext4`"],
    );
}

#[test]
fn lvm_rules() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([
            { "mountpoint": "/", "size": 0, "lvm": { "vg_name": "vg0", "lv_name": "root" } },
            { "mountpoint": "/boot", "size": 512, "lvm": { "vg_name": "vg0", "lv_name": "boot" } },
            { "mountpoint": "/var", "size": 512, "lvm": { "vg_name": "vg0", "lv_name": "root" } },
            { "mountpoint": "/srv", "size": 512, "lvm": { "vg_name": "-bad", "lv_name": "" } },
            { "mountpoint": "/opt", "size": 512, "ab": true, "lvm": { "vg_name": "vg1", "lv_name": "opt" } }
        ]),
    );
    assert_error(
        &errors,
        "partitions[1].lvm",
        &["expected no `lvm` for `/boot`"],
    );
    assert_error(
        &errors,
        "partitions[2].lvm.lv_name",
        &[
            "expected a logical volume name unique in volume group `vg0`",
            "partitions[0]",
        ],
    );
    assert_error(
        &errors,
        "partitions[3].lvm.vg_name",
        &["expected an LVM name", "got `-bad`"],
    );
    assert_error(
        &errors,
        "partitions[3].lvm.lv_name",
        &["expected an LVM name"],
    );
    assert_error(
        &errors,
        "partitions[4].ab",
        &["expected no `ab` on an LVM partition"],
    );
    assert_no_error_at(&errors, "partitions[0].lvm.lv_name");
}

#[test]
fn partition_disk_references() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({
            "disk": null,
            "disks": { "default": { "device": "/dev/sda" }, "data": { "device": "/dev/sdb" } },
            "partitions": [
                { "mountpoint": "/", "size": 0 },
                { "mountpoint": "/a", "size": 10, "disk_id": "nope" },
                { "mountpoint": "/b", "size": 10, "disk": "/dev/sdc" }
            ]
        }),
    );
    assert_error(
        &errors,
        "partitions[1].disk_id",
        &[
            "expected one of the ids in `disks`: `data`, `default`",
            "got `nope`",
        ],
    );
    assert_error(
        &errors,
        "partitions[2].disk",
        &["expected `disk_id` instead of `disk` when `disks` is used"],
    );

    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "disk_id": "data" }]),
    );
    assert_error(
        &errors,
        "partitions[0].disk_id",
        &["expected `disks` to define the disk id `data`"],
    );

    // The legacy per-partition disk without `disks` is fine, and gets its own growing partition.
    assert_valid(&partitions(
        InstallerGeneration::Photon3,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/data", "size": 0, "disk": "/dev/sdb" }]),
    ));
    let errors = partitions(
        InstallerGeneration::Photon3,
        json!([{ "mountpoint": "/", "size": 0 }, { "mountpoint": "/d", "size": 1, "disk": "sdb" }]),
    );
    assert_error(
        &errors,
        "partitions[1].disk",
        &["expected a block device path"],
    );
}

#[test]
fn btrfs_rules() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "btrfs": { "subvols": [
            { "name": "home", "mountpoint": "home" },
            { "name": "home" },
            { "name": "" }
        ] } }]),
    );
    assert_error(
        &errors,
        "partitions[0].btrfs",
        &["expected `filesystem = \"btrfs\"`", "got `ext4`"],
    );
    assert_error(
        &errors,
        "partitions[0].btrfs.subvols[0].mountpoint",
        &["expected the subvolume mount point as an absolute path"],
    );
    assert_error(
        &errors,
        "partitions[0].btrfs.subvols[1].name",
        &["unique among its siblings", "got `home`"],
    );
    assert_error(
        &errors,
        "partitions[0].btrfs.subvols[2].name",
        &["expected a subvolume name"],
    );
}

#[test]
fn all_disk_rules() {
    let base = |list: Value| {
        errors_with(
            InstallerGeneration::Poi27,
            json!({
                "disk": null,
                "disks": { "default": { "device": "/dev/sda" }, "data": { "device": "/dev/sdb" } },
                "partitions": list
            }),
        )
    };
    let errors = base(json!([{ "mountpoint": "/", "size": 0, "all_disk": true }]));
    assert_error(
        &errors,
        "partitions[0].all_disk",
        &["expected `all_disk` only on a non-default disk"],
    );

    let errors = base(json!([
        { "mountpoint": "/", "size": 0 },
        { "mountpoint": "/data", "disk_id": "data", "all_disk": true, "ab": true },
        { "mountpoint": "/more", "disk_id": "data", "size": 10 }
    ]));
    assert_error(
        &errors,
        "partitions[1].ab",
        &["expected no `ab` with `all_disk`"],
    );
    assert_error(
        &errors,
        "partitions[2]",
        &[
            "expected no other partition on disk `data`",
            "partitions[1]",
            "same volume group",
        ],
    );

    assert_valid(&base(json!([
        { "mountpoint": "/", "size": 0 },
        { "mountpoint": "/data", "disk_id": "data", "all_disk": true, "lvm": { "vg_name": "data", "lv_name": "a" } },
        { "mountpoint": "/more", "disk_id": "data", "size": 10, "lvm": { "vg_name": "data", "lv_name": "b" } }
    ])));
}

#[test]
fn partition_options_are_single_line() {
    let errors = partitions(
        InstallerGeneration::Poi27,
        json!([{ "mountpoint": "/", "size": 0, "mount_options": "a\nb", "mkfs_options": " " }]),
    );
    assert_error(
        &errors,
        "partitions[0].mount_options",
        &["expected mount options on one line"],
    );
    assert_error(
        &errors,
        "partitions[0].mkfs_options",
        &["expected mkfs arguments"],
    );
}

// --- boot ---------------------------------------------------------------------------------------

#[test]
fn partition_type_bootmode_and_arch_values() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "partition_type": "mbr", "bootmode": "uefi", "arch": "arm64" }),
    );
    assert_error(
        &errors,
        "partition_type",
        &["expected one of `gpt`, `msdos`", "got `mbr`"],
    );
    assert_error(
        &errors,
        "bootmode",
        &["expected one of `bios`, `efi`, `dualboot`", "got `uefi`"],
    );
    assert_error(
        &errors,
        "arch",
        &["expected one of `x86_64`, `aarch64`", "got `arm64`"],
    );
}

#[test]
fn aarch64_boots_with_efi_only() {
    for bootmode in ["bios", "dualboot"] {
        let errors = errors_with(
            InstallerGeneration::Poi27,
            json!({ "arch": "aarch64", "bootmode": bootmode }),
        );
        assert_error(&errors, "bootmode", &["expected `efi` for arch `aarch64`"]);
    }
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "arch": "aarch64", "bootmode": "efi" }),
    ));
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "arch": "x86_64", "bootmode": "bios" }),
    ));
}

// --- packages -----------------------------------------------------------------------------------

#[test]
fn a_package_set_is_required() {
    let errors = errors_with(InstallerGeneration::Poi27, json!({ "packages": null }));
    assert_error(
        &errors,
        "packages",
        &["expected a package set: `packages`, `packagelist_file` or `packagelist_files`"],
    );
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "packagelist_file": null }),
    );
    assert_error(
        &errors,
        "packages",
        &["expected a package set: `packages` or `packagelist_file`"],
    );
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "packages": null, "packagelist_files": ["a.json"] }),
    ));
    // An OSTree install deploys a tree instead.
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "packages": null, "ostree": {} }),
    ));
}

#[test]
fn package_names() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "packages": ["minimal", "open vm tools", "=1.0"] }),
    );
    assert_error(
        &errors,
        "packages[1]",
        &[
            "expected a package name, optionally `name=version`",
            "got `open vm tools`",
        ],
    );
    assert_error(&errors, "packages[2]", &["expected a package name"]);
    assert_no_error_at(&errors, "packages[0]");
}

#[test]
fn linux_flavor_values() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "linux_flavor": "linux-lts", "linux_flavor_aarch64": "esx" }),
    );
    assert_error(
        &errors,
        "linux_flavor",
        &[
            "expected one of `linux`, `linux-esx`, `linux-rt`, `linux-aws`, `linux-secure`",
            "got `linux-lts`",
        ],
    );
    assert_error(
        &errors,
        "linux_flavor_aarch64",
        &["`linux-esx`", "got `esx`"],
    );
}

#[test]
fn photon3_needs_linux_flavor_when_packages_name_several_kernels() {
    let several =
        json!({ "packagelist_file": null, "packages": ["minimal", "linux", "linux-esx"] });
    let errors = errors_with(InstallerGeneration::Photon3, several.clone());
    assert_error(
        &errors,
        "linux_flavor",
        &["expected `linux_flavor`", "names 2 kernel flavors"],
    );
    // photon-os-installer defaults to `linux` and drops the others.
    assert_valid(&errors_with(InstallerGeneration::Poi27, several));
    assert_valid(&errors_with(
        InstallerGeneration::Photon3,
        json!({ "packagelist_file": null, "packages": ["minimal", "linux", "linux-esx"], "linux_flavor": "linux-esx" }),
    ));
    assert_valid(&errors_with(
        InstallerGeneration::Photon3,
        json!({ "packagelist_file": null, "packages": ["minimal", "linux"] }),
    ));
}

#[test]
fn repos() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "repos": { "bad id": { "name": "", "baseurl": "packages.vmware.com/photon" } } }),
    );
    assert_error(
        &errors,
        "repos[\"bad id\"]",
        &["expected a repository id without whitespace"],
    );
    assert_error(
        &errors,
        "repos[\"bad id\"].name",
        &["expected a repository name"],
    );
    assert_error(
        &errors,
        "repos[\"bad id\"].baseurl",
        &[
            "expected a URL starting with one of `http://`, `https://`",
            "got `packages.vmware.com/photon`",
        ],
    );
}

#[test]
fn container_images() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "photon_docker_image": "photon" }),
    );
    assert_error(
        &errors,
        "photon_docker_image",
        &[
            "expected an image reference with a tag, `name:tag`",
            "got `photon`",
        ],
    );

    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "docker": { "images": [
            { "method": "pull" },
            { "method": "load", "name": "x" },
            { "method": "build" },
            { "method": "pull", "name": "nginx", "tags": ["a b"] }
        ] } }),
    );
    assert_error(
        &errors,
        "docker.images[0].name",
        &["expected `name` (the image to pull) with method `pull`"],
    );
    assert_error(
        &errors,
        "docker.images[1].filename",
        &["expected `filename` (the `docker save` tarball to load)"],
    );
    assert_error(
        &errors,
        "docker.images[2].method",
        &["expected one of `pull`, `load`", "got `build`"],
    );
    assert_error(
        &errors,
        "docker.images[3].tags[0]",
        &["expected an image tag without whitespace"],
    );
}

#[test]
fn ostree_sources() {
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "ostree": { "default_repo": false } }),
    );
    assert_error(
        &errors,
        "ostree.repo_url",
        &["expected the remote OSTree repository URL"],
    );
    assert_error(&errors, "ostree.repo_ref", &["expected the ref to deploy"]);
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "ostree": { "repo_url": "http://x/repo" } }),
    );
    assert_error(
        &errors,
        "ostree.repo_url",
        &[
            "expected no `repo_url` with the media's repository",
            "`default_repo = false`",
        ],
    );
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "ostree": { "default_repo": false, "repo_url": "ftp://x", "repo_ref": "photon/4.0/x86_64/minimal" } }),
    );
    assert_error(
        &errors,
        "ostree.repo_url",
        &["expected a URL starting with one of `http://`, `https://`"],
    );
}

// --- network ------------------------------------------------------------------------------------

fn network(generation: InstallerGeneration, value: Value) -> Vec<kickstart::FieldError> {
    errors_with(generation, json!({ "network": value }))
}

#[test]
fn legacy_static_needs_its_fields() {
    let errors = network(InstallerGeneration::Photon3, json!({ "type": "static" }));
    assert_error(
        &errors,
        "network.ip_addr",
        &["expected an IPv4 address", "required with type `static`"],
    );
    assert_error(
        &errors,
        "network.netmask",
        &[
            "expected a contiguous IPv4 netmask",
            "required with type `static`",
        ],
    );
    assert_error(
        &errors,
        "network.gateway",
        &["expected the IPv4 address of the default gateway"],
    );
    assert_error(
        &errors,
        "network.nameserver",
        &["expected the IP address of a name server"],
    );

    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "static", "ip_addr": "10.0.0.5/24", "netmask": "255.0.255.0", "gateway": "gw", "nameserver": "dns" }),
    );
    assert_error(
        &errors,
        "network.ip_addr",
        &["without prefix", "got `10.0.0.5/24`"],
    );
    assert_error(
        &errors,
        "network.netmask",
        &["`255.255.255.0`", "got `255.0.255.0`"],
    );
    assert_error(&errors, "network.gateway", &["got `gw`"]);
    assert_error(&errors, "network.nameserver", &["got `dns`"]);

    assert_valid(&network(
        InstallerGeneration::Photon3,
        json!({ "type": "static", "ip_addr": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1", "nameserver": "10.0.0.2" }),
    ));
}

#[test]
fn legacy_dhcp_rejects_static_fields() {
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "dhcp", "ip_addr": "10.0.0.5", "gateway": "10.0.0.1", "vlan_id": 5 }),
    );
    assert_error(
        &errors,
        "network.ip_addr",
        &[
            "expected no `ip_addr` with type `dhcp`",
            "only type `static` takes it",
        ],
    );
    assert_error(
        &errors,
        "network.gateway",
        &["expected no `gateway` with type `dhcp`"],
    );
    assert_error(&errors, "network.vlan_id", &["only type `vlan` takes it"]);
    assert_valid(&network(
        InstallerGeneration::Poi27,
        json!({ "type": "dhcp", "hostname": "photon-dhcp" }),
    ));
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "static", "hostname": "x", "ip_addr": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1", "nameserver": "10.0.0.2" }),
    );
    assert_error(
        &errors,
        "network.hostname",
        &[
            "expected no `hostname` with type `static`",
            "only type `dhcp`",
        ],
    );
}

#[test]
fn legacy_vlan_and_type_values() {
    let errors = network(InstallerGeneration::Poi27, json!({ "type": "vlan" }));
    assert_error(
        &errors,
        "network.vlan_id",
        &[
            "expected a VLAN id from 1 to 4094",
            "required with type `vlan`",
        ],
    );
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "vlan", "vlan_id": 4095 }),
    );
    assert_error(&errors, "network.vlan_id", &["got 4095"]);
    let errors = network(InstallerGeneration::Poi27, json!({ "type": "bridge" }));
    assert_error(
        &errors,
        "network.type",
        &["expected one of `dhcp`, `static`, `vlan`", "got `bridge`"],
    );
    let errors = network(InstallerGeneration::Poi27, json!({}));
    assert_error(
        &errors,
        "network.type",
        &[
            "expected `type` (`dhcp`, `static`, `vlan`)",
            "or `ethernets`",
        ],
    );
}

#[test]
fn network_forms_are_exclusive() {
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "dhcp", "ethernets": { "id0": { "match": { "name": "eth0" }, "dhcp4": true } } }),
    );
    assert_error(
        &errors,
        "network",
        &["expected either the legacy form (`type`) or the version 2 form"],
    );
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "ip_addr": "10.0.0.5", "ethernets": { "id0": { "match": { "name": "eth0" }, "dhcp4": true } } }),
    );
    assert_error(
        &errors,
        "network.ip_addr",
        &["expected no `ip_addr` in the version 2 form"],
    );
}

#[test]
fn version_2_interfaces() {
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "ethernets": {
            "id0": { "dhcp4": true },
            "id1": { "match": {} },
            "id2": { "match": { "macaddress": "00-50-56-aa-bb-cc" }, "addresses": ["10.0.0.5"], "gateway": "10.0.0.1" },
            "id3": { "match": { "name": "eth3" }, "gateway": "10.0.0.1", "nameservers": { "addresses": ["dns"], "search": ["bad domain"] } }
        } }),
    );
    assert_error(
        &errors,
        "network.ethernets[\"id0\"].match",
        &["expected `match` with `name` or `macaddress`"],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id1\"].match",
        &["expected `name` (may be a glob such as `e*`) or `macaddress`"],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id2\"].match.macaddress",
        &["expected a MAC address", "got `00-50-56-aa-bb-cc`"],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id2\"].addresses[0]",
        &[
            "expected an IPv4 or IPv6 address with prefix length",
            "got `10.0.0.5`",
        ],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id3\"].gateway",
        &["expected static `addresses` on an interface with a `gateway`"],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id3\"].nameservers.addresses[0]",
        &["expected a name server IP address"],
    );
    assert_error(
        &errors,
        "network.ethernets[\"id3\"].nameservers.search[0]",
        &["expected a search domain"],
    );
}

#[test]
fn version_2_vlans() {
    let errors = network(
        InstallerGeneration::PoiMaster,
        json!({
            "ethernets": {
                "glob": { "match": { "name": "e*" }, "dhcp4": true },
                "mac": { "match": { "macaddress": "00:50:56:aa:bb:cc" } },
                "eth1": { "match": { "name": "eth1" } }
            },
            "vlans": {
                "v1": { "id": 10, "link": "glob" },
                "v2": { "id": 20, "link": "mac" },
                "v3": { "id": 0, "link": "nope" },
                "v4": {},
                "v5": { "id": 30, "link": "eth1", "dhcp4": true }
            }
        }),
    );
    assert_error(
        &errors,
        "network.vlans[\"v1\"].link",
        &["expected an `ethernets` entry matched by an exact interface `name`"],
    );
    assert_error(
        &errors,
        "network.vlans[\"v2\"].link",
        &["exact interface `name`"],
    );
    assert_error(
        &errors,
        "network.vlans[\"v3\"].id",
        &["expected a VLAN id from 1 to 4094", "got 0"],
    );
    assert_error(
        &errors,
        "network.vlans[\"v3\"].link",
        &[
            "expected the id of an `ethernets` entry (`eth1`, `glob`, `mac`)",
            "got `nope`",
        ],
    );
    assert_error(&errors, "network.vlans[\"v4\"].id", &["expected a VLAN id"]);
    assert_error(&errors, "network.vlans[\"v4\"].link", &["expected `link`"]);
    assert!(
        errors
            .iter()
            .all(|error| !error.path_string().starts_with("network.vlans[\"v5\"]")),
        "{errors:#?}"
    );
}

#[test]
fn network_hostname() {
    let errors = network(
        InstallerGeneration::Poi27,
        json!({ "type": "dhcp", "hostname": "9lives" }),
    );
    assert_error(&errors, "network.hostname", &["expected a host name"]);
}

// --- scripts, files, services, environment ------------------------------------------------------

#[test]
fn additional_files_need_source_and_absolute_destination() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "additional_files": [{ "source": "", "destination": "etc/motd" }, { "source": "a", "destination": "/etc/a" }] }),
    );
    assert_error(
        &errors,
        "additional_files[0].source",
        &["expected a file or directory in `search_path`, or a URL"],
    );
    assert_error(
        &errors,
        "additional_files[0].destination",
        &["expected the destination in the target as an absolute path"],
    );
    assert_no_error_at(&errors, "additional_files[1].destination");
}

#[test]
fn script_and_path_lists_have_no_empty_entries() {
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({
            "postinstall_scripts": ["ok.sh", ""],
            "preinstall_scripts": [" "],
            "search_path": [""],
            "firstboot": { "scripts": [""] },
            "ansible": [{ "playbook": "", "verbosity": -1 }],
            "archives": [{ "root": "rootfs" }]
        }),
    );
    assert_error(
        &errors,
        "postinstall_scripts[1]",
        &["expected a script file name"],
    );
    assert_error(
        &errors,
        "preinstall_scripts[0]",
        &["expected a script file name"],
    );
    assert_error(&errors, "search_path[0]", &["expected a directory"]);
    assert_error(&errors, "firstboot.scripts[0]", &["expected a script file"]);
    assert_error(
        &errors,
        "ansible[0].playbook",
        &["expected a playbook file"],
    );
    assert_error(
        &errors,
        "ansible[0].verbosity",
        &["expected a verbosity of 0 or more"],
    );
    assert_error(
        &errors,
        "archives[0].root",
        &["expected the directory to archive as an absolute path"],
    );
}

#[test]
fn services_states() {
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "services": { "sshd": "on", "my unit": "enabled" } }),
    );
    assert_error(
        &errors,
        "services[\"sshd\"]",
        &[
            "expected one of `enabled`, `disabled`, `masked`",
            "got `on`",
        ],
    );
    assert_error(
        &errors,
        "services[\"my unit\"]",
        &["expected a systemd unit name"],
    );
    assert_valid(&errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "services": { "sshd": "masked" } }),
    ));
}

#[test]
fn environment_names() {
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "environment": { "1BAD": "x", "GOOD_1": "y" } }),
    );
    assert_error(
        &errors,
        "environment[\"1BAD\"]",
        &["expected an environment variable name"],
    );
    assert_no_error_at(&errors, "environment[\"GOOD_1\"]");
}

// --- boot loader, security, installer -----------------------------------------------------------

#[test]
fn grub_password_hash_format() {
    assert_valid(&errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "grub": { "password_pbkdf2": GRUB_HASH } }),
    ));
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "grub": { "password_pbkdf2": "secret-pass" } }),
    );
    assert_error(
        &errors,
        "grub.password_pbkdf2",
        &[
            "expected a hash as printed by `grub-mkpasswd-pbkdf2`",
            "grub.pbkdf2.sha512.",
        ],
    );
    assert!(!errors[0].message.contains("secret-pass"));
}

#[test]
fn selinux_modes() {
    let errors = errors_with(
        InstallerGeneration::PoiMaster,
        json!({ "security": { "selinux": "strict" } }),
    );
    assert_error(
        &errors,
        "security.selinux",
        &[
            "expected one of `enforcing`, `permissive`, `disabled`",
            "got `strict`",
        ],
    );
}

#[test]
fn log_level_values() {
    let errors = errors_with(InstallerGeneration::Poi27, json!({ "log_level": "warn" }));
    assert_error(
        &errors,
        "log_level",
        &[
            "expected one of `error`, `warning`, `info`, `debug`",
            "got `warn`",
        ],
    );
}

#[test]
fn release_version_is_required_by_photon3_only() {
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "release_version": null }),
    );
    assert_error(
        &errors,
        "release_version",
        &["expected the release being installed, e.g. `3.0`"],
    );
    let errors = errors_with(
        InstallerGeneration::Photon3,
        json!({ "release_version": "three" }),
    );
    assert_error(
        &errors,
        "release_version",
        &["expected a release such as `3.0`", "got `three`"],
    );
    assert_valid(&errors_with(
        InstallerGeneration::Poi27,
        json!({ "release_version": null }),
    ));
}
