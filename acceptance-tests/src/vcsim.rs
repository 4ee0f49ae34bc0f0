//! govmomi's vCenter simulator, started through our launcher (`acceptance-tests/vcsim`).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;

use crate::tether::Tethered;
use crate::tools::Tool;

/// How to start a simulator.
#[derive(Clone)]
pub struct VcsimOptions {
    /// The only username SOAP Login accepts.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Standalone hosts per datacenter.
    pub hosts: u32,
    /// Clusters per datacenter.
    pub clusters: u32,
    /// Hosts per cluster.
    pub cluster_hosts: u32,
    /// VMs per host resource pool (each standalone host and each cluster).
    pub vms: u32,
}

impl Default for VcsimOptions {
    /// vcsim's VPX inventory (1 standalone host, 1 cluster of 3, 2 VMs each) with test credentials.
    fn default() -> Self {
        Self {
            username: "administrator@vsphere.local".into(),
            password: "photon-rig-secret".into(),
            hosts: 1,
            clusters: 1,
            cluster_hosts: 3,
            vms: 2,
        }
    }
}

impl std::fmt::Debug for VcsimOptions {
    // The password stays out of test output and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VcsimOptions")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("hosts", &self.hosts)
            .field("clusters", &self.clusters)
            .field("cluster_hosts", &self.cluster_hosts)
            .field("vms", &self.vms)
            .finish()
    }
}

/// A running simulator on a free loopback port, serving HTTPS with a certificate of its own.
#[derive(Debug)]
pub struct Vcsim {
    /// `https://127.0.0.1:PORT/sdk`.
    pub url: String,
    /// PEM file of the server certificate; trust it instead of turning verification off.
    pub ca_file: PathBuf,
    /// The options it was started with (credentials included).
    pub options: VcsimOptions,
    process: Tethered,
    /// The launcher's process id (from its ready line), for [`Vcsim::kill`].
    pid: u32,
    /// Tethers of killed instances: kept so the CA file (in the first instance's directory)
    /// outlives restarts; dropped after `process`, so clean-up runs once the live one is gone.
    retired: Vec<Tethered>,
}

#[derive(Deserialize)]
struct ReadyLine {
    url: String,
    pid: u32,
}

impl Vcsim {
    /// One simulator with the default inventory for the whole test binary.
    pub fn shared() -> &'static Vcsim {
        static SHARED: OnceLock<Vcsim> = OnceLock::new();
        SHARED.get_or_init(|| {
            Vcsim::start(VcsimOptions::default()).unwrap_or_else(|error| panic!("{error}"))
        })
    }

    /// Starts a simulator of its own (stopped when dropped).
    pub fn start(options: VcsimOptions) -> Result<Vcsim, String> {
        let work_dir = new_work_dir()?;
        let ca_file = work_dir.join("ca.pem");
        let (process, url, pid) = launch(&options, "127.0.0.1:0", work_dir, &ca_file)?;
        Ok(Vcsim {
            url,
            ca_file,
            options,
            process,
            pid,
            retired: Vec::new(),
        })
    }

    /// Kills the simulator with SIGKILL, as a crashed or powered-off vCenter: open connections
    /// reset, new ones are refused, and its in-memory inventory is lost. [`Vcsim::restart`]
    /// brings one back on the same port.
    pub fn kill(&mut self) -> Result<(), String> {
        let status = std::process::Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status()
            .map_err(|error| format!("cannot run kill: {error}"))?;
        if !status.success() {
            return Err(format!("kill -KILL {} failed ({status})", self.pid));
        }
        // Wait until the port is closed, so callers see the outage for sure.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(self.address()).is_ok() {
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "vcsim still accepts on {} after SIGKILL",
                    self.address()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Starts a new simulator on the same address, with the same credentials and inventory
    /// options, writing its CA certificate to the same [`Vcsim::ca_file`] path (the launcher makes
    /// a new CA at every start, so a client that loaded the old one must load the file again).
    /// Its inventory is vcsim's fresh default: nothing created on the old one exists.
    pub fn restart(&mut self) -> Result<(), String> {
        let address = self.address().to_owned();
        let (process, url, pid) = launch(&self.options, &address, new_work_dir()?, &self.ca_file)?;
        if url != self.url {
            return Err(format!("restarted vcsim serves {url}, not {}", self.url));
        }
        let old = std::mem::replace(&mut self.process, process);
        self.retired.push(old);
        self.pid = pid;
        Ok(())
    }

    /// `host:port` the simulator listens on.
    pub fn address(&self) -> &str {
        self.url
            .trim_start_matches("https://")
            .trim_end_matches("/sdk")
    }

    /// The directory the simulator owns (deleted when it stops).
    pub fn work_dir(&self) -> &std::path::Path {
        self.process.work_dir()
    }
}

fn new_work_dir() -> Result<PathBuf, String> {
    Ok(tempfile::Builder::new()
        .prefix("photon-vcsim-")
        .tempdir()
        .map_err(|error| format!("vcsim work dir: {error}"))?
        .keep())
}

/// Runs the launcher on `listen` and waits for its ready line: the tether, the URL and the pid.
fn launch(
    options: &VcsimOptions,
    listen: &str,
    work_dir: PathBuf,
    ca_file: &std::path::Path,
) -> Result<(Tethered, String, u32), String> {
    let launcher = Tool::Vcsim.path();
    let ca = ca_file.to_string_lossy().into_owned();
    let counts = [
        options.hosts.to_string(),
        options.clusters.to_string(),
        options.cluster_hosts.to_string(),
        options.vms.to_string(),
    ];
    // The password goes on the command line of a loopback-only test simulator; acceptable here,
    // never for a real endpoint.
    let args = [
        "-listen",
        listen,
        "-tls",
        "-ca-file",
        &ca,
        "-username",
        &options.username,
        "-password",
        &options.password,
        "-hosts",
        &counts[0],
        "-clusters",
        &counts[1],
        "-cluster-hosts",
        &counts[2],
        "-vms",
        &counts[3],
    ];
    // govmomi's simulator creates its datastores under $TMPDIR: keep them inside the work dir.
    let tmp = work_dir.to_string_lossy().into_owned();
    let mut process = Tethered::spawn("vcsim", work_dir, &launcher, &args, &[("TMPDIR", &tmp)], "")
        .map_err(|error| format!("cannot start {}: {error}", launcher.display()))?;
    let line = process.read_line(Duration::from_secs(60))?;
    let ready: ReadyLine = serde_json::from_str(&line).map_err(|error| {
        process.failure(&format!("printed {line:?}, not its address ({error})"))
    })?;
    Ok((process, ready.url, ready.pid))
}
