//! Start-up, handshake and the serving loop.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use crate::{Mode, PluginEnv, ServeError, ServeOptions, conn, negotiate_version, services, tls};

/// go-plugin's core protocol version, field 1 of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// How long in-flight calls may run after a shutdown request. go-plugin's client kills the process
/// 2 s after `Shutdown` returns, so this stays well below that.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// How long [`main_then`]'s clean-up may take after the server stopped: with the drain, this stays
/// inside the 2 s go-plugin's client waits before killing the process.
const CLEANUP_TIMEOUT: Duration = Duration::from_millis(800);

/// Process entry point: runs [`serve`] on a new multi-threaded tokio runtime.
///
/// A missing or wrong magic cookie prints [`Handshake::not_a_command_message`](crate::Handshake) on
/// stderr, as go-plugin does; that and every other error end with exit code 1.
pub fn main(options: ServeOptions, routes_for: impl FnOnce(u32) -> Routes) -> ExitCode {
    main_then(options, routes_for, async {})
}

/// [`main`], then `cleanup` on the same runtime once the server has stopped (for example, logging
/// out of remote sessions), bounded so the host never has to kill the process for it.
pub fn main_then(
    options: ServeOptions,
    routes_for: impl FnOnce(u32) -> Routes,
    cleanup: impl Future<Output = ()>,
) -> ExitCode {
    let handshake = options.handshake;
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)
        .and_then(|runtime| {
            runtime.block_on(async {
                let served = serve(options, routes_for).await;
                if tokio::time::timeout(CLEANUP_TIMEOUT, cleanup)
                    .await
                    .is_err()
                {
                    tracing::warn!("clean-up after shutdown did not finish in time");
                }
                served
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(ServeError::NotAPlugin) => {
            eprintln!("{}", handshake.not_a_command_message);
            ExitCode::FAILURE
        }
        Err(error) => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            tracing::error!(error = %message, "plugin failed");
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until `GRPCController/Shutdown` ([`Mode::Managed`]) or SIGINT/SIGTERM ([`Mode::Debug`]).
///
/// `routes_for` gets the negotiated protocol version and returns the application's services; it is
/// called once, before anything is printed. Reads the environment once
/// ([`PluginEnv::from_process`]) and prints the handshake on stdout.
pub async fn serve(
    options: ServeOptions,
    routes_for: impl FnOnce(u32) -> Routes,
) -> Result<(), ServeError> {
    let env = PluginEnv::from_process(&options.handshake);
    serve_with(
        options,
        env,
        std::io::stdout(),
        routes_for,
        std::future::pending(),
    )
    .await
}

/// [`serve`] with its inputs made explicit, for tests and embedding: `env` instead of the process
/// environment, `handshake_out` instead of stdout, and `stop`, which shuts the server down like
/// `GRPCController/Shutdown` when it completes.
pub async fn serve_with<W, F>(
    options: ServeOptions,
    env: PluginEnv,
    mut handshake_out: W,
    routes_for: impl FnOnce(u32) -> Routes,
    stop: F,
) -> Result<(), ServeError>
where
    W: Write + Send,
    F: Future<Output = ()> + Send,
{
    let ServeOptions {
        handshake,
        versions,
        mode,
    } = options;
    if handshake.cookie_key.is_empty() || handshake.cookie_value.is_empty() {
        return Err(ServeError::InvalidOptions(
            "the handshake needs a cookie key and value",
        ));
    }
    if versions.is_empty() {
        return Err(ServeError::InvalidOptions(
            "at least one protocol version is needed",
        ));
    }
    let version = match &mode {
        Mode::Managed => {
            if env.cookie.as_deref() != Some(handshake.cookie_value) {
                return Err(ServeError::NotAPlugin);
            }
            negotiate_version(&versions, env.protocol_versions.as_deref())
        }
        // Reattach skips negotiation: Terraform takes the version from TF_REATTACH_PROVIDERS.
        Mode::Debug { .. } => versions.iter().copied().max(),
    }
    .ok_or(ServeError::InvalidOptions(
        "at least one protocol version is needed",
    ))?;
    let app_routes = routes_for(version);

    let shutdown = CancellationToken::new();
    let _signals = AbortOnDrop(install_signal_handlers(&mode, &shutdown)?);

    let tls = match (&mode, env.client_cert.as_deref()) {
        (Mode::Managed, Some(pem)) => Some(tls::server_tls(pem)?),
        _ => None,
    };
    let routes = services::add_plugin_services(app_routes, &shutdown).await;

    // The socket must accept connections before the host reads the address: go-plugin's client
    // treats a failed first dial as fatal.
    let dir = env.socket_dir.clone().unwrap_or_else(std::env::temp_dir);
    let (listener, socket_path) = bind_socket(&dir)?;
    let address = socket_path.to_string_lossy().into_owned();

    match &mode {
        Mode::Managed => {
            let cert = tls.as_ref().map_or("", |tls| tls.cert_base64.as_str());
            writeln!(
                handshake_out,
                "{CORE_PROTOCOL_VERSION}|{version}|unix|{address}|grpc|{cert}"
            )
        }
        Mode::Debug { provider_address } => {
            write_reattach(&mut handshake_out, provider_address, version, &address)
        }
    }
    .and_then(|()| handshake_out.flush())
    .map_err(ServeError::Handshake)?;
    drop(handshake_out);
    tracing::info!(
        version,
        address,
        tls = tls.is_some(),
        "plugin server listening"
    );

    let (connections, incoming) = mpsc::channel(16);
    let _accept = AbortOnDrop(tokio::spawn(conn::accept_loop(
        listener,
        tls.map(|tls| tls.config),
        connections,
    )));
    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::ReceiverStream::new(incoming),
            shutdown.clone().cancelled_owned(),
        );
    let drain_deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(DRAIN_TIMEOUT).await;
    };
    tokio::pin!(server, stop, drain_deadline);
    let mut stop_seen = false;
    let result = loop {
        tokio::select! {
            result = &mut server => break result.map_err(ServeError::Transport),
            () = &mut stop, if !stop_seen => {
                stop_seen = true;
                shutdown.cancel();
            }
            () = &mut drain_deadline => {
                tracing::warn!("in-flight calls did not finish after shutdown; closing anyway");
                break Ok(());
            }
        }
    };
    tracing::debug!("plugin server stopped");
    // Dropping the temp path removes the socket file, on errors too.
    drop(socket_path);
    result
}

/// Managed: SIGINT is swallowed for the rest of the process's life, as go-plugin does ("Eat the
/// interrupts"): Ctrl-C reaches the whole process group and Terraform itself then stops the
/// provider over gRPC. Debug: SIGINT and SIGTERM shut the server down.
fn install_signal_handlers(
    mode: &Mode,
    shutdown: &CancellationToken,
) -> Result<JoinHandle<()>, ServeError> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServeError::Signal)?;
    match mode {
        Mode::Managed => Ok(tokio::spawn(async move {
            let mut count = 0_u64;
            while interrupt.recv().await.is_some() {
                count += 1;
                tracing::trace!(count, "plugin received interrupt signal, ignoring");
            }
        })),
        Mode::Debug { .. } => {
            let mut terminate = signal(SignalKind::terminate()).map_err(ServeError::Signal)?;
            let shutdown = shutdown.clone();
            Ok(tokio::spawn(async move {
                tokio::select! {
                    _ = interrupt.recv() => tracing::info!("SIGINT received, stopping"),
                    _ = terminate.recv() => tracing::info!("SIGTERM received, stopping"),
                }
                shutdown.cancel();
            }))
        }
    }
}

/// Listens on a fresh path like go-plugin's `plugin<random>` in `dir`. The returned temp path
/// deletes the socket file when dropped.
fn bind_socket(dir: &Path) -> Result<(UnixListener, tempfile::TempPath), ServeError> {
    tempfile::Builder::new()
        .prefix("plugin")
        .make_in(dir, |path| UnixListener::bind(path))
        .map(tempfile::NamedTempFile::into_parts)
        .map_err(|source| ServeError::Bind {
            dir: PathBuf::from(dir),
            source,
        })
}

/// go-plugin's `ReattachConfig` as Terraform's `TF_REATTACH_PROVIDERS` parser reads it.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReattachConfig<'a> {
    protocol: &'static str,
    protocol_version: u32,
    pid: u32,
    /// `true` keeps Terraform from killing the process, and makes Terraform 1.0 use
    /// `ProtocolVersion` at all.
    test: bool,
    addr: ReattachAddr<'a>,
}

/// The listener address inside [`ReattachConfig`].
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReattachAddr<'a> {
    network: &'static str,
    string: &'a str,
}

/// Prints a short hint and the `TF_REATTACH_PROVIDERS` line for debug mode.
fn write_reattach(
    out: &mut impl Write,
    provider_address: &str,
    version: u32,
    address: &str,
) -> std::io::Result<()> {
    let config = ReattachConfig {
        protocol: "grpc",
        protocol_version: version,
        pid: std::process::id(),
        test: true,
        addr: ReattachAddr {
            network: "unix",
            string: address,
        },
    };
    let json = serde_json::to_string(&BTreeMap::from([(provider_address, config)]))
        .map_err(std::io::Error::other)?;
    writeln!(
        out,
        "Provider started in debug mode. To use it, run Terraform with this variable set; \
         stop the provider with Ctrl-C.\n\nTF_REATTACH_PROVIDERS='{json}'"
    )
}

/// Aborts a background task when serving ends, however it ends.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
