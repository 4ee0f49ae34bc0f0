//! The rig's vCenter simulator: reachable over verified TLS, enforcing its credentials, sized by flags.

// Helpers here are test code too: a panic is how they report a failure.
#![allow(clippy::unwrap_used)]

use photon_test_rig::{Vcsim, VcsimOptions};

/// A client that trusts only the simulator's own certificate: verification stays on.
fn client(vcsim: &Vcsim) -> reqwest::Client {
    let pem = std::fs::read(&vcsim.ca_file).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

async fn soap(
    client: &reqwest::Client,
    vcsim: &Vcsim,
    cookie: Option<&str>,
    body: &str,
) -> (u16, String, Option<String>) {
    let mut request = client
        .post(&vcsim.url)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "urn:vim25/6.5")
        .body(envelope(body));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let session = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    (status, response.text().await.unwrap(), session)
}

fn login(options: &VcsimOptions, password: &str) -> String {
    format!(
        r#"<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>{}</userName><password>{password}</password></Login>"#,
        options.username
    )
}

fn find_by_path(path: &str) -> String {
    format!(
        r#"<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">SearchIndex</_this><inventoryPath>{path}</inventoryPath></FindByInventoryPath>"#
    )
}

#[tokio::test]
async fn vcsim_answers_retrieve_service_content_over_verified_tls() {
    let vcsim = Vcsim::shared();
    assert!(vcsim.url.starts_with("https://127.0.0.1:"), "{}", vcsim.url);
    let (status, body, _) = soap(
        &client(vcsim),
        vcsim,
        None,
        r#"<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<apiType>VirtualCenter</apiType>"), "{body}");
    assert!(
        body.contains(r#"<sessionManager type="SessionManager">SessionManager</sessionManager>"#),
        "{body}"
    );
}

#[tokio::test]
async fn vcsim_logs_in_with_its_credentials_and_refuses_others() {
    let vcsim = Vcsim::shared();
    let client = client(vcsim);

    let (status, body, _) = soap(&client, vcsim, None, &find_by_path("DC0/vm/DC0_H0_VM0")).await;
    assert_eq!(status, 500, "no session yet: {body}");
    assert!(body.contains("NotAuthenticated"), "{body}");

    let (status, body, _) = soap(&client, vcsim, None, &login(&vcsim.options, "wrong")).await;
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("InvalidLogin"), "{body}");

    let (status, body, cookie) = soap(
        &client,
        vcsim,
        None,
        &login(&vcsim.options, &vcsim.options.password),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("<userName>{}</userName>", vcsim.options.username)),
        "{body}"
    );
    let cookie = cookie.expect("Login sets the vmware_soap_session cookie");
    assert!(cookie.starts_with("vmware_soap_session="), "{cookie}");

    let (status, body, _) = soap(
        &client,
        vcsim,
        Some(&cookie),
        &find_by_path("DC0/vm/DC0_H0_VM0"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#"type="VirtualMachine""#), "{body}");
}

#[tokio::test]
async fn vcsim_registers_rest_pbm_lookup_and_sts_endpoints() {
    let vcsim = Vcsim::shared();
    let client = client(vcsim);
    let base = format!("https://{}", vcsim.address());

    let session = client
        .post(format!("{base}/rest/com/vmware/cis/session"))
        .basic_auth(&vcsim.options.username, Some(&vcsim.options.password))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200, "REST session login");

    for (path, action, body) in [
        (
            "/pbm",
            "urn:pbm/6.5",
            r#"<PbmRetrieveServiceContent xmlns="urn:pbm"><_this type="PbmServiceInstance">ServiceInstance</_this></PbmRetrieveServiceContent>"#,
        ),
        (
            "/lookupservice/sdk",
            "urn:lookup/2.0",
            r#"<RetrieveServiceContent xmlns="urn:lookup"><_this type="LookupServiceInstance">ServiceInstance</_this></RetrieveServiceContent>"#,
        ),
    ] {
        let response = client
            .post(format!("{base}{path}"))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(envelope(body))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {text}");
        assert!(
            text.contains("RetrieveServiceContentResponse"),
            "{path}: {text}"
        );
    }

    // STS picks its operation from SOAPAction; an unknown one is 404, an unregistered path too.
    let sts = client
        .post(format!("{base}/sts/STSService/vsphere.local"))
        .header(
            "SOAPAction",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        )
        .body(envelope(""))
        .send()
        .await
        .unwrap();
    assert_eq!(sts.status(), 200, "STS Issue");
    let missing = client
        .post(format!("{base}/no-such-endpoint"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn vcsim_inventory_follows_the_size_flags_and_its_files_go_when_it_stops() {
    let options = VcsimOptions {
        hosts: 2,
        clusters: 0,
        vms: 3,
        ..VcsimOptions::default()
    };
    let vcsim = Vcsim::start(options).unwrap();
    let client = client(&vcsim);
    let (_, _, cookie) = soap(
        &client,
        &vcsim,
        None,
        &login(&vcsim.options, &vcsim.options.password),
    )
    .await;
    let cookie = cookie.unwrap();
    for (path, exists) in [
        ("DC0/vm/DC0_H1_VM2", true),
        ("DC0/vm/DC0_H1_VM3", false),
        ("DC0/vm/DC0_H2_VM0", false),
        ("DC0/host/DC0_C0", false),
    ] {
        let (status, body, _) = soap(&client, &vcsim, Some(&cookie), &find_by_path(path)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.contains("<returnval"), exists, "{path}: {body}");
    }

    let work_dir = vcsim.work_dir().to_path_buf();
    let address = vcsim.address().to_owned();
    assert!(work_dir.join("ca.pem").exists());
    drop(vcsim);
    assert!(!work_dir.exists(), "{} left behind", work_dir.display());
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "still listening after drop"
    );
}
