//! Secrets never leak: the real Terraform 1.0.3 and Packer 1.6.6 run our plugins at their most
//! verbose (`TF_LOG=trace`, our Packer plugin at debug under `PACKER_LOG=1`) with random secrets
//! made for this run, and the tests fail if any of them (raw, or in base64 at any alignment, or
//! any line of a private key's PEM body) appears in a log file, in stdout or stderr, or in the
//! plan. Terraform's state may hold them (it must, to apply them again): the tests check they are
//! there, that the schema marks them sensitive, and read the effect back through our own clients,
//! which proves each secret really reached the plugin and was used.
//!
//! Covered end to end: the vSphere password (provider block), the Lightwave system and tenant
//! administrator passwords (environment and provider block), a Lightwave user's password, a
//! tenant's RSA signing key, a kickstart root password and the kickstart carrying it, a registry
//! password, the provider's Lightwave bearer tokens; in Packer the vCenter password and an SSH
//! private key. `container_engine.key_material` is only checked to be sensitive in the schema:
//! no TLS-speaking engine runs here. Lightwave solution users and OIDC clients take no secret.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use lightwave::{Client, ConnectOptions};
use photon_test_rig::{
    LightwaveSim, LightwaveSimOptions, PackerDir, Podman, ProviderInstall, Sshd, TerraformDir,
    Vcsim, VcsimOptions,
};
use serde_json::Value;
use vim::spec::OptionValue;

const TENANT: &str = "secrets";
const VM_NAME: &str = "secrets-vm";

/// `count` random bytes as lower-case hex, from the kernel's generator.
fn random_hex(count: usize) -> String {
    let mut bytes = vec![0u8; count];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut bytes)
        .unwrap();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A password unique to this run: `S3cr3t-` and 12 random hex digits (19 characters, within
/// Lightwave's default policy: upper, lower, digit, special, at most 20 characters, no more than
/// 3 identical characters in a row). Nothing else could contain it by chance.
fn random_secret() -> String {
    loop {
        let candidate = format!("S3cr3t-{}", random_hex(6));
        let chars: Vec<char> = candidate.chars().collect();
        if chars.windows(4).all(|run| run.iter().any(|c| *c != run[0])) {
            return candidate;
        }
    }
}

/// A secret and every form in which it must not show up.
struct Secret {
    name: &'static str,
    needles: Vec<String>,
}

impl Secret {
    /// `value` itself and its base64 (standard and URL-safe alphabets) at each of the three
    /// alignments it can have inside a longer encoded text.
    fn password(name: &'static str, value: &str) -> Secret {
        let bytes = value.as_bytes();
        let mut needles = vec![value.to_owned()];
        for skip in 0..3 {
            let aligned = &bytes[skip..];
            let whole = &aligned[..aligned.len() / 3 * 3];
            needles.push(STANDARD.encode(whole));
            needles.push(URL_SAFE.encode(whole));
        }
        needles.dedup();
        Secret { name, needles }
    }

    /// Every line of the PEM body (the base64 of the key, which is also every 64-character
    /// stretch of its one-line base64 DER form).
    fn private_key(name: &'static str, pem: &str) -> Secret {
        let needles: Vec<String> = pem
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("-----") && line.len() >= 16)
            .map(str::to_owned)
            .collect();
        assert!(needles.len() >= 3, "{name}: not a PEM private key");
        Secret { name, needles }
    }

    fn found_in(&self, text: &str) -> bool {
        self.needles.iter().any(|needle| text.contains(needle))
    }
}

/// Where in `text` each secret found there is, naming the secret and the line (never the value).
fn leaks(secrets: &[Secret], place: &str, text: &str) -> Vec<String> {
    let mut leaks = Vec::new();
    for secret in secrets {
        for (number, line) in text.lines().enumerate() {
            if let Some(needle) = secret.needles.iter().find(|needle| line.contains(*needle)) {
                let shown: String = line.replace(needle.as_str(), "<SECRET>");
                let shown: String = shown.chars().take(400).collect();
                leaks.push(format!(
                    "{} in {place}, line {}: {shown}",
                    secret.name,
                    number + 1
                ));
                break;
            }
        }
    }
    leaks
}

/// Panics, naming the secret and the place (never the value), if any secret is in `text`.
fn assert_no_leak(secrets: &[Secret], place: &str, text: &str) {
    let leaks = leaks(secrets, place, text);
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every output of a command, labelled.
struct Captured {
    label: String,
    stdout: String,
    stderr: String,
}

impl Captured {
    fn of(label: impl Into<String>, output: &Output) -> Captured {
        Captured {
            label: label.into(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn assert_no_leak(&self, secrets: &[Secret]) {
        assert_no_leak(secrets, &format!("{} stdout", self.label), &self.stdout);
        assert_no_leak(secrets, &format!("{} stderr", self.label), &self.stderr);
    }
}

/// Runs terraform with `TF_LOG=trace` into `log` (kept in the working directory's parent, out
/// of Terraform's way), panics with the whole output unless it succeeds.
fn terraform_traced(terraform: &TerraformDir, args: &[&str], log: &Path) -> Captured {
    let output = terraform
        .command(args)
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", log)
        .output()
        .unwrap();
    let captured = Captured::of(format!("terraform {}", args[0]), &output);
    assert!(
        output.status.success(),
        "terraform {args:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        captured.stdout,
        captured.stderr
    );
    captured
}

fn lightwave_login(
    runtime: &tokio::runtime::Runtime,
    sim: &LightwaveSim,
    tenant: &str,
    username: &str,
    password: &str,
) -> Result<Client, Box<lightwave::Error>> {
    let mut options = ConnectOptions::new(sim.url(), tenant, username, password);
    options.ca_file = Some(sim.ca_file().to_path_buf());
    runtime.block_on(Client::connect(options)).map_err(Box::new)
}

/// The value at `path` (object keys) in `json`.
fn at<'a>(json: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(json, |value, key| &value[*key])
}

const TERRAFORM_CONFIG: &str = r#"
variable "vsphere_password" {
  type      = string
  sensitive = true
}

variable "tenant_admin_password" {
  type      = string
  sensitive = true
}

variable "user_password" {
  type      = string
  sensitive = true
}

variable "root_password" {
  type      = string
  sensitive = true
}

# vSphere from the block (the password a variable), Lightwave's system tenant from LIGHTWAVE_*.
provider "photon" {
  vsphere {
    password = var.vsphere_password
  }
}

provider "photon" {
  alias = "tenant"

  # VSPHERE_SERVER is set, so every provider configuration needs the vSphere password.
  vsphere {
    password = var.vsphere_password
  }

  lightwave {
    tenant   = "secrets"
    username = "Administrator@secrets"
    password = var.tenant_admin_password
  }
}

data "photon_datacenter" "dc" {
  name = "DC0"
}

data "photon_datastore" "local" {
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_resource_pool" "pool" {
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}

data "photon_kickstart" "root" {
  hostname = "secrets-vm"
  disk     = "/dev/sda"
  packages = ["minimal", "linux", "initramfs"]

  password {
    text = var.root_password
  }
}

resource "photon_virtual_machine" "vm" {
  name             = "secrets-vm"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id
  num_cpus         = 1
  memory           = 256
  power_state      = "off"
  kickstart        = data.photon_kickstart.root.base64

  disk {
    label = "os"
    size  = 1
  }
}

resource "photon_lightwave_tenant" "secrets" {
  name           = "secrets"
  admin_username = "Administrator"
  admin_password = var.tenant_admin_password

  credentials {
    private_key  = file("signing-key.pem")
    certificates = [file("signing-cert.pem")]
  }
}

resource "photon_lightwave_user" "jane" {
  provider = photon.tenant
  tenant   = photon_lightwave_tenant.secrets.name
  name     = "jane"
  password = var.user_password
}

output "kickstart" {
  value     = data.photon_kickstart.root.base64
  sensitive = true
}
"#;

/// Attributes whose schema must say `"sensitive": true`, as paths in
/// `terraform providers schema -json`'s provider entry.
const SENSITIVE_ATTRIBUTES: [&[&str]; 10] = [
    &[
        "provider",
        "block",
        "block_types",
        "vsphere",
        "block",
        "attributes",
        "password",
    ],
    &[
        "provider",
        "block",
        "block_types",
        "lightwave",
        "block",
        "attributes",
        "password",
    ],
    &[
        "provider",
        "block",
        "block_types",
        "container_engine",
        "block",
        "attributes",
        "key_material",
    ],
    &[
        "resource_schemas",
        "photon_lightwave_tenant",
        "block",
        "attributes",
        "admin_password",
    ],
    &[
        "resource_schemas",
        "photon_lightwave_tenant",
        "block",
        "block_types",
        "credentials",
        "block",
        "attributes",
        "private_key",
    ],
    &[
        "resource_schemas",
        "photon_lightwave_user",
        "block",
        "attributes",
        "password",
    ],
    &[
        "resource_schemas",
        "photon_virtual_machine",
        "block",
        "attributes",
        "kickstart",
    ],
    &[
        "resource_schemas",
        "photon_container_image",
        "block",
        "block_types",
        "registry_auth",
        "block",
        "attributes",
        "password",
    ],
    &[
        "data_source_schemas",
        "photon_kickstart",
        "block",
        "block_types",
        "password",
        "block",
        "attributes",
        "text",
    ],
    &[
        "data_source_schemas",
        "photon_kickstart",
        "block",
        "attributes",
        "base64",
    ],
];

/// vSphere password, Lightwave system and tenant administrator passwords, a user's password, a
/// Photon OS root password (and the kickstart carrying it) and a tenant's RSA signing key
/// through plan, apply, plan, show and destroy at `TF_LOG=trace`.
#[test]
fn terraform_trace_logs_and_plans_hold_no_secret() {
    // The plugins are built (or found fresh) first: the timing is the test's own.
    photon_test_rig::plugin_binaries();
    let started = Instant::now();
    let vsphere_password = random_secret();
    let system_password = random_secret();
    let tenant_password = random_secret();
    let user_password = random_secret();
    let root_password = random_secret();

    let vcsim = Vcsim::start(VcsimOptions {
        password: vsphere_password.clone(),
        ..VcsimOptions::default()
    })
    .unwrap();
    let sim = LightwaveSim::start(LightwaveSimOptions {
        admin_password: system_password.clone(),
        ..LightwaveSimOptions::default()
    });

    // No VSPHERE_PASSWORD: the provider block's variable must be what logs in.
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("VSPHERE_SERVER", &vcsim.url)
        .env("VSPHERE_USER", &vcsim.options.username)
        .env("VSPHERE_CA_FILE", &vcsim.ca_file.to_string_lossy())
        .with_lightwave(&sim)
        .env("TF_VAR_vsphere_password", &vsphere_password)
        .env("TF_VAR_tenant_admin_password", &tenant_password)
        .env("TF_VAR_user_password", &user_password)
        .env("TF_VAR_root_password", &root_password);
    terraform.require_this_provider();
    terraform.write("main.tf", TERRAFORM_CONFIG);
    let signing_key =
        rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "secrets-signing");
    let signing_certificate = params.self_signed(&signing_key).unwrap().pem();
    let signing_key_pem = signing_key.serialize_pem();
    terraform.write("signing-key.pem", &signing_key_pem);
    terraform.write("signing-cert.pem", &signing_certificate);

    let mut secrets = vec![
        Secret::password("the vSphere password", &vsphere_password),
        Secret::password(
            "the Lightwave system administrator's password",
            &system_password,
        ),
        Secret::password("the tenant administrator's password", &tenant_password),
        Secret::password("the Lightwave user's password", &user_password),
        Secret::password("the kickstart root password", &root_password),
        Secret::private_key("the tenant's signing key", &signing_key_pem),
        // The provider's Lightwave access and refresh tokens are never seen by the test: any
        // JWT is one of them (the base64 of `{"alg":`, `{"typ":` or `{"kid":` opens each).
        Secret {
            name: "a Lightwave bearer token (JWT)",
            needles: vec![
                "eyJhbGciOi".into(),
                "eyJ0eXAiOi".into(),
                "eyJraWQiOi".into(),
            ],
        },
    ];

    let logs = tempfile::tempdir().unwrap();
    let log = |name: &str| logs.path().join(format!("{name}.log"));
    let mut captured = vec![terraform_traced(
        &terraform,
        &["init", "-no-color"],
        &log("init"),
    )];

    let plan = terraform_traced(
        &terraform,
        &["plan", "-no-color", "-out=secrets.tfplan"],
        &log("plan"),
    );
    assert!(
        plan.stdout
            .contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    captured.push(plan);
    // The saved plan as people and machines read it: the JSON holds the values (like the state),
    // with each sensitive one flagged.
    let shown_plan = terraform.run(&["show", "-no-color", "secrets.tfplan"]);
    captured.push(Captured::of("terraform show (plan)", &shown_plan));
    let plan_json: Value =
        serde_json::from_str(&terraform.ok(&["show", "-json", "secrets.tfplan"])).unwrap();
    let planned_user = plan_json["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["address"] == "photon_lightwave_user.jane")
        .unwrap();
    assert_eq!(planned_user["sensitive_values"]["password"], true);

    captured.push(terraform_traced(
        &terraform,
        &["apply", "-no-color", "-auto-approve", "secrets.tfplan"],
        &log("apply"),
    ));
    eprintln!("applied after {:?}", started.elapsed());

    // The kickstart (base64 of JSON holding the root password) is a secret of its own.
    let outputs: Value = serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap();
    assert_eq!(outputs["kickstart"]["sensitive"], true);
    let kickstart = outputs["kickstart"]["value"].as_str().unwrap().to_owned();
    let kickstart_json: Value =
        serde_json::from_slice(&STANDARD.decode(&kickstart).unwrap()).unwrap();
    assert_eq!(kickstart_json["password"]["text"], root_password.as_str());
    // The detector finds a password inside a longer base64 text, whatever its alignment.
    let root_secret = secrets
        .iter()
        .find(|secret| secret.name == "the kickstart root password")
        .unwrap();
    assert!(
        root_secret.found_in(&kickstart),
        "base64 forms not detected"
    );
    secrets.push(Secret {
        name: "the kickstart (base64)",
        needles: vec![kickstart.clone()],
    });

    // Effects, read back independently: each secret was used.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let soap = runtime
        .block_on(vim::Client::connect(vim::ConnectOptions {
            url: vcsim.url.clone(),
            username: vcsim.options.username.clone(),
            password: vsphere_password.clone(),
            ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
            ..vim::ConnectOptions::default()
        }))
        .unwrap();
    let vm = runtime
        .block_on(soap.find_by_inventory_path(&format!("/DC0/vm/{VM_NAME}")))
        .unwrap()
        .expect("the VM exists: the vSphere password logged in");
    let mut objects = runtime
        .block_on(soap.retrieve_objects(
            std::slice::from_ref(&vm),
            "VirtualMachine",
            &["config.extraConfig"],
        ))
        .unwrap();
    let extra_config =
        OptionValue::from_array(objects.pop().unwrap().get("config.extraConfig").unwrap()).unwrap();
    let delivered = extra_config
        .iter()
        .find(|option| option.key == "guestinfo.kickstart.data")
        .map(|option| option.value.to_text())
        .expect("guestinfo.kickstart.data is set");
    assert_eq!(delivered, kickstart, "the kickstart reached vSphere");

    let jane = lightwave_login(
        &runtime,
        &sim,
        TENANT,
        &format!("jane@{TENANT}"),
        &user_password,
    )
    .unwrap_or_else(|error| panic!("jane cannot log in with her password: {error}"));
    drop(jane);
    assert!(
        lightwave_login(
            &runtime,
            &sim,
            TENANT,
            &format!("jane@{TENANT}"),
            &tenant_password
        )
        .is_err(),
        "a wrong password must not log in (the check above could not fail otherwise)"
    );
    let admin = lightwave_login(
        &runtime,
        &sim,
        TENANT,
        &format!("Administrator@{TENANT}"),
        &tenant_password,
    )
    .unwrap_or_else(|error| panic!("the tenant administrator cannot log in: {error}"));
    runtime.block_on(admin.get_tenant(TENANT)).unwrap();
    let system = lightwave_login(
        &runtime,
        &sim,
        sim.tenant(),
        sim.admin_username(),
        &system_password,
    )
    .unwrap();
    let published: Vec<String> = runtime
        .block_on(system.tenant_certificates(
            TENANT,
            lightwave::CertificateScope::Tenant,
            lightwave::CertificateGranularity::Chain,
        ))
        .unwrap()
        .into_iter()
        .flat_map(|chain| chain.certificates)
        .map(|certificate| certificate.encoded.trim().to_owned())
        .collect();
    assert_eq!(published, vec![signing_certificate.trim().to_owned()]);

    // Terraform keeps in the state what it needs to apply again; provider settings it does not.
    let state = read_text(&terraform.path().join("terraform.tfstate"));
    for (name, value) in [
        ("tenant_password", tenant_password.as_str()),
        ("user_password", user_password.as_str()),
        ("root_password", root_password.as_str()),
        ("kickstart", kickstart.as_str()),
    ] {
        assert!(state.contains(value), "{name} is not in the state");
    }
    let state_key = Secret::private_key("signing key", &signing_key_pem);
    assert!(
        state_key.found_in(&state.replace("\\n", "\n")),
        "the signing key is not in the state"
    );
    // The detector, on real data: the state is where the secrets are allowed to be.
    let in_state = leaks(&secrets, "the state", &state.replace("\\n", "\n"));
    // (the five secrets Terraform keeps; provider settings and tokens it does not)
    assert_eq!(in_state.len(), 5, "{in_state:#?}");
    for secret in [&vsphere_password, &system_password] {
        assert!(
            !state.contains(secret.as_str()),
            "a provider setting is in the state"
        );
    }
    let shown: Value = serde_json::from_str(&terraform.ok(&["show", "-json"])).unwrap();
    let resources = shown["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let sensitive = |address: &str| {
        resources
            .iter()
            .find(|resource| resource["address"] == address)
            .unwrap_or_else(|| panic!("{address} not in terraform show -json"))["sensitive_values"]
            .clone()
    };
    assert_eq!(sensitive("photon_lightwave_user.jane")["password"], true);
    assert_eq!(
        sensitive("photon_lightwave_tenant.secrets")["admin_password"],
        true
    );
    // Terraform 1.0.3 records in `sensitive_values` the marks of the configured value only
    // (sensitive variables, sensitive attributes of other resources), not the schema's: a key
    // read with file() is not flagged there, but the schema check below covers it and the plan
    // renderer hides it by the schema.
    assert_eq!(sensitive("photon_virtual_machine.vm")["kickstart"], true);
    // (The data source's own computed `base64` is not flagged in its state either, for the same
    // reason; the VM's `kickstart`, which references it, is.)
    let schema: Value =
        serde_json::from_str(&terraform.ok(&["providers", "schema", "-json"])).unwrap();
    let provider = &schema["provider_schemas"]["registry.terraform.io/photon-iac/photon"];
    for path in SENSITIVE_ATTRIBUTES {
        assert_eq!(
            at(provider, path)["sensitive"],
            true,
            "{} is not sensitive in the schema",
            path.join(".")
        );
    }
    // The human forms of the state and a no-op plan.
    let shown_state = terraform.run(&["show", "-no-color"]);
    captured.push(Captured::of("terraform show (state)", &shown_state));
    let replan = terraform_traced(
        &terraform,
        &["plan", "-no-color", "-detailed-exitcode"],
        &log("replan"),
    );
    assert!(replan.stdout.contains("No changes."), "{}", replan.stdout);
    captured.push(replan);

    captured.push(terraform_traced(
        &terraform,
        &["destroy", "-no-color", "-auto-approve"],
        &log("destroy"),
    ));
    assert_eq!(
        runtime
            .block_on(soap.find_by_inventory_path(&format!("/DC0/vm/{VM_NAME}")))
            .unwrap(),
        None
    );
    assert!(
        runtime
            .block_on(system.get_tenant(TENANT))
            .unwrap_err()
            .is_not_found()
    );

    // Now the point of it all.
    for output in &captured {
        output.assert_no_leak(&secrets);
    }
    let mut provider_lines = 0;
    for name in ["init", "plan", "apply", "replan", "destroy"] {
        let text = read_text(&log(name));
        provider_lines += text
            .lines()
            .filter(|line| line.contains("provider.terraform-provider-photon"))
            .count();
        assert_no_leak(&secrets, &format!("TF_LOG=trace log of {name}"), &text);
    }
    // The trace logs really carry the provider's own lines (else the check proves little).
    assert!(
        provider_lines > 50,
        "only {provider_lines} provider log lines"
    );
    eprintln!(
        "{} secrets, {} captured outputs, 5 trace logs ({provider_lines} provider lines) clean in {:?}",
        secrets.len(),
        captured.len(),
        started.elapsed()
    );
}

/// A clone provisioned over SSH, the vCenter password from `PKR_VAR_password` and a fresh key
/// for SSH. (Packer 1.6.6 does not log its command line, so `-var password=…` would do as well;
/// the environment keeps it out of `ps`.)
const PACKER_TEMPLATE: &str = r#"
variable "vcenter_server" {
  type = string
}

variable "username" {
  type = string
}

# Not `sensitive`: Packer would then mask the value in its log itself, hiding a leak of ours.
variable "password" {
  type = string
}

variable "ca_file" {
  type = string
}

variable "ssh_private_key_file" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "guest_dir" {
  type = string
}

source "photon-clone" "secrets" {
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  datacenter     = "DC0"
  template       = "DC0_H0_VM0"
  vm_name        = "secrets-packer"
  host           = "DC0_H0"

  # vcsim reports 127.0.0.1, where the test's sshd listens, as the guest's address.
  configuration_parameters = { "SET.guest.ipAddress" = "127.0.0.1" }
  communicator             = "ssh"
  ssh_username             = "root"
  ssh_private_key_file     = var.ssh_private_key_file
  ssh_port                 = var.ssh_port
  ssh_timeout              = "1m"
  ip_settle_timeout        = "1s"

  convert_to_template = true
}

build {
  sources = ["source.photon-clone.secrets"]

  provisioner "shell" {
    inline = ["mkdir -p ${var.guest_dir}", "echo provisioned > ${var.guest_dir}/proof"]
  }
}
"#;

/// `packer build` at `PACKER_LOG=1` with the vCenter password and an SSH private key: neither
/// is in Packer's log (which holds our plugin's own log lines), stdout or stderr.
#[test]
fn packer_log_and_output_hold_no_secret() {
    // The plugins are built (or found fresh) first: the timing is the test's own.
    photon_test_rig::plugin_binaries();
    let started = Instant::now();
    let vcenter_password = random_secret();
    let vcsim = Vcsim::start(VcsimOptions {
        password: vcenter_password.clone(),
        ..VcsimOptions::default()
    })
    .unwrap();
    let sshd = Sshd::shared();
    let key = sshd.new_client_key("ed25519").unwrap();
    sshd.authorize(&key.public_key).unwrap();
    let secrets = [
        Secret::password("the vCenter password", &vcenter_password),
        Secret::private_key("the SSH private key", &key.private_key_pem),
    ];

    let guest = tempfile::tempdir().unwrap();
    let guest_dir = guest.path().join("app");
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("packer.log");
    let packer = PackerDir::new();
    packer.write("secrets.pkr.hcl", PACKER_TEMPLATE);
    let vars = [
        format!("vcenter_server={}", vcsim.url),
        format!("username={}", vcsim.options.username),
        format!("ca_file={}", vcsim.ca_file.display()),
        format!("ssh_private_key_file={}", key.private_key_path.display()),
        format!("ssh_port={}", sshd.port()),
        format!("guest_dir={}", guest_dir.display()),
    ];
    let mut args = vec!["build", "-color=false"];
    for var in &vars {
        args.extend(["-var", var.as_str()]);
    }
    args.push("secrets.pkr.hcl");
    let mut command = packer.command(&args);
    command
        .env("PKR_VAR_password", &vcenter_password)
        .env("PACKER_LOG", "1")
        .env("PACKER_LOG_PATH", &log);
    let output = run_with_deadline(command, Duration::from_secs(180));
    let captured = Captured::of("packer build", &output);
    assert!(
        output.status.success(),
        "packer build failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        captured.stdout,
        captured.stderr
    );

    // Both secrets were used: the clone was made (vCenter login) and provisioned (SSH key).
    assert_eq!(
        std::fs::read_to_string(guest_dir.join("proof")).unwrap(),
        "provisioned\n"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let soap = runtime
        .block_on(vim::Client::connect(vim::ConnectOptions {
            url: vcsim.url.clone(),
            username: vcsim.options.username.clone(),
            password: vcenter_password.clone(),
            ca_pem: Some(std::fs::read(&vcsim.ca_file).unwrap()),
            ..vim::ConnectOptions::default()
        }))
        .unwrap();
    let template = runtime
        .block_on(soap.find_by_inventory_path("/DC0/vm/secrets-packer"))
        .unwrap()
        .expect("the template exists");
    let mut objects = runtime
        .block_on(soap.retrieve_objects(
            std::slice::from_ref(&template),
            "VirtualMachine",
            &["config.template"],
        ))
        .unwrap();
    assert_eq!(
        objects
            .pop()
            .unwrap()
            .get("config.template")
            .and_then(|v| v.as_bool()),
        Some(true)
    );

    captured.assert_no_leak(&secrets);
    let text = read_text(&log);
    // The log holds our plugin's own lines (its stderr, JSON in go-hclog's shape), at debug:
    // Packer 1.6.6 empties PACKER_LOG for its plugins, and the plugin then logs at debug anyway,
    // as Go plugins log everything and Packer's own log setting decides what is kept.
    let plugin_lines = text
        .lines()
        .filter(|line| line.contains("packer-plugin-photon") && line.contains("\"@level\""))
        .count();
    assert!(
        plugin_lines > 5,
        "only {plugin_lines} plugin lines in the log:\n{text}"
    );
    assert_no_leak(&secrets, "PACKER_LOG=1 log", &text);
    eprintln!(
        "packer: 2 secrets, {plugin_lines} plugin log lines clean in {:?}",
        started.elapsed()
    );
}

/// Runs `command` with its output captured, killing it after `limit` (a hung build must fail the
/// test, not block the suite).
fn run_with_deadline(mut command: std::process::Command, limit: Duration) -> Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// A loopback TCP endpoint relaying every connection to the engine's unix socket and keeping
/// what the clients sent: how the test sees the credentials the provider hands the engine.
struct RecordingRelay {
    port: u16,
    sent: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl RecordingRelay {
    fn start(socket: std::path::PathBuf) -> RecordingRelay {
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&sent);
        // Lives as long as the test binary; each connection ends when either side closes.
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let Ok(mut engine) = std::os::unix::net::UnixStream::connect(&socket) else {
                    continue;
                };
                let mut client_reader = client.try_clone().unwrap();
                let mut engine_writer = engine.try_clone().unwrap();
                let record = Arc::clone(&record);
                std::thread::spawn(move || {
                    let mut buffer = [0u8; 16 * 1024];
                    loop {
                        match client_reader.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(count) => {
                                record.lock().unwrap().extend_from_slice(&buffer[..count]);
                                if std::io::Write::write_all(&mut engine_writer, &buffer[..count])
                                    .is_err()
                                {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = engine_writer.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut engine, &mut client);
                    let _ = client.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        RecordingRelay { port, sent }
    }

    fn sent(&self) -> String {
        String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned()
    }
}

/// `photon_container_image.registry_auth.password`: no registry is reachable here, so the pull
/// fails, but only after the provider handed the password to the engine (seen on the wire, in
/// `X-Registry-Auth`); neither the plan, the failed apply's diagnostics nor the trace log hold it.
#[test]
fn terraform_registry_password_reaches_the_engine_and_no_log() {
    // The plugins are built (or found fresh) first: the timing is the test's own.
    photon_test_rig::plugin_binaries();
    let started = Instant::now();
    let registry_password = random_secret();
    let podman = Podman::start().unwrap();
    let socket = podman
        .docker_host()
        .trim_start_matches("unix://")
        .to_owned();
    let relay = RecordingRelay::start(socket.into());
    // Nothing listens there: the engine's pull fails fast.
    let registry = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("DOCKER_HOST", &format!("tcp://127.0.0.1:{}", relay.port))
        .env("TF_VAR_registry_password", &registry_password);
    terraform.require_this_provider();
    terraform.write(
        "main.tf",
        &format!(
            r#"
variable "registry_password" {{
  type      = string
  sensitive = true
}}

provider "photon" {{}}

resource "photon_container_image" "private" {{
  name = "{registry}/secrets/app:1"

  registry_auth {{
    address  = "{registry}"
    username = "robot"
    password = var.registry_password
  }}
}}
"#
        ),
    );
    let secrets = [Secret::password(
        "the registry password",
        &registry_password,
    )];
    let logs = tempfile::tempdir().unwrap();
    let log = |name: &str| logs.path().join(format!("{name}.log"));
    let mut captured = vec![terraform_traced(
        &terraform,
        &["init", "-no-color"],
        &log("init"),
    )];
    let plan = terraform_traced(&terraform, &["plan", "-no-color"], &log("plan"));
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    captured.push(plan);

    let output = terraform
        .command(&["apply", "-no-color", "-auto-approve"])
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", log("apply"))
        .output()
        .unwrap();
    let apply = Captured::of("terraform apply", &output);
    assert!(!output.status.success(), "the pull cannot succeed here");
    assert!(
        apply.stderr.contains("cannot pull") && apply.stderr.contains("secrets/app:1"),
        "{}",
        apply.stderr
    );
    captured.push(apply);

    // The engine got the password (base64url JSON in X-Registry-Auth): it reached the provider
    // and was used.
    let sent = relay.sent();
    assert!(
        sent.to_ascii_lowercase().contains("x-registry-auth:"),
        "no credentials sent to the engine"
    );
    assert!(
        secrets[0].found_in(&sent),
        "the engine did not get the registry password"
    );

    for output in &captured {
        output.assert_no_leak(&secrets);
    }
    for name in ["init", "plan", "apply"] {
        assert_no_leak(
            &secrets,
            &format!("TF_LOG=trace log of {name}"),
            &read_text(&log(name)),
        );
    }
    eprintln!("registry password clean in {:?}", started.elapsed());
}
