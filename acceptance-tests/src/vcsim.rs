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
}

#[derive(Deserialize)]
struct ReadyLine {
    url: String,
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
        let launcher = Tool::Vcsim.path();
        let work_dir = tempfile::Builder::new()
            .prefix("photon-vcsim-")
            .tempdir()
            .map_err(|error| format!("vcsim work dir: {error}"))?
            .keep();
        let ca_file = work_dir.join("ca.pem");
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
            "127.0.0.1:0",
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
        let mut process =
            Tethered::spawn("vcsim", work_dir, &launcher, &args, &[("TMPDIR", &tmp)], "")
                .map_err(|error| format!("cannot start {}: {error}", launcher.display()))?;
        let line = process.read_line(Duration::from_secs(60))?;
        let ready: ReadyLine = serde_json::from_str(&line).map_err(|error| {
            process.failure(&format!("printed {line:?}, not its address ({error})"))
        })?;
        Ok(Vcsim {
            url: ready.url,
            ca_file,
            options,
            process,
        })
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
