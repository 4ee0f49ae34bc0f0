//! `photon-iso` driven by the real Packer 1.6.6 against vcsim (TLS verified with the simulator's
//! CA). The test plays the installer: it waits for the build's VM to be powered on, checks that
//! `guestinfo.kickstart.data` carries the expected kickstart, and powers the VM off, as
//! photon-os-installer does when it is done; the build then removes the CD-ROM and converts the
//! VM into a template, which is read back through our vim client. A Ctrl-C while the build waits
//! for the installer destroys the VM; an invalid kickstart is refused naming the key.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use photon_test_rig::{PackerDir, Vcsim, project_root};
use vim::spec::{Backing, DeviceKind, OptionScalar, OptionValue};

fn vcsim() -> &'static Vcsim {
    Vcsim::shared()
}

/// The kickstart both examples describe, as photon-os-installer 2.7 must receive it.
const EXPECTED_KICKSTART: &str = r#"{"bootmode":"efi","disk":"/dev/sda","hostname":"photon-iso","linux_flavor":"linux-esx","packages":["minimal","linux-esx","initramfs"],"partitions":[{"filesystem":"ext4","mountpoint":"/","size":0},{"filesystem":"swap","size":512}],"password":{"age":0,"crypted":false,"text":"changeme"},"postinstall":["echo built by packer > /etc/motd"]}"#;

fn connection_vars() -> Vec<String> {
    common::packer_connection_vars(vcsim())
}

fn example(name: &str) -> String {
    let path = project_root().join("examples/packer/photon-iso").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Reads `pipe` into `sink` as it comes, so that a test can watch a running build.
fn drain(
    mut pipe: impl Read + Send + 'static,
    sink: Arc<Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buffer = [0_u8; 4096];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => sink.lock().unwrap().extend_from_slice(&buffer[..read]),
            }
        }
    })
}

/// A packer process with its output collected in the background.
struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    fn start(packer: &PackerDir, args: &[String]) -> Running {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Its own process group, like a shell job, so that Ctrl-C reaches Packer and the plugin.
        let mut child = packer
            .command(&args)
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            drain(child.stdout.take().unwrap(), Arc::clone(&stdout)),
            drain(child.stderr.take().unwrap(), Arc::clone(&stderr)),
        ];
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// What the build printed so far.
    fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the exit (killing Packer after `limit`); returns success and all output.
    fn finish(mut self, limit: Duration) -> (bool, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let stdout = self.stdout_so_far();
        let stderr = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        (
            status.success(),
            format!("exit: {status}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"),
        )
    }
}

/// Our view of vcsim's inventory.
struct Inventory {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
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

    fn properties(&self, vm: &vim::ManagedObjectReference, paths: &[&str]) -> vim::ObjectContent {
        self.runtime
            .block_on(self.client.retrieve_objects(
                std::slice::from_ref(vm),
                "VirtualMachine",
                paths,
            ))
            .unwrap()
            .pop()
            .unwrap()
    }

    fn text(&self, vm: &vim::ManagedObjectReference, path: &str) -> String {
        self.properties(vm, &[path])
            .get(path)
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    fn extra_config(&self, vm: &vim::ManagedObjectReference) -> Vec<OptionValue> {
        self.properties(vm, &["config.extraConfig"])
            .get("config.extraConfig")
            .map(|value| OptionValue::from_array(value).unwrap())
            .unwrap_or_default()
    }

    /// Waits until the build's VM at `path` is powered on; `None` when the build ended first.
    fn wait_powered_on(
        &self,
        path: &str,
        build: &mut Running,
    ) -> Option<vim::ManagedObjectReference> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if !build.running() {
                return None;
            }
            assert!(Instant::now() < deadline, "no powered-on VM at {path}");
            if let Some(vm) = self.find(path) {
                if self.text(&vm, "runtime.powerState") == "poweredOn" {
                    return Some(vm);
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The ISO files in the VM's CD-ROM drives.
    fn cdrom_isos(&self, vm: &vim::ManagedObjectReference) -> Vec<String> {
        self.runtime
            .block_on(self.client.vm_devices(vm))
            .unwrap()
            .iter()
            .filter(|device| matches!(device.kind, DeviceKind::Cdrom))
            .filter_map(|device| {
                device
                    .backing
                    .as_ref()
                    .and_then(Backing::file_name)
                    .map(str::to_owned)
            })
            .collect()
    }

    fn power_off(&self, vm: &vim::ManagedObjectReference) {
        self.runtime.block_on(self.client.power_off_vm(vm)).unwrap();
    }

    /// Plays photon-os-installer reading guestinfo: waits until the build's VM is powered on,
    /// checks the installer ISO is in a drive, returns the kickstart (decoded from
    /// `guestinfo.kickstart.data`) and powers the VM off. `None` when the build ended first.
    fn play_installer(&self, path: &str, build: &mut Running) -> Option<String> {
        let vm = self.wait_powered_on(path, build)?;
        assert_eq!(
            self.cdrom_isos(&vm),
            ["[LocalDS_0] iso/photon-5.0-x86_64.iso"]
        );
        let encoded = extra(&self.extra_config(&vm), "guestinfo.kickstart.data")
            .unwrap_or_else(|| panic!("{path} has no guestinfo.kickstart.data"));
        let kickstart = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        self.power_off(&vm);
        Some(String::from_utf8(kickstart).unwrap())
    }
}

fn extra(options: &[OptionValue], key: &str) -> Option<String> {
    options
        .iter()
        .find(|option| option.key == key)
        .map(|option| match &option.value {
            OptionScalar::String(text) => text.clone(),
            other => other.to_text(),
        })
}

/// Builds `template` as `vm_name`, playing the installer, and checks the template it made.
fn build_and_verify(file: &str, vm_name: &str) {
    let packer = PackerDir::new();
    packer.write(file, &example(file));
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend([
        "-var".to_owned(),
        format!("vm_name={vm_name}"),
        file.to_owned(),
    ]);
    let started = Instant::now();
    let mut build = Running::start(&packer, &args);
    let inventory = Inventory::login();
    let path = format!("/DC0/vm/{vm_name}");
    let kickstart = inventory.play_installer(&path, &mut build);
    let (ok, output) = build.finish(Duration::from_secs(120));
    eprintln!("packer build {file} took {:?}", started.elapsed());
    assert!(ok, "{output}");
    assert_eq!(kickstart.as_deref(), Some(EXPECTED_KICKSTART), "{output}");
    assert!(output.contains("the installer has finished"), "{output}");
    assert!(output.contains(&format!("VM: {vm_name} (vm-")), "{output}");

    let vm = inventory.find(&path).unwrap();
    let object = inventory.properties(
        &vm,
        &[
            "config.template",
            "config.guestId",
            "config.version",
            "config.firmware",
            "config.hardware.numCPU",
            "config.hardware.numCoresPerSocket",
            "config.hardware.memoryMB",
            "config.annotation",
            "runtime.powerState",
        ],
    );
    let get = |path: &str| object.get(path).unwrap_or_else(|| panic!("{path} unset"));
    assert_eq!(get("config.template").as_bool(), Some(true));
    assert_eq!(get("config.guestId").as_str(), Some("vmwarePhoton64Guest"));
    assert_eq!(get("config.version").as_str(), Some("vmx-14"));
    assert_eq!(get("config.firmware").as_str(), Some("efi"));
    assert_eq!(get("config.hardware.numCPU").as_i64(), Some(2));
    assert_eq!(get("config.hardware.numCoresPerSocket").as_i64(), Some(1));
    assert_eq!(get("config.hardware.memoryMB").as_i64(), Some(2048));
    assert_eq!(
        get("config.annotation").as_str(),
        Some("Photon OS 5.0, installed from ISO by Packer")
    );
    let options = inventory.extra_config(&vm);
    assert_eq!(extra(&options, "guestinfo.role").as_deref(), Some("base"));
    assert!(extra(&options, "guestinfo.kickstart.data").is_some());

    let devices = inventory
        .runtime
        .block_on(inventory.client.vm_devices(&vm))
        .unwrap();
    let disks: Vec<_> = devices
        .iter()
        .filter(|device| device.as_disk().is_some())
        .collect();
    assert_eq!(disks.len(), 1, "{devices:#?}");
    assert_eq!(disks[0].as_disk().unwrap().capacity_in_kb, 16384 * 1024);
    let controller = devices
        .iter()
        .find(|device| Some(device.key) == disks[0].controller_key)
        .unwrap();
    assert_eq!(controller.type_name(), "ParaVirtualSCSIController");
    let nics: Vec<_> = devices
        .iter()
        .filter(|device| device.as_ethernet_card().is_some())
        .collect();
    assert_eq!(nics.len(), 1, "{devices:#?}");
    assert_eq!(nics[0].type_name(), "VirtualVmxnet3");
    assert!(
        matches!(&nics[0].backing, Some(Backing::Network(network)) if network.device_name == "VM Network"),
        "{:?}",
        nics[0].backing
    );
    assert!(
        !devices
            .iter()
            .any(|device| matches!(device.kind, DeviceKind::Cdrom)),
        "the CD-ROM was not removed: {devices:#?}"
    );
}

#[test]
fn hcl2_example_installs_from_iso_and_converts_to_a_template() {
    build_and_verify("build.pkr.hcl", "photon-iso-hcl");
}

#[test]
fn json_example_installs_from_iso_and_converts_to_a_template() {
    build_and_verify("build.json", "photon-iso-json");
}

#[test]
fn ctrl_c_while_waiting_for_the_installer_destroys_the_vm() {
    let packer = PackerDir::new();
    packer.write("build.pkr.hcl", &example("build.pkr.hcl"));
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend([
        "-var".to_owned(),
        "vm_name=photon-iso-interrupted".to_owned(),
        "build.pkr.hcl".to_owned(),
    ]);
    let mut build = Running::start(&packer, &args);
    let inventory = Inventory::login();
    let path = "/DC0/vm/photon-iso-interrupted";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            build.running(),
            "the build ended before its VM was powered on"
        );
        assert!(Instant::now() < deadline, "no powered-on VM at {path}");
        if let Some(vm) = inventory.find(path) {
            if inventory.text(&vm, "runtime.powerState") == "poweredOn" {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let group = format!("-{}", build.child.id());
    let kill = std::process::Command::new("kill")
        .args(["-INT", "--", &group])
        .status()
        .unwrap();
    assert!(kill.success());
    let (ok, output) = build.finish(Duration::from_secs(60));
    assert!(!ok, "{output}");
    assert!(!output.contains("panic"), "{output}");
    assert_eq!(
        inventory.find(path),
        None,
        "the VM survived the interrupt:\n{output}"
    );
}

/// `packer validate` of `template` fails naming `key`, without a crash.
fn refused(file: &str, template: &str, key: &str) {
    let packer = PackerDir::new();
    packer.write(file, template);
    let output = packer.run(&["validate", file]);
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{file} was accepted:\n{all}");
    assert!(
        all.contains(key),
        "{file}: the error does not name {key}:\n{all}"
    );
    for crash in ["panic", "goroutine ", "unexpected EOF", "plugin exited"] {
        assert!(!all.contains(crash), "{file}: {crash:?} in:\n{all}");
    }
}

#[test]
fn an_invalid_kickstart_is_refused_naming_the_key() {
    refused(
        "bad.json",
        r#"{
  "builders": [{
    "type": "photon-iso",
    "vcenter_server": "vc.example.com",
    "username": "u",
    "password": "p",
    "vm_name": "bad",
    "storage": [{"disk_size": 1024}],
    "iso_paths": ["[LocalDS_0] photon.iso"],
    "kickstart": {
      "disk": "/dev/sda",
      "partitions": [{"mountpoint": "/", "filesystem": "zfs"}]
    }
  }]
}"#,
        "kickstart.partitions[0].filesystem",
    );
    refused(
        "bad.pkr.hcl",
        r#"source "photon-iso" "bad" {
  vcenter_server = "vc.example.com"
  username       = "u"
  password       = "p"
  vm_name        = "bad"
  iso_paths      = ["[LocalDS_0] photon.iso"]
  storage {
    disk_size = 1024
  }
  kickstart {
    disk = "/dev/sda"
    partitions {
      mountpoint = "/"
      filesystem = "zfs"
    }
  }
}

build {
  sources = ["source.photon-iso.bad"]
}
"#,
        "kickstart.partitions[0].filesystem",
    );
}

/// A raw HTTP GET of `path` on `127.0.0.1:port`; returns the status line and the body.
fn http_get(port: u16, path: &str) -> (String, String) {
    use std::io::Write as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// `iso_url` uploads a local ISO (checksum verified) to the datastore and boots from it; the
/// kickstart is served by the build's HTTP server instead of guestinfo.
const UPLOAD_BUILD: &str = r#"
variable "vcenter_server" { type = string }
variable "username" { type = string }
variable "password" { type = string }
variable "ca_file" { type = string }
variable "iso_checksum" { type = string }

source "photon-iso" "upload" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  vm_name        = "photon-iso-upload"
  host           = "DC0_H0"
  datastore      = "LocalDS_0"
  firmware       = "bios"
  storage {
    disk_size = 8192
  }
  iso_url      = "installer-upload-test.iso"
  iso_checksum = var.iso_checksum
  http_content = {
    "/hello.txt" = "hello from packer"
  }
  kickstart {
    delivery = "http"
    hostname = "photon-iso"
    disk     = "/dev/sda"
    bootmode = "efi"
    linux_flavor = "linux-esx"
    packages = ["minimal", "linux-esx", "initramfs"]
    postinstall = ["echo built by packer > /etc/motd"]
    password {
      text = "changeme"
      age  = 0
    }
    partitions {
      mountpoint = "/"
      size       = 0
      filesystem = "ext4"
    }
    partitions {
      size       = 512
      filesystem = "swap"
    }
  }
  convert_to_template = false
}

build {
  sources = ["source.photon-iso.upload"]
}
"#;

#[test]
fn iso_url_is_uploaded_and_the_kickstart_served_over_http() {
    let packer = PackerDir::new();
    packer.write("upload.pkr.hcl", UPLOAD_BUILD);
    // A stand-in ISO: the upload and checksum do not care what is inside.
    let iso: Vec<u8> = (0..300_000_u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(packer.path().join("installer-upload-test.iso"), &iso).unwrap();
    let sum = std::process::Command::new("sha256sum")
        .arg(packer.path().join("installer-upload-test.iso"))
        .output()
        .unwrap();
    let sum = String::from_utf8(sum.stdout).unwrap();
    let sum = sum.split_whitespace().next().unwrap();

    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend([
        "-var".to_owned(),
        format!("iso_checksum=sha256:{sum}"),
        "upload.pkr.hcl".to_owned(),
    ]);
    let started = Instant::now();
    let mut build = Running::start(&packer, &args);
    let inventory = Inventory::login();
    let path = "/DC0/vm/photon-iso-upload";
    let Some(vm) = inventory.wait_powered_on(path, &mut build) else {
        let (_, output) = build.finish(Duration::from_secs(10));
        panic!("the build ended before its VM was powered on:\n{output}");
    };
    assert_eq!(
        inventory.cdrom_isos(&vm),
        ["[LocalDS_0] packer_cache/installer-upload-test.iso"]
    );
    assert_eq!(
        extra(&inventory.extra_config(&vm), "guestinfo.kickstart.data"),
        None
    );
    let printed = build.stdout_so_far();
    let port: u16 = printed
        .split("Serving HTTP on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|address| address.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP server address in:\n{printed}"));
    let (status, kickstart) = http_get(port, "/ks.json");
    assert!(status.contains("200"), "{status}");
    assert_eq!(kickstart, EXPECTED_KICKSTART);
    assert_eq!(http_get(port, "/hello.txt").1, "hello from packer");
    assert!(http_get(port, "/missing").0.contains("404"));
    inventory.power_off(&vm);
    let (ok, output) = build.finish(Duration::from_secs(120));
    eprintln!("packer build upload.pkr.hcl took {:?}", started.elapsed());
    assert!(ok, "{output}");
    assert!(output.contains("Uploading"), "{output}");

    // Not converted (convert_to_template = false), CD-ROM removed; the ISO stays on the datastore.
    let object = inventory.properties(&vm, &["config.template", "config.firmware"]);
    assert_eq!(
        object.get("config.template").and_then(|v| v.as_bool()),
        Some(false)
    );
    assert_eq!(
        object.get("config.firmware").and_then(|v| v.as_str()),
        Some("bios")
    );
    assert!(inventory.cdrom_isos(&vm).is_empty());
    inventory
        .runtime
        .block_on(inventory.client.destroy(&vm))
        .unwrap();
}

#[test]
fn a_wrong_iso_checksum_fails_before_creating_the_vm() {
    let packer = PackerDir::new();
    packer.write(
        "upload.pkr.hcl",
        &UPLOAD_BUILD.replace("photon-iso-upload", "photon-iso-badsum"),
    );
    std::fs::write(
        packer.path().join("installer-upload-test.iso"),
        b"not the expected bytes",
    )
    .unwrap();
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend([
        "-var".to_owned(),
        format!("iso_checksum=sha256:{}", "0".repeat(64)),
        "upload.pkr.hcl".to_owned(),
    ]);
    let (ok, output) = Running::start(&packer, &args).finish(Duration::from_secs(120));
    assert!(!ok, "{output}");
    assert!(output.contains("iso_checksum"), "{output}");
    assert_eq!(Inventory::login().find("/DC0/vm/photon-iso-badsum"), None);
}

#[test]
fn an_installer_that_never_powers_off_times_out_and_the_vm_is_destroyed() {
    let packer = PackerDir::new();
    let template = example("build.pkr.hcl").replace(
        r#"shutdown_timeout    = "30m""#,
        r#"shutdown_timeout    = "2s""#,
    );
    assert!(
        template.contains(r#""2s""#),
        "the example changed its shutdown_timeout"
    );
    packer.write("build.pkr.hcl", &template);
    let mut args = vec!["build".to_owned(), "-color=false".to_owned()];
    args.extend(connection_vars());
    args.extend([
        "-var".to_owned(),
        "vm_name=photon-iso-timeout".to_owned(),
        "build.pkr.hcl".to_owned(),
    ]);
    let (ok, output) = Running::start(&packer, &args).finish(Duration::from_secs(120));
    assert!(!ok, "{output}");
    assert!(output.contains("shutdown_timeout"), "{output}");
    assert!(
        output.contains("Destroying VM photon-iso-timeout"),
        "{output}"
    );
    assert_eq!(
        Inventory::login().find("/DC0/vm/photon-iso-timeout"),
        None,
        "{output}"
    );
}
