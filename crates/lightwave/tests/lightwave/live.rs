//! Every API area against the simulator, over TLS verified with the simulator's CA.

use std::io::Write;
use std::time::Duration;

use lightwave::*;
use lightwave_sim::{SimOptions, Simulator};
use tempfile::NamedTempFile;

/// A self-signed certificate made once with
/// `openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test -days 3650`.
const TEST_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIC/zCCAeegAwIBAgIUZ5lggmTYvgl6r3qUc0Z0nMpgqD8wDQYJKoZIhvcNAQEL
BQAwDzENMAsGA1UEAwwEdGVzdDAeFw0yNjExMjcxNTMyMDNaFw0zNjExMjQxNTMy
MDNaMA8xDTALBgNVBAMMBHRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQCag4A8T76NAKZie0jhkdVRwJTB2bsF2C8+oXspnpxl1nF2Fn926fucDGsj
Wh9mSYq1QbV3LbQchBnL1ZmW2+tN8G2dqmyhCWi1HwM3Bn5nfb2ftMPEV9uaclLx
SY82mhGUUm/gs9yfzmpAQ86j0hR2vhWo4X/TBDzh8hWkF63gxQG5AB3Jp9p3vRVG
Z3WID/xnnJnFwKCQDrWpzy60nbobtr1fn8TfGedEbov26iJBVzve5l9hzXtppMEg
pD/2OlSwl//nLHl1ELptGmL/52EDn2PxobRkRsbcesRdx18Ys2a0P1ZpW8FqLlBf
dBBcUCBs4NGuF2d/3Yulda0kX7ctAgMBAAGjUzBRMB0GA1UdDgQWBBR9VDN7Ob4j
Tbw0le5vq6e+EKJLpDAfBgNVHSMEGDAWgBR9VDN7Ob4jTbw0le5vq6e+EKJLpDAP
BgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQABtYMDXNCFQBi7TeHU
Q7Fida62KQcX0Gu2f1iJhd2OOApHYx0qevQNP8Z6qNUdXoPmpMNsnkd1DwjZ/O9p
WgundXrsHb87hFOy7CErPBekld7tLaixUiNtK2fKQTGH8M+Pb/Nb2BQxDhBr8LAq
dFsDJ6rCHfeAl6R5QSKUq55tELKGK6VrsAhr9MJxF3zwsqgxI3hd/lFOjUM5ydGu
wHRePL/So7b5nUWOH+dk2DD8J8T+fZmcp1L9c6A1+Nt7560xSnSzKEhW3hwMT6QU
GXgDFoBIiQWoA0NXCZsWfY+2keiZq3acazLt6CQEAbesFCG4QhgFMAJa2HpBz1FN
eVM0
-----END CERTIFICATE-----
";
/// Its SHA-1 fingerprint (`openssl x509 -noout -fingerprint -sha1`).
const TEST_CERT_SHA1: &str = "4A:B4:8E:3A:F3:F5:DC:FC:F6:0F:5A:22:2E:12:B3:EA:1F:C0:A6:9E";

const PASSWORD: &str = "Photon!Pass1";

/// A running simulator and its CA written to a file, as a user would configure `ca_file`.
struct Sim {
    sim: Simulator,
    ca: NamedTempFile,
}

impl Sim {
    async fn start() -> Sim {
        Self::start_with(SimOptions::default()).await
    }

    async fn start_with(options: SimOptions) -> Sim {
        let sim = Simulator::start(options).await.unwrap();
        let mut ca = NamedTempFile::new().unwrap();
        ca.write_all(sim.ca_pem().as_bytes()).unwrap();
        Sim { sim, ca }
    }

    fn options(&self, tenant: &str, username: &str, password: &str) -> ConnectOptions {
        let mut options = ConnectOptions::new(self.sim.url(), tenant, username, password);
        options.ca_file = Some(self.ca.path().to_owned());
        options.timeout = Duration::from_secs(20);
        options
    }

    fn system(&self) -> String {
        self.sim.system_tenant().to_owned()
    }

    async fn admin(&self) -> Client {
        Client::connect(self.options(
            self.sim.system_tenant(),
            &self.sim.admin_upn(),
            self.sim.admin_password(),
        ))
        .await
        .unwrap()
    }

    /// Creates tenant `name` with administrator `admin@name` and logs in to it as that admin.
    async fn tenant_admin(&self, system_admin: &Client, name: &str) -> Client {
        system_admin
            .create_tenant(&Tenant {
                name: name.into(),
                long_name: Some(format!("{name} long")),
                username: Some(format!("admin@{name}")),
                password: Some(PASSWORD.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        Client::connect(self.options(name, "admin", PASSWORD))
            .await
            .unwrap()
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(error) => assert!(error.is_not_found(), "expected not found, got {error:?}"),
        Ok(value) => panic!("expected not found, got {value:?}"),
    }
}

#[tokio::test]
async fn tls_is_verified_with_the_ca_file_and_fails_clearly_without_it() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    assert_eq!(admin.username(), sim.sim.admin_upn());
    assert_eq!(admin.login_tenant(), sim.system());
    assert_eq!(admin.endpoint(), sim.sim.url().trim_end_matches('/'));
    let about = admin.about().await.unwrap();
    assert!(
        about.product_name.is_some() || about.version.is_some(),
        "{about:?}"
    );

    let mut untrusted = sim.options(&sim.system(), "Administrator", sim.sim.admin_password());
    untrusted.ca_file = None;
    let error = Client::connect(untrusted.clone()).await.unwrap_err();
    assert!(matches!(error, Error::Http { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("TLS"), "{text}");
    assert!(text.contains("ca_file"), "{text}");
    assert!(text.contains(sim.sim.url().trim_end_matches('/')), "{text}");

    // The explicit switch, for simulators only, accepts the unknown CA.
    untrusted.allow_unverified_ssl = true;
    let unverified = Client::connect(untrusted).await.unwrap();
    assert_eq!(unverified.username(), sim.sim.admin_upn());

    let mut missing = sim.options(&sim.system(), "Administrator", "x");
    missing.ca_file = Some("/nonexistent/ca.pem".into());
    let error = Client::connect(missing).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(text) if text.contains("/nonexistent/ca.pem")),
        "{error:?}"
    );
    let not_pem = NamedTempFile::new().unwrap();
    let mut garbage = sim.options(&sim.system(), "Administrator", "x");
    garbage.ca_file = Some(not_pem.path().to_owned());
    let error = Client::connect(garbage).await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(text) if text.contains("no PEM certificate")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_invalid_grant() {
    let sim = Sim::start().await;
    let error = Client::connect(sim.options(&sim.system(), "Administrator", "wrong-password"))
        .await
        .unwrap_err();
    match &error {
        Error::Auth {
            tenant,
            username,
            error: code,
            ..
        } => {
            assert_eq!(tenant, &sim.system());
            assert_eq!(username, &sim.sim.admin_upn());
            assert_eq!(code, "invalid_grant");
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "Lightwave refused the login of {} to tenant {}: invalid_grant",
            sim.sim.admin_upn(),
            sim.system()
        )),
        "{text}"
    );
    assert!(!text.contains("wrong-password"), "{text}");
}

#[tokio::test]
async fn tenant_lifecycle() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let created = admin
        .create_tenant(&Tenant {
            name: "acme.local".into(),
            long_name: Some("ACME Corp".into()),
            key: Some("acme-key".into()),
            username: Some("admin@acme.local".into()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.name, "acme.local");
    assert_eq!(
        created.password, None,
        "the server must not echo the password"
    );

    let read = admin.get_tenant("acme.local").await.unwrap();
    assert_eq!(read.long_name.as_deref(), Some("ACME Corp"));

    let duplicate = admin
        .create_tenant(&Tenant {
            name: "acme.local".into(),
            username: Some("admin@acme.local".into()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            &duplicate,
            Error::Api {
                status: 400,
                kind: ApiErrorKind::BadRequest,
                ..
            }
        ),
        "{duplicate:?}"
    );

    let issuer = format!(
        "{}/openidconnect/acme.local",
        sim.sim.url().trim_end_matches('/')
    );
    let updated = admin
        .update_tenant_issuer("acme.local", &issuer)
        .await
        .unwrap();
    assert_eq!(updated.issuer.as_deref(), Some(issuer.as_str()));
    assert_eq!(
        admin
            .get_tenant("acme.local")
            .await
            .unwrap()
            .issuer
            .as_deref(),
        Some(issuer.as_str())
    );

    // Created without credentials: it signs with a copy of the system tenant's chain.
    let system_chains = admin
        .tenant_certificates(
            &sim.system(),
            CertificateScope::Tenant,
            CertificateGranularity::Chain,
        )
        .await
        .unwrap();
    let acme_chains = admin
        .tenant_certificates(
            "acme.local",
            CertificateScope::Tenant,
            CertificateGranularity::Chain,
        )
        .await
        .unwrap();
    assert!(!acme_chains.is_empty());
    assert!(
        acme_chains[0].certificates[0]
            .encoded
            .contains("BEGIN CERTIFICATE")
    );
    assert_eq!(acme_chains, system_chains);

    // The new administrator can log in to the new tenant.
    let acme = Client::connect(sim.options("acme.local", "admin", PASSWORD))
        .await
        .unwrap();
    assert_eq!(acme.username(), "admin@acme.local");

    admin.delete_tenant("acme.local").await.unwrap();
    assert_not_found(admin.get_tenant("acme.local").await);
    assert_not_found(admin.delete_tenant("acme.local").await);
}

#[tokio::test]
async fn partial_config_update_changes_only_the_sent_policy() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    let before = admin.tenant_config(&tenant, &[]).await.unwrap();
    let password_before = before.password_policy.clone().unwrap();
    let lockout_before = before.lockout_policy.clone().unwrap();
    assert!(before.token_policy.is_some(), "{before:?}");

    let new_attempts = lockout_before.max_failed_attempts.unwrap_or(5) + 2;
    let answer = admin
        .update_tenant_config(
            &tenant,
            &TenantConfiguration {
                lockout_policy: Some(LockoutPolicy {
                    description: Some("stricter".into()),
                    max_failed_attempts: Some(new_attempts),
                    failed_attempt_interval_sec: Some(120),
                    auto_unlock_interval_sec: Some(600),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        answer.lockout_policy.as_ref().unwrap().max_failed_attempts,
        Some(new_attempts)
    );

    let after = admin
        .tenant_config(&tenant, &[ConfigType::All])
        .await
        .unwrap();
    let lockout = after.lockout_policy.unwrap();
    assert_eq!(lockout.max_failed_attempts, Some(new_attempts));
    assert_eq!(lockout.auto_unlock_interval_sec, Some(600));
    assert_eq!(lockout.description.as_deref(), Some("stricter"));
    assert_eq!(after.password_policy.unwrap(), password_before);
    assert_eq!(after.token_policy, before.token_policy);

    let only_lockout = admin
        .tenant_config(&tenant, &[ConfigType::Lockout])
        .await
        .unwrap();
    assert!(only_lockout.lockout_policy.is_some());
    assert!(only_lockout.password_policy.is_none(), "{only_lockout:?}");
    assert!(only_lockout.token_policy.is_none(), "{only_lockout:?}");

    let two = admin
        .tenant_config(&tenant, &[ConfigType::Password, ConfigType::Token])
        .await
        .unwrap();
    assert!(two.password_policy.is_some() && two.token_policy.is_some());
    assert!(two.lockout_policy.is_none(), "{two:?}");

    // The password policy is written through VMDIR, the token policy through IDM: one call
    // changes both, and answers with both.
    let min_length = password_before.min_length.unwrap_or(8) + 3;
    let renew_count = before
        .token_policy
        .as_ref()
        .unwrap()
        .renew_count
        .unwrap_or(0)
        + 1;
    let answer = admin
        .update_tenant_config(
            &tenant,
            &TenantConfiguration {
                password_policy: Some(PasswordPolicy {
                    min_length: Some(min_length),
                    ..password_before.clone()
                }),
                token_policy: Some(TokenPolicy {
                    renew_count: Some(renew_count),
                    ..before.token_policy.clone().unwrap()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.password_policy.unwrap().min_length, Some(min_length));
    assert_eq!(answer.token_policy.unwrap().renew_count, Some(renew_count));
    let after = admin.tenant_config(&tenant, &[]).await.unwrap();
    assert_eq!(after.password_policy.unwrap().min_length, Some(min_length));
    assert_eq!(after.token_policy.unwrap().renew_count, Some(renew_count));
    assert_eq!(
        after.lockout_policy.unwrap().max_failed_attempts,
        Some(new_attempts)
    );

    assert_not_found(admin.tenant_config("nope.local", &[]).await);
}

#[tokio::test]
async fn users_and_passwords() {
    let sim = Sim::start().await;
    let system_admin = sim.admin().await;
    let admin = sim.tenant_admin(&system_admin, "acme.local").await;
    let tenant = "acme.local";

    let created = admin
        .create_user(
            tenant,
            &User {
                name: "jane".into(),
                domain: tenant.into(),
                details: Some(UserDetails {
                    email: Some("jane@acme.example".into()),
                    first_name: Some("Jane".into()),
                    last_name: Some("Doe".into()),
                    description: Some("operator".into()),
                    ..Default::default()
                }),
                password_details: Some(PasswordDetails {
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(created.upn(), "jane@acme.local");
    assert!(
        created
            .password_details
            .as_ref()
            .is_none_or(|details| details.password.is_none()),
        "the password must not come back: {created:?}"
    );

    let read = admin.get_user(tenant, "jane@acme.local").await.unwrap();
    assert_eq!(
        read.details.as_ref().unwrap().first_name.as_deref(),
        Some("Jane")
    );

    // The user can log in with the initial password.
    let jane = Client::connect(sim.options(tenant, "jane", PASSWORD))
        .await
        .unwrap();
    assert_eq!(jane.username(), "jane@acme.local");

    let updated = admin
        .update_user(
            tenant,
            "jane@acme.local",
            &User {
                name: "jane".into(),
                domain: tenant.into(),
                details: Some(UserDetails {
                    email: Some("jane.doe@acme.example".into()),
                    first_name: Some("Jane".into()),
                    last_name: Some("Doe".into()),
                    description: Some("lead".into()),
                    ..Default::default()
                }),
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.disabled, Some(true));
    assert_eq!(
        updated.details.as_ref().unwrap().description.as_deref(),
        Some("lead")
    );
    assert!(
        Client::connect(sim.options(tenant, "jane", PASSWORD))
            .await
            .is_err(),
        "a disabled user must not log in"
    );
    admin
        .update_user(
            tenant,
            "jane@acme.local",
            &User {
                name: "jane".into(),
                domain: tenant.into(),
                disabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // An administrator resets the password without the current one.
    let reset = "Photon!Reset2";
    admin
        .set_user_password(tenant, "jane@acme.local", None, reset)
        .await
        .unwrap();
    let old = Client::connect(sim.options(tenant, "jane", PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(&old, Error::Auth { error, .. } if error == "invalid_grant"),
        "{old:?}"
    );
    let jane = Client::connect(sim.options(tenant, "jane", reset))
        .await
        .unwrap();

    // The user changes their own password with the current one.
    let own = "Photon!Own3";
    jane.set_user_password(tenant, "jane@acme.local", Some(reset), own)
        .await
        .unwrap();
    Client::connect(sim.options(tenant, "jane", own))
        .await
        .unwrap();

    admin.delete_user(tenant, "jane@acme.local").await.unwrap();
    assert_not_found(admin.get_user(tenant, "jane@acme.local").await);
    assert_not_found(admin.delete_user(tenant, "jane@acme.local").await);
}

#[tokio::test]
async fn groups_and_membership() {
    let sim = Sim::start().await;
    let system_admin = sim.admin().await;
    let admin = sim.tenant_admin(&system_admin, "acme.local").await;
    let tenant = "acme.local";

    admin
        .create_user(
            tenant,
            &User {
                name: "bob".into(),
                domain: tenant.into(),
                password_details: Some(PasswordDetails {
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let group = Group {
        name: "operators".into(),
        domain: tenant.into(),
        details: Some(GroupDetails {
            description: Some("on call".into()),
        }),
        ..Default::default()
    };
    let created = admin.create_group(tenant, &group).await.unwrap();
    assert_eq!(created.upn(), "operators@acme.local");
    let inner = admin
        .create_group(
            tenant,
            &Group {
                name: "juniors".into(),
                domain: tenant.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    admin
        .add_group_members(tenant, &group.upn(), MemberType::User, &["bob@acme.local"])
        .await
        .unwrap();
    admin
        .add_group_members(
            tenant,
            &group.upn(),
            MemberType::Group,
            &[inner.upn().as_str()],
        )
        .await
        .unwrap();
    let members = admin
        .group_members(tenant, &group.upn(), MemberType::All)
        .await
        .unwrap();
    assert_eq!(
        members.users.iter().map(User::upn).collect::<Vec<_>>(),
        ["bob@acme.local"]
    );
    assert_eq!(
        members.groups.iter().map(Group::upn).collect::<Vec<_>>(),
        ["juniors@acme.local"]
    );
    let only_users = admin
        .group_members(tenant, &group.upn(), MemberType::User)
        .await
        .unwrap();
    assert_eq!(only_users.users.len(), 1);
    assert!(only_users.groups.is_empty(), "{only_users:?}");

    let bobs_groups = admin
        .user_groups(tenant, "bob@acme.local", false)
        .await
        .unwrap();
    assert!(
        bobs_groups
            .iter()
            .any(|g| g.upn() == "operators@acme.local"),
        "{bobs_groups:?}"
    );

    let renamed = admin
        .update_group(
            tenant,
            &group.upn(),
            &Group {
                details: Some(GroupDetails {
                    description: Some("day shift".into()),
                }),
                ..group.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        renamed.details.and_then(|d| d.description).as_deref(),
        Some("day shift")
    );

    admin
        .remove_group_members(tenant, &group.upn(), MemberType::User, &["bob@acme.local"])
        .await
        .unwrap();
    let members = admin
        .group_members(tenant, &group.upn(), MemberType::All)
        .await
        .unwrap();
    assert!(members.users.is_empty(), "{members:?}");
    assert_eq!(members.groups.len(), 1);

    let all = admin
        .add_group_members(tenant, &group.upn(), MemberType::All, &["bob@acme.local"])
        .await
        .unwrap_err();
    assert!(matches!(all, Error::Config(_)), "{all:?}");

    admin.delete_group(tenant, &group.upn()).await.unwrap();
    assert_not_found(admin.get_group(tenant, &group.upn()).await);
    assert_not_found(
        admin
            .group_members(tenant, &group.upn(), MemberType::All)
            .await,
    );
}

#[tokio::test]
async fn solution_users() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    let created = admin
        .create_solution_user(
            &tenant,
            &SolutionUser {
                name: "photon-controller".into(),
                domain: tenant.clone(),
                description: Some("the control plane".into()),
                certificate: Some(Certificate {
                    encoded: TEST_CERT.into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(created.name, "photon-controller");

    let read = admin
        .get_solution_user(&tenant, "photon-controller")
        .await
        .unwrap();
    assert_eq!(read.description.as_deref(), Some("the control plane"));
    assert!(
        read.certificate
            .as_ref()
            .unwrap()
            .encoded
            .contains("BEGIN CERTIFICATE")
    );

    let updated = admin
        .update_solution_user(
            &tenant,
            "photon-controller",
            &SolutionUser {
                description: Some("moved".into()),
                ..read.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("moved"));

    let bad = admin
        .create_solution_user(
            &tenant,
            &SolutionUser {
                name: "broken".into(),
                domain: tenant.clone(),
                certificate: Some(Certificate {
                    encoded: "not a certificate".into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(400), "{bad:?}");

    admin
        .delete_solution_user(&tenant, "photon-controller")
        .await
        .unwrap();
    assert_not_found(admin.get_solution_user(&tenant, "photon-controller").await);
}

#[tokio::test]
async fn trusted_certificates() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    admin
        .add_trusted_certificate(
            &tenant,
            &Certificate {
                encoded: TEST_CERT.into(),
            },
        )
        .await
        .unwrap();
    admin
        .remove_trusted_certificate(&tenant, TEST_CERT_SHA1)
        .await
        .unwrap();
    let again = admin
        .remove_trusted_certificate(&tenant, TEST_CERT_SHA1)
        .await
        .unwrap_err();
    assert!(
        again.status().is_some_and(|s| s == 404 || s == 400),
        "{again:?}"
    );
}

#[tokio::test]
async fn oidc_clients_and_resource_servers() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    let metadata = OidcClientMetadata {
        redirect_uris: vec!["https://app.example/callback".into()],
        token_endpoint_auth_method: Some("none".into()),
        post_logout_redirect_uris: vec!["https://app.example/bye".into()],
        logout_uri: Some("https://app.example/logout".into()),
        ..Default::default()
    };
    let created = admin.create_oidc_client(&tenant, &metadata).await.unwrap();
    assert!(!created.client_id.is_empty());
    assert_eq!(created.metadata.redirect_uris, metadata.redirect_uris);

    let read = admin
        .get_oidc_client(&tenant, &created.client_id)
        .await
        .unwrap();
    assert_eq!(read, created);
    let listed = admin.list_oidc_clients(&tenant).await.unwrap();
    assert!(listed.iter().any(|c| c.client_id == created.client_id));

    let changed = OidcClientMetadata {
        redirect_uris: vec![
            "https://app.example/callback".into(),
            "https://app.example/other".into(),
        ],
        ..metadata.clone()
    };
    let updated = admin
        .update_oidc_client(&tenant, &created.client_id, &changed)
        .await
        .unwrap();
    assert_eq!(updated.client_id, created.client_id);
    assert_eq!(updated.metadata.redirect_uris.len(), 2);

    admin
        .delete_oidc_client(&tenant, &created.client_id)
        .await
        .unwrap();
    assert_not_found(admin.get_oidc_client(&tenant, &created.client_id).await);

    let server = ResourceServer {
        name: "rs_photon".into(),
        group_filter: vec![format!("{tenant}\\Administrators")],
    };
    let created = admin
        .create_resource_server(&tenant, &server)
        .await
        .unwrap();
    assert_eq!(created.name, "rs_photon");
    assert_eq!(
        admin
            .get_resource_server(&tenant, "rs_photon")
            .await
            .unwrap(),
        created
    );
    assert!(
        admin
            .list_resource_servers(&tenant)
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "rs_photon")
    );
    let updated = admin
        .update_resource_server(
            &tenant,
            "rs_photon",
            &ResourceServer {
                group_filter: vec![
                    format!("{tenant}\\Administrators"),
                    format!("{tenant}\\Users"),
                ],
                ..server.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.group_filter.len(), 2);
    admin
        .delete_resource_server(&tenant, "rs_photon")
        .await
        .unwrap();
    assert_not_found(admin.get_resource_server(&tenant, "rs_photon").await);
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_once_for_concurrent_calls() {
    let sim = Sim::start_with(SimOptions {
        token_lifetime: Duration::from_secs(3),
        ..Default::default()
    })
    .await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    admin.get_tenant(&tenant).await.unwrap();
    let first_expiry = admin.token_expires_at().await;
    assert_eq!(admin.token_grant_counts(), (1, 0));

    // Past the expiry, the next call renews the token first instead of failing.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    admin.get_tenant(&tenant).await.unwrap();
    let second_expiry = admin.token_expires_at().await;
    assert!(second_expiry > first_expiry);
    assert_eq!(admin.token_grant_counts(), (1, 1));

    // Eight concurrent calls on clones share one renewal.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = admin.clone();
            let tenant = tenant.clone();
            tokio::spawn(async move { client.get_tenant(&tenant).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(admin.token_grant_counts(), (1, 2));
    assert!(admin.token_expires_at().await > second_expiry);
}

#[tokio::test]
async fn roles_come_from_the_login_tenants_groups() {
    let sim = Sim::start().await;
    let admin = sim.admin().await;
    let tenant = sim.system();
    admin
        .create_user(
            &tenant,
            &User {
                name: "regular".into(),
                domain: tenant.clone(),
                password_details: Some(PasswordDetails {
                    password: Some(PASSWORD.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let regular = Client::connect(sim.options(&tenant, "regular", PASSWORD))
        .await
        .unwrap();
    let error = regular
        .create_tenant(&Tenant {
            name: "denied.local".into(),
            username: Some("admin@denied.local".into()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    match &error {
        Error::Api { status, kind, .. } => {
            assert_eq!(*status, 403);
            assert!(
                matches!(
                    kind,
                    ApiErrorKind::Forbidden | ApiErrorKind::InsufficientScope
                ),
                "{kind:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("lacks the role"), "{error}");
    assert_not_found(admin.get_tenant("denied.local").await);

    // A system-tenant administrator does not administer another tenant: that needs a login
    // there.
    admin
        .create_tenant(&Tenant {
            name: "acme.local".into(),
            username: Some("admin@acme.local".into()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let group = Group {
        name: "ops".into(),
        domain: "acme.local".into(),
        ..Default::default()
    };
    let error = admin.create_group("acme.local", &group).await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    let acme = Client::connect(sim.options("acme.local", "admin", PASSWORD))
        .await
        .unwrap();
    acme.create_group("acme.local", &group).await.unwrap();
}
