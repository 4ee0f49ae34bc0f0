//! `photon-rig`: starts the embedded simulators, prints where each one listens, and applies the
//! examples the provider implements with the real `terraform`.
//!
//! It runs until Ctrl-C or SIGTERM (or, with `--exit-when-ready`, stops at once after printing), then
//! stops every service and deletes its files. Credentials go to a 0600 env file, never to stdout.

use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::process::ExitCode;

use photon_test_rig::{
    BUSYBOX_IMAGE, LightwaveSim, LightwaveSimOptions, PackerDir, Podman, ProviderInstall,
    TerraformDir, Tool, Vcsim, VcsimOptions, plugin_binaries, project_root, tools_dir,
};

fn main() -> ExitCode {
    let exit_when_ready = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--exit-when-ready") => true,
        Some(other) => {
            eprintln!("usage: photon-rig [--exit-when-ready]  (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    match run(exit_when_ready) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("photon-rig: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(exit_when_ready: bool) -> Result<(), String> {
    let plugins = plugin_binaries();
    let password = random_password()?;
    let vcsim = Vcsim::start(VcsimOptions {
        password,
        ..VcsimOptions::default()
    })?;
    let podman = Podman::start()?;
    podman.import_busybox(BUSYBOX_IMAGE)?;
    let lightwave = LightwaveSim::start(LightwaveSimOptions {
        admin_password: format!("Lw!{}", random_password()?),
        ..LightwaveSimOptions::default()
    });

    let env_file = tools_dir().join("rig.env");
    let mut env = String::new();
    let _ = writeln!(env, "export GOVC_URL={}", vcsim.url);
    let _ = writeln!(env, "export GOVC_USERNAME={}", vcsim.options.username);
    let _ = writeln!(env, "export GOVC_PASSWORD={}", vcsim.options.password);
    let _ = writeln!(env, "export GOVC_TLS_CA_CERTS={}", vcsim.ca_file.display());
    let _ = writeln!(env, "export VSPHERE_SERVER={}", vcsim.url);
    let _ = writeln!(env, "export VSPHERE_USER={}", vcsim.options.username);
    let _ = writeln!(env, "export VSPHERE_PASSWORD={}", vcsim.options.password);
    let _ = writeln!(env, "export VSPHERE_CA_FILE={}", vcsim.ca_file.display());
    let _ = writeln!(env, "export DOCKER_HOST={}", podman.docker_host());
    for (name, value) in lightwave.env() {
        let _ = writeln!(env, "export {name}={value}");
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&env_file)
        .and_then(|mut file| std::io::Write::write_all(&mut file, env.as_bytes()))
        .map_err(|error| format!("write {}: {error}", env_file.display()))?;

    println!("vcsim (vCenter API, TLS)   {}", vcsim.url);
    println!("  username                 {}", vcsim.options.username);
    println!("  CA certificate           {}", vcsim.ca_file.display());
    println!("podman (Docker API)        {}", podman.docker_host());
    println!("  image                    {BUSYBOX_IMAGE}");
    println!("lightwave-sim (IDM, TLS)   {}", lightwave.url());
    println!("  system tenant            {}", lightwave.tenant());
    println!("  administrator            {}", lightwave.admin_username());
    println!(
        "  CA certificate           {}",
        lightwave.ca_file().display()
    );
    println!(
        "terraform                  {}",
        Tool::Terraform.path().display()
    );
    println!(
        "packer                     {}",
        Tool::Packer.path().display()
    );
    println!("terraform-provider-photon  {}", plugins.provider.display());
    println!(
        "packer-plugin-photon       {}",
        plugins.packer_plugin.display()
    );
    println!("credentials (source it)    {}", env_file.display());
    apply_examples(&vcsim)?;
    apply_containers(&podman)?;
    apply_lightwave(&lightwave)?;
    build_packer_examples(&vcsim)?;
    println!("ready");

    if !exit_when_ready {
        eprintln!("photon-rig: running; Ctrl-C stops every service");
        wait_for_stop_signal()?;
    }
    drop(lightwave);
    drop(podman);
    drop(vcsim);
    let _ = std::fs::remove_file(&env_file);
    println!("stopped");
    Ok(())
}

/// Runs `terraform init` and `terraform apply` in `terraform`'s directory.
fn init_and_apply(terraform: &TerraformDir) -> Result<(), String> {
    for args in [
        &["init", "-no-color", "-input=false"][..],
        &["apply", "-no-color", "-input=false", "-auto-approve"][..],
    ] {
        let output = terraform.run(args);
        if !output.status.success() {
            return Err(format!(
                "terraform {} failed:\n{}{}",
                args[0],
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

/// One `terraform output -raw`.
fn output(terraform: &TerraformDir, name: &str) -> Result<String, String> {
    let output = terraform.run(&["output", "-raw", name]);
    let value = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() && !value.is_empty() {
        Ok(value)
    } else {
        Err(format!("terraform output {name}: {value}"))
    }
}

/// `examples/containers` on the embedded Podman, its image imported from the busybox tarball.
fn apply_containers(podman: &Podman) -> Result<(), String> {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("DOCKER_HOST", &podman.docker_host())
        .env(
            "TF_VAR_busybox_tarball",
            &Tool::BusyboxRootfs.path().to_string_lossy(),
        );
    terraform.copy_example("containers/main.tf", "main.tf");
    init_and_apply(&terraform)?;
    println!(
        "terraform apply            examples/containers: server at {} on the app network, client {}",
        output(&terraform, "server_address")?,
        output(&terraform, "client_id")?
    );
    Ok(())
}

/// `examples/lightwave` on the embedded simulator: a tenant with its policy, users, a group, a
/// solution user and an OIDC client, with passwords generated for this run.
fn apply_lightwave(lightwave: &LightwaveSim) -> Result<(), String> {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .with_lightwave(lightwave)
        .env(
            "TF_VAR_tenant_admin_password",
            &format!("Ad!{}", random_password()?),
        )
        .env(
            "TF_VAR_user_password",
            &format!("Us!{}", random_password()?),
        );
    for file in ["main.tf", "variables.tf", "outputs.tf", "app-backend.crt"] {
        terraform.copy_example(&format!("lightwave/{file}"), file);
    }
    init_and_apply(&terraform)?;
    println!(
        "terraform apply            examples/lightwave: tenant guid {}, OIDC client {}",
        output(&terraform, "tenant_guid")?,
        output(&terraform, "web_client_id")?
    );
    Ok(())
}

/// `examples/packer/photon-clone` (HCL2 and JSON) with the real `packer` and our plugin against
/// the embedded vcsim over verified TLS. (`examples/packer/photon-iso` waits for a guest installer
/// to power the VM off, which vcsim cannot run; its acceptance tests play that part.)
fn build_packer_examples(vcsim: &Vcsim) -> Result<(), String> {
    let examples = project_root().join("examples/packer/photon-clone");
    for (template, vm_name) in [
        ("build.pkr.hcl", "photon-web-demo"),
        ("build.json", "photon-db-demo"),
    ] {
        let packer = PackerDir::new();
        let path = examples.join(template);
        let vars = [
            format!("vcenter_server={}", vcsim.url),
            format!("username={}", vcsim.options.username),
            format!("password={}", vcsim.options.password),
            format!("ca_file={}", vcsim.ca_file.display()),
            format!("vm_name={vm_name}"),
        ];
        let mut args = vec!["build", "-color=false"];
        for var in &vars {
            args.extend(["-var", var.as_str()]);
        }
        let path = path.to_string_lossy();
        args.push(&path);
        let output = packer
            .command(&args)
            .output()
            .map_err(|error| format!("packer build {template}: {error}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "packer build examples/packer/photon-clone/{template} failed:\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let artifact = stdout
            .lines()
            .rev()
            .find(|line| line.contains("VM: "))
            .map(str::trim)
            .unwrap_or("(no artifact line)");
        println!("packer build               examples/packer/photon-clone/{template}: {artifact}");
    }
    Ok(())
}

/// `examples/quickstart` through the real `terraform` and a filesystem mirror holding the freshly
/// built provider, exactly as a user installs it, against the embedded vcsim over verified TLS.
fn apply_examples(vcsim: &Vcsim) -> Result<(), String> {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(vcsim);
    terraform.copy_example("quickstart/main.tf", "main.tf");
    init_and_apply(&terraform)?;
    println!(
        "terraform apply            examples/quickstart: VM {} ({}, uuid {})",
        output(&terraform, "vm_folder")?,
        output(&terraform, "vm_moid")?,
        output(&terraform, "vm_uuid")?
    );
    Ok(())
}

fn wait_for_stop_signal() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("tokio runtime: {error}"))?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|error| format!("SIGTERM handler: {error}"))?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(|error| format!("SIGINT handler: {error}")),
            _ = terminate.recv() => Ok(()),
        }
    })
}

/// 16 random hex digits: with a prefix, inside Lightwave's default 20-character password limit.
fn random_password() -> Result<String, String> {
    let mut bytes = [0_u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|error| format!("/dev/urandom: {error}"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}
