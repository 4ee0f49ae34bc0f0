//! Every RPC of tfplugin6 and tfplugin5 through a real gRPC client, over go-plugin's real
//! handshake with AutoMTLS, against a provider that exercises the SDK's features.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use go_plugin::{Mode, PluginEnv, ServeOptions, TERRAFORM};
use go_plugin_host::{HandshakeLine, LineSink, channel, client_tls, go_plugin_client_cert};
use support::{Backend, TestProvider, thing_schema};
use tfsdk::cty::{self, Type, Value};
use tfsdk::server::{ProviderServer, proto5, proto6};
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// A provider served in-process through go-plugin, and a client channel to it.
struct Served {
    channel: Channel,
    backend: Arc<Backend>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), go_plugin::ServeError>>,
    _socket_dir: tempfile::TempDir,
}

async fn serve(version: u32) -> Served {
    let backend = Arc::new(Backend::default());
    let server = Arc::new(ProviderServer::new_boxed(TestProvider {
        backend: backend.clone(),
    }));
    let cert = go_plugin_client_cert();
    let socket_dir = tempfile::tempdir().unwrap();
    let env = PluginEnv {
        cookie: Some(TERRAFORM.cookie_value.to_owned()),
        protocol_versions: Some(version.to_string()),
        client_cert: Some(cert.pem.clone()),
        socket_dir: Some(socket_dir.path().to_owned()),
    };
    let (sink, mut printed) = LineSink::new();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(go_plugin::serve_with(
        ServeOptions {
            handshake: TERRAFORM,
            versions: vec![6, 5],
            mode: Mode::Managed,
        },
        env,
        sink,
        move |negotiated| match negotiated {
            5 => proto5::routes(server),
            _ => proto6::routes(server),
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let printed = tokio::time::timeout(Duration::from_secs(10), printed.recv())
        .await
        .unwrap()
        .unwrap();
    let handshake = HandshakeLine::parse(&printed.line);
    assert_eq!(handshake.app_version, version.to_string());
    let tls = client_tls(handshake.cert_der(), Some(&cert), rustls::ALL_VERSIONS);
    let channel = channel(&handshake.path, Some(tls)).await.unwrap();
    Served {
        channel,
        backend,
        stop: Some(stop),
        task,
        _socket_dir: socket_dir,
    }
}

impl Served {
    async fn shut_down(mut self) {
        drop(self.stop.take());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
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

fn thing_type() -> Type {
    thing_schema().implied_type()
}

/// A test_thing configuration: every attribute, null where unset.
fn thing_config(name: &str, size: i64) -> Value {
    object(&[
        ("id", Value::Null),
        ("name", name.into()),
        ("size", Value::Number(size.into())),
        ("secret", "s3cret".into()),
        ("revision", Value::Null),
        ("labels", Value::Null),
        (
            "disk",
            Value::List(vec![object(&[
                ("size", Value::Number(10.into())),
                ("uuid", Value::Null),
            ])]),
        ),
    ])
}

fn encode(value: &Value, ty: &Type) -> Vec<u8> {
    cty::msgpack::encode(value, ty).unwrap()
}

/// Generates the same RPC tests for one protocol version; `$schema_rpc`, `$validate_resource`,
/// `$configure` and friends name the RPCs that differ between the two.
macro_rules! rpc_tests {
    (
        $module:ident, $pb:ident, $version:literal,
        get_schema = $get_schema:ident,
        validate_provider = $validate_provider:ident ($validate_provider_msg:ident),
        validate_resource = $validate_resource:ident ($validate_resource_msg:ident),
        validate_data_source = $validate_data_source:ident ($validate_data_source_msg:ident),
        configure = $configure:ident ($configure_msg:ident),
        stop = $stop:ident ($stop_msg:ident),
        nested_check = $nested_check:path,
        specific = $specific:path,
    ) => {
        mod $module {
            use super::*;
            use pb::provider_client::ProviderClient;
            use tfplugin_proto::$pb as pb;

            fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
                Some(pb::DynamicValue {
                    msgpack: encode(value, ty),
                    json: Vec::new(),
                })
            }

            fn decoded(value: Option<pb::DynamicValue>, ty: &Type) -> Value {
                let value = value.expect("a DynamicValue");
                assert!(value.json.is_empty(), "the SDK always answers in msgpack");
                cty::msgpack::decode(&value.msgpack, ty).unwrap()
            }

            fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
                diagnostics
                    .iter()
                    .filter(|diagnostic| {
                        diagnostic.severity == pb::diagnostic::Severity::Error as i32
                    })
                    .map(|diagnostic| format!("{}: {}", diagnostic.summary, diagnostic.detail))
                    .collect()
            }

            fn attribute_names(path: &Option<pb::AttributePath>) -> Vec<String> {
                use pb::attribute_path::step::Selector;
                path.iter()
                    .flat_map(|path| &path.steps)
                    .filter_map(|step| match &step.selector {
                        Some(Selector::AttributeName(name)) => Some(name.clone()),
                        Some(Selector::ElementKeyInt(index)) => Some(format!("[{index}]")),
                        Some(Selector::ElementKeyString(key)) => Some(format!("[{key:?}]")),
                        None => None,
                    })
                    .collect()
            }

            async fn client() -> (ProviderClient<Channel>, Served) {
                let served = serve($version).await;
                (ProviderClient::new(served.channel.clone()), served)
            }

            async fn configure(client: &mut ProviderClient<Channel>) {
                let response = client
                    .$configure(pb::$configure_msg::Request {
                        terraform_version: "1.0.3".into(),
                        config: dv(
                            &object(&[("region", "north".into())]),
                            &Type::object([("region", Type::String)]),
                        ),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&response.diagnostics), Vec::<String>::new());
            }

            /// Plans and applies a create, returning the new state and private bytes.
            async fn create(client: &mut ProviderClient<Channel>, name: &str) -> (Value, Vec<u8>) {
                let ty = thing_type();
                let config = thing_config(name, 1);
                let plan = client
                    .plan_resource_change(pb::plan_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&Value::Null, &ty),
                        proposed_new_state: dv(&config, &ty),
                        config: dv(&config, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&plan.diagnostics), Vec::<String>::new());
                let planned = decoded(plan.planned_state.clone(), &ty);
                let applied = client
                    .apply_resource_change(pb::apply_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&Value::Null, &ty),
                        planned_state: dv(&planned, &ty),
                        config: dv(&config, &ty),
                        planned_private: plan.planned_private,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&applied.diagnostics), Vec::<String>::new());
                (decoded(applied.new_state, &ty), applied.private)
            }

            #[tokio::test]
            async fn get_schema_and_metadata_describe_every_type() {
                let (mut client, served) = client().await;
                let schema = client
                    .$get_schema(pb::get_provider_schema::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                let thing = &schema.resource_schemas["test_thing"];
                assert_eq!(thing.version, 2);
                let block = thing.block.as_ref().unwrap();
                let secret = block
                    .attributes
                    .iter()
                    .find(|a| a.name == "secret")
                    .unwrap();
                assert!(secret.sensitive && secret.optional && !secret.required);
                let name = block.attributes.iter().find(|a| a.name == "name").unwrap();
                assert_eq!(Type::from_json(&name.r#type).unwrap(), Type::String);
                assert_eq!(block.block_types[0].type_name, "disk");
                assert!(schema.data_source_schemas.contains_key("test_echo"));
                assert!(schema.functions.contains_key("upper"));
                assert!(schema.server_capabilities.unwrap().plan_destroy);
                $nested_check(block, &schema.diagnostics);

                let metadata = client
                    .get_metadata(pb::get_metadata::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(metadata.resources[0].type_name, "test_thing");
                assert_eq!(metadata.data_sources[0].type_name, "test_echo");
                assert_eq!(metadata.functions[0].name, "upper");
                served.shut_down().await;
            }

            #[tokio::test]
            async fn validate_rpcs_report_attribute_paths_and_accept_unknowns() {
                let (mut client, served) = client().await;
                let provider_type = Type::object([("region", Type::String)]);
                let response = client
                    .$validate_provider(pb::$validate_provider_msg::Request {
                        config: dv(&object(&[("region", "east".into())]), &provider_type),
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(
                    attribute_names(&response.diagnostics[0].attribute),
                    ["region"]
                );
                assert!(response.diagnostics[0].detail.contains("`north`, `south`"));
                let response = client
                    .$validate_provider(pb::$validate_provider_msg::Request {
                        config: dv(&object(&[("region", "south".into())]), &provider_type),
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(
                    response.diagnostics[0].severity,
                    pb::diagnostic::Severity::Warning as i32
                );

                let ty = thing_type();
                let response = client
                    .$validate_resource(pb::$validate_resource_msg::Request {
                        type_name: "test_thing".into(),
                        config: dv(&thing_config("invalid", 1), &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(
                    attribute_names(&response.diagnostics[0].attribute),
                    ["name"]
                );
                let mut unknown = thing_config("ok", 1);
                if let Value::Object(attributes) = &mut unknown {
                    attributes.insert("size".into(), Value::unknown());
                    attributes.insert("disk".into(), Value::unknown());
                }
                let response = client
                    .$validate_resource(pb::$validate_resource_msg::Request {
                        type_name: "test_thing".into(),
                        config: dv(&unknown, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&response.diagnostics), Vec::<String>::new());
                let response = client
                    .$validate_resource(pb::$validate_resource_msg::Request {
                        type_name: "test_nothing".into(),
                        config: dv(&Value::Null, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(errors(&response.diagnostics)[0].contains("test_nothing"));

                let echo = Type::object([("input", Type::String), ("output", Type::String)]);
                let response = client
                    .$validate_data_source(pb::$validate_data_source_msg::Request {
                        type_name: "test_echo".into(),
                        config: dv(
                            &object(&[("input", Value::unknown()), ("output", Value::Null)]),
                            &echo,
                        ),
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&response.diagnostics), Vec::<String>::new());
                served.shut_down().await;
            }

            #[tokio::test]
            async fn a_resource_lives_through_create_read_update_import_and_delete() {
                let (mut client, served) = client().await;
                configure(&mut client).await;
                let ty = thing_type();

                // Create: unset computed attributes were planned unknown and are now known.
                let (state, private) = create(&mut client, "alpha").await;
                assert_eq!(state.attr("id"), Some(&Value::from("thing-0")));
                assert_eq!(state.attr("secret"), Some(&Value::from("s3cret")));
                assert!(state.is_wholly_known());
                assert!(
                    String::from_utf8_lossy(&private).contains("1.0.3"),
                    "private state kept"
                );

                // Read returns it, with its private state.
                let read = client
                    .read_resource(pb::read_resource::Request {
                        type_name: "test_thing".into(),
                        current_state: dv(&state, &ty),
                        private: private.clone(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(decoded(read.new_state, &ty), state);
                assert_eq!(read.private, private);

                // An update keeps the id (UseStateForUnknown) and recomputes the revision.
                let config = thing_config("alpha", 2);
                let mut proposed = config.clone();
                if let Value::Object(attributes) = &mut proposed {
                    for computed in ["id", "revision"] {
                        attributes.insert(computed.into(), state.attr(computed).unwrap().clone());
                    }
                    attributes.insert("disk".into(), state.attr("disk").unwrap().clone());
                }
                let plan = client
                    .plan_resource_change(pb::plan_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&state, &ty),
                        proposed_new_state: dv(&proposed, &ty),
                        config: dv(&config, &ty),
                        prior_private: private.clone(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(plan.requires_replace.is_empty());
                let planned = decoded(plan.planned_state, &ty);
                assert_eq!(planned.attr("id"), Some(&Value::from("thing-0")));
                assert!(!planned.attr("revision").unwrap().is_known());
                let updated = client
                    .apply_resource_change(pb::apply_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&state, &ty),
                        planned_state: dv(&planned, &ty),
                        config: dv(&config, &ty),
                        planned_private: plan.planned_private,
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                let updated_state = decoded(updated.new_state, &ty);
                assert_eq!(
                    updated_state.attr("revision"),
                    Some(&Value::Number(2.into()))
                );

                // A new name replaces the resource.
                let mut renamed = proposed.clone();
                if let Value::Object(attributes) = &mut renamed {
                    attributes.insert("name".into(), "beta".into());
                }
                let plan = client
                    .plan_resource_change(pb::plan_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&updated_state, &ty),
                        proposed_new_state: dv(&renamed, &ty),
                        config: dv(&thing_config("beta", 2), &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(
                    attribute_names(&plan.requires_replace.first().cloned()),
                    ["name"]
                );

                // Import by id: Terraform then reads the rest.
                let imported = client
                    .import_resource_state(pb::import_resource_state::Request {
                        type_name: "test_thing".into(),
                        id: "thing-0".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                let object = &imported.imported_resources[0];
                assert_eq!(object.type_name, "test_thing");
                let imported_state = decoded(object.state.clone(), &ty);
                assert_eq!(imported_state.attr("id"), Some(&Value::from("thing-0")));
                assert_eq!(imported_state.attr("name"), Some(&Value::Null));
                let missing = client
                    .import_resource_state(pb::import_resource_state::Request {
                        type_name: "test_thing".into(),
                        id: "thing-404".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(missing.imported_resources.is_empty());
                assert!(!errors(&missing.diagnostics).is_empty());

                // Destroy: Terraform ≥ 1.3 plans it, then applies a null plan.
                let plan = client
                    .plan_resource_change(pb::plan_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&updated_state, &ty),
                        proposed_new_state: dv(&Value::Null, &ty),
                        config: dv(&Value::Null, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(decoded(plan.planned_state, &ty), Value::Null);
                let deleted = client
                    .apply_resource_change(pb::apply_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&updated_state, &ty),
                        planned_state: dv(&Value::Null, &ty),
                        config: dv(&Value::Null, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(decoded(deleted.new_state, &ty), Value::Null);
                assert!(served.backend.objects.lock().unwrap().is_empty());

                // Read of a deleted object: null means gone.
                let gone = client
                    .read_resource(pb::read_resource::Request {
                        type_name: "test_thing".into(),
                        current_state: dv(&updated_state, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(decoded(gone.new_state, &ty), Value::Null);
                served.shut_down().await;
            }

            #[tokio::test]
            async fn upgrade_resource_state_handles_current_older_and_newer_versions() {
                let (mut client, served) = client().await;
                let ty = thing_type();
                let upgrade = |version: i64, json: &str| pb::upgrade_resource_state::Request {
                    type_name: "test_thing".into(),
                    version,
                    raw_state: Some(pb::RawState {
                        json: json.as_bytes().to_vec(),
                        flatmap: Default::default(),
                    }),
                };
                // Same version: decoded as is; attributes no longer in the schema are dropped.
                let current = client
                    .upgrade_resource_state(upgrade(
                        2,
                        r#"{"id":"t-1","name":"a","removed_long_ago":1,"disk":[]}"#,
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                let state = decoded(current.upgraded_state, &ty);
                assert_eq!(state.attr("name"), Some(&Value::from("a")));
                // Older: the resource migrates it.
                let older = client
                    .upgrade_resource_state(upgrade(1, r#"{"id":"t-1","title":"old name"}"#))
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&older.diagnostics), Vec::<String>::new());
                assert_eq!(
                    decoded(older.upgraded_state, &ty).attr("name"),
                    Some(&Value::from("old name"))
                );
                // Newer: refused with a clear message.
                let newer = client
                    .upgrade_resource_state(upgrade(3, "{}"))
                    .await
                    .unwrap()
                    .into_inner();
                assert!(errors(&newer.diagnostics)[0].contains("newer provider"));
                served.shut_down().await;
            }

            #[tokio::test]
            async fn data_sources_and_functions_answer() {
                let (mut client, served) = client().await;
                let echo = Type::object([("input", Type::String), ("output", Type::String)]);
                let read = client
                    .read_data_source(pb::read_data_source::Request {
                        type_name: "test_echo".into(),
                        config: dv(
                            &object(&[("input", "hi".into()), ("output", Value::Null)]),
                            &echo,
                        ),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(
                    decoded(read.state, &echo).attr("output"),
                    Some(&Value::from("hi"))
                );

                let functions = client
                    .get_functions(pb::get_functions::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                let upper = &functions.functions["upper"];
                assert_eq!(upper.parameters[0].name, "text");
                let call = |text: &str| pb::call_function::Request {
                    name: "upper".into(),
                    arguments: vec![dv(&text.into(), &Type::String).unwrap()],
                };
                let result = client
                    .call_function(call("hello"))
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(decoded(result.result, &Type::String), Value::from("HELLO"));
                let failed = client
                    .call_function(call("boom"))
                    .await
                    .unwrap()
                    .into_inner();
                let error = failed.error.unwrap();
                assert_eq!(error.function_argument, Some(0));
                assert!(error.text.contains("boom"));
                served.shut_down().await;
            }

            #[tokio::test]
            async fn panics_become_diagnostics_and_the_plugin_keeps_serving() {
                let (mut client, served) = client().await;
                let response = client
                    .$configure(pb::$configure_msg::Request {
                        terraform_version: "1.0.3".into(),
                        config: dv(
                            &object(&[("region", "panic".into())]),
                            &Type::object([("region", Type::String)]),
                        ),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(errors(&response.diagnostics)[0].contains("configure exploded"));
                configure(&mut client).await;
                let ty = thing_type();
                let config = thing_config("panic", 1);
                let applied = client
                    .apply_resource_change(pb::apply_resource_change::Request {
                        type_name: "test_thing".into(),
                        prior_state: dv(&Value::Null, &ty),
                        planned_state: dv(&config, &ty),
                        config: dv(&config, &ty),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(errors(&applied.diagnostics)[0].contains("create exploded"));
                let (state, _) = create(&mut client, "after-the-panic").await;
                assert!(state.is_wholly_known());
                served.shut_down().await;
            }

            #[tokio::test]
            async fn stop_cancels_work_in_flight() {
                let (mut client, served) = client().await;
                configure(&mut client).await;
                let ty = thing_type();
                let config = thing_config("slow", 1);
                let mut creating = client.clone();
                let (config_for_task, ty_for_task) = (config.clone(), ty.clone());
                let slow = tokio::spawn(async move {
                    creating
                        .apply_resource_change(pb::apply_resource_change::Request {
                            type_name: "test_thing".into(),
                            prior_state: dv(&Value::Null, &ty_for_task),
                            planned_state: dv(&config_for_task, &ty_for_task),
                            config: dv(&config_for_task, &ty_for_task),
                            ..Default::default()
                        })
                        .await
                        .unwrap()
                        .into_inner()
                });
                tokio::time::sleep(Duration::from_millis(200)).await;
                assert!(!slow.is_finished(), "the create waits for the stop signal");
                let stopped = client
                    .$stop(pb::$stop_msg::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(stopped.error, "");
                let applied = tokio::time::timeout(Duration::from_secs(5), slow)
                    .await
                    .unwrap()
                    .unwrap();
                assert!(errors(&applied.diagnostics)[0].contains("stopped"));
                served.shut_down().await;
            }

            #[tokio::test]
            async fn newer_rpcs_answer_with_unsupported_diagnostics() {
                let (mut client, served) = client().await;
                let moved = client
                    .move_resource_state(pb::move_resource_state::Request {
                        source_type_name: "other_thing".into(),
                        target_type_name: "test_thing".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert!(errors(&moved.diagnostics)[0].contains("other_thing"));
                let generated = client
                    .generate_resource_config(pb::generate_resource_config::Request {
                        type_name: "test_thing".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&generated.diagnostics).len(), 1);
                let identities = client
                    .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
                    .await
                    .unwrap()
                    .into_inner();
                assert!(
                    identities.identity_schemas.is_empty() && identities.diagnostics.is_empty()
                );
                let identity = client
                    .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
                        type_name: "test_thing".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                assert_eq!(errors(&identity.diagnostics).len(), 1);

                let unsupported = |kind: &str, diagnostics: &[pb::Diagnostic]| {
                    let errors = errors(diagnostics);
                    assert_eq!(errors.len(), 1, "{kind}: {errors:?}");
                    assert!(errors[0].contains("test_x"), "{kind}: {errors:?}");
                };
                let r = client
                    .validate_ephemeral_resource_config(
                        pb::validate_ephemeral_resource_config::Request {
                            type_name: "test_x".into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("validate ephemeral", &r.diagnostics);
                let r = client
                    .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("open ephemeral", &r.diagnostics);
                let r = client
                    .renew_ephemeral_resource(pb::renew_ephemeral_resource::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("renew ephemeral", &r.diagnostics);
                let r = client
                    .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("close ephemeral", &r.diagnostics);
                let r = client
                    .validate_list_resource_config(pb::validate_list_resource_config::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("validate list", &r.diagnostics);
                let mut events = client
                    .list_resource(pb::list_resource::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                let event = events.message().await.unwrap().unwrap();
                unsupported("list", &event.diagnostic);
                assert!(events.message().await.unwrap().is_none());
                let r = client
                    .plan_action(pb::plan_action::Request {
                        action_type: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("plan action", &r.diagnostics);
                let mut events = client
                    .invoke_action(pb::invoke_action::Request {
                        action_type: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                let Some(pb::invoke_action::event::Type::Completed(completed)) =
                    events.message().await.unwrap().unwrap().r#type
                else {
                    panic!("a completed event");
                };
                unsupported("invoke action", &completed.diagnostics);
                let r = client
                    .validate_action_config(pb::validate_action_config::Request {
                        type_name: "test_x".into(),
                        ..Default::default()
                    })
                    .await
                    .unwrap()
                    .into_inner();
                unsupported("validate action", &r.diagnostics);
                $specific(&mut client).await;
                served.shut_down().await;
            }
        }
    };
}

rpc_tests!(
    v6,
    tfplugin6,
    6,
    get_schema = get_provider_schema,
    validate_provider = validate_provider_config(validate_provider_config),
    validate_resource = validate_resource_config(validate_resource_config),
    validate_data_source = validate_data_resource_config(validate_data_resource_config),
    configure = configure_provider(configure_provider),
    stop = stop_provider(stop_provider),
    nested_check = super::check_nested_attributes_v6,
    specific = super::state_store_rpcs_v6,
);

rpc_tests!(
    v5,
    tfplugin5,
    5,
    get_schema = get_schema,
    validate_provider = prepare_provider_config(prepare_provider_config),
    validate_resource = validate_resource_type_config(validate_resource_type_config),
    validate_data_source = validate_data_source_config(validate_data_source_config),
    configure = configure(configure),
    stop = stop(stop),
    nested_check = super::check_nested_attributes_v5,
    specific = super::no_more_rpcs_in_v5,
);

/// Protocol 6 carries nested attributes as `nested_type`.
fn check_nested_attributes_v6(
    block: &tfplugin_proto::tfplugin6::schema::Block,
    diagnostics: &[tfplugin_proto::tfplugin6::Diagnostic],
) {
    let labels = block
        .attributes
        .iter()
        .find(|a| a.name == "labels")
        .unwrap();
    let nested = labels.nested_type.as_ref().unwrap();
    assert_eq!(nested.attributes[0].name, "key");
    assert!(labels.r#type.is_empty());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

/// Protocol 5 cannot express nested attributes: the schema says so instead of changing meaning.
fn check_nested_attributes_v5(
    _block: &tfplugin_proto::tfplugin5::schema::Block,
    diagnostics: &[tfplugin_proto::tfplugin5::Diagnostic],
) {
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].detail.contains("labels"), "{diagnostics:?}");
}

/// Protocol 6's state-store RPCs: this provider offers no state store.
async fn state_store_rpcs_v6(
    client: &mut tfplugin_proto::tfplugin6::provider_client::ProviderClient<Channel>,
) {
    use tfplugin_proto::tfplugin6 as pb;
    let named = |diagnostics: &[pb::Diagnostic]| {
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(
            diagnostics[0].detail.contains("test_store"),
            "{diagnostics:?}"
        );
    };
    let r = client
        .validate_state_store_config(pb::validate_state_store::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let r = client
        .configure_state_store(pb::configure_state_store::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let mut chunks = client
        .read_state_bytes(pb::read_state_bytes::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&chunks.message().await.unwrap().unwrap().diagnostics);
    let chunk = pb::write_state_bytes::RequestChunk {
        meta: Some(pb::RequestChunkMeta {
            type_name: "test_store".into(),
            state_id: "default".into(),
        }),
        ..Default::default()
    };
    let r = client
        .write_state_bytes(futures_util::stream::iter([chunk]))
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let r = client
        .lock_state(pb::lock_state::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let r = client
        .unlock_state(pb::unlock_state::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let r = client
        .get_states(pb::get_states::Request {
            type_name: "test_store".into(),
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
    let r = client
        .delete_state(pb::delete_state::Request {
            type_name: "test_store".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    named(&r.diagnostics);
}

/// Protocol 5 has no state-store RPCs.
async fn no_more_rpcs_in_v5(
    _client: &mut tfplugin_proto::tfplugin5::provider_client::ProviderClient<Channel>,
) {
}
