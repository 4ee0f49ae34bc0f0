//! The property collector: batch reads of many properties of many objects in few round trips.
//!
//! - What to read: [`PropertyFilterSpec`], [`ObjectSpec`] (with [`ObjectSpec::view`] for a
//!   container view), [`TraversalSpec`] (sent with an explicit `xsi:type`).
//! - [`Client::retrieve_properties`](crate::Client::retrieve_properties) /
//!   [`Client::retrieve_pages`](crate::Client::retrieve_pages): `RetrievePropertiesEx` following
//!   `token`, cancelling when stopped early.
//! - [`Client::retrieve`](crate::Client::retrieve): one container view, one read, view destroyed.
//! - [`Value`]: property values decoded by `xsi:type`, unknown types kept as XML.

mod collector;
mod spec;
pub(crate) mod tree;
pub(crate) mod value;
mod view;

pub use collector::{
    CancelRetrievePropertiesEx, ContinueRetrievePropertiesEx, DEFAULT_MAX_OBJECTS, RetrievePages,
    RetrievePropertiesEx,
};
pub use spec::{
    ObjectSpec, PropertyFilterSpec, PropertySpec, RetrieveOptions, SelectionSpec, TraversalSpec,
};
pub use value::{DynamicProperty, MissingProperty, ObjectContent, RetrieveResult, Value};
pub use view::{CreateContainerView, DestroyView};
