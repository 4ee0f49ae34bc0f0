//! An SSH client for provisioning machines: connect (retrying while the machine boots) with a
//! password or a private key, run commands with streamed stdin/stdout/stderr and their exit status,
//! and copy files and directory trees with the scp protocol.
//!
//! Built on [`russh`]. Like Packer's SSH communicator, it does **not** verify host keys: the
//! machines it talks to are freshly built and have no known key yet. The server key's fingerprint
//! is logged at debug level.
//!
//! ```no_run
//! # async fn example() -> Result<(), photon_ssh::Error> {
//! use photon_ssh::{Auth, Config, Session};
//! let config = Config::new("10.0.0.5", "root", Auth::Password("secret".into()));
//! let session = Session::connect(&config).await?;
//! let mut out = Vec::new();
//! let status = session
//!     .exec("uname -a", tokio::io::empty(), &mut out, tokio::io::sink())
//!     .await?;
//! assert!(status.success());
//! session.close().await;
//! # Ok(()) }
//! ```

mod config;
mod error;
mod glob;
mod remote;
mod scp;
mod session;

pub use config::{Auth, Config};
pub use error::Error;
pub use glob::is_excluded;
pub use remote::{ExitStatus, shell_quote};
pub use session::Session;
