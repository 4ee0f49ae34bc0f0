//! The host side of hashicorp/go-plugin, played the way Terraform plays it: a go-plugin-style
//! client certificate, the handshake line, and gRPC channels over the plugin's Unix socket with
//! AutoMTLS. For tests and benchmarks of plugins; no plugin links it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;
use tonic::transport::{Channel, Endpoint, Uri};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

/// Generous bound for anything that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A client certificate made like go-plugin's `generateCert`: ECDSA P-521, CA:true, clientAuth and
/// serverAuth, CN localhost, self-signed.
pub struct ClientCert {
    /// PEM, as `PLUGIN_CLIENT_CERT` carries it.
    pub pem: String,
    /// DER, as presented in TLS.
    pub der: CertificateDer<'static>,
    /// Its private key.
    pub key: PrivateKeyDer<'static>,
}

/// Generates a client certificate the way go-plugin does for Terraform.
pub fn go_plugin_client_cert() -> ClientCert {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)
        .expect("test support: fails only on a broken environment");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("test support: fails only on a broken environment");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let cert = params
        .self_signed(&key)
        .expect("test support: fails only on a broken environment");
    ClientCert {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// One line the server printed, with whether its socket accepted a connection at that moment.
#[derive(Debug)]
pub struct Printed {
    /// The line, with its newline.
    pub line: String,
    /// Whether the socket it names accepted a connection when it was written.
    pub socket_was_listening: bool,
}

/// The server's "stdout": splits lines, checks the socket each line names, forwards them.
pub struct LineSink {
    buffer: Vec<u8>,
    lines: mpsc::UnboundedSender<Printed>,
}

impl LineSink {
    /// A sink and the receiver of its lines.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Printed>) {
        let (lines, receiver) = mpsc::unbounded_channel();
        (
            Self {
                buffer: Vec::new(),
                lines,
            },
            receiver,
        )
    }
}

impl Write for LineSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        while let Some(end) = self.buffer.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line =
                String::from_utf8(line).expect("test support: fails only on a broken environment");
            let socket_was_listening = socket_in(&line)
                .is_some_and(|path| std::os::unix::net::UnixStream::connect(path).is_ok());
            let _ = self.lines.send(Printed {
                line,
                socket_was_listening,
            });
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The socket path a handshake or reattach line names.
fn socket_in(line: &str) -> Option<PathBuf> {
    if let Some(json) = line.strip_prefix("TF_REATTACH_PROVIDERS='") {
        let value: serde_json::Value =
            serde_json::from_str(json.trim_end().strip_suffix('\'')?).ok()?;
        let (_, config) = value.as_object()?.iter().next()?;
        return config["Addr"]["String"].as_str().map(PathBuf::from);
    }
    line.split('|').nth(3).map(PathBuf::from)
}

/// The handshake line's six fields.
#[derive(Debug)]
pub struct HandshakeLine {
    /// The whole line.
    pub raw: String,
    /// Field 1: go-plugin's core protocol version.
    pub core_version: String,
    /// Field 2: the negotiated app protocol version.
    pub app_version: String,
    /// Field 3: `unix` or `tcp`.
    pub network: String,
    /// Field 4: the socket path.
    pub path: PathBuf,
    /// Field 5: `grpc`.
    pub protocol: String,
    /// Field 6: the server certificate, unpadded base64 DER (empty without TLS).
    pub cert: String,
}

impl HandshakeLine {
    /// Splits a line; panics (test support) unless it has six fields.
    pub fn parse(raw: &str) -> Self {
        let body = raw
            .strip_suffix('\n')
            .expect("the handshake line ends with a newline");
        let fields: Vec<&str> = body.split('|').collect();
        assert_eq!(fields.len(), 6, "exactly six fields: {raw:?}");
        Self {
            raw: raw.to_owned(),
            core_version: fields[0].to_owned(),
            app_version: fields[1].to_owned(),
            network: fields[2].to_owned(),
            path: PathBuf::from(fields[3]),
            protocol: fields[4].to_owned(),
            cert: fields[5].to_owned(),
        }
    }

    /// Field 6 decoded the way go-plugin does (`base64.RawStdEncoding`).
    pub fn cert_der(&self) -> CertificateDer<'static> {
        CertificateDer::from(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&self.cert)
                .expect("field 6 is unpadded standard base64"),
        )
    }
}

/// A rustls client like Terraform's: trusts only the handshake's server certificate, presents
/// `client` (if any), offers ALPN h2.
pub fn client_tls(
    server_cert: CertificateDer<'static>,
    client: Option<&ClientCert>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(server_cert)
        .expect("test support: fails only on a broken environment");
    let builder = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .expect("test support: fails only on a broken environment")
    .with_root_certificates(roots);
    let mut config = match client {
        Some(cert) => builder
            .with_client_auth_cert(vec![cert.der.clone()], cert.key.clone_key())
            .expect("test support: fails only on a broken environment"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// A gRPC channel over the Unix socket, TLS if `tls` is given, else h2c.
pub async fn channel(
    path: &Path,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Channel, tonic::transport::Error> {
    let path = path.to_owned();
    Endpoint::try_from("http://localhost")?
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            let tls = tls.clone();
            async move {
                let stream = UnixStream::connect(&path).await?;
                let io: Box<dyn Io> = match tls {
                    Some(config) => Box::new(
                        TlsConnector::from(config)
                            .connect(
                                ServerName::try_from("localhost")
                                    .expect("test support: fails only on a broken environment"),
                                stream,
                            )
                            .await?,
                    ),
                    None => Box::new(stream),
                };
                Ok::<_, std::io::Error>(TokioIo::new(io))
            }
        }))
        .await
}

/// A duplex byte stream, boxed so TLS and plain connections share one type.
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// go-plugin's `Ping`: health status of the `plugin` service.
pub async fn health(channel: &Channel) -> Result<ServingStatus, tonic::Status> {
    let response = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "plugin".to_owned(),
        })
        .await?;
    Ok(response.into_inner().status())
}
