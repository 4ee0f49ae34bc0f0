//! `photon_datastore_file`: a local file uploaded to a datastore, like `vsphere_file` (ISO
//! images, kickstart files, disks). The upload goes through vCenter's `/folder` HTTP endpoint,
//! streamed; refresh checks the file with `HEAD` and reads its size with the datastore
//! browser, so a file deleted outside Terraform is planned again.
//!
//! Content changes are detected by the local file's size and modification time (no hashing:
//! the provider has no hash function among its dependencies, and hashing a multi-gigabyte ISO
//! on every plan would be slow). A change of either, or a datastore copy whose size no longer
//! matches, replaces the file: it is uploaded again.
//!
//! The local-file fingerprint helpers here are shared with `photon_image`.

use std::path::Path as FsPath;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{RequiresReplace, UseStateForUnknown};
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};
use vim::datastore::{DatastoreFiles, DatastorePath};
use vim::{Client, ManagedObjectReference};

use crate::clients::Clients;
use crate::clients::vsphere::errors;
use crate::data_sources::vsphere::inventory;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_datastore_file";

const DATASTORE_ID: &str = "datastore_id";
const SOURCE_FILE: &str = "source_file";
const DESTINATION_FILE: &str = "destination_file";
const CREATE_DIRECTORIES: &str = "create_directories";
const ID: &str = "id";
const SIZE: &str = "size";
const SOURCE_MODIFIED: &str = "source_modified";

/// The `photon_datastore_file` resource.
pub struct DatastoreFile;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(
                "A local file uploaded to a datastore, like `vsphere_file`: an ISO image, a \
                 kickstart file, a disk. The upload is streamed (large files are never held in \
                 memory). Refresh checks that the file is still on the datastore and reads its \
                 size: a file deleted outside Terraform is uploaded again. A change of the local \
                 file's size or modification time, or a datastore copy whose size differs, \
                 replaces the file (uploads it again); content is not hashed, so a change that \
                 keeps both size and modification time is not noticed. Destroying the resource \
                 deletes the file (not the directories created for it).",
            )
            .attribute(
                Attribute::required(DATASTORE_ID, Type::String)
                    .description(
                        "The `id` of the datastore (from `photon_datastore`) the file goes to.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(SOURCE_FILE, Type::String)
                    .description(
                        "The local file to upload, e.g. `${path.module}/photon.iso`. It must \
                         exist when planning.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(DESTINATION_FILE, Type::String)
                    .description(
                        "The file's path on the datastore, relative to its root, with `/` \
                         separators, e.g. `iso/photon-5.0.iso` (no `[datastore]` prefix, no \
                         leading `/`, no `.` or `..` segments).",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional(CREATE_DIRECTORIES, Type::Bool).description(
                    "Create the directories of `destination_file` that do not exist yet. When \
                     unset or `false`, the directory must already exist.",
                ),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("The file's datastore path, e.g. `[LocalDS_0] iso/photon.iso`.")
                    .plan_modifier(UseStateForUnknown),
            )
            .attribute(Attribute::computed(SIZE, Type::Number).description(
                "The size of the file on the datastore, in bytes. Planned from the local \
                 file; a difference replaces the file.",
            ))
            .attribute(
                Attribute::computed(SOURCE_MODIFIED, Type::String).description(
                    "The local file's modification time when it was uploaded (RFC 3339, UTC); a \
                 newer one replaces the file.",
                ),
            ),
    )
}

// ---------------------------------------------------------------------------------------------
// Local files: size and modification time.

/// What the resources remember of a local file to notice that it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocalFile {
    /// Size in bytes.
    pub(crate) size: u64,
    /// Modification time, RFC 3339 in UTC with nanoseconds.
    pub(crate) modified: String,
}

impl LocalFile {
    /// The size as a Terraform number.
    pub(crate) fn size_value(&self) -> Value {
        Value::from(tfsdk::cty::Number::from_u64(self.size))
    }
}

/// The size and modification time of the regular file at `path`, or why it cannot be used.
pub(crate) fn stat_local(path: &str) -> Result<LocalFile, String> {
    let metadata = std::fs::metadata(FsPath::new(path)).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            format!("the local file {path:?} does not exist")
        } else {
            format!("cannot read the local file {path:?}: {error}")
        }
    })?;
    if !metadata.is_file() {
        return Err(format!("{path:?} is not a regular file"));
    }
    let modified = metadata
        .modified()
        .map_err(|error| format!("{path:?}: no modification time: {error}"))?;
    Ok(LocalFile {
        size: metadata.len(),
        modified: rfc3339(modified),
    })
}

/// `time` as `2024-05-01T12:34:56.123456789Z`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let (seconds, nanos) = match time.duration_since(UNIX_EPOCH) {
        Ok(since) => (
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            since.subsec_nanos(),
        ),
        Err(before) => (
            -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
            0,
        ),
    };
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Plans the fingerprint of the local file at `path_attribute` into `size_attribute` and
/// `modified_attribute`, asking for replacement when it differs from the prior state's. A file
/// that cannot be read is an error on create and a warning (keeping the prior values) on an
/// existing resource, whose remote copy does not depend on it any more.
pub(crate) fn plan_local_file(
    plan: &mut PlanRequest,
    path_attribute: &str,
    size_attribute: &str,
    modified_attribute: &str,
    replaced_when_changed: &[&str],
) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let Some(path) = plan.planned.attr(path_attribute).and_then(Value::as_str) else {
        return diagnostics;
    };
    let path = path.to_owned();
    let creating = plan.prior.is_null();
    let path_changed =
        plan.prior.attr(path_attribute).and_then(Value::as_str) != Some(path.as_str());
    match stat_local(&path) {
        Ok(local) => {
            let size = local.size_value();
            let modified = Value::from(local.modified.clone());
            if !creating {
                let mut changed = false;
                for (name, value) in [(size_attribute, &size), (modified_attribute, &modified)] {
                    if plan.prior.attr(name) != Some(value) {
                        plan.requires_replace.push(Path::root().attr(name));
                        changed = true;
                    }
                }
                if changed || path_changed {
                    for name in replaced_when_changed {
                        set(&mut plan.planned, name, Value::unknown());
                    }
                }
            }
            set(&mut plan.planned, size_attribute, size);
            set(&mut plan.planned, modified_attribute, modified);
        }
        Err(reason) if creating || path_changed => {
            diagnostics.push(
                Diagnostic::error(
                    "Cannot read the source file",
                    format!("{path_attribute}: {reason}."),
                )
                .at(Path::root().attr(path_attribute)),
            );
        }
        Err(reason) => {
            diagnostics.push(
                Diagnostic::warning(
                    "Source file is not available",
                    format!(
                        "{path_attribute}: {reason}; keeping what was uploaded, without \
                         checking it for changes."
                    ),
                )
                .at(Path::root().attr(path_attribute)),
            );
            for name in [size_attribute, modified_attribute] {
                let prior = plan.prior.attr(name).cloned().unwrap_or(Value::Null);
                set(&mut plan.planned, name, prior);
            }
        }
    }
    diagnostics
}

/// Checks at apply time that the local file is still the one planned.
pub(crate) fn check_unchanged_since_plan(
    planned: &Value,
    local: &LocalFile,
    path_attribute: &str,
    size_attribute: &str,
    modified_attribute: &str,
) -> Result<(), Diagnostic> {
    let size_matches = match planned.attr(size_attribute) {
        Some(value) if value.is_known() && !value.is_null() => *value == local.size_value(),
        _ => true,
    };
    let modified_matches = match planned.attr(modified_attribute) {
        Some(Value::String(planned)) => *planned == local.modified,
        _ => true,
    };
    if size_matches && modified_matches {
        return Ok(());
    }
    Err(Diagnostic::error(
        "Source file changed since the plan",
        format!(
            "{path_attribute}: the local file changed between plan and apply (now {} bytes, \
             modified {}); run terraform plan again.",
            local.size, local.modified
        ),
    )
    .at(Path::root().attr(path_attribute)))
}

pub(crate) fn set(value: &mut Value, name: &str, new: Value) {
    if let Value::Object(attributes) = value {
        attributes.insert(name.into(), new);
    }
}

// ---------------------------------------------------------------------------------------------
// The datastore side.

/// Where the file goes: the datastore's datacenter (for `/folder` URLs) and its path.
struct Location {
    files: DatastoreFiles,
    path: DatastorePath,
}

/// The `Datastore` moref of an id (vcsim ids are paths such as `/tmp/govcsim-…@folder-5`).
fn datastore_moref(id: &str) -> ManagedObjectReference {
    ManagedObjectReference::new("Datastore", id)
}

/// Resolves the datastore's name and datacenter (one retrieval); `None` when it does not exist.
async fn locate(
    client: &Client,
    datastore_id: &str,
    destination: &str,
    summary: &str,
) -> Result<Option<Location>, Diagnostic> {
    let datastore = datastore_moref(datastore_id);
    let chain = inventory::ancestry(client, &datastore)
        .await
        .map_err(|error| errors::vim_error(summary, Some(DATASTORE_ID), &error))?;
    let Some((_, name)) = chain.first() else {
        return Ok(None);
    };
    let Some(index) = chain
        .iter()
        .position(|(moref, _)| moref.kind == "Datacenter")
    else {
        return Err(Diagnostic::error(
            summary,
            format!("{DATASTORE_ID}: datastore {datastore_id:?} is not in a datacenter."),
        )
        .at(Path::root().attr(DATASTORE_ID)));
    };
    let datacenter_path = inventory::path_of_chain(&chain[index..]);
    let files = DatastoreFiles::with_path(client, &chain[index].0, &datacenter_path);
    Ok(Some(Location {
        files,
        path: DatastorePath::new(name.clone(), destination),
    }))
}

fn unknown_datastore(datastore_id: &str) -> Diagnostic {
    Diagnostic::error(
        "Datastore not found",
        format!(
            "{DATASTORE_ID}: no datastore with id {datastore_id:?}; use the `id` of a \
             `photon_datastore` data source."
        ),
    )
    .at(Path::root().attr(DATASTORE_ID))
}

/// Why `destination` is not a usable path inside a datastore, if it is not.
pub fn check_destination(destination: &str) -> Result<(), String> {
    if destination.trim().is_empty() {
        return Err("expected a path such as \"iso/photon.iso\", got an empty string".into());
    }
    if destination.starts_with('[') {
        return Err(format!(
            "expected a path relative to the datastore's root, without the `[datastore]` \
             prefix (the datastore is `datastore_id`), got {destination:?}"
        ));
    }
    if destination.starts_with('/') {
        return Err(format!(
            "expected a path relative to the datastore's root, such as \"iso/photon.iso\", got \
             the absolute path {destination:?}"
        ));
    }
    if destination.ends_with('/') {
        return Err(format!(
            "{destination:?} names a directory; give the file's name too"
        ));
    }
    if destination
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return Err(format!(
            "{destination:?} has an empty, `.` or `..` segment; separate directories with \
             single slashes"
        ));
    }
    Ok(())
}

fn destination_error(detail: String) -> Diagnostic {
    Diagnostic::error(
        "Invalid destination_file",
        format!("{DESTINATION_FILE}: {detail}."),
    )
    .at(Path::root().attr(DESTINATION_FILE))
}

/// `dir/sub/file.iso` → (`dir/sub`, `file.iso`).
fn split_parent(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None => ("", path),
    }
}

fn transfer_error(summary: &str, error: &vim::datastore::TransferError) -> Diagnostic {
    use vim::datastore::TransferError;
    let attribute = match error {
        TransferError::DatastoreNotFound { .. } => Some(DATASTORE_ID),
        TransferError::InvalidPath(_) => Some(DESTINATION_FILE),
        TransferError::Local { .. } => Some(SOURCE_FILE),
        _ => None,
    };
    let prefix = attribute
        .map(|name| format!("{name}: "))
        .unwrap_or_default();
    let diagnostic = Diagnostic::error(summary, format!("{prefix}{}.", errors::chain(error)));
    match attribute {
        Some(name) => diagnostic.at(Path::root().attr(name)),
        None => diagnostic,
    }
}

fn attr<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    inventory::string_attr(value, name)
}

fn invalidate(ctx: &Context) {
    if let Ok(clients) = ctx.provider_data::<Clients>()
        && let Ok(vsphere) = clients.vsphere()
    {
        vsphere.invalidate_batches();
    }
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Create photon_datastore_file failed";
    let source = attr(planned, SOURCE_FILE).unwrap_or_default();
    let destination = attr(planned, DESTINATION_FILE).unwrap_or_default();
    let datastore_id = attr(planned, DATASTORE_ID).unwrap_or_default();
    check_destination(destination).map_err(destination_error)?;
    let local = stat_local(source).map_err(|reason| {
        Diagnostic::error(SUMMARY, format!("{SOURCE_FILE}: {reason}."))
            .at(Path::root().attr(SOURCE_FILE))
    })?;
    check_unchanged_since_plan(planned, &local, SOURCE_FILE, SIZE, SOURCE_MODIFIED)?;
    let client = inventory::client(ctx).await?;
    let location = locate(&client, datastore_id, destination, SUMMARY)
        .await?
        .ok_or_else(|| unknown_datastore(datastore_id))?;
    let (parent, _) = split_parent(destination);
    if !parent.is_empty() {
        let directory = DatastorePath::new(location.path.datastore.clone(), parent);
        if planned.attr(CREATE_DIRECTORIES).and_then(Value::as_bool) == Some(true) {
            match location.files.make_directory(&directory, true).await {
                Ok(()) => {}
                Err(error)
                    if error
                        .fault()
                        .is_some_and(|fault| fault.type_name == "FileAlreadyExists") => {}
                Err(error) => {
                    return Err(errors::vim_error(SUMMARY, Some(DESTINATION_FILE), &error));
                }
            }
        } else {
            let exists = location
                .files
                .exists(&directory)
                .await
                .map_err(|error| transfer_error(SUMMARY, &error))?;
            if !exists {
                return Err(Diagnostic::error(
                    "Directory not found",
                    format!(
                        "{DESTINATION_FILE}: the directory {directory} does not exist; create it \
                         first, or set create_directories = true."
                    ),
                )
                .at(Path::root().attr(DESTINATION_FILE)));
            }
        }
    }
    let target = location.path.to_string();
    let started = std::time::Instant::now();
    let mut last_logged = 0u64;
    let upload = location
        .files
        .upload_file(&location.path, FsPath::new(source), |sent, total| {
            // One line per 10 % (and the last), not per chunk.
            let step = (total / 10).max(1);
            if sent == total || sent >= last_logged + step {
                last_logged = sent;
                tracing::debug!(target = %target, sent, total, "datastore upload progress");
            }
        });
    let uploaded = tokio::select! {
        result = upload => Some(result),
        () = ctx.stop_token().cancelled() => None,
    };
    invalidate(ctx);
    match uploaded {
        Some(Ok(())) => {}
        Some(Err(error)) => return Err(transfer_error(SUMMARY, &error)),
        None => {
            // The upload was dropped mid-way: remove what the server may have kept.
            if let Err(error) = location.files.delete(&location.path).await {
                tracing::debug!(%error, "removing the partial upload failed");
            }
            return Err(Diagnostic::error(
                SUMMARY,
                format!(
                    "the upload of {source:?} to {target} was cancelled (Terraform is stopping)."
                ),
            ));
        }
    }
    let size = location
        .files
        .stat(&location.path)
        .await
        .map_err(|error| transfer_error(SUMMARY, &error))?
        .and_then(|file| file.size);
    tracing::debug!(
        resource = TYPE_NAME,
        %target,
        bytes = local.size,
        remote = ?size,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "uploaded"
    );
    if let Some(size) = size
        && size != local.size
    {
        return Err(Diagnostic::error(
            SUMMARY,
            format!(
                "{target} holds {size} bytes after uploading the {} bytes of {source:?}.",
                local.size
            ),
        ));
    }
    let mut state = planned.clone();
    set(&mut state, ID, Value::from(target));
    set(&mut state, SIZE, local.size_value());
    set(&mut state, SOURCE_MODIFIED, Value::from(local.modified));
    Ok(state)
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    const SUMMARY: &str = "Read photon_datastore_file failed";
    let (Some(datastore_id), Some(destination)) =
        (attr(state, DATASTORE_ID), attr(state, DESTINATION_FILE))
    else {
        return Ok(Value::Null);
    };
    let client = inventory::client(ctx).await?;
    let before = client.round_trips();
    let Some(location) = locate(&client, datastore_id, destination, SUMMARY).await? else {
        return Ok(Value::Null);
    };
    let Some(remote) = location
        .files
        .stat(&location.path)
        .await
        .map_err(|error| transfer_error(SUMMARY, &error))?
    else {
        return Ok(Value::Null);
    };
    let size = remote.size;
    tracing::debug!(
        resource = TYPE_NAME,
        round_trips = client.round_trips() - before,
        "read"
    );
    let mut refreshed = state.clone();
    set(&mut refreshed, ID, Value::from(location.path.to_string()));
    if let Some(size) = size {
        set(
            &mut refreshed,
            SIZE,
            Value::from(tfsdk::cty::Number::from_u64(size)),
        );
    }
    Ok(refreshed)
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    const SUMMARY: &str = "Delete photon_datastore_file failed";
    let (Some(datastore_id), Some(destination)) =
        (attr(prior, DATASTORE_ID), attr(prior, DESTINATION_FILE))
    else {
        return Ok(());
    };
    let client = inventory::client(ctx).await?;
    let Some(location) = locate(&client, datastore_id, destination, SUMMARY).await? else {
        return Ok(());
    };
    let result = location.files.delete(&location.path).await;
    invalidate(ctx);
    match result {
        Ok(()) => Ok(()),
        Err(error)
            if matches!(
                error.fault().map(|fault| &fault.kind),
                Some(vim::FaultKind::FileNotFound { .. })
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(errors::vim_error(SUMMARY, Some(DESTINATION_FILE), &error)),
    }
}

fn outcome(result: Result<Value, Diagnostic>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diagnostic) => Outcome::failed(diagnostic),
    }
}

#[async_trait]
impl Resource for DatastoreFile {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Some(Value::String(destination)) = config.attr(DESTINATION_FILE)
            && let Err(detail) = check_destination(destination)
        {
            diagnostics.push(destination_error(detail));
        }
        if let Some(Value::String(source)) = config.attr(SOURCE_FILE)
            && source.trim().is_empty()
        {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid source_file",
                    "source_file: expected the path of a local file, got an empty string.",
                )
                .at(Path::root().attr(SOURCE_FILE)),
            );
        }
        diagnostics
    }

    async fn modify_plan(&self, _ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        if plan.planned.is_null() {
            return Diagnostics::new();
        }
        plan_local_file(plan, SOURCE_FILE, SIZE, SOURCE_MODIFIED, &[])
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, _ctx: &Context, request: UpdateRequest) -> Outcome {
        // Only `create_directories` changes in place, and it matters only when uploading.
        Outcome::ok(request.planned)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        match delete(ctx, &request.prior).await {
            Ok(()) => Diagnostics::new(),
            Err(diagnostic) => diagnostic.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_render_as_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        let time = UNIX_EPOCH + Duration::new(1_709_210_096, 5);
        assert_eq!(rfc3339(time), "2024-02-29T12:34:56.000000005Z");
        let time = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(time), "2000-02-29T00:00:00.000000000Z");
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(rfc3339(before), "1969-12-31T00:00:00.000000000Z");
    }

    #[test]
    fn destinations_are_relative_file_paths() {
        assert_eq!(check_destination("iso/photon.iso"), Ok(()));
        assert_eq!(check_destination("a b/c#d.iso"), Ok(()));
        assert!(check_destination("").unwrap_err().contains("empty"));
        assert!(
            check_destination("/iso/x")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            check_destination("[LocalDS_0] x")
                .unwrap_err()
                .contains("prefix")
        );
        assert!(check_destination("iso/").unwrap_err().contains("directory"));
        assert!(check_destination("a//b").unwrap_err().contains("segment"));
        assert!(check_destination("a/../b").unwrap_err().contains("segment"));
        assert_eq!(split_parent("a/b/c.iso"), ("a/b", "c.iso"));
        assert_eq!(split_parent("c.iso"), ("", "c.iso"));
    }

    #[test]
    fn local_files_are_fingerprinted() {
        let dir = std::env::temp_dir().join(format!("photon-dsfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.iso");
        std::fs::write(&file, b"12345").unwrap();
        let local = stat_local(file.to_str().unwrap()).unwrap();
        assert_eq!(local.size, 5);
        assert!(local.modified.ends_with('Z'), "{local:?}");
        assert!(
            stat_local(dir.join("missing").to_str().unwrap())
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(
            stat_local(dir.to_str().unwrap())
                .unwrap_err()
                .contains("not a regular file")
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    fn plan(prior: Value, source: &str) -> PlanRequest {
        let planned = Value::object([
            (DATASTORE_ID, Value::from("ds")),
            (SOURCE_FILE, Value::from(source)),
            (DESTINATION_FILE, Value::from("a.iso")),
            (CREATE_DIRECTORIES, Value::Null),
            (ID, Value::unknown()),
            (SIZE, Value::unknown()),
            (SOURCE_MODIFIED, Value::unknown()),
        ]);
        PlanRequest {
            config: planned.clone(),
            prior,
            planned,
            planned_private: tfsdk::PrivateState::default(),
            requires_replace: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_changed_local_file_replaces_the_upload() {
        let dir = std::env::temp_dir().join(format!("photon-dsplan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.iso");
        std::fs::write(&file, b"12345").unwrap();
        let source = file.to_str().unwrap();
        let local = stat_local(source).unwrap();

        // Create: the fingerprint is planned.
        let mut create = plan(Value::Null, source);
        let diagnostics = DatastoreFile
            .modify_plan(&Context::new(None, Default::default()), &mut create)
            .await;
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(create.planned.attr(SIZE), Some(&local.size_value()));
        assert!(create.requires_replace.is_empty());

        // Unchanged: nothing to replace.
        let mut prior = create.planned.clone();
        set(&mut prior, ID, Value::from("[LocalDS_0] a.iso"));
        let mut same = plan(prior.clone(), source);
        same.planned = prior.clone();
        let diagnostics = DatastoreFile
            .modify_plan(&Context::new(None, Default::default()), &mut same)
            .await;
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(
            same.requires_replace.is_empty(),
            "{:?}",
            same.requires_replace
        );
        assert_eq!(same.planned, prior);

        // A different size (the datastore copy, or the local file): replaced.
        let mut drifted = prior.clone();
        set(
            &mut drifted,
            SIZE,
            Value::from(tfsdk::cty::Number::from_u64(4)),
        );
        let mut changed = plan(drifted.clone(), source);
        changed.planned = drifted;
        DatastoreFile
            .modify_plan(&Context::new(None, Default::default()), &mut changed)
            .await;
        assert_eq!(changed.requires_replace, vec![Path::root().attr(SIZE)]);
        assert_eq!(changed.planned.attr(SIZE), Some(&local.size_value()));

        // A missing local file: an error on create, a warning afterwards.
        let missing = dir.join("gone.iso");
        let missing = missing.to_str().unwrap();
        let mut create = plan(Value::Null, missing);
        let diagnostics = DatastoreFile
            .modify_plan(&Context::new(None, Default::default()), &mut create)
            .await;
        assert!(diagnostics.has_errors());
        assert_eq!(
            diagnostics.iter().next().unwrap().path,
            Some(Path::root().attr(SOURCE_FILE))
        );
        let mut prior_missing = prior.clone();
        set(&mut prior_missing, SOURCE_FILE, Value::from(missing));
        let mut kept = plan(prior_missing.clone(), missing);
        kept.planned = prior_missing.clone();
        let diagnostics = DatastoreFile
            .modify_plan(&Context::new(None, Default::default()), &mut kept)
            .await;
        assert!(!diagnostics.has_errors() && !diagnostics.is_empty());
        assert!(kept.requires_replace.is_empty());
        assert_eq!(kept.planned, prior_missing);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn validation_points_at_the_attribute() {
        let config = Value::object([
            (DATASTORE_ID, Value::from("ds")),
            (SOURCE_FILE, Value::from("")),
            (DESTINATION_FILE, Value::from("/abs.iso")),
            (CREATE_DIRECTORIES, Value::Null),
            (ID, Value::Null),
            (SIZE, Value::Null),
            (SOURCE_MODIFIED, Value::Null),
        ]);
        let diagnostics = DatastoreFile.validate(&config).await;
        let paths: Vec<String> = diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.path.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(paths, ["destination_file", "source_file"]);
    }

    #[test]
    fn the_schema_passes_terraforms_rules() {
        assert_eq!(tfsdk::check_schema(&schema_v0()), vec![]);
    }
}
