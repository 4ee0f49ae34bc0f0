//! The environment go-plugin's client hands to the plugin process.

use std::path::PathBuf;

use crate::Handshake;

/// The environment variables the server reads, read once so that tests can serve in-process with
/// their own values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginEnv {
    /// The value of the handshake's cookie variable, if set.
    pub cookie: Option<String>,
    /// `PLUGIN_PROTOCOL_VERSIONS`: the versions the host speaks, comma-separated (`"5,6"`).
    pub protocol_versions: Option<String>,
    /// `PLUGIN_CLIENT_CERT`: the host's PEM client certificate when it uses AutoMTLS.
    pub client_cert: Option<String>,
    /// Where to create the Unix socket: `PLUGIN_UNIX_SOCKET_DIR`, else the temp directory
    /// (`$TMPDIR`, `/tmp`). `None` means the temp directory at bind time.
    pub socket_dir: Option<PathBuf>,
}

impl PluginEnv {
    /// Reads the variables from this process's environment. Empty values count as unset, as in
    /// go-plugin (it compares against `""`).
    pub fn from_process(handshake: &Handshake) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self {
            cookie: var(handshake.cookie_key),
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert: var("PLUGIN_CLIENT_CERT"),
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
        }
    }
}
