//! Running commands on a real OpenSSH server.
#![allow(clippy::unwrap_used)]

mod common;

use photon_ssh::ExitStatus;

async fn run(session: &photon_ssh::Session, command: &str) -> (ExitStatus, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = session
        .exec(command, tokio::io::empty(), &mut out, &mut err)
        .await
        .unwrap();
    (
        status,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[tokio::test]
async fn stdout_and_stderr_are_separate_and_exit_codes_are_reported() {
    let session = common::session().await;
    let (status, out, err) = run(&session, "echo to-out; echo to-err >&2; exit 0").await;
    assert_eq!(status, ExitStatus::Code(0));
    assert!(status.success());
    assert_eq!(out, "to-out\n");
    assert_eq!(err, "to-err\n");
    for code in [1, 3] {
        let (status, _, _) = run(&session, &format!("exit {code}")).await;
        assert_eq!(status, ExitStatus::Code(code));
        assert!(!status.success());
    }
    let (status, _, err) = run(&session, "no-such-command-anywhere").await;
    assert_eq!(status, ExitStatus::Code(127));
    assert!(err.contains("not found"), "{err}");
    session.close().await;
}

#[tokio::test]
async fn stdin_is_piped_and_ends_with_eof() {
    let session = common::session().await;
    let input: Vec<u8> = (0..1024 * 1024u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut out = Vec::new();
    let status = session
        .exec("wc -c", &input[..], &mut out, tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(status, ExitStatus::Code(0));
    assert_eq!(String::from_utf8(out).unwrap().trim(), "1048576");

    // Both directions at once: cat echoes while we are still sending.
    let mut echoed = Vec::new();
    let status = session
        .exec("cat", &input[..], &mut echoed, tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(status, ExitStatus::Code(0));
    assert!(echoed == input, "cat returned {} bytes", echoed.len());
}

#[tokio::test]
async fn a_command_that_ignores_its_stdin_still_finishes() {
    let session = common::session().await;
    let input = vec![b'x'; 8 * 1024 * 1024];
    let mut out = Vec::new();
    let status = session
        .exec("echo done", &input[..], &mut out, tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(status, ExitStatus::Code(0));
    assert_eq!(out, b"done\n");
}

#[tokio::test]
async fn a_command_killed_by_a_signal_reports_it() {
    let session = common::session().await;
    let (status, _, _) = run(&session, "kill -TERM $$").await;
    assert_eq!(status, ExitStatus::Signal("TERM".into()));
}

#[tokio::test]
async fn many_commands_run_concurrently_on_one_session() {
    let session = common::session().await;
    let dir = tempfile::tempdir().unwrap();
    // Each command registers itself, then waits (10 s at most) until 8 have registered: the
    // first 8 can only finish if they run at the same time. The other 16 queue behind them
    // (OpenSSH allows 10 channels per connection) and pass straight through.
    let script = format!(
        "touch {dir}/$0; n=0; \
         while [ $(ls {dir} | wc -l) -lt 8 ]; do \
           n=$((n+1)); [ $n -gt 200 ] && exit 9; sleep 0.05; \
         done; echo $0",
        dir = dir.path().display()
    );
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let session = session.clone();
            let command = format!("sh -c {} {i}", photon_ssh::shell_quote(&script));
            tokio::spawn(async move {
                let mut out = Vec::new();
                let status = session
                    .exec(&command, tokio::io::empty(), &mut out, tokio::io::sink())
                    .await
                    .unwrap();
                (i, status, String::from_utf8(out).unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (i, status, out) = task.await.unwrap();
        assert_eq!(status, ExitStatus::Code(0), "command {i}");
        assert_eq!(out.trim(), i.to_string());
    }
}
