//! Connecting and authenticating against a real OpenSSH server, and the connect retries.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use photon_ssh::{Auth, Config, Error, ExitStatus, Session};
use photon_test_rig::Sshd;

async fn echo(session: &Session) -> String {
    let mut out = Vec::new();
    let status = session
        .exec("echo hi", tokio::io::empty(), &mut out, tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(status, ExitStatus::Code(0));
    String::from_utf8(out).unwrap()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_ed25519_key_file_logs_in() {
    let sshd = Sshd::shared();
    let mut config = common::config(sshd);
    config.auth = Auth::private_key_file(sshd.client_key_path(), None).unwrap();
    let session = Session::connect(&config).await.unwrap();
    assert_eq!(echo(&session).await, "hi\n");
    assert_eq!(session.target(), format!("127.0.0.1:{}", sshd.port()));
    session.close().await;
}

#[tokio::test]
async fn an_rsa_key_logs_in_with_a_sha2_signature() {
    let sshd = Sshd::shared();
    let key = sshd.new_client_key("rsa").unwrap();
    sshd.authorize(&key.public_key).unwrap();
    let mut config = common::config(sshd);
    config.auth = Auth::PrivateKey {
        pem: key.private_key_pem.clone(),
        passphrase: None,
    };
    let session = Session::connect(&config)
        .await
        .unwrap_or_else(|error| panic!("{error}\n{}", sshd.log()));
    assert_eq!(echo(&session).await, "hi\n");
}

#[tokio::test]
async fn an_unauthorized_key_is_an_auth_error_naming_the_user() {
    let sshd = Sshd::shared();
    let key = sshd.new_client_key("ed25519").unwrap();
    let mut config = common::config(sshd);
    config.auth = Auth::PrivateKey {
        pem: key.private_key_pem.clone(),
        passphrase: None,
    };
    let error = Session::connect(&config).await.unwrap_err();
    match &error {
        Error::Auth {
            user,
            tried,
            target,
            ..
        } => {
            assert_eq!(user, "root");
            assert!(tried.contains("publickey (ssh-ed25519 SHA256:"), "{error}");
            assert_eq!(target, &format!("127.0.0.1:{}", sshd.port()));
        }
        other => panic!("expected Error::Auth, got {other:?}"),
    }
    assert!(error.to_string().contains("\"root\""), "{error}");
}

#[tokio::test]
async fn unusable_keys_are_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let encrypted = dir.path().join("encrypted");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "sesame", "-f"])
        .arg(&encrypted)
        .status()
        .expect("ssh-keygen runs: install Debian's openssh-client (scripts/bootstrap installs it)");
    assert!(status.success());

    let error = Auth::private_key_file(&encrypted, None).unwrap_err();
    assert!(matches!(error, Error::Key { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(encrypted.to_str().unwrap()), "{message}");
    assert!(message.contains("passphrase"), "{message}");

    let error = Auth::private_key_file(&encrypted, Some("wrong".into())).unwrap_err();
    assert!(error.to_string().contains("wrong passphrase"), "{error}");

    assert!(Auth::private_key_file(&encrypted, Some("sesame".into())).is_ok());

    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "not a key").unwrap();
    let error = Auth::private_key_file(&garbage, None).unwrap_err();
    assert!(error.to_string().contains("garbage"), "{error}");
    assert!(error.to_string().contains("OpenSSH"), "{error}");

    // Through connect too, with a port nobody listens on: the key fails first, at once.
    let mut config = Config::new(
        "127.0.0.1",
        "root",
        Auth::PrivateKey {
            pem: "not a key".into(),
            passphrase: None,
        },
    );
    config.port = free_port();
    let started = Instant::now();
    let error = Session::connect(&config).await.unwrap_err();
    assert!(matches!(error, Error::Key { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn connect_waits_for_a_server_that_starts_later() {
    let port = free_port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        Sshd::start_on(port).unwrap()
    });
    // Log in with the shared server's key, authorized on the new server as soon as it is up; a
    // rejection in between counts against the handshake attempts, so allow plenty.
    let shared = Sshd::shared();
    let mut config = common::config(shared);
    config.port = port;
    config.timeout = Duration::from_secs(20);
    config.handshake_attempts = 20;
    let connecting = tokio::spawn(async move { Session::connect(&config).await });
    let sshd = tokio::task::spawn_blocking(move || starter.join().unwrap())
        .await
        .unwrap();
    sshd.authorize(&shared.client_key().public_key).unwrap();
    let session = connecting
        .await
        .unwrap()
        .unwrap_or_else(|error| panic!("{error}\n{}", sshd.log()));
    assert_eq!(echo(&session).await, "hi\n");
    session.close().await;
    drop(sshd);
}

#[tokio::test]
async fn nothing_listening_times_out_naming_the_target_and_the_cause() {
    let port = free_port();
    let mut config = common::config(Sshd::shared());
    config.port = port;
    config.timeout = Duration::from_millis(1500);
    config.retry_interval = Duration::from_millis(200);
    let started = Instant::now();
    let error = Session::connect(&config).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("\"root\""), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(elapsed >= Duration::from_millis(1200), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn connecting_can_be_cancelled() {
    let mut config = common::config(Sshd::shared());
    config.port = free_port();
    let started = Instant::now();
    let error = Session::connect_until(&config, tokio::time::sleep(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn debug_output_hides_secrets() {
    let password = Config::new("h", "u", Auth::Password("hunter2-secret".into()));
    let key = Config::new(
        "h",
        "u",
        Auth::PrivateKey {
            pem: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretkeymaterial\n".into(),
            passphrase: Some("passphrase-secret".into()),
        },
    );
    for config in [&password, &key] {
        let debug = format!("{config:?} {:?}", config.auth);
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
}
