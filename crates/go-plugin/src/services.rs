//! go-plugin's own gRPC services, registered beside the application's.

use futures_util::StreamExt as _;
use tfplugin_proto::plugin::grpc_broker_server::{GrpcBroker, GrpcBrokerServer};
use tfplugin_proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use tfplugin_proto::plugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use tfplugin_proto::plugin::{ConnInfo, Empty, StdioData};
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::service::Routes;
use tonic::{Request, Response, Status, Streaming};
use tonic_health::ServingStatus;

use crate::MAX_MESSAGE_SIZE;

/// The service name go-plugin's `Ping` asks the health service about.
const HEALTH_SERVICE: &str = "plugin";

/// Adds controller, stdio, broker and health to `routes`. `shutdown` is cancelled by
/// `GRPCController/Shutdown`, and ends the long-lived stdio and broker streams once serving stops.
pub(crate) async fn add_plugin_services(routes: Routes, shutdown: &CancellationToken) -> Routes {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(HEALTH_SERVICE, ServingStatus::Serving)
        .await;

    let controller = GrpcControllerServer::new(Controller {
        shutdown: shutdown.clone(),
    });
    let stdio = GrpcStdioServer::new(Stdio {
        shutdown: shutdown.clone(),
    });
    let broker = GrpcBrokerServer::new(Broker {
        shutdown: shutdown.clone(),
    });
    routes
        .add_service(
            health
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(
            controller
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(
            stdio
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(
            broker
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
}

/// A stream that sends nothing and ends when `shutdown` is cancelled, so graceful shutdown is not
/// held up by a host that keeps its streams open.
fn idle_until<T: Send + 'static>(shutdown: &CancellationToken) -> BoxStream<T> {
    let shutdown = shutdown.clone().cancelled_owned();
    Box::pin(
        futures_util::stream::once(shutdown)
            .filter_map(|()| std::future::ready(None::<Result<T, Status>>)),
    )
}

/// `plugin.GRPCController`: the host's request to exit.
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("plugin host requested shutdown");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: go-plugin forwards the plugin's stdout/stderr through it. Logs already go
/// to stderr, which the host reads directly, so the stream stays open and silent.
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        Ok(Response::new(idle_until(&self.shutdown)))
    }
}

/// `plugin.GRPCBroker`: go-plugin's client opens this stream on every connection; Terraform never
/// brokers extra connections, so incoming messages are logged and dropped.
struct Broker {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        // Keep reading so the host's sends never stall on flow control.
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    () = shutdown.cancelled() => return,
                    message = inbound.message() => message,
                };
                match message {
                    Ok(Some(info)) => {
                        tracing::debug!(
                            service_id = info.service_id,
                            "ignoring go-plugin broker message"
                        );
                    }
                    Ok(None) | Err(_) => return,
                }
            }
        });
        Ok(Response::new(idle_until(&self.shutdown)))
    }
}
