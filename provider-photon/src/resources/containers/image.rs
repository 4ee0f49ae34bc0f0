//! `photon_container_image`: an image on the container engine, like `docker_image`: pulled from
//! a registry, or loaded from a local tarball for air-gapped hosts. A tarball is either a
//! `docker save` archive (it has a `manifest.json`; loaded with `/images/load`, then tagged as
//! `name` if it did not carry that tag) or a plain root filesystem tar (imported with
//! `/images/create?fromSrc=-` as `name`).
//!
//! Podman 4.3.1's import ignores the `tag` query parameter, so the whole reference travels in
//! `repo` (Docker accepts that form too).

use async_trait::async_trait;
use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::models::ImageInspect;
use bollard::query_parameters::{
    CreateImageOptionsBuilder, ImportImageOptionsBuilder, RemoveImageOptionsBuilder,
    TagImageOptionsBuilder,
};
use futures_util::TryStreamExt;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, BlockNesting, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics,
    NestedBlock, Outcome, PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use crate::clients::container_engine::{
    TarballKind, check_reference, client, engine_error, is_not_found, message, split_tag, status,
    tarball_kind,
};

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_container_image";

const ID: &str = "id";
const NAME: &str = "name";
const SOURCE_TARBALL: &str = "source_tarball";
const PULL_TRIGGERS: &str = "pull_triggers";
const KEEP_LOCALLY: &str = "keep_locally";
const FORCE_REMOVE: &str = "force_remove";
const REGISTRY_AUTH: &str = "registry_auth";
const IMAGE_ID: &str = "image_id";
const REPO_DIGEST: &str = "repo_digest";
const ADDRESS: &str = "address";
const USERNAME: &str = "username";
const PASSWORD: &str = "password";

/// What only the configuration knows: kept from the prior state on read.
const CONFIG_ONLY: [&str; 5] = [
    SOURCE_TARBALL,
    PULL_TRIGGERS,
    KEEP_LOCALLY,
    FORCE_REMOVE,
    REGISTRY_AUTH,
];

/// The `photon_container_image` resource.
pub struct ContainerImage;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "An image on the container engine, like `docker_image`: pulled from a \
                 registry, or loaded from a local tarball (`docker save` archive or plain root \
                 filesystem tar) where no registry is reachable. Destroy removes the image's \
                 `name` tag (and the image, if that was its last tag) unless `keep_locally` is \
                 set; an image a container still uses is not removed, with a diagnostic saying \
                 so, unless `force_remove` is set.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description(
                        "The image reference, e.g. `docker.io/library/alpine:3.19` or \
                         `localhost/photon/busybox:1`. Pulled from its registry unless \
                         `source_tarball` is set. Short names are resolved by the engine \
                         (Podman: `registries.conf` search registries).",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(SOURCE_TARBALL, Type::String).description(
                    "Path of an uncompressed tar on the machine running Terraform: a \
                         `docker save` / `podman save` archive (recognised by its \
                         `manifest.json`; loaded, then tagged as `name` if needed) or a root \
                         filesystem tar (imported as `name`). Use `pull_triggers = \
                         [filesha256(…)]` to replace the image when the file changes. \
                         Changing it replaces the image; setting it where it was unset (an \
                         imported image) only records it.",
                ),
            )
            .attribute(
                Attribute::optional(PULL_TRIGGERS, Type::set(Type::String)).description(
                    "Values that, when changed, pull (or load) the image again, e.g. a \
                         registry digest or `filesha256(var.tarball)`. Changing them replaces \
                         the image; setting them where they were unset (an imported image) only \
                         records them.",
                ),
            )
            .attribute(
                Attribute::optional_computed(KEEP_LOCALLY, Type::Bool)
                    .description("Leave the image on the engine when the resource is destroyed.")
                    .plan_modifier(DefaultValue(Value::from(false))),
            )
            .attribute(
                Attribute::optional_computed(FORCE_REMOVE, Type::Bool)
                    .description(
                        "Remove the image on destroy even if containers use it (the engine's \
                         `force`).",
                    )
                    .plan_modifier(DefaultValue(Value::from(false))),
            )
            .attribute(
                Attribute::computed(IMAGE_ID, Type::String)
                    .description("The image's ID, e.g. `sha256:9218…`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(REPO_DIGEST, Type::String)
                    .description(
                        "The image's first repository digest (`repo@sha256:…`), when the \
                         engine has one.",
                    )
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The image's ID (same as `image_id`).")
                    .plan_modifier(UseStateForUnknown),
            )
            .block(NestedBlock::new(
                REGISTRY_AUTH,
                BlockNesting::Single,
                Block::new()
                    .description("Credentials for pulling `name` from a private registry.")
                    .attribute(
                        Attribute::required(ADDRESS, Type::String).description(
                            "The registry's address, e.g. `registry.example.com:5000`.",
                        ),
                    )
                    .attribute(
                        Attribute::required(USERNAME, Type::String)
                            .description("The registry user name."),
                    )
                    .attribute(
                        Attribute::required(PASSWORD, Type::String)
                            .sensitive()
                            .description("The registry password or token."),
                    ),
            )),
    )
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.attr(name).and_then(Value::as_str).map(str::to_owned)
}

fn name_error(summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, format!("name: {detail}")).at(Path::root().attr(NAME))
}

fn credentials(planned: &Value) -> Option<DockerCredentials> {
    let auth = planned.attr(REGISTRY_AUTH).filter(|auth| !auth.is_null())?;
    Some(DockerCredentials {
        username: text(auth, USERNAME),
        password: text(auth, PASSWORD),
        serveraddress: text(auth, ADDRESS),
        ..Default::default()
    })
}

async fn inspect(
    docker: &Docker,
    reference: &str,
    summary: &str,
) -> Result<Option<ImageInspect>, Diagnostic> {
    match docker.inspect_image(reference).await {
        Ok(image) => Ok(Some(image)),
        Err(error) if is_not_found(&error) => Ok(None),
        Err(error) => Err(engine_error(summary, None, &error)),
    }
}

async fn pull(
    docker: &Docker,
    name: &str,
    planned: &Value,
    summary: &str,
) -> Result<(), Diagnostic> {
    let options = CreateImageOptionsBuilder::new().from_image(name).build();
    docker
        .create_image(Some(options), None, credentials(planned))
        .try_collect::<Vec<_>>()
        .await
        .map(|_| ())
        .map_err(|error| {
            name_error(
                summary,
                format!(
                    "cannot pull {name:?}: {}. Check the reference and that the engine can \
                     reach its registry (with registry_auth for a private one), or load it \
                     from a file with source_tarball.",
                    message(&error)
                ),
            )
        })
}

/// Loads or imports the tarball; the image then answers to `name`.
async fn load_tarball(
    docker: &Docker,
    name: &str,
    path: &str,
    summary: &str,
) -> Result<(), Diagnostic> {
    let tarball_error = |detail: String| {
        Diagnostic::error(summary, format!("source_tarball: {detail}."))
            .at(Path::root().attr(SOURCE_TARBALL))
    };
    let bytes = tokio::task::spawn_blocking({
        let path = path.to_owned();
        move || std::fs::read(&path)
    })
    .await
    .map_err(|error| tarball_error(format!("reading {path:?} failed: {error}")))?
    .map_err(|error| tarball_error(format!("cannot read {path:?}: {error}")))?;
    let kind =
        tarball_kind(&bytes).map_err(|detail| tarball_error(format!("{path:?}: {detail}")))?;
    match kind {
        TarballKind::RootFs => {
            let options = CreateImageOptionsBuilder::new()
                .from_src("-")
                .repo(name)
                .build();
            docker
                .create_image(Some(options), Some(bollard::body_full(bytes.into())), None)
                .try_collect::<Vec<_>>()
                .await
                .map_err(|error| {
                    tarball_error(format!(
                        "importing {path:?} as {name:?} failed: {}",
                        message(&error)
                    ))
                })?;
            Ok(())
        }
        TarballKind::SavedImage => {
            let progress = docker
                .import_image(
                    ImportImageOptionsBuilder::new().quiet(true).build(),
                    bollard::body_full(bytes.into()),
                    None,
                )
                .try_collect::<Vec<_>>()
                .await
                .map_err(|error| {
                    tarball_error(format!("loading {path:?} failed: {}", message(&error)))
                })?;
            if inspect(docker, name, summary).await?.is_some() {
                return Ok(());
            }
            // The archive did not carry `name`: tag what it loaded.
            let loaded: Vec<String> = progress
                .iter()
                .filter_map(|info| info.stream.as_deref())
                .flat_map(str::lines)
                .filter_map(|line| {
                    line.trim()
                        .strip_prefix("Loaded image ID: ")
                        .or_else(|| line.trim().strip_prefix("Loaded image: "))
                        .or_else(|| line.trim().strip_prefix("Loaded image(s): "))
                        .map(str::to_owned)
                })
                .flat_map(|list| {
                    list.split(',')
                        .map(|item| item.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|item| !item.is_empty())
                .collect();
            let [source] = loaded.as_slice() else {
                return Err(tarball_error(format!(
                    "{path:?} loaded {} but not {name:?}; it holds {}: set name to one of them",
                    if loaded.is_empty() {
                        "no image the engine named"
                    } else {
                        "several images"
                    },
                    if loaded.is_empty() {
                        "nothing recognisable".to_owned()
                    } else {
                        loaded.join(", ")
                    }
                )));
            };
            let (repo, tag) = split_tag(name);
            let mut options = TagImageOptionsBuilder::new().repo(repo);
            if let Some(tag) = tag {
                options = options.tag(tag);
            }
            docker
                .tag_image(source, Some(options.build()))
                .await
                .map_err(|error| engine_error(summary, Some(NAME), &error))?;
            Ok(())
        }
    }
}

/// The engine's image as the computed part of the state.
fn computed(image: &ImageInspect) -> [(&'static str, Value); 3] {
    let id = Value::from(image.id.clone());
    let digest = image
        .repo_digests
        .as_ref()
        .and_then(|digests| digests.first().cloned());
    [
        (IMAGE_ID, id.clone()),
        (ID, id),
        (REPO_DIGEST, Value::from(digest)),
    ]
}

fn with(base: &Value, values: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut state = base.clone();
    if let Value::Object(attributes) = &mut state {
        for (key, value) in values {
            attributes.insert(key.into(), value);
        }
    }
    state
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_container_image failed";
    let name = text(planned, NAME).unwrap_or_default();
    check_reference(&name).map_err(|detail| name_error(SUMMARY, format!("{detail}.")))?;
    let docker = client(ctx).await?;
    match text(planned, SOURCE_TARBALL) {
        Some(path) => load_tarball(&docker, &name, &path, SUMMARY).await?,
        None => pull(&docker, &name, planned, SUMMARY).await?,
    }
    let image = inspect(&docker, &name, SUMMARY).await?.ok_or_else(|| {
        name_error(
            SUMMARY,
            format!("the engine reported success but has no image {name:?} afterwards."),
        )
    })?;
    tracing::debug!(resource = TYPE_NAME, name = name.as_str(), "image present");
    Ok(with(planned, computed(&image)))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_container_image failed";
    let Some(name) = text(state, NAME) else {
        return Ok(Value::Null);
    };
    let docker = client(ctx).await?;
    let Some(image) = inspect(&docker, &name, SUMMARY).await? else {
        // Removed outside Terraform: the next plan pulls (or loads) it again.
        return Ok(Value::Null);
    };
    let mut values: Vec<(&'static str, Value)> = computed(&image).into();
    for flag in [KEEP_LOCALLY, FORCE_REMOVE] {
        if state.attr(flag).is_none_or(Value::is_null) {
            values.push((flag, Value::from(false)));
        }
    }
    Ok(with(state, values))
}

fn update(planned: &Value, prior: &Value) -> Value {
    // Only keep_locally, force_remove and registry_auth change in place: state only.
    with(
        planned,
        [IMAGE_ID, ID, REPO_DIGEST]
            .map(|key| (key, prior.attr(key).cloned().unwrap_or(Value::Null))),
    )
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_container_image failed";
    if prior.attr(KEEP_LOCALLY).and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    let Some(name) = text(prior, NAME) else {
        return Ok(());
    };
    let force = prior.attr(FORCE_REMOVE).and_then(Value::as_bool) == Some(true);
    let docker = client(ctx).await?;
    let options = RemoveImageOptionsBuilder::new().force(force).build();
    match docker.remove_image(&name, Some(options), None).await {
        Ok(_) => Ok(()),
        Err(error) if is_not_found(&error) => Ok(()),
        Err(error) if status(&error) == Some(409) => Err(Diagnostic::error(
            "Image is in use",
            format!(
                "image {name:?} was not removed because a container uses it ({}). Remove the \
                 container first, set keep_locally = true to leave the image on the engine, \
                 or force_remove = true to remove it anyway.",
                message(&error)
            ),
        )),
        Err(error) => Err(engine_error(SUMMARY, None, &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_container_image failed";
    if id.trim().is_empty() {
        return Err(Diagnostic::error(
            SUMMARY,
            "expected the image's reference (or ID), e.g. `terraform import \
             photon_container_image.busybox localhost/photon/busybox:1`, got an empty string.",
        ));
    }
    let docker = client(ctx).await?;
    let image = inspect(&docker, id, SUMMARY)
        .await?
        .ok_or_else(|| Diagnostic::error(SUMMARY, format!("the engine has no image {id:?}.")))?;
    let mut state = vec![(NAME, Value::from(id))];
    state.extend(CONFIG_ONLY.map(|key| (key, Value::Null)));
    state.extend([
        (KEEP_LOCALLY, Value::from(false)),
        (FORCE_REMOVE, Value::from(false)),
    ]);
    state.extend(computed(&image));
    Ok(Value::object(state))
}

fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if let Some(Value::String(name)) = config.attr(NAME) {
        if let Err(detail) = check_reference(name) {
            diagnostics.push(name_error("Invalid image reference", format!("{detail}.")));
        }
    }
    if let Some(Value::String(path)) = config.attr(SOURCE_TARBALL) {
        if path.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid tarball path",
                    "source_tarball: expected the path of a tar file, got an empty string.",
                )
                .at(Path::root().attr(SOURCE_TARBALL)),
            );
        }
        let has_auth = config
            .attr(REGISTRY_AUTH)
            .is_some_and(|auth| !auth.is_null());
        if has_auth {
            diagnostics.push(
                Diagnostic::warning(
                    "registry_auth is not used",
                    "registry_auth: the image is loaded from source_tarball, so no registry is contacted.",
                )
                .at(Path::root().attr(REGISTRY_AUTH)),
            );
        }
    }
    diagnostics
}

/// The source argument whose change means loading the image again: a change of a value that was
/// set. Setting one that was unset (after an import) only records it.
fn replacing_change(prior: &Value, planned: &Value) -> Option<Path> {
    if prior.is_null() || planned.is_null() {
        return None;
    }
    [SOURCE_TARBALL, PULL_TRIGGERS]
        .into_iter()
        .find_map(|name| {
            let before = prior.attr(name).filter(|value| !value.is_null())?;
            (planned.attr(name) != Some(before)).then(|| Path::root().attr(name))
        })
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for ContainerImage {
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
        if let Some(path) = replacing_change(&plan.prior, &plan.planned) {
            plan.requires_replace.push(path);
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
        Outcome::ok(update(&request.planned, &request.prior))
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

    #[tokio::test]
    async fn validation_points_at_name_and_warns_about_unused_auth() {
        let config = Value::object([
            (NAME, Value::from("Bad Name")),
            (SOURCE_TARBALL, Value::from("/tmp/x.tar")),
            (
                REGISTRY_AUTH,
                Value::object([
                    (ADDRESS, Value::from("r")),
                    (USERNAME, Value::from("u")),
                    (PASSWORD, Value::from("p")),
                ]),
            ),
        ]);
        let diagnostics = ContainerImage.validate(&config).await;
        let paths: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic.path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["name", "registry_auth"]);
        assert!(diagnostics.0[1].severity == tfsdk::Severity::Warning);
    }

    #[test]
    fn only_changing_a_set_source_replaces_the_image() {
        let state = |tarball: Value| {
            Value::object([
                (NAME, Value::from("localhost/a:1")),
                (SOURCE_TARBALL, tarball),
                (PULL_TRIGGERS, Value::Null),
            ])
        };
        assert_eq!(
            replacing_change(&state("/a.tar".into()), &state("/b.tar".into())),
            Some(Path::root().attr(SOURCE_TARBALL))
        );
        assert_eq!(
            replacing_change(&state("/a.tar".into()), &state(Value::Null)),
            Some(Path::root().attr(SOURCE_TARBALL))
        );
        assert_eq!(
            replacing_change(&state(Value::Null), &state("/b.tar".into())),
            None
        );
        assert_eq!(
            replacing_change(&Value::Null, &state("/b.tar".into())),
            None
        );
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
