//! Virtual devices (`VirtualDevice` and the subtypes provisioning needs), decoded from
//! `config.hardware.device` by `xsi:type` and encoded with an explicit `xsi:type` on the device
//! and its backing.
//!
//! The WSDL type hierarchy (`VirtualDevice` → `VirtualController` → `VirtualSCSIController` →
//! `ParaVirtualSCSIController`, ...) is flattened into one [`VirtualDevice`] with the common
//! fields and a [`DeviceKind`] holding the subtype's own fields. Device types this crate does not
//! model decode as [`DeviceKind::Other`] with their XML kept, so reading a VM never fails on an
//! unusual device.

use serde::{Serialize, Serializer};

use crate::property::tree::Node;
use crate::property::value::mor;
use crate::types::ManagedObjectReference;

/// `Description`: a device's label (e.g. `Hard disk 1`) and summary (e.g. `1,024 KB`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// The label, unique among a VM's devices; how vSphere's UI and govc name devices.
    pub label: String,
    /// A short summary.
    pub summary: String,
}

/// `VirtualDeviceConnectInfo`: whether a removable device (NIC, CD-ROM) is connected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConnectInfo {
    /// `migrateConnect` (vSphere 6.7+): connect state after a migration.
    #[serde(rename = "migrateConnect", skip_serializing_if = "Option::is_none")]
    pub migrate_connect: Option<String>,
    /// Connect when the VM powers on.
    #[serde(rename = "startConnected")]
    pub start_connected: bool,
    /// Let the guest connect and disconnect the device.
    #[serde(rename = "allowGuestControl")]
    pub allow_guest_control: bool,
    /// Connected now (only meaningful while powered on).
    pub connected: bool,
    /// `ok`, `recoverableError`, `unrecoverableError` or `untried`, as reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl ConnectInfo {
    /// Connected at power-on and now, guest may not disconnect it: what a new NIC or CD-ROM
    /// usually wants.
    pub fn connected() -> Self {
        Self {
            migrate_connect: None,
            start_connected: true,
            allow_guest_control: false,
            connected: true,
            status: None,
        }
    }
}

/// One virtual device: the `VirtualDevice` fields every device has, plus its [`DeviceKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualDevice {
    /// The key, unique within the VM. New devices use negative keys (see
    /// [`VirtualDeviceList::new_key`](super::VirtualDeviceList::new_key)); the server assigns
    /// the real one.
    pub key: i32,
    /// Label and summary. Edits must carry it (vcsim panics on an edit without it), which
    /// is why edits start from the device as read from the server.
    pub device_info: Option<Description>,
    /// What backs the device (disk file, network, ISO image, ...).
    pub backing: Option<Backing>,
    /// Connection state of removable devices.
    pub connectable: Option<ConnectInfo>,
    /// The key of the controller the device sits on.
    pub controller_key: Option<i32>,
    /// The device's slot on its controller.
    pub unit_number: Option<i32>,
    /// The subtype and its own fields.
    pub kind: DeviceKind,
}

/// Which device, with the fields of its subtype.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceKind {
    /// A SCSI controller (`VirtualSCSIController` subtypes).
    ScsiController(ScsiController),
    /// `VirtualIDEController` (two slots).
    IdeController(Controller),
    /// `VirtualPCIController`.
    PciController(Controller),
    /// `VirtualSATAController` or its subtype `VirtualAHCIController` (30 slots).
    SataController(SataController),
    /// `VirtualDisk`.
    Disk(Disk),
    /// A network adapter (`VirtualEthernetCard` subtypes).
    EthernetCard(EthernetCard),
    /// `VirtualCdrom`.
    Cdrom,
    /// Any other device type, kept as the normalised XML it was read as. Encoding it sends
    /// that XML back unchanged (every field of the subtype, which the server requires), so
    /// changes to the [`VirtualDevice`] common fields of such a device are not sent; a device
    /// built by hand with XML that does not parse falls back to the common fields only.
    Other {
        /// The `xsi:type`, e.g. `VirtualUSBController`.
        type_name: String,
        /// The `<VirtualDevice>` element as read.
        xml: String,
    },
}

/// The fields every controller has (`VirtualController`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Controller {
    /// The bus number (0 for the first controller of its type).
    pub bus_number: i32,
    /// The keys of the devices attached, as the server reports them.
    pub device: Vec<i32>,
}

/// The SCSI controller models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScsiControllerType {
    /// `ParaVirtualSCSIController` (VMware Paravirtual, "pvscsi").
    ParaVirtual,
    /// `VirtualLsiLogicController` (LSI Logic parallel).
    LsiLogic,
    /// `VirtualLsiLogicSASController` (LSI Logic SAS).
    LsiLogicSas,
    /// `VirtualBusLogicController`.
    BusLogic,
}

impl ScsiControllerType {
    /// The WSDL type name.
    pub fn type_name(self) -> &'static str {
        match self {
            ScsiControllerType::ParaVirtual => "ParaVirtualSCSIController",
            ScsiControllerType::LsiLogic => "VirtualLsiLogicController",
            ScsiControllerType::LsiLogicSas => "VirtualLsiLogicSASController",
            ScsiControllerType::BusLogic => "VirtualBusLogicController",
        }
    }

    fn from_type_name(name: &str) -> Option<Self> {
        [
            ScsiControllerType::ParaVirtual,
            ScsiControllerType::LsiLogic,
            ScsiControllerType::LsiLogicSas,
            ScsiControllerType::BusLogic,
        ]
        .into_iter()
        .find(|model| model.type_name() == name)
    }
}

/// A SCSI controller (`VirtualSCSIController`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScsiController {
    /// The model.
    pub model: ScsiControllerType,
    /// Bus number and attached devices.
    pub controller: Controller,
    /// Whether devices may be hot-added and removed.
    pub hot_add_remove: Option<bool>,
    /// `noSharing`, `virtualSharing` or `physicalSharing`.
    pub shared_bus: String,
    /// The controller's own unit on its bus (7 when unset); no device may use it.
    pub scsi_ctlr_unit_number: Option<i32>,
}

/// A SATA controller (`VirtualSATAController`, or `VirtualAHCIController` when `ahci`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SataController {
    /// `VirtualAHCIController` rather than the base type.
    pub ahci: bool,
    /// Bus number and attached devices.
    pub controller: Controller,
}

/// A virtual disk (`VirtualDisk`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    /// The size in KiB (always sent; the WSDL requires it).
    pub capacity_in_kb: i64,
    /// The size in bytes (vSphere 5.5+); takes precedence over KiB when set.
    pub capacity_in_bytes: Option<i64>,
}

/// The network adapter models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EthernetCardType {
    /// `VirtualVmxnet3`.
    Vmxnet3,
    /// `VirtualE1000`.
    E1000,
    /// `VirtualE1000e`.
    E1000e,
    /// `VirtualVmxnet2`.
    Vmxnet2,
    /// `VirtualPCNet32`.
    PcNet32,
}

impl EthernetCardType {
    /// The WSDL type name.
    pub fn type_name(self) -> &'static str {
        match self {
            EthernetCardType::Vmxnet3 => "VirtualVmxnet3",
            EthernetCardType::E1000 => "VirtualE1000",
            EthernetCardType::E1000e => "VirtualE1000e",
            EthernetCardType::Vmxnet2 => "VirtualVmxnet2",
            EthernetCardType::PcNet32 => "VirtualPCNet32",
        }
    }

    fn from_type_name(name: &str) -> Option<Self> {
        [
            EthernetCardType::Vmxnet3,
            EthernetCardType::E1000,
            EthernetCardType::E1000e,
            EthernetCardType::Vmxnet2,
            EthernetCardType::PcNet32,
        ]
        .into_iter()
        .find(|model| model.type_name() == name)
    }
}

/// A network adapter (`VirtualEthernetCard`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EthernetCard {
    /// The model.
    pub model: EthernetCardType,
    /// `generated`, `manual` or `assigned`.
    pub address_type: Option<String>,
    /// The MAC address (set with `manual`, reported otherwise).
    pub mac_address: Option<String>,
    /// Wake-on-LAN.
    pub wake_on_lan_enabled: Option<bool>,
}

/// What backs a device (`VirtualDeviceBackingInfo` subtypes).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backing {
    /// `VirtualDiskFlatVer2BackingInfo`: a VMDK file.
    DiskFlatVer2(DiskFlatVer2Backing),
    /// `VirtualEthernetCardNetworkBackingInfo`: a standard port group, by name.
    Network(NetworkBacking),
    /// `VirtualEthernetCardDistributedVirtualPortBackingInfo`: a distributed port group.
    DistributedPort(DistributedVirtualSwitchPortConnection),
    /// `VirtualCdromIsoBackingInfo`: an ISO image on a datastore.
    CdromIso(FileBacking),
    /// `VirtualCdromRemotePassthroughBackingInfo`: the client's drive, passed through.
    CdromRemotePassthrough(RemotePassthroughBacking),
    /// Any other backing, kept as read. It is left out when the device is encoded (the server
    /// keeps the current backing of an edited device when none is sent).
    Other {
        /// The `xsi:type`.
        type_name: String,
        /// The `<backing>` element as read.
        xml: String,
    },
}

/// The fields of a file backing (`VirtualDeviceFileBackingInfo`), as for an ISO image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileBacking {
    /// The datastore path, e.g. `[LocalDS_0] iso/boot.iso`.
    pub file_name: String,
    /// The datastore holding it.
    pub datastore: Option<ManagedObjectReference>,
}

/// A VMDK backing (`VirtualDiskFlatVer2BackingInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskFlatVer2Backing {
    /// The datastore path of the VMDK; empty (or just `[datastore]`) for a new disk lets the
    /// server name it after the VM.
    pub file_name: String,
    /// The datastore holding it.
    pub datastore: Option<ManagedObjectReference>,
    /// `persistent`, `independent_persistent`, `nonpersistent`, ...
    pub disk_mode: String,
    /// Split into 2 GB files.
    pub split: Option<bool>,
    /// Write-through caching.
    pub write_through: Option<bool>,
    /// Thin provisioned.
    pub thin_provisioned: Option<bool>,
    /// Zeroed out when created (eager-zeroed thick).
    pub eagerly_scrub: Option<bool>,
    /// The disk's UUID, as reported.
    pub uuid: Option<String>,
    /// The content ID, as reported.
    pub content_id: Option<String>,
    /// The change ID (changed block tracking), as reported.
    pub change_id: Option<String>,
    /// Delta disk format of a linked clone or snapshot child.
    pub delta_disk_format: Option<String>,
    /// Digest file enabled.
    pub digest_enabled: Option<bool>,
    /// `sharingNone` or `sharingMultiWriter`.
    pub sharing: Option<String>,
}

/// A standard port group backing (`VirtualEthernetCardNetworkBackingInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkBacking {
    /// The port group name, e.g. `VM Network` (what the server resolves).
    pub device_name: String,
    /// Pick a device automatically.
    pub use_auto_detect: Option<bool>,
    /// The network object.
    pub network: Option<ManagedObjectReference>,
    /// Passthrough mode.
    pub in_passthrough_mode: Option<bool>,
}

/// A distributed port (`DistributedVirtualSwitchPortConnection`), the content of a
/// `VirtualEthernetCardDistributedVirtualPortBackingInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DistributedVirtualSwitchPortConnection {
    /// The switch's UUID.
    #[serde(rename = "switchUuid")]
    pub switch_uuid: String,
    /// The port group key, e.g. `dvportgroup-13`.
    #[serde(rename = "portgroupKey", skip_serializing_if = "Option::is_none")]
    pub portgroup_key: Option<String>,
    /// A specific port.
    #[serde(rename = "portKey", skip_serializing_if = "Option::is_none")]
    pub port_key: Option<String>,
    /// The connection cookie, as reported.
    #[serde(rename = "connectionCookie", skip_serializing_if = "Option::is_none")]
    pub connection_cookie: Option<i32>,
}

/// The client's CD drive passed through (`VirtualCdromRemotePassthroughBackingInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemotePassthroughBacking {
    /// The device name (may be empty).
    pub device_name: String,
    /// Pick a device automatically.
    pub use_auto_detect: Option<bool>,
    /// Exclusive access.
    pub exclusive: bool,
}

/// The controller families, for picking a controller and numbering its slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControllerFamily {
    /// SCSI: units 0 to 15, except the controller's own unit (7).
    Scsi,
    /// IDE: units 0 and 1.
    Ide,
    /// SATA/AHCI: units 0 to 29.
    Sata,
    /// PCI: units 0 to 29 (the server usually places NICs itself).
    Pci,
}

impl ControllerFamily {
    /// How many units the controller has.
    pub fn unit_count(self) -> i32 {
        match self {
            ControllerFamily::Scsi => 16,
            ControllerFamily::Ide => 2,
            ControllerFamily::Sata | ControllerFamily::Pci => 30,
        }
    }
}

impl VirtualDevice {
    /// A new device of `kind`: key 0 (assign one with
    /// [`VirtualDeviceList::add`](super::VirtualDeviceList::add)), everything else unset.
    pub fn new(kind: DeviceKind) -> Self {
        Self {
            key: 0,
            device_info: None,
            backing: None,
            connectable: None,
            controller_key: None,
            unit_number: None,
            kind,
        }
    }

    /// A new SCSI controller of `model` on bus `bus_number`: no bus sharing, hot add/remove
    /// on, the controller on unit 7 (what govmomi creates).
    pub fn scsi_controller(model: ScsiControllerType, bus_number: i32) -> Self {
        Self::new(DeviceKind::ScsiController(ScsiController {
            model,
            controller: Controller {
                bus_number,
                device: Vec::new(),
            },
            hot_add_remove: Some(true),
            shared_bus: "noSharing".into(),
            scsi_ctlr_unit_number: Some(7),
        }))
    }

    /// A new persistent disk of `capacity_in_kb` KiB backed by `file_name` (empty: the server
    /// names it after the VM), thin provisioned or not. Add it with a `create` file operation.
    pub fn disk(capacity_in_kb: i64, file_name: impl Into<String>, thin_provisioned: bool) -> Self {
        let mut disk = Self::new(DeviceKind::Disk(Disk {
            capacity_in_kb,
            capacity_in_bytes: None,
        }));
        disk.backing = Some(Backing::DiskFlatVer2(DiskFlatVer2Backing {
            file_name: file_name.into(),
            disk_mode: "persistent".into(),
            thin_provisioned: Some(thin_provisioned),
            ..DiskFlatVer2Backing::default()
        }));
        disk
    }

    /// A new network adapter of `model` on `backing` with a generated MAC address, connected
    /// at power-on.
    pub fn ethernet_card(model: EthernetCardType, backing: Backing) -> Self {
        let mut card = Self::new(DeviceKind::EthernetCard(EthernetCard {
            model,
            address_type: Some("generated".into()),
            mac_address: None,
            wake_on_lan_enabled: None,
        }));
        card.backing = Some(backing);
        card.connectable = Some(ConnectInfo::connected());
        card
    }

    /// A new CD-ROM drive on `backing` (e.g. [`Backing::iso`]), connected at power-on.
    pub fn cdrom(backing: Backing) -> Self {
        let mut cdrom = Self::new(DeviceKind::Cdrom);
        cdrom.backing = Some(backing);
        cdrom.connectable = Some(ConnectInfo::connected());
        cdrom
    }

    /// The WSDL type name, e.g. `VirtualDisk` or `ParaVirtualSCSIController`.
    pub fn type_name(&self) -> &str {
        match &self.kind {
            DeviceKind::ScsiController(scsi) => scsi.model.type_name(),
            DeviceKind::IdeController(_) => "VirtualIDEController",
            DeviceKind::PciController(_) => "VirtualPCIController",
            DeviceKind::SataController(sata) if sata.ahci => "VirtualAHCIController",
            DeviceKind::SataController(_) => "VirtualSATAController",
            DeviceKind::Disk(_) => "VirtualDisk",
            DeviceKind::EthernetCard(card) => card.model.type_name(),
            DeviceKind::Cdrom => "VirtualCdrom",
            DeviceKind::Other { type_name, .. } => type_name,
        }
    }

    /// Whether the device is of type `type_name` or one of its subtypes, for the base types
    /// modelled here: `VirtualDevice`, `VirtualController`, `VirtualSCSIController`,
    /// `VirtualSATAController`, `VirtualEthernetCard`.
    pub fn is_a(&self, type_name: &str) -> bool {
        match type_name {
            "VirtualDevice" => true,
            "VirtualController" => self.controller_family().is_some(),
            "VirtualSCSIController" => matches!(self.kind, DeviceKind::ScsiController(_)),
            "VirtualSATAController" => matches!(self.kind, DeviceKind::SataController(_)),
            "VirtualEthernetCard" => matches!(self.kind, DeviceKind::EthernetCard(_)),
            other => self.type_name() == other,
        }
    }

    /// The controller family, when the device is a controller modelled here.
    pub fn controller_family(&self) -> Option<ControllerFamily> {
        match self.kind {
            DeviceKind::ScsiController(_) => Some(ControllerFamily::Scsi),
            DeviceKind::IdeController(_) => Some(ControllerFamily::Ide),
            DeviceKind::SataController(_) => Some(ControllerFamily::Sata),
            DeviceKind::PciController(_) => Some(ControllerFamily::Pci),
            _ => None,
        }
    }

    /// The label, if the server reported one.
    pub fn label(&self) -> Option<&str> {
        self.device_info.as_ref().map(|info| info.label.as_str())
    }

    /// The disk fields, when the device is a disk.
    pub fn as_disk(&self) -> Option<&Disk> {
        match &self.kind {
            DeviceKind::Disk(disk) => Some(disk),
            _ => None,
        }
    }

    /// The disk fields to change, when the device is a disk.
    pub fn as_disk_mut(&mut self) -> Option<&mut Disk> {
        match &mut self.kind {
            DeviceKind::Disk(disk) => Some(disk),
            _ => None,
        }
    }

    /// The adapter fields, when the device is a network adapter.
    pub fn as_ethernet_card(&self) -> Option<&EthernetCard> {
        match &self.kind {
            DeviceKind::EthernetCard(card) => Some(card),
            _ => None,
        }
    }

    /// The controller fields, when the device is a controller modelled here.
    pub fn as_controller(&self) -> Option<&Controller> {
        match &self.kind {
            DeviceKind::ScsiController(scsi) => Some(&scsi.controller),
            DeviceKind::IdeController(controller) | DeviceKind::PciController(controller) => {
                Some(controller)
            }
            DeviceKind::SataController(sata) => Some(&sata.controller),
            _ => None,
        }
    }

    /// Decodes one `<VirtualDevice xsi:type="...">` element (normalised XML); never fails,
    /// unknown types become [`DeviceKind::Other`].
    pub(crate) fn from_node(node: &Node) -> VirtualDevice {
        let type_name = xsi_type(node).unwrap_or_default().to_owned();
        let controller = || Controller {
            bus_number: int(node, "busNumber").unwrap_or_default(),
            device: node
                .children("device")
                .filter_map(|key| key.text.trim().parse().ok())
                .collect(),
        };
        let kind = if let Some(model) = ScsiControllerType::from_type_name(&type_name) {
            DeviceKind::ScsiController(ScsiController {
                model,
                controller: controller(),
                hot_add_remove: boolean(node, "hotAddRemove"),
                shared_bus: text(node, "sharedBus").unwrap_or_default(),
                scsi_ctlr_unit_number: int(node, "scsiCtlrUnitNumber"),
            })
        } else if let Some(model) = EthernetCardType::from_type_name(&type_name) {
            DeviceKind::EthernetCard(EthernetCard {
                model,
                address_type: text(node, "addressType"),
                mac_address: text(node, "macAddress"),
                wake_on_lan_enabled: boolean(node, "wakeOnLanEnabled"),
            })
        } else {
            match type_name.as_str() {
                "VirtualIDEController" => DeviceKind::IdeController(controller()),
                "VirtualPCIController" => DeviceKind::PciController(controller()),
                "VirtualSATAController" | "VirtualAHCIController" => {
                    DeviceKind::SataController(SataController {
                        ahci: type_name == "VirtualAHCIController",
                        controller: controller(),
                    })
                }
                "VirtualDisk" => DeviceKind::Disk(Disk {
                    capacity_in_kb: long(node, "capacityInKB").unwrap_or_default(),
                    capacity_in_bytes: long(node, "capacityInBytes"),
                }),
                "VirtualCdrom" => DeviceKind::Cdrom,
                _ => DeviceKind::Other {
                    type_name,
                    xml: node.to_xml(),
                },
            }
        };
        VirtualDevice {
            key: int(node, "key").unwrap_or_default(),
            device_info: node.child("deviceInfo").map(|info| Description {
                label: text(info, "label").unwrap_or_default(),
                summary: text(info, "summary").unwrap_or_default(),
            }),
            backing: node.child("backing").map(Backing::from_node),
            connectable: node.child("connectable").map(|info| ConnectInfo {
                migrate_connect: text(info, "migrateConnect"),
                start_connected: boolean(info, "startConnected").unwrap_or_default(),
                allow_guest_control: boolean(info, "allowGuestControl").unwrap_or_default(),
                connected: boolean(info, "connected").unwrap_or_default(),
                status: text(info, "status"),
            }),
            controller_key: int(node, "controllerKey"),
            unit_number: int(node, "unitNumber"),
            kind,
        }
    }
}

impl Backing {
    /// A standard port group backing: the port group `name` (e.g. `VM Network`) and its
    /// network object.
    pub fn network(name: impl Into<String>, network: Option<ManagedObjectReference>) -> Self {
        Backing::Network(NetworkBacking {
            device_name: name.into(),
            use_auto_detect: Some(false),
            network,
            in_passthrough_mode: None,
        })
    }

    /// A distributed port group backing: the switch's UUID and the port group's key.
    pub fn distributed_port(
        switch_uuid: impl Into<String>,
        portgroup_key: impl Into<String>,
    ) -> Self {
        Backing::DistributedPort(DistributedVirtualSwitchPortConnection {
            switch_uuid: switch_uuid.into(),
            portgroup_key: Some(portgroup_key.into()),
            port_key: None,
            connection_cookie: None,
        })
    }

    /// An ISO image backing for a CD-ROM, e.g. `[LocalDS_0] iso/boot.iso`.
    pub fn iso(file_name: impl Into<String>) -> Self {
        Backing::CdromIso(FileBacking {
            file_name: file_name.into(),
            datastore: None,
        })
    }

    /// The WSDL type name.
    pub fn type_name(&self) -> &str {
        match self {
            Backing::DiskFlatVer2(_) => "VirtualDiskFlatVer2BackingInfo",
            Backing::Network(_) => "VirtualEthernetCardNetworkBackingInfo",
            Backing::DistributedPort(_) => "VirtualEthernetCardDistributedVirtualPortBackingInfo",
            Backing::CdromIso(_) => "VirtualCdromIsoBackingInfo",
            Backing::CdromRemotePassthrough(_) => "VirtualCdromRemotePassthroughBackingInfo",
            Backing::Other { type_name, .. } => type_name,
        }
    }

    /// The file name of a file backing (disk or ISO).
    pub fn file_name(&self) -> Option<&str> {
        match self {
            Backing::DiskFlatVer2(disk) => Some(&disk.file_name),
            Backing::CdromIso(iso) => Some(&iso.file_name),
            _ => None,
        }
    }

    fn from_node(node: &Node) -> Backing {
        let type_name = xsi_type(node).unwrap_or_default();
        let datastore = || node.child("datastore").and_then(mor);
        match type_name {
            "VirtualDiskFlatVer2BackingInfo" => Backing::DiskFlatVer2(DiskFlatVer2Backing {
                file_name: text(node, "fileName").unwrap_or_default(),
                datastore: datastore(),
                disk_mode: text(node, "diskMode").unwrap_or_default(),
                split: boolean(node, "split"),
                write_through: boolean(node, "writeThrough"),
                thin_provisioned: boolean(node, "thinProvisioned"),
                eagerly_scrub: boolean(node, "eagerlyScrub"),
                uuid: text(node, "uuid"),
                content_id: text(node, "contentId"),
                change_id: text(node, "changeId"),
                delta_disk_format: text(node, "deltaDiskFormat"),
                digest_enabled: boolean(node, "digestEnabled"),
                sharing: text(node, "sharing"),
            }),
            "VirtualEthernetCardNetworkBackingInfo" => Backing::Network(NetworkBacking {
                device_name: text(node, "deviceName").unwrap_or_default(),
                use_auto_detect: boolean(node, "useAutoDetect"),
                network: node.child("network").and_then(mor),
                in_passthrough_mode: boolean(node, "inPassthroughMode"),
            }),
            "VirtualEthernetCardDistributedVirtualPortBackingInfo" => {
                let port = node.child("port");
                let field = |name: &str| port.and_then(|port| text(port, name));
                Backing::DistributedPort(DistributedVirtualSwitchPortConnection {
                    switch_uuid: field("switchUuid").unwrap_or_default(),
                    portgroup_key: field("portgroupKey"),
                    port_key: field("portKey"),
                    connection_cookie: port.and_then(|port| int(port, "connectionCookie")),
                })
            }
            "VirtualCdromIsoBackingInfo" => Backing::CdromIso(FileBacking {
                file_name: text(node, "fileName").unwrap_or_default(),
                datastore: datastore(),
            }),
            "VirtualCdromRemotePassthroughBackingInfo" => {
                Backing::CdromRemotePassthrough(RemotePassthroughBacking {
                    device_name: text(node, "deviceName").unwrap_or_default(),
                    use_auto_detect: boolean(node, "useAutoDetect"),
                    exclusive: boolean(node, "exclusive").unwrap_or_default(),
                })
            }
            other => Backing::Other {
                type_name: other.to_owned(),
                xml: node.to_xml(),
            },
        }
    }
}

/// The `xsi:type` of `node`, prefix stripped.
fn xsi_type(node: &Node) -> Option<&str> {
    node.attribute("xsi:type")
        .map(|name| crate::envelope::strip_prefix(name.trim()))
}

fn text(node: &Node, name: &str) -> Option<String> {
    node.child_text(name).map(str::to_owned)
}

fn int(node: &Node, name: &str) -> Option<i32> {
    node.child_text(name)
        .and_then(|text| text.trim().parse().ok())
}

fn long(node: &Node, name: &str) -> Option<i64> {
    node.child_text(name)
        .and_then(|text| text.trim().parse().ok())
}

fn boolean(node: &Node, name: &str) -> Option<bool> {
    match node.child_text(name).map(str::trim) {
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        _ => None,
    }
}

/// `deviceInfo` on the wire: `Description` is polymorphic (`BaseDescription`).
#[derive(Serialize)]
struct DescriptionWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    label: &'a str,
    summary: &'a str,
}

/// A device on the wire: `xsi:type`, the `VirtualDevice` fields, then the subtype's fields
/// in WSDL order. Each subtype sets only its own fields, so one struct keeps every order.
#[derive(Serialize)]
struct DeviceWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'a str,
    key: i32,
    #[serde(rename = "deviceInfo", skip_serializing_if = "Option::is_none")]
    device_info: Option<DescriptionWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backing: Option<&'a Backing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connectable: Option<&'a ConnectInfo>,
    #[serde(rename = "controllerKey", skip_serializing_if = "Option::is_none")]
    controller_key: Option<i32>,
    #[serde(rename = "unitNumber", skip_serializing_if = "Option::is_none")]
    unit_number: Option<i32>,
    // VirtualController
    #[serde(rename = "busNumber", skip_serializing_if = "Option::is_none")]
    bus_number: Option<i32>,
    #[serde(skip_serializing_if = "<[i32]>::is_empty")]
    device: &'a [i32],
    // VirtualSCSIController
    #[serde(rename = "hotAddRemove", skip_serializing_if = "Option::is_none")]
    hot_add_remove: Option<bool>,
    #[serde(rename = "sharedBus", skip_serializing_if = "Option::is_none")]
    shared_bus: Option<&'a str>,
    #[serde(rename = "scsiCtlrUnitNumber", skip_serializing_if = "Option::is_none")]
    scsi_ctlr_unit_number: Option<i32>,
    // VirtualDisk
    #[serde(rename = "capacityInKB", skip_serializing_if = "Option::is_none")]
    capacity_in_kb: Option<i64>,
    #[serde(rename = "capacityInBytes", skip_serializing_if = "Option::is_none")]
    capacity_in_bytes: Option<i64>,
    // VirtualEthernetCard
    #[serde(rename = "addressType", skip_serializing_if = "Option::is_none")]
    address_type: Option<&'a str>,
    #[serde(rename = "macAddress", skip_serializing_if = "Option::is_none")]
    mac_address: Option<&'a str>,
    #[serde(rename = "wakeOnLanEnabled", skip_serializing_if = "Option::is_none")]
    wake_on_lan_enabled: Option<bool>,
}

impl Serialize for VirtualDevice {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A device we do not model goes back as the server sent it: its subtype's required
        // fields (e.g. a USB controller's busNumber) are not ours to drop.
        if let DeviceKind::Other { type_name, xml } = &self.kind
            && let Ok(mut node) = crate::property::tree::Node::parse(xml)
            && node
                .attribute("xsi:type")
                .map(crate::envelope::strip_prefix)
                == Some(type_name.as_str())
        {
            node.normalise_types();
            return node.serialize(serializer);
        }
        let mut wire = DeviceWire {
            xsi_type: self.type_name(),
            key: self.key,
            device_info: self.device_info.as_ref().map(|info| DescriptionWire {
                xsi_type: "Description",
                label: &info.label,
                summary: &info.summary,
            }),
            backing: self
                .backing
                .as_ref()
                .filter(|backing| !matches!(backing, Backing::Other { .. })),
            connectable: self.connectable.as_ref(),
            controller_key: self.controller_key,
            unit_number: self.unit_number,
            bus_number: None,
            device: &[],
            hot_add_remove: None,
            shared_bus: None,
            scsi_ctlr_unit_number: None,
            capacity_in_kb: None,
            capacity_in_bytes: None,
            address_type: None,
            mac_address: None,
            wake_on_lan_enabled: None,
        };
        if let Some(controller) = self.as_controller() {
            wire.bus_number = Some(controller.bus_number);
            wire.device = &controller.device;
        }
        match &self.kind {
            DeviceKind::ScsiController(scsi) => {
                wire.hot_add_remove = scsi.hot_add_remove;
                wire.shared_bus = Some(&scsi.shared_bus);
                wire.scsi_ctlr_unit_number = scsi.scsi_ctlr_unit_number;
            }
            DeviceKind::Disk(disk) => {
                wire.capacity_in_kb = Some(disk.capacity_in_kb);
                wire.capacity_in_bytes = disk.capacity_in_bytes;
            }
            DeviceKind::EthernetCard(card) => {
                wire.address_type = card.address_type.as_deref();
                wire.mac_address = card.mac_address.as_deref();
                wire.wake_on_lan_enabled = card.wake_on_lan_enabled;
            }
            _ => {}
        }
        wire.serialize(serializer)
    }
}

#[derive(Serialize)]
struct DiskBackingWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(rename = "fileName")]
    file_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    datastore: Option<&'a ManagedObjectReference>,
    #[serde(rename = "diskMode")]
    disk_mode: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<bool>,
    #[serde(rename = "writeThrough", skip_serializing_if = "Option::is_none")]
    write_through: Option<bool>,
    #[serde(rename = "thinProvisioned", skip_serializing_if = "Option::is_none")]
    thin_provisioned: Option<bool>,
    #[serde(rename = "eagerlyScrub", skip_serializing_if = "Option::is_none")]
    eagerly_scrub: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<&'a str>,
    #[serde(rename = "contentId", skip_serializing_if = "Option::is_none")]
    content_id: Option<&'a str>,
    #[serde(rename = "changeId", skip_serializing_if = "Option::is_none")]
    change_id: Option<&'a str>,
    #[serde(rename = "deltaDiskFormat", skip_serializing_if = "Option::is_none")]
    delta_disk_format: Option<&'a str>,
    #[serde(rename = "digestEnabled", skip_serializing_if = "Option::is_none")]
    digest_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharing: Option<&'a str>,
}

#[derive(Serialize)]
struct NetworkBackingWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(rename = "deviceName")]
    device_name: &'a str,
    #[serde(rename = "useAutoDetect", skip_serializing_if = "Option::is_none")]
    use_auto_detect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a ManagedObjectReference>,
    #[serde(rename = "inPassthroughMode", skip_serializing_if = "Option::is_none")]
    in_passthrough_mode: Option<bool>,
}

#[derive(Serialize)]
struct PortBackingWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    port: &'a DistributedVirtualSwitchPortConnection,
}

#[derive(Serialize)]
struct FileBackingWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(rename = "fileName")]
    file_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    datastore: Option<&'a ManagedObjectReference>,
}

#[derive(Serialize)]
struct PassthroughBackingWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(rename = "deviceName")]
    device_name: &'a str,
    #[serde(rename = "useAutoDetect", skip_serializing_if = "Option::is_none")]
    use_auto_detect: Option<bool>,
    exclusive: bool,
}

#[derive(Serialize)]
struct TypeOnlyWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'a str,
}

impl Serialize for Backing {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Backing::DiskFlatVer2(disk) => DiskBackingWire {
                xsi_type: "VirtualDiskFlatVer2BackingInfo",
                file_name: &disk.file_name,
                datastore: disk.datastore.as_ref(),
                disk_mode: &disk.disk_mode,
                split: disk.split,
                write_through: disk.write_through,
                thin_provisioned: disk.thin_provisioned,
                eagerly_scrub: disk.eagerly_scrub,
                uuid: disk.uuid.as_deref(),
                content_id: disk.content_id.as_deref(),
                change_id: disk.change_id.as_deref(),
                delta_disk_format: disk.delta_disk_format.as_deref(),
                digest_enabled: disk.digest_enabled,
                sharing: disk.sharing.as_deref(),
            }
            .serialize(serializer),
            Backing::Network(network) => NetworkBackingWire {
                xsi_type: "VirtualEthernetCardNetworkBackingInfo",
                device_name: &network.device_name,
                use_auto_detect: network.use_auto_detect,
                network: network.network.as_ref(),
                in_passthrough_mode: network.in_passthrough_mode,
            }
            .serialize(serializer),
            Backing::DistributedPort(port) => PortBackingWire {
                xsi_type: "VirtualEthernetCardDistributedVirtualPortBackingInfo",
                port,
            }
            .serialize(serializer),
            Backing::CdromIso(iso) => FileBackingWire {
                xsi_type: "VirtualCdromIsoBackingInfo",
                file_name: &iso.file_name,
                datastore: iso.datastore.as_ref(),
            }
            .serialize(serializer),
            Backing::CdromRemotePassthrough(remote) => PassthroughBackingWire {
                xsi_type: "VirtualCdromRemotePassthroughBackingInfo",
                device_name: &remote.device_name,
                use_auto_detect: remote.use_auto_detect,
                exclusive: remote.exclusive,
            }
            .serialize(serializer),
            // Devices leave these out; serialised alone, only the type can be said.
            Backing::Other { type_name, .. } => TypeOnlyWire {
                xsi_type: type_name,
            }
            .serialize(serializer),
        }
    }
}
