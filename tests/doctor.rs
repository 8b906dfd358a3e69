//! `ksec doctor`: as root on this machine every feature works and the stable facts are exact;
//! as nobody the eBPF, fallback, attach and other-user rows say why not; the table and the JSON
//! say the same; a --proc-root that is no /proc is an error.

use std::process::Command;

use serde_json::Value;

use crate::require;
use crate::util::{self, ksec, run, run_timeout, text};

fn json_of(out: &std::process::Output) -> Value {
    let (stdout, stderr) = text(out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "", "doctor prints nothing on stderr");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#}"))
}

fn feature<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feature"] == name)
        .unwrap_or_else(|| panic!("no feature {name}: {report:#}"))
}

/// The cgroup layout as stat(1) sees it, independently of ksec's mountinfo reading.
fn cgroup_by_stat() -> Option<&'static str> {
    let fs_type = |path: &str| -> Option<String> {
        let out = Command::new("stat")
            .args(["-f", "-c", "%T", path])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match fs_type("/sys/fs/cgroup")?.as_str() {
        "cgroup2fs" => Some("v2"),
        _ if fs_type("/sys/fs/cgroup/unified").as_deref() == Some("cgroup2fs") => Some("hybrid"),
        _ => Some("v1"),
    }
}

const FEATURES: [&str; 11] = [
    "trace (ptrace)",
    "trace -p (ptrace)",
    "trace --backend ebpf",
    "watch (ebpf)",
    "watch --source fallback",
    "ps",
    "fds",
    "environ",
    "root",
    "grep-secret",
    "grep-secret --memory",
];

#[test]
fn as_root_everything_works_here() {
    require!(
        util::is_root(),
        "needs root: the probes load eBPF and read other users' /proc"
    );
    require!(
        std::path::Path::new("/sys/kernel/btf/vmlinux").exists(),
        "needs a kernel with BTF"
    );
    let report = json_of(&run(ksec(&["doctor", "--json"])));
    let names: Vec<&str> = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert_eq!(names, FEATURES);
    for f in report["features"].as_array().unwrap() {
        assert_eq!(f["works"], true, "{f}");
    }
    assert_eq!(
        feature(&report, "trace --backend ebpf")["reason"],
        "bpf/trace.bpf.o loaded and attached (6 raw tracepoints)"
    );
    assert_eq!(
        feature(&report, "watch (ebpf)")["reason"],
        "bpf/watch.bpf.o loaded and attached (5 raw tracepoints)"
    );
    assert_eq!(
        feature(&report, "trace -p (ptrace)")["reason"],
        "every process (CAP_SYS_PTRACE)"
    );
    for f in [
        "fds",
        "environ",
        "root",
        "grep-secret",
        "grep-secret --memory",
    ] {
        assert_eq!(feature(&report, f)["reason"], "every process", "{f}");
    }
    assert_eq!(check(&report, "euid")["value"], "0 (root)");
    for cap in [
        "CAP_DAC_READ_SEARCH",
        "CAP_NET_ADMIN",
        "CAP_SYS_PTRACE",
        "CAP_SYS_ADMIN",
        "CAP_PERFMON",
        "CAP_BPF",
    ] {
        assert_eq!(check(&report, cap)["state"], "ok", "{cap}");
        assert_eq!(check(&report, cap)["value"], "effective", "{cap}");
    }
    let btf = check(&report, "btf");
    assert_eq!(
        (&btf["state"], &btf["value"]),
        (&"ok".into(), &"/sys/kernel/btf/vmlinux".into())
    );
    assert_eq!(check(&report, "ptrace a child")["state"], "ok");
    assert_eq!(check(&report, "bpf load")["state"], "ok");
    assert_eq!(
        check(&report, "openat2")["value"],
        "openat2(RESOLVE_IN_ROOT) works"
    );
    assert_eq!(check(&report, "fanotify")["state"], "ok");
    assert_eq!(
        check(&report, "proc connector")["value"],
        "subscribed (PROC_CN_MCAST_LISTEN acknowledged)"
    );
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    assert_eq!(check(&report, "kernel")["value"], release.trim());
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .map_or("absent".to_string(), |s| s.trim().to_string());
    assert_eq!(check(&report, "ptrace_scope")["value"], scope.as_str());
    if let Some(mode) = cgroup_by_stat() {
        assert_eq!(check(&report, "cgroup")["value"], mode);
    }
    assert_eq!(check(&report, "proc root")["value"], "/proc");
    // The other user's process is a sleep(1) ksec started as nobody.
    let other = check(&report, "other's environ");
    assert_eq!(other["state"], "ok", "{other}");
    assert!(
        other["detail"]
            .as_str()
            .unwrap()
            .ends_with(", a sleep(1) started as nobody, uid 65534)"),
        "{other}"
    );
    if util::which("podman").is_some() {
        let podman = check(&report, "runtime podman");
        assert_eq!(podman["state"], "ok", "{podman}");
        let runtime = report["runtimes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "podman")
            .unwrap();
        let bin = util::which("podman").unwrap();
        assert!(
            runtime["binaries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| std::path::Path::new(b.as_str().unwrap()) == bin),
            "{runtime} {}",
            bin.display()
        );
    }
}

#[test]
fn as_nobody_the_rows_say_why_not() {
    require!(util::is_root(), "needs root to drop to nobody");
    require!(util::which("setpriv").is_some(), "needs setpriv");
    let out = run_timeout(
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
            ])
            .arg(util::ksec_bin())
            .args(["doctor", "--json"]),
        60,
    );
    let report = json_of(&out);
    assert_eq!(check(&report, "euid")["value"], "65534");
    assert_eq!(check(&report, "CAP_BPF")["value"], "not effective");
    let works = |name: &str| feature(&report, name)["works"].as_bool().unwrap();
    let reason = |name: &str| {
        feature(&report, name)["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(works("trace (ptrace)"), "{}", reason("trace (ptrace)"));
    assert!(works("ps"));
    for f in [
        "trace --backend ebpf",
        "watch (ebpf)",
        "watch --source fallback",
    ] {
        assert!(!works(f), "{f}: {}", reason(f));
    }
    let trace = reason("trace --backend ebpf");
    assert!(
        trace.starts_with("load bpf/trace.bpf.o: ")
            && trace.contains("Operation not permitted")
            && trace.ends_with(" (needs root, or CAP_BPF and CAP_PERFMON)"),
        "{trace}"
    );
    let watch = reason("watch (ebpf)");
    assert!(
        watch.starts_with(
            "the eBPF event source needs root, or CAP_BPF and CAP_PERFMON: load bpf/watch.bpf.o: "
        ) && watch.contains("Operation not permitted"),
        "{watch}"
    );
    assert_eq!(check(&report, "bpf load")["value"].as_str().unwrap(), trace);
    assert_eq!(
        reason("watch --source fallback"),
        "fanotify: fanotify_init: Operation not permitted (needs CAP_SYS_ADMIN)"
    );
    let attach = match std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .map(|s| s.trim().to_string())
        .as_deref()
    {
        Ok("1") => {
            "ptrace_scope is 1: only ksec's own descendants (use trace -- CMD), or CAP_SYS_PTRACE"
        }
        Ok("2") => "ptrace_scope is 2: attaching needs CAP_SYS_PTRACE",
        Ok("3") => "ptrace_scope is 3: no process can be attached",
        _ => "only processes of uid 65534 (other users' need CAP_SYS_PTRACE)",
    };
    assert_eq!(reason("trace -p (ptrace)"), attach);
    let denied = |file: &str| {
        format!(
            "only processes of uid 65534: /proc/1/{file}: Permission denied (os error 13) \
             (other users' need CAP_SYS_PTRACE)"
        )
    };
    assert_eq!(reason("fds"), denied("fd"));
    assert_eq!(reason("environ"), denied("environ"));
    assert_eq!(reason("root"), denied("root"));
    assert_eq!(reason("grep-secret"), denied("fd"));
    assert_eq!(reason("grep-secret --memory"), denied("maps"));
    for f in [
        "fds",
        "environ",
        "root",
        "grep-secret",
        "grep-secret --memory",
    ] {
        assert!(!works(f), "{f}");
    }
}

#[test]
fn the_table_says_what_the_json_says() {
    let report = json_of(&run(ksec(&["doctor", "--json"])));
    let out = run(ksec(&["doctor"]));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let checks = report["checks"].as_array().unwrap();
    let features = report["features"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        1 + checks.len() + 1 + 1 + features.len(),
        "{stdout}"
    );
    assert!(lines[0].starts_with("CHECK "), "{stdout}");
    let blank = checks.len() + 1;
    assert_eq!(lines[blank], "");
    let header: Vec<&str> = lines[blank + 1].split_whitespace().collect();
    assert_eq!(header, ["FEATURE", "WORKS", "REASON"]);
    for (line, c) in lines[1..blank].iter().zip(checks) {
        let name = c["name"].as_str().unwrap();
        assert!(line.starts_with(name), "{line} / {name}");
        let state = match c["state"].as_str().unwrap() {
            "ok" => "ok",
            "no" => "no",
            _ => "-",
        };
        let rest: Vec<&str> = line[name.len()..].split_whitespace().collect();
        assert_eq!(rest[0], state, "{line}");
    }
    for (line, f) in lines[blank + 2..].iter().zip(features) {
        let name = f["feature"].as_str().unwrap();
        assert!(line.starts_with(name), "{line} / {name}");
        let rest: Vec<&str> = line[name.len()..].split_whitespace().collect();
        let works = if f["works"] == true { "yes" } else { "no" };
        assert_eq!(rest[0], works, "{line}");
        // Two runs: how many mounts the fallback source marks changes as containers come and go.
        if name != "watch --source fallback" {
            assert!(line.ends_with(f["reason"].as_str().unwrap()), "{line}");
        }
    }
}

#[test]
fn a_proc_root_that_is_no_proc_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(ksec(&["doctor", "--proc-root"]).arg(dir.path()));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "ksec: --proc-root: {}: not a procfs, and no pid directory in it \
             (is the host's /proc mounted there?)",
            dir.path().display()
        )
    );
}
