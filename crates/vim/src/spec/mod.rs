//! vim25 data objects for provisioning: [`VirtualMachineConfigSpec`] (create, reconfigure),
//! [`VirtualDeviceConfigSpec`] with the [`VirtualDevice`] model, [`VirtualMachineRelocateSpec`]
//! and [`VirtualMachineCloneSpec`], plus [`VirtualDeviceList`] to number new devices.
//!
//! Every struct serialises its fields in WSDL order (vim25 servers reject other orders), leaves
//! unset optional fields out, and puts an explicit `xsi:type` on every value sitting in a
//! polymorphic field (`deviceChange`, `device`, `backing`, `deviceInfo`, `extraConfig` and its
//! `value`): without it a server reads the base type and drops the subtype's fields.
//!
//! Only the fields provisioning needs are modelled; the rest of the (large) WSDL types is left
//! out, which the server reads as "unset / no change".

mod device;
mod list;

use serde::{Serialize, Serializer};

pub use device::{
    Backing, ConnectInfo, Controller, ControllerFamily, Description, DeviceKind, Disk,
    DiskFlatVer2Backing, DistributedVirtualSwitchPortConnection, EthernetCard, EthernetCardType,
    FileBacking, NetworkBacking, RemotePassthroughBacking, SataController, ScsiController,
    ScsiControllerType, VirtualDevice,
};
pub use list::{DeviceListError, VirtualDeviceList};

use crate::property::Value;
use crate::property::tree::Node;
use crate::types::ManagedObjectReference;

/// The keys vSphere gives the two IDE controllers every new VM gets (`IDE 0`, `IDE 1`); a
/// CD-ROM in a `CreateVM_Task` spec can reference them directly.
pub const DEFAULT_IDE_CONTROLLER_KEYS: [i32; 2] = [200, 201];

/// `VirtualMachineConfigSpec`: what to create, or what to change (unset fields stay as they
/// are on reconfigure).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VirtualMachineConfigSpec {
    /// The VM's name (required by `CreateVM_Task`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The hardware version, e.g. `vmx-13`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The BIOS UUID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The vCenter instance UUID.
    #[serde(rename = "instanceUuid", skip_serializing_if = "Option::is_none")]
    pub instance_uuid: Option<String>,
    /// The guest OS identifier, e.g. `otherGuest64` or `ubuntu64Guest`.
    #[serde(rename = "guestId", skip_serializing_if = "Option::is_none")]
    pub guest_id: Option<String>,
    /// The notes; `Some("")` clears them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
    /// Where the VM's files go (`files.vmPathName` is required by `CreateVM_Task`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<VirtualMachineFileInfo>,
    /// Virtual CPUs.
    #[serde(rename = "numCPUs", skip_serializing_if = "Option::is_none")]
    pub num_cpus: Option<i32>,
    /// Cores per socket.
    #[serde(rename = "numCoresPerSocket", skip_serializing_if = "Option::is_none")]
    pub num_cores_per_socket: Option<i32>,
    /// Memory in MiB.
    #[serde(rename = "memoryMB", skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<i64>,
    /// Memory hot add.
    #[serde(
        rename = "memoryHotAddEnabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_hot_add_enabled: Option<bool>,
    /// CPU hot add.
    #[serde(rename = "cpuHotAddEnabled", skip_serializing_if = "Option::is_none")]
    pub cpu_hot_add_enabled: Option<bool>,
    /// CPU hot remove.
    #[serde(
        rename = "cpuHotRemoveEnabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub cpu_hot_remove_enabled: Option<bool>,
    /// Devices to add, edit or remove.
    #[serde(rename = "deviceChange", skip_serializing_if = "Vec::is_empty")]
    pub device_change: Vec<VirtualDeviceConfigSpec>,
    /// Advanced settings (`.vmx` keys) to set.
    #[serde(rename = "extraConfig", skip_serializing_if = "Vec::is_empty")]
    pub extra_config: Vec<OptionValue>,
    /// Changed block tracking.
    #[serde(
        rename = "changeTrackingEnabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub change_tracking_enabled: Option<bool>,
    /// `bios` or `efi`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Nested hardware virtualisation.
    #[serde(rename = "nestedHVEnabled", skip_serializing_if = "Option::is_none")]
    pub nested_hv_enabled: Option<bool>,
}

/// `VirtualMachineFileInfo`: where a VM keeps its files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VirtualMachineFileInfo {
    /// The `.vmx` path, or just `[datastore]` to let the server make a directory named after
    /// the VM.
    #[serde(rename = "vmPathName", skip_serializing_if = "Option::is_none")]
    pub vm_path_name: Option<String>,
    /// Where snapshots go.
    #[serde(rename = "snapshotDirectory", skip_serializing_if = "Option::is_none")]
    pub snapshot_directory: Option<String>,
    /// Where the suspend file goes.
    #[serde(rename = "suspendDirectory", skip_serializing_if = "Option::is_none")]
    pub suspend_directory: Option<String>,
    /// Where logs go.
    #[serde(rename = "logDirectory", skip_serializing_if = "Option::is_none")]
    pub log_directory: Option<String>,
}

impl VirtualMachineFileInfo {
    /// Files under `vm_path_name` (e.g. `[LocalDS_0]`).
    pub fn at(vm_path_name: impl Into<String>) -> Self {
        Self {
            vm_path_name: Some(vm_path_name.into()),
            ..Self::default()
        }
    }
}

/// The value of an [`OptionValue`] (`xsd:anyType`, so it travels with its `xsi:type`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OptionScalar {
    /// `xsd:string`: what `.vmx` settings are.
    String(String),
    /// `xsd:int`.
    Int(i32),
    /// `xsd:long`.
    Long(i64),
    /// `xsd:boolean`.
    Bool(bool),
}

impl OptionScalar {
    /// The value as text, as it is stored in the `.vmx`.
    pub fn to_text(&self) -> String {
        match self {
            OptionScalar::String(text) => text.clone(),
            OptionScalar::Int(number) => number.to_string(),
            OptionScalar::Long(number) => number.to_string(),
            OptionScalar::Bool(flag) => flag.to_string(),
        }
    }
}

#[derive(Serialize)]
struct ScalarWire<'a> {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    #[serde(rename = "$text")]
    text: &'a str,
}

impl Serialize for OptionScalar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let xsi_type = match self {
            OptionScalar::String(_) => "xsd:string",
            OptionScalar::Int(_) => "xsd:int",
            OptionScalar::Long(_) => "xsd:long",
            OptionScalar::Bool(_) => "xsd:boolean",
        };
        let text = self.to_text();
        ScalarWire {
            xsi_type,
            text: &text,
        }
        .serialize(serializer)
    }
}

/// `OptionValue`: one advanced setting (an `extraConfig` entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionValue {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    /// The key, e.g. `guestinfo.hostname`.
    pub key: String,
    /// The value.
    pub value: OptionScalar,
}

impl OptionValue {
    /// The string setting `key` = `value`.
    pub fn string(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(key, OptionScalar::String(value.into()))
    }

    /// The setting `key` = `value`.
    pub fn new(key: impl Into<String>, value: OptionScalar) -> Self {
        Self {
            xsi_type: "OptionValue",
            key: key.into(),
            value,
        }
    }

    /// Decodes a property value of type `ArrayOfOptionValue` (e.g. `config.extraConfig`).
    /// Values of other types than the four scalars are kept as their text.
    pub fn from_array(value: &Value) -> Result<Vec<OptionValue>, String> {
        let Value::Other { type_name, xml } = value else {
            return Err(format!("not an ArrayOfOptionValue: {value:?}"));
        };
        if type_name != "ArrayOfOptionValue" {
            return Err(format!("not an ArrayOfOptionValue: {type_name}"));
        }
        let node = Node::parse(xml)?;
        Ok(node
            .children
            .iter()
            .map(|option| {
                let key = option.child_text("key").unwrap_or_default();
                let value = option.child("value");
                let text = value.map(|value| value.text.clone()).unwrap_or_default();
                let kind = value
                    .and_then(|value| value.attribute("xsi:type"))
                    .map(|name| crate::envelope::strip_prefix(name.trim()))
                    .unwrap_or("string");
                let scalar = match kind {
                    "int" | "short" | "byte" => text.trim().parse().ok().map(OptionScalar::Int),
                    "long" => text.trim().parse().ok().map(OptionScalar::Long),
                    "boolean" => match text.trim() {
                        "true" | "1" => Some(OptionScalar::Bool(true)),
                        "false" | "0" => Some(OptionScalar::Bool(false)),
                        _ => None,
                    },
                    _ => None,
                };
                OptionValue::new(key, scalar.unwrap_or(OptionScalar::String(text)))
            })
            .collect())
    }
}

/// What to do with a device (`VirtualDeviceConfigSpecOperation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceOperation {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `edit`.
    Edit,
}

impl DeviceOperation {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceOperation::Add => "add",
            DeviceOperation::Remove => "remove",
            DeviceOperation::Edit => "edit",
        }
    }
}

impl Serialize for DeviceOperation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What to do with a device's backing file (`VirtualDeviceConfigSpecFileOperation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileOperation {
    /// `create`: make a new file (a new disk).
    Create,
    /// `destroy`: delete the file (with a removed disk).
    Destroy,
    /// `replace`: overwrite an existing file.
    Replace,
}

impl FileOperation {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            FileOperation::Create => "create",
            FileOperation::Destroy => "destroy",
            FileOperation::Replace => "replace",
        }
    }
}

impl Serialize for FileOperation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `VirtualDeviceConfigSpec`: one device change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VirtualDeviceConfigSpec {
    #[serde(rename = "@xsi:type")]
    xsi_type: &'static str,
    /// Add, remove or edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<DeviceOperation>,
    /// What happens to the backing file, if anything.
    #[serde(rename = "fileOperation", skip_serializing_if = "Option::is_none")]
    pub file_operation: Option<FileOperation>,
    /// The device (with its `xsi:type`).
    pub device: VirtualDevice,
}

impl VirtualDeviceConfigSpec {
    /// A change of `operation` on `device`, with `file_operation`.
    pub fn new(
        operation: DeviceOperation,
        file_operation: Option<FileOperation>,
        device: VirtualDevice,
    ) -> Self {
        Self {
            xsi_type: "VirtualDeviceConfigSpec",
            operation: Some(operation),
            file_operation,
            device,
        }
    }

    /// Add `device` (an existing file, or no file).
    pub fn add(device: VirtualDevice) -> Self {
        Self::new(DeviceOperation::Add, None, device)
    }

    /// Add `device` and create its backing file (a new disk).
    pub fn create(device: VirtualDevice) -> Self {
        Self::new(DeviceOperation::Add, Some(FileOperation::Create), device)
    }

    /// Change `device`, which should be the device as read from the server with the fields
    /// to change modified (e.g. a larger `capacity_in_kb`).
    pub fn edit(device: VirtualDevice) -> Self {
        Self::new(DeviceOperation::Edit, None, device)
    }

    /// Remove `device`, keeping its file (as read from the server: vcsim needs the backing
    /// of a NIC to update the VM's networks).
    pub fn remove(device: VirtualDevice) -> Self {
        Self::new(DeviceOperation::Remove, None, device)
    }

    /// Remove `device` and delete its file (a disk).
    pub fn destroy(device: VirtualDevice) -> Self {
        Self::new(
            DeviceOperation::Remove,
            Some(FileOperation::Destroy),
            device,
        )
    }
}

/// How a relocation or clone treats disk backings (`VirtualMachineRelocateDiskMoveOptions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiskMoveType {
    /// `moveAllDiskBackingsAndAllowSharing`.
    MoveAllDiskBackingsAndAllowSharing,
    /// `moveAllDiskBackingsAndDisallowSharing`.
    MoveAllDiskBackingsAndDisallowSharing,
    /// `moveChildMostDiskBacking`.
    MoveChildMostDiskBacking,
    /// `createNewChildDiskBacking`: a linked clone (child disks on the source's snapshot).
    CreateNewChildDiskBacking,
    /// `moveAllDiskBackingsAndConsolidate`.
    MoveAllDiskBackingsAndConsolidate,
}

impl DiskMoveType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskMoveType::MoveAllDiskBackingsAndAllowSharing => {
                "moveAllDiskBackingsAndAllowSharing"
            }
            DiskMoveType::MoveAllDiskBackingsAndDisallowSharing => {
                "moveAllDiskBackingsAndDisallowSharing"
            }
            DiskMoveType::MoveChildMostDiskBacking => "moveChildMostDiskBacking",
            DiskMoveType::CreateNewChildDiskBacking => "createNewChildDiskBacking",
            DiskMoveType::MoveAllDiskBackingsAndConsolidate => "moveAllDiskBackingsAndConsolidate",
        }
    }
}

impl Serialize for DiskMoveType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `VirtualMachineRelocateSpecDiskLocator`: where one disk goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiskLocator {
    /// The disk's device key.
    #[serde(rename = "diskId")]
    pub disk_id: i32,
    /// Its target datastore.
    pub datastore: ManagedObjectReference,
    /// How its backing moves.
    #[serde(rename = "diskMoveType", skip_serializing_if = "Option::is_none")]
    pub disk_move_type: Option<DiskMoveType>,
}

/// `VirtualMachineRelocateSpec`: where a VM (or a clone) goes; unset fields keep the current
/// placement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VirtualMachineRelocateSpec {
    /// The target folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<ManagedObjectReference>,
    /// The target datastore for the VM's files (and disks without a locator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore: Option<ManagedObjectReference>,
    /// How disk backings move.
    #[serde(rename = "diskMoveType", skip_serializing_if = "Option::is_none")]
    pub disk_move_type: Option<DiskMoveType>,
    /// The target resource pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<ManagedObjectReference>,
    /// The target host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
    /// Per-disk targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disk: Vec<DiskLocator>,
    /// Device changes applied while relocating (e.g. NIC backings on the target host).
    #[serde(rename = "deviceChange", skip_serializing_if = "Vec::is_empty")]
    pub device_change: Vec<VirtualDeviceConfigSpec>,
}

/// `VirtualMachineCloneSpec`: how to clone a VM (guest customisation is not modelled).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VirtualMachineCloneSpec {
    /// Where the clone goes.
    pub location: VirtualMachineRelocateSpec,
    /// Make the clone a template.
    pub template: bool,
    /// Configuration changes for the clone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<VirtualMachineConfigSpec>,
    /// Power the clone on.
    #[serde(rename = "powerOn")]
    pub power_on: bool,
    /// Clone from this snapshot of the source (required for a linked clone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<ManagedObjectReference>,
    /// Include the snapshot's memory state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<bool>,
}

impl VirtualMachineCloneSpec {
    /// Makes the clone a linked clone of `snapshot`: child disks backed by the snapshot's
    /// disks (`diskMoveType = createNewChildDiskBacking`).
    pub fn linked_to(mut self, snapshot: ManagedObjectReference) -> Self {
        self.location.disk_move_type = Some(DiskMoveType::CreateNewChildDiskBacking);
        self.snapshot = Some(snapshot);
        self
    }
}

/// Decodes a `config.hardware.device` value (`ArrayOfVirtualDevice`) into devices, by each
/// item's `xsi:type`; device types not modelled become [`DeviceKind::Other`].
pub fn devices_from_value(value: &Value) -> Result<Vec<VirtualDevice>, String> {
    match value {
        Value::Other { type_name, xml } if type_name == "ArrayOfVirtualDevice" => {
            devices_from_xml(xml)
        }
        Value::Other { type_name, xml } if type_name.is_empty() && xml.is_empty() => Ok(Vec::new()),
        other => Err(format!("not an ArrayOfVirtualDevice: {other:?}")),
    }
}

/// Decodes the normalised XML of an `ArrayOfVirtualDevice` (one child element per device).
pub fn devices_from_xml(xml: &str) -> Result<Vec<VirtualDevice>, String> {
    let node = Node::parse(xml)?;
    Ok(node.children.iter().map(VirtualDevice::from_node).collect())
}

#[cfg(test)]
mod tests;
