//! `photon_lightwave_solution_user`: a Lightwave solution user — a service principal that
//! authenticates with a certificate instead of a password. Lightwave's update takes the
//! certificate, the description and the multi-tenant flag together, so the certificate (key
//! rotation) and the description change in place.

use async_trait::async_trait;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::group::{
    TENANT_LOGIN_NOTE, check_principal_name, deleted, planned_tenant, split_import_id,
    tenant_attribute,
};
use super::{client, outcome, plan_default_tenant, set_attr as set, text};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_solution_user";

const ID: &str = "id";
const TENANT: &str = "tenant";
const NAME: &str = "name";
const DESCRIPTION: &str = "description";
const CERTIFICATE: &str = "certificate";
const DISABLED: &str = "disabled";
const MULTI_TENANT: &str = "multi_tenant";
const DOMAIN: &str = "domain";
const UPN: &str = "upn";
const OBJECT_ID: &str = "object_id";

/// The `photon_lightwave_solution_user` resource.
pub struct LightwaveSolutionUser;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(&format!(
                "A Lightwave solution user: a service principal that proves its identity with \
                 the private key of its certificate (solution-user token grants, \
                 `private_key_jwt` OIDC clients) rather than a password. The certificate and \
                 the description change in place, so rotating a service's key pair does not \
                 recreate the principal or its group memberships. {TENANT_LOGIN_NOTE}"
            ))
            .attribute(tenant_attribute("solution user"))
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description(
                        "The solution user's name, e.g. `app-backend`; unique in the tenant.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(DESCRIPTION, Type::String)
                    .description("Free text describing the service. Changes in place.")
                    .plan_modifier(DefaultValue(Value::from(""))),
            )
            .attribute(Attribute::required(CERTIFICATE, Type::String).description(
                "The service's X.509 certificate as one PEM `CERTIFICATE` block (e.g. \
                 `file(\"app.crt\")` or `tls_self_signed_cert.app.cert_pem`); the service \
                 signs with the matching private key, which Lightwave never sees. Lightwave \
                 refuses a certificate another solution user already has. Changes in place. \
                 After an import this holds Lightwave's PEM text; when it differs from the \
                 configuration only in encoding, the next apply rewrites the same certificate.",
            ))
            .attribute(
                Attribute::optional_computed(MULTI_TENANT, Type::Bool)
                    .description(
                        "Whether the solution user may act in every tenant (its system-tenant \
                         groups then count in other tenants too).",
                    )
                    .plan_modifier(DefaultValue(Value::from(false)))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(Attribute::computed(DISABLED, Type::Bool).description(
                "Whether Lightwave has disabled the solution user. Read-only: \
                         Lightwave's REST API has no way to set it.",
            ))
            .attribute(
                Attribute::computed(DOMAIN, Type::String)
                    .description(
                        "The domain the solution user lives in: the tenant's system domain.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(UPN, Type::String)
                    .description(
                        "The principal name `name@domain`: what `photon_lightwave_group_member` \
                         takes as `member` (with `member_type = \"solutionuser\"`).",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(OBJECT_ID, Type::String)
                    .description("The directory object id Lightwave assigned.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("`<tenant>/<name>`, also the import id.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

/// The DER of the single PEM `CERTIFICATE` block in `pem`, or why it is not one.
fn certificate_der(pem: &str) -> Result<Vec<u8>, String> {
    let mut blocks = CertificateDer::pem_slice_iter(pem.as_bytes());
    let first = match blocks.next() {
        Some(Ok(der)) => der,
        Some(Err(error)) => return Err(format!("the PEM text does not decode ({error})")),
        None => return Err("no `-----BEGIN CERTIFICATE-----` block found".into()),
    };
    if blocks.next().is_some() {
        return Err("more than one CERTIFICATE block; give only the leaf certificate".into());
    }
    // Every X.509 certificate is a DER SEQUENCE: catches a block of some other content.
    if first.first() != Some(&0x30) {
        return Err("the CERTIFICATE block does not hold a DER-encoded certificate".into());
    }
    Ok(first.as_ref().to_vec())
}

/// Whether two PEM texts hold the same certificate (Lightwave may re-encode the PEM).
fn same_certificate(left: &str, right: &str) -> bool {
    match (certificate_der(left), certificate_der(right)) {
        (Ok(left), Ok(right)) => left == right,
        _ => left.trim() == right.trim(),
    }
}

fn certificate_diagnostic(reason: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid certificate",
        format!(
            "certificate: expected one PEM-encoded X.509 certificate (`-----BEGIN CERTIFICATE-----` \
             … `-----END CERTIFICATE-----`), but {reason}."
        ),
    )
    .at(Path::root().attr(CERTIFICATE))
}

/// A server solution user as state; `prior` keeps the configured PEM text when it holds the
/// same certificate as Lightwave's.
fn solution_user_state(tenant: &str, user: &lightwave::SolutionUser, prior: &Value) -> Value {
    let server_pem = user.certificate.as_ref().map(|cert| cert.encoded.clone());
    let certificate = match (server_pem, text(prior, CERTIFICATE)) {
        (Some(server), Some(prior)) if same_certificate(&server, &prior) => prior,
        (Some(server), _) => server,
        (None, prior) => prior.unwrap_or_default(),
    };
    Value::object([
        (ID, Value::from(format!("{tenant}/{}", user.name))),
        (TENANT, Value::from(tenant)),
        (NAME, Value::from(user.name.clone())),
        (
            DESCRIPTION,
            Value::from(user.description.clone().unwrap_or_default()),
        ),
        (CERTIFICATE, Value::from(certificate)),
        (
            MULTI_TENANT,
            Value::from(user.multi_tenant.unwrap_or(false)),
        ),
        (DISABLED, Value::from(user.disabled.unwrap_or(false))),
        (DOMAIN, Value::from(user.domain.clone())),
        (UPN, Value::from(format!("{}@{}", user.name, user.domain))),
        (
            OBJECT_ID,
            user.object_id.clone().map_or(Value::Null, Value::from),
        ),
    ])
}

/// The request body for create and update (Lightwave's update needs all of it).
fn request(planned: &Value, tenant: &str) -> Result<lightwave::SolutionUser, Diagnostic> {
    let certificate = text(planned, CERTIFICATE).unwrap_or_default();
    certificate_der(&certificate).map_err(|reason| certificate_diagnostic(&reason))?;
    Ok(lightwave::SolutionUser {
        name: text(planned, NAME).unwrap_or_default(),
        domain: tenant.to_owned(),
        description: Some(text(planned, DESCRIPTION).unwrap_or_default()),
        certificate: Some(lightwave::Certificate {
            encoded: certificate,
        }),
        multi_tenant: Some(
            planned
                .attr(MULTI_TENANT)
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        ..Default::default()
    })
}

async fn find(
    client: &lightwave::Client,
    tenant: &str,
    name: &str,
) -> Result<Option<lightwave::SolutionUser>, Diagnostic> {
    match client.get_solution_user(tenant, name).await {
        Ok(user) => Ok(Some(user)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(
            client,
            tenant,
            &format!("reading solution user {name:?}"),
            None,
            &error,
        )),
    }
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let client = client(ctx).await?;
    let tenant = planned_tenant(planned, &client);
    let body = request(planned, &tenant)?;
    let action = format!("creating solution user {:?}", body.name);
    let created = client
        .create_solution_user(&tenant, &body)
        .await
        .map_err(|error| api_error(&client, &tenant, &action, None, &error))?;
    tracing::debug!(
        resource = TYPE_NAME,
        tenant = tenant.as_str(),
        name = created.name.as_str(),
        "created"
    );
    let mut state = solution_user_state(&tenant, &created, planned);
    // What was planned stays as planned even if the answer leaves it out.
    set(
        &mut state,
        DESCRIPTION,
        Value::from(text(planned, DESCRIPTION).unwrap_or_default()),
    );
    Ok(state)
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let (Some(tenant), Some(name)) = (text(state, TENANT), text(state, NAME)) else {
        return Ok(Value::Null);
    };
    let client = client(ctx).await?;
    // Deleted outside Terraform: the next plan creates it again.
    Ok(match find(&client, &tenant, &name).await? {
        Some(user) => solution_user_state(&tenant, &user, state),
        None => Value::Null,
    })
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    let tenant = text(prior, TENANT).unwrap_or_default();
    let name = text(prior, NAME).unwrap_or_default();
    let body = request(planned, &tenant)?;
    let client = client(ctx).await?;
    let action = format!("updating solution user {name:?}");
    let updated = client
        .update_solution_user(&tenant, &name, &body)
        .await
        .map_err(|error| api_error(&client, &tenant, &action, None, &error))?;
    let mut state = solution_user_state(&tenant, &updated, planned);
    set(
        &mut state,
        DESCRIPTION,
        Value::from(text(planned, DESCRIPTION).unwrap_or_default()),
    );
    if updated.object_id.is_none() {
        set(
            &mut state,
            OBJECT_ID,
            prior.attr(OBJECT_ID).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(state)
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let (Some(tenant), Some(name)) = (text(prior, TENANT), text(prior, NAME)) else {
        return Ok(());
    };
    let client = client(ctx).await?;
    match client.delete_solution_user(&tenant, &name).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &tenant,
            &format!("deleting solution user {name:?}"),
            None,
            &error,
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    let parts = split_import_id(TYPE_NAME, id, 2, "<tenant>/<name>", "acme/app-backend")?;
    let (tenant, name) = (parts[0], parts[1]);
    let client = client(ctx).await?;
    match find(&client, tenant, name).await? {
        Some(user) => Ok(solution_user_state(tenant, &user, &Value::Null)),
        None => Err(Diagnostic::error(
            format!("Import {TYPE_NAME} failed"),
            format!("tenant {tenant:?} has no solution user {name:?}."),
        )),
    }
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = check_principal_name(config, NAME, "solution user");
    if let Some(Value::String(pem)) = config.attr(CERTIFICATE) {
        if let Err(reason) = certificate_der(pem) {
            diagnostics.push(certificate_diagnostic(&reason));
        }
    }
    diagnostics
}

#[async_trait]
impl Resource for LightwaveSolutionUser {
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

    fn self_signed(name: &str) -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        rcgen::CertificateParams::new(vec![name.to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem()
    }

    fn config(certificate: &str) -> Value {
        Value::object([
            (NAME, Value::from("app")),
            (CERTIFICATE, Value::from(certificate)),
        ])
    }

    #[test]
    fn a_real_certificate_passes_and_garbage_names_the_certificate_attribute() {
        let pem = self_signed("app.example");
        assert!(validate_config(&config(&pem)).is_empty());
        let not_base64 = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        let key_only = "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n";
        let not_der = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        let two = format!("{pem}{pem}");
        for bad in [
            "not a certificate",
            not_base64,
            key_only,
            not_der,
            two.as_str(),
        ] {
            let diagnostics = validate_config(&config(bad));
            let paths: Vec<Option<Path>> = diagnostics.iter().map(|d| d.path.clone()).collect();
            assert_eq!(paths, vec![Some(Path::root().attr(CERTIFICATE))], "{bad:?}");
            let detail = &diagnostics.iter().next().unwrap().detail;
            assert!(detail.starts_with("certificate:"), "{detail}");
        }
        // Unknown until apply: checked then.
        let unknown = Value::object([(NAME, Value::from("app")), (CERTIFICATE, Value::unknown())]);
        assert!(validate_config(&unknown).is_empty());
    }

    #[test]
    fn re_encoded_pem_counts_as_the_same_certificate() {
        let pem = self_signed("app.example");
        let crlf = pem.replace('\n', "\r\n");
        assert!(same_certificate(&pem, &crlf));
        assert!(!same_certificate(&pem, &self_signed("other.example")));
        let user = lightwave::SolutionUser {
            name: "app".into(),
            domain: "acme".into(),
            certificate: Some(lightwave::Certificate { encoded: crlf }),
            ..Default::default()
        };
        let state = solution_user_state("acme", &user, &config(&pem));
        assert_eq!(state.attr(CERTIFICATE), Some(&Value::from(pem.as_str())));
        assert_eq!(state.attr(UPN), Some(&Value::from("app@acme")));
        assert_eq!(state.attr(ID), Some(&Value::from("acme/app")));
        assert_eq!(state.attr(MULTI_TENANT), Some(&Value::from(false)));
        let imported = solution_user_state("acme", &user, &Value::Null);
        assert_eq!(
            imported.attr(CERTIFICATE),
            Some(&Value::from(pem.replace('\n', "\r\n")))
        );
    }
}
