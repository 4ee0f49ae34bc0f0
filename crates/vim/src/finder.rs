//! Inventory paths, the way govmomi's `find.Finder` reads them.
//!
//! - `SearchIndex` methods: [`Client::find_by_inventory_path`], [`Client::find_vm_by_uuid`].
//! - [`Finder`]: a datacenter (given by path, or the only one) and lookups of VMs, hosts,
//!   datastores, networks, resource pools and folders by absolute path (`/DC0/vm/DC0_H0_VM0`),
//!   by path relative to the datacenter's folder for that type (`DC0_H0_VM0` →
//!   `/DC0/vm/DC0_H0_VM0`), by bare name anywhere below that folder, and many at once when the
//!   last segment has a `*` (`/DC0/vm/DC0_H0_*`). Defaults when the datacenter has exactly one.
//! - [`Client::inventory_paths`]: morefs → paths in one `RetrievePropertiesEx` that follows
//!   `parent` up to the root.
//!
//! Errors are [`FindError`]s naming the path: not found, several match (listing them), or the
//! server's error.

use std::collections::HashMap;

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::property::{
    DEFAULT_MAX_OBJECTS, ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveOptions,
    SelectionSpec, TraversalSpec,
};
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// `FindByInventoryPath` on the `SearchIndex`: the entity at `DC0/vm/folder/name` (no leading
/// `/`), or `None`.
#[derive(Clone, Debug, Serialize)]
pub struct FindByInventoryPath {
    /// The `SearchIndex`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The path, segments separated by `/` (a `/` inside a name is `%2f`).
    #[serde(rename = "inventoryPath")]
    pub inventory_path: String,
}

impl Request for FindByInventoryPath {
    const METHOD: &'static str = "FindByInventoryPath";
    const IDEMPOTENT: bool = true;
    type Response = Option<ManagedObjectReference>;
    fn decode(returnvals: Returnvals) -> Result<Option<ManagedObjectReference>, String> {
        returnvals.optional()
    }
}

/// `FindByUuid` on the `SearchIndex`: a VM (or host) by BIOS or instance UUID, or `None`.
#[derive(Clone, Debug, Serialize)]
pub struct FindByUuid {
    /// The `SearchIndex`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// Search only this datacenter (all when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<ManagedObjectReference>,
    /// The UUID.
    pub uuid: String,
    /// `true` for VMs, `false` for hosts.
    #[serde(rename = "vmSearch")]
    pub vm_search: bool,
    /// Match the instance UUID (`config.instanceUuid`) instead of the BIOS UUID (VMs only).
    #[serde(rename = "instanceUuid", skip_serializing_if = "Option::is_none")]
    pub instance_uuid: Option<bool>,
}

impl Request for FindByUuid {
    const METHOD: &'static str = "FindByUuid";
    const IDEMPOTENT: bool = true;
    type Response = Option<ManagedObjectReference>;
    fn decode(returnvals: Returnvals) -> Result<Option<ManagedObjectReference>, String> {
        returnvals.optional()
    }
}

/// Why a lookup failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FindError {
    /// Nothing of that kind at that path.
    #[error("{kind} '{path}' not found")]
    NotFound {
        /// What was looked for, e.g. `vm`.
        kind: &'static str,
        /// The path as given.
        path: String,
    },
    /// The path (or a default) names several objects.
    #[error("path '{path}' resolves to multiple {kind}s: {}", matches.join(", "))]
    Multiple {
        /// What was looked for.
        kind: &'static str,
        /// The path as given (`*` for a default).
        path: String,
        /// The inventory paths of the matches.
        matches: Vec<String>,
    },
    /// The server's error.
    #[error(transparent)]
    Vim(#[from] Error),
}

/// What a lookup is for: decides the datacenter folder relative paths start from, and which
/// managed types count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `VirtualMachine` (templates included), under the `vm` folder.
    VirtualMachine,
    /// `HostSystem`, under the `host` folder (`cluster/host` or `standalone/host`).
    HostSystem,
    /// `Datastore`, under the `datastore` folder.
    Datastore,
    /// `Network` and its subtypes (distributed port groups), under the `network` folder.
    Network,
    /// `ResourcePool` (and vApps), under the `host` folder (`cluster/Resources`).
    ResourcePool,
    /// `Folder`, relative to the datacenter itself (`vm/team-a`).
    Folder,
}

impl Kind {
    /// The word used in messages, as govc prints it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::VirtualMachine => "vm",
            Kind::HostSystem => "host",
            Kind::Datastore => "datastore",
            Kind::Network => "network",
            Kind::ResourcePool => "resource pool",
            Kind::Folder => "folder",
        }
    }

    /// The managed type to list (subtypes included).
    fn managed_type(self) -> &'static str {
        match self {
            Kind::VirtualMachine => "VirtualMachine",
            Kind::HostSystem => "HostSystem",
            Kind::Datastore => "Datastore",
            Kind::Network => "Network",
            Kind::ResourcePool => "ResourcePool",
            Kind::Folder => "Folder",
        }
    }

    /// Whether a moref of type `type_name` is of this kind.
    fn accepts(self, type_name: &str) -> bool {
        match self {
            Kind::Network => matches!(
                type_name,
                "Network" | "DistributedVirtualPortgroup" | "OpaqueNetwork"
            ),
            Kind::ResourcePool => matches!(type_name, "ResourcePool" | "VirtualApp"),
            other => type_name == other.managed_type(),
        }
    }
}

/// An object found, with its inventory path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The object.
    pub moref: ManagedObjectReference,
    /// Its absolute inventory path, e.g. `/DC0/vm/DC0_H0_VM0`.
    pub path: String,
}

/// A datacenter and its four top-level folders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datacenter {
    /// The datacenter.
    pub moref: ManagedObjectReference,
    /// Its inventory path, e.g. `/DC0`.
    pub path: String,
    /// `vmFolder`.
    pub vm_folder: ManagedObjectReference,
    /// `hostFolder`.
    pub host_folder: ManagedObjectReference,
    /// `datastoreFolder`.
    pub datastore_folder: ManagedObjectReference,
    /// `networkFolder`.
    pub network_folder: ManagedObjectReference,
}

const DATACENTER_PATHS: [&str; 5] = [
    "name",
    "vmFolder",
    "hostFolder",
    "datastoreFolder",
    "networkFolder",
];

impl Client {
    /// The `SearchIndex` moref (vCenter always has one; fall back to its well-known value).
    fn search_index(&self) -> ManagedObjectReference {
        self.service_content()
            .search_index
            .clone()
            .unwrap_or_else(|| ManagedObjectReference::new("SearchIndex", "SearchIndex"))
    }

    /// `FindByInventoryPath`: the entity at `path` (`/DC0/vm/x` or `DC0/vm/x`), or `None`.
    pub async fn find_by_inventory_path(
        &self,
        path: &str,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        self.call(&FindByInventoryPath {
            this: self.search_index(),
            inventory_path: path.trim_start_matches('/').to_owned(),
        })
        .await
    }

    /// `FindByUuid`: the VM with this BIOS UUID (`config.uuid`) or, with `instance_uuid`, this
    /// instance UUID (`config.instanceUuid`), optionally only in `datacenter`.
    pub async fn find_vm_by_uuid(
        &self,
        datacenter: Option<&ManagedObjectReference>,
        uuid: &str,
        instance_uuid: bool,
    ) -> Result<Option<ManagedObjectReference>, Error> {
        self.call(&FindByUuid {
            this: self.search_index(),
            datacenter: datacenter.cloned(),
            uuid: uuid.to_owned(),
            vm_search: true,
            instance_uuid: Some(instance_uuid),
        })
        .await
    }

    /// The inventory path of every moref in `objects` (in that order; `None` for an object
    /// without a path, such as a session object), from one `RetrievePropertiesEx` that follows
    /// `parent` from each object up to the root folder.
    pub async fn inventory_paths(
        &self,
        objects: &[ManagedObjectReference],
    ) -> Result<Vec<Option<String>>, Error> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let up = SelectionSpec::Traversal(TraversalSpec {
            name: Some("parent".into()),
            kind: "ManagedEntity".into(),
            path: "parent".into(),
            skip: Some(false),
            select_set: vec![SelectionSpec::Named("parent".into())],
        });
        let contents = self
            .retrieve_properties(
                vec![PropertyFilterSpec {
                    prop_set: vec![PropertySpec::new("ManagedEntity", &["name", "parent"])],
                    object_set: objects
                        .iter()
                        .map(|obj| ObjectSpec {
                            obj: obj.clone(),
                            skip: None,
                            select_set: vec![up.clone()],
                        })
                        .collect(),
                    report_missing_objects_in_results: None,
                }],
                RetrieveOptions {
                    max_objects: Some(DEFAULT_MAX_OBJECTS),
                },
            )
            .await?;
        let nodes: HashMap<ManagedObjectReference, (String, Option<ManagedObjectReference>)> =
            contents
                .into_iter()
                .map(|content| {
                    let name = content
                        .get("name")
                        .and_then(|name| name.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    let parent = content.get("parent").and_then(|p| p.as_mor()).cloned();
                    (content.obj, (name, parent))
                })
                .collect();
        Ok(objects.iter().map(|obj| path_of(&nodes, obj)).collect())
    }
}

/// The path of `obj` from the `(name, parent)` of it and its ancestors. The root folder (no
/// parent) is `/` and not a segment.
fn path_of(
    nodes: &HashMap<ManagedObjectReference, (String, Option<ManagedObjectReference>)>,
    obj: &ManagedObjectReference,
) -> Option<String> {
    let mut segments = Vec::new();
    let mut current = obj.clone();
    // Bounded: a parent cycle would be a server bug, not a reason to hang.
    for _ in 0..256 {
        let (name, parent) = nodes.get(&current)?;
        match parent {
            Some(parent) => {
                segments.push(name.clone());
                current = parent.clone();
            }
            None => {
                segments.reverse();
                return Some(format!("/{}", segments.join("/")));
            }
        }
    }
    None
}

/// Shell-style match of `name` against `pattern` with `*` (any run) and `?` (one character).
fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

fn has_glob(segment: &str) -> bool {
    segment.contains(['*', '?'])
}

/// Lookups inside one datacenter (see the module docs).
#[derive(Clone, Debug)]
pub struct Finder {
    client: Client,
    datacenter: Datacenter,
}

impl Finder {
    /// A finder for the datacenter at `path` (`/DC0`, `DC0`, `/folder/DC1`), or for the only
    /// datacenter when `path` is `None` (several is [`FindError::Multiple`]).
    pub async fn new(client: &Client, path: Option<&str>) -> Result<Finder, FindError> {
        let root = client.service_content().root_folder.clone();
        let datacenters = match path {
            Some(path) => {
                let Some(moref) = client.find_by_inventory_path(path).await? else {
                    return Err(not_found("datacenter", path));
                };
                if moref.kind != "Datacenter" {
                    return Err(not_found("datacenter", path));
                }
                client
                    .retrieve_objects(&[moref], "Datacenter", &DATACENTER_PATHS)
                    .await?
            }
            None => {
                client
                    .retrieve(&root, "Datacenter", &DATACENTER_PATHS)
                    .await?
            }
        };
        let morefs: Vec<_> = datacenters.iter().map(|dc| dc.obj.clone()).collect();
        let paths = client.inventory_paths(&morefs).await?;
        let mut found: Vec<Datacenter> = Vec::new();
        for (content, dc_path) in datacenters.into_iter().zip(paths) {
            let folder = |name: &str| content.get(name).and_then(|v| v.as_mor()).cloned();
            let (Some(vm), Some(host), Some(datastore), Some(network)) = (
                folder("vmFolder"),
                folder("hostFolder"),
                folder("datastoreFolder"),
                folder("networkFolder"),
            ) else {
                continue;
            };
            found.push(Datacenter {
                path: dc_path.unwrap_or_default(),
                moref: content.obj,
                vm_folder: vm,
                host_folder: host,
                datastore_folder: datastore,
                network_folder: network,
            });
        }
        let label = "datacenter";
        let shown = path.unwrap_or("*");
        match found.len() {
            0 => Err(not_found(label, shown)),
            1 => Ok(Finder {
                client: client.clone(),
                datacenter: found.remove(0),
            }),
            _ => Err(FindError::Multiple {
                kind: label,
                path: shown.to_owned(),
                matches: found.into_iter().map(|dc| dc.path).collect(),
            }),
        }
    }

    /// The datacenter.
    pub fn datacenter(&self) -> &Datacenter {
        &self.datacenter
    }

    /// The folder relative paths of `kind` start from, and its path.
    fn base(&self, kind: Kind) -> (ManagedObjectReference, String) {
        let dc = &self.datacenter;
        let (folder, name) = match kind {
            Kind::VirtualMachine => (&dc.vm_folder, "vm"),
            Kind::HostSystem | Kind::ResourcePool => (&dc.host_folder, "host"),
            Kind::Datastore => (&dc.datastore_folder, "datastore"),
            Kind::Network => (&dc.network_folder, "network"),
            Kind::Folder => return (dc.moref.clone(), dc.path.clone()),
        };
        (folder.clone(), format!("{}/{name}", dc.path))
    }

    /// Every object of `kind` matching `path`: an absolute or relative path (globs allowed in
    /// the last segment: list mode), or a bare name or glob searched anywhere below the kind's
    /// folder (find mode). An empty list when nothing matches.
    pub async fn find_all(&self, kind: Kind, path: &str) -> Result<Vec<Found>, FindError> {
        let (base, base_path) = self.base(kind);
        let path = path.trim_end_matches('/');
        let (container, pattern, recursive) = if !path.contains('/') {
            (base, path.to_owned(), true)
        } else {
            let absolute = if path.starts_with('/') {
                path.to_owned()
            } else {
                format!("{base_path}/{path}")
            };
            let (parent, last) = absolute.rsplit_once('/').unwrap_or(("", &absolute));
            if !has_glob(last) {
                let moref = self.client.find_by_inventory_path(&absolute).await?;
                return Ok(moref
                    .filter(|moref| kind.accepts(&moref.kind))
                    .map(|moref| Found {
                        moref,
                        path: absolute.clone(),
                    })
                    .into_iter()
                    .collect());
            }
            match self.client.find_by_inventory_path(parent).await? {
                Some(container) => (container, last.to_owned(), false),
                None => return Ok(Vec::new()),
            }
        };
        let candidates = self
            .client
            .retrieve(&container, kind.managed_type(), &["name"])
            .await?;
        let mut matched: Vec<ManagedObjectReference> = candidates
            .into_iter()
            .filter(|content| {
                content
                    .get("name")
                    .and_then(|name| name.as_str())
                    .is_some_and(|name| glob(&pattern, name))
            })
            .map(|content| content.obj)
            .collect();
        if !recursive {
            // A container view is recursive or not for every type at once; keep direct children.
            let parents = self
                .client
                .retrieve_objects(&matched, kind.managed_type(), &["parent"])
                .await?;
            let direct: Vec<_> = parents
                .into_iter()
                .filter(|content| {
                    content.get("parent").and_then(|p| p.as_mor()) == Some(&container)
                })
                .map(|content| content.obj)
                .collect();
            matched.retain(|moref| direct.contains(moref));
        }
        let paths = self.client.inventory_paths(&matched).await?;
        let mut found: Vec<Found> = matched
            .into_iter()
            .zip(paths)
            .map(|(moref, path)| Found {
                moref,
                path: path.unwrap_or_default(),
            })
            .collect();
        found.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(found)
    }

    /// The one object of `kind` at `path` (see [`Finder::find_all`]).
    pub async fn find(&self, kind: Kind, path: &str) -> Result<Found, FindError> {
        let mut found = self.find_all(kind, path).await?;
        match found.len() {
            0 => Err(not_found(kind.label(), path)),
            1 => Ok(found.remove(0)),
            _ => Err(FindError::Multiple {
                kind: kind.label(),
                path: path.to_owned(),
                matches: found.into_iter().map(|found| found.path).collect(),
            }),
        }
    }

    /// The only object of `kind` in the datacenter (govmomi's `Default*`).
    pub async fn default(&self, kind: Kind) -> Result<Found, FindError> {
        self.find(kind, "*").await
    }

    /// A VM (or template) by path.
    pub async fn virtual_machine(&self, path: &str) -> Result<Found, FindError> {
        self.find(Kind::VirtualMachine, path).await
    }

    /// A host by path (`DC0_C0/DC0_C0_H0`).
    pub async fn host_system(&self, path: &str) -> Result<Found, FindError> {
        self.find(Kind::HostSystem, path).await
    }

    /// A datastore by path, or the only one when `path` is `None`.
    pub async fn datastore(&self, path: Option<&str>) -> Result<Found, FindError> {
        self.find(Kind::Datastore, path.unwrap_or("*")).await
    }

    /// A network by path, or the only one when `path` is `None`.
    pub async fn network(&self, path: Option<&str>) -> Result<Found, FindError> {
        self.find(Kind::Network, path.unwrap_or("*")).await
    }

    /// A resource pool by path (`DC0_C0/Resources`), or the only one when `path` is `None`.
    pub async fn resource_pool(&self, path: Option<&str>) -> Result<Found, FindError> {
        self.find(Kind::ResourcePool, path.unwrap_or("*")).await
    }

    /// A folder by path (`vm/team-a`, relative to the datacenter).
    pub async fn folder(&self, path: &str) -> Result<Found, FindError> {
        self.find(Kind::Folder, path).await
    }
}

fn not_found(kind: &'static str, path: &str) -> FindError {
    FindError::NotFound {
        kind,
        path: path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("DC0_H0_*", "DC0_H0_VM1"));
        assert!(!glob("DC0_H0_*", "DC0_C0_RP0_VM1"));
        assert!(glob("*VM?", "DC0_H0_VM1"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }

    #[test]
    fn paths_walk_parents_to_the_root() {
        let mor = |kind: &str, value: &str| ManagedObjectReference::new(kind, value);
        let mut nodes = HashMap::new();
        nodes.insert(mor("Folder", "group-d1"), ("Datacenters".to_owned(), None));
        nodes.insert(
            mor("Datacenter", "dc"),
            ("DC0".to_owned(), Some(mor("Folder", "group-d1"))),
        );
        nodes.insert(
            mor("Folder", "vm"),
            ("vm".to_owned(), Some(mor("Datacenter", "dc"))),
        );
        nodes.insert(
            mor("VirtualMachine", "vm-1"),
            ("web".to_owned(), Some(mor("Folder", "vm"))),
        );
        assert_eq!(
            path_of(&nodes, &mor("VirtualMachine", "vm-1")).as_deref(),
            Some("/DC0/vm/web")
        );
        assert_eq!(
            path_of(&nodes, &mor("Folder", "group-d1")).as_deref(),
            Some("/")
        );
        assert_eq!(path_of(&nodes, &mor("VirtualMachine", "vm-2")), None);
    }
}
