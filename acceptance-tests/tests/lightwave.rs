//! The Lightwave resources through the real Terraform 1.0.3 against `lightwave-sim` over
//! verified TLS: the whole `examples/lightwave` scenario (tenant, policies, users, group and
//! members, solution user, OIDC client, data source), in-place and replacing changes, drift,
//! import into a fresh state, destroy, and a wrong password. The provider is configured from
//! LIGHTWAVE_* (system tenant) plus an alias logged in to the new tenant; every effect is checked
//! through `lightwave::Client` sessions of the test's own, logged in as the right administrator.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use lightwave::{Client, ConfigType, ConnectOptions, MemberType, Tenant, TenantConfiguration};
use photon_test_rig::{LightwaveSim, LightwaveSimOptions, ProviderInstall, TerraformDir};
use serde_json::Value;

const TENANT: &str = "acme";
const TENANT_ADMIN_PASSWORD: &str = "Acme!Admin42";
const USER_PASSWORD: &str = "Initial!Pass1";
const ISSUER: &str = "https://issuer.example.com/acme";
const SCENARIO_FILES: [&str; 4] = ["main.tf", "variables.tf", "outputs.tf", "app-backend.crt"];

/// A working directory holding `examples/lightwave`, the provider pointed at `sim` through
/// LIGHTWAVE_* and the secrets through TF_VAR_*.
fn scenario_dir(sim: &LightwaveSim) -> TerraformDir {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(sim)
        .env("TF_VAR_tenant_admin_password", TENANT_ADMIN_PASSWORD)
        .env("TF_VAR_user_password", USER_PASSWORD);
    for file in SCENARIO_FILES {
        terraform.copy_example(&format!("lightwave/{file}"), file);
    }
    terraform.ok(&["init", "-no-color"]);
    terraform
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

/// Plans (expecting changes) and checks that every expected line is in it.
fn assert_plan(terraform: &TerraformDir, expected: &[&str]) -> String {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(2), "{text}");
    for line in expected {
        assert!(
            text.contains(line),
            "expected {line:?} in the plan:\n{text}"
        );
    }
    text
}

fn apply(terraform: &TerraformDir) -> String {
    terraform.ok(&["apply", "-no-color", "-auto-approve"])
}

fn outputs(terraform: &TerraformDir) -> Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

fn output(terraform: &TerraformDir, name: &str) -> String {
    outputs(terraform)[name]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("output {name} is not a string"))
        .to_owned()
}

/// Our own Lightwave sessions, independent of the provider process.
struct Lightwave<'a> {
    sim: &'a LightwaveSim,
    runtime: tokio::runtime::Runtime,
}

impl<'a> Lightwave<'a> {
    fn new(sim: &'a LightwaveSim) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Lightwave { sim, runtime }
    }

    fn connect(
        &self,
        tenant: &str,
        username: &str,
        password: &str,
    ) -> Result<Client, Box<lightwave::Error>> {
        let mut options = ConnectOptions::new(self.sim.url(), tenant, username, password);
        options.ca_file = Some(self.sim.ca_file().to_path_buf());
        self.runtime
            .block_on(Client::connect(options))
            .map_err(Box::new)
    }

    /// The system tenant's administrator (TenantOperator).
    fn system(&self) -> Client {
        self.connect(
            self.sim.tenant(),
            self.sim.admin_username(),
            self.sim.admin_password(),
        )
        .unwrap()
    }

    /// A fresh login to tenant `acme` as its administrator.
    fn acme(&self) -> Client {
        self.connect(
            TENANT,
            &format!("Administrator@{TENANT}"),
            TENANT_ADMIN_PASSWORD,
        )
        .unwrap()
    }

    fn run<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    fn policies(&self, client: &Client) -> TenantConfiguration {
        self.run(client.tenant_config(
            TENANT,
            &[ConfigType::Password, ConfigType::Lockout, ConfigType::Token],
        ))
        .unwrap()
    }

    /// What "the simulator as before" means for the system tenant.
    fn system_snapshot(&self) -> (Tenant, TenantConfiguration, Vec<String>) {
        let system = self.system();
        let tenant = self.run(system.get_tenant(self.sim.tenant())).unwrap();
        let config = self
            .run(system.tenant_config(self.sim.tenant(), &[ConfigType::All]))
            .unwrap();
        let mut groups: Vec<String> = self
            .run(system.user_groups(self.sim.tenant(), self.sim.admin_username(), false))
            .unwrap()
            .iter()
            .map(|group| group.upn())
            .collect();
        groups.sort();
        (tenant, config, groups)
    }
}

/// Checks everything `examples/lightwave` creates, through a fresh login to the tenant.
fn assert_scenario_exists(
    lightwave: &Lightwave<'_>,
    terraform: &TerraformDir,
    long_name: &str,
    min_length: i32,
) -> Tenant {
    let acme = lightwave.acme();
    let tenant = lightwave.run(acme.get_tenant(TENANT)).unwrap();
    assert_eq!(tenant.long_name.as_deref(), Some(long_name));
    assert_eq!(
        tenant.guid.as_deref(),
        Some(output(terraform, "tenant_guid").as_str())
    );
    assert_eq!(
        tenant.issuer.as_deref(),
        Some(output(terraform, "tenant_issuer").as_str())
    );

    let config = lightwave.policies(&acme);
    let password = config.password_policy.unwrap();
    assert_eq!(
        (password.min_length, password.max_length),
        (Some(min_length), Some(64))
    );
    assert_eq!(password.min_uppercase_count, Some(1));
    let lockout = config.lockout_policy.unwrap();
    assert_eq!(lockout.max_failed_attempts, Some(5));
    assert_eq!(lockout.failed_attempt_interval_sec, Some(900));
    assert_eq!(lockout.auto_unlock_interval_sec, Some(600));
    let token = config.token_policy.unwrap();
    assert_eq!(token.max_bearer_token_life_time_millis, Some(3_600_000));
    assert_eq!(token.clock_tolerance_millis, Some(300_000));

    for (name, first) in [("jane", "Jane"), ("john", "John")] {
        let user = lightwave
            .run(acme.get_user(TENANT, &format!("{name}@{TENANT}")))
            .unwrap();
        let details = user.details.unwrap();
        assert_eq!(details.first_name.as_deref(), Some(first));
        assert_eq!(details.email, Some(format!("{name}@acme.example.com")));
    }
    let group = output(terraform, "operators_upn");
    assert_eq!(group, format!("app-operators@{TENANT}"));
    let members = lightwave
        .run(acme.group_members(TENANT, &group, MemberType::User))
        .unwrap();
    let mut member_upns: Vec<String> = members.users.iter().map(|user| user.upn()).collect();
    member_upns.sort();
    assert_eq!(
        member_upns,
        vec![format!("jane@{TENANT}"), format!("john@{TENANT}")]
    );

    let backend = lightwave
        .run(acme.get_solution_user(TENANT, "app-backend"))
        .unwrap();
    let certificate = std::fs::read_to_string(
        photon_test_rig::project_root().join("examples/lightwave/app-backend.crt"),
    )
    .unwrap();
    assert_eq!(
        backend.certificate.unwrap().encoded.trim(),
        certificate.trim()
    );
    let client = lightwave
        .run(acme.get_oidc_client(TENANT, &output(terraform, "web_client_id")))
        .unwrap();
    assert_eq!(
        client.metadata.redirect_uris,
        vec!["https://app.example.com/oidc/callback".to_owned()]
    );
    tenant
}

/// The issue's "done when" list, in one life of the scenario on a simulator of its own.
#[test]
fn acc_lightwave_scenario_lifecycle() {
    let sim = LightwaveSim::start(LightwaveSimOptions::default());
    let lightwave = Lightwave::new(&sim);
    let before = lightwave.system_snapshot();
    let system = lightwave.system();
    assert!(
        lightwave
            .run(system.get_tenant(TENANT))
            .unwrap_err()
            .is_not_found()
    );

    // Create everything; nothing left to do afterwards.
    let terraform = scenario_dir(&sim);
    apply(&terraform);
    let created = assert_scenario_exists(&lightwave, &terraform, "Acme Corporation", 10);
    assert_plan_empty(&terraform, "after the first apply");

    // A policy value and the tenant's issuer change in place.
    let settings = format!("min_password_length = 12\ntenant_issuer = \"{ISSUER}\"\n");
    terraform.write("test.auto.tfvars", &settings);
    let text = assert_plan(
        &terraform,
        &[
            "photon_lightwave_tenant_policy.app will be updated in-place",
            "photon_lightwave_tenant.app will be updated in-place",
            "Plan: 0 to add, 2 to change, 0 to destroy.",
        ],
    );
    assert!(
        text.contains("min_length") && text.contains("10 -> 12"),
        "{text}"
    );
    apply(&terraform);
    let acme = lightwave.acme();
    let password = lightwave.policies(&acme).password_policy.unwrap();
    assert_eq!(password.min_length, Some(12));
    assert_eq!(
        password.max_length,
        Some(64),
        "fields not configured are kept"
    );
    let tenant = lightwave.run(acme.get_tenant(TENANT)).unwrap();
    assert_eq!(tenant.issuer.as_deref(), Some(ISSUER));
    assert_eq!(
        tenant.guid, created.guid,
        "an in-place update keeps the tenant"
    );

    // A user deleted outside Terraform is created again.
    lightwave
        .run(acme.delete_user(TENANT, &format!("john@{TENANT}")))
        .unwrap();
    assert_plan(
        &terraform,
        &["photon_lightwave_user.people[\"john\"] will be created"],
    );
    apply(&terraform);
    lightwave
        .run(acme.get_user(TENANT, &format!("john@{TENANT}")))
        .unwrap();
    assert_plan_empty(&terraform, "after restoring the user");

    // A create-only field replaces the tenant (and with it everything in it, which the next
    // apply creates again).
    terraform.write(
        "test.auto.tfvars",
        &format!("{settings}tenant_long_name = \"Acme Inc.\"\n"),
    );
    assert_plan(
        &terraform,
        &[
            "photon_lightwave_tenant.app must be replaced",
            "Plan: 1 to add, 0 to change, 1 to destroy.",
        ],
    );
    apply(&terraform);
    let replaced = lightwave.run(lightwave.acme().get_tenant(TENANT)).unwrap();
    assert_eq!(replaced.long_name.as_deref(), Some("Acme Inc."));
    assert_eq!(
        replaced.issuer.as_deref(),
        Some(ISSUER),
        "set again on the new tenant"
    );
    assert_ne!(
        replaced.guid, created.guid,
        "a replaced tenant has a new GUID"
    );
    assert_plan(
        &terraform,
        &["photon_lightwave_user.people[\"jane\"] will be created"],
    );
    apply(&terraform);
    assert_scenario_exists(&lightwave, &terraform, "Acme Inc.", 12);
    assert_plan_empty(&terraform, "after re-creating the tenant's contents");

    // Import every resource into a fresh state: only the documented write-only values differ.
    let client_id = output(&terraform, "web_client_id");
    let imported = scenario_dir(&sim);
    imported.write(
        "test.auto.tfvars",
        &format!("{settings}tenant_long_name = \"Acme Inc.\"\n"),
    );
    let member = |user: &str| format!("{TENANT}/app-operators@{TENANT}/{user}@{TENANT}");
    for (address, id) in [
        ("photon_lightwave_tenant.app", TENANT.to_owned()),
        ("photon_lightwave_tenant_policy.app", TENANT.to_owned()),
        (
            "photon_lightwave_user.people[\"jane\"]",
            format!("{TENANT}/jane@{TENANT}"),
        ),
        (
            "photon_lightwave_user.people[\"john\"]",
            format!("{TENANT}/john@{TENANT}"),
        ),
        (
            "photon_lightwave_group.operators",
            format!("{TENANT}/app-operators@{TENANT}"),
        ),
        (
            "photon_lightwave_group_member.operators[\"jane\"]",
            member("jane"),
        ),
        (
            "photon_lightwave_group_member.operators[\"john\"]",
            member("john"),
        ),
        (
            "photon_lightwave_solution_user.backend",
            format!("{TENANT}/app-backend"),
        ),
        (
            "photon_lightwave_oidc_client.web",
            format!("{TENANT}/{client_id}"),
        ),
    ] {
        imported.ok(&["import", "-no-color", address, &id]);
    }
    let text = assert_plan(
        &imported,
        &[
            // admin_username, admin_password and long_name cannot be read back by a system-tenant
            // login; user passwords are never returned.
            "photon_lightwave_tenant.app will be updated in-place",
            "photon_lightwave_user.people[\"jane\"] will be updated in-place",
            "photon_lightwave_user.people[\"john\"] will be updated in-place",
            "Plan: 0 to add, 3 to change, 0 to destroy.",
        ],
    );
    assert!(!text.contains("must be replaced"), "{text}");
    // Applying records them (the tenant is read again with its administrator's login), and
    // changes nothing Lightwave holds.
    apply(&imported);
    assert_plan_empty(&imported, "after applying the imported state");
    let after_import = lightwave.run(lightwave.acme().get_tenant(TENANT)).unwrap();
    assert_eq!(after_import.guid, replaced.guid);

    // Destroy: the tenant is gone, the system tenant as before.
    let output = terraform.run(&["destroy", "-no-color", "-auto-approve"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "destroy failed:\n{stdout}\n{stderr}"
    );
    assert!(
        format!("{stdout}{stderr}").contains("Lightwave tenant policies kept"),
        "the policy's destroy warns that the tenant keeps its values:\n{stdout}\n{stderr}"
    );
    let system = lightwave.system();
    let gone = lightwave.run(system.get_tenant(TENANT)).unwrap_err();
    assert_eq!(gone.status(), Some(404), "{gone}");
    assert_eq!(lightwave.system_snapshot(), before);
}

/// The data source reads the system tenant as our own session sees it; a wrong password fails
/// with a diagnostic naming the provider setting.
#[test]
fn acc_lightwave_tenant_data_source_and_wrong_password() {
    let sim = LightwaveSim::shared();
    let lightwave = Lightwave::new(sim);
    let data_source = std::fs::read_to_string(
        photon_test_rig::project_root()
            .join("examples/data-sources/photon_lightwave_tenant/data-source.tf"),
    )
    .unwrap();
    assert_eq!(
        sim.tenant(),
        "lightwave.local",
        "the example names the default system tenant"
    );

    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_lightwave(sim);
    terraform.require_this_provider();
    terraform.write(
        "main.tf",
        &format!("provider \"photon\" {{}}\n\n{data_source}"),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let system = lightwave.system();
    let tenant = lightwave.run(system.get_tenant(sim.tenant())).unwrap();
    assert_eq!(output(&terraform, "system_issuer"), tenant.issuer.unwrap());
    let chains = lightwave
        .run(system.tenant_certificates(
            sim.tenant(),
            lightwave::CertificateScope::Tenant,
            lightwave::CertificateGranularity::Chain,
        ))
        .unwrap();
    let expected: Vec<Value> = chains
        .iter()
        .flat_map(|chain| &chain.certificates)
        .map(|certificate| Value::from(certificate.encoded.clone()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        outputs(&terraform)["system_signing_certificates"]["value"],
        Value::Array(expected)
    );

    let wrong = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(sim)
        .env("LIGHTWAVE_PASSWORD", "not-the-password");
    wrong.require_this_provider();
    wrong.write(
        "main.tf",
        &format!("provider \"photon\" {{}}\n\n{data_source}"),
    );
    wrong.ok(&["init", "-no-color"]);
    let output = wrong.run(&["plan", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "a wrong password must fail the plan"
    );
    assert!(stderr.contains("Lightwave login failed"), "{stderr}");
    assert!(stderr.contains("lightwave.password"), "{stderr}");
}

/// The registry examples of the tenant, its policy and a user, applied together as the docs
/// show them; a new user password is applied in place and is the one that logs in afterwards.
#[test]
fn acc_lightwave_resource_examples() {
    let sim = LightwaveSim::shared();
    let lightwave = Lightwave::new(sim);
    let jane_password = "Jane!Passw0rd42";
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(sim)
        .env("TF_VAR_lightwave_endpoint", sim.url())
        .env("TF_VAR_lightwave_ca_file", &sim.ca_file().to_string_lossy())
        .env("TF_VAR_acme_admin_password", TENANT_ADMIN_PASSWORD)
        .env("TF_VAR_jane_password", jane_password);
    terraform.require_this_provider();
    for resource in [
        "photon_lightwave_tenant",
        "photon_lightwave_tenant_policy",
        "photon_lightwave_user",
    ] {
        terraform.copy_example(
            &format!("resources/{resource}/resource.tf"),
            &format!("{resource}.tf"),
        );
    }
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    assert_plan_empty(&terraform, "after applying the examples");

    let acme = lightwave.acme();
    let tenant = lightwave.run(acme.get_tenant(TENANT)).unwrap();
    assert_eq!(tenant.long_name.as_deref(), Some("Acme Corporation"));
    assert_eq!(tenant.guid, Some(output(&terraform, "acme_guid")));
    let config = lightwave.policies(&acme);
    assert_eq!(config.password_policy.unwrap().min_length, Some(12));
    assert_eq!(config.lockout_policy.unwrap().max_failed_attempts, Some(5));
    let jane = lightwave.run(acme.get_user(TENANT, "jane@acme")).unwrap();
    assert_eq!(jane.details.unwrap().last_name.as_deref(), Some("Doe"));
    lightwave
        .connect(TENANT, "jane@acme", jane_password)
        .unwrap();

    // A new password is a reset in place: the old one stops working.
    let new_password = "Jane!Changed0ver";
    terraform.write(
        "password.auto.tfvars",
        &format!("jane_password = \"{new_password}\"\n"),
    );
    assert_plan(
        &terraform,
        &[
            "photon_lightwave_user.jane will be updated in-place",
            "Plan: 0 to add, 1 to change, 0 to destroy.",
        ],
    );
    apply(&terraform);
    lightwave
        .connect(TENANT, "jane@acme", new_password)
        .unwrap();
    let refused = lightwave
        .connect(TENANT, "jane@acme", jane_password)
        .unwrap_err();
    assert!(
        matches!(*refused, lightwave::Error::Auth { .. }),
        "{refused}"
    );

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    let gone = lightwave
        .run(lightwave.system().get_tenant(TENANT))
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}

/// A tenant with signing credentials of its own: Lightwave publishes the given chain and signs
/// the tenant's tokens with the given key (a login to the tenant and a call it authorizes work);
/// changing the credentials replaces the tenant.
#[test]
fn acc_lightwave_tenant_with_own_signing_credentials() {
    let sim = LightwaveSim::shared();
    let lightwave = Lightwave::new(sim);
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(sim)
        .env("TF_VAR_admin_password", TENANT_ADMIN_PASSWORD);
    terraform.require_this_provider();
    let generate = |name: &str, common_name: &str| {
        let key =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let certificate = params.self_signed(&key).unwrap();
        terraform.write(&format!("{name}-key.pem"), &key.serialize_pem());
        terraform.write(&format!("{name}-cert.pem"), &certificate.pem());
    };
    generate("signing", "globex-signing");
    generate("other", "globex-other");
    let config = |name: &str| {
        format!(
            r#"provider "photon" {{}}

variable "admin_password" {{
  type      = string
  sensitive = true
}}

resource "photon_lightwave_tenant" "globex" {{
  name           = "globex"
  admin_username = "Administrator"
  admin_password = var.admin_password

  credentials {{
    private_key  = file("{name}-key.pem")
    certificates = [file("{name}-cert.pem")]
  }}
}}

output "signing_certificates" {{
  value = photon_lightwave_tenant.globex.signing_certificates
}}
"#
        )
    };
    terraform.write("main.tf", &config("signing"));
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    assert_plan_empty(
        &terraform,
        "after creating the tenant with its own credentials",
    );

    let certificate = std::fs::read_to_string(terraform.path().join("signing-cert.pem")).unwrap();
    let system = lightwave.system();
    let published: Vec<String> = lightwave
        .run(system.tenant_certificates(
            "globex",
            lightwave::CertificateScope::Tenant,
            lightwave::CertificateGranularity::Chain,
        ))
        .unwrap()
        .into_iter()
        .flat_map(|chain| chain.certificates)
        .map(|certificate| certificate.encoded.trim().to_owned())
        .collect();
    assert_eq!(published, vec![certificate.trim().to_owned()]);
    assert_eq!(
        outputs(&terraform)["signing_certificates"]["value"][0]
            .as_str()
            .map(str::trim),
        Some(certificate.trim())
    );
    // Tokens of the tenant are signed with the new key and accepted by the tenant's API.
    let globex = lightwave
        .connect("globex", "Administrator@globex", TENANT_ADMIN_PASSWORD)
        .unwrap();
    lightwave.run(globex.get_tenant("globex")).unwrap();

    terraform.write("main.tf", &config("other"));
    assert_plan(
        &terraform,
        &[
            "photon_lightwave_tenant.globex must be replaced",
            "Plan: 1 to add, 0 to change, 1 to destroy.",
        ],
    );
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(
        lightwave
            .run(system.get_tenant("globex"))
            .unwrap_err()
            .is_not_found()
    );
}
