//! The task waiter against a local fake vCenter: vcsim finishes every task before answering, so
//! the multi-round protocol (versions, timeouts, one collector and filter) is checked on canned
//! responses.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Route, calls, connect, fake_vcenter};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use vim::{Error, FaultKind, ManagedObjectReference, TaskState, Value};

fn names(calls: &[(String, String)]) -> Vec<&str> {
    calls.iter().map(|(method, _)| method.as_str()).collect()
}

fn task_info(task: &str, state: &str, extra: &str) -> String {
    format!(
        r#"<objectSet><kind>modify</kind><obj type="Task">{task}</obj><changeSet><name>info</name><op>assign</op><val xsi:type="TaskInfo"><key>{task}</key><task type="Task">{task}</task><state>{state}</state>{extra}</val></changeSet></objectSet>"#
    )
}

fn update_set(version: &str, objects: &[String]) -> (u16, String) {
    (
        200,
        format!(
            r#"<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>{version}</version><filterSet><filter type="PropertyFilter">session[52a8&amp;1]f-1</filter>{}</filterSet></returnval></WaitForUpdatesExResponse>"#,
            objects.concat()
        ),
    )
}

/// Two tasks over four rounds: both pending, task-1 done, a timeout, task-2 failed.
fn rounds(timeouts: Arc<AtomicUsize>) -> Route {
    Arc::new(move |method, body| {
        match method {
        "CreatePropertyCollector" => (
            200,
            r#"<CreatePropertyCollectorResponse xmlns="urn:vim25"><returnval type="PropertyCollector">session[52a8&amp;1]pc-1</returnval></CreatePropertyCollectorResponse>"#.to_owned(),
        ),
        "CreateFilter" => (
            200,
            r#"<CreateFilterResponse xmlns="urn:vim25"><returnval type="PropertyFilter">session[52a8&amp;1]f-1</returnval></CreateFilterResponse>"#.to_owned(),
        ),
        "DestroyPropertyCollector" => (
            200,
            r#"<DestroyPropertyCollectorResponse xmlns="urn:vim25"/>"#.to_owned(),
        ),
        "WaitForUpdatesEx" if !body.contains("<version>") => update_set(
            "1",
            &[
                task_info("task-1", "running", "<progress>50</progress>"),
                task_info("task-2", "queued", ""),
            ],
        ),
        "WaitForUpdatesEx" if body.contains("<version>1</version>") => update_set(
            "2",
            &[task_info(
                "task-1",
                "success",
                r#"<result xsi:type="ManagedObjectReference" type="VirtualMachine">vm-7</result>"#,
            )],
        ),
        "WaitForUpdatesEx" if body.contains("<version>2</version>") => {
            if timeouts.fetch_add(1, Ordering::SeqCst) == 0 {
                // maxWaitSeconds elapsed without a change: no returnval.
                (200, r#"<WaitForUpdatesExResponse xmlns="urn:vim25"/>"#.to_owned())
            } else {
                update_set(
                    "3",
                    &[task_info(
                        "task-2",
                        "error",
                        r#"<error><fault xsi:type="DuplicateName"><name>web</name><object type="Folder">group-v3</object></fault><localizedMessage>The name 'web' already exists.</localizedMessage></error>"#,
                    )],
                )
            }
        }
        other => panic!("unexpected {other}: {body}"),
    }
    })
}

fn tasks() -> [ManagedObjectReference; 2] {
    [
        ManagedObjectReference::new("Task", "task-1"),
        ManagedObjectReference::new("Task", "task-2"),
    ]
}

#[tokio::test]
async fn one_collector_one_filter_and_versions_until_every_task_finished() {
    let (url, log) = fake_vcenter(rounds(Arc::default())).await;
    let client = connect(&url).await;
    let outcomes = client.wait_for_tasks(&tasks()).await.unwrap();
    assert_eq!(
        outcomes[0],
        Ok(Some(Value::ManagedObjectReference(
            ManagedObjectReference::new("VirtualMachine", "vm-7")
        )))
    );
    let fault = outcomes[1].as_ref().unwrap_err();
    assert_eq!(
        fault.kind,
        FaultKind::DuplicateName {
            name: Some("web".into()),
            object: Some(ManagedObjectReference::new("Folder", "group-v3")),
        }
    );
    assert_eq!(fault.message, "The name 'web' already exists.");

    let calls = calls(&log);
    assert_eq!(
        names(&calls),
        [
            "CreatePropertyCollector",
            "CreateFilter",
            "WaitForUpdatesEx",
            "WaitForUpdatesEx",
            "WaitForUpdatesEx",
            "WaitForUpdatesEx",
            "DestroyPropertyCollector",
        ]
    );
    let filter = &calls[1].1;
    assert!(
        filter.contains("session[52a8&amp;1]pc-1</_this>"),
        "{filter}"
    );
    assert!(
        filter.contains(r#"<propSet><type>Task</type><pathSet>info</pathSet></propSet>"#),
        "{filter}"
    );
    assert!(
        filter.contains(r#"<obj type="Task">task-1</obj>"#),
        "{filter}"
    );
    assert!(
        filter.contains(r#"<obj type="Task">task-2</obj>"#),
        "{filter}"
    );
    assert!(
        filter.contains("<partialUpdates>false</partialUpdates>"),
        "{filter}"
    );
    for (_, wait) in &calls[2..6] {
        assert!(wait.contains("session[52a8&amp;1]pc-1</_this>"), "{wait}");
        assert!(wait.contains("<maxWaitSeconds>"), "{wait}");
    }
    assert!(!calls[2].1.contains("<version>"));
    assert!(calls[3].1.contains("<version>1</version>"));
    assert!(calls[4].1.contains("<version>2</version>"));
    assert!(calls[5].1.contains("<version>2</version>"));
    assert!(calls[6].1.contains("session[52a8&amp;1]pc-1</_this>"));
}

#[tokio::test]
async fn task_infos_keep_the_callers_order_and_the_last_state() {
    let (url, _log) = fake_vcenter(rounds(Arc::default())).await;
    let client = connect(&url).await;
    let [one, two] = tasks();
    let infos = client
        .wait_for_task_infos(&[two.clone(), one.clone(), two.clone()])
        .await
        .unwrap();
    assert_eq!(infos[0].task, two);
    assert_eq!(infos[0].state, TaskState::Error);
    assert_eq!(infos[1].task, one);
    assert_eq!(infos[1].state, TaskState::Success);
    assert_eq!(infos[2], infos[0]);
    let error = client.wait_for_task(&two).await;
    // A fresh wait sees the same final states; a single failing task is an Error::Fault.
    match error {
        Err(Error::Fault(fault)) => assert_eq!(fault.type_name, "DuplicateName"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_failed_wait_still_destroys_the_collector() {
    let route: Route = Arc::new(|method, body| {
        match method {
        "CreatePropertyCollector" => (
            200,
            r#"<CreatePropertyCollectorResponse xmlns="urn:vim25"><returnval type="PropertyCollector">session[52a8&amp;1]pc-1</returnval></CreatePropertyCollectorResponse>"#.to_owned(),
        ),
        "CreateFilter" => (
            500,
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>gone</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="Task">task-1</obj></ManagedObjectNotFoundFault></detail></soapenv:Fault>"#.to_owned(),
        ),
        "DestroyPropertyCollector" => (
            200,
            r#"<DestroyPropertyCollectorResponse xmlns="urn:vim25"/>"#.to_owned(),
        ),
        other => panic!("unexpected {other}: {body}"),
    }
    });
    let (url, log) = fake_vcenter(route).await;
    let client = connect(&url).await;
    let error = client.wait_for_tasks(&tasks()).await.unwrap_err();
    assert!(
        matches!(
            error.fault().map(|fault| &fault.kind),
            Some(FaultKind::ManagedObjectNotFound { .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        names(&calls(&log)),
        [
            "CreatePropertyCollector",
            "CreateFilter",
            "DestroyPropertyCollector"
        ]
    );
}
