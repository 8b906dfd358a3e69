//! `ksec trace` against real programs whose syscall counts are known (fixtures/tracees), and
//! side by side with strace where it is installed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::require;
use crate::util::{
    self, ksec, native, parse_summary, run, run_timeout, text, tracee, Reaped, Table, TIMEOUT,
};

/// Runs `ksec trace FLAGS -o FILE -- PROG ARGS` (the default backend) and returns (exit
/// status, summary text).
fn ksec_trace(flags: &[&str], prog: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let (out, summary) = util::trace_to_file("auto", flags, prog, args);
    assert!(
        out.stderr.is_empty() || out.status.code() == Some(7) || out.status.code() == Some(3),
        "ksec stderr: {}",
        text(&out).1
    );
    (out.status, summary)
}

/// Same with strace.
fn strace_trace(flags: &[&str], prog: &Path, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let out = run(Command::new("strace")
        .args(flags)
        .arg("-o")
        .arg(&out_file)
        .arg(prog)
        .args(args)
        .stdout(Stdio::null()));
    assert!(
        out.status.code().is_some(),
        "strace failed: {}",
        text(&out).1
    );
    std::fs::read_to_string(&out_file).unwrap()
}

fn calls(t: &Table, name: &str) -> (u64, u64) {
    t.get(name).copied().unwrap_or((0, 0))
}

fn require_ptrace() -> bool {
    util::is_root()
}

#[test]
fn exact_counts_of_a_known_program() {
    require!(require_ptrace(), "needs root for ptrace");
    let (status, s) = ksec_trace(&["-c"], &tracee("exact"), &[]);
    assert!(status.success());
    let t = native(&s);
    assert_eq!(calls(&t, "getppid"), (100, 0), "{s}");
    assert_eq!(calls(&t, "openat"), (51, 50), "{s}");
    assert_eq!(calls(&t, "write"), (20, 0), "{s}");
    assert_eq!(calls(&t, "close"), (8, 7), "{s}");
    assert_eq!(calls(&t, "execve"), (1, 0), "{s}");
    assert!(
        !t.contains_key("exit_group"),
        "exit_group is never counted: {s}"
    );
}

#[test]
fn wall_clock_mode_counts_the_same() {
    require!(require_ptrace(), "needs root for ptrace");
    let (_, s) = ksec_trace(&["-c", "-w"], &tracee("exact"), &[]);
    let t = native(&s);
    assert_eq!(calls(&t, "getppid"), (100, 0), "{s}");
    assert_eq!(calls(&t, "openat"), (51, 50), "{s}");
}

#[test]
fn follows_forks_and_vforks_only_with_f() {
    require!(require_ptrace(), "needs root for ptrace");
    let (status, s) = ksec_trace(&["-f", "-c"], &tracee("forker"), &[]);
    assert_eq!(status.code(), Some(3), "exit status of the command");
    let t = native(&s);
    assert_eq!(calls(&t, "getppid"), (22, 0), "{s}");
    assert_eq!(calls(&t, "wait4"), (4, 0), "{s}");
    assert_eq!(calls(&t, "vfork"), (1, 0), "{s}");
    let (_, s) = ksec_trace(&["-c"], &tracee("forker"), &[]);
    let t = native(&s);
    assert_eq!(
        calls(&t, "getppid"),
        (2, 0),
        "without -f only the parent: {s}"
    );
}

#[test]
fn follows_threads() {
    require!(require_ptrace(), "needs root for ptrace");
    let (status, s) = ksec_trace(&["-f", "-c"], &tracee("threads"), &[]);
    assert!(status.success());
    let t = native(&s);
    assert_eq!(calls(&t, "getppid"), (41, 0), "{s}");
    assert_eq!(calls(&t, "close"), (12, 12), "{s}");
}

#[test]
fn exec_by_a_non_leader_thread_is_counted_once() {
    require!(require_ptrace(), "needs root for ptrace");
    let (status, s) = ksec_trace(&["-f", "-c"], &tracee("thread_exec"), &[]);
    assert_eq!(status.code(), Some(7));
    let t = native(&s);
    // 1 execve starting the program, 1 by the thread; 3 getppid before, 4 after.
    assert_eq!(calls(&t, "execve"), (2, 0), "{s}");
    assert_eq!(calls(&t, "getppid"), (7, 0), "{s}");
    assert!(
        !t.contains_key("nanosleep"),
        "the leader's sleep never completes: {s}"
    );
}

#[test]
fn int80_calls_get_their_own_32_bit_table() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(cfg!(target_arch = "x86_64"), "x86_64 only");
    let (_, s) = ksec_trace(&["-c"], &tracee("int80"), &[]);
    let tables = parse_summary(&s);
    assert_eq!(tables.len(), 2, "{s}");
    assert_eq!(tables[1].0, "System call usage summary for 32 bit mode:");
    assert_eq!(calls(&tables[1].1, "getpid"), (5, 0), "{s}");
    assert_eq!(calls(&tables[0].1, "getppid"), (2, 0), "{s}");
}

/// Row sets and every calls/errors cell agree with strace on the same binary.
#[test]
fn agrees_with_strace() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(util::which("strace").is_some(), "strace is not installed");
    for (name, flags, args) in [
        ("exact", &["-c"][..], &[][..]),
        ("exact", &["-c", "-w"][..], &[][..]),
        ("forker", &["-f", "-c"][..], &[][..]),
        ("forker", &["-c"][..], &[][..]),
        ("thread_exec", &["-f", "-c"][..], &[][..]),
        ("int80", &["-c"][..], &[][..]),
        ("threads", &["-f", "-c"][..], &[][..]),
    ] {
        let prog = tracee(name);
        let (_, ours) = ksec_trace(flags, &prog, args);
        let theirs = strace_trace(flags, &prog, args);
        let mut a = parse_summary(&ours);
        let mut b = parse_summary(&theirs);
        if name == "threads" {
            // futex calls in pthread_join depend on timing (whether the thread had ended).
            for (_, t) in a.iter_mut().chain(b.iter_mut()) {
                t.remove("futex");
            }
        }
        assert_eq!(a, b, "{name} {flags:?}\nksec:\n{ours}\nstrace:\n{theirs}");
    }
}

#[test]
fn exit_status_and_signal_of_the_command() {
    require!(require_ptrace(), "needs root for ptrace");
    let out = run(ksec(&[
        "trace",
        "-c",
        "-o",
        "/dev/null",
        "--",
        "sh",
        "-c",
        "exit 42",
    ]));
    assert_eq!(out.status.code(), Some(42));
    let out = run(ksec(&[
        "trace",
        "-c",
        "-o",
        "/dev/null",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ]));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(15),
        "ksec dies of the command's signal"
    );
}

#[test]
fn missing_command_is_one_clear_line() {
    let out = run(ksec(&["trace", "-c", "--", "ksec-no-such-command-xyz"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: Can't stat 'ksec-no-such-command-xyz': No such file or directory\n"
    );
}

#[test]
fn bad_pids_are_one_clear_line() {
    let out = run(ksec(&["trace", "-c", "-p", "12x"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: Invalid process id: '12x' (no process named \"12x\")\n"
    );
    let out = run(ksec(&["trace", "-c", "-p", "-5"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out).1, "ksec trace: Invalid process id: '-5'\n");
    let out = run(ksec(&["trace", "-c", "-p", "2147483000"]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "attach errors exit 1, as strace's"
    );
    assert!(
        text(&out).1.contains("pid 2147483000: no such process"),
        "{}",
        text(&out).1
    );
    require!(require_ptrace(), "needs root for the kernel thread check");
    // pid 2 is kthreadd on Linux (unless in a pid namespace).
    if std::fs::read_to_string("/proc/2/comm").is_ok_and(|c| c.trim() == "kthreadd") {
        let out = run(ksec(&["trace", "-c", "-p", "2"]));
        assert_ne!(out.status.code(), Some(0));
        assert!(
            text(&out).1.contains("pid 2 is a kernel thread"),
            "{}",
            text(&out).1
        );
    }
}

#[test]
fn zombie_and_already_traced_are_refused() {
    require!(require_ptrace(), "needs root for ptrace");
    // A zombie: a child of a sleeping shell that never reaps it.
    let mut parent = Reaped::spawn(
        Command::new("python3")
            .args([
                "-c",
                "import os,time,sys\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid,flush=True)\ntime.sleep(30)",
            ])
            .stdout(Stdio::piped()),
    );
    let zombie = parent.read_line().trim().to_string();
    std::thread::sleep(Duration::from_millis(200));
    let out = run(ksec(&["trace", "-c", "-p", &zombie]));
    drop(parent);
    // strace's strace-self expects 1 for a zombie too.
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).1.contains(&format!("pid {zombie} is a zombie")),
        "{}",
        text(&out).1
    );

    // Already traced: a process under strace, refused by ptrace (the eBPF backend counts it:
    // tests/trace_ebpf.rs).
    require!(util::which("strace").is_some(), "strace is not installed");
    let traced = Reaped::spawn(Command::new("strace").args(["-o", "/dev/null", "sleep", "30"]));
    std::thread::sleep(Duration::from_millis(500));
    let sleep_pid = child_of(traced.pid()).expect("sleep under strace");
    let out = run(ksec(&[
        "trace",
        "--backend=ptrace",
        "-c",
        "-p",
        &sleep_pid.to_string(),
    ]));
    drop(traced);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sleep_pid),
        nix::sys::signal::Signal::SIGTERM,
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out).1.contains("already traced by pid"),
        "{}",
        text(&out).1
    );
}

/// The first child process of `pid`.
fn child_of(pid: i32) -> Option<i32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

fn proc_state(pid: u32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let close = s.rfind(')')?;
    s[close + 2..].chars().next()
}

fn affinity(pid: u32) -> String {
    let out = run(Command::new("taskset").arg("-p").arg(pid.to_string()));
    String::from_utf8_lossy(&out.stdout)
        .rsplit(':')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Starts the busy tracee, with its stdout captured.
fn start_busy(iterations: u32, threads: bool) -> Reaped {
    let mut cmd = Command::new(tracee("busy"));
    cmd.arg(iterations.to_string());
    if threads {
        cmd.arg("threads");
    }
    Reaped::spawn(cmd.stdout(Stdio::piped()))
}

/// Checks the busy tracee's own output is complete and in order, and that it exited 0.
fn assert_busy_output(child: Reaped, iterations: u32) {
    let out = child.output_timeout(TIMEOUT);
    assert!(out.status.success(), "busy exited {:?}", out.status);
    let s = String::from_utf8(out.stdout).unwrap();
    let mut expected: String = (0..iterations).map(|i| format!("{i}\n")).collect();
    expected.push_str(&format!("done {iterations}\n"));
    assert!(s == expected, "busy's output is not complete and in order");
}

fn attach_and_interrupt(
    pid: u32,
    flags: &[&str],
    secs: f64,
    sig: &str,
) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let mut cmd = ksec(&["trace"]);
    cmd.args(flags)
        .arg("-o")
        .arg(&out_file)
        .arg("-p")
        .arg(pid.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let tracer = Reaped::spawn(&mut cmd);
    std::thread::sleep(Duration::from_secs_f64(secs));
    let st = proc_state(pid);
    assert!(st.is_some(), "tracee vanished while traced");
    run(Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(tracer.id().to_string()));
    let out = tracer.output_timeout(60);
    (out, std::fs::read_to_string(out_file).unwrap_or_default())
}

#[test]
fn attach_detach_on_sigint_leaves_the_process_running() {
    require!(require_ptrace(), "needs root for ptrace");
    for (threads, sig, flags) in [
        (false, "INT", &["-c"][..]),
        (true, "TERM", &["-f", "-c", "-w"][..]),
        (true, "HUP", &["-f", "-c", "--cpu-placement", "same"][..]),
    ] {
        let child = start_busy(1500, threads);
        let pid = child.id();
        std::thread::sleep(Duration::from_millis(100));
        let before = affinity(pid);
        let (out, summary) = attach_and_interrupt(pid, flags, 0.5, sig);
        use std::os::unix::process::ExitStatusExt;
        let signo = match sig {
            "INT" => 2,
            "TERM" => 15,
            _ => 1,
        };
        assert_eq!(
            out.status.signal(),
            Some(signo),
            "ksec re-raises {sig}: {}",
            text(&out).1
        );
        let t = native(&summary);
        assert!(calls(&t, "write").0 > 10, "{summary}");
        if threads {
            assert!(
                calls(&t, "getppid").0 > 10,
                "-f attaches every thread: {summary}"
            );
        } else {
            assert_eq!(calls(&t, "getppid").0, 0, "{summary}");
        }
        std::thread::sleep(Duration::from_millis(50));
        let st = proc_state(pid).expect("tracee alive after detach");
        assert!(st != 't' && st != 'T', "tracee left stopped: state {st}");
        assert_eq!(affinity(pid), before, "affinity restored after detach");
        assert_busy_output(child, 1500);
    }
}

#[test]
fn sigkill_of_ksec_leaves_tracees_running_and_unpinned() {
    require!(require_ptrace(), "needs root for ptrace");
    let child = start_busy(1500, true);
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(100));
    let before = affinity(pid);
    let (out, _) = attach_and_interrupt(pid, &["-f", "-c", "--cpu-placement", "same"], 0.5, "KILL");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(9));
    // The guardian restores the mask when it sees ksec's pipe close: give it time on a busy
    // machine.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while affinity(pid) != before && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let st = proc_state(pid).expect("tracee alive");
    assert!(st != 't' && st != 'T', "tracee left stopped: state {st}");
    assert_eq!(affinity(pid), before, "the guardian restored the affinity");
    assert_busy_output(child, 1500);
}

#[test]
fn the_tracee_sees_its_own_affinity() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(util::which("nproc").is_some(), "nproc is not installed");
    let plain = run(Command::new("nproc"));
    let traced = run(ksec(&[
        "trace",
        "-f",
        "-c",
        "-o",
        "/dev/null",
        "--cpu-placement",
        "same",
        "--",
        "nproc",
    ]));
    assert!(traced.status.success(), "{}", text(&traced).1);
    assert_eq!(text(&traced).0, text(&plain).0, "nproc under ksec");
    // With a seccomp filter the affinity syscalls still stop (they are not counted).
    let traced = run(ksec(&[
        "trace",
        "-f",
        "-c",
        "-o",
        "/dev/null",
        "--cpu-placement",
        "same",
        "--seccomp-bpf",
        "-e",
        "trace=openat",
        "--",
        "nproc",
    ]));
    assert!(traced.status.success(), "{}", text(&traced).1);
    assert_eq!(
        text(&traced).0,
        text(&plain).0,
        "nproc under ksec --seccomp-bpf"
    );
}

#[test]
fn attaching_to_a_stopped_process_leaves_it_stopped() {
    require!(require_ptrace(), "needs root for ptrace");
    let mut child = Reaped::spawn(
        Command::new(tracee("busy"))
            .arg("300")
            .stdout(Stdio::null()),
    );
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(50));
    run(Command::new("kill").arg("-STOP").arg(pid.to_string()));
    std::thread::sleep(Duration::from_millis(50));
    let (out, _) = attach_and_interrupt(pid, &["-c"], 0.3, "INT");
    assert!(out.status.code().is_none(), "{}", text(&out).1);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        proc_state(pid),
        Some('T'),
        "a stopped process stays stopped"
    );
    run(Command::new("kill").arg("-CONT").arg(pid.to_string()));
    let status = child.wait_timeout(TIMEOUT);
    assert!(status.success(), "continues and ends normally: {status:?}");
}

/// Runs ksec trace with --json and returns the document.
fn ksec_json(flags: &[&str], prog: &Path, args: &[&str]) -> serde_json::Value {
    let mut f = vec!["--json"];
    f.extend_from_slice(flags);
    let (_, s) = ksec_trace(&f, prog, args);
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn json_calls(table: &serde_json::Value, name: &str) -> (u64, u64) {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .map(|r| (r["calls"].as_u64().unwrap(), r["errors"].as_u64().unwrap()))
        .unwrap_or((0, 0))
}

#[test]
fn per_process_tables() {
    require!(require_ptrace(), "needs root for ptrace");
    let (_, s) = ksec_trace(&["-f", "-c", "--per-process"], &tracee("forker"), &[]);
    let tables = parse_summary(&s);
    // The total table, then one per process: the parent and its 4 children.
    assert_eq!(tables.len(), 6, "{s}");
    assert_eq!(calls(&tables[0].1, "getppid"), (22, 0));
    assert_eq!(calls(&tables[1].1, "getppid"), (2, 0), "parent first: {s}");
    assert_eq!(calls(&tables[1].1, "wait4"), (4, 0), "{s}");
    for (_, t) in &tables[2..] {
        assert_eq!(calls(t, "getppid"), (5, 0), "each child: {s}");
        assert!(!t.contains_key("wait4"), "{s}");
    }
    let headings = s.lines().filter(|l| l.starts_with("Process ")).count();
    assert_eq!(headings, 5, "{s}");

    let doc = ksec_json(&["-f", "-c", "--per-process"], &tracee("forker"), &[]);
    let pp = doc["per_process"].as_array().unwrap();
    assert_eq!(pp.len(), 5);
    assert_eq!(pp[0]["comm"], "forker");
    assert_eq!(json_calls(&pp[0]["tables"][0], "getppid"), (2, 0));
    assert_eq!(json_calls(&pp[4]["tables"][0], "getppid"), (5, 0));
}

#[test]
fn per_thread_tables() {
    require!(require_ptrace(), "needs root for ptrace");
    let doc = ksec_json(&["-f", "-c", "--per-thread"], &tracee("threads"), &[]);
    let pt = doc["per_thread"].as_array().unwrap();
    assert_eq!(pt.len(), 5, "main thread and 4 workers");
    let pid = pt[0]["pid"].as_i64().unwrap();
    assert_eq!(pt[0]["tid"].as_i64().unwrap(), pid);
    assert_eq!(json_calls(&pt[0]["tables"][0], "getppid"), (1, 0));
    for t in &pt[1..] {
        assert_eq!(t["pid"].as_i64().unwrap(), pid);
        assert_ne!(t["tid"].as_i64().unwrap(), pid);
        assert_eq!(json_calls(&t["tables"][0], "getppid"), (10, 0));
        assert_eq!(json_calls(&t["tables"][0], "close"), (3, 3));
    }
}

#[test]
fn json_has_every_column_and_the_same_counts() {
    require!(require_ptrace(), "needs root for ptrace");
    let doc = ksec_json(&["-c"], &tracee("exact"), &[]);
    assert_eq!(doc["schema"], "ksec-trace-summary/1");
    let table = &doc["tables"][0];
    assert_eq!(json_calls(table, "getppid"), (100, 0));
    assert_eq!(json_calls(table, "openat"), (51, 50));
    let row = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "getppid")
        .unwrap();
    for clock in ["cpu", "wall"] {
        for k in [
            "total_ns", "min_ns", "max_ns", "avg_ns", "total_s", "min_s", "max_s", "avg_s",
        ] {
            assert!(row[clock][k].is_number(), "{clock}.{k} in {row}");
        }
    }
    assert!(row["wall"]["min_ns"].as_u64() <= row["wall"]["max_ns"].as_u64());
    assert_eq!(
        table["total"]["calls"].as_u64(),
        Some(
            table["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["calls"].as_u64().unwrap())
                .sum()
        )
    );
}

/// Without -w, time is the CPU the thread spent in the call: a 300 ms sleep costs almost no
/// CPU, while its wall-clock time is at least 300 ms; with -w the time column is wall-clock.
#[test]
fn cpu_time_is_per_thread_and_wall_time_is_wall() {
    require!(require_ptrace(), "needs root for ptrace");
    let sleep = util::which("sleep").expect("sleep");
    let doc = ksec_json(&["-c"], &sleep, &["0.3"]);
    let rows = doc["tables"][0]["rows"].as_array().unwrap();
    let ns = rows
        .iter()
        .find(|r| r["name"] == "clock_nanosleep" || r["name"] == "nanosleep")
        .expect("a sleep row");
    let cpu = ns["cpu"]["total_ns"].as_u64().unwrap();
    let wall = ns["wall"]["total_ns"].as_u64().unwrap();
    assert!(wall >= 300_000_000, "wall {wall}");
    assert!(cpu < 20_000_000, "a sleep is not CPU time: {cpu}");
    assert!(cpu > 0, "CPU time is measured in ns, not ticks: {cpu}");
    assert_eq!(doc["options"]["time_source"], "cpu");
    // The text table's seconds column follows the time source.
    let (_, text_cpu) = ksec_trace(
        &["-c", "-U", "name,total-time,wall-total"],
        &sleep,
        &["0.3"],
    );
    let line = text_cpu
        .lines()
        .find(|l| l.contains("nanosleep"))
        .unwrap()
        .to_string();
    let cols: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|c| c.parse().unwrap())
        .collect();
    assert!(cols[0] < 0.02 && cols[1] >= 0.3, "{line}");
    let (_, text_wall) = ksec_trace(&["-c", "-w"], &sleep, &["0.3"]);
    let line = text_wall
        .lines()
        .find(|l| l.contains("nanosleep"))
        .unwrap()
        .to_string();
    let secs: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(secs >= 0.3, "{line}");
}

#[test]
fn sort_and_columns_errors_use_strace_wording() {
    let out = run(ksec(&["trace", "-c", "-S", "foo", "--", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: invalid sortby: 'foo'\nTry 'ksec trace -h' for more information.\n"
    );
    let out = run(ksec(&["trace", "-c", "-U", "calls,bogus", "--", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: unknown column name: 'bogus'\nTry 'ksec trace -h' for more information.\n"
    );
    let out = run(ksec(&["trace", "-c", "-O", "abc", "--", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: invalid -O argument: 'abc'\nTry 'ksec trace -h' for more information.\n"
    );
}

#[test]
fn sort_by_calls_and_custom_columns() {
    require!(require_ptrace(), "needs root for ptrace");
    let (_, s) = ksec_trace(
        &["-c", "-S", "calls", "-U", "calls,errors,name"],
        &tracee("exact"),
        &[],
    );
    let mut lines = s.lines();
    assert_eq!(lines.next(), Some("    calls    errors syscall"));
    assert_eq!(lines.next(), Some("--------- --------- ----------------"));
    assert_eq!(lines.next(), Some("      100           getppid"));
    assert_eq!(lines.next(), Some("       51        50 openat"));
    assert_eq!(lines.next(), Some("       20           write"));
    assert_eq!(lines.next(), Some("        8         7 close"));
}

#[test]
fn overhead_is_subtracted_from_each_call() {
    require!(require_ptrace(), "needs root for ptrace");
    // 1 s of overhead per call leaves nothing: every time clamps at zero.
    let doc = ksec_json(&["-c", "-w", "-O", "1s"], &tracee("exact"), &[]);
    assert_eq!(
        doc["tables"][0]["total"]["wall"]["total_ns"].as_u64(),
        Some(0)
    );
    assert_eq!(json_calls(&doc["tables"][0], "getppid"), (100, 0));
}

#[test]
fn trace_sets_select_rows_like_strace() {
    require!(require_ptrace(), "needs root for ptrace");
    let prog = tracee("exact");
    let (_, s) = ksec_trace(&["-c", "-e", "trace=%file"], &prog, &[]);
    let t = native(&s);
    assert_eq!(
        t.keys().cloned().collect::<Vec<_>>(),
        ["execve", "openat", "readlink"],
        "{s}"
    );
    let (_, s) = ksec_trace(&["-c", "-e", "trace=!getppid,write"], &prog, &[]);
    let t = native(&s);
    assert!(
        !t.contains_key("getppid") && !t.contains_key("write"),
        "{s}"
    );
    assert_eq!(calls(&t, "close"), (8, 7), "{s}");
    let (_, s) = ksec_trace(&["-c", "-e", "trace=/^(get|set)"], &prog, &[]);
    let t = native(&s);
    assert_eq!(calls(&t, "getppid"), (100, 0), "{s}");
    assert!(
        t.keys()
            .all(|k| k.starts_with("get") || k.starts_with("set")),
        "{s}"
    );

    require!(util::which("strace").is_some(), "strace is not installed");
    for set in [
        "trace=%file",
        "trace=%desc",
        "trace=!%memory",
        "trace=/open|close",
        "%process",
    ] {
        let (_, ours) = ksec_trace(&["-f", "-c", "-e", set], &tracee("forker"), &[]);
        let theirs = strace_trace(&["-f", "-c", "-e", set], &tracee("forker"), &[]);
        assert_eq!(
            parse_summary(&ours),
            parse_summary(&theirs),
            "{set}\n{ours}\n{theirs}"
        );
    }
}

#[test]
fn unknown_trace_set_is_strace_error() {
    let out = run(ksec(&[
        "trace",
        "-c",
        "-e",
        "trace=nosuchcall",
        "--",
        "true",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: invalid system call 'nosuchcall'\n"
    );
}

/// With --seccomp-bpf only the selected syscalls stop the tracee; the counts are the same.
#[test]
fn seccomp_bpf_counts_the_same() {
    require!(require_ptrace(), "needs root for ptrace");
    for (prog, set) in [
        ("exact", "trace=getppid,openat,close"),
        ("forker", "trace=getppid,wait4"),
        ("threads", "trace=getppid,close"),
    ] {
        let (_, plain) = ksec_trace(&["-f", "-c", "-e", set], &tracee(prog), &[]);
        let (status, filtered) = ksec_trace(
            &["-f", "-c", "--seccomp-bpf", "-e", set],
            &tracee(prog),
            &[],
        );
        assert!(status.code().is_some());
        assert_eq!(
            parse_summary(&plain),
            parse_summary(&filtered),
            "{prog} {set}\n{plain}\n{filtered}"
        );
    }
    let (_, s) = ksec_trace(
        &["-f", "-c", "--seccomp-bpf", "-e", "trace=getppid"],
        &tracee("forker"),
        &[],
    );
    assert_eq!(calls(&native(&s), "getppid"), (22, 0), "{s}");
    require!(util::which("strace").is_some(), "strace is not installed");
    let theirs = strace_trace(
        &["-f", "-c", "--seccomp-bpf", "-e", "trace=getppid,wait4"],
        &tracee("forker"),
        &[],
    );
    let (_, ours) = ksec_trace(
        &["-f", "-c", "--seccomp-bpf", "-e", "trace=getppid,wait4"],
        &tracee("forker"),
        &[],
    );
    assert_eq!(
        parse_summary(&ours),
        parse_summary(&theirs),
        "{ours}\n{theirs}"
    );
}

#[test]
fn attach_to_several_pids_given_as_a_list() {
    require!(require_ptrace(), "needs root for ptrace");
    let a = start_busy(800, false);
    let b = start_busy(800, false);
    std::thread::sleep(Duration::from_millis(100));
    let list = format!("{},{}", a.id(), b.id());
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let tracer =
        Reaped::spawn(ksec(&["trace", "-c", "--per-process", "-p", &list, "-o"]).arg(&out_file));
    std::thread::sleep(Duration::from_millis(400));
    run(Command::new("kill")
        .arg("-INT")
        .arg(tracer.id().to_string()));
    let out = tracer.output_timeout(60);
    assert!(out.status.code().is_none(), "dies of SIGINT");
    let summary = std::fs::read_to_string(out_file).unwrap();
    let tables = parse_summary(&summary);
    assert_eq!(tables.len(), 3, "total and one per pid: {summary}");
    for (_, t) in &tables[1..] {
        assert!(calls(t, "write").0 > 5, "{summary}");
    }
    assert_busy_output(a, 800);
    assert_busy_output(b, 800);
}

#[test]
fn attach_without_privilege_is_one_clear_line() {
    require!(
        require_ptrace(),
        "needs root to switch to an unprivileged user"
    );
    require!(util::which("setpriv").is_some(), "setpriv is not installed");
    let victim = Reaped::spawn(Command::new("sleep").arg("30"));
    let victim_pid = victim.id();
    let out = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(util::ksec_bin())
        .args(["trace", "-c", "-p", &victim_pid.to_string()]));
    drop(victim);
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out).1;
    assert!(
        err.contains(&format!(
            "attach to pid {victim_pid}: operation not permitted"
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn unknown_syscall_numbers_are_hex_rows() {
    require!(require_ptrace(), "needs root for ptrace");
    let (_, s) = ksec_trace(&["-c"], &tracee("unknown"), &[]);
    let t = native(&s);
    assert_eq!(calls(&t, "syscall_0x3e8"), (3, 3), "{s}");
    assert_eq!(calls(&t, "getppid"), (1, 0), "{s}");
}

/// -p tracing ends when the process exits: ksec prints the summary and exits 0, and the
/// process's own output is complete.
#[test]
fn attach_until_the_process_exits() {
    require!(require_ptrace(), "needs root for ptrace");
    let child = start_busy(400, true);
    std::thread::sleep(Duration::from_millis(50));
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let mut cmd = ksec(&["trace", "-f", "-c", "-p", &child.id().to_string(), "-o"]);
    cmd.arg(&out_file);
    let waiter = std::thread::spawn(move || assert_busy_output(child, 400));
    let out = run_timeout(&mut cmd, 60);
    waiter.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let s = std::fs::read_to_string(out_file).unwrap();
    let t = native(&s);
    assert!(calls(&t, "write").0 > 100, "{s}");
    assert!(!t.contains_key("exit_group"), "{s}");
}

/// `-p NAME` attaches to the one process with that name.
#[test]
fn attach_by_process_name() {
    require!(require_ptrace(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    let name = format!("kbusy{}", std::process::id() % 100_000);
    let bin = dir.path().join(&name);
    std::fs::copy(tracee("busy"), &bin).unwrap();
    // A fork by another test thread while the copy was open for writing holds it open until
    // that child execs: the file is briefly "busy" (ETXTBSY). Retry.
    let mut tries = 0;
    let child = loop {
        match Command::new(&bin).arg("600").stdout(Stdio::piped()).spawn() {
            Ok(c) => break Reaped::adopt(c, bin.display()),
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("start {}: {e}", bin.display()),
        }
    };
    std::thread::sleep(Duration::from_millis(100));
    let out_file = dir.path().join("summary");
    let tracer = Reaped::spawn(ksec(&["trace", "-c", "-p", &name, "-o"]).arg(&out_file));
    std::thread::sleep(Duration::from_millis(300));
    run(Command::new("kill")
        .arg("-INT")
        .arg(tracer.id().to_string()));
    let out = tracer.output_timeout(60);
    assert!(out.status.code().is_none(), "dies of SIGINT");
    let s = std::fs::read_to_string(out_file).unwrap();
    assert!(calls(&native(&s), "write").0 > 5, "{s}");
    assert_busy_output(child, 600);
}

/// A call in flight when ksec detaches (interrupted by the detach itself) is not counted.
#[test]
fn call_in_flight_at_detach_is_not_counted() {
    require!(require_ptrace(), "needs root for ptrace");
    let sleeper = Reaped::spawn(Command::new("sleep").arg("30"));
    std::thread::sleep(Duration::from_millis(100));
    let (out, summary) = attach_and_interrupt(sleeper.id(), &["-c"], 0.3, "INT");
    assert!(out.status.code().is_none(), "{}", text(&out).1);
    let t = native(&summary);
    drop(sleeper);
    assert!(t.is_empty(), "nothing completed while attached: {summary}");
}

/// Threads that run and exit before their creator's clone event is seen must not leave the
/// tracer waiting for them (with tracer and tracees on one CPU this happens often).
#[test]
fn short_lived_threads_do_not_hang_the_tracer() {
    require!(require_ptrace(), "needs root for ptrace");
    for _ in 0..3 {
        let mut cmd = ksec(&[
            "trace",
            "-f",
            "-c",
            "--cpu-placement",
            "same",
            "-o",
            "/dev/null",
            "--",
        ]);
        cmd.arg(tracee("thr")).args(["300", "20"]);
        let out = run_timeout(&mut cmd, 120);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let (_, s) = ksec_trace(&["-f", "-c"], &tracee("thr"), &["200", "10"]);
    assert_eq!(calls(&native(&s), "getppid"), (2000, 0), "{s}");
}

/// -f -p on a process that keeps creating threads: the threads the kernel attaches for us
/// during the attach are ours, not new ones to seize forever.
#[test]
fn attach_to_a_process_creating_threads() {
    require!(require_ptrace(), "needs root for ptrace");
    for _ in 0..3 {
        let mut child = Reaped::spawn(Command::new(tracee("thr")).args(["3000", "20"]));
        std::thread::sleep(Duration::from_millis(200));
        let mut tracer = Reaped::spawn(
            ksec(&["trace", "-f", "-c", "--cpu-placement", "same"])
                .args(["-o", "/dev/null", "-p"])
                .arg(child.id().to_string()),
        );
        std::thread::sleep(Duration::from_millis(700));
        run(Command::new("kill")
            .arg("-INT")
            .arg(tracer.id().to_string()));
        let ended = tracer.wait_within(30).is_some();
        // Killed and reaped now if it hung, so that the traced process can go on.
        drop(tracer);
        let status = child.wait_timeout(TIMEOUT);
        assert!(ended, "ksec did not end after SIGINT");
        assert!(
            status.success(),
            "the traced process ends normally: {status:?}"
        );
    }
}

/// Standard fds closed for ksec are closed for the command too (Rust's runtime reopens them
/// on /dev/null in ksec itself).
#[test]
fn closed_standard_fds_stay_closed_for_the_command() {
    require!(require_ptrace(), "needs root for ptrace");
    let script = format!(
        "{} trace -c -o /dev/null -- sh -c 'echo hi' >&-; echo $?",
        util::ksec_bin().display()
    );
    let out = run(Command::new("sh").arg("-c").arg(&script));
    let untraced = run(Command::new("sh")
        .arg("-c")
        .arg("sh -c 'echo hi' >&-; echo $?"));
    assert_eq!(text(&out).0, text(&untraced).0, "{}", text(&out).1);
    assert_eq!(text(&out).0.trim(), "1");
}

#[test]
fn command_that_cannot_execute_is_one_clear_line() {
    require!(require_ptrace(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, b"\x00\x01not an executable\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&garbage, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A fork by another test thread while the file was open for writing can make it briefly
    // "busy" (ETXTBSY): retry that case.
    let mut out = run(ksec(&["trace", "-c", "-o", "/dev/null", "--"]).arg(&garbage));
    for _ in 0..50 {
        if !text(&out).1.contains("Text file busy") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        out = run(ksec(&["trace", "-c", "-o", "/dev/null", "--"]).arg(&garbage));
    }
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        format!(
            "ksec trace: exec: Exec format error ('{}')\n",
            garbage.display()
        )
    );
    let out = run(ksec(&[
        "trace",
        "-c",
        "-o",
        "/nonexistent-dir/x",
        "--",
        "true",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: Can't fopen '/nonexistent-dir/x': No such file or directory\n"
    );
}

/// With -o FILE and a command, fatal signals are blocked as strace's default -I 3: a SIGINT to
/// ksec does not cut the trace short; the command ends on its own.
#[test]
fn fatal_signals_are_blocked_with_output_file_and_command() {
    require!(require_ptrace(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let tracer = Reaped::spawn(ksec(&["trace", "-f", "-c", "-o"]).arg(&out_file).args([
        "--",
        "sh",
        "-c",
        "sleep 0.5; exit 5",
    ]));
    std::thread::sleep(Duration::from_millis(150));
    run(Command::new("kill")
        .arg("-INT")
        .arg(tracer.id().to_string()));
    let out = tracer.output_timeout(60);
    assert_eq!(out.status.code(), Some(5), "the command's own status");
    let s = std::fs::read_to_string(out_file).unwrap();
    assert!(native(&s).contains_key("wait4"), "complete summary: {s}");
}

// ---------------------------------------------------------------------------------------------
// CPU placement and signal state: what ksec leaves in the processes it traces (issue 7).

/// Address-space limit for every ksec run below (bounded memory).
const KSEC_AS_BYTES: u64 = 2_147_483_648;
const KSEC_AS_LIMIT: &str = "--as=2147483648";

/// `prlimit --as=2G -- ksec ARGS`: ksec under a memory limit.
fn ksec_limited(args: &[&str]) -> Command {
    let mut c = util::limited(KSEC_AS_BYTES, util::ksec_bin());
    c.args(args);
    c
}

/// `ksec trace -c --cpu-placement same -o /dev/null -p PID`, memory-limited: an attach that pins
/// (without -f), for the affinity tests.
fn attach_pinned(pid: u32) -> Command {
    ksec_limited(&[
        "trace",
        "-c",
        "--cpu-placement",
        "same",
        "-o",
        "/dev/null",
        "-p",
        &pid.to_string(),
    ])
}

/// The `Cpus_allowed_list` of a task (a tid, or pid/task/tid).
fn cpus_allowed(task: &str) -> String {
    let s = std::fs::read(format!("/proc/{task}/status")).unwrap_or_default();
    String::from_utf8_lossy(&s)
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Number of CPUs this test may run on.
fn own_cpu_count() -> usize {
    nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .map(|s| {
            (0..nix::sched::CpuSet::count())
                .filter(|&c| s.is_set(c).unwrap_or(false))
                .count()
        })
        .unwrap_or(1)
}

fn require_placement_tools() -> bool {
    util::which("prlimit").is_some() && own_cpu_count() > 1
}

#[test]
fn untraced_children_of_a_command_keep_their_affinity() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(
        require_placement_tools(),
        "needs prlimit and more than one CPU"
    );
    let plain = run(Command::new("sh").args(["-c", "nproc"]));
    let out = run_timeout(
        &mut ksec_limited(&["trace", "-c", "-o", "/dev/null", "--", "sh", "-c", "nproc"]),
        60,
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(text(&out).0, text(&plain).0, "nproc in a child of sh");
    // Without -f, the command's background child is not traced; after ksec exits it has the
    // mask it would have had without ksec (this test's own).
    let mine = cpus_allowed("self");
    for flags in [&["-c"][..], &["-c", "--cpu-placement", "same"][..]] {
        let mut args = vec!["trace"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[
            "-o",
            "/dev/null",
            "--",
            "sh",
            "-c",
            "sleep 30 >/dev/null 2>&1 & echo $!",
        ]);
        let out = run_timeout(&mut ksec_limited(&args), 60);
        assert!(out.status.success(), "{}", text(&out).1);
        let pid: i32 = text(&out)
            .0
            .trim()
            .parse()
            .expect("sh printed the sleep's pid");
        let after = cpus_allowed(&pid.to_string());
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        assert_eq!(
            after, mine,
            "affinity of the untraced sleep after ksec {flags:?}"
        );
    }
}

#[test]
fn threads_and_children_made_while_attached_keep_their_affinity() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(
        require_placement_tools(),
        "needs prlimit and more than one CPU"
    );
    use std::io::{BufRead, Write};
    let mut child = Reaped::spawn(
        Command::new(tracee("affinity"))
            .args(["spawn", "5"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    );
    let pid = child.id();
    let before = cpus_allowed(&pid.to_string());
    let mut tracer = Reaped::spawn(
        attach_pinned(pid)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    // Wait until ksec has pinned it (it is blocked reading stdin).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while cpus_allowed(&pid.to_string()) == before && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pinned = cpus_allowed(&pid.to_string()) != before;
    // Now it makes 5 threads and 5 processes while attached.
    child.take_stdin().write_all(b"go\n").unwrap();
    let stdout = child.take_stdout();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let ready = rx.recv_timeout(Duration::from_secs(30));
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(tracer.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    );
    assert!(
        tracer.wait_within(30).is_some(),
        "ksec did not detach within 30 s"
    );
    let tasks: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut found = Vec::new();
    for tid in &tasks {
        found.push((
            format!("thread {tid}"),
            cpus_allowed(&format!("{pid}/task/{tid}")),
        ));
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")).unwrap_or_default();
        for c in children.split_whitespace() {
            found.push((format!("child {c}"), cpus_allowed(c)));
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.parse().unwrap()),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
    drop(child);
    assert!(pinned, "ksec never pinned pid {pid}");
    assert_eq!(
        ready.as_deref().map(str::trim),
        Ok("ready"),
        "tracee output"
    );
    assert_eq!(
        found.len(),
        11,
        "5 threads and 5 children besides the main thread: {found:?}"
    );
    for (what, mask) in &found {
        assert_eq!(mask, &before, "affinity of {what} after ksec detached");
    }
}

#[test]
fn sched_getaffinity_answers_stay_true_across_attach_and_detach() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(
        require_placement_tools(),
        "needs prlimit and more than one CPU"
    );
    let mut child = Reaped::spawn(
        Command::new(tracee("affinity"))
            .arg("loop")
            .stdout(Stdio::piped()),
    );
    let pid = child.id();
    let line = child.read_line();
    assert_eq!(line, "started\n");
    for round in 0..8 {
        let mut tracer = Reaped::spawn(
            attach_pinned(pid)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        std::thread::sleep(Duration::from_millis(150 + 20 * round));
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(tracer.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        );
        assert!(
            tracer.wait_within(30).is_some(),
            "ksec did not detach within 30 s"
        );
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let line = child.read_line();
    child.wait_timeout(TIMEOUT);
    assert!(
        line.starts_with("wrong 0 of "),
        "tracee saw the pinned mask: {line}"
    );
}

#[test]
fn affinity_in_a_pid_namespace_is_the_tracees_own() {
    require!(require_ptrace(), "needs root for ptrace and unshare --pid");
    require!(
        require_placement_tools(),
        "needs prlimit and more than one CPU"
    );
    require!(util::which("unshare").is_some(), "unshare is not installed");
    let prog = tracee("affinity");
    let prog = prog.to_str().unwrap();
    let plain = run_timeout(
        Command::new("unshare").args(["--pid", "--fork", prog, "ns"]),
        30,
    );
    require!(
        plain.status.success(),
        format!("unshare --pid fails here: {}", text(&plain).1)
    );
    let n = own_cpu_count();
    let high = cpus_allowed("self")
        .rsplit([',', '-'])
        .next()
        .unwrap()
        .to_string();
    let expected = format!("self {n} pid {n}\nset {high} self 1 pid 1\n");
    assert_eq!(text(&plain).0, expected, "untraced");
    // Its pid 1 (getpid() in the namespace) and 0 both name itself, pinned or not.
    let traced = run_timeout(
        &mut ksec_limited(&[
            "trace",
            "-f",
            "-c",
            "-o",
            "/dev/null",
            "--",
            "unshare",
            "--pid",
            "--fork",
            prog,
            "ns",
        ]),
        60,
    );
    assert!(traced.status.success(), "{}", text(&traced).1);
    assert_eq!(text(&traced).0, expected, "under ksec -f");
}

#[test]
fn the_command_inherits_ignored_and_blocked_signals() {
    require!(require_ptrace(), "needs root for ptrace");
    require!(util::which("prlimit").is_some(), "prlimit is not installed");
    let grep = ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"];
    let block = "import os, signal, sys; \
                 signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGINT}); \
                 os.execvp(sys.argv[1], sys.argv[1:])";
    let mut wrappers: Vec<Vec<&str>> = vec![
        vec!["nohup"],
        vec!["sh", "-c", "trap '' INT QUIT PIPE; exec \"$0\" \"$@\""],
    ];
    if util::which("python3").is_some() {
        // Python also ignores SIGPIPE and leaves it so across exec.
        wrappers.push(vec!["python3", "-c", block]);
    }
    let ksec_path = util::ksec_bin();
    let ksec_path = ksec_path.to_str().unwrap();
    for wrapper in &wrappers {
        let command = |prefix: &[&str]| {
            let mut c = Command::new(wrapper[0]);
            c.args(&wrapper[1..]).args(prefix).args(grep);
            c
        };
        let plain = run_timeout(&mut command(&[]), 30);
        let (plain_out, _) = text(&plain);
        assert!(plain_out.contains("SigIgn"), "{wrapper:?}: {plain_out}");
        for flags in [
            &["-c", "-o", "/dev/null"][..],
            &["-f", "-c", "-o", "/dev/null"][..],
            &["-c"][..],
        ] {
            let mut prefix = vec!["prlimit", KSEC_AS_LIMIT, "--", ksec_path, "trace"];
            prefix.extend_from_slice(flags);
            prefix.push("--");
            let traced = run_timeout(&mut command(&prefix), 60);
            assert!(traced.status.success(), "{wrapper:?}: {}", text(&traced).1);
            assert_eq!(
                text(&traced).0,
                plain_out,
                "{wrapper:?} ksec trace {flags:?}"
            );
        }
        if util::which("strace").is_some() {
            let traced = run_timeout(&mut command(&["strace", "-c", "-o", "/dev/null"]), 60);
            assert_eq!(text(&traced).0, plain_out, "{wrapper:?} strace agrees");
        }
    }
}
