//! File and directory copies with the scp protocol (the remote runs OpenSSH's `scp -t`/`scp -f`).
//!
//! The protocol: the sink answers every record with one byte, 0 for OK or 1/2 followed by an error
//! line. Records are `C<mode> <size> <name>\n` followed by the bytes and a 0 byte,
//! `D<mode> 0 <name>\n` to enter a directory, `E\n` to leave it, and `T...\n` with times.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::io::AsyncRead;
use tracing::debug;

use crate::remote::{RemoteProcess, shell_quote};
use crate::{Error, Session, is_excluded};

/// A record sent by a remote `scp -f`.
#[derive(Debug, PartialEq, Eq)]
enum Record {
    File { mode: u32, size: u64, name: String },
    Dir { mode: u32, name: String },
    End,
    Times,
}

/// Parses the part of a `C` or `D` record after its letter: `<octal mode> <size> <name>`.
fn parse_entry(line: &str) -> Result<(u32, u64, String), String> {
    let mut fields = line.splitn(3, ' ');
    let (Some(mode), Some(size), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(format!("malformed record {line:?}"));
    };
    let mode = u32::from_str_radix(mode, 8).map_err(|_| format!("bad mode in record {line:?}"))?;
    let size = size
        .parse::<u64>()
        .map_err(|_| format!("bad size in record {line:?}"))?;
    // A name must stay inside the destination directory.
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(format!("unsafe file name in record {line:?}"));
    }
    Ok((mode & 0o7777, size, name.to_owned()))
}

fn parse_record(kind: u8, line: &str) -> Result<Record, String> {
    match kind {
        b'C' => parse_entry(line).map(|(mode, size, name)| Record::File { mode, size, name }),
        b'D' => parse_entry(line).map(|(mode, _, name)| Record::Dir { mode, name }),
        b'E' => Ok(Record::End),
        b'T' => Ok(Record::Times),
        other => Err(format!(
            "unknown record {:?}",
            format!("{}{line}", other as char)
        )),
    }
}

/// The next record, or `None` when the remote side has finished.
async fn read_record(scp: &mut RemoteProcess) -> Result<Option<Record>, Error> {
    let Some(kind) = scp.read_byte().await? else {
        return Ok(None);
    };
    let line = scp.read_line().await?;
    match kind {
        1 | 2 => Err(scp.remote_error(line)),
        _ => parse_record(kind, &line)
            .map(Some)
            .map_err(|detail| scp.protocol(&detail)),
    }
}

/// Checks a name scp will carry in a record.
fn record_name(name: &str, whose: &str) -> Result<(), Error> {
    if name.contains('\n') {
        return Err(Error::Invalid(format!(
            "{whose}: scp cannot copy names containing a newline"
        )));
    }
    Ok(())
}

async fn send_file<R: AsyncRead + Unpin>(
    scp: &mut RemoteProcess,
    name: &str,
    mode: u32,
    size: u64,
    data: &mut R,
    what: &str,
) -> Result<(), Error> {
    scp.send(format!("C{:04o} {size} {name}\n", mode & 0o7777))
        .await?;
    scp.read_ack().await?;
    scp.send_from(data, size, what).await?;
    scp.send(vec![0]).await?;
    scp.read_ack().await
}

/// One step of a directory upload.
enum Step {
    Dir {
        name: String,
        mode: u32,
    },
    End,
    File {
        path: PathBuf,
        name: String,
        mode: u32,
        size: u64,
    },
}

fn local_name(path: &Path) -> Result<String, Error> {
    let name = match path.file_name() {
        Some(name) => name.to_owned(),
        // `.`, `..` or `/`: the real directory's name.
        None => std::fs::canonicalize(path)
            .map_err(Error::io(format!("resolve {}", path.display())))?
            .file_name()
            .map(ToOwned::to_owned)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{} has no name to create remotely; add a trailing `/` to copy its contents",
                    path.display()
                ))
            })?,
    };
    let name = name
        .to_str()
        .ok_or_else(|| Error::Invalid(format!("{}: the name is not UTF-8", path.display())))?;
    record_name(name, &path.display().to_string())?;
    Ok(name.to_owned())
}

/// Lists what to send, depth first, names sorted, skipping excluded entries.
fn plan_upload(
    local_src: &Path,
    contents_only: bool,
    exclude: &[String],
) -> Result<Vec<Step>, Error> {
    let metadata =
        std::fs::metadata(local_src).map_err(Error::io(format!("read {}", local_src.display())))?;
    if !metadata.is_dir() {
        return Err(Error::Invalid(format!(
            "{} is not a directory; use upload for a single file",
            local_src.display()
        )));
    }
    let mut steps = Vec::new();
    if !contents_only {
        steps.push(Step::Dir {
            name: local_name(local_src)?,
            mode: metadata.permissions().mode() & 0o7777,
        });
    }
    walk(local_src, "", exclude, &mut steps)?;
    if !contents_only {
        steps.push(Step::End);
    }
    Ok(steps)
}

fn walk(dir: &Path, prefix: &str, exclude: &[String], steps: &mut Vec<Step>) -> Result<(), Error> {
    let read_error = || Error::io(format!("list {}", dir.display()));
    let mut entries = std::fs::read_dir(dir)
        .map_err(read_error())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error())?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = local_name(&path)?;
        let relative = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if is_excluded(exclude, &relative) {
            debug!(path = %path.display(), "excluded from the upload");
            continue;
        }
        // Symbolic links are followed, as `scp -r` does.
        let metadata =
            std::fs::metadata(&path).map_err(Error::io(format!("read {}", path.display())))?;
        let mode = metadata.permissions().mode() & 0o7777;
        if metadata.is_dir() {
            steps.push(Step::Dir { name, mode });
            walk(&path, &relative, exclude, steps)?;
            steps.push(Step::End);
        } else if metadata.is_file() {
            steps.push(Step::File {
                path,
                name,
                mode,
                size: metadata.len(),
            });
        } else {
            debug!(path = %path.display(), "not a regular file or directory: skipped");
        }
    }
    Ok(())
}

/// After the transfer, either checks the remote command's exit or stops it after a failure.
async fn conclude(scp: RemoteProcess, result: Result<(), Error>) -> Result<(), Error> {
    match result {
        Ok(()) => scp.finish().await,
        Err(error) => {
            scp.abort().await;
            Err(error)
        }
    }
}

async fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .await
        .map_err(Error::io(format!("set the mode of {}", path.display())))
}

/// Where a directory download is, while records arrive.
struct Level {
    local: PathBuf,
    /// Path relative to the copied directory, for exclusion.
    relative: String,
    /// Mode to give the directory when it is complete (so a read-only mode does not get in the
    /// way of filling it); `None` for directories this copy did not create.
    mode: Option<u32>,
    skipped: bool,
}

fn join_relative(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

impl Session {
    /// Writes `size` bytes from `data` to the file `remote_path` with permission bits `mode` (e.g.
    /// `0o644`, applied exactly, not through the remote umask), replacing an existing file. If
    /// `remote_path` is an existing directory, the file goes inside it under the path's last name.
    /// Errors of the remote scp (a missing directory, no permission) come back as
    /// [`Error::Remote`] with scp's message; `data` ending before `size` bytes is [`Error::Io`].
    pub async fn upload<R: AsyncRead + Unpin>(
        &self,
        remote_path: &str,
        mut data: R,
        size: u64,
        mode: u32,
    ) -> Result<(), Error> {
        let name = remote_path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|name| !name.is_empty())
            .ok_or_else(|| Error::Invalid(format!("upload to {remote_path:?}: no file name")))?;
        record_name(name, remote_path)?;
        let operation = format!("upload to {remote_path}");
        let command = format!("scp -pt {}", shell_quote(remote_path));
        let mut scp = self.start_process(&command, operation).await?;
        let result = async {
            scp.read_ack().await?;
            send_file(&mut scp, name, mode, size, &mut data, "the upload's data").await
        }
        .await;
        conclude(scp, result).await
    }

    /// Copies the remote file `remote_path` into `out`; returns its size. A missing file or a
    /// directory is [`Error::Remote`] with scp's message (`No such file or directory`,
    /// `not a regular file`).
    pub async fn download<W: tokio::io::AsyncWrite + Unpin>(
        &self,
        remote_path: &str,
        mut out: W,
    ) -> Result<u64, Error> {
        let operation = format!("download of {remote_path}");
        let command = format!("scp -pf {}", shell_quote(remote_path));
        let mut scp = self.start_process(&command, operation).await?;
        let mut copied = 0;
        let result = async {
            scp.send(vec![0]).await?;
            loop {
                match read_record(&mut scp).await? {
                    Some(Record::Times) => scp.send(vec![0]).await?,
                    Some(Record::File { size, .. }) => {
                        scp.send(vec![0]).await?;
                        scp.copy_to(size, &mut out, "the downloaded data").await?;
                        scp.read_ack().await?;
                        scp.send(vec![0]).await?;
                        copied = size;
                        return Ok(());
                    }
                    Some(Record::Dir { .. }) => {
                        return Err(Error::Invalid(format!(
                            "{remote_path} is a directory; use download_dir"
                        )));
                    }
                    Some(Record::End) => return Err(scp.protocol("`E` before any file")),
                    None => return Err(scp.ended_early().await),
                }
            }
        }
        .await;
        conclude(scp, result).await.map(|()| copied)
    }

    /// Copies the local directory `local_src` to the remote directory `remote_dst` (created with
    /// `mkdir -p` if missing), with the files' and directories' permission bits.
    ///
    /// As in Packer: if `local_src` ends with `/`, its *contents* go into `remote_dst`; otherwise
    /// the directory itself is created inside `remote_dst` (`a/b` → `remote_dst/b/...`).
    /// Symbolic links are followed; other special files are skipped. Entries matching `exclude`
    /// are skipped (see [`is_excluded`] for the patterns: names or relative paths, with `*` and
    /// `?`).
    pub async fn upload_dir(
        &self,
        remote_dst: &str,
        local_src: &Path,
        exclude: &[String],
    ) -> Result<(), Error> {
        let contents_only = local_src.as_os_str().as_bytes().ends_with(b"/");
        let source = local_src.to_path_buf();
        let patterns = exclude.to_vec();
        let steps =
            tokio::task::spawn_blocking(move || plan_upload(&source, contents_only, &patterns))
                .await
                .map_err(|error| {
                    Error::Invalid(format!("listing {} failed: {error}", local_src.display()))
                })??;
        let operation = format!("upload of {} to {remote_dst}", local_src.display());
        let quoted = shell_quote(remote_dst);
        let command = format!("mkdir -p {quoted} && scp -rpt {quoted}");
        let mut scp = self.start_process(&command, operation).await?;
        let result = async {
            scp.read_ack().await?;
            for step in steps {
                match step {
                    Step::Dir { name, mode } => {
                        scp.send(format!("D{mode:04o} 0 {name}\n")).await?;
                        scp.read_ack().await?;
                    }
                    Step::End => {
                        scp.send(b"E\n".to_vec()).await?;
                        scp.read_ack().await?;
                    }
                    Step::File {
                        path,
                        name,
                        mode,
                        size,
                    } => {
                        let what = path.display().to_string();
                        let mut file = tokio::fs::File::open(&path)
                            .await
                            .map_err(Error::io(format!("open {what}")))?;
                        send_file(&mut scp, &name, mode, size, &mut file, &what).await?;
                    }
                }
            }
            Ok(())
        }
        .await;
        conclude(scp, result).await
    }

    /// Copies the remote directory `remote_src` to the local directory `local_dst` (created if
    /// missing), with the permission bits, following the same rules as [`Session::upload_dir`]:
    /// with a trailing `/` on `remote_src` its contents go into `local_dst`, otherwise the
    /// directory itself is created inside `local_dst`. Entries matching `exclude` (relative to
    /// `remote_src`) are not written (they still cross the network: scp has no filter).
    pub async fn download_dir(
        &self,
        remote_src: &str,
        local_dst: &Path,
        exclude: &[String],
    ) -> Result<(), Error> {
        let contents_only = remote_src.ends_with('/');
        let trimmed = remote_src.trim_end_matches('/');
        let source = if trimmed.is_empty() { "/" } else { trimmed };
        tokio::fs::create_dir_all(local_dst)
            .await
            .map_err(Error::io(format!("create {}", local_dst.display())))?;
        let operation = format!("download of {remote_src} to {}", local_dst.display());
        let command = format!("scp -rpf {}", shell_quote(source));
        let mut scp = self.start_process(&command, operation).await?;
        let result = async {
            let mut stack: Vec<Level> = Vec::new();
            let mut first = true;
            scp.send(vec![0]).await?;
            while let Some(record) = read_record(&mut scp).await? {
                let is_times = record == Record::Times;
                match record {
                    Record::Times => {}
                    Record::Dir { mode, name } => {
                        let level = match stack.last() {
                            None if first && contents_only => Level {
                                local: local_dst.to_path_buf(),
                                relative: String::new(),
                                mode: None,
                                skipped: false,
                            },
                            // The copied directory itself: never excluded, its children are
                            // relative to it.
                            None => Level {
                                local: local_dst.join(&name),
                                relative: String::new(),
                                mode: Some(mode),
                                skipped: false,
                            },
                            Some(parent) => {
                                let relative = join_relative(&parent.relative, &name);
                                Level {
                                    local: parent.local.join(&name),
                                    skipped: parent.skipped || is_excluded(exclude, &relative),
                                    relative,
                                    mode: Some(mode),
                                }
                            }
                        };
                        if !level.skipped && level.mode.is_some() {
                            // Writable until complete; the real mode is set at its `E`.
                            tokio::fs::create_dir_all(&level.local)
                                .await
                                .map_err(Error::io(format!("create {}", level.local.display())))?;
                        }
                        stack.push(level);
                    }
                    Record::End => {
                        let level = stack
                            .pop()
                            .ok_or_else(|| scp.protocol("`E` outside any directory"))?;
                        if let (false, Some(mode)) = (level.skipped, level.mode) {
                            set_mode(&level.local, mode).await?;
                        }
                    }
                    Record::File { mode, size, name } => {
                        let (local, skipped) = match stack.last() {
                            Some(parent) => (
                                parent.local.join(&name),
                                parent.skipped
                                    || is_excluded(
                                        exclude,
                                        &join_relative(&parent.relative, &name),
                                    ),
                            ),
                            None => (local_dst.join(&name), false),
                        };
                        scp.send(vec![0]).await?;
                        if skipped {
                            scp.copy_to(size, &mut tokio::io::sink(), "nowhere").await?;
                        } else {
                            let what = local.display().to_string();
                            let mut file = tokio::fs::File::create(&local)
                                .await
                                .map_err(Error::io(format!("create {what}")))?;
                            scp.copy_to(size, &mut file, &what).await?;
                            drop(file);
                            set_mode(&local, mode).await?;
                        }
                        scp.read_ack().await?;
                    }
                }
                // Times come before the record they belong to.
                first = first && is_times;
                scp.send(vec![0]).await?;
            }
            if !stack.is_empty() {
                return Err(scp.ended_early().await);
            }
            if first {
                return Err(scp.ended_early().await);
            }
            Ok(())
        }
        .await;
        conclude(scp, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_directory_records_parse() {
        assert_eq!(
            parse_record(b'C', "0644 5 hello.txt"),
            Ok(Record::File {
                mode: 0o644,
                size: 5,
                name: "hello.txt".into()
            })
        );
        assert_eq!(
            parse_record(b'C', "0755 0 name with spaces"),
            Ok(Record::File {
                mode: 0o755,
                size: 0,
                name: "name with spaces".into()
            })
        );
        assert_eq!(
            parse_record(b'D', "2750 0 dir"),
            Ok(Record::Dir {
                mode: 0o2750,
                name: "dir".into()
            })
        );
        assert_eq!(parse_record(b'E', ""), Ok(Record::End));
        assert_eq!(parse_record(b'T', "1 0 1 0"), Ok(Record::Times));
    }

    #[test]
    fn bad_and_unsafe_records_are_refused() {
        for (kind, line) in [
            (b'C', "0644 5"),
            (b'C', "0999 5 x"),
            (b'C', "0644 -1 x"),
            (b'C', "0644 5 ../etc/passwd"),
            (b'C', "0644 5 .."),
            (b'D', "0755 0 ."),
            (b'C', "0644 5 "),
            (b'X', "whatever"),
        ] {
            assert!(
                parse_record(kind, line).is_err(),
                "{}{line} was accepted",
                kind as char
            );
        }
    }
}
