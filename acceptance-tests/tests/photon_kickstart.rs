//! `photon_kickstart` through the real Terraform 1.0.3: the documented example is installed from
//! a filesystem mirror, then initialised, validated, planned, applied, re-planned and destroyed,
//! over protocol 6 and, with the provider limited to it, protocol 5.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use base64::Engine;
use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir};

fn versions_tf() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    photon = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn workdir(protocol: &str) -> TerraformDir {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("TFSDK_PROTOCOL_VERSIONS", protocol)
        .env("TF_VAR_vsphere_password", "not-used-by-this-example");
    terraform.write("versions.tf", &versions_tf());
    terraform.copy_example("provider/provider.tf", "provider.tf");
    terraform
}

fn apply_example_over(protocol: &str) {
    let terraform = workdir(protocol);
    terraform.copy_example(
        "data-sources/photon_kickstart/data-source.tf",
        "kickstart.tf",
    );

    terraform.ok(&["init", "-no-color"]);
    terraform.ok(&["validate", "-no-color"]);
    terraform.ok(&["plan", "-no-color", "-out=tfplan"]);
    let applied = terraform
        .command(&["apply", "-no-color", "tfplan"])
        .env("TF_LOG", "debug")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&applied.stderr);
    assert!(
        applied.status.success(),
        "{}\n{log}",
        String::from_utf8_lossy(&applied.stdout)
    );
    assert!(
        log.contains(&format!("provider: using plugin: version={protocol}")),
        "Terraform did not speak protocol {protocol}:\n{log}"
    );

    let outputs: serde_json::Value =
        serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap();
    let json = outputs["kickstart_json"]["value"].as_str().unwrap();
    assert_eq!(outputs["kickstart_json"]["sensitive"], true);
    let kickstart: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(kickstart["hostname"], "photon-web");
    assert_eq!(kickstart["disk"], "/dev/sda");
    assert_eq!(kickstart["bootmode"], "efi");
    assert_eq!(kickstart["password"]["crypted"], true);
    assert_eq!(kickstart["partitions"].as_array().unwrap().len(), 2);
    assert_eq!(kickstart["network"]["type"], "dhcp");
    let base64 = outputs["kickstart_base64"]["value"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap();
    assert_eq!(decoded, json.as_bytes(), "base64 must be exactly the JSON");

    // Nothing changes on a second plan: exit code 0 with -detailed-exitcode.
    let replan = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(
        replan.status.code(),
        Some(0),
        "second plan is not empty:\n{}",
        String::from_utf8_lossy(&replan.stdout)
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    let state = terraform.ok(&["show", "-json"]);
    assert!(
        !state.contains("photon_kickstart"),
        "state after destroy: {state}"
    );
}

#[test]
fn acc_photon_kickstart_example_over_protocol_6() {
    apply_example_over("6");
}

#[test]
fn acc_photon_kickstart_example_over_protocol_5() {
    apply_example_over("5");
}

#[test]
fn acc_photon_kickstart_bad_input_is_a_diagnostic_at_the_attribute() {
    let terraform = workdir("6");
    terraform.write(
        "main.tf",
        r#"data "photon_kickstart" "bad" {
  hostname = "-not-a-hostname-"
  disk     = "/dev/sda"
}

data "photon_kickstart" "generation" {
  installer_generation = "photon-9"
}
"#,
    );
    terraform.ok(&["init", "-no-color"]);
    let output = terraform.run(&["validate", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    // Terraform points at the offending expressions.
    assert!(stderr.contains("Error: Invalid kickstart"), "{stderr}");
    assert!(
        stderr.contains(r#"hostname = "-not-a-hostname-""#),
        "{stderr}"
    );
    assert!(
        stderr.contains("Error: Invalid installer generation"),
        "{stderr}"
    );
    assert!(
        stderr.contains(r#"installer_generation = "photon-9""#),
        "{stderr}"
    );
    assert!(
        stderr.contains("poi-2.7"),
        "the valid generations are listed: {stderr}"
    );
}
