//! yamux session over Packer's connection (reference §3.2). Packer is the yamux client
//! (odd stream ids); the plugin is the server (even ids).
//!
//! This wraps the `yamux` crate (libp2p's, 0.13) rather than a hand-written server: its
//! wire format matches hashicorp/yamux's spec, and `tests/mux.rs` proves interop against
//! the real hashicorp/yamux df201c7 (what Debian's Packer 1.6.6 links) — streams in both
//! directions, >1 MiB each way through the 256 KiB windows, keepalive pings, FIN
//! half-close, RST and GoAway. Behaviours worth knowing:
//! * a Ping SYN on the session is answered at once with a Ping ACK echoing the opaque value
//!   (Packer drops the session without it);
//! * the crate also sends its own RTT pings, which Go answers;
//! * an inbound stream is ACKed with our first frame on it: the broker's 4-byte ack (or the
//!   FIN closing an unclaimed stream) comes within 5 s, well inside v0.1.1's 75 s
//!   StreamOpenTimeout, which would otherwise close Packer's whole session;
//! * an outbound stream is announced (SYN) with our first write, which `Broker::dial` does
//!   at once;
//! * hashicorp/yamux's `Session.Close` sends no GoAway (it closes the socket), so EOF or a
//!   reset connection ends the session cleanly; GoAway is honoured when it comes;
//! * dropping a [`Stream`] without shutting it down resets it (RST);
//!   [`tokio::io::AsyncWriteExt::shutdown`] half-closes it (FIN);
//! * Go quirk (df201c7, seen in the interop test): once a Go stream has closed its own half,
//!   its `Read` returns EOF whenever its buffer is momentarily empty, so a Go side that
//!   half-closes first may miss the rest of our reply. Packer's net/rpc never does that.
//! * a window-update SYN whose credit would overflow yamux's window arithmetic ends the session
//!   with [`MuxError::Protocol`] before yamux sees it (`FrameGuard`; yamux 0.13.10 would panic).
//!
//! The connection is driven by one spawned tokio task; [`Session`] handles talk to it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::compat::{Compat, FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};

/// Why the yamux session ended, or why an operation on it failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MuxError {
    /// The peer sent bytes that are not a valid yamux frame (bad version, unknown type,
    /// oversized frame, window overflow …).
    #[error("malformed yamux frame from the peer: {0}")]
    Protocol(String),
    /// Reading or writing the underlying connection failed.
    #[error("yamux connection I/O error: {0}")]
    Io(Arc<io::Error>),
    /// The session is closed (GoAway, end of the connection, or [`Session::close`]).
    #[error("yamux session is closed")]
    Closed,
    /// The session task stopped without reporting an end (runtime shut down, or a panic
    /// inside yamux): never expected, kept apart so tests can tell it from a clean close.
    #[error("yamux session task stopped without a result")]
    TaskGone,
    /// Too many streams are open to open another.
    #[error("too many yamux streams")]
    TooManyStreams,
}

impl From<yamux::ConnectionError> for MuxError {
    fn from(e: yamux::ConnectionError) -> Self {
        match e {
            // `FrameGuard` refused a frame: a protocol error, not a broken connection.
            yamux::ConnectionError::Io(e)
            | yamux::ConnectionError::Decode(yamux::FrameDecodeError::Io(e))
                if is_frame_guard_refusal(&e) =>
            {
                Self::Protocol(e.to_string())
            }
            yamux::ConnectionError::Io(e) => Self::Io(Arc::new(e)),
            yamux::ConnectionError::Decode(yamux::FrameDecodeError::Io(e)) => Self::Io(Arc::new(e)),
            yamux::ConnectionError::Closed => Self::Closed,
            yamux::ConnectionError::TooManyStreams | yamux::ConnectionError::NoMoreStreamIds => {
                Self::TooManyStreams
            }
            other => Self::Protocol(other.to_string()),
        }
    }
}

enum Command {
    Open(oneshot::Sender<Result<Stream, MuxError>>),
    Close(oneshot::Sender<()>),
}

/// A handle on a running yamux session: open streams, close it, wait for its end.
/// Cheap to clone; the session keeps running while the connection lives.
#[derive(Clone, Debug)]
pub struct Session {
    commands: mpsc::UnboundedSender<Command>,
    ended: watch::Receiver<Option<Result<(), MuxError>>>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Open(_) => "Open",
            Self::Close(_) => "Close",
        })
    }
}

/// Streams the peer opens, in arrival order. Ends when the session ends.
#[derive(Debug)]
pub struct Incoming {
    rx: mpsc::UnboundedReceiver<Stream>,
}

impl Incoming {
    /// The next stream opened by the peer, or `None` once the session has ended.
    pub async fn next(&mut self) -> Option<Stream> {
        self.rx.recv().await
    }
}

impl Session {
    /// Starts the plugin's side of Packer's connection (yamux server, even stream ids).
    /// Spawns the driver task, so it must be called inside a tokio runtime.
    pub fn server<T>(conn: T) -> (Session, Incoming)
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Self::start(conn, yamux::Mode::Server)
    }

    /// The other side (yamux client, odd ids), as Packer plays it: for in-process peers
    /// and tests.
    pub fn client<T>(conn: T) -> (Session, Incoming)
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Self::start(conn, yamux::Mode::Client)
    }

    fn start<T>(conn: T, mode: yamux::Mode) -> (Session, Incoming)
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (in_tx, in_rx) = mpsc::unbounded_channel();
        let (end_tx, end_rx) = watch::channel(None);
        let driver = Driver {
            conn: yamux::Connection::new(
                FrameGuard::new(conn).compat(),
                yamux::Config::default(),
                mode,
            ),
            commands: Some(cmd_rx),
            pending_open: None,
            closing: None,
            incoming: in_tx,
        };
        tokio::spawn(async move {
            let result = driver.await;
            if let Err(e) = &result {
                tracing::debug!("yamux session ended: {e}");
            }
            let _ = end_tx.send(Some(result));
        });
        (
            Session {
                commands: cmd_tx,
                ended: end_rx,
            },
            Incoming { rx: in_rx },
        )
    }

    /// Opens a stream to the peer. The peer learns of it with the first write.
    pub async fn open(&self) -> Result<Stream, MuxError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Open(tx))
            .map_err(|_| self.end_error())?;
        rx.await.map_err(|_| self.end_error())?
    }

    /// Sends GoAway and closes the connection; returns once that is done.
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Close(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// Waits for the session to end: `Ok` for a clean close (GoAway, EOF, [`Session::close`]),
    /// the error otherwise (e.g. [`MuxError::Protocol`] for a malformed frame).
    pub async fn closed(&self) -> Result<(), MuxError> {
        let mut ended = self.ended.clone();
        match ended.wait_for(Option::is_some).await {
            Ok(v) => v.clone().unwrap_or(Ok(())),
            Err(_) => Err(MuxError::TaskGone),
        }
    }

    fn end_error(&self) -> MuxError {
        match &*self.ended.borrow() {
            Some(Err(e)) => e.clone(),
            _ => MuxError::Closed,
        }
    }
}

/// Owns the yamux connection and polls it: inbound frames, open requests, closing.
struct Driver<T> {
    conn: yamux::Connection<Compat<FrameGuard<T>>>,
    commands: Option<mpsc::UnboundedReceiver<Command>>,
    pending_open: Option<oneshot::Sender<Result<Stream, MuxError>>>,
    closing: Option<Vec<oneshot::Sender<()>>>,
    incoming: mpsc::UnboundedSender<Stream>,
}

impl<T> Future for Driver<T>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Output = Result<(), MuxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            if let Some(waiters) = &mut this.closing {
                // Keep taking Close commands so their callers are released too.
                if let Some(cmds) = &mut this.commands {
                    while let Poll::Ready(cmd) = cmds.poll_recv(cx) {
                        match cmd {
                            Some(Command::Close(tx)) => waiters.push(tx),
                            Some(Command::Open(tx)) => {
                                let _ = tx.send(Err(MuxError::Closed));
                            }
                            None => {
                                this.commands = None;
                                break;
                            }
                        }
                    }
                }
                let res = std::task::ready!(this.conn.poll_close(cx));
                for tx in waiters.drain(..) {
                    let _ = tx.send(());
                }
                return Poll::Ready(res.map_err(MuxError::from));
            }

            let mut progressed = false;
            // One open request at a time: yamux may hold it back (too many un-ACKed SYNs).
            if let (true, Some(cmds)) = (this.pending_open.is_none(), &mut this.commands) {
                match cmds.poll_recv(cx) {
                    Poll::Ready(Some(Command::Open(tx))) => {
                        this.pending_open = Some(tx);
                        progressed = true;
                    }
                    Poll::Ready(Some(Command::Close(tx))) => {
                        this.closing = Some(vec![tx]);
                        continue;
                    }
                    // Every handle is gone: keep serving the streams that exist.
                    Poll::Ready(None) => this.commands = None,
                    Poll::Pending => {}
                }
            }
            if let Some(tx) = this.pending_open.take() {
                match this.conn.poll_new_outbound(cx) {
                    Poll::Ready(res) => {
                        let _ = tx.send(res.map(Stream::new).map_err(MuxError::from));
                        progressed = true;
                    }
                    Poll::Pending => this.pending_open = Some(tx),
                }
            }
            match this.conn.poll_next_inbound(cx) {
                Poll::Ready(Some(Ok(stream))) => {
                    // A dropped receiver means nobody accepts: the stream is reset on drop.
                    let _ = this.incoming.send(Stream::new(stream));
                    progressed = true;
                }
                Poll::Ready(Some(Err(e))) => {
                    this.fail_pending();
                    return Poll::Ready(match MuxError::from(e) {
                        MuxError::Closed => Ok(()),
                        // hashicorp/yamux's Session.Close sends no GoAway: it just closes the
                        // socket, so a hang-up while we write is Packer's normal goodbye.
                        MuxError::Io(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                            ) =>
                        {
                            Ok(())
                        }
                        e => Err(e),
                    });
                }
                Poll::Ready(None) => {
                    this.fail_pending();
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending => {}
            }
            if !progressed {
                return Poll::Pending;
            }
        }
    }
}

impl<T> Driver<T> {
    fn fail_pending(&mut self) {
        if let Some(tx) = self.pending_open.take() {
            let _ = tx.send(Err(MuxError::Closed));
        }
    }
}

/// yamux 0.13.10 opens an inbound stream with `credit + 256 KiB` unchecked
/// (`connection.rs:730`), so a window-update SYN whose credit is within 256 KiB of `u32::MAX`
/// overflows: a panic of the session task with overflow checks (every debug build), a
/// silently wrapped window otherwise. Found by the `yamux_session` fuzz target.
const MAX_SYN_CREDIT: u32 = u32::MAX - 256 * 1024;
const YAMUX_HEADER_LEN: usize = 12;
const YAMUX_TYPE_DATA: u8 = 0;
const YAMUX_TYPE_WINDOW_UPDATE: u8 = 1;
const YAMUX_FLAG_SYN: u16 = 1;
const FRAME_GUARD_REFUSAL: &str =
    "yamux window update opens a stream with a credit overflowing the window";

/// Whether `error` is [`FrameGuard`]'s refusal.
fn is_frame_guard_refusal(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData && error.to_string() == FRAME_GUARD_REFUSAL
}

/// Follows the peer's frame headers on their way into yamux and fails the read on a frame
/// yamux mishandles (see [`MAX_SYN_CREDIT`]); everything else passes through untouched.
struct FrameGuard<T> {
    inner: T,
    header: [u8; YAMUX_HEADER_LEN],
    filled: usize,
    /// Bytes of the current data frame's body still to pass.
    body_left: usize,
    /// Set once a header yamux itself rejects (bad version or type) has gone by: yamux ends
    /// the session there, so nothing after it is a frame.
    stopped: bool,
}

impl<T> FrameGuard<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            header: [0; YAMUX_HEADER_LEN],
            filled: 0,
            body_left: 0,
            stopped: false,
        }
    }

    fn inspect(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() && !self.stopped {
            if self.body_left > 0 {
                let n = self.body_left.min(bytes.len());
                self.body_left -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (YAMUX_HEADER_LEN - self.filled).min(bytes.len());
            self.header[self.filled..self.filled + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled < YAMUX_HEADER_LEN {
                break;
            }
            self.filled = 0;
            let [version, kind, f0, f1, _, _, _, _, l0, l1, l2, l3] = self.header;
            let flags = u16::from_be_bytes([f0, f1]);
            let length = u32::from_be_bytes([l0, l1, l2, l3]);
            match (version, kind) {
                (0, YAMUX_TYPE_DATA) => {
                    self.body_left = usize::try_from(length).unwrap_or(usize::MAX);
                }
                (0, YAMUX_TYPE_WINDOW_UPDATE)
                    if flags & YAMUX_FLAG_SYN != 0 && length > MAX_SYN_CREDIT =>
                {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        FRAME_GUARD_REFUSAL,
                    ));
                }
                (0, 1..=3) => {}
                _ => self.stopped = true,
            }
        }
        Ok(())
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for FrameGuard<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        Poll::Ready(this.inspect(&buf.filled()[before..]))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for FrameGuard<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// One yamux stream as a tokio byte stream. `shutdown` sends FIN (half-close: reading
/// still works); dropping it unclosed sends RST.
pub struct Stream {
    id: u32,
    inner: Compat<yamux::Stream>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").field("id", &self.id).finish()
    }
}

impl Stream {
    fn new(s: yamux::Stream) -> Self {
        Self {
            id: s.id().val(),
            inner: s.compat(),
        }
    }

    /// The yamux stream id: odd when Packer opened it, even when we did.
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
