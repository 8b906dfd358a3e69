//! Test harness: the ksec binary, privilege checks that skip loudly, small helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

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

/// Runs a command and returns its output, panicking with a readable message if it cannot start.
pub fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// True when this process is root (tests needing ptrace of others, cgroups, mounts).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Skips the calling test, loudly, when `cond` is false.
#[macro_export]
macro_rules! require {
    ($cond:expr, $why:expr) => {
        if !$cond {
            eprintln!("SKIPPED {}: {}", module_path!(), $why);
            return;
        }
    };
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

/// Builds a tracee from fixtures/tracees/NAME.c (static, -pthread) once per test run and
/// returns its path.
pub fn tracee(name: &str) -> PathBuf {
    use std::sync::Mutex;
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tracees");
    let bin = dir.join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        std::fs::create_dir_all(&dir).expect("create tracee dir");
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/tracees")
            .join(format!("{name}.c"));
        let out = run(Command::new("gcc")
            .args(["-O1", "-static", "-pthread", "-o"])
            .arg(&bin)
            .arg(&src));
        assert!(out.status.success(), "gcc {name}: {}", text(&out).1);
        built.push(name.to_string());
    }
    bin
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

/// Runs `cmd` with stdout and stderr captured; if it has not ended after `secs` seconds it is
/// killed and the test fails (a hang is a bug, not a slow test).
pub fn run_timeout(cmd: &mut Command, secs: u64) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {secs} s (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().expect("stdout reader"),
        stderr: err_t.join().expect("stderr reader"),
    }
}
