//! Provisioning against vcsim: create with devices, reconfigure, grow a disk and remove a NIC,
//! clone, relocate, and the fault paths. Every test changes the inventory, so each runs its
//! own simulator; effects are read back with property reads independent of the operation.

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::spec::{
    Backing, DEFAULT_IDE_CONTROLLER_KEYS, DeviceKind, EthernetCardType, OptionScalar, OptionValue,
    ScsiControllerType, VirtualDevice, VirtualDeviceConfigSpec, VirtualDeviceList,
    VirtualMachineCloneSpec, VirtualMachineConfigSpec, VirtualMachineFileInfo,
    VirtualMachineRelocateSpec,
};
use vim::{Client, Error, FaultKind, ManagedObjectReference, Value};

use super::support::{connect, fault_kind, property};

/// The morefs a provisioning test needs, found by inventory path.
struct Place {
    vm_folder: ManagedObjectReference,
    /// The standalone host's root pool.
    pool: ManagedObjectReference,
    /// The standalone host.
    host: ManagedObjectReference,
    network: ManagedObjectReference,
}

async fn find(client: &Client, path: &str) -> ManagedObjectReference {
    client
        .find_by_inventory_path(path)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{path} not found"))
}

async fn place(client: &Client) -> Place {
    Place {
        vm_folder: find(client, "/DC0/vm").await,
        pool: find(client, "/DC0/host/DC0_H0/Resources").await,
        host: find(client, "/DC0/host/DC0_H0/DC0_H0").await,
        network: find(client, "/DC0/network/VM Network").await,
    }
}

fn config(name: &str) -> VirtualMachineConfigSpec {
    VirtualMachineConfigSpec {
        name: Some(name.into()),
        guest_id: Some("otherGuest64".into()),
        files: Some(VirtualMachineFileInfo::at("[LocalDS_0]")),
        num_cpus: Some(1),
        memory_mb: Some(64),
        ..VirtualMachineConfigSpec::default()
    }
}

/// A spec with a PVSCSI controller, a 1 GiB and a 2 GiB disk on it, a vmxnet3 NIC on
/// "VM Network" and a CD-ROM with an ISO on the default IDE controller 0.
fn config_with_devices(name: &str, network: &ManagedObjectReference) -> VirtualMachineConfigSpec {
    let mut list = VirtualDeviceList::default();
    let scsi = list
        .add(
            VirtualDevice::scsi_controller(ScsiControllerType::ParaVirtual, 0),
            None,
        )
        .unwrap();
    let disk1 = list
        .add(VirtualDevice::disk(1024 * 1024, "", true), Some(scsi.key))
        .unwrap();
    let disk2 = list
        .add(
            VirtualDevice::disk(2 * 1024 * 1024, "", false),
            Some(scsi.key),
        )
        .unwrap();
    let nic = list
        .add(
            VirtualDevice::ethernet_card(
                EthernetCardType::Vmxnet3,
                Backing::network("VM Network", Some(network.clone())),
            ),
            None,
        )
        .unwrap();
    let mut cdrom = VirtualDevice::cdrom(Backing::iso("[LocalDS_0] iso/boot.iso"));
    cdrom.controller_key = Some(DEFAULT_IDE_CONTROLLER_KEYS[0]);
    cdrom.unit_number = Some(0);
    let cdrom = list.add(cdrom, None).unwrap();
    VirtualMachineConfigSpec {
        device_change: vec![
            VirtualDeviceConfigSpec::add(scsi),
            VirtualDeviceConfigSpec::create(disk1),
            VirtualDeviceConfigSpec::create(disk2),
            VirtualDeviceConfigSpec::add(nic),
            VirtualDeviceConfigSpec::add(cdrom),
        ],
        ..config(name)
    }
}

/// Names of every VM under the root folder.
async fn vm_names(client: &Client) -> Vec<(String, ManagedObjectReference)> {
    let root = client.service_content().root_folder.clone();
    client
        .retrieve(&root, "VirtualMachine", &["name"])
        .await
        .unwrap()
        .into_iter()
        .map(|vm| {
            let name = vm
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (name, vm.obj)
        })
        .collect()
}

fn disk_file(device: &VirtualDevice) -> &str {
    device
        .backing
        .as_ref()
        .and_then(Backing::file_name)
        .unwrap_or_default()
}

#[tokio::test]
async fn create_vm_with_devices_reads_them_back() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let spec = config_with_devices("built", &place.network);
    let vm = client
        .create_vm(&place.vm_folder, &place.pool, Some(&place.host), &spec)
        .await
        .unwrap();
    assert_eq!(vm.kind, "VirtualMachine");
    assert_eq!(
        property(&client, &vm, "name").await,
        Some(Value::String("built".into()))
    );
    assert_eq!(
        property(&client, &vm, "runtime.host").await,
        Some(Value::ManagedObjectReference(place.host.clone()))
    );

    let devices = VirtualDeviceList::new(client.vm_devices(&vm).await.unwrap());
    let scsi: Vec<_> = devices
        .select_by_type("ParaVirtualSCSIController")
        .collect();
    assert_eq!(scsi.len(), 1, "{devices:#?}");
    let scsi = scsi[0];
    assert!(scsi.key > 0, "the server assigns a real key: {scsi:?}");
    let DeviceKind::ScsiController(controller) = &scsi.kind else {
        unreachable!()
    };
    assert_eq!(controller.controller.bus_number, 0);
    assert_eq!(controller.shared_bus, "noSharing");

    let disks: Vec<_> = devices.select_by_type("VirtualDisk").collect();
    assert_eq!(disks.len(), 2, "{devices:#?}");
    for (disk, (unit, kb, thin)) in disks
        .iter()
        .zip([(0, 1024 * 1024, true), (1, 2048 * 1024, false)])
    {
        assert_eq!(disk.controller_key, Some(scsi.key), "{disk:?}");
        assert_eq!(disk.unit_number, Some(unit), "{disk:?}");
        assert_eq!(disk.as_disk().unwrap().capacity_in_kb, kb);
        let Some(Backing::DiskFlatVer2(backing)) = &disk.backing else {
            panic!("disk backing: {disk:?}")
        };
        assert_eq!(backing.thin_provisioned, Some(thin));
        assert_eq!(backing.disk_mode, "persistent");
        assert!(
            backing.file_name.starts_with("[LocalDS_0] built/built"),
            "{backing:?}"
        );
        assert!(backing.datastore.is_some(), "{backing:?}");
    }
    assert_ne!(disk_file(disks[0]), disk_file(disks[1]));

    let nics: Vec<_> = devices.select_by_type("VirtualEthernetCard").collect();
    assert_eq!(nics.len(), 1, "{devices:#?}");
    assert_eq!(nics[0].type_name(), "VirtualVmxnet3");
    let card = nics[0].as_ethernet_card().unwrap();
    assert_eq!(card.address_type.as_deref(), Some("generated"));
    assert!(
        card.mac_address
            .as_deref()
            .is_some_and(|mac| mac.len() == 17)
    );
    let Some(Backing::Network(backing)) = &nics[0].backing else {
        panic!("nic backing: {:?}", nics[0])
    };
    assert_eq!(backing.device_name, "VM Network");
    assert_eq!(backing.network.as_ref(), Some(&place.network));
    assert_eq!(
        devices
            .find_by_key(nics[0].controller_key.unwrap())
            .map(VirtualDevice::type_name),
        Some("VirtualPCIController")
    );

    let cdroms: Vec<_> = devices.select_by_type("VirtualCdrom").collect();
    assert_eq!(cdroms.len(), 1, "{devices:#?}");
    assert_eq!(cdroms[0].controller_key, Some(200));
    assert_eq!(cdroms[0].unit_number, Some(0));
    assert_eq!(
        devices.find_by_key(200).map(VirtualDevice::type_name),
        Some("VirtualIDEController")
    );
    assert_eq!(
        cdroms[0].backing.as_ref().and_then(Backing::file_name),
        Some("[LocalDS_0] iso/boot.iso")
    );

    // The VM's networks and the summary counters agree.
    let networks = property(&client, &vm, "network").await.unwrap();
    assert_eq!(networks.as_mors(), Some(&[place.network.clone()][..]));
    assert_eq!(
        property(&client, &vm, "summary.config.numVirtualDisks").await,
        Some(Value::Int(2))
    );
}

#[tokio::test]
async fn reconfigure_cpu_memory_annotation_and_extra_config() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm = find(&client, "/DC0/vm/DC0_H0_VM0").await;
    let spec = VirtualMachineConfigSpec {
        num_cpus: Some(4),
        num_cores_per_socket: Some(2),
        memory_mb: Some(2048),
        annotation: Some("built by <photon> & co".into()),
        extra_config: vec![
            OptionValue::string("guestinfo.role", "web"),
            OptionValue::new("photon.count", OptionScalar::Int(3)),
        ],
        ..VirtualMachineConfigSpec::default()
    };
    client.reconfigure_vm(&vm, &spec).await.unwrap();

    assert_eq!(
        property(&client, &vm, "config.hardware.numCPU").await,
        Some(Value::Int(4))
    );
    assert_eq!(
        property(&client, &vm, "config.hardware.numCoresPerSocket").await,
        Some(Value::Int(2))
    );
    assert_eq!(
        property(&client, &vm, "config.hardware.memoryMB").await,
        Some(Value::Int(2048))
    );
    assert_eq!(
        property(&client, &vm, "config.annotation").await,
        Some(Value::String("built by <photon> & co".into()))
    );
    let extra =
        OptionValue::from_array(&property(&client, &vm, "config.extraConfig").await.unwrap())
            .unwrap();
    let get = |key: &str| {
        extra
            .iter()
            .find(|option| option.key == key)
            .map(|option| option.value.clone())
    };
    assert_eq!(
        get("guestinfo.role"),
        Some(OptionScalar::String("web".into()))
    );
    assert_eq!(get("photon.count"), Some(OptionScalar::Int(3)));
}

#[tokio::test]
async fn grow_a_disk_and_remove_the_nic() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let spec = config_with_devices("editable", &place.network);
    let vm = client
        .create_vm(&place.vm_folder, &place.pool, None, &spec)
        .await
        .unwrap();

    let devices = VirtualDeviceList::new(client.vm_devices(&vm).await.unwrap());
    let mut disk = devices
        .select_by_type("VirtualDisk")
        .next()
        .unwrap()
        .clone();
    let nic = devices
        .select_by_type("VirtualEthernetCard")
        .next()
        .unwrap()
        .clone();
    let (disk_key, disk_file_before) = (disk.key, disk_file(&disk).to_owned());
    disk.as_disk_mut().unwrap().capacity_in_kb = 4 * 1024 * 1024;
    disk.as_disk_mut().unwrap().capacity_in_bytes = None;
    client
        .reconfigure_vm(
            &vm,
            &VirtualMachineConfigSpec {
                device_change: vec![
                    VirtualDeviceConfigSpec::edit(disk),
                    VirtualDeviceConfigSpec::remove(nic.clone()),
                ],
                ..VirtualMachineConfigSpec::default()
            },
        )
        .await
        .unwrap();

    let after = VirtualDeviceList::new(client.vm_devices(&vm).await.unwrap());
    let grown = after.find_by_key(disk_key).unwrap();
    assert_eq!(grown.as_disk().unwrap().capacity_in_kb, 4 * 1024 * 1024);
    assert_eq!(
        disk_file(grown),
        disk_file_before,
        "same file after the edit"
    );
    assert_eq!(after.select_by_type("VirtualDisk").count(), 2);
    assert!(after.find_by_key(nic.key).is_none(), "{after:#?}");
    assert_eq!(after.select_by_type("VirtualEthernetCard").count(), 0);
    assert_eq!(
        property(&client, &vm, "summary.config.numEthernetCards").await,
        Some(Value::Int(0))
    );
}

#[tokio::test]
async fn clone_into_a_folder_then_power_on_and_resize() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let source = find(&client, "/DC0/vm/DC0_H0_VM0").await;
    let folder = client
        .create_folder(&place.vm_folder, "clones")
        .await
        .unwrap();
    let spec = VirtualMachineCloneSpec {
        location: VirtualMachineRelocateSpec {
            pool: Some(place.pool.clone()),
            ..VirtualMachineRelocateSpec::default()
        },
        config: Some(VirtualMachineConfigSpec {
            num_cpus: Some(2),
            extra_config: vec![OptionValue::string("photon.cloned", "yes")],
            ..VirtualMachineConfigSpec::default()
        }),
        power_on: true,
        ..VirtualMachineCloneSpec::default()
    };
    let clone = client
        .clone_vm(&source, &folder, "web-clone", &spec)
        .await
        .unwrap();
    assert_ne!(clone, source);
    assert_eq!(
        property(&client, &clone, "name").await,
        Some(Value::String("web-clone".into()))
    );
    assert_eq!(
        property(&client, &clone, "parent").await,
        Some(Value::ManagedObjectReference(folder.clone()))
    );
    assert_eq!(
        find(&client, "/DC0/vm/clones/web-clone").await,
        clone,
        "the clone is in the folder"
    );
    let extra = OptionValue::from_array(
        &property(&client, &clone, "config.extraConfig")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        extra.iter().any(|option| option.key == "photon.cloned"
            && option.value == OptionScalar::String("yes".into())),
        "{extra:?}"
    );
    // vcsim ignores spec.powerOn and spec.config.numCPUs on clone (real vCenter applies both);
    // what vcsim does is asserted so a change shows up, then the follow-up calls do the rest.
    assert_eq!(
        property(&client, &clone, "runtime.powerState").await,
        Some(Value::VirtualMachinePowerState("poweredOff".into()))
    );
    assert_eq!(
        property(&client, &clone, "config.hardware.numCPU").await,
        Some(Value::Int(1))
    );
    client
        .reconfigure_vm(
            &clone,
            &VirtualMachineConfigSpec {
                num_cpus: Some(2),
                ..VirtualMachineConfigSpec::default()
            },
        )
        .await
        .unwrap();
    client.power_on_vm(&clone).await.unwrap();
    assert_eq!(
        property(&client, &clone, "runtime.powerState").await,
        Some(Value::VirtualMachinePowerState("poweredOn".into()))
    );
    assert_eq!(
        property(&client, &clone, "config.hardware.numCPU").await,
        Some(Value::Int(2))
    );
    // The source keeps its name and CPU count.
    assert_eq!(
        property(&client, &source, "name").await,
        Some(Value::String("DC0_H0_VM0".into()))
    );
}

#[tokio::test]
async fn relocate_to_a_cluster_host_pool_and_folder() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm = find(&client, "/DC0/vm/DC0_H0_VM0").await;
    let host = find(&client, "/DC0/host/DC0_C0/DC0_C0_H1").await;
    let pool = find(&client, "/DC0/host/DC0_C0/Resources").await;
    let vm_folder = find(&client, "/DC0/vm").await;
    let folder = client.create_folder(&vm_folder, "moved").await.unwrap();
    assert_ne!(
        property(&client, &vm, "runtime.host").await,
        Some(Value::ManagedObjectReference(host.clone()))
    );
    client
        .relocate_vm(
            &vm,
            &VirtualMachineRelocateSpec {
                pool: Some(pool.clone()),
                host: Some(host.clone()),
                folder: Some(folder.clone()),
                ..VirtualMachineRelocateSpec::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        property(&client, &vm, "runtime.host").await,
        Some(Value::ManagedObjectReference(host))
    );
    assert_eq!(
        property(&client, &vm, "resourcePool").await,
        Some(Value::ManagedObjectReference(pool))
    );
    assert_eq!(
        property(&client, &vm, "parent").await,
        Some(Value::ManagedObjectReference(folder))
    );
    assert_eq!(find(&client, "/DC0/vm/moved/DC0_H0_VM0").await, vm);
}

#[tokio::test]
async fn create_fault_paths() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;

    // An unknown folder: the method's object does not exist.
    let missing_folder = ManagedObjectReference::new("Folder", "group-v404");
    let error = client
        .create_vm(&missing_folder, &place.pool, None, &config("nowhere"))
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(missing_folder)
        }
    );

    // Without files.vmPathName: InvalidVmConfig.
    let error = client
        .create_vm(
            &place.vm_folder,
            &place.pool,
            None,
            &VirtualMachineConfigSpec {
                files: None,
                ..config("no-files")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::Other("InvalidVmConfig".into())
    );

    // A disk to create without a unit number: InvalidDeviceSpec.
    let mut list = VirtualDeviceList::default();
    let scsi = list
        .add(
            VirtualDevice::scsi_controller(ScsiControllerType::LsiLogic, 0),
            None,
        )
        .unwrap();
    let mut disk = list
        .add(VirtualDevice::disk(1024, "", true), Some(scsi.key))
        .unwrap();
    disk.unit_number = None;
    let error = client
        .create_vm(
            &place.vm_folder,
            &place.pool,
            None,
            &VirtualMachineConfigSpec {
                device_change: vec![
                    VirtualDeviceConfigSpec::add(scsi),
                    VirtualDeviceConfigSpec::create(disk),
                ],
                ..config("bad-disk")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::Other("InvalidDeviceSpec".into())
    );
}

#[tokio::test]
async fn create_with_a_duplicate_name() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let first = client
        .create_vm(&place.vm_folder, &place.pool, None, &config("twin"))
        .await
        .unwrap();
    // vCenter answers DuplicateName; vcsim 0.24.2 does not check and creates a second VM with
    // the same name in a "twin (0)" directory. Asserted as is, so a vcsim upgrade shows up.
    let second = client
        .create_vm(&place.vm_folder, &place.pool, None, &config("twin"))
        .await
        .unwrap();
    assert_ne!(first, second);
    let mut twins: Vec<_> = vm_names(&client)
        .await
        .into_iter()
        .filter(|(name, _)| name == "twin")
        .map(|(_, vm)| vm)
        .collect();
    twins.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(twins, expected);
    assert_eq!(
        property(&client, &first, "config.files.vmPathName").await,
        Some(Value::String("[LocalDS_0] twin/twin.vmx".into()))
    );
    assert_eq!(
        property(&client, &second, "config.files.vmPathName").await,
        Some(Value::String("[LocalDS_0] twin (0)/twin.vmx".into()))
    );

    // Where vcsim does check names (a folder), the fault comes through typed.
    client
        .create_folder(&place.vm_folder, "team")
        .await
        .unwrap();
    let error = client
        .create_folder(&place.vm_folder, "team")
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::DuplicateName { name: Some(name), .. } if name == "team"),
        "{error:?}"
    );
}

#[tokio::test]
async fn clone_and_reconfigure_fault_paths() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;

    // Cloning an unknown VM.
    let missing_vm = ManagedObjectReference::new("VirtualMachine", "vm-404");
    let error = client
        .clone_vm(
            &missing_vm,
            &place.vm_folder,
            "ghost",
            &VirtualMachineCloneSpec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(missing_vm)
        }
    );

    // Reconfiguring a destroyed VM.
    let vm = client
        .create_vm(&place.vm_folder, &place.pool, None, &config("short-lived"))
        .await
        .unwrap();
    client.destroy(&vm).await.unwrap();
    let error = client
        .reconfigure_vm(
            &vm,
            &VirtualMachineConfigSpec {
                num_cpus: Some(2),
                ..VirtualMachineConfigSpec::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound { obj: Some(vm) }
    );
}

#[tokio::test]
async fn create_on_an_unknown_datastore_kills_the_request_on_vcsim() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let error = client
        .create_vm(
            &place.vm_folder,
            &place.pool,
            None,
            &VirtualMachineConfigSpec {
                files: Some(VirtualMachineFileInfo::at("[NoSuchDS]")),
                ..config("lost")
            },
        )
        .await
        .unwrap_err();
    // vCenter faults (InvalidDatastore / FileNotFound); vcsim 0.24.2's handler panics and
    // closes the connection, which the client surfaces as a transport error, not a hang.
    assert!(matches!(error, Error::Send { .. }), "{error:?}");
    // The client still works afterwards.
    assert!(property(&client, &place.vm_folder, "name").await.is_some());
}

#[tokio::test]
async fn unknown_pool_or_folder_parameters_crash_vcsim_handlers() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let place = place(&client).await;
    let source = find(&client, "/DC0/vm/DC0_H0_VM1").await;
    let bad_pool = ManagedObjectReference::new("ResourcePool", "resgroup-404");
    let bad_folder = ManagedObjectReference::new("Folder", "group-v404");
    // vCenter answers ManagedObjectNotFound for an unknown moref in a parameter; vcsim 0.24.2
    // only checks `_this` and its handlers panic on these, closing the connection. The client
    // must report that as a transport error (never retried: the calls are not idempotent).
    let outcomes = [
        client
            .create_vm(&place.vm_folder, &bad_pool, Some(&place.host), &config("p"))
            .await
            .map(drop),
        client
            .clone_vm(
                &source,
                &bad_folder,
                "c",
                &VirtualMachineCloneSpec::default(),
            )
            .await
            .map(drop),
        client
            .relocate_vm(
                &source,
                &VirtualMachineRelocateSpec {
                    pool: Some(bad_pool.clone()),
                    ..VirtualMachineRelocateSpec::default()
                },
            )
            .await,
    ];
    for outcome in outcomes {
        let error = outcome.unwrap_err();
        assert!(
            matches!(error, Error::Send { attempts: 1, .. }),
            "{error:?}"
        );
    }
    // The session survives.
    assert_eq!(
        property(&client, &source, "name").await,
        Some(Value::String("DC0_H0_VM1".into()))
    );
}
