//! Datastore files over HTTP (`/folder`) and through the `FileManager`, checked against the
//! simulator's datastore directory on the local disk (vcsim keeps each datastore in a temp dir,
//! its `summary.url`).

use std::path::{Path, PathBuf};

use photon_test_rig::{Vcsim, VcsimOptions};
use vim::datastore::{DatastoreFiles, DatastorePath, TransferError};
use vim::finder::{Finder, Kind};
use vim::{Client, FaultKind};

use super::support::{connect, fault_kind, property};

/// A scratch directory of this test process, removed on drop.
pub(super) struct Scratch(pub(super) PathBuf);

impl Scratch {
    pub(super) fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("photon-vim-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `len` bytes that are not all alike (a simple LCG), so a shifted or truncated copy differs.
pub(super) fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

/// File operations in DC0, and the local directory that backs `LocalDS_0`.
async fn files(client: &Client) -> (DatastoreFiles, PathBuf) {
    let finder = Finder::new(client, None).await.unwrap();
    let datastore = finder.find(Kind::Datastore, "LocalDS_0").await.unwrap();
    let url = property(client, &datastore.moref, "summary.url")
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    let dir = PathBuf::from(url.trim_start_matches("file://"));
    assert!(dir.is_dir(), "datastore dir {dir:?}");
    (DatastoreFiles::new(client, finder.datacenter()), dir)
}

fn assert_progress(calls: &[(u64, u64)], total: u64) {
    assert!(calls.len() > 2, "too few progress calls: {calls:?}");
    assert!(calls.iter().all(|(_, t)| *t == total), "{calls:?}");
    assert!(
        calls.windows(2).all(|w| w[0].0 <= w[1].0),
        "not increasing: {calls:?}"
    );
    assert!(
        calls.windows(2).any(|w| w[0].0 < w[1].0),
        "never increased: {calls:?}"
    );
    assert_eq!(calls.last(), Some(&(total, total)));
}

fn local(dir: &Path, path: &DatastorePath) -> PathBuf {
    dir.join(&path.path)
}

#[tokio::test]
async fn upload_download_exists_and_delete_round_trip_a_large_file() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let (files, ds_dir) = files(&client).await;
    let scratch = Scratch::new("ds-roundtrip");
    let data = pattern(5 * 1024 * 1024 + 123);
    let source = scratch.path("upload.bin");
    std::fs::write(&source, &data).unwrap();
    let path = DatastorePath::parse("[LocalDS_0] dir/file").unwrap();

    assert!(!files.exists(&path).await.unwrap());
    let mut calls = Vec::new();
    files
        .upload_file(&path, &source, |sent, total| calls.push((sent, total)))
        .await
        .unwrap();
    assert_progress(&calls, data.len() as u64);
    // What the server stored, read behind its back.
    assert_eq!(std::fs::read(local(&ds_dir, &path)).unwrap(), data);
    assert!(files.exists(&path).await.unwrap());
    let stat = files.stat(&path).await.unwrap().unwrap();
    assert_eq!(stat.size, Some(data.len() as u64));
    // The directory the upload created exists too.
    assert!(
        files
            .exists(&DatastorePath::parse("[LocalDS_0] dir").unwrap())
            .await
            .unwrap()
    );

    let target = scratch.path("download.bin");
    let mut calls = Vec::new();
    let received = files
        .download_file(&path, &target, |got, total| calls.push((got, total)))
        .await
        .unwrap();
    assert_eq!(received, data.len() as u64);
    assert_progress(&calls, data.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), data);

    files.delete(&path).await.unwrap();
    assert!(!local(&ds_dir, &path).exists());
    assert!(!files.exists(&path).await.unwrap());
    assert_eq!(files.stat(&path).await.unwrap(), None);
    let error = files
        .download_file(&path, &scratch.path("gone.bin"), |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, TransferError::NotFound { target } if target == "[LocalDS_0] dir/file"),
        "{error:?}"
    );
    // Deleting it again: the FileManager's fault.
    let error = files.delete(&path).await.unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::FileNotFound { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn odd_file_names_and_byte_uploads_survive_the_url() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let (files, ds_dir) = files(&client).await;
    let scratch = Scratch::new("ds-odd");
    let path = DatastorePath::new("LocalDS_0", "odd dir/a #1 %41 [x]?&y=z.iso");
    let data = b"small payload".to_vec();
    let mut calls = Vec::new();
    files
        .upload_bytes(&path, data.clone(), |sent, total| calls.push((sent, total)))
        .await
        .unwrap();
    assert_eq!(calls.last(), Some(&(13, 13)));
    assert_eq!(std::fs::read(local(&ds_dir, &path)).unwrap(), data);
    assert!(files.exists(&path).await.unwrap());
    let target = scratch.path("odd.bin");
    files
        .download_file(&path, &target, |_, _| {})
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), data);
    // A sibling with a similar name is not found.
    let sibling = DatastorePath::new("LocalDS_0", "odd dir/a #1 %41 [x]");
    assert!(!files.exists(&sibling).await.unwrap());
}

#[tokio::test]
async fn make_directory_creates_it_once() {
    let vcsim = Vcsim::start(VcsimOptions::default()).unwrap();
    let client = connect(&vcsim).await;
    let (files, ds_dir) = files(&client).await;
    let nested = DatastorePath::parse("[LocalDS_0] new/nested/dir").unwrap();
    assert!(!files.exists(&nested).await.unwrap());
    files.make_directory(&nested, true).await.unwrap();
    assert!(local(&ds_dir, &nested).is_dir());
    assert!(files.exists(&nested).await.unwrap());
    let error = files.make_directory(&nested, false).await.unwrap_err();
    assert_eq!(
        fault_kind(&error),
        &FaultKind::Other("FileAlreadyExists".into()),
        "{error:?}"
    );
    // Without parents, a missing parent is refused.
    let orphan = DatastorePath::parse("[LocalDS_0] missing/child").unwrap();
    let error = files.make_directory(&orphan, false).await.unwrap_err();
    assert!(
        matches!(fault_kind(&error), FaultKind::FileNotFound { .. }),
        "{error:?}"
    );
    assert!(!local(&ds_dir, &orphan).exists());
    // Deleting the tree removes it.
    files
        .delete(&DatastorePath::parse("[LocalDS_0] new").unwrap())
        .await
        .unwrap();
    assert!(!ds_dir.join("new").exists());
}

#[tokio::test]
async fn unknown_datastores_and_missing_files_are_clear_errors() {
    let vcsim = Vcsim::shared();
    let client = connect(vcsim).await;
    let (files, _) = files(&client).await;
    let scratch = Scratch::new("ds-errors");

    let error = files
        .upload_bytes(
            &DatastorePath::parse("[NoSuchDS] dir/file").unwrap(),
            b"data".to_vec(),
            |_, _| {},
        )
        .await
        .unwrap_err();
    match &error {
        TransferError::DatastoreNotFound {
            target,
            datastore,
            datacenter,
        } => {
            assert_eq!(target, "[NoSuchDS] dir/file");
            assert_eq!(datastore, "NoSuchDS");
            assert_eq!(datacenter, "/DC0");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("NoSuchDS"), "{error}");

    let missing = DatastorePath::parse("[LocalDS_0] no/such/file.vmdk").unwrap();
    let error = files
        .download_file(&missing, &scratch.path("x"), |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(error, TransferError::NotFound { .. }), "{error:?}");
    assert!(
        error.to_string().contains("[LocalDS_0] no/such/file.vmdk"),
        "{error}"
    );
    assert!(!files.exists(&missing).await.unwrap());

    // A local file that does not exist fails before anything is sent.
    let error = files
        .upload_file(&missing, &scratch.path("absent"), |_, _| {})
        .await
        .unwrap_err();
    assert!(matches!(error, TransferError::Local { .. }), "{error:?}");

    // `..` never reaches the server.
    let error = files
        .exists(&DatastorePath::new("LocalDS_0", "a/../../etc/passwd"))
        .await
        .unwrap_err();
    assert!(matches!(error, TransferError::InvalidPath(_)), "{error:?}");
}
