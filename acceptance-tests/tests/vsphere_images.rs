//! `photon_image` and `photon_datastore_file` through the real Terraform 1.0.3 against vcsim
//! over verified TLS, with the provider configured from VSPHERE_* variables only. Every effect
//! is checked independently of the provider process, through a `vim::Client` session of the
//! test's own: the inventory by property reads, the datastore by `/folder` downloads.
//!
//! The packages are built here: a stream-optimized VMDK from `qemu-img` (installed by
//! `scripts/bootstrap` with qemu-utils), the example's OVF descriptor, and `tar` for the OVA.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use photon_test_rig::{ProviderInstall, TerraformDir, Tool, Vcsim, VcsimOptions};
use vim::datastore::{DatastoreFiles, DatastorePath, TransferError};
use vim::spec::{Backing, VirtualDevice};

const DISK: &str = "photon-minimal-disk1.vmdk";
const DESCRIPTOR: &str = "photon-minimal.ovf";
const TEMPLATE: &str = "photon-5.0-minimal";

/// One simulator for this binary.
fn vcsim() -> &'static Vcsim {
    static VCSIM: OnceLock<Vcsim> = OnceLock::new();
    VCSIM.get_or_init(|| Vcsim::start(VcsimOptions::default()).unwrap())
}

/// A working directory whose provider block is empty: everything comes from VSPHERE_*.
fn workdir() -> TerraformDir {
    let vcsim = vcsim();
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(vcsim);
    terraform.require_this_provider();
    terraform.write("provider.tf", "provider \"photon\" {}\n");
    terraform
}

fn example(path: &str) -> String {
    std::fs::read_to_string(photon_test_rig::project_root().join("examples").join(path)).unwrap()
}

fn plan_exit_code(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

/// Runs a command that must fail; returns its stderr with Terraform's diagnostic frames and
/// line wrapping removed (one space between words), so messages can be matched whole.
fn failure(terraform: &TerraformDir, args: &[&str]) -> String {
    failure_logged(terraform, args, None)
}

/// [`failure`], with Terraform's log (the provider's included) at `level` on stderr.
fn failure_logged(terraform: &TerraformDir, args: &[&str], level: Option<&str>) -> String {
    let mut command = terraform.command(args);
    if let Some(level) = level {
        command.env("TF_LOG", level);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{args:?} should fail:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
        .replace(['│', '╷', '╵'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn outputs(terraform: &TerraformDir) -> serde_json::Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Writes the example's descriptor and a fresh 16 MiB stream-optimized disk into `dir`.
fn write_ovf_package(dir: &Path) {
    std::fs::write(
        dir.join(DESCRIPTOR),
        example("resources/photon_image/photon-minimal.ovf"),
    )
    .unwrap();
    run(Command::new(Tool::QemuImg.path())
        .args([
            "create",
            "-q",
            "-f",
            "vmdk",
            "-o",
            "subformat=streamOptimized",
        ])
        .arg(dir.join(DISK))
        .arg("16M"));
    let disk = std::fs::read(dir.join(DISK)).unwrap();
    assert_eq!(&disk[..4], b"KDMV", "qemu-img did not write a VMDK");
}

/// Packs `members` of `dir` (descriptor first, as OVA requires) into `dir/name`.
fn tar_ova(dir: &Path, name: &str, members: &[&str]) {
    run(Command::new("tar")
        .current_dir(dir)
        .args(["--format=ustar", "-cf", name])
        .args(members));
}

/// Our own view of the inventory and the datastore through `vim::Client` and
/// `vim::datastore::DatastoreFiles`, independent of the provider process.
struct Soap {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
}

impl Soap {
    fn login() -> Soap {
        let vcsim = vcsim();
        let (runtime, client) = common::vim_login(vcsim);
        Soap { client, runtime }
    }

    /// `(type, value)` of the entity at `path`, or `None`.
    fn find(&self, path: &str) -> Option<(String, String)> {
        self.runtime
            .block_on(self.client.find_by_inventory_path(path))
            .unwrap()
            .map(|found| (found.kind, found.value))
    }

    fn id(&self, path: &str) -> String {
        self.find(path)
            .unwrap_or_else(|| panic!("{path} not in the inventory"))
            .1
    }

    /// Property `property` of VM `vm`; panics when it is unset.
    fn property(&self, vm: &str, property: &str) -> vim::Value {
        let obj = vim::ManagedObjectReference::new("VirtualMachine", vm);
        let mut objects = self
            .runtime
            .block_on(self.client.retrieve_objects(
                std::slice::from_ref(&obj),
                "VirtualMachine",
                &[property],
            ))
            .unwrap();
        objects
            .pop()
            .unwrap()
            .get(property)
            .cloned()
            .unwrap_or_else(|| panic!("{vm} has no {property}"))
    }

    fn devices(&self, vm: &str) -> Vec<VirtualDevice> {
        let vm = vim::ManagedObjectReference::new("VirtualMachine", vm);
        self.runtime.block_on(self.client.vm_devices(&vm)).unwrap()
    }

    /// The names of the VMs and templates directly in the folder `folder`.
    fn vm_names(&self, folder: &str) -> Vec<String> {
        let folder = vim::ManagedObjectReference::new("Folder", folder);
        self.runtime.block_on(async {
            let vms: Vec<vim::ManagedObjectReference> = self
                .client
                .folder_children(&folder)
                .await
                .unwrap()
                .into_iter()
                .filter(|child| child.kind == "VirtualMachine")
                .collect();
            let objects = self
                .client
                .retrieve_objects(&vms, "VirtualMachine", &["name"])
                .await
                .unwrap();
            assert_eq!(objects.len(), vms.len(), "{objects:?}");
            objects
                .iter()
                .map(|object| object.get("name").unwrap().as_str().unwrap().to_owned())
                .collect()
        })
    }

    fn destroy(&self, kind: &str, value: &str) {
        let entity = vim::ManagedObjectReference::new(kind, value);
        self.runtime.block_on(self.client.destroy(&entity)).unwrap();
    }

    /// File operations on the datastores of /DC0.
    fn files(&self) -> DatastoreFiles {
        let datacenter = vim::ManagedObjectReference::new("Datacenter", self.id("/DC0"));
        DatastoreFiles::with_path(&self.client, &datacenter, "/DC0")
    }

    fn delete_datastore_file(&self, path: &str) {
        let path = DatastorePath::parse(path).unwrap();
        self.runtime.block_on(self.files().delete(&path)).unwrap();
    }

    /// The bytes of `[LocalDS_0] <path>`, or `None` when it does not exist.
    fn download(&self, path: &str) -> Option<Vec<u8>> {
        let path = DatastorePath::new("LocalDS_0", path);
        let local = tempfile::NamedTempFile::new().unwrap();
        match self
            .runtime
            .block_on(self.files().download_file(&path, local.path(), |_, _| {}))
        {
            Ok(_) => Some(std::fs::read(local.path()).unwrap()),
            Err(TransferError::NotFound { .. }) => None,
            Err(error) => panic!("download of {path}: {error}"),
        }
    }

    /// Waits until `path` exists (`true`) or not (`false`).
    fn wait_for(&self, path: &str, exists: bool) {
        for _ in 0..50 {
            if self.find(path).is_some() == exists {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{path} exists = {} after 5 s", !exists);
    }
}

/// Checks the template at `path` against the descriptor, independently of the provider, and
/// returns its moref value.
fn check_template(soap: &Soap, path: &str, outputs: &serde_json::Value) -> String {
    let (kind, vm) = soap.find(path).unwrap_or_else(|| panic!("{path} missing"));
    assert_eq!(kind, "VirtualMachine");
    assert_eq!(soap.property(&vm, "config.template").as_bool(), Some(true));
    assert_eq!(soap.property(&vm, "name").as_str(), path.rsplit('/').next());
    let parent_path = &path[..path.rfind('/').unwrap()];
    assert_eq!(
        soap.property(&vm, "parent")
            .as_mor()
            .map(|parent| parent.value.clone()),
        Some(soap.id(parent_path)),
        "the template is in {parent_path}"
    );
    assert_eq!(
        outputs["template_uuid"]["value"],
        soap.property(&vm, "config.uuid").as_str().unwrap(),
        "the resource id is the BIOS UUID"
    );
    assert_eq!(outputs["template_moid"]["value"], vm.as_str());
    assert_eq!(
        soap.property(&vm, "config.hardware.numCPU").as_i64(),
        Some(2)
    );
    assert_eq!(
        soap.property(&vm, "config.hardware.memoryMB").as_i64(),
        Some(2048)
    );
    let devices = soap.devices(&vm);
    for device in ["ParaVirtualSCSIController", "VirtualDisk", "VirtualVmxnet3"] {
        assert!(
            devices.iter().any(|found| found.type_name() == device),
            "no {device} in {devices:?}"
        );
    }
    assert!(
        devices.iter().any(|device| matches!(
            &device.backing,
            Some(Backing::Network(network)) if network.device_name == "VM Network"
        )),
        "the NIC is not on VM Network: {devices:?}"
    );
    // 16 MiB from the descriptor's capacity.
    assert!(
        devices
            .iter()
            .filter_map(VirtualDevice::as_disk)
            .any(|disk| disk.capacity_in_kb == 16384),
        "{devices:?}"
    );
    vm
}

/// The example as written (an OVF and its disk), then the same package as an OVA (a new
/// source: replaced), a rename in place, drift, and destroy.
#[test]
fn acc_photon_image_lifecycle() {
    let terraform = workdir();
    let soap = Soap::login();
    write_ovf_package(&terraform.path());
    let config = example("resources/photon_image/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    let started = Instant::now();
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    eprintln!("import of the OVF example: {:?}", started.elapsed());
    let path = format!("/DC0/vm/{TEMPLATE}");
    let first = check_template(&soap, &path, &outputs(&terraform));
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "second plan is not empty:\n{text}");

    // The same package as an OVA: another source, so a new import replaces the template.
    tar_ova(&terraform.path(), "photon-minimal.ova", &[DESCRIPTOR, DISK]);
    let ova_config = config.replace("photon-minimal.ovf\"", "photon-minimal.ova\"");
    assert_ne!(ova_config, config);
    terraform.write("main.tf", &ova_config);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 1 to destroy"),
        "{text}"
    );
    assert!(text.contains("forces replacement"), "{text}");
    let started = Instant::now();
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    eprintln!("replacement by the OVA: {:?}", started.elapsed());
    let second = check_template(&soap, &path, &outputs(&terraform));
    let vm_folder = soap.id("/DC0/vm");
    assert_eq!(
        soap.vm_names(&vm_folder)
            .iter()
            .filter(|name| *name == TEMPLATE)
            .count(),
        1,
        "the old template was destroyed (first {first}, now {second})"
    );
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(
        code,
        Some(0),
        "plan after the replacement is not empty:\n{text}"
    );

    // A newer package file (same path) is a change of the source too.
    std::thread::sleep(Duration::from_millis(20));
    let ova = terraform.path().join("photon-minimal.ova");
    let mut bytes = std::fs::read(&ova).unwrap();
    bytes.extend_from_slice(&[0; 512]);
    std::fs::write(&ova, bytes).unwrap();
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("source_size"), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 1 to destroy"),
        "{text}"
    );

    // A rename is done in place: same VM.
    let renamed = ova_config.replace(
        &format!("name             = \"{TEMPLATE}\""),
        "name             = \"photon-renamed\"",
    );
    assert_ne!(renamed, ova_config);
    terraform.write("main.tf", &renamed);
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    let third = check_template(&soap, "/DC0/vm/photon-renamed", &outputs(&terraform));
    assert_ne!(third, second, "the grown OVA was imported again");
    // Renamed and moved into a new folder, both in place: same VM.
    let moved = renamed
        .replace("\"photon-renamed\"", "\"photon-renamed-2\"")
        .replace(
            "  datastore_id     = data.photon_datastore.local.id\n",
            "  datastore_id     = data.photon_datastore.local.id\n  folder           = photon_folder.images.path\n",
        )
        + "\nresource \"photon_folder\" \"images\" {\n  path          = \"images\"\n  type          = \"vm\"\n  datacenter_id = data.photon_datacenter.dc.id\n}\n";
    terraform.write("main.tf", &moved);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/photon-renamed", false);
    let path = "/DC0/vm/images/photon-renamed-2";
    assert_eq!(
        check_template(&soap, path, &outputs(&terraform)),
        third,
        "renamed and moved in place"
    );
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "plan after the move is not empty:\n{text}");

    // Destroyed outside Terraform: the next plan imports it again.
    soap.destroy("VirtualMachine", &third);
    soap.wait_for(path, false);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 0 to destroy"),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    soap.wait_for(path, true);

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for(path, false);
    soap.wait_for("/DC0/vm/images", false);
    assert!(
        !soap
            .vm_names(&vm_folder)
            .iter()
            .any(|name| name.starts_with("photon-")),
        "{:?}",
        soap.vm_names(&vm_folder)
    );
}

/// Bad packages and references fail with a diagnostic naming the attribute, and leave no VM
/// behind, including an import that fails after vSphere created the VM.
#[test]
fn acc_photon_image_failures_name_the_attribute_and_leave_nothing_behind() {
    let terraform = workdir();
    let soap = Soap::login();
    let dir = terraform.path();
    write_ovf_package(&dir);
    // Not a tar archive at all.
    std::fs::write(
        dir.join("corrupt.ova"),
        b"this is not a tar archive\n".repeat(40),
    )
    .unwrap();
    // A valid archive whose descriptor is not XML.
    std::fs::write(dir.join("broken.ovf"), "<Envelope><oops").unwrap();
    tar_ova(&dir, "broken.ova", &["broken.ovf", DISK]);
    // A valid descriptor whose disk is not in the archive: vSphere creates the VM, the upload
    // then fails and the lease is aborted.
    std::fs::create_dir(dir.join("nodisk")).unwrap();
    std::fs::write(
        dir.join("nodisk").join(DESCRIPTOR),
        example("resources/photon_image/photon-minimal.ovf"),
    )
    .unwrap();
    tar_ova(&dir.join("nodisk"), "../nodisk.ova", &[DESCRIPTOR]);

    let resource = |name: &str, source: &str, datastore: &str| {
        format!(
            r#"
resource "photon_image" "{name}" {{
  name             = "{name}"
  source_path      = "${{path.module}}/{source}"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = {datastore}
}}
"#
        )
    };
    let good_datastore = "data.photon_datastore.local.id";
    let mut config = String::from(
        r#"
data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_resource_pool" "pool" {
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}
"#,
    );
    config.push_str(&resource("corrupt", "corrupt.ova", good_datastore));
    config.push_str(&resource("broken", "broken.ova", good_datastore));
    config.push_str(&resource("nodisk", "nodisk.ova", good_datastore));
    config.push_str(&resource("nostore", DESCRIPTOR, "\"datastore-404\""));
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure_logged(
        &terraform,
        &["apply", "-no-color", "-auto-approve", "-parallelism=1"],
        Some("debug"),
    );
    // vcsim keeps the VM after the lease abort: the provider destroyed it (once: only the
    // package without its disk got that far).
    assert_eq!(
        stderr.matches("removed the half-imported VM").count(),
        1,
        "{stderr}"
    );
    let error_of = |name: &str| -> String {
        stderr
            .split("Error: ")
            .find(|block| block.contains(&format!("with photon_image.{name},")))
            .unwrap_or_else(|| panic!("no error for {name}:\n{stderr}"))
            .to_owned()
    };
    let corrupt = error_of("corrupt");
    assert!(
        corrupt.contains("source_path: cannot read the package"),
        "{corrupt}"
    );
    let broken = error_of("broken");
    assert!(
        broken.contains("source_path: the OVF descriptor does not parse"),
        "{broken}"
    );
    let nodisk = error_of("nodisk");
    assert!(nodisk.contains("source_path"), "{nodisk}");
    assert!(nodisk.contains("is not in the archive"), "{nodisk}");
    assert!(nodisk.contains("aborted"), "{nodisk}");
    let nostore = error_of("nostore");
    assert!(
        nostore.contains("datastore_id: no datastore with id \"datastore-404\""),
        "{nostore}"
    );
    // Terraform points at the attribute in the configuration.
    assert!(nostore.contains("datastore_id"), "{nostore}");

    let names = soap.vm_names(&soap.id("/DC0/vm"));
    for name in ["corrupt", "broken", "nodisk", "nostore"] {
        assert!(
            !names.iter().any(|existing| existing == name),
            "{name} left behind: {names:?}"
        );
    }

    // A taken name is refused before anything is imported (vcsim would accept a duplicate).
    terraform.write(
        "main.tf",
        &format!(
            "{}\n{}",
            &config[..config.find("resource \"photon_image\"").unwrap()],
            resource("DC0_H0_VM0", DESCRIPTOR, good_datastore)
        ),
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("name: /DC0/vm already holds a VM or template named \"DC0_H0_VM0\""),
        "{stderr}"
    );
    let names = soap.vm_names(&soap.id("/DC0/vm"));
    assert_eq!(
        names.iter().filter(|name| *name == "DC0_H0_VM0").count(),
        1,
        "{names:?}"
    );
}

/// Deterministic ISO-like bytes: a volume descriptor signature at 32 KiB, a pattern elsewhere.
fn iso_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect();
    if len > 0x8006 {
        bytes[0x8000] = 1;
        bytes[0x8001..0x8006].copy_from_slice(b"CD001");
    }
    bytes
}

const ISO_PATH: &str = "iso/photon-minimal.iso";

/// The example as written: upload, read back, replace on a local change, drift, destroy.
#[test]
fn acc_photon_datastore_file_lifecycle() {
    let terraform = workdir();
    let soap = Soap::login();
    let local = terraform.path().join("photon-minimal.iso");
    let first = iso_bytes(3 * 1024 * 1024 + 17, 1);
    std::fs::write(&local, &first).unwrap();
    terraform.write(
        "main.tf",
        &example("resources/photon_datastore_file/resource.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    let started = Instant::now();
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    eprintln!("upload of {} bytes: {:?}", first.len(), started.elapsed());
    assert_eq!(soap.download(ISO_PATH).as_deref(), Some(first.as_slice()));
    let out = outputs(&terraform);
    assert_eq!(
        out["iso_path"]["value"],
        "[LocalDS_0] iso/photon-minimal.iso"
    );
    assert_eq!(out["iso_size"]["value"], first.len());
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "second plan is not empty:\n{text}");

    // New content: replaced, uploaded again.
    std::thread::sleep(Duration::from_millis(20));
    let second = iso_bytes(2 * 1024 * 1024 + 3, 7);
    std::fs::write(&local, &second).unwrap();
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 1 to destroy"),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    assert_eq!(soap.download(ISO_PATH).as_deref(), Some(second.as_slice()));
    assert_eq!(outputs(&terraform)["iso_size"]["value"], second.len());
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(
        code,
        Some(0),
        "plan after the replacement is not empty:\n{text}"
    );

    // Same size, newer modification time: replaced too.
    std::thread::sleep(Duration::from_millis(20));
    let third = iso_bytes(second.len(), 9);
    std::fs::write(&local, &third).unwrap();
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("source_modified"), "{text}");
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    assert_eq!(soap.download(ISO_PATH).as_deref(), Some(third.as_slice()));

    // Deleted outside Terraform: planned again.
    soap.delete_datastore_file("[LocalDS_0] iso/photon-minimal.iso");
    assert_eq!(soap.download(ISO_PATH), None);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 0 to change, 0 to destroy"),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    assert_eq!(soap.download(ISO_PATH).as_deref(), Some(third.as_slice()));

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert_eq!(soap.download(ISO_PATH), None);

    // Without create_directories, a missing directory is an error on destination_file.
    terraform.write(
        "main.tf",
        &example("resources/photon_datastore_file/resource.tf")
            .replace(
                "iso/photon-minimal.iso\"",
                "missing-dir/photon-minimal.iso\"",
            )
            .replace("  create_directories = true\n", ""),
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("destination_file: the directory [LocalDS_0] missing-dir does not exist"),
        "{stderr}"
    );
    assert_eq!(soap.download("missing-dir/photon-minimal.iso"), None);
    // A missing local file is an error on source_file at plan time.
    std::fs::remove_file(&local).unwrap();
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("source_file: the local file"), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
}
