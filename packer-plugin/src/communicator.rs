//! `communicator = "ssh"`: Packer's SSH communicator keys, waiting for the guest's IP address,
//! connecting, and the SDK's [`Communicator`] served over an SSH session (`photon_ssh`), so that
//! Packer's `shell` and `file` provisioners run on the VM being built.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use packer_sdk::{
    CancellationToken, CommandExit, CommandIo, Communicator, ConfigError, Field, FieldType,
    FileInfo, Reader, TRANSPORT_FAILURE_STATUS, Ui, Writer, async_trait,
};
use serde_json::{Map, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vim::{Client, ManagedObjectReference};

use crate::vsphere::{self, error_chain};

/// The communicator keys (shared by builders that boot the VM).
pub(crate) const COMMUNICATOR_FIELDS: &[Field] = &[
    Field {
        name: "communicator",
        ty: FieldType::String,
        required: false,
        description: "How provisioners reach the guest: `none` (the VM is not booted; only provisioners that need no machine, such as `shell-local`, run) or `ssh` (the VM is powered on, its IP address awaited, and `shell`/`file` provisioners run over SSH). Defaults to `none`.",
    },
    Field {
        name: "ssh_host",
        ty: FieldType::String,
        required: false,
        description: "Address to connect to. Defaults to the IP address VMware Tools reports for the guest (`guest.ipAddress`), which the build waits for.",
    },
    Field {
        name: "ssh_port",
        ty: FieldType::Number,
        required: false,
        description: "SSH port. Defaults to `22`.",
    },
    Field {
        name: "ssh_username",
        ty: FieldType::String,
        required: false,
        description: "User to log in as. Required with `communicator = \"ssh\"`.",
    },
    Field {
        name: "ssh_password",
        ty: FieldType::String,
        required: false,
        description: "Password of `ssh_username` (sensitive: never logged). One of `ssh_password` and `ssh_private_key_file` is required with `communicator = \"ssh\"`.",
    },
    Field {
        name: "ssh_private_key_file",
        ty: FieldType::String,
        required: false,
        description: "Path of an unencrypted private key (OpenSSH, PKCS#8 or PEM; Ed25519, ECDSA or RSA) to log in with.",
    },
    Field {
        name: "ssh_timeout",
        ty: FieldType::String,
        required: false,
        description: "How long to keep trying to connect once the IP address is known, as a Go duration. Defaults to `5m`.",
    },
    Field {
        name: "ssh_handshake_attempts",
        ty: FieldType::Number,
        required: false,
        description: "How many failed SSH handshakes or logins to tolerate (the guest's sshd may start before the user exists). Defaults to `10`.",
    },
    Field {
        name: "ip_wait_timeout",
        ty: FieldType::String,
        required: false,
        description: "How long to wait for the guest to report an IP address, as a Go duration. Defaults to `30m`.",
    },
    Field {
        name: "ip_settle_timeout",
        ty: FieldType::String,
        required: false,
        description: "How long the reported IP address must stay the same before it is used (DHCP may change it early). Defaults to `5s`.",
    },
];

/// The communicator keys of one configuration.
#[derive(Clone, Default)]
pub(crate) struct CommunicatorConfig {
    pub(crate) communicator: Option<String>,
    pub(crate) ssh_host: Option<String>,
    pub(crate) ssh_port: Option<i64>,
    pub(crate) ssh_username: Option<String>,
    pub(crate) ssh_password: Option<String>,
    pub(crate) ssh_private_key_file: Option<String>,
    pub(crate) ssh_timeout: Option<String>,
    pub(crate) ssh_handshake_attempts: Option<i64>,
    pub(crate) ip_wait_timeout: Option<String>,
    pub(crate) ip_settle_timeout: Option<String>,
}

impl std::fmt::Debug for CommunicatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommunicatorConfig")
            .field("communicator", &self.communicator)
            .field("ssh_host", &self.ssh_host)
            .field("ssh_port", &self.ssh_port)
            .field("ssh_username", &self.ssh_username)
            .field(
                "ssh_password",
                &self.ssh_password.as_ref().map(|_| "<redacted>"),
            )
            .field("ssh_private_key_file", &self.ssh_private_key_file)
            .finish_non_exhaustive()
    }
}

const DURATION_KEYS: [&str; 3] = ["ssh_timeout", "ip_wait_timeout", "ip_settle_timeout"];

impl CommunicatorConfig {
    /// Whether the build talks to the guest over SSH.
    pub(crate) fn is_ssh(&self) -> bool {
        self.communicator.as_deref() == Some("ssh")
    }

    fn duration(&self, key: &str) -> Option<&String> {
        match key {
            "ssh_timeout" => self.ssh_timeout.as_ref(),
            "ip_wait_timeout" => self.ip_wait_timeout.as_ref(),
            _ => self.ip_settle_timeout.as_ref(),
        }
    }

    fn duration_or(&self, key: &str, default: Duration) -> Duration {
        self.duration(key)
            .and_then(|text| vsphere::parse_duration(text))
            .unwrap_or(default)
    }

    /// Checks what can be checked without the guest; problems go into `error`.
    pub(crate) fn validate(&self, error: &mut ConfigError) {
        match self.communicator.as_deref() {
            None | Some("none") => {
                let set: Vec<&str> = [
                    ("ssh_host", self.ssh_host.is_some()),
                    ("ssh_port", self.ssh_port.is_some()),
                    ("ssh_username", self.ssh_username.is_some()),
                    ("ssh_password", self.ssh_password.is_some()),
                    ("ssh_private_key_file", self.ssh_private_key_file.is_some()),
                ]
                .into_iter()
                .filter_map(|(key, set)| set.then_some(key))
                .collect();
                for key in set {
                    error.push(
                        key,
                        "is set but communicator is not \"ssh\" (set communicator = \"ssh\" to use it)",
                    );
                }
            }
            Some("ssh") => {
                if self
                    .ssh_username
                    .as_deref()
                    .is_none_or(|user| user.trim().is_empty())
                {
                    error.push("ssh_username", "is required with communicator = \"ssh\"");
                }
                match (&self.ssh_password, &self.ssh_private_key_file) {
                    (None, None) => error.push(
                        "ssh_password",
                        "one of ssh_password and ssh_private_key_file is required with communicator = \"ssh\"",
                    ),
                    (Some(_), Some(_)) => error.push(
                        "ssh_private_key_file",
                        "set ssh_password or ssh_private_key_file, not both",
                    ),
                    (None, Some(path)) => {
                        if let Err(problem) = std::fs::metadata(path) {
                            error.push(
                                "ssh_private_key_file",
                                format!("cannot read {path:?}: {problem}"),
                            );
                        }
                    }
                    (Some(_), None) => {}
                }
            }
            Some(other) => error.push(
                "communicator",
                format!("must be \"none\" or \"ssh\", got {other:?}"),
            ),
        }
        if let Some(port) = self.ssh_port
            && !(1..=65535).contains(&port)
        {
            error.push(
                "ssh_port",
                format!("must be a port number (1-65535), got {port}"),
            );
        }
        if let Some(attempts) = self.ssh_handshake_attempts
            && attempts < 1
        {
            error.push("ssh_handshake_attempts", "must be at least 1");
        }
        for key in DURATION_KEYS {
            if let Some(text) = self.duration(key)
                && vsphere::parse_duration(text).is_none()
            {
                error.push(
                    key,
                    format!("{text:?} is not a duration such as \"5m\" or \"90s\""),
                );
            }
        }
    }

    fn port(&self) -> u16 {
        self.ssh_port
            .and_then(|port| u16::try_from(port).ok())
            .unwrap_or(22)
    }
}

/// Waits until the guest reports an IP address that stays the same for `ip_settle_timeout`.
pub(crate) async fn wait_for_ip(
    client: &Client,
    vm: &ManagedObjectReference,
    config: &CommunicatorConfig,
    ui: &Ui,
    cancel: &CancellationToken,
) -> Result<String, String> {
    let timeout = config.duration_or("ip_wait_timeout", Duration::from_secs(30 * 60));
    let settle = config.duration_or("ip_settle_timeout", Duration::from_secs(5));
    ui.say("Waiting for IP...").await;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut seen: Option<(String, tokio::time::Instant)> = None;
    loop {
        let contents = client
            .retrieve_objects(
                std::slice::from_ref(vm),
                "VirtualMachine",
                &["guest.ipAddress"],
            )
            .await
            .map_err(|error| {
                format!(
                    "cannot read the guest's IP address: {}",
                    error_chain(&error)
                )
            })?;
        let ip = contents
            .first()
            .and_then(|content| content.get("guest.ipAddress"))
            .and_then(|value| value.as_str())
            .unwrap_or_default()
            .to_owned();
        let now = tokio::time::Instant::now();
        match &seen {
            Some((previous, since)) if *previous == ip && !ip.is_empty() => {
                if now.duration_since(*since) >= settle {
                    ui.say(format!("IP address: {ip}")).await;
                    return Ok(ip);
                }
            }
            _ => seen = (!ip.is_empty()).then(|| (ip.clone(), now)),
        }
        if now >= deadline {
            return Err(format!(
                "ip_wait_timeout: the guest reported no IP address within {}s (are VMware Tools running in the guest?)",
                timeout.as_secs()
            ));
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1).min(settle.max(Duration::from_millis(200)))) => {}
            () = cancel.cancelled() => return Err("Build was cancelled".to_owned()),
        }
    }
}

/// An SSH connection to the guest, as provisioners use it.
pub(crate) struct SshCommunicator {
    session: photon_ssh::Session,
    host: String,
    port: u16,
}

impl SshCommunicator {
    /// Connects to `ip` (or `ssh_host`), retrying for `ssh_timeout`.
    pub(crate) async fn connect(
        config: &CommunicatorConfig,
        ip: &str,
        ui: &Ui,
        cancel: &CancellationToken,
    ) -> Result<Arc<Self>, String> {
        let host = config.ssh_host.clone().unwrap_or_else(|| ip.to_owned());
        let port = config.port();
        let auth = match (&config.ssh_password, &config.ssh_private_key_file) {
            (Some(password), _) => photon_ssh::Auth::Password(password.clone()),
            (None, Some(path)) => photon_ssh::Auth::PrivateKey {
                pem: tokio::fs::read_to_string(path).await.map_err(|error| {
                    format!("ssh_private_key_file: cannot read {path:?}: {error}")
                })?,
                passphrase: None,
            },
            (None, None) => {
                return Err("ssh_password or ssh_private_key_file is required".to_owned());
            }
        };
        let mut ssh = photon_ssh::Config::new(
            host.clone(),
            config.ssh_username.clone().unwrap_or_default(),
            auth,
        );
        ssh.port = port;
        ssh.timeout = config.duration_or("ssh_timeout", Duration::from_secs(5 * 60));
        if let Some(attempts) = config
            .ssh_handshake_attempts
            .and_then(|n| u32::try_from(n).ok())
        {
            ssh.handshake_attempts = attempts;
        }
        // Booting guests refuse connections for a while; retry often enough not to add much.
        ssh.retry_interval = Duration::from_secs(2);
        ui.say(format!(
            "Waiting for SSH to become available on {host}:{port}..."
        ))
        .await;
        let session = photon_ssh::Session::connect_until(&ssh, cancel.cancelled())
            .await
            .map_err(|error| {
                if cancel.is_cancelled() {
                    "Build was cancelled".to_owned()
                } else {
                    format!("ssh: {error}")
                }
            })?;
        ui.say("Connected to SSH!").await;
        Ok(Arc::new(Self {
            session,
            host,
            port,
        }))
    }

    /// Adds what Packer's SSH communicator puts in the generated data (`build.Host` …).
    pub(crate) fn generated_data(&self, config: &CommunicatorConfig, data: &mut Map<String, Json>) {
        data.insert("ConnType".into(), Json::String("ssh".into()));
        data.insert("Host".into(), Json::String(self.host.clone()));
        data.insert("Port".into(), Json::from(self.port));
        data.insert(
            "User".into(),
            Json::String(config.ssh_username.clone().unwrap_or_default()),
        );
        // Packer's own builders hand the credentials to provisioners (`build.Password`) too.
        if let Some(password) = &config.ssh_password {
            data.insert("Password".into(), Json::String(password.clone()));
        }
    }

    /// Ends the SSH session.
    pub(crate) async fn close(self: Arc<Self>) {
        match Arc::try_unwrap(self) {
            Ok(communicator) => communicator.session.close().await,
            // A provisioner call still holds it; dropping the last handle closes it.
            Err(_) => tracing::debug!("SSH session still in use at the end of the build"),
        }
    }
}

fn ssh_error(error: photon_ssh::Error) -> String {
    error.to_string()
}

#[async_trait]
impl Communicator for SshCommunicator {
    async fn start(&self, command: &str, io: CommandIo) -> Result<CommandExit, String> {
        let session = self.session.clone();
        let command = command.to_owned();
        let task = tokio::spawn(async move {
            let mut stdout: Writer = io.stdout.unwrap_or_else(|| Box::new(tokio::io::sink()));
            let mut stderr: Writer = io.stderr.unwrap_or_else(|| Box::new(tokio::io::sink()));
            let stdin: Reader = io.stdin.unwrap_or_else(|| Box::new(tokio::io::empty()));
            let result = session
                .exec(&command, stdin, &mut stdout, &mut stderr)
                .await;
            let status = match result {
                Ok(photon_ssh::ExitStatus::Code(code)) => i64::from(code),
                Ok(other) => {
                    let text = format!("the command ended without an exit code: {other:?}\n");
                    let _ = stderr.write_all(text.as_bytes()).await;
                    TRANSPORT_FAILURE_STATUS
                }
                Err(error) => {
                    // The provisioner sees only the status; say why on its stderr.
                    let text = format!("ssh: {error}\n");
                    let _ = stderr.write_all(text.as_bytes()).await;
                    TRANSPORT_FAILURE_STATUS
                }
            };
            let _ = stdout.flush().await;
            let _ = stderr.flush().await;
            status
        });
        Ok(Box::pin(async move {
            task.await.unwrap_or(TRANSPORT_FAILURE_STATUS)
        }))
    }

    async fn upload(
        &self,
        path: &str,
        mut data: Reader,
        info: Option<FileInfo>,
    ) -> Result<(), String> {
        match info {
            Some(info) => self
                .session
                .upload(path, data, info.size, info.permissions())
                .await
                .map_err(ssh_error),
            None => {
                // scp needs the size first; without Packer's FileInfo, read it all.
                let mut bytes = Vec::new();
                data.read_to_end(&mut bytes)
                    .await
                    .map_err(|error| format!("reading the upload from Packer: {error}"))?;
                let size = bytes.len() as u64;
                self.session
                    .upload(path, std::io::Cursor::new(bytes), size, 0o644)
                    .await
                    .map_err(ssh_error)
            }
        }
    }

    async fn upload_dir(&self, dst: &str, src: &Path, exclude: &[String]) -> Result<(), String> {
        self.session
            .upload_dir(dst, src, exclude)
            .await
            .map_err(ssh_error)
    }

    async fn download(&self, path: &str, mut out: Writer) -> Result<(), String> {
        self.session
            .download(path, &mut out)
            .await
            .map_err(ssh_error)?;
        out.flush()
            .await
            .map_err(|error| format!("sending the download to Packer: {error}"))
    }

    async fn download_dir(&self, src: &str, dst: &Path, exclude: &[String]) -> Result<(), String> {
        self.session
            .download_dir(src, dst, exclude)
            .await
            .map_err(ssh_error)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn problems(config: &CommunicatorConfig) -> Vec<(String, String)> {
        let mut error = ConfigError {
            problems: Vec::new(),
        };
        config.validate(&mut error);
        error
            .problems
            .into_iter()
            .map(|problem| (problem.key, problem.message))
            .collect()
    }

    fn keys(config: &CommunicatorConfig) -> Vec<String> {
        problems(config).into_iter().map(|(key, _)| key).collect()
    }

    #[test]
    fn none_is_the_default_and_refuses_ssh_keys() {
        assert!(problems(&CommunicatorConfig::default()).is_empty());
        let config = CommunicatorConfig {
            ssh_username: Some("root".into()),
            ssh_port: Some(2222),
            ..CommunicatorConfig::default()
        };
        assert_eq!(keys(&config), ["ssh_port", "ssh_username"]);
        assert!(problems(&config)[0].1.contains("communicator = \"ssh\""));
    }

    #[test]
    fn ssh_needs_a_user_and_exactly_one_credential() {
        let ssh = CommunicatorConfig {
            communicator: Some("ssh".into()),
            ..CommunicatorConfig::default()
        };
        assert_eq!(keys(&ssh), ["ssh_username", "ssh_password"]);
        let both = CommunicatorConfig {
            ssh_username: Some("root".into()),
            ssh_password: Some("secret".into()),
            ssh_private_key_file: Some("/nonexistent/key".into()),
            ..ssh.clone()
        };
        assert_eq!(keys(&both), ["ssh_private_key_file"]);
        let missing_key = CommunicatorConfig {
            ssh_username: Some("root".into()),
            ssh_private_key_file: Some("/nonexistent/key".into()),
            ..ssh.clone()
        };
        let found = problems(&missing_key);
        assert_eq!(found[0].0, "ssh_private_key_file");
        assert!(found[0].1.contains("/nonexistent/key"), "{found:?}");
        let password = CommunicatorConfig {
            ssh_username: Some("root".into()),
            ssh_password: Some("secret".into()),
            ..ssh
        };
        assert!(problems(&password).is_empty());
        assert!(!format!("{password:?}").contains("secret"));
    }

    #[test]
    fn ports_attempts_durations_and_unknown_communicators_are_checked() {
        let config = CommunicatorConfig {
            communicator: Some("winrm".into()),
            ssh_port: Some(70000),
            ssh_handshake_attempts: Some(0),
            ssh_timeout: Some("soon".into()),
            ip_settle_timeout: Some("5".into()),
            ..CommunicatorConfig::default()
        };
        assert_eq!(
            keys(&config),
            [
                "communicator",
                "ssh_port",
                "ssh_handshake_attempts",
                "ssh_timeout",
                "ip_settle_timeout"
            ]
        );
    }
}
