//! `photon_container_volume`: a named engine volume, like `docker_volume`. Volumes cannot be
//! changed once created, so every argument replaces the volume (and its data).
//!
//! Docker and Podman answer a create for an existing name with the existing volume instead of an
//! error, so create looks first: adopting someone else's volume (and deleting it on destroy) must
//! be an explicit `terraform import`.

use std::collections::HashMap;

use async_trait::async_trait;
use bollard::models::{Volume, VolumeCreateRequest};
use bollard::query_parameters::RemoveVolumeOptionsBuilder;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use crate::clients::container_engine::{
    client, engine_error, is_not_found, map_value, status, string_map,
};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_container_volume";

const ID: &str = "id";
const NAME: &str = "name";
const DRIVER: &str = "driver";
const DRIVER_OPTS: &str = "driver_opts";
const LABELS: &str = "labels";
const MOUNTPOINT: &str = "mountpoint";

const CONFIGURED: [&str; 4] = [NAME, DRIVER, DRIVER_OPTS, LABELS];

/// The `photon_container_volume` resource.
pub struct ContainerVolume;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A named volume on the container engine, like `docker_volume`. Volumes cannot \
                 be changed once created: changing any argument replaces the volume, and its \
                 data is lost. Destroying a volume that a container still uses fails with a \
                 diagnostic naming the container.",
            )
            .attribute(
                Attribute::optional_computed(NAME, Type::String)
                    .description(
                        "The volume's name, unique on the engine. Left out, the engine \
                         generates one.",
                    )
                    .plan_modifier(UseStateForUnknown)
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(DRIVER, Type::String)
                    .description("The volume driver, e.g. `local`.")
                    .plan_modifier(DefaultValue(Value::from("local")))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(DRIVER_OPTS, Type::map(Type::String))
                    .description(
                        "Driver options; for `local`, mount options such as \
                         `{ type = \"tmpfs\", device = \"tmpfs\" }` or an NFS export \
                         (`type = \"nfs\"`, `o = \"addr=…\"`, `device = \":/export\"`).",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(LABELS, Type::map(Type::String))
                    .description("Labels (metadata) of the volume.")
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(MOUNTPOINT, Type::String)
                    .description("Where the volume's data lives on the engine's host.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The volume's name (volumes are identified by name).")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.attr(name).and_then(Value::as_str).map(str::to_owned)
}

fn map_like(prior: &Value, name: &str, entries: &HashMap<String, String>) -> Value {
    let value = map_value(entries);
    match prior.attr(name) {
        Some(Value::Map(_)) if value.is_null() => Value::Map(Default::default()),
        _ => value,
    }
}

/// The engine's volume as state; `prior` keeps an empty map `{}` from becoming null.
fn volume_state(volume: &Volume, prior: &Value) -> Value {
    Value::object([
        (ID, Value::from(volume.name.clone())),
        (NAME, Value::from(volume.name.clone())),
        (DRIVER, Value::from(volume.driver.clone())),
        (DRIVER_OPTS, map_like(prior, DRIVER_OPTS, &volume.options)),
        (LABELS, map_like(prior, LABELS, &volume.labels)),
        (MOUNTPOINT, Value::from(volume.mountpoint.clone())),
    ])
}

async fn inspect(
    docker: &bollard::Docker,
    name: &str,
    summary: &str,
) -> Result<Option<Volume>, Diagnostic> {
    match docker.inspect_volume(name).await {
        Ok(volume) => Ok(Some(volume)),
        Err(error) if is_not_found(&error) => Ok(None),
        Err(error) => Err(engine_error(summary, None, &error)),
    }
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_container_volume failed";
    let name = text(planned, NAME);
    let docker = client(ctx).await?;
    if let Some(name) = &name {
        if inspect(&docker, name, SUMMARY).await?.is_some() {
            return Err(Diagnostic::error(
                SUMMARY,
                format!(
                    "name: the engine already has a volume named {name:?}; choose another \
                     name, or bring it under Terraform with `terraform import \
                     {TYPE_NAME}.<name> {name}`."
                ),
            )
            .at(Path::root().attr(NAME)));
        }
    }
    let driver_opts = string_map(planned, DRIVER_OPTS);
    let labels = string_map(planned, LABELS);
    let volume = docker
        .create_volume(VolumeCreateRequest {
            name,
            driver: text(planned, DRIVER),
            driver_opts: (!driver_opts.is_empty()).then_some(driver_opts),
            labels: (!labels.is_empty()).then_some(labels),
            ..Default::default()
        })
        .await
        .map_err(|error| {
            let attribute = match status(&error) {
                // Bad driver options are refused with 500 by both engines.
                Some(400 | 500) if planned.attr(DRIVER_OPTS).is_some_and(|v| !v.is_null()) => {
                    Some(DRIVER_OPTS)
                }
                _ => None,
            };
            engine_error(SUMMARY, attribute, &error)
        })?;
    tracing::debug!(resource = TYPE_NAME, name = volume.name.as_str(), "created");
    Ok(volume_state(&volume, planned))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_container_volume failed";
    let Some(name) = text(state, ID) else {
        return Ok(Value::Null);
    };
    let docker = client(ctx).await?;
    Ok(match inspect(&docker, &name, SUMMARY).await? {
        // Removed outside Terraform: the next plan creates it again.
        None => Value::Null,
        Some(volume) => volume_state(&volume, state),
    })
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_container_volume failed";
    let Some(name) = text(prior, ID) else {
        return Ok(());
    };
    let docker = client(ctx).await?;
    let options = RemoveVolumeOptionsBuilder::new().force(false).build();
    match docker.remove_volume(&name, Some(options)).await {
        Ok(()) => Ok(()),
        Err(error) if is_not_found(&error) => Ok(()),
        Err(error) if status(&error) == Some(409) => Err(Diagnostic::error(
            "Volume is in use",
            format!(
                "volume {name:?} is still used by a container, so it was not removed: {}. \
                 Remove the container first (or destroy both together, the container depending \
                 on the volume).",
                crate::clients::container_engine::message(&error)
            ),
        )),
        Err(error) => Err(engine_error(SUMMARY, None, &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_container_volume failed";
    if id.trim().is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the volume's name, e.g. `terraform import photon_container_volume.data \
             data`, got an empty string.",
        ));
    }
    let docker = client(ctx).await?;
    match inspect(&docker, id, SUMMARY).await? {
        Some(volume) => Ok(volume_state(&volume, &Value::Null)),
        None => Err(Diagnostic::error(
            SUMMARY,
            format!("the engine has no volume named {id:?}."),
        )),
    }
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(NAME) {
        // The engines' rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (Docker wants at least 2 characters).
        let mut chars = name.chars();
        let valid = name.len() >= 2
            && chars
                .next()
                .is_some_and(|first| first.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid volume name",
                    format!(
                        "name: expected at least 2 characters of letters, digits, `_`, `.` and \
                         `-`, starting with a letter or digit, got {name:?}."
                    ),
                )
                .at(Path::root().attr(NAME)),
            );
        }
    }
    diagnostics
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for ContainerVolume {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        if !plan.prior.is_null() && !plan.planned.is_null() {
            for name in CONFIGURED {
                if plan.prior.attr(name) != plan.planned.attr(name) {
                    let path = Path::root().attr(name);
                    if !plan.requires_replace.contains(&path) {
                        plan.requires_replace.push(path);
                    }
                }
            }
        }
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, _ctx: &Context, request: UpdateRequest) -> Outcome {
        // Every configured change replaces the volume.
        Outcome::ok(request.prior)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: Value) -> Value {
        Value::object([
            (NAME, name),
            (DRIVER, Value::from("local")),
            (DRIVER_OPTS, Value::Null),
            (LABELS, Value::Map(Default::default())),
            (MOUNTPOINT, Value::unknown()),
            (ID, Value::unknown()),
        ])
    }

    #[test]
    fn engine_volumes_become_state() {
        let volume = Volume {
            name: "data".into(),
            driver: "local".into(),
            mountpoint: "/var/lib/x/_data".into(),
            labels: HashMap::new(),
            options: HashMap::from([("type".into(), "tmpfs".into())]),
            ..Default::default()
        };
        let state = volume_state(&volume, &config("data".into()));
        assert_eq!(state.attr(ID), Some(&Value::from("data")));
        assert_eq!(state.attr(LABELS), Some(&Value::Map(Default::default())));
        assert_eq!(
            state.attr(DRIVER_OPTS),
            Some(&Value::map([("type", Value::from("tmpfs"))]))
        );
        let imported = volume_state(&volume, &Value::Null);
        assert_eq!(imported.attr(LABELS), Some(&Value::Null));
    }

    #[tokio::test]
    async fn names_follow_the_engines_rule() {
        for bad in ["x", "-data", "a/b", "da ta"] {
            let diagnostics = ContainerVolume.validate(&config(bad.into())).await;
            assert_eq!(
                diagnostics.0[0].path,
                Some(Path::root().attr(NAME)),
                "{bad}: {diagnostics:?}"
            );
        }
        for good in ["data", "pg_data.1-x"] {
            assert!(
                ContainerVolume
                    .validate(&config(good.into()))
                    .await
                    .is_empty()
            );
        }
        assert!(
            ContainerVolume
                .validate(&config(Value::unknown()))
                .await
                .is_empty()
        );
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
