//! A Podman API service: the Docker Engine API the container resources are tested against.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::CreateImageOptionsBuilder;

use crate::tether::Tethered;
use crate::tools::{Tool, project_root};

/// The busybox image every [`Podman::shared`] service has, imported from the rootfs tarball.
/// Podman 4.3.1's import ignores the `tag` parameter, so the tag travels inside `repo`.
pub const BUSYBOX_IMAGE: &str = "localhost/photon-rig/busybox:1";

/// Docker API version Podman 4.3.1 reports; requests name it so no negotiation is needed.
const DOCKER_API: &bollard::ClientVersion = &bollard::ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// A running `podman system service` with storage, state and networks of its own in a temp dir.
#[derive(Debug)]
pub struct Podman {
    /// The API socket.
    pub socket: PathBuf,
    /// Services started by [`Podman::restart`], each tethered with a log directory of its own
    /// and no clean-up. Declared before `process` so they stop first: the first tether's clean-up
    /// (remove the containers, delete the work dir) must run once no service uses the storage.
    restarted: Vec<Tethered>,
    process: Tethered,
}

impl Podman {
    /// One service with [`BUSYBOX_IMAGE`] imported, for the whole test binary.
    pub fn shared() -> &'static Podman {
        static SHARED: OnceLock<Podman> = OnceLock::new();
        SHARED.get_or_init(|| {
            let podman = Podman::start().unwrap_or_else(|error| panic!("{error}"));
            podman
                .import_busybox(BUSYBOX_IMAGE)
                .unwrap_or_else(|error| panic!("{error}"));
            podman
        })
    }

    /// Starts a service of its own (stopped, its containers removed, when dropped).
    ///
    /// Storage and state are private, but the default bridge network and its iptables chains are
    /// the host's: while [`Podman::shared`] runs networked containers, give containers of an extra
    /// service `network_mode: "none"`, or concurrent network setup races.
    pub fn start() -> Result<Podman, String> {
        let work_dir = tempfile::Builder::new()
            .prefix("photon-podman-")
            .tempdir()
            .map_err(|error| format!("podman work dir: {error}"))?
            .keep();
        let (process, socket) = serve(work_dir, None)?;
        Ok(Podman {
            socket,
            restarted: Vec::new(),
            process,
        })
    }

    /// Restarts the API service as `systemctl restart podman` would: SIGTERM to the service
    /// (requests in flight are cut, new connections refused), then a new service on the same
    /// socket and storage. Containers keep running: conmon, not the service, supervises them.
    pub fn restart(&mut self) -> Result<(), String> {
        let endpoint = self.docker_host();
        let pids = service_pids(&endpoint);
        if pids.is_empty() {
            return Err(format!(
                "no `podman system service {endpoint}` process is running"
            ));
        }
        for pid in &pids {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !service_pids(&endpoint).is_empty() {
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "podman service {pids:?} still runs 30 s after SIGTERM"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let work_dir = self.process.work_dir().to_path_buf();
        let log_dir = work_dir.join(format!("restart-{}", self.restarted.len() + 1));
        let (process, socket) = serve(work_dir, Some(log_dir))?;
        if socket != self.socket {
            return Err(format!(
                "restarted podman serves {}, not {}",
                socket.display(),
                self.socket.display()
            ));
        }
        self.restarted.push(process);
        Ok(())
    }

    /// `unix:///…/api.sock`, the `DOCKER_HOST` form.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A bollard client for this service.
    pub fn client(&self) -> Docker {
        Docker::connect_with_unix(&self.docker_host(), 120, DOCKER_API)
            .expect("a unix socket client is only configuration, it cannot fail to build")
    }

    /// The directory the service owns (deleted when it stops).
    pub fn work_dir(&self) -> &Path {
        self.process.work_dir()
    }

    /// Imports the busybox rootfs tarball through the API (`POST /images/create?fromSrc=-`).
    pub fn import_busybox(&self, reference: &str) -> Result<(), String> {
        let tarball = Tool::BusyboxRootfs.path();
        let bytes = std::fs::read(&tarball)
            .map_err(|error| format!("read {}: {error}", tarball.display()))?;
        let client = self.client();
        let reference = reference.to_owned();
        // Own runtime on its own thread: callers may or may not already be inside one.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| format!("tokio runtime: {error}"))?;
            runtime.block_on(async {
                use futures_util::TryStreamExt;
                let options = CreateImageOptionsBuilder::new()
                    .from_src("-")
                    .repo(&reference)
                    .build();
                client
                    .create_image(Some(options), Some(bollard::body_full(bytes.into())), None)
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(|error| format!("import {reference}: {error}"))?;
                client
                    .inspect_image(&reference)
                    .await
                    .map(|_| ())
                    .map_err(|error| format!("imported {reference} but cannot inspect it: {error}"))
            })
        })
        .join()
        .map_err(|_| "the image import thread panicked".to_owned())?
    }
}

/// Global podman flags that keep everything inside `work_dir`.
fn storage_flags(work_dir: &Path) -> Vec<String> {
    let dir = |name: &str| work_dir.join(name).to_string_lossy().into_owned();
    vec![
        "--root".into(),
        dir("root"),
        "--runroot".into(),
        dir("run"),
        "--tmpdir".into(),
        dir("tmp"),
        // vfs: plain directories, no mounts left behind, fine for busybox-sized images.
        "--storage-driver".into(),
        "vfs".into(),
        "--network-config-dir".into(),
        dir("networks"),
    ]
}

/// `CONTAINERS_CONF` and `CONTAINERS_REGISTRIES_CONF` pointing at the project's files.
fn config_env() -> Vec<(&'static str, String)> {
    let dir = project_root().join("acceptance-tests/podman");
    vec![
        (
            "CONTAINERS_CONF",
            dir.join("containers.conf").to_string_lossy().into_owned(),
        ),
        (
            "CONTAINERS_REGISTRIES_CONF",
            dir.join("registries.conf").to_string_lossy().into_owned(),
        ),
    ]
}

fn ping(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: podman\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply.starts_with("HTTP/1.") && reply.contains(" 200 ")
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Starts `podman system service` on `<work_dir>/api.sock` with storage in `work_dir`, and
/// waits until it answers `/_ping`. The tether owns `work_dir` and cleans up after the service,
/// unless `restart_dir` is given: then it owns only that (its log) and cleans nothing.
fn serve(work_dir: PathBuf, restart_dir: Option<PathBuf>) -> Result<(Tethered, PathBuf), String> {
    let podman = Tool::Podman.path();
    let socket = work_dir.join("api.sock");
    let storage = storage_flags(&work_dir);
    let endpoint = format!("unix://{}", socket.display());
    let mut args: Vec<&str> = storage.iter().map(String::as_str).collect();
    args.extend(["system", "service", "--time=0", &endpoint]);
    let env = config_env();
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    // The service leaves running containers behind when it stops; remove them before the
    // storage they live in is deleted.
    let cleanup = format!(
        "{} {} rm --all --force --time 0",
        shell_quote(&podman.to_string_lossy()),
        storage
            .iter()
            .map(|flag| shell_quote(flag))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (tether_dir, cleanup) = match restart_dir {
        Some(dir) => (dir, String::new()),
        None => (work_dir.clone(), cleanup),
    };
    let mut process = Tethered::spawn("podman", tether_dir, &podman, &args, &env, &cleanup)
        .map_err(|error| format!("cannot start {}: {error}", podman.display()))?;
    process.wait_until(Duration::from_secs(60), || ping(&socket))?;
    Ok((process, socket))
}

/// The ids of the `podman … system service … <endpoint>` processes.
fn service_pids(endpoint: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                let args: Vec<&[u8]> = cmdline.split(|byte| *byte == 0).collect();
                // The tether's own `sh -c …` carries the same words: only podman itself counts.
                args.first()
                    .is_some_and(|program| program.ends_with(b"podman"))
                    && args.contains(&b"service".as_slice())
                    && args.contains(&endpoint.as_bytes())
            })
        })
        .collect()
}
