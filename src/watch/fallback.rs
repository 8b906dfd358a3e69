//! The fallback event source of `ksec watch`, for nodes where eBPF cannot be loaded: process
//! events from the netlink proc connector (exec, fork, exit, uid/gid changes, ptrace attach
//! and detach) and file events from fanotify (written, or read and closed), turned into
//! [`RawEvent`]s ([`FallbackSource`]).
//!
//! What it sees and how:
//! - **exec**: the connector says only which task exec'd; argv (`/proc/PID/cmdline`), the
//!   executable (`/proc/PID/exe`, resolved), the parent (`/proc/PID/stat`, else the last fork
//!   event) and comm are read at once. A process that is gone (or a zombie) by then gives an
//!   exec with empty argv and exe and no comm, counted in [`FallbackStats::partial_execs`].
//! - **fork**: the connector names the child's `real_parent`; for a new thread that is the
//!   process's parent, so a thread's creator is reported as its process (tid = pid).
//! - **exit**: one per process (its thread-group leader's exit), the wait status as is.
//! - **setuid/setgid**: the real and effective ids after any change of them (also a setuid
//!   binary's exec); the call that made it is not known.
//! - **ptrace**: PTRACE_ATTACH (also for PTRACE_SEIZE) by the tracer, PTRACE_DETACH (the kernel
//!   does not name the tracer: the one that attached, when seen).
//! - **files**: fanotify mount marks on every mount of the host (pid 1's mount table, or this
//!   process's when pid 1's root cannot be entered; pseudo filesystems left out) and on the
//!   root mount of each container (found from /proc/PID/cgroup at start and at each exec in a
//!   container not seen before), so paths are the ones the container sees. Mounts made later
//!   on the host, and a container's other mounts (volumes, tmpfs), are not watched. Every file event is reported as an `openat` with
//!   `resolved` = the event fd's path.
//!
//! **One event per open.** fanotify reports an open (FAN_OPEN) without its flags, each write
//! (FAN_MODIFY), and the close (FAN_CLOSE_WRITE or FAN_CLOSE_NOWRITE, exactly one per open
//! file). The source asks for FAN_MODIFY, FAN_CLOSE_WRITE and FAN_CLOSE_NOWRITE and reports:
//! a written open at its first FAN_MODIFY (`write: Some(true)`; that open's later writes and
//! its FAN_CLOSE_WRITE are then swallowed, per process and inode), or at FAN_CLOSE_WRITE if it
//! was never written to; an open for reading at its FAN_CLOSE_NOWRITE (`write: Some(false)`).
//! So a rule on "opened for writing" fires once per open, and reads come at close time (a
//! file held open is reported when it is closed; mapped executables at exit). fanotify merges
//! identical events of one process queued together: two opens of a file in quick succession
//! may be seen as one.
//!
//! Events of ksec itself are ignored. Lost events: FAN_Q_OVERFLOW, and the connector's
//! ENOBUFS or gaps in its per-CPU sequence numbers, count [`Lost::queue`].

use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::time::{clock_gettime, ClockId};

use super::event::{Kind, Lost, OpenCall, RawEvent, Source, Unavailable};
use crate::proc::cgroup::container_of;
use crate::proc::root::ProcRoot;
use crate::sys::fanotify::{self, Fanotify};
use crate::sys::proc_connector::{self, ProcConnector, ProcEvent, What};

/// The `res` of the opens this source reports: fanotify does not say which fd the opener got.
/// Non-negative (the open succeeded; `evt.failed` is false) and above any real fd number.
pub const OPEN_FD_UNKNOWN: i64 = i32::MAX as i64;

/// `ptrace(2)` requests as the connector reports them.
const PTRACE_ATTACH: i64 = 16;
const PTRACE_DETACH: i64 = 17;

/// What fanotify is asked for (see the module docs for why not FAN_OPEN).
const FAN_MASK: u64 = libc::FAN_MODIFY | libc::FAN_CLOSE_WRITE | libc::FAN_CLOSE_NOWRITE;

/// Filesystems whose mounts are not marked: kernel interfaces, not files programs write
/// (their reads would flood the queue), and devtmpfs (every open of /dev/null).
const PSEUDO_FS: &[&[u8]] = &[
    b"proc",
    b"sysfs",
    b"cgroup",
    b"cgroup2",
    b"devpts",
    b"devtmpfs",
    b"mqueue",
    b"debugfs",
    b"tracefs",
    b"securityfs",
    b"pstore",
    b"bpf",
    b"configfs",
    b"fusectl",
    b"hugetlbfs",
    b"binfmt_misc",
    b"autofs",
    b"nsfs",
    b"rpc_pipefs",
    b"efivarfs",
    b"selinuxfs",
];

/// How the fallback is set up.
#[derive(Debug, Clone)]
pub struct FallbackConfig {
    /// The host's /proc (pid 1's mounts and every process's cgroup and root are read there).
    pub proc_root: ProcRoot,
    /// Watch files with fanotify (`false`: process events only).
    pub files: bool,
}

impl Default for FallbackConfig {
    fn default() -> Self {
        Self {
            proc_root: ProcRoot::default(),
            files: true,
        }
    }
}

/// Counts that say how complete the source's view is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FallbackStats {
    /// Execs whose process was gone before /proc could be read (argv and exe empty).
    pub partial_execs: u64,
    /// Mounts marked for fanotify (the host's and the containers' roots), as paths.
    pub marked: Vec<PathBuf>,
    /// Mounts that could not be marked, with the error.
    pub mark_errors: Vec<String>,
}

/// Process events from the proc connector and file events from fanotify.
#[derive(Debug)]
pub struct FallbackSource {
    proc: ProcRoot,
    cn: ProcConnector,
    fan: Option<Fanotify>,
    self_pid: i32,
    /// Connector events read while waiting for the subscription's answer.
    pending: Vec<ProcEvent>,
    /// The next expected sequence number per CPU.
    next_seq: HashMap<u32, u32>,
    cn_gaps: u64,
    cn_enobufs: u64,
    fan_overflows: u64,
    /// Mount ids already marked, and the containers whose root is among them.
    marked_mnt: HashSet<u64>,
    containers: HashSet<String>,
    /// Tracee tid -> the tracer (tid, pid) that attached, for PTRACE_DETACH.
    tracers: HashMap<i32, (i32, i32)>,
    /// Child pid -> parent pid from fork events, for execs whose /proc/PID/stat is gone.
    parents: HashMap<i32, i32>,
    /// Per pid, the (dev, ino) of files whose writing open was reported at its first write,
    /// with how many such opens await their close.
    writes: HashMap<i32, HashMap<(u64, u64), u32>>,
    stats: FallbackStats,
    cn_buf: Vec<u8>,
    fan_buf: Vec<u8>,
}

fn privilege_hint(e: Errno, cap: &str) -> String {
    match e {
        Errno::EPERM | Errno::EACCES => format!(" (ksec watch needs root: {cap})"),
        _ => String::new(),
    }
}

impl FallbackSource {
    /// Subscribes to the proc connector and, with `cfg.files`, sets up fanotify and marks the
    /// host's mounts and the running containers' roots.
    ///
    /// # Errors
    /// The connector socket cannot be opened or the kernel refuses the subscription (needs
    /// CAP_NET_ADMIN), fanotify cannot be initialised (needs CAP_SYS_ADMIN), pid 1's
    /// mountinfo cannot be read, or not even the host's root mount can be marked.
    pub fn start(cfg: &FallbackConfig) -> anyhow::Result<FallbackSource> {
        let cn = ProcConnector::open().map_err(|e| {
            anyhow!(
                "proc connector (NETLINK_CONNECTOR, CN_IDX_PROC): {}{}",
                e.desc(),
                privilege_hint(e, "CAP_NET_ADMIN")
            )
        })?;
        let mut src = FallbackSource {
            proc: cfg.proc_root.clone(),
            cn,
            fan: None,
            self_pid: std::process::id() as i32,
            pending: Vec::new(),
            next_seq: HashMap::new(),
            cn_gaps: 0,
            cn_enobufs: 0,
            fan_overflows: 0,
            marked_mnt: HashSet::new(),
            containers: HashSet::new(),
            tracers: HashMap::new(),
            parents: HashMap::new(),
            writes: HashMap::new(),
            stats: FallbackStats::default(),
            cn_buf: vec![0; 64 << 10],
            fan_buf: vec![0; 64 << 10],
        };
        src.await_ack()?;
        if cfg.files {
            src.start_fanotify()?;
        }
        Ok(src)
    }

    /// Reads the connector until the kernel answers PROC_CN_MCAST_LISTEN (within 2 s),
    /// keeping the events that came first.
    fn await_ack(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match self.cn.recv(&mut self.cn_buf) {
                Ok(n) => {
                    for ev in proc_connector::parse(&self.cn_buf[..n]) {
                        match ev.what {
                            What::Ack { err: 0 } => return Ok(()),
                            What::Ack { err } => {
                                let e = Errno::from_raw(err as i32);
                                return Err(anyhow!(
                                    "proc connector: the kernel refused PROC_CN_MCAST_LISTEN: {}{}",
                                    e.desc(),
                                    privilege_hint(
                                        e,
                                        "CAP_NET_ADMIN in the initial user namespace"
                                    )
                                ));
                            }
                            _ => self.pending.push(ev),
                        }
                    }
                }
                Err(Errno::EAGAIN) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(anyhow!(
                            "proc connector: no answer to PROC_CN_MCAST_LISTEN within 2 s"
                        ));
                    }
                    let mut fds = [PollFd::new(self.cn.as_fd(), PollFlags::POLLIN)];
                    let ms = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
                    match nix::poll::poll(&mut fds, ms) {
                        Ok(_) | Err(Errno::EINTR) => {}
                        Err(e) => return Err(anyhow!("proc connector: poll: {}", e.desc())),
                    }
                }
                Err(Errno::ENOBUFS) => self.cn_enobufs += 1,
                Err(Errno::EINTR) => {}
                Err(e) => return Err(anyhow!("proc connector: recv: {}", e.desc())),
            }
        }
    }

    fn start_fanotify(&mut self) -> anyhow::Result<()> {
        let fan = Fanotify::init(
            libc::FAN_CLASS_NOTIF,
            (libc::O_RDONLY | libc::O_LARGEFILE | libc::O_CLOEXEC) as u32,
        )
        .map_err(|e| {
            anyhow!(
                "fanotify_init: {}{}",
                e.desc(),
                privilege_hint(e, "CAP_SYS_ADMIN")
            )
        })?;
        self.fan = Some(fan);
        // pid 1's mounts, through its root; this process's own where pid 1's root cannot be
        // entered (ptrace access mode checks, a sandbox's init).
        let (mountinfo, root) = if std::fs::read_dir(self.proc.pid_path(1, "root")).is_ok() {
            (
                self.proc.pid_path(1, "mountinfo"),
                self.proc.pid_path(1, "root"),
            )
        } else {
            (self.proc.path().join("self/mountinfo"), PathBuf::from("/"))
        };
        let bytes =
            std::fs::read(&mountinfo).with_context(|| format!("read {}", mountinfo.display()))?;
        for m in parse_mountinfo(&bytes) {
            if PSEUDO_FS.contains(&m.fstype.as_slice()) {
                continue;
            }
            let rel = m.mount_point.strip_prefix(b"/").unwrap_or(&m.mount_point);
            let path = root.join(std::ffi::OsStr::from_bytes(rel));
            self.mark(m.mnt_id, path);
        }
        if self.stats.marked.is_empty() {
            return Err(anyhow!(
                "fanotify: no mount of {} could be marked: {}",
                mountinfo.display(),
                self.stats.mark_errors.join("; ")
            ));
        }
        let pids = std::fs::read_dir(self.proc.path())
            .with_context(|| format!("list {}", self.proc.path().display()))?;
        for pid in pids.filter_map(Result::ok) {
            if let Some(pid) = pid.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) {
                self.watch_container_of(pid);
            }
        }
        Ok(())
    }

    /// Marks the mount at `path` (mount id `mnt_id`) once.
    fn mark(&mut self, mnt_id: u64, path: PathBuf) -> bool {
        let Some(fan) = &self.fan else { return false };
        if self.marked_mnt.contains(&mnt_id) {
            return true;
        }
        match fan.mark(libc::FAN_MARK_MOUNT, FAN_MASK, &path) {
            Ok(()) => {
                self.marked_mnt.insert(mnt_id);
                self.stats.marked.push(path);
                true
            }
            Err(e) => {
                self.stats
                    .mark_errors
                    .push(format!("{}: {}", path.display(), e.desc()));
                false
            }
        }
    }

    /// Marks the root mount of `pid`'s container, if it is in one not marked yet.
    fn watch_container_of(&mut self, pid: i32) {
        if self.fan.is_none() {
            return;
        }
        let Some(c) = container_of(&self.proc, pid) else {
            return;
        };
        if self.containers.contains(&c.id) {
            return;
        }
        let root = self.proc.pid_path(pid, "root");
        let Some(mnt_id) = mount_id_of(&root) else {
            return;
        };
        // Still the host's root (a runtime's process before pivot_root): try again at the
        // container's next exec.
        if self.marked_mnt.contains(&mnt_id) {
            return;
        }
        if self.mark(mnt_id, root) {
            self.containers.insert(c.id);
        }
    }

    /// How complete the view is so far.
    pub fn stats(&self) -> &FallbackStats {
        &self.stats
    }

    fn now_ns() -> u64 {
        clock_gettime(ClockId::CLOCK_REALTIME)
            .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
            .unwrap_or(0)
    }

    /// Epoch ns minus CLOCK_MONOTONIC ns, now.
    fn boot_offset_ns() -> i128 {
        let ns = |c| {
            clock_gettime(c)
                .map(|t| t.tv_sec() as i128 * 1_000_000_000 + t.tv_nsec() as i128)
                .unwrap_or(0)
        };
        ns(ClockId::CLOCK_REALTIME) - ns(ClockId::CLOCK_MONOTONIC)
    }

    fn drain_connector(&mut self, out: &mut Vec<RawEvent>) -> anyhow::Result<()> {
        let offset = Self::boot_offset_ns();
        for ev in std::mem::take(&mut self.pending) {
            self.proc_event(ev, offset, out);
        }
        loop {
            match self.cn.recv(&mut self.cn_buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    let evs = proc_connector::parse(&self.cn_buf[..n]);
                    for ev in evs {
                        self.proc_event(ev, offset, out);
                    }
                }
                Err(Errno::EAGAIN) => return Ok(()),
                Err(Errno::ENOBUFS) => self.cn_enobufs += 1,
                Err(Errno::EINTR) => {}
                Err(e) => return Err(anyhow!("proc connector: recv: {}", e.desc())),
            }
        }
    }

    fn proc_event(&mut self, ev: ProcEvent, offset: i128, out: &mut Vec<RawEvent>) {
        if matches!(ev.what, What::Ack { .. }) {
            return;
        }
        if let Some(&want) = self.next_seq.get(&ev.cpu) {
            let gap = ev.seq.wrapping_sub(want);
            if gap != 0 && gap < 1 << 31 {
                self.cn_gaps += u64::from(gap);
            }
        }
        self.next_seq.insert(ev.cpu, ev.seq.wrapping_add(1));
        let time_ns = (i128::from(ev.timestamp_ns) + offset).max(0) as u64;
        let raw = |tid: i32, pid: i32, comm: Option<Vec<u8>>, kind: Kind| RawEvent {
            time_ns,
            tid,
            pid,
            creds: None,
            comm,
            mntns: None,
            kind,
        };
        match ev.what {
            What::Exec { pid: tid, tgid } => {
                let (kind, comm) = self.exec_kind(tgid);
                self.watch_container_of(tgid);
                // Read now, while the process most likely still runs: its container is known
                // from it even if it is gone when the event is evaluated.
                let mntns = crate::proc::ns::mount_ns(&self.proc, tgid);
                out.push(RawEvent {
                    mntns,
                    ..raw(tid, tgid, comm, kind)
                });
            }
            What::Fork {
                parent_pid,
                parent_tgid,
                child_pid,
                child_tgid,
            } => {
                let thread = child_pid != child_tgid;
                let (tid, pid) = if thread {
                    (child_tgid, child_tgid)
                } else {
                    self.parents.insert(child_tgid, parent_tgid);
                    (parent_pid, parent_tgid)
                };
                out.push(raw(
                    tid,
                    pid,
                    None,
                    Kind::Fork {
                        child_tid: child_pid,
                        child_pid: child_tgid,
                        thread,
                        child_vpid: None,
                        child_start_ns: None,
                    },
                ));
            }
            What::Exit {
                pid: tid,
                tgid,
                exit_code,
                ..
            } => {
                self.tracers.remove(&tid);
                if tid != tgid {
                    return;
                }
                self.parents.remove(&tgid);
                self.writes.remove(&tgid);
                out.push(raw(
                    tid,
                    tgid,
                    None,
                    Kind::Exit {
                        status: exit_code as i32,
                    },
                ));
            }
            What::Uid {
                pid,
                tgid,
                ruid,
                euid,
            } => out.push(raw(
                pid,
                tgid,
                None,
                Kind::SetId {
                    call: "setuid",
                    ids: vec![ruid, euid],
                    res: 0,
                },
            )),
            What::Gid {
                pid,
                tgid,
                rgid,
                egid,
            } => out.push(raw(
                pid,
                tgid,
                None,
                Kind::SetId {
                    call: "setgid",
                    ids: vec![rgid, egid],
                    res: 0,
                },
            )),
            What::Ptrace {
                pid: target,
                tracer_pid,
                tracer_tgid,
                ..
            } => {
                let (request, (tid, pid)) = if tracer_pid != 0 {
                    self.tracers.insert(target, (tracer_pid, tracer_tgid));
                    (PTRACE_ATTACH, (tracer_pid, tracer_tgid))
                } else {
                    let by = self.tracers.remove(&target).unwrap_or((0, 0));
                    (PTRACE_DETACH, by)
                };
                out.push(raw(
                    tid,
                    pid,
                    None,
                    Kind::Ptrace {
                        request,
                        target,
                        res: 0,
                    },
                ));
            }
            What::Ack { .. }
            | What::Sid { .. }
            | What::Comm { .. }
            | What::Coredump { .. }
            | What::Other { .. } => {}
        }
    }

    /// The exec of `pid` as /proc shows it now, and its comm; empty argv and exe and no comm
    /// when it is gone. Three reads, argv first: a storm of short-lived execs outruns more.
    fn exec_kind(&mut self, pid: i32) -> (Kind, Option<Vec<u8>>) {
        let (argv, argv_truncated) = crate::proc::cmdline::read_cmdline(&self.proc, pid)
            .map(|(a, cut)| (a.into_iter().map(|b| b.0).collect::<Vec<_>>(), cut))
            .unwrap_or_default();
        let exe = if argv.is_empty() {
            Vec::new()
        } else {
            std::fs::read_link(self.proc.pid_path(pid, "exe"))
                .map(|p| p.into_os_string().into_vec())
                .unwrap_or_default()
        };
        if argv.is_empty() || exe.is_empty() {
            self.stats.partial_execs += 1;
        }
        let stat = crate::proc::stat::read_stat(&self.proc, pid)
            .ok()
            .filter(|s| !s.is_zombie());
        let ppid = stat
            .as_ref()
            .map(|s| s.ppid)
            .or_else(|| self.parents.get(&pid).copied())
            .unwrap_or(0);
        let kind = Kind::Exec {
            execveat: false,
            res: 0,
            ppid,
            exe,
            argv,
            argv_truncated,
            tty: None,
            start: None,
            exe_inode: None,
            cwd: None,
            exepath: None,
        };
        (kind, stat.map(|s| s.comm).filter(|c| !c.is_empty()))
    }

    fn drain_fanotify(&mut self, out: &mut Vec<RawEvent>) -> anyhow::Result<()> {
        loop {
            let Some(fan) = &self.fan else { return Ok(()) };
            let n = match fan.read(&mut self.fan_buf) {
                Ok(0) | Err(Errno::EAGAIN) => return Ok(()),
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(anyhow!("fanotify: read: {}", e.desc())),
            };
            let time_ns = Self::now_ns();
            for ev in fanotify::parse(&self.fan_buf[..n]) {
                self.file_event(ev, time_ns, out);
            }
        }
    }

    fn file_event(&mut self, ev: fanotify::FanEvent, time_ns: u64, out: &mut Vec<RawEvent>) {
        if ev.mask & libc::FAN_Q_OVERFLOW != 0 {
            self.fan_overflows += 1;
        }
        let Some(fd) = ev.fd else { return };
        if ev.pid == self.self_pid {
            return;
        }
        let (path, key) = describe_fd(&fd);
        drop(fd);
        let Some(path) = path else { return };
        let mut emits: Vec<bool> = Vec::with_capacity(2);
        let per_pid = self.writes.entry(ev.pid).or_default();
        if ev.mask & libc::FAN_CLOSE_WRITE != 0 {
            match per_pid.get_mut(&key) {
                Some(n) if *n > 1 => *n -= 1,
                Some(_) => {
                    per_pid.remove(&key);
                }
                None => emits.push(true),
            }
        } else if ev.mask & libc::FAN_MODIFY != 0 && !per_pid.contains_key(&key) {
            per_pid.insert(key, 1);
            emits.push(true);
        }
        if per_pid.is_empty() {
            self.writes.remove(&ev.pid);
        }
        if ev.mask & libc::FAN_CLOSE_NOWRITE != 0 {
            emits.push(false);
        }
        for write in emits {
            out.push(RawEvent {
                time_ns,
                tid: ev.pid,
                pid: ev.pid,
                creds: None,
                comm: None,
                mntns: None,
                kind: Kind::Open {
                    call: OpenCall::Openat,
                    dirfd: libc::AT_FDCWD,
                    path: path.clone(),
                    resolved: Some(path.clone()),
                    flags: None,
                    write: Some(write),
                    mode: 0,
                    res: OPEN_FD_UNKNOWN,
                },
            });
        }
    }
}

/// The path of an event fd (`/proc/self/fd/N`) and its file's (dev, ino).
fn describe_fd(fd: &OwnedFd) -> (Option<Vec<u8>>, (u64, u64)) {
    let raw = fd.as_raw_fd();
    let path = std::fs::read_link(format!("/proc/self/fd/{raw}"))
        .ok()
        .map(|p| p.into_os_string().into_vec());
    let key = nix::sys::stat::fstat(raw)
        .map(|s| (s.st_dev, s.st_ino))
        .unwrap_or((0, 0));
    (path, key)
}

/// The mount id of the mount `path` is on (`mnt_id` in the fdinfo of an fd open on it).
fn mount_id_of(path: &std::path::Path) -> Option<u64> {
    let f = std::fs::File::open(path).ok()?;
    let info = std::fs::read(format!("/proc/self/fdinfo/{}", f.as_raw_fd())).ok()?;
    fdinfo_mnt_id(&info)
}

fn fdinfo_mnt_id(info: &[u8]) -> Option<u64> {
    info.split(|&b| b == b'\n').find_map(|l| {
        let v = l.strip_prefix(b"mnt_id:")?;
        std::str::from_utf8(v).ok()?.trim().parse().ok()
    })
}

/// One line of /proc/PID/mountinfo, the fields this source uses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    mnt_id: u64,
    /// Unescaped (`\040` is a space).
    mount_point: Vec<u8>,
    fstype: Vec<u8>,
}

/// The mounts of a mountinfo file (proc(5)); malformed lines are skipped.
fn parse_mountinfo(bytes: &[u8]) -> Vec<Mount> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let mnt_id = std::str::from_utf8(fields.first()?).ok()?.parse().ok()?;
            let mount_point = unescape(fields.get(4)?);
            let sep = fields.iter().position(|f| *f == b"-")?;
            let fstype = fields.get(sep + 1)?.to_vec();
            Some(Mount {
                mnt_id,
                mount_point,
                fstype,
            })
        })
        .collect()
}

/// mountinfo's octal escapes (`\040`, `\011`, `\012`, `\134`).
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\'
            && i + 3 < s.len()
            && s[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b))
        {
            out.push((s[i + 1] - b'0') * 64 + (s[i + 2] - b'0') * 8 + (s[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

impl Source for FallbackSource {
    fn name(&self) -> &'static str {
        "proc connector + fanotify"
    }

    fn poll(&mut self, out: &mut Vec<RawEvent>, timeout: Duration) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            let mut fds = vec![PollFd::new(self.cn.as_fd(), PollFlags::POLLIN)];
            if let Some(fan) = &self.fan {
                fds.push(PollFd::new(fan.as_fd(), PollFlags::POLLIN));
            }
            let ms = PollTimeout::try_from(timeout).unwrap_or(PollTimeout::MAX);
            match nix::poll::poll(&mut fds, ms) {
                Ok(_) => {}
                Err(Errno::EINTR) => return Ok(()),
                Err(e) => {
                    return Err(anyhow!(
                        "poll on the proc connector and fanotify: {}",
                        e.desc()
                    ))
                }
            }
        }
        self.drain_connector(out)?;
        self.drain_fanotify(out)
    }

    fn lost(&self) -> Lost {
        Lost {
            queue: self.fan_overflows + self.cn_gaps.max(self.cn_enobufs),
            ..Lost::default()
        }
    }

    fn unavailable(&self) -> &'static [Unavailable] {
        UNAVAILABLE
    }

    fn partial(&self) -> &'static [Unavailable] {
        PARTIAL
    }
}

const NO_NET: &str = "no connect or accept events without eBPF";
const NO_DATAGRAMS: &str =
    "no sendto, sendmsg, recvfrom or recvmsg events without eBPF (the proc connector and fanotify do not see them)";

/// What the proc connector and fanotify cannot tell.
pub const UNAVAILABLE: &[Unavailable] = &[
    (
        "evt.arg.flags",
        "fanotify reports no open flags, only whether the file was written",
    ),
    ("evt.arg.mode", "fanotify reports no open mode"),
    ("evt.is_open_exec", "fanotify reports no open flags or mode"),
    (
        "fd.num",
        "fanotify reports no fd number of the opener (opens carry res = i32::MAX)",
    ),
    (
        "fd.nameraw",
        "fanotify reports the opened file, not the path the call passed",
    ),
    (
        "evt.arg.name",
        "fanotify reports the opened file, not the path the call passed",
    ),
    ("fd.ip", NO_NET),
    ("fd.cip", NO_NET),
    ("fd.sip", NO_NET),
    ("fd.lip", NO_NET),
    ("fd.rip", NO_NET),
    ("fd.cip.name", NO_NET),
    ("fd.sip.name", NO_NET),
    ("fd.lip.name", NO_NET),
    ("fd.rip.name", NO_NET),
    ("fd.port", NO_NET),
    ("fd.cport", NO_NET),
    ("fd.sport", NO_NET),
    ("fd.lport", NO_NET),
    ("fd.rport", NO_NET),
    ("fd.dip", NO_NET),
    ("fd.dport", NO_NET),
    ("fd.net", NO_NET),
    ("fd.cnet", NO_NET),
    ("fd.snet", NO_NET),
    ("fd.lnet", NO_NET),
    ("fd.rnet", NO_NET),
    ("fd.sockfamily", NO_NET),
    ("fd.connected", NO_NET),
    ("fd.is_server", NO_NET),
    ("fd.l4proto", NO_NET),
    ("fd.name_changed", NO_DATAGRAMS),
    ("evt.buffer", NO_DATAGRAMS),
    ("evt.arg.data", NO_DATAGRAMS),
];

/// What the fallback fills only in part.
pub const PARTIAL: &[Unavailable] = &[
    ("proc.cmdline", "argv is read from /proc/PID/cmdline at the exec event: empty for a process that exits first"),
    ("proc.args", "argv is read from /proc/PID/cmdline at the exec event: empty for a process that exits first"),
    ("proc.exe", "argv is read from /proc/PID/cmdline at the exec event: empty for a process that exits first"),
    ("proc.exepath", "read from /proc/PID/exe at the exec event: empty for a process that exits first"),
    ("user.uid", "credentials are read from /proc when the event is handled, not taken at the call"),
    ("user.loginuid", "read from /proc/PID/loginuid when the event is handled, not at the call"),
    ("group.gid", "credentials are read from /proc when the event is handled, not taken at the call"),
    ("evt.type", "file events are all openat (open, openat2 and creat are not told apart); exec is always execve"),
    ("evt.time", "fanotify events carry no timestamp: file events are stamped when read"),
    ("evt.failed", "failed calls make no proc connector or fanotify event: only successes are seen"),
    ("evt.is_open_read", "reads are reported when the file is closed (FAN_CLOSE_NOWRITE)"),
    ("evt.arg.request", "ptrace: only PTRACE_ATTACH (also for PTRACE_SEIZE) and PTRACE_DETACH"),
    ("proc.vpgid", "read from /proc/PID/status at the exec event: unknown for a process that exits first"),
    ("proc.is_vpgid_leader", "read from /proc/PID/status at the exec event: unknown for a process that exits first"),
    ("proc.pgid", "read from /proc/PID/stat at the exec event: unknown for a process that exits first"),
    ("proc.is_pgid_leader", "read from /proc/PID/stat at the exec event: unknown for a process that exits first"),
    ("proc.cmdnargs", "argv is read from /proc/PID/cmdline at the exec event: empty for a process that exits first"),
    ("proc.exeline", "argv is read from /proc/PID/cmdline at the exec event: empty for a process that exits first"),
    ("proc.exe_ino.ctime", "the executable is stat'ed through /proc/PID/exe at the exec event: unknown for a process that exits first"),
    ("proc.duration", "a process's start is its fork event's time, or /proc/PID/stat's (10 ms ticks)"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mountinfo() {
        let info = b"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n\
            23 22 0:5 / /dev rw - devtmpfs devtmpfs rw\n\
            40 22 0:40 / /mnt/a\\040b rw master:3 shared:9 - tmpfs tmpfs rw\n\
            bogus\n";
        let got = parse_mountinfo(info);
        assert_eq!(
            got,
            vec![
                Mount {
                    mnt_id: 22,
                    mount_point: b"/".to_vec(),
                    fstype: b"ext4".to_vec()
                },
                Mount {
                    mnt_id: 23,
                    mount_point: b"/dev".to_vec(),
                    fstype: b"devtmpfs".to_vec()
                },
                Mount {
                    mnt_id: 40,
                    mount_point: b"/mnt/a b".to_vec(),
                    fstype: b"tmpfs".to_vec()
                },
            ]
        );
        assert_eq!(unescape(b"a\\134b\\04"), b"a\\b\\04");
    }

    #[test]
    fn reads_mnt_id_from_fdinfo() {
        assert_eq!(
            fdinfo_mnt_id(b"pos:\t0\nflags:\t02100000\nmnt_id:\t31\nino:\t2\n"),
            Some(31)
        );
        assert_eq!(fdinfo_mnt_id(b"pos:\t0\n"), None);
    }

    #[test]
    fn every_listed_field_is_in_the_catalogue() {
        for (field, why) in UNAVAILABLE.iter().chain(PARTIAL) {
            let base = field.strip_prefix("evt.arg.").map_or(*field, |_| "evt.arg");
            assert!(
                crate::rules::fields::lookup(base).is_some(),
                "{field} is not a Falco field ksec knows"
            );
            assert!(!why.is_empty());
        }
    }
}
