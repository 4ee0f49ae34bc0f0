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
