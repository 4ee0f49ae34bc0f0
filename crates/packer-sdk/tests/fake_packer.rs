#![allow(clippy::unwrap_used)]
//! A fake Packer, written on packer-rpc's client side (yamux client, broker, net/rpc), drives a
//! test builder and post-processor served in-process by `serve_connection` through the
//! sequence Packer 1.6.6 was observed to use (reference §4.7), checking the bytes where the
//! reference gives them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hcl_spec::{CtyType, GobFlavor, ObjectSpec};
use packer_rpc::netrpc::{CallError, Client, Request, Server, Value};
use packer_rpc::{Broker, Session};
use packer_sdk::{
    Artifact, Builder, CancellationToken, Component, ConfigError, Hook, NO_COMMUNICATOR,
    PostProcessed, PostProcessor, Prepared, RawConfigs, RemoteArtifact, ServeOptions, SpecEncoding,
    Ui, async_trait, serve_connection, with_packer_keys,
};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use tokio::time::timeout;

/// Generous for a loaded box; a deadlock fails instead of hanging.
const LIMIT: Duration = Duration::from_secs(30);

// ------------------------------------------------------------------ the components under test

#[derive(Debug, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct Disk {
    disk_size: u64,
}

#[derive(Debug, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct TestConfig {
    name: String,
    count: u32,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    storage: Vec<Disk>,
    #[serde(default)]
    wait_for_cancel: bool,
    #[serde(default)]
    block_in_hook: bool,
}

#[derive(Default)]
struct TestBuilder {
    config: Mutex<Option<(TestConfig, packer_sdk::PackerConfig)>>,
    saw_cancel: Notify,
    cancelled: Mutex<bool>,
}

fn spec() -> ObjectSpec {
    ObjectSpec::new()
        .attr("name", CtyType::String)
        .attr("count", CtyType::Number)
        .attr("enabled", CtyType::Bool)
        .attr("wait_for_cancel", CtyType::Bool)
        .block_list(
            "storage",
            ObjectSpec::new().attr("disk_size", CtyType::Number),
        )
}

#[async_trait]
impl Builder for TestBuilder {
    fn config_spec(&self) -> ObjectSpec {
        spec()
    }

    async fn prepare(&self, configs: &RawConfigs) -> Result<Prepared, ConfigError> {
        let config: TestConfig = configs.decode()?;
        *self.config.lock().unwrap() = Some((config, configs.packer().clone()));
        Ok(Prepared {
            generated_vars: vec!["Foo".into()],
            warnings: vec!["careful".into()],
        })
    }

    async fn run(
        &self,
        ui: &Ui,
        hook: &Hook,
        cancel: CancellationToken,
    ) -> Result<Option<Arc<dyn Artifact>>, String> {
        let (config, _) = self.config.lock().unwrap().clone().unwrap();
        if config.wait_for_cancel {
            ui.say("waiting for cancel").await;
            cancel.cancelled().await;
            *self.cancelled.lock().unwrap() = true;
            self.saw_cancel.notify_one();
            return Err("build cancelled".into());
        }
        ui.say(format!("hello {}", config.name)).await;
        ui.message("a message").await;
        ui.error("an error").await;
        ui.machine("artifact", &["0", "id", "vm-1"]).await;
        let progress = ui.track_progress("disk.vmdk", 100).await;
        progress.add(40).await;
        progress.close().await;
        let mut data = serde_json::Map::new();
        if config.block_in_hook {
            data.insert("block".into(), true.into());
        }
        data.insert("ID".into(), "vm-1".into());
        data.insert("Foo".into(), "bar".into());
        hook.run("packer_provision", data, None, &cancel).await?;
        Ok(Some(Arc::new(TestArtifact { id: "vm-1".into() })))
    }
}

struct TestArtifact {
    id: String,
}

#[async_trait]
impl Artifact for TestArtifact {
    fn builder_id(&self) -> String {
        "photon-iac.test".into()
    }
    fn id(&self) -> String {
        self.id.clone()
    }
    fn string(&self) -> String {
        format!("VM: {}", self.id)
    }
    fn files(&self) -> Vec<String> {
        vec!["a.ovf".into()]
    }
    fn state(&self, key: &str) -> Option<serde_json::Value> {
        (key == "generated_data").then(|| serde_json::json!({"ID": self.id, "Count": 3}))
    }
    async fn destroy(&self) -> Result<(), String> {
        Err(format!("cannot destroy {}", self.id))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PpConfig {
    target: String,
    #[serde(default)]
    fail: bool,
}

#[derive(Default)]
struct TestPostProcessor {
    configured: Mutex<Vec<(String, bool)>>,
    fail: Mutex<bool>,
}

#[async_trait]
impl PostProcessor for TestPostProcessor {
    fn config_spec(&self) -> ObjectSpec {
        ObjectSpec::new().attr("target", CtyType::String)
    }

    async fn configure(&self, configs: &RawConfigs) -> Result<(), ConfigError> {
        let config: PpConfig = configs.decode()?;
        *self.fail.lock().unwrap() = config.fail;
        self.configured
            .lock()
            .unwrap()
            .push((config.target, configs.has_unknowns()));
        Ok(())
    }

    async fn post_process(
        &self,
        ui: &Ui,
        input: &RemoteArtifact,
        _cancel: CancellationToken,
    ) -> Result<PostProcessed, String> {
        let builder_id = input.builder_id().await?;
        let id = input.id().await?;
        let files = input.files().await?;
        let data = input.state("generated_data").await?;
        let missing = input.state("nope").await?;
        ui.say(format!(
            "input {builder_id} {id} {files:?} {} {missing:?}",
            data.unwrap()
        ))
        .await;
        if *self.fail.lock().unwrap() {
            return Err("boom".into());
        }
        Ok(PostProcessed {
            artifact: Some(Arc::new(TestArtifact {
                id: format!("template-of-{id}"),
            })),
            keep: true,
            force_override: true,
        })
    }
}

// ------------------------------------------------------------------ the fake Packer

struct FakePacker {
    session: Session,
    broker: Broker,
    events: Arc<Mutex<Vec<String>>>,
    event: Arc<Notify>,
    hook_cancelled: Arc<Notify>,
}

impl FakePacker {
    /// Connects to a freshly served component, like Packer after the handshake line.
    fn start(component: Component, encoding: SpecEncoding) -> Self {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        tokio::spawn(serve_connection(
            ours,
            component,
            ServeOptions {
                spec_encoding: encoding,
            },
        ));
        let (session, incoming) = Session::client(theirs);
        let broker = Broker::new(session.clone(), incoming);
        Self {
            session,
            broker,
            events: Arc::default(),
            event: Arc::default(),
            hook_cancelled: Arc::default(),
        }
    }

    async fn main_client(&self) -> Client {
        Client::new(self.broker.dial(0).await.unwrap())
    }

    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Packer's Ui (+ Hook, + an input artifact) served on a fresh broker id, like the
    /// arguments of Builder.Run / PostProcessor.PostProcess.
    fn serve_ui(&self, input_artifact: Option<Client>) -> u32 {
        let id = self.broker.next_id();
        let server = Server::new();
        let events = self.events.clone();
        let event = self.event.clone();
        let registry = server.clone();
        server.register_fn("Ui", move |request: Request| {
            let events = events.clone();
            let event = event.clone();
            let registry = registry.clone();
            async move {
                events
                    .lock()
                    .unwrap()
                    .push(format!("Ui.{} {}", request.method, request.args));
                event.notify_waiters();
                if request.method == "NewTrackProgress" {
                    let tracker = format!(
                        "{}Ab12Cd",
                        request.args.get("Src").unwrap().as_str().unwrap()
                    );
                    let events = events.clone();
                    let name = format!("Ui{tracker}");
                    registry.register_fn(name.clone(), move |request: Request| {
                        events
                            .lock()
                            .unwrap()
                            .push(format!("{}.{} {}", name, request.method, request.args));
                        async { Ok(Value::Nil) }
                    });
                    return Ok(Value::Str(tracker));
                }
                Ok(Value::Nil)
            }
        });
        let events = self.events.clone();
        let broker = self.broker.clone();
        let event = self.event.clone();
        let hook_cancelled = self.hook_cancelled.clone();
        server.register_fn("Hook", move |request: Request| {
            let events = events.clone();
            let broker = broker.clone();
            let event = event.clone();
            let hook_cancelled = hook_cancelled.clone();
            async move {
                if request.method == "Cancel" {
                    events.lock().unwrap().push("Hook.Cancel".into());
                    hook_cancelled.notify_one();
                    return Ok(Value::Nil);
                }
                if request.args.get("Data").unwrap().get("block").is_some() {
                    // Provisioners that run until Packer cancels them.
                    let _stream = broker
                        .dial(request.args.get("StreamId").unwrap().as_u32().unwrap())
                        .await
                        .unwrap();
                    events.lock().unwrap().push("Hook.Run blocking".into());
                    event.notify_waiters();
                    hook_cancelled.notified().await;
                    return Err("provisioning cancelled".into());
                }
                let stream_id = request.args.get("StreamId").unwrap().as_u32().unwrap();
                events.lock().unwrap().push(format!(
                    "Hook.Run {} {}",
                    request.args.get("Name").unwrap(),
                    request.args.get("Data").unwrap()
                ));
                // Packer dials the plugin's stream at once; provisioners talk through it.
                let provisioner = Client::new(broker.dial(stream_id).await.unwrap());
                provisioner
                    .call("Ui.Say", Value::from("provisioner output"))
                    .await
                    .unwrap();
                let tracker = provisioner
                    .call(
                        "Ui.NewTrackProgress",
                        Value::record([
                            ("Src", Value::from("upload")),
                            ("TotalSize", Value::Int(10)),
                            ("CurrentSize", Value::Int(0)),
                        ]),
                    )
                    .await
                    .unwrap();
                provisioner
                    .call(
                        &format!("Ui{}.Add", tracker.as_str().unwrap()),
                        Value::Int(5),
                    )
                    .await
                    .unwrap();
                let refused = provisioner
                    .call(
                        "Communicator.Start",
                        Value::record([("Command", Value::from("uname"))]),
                    )
                    .await;
                match refused {
                    Err(CallError::Server(text)) => {
                        events.lock().unwrap().push(format!("Communicator: {text}"));
                    }
                    other => panic!("communicator answered {other:?}"),
                }
                Ok(Value::Nil)
            }
        });
        if let Some(artifact) = input_artifact {
            // Packer proxies the builder's artifact to the post-processor.
            server.register_fn("Artifact", move |request: Request| {
                let artifact = artifact.clone();
                async move {
                    artifact
                        .call(&format!("Artifact.{}", request.method), request.args)
                        .await
                        .map_err(|e| e.to_string())
                }
            });
        }
        let broker = self.broker.clone();
        tokio::spawn(async move {
            let stream = broker.accept(id).await.unwrap();
            let _ = server.serve(stream).await;
        });
        id
    }
}

fn packer_str(s: &str) -> Vec<u8> {
    // fixstr / str8, the only sizes these tests use.
    let mut out = if s.len() < 32 {
        vec![0xa0 | s.len() as u8]
    } else {
        vec![0xd9, s.len() as u8]
    };
    out.extend_from_slice(s.as_bytes());
    out
}

fn msgpack_bin(b: &[u8]) -> Vec<u8> {
    let mut out = if b.len() < 256 {
        vec![0xc4, b.len() as u8]
    } else {
        let mut v = vec![0xc5];
        v.extend_from_slice(&(b.len() as u16).to_be_bytes());
        v
    };
    out.extend_from_slice(b);
    out
}

/// Sends `Builder.ConfigSpec` as raw bytes (reference A.1) on a raw main stream and checks the
/// reply bytes: header `{ServiceMethod, Seq, Error: ""}` then `{ConfigSpec: bin}`.
async fn raw_config_spec(packer: &FakePacker, service: &str, expected_spec: &[u8]) -> Client {
    let mut main = packer.broker.dial(0).await.unwrap();
    let method = format!("{service}.ConfigSpec");
    let mut request = vec![0x82];
    request.extend(packer_str("ServiceMethod"));
    request.extend(packer_str(&method));
    request.extend(packer_str("Seq"));
    request.extend([0x00, 0xc0]);
    main.write_all(&request).await.unwrap();
    let mut want = vec![0x83];
    want.extend(packer_str("ServiceMethod"));
    want.extend(packer_str(&method));
    want.extend(packer_str("Seq"));
    want.push(0x00);
    want.extend(packer_str("Error"));
    want.push(0xa0);
    want.push(0x81);
    want.extend(packer_str("ConfigSpec"));
    want.extend(msgpack_bin(expected_spec));
    let mut got = vec![0u8; want.len()];
    main.read_exact(&mut got).await.unwrap();
    assert_eq!(got, want);
    Client::new(main)
}

fn json_prepare_args(count: Value) -> Value {
    Value::record([(
        "Configs",
        Value::Array(vec![
            Value::record([
                ("name", Value::from("web")),
                ("count", count),
                ("enabled", Value::Bool(true)),
                (
                    "storage",
                    Value::Array(vec![Value::record([("disk_size", Value::F64(10.0))])]),
                ),
            ]),
            Value::record([
                ("packer_build_name", Value::from("web")),
                ("packer_builder_type", Value::from("photon-test")),
                ("packer_core_version", Value::from("1.6.6")),
                ("packer_debug", Value::Bool(true)),
                ("packer_force", Value::Bool(false)),
                ("packer_on_error", Value::from("")),
                ("packer_template_path", Value::from("/tmp/t.json")),
                (
                    "packer_user_variables",
                    Value::Map(vec![(Value::from(""), Value::from(""))]),
                ),
            ]),
        ]),
    )])
}

fn hcl_prepare_args(cty: &str) -> Value {
    Value::record([(
        "Configs",
        Value::Array(vec![
            Value::record([
                ("packer_build_name", Value::from("web")),
                ("packer_builder_type", Value::from("photon-test")),
                ("packer_debug", Value::from("false")),
                ("packer_force", Value::from("true")),
                ("packer_on_error", Value::from("")),
            ]),
            Value::Bin(cty.as_bytes().to_vec()),
        ]),
    )])
}

const CTY_OK: &str = r#"{"value":{"count":3,"enabled":null,"name":"web","storage":[{"disk_size":10},{"disk_size":20}],"wait_for_cancel":null},"type":["object",{"count":"number","enabled":"bool","name":"string","storage":["list",["object",{"disk_size":"number"}]],"wait_for_cancel":"bool"}]}"#;

fn prepare_error(reply: &Value) -> Option<String> {
    match reply.get("Error").unwrap() {
        Value::Nil => None,
        error => Some(error.get("Message").unwrap().as_str().unwrap().to_owned()),
    }
}

// ------------------------------------------------------------------ tests

#[tokio::test]
async fn builder_full_sequence_json_template() {
    timeout(LIMIT, async {
        let builder = Arc::new(TestBuilder::default());
        let packer = FakePacker::start(
            Component::Builder(builder.clone()),
            SpecEncoding::Gob(GobFlavor::Debian166),
        );
        let expected =
            hcl_spec::encode_gob(&with_packer_keys(spec()), GobFlavor::Debian166).unwrap();
        let main = raw_config_spec(&packer, "Builder", &expected).await;

        // JSON template: numbers are float64, packer_debug a bool, a spurious "" user variable.
        let reply = main
            .call("Builder.Prepare", json_prepare_args(Value::F64(3.0)))
            .await
            .unwrap();
        assert_eq!(prepare_error(&reply), None);
        assert_eq!(
            reply.get("GeneratedVars").unwrap(),
            &Value::strings(["Foo"])
        );
        assert_eq!(reply.get("Warnings").unwrap(), &Value::strings(["careful"]));
        let (config, packer_config) = builder.config.lock().unwrap().clone().unwrap();
        assert_eq!(config.count, 3);
        assert!(config.enabled);
        assert_eq!(config.storage, vec![Disk { disk_size: 10 }]);
        assert!(packer_config.debug && !packer_config.force);
        assert_eq!(packer_config.core_version.as_deref(), Some("1.6.6"));
        assert_eq!(packer_config.build_name, "web");

        let ui_id = packer.serve_ui(None);
        assert_eq!(ui_id, 1);
        let artifact_id = main
            .call("Builder.Run", Value::Uint(u64::from(ui_id)))
            .await
            .unwrap()
            .as_u32()
            .unwrap();
        assert_ne!(artifact_id, 0);
        let events = packer.events();
        let expected_events = [
            "Ui.Say \"hello web\"",
            "Ui.Message \"a message\"",
            "Ui.Error \"an error\"",
            "Ui.Machine {\"Category\":\"artifact\" \"Args\":[\"0\" \"id\" \"vm-1\"]}",
        ];
        for (i, want) in expected_events.iter().enumerate() {
            assert_eq!(&events[i], want, "{events:#?}");
        }
        let joined = events.join("\n");
        assert!(joined.contains("Ui.NewTrackProgress"), "{joined}");
        assert!(joined.contains("Uidisk.vmdkAb12Cd.Add 40"), "{joined}");
        assert!(joined.contains("Uidisk.vmdkAb12Cd.Close"), "{joined}");
        assert!(joined.contains("Hook.Run \"packer_provision\""), "{joined}");
        assert!(
            joined.contains("\"Foo\"") && joined.contains("\"vm-1\""),
            "{joined}"
        );
        // Provisioner output on the plugin's hook stream reached Packer's Ui, progress included.
        assert!(joined.contains("Ui.Say \"provisioner output\""), "{joined}");
        assert!(joined.contains("UiuploadAb12Cd.Add 5"), "{joined}");
        assert!(
            joined.contains(&format!("Communicator: {NO_COMMUNICATOR}")),
            "{joined}"
        );

        // The artifact, as Packer queries it at the end of a build.
        let artifact = Client::new(packer.broker.dial(artifact_id).await.unwrap());
        let call = |m: &'static str, a: Value| {
            let artifact = artifact.clone();
            async move { artifact.call(m, a).await }
        };
        assert_eq!(
            call("Artifact.BuilderId", Value::Nil).await.unwrap(),
            Value::from("photon-iac.test")
        );
        assert_eq!(
            call("Artifact.Id", Value::Nil).await.unwrap(),
            Value::from("vm-1")
        );
        assert_eq!(
            call("Artifact.String", Value::Nil).await.unwrap(),
            Value::from("VM: vm-1")
        );
        assert_eq!(
            call("Artifact.Files", Value::Nil).await.unwrap(),
            Value::strings(["a.ovf"])
        );
        let data = call("Artifact.State", Value::from("generated_data"))
            .await
            .unwrap();
        assert_eq!(data.get("ID"), Some(&Value::from("vm-1")));
        assert_eq!(data.get("Count"), Some(&Value::Int(3)));
        assert_eq!(
            call("Artifact.State", Value::from("other")).await.unwrap(),
            Value::Nil
        );
        match call("Artifact.Destroy", Value::Nil).await {
            Err(CallError::Server(text)) => assert_eq!(text, "cannot destroy vm-1"),
            other => panic!("Destroy answered {other:?}"),
        }
        match call("Artifact.Nope", Value::Nil).await {
            Err(CallError::Server(text)) => assert!(text.contains("can't find method"), "{text}"),
            other => panic!("{other:?}"),
        }
        packer.session.close().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn builder_prepare_hcl2_payload_and_protobuf_spec() {
    timeout(LIMIT, async {
        let builder = Arc::new(TestBuilder::default());
        let packer = FakePacker::start(Component::Builder(builder.clone()), SpecEncoding::Protobuf);
        let main = packer.main_client().await;
        let reply = main.call("Builder.ConfigSpec", Value::Nil).await.unwrap();
        let bytes = reply
            .get("ConfigSpec")
            .unwrap()
            .as_bytes()
            .unwrap()
            .to_vec();
        assert!(matches!(reply.get("ConfigSpec"), Some(Value::Bin(_))));
        assert_eq!(
            hcl_spec::decode_protobuf(&bytes).unwrap(),
            with_packer_keys(spec())
        );

        let reply = main
            .call("Builder.Prepare", hcl_prepare_args(CTY_OK))
            .await
            .unwrap();
        assert_eq!(prepare_error(&reply), None);
        let (config, packer_config) = builder.config.lock().unwrap().clone().unwrap();
        assert_eq!(config.count, 3);
        assert!(!config.enabled, "cty null = absent = default");
        assert_eq!(config.storage.len(), 2);
        // HCL2 sends packer_debug/packer_force as strings.
        assert!(!packer_config.debug && packer_config.force);
        assert_eq!(packer_config.core_version, None);
        packer.session.close().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn builder_config_errors_name_the_key_in_prepare_error() {
    timeout(LIMIT, async {
        let packer = FakePacker::start(
            Component::Builder(Arc::new(TestBuilder::default())),
            SpecEncoding::Gob(GobFlavor::Upstream),
        );
        let main = packer.main_client().await;
        let cases = [
            (json_prepare_args(Value::from("x")), "count: expected an integer, got \"x\""),
            (json_prepare_args(Value::F64(2.5)), "count: expected an integer, got 2.5"),
            (
                hcl_prepare_args(r#"{"value":{"name":"w","count":1,"colour":"red"},"type":"dynamic"}"#),
                "colour: unknown configuration key",
            ),
            (
                hcl_prepare_args(r#"{"value":{"count":1},"type":"dynamic"}"#),
                "name: required key is missing",
            ),
            (
                hcl_prepare_args(
                    r#"{"value":{"name":"w","count":1,"storage":[{"disk_size":1},{"disk_size":"big"}]},"type":"dynamic"}"#,
                ),
                "storage[1].disk_size: expected an integer, got \"big\"",
            ),
            (
                hcl_prepare_args(r#"{"value":{"name":"w","count":1,"storage":[{"size":1}]},"type":"dynamic"}"#),
                "storage[0].size: unknown configuration key",
            ),
            (
                hcl_prepare_args("not json"),
                "malformed cty JSON",
            ),
            (Value::record([("Configs", Value::from("nope"))]), "Configs is not a list"),
        ];
        for (args, want) in cases {
            let reply = main.call("Builder.Prepare", args).await.unwrap();
            let message = prepare_error(&reply).unwrap_or_default();
            assert!(message.contains(want), "{message:?} should contain {want:?}");
            assert_eq!(reply.get("GeneratedVars"), Some(&Value::Nil));
        }
        // A Run argument that is no broker id is an RPC error, not a crash.
        match main.call("Builder.Run", Value::from("x")).await {
            Err(CallError::Server(text)) => assert!(text.contains("broker id"), "{text}"),
            other => panic!("{other:?}"),
        }
        // Cancel without a Run is a no-op.
        assert_eq!(main.call("Builder.Cancel", Value::Nil).await.unwrap(), Value::Nil);
        packer.session.close().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn builder_cancel_during_run_fires_the_token_and_run_still_returns() {
    timeout(LIMIT, async {
        let builder = Arc::new(TestBuilder::default());
        let packer = FakePacker::start(
            Component::Builder(builder.clone()),
            SpecEncoding::Gob(GobFlavor::Debian166),
        );
        let main = packer.main_client().await;
        let cty = r#"{"value":{"name":"w","count":1,"wait_for_cancel":true},"type":"dynamic"}"#;
        let reply = main
            .call("Builder.Prepare", hcl_prepare_args(cty))
            .await
            .unwrap();
        assert_eq!(prepare_error(&reply), None);
        let ui_id = packer.serve_ui(None);
        let said = packer.event.notified();
        let run = tokio::spawn({
            let main = main.clone();
            async move {
                main.call("Builder.Run", Value::Uint(u64::from(ui_id)))
                    .await
            }
        });
        said.await;
        assert_eq!(
            packer.events(),
            vec!["Ui.Say \"waiting for cancel\"".to_owned()]
        );
        // Cancel arrives on the main stream while Run is outstanding.
        assert_eq!(
            main.call("Builder.Cancel", Value::Nil).await.unwrap(),
            Value::Nil
        );
        match run.await.unwrap() {
            Err(CallError::Server(text)) => assert_eq!(text, "build cancelled"),
            other => panic!("Run answered {other:?}"),
        }
        assert!(*builder.cancelled.lock().unwrap());
        packer.session.close().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn post_processor_sequence_with_a_proxied_artifact() {
    timeout(LIMIT, async {
        // The builder process, whose artifact Packer proxies to the post-processor.
        let builder = FakePacker::start(
            Component::Builder(Arc::new(TestBuilder::default())),
            SpecEncoding::Gob(GobFlavor::Debian166),
        );
        let builder_main = builder.main_client().await;
        let reply = builder_main
            .call("Builder.Prepare", hcl_prepare_args(CTY_OK))
            .await
            .unwrap();
        assert_eq!(prepare_error(&reply), None);
        let ui_id = builder.serve_ui(None);
        let artifact_id = builder_main
            .call("Builder.Run", Value::Uint(u64::from(ui_id)))
            .await
            .unwrap()
            .as_u32()
            .unwrap();
        let built = Client::new(builder.broker.dial(artifact_id).await.unwrap());

        let pp = Arc::new(TestPostProcessor::default());
        let packer = FakePacker::start(
            Component::PostProcessor(pp.clone()),
            SpecEncoding::Gob(GobFlavor::Debian166),
        );
        let expected = hcl_spec::encode_gob(
            &with_packer_keys(ObjectSpec::new().attr("target", CtyType::String)),
            GobFlavor::Debian166,
        )
        .unwrap();
        let main = raw_config_spec(&packer, "PostProcessor", &expected).await;
        // HCL2 parse-time Configure: build.* values are "<unknown>" (escaped by Go's encoder).
        let first = Value::record([(
            "Configs",
            Value::Array(vec![
                Value::record([
                    ("packer_build_name", Value::from("web")),
                    ("packer_builder_type", Value::from("photon-test")),
                ]),
                Value::Bin(br#"{"value":{"target":"\u003cunknown\u003e"},"type":["object",{"target":"string"}]}"#.to_vec()),
            ]),
        )]);
        assert_eq!(main.call("PostProcessor.Configure", first).await.unwrap(), Value::Nil);
        // JSON template: raw map, packerConfig, then the build-data placeholder map.
        let placeholder = "Build_PackerRunUUID. To set this dynamically in the Packer template, you must use the `build` function";
        let second = Value::record([(
            "Configs",
            Value::Array(vec![
                Value::record([("target", Value::from("tmpl"))]),
                Value::record([("packer_debug", Value::Bool(false))]),
                Value::record([
                    ("ID", Value::from("Build_ID. To set this dynamically…")),
                    ("PackerRunUUID", Value::from(placeholder)),
                    ("WinRMPassword", Value::from("{{.WinRMPassword}}")),
                ]),
            ]),
        )]);
        assert_eq!(main.call("PostProcessor.Configure", second).await.unwrap(), Value::Nil);
        assert_eq!(
            *pp.configured.lock().unwrap(),
            vec![("<unknown>".to_owned(), true), ("tmpl".to_owned(), false)]
        );
        match main
            .call(
                "PostProcessor.Configure",
                Value::record([("Configs", Value::Array(vec![Value::record([("targte", Value::from("x"))])]))]),
            )
            .await
        {
            Err(CallError::Server(text)) => assert!(text.contains("targte: unknown configuration key"), "{text}"),
            other => panic!("{other:?}"),
        }

        let ui_id = packer.serve_ui(Some(built.clone()));
        let reply = main
            .call("PostProcessor.PostProcess", Value::Uint(u64::from(ui_id)))
            .await
            .unwrap();
        assert_eq!(reply.get("Err"), Some(&Value::Nil));
        assert_eq!(reply.get("Keep"), Some(&Value::Bool(true)));
        assert_eq!(reply.get("ForceOverride"), Some(&Value::Bool(true)));
        let result_id = reply.get("StreamId").unwrap().as_u32().unwrap();
        assert_ne!(result_id, 0);
        let events = packer.events().join("\n");
        assert!(
            events.contains(r#"Ui.Say "input photon-iac.test vm-1 [\"a.ovf\"] {\"Count\":3,\"ID\":\"vm-1\"} None""#),
            "{events}"
        );
        let result = Client::new(packer.broker.dial(result_id).await.unwrap());
        assert_eq!(
            result.call("Artifact.String", Value::Nil).await.unwrap(),
            Value::from("VM: template-of-vm-1")
        );

        // A failing post-process reports through Err, not as an RPC error.
        let fail = Value::record([(
            "Configs",
            Value::Array(vec![Value::record([("target", Value::from("t")), ("fail", Value::from("true"))])]),
        )]);
        main.call("PostProcessor.Configure", fail).await.unwrap();
        let ui_id = packer.serve_ui(Some(built));
        let reply = main
            .call("PostProcessor.PostProcess", Value::Uint(u64::from(ui_id)))
            .await
            .unwrap();
        assert_eq!(
            reply.get("Err").and_then(|e| e.get("Message")),
            Some(&Value::from("boom"))
        );
        assert_eq!(reply.get("StreamId").unwrap().as_u32(), Some(0));
        assert_eq!(main.call("PostProcessor.Cancel", Value::Nil).await.unwrap(), Value::Nil);
        packer.session.close().await;
        builder.session.close().await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn cancel_during_hook_run_tells_packer_through_hook_cancel() {
    timeout(LIMIT, async {
        let builder = Arc::new(TestBuilder::default());
        let packer = FakePacker::start(
            Component::Builder(builder.clone()),
            SpecEncoding::Gob(GobFlavor::Upstream),
        );
        let main = packer.main_client().await;
        let cty = r#"{"value":{"name":"w","count":1,"block_in_hook":true},"type":"dynamic"}"#;
        let reply = main
            .call("Builder.Prepare", hcl_prepare_args(cty))
            .await
            .unwrap();
        assert_eq!(prepare_error(&reply), None);
        let ui_id = packer.serve_ui(None);
        let run = tokio::spawn({
            let main = main.clone();
            async move {
                main.call("Builder.Run", Value::Uint(u64::from(ui_id)))
                    .await
            }
        });
        loop {
            // A Notified receives notify_waiters from its creation on: create, then check.
            let next = packer.event.notified();
            if packer.events().iter().any(|e| e == "Hook.Run blocking") {
                break;
            }
            next.await;
        }
        main.call("Builder.Cancel", Value::Nil).await.unwrap();
        match run.await.unwrap() {
            Err(CallError::Server(text)) => assert_eq!(text, "provisioning cancelled"),
            other => panic!("Run answered {other:?}"),
        }
        assert!(packer.events().contains(&"Hook.Cancel".to_owned()));
        packer.session.close().await;
    })
    .await
    .unwrap();
}
