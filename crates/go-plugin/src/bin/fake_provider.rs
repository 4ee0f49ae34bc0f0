//! A provider that serves only its schema, so integration tests can run [`go_plugin::main`] as a
//! real process: `fake-provider` (managed, as Terraform starts it) or
//! `fake-provider --debug <provider address>`.

use std::process::ExitCode;

use go_plugin::{Mode, ServeOptions, TERRAFORM};

#[path = "../../tests/common/fake.rs"]
mod fake;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mode = match (args.next().as_deref(), args.next()) {
        (Some("--debug"), Some(provider_address)) => Mode::Debug { provider_address },
        _ => Mode::Managed,
    };
    go_plugin::main(
        ServeOptions {
            handshake: TERRAFORM,
            versions: vec![5, 6],
            mode,
        },
        fake::routes,
    )
}
