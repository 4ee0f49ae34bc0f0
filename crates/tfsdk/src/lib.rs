//! A Terraform provider SDK: schemas as data, typed values (cty), resources, data sources and
//! functions, served to Terraform over tfplugin6 and tfplugin5 by one implementation.
//!
//! A provider implements [`Provider`] and hands it to [`serve`]:
//!
//! ```no_run
//! # use tfsdk::*;
//! # struct MyProvider;
//! # #[async_trait::async_trait]
//! # impl Provider for MyProvider {
//! #     fn type_name(&self) -> &'static str { "my" }
//! #     fn schema(&self) -> Schema { Schema::default() }
//! #     async fn configure(&self, _: ConfigureRequest) -> Result<ProviderData, Diagnostics> {
//! #         Ok(std::sync::Arc::new(()))
//! #     }
//! #     fn resources(&self) -> Vec<std::sync::Arc<dyn Resource>> { Vec::new() }
//! #     fn data_sources(&self) -> Vec<std::sync::Arc<dyn DataSource>> { Vec::new() }
//! # }
//! fn main() -> std::process::ExitCode {
//!     tfsdk::serve(MyProvider, ServeOptions::new("registry.terraform.io/acme/my"))
//! }
//! ```
//!
//! The SDK owns the protocol's contracts: values are decoded and encoded with the schema's
//! implied type, unset computed attributes are planned unknown, plan modifiers and validators
//! run from the schema, results are checked for unknowns before Terraform sees them, panics in
//! provider code become error diagnostics, and StopProvider cancels [`Context::stop_token`].

mod context;
mod diagnostics;
pub mod docs;
pub mod plan_modifier;
mod private_state;
mod provider;
mod schema;
mod serve;
pub mod server;
pub mod validator;

pub use context::{Context, ProviderData};
pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use private_state::PrivateState;
pub use provider::{
    ConfigureRequest, CreateRequest, DataSource, DeleteRequest, Function, FunctionError,
    FunctionSignature, Outcome, Parameter, PlanRequest, Provider, ReadRequest, Resource,
    UpdateRequest,
};
pub use schema::{
    Attribute, AttributeKind, Block, BlockNesting, Description, NestedAttributes, NestedBlock,
    ObjectNesting, Presence, Schema, SchemaProblem, check_schema,
};
pub use serve::{PROTOCOL_VERSIONS_VAR, ServeOptions, serve};

/// The value system, re-exported so providers need one dependency.
pub use cty;
