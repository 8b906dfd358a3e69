//! `ksec trace`'s live output: `--interval` tables that add up to the final one (text and JSON
//! Lines), SIGUSR1's cumulative table while tracing goes on (and a tracee's own SIGUSR1 left to
//! it), strace's `Process N attached` / `detached` lines and `-q`, and `--interval` validation.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::require;
use crate::util::{self, ksec, parse_summary, run, run_timeout, text, tracee, Reaped};

/// The text output split at the live headers (`--- <date> <time> UTC <kind> [<n>] (...) ---`):
/// (kind, seq, getpid calls of the table under it). What precedes the first header is dropped.
fn sections(s: &str) -> Vec<(String, Option<u64>, u64)> {
    let mut out: Vec<(String, Option<u64>, String)> = Vec::new();
    for line in s.lines() {
        if let Some(h) = line
            .strip_prefix("--- ")
            .and_then(|l| l.strip_suffix(" ---"))
        {
            // date, time, "UTC", kind, [seq], "(...)".
            let words: Vec<&str> = h.split_whitespace().collect();
            assert!(words.len() >= 5 && words[2] == "UTC", "header: {line}");
            assert_eq!(words[0].len(), 10, "date in {line}");
            assert_eq!(words[1].len(), 12, "time in {line}");
            let seq = words[4].parse().ok();
            out.push((words[3].to_string(), seq, String::new()));
        } else if let Some((_, _, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out.into_iter()
        .map(|(kind, seq, body)| {
            let tables = parse_summary(&body);
            let getpid = tables
                .first()
                .and_then(|(_, t)| t.get("getpid"))
                .map_or(0, |c| c.0);
            (kind, seq, getpid)
        })
        .collect()
}

/// Both backends: every live-table test runs under each.
const BACKENDS: [&str; 2] = ["ptrace", "ebpf"];

/// ksec with `flags` before the phases tracee, `-o` to a file: its status and the file.
fn traced_to_file(
    backend: &str,
    flags: &[&str],
    n: u64,
    m: u64,
    middle: &str,
) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out");
    let mut cmd = ksec(&["trace", "--backend", backend, "-c", "-e", "trace=getpid"]);
    cmd.args(flags)
        .arg("-o")
        .arg(&file)
        .arg("--")
        .arg(tracee("phases"))
        .args([n.to_string(), m.to_string(), middle.to_string()]);
    let out = run_timeout(&mut cmd, 60);
    let s = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(out.stderr.is_empty(), "{}", text(&out).1);
    (out.status.code(), s)
}

#[test]
fn interval_tables_add_up_to_the_final_table() {
    require!(util::is_root(), "needs root for ptrace and eBPF");
    for backend in BACKENDS {
        interval_tables_add_up(backend);
    }
}

fn interval_tables_add_up(backend: &str) {
    // 300 getpid, 0.7 s asleep, 200 getpid: intervals of 0.2 s.
    let (code, s) = traced_to_file(backend, &["--interval", "0.2"], 300, 200, "700");
    assert_eq!(
        code,
        Some(5),
        "the tracee's status, its own SIGUSR1 handled: {s}"
    );
    let secs = sections(&s);
    let (last, intervals) = secs.split_last().expect("tables");
    assert_eq!(
        (last.0.as_str(), last.1, last.2),
        ("total", None, 500),
        "{s}"
    );
    // Several: a tick during the sleep at least, and the last (partial) interval at the end.
    assert!(intervals.len() >= 2, "{s}");
    for (i, (kind, seq, _)) in intervals.iter().enumerate() {
        assert_eq!(
            (kind.as_str(), *seq),
            ("interval", Some(i as u64 + 1)),
            "{s}"
        );
    }
    let sum: u64 = intervals.iter().map(|(_, _, n)| n).sum();
    assert_eq!(sum, 500, "every call in exactly one interval: {s}");
    // The cumulative final table is strace's own: the same rows as without --interval.
    let (_, plain) = traced_to_file(backend, &[], 300, 200, "0");
    assert!(!plain.lines().any(|l| l.starts_with("--- ")), "{plain}");
    assert_eq!(parse_summary(&plain)[0].1["getpid"], (500, 0), "{plain}");
}

#[test]
fn interval_json_is_one_document_per_line() {
    require!(util::is_root(), "needs root for ptrace and eBPF");
    for backend in BACKENDS {
        interval_json(backend);
    }
}

fn interval_json(backend: &str) {
    let (code, s) = traced_to_file(backend, &["--interval", "0.2", "--json"], 300, 200, "700");
    assert_eq!(code, Some(5), "{s}");
    let docs: Vec<serde_json::Value> = s
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let getpid = |d: &serde_json::Value| -> u64 {
        d["tables"]
            .as_array()
            .and_then(|t| t.first())
            .and_then(|t| t["rows"].as_array())
            .and_then(|rows| rows.iter().find(|r| r["name"] == "getpid"))
            .map_or(0, |r| r["calls"].as_u64().unwrap())
    };
    let (last, intervals) = docs.split_last().expect("documents");
    assert_eq!(last["kind"], "total", "{s}");
    assert_eq!(getpid(last), 500, "{s}");
    assert!(intervals.len() >= 2, "{s}");
    for (i, d) in intervals.iter().enumerate() {
        assert_eq!(d["kind"], "interval", "{s}");
        assert_eq!(d["seq"], i as u64 + 1, "{s}");
        assert_eq!(d["schema"], "ksec-trace-summary/1", "{s}");
        let time = d["time"].as_str().unwrap();
        assert!(time.len() == 24 && time.ends_with('Z'), "{time}");
        assert!(d["seconds"].as_f64().unwrap() > 0.0, "{s}");
    }
    assert_eq!(intervals.iter().map(getpid).sum::<u64>(), 500, "{s}");
}

/// Waits until `file` holds `what`, for at most 20 s.
fn wait_for_text(file: &Path, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = std::fs::read_to_string(file).unwrap_or_default();
        if s.contains(what) || Instant::now() >= deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigusr1_prints_the_cumulative_table_and_tracing_goes_on() {
    require!(util::is_root(), "needs root for ptrace and eBPF");
    for backend in BACKENDS {
        sigusr1_cumulative(backend);
    }
}

fn sigusr1_cumulative(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out");
    let mut cmd = ksec(&[
        "trace",
        "--backend",
        backend,
        "-c",
        "-e",
        "trace=getpid",
        "-o",
    ]);
    cmd.arg(&file)
        .arg("--")
        .arg(tracee("phases"))
        .args(["300", "200", "wait"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut k = Reaped::spawn(&mut cmd);
    assert_eq!(k.read_line(), "half\n");
    // The tracee waits on stdin: its 300 getpid are all counted by now.
    run(Command::new("kill").args(["-USR1", &k.pid_s()]));
    let s = wait_for_text(&file, "total\n");
    let secs = sections(&s);
    assert_eq!(secs, [("cumulative".to_string(), Some(1), 300)], "{s}");
    k.stdin().write_all(b"x").unwrap();
    let out = k.output_timeout(60);
    // ksec goes on and ends with the tracee's status (5: its own SIGUSR1 reached its handler
    // exactly once, and ksec printed no table for it).
    assert_eq!(out.status.code(), Some(5), "{}", text(&out).1);
    let s = std::fs::read_to_string(&file).unwrap();
    let secs = sections(&s);
    assert_eq!(
        secs,
        [
            ("cumulative".to_string(), Some(1), 300),
            ("total".to_string(), None, 500)
        ],
        "{s}"
    );
}

fn tracer_of(tid: u32) -> Option<u32> {
    let s = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("TracerPid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn tids(pid: u32) -> Vec<u32> {
    let mut t: Vec<u32> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    t.sort_unstable();
    t
}

/// ksec attached to `pid` with `flags`, interrupted with SIGINT once every thread is traced:
/// its stderr's `Process` lines.
fn attach_lines(pid: u32, flags: &[&str]) -> Vec<String> {
    // The ptrace backend: TracerPid shows when it holds every thread.
    let mut cmd = ksec(&["trace", "--backend=ptrace", "-c", "-o", "/dev/null"]);
    cmd.args(flags)
        .arg("-p")
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let k = Reaped::spawn(&mut cmd);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !tids(pid).iter().all(|&t| tracer_of(t) == Some(k.id())) {
        assert!(Instant::now() < deadline, "ksec did not attach to {pid}");
        std::thread::sleep(Duration::from_millis(10));
    }
    run(Command::new("kill").args(["-INT", &k.pid_s()]));
    let out = k.output_timeout(60);
    let err = text(&out).1;
    assert!(tids(pid).iter().all(|&t| tracer_of(t) == Some(0)), "{err}");
    err.lines()
        .filter(|l| l.contains("Process"))
        .map(str::to_string)
        .collect()
}

#[test]
fn attach_and_detach_lines_for_pids_and_none_with_q() {
    require!(util::is_root(), "needs root for ptrace");
    let victim = Reaped::spawn(Command::new("sleep").arg("30"));
    let pid = victim.id();
    assert_eq!(
        attach_lines(pid, &[]),
        [
            format!("ksec trace: Process {pid} attached"),
            format!("ksec trace: Process {pid} detached")
        ]
    );
    assert!(attach_lines(pid, &["-q"]).is_empty());

    // -f on a process with two threads: one line for the attach, one per thread detached.
    let mut busy = Command::new(tracee("busy"));
    busy.args(["100000", "threads"]).stdout(Stdio::null());
    let busy = Reaped::spawn(&mut busy);
    let pid = busy.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tids(pid).len() < 2 {
        assert!(Instant::now() < deadline, "busy has no second thread");
        std::thread::sleep(Duration::from_millis(5));
    }
    let t = tids(pid);
    let mut want = vec![format!("ksec trace: Process {pid} attached with 2 threads")];
    let mut lines = attach_lines(pid, &["-f"]);
    lines[1..].sort();
    let mut detached: Vec<String> = t
        .iter()
        .map(|t| format!("ksec trace: Process {t} detached"))
        .collect();
    detached.sort();
    want.extend(detached);
    assert_eq!(lines, want);
}

#[test]
fn followed_children_are_announced_unless_output_goes_to_a_file() {
    require!(util::is_root(), "needs root for ptrace");
    // forker: 3 forks and a vfork. strace -f prints a line for each new task, not for the
    // command it starts, and none with `-o FILE` and a command (which implies -q).
    // The ptrace backend sees each new task; the eBPF backend follows them in the kernel,
    // silently.
    let out = run(ksec(&["trace", "--backend=ptrace", "-f", "-c", "--"]).arg(tracee("forker")));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    let err = text(&out).1;
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("Process")).collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("ksec trace: Process ") && l.ends_with(" attached")),
        "{err}"
    );
    let out = run(ksec(&["trace", "-f", "-c", "-o", "/dev/null", "--"]).arg(tracee("forker")));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    assert!(out.stderr.is_empty(), "{}", text(&out).1);
}

#[test]
fn invalid_intervals_are_usage_errors() {
    let usage = run(ksec(&["trace", "-S", "nosuchkey", "true"]));
    for v in ["0", "-1", "0.0001", "abc", "", "nan", "inf", "1s"] {
        let out = run(ksec(&["trace", "-c", "--interval", v, "true"]));
        assert_eq!(out.status.code(), usage.status.code(), "--interval {v:?}");
        let err = text(&out).1;
        assert!(
            err.starts_with(&format!("ksec trace: invalid --interval '{v}'")),
            "{err}"
        );
        assert!(err.contains("Try 'ksec trace -h'"), "{err}");
    }
}
