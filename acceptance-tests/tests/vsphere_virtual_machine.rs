//! `photon_virtual_machine` (resource and data source) through the real Terraform 1.0.3 against
//! vcsim over verified TLS. Every effect is checked with plain SOAP requests of this test's own,
//! independent of the provider's client.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir, Vcsim, VcsimOptions};

/// One simulator for the binary; every test uses names of its own.
fn vcsim() -> &'static Vcsim {
    static VCSIM: OnceLock<Vcsim> = OnceLock::new();
    VCSIM.get_or_init(|| Vcsim::start(VcsimOptions::default()).unwrap())
}

fn versions_tf() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    photon = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn workdir_with_password(password: &str) -> TerraformDir {
    let vcsim = vcsim();
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("VSPHERE_SERVER", &vcsim.url)
        .env("VSPHERE_USER", &vcsim.options.username)
        .env("VSPHERE_PASSWORD", password)
        .env("VSPHERE_CA_FILE", &vcsim.ca_file.to_string_lossy());
    terraform.write("versions.tf", &versions_tf());
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

/// Plain SOAP to the simulator: our own view of the inventory.
struct Soap {
    http: reqwest::Client,
    url: String,
    cookie: String,
    runtime: tokio::runtime::Runtime,
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Soap {
    fn login() -> Soap {
        let vcsim = vcsim();
        let pem = std::fs::read(&vcsim.ca_file).unwrap();
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut soap = Soap {
            http,
            url: vcsim.url.clone(),
            cookie: String::new(),
            runtime,
        };
        let body = format!(
            r#"<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>{}</userName><password>{}</password></Login>"#,
            escape(&vcsim.options.username),
            escape(&vcsim.options.password)
        );
        let (text, cookie) = soap.send(&body);
        assert!(text.contains("LoginResponse"), "{text}");
        soap.cookie = cookie.unwrap();
        soap
    }

    fn send(&self, body: &str) -> (String, Option<String>) {
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
        );
        self.runtime.block_on(async {
            let mut request = self
                .http
                .post(&self.url)
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("SOAPAction", "urn:vim25/6.5")
                .body(envelope);
            if !self.cookie.is_empty() {
                request = request.header("Cookie", &self.cookie);
            }
            let response = request.send().await.unwrap();
            let cookie = response
                .headers()
                .get("set-cookie")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.split(';').next())
                .map(str::to_owned);
            (response.text().await.unwrap(), cookie)
        })
    }

    /// The moref value of the entity at `path`, or `None`.
    fn find(&self, path: &str) -> Option<String> {
        let (text, _) = self.send(&format!(
            r#"<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>{}</inventoryPath></FindByInventoryPath>"#,
            escape(path.trim_start_matches('/'))
        ));
        assert!(text.contains("FindByInventoryPathResponse"), "{text}");
        let kind = between(&text, "<returnval type=\"", "\"")?;
        let value = between(
            &text,
            &format!("<returnval type=\"{kind}\">"),
            "</returnval>",
        )?;
        Some(value.replace("&amp;", "&"))
    }

    fn vm(&self, path: &str) -> String {
        self.find(path)
            .unwrap_or_else(|| panic!("{path} not in the inventory"))
    }

    /// The XML text inside `<val>` of property `property` of VM `vm`.
    fn property(&self, vm: &str, property: &str) -> String {
        let (text, _) = self.send(&format!(
            r#"<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>{property}</pathSet></propSet><objectSet><obj type="VirtualMachine">{}</obj></objectSet></specSet><options></options></RetrievePropertiesEx>"#,
            escape(vm)
        ));
        let Some(val) = between(&text, "<val", "</val>") else {
            return String::new();
        };
        val[val.find('>').unwrap() + 1..].to_owned()
    }

    fn number(&self, vm: &str, property: &str) -> i64 {
        self.property(vm, property).parse().unwrap()
    }

    /// The value of the last extraConfig entry `key`.
    fn setting(&self, vm: &str, key: &str) -> Option<String> {
        let all = self.property(vm, "config.extraConfig");
        let marker = format!("<key>{key}</key>");
        let at = all.rfind(&marker)?;
        let rest = &all[at + marker.len()..];
        let value = between(rest, "<value", "</value>")?;
        Some(value[value.find('>').unwrap() + 1..].to_owned())
    }

    fn reconfigure(&self, vm: &str, spec: &str) {
        let (text, _) = self.send(&format!(
            r#"<ReconfigVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">{}</_this><spec>{spec}</spec></ReconfigVM_Task>"#,
            escape(vm)
        ));
        assert!(text.contains("ReconfigVM_TaskResponse"), "{text}");
    }

    fn create_folder(&self, parent: &str, name: &str) {
        let (text, _) = self.send(&format!(
            r#"<CreateFolder xmlns="urn:vim25"><_this type="Folder">{}</_this><name>{}</name></CreateFolder>"#,
            escape(parent),
            escape(name)
        ));
        assert!(text.contains("CreateFolderResponse"), "{text}");
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

/// `n` occurrences of `needle` in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
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
    assert_eq!(soap.property(&web, "config.guestId"), "vmwarePhoton64Guest");
    assert_eq!(soap.property(&web, "config.firmware"), "efi");
    assert_eq!(
        soap.property(&web, "config.annotation"),
        "Managed by Terraform"
    );
    assert_eq!(soap.property(&web, "runtime.powerState"), "poweredOn");
    let devices = soap.property(&web, "config.hardware.device");
    assert_eq!(
        count(&devices, "\"ParaVirtualSCSIController\""),
        1,
        "{devices}"
    );
    assert_eq!(count(&devices, "\"VirtualDisk\""), 2, "{devices}");
    assert!(
        devices.contains("<capacityInKB>16777216</capacityInKB>"),
        "{devices}"
    );
    assert!(
        devices.contains("<capacityInKB>8388608</capacityInKB>"),
        "{devices}"
    );
    assert_eq!(count(&devices, "\"VirtualVmxnet3\""), 1, "{devices}");
    assert!(
        devices.contains("<deviceName>VM Network</deviceName>"),
        "{devices}"
    );
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
    assert_eq!(soap.property(&clone, "runtime.powerState"), "poweredOff");
    let devices = soap.property(&clone, "config.hardware.device");
    assert_eq!(count(&devices, "\"VirtualDisk\""), 1, "{devices}");
    assert!(
        devices.contains("<capacityInKB>2097152</capacityInKB>"),
        "{devices}"
    );
    assert_eq!(count(&devices, "\"VirtualVmxnet3\""), 1, "{devices}");
    assert_eq!(count(&devices, "\"VirtualE1000\""), 0, "{devices}");
    assert_eq!(count(&devices, "\"VirtualCdrom\""), 0, "{devices}");

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
    assert_eq!(soap.property(&web, "runtime.powerState"), "poweredOn");
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "plan after the update is not empty:\n{text}");

    // Out of band: drift on the attributes changed.
    soap.reconfigure(
        &web,
        "<numCPUs>1</numCPUs><memoryMB>512</memoryMB><annotation>edited by hand</annotation>",
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
    assert_eq!(soap.property(&vm, "runtime.powerState"), "poweredOff");
    let devices = soap.property(&vm, "config.hardware.device");
    assert_eq!(count(&devices, "\"VirtualE1000e\""), 1, "{devices}");

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
    let devices = soap.property(&vm, "config.hardware.device");
    assert_eq!(count(&devices, "\"VirtualDisk\""), 1, "{devices}");
    assert!(
        devices.contains("<capacityInKB>3145728</capacityInKB>"),
        "{devices}"
    );
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
    assert!(
        soap.property(&vm, "config.hardware.device")
            .contains("<capacityInKB>3145728</capacityInKB>")
    );

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
            if soap.property(&vm, "runtime.powerState") == "poweredOn" {
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
        r#"<extraConfig xsi:type="OptionValue"><key>SET.guest.ipAddress</key><value xsi:type="xsd:string">10.0.0.42</value></extraConfig>"#,
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
        soap.property(&vm, "config.uuid").as_str()
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
        soap.property(&vm, "config.guestId").as_str()
    );
    assert_eq!(hardware["disks"], 1);
    assert_eq!(hardware["scsi_type"], "pvscsi");
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(0), "{text}");
}
