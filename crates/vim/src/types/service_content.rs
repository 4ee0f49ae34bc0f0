//! `ServiceContent`: the root of every vim25 conversation.

use serde::Deserialize;

use super::{AboutInfo, ManagedObjectReference};

/// The subset of `ServiceContent` (the result of `RetrieveServiceContent`) used so far.
///
/// Managers that a server may not have (an ESXi host has no `searchIndex` restrictions, but no
/// `viewManager` on very old versions, etc.) are `Option`s.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceContent {
    /// The root folder of the inventory (`group-d1` on vCenter).
    pub root_folder: ManagedObjectReference,
    /// The default property collector.
    pub property_collector: ManagedObjectReference,
    /// The view manager (container views for batch retrieval).
    #[serde(default)]
    pub view_manager: Option<ManagedObjectReference>,
    /// Product and API identification.
    pub about: AboutInfo,
    /// The session manager (`Login`, `Logout`, `sessionList`).
    #[serde(default)]
    pub session_manager: Option<ManagedObjectReference>,
    /// The search index (`FindByInventoryPath`, `FindByUuid`, ...).
    #[serde(default)]
    pub search_index: Option<ManagedObjectReference>,
    /// The file manager.
    #[serde(default)]
    pub file_manager: Option<ManagedObjectReference>,
    /// The virtual disk manager.
    #[serde(default)]
    pub virtual_disk_manager: Option<ManagedObjectReference>,
    /// The OVF manager.
    #[serde(default)]
    pub ovf_manager: Option<ManagedObjectReference>,
    /// The task manager.
    #[serde(default)]
    pub task_manager: Option<ManagedObjectReference>,
    /// The event manager.
    #[serde(default)]
    pub event_manager: Option<ManagedObjectReference>,
    /// The custom fields manager.
    #[serde(default)]
    pub custom_fields_manager: Option<ManagedObjectReference>,
    /// The guest customization spec manager.
    #[serde(default)]
    pub customization_spec_manager: Option<ManagedObjectReference>,
    /// The distributed virtual switch manager.
    #[serde(default)]
    pub dv_switch_manager: Option<ManagedObjectReference>,
}
