//! The release artifacts installed the way users install them, with no development overrides:
//!
//! - `cargo xtask release` output checked independently (SHA256SUMS, the zip's one executable);
//! - Terraform 1.0.3 installing the zip from a `filesystem_mirror` (packed layout) and from the
//!   implied `~/.terraform.d/plugins` mirror: `terraform init` writes the lock file with the hash
//!   computed here, then apply/destroy a folder on vcsim, read back through `vim::Client`;
//! - Packer 1.6.6 finding the released plugin in its plugin directory
//!   (`$PACKER_CONFIG_DIR/.packer.d/plugins`) as `scripts/install-packer-plugin` puts it there:
//!   `packer validate` and a `photon-clone` build to a template, read back through `vim::Client`;
//! - the Packer 1.7+ layout `packer plugins install --path` writes, byte for byte.
//!
//! The artifacts are built with `--profile dev`: CI has the debug build already, and the profile
//! changes only compilation, not how the artifacts are named, packed or summed.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use photon_test_rig::{PROVIDER_SOURCE, Tool, Vcsim, project_root};
use sha2::{Digest, Sha256};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const PLATFORM: &str = "linux_amd64";

fn zip_name() -> String {
    format!("terraform-provider-photon_{VERSION}_{PLATFORM}.zip")
}

fn packer_plugin_name() -> String {
    format!("packer-plugin-photon_v{VERSION}_x5.0_{PLATFORM}")
}

/// `target/` of the running test binary (`target/<profile>/deps/install-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The release directory, built once per test binary through the xtask command users run.
fn release() -> &'static Path {
    static RELEASE: OnceLock<PathBuf> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let out = tempfile::Builder::new()
            .prefix("photon-release-")
            .tempdir()
            .unwrap()
            .keep();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let started = Instant::now();
        let output = Command::new(&cargo)
            .current_dir(project_root())
            .env("CARGO_TARGET_DIR", target_dir())
            .args(["run", "--quiet", "-p", "xtask", "--", "release"])
            .args(["--profile", "dev", "--out"])
            .arg(&out)
            .output()
            .unwrap_or_else(|error| {
                panic!("cannot run {cargo:?}: {error} (install Rust with rustup)")
            });
        assert!(
            output.status.success(),
            "cargo xtask release failed:\n{}",
            text(&output)
        );
        eprintln!(
            "cargo xtask release --profile dev took {:?}",
            started.elapsed()
        );
        out
    })
}

fn text(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The zip's entries as (name, unix mode, content).
fn zip_entries(zip: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (
                entry.name().to_owned(),
                entry.unix_mode().unwrap_or(0) & 0o777,
                content,
            )
        })
        .collect()
}

/// Terraform's `h1:` package hash (Go's dirhash Hash1) of the unpacked zip: over the files
/// sorted by name, `sha256hex  name\n` lines, hashed again and base64-encoded.
fn h1_hash(zip: &[u8]) -> String {
    let mut entries = zip_entries(zip);
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let summary: String = entries
        .iter()
        .map(|(name, _, content)| format!("{}  {name}\n", sha256_hex(content)))
        .collect();
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    )
}

#[test]
fn release_artifacts_check_out_independently() {
    let dir = release();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let plugin = packer_plugin_name();
    let mut expected = vec![
        plugin.clone(),
        format!("{plugin}_SHA256SUM"),
        format!("terraform-provider-photon_{VERSION}_SHA256SUMS"),
        format!("terraform-provider-photon_{VERSION}_manifest.json"),
        zip_name(),
        "terraform-registry-manifest.json".to_owned(),
    ];
    expected.sort();
    assert_eq!(names, expected);

    // SHA256SUMS: `sha256sum -c` format over the zip and the manifest, sorted by name.
    let sums = std::fs::read_to_string(
        dir.join(format!("terraform-provider-photon_{VERSION}_SHA256SUMS")),
    )
    .unwrap();
    let listed: Vec<(&str, &str)> = sums
        .lines()
        .map(|line| line.split_once("  ").unwrap())
        .collect();
    let manifest_name = format!("terraform-provider-photon_{VERSION}_manifest.json");
    let zip_name = zip_name();
    assert_eq!(
        listed.iter().map(|(_, name)| *name).collect::<Vec<_>>(),
        vec![zip_name.as_str(), manifest_name.as_str()]
    );
    for (sum, name) in &listed {
        assert_eq!(
            *sum,
            sha256_hex(&std::fs::read(dir.join(name)).unwrap()),
            "{name}"
        );
    }
    assert!(sums.ends_with('\n'));
    let check = Command::new("sha256sum")
        .current_dir(dir)
        .args(["--check", "--strict"])
        .arg(format!("terraform-provider-photon_{VERSION}_SHA256SUMS"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));

    // The manifest the registry reads: protocol 6.0 and 5.0.
    for name in [manifest_name.as_str(), "terraform-registry-manifest.json"] {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap();
        assert_eq!(
            manifest,
            serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0", "5.0"]}}),
            "{name}"
        );
    }

    // The zip: one executable named as the registry's providers name it, the freshly built
    // provider, answering --version with the release's version.
    let zip = std::fs::read(dir.join(&zip_name)).unwrap();
    let entries = zip_entries(&zip);
    assert_eq!(entries.len(), 1);
    let (name, entry_mode, content) = &entries[0];
    assert_eq!(name, &format!("terraform-provider-photon_v{VERSION}"));
    assert_eq!(*entry_mode, 0o755);
    let unpacked = tempfile::tempdir().unwrap();
    let binary = unpacked.path().join(name);
    std::fs::write(&binary, content).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let version = Command::new(&binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("terraform-provider-photon {VERSION}")
    );

    // The Packer plugin and its checksum file (bare lowercase hex, nothing else).
    let plugin_path = dir.join(&plugin);
    assert_eq!(mode(&plugin_path), 0o755);
    let sum = std::fs::read(dir.join(format!("{plugin}_SHA256SUM"))).unwrap();
    assert_eq!(
        sum,
        sha256_hex(&std::fs::read(&plugin_path).unwrap()).into_bytes()
    );
    let version = Command::new(&plugin_path)
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("packer-plugin-photon {VERSION}")
    );
}

/// A user's machine: an empty HOME, nothing of ours anywhere but where the test puts it.
struct UserMachine {
    root: tempfile::TempDir,
}

impl UserMachine {
    fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("photon-install-")
            .tempdir()
            .unwrap();
        for dir in ["home", "work"] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
        }
        UserMachine { root }
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    fn command(&self, tool: Tool, args: &[&str]) -> Command {
        let mut command = Command::new(tool.path());
        command
            .args(args)
            .current_dir(self.work())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0");
        command
    }

    fn ok(&self, command: &mut Command) -> String {
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
        assert!(output.status.success(), "{command:?}\n{}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// `terraform init` in `machine`'s work dir, then the lock file's entry for our provider must be
/// exactly the release's version with the hash Terraform computes for the unpacked zip.
fn init_and_check_lock(machine: &UserMachine, env: &[(&str, &Path)]) {
    let mut init = machine.command(Tool::Terraform, &["init", "-no-color"]);
    init.envs(env.iter().map(|(key, value)| (key, value)));
    let stdout = machine.ok(&mut init);
    assert!(
        stdout.contains(&format!("Installing {PROVIDER_SOURCE} v{VERSION}")),
        "{stdout}"
    );
    assert!(!stdout.contains("override"), "{stdout}");

    let lock = std::fs::read_to_string(machine.work().join(".terraform.lock.hcl")).unwrap();
    let zip = std::fs::read(release().join(zip_name())).unwrap();
    // Terraform 1.0.3 records only the `h1:` hash of what it unpacked when the package comes from
    // a mirror (no `zh:`: that one comes from a registry's signed SHA256SUMS).
    let expected = format!(
        "provider \"registry.terraform.io/{PROVIDER_SOURCE}\" {{\n  version     = \"{VERSION}\"\n  constraints = \"{VERSION}\"\n  hashes = [\n    \"{}\",\n  ]\n}}\n",
        h1_hash(&zip)
    );
    assert!(
        lock.contains(&expected),
        "lock file:\n{lock}\nexpected:\n{expected}"
    );
}

fn versions_and_provider_tf() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    photon = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n\nprovider \"photon\" {{}}\n"
    )
}

/// Our view of vcsim's inventory, independent of the plugins.
struct Inventory {
    client: vim::Client,
    runtime: tokio::runtime::Runtime,
}

impl Inventory {
    fn login(vcsim: &Vcsim) -> Inventory {
        let (runtime, client) = common::vim_login(vcsim);
        Inventory { client, runtime }
    }

    fn find(&self, path: &str) -> Option<vim::ManagedObjectReference> {
        self.runtime
            .block_on(self.client.find_by_inventory_path(path))
            .unwrap()
    }

    fn is_template(&self, vm: &vim::ManagedObjectReference) -> bool {
        let mut objects = self
            .runtime
            .block_on(self.client.retrieve_objects(
                std::slice::from_ref(vm),
                "VirtualMachine",
                &["config.template"],
            ))
            .unwrap();
        objects
            .pop()
            .unwrap()
            .get("config.template")
            .and_then(|value| value.as_bool())
            .unwrap_or(false)
    }
}

#[test]
fn terraform_installs_the_release_zip_from_a_filesystem_mirror_and_applies() {
    let started = Instant::now();
    let vcsim = Vcsim::shared();
    let machine = UserMachine::new();
    // The packed layout: HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip.
    let mirror = machine.root.path().join("mirror");
    let namespace = mirror.join("registry.terraform.io").join(PROVIDER_SOURCE);
    std::fs::create_dir_all(&namespace).unwrap();
    std::fs::copy(release().join(zip_name()), namespace.join(zip_name())).unwrap();
    let cli_config = machine.root.path().join("terraform.rc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/{PROVIDER_SOURCE}\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .unwrap();
    let folder = "install-test-folder";
    std::fs::write(
        machine.work().join("main.tf"),
        format!(
            "{}\ndata \"photon_datacenter\" \"dc\" {{\n  name = \"DC0\"\n}}\n\nresource \"photon_folder\" \"installed\" {{\n  path          = \"{folder}\"\n  type          = \"vm\"\n  datacenter_id = data.photon_datacenter.dc.id\n}}\n",
            versions_and_provider_tf()
        ),
    )
    .unwrap();
    let env: [(&str, &Path); 1] = [("TF_CLI_CONFIG_FILE", &cli_config)];
    init_and_check_lock(&machine, &env);

    let terraform = |args: &[&str]| {
        let mut command = machine.command(Tool::Terraform, args);
        command
            .env("TF_CLI_CONFIG_FILE", &cli_config)
            .env("VSPHERE_SERVER", &vcsim.url)
            .env("VSPHERE_USER", &vcsim.options.username)
            .env("VSPHERE_PASSWORD", &vcsim.options.password)
            .env("VSPHERE_CA_FILE", &vcsim.ca_file);
        command
    };
    let inventory = Inventory::login(vcsim);
    let path = format!("DC0/vm/{folder}");
    assert_eq!(inventory.find(&path), None, "{path} exists before apply");
    let applied = machine.ok(&mut terraform(&["apply", "-no-color", "-auto-approve"]));
    assert!(!applied.contains("overrides"), "{applied}");
    let created = inventory
        .find(&path)
        .unwrap_or_else(|| panic!("apply did not create {path}:\n{applied}"));
    assert_eq!(created.kind, "Folder");
    machine.ok(&mut terraform(&["destroy", "-no-color", "-auto-approve"]));
    assert_eq!(inventory.find(&path), None, "destroy left {path}");
    eprintln!(
        "filesystem mirror init/apply/destroy took {:?}",
        started.elapsed()
    );
}

#[test]
fn terraform_finds_the_release_zip_in_the_implied_user_mirror() {
    // No CLI configuration at all: `~/.terraform.d/plugins` is one of Terraform's implied mirrors.
    let machine = UserMachine::new();
    let namespace = machine
        .home()
        .join(".terraform.d/plugins/registry.terraform.io")
        .join(PROVIDER_SOURCE);
    std::fs::create_dir_all(&namespace).unwrap();
    std::fs::copy(release().join(zip_name()), namespace.join(zip_name())).unwrap();
    std::fs::write(machine.work().join("main.tf"), versions_and_provider_tf()).unwrap();
    init_and_check_lock(&machine, &[]);
    let validated = machine.ok(&mut machine.command(Tool::Terraform, &["validate", "-no-color"]));
    assert!(
        validated.contains("The configuration is valid"),
        "{validated}"
    );
}

/// `scripts/install-packer-plugin --binary <released plugin> [DIR]`, with `env`.
fn install_packer_plugin(machine: &UserMachine, dir: Option<&Path>, env: &[(&str, &Path)]) {
    let mut command = Command::new(project_root().join("scripts/install-packer-plugin"));
    command
        .arg("--binary")
        .arg(release().join(packer_plugin_name()))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", machine.home())
        .envs(env.iter().map(|(key, value)| (key, value)));
    if let Some(dir) = dir {
        command.arg(dir);
    }
    machine.ok(&mut command);
}

#[test]
fn packer_1_6_6_finds_the_released_plugin_in_its_plugin_directory_and_builds() {
    let started = Instant::now();
    let vcsim = Vcsim::shared();
    let machine = UserMachine::new();
    let config_dir = machine.root.path().join("packer-config");
    std::fs::create_dir(&config_dir).unwrap();

    let template_name = "install-test-template";
    std::fs::write(
        machine.work().join("build.pkr.hcl"),
        format!(
            r#"variable "vcenter_server" {{
  type = string
}}

variable "username" {{
  type = string
}}

variable "password" {{
  type      = string
  sensitive = true
}}

variable "ca_file" {{
  type = string
}}

source "photon-clone" "installed" {{
  vcenter_server = var.vcenter_server
  username       = var.username
  password       = var.password
  ca_file        = var.ca_file
  datacenter     = "DC0"

  template = "DC0_H0_VM0"
  vm_name  = "{template_name}"
  host     = "DC0_H0"

  communicator        = "none"
  convert_to_template = true
}}

build {{
  sources = ["source.photon-clone.installed"]
}}
"#
        ),
    )
    .unwrap();
    let packer = |args: &[&str]| {
        let mut command = machine.command(Tool::Packer, args);
        command
            .env("PACKER_CONFIG_DIR", &config_dir)
            .env("PACKER_CACHE_DIR", machine.root.path().join("packer-cache"))
            .args([
                "-var",
                &format!("vcenter_server={}", vcsim.url),
                "-var",
                &format!("username={}", vcsim.options.username),
                "-var",
                &format!("password={}", vcsim.options.password),
                "-var",
                &format!("ca_file={}", vcsim.ca_file.display()),
                "build.pkr.hcl",
            ]);
        command
    };
    // Nothing installed yet: Packer does not know the component.
    let before = packer(&["validate"]).output().unwrap();
    assert!(!before.status.success(), "{}", text(&before));
    assert!(
        String::from_utf8_lossy(&before.stdout).contains("Unknown source type photon-clone")
            || String::from_utf8_lossy(&before.stderr).contains("Unknown source type photon-clone"),
        "{}",
        text(&before)
    );

    // No directory given: the script picks the one Packer reads, $PACKER_CONFIG_DIR/.packer.d/plugins.
    install_packer_plugin(&machine, None, &[("PACKER_CONFIG_DIR", &config_dir)]);
    let installed = config_dir.join(".packer.d/plugins/packer-plugin-photon");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(release().join(packer_plugin_name())).unwrap()
    );
    let validated = packer(&["validate"])
        .env("PACKER_LOG", "1")
        .output()
        .unwrap();
    assert!(validated.status.success(), "{}", text(&validated));
    let log = String::from_utf8_lossy(&validated.stderr);
    assert!(
        log.contains(&format!(
            "Discovered plugin: photon = {}",
            installed.display()
        )),
        "{log}"
    );

    let inventory = Inventory::login(vcsim);
    let path = format!("DC0/vm/{template_name}");
    assert_eq!(inventory.find(&path), None);
    let mut build = packer(&["build", "-color=false"]);
    let output = run_with_deadline(&mut build, Duration::from_secs(240));
    assert!(output.status.success(), "{}", text(&output));
    let built = String::from_utf8_lossy(&output.stdout);
    assert!(built.contains("photon-clone.installed"), "{built}");
    let vm = inventory
        .find(&path)
        .unwrap_or_else(|| panic!("the build made no {path}:\n{built}"));
    assert_eq!(vm.kind, "VirtualMachine");
    assert!(inventory.is_template(&vm), "{path} is not a template");
    eprintln!(
        "packer 1.6.6 install/validate/build took {:?}",
        started.elapsed()
    );
}

/// Runs `command`, killing it after `limit` (a hung build must fail the test, not block it).
fn run_with_deadline(command: &mut Command, limit: Duration) -> Output {
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(limit) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("{command:?} did not finish within {limit:?}");
        }
    }
}

#[test]
fn the_packer_1_7_layout_is_what_packer_plugins_install_writes() {
    let machine = UserMachine::new();
    let plugins = machine.root.path().join("plugins");
    install_packer_plugin(&machine, Some(&plugins), &[]);

    let name = packer_plugin_name();
    let namespace = plugins.join("github.com/photon-iac/photon");
    let mut files: Vec<String> = std::fs::read_dir(&namespace)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, vec![name.clone(), format!("{name}_SHA256SUM")]);

    let binary = namespace.join(&name);
    let released = std::fs::read(release().join(&name)).unwrap();
    assert_eq!(
        std::fs::read(&binary).unwrap(),
        released,
        "the released bytes"
    );
    assert_eq!(mode(&binary), 0o755);
    let sum_file = namespace.join(format!("{name}_SHA256SUM"));
    assert_eq!(mode(&sum_file), 0o644);
    let sum = std::fs::read(&sum_file).unwrap();
    // Exactly 64 lowercase hex characters: no newline, no file name.
    assert_eq!(sum.len(), 64);
    assert!(
        sum.iter()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    );
    assert_eq!(sum, sha256_hex(&released).into_bytes());
    // The same bytes as the release's own checksum file: script and xtask agree.
    assert_eq!(
        sum,
        std::fs::read(release().join(format!("{name}_SHA256SUM"))).unwrap()
    );

    // What Packer 1.7+ checks against the file name.
    let describe = Command::new(&binary).arg("describe").output().unwrap();
    assert!(describe.status.success(), "{}", text(&describe));
    let description: serde_json::Value = serde_json::from_slice(&describe.stdout).unwrap();
    assert_eq!(description["version"], VERSION);
    assert_eq!(description["api_version"], "x5.0");
    assert!(name.starts_with(&format!(
        "packer-plugin-photon_v{}_{}_",
        description["version"].as_str().unwrap(),
        description["api_version"].as_str().unwrap()
    )));
}
