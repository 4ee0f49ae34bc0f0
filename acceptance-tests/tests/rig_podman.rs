//! The rig's Podman service: a Docker-compatible API that runs containers from the imported image.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListImagesOptionsBuilder, RemoveContainerOptionsBuilder,
};
use photon_test_rig::{BUSYBOX_IMAGE, Podman};

#[tokio::test]
async fn podman_api_runs_a_container_from_the_imported_busybox_image() {
    let podman = Podman::shared();
    let docker = podman.client();

    let version = docker.version().await.unwrap();
    assert!(
        version
            .api_version
            .as_deref()
            .is_some_and(|api| api.starts_with("1.")),
        "Docker-compatible API version expected: {version:?}"
    );
    let images = docker
        .list_images(Some(ListImagesOptionsBuilder::new().build()))
        .await
        .unwrap();
    assert!(
        images
            .iter()
            .any(|image| image.repo_tags.iter().any(|tag| tag == BUSYBOX_IMAGE)),
        "{BUSYBOX_IMAGE} not among {images:?}"
    );

    let name = "photon-rig-smoke";
    let created = docker
        .create_container(
            Some(CreateContainerOptionsBuilder::new().name(name).build()),
            ContainerCreateBody {
                image: Some(BUSYBOX_IMAGE.into()),
                cmd: Some(vec!["sleep".into(), "300".into()]),
                labels: Some(HashMap::from([("photon.rig".into(), "smoke".into())])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    docker.start_container(name, None).await.unwrap();

    let inspected = docker.inspect_container(name, None).await.unwrap();
    assert_eq!(inspected.id.as_deref(), Some(created.id.as_str()));
    let state = inspected.state.unwrap();
    assert_eq!(state.running, Some(true), "{state:?}");
    assert!(state.pid.unwrap_or(0) > 0, "{state:?}");
    let config = inspected.config.unwrap();
    assert_eq!(config.labels.unwrap()["photon.rig"], "smoke");

    docker
        .remove_container(
            name,
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        )
        .await
        .unwrap();
    let gone = docker.inspect_container(name, None).await.unwrap_err();
    assert!(
        matches!(
            gone,
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            }
        ),
        "{gone:?}"
    );
}

#[test]
fn podman_service_removes_its_containers_and_storage_when_it_stops() {
    let podman = Podman::start().unwrap();
    podman
        .import_busybox("localhost/photon-rig/cleanup:1")
        .unwrap();
    let work_dir = podman.work_dir().to_path_buf();
    let socket = podman.socket.clone();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let docker = podman.client();
        docker
            .create_container(
                Some(
                    CreateContainerOptionsBuilder::new()
                        .name("left-running")
                        .build(),
                ),
                ContainerCreateBody {
                    image: Some("localhost/photon-rig/cleanup:1".into()),
                    cmd: Some(vec!["sleep".into(), "300".into()]),
                    // The shared service owns the host's default bridge during this test.
                    host_config: Some(bollard::models::HostConfig {
                        network_mode: Some("none".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        docker.start_container("left-running", None).await.unwrap();
    });
    drop(podman);
    assert!(!work_dir.exists(), "{} left behind", work_dir.display());
    assert!(std::os::unix::net::UnixStream::connect(&socket).is_err());
    let leftover = std::process::Command::new("pgrep")
        .args(["-f", &work_dir.to_string_lossy()])
        .output()
        .unwrap();
    assert!(
        leftover.stdout.is_empty(),
        "processes still use {}: {}",
        work_dir.display(),
        String::from_utf8_lossy(&leftover.stdout)
    );
}
