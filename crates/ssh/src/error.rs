//! Errors, worded for the person who has to fix the configuration or the machine.

use std::time::Duration;

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SSH handshake kept failing (after TCP connected) more often than allowed.
    #[error(
        "cannot establish an SSH session with {target} as {user:?} after {attempts} attempt(s): {cause}"
    )]
    Connect {
        /// `host:port`.
        target: String,
        /// The user name.
        user: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        cause: String,
    },
    /// The server rejected the credentials (after the allowed number of attempts).
    #[error(
        "SSH authentication as user {user:?} at {target} failed: the server rejected {tried} \
         (it accepts: {accepted}); check the user name and the password or key"
    )]
    Auth {
        /// `host:port`.
        target: String,
        /// The user name.
        user: String,
        /// The methods (and key fingerprint) tried.
        tried: String,
        /// The methods the server said it accepts.
        accepted: String,
    },
    /// No SSH session could be established before the configured timeout.
    #[error(
        "timed out after {waited:?} trying to connect to {target} as {user:?}; last error: {last_cause}"
    )]
    Timeout {
        /// `host:port`.
        target: String,
        /// The user name.
        user: String,
        /// How long it tried.
        waited: Duration,
        /// What went wrong on the last attempt.
        last_cause: String,
    },
    /// The caller cancelled the connection attempts.
    #[error("connecting to {target} was cancelled")]
    Cancelled {
        /// `host:port`.
        target: String,
    },
    /// Opening or using an SSH channel failed (the connection broke, the server refused).
    #[error("SSH channel: {0}")]
    Channel(String),
    /// The remote side reported an error (scp's message, or a command's stderr).
    #[error("{operation} failed on the remote host: {message}")]
    Remote {
        /// What was being done, e.g. `upload to /tmp/x`.
        operation: String,
        /// The remote program's message.
        message: String,
    },
    /// The remote program did not speak the scp protocol as expected.
    #[error("{operation}: unexpected scp protocol data: {detail}")]
    Protocol {
        /// What was being done.
        operation: String,
        /// What was wrong.
        detail: String,
    },
    /// A local file or stream failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The private key cannot be used.
    #[error("private key {key}: {reason}")]
    Key {
        /// Which key (file name, or "in the configuration").
        key: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// An argument cannot be used (e.g. a file name with a newline, which scp cannot carry).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}
