//! A remote command's channel seen as a byte stream, for protocols spoken over stdin/stdout (scp).

use russh::client::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf, Sig};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;

use crate::Error;

/// How a remote command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// It exited with this code.
    Code(u32),
    /// A signal killed it (the signal's name without `SIG`, e.g. `TERM`).
    Signal(String),
    /// The channel closed without an exit status (the server or connection went away).
    Unknown,
}

impl ExitStatus {
    /// Whether the command exited with code 0.
    pub fn success(&self) -> bool {
        *self == ExitStatus::Code(0)
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal(signal) => write!(f, "killed by signal {signal}"),
            ExitStatus::Unknown => f.write_str("no exit status (the channel closed)"),
        }
    }
}

pub(crate) fn signal_name(signal: &Sig) -> String {
    match signal {
        Sig::Custom(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

/// Quotes `word` for a POSIX shell: single quotes, with each `'` written as `'\''`.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Largest chunk sent in one channel data message.
const CHUNK: usize = 32 * 1024;

/// A running remote command whose stdout is read as a stream and stdin written to.
pub(crate) struct RemoteProcess {
    pub(crate) operation: String,
    read: ChannelReadHalf,
    write: ChannelWriteHalf<Msg>,
    pending: Vec<u8>,
    position: usize,
    stderr: Vec<u8>,
    exit: Option<ExitStatus>,
    ended: bool,
    _permit: OwnedSemaphorePermit,
}

impl RemoteProcess {
    pub(crate) fn new(
        operation: String,
        read: ChannelReadHalf,
        write: ChannelWriteHalf<Msg>,
        permit: OwnedSemaphorePermit,
    ) -> RemoteProcess {
        RemoteProcess {
            operation,
            read,
            write,
            pending: Vec::new(),
            position: 0,
            stderr: Vec::new(),
            exit: None,
            ended: false,
            _permit: permit,
        }
    }

    /// Waits for more stdout; false once the remote stdout ended.
    async fn fill(&mut self) -> Result<bool, Error> {
        while !self.ended {
            match self.read.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    if data.is_empty() {
                        continue;
                    }
                    self.pending = data.to_vec();
                    self.position = 0;
                    return Ok(true);
                }
                Some(message) => self.note(message)?,
                None => self.ended = true,
            }
        }
        Ok(false)
    }

    /// Records a non-stdout message.
    fn note(&mut self, message: ChannelMsg) -> Result<(), Error> {
        match message {
            ChannelMsg::ExtendedData { data, .. } => {
                // Keep the beginning: the useful message comes first, and memory stays bounded.
                let room = (64 * 1024usize).saturating_sub(self.stderr.len());
                self.stderr.extend_from_slice(&data[..data.len().min(room)]);
            }
            ChannelMsg::ExitStatus { exit_status } => {
                self.exit = Some(ExitStatus::Code(exit_status))
            }
            ChannelMsg::ExitSignal {
                signal_name: signal,
                ..
            } => {
                self.exit = Some(ExitStatus::Signal(signal_name(&signal)));
            }
            ChannelMsg::Failure => {
                return Err(Error::Channel(format!(
                    "{}: the server refused to run the command",
                    self.operation
                )));
            }
            ChannelMsg::Eof | ChannelMsg::Close => self.ended = true,
            _ => {}
        }
        Ok(())
    }

    pub(crate) async fn read_byte(&mut self) -> Result<Option<u8>, Error> {
        if self.position >= self.pending.len() && !self.fill().await? {
            return Ok(None);
        }
        let byte = self.pending[self.position];
        self.position += 1;
        Ok(Some(byte))
    }

    /// Reads up to and without the next `\n`.
    pub(crate) async fn read_line(&mut self) -> Result<String, Error> {
        let mut line = Vec::new();
        loop {
            match self.read_byte().await? {
                Some(b'\n') => break,
                Some(byte) if line.len() < 64 * 1024 => line.push(byte),
                Some(_) => return Err(self.protocol("a protocol line longer than 64 KiB")),
                None => return Err(self.ended_early().await),
            }
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// Reads scp's answer: 0 is OK, 1 and 2 carry an error message.
    pub(crate) async fn read_ack(&mut self) -> Result<(), Error> {
        match self.read_byte().await? {
            Some(0) => Ok(()),
            Some(1 | 2) => {
                let message = self.read_line().await?;
                Err(self.remote_error(message))
            }
            Some(other) => {
                let rest = self.read_line().await.unwrap_or_default();
                Err(self.protocol(&format!(
                    "expected an acknowledgement, got {:?}",
                    format!("{}{rest}", other as char)
                )))
            }
            None => Err(self.ended_early().await),
        }
    }

    pub(crate) fn remote_error(&self, message: String) -> Error {
        Error::Remote {
            operation: self.operation.clone(),
            message: message.trim().to_owned(),
        }
    }

    pub(crate) fn protocol(&self, detail: &str) -> Error {
        Error::Protocol {
            operation: self.operation.clone(),
            detail: detail.to_owned(),
        }
    }

    /// The error for a remote side that stopped talking: its stderr tells why (e.g. `scp: not
    /// found`).
    pub(crate) async fn ended_early(&mut self) -> Error {
        self.drain().await;
        let stderr = String::from_utf8_lossy(&self.stderr).trim().to_owned();
        let status = self.exit.clone().unwrap_or(ExitStatus::Unknown);
        let message = if stderr.is_empty() {
            format!(
                "the remote command ended ({status}) without answering; is scp installed there?"
            )
        } else {
            format!("{stderr} ({status})")
        };
        self.remote_error(message)
    }

    /// Copies exactly `size` bytes of stdout into `out`.
    pub(crate) async fn copy_to<W: AsyncWrite + Unpin>(
        &mut self,
        size: u64,
        out: &mut W,
        what: &str,
    ) -> Result<(), Error> {
        let mut left = size;
        while left > 0 {
            if self.position >= self.pending.len() && !self.fill().await? {
                return Err(self.ended_early().await);
            }
            let available = (self.pending.len() - self.position) as u64;
            let take = available.min(left) as usize;
            out.write_all(&self.pending[self.position..self.position + take])
                .await
                .map_err(Error::io(format!("write {what}")))?;
            self.position += take;
            left -= take as u64;
        }
        out.flush()
            .await
            .map_err(Error::io(format!("write {what}")))
    }

    pub(crate) async fn send(&self, bytes: impl Into<Vec<u8>>) -> Result<(), Error> {
        self.write
            .data_bytes(bytes.into())
            .await
            .map_err(|error| self.send_failed(error))
    }

    fn send_failed(&self, error: russh::Error) -> Error {
        Error::Channel(format!(
            "{}: sending to the remote command: {error}",
            self.operation
        ))
    }

    /// Sends exactly `size` bytes read from `data`.
    pub(crate) async fn send_from<R: AsyncRead + Unpin>(
        &self,
        data: &mut R,
        size: u64,
        what: &str,
    ) -> Result<(), Error> {
        let mut left = size;
        let mut buffer = vec![0u8; CHUNK];
        while left > 0 {
            let want = (left.min(CHUNK as u64)) as usize;
            let read = data
                .read(&mut buffer[..want])
                .await
                .map_err(Error::io(format!("read {what}")))?;
            if read == 0 {
                return Err(Error::Io {
                    context: format!("read {what}"),
                    source: std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("it ended after {} of {size} bytes", size - left),
                    ),
                });
            }
            self.send(buffer[..read].to_vec()).await?;
            left -= read as u64;
        }
        Ok(())
    }

    /// Reads and forgets everything up to the end of the channel, keeping stderr and the status.
    async fn drain(&mut self) {
        loop {
            match self.read.wait().await {
                Some(ChannelMsg::Data { .. }) => {}
                // A refusal at this point changes nothing: the outcome is decided by the status.
                Some(message) => {
                    let _ = self.note(message);
                }
                None => break,
            }
        }
    }

    /// Closes the channel, which stops the remote command.
    pub(crate) async fn abort(&self) {
        // Failing means the channel is already closed, which is the goal.
        let _ = self.write.close().await;
    }

    /// Closes stdin, waits for the command to end and checks that it succeeded.
    pub(crate) async fn finish(mut self) -> Result<(), Error> {
        // The remote may already have closed its side; the status below tells what happened.
        let _ = self.write.eof().await;
        self.drain().await;
        match &self.exit {
            Some(ExitStatus::Code(0)) => Ok(()),
            status => {
                let status = status.clone().unwrap_or(ExitStatus::Unknown);
                let stderr = String::from_utf8_lossy(&self.stderr).trim().to_owned();
                Err(self.remote_error(if stderr.is_empty() {
                    format!("the remote command ended with {status}")
                } else {
                    format!("{stderr} ({status})")
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/tmp/a b"), "'/tmp/a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn quoted_words_come_back_unchanged_from_a_real_shell() {
        let tricky = "a'b\"c $HOME `x` \\ ;|&\n*";
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", shell_quote(tricky)))
            .output()
            .expect("sh runs");
        assert_eq!(String::from_utf8_lossy(&output.stdout), tricky);
    }
}
