use super::*;

/// `config.hardware.device` of vcsim's `DC0_H0_VM0`, as `Client::retrieve_objects` hands it
/// over (normalised `<val>`), captured from govmomi 0.24.2 vcsim.
const VCSIM_DEVICES: &str = include_str!("vcsim_devices.xml");

/// Serialises `value` as the element `root`.
fn xml<T: Serialize>(root: &str, value: &T) -> String {
    let mut out = String::new();
    value
        .serialize(quick_xml::se::Serializer::with_root(&mut out, Some(root)).unwrap())
        .unwrap();
    out
}

/// Asserts that the elements `names` appear in `xml` in this order.
fn assert_order(xml: &str, names: &[&str]) {
    let mut last = 0;
    for name in names {
        let at = xml
            .find(&format!("<{name}>"))
            .or_else(|| xml.find(&format!("<{name} ")))
            .or_else(|| xml.find(&format!("<{name}/>")))
            .unwrap_or_else(|| panic!("<{name}> missing from {xml}"));
        assert!(at >= last, "<{name}> out of WSDL order in {xml}");
        last = at;
    }
}

#[test]
fn a_disk_add_carries_xsi_types_on_spec_device_and_backing() {
    let mut disk = VirtualDevice::disk(2048, "", true);
    disk.key = -202;
    disk.controller_key = Some(-201);
    disk.unit_number = Some(0);
    assert_eq!(
        xml("deviceChange", &VirtualDeviceConfigSpec::create(disk)),
        concat!(
            r#"<deviceChange xsi:type="VirtualDeviceConfigSpec"><operation>add</operation>"#,
            "<fileOperation>create</fileOperation>",
            r#"<device xsi:type="VirtualDisk"><key>-202</key>"#,
            r#"<backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName/>"#,
            "<diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing>",
            "<controllerKey>-201</controllerKey><unitNumber>0</unitNumber>",
            "<capacityInKB>2048</capacityInKB></device></deviceChange>"
        )
    );
}

#[test]
fn nic_cdrom_and_controller_encodings() {
    let network = ManagedObjectReference::new("Network", "network-7");
    let mut nic = VirtualDevice::ethernet_card(
        EthernetCardType::Vmxnet3,
        Backing::network("VM Network", Some(network)),
    );
    nic.key = -203;
    assert_eq!(
        xml("device", &nic),
        concat!(
            r#"<device xsi:type="VirtualVmxnet3"><key>-203</key>"#,
            r#"<backing xsi:type="VirtualEthernetCardNetworkBackingInfo">"#,
            "<deviceName>VM Network</deviceName><useAutoDetect>false</useAutoDetect>",
            r#"<network type="Network">network-7</network></backing>"#,
            "<connectable><startConnected>true</startConnected>",
            "<allowGuestControl>false</allowGuestControl><connected>true</connected>",
            "</connectable><addressType>generated</addressType></device>"
        )
    );

    let dvs = VirtualDevice::ethernet_card(
        EthernetCardType::E1000e,
        Backing::distributed_port("fe a9", "dvportgroup-13"),
    );
    let encoded = xml("device", &dvs);
    assert!(
        encoded.contains(concat!(
            r#"<backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo">"#,
            "<port><switchUuid>fe a9</switchUuid><portgroupKey>dvportgroup-13</portgroupKey>",
            "</port></backing>"
        )),
        "{encoded}"
    );
    assert!(encoded.starts_with(r#"<device xsi:type="VirtualE1000e">"#));

    let mut cdrom = VirtualDevice::cdrom(Backing::iso("[LocalDS_0] a&b.iso"));
    cdrom.device_info = Some(Description {
        label: "CD/DVD drive 1".into(),
        summary: String::new(),
    });
    let encoded = xml("device", &cdrom);
    assert!(
        encoded.contains(concat!(
            r#"<deviceInfo xsi:type="Description"><label>CD/DVD drive 1</label><summary/>"#,
            r#"</deviceInfo><backing xsi:type="VirtualCdromIsoBackingInfo">"#,
            "<fileName>[LocalDS_0] a&amp;b.iso</fileName></backing>"
        )),
        "{encoded}"
    );

    let scsi = VirtualDevice::scsi_controller(ScsiControllerType::LsiLogicSas, 1);
    assert_eq!(
        xml("device", &scsi),
        concat!(
            r#"<device xsi:type="VirtualLsiLogicSASController"><key>0</key>"#,
            "<busNumber>1</busNumber><hotAddRemove>true</hotAddRemove>",
            "<sharedBus>noSharing</sharedBus><scsiCtlrUnitNumber>7</scsiCtlrUnitNumber></device>"
        )
    );
}

#[test]
fn config_spec_fields_follow_the_wsdl_order() {
    let spec = VirtualMachineConfigSpec {
        name: Some("vm".into()),
        version: Some("vmx-13".into()),
        uuid: Some("u".into()),
        instance_uuid: Some("i".into()),
        guest_id: Some("otherGuest".into()),
        annotation: Some(String::new()),
        files: Some(VirtualMachineFileInfo::at("[ds]")),
        num_cpus: Some(2),
        num_cores_per_socket: Some(1),
        memory_mb: Some(128),
        memory_hot_add_enabled: Some(true),
        cpu_hot_add_enabled: Some(false),
        cpu_hot_remove_enabled: Some(false),
        device_change: vec![VirtualDeviceConfigSpec::add(VirtualDevice::new(
            DeviceKind::Cdrom,
        ))],
        extra_config: vec![OptionValue::string("k", "v & w")],
        change_tracking_enabled: Some(true),
        firmware: Some("efi".into()),
        nested_hv_enabled: Some(true),
    };
    let encoded = xml("spec", &spec);
    assert_order(
        &encoded,
        &[
            "name",
            "version",
            "uuid",
            "instanceUuid",
            "guestId",
            "annotation",
            "files",
            "numCPUs",
            "numCoresPerSocket",
            "memoryMB",
            "memoryHotAddEnabled",
            "cpuHotAddEnabled",
            "cpuHotRemoveEnabled",
            "deviceChange",
            "extraConfig",
            "changeTrackingEnabled",
            "firmware",
            "nestedHVEnabled",
        ],
    );
    assert!(encoded.contains("<annotation/>"), "clearing sends it empty");
    assert!(
        encoded.contains(concat!(
            r#"<extraConfig xsi:type="OptionValue"><key>k</key>"#,
            r#"<value xsi:type="xsd:string">v &amp; w</value></extraConfig>"#
        )),
        "{encoded}"
    );
    assert_eq!(
        xml(
            "spec",
            &VirtualMachineConfigSpec {
                extra_config: vec![
                    OptionValue::new("n", OptionScalar::Int(3)),
                    OptionValue::new("b", OptionScalar::Bool(false)),
                ],
                ..VirtualMachineConfigSpec::default()
            }
        ),
        concat!(
            r#"<spec><extraConfig xsi:type="OptionValue"><key>n</key>"#,
            r#"<value xsi:type="xsd:int">3</value></extraConfig>"#,
            r#"<extraConfig xsi:type="OptionValue"><key>b</key>"#,
            r#"<value xsi:type="xsd:boolean">false</value></extraConfig></spec>"#
        )
    );
    assert_eq!(xml("spec", &VirtualMachineConfigSpec::default()), "<spec/>");
}

#[test]
fn clone_and_relocate_specs_follow_the_wsdl_order() {
    let ds = ManagedObjectReference::new("Datastore", "datastore-1");
    let spec = VirtualMachineCloneSpec {
        location: VirtualMachineRelocateSpec {
            folder: Some(ManagedObjectReference::new("Folder", "group-v3")),
            datastore: Some(ds.clone()),
            pool: Some(ManagedObjectReference::new("ResourcePool", "resgroup-1")),
            host: Some(ManagedObjectReference::new("HostSystem", "host-1")),
            disk: vec![DiskLocator {
                disk_id: 2000,
                datastore: ds,
                disk_move_type: None,
            }],
            ..VirtualMachineRelocateSpec::default()
        },
        config: Some(VirtualMachineConfigSpec {
            num_cpus: Some(2),
            ..VirtualMachineConfigSpec::default()
        }),
        power_on: true,
        ..VirtualMachineCloneSpec::default()
    }
    .linked_to(ManagedObjectReference::new(
        "VirtualMachineSnapshot",
        "snapshot-1",
    ));
    let encoded = xml("spec", &spec);
    assert_order(
        &encoded,
        &[
            "location",
            "folder",
            "datastore",
            "diskMoveType",
            "pool",
            "host",
            "disk",
            "diskId",
            "template",
            "config",
            "powerOn",
            "snapshot",
        ],
    );
    assert!(encoded.contains("<diskMoveType>createNewChildDiskBacking</diskMoveType>"));
    assert!(
        encoded.contains("<template>false</template>"),
        "required bool is always sent"
    );
    assert!(encoded.contains("<powerOn>true</powerOn>"));
    assert_eq!(
        xml("spec", &VirtualMachineCloneSpec::default()),
        "<spec><location/><template>false</template><powerOn>false</powerOn></spec>"
    );
}

fn scsi_with_units(units: &[i32]) -> VirtualDeviceList {
    let mut scsi = VirtualDevice::scsi_controller(ScsiControllerType::ParaVirtual, 0);
    scsi.key = 1000;
    let mut devices = vec![scsi];
    for (index, unit) in units.iter().enumerate() {
        let mut disk = VirtualDevice::disk(1, "", true);
        disk.key = 2000 + i32::try_from(index).unwrap();
        disk.controller_key = Some(1000);
        disk.unit_number = Some(*unit);
        devices.push(disk);
    }
    VirtualDeviceList::new(devices)
}

#[test]
fn scsi_unit_numbers_skip_the_controller_unit_7() {
    let list = scsi_with_units(&[0, 1, 2, 3, 4, 5, 6]);
    let controller = list.find_by_key(1000).unwrap();
    assert_eq!(list.next_unit_number(controller), Ok(8));
    let list = scsi_with_units(&[0, 2]);
    assert_eq!(
        list.next_unit_number(list.find_by_key(1000).unwrap()),
        Ok(1)
    );

    let full: Vec<i32> = (0..16).filter(|unit| *unit != 7).collect();
    let mut list = scsi_with_units(&full);
    assert_eq!(
        list.next_unit_number(list.find_by_key(1000).unwrap()),
        Err(DeviceListError::NoFreeUnit(1000))
    );
    assert!(list.pick_controller(ControllerFamily::Scsi).is_none());
    assert_eq!(
        list.add(VirtualDevice::disk(1, "", true), Some(1000)),
        Err(DeviceListError::NoFreeUnit(1000))
    );
    // Removing a disk frees its unit.
    list.forget(2003);
    assert_eq!(
        list.add(VirtualDevice::disk(1, "", true), Some(1000))
            .unwrap()
            .unit_number,
        Some(3)
    );
}

#[test]
fn keys_and_units_of_new_devices_and_other_controllers() {
    let mut list = VirtualDeviceList::new(devices_from_xml(VCSIM_DEVICES).unwrap());
    // Negative keys below -200, decreasing.
    assert_eq!(list.new_key(), -201);
    let scsi = list
        .add(
            VirtualDevice::scsi_controller(ScsiControllerType::LsiLogic, 1),
            None,
        )
        .unwrap();
    assert_eq!(scsi.key, -201);
    let first = list
        .add(VirtualDevice::disk(1, "", true), Some(scsi.key))
        .unwrap();
    let second = list
        .add(VirtualDevice::disk(1, "", true), Some(scsi.key))
        .unwrap();
    assert_eq!((first.key, first.unit_number), (-202, Some(0)));
    assert_eq!((second.key, second.unit_number), (-203, Some(1)));
    assert_eq!(first.controller_key, Some(-201));

    // IDE: two units per controller; vcsim's IDE 0 (key 200) is empty.
    let ide = list.pick_controller(ControllerFamily::Ide).unwrap().key;
    assert_eq!(ide, 200);
    list.add(VirtualDevice::cdrom(Backing::iso("a")), Some(200))
        .unwrap();
    list.add(VirtualDevice::cdrom(Backing::iso("b")), Some(200))
        .unwrap();
    assert_eq!(
        list.add(VirtualDevice::cdrom(Backing::iso("c")), Some(200)),
        Err(DeviceListError::NoFreeUnit(200))
    );
    assert_eq!(
        list.pick_controller(ControllerFamily::Ide).unwrap().key,
        201
    );

    // SATA: 30 units.
    let mut sata = VirtualDevice::new(DeviceKind::SataController(SataController {
        ahci: true,
        controller: Controller::default(),
    }));
    sata.key = 15000;
    let mut list = VirtualDeviceList::new(vec![sata]);
    for unit in 0..30 {
        let added = list
            .add(VirtualDevice::cdrom(Backing::iso("x")), Some(15000))
            .unwrap();
        assert_eq!(added.unit_number, Some(unit));
    }
    assert!(
        list.add(VirtualDevice::cdrom(Backing::iso("x")), Some(15000))
            .is_err()
    );

    // Not a controller, or no such key.
    assert_eq!(
        list.add(VirtualDevice::cdrom(Backing::iso("x")), Some(-1000)),
        Err(DeviceListError::ControllerNotFound(-1000))
    );
    let first_cdrom = list.devices()[1].key;
    assert_eq!(
        list.add(VirtualDevice::cdrom(Backing::iso("x")), Some(first_cdrom)),
        Err(DeviceListError::NotAController(first_cdrom))
    );
}

#[test]
fn decodes_vcsim_devices_by_xsi_type() {
    let devices = devices_from_value(&Value::Other {
        type_name: "ArrayOfVirtualDevice".into(),
        xml: VCSIM_DEVICES.into(),
    })
    .unwrap();
    let types: Vec<&str> = devices.iter().map(VirtualDevice::type_name).collect();
    assert_eq!(
        types,
        [
            "VirtualIDEController",
            "VirtualIDEController",
            "VirtualPS2Controller",
            "VirtualPCIController",
            "VirtualSIOController",
            "VirtualKeyboard",
            "VirtualPointingDevice",
            "VirtualMachineVideoCard",
            "VirtualMachineVMCIDevice",
            "ParaVirtualSCSIController",
            "VirtualCdrom",
            "VirtualDisk",
            "VirtualE1000",
        ]
    );
    let list = VirtualDeviceList::new(devices);

    // An unknown type is kept whole, fields and all.
    let video = list.find_by_key(500).unwrap();
    let DeviceKind::Other {
        type_name,
        xml: kept,
    } = &video.kind
    else {
        panic!("{video:?}")
    };
    assert_eq!(type_name, "VirtualMachineVideoCard");
    assert!(
        kept.contains("<videoRamSizeInKB>4096</videoRamSizeInKB>"),
        "{kept}"
    );
    assert_eq!(video.controller_key, Some(100));
    assert_eq!(video.unit_number, Some(0));
    assert_eq!(video.label(), Some("Video card "));

    let pci = list.find_by_key(100).unwrap();
    assert_eq!(pci.as_controller().unwrap().device, [500, 12000]);

    let scsi = list.find_by_key(202).unwrap();
    let DeviceKind::ScsiController(controller) = &scsi.kind else {
        panic!("{scsi:?}")
    };
    assert_eq!(controller.model, ScsiControllerType::ParaVirtual);
    assert_eq!(controller.scsi_ctlr_unit_number, Some(7));
    assert_eq!(controller.shared_bus, "noSharing");

    let disk = list.find_by_label("disk-202-0").unwrap();
    assert_eq!(disk.as_disk().unwrap().capacity_in_kb, 1024);
    assert_eq!(
        (disk.controller_key, disk.unit_number),
        (Some(202), Some(0))
    );
    let Some(Backing::DiskFlatVer2(backing)) = &disk.backing else {
        panic!("{disk:?}")
    };
    assert_eq!(backing.file_name, "[LocalDS_0] DC0_H0_VM0/disk1.vmdk");
    assert_eq!(backing.thin_provisioned, Some(true));
    assert_eq!(backing.datastore.as_ref().unwrap().kind, "Datastore");
    assert!(
        backing
            .datastore
            .as_ref()
            .unwrap()
            .value
            .ends_with("@folder-5")
    );

    // The CD-ROM's ATAPI backing is not modelled: kept as Other, left out on encoding.
    let cdrom = list.select_by_type("VirtualCdrom").next().unwrap();
    let Some(Backing::Other { type_name, .. }) = &cdrom.backing else {
        panic!("{cdrom:?}")
    };
    assert_eq!(type_name, "VirtualCdromAtapiBackingInfo");
    assert!(cdrom.connectable.as_ref().unwrap().allow_guest_control);
    assert!(!xml("device", cdrom).contains("<backing"));

    let nic = list.select_by_type("VirtualEthernetCard").next().unwrap();
    let card = nic.as_ethernet_card().unwrap();
    assert_eq!(card.model, EthernetCardType::E1000);
    assert_eq!(card.mac_address.as_deref(), Some("00:0c:29:36:63:62"));
    assert_eq!(card.wake_on_lan_enabled, Some(true));
    let Some(Backing::DistributedPort(port)) = &nic.backing else {
        panic!("{nic:?}")
    };
    assert_eq!(port.switch_uuid, "fea97929-4b2d-5972-b146-930c6d0b4014");
    assert_eq!(port.portgroup_key.as_deref(), Some("dvportgroup-13"));
    assert_eq!(
        nic.connectable.as_ref().unwrap().status.as_deref(),
        Some("untried")
    );

    // Re-encoding a read disk (to edit it) keeps what identifies it.
    let encoded = xml(
        "device",
        &VirtualDeviceConfigSpec::edit(disk.clone()).device,
    );
    assert!(encoded.starts_with(r#"<device xsi:type="VirtualDisk"><key>255511522</key>"#));
    assert!(encoded.contains(r#"<deviceInfo xsi:type="Description"><label>disk-202-0</label>"#));
    assert!(encoded.contains("<fileName>[LocalDS_0] DC0_H0_VM0/disk1.vmdk</fileName>"));
    assert!(encoded.contains(r#"<datastore type="Datastore">"#));
    assert!(
        encoded.ends_with("<capacityInKB>1024</capacityInKB></device>"),
        "{encoded}"
    );
    // A decoded-then-encoded-then-decoded device is the same device.
    let again = devices_from_xml(&format!(
        "<val>{}</val>",
        encoded
            .replace("<device ", "<VirtualDevice ")
            .replace("</device>", "</VirtualDevice>")
    ))
    .unwrap();
    assert_eq!(&again[0], disk);
}

#[test]
fn decoding_rejects_other_values_and_reads_option_arrays() {
    assert!(devices_from_value(&Value::String("x".into())).is_err());
    assert_eq!(
        devices_from_value(&Value::Other {
            type_name: String::new(),
            xml: String::new()
        }),
        Ok(Vec::new())
    );
    let options = OptionValue::from_array(&Value::Other {
        type_name: "ArrayOfOptionValue".into(),
        xml: concat!(
            r#"<val xsi:type="ArrayOfOptionValue"><OptionValue xsi:type="OptionValue">"#,
            r#"<key>govcsim</key><value xsi:type="xsd:string">TRUE</value></OptionValue>"#,
            r#"<OptionValue xsi:type="OptionValue"><key>n</key><value xsi:type="xsd:int">4</value>"#,
            "</OptionValue></val>"
        )
        .into(),
    })
    .unwrap();
    assert_eq!(
        options,
        [
            OptionValue::string("govcsim", "TRUE"),
            OptionValue::new("n", OptionScalar::Int(4))
        ]
    );
}
