//! Batch property retrieval against the real vCenter simulator (govmomi 0.24.2 vcsim).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::property::DEFAULT_MAX_OBJECTS;
use vim::{
    Client, ConnectOptions, FaultKind, ManagedObjectReference, ObjectContent, ObjectSpec,
    PropertyFilterSpec, PropertySpec, RetrieveOptions, Value,
};

/// The properties the Terraform provider's VM refresh needs first.
const VM_PATHS: [&str; 8] = [
    "name",
    "runtime.powerState",
    "config.hardware.numCPU",
    "config.hardware.memoryMB",
    "config.uuid",
    "guest.ipAddress",
    "datastore",
    "network",
];

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

async fn all_vms(client: &Client) -> Vec<ObjectContent> {
    let root = client.service_content().root_folder.clone();
    client
        .retrieve(&root, "VirtualMachine", &VM_PATHS)
        .await
        .unwrap()
}

/// Every model VM is alike (1 vCPU, 32 MB, powered on, on a datastore and a port group).
fn assert_model_vm(vm: &ObjectContent) {
    assert_eq!(vm.obj.kind, "VirtualMachine");
    assert!(vm.missing_set.is_empty(), "{:?}", vm.missing_set);
    assert!(!vm.get("name").unwrap().as_str().unwrap().is_empty());
    assert_eq!(
        vm.get("runtime.powerState"),
        Some(&Value::VirtualMachinePowerState("poweredOn".into())),
        "{vm:?}"
    );
    assert_eq!(vm.get("config.hardware.numCPU"), Some(&Value::Int(1)));
    assert_eq!(vm.get("config.hardware.memoryMB"), Some(&Value::Int(32)));
    let uuid = vm.get("config.uuid").unwrap().as_str().unwrap();
    assert_eq!(uuid.len(), 36, "{uuid}");
    // No guest tools, so no IP: an unset property is simply absent (or an empty string).
    if let Some(ip) = vm.get("guest.ipAddress") {
        assert!(ip.as_str().is_some(), "{ip:?}");
    }
    let datastores = vm.get("datastore").unwrap().as_mors().unwrap();
    assert!(!datastores.is_empty());
    assert!(datastores.iter().all(|ds| ds.kind == "Datastore"));
    let networks = vm.get("network").unwrap().as_mors().unwrap();
    assert!(!networks.is_empty(), "{vm:?}");
}

#[tokio::test]
async fn every_vm_of_the_default_inventory_in_one_view() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let vms = all_vms(&client).await;
    let names: BTreeSet<&str> = vms
        .iter()
        .map(|vm| vm.get("name").unwrap().as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "DC0_C0_RP0_VM0",
            "DC0_C0_RP0_VM1",
            "DC0_H0_VM0",
            "DC0_H0_VM1"
        ])
    );
    assert_eq!(vms.len(), 4);
    vms.iter().for_each(assert_model_vm);

    // The same VMs by moref, without a view.
    let morefs: Vec<_> = vms.iter().map(|vm| vm.obj.clone()).collect();
    let again = client
        .retrieve_objects(&morefs, "VirtualMachine", &VM_PATHS)
        .await
        .unwrap();
    assert_eq!(again, vms);
    client.logout().await.unwrap();
}

#[tokio::test]
async fn a_bigger_inventory_is_counted_in_full() {
    let vcsim = Vcsim::start(VcsimOptions {
        hosts: 2,
        clusters: 0,
        vms: 3,
        ..VcsimOptions::default()
    })
    .unwrap();
    let client = connect(&vcsim).await;
    let vms = all_vms(&client).await;
    assert_eq!(vms.len(), 6);
    vms.iter().for_each(assert_model_vm);
    let distinct: BTreeSet<_> = vms.iter().map(|vm| &vm.obj).collect();
    assert_eq!(distinct.len(), 6);
    client.logout().await.unwrap();
}

#[tokio::test]
async fn an_unknown_path_is_reported_in_the_missing_set() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let root = client.service_content().root_folder.clone();
    let vms = client
        .retrieve(&root, "VirtualMachine", &["name", "no.such.property"])
        .await
        .unwrap();
    assert_eq!(vms.len(), 4);
    for vm in &vms {
        assert!(vm.get("name").is_some());
        assert_eq!(vm.get("no.such.property"), None);
        let fault = vm.missing("no.such.property").unwrap();
        assert!(
            matches!(fault.kind, FaultKind::InvalidProperty { .. }),
            "{fault:?}"
        );
    }
    client.logout().await.unwrap();
}

#[tokio::test]
async fn a_destroyed_view_is_gone() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let root = client.service_content().root_folder.clone();
    let view = client
        .create_container_view(&root, &["HostSystem"], true)
        .await
        .unwrap();
    let hosts = client
        .retrieve_properties(
            vec![PropertyFilterSpec {
                prop_set: vec![PropertySpec::new("HostSystem", &["name"])],
                object_set: vec![ObjectSpec::view(view.clone())],
                report_missing_objects_in_results: None,
            }],
            RetrieveOptions {
                max_objects: Some(DEFAULT_MAX_OBJECTS),
            },
        )
        .await
        .unwrap();
    assert_eq!(hosts.len(), 4);
    client.destroy_view(&view).await.unwrap();
    let error = client.destroy_view(&view).await.unwrap_err();
    assert!(
        matches!(
            error.fault().map(|fault| &fault.kind),
            Some(FaultKind::ManagedObjectNotFound { .. })
        ),
        "{error:?}"
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn an_unknown_moref_fails_the_batch_read() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let error = client
        .retrieve_objects(
            &[ManagedObjectReference::new("VirtualMachine", "vm-99999")],
            "VirtualMachine",
            &["name"],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.fault().map(|fault| &fault.kind),
            Some(FaultKind::ManagedObjectNotFound { .. })
        ),
        "{error:?}"
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn without_a_session_properties_are_missing_not_authenticated() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let root = client.service_content().root_folder.clone();
    let clone = client.clone();
    client.logout().await.unwrap();
    // vcsim still answers with HTTP 200; the fault is per property.
    let objects = clone
        .retrieve_objects(std::slice::from_ref(&root), "Folder", &["name"])
        .await
        .unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].obj, root);
    assert_eq!(objects[0].get("name"), None);
    let fault = objects[0].missing("name").unwrap();
    assert!(fault.is_auth(), "{fault:?}");
}
