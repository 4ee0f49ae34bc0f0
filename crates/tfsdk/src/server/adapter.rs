//! What both protocol adapters share, written once as macros because tfplugin5 and tfplugin6
//! are distinct generated types with the same shapes. Each adapter module defines
//! `use … as pb;` and invokes these; everything else lives in the neutral server.

/// Conversions between the neutral server's types and one protocol's messages.
macro_rules! conversions {
    () => {
        use $crate::diagnostics::{Diagnostic, Diagnostics, Severity};
        use $crate::server::WireValue;

        fn wire_in(value: Option<pb::DynamicValue>) -> WireValue {
            value
                .map(|value| WireValue {
                    msgpack: value.msgpack,
                    json: value.json,
                })
                .unwrap_or_default()
        }

        fn wire_out(value: WireValue) -> Option<pb::DynamicValue> {
            if value.msgpack.is_empty() && value.json.is_empty() {
                return None;
            }
            Some(pb::DynamicValue {
                msgpack: value.msgpack,
                json: value.json,
            })
        }

        fn path_out(path: &cty::Path) -> pb::AttributePath {
            use pb::attribute_path::step::Selector;
            pb::AttributePath {
                steps: path
                    .0
                    .iter()
                    .map(|step| pb::attribute_path::Step {
                        selector: Some(match step {
                            cty::PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                            cty::PathStep::Index(index) => Selector::ElementKeyInt(*index),
                            cty::PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                        }),
                    })
                    .collect(),
            }
        }

        fn diagnostic_out(diagnostic: Diagnostic) -> pb::Diagnostic {
            pb::Diagnostic {
                severity: match diagnostic.severity {
                    Severity::Error => pb::diagnostic::Severity::Error as i32,
                    Severity::Warning => pb::diagnostic::Severity::Warning as i32,
                },
                summary: diagnostic.summary,
                detail: diagnostic.detail,
                attribute: diagnostic.path.as_ref().map(path_out),
            }
        }

        fn diagnostics_out(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
            diagnostics.into_iter().map(diagnostic_out).collect()
        }

        fn error_out(summary: &str, detail: String) -> Vec<pb::Diagnostic> {
            vec![diagnostic_out(Diagnostic::error(summary, detail))]
        }

        fn string_kind(description: &$crate::schema::Description) -> i32 {
            if description.markdown {
                pb::StringKind::Markdown as i32
            } else {
                pb::StringKind::Plain as i32
            }
        }

        fn block_out(
            block: &$crate::schema::Block,
            diagnostics: &mut Diagnostics,
        ) -> pb::schema::Block {
            use pb::schema::nested_block::NestingMode;
            use $crate::schema::BlockNesting;
            pb::schema::Block {
                attributes: block
                    .attributes
                    .iter()
                    .map(|attribute| attribute_out(attribute, diagnostics))
                    .collect(),
                block_types: block
                    .blocks
                    .iter()
                    .map(|nested| pb::schema::NestedBlock {
                        type_name: nested.type_name.clone(),
                        block: Some(block_out(&nested.block, diagnostics)),
                        nesting: match nested.nesting {
                            BlockNesting::Single => NestingMode::Single,
                            BlockNesting::Group => NestingMode::Group,
                            BlockNesting::List => NestingMode::List,
                            BlockNesting::Set => NestingMode::Set,
                            BlockNesting::Map => NestingMode::Map,
                        } as i32,
                        min_items: nested.min_items,
                        max_items: nested.max_items,
                    })
                    .collect(),
                description: block.description.text.clone(),
                description_kind: string_kind(&block.description),
                deprecated: block.deprecated,
                ..Default::default()
            }
        }

        fn schema_out(
            schema: &$crate::schema::Schema,
            diagnostics: &mut Diagnostics,
        ) -> pb::Schema {
            pb::Schema {
                version: schema.version,
                block: Some(block_out(&schema.block, diagnostics)),
            }
        }

        fn function_out(signature: &$crate::provider::FunctionSignature) -> pb::Function {
            let parameter = |parameter: &$crate::provider::Parameter| pb::function::Parameter {
                name: parameter.name.clone(),
                r#type: parameter.ty.to_json().into_bytes(),
                allow_null_value: parameter.allow_null,
                allow_unknown_values: parameter.allow_unknown,
                description: parameter.description.text.clone(),
                description_kind: string_kind(&parameter.description),
            };
            pb::Function {
                parameters: signature.parameters.iter().map(parameter).collect(),
                variadic_parameter: signature.variadic.as_ref().map(parameter),
                r#return: Some(pb::function::Return {
                    r#type: signature.return_type.to_json().into_bytes(),
                }),
                summary: signature.summary.clone(),
                description: signature.description.text.clone(),
                description_kind: string_kind(&signature.description),
                deprecation_message: signature.deprecation_message.clone().unwrap_or_default(),
            }
        }

        fn capabilities() -> pb::ServerCapabilities {
            pb::ServerCapabilities {
                // Destroy plans go through PlanResourceChange (Terraform ≥ 1.3) and plan null.
                plan_destroy: true,
                get_provider_schema_optional: false,
                move_resource_state: false,
                generate_resource_config: false,
            }
        }

        fn provider_schema(
            server: &$crate::server::ProviderServer,
        ) -> pb::get_provider_schema::Response {
            let schemas = server.schemas();
            let mut diagnostics = Diagnostics::new();
            let provider = Some(schema_out(schemas.provider, &mut diagnostics));
            let resource_schemas = schemas
                .resources
                .iter()
                .map(|(name, schema)| ((*name).to_owned(), schema_out(schema, &mut diagnostics)))
                .collect();
            let data_source_schemas = schemas
                .data_sources
                .iter()
                .map(|(name, schema)| ((*name).to_owned(), schema_out(schema, &mut diagnostics)))
                .collect();
            pb::get_provider_schema::Response {
                provider,
                resource_schemas,
                data_source_schemas,
                functions: schemas
                    .functions
                    .iter()
                    .map(|(name, signature)| ((*name).to_owned(), function_out(signature)))
                    .collect(),
                diagnostics: diagnostics_out(diagnostics),
                server_capabilities: Some(capabilities()),
                ..Default::default()
            }
        }

        type EventStream<T> = std::pin::Pin<
            Box<dyn futures_util::Stream<Item = Result<T, tonic::Status>> + Send + 'static>,
        >;

        fn single_event<T: Send + 'static>(event: T) -> EventStream<T> {
            Box::pin(futures_util::stream::iter([Ok(event)]))
        }

        fn not_offered(kind: &str, type_name: &str) -> Vec<pb::Diagnostic> {
            error_out(
                &format!("Unsupported {kind}"),
                format!("This provider offers no {kind} called {type_name:?}."),
            )
        }
    };
}

/// The RPCs whose messages are the same in both protocols, inside the tonic service impl,
/// followed by the protocol-specific ones given as `$specific`.
macro_rules! provider_service {
    ($adapter:ident, { $($specific:tt)* }) => {
        #[tonic::async_trait]
        impl pb::provider_server::Provider for $adapter {
            $($specific)*

            async fn get_metadata(
                &self,
                _request: tonic::Request<pb::get_metadata::Request>,
            ) -> Result<tonic::Response<pb::get_metadata::Response>, tonic::Status> {
                let schemas = self.server.schemas();
                Ok(tonic::Response::new(pb::get_metadata::Response {
                    server_capabilities: Some(capabilities()),
                    resources: schemas
                        .resources
                        .keys()
                        .map(|name| pb::get_metadata::ResourceMetadata { type_name: (*name).to_owned() })
                        .collect(),
                    data_sources: schemas
                        .data_sources
                        .keys()
                        .map(|name| pb::get_metadata::DataSourceMetadata { type_name: (*name).to_owned() })
                        .collect(),
                    functions: schemas
                        .functions
                        .keys()
                        .map(|name| pb::get_metadata::FunctionMetadata { name: (*name).to_owned() })
                        .collect(),
                    ..Default::default()
                }))
            }

            async fn upgrade_resource_state(
                &self,
                request: tonic::Request<pb::upgrade_resource_state::Request>,
            ) -> Result<tonic::Response<pb::upgrade_resource_state::Response>, tonic::Status> {
                let request = request.into_inner();
                let raw = request.raw_state.unwrap_or_default();
                let (state, diagnostics) = self
                    .server
                    .upgrade_resource_state(&request.type_name, request.version, &raw.json, !raw.flatmap.is_empty())
                    .await;
                Ok(tonic::Response::new(pb::upgrade_resource_state::Response {
                    upgraded_state: wire_out(state),
                    diagnostics: diagnostics_out(diagnostics),
                }))
            }

            async fn get_resource_identity_schemas(
                &self,
                _request: tonic::Request<pb::get_resource_identity_schemas::Request>,
            ) -> Result<tonic::Response<pb::get_resource_identity_schemas::Response>, tonic::Status> {
                // No resource of this provider has an identity schema yet.
                Ok(tonic::Response::new(Default::default()))
            }

            async fn upgrade_resource_identity(
                &self,
                request: tonic::Request<pb::upgrade_resource_identity::Request>,
            ) -> Result<tonic::Response<pb::upgrade_resource_identity::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::upgrade_resource_identity::Response {
                    upgraded_identity: None,
                    diagnostics: not_offered("resource identity", &request.into_inner().type_name),
                }))
            }

            async fn read_resource(
                &self,
                request: tonic::Request<pb::read_resource::Request>,
            ) -> Result<tonic::Response<pb::read_resource::Response>, tonic::Status> {
                let request = request.into_inner();
                let outcome = self
                    .server
                    .read_resource(&request.type_name, &wire_in(request.current_state), &request.private)
                    .await;
                Ok(tonic::Response::new(pb::read_resource::Response {
                    new_state: wire_out(outcome.state),
                    diagnostics: diagnostics_out(outcome.diagnostics),
                    private: outcome.private,
                    ..Default::default()
                }))
            }

            async fn plan_resource_change(
                &self,
                request: tonic::Request<pb::plan_resource_change::Request>,
            ) -> Result<tonic::Response<pb::plan_resource_change::Response>, tonic::Status> {
                let request = request.into_inner();
                let plan = self
                    .server
                    .plan_resource_change(
                        &request.type_name,
                        &wire_in(request.prior_state),
                        &wire_in(request.proposed_new_state),
                        &wire_in(request.config),
                        &request.prior_private,
                    )
                    .await;
                Ok(tonic::Response::new(pb::plan_resource_change::Response {
                    planned_state: wire_out(plan.planned),
                    requires_replace: plan.requires_replace.iter().map(path_out).collect(),
                    planned_private: plan.planned_private,
                    diagnostics: diagnostics_out(plan.diagnostics),
                    ..Default::default()
                }))
            }

            async fn apply_resource_change(
                &self,
                request: tonic::Request<pb::apply_resource_change::Request>,
            ) -> Result<tonic::Response<pb::apply_resource_change::Response>, tonic::Status> {
                let request = request.into_inner();
                let outcome = self
                    .server
                    .apply_resource_change(
                        &request.type_name,
                        &wire_in(request.prior_state),
                        &wire_in(request.planned_state),
                        &wire_in(request.config),
                        &request.planned_private,
                    )
                    .await;
                Ok(tonic::Response::new(pb::apply_resource_change::Response {
                    new_state: wire_out(outcome.state),
                    private: outcome.private,
                    diagnostics: diagnostics_out(outcome.diagnostics),
                    ..Default::default()
                }))
            }

            async fn import_resource_state(
                &self,
                request: tonic::Request<pb::import_resource_state::Request>,
            ) -> Result<tonic::Response<pb::import_resource_state::Response>, tonic::Status> {
                let request = request.into_inner();
                let (imported, diagnostics) = self.server.import_resource_state(&request.type_name, &request.id).await;
                Ok(tonic::Response::new(pb::import_resource_state::Response {
                    imported_resources: imported
                        .into_iter()
                        .map(|object| pb::import_resource_state::ImportedResource {
                            type_name: object.type_name,
                            state: wire_out(object.state),
                            private: object.private,
                            identity: None,
                        })
                        .collect(),
                    diagnostics: diagnostics_out(diagnostics),
                    deferred: None,
                }))
            }

            async fn move_resource_state(
                &self,
                request: tonic::Request<pb::move_resource_state::Request>,
            ) -> Result<tonic::Response<pb::move_resource_state::Response>, tonic::Status> {
                let request = request.into_inner();
                Ok(tonic::Response::new(pb::move_resource_state::Response {
                    diagnostics: error_out(
                        "Move resource state not supported",
                        format!(
                            "This provider cannot move {} state into {}.",
                            request.source_type_name, request.target_type_name
                        ),
                    ),
                    ..Default::default()
                }))
            }

            async fn read_data_source(
                &self,
                request: tonic::Request<pb::read_data_source::Request>,
            ) -> Result<tonic::Response<pb::read_data_source::Response>, tonic::Status> {
                let request = request.into_inner();
                let (state, diagnostics) = self.server.read_data_source(&request.type_name, &wire_in(request.config)).await;
                Ok(tonic::Response::new(pb::read_data_source::Response {
                    state: wire_out(state),
                    diagnostics: diagnostics_out(diagnostics),
                    deferred: None,
                }))
            }

            async fn generate_resource_config(
                &self,
                request: tonic::Request<pb::generate_resource_config::Request>,
            ) -> Result<tonic::Response<pb::generate_resource_config::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::generate_resource_config::Response {
                    config: None,
                    diagnostics: error_out(
                        "Configuration generation not supported",
                        format!("This provider does not generate configuration for {}.", request.into_inner().type_name),
                    ),
                }))
            }

            async fn validate_ephemeral_resource_config(
                &self,
                request: tonic::Request<pb::validate_ephemeral_resource_config::Request>,
            ) -> Result<tonic::Response<pb::validate_ephemeral_resource_config::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::validate_ephemeral_resource_config::Response {
                    diagnostics: not_offered("ephemeral resource", &request.into_inner().type_name),
                }))
            }

            async fn open_ephemeral_resource(
                &self,
                request: tonic::Request<pb::open_ephemeral_resource::Request>,
            ) -> Result<tonic::Response<pb::open_ephemeral_resource::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::open_ephemeral_resource::Response {
                    diagnostics: not_offered("ephemeral resource", &request.into_inner().type_name),
                    ..Default::default()
                }))
            }

            async fn renew_ephemeral_resource(
                &self,
                request: tonic::Request<pb::renew_ephemeral_resource::Request>,
            ) -> Result<tonic::Response<pb::renew_ephemeral_resource::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::renew_ephemeral_resource::Response {
                    diagnostics: not_offered("ephemeral resource", &request.into_inner().type_name),
                    ..Default::default()
                }))
            }

            async fn close_ephemeral_resource(
                &self,
                request: tonic::Request<pb::close_ephemeral_resource::Request>,
            ) -> Result<tonic::Response<pb::close_ephemeral_resource::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::close_ephemeral_resource::Response {
                    diagnostics: not_offered("ephemeral resource", &request.into_inner().type_name),
                }))
            }


            async fn list_resource(
                &self,
                request: tonic::Request<pb::list_resource::Request>,
            ) -> Result<tonic::Response<EventStream<pb::list_resource::Event>>, tonic::Status> {
                Ok(tonic::Response::new(single_event(pb::list_resource::Event {
                    diagnostic: not_offered("list resource", &request.into_inner().type_name),
                    ..Default::default()
                })))
            }

            async fn validate_list_resource_config(
                &self,
                request: tonic::Request<pb::validate_list_resource_config::Request>,
            ) -> Result<tonic::Response<pb::validate_list_resource_config::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::validate_list_resource_config::Response {
                    diagnostics: not_offered("list resource", &request.into_inner().type_name),
                }))
            }

            async fn get_functions(
                &self,
                _request: tonic::Request<pb::get_functions::Request>,
            ) -> Result<tonic::Response<pb::get_functions::Response>, tonic::Status> {
                let schemas = self.server.schemas();
                Ok(tonic::Response::new(pb::get_functions::Response {
                    functions: schemas
                        .functions
                        .iter()
                        .map(|(name, signature)| ((*name).to_owned(), function_out(signature)))
                        .collect(),
                    diagnostics: Vec::new(),
                }))
            }

            async fn call_function(
                &self,
                request: tonic::Request<pb::call_function::Request>,
            ) -> Result<tonic::Response<pb::call_function::Response>, tonic::Status> {
                let request = request.into_inner();
                let arguments: Vec<WireValue> = request.arguments.into_iter().map(|argument| wire_in(Some(argument))).collect();
                let response = match self.server.call_function(&request.name, &arguments).await {
                    Ok(result) => pb::call_function::Response {
                        result: wire_out(result),
                        error: None,
                    },
                    Err(error) => pb::call_function::Response {
                        result: None,
                        error: Some(pb::FunctionError {
                            text: error.message,
                            function_argument: error.argument,
                        }),
                    },
                };
                Ok(tonic::Response::new(response))
            }

            async fn plan_action(
                &self,
                request: tonic::Request<pb::plan_action::Request>,
            ) -> Result<tonic::Response<pb::plan_action::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::plan_action::Response {
                    diagnostics: not_offered("action", &request.into_inner().action_type),
                    deferred: None,
                }))
            }


            async fn invoke_action(
                &self,
                request: tonic::Request<pb::invoke_action::Request>,
            ) -> Result<tonic::Response<EventStream<pb::invoke_action::Event>>, tonic::Status> {
                Ok(tonic::Response::new(single_event(pb::invoke_action::Event {
                    r#type: Some(pb::invoke_action::event::Type::Completed(pb::invoke_action::event::Completed {
                        diagnostics: not_offered("action", &request.into_inner().action_type),
                    })),
                })))
            }

            async fn validate_action_config(
                &self,
                request: tonic::Request<pb::validate_action_config::Request>,
            ) -> Result<tonic::Response<pb::validate_action_config::Response>, tonic::Status> {
                Ok(tonic::Response::new(pb::validate_action_config::Response {
                    diagnostics: not_offered("action", &request.into_inner().type_name),
                }))
            }
        }
    };
}

pub(crate) use conversions;
pub(crate) use provider_service;
