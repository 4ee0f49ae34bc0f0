//! Provisioning: create, reconfigure, clone and relocate VMs, and read their devices.
//!
//! Each `_Task` method returns once its task has finished; a task error is [`Error::Fault`]
//! with the fault's kind. The specs live in [`crate::spec`].
//!
//! vcsim (govmomi 0.24.2) differs from vCenter in ways callers notice: `CloneVM_Task` ignores
//! `powerOn`, `config.numCPUs`/`memoryMB` and the disk move type (apply hardware with a
//! follow-up [`Client::reconfigure_vm`]), `RelocateVM_Task` only rewrites the placement
//! properties (no files move), `CreateVM_Task` does not reject a duplicate name, and an
//! unknown datastore in `files.vmPathName` crashes the request (a transport error, not a
//! fault).

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::property::Value;
use crate::session::Client;
use crate::spec::{
    VirtualDevice, VirtualMachineCloneSpec, VirtualMachineConfigSpec, VirtualMachineRelocateSpec,
    devices_from_value,
};
use crate::types::ManagedObjectReference;

/// `CreateVM_Task` on a VM folder: a new VM from `config` in `pool` (on `host`); returns the
/// task, whose result is the VM.
#[derive(Clone, Debug, Serialize)]
pub struct CreateVmTask {
    /// The folder the VM goes into.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The VM's configuration (`name` and `files.vmPathName` are required).
    pub config: VirtualMachineConfigSpec,
    /// The resource pool.
    pub pool: ManagedObjectReference,
    /// The host; required for a standalone host's pool on some servers, picked by the server
    /// when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
}

impl Request for CreateVmTask {
    const METHOD: &'static str = "CreateVM_Task";
    // A retry after a lost response would create a second VM.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `ReconfigVM_Task` on a VM: applies `spec`; returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct ReconfigVmTask {
    /// The VM.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The changes.
    pub spec: VirtualMachineConfigSpec,
}

impl Request for ReconfigVmTask {
    const METHOD: &'static str = "ReconfigVM_Task";
    // Device adds and extraConfig appends are not idempotent.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `CloneVM_Task` on a VM or template: a copy named `name` in `folder`; returns the task,
/// whose result is the clone.
#[derive(Clone, Debug, Serialize)]
pub struct CloneVmTask {
    /// The source VM or template.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The folder the clone goes into.
    pub folder: ManagedObjectReference,
    /// The clone's name.
    pub name: String,
    /// Placement and changes.
    pub spec: VirtualMachineCloneSpec,
}

impl Request for CloneVmTask {
    const METHOD: &'static str = "CloneVM_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RelocateVM_Task` on a VM: moves it to another pool, host, datastore or folder; returns
/// the task.
#[derive(Clone, Debug, Serialize)]
pub struct RelocateVmTask {
    /// The VM.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Where it goes.
    pub spec: VirtualMachineRelocateSpec,
    /// `defaultPriority`, `highPriority` or `lowPriority` (vMotion priority).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

impl Request for RelocateVmTask {
    const METHOD: &'static str = "RelocateVM_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// The moref a finished task returned (`CreateVM_Task`, `CloneVM_Task`).
fn task_moref(
    method: &'static str,
    result: Option<Value>,
) -> Result<ManagedObjectReference, Error> {
    match result {
        Some(Value::ManagedObjectReference(moref)) => Ok(moref),
        other => Err(Error::Decode {
            method,
            reason: format!("task result is not a managed object reference: {other:?}"),
        }),
    }
}

impl Client {
    /// Creates a VM from `spec` in `folder` and `pool` (on `host`, or one the server picks),
    /// waits for the task and returns the new VM.
    pub async fn create_vm(
        &self,
        folder: &ManagedObjectReference,
        pool: &ManagedObjectReference,
        host: Option<&ManagedObjectReference>,
        spec: &VirtualMachineConfigSpec,
    ) -> Result<ManagedObjectReference, Error> {
        let task = self
            .call(&CreateVmTask {
                this: folder.clone(),
                config: spec.clone(),
                pool: pool.clone(),
                host: host.cloned(),
            })
            .await?;
        let result = self.wait_for_task(&task).await?;
        task_moref(CreateVmTask::METHOD, result)
    }

    /// Applies `spec` to `vm` and waits for the task.
    pub async fn reconfigure_vm(
        &self,
        vm: &ManagedObjectReference,
        spec: &VirtualMachineConfigSpec,
    ) -> Result<(), Error> {
        let task = self
            .call(&ReconfigVmTask {
                this: vm.clone(),
                spec: spec.clone(),
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// The devices of `vm` (`config.hardware.device`, one property read); empty when the VM
    /// has no configuration yet.
    pub async fn vm_devices(
        &self,
        vm: &ManagedObjectReference,
    ) -> Result<Vec<VirtualDevice>, Error> {
        const PATH: &str = "config.hardware.device";
        let objects = self
            .retrieve_objects(std::slice::from_ref(vm), "VirtualMachine", &[PATH])
            .await?;
        let decode_error = |reason: String| Error::Decode {
            method: "RetrievePropertiesEx",
            reason: format!("{PATH} of {vm}: {reason}"),
        };
        let Some(object) = objects.into_iter().next() else {
            return Err(decode_error("object missing from the result".into()));
        };
        if let Some(fault) = object.missing(PATH) {
            return Err(Error::from(fault.clone()));
        }
        match object.get(PATH) {
            Some(value) => devices_from_value(value).map_err(decode_error),
            None => Ok(Vec::new()),
        }
    }

    /// Clones `vm` as `name` into `folder` with `spec`, waits for the task and returns the
    /// clone.
    pub async fn clone_vm(
        &self,
        vm: &ManagedObjectReference,
        folder: &ManagedObjectReference,
        name: &str,
        spec: &VirtualMachineCloneSpec,
    ) -> Result<ManagedObjectReference, Error> {
        let task = self
            .call(&CloneVmTask {
                this: vm.clone(),
                folder: folder.clone(),
                name: name.to_owned(),
                spec: spec.clone(),
            })
            .await?;
        let result = self.wait_for_task(&task).await?;
        task_moref(CloneVmTask::METHOD, result)
    }

    /// Relocates `vm` as `spec` says and waits for the task.
    pub async fn relocate_vm(
        &self,
        vm: &ManagedObjectReference,
        spec: &VirtualMachineRelocateSpec,
    ) -> Result<(), Error> {
        let task = self
            .call(&RelocateVmTask {
                this: vm.clone(),
                spec: spec.clone(),
                priority: None,
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }
}
