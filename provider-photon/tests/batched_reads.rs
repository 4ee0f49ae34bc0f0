//! The batched refresh reader against the real vCenter simulator: concurrent reads share one
//! retrieval, misses fall back to a single-object read, writes invalidate the batch. Round trips
//! are the SOAP requests the session actually sent.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use photon_test_rig::{Vcsim, VcsimOptions};
use terraform_provider_photon::clients::vsphere::batch::BatchedReads;
use vim::{Client, ConnectOptions, ManagedObjectReference};

const PATHS: &[&str] = &["name", "config.hardware.numCPU", "runtime.powerState"];

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

async fn all_vms(client: &Client) -> Vec<ManagedObjectReference> {
    let root = client.service_content().root_folder.clone();
    client
        .retrieve(&root, "VirtualMachine", &["name"])
        .await
        .unwrap()
        .into_iter()
        .map(|content| content.obj)
        .collect()
}

#[tokio::test]
async fn concurrent_reads_share_one_retrieval_and_writes_invalidate_it() {
    let vcsim = Vcsim::start(VcsimOptions {
        vms: 10,
        ..VcsimOptions::default()
    })
    .unwrap();
    let client = connect(&vcsim).await;
    let vms = all_vms(&client).await;
    assert_eq!(vms.len(), 20, "10 VMs per pool, two pools");
    let reads = Arc::new(BatchedReads::new(
        "VirtualMachine",
        PATHS,
        Duration::from_secs(60),
    ));

    // Twenty reads at once, as Terraform's refresh sends them: one ContainerView retrieval
    // (CreateContainerView, RetrievePropertiesEx, DestroyView) answers all of them.
    let before = client.round_trips();
    let tasks: Vec<_> = vms
        .iter()
        .map(|vm| {
            let (reads, client, vm) = (reads.clone(), client.clone(), vm.clone());
            tokio::spawn(async move { reads.read(&client, &vm).await })
        })
        .collect();
    for (task, vm) in tasks.into_iter().zip(&vms) {
        let content = task.await.unwrap().unwrap().unwrap();
        assert_eq!(&content.obj, vm);
        assert!(content.get("name").is_some());
        assert!(content.get("config.hardware.numCPU").is_some());
    }
    assert_eq!(client.round_trips() - before, 3);

    // Within the window, reads cost nothing.
    let before = client.round_trips();
    reads.read(&client, &vms[0]).await.unwrap().unwrap();
    assert_eq!(client.round_trips() - before, 0);

    // An object the batch does not hold (another type) is read on its own: one call.
    let before = client.round_trips();
    let host = client
        .find_by_inventory_path("/DC0/host/DC0_H0/DC0_H0")
        .await
        .unwrap()
        .unwrap();
    let after_find = client.round_trips();
    let content = reads.read(&client, &host).await.unwrap().unwrap();
    assert_eq!(content.obj, host);
    assert_eq!(client.round_trips() - after_find, 1);
    assert!(after_find > before);

    // A write (here: a rename) invalidates the batch; the next read sees the new name.
    client.rename(&vms[0], "renamed-by-test").await.unwrap();
    reads.invalidate();
    let before = client.round_trips();
    let content = reads.read(&client, &vms[0]).await.unwrap().unwrap();
    assert_eq!(
        content.get("name").unwrap().as_str(),
        Some("renamed-by-test")
    );
    assert_eq!(client.round_trips() - before, 3);

    // A destroyed VM is gone: not in the new batch, and the fallback read says it does not exist.
    client.power_off_vm(&vms[1]).await.ok();
    client.destroy(&vms[1]).await.unwrap();
    reads.invalidate();
    assert!(reads.read(&client, &vms[1]).await.unwrap().is_none());
}
