//! `photon_lightwave_tenant` data source: an existing tenant's public facts by name, e.g. its
//! signing certificates for a relying party that verifies the tenant's tokens.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Diagnostics, Outcome, Schema};

use crate::clients::lightwave::api_error;
use crate::resources::lightwave::tenant::{
    GUID, ISSUER, LONG_NAME, NAME, SIGNING_CERTIFICATES, signing_certificates,
};
use crate::resources::lightwave::{blank, client, outcome, text};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_lightwave_tenant";

/// The `photon_lightwave_tenant` data source.
pub struct LightwaveTenantDataSource;

fn schema() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up an existing Lightwave tenant by name: its display name, token issuer, \
                 GUID and signing certificate chain. Reading a tenant needs a login to that \
                 tenant or to the system tenant with a role in it.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description("The tenant's name, e.g. `lightwave.local` or `acme`."),
            )
            .attribute(
                Attribute::computed(LONG_NAME, Type::String)
                    .description("The tenant's display name, if it has one."),
            )
            .attribute(
                Attribute::computed(ISSUER, Type::String)
                    .description("The `iss` of the tokens the tenant issues."),
            )
            .attribute(Attribute::computed(GUID, Type::String).description("The tenant's GUID."))
            .attribute(
                Attribute::computed(SIGNING_CERTIFICATES, Type::list(Type::String)).description(
                    "The tenant's token-signing certificate chain as PEM, leaf first.",
                ),
            ),
    )
}

async fn read(ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
    let name = text(config, NAME).unwrap_or_default();
    let client = client(ctx).await?;
    let action = format!("reading tenant {name:?}");
    let not_found = || {
        Diagnostic::error(
            "Lightwave tenant not found",
            format!(
                "name: Lightwave at {} has no tenant named {name:?}.",
                client.endpoint()
            ),
        )
        .at(Path::root().attr(NAME))
    };
    let tenant = match client.get_tenant(&name).await {
        Ok(tenant) => tenant,
        Err(error) if error.is_not_found() => return Err(not_found()),
        Err(error) => return Err(api_error(&client, &name, &action, None, &error)),
    };
    let certificates = signing_certificates(&client, &name)
        .await
        .map_err(|error| api_error(&client, &name, &action, None, &error))?;
    Ok(Value::object([
        (NAME, Value::from(name.clone())),
        (LONG_NAME, Value::from(tenant.long_name)),
        (ISSUER, Value::from(tenant.issuer)),
        (GUID, Value::from(tenant.guid)),
        (
            SIGNING_CERTIFICATES,
            Value::list(certificates.into_iter().map(Value::from)),
        ),
    ]))
}

#[async_trait]
impl DataSource for LightwaveTenantDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if text(config, NAME).is_some_and(|name| name.trim().is_empty()) {
            diagnostics.push(blank(NAME, "a tenant name such as `acme`"));
        }
        diagnostics
    }

    async fn read(&self, ctx: &Context, config: Value) -> Outcome {
        outcome(read(ctx, &config).await)
    }
}
