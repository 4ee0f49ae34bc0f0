//! Every operation of the client against the real vCenter simulator (govmomi 0.24.2 vcsim),
//! one module per area, in one test binary so the workspace links it once. A test that changes
//! the inventory starts its own simulator; read-only tests share [`Vcsim::shared`].

#![allow(clippy::unwrap_used)]

mod custom_fields;
mod datastore;
mod inventory;
mod ovf;
mod provision;
mod rest;
mod snapshot;
mod support;
