//! The `provider "photon"` block: one optional block per backend, each attribute with an
//! environment-variable fallback, secrets sensitive.

use std::fmt;

use serde::Deserialize;
use tfsdk::cty::{self, Maybe, Path, Type};
use tfsdk::{Attribute, Block, BlockNesting, Diagnostics, NestedBlock, Schema};

/// Where environment variables come from (the process, or a map in tests).
pub type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The provider block's schema.
pub fn schema() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "The `photon` provider manages Project Photon infrastructure: vSphere VMs and Photon OS \
                 images, container workloads on a Docker-compatible engine, and Lightwave identity \
                 tenants. Each backend has its own optional block; leave out the ones you do not use.",
            )
            .block(
                NestedBlock::new(
                    "vsphere",
                    BlockNesting::Single,
                    Block::new()
                        .description("Connection to vCenter or ESXi.")
                        .attribute(
                            Attribute::optional("server", Type::String)
                                .description("vCenter or ESXi host name or address (`host` or `host:port`). Falls back to `VSPHERE_SERVER`."),
                        )
                        .attribute(
                            Attribute::optional("user", Type::String)
                                .description("User name. Falls back to `VSPHERE_USER`."),
                        )
                        .attribute(
                            Attribute::optional("password", Type::String)
                                .sensitive()
                                .description("Password. Falls back to `VSPHERE_PASSWORD`."),
                        )
                        .attribute(
                            Attribute::optional("allow_unverified_ssl", Type::Bool).description(
                                "Skip TLS certificate verification (simulators only). Defaults to `false`; falls back to `VSPHERE_ALLOW_UNVERIFIED_SSL`.",
                            ),
                        )
                        .attribute(
                            Attribute::optional("ca_file", Type::String).description(
                                "PEM file of the CA certificates to trust for the server instead of the system roots (a private CA, or a simulator's). Falls back to `VSPHERE_CA_FILE`.",
                            ),
                        ),
                ),
            )
            .block(
                NestedBlock::new(
                    "container_engine",
                    BlockNesting::Single,
                    Block::new()
                        .description(
                            "Connection to a Docker Engine API (Docker, or Podman's compatible \
                             service), like the `docker` provider's block. The API version is \
                             negotiated with the engine on first use.",
                        )
                        .attribute(Attribute::optional("host", Type::String).description(
                            "Engine address: `unix:///path/to.sock`, `tcp://host:port` (plain \
                             HTTP, or TLS when client certificates are configured), \
                             `https://host:port` (TLS, certificates required) or \
                             `ssh://user@host` (runs `docker system dial-stdio` on the host \
                             through the system `ssh`). Falls back to `DOCKER_HOST`, then \
                             `unix:///var/run/docker.sock`.",
                        ))
                        .attribute(Attribute::optional("cert_path", Type::String).description(
                            "Directory holding `ca.pem`, `cert.pem` and `key.pem` for TLS client \
                             authentication (`tcp://` and `https://` only). Falls back to \
                             `DOCKER_CERT_PATH`. Conflicts with the `*_material` attributes.",
                        ))
                        .attribute(Attribute::optional("ca_material", Type::String).description(
                            "PEM of the CA certificates that signed the engine's certificate, \
                             instead of `cert_path`'s `ca.pem`. Set together with \
                             `cert_material` and `key_material`.",
                        ))
                        .attribute(Attribute::optional("cert_material", Type::String).description(
                            "PEM of the client certificate, instead of `cert_path`'s `cert.pem`.",
                        ))
                        .attribute(
                            Attribute::optional("key_material", Type::String)
                                .sensitive()
                                .description(
                                    "PEM of the client certificate's private key, instead of \
                                     `cert_path`'s `key.pem`. Written to a private (0600) file \
                                     for the provider process's lifetime, because the TLS \
                                     connector reads it per connection.",
                                ),
                        )
                        .attribute(Attribute::optional("ssh_opts", Type::list(Type::String)).description(
                            "Extra `ssh` options for `ssh://` hosts. Only `-i <identity file>` is \
                             supported (the SSH transport takes nothing else); put other options, \
                             including a port other than 22, in `~/.ssh/config` under a `Host` \
                             alias.",
                        )),
                ),
            )
            .block(
                NestedBlock::new(
                    "lightwave",
                    BlockNesting::Single,
                    Block::new()
                        .description("Connection to a Lightwave identity server.")
                        .attribute(
                            Attribute::optional("endpoint", Type::String)
                                .description("Base URL, e.g. `https://lightwave.example.com`. Falls back to `LIGHTWAVE_ENDPOINT`."),
                        )
                        .attribute(
                            Attribute::optional("tenant", Type::String)
                                .description("Tenant to authenticate against. Falls back to `LIGHTWAVE_TENANT`."),
                        )
                        .attribute(
                            Attribute::optional("username", Type::String)
                                .description("Administrator user name. Falls back to `LIGHTWAVE_USERNAME`."),
                        )
                        .attribute(
                            Attribute::optional("password", Type::String)
                                .sensitive()
                                .description("Password. Falls back to `LIGHTWAVE_PASSWORD`."),
                        )
                        .attribute(Attribute::optional("allow_unverified_ssl", Type::Bool).description(
                            "Skip TLS certificate verification (simulators only). Defaults to `false`; falls back to `LIGHTWAVE_ALLOW_UNVERIFIED_SSL`.",
                        ))
                        .attribute(Attribute::optional("ca_file", Type::String).description(
                            "PEM file of extra CA certificates to trust for the server (a private CA, or `lightwave-sim`'s). Falls back to `LIGHTWAVE_CA_FILE`.",
                        )),
                ),
            ),
    )
}

#[derive(Deserialize, Default)]
struct ProviderModel {
    vsphere: Option<VsphereModel>,
    container_engine: Option<ContainerEngineModel>,
    lightwave: Option<LightwaveModel>,
}

#[derive(Deserialize)]
struct VsphereModel {
    server: Maybe<String>,
    user: Maybe<String>,
    password: Maybe<String>,
    allow_unverified_ssl: Maybe<bool>,
    ca_file: Maybe<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContainerEngineModel {
    host: Maybe<String>,
    cert_path: Maybe<String>,
    ca_material: Maybe<String>,
    cert_material: Maybe<String>,
    key_material: Maybe<String>,
    ssh_opts: Maybe<Vec<Maybe<String>>>,
}

#[derive(Deserialize)]
struct LightwaveModel {
    endpoint: Maybe<String>,
    tenant: Maybe<String>,
    username: Maybe<String>,
    password: Maybe<String>,
    allow_unverified_ssl: Maybe<bool>,
    ca_file: Maybe<String>,
}

/// A setting that may only be known at apply time (configured from another resource).
#[derive(Clone, PartialEq, Eq)]
pub enum Setting<T> {
    /// Known now.
    Known(T),
    /// Known after apply.
    Unknown,
}

impl<T: fmt::Debug> fmt::Debug for Setting<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Known(value) => value.fmt(f),
            Setting::Unknown => f.write_str("(known after apply)"),
        }
    }
}

/// A secret setting: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Setting<String>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<sensitive>")
    }
}

/// Resolved vSphere connection settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VsphereSettings {
    /// Host or host:port.
    pub server: Setting<String>,
    /// User name.
    pub user: Setting<String>,
    /// Password.
    pub password: Secret,
    /// Skip certificate verification.
    pub allow_unverified_ssl: Setting<bool>,
    /// CA bundle to trust instead of the system roots.
    pub ca_file: Setting<Option<String>>,
}

/// Resolved container engine settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerEngineSettings {
    /// Engine address.
    pub host: Setting<String>,
    /// Directory with `ca.pem`, `cert.pem` and `key.pem` (configured or `DOCKER_CERT_PATH`).
    pub cert_path: Setting<Option<String>>,
    /// Inline CA PEM.
    pub ca_material: Setting<Option<String>>,
    /// Inline client certificate PEM.
    pub cert_material: Setting<Option<String>>,
    /// Inline client key PEM; an empty string when unset.
    pub key_material: Secret,
    /// `ssh` options for `ssh://` hosts.
    pub ssh_opts: Setting<Vec<String>>,
}

impl ContainerEngineSettings {
    /// Settings for `host` alone (no TLS material, no ssh options).
    pub fn for_host(host: &str) -> Self {
        Self {
            host: Setting::Known(host.to_owned()),
            cert_path: Setting::Known(None),
            ca_material: Setting::Known(None),
            cert_material: Setting::Known(None),
            key_material: Secret(Setting::Known(String::new())),
            ssh_opts: Setting::Known(Vec::new()),
        }
    }
}

/// Resolved Lightwave settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LightwaveSettings {
    /// Base URL.
    pub endpoint: Setting<String>,
    /// Tenant.
    pub tenant: Setting<String>,
    /// User name.
    pub username: Setting<String>,
    /// Password.
    pub password: Secret,
    /// Skip certificate verification.
    pub allow_unverified_ssl: Setting<bool>,
    /// Extra CA certificates (PEM file path).
    pub ca_file: Setting<Option<String>>,
}

/// Everything `configure` resolved; what resources get as provider data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderSettings {
    /// Present when the block is written or `VSPHERE_SERVER` is set.
    pub vsphere: Option<VsphereSettings>,
    /// Always present: the engine defaults to the local Docker socket.
    pub container_engine: Option<ContainerEngineSettings>,
    /// Present when the block is written or `LIGHTWAVE_ENDPOINT` is set.
    pub lightwave: Option<LightwaveSettings>,
}

/// Resolves the configuration against the environment; every problem names its attribute.
pub fn resolve(config: &cty::Value, env: &EnvLookup) -> Result<ProviderSettings, Diagnostics> {
    let model: ProviderModel = if config.is_null() {
        ProviderModel::default()
    } else {
        cty::from_value(config).map_err(|error| {
            let mut diagnostics = Diagnostics::new();
            diagnostics.error("Invalid provider configuration", error.to_string());
            diagnostics
        })?
    };
    let mut diagnostics = Diagnostics::new();
    let root = Path::root();

    let vsphere_path = root.attr("vsphere");
    let vsphere = match model.vsphere {
        Some(block) => Some(block),
        None if env("VSPHERE_SERVER").is_some() => Some(VsphereModel {
            server: Maybe::Null,
            user: Maybe::Null,
            password: Maybe::Null,
            allow_unverified_ssl: Maybe::Null,
            ca_file: Maybe::Null,
        }),
        None => None,
    }
    .map(|block| VsphereSettings {
        server: required(
            block.server,
            "VSPHERE_SERVER",
            &vsphere_path.attr("server"),
            env,
            &mut diagnostics,
        ),
        user: required(
            block.user,
            "VSPHERE_USER",
            &vsphere_path.attr("user"),
            env,
            &mut diagnostics,
        ),
        password: Secret(required(
            block.password,
            "VSPHERE_PASSWORD",
            &vsphere_path.attr("password"),
            env,
            &mut diagnostics,
        )),
        allow_unverified_ssl: flag(
            block.allow_unverified_ssl,
            "VSPHERE_ALLOW_UNVERIFIED_SSL",
            &vsphere_path.attr("allow_unverified_ssl"),
            env,
            &mut diagnostics,
        ),
        ca_file: match block.ca_file {
            Maybe::Known(path) if !path.is_empty() => Setting::Known(Some(path)),
            Maybe::Unknown => Setting::Unknown,
            _ => Setting::Known(env("VSPHERE_CA_FILE").filter(|path| !path.is_empty())),
        },
    });

    let container_engine = Some(container_engine_settings(
        model.container_engine.unwrap_or_default(),
        env,
        &root.attr("container_engine"),
        &mut diagnostics,
    ));

    let lightwave_path = root.attr("lightwave");
    let lightwave = match model.lightwave {
        Some(block) => Some(block),
        None if env("LIGHTWAVE_ENDPOINT").is_some() => Some(LightwaveModel {
            endpoint: Maybe::Null,
            tenant: Maybe::Null,
            username: Maybe::Null,
            password: Maybe::Null,
            allow_unverified_ssl: Maybe::Null,
            ca_file: Maybe::Null,
        }),
        None => None,
    }
    .map(|block| LightwaveSettings {
        endpoint: required(
            block.endpoint,
            "LIGHTWAVE_ENDPOINT",
            &lightwave_path.attr("endpoint"),
            env,
            &mut diagnostics,
        ),
        tenant: required(
            block.tenant,
            "LIGHTWAVE_TENANT",
            &lightwave_path.attr("tenant"),
            env,
            &mut diagnostics,
        ),
        username: required(
            block.username,
            "LIGHTWAVE_USERNAME",
            &lightwave_path.attr("username"),
            env,
            &mut diagnostics,
        ),
        password: Secret(required(
            block.password,
            "LIGHTWAVE_PASSWORD",
            &lightwave_path.attr("password"),
            env,
            &mut diagnostics,
        )),
        allow_unverified_ssl: flag(
            block.allow_unverified_ssl,
            "LIGHTWAVE_ALLOW_UNVERIFIED_SSL",
            &lightwave_path.attr("allow_unverified_ssl"),
            env,
            &mut diagnostics,
        ),
        ca_file: match block.ca_file {
            Maybe::Known(path) if !path.is_empty() => Setting::Known(Some(path)),
            Maybe::Unknown => Setting::Unknown,
            _ => Setting::Known(env("LIGHTWAVE_CA_FILE").filter(|path| !path.is_empty())),
        },
    });

    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(ProviderSettings {
        vsphere,
        container_engine,
        lightwave,
    })
}

/// An optional string setting: empty counts as unset.
fn optional_string(value: Maybe<String>, fallback: Option<String>) -> Setting<Option<String>> {
    match value {
        Maybe::Known(value) if !value.is_empty() => Setting::Known(Some(value)),
        Maybe::Unknown => Setting::Unknown,
        _ => Setting::Known(fallback.filter(|value| !value.is_empty())),
    }
}

fn container_engine_settings(
    block: ContainerEngineModel,
    env: &EnvLookup,
    path: &Path,
    diagnostics: &mut Diagnostics,
) -> ContainerEngineSettings {
    let host = match block.host {
        Maybe::Known(host) if !host.is_empty() => Setting::Known(host),
        Maybe::Unknown => Setting::Unknown,
        _ => Setting::Known(
            env("DOCKER_HOST")
                .filter(|host| !host.is_empty())
                .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned()),
        ),
    };
    let inline_set = [
        &block.ca_material,
        &block.cert_material,
        &block.key_material,
    ]
    .iter()
    .any(|value| !value.is_null());
    // DOCKER_CERT_PATH only fills in when nothing else says how to do TLS.
    let cert_path_fallback = if inline_set {
        None
    } else {
        env("DOCKER_CERT_PATH")
    };
    let settings = ContainerEngineSettings {
        host,
        cert_path: optional_string(block.cert_path, cert_path_fallback),
        ca_material: optional_string(block.ca_material, None),
        cert_material: optional_string(block.cert_material, None),
        key_material: Secret(match optional_string(block.key_material, None) {
            Setting::Known(key) => Setting::Known(key.unwrap_or_default()),
            Setting::Unknown => Setting::Unknown,
        }),
        ssh_opts: match block.ssh_opts {
            Maybe::Known(options) => options
                .into_iter()
                .map(Maybe::into_known)
                .collect::<Option<Vec<String>>>()
                .map_or(Setting::Unknown, Setting::Known),
            Maybe::Null => Setting::Known(Vec::new()),
            Maybe::Unknown => Setting::Unknown,
        },
    };
    if let Err(error) = crate::clients::container_engine::check_settings(&settings) {
        diagnostics.attribute_error(
            path.attr(error.attribute),
            "Invalid container engine configuration",
            format!("container_engine.{}: {}", error.attribute, error.detail),
        );
    }
    settings
}

fn required(
    value: Maybe<String>,
    variable: &str,
    path: &Path,
    env: &EnvLookup,
    diagnostics: &mut Diagnostics,
) -> Setting<String> {
    match value {
        Maybe::Known(value) if !value.is_empty() => Setting::Known(value),
        Maybe::Unknown => Setting::Unknown,
        _ => match env(variable).filter(|value| !value.is_empty()) {
            Some(value) => Setting::Known(value),
            None => {
                diagnostics.attribute_error(
                    path.clone(),
                    "Missing provider setting",
                    format!("{path}: set it in the provider block or in the environment variable {variable}."),
                );
                Setting::Known(String::new())
            }
        },
    }
}

fn flag(
    value: Maybe<bool>,
    variable: &str,
    path: &Path,
    env: &EnvLookup,
    diagnostics: &mut Diagnostics,
) -> Setting<bool> {
    match value {
        Maybe::Known(value) => Setting::Known(value),
        Maybe::Unknown => Setting::Unknown,
        Maybe::Null => match env(variable).as_deref().map(str::trim) {
            None | Some("") => Setting::Known(false),
            Some("1" | "true" | "TRUE" | "True") => Setting::Known(true),
            Some("0" | "false" | "FALSE" | "False") => Setting::Known(false),
            Some(other) => {
                diagnostics.attribute_error(
                    path.clone(),
                    "Invalid boolean in the environment",
                    format!("{variable}={other:?}: expected true or false (for {path})."),
                );
                Setting::Known(false)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tfsdk::cty::Value;

    use super::*;

    fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> + Send + Sync {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn config(vsphere: Value, container_engine: Value, lightwave: Value) -> Value {
        object(&[
            ("vsphere", vsphere),
            ("container_engine", container_engine),
            ("lightwave", lightwave),
        ])
    }

    fn vsphere(server: Value, user: Value, password: Value) -> Value {
        object(&[
            ("server", server),
            ("user", user),
            ("password", password),
            ("allow_unverified_ssl", Value::Null),
            ("ca_file", Value::Null),
        ])
    }

    #[test]
    fn the_implied_type_matches_the_configuration_shape() {
        let value = config(
            vsphere("vc".into(), "u".into(), "p".into()),
            Value::Null,
            Value::Null,
        );
        assert!(value.conforms(&schema().implied_type()).is_ok());
    }

    #[test]
    fn an_empty_configuration_needs_no_backend_but_defaults_the_engine() {
        let settings = resolve(&config(Value::Null, Value::Null, Value::Null), &env(&[])).unwrap();
        assert_eq!(settings.vsphere, None);
        assert_eq!(settings.lightwave, None);
        assert_eq!(
            settings.container_engine.unwrap().host,
            Setting::Known("unix:///var/run/docker.sock".into())
        );
    }

    #[test]
    fn environment_variables_fill_what_the_block_leaves_out() {
        let settings = resolve(
            &config(
                vsphere("vc.example".into(), Value::Null, Value::Null),
                Value::Null,
                Value::Null,
            ),
            &env(&[
                ("VSPHERE_USER", "admin"),
                ("VSPHERE_PASSWORD", "secret"),
                ("VSPHERE_ALLOW_UNVERIFIED_SSL", "true"),
                ("DOCKER_HOST", "unix:///run/podman/podman.sock"),
            ]),
        )
        .unwrap();
        let vsphere = settings.vsphere.unwrap();
        assert_eq!(vsphere.server, Setting::Known("vc.example".into()));
        assert_eq!(vsphere.user, Setting::Known("admin".into()));
        assert_eq!(vsphere.password, Secret(Setting::Known("secret".into())));
        assert_eq!(vsphere.allow_unverified_ssl, Setting::Known(true));
        assert_eq!(
            settings.container_engine.unwrap().host,
            Setting::Known("unix:///run/podman/podman.sock".into())
        );
    }

    #[test]
    fn vsphere_server_in_the_environment_alone_enables_the_backend() {
        let settings = resolve(
            &config(Value::Null, Value::Null, Value::Null),
            &env(&[
                ("VSPHERE_SERVER", "vc"),
                ("VSPHERE_USER", "u"),
                ("VSPHERE_PASSWORD", "p"),
            ]),
        )
        .unwrap();
        assert!(settings.vsphere.is_some());
    }

    #[test]
    fn missing_settings_are_errors_naming_the_attribute_and_the_variable() {
        let diagnostics = resolve(
            &config(
                vsphere("vc".into(), Value::Null, Value::Null),
                Value::Null,
                Value::Null,
            ),
            &env(&[]),
        )
        .unwrap_err();
        let paths: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic.path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["vsphere.user", "vsphere.password"]);
        assert!(
            diagnostics.0[0].detail.contains("VSPHERE_USER"),
            "{:?}",
            diagnostics.0[0]
        );
    }

    #[test]
    fn unknown_values_wait_for_apply_instead_of_failing() {
        let settings = resolve(
            &config(
                vsphere(Value::unknown(), "u".into(), Value::unknown()),
                Value::Null,
                Value::Null,
            ),
            &env(&[]),
        )
        .unwrap();
        let vsphere = settings.vsphere.unwrap();
        assert_eq!(vsphere.server, Setting::Unknown);
        assert_eq!(vsphere.password, Secret(Setting::Unknown));
    }

    #[test]
    fn a_bad_engine_address_or_boolean_is_reported_at_its_path() {
        let engine = object(&[("host", "localhost:2375".into())]);
        let diagnostics =
            resolve(&config(Value::Null, engine, Value::Null), &env(&[])).unwrap_err();
        assert_eq!(
            diagnostics.0[0].path.as_ref().unwrap().to_string(),
            "container_engine.host"
        );
        let diagnostics = resolve(
            &config(
                vsphere("vc".into(), "u".into(), "p".into()),
                Value::Null,
                Value::Null,
            ),
            &env(&[("VSPHERE_ALLOW_UNVERIFIED_SSL", "maybe")]),
        )
        .unwrap_err();
        assert_eq!(
            diagnostics.0[0].path.as_ref().unwrap().to_string(),
            "vsphere.allow_unverified_ssl"
        );
    }

    fn engine(pairs: &[(&str, Value)]) -> Value {
        let mut block: BTreeMap<String, Value> = [
            "host",
            "cert_path",
            "ca_material",
            "cert_material",
            "key_material",
            "ssh_opts",
        ]
        .iter()
        .map(|name| (name.to_string(), Value::Null))
        .collect();
        for (key, value) in pairs {
            block.insert(key.to_string(), value.clone());
        }
        Value::Object(block)
    }

    #[test]
    fn docker_cert_path_fills_in_tls_for_tcp_unless_material_is_inline() {
        let settings = resolve(
            &config(
                Value::Null,
                engine(&[("host", "tcp://engine:2376".into())]),
                Value::Null,
            ),
            &env(&[("DOCKER_CERT_PATH", "/certs")]),
        )
        .unwrap()
        .container_engine
        .unwrap();
        assert_eq!(settings.cert_path, Setting::Known(Some("/certs".into())));
        let pem = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nsecretkey\n-----END PRIVATE KEY-----\n";
        let settings = resolve(
            &config(
                Value::Null,
                engine(&[
                    ("host", "tcp://engine:2376".into()),
                    ("ca_material", pem.into()),
                    ("cert_material", pem.into()),
                    ("key_material", key.into()),
                ]),
                Value::Null,
            ),
            &env(&[("DOCKER_CERT_PATH", "/certs")]),
        )
        .unwrap()
        .container_engine
        .unwrap();
        assert_eq!(settings.cert_path, Setting::Known(None));
        let printed = format!("{settings:?}");
        assert!(!printed.contains("secretkey"), "{printed}");
    }

    #[test]
    fn engine_block_problems_are_reported_at_their_attribute() {
        let cases = [
            (
                engine(&[
                    ("host", "tcp://engine:2376".into()),
                    ("ca_material", "-----BEGIN CERTIFICATE-----\n".into()),
                    ("cert_material", "not pem".into()),
                    ("key_material", "-----BEGIN PRIVATE KEY-----\n".into()),
                ]),
                "container_engine.cert_material",
            ),
            (
                engine(&[
                    ("host", "tcp://engine:2376".into()),
                    ("cert_material", "not pem".into()),
                ]),
                "container_engine.ca_material",
            ),
            (
                engine(&[
                    ("host", "unix:///run/docker.sock".into()),
                    ("ssh_opts", Value::list(["-p", "2222"])),
                ]),
                "container_engine.ssh_opts",
            ),
            (
                engine(&[("host", "https://engine:2376".into())]),
                "container_engine.host",
            ),
        ];
        for (block, path) in cases {
            let diagnostics =
                resolve(&config(Value::Null, block, Value::Null), &env(&[])).unwrap_err();
            assert_eq!(
                diagnostics.0[0].path.as_ref().unwrap().to_string(),
                path,
                "{diagnostics:?}"
            );
            assert!(diagnostics.0[0].detail.starts_with(path), "{diagnostics:?}");
        }
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let settings = resolve(
            &config(
                vsphere("vc".into(), "u".into(), "hunter2".into()),
                Value::Null,
                Value::Null,
            ),
            &env(&[]),
        )
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("<sensitive>"));
    }
}
