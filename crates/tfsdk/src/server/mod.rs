//! The protocol-neutral provider server: every RPC's logic, once. The `proto6` and `proto5`
//! adapters only convert messages and dispatch here.

mod adapter;
mod plan;
pub mod proto5;
pub mod proto6;
mod values;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, RwLock};

use cty::{Path, Type, Value};
use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::context::{Context, ProviderData};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::private_state::PrivateState;
use crate::provider::{
    ConfigureRequest, CreateRequest, DataSource, DeleteRequest, Function, FunctionError,
    FunctionSignature, Outcome, PlanRequest, Provider, ReadRequest, Resource, UpdateRequest,
};
use crate::schema::Schema;

pub use values::WireValue;
use values::{fill_missing_attributes, first_unknown, run_validators};

/// Everything GetProviderSchema returns, protocol-neutral.
#[derive(Debug)]
pub struct Schemas<'a> {
    /// The provider block.
    pub provider: &'a Schema,
    /// Resource schemas by type name.
    pub resources: BTreeMap<&'a str, &'a Schema>,
    /// Data source schemas by type name.
    pub data_sources: BTreeMap<&'a str, &'a Schema>,
    /// Function signatures by name.
    pub functions: BTreeMap<&'a str, &'a FunctionSignature>,
}

/// A resource operation's result on the wire.
#[derive(Debug, Default)]
pub struct WireOutcome {
    /// The new state (msgpack).
    pub state: WireValue,
    /// The private state bytes.
    pub private: Vec<u8>,
    /// Diagnostics.
    pub diagnostics: Diagnostics,
}

/// PlanResourceChange's result on the wire.
#[derive(Debug, Default)]
pub struct WirePlan {
    /// The planned state.
    pub planned: WireValue,
    /// Paths whose change replaces the resource.
    pub requires_replace: Vec<Path>,
    /// Private state for apply.
    pub planned_private: Vec<u8>,
    /// Diagnostics.
    pub diagnostics: Diagnostics,
}

/// One imported object on the wire.
#[derive(Debug, Default)]
pub struct WireImported {
    /// Its resource type.
    pub type_name: String,
    /// Its state.
    pub state: WireValue,
    /// Its private state.
    pub private: Vec<u8>,
}

struct ResourceEntry {
    resource: Arc<dyn Resource>,
    schema: Schema,
    ty: Type,
}

struct DataSourceEntry {
    data_source: Arc<dyn DataSource>,
    schema: Schema,
    ty: Type,
}

struct FunctionEntry {
    function: Arc<dyn Function>,
    signature: FunctionSignature,
}

/// Serves one provider; shared by both protocol adapters.
pub struct ProviderServer {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<String, ResourceEntry>,
    data_sources: BTreeMap<String, DataSourceEntry>,
    functions: BTreeMap<String, FunctionEntry>,
    provider_data: RwLock<Option<ProviderData>>,
    stop: Mutex<CancellationToken>,
}

impl std::fmt::Debug for ProviderServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderServer")
            .field("provider", &self.provider.type_name())
            .field("resources", &self.resources.keys().collect::<Vec<_>>())
            .field(
                "data_sources",
                &self.data_sources.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ProviderServer {
    /// Builds the server, computing every schema once.
    pub fn new_boxed(provider: impl Provider) -> Self {
        Self::from_arc(Arc::new(provider))
    }

    /// Builds the server from a shared provider.
    pub fn from_arc(provider: Arc<dyn Provider>) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.implied_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let schema = resource.schema();
                let ty = schema.implied_type();
                (
                    resource.type_name().to_owned(),
                    ResourceEntry {
                        resource,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|data_source| {
                let schema = data_source.schema();
                let ty = schema.implied_type();
                (
                    data_source.type_name().to_owned(),
                    DataSourceEntry {
                        data_source,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let functions = provider
            .functions()
            .into_iter()
            .map(|function| {
                let signature = function.signature();
                (
                    function.name().to_owned(),
                    FunctionEntry {
                        function,
                        signature,
                    },
                )
            })
            .collect();
        Self {
            provider,
            provider_schema,
            provider_type,
            resources,
            data_sources,
            functions,
            provider_data: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
        }
    }

    /// The provider's type name.
    pub fn provider_type_name(&self) -> &'static str {
        self.provider.type_name()
    }

    /// All schemas (GetProviderSchema).
    pub fn schemas(&self) -> Schemas<'_> {
        Schemas {
            provider: &self.provider_schema,
            resources: self
                .resources
                .iter()
                .map(|(name, entry)| (name.as_str(), &entry.schema))
                .collect(),
            data_sources: self
                .data_sources
                .iter()
                .map(|(name, entry)| (name.as_str(), &entry.schema))
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(name, entry)| (name.as_str(), &entry.signature))
                .collect(),
        }
    }

    /// Hands what `configure` built to [`Provider::close`] once the plugin is shutting down.
    /// A second call finds nothing configured.
    pub async fn close(&self) {
        let data = self
            .provider_data
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if AssertUnwindSafe(self.provider.close(data))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!("the provider panicked while closing");
        }
    }

    fn context(&self) -> Context {
        let data = self
            .provider_data
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let stop = self
            .stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Context::new(data, stop)
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostic> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!("The provider has no resource type {type_name:?}."),
            )
        })
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry, Diagnostic> {
        self.data_sources.get(type_name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown data source type",
                format!("The provider has no data source type {type_name:?}."),
            )
        })
    }

    /// ValidateProviderConfig / PrepareProviderConfig.
    pub async fn validate_provider_config(&self, config: &WireValue) -> Diagnostics {
        let provider = self.provider.clone();
        validate(
            "ValidateProviderConfig",
            &self.provider_schema,
            &self.provider_type,
            config,
            |config| async move { provider.validate_config(&config).await },
        )
        .await
    }

    /// ConfigureProvider / Configure.
    pub async fn configure_provider(
        &self,
        terraform_version: String,
        config: &WireValue,
    ) -> Diagnostics {
        let config = match config.decode(&self.provider_type, "provider configuration") {
            Ok(config) => config,
            Err(diagnostic) => return diagnostic.into(),
        };
        let provider = self.provider.clone();
        let request = ConfigureRequest {
            terraform_version,
            config,
        };
        let result = AssertUnwindSafe(provider.configure(request))
            .catch_unwind()
            .await;
        match result {
            Ok(Ok(data)) => {
                *self
                    .provider_data
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(data);
                Diagnostics::new()
            }
            Ok(Err(diagnostics)) => diagnostics,
            Err(panic) => panic_diagnostic("ConfigureProvider", panic).into(),
        }
    }

    /// StopProvider / Stop: cancels the stop token every in-flight call holds.
    pub fn stop(&self) -> String {
        let mut stop = self
            .stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        stop.cancel();
        // Later calls (Terraform may still clean up) get a fresh token.
        *stop = CancellationToken::new();
        String::new()
    }

    /// ValidateResourceConfig / ValidateResourceTypeConfig.
    pub async fn validate_resource_config(
        &self,
        type_name: &str,
        config: &WireValue,
    ) -> Diagnostics {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return diagnostic.into(),
        };
        let resource = entry.resource.clone();
        validate(
            "ValidateResourceConfig",
            &entry.schema,
            &entry.ty,
            config,
            |config| async move { resource.validate(&config).await },
        )
        .await
    }

    /// ValidateDataResourceConfig / ValidateDataSourceConfig.
    pub async fn validate_data_source_config(
        &self,
        type_name: &str,
        config: &WireValue,
    ) -> Diagnostics {
        let entry = match self.data_source(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return diagnostic.into(),
        };
        let data_source = entry.data_source.clone();
        validate(
            "ValidateDataSourceConfig",
            &entry.schema,
            &entry.ty,
            config,
            |config| async move { data_source.validate(&config).await },
        )
        .await
    }

    /// UpgradeResourceState: same version → decoded as is (attributes no longer in the schema
    /// dropped); older → the resource's `upgrade_state`.
    pub async fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        json: &[u8],
        has_flatmap: bool,
    ) -> (WireValue, Diagnostics) {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return (WireValue::default(), diagnostic.into()),
        };
        if json.is_empty() && has_flatmap {
            return (
                WireValue::default(),
                Diagnostic::error(
                    format!("Upgrade {type_name} state failed"),
                    "This state was written by Terraform before 0.12 (flatmap); this provider never wrote such state.",
                )
                .into(),
            );
        }
        let outcome = if version == entry.schema.version {
            match cty::json::decode_lenient(json, &entry.ty) {
                Ok(state) => Outcome::ok(state),
                Err(error) => Outcome::failed(Diagnostic::error(
                    format!("Upgrade {type_name} state failed"),
                    format!("The stored state does not match the schema: {error}"),
                )),
            }
        } else if version > entry.schema.version {
            Outcome::failed(Diagnostic::error(
                format!("Upgrade {type_name} state failed"),
                format!(
                    "The state was written by a newer provider (schema version {version}, this provider knows {}). Upgrade the provider.",
                    entry.schema.version
                ),
            ))
        } else {
            let resource = entry.resource.clone();
            let ctx = self.context();
            let json = json.to_vec();
            guard_outcome("UpgradeResourceState", async move {
                resource.upgrade_state(&ctx, version, &json).await
            })
            .await
        };
        let mut diagnostics = outcome.diagnostics;
        if diagnostics.has_errors() {
            return (WireValue::default(), diagnostics);
        }
        let state = fill_missing_attributes(outcome.state, &entry.ty);
        match encode_known(&state, &entry.ty, "upgraded state") {
            Ok(wire) => (wire, diagnostics),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                (WireValue::default(), diagnostics)
            }
        }
    }

    /// ReadResource.
    pub async fn read_resource(
        &self,
        type_name: &str,
        current: &WireValue,
        private: &[u8],
    ) -> WireOutcome {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return failed(diagnostic),
        };
        let (state, private) = match (
            current.decode(&entry.ty, "state"),
            PrivateState::from_bytes(private),
        ) {
            (Ok(state), Ok(private)) => (state, private),
            (Err(diagnostic), _) | (_, Err(diagnostic)) => return failed(diagnostic),
        };
        let resource = entry.resource.clone();
        let ctx = self.context();
        let stop = ctx.stop_token().clone();
        // Reading has no side effects: a stop may abandon it.
        let outcome = tokio::select! {
            outcome = guard_outcome("ReadResource", async move { resource.read(&ctx, ReadRequest { state, private }).await }) => outcome,
            () = stop.cancelled() => Outcome::failed(stopped(type_name)),
        };
        finish(outcome, &entry.ty, "state after refresh", true)
    }

    /// PlanResourceChange.
    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: &WireValue,
        proposed: &WireValue,
        config: &WireValue,
        prior_private: &[u8],
    ) -> WirePlan {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return plan_failed(diagnostic),
        };
        let decoded = (
            prior.decode(&entry.ty, "prior state"),
            proposed.decode(&entry.ty, "proposed new state"),
            config.decode(&entry.ty, "configuration"),
            PrivateState::from_bytes(prior_private),
        );
        let (prior, proposed, config, private) = match decoded {
            (Ok(prior), Ok(proposed), Ok(config), Ok(private)) => {
                (prior, proposed, config, private)
            }
            (Err(diagnostic), ..)
            | (_, Err(diagnostic), ..)
            | (_, _, Err(diagnostic), _)
            | (.., Err(diagnostic)) => {
                return plan_failed(diagnostic);
            }
        };
        if proposed.is_null() {
            // Destroy (Terraform ≥ 1.3 asks): nothing to adjust.
            return WirePlan {
                planned: WireValue::encode(&Value::Null, &entry.ty, "plan").unwrap_or_default(),
                planned_private: private.to_bytes(),
                ..WirePlan::default()
            };
        }
        let planned = plan::plan(&entry.schema.block, &config, &prior, &proposed);
        let mut diagnostics = planned.diagnostics;
        let mut request = PlanRequest {
            config,
            prior,
            planned: planned.planned,
            planned_private: private,
            requires_replace: planned.requires_replace,
        };
        if !diagnostics.has_errors() {
            let resource = entry.resource.clone();
            let ctx = self.context();
            let planned_by_resource = guard_with("PlanResourceChange", async move {
                let more = resource.modify_plan(&ctx, &mut request).await;
                (request, more)
            })
            .await;
            match planned_by_resource {
                Ok((back, more)) => {
                    request = back;
                    diagnostics.extend(more);
                }
                Err(panic) => return plan_failed(panic),
            }
        }
        if diagnostics.has_errors() {
            return WirePlan {
                diagnostics,
                ..WirePlan::default()
            };
        }
        let planned_value = fill_missing_attributes(request.planned, &entry.ty);
        match WireValue::encode(&planned_value, &entry.ty, "plan") {
            Ok(planned) => WirePlan {
                planned,
                requires_replace: if request.prior.is_null() {
                    Vec::new()
                } else {
                    request.requires_replace
                },
                planned_private: request.planned_private.to_bytes(),
                diagnostics,
            },
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                WirePlan {
                    diagnostics,
                    ..WirePlan::default()
                }
            }
        }
    }

    /// ApplyResourceChange: create, update or delete by which of prior and planned are null.
    pub async fn apply_resource_change(
        &self,
        type_name: &str,
        prior_wire: &WireValue,
        planned: &WireValue,
        config: &WireValue,
        planned_private: &[u8],
    ) -> WireOutcome {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return failed(diagnostic),
        };
        let decoded = (
            prior_wire.decode(&entry.ty, "prior state"),
            planned.decode(&entry.ty, "planned state"),
            config.decode(&entry.ty, "configuration"),
            PrivateState::from_bytes(planned_private),
        );
        let (prior, planned, config, private) = match decoded {
            (Ok(prior), Ok(planned), Ok(config), Ok(private)) => (prior, planned, config, private),
            (Err(diagnostic), ..)
            | (_, Err(diagnostic), ..)
            | (_, _, Err(diagnostic), _)
            | (.., Err(diagnostic)) => {
                return failed(diagnostic);
            }
        };
        let resource = entry.resource.clone();
        let ctx = self.context();
        // Changes are not abandoned on stop: the resource sees the stop token and decides where
        // it can stop without losing track of what it created.
        if planned.is_null() {
            let diagnostics = guard("ApplyResourceChange (delete)", async move {
                resource
                    .delete(&ctx, DeleteRequest { prior, private })
                    .await
            })
            .await;
            if diagnostics.has_errors() {
                // The object may still exist: Terraform keeps what it had.
                return WireOutcome {
                    state: prior_wire.clone(),
                    private: planned_private.to_vec(),
                    diagnostics,
                };
            }
            return WireOutcome {
                state: WireValue::encode(&Value::Null, &entry.ty, "state").unwrap_or_default(),
                private: Vec::new(),
                diagnostics,
            };
        }
        let outcome = if prior.is_null() {
            guard_outcome("ApplyResourceChange (create)", async move {
                resource
                    .create(
                        &ctx,
                        CreateRequest {
                            config,
                            planned,
                            planned_private: private,
                        },
                    )
                    .await
            })
            .await
        } else {
            guard_outcome("ApplyResourceChange (update)", async move {
                resource
                    .update(
                        &ctx,
                        UpdateRequest {
                            config,
                            prior,
                            planned,
                            planned_private: private,
                        },
                    )
                    .await
            })
            .await
        };
        finish(outcome, &entry.ty, "state after apply", false)
    }

    /// ImportResourceState.
    pub async fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
    ) -> (Vec<WireImported>, Diagnostics) {
        let entry = match self.resource(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return (Vec::new(), diagnostic.into()),
        };
        let resource = entry.resource.clone();
        let ctx = self.context();
        let id = id.to_owned();
        let outcome = guard_outcome("ImportResourceState", async move {
            resource.import(&ctx, &id).await
        })
        .await;
        let mut diagnostics = outcome.diagnostics;
        if diagnostics.has_errors() {
            return (Vec::new(), diagnostics);
        }
        if outcome.state.is_null() {
            diagnostics.error(
                format!("Import {type_name} failed"),
                "The provider found nothing to import with this id.",
            );
            return (Vec::new(), diagnostics);
        }
        let state = fill_missing_attributes(outcome.state, &entry.ty);
        match encode_known(&state, &entry.ty, "imported state") {
            Ok(wire) => (
                vec![WireImported {
                    type_name: type_name.to_owned(),
                    state: wire,
                    private: outcome.private.to_bytes(),
                }],
                diagnostics,
            ),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                (Vec::new(), diagnostics)
            }
        }
    }

    /// ReadDataSource.
    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &WireValue,
    ) -> (WireValue, Diagnostics) {
        let entry = match self.data_source(type_name) {
            Ok(entry) => entry,
            Err(diagnostic) => return (WireValue::default(), diagnostic.into()),
        };
        let config = match config.decode(&entry.ty, "data source configuration") {
            Ok(config) => config,
            Err(diagnostic) => return (WireValue::default(), diagnostic.into()),
        };
        let data_source = entry.data_source.clone();
        let ctx = self.context();
        let stop = ctx.stop_token().clone();
        let outcome = tokio::select! {
            outcome = guard_outcome("ReadDataSource", async move { data_source.read(&ctx, config).await }) => outcome,
            () = stop.cancelled() => Outcome::failed(stopped(type_name)),
        };
        let mut diagnostics = outcome.diagnostics;
        if diagnostics.has_errors() {
            return (WireValue::default(), diagnostics);
        }
        if outcome.state.is_null() {
            diagnostics.error(
                format!("Read {type_name} failed"),
                "The provider produced a null object for the data source. This is a bug in the provider.",
            );
            return (WireValue::default(), diagnostics);
        }
        let state = fill_missing_attributes(outcome.state, &entry.ty);
        match encode_known(&state, &entry.ty, "data source state") {
            Ok(wire) => (wire, diagnostics),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                (WireValue::default(), diagnostics)
            }
        }
    }

    /// CallFunction.
    pub async fn call_function(
        &self,
        name: &str,
        arguments: &[WireValue],
    ) -> Result<WireValue, FunctionError> {
        let entry = self.functions.get(name).ok_or_else(|| FunctionError {
            message: format!("The provider has no function {name:?}."),
            argument: None,
        })?;
        let signature = &entry.signature;
        let mut values = Vec::with_capacity(arguments.len());
        for (index, argument) in arguments.iter().enumerate() {
            let parameter = signature
                .parameters
                .get(index)
                .or(signature.variadic.as_ref())
                .ok_or_else(|| FunctionError {
                    message: format!(
                        "{name} takes {} arguments, got {}.",
                        signature.parameters.len(),
                        arguments.len()
                    ),
                    argument: Some(index as i64),
                })?;
            let value = argument
                .decode(&parameter.ty, "function argument")
                .map_err(|diagnostic| FunctionError {
                    message: diagnostic.detail,
                    argument: Some(index as i64),
                })?;
            if value.is_null() && !parameter.allow_null {
                return Err(FunctionError {
                    message: format!("Argument {:?} must not be null.", parameter.name),
                    argument: Some(index as i64),
                });
            }
            values.push(value);
        }
        if values.len() < signature.parameters.len() {
            return Err(FunctionError {
                message: format!(
                    "{name} takes {} arguments, got {}.",
                    signature.parameters.len(),
                    values.len()
                ),
                argument: None,
            });
        }
        let function = entry.function.clone();
        let result = AssertUnwindSafe(async move { function.call(values).await })
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                Err(FunctionError {
                    message: panic_diagnostic("CallFunction", panic).detail,
                    argument: None,
                })
            })?;
        WireValue::encode(&result, &signature.return_type, "function result").map_err(
            |diagnostic| FunctionError {
                message: diagnostic.detail,
                argument: None,
            },
        )
    }
}

/// Decodes a configuration, runs the schema's validators, then the provider's own check.
async fn validate<F, Fut>(
    operation: &str,
    schema: &Schema,
    ty: &Type,
    config: &WireValue,
    check: F,
) -> Diagnostics
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Diagnostics>,
{
    let config = match config.decode(ty, "configuration") {
        Ok(config) => config,
        Err(diagnostic) => return diagnostic.into(),
    };
    let mut diagnostics = Diagnostics::new();
    run_validators(&schema.block, &config, &Path::root(), &mut diagnostics);
    diagnostics.extend(guard(operation, check(config)).await);
    diagnostics
}

fn encode_known(value: &Value, ty: &Type, what: &str) -> Result<WireValue, Diagnostic> {
    if let Some(path) = first_unknown(value, &Path::root()) {
        return Err(Diagnostic::error(
            format!("Provider returned an unknown value in the {what}"),
            format!("{path} is still unknown. This is a bug in the provider."),
        ));
    }
    WireValue::encode(value, ty, what)
}

fn finish(outcome: Outcome, ty: &Type, what: &str, null_allowed: bool) -> WireOutcome {
    let mut diagnostics = outcome.diagnostics;
    if outcome.state.is_null() && !null_allowed && !diagnostics.has_errors() {
        diagnostics.error(
            "Provider produced a null object",
            format!("The provider returned no {what}. This is a bug in the provider."),
        );
    }
    let state = fill_missing_attributes(outcome.state, ty);
    match encode_known(&state, ty, what) {
        Ok(wire) => WireOutcome {
            state: wire,
            private: outcome.private.to_bytes(),
            diagnostics,
        },
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            WireOutcome {
                diagnostics,
                ..WireOutcome::default()
            }
        }
    }
}

fn failed(diagnostic: Diagnostic) -> WireOutcome {
    WireOutcome {
        diagnostics: diagnostic.into(),
        ..WireOutcome::default()
    }
}

fn plan_failed(diagnostic: Diagnostic) -> WirePlan {
    WirePlan {
        diagnostics: diagnostic.into(),
        ..WirePlan::default()
    }
}

fn stopped(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{type_name}: stopped"),
        "Terraform asked the provider to stop (StopProvider) before the operation finished.",
    )
}

fn panic_diagnostic(operation: &str, panic: Box<dyn std::any::Any + Send>) -> Diagnostic {
    let message = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    tracing::error!(
        operation,
        panic = message.as_str(),
        "provider code panicked"
    );
    Diagnostic::error(
        format!("{operation} failed: the provider panicked"),
        format!("{message}. This is a bug in the provider; the plugin keeps running."),
    )
}

/// Runs provider code that returns diagnostics, turning a panic into an error diagnostic.
async fn guard(operation: &str, call: impl Future<Output = Diagnostics>) -> Diagnostics {
    AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| panic_diagnostic(operation, panic).into())
}

/// Runs provider code that returns an outcome, turning a panic into an error diagnostic.
async fn guard_outcome(operation: &str, call: impl Future<Output = Outcome>) -> Outcome {
    AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Outcome::failed(panic_diagnostic(operation, panic)))
}

/// Runs provider code returning anything, turning a panic into an error diagnostic.
async fn guard_with<T>(operation: &str, call: impl Future<Output = T>) -> Result<T, Diagnostic> {
    AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .map_err(|panic| panic_diagnostic(operation, panic))
}
