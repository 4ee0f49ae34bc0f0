//! Contract tests of the simulator's wire behaviour, with raw HTTP (reqwest + serde_json) so they
//! check paths, JSON keys, status codes and error bodies independently of our client crate.

// Helpers here are test code too: a panic is how they report a failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lightwave_sim::{SimOptions, Simulator};
use reqwest::Method;
use serde_json::{Value, json};

const SCOPE: &str = "openid offline_access id_groups at_groups rs_admin_server";

async fn start(options: SimOptions) -> (Simulator, reqwest::Client) {
    let sim = Simulator::start(options).await.unwrap();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    (sim, http)
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

async fn token_response(
    http: &reqwest::Client,
    sim: &Simulator,
    tenant: &str,
    username: &str,
    password: &str,
) -> (u16, Value) {
    let response = http
        .post(format!("{}/openidconnect/token/{tenant}", sim.url()))
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", SCOPE),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn login(
    http: &reqwest::Client,
    sim: &Simulator,
    tenant: &str,
    user: &str,
    password: &str,
) -> String {
    let (status, body) = token_response(http, sim, tenant, user, password).await;
    assert_eq!(status, 200, "login {user} to {tenant}: {body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn admin_token(http: &reqwest::Client, sim: &Simulator) -> String {
    login(
        http,
        sim,
        sim.system_tenant(),
        &sim.admin_upn(),
        sim.admin_password(),
    )
    .await
}

/// Sends a request and returns (status, JSON body or Null when empty).
async fn call(
    http: &reqwest::Client,
    sim: &Simulator,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, format!("{}{path}", sim.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, value)
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_error: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"], want_error, "{body}");
    assert!(
        body["details"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert!(
        keys(body).is_subset(&set(&["error", "details", "cause"])),
        "{body}"
    );
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn create_tenant(http: &reqwest::Client, sim: &Simulator, token: &str, name: &str) -> Value {
    let (status, body) = call(
        http,
        sim,
        Method::POST,
        "/idm/tenant",
        Some(token),
        Some(json!({"name": name, "longName": "Acme Corp", "username": format!("admin@{name}"), "password": "Acme!Pass1"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn user_body(name: &str, domain: &str, password: &str) -> Value {
    json!({"name": name, "domain": domain, "details": {"email": format!("{name}@example.com"), "firstName": "Bo"}, "passwordDetails": {"password": password}})
}

fn certificate_pem() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    rcgen::CertificateParams::new(vec!["svc.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap()
        .pem()
}

#[tokio::test]
async fn about_is_public_and_tls_verifies_only_with_the_ca() {
    let (sim, http) = start(SimOptions::default()).await;
    let (status, body) = call(&http, &sim, Method::GET, "/idm/", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(keys(&body), set(&["productName", "version", "release"]));
    let (status, _) = call(&http, &sim, Method::GET, "/idm/server/status", None, None).await;
    assert_eq!(status, 200);

    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let error = untrusting
        .get(format!("{}/idm/", sim.url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(sim.url().starts_with("https://127.0.0.1:"));
}

#[tokio::test]
async fn token_endpoint_issues_signed_tokens_with_lightwave_claims() {
    let (sim, http) = start(SimOptions::default()).await;
    let (status, body) = token_response(
        &http,
        &sim,
        "lightwave.local",
        &sim.admin_upn(),
        sim.admin_password(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&[
            "access_token",
            "token_type",
            "expires_in",
            "id_token",
            "refresh_token"
        ])
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);

    let access = body["access_token"].as_str().unwrap();
    let claims = claims(access);
    assert_eq!(claims["sub"], "Administrator@lightwave.local");
    assert_eq!(
        claims["iss"],
        format!("{}/openidconnect/lightwave.local", sim.url())
    );
    assert!(
        claims["aud"]
            .as_array()
            .unwrap()
            .contains(&json!("rs_admin_server"))
    );
    assert_eq!(claims["token_class"], "access_token");
    assert_eq!(claims["token_type"], "Bearer");
    assert_eq!(claims["tenant"], "lightwave.local");
    assert_eq!(claims["scope"], SCOPE);
    let groups: Vec<&str> = claims["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    for group in [
        "Administrators",
        "Users",
        "TenantOperators",
        "SystemConfiguration.Administrators",
        "Everyone",
    ] {
        assert!(
            groups.contains(&format!("lightwave.local\\{group}").as_str()),
            "{groups:?}"
        );
    }
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    assert!(claims["jti"].as_str().is_some());

    // The signature verifies with the key the JWKS publishes.
    let jwks: Value = http
        .get(format!("{}/openidconnect/jwks/lightwave.local", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let public = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e };
    let (signing_input, signature) = access.rsplit_once('.').unwrap();
    public
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .unwrap();

    let discovery: Value = http
        .get(format!(
            "{}/openidconnect/lightwave.local/.well-known/openid-configuration",
            sim.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], claims["iss"]);
    assert_eq!(
        discovery["jwks_uri"],
        format!("{}/openidconnect/jwks/lightwave.local", sim.url())
    );

    // refresh_token grant on the system-tenant endpoint without a tenant segment.
    let refreshed: Value = http
        .post(format!("{}/openidconnect/token", sim.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        self::claims(refreshed["access_token"].as_str().unwrap())["sub"],
        "Administrator@lightwave.local"
    );

    // OAuth errors.
    let (status, body) =
        token_response(&http, &sim, "lightwave.local", &sim.admin_upn(), "wrong").await;
    assert_eq!(status, 400);
    assert_eq!(keys(&body), set(&["error", "error_description"]));
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = token_response(
        &http,
        &sim,
        "lightwave.local",
        "nobody@lightwave.local",
        "x",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let response = http
        .post(format!("{}/openidconnect/token/lightwave.local", sim.url()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_get_401() {
    let (sim, http) = start(SimOptions {
        token_lifetime: Duration::from_secs(1),
        ..SimOptions::default()
    })
    .await;
    let path = "/idm/tenant/lightwave.local";
    let (status, body) = call(&http, &sim, Method::GET, path, None, None).await;
    assert_error(status, &body, 401, "invalid_request");
    let (status, body) = call(&http, &sim, Method::GET, path, Some("not-a-jwt"), None).await;
    assert_error(status, &body, 401, "invalid_token");

    let token = admin_token(&http, &sim).await;
    // A token whose payload was altered no longer verifies.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut forged = claims(&token);
    forged["sub"] = json!("mallory@lightwave.local");
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    let (status, body) = call(&http, &sim, Method::GET, path, Some(&parts.join(".")), None).await;
    assert_error(status, &body, 401, "invalid_token");

    // Partial config PUT: only the token policy's clock tolerance changes (to 0 so expiry shows);
    // the answer holds only the updated policy.
    let config_url = format!("{path}/config");
    let (status, before) = call(&http, &sim, Method::GET, &config_url, Some(&token), None).await;
    assert_eq!(status, 200, "{before}");
    let (status, after) = call(
        &http,
        &sim,
        Method::PUT,
        &config_url,
        Some(&token),
        Some(json!({"tokenPolicy": {"clockToleranceMillis": 0}, "passwordPolicy": {"minLength": 12}})),
    )
    .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(keys(&after), set(&["tokenPolicy"]));
    assert_eq!(after["tokenPolicy"]["clockToleranceMillis"], 0);
    assert_eq!(
        after["tokenPolicy"]["renewCount"],
        before["tokenPolicy"]["renewCount"]
    );
    let (_, now) = call(&http, &sim, Method::GET, &config_url, Some(&token), None).await;
    for policy in [
        "passwordPolicy",
        "lockoutPolicy",
        "brandPolicy",
        "authenticationPolicy",
    ] {
        assert_eq!(now[policy], before[policy], "{policy} must not change");
    }
    // The password policy changes through VMDIR only.
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/lightwave.local/config",
        Some(&token),
        Some(json!({"passwordPolicy": {"minLength": 12}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys(&body), set(&["passwordPolicy"]));
    assert_eq!(body["passwordPolicy"]["minLength"], 12);
    assert_eq!(
        body["passwordPolicy"]["maxLength"],
        before["passwordPolicy"]["maxLength"]
    );

    let (status, _) = call(&http, &sim, Method::GET, path, Some(&token), None).await;
    assert_eq!(status, 200, "a fresh token works");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, body) = call(&http, &sim, Method::GET, path, Some(&token), None).await;
    assert_error(status, &body, 401, "invalid_token");
}

#[tokio::test]
async fn a_regular_user_cannot_create_a_tenant() {
    let (sim, http) = start(SimOptions::default()).await;
    let admin = admin_token(&http, &sim).await;
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/lightwave.local/users",
        Some(&admin),
        Some(user_body("bob", "lightwave.local", "Bob!Pass12")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/lightwave.local/groups/Users@lightwave.local/members?members=bob@lightwave.local&type=user",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");

    let bob = login(
        &http,
        &sim,
        "lightwave.local",
        "bob@lightwave.local",
        "Bob!Pass12",
    )
    .await;
    let (status, body) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/lightwave.local",
        Some(&bob),
        None,
    )
    .await;
    assert_eq!(status, 200, "RegularUser may read its tenant: {body}");
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/idm/tenant",
        Some(&bob),
        Some(json!({"name": "evil", "username": "admin@evil", "password": "Evil!Pass1"})),
    )
    .await;
    assert_error(status, &body, 403, "insufficient_scope");
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/lightwave.local/groups",
        Some(&bob),
        Some(json!({"name": "g", "domain": "lightwave.local"})),
    )
    .await;
    assert_error(status, &body, 403, "insufficient_scope");
}

#[tokio::test]
async fn tenants_are_create_only_and_roles_are_per_tenant() {
    let (sim, http) = start(SimOptions::default()).await;
    let admin = admin_token(&http, &sim).await;
    let created = create_tenant(&http, &sim, &admin, "acme").await;
    assert_eq!(keys(&created), set(&["name", "longName", "guid", "issuer"]));
    assert_eq!(
        created["issuer"],
        format!("{}/openidconnect/acme", sim.url())
    );

    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/idm/tenant",
        Some(&admin),
        Some(json!({"name": "ACME", "username": "admin@acme", "password": "Acme!Pass1"})),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");

    // Without credentials the tenant signs with the system tenant's certificate.
    let certificates = |tenant: &str| {
        let http = http.clone();
        let url = format!(
            "{}/idm/tenant/{tenant}/certificates?scope=TENANT&granularity=CHAIN",
            sim.url()
        );
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let acme_chain = certificates("acme").await;
    assert_eq!(acme_chain[0], certificates("lightwave.local").await[0]);
    assert_eq!(keys(&acme_chain[0]), set(&["certificates"]));

    // A system administrator token is not an acme administrator: log in to acme instead.
    let user = user_body("carol", "acme", "Carol!Pass1");
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/acme/users",
        Some(&admin),
        Some(user.clone()),
    )
    .await;
    assert_error(status, &body, 403, "insufficient_scope");
    let acme = login(&http, &sim, "acme", "admin@acme", "Acme!Pass1").await;
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/acme/users",
        Some(&acme),
        Some(user),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // …and an acme administrator cannot manage tenants (TenantOperator is system-tenant only).
    let (status, body) = call(
        &http,
        &sim,
        Method::DELETE,
        "/idm/tenant/acme",
        Some(&acme),
        None,
    )
    .await;
    assert_error(status, &body, 403, "insufficient_scope");

    // PUT changes only the issuer.
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/idm/tenant/acme",
        Some(&admin),
        Some(json!({"name": "acme", "longName": "Changed", "issuer": "https://idp.example/acme"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issuer"], "https://idp.example/acme");
    assert_eq!(body["longName"], "Acme Corp");
    assert_eq!(body["guid"], created["guid"]);

    // A new tenant's password lifetime is raised to 700 days; ?type= selects policies.
    let (status, config) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/acme/config?type=PASSWORD&type=LOCKOUT",
        Some(&acme),
        None,
    )
    .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(keys(&config), set(&["passwordPolicy", "lockoutPolicy"]));
    assert_eq!(config["passwordPolicy"]["passwordLifetimeDays"], 700);
    let (status, body) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/acme/config?type=BOGUS",
        Some(&acme),
        None,
    )
    .await;
    assert_error(status, &body, 400, "bad_request");

    let (status, body) = call(
        &http,
        &sim,
        Method::DELETE,
        "/idm/tenant/acme",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/acme/certificates",
        None,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = token_response(&http, &sim, "acme", "admin@acme", "Acme!Pass1").await;
    assert_eq!(status, 400, "the tenant admin went with the tenant: {body}");
}

#[tokio::test]
async fn principals_have_lightwave_shapes_and_rules() {
    let (sim, http) = start(SimOptions::default()).await;
    let admin = admin_token(&http, &sim).await;
    create_tenant(&http, &sim, &admin, "acme").await;
    let acme = login(&http, &sim, "acme", "admin@acme", "Acme!Pass1").await;
    let t = Some(acme.as_str());
    let post = |path: &'static str, body: Value| {
        let (http, sim) = (&http, &sim);
        async move { call(http, sim, Method::POST, path, t, Some(body)).await }
    };

    // Users.
    let (status, body) = post(
        "/vmdir/tenant/acme/users",
        user_body("dave", "other.local", "Dave!Pass1"),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let mut both = user_body("dave", "acme", "Dave!Pass1");
    both["disabled"] = json!(true);
    both["locked"] = json!(true);
    let (status, body) = post("/vmdir/tenant/acme/users", both).await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = post(
        "/vmdir/tenant/acme/users",
        user_body("dave", "acme", "short"),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, user) = post(
        "/vmdir/tenant/acme/users",
        user_body("dave", "acme", "Dave!Pass1"),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(
        keys(&user),
        set(&[
            "name",
            "domain",
            "details",
            "disabled",
            "locked",
            "passwordDetails",
            "objectId"
        ])
    );
    assert_eq!(
        keys(&user["passwordDetails"]),
        set(&["lastSet", "lifetime"])
    );
    assert_eq!(user["details"]["upn"], "dave@acme");
    let (status, body) = post(
        "/vmdir/tenant/acme/users",
        user_body("dave", "acme", "Dave!Pass1"),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, got) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/acme/users/dave@acme",
        t,
        None,
    )
    .await;
    assert_eq!((status, &got), (200, &user));
    let (status, body) = call(
        &http,
        &sim,
        Method::GET,
        "/vmdir/tenant/acme/users/nobody@acme",
        t,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");

    // A non-administrator changes a password only with the current one (token optional).
    let dave_url = "/vmdir/tenant/acme/users/dave@acme/password";
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        dave_url,
        None,
        Some(json!({"newPassword": "Dave!Pass2"})),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        dave_url,
        None,
        Some(json!({"currentPassword": "wrong", "newPassword": "Dave!Pass2"})),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        dave_url,
        None,
        Some(json!({"currentPassword": "Dave!Pass1", "newPassword": "Dave!Pass2"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // An administrator resets it without the current one.
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        dave_url,
        t,
        Some(json!({"newPassword": "Dave!Pass3"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    login(&http, &sim, "acme", "dave@acme", "Dave!Pass3").await;

    // Groups and members (query parameters, no body).
    let (status, group) = post(
        "/vmdir/tenant/acme/groups",
        json!({"name": "ops", "domain": "acme", "details": {"description": "Operators"}}),
    )
    .await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(
        keys(&group),
        set(&["name", "domain", "details", "objectId"])
    );
    let (status, body) = post(
        "/vmdir/tenant/acme/groups",
        json!({"name": "OPS", "domain": "acme"}),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/acme/groups/ops@acme/members?members=dave@acme&type=user",
        t,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/acme/groups/Administrators@acme/members?members=ops@acme&type=group",
        t,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, members) = call(
        &http,
        &sim,
        Method::GET,
        "/vmdir/tenant/acme/groups/ops@acme/members?type=all",
        t,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(keys(&members), set(&["users"]));
    assert_eq!(members["users"][0]["name"], "dave");
    let (_, parents) = call(
        &http,
        &sim,
        Method::GET,
        "/vmdir/tenant/acme/users/dave@acme/groups?nested=true",
        t,
        None,
    )
    .await;
    let names: BTreeSet<&str> = parents
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Administrators", "ops"].into_iter().collect());
    // Nested membership makes dave an acme Administrator.
    let dave = login(&http, &sim, "acme", "dave", "Dave!Pass3").await;
    let (status, body) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/acme/groups",
        Some(&dave),
        Some(json!({"name": "dev", "domain": "acme"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/acme/groups/ops@acme/members?members=ghost@acme&type=user",
        t,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = call(
        &http,
        &sim,
        Method::DELETE,
        "/vmdir/tenant/acme/groups/ops@acme/members?members=dave@acme&type=user",
        t,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, members) = call(
        &http,
        &sim,
        Method::GET,
        "/vmdir/tenant/acme/groups/ops@acme/members",
        t,
        None,
    )
    .await;
    assert_eq!(members, json!({}));

    // Solution users need a PEM certificate.
    let (status, body) = post(
        "/vmdir/tenant/acme/solutionusers",
        json!({"name": "svc", "domain": "acme", "certificate": {"encoded": "not a certificate"}}),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = post("/vmdir/tenant/acme/solutionusers", json!({"name": "svc", "domain": "acme", "description": "a service", "certificate": {"encoded": certificate_pem()}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        keys(&body),
        set(&[
            "name",
            "domain",
            "description",
            "certificate",
            "disabled",
            "objectId",
            "multiTenant"
        ])
    );
    let (status, body) = post(
        "/vmdir/tenant/acme/solutionusers",
        json!({"name": "svc2", "domain": "acme", "certificate": body["certificate"].clone()}),
    )
    .await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/acme/groups/ops@acme/members?members=svc&type=solutionuser",
        t,
        None,
    )
    .await;
    assert_error(status, &body, 501, "not_implemented");

    // OIDC clients: server-assigned id, odd wire key.
    let (status, client) = post(
        "/idm/tenant/acme/oidcclient",
        json!({"redirectUris": ["https://app.example/cb"], "tokenEndpointAuthMethod": "none"}),
    )
    .await;
    assert_eq!(status, 200, "{client}");
    assert_eq!(keys(&client), set(&["clientId", "oidcclientMetadataDTO"]));
    let id = client["clientId"].as_str().unwrap().to_string();
    let (status, body) = post("/idm/tenant/acme/oidcclient", json!({"redirectUris": ["https://app.example/cb"], "tokenEndpointAuthMethod": "private_key_jwt"})).await;
    assert_error(status, &body, 400, "bad_request");
    let (status, updated) = call(
        &http,
        &sim,
        Method::PUT,
        &format!("/idm/tenant/acme/oidcclient/{id}"),
        t,
        Some(json!({"redirectUris": ["https://app.example/other"]})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated["oidcclientMetadataDTO"]["redirectUris"],
        json!(["https://app.example/other"])
    );
    let (_, list) = call(
        &http,
        &sim,
        Method::GET,
        "/idm/tenant/acme/oidcclient",
        t,
        None,
    )
    .await;
    assert_eq!(list, json!([updated]));
    let (status, _) = call(
        &http,
        &sim,
        Method::DELETE,
        &format!("/idm/tenant/acme/oidcclient/{id}"),
        t,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &http,
        &sim,
        Method::GET,
        &format!("/idm/tenant/acme/oidcclient/{id}"),
        t,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");

    // Resource servers must be named rs_*.
    let (status, body) = post("/idm/tenant/acme/resourceserver", json!({"name": "photon"})).await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = post(
        "/idm/tenant/acme/resourceserver",
        json!({"name": "rs_photon", "groupFilter": ["acme\\ops"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(keys(&body), set(&["name", "groupFilter"]));

    // Trusted certificates: add, then remove by fingerprint.
    let pem = certificate_pem();
    let (status, body) = post("/idm/tenant/acme/certificates", json!({"encoded": pem})).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = post("/idm/tenant/acme/certificates", json!({"encoded": pem})).await;
    assert_error(status, &body, 400, "bad_request");
    use rustls::pki_types::pem::PemObject as _;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let fingerprint: String =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
    let (status, body) = call(
        &http,
        &sim,
        Method::DELETE,
        &format!("/idm/tenant/acme/certificates?fingerprint={fingerprint}"),
        t,
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn the_lockout_policy_locks_after_failed_logins() {
    let (sim, http) = start(SimOptions::default()).await;
    let admin = admin_token(&http, &sim).await;
    let (status, _) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/lightwave.local/config",
        Some(&admin),
        Some(json!({"lockoutPolicy": {"maxFailedAttempts": 2}})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &http,
        &sim,
        Method::POST,
        "/vmdir/tenant/lightwave.local/users",
        Some(&admin),
        Some(user_body("erin", "lightwave.local", "Erin!Pass1")),
    )
    .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let (status, body) = token_response(
            &http,
            &sim,
            "lightwave.local",
            "erin@lightwave.local",
            "nope",
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    let (status, body) = token_response(
        &http,
        &sim,
        "lightwave.local",
        "erin@lightwave.local",
        "Erin!Pass1",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "locked: {body}"
    );
    let (_, user) = call(
        &http,
        &sim,
        Method::GET,
        "/vmdir/tenant/lightwave.local/users/erin@lightwave.local",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(user["locked"], true);
    let (status, body) = call(
        &http,
        &sim,
        Method::PUT,
        "/vmdir/tenant/lightwave.local/users/erin@lightwave.local",
        Some(&admin),
        Some(json!({"name": "erin", "domain": "lightwave.local", "locked": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    login(
        &http,
        &sim,
        "lightwave.local",
        "erin@lightwave.local",
        "Erin!Pass1",
    )
    .await;
}
