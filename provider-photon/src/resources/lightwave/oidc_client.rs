//! `photon_lightwave_oidc_client`: an OpenID Connect client registered in a Lightwave tenant
//! (IDM `…/oidcclient`). Lightwave assigns the client id; its update replaces the whole
//! metadata, so every argument changes in place and the client id stays.

use async_trait::async_trait;
use tfsdk::cty::{Number, Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::group::{
    TENANT_LOGIN_NOTE, deleted, planned_tenant, split_import_id, strings, tenant_attribute,
};
use super::{client, outcome, plan_default_tenant, text};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_oidc_client";

const ID: &str = "id";
const TENANT: &str = "tenant";
const CLIENT_ID: &str = "client_id";
const REDIRECT_URIS: &str = "redirect_uris";
const POST_LOGOUT_REDIRECT_URIS: &str = "post_logout_redirect_uris";
const LOGOUT_URI: &str = "logout_uri";
const TOKEN_ENDPOINT_AUTH_METHOD: &str = "token_endpoint_auth_method";
const CERT_SUBJECT_DN: &str = "cert_subject_dn";
const ASSERTION_LIFETIME: &str = "authn_request_client_assertion_lifetime_ms";

/// The values `token_endpoint_auth_method` accepts: Lightwave has no client secrets.
pub const AUTH_METHODS: [&str; 2] = ["none", "private_key_jwt"];

/// The `photon_lightwave_oidc_client` resource.
pub struct LightwaveOidcClient;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(&format!(
                "An OpenID Connect client (relying party) registered in a Lightwave tenant. \
                 Lightwave assigns the `client_id`. Lightwave has no client secrets: a client \
                 is either public (`token_endpoint_auth_method = \"none\"`, e.g. a browser or \
                 CLI login) or authenticates with a JWT signed by the key of a solution user \
                 whose certificate subject is `cert_subject_dn` (`private_key_jwt`). Every \
                 argument changes in place; the client id stays. {TENANT_LOGIN_NOTE}"
            ))
            .attribute(tenant_attribute("OIDC client"))
            .attribute(
                Attribute::required(REDIRECT_URIS, Type::list(Type::String)).description(
                    "The absolute URIs Lightwave may send authorization responses to, e.g. \
                     `https://app.example.com/oidc/callback`. Changes in place.",
                ),
            )
            .attribute(
                Attribute::optional(POST_LOGOUT_REDIRECT_URIS, Type::list(Type::String))
                    .description(
                        "The absolute URIs Lightwave may send the browser to after logout. \
                         Changes in place.",
                    ),
            )
            .attribute(Attribute::optional(LOGOUT_URI, Type::String).description(
                "The client's front-channel logout URI, which Lightwave calls when the user's \
                 session ends. Changes in place.",
            ))
            .attribute(
                Attribute::optional_computed(TOKEN_ENDPOINT_AUTH_METHOD, Type::String)
                    .description(
                        "How the client authenticates at the token endpoint: `none` (public \
                         client) or `private_key_jwt` (a signed client assertion; requires \
                         `cert_subject_dn`). Changes in place.",
                    )
                    .validator(OneOf(&AUTH_METHODS))
                    .plan_modifier(DefaultValue(Value::from("none"))),
            )
            .attribute(Attribute::optional(CERT_SUBJECT_DN, Type::String).description(
                "The subject DN of the solution user certificate whose key signs the client's \
                 assertions, e.g. `CN=app-backend,OU=apps,DC=acme`. Required with \
                 `token_endpoint_auth_method = \"private_key_jwt\"`. Changes in place.",
            ))
            .attribute(
                Attribute::optional_computed(ASSERTION_LIFETIME, Type::Number)
                    .description(
                        "How long, in milliseconds, a client assertion in an authentication \
                         request stays valid. Left out, Lightwave's default applies. Changes \
                         in place.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(CLIENT_ID, Type::String)
                    .description("The client id Lightwave assigned; what the application sends as `client_id`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("`<tenant>/<client_id>`, also the import id.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

fn lifetime(value: &Value) -> Option<i64> {
    value
        .attr(ASSERTION_LIFETIME)
        .and_then(Value::as_number)
        .and_then(Number::as_i64)
}

/// The metadata Lightwave should hold for `planned` (its update replaces all of it).
fn metadata(planned: &Value) -> lightwave::OidcClientMetadata {
    lightwave::OidcClientMetadata {
        redirect_uris: strings(planned, REDIRECT_URIS),
        post_logout_redirect_uris: strings(planned, POST_LOGOUT_REDIRECT_URIS),
        logout_uri: text(planned, LOGOUT_URI),
        token_endpoint_auth_method: Some(
            text(planned, TOKEN_ENDPOINT_AUTH_METHOD).unwrap_or_else(|| "none".into()),
        ),
        cert_subject_dn: text(planned, CERT_SUBJECT_DN),
        authn_request_client_assertion_lifetime_ms: lifetime(planned),
        ..Default::default()
    }
}

/// A URI list as state: the prior order when Lightwave holds the same URIs (it may keep them
/// as a set), and null rather than `[]` for an unset optional list.
fn uri_list(server: &[String], prior: &Value, name: &str) -> Value {
    let prior_value = prior.attr(name);
    let prior_list = strings(prior, name);
    let mut sorted_server = server.to_vec();
    sorted_server.sort();
    let mut sorted_prior = prior_list.clone();
    sorted_prior.sort();
    if prior_value.is_some_and(|value| !value.is_null()) && sorted_prior == sorted_server {
        return Value::list(prior_list);
    }
    if server.is_empty() && prior_value.is_none_or(Value::is_null) {
        return Value::Null;
    }
    Value::list(server.iter().cloned())
}

/// A server client as state, shaped like `prior` where Lightwave's answer is equivalent.
fn client_state(tenant: &str, client: &lightwave::OidcClient, prior: &Value) -> Value {
    let metadata = &client.metadata;
    let lifetime = metadata
        .authn_request_client_assertion_lifetime_ms
        .or_else(|| lifetime(prior));
    Value::object([
        (ID, Value::from(format!("{tenant}/{}", client.client_id))),
        (TENANT, Value::from(tenant)),
        (CLIENT_ID, Value::from(client.client_id.clone())),
        (
            REDIRECT_URIS,
            uri_list(&metadata.redirect_uris, prior, REDIRECT_URIS),
        ),
        (
            POST_LOGOUT_REDIRECT_URIS,
            uri_list(
                &metadata.post_logout_redirect_uris,
                prior,
                POST_LOGOUT_REDIRECT_URIS,
            ),
        ),
        (
            LOGOUT_URI,
            Value::from(metadata.logout_uri.clone().filter(|uri| !uri.is_empty())),
        ),
        (
            TOKEN_ENDPOINT_AUTH_METHOD,
            Value::from(
                metadata
                    .token_endpoint_auth_method
                    .clone()
                    .unwrap_or_else(|| "none".into()),
            ),
        ),
        (
            CERT_SUBJECT_DN,
            Value::from(metadata.cert_subject_dn.clone().filter(|dn| !dn.is_empty())),
        ),
        (ASSERTION_LIFETIME, Value::from(lifetime)),
    ])
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let client = client(ctx).await?;
    let tenant = planned_tenant(planned, &client);
    let created = client
        .create_oidc_client(&tenant, &metadata(planned))
        .await
        .map_err(|error| api_error(&client, &tenant, "registering an OIDC client", None, &error))?;
    tracing::debug!(
        resource = TYPE_NAME,
        tenant = tenant.as_str(),
        client_id = created.client_id.as_str(),
        "created"
    );
    Ok(client_state(&tenant, &created, planned))
}

async fn find(
    client: &lightwave::Client,
    tenant: &str,
    client_id: &str,
) -> Result<Option<lightwave::OidcClient>, Diagnostic> {
    match client.get_oidc_client(tenant, client_id).await {
        Ok(found) => Ok(Some(found)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(
            client,
            tenant,
            &format!("reading OIDC client {client_id:?}"),
            None,
            &error,
        )),
    }
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let (Some(tenant), Some(client_id)) = (text(state, TENANT), text(state, CLIENT_ID)) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    // Deleted outside Terraform: the next plan registers a new client.
    Ok(match find(&client, &tenant, &client_id).await? {
        Some(found) => client_state(&tenant, &found, state),
        None => Value::Null,
    })
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = text(prior, TENANT).unwrap_or_default();
    let client_id = text(prior, CLIENT_ID).unwrap_or_default();
    let client = client(ctx).await?;
    let updated = client
        .update_oidc_client(&tenant, &client_id, &metadata(planned))
        .await
        .map_err(|error| {
            api_error(
                &client,
                &tenant,
                &format!("updating OIDC client {client_id:?}"),
                None,
                &error,
            )
        })?;
    Ok(client_state(&tenant, &updated, planned))
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let (Some(tenant), Some(client_id)) = (text(prior, TENANT), text(prior, CLIENT_ID)) else {
        return Ok(());
    };
    let client = client(ctx).await?;
    match client.delete_oidc_client(&tenant, &client_id).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &tenant,
            &format!("deleting OIDC client {client_id:?}"),
            None,
            &error,
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    let parts = split_import_id(
        TYPE_NAME,
        id,
        2,
        "<tenant>/<client_id>",
        "acme/0f8e3f4c-1b1e-4a8e-9f1e-2d8c7b6a5e4d",
    )?;
    let (tenant, client_id) = (parts[0], parts[1]);
    let client = client(ctx).await?;
    match find(&client, tenant, client_id).await? {
        Some(found) => Ok(client_state(tenant, &found, &Value::Null)),
        None => Err(Diagnostic::error(
            format!("Import {TYPE_NAME} failed"),
            format!("tenant {tenant:?} has no OIDC client {client_id:?}."),
        )),
    }
}

/// Whether `uri` looks like an absolute URI (`scheme://rest`).
fn is_absolute_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !uri.contains(char::is_whitespace)
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for list in [REDIRECT_URIS, POST_LOGOUT_REDIRECT_URIS] {
        let Some(items) = config.attr(list).and_then(Value::elements) else {
            continue;
        };
        for (index, item) in items.iter().enumerate() {
            if let Some(uri) = item.as_str() {
                if !is_absolute_uri(uri) {
                    diagnostics.attribute_error(
                        Path::root().attr(list).index(index as i64),
                        "Invalid URI",
                        format!(
                            "{list}[{index}]: expected an absolute URI such as \
                             \"https://app.example.com/callback\", got {uri:?}."
                        ),
                    );
                }
            }
        }
    }
    if let Some(Value::String(uri)) = config.attr(LOGOUT_URI) {
        if !is_absolute_uri(uri) {
            diagnostics.attribute_error(
                Path::root().attr(LOGOUT_URI),
                "Invalid URI",
                format!(
                    "{LOGOUT_URI}: expected an absolute URI such as \
                     \"https://app.example.com/logout\", got {uri:?}."
                ),
            );
        }
    }
    // `lifetime` reads whole numbers only: a fraction would be dropped silently and a negative
    // lifetime sent to Lightwave, so both are refused here.
    if let Some(Value::Number(number)) = config.attr(ASSERTION_LIFETIME)
        && number.as_i64().is_none_or(|milliseconds| milliseconds < 0)
    {
        diagnostics.attribute_error(
            Path::root().attr(ASSERTION_LIFETIME),
            "Invalid value",
            format!(
                "{ASSERTION_LIFETIME}: expected a whole number of milliseconds, 0 or more, got \
                 {number}."
            ),
        );
    }
    let method = config
        .attr(TOKEN_ENDPOINT_AUTH_METHOD)
        .and_then(Value::as_str);
    let dn = config.attr(CERT_SUBJECT_DN);
    // Only a dn known to be missing is an error: an unknown one may still arrive.
    let dn_missing = match dn {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(_) => false,
    };
    if method == Some("private_key_jwt") && dn_missing {
        diagnostics.attribute_error(
            Path::root().attr(CERT_SUBJECT_DN),
            "Missing cert_subject_dn",
            "cert_subject_dn: required when token_endpoint_auth_method = \"private_key_jwt\": \
             give the subject DN of the solution user certificate that signs the client's \
             assertions, e.g. \"CN=app-backend,OU=apps,DC=acme\".",
        );
    }
    diagnostics
}

#[async_trait]
impl Resource for LightwaveOidcClient {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        plan_default_tenant(ctx, plan, TENANT);
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(update(ctx, &request.prior, &request.planned).await)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        deleted(delete(ctx, &request.prior).await)
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(method: &str, dn: Value) -> Value {
        Value::object([
            (
                REDIRECT_URIS,
                Value::list([Value::from("https://app.example/cb")]),
            ),
            (POST_LOGOUT_REDIRECT_URIS, Value::Null),
            (LOGOUT_URI, Value::Null),
            (TOKEN_ENDPOINT_AUTH_METHOD, Value::from(method)),
            (CERT_SUBJECT_DN, dn),
        ])
    }

    fn paths(diagnostics: &Diagnostics) -> Vec<Option<Path>> {
        diagnostics.iter().map(|d| d.path.clone()).collect()
    }

    #[test]
    fn private_key_jwt_without_a_subject_dn_names_cert_subject_dn() {
        let diagnostics = validate_config(&config("private_key_jwt", Value::Null));
        assert_eq!(
            paths(&diagnostics),
            vec![Some(Path::root().attr(CERT_SUBJECT_DN))]
        );
        assert!(
            diagnostics
                .iter()
                .all(|d| d.detail.starts_with("cert_subject_dn:"))
        );
        assert!(validate_config(&config("private_key_jwt", Value::from("CN=app"))).is_empty());
        assert!(validate_config(&config("private_key_jwt", Value::unknown())).is_empty());
        assert!(validate_config(&config("none", Value::Null)).is_empty());
    }

    #[test]
    fn relative_uris_are_refused_at_their_index() {
        let mut bad = config("none", Value::Null);
        if let Value::Object(attributes) = &mut bad {
            attributes.insert(
                REDIRECT_URIS.into(),
                Value::list([Value::from("https://ok.example/"), Value::from("/callback")]),
            );
            attributes.insert(LOGOUT_URI.into(), Value::from("logout"));
        }
        assert_eq!(
            paths(&validate_config(&bad)),
            vec![
                Some(Path::root().attr(REDIRECT_URIS).index(1)),
                Some(Path::root().attr(LOGOUT_URI)),
            ]
        );
    }

    #[test]
    fn state_keeps_the_configured_uri_order_and_null_lists() {
        let server = lightwave::OidcClient {
            client_id: "cid".into(),
            metadata: lightwave::OidcClientMetadata {
                redirect_uris: vec!["https://b/".into(), "https://a/".into()],
                token_endpoint_auth_method: Some("none".into()),
                authn_request_client_assertion_lifetime_ms: Some(30_000),
                ..Default::default()
            },
        };
        let mut prior = config("none", Value::Null);
        if let Value::Object(attributes) = &mut prior {
            attributes.insert(
                REDIRECT_URIS.into(),
                Value::list([Value::from("https://a/"), Value::from("https://b/")]),
            );
        }
        let state = client_state("acme", &server, &prior);
        assert_eq!(
            state.attr(REDIRECT_URIS),
            Some(&Value::list([
                Value::from("https://a/"),
                Value::from("https://b/")
            ]))
        );
        assert_eq!(state.attr(POST_LOGOUT_REDIRECT_URIS), Some(&Value::Null));
        assert_eq!(
            state.attr(ASSERTION_LIFETIME),
            Some(&Value::from(30_000_i64))
        );
        assert_eq!(state.attr(ID), Some(&Value::from("acme/cid")));
        // Imported (no prior): Lightwave's order.
        let imported = client_state("acme", &server, &Value::Null);
        assert_eq!(
            imported.attr(REDIRECT_URIS),
            Some(&Value::list([
                Value::from("https://b/"),
                Value::from("https://a/")
            ]))
        );
    }
}
