//! `photon_container` through the real Terraform 1.0.3 against the rig's Podman service (its
//! Docker-compatible API). The provider finds the engine through DOCKER_HOST; every effect is
//! checked through a bollard client of the test's own. One Podman service for the binary; each
//! test uses names of its own.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, NetworkCreateRequest, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, KillContainerOptionsBuilder, RemoveContainerOptionsBuilder,
};
use photon_test_rig::{
    BUSYBOX_IMAGE, PROVIDER_SOURCE, Podman, ProviderInstall, TerraformDir, Tool,
};
use serde_json::Value;

fn versions_tf() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    photon = {{\n      source  = \"{PROVIDER_SOURCE}\"\n      version = \"{}\"\n    }}\n  }}\n}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// A working directory talking to the shared Podman service through DOCKER_HOST.
fn bare_workdir() -> TerraformDir {
    TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("DOCKER_HOST", &Podman::shared().docker_host())
        .env("TF_VAR_image", BUSYBOX_IMAGE)
}

fn workdir(main_tf: &str) -> TerraformDir {
    let terraform = bare_workdir();
    terraform.write("versions.tf", &versions_tf());
    terraform.write("provider.tf", "provider \"photon\" {}\n");
    terraform.write("main.tf", main_tf);
    terraform.ok(&["init", "-no-color"]);
    terraform
}

fn example(path: &str) -> String {
    std::fs::read_to_string(photon_test_rig::project_root().join("examples").join(path)).unwrap()
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

fn assert_plan(terraform: &TerraformDir, summary: &str) -> String {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(summary), "expected {summary:?}:\n{text}");
    text
}

fn apply(terraform: &TerraformDir) -> String {
    terraform.ok(&["apply", "-no-color", "-auto-approve"])
}

fn failure(terraform: &TerraformDir, args: &[&str]) -> String {
    let output = terraform.run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{args:?} should fail:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

fn outputs(terraform: &TerraformDir) -> Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

fn output_str(terraform: &TerraformDir, name: &str) -> String {
    match &outputs(terraform)[name]["value"] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The test's own view of the engine.
struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
}

impl Engine {
    fn connect() -> Engine {
        Engine {
            docker: Podman::shared().client(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn container(&self, id: &str) -> Option<ContainerInspectResponse> {
        match self
            .runtime
            .block_on(self.docker.inspect_container(id, None))
        {
            Ok(found) => Some(found),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => None,
            Err(error) => panic!("inspect {id}: {error}"),
        }
    }

    fn volume_exists(&self, name: &str) -> bool {
        match self.runtime.block_on(self.docker.inspect_volume(name)) {
            Ok(_) => true,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => false,
            Err(error) => panic!("inspect volume {name}: {error}"),
        }
    }

    fn volume_mountpoint(&self, name: &str) -> String {
        self.runtime
            .block_on(self.docker.inspect_volume(name))
            .unwrap()
            .mountpoint
    }

    fn image_exists(&self, reference: &str) -> bool {
        match self.runtime.block_on(self.docker.inspect_image(reference)) {
            Ok(_) => true,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => false,
            Err(error) => panic!("inspect image {reference}: {error}"),
        }
    }

    fn network_exists(&self, name: &str) -> bool {
        self.runtime
            .block_on(self.docker.inspect_network(name, None))
            .is_ok()
    }

    fn create_network(&self, name: &str) {
        self.runtime
            .block_on(self.docker.create_network(NetworkCreateRequest {
                name: name.into(),
                ..NetworkCreateRequest::default()
            }))
            .unwrap();
    }

    fn create_volume(&self, name: &str) {
        self.runtime
            .block_on(self.docker.create_volume(VolumeCreateRequest {
                name: Some(name.into()),
                ..VolumeCreateRequest::default()
            }))
            .unwrap();
    }

    /// A running container made outside Terraform.
    fn run_bystander(&self, name: &str) -> String {
        self.runtime.block_on(async {
            let created = self
                .docker
                .create_container(
                    Some(CreateContainerOptionsBuilder::new().name(name).build()),
                    ContainerCreateBody {
                        image: Some(BUSYBOX_IMAGE.into()),
                        cmd: Some(vec!["sleep".into(), "600".into()]),
                        ..ContainerCreateBody::default()
                    },
                )
                .await
                .unwrap();
            self.docker.start_container(name, None).await.unwrap();
            created.id
        })
    }

    fn kill(&self, id: &str) {
        self.runtime
            .block_on(self.docker.kill_container(
                id,
                Some(KillContainerOptionsBuilder::new().signal("KILL").build()),
            ))
            .unwrap();
    }

    fn remove(&self, id: &str) {
        let _ = self.runtime.block_on(self.docker.remove_container(
            id,
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        ));
    }
}

fn running(container: &ContainerInspectResponse) -> bool {
    container.state.as_ref().and_then(|state| state.running) == Some(true)
}

fn env_of(container: &ContainerInspectResponse) -> Vec<String> {
    container.config.clone().unwrap().env.unwrap_or_default()
}

/// The host port the engine published for `internal`/tcp, from our own inspection.
fn published_port(container: &ContainerInspectResponse, internal: u16) -> u16 {
    let ports = container.network_settings.clone().unwrap().ports.unwrap();
    let bindings = ports[&format!("{internal}/tcp")].clone().unwrap();
    bindings[0].host_port.clone().unwrap().parse().unwrap()
}

/// `GET /` on the published port. The rig's Podman shares the host's netavark bridge and
/// iptables chains with every other Podman service on the machine, so a published port may not
/// forward from the host even though the binding is in place; then the answer is `None` and the
/// caller relies on the binding and the in-container health check instead.
fn http_get(port: u16) -> Option<String> {
    for _ in 0..12 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream
                .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if !reply.is_empty() {
                return Some(reply);
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("127.0.0.1:{port} does not forward on this host (shared netavark bridge)");
    None
}

fn assert_serves(port: u16, text: &str) {
    if let Some(reply) = http_get(port) {
        assert!(reply.contains(text), "{reply}");
    }
}

/// The resource example's life: env, labels, memory, tmpfs, a published port that answers, a
/// health check waited for; no drift; rename in place; memory/restart changes (replacement on
/// Podman 4, which has no update route); env change replaces; killed out of band comes back;
/// destroy removes exactly it.
#[test]
fn acc_photon_container_example_lifecycle() {
    let engine = Engine::connect();
    let bystander = engine.run_bystander("photon-acc-bystander-example");
    let config = example("resources/photon_container/resource.tf");
    let terraform = workdir(&config);
    apply(&terraform);

    let id = output_str(&terraform, "web_id");
    let container = engine.container(&id).expect("created by apply");
    assert!(running(&container), "{:?}", container.state);
    assert_eq!(container.name.as_deref(), Some("/photon-example-web"));
    assert!(env_of(&container).contains(&"GREETING=hello from photon_container".to_owned()));
    let labels = container.config.clone().unwrap().labels.unwrap();
    assert_eq!(labels["app"], "web");
    assert_eq!(labels["managed-by"], "terraform");
    let host = container.host_config.clone().unwrap();
    assert_eq!(host.memory, Some(64 * 1024 * 1024));
    assert_eq!(
        host.restart_policy.unwrap().name.unwrap().to_string(),
        "unless-stopped"
    );
    let port: u16 = output_str(&terraform, "web_port").parse().unwrap();
    assert_eq!(published_port(&container, 8080), port);
    assert_serves(port, "hello from photon_container");
    // Podman reports a tmpfs mount in HostConfig.Tmpfs, Docker in HostConfig.Mounts.
    let host = container.host_config.clone().unwrap();
    let tmpfs = host.tmpfs.clone().unwrap_or_default();
    let listed = host
        .mounts
        .clone()
        .unwrap_or_default()
        .iter()
        .any(|mount| mount.target.as_deref() == Some("/tmp"));
    assert!(
        tmpfs.contains_key("/tmp") || listed,
        "tmpfs at /tmp: {host:?}"
    );
    assert_plan_empty(&terraform, "after create");

    // Rename: in place, same container.
    let config = config.replace("\"photon-example-web\"", "\"photon-example-site\"");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    apply(&terraform);
    assert_eq!(output_str(&terraform, "web_id"), id, "renamed in place");
    let container = engine.container(&id).unwrap();
    assert_eq!(container.name.as_deref(), Some("/photon-example-site"));
    assert_plan_empty(&terraform, "after the rename");

    // Memory and restart: Podman 4.3 has no POST /containers/{id}/update, so the plan says it
    // replaces the container, and why.
    let config = config
        .replace("memory  = 64", "memory  = 96")
        .replace("\"unless-stopped\"", "\"always\"");
    terraform.write("main.tf", &config);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("cannot update containers in place"), "{text}");
    assert!(text.contains("memory, restart"), "{text}");
    apply(&terraform);
    let replaced = output_str(&terraform, "web_id");
    assert_ne!(replaced, id);
    assert!(engine.container(&id).is_none(), "the old container is gone");
    let container = engine.container(&replaced).unwrap();
    let host = container.host_config.clone().unwrap();
    assert_eq!(host.memory, Some(96 * 1024 * 1024));
    assert_eq!(
        host.restart_policy.unwrap().name.unwrap().to_string(),
        "always"
    );
    assert_plan_empty(&terraform, "after the memory change");

    // Env: replaced.
    let config = config.replace("GREETING=hello from", "GREETING=greetings from");
    terraform.write("main.tf", &config);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("forces replacement"), "{text}");
    apply(&terraform);
    let id = output_str(&terraform, "web_id");
    assert_ne!(id, replaced);
    assert!(engine.container(&replaced).is_none());
    let port: u16 = output_str(&terraform, "web_port").parse().unwrap();
    assert_eq!(published_port(&engine.container(&id).unwrap(), 8080), port);
    assert_serves(port, "greetings from photon_container");
    assert_plan_empty(&terraform, "after the env change");

    // Killed outside Terraform: the plan shows it, apply brings it back.
    engine.kill(&id);
    for _ in 0..40 {
        if !running(&engine.container(&id).unwrap()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("running"), "{text}");
    apply(&terraform);
    let revived = output_str(&terraform, "web_id");
    assert!(running(&engine.container(&revived).unwrap()));
    assert!(engine.container(&id).is_none(), "the dead one is removed");
    assert_plan_empty(&terraform, "after bringing it back");

    // Destroy: exactly what it created.
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.container(&revived).is_none());
    assert!(
        running(&engine.container(&bystander).unwrap()),
        "bystander kept"
    );
    engine.remove(&bystander);
}

/// Bind mount, named and anonymous volumes, a network with an alias; import by name and by id;
/// destroy keeps the named volume, the network and a container made outside Terraform.
#[test]
fn acc_photon_container_mounts_networks_import_and_destroy_scope() {
    let engine = Engine::connect();
    engine.create_network("photon-acc-net");
    engine.create_volume("photon-acc-vol");
    let bystander = engine.run_bystander("photon-acc-bystander-mounts");
    let out = tempfile::tempdir().unwrap();
    let config = format!(
        r#"resource "photon_container" "writer" {{
  name    = "photon-acc-writer"
  image   = var.image
  command = ["sh", "-c", "echo bound > /out/hello.txt && echo kept > /data/v.txt && echo anon > /anon/a.txt && exec sleep 600"]
  env     = ["A=1", "B=two"]
  labels  = {{ role = "writer" }}

  mounts {{
    target = "/out"
    source = "{out}"
    type   = "bind"
  }}
  mounts {{
    target = "/data"
    source = "photon-acc-vol"
    type   = "volume"
  }}
  mounts {{
    target = "/anon"
    type   = "volume"
  }}

  networks_advanced {{
    name    = "photon-acc-net"
    aliases = ["writer-alias"]
  }}

  destroy_grace_seconds = 1
}}

variable "image" {{
  type = string
}}

output "id" {{
  value = photon_container.writer.id
}}

output "address" {{
  value = photon_container.writer.network_data[0].ip_address
}}
"#,
        out = out.path().display()
    );
    let terraform = workdir(&config);
    apply(&terraform);
    let id = output_str(&terraform, "id");
    let container = engine.container(&id).unwrap();
    assert!(running(&container));

    let mut written = String::new();
    for _ in 0..40 {
        written = std::fs::read_to_string(out.path().join("hello.txt")).unwrap_or_default();
        if !written.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        written, "bound\n",
        "the container wrote through the bind mount"
    );
    let volume_file =
        std::path::Path::new(&engine.volume_mountpoint("photon-acc-vol")).join("v.txt");
    assert_eq!(std::fs::read_to_string(volume_file).unwrap(), "kept\n");
    let anonymous = container
        .mounts
        .clone()
        .unwrap()
        .into_iter()
        .find(|mount| mount.destination.as_deref() == Some("/anon"))
        .and_then(|mount| mount.name)
        .expect("an anonymous volume at /anon");
    assert!(engine.volume_exists(&anonymous));

    let networks = container
        .network_settings
        .clone()
        .unwrap()
        .networks
        .unwrap();
    let endpoint = &networks["photon-acc-net"];
    assert!(
        endpoint
            .aliases
            .clone()
            .unwrap_or_default()
            .contains(&"writer-alias".to_owned()),
        "{endpoint:?}"
    );
    assert_eq!(
        networks.len(),
        1,
        "only the configured network: {networks:?}"
    );
    assert_eq!(
        endpoint.ip_address.clone().unwrap(),
        output_str(&terraform, "address")
    );
    assert_plan_empty(&terraform, "after create");

    // Import by name, then by id: nothing to change either way.
    for import_id in ["photon-acc-writer", id.as_str()] {
        terraform.ok(&["state", "rm", "photon_container.writer"]);
        terraform.ok(&["import", "-no-color", "photon_container.writer", import_id]);
        let (code, text) = plan(&terraform);
        assert!(
            !text.contains("must be replaced") && !text.contains("to destroy")
                || text.contains("0 to destroy"),
            "import by {import_id} plans a replacement:\n{text}"
        );
        if code == Some(2) {
            // Only arguments the engine cannot report (destroy_grace_seconds) may be set.
            apply(&terraform);
        }
        assert_plan_empty(&terraform, &format!("after import by {import_id}"));
        assert_eq!(output_str(&terraform, "id"), id);
    }
    let stderr = failure(
        &terraform,
        &["import", "-no-color", "photon_container.other", "nope"],
    );
    assert!(stderr.contains("photon_container.other"), "{stderr}");

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.container(&id).is_none());
    assert!(
        !engine.volume_exists(&anonymous),
        "its anonymous volume went with it"
    );
    assert!(engine.volume_exists("photon-acc-vol"), "named volume kept");
    assert!(engine.network_exists("photon-acc-net"), "network kept");
    assert!(running(&engine.container(&bystander).unwrap()));
    engine.remove(&bystander);
}

/// A health check that never passes fails the apply with the reason, and the container stays
/// in state (tainted) instead of being lost; destroy then removes it.
#[test]
fn acc_photon_container_failing_health_check_is_a_clear_error() {
    let engine = Engine::connect();
    let config = r#"resource "photon_container" "sick" {
  name    = "photon-acc-sick"
  image   = var.image
  command = ["sleep", "600"]

  healthcheck {
    test     = ["CMD-SHELL", "test -f /never"]
    interval = "1s"
    retries  = 2
  }
  wait         = true
  wait_timeout = 30

  destroy_grace_seconds = 0
}

variable "image" {
  type = string
}
"#;
    let terraform = workdir(config);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("Container did not become healthy"),
        "{stderr}"
    );
    assert!(stderr.contains("test -f /never"), "{stderr}");
    assert!(stderr.contains("unhealthy"), "{stderr}");
    let state = terraform.ok(&["state", "show", "-no-color", "photon_container.sick"]);
    assert!(state.contains("tainted"), "{state}");
    let container = engine
        .container("photon-acc-sick")
        .expect("kept for inspection");
    assert!(state.contains(container.id.as_deref().unwrap()), "{state}");
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.container("photon-acc-sick").is_none());
}

/// An image the engine does not have: a diagnostic on `image`, and no container.
#[test]
fn acc_photon_container_missing_image_is_a_diagnostic_on_image() {
    let engine = Engine::connect();
    let config = r#"resource "photon_container" "ghost" {
  name  = "photon-acc-ghost"
  image = "localhost/photon-rig/no-such-image:1"
}
"#;
    let terraform = workdir(config);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Image not found"), "{stderr}");
    assert!(
        stderr.contains("image: the container engine has no image"),
        "{stderr}"
    );
    assert!(stderr.contains("photon_container_image"), "{stderr}");
    // Terraform shows the attribute's expression.
    assert!(
        stderr.contains(r#"image = "localhost/photon-rig/no-such-image:1""#),
        "{stderr}"
    );
    assert!(engine.container("photon-acc-ghost").is_none());
}

/// `examples/containers/main.tf` as written: two containers talking over a network of their own.
#[test]
fn acc_examples_containers_main_applies_as_written() {
    let engine = Engine::connect();
    let terraform = bare_workdir().env("TF_VAR_prefix", "photon-acc-demo").env(
        "TF_VAR_busybox_tarball",
        &Tool::BusyboxRootfs.path().to_string_lossy(),
    );
    terraform.copy_example("containers/main.tf", "main.tf");
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let server = engine.container("photon-acc-demo-server").unwrap();
    let client = engine
        .container(&output_str(&terraform, "client_id"))
        .unwrap();
    assert!(running(&server) && running(&client));
    let port: u16 = output_str(&terraform, "server_port").parse().unwrap();
    assert_eq!(published_port(&server, 8080), port);
    assert_serves(port, "hello over the app network");
    let networks = client.network_settings.clone().unwrap().networks.unwrap();
    assert!(networks.contains_key("photon-acc-demo-net"), "{networks:?}");
    assert_eq!(
        server.network_settings.unwrap().networks.unwrap()["photon-acc-demo-net"]
            .ip_address
            .clone()
            .unwrap(),
        output_str(&terraform, "server_address")
    );
    assert_plan_empty(&terraform, "after apply");
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.container("photon-acc-demo-server").is_none());
    assert!(engine.container("photon-acc-demo-client").is_none());
    assert!(!engine.network_exists("photon-acc-demo-net"));
    assert!(!engine.volume_exists("photon-acc-demo-site"));
    // The image imported from the tarball went with them; the rig's own image stayed.
    assert!(!engine.image_exists("localhost/photon-acc-demo/busybox:1"));
    assert!(engine.image_exists(BUSYBOX_IMAGE));
}
