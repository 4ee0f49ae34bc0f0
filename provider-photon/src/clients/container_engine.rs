//! The container engine backend: one Docker Engine API client (bollard) per provider process,
//! connected on first use to `container_engine.host` (Docker or Podman's compatible service)
//! over a unix socket, plain HTTP, TLS with client certificates, or SSH. The API version is
//! negotiated with the engine (Podman 4.3.1 reports 1.41).
//!
//! Also home of what every container resource shares: engine errors as diagnostics.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use bollard::Docker;
use tfsdk::Diagnostic;
use tokio::sync::OnceCell;

use crate::provider_config::{ContainerEngineSettings, Setting};

/// Seconds bollard waits for one request.
const TIMEOUT_SECONDS: u64 = 120;

/// A problem with the `container_engine` block, found without connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    /// The attribute of the block at fault, e.g. `host`.
    pub attribute: &'static str,
    /// What is wrong and what was expected.
    pub detail: String,
}

fn settings_error(attribute: &'static str, detail: impl Into<String>) -> SettingsError {
    SettingsError {
        attribute,
        detail: detail.into(),
    }
}

/// Where TLS client material comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsMaterial {
    /// A directory with `ca.pem`, `cert.pem` and `key.pem`.
    Dir(PathBuf),
    /// PEM text given in the configuration.
    Inline {
        /// CA certificates.
        ca: String,
        /// Client certificate.
        cert: String,
        /// Client key (never printed).
        key: String,
    },
}

impl fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsMaterial::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
            TlsMaterial::Inline { .. } => f.write_str("Inline(<sensitive>)"),
        }
    }
}

/// How to reach the engine, parsed from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket path.
    Unix {
        /// Absolute socket path.
        path: String,
    },
    /// Plain HTTP to `host:port`.
    Http {
        /// `host:port`.
        address: String,
    },
    /// HTTPS with client certificates to `host:port`.
    Tls {
        /// `host:port`.
        address: String,
        /// Certificates and key.
        material: TlsMaterial,
    },
    /// SSH to `[user@]host`, running `docker system dial-stdio` there.
    Ssh {
        /// `[user@]host`.
        destination: String,
        /// `-i` identity file from `ssh_opts`.
        identity: Option<String>,
    },
}

fn known<T: Clone>(setting: &Setting<T>) -> Option<T> {
    match setting {
        Setting::Known(value) => Some(value.clone()),
        Setting::Unknown => None,
    }
}

/// Checks the settings without touching the network or files (unknown values pass).
pub fn check_settings(settings: &ContainerEngineSettings) -> Result<(), SettingsError> {
    endpoint(settings).map(|_| ())
}

/// Parses the settings into an endpoint; `None` while any of them is unknown.
pub fn endpoint(settings: &ContainerEngineSettings) -> Result<Option<Endpoint>, SettingsError> {
    let (Some(host), Some(cert_path), Some(ca), Some(cert), Some(key), Some(ssh_opts)) = (
        known(&settings.host),
        known(&settings.cert_path),
        known(&settings.ca_material),
        known(&settings.cert_material),
        known(&settings.key_material.0),
        known(&settings.ssh_opts),
    ) else {
        return Ok(None);
    };
    let key = Some(key).filter(|key| !key.is_empty());
    let inline_set = ca.is_some() || cert.is_some() || key.is_some();
    let Some((scheme, rest)) = host.split_once("://") else {
        return Err(bad_scheme(&host));
    };
    if !ssh_opts.is_empty() && scheme != "ssh" {
        return Err(settings_error(
            "ssh_opts",
            format!("ssh options only apply to ssh:// hosts, but host is {host:?}."),
        ));
    }
    if inline_set && !matches!(scheme, "tcp" | "https") {
        let attribute = first_set(&ca, &cert);
        return Err(settings_error(
            attribute,
            format!(
                "TLS material only applies to tcp:// and https:// hosts, but host is {host:?}."
            ),
        ));
    }
    match scheme {
        "unix" => {
            if !rest.starts_with('/') {
                return Err(settings_error(
                    "host",
                    format!(
                        "expected an absolute socket path such as unix:///run/podman/podman.sock, got {host:?}."
                    ),
                ));
            }
            Ok(Some(Endpoint::Unix {
                path: rest.to_owned(),
            }))
        }
        "tcp" | "http" | "https" => {
            let tls = scheme == "https" || (scheme == "tcp" && (inline_set || cert_path.is_some()));
            let address = tcp_address(&host, rest, if tls { 2376 } else { 2375 })?;
            if !tls {
                return Ok(Some(Endpoint::Http { address }));
            }
            let material = if inline_set {
                if cert_path.is_some() {
                    return Err(settings_error(
                        "cert_path",
                        "set either cert_path or ca_material, cert_material and key_material, not both.",
                    ));
                }
                let ca = pem(ca, "ca_material", "CERTIFICATE")?;
                let cert = pem(cert, "cert_material", "CERTIFICATE")?;
                let key = pem(key, "key_material", "PRIVATE KEY")?;
                TlsMaterial::Inline { ca, cert, key }
            } else if let Some(dir) = cert_path {
                TlsMaterial::Dir(PathBuf::from(dir))
            } else {
                return Err(settings_error(
                    "host",
                    format!(
                        "{host:?} needs TLS client certificates: set cert_path (or DOCKER_CERT_PATH) to a directory with ca.pem, cert.pem and key.pem, or set ca_material, cert_material and key_material; use tcp:// for plain HTTP."
                    ),
                ));
            };
            Ok(Some(Endpoint::Tls { address, material }))
        }
        "ssh" => {
            let destination = ssh_destination(&host, rest)?;
            let identity = ssh_identity(&ssh_opts)?;
            Ok(Some(Endpoint::Ssh {
                destination,
                identity,
            }))
        }
        _ => Err(bad_scheme(&host)),
    }
}

fn bad_scheme(host: &str) -> SettingsError {
    settings_error(
        "host",
        format!(
            "expected unix:///path, tcp://host:port, https://host:port or ssh://user@host, got {host:?}."
        ),
    )
}

fn first_set(ca: &Option<String>, cert: &Option<String>) -> &'static str {
    if ca.is_some() {
        "ca_material"
    } else if cert.is_some() {
        "cert_material"
    } else {
        "key_material"
    }
}

/// `host:port` from the part after `tcp://`, with Docker's default port.
fn tcp_address(host: &str, rest: &str, default_port: u16) -> Result<String, SettingsError> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        return Err(settings_error(
            "host",
            format!("expected tcp://host:port with no path or user, got {host:?}."),
        ));
    }
    // `[::1]:2375`, `host:2375`, or a bare host.
    let has_port = match rest.rfind(':') {
        Some(colon) => !rest[colon..].contains(']'),
        None => false,
    };
    if !has_port {
        return Ok(format!("{rest}:{default_port}"));
    }
    let (name, port) = rest.rsplit_once(':').unwrap_or((rest, ""));
    if name.is_empty() || port.parse::<u16>().is_err() {
        return Err(settings_error(
            "host",
            format!("expected tcp://host:port with a port from 1 to 65535, got {host:?}."),
        ));
    }
    Ok(rest.to_owned())
}

/// `[user@]host` from the part after `ssh://`.
fn ssh_destination(host: &str, rest: &str) -> Result<String, SettingsError> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (user, machine) = match rest.rsplit_once('@') {
        Some((user, machine)) => (Some(user), machine),
        None => (None, rest),
    };
    let (machine, port) = match machine.rsplit_once(':') {
        Some((machine, port)) if !machine.ends_with(']') || machine.starts_with('[') => {
            (machine, Some(port))
        }
        _ => (machine, None),
    };
    if machine.is_empty() || machine.contains('/') || user.is_some_and(str::is_empty) {
        return Err(settings_error(
            "host",
            format!("expected ssh://user@host, got {host:?}."),
        ));
    }
    match port {
        None | Some("22") => {}
        Some(port) if port.parse::<u16>().is_ok() => {
            return Err(settings_error(
                "host",
                format!(
                    "{host:?}: the SSH transport cannot pass a port to ssh; add `Host <alias>` with `HostName {machine}` and `Port {port}` to ~/.ssh/config and use ssh://{}<alias>.",
                    user.map(|user| format!("{user}@")).unwrap_or_default()
                ),
            ));
        }
        Some(_) => {
            return Err(settings_error(
                "host",
                format!("expected ssh://user@host[:port] with a numeric port, got {host:?}."),
            ));
        }
    }
    Ok(match user {
        Some(user) => format!("{user}@{machine}"),
        None => machine.to_owned(),
    })
}

/// The identity file of `-i FILE` / `-iFILE`; anything else is refused.
fn ssh_identity(options: &[String]) -> Result<Option<String>, SettingsError> {
    let mut identity = None;
    let mut iter = options.iter();
    while let Some(option) = iter.next() {
        let file = if option == "-i" {
            iter.next().cloned().ok_or_else(|| {
                settings_error("ssh_opts", "\"-i\" must be followed by an identity file.")
            })?
        } else if let Some(file) = option.strip_prefix("-i").filter(|file| !file.is_empty()) {
            file.to_owned()
        } else {
            return Err(settings_error(
                "ssh_opts",
                format!(
                    "{option:?} is not supported: the SSH transport only takes an identity file (\"-i\", \"~/.ssh/id_ed25519\"); put other options in ~/.ssh/config."
                ),
            ));
        };
        if identity.replace(file).is_some() {
            return Err(settings_error(
                "ssh_opts",
                "only one identity file (\"-i\") is supported.",
            ));
        }
    }
    Ok(identity)
}

/// The text, when it holds a PEM block of `label` (e.g. `CERTIFICATE`, `PRIVATE KEY`).
fn pem(
    value: Option<String>,
    attribute: &'static str,
    label: &str,
) -> Result<String, SettingsError> {
    let Some(text) = value else {
        return Err(settings_error(
            attribute,
            "set ca_material, cert_material and key_material together (or use cert_path).",
        ));
    };
    if !looks_like_pem(&text, label) {
        return Err(settings_error(
            attribute,
            format!("expected PEM text with a \"-----BEGIN …{label}-----\" block."),
        ));
    }
    Ok(text)
}

fn looks_like_pem(text: &str, label: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        line.starts_with("-----BEGIN ") && line.ends_with(&format!("{label}-----"))
    })
}

/// A 0700 directory holding inline TLS material; deleted with the engine client.
#[derive(Debug)]
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn create() -> std::io::Result<PrivateDir> {
        use std::os::unix::fs::DirBuilderExt;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("photon-engine-tls-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(PrivateDir(dir))
    }

    fn write(&self, name: &str, contents: &str) -> std::io::Result<PathBuf> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.0.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        file.write_all(contents.as_bytes())?;
        Ok(path)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads a PEM file of the cert_path directory, or says which one is unusable.
fn check_pem_file(path: &Path, label: &str) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    if !looks_like_pem(&text, label) {
        return Err(format!(
            "{}: no \"-----BEGIN …{label}-----\" block",
            path.display()
        ));
    }
    Ok(())
}

/// A connected client plus what must live as long as it.
#[derive(Debug)]
struct Connection {
    docker: Docker,
    _tls_dir: Option<PrivateDir>,
}

/// A lazily connected engine client.
#[derive(Debug)]
pub struct ContainerEngine {
    settings: ContainerEngineSettings,
    connection: OnceCell<Connection>,
}

impl ContainerEngine {
    /// Not connected yet.
    pub fn new(settings: ContainerEngineSettings) -> Self {
        Self {
            settings,
            connection: OnceCell::new(),
        }
    }

    /// The engine client, connecting (checking the engine answers, and negotiating the API
    /// version) on the first call.
    pub async fn docker(&self) -> Result<&Docker, Diagnostic> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let host = match &self.settings.host {
                    Setting::Known(host) => host.clone(),
                    Setting::Unknown => String::new(),
                };
                let endpoint = endpoint(&self.settings)
                    .map_err(|error| {
                        Diagnostic::error(
                            "Invalid container engine configuration",
                            format!("container_engine.{}: {}", error.attribute, error.detail),
                        )
                    })?
                    .ok_or_else(|| {
                        Diagnostic::error(
                            "Container engine settings not known yet",
                            "provider \"photon\" container_engine depends on values known only after apply; configure it from values known at plan time.",
                        )
                    })?;
                let (docker, tls_dir) = connect(&host, &endpoint)?;
                let unreachable = |error: bollard::errors::Error| unreachable(&host, &error.to_string());
                docker.ping().await.map_err(unreachable)?;
                let docker = docker.negotiate_version().await.map_err(unreachable)?;
                tracing::debug!(
                    version = %docker.client_version(),
                    "container engine connected"
                );
                Ok(Connection {
                    docker,
                    _tls_dir: tls_dir,
                })
            })
            .await?;
        Ok(&connection.docker)
    }
}

fn unreachable(host: &str, error: &str) -> Diagnostic {
    Diagnostic::error(
        "Cannot reach the container engine",
        format!(
            "container_engine.host = {host:?}: {error}.\n\nCheck provider \"photon\" container_engine.host (or DOCKER_HOST): the engine must be running and its socket or port reachable from here; for Podman, start `podman system service`."
        ),
    )
}

/// A client for the endpoint (no request made yet).
fn connect(host: &str, endpoint: &Endpoint) -> Result<(Docker, Option<PrivateDir>), Diagnostic> {
    let version = bollard::API_DEFAULT_VERSION;
    match endpoint {
        Endpoint::Unix { path } => {
            if !Path::new(path).exists() {
                return Err(unreachable(host, &format!("no socket at {path}")));
            }
            Docker::connect_with_unix(path, TIMEOUT_SECONDS, version)
                .map(|docker| (docker, None))
                .map_err(|error| unreachable(host, &error.to_string()))
        }
        Endpoint::Http { address } => Docker::connect_with_http(address, TIMEOUT_SECONDS, version)
            .map(|docker| (docker, None))
            .map_err(|error| unreachable(host, &error.to_string())),
        Endpoint::Tls { address, material } => {
            // bollard builds its rustls config from the process default provider, which rustls
            // cannot pick when a build enables both of its backends (tests do, through rcgen):
            // name ring, the one reqwest already uses. An earlier install is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls_error = |attribute: &str, detail: String| {
                Diagnostic::error(
                    "Unusable TLS material for the container engine",
                    format!("container_engine.{attribute}: {detail}."),
                )
            };
            let (ca, cert, key, dir) = match material {
                TlsMaterial::Dir(dir) => {
                    let files = (
                        dir.join("ca.pem"),
                        dir.join("cert.pem"),
                        dir.join("key.pem"),
                    );
                    for (file, label) in [
                        (&files.0, "CERTIFICATE"),
                        (&files.1, "CERTIFICATE"),
                        (&files.2, "PRIVATE KEY"),
                    ] {
                        check_pem_file(file, label).map_err(|detail| {
                            tls_error(
                                "cert_path",
                                format!(
                                    "expected readable ca.pem, cert.pem and key.pem in {}: {detail}",
                                    dir.display()
                                ),
                            )
                        })?;
                    }
                    (files.0, files.1, files.2, None)
                }
                TlsMaterial::Inline { ca, cert, key } => {
                    let write = |dir: &PrivateDir| -> std::io::Result<(PathBuf, PathBuf, PathBuf)> {
                        Ok((
                            dir.write("ca.pem", ca)?,
                            dir.write("cert.pem", cert)?,
                            dir.write("key.pem", key)?,
                        ))
                    };
                    let dir = PrivateDir::create().map_err(|error| {
                        tls_error(
                            "key_material",
                            format!("cannot create a private directory for it: {error}"),
                        )
                    })?;
                    let (ca, cert, key) = write(&dir).map_err(|error| {
                        tls_error(
                            "key_material",
                            format!("cannot write it to {}: {error}", dir.0.display()),
                        )
                    })?;
                    (ca, cert, key, Some(dir))
                }
            };
            let docker =
                Docker::connect_with_ssl(address, &key, &cert, &ca, TIMEOUT_SECONDS, version)
                    .map_err(|error| {
                        let attribute = match material {
                            TlsMaterial::Dir(_) => "cert_path",
                            TlsMaterial::Inline { .. } => "ca_material",
                        };
                        tls_error(attribute, error.to_string())
                    })?;
            Ok((docker, dir))
        }
        Endpoint::Ssh {
            destination,
            identity,
        } => Docker::connect_with_ssh(
            &format!("ssh://{destination}"),
            TIMEOUT_SECONDS,
            version,
            identity.clone(),
        )
        .map(|docker| (docker, None))
        .map_err(|error| unreachable(host, &error.to_string())),
    }
}

// ----- engine errors as diagnostics, shared by the container resources ------------------------

/// The HTTP status the engine answered with, if it answered.
pub fn status(error: &bollard::errors::Error) -> Option<u16> {
    match error {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// Whether the engine said the object does not exist.
pub fn is_not_found(error: &bollard::errors::Error) -> bool {
    status(error) == Some(404)
}

/// The engine's message (Docker's `message`, Podman's `message`/`cause`), or the error's text.
pub fn message(error: &bollard::errors::Error) -> String {
    match error {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("the engine answered {status_code}: {}", message.trim()),
        bollard::errors::Error::DockerStreamError { error } => error.trim().to_owned(),
        bollard::errors::Error::RequestTimeoutError => {
            format!("the engine did not answer within {TIMEOUT_SECONDS} s")
        }
        other => other.to_string(),
    }
}

/// An engine error as a diagnostic, pointing at `attribute` when given.
pub fn engine_error(
    summary: &str,
    attribute: Option<&str>,
    error: &bollard::errors::Error,
) -> Diagnostic {
    let detail = match attribute {
        Some(attribute) => format!("{attribute}: {}.", message(error)),
        None => format!("{}.", message(error)),
    };
    let diagnostic = Diagnostic::error(summary, detail);
    match attribute {
        Some(attribute) => diagnostic.at(tfsdk::cty::Path::root().attr(attribute)),
        None => diagnostic,
    }
}

/// The provider's engine client (connected on first use).
pub async fn client(ctx: &tfsdk::Context) -> Result<Docker, Diagnostic> {
    let clients = ctx.provider_data::<crate::clients::Clients>()?;
    let docker = clients.container_engine()?.docker().await?;
    Ok(docker.clone())
}

/// A `map(string)` attribute as a map (empty when null; unknown entries are skipped).
pub fn string_map(
    value: &tfsdk::cty::Value,
    name: &str,
) -> std::collections::HashMap<String, String> {
    value
        .attr(name)
        .and_then(tfsdk::cty::Value::entries)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A string map as a `map(string)` value; null when empty, so an unset attribute stays unset.
pub fn map_value<'a>(
    entries: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> tfsdk::cty::Value {
    let entries: Vec<(String, tfsdk::cty::Value)> = entries
        .into_iter()
        .map(|(key, value)| (key.clone(), tfsdk::cty::Value::from(value.as_str())))
        .collect();
    if entries.is_empty() {
        tfsdk::cty::Value::Null
    } else {
        tfsdk::cty::Value::map(entries)
    }
}

// ----- image references and tarballs ----------------------------------------------------------

/// Why `reference` is not an image reference the engines accept, if it is not.
pub fn check_reference(reference: &str) -> Result<(), String> {
    if reference.is_empty() {
        return Err(
            "expected an image reference such as \"alpine:3.19\", got an empty string".into(),
        );
    }
    if reference.chars().any(char::is_whitespace) {
        return Err(format!("{reference:?} contains whitespace"));
    }
    let (without_digest, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let valid = digest
            .split_once(':')
            .is_some_and(|(algorithm, hex)| !algorithm.is_empty() && !hex.is_empty());
        if !valid {
            return Err(format!(
                "{reference:?} has a malformed digest; expected name@sha256:<hex>"
            ));
        }
    }
    // The tag is what follows the last ':' after the last '/' (a registry port comes before).
    let last_slash = without_digest.rfind('/').map_or(0, |index| index + 1);
    let repository = match without_digest[last_slash..].rfind(':') {
        Some(colon) => {
            let tag = &without_digest[last_slash + colon + 1..];
            if tag.is_empty() || tag.len() > 128 {
                return Err(format!("{reference:?} has an empty or overlong tag"));
            }
            &without_digest[..last_slash + colon]
        }
        None => without_digest,
    };
    if repository.is_empty() || repository.starts_with('/') || repository.ends_with('/') {
        return Err(format!("{reference:?} has no repository name"));
    }
    // The registry host (first component with '.' or ':' or "localhost") may have upper case.
    let path = match repository.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => repository,
    };
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "{reference:?}: repository names must be lower case"
        ));
    }
    Ok(())
}

/// What a tarball holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TarballKind {
    /// A `docker save` archive (has `manifest.json` at the top).
    SavedImage,
    /// A root filesystem.
    RootFs,
}

/// Looks through the tar's headers for a top-level `manifest.json`.
pub fn tarball_kind(bytes: &[u8]) -> Result<TarballKind, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(
            "the file is gzip-compressed; decompress it first (e.g. `gunzip -k`), the engine \
             needs a plain tar"
                .into(),
        );
    }
    let mut offset = 0usize;
    let mut entries = 0usize;
    while offset + 512 <= bytes.len() {
        let header = &bytes[offset..offset + 512];
        if header.iter().all(|&byte| byte == 0) {
            break;
        }
        let magic = &header[257..262];
        let checksum_field = &header[148..156];
        if !header_checksum_ok(header, checksum_field) {
            return Err(format!(
                "not a tar archive (bad header at byte {offset}{})",
                if magic == b"ustar" {
                    ""
                } else {
                    ", no ustar magic"
                }
            ));
        }
        let name = field(&header[0..100]);
        let prefix = if magic == b"ustar" {
            field(&header[345..500])
        } else {
            String::new()
        };
        let full = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let path = full.trim_start_matches("./");
        if path == "manifest.json" {
            return Ok(TarballKind::SavedImage);
        }
        let size = octal(&header[124..136])
            .ok_or_else(|| format!("not a tar archive (bad size at byte {offset})"))?;
        let blocks = size.div_ceil(512);
        offset = offset
            .checked_add(512 + blocks * 512)
            .ok_or_else(|| "not a tar archive (entry size overflows)".to_owned())?;
        entries += 1;
    }
    if entries == 0 {
        return Err("the tar archive is empty (or not a tar archive)".into());
    }
    Ok(TarballKind::RootFs)
}

fn field(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

fn octal(bytes: &[u8]) -> Option<usize> {
    let text = field(bytes);
    let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    usize::from_str_radix(text, 8).ok()
}

fn header_checksum_ok(header: &[u8], checksum_field: &[u8]) -> bool {
    let Some(expected) = octal(checksum_field) else {
        return false;
    };
    let sum: usize = header
        .iter()
        .enumerate()
        .map(|(index, &byte)| {
            if (148..156).contains(&index) {
                usize::from(b' ')
            } else {
                usize::from(byte)
            }
        })
        .sum();
    sum == expected
}

/// Splits `repo:tag` (a registry port is not a tag); digests stay in `repo`.
pub fn split_tag(reference: &str) -> (&str, Option<&str>) {
    if reference.contains('@') {
        return (reference, None);
    }
    let last_slash = reference.rfind('/').map_or(0, |index| index + 1);
    match reference[last_slash..].rfind(':') {
        Some(colon) => (
            &reference[..last_slash + colon],
            Some(&reference[last_slash + colon + 1..]),
        ),
        None => (reference, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider_config::Secret;

    fn settings(host: &str) -> ContainerEngineSettings {
        ContainerEngineSettings::for_host(host)
    }

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

    fn inline(host: &str) -> ContainerEngineSettings {
        ContainerEngineSettings {
            ca_material: Setting::Known(Some(CERT.into())),
            cert_material: Setting::Known(Some(CERT.into())),
            key_material: Secret(Setting::Known(KEY.into())),
            ..settings(host)
        }
    }

    fn error(settings: &ContainerEngineSettings) -> SettingsError {
        endpoint(settings).unwrap_err()
    }

    #[test]
    fn unix_sockets_need_an_absolute_path() {
        assert_eq!(
            endpoint(&settings("unix:///run/podman/podman.sock")).unwrap(),
            Some(Endpoint::Unix {
                path: "/run/podman/podman.sock".into()
            })
        );
        assert_eq!(error(&settings("unix://relative.sock")).attribute, "host");
    }

    #[test]
    fn bad_schemes_name_the_accepted_forms() {
        for host in ["localhost:2375", "ftp://x", "npipe:////./pipe/docker"] {
            let problem = error(&settings(host));
            assert_eq!(problem.attribute, "host");
            assert!(problem.detail.contains("unix:///path"), "{problem:?}");
        }
    }

    #[test]
    fn tcp_without_certificates_is_plain_http_with_dockers_default_port() {
        assert_eq!(
            endpoint(&settings("tcp://10.0.0.5")).unwrap(),
            Some(Endpoint::Http {
                address: "10.0.0.5:2375".into()
            })
        );
        assert_eq!(
            endpoint(&settings("http://[::1]:2375/")).unwrap(),
            Some(Endpoint::Http {
                address: "[::1]:2375".into()
            })
        );
        assert_eq!(error(&settings("tcp://host:99999")).attribute, "host");
        assert_eq!(error(&settings("tcp://host:2375/v1.41")).attribute, "host");
    }

    #[test]
    fn tcp_with_a_cert_path_or_material_is_tls() {
        let with_dir = ContainerEngineSettings {
            cert_path: Setting::Known(Some("/etc/docker/certs".into())),
            ..settings("tcp://engine.example:2376")
        };
        assert_eq!(
            endpoint(&with_dir).unwrap(),
            Some(Endpoint::Tls {
                address: "engine.example:2376".into(),
                material: TlsMaterial::Dir("/etc/docker/certs".into()),
            })
        );
        match endpoint(&inline("https://engine.example")).unwrap() {
            Some(Endpoint::Tls {
                address,
                material: TlsMaterial::Inline { key, .. },
            }) => {
                assert_eq!(address, "engine.example:2376");
                assert_eq!(key, KEY);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn https_without_certificates_says_how_to_provide_them() {
        let problem = error(&settings("https://engine.example:2376"));
        assert_eq!(problem.attribute, "host");
        assert!(problem.detail.contains("cert_path"), "{problem:?}");
    }

    #[test]
    fn inline_material_must_be_complete_pem_and_alone() {
        let partial = ContainerEngineSettings {
            key_material: Secret(Setting::Known(String::new())),
            ..inline("tcp://h:2376")
        };
        assert_eq!(error(&partial).attribute, "key_material");
        let not_pem = ContainerEngineSettings {
            cert_material: Setting::Known(Some("hello".into())),
            ..inline("tcp://h:2376")
        };
        let problem = error(&not_pem);
        assert_eq!(problem.attribute, "cert_material");
        assert!(problem.detail.contains("BEGIN"), "{problem:?}");
        let both = ContainerEngineSettings {
            cert_path: Setting::Known(Some("/certs".into())),
            ..inline("tcp://h:2376")
        };
        assert_eq!(error(&both).attribute, "cert_path");
        assert_eq!(error(&inline("unix:///x.sock")).attribute, "ca_material");
    }

    #[test]
    fn inline_keys_never_reach_debug_output() {
        let printed = format!("{:?}", endpoint(&inline("tcp://h:2376")).unwrap());
        assert!(!printed.contains("MIIE"), "{printed}");
        let printed = format!("{:?}", inline("tcp://h:2376"));
        assert!(!printed.contains("MIIE"), "{printed}");
    }

    #[test]
    fn ssh_takes_a_user_host_and_an_identity_file() {
        let with_key = ContainerEngineSettings {
            ssh_opts: Setting::Known(vec!["-i".into(), "/home/me/.ssh/id".into()]),
            ..settings("ssh://core@photon.example:22")
        };
        assert_eq!(
            endpoint(&with_key).unwrap(),
            Some(Endpoint::Ssh {
                destination: "core@photon.example".into(),
                identity: Some("/home/me/.ssh/id".into()),
            })
        );
        let port = error(&settings("ssh://core@photon.example:2222"));
        assert_eq!(port.attribute, "host");
        assert!(port.detail.contains("~/.ssh/config"), "{port:?}");
        let other = ContainerEngineSettings {
            ssh_opts: Setting::Known(vec!["-o".into(), "StrictHostKeyChecking=no".into()]),
            ..settings("ssh://core@photon.example")
        };
        assert_eq!(error(&other).attribute, "ssh_opts");
        let not_ssh = ContainerEngineSettings {
            ssh_opts: Setting::Known(vec!["-i/k".into()]),
            ..settings("unix:///x.sock")
        };
        assert_eq!(error(&not_ssh).attribute, "ssh_opts");
    }

    #[test]
    fn unknown_settings_wait_for_apply() {
        let unknown = ContainerEngineSettings {
            host: Setting::Unknown,
            ..settings("unix:///x")
        };
        assert_eq!(endpoint(&unknown), Ok(None));
    }

    #[tokio::test]
    async fn a_missing_socket_is_an_unreachable_engine_naming_the_host() {
        let engine = ContainerEngine::new(settings("unix:///nonexistent/photon-test.sock"));
        let diagnostic = engine.docker().await.unwrap_err();
        assert_eq!(diagnostic.summary, "Cannot reach the container engine");
        assert!(
            diagnostic.detail.contains("container_engine.host"),
            "{diagnostic:?}"
        );
        assert!(
            diagnostic.detail.contains("/nonexistent/photon-test.sock"),
            "{diagnostic:?}"
        );
    }

    #[tokio::test]
    async fn unreadable_cert_files_name_cert_path_and_the_file() {
        let engine = ContainerEngine::new(ContainerEngineSettings {
            cert_path: Setting::Known(Some("/nonexistent/certs".into())),
            ..settings("tcp://127.0.0.1:1")
        });
        let diagnostic = engine.docker().await.unwrap_err();
        assert!(
            diagnostic.detail.starts_with("container_engine.cert_path"),
            "{diagnostic:?}"
        );
        assert!(
            diagnostic.detail.contains("/nonexistent/certs/ca.pem"),
            "{diagnostic:?}"
        );
    }

    #[tokio::test]
    async fn real_pem_material_builds_a_tls_client_and_its_files_are_private() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&ca_key)
            .unwrap();
        let client_key = rcgen::KeyPair::generate().unwrap();
        let client = rcgen::CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .self_signed(&client_key)
            .unwrap();
        let settings = ContainerEngineSettings {
            ca_material: Setting::Known(Some(ca.pem())),
            cert_material: Setting::Known(Some(client.pem())),
            key_material: Secret(Setting::Known(client_key.serialize_pem())),
            ..settings("tcp://127.0.0.1:1")
        };
        let endpoint = endpoint(&settings).unwrap().unwrap();
        let (_docker, dir) = connect("tcp://127.0.0.1:1", &endpoint).unwrap();
        let dir = dir.unwrap();
        use std::os::unix::fs::PermissionsExt;
        let key_mode = std::fs::metadata(dir.0.join("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(key_mode & 0o777, 0o600);
        let path = dir.0.clone();
        drop(dir);
        assert!(!path.exists());
        // Nothing listens on port 1: the engine is unreachable, named by host.
        let engine = ContainerEngine::new(settings);
        let diagnostic = engine.docker().await.unwrap_err();
        assert_eq!(diagnostic.summary, "Cannot reach the container engine");
    }

    /// A minimal ustar archive of `(name, contents)` entries.
    fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, contents) in entries {
            let mut header = [0u8; 512];
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[100..107].copy_from_slice(b"0000644");
            header[124..135].copy_from_slice(format!("{:011o}", contents.len()).as_bytes());
            header[156] = b'0';
            header[257..263].copy_from_slice(b"ustar\0");
            header[263..265].copy_from_slice(b"00");
            header[148..156].copy_from_slice(b"        ");
            let sum: u32 = header.iter().map(|&byte| u32::from(byte)).sum();
            header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
            out.extend_from_slice(&header);
            out.extend_from_slice(contents);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    #[test]
    fn a_saved_image_is_told_apart_by_its_manifest() {
        let saved = tar(&[("abc/layer.tar", b"layer"), ("manifest.json", b"[]")]);
        assert_eq!(tarball_kind(&saved), Ok(TarballKind::SavedImage));
        let rootfs = tar(&[("bin/busybox", b"\x7fELF"), ("etc/manifest.json", b"{}")]);
        assert_eq!(tarball_kind(&rootfs), Ok(TarballKind::RootFs));
        let dotted = tar(&[("./manifest.json", b"[]")]);
        assert_eq!(tarball_kind(&dotted), Ok(TarballKind::SavedImage));
    }

    #[test]
    fn the_rigs_busybox_tarball_is_a_root_filesystem() {
        let path = photon_test_rig::Tool::BusyboxRootfs.path();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(tarball_kind(&bytes), Ok(TarballKind::RootFs));
    }

    #[test]
    fn non_tars_say_what_is_wrong() {
        assert!(
            tarball_kind(b"\x1f\x8b\x08rest")
                .unwrap_err()
                .contains("gzip")
        );
        assert!(
            tarball_kind(&[b'x'; 1024])
                .unwrap_err()
                .contains("not a tar")
        );
        assert!(tarball_kind(&[0; 1024]).unwrap_err().contains("empty"));
    }

    #[test]
    fn references_are_checked_like_the_engines_do() {
        for good in [
            "alpine",
            "alpine:3.19",
            "localhost/photon-rig/busybox:1",
            "registry.example.com:5000/team/app:v1",
            "Registry.Example.com/app",
            "alpine@sha256:abcd",
        ] {
            assert_eq!(check_reference(good), Ok(()), "{good}");
        }
        for bad in ["", "al pine", "Alpine", "alpine:", "team/", "alpine@sha256"] {
            assert!(check_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_split_after_the_registry_port() {
        assert_eq!(split_tag("localhost/bb:1"), ("localhost/bb", Some("1")));
        assert_eq!(split_tag("host:5000/bb"), ("host:5000/bb", None));
        assert_eq!(split_tag("bb@sha256:ab"), ("bb@sha256:ab", None));
    }
}
