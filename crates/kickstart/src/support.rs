//! Which generation knows which field, and under which installer key. One table each, read by the
//! validator, the renderer and the generated docs.

use crate::InstallerGeneration as G;

const ALL: &[G] = &[G::Photon3, G::Poi27, G::PoiMaster];
const POI: &[G] = &[G::Poi27, G::PoiMaster];
const MASTER: &[G] = &[G::PoiMaster];
const BEFORE_MASTER: &[G] = &[G::Photon3, G::Poi27];
const PHOTON3: &[G] = &[G::Photon3];

/// Fields (dotted [`crate::field_docs`] names) that not every generation knows. Fields missing
/// here are known to all generations. A child of a listed block inherits the block's limit.
const LIMITED: &[(&str, &[G])] = &[
    // photon-os-installer only (4.0+ media)
    ("disks", POI),
    ("packagelist_files", POI),
    ("packages_x86_64", POI),
    ("packages_aarch64", POI),
    ("linux_flavor_x86_64", POI),
    ("linux_flavor_aarch64", POI),
    ("repos", POI),
    ("tdnf_cachedir", POI),
    ("docker", POI),
    ("preinstall", POI),
    ("preinstall_scripts", POI),
    ("user_grub_cfg_file", POI),
    ("manifest_file", POI),
    ("ansible", POI),
    ("no_unmount", POI),
    ("no_clean", POI),
    ("partitions.size_percent", POI),
    ("partitions.disk_id", POI),
    ("partitions.btrfs", POI),
    ("partitions.mount_options", POI),
    ("partitions.ab", POI),
    ("partitions.all_disk", POI),
    ("network.ethernets", POI),
    ("network.vlans", POI),
    // photon-os-installer after 2.7
    ("public_key_reason", MASTER),
    ("services", MASTER),
    ("security", MASTER),
    ("environment", MASTER),
    ("firstboot", MASTER),
    ("grub", MASTER),
    ("archives", MASTER),
    ("build_mounts", MASTER),
    ("plugins", MASTER),
    ("dps", MASTER),
    ("prepkgsinstall", MASTER),
    ("prepkgsinstall_scripts", MASTER),
    // dropped by photon-os-installer master
    ("ostree", BEFORE_MASTER),
    // only the Photon OS 3.0 installer reads it
    ("release_version", PHOTON3),
];

/// The generations that accept `field` (a dotted [`crate::field_docs`] name such as
/// `partitions.size_percent`). Children inherit the limit of their parent block.
pub fn supported_generations(field: &str) -> &'static [G] {
    let mut best: (&'static [G], usize) = (ALL, 0);
    for (limited, generations) in LIMITED {
        let applies = field == *limited
            || (field.starts_with(limited) && field.as_bytes().get(limited.len()) == Some(&b'.'));
        if applies && limited.len() > best.1 {
            best = (generations, limited.len());
        }
    }
    best.0
}

/// Fields whose installer key is not the field's own (last) name, per generation:
/// (field, installer key, generations that use that key).
pub(crate) const KEYS: &[(&str, &str, &[G])] = &[
    ("password.crypted", "text", ALL),
    ("public_key", "public_key.key", MASTER),
    ("public_key_reason", "public_key.reason", MASTER),
    ("partitions.size_percent", "sizepercent", POI),
    ("partitions.mkfs_options", "fs_options", PHOTON3),
    ("partitions.mount_options", "fs_options", POI),
    ("preinstall_scripts", "preinstallscripts", POI),
    ("prepkgsinstall_scripts", "prepkgsinstallscripts", MASTER),
    ("postinstall_scripts", "postinstallscripts", ALL),
    ("network.ethernets.accept_ra", "accept-ra", POI),
    ("network.vlans.accept_ra", "accept-ra", POI),
    ("docker.images.drop_tag", "drop-tag", POI),
    ("ansible.extra_vars", "extra-vars", POI),
];

/// The installer key `field` is written under for `generation`.
pub(crate) fn installer_key(field: &'static str, generation: G) -> &'static str {
    KEYS.iter()
        .find(|(name, _, generations)| *name == field && generations.contains(&generation))
        .map(|(_, key, _)| *key)
        .unwrap_or_else(|| field.rsplit('.').next().unwrap_or(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_inherit_and_unlisted_is_all() {
        assert_eq!(supported_generations("hostname"), ALL);
        assert_eq!(supported_generations("disks"), POI);
        assert_eq!(supported_generations("disks.sector_size"), POI);
        assert_eq!(supported_generations("grub.password_pbkdf2"), MASTER);
        assert_eq!(supported_generations("partitions.size"), ALL);
        assert_eq!(supported_generations("partitions.size_percent"), POI);
        // A prefix that is not a parent does not count.
        assert_eq!(supported_generations("preinstallx"), ALL);
    }

    #[test]
    fn keys_per_generation() {
        assert_eq!(
            installer_key("partitions.mkfs_options", G::Photon3),
            "fs_options"
        );
        assert_eq!(
            installer_key("partitions.mkfs_options", G::Poi27),
            "mkfs_options"
        );
        assert_eq!(
            installer_key("partitions.mount_options", G::PoiMaster),
            "fs_options"
        );
        assert_eq!(
            installer_key("postinstall_scripts", G::Photon3),
            "postinstallscripts"
        );
        assert_eq!(installer_key("hostname", G::Photon3), "hostname");
    }
}
