//! Rendering a (validated) kickstart into the JSON the chosen installer reads.
//!
//! Only what the user set is written, except where a generation needs an explicit value
//! (`partitions[].filesystem`, `ostree.default_repo`, `network.version`). Object keys come out
//! sorted so the output is byte-for-byte stable.

use serde_json::{Map, Value};

use crate::InstallerGeneration;
use crate::Kickstart;
use crate::allowed::DEFAULT_FILESYSTEM;
use crate::model::{Btrfs, BtrfsSubvolume, Ethernet, Nameservers, Network, Partition, Vlan};
use crate::support::installer_key;

/// A JSON object under construction that skips unset values.
struct Object {
    map: Map<String, Value>,
    generation: InstallerGeneration,
}

impl Object {
    fn new(generation: InstallerGeneration) -> Self {
        Self {
            map: Map::new(),
            generation,
        }
    }

    /// Writes `value` under the installer key of `field` (a dotted docs name).
    fn put(&mut self, field: &'static str, value: impl Into<Value>) {
        self.map.insert(
            installer_key(field, self.generation).to_owned(),
            value.into(),
        );
    }

    fn opt<T: Clone + Into<Value>>(&mut self, field: &'static str, value: &Option<T>) {
        if let Some(value) = value {
            self.put(field, value.clone());
        }
    }

    fn strings(&mut self, field: &'static str, values: &[String]) {
        if !values.is_empty() {
            self.put(field, strings(values));
        }
    }

    fn object(&mut self, field: &'static str, object: Object) {
        self.put(field, object.done());
    }

    fn done(self) -> Value {
        Value::Object(self.map)
    }
}

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::from).collect())
}

/// tdnf reads repo options as `0`/`1`, not JSON booleans.
fn flag(value: bool) -> Value {
    Value::from(i64::from(value))
}

pub(crate) fn render(kickstart: &Kickstart, generation: InstallerGeneration) -> Value {
    let g = generation;
    let mut out = Object::new(g);

    out.opt("hostname", &kickstart.hostname);
    if let Some(password) = &kickstart.password {
        let mut object = Object::new(g);
        // `crypted` tells the installer whether `text` is already a hash.
        if let Some(crypted) = &password.crypted {
            object.put("password.crypted", crypted.expose());
            object.map.insert("crypted".to_owned(), Value::Bool(true));
        } else if let Some(text) = &password.text {
            object.put("password.text", text.expose());
            object.map.insert("crypted".to_owned(), Value::Bool(false));
        }
        object.opt("password.age", &password.age);
        out.object("password", object);
    }
    if let Some(key) = &kickstart.public_key {
        if g == InstallerGeneration::PoiMaster {
            // poi-master wants an object with the key and the reason for adding it.
            let mut object = Map::new();
            object.insert("key".to_owned(), Value::from(key.as_str()));
            if let Some(reason) = &kickstart.public_key_reason {
                object.insert("reason".to_owned(), Value::from(reason.as_str()));
            }
            out.map
                .insert("public_key".to_owned(), Value::Object(object));
        } else {
            out.put("public_key", key.as_str());
        }
    }

    // Storage.
    out.opt("disk", &kickstart.disk);
    if !kickstart.disks.is_empty() {
        let mut disks = Map::new();
        for (id, disk) in &kickstart.disks {
            let mut object = Object::new(g);
            object.opt("disks.device", &disk.device);
            object.opt("disks.filename", &disk.filename);
            object.opt("disks.size", &disk.size);
            object.opt("disks.sector_size", &disk.sector_size);
            disks.insert(id.clone(), object.done());
        }
        out.put("disks", disks);
    }
    if !kickstart.partitions.is_empty() {
        let partitions = kickstart
            .partitions
            .iter()
            .map(|partition| render_partition(partition, g))
            .collect();
        out.put("partitions", Value::Array(partitions));
    }
    out.opt("partition_type", &kickstart.partition_type);
    out.opt("bootmode", &kickstart.bootmode);
    out.opt("arch", &kickstart.arch);

    // Software.
    out.strings("packages", &kickstart.packages);
    out.strings("packages_x86_64", &kickstart.packages_x86_64);
    out.strings("packages_aarch64", &kickstart.packages_aarch64);
    out.strings("additional_packages", &kickstart.additional_packages);
    out.opt("packagelist_file", &kickstart.packagelist_file);
    out.strings("packagelist_files", &kickstart.packagelist_files);
    out.opt("additional_rpms_path", &kickstart.additional_rpms_path);
    out.opt("linux_flavor", &kickstart.linux_flavor);
    out.opt("linux_flavor_x86_64", &kickstart.linux_flavor_x86_64);
    out.opt("linux_flavor_aarch64", &kickstart.linux_flavor_aarch64);
    if !kickstart.repos.is_empty() {
        let mut repos = Map::new();
        for (id, repo) in &kickstart.repos {
            let mut object = Object::new(g);
            object.put("repos.name", repo.name.as_str());
            object.put("repos.baseurl", repo.baseurl.as_str());
            if let Some(gpgcheck) = repo.gpgcheck {
                object.put("repos.gpgcheck", flag(gpgcheck));
            }
            if let Some(enabled) = repo.enabled {
                object.put("repos.enabled", flag(enabled));
            }
            repos.insert(id.clone(), object.done());
        }
        out.put("repos", repos);
    }
    out.opt("insecure_repo", &kickstart.insecure_repo);
    out.opt("tdnf_cachedir", &kickstart.tdnf_cachedir);
    out.opt("photon_docker_image", &kickstart.photon_docker_image);
    if let Some(docker) = &kickstart.docker {
        let images = docker
            .images
            .iter()
            .map(|image| {
                let mut object = Object::new(g);
                object.put("docker.images.method", image.method.as_str());
                object.opt("docker.images.name", &image.name);
                object.opt("docker.images.filename", &image.filename);
                object.strings("docker.images.tags", &image.tags);
                object.opt("docker.images.drop_tag", &image.drop_tag);
                object.done()
            })
            .collect();
        let mut object = Object::new(g);
        object.put("docker.images", Value::Array(images));
        out.object("docker", object);
    }
    if let Some(ostree) = &kickstart.ostree {
        let mut object = Object::new(g);
        // The 3.0 reference lists `default_repo` as required.
        object.put("ostree.default_repo", ostree.default_repo.unwrap_or(true));
        object.opt("ostree.repo_url", &ostree.repo_url);
        object.opt("ostree.repo_ref", &ostree.repo_ref);
        out.object("ostree", object);
    }

    // Network and services.
    if let Some(network) = &kickstart.network {
        out.put("network", render_network(network, g));
    }
    if !kickstart.services.is_empty() {
        let services: Map<String, Value> = kickstart
            .services
            .iter()
            .map(|(unit, state)| (unit.clone(), Value::from(state.as_str())))
            .collect();
        out.put("services", services);
    }

    // Files and scripts.
    out.strings("search_path", &kickstart.search_path);
    if !kickstart.additional_files.is_empty() {
        // The installer wants a list of one-entry maps, source -> destination.
        let files = kickstart
            .additional_files
            .iter()
            .map(|file| {
                let mut entry = Map::new();
                entry.insert(file.source.clone(), Value::from(file.destination.as_str()));
                Value::Object(entry)
            })
            .collect();
        out.put("additional_files", Value::Array(files));
    }
    out.strings("preinstall", &kickstart.preinstall);
    out.strings("preinstall_scripts", &kickstart.preinstall_scripts);
    out.strings("prepkgsinstall", &kickstart.prepkgsinstall);
    out.strings("prepkgsinstall_scripts", &kickstart.prepkgsinstall_scripts);
    out.strings("postinstall", &kickstart.postinstall);
    out.strings("postinstall_scripts", &kickstart.postinstall_scripts);
    if let Some(firstboot) = &kickstart.firstboot {
        let mut object = Object::new(g);
        object.strings("firstboot.scripts", &firstboot.scripts);
        out.object("firstboot", object);
    }
    if !kickstart.ansible.is_empty() {
        let playbooks = kickstart
            .ansible
            .iter()
            .map(|playbook| {
                let mut object = Object::new(g);
                object.put("ansible.playbook", playbook.playbook.as_str());
                object.opt("ansible.verbosity", &playbook.verbosity);
                object.strings("ansible.extra_vars", &playbook.extra_vars);
                object.done()
            })
            .collect();
        out.put("ansible", Value::Array(playbooks));
    }
    if !kickstart.environment.is_empty() {
        let environment: Map<String, Value> = kickstart
            .environment
            .iter()
            .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
            .collect();
        out.put("environment", environment);
    }

    // Boot and security.
    if let Some(grub) = &kickstart.grub {
        let mut object = Object::new(g);
        object.put("grub.password_pbkdf2", grub.password_pbkdf2.expose());
        out.object("grub", object);
    }
    out.opt("user_grub_cfg_file", &kickstart.user_grub_cfg_file);
    out.opt("setup_grub_script", &kickstart.setup_grub_script);
    if let Some(security) = &kickstart.security {
        let mut object = Object::new(g);
        object.opt("security.selinux", &security.selinux);
        object.opt("security.fips", &security.fips);
        out.object("security", object);
    }
    out.opt("dps", &kickstart.dps);

    // Image builds.
    out.opt("live", &kickstart.live);
    if !kickstart.archives.is_empty() {
        let archives = kickstart
            .archives
            .iter()
            .map(|archive| {
                let mut object = Object::new(g);
                object.opt("archives.filename", &archive.filename);
                object.opt("archives.root", &archive.root);
                object.strings("archives.exclude_paths", &archive.exclude_paths);
                object.opt("archives.skip_mounts", &archive.skip_mounts);
                object.done()
            })
            .collect();
        out.put("archives", Value::Array(archives));
    }
    if !kickstart.build_mounts.is_empty() {
        out.put("build_mounts", kickstart.build_mounts.clone());
    }
    if !kickstart.plugins.is_empty() {
        out.put("plugins", kickstart.plugins.clone());
    }
    out.opt("manifest_file", &kickstart.manifest_file);

    // Installer behaviour.
    out.opt("eject_cdrom", &kickstart.eject_cdrom);
    out.opt("ui", &kickstart.ui);
    out.opt("log_level", &kickstart.log_level);
    out.opt("no_unmount", &kickstart.no_unmount);
    out.opt("no_clean", &kickstart.no_clean);
    out.opt("autopartition", &kickstart.autopartition);
    out.opt("release_version", &kickstart.release_version);

    sorted(out.done())
}

fn render_partition(partition: &Partition, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    object.opt("partitions.mountpoint", &partition.mountpoint);
    object.opt("partitions.size", &partition.size);
    object.opt("partitions.size_percent", &partition.size_percent);
    // Explicit everywhere: the 3.0 installer requires it, the others default to the same value.
    let filesystem = partition
        .filesystem
        .as_deref()
        .unwrap_or(DEFAULT_FILESYSTEM);
    object.put("partitions.filesystem", filesystem);
    object.opt("partitions.disk", &partition.disk);
    object.opt("partitions.disk_id", &partition.disk_id);
    if let Some(lvm) = &partition.lvm {
        let mut inner = Object::new(g);
        inner.put("partitions.lvm.vg_name", lvm.vg_name.as_str());
        inner.put("partitions.lvm.lv_name", lvm.lv_name.as_str());
        object.object("partitions.lvm", inner);
    }
    if let Some(btrfs) = &partition.btrfs {
        object.put("partitions.btrfs", render_btrfs(btrfs, g));
    }
    object.opt("partitions.mkfs_options", &partition.mkfs_options);
    object.opt("partitions.mount_options", &partition.mount_options);
    object.opt("partitions.ab", &partition.ab);
    object.opt("partitions.all_disk", &partition.all_disk);
    object.done()
}

fn render_btrfs(btrfs: &Btrfs, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    object.opt("partitions.btrfs.label", &btrfs.label);
    if !btrfs.subvols.is_empty() {
        object.put(
            "partitions.btrfs.subvols",
            render_subvols(&btrfs.subvols, g),
        );
    }
    object.done()
}

fn render_subvols(subvols: &[BtrfsSubvolume], g: InstallerGeneration) -> Value {
    Value::Array(
        subvols
            .iter()
            .map(|subvol| {
                let mut object = Object::new(g);
                object.put("partitions.btrfs.subvols.name", subvol.name.as_str());
                object.opt("partitions.btrfs.subvols.mountpoint", &subvol.mountpoint);
                if !subvol.subvols.is_empty() {
                    object.put(
                        "partitions.btrfs.subvols.subvols",
                        render_subvols(&subvol.subvols, g),
                    );
                }
                object.done()
            })
            .collect(),
    )
}

fn render_network(network: &Network, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    object.opt("network.hostname", &network.hostname);
    if network.r#type.is_some() {
        object.opt("network.type", &network.r#type);
        object.opt("network.ip_addr", &network.ip_addr);
        object.opt("network.netmask", &network.netmask);
        object.opt("network.gateway", &network.gateway);
        object.opt("network.nameserver", &network.nameserver);
        // The installer builds file names from it, so it must be a string.
        if let Some(id) = network.vlan_id {
            object.put("network.vlan_id", id.to_string());
        }
    } else {
        object.map.insert("version".to_owned(), Value::from("2"));
        if !network.ethernets.is_empty() {
            let ethernets: Map<String, Value> = network
                .ethernets
                .iter()
                .map(|(id, ethernet)| (id.clone(), render_ethernet(ethernet, g)))
                .collect();
            object.put("network.ethernets", ethernets);
        }
        if !network.vlans.is_empty() {
            let vlans: Map<String, Value> = network
                .vlans
                .iter()
                .map(|(id, vlan)| (id.clone(), render_vlan(vlan, g)))
                .collect();
            object.put("network.vlans", vlans);
        }
    }
    object.done()
}

fn render_ethernet(ethernet: &Ethernet, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    if let Some(matcher) = &ethernet.r#match {
        let mut inner = Object::new(g);
        inner.opt("network.ethernets.match.name", &matcher.name);
        inner.opt("network.ethernets.match.macaddress", &matcher.macaddress);
        object.object("network.ethernets.match", inner);
    }
    object.opt("network.ethernets.dhcp4", &ethernet.dhcp4);
    object.opt("network.ethernets.dhcp6", &ethernet.dhcp6);
    object.opt("network.ethernets.accept_ra", &ethernet.accept_ra);
    object.strings("network.ethernets.addresses", &ethernet.addresses);
    object.opt("network.ethernets.gateway", &ethernet.gateway);
    if let Some(dns) = &ethernet.nameservers {
        object.put("network.ethernets.nameservers", render_nameservers(dns, g));
    }
    object.done()
}

fn render_vlan(vlan: &Vlan, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    object.opt("network.vlans.id", &vlan.id);
    object.opt("network.vlans.link", &vlan.link);
    object.opt("network.vlans.dhcp4", &vlan.dhcp4);
    object.opt("network.vlans.dhcp6", &vlan.dhcp6);
    object.opt("network.vlans.accept_ra", &vlan.accept_ra);
    object.strings("network.vlans.addresses", &vlan.addresses);
    object.opt("network.vlans.gateway", &vlan.gateway);
    if let Some(dns) = &vlan.nameservers {
        object.put("network.vlans.nameservers", render_nameservers(dns, g));
    }
    object.done()
}

fn render_nameservers(dns: &Nameservers, g: InstallerGeneration) -> Value {
    let mut object = Object::new(g);
    object.strings("network.ethernets.nameservers.addresses", &dns.addresses);
    object.strings("network.ethernets.nameservers.search", &dns.search);
    object.done()
}

/// Rebuilds every object with its keys inserted in sorted order, so the output is sorted whether
/// or not serde_json's `preserve_order` feature is enabled elsewhere in the build.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect(),
            )
        }
        Value::Array(values) => Value::Array(values.into_iter().map(sorted).collect()),
        other => other,
    }
}
