//! The rig's Packer: the real 1.6.6 binary, discovering our plugin on its plugin path.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use photon_test_rig::PackerDir;

#[test]
fn packer_is_the_pinned_1_6_6() {
    let packer = PackerDir::new();
    let version = packer.ok(&["version"]);
    assert_eq!(version.lines().next(), Some("Packer v1.6.6"), "{version}");
}

#[test]
fn packer_discovers_our_plugin_and_still_validates_templates() {
    let packer = PackerDir::new();
    packer.write(
        "null.pkr.hcl",
        r#"source "null" "example" {
  communicator = "none"
}

build {
  sources = ["source.null.example"]
}
"#,
    );
    // Packer 1.6.6 runs `describe` on every packer-plugin-* it finds and aborts if one fails.
    let output = packer
        .command(&["validate", "null.pkr.hcl"])
        .env("PACKER_LOG", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("[DEBUG] Discovered plugin: photon = ")
            && stderr.contains("/packer-plugin-photon"),
        "Packer did not discover our plugin:\n{stderr}"
    );
}

// ---------------------------------------------------------------- protocol-level facts on 1.6.6
//
// The components' effects on vSphere are covered by packer_clone.rs / packer_iso.rs; these tests
// pin how Packer 1.6.6 launches and talks to our binary.

mod protocol {
    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Output, Stdio};
    use std::time::{Duration, Instant};

    use photon_test_rig::{PackerDir, Vcsim, plugin_binaries, project_root};

    fn vars() -> Vec<String> {
        let vcsim = Vcsim::shared();
        [
            format!("vcenter_server={}", vcsim.url),
            format!("username={}", vcsim.options.username),
            format!("password={}", vcsim.options.password),
            format!("ca_file={}", vcsim.ca_file.display()),
        ]
        .into_iter()
        .flat_map(|v| ["-var".to_owned(), v])
        .collect()
    }

    fn copy_example(packer: &PackerDir, component: &str, file: &str) {
        let path = project_root()
            .join("examples/packer")
            .join(component)
            .join(file);
        packer.write(file, &std::fs::read_to_string(&path).unwrap());
    }

    /// Runs packer (with `PACKER_LOG=1`), killed after `limit` so a hang fails the test.
    fn run(packer: &PackerDir, args: &[String], env: &[(&str, &str)], limit: Duration) -> Output {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut command = packer.command(&args);
        command.env("PACKER_LOG", "1");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = drain(child.stdout.take().unwrap());
        let err = drain(child.stderr.take().unwrap());
        let status = wait(&mut child, limit);
        Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }

    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    }

    fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "packer did not finish in {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn text(output: &Output) -> String {
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    fn args(head: &[&str], template: &str) -> Vec<String> {
        let mut all: Vec<String> = head.iter().map(|s| (*s).to_owned()).collect();
        all.extend(vars());
        all.push(template.to_owned());
        all
    }

    /// A plugin directory holding only single-component names linked to our binary.
    fn legacy_plugin_dir(root: &Path) -> PathBuf {
        let dir = root.join("legacy-plugins");
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "packer-builder-photon-clone",
            "packer-post-processor-photon-template",
        ] {
            let link = dir.join(name);
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&plugin_binaries().packer_plugin, &link).unwrap();
        }
        dir
    }

    #[test]
    fn start_launches_get_the_three_field_line_and_debian_gob_specs() {
        // Packer 1.6.6 runs `packer-plugin-photon start builder iso`, the argv 1.7+ uses too:
        // the binary must find out from its parent that this Packer wants `5|unix|…`. The iso
        // spec has a nested `kickstart` block, so validation also proves the Debian gob name of
        // the nested ObjectSpec (the upstream name makes Packer panic).
        let packer = PackerDir::new();
        copy_example(&packer, "photon-iso", "build.pkr.hcl");
        let output = run(
            &packer,
            &args(&["validate"], "build.pkr.hcl"),
            &[],
            Duration::from_secs(120),
        );
        let all = text(&output);
        assert!(output.status.success(), "{all}");
        assert!(all.contains(r#""start", "builder", "iso"}"#), "{all}");
        assert!(!all.contains("panic"), "{all}");
    }

    #[test]
    fn json_and_hcl2_clone_templates_validate_through_start() {
        let packer = PackerDir::new();
        copy_example(&packer, "photon-clone", "build.pkr.hcl");
        copy_example(&packer, "photon-clone", "build.json");
        for template in ["build.pkr.hcl", "build.json"] {
            let output = run(
                &packer,
                &args(&["validate"], template),
                &[],
                Duration::from_secs(120),
            );
            let all = text(&output);
            assert!(output.status.success(), "{template}: {all}");
            assert!(all.contains(r#""start", "builder", "clone"}"#), "{all}");
            assert!(
                all.contains(r#""start", "post-processor", "template"}"#),
                "{all}"
            );
        }
    }

    #[test]
    fn the_override_forces_the_modern_line_which_1_6_6_refuses() {
        // Proves the form is chosen per launch: forcing `5|0|unix|…` breaks 1.6.6 exactly as
        // the reference observed.
        let packer = PackerDir::new();
        copy_example(&packer, "photon-clone", "build.json");
        let output = run(
            &packer,
            &args(&["validate"], "build.json"),
            &[("PACKER_PLUGIN_PHOTON_HANDSHAKE", "v5.0")],
            Duration::from_secs(120),
        );
        let all = text(&output);
        assert!(!output.status.success(), "{all}");
        assert!(all.contains("Unknown address type: 0"), "{all}");
    }

    #[test]
    fn legacy_single_component_names_launch_bare_and_build() {
        // `packer-builder-photon-clone` is run with no arguments; the binary takes the component
        // from its name and answers the legacy line. A full build exercises Run, Ui, Hook.Run
        // (a shell-local provisioner's output is forwarded through our hook stream), the
        // artifact, and the post-processor reading it through Packer's proxy.
        let packer = PackerDir::new();
        let plugins = legacy_plugin_dir(&packer.path());
        copy_example(&packer, "photon-clone", "build.pkr.hcl");
        let mut build = args(&["build"], "build.pkr.hcl");
        build.insert(1, "-var".into());
        build.insert(2, "vm_name=protocol-legacy-build".into());
        let output = run(
            &packer,
            &build,
            &[("PACKER_PLUGIN_PATH", plugins.to_str().unwrap())],
            Duration::from_secs(300),
        );
        let all = text(&output);
        assert!(output.status.success(), "{all}");
        let link = plugins.join("packer-builder-photon-clone");
        assert!(
            all.contains(&format!(
                "{} []string{{\"{}\"}}",
                link.display(),
                link.display()
            )),
            "not a bare launch: {all}"
        );
        assert!(!all.contains(r#""start""#), "{all}");
        assert!(all.contains("the clone is customised"), "{all}");
        assert!(all.contains("--> photon-clone.web:"), "{all}");
    }
}
