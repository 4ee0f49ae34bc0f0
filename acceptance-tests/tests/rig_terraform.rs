//! The rig's Terraform: the real 1.0.3 binary, finding our freshly built provider both ways.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir};

fn configuration() -> String {
    format!(
        r#"terraform {{
  required_providers {{
    photon = {{
      source  = "{PROVIDER_SOURCE}"
      version = "{}"
    }}
  }}
}}

provider "photon" {{}}
"#,
        env!("CARGO_PKG_VERSION")
    )
}

#[test]
fn terraform_is_the_pinned_1_0_3() {
    let terraform = TerraformDir::new(ProviderInstall::DevOverride);
    let version = terraform.ok(&["version"]);
    assert_eq!(
        version.lines().next(),
        Some("Terraform v1.0.3"),
        "{version}"
    );
}

#[test]
fn filesystem_mirror_init_installs_our_provider_and_locks_its_hash() {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror);
    terraform.write("main.tf", &configuration());
    terraform.ok(&["init", "-no-color"]);

    let lock = std::fs::read_to_string(terraform.path().join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(r#"provider "registry.terraform.io/photon-iac/photon""#),
        "{lock}"
    );
    assert!(
        lock.contains(&format!(r#"version     = "{}""#, env!("CARGO_PKG_VERSION"))),
        "{lock}"
    );
    assert!(lock.contains("\"h1:"), "{lock}");
    let installed = terraform.path().join(format!(
        ".terraform/providers/registry.terraform.io/{PROVIDER_SOURCE}/{}/linux_amd64",
        env!("CARGO_PKG_VERSION")
    ));
    assert!(installed.exists(), "{} missing", installed.display());
}

#[test]
fn dev_override_makes_terraform_launch_our_provider_and_read_its_logs() {
    let terraform = TerraformDir::new(ProviderInstall::DevOverride);
    terraform.write("main.tf", &configuration());
    // No `terraform init`: 1.0.3's init would look the overridden provider up in the registry.
    let output = terraform
        .command(&["validate", "-no-color"])
        .env("TF_LOG", "trace")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Provider development overrides are in effect"),
        "{stdout}"
    );
    assert!(
        stderr.contains("provider: plugin started: path=")
            && stderr.contains("terraform-provider-photon"),
        "Terraform did not start our binary:\n{stderr}"
    );
    // Our hclog JSON lines, parsed by go-plugin into leveled entries under our module name.
    assert!(
        stderr.contains("[INFO]  provider.terraform-provider-photon: "),
        "our log lines did not reach Terraform's log as INFO entries:\n{stderr}"
    );
}
