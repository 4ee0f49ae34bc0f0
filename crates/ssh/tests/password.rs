//! Password authentication, against a tiny in-process russh server (OpenSSH here has no system
//! account with a password to check).
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use photon_ssh::{Auth, Config, Error, ExitStatus, Session};
use russh::server::{self, Msg, Server as _};
use russh::{Channel, ChannelId, MethodKind, MethodSet};

const USER: &str = "builder";
const PASSWORD: &str = "right horse battery";

/// Accepts [`USER`] with [`PASSWORD`]: by `password`, or only by `keyboard-interactive` (a PAM
/// style prompt) when `interactive_only`. Every command prints `ran: <command>` and exits with 7.
#[derive(Clone)]
struct TinyServer {
    interactive_only: bool,
}

impl server::Server for TinyServer {
    type Handler = Self;
    fn new_client(&mut self, _: Option<std::net::SocketAddr>) -> Self {
        self.clone()
    }
}

impl server::Handler for TinyServer {
    type Error = russh::Error;

    async fn auth_password(
        &mut self,
        user: &str,
        password: &str,
    ) -> Result<server::Auth, Self::Error> {
        if !self.interactive_only && user == USER && password == PASSWORD {
            return Ok(server::Auth::Accept);
        }
        let methods: &[MethodKind] = if self.interactive_only {
            &[MethodKind::KeyboardInteractive]
        } else {
            &[MethodKind::Password]
        };
        Ok(server::Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(methods)),
            partial_success: false,
        })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<server::Response<'a>>,
    ) -> Result<server::Auth, Self::Error> {
        if !self.interactive_only {
            return Ok(server::Auth::reject());
        }
        match response {
            None => Ok(server::Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(""),
                prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
            }),
            Some(mut answers) => {
                let answer = answers.next();
                if user == USER && answer.as_deref() == Some(PASSWORD.as_bytes()) {
                    Ok(server::Auth::Accept)
                } else {
                    Ok(server::Auth::reject())
                }
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: server::ChannelOpenHandle,
        _session: &mut server::Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        command: &[u8],
        session: &mut server::Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let mut output = b"ran: ".to_vec();
        output.extend_from_slice(command);
        session.data(channel, output)?;
        session.exit_status_request(channel, 7)?;
        session.eof(channel)?;
        session.close(channel)
    }
}

/// Starts the server on a free loopback port; returns the port.
async fn start(interactive_only: bool) -> u16 {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("host_key");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key_path)
        .status()
        .expect("ssh-keygen runs: install Debian's openssh-client (scripts/bootstrap installs it)");
    assert!(status.success());
    let host_key =
        russh::keys::decode_secret_key(&std::fs::read_to_string(&key_path).unwrap(), None).unwrap();
    let config = Arc::new(server::Config {
        keys: vec![host_key],
        auth_rejection_time: Duration::from_millis(10),
        auth_rejection_time_initial: Some(Duration::ZERO),
        ..server::Config::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut server = TinyServer { interactive_only };
        let _ = server.run_on_socket(config, &listener).await;
    });
    port
}

fn config(port: u16, user: &str, password: &str) -> Config {
    let mut config = Config::new("127.0.0.1", user, Auth::Password(password.into()));
    config.port = port;
    config.timeout = Duration::from_secs(10);
    config.retry_interval = Duration::from_millis(50);
    config.handshake_attempts = 3;
    config
}

async fn check_exec(session: &Session) {
    let mut out = Vec::new();
    let status = session
        .exec(
            "make image",
            tokio::io::empty(),
            &mut out,
            tokio::io::sink(),
        )
        .await
        .unwrap();
    assert_eq!(status, ExitStatus::Code(7));
    assert_eq!(out, b"ran: make image");
}

#[tokio::test]
async fn the_right_password_logs_in_and_runs_commands() {
    let port = start(false).await;
    let session = Session::connect(&config(port, USER, PASSWORD))
        .await
        .unwrap();
    check_exec(&session).await;
    session.close().await;
}

#[tokio::test]
async fn the_password_answers_keyboard_interactive_prompts() {
    let port = start(true).await;
    let session = Session::connect(&config(port, USER, PASSWORD))
        .await
        .unwrap();
    check_exec(&session).await;
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_after_the_allowed_attempts() {
    for interactive_only in [false, true] {
        let port = start(interactive_only).await;
        let started = std::time::Instant::now();
        let error = Session::connect(&config(port, USER, "wrong"))
            .await
            .unwrap_err();
        match &error {
            Error::Auth { user, tried, .. } => {
                assert_eq!(user, USER);
                assert!(tried.contains("password"), "{error}");
            }
            other => panic!("expected Error::Auth, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("\"builder\""), "{message}");
        assert!(!message.contains("wrong"), "the password leaked: {message}");
        // Three attempts with 50 ms pauses, not the whole 10 s timeout.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
