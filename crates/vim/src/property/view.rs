//! Container views: the set of objects of some types under a folder (or other container), kept
//! live by the server, so a single `RetrievePropertiesEx` can read them all.

use serde::Serialize;

use crate::envelope::{Request, Returnvals};
use crate::error::Error;
use crate::session::Client;
use crate::types::ManagedObjectReference;

/// `CreateContainerView` on the `ViewManager`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateContainerView {
    /// The `ViewManager`.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
    /// The folder, datacenter, compute resource, ... whose content the view shows.
    pub container: ManagedObjectReference,
    /// The managed object types to include (e.g. `VirtualMachine`); empty means all.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    /// Include the container's descendants, not only its direct children.
    pub recursive: bool,
}

impl Request for CreateContainerView {
    const METHOD: &'static str = "CreateContainerView";
    // A repeated call leaks a second view on the server.
    const IDEMPOTENT: bool = false;
    type Response = ManagedObjectReference;
    fn decode(returnvals: Returnvals) -> Result<ManagedObjectReference, String> {
        returnvals.one()
    }
}

/// `DestroyView` on a view.
#[derive(Clone, Debug, Serialize)]
pub struct DestroyView {
    /// The view.
    #[serde(rename = "_this")]
    pub this: ManagedObjectReference,
}

impl Request for DestroyView {
    const METHOD: &'static str = "DestroyView";
    // A retry after a lost response would fault with ManagedObjectNotFound.
    const IDEMPOTENT: bool = false;
    type Response = ();
    fn decode(returnvals: Returnvals) -> Result<(), String> {
        returnvals.none()
    }
}

impl Client {
    /// The `ViewManager` moref (vCenter always has one; fall back to its well-known value).
    pub(crate) fn view_manager(&self) -> ManagedObjectReference {
        self.service_content()
            .view_manager
            .clone()
            .unwrap_or_else(|| ManagedObjectReference::new("ViewManager", "ViewManager"))
    }

    /// Creates a container view of the objects of `types` under `container` (all descendants
    /// when `recursive`). Views live until [`Client::destroy_view`] or the end of the session.
    pub async fn create_container_view(
        &self,
        container: &ManagedObjectReference,
        types: &[&str],
        recursive: bool,
    ) -> Result<ManagedObjectReference, Error> {
        self.call(&CreateContainerView {
            this: self.view_manager(),
            container: container.clone(),
            types: types.iter().map(|kind| (*kind).to_owned()).collect(),
            recursive,
        })
        .await
    }

    /// Destroys a view. A view that no longer exists is a `ManagedObjectNotFound` fault.
    pub async fn destroy_view(&self, view: &ManagedObjectReference) -> Result<(), Error> {
        self.call(&DestroyView { this: view.clone() }).await
    }
}
