//! The schema of `photon_virtual_machine`: argument names mirror `vsphere_virtual_machine`.

use tfsdk::cty::{Type, Value};
use tfsdk::plan_modifier::{Default, RequiresReplace, UseStateForUnknown};
use tfsdk::validator::{Between, OneOf};
use tfsdk::{Attribute, Block, BlockNesting, NestedBlock, Schema};

pub(crate) const ID: &str = "id";
pub(crate) const NAME: &str = "name";
pub(crate) const RESOURCE_POOL_ID: &str = "resource_pool_id";
pub(crate) const DATASTORE_ID: &str = "datastore_id";
pub(crate) const FOLDER: &str = "folder";
pub(crate) const HOST_SYSTEM_ID: &str = "host_system_id";
pub(crate) const NUM_CPUS: &str = "num_cpus";
pub(crate) const NUM_CORES_PER_SOCKET: &str = "num_cores_per_socket";
pub(crate) const MEMORY: &str = "memory";
pub(crate) const GUEST_ID: &str = "guest_id";
pub(crate) const FIRMWARE: &str = "firmware";
pub(crate) const ANNOTATION: &str = "annotation";
pub(crate) const EXTRA_CONFIG: &str = "extra_config";
pub(crate) const KICKSTART: &str = "kickstart";
pub(crate) const TAGS: &str = "tags";
pub(crate) const POWER_STATE: &str = "power_state";
pub(crate) const WAIT_FOR_GUEST_IP_TIMEOUT: &str = "wait_for_guest_ip_timeout";
pub(crate) const SHUTDOWN_WAIT_TIMEOUT: &str = "shutdown_wait_timeout";
pub(crate) const SCSI_TYPE: &str = "scsi_type";
pub(crate) const MOID: &str = "moid";
pub(crate) const UUID: &str = "uuid";
pub(crate) const DEFAULT_IP_ADDRESS: &str = "default_ip_address";
pub(crate) const GUEST_IP_ADDRESSES: &str = "guest_ip_addresses";
pub(crate) const VMX_PATH: &str = "vmx_path";

pub(crate) const DISK: &str = "disk";
pub(crate) const LABEL: &str = "label";
pub(crate) const SIZE: &str = "size";
pub(crate) const THIN_PROVISIONED: &str = "thin_provisioned";
pub(crate) const UNIT_NUMBER: &str = "unit_number";
pub(crate) const KEY: &str = "key";
pub(crate) const PATH: &str = "path";

pub(crate) const NETWORK_INTERFACE: &str = "network_interface";
pub(crate) const NETWORK_ID: &str = "network_id";
pub(crate) const ADAPTER_TYPE: &str = "adapter_type";
pub(crate) const MAC_ADDRESS: &str = "mac_address";

pub(crate) const CDROM: &str = "cdrom";
pub(crate) const CLONE: &str = "clone";
pub(crate) const TEMPLATE_UUID: &str = "template_uuid";

/// The guest OS identifier planned when `guest_id` is not set.
pub(crate) const DEFAULT_GUEST_ID: &str = "vmwarePhoton64Guest";
/// The extraConfig key `kickstart` is written to.
pub(crate) const KICKSTART_KEY: &str = "guestinfo.kickstart.data";

pub(crate) const FIRMWARES: [&str; 2] = ["bios", "efi"];
pub(crate) const POWER_STATES: [&str; 2] = ["on", "off"];
pub(crate) const ADAPTER_TYPES: [&str; 3] = ["vmxnet3", "e1000", "e1000e"];
pub(crate) const SCSI_TYPES: [&str; 3] = ["pvscsi", "lsilogic", "lsilogic-sas"];

fn int(value: i64) -> Value {
    Value::from(value)
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A vSphere virtual machine, like `vsphere_virtual_machine`: created from scratch \
                 (a paravirtual SCSI controller, the `disk`s, `network_interface`s and an optional \
                 ISO `cdrom`) or cloned from a VM or template (`clone`), then powered as \
                 `power_state` says. CPU, memory, notes, `extra_config`, disks (grow, add, \
                 remove), network adapters, the CD-ROM, name, folder, resource pool and host, \
                 tags and power change in place; a change that vSphere only accepts while the VM \
                 is off (less memory or CPUs without hot add, firmware, guest OS) powers it off \
                 and back on. Changing `datastore_id` or `clone.template_uuid` replaces the VM. \
                 Import with the VM's inventory path; disks get the labels `disk0`, `disk1`, ….",
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description(
                        "The VM's BIOS UUID (`config.uuid`), as `vsphere_virtual_machine` uses \
                         it; Read finds the VM by it when `moid` no longer does.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(Attribute::required(NAME, Type::String).description(
                "The VM's name, unique in its folder. Changing it renames the VM in place.",
            ))
            .attribute(Attribute::required(RESOURCE_POOL_ID, Type::String).description(
                "The managed object ID of the resource pool the VM runs in (the `id` of a \
                 `photon_resource_pool`, e.g. `resgroup-22`). Changing it relocates the VM in \
                 place.",
            ))
            .attribute(
                Attribute::optional_computed(DATASTORE_ID, Type::String)
                    .description(
                        "The managed object ID of the datastore for the VM's files and new disks \
                         (the `id` of a `photon_datastore`). Required unless `clone` is set \
                         (then the source's datastore is used).",
                    )
                    .plan_modifier(UseStateForUnknown)
                    .plan_modifier(RequiresReplace),
            )
            .attribute(Attribute::optional(FOLDER, Type::String).description(
                "The VM folder path relative to the datacenter's `vm` folder, e.g. `infra/web` \
                 for `/DC0/vm/infra/web` (the folder must exist). Leave it out for the `vm` \
                 folder itself. Changing it moves the VM in place.",
            ))
            .attribute(
                Attribute::optional_computed(HOST_SYSTEM_ID, Type::String)
                    .description(
                        "The managed object ID of the host to run on (the `id` of a \
                         `photon_host`); vSphere picks one in the pool when left out. Changing \
                         it relocates the VM in place.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::optional_computed(NUM_CPUS, Type::Number)
                    .description("The number of virtual CPUs.")
                    .validator(Between(1.0, 768.0))
                    .plan_modifier(Default(int(1))),
            )
            .attribute(
                Attribute::optional_computed(NUM_CORES_PER_SOCKET, Type::Number)
                    .description(
                        "Cores per virtual socket; `num_cpus` must be a multiple of it.",
                    )
                    .validator(Between(1.0, 768.0))
                    .plan_modifier(Default(int(1))),
            )
            .attribute(
                Attribute::optional_computed(MEMORY, Type::Number)
                    .description("Memory in MB.")
                    .validator(Between(4.0, 24.0 * 1024.0 * 1024.0))
                    .plan_modifier(Default(int(1024))),
            )
            .attribute(
                Attribute::optional_computed(GUEST_ID, Type::String)
                    .description(
                        "The guest OS identifier, e.g. `vmwarePhoton64Guest`, `ubuntu64Guest`, \
                         `otherGuest64`.",
                    )
                    .plan_modifier(Default(DEFAULT_GUEST_ID.into())),
            )
            .attribute(
                Attribute::optional_computed(FIRMWARE, Type::String)
                    .description("The firmware interface: `bios` or `efi`.")
                    .validator(OneOf(&FIRMWARES))
                    .plan_modifier(Default("bios".into())),
            )
            .attribute(Attribute::optional(ANNOTATION, Type::String).description(
                "The VM's notes (`config.annotation`).",
            ))
            .attribute(
                Attribute::optional(EXTRA_CONFIG, Type::map(Type::String)).description(
                    "Advanced settings (`.vmx` keys such as `guestinfo.*`) to set. Only the keys \
                     listed here are read back and compared, so settings vSphere adds do not \
                     show as changes; removing a key clears it. Use `kickstart` for \
                     `guestinfo.kickstart.data`.",
                ),
            )
            .attribute(
                Attribute::optional(KICKSTART, Type::String)
                    .sensitive()
                    .description(
                        "A Photon OS kickstart for the installer, as the `base64` of a \
                         `photon_kickstart` data source; written to the extraConfig key \
                         `guestinfo.kickstart.data`. Sensitive: it may hold password hashes.",
                    ),
            )
            .attribute(
                Attribute::optional(TAGS, Type::set(Type::String)).description(
                    "The IDs of vSphere tags to attach (vAPI tagging, e.g. \
                     `urn:vmomi:InventoryServiceTag:…`). Tags attached outside Terraform show \
                     as changes when this is set.",
                ),
            )
            .attribute(
                Attribute::optional_computed(POWER_STATE, Type::String)
                    .description(
                        "`on` or `off`. The VM is powered on after creation unless this is \
                         `off`; a VM powered off or on outside Terraform shows as a change.",
                    )
                    .validator(OneOf(&POWER_STATES))
                    .plan_modifier(Default("on".into())),
            )
            .attribute(
                Attribute::optional_computed(WAIT_FOR_GUEST_IP_TIMEOUT, Type::Number)
                    .description(
                        "Minutes to wait after powering on for the guest to report an IP \
                         address (`guest.ipAddress`, needs VMware Tools); `0` does not wait.",
                    )
                    .validator(Between(0.0, 1440.0))
                    .plan_modifier(Default(int(0))),
            )
            .attribute(
                Attribute::optional_computed(SHUTDOWN_WAIT_TIMEOUT, Type::Number)
                    .description(
                        "Minutes to wait for a guest shutdown (needs VMware Tools) before \
                         powering the VM off hard, when it must be off (destroy, a change that \
                         needs it, `power_state = \"off\"`).",
                    )
                    .validator(Between(0.0, 60.0))
                    .plan_modifier(Default(int(3))),
            )
            .attribute(
                Attribute::optional_computed(SCSI_TYPE, Type::String)
                    .description(
                        "The model of the SCSI controller the disks sit on: `pvscsi` (VMware \
                         Paravirtual), `lsilogic` or `lsilogic-sas`. A clone keeps its source's \
                         controller, which must match. Changing it replaces the VM.",
                    )
                    .validator(OneOf(&SCSI_TYPES))
                    .plan_modifier(Default("pvscsi".into()))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(MOID, Type::String)
                    .description("The VM's managed object ID, e.g. `vm-42`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(UUID, Type::String)
                    .description("The BIOS UUID (`config.uuid`), the same as `id`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(Attribute::computed(DEFAULT_IP_ADDRESS, Type::String).description(
                "The guest's primary IP address as VMware Tools reports it (`guest.ipAddress`); \
                 empty until the guest reports one.",
            ))
            .attribute(
                Attribute::computed(GUEST_IP_ADDRESSES, Type::list(Type::String)).description(
                    "Every IP address the guest reports on its network adapters (`guest.net`).",
                ),
            )
            .attribute(
                Attribute::computed(VMX_PATH, Type::String)
                    .description(
                        "The datastore path of the VM's `.vmx` file, e.g. `[LocalDS_0] web/web.vmx`.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .block(disk_block())
            .block(network_interface_block())
            .block(
                NestedBlock::new(
                    CDROM,
                    BlockNesting::List,
                    Block::new()
                        .description("A CD-ROM drive on the first IDE controller with an ISO image.")
                        .attribute(Attribute::required(DATASTORE_ID, Type::String).description(
                            "The managed object ID of the datastore holding the ISO image.",
                        ))
                        .attribute(Attribute::required(PATH, Type::String).description(
                            "The ISO image's path on that datastore, e.g. `iso/photon-5.0.iso`.",
                        )),
                )
                .items(0, 1),
            )
            .block(
                NestedBlock::new(
                    CLONE,
                    BlockNesting::List,
                    Block::new()
                        .description(
                            "Create the VM as a copy of a VM or template instead of from scratch. \
                             Its disks are matched to the `disk` blocks in unit-number order and \
                             grown to their `size`; extra `disk` blocks add disks.",
                        )
                        .attribute(
                            Attribute::required(TEMPLATE_UUID, Type::String)
                                .description(
                                    "The BIOS UUID of the VM or template to copy (the `id` of a \
                                     `photon_virtual_machine` data source). Changing it replaces \
                                     the VM.",
                                )
                                .plan_modifier(RequiresReplace),
                        ),
                )
                .items(0, 1),
            ),
    )
}

fn disk_block() -> NestedBlock {
    NestedBlock::new(
        DISK,
        BlockNesting::List,
        Block::new()
            .description(
                "A virtual disk on the SCSI controller. At least one is needed for a VM created \
                 from scratch. Disks are identified by `label`: a new label adds a disk, a label \
                 that disappears removes the disk and deletes its file.",
            )
            .attribute(Attribute::required(LABEL, Type::String).description(
                "A name for the disk, unique in this VM; it stays in Terraform (imported disks \
                 are labelled `disk0`, `disk1`, … in unit-number order).",
            ))
            .attribute(
                Attribute::required(SIZE, Type::Number)
                    .description(
                        "The size in GB. Disks can grow in place but never shrink.",
                    )
                    .validator(Between(1.0, 62.0 * 1024.0)),
            )
            .attribute(Attribute::optional_computed(THIN_PROVISIONED, Type::Bool).description(
                "Whether the disk is thin provisioned; defaults to `true` for a new disk and to \
                 the source's setting for a cloned one. Cannot change once the disk exists.",
            ))
            .attribute(
                Attribute::optional_computed(UNIT_NUMBER, Type::Number)
                    .description(
                        "The disk's unit on the SCSI bus (0-15 without 7). Defaults to the \
                         block's position, skipping unit 7; a clone's disks keep theirs. Cannot \
                         change once the disk exists.",
                    )
                    .validator(Between(0.0, 15.0)),
            )
            .attribute(Attribute::computed(KEY, Type::Number).description(
                "The device key vSphere gave the disk.",
            ))
            .attribute(Attribute::computed(UUID, Type::String).description(
                "The disk's UUID, when vSphere reports one (empty otherwise).",
            ))
            .attribute(Attribute::computed(PATH, Type::String).description(
                "The datastore path of the disk's VMDK, e.g. `[LocalDS_0] web/web.vmdk`.",
            )),
    )
}

fn network_interface_block() -> NestedBlock {
    NestedBlock::new(
        NETWORK_INTERFACE,
        BlockNesting::List,
        Block::new()
            .description(
                "A network adapter, in PCI slot order. Changing `network_id` reconnects the \
                 adapter in place; changing `adapter_type` replaces the adapter (new MAC \
                 address).",
            )
            .attribute(Attribute::required(NETWORK_ID, Type::String).description(
                "The managed object ID of the network or distributed port group (the `id` of a \
                 `photon_network`).",
            ))
            .attribute(
                Attribute::optional_computed(ADAPTER_TYPE, Type::String)
                    .description("The adapter model: `vmxnet3`, `e1000` or `e1000e`.")
                    .validator(OneOf(&ADAPTER_TYPES))
                    .plan_modifier(Default("vmxnet3".into())),
            )
            .attribute(
                Attribute::computed(MAC_ADDRESS, Type::String)
                    .description("The MAC address vSphere generated."),
            )
            .attribute(
                Attribute::computed(KEY, Type::Number)
                    .description("The device key vSphere gave the adapter."),
            ),
    )
}
