//! A small provider exercising every SDK feature, for the gRPC-level tests.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tfsdk::cty::{Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::*;

/// Objects the test provider "created", by id.
#[derive(Default)]
pub struct Backend {
    pub objects: Mutex<BTreeMap<String, Value>>,
    next: AtomicU64,
}

pub struct TestProvider {
    pub backend: Arc<Backend>,
}

#[async_trait]
impl Provider for TestProvider {
    fn type_name(&self) -> &'static str {
        "test"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new().attribute(
                Attribute::optional("region", Type::String)
                    .description("Region.")
                    .validator(OneOf(&["north", "south"])),
            ),
        )
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if config.attr("region") == Some(&Value::from("south")) {
            diagnostics.warning("South is deprecated", "Use north.");
        }
        diagnostics
    }

    async fn configure(&self, request: ConfigureRequest) -> Result<ProviderData, Diagnostics> {
        if request.config.attr("region") == Some(&Value::from("panic")) {
            panic!("configure exploded");
        }
        Ok(Arc::new(request.terraform_version))
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing {
            backend: self.backend.clone(),
        })]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(Echo)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Upper)]
    }
}

pub fn thing_schema() -> Schema {
    Schema::new(
        Block::new()
            .description("A thing.")
            .attribute(Attribute::computed("id", Type::String).plan_modifier(UseStateForUnknown))
            .attribute(Attribute::required("name", Type::String).plan_modifier(RequiresReplace))
            .attribute(Attribute::optional("size", Type::Number))
            .attribute(Attribute::optional("secret", Type::String).sensitive())
            .attribute(Attribute::computed("revision", Type::Number))
            .attribute(Attribute::nested(
                "labels",
                Presence::Optional,
                ObjectNesting::List,
                vec![Attribute::required("key", Type::String)],
            ))
            .block(NestedBlock::new(
                "disk",
                BlockNesting::List,
                Block::new()
                    .attribute(Attribute::required("size", Type::Number))
                    .attribute(Attribute::computed("uuid", Type::String)),
            )),
    )
    .version(2)
}

pub struct Thing {
    backend: Arc<Backend>,
}

fn with_computed(mut planned: Value, id: &str, revision: i64) -> Value {
    if let Value::Object(attributes) = &mut planned {
        attributes.insert("id".into(), Value::from(id));
        attributes.insert("revision".into(), Value::Number(revision.into()));
        if let Some(Value::List(disks)) = attributes.get_mut("disk") {
            for (index, disk) in disks.iter_mut().enumerate() {
                if let Value::Object(disk) = disk {
                    if !disk.get("uuid").is_some_and(Value::is_known)
                        || disk.get("uuid") == Some(&Value::Null)
                    {
                        disk.insert("uuid".into(), Value::from(format!("{id}-disk-{index}")));
                    }
                }
            }
        }
    }
    planned
}

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }

    fn schema(&self) -> Schema {
        thing_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if config.attr("name") == Some(&Value::from("invalid")) {
            diagnostics.attribute_error(
                cty::Path::root().attr("name"),
                "Bad name",
                "name: expected anything but \"invalid\"",
            );
        }
        diagnostics
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        if request.config.attr("name") == Some(&Value::from("panic")) {
            panic!("create exploded");
        }
        if request.config.attr("name") == Some(&Value::from("slow")) {
            ctx.stop_token().cancelled().await;
            return Outcome::failed(Diagnostic::error("Create test_thing failed", "stopped"));
        }
        let version = ctx
            .provider_data::<String>()
            .map(|v| (*v).clone())
            .unwrap_or_default();
        let id = format!("thing-{}", self.backend.next.fetch_add(1, Ordering::SeqCst));
        let state = with_computed(request.planned, &id, 1);
        self.backend
            .objects
            .lock()
            .unwrap()
            .insert(id, state.clone());
        let mut private = PrivateState::new();
        private.set("terraform_version", &version).unwrap();
        Outcome::ok(state).with_private(private)
    }

    async fn read(&self, _ctx: &Context, request: ReadRequest) -> Outcome {
        let id = match request.state.attr("id") {
            Some(Value::String(id)) => id.clone(),
            _ => return Outcome::ok(Value::Null),
        };
        match self.backend.objects.lock().unwrap().get(&id) {
            Some(state) => Outcome::ok(state.clone()).with_private(request.private),
            None => Outcome::ok(Value::Null),
        }
    }

    async fn update(&self, _ctx: &Context, request: UpdateRequest) -> Outcome {
        let Some(Value::String(id)) = request.prior.attr("id").cloned() else {
            return Outcome::failed(Diagnostic::error("Update test_thing failed", "no id"));
        };
        let revision = match request.prior.attr("revision") {
            Some(Value::Number(number)) => number.as_i64().unwrap_or(0) + 1,
            _ => 1,
        };
        let state = with_computed(request.planned, &id, revision);
        self.backend
            .objects
            .lock()
            .unwrap()
            .insert(id, state.clone());
        Outcome::ok(state)
    }

    async fn delete(&self, _ctx: &Context, request: DeleteRequest) -> Diagnostics {
        if let Some(Value::String(id)) = request.prior.attr("id") {
            self.backend.objects.lock().unwrap().remove(id);
        }
        Diagnostics::new()
    }

    async fn import(&self, _ctx: &Context, id: &str) -> Outcome {
        if self.backend.objects.lock().unwrap().contains_key(id) {
            Outcome::ok(Value::Object(BTreeMap::from([(
                "id".to_owned(),
                Value::from(id),
            )])))
        } else {
            Outcome::ok(Value::Null)
        }
    }

    async fn upgrade_state(&self, _ctx: &Context, from_version: i64, json: &[u8]) -> Outcome {
        // Version 1 called `name` `title`.
        assert_eq!(from_version, 1);
        let mut old: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(json).unwrap();
        let title = old.remove("title").unwrap_or_default();
        let id = old.remove("id").unwrap_or_default();
        Outcome::ok(Value::Object(BTreeMap::from([
            (
                "id".to_owned(),
                Value::from(id.as_str().unwrap_or_default()),
            ),
            (
                "name".to_owned(),
                Value::from(title.as_str().unwrap_or_default()),
            ),
            ("disk".to_owned(), Value::List(Vec::new())),
        ])))
    }
}

pub struct Echo;

#[async_trait]
impl DataSource for Echo {
    fn type_name(&self) -> &'static str {
        "test_echo"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new()
                .attribute(Attribute::required("input", Type::String))
                .attribute(Attribute::computed("output", Type::String)),
        )
    }

    async fn read(&self, _ctx: &Context, config: Value) -> Outcome {
        let input = config.attr("input").cloned().unwrap_or(Value::Null);
        Outcome::ok(Value::Object(BTreeMap::from([
            ("input".to_owned(), input.clone()),
            ("output".to_owned(), input),
        ])))
    }
}

pub struct Upper;

#[async_trait]
impl Function for Upper {
    fn name(&self) -> &'static str {
        "upper"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![Parameter {
                name: "text".into(),
                ty: Type::String,
                allow_null: false,
                allow_unknown: false,
                description: Description::default(),
            }],
            variadic: None,
            return_type: Type::String,
            summary: "Upper-cases text.".into(),
            description: Description::default(),
            deprecation_message: None,
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        match &arguments[0] {
            Value::String(text) if text == "boom" => Err(FunctionError {
                message: "boom is not allowed".into(),
                argument: Some(0),
            }),
            Value::String(text) => Ok(Value::from(text.to_uppercase())),
            _ => Err(FunctionError {
                message: "expected a string".into(),
                argument: Some(0),
            }),
        }
    }
}
