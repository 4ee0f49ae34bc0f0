//! The plugin process: argv dispatch, `describe`, the handshake form, serving.
//!
//! Packer 1.6.6 and 1.7+ launch a multi-component plugin with the same argv
//! (`start builder NAME`) and environment, yet need different handshake lines (reference §2).
//! The form is chosen without user configuration:
//! 1. `PACKER_PLUGIN_PHOTON_HANDSHAKE` (`legacy` / `v5.0`) when set;
//! 2. a bare launch under a single-component name (`packer-builder-photon-iso`) → legacy:
//!    only Packer 1.6.6 launches those with no arguments and accepts 3 fields;
//! 3. otherwise the parent process is asked its version: `/proc/<ppid>/exe version`, only when
//!    that executable's name contains `packer`, with an environment of just `PATH`, an empty
//!    temporary `HOME` (and working directory) so it loads no plugins, and
//!    `CHECKPOINT_DISABLE=1` so it does not go online; 10 s at most. `Packer v1.6.x` or lower →
//!    legacy, anything newer → `5|0|…`; a failure → `5|0|…`, logged on stderr.
//!
//! The gob flavour follows: legacy means Packer ≤ 1.6, assumed to be Debian's vendored 1.6.6
//! build (the one on this project's machines; its version line carries no `+ds` marker, so it
//! cannot be told apart from HashiCorp's 1.6.6 — only nested blocks differ). Modern Packer gets
//! upstream gob, or protobuf when `--protobuf` was passed.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hcl_spec::GobFlavor;
use packer_rpc::handshake::{self, HANDSHAKE_OVERRIDE_ENV, HandshakeForm};
use serde::Serialize;

use crate::serve::{ServeOptions, SpecEncoding, serve_connection};
use crate::{Builder, Component, ComponentKind, PostProcessor};

/// How long asking the parent Packer its version may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole plugin: its name (`photon` → `packer-plugin-photon`), version and components.
pub struct Plugin {
    name: &'static str,
    version: &'static str,
    components: Vec<(&'static str, Component)>,
}

/// What argv asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// `describe`.
    Describe,
    /// `--version`, `-v` or `version`.
    Version,
    /// `--help` / `-h`.
    Help,
    /// `start <kind> <name>` (multi-component launch, Packer 1.6.6 and 1.7+).
    Start {
        /// `builder`, `post-processor`, …
        kind: String,
        /// The component name without the plugin prefix.
        name: String,
    },
    /// No arguments under a single-component name (`packer-builder-photon-iso`, Packer 1.6.6).
    Legacy {
        /// `builder` or `post-processor`.
        kind: String,
        /// The component name without the plugin prefix.
        name: String,
    },
    /// Anything else; the text says what was wrong.
    Invalid(String),
}

/// Reads argv (without `--protobuf`, which Packer may put anywhere) for plugin `plugin_name`.
/// `argv0` is the invoked path; a bare launch takes its component from the file name.
pub fn parse_launch(plugin_name: &str, argv0: &str, args: &[String]) -> Launch {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["describe"] => Launch::Describe,
        ["--version" | "-v" | "version"] => Launch::Version,
        ["--help" | "-h" | "help"] => Launch::Help,
        ["start", kind, name] => Launch::Start {
            kind: (*kind).to_owned(),
            name: (*name).to_owned(),
        },
        [] => {
            let base = Path::new(argv0)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let base = base.strip_suffix(".exe").unwrap_or(&base);
            for kind in ["builder", "post-processor"] {
                let prefix = format!("packer-{kind}-{plugin_name}-");
                if let Some(name) = base.strip_prefix(&prefix)
                    && !name.is_empty()
                {
                    return Launch::Legacy {
                        kind: kind.to_owned(),
                        name: name.to_owned(),
                    };
                }
            }
            Launch::Legacy {
                kind: String::new(),
                name: base.to_owned(),
            }
        }
        other => Launch::Invalid(format!("unknown arguments {other:?}")),
    }
}

/// The result of asking the parent Packer: its version and the protocol choices it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// `(major, minor, patch)`.
    pub version: (u32, u32, u32),
    /// The handshake line form.
    pub form: HandshakeForm,
    /// The gob flavour for ConfigSpec.
    pub gob: GobFlavor,
}

/// Finds `vX.Y.Z` in `packer version` output (`Packer v1.6.6`).
pub fn parse_packer_version(output: &str) -> Option<(u32, u32, u32)> {
    let line = output.lines().next()?;
    let rest = &line[line.find(" v")? + 2..];
    let core: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// The handshake and gob flavour for a Packer version: ≤ 1.6 legacy (assumed Debian's 1.6.6
/// build), newer `5|0|…` with upstream gob names.
pub fn protocol_for_packer_version(version: (u32, u32, u32)) -> Detected {
    let legacy = version.0 < 1 || (version.0 == 1 && version.1 <= 6);
    Detected {
        version,
        form: if legacy {
            HandshakeForm::Legacy
        } else {
            HandshakeForm::V5_0
        },
        gob: if legacy {
            GobFlavor::Debian166
        } else {
            GobFlavor::Upstream
        },
    }
}

/// Asks the parent process (if it is a Packer) its version.
async fn detect_parent_packer() -> Result<Detected, String> {
    let ppid = std::os::unix::process::parent_id();
    let exe = format!("/proc/{ppid}/exe");
    let target = std::fs::read_link(&exe).map_err(|e| format!("{exe}: {e}"))?;
    let file = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Running an arbitrary parent with `version` could do anything (a test binary would run
    // its tests): only ask executables named like Packer.
    if !file.contains("packer") {
        return Err(format!("parent process {} is not packer", target.display()));
    }
    // Asking costs a whole Packer start (about 90 ms, more than a clone build on a fast
    // vCenter), so the answer is remembered per Packer binary, keyed by its identity.
    let cache = VersionCache::for_binary(&exe);
    if let Some(version) = cache.as_ref().and_then(VersionCache::get) {
        return Ok(protocol_for_packer_version(version));
    }
    let home = std::env::temp_dir().join(format!(
        "packer-plugin-version-probe-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&home).map_err(|e| format!("{}: {e}", home.display()))?;
    let mut command = tokio::process::Command::new(&exe);
    command
        .arg("version")
        .env_clear()
        .env("HOME", &home)
        .env("CHECKPOINT_DISABLE", "1")
        .current_dir(&home)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let output = tokio::time::timeout(VERSION_TIMEOUT, command.output()).await;
    let _ = std::fs::remove_dir_all(&home);
    let output = output
        .map_err(|_| {
            format!(
                "{} version: no answer in {VERSION_TIMEOUT:?}",
                target.display()
            )
        })?
        .map_err(|e| format!("{} version: {e}", target.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = parse_packer_version(&text)
        .ok_or_else(|| format!("{} version printed {text:?}", target.display()))?;
    if let Some(cache) = cache {
        cache.put(version);
    }
    Ok(protocol_for_packer_version(version))
}

/// The remembered `packer version` of one Packer binary: a file under the user's cache
/// directory named by the binary's device, inode, size and modification time, so an upgraded
/// or different Packer is asked again. Any failure just means asking.
struct VersionCache {
    file: std::path::PathBuf,
}

impl VersionCache {
    fn for_binary(exe: &str) -> Option<Self> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cache"))
            })?;
        Self::for_binary_in(exe, &base)
    }

    fn for_binary_in(exe: &str, base: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(exe).ok()?;
        let key = format!(
            "{:x}-{:x}-{:x}-{:x}.{:x}",
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec()
        );
        Some(Self {
            file: base
                .join("packer-plugin-photon")
                .join(format!("packer-{key}")),
        })
    }

    fn get(&self) -> Option<(u32, u32, u32)> {
        let text = std::fs::read_to_string(&self.file).ok()?;
        parse_packer_version(&text)
    }

    fn put(&self, version: (u32, u32, u32)) {
        let Some(dir) = self.file.parent() else {
            return;
        };
        let temporary = self
            .file
            .with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| {
                std::fs::write(
                    &temporary,
                    format!("Packer v{}.{}.{}\n", version.0, version.1, version.2),
                )
            })
            .and_then(|()| std::fs::rename(&temporary, &self.file));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            tracing::debug!(%error, file = %self.file.display(), "cannot remember the Packer version");
        }
    }
}

/// Chooses the handshake form and ConfigSpec encoding for this launch (see the module docs).
async fn pick_protocol(launch: &Launch, protobuf: bool) -> (HandshakeForm, SpecEncoding) {
    let encoding = |gob| {
        if protobuf {
            SpecEncoding::Protobuf
        } else {
            SpecEncoding::Gob(gob)
        }
    };
    let flavor_of = |form| match form {
        HandshakeForm::Legacy => GobFlavor::Debian166,
        HandshakeForm::V5_0 => GobFlavor::Upstream,
    };
    if let Some(value) = std::env::var_os(HANDSHAKE_OVERRIDE_ENV) {
        let value = value.to_string_lossy();
        match HandshakeForm::pick(&[], Some(&value)) {
            Ok(form) => return (form, encoding(flavor_of(form))),
            Err(error) => eprintln!("{HANDSHAKE_OVERRIDE_ENV} ignored: {error}"),
        }
    }
    if matches!(launch, Launch::Legacy { .. }) {
        return (HandshakeForm::Legacy, encoding(GobFlavor::Debian166));
    }
    match detect_parent_packer().await {
        Ok(detected) => {
            tracing::debug!("parent Packer {:?}: {:?}", detected.version, detected.form);
            (detected.form, encoding(detected.gob))
        }
        Err(error) => {
            eprintln!("cannot tell the parent Packer's version ({error}); assuming Packer 1.7+");
            (HandshakeForm::V5_0, encoding(GobFlavor::Upstream))
        }
    }
}

/// The `describe` answer; keys and order as the Go SDK writes them.
#[derive(Serialize)]
struct Description<'a> {
    version: &'a str,
    sdk_version: &'a str,
    api_version: &'a str,
    builders: Vec<&'a str>,
    post_processors: Vec<&'a str>,
    provisioners: Vec<&'a str>,
    datasources: Vec<&'a str>,
    protocol_version: &'a str,
}

impl Plugin {
    /// A plugin named `name` (binary `packer-plugin-<name>`) at `version` (plain semver).
    pub fn new(name: &'static str, version: &'static str) -> Self {
        Self {
            name,
            version,
            components: Vec::new(),
        }
    }

    /// Adds builder `name` (users see `<plugin>-<name>`).
    pub fn builder(mut self, name: &'static str, builder: Arc<dyn Builder>) -> Self {
        self.components.push((name, Component::Builder(builder)));
        self
    }

    /// Adds post-processor `name` (users see `<plugin>-<name>`).
    pub fn post_processor(
        mut self,
        name: &'static str,
        post_processor: Arc<dyn PostProcessor>,
    ) -> Self {
        self.components
            .push((name, Component::PostProcessor(post_processor)));
        self
    }

    fn names(&self, kind: ComponentKind) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .components
            .iter()
            .filter(|(_, c)| c.kind() == kind)
            .map(|(n, _)| *n)
            .collect();
        names.sort_unstable();
        names
    }

    /// The `describe` JSON (one line, no newline).
    pub fn describe_json(&self) -> String {
        let sdk_version = concat!("photon-", env!("CARGO_PKG_VERSION"));
        let description = Description {
            version: self.version,
            sdk_version,
            api_version: "x5.0",
            builders: self.names(ComponentKind::Builder),
            post_processors: self.names(ComponentKind::PostProcessor),
            provisioners: Vec::new(),
            datasources: Vec::new(),
            protocol_version: "v2",
        };
        // Serialising string fields cannot fail; keep describe infallible regardless.
        serde_json::to_string(&description).unwrap_or_else(|_| "{}".to_owned())
    }

    fn find(&self, kind: &str, name: &str) -> Option<Component> {
        self.components
            .iter()
            .find(|(n, c)| *n == name && c.kind().cli_name() == kind)
            .map(|(_, c)| c.clone())
    }

    /// argv dispatch: `describe` (never fails, no cookie), `start <kind> [--protobuf] <name>`,
    /// a bare launch under a legacy single-component name, `--version`. Serving checks the
    /// cookie, ignores SIGINT/SIGTERM, picks the handshake form, prints the line, and serves
    /// the one connection until it ends.
    pub fn main(self) -> ExitCode {
        let mut argv: Vec<OsString> = std::env::args_os().collect();
        let argv0 = if argv.is_empty() {
            String::new()
        } else {
            argv.remove(0).to_string_lossy().into_owned()
        };
        let protobuf = argv.iter().any(|a| a == "--protobuf");
        let args: Vec<String> = argv
            .iter()
            .filter(|a| *a != "--protobuf")
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let binary = format!("packer-plugin-{}", self.name);
        let launch = parse_launch(self.name, &argv0, &args);
        match &launch {
            Launch::Describe => {
                println!("{}", self.describe_json());
                return ExitCode::SUCCESS;
            }
            Launch::Version => {
                println!("{binary} {}", self.version);
                return ExitCode::SUCCESS;
            }
            Launch::Help => {
                println!(
                    "{binary} {}: a Packer plugin; Packer runs it.\nusage: {binary} describe | start <builder|post-processor> <name> | --version",
                    self.version
                );
                return ExitCode::SUCCESS;
            }
            Launch::Invalid(problem) => {
                eprintln!(
                    "{binary}: {problem}\nusage: {binary} describe | start <builder|post-processor> <name> | --version"
                );
                return ExitCode::FAILURE;
            }
            Launch::Start { .. } | Launch::Legacy { .. } => {}
        }
        if let Err(error) = handshake::check_magic_cookie_env() {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
        let (kind, name) = match &launch {
            Launch::Start { kind, name } | Launch::Legacy { kind, name } => (kind, name),
            _ => return ExitCode::FAILURE,
        };
        let Some(component) = self.find(kind, name) else {
            let wanted = if kind.is_empty() {
                format!("a single-component launch as {name:?}")
            } else {
                format!("{kind} {name:?}")
            };
            tracing::error!(component = wanted.as_str(), "no such component");
            eprintln!(
                "{binary} {}: cannot serve {wanted}: no such component (builders {:?}, post-processors {:?})",
                self.version,
                self.names(ComponentKind::Builder),
                self.names(ComponentKind::PostProcessor)
            );
            return ExitCode::FAILURE;
        };
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("{binary}: cannot start the async runtime: {error}");
                return ExitCode::FAILURE;
            }
        };
        let result = runtime.block_on(async move {
            handshake::ignore_termination_signals()
                .map_err(|e| format!("ignoring SIGINT/SIGTERM: {e}"))?;
            let (form, spec_encoding) = pick_protocol(&launch, protobuf).await;
            let conn = handshake::serve(form).await.map_err(|e| e.to_string())?;
            serve_connection(conn, component, ServeOptions { spec_encoding })
                .await
                .map_err(|e| e.to_string())
        });
        // Spawned tasks (artifact servers…) end with the process; don't wait for them.
        runtime.shutdown_background();
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{binary}: {error}");
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_version_is_remembered_per_binary_identity() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("packer");
        std::fs::write(&binary, b"one build").unwrap();
        let cache_dir = dir.path().join("cache");
        let exe = binary.to_str().unwrap();

        let cache = VersionCache::for_binary_in(exe, &cache_dir).unwrap();
        assert_eq!(cache.get(), None, "nothing remembered yet");
        cache.put((1, 6, 6));
        assert_eq!(
            VersionCache::for_binary_in(exe, &cache_dir).unwrap().get(),
            Some((1, 6, 6))
        );

        // Another build of Packer at the same path (new size) is asked again.
        std::fs::write(&binary, b"an upgraded build").unwrap();
        assert_eq!(
            VersionCache::for_binary_in(exe, &cache_dir).unwrap().get(),
            None
        );
        // A missing binary has no cache entry at all.
        assert!(VersionCache::for_binary_in("/nonexistent/packer", &cache_dir).is_none());
    }
}
