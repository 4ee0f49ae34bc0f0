//! `terraform plan` (with refresh) over many `photon_virtual_machine` resources on vcsim, against
//! one raw batched retrieval of the same VMs measured in the same run.
//!
//! `cargo bench -p terraform-provider-photon --bench refresh [-- --vms N]` (release build; N
//! defaults to 1,000). The state is created once by `terraform apply`; then `terraform plan` is
//! timed and the provider's SOAP round trips are read from its own debug log (every provider
//! process logs its session's count when Terraform shuts it down). The raw retrieval is
//! `vim::Client::retrieve` of the resource's own property list for every VM, best of five.
//!
//! Targets (issue 5): ≤ 2 SOAP round trips per 100 VMs during the plan, and the provider's
//! refresh retrieval ≤ 1.5× the raw retrieval. Terraform's own work (graph, state, 1,000
//! ReadResource RPCs) is reported separately as the plan's wall time.

use std::time::{Duration, Instant};

use photon_test_rig::{PROVIDER_SOURCE, ProviderInstall, TerraformDir, Vcsim, VcsimOptions};
use terraform_provider_photon::resources::vsphere::virtual_machine::VM_PATHS;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let vms: usize = args
        .iter()
        .position(|arg| arg == "--vms")
        .and_then(|index| args.get(index + 1))
        .map(|value| value.parse().expect("--vms takes a number"))
        .unwrap_or(1000);

    let vcsim = Vcsim::start(VcsimOptions::default()).expect("vcsim starts");
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(&vcsim);
    terraform.write("main.tf", &configuration(vms));
    terraform.ok(&["init", "-no-color", "-input=false"]);

    let started = Instant::now();
    terraform.ok(&[
        "apply",
        "-no-color",
        "-input=false",
        "-auto-approve",
        "-parallelism=32",
    ]);
    let apply = started.elapsed();

    let started = Instant::now();
    let planned = terraform
        .command(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
        .env("TF_LOG_PROVIDER", "debug")
        .output()
        .expect("terraform plan runs");
    let plan = started.elapsed();
    let log = String::from_utf8_lossy(&planned.stderr);
    assert_eq!(
        planned.status.code(),
        Some(0),
        "the plan after apply must be empty:\n{}\n{log}",
        String::from_utf8_lossy(&planned.stdout)
    );
    let sessions: Vec<u64> = log
        .lines()
        .filter(|line| line.contains("vSphere session logged out"))
        .filter_map(|line| number_after(line, "round_trips="))
        .collect();
    assert!(
        !sessions.is_empty(),
        "no provider logged its round trips:\n{log}"
    );
    let round_trips: u64 = sessions.iter().sum();
    let batches: Vec<(u64, u64, u64)> = log
        .lines()
        .filter(|line| {
            line.contains("batched refresh retrieval") && line.contains("VirtualMachine")
        })
        .filter_map(|line| {
            Some((
                number_after(line, "objects=")?,
                number_after(line, "round_trips=")?,
                number_after(line, "elapsed_ms=")?,
            ))
        })
        .collect();
    let refresh_ms: u64 = batches.iter().map(|(_, _, elapsed)| elapsed).sum();

    let (raw_first, raw) = raw_retrieval(&vcsim, vms);

    println!("vms                          {vms}");
    println!("terraform apply (create)     {:.1} s", apply.as_secs_f64());
    println!("terraform plan (refresh)     {:.2} s", plan.as_secs_f64());
    println!(
        "provider processes           {} (their sessions: {sessions:?} SOAP round trips, login and logout included)",
        sessions.len()
    );
    println!("VM batches during the plan   {batches:?} (objects, round trips, ms)");
    let batch_trips: u64 = batches.iter().map(|(_, trips, _)| trips).sum();
    println!(
        "SOAP round trips per 100 VMs {:.2} (target <= 2): {batch_trips} for the VM batch, {} for login, logout and the data sources",
        round_trips as f64 * 100.0 / vms as f64,
        round_trips - batch_trips
    );
    println!(
        "raw batched retrieval        {:.1} ms best of 5, {:.1} ms first ({} properties per VM)",
        raw.as_secs_f64() * 1000.0,
        raw_first.as_secs_f64() * 1000.0,
        VM_PATHS.len()
    );
    println!(
        "provider refresh retrieval   {refresh_ms} ms = {:.2}x raw best, {:.2}x raw first (target <= 1.5)",
        refresh_ms as f64 / (raw.as_secs_f64() * 1000.0),
        refresh_ms as f64 / (raw_first.as_secs_f64() * 1000.0)
    );
    println!(
        "plan wall time               {:.1}x raw (Terraform's graph, state and {vms} ReadResource calls included)",
        plan.as_secs_f64() / raw.as_secs_f64()
    );
}

fn configuration(vms: usize) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    photon = {{ source = "{PROVIDER_SOURCE}" }}
  }}
}}

provider "photon" {{}}

data "photon_datacenter" "dc" {{
  name = "DC0"
}}

data "photon_datastore" "local" {{
  name          = "LocalDS_0"
  datacenter_id = data.photon_datacenter.dc.id
}}

data "photon_resource_pool" "pool" {{
  name          = "DC0_C0/Resources"
  datacenter_id = data.photon_datacenter.dc.id
}}

resource "photon_virtual_machine" "fleet" {{
  count            = {vms}
  name             = "fleet-${{count.index}}"
  resource_pool_id = data.photon_resource_pool.pool.id
  datastore_id     = data.photon_datastore.local.id
  power_state      = "off"

  disk {{
    label = "os"
    size  = 1
  }}
}}
"#
    )
}

/// The first and the best of five retrievals of every VM's properties (the resource's own list)
/// through one container view, after one login. The provider's retrieval is a first one.
fn raw_retrieval(vcsim: &Vcsim, vms: usize) -> (Duration, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let client = vim::Client::connect(vim::ConnectOptions {
            url: vcsim.url.clone(),
            username: vcsim.options.username.clone(),
            password: vcsim.options.password.clone(),
            ca_pem: Some(std::fs::read(&vcsim.ca_file).expect("vcsim CA file")),
            ..vim::ConnectOptions::default()
        })
        .await
        .expect("login");
        let root = client.service_content().root_folder.clone();
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let objects = client
                .retrieve(&root, "VirtualMachine", VM_PATHS)
                .await
                .expect("retrieval");
            times.push(started.elapsed());
            assert!(objects.len() >= vms, "{} VMs", objects.len());
        }
        client.logout().await.expect("logout");
        let best = times.iter().min().copied().unwrap_or_default();
        (times[0], best)
    })
}

fn number_after(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
