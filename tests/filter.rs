//! The syscall filter (`-e trace=SET` and the other `-e` qualifiers, src/trace/filter/) against
//! the strace on this machine: fixtures/strace/probe.c, compiled here, makes every syscall number
//! without running it, and strace's selection is compared with ksec's for the same expression.
//! The filter's own unit tests (no strace, no C) are in src/trace/filter/. x86_64 only: the
//! probe makes x86_64 and i386 syscalls.
#![cfg(target_arch = "x86_64")]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use ksec::trace::arch::Personality::{self, Compat32, Native};
use ksec::trace::filter::Filter;
use ksec::trace::syscalls::{self, Subcall};

use crate::util;

/// Seconds any one process of these tests may take (a hang is a bug).
const TIMEOUT: u64 = 120;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn filter(exprs: &[&str]) -> Filter {
    Filter::parse(&strings(exprs), &[]).unwrap_or_else(|e| panic!("{exprs:?}: {e}"))
}

fn error(exprs: &[&str]) -> String {
    Filter::parse(&strings(exprs), &[]).expect_err(&format!("{exprs:?} must fail"))
}

/// The names `wants` accepts.
fn names(f: &Filter, p: Personality) -> BTreeSet<&'static str> {
    syscalls::all(p)
        .filter(|s| f.wants(p, s.nr))
        .map(|s| s.name)
        .collect()
}

fn nr(p: Personality, name: &str) -> u64 {
    syscalls::number(p, name).unwrap_or_else(|| panic!("{name} not in {p:?}"))
}

const CLASSES: [&str; 17] = [
    "%desc", "%file", "%ipc", "%network", "%process", "%signal", "%memory", "%creds", "%clock",
    "%stat", "%lstat", "%fstat", "%%stat", "%statfs", "%fstatfs", "%%statfs", "%pure",
];

/// Expressions strace 6.1 rejects (`bad`) or accepts (`good`), shared with the unit tests.
fn expressions(kind: &str) -> Vec<&'static str> {
    include_str!("../fixtures/strace/expressions.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .filter(|&(k, _)| k == kind)
        .map(|(_, e)| e)
        .collect()
}

/// Runs `cmd` (with a timeout) and tells whether it succeeded.
fn succeeds(cmd: &mut Command) -> bool {
    util::run_timeout(cmd, TIMEOUT).status.success()
}

/// A compiled fixtures/strace/probe.c and what it needs, or why the live tests cannot run.
struct Live {
    dir: tempfile::TempDir,
    probe: PathBuf,
}

fn live() -> Result<Live, String> {
    if !std::path::Path::new("/usr/bin/strace").exists() {
        return Err("/usr/bin/strace is not installed".into());
    }
    if !succeeds(Command::new("/usr/bin/strace").args(["-o", "/dev/null", "true"])) {
        return Err("strace cannot trace here (ptrace not permitted?)".into());
    }
    if util::which("gcc").is_none() {
        return Err("gcc is not installed (to build fixtures/strace/probe.c)".into());
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let probe = util::build_c("strace/probe.c", &["-O1"]);
    for mode in ["64", "32"] {
        if !succeeds(Command::new(&probe).args([mode, "0", "0"])) {
            return Err(format!(
                "probe {mode} cannot run (seccomp or int $0x80 missing)"
            ));
        }
    }
    Ok(Live { dir, probe })
}

/// The live setup, or `SKIPPED <test>: <why>` and return.
macro_rules! require_live {
    () => {
        match live() {
            Ok(l) => l,
            Err(why) => {
                util::skipped(why);
                return;
            }
        }
    };
}

/// The named syscalls strace selects for `-e trace=SET`, made by the probe in personality p.
fn strace_selects(live: &Live, set: &str, p: Personality) -> BTreeSet<String> {
    strace_selects_args(live, &["-e", &format!("trace={set}")], p)
}

/// The same, for any strace options (after `-e raw=all`).
fn strace_selects_args(live: &Live, args: &[&str], p: Personality) -> BTreeSet<String> {
    let out = live.dir.path().join("out");
    let (mode, ranges): (&str, &[&str]) = match p {
        // 335..424 is a hole in the x86_64 table; some sandboxes' kernels use it.
        Native => ("64", &["0", "335", "424", "470"]),
        Compat32 => ("32", &["0", "470"]),
    };
    let run = util::run_timeout(
        Command::new("/usr/bin/strace")
            .arg("-o")
            .arg(&out)
            .args(["-e", "raw=all"])
            .args(args)
            .arg(&live.probe)
            .arg(mode)
            .args(ranges),
        TIMEOUT,
    );
    assert!(run.status.success(), "strace {args:?}: {}", run.status);
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .filter(|l| l.ends_with("(Memory page has hardware error)"))
        .map(|l| l.split('(').next().unwrap().to_string())
        .filter(|n| !n.starts_with("syscall_"))
        .collect()
}

/// Regular expressions where glibc's POSIX dialect and the regex crate's differ, or might.
const REGEXES: &[&str] = &[
    r"\d",
    r"\<read",
    r"read\>",
    r"\bread",
    r"\w+64$",
    r"\`get",
    r"id\'",
    r"[\d]",
    r"[]a]",
    r"[^]a-z_]",
    r"[a&&b]",
    r"[~]",
    r"[[:digit:]]$",
    r"[[:upper:]]",
    r"^.{4}$",
    r"^(get|set)(res)?[ug]id(32)?$",
    r"a|",
    r"^_",
    r"\.",
    r"\_",
    r"x{2}",
    r"^[a-c]+$",
];

/// Several qualifiers on one command line, in strace's order.
#[test]
fn live_qualifier_order_matches_strace() {
    let live = require_live!();
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &["-e", "trace=write", "-e", "trace=read"],
            &["trace=write", "trace=read"],
            &[],
        ),
        (&["-e", "read"], &["read"], &[]),
        (&["-e", "t=write"], &["t=write"], &[]),
        (&["--trace=write", "--trace=read"], &[], &["write", "read"]),
        (
            &[
                "-e",
                "trace=%file",
                "-e",
                "abbrev=none",
                "-e",
                "t=%%stat",
                "-e",
                "signal=all",
            ],
            &["trace=%file", "abbrev=none", "t=%%stat", "signal=all"],
            &[],
        ),
    ];
    for p in Personality::ALL {
        let known = strace_selects(&live, "all", p);
        for (args, exprs, sets) in cases {
            let f = Filter::parse(&strings(exprs), &strings(sets)).unwrap();
            let got: BTreeSet<String> = names(&f, p)
                .into_iter()
                .filter(|n| known.contains(*n))
                .map(String::from)
                .collect();
            assert_eq!(got, strace_selects_args(&live, args, p), "{p:?} {args:?}");
        }
    }
}

#[test]
fn live_regexes_match_strace() {
    let live = require_live!();
    for p in Personality::ALL {
        let known = strace_selects(&live, "all", p);
        for re in REGEXES {
            // `?`: strace refuses a regex that matches nothing.
            let f = filter(&[&format!("trace=?/{re}")]);
            let got: BTreeSet<String> = names(&f, p)
                .into_iter()
                .filter(|n| known.contains(*n))
                .map(String::from)
                .collect();
            let want = strace_selects(&live, &format!("?/{re}"), p);
            assert_eq!(got, want, "{p:?} /{re}");
        }
    }
}

#[test]
fn live_sets_match_strace() {
    let live = require_live!();
    let mut sets: Vec<String> = CLASSES.iter().map(|c| c.to_string()).collect();
    sets.extend(
        [
            "%net",
            "file",
            "process",
            "!%file",
            "!!%desc",
            "%stat,%lstat,close",
            "/^(read|write)$",
            "/stat",
            "/^[[:alpha:]]+32$",
            "5",
            "?nosuch,read",
            "read@32",
            "%pure@64,1@32",
            "all",
            "none",
            "!none",
            "read,all",
            "arch_prctl,waitpid",
            "!%memory,%ipc",
        ]
        .map(String::from),
    );
    for p in Personality::ALL {
        let known = strace_selects(&live, "all", p);
        for set in &sets {
            let want = strace_selects(&live, set, p);
            let got: BTreeSet<String> = names(&filter(&[&format!("trace={set}")]), p)
                .into_iter()
                .filter(|n| known.contains(*n))
                .map(String::from)
                .collect();
            assert_eq!(got, want, "{p:?} -e trace={set}");
        }
    }
}

/// strace's decoding of i386 socketcall and ipc calls, against the probe's `sub` mode.
#[test]
fn live_multiplexed_calls_match_strace() {
    let live = require_live!();
    let out = live.dir.path().join("sub");
    let socketcall = nr(Compat32, "socketcall");
    let ipc = nr(Compat32, "ipc");
    let calls: Vec<(u64, u64)> = (0..=21)
        .map(|c| (socketcall, c))
        .chain((0..=25).map(|c| (ipc, c)))
        .chain((0..=25).map(|c| (ipc, 0x1_0000 | c)))
        .collect();
    for set in [
        "all",
        "none",
        "%network",
        "!%network",
        "%ipc",
        "%memory",
        "%desc",
        "socketcall",
        "ipc",
        "send,recv",
        "/^se",
        "accept",
        "socket",
        "shmat@32",
        "%ipc@64",
    ] {
        let run = util::run_timeout(
            Command::new("/usr/bin/strace")
                .arg("-o")
                .arg(&out)
                .args(["-e", "raw=all", "-e", &format!("trace={set}")])
                .arg(&live.probe)
                .arg("sub"),
            TIMEOUT,
        );
        assert!(
            run.status.success(),
            "strace -e trace={set}: {}",
            run.status
        );
        let printed: Vec<String> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .filter(|l| l.ends_with("(Memory page has hardware error)"))
            .map(|l| l.split('(').next().unwrap().to_string())
            .filter(|n| n != "getpid")
            .collect();
        let f = filter(&[&format!("trace={set}")]);
        let predicted: Vec<String> = calls
            .iter()
            .filter_map(|&(mux, arg0)| match Subcall::decode(Compat32, mux, arg0) {
                Some(sub) => f.wants_subcall(sub).then(|| sub.name().to_string()),
                None => f
                    .wants(Compat32, mux)
                    .then(|| Compat32.syscall_name(mux).unwrap().to_string()),
            })
            .collect();
        assert_eq!(predicted, printed, "-e trace={set}");
    }
}

#[test]
fn live_errors_match_strace() {
    let live = require_live!();
    drop(live);
    let run = |expr: &str| {
        util::run_timeout(
            Command::new("/usr/bin/strace").args(["-c", "-o", "/dev/null", "-e", expr, "true"]),
            TIMEOUT,
        )
    };
    for expr in expressions("bad") {
        let out = run(expr);
        assert!(!out.status.success(), "strace accepts -e {expr}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        let want = first.strip_prefix("/usr/bin/strace: ").unwrap_or(first);
        assert_eq!(error(&[expr]), want, "-e {expr}");
    }
    for expr in expressions("good") {
        assert!(run(expr).status.success(), "strace rejects -e {expr}");
        assert!(Filter::parse(&strings(&[expr]), &[]).is_ok(), "-e {expr}");
    }
}
