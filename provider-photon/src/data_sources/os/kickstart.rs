//! `photon_kickstart`: a typed Photon OS installer kickstart rendered to JSON and base64, for
//! `guestinfo.kickstart.data`, an ISO's `ks=` file or cloud-init.

use std::collections::BTreeMap;
use std::str::FromStr;

use async_trait::async_trait;
use kickstart::{FieldError, InstallerGeneration, Kickstart as KickstartModel, PathSegment};
use tfsdk::cty::{self, Path, Type, Value};
use tfsdk::{
    Attribute, Block, BlockNesting, Context, DataSource, Diagnostic, Diagnostics, NestedBlock,
    Outcome, Schema,
};

/// The data source's type name.
pub const TYPE_NAME: &str = "photon_kickstart";

/// Attributes of the data source that are not kickstart fields.
const GENERATION: &str = "installer_generation";
const JSON: &str = "json";
const BASE64: &str = "base64";

/// The `photon_kickstart` data source.
pub struct Kickstart;

/// The kickstart crate's documentation of a field (dotted name), so each fact is written once.
fn doc(field: &str) -> &'static str {
    kickstart::field_docs()
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, text)| *text)
        .unwrap_or("")
}

fn string(field: &str, name: &str) -> Attribute {
    Attribute::optional(name, Type::String).description(doc(field))
}

fn strings(field: &str, name: &str) -> Attribute {
    Attribute::optional(name, Type::list(Type::String)).description(doc(field))
}

fn number(field: &str, name: &str) -> Attribute {
    Attribute::optional(name, Type::Number).description(doc(field))
}

fn boolean(field: &str, name: &str) -> Attribute {
    Attribute::optional(name, Type::Bool).description(doc(field))
}

fn top(name: &str) -> Attribute {
    string(name, name)
}

/// Schema version 0.
pub fn schema_v0() -> Schema {
    let generations: Vec<String> = InstallerGeneration::ALL
        .iter()
        .map(|generation| format!("`{}`", generation.name()))
        .collect();
    Schema::new(
        Block::new()
            .description(
                "Renders a Photon OS installer kickstart from typed settings, checked against the chosen \
                 installer generation before anything is installed. Use `base64` for the VM's \
                 `guestinfo.kickstart.data` (see `photon_virtual_machine.kickstart`) or `json` for a `ks=` file.",
            )
            .attribute(Attribute::optional_computed(GENERATION, Type::String).description(&format!(
                "Installer generation to render for: one of {}. Defaults to `{}`.",
                generations.join(", "),
                InstallerGeneration::default().name()
            )))
            .attribute(top("hostname"))
            .attribute(top("public_key"))
            .attribute(top("public_key_reason"))
            .attribute(top("disk"))
            .attribute(top("partition_type"))
            .attribute(top("bootmode"))
            .attribute(top("arch"))
            .attribute(strings("packages", "packages"))
            .attribute(strings("additional_packages", "additional_packages"))
            .attribute(top("packagelist_file"))
            .attribute(top("linux_flavor"))
            .attribute(strings("search_path", "search_path"))
            .attribute(strings("preinstall", "preinstall"))
            .attribute(strings("postinstall", "postinstall"))
            .attribute(strings("postinstall_scripts", "postinstall_scripts"))
            .attribute(boolean("eject_cdrom", "eject_cdrom"))
            .attribute(boolean("live", "live"))
            .attribute(top("log_level"))
            .attribute(top("release_version"))
            .attribute(
                Attribute::computed(JSON, Type::String)
                    .sensitive()
                    .description("The kickstart as compact JSON with sorted keys. Sensitive: it holds the root password."),
            )
            .attribute(
                Attribute::computed(BASE64, Type::String)
                    .sensitive()
                    .description("`json`, base64-encoded (standard alphabet, padded), as `guestinfo.kickstart.data` expects."),
            )
            .block(
                NestedBlock::new(
                    "password",
                    BlockNesting::Single,
                    Block::new()
                        .description(doc("password"))
                        .attribute(string("password.text", "text").sensitive())
                        .attribute(string("password.crypted", "crypted").sensitive())
                        .attribute(number("password.age", "age")),
                ),
            )
            .block(NestedBlock::new(
                "partitions",
                BlockNesting::List,
                Block::new()
                    .description(doc("partitions"))
                    .attribute(string("partitions.mountpoint", "mountpoint"))
                    .attribute(number("partitions.size", "size"))
                    .attribute(number("partitions.size_percent", "size_percent"))
                    .attribute(string("partitions.filesystem", "filesystem"))
                    .attribute(string("partitions.disk", "disk"))
                    .attribute(string("partitions.mkfs_options", "mkfs_options"))
                    .attribute(string("partitions.mount_options", "mount_options"))
                    .block(
                        NestedBlock::new(
                            "lvm",
                            BlockNesting::Single,
                            Block::new()
                                .description(doc("partitions.lvm"))
                                .attribute(
                                    Attribute::required("vg_name", Type::String)
                                        .description(doc("partitions.lvm.vg_name")),
                                )
                                .attribute(
                                    Attribute::required("lv_name", Type::String)
                                        .description(doc("partitions.lvm.lv_name")),
                                ),
                        ),
                    ),
            ))
            .block(
                NestedBlock::new(
                    "network",
                    BlockNesting::Single,
                    Block::new()
                        .description(doc("network"))
                        .attribute(string("network.type", "type"))
                        .attribute(string("network.hostname", "hostname"))
                        .attribute(string("network.ip_addr", "ip_addr"))
                        .attribute(string("network.netmask", "netmask"))
                        .attribute(string("network.gateway", "gateway"))
                        .attribute(string("network.nameserver", "nameserver"))
                        .attribute(number("network.vlan_id", "vlan_id")),
                ),
            )
            .block(NestedBlock::new(
                "additional_files",
                BlockNesting::List,
                Block::new()
                    .description(doc("additional_files"))
                    .attribute(
                        Attribute::required("source", Type::String).description(doc("additional_files.source")),
                    )
                    .attribute(
                        Attribute::required("destination", Type::String)
                            .description(doc("additional_files.destination")),
                    ),
            )),
    )
}

/// The generation chosen in `config` (default when unset).
fn generation(config: &Value) -> Result<InstallerGeneration, Diagnostic> {
    match config.attr(GENERATION) {
        Some(Value::String(name)) => InstallerGeneration::from_str(name).map_err(|error| {
            Diagnostic::error(
                "Invalid installer generation",
                format!("{GENERATION}: {error}"),
            )
            .at(Path::root().attr(GENERATION))
        }),
        _ => Ok(InstallerGeneration::default()),
    }
}

/// The kickstart fields of `config`: everything but the data source's own attributes.
fn model(config: &Value) -> Result<KickstartModel, Diagnostic> {
    let Value::Object(attributes) = config else {
        return Err(Diagnostic::error(
            "Invalid configuration",
            "expected an object",
        ));
    };
    let fields: BTreeMap<String, Value> = attributes
        .iter()
        .filter(|(name, _)| ![GENERATION, JSON, BASE64].contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    cty::from_value(&Value::Object(fields))
        .map_err(|error| Diagnostic::error("Invalid kickstart", error.to_string()))
}

/// A kickstart problem as a diagnostic pointing at the attribute, when the schema has it.
fn field_diagnostic(error: FieldError, schema: &Block) -> Diagnostic {
    let mut path = Path::root();
    for segment in &error.path {
        path = match segment {
            PathSegment::Field(name) => path.attr(name),
            PathSegment::Index(index) => path.index(*index as i64),
            PathSegment::Key(key) => path.key(key),
        };
    }
    let diagnostic = Diagnostic::error(
        "Invalid kickstart",
        format!("{}: {}", error.path_string(), error.message),
    );
    let addressable = matches!(error.path.first(), Some(PathSegment::Field(first))
        if schema.find_attribute(first).is_some() || schema.find_block(first).is_some());
    if addressable {
        diagnostic.at(path)
    } else {
        diagnostic
    }
}

#[async_trait]
impl DataSource for Kickstart {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let generation = match generation(config) {
            Ok(generation) => generation,
            Err(diagnostic) => return diagnostic.into(),
        };
        // Values known only at apply are checked when the data source is read.
        if !config.is_wholly_known() {
            return diagnostics;
        }
        match model(config) {
            Ok(kickstart) => {
                let schema = schema_v0();
                for error in kickstart.validate(generation) {
                    diagnostics.push(field_diagnostic(error, &schema.block));
                }
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
        diagnostics
    }

    async fn read(&self, _ctx: &Context, config: Value) -> Outcome {
        let generation = match generation(&config) {
            Ok(generation) => generation,
            Err(diagnostic) => return Outcome::failed(diagnostic),
        };
        let kickstart = match model(&config) {
            Ok(kickstart) => kickstart,
            Err(diagnostic) => return Outcome::failed(diagnostic),
        };
        let rendered = kickstart
            .to_json(generation)
            .and_then(|json| kickstart.to_base64(generation).map(|base64| (json, base64)));
        let (json, base64) = match rendered {
            Ok(rendered) => rendered,
            Err(errors) => {
                let schema = schema_v0();
                return Outcome::failed(
                    errors
                        .into_iter()
                        .map(|error| field_diagnostic(error, &schema.block))
                        .collect::<Diagnostics>(),
                );
            }
        };
        let Value::Object(mut state) = config else {
            return Outcome::failed(Diagnostic::error(
                "Invalid configuration",
                "expected an object",
            ));
        };
        state.insert(GENERATION.into(), Value::from(generation.name()));
        state.insert(JSON.into(), Value::from(json));
        state.insert(BASE64.into(), Value::from(base64));
        Outcome::ok(Value::Object(state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let ty = schema_v0().implied_type();
        let Type::Object(attributes) = &ty else {
            unreachable!()
        };
        let mut object: BTreeMap<String, Value> = attributes
            .iter()
            .map(|(name, attribute_type)| {
                let empty = match attribute_type {
                    Type::List(_) => Value::List(Vec::new()),
                    _ => Value::Null,
                };
                (name.clone(), empty)
            })
            .collect();
        for (name, value) in pairs {
            object.insert((*name).to_owned(), value.clone());
        }
        let value = Value::Object(object);
        value.conforms(&ty).expect("test config matches the schema");
        value
    }

    fn password(text: &str) -> Value {
        Value::Object(BTreeMap::from([
            ("text".to_owned(), Value::from(text)),
            ("crypted".to_owned(), Value::Null),
            ("age".to_owned(), Value::Null),
        ]))
    }

    #[tokio::test]
    async fn read_renders_json_and_base64_for_the_generation() {
        let config = config(&[
            ("hostname", "photon-web".into()),
            ("disk", "/dev/sda".into()),
            ("password", password("changeme")),
            (
                "packages",
                Value::List(vec!["minimal".into(), "linux".into()]),
            ),
        ]);
        let ctx = Context::new(None, Default::default());
        let outcome = Kickstart.read(&ctx, config).await;
        assert!(
            !outcome.diagnostics.has_errors(),
            "{:?}",
            outcome.diagnostics
        );
        let Some(Value::String(json)) = outcome.state.attr(JSON) else {
            panic!("{:?}", outcome.state)
        };
        let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(parsed["hostname"], "photon-web");
        assert_eq!(parsed["password"]["crypted"], false);
        assert_eq!(
            outcome.state.attr(GENERATION),
            Some(&Value::from("poi-2.7"))
        );
        let Some(Value::String(base64)) = outcome.state.attr(BASE64) else {
            panic!()
        };
        assert!(!base64.is_empty());
    }

    #[tokio::test]
    async fn validation_errors_point_at_the_attribute() {
        let config = config(&[("hostname", "-bad-".into()), ("disk", "/dev/sda".into())]);
        let diagnostics = Kickstart.validate(&config).await;
        let paths: Vec<String> = diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.path.as_ref().map(ToString::to_string))
            .collect();
        assert!(paths.contains(&"hostname".to_owned()), "{diagnostics:?}");
    }

    #[tokio::test]
    async fn an_unknown_generation_lists_the_valid_ones() {
        let config = config(&[(GENERATION, "photon-9".into())]);
        let diagnostics = Kickstart.validate(&config).await;
        assert_eq!(diagnostics.0.len(), 1);
        assert_eq!(diagnostics.0[0].path, Some(Path::root().attr(GENERATION)));
        assert!(
            diagnostics.0[0].detail.contains("poi-2.7"),
            "{diagnostics:?}"
        );
    }

    #[tokio::test]
    async fn unknown_values_wait_for_the_read() {
        let config = config(&[("hostname", Value::unknown())]);
        assert!(Kickstart.validate(&config).await.is_empty());
    }
}
