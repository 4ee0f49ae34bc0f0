//! A provider that answers only its schema RPC, for protocol 5 and 6. Shared by the integration
//! tests and the `fake-provider` binary, so it uses normal dependencies only.

use tfplugin_proto::{tfplugin5, tfplugin6};
use tonic::service::Routes;
use tonic::{Request, Response, Status};

/// The description the fake schema carries, so tests can tell the answer came from the app.
pub(crate) const DESCRIPTION: &str = "photon go-plugin fake provider";

struct Provider6;

#[tonic::async_trait]
impl tfplugin6::provider_server::Provider for Provider6 {
    async fn get_provider_schema(
        &self,
        _request: Request<tfplugin6::get_provider_schema::Request>,
    ) -> Result<Response<tfplugin6::get_provider_schema::Response>, Status> {
        Ok(Response::new(tfplugin6::get_provider_schema::Response {
            provider: Some(tfplugin6::Schema {
                version: 0,
                block: Some(tfplugin6::schema::Block {
                    description: DESCRIPTION.to_owned(),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }))
    }
}

struct Provider5;

#[tonic::async_trait]
impl tfplugin5::provider_server::Provider for Provider5 {
    async fn get_schema(
        &self,
        _request: Request<tfplugin5::get_provider_schema::Request>,
    ) -> Result<Response<tfplugin5::get_provider_schema::Response>, Status> {
        Ok(Response::new(tfplugin5::get_provider_schema::Response {
            provider: Some(tfplugin5::Schema {
                version: 0,
                block: Some(tfplugin5::schema::Block {
                    description: DESCRIPTION.to_owned(),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }))
    }
}

/// The app's routes for a negotiated protocol version.
pub(crate) fn routes(version: u32) -> Routes {
    const MAX: usize = go_plugin::MAX_MESSAGE_SIZE;
    if version == 6 {
        Routes::new(
            tfplugin6::provider_server::ProviderServer::new(Provider6)
                .max_decoding_message_size(MAX)
                .max_encoding_message_size(MAX),
        )
    } else {
        Routes::new(
            tfplugin5::provider_server::ProviderServer::new(Provider5)
                .max_decoding_message_size(MAX)
                .max_encoding_message_size(MAX),
        )
    }
}
