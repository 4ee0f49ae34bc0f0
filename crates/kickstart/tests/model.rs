//! Decoding, secrets in `Debug`, and the field documentation.

mod common;

use std::collections::BTreeSet;

use common::*;
use kickstart::{
    AdditionalFile, AnsiblePlaybook, Archive, Btrfs, BtrfsSubvolume, Disk, Docker, DockerImage,
    Ethernet, Firstboot, Grub, InstallerGeneration, InterfaceMatch, Kickstart, Lvm, Nameservers,
    Network, Ostree, Partition, Password, Repo, Secret, Security, Vlan, field_docs,
    supported_generations,
};
use serde_json::json;

#[test]
fn unknown_top_level_field_is_rejected() {
    let error = serde_json::from_value::<Kickstart>(json!({ "disk": "/dev/sda", "hostnmae": "x" }))
        .expect_err("misspelt key");
    let message = error.to_string();
    assert!(message.contains("unknown field `hostnmae`"), "{message}");
    assert!(
        message.contains("`hostname`"),
        "lists the expected fields: {message}"
    );
}

#[test]
fn unknown_nested_fields_are_rejected() {
    for value in [
        json!({ "partitions": [{ "mount_point": "/" }] }),
        json!({ "password": { "text": "x", "crypt": true } }),
        json!({ "network": { "type": "dhcp", "dns": "1.1.1.1" } }),
        json!({ "network": { "ethernets": { "id0": { "match": { "driver": "e1000" } } } } }),
        json!({ "disks": { "default": { "path": "/dev/sda" } } }),
        json!({ "docker": { "images": [{ "method": "pull", "image": "x" }] } }),
        // Installer key names are not model names: `sizepercent` is written `size_percent`.
        json!({ "partitions": [{ "mountpoint": "/", "sizepercent": 10 }] }),
        json!({ "postinstallscripts": ["a.sh"] }),
    ] {
        let result = serde_json::from_value::<Kickstart>(value.clone());
        let error = result.expect_err(&format!("{value} has an unknown field"));
        assert!(error.to_string().contains("unknown field"), "{error}");
    }
}

#[test]
fn nulls_read_as_unset() {
    let kickstart: Kickstart = serde_json::from_value(json!({
        "disk": "/dev/sda",
        "hostname": null,
        "packages": null,
        "partitions": null,
        "disks": null,
        "network": null,
        "password": { "text": "x", "crypted": null, "age": null },
    }))
    .expect("nulls are accepted");
    assert!(
        kickstart.packages.is_empty()
            && kickstart.partitions.is_empty()
            && kickstart.disks.is_empty()
    );
    assert_eq!(kickstart.hostname, None);
    assert_eq!(
        kickstart
            .password
            .as_ref()
            .and_then(|password| password.crypted.clone()),
        None
    );
}

#[test]
fn serialize_round_trips_the_model() {
    for generation in InstallerGeneration::ALL {
        let kickstart = full(generation);
        let value = serde_json::to_value(&kickstart).expect("serialises");
        let back: Kickstart = serde_json::from_value(value).expect("deserialises");
        assert_eq!(back, kickstart);
    }
    // Unset fields are left out.
    assert_eq!(
        serde_json::to_value(minimal(InstallerGeneration::Poi27)).expect("serialises"),
        minimal_json(InstallerGeneration::Poi27)
    );
}

#[test]
fn debug_never_shows_secrets() {
    let mut kickstart = full(InstallerGeneration::PoiMaster);
    let debug = format!("{kickstart:?}");
    assert!(!debug.contains("changeme"), "{debug}");
    assert!(!debug.contains(GRUB_HASH), "{debug}");
    assert!(debug.contains("<redacted>"));

    kickstart.password = Some(Password {
        text: None,
        crypted: Some(Secret::new(SHA512_HASH)),
        age: None,
    });
    let debug = format!("{kickstart:#?}");
    assert!(
        !debug.contains(SHA512_HASH) && !debug.contains("photonsalt"),
        "{debug}"
    );
}

#[test]
fn error_messages_never_show_secrets() {
    let errors = errors_with(
        InstallerGeneration::Poi27,
        json!({ "password": { "text": "hunter2", "crypted": "$6$bad$hunter2" } }),
    );
    assert!(!errors.is_empty());
    for error in errors {
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}

/// Every serde field of every struct, as dotted names, and the documented names, must be the same.
#[test]
fn field_docs_cover_exactly_the_model() {
    let structs: Vec<(&str, &'static [&'static str])> = vec![
        ("", fields_of::<Kickstart>()),
        ("password.", fields_of::<Password>()),
        ("disks.", fields_of::<Disk>()),
        ("partitions.", fields_of::<Partition>()),
        ("partitions.lvm.", fields_of::<Lvm>()),
        ("partitions.btrfs.", fields_of::<Btrfs>()),
        ("partitions.btrfs.subvols.", fields_of::<BtrfsSubvolume>()),
        ("repos.", fields_of::<Repo>()),
        ("docker.", fields_of::<Docker>()),
        ("docker.images.", fields_of::<DockerImage>()),
        ("ostree.", fields_of::<Ostree>()),
        ("network.", fields_of::<Network>()),
        ("network.ethernets.", fields_of::<Ethernet>()),
        ("network.ethernets.match.", fields_of::<InterfaceMatch>()),
        ("network.ethernets.nameservers.", fields_of::<Nameservers>()),
        ("network.vlans.", fields_of::<Vlan>()),
        ("network.vlans.nameservers.", fields_of::<Nameservers>()),
        ("additional_files.", fields_of::<AdditionalFile>()),
        ("firstboot.", fields_of::<Firstboot>()),
        ("ansible.", fields_of::<AnsiblePlaybook>()),
        ("grub.", fields_of::<Grub>()),
        ("security.", fields_of::<Security>()),
        ("archives.", fields_of::<Archive>()),
    ];
    let model: BTreeSet<String> = structs
        .iter()
        .flat_map(|(prefix, fields)| fields.iter().map(move |field| format!("{prefix}{field}")))
        .collect();
    let documented: BTreeSet<String> = field_docs()
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let undocumented: Vec<&String> = model.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&model).collect();
    assert!(
        undocumented.is_empty(),
        "fields without docs: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "docs for fields that do not exist: {stale:?}"
    );
    for (name, text) in field_docs() {
        assert!(
            text.contains("Supported by installer generations: `"),
            "{name}: {text}"
        );
    }
}

#[test]
fn supported_generations_is_public_and_consistent_with_docs() {
    assert_eq!(
        supported_generations("grub"),
        &[InstallerGeneration::PoiMaster]
    );
    assert_eq!(supported_generations("hostname").len(), 3);
    let (_, ostree) = field_docs()
        .iter()
        .find(|(name, _)| *name == "ostree")
        .expect("documented");
    assert!(ostree.ends_with("`photon-3.0`, `poi-2.7`."), "{ostree}");
}
