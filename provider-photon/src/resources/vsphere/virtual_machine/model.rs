//! What a VM is in vSphere ([`Observed`], from one property retrieval) and what Terraform
//! holds about it (state values built from an observation and the prior state).

use std::collections::{BTreeMap, BTreeSet};

use tfsdk::cty::Value;
use vim::spec::{OptionValue, devices_from_value};
use vim::{ManagedObjectReference, ObjectContent};

use super::devices::{ObservedDevices, scsi_type_name};
use super::schema::*;

/// The properties every read retrieves: one batch for all VMs of a refresh.
pub const VM_PATHS: &[&str] = &[
    "name",
    "parent",
    "resourcePool",
    "datastore",
    "config.uuid",
    "config.guestId",
    "config.firmware",
    "config.hardware.numCPU",
    "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB",
    "config.annotation",
    "config.extraConfig",
    "config.hardware.device",
    "config.template",
    "config.cpuHotAddEnabled",
    "config.cpuHotRemoveEnabled",
    "config.memoryHotAddEnabled",
    "runtime.powerState",
    "runtime.host",
    "guest.ipAddress",
    "guest.net",
    "summary.config.vmPathName",
];

/// A VM as one retrieval of [`VM_PATHS`] shows it.
#[derive(Clone, Debug)]
pub(crate) struct Observed {
    pub(crate) moref: ManagedObjectReference,
    pub(crate) name: String,
    pub(crate) parent: Option<ManagedObjectReference>,
    pub(crate) pool: Option<ManagedObjectReference>,
    pub(crate) datastores: Vec<ManagedObjectReference>,
    pub(crate) uuid: String,
    pub(crate) guest_id: String,
    pub(crate) firmware: String,
    pub(crate) num_cpus: i64,
    pub(crate) cores_per_socket: i64,
    pub(crate) memory_mb: i64,
    pub(crate) annotation: String,
    /// Settings in server order; a key may repeat (vcsim appends), the last one counts.
    pub(crate) extra_config: Vec<(String, String)>,
    pub(crate) devices: ObservedDevices,
    pub(crate) template: bool,
    pub(crate) cpu_hot_add: bool,
    pub(crate) cpu_hot_remove: bool,
    pub(crate) memory_hot_add: bool,
    pub(crate) powered_on: bool,
    pub(crate) host: Option<ManagedObjectReference>,
    pub(crate) ip_address: String,
    pub(crate) guest_ips: Vec<String>,
    pub(crate) vmx_path: String,
}

impl Observed {
    /// Decodes one retrieval; a property that did not decode is an error naming it.
    pub(crate) fn from_content(content: &ObjectContent) -> Result<Observed, String> {
        let text = |path: &str| {
            content
                .get(path)
                .and_then(|value| value.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let number = |path: &str| {
            content
                .get(path)
                .and_then(|value| value.as_i64())
                .unwrap_or_default()
        };
        let flag = |path: &str| {
            content
                .get(path)
                .and_then(|value| value.as_bool())
                .unwrap_or(false)
        };
        let moref = |path: &str| content.get(path).and_then(|value| value.as_mor()).cloned();
        let devices = match content.get("config.hardware.device") {
            Some(value) => devices_from_value(value)
                .map_err(|error| format!("config.hardware.device: {error}"))?,
            None => Vec::new(),
        };
        let extra_config = match content.get("config.extraConfig") {
            Some(value) => OptionValue::from_array(value)
                .map_err(|error| format!("config.extraConfig: {error}"))?
                .into_iter()
                .map(|option| (option.key, option.value.to_text()))
                .collect(),
            None => Vec::new(),
        };
        let guest_ips = match content.get("guest.net") {
            Some(vim::Value::Other { xml, .. }) => ip_addresses(xml),
            _ => Vec::new(),
        };
        Ok(Observed {
            moref: content.obj.clone(),
            name: text("name"),
            parent: moref("parent"),
            pool: moref("resourcePool"),
            datastores: content
                .get("datastore")
                .and_then(|value| value.as_mors())
                .map(<[_]>::to_vec)
                .unwrap_or_default(),
            uuid: text("config.uuid"),
            guest_id: text("config.guestId"),
            firmware: text("config.firmware"),
            num_cpus: number("config.hardware.numCPU"),
            cores_per_socket: number("config.hardware.numCoresPerSocket"),
            memory_mb: number("config.hardware.memoryMB"),
            annotation: text("config.annotation"),
            extra_config,
            devices: ObservedDevices::from_devices(devices),
            template: flag("config.template"),
            cpu_hot_add: flag("config.cpuHotAddEnabled"),
            cpu_hot_remove: flag("config.cpuHotRemoveEnabled"),
            memory_hot_add: flag("config.memoryHotAddEnabled"),
            powered_on: text("runtime.powerState") == "poweredOn",
            host: moref("runtime.host"),
            ip_address: text("guest.ipAddress"),
            guest_ips,
            vmx_path: text("summary.config.vmPathName"),
        })
    }

    /// The current value of an advanced setting: the last entry with the key; an empty value
    /// counts as unset (how a removal reads on servers that keep the key).
    pub(crate) fn setting(&self, key: &str) -> Option<&str> {
        self.extra_config
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// The datastore of the VM's files: the one named in the `.vmx` path when the VM uses
    /// several, else the only one.
    pub(crate) fn datastore_id(&self) -> Option<String> {
        self.datastores.first().map(|ds| ds.value.clone())
    }
}

/// Every `<ipAddress>` text in a `guest.net` value (`GuestNicInfo[]`), de-duplicated, in order.
pub(crate) fn ip_addresses(xml: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<ipAddress>") {
        rest = &rest[start + "<ipAddress>".len()..];
        let end = rest.find('<').unwrap_or(rest.len());
        let text = rest[..end].trim();
        if !text.is_empty() && !found.iter().any(|ip: &String| ip == text) {
            found.push(text.to_owned());
        }
    }
    found
}

/// Where a VM sits: the folder path relative to its datacenter's `vm` folder (`None` for the
/// `vm` folder itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) folder: Option<String>,
}

/// What the state keeps that vSphere does not say: disk labels, which settings are managed,
/// the arguments that only steer the provider.
#[derive(Clone, Debug, Default)]
pub(crate) struct Remembered {
    /// Disk labels by device key, then by unit number.
    pub(crate) labels_by_key: BTreeMap<i64, String>,
    pub(crate) labels_by_unit: BTreeMap<i64, String>,
    /// The `extra_config` keys the configuration manages; `None` when it sets none.
    pub(crate) extra_config_keys: Option<BTreeSet<String>>,
    /// Whether `kickstart` is managed.
    pub(crate) kickstart: bool,
    /// The tag IDs read (or `None` when tags are not managed).
    pub(crate) tags: Option<Vec<String>>,
    /// Copied from the prior state.
    pub(crate) wait_for_guest_ip_timeout: Value,
    pub(crate) shutdown_wait_timeout: Value,
    pub(crate) clone: Value,
}

fn number_of(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_number).and_then(|n| n.as_i64())
}

impl Remembered {
    /// Reads what to keep from a prior (or planned) state.
    pub(crate) fn from_state(state: &Value) -> Remembered {
        let mut remembered = Remembered {
            wait_for_guest_ip_timeout: state
                .attr(WAIT_FOR_GUEST_IP_TIMEOUT)
                .cloned()
                .filter(Value::is_known)
                .unwrap_or(Value::from(0)),
            shutdown_wait_timeout: state
                .attr(SHUTDOWN_WAIT_TIMEOUT)
                .cloned()
                .filter(Value::is_known)
                .unwrap_or(Value::from(3)),
            // An empty block list, never null: that is what a configuration without `clone`
            // plans.
            clone: state
                .attr(CLONE)
                .cloned()
                .filter(|clone| !clone.is_null())
                .unwrap_or(Value::List(Vec::new())),
            ..Remembered::default()
        };
        for disk in state
            .attr(DISK)
            .and_then(Value::elements)
            .unwrap_or_default()
        {
            let Some(label) = disk.attr(LABEL).and_then(Value::as_str) else {
                continue;
            };
            if let Some(key) = number_of(disk.attr(KEY)) {
                remembered.labels_by_key.insert(key, label.to_owned());
            }
            if let Some(unit) = number_of(disk.attr(UNIT_NUMBER)) {
                remembered.labels_by_unit.insert(unit, label.to_owned());
            }
        }
        remembered.extra_config_keys = state
            .attr(EXTRA_CONFIG)
            .and_then(Value::entries)
            .map(|entries| entries.keys().cloned().collect());
        remembered.kickstart = state.attr(KICKSTART).is_some_and(|value| !value.is_null());
        remembered
    }
}

/// The state of a VM: `observed`, placed at `placement`, with what the state remembers.
pub(crate) fn state_value(
    observed: &Observed,
    placement: &Placement,
    remembered: &Remembered,
) -> Value {
    let string = |text: &str| Value::from(text);
    let disks: Vec<Value> = observed
        .devices
        .disks
        .iter()
        .enumerate()
        .map(|(index, disk)| {
            let label = remembered
                .labels_by_key
                .get(&i64::from(disk.key))
                .or_else(|| remembered.labels_by_unit.get(&disk.unit_number))
                .cloned()
                .unwrap_or_else(|| format!("disk{index}"));
            Value::object([
                (LABEL, Value::from(label)),
                (SIZE, Value::from(disk.size_gb())),
                (THIN_PROVISIONED, Value::from(disk.thin_provisioned)),
                (UNIT_NUMBER, Value::from(disk.unit_number)),
                (KEY, Value::from(i64::from(disk.key))),
                (UUID, string(&disk.uuid)),
                (PATH, string(&disk.path)),
            ])
        })
        .collect();
    let nics: Vec<Value> = observed
        .devices
        .nics
        .iter()
        .map(|nic| {
            Value::object([
                (NETWORK_ID, string(&nic.network_id)),
                (ADAPTER_TYPE, string(&nic.adapter_type)),
                (MAC_ADDRESS, string(&nic.mac_address)),
                (KEY, Value::from(i64::from(nic.key))),
            ])
        })
        .collect();
    let cdroms: Vec<Value> = observed
        .devices
        .cdroms
        .iter()
        .take(1)
        .map(|drive| {
            Value::object([
                (
                    DATASTORE_ID,
                    Value::from(drive.datastore_id.clone().unwrap_or_default()),
                ),
                (PATH, string(&drive.path)),
            ])
        })
        .collect();
    let extra_config = remembered.extra_config_keys.as_ref().map(|keys| {
        Value::Map(
            keys.iter()
                .filter_map(|key| {
                    observed
                        .setting(key)
                        .map(|value| (key.clone(), Value::from(value)))
                })
                .collect(),
        )
    });
    let kickstart = if remembered.kickstart {
        observed.setting(KICKSTART_KEY).map(str::to_owned)
    } else {
        None
    };
    let tags = remembered
        .tags
        .as_ref()
        .map(|tags| Value::Set(tags.iter().map(Value::from).collect()));
    let mor_value = |moref: &Option<ManagedObjectReference>| {
        Value::from(moref.as_ref().map(|moref| moref.value.clone()))
    };
    Value::object([
        (ID, string(&observed.uuid)),
        (NAME, string(&observed.name)),
        (RESOURCE_POOL_ID, mor_value(&observed.pool)),
        (DATASTORE_ID, Value::from(observed.datastore_id())),
        (FOLDER, Value::from(placement.folder.clone())),
        (HOST_SYSTEM_ID, mor_value(&observed.host)),
        (NUM_CPUS, Value::from(observed.num_cpus)),
        (NUM_CORES_PER_SOCKET, Value::from(observed.cores_per_socket)),
        (MEMORY, Value::from(observed.memory_mb)),
        (GUEST_ID, string(&observed.guest_id)),
        (FIRMWARE, string(&observed.firmware)),
        (
            ANNOTATION,
            Value::from(Some(observed.annotation.clone()).filter(|text| !text.is_empty())),
        ),
        (EXTRA_CONFIG, extra_config.unwrap_or(Value::Null)),
        (KICKSTART, Value::from(kickstart)),
        (TAGS, tags.unwrap_or(Value::Null)),
        (
            POWER_STATE,
            Value::from(if observed.powered_on { "on" } else { "off" }),
        ),
        (
            WAIT_FOR_GUEST_IP_TIMEOUT,
            remembered.wait_for_guest_ip_timeout.clone(),
        ),
        (
            SHUTDOWN_WAIT_TIMEOUT,
            remembered.shutdown_wait_timeout.clone(),
        ),
        (
            SCSI_TYPE,
            Value::from(
                observed
                    .devices
                    .scsi_type
                    .map(scsi_type_name)
                    .unwrap_or("pvscsi"),
            ),
        ),
        (MOID, string(&observed.moref.value)),
        (UUID, string(&observed.uuid)),
        (DEFAULT_IP_ADDRESS, string(&observed.ip_address)),
        (
            GUEST_IP_ADDRESSES,
            Value::List(observed.guest_ips.iter().map(Value::from).collect()),
        ),
        (VMX_PATH, string(&observed.vmx_path)),
        (DISK, Value::List(disks)),
        (NETWORK_INTERFACE, Value::List(nics)),
        (CDROM, Value::List(cdroms)),
        (CLONE, remembered.clone.clone()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_net_addresses_are_collected_once() {
        let xml = "<val><GuestNicInfo><network>VM Network</network><ipAddress>10.0.0.5</ipAddress>\
                   <ipAddress>fe80::1</ipAddress><ipConfig><ipAddress><ipAddress>10.0.0.5</ipAddress>\
                   <prefixLength>24</prefixLength></ipAddress></ipConfig></GuestNicInfo></val>";
        assert_eq!(ip_addresses(xml), ["10.0.0.5", "fe80::1"]);
    }
}
