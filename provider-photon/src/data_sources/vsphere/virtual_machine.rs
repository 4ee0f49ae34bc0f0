//! `photon_virtual_machine` (data source): a VM or template by name or inventory path, with
//! its hardware, disks and network adapters read the way the `photon_virtual_machine` resource
//! reads them. Like `vsphere_virtual_machine`'s data source; its `id` is what `clone.template_uuid`
//! takes.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Diagnostics, Outcome, Schema};

use super::inventory::{self, DATACENTER_ID, TopFolder};
use crate::resources::vsphere::virtual_machine::{Observed, VM_PATHS, scsi_type_name};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_virtual_machine";
const SUMMARY: &str = "Read photon_virtual_machine failed";

/// The `photon_virtual_machine` data source.
pub struct VirtualMachineDataSource;

fn disk_type() -> Type {
    Type::object([
        ("label", Type::String),
        ("size", Type::Number),
        ("thin_provisioned", Type::Bool),
        ("unit_number", Type::Number),
    ])
}

fn nic_type() -> Type {
    Type::object([
        ("network_id", Type::String),
        ("adapter_type", Type::String),
        ("mac_address", Type::String),
    ])
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up a virtual machine or template by name or inventory path and reports \
                 its hardware, disks and network adapters. Its `id` (the BIOS UUID) is what a \
                 `photon_virtual_machine`'s `clone.template_uuid` takes.",
            )
            .attribute(Attribute::optional("name", Type::String).description(
                "The VM's name, searched below the datacenter's `vm` folder (must be unique \
                 there). Set this or `path`.",
            ))
            .attribute(Attribute::optional("path", Type::String).description(
                "The VM's inventory path: absolute (`/DC0/vm/DC0_H0_VM0`) or relative to the \
                 datacenter's `vm` folder (`infra/web`). Set this or `name`.",
            ))
            .attribute(inventory::datacenter_id_attribute())
            .attribute(Attribute::computed("id", Type::String).description(
                "The BIOS UUID (`config.uuid`), as `vsphere_virtual_machine` uses it.",
            ))
            .attribute(
                Attribute::computed("uuid", Type::String)
                    .description("The BIOS UUID, the same as `id`."),
            )
            .attribute(
                Attribute::computed("moid", Type::String)
                    .description("The managed object ID, e.g. `vm-57`."),
            )
            .attribute(
                Attribute::computed("guest_id", Type::String)
                    .description("The guest OS identifier, e.g. `otherGuest`."),
            )
            .attribute(
                Attribute::computed("firmware", Type::String).description("`bios` or `efi`."),
            )
            .attribute(
                Attribute::computed("num_cpus", Type::Number)
                    .description("The number of virtual CPUs."),
            )
            .attribute(
                Attribute::computed("num_cores_per_socket", Type::Number)
                    .description("Cores per virtual socket."),
            )
            .attribute(Attribute::computed("memory", Type::Number).description("Memory in MB."))
            .attribute(Attribute::computed("scsi_type", Type::String).description(
                "The model of the first SCSI controller: `pvscsi`, `lsilogic`, `lsilogic-sas` \
                 or `buslogic` (empty without one); a clone must use the same.",
            ))
            .attribute(
                Attribute::computed("disks", Type::list(disk_type())).description(
                    "The disks on SCSI controllers in unit order: `label` (`disk0`, `disk1`, …, \
                     as an import labels them), `size` in GB (rounded down), \
                     `thin_provisioned`, `unit_number`.",
                ),
            )
            .attribute(
                Attribute::computed("network_interfaces", Type::list(nic_type())).description(
                    "The network adapters in slot order: `network_id` (network or distributed \
                     port group ID), `adapter_type`, `mac_address`.",
                ),
            )
            .attribute(
                Attribute::computed("template", Type::Bool)
                    .description("Whether this is a template rather than a VM."),
            ),
    )
}

/// The data source's outputs for `observed`.
fn outputs(observed: &Observed) -> Vec<(&'static str, Value)> {
    let disks: Vec<Value> = observed
        .devices
        .disks
        .iter()
        .enumerate()
        .map(|(index, disk)| {
            Value::object([
                ("label", Value::from(format!("disk{index}"))),
                ("size", Value::from(disk.size_gb())),
                ("thin_provisioned", Value::from(disk.thin_provisioned)),
                ("unit_number", Value::from(disk.unit_number)),
            ])
        })
        .collect();
    let nics: Vec<Value> = observed
        .devices
        .nics
        .iter()
        .map(|nic| {
            Value::object([
                ("network_id", Value::from(nic.network_id.clone())),
                ("adapter_type", Value::from(nic.adapter_type.clone())),
                ("mac_address", Value::from(nic.mac_address.clone())),
            ])
        })
        .collect();
    vec![
        ("id", Value::from(observed.uuid.clone())),
        ("uuid", Value::from(observed.uuid.clone())),
        ("moid", Value::from(observed.moref.value.clone())),
        ("guest_id", Value::from(observed.guest_id.clone())),
        ("firmware", Value::from(observed.firmware.clone())),
        ("num_cpus", Value::from(observed.num_cpus)),
        (
            "num_cores_per_socket",
            Value::from(observed.cores_per_socket),
        ),
        ("memory", Value::from(observed.memory_mb)),
        (
            "scsi_type",
            Value::from(observed.devices.scsi_type.map(scsi_type_name).unwrap_or("")),
        ),
        ("disks", Value::List(disks)),
        ("network_interfaces", Value::List(nics)),
        ("template", Value::from(observed.template)),
    ]
}

#[async_trait]
impl DataSource for VirtualMachineDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let name = config.attr("name").unwrap_or(&Value::Null);
        let path = config.attr("path").unwrap_or(&Value::Null);
        if name.is_null() && path.is_null() {
            diagnostics.push(
                Diagnostic::error(
                    "Missing name or path",
                    "name: set the VM's name, or its inventory path in `path`.",
                )
                .at(Path::root().attr("name")),
            );
        } else if !name.is_null() && !path.is_null() {
            diagnostics.push(
                Diagnostic::error(
                    "Conflicting name and path",
                    "path: set either name or path, not both.",
                )
                .at(Path::root().attr("path")),
            );
        }
        diagnostics
    }

    async fn read(&self, ctx: &Context, config: Value) -> Outcome {
        match read(ctx, &config).await {
            Ok(state) => Outcome::ok(state),
            Err(diagnostic) => Outcome::failed(diagnostic),
        }
    }
}

async fn read(ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let datacenter_id = inventory::string_attr(config, DATACENTER_ID);
    let datacenter = inventory::datacenter(&client, datacenter_id, SUMMARY).await?;
    let mut search = inventory::search_in(
        &datacenter,
        TopFolder::Vm,
        "VirtualMachine",
        &["VirtualMachine"],
        "virtual machine",
        SUMMARY,
    );
    let name = inventory::string_attr(config, "name");
    let path = inventory::string_attr(config, "path");
    let wanted = match (name, path) {
        (_, Some(path)) => {
            search.attribute = "path";
            // A bare relative path is still a path, not a name.
            if path.contains('/') {
                path.to_owned()
            } else {
                format!("{}/{path}", search.base_path)
            }
        }
        (Some(name), None) => name.to_owned(),
        (None, None) => {
            return Err(Diagnostic::error(
                "Missing name or path",
                "name: set the VM's name, or its inventory path in `path`.",
            )
            .at(Path::root().attr("name")));
        }
    };
    let content = inventory::find(&client, &search, Some(&wanted), VM_PATHS).await?;
    let observed =
        Observed::from_content(&content).map_err(|error| Diagnostic::error(SUMMARY, error))?;
    tracing::debug!(
        data_source = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    let mut attributes = vec![
        ("name", Value::from(name.map(str::to_owned))),
        ("path", Value::from(path.map(str::to_owned))),
        (DATACENTER_ID, Value::from(datacenter_id.map(str::to_owned))),
    ];
    attributes.extend(outputs(&observed));
    Ok(Value::object(attributes))
}
