//! Files, scripts, services, environment, boot loader, security, image-build and installer
//! settings.

use super::{Ctx, syntax};
use crate::InstallerGeneration;
use crate::allowed;
use crate::error::Path;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    files_and_scripts(ctx);
    services_and_environment(ctx);
    boot_and_security(ctx);
    image_build(ctx);
    installer(ctx);
}

fn names(ctx: &mut Ctx<'_>, field: &str, values: &[String], what: &str) {
    let path = Path::root().field(field);
    for (index, value) in values.iter().enumerate() {
        ctx.non_empty(&path.index(index), value, what);
    }
}

fn files_and_scripts(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    names(ctx, "search_path", &kickstart.search_path, "a directory");
    names(
        ctx,
        "preinstall_scripts",
        &kickstart.preinstall_scripts,
        "a script file name",
    );
    names(
        ctx,
        "prepkgsinstall_scripts",
        &kickstart.prepkgsinstall_scripts,
        "a script file name",
    );
    names(
        ctx,
        "postinstall_scripts",
        &kickstart.postinstall_scripts,
        "a script file name",
    );
    for (index, file) in kickstart.additional_files.iter().enumerate() {
        let entry = root.field("additional_files").index(index);
        ctx.non_empty(
            &entry.field("source"),
            &file.source,
            "a file or directory in `search_path`, or a URL",
        );
        if ctx.non_empty(
            &entry.field("destination"),
            &file.destination,
            "the destination path in the target",
        ) {
            ctx.absolute_path(
                &entry.field("destination"),
                &file.destination,
                "the destination in the target",
            );
        }
    }
    if let Some(firstboot) = &kickstart.firstboot {
        let scripts = root.field("firstboot").field("scripts");
        for (index, script) in firstboot.scripts.iter().enumerate() {
            ctx.non_empty(&scripts.index(index), script, "a script file");
        }
    }
    for (index, playbook) in kickstart.ansible.iter().enumerate() {
        let entry = root.field("ansible").index(index);
        ctx.non_empty(
            &entry.field("playbook"),
            &playbook.playbook,
            "a playbook file",
        );
        if let Some(verbosity) = playbook.verbosity {
            if verbosity < 0 {
                ctx.error(
                    &entry.field("verbosity"),
                    format!("expected a verbosity of 0 or more; got {verbosity}"),
                );
            }
        }
        for (var_index, var) in playbook.extra_vars.iter().enumerate() {
            ctx.non_empty(
                &entry.field("extra_vars").index(var_index),
                var,
                "an extra variable such as `key=value`",
            );
        }
    }
}

fn services_and_environment(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    for (unit, state) in &kickstart.services {
        let entry = root.field("services").key(unit);
        if !syntax::id_ok(unit) {
            ctx.error(
                &entry,
                format!("expected a systemd unit name without whitespace or '/'; got `{unit}`"),
            );
        }
        ctx.one_of(&entry, state, allowed::SERVICE_STATES);
    }
    for name in kickstart.environment.keys() {
        if !syntax::env_name_ok(name) {
            ctx.error(
                &root.field("environment").key(name),
                format!("expected an environment variable name (letters, digits, '_', not starting with a digit); got `{name}`"),
            );
        }
    }
}

fn boot_and_security(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(grub) = &kickstart.grub {
        if !syntax::grub_pbkdf2_ok(grub.password_pbkdf2.expose()) {
            ctx.error(
                &root.field("grub").field("password_pbkdf2"),
                "expected a hash as printed by `grub-mkpasswd-pbkdf2`: \
                 `grub.pbkdf2.sha512.<iterations>.<salt hex>.<hash hex>`; the value given is not one (not shown)",
            );
        }
    }
    for (field, value) in [
        ("user_grub_cfg_file", &kickstart.user_grub_cfg_file),
        ("setup_grub_script", &kickstart.setup_grub_script),
    ] {
        if let Some(value) = value {
            ctx.non_empty(&root.field(field), value, "a file name");
        }
    }
    if let Some(security) = &kickstart.security {
        if let Some(mode) = &security.selinux {
            ctx.one_of(
                &root.field("security").field("selinux"),
                mode,
                allowed::SELINUX_MODES,
            );
        }
    }
}

fn image_build(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    for (index, archive) in kickstart.archives.iter().enumerate() {
        let entry = root.field("archives").index(index);
        if let Some(filename) = &archive.filename {
            ctx.non_empty(
                &entry.field("filename"),
                filename,
                "an archive file name such as `rootfs.tar.gz`",
            );
        }
        if let Some(dir) = &archive.root {
            ctx.absolute_path(&entry.field("root"), dir, "the directory to archive");
        }
        for (path_index, excluded) in archive.exclude_paths.iter().enumerate() {
            ctx.non_empty(
                &entry.field("exclude_paths").index(path_index),
                excluded,
                "a path to leave out",
            );
        }
    }
    for (field, value) in [
        ("manifest_file", &kickstart.manifest_file),
        ("tdnf_cachedir", &kickstart.tdnf_cachedir),
    ] {
        if let Some(value) = value {
            ctx.non_empty(&root.field(field), value, "a path");
        }
    }
}

fn installer(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(level) = &kickstart.log_level {
        ctx.one_of(&root.field("log_level"), level, allowed::LOG_LEVELS);
    }
    match &kickstart.release_version {
        Some(version) if !syntax::release_version_ok(version) => ctx.error(
            &root.field("release_version"),
            format!("expected a release such as `3.0`; got `{version}`"),
        ),
        // The 3.0 installer reads it to install the base system; its kickstart reference lists it
        // as required.
        None if ctx.generation == InstallerGeneration::Photon3 => ctx.error(
            &root.field("release_version"),
            "expected the release being installed, e.g. `3.0` (required by installer generation `photon-3.0`)",
        ),
        _ => {}
    }
}
