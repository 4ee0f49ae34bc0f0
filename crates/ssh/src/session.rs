//! Connecting, logging in, and running commands.

use std::future::Future;
use std::sync::{Arc, Mutex};

use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse, Msg};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{Channel, ChannelMsg, Disconnect, MethodKind, MethodSet};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tracing::{debug, info};

use crate::remote::{ExitStatus, RemoteProcess, signal_name};
use crate::{Auth, Config, Error};

/// Channels open at once on one connection. OpenSSH allows 10 sessions per connection by default
/// (`MaxSessions`); staying under it makes extra concurrent calls wait instead of failing.
const MAX_CHANNELS: usize = 8;
/// How often a refused channel open is retried, and the pause between tries (5 s in all).
const CHANNEL_OPEN_RETRIES: u32 = 50;
const CHANNEL_OPEN_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// An authenticated SSH connection. Clones share the connection; all methods take `&self`, so
/// commands and copies may run concurrently from several tasks.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    handle: client::Handle<Client>,
    target: String,
    channels: Arc<Semaphore>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("target", &self.inner.target)
            .finish_non_exhaustive()
    }
}

/// russh's event handler: accepts any host key (logging its fingerprint) and remembers why the
/// connection ended, for error messages.
struct Client {
    target: String,
    disconnect: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // Not verified, as Packer's SSH communicator does not: a new machine's key is unknown.
        match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => debug!(
                target = %self.target,
                algorithm = %key.algorithm(),
                fingerprint = %key.fingerprint(HashAlg::Sha256),
                "server host key (not verified)"
            ),
            PublicKeyOrCertificate::Certificate(certificate) => debug!(
                target = %self.target,
                fingerprint = %certificate.public_key().fingerprint(HashAlg::Sha256),
                "server host certificate (not verified)"
            ),
        }
        Ok(true)
    }

    async fn disconnected(
        &mut self,
        reason: client::DisconnectReason<Self::Error>,
    ) -> Result<(), Self::Error> {
        let (text, result) = match reason {
            client::DisconnectReason::ReceivedDisconnect(info) => (
                format!(
                    "the server disconnected ({:?}: {})",
                    info.reason_code, info.message
                ),
                Ok(()),
            ),
            client::DisconnectReason::Error(error) => {
                (format!("the connection failed: {error}"), Err(error))
            }
        };
        debug!(target = %self.target, "{text}");
        if let Ok(mut slot) = self.disconnect.lock() {
            slot.get_or_insert(text);
        }
        result
    }
}

/// Decodes a private key, explaining what to fix when it cannot be used.
pub(crate) fn decode_key(
    pem: &str,
    passphrase: Option<&str>,
    key: &str,
) -> Result<PrivateKey, Error> {
    use russh::keys::Error as KeyError;
    russh::keys::decode_secret_key(pem, passphrase).map_err(|error| {
        let reason = match (&error, passphrase) {
            (KeyError::KeyIsEncrypted, _) => {
                "it is encrypted: give its passphrase".to_owned()
            }
            (_, Some(_)) if pem.contains("ENCRYPTED") || is_encrypted_openssh(pem) => {
                format!("cannot decrypt it (wrong passphrase?): {error}")
            }
            (KeyError::CouldNotReadKey, _) => "it is not a private key in a format this client reads \
                 (OpenSSH `-----BEGIN OPENSSH PRIVATE KEY-----`, PEM RSA/EC, PKCS#8 or PuTTY)"
                .to_owned(),
            _ => format!(
                "cannot parse it (expected an OpenSSH, PEM RSA/EC, PKCS#8 or PuTTY private key): {error}"
            ),
        };
        Error::Key {
            key: key.to_owned(),
            reason,
        }
    })
}

/// Whether an OpenSSH-format key is encrypted (its cipher name is not `none`).
fn is_encrypted_openssh(pem: &str) -> bool {
    russh::keys::ssh_key::PrivateKey::from_openssh(pem)
        .map(|key| key.is_encrypted())
        .unwrap_or(false)
}

/// [`Auth`] ready for use: the key decoded once, before any attempt.
enum Credentials<'a> {
    Password(&'a str),
    Key(Arc<PrivateKey>),
}

/// Why one connection attempt failed.
enum AttemptFailure {
    /// Nothing answered (refused, unreachable): retried until the timeout.
    Unreachable(String),
    /// TCP connected but the SSH handshake failed: counts against `handshake_attempts`.
    Handshake(String),
    /// The credentials were rejected: counts against `handshake_attempts`.
    Rejected(Error),
}

impl Session {
    /// Connects and logs in, retrying as [`Config`] says. See [`Session::connect_until`].
    pub async fn connect(config: &Config) -> Result<Session, Error> {
        Session::connect_until(config, std::future::pending()).await
    }

    /// Connects and logs in, retrying refused, dropped or timed-out connections every
    /// `retry_interval` until `timeout` has passed ([`Error::Timeout`], naming the target, the user
    /// and the last failure), and failed handshakes or rejected credentials until
    /// `handshake_attempts` have failed ([`Error::Connect`] or [`Error::Auth`]). An unusable
    /// private key fails at once with [`Error::Key`]. When `cancel` completes first, gives up with
    /// [`Error::Cancelled`].
    pub async fn connect_until(
        config: &Config,
        cancel: impl Future<Output = ()>,
    ) -> Result<Session, Error> {
        let target = config.target();
        let credentials = match &config.auth {
            Auth::PrivateKey { pem, passphrase } => Credentials::Key(Arc::new(decode_key(
                pem,
                passphrase.as_deref(),
                "in the configuration",
            )?)),
            Auth::Password(password) => Credentials::Password(password),
        };
        let started = Instant::now();
        let deadline = started + config.timeout;
        let allowed_failures = config.handshake_attempts.max(1);
        let mut failures = 0;
        let mut last_cause = String::from("no attempt finished");
        tokio::pin!(cancel);
        loop {
            let attempt = tokio::time::timeout_at(deadline, attempt(config, &target, &credentials));
            let outcome = tokio::select! {
                outcome = attempt => outcome,
                () = &mut cancel => return Err(Error::Cancelled { target }),
            };
            match outcome {
                Ok(Ok(session)) => return Ok(session),
                Ok(Err(AttemptFailure::Unreachable(cause))) => {
                    debug!(%target, %cause, "SSH server not reachable yet");
                    last_cause = cause;
                }
                Ok(Err(AttemptFailure::Handshake(cause))) => {
                    failures += 1;
                    debug!(%target, %cause, failures, "SSH handshake failed");
                    if failures >= allowed_failures {
                        return Err(Error::Connect {
                            target,
                            user: config.username.clone(),
                            attempts: failures,
                            cause,
                        });
                    }
                    last_cause = cause;
                }
                Ok(Err(AttemptFailure::Rejected(error))) => {
                    failures += 1;
                    debug!(%target, %error, failures, "SSH authentication rejected");
                    if failures >= allowed_failures {
                        return Err(error);
                    }
                    last_cause = error.to_string();
                }
                Err(_elapsed) => {
                    if last_cause == "no attempt finished" {
                        last_cause = "the connection or SSH handshake did not complete".into();
                    }
                    return Err(timeout(config, &target, started, last_cause));
                }
            }
            if Instant::now() + config.retry_interval >= deadline {
                return Err(timeout(config, &target, started, last_cause));
            }
            tokio::select! {
                () = tokio::time::sleep(config.retry_interval) => {}
                () = &mut cancel => return Err(Error::Cancelled { target }),
            }
        }
    }

    /// `host:port` of the server.
    pub fn target(&self) -> &str {
        &self.inner.target
    }

    /// Runs `command` (through the remote user's shell), streaming `stdin` to it (its end closes
    /// the command's stdin; pass [`tokio::io::empty()`] for none) and its stdout and stderr into
    /// `stdout` and `stderr` as they come, all at the same time. Returns how it ended; a non-zero
    /// exit is not an error. If the command exits before reading all of `stdin`, the rest is not
    /// read.
    pub async fn exec<R, O, E>(
        &self,
        command: &str,
        mut stdin: R,
        mut stdout: O,
        mut stderr: E,
    ) -> Result<ExitStatus, Error>
    where
        R: AsyncRead + Unpin,
        O: AsyncWrite + Unpin,
        E: AsyncWrite + Unpin,
    {
        let (channel, _permit) = self.start(command).await?;
        let (mut reader, writer) = channel.split();
        let feed = async {
            let mut buffer = vec![0u8; 32 * 1024];
            loop {
                let read = stdin
                    .read(&mut buffer)
                    .await
                    .map_err(Error::io("read the command's stdin"))?;
                if read == 0 {
                    break;
                }
                if writer.data_bytes(buffer[..read].to_vec()).await.is_err() {
                    // The command closed its stdin or ended: the exit status says how it went.
                    return Ok(());
                }
            }
            // As above: failing to send EOF means the channel is already gone.
            let _ = writer.eof().await;
            Ok::<(), Error>(())
        };
        let drain = async {
            let mut status = ExitStatus::Unknown;
            while let Some(message) = reader.wait().await {
                match message {
                    ChannelMsg::Data { data } => stdout
                        .write_all(&data)
                        .await
                        .map_err(Error::io("write the command's stdout"))?,
                    ChannelMsg::ExtendedData { data, ext: 1 } => stderr
                        .write_all(&data)
                        .await
                        .map_err(Error::io("write the command's stderr"))?,
                    ChannelMsg::ExitStatus { exit_status } => {
                        status = ExitStatus::Code(exit_status);
                    }
                    ChannelMsg::ExitSignal {
                        signal_name: signal,
                        ..
                    } => {
                        status = ExitStatus::Signal(signal_name(&signal));
                    }
                    ChannelMsg::Failure => {
                        return Err(Error::Channel(format!(
                            "the server refused to run {command:?}"
                        )));
                    }
                    ChannelMsg::Close => break,
                    _ => {}
                }
            }
            stdout
                .flush()
                .await
                .map_err(Error::io("write the command's stdout"))?;
            stderr
                .flush()
                .await
                .map_err(Error::io("write the command's stderr"))?;
            Ok(status)
        };
        tokio::pin!(feed, drain);
        let mut fed = false;
        loop {
            tokio::select! {
                status = &mut drain => {
                    if status.is_err() {
                        // Stop the remote command rather than leave it running unobserved.
                        let _ = writer.close().await;
                    }
                    return status;
                }
                result = &mut feed, if !fed => {
                    fed = true;
                    if let Err(error) = result {
                        let _ = writer.close().await;
                        return Err(error);
                    }
                }
            }
        }
    }

    /// Opens a channel and starts `command` on it.
    async fn start(&self, command: &str) -> Result<(Channel<Msg>, OwnedSemaphorePermit), Error> {
        let permit = Arc::clone(&self.inner.channels)
            .acquire_owned()
            .await
            .map_err(|_| Error::Channel("the session is closed".into()))?;
        // sshd frees a session slot a moment after the channel's close reaches it, so an open
        // right after another command ended can be refused ("connect failed" / "resource
        // shortage") while the server is busy: retry those for a few seconds.
        let mut refusals = 0;
        let channel = loop {
            match self.inner.handle.channel_open_session().await {
                Ok(channel) => break channel,
                Err(russh::Error::ChannelOpenFailure(
                    russh::ChannelOpenFailure::ConnectFailed
                    | russh::ChannelOpenFailure::ResourceShortage,
                )) if refusals < CHANNEL_OPEN_RETRIES => {
                    refusals += 1;
                    debug!(target = %self.inner.target, refusals, "session channel refused; retrying");
                    tokio::time::sleep(CHANNEL_OPEN_PAUSE).await;
                }
                Err(error) => {
                    return Err(Error::Channel(format!(
                        "cannot open a session channel on {}: {error}",
                        self.inner.target
                    )));
                }
            }
        };
        // The command line is never logged or quoted in errors: provisioners pass secrets in
        // environment variables on it.
        debug!(target = %self.inner.target, "exec");
        channel.exec(true, command).await.map_err(|error| {
            Error::Channel(format!(
                "cannot start a command on {}: {error}",
                self.inner.target
            ))
        })?;
        Ok((channel, permit))
    }

    /// Starts `command` for a protocol spoken over its stdin and stdout.
    pub(crate) async fn start_process(
        &self,
        command: &str,
        operation: String,
    ) -> Result<RemoteProcess, Error> {
        let (channel, permit) = self.start(command).await?;
        let (reader, writer) = channel.split();
        Ok(RemoteProcess::new(operation, reader, writer, permit))
    }

    /// Says goodbye to the server and closes the connection (for all clones).
    pub async fn close(self) {
        // The connection may already be gone, which is what closing wants anyway.
        let _ = self
            .inner
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await;
        self.inner.channels.close();
    }
}

fn timeout(config: &Config, target: &str, started: Instant, last_cause: String) -> Error {
    Error::Timeout {
        target: target.to_owned(),
        user: config.username.clone(),
        waited: started.elapsed(),
        last_cause,
    }
}

/// One TCP connection, handshake and login.
async fn attempt(
    config: &Config,
    target: &str,
    credentials: &Credentials<'_>,
) -> Result<Session, AttemptFailure> {
    let stream = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|error| {
            AttemptFailure::Unreachable(format!("TCP connect to {target}: {error}"))
        })?;
    // Small packets (scp acknowledgements, interactive output) should not wait for Nagle.
    let _ = stream.set_nodelay(true);
    let disconnect = Arc::new(Mutex::new(None));
    let handler = Client {
        target: target.to_owned(),
        disconnect: Arc::clone(&disconnect),
    };
    let russh_config = Arc::new(client::Config {
        keepalive_interval: (!config.keepalive_interval.is_zero())
            .then_some(config.keepalive_interval),
        keepalive_max: 3,
        ..client::Config::default()
    });
    let handshake_failed = |error: &dyn std::fmt::Display| {
        let reason = disconnect
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
            .unwrap_or_else(|| error.to_string());
        AttemptFailure::Handshake(format!("SSH handshake with {target}: {reason}"))
    };
    let mut handle = client::connect_stream(russh_config, stream, handler)
        .await
        .map_err(|error| handshake_failed(&error))?;
    let (result, tried) = match credentials {
        Credentials::Key(key) => {
            let hash = if key.algorithm().is_rsa() {
                // OpenSSH 8.8+ refuses SHA-1 `ssh-rsa` signatures: use what the server offers.
                handle
                    .best_supported_rsa_hash()
                    .await
                    .map_err(|error| handshake_failed(&error))?
                    .flatten()
            } else {
                None
            };
            let tried = format!(
                "publickey ({} {})",
                key.algorithm(),
                key.public_key().fingerprint(HashAlg::Sha256)
            );
            let result = handle
                .authenticate_publickey(
                    config.username.clone(),
                    PrivateKeyWithHashAlg::new(Arc::clone(key), hash),
                )
                .await;
            (result, tried)
        }
        Credentials::Password(password) => {
            password_login(&mut handle, &config.username, password).await
        }
    };
    match result {
        Ok(AuthResult::Success) => {
            info!(%target, user = %config.username, "SSH session established");
            Ok(Session {
                inner: Arc::new(Inner {
                    handle,
                    target: target.to_owned(),
                    channels: Arc::new(Semaphore::new(MAX_CHANNELS)),
                }),
            })
        }
        // russh reports a connection that died during authentication as a failure with no
        // methods left; that is a handshake problem, not rejected credentials.
        Ok(AuthResult::Failure { .. }) if handle.is_closed() => Err(handshake_failed(
            &"the connection closed during authentication",
        )),
        Ok(AuthResult::Failure {
            remaining_methods, ..
        }) => Err(AttemptFailure::Rejected(Error::Auth {
            target: target.to_owned(),
            user: config.username.clone(),
            tried,
            accepted: method_names(&remaining_methods),
        })),
        Err(error) => Err(handshake_failed(&error)),
    }
}

/// Password login, falling back to keyboard-interactive with the password as every answer.
async fn password_login(
    handle: &mut client::Handle<Client>,
    user: &str,
    password: &str,
) -> (Result<AuthResult, russh::Error>, String) {
    let first = handle.authenticate_password(user, password).await;
    let offers_interactive = matches!(
        &first,
        Ok(AuthResult::Failure { remaining_methods, .. })
            if remaining_methods.contains(&MethodKind::KeyboardInteractive)
    );
    if !offers_interactive || handle.is_closed() {
        return (first, "password".into());
    }
    let tried = "password, keyboard-interactive".to_owned();
    let mut response = handle
        .authenticate_keyboard_interactive_start(user, None::<String>)
        .await;
    // A server asks a few rounds at most; the limit stops a server that never stops asking.
    for _ in 0..5 {
        match response {
            Ok(KeyboardInteractiveAuthResponse::Success) => {
                return (Ok(AuthResult::Success), tried);
            }
            Ok(KeyboardInteractiveAuthResponse::Failure {
                remaining_methods,
                partial_success,
            }) => {
                return (
                    Ok(AuthResult::Failure {
                        remaining_methods,
                        partial_success,
                    }),
                    tried,
                );
            }
            Ok(KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. }) => {
                let answers = prompts.iter().map(|_| password.to_owned()).collect();
                response = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await;
            }
            Err(error) => return (Err(error), tried),
        }
    }
    (
        Ok(AuthResult::Failure {
            remaining_methods: MethodSet::empty(),
            partial_success: false,
        }),
        tried,
    )
}

fn method_names(methods: &MethodSet) -> String {
    if methods.is_empty() {
        return "no method this client offers".into();
    }
    methods
        .iter()
        .map(<&str>::from)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// Callers spawn these futures on multi-threaded runtimes: they must stay `Send`.
    #[allow(dead_code)]
    fn futures_are_send(session: Session, config: Config) {
        assert_send(&Session::connect(&config));
        assert_send(&session.exec("true", tokio::io::empty(), Vec::new(), tokio::io::sink()));
        assert_send(&session.upload("/x", tokio::io::empty(), 0, 0o644));
        assert_send(&session.download("/x", Vec::new()));
        assert_send(&session.upload_dir("/x", Path::new("/y"), &[]));
        assert_send(&session.download_dir("/x", Path::new("/y"), &[]));
        assert_send(&session.close());
    }
}
