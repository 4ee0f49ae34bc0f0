//! The server side of [hashicorp/go-plugin] for gRPC plugins, as Terraform and Packer launch them.
//!
//! A plugin binary calls [`main`] (or [`serve`] on its own runtime) with the [`Handshake`] of its
//! host and a function that builds the application's gRPC routes for the negotiated protocol
//! version. This crate does everything go-plugin's `plugin.Serve` does for gRPC, and nothing of
//! the application protocol:
//!
//! - checks the magic cookie; a binary run by hand prints go-plugin's "This binary is a plugin"
//!   message and exits with code 1;
//! - picks the application protocol version from `PLUGIN_PROTOCOL_VERSIONS`
//!   ([`negotiate_version`]);
//! - listens on a fresh Unix socket in the temp directory and only then prints the handshake line
//!   `1|<version>|unix|<path>|grpc|<cert>` on stdout;
//! - with `PLUGIN_CLIENT_CERT` set (go-plugin's AutoMTLS), serves TLS 1.2/1.3 with a per-process
//!   server certificate and accepts exactly the client certificate it was given, including
//!   Terraform's ECDSA P-521 one;
//! - registers `plugin.GRPCController`, `plugin.GRPCStdio`, `plugin.GRPCBroker` and the gRPC health
//!   service (`plugin` = SERVING) beside the application's services;
//! - ignores SIGINT (Terraform stops providers over gRPC) and returns after
//!   `GRPCController/Shutdown`;
//! - in [`Mode::Debug`], starts without a host and prints a `TF_REATTACH_PROVIDERS` value instead.
//!
//! Logs go through `tracing`; the process's subscriber decides their shape on stderr.
//!
//! The application's routes must not contain `grpc.health.v1.Health` or `plugin.*` services:
//! this crate adds those, and two services with one name cannot share a router.
//!
//! ```no_run
//! use go_plugin::{Mode, ServeOptions, TERRAFORM};
//!
//! fn main() -> std::process::ExitCode {
//!     let options = ServeOptions {
//!         handshake: TERRAFORM,
//!         versions: vec![5, 6],
//!         mode: Mode::Managed,
//!     };
//!     go_plugin::main(options, |_version| {
//!         // The tfplugin5 or tfplugin6 `ProviderServer` for the negotiated version, built with
//!         // `max_decoding_message_size(go_plugin::MAX_MESSAGE_SIZE)` and the encoding twin.
//!         tonic::service::Routes::default()
//!     })
//! }
//! ```
//!
//! # Message sizes
//!
//! tonic's generated servers accept 4 MiB messages by default, far below what Terraform sends for
//! large states and schemas. Callers must build their services with
//! `max_decoding_message_size(MAX_MESSAGE_SIZE)` and `max_encoding_message_size(MAX_MESSAGE_SIZE)`;
//! this crate does the same for its own services.
//!
//! [hashicorp/go-plugin]: https://github.com/hashicorp/go-plugin

mod conn;
mod env;
mod error;
mod serve;
mod services;
mod tls;
mod version;

pub use env::PluginEnv;
pub use error::ServeError;
pub use serve::{main, main_then, serve, serve_with};
pub use version::negotiate_version;

/// The largest gRPC message, in bytes, that plugin services should send or accept: 256 MiB, the
/// limit terraform-plugin-go's servers and Terraform's own client use.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// What host and plugin agree on before the plugin starts serving: go-plugin's `HandshakeConfig`
/// minus the protocol version, which [`ServeOptions::versions`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// The environment variable the host sets to prove it launched the plugin.
    pub cookie_key: &'static str,
    /// The value the host puts in [`Handshake::cookie_key`].
    pub cookie_value: &'static str,
    /// Printed on stderr when the cookie is missing or wrong, i.e. when a person runs the binary.
    pub not_a_command_message: &'static str,
}

/// go-plugin's text for a binary started without the magic cookie (`server.go`), without the final
/// newline.
const GO_PLUGIN_NOT_A_COMMAND: &str = "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically";

/// Terraform's handshake for provider plugins (`internal/plugin/serve.go`); the cookie "should
/// NEVER be changed".
pub const TERRAFORM: Handshake = Handshake {
    cookie_key: "TF_PLUGIN_MAGIC_COOKIE",
    cookie_value: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    not_a_command_message: GO_PLUGIN_NOT_A_COMMAND,
};

/// How to serve the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// The host's handshake, e.g. [`TERRAFORM`].
    pub handshake: Handshake,
    /// The application protocol versions this plugin supports (for Terraform providers: 5, 6).
    pub versions: Vec<u32>,
    /// Started by the host, or by hand for debugging.
    pub mode: Mode,
}

/// Who starts the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The host launched the process: cookie check, version negotiation, AutoMTLS, handshake line
    /// on stdout; serves until `GRPCController/Shutdown`. SIGINT is ignored.
    Managed,
    /// Started by hand (e.g. under a debugger): no cookie, plaintext, the highest supported
    /// version; prints a `TF_REATTACH_PROVIDERS` value for this provider address and serves until
    /// SIGINT or SIGTERM.
    Debug {
        /// The provider's address as Terraform knows it, e.g.
        /// `registry.terraform.io/photon-iac/photon`.
        provider_address: String,
    },
}
