//! Shared by the test binaries: a session to the rig's sshd.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use photon_ssh::{Auth, Config, Session};
use photon_test_rig::Sshd;

/// A configuration for `sshd` with its authorized key and short retry times.
pub fn config(sshd: &Sshd) -> Config {
    let mut config = Config::new(
        sshd.host(),
        sshd.user(),
        Auth::PrivateKey {
            pem: sshd.client_key_pem().to_owned(),
            passphrase: None,
        },
    );
    config.port = sshd.port();
    config.timeout = Duration::from_secs(10);
    config.retry_interval = Duration::from_millis(200);
    config.handshake_attempts = 2;
    config
}

/// A session to the test binary's shared sshd.
pub async fn session() -> Session {
    let sshd = Sshd::shared();
    Session::connect(&config(sshd))
        .await
        .unwrap_or_else(|error| panic!("{error}\nsshd log:\n{}", sshd.log()))
}
