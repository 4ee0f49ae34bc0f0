//! Packages, kernel flavor, repositories, container images and OSTree.

use super::{Ctx, syntax};
use crate::InstallerGeneration;
use crate::allowed;
use crate::error::Path;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    packages(ctx);
    flavors(ctx);
    repos(ctx);
    containers(ctx);
    ostree(ctx);
}

fn package_list(ctx: &mut Ctx<'_>, field: &str, packages: &[String]) {
    let path = Path::root().field(field);
    for (index, package) in packages.iter().enumerate() {
        if !syntax::package_ok(package) {
            ctx.error(
                &path.index(index),
                format!("expected a package name, optionally `name=version`, without whitespace; got `{package}`"),
            );
        }
    }
}

fn packages(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    package_list(ctx, "packages", &kickstart.packages);
    package_list(ctx, "packages_x86_64", &kickstart.packages_x86_64);
    package_list(ctx, "packages_aarch64", &kickstart.packages_aarch64);
    package_list(ctx, "additional_packages", &kickstart.additional_packages);
    if let Some(file) = &kickstart.packagelist_file {
        ctx.non_empty(
            &root.field("packagelist_file"),
            file,
            "a package list file name such as `packages_minimal.json`",
        );
    }
    for (index, file) in kickstart.packagelist_files.iter().enumerate() {
        ctx.non_empty(
            &root.field("packagelist_files").index(index),
            file,
            "a package list file name",
        );
    }
    if let Some(path) = &kickstart.additional_rpms_path {
        ctx.non_empty(
            &root.field("additional_rpms_path"),
            path,
            "a directory of RPMs",
        );
    }
    // An OSTree install deploys a tree instead of packages.
    let has_source = !kickstart.packages.is_empty()
        || kickstart.packagelist_file.is_some()
        || !kickstart.packagelist_files.is_empty()
        || !kickstart.packages_x86_64.is_empty()
        || !kickstart.packages_aarch64.is_empty();
    if !has_source && kickstart.ostree.is_none() {
        let expected = if ctx.generation.is_poi() {
            "expected a package set: `packages`, `packagelist_file` or `packagelist_files`"
        } else {
            "expected a package set: `packages` or `packagelist_file`"
        };
        ctx.error(&root.field("packages"), expected);
    }
}

fn flavors(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    for (field, value) in [
        ("linux_flavor", &kickstart.linux_flavor),
        ("linux_flavor_x86_64", &kickstart.linux_flavor_x86_64),
        ("linux_flavor_aarch64", &kickstart.linux_flavor_aarch64),
    ] {
        if let Some(flavor) = value {
            ctx.one_of(&root.field(field), flavor, allowed::LINUX_FLAVORS);
        }
    }
    // The 3.0 installer only infers the flavor when the package set names exactly one kernel; it
    // aborts otherwise. With a package list file the set is unknown here, so only explicit lists
    // are checked. photon-os-installer defaults to `linux` instead.
    if ctx.generation == InstallerGeneration::Photon3
        && kickstart.linux_flavor.is_none()
        && kickstart.ostree.is_none()
        && kickstart.packagelist_file.is_none()
        && !kickstart.packages.is_empty()
    {
        let kernels: Vec<&str> = kickstart
            .packages
            .iter()
            .chain(&kickstart.additional_packages)
            .map(String::as_str)
            .filter(|package| allowed::LINUX_FLAVORS.contains(package))
            .collect();
        if kernels.len() != 1 {
            ctx.error(
                &root.field("linux_flavor"),
                format!(
                    "expected `linux_flavor` (one of {}) because `packages` names {} kernel flavors and the \
                     `photon-3.0` installer cannot choose",
                    allowed::list(allowed::LINUX_FLAVORS),
                    kernels.len()
                ),
            );
        }
    }
}

fn repos(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let path = Path::root().field("repos");
    for (id, repo) in &kickstart.repos {
        let entry = path.key(id);
        if !syntax::id_ok(id) {
            ctx.error(
                &entry,
                format!("expected a repository id without whitespace or '/'; got `{id}`"),
            );
        }
        ctx.non_empty(&entry.field("name"), &repo.name, "a repository name");
        if ctx.non_empty(&entry.field("baseurl"), &repo.baseurl, "the repository URL")
            && (!allowed::REPO_URL_SCHEMES
                .iter()
                .any(|scheme| repo.baseurl.starts_with(scheme))
                || repo.baseurl.chars().any(char::is_whitespace))
        {
            ctx.error(
                &entry.field("baseurl"),
                format!(
                    "expected a URL starting with one of {}; got `{}`",
                    allowed::list(allowed::REPO_URL_SCHEMES),
                    repo.baseurl
                ),
            );
        }
    }
}

fn containers(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(image) = &kickstart.photon_docker_image {
        if !syntax::image_with_tag_ok(image) {
            ctx.error(
                &root.field("photon_docker_image"),
                format!("expected an image reference with a tag, `name:tag` such as `photon:5.0`; got `{image}`"),
            );
        }
    }
    let Some(docker) = &kickstart.docker else {
        return;
    };
    let images = root.field("docker").field("images");
    for (index, image) in docker.images.iter().enumerate() {
        let entry = images.index(index);
        if image.method.is_empty() {
            ctx.error(
                &entry.field("method"),
                format!(
                    "expected one of {}; got nothing",
                    allowed::list(allowed::DOCKER_METHODS)
                ),
            );
        } else if ctx.one_of(
            &entry.field("method"),
            &image.method,
            allowed::DOCKER_METHODS,
        ) {
            let (needed, what) = match image.method.as_str() {
                "pull" => (&image.name, "the image to pull"),
                _ => (&image.filename, "the `docker save` tarball to load"),
            };
            let field = if image.method == "pull" {
                "name"
            } else {
                "filename"
            };
            match needed {
                Some(value) => {
                    ctx.non_empty(&entry.field(field), value, what);
                }
                None => ctx.error(
                    &entry.field(field),
                    format!("expected `{field}` ({what}) with method `{}`", image.method),
                ),
            }
        }
        for (tag_index, tag) in image.tags.iter().enumerate() {
            if tag.is_empty() || tag.chars().any(char::is_whitespace) {
                ctx.error(
                    &entry.field("tags").index(tag_index),
                    format!("expected an image tag without whitespace; got `{tag}`"),
                );
            }
        }
    }
}

fn ostree(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let Some(ostree) = &kickstart.ostree else {
        return;
    };
    let path = Path::root().field("ostree");
    if ostree.default_repo == Some(false) {
        match &ostree.repo_url {
            Some(url) => {
                if !allowed::OSTREE_URL_SCHEMES
                    .iter()
                    .any(|scheme| url.starts_with(scheme))
                {
                    ctx.error(
                        &path.field("repo_url"),
                        format!(
                            "expected a URL starting with one of {}; got `{url}`",
                            allowed::list(allowed::OSTREE_URL_SCHEMES)
                        ),
                    );
                }
            }
            None => ctx.error(
                &path.field("repo_url"),
                "expected the remote OSTree repository URL (required with `default_repo = false`)",
            ),
        }
        match &ostree.repo_ref {
            Some(reference) => {
                ctx.non_empty(&path.field("repo_ref"), reference, "a ref such as `photon/3.0/x86_64/minimal`");
            }
            None => ctx.error(
                &path.field("repo_ref"),
                "expected the ref to deploy, e.g. `photon/3.0/x86_64/minimal` (required with `default_repo = false`)",
            ),
        }
    } else {
        for (field, set) in [
            ("repo_url", ostree.repo_url.is_some()),
            ("repo_ref", ostree.repo_ref.is_some()),
        ] {
            if set {
                ctx.error(
                    &path.field(field),
                    format!(
                        "expected no `{field}` with the media's repository; set `default_repo = false` to use a remote one"
                    ),
                );
            }
        }
    }
}
