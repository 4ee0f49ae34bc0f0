//! [`VirtualDeviceList`]: a VM's devices, with the lookups and slot arithmetic needed to build
//! device changes (the role of govmomi's `object.VirtualDeviceList`).

use super::device::{ControllerFamily, DeviceKind, VirtualDevice};

/// Why a device could not be placed on a controller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceListError {
    /// No device has the controller key given.
    #[error("no controller with key {0}")]
    ControllerNotFound(i32),
    /// The device with that key is not a controller this crate knows how to number.
    #[error("device {0} is not a controller")]
    NotAController(i32),
    /// Every unit of the controller is taken.
    #[error("controller {0} has no free unit")]
    NoFreeUnit(i32),
}

/// A list of devices: those read from a VM (see `Client::vm_devices`) plus the new ones being
/// added, so keys and unit numbers handed out never collide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VirtualDeviceList {
    devices: Vec<VirtualDevice>,
}

impl From<Vec<VirtualDevice>> for VirtualDeviceList {
    fn from(devices: Vec<VirtualDevice>) -> Self {
        Self { devices }
    }
}

impl VirtualDeviceList {
    /// A list over `devices` (as read from the server).
    pub fn new(devices: Vec<VirtualDevice>) -> Self {
        Self { devices }
    }

    /// Every device, in order.
    pub fn devices(&self) -> &[VirtualDevice] {
        &self.devices
    }

    /// The devices, giving up the list.
    pub fn into_devices(self) -> Vec<VirtualDevice> {
        self.devices
    }

    /// The device with `key`.
    pub fn find_by_key(&self, key: i32) -> Option<&VirtualDevice> {
        self.devices.iter().find(|device| device.key == key)
    }

    /// The device labelled `label` (e.g. `Hard disk 2`, `Network adapter 1`).
    pub fn find_by_label(&self, label: &str) -> Option<&VirtualDevice> {
        self.devices
            .iter()
            .find(|device| device.label() == Some(label))
    }

    /// The devices of type `type_name` or a subtype (see [`VirtualDevice::is_a`]), e.g.
    /// `VirtualDisk` or `VirtualEthernetCard`.
    pub fn select_by_type<'a>(
        &'a self,
        type_name: &'a str,
    ) -> impl Iterator<Item = &'a VirtualDevice> + 'a {
        self.devices
            .iter()
            .filter(move |device| device.is_a(type_name))
    }

    /// The devices attached to the controller with key `controller_key`.
    pub fn children(&self, controller_key: i32) -> impl Iterator<Item = &VirtualDevice> + '_ {
        self.devices
            .iter()
            .filter(move |device| device.controller_key == Some(controller_key))
    }

    /// The first controller of `family` with a free unit.
    pub fn pick_controller(&self, family: ControllerFamily) -> Option<&VirtualDevice> {
        self.devices.iter().find(|device| {
            device.controller_family() == Some(family) && self.next_unit_number(device).is_ok()
        })
    }

    /// A key for a new device: negative, below every key in the list (the server replaces it
    /// with a real key; devices in the same change that reference it as their controller are
    /// updated with it).
    pub fn new_key(&self) -> i32 {
        let lowest = self
            .devices
            .iter()
            .map(|device| device.key)
            .min()
            .unwrap_or(0)
            .min(-200);
        lowest - 1
    }

    /// The lowest free unit on `controller`: SCSI controllers have units 0 to 15 minus their
    /// own (7 unless set otherwise), IDE 0 and 1, SATA and PCI 0 to 29.
    pub fn next_unit_number(&self, controller: &VirtualDevice) -> Result<i32, DeviceListError> {
        let family = controller
            .controller_family()
            .ok_or(DeviceListError::NotAController(controller.key))?;
        let reserved = match &controller.kind {
            DeviceKind::ScsiController(scsi) => Some(scsi.scsi_ctlr_unit_number.unwrap_or(7)),
            _ => None,
        };
        (0..family.unit_count())
            .find(|unit| {
                Some(*unit) != reserved
                    && !self
                        .children(controller.key)
                        .any(|device| device.unit_number == Some(*unit))
            })
            .ok_or(DeviceListError::NoFreeUnit(controller.key))
    }

    /// Adds a new `device` to the list: gives it a new key when its key is 0, and, with
    /// `controller_key`, puts it on that controller at its next free unit (unless the device
    /// already has a unit number). Returns the device as added, to put in a
    /// [`VirtualDeviceConfigSpec`](super::VirtualDeviceConfigSpec).
    pub fn add(
        &mut self,
        mut device: VirtualDevice,
        controller_key: Option<i32>,
    ) -> Result<VirtualDevice, DeviceListError> {
        if device.key == 0 {
            device.key = self.new_key();
        }
        if let Some(key) = controller_key {
            let controller = self
                .find_by_key(key)
                .ok_or(DeviceListError::ControllerNotFound(key))?;
            if device.unit_number.is_none() {
                device.unit_number = Some(self.next_unit_number(controller)?);
            }
            device.controller_key = Some(key);
        }
        self.devices.push(device.clone());
        Ok(device)
    }

    /// Drops the device with `key` from the list (after building its `remove` change), so its
    /// unit can be handed out again.
    pub fn forget(&mut self, key: i32) -> Option<VirtualDevice> {
        let index = self.devices.iter().position(|device| device.key == key)?;
        Some(self.devices.remove(index))
    }
}
