//! tfplugin6: converts messages and dispatches to the neutral [`ProviderServer`].

use std::sync::Arc;

use tfplugin_proto::tfplugin6 as pb;

use super::ProviderServer;
use super::adapter::{conversions, provider_service};

conversions!();

/// The tonic service for protocol 6.
#[derive(Debug)]
pub struct Adapter {
    server: Arc<ProviderServer>,
}

/// Routes serving `server` as `tfplugin6.Provider`, with Terraform's message size limits.
pub fn routes(server: Arc<ProviderServer>) -> tonic::service::Routes {
    tonic::service::Routes::new(
        pb::provider_server::ProviderServer::new(Adapter { server })
            .max_decoding_message_size(go_plugin::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(go_plugin::MAX_MESSAGE_SIZE),
    )
}

// Protocol 6 can express every attribute; the parameter keeps the signature the shared
// `block_out` calls (protocol 5 reports nested attributes through it).
#[allow(clippy::only_used_in_recursion)]
fn attribute_out(
    attribute: &crate::schema::Attribute,
    diagnostics: &mut Diagnostics,
) -> pb::schema::Attribute {
    use crate::schema::{AttributeKind, ObjectNesting};
    use pb::schema::object::NestingMode;
    let (required, optional, computed) = attribute.presence.flags();
    let (r#type, nested_type) = match &attribute.kind {
        AttributeKind::Type(ty) => (ty.to_json().into_bytes(), None),
        AttributeKind::Nested(nested) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: nested
                    .attributes
                    .iter()
                    .map(|inner| attribute_out(inner, diagnostics))
                    .collect(),
                nesting: match nested.nesting {
                    ObjectNesting::Single => NestingMode::Single,
                    ObjectNesting::List => NestingMode::List,
                    ObjectNesting::Set => NestingMode::Set,
                    ObjectNesting::Map => NestingMode::Map,
                } as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type,
        nested_type,
        description: attribute.description.text.clone(),
        required,
        optional,
        computed,
        sensitive: attribute.sensitive,
        description_kind: string_kind(&attribute.description),
        deprecated: attribute.deprecated,
        ..Default::default()
    }
}

provider_service!(Adapter, {
    async fn get_provider_schema(
        &self,
        _request: tonic::Request<pb::get_provider_schema::Request>,
    ) -> Result<tonic::Response<pb::get_provider_schema::Response>, tonic::Status> {
        Ok(tonic::Response::new(provider_schema(&self.server)))
    }

    async fn validate_provider_config(
        &self,
        request: tonic::Request<pb::validate_provider_config::Request>,
    ) -> Result<tonic::Response<pb::validate_provider_config::Response>, tonic::Status> {
        let diagnostics = self
            .server
            .validate_provider_config(&wire_in(request.into_inner().config))
            .await;
        Ok(tonic::Response::new(
            pb::validate_provider_config::Response {
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn validate_resource_config(
        &self,
        request: tonic::Request<pb::validate_resource_config::Request>,
    ) -> Result<tonic::Response<pb::validate_resource_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .validate_resource_config(&request.type_name, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(
            pb::validate_resource_config::Response {
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn validate_data_resource_config(
        &self,
        request: tonic::Request<pb::validate_data_resource_config::Request>,
    ) -> Result<tonic::Response<pb::validate_data_resource_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .validate_data_source_config(&request.type_name, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(
            pb::validate_data_resource_config::Response {
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn configure_provider(
        &self,
        request: tonic::Request<pb::configure_provider::Request>,
    ) -> Result<tonic::Response<pb::configure_provider::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .configure_provider(request.terraform_version, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_out(diagnostics),
        }))
    }

    async fn stop_provider(
        &self,
        _request: tonic::Request<pb::stop_provider::Request>,
    ) -> Result<tonic::Response<pb::stop_provider::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::stop_provider::Response {
            error: self.server.stop(),
        }))
    }

    async fn validate_state_store_config(
        &self,
        request: tonic::Request<pb::validate_state_store::Request>,
    ) -> Result<tonic::Response<pb::validate_state_store::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::validate_state_store::Response {
            diagnostics: not_offered("state store", &request.into_inner().type_name),
        }))
    }

    async fn configure_state_store(
        &self,
        request: tonic::Request<pb::configure_state_store::Request>,
    ) -> Result<tonic::Response<pb::configure_state_store::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::configure_state_store::Response {
            diagnostics: not_offered("state store", &request.into_inner().type_name),
            capabilities: None,
        }))
    }

    async fn read_state_bytes(
        &self,
        request: tonic::Request<pb::read_state_bytes::Request>,
    ) -> Result<tonic::Response<EventStream<pb::read_state_bytes::Response>>, tonic::Status> {
        Ok(tonic::Response::new(single_event(
            pb::read_state_bytes::Response {
                diagnostics: not_offered("state store", &request.into_inner().type_name),
                ..Default::default()
            },
        )))
    }

    async fn write_state_bytes(
        &self,
        request: tonic::Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<tonic::Response<pb::write_state_bytes::Response>, tonic::Status> {
        let mut chunks = request.into_inner();
        let first = chunks.message().await?;
        let type_name = first
            .and_then(|chunk| chunk.meta)
            .map(|meta| meta.type_name)
            .unwrap_or_default();
        Ok(tonic::Response::new(pb::write_state_bytes::Response {
            diagnostics: not_offered("state store", &type_name),
        }))
    }

    async fn lock_state(
        &self,
        request: tonic::Request<pb::lock_state::Request>,
    ) -> Result<tonic::Response<pb::lock_state::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::lock_state::Response {
            lock_id: String::new(),
            diagnostics: not_offered("state store", &request.into_inner().type_name),
        }))
    }

    async fn unlock_state(
        &self,
        request: tonic::Request<pb::unlock_state::Request>,
    ) -> Result<tonic::Response<pb::unlock_state::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::unlock_state::Response {
            diagnostics: not_offered("state store", &request.into_inner().type_name),
        }))
    }

    async fn get_states(
        &self,
        request: tonic::Request<pb::get_states::Request>,
    ) -> Result<tonic::Response<pb::get_states::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::get_states::Response {
            state_id: Vec::new(),
            diagnostics: not_offered("state store", &request.into_inner().type_name),
        }))
    }

    async fn delete_state(
        &self,
        request: tonic::Request<pb::delete_state::Request>,
    ) -> Result<tonic::Response<pb::delete_state::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::delete_state::Response {
            diagnostics: not_offered("state store", &request.into_inner().type_name),
        }))
    }
});
