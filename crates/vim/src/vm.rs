//! Thin operations on a virtual machine (and `CreateFolder`): each sends one method and, for
//! `_Task` methods, returns once the task has finished; a task error is [`Error::Fault`] with
//! the fault's kind (e.g. `InvalidPowerState` for a power-on of a running VM).

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// Declares a method whose only parameter is `_this`.
macro_rules! this_only {
    ($(#[$doc:meta])* $name:ident, $method:literal, $response:ty, $decode:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Serialize)]
        pub struct $name {
            /// The object the method is called on.
            #[serde(rename = "_this")]
            pub this: ManagedObjectReference,
        }

        impl Request for $name {
            const METHOD: &'static str = $method;
            // Changes state: a retry after a lost response would act twice or fault.
            const IDEMPOTENT: bool = false;
            type Response = $response;
            fn decode(returnvals: Returnvals) -> Result<$response, String> {
                returnvals.$decode()
            }
        }
    };
}

this_only!(
    /// `PowerOnVM_Task` on a VM (on its current host); returns the task.
    PowerOnVmTask,
    "PowerOnVM_Task",
    ManagedObjectReference,
    one
);
this_only!(
    /// `PowerOffVM_Task` on a VM (hard power off); returns the task.
    PowerOffVmTask,
    "PowerOffVM_Task",
    ManagedObjectReference,
    one
);
this_only!(
    /// `ShutdownGuest` on a VM: asks the guest OS to shut down (no task; needs VMware Tools on
    /// vSphere, vcsim powers off at once).
    ShutdownGuest,
    "ShutdownGuest",
    (),
    none
);
this_only!(
    /// `Destroy_Task` on a managed entity: deletes it (a VM with its files); returns the task.
    DestroyTask,
    "Destroy_Task",
    ManagedObjectReference,
    one
);
this_only!(
    /// `MarkAsTemplate` on a powered-off VM.
    MarkAsTemplate,
    "MarkAsTemplate",
    (),
    none
);

/// `Rename_Task` on a managed entity; returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct RenameTask {
    /// The entity.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The new name.
    #[serde(rename = "newName")]
    pub new_name: String,
}

impl Request for RenameTask {
    const METHOD: &'static str = "Rename_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `MarkAsVirtualMachine` on a template: makes it a VM again in `pool` (and on `host`).
#[derive(Clone, Debug, Serialize)]
pub struct MarkAsVirtualMachine {
    /// The template.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The resource pool the VM goes into.
    pub pool: ManagedObjectReference,
    /// The host it runs on; the server picks one when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
}

impl Request for MarkAsVirtualMachine {
    const METHOD: &'static str = "MarkAsVirtualMachine";
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `CreateFolder` on a folder: a new child folder; returns it.
#[derive(Clone, Debug, Serialize)]
pub struct CreateFolder {
    /// The parent folder.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The new folder's name.
    pub name: String,
}

impl Request for CreateFolder {
    const METHOD: &'static str = "CreateFolder";
    // A retry would fault with DuplicateName after a lost response.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

impl Client {
    /// Powers `vm` on and waits for the task.
    pub async fn power_on_vm(&self, vm: &ManagedObjectReference) -> Result<(), Error> {
        let task = self.call(&PowerOnVmTask { this: vm.clone() }).await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Powers `vm` off (hard) and waits for the task.
    pub async fn power_off_vm(&self, vm: &ManagedObjectReference) -> Result<(), Error> {
        let task = self.call(&PowerOffVmTask { this: vm.clone() }).await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Asks the guest of `vm` to shut down. It returns when the request is accepted, not when
    /// the VM is off (vSphere); without tools the server answers with a fault
    /// (`ToolsUnavailable`, kept as [`FaultKind::Other`](crate::FaultKind::Other)).
    pub async fn shutdown_guest(&self, vm: &ManagedObjectReference) -> Result<(), Error> {
        self.call(&ShutdownGuest { this: vm.clone() }).await
    }

    /// Renames the entity `entity` and waits for the task.
    pub async fn rename(&self, entity: &ManagedObjectReference, name: &str) -> Result<(), Error> {
        let task = self
            .call(&RenameTask {
                this: entity.clone(),
                new_name: name.to_owned(),
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Destroys the entity `entity` (a VM must be powered off) and waits for the task.
    pub async fn destroy(&self, entity: &ManagedObjectReference) -> Result<(), Error> {
        let task = self
            .call(&DestroyTask {
                this: entity.clone(),
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Marks the powered-off `vm` as a template.
    pub async fn mark_as_template(&self, vm: &ManagedObjectReference) -> Result<(), Error> {
        self.call(&MarkAsTemplate { this: vm.clone() }).await
    }

    /// Turns the template `vm` back into a VM in `pool` (on `host`, or one the server picks).
    pub async fn mark_as_virtual_machine(
        &self,
        vm: &ManagedObjectReference,
        pool: &ManagedObjectReference,
        host: Option<&ManagedObjectReference>,
    ) -> Result<(), Error> {
        self.call(&MarkAsVirtualMachine {
            this: vm.clone(),
            pool: pool.clone(),
            host: host.cloned(),
        })
        .await
    }

    /// Creates the folder `name` under `parent`; an existing name is a `DuplicateName` fault.
    pub async fn create_folder(
        &self,
        parent: &ManagedObjectReference,
        name: &str,
    ) -> Result<ManagedObjectReference, Error> {
        self.call(&CreateFolder {
            this: parent.clone(),
            name: name.to_owned(),
        })
        .await
    }
}
