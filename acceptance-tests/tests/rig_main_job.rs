//! The README's main job: `photon-rig` starts every service, says where each listens, cleans up.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn photon_rig_reports_live_services_and_removes_them_when_it_stops() {
    let output = Command::new(env!("CARGO_BIN_EXE_photon-rig"))
        .arg("--exit-when-ready")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    let value = |label: &str| -> String {
        stdout
            .lines()
            .find(|line| line.starts_with(label))
            .and_then(|line| line.split_whitespace().last())
            .unwrap_or_else(|| panic!("no {label:?} line in:\n{stdout}"))
            .to_owned()
    };
    let vcsim_url = value("vcsim");
    let docker_host = value("podman");
    let ca_file = value("  CA certificate");
    assert!(vcsim_url.starts_with("https://127.0.0.1:"), "{vcsim_url}");
    assert!(docker_host.starts_with("unix:///"), "{docker_host}");
    assert!(
        stdout.contains("\nready\n") && stdout.ends_with("stopped\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("examples/quickstart: VM /DC0/vm/quickstart/photon-quickstart (vm-"),
        "the main job applies the quickstart: {stdout}"
    );
    assert!(
        stdout.contains("examples/containers: server at "),
        "the main job applies the containers example: {stdout}"
    );
    for template in ["build.pkr.hcl", "build.json"] {
        assert!(
            stdout.contains(&format!(
                "packer build               examples/packer/photon-clone/{template}: "
            )) && !stdout.contains("(no artifact line)"),
            "the main job builds the Packer example {template}: {stdout}"
        );
    }
    assert!(
        stdout.contains("examples/lightwave: tenant guid "),
        "the main job applies the Lightwave example: {stdout}"
    );
    assert!(
        !stdout.contains("GOVC_PASSWORD")
            && !stdout.contains("VSPHERE_PASSWORD")
            && !stdout.contains("LIGHTWAVE_PASSWORD"),
        "credentials must stay out of stdout"
    );
    let lightwave_url = value("lightwave-sim");
    assert!(
        lightwave_url.starts_with("https://127.0.0.1:"),
        "{lightwave_url}"
    );

    // Every service was stopped and its files deleted.
    let address = vcsim_url
        .trim_start_matches("https://")
        .trim_end_matches("/sdk");
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "vcsim still listens"
    );
    assert!(
        std::net::TcpStream::connect(lightwave_url.trim_start_matches("https://")).is_err(),
        "lightwave-sim still listens"
    );
    let socket = docker_host.trim_start_matches("unix://");
    assert!(
        !std::path::Path::new(socket).exists(),
        "{socket} left behind"
    );
    assert!(
        !std::path::Path::new(&ca_file).exists(),
        "{ca_file} left behind"
    );
}
