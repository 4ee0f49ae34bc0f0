//! Inventory paths against the real vCenter simulator (govmomi 0.24.2 vcsim, VPX model: one
//! datacenter `DC0`, a standalone host and a cluster of three, two VMs each).

#![allow(clippy::unwrap_used)]

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::finder::{FindError, Finder, Kind};
use vim::{Client, ConnectOptions, ManagedObjectReference, Value};

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

#[tokio::test]
async fn the_only_datacenter_is_the_default_and_paths_resolve() {
    let client = connect(Vcsim::shared()).await;
    let finder = Finder::new(&client, None).await.unwrap();
    let dc = finder.datacenter();
    assert_eq!(dc.moref.kind, "Datacenter");
    assert_eq!(dc.path, "/DC0");
    assert_eq!(
        Finder::new(&client, Some("/DC0"))
            .await
            .unwrap()
            .datacenter(),
        dc
    );
    assert_eq!(
        Finder::new(&client, Some("DC0"))
            .await
            .unwrap()
            .datacenter(),
        dc
    );
    assert!(matches!(
        Finder::new(&client, Some("/DC9")).await.unwrap_err(),
        FindError::NotFound {
            kind: "datacenter",
            ..
        }
    ));
    // A path to something that is not a datacenter.
    assert!(matches!(
        Finder::new(&client, Some("/DC0/vm")).await.unwrap_err(),
        FindError::NotFound { .. }
    ));

    // Absolute, relative to the vm folder, and bare name (found anywhere below it): same VM.
    let absolute = finder.virtual_machine("/DC0/vm/DC0_H0_VM0").await.unwrap();
    assert_eq!(absolute.moref.kind, "VirtualMachine");
    assert_eq!(absolute.path, "/DC0/vm/DC0_H0_VM0");
    assert_eq!(
        finder.virtual_machine("DC0_H0_VM0").await.unwrap(),
        absolute
    );
    assert_eq!(
        client
            .find_by_inventory_path("/DC0/vm/DC0_H0_VM0")
            .await
            .unwrap(),
        Some(absolute.moref.clone())
    );

    // By BIOS UUID (and not by a UUID nobody has).
    let vm = client
        .retrieve_objects(
            std::slice::from_ref(&absolute.moref),
            "VirtualMachine",
            &["config.uuid", "config.instanceUuid"],
        )
        .await
        .unwrap()
        .pop()
        .unwrap();
    let uuid = vm.get("config.uuid").unwrap().as_str().unwrap().to_owned();
    assert_eq!(
        client.find_vm_by_uuid(None, &uuid, false).await.unwrap(),
        Some(absolute.moref.clone())
    );
    assert_eq!(
        client
            .find_vm_by_uuid(Some(&dc.moref), &uuid, false)
            .await
            .unwrap(),
        Some(absolute.moref.clone())
    );
    if let Some(Value::String(instance)) = vm.get("config.instanceUuid") {
        assert_eq!(
            client.find_vm_by_uuid(None, instance, true).await.unwrap(),
            Some(absolute.moref.clone())
        );
    }
    assert_eq!(
        client
            .find_vm_by_uuid(None, "00000000-0000-0000-0000-000000000000", false)
            .await
            .unwrap(),
        None
    );

    // Hosts, pools, datastores, networks, folders.
    let host = finder.host_system("DC0_C0/DC0_C0_H1").await.unwrap();
    assert_eq!(host.moref.kind, "HostSystem");
    assert_eq!(host.path, "/DC0/host/DC0_C0/DC0_C0_H1");
    let pool = finder
        .resource_pool(Some("DC0_C0/Resources"))
        .await
        .unwrap();
    assert_eq!(pool.moref.kind, "ResourcePool");
    let datastore = finder.datastore(None).await.unwrap();
    assert_eq!(datastore.path, "/DC0/datastore/LocalDS_0");
    assert!(datastore.moref.value.contains('@'), "{datastore:?}");
    assert_eq!(
        finder.datastore(Some("LocalDS_0")).await.unwrap(),
        datastore
    );
    let network = finder.network(Some("VM Network")).await.unwrap();
    assert_eq!(network.moref.kind, "Network");
    let portgroup = finder
        .network(Some("/DC0/network/DC0_DVPG0"))
        .await
        .unwrap();
    assert_eq!(portgroup.moref.kind, "DistributedVirtualPortgroup");
    let folder = finder.folder("vm").await.unwrap();
    assert_eq!(folder.moref, dc.vm_folder);
    assert_eq!(folder.path, "/DC0/vm");
}

#[tokio::test]
async fn list_mode_defaults_and_typed_errors() {
    let client = connect(Vcsim::shared()).await;
    let finder = Finder::new(&client, None).await.unwrap();

    let listed = finder
        .find_all(Kind::VirtualMachine, "/DC0/vm/DC0_H0_*")
        .await
        .unwrap();
    let paths: Vec<&str> = listed.iter().map(|found| found.path.as_str()).collect();
    assert_eq!(paths, ["/DC0/vm/DC0_H0_VM0", "/DC0/vm/DC0_H0_VM1"]);
    let relative = finder.find_all(Kind::HostSystem, "DC0_C0/*").await.unwrap();
    assert_eq!(relative.len(), 3, "{relative:?}");
    let every_vm = finder.find_all(Kind::VirtualMachine, "*").await.unwrap();
    assert_eq!(every_vm.len(), 4, "{every_vm:?}");

    // Two root pools (standalone host and cluster): no default, and the error lists both.
    match finder.resource_pool(None).await.unwrap_err() {
        FindError::Multiple { kind, matches, .. } => {
            assert_eq!(kind, "resource pool");
            assert_eq!(
                matches,
                ["/DC0/host/DC0_C0/Resources", "/DC0/host/DC0_H0/Resources"]
            );
        }
        other => panic!("{other:?}"),
    }
    // Several networks too.
    let error = finder.network(None).await.unwrap_err();
    assert!(error.to_string().contains("multiple"), "{error}");

    let error = finder.virtual_machine("/DC0/vm/nope").await.unwrap_err();
    assert!(matches!(error, FindError::NotFound { kind: "vm", .. }));
    assert_eq!(error.to_string(), "vm '/DC0/vm/nope' not found");
    assert!(matches!(
        finder.virtual_machine("nope*").await.unwrap_err(),
        FindError::NotFound { .. }
    ));
    // A path to a host is not a VM.
    assert!(matches!(
        finder
            .virtual_machine("/DC0/host/DC0_H0/DC0_H0")
            .await
            .unwrap_err(),
        FindError::NotFound { .. }
    ));
    match finder.virtual_machine("DC0_*").await.unwrap_err() {
        FindError::Multiple { matches, .. } => assert_eq!(matches.len(), 4),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn inventory_paths_in_bulk() {
    let client = connect(Vcsim::shared()).await;
    let root = client.service_content().root_folder.clone();
    let mut objects: Vec<ManagedObjectReference> = Vec::new();
    for kind in ["VirtualMachine", "HostSystem", "Datastore", "ResourcePool"] {
        let contents = client.retrieve(&root, kind, &["name"]).await.unwrap();
        objects.extend(contents.into_iter().map(|content| content.obj));
    }
    objects.push(root.clone());
    let paths = client.inventory_paths(&objects).await.unwrap();
    assert_eq!(paths.len(), objects.len());
    for (obj, path) in objects.iter().zip(&paths) {
        let path = path
            .as_deref()
            .unwrap_or_else(|| panic!("no path for {obj}"));
        if obj == &root {
            assert_eq!(path, "/");
            continue;
        }
        assert!(path.starts_with("/DC0/"), "{obj}: {path}");
        // Every computed path leads back to the same object.
        assert_eq!(
            client.find_by_inventory_path(path).await.unwrap().as_ref(),
            Some(obj),
            "{path}"
        );
    }
    assert!(paths.contains(&Some("/DC0/host/DC0_C0/DC0_C0_H2".into())));
    assert!(paths.contains(&Some("/DC0/host/DC0_H0/Resources".into())));
}

#[tokio::test]
async fn a_destroyed_vm_is_no_longer_found_and_new_folders_are() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let finder = Finder::new(&client, None).await.unwrap();
    let vm = finder.virtual_machine("DC0_H0_VM1").await.unwrap();
    client.power_off_vm(&vm.moref).await.unwrap();
    client.destroy(&vm.moref).await.unwrap();
    assert!(matches!(
        finder.virtual_machine(&vm.path).await.unwrap_err(),
        FindError::NotFound { .. }
    ));
    assert!(matches!(
        finder.virtual_machine("DC0_H0_VM1").await.unwrap_err(),
        FindError::NotFound { .. }
    ));

    let vm_folder = finder.folder("vm").await.unwrap();
    let team = client
        .create_folder(&vm_folder.moref, "team-a")
        .await
        .unwrap();
    let found = finder.folder("vm/team-a").await.unwrap();
    assert_eq!(found.moref, team);
    assert_eq!(found.path, "/DC0/vm/team-a");
    assert_eq!(
        client.inventory_paths(&[team]).await.unwrap(),
        [Some("/DC0/vm/team-a".to_owned())]
    );
}
