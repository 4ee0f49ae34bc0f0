//! VM snapshots: create, read the tree, find by name or path, revert, rename, remove.
//!
//! - Requests: [`CreateSnapshotTask`], [`RevertToSnapshotTask`], [`RevertToCurrentSnapshotTask`],
//!   [`RemoveSnapshotTask`], [`RemoveAllSnapshotsTask`], [`RenameSnapshot`] (fields in WSDL
//!   order), and `impl Client` methods that send them and wait for the task.
//! - The tree: [`SnapshotInfo`] (`currentSnapshot`, `rootSnapshotList`) of
//!   [`SnapshotTree`] nodes, decoded from the VM's `snapshot` property
//!   ([`Client::snapshot_info`], or [`Client::snapshot_infos`] for many VMs in one read).
//! - Lookup like govmomi's `FindSnapshot`: a snapshot's name, its moref value, or its path from
//!   a root (`root/child/grandchild`); [`SnapshotError::NotFound`] or
//!   [`SnapshotError::Multiple`] when the name is unknown or ambiguous.

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::property::Value;
use crate::property::tree::Node;
use crate::property::value::mor;
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// `CreateSnapshot_Task` on a VM; returns the task, whose result is the new snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct CreateSnapshotTask {
    /// The VM.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The snapshot's name (need not be unique).
    pub name: String,
    /// Free text shown with the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Include the memory of a running VM (a revert then resumes it running).
    pub memory: bool,
    /// Quiesce the guest file systems first (needs VMware Tools).
    pub quiesce: bool,
}

impl Request for CreateSnapshotTask {
    const METHOD: &'static str = "CreateSnapshot_Task";
    // A retry would create a second snapshot.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RevertToSnapshot_Task` on a snapshot: makes it the VM's current state; returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct RevertToSnapshotTask {
    /// The snapshot.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The host to run the VM on if the revert powers it on (the server picks when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
    /// Leave the VM off even when the snapshot was taken running.
    #[serde(rename = "suppressPowerOn", skip_serializing_if = "Option::is_none")]
    pub suppress_power_on: Option<bool>,
}

impl Request for RevertToSnapshotTask {
    const METHOD: &'static str = "RevertToSnapshot_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RevertToCurrentSnapshot_Task` on a VM: reverts to its current snapshot; returns the task.
/// A VM without a current snapshot is a `NotFound` fault.
#[derive(Clone, Debug, Serialize)]
pub struct RevertToCurrentSnapshotTask {
    /// The VM.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The host to run the VM on if the revert powers it on (the server picks when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<ManagedObjectReference>,
    /// Leave the VM off even when the snapshot was taken running.
    #[serde(rename = "suppressPowerOn", skip_serializing_if = "Option::is_none")]
    pub suppress_power_on: Option<bool>,
}

impl Request for RevertToCurrentSnapshotTask {
    const METHOD: &'static str = "RevertToCurrentSnapshot_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RemoveSnapshot_Task` on a snapshot; returns the task. Without `remove_children` its
/// children take its place under its parent.
#[derive(Clone, Debug, Serialize)]
pub struct RemoveSnapshotTask {
    /// The snapshot.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Remove the whole subtree, not only this snapshot.
    #[serde(rename = "removeChildren")]
    pub remove_children: bool,
    /// Consolidate the disks afterwards (the server's default, `true`, when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consolidate: Option<bool>,
}

impl Request for RemoveSnapshotTask {
    const METHOD: &'static str = "RemoveSnapshot_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RemoveAllSnapshots_Task` on a VM; returns the task.
#[derive(Clone, Debug, Serialize)]
pub struct RemoveAllSnapshotsTask {
    /// The VM.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Consolidate the disks afterwards (the server's default, `true`, when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consolidate: Option<bool>,
}

impl Request for RemoveAllSnapshotsTask {
    const METHOD: &'static str = "RemoveAllSnapshots_Task";
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `RenameSnapshot` on a snapshot: a new name and/or description (no task).
#[derive(Clone, Debug, Serialize)]
pub struct RenameSnapshot {
    /// The snapshot.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The new name; unchanged when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The new description; unchanged when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Request for RenameSnapshot {
    const METHOD: &'static str = "RenameSnapshot";
    // Setting the same name twice leaves the same result.
    const IDEMPOTENT: bool = true;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

/// One snapshot and its descendants (`VirtualMachineSnapshotTree`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotTree {
    /// The snapshot (`VirtualMachineSnapshot`), the handle revert/remove/rename work on.
    pub snapshot: ManagedObjectReference,
    /// The VM it belongs to.
    pub vm: Option<ManagedObjectReference>,
    /// Its name (not necessarily unique).
    pub name: String,
    /// Its description.
    pub description: String,
    /// The VM-local numeric id, when the server sends one.
    pub id: Option<i32>,
    /// When it was taken, as sent (RFC 3339).
    pub create_time: String,
    /// The VM's power state when it was taken (`poweredOn`, `poweredOff`, `suspended`).
    pub state: String,
    /// Whether the guest was quiesced.
    pub quiesced: bool,
    /// The snapshots taken from this one.
    pub children: Vec<SnapshotTree>,
}

impl SnapshotTree {
    fn from_node(node: &Node) -> Result<SnapshotTree, String> {
        let snapshot = node
            .child("snapshot")
            .and_then(mor)
            .ok_or("VirtualMachineSnapshotTree without snapshot")?;
        Ok(SnapshotTree {
            vm: node.child("vm").and_then(mor),
            name: node.child_text("name").unwrap_or_default().to_owned(),
            description: node
                .child_text("description")
                .unwrap_or_default()
                .to_owned(),
            id: node
                .child_text("id")
                .and_then(|text| text.trim().parse().ok()),
            create_time: node
                .child_text("createTime")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            state: node
                .child_text("state")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            quiesced: node.child_text("quiesced").map(str::trim) == Some("true"),
            children: node
                .children("childSnapshotList")
                .map(SnapshotTree::from_node)
                .collect::<Result<_, _>>()?,
            snapshot,
        })
    }
}

/// A VM's snapshots (`VirtualMachineSnapshotInfo`, the VM's `snapshot` property).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapshotInfo {
    /// The snapshot the VM's current state derives from.
    pub current_snapshot: Option<ManagedObjectReference>,
    /// The snapshots without a parent.
    pub root_snapshot_list: Vec<SnapshotTree>,
}

/// Why a snapshot lookup failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// No snapshot has that name, moref value or path (or the VM has no snapshots).
    #[error("snapshot {name:?} not found")]
    NotFound {
        /// The name or path as given.
        name: String,
    },
    /// Several snapshots have that name (or path): use a longer path or the moref.
    #[error("{name:?} resolves to {} snapshots", matches.len())]
    Multiple {
        /// The name or path as given.
        name: String,
        /// The snapshots it names, depth first.
        matches: Vec<ManagedObjectReference>,
    },
    /// The server's error (or an undecodable `snapshot` property).
    #[error(transparent)]
    Vim(#[from] Error),
}

impl SnapshotInfo {
    /// Decodes a `VirtualMachineSnapshotInfo` value (normalised XML).
    pub fn from_xml(xml: &str) -> Result<SnapshotInfo, String> {
        let node = Node::parse(xml)?;
        Ok(SnapshotInfo {
            current_snapshot: node.child("currentSnapshot").and_then(mor),
            root_snapshot_list: node
                .children("rootSnapshotList")
                .map(SnapshotTree::from_node)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Decodes the VM's `snapshot` property as retrieved: `None` when unset (no snapshots).
    pub fn from_value(value: Option<&Value>) -> Result<Option<SnapshotInfo>, String> {
        match value {
            None => Ok(None),
            Some(Value::Other { xml, .. }) if xml.is_empty() => Ok(None),
            Some(Value::Other { xml, .. }) => SnapshotInfo::from_xml(xml).map(Some),
            Some(other) => Err(format!(
                "snapshot is not a VirtualMachineSnapshotInfo: {other:?}"
            )),
        }
    }

    /// Every snapshot, depth first, with its path from its root (`root/child`).
    pub fn walk(&self) -> Vec<(String, &SnapshotTree)> {
        fn visit<'a>(
            prefix: &str,
            trees: &'a [SnapshotTree],
            out: &mut Vec<(String, &'a SnapshotTree)>,
        ) {
            for tree in trees {
                let path = if prefix.is_empty() {
                    tree.name.clone()
                } else {
                    format!("{prefix}/{}", tree.name)
                };
                out.push((path.clone(), tree));
                visit(&path, &tree.children, out);
            }
        }
        let mut out = Vec::new();
        visit("", &self.root_snapshot_list, &mut out);
        out
    }

    /// The node of `snapshot`, if it is in the tree.
    pub fn get(&self, snapshot: &ManagedObjectReference) -> Option<&SnapshotTree> {
        self.walk()
            .into_iter()
            .map(|(_, tree)| tree)
            .find(|tree| &tree.snapshot == snapshot)
    }

    /// The node of the current snapshot.
    pub fn current(&self) -> Option<&SnapshotTree> {
        self.get(self.current_snapshot.as_ref()?)
    }

    /// The parent of `snapshot` (`None` for a root or an unknown snapshot).
    pub fn parent_of(&self, snapshot: &ManagedObjectReference) -> Option<&SnapshotTree> {
        self.walk().into_iter().map(|(_, tree)| tree).find(|tree| {
            tree.children
                .iter()
                .any(|child| &child.snapshot == snapshot)
        })
    }

    /// The snapshot named `name`: a snapshot name, a moref value, or a path from a root
    /// (`a/b/c`), as govmomi's `FindSnapshot` resolves them. Several matches are
    /// [`SnapshotError::Multiple`].
    pub fn find(&self, name: &str) -> Result<&SnapshotTree, SnapshotError> {
        let mut matches: Vec<&SnapshotTree> = Vec::new();
        for (path, tree) in self.walk() {
            let hit = tree.name == name || tree.snapshot.value == name || path == name;
            if hit && !matches.iter().any(|seen| seen.snapshot == tree.snapshot) {
                matches.push(tree);
            }
        }
        match matches.len() {
            0 => Err(SnapshotError::NotFound {
                name: name.to_owned(),
            }),
            1 => Ok(matches[0]),
            _ => Err(SnapshotError::Multiple {
                name: name.to_owned(),
                matches: matches
                    .into_iter()
                    .map(|tree| tree.snapshot.clone())
                    .collect(),
            }),
        }
    }
}

fn decode_error(reason: String) -> Error {
    Error::Decode {
        method: "RetrievePropertiesEx",
        reason,
    }
}

impl Client {
    /// Takes a snapshot of `vm`, waits for the task and returns the new snapshot.
    pub async fn create_snapshot(
        &self,
        vm: &ManagedObjectReference,
        name: &str,
        description: Option<&str>,
        memory: bool,
        quiesce: bool,
    ) -> Result<ManagedObjectReference, Error> {
        let task = self
            .call(&CreateSnapshotTask {
                this: vm.clone(),
                name: name.to_owned(),
                description: description.map(str::to_owned),
                memory,
                quiesce,
            })
            .await?;
        match self.wait_for_task(&task).await? {
            Some(Value::ManagedObjectReference(snapshot)) => Ok(snapshot),
            other => Err(Error::Decode {
                method: CreateSnapshotTask::METHOD,
                reason: format!("task result is not a snapshot: {other:?}"),
            }),
        }
    }

    /// The snapshots of `vm` (`None` when it has none), from its `snapshot` property.
    pub async fn snapshot_info(
        &self,
        vm: &ManagedObjectReference,
    ) -> Result<Option<SnapshotInfo>, Error> {
        let mut infos = self.snapshot_infos(std::slice::from_ref(vm)).await?;
        Ok(infos.pop().and_then(|(_, info)| info))
    }

    /// The snapshots of each VM in `vms`, in one `RetrievePropertiesEx` (in the server's order).
    pub async fn snapshot_infos(
        &self,
        vms: &[ManagedObjectReference],
    ) -> Result<Vec<(ManagedObjectReference, Option<SnapshotInfo>)>, Error> {
        let contents = self
            .retrieve_objects(vms, "VirtualMachine", &["snapshot"])
            .await?;
        contents
            .into_iter()
            .map(|content| {
                let info = SnapshotInfo::from_value(content.get("snapshot")).map_err(|reason| {
                    decode_error(format!("snapshot of {}: {reason}", content.obj))
                })?;
                Ok((content.obj, info))
            })
            .collect()
    }

    /// The snapshot of `vm` named `name` (a name, a moref value or an `a/b/c` path; see
    /// [`SnapshotInfo::find`]).
    pub async fn find_snapshot(
        &self,
        vm: &ManagedObjectReference,
        name: &str,
    ) -> Result<ManagedObjectReference, SnapshotError> {
        let Some(info) = self.snapshot_info(vm).await? else {
            return Err(SnapshotError::NotFound {
                name: name.to_owned(),
            });
        };
        info.find(name).map(|tree| tree.snapshot.clone())
    }

    /// Reverts to `snapshot` and waits for the task.
    pub async fn revert_to_snapshot(
        &self,
        snapshot: &ManagedObjectReference,
        suppress_power_on: Option<bool>,
    ) -> Result<(), Error> {
        let task = self
            .call(&RevertToSnapshotTask {
                this: snapshot.clone(),
                host: None,
                suppress_power_on,
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Reverts `vm` to its current snapshot and waits for the task.
    pub async fn revert_to_current_snapshot(
        &self,
        vm: &ManagedObjectReference,
        suppress_power_on: Option<bool>,
    ) -> Result<(), Error> {
        let task = self
            .call(&RevertToCurrentSnapshotTask {
                this: vm.clone(),
                host: None,
                suppress_power_on,
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Removes `snapshot` (with its subtree when `remove_children`) and waits for the task.
    pub async fn remove_snapshot(
        &self,
        snapshot: &ManagedObjectReference,
        remove_children: bool,
        consolidate: Option<bool>,
    ) -> Result<(), Error> {
        let task = self
            .call(&RemoveSnapshotTask {
                this: snapshot.clone(),
                remove_children,
                consolidate,
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Removes every snapshot of `vm` and waits for the task.
    pub async fn remove_all_snapshots(
        &self,
        vm: &ManagedObjectReference,
        consolidate: Option<bool>,
    ) -> Result<(), Error> {
        let task = self
            .call(&RemoveAllSnapshotsTask {
                this: vm.clone(),
                consolidate,
            })
            .await?;
        self.wait_for_task(&task).await.map(drop)
    }

    /// Renames `snapshot` and/or changes its description (`None` leaves a field as it is).
    /// vcsim 0.24.2 does not implement it (`MethodNotFound`).
    pub async fn rename_snapshot(
        &self,
        snapshot: &ManagedObjectReference,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), Error> {
        self.call(&RenameSnapshot {
            this: snapshot.clone(),
            name: name.map(str::to_owned),
            description: description.map(str::to_owned),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::encode;

    /// The `snapshot` property of a vcsim 0.24.2 VM (root with two children), normalised as
    /// [`Value::Other`] holds it.
    const VCSIM_SNAPSHOT: &str = concat!(
        r#"<val xsi:type="VirtualMachineSnapshotInfo"><currentSnapshot type="VirtualMachineSnapshot">snapshot-74</currentSnapshot>"#,
        r#"<rootSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-69</snapshot><vm type="VirtualMachine">vm-57</vm><name>root</name><description>a &amp; b</description><id>1</id><createTime>2026-11-27T12:26:06.011181085Z</createTime><state>poweredOn</state><quiesced>false</quiesced>"#,
        r#"<childSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-71</snapshot><vm type="VirtualMachine">vm-57</vm><name>child</name><description/><id>2</id><createTime>2026-11-27T12:26:06.016939093Z</createTime><state>poweredOn</state><quiesced>true</quiesced><replaySupported>false</replaySupported></childSnapshotList>"#,
        r#"<childSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-74</snapshot><vm type="VirtualMachine">vm-57</vm><name>second</name><description/><id>3</id><createTime>2026-11-27T12:26:06.027979969Z</createTime><state>poweredOn</state><quiesced>false</quiesced><replaySupported>false</replaySupported></childSnapshotList>"#,
        r#"<replaySupported>false</replaySupported></rootSnapshotList></val>"#
    );

    fn snap(value: &str) -> ManagedObjectReference {
        ManagedObjectReference::new("VirtualMachineSnapshot", value)
    }

    #[test]
    fn decodes_a_vcsim_snapshot_tree() {
        let value = Value::Other {
            type_name: "VirtualMachineSnapshotInfo".into(),
            xml: VCSIM_SNAPSHOT.into(),
        };
        let info = SnapshotInfo::from_value(Some(&value)).unwrap().unwrap();
        assert_eq!(info.current_snapshot, Some(snap("snapshot-74")));
        assert_eq!(info.root_snapshot_list.len(), 1);
        let root = &info.root_snapshot_list[0];
        assert_eq!(root.snapshot, snap("snapshot-69"));
        assert_eq!(
            root.vm,
            Some(ManagedObjectReference::new("VirtualMachine", "vm-57"))
        );
        assert_eq!(root.name, "root");
        assert_eq!(root.description, "a & b");
        assert_eq!(root.id, Some(1));
        assert_eq!(root.create_time, "2026-11-27T12:26:06.011181085Z");
        assert_eq!(root.state, "poweredOn");
        assert!(!root.quiesced);
        assert_eq!(root.children.len(), 2);
        assert_eq!(root.children[0].name, "child");
        assert_eq!(root.children[0].description, "");
        assert!(root.children[0].quiesced);
        assert!(root.children[1].children.is_empty());
        assert_eq!(info.current().unwrap().name, "second");
        assert_eq!(
            info.walk()
                .into_iter()
                .map(|(path, tree)| (path, tree.id))
                .collect::<Vec<_>>(),
            [
                ("root".to_owned(), Some(1)),
                ("root/child".to_owned(), Some(2)),
                ("root/second".to_owned(), Some(3)),
            ]
        );
        assert_eq!(
            info.parent_of(&snap("snapshot-71")).unwrap().snapshot,
            snap("snapshot-69")
        );
        // Unset property: no snapshots.
        assert_eq!(SnapshotInfo::from_value(None).unwrap(), None);
        assert!(SnapshotInfo::from_value(Some(&Value::Int(1))).is_err());
        // A tree node without its snapshot reference is an error, not a silent hole.
        assert!(
            SnapshotInfo::from_xml(
                "<val><rootSnapshotList><name>x</name></rootSnapshotList></val>"
            )
            .is_err()
        );
    }

    #[test]
    fn find_resolves_names_paths_and_morefs() {
        // root → {a → b, b}: "b" is ambiguous, "root/a/b" and "root/b" are not.
        let xml = concat!(
            r#"<val><rootSnapshotList><snapshot type="VirtualMachineSnapshot">s-1</snapshot><name>root</name>"#,
            r#"<childSnapshotList><snapshot type="VirtualMachineSnapshot">s-2</snapshot><name>a</name>"#,
            r#"<childSnapshotList><snapshot type="VirtualMachineSnapshot">s-3</snapshot><name>b</name></childSnapshotList></childSnapshotList>"#,
            r#"<childSnapshotList><snapshot type="VirtualMachineSnapshot">s-4</snapshot><name>b</name></childSnapshotList>"#,
            r#"</rootSnapshotList></val>"#
        );
        let info = SnapshotInfo::from_xml(xml).unwrap();
        assert_eq!(info.current(), None);
        assert_eq!(info.find("a").unwrap().snapshot, snap("s-2"));
        assert_eq!(info.find("root/a/b").unwrap().snapshot, snap("s-3"));
        assert_eq!(info.find("root/b").unwrap().snapshot, snap("s-4"));
        assert_eq!(info.find("s-4").unwrap().snapshot, snap("s-4"));
        match info.find("b") {
            Err(SnapshotError::Multiple { name, matches }) => {
                assert_eq!(name, "b");
                assert_eq!(matches, [snap("s-3"), snap("s-4")]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            info.find("a/b"),
            Err(SnapshotError::NotFound { .. })
        ));
        assert!(matches!(info.find(""), Err(SnapshotError::NotFound { .. })));
    }

    #[test]
    fn requests_follow_wsdl_order_and_skip_unset_options() {
        let vm = ManagedObjectReference::new("VirtualMachine", "vm-57");
        let xml = encode(&CreateSnapshotTask {
            this: vm.clone(),
            name: "pre <upgrade>".into(),
            description: None,
            memory: true,
            quiesce: false,
        })
        .unwrap();
        assert!(xml.contains(r#"<CreateSnapshot_Task><_this type="VirtualMachine">vm-57</_this><name>pre &lt;upgrade&gt;</name><memory>true</memory><quiesce>false</quiesce></CreateSnapshot_Task>"#), "{xml}");
        let xml = encode(&CreateSnapshotTask {
            this: vm.clone(),
            name: "n".into(),
            description: Some("d".into()),
            memory: false,
            quiesce: true,
        })
        .unwrap();
        assert!(xml.contains("<name>n</name><description>d</description><memory>false</memory><quiesce>true</quiesce>"), "{xml}");
        let xml = encode(&RevertToSnapshotTask {
            this: snap("s-1"),
            host: Some(ManagedObjectReference::new("HostSystem", "host-21")),
            suppress_power_on: Some(true),
        })
        .unwrap();
        assert!(xml.contains(r#"<RevertToSnapshot_Task><_this type="VirtualMachineSnapshot">s-1</_this><host type="HostSystem">host-21</host><suppressPowerOn>true</suppressPowerOn></RevertToSnapshot_Task>"#), "{xml}");
        let xml = encode(&RevertToCurrentSnapshotTask {
            this: vm.clone(),
            host: None,
            suppress_power_on: None,
        })
        .unwrap();
        assert!(xml.contains(r#"<RevertToCurrentSnapshot_Task><_this type="VirtualMachine">vm-57</_this></RevertToCurrentSnapshot_Task>"#), "{xml}");
        let xml = encode(&RemoveSnapshotTask {
            this: snap("s-1"),
            remove_children: true,
            consolidate: Some(false),
        })
        .unwrap();
        assert!(xml.contains("</_this><removeChildren>true</removeChildren><consolidate>false</consolidate></RemoveSnapshot_Task>"), "{xml}");
        let xml = encode(&RemoveAllSnapshotsTask {
            this: vm,
            consolidate: None,
        })
        .unwrap();
        assert!(xml.contains(r#"<RemoveAllSnapshots_Task><_this type="VirtualMachine">vm-57</_this></RemoveAllSnapshots_Task>"#), "{xml}");
        let xml = encode(&RenameSnapshot {
            this: snap("s-1"),
            name: None,
            description: Some("x & y".into()),
        })
        .unwrap();
        assert!(xml.contains(r#"<RenameSnapshot><_this type="VirtualMachineSnapshot">s-1</_this><description>x &amp; y</description></RenameSnapshot>"#), "{xml}");
    }
}
