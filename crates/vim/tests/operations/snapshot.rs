//! Snapshots on vcsim: a tree built, read back, searched, reverted, renamed and pruned, and the
//! faults of operations on objects that no longer exist.

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::snapshot::{SnapshotError, SnapshotInfo};
use vim::{Client, FaultKind, ManagedObjectReference, Value};

use super::support::{connect, fault_kind, property};

async fn vm(client: &Client, name: &str) -> ManagedObjectReference {
    client
        .find_by_inventory_path(&format!("/DC0/vm/{name}"))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no VM {name}"))
}

/// The VM's `snapshot.currentSnapshot`, read as its own property.
async fn current(client: &Client, vm: &ManagedObjectReference) -> Option<ManagedObjectReference> {
    match property(client, vm, "snapshot.currentSnapshot").await {
        Some(Value::ManagedObjectReference(snapshot)) => Some(snapshot),
        None => None,
        Some(other) => panic!("currentSnapshot: {other:?}"),
    }
}

fn names(info: &SnapshotInfo) -> Vec<String> {
    info.walk().into_iter().map(|(path, _)| path).collect()
}

#[tokio::test]
async fn snapshot_tree_lookup_revert_rename_and_remove() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm = vm(&client, "DC0_H0_VM0").await;

    assert_eq!(client.snapshot_info(&vm).await.unwrap(), None);
    assert!(matches!(
        client.find_snapshot(&vm, "root").await,
        Err(SnapshotError::NotFound { name }) if name == "root"
    ));

    // root → child → grandchild, then a second "grandchild" directly under root.
    let root = client
        .create_snapshot(&vm, "root", Some("first <&> one"), false, false)
        .await
        .unwrap();
    assert_eq!(root.kind, "VirtualMachineSnapshot");
    let child = client
        .create_snapshot(&vm, "child", None, false, false)
        .await
        .unwrap();
    let grandchild = client
        .create_snapshot(&vm, "grandchild", None, false, true)
        .await
        .unwrap();
    assert_eq!(current(&client, &vm).await.as_ref(), Some(&grandchild));
    client.revert_to_snapshot(&root, None).await.unwrap();
    let duplicate = client
        .create_snapshot(&vm, "grandchild", Some("elsewhere"), false, false)
        .await
        .unwrap();

    let info = client.snapshot_info(&vm).await.unwrap().unwrap();
    assert_eq!(
        names(&info),
        [
            "root",
            "root/child",
            "root/child/grandchild",
            "root/grandchild"
        ]
    );
    assert_eq!(info.current_snapshot.as_ref(), Some(&duplicate));
    assert_eq!(info.current().unwrap().description, "elsewhere");
    let tree = &info.root_snapshot_list[0];
    assert_eq!(tree.snapshot, root);
    assert_eq!(tree.vm.as_ref(), Some(&vm));
    assert_eq!(tree.description, "first <&> one");
    assert_eq!(tree.state, "poweredOn");
    assert!(!tree.quiesced);
    assert!(tree.create_time.starts_with("20"), "{}", tree.create_time);
    assert_eq!(
        tree.children
            .iter()
            .map(|c| c.snapshot.clone())
            .collect::<Vec<_>>(),
        [child.clone(), duplicate.clone()]
    );
    assert_eq!(tree.children[0].children[0].snapshot, grandchild);
    assert!(tree.children[0].children[0].quiesced);
    let ids: std::collections::BTreeSet<_> = info
        .walk()
        .iter()
        .map(|(_, tree)| tree.id.unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "ids are unique");
    assert_eq!(info.parent_of(&grandchild).unwrap().snapshot, child);
    assert_eq!(info.parent_of(&root), None);

    // Lookup by name, path and moref value, like govmomi's FindSnapshot.
    assert_eq!(client.find_snapshot(&vm, "child").await.unwrap(), child);
    assert_eq!(
        client
            .find_snapshot(&vm, "root/child/grandchild")
            .await
            .unwrap(),
        grandchild
    );
    assert_eq!(
        client.find_snapshot(&vm, "root/grandchild").await.unwrap(),
        duplicate
    );
    assert_eq!(
        client.find_snapshot(&vm, &child.value).await.unwrap(),
        child
    );
    match client.find_snapshot(&vm, "grandchild").await {
        Err(SnapshotError::Multiple { name, matches }) => {
            assert_eq!(name, "grandchild");
            assert_eq!(matches, [grandchild.clone(), duplicate.clone()]);
        }
        other => panic!("ambiguous name: {other:?}"),
    }
    assert!(matches!(
        client.find_snapshot(&vm, "root/nope").await,
        Err(SnapshotError::NotFound { name }) if name == "root/nope"
    ));

    // Revert to the root of a VM switched off since: current moves; vcsim never touches the
    // power state on revert (a memory-less snapshot leaves vCenter's VM off as well).
    client.power_off_vm(&vm).await.unwrap();
    client.revert_to_snapshot(&root, Some(true)).await.unwrap();
    assert_eq!(current(&client, &vm).await.as_ref(), Some(&root));
    assert_eq!(
        property(&client, &vm, "runtime.powerState").await,
        Some(Value::VirtualMachinePowerState("poweredOff".into()))
    );
    client
        .revert_to_current_snapshot(&vm, Some(true))
        .await
        .unwrap();
    assert_eq!(current(&client, &vm).await.as_ref(), Some(&root));

    // RenameSnapshot is not implemented by vcsim 0.24.2: the exact fault, nothing renamed.
    let error = client
        .rename_snapshot(&child, Some("renamed"), Some("new description"))
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::MethodNotFound {
            receiver: Some(child.clone()),
            method: Some("RenameSnapshot".into()),
        }
    );
    assert_eq!(client.find_snapshot(&vm, "child").await.unwrap(), child);

    // Remove "child" alone: its child takes its place under root.
    client.remove_snapshot(&child, false, None).await.unwrap();
    let info = client.snapshot_info(&vm).await.unwrap().unwrap();
    assert_eq!(names(&info), ["root", "root/grandchild", "root/grandchild"]);
    assert_eq!(info.parent_of(&grandchild).unwrap().snapshot, root);
    assert!(info.get(&child).is_none());
    assert!(matches!(
        client.find_snapshot(&vm, "root/grandchild").await,
        Err(SnapshotError::Multiple { matches, .. }) if matches == [grandchild.clone(), duplicate.clone()]
    ));

    // The removed snapshot no longer exists as an object.
    let error = client.revert_to_snapshot(&child, None).await.unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(child.clone())
        }
    );
    let error = client
        .create_snapshot(&child, "on a removed snapshot", None, false, false)
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(child.clone())
        }
    );

    // Remove the root with its children: nothing is left.
    client
        .remove_snapshot(&root, true, Some(false))
        .await
        .unwrap();
    assert_eq!(client.snapshot_info(&vm).await.unwrap(), None);
    assert_eq!(current(&client, &vm).await, None);
}

#[tokio::test]
async fn remove_all_snapshots_and_faults_on_missing_objects() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm0 = vm(&client, "DC0_H0_VM0").await;
    let vm1 = vm(&client, "DC0_H0_VM1").await;

    // No current snapshot to revert to: vcsim answers NotFound at once (no task).
    let error = client
        .revert_to_current_snapshot(&vm1, None)
        .await
        .unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::Other("NotFound".into()));

    let first = client
        .create_snapshot(&vm1, "a", None, false, false)
        .await
        .unwrap();
    client
        .create_snapshot(&vm1, "b", None, false, false)
        .await
        .unwrap();
    client
        .create_snapshot(&vm0, "other VM", None, false, false)
        .await
        .unwrap();
    let infos = client
        .snapshot_infos(&[vm0.clone(), vm1.clone()])
        .await
        .unwrap();
    assert_eq!(infos.len(), 2);
    for (vm, info) in &infos {
        let expected: &[&str] = if vm == &vm1 {
            &["a", "a/b"]
        } else {
            &["other VM"]
        };
        assert_eq!(names(info.as_ref().unwrap()), expected, "{vm}");
    }

    client.remove_all_snapshots(&vm1, None).await.unwrap();
    assert_eq!(client.snapshot_info(&vm1).await.unwrap(), None);
    assert_eq!(property(&client, &vm1, "snapshot").await, None);
    // The other VM keeps its snapshot; the removed ones are gone as objects.
    assert!(client.snapshot_info(&vm0).await.unwrap().is_some());
    let error = client
        .remove_snapshot(&first, false, None)
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(first.clone())
        }
    );

    // A snapshot operation on a destroyed VM.
    client.power_off_vm(&vm1).await.unwrap();
    client.destroy(&vm1).await.unwrap();
    let error = client
        .create_snapshot(&vm1, "too late", None, false, false)
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(vm1.clone())
        }
    );
    let error = client.remove_all_snapshots(&vm1, None).await.unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(vm1.clone())
        }
    );
}
