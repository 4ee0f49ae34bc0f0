//! Helpers shared by the acceptance test binaries (each includes this with `mod common;`).

// Each test binary uses only some of these.
#![allow(dead_code, clippy::unwrap_used)]

use photon_test_rig::Vcsim;

/// How our own vim client reaches `vcsim`: its URL and credentials, TLS verified with its CA.
pub(crate) fn vim_options(vcsim: &Vcsim) -> vim::ConnectOptions {
    vim::ConnectOptions {
        url: vcsim.url.clone(),
        username: vcsim.options.username.clone(),
        password: vcsim.options.password.clone(),
        ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
        ..vim::ConnectOptions::default()
    }
}

/// A session of our own on `vcsim`, independent of the plugins under test, with the runtime
/// that drives it from synchronous tests.
pub(crate) fn vim_login(vcsim: &Vcsim) -> (tokio::runtime::Runtime, vim::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime
        .block_on(vim::Client::connect(vim_options(vcsim)))
        .unwrap();
    (runtime, client)
}

/// The `-var` arguments (`vcenter_server`, `username`, `password`, `ca_file`) that the Packer
/// examples and test templates take, for `vcsim`.
pub(crate) fn packer_connection_vars(vcsim: &Vcsim) -> Vec<String> {
    vec![
        "-var".into(),
        format!("vcenter_server={}", vcsim.url),
        "-var".into(),
        format!("username={}", vcsim.options.username),
        "-var".into(),
        format!("password={}", vcsim.options.password),
        "-var".into(),
        format!("ca_file={}", vcsim.ca_file.display()),
    ]
}
