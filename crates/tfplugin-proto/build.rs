//! Compiles `proto/*.proto` (repository root) into OUT_DIR with protox, so no system protoc is needed.

use std::path::PathBuf;

/// The upstream files, relative to the repository's `proto/` folder.
const PROTOS: &[&str] = &[
    "tfplugin5.proto",
    "tfplugin6.proto",
    "grpc_controller.proto",
    "grpc_stdio.proto",
    "grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    for file in PROTOS {
        println!("cargo:rerun-if-changed={}", proto_dir.join(file).display());
    }

    // protox ships google/protobuf/*.proto itself; prost maps those types to prost-types.
    let descriptors = protox::compile(PROTOS, [&proto_dir])?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Every RPC gets a default `Unimplemented` body: Terraform tolerates that for optional
        // RPCs, and servers only implement what they support.
        .generate_default_stubs(true)
        .emit_rerun_if_changed(false)
        .compile_fds(descriptors)?;
    Ok(())
}
