//! The `lightwave-sim` binary: its ready line, its CA file, and a state file that keeps tenants and
//! users across a restart.

// Helpers here are test code too: a panic is how they report a failure.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const PASSWORD: &str = "Binary!Admin1";

struct Running {
    child: Child,
    ready: Value,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(dir: &Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lightwave-sim"))
        .args(["--tenant", "photon.local", "--state-file"])
        .arg(dir.join("state.json"))
        .arg("--ca-file")
        .arg(dir.join("ca.pem"))
        .env("LIGHTWAVE_SIM_ADMIN_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value =
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("ready line: {line:?}"));
    Running { child, ready }
}

fn client(ca_file: &Path) -> reqwest::Client {
    let pem = std::fs::read(ca_file).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

async fn login(
    http: &reqwest::Client,
    url: &str,
    tenant: &str,
    user: &str,
    password: &str,
) -> String {
    let response = http
        .post(format!("{url}/openidconnect/token/{tenant}"))
        .form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
            ("scope", "openid at_groups rs_admin_server"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "login {user}");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn ready_line_and_state_file_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = spawn(dir.path());
    let keys: Vec<&String> = first.ready.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ca_file", "pid", "url"]);
    assert_eq!(first.ready["pid"], first.child.id());
    assert_eq!(
        first.ready["ca_file"],
        dir.path().join("ca.pem").to_str().unwrap()
    );
    let url = first.ready["url"].as_str().unwrap().to_string();

    let http = client(&dir.path().join("ca.pem"));
    let admin = login(
        &http,
        &url,
        "photon.local",
        "Administrator@photon.local",
        PASSWORD,
    )
    .await;
    let response = http
        .post(format!("{url}/idm/tenant"))
        .bearer_auth(&admin)
        .json(&json!({"name": "acme", "username": "admin@acme", "password": "Acme!Pass1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let acme = login(&http, &url, "acme", "admin@acme", "Acme!Pass1").await;
    let response = http
        .post(format!("{url}/vmdir/tenant/acme/users"))
        .bearer_auth(&acme)
        .json(&json!({"name": "frank", "domain": "acme", "passwordDetails": {"password": "Frank!Pass1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("state.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the state file holds private keys");
    }
    drop(first);

    let second = spawn(dir.path());
    let url = second.ready["url"].as_str().unwrap().to_string();
    let http = client(&dir.path().join("ca.pem"));
    let acme = login(&http, &url, "acme", "admin@acme", "Acme!Pass1").await;
    let response = http
        .get(format!("{url}/vmdir/tenant/acme/users/frank@acme"))
        .bearer_auth(&acme)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["name"], "frank");
    login(&http, &url, "acme", "frank@acme", "Frank!Pass1").await;
}
