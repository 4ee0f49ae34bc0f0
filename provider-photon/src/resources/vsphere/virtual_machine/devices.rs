//! Translation between Terraform's `disk`, `network_interface` and `cdrom` blocks and vSphere
//! devices: what a VM has ([`ObservedDevices`]), and the device changes that turn it into what
//! the configuration asks for ([`reconcile`]).

use std::collections::{BTreeMap, HashSet};

use vim::ManagedObjectReference;
use vim::spec::{
    Backing, DeviceKind, EthernetCardType, FileBacking, ScsiControllerType, VirtualDevice,
    VirtualDeviceConfigSpec, VirtualDeviceList,
};

/// KiB per GB (vSphere's GB are GiB).
pub(crate) const KB_PER_GB: i64 = 1024 * 1024;

/// The Terraform name of a SCSI controller model.
pub(crate) fn scsi_type_name(model: ScsiControllerType) -> &'static str {
    match model {
        ScsiControllerType::ParaVirtual => "pvscsi",
        ScsiControllerType::LsiLogic => "lsilogic",
        ScsiControllerType::LsiLogicSas => "lsilogic-sas",
        ScsiControllerType::BusLogic => "buslogic",
    }
}

/// The SCSI controller model for a Terraform `scsi_type`.
pub(crate) fn scsi_model(name: &str) -> ScsiControllerType {
    match name {
        "lsilogic" => ScsiControllerType::LsiLogic,
        "lsilogic-sas" => ScsiControllerType::LsiLogicSas,
        _ => ScsiControllerType::ParaVirtual,
    }
}

/// The Terraform name of an adapter model.
pub(crate) fn adapter_type_name(model: EthernetCardType) -> &'static str {
    match model {
        EthernetCardType::Vmxnet3 => "vmxnet3",
        EthernetCardType::E1000 => "e1000",
        EthernetCardType::E1000e => "e1000e",
        EthernetCardType::Vmxnet2 => "vmxnet2",
        EthernetCardType::PcNet32 => "pcnet32",
    }
}

/// The adapter model for a Terraform `adapter_type`.
pub(crate) fn adapter_model(name: &str) -> EthernetCardType {
    match name {
        "e1000" => EthernetCardType::E1000,
        "e1000e" => EthernetCardType::E1000e,
        _ => EthernetCardType::Vmxnet3,
    }
}

/// A disk as vSphere reports it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ObservedDisk {
    pub(crate) key: i32,
    /// `bus * 16 + unit` (the unit itself on bus 0).
    pub(crate) unit_number: i64,
    pub(crate) capacity_kb: i64,
    pub(crate) thin_provisioned: bool,
    pub(crate) uuid: String,
    pub(crate) path: String,
    pub(crate) device: VirtualDevice,
}

impl ObservedDisk {
    /// The size in whole GB (rounded down, as `vsphere_virtual_machine` reports it).
    pub(crate) fn size_gb(&self) -> i64 {
        self.capacity_kb / KB_PER_GB
    }
}

/// A network adapter as vSphere reports it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ObservedNic {
    pub(crate) key: i32,
    pub(crate) network_id: String,
    pub(crate) adapter_type: String,
    pub(crate) mac_address: String,
    pub(crate) device: VirtualDevice,
}

/// A CD-ROM drive as vSphere reports it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ObservedCdrom {
    /// The ISO's datastore, when the backing is an ISO that names it.
    pub(crate) datastore_id: Option<String>,
    /// The ISO's path on the datastore (after `[ds] `), empty for other backings.
    pub(crate) path: String,
    /// Whether the drive is backed by an ISO image.
    pub(crate) iso: bool,
    pub(crate) device: VirtualDevice,
}

/// The devices Terraform manages, from `config.hardware.device`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedDevices {
    /// Disks on SCSI controllers, by bus then unit.
    pub(crate) disks: Vec<ObservedDisk>,
    /// Network adapters, by PCI unit then key.
    pub(crate) nics: Vec<ObservedNic>,
    /// CD-ROM drives.
    pub(crate) cdroms: Vec<ObservedCdrom>,
    /// The model of the first SCSI controller (bus 0 first).
    pub(crate) scsi_type: Option<ScsiControllerType>,
    /// Every device, for numbering new ones.
    pub(crate) all: Vec<VirtualDevice>,
}

/// `[LocalDS_0] a/b.iso` → `a/b.iso`.
pub(crate) fn path_in_datastore(file_name: &str) -> &str {
    match file_name.find(']') {
        Some(end) => file_name[end + 1..].trim_start(),
        None => file_name,
    }
}

impl ObservedDevices {
    /// Sorts the managed devices out of a VM's device list.
    pub(crate) fn from_devices(devices: Vec<VirtualDevice>) -> Self {
        let mut buses: BTreeMap<i32, (i32, ScsiControllerType)> = BTreeMap::new();
        for device in &devices {
            if let DeviceKind::ScsiController(scsi) = &device.kind {
                buses.insert(device.key, (scsi.controller.bus_number, scsi.model));
            }
        }
        let scsi_type = buses
            .values()
            .min_by_key(|(bus, _)| *bus)
            .map(|(_, model)| *model);
        let mut disks = Vec::new();
        let mut nics = Vec::new();
        let mut cdroms = Vec::new();
        for device in &devices {
            match &device.kind {
                DeviceKind::Disk(disk) => {
                    let Some((bus, _)) = device.controller_key.and_then(|key| buses.get(&key))
                    else {
                        continue;
                    };
                    let backing = match &device.backing {
                        Some(Backing::DiskFlatVer2(backing)) => Some(backing),
                        _ => None,
                    };
                    let capacity_kb = match disk.capacity_in_bytes {
                        Some(bytes) if bytes > 0 => bytes / 1024,
                        _ => disk.capacity_in_kb,
                    };
                    disks.push(ObservedDisk {
                        key: device.key,
                        unit_number: i64::from(*bus) * 16
                            + i64::from(device.unit_number.unwrap_or_default()),
                        capacity_kb,
                        thin_provisioned: backing
                            .and_then(|backing| backing.thin_provisioned)
                            .unwrap_or(false),
                        uuid: backing
                            .and_then(|backing| backing.uuid.clone())
                            .unwrap_or_default(),
                        path: backing
                            .map(|backing| backing.file_name.clone())
                            .unwrap_or_default(),
                        device: device.clone(),
                    });
                }
                DeviceKind::EthernetCard(card) => {
                    let network_id = match &device.backing {
                        Some(Backing::Network(backing)) => backing
                            .network
                            .as_ref()
                            .map(|network| network.value.clone())
                            .unwrap_or_default(),
                        Some(Backing::DistributedPort(port)) => {
                            port.portgroup_key.clone().unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    nics.push(ObservedNic {
                        key: device.key,
                        network_id,
                        adapter_type: adapter_type_name(card.model).to_owned(),
                        mac_address: card.mac_address.clone().unwrap_or_default(),
                        device: device.clone(),
                    });
                }
                DeviceKind::Cdrom => {
                    let (datastore_id, path, iso) = match &device.backing {
                        Some(Backing::CdromIso(iso)) => (
                            iso.datastore.as_ref().map(|ds| ds.value.clone()),
                            path_in_datastore(&iso.file_name).to_owned(),
                            true,
                        ),
                        _ => (None, String::new(), false),
                    };
                    cdroms.push(ObservedCdrom {
                        datastore_id,
                        path,
                        iso,
                        device: device.clone(),
                    });
                }
                _ => {}
            }
        }
        disks.sort_by_key(|disk| (disk.unit_number, disk.key));
        nics.sort_by_key(|nic| (nic.device.unit_number.unwrap_or(i32::MAX), nic.key));
        Self {
            disks,
            nics,
            cdroms,
            scsi_type,
            all: devices,
        }
    }

    /// The SCSI controller on bus 0, if any.
    fn scsi_controller(&self) -> Option<&VirtualDevice> {
        self.all.iter().find(|device| {
            matches!(&device.kind, DeviceKind::ScsiController(scsi) if scsi.controller.bus_number == 0)
        })
    }

    fn pci_controller_key(&self) -> Option<i32> {
        self.all
            .iter()
            .find(|device| matches!(device.kind, DeviceKind::PciController(_)))
            .map(|device| device.key)
    }

    fn ide_controller_key(&self) -> Option<i32> {
        self.all
            .iter()
            .filter(|device| matches!(device.kind, DeviceKind::IdeController(_)))
            .find(|controller| {
                self.all
                    .iter()
                    .filter(|device| device.controller_key == Some(controller.key))
                    .count()
                    < 2
            })
            .map(|device| device.key)
    }
}

/// A disk the configuration wants.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WantedDisk {
    pub(crate) label: String,
    pub(crate) size_gb: i64,
    /// `None`: keep what the disk has (a cloned disk), `true` for a new one.
    pub(crate) thin_provisioned: Option<bool>,
    /// The planned unit; `None` lets the next free unit be used.
    pub(crate) unit_number: Option<i64>,
    /// The key of the existing disk it is (from the plan), `None` for a new disk.
    pub(crate) key: Option<i32>,
}

/// A network adapter the configuration wants.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WantedNic {
    pub(crate) network_id: String,
    pub(crate) adapter_type: String,
}

/// A network to connect an adapter to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NetworkTarget {
    /// A standard port group: its name and object.
    Standard {
        name: String,
        moref: ManagedObjectReference,
    },
    /// A distributed port group: its switch's UUID and its key.
    Distributed {
        switch_uuid: String,
        portgroup_key: String,
    },
}

impl NetworkTarget {
    fn backing(&self) -> Backing {
        match self {
            NetworkTarget::Standard { name, moref } => {
                Backing::network(name.clone(), Some(moref.clone()))
            }
            NetworkTarget::Distributed {
                switch_uuid,
                portgroup_key,
            } => Backing::distributed_port(switch_uuid.clone(), portgroup_key.clone()),
        }
    }
}

/// An ISO the configuration wants in the CD-ROM drive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WantedCdrom {
    pub(crate) datastore: ManagedObjectReference,
    pub(crate) datastore_name: String,
    pub(crate) path: String,
}

impl WantedCdrom {
    fn backing(&self) -> Backing {
        Backing::CdromIso(FileBacking {
            file_name: format!("[{}] {}", self.datastore_name, self.path),
            datastore: Some(self.datastore.clone()),
        })
    }
}

/// What the configuration wants, resolved against the inventory.
#[derive(Clone, Debug)]
pub(crate) struct WantedDevices<'a> {
    pub(crate) disks: &'a [WantedDisk],
    pub(crate) nics: &'a [WantedNic],
    pub(crate) networks: &'a BTreeMap<String, NetworkTarget>,
    pub(crate) cdrom: Option<&'a WantedCdrom>,
    pub(crate) scsi_type: ScsiControllerType,
}

/// Why the devices cannot be reconciled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceProblem {
    /// The attribute path, e.g. `disk.1.size`.
    pub(crate) path: Vec<PathPart>,
    pub(crate) message: String,
}

/// One step of a [`DeviceProblem`] path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathPart {
    Attr(&'static str),
    Index(usize),
}

/// The device changes that turn `observed` into `wanted`, removals first, then edits, then
/// additions (a new SCSI controller before the disks on it). New disks get their planned unit
/// (or the next free one); the units handed out are returned by label.
pub(crate) fn reconcile(
    observed: &ObservedDevices,
    wanted: &WantedDevices<'_>,
) -> Result<(Vec<VirtualDeviceConfigSpec>, BTreeMap<String, i64>), DeviceProblem> {
    let mut list = VirtualDeviceList::new(observed.all.clone());
    let mut removals = Vec::new();
    let mut edits = Vec::new();
    let mut additions = Vec::new();
    let mut units = BTreeMap::new();

    // Disks: by key; unmatched observed disks go, disks without a key are new.
    let kept: HashSet<i32> = wanted.disks.iter().filter_map(|disk| disk.key).collect();
    for disk in &observed.disks {
        if !kept.contains(&disk.key) {
            removals.push(VirtualDeviceConfigSpec::destroy(disk.device.clone()));
            list.forget(disk.key);
        }
    }
    let problem = |index: usize, attribute: &'static str, message: String| DeviceProblem {
        path: vec![
            PathPart::Attr("disk"),
            PathPart::Index(index),
            PathPart::Attr(attribute),
        ],
        message,
    };
    for (index, disk) in wanted.disks.iter().enumerate() {
        let Some(key) = disk.key else { continue };
        let Some(current) = observed.disks.iter().find(|current| current.key == key) else {
            return Err(problem(
                index,
                "label",
                format!(
                    "disk {:?} (device key {key}) is no longer on the VM; refresh the state",
                    disk.label
                ),
            ));
        };
        units.insert(disk.label.clone(), current.unit_number);
        let wanted_kb = disk.size_gb * KB_PER_GB;
        if wanted_kb < current.capacity_kb {
            return Err(problem(
                index,
                "size",
                format!(
                    "disk {:?} is {} KB; a disk cannot shrink to {} GB",
                    disk.label, current.capacity_kb, disk.size_gb
                ),
            ));
        }
        if wanted_kb > current.capacity_kb {
            let mut device = current.device.clone();
            if let Some(fields) = device.as_disk_mut() {
                fields.capacity_in_kb = wanted_kb;
                fields.capacity_in_bytes = Some(wanted_kb * 1024);
            }
            edits.push(VirtualDeviceConfigSpec::edit(device));
        }
    }
    let new_disks: Vec<(usize, &WantedDisk)> = wanted
        .disks
        .iter()
        .enumerate()
        .filter(|(_, disk)| disk.key.is_none())
        .collect();
    if !new_disks.is_empty() {
        let controller_key = match observed.scsi_controller() {
            Some(controller) => controller.key,
            None => {
                let controller = list
                    .add(VirtualDevice::scsi_controller(wanted.scsi_type, 0), None)
                    .map_err(|error| problem(0, "label", error.to_string()))?;
                additions.push(VirtualDeviceConfigSpec::add(controller.clone()));
                controller.key
            }
        };
        for (index, disk) in new_disks {
            let mut device = VirtualDevice::disk(
                disk.size_gb * KB_PER_GB,
                "",
                disk.thin_provisioned.unwrap_or(true),
            );
            if let Some(unit) = disk.unit_number {
                let unit = i32::try_from(unit).unwrap_or(i32::MAX);
                if list
                    .children(controller_key)
                    .any(|device| device.unit_number == Some(unit))
                {
                    return Err(problem(
                        index,
                        "unit_number",
                        format!("SCSI unit {unit} is already taken by another device"),
                    ));
                }
                device.unit_number = Some(unit);
            }
            let device = list
                .add(device, Some(controller_key))
                .map_err(|error| problem(index, "unit_number", error.to_string()))?;
            units.insert(
                disk.label.clone(),
                i64::from(device.unit_number.unwrap_or_default()),
            );
            additions.push(VirtualDeviceConfigSpec::create(device));
        }
    }

    // Network adapters: by position. Another model means another adapter.
    let nic_problem = |index: usize, message: String| DeviceProblem {
        path: vec![
            PathPart::Attr("network_interface"),
            PathPart::Index(index),
            PathPart::Attr("network_id"),
        ],
        message,
    };
    let target = |index: usize, network_id: &str| {
        wanted
            .networks
            .get(network_id)
            .ok_or_else(|| nic_problem(index, format!("no network with id {network_id:?}")))
    };
    let mut next_nic_unit = observed
        .nics
        .iter()
        .take(wanted.nics.len())
        .filter_map(|nic| nic.device.unit_number)
        .max();
    for (index, nic) in observed.nics.iter().enumerate() {
        let Some(want) = wanted.nics.get(index) else {
            removals.push(VirtualDeviceConfigSpec::remove(nic.device.clone()));
            list.forget(nic.key);
            continue;
        };
        if want.adapter_type != nic.adapter_type {
            removals.push(VirtualDeviceConfigSpec::remove(nic.device.clone()));
            list.forget(nic.key);
            let mut card = VirtualDevice::ethernet_card(
                adapter_model(&want.adapter_type),
                target(index, &want.network_id)?.backing(),
            );
            card.unit_number = nic.device.unit_number;
            card.controller_key = nic.device.controller_key;
            let card = list
                .add(card, None)
                .map_err(|error| nic_problem(index, error.to_string()))?;
            additions.push(VirtualDeviceConfigSpec::add(card));
        } else if want.network_id != nic.network_id {
            let mut device = nic.device.clone();
            device.backing = Some(target(index, &want.network_id)?.backing());
            edits.push(VirtualDeviceConfigSpec::edit(device));
        }
    }
    let pci = observed.pci_controller_key();
    for (index, want) in wanted.nics.iter().enumerate().skip(observed.nics.len()) {
        let mut card = VirtualDevice::ethernet_card(
            adapter_model(&want.adapter_type),
            target(index, &want.network_id)?.backing(),
        );
        // After the existing adapters, so the order stays the configuration's.
        if let (Some(unit), Some(pci)) = (next_nic_unit, pci) {
            card.unit_number = Some(unit + 1);
            card.controller_key = Some(pci);
            next_nic_unit = Some(unit + 1);
        }
        let card = list
            .add(card, None)
            .map_err(|error| nic_problem(index, error.to_string()))?;
        additions.push(VirtualDeviceConfigSpec::add(card));
    }

    // CD-ROM: the first drive holds the ISO; other drives go.
    let mut drives = observed.cdroms.iter();
    match (wanted.cdrom, drives.next()) {
        (Some(want), Some(drive)) if drive.iso => {
            let current = drive.device.backing.as_ref().and_then(Backing::file_name);
            let backing = want.backing();
            if current != backing.file_name() {
                let mut device = drive.device.clone();
                device.backing = Some(backing);
                edits.push(VirtualDeviceConfigSpec::edit(device));
            }
        }
        (Some(want), drive) => {
            if let Some(drive) = drive {
                removals.push(VirtualDeviceConfigSpec::remove(drive.device.clone()));
                list.forget(drive.device.key);
            }
            let mut device = VirtualDevice::cdrom(want.backing());
            let ide = ObservedDevices {
                all: list.devices().to_vec(),
                ..ObservedDevices::default()
            }
            .ide_controller_key()
            .unwrap_or(vim::spec::DEFAULT_IDE_CONTROLLER_KEYS[0]);
            let taken: Vec<i32> = list
                .children(ide)
                .filter_map(|device| device.unit_number)
                .collect();
            device.unit_number = Some(if taken.contains(&0) { 1 } else { 0 });
            device.controller_key = Some(ide);
            let device = list.add(device, None).map_err(|error| DeviceProblem {
                path: vec![PathPart::Attr("cdrom")],
                message: error.to_string(),
            })?;
            additions.push(VirtualDeviceConfigSpec::add(device));
        }
        (None, Some(drive)) => {
            removals.push(VirtualDeviceConfigSpec::remove(drive.device.clone()));
        }
        (None, None) => {}
    }
    for drive in drives {
        removals.push(VirtualDeviceConfigSpec::remove(drive.device.clone()));
    }

    let mut changes = removals;
    changes.extend(edits);
    changes.extend(additions);
    Ok((changes, units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vcsim_devices() -> Vec<VirtualDevice> {
        let xml = include_str!("../../../../../crates/vim/src/spec/vcsim_devices.xml");
        vim::spec::devices_from_xml(xml).expect("the fixture parses")
    }

    #[test]
    fn the_model_vm_has_one_disk_one_nic_one_cdrom() {
        let observed = ObservedDevices::from_devices(vcsim_devices());
        assert_eq!(observed.disks.len(), 1, "{observed:#?}");
        assert_eq!(observed.nics.len(), 1);
        assert_eq!(observed.scsi_type, Some(ScsiControllerType::ParaVirtual));
        assert_eq!(observed.disks[0].capacity_kb, 1024);
        assert_eq!(observed.disks[0].size_gb(), 0);
    }

    #[test]
    fn removals_come_first_and_new_disks_get_the_next_free_unit() {
        let observed = ObservedDevices::from_devices(vcsim_devices());
        let existing = observed.disks[0].key;
        let disks = [
            WantedDisk {
                label: "disk0".into(),
                size_gb: 2,
                thin_provisioned: None,
                unit_number: None,
                key: Some(existing),
            },
            WantedDisk {
                label: "data".into(),
                size_gb: 1,
                thin_provisioned: Some(true),
                unit_number: None,
                key: None,
            },
        ];
        let networks = BTreeMap::new();
        let (changes, units) = reconcile(
            &observed,
            &WantedDevices {
                disks: &disks,
                nics: &[],
                networks: &networks,
                cdrom: None,
                scsi_type: ScsiControllerType::ParaVirtual,
            },
        )
        .expect("reconciles");
        let operations: Vec<(&str, &str)> = changes
            .iter()
            .map(|change| {
                (
                    change.operation.map(|op| op.as_str()).unwrap_or("?"),
                    change.device.type_name(),
                )
            })
            .collect();
        assert_eq!(
            operations,
            [
                ("remove", "VirtualE1000"),
                ("remove", "VirtualCdrom"),
                ("edit", "VirtualDisk"),
                ("add", "VirtualDisk"),
            ]
        );
        assert_eq!(units.get("data"), Some(&1));
        assert_eq!(
            changes[2].device.as_disk().map(|disk| disk.capacity_in_kb),
            Some(2 * KB_PER_GB)
        );
    }

    #[test]
    fn shrinking_is_refused_with_the_attribute_path() {
        let observed = ObservedDevices::from_devices(vcsim_devices());
        let mut big = observed.clone();
        big.disks[0].capacity_kb = 5 * KB_PER_GB;
        let disks = [WantedDisk {
            label: "disk0".into(),
            size_gb: 2,
            thin_provisioned: None,
            unit_number: None,
            key: Some(observed.disks[0].key),
        }];
        let networks = BTreeMap::new();
        let problem = reconcile(
            &big,
            &WantedDevices {
                disks: &disks,
                nics: &[],
                networks: &networks,
                cdrom: None,
                scsi_type: ScsiControllerType::ParaVirtual,
            },
        )
        .unwrap_err();
        assert_eq!(
            problem.path,
            [
                PathPart::Attr("disk"),
                PathPart::Index(0),
                PathPart::Attr("size")
            ]
        );
    }

    #[test]
    fn iso_paths_drop_the_datastore() {
        assert_eq!(path_in_datastore("[LocalDS_0] iso/a.iso"), "iso/a.iso");
        assert_eq!(path_in_datastore("iso/a.iso"), "iso/a.iso");
    }
}
