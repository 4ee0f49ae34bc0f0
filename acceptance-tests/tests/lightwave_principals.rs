//! `photon_lightwave_group`, `photon_lightwave_group_member`, `photon_lightwave_solution_user`
//! and `photon_lightwave_oidc_client` through the real Terraform 1.0.3 against a Lightwave
//! simulator of the test's own, over verified TLS, with the examples' provider alias logged in
//! to tenant "acme" as its administrator. The tenant and the member users are made by the test
//! through the `lightwave` client (not Terraform), and every effect is checked through client
//! sessions of the test's own, independent of the provider process.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use lightwave::{
    Client, ConnectOptions, Group, MemberType, OidcClient, PasswordDetails, SolutionUser, Tenant,
    User,
};
use photon_test_rig::{LightwaveSim, LightwaveSimOptions, ProviderInstall, TerraformDir};
use serde_json::Value;

const TENANT: &str = "acme";
const TENANT_ADMIN: &str = "Administrator@acme";
const TENANT_PASSWORD: &str = "Acme-Admin-Passw0rd!";
const GROUP_UPN: &str = "app-operators@acme";

fn example(path: &str) -> String {
    std::fs::read_to_string(photon_test_rig::project_root().join("examples").join(path)).unwrap()
}

/// The first PEM certificate of `pem` (a CA file may hold a chain).
fn first_certificate(pem: &str) -> String {
    const END: &str = "-----END CERTIFICATE-----";
    let end = pem.find(END).expect("a PEM certificate") + END.len();
    let start = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    format!("{}\n", &pem[start..end])
}

/// Whitespace-insensitive PEM comparison (servers may re-wrap lines).
fn same_pem(left: &str, right: &str) -> bool {
    let squash = |text: &str| text.split_whitespace().collect::<String>();
    squash(left) == squash(right)
}

fn plan(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

fn assert_plan_empty(terraform: &TerraformDir, when: &str) {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(0), "plan {when} is not empty:\n{text}");
}

/// No resource changes; output values may still be new (`terraform state rm` drops the outputs
/// that depend on the removed objects, and imports do not restore them).
fn assert_no_resource_changes(terraform: &TerraformDir, when: &str) {
    let (code, text) = plan(terraform);
    let outputs_only = code == Some(2)
        && text.contains("without changing any real infrastructure")
        && !text.contains("will perform the following actions");
    assert!(
        code == Some(0) || outputs_only,
        "plan {when} changes resources:\n{text}"
    );
}

fn apply(terraform: &TerraformDir) {
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
}

fn outputs(terraform: &TerraformDir) -> Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

/// Our own Lightwave sessions: the system administrator's and tenant acme's administrator's.
struct Directory {
    acme: Client,
    runtime: tokio::runtime::Runtime,
}

impl Directory {
    /// Creates tenant acme as the system administrator, logs in to it as its administrator and
    /// creates the users the memberships refer to.
    fn prepare(sim: &LightwaveSim) -> Directory {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let connect = |tenant: &str, username: &str, password: &str| {
            let mut options = ConnectOptions::new(sim.url(), tenant, username, password);
            options.ca_file = Some(sim.ca_file().to_path_buf());
            runtime.block_on(Client::connect(options)).unwrap()
        };
        let system = connect(sim.tenant(), sim.admin_username(), sim.admin_password());
        runtime
            .block_on(system.create_tenant(&Tenant {
                name: TENANT.into(),
                username: Some(TENANT_ADMIN.into()),
                password: Some(TENANT_PASSWORD.into()),
                ..Default::default()
            }))
            .unwrap();
        let acme = connect(TENANT, TENANT_ADMIN, TENANT_PASSWORD);
        for name in ["jane", "john"] {
            runtime
                .block_on(acme.create_user(
                    TENANT,
                    &User {
                        name: name.into(),
                        domain: TENANT.into(),
                        password_details: Some(PasswordDetails {
                            password: Some(format!("{name}-Passw0rd!")),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ))
                .unwrap();
        }
        Directory { acme, runtime }
    }

    fn group(&self, upn: &str) -> Option<Group> {
        match self.runtime.block_on(self.acme.get_group(TENANT, upn)) {
            Ok(group) => Some(group),
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("get group {upn}: {error}"),
        }
    }

    /// The user members' UPNs, lower-cased; `None` when the group does not exist.
    fn user_members(&self, group: &str) -> Option<Vec<String>> {
        match self
            .runtime
            .block_on(self.acme.group_members(TENANT, group, MemberType::User))
        {
            Ok(members) => {
                let mut upns: Vec<String> = members
                    .users
                    .iter()
                    .map(|user| user.upn().to_lowercase())
                    .collect();
                upns.sort();
                Some(upns)
            }
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("members of {group}: {error}"),
        }
    }

    fn remove_member(&self, group: &str, member: &str) {
        self.runtime
            .block_on(
                self.acme
                    .remove_group_members(TENANT, group, MemberType::User, &[member]),
            )
            .unwrap();
    }

    fn solution_user(&self, name: &str) -> Option<SolutionUser> {
        match self
            .runtime
            .block_on(self.acme.get_solution_user(TENANT, name))
        {
            Ok(user) => Some(user),
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("get solution user {name}: {error}"),
        }
    }

    fn oidc_client(&self, client_id: &str) -> Option<OidcClient> {
        match self
            .runtime
            .block_on(self.acme.get_oidc_client(TENANT, client_id))
        {
            Ok(client) => Some(client),
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("get OIDC client {client_id}: {error}"),
        }
    }

    fn oidc_client_count(&self) -> usize {
        self.runtime
            .block_on(self.acme.list_oidc_clients(TENANT))
            .unwrap()
            .len()
    }

    fn user_exists(&self, upn: &str) -> bool {
        self.runtime
            .block_on(self.acme.get_user(TENANT, upn))
            .is_ok()
    }
}

/// The four examples together (the group example declares the provider alias and variables),
/// plus a second membership, life-cycled: create, no drift, in-place changes, out-of-band
/// member removal, import of each type, destroy; then validation diagnostics.
#[test]
fn acc_photon_lightwave_principals_lifecycle() {
    let sim = LightwaveSim::start(LightwaveSimOptions::default());
    let directory = Directory::prepare(&sim);
    let ca_pem = std::fs::read_to_string(sim.ca_file()).unwrap();
    let certificate = first_certificate(&ca_pem);

    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(&sim)
        .env("TF_VAR_lightwave_endpoint", sim.url())
        .env("TF_VAR_lightwave_ca_file", &sim.ca_file().to_string_lossy())
        .env("TF_VAR_acme_admin_password", TENANT_PASSWORD);
    terraform.require_this_provider();
    let group_tf = example("resources/photon_lightwave_group/resource.tf");
    let oidc_tf = example("resources/photon_lightwave_oidc_client/resource.tf");
    terraform.write("group.tf", &group_tf);
    terraform.write(
        "member.tf",
        &example("resources/photon_lightwave_group_member/resource.tf"),
    );
    terraform.write(
        "member_john.tf",
        "resource \"photon_lightwave_group_member\" \"operators_john\" {\n  provider = photon.acme\n  group    = photon_lightwave_group.operators.upn\n  member   = \"john@acme\"\n}\n",
    );
    terraform.write(
        "solution_user.tf",
        &example("resources/photon_lightwave_solution_user/resource.tf"),
    );
    terraform.write("app-backend.crt", &certificate);
    terraform.write("oidc.tf", &oidc_tf);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    // Every object exists in tenant acme as configured.
    let group = directory.group(GROUP_UPN).expect("group created by apply");
    assert_eq!(
        group
            .details
            .and_then(|details| details.description)
            .as_deref(),
        Some("Operators of the app. Managed by Terraform.")
    );
    assert_eq!(
        directory.user_members(GROUP_UPN).unwrap(),
        ["jane@acme", "john@acme"]
    );
    let backend = directory
        .solution_user("app-backend")
        .expect("solution user created by apply");
    assert_eq!(
        backend.description.as_deref(),
        Some("The app's backend service.")
    );
    assert!(same_pem(
        &backend.certificate.unwrap().encoded,
        &certificate
    ));
    let outputs_now = outputs(&terraform);
    assert_eq!(outputs_now["operators_upn"]["value"], GROUP_UPN);
    assert_eq!(outputs_now["backend_upn"]["value"], "app-backend@acme");
    let client_id = outputs_now["app_client_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = directory
        .oidc_client(&client_id)
        .expect("OIDC client registered by apply");
    assert_eq!(
        client.metadata.redirect_uris,
        ["https://app.example.com/oidc/callback"]
    );
    assert_eq!(
        client.metadata.post_logout_redirect_uris,
        ["https://app.example.com/"]
    );
    assert_eq!(
        client.metadata.logout_uri.as_deref(),
        Some("https://app.example.com/oidc/logout")
    );
    assert_eq!(
        client.metadata.token_endpoint_auth_method.as_deref(),
        Some("none")
    );
    assert_plan_empty(&terraform, "after create");

    // In place: the group's description and the client's redirect URI. Out of band: john leaves
    // the group, so the plan adds the membership again.
    terraform.write(
        "group.tf",
        &group_tf.replace("Operators of the app.", "Operate the app."),
    );
    terraform.write(
        "oidc.tf",
        &oidc_tf.replace("/oidc/callback", "/auth/callback"),
    );
    directory.remove_member(GROUP_UPN, "john@acme");
    assert_eq!(directory.user_members(GROUP_UPN).unwrap(), ["jane@acme"]);
    let (code, text) = plan(&terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("1 to add, 2 to change, 0 to destroy"),
        "expected two in-place updates and the membership re-added:\n{text}"
    );
    assert!(
        text.contains("photon_lightwave_group_member.operators_john will be created"),
        "{text}"
    );
    apply(&terraform);
    let group = directory.group(GROUP_UPN).unwrap();
    assert_eq!(
        group
            .details
            .and_then(|details| details.description)
            .as_deref(),
        Some("Operate the app. Managed by Terraform.")
    );
    assert_eq!(
        directory.user_members(GROUP_UPN).unwrap(),
        ["jane@acme", "john@acme"]
    );
    assert_eq!(
        outputs(&terraform)["app_client_id"]["value"],
        client_id.as_str(),
        "the client id survives an update"
    );
    let client = directory.oidc_client(&client_id).expect("updated in place");
    assert_eq!(
        client.metadata.redirect_uris,
        ["https://app.example.com/auth/callback"]
    );
    assert_eq!(
        directory.oidc_client_count(),
        1,
        "no second client registered"
    );
    assert_plan_empty(&terraform, "after the in-place changes");

    // Import: forget four objects, import them by their documented ids, and the plan is empty
    // again (import filled every attribute the configuration sets).
    let addresses = [
        "photon_lightwave_group.operators",
        "photon_lightwave_group_member.operators_jane",
        "photon_lightwave_solution_user.backend",
        "photon_lightwave_oidc_client.app",
    ];
    let mut state_rm = vec!["state", "rm"];
    state_rm.extend(addresses);
    terraform.ok(&state_rm);
    let client_import_id = format!("acme/{client_id}");
    for (address, id) in addresses.iter().zip([
        "acme/app-operators@acme",
        "acme/app-operators@acme/jane@acme",
        "acme/app-backend",
        client_import_id.as_str(),
    ]) {
        terraform.ok(&["import", "-no-color", address, id]);
    }
    assert_no_resource_changes(&terraform, "after importing");

    // Destroy removes every object; the users, which Terraform does not manage, stay.
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(directory.group(GROUP_UPN).is_none(), "group deleted");
    assert!(
        directory.user_members(GROUP_UPN).is_none(),
        "no group, no members"
    );
    assert!(
        directory.solution_user("app-backend").is_none(),
        "solution user deleted"
    );
    assert!(
        directory.oidc_client(&client_id).is_none(),
        "OIDC client deleted"
    );
    assert_eq!(directory.oidc_client_count(), 0);
    assert!(directory.user_exists("jane@acme") && directory.user_exists("john@acme"));

    // Bad input is refused before any call, naming the attribute.
    terraform.write(
        "bad.tf",
        "resource \"photon_lightwave_oidc_client\" \"service\" {\n  provider                   = photon.acme\n  redirect_uris              = [\"https://svc.example.com/cb\"]\n  token_endpoint_auth_method = \"private_key_jwt\"\n}\n\nresource \"photon_lightwave_solution_user\" \"bad\" {\n  provider    = photon.acme\n  name        = \"bad\"\n  certificate = \"not a certificate\"\n}\n",
    );
    let output = terraform.run(&["validate", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "validate should fail:\n{stderr}");
    assert!(stderr.contains("cert_subject_dn: required"), "{stderr}");
    assert!(
        stderr.contains("certificate: expected one PEM-encoded X.509 certificate"),
        "{stderr}"
    );
    assert!(directory.solution_user("bad").is_none());
}
