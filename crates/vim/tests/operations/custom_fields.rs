//! Custom attributes on vcsim: a definition added, set on two VMs, read back in one retrieval,
//! renamed and removed, and the faults of a duplicate name and an unknown key.

use std::collections::BTreeMap;

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::custom_fields::custom_values_from_value;
use vim::{Client, FaultKind, ManagedObjectReference};

use super::support::{connect, fault_kind, property};

async fn vm(client: &Client, name: &str) -> ManagedObjectReference {
    client
        .find_by_inventory_path(&format!("/DC0/vm/{name}"))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no VM {name}"))
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn custom_field_lifecycle_and_faults() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let vm0 = vm(&client, "DC0_H0_VM0").await;
    let vm1 = vm(&client, "DC0_C0_RP0_VM0").await;
    let untouched = vm(&client, "DC0_H0_VM1").await;

    let before = client.custom_field_defs().await.unwrap();
    let owner = client
        .add_custom_field_def("owner", Some("VirtualMachine"), None, None)
        .await
        .unwrap();
    assert_eq!(owner.name, "owner");
    assert_eq!(owner.managed_object_type.as_deref(), Some("VirtualMachine"));
    let tier = client
        .add_custom_field_def("tier <&>", Some("VirtualMachine"), None, None)
        .await
        .unwrap();
    assert_ne!(owner.key, tier.key);

    // The definitions as the manager lists them.
    let defs = client.custom_field_defs().await.unwrap();
    assert_eq!(defs.len(), before.len() + 2);
    assert!(defs.contains(&owner) && defs.contains(&tier), "{defs:?}");

    // A second definition with the same name.
    let error = client
        .add_custom_field_def("owner", Some("VirtualMachine"), None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::DuplicateName { name: Some(name), .. } if name == "owner"),
        "{error:?}"
    );

    client.set_field(&vm0, owner.key, "alice").await.unwrap();
    client.set_field(&vm0, tier.key, "gold & co").await.unwrap();
    client.set_field(&vm1, owner.key, "bob").await.unwrap();

    // Both VMs (and one without values) in one retrieval, keyed by name and by key.
    let values = client
        .custom_values(&[vm0.clone(), vm1.clone(), untouched.clone()])
        .await
        .unwrap();
    assert_eq!(values.len(), 3);
    assert_eq!(values[0].entity, vm0);
    assert_eq!(
        values[0].by_name,
        map(&[("owner", "alice"), ("tier <&>", "gold & co")])
    );
    assert_eq!(
        values[0].by_key.get(&owner.key).map(String::as_str),
        Some("alice")
    );
    assert_eq!(values[1].by_name, map(&[("owner", "bob")]));
    assert!(values[2].by_name.is_empty() && values[2].by_key.is_empty());
    // The same values read independently from the VM's own property.
    let raw =
        custom_values_from_value(property(&client, &vm1, "customValue").await.as_ref()).unwrap();
    assert_eq!(raw, BTreeMap::from([(owner.key, "bob".to_owned())]));

    // A rename keeps the key: the values follow the new name.
    client
        .rename_custom_field_def(owner.key, "team owner")
        .await
        .unwrap();
    let defs = client.custom_field_defs().await.unwrap();
    let renamed = defs.iter().find(|def| def.key == owner.key).unwrap();
    assert_eq!(renamed.name, "team owner");
    let values = client
        .custom_values(&[vm0.clone(), vm1.clone()])
        .await
        .unwrap();
    assert_eq!(
        values[0].by_name,
        map(&[("team owner", "alice"), ("tier <&>", "gold & co")])
    );
    assert_eq!(values[1].by_name, map(&[("team owner", "bob")]));

    // Removing the definition removes it and its values.
    client.remove_custom_field_def(owner.key).await.unwrap();
    let defs = client.custom_field_defs().await.unwrap();
    assert!(defs.iter().all(|def| def.key != owner.key), "{defs:?}");
    let values = client
        .custom_values(&[vm0.clone(), vm1.clone()])
        .await
        .unwrap();
    assert_eq!(values[0].by_name, map(&[("tier <&>", "gold & co")]));
    assert!(!values[0].by_key.contains_key(&owner.key));
    assert!(values[1].by_key.is_empty(), "{:?}", values[1]);

    // SetField with a key no definition has: vcsim's InvalidArgument on `key`.
    let error = client.set_field(&vm0, owner.key, "x").await.unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::InvalidArgument {
            invalid_property: Some("key".into())
        }
    );
    // Removing or renaming it again: NotFound.
    let error = client.remove_custom_field_def(owner.key).await.unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::Other("NotFound".into()));
    let error = client
        .rename_custom_field_def(owner.key, "again")
        .await
        .unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::Other("NotFound".into()));
}
