//! Task waiting: many tasks resolved through one property collector filter.
//!
//! govmomi waits task by task (create a collector, a filter, `WaitForUpdatesEx`, destroy: four
//! round trips per task). [`Client::wait_for_tasks`] creates one dedicated collector with one
//! filter on `info` of every task, follows `WaitForUpdatesEx` versions until every task is
//! `success` or `error`, then destroys the collector. A dedicated collector matters: a collector
//! allows one waiter at a time, and the session's default one is shared by every read.

use std::collections::HashMap;

use serde::Serialize;

use crate::envelope::{Request, Returnvals, strip_prefix};
use crate::error::Error;
use crate::fault::{Fault, FaultKind};
use crate::property::tree::Node;
use crate::property::value::mor;
use crate::property::{ObjectSpec, PropertyFilterSpec, PropertySpec, Value};
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// How long one `WaitForUpdatesEx` may block on the server before answering with no update.
const MAX_WAIT_SECONDS: i32 = 30;

/// `CreatePropertyCollector` on the session's property collector: a private collector.
#[derive(Clone, Debug, Serialize)]
pub struct CreatePropertyCollector {
    /// The session's property collector.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for CreatePropertyCollector {
    const METHOD: &'static str = "CreatePropertyCollector";
    // A repeated call leaks a second collector until logout.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `DestroyPropertyCollector`: destroys a collector and its filters.
#[derive(Clone, Debug, Serialize)]
pub struct DestroyPropertyCollector {
    /// The collector.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for DestroyPropertyCollector {
    const METHOD: &'static str = "DestroyPropertyCollector";
    // A retry after a lost response faults with ManagedObjectNotFound.
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// `CreateFilter` on a property collector: what `WaitForUpdatesEx` reports changes of.
#[derive(Clone, Debug, Serialize)]
pub struct CreateFilter {
    /// The collector.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The objects and properties to watch.
    pub spec: PropertyFilterSpec,
    /// Report only the changed part of a property (`false`: whole values, simpler to decode).
    #[serde(rename = "partialUpdates")]
    pub partial_updates: bool,
}

impl Request for CreateFilter {
    const METHOD: &'static str = "CreateFilter";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `WaitOptions` of `WaitForUpdatesEx`.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct WaitOptions {
    /// How long the server may block before answering with no update (`0`: do not block).
    #[serde(rename = "maxWaitSeconds", skip_serializing_if = "Option::is_none")]
    pub max_wait_seconds: Option<i32>,
}

/// `WaitForUpdatesEx` on a collector: the changes since `version`, as normalised `UpdateSet` XML
/// (`None` when the wait timed out without a change).
#[derive(Clone, Debug, Serialize)]
pub struct WaitForUpdatesEx {
    /// The collector.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The version of the last update set received; empty or absent for the full state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Blocking and size limits.
    pub options: WaitOptions,
}

impl Request for WaitForUpdatesEx {
    const METHOD: &'static str = "WaitForUpdatesEx";
    // Repeating the same version returns the same changes again.
    const IDEMPOTENT: bool = true;
    type Response = Option<String>;
    fn decode(returnvals: Returnvals) -> Result<Option<String>, String> {
        let mut xml = returnvals.into_xml();
        match xml.len() {
            0 => Ok(None),
            1 => Ok(xml.pop()),
            n => Err(format!("expected at most one UpdateSet, got {n}")),
        }
    }
}

/// Where a task is (`TaskInfoState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Finished successfully.
    Success,
    /// Finished with an error.
    Error,
}

impl TaskState {
    /// Whether the task has finished (`success` or `error`).
    pub fn is_done(self) -> bool {
        matches!(self, TaskState::Success | TaskState::Error)
    }

    fn parse(text: &str) -> Option<TaskState> {
        match text.trim() {
            "queued" => Some(TaskState::Queued),
            "running" => Some(TaskState::Running),
            "success" => Some(TaskState::Success),
            "error" => Some(TaskState::Error),
            _ => None,
        }
    }
}

/// The state of a task (the subset of `TaskInfo` callers use).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task.
    pub task: ManagedObjectReference,
    /// The method that started it, e.g. `VirtualMachine.powerOff`.
    pub name: Option<String>,
    /// The object it works on.
    pub entity: Option<ManagedObjectReference>,
    /// That object's name.
    pub entity_name: Option<String>,
    /// Where it is.
    pub state: TaskState,
    /// Percent done, when the server reports it (vcsim never does: tasks finish at once).
    pub progress: Option<i64>,
    /// The method's result on success (e.g. the new VM of a clone), if it has one.
    pub result: Option<Value>,
    /// Why it failed, classified by the fault's `xsi:type`.
    pub error: Option<Fault>,
}

impl TaskInfo {
    /// The outcome of a finished task: its result, or its fault. A task without an error
    /// element but in state `error` still yields a fault (`Other("")`).
    #[expect(
        clippy::result_large_err,
        reason = "an outcome is stored in a list, not propagated with `?`; boxing buys nothing"
    )]
    pub fn outcome(self) -> Result<Option<Value>, Fault> {
        match (self.state, self.error) {
            (TaskState::Error, Some(fault)) => Err(fault),
            (TaskState::Error, None) => Err(Fault {
                kind: FaultKind::Other(String::new()),
                type_name: String::new(),
                code: String::new(),
                message: "task failed without an error".into(),
                detail_xml: String::new(),
            }),
            _ => Ok(self.result),
        }
    }

    /// Decodes a `TaskInfo` element (normalised XML, e.g. the `val` of an `info` change).
    fn from_node(node: &Node) -> Result<TaskInfo, String> {
        let task = node
            .child("task")
            .and_then(mor)
            .ok_or("TaskInfo without task")?;
        let state_text = node.child_text("state").unwrap_or_default();
        let state = TaskState::parse(state_text)
            .ok_or_else(|| format!("TaskInfo of {task}: unknown state {state_text:?}"))?;
        Ok(TaskInfo {
            name: node.child_text("name").map(str::to_owned),
            entity: node.child("entity").and_then(mor),
            entity_name: node.child_text("entityName").map(str::to_owned),
            state,
            progress: node
                .child_text("progress")
                .and_then(|text| text.trim().parse().ok()),
            result: node.child("result").map(Value::from_node),
            error: node.child("error").map(localized_fault),
            task,
        })
    }
}

impl Client {
    /// Waits until every task in `tasks` has finished and returns their final `TaskInfo`s, in
    /// the order given, through one dedicated collector with one filter (see the module docs).
    /// The collector is destroyed even when the wait fails.
    pub async fn wait_for_task_infos(
        &self,
        tasks: &[ManagedObjectReference],
    ) -> Result<Vec<TaskInfo>, Error> {
        if tasks.is_empty() {
            return Ok(Vec::new());
        }
        let collector = self
            .call(&CreatePropertyCollector {
                this: self.service_content().property_collector.clone(),
            })
            .await?;
        let outcome = self.wait_on(&collector, tasks).await;
        if let Err(error) = self
            .call(&DestroyPropertyCollector {
                this: collector.clone(),
            })
            .await
        {
            // The wait's outcome matters more; logout drops the collector anyway.
            tracing::warn!(%collector, %error, "DestroyPropertyCollector failed");
        }
        outcome
    }

    /// Waits for every task and returns each one's outcome, in the order given: the task's
    /// result (`None` for methods without one) or its fault. `Err` only when the wait itself
    /// failed (transport, session, an unknown task moref).
    pub async fn wait_for_tasks(
        &self,
        tasks: &[ManagedObjectReference],
    ) -> Result<Vec<Result<Option<Value>, Fault>>, Error> {
        let infos = self.wait_for_task_infos(tasks).await?;
        Ok(infos.into_iter().map(TaskInfo::outcome).collect())
    }

    /// Waits for one task: its result, or its fault as [`Error::Fault`].
    pub async fn wait_for_task(
        &self,
        task: &ManagedObjectReference,
    ) -> Result<Option<Value>, Error> {
        let mut outcomes = self.wait_for_tasks(std::slice::from_ref(task)).await?;
        match outcomes.pop() {
            Some(outcome) => outcome.map_err(Error::from),
            None => Err(Error::Decode {
                method: WaitForUpdatesEx::METHOD,
                reason: format!("no outcome for {task}"),
            }),
        }
    }

    async fn wait_on(
        &self,
        collector: &ManagedObjectReference,
        tasks: &[ManagedObjectReference],
    ) -> Result<Vec<TaskInfo>, Error> {
        let mut unique = tasks.to_vec();
        unique.sort();
        unique.dedup();
        self.call(&CreateFilter {
            this: collector.clone(),
            spec: PropertyFilterSpec {
                prop_set: vec![PropertySpec::new("Task", &["info"])],
                object_set: unique.iter().cloned().map(ObjectSpec::object).collect(),
                report_missing_objects_in_results: None,
            },
            partial_updates: false,
        })
        .await?;
        let mut latest: HashMap<ManagedObjectReference, TaskInfo> = HashMap::new();
        let mut version: Option<String> = None;
        while !unique
            .iter()
            .all(|task| latest.get(task).is_some_and(|info| info.state.is_done()))
        {
            let update = self
                .call(&WaitForUpdatesEx {
                    this: collector.clone(),
                    version: version.clone(),
                    options: WaitOptions {
                        max_wait_seconds: Some(MAX_WAIT_SECONDS),
                    },
                })
                .await?;
            let Some(xml) = update else {
                continue;
            };
            let decode = |reason: String| Error::Decode {
                method: WaitForUpdatesEx::METHOD,
                reason,
            };
            let set = UpdateSet::from_xml(&xml).map_err(decode)?;
            for (task, info) in set.infos {
                latest.insert(task, info);
            }
            if let Some(gone) = set.left.into_iter().find(|task| !latest.contains_key(task)) {
                // A task that disappears before it was seen finished has no outcome to report.
                return Err(Fault {
                    kind: FaultKind::ManagedObjectNotFound {
                        obj: Some(gone.clone()),
                    },
                    type_name: "ManagedObjectNotFound".into(),
                    code: String::new(),
                    message: format!("task {gone} left the filter before it finished"),
                    detail_xml: String::new(),
                }
                .into());
            }
            version = Some(set.version);
        }
        tasks
            .iter()
            .map(|task| {
                latest.get(task).cloned().ok_or_else(|| Error::Decode {
                    method: WaitForUpdatesEx::METHOD,
                    reason: format!("no TaskInfo for {task}"),
                })
            })
            .collect()
    }
}

/// What one `UpdateSet` said about the watched tasks.
#[derive(Debug, Default)]
struct UpdateSet {
    version: String,
    infos: Vec<(ManagedObjectReference, TaskInfo)>,
    left: Vec<ManagedObjectReference>,
}

impl UpdateSet {
    fn from_xml(xml: &str) -> Result<UpdateSet, String> {
        let root = Node::parse(xml)?;
        let mut set = UpdateSet {
            version: root.child_text("version").unwrap_or_default().to_owned(),
            ..UpdateSet::default()
        };
        for object in root
            .children("filterSet")
            .flat_map(|filter| filter.children("objectSet"))
        {
            let obj = object
                .child("obj")
                .and_then(mor)
                .ok_or("ObjectUpdate without obj")?;
            if object.child_text("kind").map(str::trim) == Some("leave") {
                set.left.push(obj);
                continue;
            }
            for change in object.children("changeSet") {
                if change.child_text("name") != Some("info") {
                    continue;
                }
                if let Some(val) = change.child("val") {
                    set.infos.push((obj.clone(), TaskInfo::from_node(val)?));
                }
            }
        }
        Ok(set)
    }
}

/// A `LocalizedMethodFault` (`<error><fault xsi:type="T">..</fault><localizedMessage>`),
/// classified like a SOAP fault's detail.
fn localized_fault(node: &Node) -> Fault {
    let inner = node.child("fault");
    let type_name = inner
        .and_then(|inner| inner.attribute("xsi:type"))
        .map(|name| strip_prefix(name.trim()).to_owned())
        .unwrap_or_default();
    let detail_xml = inner.map(Node::to_xml).unwrap_or_default();
    Fault {
        kind: FaultKind::from_detail(&type_name, &detail_xml),
        type_name,
        code: String::new(),
        message: node
            .child_text("localizedMessage")
            .unwrap_or_default()
            .to_owned(),
        detail_xml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_set_yields_task_infos_with_results_and_faults() {
        let set = UpdateSet::from_xml(concat!(
            "<returnval><version>2</version><filterSet><filter type=\"PropertyFilter\">f</filter>",
            r#"<objectSet><kind>enter</kind><obj type="Task">task-1</obj><changeSet><name>info</name><op>assign</op>"#,
            r#"<val xsi:type="TaskInfo"><key>task-1</key><task type="Task">task-1</task><name>VirtualMachine.clone</name>"#,
            r#"<entity type="VirtualMachine">vm-1</entity><entityName>a &amp; b</entityName><state>success</state>"#,
            r#"<result xsi:type="ManagedObjectReference" type="VirtualMachine">vm-9</result><progress>100</progress></val></changeSet></objectSet>"#,
            r#"<objectSet><kind>modify</kind><obj type="Task">task-2</obj><changeSet><name>info</name><op>assign</op>"#,
            r#"<val xsi:type="TaskInfo"><task type="Task">task-2</task><state>error</state><error><fault xsi:type="InvalidPowerState">"#,
            r#"<requestedState>poweredOn</requestedState><existingState>poweredOn</existingState></fault>"#,
            r#"<localizedMessage>*types.InvalidPowerState</localizedMessage></error></val></changeSet></objectSet>"#,
            r#"<objectSet><kind>leave</kind><obj type="Task">task-3</obj></objectSet>"#,
            "</filterSet></returnval>"
        ))
        .unwrap();
        assert_eq!(set.version, "2");
        assert_eq!(set.left, [ManagedObjectReference::new("Task", "task-3")]);
        let (task, info) = &set.infos[0];
        assert_eq!(task, &ManagedObjectReference::new("Task", "task-1"));
        assert_eq!(info.state, TaskState::Success);
        assert_eq!(info.entity_name.as_deref(), Some("a & b"));
        assert_eq!(info.progress, Some(100));
        assert_eq!(
            info.clone().outcome(),
            Ok(Some(Value::ManagedObjectReference(
                ManagedObjectReference::new("VirtualMachine", "vm-9")
            )))
        );
        let fault = set.infos[1].1.clone().outcome().unwrap_err();
        assert_eq!(
            fault.kind,
            FaultKind::InvalidPowerState {
                requested_state: Some("poweredOn".into()),
                existing_state: Some("poweredOn".into()),
            }
        );
        assert_eq!(fault.message, "*types.InvalidPowerState");
    }

    #[test]
    fn unknown_states_and_running_tasks() {
        let running = Node::parse(
            r#"<val><task type="Task">t</task><state>running</state><progress>40</progress></val>"#,
        )
        .unwrap();
        let info = TaskInfo::from_node(&running).unwrap();
        assert!(!info.state.is_done());
        assert_eq!(info.progress, Some(40));
        let odd =
            Node::parse(r#"<val><task type="Task">t</task><state>paused</state></val>"#).unwrap();
        assert!(TaskInfo::from_node(&odd).is_err());
        let bare =
            Node::parse(r#"<val><task type="Task">t</task><state>error</state></val>"#).unwrap();
        assert!(TaskInfo::from_node(&bare).unwrap().outcome().is_err());
    }
}
