//! `ksec trace --backend ebpf` on the ground-truth tracees (fixtures/tracees): the same calls
//! and errors cells as the ptrace backend, row by row and table by table; wall times of known
//! sleeps; a process already under another tracer; nothing left attached when ksec is killed;
//! the whole node with `--all`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::require;
use crate::util::{self, ksec, native, parse_summary, run, run_timeout, text, tracee, Reaped};

/// Root, BTF and a kernel that loads the program: what `--backend ebpf` needs.
fn ebpf_available() -> bool {
    util::is_root() && Path::new("/sys/kernel/btf/vmlinux").exists()
}

/// Runs `ksec trace --backend BACKEND FLAGS -o FILE -- PROG ARGS`: (exit code, summary).
fn traced(backend: &str, flags: &[&str], prog: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (out, summary) = util::trace_to_file(backend, flags, prog, args);
    let (_, err) = text(&out);
    assert!(
        !err.contains("cannot be loaded"),
        "--backend {backend}: {err}"
    );
    (out.status.code(), summary)
}

/// Every table's (heading, syscall -> (calls, errors)) under both backends are equal, and the
/// exit codes too; returns the eBPF summary.
fn same_cells(flags: &[&str], name: &str) -> String {
    let prog = tracee(name);
    let (pcode, p) = traced("ptrace", flags, &prog, &[]);
    let (ecode, e) = traced("ebpf", flags, &prog, &[]);
    assert_eq!(pcode, ecode, "{name} {flags:?}: exit codes");
    let (pt, et) = (
        timing_free(parse_summary(&p)),
        timing_free(parse_summary(&e)),
    );
    assert!(!pt.is_empty(), "{name}: ptrace printed no table: {p}");
    assert_eq!(
        pt, et,
        "{name} {flags:?}: ptrace and ebpf cells differ\nptrace:\n{p}\nebpf:\n{e}"
    );
    e
}

/// Drops the rows whose counts depend on timing, not on the backend: how often a thread waits
/// in futex for another (pthread_join, a lock) depends on how fast the other runs, and ptrace
/// slows every thread down.
fn timing_free(mut tables: Vec<(String, util::Table)>) -> Vec<(String, util::Table)> {
    for (_, t) in &mut tables {
        t.remove("futex");
    }
    tables
}

#[test]
fn identical_cells_on_every_ground_truth_tracee() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    // Known counts, failing calls (exact), forks and vforks (forker), threads, a thread that
    // execs (thread_exec), unknown numbers (unknown), with and without -f and -w.
    for (flags, name) in [
        (&["-c"][..], "exact"),
        (&["-c", "-w"][..], "exact"),
        (&["-f", "-c"][..], "forker"),
        (&["-c"][..], "forker"),
        (&["-f", "-c"][..], "threads"),
        (&["-c"][..], "threads"),
        (&["-f", "-c"][..], "thread_exec"),
        (&["-c"][..], "unknown"),
        (&["-c", "-e", "trace=%file,getppid"][..], "exact"),
        (&["-c", "-e", "trace=!openat"][..], "forker"),
    ] {
        same_cells(flags, name);
    }
    let e = same_cells(&["-c"], "exact");
    let t = native(&e);
    assert_eq!(t.get("getppid"), Some(&(100, 0)), "{e}");
    assert_eq!(t.get("openat"), Some(&(51, 50)), "{e}");
    assert!(!t.contains_key("exit_group"), "{e}");
    let e = same_cells(&["-f", "-c"], "thread_exec");
    assert_eq!(native(&e).get("execve"), Some(&(2, 0)), "{e}");
}

#[test]
fn the_32_bit_table_is_its_own() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    require!(cfg!(target_arch = "x86_64"), "x86_64 only");
    let e = same_cells(&["-c"], "int80");
    let tables = parse_summary(&e);
    assert_eq!(tables.len(), 2, "{e}");
    assert_eq!(tables[1].0, "System call usage summary for 32 bit mode:");
    assert_eq!(tables[1].1.get("getpid"), Some(&(5, 0)), "{e}");
}

/// A per-process or per-thread table: its comm and (syscall, calls, errors) rows.
type Labelled = (String, Vec<(String, u64, u64)>);

/// Per-process and per-thread JSON tables hold the same calls as the ptrace backend's.
#[test]
fn per_process_and_per_thread_tables_match_ptrace() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let calls_of = |backend: &str, flag: &str, name: &str| {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.json");
        let out = run_timeout(
            ksec(&[
                "trace",
                "--backend",
                backend,
                "-f",
                "-c",
                "--json",
                flag,
                "-o",
            ])
            .arg(&f)
            .arg("--")
            .arg(tracee(name))
            .stdout(Stdio::null()),
            60,
        );
        assert!(out.status.code().is_some());
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let key = flag.trim_start_matches("--").replace('-', "_");
        // (label comm, [(syscall, calls, errors)]) per table, in pid order.
        let mut tables: Vec<Labelled> = v[&key]
            .as_array()
            .unwrap_or_else(|| panic!("no {key} in {v}"))
            .iter()
            .map(|t| {
                let rows = t["tables"][0]["rows"]
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .map(|r| {
                                (
                                    r["name"].as_str().unwrap_or("").to_string(),
                                    r["calls"].as_u64().unwrap_or(0),
                                    r["errors"].as_u64().unwrap_or(0),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (t["comm"].as_str().unwrap_or("").to_string(), rows)
            })
            .collect();
        for t in &mut tables {
            t.1.retain(|(name, _, _)| name != "futex"); // see timing_free
            t.1.sort();
        }
        tables.sort();
        tables
    };
    for (flag, name) in [
        ("--per-process", "forker"),
        ("--per-thread", "threads"),
        ("--per-thread", "thread_exec"),
    ] {
        let p = calls_of("ptrace", flag, name);
        let e = calls_of("ebpf", flag, name);
        assert!(p.len() > 1, "{name} {flag}: several tables: {p:?}");
        assert_eq!(p, e, "{name} {flag}");
    }
}

#[test]
fn wall_time_of_a_known_sleep() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let sleep = util::which("sleep").expect("sleep");
    let (_, s) = traced(
        "ebpf",
        &["-c", "-w", "-U", "name,calls,total-time"],
        &sleep,
        &["0.4"],
    );
    let line = s
        .lines()
        .find(|l| l.starts_with("clock_nanosleep"))
        .unwrap_or_else(|| panic!("no clock_nanosleep row: {s}"));
    let secs: f64 = line
        .split_whitespace()
        .find_map(|w| w.parse().ok().filter(|_| w.contains('.')))
        .unwrap_or_else(|| panic!("no seconds in {line:?}"));
    assert!(
        (0.4..=0.42).contains(&secs),
        "-w time of a 0.4 s sleep within 5%: {secs} in {s}"
    );
}

/// A busy process: one write and one 1 ms nanosleep per iteration.
fn busy(iterations: u32) -> Reaped {
    Reaped::spawn(
        Command::new(tracee("busy"))
            .arg(iterations.to_string())
            .stdout(Stdio::null()),
    )
}

/// `ksec trace --backend ebpf FLAGS -o FILE` running in the background.
fn start_ksec(flags: &[&str], out_file: &Path) -> Reaped {
    Reaped::spawn(
        ksec(&["trace", "--backend", "ebpf"])
            .args(flags)
            .arg("-o")
            .arg(out_file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    )
}

/// The bpf program ids among `pid`'s file descriptors (fdinfo's `prog_id:`; a program's fd and
/// its link's both name it), each once.
fn bpf_prog_ids(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("prog_id:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .collect()
}

/// The programs ksec loads without -w (with -w, the off-CPU one is left out).
const PROGRAMS: usize = 6;

/// Waits until ksec holds its programs (loaded and attached), for runs without -w.
fn wait_for_programs(ksec_pid: u32) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ids = bpf_prog_ids(ksec_pid);
        if ids.len() >= PROGRAMS || Instant::now() > deadline {
            return ids;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn counts_a_process_that_another_tracer_holds() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    require!(util::which("strace").is_some(), "needs strace");
    let mut child = busy(3000);
    let pid = child.pid_s();
    let dir = tempfile::tempdir().unwrap();
    // strace holds it (ptrace): a second ptrace tracer is refused.
    let strace = Reaped::spawn(
        Command::new("strace")
            .args(["-o", "/dev/null", "-p", &pid])
            .stderr(Stdio::null()),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("TracerPid:") && l.split_whitespace().nth(1) != Some("0"))
    {
        assert!(Instant::now() < deadline, "strace did not attach");
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused = run_timeout(
        ksec(&["trace", "--backend", "ptrace", "-c", "-p", &pid]).stdout(Stdio::null()),
        30,
    );
    assert!(
        !refused.status.success(),
        "ptrace cannot attach twice: {}",
        text(&refused).1
    );
    let out_file = dir.path().join("summary");
    let tracer = start_ksec(&["-c", "-p", &pid], &out_file);
    wait_for_programs(tracer.id());
    std::thread::sleep(Duration::from_millis(500));
    run(Command::new("kill").args(["-INT", &tracer.id().to_string()]));
    let out = tracer.output_timeout(30);
    let s = std::fs::read_to_string(&out_file).unwrap_or_default();
    let t = native(&s);
    assert!(
        t.get("write").is_some_and(|w| w.0 > 50),
        "ebpf counts a process under strace: {s} {}",
        text(&out).1
    );
    drop(strace);
    child.kill();
}

#[test]
fn sigkill_of_ksec_leaves_nothing_attached() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let mut child = busy(5000);
    let dir = tempfile::tempdir().unwrap();
    let mut tracer = start_ksec(&["-c", "-p", &child.pid_s()], &dir.path().join("s"));
    let ids = wait_for_programs(tracer.id());
    assert_eq!(ids.len(), PROGRAMS, "ksec holds its programs: {ids:?}");
    let loaded = |id: u32| {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
            .any(|e| {
                let pid: u32 = e.file_name().to_string_lossy().parse().unwrap();
                bpf_prog_ids(pid).contains(&id)
            })
            || util::which("bpftool").is_some_and(|b| {
                run(Command::new(b).args(["prog", "show", "id", &id.to_string()]))
                    .status
                    .success()
            })
    };
    assert!(ids.iter().all(|&id| loaded(id)));
    tracer.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    while ids.iter().any(|&id| loaded(id)) {
        assert!(
            Instant::now() < deadline,
            "programs {ids:?} still loaded after ksec was killed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        child.try_wait().is_none(),
        "the traced process lives on after ksec's SIGKILL"
    );
    child.kill();
}

#[test]
fn all_per_process_lists_a_known_busy_pid() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let mut child = busy(5000);
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("s.json");
    let tracer = start_ksec(&["--all", "--per-process", "-c", "--json"], &out_file);
    let ksec_pid = i64::from(tracer.id());
    wait_for_programs(tracer.id());
    std::thread::sleep(Duration::from_millis(600));
    run(Command::new("kill").args(["-INT", &tracer.id().to_string()]));
    let out = tracer.output_timeout(30);
    let s = std::fs::read_to_string(&out_file).unwrap_or_default();
    let v: serde_json::Value =
        serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}: {s} {}", text(&out).1));
    let procs = v["per_process"].as_array().expect("per_process tables");
    let mine = procs
        .iter()
        .find(|p| p["pid"].as_i64() == Some(i64::from(child.pid())))
        .unwrap_or_else(|| panic!("pid {} not listed", child.pid()));
    assert_eq!(mine["comm"].as_str(), Some("busy"), "{mine}");
    assert!(
        procs.iter().all(|p| p["pid"].as_i64() != Some(ksec_pid)),
        "ksec counts itself"
    );
    // In text, one list of processes sorted by -S: by calls, busy's row above any quieter one.
    let out_file = dir.path().join("s.txt");
    let tracer = start_ksec(&["--all", "--per-process", "-c", "-S", "calls"], &out_file);
    wait_for_programs(tracer.id());
    std::thread::sleep(Duration::from_millis(600));
    run(Command::new("kill").args(["-INT", &tracer.id().to_string()]));
    tracer.output_timeout(30);
    let s = std::fs::read_to_string(&out_file).unwrap_or_default();
    let list = s
        .split("Processes:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no list: {s}"));
    let rows: Vec<(u64, i64, String)> = list
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with("------"))
        .map(|l| {
            // Fixed columns: % time (6), seconds (11), calls (9), errors (9), pid (7), command.
            let field = |a: usize, b: usize| l.get(a..b).unwrap_or("").trim();
            (
                field(19, 28).parse().unwrap(),
                field(39, 46).parse().unwrap(),
                l.get(47..).unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        rows.windows(2).all(|w| w[0].0 >= w[1].0),
        "sorted by calls: {s}"
    );
    assert!(
        rows.iter()
            .any(|r| r.1 == i64::from(child.pid()) && r.2 == "busy"),
        "busy listed: {s}"
    );
    child.kill();
}

#[test]
fn ebpf_without_privilege_is_one_clear_line_and_auto_falls_back() {
    require!(util::is_root(), "needs root to drop to nobody");
    require!(util::which("setpriv").is_some(), "needs setpriv");
    let sh = util::which("true").expect("true");
    let as_nobody = |backend: &str| {
        run_timeout(
            Command::new("setpriv")
                .args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    "--inh-caps=-all",
                ])
                .arg(util::ksec_bin())
                .args(["trace", "--backend", backend, "-c", "--"])
                .arg(&sh),
            30,
        )
    };
    let out = as_nobody("ebpf");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("eBPF backend cannot be loaded") && err.contains("CAP_BPF"),
        "{err}"
    );
    let out = as_nobody("auto");
    let (_, err) = text(&out);
    assert!(out.status.success(), "auto falls back to ptrace: {err}");
    assert!(err.contains("total"), "a table: {err}");
}

#[test]
fn attach_and_detach_lines_unless_q() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let mut victim = busy(100_000);
    let pid = victim.pid_s();
    for (flags, want) in [(&[][..], true), (&["-q"][..], false), (&["-f"][..], true)] {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["-c", "-p", &pid];
        args.extend_from_slice(flags);
        let tracer = start_ksec(&args, &dir.path().join("s"));
        wait_for_programs(tracer.id());
        std::thread::sleep(Duration::from_millis(100));
        run(Command::new("kill").args(["-INT", &tracer.id().to_string()]));
        let out = tracer.output_timeout(30);
        let err = text(&out).1;
        let lines: Vec<&str> = err.lines().filter(|l| l.contains("Process")).collect();
        let expected: Vec<String> = if want {
            vec![
                format!("ksec trace: Process {pid} attached"),
                format!("ksec trace: Process {pid} detached"),
            ]
        } else {
            Vec::new()
        };
        assert_eq!(lines, expected, "{flags:?}: {err}");
    }
    victim.kill();
}

/// Stops ksec with SIGINT and returns its JSON summary.
fn stop_and_read_json(tracer: Reaped, out_file: &Path) -> serde_json::Value {
    run(Command::new("kill").args(["-INT", &tracer.id().to_string()]));
    let out = tracer.output_timeout(30);
    let s = std::fs::read_to_string(out_file).unwrap_or_default();
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{e}: {s} {}", text(&out).1))
}

/// Calls of `name` in the native table of a JSON table list.
fn json_calls(tables: &serde_json::Value, name: &str) -> u64 {
    tables
        .as_array()
        .and_then(|t| t.iter().find(|t| t["personality"] == "native"))
        .and_then(|t| t["rows"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["name"] == name))
        .map_or(0, |r| r["calls"].as_u64().unwrap_or(0))
}

/// A container running `sleep`, ksec started with `flags` (and `-c --json`), then, once it has
/// attached, `ls` exec'd in the container (getdents64 calls) and, on the host, `exact` (100
/// getppid); ksec stopped: the container's id and ksec's summary.
fn container_scene(name: &str, flags: &[&str]) -> Option<(String, serde_json::Value)> {
    if let Some(why) = util::podman::unavailable() {
        util::skipped(format!("podman cannot run here: {why}"));
        return None;
    }
    let c = util::podman::Container::run(name, &["/bin/sleep", "600"]);
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("s.json");
    let mut args = vec!["-c", "--json"];
    let short = c.id[..12].to_string();
    for f in flags {
        args.push(if *f == "CONTAINER" { &short } else { f });
    }
    let tracer = start_ksec(&args, &out_file);
    wait_for_programs(tracer.id());
    let ls = c.exec(&["/bin/ls", "/", "/bin", "/etc"]);
    assert!(ls.status.success(), "podman exec: {}", text(&ls).1);
    let host = run(Command::new(tracee("exact")).stdout(Stdio::null()));
    assert!(host.status.success());
    Some((c.id.clone(), stop_and_read_json(tracer, &out_file)))
}

#[test]
fn container_counts_only_its_processes_also_those_started_later() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let Some((_, v)) = container_scene("ksec-trace-c1", &["--container", "CONTAINER"]) else {
        return;
    };
    assert!(
        json_calls(&v["tables"], "getdents64") >= 3,
        "the exec'd ls is counted: {v}"
    );
    assert_eq!(
        json_calls(&v["tables"], "getppid"),
        0,
        "host processes are not counted: {v}"
    );
}

#[test]
fn per_container_tables_split_the_node() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let Some((id, v)) = container_scene("ksec-trace-c2", &["--all", "--per-container"]) else {
        return;
    };
    let tables = v["per_container"].as_array().expect("per_container");
    let of = |id: Option<&str>| {
        tables
            .iter()
            .find(|t| t["container"].as_str() == id)
            .unwrap_or_else(|| panic!("no table for {id:?}: {v}"))
    };
    assert!(tables[0]["container"].is_null(), "the host first: {v}");
    let mine = of(Some(&id));
    assert!(json_calls(&mine["tables"], "getdents64") >= 3, "{mine}");
    assert_eq!(json_calls(&mine["tables"], "getppid"), 0, "{mine}");
    assert!(json_calls(&of(None)["tables"], "getppid") >= 100, "{v}");
}

#[test]
fn a_full_map_is_reported_not_hidden() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    // Room for 4 rows: `exact` makes 15 different syscalls.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s");
    let out = run_timeout(
        ksec(&["trace", "--backend", "ebpf", "-c", "-o"])
            .arg(&f)
            .arg("--")
            .arg(tracee("exact"))
            .env("KSEC_EBPF_MAP_ENTRIES", "4")
            .stdout(Stdio::null()),
        60,
    );
    let err = text(&out).1;
    assert!(out.status.success(), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("eBPF maps were full"))
        .unwrap_or_else(|| panic!("no report of the full map: {err}"));
    let not_counted: u64 = line
        .split(", ")
        .find_map(|p| p.strip_suffix(" not counted"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let s = std::fs::read_to_string(&f).unwrap();
    let counted: u64 = native(&s).values().map(|c| c.0).sum();
    // What was counted and what was not add up to what the program made (the ptrace count).
    let (_, p) = traced("ptrace", &["-c"], &tracee("exact"), &[]);
    let all: u64 = native(&p).values().map(|c| c.0).sum();
    assert_eq!(counted + not_counted, all, "{line}\n{s}\n{p}");
    assert!(native(&s).len() <= 4, "{s}");
}
