//! `terraform-provider-photon --debug`: the provider serves without Terraform, prints a
//! `TF_REATTACH_PROVIDERS` value, and the real Terraform 1.0.3 uses it (protocol 6, plaintext).

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir, plugin_binaries};

#[test]
fn acc_provider_debug_mode_serves_terraform_through_reattach() {
    let mut provider = Command::new(&plugin_binaries().provider)
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reattach = None;
    for line in BufReader::new(provider.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(value) = line.strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(value.trim_end_matches('\'').to_owned());
            break;
        }
    }
    let reattach = reattach.expect("the provider prints TF_REATTACH_PROVIDERS");
    let parsed: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let entry = &parsed["registry.terraform.io/photon-iac/photon"];
    assert_eq!(entry["ProtocolVersion"], 6, "{reattach}");
    assert_eq!(entry["Test"], true, "{reattach}");

    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("TF_REATTACH_PROVIDERS", &reattach)
        .env("TF_VAR_vsphere_password", "unused");
    terraform.write(
        "versions.tf",
        &format!("terraform {{\n  required_providers {{\n    photon = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n"),
    );
    terraform.copy_example("provider/provider.tf", "provider.tf");
    terraform.copy_example(
        "data-sources/photon_kickstart/data-source.tf",
        "kickstart.tf",
    );
    terraform.ok(&["init", "-no-color"]);
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
    let json = terraform.ok(&["output", "-raw", "kickstart_json"]);
    assert!(json.contains("\"hostname\":\"photon-web\""), "{json}");

    // Terraform never shuts a reattached provider down: it is still serving.
    assert!(
        provider.try_wait().unwrap().is_none(),
        "the debug provider exited"
    );
    provider.kill().unwrap();
    provider.wait().unwrap();
}
