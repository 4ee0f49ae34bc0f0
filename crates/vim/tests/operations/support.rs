//! Helpers every module uses.

#![allow(dead_code)]

use photon_test_rig::Vcsim;
use vim::{Client, ConnectOptions, Error, FaultKind, ManagedObjectReference, Value};

/// Connection options for `vcsim`, verifying TLS against its CA.
pub(crate) fn options(vcsim: &Vcsim) -> ConnectOptions {
    ConnectOptions {
        url: vcsim.url.clone(),
        username: vcsim.options.username.clone(),
        password: vcsim.options.password.clone(),
        ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
        ..ConnectOptions::default()
    }
}

/// A logged-in client.
pub(crate) async fn connect(vcsim: &Vcsim) -> Client {
    Client::connect(options(vcsim)).await.unwrap()
}

/// One property of one object, read back independently of the operation under test.
pub(crate) async fn property(
    client: &Client,
    obj: &ManagedObjectReference,
    path: &str,
) -> Option<Value> {
    let mut objects = client
        .retrieve_objects(std::slice::from_ref(obj), &obj.kind, &[path])
        .await
        .unwrap();
    objects.pop().unwrap().get(path).cloned()
}

/// The fault kind of an error that must be a fault.
pub(crate) fn fault_kind(error: &Error) -> &FaultKind {
    &error
        .fault()
        .unwrap_or_else(|| panic!("not a fault: {error:?}"))
        .kind
}
