//! Copying files and directories with scp to and from a real OpenSSH server on this machine, so
//! every remote path is also a local path checked with std::fs.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use photon_ssh::Error;

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift64: incompressible enough to catch offsets and truncation.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn a_5_mib_file_round_trips_with_its_mode() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    let data = pseudo_random(5 * 1024 * 1024, 42);
    let remote = dir.path().join("it's a file.bin");
    session
        .upload(path_str(&remote), &data[..], data.len() as u64, 0o640)
        .await
        .unwrap();
    assert!(
        std::fs::read(&remote).unwrap() == data,
        "uploaded bytes differ"
    );
    assert_eq!(mode_of(&remote), 0o640);

    let mut downloaded = Vec::new();
    let size = session
        .download(path_str(&remote), &mut downloaded)
        .await
        .unwrap();
    assert_eq!(size, data.len() as u64);
    assert!(downloaded == data, "downloaded bytes differ");

    // Uploading again replaces the content and applies the new mode exactly (no umask).
    session
        .upload(path_str(&remote), &b"short"[..], 5, 0o777)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&remote).unwrap(), b"short");
    assert_eq!(mode_of(&remote), 0o777);
}

#[tokio::test]
async fn empty_files_copy_both_ways() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("empty");
    session
        .upload(path_str(&remote), tokio::io::empty(), 0, 0o600)
        .await
        .unwrap();
    assert_eq!(std::fs::metadata(&remote).unwrap().len(), 0);
    assert_eq!(mode_of(&remote), 0o600);
    let mut out = vec![1u8];
    out.clear();
    assert_eq!(
        session.download(path_str(&remote), &mut out).await.unwrap(),
        0
    );
    assert!(out.is_empty());
}

#[tokio::test]
async fn uploading_into_a_missing_directory_reports_scps_message() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("missing/dir/file");
    let error = session
        .upload(path_str(&remote), &b"data"[..], 4, 0o644)
        .await
        .unwrap_err();
    match &error {
        Error::Remote { message, .. } => {
            assert!(message.contains("No such file or directory"), "{error}")
        }
        other => panic!("expected Error::Remote, got {other:?}"),
    }
    assert!(error.to_string().contains(path_str(&remote)), "{error}");
    // The session is still usable afterwards.
    let mut out = Vec::new();
    session
        .exec("echo ok", tokio::io::empty(), &mut out, tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(out, b"ok\n");
}

#[tokio::test]
async fn data_shorter_than_the_announced_size_is_an_io_error() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("short");
    let error = session
        .upload(path_str(&remote), &b"abc"[..], 10, 0o644)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("3 of 10 bytes"), "{error}");
}

#[tokio::test]
async fn downloading_a_missing_file_or_a_directory_fails_clearly() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let error = session
        .download(path_str(&missing), Vec::new())
        .await
        .unwrap_err();
    match &error {
        Error::Remote { message, .. } => {
            assert!(message.contains("No such file or directory"), "{error}")
        }
        other => panic!("expected Error::Remote, got {other:?}"),
    }
    let error = session
        .download(path_str(dir.path()), Vec::new())
        .await
        .unwrap_err();
    // scp -f (without -r) refuses directories itself.
    assert!(
        matches!(&error, Error::Remote { message, .. } if message.contains("not a regular file")),
        "{error:?}"
    );
}

/// src/{a.txt (0644), run.sh (0755), skip.log, sub/{b.txt (0600), deeper/c.txt, cache/x}}
fn make_tree(root: &Path) {
    let write = |relative: &str, content: &[u8], mode: u32| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    write("a.txt", b"alpha", 0o644);
    write("run.sh", b"#!/bin/sh\necho hi\n", 0o755);
    write("skip.log", b"log", 0o644);
    write("sub/b.txt", &pseudo_random(100_000, 7), 0o600);
    write("sub/deeper/c.txt", b"", 0o644);
    write("sub/cache/x", b"x", 0o644);
    std::fs::set_permissions(root.join("sub"), std::fs::Permissions::from_mode(0o750)).unwrap();
}

/// Checks the tree made by [`make_tree`] at `root`, without the excluded entries.
fn check_tree(source: &Path, root: &Path) {
    for relative in ["a.txt", "run.sh", "sub/b.txt", "sub/deeper/c.txt"] {
        let (original, copy) = (source.join(relative), root.join(relative));
        assert!(
            std::fs::read(&original).unwrap() == std::fs::read(&copy).unwrap(),
            "{relative} differs"
        );
        assert_eq!(mode_of(&copy), mode_of(&original), "mode of {relative}");
    }
    assert_eq!(mode_of(&root.join("sub")), 0o750);
    assert!(!root.join("skip.log").exists(), "*.log was not excluded");
    assert!(!root.join("sub/cache").exists(), "cache was not excluded");
}

fn exclude() -> Vec<String> {
    vec!["*.log".into(), "sub/cache".into()]
}

#[tokio::test]
async fn upload_dir_follows_the_trailing_slash_rule() {
    let session = common::session().await;
    let local = tempfile::tempdir().unwrap();
    let source = local.path().join("src");
    make_tree(&source);
    let remote = tempfile::tempdir().unwrap();

    // Without a trailing slash the directory itself lands inside the destination.
    let into = remote.path().join("with-dir");
    session
        .upload_dir(path_str(&into), &source, &exclude())
        .await
        .unwrap();
    check_tree(&source, &into.join("src"));
    assert_eq!(std::fs::read_dir(&into).unwrap().count(), 1);

    // With one, the contents go straight into the (missing, so created) destination.
    let contents = remote.path().join("contents/nested");
    let with_slash = format!("{}/", source.display());
    session
        .upload_dir(path_str(&contents), Path::new(&with_slash), &exclude())
        .await
        .unwrap();
    check_tree(&source, &contents);
    assert!(!contents.join("src").exists());
}

#[tokio::test]
async fn download_dir_follows_the_trailing_slash_rule() {
    let session = common::session().await;
    let remote = tempfile::tempdir().unwrap();
    let source = remote.path().join("src");
    make_tree(&source);
    let local = tempfile::tempdir().unwrap();

    let into = local.path().join("with-dir");
    session
        .download_dir(path_str(&source), &into, &exclude())
        .await
        .unwrap();
    check_tree(&source, &into.join("src"));
    assert_eq!(std::fs::read_dir(&into).unwrap().count(), 1);

    let contents = local.path().join("contents");
    session
        .download_dir(&format!("{}/", source.display()), &contents, &exclude())
        .await
        .unwrap();
    check_tree(&source, &contents);
    assert!(!contents.join("src").exists());

    let error = session
        .download_dir(path_str(&remote.path().join("missing")), &contents, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Remote { message, .. } if message.contains("No such file")),
        "{error:?}"
    );
}

#[tokio::test]
async fn upload_dir_of_a_file_or_missing_directory_is_refused_before_connecting_scp() {
    let session = common::session().await;
    let local = tempfile::tempdir().unwrap();
    let file = local.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let error = session.upload_dir("/tmp", &file, &[]).await.unwrap_err();
    assert!(error.to_string().contains("is not a directory"), "{error}");
    let error = session
        .upload_dir("/tmp", &local.path().join("missing"), &[])
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("missing"), "{error}");
}
