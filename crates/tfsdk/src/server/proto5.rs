//! tfplugin5: converts messages and dispatches to the neutral [`ProviderServer`]. Protocol 5
//! cannot express nested attributes; a schema using them is reported, not silently changed.

use std::sync::Arc;

use tfplugin_proto::tfplugin5 as pb;

use super::ProviderServer;
use super::adapter::{conversions, provider_service};

conversions!();

/// The tonic service for protocol 5.
#[derive(Debug)]
pub struct Adapter {
    server: Arc<ProviderServer>,
}

/// Routes serving `server` as `tfplugin5.Provider`, with Terraform's message size limits.
pub fn routes(server: Arc<ProviderServer>) -> tonic::service::Routes {
    tonic::service::Routes::new(
        pb::provider_server::ProviderServer::new(Adapter { server })
            .max_decoding_message_size(go_plugin::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(go_plugin::MAX_MESSAGE_SIZE),
    )
}

fn attribute_out(
    attribute: &crate::schema::Attribute,
    diagnostics: &mut Diagnostics,
) -> pb::schema::Attribute {
    use crate::schema::AttributeKind;
    let (required, optional, computed) = attribute.presence.flags();
    if let AttributeKind::Nested(_) = attribute.kind {
        diagnostics.error(
            "Schema needs protocol 6",
            format!(
                "Attribute {:?} uses nested attributes, which Terraform plugin protocol 5 cannot express.",
                attribute.name
            ),
        );
    }
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.value_type().to_json().into_bytes(),
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
    async fn get_schema(
        &self,
        _request: tonic::Request<pb::get_provider_schema::Request>,
    ) -> Result<tonic::Response<pb::get_provider_schema::Response>, tonic::Status> {
        Ok(tonic::Response::new(provider_schema(&self.server)))
    }

    async fn prepare_provider_config(
        &self,
        request: tonic::Request<pb::prepare_provider_config::Request>,
    ) -> Result<tonic::Response<pb::prepare_provider_config::Response>, tonic::Status> {
        let config = request.into_inner().config;
        let diagnostics = self
            .server
            .validate_provider_config(&wire_in(config.clone()))
            .await;
        // Terraform decodes prepared_config but ignores it: hand the configuration back as is.
        Ok(tonic::Response::new(
            pb::prepare_provider_config::Response {
                prepared_config: config,
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn validate_resource_type_config(
        &self,
        request: tonic::Request<pb::validate_resource_type_config::Request>,
    ) -> Result<tonic::Response<pb::validate_resource_type_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .validate_resource_config(&request.type_name, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(
            pb::validate_resource_type_config::Response {
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn validate_data_source_config(
        &self,
        request: tonic::Request<pb::validate_data_source_config::Request>,
    ) -> Result<tonic::Response<pb::validate_data_source_config::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .validate_data_source_config(&request.type_name, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(
            pb::validate_data_source_config::Response {
                diagnostics: diagnostics_out(diagnostics),
            },
        ))
    }

    async fn configure(
        &self,
        request: tonic::Request<pb::configure::Request>,
    ) -> Result<tonic::Response<pb::configure::Response>, tonic::Status> {
        let request = request.into_inner();
        let diagnostics = self
            .server
            .configure_provider(request.terraform_version, &wire_in(request.config))
            .await;
        Ok(tonic::Response::new(pb::configure::Response {
            diagnostics: diagnostics_out(diagnostics),
        }))
    }

    async fn stop(
        &self,
        _request: tonic::Request<pb::stop::Request>,
    ) -> Result<tonic::Response<pb::stop::Response>, tonic::Status> {
        Ok(tonic::Response::new(pb::stop::Response {
            error: self.server.stop(),
        }))
    }
});
