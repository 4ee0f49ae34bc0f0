//! Moving entities between folders on vcsim, read back through `parent` and `childEntity`.

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::{Client, FaultKind, ManagedObjectReference, Value};

use super::support::{connect, fault_kind, property};

async fn at(client: &Client, path: &str) -> ManagedObjectReference {
    client
        .find_by_inventory_path(path)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("nothing at {path}"))
}

#[tokio::test]
async fn move_two_vms_into_a_new_folder_and_refused_moves() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm_folder = at(&client, "/DC0/vm").await;
    let host_folder = at(&client, "/DC0/host").await;
    let vm0 = at(&client, "/DC0/vm/DC0_H0_VM0").await;
    let vm1 = at(&client, "/DC0/vm/DC0_C0_RP0_VM1").await;
    let stay = at(&client, "/DC0/vm/DC0_H0_VM1").await;

    assert_eq!(
        client.parent(&vm0).await.unwrap().as_ref(),
        Some(&vm_folder)
    );
    let root = client.service_content().root_folder.clone();
    assert_eq!(client.parent(&root).await.unwrap(), None);

    let team = client.create_folder(&vm_folder, "team-a").await.unwrap();
    assert!(client.folder_children(&team).await.unwrap().is_empty());
    client
        .move_into_folder(&team, &[vm0.clone(), vm1.clone()])
        .await
        .unwrap();

    // Read back: both parents in one call, each independently, and the folders' children.
    assert_eq!(
        client
            .parents(&[vm0.clone(), vm1.clone(), stay.clone()])
            .await
            .unwrap(),
        [
            Some(team.clone()),
            Some(team.clone()),
            Some(vm_folder.clone())
        ]
    );
    assert_eq!(
        property(&client, &vm1, "parent").await,
        Some(Value::ManagedObjectReference(team.clone()))
    );
    let mut children = client.folder_children(&team).await.unwrap();
    children.sort();
    let mut expected = vec![vm0.clone(), vm1.clone()];
    expected.sort();
    assert_eq!(children, expected);
    let top = client.folder_children(&vm_folder).await.unwrap();
    assert!(top.contains(&team) && top.contains(&stay), "{top:?}");
    assert!(!top.contains(&vm0) && !top.contains(&vm1), "{top:?}");
    let named = client.folder_children_named(&team).await.unwrap();
    assert_eq!(
        named
            .iter()
            .map(|child| child.name.as_str())
            .collect::<Vec<_>>(),
        ["DC0_C0_RP0_VM1", "DC0_H0_VM0"]
    );
    assert_eq!(
        client
            .inventory_paths(std::slice::from_ref(&vm0))
            .await
            .unwrap(),
        [Some("/DC0/vm/team-a/DC0_H0_VM0".to_owned())]
    );

    // A host folder does not take VMs: the task fails with NotSupported, nothing moves.
    let error = client
        .move_into_folder(&host_folder, std::slice::from_ref(&stay))
        .await
        .unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::Other("NotSupported".into()));
    assert_eq!(
        client.parent(&stay).await.unwrap().as_ref(),
        Some(&vm_folder)
    );

    // A VM is no folder: MoveIntoFolder_Task on it is not a method of VirtualMachine.
    let error = client
        .move_into_folder(&stay, std::slice::from_ref(&stay))
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::MethodNotFound {
            receiver: Some(stay.clone()),
            method: Some("MoveIntoFolder_Task".into()),
        }
    );
    assert_eq!(
        client.parent(&stay).await.unwrap().as_ref(),
        Some(&vm_folder)
    );

    // Moving back out works the same way.
    client
        .move_into_folder(&vm_folder, std::slice::from_ref(&vm0))
        .await
        .unwrap();
    assert_eq!(
        client.folder_children(&team).await.unwrap(),
        std::slice::from_ref(&vm1)
    );
    assert_eq!(
        client.parent(&vm0).await.unwrap().as_ref(),
        Some(&vm_folder)
    );
}
