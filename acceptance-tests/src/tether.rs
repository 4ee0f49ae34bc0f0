//! Long-running services that cannot outlive the test process that started them.
//!
//! A service is started by a small POSIX shell, the tether, whose stdin is a pipe that only the test
//! process writes to. When the test process goes away by any route (normal exit, panic, SIGKILL) the
//! pipe closes; the tether then stops the service with SIGTERM (SIGKILL after 10 s), runs an optional
//! clean-up command and deletes the service's work directory. Statics are never dropped in Rust, so
//! this is what makes once-per-test-binary services safe. Dropping a [`Tethered`] does the same at once.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// `$1` work dir, `$2` log file, `$3` clean-up command (may be empty), then the service's argv.
/// SIGINT is ignored so that Ctrl-C on the test run still goes through the clean-up path; a
/// background job of a non-interactive shell ignores SIGINT too.
const TETHER: &str = r#"
trap '' INT
work_dir=$1; log=$2; cleanup=$3; shift 3
"$@" </dev/null 2>>"$log" &
service=$!
while read -r _; do :; done
kill -TERM "$service" 2>/dev/null
( sleep 10; kill -KILL "$service" ) </dev/null >/dev/null 2>&1 &
watchdog=$!
wait "$service"
kill "$watchdog" 2>/dev/null
if [ -n "$cleanup" ]; then sh -c "$cleanup" >>"$log" 2>&1; fi
# conmon runs `podman container cleanup` after a container dies, asynchronously: wait (up to 10 s)
# until no conmon or podman process still works inside the directory, or it reappears after rm.
busy() {
  for pid in $(pidof conmon podman 2>/dev/null); do
    grep -qF -- "$work_dir" "/proc/$pid/cmdline" 2>/dev/null && return 0
  done
  return 1
}
waited=0
while busy && [ "$waited" -lt 100 ]; do waited=$((waited + 1)); sleep 0.1; done
rm -rf "$work_dir"
"#;

/// A service process tied to this process's lifetime.
#[derive(Debug)]
pub struct Tethered {
    name: String,
    tether: Child,
    lifeline: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
    work_dir: PathBuf,
    log: PathBuf,
}

impl Tethered {
    /// Starts `program args…` with `envs`, owning `work_dir` (deleted when the service stops).
    /// Its stderr goes to `<work_dir>/<name>.log`; its stdout is kept for [`Tethered::read_line`].
    /// `cleanup` is a shell command run after the service exits, before the directory is deleted.
    pub fn spawn(
        name: &str,
        work_dir: PathBuf,
        program: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
        cleanup: &str,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(&work_dir)?;
        let log = work_dir.join(format!("{name}.log"));
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(TETHER)
            .arg("tether")
            .arg(&work_dir)
            .arg(&log)
            .arg(cleanup)
            .arg(program)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut tether = command.spawn()?;
        Ok(Self {
            name: name.to_owned(),
            lifeline: tether.stdin.take(),
            stdout: tether.stdout.take(),
            tether,
            work_dir,
            log,
        })
    }

    /// The directory the service owns.
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    /// Waits up to `timeout` for the service's first stdout line.
    pub fn read_line(&mut self, timeout: Duration) -> Result<String, String> {
        let stdout = self
            .stdout
            .take()
            .ok_or_else(|| format!("{}: stdout was already read", self.name))?;
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let result = reader.read_line(&mut line).map(|_| line);
            let _receiver_gone = sender.send(result);
            // Keep draining so that a chatty service never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        match receiver.recv_timeout(timeout) {
            Ok(Ok(line)) if !line.is_empty() => Ok(line.trim_end().to_owned()),
            Ok(Ok(_)) => Err(self.failure("exited before printing its address")),
            Ok(Err(error)) => Err(self.failure(&format!("stdout unreadable: {error}"))),
            Err(_) => Err(self.failure(&format!("printed nothing within {timeout:?}"))),
        }
    }

    /// Polls `ready` every 100 ms until it returns true or `timeout` passes.
    pub fn wait_until(
        &mut self,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if ready() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.tether.try_wait() {
                return Err(self.failure(&format!("exited ({status})")));
            }
            thread::sleep(Duration::from_millis(100));
        }
        Err(self.failure(&format!("not ready within {timeout:?}")))
    }

    /// An error message with the tail of the service's log.
    pub fn failure(&self, what: &str) -> String {
        let mut log = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut log);
        }
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "{} {what}; last lines of {}:\n{}",
            self.name,
            self.log.display(),
            tail.join("\n")
        )
    }
}

impl Drop for Tethered {
    fn drop(&mut self) {
        // Closing the lifeline tells the tether to stop the service and clean up.
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match self.tether.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(Duration::from_millis(50)),
            }
        }
        let _ = self.tether.kill();
    }
}
