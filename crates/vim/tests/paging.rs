//! Paged retrieval against a local fake vCenter: vcsim never pages (`maxObjects` is ignored and
//! no `token` is ever sent), so continuation and cancellation are checked on canned responses.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vim::{Client, ConnectOptions, FaultKind, ManagedObjectReference, RetrieveOptions};

const VIEW: &str = "session[52a8&1]view-1";

/// The method and body of every SOAP request the fake server received, in order.
type Log = Arc<Mutex<Vec<(String, String)>>>;

/// Answers a method call: HTTP status and SOAP body content (inside `soapenv:Body`).
type Route = Arc<dyn Fn(&str, &str) -> (u16, String) + Send + Sync>;

/// A fake `/sdk` endpoint: the version document, `RetrieveServiceContent`, `Login` and `Logout`
/// are built in, everything else goes to `route`.
async fn fake_vcenter(route: Route) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sdk", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let requests = log.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(socket, route.clone(), requests.clone()));
        }
    });
    (url, log)
}

/// One request per connection (`Connection: close`).
async fn serve(mut socket: TcpStream, route: Route, log: Log) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head, body) = loop {
        let n = socket.read(&mut buffer).await.unwrap();
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|value| value.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break (text[..end].to_owned(), text[end + 4..].to_owned());
            }
        }
    };
    let (status, content, cookie) = if head.starts_with("GET ") {
        let document = "<namespaces version=\"1.0\"><namespace><name>urn:vim25</name><version>8.0.2.0</version></namespace></namespaces>";
        (200, document.to_owned(), "")
    } else {
        let method = body
            .split("<soapenv:Body><")
            .nth(1)
            .and_then(|rest| rest.split(['>', ' ', '/']).next())
            .unwrap()
            .to_owned();
        log.lock().unwrap().push((method.clone(), body.clone()));
        let (status, inner, cookie) = match method.as_str() {
            "RetrieveServiceContent" => (
                200,
                r#"<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><name>Fake</name><apiType>VirtualCenter</apiType><apiVersion>8.0.2.0</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager></returnval></RetrieveServiceContentResponse>"#.to_owned(),
                "Set-Cookie: vmware_soap_session=\"fake\"; Path=/; HttpOnly\r\n",
            ),
            "Login" => (
                200,
                r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key><userName>u</userName></returnval></LoginResponse>"#.to_owned(),
                "",
            ),
            "Logout" => (200, r#"<LogoutResponse xmlns="urn:vim25"/>"#.to_owned(), ""),
            other => {
                let (status, inner) = route(other, &body);
                (status, inner, "")
            }
        };
        (status, envelope(&inner), cookie)
    };
    let reason = if status == 200 {
        "OK"
    } else {
        "Internal Server Error"
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{cookie}\r\n{content}",
        content.len()
    );
    socket.write_all(response.as_bytes()).await.unwrap();
    socket.shutdown().await.unwrap();
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// VMs `from..to` with their names, in one `RetrieveResult`, behind `token` if any.
fn page(method: &str, token: Option<&str>, vms: std::ops::Range<u32>) -> (u16, String) {
    let token = token.map_or(String::new(), |token| format!("<token>{token}</token>"));
    let objects: String = vms
        .map(|n| {
            format!(
                r#"<objects><obj type="VirtualMachine">vm-{n}</obj><propSet><name>name</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">VM {n}</val></propSet></objects>"#
            )
        })
        .collect();
    (
        200,
        format!(
            r#"<{method}Response xmlns="urn:vim25"><returnval>{token}{objects}</returnval></{method}Response>"#
        ),
    )
}

/// A three-page result: vm-1..2 behind `tok-1`, vm-3 behind `tok-2`, vm-4 last.
fn three_pages(method: &str, body: &str) -> (u16, String) {
    match method {
        "CreateContainerView" => (
            200,
            r#"<CreateContainerViewResponse xmlns="urn:vim25"><returnval type="ContainerView">session[52a8&amp;1]view-1</returnval></CreateContainerViewResponse>"#.to_owned(),
        ),
        "DestroyView" => (200, r#"<DestroyViewResponse xmlns="urn:vim25"/>"#.to_owned()),
        "CancelRetrievePropertiesEx" => (
            200,
            r#"<CancelRetrievePropertiesExResponse xmlns="urn:vim25"/>"#.to_owned(),
        ),
        "RetrievePropertiesEx" => page(method, Some("tok-1"), 1..3),
        "ContinueRetrievePropertiesEx" if body.contains("<token>tok-1</token>") => {
            page(method, Some("tok-2"), 3..4)
        }
        "ContinueRetrievePropertiesEx" if body.contains("<token>tok-2</token>") => {
            page(method, None, 4..5)
        }
        other => panic!("unexpected {other}: {body}"),
    }
}

async fn connect(url: &str) -> Client {
    Client::connect(ConnectOptions {
        url: url.to_owned(),
        username: "u".into(),
        password: "p".into(),
        ..ConnectOptions::default()
    })
    .await
    .unwrap()
}

/// The calls after the login.
fn calls(log: &Log) -> Vec<(String, String)> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|(method, _)| {
            !matches!(
                method.as_str(),
                "RetrieveServiceContent" | "Login" | "Logout"
            )
        })
        .cloned()
        .collect()
}

fn names(calls: &[(String, String)]) -> Vec<&str> {
    calls.iter().map(|(method, _)| method.as_str()).collect()
}

#[tokio::test]
async fn retrieve_follows_every_token_and_destroys_the_view() {
    let (url, log) = fake_vcenter(Arc::new(three_pages)).await;
    let client = connect(&url).await;
    let root = client.service_content().root_folder.clone();
    let vms = client
        .retrieve(&root, "VirtualMachine", &["name"])
        .await
        .unwrap();
    let morefs: Vec<_> = vms.iter().map(|vm| vm.obj.value.as_str()).collect();
    assert_eq!(morefs, ["vm-1", "vm-2", "vm-3", "vm-4"]);
    assert_eq!(vms[2].get("name").unwrap().as_str(), Some("VM 3"));

    let calls = calls(&log);
    assert_eq!(
        names(&calls),
        [
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "DestroyView",
        ]
    );
    let create = &calls[0].1;
    assert!(
        create.contains("<type>VirtualMachine</type><recursive>true</recursive>"),
        "{create}"
    );
    let retrieve = &calls[1].1;
    assert!(
        retrieve.contains(r#"<selectSet xsi:type="TraversalSpec">"#),
        "{retrieve}"
    );
    assert!(
        retrieve.contains(r#"<obj type="ContainerView">session[52a8&amp;1]view-1</obj>"#),
        "{retrieve}"
    );
    assert!(
        retrieve.contains("<maxObjects>500</maxObjects>"),
        "{retrieve}"
    );
    assert!(calls[2].1.contains("<token>tok-1</token>"));
    assert!(calls[3].1.contains("<token>tok-2</token>"));
    assert!(
        calls[4]
            .1
            .contains(r#"<_this type="ContainerView">session[52a8&amp;1]view-1</_this>"#)
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn stopping_after_the_first_page_cancels_the_rest() {
    let (url, log) = fake_vcenter(Arc::new(three_pages)).await;
    let client = connect(&url).await;
    let view = ManagedObjectReference::new("ContainerView", VIEW);
    let mut pages = client.retrieve_pages(
        vec![vim::PropertyFilterSpec {
            prop_set: vec![vim::PropertySpec::new("VirtualMachine", &["name"])],
            object_set: vec![vim::ObjectSpec::view(view)],
            report_missing_objects_in_results: None,
        }],
        RetrieveOptions {
            max_objects: Some(2),
        },
    );
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 2);
    assert!(pages.has_more());
    pages.cancel().await.unwrap();
    let calls = calls(&log);
    assert_eq!(
        names(&calls),
        ["RetrievePropertiesEx", "CancelRetrievePropertiesEx"]
    );
    assert!(calls[0].1.contains("<maxObjects>2</maxObjects>"));
    assert!(
        calls[1].1.contains("<token>tok-1</token>"),
        "{}",
        calls[1].1
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn dropping_a_paged_read_cancels_it_in_the_background() {
    let (url, log) = fake_vcenter(Arc::new(three_pages)).await;
    let client = connect(&url).await;
    let mut pages = client.retrieve_pages(
        vec![vim::PropertyFilterSpec {
            prop_set: vec![vim::PropertySpec::new("VirtualMachine", &["name"])],
            object_set: vec![vim::ObjectSpec::view(ManagedObjectReference::new(
                "ContainerView",
                VIEW,
            ))],
            report_missing_objects_in_results: None,
        }],
        RetrieveOptions::default(),
    );
    pages.next_page().await.unwrap().unwrap();
    drop(pages);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !names(&calls(&log)).contains(&"CancelRetrievePropertiesEx") {
        assert!(
            Instant::now() < deadline,
            "no cancel: {:?}",
            names(&calls(&log))
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        names(&calls(&log)),
        ["RetrievePropertiesEx", "CancelRetrievePropertiesEx"]
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn a_failed_read_still_destroys_the_view() {
    // vCenter raises InvalidProperty as a method fault (vcsim uses the missingSet).
    let route: Route = Arc::new(|method, body| {
        match method {
        "RetrievePropertiesEx" => (
            500,
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><InvalidPropertyFault xmlns="urn:vim25" xsi:type="InvalidProperty"><name>no.such</name></InvalidPropertyFault></detail></soapenv:Fault>"#.to_owned(),
        ),
        _ => three_pages(method, body),
    }
    });
    let (url, log) = fake_vcenter(route).await;
    let client = connect(&url).await;
    let root = client.service_content().root_folder.clone();
    let error = client
        .retrieve(&root, "VirtualMachine", &["no.such"])
        .await
        .unwrap_err();
    assert_eq!(
        error.fault().map(|fault| &fault.kind),
        Some(&FaultKind::InvalidProperty {
            name: Some("no.such".into())
        }),
        "{error:?}"
    );
    assert_eq!(
        names(&calls(&log)),
        ["CreateContainerView", "RetrievePropertiesEx", "DestroyView"]
    );
    client.logout().await.unwrap();
}
