//! `photon-clone` and `photon-template` driven by the real Packer 1.6.6 against vcsim (TLS
//! verified with the simulator's CA), with the effect read back through our vim client:
//! the HCL2 and JSON examples of `examples/packer/photon-clone/` build templates with the asked
//! hardware, notes, extraConfig, snapshot and folder; a Ctrl-C during a build leaves no VM
//! behind; `content_library_destination` captures the template into a content library;
//! `communicator = "ssh"` boots the clone, waits for its IP and runs Packer's `shell` and `file`
//! provisioners over SSH (a real OpenSSH server on loopback plays the guest); invalid
//! configurations are refused naming the key, without a crash.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use photon_test_rig::{PackerDir, Sshd, Vcsim, project_root};
use vim::spec::{OptionScalar, OptionValue};

/// One simulator for the whole file; builds use distinct VM names so they can run together.
fn vcsim() -> &'static Vcsim {
    Vcsim::shared()
}

/// The `-var` arguments every template of the examples takes.
fn connection_vars() -> Vec<String> {
    common::packer_connection_vars(vcsim())
}

fn example(name: &str) -> String {
    let path = project_root()
        .join("examples/packer/photon-clone")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Runs packer with `args`, killing it after `limit` (a hung build must fail the test, not
/// block the suite).
fn run(packer: &PackerDir, args: &[String], limit: Duration) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = packer
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let status = wait_with_deadline(&mut child, limit);
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn wait_with_deadline(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("packer did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn build_ok(packer: &PackerDir, template: &str, extra: &[&str]) -> (Output, Duration) {
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args.push(template.to_owned());
    let started = Instant::now();
    let output = run(packer, &args, Duration::from_secs(240));
    let took = started.elapsed();
    assert!(output.status.success(), "{}", text(&output));
    eprintln!("packer build {template} took {took:?}:\n{}", text(&output));
    (output, took)
}

/// Our view of vcsim's inventory.
struct Inventory {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
}

/// What the tests check of a VM.
#[derive(Debug)]
struct VmState {
    template: bool,
    cpus: i64,
    cores: i64,
    memory_mb: i64,
    notes: String,
    extra_config: Vec<OptionValue>,
    snapshots: Vec<String>,
}

impl Inventory {
    fn login() -> Inventory {
        let vcsim = vcsim();
        let (runtime, client) = common::vim_login(vcsim);
        Inventory { client, runtime }
    }

    fn find(&self, path: &str) -> Option<vim::ManagedObjectReference> {
        self.runtime
            .block_on(self.client.find_by_inventory_path(path))
            .unwrap()
    }

    /// The names of every VM and template in the inventory.
    fn all_vm_names(&self) -> Vec<String> {
        let root = self.client.service_content().root_folder.clone();
        let objects = self
            .runtime
            .block_on(self.client.retrieve(&root, "VirtualMachine", &["name"]))
            .unwrap();
        objects
            .iter()
            .map(|object| object.get("name").unwrap().as_str().unwrap().to_owned())
            .collect()
    }

    fn state(&self, path: &str) -> VmState {
        let vm = self
            .find(path)
            .unwrap_or_else(|| panic!("{path} is not in the inventory: {:?}", self.all_vm_names()));
        assert_eq!(vm.kind, "VirtualMachine", "{path}");
        let paths = [
            "config.template",
            "config.hardware.numCPU",
            "config.hardware.numCoresPerSocket",
            "config.hardware.memoryMB",
            "config.annotation",
            "config.extraConfig",
        ];
        let mut objects = self
            .runtime
            .block_on(self.client.retrieve_objects(
                std::slice::from_ref(&vm),
                "VirtualMachine",
                &paths,
            ))
            .unwrap();
        let object = objects.pop().unwrap();
        let number = |path: &str| object.get(path).and_then(|v| v.as_i64()).unwrap_or(0);
        let snapshots = self
            .runtime
            .block_on(self.client.snapshot_info(&vm))
            .unwrap()
            .map(|info| info.walk().into_iter().map(|(path, _)| path).collect())
            .unwrap_or_default();
        VmState {
            template: object
                .get("config.template")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            cpus: number("config.hardware.numCPU"),
            cores: number("config.hardware.numCoresPerSocket"),
            memory_mb: number("config.hardware.memoryMB"),
            notes: object
                .get("config.annotation")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
            extra_config: object
                .get("config.extraConfig")
                .map(|value| OptionValue::from_array(value).unwrap())
                .unwrap_or_default(),
            snapshots,
        }
    }
}

fn extra(state: &VmState, key: &str) -> Option<String> {
    state
        .extra_config
        .iter()
        .find(|option| option.key == key)
        .map(|option| match &option.value {
            OptionScalar::String(text) => text.clone(),
            other => other.to_text(),
        })
}

#[test]
fn hcl2_example_clones_customises_and_post_processes_into_a_template() {
    let packer = PackerDir::new();
    packer.write("build.pkr.hcl", &example("build.pkr.hcl"));
    let (output, _) = build_ok(
        &packer,
        "build.pkr.hcl",
        &["-var", "vm_name=photon-web-hcl"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("the clone is customised"), "{stdout}");

    let inventory = Inventory::login();
    // The post-processor renamed the VM and moved it into a folder it created.
    assert_eq!(inventory.find("/DC0/vm/photon-web-hcl"), None);
    let state = inventory.state("/DC0/vm/templates/photon/photon-web-hcl-template");
    assert!(state.template, "{state:?}");
    assert_eq!(
        (state.cpus, state.cores, state.memory_mb),
        (2, 1, 2048),
        "{state:?}"
    );
    assert_eq!(state.notes, "Photon web template, built by Packer");
    assert_eq!(
        extra(&state, "guestinfo.role").as_deref(),
        Some("web"),
        "{state:?}"
    );
    assert_eq!(state.snapshots, ["base"], "{state:?}");
    // The artifact Packer reports is the post-processor's, naming the template.
    assert!(stdout.contains("VM: photon-web-hcl-template ("), "{stdout}");
}

#[test]
fn hcl2_template_is_imported_into_a_content_library() {
    let vcsim = vcsim();
    let inventory = Inventory::login();
    let datastore = inventory.find("/DC0/datastore/LocalDS_0").unwrap();
    let rest = inventory
        .runtime
        .block_on(vim::rest::RestClient::connect(common::vim_options(vcsim)))
        .unwrap();
    let library_name = format!("packer-images-{}", std::process::id());
    let library_id = inventory
        .runtime
        .block_on(rest.create_local_library(&vim::rest::LocalLibrarySpec {
            name: library_name.clone(),
            description: String::new(),
            storage_backings: vec![vim::rest::StorageBacking::datastore(&datastore)],
        }))
        .unwrap();

    let template = |vm_name: &str, item_name: &str, extra: &str| {
        format!(
            r#"
variable "vcenter_server" {{ type = string }}
variable "username" {{ type = string }}
variable "password" {{ type = string }}
variable "ca_file" {{ type = string }}

source "photon-clone" "lib" {{
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  template       = "DC0_H0_VM0"
  vm_name        = "{vm_name}"
}}

build {{
  sources = ["source.photon-clone.lib"]

  post-processor "photon-template" {{
    vcenter_server = var.vcenter_server
    username       = var.username
    password       = var.password
    ca_file        = var.ca_file

    content_library_destination {{
      library     = "{library_name}"
      name        = "{item_name}"
      description = "captured by photon-template"
      {extra}
    }}
  }}
}}
"#
        )
    };
    for (vm_name, item_name, destroy) in [
        ("photon-lib", "photon-lib-ovf", false),
        ("photon-lib-gone", "photon-lib-gone-ovf", true),
    ] {
        let packer = PackerDir::new();
        let extra = if destroy { "destroy = true" } else { "" };
        packer.write("library.pkr.hcl", &template(vm_name, item_name, extra));
        let (output, _) = build_ok(&packer, "library.pkr.hcl", &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(&format!("into content library {library_name}")),
            "{stdout}"
        );

        let items = inventory
            .runtime
            .block_on(rest.find_library_items(&library_id, item_name))
            .unwrap();
        assert_eq!(items.len(), 1, "{items:?}");
        let item = inventory
            .runtime
            .block_on(rest.get_library_item(&items[0]))
            .unwrap();
        assert_eq!(
            (
                item.name.as_str(),
                item.kind.as_str(),
                item.description.as_str()
            ),
            (item_name, "ovf", "captured by photon-template")
        );
        if destroy {
            // The VM is gone and the artifact Packer reports is the library item.
            assert_eq!(inventory.find(&format!("/DC0/vm/{vm_name}")), None);
            assert!(
                stdout.contains(&format!(
                    "Content library item: {item_name} ({}) in library {library_name}",
                    items[0]
                )),
                "{stdout}"
            );
        } else {
            // `destroy` defaults to false: the template stays, and is the artifact.
            assert!(inventory.state(&format!("/DC0/vm/{vm_name}")).template);
            assert!(stdout.contains(&format!("VM: {vm_name} (")), "{stdout}");
        }
    }
    // VMTX items cannot be created through vAPI here: `ovf = false` is refused by name.
    refused(
        "vmtx.pkr.hcl",
        &template("photon-vmtx", "photon-vmtx-item", "ovf = false"),
        "content_library_destination.ovf",
        "not supported",
    );
    inventory
        .runtime
        .block_on(rest.delete_library(&library_id))
        .unwrap();
}

#[test]
fn json_example_builds_a_template_with_a_snapshot_in_a_folder() {
    let packer = PackerDir::new();
    packer.write("build.json", &example("build.json"));
    build_ok(&packer, "build.json", &["-var", "vm_name=photon-db-json"]);

    let inventory = Inventory::login();
    assert_eq!(inventory.find("/DC0/vm/photon-db-json"), None);
    let state = inventory.state("/DC0/vm/templates/db/photon-db-json");
    assert!(state.template, "{state:?}");
    assert_eq!(
        (state.cpus, state.cores, state.memory_mb),
        (4, 2, 4096),
        "{state:?}"
    );
    assert_eq!(state.notes, "Photon database template, built by Packer");
    assert_eq!(
        extra(&state, "guestinfo.role").as_deref(),
        Some("db"),
        "{state:?}"
    );
    // The builder's snapshot, then the post-processor's, taken on the template (turned back
    // into a VM for it and marked as a template again).
    assert_eq!(state.snapshots, ["clean", "clean/published"], "{state:?}");
}

/// A build that waits in a shell-local provisioner so that the test can press Ctrl-C.
const WAITING_BUILD: &str = r#"
variable "vcenter_server" { type = string }
variable "username" { type = string }
variable "password" { type = string }
variable "ca_file" { type = string }

source "photon-clone" "wait" {
  vcenter_server      = var.vcenter_server
  username            = var.username
  password            = var.password
  ca_file             = var.ca_file
  template            = "DC0_H0_VM1"
  vm_name             = "photon-interrupted"
  host                = "DC0_H0"
  CPUs                = 2
  convert_to_template = true
}

build {
  sources = ["source.photon-clone.wait"]
  provisioner "shell-local" {
    inline = ["echo waiting-for-interrupt", "sleep 30"]
  }
}
"#;

/// The SSH example with vcsim playing a guest whose VMware Tools report 127.0.0.1, where the
/// test's sshd listens: `SET.guest.ipAddress` is vcsim's hook for setting `guest.ipAddress`
/// (applied at reconfigure, never stored in extraConfig).
fn ssh_example(guest_dir: &std::path::Path) -> String {
    let text = example("ssh.pkr.hcl");
    let marker = "  communicator         = \"ssh\"\n";
    assert!(
        text.contains(marker),
        "ssh.pkr.hcl changed: update the test"
    );
    text.replace(
        marker,
        &format!(
            "{marker}  configuration_parameters = {{ \"SET.guest.ipAddress\" = \"127.0.0.1\" }}\n"
        ),
    )
    .replace(
        "\"/opt/app\"",
        &format!("{:?}", guest_dir.display().to_string()),
    )
}

#[test]
fn ssh_example_provisions_the_clone_over_ssh_then_makes_a_template() {
    let sshd = Sshd::shared();
    let guest = tempfile::tempdir().unwrap();
    let guest_dir = guest.path().join("app");
    let packer = PackerDir::new();
    packer.write("ssh.pkr.hcl", &ssh_example(&guest_dir));
    std::fs::create_dir_all(packer.path().join("files/nested")).unwrap();
    packer.write("app.conf", "role=app\n");
    packer.write("files/motd", "welcome\n");
    packer.write("files/nested/settings.ini", "[app]\nport = 8080\n");
    let key = sshd.client_key_path().display().to_string();
    let port = sshd.port().to_string();
    let (output, _) = build_ok(
        &packer,
        "ssh.pkr.hcl",
        &[
            "-var",
            "vm_name=photon-app-ssh",
            "-var",
            &format!("ssh_private_key_file={key}"),
            "-var",
            &format!("ssh_port={port}"),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The order of the build, and the shell provisioner's output as Packer shows it.
    let steps = [
        "Powering on the VM...",
        "Waiting for IP...",
        "IP address: 127.0.0.1",
        "Connected to SSH!",
        "provisioned by root on Linux",
        "Shutting down the VM...",
        "Converting the VM to a template...",
    ];
    let mut from = 0;
    for step in steps {
        let at = stdout[from..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order in:\n{stdout}"));
        from += at + step.len();
    }

    // What the provisioners did, read on the "guest" (this machine) directly.
    let read = |relative: &str| {
        std::fs::read_to_string(guest_dir.join(relative))
            .unwrap_or_else(|error| panic!("{relative}: {error}\n{stdout}"))
    };
    assert_eq!(read("provenance"), "provisioned by root on Linux\n");
    assert_eq!(read("app.conf"), "role=app\n");
    assert_eq!(read("files/motd"), "welcome\n");
    assert_eq!(read("files/nested/settings.ini"), "[app]\nport = 8080\n");
    // The download came back into Packer's working directory.
    assert_eq!(
        std::fs::read_to_string(packer.path().join("provenance.txt")).unwrap(),
        "provisioned by root on Linux\n"
    );

    let inventory = Inventory::login();
    let state = inventory.state("/DC0/vm/photon-app-ssh");
    assert!(state.template, "{state:?}");
    assert_eq!(state.notes, "Photon app template, provisioned over SSH");
    // The simulator hook the test injected is not carried into the template.
    assert_eq!(extra(&state, "SET.guest.ipAddress"), None, "{state:?}");
}

#[test]
fn a_failing_ssh_provisioner_fails_the_build_with_its_exit_status_and_destroys_the_clone() {
    let sshd = Sshd::shared();
    let packer = PackerDir::new();
    packer.write(
        "fail.pkr.hcl",
        &format!(
            r#"
variable "vcenter_server" {{ type = string }}
variable "username" {{ type = string }}
variable "password" {{ type = string }}
variable "ca_file" {{ type = string }}
source "photon-clone" "failing" {{
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  template       = "DC0_H0_VM0"
  vm_name        = "photon-ssh-failing"
  configuration_parameters = {{ "SET.guest.ipAddress" = "127.0.0.1" }}
  communicator         = "ssh"
  ssh_username         = "root"
  ssh_private_key_file = "{key}"
  ssh_port             = {port}
  ip_settle_timeout    = "1s"
}}
build {{
  sources = ["source.photon-clone.failing"]
  provisioner "shell" {{
    inline = ["echo about to fail >&2", "exit 7"]
  }}
}}
"#,
            key = sshd.client_key_path().display(),
            port = sshd.port()
        ),
    );
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.push("fail.pkr.hcl".to_owned());
    let output = run(&packer, &args, Duration::from_secs(180));
    let all = text(&output);
    eprintln!("{all}");
    assert!(!output.status.success(), "{all}");
    assert!(all.contains("about to fail"), "{all}");
    assert!(
        all.contains("non-zero exit status: 7"),
        "Packer did not get the exit status:\n{all}"
    );
    assert!(all.contains("Destroying photon-ssh-failing"), "{all}");
    assert_eq!(Inventory::login().find("/DC0/vm/photon-ssh-failing"), None);
}

#[test]
fn ctrl_c_during_the_build_destroys_the_clone() {
    interrupt_when(WAITING_BUILD, "photon-interrupted", "waiting-for-interrupt");
}

#[test]
fn ctrl_c_while_waiting_for_the_guest_ip_or_ssh_destroys_the_running_clone() {
    // No `SET.guest.ipAddress`: the guest never reports an address.
    interrupt_when(
        &ssh_waiting_build("photon-no-ip", "", 22),
        "photon-no-ip",
        "Waiting for IP...",
    );
    // An address, but nothing listens on the port: SSH is retried until ssh_timeout.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    interrupt_when(
        &ssh_waiting_build(
            "photon-no-ssh",
            r#"configuration_parameters = { "SET.guest.ipAddress" = "127.0.0.1" }"#,
            closed_port,
        ),
        "photon-no-ssh",
        "Waiting for SSH to become available",
    );
}

/// An SSH build of `vm_name` with `extra` in its source that waits (for the IP, or for SSH).
fn ssh_waiting_build(vm_name: &str, extra: &str, port: u16) -> String {
    let key = Sshd::shared().client_key_path().display().to_string();
    format!(
        r#"
variable "vcenter_server" {{ type = string }}
variable "username" {{ type = string }}
variable "password" {{ type = string }}
variable "ca_file" {{ type = string }}
source "photon-clone" "wait" {{
  vcenter_server       = var.vcenter_server
  username             = var.username
  password             = var.password
  ca_file              = var.ca_file
  template             = "DC0_H0_VM1"
  vm_name              = "{vm_name}"
  communicator         = "ssh"
  ssh_username         = "root"
  ssh_private_key_file = "{key}"
  ssh_port             = {port}
  ssh_timeout          = "10m"
  {extra}
}}
build {{
  sources = ["source.photon-clone.wait"]
  provisioner "shell" {{
    inline = ["true"]
  }}
}}
"#
    )
}

/// Starts `template`, sends Ctrl-C to Packer's process group once its output shows `marker`
/// (with the clone `vm_name` present), and checks that the build fails and the clone is gone.
fn interrupt_when(template: &str, vm_name: &str, marker: &str) {
    let packer = PackerDir::new();
    packer.write("wait.pkr.hcl", template);
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.push("wait.pkr.hcl".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    // Its own process group, like a shell job: Ctrl-C reaches Packer and its children.
    let mut child = packer
        .command(&args)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = drain(child.stderr.take().unwrap());
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = lines_tx.send(line);
        }
    });
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("the build never printed {marker:?}:\n{seen}")
            });
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    // The clone exists while the build waits: the check below can fail.
    let inventory = Inventory::login();
    let path = format!("/DC0/vm/{vm_name}");
    assert!(
        inventory.find(&path).is_some(),
        "no clone while the build waits:\n{seen}"
    );
    let group = format!("-{}", child.id());
    let kill = std::process::Command::new("kill")
        .args(["-INT", "--", &group])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_with_deadline(&mut child, Duration::from_secs(60));
    reader.join().unwrap();
    for line in lines_rx.try_iter() {
        seen.push_str(&line);
        seen.push('\n');
    }
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    eprintln!("interrupted build took {:?}:\n{seen}", started.elapsed());
    assert!(!status.success(), "{seen}\n{stderr}");
    assert!(
        !seen.contains("panic") && !stderr.contains("panic"),
        "{seen}\n{stderr}"
    );
    assert_eq!(
        inventory.find(&path),
        None,
        "the clone survived the interrupt:\n{seen}\n{stderr}"
    );
    assert!(
        !inventory.all_vm_names().iter().any(|name| name == vm_name),
        "{seen}"
    );
}

/// A build whose network does not exist: it fails after the clone was made, naming the key.
const FAILING_BUILD: &str = r#"
variable "vcenter_server" { type = string }
variable "username" { type = string }
variable "password" { type = string }
variable "ca_file" { type = string }

source "photon-clone" "fail" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  template       = "DC0_H0_VM1"
  vm_name        = var.vm_name
  host           = "DC0_H0"
  network        = "no-such-network"
  destroy_on_error = var.destroy
}

variable "vm_name" { type = string }
variable "destroy" { type = bool }

build {
  sources = ["source.photon-clone.fail"]
}
"#;

#[test]
fn a_failed_build_destroys_its_clone_unless_destroy_on_error_is_false() {
    let inventory = Inventory::login();
    for (name, destroy) in [("photon-failed", "true"), ("photon-kept", "false")] {
        let packer = PackerDir::new();
        packer.write("fail.pkr.hcl", FAILING_BUILD);
        let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
        args.extend(connection_vars());
        args.extend([
            "-var".to_owned(),
            format!("vm_name={name}"),
            "-var".to_owned(),
            format!("destroy={destroy}"),
            "fail.pkr.hcl".to_owned(),
        ]);
        let output = run(&packer, &args, Duration::from_secs(120));
        let all = text(&output);
        eprintln!("{all}");
        assert!(!output.status.success(), "{all}");
        assert!(
            all.contains("network: network 'no-such-network' not found"),
            "{all}"
        );
        assert!(
            all.contains("Cloning"),
            "the build failed before cloning:\n{all}"
        );
        let left = inventory.find(&format!("/DC0/vm/{name}"));
        assert_eq!(
            left.is_some(),
            destroy == "false",
            "{name}: {left:?}\n{all}"
        );
        if let Some(vm) = left {
            inventory
                .runtime
                .block_on(inventory.client.destroy(&vm))
                .unwrap();
        }
    }
}

/// `packer validate` of `template` (named `file`) fails naming `key`, without a crash.
fn refused(file: &str, template: &str, key: &str, words: &str) {
    let packer = PackerDir::new();
    packer.write(file, template);
    let mut args = vec!["validate".to_owned()];
    args.extend(
        connection_vars()
            .into_iter()
            .filter(|_| file.ends_with(".hcl")),
    );
    args.push(file.to_owned());
    let output = run(&packer, &args, Duration::from_secs(60));
    let all = text(&output);
    eprintln!("{file}:\n{all}");
    assert!(!output.status.success(), "{file} was accepted:\n{all}");
    assert!(
        all.contains(key),
        "{file}: the error does not name {key}:\n{all}"
    );
    assert!(all.contains(words), "{file}: no {words:?} in:\n{all}");
    for crash in ["panic", "goroutine ", "unexpected EOF", "plugin exited"] {
        assert!(!all.contains(crash), "{file}: {crash:?} in:\n{all}");
    }
}

fn json_builder(extra: &str) -> String {
    format!(
        r#"{{
  "builders": [{{
    "type": "photon-clone",
    "vcenter_server": "vc.example.com",
    "username": "u",
    "password": "p",
    "template": "DC0_H0_VM0",
    {extra}
  }}]
}}"#
    )
}

#[test]
fn json_configs_with_a_wrong_type_an_unknown_key_or_no_vm_name_are_refused() {
    refused(
        "type.json",
        &json_builder(r#""vm_name": "x", "CPUs": "many""#),
        "CPUs",
        "many",
    );
    refused(
        "unknown.json",
        &json_builder(r#""vm_name": "x", "cpus": 2"#),
        "cpus",
        "unknown",
    );
    refused(
        "missing.json",
        &json_builder(r#""notes": "no name""#),
        "vm_name",
        "missing",
    );
    refused(
        "communicator.json",
        &json_builder(r#""vm_name": "x", "communicator": "ssh""#),
        "ssh_username",
        "is required with communicator = \"ssh\"",
    );
}

fn hcl_source(body: &str) -> String {
    format!(
        r#"
variable "vcenter_server" {{ type = string }}
variable "username" {{ type = string }}
variable "password" {{ type = string }}
variable "ca_file" {{ type = string }}

source "photon-clone" "bad" {{
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  template       = "DC0_H0_VM0"
{body}
}}

build {{
  sources = ["source.photon-clone.bad"]
}}
"#
    )
}

#[test]
fn hcl2_configs_with_a_wrong_type_an_unknown_key_or_no_vm_name_are_refused() {
    refused(
        "type.pkr.hcl",
        &hcl_source("  vm_name = \"x\"\n  CPUs = \"many\""),
        "CPUs",
        "number",
    );
    refused(
        "unknown.pkr.hcl",
        &hcl_source("  vm_name = \"x\"\n  cpus = 2"),
        "cpus",
        "not expected",
    );
    refused(
        "missing.pkr.hcl",
        &hcl_source("  notes = \"no name\""),
        "vm_name",
        "missing",
    );
}
