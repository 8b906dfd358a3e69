//! `ksec trace` without -c: strace's per-call lines, compared with strace 6.1 on the same
//! programs (fixtures/tracees/lines.c), and every option of the per-call printer: -o, -f
//! prefixes, -ff, -s, -x/-xx, -T, -t/-tt/-ttt, -r, -z/-Z, -e status=, -e signal=, -e trace=,
//! -q/-qq, -y, -C, --json, unfinished/resumed, signals, exits, kills, attach and detach.

use std::process::Stdio;

use crate::require;
use crate::util::lines::{self, both, compare, normalise};
use crate::util::{self, run_timeout, text, tracee, Reaped};

fn can_trace() -> Option<String> {
    if !util::is_root() {
        return Some("needs root for ptrace".into());
    }
    if util::which("strace").is_none() {
        return Some("needs strace to compare with".into());
    }
    None
}

/// The lines of a run after the libc startup of a static binary: from the first call that is
/// not part of it.
fn after_startup(lines: &[String]) -> Vec<String> {
    // A static glibc binary's startup ends with its prlimit64/mprotect/readlink calls; the
    // tracee's own calls follow. Everything is compared anyway: this only shortens messages.
    lines.to_vec()
}

/// ksec's and strace's normalised lines of `lines MODE` with `flags` are the same (as
/// multisets).
fn same_as_strace(flags: &[&str], mode: &str) -> (lines::Run, lines::Run) {
    let prog = tracee("lines");
    let argv = [prog.to_str().unwrap(), mode];
    let (ours, theirs) = both(flags, &argv);
    let (a, b) = (normalise(&ours.text), normalise(&theirs.text));
    let mut c = compare(&after_startup(&a), &after_startup(&b));
    // A futex wait races with its waker: EAGAIN or 0, run by run, under either tracer.
    let racy = |l: &String| l.starts_with("futex(");
    if c.missing.iter().all(racy) && c.extra.iter().all(racy) {
        c.missing.clear();
        c.extra.clear();
    }
    assert!(
        c.missing.is_empty() && c.extra.is_empty(),
        "ksec trace {flags:?} lines {mode}: {}/{} lines identical\nstrace only:\n{}\nksec only:\n{}\n--- ksec:\n{}\n--- strace:\n{}",
        c.identical,
        c.total,
        c.missing.join("\n"),
        c.extra.join("\n"),
        ours.text,
        theirs.text
    );
    (ours, theirs)
}

#[test]
fn basic_calls_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let (ours, _) = same_as_strace(&[], "basic");
    assert_eq!(ours.out.status.code(), Some(0));
    // Escapes and non-UTF-8 bytes, cut at 32 bytes.
    assert!(
        ours.text
            .contains(r#"write(3, "ab\0\n\t\377\"1234567890123456789012345"..., 48) = 48"#),
        "{}",
        ours.text
    );
    assert!(
        ours.text
            .contains(r#"openat(AT_FDCWD, "/nonexistent/\1\377\"q\\", O_RDONLY) = -1 ENOENT (No such file or directory)"#),
        "{}",
        ours.text
    );
    // The return column is strace's 40.
    assert!(
        ours.text.lines().any(
            |l| l == "close(1000)                             = -1 EBADF (Bad file descriptor)"
        ),
        "{}",
        ours.text
    );
    assert!(ours
        .text
        .ends_with("exit_group(0)                           = ?\n+++ exited with 0 +++\n"));
}

#[test]
fn string_options_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    for flags in [
        &["-s", "5"][..],
        &["-x"],
        &["-xx"],
        &["-s0"],
        &["-a", "20"],
        &["-v"],
    ] {
        same_as_strace(flags, "basic");
    }
}

#[test]
fn status_and_trace_filters_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    for flags in [
        &["-z"][..],
        &["-Z"],
        &["-e", "status=failed,unfinished"],
        &["-e", "trace=openat,close"],
        &["-e", "trace=!write", "-qq"],
    ] {
        same_as_strace(flags, "basic");
    }
    let (ours, _) = same_as_strace(&["-Z"], "basic");
    assert!(
        ours.text
            .lines()
            .all(|l| l.contains("= -1 ") || l.starts_with("+++")),
        "{}",
        ours.text
    );
}

#[test]
fn signals_forks_and_kills_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let (ours, _) = same_as_strace(&[], "signal");
    assert!(
        ours.text
            .contains("--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid="),
        "{}",
        ours.text
    );
    same_as_strace(&["-e", "signal=none"], "signal");
    let (ours, _) = same_as_strace(&["-f"], "fork");
    // -o FILE with -f: every line starts with the tid, `%-5u `.
    assert!(
        ours.text.lines().all(|l| l
            .split_once(" ")
            .is_some_and(|(p, _)| p.parse::<u32>().is_ok())),
        "{}",
        ours.text
    );
    assert!(ours.text.contains("+++ exited with 3 +++"), "{}", ours.text);
    let (ours, _) = same_as_strace(&[], "kill");
    assert!(
        ours.text.ends_with("+++ killed by SIGKILL +++\n"),
        "{}",
        ours.text
    );
    assert_eq!(ours.out.status.code(), None, "killed as its command was");
}

#[test]
fn vfork_and_a_non_leader_execve_with_f_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let (ours, _) = same_as_strace(&["-f"], "vfork");
    assert!(ours.text.contains("vfork("), "{}", ours.text);
    assert!(ours.text.contains("+++ exited with 4 +++"), "{}", ours.text);
    // A thread that is not the leader execs: the leader is superseded, the thread takes its
    // pid (fixtures/tracees/thread_exec.c).
    let prog = tracee("thread_exec");
    let (ours, theirs) = both(&["-f"], &[prog.to_str().unwrap()]);
    let c = compare(&normalise(&ours.text), &normalise(&theirs.text));
    assert!(
        c.missing.is_empty() && c.extra.is_empty(),
        "strace only:\n{}\nksec only:\n{}\n--- ksec:\n{}\n--- strace:\n{}",
        c.missing.join("\n"),
        c.extra.join("\n"),
        ours.text,
        theirs.text
    );
    assert!(
        ours.text.contains("+++ superseded by execve in pid "),
        "{}",
        ours.text
    );
    assert!(ours.text.contains("+++ exited with 7 +++"), "{}", ours.text);
}

#[test]
fn an_unfinished_clone_ends_where_strace_ends_it() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let prog = tracee("lines");
    let argv = [prog.to_str().unwrap(), "clonevfork"];
    let (ours, theirs) = both(&["-f"], &argv);
    // The halves as printed (not joined), prefixes dropped, addresses and pids masked.
    let addr = regex::Regex::new(r"0x[0-9a-f]+").unwrap();
    let num = regex::Regex::new(r"= \d+$").unwrap();
    let halves = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("clone("))
            .chain(t.lines().filter(|l| l.contains("<... clone resumed>")))
            .map(|l| {
                let l = l.split_once(' ').map_or(l, |(_, r)| r).trim_start();
                num.replace(&addr.replace_all(l, "0xADDR"), "= N")
                    .into_owned()
            })
            .collect()
    };
    let want = vec![
        "clone(child_stack=NULL, flags=CLONE_VFORK|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>"
            .to_string(),
        "<... clone resumed>, child_tidptr=0xADDR) = N".to_string(),
    ];
    assert_eq!(halves(&theirs.text), want, "strace:\n{}", theirs.text);
    assert_eq!(halves(&ours.text), want, "ksec:\n{}", ours.text);
}

#[test]
fn cpu_placement_same_prints_the_same_lines() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let prog = tracee("lines");
    for mode in ["fork", "block"] {
        let argv = [prog.to_str().unwrap(), mode];
        let ours = lines::run(false, &["-f", "--cpu-placement", "same"], &argv);
        let theirs = lines::run(true, &["-f"], &argv);
        let mut c = compare(&normalise(&ours.text), &normalise(&theirs.text));
        // A futex wait races with its waker: EAGAIN or 0, run by run, under either tracer.
        let racy = |l: &String| l.starts_with("futex(");
        if c.missing.iter().all(racy) && c.extra.iter().all(racy) {
            c.missing.clear();
            c.extra.clear();
        }
        assert!(
            c.missing.is_empty() && c.extra.is_empty(),
            "{mode}: strace only:\n{}\nksec only:\n{}",
            c.missing.join("\n"),
            c.extra.join("\n")
        );
    }
}

#[test]
fn interleaved_calls_are_unfinished_then_resumed() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let (ours, _) = same_as_strace(&["-f"], "block");
    // The reader thread blocks in read until the main thread writes.
    let (reader_line, resumed) = ours
        .text
        .lines()
        .filter_map(|l| l.split_once(" ").map(|(t, r)| (t, r.trim_start())))
        .fold((None, None), |(a, b), (tid, rest)| {
            (
                a.or(rest.starts_with("read(3,  <unfinished ...>").then_some(tid)),
                b.or(rest
                    .starts_with("<... read resumed>\"x\", 16)")
                    .then_some(tid)),
            )
        });
    assert!(
        reader_line.is_some() && reader_line == resumed,
        "{}",
        ours.text
    );
}

#[test]
fn separate_files_per_task_match_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let prog = tracee("lines");
    let dir = tempfile::tempdir().unwrap();
    for (tracer, base) in [("ksec", "k"), ("strace", "s")] {
        let mut cmd = match tracer {
            "ksec" => util::ksec(&["trace"]),
            _ => std::process::Command::new("strace"),
        };
        cmd.arg("-ff")
            .arg("-o")
            .arg(dir.path().join(base))
            .arg(&prog)
            .arg("fork")
            .stdout(Stdio::null());
        let out = run_timeout(&mut cmd, 60);
        assert!(out.status.success(), "{tracer}: {}", text(&out).1);
    }
    let files = |p: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&format!("{p}.")))
            .collect();
        v.sort();
        v
    };
    let (k, s) = (files("k"), files("s"));
    assert_eq!(k.len(), 2, "{k:?}");
    assert_eq!(s.len(), 2, "{s:?}");
    // Parent first (the lower pid), then the child, in both.
    for (kf, sf) in k.iter().zip(&s) {
        let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
        let (a, b) = (normalise(&read(kf)), normalise(&read(sf)));
        let c = compare(&a, &b);
        assert!(
            c.missing.is_empty() && c.extra.is_empty(),
            "{kf} vs {sf}: {:?} / {:?}",
            c.missing,
            c.extra
        );
        // No pid prefix in a file of its own.
        assert!(read(kf)
            .lines()
            .all(|l| !l.starts_with(|c: char| c.is_ascii_digit())));
    }
}

#[test]
fn timestamps_and_times() {
    require!(can_trace().is_none(), can_trace().unwrap());
    let prog = tracee("lines");
    let argv = [prog.to_str().unwrap(), "basic"];
    let check = |flags: &[&str], re: &str| {
        let run = lines::run(false, flags, &argv);
        let re = regex::Regex::new(re).unwrap();
        let calls: Vec<&str> = run.text.lines().collect();
        assert!(!calls.is_empty(), "{flags:?}: no lines");
        for l in &calls {
            assert!(re.is_match(l), "{flags:?}: {l:?} does not match {re}");
        }
    };
    check(&["-t"], r"^\d\d:\d\d:\d\d [a-z+]");
    check(&["-tt"], r"^\d\d:\d\d:\d\d\.\d{6} [a-z+]");
    check(&["-ttt"], r"^\d{10}\.\d{6} [a-z+]");
    check(&["-r"], r"^ +\d+\.\d{6} [a-z+]");
    check(&["-t", "-r"], r"^\d\d:\d\d:\d\d \(\+ +\d+\.\d{6}\) [a-z+]");
    check(&["-T"], r"(= .* <\d+\.\d{6}>$)|(= \?$)|(^\+\+\+)");
    // Without -o, lines go to stderr, the command's own output stays on stdout.
    let out = run_timeout(
        util::ksec(&["trace", "-e", "trace=write"])
            .arg(&prog)
            .arg("basic")
            .stdout(Stdio::piped()),
        60,
    );
    let (stdout, stderr) = text(&out);
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("write(3, \"ab\\0"), "{stderr}");
}

#[test]
fn json_lines_are_lossless() {
    require!(util::is_root(), "needs root for ptrace");
    let prog = tracee("lines");
    let run = lines::run(
        false,
        &["--json", "-s", "8"],
        &[prog.to_str().unwrap(), "basic"],
    );
    let docs: Vec<serde_json::Value> = run
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let openat = docs
        .iter()
        .find(|d| d["syscall"] == "openat")
        .expect("an openat call");
    // The path is not UTF-8: its bytes are kept.
    let path = &openat["args"][1]["bytes"];
    let bytes: Vec<u8> = path
        .as_array()
        .unwrap_or_else(|| panic!("{openat}"))
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, b"/nonexistent/\x01\xff\"q\\");
    assert_eq!(openat["ret"], -2);
    assert_eq!(openat["errno"], "ENOENT");
    assert_eq!(openat["pid"], openat["tid"]);
    assert!(openat["time"].as_str().unwrap().ends_with('Z'));
    assert!(openat["duration"].as_f64().unwrap() >= 0.0);
    let write = docs.iter().find(|d| d["syscall"] == "write").unwrap();
    assert_eq!(write["args"][1]["truncated"], true, "{write}");
    assert_eq!(write["ret"], 48);
    let last = docs.last().unwrap();
    assert_eq!(last["type"], "exit");
    assert_eq!(last["status"], 0);
}

#[test]
fn summary_after_the_lines_with_big_c() {
    require!(util::is_root(), "needs root for ptrace");
    let prog = tracee("exact");
    let (out, text) = util::trace_to_file("ptrace", &["-C"], &prog, &[]);
    assert!(out.status.success(), "{}", util::text(&out).1);
    let (calls, table) = text
        .split_once("% time")
        .expect("a summary after the lines");
    assert_eq!(calls.matches("getppid()").count(), 100, "{calls}");
    let t = util::native(&format!("% time{table}"));
    assert_eq!(t.get("getppid"), Some(&(100, 0)));
    assert_eq!(t.get("openat"), Some(&(51, 50)));
}

#[test]
fn fds_are_decorated_with_y() {
    require!(util::is_root(), "needs root for ptrace");
    let prog = tracee("lines");
    let run = lines::run(
        false,
        &["-y", "-e", "trace=close,write"],
        &[prog.to_str().unwrap(), "basic"],
    );
    assert!(run.text.contains("close(3</dev/null>)"), "{}", run.text);
    assert!(
        run.text.contains("write(3</dev/null>, \"short\", 5)"),
        "{}",
        run.text
    );
}

#[test]
fn unix_sockets_show_their_peer_with_yy_as_strace() {
    require!(can_trace().is_none(), can_trace().unwrap());
    require!(util::which("python3").is_some(), "needs python3");
    let argv = [
        "python3",
        "-c",
        "import socket\na, b = socket.socketpair()\na.send(b'x')\nb.recv(1)\n",
    ];
    let (ours, theirs) = both(&["-yy", "-e", "trace=sendto,recvfrom"], &argv);
    let re = regex::Regex::new(r"^(sendto|recvfrom)\((\d+)<UNIX-STREAM:\[(\d+)->(\d+)\]>").unwrap();
    // (call, fd, whether the peer is the other socket's inode) per line.
    let shape = |t: &str| -> Vec<(String, String, bool)> {
        let rows: Vec<(String, String, u64, u64)> = t
            .lines()
            .filter_map(|l| re.captures(l))
            .map(|c| {
                (
                    c[1].to_string(),
                    c[2].to_string(),
                    c[3].parse().unwrap(),
                    c[4].parse().unwrap(),
                )
            })
            .collect();
        rows.iter()
            .map(|(call, fd, ino, peer)| {
                let crossed = rows.iter().any(|(_, _, i, p)| i == peer && p == ino);
                (call.clone(), fd.clone(), crossed)
            })
            .collect()
    };
    let want = vec![
        ("sendto".to_string(), "3".to_string(), true),
        ("recvfrom".to_string(), "4".to_string(), true),
    ];
    assert_eq!(shape(&theirs.text), want, "strace:\n{}", theirs.text);
    assert_eq!(shape(&ours.text), want, "ksec:\n{}", ours.text);
}

#[test]
fn per_call_options_are_options_not_the_command() {
    // strace's per-call flags used to be taken as the command (`Can't stat '-T'`).
    for flags in [&["-T"][..], &["-tt"], &["-y"], &["-yy", "-s", "100", "-x"]] {
        let out = run_timeout(util::ksec(&["trace"]).args(flags).arg("--bogus-xyz"), 20);
        let err = text(&out).1;
        assert!(
            err.contains("unrecognized option '--bogus-xyz'") && !err.contains("Can't stat"),
            "{flags:?}: {err}"
        );
    }
    let out = run_timeout(&mut util::ksec(&["trace", "-j", "true"]), 20);
    assert_eq!(
        text(&out).1.lines().next(),
        Some("ksec trace: invalid option -- 'j'")
    );
    let out = run_timeout(&mut util::ksec(&["trace", "-k", "true"]), 20);
    assert!(text(&out).1.starts_with("ksec trace: -k: not supported"));
    let out = run_timeout(&mut util::ksec(&["trace", "-ff", "-o", "|cat", "true"]), 20);
    assert!(
        text(&out).1.contains("piping the output and -ff"),
        "{}",
        text(&out).1
    );
}

#[test]
fn attach_and_detach_leave_the_process_unharmed() {
    require!(util::is_root(), "needs root for ptrace");
    let prog = tracee("lines");
    let mut sleeper = Reaped::spawn(std::process::Command::new(&prog).arg("sleep"));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let pid = sleeper.pid_s();
    let k = Reaped::spawn(
        util::ksec(&["trace", "-p", &pid])
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    std::thread::sleep(std::time::Duration::from_millis(1000));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(k.pid()),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = k.output_timeout(30);
    let err = text(&out).1;
    assert!(
        err.contains(&format!("ksec trace: Process {pid} attached")),
        "{err}"
    );
    assert!(
        err.contains(&format!("ksec trace: Process {pid} detached")),
        "{err}"
    );
    // Still sleeping, not stopped, not traced (a loaded machine may take a moment to
    // schedule it back into its sleep).
    let read = || std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let mut status = read();
    for _ in 0..40 {
        if status.contains("State:\tS") && status.contains("TracerPid:\t0") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        status = read();
    }
    assert!(status.contains("State:\tS"), "{status}");
    assert!(status.contains("TracerPid:\t0"), "{status}");
    sleeper.kill();
}
