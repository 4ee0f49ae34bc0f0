//! The net/rpc server: services registered by name, every request answered from its own task.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use futures_util::FutureExt;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::codec::Value;
use super::stream::{Outgoing, ReadError, ValueReader, spawn_writer};
use super::{frame, parse_header, response_header};

/// A boxed, sendable future (service methods are dynamic, so they cannot be `async fn` in a trait
/// object).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a method returns: the reply body, or the error string Go's caller gets as
/// `rpc.ServerError`.
pub type MethodResult = Result<Value, String>;

/// One incoming call, already routed to its service.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The service name: everything before the last dot (it may itself contain dots, e.g. a
    /// progress tracker `Ui/path/file.isoAbC123`).
    pub service: String,
    /// The method name after the last dot.
    pub method: String,
    /// The decoded body.
    pub args: Value,
}

impl Request {
    /// Go's text for a method the service does not have, so services answer unknown methods the
    /// way Packer's own servers do.
    pub fn unknown_method(&self) -> String {
        format!("rpc: can't find method {}.{}", self.service, self.method)
    }
}

/// A named RPC service (Builder, PostProcessor, Ui, Artifact, Hook, Communicator…).
pub trait Service: Send + Sync + 'static {
    /// Handles one call. Runs concurrently with other calls to the same service.
    fn call(self: Arc<Self>, request: Request) -> BoxFuture<MethodResult>;
}

struct FnService<F>(F);

impl<F, Fut> Service for FnService<F>
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = MethodResult> + Send + 'static,
{
    fn call(self: Arc<Self>, request: Request) -> BoxFuture<MethodResult> {
        Box::pin((self.0)(request))
    }
}

/// Why [`Server::serve`] stopped other than by a clean end of stream.
#[derive(Debug, Error)]
pub enum ServeError {
    /// Reading requests failed (I/O, malformed msgpack, stream cut inside a value).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A request header that cannot be a Go `rpc.Request`.
    #[error("bad rpc request header: {0}")]
    BadHeader(String),
    /// A header arrived but the stream ended before its body.
    #[error("stream ended after a request header, before its body")]
    MissingBody,
    /// Writing responses failed.
    #[error("writing rpc responses: {0}")]
    Write(std::io::Error),
}

/// A set of services, servable on any number of streams at once. Cloning shares the set, and
/// services can be added while serving (Packer registers progress trackers on the fly).
#[derive(Clone, Default)]
pub struct Server {
    services: Arc<RwLock<HashMap<String, Arc<dyn Service>>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<String> = self
            .services
            .read()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        f.debug_struct("Server").field("services", &names).finish()
    }
}

impl Server {
    /// An empty server.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces, returning the old one) the service answering `name.*`.
    pub fn register(
        &self,
        name: impl Into<String>,
        service: Arc<dyn Service>,
    ) -> Option<Arc<dyn Service>> {
        let mut services = self
            .services
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        services.insert(name.into(), service)
    }

    /// Registers a closure as the service `name`; it gets every `name.*` call.
    pub fn register_fn<F, Fut>(&self, name: impl Into<String>, f: F) -> Option<Arc<dyn Service>>
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = MethodResult> + Send + 'static,
    {
        self.register(name, Arc::new(FnService(f)))
    }

    /// Removes a service; true if it was there.
    pub fn unregister(&self, name: &str) -> bool {
        self.services
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(name)
            .is_some()
    }

    fn lookup(&self, name: &str) -> Option<Arc<dyn Service>> {
        self.services
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Serves requests from `stream` until the peer closes it. Like Go's `ServeCodec`, it then
    /// waits for in-flight requests to be answered and half-closes the stream. Dropping the
    /// returned future aborts the in-flight handlers.
    pub async fn serve<S>(&self, stream: S) -> Result<(), ServeError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (read_half, write_half) = tokio::io::split(stream);
        let (tx, writer) = spawn_writer(write_half);
        let mut reader = ValueReader::new(read_half);
        let mut handlers = JoinSet::new();
        let result = self.read_loop(&mut reader, &tx, &mut handlers).await;
        while handlers.join_next().await.is_some() {}
        drop(tx);
        let written = match writer.await {
            Ok(r) => r,
            Err(join) => Err(std::io::Error::other(join)),
        };
        result?;
        written.map_err(ServeError::Write)
    }

    async fn read_loop<R: AsyncRead + Unpin>(
        &self,
        reader: &mut ValueReader<R>,
        tx: &mpsc::Sender<Outgoing>,
        handlers: &mut JoinSet<()>,
    ) -> Result<(), ServeError> {
        loop {
            // Reap finished handlers so a long session does not accumulate them.
            while handlers.try_join_next().is_some() {}
            let Some(header) = reader.next_value().await? else {
                return Ok(());
            };
            let header = parse_header(&header).map_err(ServeError::BadHeader)?;
            let Some(args) = reader.next_value().await? else {
                return Err(ServeError::MissingBody);
            };
            let tx = tx.clone();
            let seq = header.seq;
            let service_method = header.service_method;
            let route = self.route(&service_method, args);
            handlers.spawn(async move {
                let result = match route {
                    Ok((service, request)) => AssertUnwindSafe(service.call(request))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|_| {
                            Err(format!("rpc: handler for {service_method} panicked"))
                        }),
                    Err(message) => Err(message),
                };
                let bytes = match &result {
                    Ok(reply) => frame(&response_header(&service_method, seq, ""), reply),
                    Err(message) => frame(
                        &response_header(&service_method, seq, message),
                        &Value::empty_struct(),
                    ),
                };
                let bytes = bytes.or_else(|e| {
                    frame(
                        &response_header(&service_method, seq, &format!("rpc: {e}")),
                        &Value::empty_struct(),
                    )
                });
                match bytes {
                    // A send error means the writer stopped; serve() reports why.
                    Ok(bytes) => {
                        let _ = tx.send(Outgoing::Frame(bytes)).await;
                    }
                    Err(e) => tracing::error!(%service_method, "cannot encode rpc reply: {e}"),
                }
            });
        }
    }

    /// Go's routing: split at the last dot, then look up the service; errors carry Go's text.
    fn route(
        &self,
        service_method: &str,
        args: Value,
    ) -> Result<(Arc<dyn Service>, Request), String> {
        let Some(dot) = service_method.rfind('.') else {
            return Err(format!(
                "rpc: service/method request ill-formed: {service_method}"
            ));
        };
        let service = &service_method[..dot];
        let Some(handler) = self.lookup(service) else {
            return Err(format!("rpc: can't find service {service_method}"));
        };
        Ok((
            handler,
            Request {
                service: service.to_owned(),
                method: service_method[dot + 1..].to_owned(),
                args,
            },
        ))
    }
}
