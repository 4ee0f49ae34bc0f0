//! The test rig: the real components the suite is tested against, started on loopback.
//!
//! - [`Vcsim`]: govmomi's vCenter simulator through our launcher, with TLS and credentials;
//! - [`Podman`]: a Podman API service (Docker-compatible) with its own storage, and a busybox image
//!   imported from a tarball;
//! - [`TerraformDir`]: a working directory where the real `terraform` 1.0.3 runs with our provider;
//! - [`PackerDir`]: a working directory where the real `packer` 1.6.6 runs with our plugin;
//! - [`LightwaveSim`]: our Lightwave simulator (`lightwave-sim`), run in-process over HTTPS with
//!   its own CA;
//! - [`Sshd`]: Debian's OpenSSH server with host and client keys of its own, letting root in by key.
//!
//! Services start once per test binary ([`Vcsim::shared`], [`Podman::shared`]) or per test
//! ([`Vcsim::start`]). Each runs under a tether: a small shell that stops it and deletes its files when
//! the owning process goes away, whether it exits, panics or is killed. The tools come from
//! `scripts/bootstrap`; a missing one fails the test with the command that installs it.

mod lightwave;
mod plugins;
mod podman;
mod sshd;
mod tether;
mod tools;
mod vcsim;
mod workdir;

pub use lightwave::LightwaveSim;
/// Options of [`LightwaveSim::start`] (the simulator's own).
pub use lightwave_sim::SimOptions as LightwaveSimOptions;
pub use plugins::{PluginBinaries, plugin_binaries};
pub use podman::{BUSYBOX_IMAGE, Podman};
pub use sshd::{ClientKey, Sshd};
pub use tether::Tethered;
pub use tools::{Tool, project_root, tools_dir};
pub use vcsim::{Vcsim, VcsimOptions};
pub use workdir::{
    PROVIDER_SOURCE, PackerDir, ProviderInstall, TerraformDir, ToolDir, versions_tf,
};
