//! Managed mode in-process, as Terraform drives it: handshake line, AutoMTLS with a P-521 client
//! certificate, go-plugin's services, version negotiation, cookie and TLS failures.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    PATIENCE, channel, client_tls, go_plugin_client_cert, go_plugin_session, health,
    schema_description, start, terraform_env,
};
use go_plugin::{Mode, PluginEnv, ServeError};
use rustls::AlertDescription;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic_health::pb::health_check_response::ServingStatus;

const ALL_VERSIONS: &[&rustls::SupportedProtocolVersion] = rustls::ALL_VERSIONS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_handshake_services_and_shutdown() {
    let client_cert = go_plugin_client_cert();
    let mut server = start(
        Mode::Managed,
        terraform_env(Some("5,6"), Some(&client_cert)),
    );

    let printed = server.next_line().await;
    assert!(
        printed.socket_was_listening,
        "socket listens before the line is printed"
    );
    let line = common::HandshakeLine::parse(&printed.line);
    assert_eq!(line.core_version, "1");
    assert_eq!(line.app_version, "6");
    assert_eq!(line.network, "unix");
    assert_eq!(line.protocol, "grpc");
    assert!(line.path.starts_with(server.socket_dir.path()));
    assert!(
        line.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("plugin")
    );
    assert!(
        line.cert.len() > 50,
        "go-plugin parses field 6 only when longer than 50"
    );
    assert!(!line.cert.contains('='), "no base64 padding: {}", line.cert);
    assert!(
        !line.cert.contains(['-', '_', '\n']),
        "standard alphabet, one line"
    );
    assert_eq!(server.versions_asked.recv().await, Some(6));

    let tls = client_tls(line.cert_der(), Some(&client_cert), ALL_VERSIONS);
    let channel = channel(&line.path, Some(tls)).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    assert_eq!(
        schema_description(&channel, 6).await.unwrap(),
        common::fake::DESCRIPTION
    );
    go_plugin_session(&channel).await;

    assert!(
        server.printed.try_recv().is_err(),
        "one line on stdout, nothing after it"
    );
    server.finished().await.unwrap();
    assert!(!line.path.exists(), "socket file removed on exit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtls_with_tls12_verifies_p521_too() {
    let client_cert = go_plugin_client_cert();
    let mut server = start(
        Mode::Managed,
        terraform_env(Some("6,5"), Some(&client_cert)),
    );
    let line = common::HandshakeLine::parse(&server.next_line().await.line);

    let tls = client_tls(
        line.cert_der(),
        Some(&client_cert),
        &[&rustls::version::TLS12],
    );
    let channel = channel(&line.path, Some(tls)).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);

    server.stop.take().unwrap().send(()).unwrap();
    server.finished().await.unwrap();
}

/// Connects with raw TLS and returns the alert the server answered with. Under TLS 1.3 the
/// client finishes its side before the server has judged its certificate, so the verdict
/// arrives on the first read.
async fn tls_rejection(
    path: &std::path::Path,
    config: std::sync::Arc<rustls::ClientConfig>,
) -> rustls::Error {
    let stream = tokio::net::UnixStream::connect(path).await.unwrap();
    let localhost = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let error = match tokio_rustls::TlsConnector::from(config)
        .connect(localhost, stream)
        .await
    {
        Err(error) => error,
        Ok(mut tls) => {
            let _ = tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
            let mut buffer = [0_u8; 64];
            tokio::time::timeout(PATIENCE, tls.read(&mut buffer))
                .await
                .unwrap()
                .expect_err("the server must reject this client")
        }
    };
    *error
        .into_inner()
        .expect("a TLS error")
        .downcast::<rustls::Error>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_client_certificate_is_rejected_during_tls() {
    let client_cert = go_plugin_client_cert();
    let intruder = go_plugin_client_cert();
    let mut server = start(
        Mode::Managed,
        terraform_env(Some("5,6"), Some(&client_cert)),
    );
    let line = common::HandshakeLine::parse(&server.next_line().await.line);

    let tls = client_tls(line.cert_der(), Some(&intruder), ALL_VERSIONS);
    assert_eq!(
        tls_rejection(&line.path, tls.clone()).await,
        rustls::Error::AlertReceived(AlertDescription::UnknownCA)
    );
    let tls12 = client_tls(line.cert_der(), Some(&intruder), &[&rustls::version::TLS12]);
    assert_eq!(
        tls_rejection(&line.path, tls12).await,
        rustls::Error::AlertReceived(AlertDescription::UnknownCA)
    );
    // Through tonic too: the call fails, nothing reaches the services.
    let result = match channel(&line.path, Some(tls)).await {
        Ok(channel) => health(&channel).await.map(|_| ()),
        Err(error) => Err(tonic::Status::unavailable(error.to_string())),
    };
    assert!(
        result.is_err(),
        "a foreign client certificate must not get through"
    );

    server.stop.take().unwrap().send(()).unwrap();
    server.finished().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_client_certificate_is_rejected_during_tls() {
    let client_cert = go_plugin_client_cert();
    let mut server = start(
        Mode::Managed,
        terraform_env(Some("5,6"), Some(&client_cert)),
    );
    let line = common::HandshakeLine::parse(&server.next_line().await.line);

    let tls = client_tls(line.cert_der(), None, ALL_VERSIONS);
    assert_eq!(
        tls_rejection(&line.path, tls).await,
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired)
    );
    // A plaintext client gets nowhere either.
    let result = match channel(&line.path, None).await {
        Ok(channel) => health(&channel).await.map(|_| ()),
        Err(error) => Err(tonic::Status::unavailable(error.to_string())),
    };
    assert!(result.is_err());

    server.stop.take().unwrap().send(()).unwrap();
    server.finished().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_without_client_certificate() {
    // TF_DISABLE_PLUGIN_TLS: Terraform sends no PLUGIN_CLIENT_CERT and dials h2c.
    let mut server = start(Mode::Managed, terraform_env(Some("5,6"), None));
    let printed = server.next_line().await;
    assert!(printed.socket_was_listening);
    let line = common::HandshakeLine::parse(&printed.line);
    assert_eq!(line.cert, "", "empty sixth field");
    assert!(printed.line.ends_with("|grpc|\n"), "{:?}", printed.line);

    let channel = channel(&line.path, None).await.unwrap();
    assert_eq!(health(&channel).await.unwrap(), ServingStatus::Serving);
    assert_eq!(
        schema_description(&channel, 6).await.unwrap(),
        common::fake::DESCRIPTION
    );
    go_plugin_session(&channel).await;
    server.finished().await.unwrap();
    assert!(!line.path.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_negotiation_table() {
    // (PLUGIN_PROTOCOL_VERSIONS, chosen version) for a plugin supporting 5 and 6.
    let table = [
        (Some("5,6"), 6),
        (Some("6,5"), 6),
        (Some("5"), 5),
        (Some("6"), 6),
        (Some("4,7"), 5),
        (None, 5),
    ];
    for (client_versions, expected) in table {
        let mut server = start(Mode::Managed, terraform_env(client_versions, None));
        let line = common::HandshakeLine::parse(&server.next_line().await.line);
        assert_eq!(
            line.app_version,
            expected.to_string(),
            "PLUGIN_PROTOCOL_VERSIONS={client_versions:?}"
        );
        assert_eq!(server.versions_asked.recv().await, Some(expected));
        // The routes are the negotiated protocol's.
        let channel = channel(&line.path, None).await.unwrap();
        assert_eq!(
            schema_description(&channel, expected).await.unwrap(),
            common::fake::DESCRIPTION
        );
        let other = if expected == 6 { 5 } else { 6 };
        assert_eq!(
            schema_description(&channel, other)
                .await
                .unwrap_err()
                .code(),
            tonic::Code::Unimplemented
        );
        server.stop.take().unwrap().send(()).unwrap();
        server.finished().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_cookie_prints_nothing_and_fails() {
    for cookie in [None, Some("not the cookie".to_owned())] {
        let env = PluginEnv {
            cookie,
            ..terraform_env(Some("5,6"), None)
        };
        let mut server = start(Mode::Managed, env);
        let result = tokio::time::timeout(PATIENCE, &mut server.task)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(result, Err(ServeError::NotAPlugin)), "{result:?}");
        assert!(server.printed.try_recv().is_err(), "nothing on stdout");
        assert!(server.versions_asked.try_recv().is_err());
        let leftovers = std::fs::read_dir(server.socket_dir.path()).unwrap().count();
        assert_eq!(leftovers, 0, "no socket created");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_services_accept_messages_above_tonics_default_limit() {
    let mut server = start(Mode::Managed, terraform_env(Some("5,6"), None));
    let line = common::HandshakeLine::parse(&server.next_line().await.line);
    let channel = channel(&line.path, None).await.unwrap();
    // 5 MiB: over tonic's 4 MiB default, under MAX_MESSAGE_SIZE. An unknown service name is
    // answered NotFound, which proves the request was decoded.
    let status = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: "x".repeat(5 << 20),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");

    server.stop.take().unwrap().send(()).unwrap();
    server.finished().await.unwrap();
}
