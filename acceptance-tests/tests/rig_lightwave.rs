//! The rig's Lightwave simulator: served in-process over TLS verified with its CA file, and gone
//! (port closed) once dropped.

// Helpers here are test code too: a panic is how they report a failure.
#![allow(clippy::unwrap_used)]

use photon_test_rig::{LightwaveSim, LightwaveSimOptions};

fn client(sim: &LightwaveSim) -> reqwest::Client {
    let pem = std::fs::read(sim.ca_file()).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn shared_sim_answers_over_verified_tls_and_accepts_its_admin() {
    let sim = LightwaveSim::shared();
    let http = client(sim);
    let about = http
        .get(format!("{}/idm/", sim.url()))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap();
    let about: serde_json::Value = serde_json::from_str(&about).unwrap();
    assert!(about["productName"].is_string(), "{about}");

    let response = http
        .post(format!(
            "{}/openidconnect/token/{}",
            sim.url(),
            sim.tenant()
        ))
        .form(&[
            ("grant_type", "password"),
            ("username", sim.admin_username()),
            ("password", sim.admin_password()),
            ("scope", "openid at_groups rs_admin_server"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let env: std::collections::BTreeMap<String, String> = sim.env().into_iter().collect();
    assert_eq!(env["LIGHTWAVE_ENDPOINT"], sim.url());
    assert_eq!(env["LIGHTWAVE_CA_FILE"], sim.ca_file().to_str().unwrap());
    assert_eq!(env["LIGHTWAVE_USERNAME"], "Administrator@lightwave.local");
}

#[tokio::test]
async fn a_started_sim_closes_its_port_when_dropped() {
    let sim = LightwaveSim::start(LightwaveSimOptions::default());
    let address = sim.url().trim_start_matches("https://").to_string();
    let ca_file = sim.ca_file().to_path_buf();
    let http = client(&sim);
    let status = http
        .get(format!("{}/idm/server/status", sim.url()))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success());
    drop(sim);
    let refused = std::net::TcpStream::connect(&address);
    assert!(refused.is_err(), "{address} still accepts connections");
    assert!(
        !ca_file.exists(),
        "the CA file is removed with the simulator"
    );
}
