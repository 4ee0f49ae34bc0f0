//! The provider never leaks vSphere sessions: every provider process Terraform starts logs its
//! session out when Terraform shuts it down (the SDK's close hook), so the server's session
//! list is back to what it was after each `terraform` command. Its own simulator, so no other
//! test's sessions are counted.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir, Vcsim, VcsimOptions};

#[test]
fn acc_every_terraform_command_leaves_the_session_count_unchanged() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let observer = runtime
        .block_on(vim::Client::connect(common::vim_options(&vcsim)))
        .unwrap();
    let others = || -> Vec<String> {
        runtime
            .block_on(observer.sessions())
            .unwrap()
            .into_iter()
            .map(|session| session.key)
            .filter(|key| *key != observer.user_session().key)
            .collect()
    };
    assert_eq!(others(), Vec::<String>::new());

    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(&vcsim);
    terraform.write(
        "main.tf",
        &format!(
            r#"terraform {{
  required_providers {{
    photon = {{ source = "{PROVIDER_SOURCE}" }}
  }}
}}

provider "photon" {{}}

data "photon_datacenter" "dc" {{
  name = "DC0"
}}

resource "photon_folder" "sessions" {{
  path          = "sessions"
  type          = "vm"
  datacenter_id = data.photon_datacenter.dc.id
}}
"#
        ),
    );
    terraform.ok(&["init", "-no-color"]);
    for command in [
        &["apply", "-no-color", "-auto-approve"][..],
        &["plan", "-no-color"][..],
        &["destroy", "-no-color", "-auto-approve"][..],
    ] {
        terraform.ok(command);
        assert_eq!(
            others(),
            Vec::<String>::new(),
            "sessions left open after terraform {}",
            command[0]
        );
    }
    // The commands really used the server: the folder came and went.
    assert!(
        runtime
            .block_on(observer.find_by_inventory_path("DC0/vm/sessions"))
            .unwrap()
            .is_none()
    );
    runtime.block_on(observer.logout()).unwrap();
}
