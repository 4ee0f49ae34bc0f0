//! Lookups shared by the vSphere data sources and resources: the session, a datacenter by id
//! (or the only one), and one object by name or inventory path with the properties the caller
//! needs read in the same retrieval. Failures are diagnostics from
//! [`crate::clients::vsphere::errors`], pointing at the attribute the user wrote.

use std::collections::HashMap;

use tfsdk::cty::{Path, Value};
use tfsdk::{Context, Diagnostic};
use vim::finder::{Datacenter, Finder};
use vim::{
    Client, FaultKind, ManagedObjectReference, ObjectContent, ObjectSpec, PropertyFilterSpec,
    PropertySpec, RetrieveOptions, SelectionSpec, TraversalSpec,
};

use crate::clients::Clients;
use crate::clients::vsphere::errors::{self, Lookup};

/// The attribute naming the datacenter, everywhere.
pub const DATACENTER_ID: &str = "datacenter_id";

/// The datacenter properties a lookup needs.
const DATACENTER_PATHS: [&str; 5] = [
    "name",
    "vmFolder",
    "hostFolder",
    "datastoreFolder",
    "networkFolder",
];

/// The logged-in session of the provider (a cheap clone of the shared client).
pub async fn client(ctx: &Context) -> Result<Client, Diagnostic> {
    let clients = ctx.provider_data::<Clients>()?;
    let client = clients.vsphere()?.client().await?;
    Ok(client.clone())
}

/// A string attribute of `config`, `None` when null (or not a string).
pub fn string_attr<'a>(config: &'a Value, name: &str) -> Option<&'a str> {
    config.attr(name).and_then(Value::as_str)
}

/// The datacenter whose moref value is `id` (two calls), or the only one when `id` is `None`
/// (four calls). Problems point at `datacenter_id`.
pub async fn datacenter(
    client: &Client,
    id: Option<&str>,
    summary: &str,
) -> Result<Datacenter, Diagnostic> {
    let lookup = Lookup {
        attribute: DATACENTER_ID,
        kind: "datacenter",
        scope: "",
    };
    let Some(id) = id else {
        return Finder::new(client, None)
            .await
            .map(|finder| finder.datacenter().clone())
            .map_err(|error| errors::find_error(summary, &lookup, &error));
    };
    let moref = ManagedObjectReference::new("Datacenter", id);
    let contents = match client
        .retrieve_objects(
            std::slice::from_ref(&moref),
            "Datacenter",
            &DATACENTER_PATHS,
        )
        .await
    {
        Ok(contents) => contents,
        Err(error) if is_not_found(&error) => Vec::new(),
        Err(error) => return Err(errors::vim_error(summary, Some(DATACENTER_ID), &error)),
    };
    let Some(content) = contents.into_iter().find(|content| content.obj == moref) else {
        return Err(datacenter_not_found(client, id, summary).await);
    };
    let folder = |name: &str| content.get(name).and_then(|value| value.as_mor()).cloned();
    let (Some(vm_folder), Some(host_folder), Some(datastore_folder), Some(network_folder)) = (
        folder("vmFolder"),
        folder("hostFolder"),
        folder("datastoreFolder"),
        folder("networkFolder"),
    ) else {
        return Err(Diagnostic::error(
            summary,
            format!("{DATACENTER_ID}: datacenter {id:?} did not report its top-level folders."),
        )
        .at(Path::root().attr(DATACENTER_ID)));
    };
    let path = client
        .inventory_paths(std::slice::from_ref(&moref))
        .await
        .map_err(|error| errors::vim_error(summary, Some(DATACENTER_ID), &error))?
        .pop()
        .flatten()
        .unwrap_or_else(|| {
            format!(
                "/{}",
                content.get("name").and_then(|v| v.as_str()).unwrap_or(id)
            )
        });
    Ok(Datacenter {
        moref,
        path,
        vm_folder,
        host_folder,
        datastore_folder,
        network_folder,
    })
}

/// "No datacenter with id X; available: …" (one more retrieval, on the error path only).
async fn datacenter_not_found(client: &Client, id: &str, summary: &str) -> Diagnostic {
    let root = client.service_content().root_folder.clone();
    let available: Vec<String> = match client.retrieve(&root, "Datacenter", &["name"]).await {
        Ok(contents) => contents
            .iter()
            .map(|content| {
                format!(
                    "{} ({})",
                    content.obj.value,
                    content
                        .get("name")
                        .and_then(|name| name.as_str())
                        .unwrap_or("?")
                )
            })
            .collect(),
        Err(error) => return errors::vim_error(summary, Some(DATACENTER_ID), &error),
    };
    let listed = if available.is_empty() {
        "there is none".to_owned()
    } else {
        format!("available: {}", available.join(", "))
    };
    Diagnostic::error(
        "Datacenter not found",
        format!(
            "{DATACENTER_ID}: no datacenter with id {id:?}; {listed}. Use the `id` of a \
             `photon_datacenter` data source."
        ),
    )
    .at(Path::root().attr(DATACENTER_ID))
}

/// Whether `error` says an object does not exist.
pub fn is_not_found(error: &vim::Error) -> bool {
    matches!(
        error.fault().map(|fault| &fault.kind),
        Some(FaultKind::ManagedObjectNotFound { .. })
    )
}

/// Which objects a [`find`] looks for.
#[derive(Clone, Debug)]
pub struct Search<'a> {
    /// The managed type listed (subtypes included), e.g. `Network`.
    pub managed_type: &'static str,
    /// The types accepted for an inventory path, e.g. `Network`, `DistributedVirtualPortgroup`.
    pub accepts: &'static [&'static str],
    /// The word in messages, e.g. `network`.
    pub label: &'static str,
    /// The attribute holding the name, e.g. `name`.
    pub attribute: &'a str,
    /// The folder relative paths start from (the datacenter's `network` folder).
    pub base: ManagedObjectReference,
    /// Its inventory path, e.g. `/DC0/network`.
    pub base_path: String,
    /// The datacenter's path, for messages.
    pub scope: String,
    /// What failed, for the diagnostic's summary, e.g. `Read photon_network failed`.
    pub summary: &'a str,
}

impl Search<'_> {
    fn lookup(&self) -> Lookup<'_> {
        Lookup {
            attribute: self.attribute,
            kind: self.label,
            scope: &self.scope,
        }
    }

    fn vim_error(&self, error: &vim::Error) -> Diagnostic {
        errors::vim_error(self.summary, Some(self.attribute), error)
    }
}

/// The one object `search` names, with `properties` read in the same retrieval:
///
/// - `name` with a `/`: an inventory path, absolute (`/DC0/host/DC0_C0`) or relative to the
///   search's base folder (`DC0_C0/Resources`): `FindByInventoryPath` then one retrieval;
/// - a bare name: every object of the type below the base folder (one container view: three
///   calls), matched by name; when several match, one more call for their paths;
/// - `None`: the only object of the type below the base folder.
pub async fn find(
    client: &Client,
    search: &Search<'_>,
    name: Option<&str>,
    properties: &[&str],
) -> Result<ObjectContent, Diagnostic> {
    if let Some(path) = name.filter(|name| name.contains('/')) {
        let absolute = absolute_path(&search.base_path, path);
        let moref = client
            .find_by_inventory_path(&absolute)
            .await
            .map_err(|error| search.vim_error(&error))?
            .filter(|moref| search.accepts.contains(&moref.kind.as_str()));
        let Some(moref) = moref else {
            return Err(errors::not_found(&search.lookup(), path, &[]));
        };
        let contents = client
            .retrieve_objects(std::slice::from_ref(&moref), &moref.kind, properties)
            .await
            .map_err(|error| search.vim_error(&error))?;
        return contents
            .into_iter()
            .find(|content| content.obj == moref)
            .ok_or_else(|| errors::not_found(&search.lookup(), path, &[]));
    }
    let mut paths = vec!["name"];
    paths.extend(properties.iter().filter(|path| **path != "name"));
    let all = client
        .retrieve(&search.base, search.managed_type, &paths)
        .await
        .map_err(|error| search.vim_error(&error))?;
    let name_of = |content: &ObjectContent| {
        content
            .get("name")
            .and_then(|name| name.as_str())
            .map(str::to_owned)
    };
    let mut matched: Vec<ObjectContent> = match name {
        Some(name) => all
            .iter()
            .filter(|content| name_of(content).as_deref() == Some(name))
            .cloned()
            .collect(),
        None => all.clone(),
    };
    match matched.len() {
        1 => Ok(matched.remove(0)),
        0 => {
            let mut available: Vec<String> = all.iter().filter_map(name_of).collect();
            available.sort();
            available.dedup();
            Err(match name {
                Some(name) => errors::not_found(&search.lookup(), name, &available),
                None => Diagnostic::error(
                    format!("No {} found", search.label),
                    format!(
                        "{}: not set, and there is no {} in {} to default to.",
                        search.attribute, search.label, search.scope
                    ),
                )
                .at(Path::root().attr(search.attribute)),
            })
        }
        _ => {
            let morefs: Vec<ManagedObjectReference> =
                matched.iter().map(|content| content.obj.clone()).collect();
            let mut paths: Vec<String> = client
                .inventory_paths(&morefs)
                .await
                .map_err(|error| search.vim_error(&error))?
                .into_iter()
                .zip(&morefs)
                .map(|(path, moref)| path.unwrap_or_else(|| moref.value.clone()))
                .collect();
            paths.sort();
            Err(errors::several(&search.lookup(), name, &paths))
        }
    }
}

/// A datacenter's top-level folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopFolder {
    /// `vm`: VMs, templates, vApps.
    Vm,
    /// `host`: clusters, standalone hosts, resource pools.
    Host,
    /// `datastore`.
    Datastore,
    /// `network`.
    Network,
}

impl TopFolder {
    /// The folder's name in inventory paths.
    pub fn name(self) -> &'static str {
        match self {
            TopFolder::Vm => "vm",
            TopFolder::Host => "host",
            TopFolder::Datastore => "datastore",
            TopFolder::Network => "network",
        }
    }

    /// The folder of `datacenter`.
    pub fn of(self, datacenter: &Datacenter) -> &ManagedObjectReference {
        match self {
            TopFolder::Vm => &datacenter.vm_folder,
            TopFolder::Host => &datacenter.host_folder,
            TopFolder::Datastore => &datacenter.datastore_folder,
            TopFolder::Network => &datacenter.network_folder,
        }
    }
}

/// A [`Search`] below one top-level folder of `datacenter`, by the attribute `name`.
pub fn search_in<'a>(
    datacenter: &Datacenter,
    top: TopFolder,
    managed_type: &'static str,
    accepts: &'static [&'static str],
    label: &'static str,
    summary: &'a str,
) -> Search<'a> {
    Search {
        managed_type,
        accepts,
        label,
        attribute: "name",
        base: top.of(datacenter).clone(),
        base_path: format!("{}/{}", datacenter.path, top.name()),
        scope: format!("datacenter {}", datacenter.path),
        summary,
    }
}

/// The common `datacenter_id` argument of the datacenter-scoped data sources.
pub fn datacenter_id_attribute() -> tfsdk::Attribute {
    tfsdk::Attribute::optional(DATACENTER_ID, tfsdk::cty::Type::String).description(
        "The `id` of the datacenter to search (from `photon_datacenter`). Leave it out when the \
         server has only one datacenter.",
    )
}

/// `path` as an absolute inventory path: kept when it starts with `/`, else under `base`.
pub fn absolute_path(base: &str, path: &str) -> String {
    let path = path.trim_end_matches('/');
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", base.trim_end_matches('/'))
    }
}

/// One entity and its ancestors up to the root folder: `(moref, name)` from the entity
/// upwards, from one `RetrievePropertiesEx` that follows `parent`. Empty when the entity does
/// not exist.
pub async fn ancestry(
    client: &Client,
    entity: &ManagedObjectReference,
) -> Result<Vec<(ManagedObjectReference, String)>, vim::Error> {
    let up = SelectionSpec::Traversal(TraversalSpec {
        name: Some("parent".into()),
        kind: "ManagedEntity".into(),
        path: "parent".into(),
        skip: Some(false),
        select_set: vec![SelectionSpec::Named("parent".into())],
    });
    let contents = match client
        .retrieve_properties(
            vec![PropertyFilterSpec {
                prop_set: vec![PropertySpec::new("ManagedEntity", &["name", "parent"])],
                object_set: vec![ObjectSpec {
                    obj: entity.clone(),
                    skip: None,
                    select_set: vec![up],
                }],
                report_missing_objects_in_results: None,
            }],
            RetrieveOptions {
                max_objects: Some(vim::property::DEFAULT_MAX_OBJECTS),
            },
        )
        .await
    {
        Ok(contents) => contents,
        Err(error) if is_not_found(&error) => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let nodes: HashMap<ManagedObjectReference, (String, Option<ManagedObjectReference>)> = contents
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
    let mut chain = Vec::new();
    let mut current = Some(entity.clone());
    // Bounded: a parent cycle would be a server bug, not a reason to hang.
    while let Some(moref) = current.take() {
        if chain.len() > 256 {
            break;
        }
        let Some((name, parent)) = nodes.get(&moref) else {
            break;
        };
        chain.push((moref, name.clone()));
        current = parent.clone();
    }
    Ok(chain)
}

/// `/a/b` from the names of an ancestry (entity first), leaving out the root folder.
pub fn path_of_chain(chain: &[(ManagedObjectReference, String)]) -> String {
    let names: Vec<&str> = chain
        .iter()
        .rev()
        .skip(1)
        .map(|(_, name)| name.as_str())
        .collect();
    format!("/{}", names.join("/"))
}

/// Where a folder sits: its kind and its path relative to the folder of that kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderLocation {
    /// `vm`, `host`, `datastore`, `network`, or `datacenter` (a folder of datacenters).
    pub folder_type: &'static str,
    /// The datacenter holding it (`None` for a `datacenter` folder).
    pub datacenter: Option<ManagedObjectReference>,
    /// The path below the datacenter's folder of that type (`infra/web`), or below the root
    /// folder for `datacenter` folders; empty for the type folder itself.
    pub relative: String,
    /// The absolute inventory path, e.g. `/DC0/vm/infra/web`.
    pub absolute: String,
}

/// The folder types, as `vsphere_folder` names them.
pub const FOLDER_TYPES: [&str; 5] = ["vm", "host", "datastore", "network", "datacenter"];

/// Where the folder whose [`ancestry`] is `chain` sits; `None` when the chain is empty or does
/// not end in a datacenter's top-level folder.
pub fn locate_folder(chain: &[(ManagedObjectReference, String)]) -> Option<FolderLocation> {
    if chain.is_empty() {
        return None;
    }
    let absolute = path_of_chain(chain);
    let relative_of = |entries: &[(ManagedObjectReference, String)]| {
        entries
            .iter()
            .rev()
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join("/")
    };
    match chain
        .iter()
        .position(|(moref, _)| moref.kind == "Datacenter")
    {
        Some(0) => None,
        Some(index) => {
            let (_, top) = &chain[index - 1];
            let folder_type = FOLDER_TYPES[..4].iter().copied().find(|kind| kind == top)?;
            Some(FolderLocation {
                folder_type,
                datacenter: Some(chain[index].0.clone()),
                relative: relative_of(&chain[..index - 1]),
                absolute,
            })
        }
        None => Some(FolderLocation {
            folder_type: "datacenter",
            datacenter: None,
            relative: relative_of(&chain[..chain.len() - 1]),
            absolute,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_go_under_the_base_folder() {
        assert_eq!(
            absolute_path("/DC0/host", "DC0_C0/Resources"),
            "/DC0/host/DC0_C0/Resources"
        );
        assert_eq!(
            absolute_path("/DC0/host", "/DC0/host/DC0_H0/"),
            "/DC0/host/DC0_H0"
        );
    }

    #[test]
    fn chains_render_without_the_root_folder() {
        let mor = |kind: &str, value: &str| ManagedObjectReference::new(kind, value);
        let chain = vec![
            (mor("Folder", "f-2"), "web".to_owned()),
            (mor("Folder", "f-1"), "infra".to_owned()),
            (mor("Folder", "folder-3"), "vm".to_owned()),
            (mor("Datacenter", "datacenter-2"), "DC0".to_owned()),
            (mor("Folder", "group-d1"), "Datacenters".to_owned()),
        ];
        assert_eq!(path_of_chain(&chain), "/DC0/vm/infra/web");
        assert_eq!(path_of_chain(&chain[4..]), "/");
        let location = locate_folder(&chain).expect("a vm folder");
        assert_eq!(location.folder_type, "vm");
        assert_eq!(location.relative, "infra/web");
        assert_eq!(location.absolute, "/DC0/vm/infra/web");
        assert_eq!(location.datacenter, Some(mor("Datacenter", "datacenter-2")));
        let top = locate_folder(&chain[2..]).expect("the vm folder itself");
        assert_eq!((top.folder_type, top.relative.as_str()), ("vm", ""));
        assert_eq!(
            locate_folder(&chain[3..]),
            None,
            "a datacenter is no folder"
        );
        assert_eq!(locate_folder(&[]), None);
    }

    #[test]
    fn folders_of_datacenters_sit_below_the_root() {
        let mor = |kind: &str, value: &str| ManagedObjectReference::new(kind, value);
        let chain = vec![
            (mor("Folder", "f-9"), "emea".to_owned()),
            (mor("Folder", "f-8"), "europe".to_owned()),
            (mor("Folder", "group-d1"), "Datacenters".to_owned()),
        ];
        let location = locate_folder(&chain).expect("a datacenter folder");
        assert_eq!(location.folder_type, "datacenter");
        assert_eq!(location.datacenter, None);
        assert_eq!(location.relative, "europe/emea");
        assert_eq!(location.absolute, "/europe/emea");
    }
}
