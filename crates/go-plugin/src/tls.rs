//! go-plugin's AutoMTLS, server side.
//!
//! The host generates a self-signed client certificate, passes it as PEM in `PLUGIN_CLIENT_CERT`
//! and trusts whatever server certificate the handshake line carries. So the server generates a
//! certificate per start and accepts exactly the client certificate it was given.
//!
//! Terraform's client certificate is CA:true with an ECDSA P-521 key. webpki rejects a CA
//! certificate as an end entity, and ring cannot verify P-521 signatures, so the client check is
//! a byte-for-byte comparison and P-521 signatures are verified with the pure-Rust `p521` crate;
//! everything else uses ring.

use std::sync::Arc;

use base64::Engine as _;
use p521::ecdsa::signature::Verifier as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer, PrivatePkcs8KeyDer,
    SignatureVerificationAlgorithm, UnixTime, alg_id,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

use crate::ServeError;

/// The server's TLS setup for one process.
pub(crate) struct ServerTls {
    /// rustls configuration: the generated certificate, the pinned client certificate, ALPN h2.
    pub(crate) config: Arc<ServerConfig>,
    /// Field 6 of the handshake line: the server certificate's DER in unpadded standard base64.
    pub(crate) cert_base64: String,
}

/// Builds the TLS configuration for a host whose client certificate is `client_cert_pem`.
pub(crate) fn server_tls(client_cert_pem: &str) -> Result<ServerTls, ServeError> {
    let allowed = CertificateDer::pem_slice_iter(client_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ServeError::ClientCert(Some(error)))?;
    if allowed.is_empty() {
        return Err(ServeError::ClientCert(None));
    }

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (cert, key) = generate_server_cert(&provider)?;
    let cert_base64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&cert);

    let verifier = PinnedClientCert {
        allowed,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ServeError::Tls(error.into()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![cert], key)
        .map_err(|error| ServeError::Tls(error.into()))?;
    // grpc-go >= 1.67 (Terraform >= 1.12) rejects TLS servers that do not select h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        cert_base64,
    })
}

/// A fresh self-signed P-256 certificate for `localhost`. The host trusts it because it is the one
/// in the handshake line; Go checks only its SAN, validity and (if present) its EKU.
fn generate_server_cert(
    provider: &CryptoProvider,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), ServeError> {
    let tls_error = |error: rcgen::Error| ServeError::Tls(error.into());
    let key = RingP256Key::generate()?;

    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls_error)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyAgreement,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    // go-plugin's window: 30 s back for clock skew, 262980 hours (~30 years) ahead.
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(262_980);
    let mut serial = [0_u8; 16];
    provider
        .secure_random
        .fill(&mut serial)
        .map_err(|_| ServeError::Tls("no secure random numbers for a serial number".into()))?;
    serial[0] &= 0x7f; // a positive DER INTEGER, < 2^127
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));

    let cert = params.self_signed(&key).map_err(tls_error)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8));
    Ok((cert.der().clone(), key))
}

/// The server key, generated and used with ring directly. rcgen signs with aws-lc-rs whenever
/// another crate in the build enables that feature (test clients do, for P-521), and aws-lc's
/// first use costs tens of milliseconds of start-up; ring's costs nothing.
struct RingP256Key {
    pair: ring::signature::EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl RingP256Key {
    fn generate() -> Result<Self, ServeError> {
        let algorithm = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let random = ring::rand::SystemRandom::new();
        let failed = |what: &str| ServeError::Tls(format!("P-256 key {what} failed").into());
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(algorithm, &random)
            .map_err(|_| failed("generation"))?;
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(algorithm, pkcs8.as_ref(), &random)
            .map_err(|_| failed("loading"))?;
        Ok(Self {
            pair,
            pkcs8: pkcs8.as_ref().to_vec(),
        })
    }
}

impl rcgen::PublicKeyData for RingP256Key {
    fn der_bytes(&self) -> &[u8] {
        use ring::signature::KeyPair as _;
        self.pair.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for RingP256Key {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(&ring::rand::SystemRandom::new(), message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}

/// Accepts exactly the certificates from `PLUGIN_CLIENT_CERT`, compared byte for byte, and checks
/// the handshake signature with their key.
#[derive(Debug)]
struct PinnedClientCert {
    allowed: Vec<CertificateDer<'static>>,
    /// The provider's (ring's) verification algorithms, for every scheme but P-521.
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go's client then offers its only certificate, whatever its issuer.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self
            .allowed
            .iter()
            .any(|allowed| allowed.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("rejected a TLS client certificate that is not PLUGIN_CLIENT_CERT");
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, self.algorithms_for(dss))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, self.algorithms_for(dss))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // Advertising P-521 matters: Go's client sends an empty certificate when the server's
        // CertificateRequest lists no scheme its key can sign with.
        let mut schemes = self.algorithms.supported_schemes();
        if !schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512) {
            schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        }
        schemes
    }
}

impl PinnedClientCert {
    fn algorithms_for(&self, dss: &DigitallySignedStruct) -> &WebPkiSupportedAlgorithms {
        if dss.scheme == SignatureScheme::ECDSA_NISTP521_SHA512 {
            &P521_ALGORITHMS
        } else {
            &self.algorithms
        }
    }
}

/// ECDSA P-521 with SHA-512, the only scheme a go-plugin client certificate signs with.
static P521_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[&EcdsaP521Sha512],
    mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[&EcdsaP521Sha512])],
};

/// webpki verification algorithm for ECDSA P-521 / SHA-512 backed by the `p521` crate.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p521_algorithm_rejects_garbage() {
        assert!(
            EcdsaP521Sha512
                .verify_signature(b"not a key", b"message", b"not a signature")
                .is_err()
        );
    }

    #[test]
    fn server_cert_is_unpadded_base64_of_a_localhost_cert() {
        let pem = "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n";
        let tls = server_tls(pem).unwrap();
        assert!(!tls.cert_base64.contains('='));
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&tls.cert_base64)
            .unwrap();
        assert!(der.windows(9).any(|window| window == b"localhost"));
        assert_eq!(tls.config.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn client_cert_must_be_pem() {
        assert!(matches!(
            server_tls("not a certificate"),
            Err(ServeError::ClientCert(None))
        ));
    }
}
