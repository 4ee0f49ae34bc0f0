//! Paged retrieval against a local fake vCenter: vcsim never pages (`maxObjects` is ignored and
//! no `token` is ever sent), so continuation and cancellation are checked on canned responses.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Route, calls, connect, fake_vcenter};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vim::{FaultKind, ManagedObjectReference, RetrieveOptions};

const VIEW: &str = "session[52a8&1]view-1";

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
