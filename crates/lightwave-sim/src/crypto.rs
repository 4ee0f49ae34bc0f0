//! Keys, certificates, JWTs and password hashes.
//!
//! Everything uses aws-lc-rs (through rustls/rcgen too) so the simulator never depends on which
//! rustls crypto provider happens to be the process default.

use std::num::NonZeroU32;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

use crate::SimError;

/// A tenant's RS256 signing key, parsed once.
pub(crate) struct Signer {
    key: KeyPair,
    /// JWK `kid`: a short digest of the public key, so clients can pick the key from the JWKS.
    pub(crate) kid: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Parses an RSA PKCS#8 key (what tenant credentials carry).
    pub(crate) fn from_pkcs8(pkcs8: &[u8]) -> Result<Signer, String> {
        let key = KeyPair::from_pkcs8(pkcs8)
            .map_err(|error| format!("not an RSA private key in PKCS#8 DER: {error}"))?;
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.public_key().as_ref());
        let kid = hex(&digest.as_ref()[..8]);
        Ok(Signer { key, kid })
    }

    /// Signs `claims` as a compact RS256 JWS.
    pub(crate) fn sign_jwt(&self, claims: &Value) -> Result<String, SimError> {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| SimError::Crypto("RS256 signing failed".into()))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// Checks an RS256 JWS against this key and returns its claims.
    pub(crate) fn verify_jwt(&self, token: &str) -> Result<Value, String> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the token is not a JWT (expected header.payload.signature)".into());
        };
        let header_part = header;
        let header: Value = decode_json_part(header)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err("the token is not signed with RS256".into());
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "the token signature is not base64url".to_string())?;
        let public_key = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.key.public_key().as_ref(),
        );
        let signing_input = format!("{header_part}.{payload}");
        public_key
            .verify(signing_input.as_bytes(), &signature)
            .map_err(|_| {
                "the token signature does not verify with the tenant's signing key".to_string()
            })?;
        decode_json_part(payload)
    }

    /// The public key as a JWK (`kty` RSA, `n`, `e`).
    pub(crate) fn jwk(&self) -> Value {
        let public = self.key.public_key();
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }
}

fn decode_json_part(part: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "a token part is not base64url".to_string())?;
    serde_json::from_slice(&bytes).map_err(|_| "a token part is not JSON".to_string())
}

/// Fresh signing credentials: an RSA-2048 PKCS#8 key and a self-signed certificate for it.
pub(crate) fn generate_signing_credentials(tenant: &str) -> Result<(Vec<u8>, String), SimError> {
    let key = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| SimError::Crypto("RSA key generation failed".into()))?;
    let pkcs8 = key
        .as_der()
        .map_err(|_| SimError::Crypto("RSA key encoding failed".into()))?
        .as_ref()
        .to_vec();
    let rcgen_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8.clone()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(|error| SimError::Crypto(format!("signing key for rcgen: {error}")))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|error| SimError::Crypto(error.to_string()))?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("{tenant} signing certificate"),
    );
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params
        .self_signed(&rcgen_key)
        .map_err(|error| SimError::Crypto(format!("tenant signing certificate: {error}")))?;
    Ok((pkcs8, certificate.pem()))
}

/// The HTTPS identity: a CA (returned as PEM) and a leaf for 127.0.0.1/localhost it signed.
pub(crate) fn server_tls() -> Result<(String, Arc<rustls::ServerConfig>), SimError> {
    let crypto = |error: rcgen::Error| SimError::Crypto(format!("TLS certificate: {error}"));
    let ca_key = rcgen::KeyPair::generate().map_err(crypto)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(crypto)?;
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lightwave-sim CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(crypto)?;

    let leaf_key = rcgen::KeyPair::generate().map_err(crypto)?;
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(crypto)?;
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lightwave-sim");
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(crypto)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| SimError::Crypto(format!("TLS versions: {error}")))?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(|error| SimError::Crypto(format!("TLS server config: {error}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((ca.pem(), Arc::new(config)))
}

/// Decodes one PEM certificate and checks that it is DER of the X.509 outer shape
/// (SEQUENCE { SEQUENCE tbsCertificate, SEQUENCE algorithm, BIT STRING signature }).
pub(crate) fn parse_certificate_pem(pem: &str) -> Result<Vec<u8>, String> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|_| "expected a PEM certificate (-----BEGIN CERTIFICATE-----)".to_string())?;
    let bytes = der.as_ref();
    let (outer, rest) = der_element(bytes, 0x30).ok_or("the certificate is not valid DER")?;
    if !rest.is_empty() {
        return Err("the certificate has trailing data".into());
    }
    let (_tbs, after_tbs) =
        der_element(outer, 0x30).ok_or("the certificate has no tbsCertificate")?;
    let (_alg, after_alg) =
        der_element(after_tbs, 0x30).ok_or("the certificate has no signature algorithm")?;
    let (_sig, end) = der_element(after_alg, 0x03).ok_or("the certificate has no signature")?;
    if !end.is_empty() {
        return Err("the certificate has unexpected fields".into());
    }
    Ok(bytes.to_vec())
}

// Splits one DER element of the expected tag off `input`: (contents, remainder).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len_byte, rest) = rest.split_first()?;
    let (len, rest) = if len_byte < 0x80 {
        (usize::from(len_byte), rest)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &byte| (acc << 8) | usize::from(byte));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}

/// SHA-1 and SHA-256 fingerprints (lowercase hex, no separators) of a DER certificate.
pub(crate) fn fingerprints(der: &[u8]) -> [String; 2] {
    [
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref()),
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref()),
    ]
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Random bytes as lowercase hex.
pub(crate) fn random_hex(len: usize) -> Result<String, SimError> {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| SimError::Crypto("the system random generator failed".into()))?;
    Ok(hex(&bytes))
}

/// A random RFC 4122 version-4 UUID, as Lightwave uses for tenant GUIDs and client ids.
pub(crate) fn random_uuid() -> Result<String, SimError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| SimError::Crypto("the system random generator failed".into()))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex(&bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

// PBKDF2 rounds: enough to not be a plain digest, few enough to keep logins fast in tests.
const PBKDF2_ROUNDS: u32 = 10_000;

/// Hashes a password with a fresh salt: `pbkdf2-sha256$<rounds>$<salt b64>$<hash b64>`.
pub(crate) fn hash_password(password: &str) -> Result<String, SimError> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt)
        .map_err(|_| SimError::Crypto("the system random generator failed".into()))?;
    let mut hash = [0u8; 32];
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(PBKDF2_ROUNDS).expect("constant is non-zero"),
        &salt,
        password.as_bytes(),
        &mut hash,
    );
    Ok(format!(
        "pbkdf2-sha256${PBKDF2_ROUNDS}${}${}",
        STANDARD.encode(salt),
        STANDARD.encode(hash)
    ))
}

/// Checks a password against [`hash_password`]'s output (constant-time comparison).
pub(crate) fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(rounds), Ok(salt), Ok(hash)) = (
        rounds.parse::<u32>().ok().and_then(NonZeroU32::new),
        STANDARD.decode(salt),
        STANDARD.decode(hash),
    ) else {
        return false;
    };
    aws_lc_rs::pbkdf2::verify(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        &salt,
        password.as_bytes(),
        &hash,
    )
    .is_ok()
}
