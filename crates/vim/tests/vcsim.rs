//! The client against the real vCenter simulator (govmomi 0.24.2 vcsim, started by the test rig),
//! over TLS verified with the simulator's own CA.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use photon_test_rig::{Vcsim, VcsimOptions};
use serde::{Deserialize, Serialize};
use vim::{
    Client, ConnectOptions, Error, FaultKind, ManagedObjectReference, Request, Returnvals,
    UserSession,
};

fn options(vcsim: &Vcsim) -> ConnectOptions {
    ConnectOptions {
        url: vcsim.url.clone(),
        username: vcsim.options.username.clone(),
        password: vcsim.options.password.clone(),
        ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
        ..ConnectOptions::default()
    }
}

async fn connect(vcsim: &Vcsim) -> Client {
    Client::connect(options(vcsim)).await.unwrap()
}

/// `Destroy_Task`: not idempotent, on any moref.
#[derive(Serialize)]
struct DestroyTask {
    #[serde(rename = "_this")]
    this: ManagedObjectReference,
}

impl Request for DestroyTask {
    const METHOD: &'static str = "Destroy_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `FindByInventoryPath`: returns nothing when the path does not exist.
#[derive(Serialize)]
struct FindByInventoryPath {
    #[serde(rename = "_this")]
    this: ManagedObjectReference,
    #[serde(rename = "inventoryPath")]
    inventory_path: String,
}

impl Request for FindByInventoryPath {
    const METHOD: &'static str = "FindByInventoryPath";
    const IDEMPOTENT: bool = true;
    type Response = Option<ManagedObjectReference>;
    fn decode(returnvals: Returnvals) -> Result<Self::Response, String> {
        returnvals.optional()
    }
}

/// `RetrievePropertiesEx` of `SessionManager.sessionList`.
#[derive(Serialize)]
struct SessionList {
    #[serde(rename = "_this")]
    this: ManagedObjectReference,
    #[serde(rename = "specSet")]
    spec_set: SpecSet,
    options: RetrieveOptions,
}

#[derive(Serialize)]
struct SpecSet {
    #[serde(rename = "propSet")]
    prop_set: PropSpec,
    #[serde(rename = "objectSet")]
    object_set: ObjectSpec,
}

#[derive(Serialize)]
struct PropSpec {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "pathSet")]
    path_set: String,
}

#[derive(Serialize)]
struct ObjectSpec {
    obj: ManagedObjectReference,
}

#[derive(Serialize)]
struct RetrieveOptions {}

#[derive(Deserialize)]
struct RetrieveResult {
    #[serde(default)]
    objects: Vec<ObjectContent>,
}

#[derive(Deserialize)]
struct ObjectContent {
    #[serde(rename = "propSet", default)]
    prop_set: Vec<DynamicProperty>,
}

#[derive(Deserialize)]
struct DynamicProperty {
    val: ArrayOfUserSession,
}

#[derive(Deserialize)]
struct ArrayOfUserSession {
    #[serde(rename = "UserSession", default)]
    sessions: Vec<UserSession>,
}

impl Request for SessionList {
    const METHOD: &'static str = "RetrievePropertiesEx";
    const IDEMPOTENT: bool = true;
    type Response = Vec<String>;
    fn decode(returnvals: Returnvals) -> Result<Vec<String>, String> {
        let result: Option<RetrieveResult> = returnvals.optional()?;
        Ok(result
            .into_iter()
            .flat_map(|result| result.objects)
            .flat_map(|object| object.prop_set)
            .flat_map(|property| property.val.sessions)
            .map(|session| session.key)
            .collect())
    }
}

async fn session_keys(client: &Client) -> Vec<String> {
    let content = client.service_content();
    client
        .call(&SessionList {
            this: content.property_collector.clone(),
            spec_set: SpecSet {
                prop_set: PropSpec {
                    kind: "SessionManager".into(),
                    path_set: "sessionList".into(),
                },
                object_set: ObjectSpec {
                    obj: content.session_manager.clone().unwrap(),
                },
            },
            options: RetrieveOptions {},
        })
        .await
        .unwrap()
}

fn search_index(client: &Client) -> ManagedObjectReference {
    client.service_content().search_index.clone().unwrap()
}

#[tokio::test]
async fn connect_negotiates_the_version_and_logs_in() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    assert_eq!(client.api_version(), "6.5");
    let content = client.service_content();
    assert_eq!(content.about.api_type, "VirtualCenter");
    assert!(content.about.is_vcenter());
    assert_eq!(content.about.api_version, "6.5");
    assert_eq!(
        content.root_folder,
        ManagedObjectReference::new("Folder", "group-d1")
    );
    assert_eq!(
        content.property_collector,
        ManagedObjectReference::new("PropertyCollector", "propertyCollector")
    );
    assert_eq!(
        content.session_manager,
        Some(ManagedObjectReference::new(
            "SessionManager",
            "SessionManager"
        ))
    );
    let session = client.user_session();
    assert_eq!(session.user_name, vcsim.options.username);
    assert!(!session.key.is_empty());
    assert!(
        session
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("photon-vim/")
    );
    assert!(!client.current_time().await.unwrap().is_empty());
    assert!(session_keys(&client).await.contains(&session.key));
    client.logout().await.unwrap();
}

#[tokio::test]
async fn a_wrong_password_is_an_invalid_login_fault() {
    let vcsim = Vcsim::shared();
    let error = Client::connect(ConnectOptions {
        password: "not-the-password".into(),
        ..options(vcsim)
    })
    .await
    .unwrap_err();
    let fault = error.fault().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(fault.kind, FaultKind::InvalidLogin);
    assert_eq!(fault.type_name, "InvalidLogin");
    assert!(!error.to_string().contains("not-the-password"));
}

#[tokio::test]
async fn an_unknown_moref_is_managed_object_not_found_with_the_moref() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    for value in ["vm-99999", r#"vm-<&"/@[odd] 'value'>"#] {
        let moref = ManagedObjectReference::new("VirtualMachine", value);
        let error = client
            .call(&DestroyTask {
                this: moref.clone(),
            })
            .await
            .unwrap_err();
        let Error::Fault(fault) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            fault.kind,
            FaultKind::ManagedObjectNotFound { obj: Some(moref) },
            "{fault:?}"
        );
    }
    client.logout().await.unwrap();
}

#[tokio::test]
async fn optional_return_values_decode_both_ways() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let found = client
        .call(&FindByInventoryPath {
            this: search_index(&client),
            inventory_path: "DC0/vm/DC0_H0_VM0".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.kind, "VirtualMachine");
    let missing = client
        .call(&FindByInventoryPath {
            this: search_index(&client),
            inventory_path: "DC0/vm/no <such> & vm".into(),
        })
        .await
        .unwrap();
    assert_eq!(missing, None);
    client.logout().await.unwrap();
}

#[tokio::test]
async fn after_logout_calls_are_not_authenticated() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let observer = connect(vcsim).await;
    let key = client.user_session().key.clone();
    let clone = client.clone();
    client.logout().await.unwrap();
    let error = clone.current_time().await.unwrap_err();
    match error.fault().map(|fault| &fault.kind) {
        Some(FaultKind::NotAuthenticated { privilege_id, .. }) => {
            assert_eq!(privilege_id.as_deref(), Some("System.View"));
        }
        _ => panic!("{error:?}"),
    }
    assert!(!session_keys(&observer).await.contains(&key));
    observer.logout().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_clone_logs_out() {
    let vcsim = Vcsim::shared();
    let observer = connect(vcsim).await;
    let client = connect(vcsim).await;
    let key = client.user_session().key.clone();
    let clone = client.clone();
    assert!(session_keys(&observer).await.contains(&key));
    drop(client);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        session_keys(&observer).await.contains(&key),
        "a clone is still alive"
    );
    drop(clone);
    let deadline = Instant::now() + Duration::from_secs(10);
    while session_keys(&observer).await.contains(&key) {
        assert!(Instant::now() < deadline, "session {key} still listed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    observer.logout().await.unwrap();
}

#[tokio::test]
async fn sessions_lists_what_the_session_manager_holds() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let other = connect(vcsim).await;
    let mut listed: Vec<String> = client
        .sessions()
        .await
        .unwrap()
        .into_iter()
        .map(|session| {
            assert_eq!(session.user_name, vcsim.options.username);
            session.key
        })
        .collect();
    listed.sort();
    let mut raw = session_keys(&client).await;
    raw.sort();
    assert_eq!(listed, raw);
    assert!(listed.contains(&client.user_session().key));
    assert!(listed.contains(&other.user_session().key));
    other.logout().await.unwrap();
    client.logout().await.unwrap();
}

#[tokio::test]
async fn tls_is_verified_against_the_configured_ca_only() {
    let vcsim = Vcsim::shared();
    let other = Vcsim::start(VcsimOptions::default()).unwrap();

    // Another simulator's CA does not vouch for this one.
    let error = Client::connect(ConnectOptions {
        ca_pem: Some(std::fs::read(&other.ca_file).unwrap()),
        ..options(vcsim)
    })
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");

    // Without a CA the built-in roots apply, and they do not know the simulator either.
    let error = Client::connect(ConnectOptions {
        ca_pem: None,
        ..options(vcsim)
    })
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");

    // The explicit switch for simulators turns verification off.
    let client = Client::connect(ConnectOptions {
        ca_pem: None,
        insecure: true,
        ..options(vcsim)
    })
    .await
    .unwrap();
    assert_eq!(client.service_content().about.api_type, "VirtualCenter");
    client.logout().await.unwrap();
}

#[tokio::test]
async fn a_path_that_is_not_the_sdk_is_an_http_status_error() {
    let vcsim = Vcsim::shared();
    let url = vcsim.url.replace("/sdk", "/nothing-here");
    let error = Client::connect(ConnectOptions {
        url,
        ..options(vcsim)
    })
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::HttpStatus { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_send_error_after_retries() {
    let vcsim = Vcsim::shared();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let error = Client::connect(ConnectOptions {
        url: format!("https://127.0.0.1:{port}/sdk"),
        ..options(vcsim)
    })
    .await
    .unwrap_err();
    assert!(
        matches!(error, Error::Send { attempts: 3, .. }),
        "{error:?}"
    );
}

/// Any method name on any moref, no parameters.
#[derive(Serialize)]
struct Bare<const N: usize> {
    #[serde(rename = "_this")]
    this: ManagedObjectReference,
}

macro_rules! bare_method {
    ($n:literal, $name:literal) => {
        impl Request for Bare<$n> {
            const METHOD: &'static str = $name;
            const IDEMPOTENT: bool = false;
            type Response = ();
            fn decode(returnvals: Returnvals) -> Result<(), String> {
                returnvals.none()
            }
        }
    };
}

bare_method!(0, "PowerOnVM_Task");
bare_method!(1, "NoSuchMethodAnywhere");

#[tokio::test]
async fn a_method_the_object_lacks_is_method_not_found_and_an_unknown_one_invalid_request() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let root = client.service_content().root_folder.clone();

    let error = client
        .call(&Bare::<0> { this: root.clone() })
        .await
        .unwrap_err();
    assert_eq!(
        error.fault().map(|fault| &fault.kind),
        Some(&FaultKind::MethodNotFound {
            receiver: Some(root.clone()),
            method: Some("PowerOnVM_Task".into()),
        }),
        "{error:?}"
    );

    // vcsim answers a method name it has never heard of with InvalidRequest, not MethodNotFound.
    let error = client.call(&Bare::<1> { this: root }).await.unwrap_err();
    let fault = error.fault().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(fault.kind, FaultKind::InvalidRequest);
    assert!(
        fault.message.contains("'NoSuchMethodAnywhere'"),
        "{fault:?}"
    );
    client.logout().await.unwrap();
}
