//! The eBPF event source of `ksec watch` against real programs (fixtures/tracees/watch_*.c and
//! system tools): the exact argv, creds, paths, flags, fds, addresses, ptrace requests, ids
//! and wait statuses the kernel saw, and the count of records a tiny ring buffer dropped.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ksec::watch::ebpf::{EbpfSource, EbpfWatchConfig};
use ksec::watch::event::{Addr, ExeInode, Kind, OpenCall, RawEvent, Source};

use crate::require;
use crate::util::{self, now_ns, tracee};

fn available() -> bool {
    util::is_root() && Path::new("/sys/kernel/btf/vmlinux").exists()
}

fn start() -> EbpfSource {
    EbpfSource::start(&EbpfWatchConfig::default()).expect("start the eBPF source")
}

/// Polls `src` until `done` holds for the events `keep` selects, for at most
/// 10 s; returns those events.
pub(crate) fn collect(
    src: &mut EbpfSource,
    keep: impl Fn(&RawEvent) -> bool,
    done: impl Fn(&[RawEvent]) -> bool,
) -> Vec<RawEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut kept = Vec::new();
    while Instant::now() < deadline {
        let mut out = Vec::new();
        src.poll(&mut out, Duration::from_millis(100))
            .expect("poll the eBPF source");
        kept.extend(out.into_iter().filter(|e| keep(e)));
        if done(&kept) {
            return kept;
        }
    }
    panic!("events did not arrive within 10 s; got {kept:#?}");
}

fn exit_of(events: &[RawEvent], pid: i32) -> Option<i32> {
    events.iter().find_map(|e| match e.kind {
        Kind::Exit { status } if e.pid == pid => Some(status),
        _ => None,
    })
}

fn stat_tty(pid: u32) -> u32 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    let after = &s[s.rfind(')').expect("a comm in stat") + 2..];
    after
        .split(' ')
        .nth(4)
        .expect("tty_nr")
        .parse()
        .expect("tty_nr")
}

fn loginuid() -> u32 {
    std::fs::read_to_string("/proc/self/loginuid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

#[test]
fn exec_of_200_arguments_and_a_non_utf8_one_is_complete_though_it_exits_at_once() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let mut argv: Vec<Vec<u8>> = vec![b"/bin/true".to_vec()];
    argv.extend((0..200).map(|i| format!("arg{i}").into_bytes()));
    argv.push(b"caf\xe9\xff".to_vec());
    argv.push(Vec::new());
    let before = now_ns();
    let mut child = Command::new("/bin/true")
        .args(argv[1..].iter().map(|a| OsStr::from_bytes(a)))
        .spawn()
        .expect("spawn /bin/true");
    let pid = child.id() as i32;
    child.wait().expect("wait /bin/true");
    let events = collect(&mut src, |e| e.pid == pid, |ev| exit_of(ev, pid).is_some());
    let exec = events
        .iter()
        .find(|e| matches!(e.kind, Kind::Exec { .. }))
        .expect("an exec event");
    // The ids and times read in the kernel: the child is in this process's pid namespace and
    // process group, started in the spawn, and ran /bin/true's inode.
    let Kind::Exec {
        start, exe_inode, ..
    } = &exec.kind
    else {
        unreachable!()
    };
    let start = start.expect("the process's ids and times");
    assert_eq!(start.vpid, Some(pid));
    assert_eq!(start.vpgid, Some(nix::unistd::getpgrp().as_raw()));
    assert_eq!(
        start.vsid,
        Some(nix::unistd::getsid(None).unwrap().as_raw())
    );
    assert_eq!(start.sid, start.vsid, "the host's namespace is this test's");
    assert_eq!(start.pgid, start.vpgid);
    let started = start.start_ns.expect("start time");
    assert!(
        started + 50_000_000 >= before && started <= exec.time_ns,
        "started at {started}, spawned at {before}, exec at {}",
        exec.time_ns
    );
    let init = start
        .pidns_start_ns
        .expect("the pid namespace's init start");
    assert!(init < before, "init started at {init}");
    let meta = std::fs::metadata("/bin/true").expect("stat /bin/true");
    let ns = |s: i64, n: i64| (s * 1_000_000_000 + n) as u64;
    assert_eq!(
        *exe_inode,
        Some(ExeInode {
            ino: meta.ino(),
            ctime_ns: Some(ns(meta.ctime(), meta.ctime_nsec())),
            mtime_ns: Some(ns(meta.mtime(), meta.mtime_nsec())),
        })
    );
    assert_eq!(
        exec.kind,
        Kind::Exec {
            start: Some(start),
            exe_inode: *exe_inode,
            // Walked up the dentries in the kernel: this test's directory, the file /bin/true
            // resolves to.
            cwd: Some(
                std::env::current_dir()
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
            ),
            exepath: Some(
                std::fs::canonicalize("/bin/true")
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
            ),
            execveat: false,
            res: 0,
            ppid: std::process::id() as i32,
            exe: b"/bin/true".to_vec(),
            argv,
            argv_truncated: false,
            tty: Some(stat_tty(std::process::id())),
        }
    );
    assert_eq!(exec.tid, pid);
    assert_eq!(exec.comm.as_deref(), Some(&b"true"[..]));
    let c = exec.creds.expect("creds");
    assert_eq!((c.uid, c.euid, c.gid, c.egid), (0, 0, 0, 0));
    assert_eq!(c.loginuid, loginuid());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_nanos() as u64;
    assert!(
        exec.time_ns <= now && now - exec.time_ns < 20_000_000_000,
        "exec at {} ns, now {now}",
        exec.time_ns
    );
    assert_eq!(exit_of(&events, pid), Some(0));
}

#[test]
fn argv_beyond_4_kib_is_cut_and_marked() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let mut argv: Vec<Vec<u8>> = vec![b"/bin/true".to_vec()];
    argv.extend((0..1000).map(|i| format!("{i:07}").into_bytes()));
    let mut child = Command::new("/bin/true")
        .args(argv[1..].iter().map(|a| OsStr::from_bytes(a)))
        .spawn()
        .expect("spawn /bin/true");
    let pid = child.id() as i32;
    child.wait().expect("wait /bin/true");
    let events = collect(&mut src, |e| e.pid == pid, |ev| exit_of(ev, pid).is_some());
    let (got, truncated) = events
        .iter()
        .find_map(|e| match &e.kind {
            Kind::Exec {
                argv,
                argv_truncated,
                ..
            } => Some((argv.clone(), *argv_truncated)),
            _ => None,
        })
        .expect("an exec event");
    assert!(truncated);
    let whole = argv.join(&0u8);
    assert_eq!(
        got.join(&0u8),
        whole[..ksec::watch::ebpf::ARGS_MAX].to_vec()
    );
}

#[test]
fn failed_exec_reports_the_path_and_errno() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let path = format!("/nonexistent-{}/prog", std::process::id());
    let err = Command::new(&path).spawn().expect_err("exec must fail");
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    let events = collect(
        &mut src,
        |e| matches!(&e.kind, Kind::Exec { exe, .. } if exe == path.as_bytes()),
        |ev| !ev.is_empty(),
    );
    match &events[0].kind {
        Kind::Exec {
            res, argv, ppid, ..
        } => {
            assert_eq!(*res, -i64::from(libc::ENOENT));
            assert!(argv.is_empty());
            assert_eq!(*ppid, std::process::id() as i32);
        }
        k => panic!("not an exec: {k:?}"),
    }
}

#[test]
fn set_ids_and_the_creds_of_the_exec_after_them() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let prog = tracee("watch_ids");
    let mut child = Command::new(&prog)
        .args(["/bin/true", "x"])
        .spawn()
        .expect("spawn watch_ids");
    let pid = child.id() as i32;
    assert!(child.wait().expect("wait watch_ids").success());
    let events = collect(&mut src, |e| e.pid == pid, |ev| exit_of(ev, pid).is_some());
    let ids: Vec<(&str, Vec<u32>, i64)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::SetId { call, ids, res } => Some((*call, ids.clone(), *res)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            ("setreuid", vec![u32::MAX, u32::MAX], 0),
            ("setresgid", vec![4321, 4321, 4321], 0),
            ("setgid", vec![4321], 0),
            ("setuid", vec![4321], 0),
        ]
    );
    let last = events
        .iter()
        .rfind(|e| matches!(e.kind, Kind::Exec { .. }))
        .expect("the exec of /bin/true");
    match &last.kind {
        Kind::Exec { argv, .. } => assert_eq!(argv, &vec![b"/bin/true".to_vec(), b"x".to_vec()]),
        k => panic!("{k:?}"),
    }
    let c = last.creds.expect("creds");
    assert_eq!((c.uid, c.euid, c.gid, c.egid), (4321, 4321, 4321, 4321));
}

/// An open's (call, dirfd, path, flags, mode, result).
type OpenRow = (OpenCall, i32, Vec<u8>, Option<u64>, u32, i64);

#[test]
fn opens_with_path_flags_mode_and_result() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let dir = std::env::temp_dir().join(format!("ksec-watch-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let a = dir.join("a");
    let missing = dir.join("missing");
    let c = dir.join("c");
    let prog = tracee("watch_files");
    let out = Command::new(&prog)
        .args([&a, &missing, &c])
        .output()
        .expect("run watch_files");
    assert!(out.status.success());
    let fds: Vec<i64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|s| s.parse().expect("an fd"))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(fds[1], -1);
    let bytes = |p: &Path| p.as_os_str().as_bytes().to_vec();
    let mine = |e: &RawEvent| matches!(&e.kind, Kind::Open { path, .. } if path.starts_with(dir.as_os_str().as_bytes()));
    let events = collect(&mut src, mine, |ev| ev.len() >= 5);
    let opens: Vec<OpenRow> = events
        .iter()
        .map(|e| match &e.kind {
            Kind::Open {
                call,
                dirfd,
                path,
                flags,
                mode,
                res,
                ..
            } => (*call, *dirfd, path.clone(), *flags, *mode, *res),
            k => panic!("{k:?}"),
        })
        .collect();
    let (wr, rd) = (libc::O_WRONLY as u64, libc::O_RDONLY as u64);
    assert_eq!(
        opens,
        vec![
            (
                OpenCall::Openat,
                libc::AT_FDCWD,
                bytes(&a),
                Some(wr | libc::O_CREAT as u64),
                0o640,
                fds[0]
            ),
            (
                OpenCall::Openat,
                libc::AT_FDCWD,
                bytes(&missing),
                Some(rd),
                0,
                -i64::from(libc::ENOENT)
            ),
            (
                OpenCall::Openat2,
                libc::AT_FDCWD,
                bytes(&a),
                Some(rd),
                0,
                fds[2]
            ),
            (
                OpenCall::Creat,
                libc::AT_FDCWD,
                bytes(&c),
                Some((libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64),
                0o600,
                fds[3]
            ),
            (
                OpenCall::Open,
                libc::AT_FDCWD,
                bytes(&a),
                Some(rd),
                0,
                fds[4]
            ),
        ]
    );
}

#[test]
fn connect_and_accept_on_loopback_with_both_ends() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let sock = format!("/nonexistent-{}.sock", std::process::id());
    let prog = tracee("watch_net");
    let child = Command::new(&prog)
        .arg(&sock)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn watch_net");
    let pid = child.id() as i32;
    let out = child.wait_with_output().expect("wait watch_net");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let nums: Vec<i32> = text
        .split_whitespace()
        .map(|s| s.parse().expect("a number"))
        .collect();
    let (port, cpid, afd, cport, ufd, uerr) = (
        nums[0] as u16,
        nums[1],
        nums[2],
        nums[3] as u16,
        nums[4],
        nums[5],
    );
    let events = collect(
        &mut src,
        |e| e.pid == pid || e.pid == cpid,
        |ev| exit_of(ev, pid).is_some() && exit_of(ev, cpid).is_some(),
    );
    let inet = |p: u16| Some(Addr::Inet(format!("127.0.0.1:{p}").parse().expect("addr")));
    let conns: Vec<(i32, Kind)> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Connect { .. } | Kind::Accept { .. }))
        .map(|e| (e.pid, e.kind.clone()))
        .collect();
    let connect = conns
        .iter()
        .find(|(p, _)| *p == cpid)
        .expect("the child's connect");
    assert_eq!(
        connect.1,
        Kind::Connect {
            fd: 4,
            res: 0,
            local: inet(cport),
            remote: inet(port),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: libc::IPPROTO_TCP as u16,
        }
    );
    let accept = conns
        .iter()
        .find(|(p, k)| *p == pid && matches!(k, Kind::Accept { .. }))
        .expect("the accept");
    assert_eq!(
        accept.1,
        Kind::Accept {
            accept4: false,
            fd: 3,
            res: i64::from(afd),
            local: inet(port),
            remote: inet(cport),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: libc::IPPROTO_TCP as u16,
        }
    );
    let unix = conns
        .iter()
        .find(|(p, k)| *p == pid && matches!(k, Kind::Connect { .. }))
        .expect("the unix connect");
    assert_eq!(
        unix.1,
        Kind::Connect {
            fd: ufd,
            res: -i64::from(uerr),
            local: None,
            remote: Some(Addr::Unix(sock.into_bytes())),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: 0,
        }
    );
}

#[test]
fn ptrace_attach_to_a_child() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let prog = tracee("watch_ptrace");
    let child = Command::new(&prog)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn watch_ptrace");
    let pid = child.id() as i32;
    let out = child.wait_with_output().expect("wait watch_ptrace");
    assert!(out.status.success());
    let target: i32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a pid");
    let events = collect(&mut src, |e| e.pid == pid, |ev| exit_of(ev, pid).is_some());
    let calls: Vec<Kind> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Ptrace { .. }))
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        calls,
        vec![
            Kind::Ptrace {
                request: libc::PTRACE_ATTACH as i64,
                target,
                res: 0
            },
            Kind::Ptrace {
                request: libc::PTRACE_DETACH as i64,
                target,
                res: 0
            },
        ]
    );
}

#[test]
fn exit_statuses_of_exit_3_and_sigkill() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let mut sh = Command::new("sh")
        .args(["-c", "exit 3"])
        .spawn()
        .expect("spawn sh");
    let sh_pid = sh.id() as i32;
    assert_eq!(sh.wait().expect("wait sh").code(), Some(3));
    let mut sleeper = Command::new("sleep")
        .arg("100")
        .spawn()
        .expect("spawn sleep");
    let sleep_pid = sleeper.id() as i32;
    std::thread::sleep(Duration::from_millis(100));
    sleeper.kill().expect("kill sleep");
    let _ = sleeper.wait();
    let events = collect(
        &mut src,
        |e| e.pid == sh_pid || e.pid == sleep_pid,
        |ev| exit_of(ev, sh_pid).is_some() && exit_of(ev, sleep_pid).is_some(),
    );
    assert_eq!(exit_of(&events, sh_pid), Some(3 << 8));
    assert_eq!(exit_of(&events, sleep_pid), Some(libc::SIGKILL));
}

#[test]
fn forks_of_processes_and_threads() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let forker = tracee("forker");
    let mut f = Command::new(&forker).spawn().expect("spawn forker");
    let fpid = f.id() as i32;
    let _ = f.wait();
    let thr = tracee("thr");
    let mut t = Command::new(&thr)
        .args(["1", "2"])
        .spawn()
        .expect("spawn thr");
    let tpid = t.id() as i32;
    assert!(t.wait().expect("wait thr").success());
    let events = collect(
        &mut src,
        |e| e.pid == fpid || e.pid == tpid,
        |ev| exit_of(ev, fpid).is_some() && exit_of(ev, tpid).is_some(),
    );
    let forks = |pid: i32| -> Vec<(bool, bool)> {
        events
            .iter()
            .filter(|e| e.pid == pid)
            .filter_map(|e| match e.kind {
                Kind::Fork {
                    child_tid,
                    child_pid,
                    thread,
                    child_vpid,
                    child_start_ns,
                } => Some((
                    thread,
                    // A thread's ids are the process's; a process's own, in this namespace;
                    // both started by the time of the event.
                    if thread {
                        child_pid == pid && child_vpid.is_none()
                    } else {
                        child_pid == child_tid && child_vpid == Some(child_pid)
                    } && child_start_ns.is_some_and(|t| t <= e.time_ns + 1_000_000),
                )),
                _ => None,
            })
            .collect()
    };
    assert_eq!(forks(fpid), vec![(false, true); 4], "3 forks and a vfork");
    assert_eq!(forks(tpid), vec![(true, true); 2], "2 threads");
    assert_eq!(exit_of(&events, fpid), Some(3 << 8));
}

#[test]
fn a_tiny_ring_buffer_counts_what_it_drops() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = EbpfSource::start(&EbpfWatchConfig {
        ring_bytes: 4096,
        ..EbpfWatchConfig::default()
    })
    .expect("start the eBPF source");
    let storm = tracee("watch_storm");
    let mut c = Command::new(&storm)
        .args(["open", "2000"])
        .spawn()
        .expect("spawn watch_storm");
    let pid = c.id() as i32;
    assert!(c.wait().expect("wait watch_storm").success());
    let mut out = Vec::new();
    src.poll(&mut out, Duration::from_millis(10)).expect("poll");
    let opens = out
        .iter()
        .filter(|e| e.pid == pid && matches!(e.kind, Kind::Open { .. }))
        .count() as u64;
    let lost = src.lost();
    assert!(lost.ring_full > 0, "nothing counted lost: {lost:?}");
    assert!(
        opens + lost.ring_full >= 2000,
        "{opens} opens seen and {} lost of 2000",
        lost.ring_full
    );
    assert_eq!(lost.in_flight, 0);
}

/// A measurement, not a test (`cargo test --release -- --ignored storm_rates --nocapture`): how
/// many events per second the source drains during an exec storm and an open storm.
#[test]
#[ignore]
fn storm_rates() {
    require!(available(), "needs root and BTF for the eBPF source");
    let storm = tracee("watch_storm");
    for (what, args) in [
        ("exec", vec!["exec", "3000", "/bin/true"]),
        ("open", vec!["open", "1000000"]),
    ] {
        let mut src = start();
        let t0 = Instant::now();
        let mut c = Command::new(&storm).args(&args).spawn().expect("spawn");
        let mut n = 0u64;
        loop {
            let mut out = Vec::new();
            src.poll(&mut out, Duration::from_millis(50)).expect("poll");
            n += out.len() as u64;
            if c.try_wait().expect("try_wait").is_some() {
                let mut rest = Vec::new();
                src.poll(&mut rest, Duration::from_millis(50))
                    .expect("poll");
                n += rest.len() as u64;
                break;
            }
        }
        let _ = c.wait();
        let s = t0.elapsed().as_secs_f64();
        println!(
            "{what} storm: {n} events in {s:.2} s = {:.0} events/s, lost {:?}",
            n as f64 / s,
            src.lost()
        );
    }
}

#[test]
fn a_full_in_flight_map_counts_the_calls_it_cannot_follow() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = EbpfSource::start(&EbpfWatchConfig {
        in_flight: 1,
        ..EbpfWatchConfig::default()
    })
    .expect("start the eBPF source");
    let fifo = std::env::temp_dir().join(format!("ksec-watch-fifo-{}", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // A reader blocked in openat of the FIFO holds the map's one entry (if another task's call
    // took it first, the map is full all the same).
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn cat");
    let pid = reader.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sc = std::fs::read_to_string(format!("/proc/{pid}/syscall")).unwrap_or_default();
        if sc.starts_with(&format!("{} ", libc::SYS_openat)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "cat never blocked in openat: {sc}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let storm = tracee("watch_storm");
    let ok = Command::new(&storm)
        .args(["open", "100"])
        .status()
        .expect("run watch_storm");
    assert!(ok.success());
    std::fs::write(&fifo, b"x").expect("write the FIFO");
    let _ = reader.wait();
    let _ = std::fs::remove_file(&fifo);
    let mut out = Vec::new();
    src.poll(&mut out, Duration::from_millis(10)).expect("poll");
    let lost = src.lost();
    assert!(lost.in_flight >= 100, "{lost:?}");
}

#[test]
fn the_kernel_leaves_out_the_opens_no_rule_wants() {
    use ksec::rules::prefilter::{OpenNeed, READ, READ_WRITE, WRITE};
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let tag = format!("ksec-watch-filter-{}", std::process::id());
    let dir = std::env::temp_dir().join(&tag);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let d = dir.to_str().expect("a UTF-8 temp dir");
    let need = OpenNeed::Only(vec![
        (format!("{d}/want"), READ | WRITE | READ_WRITE),
        (format!("{d}/w"), WRITE | READ_WRITE),
    ]);
    assert!(src.apply_open_filter(&need).expect("set the filter"));
    // Read-only opens by cat, write-only ones by the shell's `>`.
    let script = format!(
        "cat {d}/want-this 2>/dev/null; : > {d}/w-written; cat {d}/w-written; \
         cat {d}/other 2>/dev/null; cat {d}//twice 2>/dev/null; cat {d}/./dot 2>/dev/null; \
         cd {d} && cat {tag}-relative 2>/dev/null; cat {d}/want-end 2>/dev/null; true"
    );
    let st = Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .status()
        .expect("run sh");
    assert!(st.success());
    let mine = |e: &RawEvent| matches!(&e.kind, Kind::Open { path, .. } if path.windows(tag.len()).any(|w| w == tag.as_bytes()));
    let end = format!("{d}/want-end").into_bytes();
    let events = collect(&mut src, mine, |ev| {
        ev.iter()
            .any(|e| matches!(&e.kind, Kind::Open { path, .. } if *path == end))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let got: Vec<(String, u64)> = events
        .iter()
        .map(|e| match &e.kind {
            Kind::Open { path, flags, .. } => (
                String::from_utf8_lossy(path).into_owned(),
                flags.unwrap_or(0) & libc::O_ACCMODE as u64,
            ),
            k => panic!("{k:?}"),
        })
        .collect();
    let (rd, wr) = (libc::O_RDONLY as u64, libc::O_WRONLY as u64);
    assert_eq!(
        got,
        vec![
            (format!("{d}/want-this"), rd),
            (format!("{d}/w-written"), wr),
            // Not judged by the string: sent whatever the prefixes.
            (format!("{d}//twice"), rd),
            (format!("{d}/./dot"), rd),
            (format!("{tag}-relative"), rd),
            (format!("{d}/want-end"), rd),
        ],
        "the read of {d}/w-written (a write-only prefix) and {d}/other are left out"
    );
    // Back to every open.
    assert!(!src
        .apply_open_filter(&OpenNeed::Any)
        .expect("clear the filter"));
    let st = Command::new("/bin/cat")
        .arg(format!("{d}/other"))
        .stderr(Stdio::null())
        .status()
        .expect("run cat");
    assert!(!st.success());
    let other = format!("{d}/other").into_bytes();
    collect(&mut src, mine, |ev| {
        ev.iter()
            .any(|e| matches!(&e.kind, Kind::Open { path, .. } if *path == other))
    });
}

#[test]
fn connect_and_accept_over_ipv6_loopback() {
    require!(available(), "needs root and BTF for the eBPF source");
    require!(util::which("python3").is_some(), "needs python3");
    let mut src = start();
    let script = "import socket\n\
        l = socket.socket(socket.AF_INET6); l.bind(('::1', 0)); l.listen(1)\n\
        c = socket.socket(socket.AF_INET6); c.connect(('::1', l.getsockname()[1]))\n\
        s, peer = l.accept()\n\
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.connect(('::1', 9))\n\
        print(l.getsockname()[1], peer[1], l.fileno(), c.fileno(), s.fileno(),\n\
              u.fileno(), u.getsockname()[1])\n";
    let (pid, n) = util::python_numbers("python3", script);
    let (port, cport, lfd, cfd, afd) = (n[0] as u16, n[1] as u16, n[2], n[3], n[4]);
    let (ufd, uport) = (n[5], n[6] as u16);
    let events = collect(&mut src, |e| e.pid == pid, |ev| exit_of(ev, pid).is_some());
    let v6 = |p: u16| Some(Addr::Inet(format!("[::1]:{p}").parse().expect("addr")));
    let conns: Vec<Kind> = events
        .iter()
        // Only the script's own sockets: the interpreter's start may ask
        // nscd over a unix socket (getpwuid), which depends on the machine.
        .filter(|e| match &e.kind {
            Kind::Connect { remote, .. } => !matches!(remote, Some(Addr::Unix(_))),
            Kind::Accept { .. } => true,
            _ => false,
        })
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        conns,
        vec![
            Kind::Connect {
                fd: cfd as i32,
                res: 0,
                local: v6(cport),
                remote: v6(port),
                sock_type: libc::SOCK_STREAM as u16,
                protocol: libc::IPPROTO_TCP as u16,
            },
            // Python accepts with accept4 (SOCK_CLOEXEC).
            Kind::Accept {
                accept4: true,
                fd: lfd as i32,
                res: afd,
                local: v6(port),
                remote: v6(cport),
                sock_type: libc::SOCK_STREAM as u16,
                protocol: libc::IPPROTO_TCP as u16,
            },
            // A UDP connect: Falco's fd.l4proto=udp.
            Kind::Connect {
                fd: ufd as i32,
                res: 0,
                local: v6(uport),
                remote: v6(9),
                sock_type: libc::SOCK_DGRAM as u16,
                protocol: libc::IPPROTO_UDP as u16,
            },
        ]
    );
}

#[test]
fn relative_opens_carry_the_directory_they_started_from() {
    require!(available(), "needs root and BTF for the eBPF source");
    let mut src = start();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir(base.join("sub")).unwrap();
    std::fs::create_dir(base.join("other")).unwrap();
    // Relative to the working directory (with a `..`), relative to a dirfd, and a failed
    // one; the process is gone before the events are read.
    let code = "import os, sys\n\
        os.chdir(sys.argv[1])\n\
        os.close(os.open('sub/../rel-a', os.O_CREAT | os.O_WRONLY, 0o600))\n\
        d = os.open('other', os.O_RDONLY | os.O_DIRECTORY)\n\
        os.close(os.open('rel-b', os.O_CREAT | os.O_WRONLY, 0o600, dir_fd=d))\n\
        try:\n    os.open('rel-missing', os.O_RDONLY)\nexcept OSError:\n    pass\n";
    let out = Command::new("python3")
        .args(["-c", code])
        .arg(&base)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "{out:?}");
    let names: [&[u8]; 3] = [b"sub/../rel-a", b"rel-b", b"rel-missing"];
    let events = collect(
        &mut src,
        |e| matches!(&e.kind, Kind::Open { path, .. } if names.contains(&path.as_slice())),
        |ev| ev.len() >= 3,
    );
    let got: Vec<(Vec<u8>, Option<Vec<u8>>)> = events
        .iter()
        .map(|e| match &e.kind {
            Kind::Open { path, resolved, .. } => (path.clone(), resolved.clone()),
            k => panic!("{k:?}"),
        })
        .collect();
    let abs = |rel: &str| Some(base.join(rel).as_os_str().as_bytes().to_vec());
    assert_eq!(
        got,
        vec![
            (names[0].to_vec(), abs("rel-a")),
            (names[1].to_vec(), abs("other/rel-b")),
            (names[2].to_vec(), abs("rel-missing")),
        ]
    );
}
