//! Pure syntax checks of single values. No messages here; the callers know the field and say what
//! they expected.

use std::net::{IpAddr, Ipv4Addr};

use crate::allowed::{CRYPT_PREFIXES, SSH_KEY_TYPES};

/// The characters of crypt(3)'s base-64 alphabet.
fn is_crypt64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '/'
}

/// Why `name` is not a host name the installer should write to `/etc/hostname`, if it is not.
///
/// Rules: RFC 1123 labels (letters, digits, `-`, 1–63 characters, no `-` at either end) separated
/// by dots, at most 63 characters in total, and — as the Photon OS docs require — a letter first.
pub(crate) fn hostname_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.len() > 63 {
        return Some("it is longer than 63 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("it does not start with a letter");
    }
    labels_problem(name)
}

/// A DNS domain such as a search domain: RFC 1123 labels, at most 253 characters.
pub(crate) fn domain_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && labels_problem(name).is_none()
}

/// Checks the dot-separated RFC 1123 labels of a name.
fn labels_problem(name: &str) -> Option<&'static str> {
    for label in name.split('.') {
        if label.is_empty() {
            return Some("it has an empty label");
        }
        if label.len() > 63 {
            return Some("a label is longer than 63 characters");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Some("it contains a character other than letters, digits, '-' and '.'");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("a label starts or ends with '-'");
        }
    }
    None
}

/// `$NAME`: a value photon-os-installer replaces with an environment variable (exported by a
/// `preinstall` script or set through `environment`) before it reads the kickstart. Returns `NAME`.
/// `$$` escapes a literal `$` and is not a placeholder.
pub(crate) fn placeholder(value: &str) -> Option<&str> {
    let name = value.strip_prefix('$')?;
    env_name_ok(name).then_some(name)
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn env_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A block device path such as `/dev/sda`, `/dev/nvme0n1`, `/dev/loop0` or `/dev/disk/by-path/…`.
pub(crate) fn device_path_ok(path: &str) -> bool {
    match path.strip_prefix("/dev/") {
        Some(rest) => {
            !rest.is_empty()
                && !rest.ends_with('/')
                && !path.chars().any(char::is_whitespace)
                && rest
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..")
        }
        None => false,
    }
}

/// Why `path` is not a clean absolute path (`/`, `/boot`, `/var/lib/docker`), if it is not.
pub(crate) fn absolute_path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("it is not absolute");
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains whitespace");
    }
    if path == "/" {
        return None;
    }
    if path.ends_with('/') {
        return Some("it ends with '/'");
    }
    if path[1..]
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Some("it has an empty, '.' or '..' component");
    }
    None
}

/// A crypt(3) hash the installer can write to `/etc/shadow` verbatim and Photon OS can verify:
/// MD5 (`$1$`), SHA-256 (`$5$`) or SHA-512 (`$6$`) crypt, optionally locked with a leading `!`,
/// or `*` / `!` alone to disable password login.
pub(crate) fn crypt_hash_ok(hash: &str) -> bool {
    if matches!(hash, "*" | "!" | "!!") {
        return true;
    }
    // A leading `!` locks an otherwise valid hash (`passwd -l`).
    let hash = hash.strip_prefix('!').unwrap_or(hash);
    let Some(prefix) = CRYPT_PREFIXES
        .iter()
        .find(|prefix| hash.starts_with(**prefix))
    else {
        return false;
    };
    let mut parts: Vec<&str> = hash[prefix.len()..].split('$').collect();
    let (max_salt, digest_len, rounds_allowed) = match *prefix {
        "$1$" => (8, 22, false),
        "$5$" => (16, 43, true),
        _ => (16, 86, true),
    };
    if rounds_allowed && parts.len() == 3 {
        let rounds = parts.remove(0);
        let Some(count) = rounds.strip_prefix("rounds=") else {
            return false;
        };
        if count.is_empty() || !count.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let [salt, digest] = parts.as_slice() else {
        return false;
    };
    (1..=max_salt).contains(&salt.len())
        && salt.chars().all(is_crypt64)
        && digest.len() == digest_len
        && digest.chars().all(is_crypt64)
}

/// An OpenSSH public key line: optional `authorized_keys` options, a known key type, then the
/// base-64 key blob, then an optional comment. Must be one line.
pub(crate) fn ssh_public_key_ok(line: &str) -> bool {
    if line.contains(['\n', '\r']) {
        return false;
    }
    let tokens: Vec<&str> = line.split_whitespace().collect();
    // The type may follow options such as `no-pty,from="10.0.0.0/8"` (which contain no spaces).
    tokens
        .iter()
        .position(|token| SSH_KEY_TYPES.contains(token))
        .is_some_and(|at| {
            tokens.get(at + 1).is_some_and(|blob| {
                blob.len() >= 16
                    && blob
                        .trim_end_matches('=')
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
            })
        })
}

/// A dotted-quad IPv4 address.
pub(crate) fn ipv4_ok(address: &str) -> bool {
    address.parse::<Ipv4Addr>().is_ok()
}

/// An IPv4 or IPv6 address.
pub(crate) fn ip_ok(address: &str) -> bool {
    address.parse::<IpAddr>().is_ok()
}

/// `address/prefix` with an IPv4 (prefix ≤ 32) or IPv6 (prefix ≤ 128) address.
pub(crate) fn cidr_ok(value: &str) -> bool {
    let Some((address, prefix)) = value.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => prefix <= 32,
        Ok(IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

/// A contiguous IPv4 netmask such as `255.255.255.0` (the installer turns it into a prefix length
/// by counting one bits, so a non-contiguous mask would silently become a different network).
pub(crate) fn netmask_ok(mask: &str) -> bool {
    match mask.parse::<Ipv4Addr>() {
        Ok(mask) => {
            let bits = u32::from(mask);
            bits.leading_ones() + bits.trailing_zeros() == 32 && bits != 0
        }
        Err(_) => false,
    }
}

/// Six colon-separated hex octets.
pub(crate) fn mac_ok(mac: &str) -> bool {
    let octets: Vec<&str> = mac.split(':').collect();
    octets.len() == 6
        && octets
            .iter()
            .all(|octet| octet.len() == 2 && octet.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether an interface name contains shell glob characters.
pub(crate) fn has_glob(name: &str) -> bool {
    name.contains(['*', '?', '['])
}

/// An LVM volume group or logical volume name: letters, digits and `+_.-`, not starting with `-`,
/// not `.` or `..`, at most 127 characters.
pub(crate) fn lvm_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && !name.starts_with('-')
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '_' | '.' | '-'))
}

/// GRUB's `grub.pbkdf2.sha512.<iterations>.<salt hex>.<hash hex>`.
pub(crate) fn grub_pbkdf2_ok(hash: &str) -> bool {
    let Some(rest) = hash.strip_prefix("grub.pbkdf2.sha512.") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let [iterations, salt, digest] = parts.as_slice() else {
        return false;
    };
    let hex =
        |s: &str| !s.is_empty() && s.len() % 2 == 0 && s.chars().all(|c| c.is_ascii_hexdigit());
    !iterations.is_empty()
        && iterations.chars().all(|c| c.is_ascii_digit())
        && hex(salt)
        && hex(digest)
}

/// A container image reference with an explicit tag, e.g. `photon:5.0` or
/// `registry.example.com:5000/photon:latest`.
pub(crate) fn image_with_tag_ok(image: &str) -> bool {
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return false;
    }
    // The tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let name = image.rsplit('/').next().unwrap_or(image);
    match name.rsplit_once(':') {
        Some((repository, tag)) => !repository.is_empty() && !tag.is_empty(),
        None => false,
    }
}

/// A package spec: `name` or `name=version`, no whitespace.
pub(crate) fn package_ok(spec: &str) -> bool {
    !spec.is_empty() && !spec.chars().any(char::is_whitespace) && !spec.starts_with('=')
}

/// An identifier used as a map key (disk, repo, interface id) or a systemd unit name: no
/// whitespace, no `/`.
pub(crate) fn id_ok(id: &str) -> bool {
    !id.is_empty()
        && !id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
}

/// `MAJOR.MINOR`, e.g. `3.0`.
pub(crate) fn release_version_ok(version: &str) -> bool {
    match version.split_once('.') {
        Some((major, minor)) => {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        for ok in [
            "photon",
            "photon-01",
            "a",
            "web.example.com",
            &"a".repeat(63),
        ] {
            assert_eq!(hostname_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "1photon",
            "-photon",
            "photon-",
            "pho ton",
            "pho_ton",
            "a..b",
            &"a".repeat(64),
        ] {
            assert!(hostname_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(placeholder("$DISK"), Some("DISK"));
        assert_eq!(placeholder("$_x1"), Some("_x1"));
        assert_eq!(placeholder("$$DISK"), None);
        assert_eq!(placeholder("$1"), None);
        assert_eq!(placeholder("DISK"), None);
    }

    #[test]
    fn device_paths() {
        for ok in [
            "/dev/sda",
            "/dev/nvme0n1",
            "/dev/loop0",
            "/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0",
        ] {
            assert!(device_path_ok(ok), "{ok}");
        }
        for bad in [
            "sda",
            "/dev/",
            "/dev",
            "/mnt/sda",
            "/dev/sd a",
            "/dev/../etc",
            "/dev//sda",
        ] {
            assert!(!device_path_ok(bad), "{bad}");
        }
    }

    #[test]
    fn absolute_paths() {
        for ok in ["/", "/boot", "/boot/efi", "/var/lib/docker"] {
            assert_eq!(absolute_path_problem(ok), None, "{ok}");
        }
        for bad in ["boot", "/boot/", "//boot", "/a/../b", "/a b", ""] {
            assert!(absolute_path_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn crypt_hashes() {
        let sha256 = format!("$5$salt${}", "a".repeat(43));
        let md5 = format!("$1$salt${}", "b".repeat(22));
        let rounds = format!("$6$rounds=5000$salt${}", "c".repeat(86));
        let sha512 = format!("$6$saltsalt${}", "d./9".repeat(21) + "xy");
        for ok in [
            &sha512,
            &sha256,
            &md5,
            &rounds,
            "*",
            "!",
            &format!("!{sha512}"),
        ] {
            assert!(crypt_hash_ok(ok), "{ok}");
        }
        let yescrypt = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7";
        let short = format!("$6$salt${}", "c".repeat(85));
        let long_salt = format!("$6${}${}", "s".repeat(17), "c".repeat(86));
        let bad_rounds = format!("$6$rounds=x$salt${}", "c".repeat(86));
        for bad in [
            "",
            "changeme",
            yescrypt,
            &short,
            &long_salt,
            &bad_rounds,
            "$6$$",
            "$6$salt",
        ] {
            assert!(!crypt_hash_ok(bad), "{bad}");
        }
    }

    #[test]
    fn ssh_keys() {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJvZ3VzYm9ndXNib2d1c2JvZ3VzYm9ndXNib2d1cw== me@host";
        assert!(ssh_public_key_ok(key));
        assert!(ssh_public_key_ok(&format!("no-pty {key}")));
        assert!(!ssh_public_key_ok("ssh-ed25519"));
        assert!(!ssh_public_key_ok("AAAAC3NzaC1lZDI1NTE5AAAAIGJvZ3Vz"));
        assert!(!ssh_public_key_ok(&format!("{key}\n{key}")));
        assert!(!ssh_public_key_ok(
            "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIGJvZ3Vz"
        ));
    }

    #[test]
    fn addresses() {
        assert!(ipv4_ok("10.0.0.1") && !ipv4_ok("fe80::1") && !ipv4_ok("10.0.0.256"));
        assert!(ip_ok("fe80::1") && ip_ok("8.8.8.8") && !ip_ok("dns.google"));
        assert!(cidr_ok("192.168.2.58/24") && cidr_ok("2001:db8::1/64"));
        assert!(!cidr_ok("192.168.2.58") && !cidr_ok("192.168.2.58/33") && !cidr_ok("x/24"));
        assert!(
            netmask_ok("255.255.255.0") && netmask_ok("255.255.255.255") && netmask_ok("128.0.0.0")
        );
        assert!(!netmask_ok("255.0.255.0") && !netmask_ok("0.0.0.0") && !netmask_ok("24"));
        assert!(
            mac_ok("00:50:56:AA:bb:cc")
                && !mac_ok("00-50-56-aa-bb-cc")
                && !mac_ok("00:50:56:aa:bb")
        );
    }

    #[test]
    fn misc_names() {
        assert!(
            lvm_name_ok("vg_root-1.x+")
                && !lvm_name_ok("-vg")
                && !lvm_name_ok("vg root")
                && !lvm_name_ok("..")
        );
        assert!(
            env_name_ok("DISK") && env_name_ok("_x") && !env_name_ok("1X") && !env_name_ok("A-B")
        );
        assert!(grub_pbkdf2_ok("grub.pbkdf2.sha512.10000.ABCD01.ef23"));
        assert!(!grub_pbkdf2_ok("grub.pbkdf2.sha512.10000.xyz.ef23") && !grub_pbkdf2_ok("pbkdf2"));
        assert!(
            image_with_tag_ok("photon:5.0")
                && image_with_tag_ok("reg.example.com:5000/photon:latest")
        );
        assert!(!image_with_tag_ok("photon") && !image_with_tag_ok("reg.example.com:5000/photon"));
        assert!(
            package_ok("vim")
                && package_ok("vim=9.0.2142-1.ph5")
                && !package_ok("")
                && !package_ok("a b")
        );
        assert!(id_ok("default") && !id_ok("a b") && !id_ok("a/b") && !id_ok(""));
        assert!(
            release_version_ok("3.0") && !release_version_ok("3") && !release_version_ok("3.x")
        );
        assert!(has_glob("e*") && !has_glob("eth0"));
        assert!(
            domain_ok("example.com")
                && domain_ok("1and1.com")
                && !domain_ok("a..b")
                && !domain_ok("")
        );
    }
}
