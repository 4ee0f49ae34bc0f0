//! Task waiting and VM operations against the real vCenter simulator (govmomi 0.24.2 vcsim).
//! Every test that changes the inventory runs its own simulator.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::vm::{PowerOffVmTask, PowerOnVmTask, RenameTask};
use vim::{Client, ConnectOptions, Error, FaultKind, ManagedObjectReference, Value};

async fn connect(vcsim: &Vcsim) -> Client {
    Client::connect(ConnectOptions {
        url: vcsim.url.clone(),
        username: vcsim.options.username.clone(),
        password: vcsim.options.password.clone(),
        ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
        ..ConnectOptions::default()
    })
    .await
    .unwrap()
}

/// VM name → moref.
async fn vms(client: &Client) -> HashMap<String, ManagedObjectReference> {
    let root = client.service_content().root_folder.clone();
    client
        .retrieve(&root, "VirtualMachine", &["name"])
        .await
        .unwrap()
        .into_iter()
        .map(|vm| {
            let name = vm.get("name").unwrap().as_str().unwrap().to_owned();
            (name, vm.obj)
        })
        .collect()
}

/// One property of one object.
async fn property(client: &Client, obj: &ManagedObjectReference, path: &str) -> Option<Value> {
    let mut objects = client
        .retrieve_objects(std::slice::from_ref(obj), &obj.kind, &[path])
        .await
        .unwrap();
    objects.pop().unwrap().get(path).cloned()
}

fn power_state(state: &str) -> Option<Value> {
    Some(Value::VirtualMachinePowerState(state.into()))
}

fn fault_kind(error: &Error) -> &FaultKind {
    &error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error:?}"))
        .kind
}

#[tokio::test]
async fn several_tasks_and_a_failing_one_resolve_through_one_wait() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vms = vms(&client).await;
    let off_a = &vms["DC0_H0_VM0"];
    let off_b = &vms["DC0_H0_VM1"];
    let renamed = &vms["DC0_C0_RP0_VM0"];
    let running = &vms["DC0_C0_RP0_VM1"];
    let tasks = vec![
        client
            .call(&PowerOffVmTask {
                this: off_a.clone(),
            })
            .await
            .unwrap(),
        client
            .call(&PowerOffVmTask {
                this: off_b.clone(),
            })
            .await
            .unwrap(),
        client
            .call(&RenameTask {
                this: renamed.clone(),
                new_name: "renamed & <escaped>".into(),
            })
            .await
            .unwrap(),
        // Already on: the task fails.
        client
            .call(&PowerOnVmTask {
                this: running.clone(),
            })
            .await
            .unwrap(),
    ];
    assert!(tasks.iter().all(|task| task.kind == "Task"), "{tasks:?}");

    let outcomes = client.wait_for_tasks(&tasks).await.unwrap();
    assert_eq!(outcomes.len(), 4);
    for outcome in &outcomes[..3] {
        assert_eq!(outcome, &Ok(None));
    }
    let fault = outcomes[3].as_ref().unwrap_err();
    assert!(
        matches!(fault.kind, FaultKind::InvalidPowerState { .. }),
        "{fault:?}"
    );

    // The same tasks again (finished, listed twice): same outcomes, order kept.
    let again = client
        .wait_for_task_infos(&[tasks[3].clone(), tasks[0].clone(), tasks[3].clone()])
        .await
        .unwrap();
    assert_eq!(again[0].task, tasks[3]);
    assert_eq!(again[1].task, tasks[0]);
    assert_eq!(again[1].entity.as_ref(), Some(off_a));
    assert!(again[2].error.is_some());

    assert_eq!(
        property(&client, off_a, "runtime.powerState").await,
        power_state("poweredOff")
    );
    assert_eq!(
        property(&client, off_b, "runtime.powerState").await,
        power_state("poweredOff")
    );
    assert_eq!(
        property(&client, renamed, "name").await,
        Some(Value::String("renamed & <escaped>".into()))
    );
    assert_eq!(client.wait_for_tasks(&[]).await.unwrap(), []);
}

#[tokio::test]
async fn waiting_on_an_unknown_task_is_an_error_not_a_hang() {
    let client = connect(Vcsim::shared()).await;
    let error = client
        .wait_for_task(&ManagedObjectReference::new("Task", "task-999999"))
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::ManagedObjectNotFound { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn vm_operations_wait_for_their_tasks_and_map_faults() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vms = vms(&client).await;
    let vm = &vms["DC0_H0_VM0"];
    let pool = property(&client, vm, "resourcePool")
        .await
        .unwrap()
        .as_mor()
        .unwrap()
        .clone();

    let error = client.power_on_vm(vm).await.unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::InvalidPowerState { .. }),
        "{error:?}"
    );
    client.power_off_vm(vm).await.unwrap();
    assert_eq!(
        property(&client, vm, "runtime.powerState").await,
        power_state("poweredOff")
    );
    client.power_on_vm(vm).await.unwrap();
    // vcsim shuts a guest down without tools, at once.
    client.shutdown_guest(vm).await.unwrap();
    assert_eq!(
        property(&client, vm, "runtime.powerState").await,
        power_state("poweredOff")
    );
    let error = client.shutdown_guest(vm).await.unwrap_err();
    // A guest shutdown of a powered-off VM is a method fault (no task), mapped by type.
    assert_eq!(
        fault_kind(&error),
        &FaultKind::InvalidPowerState {
            requested_state: Some("poweredOn".into()),
            existing_state: Some("poweredOff".into()),
        }
    );

    client.mark_as_template(vm).await.unwrap();
    assert_eq!(
        property(&client, vm, "config.template").await,
        Some(Value::Bool(true))
    );
    // A template cannot be powered on: a method fault, not a task error.
    let error = client.power_on_vm(vm).await.unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::InvalidState, "{error:?}");
    client
        .mark_as_virtual_machine(vm, &pool, None)
        .await
        .unwrap();
    assert_eq!(
        property(&client, vm, "config.template").await,
        Some(Value::Bool(false))
    );

    client.rename(vm, "web/01").await.unwrap();
    assert_eq!(
        property(&client, vm, "name").await,
        Some(Value::String("web/01".into()))
    );

    let unknown = ManagedObjectReference::new("VirtualMachine", "vm-999999");
    let error = client.power_on_vm(&unknown).await.unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(unknown.clone())
        }
    );

    // A running VM cannot be destroyed; a powered-off one can, and is gone.
    let running = &vms["DC0_H0_VM1"];
    let error = client.destroy(running).await.unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::InvalidPowerState { .. }),
        "{error:?}"
    );
    client.destroy(vm).await.unwrap();
    let error = client
        .retrieve_objects(std::slice::from_ref(vm), "VirtualMachine", &["name"])
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::ManagedObjectNotFound { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn create_folder_and_duplicate_name() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vms = vms(&client).await;
    let vm_folder = property(&client, &vms["DC0_H0_VM0"], "parent")
        .await
        .unwrap()
        .as_mor()
        .unwrap()
        .clone();
    let folder = client.create_folder(&vm_folder, "team-a").await.unwrap();
    assert_eq!(folder.kind, "Folder");
    assert_eq!(
        property(&client, &folder, "parent").await,
        Some(Value::ManagedObjectReference(vm_folder.clone()))
    );
    let error = client
        .create_folder(&vm_folder, "team-a")
        .await
        .unwrap_err();
    match fault_kind(&error) {
        FaultKind::DuplicateName { name, .. } => {
            assert!(
                name.as_deref().is_none_or(|name| name == "team-a"),
                "{name:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // A nested folder and an existing VM's name clash too.
    client.create_folder(&folder, "inner").await.unwrap();
    let error = client
        .create_folder(&vm_folder, "DC0_H0_VM0")
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::DuplicateName { .. }),
        "{error:?}"
    );
}
