//! The Lightwave simulator (`lightwave-sim`), run inside the test process: no external tool to
//! install, and it goes away with the process however that ends.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread::JoinHandle;

use lightwave_sim::{SimOptions, Simulator};

/// A simulator serving HTTPS on a free loopback port from a thread (and runtime) of its own.
pub struct LightwaveSim {
    url: String,
    tenant: String,
    admin_username: String,
    admin_password: String,
    // Holds ca.pem; removed on drop.
    work_dir: tempfile::TempDir,
    ca_file: std::path::PathBuf,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    // What it was started with, the listen address made concrete: for [`LightwaveSim::restart`].
    options: SimOptions,
}

impl std::fmt::Debug for LightwaveSim {
    // The password stays out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LightwaveSim")
            .field("url", &self.url)
            .field("tenant", &self.tenant)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"<redacted>")
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl LightwaveSim {
    /// One simulator with default options for the whole test binary.
    pub fn shared() -> &'static LightwaveSim {
        static SHARED: OnceLock<LightwaveSim> = OnceLock::new();
        SHARED.get_or_init(|| LightwaveSim::start(SimOptions::default()))
    }

    /// Starts a simulator of its own (stopped, port closed, when dropped). Panics with the reason
    /// when it cannot start: a test cannot go on without it.
    pub fn start(options: SimOptions) -> LightwaveSim {
        let work_dir = tempfile::Builder::new()
            .prefix("photon-lightwave-sim-")
            .tempdir()
            .unwrap_or_else(|error| panic!("lightwave-sim work dir: {error}"));
        let ca_file = work_dir.path().join("ca.pem");
        let running = serve(options, &ca_file);
        LightwaveSim {
            url: running.url,
            tenant: running.tenant,
            admin_username: running.admin_username,
            admin_password: running.admin_password,
            work_dir,
            ca_file,
            stop: Some(running.stop),
            thread: Some(running.thread),
            options: running.options,
        }
    }

    /// Stops the simulator (port closed, connections dropped) and starts it again on the same
    /// address with the same options. With [`SimOptions::state_file`] set, the directory is
    /// loaded back from that file; without it, it starts empty. The server certificate is new
    /// (the simulator makes its CA at start) and replaces the one in [`LightwaveSim::ca_file`].
    pub fn restart(&mut self) {
        self.shut_down();
        let running = serve(self.options.clone(), &self.ca_file);
        assert_eq!(running.url, self.url, "the restarted lightwave-sim moved");
        self.tenant = running.tenant;
        self.admin_username = running.admin_username;
        self.admin_password = running.admin_password;
        self.stop = Some(running.stop);
        self.thread = Some(running.thread);
    }

    fn shut_down(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The thread shuts the server down (closing the port) before it returns.
            let _ = thread.join();
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// PEM file of the CA behind the HTTPS certificate: trust it instead of skipping verification.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The system tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The system administrator's UPN (`Administrator@lightwave.local`).
    pub fn admin_username(&self) -> &str {
        &self.admin_username
    }

    /// The system administrator's password.
    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// The provider's environment for this simulator: `LIGHTWAVE_ENDPOINT`, `LIGHTWAVE_TENANT`,
    /// `LIGHTWAVE_USERNAME`, `LIGHTWAVE_PASSWORD` and `LIGHTWAVE_CA_FILE`.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("LIGHTWAVE_ENDPOINT".into(), self.url.clone()),
            ("LIGHTWAVE_TENANT".into(), self.tenant.clone()),
            ("LIGHTWAVE_USERNAME".into(), self.admin_username.clone()),
            ("LIGHTWAVE_PASSWORD".into(), self.admin_password.clone()),
            (
                "LIGHTWAVE_CA_FILE".into(),
                self.ca_file.to_string_lossy().into_owned(),
            ),
        ]
    }

    /// The temporary directory holding the CA file.
    pub fn work_dir(&self) -> &Path {
        self.work_dir.path()
    }
}

impl Drop for LightwaveSim {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A simulator serving from its own thread.
struct Running {
    options: SimOptions,
    url: String,
    tenant: String,
    admin_username: String,
    admin_password: String,
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

/// Starts a simulator on a thread of its own and writes its CA certificate to `ca_file`.
fn serve(options: SimOptions, ca_file: &Path) -> Running {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("lightwave-sim".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("lightwave-sim-worker")
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(format!("tokio runtime: {error}")));
                    return;
                }
            };
            let simulator = match runtime.block_on(Simulator::start(options.clone())) {
                Ok(simulator) => simulator,
                Err(error) => {
                    let _ = ready_tx.send(Err(error.to_string()));
                    return;
                }
            };
            let mut options = options;
            // A restart must come back on the port it has now, not on another free one.
            if let Some(address) = simulator
                .url()
                .strip_prefix("https://")
                .and_then(|address| address.parse().ok())
            {
                options.listen = address;
            }
            let info = (
                options,
                simulator.url().to_string(),
                simulator.ca_pem().to_string(),
                simulator.system_tenant().to_string(),
                simulator.admin_upn(),
                simulator.admin_password().to_string(),
            );
            let _ = ready_tx.send(Ok(info));
            // Serve (on the runtime's workers) until asked to stop or the owner is gone.
            let _ = stop_rx.recv();
            runtime.block_on(simulator.shutdown());
        })
        .unwrap_or_else(|error| panic!("cannot spawn the lightwave-sim thread: {error}"));
    let (options, url, ca_pem, tenant, admin_username, admin_password) = ready_rx
        .recv()
        .unwrap_or_else(|_| Err("the simulator thread ended before it was ready".into()))
        .unwrap_or_else(|error| panic!("lightwave-sim did not start: {error}"));
    std::fs::write(ca_file, ca_pem)
        .unwrap_or_else(|error| panic!("write {}: {error}", ca_file.display()));
    Running {
        options,
        url,
        tenant,
        admin_username,
        admin_password,
        stop: stop_tx,
        thread,
    }
}
