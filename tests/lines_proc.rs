//! `ksec trace` and strace side by side on the process and signal calls
//! (fixtures/tracees/proc_calls.c) and on seccomp filters (fixtures/tracees/seccomp.c): the
//! same lines once addresses, pids and the padding before ` = ` are normalized.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::require;
use crate::util::{self, text, tracee};

/// The calls compared (every call of the process and signal families the fixture makes).
const CALLS: &str = "trace=rt_sigprocmask,rt_sigpending,rt_sigaction,kill,tgkill,tkill,alarm,\
sigaltstack,signalfd4,rt_sigtimedwait,rt_sigqueueinfo,pidfd_open,pidfd_send_signal,prctl,\
arch_prctl,getrlimit,setrlimit,prlimit64,personality,capget,unshare,clone,clone3,wait4,waitid,\
execve,exit_group,set_robust_list,set_tid_address";

/// Addresses as `0xX`, the tracee's and its children's pids as `PID`, `CHILD1`..., and one
/// space before ` = ` (the padding depends on the lengths of both).
fn normalize(s: &str) -> Vec<String> {
    let hex = regex::Regex::new(r"0x[0-9a-f]{5,}").unwrap();
    let pad = regex::Regex::new(r" +(= (-1|\d+|\?|0x))").unwrap();
    let pid = regex::Regex::new(r"^set_tid_address\(.*\) += (\d+)$").unwrap();
    let child = regex::Regex::new(r"^clone\(.*\) += (\d+)$").unwrap();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for l in s.lines() {
        if let Some(c) = pid.captures(l) {
            names.insert(c[1].to_string(), "PID".to_string());
        }
        if let Some(c) = child.captures(l) {
            let n = format!("CHILD{}", names.len());
            names.entry(c[1].to_string()).or_insert(n);
        }
    }
    let num = regex::Regex::new(r"\b\d{2,}\b").unwrap();
    s.lines()
        .map(|l| {
            let l = hex.replace_all(l, "0xX");
            let l = pad.replace_all(&l, " $1");
            num.replace_all(&l, |c: &regex::Captures| {
                names
                    .get(&c[0])
                    .cloned()
                    .unwrap_or_else(|| c[0].to_string())
            })
            .into_owned()
        })
        .collect()
}

fn strace(flags: &[&str], prog: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out");
    let out = util::run(
        Command::new("strace")
            .args(flags)
            .arg("-o")
            .arg(&out_file)
            .arg(prog)
            .stdout(Stdio::null()),
    );
    assert!(out.status.code().is_some(), "strace: {}", text(&out).1);
    std::fs::read_to_string(&out_file).unwrap_or_default()
}

fn compare(flags: &[&str]) {
    compare_prog("proc_calls", CALLS, flags, 40);
}

/// The lines of tracee `name` under `-e CALLS FLAGS` by both tracers, the same and more than
/// `min` of them; ksec's, normalized.
fn compare_prog(name: &str, calls: &str, flags: &[&str], min: usize) -> Vec<String> {
    let prog = tracee(name);
    let mut f = vec!["-e", calls];
    f.extend_from_slice(flags);
    let (out, ksec) = util::trace_to_file("ptrace", &f, &prog, &[]);
    assert!(out.status.success(), "ksec trace: {}", text(&out).1);
    let strace = strace(&f, &prog);
    let (k, s) = (normalize(&ksec), normalize(&strace));
    assert!(s.len() > min, "strace printed too little:\n{strace}");
    for (i, (a, b)) in s.iter().zip(&k).enumerate() {
        assert_eq!(
            b,
            a,
            "line {} differs\nstrace:\n{strace}\nksec:\n{ksec}",
            i + 1
        );
    }
    assert_eq!(k.len(), s.len(), "strace:\n{strace}\nksec:\n{ksec}");
    k
}

#[test]
fn process_and_signal_calls_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    compare(&[]);
}

#[test]
fn process_and_signal_calls_with_v_and_s_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    compare(&["-v", "-s", "8"]);
}

/// seccomp(SECCOMP_SET_MODE_FILTER) and prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER): the
/// program's address, and with -v the program (every classic BPF class, unknown codes,
/// seccomp's return actions), refused and unreadable filters.
#[test]
fn seccomp_filters_print_as_strace() {
    require!(util::which("strace").is_some(), "strace is not installed");
    let calls = "trace=prctl,seccomp,getppid";
    let plain = compare_prog("seccomp", calls, &[], 6);
    assert_eq!(
        plain[1],
        "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {len=7, filter=0xX}) = 0"
    );
    let verbose = compare_prog("seccomp", calls, &["-v"], 6);
    assert!(
        verbose[1].ends_with(
            "BPF_JUMP(BPF_JMP|BPF_K|BPF_JEQ, 0x6e, 0, 0x1), \
             BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ERRNO|0x1), \
             BPF_STMT(BPF_RET|BPF_K, SECCOMP_RET_ALLOW)]}) = 0"
        ),
        "{}",
        verbose[1]
    );
    assert_eq!(verbose[2], "getppid() = -1 EPERM (Operation not permitted)");
    assert!(
        verbose[4].contains("filter=[BPF_STMT(BPF_MISC|0xf8 /* BPF_??? */|0xff00 /* BPF_??? */, 0), BPF_STMT(BPF_LD|BPF_DW|BPF_ABS, 0)]"),
        "{}",
        verbose[4]
    );
}
