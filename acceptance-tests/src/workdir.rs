//! Working directories where the real `terraform` and `packer` run with our plugins.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::plugins::plugin_binaries;
use crate::tools::Tool;

/// The provider's source address as users write it in `required_providers`.
pub const PROVIDER_SOURCE: &str = "photon-iac/photon";
const PROVIDER_HOSTNAME: &str = "registry.terraform.io";

/// How Terraform 1.0.3 finds our provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderInstall {
    /// `dev_overrides` to the freshly built binary: no `terraform init` (1.0.3's init would query the
    /// registry for it and fail), plan and apply straight away, with Terraform's override warning.
    DevOverride,
    /// A `filesystem_mirror` holding a copy of the binary in the unpacked layout, and no other
    /// installation method: `terraform init` installs it and writes the lock file, as for a user.
    FilesystemMirror,
}

/// A temp directory holding the configuration files, plus the environment for one tool.
#[derive(Debug)]
pub struct ToolDir {
    tool: Tool,
    root: TempDir,
    env: Vec<(String, String)>,
}

impl ToolDir {
    fn new(tool: Tool, prefix: &str) -> Self {
        let root = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("the system temp dir must be writable for tests");
        std::fs::create_dir(root.path().join("work")).expect("fresh temp dir");
        Self {
            tool,
            root,
            env: vec![("CHECKPOINT_DISABLE".into(), "1".into())],
        }
    }

    /// Where the configuration lives and the tool runs.
    pub fn path(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Writes `contents` to `name` inside the working directory.
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.path().join(name);
        std::fs::write(&path, contents)
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    }

    /// The command, ready to run in the working directory with the rig's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(self.tool.path());
        command
            .args(args)
            .current_dir(self.path())
            .envs(self.env.iter().map(|(key, value)| (key, value)));
        command
    }

    /// Runs the tool and returns whatever happened.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        command
            .output()
            .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"))
    }

    /// Runs the tool, panics with its whole output unless it succeeds, returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{:?} {args:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            self.tool,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn set_env(&mut self, key: &str, value: &Path) {
        self.env
            .push((key.into(), value.to_string_lossy().into_owned()));
    }
}

/// A `terraform` block requiring this build's provider version from [`PROVIDER_SOURCE`] (for a
/// root module or a child module's own `versions.tf`).
pub fn versions_tf() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    photon = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// A Terraform working directory whose CLI configuration installs our provider.
#[derive(Debug)]
pub struct TerraformDir(ToolDir);

impl TerraformDir {
    /// A fresh directory; `install` picks how Terraform finds `photon-iac/photon`.
    pub fn new(install: ProviderInstall) -> Self {
        let mut dir = ToolDir::new(Tool::Terraform, "photon-tf-");
        let provider = &plugin_binaries().provider;
        let root = dir.root.path().to_path_buf();
        let installation = match install {
            ProviderInstall::DevOverride => {
                let overrides = root.join("dev-overrides");
                std::fs::create_dir(&overrides).expect("fresh temp dir");
                std::os::unix::fs::symlink(provider, overrides.join("terraform-provider-photon"))
                    .expect("symlink in a fresh temp dir");
                format!(
                    "dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}",
                    overrides.display()
                )
            }
            ProviderInstall::FilesystemMirror => {
                let version = env!("CARGO_PKG_VERSION");
                let mirror = root.join("mirror");
                let package = mirror
                    .join(PROVIDER_HOSTNAME)
                    .join(PROVIDER_SOURCE)
                    .join(version)
                    .join("linux_amd64");
                std::fs::create_dir_all(&package).expect("fresh temp dir");
                // A copy, not a link: the lock file's hash must not change if the build does.
                std::fs::copy(
                    provider,
                    package.join(format!("terraform-provider-photon_v{version}")),
                )
                .unwrap_or_else(|error| panic!("copy {}: {error}", provider.display()));
                format!(
                    "filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_HOSTNAME}/{PROVIDER_SOURCE}\"]\n  }}",
                    mirror.display()
                )
            }
        };
        let cli_config = root.join("cli.tfrc");
        std::fs::write(
            &cli_config,
            format!("provider_installation {{\n  {installation}\n}}\n"),
        )
        .expect("fresh temp dir");
        dir.set_env("TF_CLI_CONFIG_FILE", &cli_config);
        dir.set_env("TF_PLUGIN_CACHE_DIR", &root.join("plugin-cache"));
        std::fs::create_dir(root.join("plugin-cache")).expect("fresh temp dir");
        dir.env.push(("TF_IN_AUTOMATION".into(), "1".into()));
        dir.env.push(("TF_INPUT".into(), "0".into()));
        TerraformDir(dir)
    }
}

impl TerraformDir {
    /// Adds an environment variable to every command run here.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.0.env.push((key.into(), value.into()));
        self
    }

    /// Points the provider at `vcsim` through `VSPHERE_SERVER`, `VSPHERE_USER`,
    /// `VSPHERE_PASSWORD` and `VSPHERE_CA_FILE` (TLS verified against the simulator's CA), as a
    /// user's environment would; an empty `provider "photon" {}` block is then enough.
    pub fn with_vcsim(self, vcsim: &crate::Vcsim) -> Self {
        self.env("VSPHERE_SERVER", &vcsim.url)
            .env("VSPHERE_USER", &vcsim.options.username)
            .env("VSPHERE_PASSWORD", &vcsim.options.password)
            .env("VSPHERE_CA_FILE", &vcsim.ca_file.to_string_lossy())
    }

    /// Points the provider at a Lightwave simulator through `LIGHTWAVE_ENDPOINT`,
    /// `LIGHTWAVE_TENANT`, `LIGHTWAVE_USERNAME`, `LIGHTWAVE_PASSWORD` and `LIGHTWAVE_CA_FILE`
    /// (TLS verified against the simulator's CA), as a user's environment would.
    pub fn with_lightwave(self, lightwave: &crate::LightwaveSim) -> Self {
        lightwave
            .env()
            .into_iter()
            .fold(self, |dir, (key, value)| dir.env(&key, &value))
    }

    /// Writes [`versions_tf`] as `versions.tf`.
    pub fn require_this_provider(&self) {
        self.write("versions.tf", &versions_tf());
    }

    /// Copies a file of the repository's `examples/` into the working directory.
    pub fn copy_example(&self, example: &str, name: &str) {
        let source = crate::project_root().join("examples").join(example);
        let contents = std::fs::read_to_string(&source)
            .unwrap_or_else(|error| panic!("read {}: {error}", source.display()));
        self.write(name, &contents);
    }
}

impl Deref for TerraformDir {
    type Target = ToolDir;
    fn deref(&self) -> &ToolDir {
        &self.0
    }
}

/// A Packer working directory whose plugin path holds our plugin.
#[derive(Debug)]
pub struct PackerDir(ToolDir);

impl PackerDir {
    /// A fresh directory with `packer-plugin-photon` on `PACKER_PLUGIN_PATH` and a config dir of
    /// its own (so a user's `~/.packer.d` never takes part).
    pub fn new() -> Self {
        let mut dir = ToolDir::new(Tool::Packer, "photon-packer-");
        let root = dir.root.path().to_path_buf();
        let plugins = root.join("plugins");
        std::fs::create_dir(&plugins).expect("fresh temp dir");
        std::os::unix::fs::symlink(
            &plugin_binaries().packer_plugin,
            plugins.join("packer-plugin-photon"),
        )
        .expect("symlink in a fresh temp dir");
        dir.set_env("PACKER_PLUGIN_PATH", &plugins);
        dir.set_env("PACKER_CONFIG_DIR", &root);
        dir.set_env("PACKER_CACHE_DIR", &root.join("cache"));
        PackerDir(dir)
    }
}

impl Default for PackerDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for PackerDir {
    type Target = ToolDir;
    fn deref(&self) -> &ToolDir {
        &self.0
    }
}
