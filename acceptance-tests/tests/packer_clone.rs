//! `photon-clone` and `photon-template` driven by the real Packer 1.6.6 against vcsim (TLS
//! verified with the simulator's CA), with the effect read back through our vim client:
//! the HCL2 and JSON examples of `examples/packer/photon-clone/` build templates with the asked
//! hardware, notes, extraConfig, snapshot and folder; a Ctrl-C during a build leaves no VM
//! behind; `content_library_destination` captures the template into a content library;
//! invalid configurations are refused naming the key, without a crash.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use photon_test_rig::{PackerDir, Vcsim, project_root};
use vim::spec::{OptionScalar, OptionValue};

/// One simulator for the whole file; builds use distinct VM names so they can run together.
fn vcsim() -> &'static Vcsim {
    Vcsim::shared()
}

/// The `-var` arguments every template of the examples takes.
fn connection_vars() -> Vec<String> {
    let vcsim = vcsim();
    vec![
        "-var".into(),
        format!("vcenter_server={}", vcsim.url),
        "-var".into(),
        format!("username={}", vcsim.options.username),
        "-var".into(),
        format!("password={}", vcsim.options.password),
        "-var".into(),
        format!("ca_file={}", vcsim.ca_file.display()),
    ]
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime
            .block_on(vim::Client::connect(vim::ConnectOptions {
                url: vcsim.url.clone(),
                username: vcsim.options.username.clone(),
                password: vcsim.options.password.clone(),
                ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
                ..vim::ConnectOptions::default()
            }))
            .unwrap();
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
        .block_on(vim::rest::RestClient::connect(vim::ConnectOptions {
            url: vcsim.url.clone(),
            username: vcsim.options.username.clone(),
            password: vcsim.options.password.clone(),
            ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
            ..vim::ConnectOptions::default()
        }))
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

    let packer = PackerDir::new();
    let template = format!(
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
  vm_name        = "photon-lib"
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
      name        = "photon-lib-ovf"
      description = "captured by photon-template"
    }}
  }}
}}
"#
    );
    packer.write("library.pkr.hcl", &template);
    let (output, _) = build_ok(&packer, "library.pkr.hcl", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("into content library {library_name}")),
        "{stdout}"
    );

    let items = inventory
        .runtime
        .block_on(rest.find_library_items(&library_id, "photon-lib-ovf"))
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
        ("photon-lib-ovf", "ovf", "captured by photon-template")
    );
    // `destroy` defaults to false: the template stays, and is the artifact.
    assert!(inventory.state("/DC0/vm/photon-lib").template);
    assert!(stdout.contains("VM: photon-lib ("), "{stdout}");
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

#[test]
fn ctrl_c_during_the_build_destroys_the_clone() {
    let packer = PackerDir::new();
    packer.write("wait.pkr.hcl", WAITING_BUILD);
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
                panic!("the build never reached the provisioner:\n{seen}")
            });
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("waiting-for-interrupt") {
            break;
        }
    }
    // The clone exists while the build waits: the check below can fail.
    let inventory = Inventory::login();
    assert!(
        inventory.find("/DC0/vm/photon-interrupted").is_some(),
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
        inventory.find("/DC0/vm/photon-interrupted"),
        None,
        "the clone survived the interrupt:\n{seen}\n{stderr}"
    );
    assert!(
        !inventory
            .all_vm_names()
            .iter()
            .any(|name| name == "photon-interrupted"),
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
        "communicator",
        "\"none\"",
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
