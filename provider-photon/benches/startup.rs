//! Provider start-to-handshake time and idle memory, as Terraform launches it (AutoMTLS on).
//!
//! `cargo bench -p terraform-provider-photon --bench startup` (release build). Targets: handshake
//! within 10 ms, idle RSS under 15 MB. No Go provider runs here to compare against in the same
//! run, so the report states the targets next to the measurements.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 40;
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn client_cert_pem() -> String {
    // go-plugin's client certificate: ECDSA P-521, CA:true, CN localhost.
    let key =
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key generation");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("valid SAN");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .self_signed(&key)
        .expect("self-signed certificate")
        .pem()
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

fn main() {
    let binary = env!("CARGO_BIN_EXE_terraform-provider-photon");
    let cert = client_cert_pem();
    let mut startup_ms = Vec::with_capacity(RUNS);
    let mut rss_mib = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_CLIENT_CERT", &cert)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("provider starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("handshake line");
        startup_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(
            line.starts_with("1|6|unix|"),
            "unexpected handshake: {line:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
        if let Some(kib) = rss_kib(child.id()) {
            rss_mib.push(kib as f64 / 1024.0);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    startup_ms.sort_by(f64::total_cmp);
    rss_mib.sort_by(f64::total_cmp);
    println!("terraform-provider-photon, {RUNS} launches with AutoMTLS:");
    println!(
        "  start to handshake: median {:.2} ms, p90 {:.2} ms, max {:.2} ms (target <= 10 ms)",
        percentile(&startup_ms, 0.5),
        percentile(&startup_ms, 0.9),
        percentile(&startup_ms, 1.0)
    );
    println!(
        "  idle RSS after 200 ms: median {:.1} MiB, max {:.1} MiB (target <= 15 MB)",
        percentile(&rss_mib, 0.5),
        percentile(&rss_mib, 1.0)
    );
}
