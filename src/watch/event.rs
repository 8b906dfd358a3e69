//! What an event source reports: [`RawEvent`]s, one per call result or process change, and the
//! [`Source`] interface `ksec watch` reads them through. Raw events carry what the kernel gave at
//! the time (pids in the host's namespace, paths as the call passed them, argv read in the
//! kernel); the context (src/watch/context.rs) adds what /proc and the runtimes say.

use std::net::SocketAddr;

use crate::rules::prefilter::OpenNeed;
use std::time::Duration;

/// One thing a task did, with who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// When, in nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// The thread and its process (host pid namespace).
    pub tid: i32,
    pub pid: i32,
    /// Real and effective user and group ids, and the audit login uid (`u32::MAX` unset), when
    /// the source knows them (the fallback does not: it reads /proc).
    pub creds: Option<Creds>,
    /// The task's name (comm) at the time, when the source knows it.
    pub comm: Option<Vec<u8>>,
    /// The inode number of the task's mount namespace at the time, when the source knows it
    /// (eBPF): which container a task ran in, known even after it is gone.
    pub mntns: Option<u32>,
    pub kind: Kind,
}

/// A task's credentials at the time of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    pub loginuid: u32,
}

/// A process's ids in its own pid namespace and when it started, as the kernel has them at an
/// exec (None: not known, or not visible from that namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcStart {
    pub vpid: Option<i32>,
    pub vpgid: Option<i32>,
    pub vsid: Option<i32>,
    /// The session id in the host's pid namespace (its leader's pid there).
    pub sid: Option<i32>,
    /// When the process started (its clone), in ns since the epoch.
    pub start_ns: Option<u64>,
    /// When its pid namespace's init started, in ns since the epoch.
    pub pidns_start_ns: Option<u64>,
}

/// An executable's inode: its number and times (ns since the epoch; None: unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExeInode {
    pub ino: u64,
    pub ctime_ns: Option<u64>,
    pub mtime_ns: Option<u64>,
}

/// Which open call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenCall {
    Open,
    Openat,
    Openat2,
    Creat,
}

impl OpenCall {
    /// The syscall's name (Falco's evt.type).
    pub fn name(self) -> &'static str {
        match self {
            OpenCall::Open => "open",
            OpenCall::Openat => "openat",
            OpenCall::Openat2 => "openat2",
            OpenCall::Creat => "creat",
        }
    }
}

/// A socket address as a call passed or returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    Inet(SocketAddr),
    /// AF_UNIX: the path (abstract names start with a NUL byte); empty when unnamed.
    Unix(Vec<u8>),
    /// Another family, by number.
    Other(u16),
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An execve or execveat returned. On success the task is the new program: `exe` the
    /// kernel's file name for it (as passed, relative to the caller), `argv` the new stack's
    /// arguments as the kernel copied them (complete even when the process exits at once, up
    /// to the source's limit, `argv_truncated` beyond it).
    Exec {
        execveat: bool,
        /// 0, or the negative errno.
        res: i64,
        ppid: i32,
        exe: Vec<u8>,
        argv: Vec<Vec<u8>>,
        argv_truncated: bool,
        /// The controlling terminal's device number (0: none), when the source knows it.
        tty: Option<u32>,
        /// The process's ids and start times, when the source read them in the kernel.
        start: Option<ProcStart>,
        /// The executable's inode, when the source read it in the kernel.
        exe_inode: Option<ExeInode>,
        /// The working directory and the executable's path as the task sees them (from its
        /// root), when the source read them in the kernel (the executable: on success).
        cwd: Option<Vec<u8>>,
        exepath: Option<Vec<u8>>,
    },
    /// A fork, vfork or clone made a task.
    Fork {
        child_tid: i32,
        child_pid: i32,
        /// A thread of the same process (CLONE_THREAD).
        thread: bool,
        /// The child's process id in its own pid namespace, when the source knows it.
        child_vpid: Option<i32>,
        /// When the child started, in ns since the epoch, when the source knows it.
        child_start_ns: Option<u64>,
    },
    /// An open call returned. `path` is as passed (relative to `dirfd` or the working
    /// directory); `resolved` the absolute path when the source knows it (fanotify does).
    Open {
        call: OpenCall,
        dirfd: i32,
        path: Vec<u8>,
        resolved: Option<Vec<u8>>,
        /// The open flags (O_*), when known; the fallback knows only read or write.
        flags: Option<u64>,
        /// Read or written, when the flags are not known (fanotify's FAN_OPEN vs FAN_MODIFY /
        /// FAN_CLOSE_WRITE).
        write: Option<bool>,
        mode: u32,
        /// The new fd, or the negative errno.
        res: i64,
    },
    /// A connect returned.
    Connect {
        fd: i32,
        res: i64,
        local: Option<Addr>,
        remote: Option<Addr>,
    },
    /// An accept or accept4 returned a connection (`res`, the new fd).
    Accept {
        accept4: bool,
        fd: i32,
        res: i64,
        local: Option<Addr>,
        remote: Option<Addr>,
    },
    /// A ptrace call returned.
    Ptrace { request: i64, target: i32, res: i64 },
    /// setuid, setgid, setreuid, setresuid, setregid, setresgid returned: the ids passed
    /// (`u32::MAX` for "unchanged", as the calls take -1).
    SetId {
        call: &'static str,
        ids: Vec<u32>,
        res: i64,
    },
    /// A process ended (its last thread exited): the wait status as waitpid reports it.
    Exit { status: i32 },
}

impl Kind {
    /// Falco's evt.type for the event.
    pub fn evt_type(&self) -> &'static str {
        match self {
            Kind::Exec {
                execveat: false, ..
            } => "execve",
            Kind::Exec { execveat: true, .. } => "execveat",
            Kind::Fork { .. } => "clone",
            Kind::Open { call, .. } => call.name(),
            Kind::Connect { .. } => "connect",
            Kind::Accept { accept4: false, .. } => "accept",
            Kind::Accept { accept4: true, .. } => "accept4",
            Kind::Ptrace { .. } => "ptrace",
            Kind::SetId { call, .. } => call,
            Kind::Exit { .. } => "procexit",
        }
    }
}

/// Events a source could not deliver, by where they were lost; reported as Falco reports
/// syscall event drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lost {
    /// The kernel's ring buffer was full.
    pub ring_full: u64,
    /// A per-call record could not be kept between entry and exit (map full).
    pub in_flight: u64,
    /// The fallback's queues overflowed (fanotify's FAN_Q_OVERFLOW, the proc connector's
    /// ENOBUFS).
    pub queue: u64,
}

impl Lost {
    pub fn total(&self) -> u64 {
        self.ring_full + self.in_flight + self.queue
    }
}

/// A field the source cannot fill, and why (`--list-fields` shows it; rules naming it are
/// skipped with the reason).
pub type Unavailable = (&'static str, &'static str);

/// Where events come from.
pub trait Source {
    /// What `ksec watch` says it uses (`ebpf`, `proc connector + fanotify`).
    fn name(&self) -> &'static str;
    /// Appends what happened since the last call, waiting up to `timeout` for the first event.
    /// Returns early (with or without events) when a signal arrives.
    ///
    /// # Errors
    /// When the source can no longer deliver (its fds fail); lost events are not errors.
    fn poll(&mut self, out: &mut Vec<RawEvent>, timeout: Duration) -> anyhow::Result<()>;
    /// Events lost so far.
    fn lost(&self) -> Lost;
    /// The fields this source cannot fill.
    fn unavailable(&self) -> &'static [Unavailable];
    /// The fields this source fills only in part (some events, or not at the time of the
    /// call), and how: rules naming them still run.
    fn partial(&self) -> &'static [Unavailable] {
        &[]
    }
    /// Lets the source leave out the opens no rule can match, if it can filter them where
    /// they happen (eBPF: in the kernel). Returns whether the source filters opens at all
    /// (for [`OpenNeed::Any`] it then sends every one).
    ///
    /// # Errors
    /// The source could not apply the filter (it then sends every open).
    fn set_open_filter(&mut self, _need: &OpenNeed) -> anyhow::Result<bool> {
        Ok(false)
    }
}
