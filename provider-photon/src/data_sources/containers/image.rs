//! `photon_container_image` data source: an image already on the engine, by reference, like
//! the `docker_image` data source. Nothing is pulled.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::{Attribute, Block, Context, DataSource, Diagnostic, Diagnostics, Outcome, Schema};

use crate::clients::container_engine::{client, engine_error, is_not_found};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_container_image";

const NAME: &str = "name";
const ID: &str = "id";
const IMAGE_ID: &str = "image_id";
const REPO_TAGS: &str = "repo_tags";
const REPO_DIGESTS: &str = "repo_digests";
const LABELS: &str = "labels";

/// The `photon_container_image` data source.
pub struct ContainerImageDataSource;

fn schema() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "Looks up an image that is already on the container engine by reference (or \
                 ID), like the `docker_image` data source. Nothing is pulled: an image the \
                 engine does not have is an error.",
            )
            .attribute(
                Attribute::required(NAME, Type::String)
                    .description("The image reference or ID, e.g. `localhost/photon/busybox:1`."),
            )
            .attribute(
                Attribute::computed(IMAGE_ID, Type::String)
                    .description("The image's ID, e.g. `sha256:9218…`."),
            )
            .attribute(Attribute::computed(ID, Type::String).description("Same as `image_id`."))
            .attribute(
                Attribute::computed(REPO_TAGS, Type::list(Type::String))
                    .description("Every `repo:tag` the image has on the engine."),
            )
            .attribute(
                Attribute::computed(REPO_DIGESTS, Type::list(Type::String))
                    .description("The image's repository digests (`repo@sha256:…`)."),
            )
            .attribute(
                Attribute::computed(LABELS, Type::map(Type::String))
                    .description("The labels of the image's configuration."),
            ),
    )
}

async fn read(ctx: &Context, config: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_container_image data source failed";
    let name = config
        .attr(NAME)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let docker = client(ctx).await?;
    let image = match docker.inspect_image(&name).await {
        Ok(image) => image,
        Err(error) if is_not_found(&error) => {
            return Err(Diagnostic::error(
                "Image not found",
                format!(
                    "name: the engine has no image {name:?}; this data source does not pull \
                     (use the photon_container_image resource for that)."
                ),
            )
            .at(Path::root().attr(NAME)));
        }
        Err(error) => return Err(engine_error(SUMMARY, Some(NAME), &error)),
    };
    let strings = |items: Option<Vec<String>>| {
        Value::List(
            items
                .unwrap_or_default()
                .into_iter()
                .map(Value::from)
                .collect(),
        )
    };
    let labels = image
        .config
        .as_ref()
        .and_then(|config| config.labels.clone())
        .unwrap_or_default();
    Ok(Value::object([
        (NAME, Value::from(name)),
        (IMAGE_ID, Value::from(image.id.clone())),
        (ID, Value::from(image.id.clone())),
        (REPO_TAGS, strings(image.repo_tags.clone())),
        (REPO_DIGESTS, strings(image.repo_digests.clone())),
        (
            LABELS,
            Value::Map(
                labels
                    .into_iter()
                    .map(|(key, value)| (key, Value::from(value)))
                    .collect(),
            ),
        ),
    ]))
}

#[async_trait]
impl DataSource for ContainerImageDataSource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Some(Value::String(name)) = config.attr(NAME) {
            if name.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        "Invalid image reference",
                        "name: expected an image reference or ID, got an empty string.",
                    )
                    .at(Path::root().attr(NAME)),
                );
            }
        }
        diagnostics
    }

    async fn read(&self, ctx: &Context, config: Value) -> Outcome {
        match read(ctx, &config).await {
            Ok(state) => Outcome::ok(state),
            Err(diagnostic) => Outcome::failed(diagnostic),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema()), vec![]);
    }
}
