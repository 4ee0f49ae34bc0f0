//! Host name, root password and SSH key.

use super::{Ctx, syntax};
use crate::InstallerGeneration;
use crate::allowed;
use crate::error::Path;

/// What a valid host name looks like, for messages.
pub(super) const HOSTNAME_EXPECTED: &str = "a host name of at most 63 characters: dot-separated labels of letters, digits \
     and '-' (no label starting or ending with '-'), starting with a letter";

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(hostname) = &kickstart.hostname {
        hostname_field(ctx, &root.field("hostname"), hostname);
    }
    if let Some(password) = &kickstart.password {
        let path = root.field("password");
        match (&password.text, &password.crypted) {
            (Some(_), Some(_)) => ctx.error(
                &path,
                "expected exactly one of `text` (plain password, hashed by the installer) or `crypted` \
                 (a ready crypt(3) hash); both are set",
            ),
            (None, None) => ctx.error(
                &path,
                "expected exactly one of `text` (plain password, hashed by the installer) or `crypted` \
                 (a ready crypt(3) hash); neither is set",
            ),
            _ => {}
        }
        // Never echo either value: messages end up in Terraform and Packer output.
        if let Some(text) = &password.text {
            if text.expose().is_empty() {
                ctx.error(&path.field("text"), "expected a non-empty password");
            }
        }
        if let Some(crypted) = &password.crypted {
            if !syntax::crypt_hash_ok(crypted.expose()) {
                ctx.error(
                    &path.field("crypted"),
                    format!(
                        "expected a crypt(3) hash that is written to /etc/shadow as is: {}<salt>$<hash> \
                         (SHA-512, SHA-256 or MD5 crypt, optionally with `rounds=N$`, e.g. from \
                         `openssl passwd -6`), or `*` / `!` to disable password login; the value given \
                         is not one (not shown)",
                        allowed::list(allowed::CRYPT_PREFIXES),
                    ),
                );
            }
        }
        if let Some(age) = password.age {
            if age < -1 {
                ctx.error(
                    &path.field("age"),
                    format!(
                        "expected -1 (never expires), 0 (expired: change at first login) or a positive \
                         number of days; got {age}"
                    ),
                );
            }
        }
    }
    public_key(ctx);
}

/// Checks a host name field; `$NAME` placeholders are allowed where the installer substitutes.
pub(super) fn hostname_field(ctx: &mut Ctx<'_>, path: &Path, hostname: &str) {
    if ctx.placeholder(path, hostname) {
        return;
    }
    if let Some(problem) = syntax::hostname_problem(hostname) {
        ctx.error(
            path,
            format!("expected {HOSTNAME_EXPECTED}; got `{hostname}`: {problem}"),
        );
    }
}

fn public_key(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let root = Path::root();
    if let Some(key) = &kickstart.public_key {
        if !syntax::ssh_public_key_ok(key) {
            ctx.error(
                &root.field("public_key"),
                format!(
                    "expected one OpenSSH public key line such as `ssh-ed25519 AAAA… comment` (key types {})",
                    allowed::list(allowed::SSH_KEY_TYPES),
                ),
            );
        }
        // poi-master insists on a reason so a debugging key does not slip into a release image.
        if ctx.generation == InstallerGeneration::PoiMaster && kickstart.public_key_reason.is_none()
        {
            ctx.error(
                &root.field("public_key_reason"),
                "expected a reason for adding the public key (installer generation `poi-master` requires one)",
            );
        }
    }
    if let Some(reason) = &kickstart.public_key_reason {
        let path = root.field("public_key_reason");
        if kickstart.public_key.is_none() {
            ctx.error(
                &path,
                "expected `public_key` to be set; a reason alone adds nothing",
            );
        } else {
            ctx.non_empty(&path, reason, "a reason for adding the public key");
        }
    }
}
