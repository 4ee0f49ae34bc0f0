//! Load: one configuration of 300 `photon_virtual_machine` on vcsim and 100 `photon_container`
//! on Podman, applied and destroyed by the real Terraform 1.0.3 with `-parallelism=32`.
//!
//! Checked independently of the provider: every VM (one property retrieval of the whole
//! inventory through `vim::Client`) and every container (bollard, by label) exists exactly once
//! with its configured name, the state holds the 400 resources, no vSphere session is left
//! behind, and the provider's peak resident memory (VmHWM of every `terraform-provider-photon`
//! process Terraform starts) stays bounded. Then destroy leaves nothing on either side.
//! The figures (wall times, peak RSS, sessions) are printed; run with `--nocapture` to see them.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptionsBuilder;
use photon_test_rig::{
    BUSYBOX_IMAGE, Podman, ProviderInstall, TerraformDir, Vcsim, VcsimOptions, versions_tf,
};

const VMS: usize = 300;
const CONTAINERS: usize = 100;
const PARALLELISM: &str = "-parallelism=32";
/// The label every container of this test carries, to find them (and only them) in Podman.
const LABEL: &str = "photon-load";
/// Peak RSS allowed to one provider process. Measured well below it (see the printed figure);
/// the bound catches a provider whose memory grows with the number of resources in flight.
const MAX_PROVIDER_RSS_KIB: u64 = 512 * 1024;

fn config(run: &str) -> String {
    format!(
        r#"provider "photon" {{}}

variable "image" {{
  type = string
}}

data "photon_datacenter" "dc" {{
  name = "DC0"
}}

data "photon_datastore" "local" {{
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}}

data "photon_resource_pool" "pool" {{
  name          = "DC0_H0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}}

resource "photon_virtual_machine" "load" {{
  count            = {VMS}
  name             = "photon-load-vm-${{count.index}}"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id
  power_state      = "off"

  disk {{
    label = "disk0"
    size  = 1
  }}
}}

resource "photon_container" "load" {{
  count        = {CONTAINERS}
  name         = "photon-load-ct-${{count.index}}"
  image        = var.image
  command      = ["sleep", "3600"]
  network_mode = "none"
  labels       = {{ "{LABEL}" = "{run}" }}

  destroy_grace_seconds = 0
}}
"#
    )
}

/// The test's own vSphere session, independent of the provider's.
struct Observer {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
}

impl Observer {
    fn login(vcsim: &Vcsim) -> Observer {
        let (runtime, client) = common::vim_login(vcsim);
        Observer { client, runtime }
    }

    /// Keys of every session on the server except this observer's.
    fn other_sessions(&self) -> Vec<String> {
        let own = self.client.user_session().key.clone();
        self.runtime
            .block_on(self.client.sessions())
            .unwrap()
            .into_iter()
            .map(|session| session.key)
            .filter(|key| *key != own)
            .collect()
    }

    /// The names of every VM in the inventory, in one container view and one retrieval.
    fn vm_names(&self) -> Vec<String> {
        let root = self.client.service_content().root_folder.clone();
        self.runtime
            .block_on(self.client.retrieve(&root, "VirtualMachine", &["name"]))
            .unwrap()
            .iter()
            .map(|object| object.get("name").unwrap().as_str().unwrap().to_owned())
            .collect()
    }
}

/// Polls the server's session list from a thread (and session) of its own while Terraform runs,
/// keeping the largest number of sessions other than its own and the observer's.
struct SessionSampler {
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl SessionSampler {
    fn start(vcsim: &Vcsim, observer_key: String) -> SessionSampler {
        let done = Arc::new(AtomicBool::new(false));
        let options = common::vim_options(vcsim);
        let stop = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = runtime.block_on(vim::Client::connect(options)).unwrap();
            let own = client.user_session().key.clone();
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                let sessions = runtime.block_on(client.sessions()).unwrap();
                let others = sessions
                    .iter()
                    .filter(|session| session.key != own && session.key != observer_key)
                    .count();
                peak = peak.max(others);
                std::thread::sleep(Duration::from_millis(200));
            }
            runtime.block_on(client.logout()).unwrap();
            peak
        });
        SessionSampler { done, thread }
    }

    /// Stops polling (logging its session out) and returns the peak.
    fn peak(self) -> usize {
        self.done.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// Name → state ("running", "exited", …) of every container carrying `LABEL=run`.
fn labelled_containers(podman: &Podman, run: &str) -> BTreeMap<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let filter = format!("{LABEL}={run}");
    let filters = HashMap::from([("label", vec![filter.as_str()])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = runtime
        .block_on(podman.client().list_containers(Some(options)))
        .unwrap();
    containers
        .into_iter()
        .map(|container| {
            let name = container.names.unwrap_or_default().join(",");
            let state = container
                .state
                .map(|state| state.to_string())
                .unwrap_or_default();
            (name.trim_start_matches('/').to_owned(), state)
        })
        .collect()
}

/// Peak resident memory (VmHWM, KiB) of each provider process seen under a running Terraform.
#[derive(Default)]
struct RssSamples {
    peak_by_pid: BTreeMap<u32, u64>,
    samples: u64,
}

/// Samples the providers under `terraform` every 100 ms until it exits; returns its outcome.
fn run_sampled(mut terraform: Child) -> (std::process::ExitStatus, RssSamples) {
    let root = terraform.id();
    let samples = Arc::new(Mutex::new(RssSamples::default()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let samples = Arc::clone(&samples);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                for pid in provider_processes(root) {
                    if let Some(hwm) = vm_hwm_kib(pid) {
                        let mut samples = samples.lock().unwrap();
                        let peak = samples.peak_by_pid.entry(pid).or_default();
                        *peak = (*peak).max(hwm);
                        samples.samples += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let status = terraform.wait().unwrap();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    (status, samples)
}

/// Descendants of `root` whose command is `terraform-provider-photon` (comm is cut at 15 bytes).
fn provider_processes(root: u32) -> Vec<u32> {
    let mut parents = HashMap::new();
    let mut names = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.insert(pid, ppid);
            names.insert(pid, stat[open + 1..close].to_owned());
        }
    }
    let descends = |mut pid: u32| {
        for _ in 0..64 {
            match parents.get(&pid) {
                Some(&parent) if parent == root => return true,
                Some(&parent) if parent > 1 => pid = parent,
                _ => return false,
            }
        }
        false
    };
    names
        .iter()
        .filter(|(pid, name)| name.starts_with("terraform-provi") && descends(**pid))
        .map(|(pid, _)| *pid)
        .collect()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `terraform args…` with stdout and stderr to files in `logs`, sampling provider memory.
fn terraform_sampled(
    terraform: &TerraformDir,
    args: &[&str],
    logs: &Path,
) -> (Duration, RssSamples) {
    let name = args[0];
    let stdout = logs.join(format!("{name}.stdout"));
    let stderr = logs.join(format!("{name}.stderr"));
    let started = Instant::now();
    let child = terraform
        .command(args)
        .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
        .spawn()
        .unwrap();
    let (status, samples) = run_sampled(child);
    let elapsed = started.elapsed();
    assert!(
        status.success(),
        "terraform {args:?} failed ({status}):\n--- stderr\n{}\n--- stdout (tail)\n{}",
        std::fs::read_to_string(&stderr).unwrap(),
        tail(&std::fs::read_to_string(&stdout).unwrap(), 40)
    );
    (elapsed, samples)
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn managed_in_state(terraform: &TerraformDir) -> Vec<String> {
    terraform
        .ok(&["state", "list"])
        .lines()
        .filter(|line| !line.starts_with("data."))
        .map(str::to_owned)
        .collect()
}

fn report_rss(phase: &str, samples: &RssSamples) -> u64 {
    let peak = samples.peak_by_pid.values().copied().max().unwrap_or(0);
    println!(
        "load: {phase}: {} provider process(es), peak RSS (VmHWM) {} KiB = {:.1} MiB per process {:?}, {} samples",
        samples.peak_by_pid.len(),
        peak,
        peak as f64 / 1024.0,
        samples.peak_by_pid.values().collect::<Vec<_>>(),
        samples.samples
    );
    assert!(
        !samples.peak_by_pid.is_empty(),
        "{phase}: no terraform-provider-photon process was ever seen under terraform"
    );
    assert!(
        peak <= MAX_PROVIDER_RSS_KIB,
        "{phase}: a provider process peaked at {peak} KiB, over {MAX_PROVIDER_RSS_KIB} KiB"
    );
    peak
}

#[test]
fn acc_load_300_vms_and_100_containers_with_parallelism_32() {
    let total = Instant::now();
    // A simulator of its own: only this test's sessions and VMs are on it.
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let podman = Podman::shared();
    let observer = Observer::login(&vcsim);
    let run = format!("run-{}", std::process::id());

    assert_eq!(observer.other_sessions(), Vec::<String>::new());
    let inventory_before = observer.vm_names();
    assert!(
        !inventory_before
            .iter()
            .any(|name| name.starts_with("photon-load-")),
        "{inventory_before:?}"
    );
    assert!(labelled_containers(podman, &run).is_empty());

    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_vcsim(&vcsim)
        .env("DOCKER_HOST", &podman.docker_host())
        .env("TF_VAR_image", BUSYBOX_IMAGE);
    terraform.write("versions.tf", &versions_tf());
    terraform.write("main.tf", &config(&run));
    terraform.ok(&["init", "-no-color"]);
    let logs = tempfile::tempdir().unwrap();

    let sessions = SessionSampler::start(&vcsim, observer.client.user_session().key.clone());
    let (apply_time, apply_rss) = terraform_sampled(
        &terraform,
        &["apply", "-no-color", "-auto-approve", PARALLELISM],
        logs.path(),
    );
    let peak_sessions = sessions.peak();
    println!("load: apply of {VMS} VMs + {CONTAINERS} containers took {apply_time:.1?}");
    let apply_peak = report_rss("apply", &apply_rss);
    println!(
        "load: at most {peak_sessions} provider vSphere session(s) open at once during apply ({} provider processes in all)",
        apply_rss.peak_by_pid.len()
    );
    // One session per provider process at most: none per resource, none per worker.
    assert!(
        peak_sessions <= apply_rss.peak_by_pid.len(),
        "{peak_sessions} sessions at once for {} provider processes",
        apply_rss.peak_by_pid.len()
    );

    // vSphere: exactly the configured names, each once.
    let names: Vec<String> = observer
        .vm_names()
        .into_iter()
        .filter(|name| name.starts_with("photon-load-"))
        .collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    let expected: BTreeSet<String> = (0..VMS).map(|i| format!("photon-load-vm-{i}")).collect();
    assert_eq!(unique.len(), names.len(), "duplicate VM names in vcsim");
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "the VMs in vcsim are not the configured ones"
    );

    // Podman: exactly the configured containers, all running.
    let containers = labelled_containers(podman, &run);
    let expected: BTreeSet<String> = (0..CONTAINERS)
        .map(|i| format!("photon-load-ct-{i}"))
        .collect();
    assert_eq!(
        containers.keys().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    let not_running: Vec<_> = containers
        .iter()
        .filter(|(_, state)| state.as_str() != "running")
        .collect();
    assert!(not_running.is_empty(), "not running: {not_running:?}");

    // State: the 400 resources, nothing else.
    let managed = managed_in_state(&terraform);
    assert_eq!(managed.len(), VMS + CONTAINERS, "{managed:?}");
    assert_eq!(
        managed
            .iter()
            .filter(|address| address.starts_with("photon_virtual_machine.load["))
            .count(),
        VMS
    );

    // The provider logged its session out when Terraform stopped it.
    assert_eq!(
        observer.other_sessions(),
        Vec::<String>::new(),
        "vSphere sessions left open after apply"
    );

    // A plan right after shows no change: every resource reads back as applied.
    let started = Instant::now();
    let plan = terraform.run(&["plan", "-no-color", "-detailed-exitcode", PARALLELISM]);
    let plan_time = started.elapsed();
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after apply is not empty:\n{}\n{}",
        tail(&String::from_utf8_lossy(&plan.stdout), 60),
        String::from_utf8_lossy(&plan.stderr)
    );
    println!("load: plan (refresh of 400 resources) took {plan_time:.1?}");
    assert_eq!(observer.other_sessions(), Vec::<String>::new());

    let (destroy_time, destroy_rss) = terraform_sampled(
        &terraform,
        &["destroy", "-no-color", "-auto-approve", PARALLELISM],
        logs.path(),
    );
    println!("load: destroy took {destroy_time:.1?}");
    let destroy_peak = report_rss("destroy", &destroy_rss);

    let left: Vec<String> = observer
        .vm_names()
        .into_iter()
        .filter(|name| name.starts_with("photon-load-"))
        .collect();
    assert!(left.is_empty(), "VMs left after destroy: {left:?}");
    assert_eq!(
        observer.vm_names().len(),
        inventory_before.len(),
        "the inventory is not back to its default VMs"
    );
    let left = labelled_containers(podman, &run);
    assert!(left.is_empty(), "containers left after destroy: {left:?}");
    assert_eq!(managed_in_state(&terraform), Vec::<String>::new());
    assert_eq!(
        observer.other_sessions(),
        Vec::<String>::new(),
        "vSphere sessions left open after destroy"
    );
    observer.runtime.block_on(observer.client.logout()).unwrap();
    println!(
        "load: total {:.1?} (apply {apply_time:.1?}, plan {plan_time:.1?}, destroy {destroy_time:.1?}); peak provider RSS apply {apply_peak} KiB, destroy {destroy_peak} KiB",
        total.elapsed()
    );
}
