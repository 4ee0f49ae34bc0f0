//! OVF import (CreateImportSpec → ImportVApp → NFC upload → lease complete/abort) of a tiny
//! hand-written package (`tests/fixtures/ovf/tiny.ovf`), from a directory and as an OVA, read
//! back independently through the property collector.

use std::path::{Path, PathBuf};

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::finder::{Finder, Kind};
use vim::ovf::{ImportError, ImportParams, ImportTarget, OvfNetworkMapping, OvfPackage};
use vim::{Client, FaultKind, ManagedObjectReference, Value};

use super::datastore::{Scratch, pattern};
use super::support::{connect, fault_kind, property};

/// The size the fixture's `References` announce for the disk file.
const DISK_SIZE: usize = 3 * 1024 * 1024;
const DISK_FILE: &str = "tiny-disk1.vmdk";

fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ovf/tiny.ovf");
    std::fs::read_to_string(path).unwrap()
}

/// Writes the package into `dir` as `tiny.ovf` (+ the disk when `with_disk`); returns the
/// descriptor's path.
fn write_package(dir: &Path, descriptor: &str, with_disk: bool) -> PathBuf {
    let ovf = dir.join("tiny.ovf");
    std::fs::write(&ovf, descriptor).unwrap();
    if with_disk {
        std::fs::write(dir.join(DISK_FILE), pattern(DISK_SIZE)).unwrap();
    }
    ovf
}

/// The same package as an OVA (descriptor first, as the OVF spec requires).
fn write_ova(path: &Path, descriptor: &str) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in [
        ("tiny.ovf", descriptor.as_bytes().to_vec()),
        (DISK_FILE, pattern(DISK_SIZE)),
    ] {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, data.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap();
}

struct Setup {
    target: ImportTarget,
    params: ImportParams,
    folder: ManagedObjectReference,
}

/// Imports go into a new folder `imports` of DC0, the standalone host's pool, `LocalDS_0`, with
/// the OVF network "VM Network" mapped to the real one.
async fn setup(client: &Client, name: &str) -> Setup {
    let finder = Finder::new(client, None).await.unwrap();
    let pool = finder
        .find(Kind::ResourcePool, "/DC0/host/DC0_H0/Resources")
        .await
        .unwrap();
    let datastore = finder.find(Kind::Datastore, "LocalDS_0").await.unwrap();
    let network = finder.find(Kind::Network, "VM Network").await.unwrap();
    let folder = client
        .create_folder(&finder.datacenter().vm_folder, "imports")
        .await
        .unwrap();
    Setup {
        target: ImportTarget {
            resource_pool: pool.moref,
            datastore: datastore.moref,
            folder: Some(folder.clone()),
            host: None,
        },
        params: ImportParams {
            entity_name: name.into(),
            network_mapping: vec![OvfNetworkMapping {
                name: "VM Network".into(),
                network: network.moref,
            }],
            disk_provisioning: Some("thin".into()),
            ..ImportParams::default()
        },
        folder,
    }
}

/// Every VM named `name`.
async fn vms_named(client: &Client, name: &str) -> Vec<ManagedObjectReference> {
    let root = client.service_content().root_folder.clone();
    client
        .retrieve(&root, "VirtualMachine", &["name"])
        .await
        .unwrap()
        .into_iter()
        .filter(|vm| vm.get("name").and_then(Value::as_str) == Some(name))
        .map(|vm| vm.obj)
        .collect()
}

/// A lease that ended: vcsim 0.24.2 removes it from the session on Complete and Abort (a real
/// vCenter keeps it with state `done` / `error` for a while), so reading it is
/// `ManagedObjectNotFound`.
async fn assert_lease_gone(client: &Client, lease: &ManagedObjectReference) {
    let error = client
        .retrieve_objects(std::slice::from_ref(lease), "HttpNfcLease", &["state"])
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::ManagedObjectNotFound { .. }),
        "{error:?}"
    );
}

/// Reads the imported VM back and checks it against the descriptor.
async fn assert_imported_vm(
    client: &Client,
    vm: &ManagedObjectReference,
    name: &str,
    folder: &ManagedObjectReference,
) {
    assert_eq!(vm.kind, "VirtualMachine");
    let objects = client
        .retrieve_objects(
            std::slice::from_ref(vm),
            "VirtualMachine",
            &[
                "name",
                "parent",
                "config.hardware.numCPU",
                "config.hardware.memoryMB",
                "config.hardware.device",
                "config.guestId",
            ],
        )
        .await
        .unwrap();
    let object = &objects[0];
    assert_eq!(object.get("name").and_then(Value::as_str), Some(name));
    assert_eq!(object.get("parent").and_then(Value::as_mor), Some(folder));
    assert_eq!(
        object.get("config.hardware.numCPU").and_then(Value::as_i64),
        Some(1)
    );
    assert_eq!(
        object
            .get("config.hardware.memoryMB")
            .and_then(Value::as_i64),
        Some(64)
    );
    assert_eq!(
        object.get("config.guestId").and_then(Value::as_str),
        Some("otherLinux64Guest")
    );
    let Some(Value::Other { xml: devices, .. }) = object.get("config.hardware.device") else {
        panic!("no device list: {object:?}");
    };
    assert_eq!(
        devices.matches(r#"xsi:type="VirtualDisk""#).count(),
        1,
        "{devices}"
    );
    assert_eq!(
        devices.matches(r#"xsi:type="VirtualE1000""#).count(),
        1,
        "{devices}"
    );
    assert!(
        devices.contains("<deviceName>VM Network</deviceName>"),
        "{devices}"
    );
    assert!(
        devices.contains(&format!("{name}/disk-0.vmdk")),
        "{devices}"
    );
}

fn assert_progress(calls: &[(u64, u64)]) {
    let total = DISK_SIZE as u64;
    assert!(calls.len() > 2, "{calls:?}");
    assert!(calls.iter().all(|(_, t)| *t == total), "{calls:?}");
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    assert_eq!(calls.last(), Some(&(total, total)));
}

#[tokio::test]
async fn imports_an_ovf_directory_and_an_ova() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let scratch = Scratch::new("ovf-import");
    let descriptor = fixture();

    // From a directory: the descriptor and its disk next to it.
    let dir = scratch.path("package");
    std::fs::create_dir_all(&dir).unwrap();
    let package = OvfPackage::open(&write_package(&dir, &descriptor, true))
        .await
        .unwrap();
    assert_eq!(package.descriptor(), descriptor);
    let setup = setup(&client, "tiny-from-ovf").await;
    let mut calls = Vec::new();
    let imported = client
        .import_ovf(&package, &setup.target, &setup.params, |sent, total| {
            calls.push((sent, total))
        })
        .await
        .unwrap();
    assert_progress(&calls);
    assert_imported_vm(&client, &imported.vm, "tiny-from-ovf", &setup.folder).await;
    assert_eq!(
        vms_named(&client, "tiny-from-ovf").await,
        std::slice::from_ref(&imported.vm)
    );
    assert_lease_gone(&client, &imported.lease).await;

    // The same package as an OVA, into the same folder under another name.
    let ova = scratch.path("tiny.ova");
    write_ova(&ova, &descriptor);
    let package = OvfPackage::open(&ova).await.unwrap();
    assert_eq!(package.descriptor(), descriptor);
    let params = ImportParams {
        entity_name: "tiny-from-ova".into(),
        ..setup.params.clone()
    };
    let mut calls = Vec::new();
    let imported = client
        .import_ovf(&package, &setup.target, &params, |sent, total| {
            calls.push((sent, total))
        })
        .await
        .unwrap();
    assert_progress(&calls);
    assert_imported_vm(&client, &imported.vm, "tiny-from-ova", &setup.folder).await;
    assert_lease_gone(&client, &imported.lease).await;
}

#[tokio::test]
async fn create_import_spec_errors_are_typed_and_nothing_is_created() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let scratch = Scratch::new("ovf-reject");
    let setup = setup(&client, "tiny-rejected").await;

    // A device type vcsim does not support: an error in the CreateImportSpec result.
    let descriptor = fixture().replace(
        "<rasd:ResourceType>10</rasd:ResourceType>",
        "<rasd:ResourceType>99</rasd:ResourceType>",
    );
    let package = OvfPackage::open(&write_package(&scratch.0, &descriptor, true))
        .await
        .unwrap();
    let error = client
        .import_ovf(&package, &setup.target, &setup.params, |_, _| {})
        .await
        .unwrap_err();
    match &error {
        ImportError::ImportSpec {
            entity_name,
            errors,
        } => {
            assert_eq!(entity_name, "tiny-rejected");
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].type_name, "OvfUnsupportedType");
            assert_eq!(errors[0].message, "unsupported resource type: 99");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("unsupported resource type: 99"),
        "{error}"
    );
    assert!(vms_named(&client, "tiny-rejected").await.is_empty());

    // A descriptor that is not XML: CreateImportSpec faults.
    std::fs::write(scratch.path("tiny.ovf"), "<Envelope><VirtualSystem>").unwrap();
    let package = OvfPackage::open(&scratch.path("tiny.ovf")).await.unwrap();
    let error = client
        .import_ovf(&package, &setup.target, &setup.params, |_, _| {})
        .await
        .unwrap_err();
    let ImportError::Vim(error) = error else {
        panic!("{error:?}");
    };
    assert_eq!(
        fault_kind(&error),
        &FaultKind::InvalidArgument {
            invalid_property: Some("ovfDescriptor".into())
        }
    );
    assert!(vms_named(&client, "tiny-rejected").await.is_empty());

    // An OVA without a descriptor is refused locally.
    let empty = scratch.path("empty.ova");
    tar::Builder::new(std::fs::File::create(&empty).unwrap())
        .into_inner()
        .unwrap();
    let error = OvfPackage::open(&empty).await.unwrap_err();
    assert!(matches!(error, ImportError::Package { .. }), "{error:?}");
}

#[tokio::test]
async fn a_failed_upload_aborts_the_lease() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let scratch = Scratch::new("ovf-abort");
    let setup = setup(&client, "tiny-aborted").await;
    // The disk file the descriptor references is missing.
    let package = OvfPackage::open(&write_package(&scratch.0, &fixture(), false))
        .await
        .unwrap();
    let error = client
        .import_ovf(&package, &setup.target, &setup.params, |_, _| {})
        .await
        .unwrap_err();
    let ImportError::Aborted {
        lease,
        entity,
        cause,
    } = &error
    else {
        panic!("{error:?}");
    };
    match cause.as_ref() {
        ImportError::Io { file, source } => {
            assert_eq!(file, &scratch.path(DISK_FILE));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains(DISK_FILE), "{error}");
    // vcsim drops an aborted lease at once (vCenter would show state `error`).
    assert_lease_gone(&client, lease).await;
    // ImportVApp created the VM before any upload; vCenter deletes it on abort, vcsim 0.24.2
    // keeps it: the half VM is still there, in the requested folder.
    assert_eq!(
        vms_named(&client, "tiny-aborted").await,
        std::slice::from_ref(entity)
    );
    assert_eq!(
        property(&client, entity, "parent")
            .await
            .as_ref()
            .and_then(Value::as_mor),
        Some(&setup.folder)
    );
}

#[tokio::test]
async fn a_stop_during_the_upload_aborts_the_lease() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let scratch = Scratch::new("ovf-stop");
    let setup = setup(&client, "tiny-stopped").await;
    let package = OvfPackage::open(&write_package(&scratch.0, &fixture(), true))
        .await
        .unwrap();
    // The caller stops as soon as the first bytes went out.
    let started = std::sync::Arc::new(tokio::sync::Notify::new());
    let notify = started.clone();
    let mut sent_before_stop = 0;
    let error = client
        .import_ovf_until(
            &package,
            &setup.target,
            &setup.params,
            |sent, _| {
                // The first report is (0, total), before any byte: only a real one stops.
                if sent > 0 {
                    sent_before_stop = sent;
                    notify.notify_one();
                }
            },
            async move { started.notified().await },
        )
        .await
        .unwrap_err();
    let ImportError::Aborted { lease, cause, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        matches!(cause.as_ref(), ImportError::Cancelled),
        "{cause:?}"
    );
    // The stop fired once bytes were going out (how many reached the channel before the stop
    // was polled depends on the machine, so only "some" is asserted).
    assert!(
        sent_before_stop > 0,
        "the stop fired before any byte was sent"
    );
    // The lease was aborted, not abandoned: vcsim drops an aborted lease at once.
    assert_lease_gone(&client, lease).await;

    // A stop before anything started returns at once, with no lease and no VM.
    let error = client
        .import_ovf_until(
            &package,
            &setup.target,
            &ImportParams {
                entity_name: "tiny-never".into(),
                ..setup.params.clone()
            },
            |_, _| {},
            async {},
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ImportError::Cancelled), "{error:?}");
    assert!(vms_named(&client, "tiny-never").await.is_empty());
}

#[tokio::test]
async fn the_lease_steps_one_by_one() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let setup = setup(&client, "tiny-steps").await;
    let target = &setup.target;
    let result = client
        .create_import_spec(
            &fixture(),
            &target.resource_pool,
            &target.datastore,
            &setup.params,
        )
        .await
        .unwrap();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.file_items.len(), 1, "{:?}", result.file_items);
    let item = &result.file_items[0];
    assert_eq!(item.device_id, "/tiny-steps/disk:0");
    assert_eq!(item.path, DISK_FILE);
    assert_eq!(item.size, Some(DISK_SIZE as i64));
    assert_eq!(item.cim_type, 17);
    assert!(!item.create);
    let spec = result.import_spec.unwrap();
    assert_eq!(spec.type_name(), Some("VirtualMachineImportSpec"));

    let lease = client
        .import_vapp(&target.resource_pool, &spec, target.folder.as_ref(), None)
        .await
        .unwrap();
    assert_eq!(lease.kind, "HttpNfcLease");
    let info = client.wait_for_lease(&lease).await.unwrap();
    assert_eq!(info.lease, lease);
    assert_eq!(info.entity.kind, "VirtualMachine");
    assert_eq!(info.device_urls.len(), 1, "{:?}", info.device_urls);
    let device = &info.device_urls[0];
    // The importKey matches the file item; the URL's host is `*` until the client rewrites it.
    assert_eq!(device.import_key, item.device_id);
    assert!(device.url.starts_with("https://*/nfc/"), "{}", device.url);
    assert_eq!(device.disk, Some(true));
    let state = property(&client, &lease, "state").await;
    assert!(
        matches!(&state, Some(Value::Other { xml, .. }) if xml.contains(">ready<")),
        "{state:?}"
    );

    client.lease_progress(&lease, 42).await.unwrap();
    assert_eq!(
        property(&client, &lease, "transferProgress").await,
        Some(Value::Int(42))
    );
    client.lease_complete(&lease).await.unwrap();
    assert_lease_gone(&client, &lease).await;
    assert_eq!(
        vms_named(&client, "tiny-steps").await,
        std::slice::from_ref(&info.entity)
    );
}
