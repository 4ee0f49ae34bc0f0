//! Validation: every rule the installers enforce before touching disks, plus the syntax checks
//! that catch typos early, against one installer generation. Collects all problems.

mod extras;
mod identity;
mod network;
mod software;
mod storage;
pub(crate) mod syntax;

use crate::allowed;
use crate::error::{FieldError, Path};
use crate::support::supported_generations;
use crate::{InstallerGeneration, Kickstart};

/// Runs every rule and returns all problems found.
pub(crate) fn validate(kickstart: &Kickstart, generation: InstallerGeneration) -> Vec<FieldError> {
    let mut ctx = Ctx {
        generation,
        kickstart,
        errors: Vec::new(),
    };
    let root = Path::root();
    for field in present_fields(kickstart) {
        ctx.supported(&root.field(field), field);
    }
    identity::check(&mut ctx);
    storage::check(&mut ctx);
    software::check(&mut ctx);
    network::check(&mut ctx);
    extras::check(&mut ctx);
    ctx.errors
}

/// Validation state: the generation, the kickstart (for cross-field rules) and the findings.
pub(crate) struct Ctx<'k> {
    pub(crate) generation: InstallerGeneration,
    pub(crate) kickstart: &'k Kickstart,
    errors: Vec<FieldError>,
}

impl Ctx<'_> {
    pub(crate) fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.errors.push(path.error(message));
    }

    /// Reports `field` (a dotted docs name) at `path` when the generation does not know it.
    pub(crate) fn supported(&mut self, path: &Path, field: &str) -> bool {
        let generations = supported_generations(field);
        if generations.contains(&self.generation) {
            return true;
        }
        let names: Vec<&str> = generations
            .iter()
            .map(|generation| generation.name())
            .collect();
        self.error(
            path,
            format!(
                "`{field}` is not supported by installer generation `{}` (the installer would abort on \
                 an unknown key); expected installer generation {} or no `{field}`",
                self.generation,
                allowed::list(&names),
            ),
        );
        false
    }

    /// Reports `value` at `path` unless it is one of `values`.
    pub(crate) fn one_of(&mut self, path: &Path, value: &str, values: &[&str]) -> bool {
        if values.contains(&value) {
            return true;
        }
        self.error(
            path,
            format!("expected one of {}; got `{value}`", allowed::list(values)),
        );
        false
    }

    /// Reports an empty (or blank) string at `path`.
    pub(crate) fn non_empty(&mut self, path: &Path, value: &str, what: &str) -> bool {
        if !value.trim().is_empty() {
            return true;
        }
        self.error(path, format!("expected {what}; got an empty string"));
        false
    }

    /// Reports a value that is not a clean absolute path.
    pub(crate) fn absolute_path(&mut self, path: &Path, value: &str, what: &str) -> bool {
        match syntax::absolute_path_problem(value) {
            None => true,
            Some(problem) => {
                self.error(path, format!("expected {what} as an absolute path such as `/boot`; got `{value}`: {problem}"));
                false
            }
        }
    }

    /// `$NAME` in a field photon-os-installer fills from the environment. Returns `true` when
    /// `value` is such a placeholder (valid or reported), so the caller skips its syntax check.
    pub(crate) fn placeholder(&mut self, path: &Path, value: &str) -> bool {
        let Some(name) = syntax::placeholder(value) else {
            return false;
        };
        if !self.generation.is_poi() {
            // The 3.0 installer does not substitute; let the caller report the syntax.
            return false;
        }
        let kickstart = self.kickstart;
        let exported = kickstart.environment.contains_key(name)
            || !kickstart.preinstall.is_empty()
            || !kickstart.preinstall_scripts.is_empty();
        if !exported {
            self.error(
                path,
                format!(
                    "`{value}` is replaced from the environment when the installer starts; expected \
                     `{name}` to be exported by `preinstall` or `preinstall_scripts`, or set in `environment`"
                ),
            );
        }
        true
    }
}

/// Names of the top-level fields that are set. Keep in step with [`Kickstart`]; a test checks.
pub(crate) fn present_fields(k: &Kickstart) -> Vec<&'static str> {
    let fields: &[(&'static str, bool)] = &[
        ("hostname", k.hostname.is_some()),
        ("password", k.password.is_some()),
        ("public_key", k.public_key.is_some()),
        ("public_key_reason", k.public_key_reason.is_some()),
        ("disk", k.disk.is_some()),
        ("disks", !k.disks.is_empty()),
        ("partitions", !k.partitions.is_empty()),
        ("partition_type", k.partition_type.is_some()),
        ("bootmode", k.bootmode.is_some()),
        ("arch", k.arch.is_some()),
        ("packages", !k.packages.is_empty()),
        ("packages_x86_64", !k.packages_x86_64.is_empty()),
        ("packages_aarch64", !k.packages_aarch64.is_empty()),
        ("additional_packages", !k.additional_packages.is_empty()),
        ("packagelist_file", k.packagelist_file.is_some()),
        ("packagelist_files", !k.packagelist_files.is_empty()),
        ("additional_rpms_path", k.additional_rpms_path.is_some()),
        ("linux_flavor", k.linux_flavor.is_some()),
        ("linux_flavor_x86_64", k.linux_flavor_x86_64.is_some()),
        ("linux_flavor_aarch64", k.linux_flavor_aarch64.is_some()),
        ("repos", !k.repos.is_empty()),
        ("insecure_repo", k.insecure_repo.is_some()),
        ("tdnf_cachedir", k.tdnf_cachedir.is_some()),
        ("photon_docker_image", k.photon_docker_image.is_some()),
        ("docker", k.docker.is_some()),
        ("ostree", k.ostree.is_some()),
        ("network", k.network.is_some()),
        ("services", !k.services.is_empty()),
        ("search_path", !k.search_path.is_empty()),
        ("additional_files", !k.additional_files.is_empty()),
        ("preinstall", !k.preinstall.is_empty()),
        ("preinstall_scripts", !k.preinstall_scripts.is_empty()),
        ("prepkgsinstall", !k.prepkgsinstall.is_empty()),
        (
            "prepkgsinstall_scripts",
            !k.prepkgsinstall_scripts.is_empty(),
        ),
        ("postinstall", !k.postinstall.is_empty()),
        ("postinstall_scripts", !k.postinstall_scripts.is_empty()),
        ("firstboot", k.firstboot.is_some()),
        ("ansible", !k.ansible.is_empty()),
        ("environment", !k.environment.is_empty()),
        ("grub", k.grub.is_some()),
        ("user_grub_cfg_file", k.user_grub_cfg_file.is_some()),
        ("setup_grub_script", k.setup_grub_script.is_some()),
        ("security", k.security.is_some()),
        ("dps", k.dps.is_some()),
        ("live", k.live.is_some()),
        ("archives", !k.archives.is_empty()),
        ("build_mounts", !k.build_mounts.is_empty()),
        ("plugins", !k.plugins.is_empty()),
        ("manifest_file", k.manifest_file.is_some()),
        ("eject_cdrom", k.eject_cdrom.is_some()),
        ("ui", k.ui.is_some()),
        ("log_level", k.log_level.is_some()),
        ("no_unmount", k.no_unmount.is_some()),
        ("no_clean", k.no_clean.is_some()),
        ("autopartition", k.autopartition.is_some()),
        ("release_version", k.release_version.is_some()),
    ];
    fields
        .iter()
        .filter(|(_, present)| *present)
        .map(|(name, _)| *name)
        .collect()
}
