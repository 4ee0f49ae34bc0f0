//! Fault injection with the real binaries: what Terraform's state and the real systems hold after
//! a backend dies, restarts or Terraform is interrupted in the middle of an apply, and whether the
//! next apply converges. Every effect is read back independently of the provider (`vim::Client`,
//! bollard, the state file); each test prints what happened, the diagnostics and the counts on
//! both sides (run with `--nocapture` to see them).
//!
//! - vcsim killed (SIGKILL) while `terraform apply` creates 40 VMs, restarted on the same port:
//!   the apply fails naming the connection error; the next apply converges, no duplicate, no
//!   orphan. vcsim keeps its inventory in memory, so the restarted one has its default inventory
//!   only: the VMs created before the kill are gone, and convergence means the state drops them
//!   and the next apply recreates every VM exactly once.
//! - `terraform apply` interrupted with SIGINT while VMs wait for a guest IP (vcsim never reports
//!   one): Terraform calls StopProvider, the provider stops waiting at once, the state records
//!   every VM it created (tainted), and the next apply replaces them without duplicates.
//! - The Podman service restarted while `terraform apply` creates 30 containers: the next apply
//!   converges; the containers in state are exactly those in Podman, all running.
//! - `lightwave-sim` restarted with its state file between apply and plan: no changes planned.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptionsBuilder;
use photon_test_rig::{
    BUSYBOX_IMAGE, LightwaveSim, LightwaveSimOptions, Podman, ProviderInstall, TerraformDir, Vcsim,
    VcsimOptions, versions_tf,
};
use serde_json::Value;

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

    /// Name → moref of every VM whose name starts with `prefix`, from one retrieval of the whole
    /// inventory. Panics on a duplicate name: that is one of the faults looked for.
    fn vms(&self, prefix: &str) -> BTreeMap<String, String> {
        let mut vms = BTreeMap::new();
        for (name, moref) in self.try_vms(prefix).unwrap() {
            let previous = vms.insert(name.clone(), moref);
            assert!(previous.is_none(), "two VMs named {name} in vcsim");
        }
        vms
    }

    fn try_vms(&self, prefix: &str) -> Result<Vec<(String, String)>, vim::Error> {
        let root = self.client.service_content().root_folder.clone();
        let objects =
            self.runtime
                .block_on(self.client.retrieve(&root, "VirtualMachine", &["name"]))?;
        Ok(objects
            .iter()
            .filter_map(|object| {
                let name = object.get("name")?.as_str()?;
                name.starts_with(prefix)
                    .then(|| (name.to_owned(), object.obj.value.clone()))
            })
            .collect())
    }

    fn other_sessions(&self) -> usize {
        let own = self.client.user_session().key.clone();
        self.runtime
            .block_on(self.client.sessions())
            .unwrap()
            .iter()
            .filter(|session| session.key != own)
            .count()
    }
}

/// One resource instance of the local state file.
#[derive(Debug)]
struct Instance {
    address: String,
    tainted: bool,
    attributes: Value,
}

/// The managed resource instances of `terraform.tfstate` (empty when there is none yet).
fn state_instances(terraform: &TerraformDir) -> Vec<Instance> {
    let path = terraform.path().join("terraform.tfstate");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let state: Value = serde_json::from_str(&text).unwrap();
    let mut instances = Vec::new();
    for resource in state["resources"].as_array().unwrap() {
        if resource["mode"] != "managed" {
            continue;
        }
        let base = format!(
            "{}.{}",
            resource["type"].as_str().unwrap(),
            resource["name"].as_str().unwrap()
        );
        for instance in resource["instances"].as_array().unwrap() {
            let address = match &instance["index_key"] {
                Value::Null => base.clone(),
                key => format!("{base}[{key}]"),
            };
            instances.push(Instance {
                address,
                tainted: instance["status"] == "tainted",
                attributes: instance["attributes"].clone(),
            });
        }
    }
    instances
}

fn attribute(instance: &Instance, name: &str) -> String {
    instance.attributes[name]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// (name, moid) of every `photon_virtual_machine` instance in state. A create that failed after
/// the VM existed records only its moid (the name is empty then).
fn vm_entries_in_state(terraform: &TerraformDir) -> Vec<(String, String)> {
    state_instances(terraform)
        .iter()
        .filter(|instance| instance.address.starts_with("photon_virtual_machine."))
        .map(|instance| (attribute(instance, "name"), attribute(instance, "moid")))
        .collect()
}

/// Name → moid of the `photon_virtual_machine` instances in state. Panics on a duplicate name.
fn vms_in_state(terraform: &TerraformDir) -> BTreeMap<String, String> {
    let mut vms = BTreeMap::new();
    for (name, moid) in vm_entries_in_state(terraform) {
        let previous = vms.insert(name.clone(), moid);
        assert!(previous.is_none(), "two VMs named {name:?} in the state");
    }
    vms
}

/// A running `terraform` whose output goes to files (a pipe nobody reads would fill and block it).
struct Running {
    child: Child,
    logs: tempfile::TempDir,
}

impl Running {
    fn id(&self) -> u32 {
        self.child.id()
    }

    /// Pids still in terraform's process group (the providers it started, once it exited).
    fn group_members(&self) -> Vec<u32> {
        let group = self.child.id();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                    // "pid (comm) state ppid pgrp …": split after the last ')'.
                    stat.rfind(')').and_then(|close| {
                        stat[close + 1..]
                            .split_whitespace()
                            .nth(2)?
                            .parse::<u32>()
                            .ok()
                    }) == Some(group)
                })
            })
            .collect()
    }

    /// Waits for the exit (terraform's and its providers'); returns the status, stdout and stderr.
    fn finish(mut self) -> (std::process::ExitStatus, String, String) {
        let status = self.child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = self.group_members();
            if left.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "processes of terraform's group outlived it by 30 s: {left:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let read = |name: &str| std::fs::read_to_string(self.logs.path().join(name)).unwrap();
        (status, read("stdout"), read("stderr"))
    }
}

impl Drop for Running {
    // A failed test must not leave terraform running against a simulator that goes away.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
            let _ = self.child.wait();
        }
    }
}

fn spawn(terraform: &TerraformDir, args: &[&str]) -> Running {
    let logs = tempfile::tempdir().unwrap();
    let file = |name: &str| Stdio::from(std::fs::File::create(logs.path().join(name)).unwrap());
    // A process group of its own, so that SIGINT reaches it as Ctrl-C would: Terraform runs under
    // panicwrap (a parent that ignores SIGINT and a child that acts on it), and the terminal sends
    // SIGINT to the whole foreground group, the providers included.
    let child = terraform
        .command(args)
        .process_group(0)
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .unwrap();
    Running { child, logs }
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Polls `condition` every 50 ms for up to `timeout`; panics with `what` if it never holds or
/// terraform exits first.
fn wait_for(
    running: &mut Running,
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return;
        }
        if let Some(status) = running.child.try_wait().unwrap() {
            let read =
                |name: &str| std::fs::read_to_string(running.logs.path().join(name)).unwrap();
            panic!(
                "terraform exited ({status}) before {what}:\n{}\n{}",
                read("stdout"),
                read("stderr")
            );
        }
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn apply_ok(terraform: &TerraformDir) -> Duration {
    let started = Instant::now();
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    started.elapsed()
}

fn plan_code(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let (stdout, stderr) = text(&output);
    (output.status.code(), format!("{stdout}\n{stderr}"))
}

/// The first `Error:` block of Terraform's output, for the report.
fn first_error(stderr: &str) -> String {
    let Some(start) = stderr.find("Error: ") else {
        return String::new();
    };
    stderr[start..]
        .split("\nError: ")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The `Error: …` summaries of Terraform's diagnostics, each once with how often it came.
fn error_summaries(stderr: &str) -> BTreeMap<String, usize> {
    let mut summaries = BTreeMap::new();
    for line in stderr.lines() {
        if let Some(summary) = line.trim().strip_prefix("Error: ") {
            *summaries.entry(summary.to_owned()).or_default() += 1;
        }
    }
    summaries
}

fn vsphere_workdir(vcsim: &Vcsim, main_tf: &str) -> TerraformDir {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(vcsim);
    terraform.write("versions.tf", &versions_tf());
    terraform.write("main.tf", main_tf);
    terraform.ok(&["init", "-no-color"]);
    terraform
}

/// `count` powered-off VMs named `<prefix><index>` with one small disk, plus `extra` inside the
/// resource block.
fn vms_config(prefix: &str, count: usize, extra: &str) -> String {
    format!(
        r#"provider "photon" {{}}

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

resource "photon_virtual_machine" "vm" {{
  count            = {count}
  name             = "{prefix}${{count.index}}"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id
  {extra}

  disk {{
    label = "disk0"
    size  = 1
  }}
}}
"#
    )
}

/// Both sides hold the same VMs: every VM of vcsim with the prefix is in state with its moref and
/// vice versa, and they are exactly the `count` configured names.
fn assert_converged(observer: &Observer, terraform: &TerraformDir, prefix: &str, count: usize) {
    let in_vcsim = observer.vms(prefix);
    let in_state = vms_in_state(terraform);
    let expected: BTreeSet<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
    assert_eq!(
        in_vcsim.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "vcsim does not hold exactly the configured VMs"
    );
    assert_eq!(
        in_state, in_vcsim,
        "state and vcsim disagree (name → moref)"
    );
    let tainted: Vec<String> = state_instances(terraform)
        .into_iter()
        .filter(|instance| instance.tainted)
        .map(|instance| instance.address)
        .collect();
    assert!(tainted.is_empty(), "still tainted: {tainted:?}");
    let (code, plan) = plan_code(terraform);
    assert_eq!(
        code,
        Some(0),
        "the converged state still plans changes:\n{plan}"
    );
}

#[test]
fn acc_vcsim_killed_and_restarted_mid_apply_then_apply_converges() {
    const PREFIX: &str = "photon-fault-kill-";
    const COUNT: usize = 40;
    let test_started = Instant::now();
    let mut vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let observer = Observer::login(&vcsim);
    let terraform = vsphere_workdir(&vcsim, &vms_config(PREFIX, COUNT, r#"power_state = "off""#));
    println!("kill: [{:.1?}] initialised", test_started.elapsed());

    // Few at a time, so the kill lands while most VMs are still to come.
    let mut apply = spawn(
        &terraform,
        &["apply", "-no-color", "-auto-approve", "-parallelism=4"],
    );
    let mut seen_before_kill = 0;
    wait_for(&mut apply, "10 VMs exist", Duration::from_secs(120), || {
        seen_before_kill = observer.vms(PREFIX).len();
        seen_before_kill >= 10
    });
    vcsim.kill().unwrap();
    let killed_at = Instant::now();
    // The observer's session died with the server.
    drop(observer);
    // Down for a moment, as a vCenter restarting is.
    std::thread::sleep(Duration::from_secs(2));
    vcsim.restart().unwrap();
    let (status, stdout, stderr) = apply.finish();
    let failed_after = killed_at.elapsed();
    assert!(
        !status.success(),
        "the apply survived the kill?\n{stdout}\n{stderr}"
    );
    let summaries = error_summaries(&stderr);
    println!(
        "kill: [{:.1?}] {seen_before_kill} VMs seen before SIGKILL; apply failed {failed_after:.1?} after it; diagnostics: {summaries:#?}\nfirst:\n{}",
        test_started.elapsed(),
        first_error(&stderr)
    );
    // Clear diagnostics: every error names the failed operation, and says what went wrong with
    // the connection rather than something vague.
    assert!(!summaries.is_empty(), "no diagnostics:\n{stderr}");
    for summary in summaries.keys() {
        assert!(
            summary.contains("photon_virtual_machine") || summary.contains("vSphere"),
            "a diagnostic does not say what failed: {summary:?}\n{stderr}"
        );
    }
    let connection_words = [
        "connection refused",
        "Connection refused",
        "connection reset",
        "Connection reset",
        "connection closed",
        "certificate",
        "error sending request",
        "NotAuthenticated",
        "not authenticated",
        "session",
    ];
    assert!(
        connection_words.iter().any(|word| stderr.contains(word)),
        "the diagnostics do not say that the connection failed:\n{stderr}"
    );

    let recorded = vm_entries_in_state(&terraform);
    let partial = recorded.iter().filter(|(name, _)| name.is_empty()).count();
    println!(
        "kill: after the failed apply the state records {} VMs (of {COUNT}; {partial} by moid only, their create failed after the VM existed); the restarted vcsim holds none of them: {recorded:?}",
        recorded.len()
    );
    assert!(recorded.len() <= COUNT);
    assert!(
        !recorded.is_empty(),
        "VMs existed before the kill ({seen_before_kill}) but the state records none"
    );

    let observer = Observer::login(&vcsim);
    assert_eq!(
        observer.vms(PREFIX).len(),
        0,
        "the restarted vcsim has a fresh inventory"
    );
    let converged_in = apply_ok(&terraform);
    assert_converged(&observer, &terraform, PREFIX, COUNT);
    println!(
        "kill: second apply converged in {converged_in:.1?}: {} VMs in vcsim, {} in state, no duplicate, no orphan",
        observer.vms(PREFIX).len(),
        vms_in_state(&terraform).len()
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert_eq!(observer.vms(PREFIX).len(), 0);
    assert_eq!(observer.other_sessions(), 0, "vSphere sessions left open");
    println!("kill: [{:.1?}] destroyed", test_started.elapsed());
    // The killed instance's directory (holding the CA file) goes with the restarted one.
    let first_dir = vcsim.ca_file.parent().unwrap().to_path_buf();
    let second_dir = vcsim.work_dir().to_path_buf();
    drop(observer);
    drop(vcsim);
    assert!(!first_dir.exists(), "{} is left", first_dir.display());
    assert!(!second_dir.exists(), "{} is left", second_dir.display());
}

#[test]
fn acc_sigint_during_apply_stops_the_provider_and_the_next_apply_converges() {
    const PREFIX: &str = "photon-fault-int-";
    const COUNT: usize = 12;
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let observer = Observer::login(&vcsim);
    // vcsim never reports a guest IP, so each create waits (up to 10 minutes) after power-on:
    // a slow operation in flight, as a real guest that boots slowly.
    let waiting = r#"power_state               = "on"
  wait_for_guest_ip_timeout = 10"#;
    let terraform = vsphere_workdir(&vcsim, &vms_config(PREFIX, COUNT, waiting));

    let mut apply = spawn(
        &terraform,
        &["apply", "-no-color", "-auto-approve", "-parallelism=8"],
    );
    // All 8 in flight are created and powered on, waiting for their IP.
    wait_for(
        &mut apply,
        "8 VMs powered on",
        Duration::from_secs(120),
        || observer.vms(PREFIX).len() >= 8,
    );
    std::thread::sleep(Duration::from_secs(1));
    let status = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{}", apply.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let interrupted_at = Instant::now();
    let (status, stdout, stderr) = apply.finish();
    let stopped_in = interrupted_at.elapsed();
    let summaries = error_summaries(&stderr);
    println!(
        "sigint: terraform exited ({status}) {stopped_in:.1?} after SIGINT; diagnostics: {summaries:#?}\nfirst:\n{}",
        first_error(&stderr)
    );
    assert!(!status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Interrupt received") || stderr.contains("Interrupt received"),
        "Terraform did not take the interrupt:\n{stdout}\n{stderr}"
    );
    // The waits end on StopProvider, not on their 10-minute timeout.
    assert!(
        stopped_in < Duration::from_secs(20),
        "the provider did not stop promptly: {stopped_in:?}\n{stderr}"
    );
    // Only the stop token that StopProvider cancels ends these waits (the provider swallows
    // SIGINT itself, as go-plugin servers do), and `finish` saw the provider exit too.
    assert!(
        stderr.contains("Stopped waiting for the guest IP address"),
        "the in-flight waits were not cancelled by StopProvider:\n{stderr}"
    );
    assert!(
        !stderr.contains("plugin crashed") && !stderr.contains("panic"),
        "{stderr}"
    );
    // Stopped, the provider still logged its vSphere session out.
    assert_eq!(
        observer.other_sessions(),
        0,
        "the interrupted provider left its session open"
    );

    // Whatever was created is in state (tainted, since its create did not finish), nothing else.
    let in_vcsim = observer.vms(PREFIX);
    let in_state = vms_in_state(&terraform);
    let instances = state_instances(&terraform);
    let tainted = instances.iter().filter(|instance| instance.tainted).count();
    println!(
        "sigint: after the interrupt vcsim holds {} VMs, the state {} ({tainted} tainted)",
        in_vcsim.len(),
        in_state.len()
    );
    assert_eq!(
        in_state, in_vcsim,
        "state and vcsim disagree after the interrupt"
    );
    assert!(
        in_vcsim.len() >= 8 && in_vcsim.len() < COUNT,
        "{in_vcsim:?}"
    );
    assert_eq!(
        tainted,
        in_state.len(),
        "every interrupted create is tainted"
    );

    // The next apply (no waiting this time) replaces the tainted VMs and creates the rest.
    terraform.write(
        "main.tf",
        &vms_config(PREFIX, COUNT, r#"power_state = "on""#),
    );
    let converged_in = apply_ok(&terraform);
    assert_converged(&observer, &terraform, PREFIX, COUNT);
    println!(
        "sigint: second apply converged in {converged_in:.1?}: {} VMs in vcsim and in state",
        observer.vms(PREFIX).len()
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert_eq!(observer.vms(PREFIX).len(), 0);
    assert_eq!(observer.other_sessions(), 0, "vSphere sessions left open");
}

/// Name → (id, state) of the containers labelled `photon-fault=<run>`.
fn labelled_containers(podman: &Podman, run: &str) -> BTreeMap<String, (String, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let filter = format!("photon-fault={run}");
    let filters = HashMap::from([("label", vec![filter.as_str()])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    runtime
        .block_on(podman.client().list_containers(Some(options)))
        .unwrap()
        .into_iter()
        .map(|container| {
            let name = container.names.unwrap_or_default().join(",");
            let state = container
                .state
                .map(|state| state.to_string())
                .unwrap_or_default();
            (
                name.trim_start_matches('/').to_owned(),
                (container.id.unwrap_or_default(), state),
            )
        })
        .collect()
}

#[test]
fn acc_podman_restarted_mid_apply_then_apply_converges() {
    const COUNT: usize = 30;
    // A service of its own, to restart; containers without networks (see Podman::start).
    let mut podman = Podman::start().unwrap();
    podman.import_busybox(BUSYBOX_IMAGE).unwrap();
    let run = format!("run-{}", std::process::id());
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("DOCKER_HOST", &podman.docker_host())
        .env("TF_VAR_image", BUSYBOX_IMAGE);
    terraform.write("versions.tf", &versions_tf());
    terraform.write(
        "main.tf",
        &format!(
            r#"provider "photon" {{}}

variable "image" {{
  type = string
}}

resource "photon_container" "ct" {{
  count        = {COUNT}
  name         = "photon-fault-ct-${{count.index}}"
  image        = var.image
  command      = ["sleep", "3600"]
  network_mode = "none"
  labels       = {{ "photon-fault" = "{run}" }}

  destroy_grace_seconds = 0
}}
"#
        ),
    );
    terraform.ok(&["init", "-no-color"]);

    let mut apply = spawn(
        &terraform,
        &["apply", "-no-color", "-auto-approve", "-parallelism=4"],
    );
    let mut seen_before_restart = 0;
    wait_for(
        &mut apply,
        "5 containers exist",
        Duration::from_secs(120),
        || {
            seen_before_restart = labelled_containers(&podman, &run).len();
            seen_before_restart >= 5
        },
    );
    let restart_started = Instant::now();
    podman.restart().unwrap();
    let restart_took = restart_started.elapsed();
    let (status, stdout, stderr) = apply.finish();
    let after_first = labelled_containers(&podman, &run);
    let in_state_after_first = state_instances(&terraform).len();
    println!(
        "podman: {seen_before_restart} containers before the restart ({restart_took:.1?}); first apply {}; diagnostics: {:#?}; then Podman holds {}, the state {in_state_after_first}\nfirst:\n{}",
        status,
        error_summaries(&stderr),
        after_first.len(),
        first_error(&stderr)
    );
    if status.success() {
        // The provider rode out the restart: then the apply itself must be complete.
        assert_eq!(after_first.len(), COUNT, "{stdout}");
    }

    let converged_in = apply_ok(&terraform);
    let in_podman = labelled_containers(&podman, &run);
    let in_state: BTreeMap<String, String> = state_instances(&terraform)
        .iter()
        .map(|instance| (attribute(instance, "name"), attribute(instance, "id")))
        .collect();
    let expected: BTreeSet<String> = (0..COUNT).map(|i| format!("photon-fault-ct-{i}")).collect();
    assert_eq!(in_podman.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        in_state,
        in_podman
            .iter()
            .map(|(name, (id, _))| (name.clone(), id.clone()))
            .collect::<BTreeMap<_, _>>(),
        "state and Podman disagree (name → id)"
    );
    let not_running: Vec<_> = in_podman
        .iter()
        .filter(|(_, (_, state))| state.as_str() != "running")
        .collect();
    assert!(not_running.is_empty(), "not running: {not_running:?}");
    let (code, plan) = plan_code(&terraform);
    assert_eq!(code, Some(0), "{plan}");
    println!(
        "podman: second apply converged in {converged_in:.1?}: {} containers in Podman, {} in state, all running",
        in_podman.len(),
        in_state.len()
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(labelled_containers(&podman, &run).is_empty());
    // Both services' tethers cleaned up: nothing of the restarted service is left behind.
    let work_dir = podman.work_dir().to_path_buf();
    let socket = podman.socket.clone();
    drop(podman);
    assert!(!work_dir.exists(), "{} is left", work_dir.display());
    assert!(!socket.exists());
}

#[test]
fn acc_lightwave_sim_restarted_with_its_state_file_plans_no_changes() {
    let state_dir = tempfile::tempdir().unwrap();
    let state_file: PathBuf = state_dir.path().join("lightwave-state.json");
    let mut sim = LightwaveSim::start(LightwaveSimOptions {
        state_file: Some(state_file.clone()),
        ..LightwaveSimOptions::default()
    });
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(&sim)
        .env("TF_VAR_tenant_admin_password", "Acme!Admin42")
        .env("TF_VAR_user_password", "Initial!Pass1");
    for file in ["main.tf", "variables.tf", "outputs.tf", "app-backend.crt"] {
        terraform.copy_example(&format!("lightwave/{file}"), file);
    }
    terraform.ok(&["init", "-no-color"]);
    apply_ok(&terraform);
    let resources = state_instances(&terraform).len();
    assert!(
        resources >= 8,
        "the scenario applied only {resources} resources"
    );
    let (code, plan) = plan_code(&terraform);
    assert_eq!(code, Some(0), "plan before the restart:\n{plan}");
    let saved = std::fs::metadata(&state_file).unwrap().len();

    let url = sim.url().to_owned();
    sim.restart();
    assert_eq!(sim.url(), url);
    let (code, plan) = plan_code(&terraform);
    println!(
        "lightwave: {resources} resources applied, state file {saved} bytes, restarted on {url}: plan exit {code:?}"
    );
    assert_eq!(
        code,
        Some(0),
        "plan after the restart is not empty:\n{plan}"
    );

    // Control: without the state file the directory is lost, and the same plan must see it.
    let mut forgetful = LightwaveSim::start(LightwaveSimOptions::default());
    let fresh = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(&forgetful)
        .env("TF_VAR_tenant_admin_password", "Acme!Admin42")
        .env("TF_VAR_user_password", "Initial!Pass1");
    for file in ["main.tf", "variables.tf", "outputs.tf", "app-backend.crt"] {
        fresh.copy_example(&format!("lightwave/{file}"), file);
    }
    fresh.ok(&["init", "-no-color"]);
    apply_ok(&fresh);
    forgetful.restart();
    let (code, plan) = plan_code(&fresh);
    // Lost tenant: either planned again, or the alias provider cannot log in to it any more.
    assert_ne!(
        code,
        Some(0),
        "a restart without a state file must lose the tenant:\n{plan}"
    );

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
}
