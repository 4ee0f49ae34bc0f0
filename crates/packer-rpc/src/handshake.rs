//! Process start-up as Packer expects it (reference §2): the magic-cookie check, one
//! listener accepting exactly one connection, the stdout handshake line, and ignoring
//! SIGINT/SIGTERM (Packer cancels over RPC and SIGKILLs us at the end).

use std::ffi::OsString;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

/// Environment variable Packer sets so a plugin knows it was started by Packer.
pub const MAGIC_COOKIE_KEY: &str = "PACKER_PLUGIN_MAGIC_COOKIE";
/// The value Packer puts in [`MAGIC_COOKIE_KEY`] (the SDK's `MagicCookieValue`).
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Our own override for the handshake form: `legacy` (Packer 1.6.6) or `v5.0` (1.7+).
pub const HANDSHAKE_OVERRIDE_ENV: &str = "PACKER_PLUGIN_PHOTON_HANDSHAKE";
/// Lowest TCP port Packer allows (env), used for the TCP listener.
pub const MIN_PORT_ENV: &str = "PACKER_PLUGIN_MIN_PORT";
/// Highest TCP port Packer allows (env), used for the TCP listener.
pub const MAX_PORT_ENV: &str = "PACKER_PLUGIN_MAX_PORT";
/// Packer's default for [`MIN_PORT_ENV`] when the variable is absent.
pub const DEFAULT_MIN_PORT: u16 = 10000;
/// Packer's default for [`MAX_PORT_ENV`] when the variable is absent.
pub const DEFAULT_MAX_PORT: u16 = 25000;

/// Why the plugin cannot start serving Packer.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The magic cookie is missing or wrong: a human ran the binary. Same text as the SDK.
    #[error("Please do not execute plugins directly. Packer will execute these for you.")]
    ManuallyStarted,
    /// [`HANDSHAKE_OVERRIDE_ENV`] holds something we do not understand.
    #[error(
        "{HANDSHAKE_OVERRIDE_ENV}={0:?} is not understood: use `legacy` (Packer 1.6.6) or `v5.0` (Packer 1.7+)"
    )]
    BadOverride(String),
    /// [`MIN_PORT_ENV`]/[`MAX_PORT_ENV`] are not a valid port range.
    #[error("invalid plugin port range: {0}")]
    BadPortRange(String),
    /// No port in the range could be bound.
    #[error("couldn't bind a plugin TCP listener on 127.0.0.1:{min}..={max}")]
    NoFreePort {
        /// First port tried.
        min: u16,
        /// Last port tried.
        max: u16,
    },
    /// Creating the listener failed.
    #[error("creating the plugin listener: {0}")]
    Bind(#[source] io::Error),
    /// Accepting Packer's connection failed.
    #[error("accepting Packer's connection: {0}")]
    Accept(#[source] io::Error),
    /// Writing the handshake line to stdout failed.
    #[error("writing the handshake line: {0}")]
    Write(#[source] io::Error),
}

/// Refuses to serve unless `value` (the [`MAGIC_COOKIE_KEY`] variable) is Packer's cookie,
/// so that running the binary by hand prints the SDK's explanation instead of hanging.
pub fn check_magic_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(HandshakeError::ManuallyStarted),
    }
}

/// [`check_magic_cookie`] on this process's environment.
pub fn check_magic_cookie_env() -> Result<(), HandshakeError> {
    let value = std::env::var(MAGIC_COOKIE_KEY).ok();
    check_magic_cookie(value.as_deref())
}

/// Which stdout line Packer understands. No single line satisfies both generations
/// (reference §2), so the binary has to choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeForm {
    /// `5|unix|/path` — Packer 1.6.6 (protocol 5 without a minor version).
    Legacy,
    /// `5|0|unix|/path` — Packer 1.7 to 1.14 (API 5.0).
    V5_0,
}

impl HandshakeForm {
    /// Picks the form without user configuration: the [`HANDSHAKE_OVERRIDE_ENV`] value wins
    /// when set; otherwise being started as `start <kind> <name>` means a multi-component
    /// plugin launched by Packer 1.7+, and anything else (no arguments, as 1.6.6 runs a
    /// legacy `packer-builder-NAME` binary) means Packer 1.6.6.
    ///
    /// `args` are the process arguments without `argv[0]`.
    pub fn pick(args: &[OsString], override_value: Option<&str>) -> Result<Self, HandshakeError> {
        if let Some(v) = override_value {
            return match v.trim().to_ascii_lowercase().as_str() {
                "legacy" | "5" => Ok(Self::Legacy),
                "v5.0" | "5.0" | "v5" => Ok(Self::V5_0),
                _ => Err(HandshakeError::BadOverride(v.to_owned())),
            };
        }
        if args.first().is_some_and(|a| a == "start") {
            Ok(Self::V5_0)
        } else {
            Ok(Self::Legacy)
        }
    }

    /// [`HandshakeForm::pick`] applied to this process's arguments and environment.
    pub fn from_process() -> Result<Self, HandshakeError> {
        let args: Vec<OsString> = std::env::args_os().skip(1).collect();
        let value = std::env::var_os(HANDSHAKE_OVERRIDE_ENV);
        let value = value.as_ref().map(|v| v.to_string_lossy());
        Self::pick(&args, value.as_deref())
    }

    /// The exact stdout line (with its trailing newline) announcing `addr`.
    pub fn line(self, addr: &ListenAddr) -> String {
        match self {
            Self::Legacy => format!("5|{}|{}\n", addr.network(), addr.address()),
            Self::V5_0 => format!("5|0|{}|{}\n", addr.network(), addr.address()),
        }
    }

    /// Writes [`HandshakeForm::line`] to `out` and flushes, since Packer waits for the line.
    pub fn announce(self, addr: &ListenAddr, out: &mut dyn Write) -> Result<(), HandshakeError> {
        out.write_all(self.line(addr).as_bytes())
            .and_then(|()| out.flush())
            .map_err(HandshakeError::Write)
    }
}

/// Where the plugin listens, as written in the handshake line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A unix socket path (the SDK's choice on Unix).
    Unix(PathBuf),
    /// A TCP address on 127.0.0.1 (the SDK's choice on Windows).
    Tcp(SocketAddr),
}

impl ListenAddr {
    /// Go's network name for the handshake line: `unix` or `tcp`.
    pub fn network(&self) -> &'static str {
        match self {
            Self::Unix(_) => "unix",
            Self::Tcp(_) => "tcp",
        }
    }

    /// The address field of the handshake line.
    pub fn address(&self) -> String {
        match self {
            Self::Unix(p) => p.display().to_string(),
            Self::Tcp(a) => a.to_string(),
        }
    }
}

enum ListenerKind {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// A listener that accepts exactly one connection (Packer dials once), then stops
/// listening and removes its socket path, as the SDK does.
pub struct PluginListener {
    kind: ListenerKind,
    addr: ListenAddr,
}

impl std::fmt::Debug for PluginListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginListener")
            .field("addr", &self.addr)
            .finish()
    }
}

static NAME_COUNTER: AtomicU64 = AtomicU64::new(0);

impl PluginListener {
    /// Listens on a fresh unix socket `packer-plugin<random>` in the temp directory.
    pub fn bind_unix() -> Result<Self, HandshakeError> {
        Self::bind_unix_in(&std::env::temp_dir())
    }

    /// Listens on a fresh unix socket `packer-plugin<random>` in `dir`.
    pub fn bind_unix_in(dir: &Path) -> Result<Self, HandshakeError> {
        // Unique enough and, unlike a fixed name, safe with several plugin processes.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for _ in 0..100 {
            let n = NAME_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "packer-plugin{}{:08x}{n}",
                std::process::id(),
                nanos
            ));
            match UnixListener::bind(&path) {
                Ok(listener) => {
                    return Ok(Self {
                        kind: ListenerKind::Unix(listener),
                        addr: ListenAddr::Unix(path),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(HandshakeError::Bind(e)),
            }
        }
        Err(HandshakeError::Bind(io::Error::new(
            io::ErrorKind::AddrInUse,
            "no free socket name in the temp directory",
        )))
    }

    /// Listens on the first free port of `127.0.0.1:min..=max`, like the SDK on Windows.
    pub fn bind_tcp(min: u16, max: u16) -> Result<Self, HandshakeError> {
        if min > max {
            return Err(HandshakeError::BadPortRange(format!("{min} > {max}")));
        }
        for port in min..=max {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let Ok(std_listener) = std::net::TcpListener::bind(addr) else {
                continue;
            };
            std_listener
                .set_nonblocking(true)
                .map_err(HandshakeError::Bind)?;
            let listener = TcpListener::from_std(std_listener).map_err(HandshakeError::Bind)?;
            let addr = listener.local_addr().map_err(HandshakeError::Bind)?;
            return Ok(Self {
                kind: ListenerKind::Tcp(listener),
                addr: ListenAddr::Tcp(addr),
            });
        }
        Err(HandshakeError::NoFreePort { min, max })
    }

    /// [`PluginListener::bind_tcp`] with the range from [`MIN_PORT_ENV`]/[`MAX_PORT_ENV`]
    /// (Packer's defaults when unset).
    pub fn bind_tcp_from_env() -> Result<Self, HandshakeError> {
        let (min, max) = port_range(
            std::env::var(MIN_PORT_ENV).ok().as_deref(),
            std::env::var(MAX_PORT_ENV).ok().as_deref(),
        )?;
        Self::bind_tcp(min, max)
    }

    /// The SDK's choice on Unix (a unix socket), falling back to TCP when the temp
    /// directory cannot hold a socket (e.g. a path too long for `sun_path`).
    pub fn bind_default() -> Result<Self, HandshakeError> {
        match Self::bind_unix() {
            Ok(l) => Ok(l),
            Err(unix_err) => {
                tracing::warn!("unix socket unavailable ({unix_err}); falling back to TCP");
                Self::bind_tcp_from_env()
            }
        }
    }

    /// The address to announce.
    pub fn addr(&self) -> &ListenAddr {
        &self.addr
    }

    /// Accepts Packer's one connection, then closes the listener and unlinks the socket.
    pub async fn accept_one(self) -> Result<PluginConnection, HandshakeError> {
        let conn = match &self.kind {
            ListenerKind::Unix(l) => l
                .accept()
                .await
                .map(|(s, _)| PluginConnection::Unix(s))
                .map_err(HandshakeError::Accept)?,
            ListenerKind::Tcp(l) => l
                .accept()
                .await
                .map(|(s, _)| PluginConnection::Tcp(s))
                .map_err(HandshakeError::Accept)?,
        };
        drop(self); // Drop closes the listener and removes the path.
        Ok(conn)
    }
}

impl Drop for PluginListener {
    fn drop(&mut self) {
        // tokio does not unlink a unix socket on close (Go does); nobody may dial twice.
        if let ListenAddr::Unix(path) = &self.addr {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Parses Packer's port-range variables, defaulting like Packer's config loader.
pub fn port_range(min: Option<&str>, max: Option<&str>) -> Result<(u16, u16), HandshakeError> {
    let parse = |v: Option<&str>, default: u16, name: &str| match v {
        None | Some("") => Ok(default),
        Some(s) => s
            .trim()
            .parse::<u16>()
            .map_err(|e| HandshakeError::BadPortRange(format!("{name}={s:?}: {e}"))),
    };
    let min = parse(min, DEFAULT_MIN_PORT, MIN_PORT_ENV)?;
    let max = parse(max, DEFAULT_MAX_PORT, MAX_PORT_ENV)?;
    if min > max {
        return Err(HandshakeError::BadPortRange(format!("{min} > {max}")));
    }
    Ok((min, max))
}

/// Packer's connection to the plugin: a unix or TCP stream, usable as one byte stream.
#[derive(Debug)]
pub enum PluginConnection {
    /// Accepted on a unix socket.
    Unix(UnixStream),
    /// Accepted on TCP.
    Tcp(TcpStream),
}

impl AsyncRead for PluginConnection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for PluginConnection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(s) => Pin::new(s).poll_flush(cx),
            Self::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// The whole start-up after the cookie check: listen (unix, else TCP), print `form`'s
/// line on stdout, and accept Packer's single connection.
pub async fn serve(form: HandshakeForm) -> Result<PluginConnection, HandshakeError> {
    let listener = PluginListener::bind_default()?;
    tracing::debug!(
        "plugin address: {} {}",
        listener.addr().network(),
        listener.addr().address()
    );
    form.announce(listener.addr(), &mut io::stdout().lock())?;
    listener.accept_one().await
}

/// Swallows SIGINT and SIGTERM for the rest of the process's life. Ctrl-C reaches the
/// plugin too (same process group) but cancellation arrives as an RPC, so dying here would
/// break Packer's cleanup. Returns a counter of signals ignored so far. Needs a tokio runtime.
pub fn ignore_termination_signals() -> io::Result<Arc<AtomicU64>> {
    use tokio::signal::unix::{SignalKind, signal};
    let count = Arc::new(AtomicU64::new(0));
    for kind in [SignalKind::interrupt(), SignalKind::terminate()] {
        let mut sig = signal(kind)?;
        let count = Arc::clone(&count);
        tokio::spawn(async move {
            while sig.recv().await.is_some() {
                let n = count.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::info!("received interrupt signal (count: {n}); ignoring");
            }
        });
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn legacy_line_is_three_fields_as_packer_1_6_6_splits_it() {
        let addr = ListenAddr::Unix(PathBuf::from("/tmp/packer-plugin123"));
        assert_eq!(
            HandshakeForm::Legacy.line(&addr),
            "5|unix|/tmp/packer-plugin123\n"
        );
        let tcp = ListenAddr::Tcp("127.0.0.1:10000".parse().unwrap());
        assert_eq!(HandshakeForm::Legacy.line(&tcp), "5|tcp|127.0.0.1:10000\n");
    }

    #[test]
    fn v5_0_line_is_four_fields_for_packer_1_7_and_later() {
        let addr = ListenAddr::Unix(PathBuf::from("/tmp/packer-plugin123"));
        assert_eq!(
            HandshakeForm::V5_0.line(&addr),
            "5|0|unix|/tmp/packer-plugin123\n"
        );
        let tcp = ListenAddr::Tcp("127.0.0.1:10001".parse().unwrap());
        assert_eq!(HandshakeForm::V5_0.line(&tcp), "5|0|tcp|127.0.0.1:10001\n");
    }

    #[test]
    fn start_args_pick_v5_0_and_no_args_pick_legacy() {
        let pick = |a: &[&str]| HandshakeForm::pick(&args(a), None).unwrap();
        assert_eq!(pick(&["start", "builder", "iso"]), HandshakeForm::V5_0);
        assert_eq!(
            pick(&["start", "builder", "--protobuf", "iso"]),
            HandshakeForm::V5_0
        );
        assert_eq!(pick(&["start", "post-processor", "x"]), HandshakeForm::V5_0);
        assert_eq!(pick(&[]), HandshakeForm::Legacy);
    }

    #[test]
    fn the_env_override_beats_the_launch_convention() {
        let start = args(&["start", "builder", "iso"]);
        assert_eq!(
            HandshakeForm::pick(&start, Some("legacy")).unwrap(),
            HandshakeForm::Legacy
        );
        assert_eq!(
            HandshakeForm::pick(&[], Some("v5.0")).unwrap(),
            HandshakeForm::V5_0
        );
        assert_eq!(
            HandshakeForm::pick(&[], Some(" V5.0 ")).unwrap(),
            HandshakeForm::V5_0
        );
        let err = HandshakeForm::pick(&[], Some("v6")).unwrap_err();
        assert!(matches!(err, HandshakeError::BadOverride(ref v) if v == "v6"));
        assert!(err.to_string().contains(HANDSHAKE_OVERRIDE_ENV));
    }

    #[test]
    fn the_cookie_is_required_with_the_sdk_message() {
        check_magic_cookie(Some(MAGIC_COOKIE_VALUE)).unwrap();
        for bad in [None, Some(""), Some("d602bf8f")] {
            let err = check_magic_cookie(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                "Please do not execute plugins directly. Packer will execute these for you."
            );
        }
    }

    #[test]
    fn port_range_defaults_and_validation() {
        assert_eq!(port_range(None, None).unwrap(), (10000, 25000));
        assert_eq!(
            port_range(Some("20000"), Some("20010")).unwrap(),
            (20000, 20010)
        );
        assert!(matches!(
            port_range(Some("x"), None),
            Err(HandshakeError::BadPortRange(_))
        ));
        assert!(matches!(
            port_range(Some("30000"), Some("20000")),
            Err(HandshakeError::BadPortRange(_))
        ));
    }

    #[test]
    fn announce_writes_exactly_the_line() {
        let addr = ListenAddr::Unix(PathBuf::from("/x/y"));
        let mut out = Vec::new();
        HandshakeForm::V5_0.announce(&addr, &mut out).unwrap();
        assert_eq!(out, b"5|0|unix|/x/y\n");
    }
}
