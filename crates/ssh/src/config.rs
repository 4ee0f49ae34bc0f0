//! What to connect to and how to log in.

use std::path::Path;
use std::time::Duration;

use crate::Error;

/// How to authenticate.
#[derive(Clone)]
pub enum Auth {
    /// Password authentication; if the server rejects `password` but offers
    /// `keyboard-interactive`, the password answers its prompts (as OpenSSH servers with
    /// `KbdInteractiveAuthentication yes` and PAM expect).
    Password(String),
    /// Public key authentication with a private key in OpenSSH, PEM (PKCS#1 RSA, SEC1 EC),
    /// PKCS#8 or PuTTY format.
    PrivateKey {
        /// The key file's text.
        pem: String,
        /// Passphrase of an encrypted key.
        passphrase: Option<String>,
    },
}

impl Auth {
    /// Reads a private key file, checking that it parses (and decrypts with `passphrase`) so that
    /// a bad key is reported with its file name before any connection is attempted.
    pub fn private_key_file(path: &Path, passphrase: Option<String>) -> Result<Auth, Error> {
        let pem = std::fs::read_to_string(path).map_err(|error| Error::Key {
            key: path.display().to_string(),
            reason: format!("cannot read it: {error}"),
        })?;
        crate::session::decode_key(&pem, passphrase.as_deref(), &path.display().to_string())?;
        Ok(Auth::PrivateKey { pem, passphrase })
    }

    /// The method's name in the SSH protocol.
    pub fn method_name(&self) -> &'static str {
        match self {
            Auth::Password(_) => "password",
            Auth::PrivateKey { .. } => "publickey",
        }
    }
}

impl std::fmt::Debug for Auth {
    // Secrets stay out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Password(_) => f.debug_tuple("Password").field(&"<redacted>").finish(),
            Auth::PrivateKey { passphrase, .. } => f
                .debug_struct("PrivateKey")
                .field("pem", &"<redacted>")
                .field("passphrase", &passphrase.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct Config {
    /// Host name or IP address.
    pub host: String,
    /// TCP port (22 by default).
    pub port: u16,
    /// User to log in as.
    pub username: String,
    /// How to authenticate.
    pub auth: Auth,
    /// How long to keep trying to connect and log in, in total (Packer's `ssh_timeout`; 5 min by
    /// default): machines that are still booting refuse or drop connections for a while.
    pub timeout: Duration,
    /// How many failed handshakes or rejected logins to tolerate before giving up (Packer's
    /// `ssh_handshake_attempts`; 10 by default): cloud-init may install the key a little after
    /// sshd starts. Values below 1 count as 1.
    pub handshake_attempts: u32,
    /// Pause between attempts (5 s by default).
    pub retry_interval: Duration,
    /// Interval of keepalive requests once connected (5 s by default), so that long silent
    /// commands do not get the connection dropped by NAT or firewalls.
    pub keepalive_interval: Duration,
}

impl Config {
    /// A configuration with the defaults: port 22, 5 min timeout, 10 handshake attempts, 5 s
    /// between attempts, 5 s keepalive.
    pub fn new(host: impl Into<String>, username: impl Into<String>, auth: Auth) -> Config {
        Config {
            host: host.into(),
            port: 22,
            username: username.into(),
            auth,
            timeout: Duration::from_secs(300),
            handshake_attempts: 10,
            retry_interval: Duration::from_secs(5),
            keepalive_interval: Duration::from_secs(5),
        }
    }

    /// `host:port`, with brackets around IPv6 addresses.
    pub fn target(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}
