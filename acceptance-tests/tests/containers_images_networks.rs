//! `photon_container_image`, `photon_container_network`, `photon_container_volume` and their data
//! sources through the real Terraform 1.0.3 against the rig's Podman 4.3.1 (one service for this
//! binary). The provider finds the engine through DOCKER_HOST; every effect is checked through a
//! bollard client of the test's own. Tests run in parallel on the one service, so each uses names
//! of its own.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::future::Future;

use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectNetworkOptions, RemoveContainerOptionsBuilder,
    RemoveImageOptionsBuilder,
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

/// A working directory whose provider finds the rig's Podman through DOCKER_HOST.
fn workdir() -> TerraformDir {
    let podman = Podman::shared();
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror)
        .env("DOCKER_HOST", &podman.docker_host());
    terraform.write("versions.tf", &versions_tf());
    terraform.write("provider.tf", "provider \"photon\" {}\n");
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

/// After `state rm` + import, outputs are re-added to state: only they may change.
fn assert_no_resource_changes(terraform: &TerraformDir, when: &str) {
    let (code, text) = plan(terraform);
    let outputs_only = code == Some(2)
        && text.contains("without changing any real infrastructure")
        && !text.contains("Plan:");
    assert!(
        code == Some(0) || outputs_only,
        "plan {when} changes resources:\n{text}"
    );
}

fn assert_plan(terraform: &TerraformDir, summary: &str) -> String {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(summary), "expected {summary:?}:\n{text}");
    text
}

fn apply(terraform: &TerraformDir) {
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
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

fn output(terraform: &TerraformDir, name: &str) -> String {
    outputs(terraform)[name]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("output {name} missing"))
        .to_owned()
}

/// Our own view of the engine: a bollard client of the test's own.
struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
}

impl Engine {
    fn new() -> Engine {
        Engine {
            docker: Podman::shared().client(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    fn block<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    fn network(&self, name: &str) -> Option<bollard::models::NetworkInspect> {
        match self.block(
            self.docker
                .inspect_network(name, None::<InspectNetworkOptions>),
        ) {
            Ok(network) => Some(network),
            Err(error) if is_not_found(&error) => None,
            Err(error) => panic!("inspect network {name}: {error}"),
        }
    }

    fn volume(&self, name: &str) -> Option<bollard::models::Volume> {
        match self.block(self.docker.inspect_volume(name)) {
            Ok(volume) => Some(volume),
            Err(error) if is_not_found(&error) => None,
            Err(error) => panic!("inspect volume {name}: {error}"),
        }
    }

    fn image(&self, name: &str) -> Option<bollard::models::ImageInspect> {
        match self.block(self.docker.inspect_image(name)) {
            Ok(image) => Some(image),
            Err(error) if is_not_found(&error) => None,
            Err(error) => panic!("inspect image {name}: {error}"),
        }
    }

    /// A stopped container (never started: no networking needed) that uses `image` and,
    /// optionally, mounts `volume`.
    fn container(&self, name: &str, image: &str, volume: Option<&str>) {
        self.block(self.docker.create_container(
            Some(CreateContainerOptionsBuilder::new().name(name).build()),
            ContainerCreateBody {
                image: Some(image.into()),
                cmd: Some(vec!["sleep".into(), "300".into()]),
                host_config: Some(HostConfig {
                    network_mode: Some("none".into()),
                    binds: volume.map(|volume| vec![format!("{volume}:/data")]),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .unwrap();
    }

    fn remove_container(&self, name: &str) {
        self.block(self.docker.remove_container(
            name,
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        ))
        .unwrap();
    }
}

fn is_not_found(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// The network example's life: created with its pool, labels and options as configured; no
/// drift; a label change replaces it; out-of-band removal is drift; import by name; destroy
/// leaves a network Terraform does not manage alone.
#[test]
fn acc_photon_container_network_lifecycle() {
    let engine = Engine::new();
    engine
        .block(engine.docker.create_network(NetworkCreateRequest {
            name: "acc-net-preexisting".into(),
            labels: Some(labels(&[("owner", "someone-else")])),
            ..Default::default()
        }))
        .unwrap();
    let terraform = workdir();
    let config = example("resources/photon_container_network/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let id = output(&terraform, "web_network_id");
    let network = engine.network("photon-web").expect("created by apply");
    assert_eq!(network.id.as_deref(), Some(id.as_str()));
    assert_eq!(network.driver.as_deref(), Some("bridge"));
    assert_eq!(network.internal, Some(false));
    assert_eq!(
        network.labels.clone().unwrap(),
        labels(&[("com.example.team", "web")])
    );
    assert_eq!(network.options.clone().unwrap()["mtu"], "1400");
    let pool = &network.ipam.clone().unwrap().config.unwrap()[0];
    assert_eq!(pool.subnet.as_deref(), Some("10.77.0.0/24"));
    assert_eq!(pool.gateway.as_deref(), Some("10.77.0.1"));
    assert_plan_empty(&terraform, "after create");

    // A label change: the engine cannot update networks, so it is replaced.
    let config = config.replace(
        "\"com.example.team\" = \"web\"",
        "\"com.example.team\" = \"edge\"",
    );
    terraform.write("main.tf", &config);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("must be replaced"), "{text}");
    apply(&terraform);
    let replaced = engine.network("photon-web").expect("re-created");
    assert_ne!(replaced.id.as_deref(), Some(id.as_str()));
    assert_eq!(replaced.labels.clone().unwrap()["com.example.team"], "edge");
    assert!(engine.network(&id).is_none(), "the old network is gone");
    assert_plan_empty(&terraform, "after the replacement");

    // A subnet change replaces it too (a block, not an attribute).
    let config = config
        .replace("10.77.0.0/24", "10.78.0.0/24")
        .replace("10.77.0.1", "10.78.0.1");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    apply(&terraform);
    let pool = &engine
        .network("photon-web")
        .unwrap()
        .ipam
        .unwrap()
        .config
        .unwrap()[0];
    assert_eq!(pool.subnet.as_deref(), Some("10.78.0.0/24"));

    // Removed outside Terraform: drift, and apply creates it again.
    engine
        .block(engine.docker.remove_network("photon-web"))
        .unwrap();
    assert_plan(&terraform, "1 to add, 0 to change, 0 to destroy");
    apply(&terraform);
    assert!(engine.network("photon-web").is_some());

    // Import by name into a fresh state: the plan is empty.
    terraform.ok(&["state", "rm", "photon_container_network.web"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_container_network.web",
        "photon-web",
    ]);
    assert_no_resource_changes(&terraform, "after import");

    // A duplicate name is an error on `name`, and nothing is adopted.
    terraform.write(
        "dup.tf",
        "resource \"photon_container_network\" \"dup\" {\n  name = \"acc-net-preexisting\"\n}\n",
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("already has a network named"), "{stderr}");
    assert!(stderr.contains("terraform import"), "{stderr}");
    std::fs::remove_file(terraform.path().join("dup.tf")).unwrap();

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.network("photon-web").is_none());
    let untouched = engine
        .network("acc-net-preexisting")
        .expect("not Terraform's");
    assert_eq!(untouched.labels.unwrap()["owner"], "someone-else");
}

/// The network data source reads the default network as the engine reports it.
#[test]
fn acc_photon_container_network_data_source() {
    let engine = Engine::new();
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &example("data-sources/photon_container_network/data-source.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let network = engine.network("bridge").unwrap();
    assert_eq!(Some(output(&terraform, "default_network_id")), network.id);
    assert_eq!(
        Some(output(&terraform, "default_subnet")),
        network.ipam.unwrap().config.unwrap()[0].subnet
    );

    terraform.write(
        "main.tf",
        "data \"photon_container_network\" \"missing\" {\n  name = \"acc-no-such-network\"\n}\n",
    );
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("Network not found"), "{stderr}");
    assert!(stderr.contains("acc-no-such-network"), "{stderr}");
}

/// The volume example's life: labels and driver options as configured; no drift; a volume in
/// use is not destroyed (clear diagnostic); out-of-band removal is drift; import by name;
/// destroy leaves other volumes alone.
#[test]
fn acc_photon_container_volume_lifecycle() {
    let engine = Engine::new();
    engine
        .block(engine.docker.create_volume(VolumeCreateRequest {
            name: Some("acc-vol-preexisting".into()),
            ..Default::default()
        }))
        .unwrap();
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &example("resources/photon_container_volume/resource.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let data = engine.volume("photon-data").expect("created by apply");
    assert_eq!(data.driver, "local");
    assert_eq!(data.labels, labels(&[("com.example.backup", "daily")]));
    assert_eq!(output(&terraform, "data_mountpoint"), data.mountpoint);
    let scratch = engine.volume("photon-scratch").expect("created by apply");
    assert_eq!(
        scratch.options,
        labels(&[("type", "tmpfs"), ("device", "tmpfs")])
    );
    assert_plan_empty(&terraform, "after create");

    // A volume with the name of an existing one is refused instead of adopted.
    terraform.write(
        "dup.tf",
        "resource \"photon_container_volume\" \"dup\" {\n  name = \"acc-vol-preexisting\"\n}\n",
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("already has a volume named"), "{stderr}");
    std::fs::remove_file(terraform.path().join("dup.tf")).unwrap();

    // In use by a container: destroy refuses with a clear diagnostic and keeps it.
    engine.container("acc-vol-user", BUSYBOX_IMAGE, Some("photon-data"));
    let stderr = failure(&terraform, &["destroy", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Volume is in use"), "{stderr}");
    assert!(stderr.contains("photon-data"), "{stderr}");
    assert!(engine.volume("photon-data").is_some());
    engine.remove_container("acc-vol-user");
    // The failed destroy removed the scratch volume; apply brings it back.
    apply(&terraform);
    assert_plan_empty(&terraform, "after the failed destroy");

    // Removed outside Terraform: drift.
    engine
        .block(engine.docker.remove_volume(
            "photon-scratch",
            None::<bollard::query_parameters::RemoveVolumeOptions>,
        ))
        .unwrap();
    assert_plan(&terraform, "1 to add, 0 to change, 0 to destroy");
    apply(&terraform);
    assert!(engine.volume("photon-scratch").is_some());

    // Import by name: the plan is empty.
    terraform.ok(&["state", "rm", "photon_container_volume.data"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_container_volume.data",
        "photon-data",
    ]);
    assert_no_resource_changes(&terraform, "after import");

    // A label change replaces the volume.
    let config =
        example("resources/photon_container_volume/resource.tf").replace("\"daily\"", "\"weekly\"");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    apply(&terraform);
    assert_eq!(
        engine.volume("photon-data").unwrap().labels["com.example.backup"],
        "weekly"
    );

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.volume("photon-data").is_none());
    assert!(engine.volume("photon-scratch").is_none());
    assert!(engine.volume("acc-vol-preexisting").is_some());
}

/// The image data source reads an image the engine has, and names `name` when it has not.
#[test]
fn acc_photon_container_image_data_source() {
    let engine = Engine::new();
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &example("data-sources/photon_container_image/data-source.tf"),
    );
    terraform.write(
        "terraform.tfvars",
        &format!("image = \"{BUSYBOX_IMAGE}\"\n"),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let image = engine.image(BUSYBOX_IMAGE).unwrap();
    assert_eq!(Some(output(&terraform, "base_image_id")), image.id);
    let tags = &outputs(&terraform)["base_repo_tags"]["value"];
    assert!(
        tags.as_array()
            .unwrap()
            .iter()
            .any(|tag| tag == BUSYBOX_IMAGE),
        "{tags}"
    );

    terraform.write("terraform.tfvars", "image = \"localhost/acc/not-here:1\"\n");
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("Image not found"), "{stderr}");
    assert!(stderr.contains("does not pull"), "{stderr}");
}

/// A provider block naming a socket nobody listens on: the first engine call fails with a
/// diagnostic naming `container_engine.host`; a bad scheme fails at configure.
#[test]
fn acc_unreachable_engine_is_a_diagnostic_naming_the_host() {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror);
    terraform.write("versions.tf", &versions_tf());
    terraform.write(
        "provider.tf",
        "provider \"photon\" {\n  container_engine {\n    host = \"unix:///nonexistent/photon-acc.sock\"\n  }\n}\n",
    );
    terraform.write(
        "main.tf",
        &example("data-sources/photon_container_network/data-source.tf"),
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(
        stderr.contains("Cannot reach the container engine"),
        "{stderr}"
    );
    assert!(stderr.contains("container_engine.host"), "{stderr}");
    assert!(stderr.contains("/nonexistent/photon-acc.sock"), "{stderr}");

    terraform.write(
        "provider.tf",
        "provider \"photon\" {\n  container_engine {\n    host = \"ftp://engine.example\"\n  }\n}\n",
    );
    let stderr = failure(&terraform, &["plan", "-no-color"]);
    assert!(stderr.contains("container_engine.host"), "{stderr}");
    assert!(stderr.contains("unix:///path"), "{stderr}");
}

// ----- photon_container_image -------------------------------------------------------------------

/// The image example's life with the busybox rootfs tarball: imported under `name` (verified by
/// inspect), no drift, pre-existing images untouched, destroy refused while a container uses
/// it, out-of-band removal is drift, import by reference, destroy removes it.
#[test]
fn acc_photon_container_image_from_a_rootfs_tarball() {
    let engine = Engine::new();
    let before = engine.image(BUSYBOX_IMAGE).expect("the rig's image");
    let tarball = Tool::BusyboxRootfs.path();
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &example("resources/photon_container_image/resource.tf"),
    );
    terraform.write(
        "terraform.tfvars",
        &format!("busybox_tarball = \"{}\"\n", tarball.display()),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let image = engine
        .image("localhost/photon/busybox:1")
        .expect("imported by apply");
    assert_eq!(Some(output(&terraform, "busybox_image_id")), image.id);
    assert!(
        image
            .repo_tags
            .clone()
            .unwrap()
            .contains(&"localhost/photon/busybox:1".to_owned()),
        "{image:?}"
    );
    assert_plan_empty(&terraform, "after create");

    // In use: destroy refuses and names the remedy.
    engine.container("acc-image-user", "localhost/photon/busybox:1", None);
    let stderr = failure(&terraform, &["destroy", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Image is in use"), "{stderr}");
    assert!(stderr.contains("keep_locally"), "{stderr}");
    engine.remove_container("acc-image-user");
    assert!(engine.image("localhost/photon/busybox:1").is_some());

    // Removed outside Terraform: drift, and apply imports it again.
    engine
        .block(engine.docker.remove_image(
            "localhost/photon/busybox:1",
            Some(RemoveImageOptionsBuilder::new().build()),
            None,
        ))
        .unwrap();
    assert_plan(&terraform, "1 to add, 0 to change, 0 to destroy");
    apply(&terraform);
    assert!(engine.image("localhost/photon/busybox:1").is_some());

    // Import by reference: the configuration-only arguments (source_tarball, pull_triggers) are
    // recorded in place, nothing is loaded again.
    let id = engine.image("localhost/photon/busybox:1").unwrap().id;
    terraform.ok(&["state", "rm", "photon_container_image.busybox"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_container_image.busybox",
        "localhost/photon/busybox:1",
    ]);
    assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    apply(&terraform);
    assert_eq!(engine.image("localhost/photon/busybox:1").unwrap().id, id);
    assert_plan_empty(&terraform, "after adopting the imported image");

    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(engine.image("localhost/photon/busybox:1").is_none());
    let after = engine
        .image(BUSYBOX_IMAGE)
        .expect("pre-existing image untouched");
    assert_eq!(after.id, before.id);
}

/// `keep_locally = true`: destroy leaves the image; a `docker save` archive (recognised by its
/// manifest) is loaded and tagged as `name`.
#[test]
fn acc_photon_container_image_saved_archive_and_keep_locally() {
    use futures_util::TryStreamExt;
    let engine = Engine::new();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("busybox-saved.tar");
    // Exported under a tag of its own: loading an archive moves the tags it carries.
    let source = "localhost/acc/export-src:1";
    engine
        .block(
            engine.docker.tag_image(
                BUSYBOX_IMAGE,
                Some(
                    bollard::query_parameters::TagImageOptionsBuilder::new()
                        .repo("localhost/acc/export-src")
                        .tag("1")
                        .build(),
                ),
            ),
        )
        .unwrap();
    let bytes: Vec<u8> = engine
        .block(engine.docker.export_image(source).try_fold(
            Vec::new(),
            |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            },
        ))
        .unwrap();
    engine
        .block(engine.docker.remove_image(
            source,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        ))
        .unwrap();
    std::fs::write(&archive, bytes).unwrap();
    let terraform = workdir();
    terraform.write(
        "main.tf",
        &format!(
            "resource \"photon_container_image\" \"saved\" {{\n  name           = \"localhost/acc/saved:2\"\n  source_tarball = \"{}\"\n  keep_locally   = true\n}}\n",
            archive.display()
        ),
    );
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);
    let image = engine
        .image("localhost/acc/saved:2")
        .expect("loaded and tagged");
    assert_eq!(image.id, engine.image(BUSYBOX_IMAGE).unwrap().id);
    assert_plan_empty(&terraform, "after create");
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(
        engine.image("localhost/acc/saved:2").is_some(),
        "keep_locally leaves it"
    );
}

/// No registry is reachable: a pull fails with a diagnostic on `name`.
#[test]
fn acc_photon_container_image_unpullable_reference_is_a_diagnostic_on_name() {
    let terraform = workdir();
    terraform.write(
        "main.tf",
        "resource \"photon_container_image\" \"remote\" {\n  name = \"registry.invalid/acc/app:1\"\n}\n",
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("cannot pull \"registry.invalid/acc/app:1\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("with photon_container_image.remote"),
        "{stderr}"
    );
    assert!(stderr.contains("name"), "{stderr}");
}
