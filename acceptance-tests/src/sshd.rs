//! A real OpenSSH server (Debian's `openssh-server`) on a loopback port, with keys of its own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::tether::Tethered;

const SSHD: &str = "/usr/sbin/sshd";
const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";

/// A key pair made with `ssh-keygen`, not authorized anywhere until [`Sshd::authorize`].
#[derive(Clone)]
pub struct ClientKey {
    /// The private key file (OpenSSH format, no passphrase).
    pub private_key_path: PathBuf,
    /// The private key's text.
    pub private_key_pem: String,
    /// The `authorized_keys` line of the public key.
    pub public_key: String,
}

impl std::fmt::Debug for ClientKey {
    // The private key stays out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("private_key_path", &self.private_key_path)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// A running `sshd` on 127.0.0.1 that lets `root` in with [`Sshd::client_key_pem`] (public key
/// authentication only), stopped when dropped or when the test process goes away.
#[derive(Debug)]
pub struct Sshd {
    port: u16,
    client_key: ClientKey,
    process: Tethered,
}

impl Sshd {
    /// One server for the whole test binary.
    pub fn shared() -> &'static Sshd {
        static SHARED: OnceLock<Sshd> = OnceLock::new();
        SHARED.get_or_init(|| Sshd::start().unwrap_or_else(|error| panic!("{error}")))
    }

    /// Starts a server of its own on a free port.
    pub fn start() -> Result<Sshd, String> {
        Sshd::start_on(free_port()?)
    }

    /// Starts a server of its own on `port` (which must be free).
    pub fn start_on(port: u16) -> Result<Sshd, String> {
        check_installed()?;
        // sshd refuses to start without its privilege separation directory.
        std::fs::create_dir_all("/run/sshd")
            .map_err(|error| format!("mkdir /run/sshd: {error}"))?;
        let work_dir = tempfile::Builder::new()
            .prefix("photon-sshd-")
            .tempdir()
            .map_err(|error| format!("sshd work dir: {error}"))?
            .keep();
        let host_key = work_dir.join("host_key");
        keygen("ed25519", &host_key)?;
        let client_key = new_key(&work_dir, "client_key", "ed25519")?;
        let authorized_keys = work_dir.join("authorized_keys");
        std::fs::write(&authorized_keys, format!("{}\n", client_key.public_key))
            .map_err(|error| format!("write {}: {error}", authorized_keys.display()))?;
        let config = work_dir.join("sshd_config");
        let dir = work_dir.display();
        std::fs::write(
            &config,
            format!(
                "Port {port}\n\
                 ListenAddress 127.0.0.1\n\
                 HostKey {dir}/host_key\n\
                 AuthorizedKeysFile {dir}/authorized_keys\n\
                 PidFile {dir}/sshd.pid\n\
                 StrictModes no\n\
                 UsePAM no\n\
                 PermitRootLogin yes\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 Subsystem sftp /usr/lib/openssh/sftp-server\n"
            ),
        )
        .map_err(|error| format!("write {}: {error}", config.display()))?;
        let config_arg = config.to_string_lossy().into_owned();
        let mut process = Tethered::spawn(
            "sshd",
            work_dir.clone(),
            Path::new(SSHD),
            &["-D", "-e", "-f", &config_arg],
            &[],
            "",
        )
        .map_err(|error| format!("cannot start {SSHD}: {error}"))?;
        // sshd logs this line once the socket is bound; polling the log avoids connections that
        // would show up as noise in the server's log.
        let log = work_dir.join("sshd.log");
        process.wait_until(Duration::from_secs(20), || {
            std::fs::read_to_string(&log)
                .map(|text| text.contains("Server listening on"))
                .unwrap_or(false)
        })?;
        Ok(Sshd {
            port,
            client_key,
            process,
        })
    }

    /// The loopback address the server listens on.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user the client key logs in as.
    pub fn user(&self) -> &'static str {
        "root"
    }

    /// The authorized client key.
    pub fn client_key(&self) -> &ClientKey {
        &self.client_key
    }

    /// Path of the authorized client private key.
    pub fn client_key_path(&self) -> &Path {
        &self.client_key.private_key_path
    }

    /// Text of the authorized client private key.
    pub fn client_key_pem(&self) -> &str {
        &self.client_key.private_key_pem
    }

    /// Makes a new key pair (`key_type` as for `ssh-keygen -t`, e.g. `rsa` or `ed25519`) in the
    /// server's directory, under a unique name. It is not authorized until [`Sshd::authorize`].
    pub fn new_client_key(&self, key_type: &str) -> Result<ClientKey, String> {
        let dir = self.work_dir();
        let name = tempfile::Builder::new()
            .prefix(&format!("key-{key_type}-"))
            .tempfile_in(dir)
            .map_err(|error| format!("key file name in {}: {error}", dir.display()))?
            .into_temp_path()
            .keep()
            .map_err(|error| format!("key file name: {error}"))?;
        // ssh-keygen will not overwrite the placeholder file.
        std::fs::remove_file(&name).map_err(|error| format!("rm {}: {error}", name.display()))?;
        let file_name = name
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| format!("{} has no file name", name.display()))?;
        new_key(dir, &file_name, key_type)
    }

    /// Adds a public key (an `authorized_keys` line) to the keys that may log in as root.
    pub fn authorize(&self, public_key: &str) -> Result<(), String> {
        use std::io::Write;
        let path = self.work_dir().join("authorized_keys");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|error| format!("open {}: {error}", path.display()))?;
        writeln!(file, "{}", public_key.trim())
            .map_err(|error| format!("write {}: {error}", path.display()))
    }

    /// Everything the server logged so far (its stderr), for diagnostics.
    pub fn log(&self) -> String {
        let path = self.work_dir().join("sshd.log");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|error| format!("<{}: {error}>", path.display()))
    }

    /// The directory the server owns (deleted when it stops).
    pub fn work_dir(&self) -> &Path {
        self.process.work_dir()
    }
}

fn check_installed() -> Result<(), String> {
    if !Path::new(SSHD).exists() {
        return Err(
            "sshd not found: install Debian's openssh-server (scripts/bootstrap installs it)"
                .into(),
        );
    }
    if !Path::new(SSH_KEYGEN).exists() {
        return Err(
            "ssh-keygen not found: install Debian's openssh-client (scripts/bootstrap installs it)"
                .into(),
        );
    }
    Ok(())
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|error| format!("bind a free port: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| format!("free port: {error}"))
}

fn keygen(key_type: &str, path: &Path) -> Result<(), String> {
    let mut command = Command::new(SSH_KEYGEN);
    command.args(["-q", "-t", key_type, "-N", "", "-C", "photon-test-rig"]);
    if key_type == "rsa" {
        command.args(["-b", "2048"]);
    }
    let output = command
        .arg("-f")
        .arg(path)
        .output()
        .map_err(|error| format!("run {SSH_KEYGEN}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "ssh-keygen -t {key_type} -f {} failed ({}): {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

fn new_key(dir: &Path, name: &str, key_type: &str) -> Result<ClientKey, String> {
    let private_key_path = dir.join(name);
    keygen(key_type, &private_key_path)?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|error| format!("read {}: {error}", path.display()))
    };
    Ok(ClientKey {
        private_key_pem: read(&private_key_path)?,
        public_key: read(&dir.join(format!("{name}.pub")))?.trim().to_owned(),
        private_key_path,
    })
}
