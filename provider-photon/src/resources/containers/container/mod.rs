//! `photon_container`: a container on the Docker Engine API (Docker or Podman), like kreuzwerker's
//! `docker_container`, with a stricter lifecycle: the image must be on the engine already, a
//! failed start or health wait keeps the container in state (tainted) instead of losing it, and
//! destroy removes only what the resource created.

mod model;
mod schema;

use std::time::{Duration, Instant};

use async_trait::async_trait;
use bollard::Docker;
use bollard::errors::Error as EngineError;
use bollard::exec::CreateExecOptions;
use bollard::models::{ContainerInspectResponse, HealthStatusEnum, NetworkConnectRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use tfsdk::cty::{Path, Value};
use tfsdk::{
    Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome, PlanRequest,
    ReadRequest, Resource, Schema, UpdateRequest,
};

use crate::clients::Clients;
use model::{ImageDefaults, blocks, flag, number, parse_duration, strings, text};
pub use schema::schema_v0;
use schema::*;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_container";

/// The `photon_container` resource.
pub struct Container;

fn at(name: &str) -> Path {
    Path::root().attr(name)
}

/// A path such as `healthcheck.interval` as a cty path.
fn dotted(path: &str) -> Path {
    path.split('.')
        .fold(Path::root(), |path, step| path.attr(step))
}

async fn engine(ctx: &Context) -> Result<Docker, Diagnostic> {
    let clients = ctx.provider_data::<Clients>()?;
    let docker = clients.container_engine()?.docker().await?;
    Ok(docker.clone())
}

fn status_code(error: &EngineError) -> Option<u16> {
    match error {
        EngineError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn is_not_found(error: &EngineError) -> bool {
    status_code(error) == Some(404)
}

fn engine_error(summary: &str, what: &str, error: &EngineError) -> Diagnostic {
    let message = match error {
        EngineError::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    };
    Diagnostic::error(summary, format!("{what}: {message}"))
}

/// The container, or `None` when the engine says it does not exist.
async fn inspect(
    docker: &Docker,
    id: &str,
) -> Result<Option<ContainerInspectResponse>, EngineError> {
    match docker.inspect_container(id, None).await {
        Ok(inspected) => Ok(Some(inspected)),
        Err(error) if is_not_found(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

// ---- validation -----------------------------------------------------------------------------

fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let mut error = |path: Path, summary: &str, detail: String| {
        diagnostics.push(Diagnostic::error(summary, detail).at(path));
    };
    if let Some(Value::Set(entries)) = config.attr(ENV) {
        for entry in entries {
            if let Some(entry) = entry.as_str() {
                let key = entry.split('=').next().unwrap_or_default();
                if !entry.contains('=') || key.is_empty() {
                    error(
                        at(ENV),
                        "Invalid environment variable",
                        format!("env: expected entries of the form KEY=value, got {entry:?}."),
                    );
                }
            }
        }
    }
    if let Some(block) = config.attr(HEALTHCHECK).filter(|block| !block.is_null()) {
        for name in [INTERVAL, TIMEOUT, START_PERIOD] {
            if let Some(value) = text(block, name) {
                if let Err(detail) = parse_duration(value) {
                    error(
                        at(HEALTHCHECK).attr(name),
                        "Invalid duration",
                        format!("healthcheck.{name}: {detail}."),
                    );
                }
            }
        }
        if let Some(test) = strings(block, TEST) {
            let valid = match test.first().map(String::as_str) {
                Some("NONE") => test.len() == 1,
                Some("CMD") | Some("CMD-SHELL") => test.len() >= 2,
                _ => false,
            };
            if !valid && block.attr(TEST).is_some_and(Value::is_wholly_known) {
                error(
                    at(HEALTHCHECK).attr(TEST),
                    "Invalid health check",
                    format!(
                        "healthcheck.test: expected [\"CMD\", \"executable\", …], [\"CMD-SHELL\", \
                         \"command\"] or [\"NONE\"], got {test:?}."
                    ),
                );
            }
        }
    }
    for (index, mount) in blocks(config, MOUNTS).iter().enumerate() {
        let path = at(MOUNTS);
        let kind = text(mount, TYPE);
        let source = mount.attr(SOURCE).filter(|source| !source.is_null());
        let target = text(mount, TARGET);
        if let Some(target) = target {
            if !target.starts_with('/') {
                error(
                    path.clone(),
                    "Invalid mount",
                    format!("mounts[{index}].target: expected an absolute path, got {target:?}."),
                );
            }
        }
        match kind {
            Some("bind") => match source.and_then(Value::as_str) {
                None if source.is_none() => error(
                    path.clone(),
                    "Invalid mount",
                    format!("mounts[{index}].source: a bind mount needs the host path to mount."),
                ),
                Some(source) if !source.starts_with('/') => error(
                    path.clone(),
                    "Invalid mount",
                    format!(
                        "mounts[{index}].source: expected an absolute host path for a bind mount, \
                         got {source:?}."
                    ),
                ),
                _ => {}
            },
            Some("tmpfs") if source.is_some() => error(
                path.clone(),
                "Invalid mount",
                format!("mounts[{index}].source: a tmpfs mount has no source; remove it."),
            ),
            _ => {}
        }
        let has_tmpfs_options = mount.attr(TMPFS_OPTIONS).is_some_and(|o| !o.is_null());
        if has_tmpfs_options && kind.is_some_and(|kind| kind != "tmpfs") {
            error(
                path,
                "Invalid mount",
                format!("mounts[{index}].tmpfs_options: only a tmpfs mount takes tmpfs_options."),
            );
        }
    }
    if let Some(mode) = text(config, NETWORK_MODE) {
        if matches!(mode, "host" | "none") && !blocks(config, NETWORKS_ADVANCED).is_empty() {
            error(
                at(NETWORK_MODE),
                "Conflicting network settings",
                format!(
                    "network_mode: a container with network_mode {mode:?} cannot join \
                     networks_advanced networks; remove one of them."
                ),
            );
        }
    }
    if let (Some(retries), Some(restart)) = (number(config, MAX_RETRY_COUNT), text(config, RESTART))
    {
        if retries > 0 && restart != "on-failure" {
            error(
                at(MAX_RETRY_COUNT),
                "Conflicting restart settings",
                format!(
                    "max_retry_count: only applies with restart = \"on-failure\", but restart is \
                     {restart:?}."
                ),
            );
        }
    }
    if number(config, MEMORY_SWAP).is_some_and(|swap| swap > 0)
        && config.attr(MEMORY).is_some_and(Value::is_null)
    {
        error(
            at(MEMORY_SWAP),
            "Missing memory",
            "memory_swap: the swap limit needs a memory limit; set memory too.".into(),
        );
    }
    diagnostics
}

// ---- plan -----------------------------------------------------------------------------------

/// Whether the engine implements `POST /containers/{id}/update`: Docker does; Podman's
/// compatibility layer did not before 5.0 (4.3.1 answers 404 for the route).
async fn engine_updates_in_place(docker: &Docker) -> bool {
    let Ok(version) = docker.version().await else {
        return true;
    };
    let podman = version
        .components
        .unwrap_or_default()
        .into_iter()
        .find(|component| component.name == "Podman Engine");
    match podman {
        Some(component) => component
            .version
            .split('.')
            .next()
            .and_then(|major| major.parse::<u32>().ok())
            .is_some_and(|major| major >= 5),
        None => true,
    }
}

async fn modify_plan(ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if plan.planned.is_null() {
        return diagnostics;
    }
    let must_run =
        flag(&plan.planned, MUST_RUN) == Some(true) && flag(&plan.planned, START) == Some(true);
    if must_run {
        if let Value::Object(attributes) = &mut plan.planned {
            attributes.insert(RUNNING.into(), Value::Bool(true));
        }
    }
    if plan.prior.is_null() {
        return diagnostics;
    }
    if must_run && flag(&plan.prior, RUNNING) == Some(false) {
        plan.requires_replace.push(at(RUNNING));
    }
    for name in REPLACING_BLOCKS {
        if plan.planned.attr(name) != plan.prior.attr(name) {
            plan.requires_replace.push(at(name));
        }
    }
    let changed: Vec<&str> = UPDATABLE
        .into_iter()
        .filter(|name| plan.planned.attr(name) != plan.prior.attr(name))
        .collect();
    let mut replace_updates = false;
    for name in &changed {
        // The engine has no "unset" for a limit: going back to the default means a new container.
        if plan.planned.attr(name).is_some_and(Value::is_null) {
            plan.requires_replace.push(at(name));
        }
    }
    if !changed.is_empty() {
        match engine(ctx).await {
            Ok(docker) if !engine_updates_in_place(&docker).await => replace_updates = true,
            _ => {}
        }
    }
    if replace_updates {
        for name in &changed {
            plan.requires_replace.push(at(name));
        }
        diagnostics.push(Diagnostic::warning(
            "Container engine cannot update containers in place",
            format!(
                "This engine (Podman before 5.0) does not implement POST /containers/{{id}}/update, \
                 so changing {} replaces the container.",
                changed.join(", ")
            ),
        ));
    }
    diagnostics
}

// ---- create ---------------------------------------------------------------------------------

/// The image, or a diagnostic on `image` explaining that nothing is pulled here.
async fn check_image(docker: &Docker, image: &str) -> Result<(), Diagnostic> {
    match docker.inspect_image(image).await {
        Ok(_) => Ok(()),
        Err(error) if is_not_found(&error) => Err(Diagnostic::error(
            "Image not found",
            format!(
                "image: the container engine has no image {image:?}. This provider does not pull \
                 images when creating containers: add a photon_container_image resource (pull \
                 from a registry, or load or import a tarball) and use its image_id or \
                 reference here."
            ),
        )
        .at(at(IMAGE))),
        Err(error) => Err(engine_error(
            "Create photon_container failed",
            &format!("inspect image {image:?}"),
            &error,
        )
        .at(at(IMAGE))),
    }
}

/// A stopped container's last words: the tail of its log, when the engine keeps one.
fn exited_detail(inspected: &ContainerInspectResponse) -> String {
    let state = inspected.state.clone().unwrap_or_default();
    let mut detail = format!(
        "the container exited with code {}",
        state.exit_code.unwrap_or_default()
    );
    if let Some(error) = state.error.filter(|error| !error.is_empty()) {
        detail.push_str(&format!(" ({error})"));
    }
    detail
}

async fn create(ctx: &Context, planned: &Value) -> Outcome {
    const SUMMARY: &str = "Create photon_container failed";
    let docker = match engine(ctx).await {
        Ok(docker) => docker,
        Err(diagnostic) => return Outcome::failed(diagnostic),
    };
    let name = text(planned, NAME).unwrap_or_default().to_owned();
    let image = text(planned, IMAGE).unwrap_or_default().to_owned();
    if let Err(diagnostic) = check_image(&docker, &image).await {
        return Outcome::failed(diagnostic);
    }
    let request = match model::create_plan(planned) {
        Ok(request) => request,
        Err((path, detail)) => {
            return Outcome::failed(
                Diagnostic::error(SUMMARY, format!("{path}: {detail}.")).at(dotted(&path)),
            );
        }
    };
    let options = CreateContainerOptionsBuilder::new().name(&name).build();
    let created = match docker.create_container(Some(options), request.body).await {
        Ok(created) => created,
        Err(error) if status_code(&error) == Some(409) => {
            return Outcome::failed(
                Diagnostic::error(
                    SUMMARY,
                    format!(
                        "name: a container named {name:?} already exists on the engine. Choose \
                         another name, remove that container, or import it with \
                         `terraform import <address> {name}`."
                    ),
                )
                .at(at(NAME)),
            );
        }
        Err(error) => {
            return Outcome::failed(engine_error(
                SUMMARY,
                &format!("create container {name:?}"),
                &error,
            ));
        }
    };
    let id = created.id;
    tracing::debug!(resource = TYPE_NAME, id = id.as_str(), "created");
    // From here on the container exists: every failure keeps it in state (tainted).
    let result = bring_up(ctx, &docker, &id, planned, request.connect).await;
    let inspected = inspect(&docker, &id).await.ok().flatten();
    let state = match &inspected {
        Some(inspected) => model::fill(planned, inspected),
        None => {
            let mut state = model::unknowns_to_null(planned);
            if let Value::Object(attributes) = &mut state {
                attributes.insert(ID.into(), Value::from(id.as_str()));
            }
            state
        }
    };
    match result {
        Ok(()) => {
            if let Some(inspected) = &inspected {
                let running = inspected.state.as_ref().and_then(|s| s.running) == Some(true);
                if flag(planned, RUNNING) == Some(true) && !running {
                    let mut state = state;
                    if let Value::Object(attributes) = &mut state {
                        attributes.insert(RUNNING.into(), Value::Bool(false));
                    }
                    return Outcome {
                        state,
                        ..Outcome::failed(Diagnostic::error(
                            SUMMARY,
                            format!(
                                "container {name:?} ({id}) is not running after start: {}. It \
                                 is kept (tainted) for inspection; set must_run = false for \
                                 containers that run to completion.",
                                exited_detail(inspected)
                            ),
                        ))
                    };
                }
            }
            Outcome::ok(state)
        }
        Err(diagnostic) => Outcome {
            state: if flag(&state, RUNNING).is_none() {
                state
            } else {
                with_running_observed(state, inspected.as_ref())
            },
            ..Outcome::failed(diagnostic)
        },
    }
}

/// After a failure the state says what is true (the plan's `running = true` may not be).
fn with_running_observed(mut state: Value, inspected: Option<&ContainerInspectResponse>) -> Value {
    let running = inspected
        .and_then(|inspected| inspected.state.as_ref())
        .and_then(|state| state.running)
        .unwrap_or(false);
    if let Value::Object(attributes) = &mut state {
        attributes.insert(RUNNING.into(), Value::Bool(running));
    }
    state
}

/// Connects the extra networks, starts, and waits, as planned.
async fn bring_up(
    ctx: &Context,
    docker: &Docker,
    id: &str,
    planned: &Value,
    connect: Vec<model::Attachment>,
) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Create photon_container failed";
    for attachment in connect {
        docker
            .connect_network(
                &attachment.network,
                NetworkConnectRequest {
                    container: id.to_owned(),
                    endpoint_config: Some(attachment.endpoint),
                },
            )
            .await
            .map_err(|error| {
                engine_error(
                    SUMMARY,
                    &format!(
                        "networks_advanced: connect to network {:?}",
                        attachment.network
                    ),
                    &error,
                )
                .at(at(NETWORKS_ADVANCED))
            })?;
    }
    if flag(planned, START) == Some(false) {
        return Ok(());
    }
    docker
        .start_container(id, None)
        .await
        .map_err(|error| engine_error(SUMMARY, &format!("start container {id}"), &error))?;
    if flag(planned, WAIT) == Some(true) {
        let timeout =
            Duration::from_secs(number(planned, WAIT_TIMEOUT).unwrap_or(60).max(1) as u64);
        wait_until_healthy(ctx, docker, id, timeout).await?;
    }
    Ok(())
}

// ---- waiting for health ---------------------------------------------------------------------

const POLL: Duration = Duration::from_millis(500);

fn wait_error(detail: String) -> Diagnostic {
    Diagnostic::error("Container did not become healthy", detail).at(at(HEALTHCHECK))
}

/// Sleeps, or fails when Terraform asks the provider to stop.
async fn pause(ctx: &Context, duration: Duration) -> Result<(), Diagnostic> {
    tokio::select! {
        () = tokio::time::sleep(duration) => Ok(()),
        () = ctx.stop_token().cancelled() => Err(Diagnostic::error(
            "Interrupted",
            "Terraform asked the provider to stop while waiting for the container; it is kept \
             (tainted) and replaced by the next apply.",
        )),
    }
}

/// Polls the engine's health status; when the engine never runs the check (Podman without
/// systemd), runs it through exec instead.
async fn wait_until_healthy(
    ctx: &Context,
    docker: &Docker,
    id: &str,
    timeout: Duration,
) -> Result<(), Diagnostic> {
    let started = Instant::now();
    let deadline = started + timeout;
    loop {
        let inspected = docker
            .inspect_container(id, None)
            .await
            .map_err(|error| engine_error("Wait for photon_container failed", "inspect", &error))?;
        let state = inspected.state.clone().unwrap_or_default();
        if state.running != Some(true) {
            return Err(wait_error(format!(
                "container {id} stopped while waiting for it to become healthy: {}.",
                exited_detail(&inspected)
            )));
        }
        let check = inspected
            .config
            .as_ref()
            .and_then(|config| config.healthcheck.clone())
            .filter(|check| {
                check
                    .test
                    .as_ref()
                    .and_then(|test| test.first())
                    .is_some_and(|first| first != "NONE")
            });
        let Some(check) = check else {
            return Ok(()); // No health check: running is all there is to wait for.
        };
        let health = state.health.unwrap_or_default();
        match health.status {
            Some(HealthStatusEnum::HEALTHY) => return Ok(()),
            Some(HealthStatusEnum::UNHEALTHY) => {
                let last = health
                    .log
                    .unwrap_or_default()
                    .last()
                    .map(|result| {
                        format!(
                            " The last check exited with {}: {}",
                            result.exit_code.unwrap_or_default(),
                            result.output.clone().unwrap_or_default().trim()
                        )
                    })
                    .unwrap_or_default();
                return Err(wait_error(format!(
                    "container {id} is unhealthy after {} failed checks of {:?}.{last} The \
                     container is kept (tainted) for inspection; the next apply replaces it.",
                    health.failing_streak.unwrap_or_default(),
                    check.test.unwrap_or_default()
                )));
            }
            _ => {}
        }
        let nanos = |value: Option<i64>, default: u64| {
            Duration::from_nanos(value.filter(|v| *v > 0).map_or(default, |v| v as u64))
        };
        let interval = nanos(check.interval, 30_000_000_000);
        let check_timeout = nanos(check.timeout, 30_000_000_000);
        let start_period = nanos(check.start_period, 0);
        let engine_silent = health.log.as_ref().is_none_or(Vec::is_empty);
        if engine_silent && started.elapsed() > start_period + interval * 2 + Duration::from_secs(2)
        {
            tracing::debug!(
                resource = TYPE_NAME,
                "the engine records no health results; running the check through exec"
            );
            let retries = check.retries.filter(|r| *r > 0).unwrap_or(3);
            let test = check.test.unwrap_or_default();
            return probe_with_exec(
                ctx,
                docker,
                id,
                &test,
                Probe {
                    interval,
                    timeout: check_timeout,
                    start_period,
                    retries,
                    started,
                    deadline,
                },
            )
            .await;
        }
        if Instant::now() >= deadline {
            return Err(wait_error(format!(
                "container {id} was still {} after wait_timeout ({} s). It is kept (tainted) \
                 for inspection; raise wait_timeout or check the health check command.",
                health
                    .status
                    .map(|status| status.to_string())
                    .unwrap_or_else(|| "starting".into()),
                timeout.as_secs()
            )));
        }
        pause(ctx, POLL).await?;
    }
}

struct Probe {
    interval: Duration,
    timeout: Duration,
    start_period: Duration,
    retries: i64,
    started: Instant,
    deadline: Instant,
}

/// The exec command for a health check test.
fn probe_command(test: &[String]) -> Option<Vec<String>> {
    match test.split_first() {
        Some((kind, rest)) if kind == "CMD" && !rest.is_empty() => Some(rest.to_vec()),
        Some((kind, rest)) if kind == "CMD-SHELL" && !rest.is_empty() => {
            Some(vec!["/bin/sh".into(), "-c".into(), rest.join(" ")])
        }
        _ => None,
    }
}

/// Runs one check; its exit code, or `None` when it did not finish within the timeout.
///
/// Attached, not detached: Podman 4.3 marks a detached exec as running until its conmon's exit
/// delay (minutes) has passed, while an attached one is recorded as soon as it exits. The output
/// stream is held open (not read: checks print little) until the engine reports the exit.
async fn run_check(
    ctx: &Context,
    docker: &Docker,
    id: &str,
    command: &[String],
    timeout: Duration,
) -> Result<Option<i64>, Diagnostic> {
    let failed =
        |error: EngineError| engine_error("Wait for photon_container failed", "exec", &error);
    let exec = docker
        .create_exec(
            id,
            CreateExecOptions {
                cmd: Some(command.to_vec()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..CreateExecOptions::default()
            },
        )
        .await
        .map_err(failed)?;
    let session = docker.start_exec(&exec.id, None).await.map_err(failed)?;
    let deadline = Instant::now() + timeout;
    let result = loop {
        let state = docker.inspect_exec(&exec.id).await.map_err(failed)?;
        if state.running == Some(false) {
            if let Some(code) = state.exit_code {
                break Some(code);
            }
        }
        if Instant::now() >= deadline {
            break None;
        }
        pause(ctx, Duration::from_millis(100)).await?;
    };
    drop(session);
    Ok(result)
}

async fn probe_with_exec(
    ctx: &Context,
    docker: &Docker,
    id: &str,
    test: &[String],
    probe: Probe,
) -> Result<(), Diagnostic> {
    let Some(command) = probe_command(test) else {
        return Ok(());
    };
    let mut failures = 0;
    loop {
        let outcome = run_check(ctx, docker, id, &command, probe.timeout).await?;
        if outcome == Some(0) {
            return Ok(());
        }
        if probe.started.elapsed() >= probe.start_period {
            failures += 1;
        }
        if failures >= probe.retries {
            let last = match outcome {
                Some(code) => format!("exit code {code}"),
                None => format!("timed out after {} s", probe.timeout.as_secs()),
            };
            return Err(wait_error(format!(
                "container {id} is unhealthy: the health check {test:?} failed {failures} times \
                 in a row (last: {last}). The engine records no health results (Podman without \
                 systemd), so the provider ran the check through exec. The container is kept \
                 (tainted) for inspection; the next apply replaces it."
            )));
        }
        if Instant::now() + probe.interval >= probe.deadline {
            return Err(wait_error(format!(
                "container {id} did not pass its health check {test:?} within wait_timeout \
                 ({failures} failures so far). It is kept (tainted) for inspection."
            )));
        }
        pause(ctx, probe.interval).await?;
        let inspected = docker
            .inspect_container(id, None)
            .await
            .map_err(|error| engine_error("Wait for photon_container failed", "inspect", &error))?;
        if inspected.state.as_ref().and_then(|state| state.running) != Some(true) {
            return Err(wait_error(format!(
                "container {id} stopped while waiting for it to become healthy: {}.",
                exited_detail(&inspected)
            )));
        }
    }
}

// ---- read, update, delete, import -----------------------------------------------------------

async fn image_defaults(docker: &Docker, image: Option<&str>) -> ImageDefaults {
    let Some(image) = image else {
        return ImageDefaults::default();
    };
    match docker.inspect_image(image).await {
        Ok(inspected) => {
            let config = inspected.config.unwrap_or_default();
            ImageDefaults {
                env: config.env.unwrap_or_default(),
                labels: config.labels.unwrap_or_default(),
            }
        }
        Err(_) => ImageDefaults::default(),
    }
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let Some(id) = text(state, ID) else {
        return Ok(Value::Null);
    };
    let docker = engine(ctx).await?;
    let Some(inspected) = inspect(&docker, id)
        .await
        .map_err(|error| engine_error("Read photon_container failed", "inspect", &error))?
    else {
        return Ok(Value::Null);
    };
    Ok(model::refresh(state, &inspected, &ImageDefaults::default()))
}

async fn update(ctx: &Context, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Update photon_container failed";
    let id = text(prior, ID).unwrap_or_default();
    let docker = engine(ctx).await?;
    let new_name = text(planned, NAME).unwrap_or_default();
    if text(prior, NAME) != Some(new_name) {
        let options = RenameContainerOptionsBuilder::new().name(new_name).build();
        docker
            .rename_container(id, options)
            .await
            .map_err(|error| {
                let detail = if status_code(&error) == Some(409) {
                    format!("a container named {new_name:?} already exists")
                } else {
                    format!("{error}")
                };
                Diagnostic::error(
                    SUMMARY,
                    format!("name: cannot rename to {new_name:?}: {detail}."),
                )
                .at(at(NAME))
            })?;
    }
    if UPDATABLE
        .iter()
        .any(|name| planned.attr(name) != prior.attr(name))
    {
        docker
            .update_container(id, model::update_body(planned))
            .await
            .map_err(|error| engine_error(SUMMARY, "update container resources", &error))?;
    }
    let inspected = inspect(&docker, id)
        .await
        .map_err(|error| engine_error(SUMMARY, "inspect", &error))?
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                format!("container {id} disappeared during the update."),
            )
        })?;
    Ok(model::fill(planned, &inspected))
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_container failed";
    let Some(id) = text(prior, ID) else {
        return Ok(());
    };
    let docker = engine(ctx).await?;
    let Some(inspected) = inspect(&docker, id)
        .await
        .map_err(|error| engine_error(SUMMARY, "inspect", &error))?
    else {
        return Ok(());
    };
    if inspected.state.as_ref().and_then(|state| state.running) == Some(true) {
        let mut options = StopContainerOptionsBuilder::new();
        if let Some(grace) = number(prior, DESTROY_GRACE_SECONDS) {
            options = options.t(grace.clamp(0, 3600) as i32);
        }
        match docker.stop_container(id, Some(options.build())).await {
            Ok(()) => {}
            Err(error) if matches!(status_code(&error), Some(304 | 404)) => {}
            Err(error) => return Err(engine_error(SUMMARY, &format!("stop {id}"), &error)),
        }
    }
    // `v`: anonymous volumes go with the container; named volumes never do.
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(()),
        Err(error) if is_not_found(&error) => Ok(()),
        // `rm = true`: the engine may be removing it already.
        Err(error) if status_code(&error) == Some(409) => {
            for _ in 0..20 {
                if inspect(&docker, id).await.ok().flatten().is_none() {
                    return Ok(());
                }
                pause(ctx, POLL).await?;
            }
            Err(engine_error(SUMMARY, &format!("remove {id}"), &error))
        }
        Err(error) => Err(engine_error(SUMMARY, &format!("remove {id}"), &error)),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Import photon_container failed";
    let docker = engine(ctx).await?;
    let inspected = inspect(&docker, id)
        .await
        .map_err(|error| engine_error(SUMMARY, "inspect", &error))?
        .ok_or_else(|| {
            Diagnostic::error(
                SUMMARY,
                format!("no container with id or name {id:?} on the container engine."),
            )
        })?;
    let image = inspected
        .config
        .as_ref()
        .and_then(|config| config.image.clone());
    let defaults = image_defaults(&docker, image.as_deref()).await;
    let running = inspected.state.as_ref().and_then(|state| state.running) == Some(true);
    let mut skeleton: std::collections::BTreeMap<String, Value> = schema_v0()
        .block
        .attributes
        .iter()
        .map(|attribute| (attribute.name.clone(), Value::Null))
        .collect();
    for block in &schema_v0().block.blocks {
        let empty = match block.nesting {
            tfsdk::BlockNesting::List => Value::List(Vec::new()),
            tfsdk::BlockNesting::Set => Value::Set(Vec::new()),
            _ => Value::Null,
        };
        skeleton.insert(block.type_name.clone(), empty);
    }
    skeleton.insert(NETWORKS_ADVANCED.into(), Value::Null);
    skeleton.insert(MUST_RUN.into(), Value::Bool(running));
    skeleton.insert(START.into(), Value::Bool(true));
    skeleton.insert(WAIT.into(), Value::Bool(false));
    skeleton.insert(WAIT_TIMEOUT.into(), Value::Number(60.into()));
    let mut state = model::refresh(&Value::Object(skeleton), &inspected, &defaults);
    if let Value::Object(attributes) = &mut state {
        if attributes
            .get(NETWORKS_ADVANCED)
            .is_some_and(Value::is_null)
        {
            attributes.insert(NETWORKS_ADVANCED.into(), Value::Set(Vec::new()));
        }
        let ports = import_ports(&inspected);
        attributes.insert(PORTS.into(), ports);
        let mounts = import_mounts(&inspected);
        attributes.insert(MOUNTS.into(), mounts);
    }
    Ok(state)
}

fn import_ports(inspected: &ContainerInspectResponse) -> Value {
    let mut ports = Vec::new();
    let bindings = inspected
        .host_config
        .as_ref()
        .and_then(|host| host.port_bindings.clone())
        .unwrap_or_default();
    let mut keys: Vec<&String> = bindings.keys().collect();
    keys.sort();
    for key in keys {
        let (port, protocol) = key.split_once('/').unwrap_or((key, "tcp"));
        let Ok(internal) = port.parse::<i64>() else {
            continue;
        };
        for binding in bindings[key].clone().unwrap_or_default() {
            let ip = binding
                .host_ip
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "0.0.0.0".into());
            let external = binding
                .host_port
                .and_then(|port| port.parse::<i64>().ok())
                .map(|port| Value::Number(port.into()))
                .unwrap_or(Value::Null);
            ports.push(Value::object([
                (INTERNAL, Value::Number(internal.into())),
                (EXTERNAL, external),
                (PROTOCOL, Value::from(protocol)),
                (IP, Value::from(ip)),
            ]));
        }
    }
    Value::List(ports)
}

/// Whether a volume name is one the engine generated (an anonymous volume): 64 hex digits.
fn generated_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn import_mounts(inspected: &ContainerInspectResponse) -> Value {
    let mount = |target: String, source: Option<String>, kind: &str, read_only: Option<bool>| {
        Value::object([
            (TARGET, Value::from(target)),
            (SOURCE, source.map(Value::from).unwrap_or(Value::Null)),
            (TYPE, Value::from(kind)),
            (READ_ONLY, read_only.map(Value::Bool).unwrap_or(Value::Null)),
            (TMPFS_OPTIONS, Value::Null),
        ])
    };
    let host = inspected.host_config.clone().unwrap_or_default();
    let mut mounts = Vec::new();
    // Docker lists `--mount`s in HostConfig.Mounts; Podman only in the container's Mounts.
    for point in inspected.mounts.clone().unwrap_or_default() {
        let target = point.destination.unwrap_or_default();
        let read_only = (point.rw == Some(false)).then_some(true);
        match point.typ.map(|typ| typ.to_string()).as_deref() {
            Some("bind") => mounts.push(mount(target, point.source, "bind", read_only)),
            Some("volume") => {
                let source = point.name.filter(|name| !generated_name(name));
                mounts.push(mount(target, source, "volume", read_only));
            }
            _ => {}
        }
    }
    for target in host.tmpfs.unwrap_or_default().into_keys() {
        mounts.push(mount(target, None, "tmpfs", None));
    }
    for tmpfs in host.mounts.unwrap_or_default() {
        if tmpfs.typ.map(|typ| typ.to_string()).as_deref() == Some("tmpfs") {
            let target = tmpfs.target.unwrap_or_default();
            if !mounts
                .iter()
                .any(|m| m.attr(TARGET).and_then(Value::as_str) == Some(&target))
            {
                mounts.push(mount(
                    target,
                    None,
                    "tmpfs",
                    tmpfs.read_only.filter(|ro| *ro),
                ));
            }
        }
    }
    Value::Set(mounts)
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for Container {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate(config)
    }

    async fn modify_plan(&self, ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        modify_plan(ctx, plan).await
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        create(ctx, &request.planned).await
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, ctx: &Context, request: UpdateRequest) -> Outcome {
        outcome(update(ctx, &request.prior, &request.planned).await)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests;
