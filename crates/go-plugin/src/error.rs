//! Why serving failed.

use std::path::PathBuf;

/// An error that stops [`serve`](crate::serve) before or while serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The magic cookie is missing or wrong: a person ran the binary, not the host.
    /// [`main`](crate::main) prints [`Handshake::not_a_command_message`](crate::Handshake) for it.
    #[error("the plugin was not started by its host (magic cookie missing or wrong)")]
    NotAPlugin,
    /// [`ServeOptions`](crate::ServeOptions) cannot work (empty cookie key or value, no versions).
    #[error("invalid serve options: {0}")]
    InvalidOptions(&'static str),
    /// `PLUGIN_CLIENT_CERT` holds no usable PEM certificate.
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    ClientCert(#[source] Option<rustls::pki_types::pem::Error>),
    /// Generating the server certificate or building the TLS configuration failed.
    #[error("cannot set up TLS")]
    Tls(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The Unix socket could not be created.
    #[error("cannot listen on a Unix socket in {dir}")]
    Bind {
        /// The directory the socket was to be created in.
        dir: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A signal handler could not be installed.
    #[error("cannot install a signal handler")]
    Signal(#[source] std::io::Error),
    /// Writing the handshake line (or the reattach value) failed.
    #[error("cannot write the handshake to stdout")]
    Handshake(#[source] std::io::Error),
    /// The gRPC server failed.
    #[error("the gRPC server failed")]
    Transport(#[source] tonic::transport::Error),
    /// The tokio runtime could not be built (only from [`main`](crate::main)).
    #[error("cannot start the tokio runtime")]
    Runtime(#[source] std::io::Error),
}
