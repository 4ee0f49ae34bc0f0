//! The traits a provider implements: the provider itself, resources, data sources, functions.
//!
//! Each has a small required core; everything else has a default that says what Terraform gets
//! when the provider does not care.

use std::sync::Arc;

use async_trait::async_trait;
use cty::{Type, Value};

use crate::context::{Context, ProviderData};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::private_state::PrivateState;
use crate::schema::{Description, Schema};

/// A Terraform provider.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, e.g. `photon`; resource type names start with it and `_`.
    fn type_name(&self) -> &'static str;

    /// The schema of the `provider` block.
    fn schema(&self) -> Schema;

    /// Checks the provider configuration (may contain unknown values). Called before `configure`
    /// and during `terraform validate`, where `configure` never runs.
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Builds what resources need (API clients…) from the configuration. The configuration may
    /// hold unknown values when it refers to resources not created yet.
    async fn configure(&self, request: ConfigureRequest) -> Result<ProviderData, Diagnostics>;

    /// The managed resource types.
    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    /// The data source types.
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;

    /// Provider-defined functions (Terraform ≥ 1.8 calls them).
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }

    /// Called once when Terraform has shut the plugin down, with what `configure` returned (if
    /// it ran): end remote sessions here. The process exits right after; keep it short (the
    /// serving loop bounds it to well under a second).
    async fn close(&self, _data: Option<ProviderData>) {}
}

/// ConfigureProvider's input.
#[derive(Clone, Debug)]
pub struct ConfigureRequest {
    /// The Terraform CLI's version, e.g. `1.0.3`.
    pub terraform_version: String,
    /// The `provider` block, every attribute present (null where unset).
    pub config: Value,
}

/// What a resource operation produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The new state: null means "does not exist" (after Read or a failed Create).
    pub state: Value,
    /// Private data Terraform keeps with the state.
    pub private: PrivateState,
    /// Errors and warnings; on error a non-null state is saved as tainted.
    pub diagnostics: Diagnostics,
}

impl Outcome {
    /// Success with `state`.
    pub fn ok(state: Value) -> Self {
        Self {
            state,
            private: PrivateState::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    /// Failure with nothing to record.
    pub fn failed(diagnostics: impl Into<Diagnostics>) -> Self {
        Self {
            state: Value::Null,
            private: PrivateState::new(),
            diagnostics: diagnostics.into(),
        }
    }

    /// Replaces the private state.
    pub fn with_private(mut self, private: PrivateState) -> Self {
        self.private = private;
        self
    }

    /// Adds a diagnostic.
    pub fn with_diagnostic(mut self, diagnostic: Diagnostic) -> Self {
        self.diagnostics.push(diagnostic);
        self
    }
}

/// Create's input.
#[derive(Clone, Debug)]
pub struct CreateRequest {
    /// The configuration.
    pub config: Value,
    /// The planned state: computed attributes not known yet are unknown.
    pub planned: Value,
    /// Private data from planning.
    pub planned_private: PrivateState,
}

/// Read's input.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    /// The state Terraform has.
    pub state: Value,
    /// Its private data.
    pub private: PrivateState,
}

/// Update's input.
#[derive(Clone, Debug)]
pub struct UpdateRequest {
    /// The configuration.
    pub config: Value,
    /// The state before.
    pub prior: Value,
    /// The planned state.
    pub planned: Value,
    /// Private data from planning.
    pub planned_private: PrivateState,
}

/// Delete's input.
#[derive(Clone, Debug)]
pub struct DeleteRequest {
    /// The state being destroyed.
    pub prior: Value,
    /// Its private data.
    pub private: PrivateState,
}

/// The plan the SDK built, open to a resource's own adjustments.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    /// The configuration (may hold unknowns).
    pub config: Value,
    /// The prior state; null on create.
    pub prior: Value,
    /// The plan so far; change it to adjust.
    pub planned: Value,
    /// Private data to carry to apply.
    pub planned_private: PrivateState,
    /// Paths whose change replaces the resource; add to force replacement.
    pub requires_replace: Vec<cty::Path>,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type name, e.g. `photon_folder`.
    fn type_name(&self) -> &'static str;

    /// The schema (its version is stored in state).
    fn schema(&self) -> Schema;

    /// Checks a configuration that may contain unknown values anywhere. Attribute validators in
    /// the schema have already run.
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Adjusts the plan after the schema's plan modifiers ran.
    async fn modify_plan(&self, _ctx: &Context, _plan: &mut PlanRequest) -> Diagnostics {
        Diagnostics::new()
    }

    /// Creates the object. Must return every planned known value unchanged and no unknowns.
    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome;

    /// Reads the object; a null state means it is gone.
    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome;

    /// Updates the object in place.
    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome;

    /// Deletes the object.
    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics;

    /// Turns an import id into a state; attributes left out become null and Terraform then
    /// calls `read`.
    async fn import(&self, _ctx: &Context, _id: &str) -> Outcome {
        Outcome::failed(Diagnostic::error(
            format!("Import {} failed", self.type_name()),
            "This resource type does not support import.",
        ))
    }

    /// Upgrades state JSON written with an older schema version to the current schema. The SDK
    /// handles the current version itself.
    async fn upgrade_state(&self, _ctx: &Context, from_version: i64, _json: &[u8]) -> Outcome {
        Outcome::failed(Diagnostic::error(
            format!("Upgrade {} state failed", self.type_name()),
            format!(
                "State written with schema version {from_version} cannot be upgraded to version {}.",
                self.schema().version
            ),
        ))
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    /// The type name, e.g. `photon_kickstart`.
    fn type_name(&self) -> &'static str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Checks a configuration that may contain unknown values anywhere.
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Reads the data: the state must be wholly known.
    async fn read(&self, ctx: &Context, config: Value) -> Outcome;
}

/// A parameter of a provider-defined function.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether null is accepted.
    pub allow_null: bool,
    /// Whether unknown is accepted (otherwise Terraform answers unknown without calling).
    pub allow_unknown: bool,
    /// What it is.
    pub description: Description,
}

/// The signature of a provider-defined function.
#[derive(Clone, Debug)]
pub struct FunctionSignature {
    /// Positional parameters.
    pub parameters: Vec<Parameter>,
    /// A final variadic parameter.
    pub variadic: Option<Parameter>,
    /// The result's type.
    pub return_type: Type,
    /// One line.
    pub summary: String,
    /// Longer text.
    pub description: Description,
    /// Set when deprecated.
    pub deprecation_message: Option<String>,
}

/// A function's failure, optionally blaming one argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    /// What went wrong.
    pub message: String,
    /// The 0-based argument at fault.
    pub argument: Option<i64>,
}

/// A provider-defined function, `provider::<provider>::<name>(…)`.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    /// The name.
    fn name(&self) -> &'static str;

    /// Parameters and result.
    fn signature(&self) -> FunctionSignature;

    /// Computes the result.
    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError>;
}
