//! Generated gRPC code for the wire protocols a Terraform provider speaks.
//!
//! - [`tfplugin5`] and [`tfplugin6`]: Terraform's provider protocol, major versions 5 and 6;
//! - [`plugin`]: hashicorp/go-plugin's own services (controller, stdio, broker).
//!
//! The code is generated at build time from the upstream `.proto` files in the repository's
//! `proto/` folder (see its README for versions and sources) with `tonic-prost-build`, compiled by
//! `protox`, so no system `protoc` is needed. Both servers and clients are generated; every server
//! trait method has a default body answering `Unimplemented`. `google.protobuf.Timestamp` maps to
//! [`prost_types::Timestamp`], `google.protobuf.Empty` to `()`.
//!
//! Terraform sends and expects messages far above tonic's 4 MiB default; servers built from these
//! modules should call `max_decoding_message_size` / `max_encoding_message_size` with 256 MiB, as
//! terraform-plugin-go does.

/// Terraform plugin protocol 5 (`tfplugin5.proto`, header version 5.10): `Provider` and
/// `Provisioner` services.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::all
)]
pub mod tfplugin5 {
    include!(concat!(env!("OUT_DIR"), "/tfplugin5.rs"));
}

/// Terraform plugin protocol 6 (`tfplugin6.proto`, header version 6.10): the `Provider` service.
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::all
)]
pub mod tfplugin6 {
    include!(concat!(env!("OUT_DIR"), "/tfplugin6.rs"));
}

/// hashicorp/go-plugin's services (proto package `plugin`): `GRPCController` (shutdown),
/// `GRPCStdio` (stdout/stderr forwarding) and `GRPCBroker` (extra connections).
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    rustdoc::all
)]
pub mod plugin {
    include!(concat!(env!("OUT_DIR"), "/plugin.rs"));
}
