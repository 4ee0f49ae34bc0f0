//! The vSphere inventory data sources and `photon_folder` through the real Terraform 1.0.3
//! against vcsim over verified TLS. The provider is configured from VSPHERE_* variables only;
//! every result is checked against the inventory read independently through `vim::Client` in the
//! test process (not through the provider).

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use photon_test_rig::{ProviderInstall, TerraformDir, Vcsim, VcsimOptions};

const DATA_SOURCES: [&str; 7] = [
    "photon_datacenter",
    "photon_compute_cluster",
    "photon_host",
    "photon_resource_pool",
    "photon_datastore",
    "photon_network",
    "photon_folder",
];

/// One simulator for this binary; the folder tests change its inventory.
fn vcsim() -> &'static Vcsim {
    static VCSIM: OnceLock<Vcsim> = OnceLock::new();
    VCSIM.get_or_init(|| Vcsim::start(VcsimOptions::default()).unwrap())
}

/// A working directory whose provider block is empty: everything comes from VSPHERE_*.
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

fn plan_exit_code(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
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

/// The text between `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The inventory as our SOAP client reads it, independently of the provider process.
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
            .block_on(
                self.client
                    .find_by_inventory_path(path.trim_start_matches('/')),
            )
            .unwrap()
            .map(|found| (found.kind, found.value))
    }

    fn id(&self, path: &str) -> String {
        self.find(path)
            .unwrap_or_else(|| panic!("{path} not in the inventory"))
            .1
    }

    /// The text of property `property` of `kind:value`.
    fn property(&self, kind: &str, value: &str, property: &str) -> String {
        let obj = vim::ManagedObjectReference::new(kind, value);
        let mut objects = self
            .runtime
            .block_on(
                self.client
                    .retrieve_objects(std::slice::from_ref(&obj), kind, &[property]),
            )
            .unwrap();
        match objects.pop().unwrap().get(property) {
            Some(vim::Value::String(text)) => text.clone(),
            Some(vim::Value::Int(number)) => number.to_string(),
            Some(vim::Value::Bool(flag)) => flag.to_string(),
            other => panic!("{kind}:{value} {property} = {other:?}"),
        }
    }

    fn create_folder(&self, parent: &str, name: &str) {
        let parent = vim::ManagedObjectReference::new("Folder", parent);
        self.runtime
            .block_on(self.client.create_folder(&parent, name))
            .unwrap();
    }

    fn destroy(&self, kind: &str, value: &str) {
        let entity = vim::ManagedObjectReference::new(kind, value);
        self.runtime.block_on(self.client.destroy(&entity)).unwrap();
    }

    fn rename(&self, kind: &str, value: &str, name: &str) {
        let entity = vim::ManagedObjectReference::new(kind, value);
        self.runtime
            .block_on(self.client.rename(&entity, name))
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

/// Every data-source example, each as a module, applied together; every output checked
/// against the inventory read through `vim::Client`.
#[test]
fn acc_every_data_source_example_matches_the_inventory() {
    let terraform = workdir();
    let mut root = String::new();
    for name in DATA_SOURCES {
        let dir = terraform.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("versions.tf"), photon_test_rig::versions_tf()).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            example(&format!("data-sources/{name}/data-source.tf")),
        )
        .unwrap();
        root.push_str(&format!(
            "module \"{name}\" {{\n  source = \"./{name}\"\n}}\n\noutput \"{name}\" {{\n  value = module.{name}\n}}\n\n"
        ));
    }
    terraform.write("main.tf", &root);
    terraform.ok(&["init", "-no-color"]);
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    let outputs: serde_json::Value =
        serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap();
    let out = |module: &str, output: &str| outputs[module]["value"][output].clone();

    let soap = Soap::login();
    assert_eq!(
        out("photon_datacenter", "datacenter_id"),
        soap.id("/DC0").as_str()
    );
    assert_eq!(
        out("photon_compute_cluster", "cluster_id"),
        soap.id("/DC0/host/DC0_C0").as_str()
    );
    assert_eq!(
        out("photon_compute_cluster", "cluster_resource_pool_id"),
        soap.id("/DC0/host/DC0_C0/Resources").as_str()
    );
    assert_eq!(
        out("photon_host", "host_id"),
        soap.id("/DC0/host/DC0_H0/DC0_H0").as_str()
    );
    assert_eq!(
        out("photon_host", "host_resource_pool_id"),
        soap.id("/DC0/host/DC0_H0/Resources").as_str()
    );
    assert_eq!(
        out("photon_resource_pool", "resource_pool_id"),
        soap.id("/DC0/host/DC0_C0/Resources").as_str()
    );
    let datastore = soap.id("/DC0/datastore/LocalDS_0");
    assert_eq!(out("photon_datastore", "datastore_id"), datastore.as_str());
    assert_eq!(
        out("photon_datastore", "datastore_type"),
        soap.property("Datastore", &datastore, "summary.type")
            .as_str()
    );
    let free: f64 = soap
        .property("Datastore", &datastore, "summary.freeSpace")
        .parse()
        .unwrap();
    let free_gib = out("photon_datastore", "datastore_free_gib")
        .as_f64()
        .unwrap();
    // Free space on the host file system moves a little between the two reads.
    assert!(
        (free_gib - (free / 1073741824.0).floor()).abs() <= 1.0,
        "{free_gib} GiB vs {free} bytes"
    );
    let network = out("photon_network", "vm_network");
    assert_eq!(network["id"], soap.id("/DC0/network/VM Network").as_str());
    assert_eq!(network["type"], "Network");
    let dvpg = out("photon_network", "dvpg");
    assert_eq!(
        dvpg["id"],
        soap.find("/DC0/network/DC0_DVPG0").unwrap().1.as_str()
    );
    assert_eq!(dvpg["type"], "DistributedVirtualPortgroup");
    let folder = out("photon_folder", "folder");
    assert_eq!(folder["id"], soap.id("/DC0/vm").as_str());
    assert_eq!(folder["type"], "vm");

    // Data sources have nothing to change: a second plan is empty.
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "{text}");

    // Each read costs a handful of SOAP calls (the provider logs its count per read; one read
    // at a time, since the count is the session's).
    let planned = terraform
        .command(&["plan", "-no-color", "-parallelism=1"])
        .env("TF_LOG", "debug")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&planned.stderr);
    let counts: Vec<(String, u64)> = log
        .lines()
        .filter(|line| line.contains("data_source=") && line.contains("round_trips="))
        .map(|line| {
            let source = between(line, "data_source=", " ")
                .unwrap_or_default()
                .to_owned();
            let count = line
                .split("round_trips=")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|digits| digits.parse().ok())
                .unwrap_or(u64::MAX);
            (source, count)
        })
        .collect();
    eprintln!("SOAP calls per read: {counts:?}");
    assert!(counts.len() >= DATA_SOURCES.len(), "{log}");
    assert!(
        counts.iter().all(|(_, count)| *count <= 8),
        "too many SOAP calls per read: {counts:?}"
    );
}

/// The resource example's life: create, no drift, rename in config (in place), rename out of
/// band (drift), import by path, refusal to delete a non-empty folder, destroy.
#[test]
fn acc_photon_folder_lifecycle() {
    let terraform = workdir();
    let soap = Soap::login();
    let config = example("resources/photon_folder/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);

    let (kind, web) = soap.find("/DC0/vm/infra/web").expect("created by apply");
    assert_eq!(kind, "Folder");
    let outputs: serde_json::Value =
        serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap();
    assert_eq!(outputs["web_folder_id"]["value"], web.as_str());
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "second plan is not empty:\n{text}");

    // Renaming the parent in the configuration: both update in place, nothing is replaced.
    terraform.write(
        "main.tf",
        &config.replace(
            "path          = \"infra\"",
            "path          = \"infra-renamed\"",
        ),
    );
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("0 to add, 2 to change, 0 to destroy"),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/infra", false);
    assert_eq!(
        soap.id("/DC0/vm/infra-renamed/web"),
        web,
        "same folder, renamed"
    );
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "plan after the rename is not empty:\n{text}");

    // A rename outside Terraform is drift on `path`.
    soap.rename("Folder", &web, "web-oob");
    soap.wait_for("/DC0/vm/infra-renamed/web-oob", true);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(r#"~ path          = "infra-renamed/web-oob" -> "infra-renamed/web""#),
        "{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/infra-renamed/web", true);

    // Import by inventory path: the state matches the configuration.
    terraform.ok(&["state", "rm", "photon_folder.web"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_folder.web",
        "/DC0/vm/infra-renamed/web",
    ]);
    // `state rm` dropped the output too: the only change may be that output's value.
    let (_, text) = plan_exit_code(&terraform);
    assert!(
        !text.contains("Plan:"),
        "import left resource changes:\n{text}"
    );
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    let (code, text) = plan_exit_code(&terraform);
    assert_eq!(code, Some(0), "plan after import is not empty:\n{text}");

    // A folder that holds something is not destroyed: vSphere would delete the contents.
    soap.create_folder(&web, "not-managed");
    let stderr = failure(&terraform, &["destroy", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Folder is not empty"), "{stderr}");
    assert!(stderr.contains("not-managed"), "{stderr}");
    assert!(soap.find("/DC0/vm/infra-renamed/web/not-managed").is_some());
    let child = soap.id("/DC0/vm/infra-renamed/web/not-managed");
    soap.destroy("Folder", &child);
    soap.wait_for("/DC0/vm/infra-renamed/web/not-managed", false);

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    soap.wait_for("/DC0/vm/infra-renamed", false);
    assert!(soap.find("/DC0/vm/infra-renamed/web").is_none());
}

#[test]
fn acc_an_unknown_datastore_is_a_diagnostic_on_name() {
    let terraform = workdir();
    terraform.write(
        "main.tf",
        r#"data "photon_datastore" "missing" {
  name = "NoSuchDS"
}
"#,
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("Error: Datastore not found"), "{stderr}");
    // Terraform points at the attribute's expression.
    assert!(stderr.contains(r#"name = "NoSuchDS""#), "{stderr}");
    assert!(stderr.contains("available: LocalDS_0"), "{stderr}");
}

#[test]
fn acc_a_bad_password_is_a_clear_login_diagnostic() {
    let terraform = workdir_with_password("wrong-password");
    terraform.write(
        "main.tf",
        &example("data-sources/photon_datacenter/data-source.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("Error: vSphere login failed"), "{stderr}");
    assert!(stderr.contains("vsphere.password"), "{stderr}");
    assert!(
        !stderr.contains("wrong-password"),
        "the password leaked: {stderr}"
    );
}

#[test]
fn acc_a_folder_whose_parent_is_missing_is_a_diagnostic_on_path() {
    let terraform = workdir();
    terraform.write(
        "main.tf",
        r#"data "photon_datacenter" "dc" {}

resource "photon_folder" "orphan" {
  path          = "no-such-parent/child"
  type          = "vm"
  datacenter_id = data.photon_datacenter.dc.id
}
"#,
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("Error: Parent folder not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"path          = "no-such-parent/child""#),
        "{stderr}"
    );
    assert!(stderr.contains("/DC0/vm/no-such-parent"), "{stderr}");
    assert!(Soap::login().find("/DC0/vm/no-such-parent").is_none());
}
