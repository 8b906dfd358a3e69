//! `ksec trace --backend ebpf` without -c: per-call lines from the kernel's records
//! (src/trace/ebpf/lines.rs). The golden comparison with strace is in lines_golden.rs; here the
//! exact calls of a known tracee, JSON with the kernel's times, a ring buffer too small for
//! the calls (losses said, nothing hangs), a running process attached and left unharmed, the
//! whole node with --all, and the options the eBPF records cannot serve.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::require;
use crate::util::{self, ksec, run_timeout, text, tracee, Reaped};

fn ebpf_available() -> bool {
    util::is_root() && Path::new("/sys/kernel/btf/vmlinux").exists()
}

/// Ctrl-C for the tracer.
fn interrupt(p: &Reaped) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(p.pid()),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT the tracer");
}

/// syscall -> (calls, errors) of a `--json` per-call stream.
fn json_counts(stream: &str) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for line in stream.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["type"] != "syscall" {
            continue;
        }
        let name = v["syscall"].as_str().expect("syscall name").to_string();
        let e = m.entry(name).or_insert((0, 0));
        e.0 += 1;
        if v.get("errno").is_some_and(|x| !x.is_null()) {
            e.1 += 1;
        }
    }
    m
}

#[test]
fn the_exact_tracee_gives_the_same_calls_and_errors_as_ptrace() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let prog = tracee("exact");
    let (pout, p) = util::trace_to_file("ptrace", &["--json"], &prog, &[]);
    let (eout, e) = util::trace_to_file("ebpf", &["--json"], &prog, &[]);
    assert!(pout.status.success() && eout.status.success(), "{eout:?}");
    let (pc, ec) = (json_counts(&p), json_counts(&e));
    // The tracee's own calls, known exactly (fixtures/tracees/exact.c).
    assert_eq!(ec.get("getppid"), Some(&(100, 0)));
    assert_eq!(ec.get("write"), Some(&(20, 0)));
    assert_eq!(ec.get("openat"), Some(&(51, 50)));
    assert_eq!(ec.get("close"), Some(&(8, 7)));
    assert_eq!(pc, ec, "every call and error as under ptrace");
    // The text lines of the same calls are strace's.
    let (_, lines) = util::trace_to_file("ebpf", &[], &prog, &[]);
    assert_eq!(
        lines
            .lines()
            .filter(|l| *l
                == "openat(AT_FDCWD, \"/nonexistent/ksec-test\", O_RDONLY) = -1 ENOENT (No such file or directory)")
            .count(),
        50,
        "{lines}"
    );
    assert!(lines.ends_with("exit_group(0)                           = ?\n+++ exited with 0 +++\n"));
}

#[test]
fn times_are_the_kernels_and_in_order() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let prog = tracee("sleeps");
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let (out, lines) = util::trace_to_file("ebpf", &["-ttt", "-T"], &prog, &[]);
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut last = 0.0f64;
    let mut slept = Vec::new();
    for l in lines.lines().filter(|l| !l.starts_with("+++")) {
        let t: f64 = l
            .split_whitespace()
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no -ttt stamp: {l}"));
        assert!(t >= last, "stamps go back: {l}");
        assert!(
            t >= before.as_secs_f64() - 0.01 && t <= after.as_secs_f64() + 0.01,
            "{l}: not within the run"
        );
        last = t;
        if l.contains("nanosleep(") {
            let d: f64 = l
                .rsplit_once('<')
                .and_then(|(_, d)| d.trim_end_matches('>').parse().ok())
                .unwrap_or_else(|| panic!("no -T: {l}"));
            slept.push(d);
        }
    }
    assert!(!slept.is_empty(), "no sleeps: {lines}");
    // Each sleep's own length, measured in the kernel: at least what was asked.
    let asked = sleeps_asked(&lines);
    for (d, want) in slept.iter().zip(&asked) {
        assert!(*d >= want - 0.0005, "slept {d} s of {want} s");
    }
}

/// The durations the sleeps' lines ask for (`{tv_sec=0, tv_nsec=20000000}`).
fn sleeps_asked(lines: &str) -> Vec<f64> {
    let re = regex::Regex::new(r"\{tv_sec=(\d+), tv_nsec=(\d+)\}").unwrap();
    lines
        .lines()
        .filter(|l| l.contains("nanosleep("))
        .filter_map(|l| re.captures(l))
        .map(|c| c[1].parse::<f64>().unwrap() + c[2].parse::<f64>().unwrap() / 1e9)
        .collect()
}

#[test]
fn a_ring_too_small_loses_records_and_says_so() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    // 200,000 one-byte reads and writes: far more than 4 KiB of records at a time.
    let (out, lines) = util::trace_to_file(
        "ebpf",
        &["--ring-size", "4096", "--json"],
        Path::new("/bin/dd"),
        &[
            "if=/dev/zero",
            "of=/dev/null",
            "bs=1",
            "count=100000",
            "status=none",
        ],
    );
    let (_, err) = text(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("per-call records lost: the eBPF ring buffer was full"),
        "{err}"
    );
    // What was printed is whole: every line JSON, the exit last.
    let n = json_counts(&lines).values().map(|c| c.0).sum::<u64>();
    assert!(n > 0 && n < 200_000, "{n} calls printed");
    assert!(lines.trim_end().ends_with("\"type\":\"exit\"}"), "{lines}");
}

#[test]
fn a_running_process_is_attached_and_left_running() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let mut child = Reaped::spawn(
        std::process::Command::new(tracee("busy"))
            .arg("100000")
            .stdout(Stdio::null()),
    );
    let pid = child.id();
    let mut cmd = ksec(&["trace", "--backend", "ebpf", "-p", &pid.to_string()]);
    cmd.stderr(Stdio::piped()).stdout(Stdio::null());
    let tracer = Reaped::spawn(&mut cmd);
    std::thread::sleep(Duration::from_millis(600));
    interrupt(&tracer);
    let out = tracer.output_timeout(30);
    let (_, err) = text(&out);
    assert!(
        err.contains("nanosleep(") && err.contains("write(1, "),
        "{err}"
    );
    assert!(err.contains(&format!("Process {pid} detached")), "{err}");
    // Never stopped, still running.
    let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("still there");
    let state = st.rsplit_once(") ").map(|(_, r)| &r[..1]);
    assert!(matches!(state, Some("S" | "R")), "{st}");
    child.kill();
}

#[test]
fn all_traces_other_processes() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let mark = format!("/nonexistent/ksec-all-{}", std::process::id());
    let mut cmd = ksec(&["trace", "--all", "-e", "trace=openat"]);
    cmd.stderr(Stdio::piped()).stdout(Stdio::null());
    let tracer = Reaped::spawn(&mut cmd);
    // ksec says nothing when it is attached: the open is repeated for 3 s, long enough on a
    // loaded machine.
    for _ in 0..15 {
        std::thread::sleep(Duration::from_millis(200));
        let cat = run_timeout(std::process::Command::new("/bin/cat").arg(&mark), 10);
        assert!(!cat.status.success());
    }
    interrupt(&tracer);
    let out = tracer.output_timeout(30);
    let (_, err) = text(&out);
    let want =
        format!("openat(AT_FDCWD, \"{mark}\", O_RDONLY) = -1 ENOENT (No such file or directory)");
    assert!(
        err.lines()
            .any(|l| l.ends_with(&want) && l.starts_with("[pid ")),
        "{want} not in:\n{}",
        &err[err.len().saturating_sub(3000)..]
    );
}

#[test]
fn options_the_records_cannot_serve_are_refused() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let out = run_timeout(
        &mut ksec(&[
            "trace",
            "--backend",
            "ebpf",
            "-s",
            "9000",
            "--",
            "/bin/true",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("-s above 8190 needs the ptrace backend"),
        "{out:?}"
    );
    let out = run_timeout(
        &mut ksec(&["trace", "--ring-size", "3000", "--", "/bin/true"]),
        30,
    );
    assert!(!out.status.success());
    assert!(text(&out).1.contains("--ring-size 3000"), "{out:?}");
}

/// The lines of fixtures/tracees/fdreuse.c under `-yy` (the fd-naming calls only), traced by
/// ksec's `backend` or by strace (`"strace"`), with the pipe's and socket's numbers as N.
fn fdreuse_lines(backend: &str, dir: &Path) -> Vec<String> {
    let prog = tracee("fdreuse");
    let d = dir.display().to_string();
    let filter = "trace=openat,read,close,unlink,pipe2,write,socket,bind,listen";
    let mut cmd = match backend {
        "strace" => std::process::Command::new("strace"),
        _ => ksec(&["trace", "--backend", backend]),
    };
    let out = util::run(
        cmd.args(["-yy", "-e", filter])
            .arg(&prog)
            .arg(&d)
            .current_dir(dir),
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let subs = [
        (r"(pipe:\[|TCP:\[)\d+\]", "${1}N]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:N"),
        (r"\) +=", ") ="),
    ]
    .map(|(re, to)| (regex::Regex::new(re).unwrap(), to));
    text(&out)
        .1
        .lines()
        .skip_while(|l| !l.contains("/first"))
        .filter(|l| !l.starts_with("+++"))
        .map(|l| {
            subs.iter().fold(l.to_string(), |l, (re, to)| {
                re.replace_all(&l, *to).into_owned()
            })
        })
        .collect()
}

#[test]
fn fds_are_named_as_they_were_at_each_call_after_the_process_ended() {
    require!(ebpf_available(), "needs root and BTF for the eBPF backend");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("first"), "1").unwrap();
    std::fs::write(dir.join("second"), "2").unwrap();
    let d = dir.display().to_string();
    // The tracee runs its calls in well under the reader's 10 ms poll and exits: its lines are
    // made after it ended, fd 3 by then closed (and its number used three times over).
    let lines = fdreuse_lines("ebpf", dir);
    let want = [
        format!("openat(AT_FDCWD<{d}>, \"{d}/first\", O_RDONLY) = 3<{d}/first>"),
        format!("read(3<{d}/first>, \"1\", 1) = 1"),
        format!("close(3<{d}/first>) = 0"),
        format!("openat(AT_FDCWD<{d}>, \"{d}/second\", O_RDONLY) = 3<{d}/second>"),
        format!("unlink(\"{d}/second\") = 0"),
        format!("read(3<{d}/second>(deleted), \"2\", 1) = 1"),
        format!("close(3<{d}/second>(deleted)) = 0"),
        "pipe2([3<pipe:[N]>, 4<pipe:[N]>], 0) = 0".to_string(),
        "write(4<pipe:[N]>, \"x\", 1) = 1".to_string(),
        "close(3<pipe:[N]>) = 0".to_string(),
        "close(4<pipe:[N]>) = 0".to_string(),
        "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3<TCP:[N]>".to_string(),
        "bind(3<TCP:[N]>, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0".to_string(),
        "listen(3<TCP:[127.0.0.1:N]>, 1) = 0".to_string(),
        "close(3<TCP:[127.0.0.1:N]>) = 0".to_string(),
    ];
    assert_eq!(lines, want, "{lines:#?}");
    // As the ptrace backend names them, with the task stopped at each call.
    std::fs::write(dir.join("second"), "2").unwrap();
    assert_eq!(fdreuse_lines("ptrace", dir), want);
    // And as strace names them.
    if util::which("strace").is_some() {
        std::fs::write(dir.join("second"), "2").unwrap();
        assert_eq!(fdreuse_lines("strace", dir), want);
    } else {
        util::skipped_in_part("fdreuse under strace: strace is not installed");
    }
}
