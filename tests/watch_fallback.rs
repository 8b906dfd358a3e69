//! The fallback source of `ksec watch` (proc connector + fanotify) against real programs: execs
//! with their argv, exit statuses, forks, setuid/setgid, ptrace, file writes and reads (one
//! event per open), and a write inside a real podman container seen with the container's path.
//! Root only.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ksec::watch::event::{Kind, RawEvent, Source};
use ksec::watch::fallback::{FallbackConfig, FallbackSource, OPEN_FD_UNKNOWN};

use crate::require;
use crate::util::{self, now_ns, podman, Reaped};

/// How long a test waits for an event it expects.
const WAIT: Duration = Duration::from_secs(20);

/// A started source and every event it reported so far.
struct Watch {
    src: FallbackSource,
    seen: Vec<RawEvent>,
}

impl Watch {
    fn start() -> Watch {
        let src = FallbackSource::start(&FallbackConfig::default())
            .unwrap_or_else(|e| panic!("start the fallback source: {e:#}"));
        Watch {
            src,
            seen: Vec::new(),
        }
    }

    /// Polls for `d`, keeping what comes.
    fn collect_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            self.src
                .poll(&mut self.seen, left.min(Duration::from_millis(100)))
                .expect("poll");
        }
    }

    /// The first event (seen or to come within [`WAIT`]) that `pred` accepts; fails the test
    /// if none comes.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&RawEvent) -> bool) -> RawEvent {
        let end = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.seen.iter().find(|e| pred(e)) {
                return e.clone();
            }
            let left = end
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no {what} within {WAIT:?}"));
            self.src
                .poll(&mut self.seen, left.min(Duration::from_millis(100)))
                .expect("poll");
        }
    }

    fn all(&self, pred: impl Fn(&RawEvent) -> bool) -> Vec<&RawEvent> {
        self.seen.iter().filter(|e| pred(e)).collect()
    }
}

fn is_exec_of(e: &RawEvent, pid: i32) -> bool {
    e.pid == pid && matches!(e.kind, Kind::Exec { .. })
}

#[test]
fn exec_fork_and_exit_status() {
    require!(
        util::is_root(),
        "the proc connector needs root (CAP_NET_ADMIN)"
    );
    let mut w = Watch::start();
    let before = now_ns();
    let mut sleeper = Reaped::spawn(Command::new("sleep").arg("0.7"));
    let pid = sleeper.pid();
    let exec = w.wait_for("exec of sleep 0.7", |e| is_exec_of(e, pid));
    assert_eq!(exec.tid, pid);
    assert_eq!(exec.comm.as_deref(), Some(&b"sleep"[..]));
    let Kind::Exec {
        ppid, exe, argv, ..
    } = &exec.kind
    else {
        unreachable!()
    };
    assert_eq!(*ppid, std::process::id() as i32);
    assert_eq!(argv, &vec![b"sleep".to_vec(), b"0.7".to_vec()]);
    let sleep_path = std::fs::canonicalize(util::which("sleep").unwrap()).unwrap();
    assert_eq!(exe.as_slice(), sleep_path.as_os_str().as_bytes());
    // CLOCK_MONOTONIC turned into the epoch: between the spawn and now.
    assert!(
        exec.time_ns >= before - 50_000_000 && exec.time_ns <= now_ns(),
        "exec at {} not within [{before}, now]",
        exec.time_ns
    );
    // The fork that made it, by this process (a test thread's real parent is this process).
    let fork = w.wait_for(
        "fork of the sleeper",
        |e| matches!(e.kind, Kind::Fork { child_pid, .. } if child_pid == pid),
    );
    assert_eq!(fork.pid, std::process::id() as i32);
    assert_eq!(
        fork.kind,
        Kind::Fork {
            child_tid: pid,
            child_pid: pid,
            thread: false,
            child_vpid: None,
            child_start_ns: None,
        }
    );
    let exit = w.wait_for("exit of the sleeper", |e| {
        e.pid == pid && matches!(e.kind, Kind::Exit { .. })
    });
    assert_eq!(exit.kind, Kind::Exit { status: 0 });
    assert!(sleeper.wait_within(10).is_some());

    let mut three = Reaped::spawn(Command::new("sh").args(["-c", "sleep 0.2; exit 3"]));
    let pid = three.pid();
    let exit = w.wait_for("exit of sh -c 'exit 3'", |e| {
        e.pid == pid && matches!(e.kind, Kind::Exit { .. })
    });
    assert_eq!(exit.kind, Kind::Exit { status: 3 << 8 });
    let exec = w.wait_for("exec of sh", |e| is_exec_of(e, pid));
    let Kind::Exec { argv, .. } = &exec.kind else {
        unreachable!()
    };
    assert_eq!(
        argv,
        &vec![
            b"sh".to_vec(),
            b"-c".to_vec(),
            b"sleep 0.2; exit 3".to_vec()
        ]
    );
    assert_eq!(three.wait_within(10).and_then(|s| s.code()), Some(3));
    // sh forked sleep: a fork event of sh's.
    let fork = w.wait_for("sh's fork of sleep", |e| {
        e.pid == pid && matches!(e.kind, Kind::Fork { thread: false, .. })
    });
    assert_eq!(fork.tid, pid);
    // threads.c makes 4 threads: 4 thread forks reported as its process, one exit.
    let mut thr = Reaped::spawn(&mut Command::new(util::tracee("threads")));
    let tpid = thr.pid();
    assert!(thr.wait_within(30).is_some());
    w.wait_for("the exit of threads", |e| {
        e.pid == tpid && matches!(e.kind, Kind::Exit { .. })
    });
    w.collect_for(Duration::from_millis(200));
    let threads = w.all(|e| {
        matches!(e.kind, Kind::Fork { child_pid, thread: true, child_tid, .. } if child_pid == tpid && child_tid != tpid)
    });
    assert_eq!(threads.len(), 4, "{threads:?}");
    assert!(threads.iter().all(|e| (e.tid, e.pid) == (tpid, tpid)));
    let exits = w.all(|e| e.pid == tpid && matches!(e.kind, Kind::Exit { .. }));
    assert_eq!(exits.len(), 1, "one exit per process: {exits:?}");
    assert_eq!(exits[0].kind, Kind::Exit { status: 0 });
}

#[test]
fn setuid_setgid_and_ptrace() {
    require!(
        util::is_root(),
        "the proc connector needs root (CAP_NET_ADMIN)"
    );
    require!(util::which("setpriv").is_some(), "setpriv is not installed");
    let mut w = Watch::start();
    let mut child = Reaped::spawn(Command::new("setpriv").args([
        "--reuid=65534",
        "--regid=65533",
        "--clear-groups",
        "sleep",
        "0.3",
    ]));
    let pid = child.pid();
    let gid = w.wait_for("setgid of setpriv", |e| {
        e.pid == pid && matches!(e.kind, Kind::SetId { call: "setgid", .. })
    });
    assert_eq!(
        gid.kind,
        Kind::SetId {
            call: "setgid",
            ids: vec![65533, 65533],
            res: 0
        }
    );
    let uid = w.wait_for("setuid of setpriv", |e| {
        e.pid == pid && matches!(e.kind, Kind::SetId { call: "setuid", .. })
    });
    assert_eq!(
        uid.kind,
        Kind::SetId {
            call: "setuid",
            ids: vec![65534, 65534],
            res: 0
        }
    );
    assert!(child.wait_within(10).is_some());

    if util::which("strace").is_none() {
        util::skipped_in_part("strace is not installed: no ptrace check");
        return;
    }
    let target = Reaped::spawn(Command::new("sleep").arg("30"));
    let tpid = target.pid();
    let mut strace = Reaped::spawn(
        Command::new("strace")
            .args(["-o", "/dev/null", "-p"])
            .arg(target.pid_s())
            .stderr(std::process::Stdio::null()),
    );
    let spid = strace.pid();
    let attach = w.wait_for(
        "strace's attach",
        |e| matches!(e.kind, Kind::Ptrace { target, .. } if target == tpid),
    );
    assert_eq!((attach.tid, attach.pid), (spid, spid));
    assert_eq!(
        attach.kind,
        Kind::Ptrace {
            request: libc::PTRACE_ATTACH as i64,
            target: tpid,
            res: 0
        }
    );
    // SIGINT makes strace detach.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(spid),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let detach = w.wait_for("strace's detach", |e| {
        matches!(e.kind, Kind::Ptrace { request, target, .. } if target == tpid && request == libc::PTRACE_DETACH as i64)
    });
    assert_eq!((detach.tid, detach.pid), (spid, spid));
    assert!(strace.wait_within(10).is_some());
    drop(target);
}

/// Open events of `path` with `write`.
fn opens_of(w: &Watch, path: &Path, write: bool) -> usize {
    w.all(|e| {
        matches!(&e.kind, Kind::Open { resolved: Some(r), write: Some(wr), .. }
            if r.as_slice() == path.as_os_str().as_bytes() && *wr == write)
    })
    .len()
}

#[test]
fn file_writes_and_reads_once_per_open() {
    require!(util::is_root(), "fanotify needs root (CAP_SYS_ADMIN)");
    let dir = tempfile::tempdir().unwrap();
    let dir = std::fs::canonicalize(dir.path()).unwrap();
    let written = dir.join("written");
    let read = dir.join("read");
    std::fs::write(&read, "to be read\n").unwrap();
    let mut w = Watch::start();
    // One open, three writes (and O_TRUNC); then, by another process (fanotify merges the
    // queued events of one process on one file), one open for appending without writing; then
    // a read by a third.
    let script = "exec 3>\"$1\"; echo a >&3; echo b >&3; echo c >&3; exec 3>&-; sh -c ': >>\"$1\"' sh \"$1\"; cat \"$2\" >/dev/null";
    let out = util::run(
        Command::new("sh")
            .args(["-c", script, "sh"])
            .arg(&written)
            .arg(&read),
    );
    assert!(out.status.success(), "{}", util::text(&out).1);
    let ev = w.wait_for("a write of the temp file", |e| {
        matches!(&e.kind, Kind::Open { resolved: Some(r), write: Some(true), .. }
            if r.as_slice() == written.as_os_str().as_bytes())
    });
    assert_eq!(
        ev.kind,
        Kind::Open {
            call: ksec::watch::event::OpenCall::Openat,
            dirfd: libc::AT_FDCWD,
            path: written.as_os_str().as_bytes().to_vec(),
            resolved: Some(written.as_os_str().as_bytes().to_vec()),
            flags: None,
            write: Some(true),
            mode: 0,
            res: OPEN_FD_UNKNOWN,
        }
    );
    assert_ne!(ev.pid, std::process::id() as i32);
    w.wait_for("a read of the other temp file", |e| {
        matches!(&e.kind, Kind::Open { resolved: Some(r), write: Some(false), .. }
            if r.as_slice() == read.as_os_str().as_bytes())
    });
    // Late duplicates would come within this.
    w.collect_for(Duration::from_millis(500));
    assert_eq!(opens_of(&w, &written, true), 2, "one write event per open");
    assert_eq!(opens_of(&w, &written, false), 0);
    assert_eq!(opens_of(&w, &read, false), 1);
    assert_eq!(opens_of(&w, &read, true), 0);
    // This process's own writes are not reported.
    std::fs::write(dir.join("own"), "x").unwrap();
    w.collect_for(Duration::from_millis(300));
    assert_eq!(opens_of(&w, &dir.join("own"), true), 0);
}

#[test]
fn container_write_has_the_container_path() {
    require!(util::is_root(), "fanotify needs root (CAP_SYS_ADMIN)");
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    // Started after the source: its root mount is marked at its first exec.
    let mut w = Watch::start();
    let c = podman::Container::run("ksec-watch-fallback", &["/bin/sleep", "600"]);
    w.wait_for("exec of the container's sleep", |e| is_exec_of(e, c.pid));
    assert!(
        w.src
            .stats()
            .marked
            .iter()
            .any(|p| p == &Path::new("/proc").join(c.pid.to_string()).join("root")),
        "the container's root is marked: {:?}",
        w.src.stats()
    );
    let name = format!("x{}", std::process::id());
    let out = c.exec(&["/bin/sh", "-c", &format!("echo hi > /etc/{name}")]);
    assert!(out.status.success(), "podman exec: {}", util::text(&out).1);
    let want = format!("/etc/{name}");
    let ev = w.wait_for("the write in the container", |e| {
        matches!(&e.kind, Kind::Open { resolved: Some(r), write: Some(true), .. }
            if r.ends_with(format!("/{name}").as_bytes()))
    });
    let Kind::Open { resolved, .. } = &ev.kind else {
        unreachable!()
    };
    assert_eq!(
        String::from_utf8_lossy(resolved.as_deref().unwrap()),
        want,
        "the path the container sees, not the overlay's"
    );
}

#[test]
fn names_what_it_cannot_fill() {
    require!(
        util::is_root(),
        "the proc connector needs root (CAP_NET_ADMIN)"
    );
    let w = Watch::start();
    assert_eq!(w.src.name(), "proc connector + fanotify");
    let unavailable: Vec<&str> = w.src.unavailable().iter().map(|(f, _)| *f).collect();
    for f in ["evt.arg.flags", "fd.num", "fd.sip", "fd.dip", "fd.rport"] {
        assert!(unavailable.contains(&f), "{f} in {unavailable:?}");
    }
    let partial: Vec<&str> = w.src.partial().iter().map(|(f, _)| *f).collect();
    for f in ["proc.cmdline", "user.loginuid"] {
        assert!(partial.contains(&f), "{f} in {partial:?}");
    }
}
