//! Test harness shared by every test module: the ksec binary, runs that end within a timeout,
//! one kill-on-drop guard for the processes a test starts ([`Reaped`]), one C builder for the
//! fixtures ([`build_c`]), skips that name the test and say why (`require!`), and the strace
//! summary parser.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Skips the calling test, loudly, when `cond` is false: prints `SKIPPED <module::test>: <why>`
/// on stderr and returns. `why` is anything `Display` (a `&str` or a `format!`).
///
/// Exported at the crate root (`use crate::require;`) so that every module of the one test
/// binary reaches the same macro by the same path.
#[macro_export]
macro_rules! require {
    ($cond:expr, $why:expr) => {
        if !$cond {
            $crate::util::skipped($why);
            return;
        }
    };
}

/// The running test's name as libtest gives it (`module::test`): libtest runs each test on a
/// thread named after it.
pub fn test_name() -> String {
    match std::thread::current().name() {
        Some(n) if n != "main" => n.to_string(),
        _ => "<a test on an unnamed thread>".to_string(),
    }
}

/// Says on stderr that the running test is skipped and why (what `require!` prints).
pub fn skipped(why: impl Display) {
    say_uncaptured(&format!("SKIPPED {}: {why}\n", test_name()));
}

/// Says on stderr that part of the running test is skipped and why; the test goes on.
pub fn skipped_in_part(why: impl Display) {
    say_uncaptured(&format!("SKIPPED (in part) {}: {why}\n", test_name()));
}

/// Writes to the real stderr: libtest captures `eprintln!` of passing tests, and a skip must be
/// seen in a normal `cargo test` run (writes through `std::io::stderr()` are not captured).
fn say_uncaptured(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Every process a test waits for must end within this many seconds, unless the test gives a
/// bound of its own; a process that does not is killed and the test fails.
pub const TIMEOUT: u64 = 120;

/// Path of the ksec binary under test.
pub fn ksec_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ksec"))
}

/// A `Command` for ksec with `args`.
pub fn ksec(args: &[&str]) -> Command {
    let mut c = Command::new(ksec_bin());
    c.args(args);
    c
}

/// [`run_timeout`] with [`TIMEOUT`], for an owned or borrowed `Command`.
pub fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    run_timeout(cmd.borrow_mut(), TIMEOUT)
}

/// Runs `cmd` with stdin on /dev/null and stdout and stderr captured; if it has not ended after
/// `secs` seconds it is killed and the test fails (a hang is a bug, not a slow test).
pub fn run_timeout(cmd: &mut Command, secs: u64) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Reaped::spawn(cmd).output_timeout(secs)
}

/// A process the test started, killed (SIGKILL, which also ends a stopped process) and reaped
/// when dropped, however the test ends: no test leaves a zombie, a stopped or a running process
/// behind. Waits and reads on it are bounded.
pub struct Reaped {
    child: Child,
    /// The command, for messages.
    what: String,
    /// Chunks of stdout from a reader thread, once [`Reaped::read_line`] or
    /// [`Reaped::output_timeout`] started one.
    stdout: Option<Receiver<Vec<u8>>>,
    /// Stdout received but not yet returned by [`Reaped::read_line`].
    buf: Vec<u8>,
}

impl Reaped {
    /// Starts `cmd` (its stdio as the caller set it), panicking with a readable message if it
    /// cannot start.
    pub fn spawn(cmd: &mut Command) -> Self {
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Self::adopt(child, format!("{cmd:?}"))
    }

    /// Guards a child started elsewhere; `what` names it in messages.
    pub fn adopt(child: Child, what: impl Display) -> Self {
        Self {
            child,
            what: what.to_string(),
            stdout: None,
            buf: Vec::new(),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn pid_s(&self) -> String {
        self.child.id().to_string()
    }

    /// The child's stdin (set to `Stdio::piped()`).
    pub fn stdin(&mut self) -> &mut ChildStdin {
        self.child.stdin.as_mut().expect("stdin is piped")
    }

    /// Takes the child's stdin (closing it is then up to the caller).
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().expect("stdin is piped")
    }

    /// Takes the child's stdout, for a caller that reads it itself.
    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.stdout.take().expect("stdout is piped")
    }

    /// The next line the child writes on stdout (set to `Stdio::piped()`), with its `\n`; what
    /// is left (maybe "") at end of file. Fails the test if no line comes within [`TIMEOUT`].
    pub fn read_line(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(TIMEOUT);
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return String::from_utf8_lossy(&line).into_owned();
            }
            let rx = self.stdout_chunks();
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) => self.buf.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Disconnected) => {
                    let rest = std::mem::take(&mut self.buf);
                    return String::from_utf8_lossy(&rest).into_owned();
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} wrote no line within {TIMEOUT} s (so far: {:?})",
                    self.what,
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
    }

    /// The stdout reader, started on first use.
    fn stdout_chunks(&mut self) -> &Receiver<Vec<u8>> {
        if self.stdout.is_none() {
            let pipe = self.child.stdout.take().expect("stdout is piped");
            self.stdout = Some(reader(pipe));
        }
        self.stdout.as_ref().unwrap()
    }

    /// The exit status, if the child has ended (and is now reaped).
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        match self.child.try_wait() {
            Ok(status) => status,
            // Not a second panic while unwinding (that aborts): the caller's wait gives up.
            Err(e) if std::thread::panicking() => {
                eprintln!("warning: wait for {}: {e}", self.what);
                None
            }
            Err(e) => panic!("wait for {}: {e}", self.what),
        }
    }

    /// Waits up to `secs` seconds for the child to end: its status, or `None` if it is still
    /// running (it is left running).
    pub fn wait_within(&mut self, secs: u64) -> Option<ExitStatus> {
        self.wait_until(Instant::now() + Duration::from_secs(secs))
    }

    fn wait_until(&mut self, deadline: Instant) -> Option<ExitStatus> {
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Waits for the child to end; if it has not after `secs` seconds it is killed and the test
    /// fails.
    pub fn wait_timeout(&mut self, secs: u64) -> ExitStatus {
        match self.wait_within(secs) {
            Some(status) => status,
            None => {
                self.kill();
                panic!("{} did not finish within {secs} s (killed)", self.what)
            }
        }
    }

    /// Kills the child (SIGKILL) and reaps it, waiting up to 10 s; says so on stderr if it could
    /// not be reaped (traced by a process that does not let go, or in uninterruptible sleep).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        if self
            .wait_until(Instant::now() + Duration::from_secs(10))
            .is_none()
        {
            eprintln!(
                "warning: {} (pid {}) not reaped 10 s after SIGKILL",
                self.what,
                self.id()
            );
        }
    }

    /// The child's status and whatever it wrote on its piped stdout and stderr (empty for those
    /// not piped), as `Child::wait_with_output`; if it has not ended after `secs` seconds, or its
    /// pipes stay open that long after it ended (a process it started holds them), it is killed
    /// and the test fails.
    pub fn output_timeout(mut self, secs: u64) -> Output {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let out_rx = if self.stdout.is_some() || self.child.stdout.is_some() {
            self.stdout_chunks();
            self.stdout.take()
        } else {
            None
        };
        let err_rx = self.child.stderr.take().map(reader);
        let Some(status) = self.wait_until(deadline) else {
            self.kill();
            let stderr = err_rx
                .map(|rx| drain(&rx, Instant::now() + Duration::from_secs(2)).0)
                .unwrap_or_default();
            panic!(
                "{} did not finish within {secs} s (killed); stderr:\n{}",
                self.what,
                String::from_utf8_lossy(&stderr)
            );
        };
        let mut stdout = std::mem::take(&mut self.buf);
        let mut stderr = Vec::new();
        for (rx, into) in [(out_rx, &mut stdout), (err_rx, &mut stderr)] {
            if let Some(rx) = rx {
                let (bytes, complete) = drain(&rx, deadline);
                into.extend_from_slice(&bytes);
                assert!(
                    complete,
                    "{} ended ({status}) but its output stayed open for {secs} s: a process it \
                     started holds it",
                    self.what
                );
            }
        }
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        // A child already reaped is not signalled again (std keeps its status), so a reused
        // pid is never hit.
        self.kill();
    }
}

/// A thread reading `pipe` to its end, sending what it reads in chunks.
fn reader(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut chunk = vec![0u8; 64 << 10];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.send(chunk[..n].to_vec()).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    });
    rx
}

/// What a [`reader`] sends until its pipe ends (`true`) or `deadline` passes (`false`).
fn drain(rx: &Receiver<Vec<u8>>, deadline: Instant) -> (Vec<u8>, bool) {
    let mut all = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(chunk) => all.extend_from_slice(&chunk),
            Err(RecvTimeoutError::Disconnected) => return (all, true),
            Err(RecvTimeoutError::Timeout) => return (all, false),
        }
    }
}

/// True when this process is root (tests needing ptrace of others, cgroups, mounts).
/// Runs `python -c code`, which must succeed; returns its pid and the numbers it printed.
pub fn python_numbers(python: impl AsRef<std::ffi::OsStr>, code: &str) -> (i32, Vec<i64>) {
    let child = Command::new(python)
        .args(["-c", code])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    let pid = child.id() as i32;
    let out = child.wait_with_output().expect("wait python3");
    assert!(out.status.success(), "{out:?}");
    let n = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|s| s.parse().expect("a number"))
        .collect();
    (pid, n)
}

/// Now, in ns since the epoch (to compare with event times).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Where a program is on PATH, if anywhere.
pub fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(prog))
            .find(|f| f.is_file())
    })
}

/// Utf-8 lossy stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Compiles fixtures/SRC (a C file, e.g. `tracees/busy.c`) with `gcc FLAGS -o BIN SRC` once per
/// run of the test binary and returns BIN, CARGO_TARGET_TMPDIR/<SRC without `.c`>. gcc writes
/// a temporary name that is then renamed into place, so a binary another test run is executing
/// is never rewritten under it (ETXTBSY) nor seen half-written.
///
/// # Panics
/// If gcc cannot run or fails: the message names the source and holds gcc's stderr.
pub fn build_c(src: &str, flags: &[&str]) -> PathBuf {
    use std::sync::Mutex;
    static BUILT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(src);
    let bin = Path::new(env!("CARGO_TARGET_TMPDIR")).join(Path::new(src).with_extension(""));
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.contains(&bin) {
        let dir = bin.parent().expect("a file under CARGO_TARGET_TMPDIR");
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let tmp = bin.with_extension(format!("tmp{}", std::process::id()));
        let out = run_timeout(
            Command::new("gcc")
                .args(flags)
                .arg("-o")
                .arg(&tmp)
                .arg(&source),
            300,
        );
        assert!(
            out.status.success(),
            "gcc {} failed to build {}: {}",
            flags.join(" "),
            source.display(),
            text(&out).1
        );
        std::fs::rename(&tmp, &bin)
            .unwrap_or_else(|e| panic!("rename {} to {}: {e}", tmp.display(), bin.display()));
        built.push(bin.clone());
    }
    bin
}

/// A tracee from fixtures/tracees/NAME.c (static, -pthread), built once per test run.
pub fn tracee(name: &str) -> PathBuf {
    build_c(
        &format!("tracees/{name}.c"),
        &["-O1", "-static", "-pthread"],
    )
}

/// One table of an strace-layout summary: syscall name -> (calls, errors).
pub type Table = std::collections::BTreeMap<String, (u64, u64)>;

/// Parses strace -c output in the default column layout into (heading, table) pairs; the
/// native table has heading "". Rows without an errors value count 0 errors.
pub fn parse_summary(s: &str) -> Vec<(String, Table)> {
    let mut tables = Vec::new();
    let mut heading = String::new();
    let mut current: Option<Table> = None;
    let mut seps = 0;
    for line in s.lines() {
        if line.starts_with("System call usage summary") {
            heading = line.to_string();
            continue;
        }
        if line.starts_with("% time") {
            current = Some(Table::new());
            seps = 0;
            continue;
        }
        if line.starts_with("------") {
            seps += 1;
            if seps == 2 {
                tables.push((
                    std::mem::take(&mut heading),
                    current.take().unwrap_or_default(),
                ));
            }
            continue;
        }
        if let (Some(t), 1) = (current.as_mut(), seps) {
            let tok: Vec<&str> = line.split_whitespace().collect();
            let name = tok.last().expect("row has a name").to_string();
            let (calls, errors) = match tok.len() {
                6 => (tok[3].parse().unwrap(), tok[4].parse().unwrap()),
                5 => (tok[3].parse().unwrap(), 0),
                _ => panic!("unexpected row: {line:?}"),
            };
            t.insert(name, (calls, errors));
        }
    }
    tables
}

/// The native table of a summary (empty if none).
pub fn native(s: &str) -> Table {
    parse_summary(s)
        .into_iter()
        .find(|(h, _)| h.is_empty())
        .map(|(_, t)| t)
        .unwrap_or_default()
}

/// `prog` under `prlimit --as=AS_BYTES` (an address-space limit, so a run that would read
/// something whole fails instead of growing), for the memory bounds the tests assert.
pub fn limited(as_bytes: u64, prog: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(format!("--as={as_bytes}")).arg("--").arg(prog);
    c
}

// ---------------------------------------------------------------------------------------------
// the harness's own guarantees

/// The state letter of `/proc/PID/stat`, if the process exists.
fn state_of(pid: u32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s[s.rfind(')')? + 2..].chars().next()
}

#[test]
fn a_run_that_hangs_is_killed_and_fails_the_test() {
    let err = std::panic::catch_unwind(|| run_timeout(Command::new("sleep").arg("30"), 1))
        .expect_err("a 30 s sleep ends within 1 s");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("did not finish within 1 s (killed)"), "{msg}");
}

#[test]
fn a_dropped_child_is_killed_and_reaped_even_when_stopped() {
    for stop in [false, true] {
        let child = Reaped::spawn(Command::new("sleep").arg("30"));
        let pid = child.id();
        if stop {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGSTOP,
            )
            .unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while state_of(pid) != Some('T') && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert_eq!(state_of(pid), Some('T'), "pid {pid} stopped");
        }
        drop(child);
        assert_eq!(
            state_of(pid),
            None,
            "pid {pid} left behind (stopped: {stop})"
        );
    }
}

#[test]
fn lines_and_output_are_read_within_bounds() {
    let mut child = Reaped::spawn(
        Command::new("sh")
            .args([
                "-c",
                "printf 'one\\ntwo\\nthr'; printf 'ee\\nrest' >&2; exit 3",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    assert_eq!(child.read_line(), "one\n");
    // What read_line received past its line is not lost.
    let out = child.output_timeout(TIMEOUT);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout, b"two\nthr");
    assert_eq!(out.stderr, b"ee\nrest");
    let mut child = Reaped::spawn(Command::new("printf").arg("a\\nb").stdout(Stdio::piped()));
    assert_eq!(child.read_line(), "a\n");
    assert_eq!(child.read_line(), "b", "the rest at end of file");
    assert_eq!(child.read_line(), "");
}

/// Real containers (podman with runc, an image imported from a busybox root), as
/// ../shared/docs/containers.md sets them up: what a node runs, for tests of `--container`.
pub mod podman {
    use std::path::PathBuf;
    use std::process::Command;
    use std::sync::OnceLock;

    /// The image every test container runs.
    pub const IMAGE: &str = "localhost/ksec-test-bb:1";

    /// Why podman cannot run here, or None when it can (podman, runc and a static busybox).
    pub fn unavailable() -> Option<String> {
        for prog in ["podman", "runc"] {
            if super::which(prog).is_none() && !std::path::Path::new("/usr/sbin/runc").exists() {
                return Some(format!("{prog} is not installed"));
            }
        }
        if busybox().is_none() {
            return Some("busybox (static) is not installed".to_string());
        }
        match image() {
            Ok(()) => None,
            Err(e) => Some(e.clone()),
        }
    }

    fn busybox() -> Option<PathBuf> {
        ["/usr/bin/busybox", "/bin/busybox"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
    }

    fn conf() -> PathBuf {
        static PATH: OnceLock<PathBuf> = OnceLock::new();
        PATH.get_or_init(|| {
            // crun refuses hybrid cgroups and raising rlimits here: runc, no default ulimits.
            // Written once per run, by rename: a podman reading a half-written file would
            // take its default ulimits, which runc cannot set here.
            let p = std::env::temp_dir().join("ksec-test-containers.conf");
            let tmp = p.with_extension(format!("conf.{}", std::process::id()));
            let _ = std::fs::write(&tmp, "[containers]\ndefault_ulimits = []\n");
            let _ = std::fs::rename(&tmp, &p);
            p
        })
        .clone()
    }

    /// `podman --runtime runc ARGS` with the test configuration.
    pub fn podman(args: &[&str]) -> Command {
        let mut c = Command::new("podman");
        c.env("CONTAINERS_CONF", conf());
        let runc = super::which("runc").unwrap_or_else(|| PathBuf::from("/usr/sbin/runc"));
        c.arg("--runtime").arg(runc).args(args);
        c
    }

    /// Imports the busybox image once per test run.
    fn image() -> &'static Result<(), String> {
        static DONE: OnceLock<Result<(), String>> = OnceLock::new();
        DONE.get_or_init(|| {
            if super::run(podman(&["image", "exists", IMAGE]))
                .status
                .success()
            {
                return Ok(());
            }
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let root = dir.path().join("root");
            for d in ["bin", "etc", "tmp"] {
                std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
            }
            let bb = busybox().ok_or("no busybox")?;
            std::fs::copy(&bb, root.join("bin/busybox")).map_err(|e| e.to_string())?;
            for a in ["sh", "ls", "cat", "sleep", "touch", "echo", "id"] {
                std::os::unix::fs::symlink("busybox", root.join("bin").join(a))
                    .map_err(|e| e.to_string())?;
            }
            std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")
                .map_err(|e| e.to_string())?;
            let tar = dir.path().join("bb.tar");
            let out = super::run(
                Command::new("tar")
                    .arg("-C")
                    .arg(&root)
                    .arg("-cf")
                    .arg(&tar)
                    .arg("."),
            );
            if !out.status.success() {
                return Err(format!("tar: {}", super::text(&out).1));
            }
            let out = super::run(podman(&["import"]).arg(&tar).arg(IMAGE));
            if !out.status.success() {
                return Err(format!("podman import: {}", super::text(&out).1));
            }
            Ok(())
        })
    }

    /// A running container, removed (`podman rm -f`) when dropped.
    pub struct Container {
        pub name: String,
        pub id: String,
        /// Its first process, as the host sees it.
        pub pid: i32,
    }

    impl Container {
        /// `podman run -d --name NAME IMAGE ARGV...`.
        ///
        /// # Panics
        /// podman fails (call [`unavailable`] first).
        pub fn run(name: &str, argv: &[&str]) -> Container {
            Container::run_with(name, &[], argv)
        }

        /// `podman run -d --name NAME OPTIONS... IMAGE ARGV...`.
        ///
        /// # Panics
        /// podman fails (call [`unavailable`] first).
        pub fn run_with(name: &str, options: &[&str], argv: &[&str]) -> Container {
            let _ = super::run(podman(&["rm", "-f", name]));
            let out = super::run(
                podman(&["run", "-d", "--name", name])
                    .args(options)
                    .arg(IMAGE)
                    .args(argv),
            );
            assert!(out.status.success(), "podman run: {}", super::text(&out).1);
            let out = super::run(podman(&["inspect", "-f", "{{.State.Pid}} {{.Id}}", name]));
            let s = super::text(&out).0;
            let mut w = s.split_whitespace();
            let pid = w
                .next()
                .and_then(|p| p.parse().ok())
                .expect("container pid");
            let id = w.next().expect("container id").to_string();
            Container {
                name: name.to_string(),
                id,
                pid,
            }
        }

        /// `podman exec NAME ARGV...`, waited for.
        pub fn exec(&self, argv: &[&str]) -> std::process::Output {
            super::run_timeout(podman(&["exec", &self.name]).args(argv), 60)
        }
    }

    impl Drop for Container {
        fn drop(&mut self) {
            let _ = super::run(podman(&["rm", "-f", "-t", "0", &self.name]));
        }
    }
}

/// Runs `ksec trace --backend BACKEND FLAGS -o FILE -- PROG ARGS` (stdout to /dev/null): its
/// output and the summary it wrote (empty when it wrote none).
pub fn trace_to_file(
    backend: &str,
    flags: &[&str],
    prog: &Path,
    args: &[&str],
) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let mut cmd = ksec(&["trace", "--backend", backend]);
    cmd.args(flags)
        .arg("-o")
        .arg(&out_file)
        .arg("--")
        .arg(prog)
        .args(args)
        .stdout(Stdio::null());
    let out = run_timeout(&mut cmd, 60);
    let summary = std::fs::read_to_string(&out_file).unwrap_or_default();
    (out, summary)
}

/// Per-call lines of ksec and strace side by side: both traced into files the same way, and
/// made comparable by normalising what differs by nature between two runs (pids, addresses,
/// times, inode numbers, random bytes, ephemeral ports, how two tasks' lines interleave).
pub mod lines {
    use std::collections::{BTreeMap, HashMap};
    use std::path::Path;
    use std::process::{Command, Output, Stdio};

    use regex::Regex;

    /// One traced run: its output (stderr, status) and the lines written to `-o`.
    pub struct Run {
        pub out: Output,
        pub text: String,
    }

    /// Traces `argv` with `tracer` (`ksec trace` or `strace`) and `flags`, `-o FILE`, stdout
    /// and stdin from /dev/null; FILE's text.
    pub fn run(strace: bool, flags: &[&str], argv: &[&str]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lines");
        let mut cmd = if strace {
            Command::new("strace")
        } else {
            super::ksec(&["trace"])
        };
        cmd.args(flags)
            .arg("-o")
            .arg(&file)
            .arg("--")
            .args(argv)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        let out = super::run_timeout(&mut cmd, 120);
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        Run { out, text }
    }

    /// Both tracers on the same command.
    pub fn both(flags: &[&str], argv: &[&str]) -> (Run, Run) {
        (run(false, flags, argv), run(true, flags, argv))
    }

    /// A prefix's tid and the rest of the line: `1234  open(...`, `[pid  1234] open(...`.
    fn split_prefix(line: &str) -> (Option<&str>, &str) {
        if let Some(rest) = line.strip_prefix("[pid ") {
            if let Some((pid, rest)) = rest.split_once("] ") {
                return (Some(pid.trim()), rest);
            }
        }
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && line[digits..].starts_with(' ') {
            return (Some(&line[..digits]), line[digits..].trim_start());
        }
        (None, line)
    }

    /// Calls whose arguments or return value are pids (futex: pthread_join waits on the
    /// thread id; besides `sched_*`, `pidfd_*`,
    /// `process_vm_*` and `ioprio_*`).
    const PID_CALLS: &[&str] = &[
        "clone",
        "futex",
        "clone3",
        "fork",
        "vfork",
        "getpid",
        "gettid",
        "getppid",
        "set_tid_address",
        "wait4",
        "waitid",
        "kill",
        "tkill",
        "tgkill",
        "rt_sigqueueinfo",
        "rt_tgsigqueueinfo",
        "setpgid",
        "getpgid",
        "getsid",
        "setsid",
        "getpgrp",
        "prlimit64",
        "kcmp",
        "ptrace",
        "get_robust_list",
        "getpriority",
        "setpriority",
        "capget",
        "capset",
        "move_pages",
        "migrate_pages",
        "fcntl",
        "ioctl",
    ];

    /// strace's and ksec's lines made comparable: prefixes dropped, `<unfinished ...>` and
    /// `<... resumed>` halves joined, the padding before ` = ` collapsed to one space, and
    /// pids, addresses, times, inodes, random bytes and ephemeral ports replaced by markers.
    pub fn normalise(text: &str) -> Vec<String> {
        let mut pids: Vec<String> = Vec::new();
        let mut joined: Vec<String> = Vec::new();
        let mut open: HashMap<String, String> = HashMap::new();
        let resumed = Regex::new(r"^<\.\.\. [a-z0-9_]+ resumed>").unwrap();
        let created = Regex::new(
            r"^(clone|clone3|fork|vfork|getpid|gettid|getppid|set_tid_address|wait4)\(.*= (\d+)",
        )
        .unwrap();
        for line in text.lines() {
            let (pid, rest) = split_prefix(line);
            let key = pid.unwrap_or("").to_string();
            if let Some(p) = pid {
                if !pids.iter().any(|x| x == p) {
                    pids.push(p.to_string());
                }
            }
            if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
                open.insert(key, head.to_string());
                continue;
            }
            let whole = match resumed.find(rest) {
                Some(m) => format!(
                    "{}{}",
                    open.remove(&key).unwrap_or_default(),
                    &rest[m.end()..]
                ),
                None => rest.to_string(),
            };
            if let Some(c) = created.captures(&whole) {
                pids.push(c[2].to_string());
            }
            joined.push(whole);
        }
        joined.extend(open.into_values().map(|h| format!("{h} <unfinished ...>")));
        let si_pid = Regex::new(r"si_pid=(\d+)").unwrap();
        for l in &joined {
            for c in si_pid.captures_iter(l) {
                pids.push(c[1].to_string());
            }
        }
        pids.retain(|p| p.len() >= 2);
        pids.sort();
        pids.dedup();
        // Only where a pid stands as a value (a return, an argument, an array element,
        // si_pid=), not inside other fields (a file's st_size may equal a pid of the run).
        // Only in calls that take or return pids: elsewhere a size or a count may equal a pid
        // of the run (`mprotect(0x7f.., 16384, PROT_READ)` with a child of pid 16384).
        let pid_re = (!pids.is_empty())
            .then(|| Regex::new(&format!(r"(= |\(|\[|, )({})\b", pids.join("|"))).unwrap());
        let si_pid_re = (!pids.is_empty())
            .then(|| Regex::new(&format!(r"(si_pid=|in pid )({})\b", pids.join("|"))).unwrap());
        let takes_pids = |l: &str| {
            let name = l.split('(').next().unwrap_or("");
            PID_CALLS.contains(&name)
                || name.starts_with("sched_")
                || name.starts_with("pidfd_")
                || name.starts_with("process_vm_")
                || name.starts_with("ioprio_")
        };
        let subs: Vec<(Regex, &str)> = [
            (r"\) +=", ") ="),
            (r"0x[0-9a-f]{6,}", "0xADDR"),
            (r"tv_sec=\d+, tv_nsec=\d+", "tv_sec=T, tv_nsec=T"),
            (r"tv_sec=\d+, tv_usec=\d+", "tv_sec=T, tv_usec=T"),
            (
                r"(st_[amc]time(_nsec)?|stx_[abcm]time)=[^,}]+(, \{[^}]*\})?",
                "$1=T",
            ),
            (r"(st_ino|d_ino|stx_ino|d_off)=\d+", "$1=N"),
            (
                r"(socket|pipe|UNIX|UNIX-STREAM|UNIX-DGRAM|NETLINK):\[[0-9,>-]+",
                "$1:[INODE",
            ),
            (r"htons\((3[2-9]\d{3}|[4-6]\d{4})\)", "htons(PORT)"),
            (r"(TCP|UDP|TCPv6|UDPv6):\[\d+\]", "$1:[INODE]"),
            (r"(\d|\]):(3[2-9]\d{3}|[4-6]\d{4})\b", "$1:PORT"),
            (r#"getrandom\("[^"]*"(\.\.\.)?"#, "getrandom(\"RANDOM\""),
            (r" <\d+\.\d+>$", " <T>"),
        ]
        .iter()
        .map(|(r, s)| (Regex::new(r).unwrap(), *s))
        .collect();
        joined
            .into_iter()
            .map(|l| {
                let mut l = match &pid_re {
                    Some(re) if takes_pids(&l) => re.replace_all(&l, "${1}PID").into_owned(),
                    _ => l,
                };
                if let Some(re) = &si_pid_re {
                    l = re.replace_all(&l, "${1}PID").into_owned();
                }
                for (re, to) in &subs {
                    l = re.replace_all(&l, *to).into_owned();
                }
                l
            })
            .collect()
    }

    /// How two normalised traces compare: the lines of `theirs` matched by a line of `ours`
    /// (as multisets: the interleaving of tasks may differ), and those that are not.
    pub struct Comparison {
        pub total: usize,
        pub identical: usize,
        /// strace's lines ksec did not print.
        pub missing: Vec<String>,
        /// ksec's lines strace did not print.
        pub extra: Vec<String>,
    }

    impl Comparison {
        pub fn share(&self) -> f64 {
            if self.total == 0 {
                1.0
            } else {
                self.identical as f64 / self.total as f64
            }
        }
    }

    /// Compares normalised lines.
    pub fn compare(ours: &[String], theirs: &[String]) -> Comparison {
        let mut have: BTreeMap<&str, usize> = BTreeMap::new();
        for l in ours {
            *have.entry(l.as_str()).or_default() += 1;
        }
        let mut missing = Vec::new();
        let mut identical = 0;
        for l in theirs {
            match have.get_mut(l.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    identical += 1;
                }
                _ => missing.push(l.clone()),
            }
        }
        let extra = have
            .into_iter()
            .flat_map(|(l, n)| std::iter::repeat_n(l.to_string(), n))
            .collect();
        Comparison {
            total: theirs.len(),
            identical,
            missing,
            extra,
        }
    }

    /// The syscall a normalised line is about (`openat` of `openat(...) = 3`), if it is a call.
    pub fn syscall_of(line: &str) -> Option<&str> {
        let name: &str = line.split('(').next()?;
        (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .then_some(name)
    }

    /// Whether a file exists and is executable, for programs a golden case needs.
    pub fn have(prog: &str) -> bool {
        Path::new(prog).exists() || super::which(prog).is_some()
    }
}
