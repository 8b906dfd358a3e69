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
    /// The process group id in the host's pid namespace.
    pub pgid: Option<i32>,
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

/// Which datagram or receive call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetCall {
    Sendto,
    Sendmsg,
    Recvfrom,
    Recvmsg,
}

impl NetCall {
    /// Every call, in bpf/watch.bpf.c's `net_filter` order.
    pub const ALL: [NetCall; 4] = [
        NetCall::Sendto,
        NetCall::Sendmsg,
        NetCall::Recvfrom,
        NetCall::Recvmsg,
    ];

    /// The syscall's name (Falco's evt.type).
    pub fn name(self) -> &'static str {
        match self {
            NetCall::Sendto => "sendto",
            NetCall::Sendmsg => "sendmsg",
            NetCall::Recvfrom => "recvfrom",
            NetCall::Recvmsg => "recvmsg",
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
        /// SOCK_STREAM, SOCK_DGRAM... and the IPPROTO_* protocol of the socket (0: unknown).
        sock_type: u16,
        protocol: u16,
    },
    /// An accept or accept4 returned a connection (`res`, the new fd).
    Accept {
        accept4: bool,
        fd: i32,
        res: i64,
        local: Option<Addr>,
        remote: Option<Addr>,
        /// Of the new socket, as for Connect.
        sock_type: u16,
        protocol: u16,
    },
    /// A sendto, sendmsg, recvfrom or recvmsg returned on an AF_INET or AF_INET6 socket.
    Net {
        call: NetCall,
        fd: i32,
        /// The bytes sent or received, or the negative errno.
        res: i64,
        /// The bytes the call asked for (sendmsg, recvmsg: the iovecs' lengths).
        size: u64,
        local: Option<Addr>,
        /// The address the call passed or got, or the connected socket's peer.
        remote: Option<Addr>,
        /// The socket is connected (a stream socket past its handshake, a connect()ed
        /// datagram socket), as the kernel says. libsinsp marks an inet socket connected
        /// after any successful send or receive, which would leave its own outbound and
        /// inbound macros' datagram branch (`fd.connected=false`) unmatched; this follows the
        /// macros' intent instead.
        connected: bool,
        /// SOCK_STREAM, SOCK_DGRAM, SOCK_RAW... and the IPPROTO_* protocol.
        sock_type: u16,
        protocol: u16,
        /// The call changed the fd's name (Falco's fd.name_changed): an unconnected socket's
        /// first address, or one other than the last it sent to or received from.
        name_changed: bool,
        /// The task is the server end: the remote address is the client.
        server: bool,
        /// The data's first bytes (up to Falco's snaplen, 80), when the source read them.
        data: Option<Vec<u8>>,
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
            Kind::Net { call, .. } => call.name(),
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
    /// Has the source send only the datagram and receive calls `rules` can match (see
    /// [`NetNeed`]). Returns what it now reads, for `ksec watch`'s start line (empty: nothing
    /// to say).
    ///
    /// # Errors
    /// The source could not apply it.
    fn set_net_filter(&mut self, _rules: &[crate::rules::Rule]) -> anyhow::Result<String> {
        Ok(String::new())
    }
}

/// How much of one datagram or receive call (a [`NetCall`]) a ruleset needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum NetNeed {
    /// No rule can match the call.
    #[default]
    None,
    /// Every rule that can match it requires `fd.name_changed = true` (Falco's outbound and
    /// inbound macros): only calls that change the fd's name.
    NameChanged,
    /// Every call on an AF_INET or AF_INET6 socket.
    All,
    /// Every call, with its data (a rule names evt.buffer or evt.arg.data).
    Data,
}

/// What `rules` need of each [`NetCall`] (in [`NetCall::ALL`] order). Only rules whose
/// condition restricts evt.type to a set naming the call count: a rule that does not restrict
/// evt.type is not about these calls (as before they were read at all), so it does not make
/// the kernel send every datagram and read of the node.
pub fn net_needs(rules: &[crate::rules::Rule]) -> [NetNeed; 4] {
    let mut need = [NetNeed::None; 4];
    for r in rules {
        let Some(types) = r.evt_types() else {
            continue;
        };
        let cond = r.condition();
        let data = names_data(cond);
        for (i, call) in NetCall::ALL.iter().enumerate() {
            if !types.contains(&call.name()) {
                continue;
            }
            let n = if data {
                NetNeed::Data
            } else if unchanged_may_match(cond, call.name()) != Tri::False {
                NetNeed::All
            } else {
                NetNeed::NameChanged
            };
            need[i] = need[i].max(n);
        }
    }
    need
}

/// Kleene's three-valued logic, for what a condition says of an event known only in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    False,
    Unknown,
    True,
}

/// Whether `e` can hold for an event of type `evt_type` with fd.name_changed false: False when
/// it cannot (the condition requires a name change for that type).
fn unchanged_may_match(e: &crate::rules::eval::Expr, evt_type: &str) -> Tri {
    use crate::rules::eval::{Expr, Lhs, Lit, Op, Rhs};
    match e {
        Expr::And(v) => v.iter().fold(Tri::True, |acc, c| {
            match (acc, unchanged_may_match(c, evt_type)) {
                (Tri::False, _) | (_, Tri::False) => Tri::False,
                (Tri::True, Tri::True) => Tri::True,
                _ => Tri::Unknown,
            }
        }),
        Expr::Or(v) => v.iter().fold(Tri::False, |acc, c| {
            match (acc, unchanged_may_match(c, evt_type)) {
                (Tri::True, _) | (_, Tri::True) => Tri::True,
                (Tri::False, Tri::False) => Tri::False,
                _ => Tri::Unknown,
            }
        }),
        Expr::Not(inner) => match unchanged_may_match(inner, evt_type) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
        Expr::Check(c) => {
            let bool_of = |t: bool| if t { Tri::True } else { Tri::False };
            match (&c.lhs, c.op, &c.rhs) {
                (Lhs::EvtType, op, rhs) => {
                    let named = match rhs {
                        Rhs::One(Lit::Str(s)) => s == evt_type,
                        Rhs::Many(v) => v.iter().any(|l| matches!(l, Lit::Str(s) if s == evt_type)),
                        Rhs::Set(s) => s.contains(evt_type),
                        _ => return Tri::Unknown,
                    };
                    match op {
                        Op::Eq | Op::In | Op::Intersects => bool_of(named),
                        Op::Ne => bool_of(!named),
                        _ => Tri::Unknown,
                    }
                }
                (Lhs::Field(f), op, Rhs::One(Lit::Bool(b))) if f.info.name == "fd.name_changed" => {
                    match op {
                        Op::Eq | Op::In => bool_of(!b),
                        Op::Ne => bool_of(*b),
                        _ => Tri::Unknown,
                    }
                }
                _ => Tri::Unknown,
            }
        }
    }
}

/// Whether `e` reads a call's data (evt.buffer, evt.arg.data).
fn names_data(e: &crate::rules::eval::Expr) -> bool {
    use crate::rules::eval::{Expr, Lhs, Rhs};
    use crate::rules::fields::FieldArg;
    fn lhs(l: &Lhs) -> bool {
        match l {
            Lhs::EvtType => false,
            Lhs::Field(f) => {
                f.info.name == "evt.buffer"
                    || (matches!(f.info.name, "evt.arg" | "evt.rawarg")
                        && f.arg == FieldArg::Key("data".into()))
            }
            Lhs::Transform(_, inner) => lhs(inner),
        }
    }
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().any(names_data),
        Expr::Not(inner) => names_data(inner),
        Expr::Check(c) => lhs(&c.lhs) || matches!(&c.rhs, Rhs::Other(l) if lhs(l)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{load, LoadOptions, RulesInput};

    fn needs(yaml: &str) -> [NetNeed; 4] {
        let l = load(
            &[RulesInput {
                name: "t.yaml".into(),
                content: yaml.into(),
            }],
            &LoadOptions::default(),
        );
        let set = l.ruleset.unwrap_or_else(|| panic!("{:?}", l.diagnostics));
        net_needs(set.rules())
    }

    fn rule(name: &str, cond: &str) -> String {
        format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: o\n  priority: INFO\n")
    }

    #[test]
    fn falcos_outbound_and_inbound_macros_need_only_name_changes() {
        // As in falco_rules.yaml.
        let macros = "- macro: outbound\n  condition: >\n    (((evt.type = connect and evt.dir=<) or\n      (evt.type in (sendto,sendmsg) and evt.dir=< and\n       fd.l4proto != tcp and fd.connected=false and fd.name_changed=true)) and\n     (fd.typechar = 4 or fd.typechar = 6) and\n     (fd.ip != \"0.0.0.0\" and fd.net != \"127.0.0.0/8\") and\n     (evt.rawres >= 0 or evt.res = EINPROGRESS))\n\
            - macro: inbound\n  condition: >\n    (((evt.type in (accept,accept4,listen) and evt.dir=<) or\n      (evt.type in (recvfrom,recvmsg) and evt.dir=< and\n       fd.l4proto != tcp and fd.connected=false and fd.name_changed=true)) and\n     (fd.typechar = 4 or fd.typechar = 6) and\n     (fd.ip != \"0.0.0.0\" and fd.net != \"127.0.0.0/8\") and\n     (evt.rawres >= 0 or evt.res = EINPROGRESS))\n";
        use NetNeed::*;
        let out = format!("{macros}{}", rule("o", "outbound and proc.name = curl"));
        assert_eq!(needs(&out), [NameChanged, NameChanged, None, None]);
        let inb = format!("{macros}{}", rule("i", "inbound and not proc.name = sshd"));
        assert_eq!(needs(&inb), [None, None, NameChanged, NameChanged]);
        // A rule that also matches unchanged names needs every call; one reading the data,
        // the data; a rule not restricted to event types does not count.
        let yaml = format!(
            "{macros}{}{}{}{}",
            rule("o", "outbound"),
            rule("every sendmsg", "evt.type = sendmsg and fd.sport = 53"),
            rule(
                "java",
                "evt.type = recvfrom and evt.buffer bcontains cafebabe"
            ),
            rule("any", "proc.name = nc"),
        );
        assert_eq!(needs(&yaml), [NameChanged, All, Data, None]);
        // Negations: `not fd.name_changed = false` requires a change; `!= true` does not.
        assert_eq!(
            needs(&rule(
                "n",
                "evt.type = sendto and not fd.name_changed = false"
            )),
            [NameChanged, None, None, None]
        );
        assert_eq!(
            needs(&rule("n", "evt.type = sendto and fd.name_changed != true")),
            [All, None, None, None]
        );
        // The change required only of another event type.
        assert_eq!(
            needs(&rule(
                "n",
                "(evt.type = sendto and fd.name_changed = true) or evt.type = recvmsg"
            )),
            [NameChanged, None, None, All]
        );
        assert_eq!(
            needs(&rule(
                "n",
                "evt.type in (sendto, recvmsg) and evt.arg.data contains x"
            )),
            [Data, None, None, Data]
        );
    }
}
