//! `photon_virtual_machine` (resource and data source) through the real Terraform 1.0.3 against
//! vcsim over verified TLS. Every effect is checked through `vim::Client` and
//! `vim::rest::RestClient` sessions of the test's own, independent of the provider process.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use photon_test_rig::{ProviderInstall, TerraformDir, Vcsim, VcsimOptions};
use vim::datastore::{DatastoreFiles, DatastorePath};
use vim::rest::{ObjectId, RestClient};
use vim::spec::{Backing, OptionValue, VirtualDevice, VirtualMachineConfigSpec};

/// One simulator for the binary; every test uses names of its own.
fn vcsim() -> &'static Vcsim {
    static VCSIM: OnceLock<Vcsim> = OnceLock::new();
    VCSIM.get_or_init(|| Vcsim::start(VcsimOptions::default()).unwrap())
}

fn workdir_with_password(password: &str) -> TerraformDir {
    let vcsim = vcsim();
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_vcsim(vcsim)
        .env("VSPHERE_PASSWORD", password);
    terraform.require_this_provider();
    terraform.write("provider.tf", "provider \"photon\" {}\n");
    terraform
}

fn workdir() -> TerraformDir {
    workdir_with_password(&vcsim().options.password)
}

fn example(path: &str) -> String {
    std::fs::read_to_string(photon_test_rig::project_root().join("examples").join(path)).unwrap()
}

fn plan(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

fn apply(terraform: &TerraformDir) {
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
}

fn failure(terraform: &TerraformDir, args: &[&str]) -> String {
    let output = terraform.run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{args:?} should fail:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

fn outputs(terraform: &TerraformDir) -> serde_json::Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

/// Our own view of the inventory through `vim::Client`, independent of the provider process.
struct Soap {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
}

impl Soap {
    fn login() -> Soap {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime
            .block_on(vim::Client::connect(connect_options()))
            .unwrap();
        Soap { client, runtime }
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A vAPI REST session of the test's own.
    fn rest(&self) -> RestClient {
        self.block_on(RestClient::connect(connect_options()))
            .unwrap()
    }

    /// The sorted IDs of the tags attached to VM `vm`.
    fn attached_tags(&self, rest: &RestClient, vm: &str) -> Vec<String> {
        let mut tags = self
            .block_on(rest.list_attached_tags(&ObjectId::from(vm_ref(vm))))
            .unwrap();
        tags.sort();
        tags
    }

    /// File operations on the datastores of /DC0.
    fn datastore_files(&self) -> DatastoreFiles {
        let datacenter = vim::ManagedObjectReference::new("Datacenter", self.vm("/DC0"));
        DatastoreFiles::with_path(&self.client, &datacenter, "/DC0")
    }

    /// The moref value of the entity at `path`, or `None`.
    fn find(&self, path: &str) -> Option<String> {
        self.runtime
            .block_on(self.client.find_by_inventory_path(path))
            .unwrap()
            .map(|found| found.value)
    }

    fn vm(&self, path: &str) -> String {
        self.find(path)
            .unwrap_or_else(|| panic!("{path} not in the inventory"))
    }

    /// Property `property` of VM `vm` (`None` when unset).
    fn value(&self, vm: &str, property: &str) -> Option<vim::Value> {
        let mut objects = self
            .runtime
            .block_on(
                self.client
                    .retrieve_objects(&[vm_ref(vm)], "VirtualMachine", &[property]),
            )
            .unwrap();
        let object = objects.pop().unwrap();
        assert!(
            object.missing(property).is_none(),
            "{vm} {property}: {:?}",
            object.missing(property)
        );
        object.get(property).cloned()
    }

    /// A string or enum property.
    fn text(&self, vm: &str, property: &str) -> String {
        match self.value(vm, property) {
            Some(value) => value
                .as_str()
                .unwrap_or_else(|| panic!("{vm} {property} = {value:?}"))
                .to_owned(),
            None => panic!("{vm} {property} is unset"),
        }
    }

    fn number(&self, vm: &str, property: &str) -> i64 {
        let value = self.value(vm, property);
        value
            .as_ref()
            .and_then(vim::Value::as_i64)
            .unwrap_or_else(|| panic!("{vm} {property} = {value:?}"))
    }

    fn devices(&self, vm: &str) -> Vec<VirtualDevice> {
        self.runtime
            .block_on(self.client.vm_devices(&vm_ref(vm)))
            .unwrap()
    }

    /// The value of the last extraConfig entry `key`.
    fn setting(&self, vm: &str, key: &str) -> Option<String> {
        let all = self.value(vm, "config.extraConfig")?;
        OptionValue::from_array(&all)
            .unwrap()
            .into_iter()
            .rev()
            .find(|option| option.key == key)
            .map(|option| option.value.to_text())
    }

    fn reconfigure(&self, vm: &str, spec: &VirtualMachineConfigSpec) {
        self.runtime
            .block_on(self.client.reconfigure_vm(&vm_ref(vm), spec))
            .unwrap();
    }

    fn create_folder(&self, parent: &str, name: &str) {
        let parent = vim::ManagedObjectReference::new("Folder", parent);
        self.runtime
            .block_on(self.client.create_folder(&parent, name))
            .unwrap();
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

fn connect_options() -> vim::ConnectOptions {
    let vcsim = vcsim();
    common::vim_options(vcsim)
}

fn vm_ref(moid: &str) -> vim::ManagedObjectReference {
    vim::ManagedObjectReference::new("VirtualMachine", moid)
}

/// How many devices of WSDL type `type_name` there are.
fn count(devices: &[VirtualDevice], type_name: &str) -> usize {
    devices
        .iter()
        .filter(|device| device.type_name() == type_name)
        .count()
}

/// The capacities of the disks, in KiB, sorted.
fn disk_sizes_kb(devices: &[VirtualDevice]) -> Vec<i64> {
    let mut sizes: Vec<i64> = devices
        .iter()
        .filter_map(VirtualDevice::as_disk)
        .map(|disk| disk.capacity_in_kb)
        .collect();
    sizes.sort_unstable();
    sizes
}

/// The port group names the network adapters are backed by.
fn nic_networks(devices: &[VirtualDevice]) -> Vec<String> {
    devices
        .iter()
        .filter(|device| device.as_ethernet_card().is_some())
        .filter_map(|device| match &device.backing {
            Some(Backing::Network(network)) => Some(network.device_name.clone()),
            _ => None,
        })
        .collect()
}

/// The documented example: a VM from scratch and a clone; no drift; an in-place CPU/memory
/// change keeps the VM; an out-of-band change is drift; a new clone source replaces the clone;
/// destroy removes both.
#[test]
fn acc_example_create_clone_update_replace_destroy() {
    let started = Instant::now();
    let terraform = workdir();
    let soap = Soap::login();
    let config = example("resources/photon_virtual_machine/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    eprintln!("create: {:?}", started.elapsed());

    let web = soap.vm("/DC0/vm/photon-web");
    let clone = soap.vm("/DC0/vm/photon-clone");
    let out = outputs(&terraform);
    assert_eq!(out["web_moid"]["value"], web.as_str());
    assert_eq!(out["clone_moid"]["value"], clone.as_str());

    // From scratch: hardware, devices, settings, power.
    assert_eq!(soap.number(&web, "config.hardware.numCPU"), 2);
    assert_eq!(soap.number(&web, "config.hardware.memoryMB"), 2048);
    assert_eq!(soap.text(&web, "config.guestId"), "vmwarePhoton64Guest");
    assert_eq!(soap.text(&web, "config.firmware"), "efi");
    assert_eq!(soap.text(&web, "config.annotation"), "Managed by Terraform");
    assert_eq!(soap.text(&web, "runtime.powerState"), "poweredOn");
    let devices = soap.devices(&web);
    assert_eq!(
        count(&devices, "ParaVirtualSCSIController"),
        1,
        "{devices:?}"
    );
    assert_eq!(count(&devices, "VirtualDisk"), 2, "{devices:?}");
    assert_eq!(disk_sizes_kb(&devices), [8388608, 16777216], "{devices:?}");
    assert_eq!(count(&devices, "VirtualVmxnet3"), 1, "{devices:?}");
    assert_eq!(nic_networks(&devices), ["VM Network"], "{devices:?}");
    assert_eq!(soap.setting(&web, "guestinfo.role").as_deref(), Some("web"));
    let kickstart = soap.setting(&web, "guestinfo.kickstart.data").unwrap();
    let json = base64::engine::general_purpose::STANDARD
        .decode(kickstart)
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["hostname"], "photon-web");

    // The clone: vcsim ignores the clone's config, so these prove the follow-up reconfigure.
    assert_eq!(soap.number(&clone, "config.hardware.numCPU"), 2);
    assert_eq!(soap.number(&clone, "config.hardware.memoryMB"), 1024);
    assert_eq!(soap.text(&clone, "runtime.powerState"), "poweredOff");
    let devices = soap.devices(&clone);
    assert_eq!(disk_sizes_kb(&devices), [2097152], "{devices:?}");
    assert_eq!(count(&devices, "VirtualVmxnet3"), 1, "{devices:?}");
    assert_eq!(count(&devices, "VirtualE1000"), 0, "{devices:?}");
    assert_eq!(nic_networks(&devices), ["VM Network"], "{devices:?}");
    assert_eq!(count(&devices, "VirtualCdrom"), 0, "{devices:?}");

    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "plan after apply is not empty:\n{text}");

    // CPU and memory: in place, same VM.
    let changed = config
        .replacen("num_cpus   = 2", "num_cpus   = 4", 1)
        .replacen("memory     = 2048", "memory     = 4096", 1);
    assert_ne!(changed, config);
    terraform.write("main.tf", &changed);
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("photon_virtual_machine.web will be updated in-place"),
        "{text}"
    );
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(
        soap.vm("/DC0/vm/photon-web"),
        web,
        "same VM after the update"
    );
    assert_eq!(soap.number(&web, "config.hardware.numCPU"), 4);
    assert_eq!(soap.number(&web, "config.hardware.memoryMB"), 4096);
    assert_eq!(soap.text(&web, "runtime.powerState"), "poweredOn");
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "plan after the update is not empty:\n{text}");

    // Out of band: drift on the attributes changed.
    soap.reconfigure(
        &web,
        &VirtualMachineConfigSpec {
            num_cpus: Some(1),
            memory_mb: Some(512),
            annotation: Some("edited by hand".into()),
            ..VirtualMachineConfigSpec::default()
        },
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("~ num_cpus"), "{text}");
    assert!(text.contains("1 -> 4"), "{text}");
    assert!(text.contains("512 -> 4096"), "{text}");
    assert!(
        text.contains(r#""edited by hand" -> "Managed by Terraform""#),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(soap.number(&web, "config.hardware.numCPU"), 4);

    // Another clone source: the clone is replaced.
    terraform.write(
        "main.tf",
        &changed.replace(
            "name          = \"DC0_H0_VM0\"",
            "name          = \"DC0_H0_VM1\"",
        ),
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("photon_virtual_machine.clone must be replaced"),
        "{text}"
    );
    assert!(text.contains("forces replacement"), "{text}");
    apply(&terraform);
    let new_clone = soap.vm("/DC0/vm/photon-clone");
    assert_ne!(new_clone, clone, "a new VM");
    let (code, text) = plan(&terraform);
    assert_eq!(
        code,
        Some(0),
        "plan after the replacement is not empty:\n{text}"
    );

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/photon-web", false);
    soap.wait_for("/DC0/vm/photon-clone", false);
    assert!(
        soap.find("/DC0/vm/DC0_H0_VM0").is_some(),
        "the sources stay"
    );
    eprintln!("whole lifecycle: {:?}", started.elapsed());
}

const SIMPLE: &str = r#"data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_resource_pool" "pool" {
  name          = "DC0_H0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_network" "vm_network" {
  name          = "VM Network"
  datacenter_id = data.photon_datacenter.dc.id
}

resource "photon_virtual_machine" "vm" {
  name             = "NAME"
  folder           = FOLDER
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = DATASTORE
  power_state      = "POWER"
  EXTRA

  disk {
    label = "disk0"
    size  = 1
  }

  disk {
    label = "disk1"
    size  = 2
  }

  network_interface {
    network_id   = data.photon_network.vm_network.id
    adapter_type = "e1000e"
  }
}

output "ip" {
  value = photon_virtual_machine.vm.default_ip_address
}
"#;

fn simple(name: &str, folder: &str, power: &str, extra: &str) -> String {
    SIMPLE
        .replace("NAME", name)
        .replace("FOLDER", folder)
        .replace("DATASTORE", "data.photon_datastore.local.id")
        .replace("POWER", power)
        .replace("EXTRA", extra)
}

/// A VM in a folder, imported by its path: the plan is empty. Disk growth and removal apply
/// in place; destroy removes the VM.
#[test]
fn acc_import_by_path_then_plan_is_empty() {
    let terraform = workdir();
    let soap = Soap::login();
    let vm_folder = soap.vm("/DC0/vm");
    soap.create_folder(&vm_folder, "acc-import-folder");
    soap.wait_for("/DC0/vm/acc-import-folder", true);
    let config = simple("acc-import", "\"acc-import-folder\"", "off", "");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let vm = soap.vm("/DC0/vm/acc-import-folder/acc-import");
    assert_eq!(soap.text(&vm, "runtime.powerState"), "poweredOff");
    let devices = soap.devices(&vm);
    assert_eq!(count(&devices, "VirtualE1000e"), 1, "{devices:?}");

    terraform.ok(&["state", "rm", "photon_virtual_machine.vm"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_virtual_machine.vm",
        "/DC0/vm/acc-import-folder/acc-import",
    ]);
    let (code, text) = plan(&terraform);
    assert!(!text.contains("Plan:"), "import left changes:\n{text}");
    assert_ne!(code, Some(1), "{text}");

    // Grow disk1, drop disk0: in place, the file of disk0 goes.
    terraform.write(
        "main.tf",
        &config
            .replace(
                "  disk {\n    label = \"disk0\"\n    size  = 1\n  }\n\n",
                "",
            )
            .replace("size  = 2", "size  = 3"),
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    apply(&terraform);
    let devices = soap.devices(&vm);
    assert_eq!(disk_sizes_kb(&devices), [3145728], "{devices:?}");
    let (code, text) = plan(&terraform);
    assert_eq!(
        code,
        Some(0),
        "plan after the disk change is not empty:\n{text}"
    );

    // A shrink is refused at plan time, naming the attribute.
    terraform.write(
        "main.tf",
        &config
            .replace(
                "  disk {\n    label = \"disk0\"\n    size  = 1\n  }\n\n",
                "",
            )
            .replace("size  = 2", "size  = 1"),
    );
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("Cannot shrink a disk"), "{stderr}");
    assert!(stderr.contains("disk.0.size"), "{stderr}");
    assert_eq!(disk_sizes_kb(&soap.devices(&vm)), [3145728]);

    terraform.write(
        "main.tf",
        &config
            .replace(
                "  disk {\n    label = \"disk0\"\n    size  = 1\n  }\n\n",
                "",
            )
            .replace("size  = 2", "size  = 3"),
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/acc-import-folder/acc-import", false);
}

/// The guest IP wait: apply blocks until the guest reports an address (injected here with
/// vcsim's `SET.guest.ipAddress`), which then feeds `default_ip_address`.
#[test]
fn acc_waits_for_the_guest_ip() {
    let terraform = workdir();
    let soap = Soap::login();
    terraform.write(
        "main.tf",
        &simple("acc-ip", "null", "on", "wait_for_guest_ip_timeout = 1"),
    );
    terraform.ok(&["init", "-no-color"]);
    let mut child = terraform
        .command(&["apply", "-no-color", "-auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let vm = loop {
        if let Some(vm) = soap.find("/DC0/vm/acc-ip") {
            if soap.text(&vm, "runtime.powerState") == "poweredOn" {
                break vm;
            }
        }
        assert!(Instant::now() < deadline, "the VM never came up");
        std::thread::sleep(Duration::from_millis(200));
    };
    // Still waiting: no address yet.
    std::thread::sleep(Duration::from_secs(2));
    assert!(child.try_wait().unwrap().is_none(), "apply did not wait");
    soap.reconfigure(
        &vm,
        &VirtualMachineConfigSpec {
            extra_config: vec![OptionValue::string("SET.guest.ipAddress", "10.0.0.42")],
            ..VirtualMachineConfigSpec::default()
        },
    );
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(outputs(&terraform)["ip"]["value"], "10.0.0.42");
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/acc-ip", false);
}

#[test]
fn acc_errors_name_the_attribute() {
    let soap = Soap::login();
    // An unknown datastore (vcsim would crash on it): checked before anything is created.
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &SIMPLE
            .replace("NAME", "acc-bad-ds")
            .replace("FOLDER", "null")
            .replace("DATASTORE", "\"datastore-does-not-exist\"")
            .replace("POWER", "off")
            .replace("EXTRA", ""),
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Datastore not found"), "{stderr}");
    assert!(stderr.contains("datastore_id"), "{stderr}");
    assert!(soap.find("/DC0/vm/acc-bad-ds").is_none());

    // A name already taken in the folder (vcsim would accept the duplicate).
    let terraform = workdir();
    terraform.write("main.tf", &simple("DC0_H0_VM0", "null", "off", ""));
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Name already in use"), "{stderr}");
    assert!(
        stderr.contains(r#"name             = "DC0_H0_VM0""#),
        "{stderr}"
    );

    // A tag that does not exist: the VM is created (and kept, tainted), the tags are refused
    // with a diagnostic on `tags`; destroy removes the VM.
    let terraform = workdir();
    let missing = "urn:vmomi:InventoryServiceTag:00000000-0000-0000-0000-000000000000:GLOBAL";
    terraform.write(
        "main.tf",
        &simple(
            "acc-bad-tag",
            "null",
            "off",
            &format!("tags             = [\"{missing}\"]"),
        ),
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Changing the VM's tags failed"), "{stderr}");
    assert!(stderr.contains("Use tag IDs"), "{stderr}");
    assert!(
        stderr.contains(&format!("tags             = [\"{missing}\"]")),
        "{stderr}"
    );
    let vm = soap.vm("/DC0/vm/acc-bad-tag");
    assert!(soap.attached_tags(&soap.rest(), &vm).is_empty());
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/acc-bad-tag", false);

    // Bad credentials: the login diagnostic, without the password.
    let terraform = workdir_with_password("wrong-password");
    terraform.write("main.tf", &simple("acc-bad-login", "null", "off", ""));
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("vSphere login failed"), "{stderr}");
    assert!(!stderr.contains("wrong-password"), "{stderr}");
}

/// The data-source example reads the model VM as the inventory has it.
#[test]
fn acc_data_source_example_matches_the_inventory() {
    let terraform = workdir();
    let soap = Soap::login();
    terraform.write(
        "main.tf",
        &example("data-sources/photon_virtual_machine/data-source.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let out = outputs(&terraform);
    let vm = soap.vm("/DC0/vm/DC0_H0_VM0");
    assert_eq!(
        out["source_uuid"]["value"],
        soap.text(&vm, "config.uuid").as_str()
    );
    let hardware = &out["source_hardware"]["value"];
    assert_eq!(
        hardware["num_cpus"],
        soap.number(&vm, "config.hardware.numCPU")
    );
    assert_eq!(
        hardware["memory"],
        soap.number(&vm, "config.hardware.memoryMB")
    );
    assert_eq!(
        hardware["guest_id"],
        soap.text(&vm, "config.guestId").as_str()
    );
    assert_eq!(hardware["disks"], 1);
    assert_eq!(hardware["scsi_type"], "pvscsi");
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "{text}");
}

/// The ISO file names of the VM's CD-ROM drives (an empty name for a drive without an ISO).
fn cdrom_isos(devices: &[VirtualDevice]) -> Vec<String> {
    devices
        .iter()
        .filter(|device| device.type_name() == "VirtualCdrom")
        .map(|device| match &device.backing {
            Some(Backing::CdromIso(iso)) => iso.file_name.clone(),
            _ => String::new(),
        })
        .collect()
}

const TAGS_AND_CDROM: &str = r#"
resource "photon_tag_category" "acc" {
  name             = "acc-vm-category"
  cardinality      = "MULTIPLE"
  associable_types = ["VirtualMachine"]
}

resource "photon_tag" "red" {
  name        = "acc-red"
  category_id = photon_tag_category.acc.id
}

resource "photon_tag" "blue" {
  name        = "acc-blue"
  category_id = photon_tag_category.acc.id
}

resource "photon_datastore_file" "iso" {
  datastore_id       = data.photon_datastore.local.id
  source_file        = "${path.module}/acc-cdrom.iso"
  destination_file   = "acc-iso/acc-cdrom.iso"
  create_directories = true
}

output "moid" {
  value = photon_virtual_machine.vm.moid
}

output "red" {
  value = photon_tag.red.id
}

output "blue" {
  value = photon_tag.blue.id
}
"#;

const CDROM_BLOCK: &str = r#"

  cdrom {
    datastore_id = photon_datastore_file.iso.datastore_id
    path         = photon_datastore_file.iso.destination_file
  }"#;

/// `tags` and the ISO `cdrom` on one VM, with the category, the tags and the ISO made in the
/// same configuration: both attached on create; a tag removed from the configuration is
/// detached in place; a tag attached outside Terraform is drift and detached again; removing
/// the `cdrom` block removes the drive (and keeps the ISO); destroy removes everything.
#[test]
fn acc_tags_and_iso_cdrom() {
    let terraform = workdir();
    let soap = Soap::login();
    let rest = soap.rest();
    let files = soap.datastore_files();
    let iso_path = DatastorePath::new("LocalDS_0", "acc-iso/acc-cdrom.iso");
    let mut iso = vec![0u8; 64 * 1024];
    iso[0x8001..0x8006].copy_from_slice(b"CD001");
    std::fs::write(terraform.path().join("acc-cdrom.iso"), &iso).unwrap();
    let both = "tags             = [photon_tag.red.id, photon_tag.blue.id]";
    let config = |tags: &str, cdrom: bool| {
        let extra = format!("{tags}{}", if cdrom { CDROM_BLOCK } else { "" });
        simple("acc-tags-cdrom", "null", "off", &extra) + TAGS_AND_CDROM
    };
    terraform.write("main.tf", &config(both, true));
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let out = outputs(&terraform);
    let vm = soap.vm("/DC0/vm/acc-tags-cdrom");
    assert_eq!(out["moid"]["value"], vm.as_str());
    let red = out["red"]["value"].as_str().unwrap().to_owned();
    let blue = out["blue"]["value"].as_str().unwrap().to_owned();
    let mut expected = vec![red.clone(), blue.clone()];
    expected.sort();
    assert_eq!(soap.attached_tags(&rest, &vm), expected);
    assert!(soap.block_on(files.exists(&iso_path)).unwrap());
    let devices = soap.devices(&vm);
    assert_eq!(
        cdrom_isos(&devices),
        ["[LocalDS_0] acc-iso/acc-cdrom.iso"],
        "{devices:?}"
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "plan after create is not empty:\n{text}");

    // One tag fewer in the configuration: detached in place, the tag itself stays.
    terraform.write(
        "main.tf",
        &config("tags             = [photon_tag.red.id]", true),
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("photon_virtual_machine.vm will be updated in-place"),
        "{text}"
    );
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(soap.vm("/DC0/vm/acc-tags-cdrom"), vm, "same VM");
    assert_eq!(soap.attached_tags(&rest, &vm), [red.as_str()]);
    assert_eq!(soap.block_on(rest.get_tag(&blue)).unwrap().name, "acc-blue");
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "plan after the detach is not empty:\n{text}");

    // Attached outside Terraform: drift on `tags`, detached by the next apply.
    soap.block_on(rest.attach_tag(&blue, &ObjectId::from(vm_ref(&vm))))
        .unwrap();
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("~ tags"), "{text}");
    assert!(text.contains(&format!("- \"{blue}\"")), "{text}");
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(soap.attached_tags(&rest, &vm), [red.as_str()]);

    // No `cdrom` block: the drive goes, in place; the ISO stays on the datastore.
    terraform.write(
        "main.tf",
        &config("tags             = [photon_tag.red.id]", false),
    );
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("- cdrom {"), "{text}");
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(soap.vm("/DC0/vm/acc-tags-cdrom"), vm, "same VM");
    let devices = soap.devices(&vm);
    assert_eq!(cdrom_isos(&devices), Vec::<String>::new(), "{devices:?}");
    assert!(soap.block_on(files.exists(&iso_path)).unwrap());
    let (code, text) = plan(&terraform);
    assert_eq!(
        code,
        Some(0),
        "plan after removing the CD-ROM is not empty:\n{text}"
    );

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/acc-tags-cdrom", false);
    assert!(!soap.block_on(files.exists(&iso_path)).unwrap());
    assert!(
        soap.block_on(rest.get_tag(&red))
            .unwrap_err()
            .is_not_found()
    );
}
