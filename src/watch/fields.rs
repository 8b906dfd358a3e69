//! A raw event seen through the [`Context`]: [`WatchEvent`] gives each of Falco's fields
//! ([`crate::rules::fields::FIELDS`]) its value, with Falco's meanings (proc.name the task
//! name, proc.exe `argv[0]`, fd.name an absolute path or a `client->server` tuple, container.id
//! `host` outside containers, user.loginuid -1 when unset).

use std::borrow::Cow;
use std::net::IpAddr;

use super::context::{absolute, Context, ProcInfo};
use super::event::{Addr, Kind, RawEvent};
use super::live::{std_fds, Live, StdFd};
use crate::rules::fields::{Event, Field, FieldArg, Value};
use crate::trace::decode::file::open_flag_names;

/// `AT_FDCWD`: a path relative to the working directory.
const AT_FDCWD: i32 = -100;

/// One event with its process and container context, as rules read it.
pub struct WatchEvent<'a> {
    pub raw: &'a RawEvent,
    pub ctx: &'a Context,
    /// Its sequence number in this run (evt.num).
    pub num: u64,
    proc: Option<&'a ProcInfo>,
    ancestors: Vec<&'a ProcInfo>,
    /// fd.name: the absolute path, or the connection.
    fd_name: Option<String>,
    /// Read from /proc the first time a field needs them ([`super::live`]).
    live: std::cell::OnceCell<Live>,
    std_fds: std::cell::OnceCell<[Option<StdFd>; 3]>,
}

fn s<'a>(v: impl Into<Cow<'a, str>>) -> Option<Value<'a>> {
    Some(Value::Str(v.into()))
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// `1.2.3.4:80`, `::1:80` (Falco's tuple form), or a unix path.
fn addr_text(a: &Addr) -> String {
    match a {
        Addr::Inet(sa) => format!("{}:{}", sa.ip(), sa.port()),
        Addr::Unix(p) => lossy(p).into_owned(),
        Addr::Other(f) => format!("family {f}"),
    }
}

fn ip_of(a: Option<&Addr>) -> Option<IpAddr> {
    match a? {
        Addr::Inet(sa) => Some(sa.ip()),
        _ => None,
    }
}

fn port_of(a: Option<&Addr>) -> Option<u16> {
    match a? {
        Addr::Inet(sa) => Some(sa.port()),
        _ => None,
    }
}

/// The errno name of a negative result (`ENOENT`), or `SUCCESS`.
fn res_text(res: i64) -> String {
    if res >= 0 {
        "SUCCESS".to_string()
    } else {
        crate::trace::decode::errno_text(res.unsigned_abs() as i32).0
    }
}

/// Capability names of a set, space-separated (`CAP_CHOWN CAP_KILL`).
pub fn cap_names(set: u64) -> String {
    use crate::trace::decode::process::CAPS;
    (0..64)
        .filter(|b| set & (1 << b) != 0)
        .map(|b| {
            CAPS.get(b)
                .map_or_else(|| format!("CAP_{b}"), |n| n.to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A ptrace request's name (`PTRACE_ATTACH`), as Falco prints evt.arg.request.
fn ptrace_request(r: i64) -> Cow<'static, str> {
    let name = match r {
        0 => "PTRACE_TRACEME",
        1 => "PTRACE_PEEKTEXT",
        2 => "PTRACE_PEEKDATA",
        3 => "PTRACE_PEEKUSR",
        4 => "PTRACE_POKETEXT",
        5 => "PTRACE_POKEDATA",
        6 => "PTRACE_POKEUSR",
        7 => "PTRACE_CONT",
        8 => "PTRACE_KILL",
        9 => "PTRACE_SINGLESTEP",
        12 => "PTRACE_GETREGS",
        13 => "PTRACE_SETREGS",
        16 => "PTRACE_ATTACH",
        17 => "PTRACE_DETACH",
        24 => "PTRACE_SYSCALL",
        0x4200 => "PTRACE_SETOPTIONS",
        0x4206 => "PTRACE_SEIZE",
        0x4207 => "PTRACE_INTERRUPT",
        0x4208 => "PTRACE_LISTEN",
        _ => return Cow::Owned(r.to_string()),
    };
    Cow::Borrowed(name)
}

/// The ancestor index of `proc.aname[N]`: 0 the process itself, 1 its parent...
fn index(arg: &FieldArg) -> Option<usize> {
    match arg {
        FieldArg::Index(i) => Some(*i as usize),
        _ => None,
    }
}

impl<'a> WatchEvent<'a> {
    /// The event in its context: call [`Context::prepare`] with it first.
    pub fn new(raw: &'a RawEvent, ctx: &'a Context, num: u64) -> WatchEvent<'a> {
        let proc = ctx.get(raw.pid);
        let ancestors = ctx.ancestors(raw.pid);
        let mut ev = WatchEvent {
            raw,
            ctx,
            num,
            proc,
            ancestors,
            fd_name: None,
            live: std::cell::OnceCell::new(),
            std_fds: std::cell::OnceCell::new(),
        };
        ev.fd_name = ev.resolve_fd_name();
        ev
    }

    /// The process's figures, read from /proc once per event.
    fn live(&self) -> &Live {
        self.live
            .get_or_init(|| Live::read(self.ctx.proc_root(), self.raw.pid))
    }

    /// Fd 0, 1 or 2 of the process, read from /proc once per event.
    fn std_fd(&self, fd: usize) -> Option<&StdFd> {
        self.std_fds
            .get_or_init(|| std_fds(self.ctx.proc_root(), self.raw.pid))
            .get(fd)?
            .as_ref()
    }

    fn readlink(&self, rel: &str) -> Option<String> {
        std::fs::read_link(self.ctx.proc_root().pid_path(self.raw.pid, rel))
            .ok()
            .map(|p| lossy(p.as_os_str().as_encoded_bytes()).into_owned())
    }

    fn resolve_fd_name(&self) -> Option<String> {
        match &self.raw.kind {
            Kind::Open {
                path,
                resolved,
                dirfd,
                ..
            } => {
                if let Some(r) = resolved {
                    return Some(lossy(r).into_owned());
                }
                let path = lossy(path);
                if path.starts_with('/') {
                    return Some(absolute("/", &path));
                }
                let base = if *dirfd == AT_FDCWD {
                    self.readlink("cwd")
                        .or_else(|| self.proc.and_then(|p| p.cwd.clone()))
                } else {
                    self.readlink(&format!("fd/{dirfd}"))
                };
                Some(match base {
                    Some(b) => absolute(&b, &path),
                    None => path.into_owned(),
                })
            }
            Kind::Connect { local, remote, .. } => Some(tuple(local.as_ref(), remote.as_ref())),
            Kind::Accept { local, remote, .. } => Some(tuple(remote.as_ref(), local.as_ref())),
            Kind::Net { .. } => {
                let (client, server) = self.ends()?;
                Some(tuple(client, server))
            }
            _ => None,
        }
    }

    /// (client, server) of a connection event: connect's local end is the client, accept's
    /// remote end.
    fn ends(&self) -> Option<(Option<&'a Addr>, Option<&'a Addr>)> {
        match &self.raw.kind {
            Kind::Connect { local, remote, .. } => Some((local.as_ref(), remote.as_ref())),
            Kind::Accept { local, remote, .. } => Some((remote.as_ref(), local.as_ref())),
            Kind::Net {
                local,
                remote,
                server: false,
                ..
            } => Some((local.as_ref(), remote.as_ref())),
            Kind::Net {
                local,
                remote,
                server: true,
                ..
            } => Some((remote.as_ref(), local.as_ref())),
            _ => None,
        }
    }

    /// (local, remote) of a connection event.
    fn local_remote(&self) -> Option<(Option<&'a Addr>, Option<&'a Addr>)> {
        match &self.raw.kind {
            Kind::Connect { local, remote, .. }
            | Kind::Accept { local, remote, .. }
            | Kind::Net { local, remote, .. } => Some((local.as_ref(), remote.as_ref())),
            _ => None,
        }
    }

    fn res(&self) -> Option<i64> {
        match &self.raw.kind {
            Kind::Exec { res, .. }
            | Kind::Open { res, .. }
            | Kind::Connect { res, .. }
            | Kind::Accept { res, .. }
            | Kind::Net { res, .. }
            | Kind::Ptrace { res, .. }
            | Kind::SetId { res, .. } => Some(*res),
            Kind::Fork { child_tid, .. } => Some(i64::from(*child_tid)),
            Kind::Exit { .. } => None,
        }
    }

    /// The process at ancestor level `n` (0 itself).
    fn level(&self, n: usize) -> Option<&'a ProcInfo> {
        match n {
            0 => self.proc,
            n => self.ancestors.get(n - 1).copied(),
        }
    }

    /// The process, then its ancestors (parent first); None when the process is not known.
    fn lineage(&self) -> Option<impl Iterator<Item = &'a ProcInfo> + '_> {
        Some(std::iter::once(self.proc?).chain(self.ancestors.iter().copied()))
    }

    /// The process whose pid is `id` (a group or session leader): the process itself or an
    /// ancestor, else whatever the context knows.
    fn leader(&self, id: i32) -> Option<&'a ProcInfo> {
        self.lineage()?
            .find(|a| a.pid == id)
            .or_else(|| self.ctx.get(id))
    }

    /// `proc.aname`-like fields: one level, or every ancestor (parent first).
    fn ancestry<'b>(
        &'b self,
        arg: &FieldArg,
        f: impl Fn(&'a ProcInfo) -> Option<Value<'a>>,
    ) -> Option<Value<'a>> {
        match index(arg) {
            Some(n) => f(self.level(n)?),
            None => {
                let all: Vec<Value<'a>> = self.ancestors.iter().filter_map(|p| f(p)).collect();
                (!all.is_empty()).then_some(Value::List(all))
            }
        }
    }

    fn open_flags(&self) -> Option<(Option<u64>, Option<bool>, u32)> {
        match &self.raw.kind {
            Kind::Open {
                flags, write, mode, ..
            } => Some((*flags, *write, *mode)),
            _ => None,
        }
    }

    /// An event argument by Falco's name.
    fn arg(&self, name: &str, raw: bool) -> Option<Value<'a>> {
        let k = &self.raw.kind;
        let num = |n: i64| Some(Value::Int(n));
        match (k, name) {
            (_, "res") => self.res().map(Value::Int),
            (Kind::Open { path, .. }, "name" | "path" | "filename") => s(lossy(path)),
            (Kind::Open { flags: Some(f), .. }, "flags") if raw => Some(Value::Uint(*f)),
            (Kind::Open { flags: Some(f), .. }, "flags") => s(open_flag_names(*f).join("|")),
            (Kind::Open { mode, .. }, "mode") if raw => Some(Value::Uint(u64::from(*mode))),
            (Kind::Open { mode, .. }, "mode") => s(format!("0{mode:o}")),
            (Kind::Open { res, .. }, "fd") => num(*res),
            (Kind::Open { dirfd, .. }, "dirfd") => num(i64::from(*dirfd)),
            (Kind::Exec { exe, .. }, "exe" | "filename" | "pathname") => s(lossy(exe)),
            (Kind::Exec { argv, .. }, "args") => s(argv
                .iter()
                .skip(1)
                .map(|a| lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")),
            (Kind::Connect { fd, .. } | Kind::Accept { fd, .. }, "fd") => num(i64::from(*fd)),
            (Kind::Connect { .. } | Kind::Accept { .. }, "tuple" | "addr") => self
                .fd_name
                .as_deref()
                .map(|t| Value::Str(t.to_string().into())),
            (Kind::Net { .. }, _) => self.net_arg(name),
            (Kind::Ptrace { request, .. }, "request") if raw => num(*request),
            (Kind::Ptrace { request, .. }, "request") => s(ptrace_request(*request)),
            (Kind::Ptrace { target, .. }, "pid") => num(i64::from(*target)),
            (Kind::SetId { call, ids, .. }, a) => {
                let names: &[&str] = match *call {
                    "setuid" => &["uid"],
                    "setgid" => &["gid"],
                    "setreuid" => &["ruid", "euid"],
                    "setregid" => &["rgid", "egid"],
                    "setresuid" => &["ruid", "euid", "suid"],
                    "setresgid" => &["rgid", "egid", "sgid"],
                    _ => &[],
                };
                let i = names.iter().position(|n| *n == a)?;
                ids.get(i)
                    .map(|&id| Value::Int(if id == u32::MAX { -1 } else { i64::from(id) }))
            }
            (Kind::Exit { status }, "status") => num(i64::from(*status)),
            (Kind::Fork { child_tid, .. }, "child_tid") => num(i64::from(*child_tid)),
            _ => None,
        }
    }

    /// Every argument as Falco's evt.args prints them (`name=value`, space-separated).
    fn args_text(&self) -> String {
        let names: &[&str] = match &self.raw.kind {
            Kind::Open { .. } => &["fd", "dirfd", "name", "flags", "mode"],
            Kind::Exec { .. } => &["res", "exe", "args"],
            Kind::Connect { .. } => &["res", "tuple", "fd"],
            Kind::Accept { .. } => &["fd", "tuple"],
            Kind::Net { .. } => &["res", "data", "fd", "size", "tuple"],
            Kind::Ptrace { .. } => &["res", "request", "pid"],
            Kind::SetId { .. } => &[
                "res", "uid", "gid", "ruid", "euid", "suid", "rgid", "egid", "sgid",
            ],
            Kind::Exit { .. } => &["status"],
            Kind::Fork { .. } => &["res"],
        };
        names
            .iter()
            .filter_map(|n| Some(format!("{n}={}", self.arg(n, false)?)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn container(&self) -> Option<&'a super::container::ContainerMeta> {
        self.proc?.container.as_deref()
    }

    fn creds(&self) -> Option<super::event::Creds> {
        self.raw.creds.or(self.proc?.creds)
    }
}

/// The mount a `container.mount.*[ARG]` names: by index, or the first whose source (its
/// destination, for container.mount.source) matches ARG as a glob, as Falco's container
/// fields look them up.
fn find_mount<'m>(
    mounts: &'m [super::container::ContainerMount],
    arg: &str,
    by_dest: bool,
) -> Option<&'m super::container::ContainerMount> {
    if let Ok(i) = arg.parse::<usize>() {
        return mounts.get(i);
    }
    mounts.iter().find(|m| {
        let path = if by_dest { &m.dest } else { &m.source };
        crate::rules::eval::glob(arg.as_bytes(), path.as_bytes())
    })
}

/// Nanoseconds from `start` to `now` (Falco's proc.duration).
fn since(now: u64, start: u64) -> Option<Value<'static>> {
    Some(Value::Int(i64::try_from(now.checked_sub(start)?).ok()?))
}

/// Falco's fd.l4proto of a socket of `sock_type` (SOCK_*) and `protocol` (IPPROTO_*).
fn l4proto(sock_type: u16, protocol: u16) -> &'static str {
    match (i32::from(sock_type), i32::from(protocol)) {
        (libc::SOCK_STREAM, _) => "tcp",
        (libc::SOCK_DGRAM, libc::IPPROTO_ICMP | libc::IPPROTO_ICMPV6) => "icmp",
        (libc::SOCK_DGRAM, _) => "udp",
        (libc::SOCK_RAW, _) => "raw",
        _ => "unknown",
    }
}

/// Falco's `client->server` tuple.
fn tuple(client: Option<&Addr>, server: Option<&Addr>) -> String {
    let side = |a: Option<&Addr>| a.map_or_else(|| "?".to_string(), addr_text);
    match (client, server) {
        (_, Some(Addr::Unix(p))) | (Some(Addr::Unix(p)), None) => lossy(p).into_owned(),
        _ => format!("{}->{}", side(client), side(server)),
    }
}

/// Falco's `HH:MM:SS.nnnnnnnnn` in local time.
pub fn local_time(ns: u64) -> String {
    let secs = (ns / 1_000_000_000) as i64;
    let (h, m, sec) = crate::sys::time::local_hms(secs);
    format!("{h:02}:{m:02}:{sec:02}.{:09}", ns % 1_000_000_000)
}

/// Falco's evt.datetime: `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` in local time; without the
/// nanoseconds for evt.datetime.s.
pub fn local_datetime(ns: u64, with_ns: bool) -> String {
    let c = crate::sys::time::local_civil((ns / 1_000_000_000) as i64);
    let day = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if with_ns {
        format!("{day}.{:09}", ns % 1_000_000_000)
    } else {
        day
    }
}

/// 0, 1 or 2 for a proc.stdin.*, proc.stdout.* or proc.stderr.* field.
fn std_index(name: &str) -> usize {
    if name.starts_with("proc.stdin") {
        0
    } else if name.starts_with("proc.stdout") {
        1
    } else {
        2
    }
}

/// The pid of the oldest process of `chain` (the process, then its ancestors) whose name ends
/// in `sh` (Falco's proc.loginshellid: sh, bash, zsh... and ssh).
fn login_shell(chain: impl Iterator<Item = (i32, bool)>) -> Option<i64> {
    chain
        .filter(|&(_, shell)| shell)
        .last()
        .map(|(pid, _)| i64::from(pid))
}

/// ISO 8601 in UTC with nanoseconds (`2026-12-02T17:05:26.162004627Z`), Falco's JSON time.
pub fn iso_time(ns: u64) -> String {
    use std::time::{Duration, UNIX_EPOCH};
    crate::output::time::utc_timestamp_ns(UNIX_EPOCH + Duration::from_nanos(ns), 'T', "Z")
}

impl<'a> Event for WatchEvent<'a> {
    fn evt_type(&self) -> &str {
        self.raw.kind.evt_type()
    }

    fn get(&self, field: &Field) -> Option<Value<'_>> {
        let raw = self.raw;
        let p = self.proc;
        let arg = &field.arg;
        let key = || match arg {
            FieldArg::Key(k) => Some(k.as_str()),
            _ => None,
        };
        let str_of = |o: Option<&'a str>| o.map(|v| Value::Str(Cow::Borrowed(v)));
        let host_or =
            |f: &dyn Fn(&'a super::container::ContainerMeta) -> Option<Value<'a>>| match self
                .container()
            {
                Some(c) => f(c),
                None => s("host"),
            };
        match field.info.name {
            "evt.type" => s(raw.kind.evt_type()),
            "evt.dir" => s("<"),
            "evt.time" => s(local_time(raw.time_ns)),
            "evt.time.iso8601" => s(iso_time(raw.time_ns)),
            "evt.rawtime" => Some(Value::Uint(raw.time_ns)),
            "evt.rawtime.s" => Some(Value::Uint(raw.time_ns / 1_000_000_000)),
            "evt.rawtime.ns" => Some(Value::Uint(raw.time_ns % 1_000_000_000)),
            "evt.time.s" => s(local_time(raw.time_ns)[..8].to_string()),
            "evt.datetime" => s(local_datetime(raw.time_ns, true)),
            "evt.datetime.s" => s(local_datetime(raw.time_ns, false)),
            "evt.is_open_create" => {
                let (flags, ..) = self.open_flags()?;
                Some(Value::Bool(flags? & libc::O_CREAT as u64 != 0))
            }
            "evt.num" => Some(Value::Uint(self.num)),
            "evt.res" => self.res().map(|r| Value::Str(res_text(r).into())),
            "evt.rawres" => self.res().map(Value::Int),
            "evt.failed" => self.res().map(|r| Value::Bool(r < 0)),
            "evt.is_open_read" | "evt.is_open_write" => {
                let (flags, write, _) = self.open_flags()?;
                let (r, w) = match (flags, write) {
                    (Some(f), _) => match f & 3 {
                        0 => (true, false),
                        1 => (false, true),
                        _ => (true, true),
                    },
                    (None, Some(w)) => (!w, w),
                    (None, None) => return None,
                };
                Some(Value::Bool(if field.info.name == "evt.is_open_read" {
                    r
                } else {
                    w
                }))
            }
            "evt.is_open_exec" => {
                let (flags, _, mode) = self.open_flags()?;
                Some(Value::Bool(
                    flags? & libc::O_CREAT as u64 != 0 && mode & 0o111 != 0,
                ))
            }
            "evt.arg" | "evt.rawarg" => self.arg(key()?, field.info.name == "evt.rawarg"),
            "evt.args" => s(self.args_text()),
            "evt.hostname" => s(self.ctx.hostname()),
            "evt.source" => s("syscall"),
            "proc.name" => str_of(p.map(|p| p.comm.as_str())),
            "proc.exe" => str_of(p?.exe()),
            "proc.exepath" => str_of(p?.exepath.as_deref()),
            "proc.cmdline" => s(p?.cmdline()),
            "proc.args" => s(p?.args()),
            "proc.pid" => Some(Value::Int(i64::from(raw.pid))),
            "proc.tid" => Some(Value::Int(i64::from(raw.tid))),
            "proc.vpid" => p?.vpid.map(|v| Value::Int(i64::from(v))),
            "proc.ppid" => p.map(|p| Value::Int(i64::from(p.ppid))),
            "proc.pname" => str_of(self.level(1).map(|a| a.comm.as_str())),
            "proc.pcmdline" => s(self.level(1)?.cmdline()),
            "proc.pexe" => str_of(self.level(1)?.exe()),
            "proc.pexepath" => str_of(self.level(1)?.exepath.as_deref()),
            "proc.aname" => self.ancestry(arg, |a| s(a.comm.as_str())),
            "proc.apid" => self.ancestry(arg, |a| Some(Value::Int(i64::from(a.pid)))),
            "proc.aexe" => self.ancestry(arg, |a| str_of(a.exe())),
            "proc.aexepath" => self.ancestry(arg, |a| str_of(a.exepath.as_deref())),
            "proc.acmdline" => self.ancestry(arg, |a| s(a.cmdline())),
            "proc.aargs" => self.ancestry(arg, |a| s(a.args())),
            "proc.cmdnargs" => Some(Value::Uint(p?.argv.len().saturating_sub(1) as u64)),
            "proc.cmdlenargs" => Some(Value::Uint(
                p?.argv.iter().skip(1).map(|a| a.len() as u64).sum(),
            )),
            "proc.exeline" => {
                let p = p?;
                s(format!("{} {}", p.exe().unwrap_or_default(), p.args()))
            }
            "proc.pvpid" => self.level(1)?.vpid.map(|v| Value::Int(i64::from(v))),
            "proc.pgid" => Some(Value::Int(i64::from(p?.pgid))),
            "proc.is_pgid_leader" => Some(Value::Bool(p?.pgid == raw.pid)),
            "proc.pgid.name" | "proc.vpgid.name" => {
                str_of(self.leader(p?.pgid).map(|l| l.comm.as_str()))
            }
            "proc.pgid.exe" | "proc.vpgid.exe" => str_of(self.leader(p?.pgid)?.exe()),
            "proc.pgid.exepath" | "proc.vpgid.exepath" => {
                str_of(self.leader(p?.pgid)?.exepath.as_deref())
            }
            "proc.sid.exe" => str_of(self.leader(p?.sid)?.exe()),
            "proc.sid.exepath" => str_of(self.leader(p?.sid)?.exepath.as_deref()),
            "proc.loginshellid" => {
                login_shell(self.lineage()?.map(|a| (a.pid, a.comm.ends_with("sh"))))
                    .map(Value::Int)
            }
            "proc.nthreads" => self
                .live()
                .status
                .as_ref()?
                .threads
                .map(|n| Value::Uint(n.into())),
            "proc.vmsize" => self.live().status.as_ref()?.vm_size_kb.map(Value::Uint),
            "proc.vmrss" => self.live().status.as_ref()?.vm_rss_kb.map(Value::Uint),
            "proc.vmswap" => self.live().status.as_ref()?.vm_swap_kb.map(Value::Uint),
            "proc.fdopencount" => self.live().fd_count.map(Value::Uint),
            "proc.fdlimit" => self.live().fd_limit.map(|l| Value::Int(l as i64)),
            "proc.fdusage" => self.live().fd_usage().map(Value::Uint),
            "thread.cap_inheritable" => self
                .live()
                .status
                .as_ref()?
                .cap_inh
                .map(|c| Value::Str(cap_names(c).into())),
            name @ ("proc.stdin.type" | "proc.stdout.type" | "proc.stderr.type") => {
                s(self.std_fd(std_index(name))?.ty)
            }
            name @ ("proc.stdin.name" | "proc.stdout.name" | "proc.stderr.name") => {
                s(self.std_fd(std_index(name))?.name.as_str())
            }
            "thread.tid" => Some(Value::Int(i64::from(raw.tid))),
            "thread.ismain" => Some(Value::Bool(raw.tid == raw.pid)),
            "thread.vtid" => {
                if raw.tid != raw.pid {
                    return None;
                }
                p?.vpid.map(|v| Value::Int(i64::from(v)))
            }
            "proc.tty" => p.map(|p| Value::Int(i64::from(p.tty))),
            "proc.cwd" => {
                let cwd = self.readlink("cwd").or_else(|| p?.cwd.clone())?;
                s(if cwd.ends_with('/') { cwd } else { cwd + "/" })
            }
            "proc.env" => {
                let env = std::fs::read(self.ctx.proc_root().pid_path(raw.pid, "environ")).ok()?;
                let vars = env.split(|&b| b == 0).filter(|v| !v.is_empty());
                match key() {
                    Some(k) => vars
                        .filter_map(|v| {
                            let (n, val) = v.split_at(memchr::memchr(b'=', v)?);
                            (n == k.as_bytes()).then(|| lossy(&val[1..]).into_owned())
                        })
                        .next()
                        .map(|v| Value::Str(v.into())),
                    None => s(vars
                        .map(|v| lossy(v).into_owned())
                        .collect::<Vec<_>>()
                        .join(" ")),
                }
            }
            "proc.sname" => {
                let sid = p?.sid;
                str_of(self.ctx.get(sid).map(|l| l.comm.as_str()))
            }
            "proc.vpgid" => p?.vpgid.map(|v| Value::Int(i64::from(v))),
            "proc.sid" => p?.vsid.map(|v| Value::Int(i64::from(v))),
            "proc.is_vpgid_leader" => {
                let p = p?;
                Some(Value::Bool(p.vpgid? == p.vpid?))
            }
            "proc.is_sid_leader" => {
                let p = p?;
                Some(Value::Bool(p.vsid? == p.vpid?))
            }
            "proc.pid.ts" => p?.start_ns.map(Value::Uint),
            "proc.ppid.ts" => self.level(1)?.start_ns.map(Value::Uint),
            "proc.duration" => since(raw.time_ns, p?.start_ns?),
            "proc.ppid.duration" => since(raw.time_ns, self.level(1)?.start_ns?),
            "proc.pidns_init_start_ts" => p?.pidns_start_ns.map(Value::Uint),
            "proc.exe_ino" => p?
                .exe_inode
                .and_then(|i| i64::try_from(i.ino).ok())
                .map(Value::Int),
            "proc.exe_ino.ctime" => p?.exe_inode?.ctime_ns.map(Value::Uint),
            "proc.exe_ino.mtime" => p?.exe_inode?.mtime_ns.map(Value::Uint),
            // As Falco: absent (not 0) when the order is the other way round.
            "proc.exe_ino.ctime_duration_proc_start" => {
                let p = p?;
                let d = p.start_ns?.checked_sub(p.exe_inode?.ctime_ns?)?;
                (d > 0).then_some(Value::Uint(d))
            }
            "proc.exe_ino.ctime_duration_pidns_start" => {
                let p = p?;
                let d = p.exe_inode?.ctime_ns?.checked_sub(p.pidns_start_ns?)?;
                (d > 0).then_some(Value::Uint(d))
            }
            "proc.is_exe_upper_layer" => p?.exe_upper_layer.map(Value::Bool),
            "proc.is_exe_from_memfd" => p.map(|p| Value::Bool(p.exe_from_memfd)),
            "proc.is_container_healthcheck"
            | "proc.is_container_liveness_probe"
            | "proc.is_container_readiness_probe" => Some(Value::Bool(false)),
            "thread.cap_effective" => p?.cap_eff.map(|c| Value::Str(cap_names(c).into())),
            "thread.cap_permitted" => p?.cap_prm.map(|c| Value::Str(cap_names(c).into())),
            "user.uid" => self.creds().map(|c| Value::Uint(u64::from(c.euid))),
            "user.name" => {
                let c = self.creds()?;
                str_of(self.ctx.user_name(p?, c.euid))
            }
            "user.loginuid" => self.creds().map(|c| {
                Value::Int(if c.loginuid == u32::MAX {
                    -1
                } else {
                    i64::from(c.loginuid)
                })
            }),
            "user.homedir" | "user.shell" => {
                let c = self.creds()?;
                let u = self.ctx.user(p?, c.euid)?;
                s(if field.info.name == "user.homedir" {
                    u.home.as_str()
                } else {
                    u.shell.as_str()
                })
            }
            "user.loginname" => {
                let c = self.creds().filter(|c| c.loginuid != u32::MAX)?;
                str_of(self.ctx.user_name(p?, c.loginuid))
            }
            "group.gid" => self.creds().map(|c| Value::Uint(u64::from(c.egid))),
            "group.name" => {
                let c = self.creds()?;
                str_of(self.ctx.group_name(p?, c.egid))
            }
            "container.id" => host_or(&|c| s(c.short_id())),
            "container.full_id" => host_or(&|c| s(c.id.as_str())),
            "container.name" => host_or(&|c| str_of(c.name.as_deref())),
            "container.image" => str_of(self.container()?.image.as_deref()),
            "container.image.repository" => self
                .container()?
                .image_parts()
                .map(|(r, _)| Value::Str(r.into())),
            "container.image.tag" => str_of(self.container()?.image_parts().and_then(|(_, t)| t)),
            "container.type" => self
                .container()?
                .runtime
                .map(|r| Value::Str(r.name().into())),
            "container.privileged" => self.container()?.privileged.map(Value::Bool),
            "container.mount"
            | "container.mount.dest"
            | "container.mount.source"
            | "container.mount.mode"
            | "container.mount.rdwr"
            | "container.mount.propagation" => {
                let c = self.container()?;
                let name = field.info.name;
                let which = match arg {
                    FieldArg::Key(k) => k.clone(),
                    FieldArg::Index(i) => i.to_string(),
                    FieldArg::None => return None,
                };
                let found = find_mount(&c.mounts, &which, name == "container.mount.source");
                let none = if name == "container.mount" {
                    "none"
                } else {
                    "N/A"
                };
                let Some(m) = found else {
                    return s(none);
                };
                s(match name {
                    "container.mount" => m.text(),
                    "container.mount.dest" => m.dest.clone(),
                    "container.mount.source" => m.source.clone(),
                    "container.mount.mode" => m.mode.clone(),
                    "container.mount.rdwr" => m.rw.to_string(),
                    _ => m.propagation.clone(),
                })
            }
            "container.mounts" => s(self
                .container()?
                .mounts
                .iter()
                .map(super::container::ContainerMount::text)
                .collect::<Vec<_>>()
                .join(" ")),
            "container.start_ts" => self.container()?.start_ns.map(Value::Uint),
            "k8s.pod.uid" => str_of(self.container()?.pod_uid.as_deref()),
            "k8s.pod.name" => str_of(self.container()?.pod_name.as_deref()),
            "k8s.ns.name" => str_of(self.container()?.namespace.as_deref()),
            "k8s.pod.label" => str_of(self.container()?.labels.get(key()?).map(String::as_str)),
            "evt.buffer" => self.net_arg("data"),
            name @ ("fd.num" | "fd.connected" | "fd.l4proto" | "fd.name_changed"
            | "fd.is_server")
                if matches!(raw.kind, Kind::Net { .. }) =>
            {
                self.net_fd_field(name)
            }
            name if name.starts_with("fd.") => self.fd_field(name),
            _ => None,
        }
    }
}

impl<'a> WatchEvent<'a> {
    /// The rules' host names whose addresses hold `ip`: one name, every one if several, or
    /// empty (so that `fd.sip.name != "x"` holds, as in Falco).
    fn host_name(&self, ip: IpAddr) -> Option<Value<'static>> {
        let mut names = self.ctx.host_names.names_of(ip);
        Some(match names.len() {
            0 => Value::Str("".into()),
            1 => Value::Str(names.remove(0).into()),
            _ => Value::List(names.into_iter().map(|n| Value::Str(n.into())).collect()),
        })
    }

    /// evt.arg.* of sendto, sendmsg, recvfrom, recvmsg (Falco's exit arguments: res, data, fd,
    /// size, tuple).
    fn net_arg(&self, name: &str) -> Option<Value<'a>> {
        let Kind::Net { fd, size, data, .. } = &self.raw.kind else {
            return None;
        };
        match name {
            "fd" => Some(Value::Int(i64::from(*fd))),
            "size" => Some(Value::Uint(*size)),
            "data" => data.as_deref().map(|d| Value::Bytes(Cow::Borrowed(d))),
            "tuple" | "addr" => self
                .fd_name
                .as_deref()
                .map(|t| Value::Str(t.to_string().into())),
            _ => None,
        }
    }

    /// The fd.* fields a datagram or receive call answers itself (the addresses and fd.name
    /// come from [`WatchEvent::ends`] and [`WatchEvent::local_remote`]).
    fn net_fd_field(&self, name: &str) -> Option<Value<'_>> {
        let Kind::Net {
            fd,
            connected,
            sock_type,
            protocol,
            name_changed,
            server,
            ..
        } = &self.raw.kind
        else {
            return None;
        };
        match name {
            "fd.num" => Some(Value::Int(i64::from(*fd))),
            "fd.connected" => Some(Value::Bool(*connected)),
            "fd.name_changed" => Some(Value::Bool(*name_changed)),
            "fd.is_server" => Some(Value::Bool(*server)),
            "fd.l4proto" => s(l4proto(*sock_type, *protocol)),
            _ => None,
        }
    }

    fn fd_field(&self, name: &str) -> Option<Value<'_>> {
        let k = &self.raw.kind;
        let is_dir =
            matches!(k, Kind::Open { flags: Some(f), .. } if f & libc::O_DIRECTORY as u64 != 0);
        let family = self.local_remote().map(|(l, r)| match r.or(l) {
            Some(Addr::Inet(sa)) if sa.is_ipv4() => ("ipv4", "4", "ip"),
            Some(Addr::Inet(_)) => ("ipv6", "6", "ip"),
            Some(Addr::Unix(_)) => ("unix", "u", "unix"),
            _ => ("unknown", "o", "unknown"),
        });
        let ip = |a: Option<&Addr>| ip_of(a).map(Value::Ip);
        let port = |a: Option<&Addr>| port_of(a).map(|p| Value::Uint(u64::from(p)));
        let both = |f: &dyn Fn(Option<&Addr>) -> Option<Value<'static>>| {
            let (l, r) = self.local_remote()?;
            let v: Vec<Value<'static>> = [f(l), f(r)].into_iter().flatten().collect();
            (!v.is_empty()).then_some(Value::List(v))
        };
        match name {
            "fd.num" => match k {
                Kind::Open { res, .. } | Kind::Accept { res, .. } if *res >= 0 => {
                    Some(Value::Int(*res))
                }
                Kind::Connect { fd, .. } => Some(Value::Int(i64::from(*fd))),
                _ => None,
            },
            "fd.type" => match k {
                Kind::Open { .. } => s(if is_dir { "directory" } else { "file" }),
                _ => family.map(|f| Value::Str(f.0.into())),
            },
            "fd.typechar" => match k {
                Kind::Open { .. } => s(if is_dir { "d" } else { "f" }),
                _ => family.map(|f| Value::Str(f.1.into())),
            },
            "fd.sockfamily" => family.map(|f| Value::Str(f.2.into())),
            "fd.name" => self.fd_name.as_deref().map(|n| Value::Str(n.into())),
            "fd.nameraw" => match k {
                Kind::Open { path, .. } => s(lossy(path)),
                _ => self.fd_name.as_deref().map(|n| Value::Str(n.into())),
            },
            "fd.directory" | "fd.filename" => {
                if !matches!(k, Kind::Open { .. }) {
                    return None;
                }
                let n = self.fd_name.as_deref()?;
                let (dir, file) = match n.rfind('/') {
                    Some(0) => ("/", &n[1..]),
                    Some(i) => (&n[..i], &n[i + 1..]),
                    None => ("", n),
                };
                s(if name == "fd.directory" { dir } else { file })
            }
            "fd.cip" | "fd.cnet" => ip(self.ends()?.0),
            "fd.sip" | "fd.snet" | "fd.dip" => ip(self.ends()?.1),
            "fd.lip" | "fd.lnet" => ip(self.local_remote()?.0),
            "fd.rip" | "fd.rnet" => ip(self.local_remote()?.1),
            "fd.cip.name" => self.host_name(ip_of(self.ends()?.0)?),
            "fd.sip.name" => self.host_name(ip_of(self.ends()?.1)?),
            "fd.lip.name" => self.host_name(ip_of(self.local_remote()?.0)?),
            "fd.rip.name" => self.host_name(ip_of(self.local_remote()?.1)?),
            "fd.cport" => port(self.ends()?.0),
            "fd.sport" | "fd.dport" => port(self.ends()?.1),
            "fd.lport" => port(self.local_remote()?.0),
            "fd.rport" => port(self.local_remote()?.1),
            "fd.ip" | "fd.net" => both(&|a| ip_of(a).map(Value::Ip)),
            "fd.port" => both(&|a| port_of(a).map(|p| Value::Uint(u64::from(p)))),
            "fd.connected" => match k {
                Kind::Connect { res, .. } => Some(Value::Bool(*res == 0)),
                Kind::Accept { res, .. } => Some(Value::Bool(*res >= 0)),
                _ => None,
            },
            "fd.is_server" => match k {
                Kind::Connect { .. } => Some(Value::Bool(false)),
                Kind::Accept { .. } => Some(Value::Bool(true)),
                _ => None,
            },
            // An IP socket's protocol; none for unix sockets, as in Falco.
            "fd.l4proto" => match k {
                Kind::Connect {
                    sock_type,
                    protocol,
                    ..
                }
                | Kind::Accept {
                    sock_type,
                    protocol,
                    ..
                } if *sock_type != 0 && family.is_some_and(|f| f.2 == "ip") => {
                    s(l4proto(*sock_type, *protocol))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::root::ProcRoot;
    use crate::rules::fields::lookup;
    use crate::watch::container::MetaReader;
    use crate::watch::event::{Creds, OpenCall};

    fn field(name: &str, arg: FieldArg) -> Field {
        Field {
            info: lookup(name).unwrap_or_else(|| panic!("{name}")),
            arg,
        }
    }

    fn get(ev: &WatchEvent, name: &str) -> Option<String> {
        let (name, arg) = match name.split_once('[') {
            Some((n, a)) => {
                let a = a.trim_end_matches(']');
                (
                    n,
                    a.parse()
                        .map(FieldArg::Index)
                        .unwrap_or_else(|_| FieldArg::Key(a.into())),
                )
            }
            None => match name.strip_prefix("evt.arg.") {
                Some(a) => ("evt.arg", FieldArg::Key(a.into())),
                None => (name, FieldArg::None),
            },
        };
        ev.get(&field(name, arg)).map(|v| v.to_string())
    }

    fn me() -> i32 {
        std::process::id() as i32
    }

    fn raw(kind: Kind) -> RawEvent {
        RawEvent {
            time_ns: 1_796_231_126_162_004_627,
            tid: me(),
            pid: me(),
            creds: Some(Creds {
                uid: 0,
                euid: 0,
                gid: 0,
                egid: 0,
                loginuid: u32::MAX,
            }),
            comm: None,
            mntns: None,
            kind,
        }
    }

    #[test]
    fn open_fields() {
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let r = raw(Kind::Open {
            call: OpenCall::Openat,
            dirfd: AT_FDCWD,
            path: b"sub/../x.txt".to_vec(),
            resolved: None,
            flags: Some((libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC) as u64),
            write: None,
            mode: 0o644,
            res: 7,
        });
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 3);
        let cwd = std::env::current_dir().unwrap();
        let want = format!("{}/x.txt", cwd.display());
        assert_eq!(get(&ev, "fd.name"), Some(want.clone()));
        assert_eq!(get(&ev, "fd.directory").as_deref(), cwd.to_str());
        assert_eq!(get(&ev, "fd.filename").as_deref(), Some("x.txt"));
        assert_eq!(get(&ev, "fd.nameraw").as_deref(), Some("sub/../x.txt"));
        assert_eq!(get(&ev, "fd.num").as_deref(), Some("7"));
        assert_eq!(get(&ev, "fd.typechar").as_deref(), Some("f"));
        assert_eq!(get(&ev, "evt.is_open_write").as_deref(), Some("true"));
        assert_eq!(get(&ev, "evt.is_open_read").as_deref(), Some("false"));
        assert_eq!(
            get(&ev, "evt.arg.flags").as_deref(),
            Some("O_WRONLY|O_CREAT|O_CLOEXEC")
        );
        assert_eq!(get(&ev, "evt.arg.mode").as_deref(), Some("0644"));
        assert_eq!(get(&ev, "evt.res").as_deref(), Some("SUCCESS"));
        assert_eq!(get(&ev, "evt.type").as_deref(), Some("openat"));
        assert_eq!(get(&ev, "evt.num").as_deref(), Some("3"));
        assert_eq!(
            get(&ev, "evt.time.iso8601").as_deref(),
            Some("2026-12-02T17:05:26.162004627Z")
        );
        assert_eq!(get(&ev, "container.id").as_deref(), Some("host"));
        assert_eq!(get(&ev, "container.name").as_deref(), Some("host"));
        assert_eq!(get(&ev, "container.image.repository"), None);
        assert_eq!(get(&ev, "user.name").as_deref(), Some("root"));
        assert_eq!(get(&ev, "user.loginuid").as_deref(), Some("-1"));
        assert_eq!(get(&ev, "proc.pid"), Some(me().to_string()));
        assert!(get(&ev, "proc.pname").is_some());
        assert!(get(&ev, "proc.aname").is_some());
        assert_eq!(get(&ev, "proc.aname[0]"), get(&ev, "proc.name"));
        assert_eq!(get(&ev, "proc.aname[1]"), get(&ev, "proc.pname"));
        assert_eq!(get(&ev, "fd.sip"), None);
        assert!(get(&ev, "proc.env[PATH]").is_some());
        assert_eq!(get(&ev, "proc.env[KSEC_NO_SUCH_VAR]"), None);
    }

    #[test]
    fn failed_open_and_connection() {
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let r = raw(Kind::Open {
            call: OpenCall::Open,
            dirfd: AT_FDCWD,
            path: b"/etc//shadow".to_vec(),
            resolved: None,
            flags: Some(0),
            write: None,
            mode: 0,
            res: -2,
        });
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 1);
        assert_eq!(get(&ev, "evt.res").as_deref(), Some("ENOENT"));
        assert_eq!(get(&ev, "evt.rawres").as_deref(), Some("-2"));
        assert_eq!(get(&ev, "fd.num"), None);
        assert_eq!(get(&ev, "fd.name").as_deref(), Some("/etc/shadow"));
        assert_eq!(get(&ev, "evt.is_open_read").as_deref(), Some("true"));

        let c = raw(Kind::Connect {
            fd: 3,
            res: 0,
            local: Some(Addr::Inet("127.0.0.1:43826".parse().unwrap())),
            remote: Some(Addr::Inet("127.0.0.1:2379".parse().unwrap())),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: libc::IPPROTO_TCP as u16,
        });
        ctx.prepare(&c);
        let ev = WatchEvent::new(&c, &ctx, 2);
        assert_eq!(
            get(&ev, "fd.name").as_deref(),
            Some("127.0.0.1:43826->127.0.0.1:2379")
        );
        assert_eq!(get(&ev, "fd.sport").as_deref(), Some("2379"));
        assert_eq!(get(&ev, "fd.cport").as_deref(), Some("43826"));
        assert_eq!(get(&ev, "fd.rport").as_deref(), Some("2379"));
        assert_eq!(get(&ev, "fd.lport").as_deref(), Some("43826"));
        assert_eq!(get(&ev, "fd.typechar").as_deref(), Some("4"));
        assert_eq!(get(&ev, "fd.port").as_deref(), Some("43826 2379"));
        assert_eq!(get(&ev, "fd.is_server").as_deref(), Some("false"));
        assert_eq!(get(&ev, "fd.l4proto").as_deref(), Some("tcp"));
        let udp = raw(Kind::Connect {
            fd: 4,
            res: 0,
            local: Some(Addr::Inet("10.0.0.2:5353".parse().unwrap())),
            remote: Some(Addr::Inet("10.0.0.1:53".parse().unwrap())),
            sock_type: libc::SOCK_DGRAM as u16,
            protocol: libc::IPPROTO_UDP as u16,
        });
        ctx.prepare(&udp);
        let ev = WatchEvent::new(&udp, &ctx, 2);
        assert_eq!(get(&ev, "fd.l4proto").as_deref(), Some("udp"));
        let unix = raw(Kind::Connect {
            fd: 4,
            res: 0,
            local: None,
            remote: Some(Addr::Unix(b"/run/x.sock".to_vec())),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: 0,
        });
        ctx.prepare(&unix);
        let ev = WatchEvent::new(&unix, &ctx, 2);
        assert_eq!(get(&ev, "fd.l4proto"), None, "not an IP socket");
        let a = raw(Kind::Accept {
            accept4: true,
            fd: 3,
            res: 5,
            local: Some(Addr::Inet("[::1]:2379".parse().unwrap())),
            remote: Some(Addr::Inet("[::1]:5000".parse().unwrap())),
            sock_type: libc::SOCK_STREAM as u16,
            protocol: libc::IPPROTO_TCP as u16,
        });
        ctx.prepare(&a);
        let ev = WatchEvent::new(&a, &ctx, 3);
        assert_eq!(get(&ev, "fd.name").as_deref(), Some("::1:5000->::1:2379"));
        assert_eq!(get(&ev, "fd.sip").as_deref(), Some("::1"));
        assert_eq!(get(&ev, "fd.cport").as_deref(), Some("5000"));
        assert_eq!(get(&ev, "fd.num").as_deref(), Some("5"));
        assert_eq!(get(&ev, "fd.type").as_deref(), Some("ipv6"));
    }

    #[test]
    fn process_ids_times_and_executable() {
        use crate::watch::event::{ExeInode, ProcStart};
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        // Now, so that the parent (read from /proc) started before.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let exec = |vpgid: i32, ctime_ns: u64| RawEvent {
            time_ns: t,
            ..raw(Kind::Exec {
                execveat: false,
                res: 0,
                ppid: nix::unistd::getppid().as_raw(),
                exe: b"/bin/true".to_vec(),
                argv: vec![b"true".to_vec()],
                argv_truncated: false,
                tty: Some(0),
                start: Some(ProcStart {
                    vpid: Some(7),
                    vpgid: Some(vpgid),
                    vsid: Some(7),
                    sid: None,
                    pgid: None,
                    start_ns: Some(t - 6_000_000_000),
                    pidns_start_ns: Some(t - 60_000_000_000),
                }),
                exe_inode: Some(ExeInode {
                    ino: 1234,
                    ctime_ns: Some(ctime_ns),
                    mtime_ns: Some(t - 9_000_000_000),
                }),
                cwd: Some(b"/srv/app".to_vec()),
                exepath: Some(b"/usr/bin/true".to_vec()),
            })
        };
        let r = exec(7, t - 8_000_000_000);
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 1);
        assert_eq!(get(&ev, "proc.vpid").as_deref(), Some("7"));
        assert_eq!(get(&ev, "proc.vpgid").as_deref(), Some("7"));
        assert_eq!(get(&ev, "proc.sid").as_deref(), Some("7"));
        assert_eq!(get(&ev, "proc.is_vpgid_leader").as_deref(), Some("true"));
        assert_eq!(get(&ev, "proc.is_sid_leader").as_deref(), Some("true"));
        assert_eq!(get(&ev, "proc.duration").as_deref(), Some("6000000000"));
        assert_eq!(
            get(&ev, "proc.pid.ts"),
            Some((t - 6_000_000_000).to_string())
        );
        assert_eq!(get(&ev, "proc.exe_ino").as_deref(), Some("1234"));
        assert_eq!(
            get(&ev, "proc.exe_ino.ctime"),
            Some((t - 8_000_000_000).to_string())
        );
        assert_eq!(
            get(&ev, "proc.exe_ino.mtime"),
            Some((t - 9_000_000_000).to_string())
        );
        // Changed 2 s before the process started, 52 s after its namespace did.
        assert_eq!(
            get(&ev, "proc.exe_ino.ctime_duration_proc_start").as_deref(),
            Some("2000000000")
        );
        assert_eq!(
            get(&ev, "proc.exe_ino.ctime_duration_pidns_start").as_deref(),
            Some("52000000000")
        );
        assert_eq!(
            get(&ev, "proc.pidns_init_start_ts"),
            Some((t - 60_000_000_000).to_string())
        );
        // The parent, read from /proc, started before this test.
        let pd: i64 = get(&ev, "proc.ppid.duration").unwrap().parse().unwrap();
        assert!(pd > 0, "{pd}");
        // A member of another's group; an executable changed after the start.
        let r = exec(5, t - 1_000_000_000);
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 2);
        assert_eq!(get(&ev, "proc.is_vpgid_leader").as_deref(), Some("false"));
        assert_eq!(get(&ev, "proc.exe_ino.ctime_duration_proc_start"), None);
    }

    #[test]
    fn arguments_groups_threads_times_and_the_users_home() {
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let r = raw(Kind::Exec {
            execveat: false,
            res: 0,
            ppid: nix::unistd::getppid().as_raw(),
            exe: b"/bin/sh".to_vec(),
            argv: vec![b"/bin/sh".to_vec(), b"-c".to_vec(), b"id -u".to_vec()],
            argv_truncated: false,
            tty: Some(0),
            start: None,
            exe_inode: None,
            cwd: None,
            exepath: None,
        });
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 1);
        assert_eq!(get(&ev, "proc.cmdnargs").as_deref(), Some("2"));
        assert_eq!(get(&ev, "proc.cmdlenargs").as_deref(), Some("7"));
        assert_eq!(
            get(&ev, "proc.exeline").as_deref(),
            Some("/bin/sh -c id -u")
        );
        assert_eq!(get(&ev, "proc.acmdline[0]"), get(&ev, "proc.cmdline"));
        assert_eq!(get(&ev, "proc.acmdline[1]"), get(&ev, "proc.pcmdline"));
        assert_eq!(get(&ev, "proc.aargs[0]").as_deref(), Some("-c id -u"));
        let pgid = nix::unistd::getpgrp().as_raw();
        assert_eq!(get(&ev, "proc.pgid"), Some(pgid.to_string()));
        assert_eq!(
            get(&ev, "proc.is_pgid_leader"),
            Some((pgid == me()).to_string())
        );
        // The group leader is a live process /proc names.
        let leader = std::fs::read_to_string(format!("/proc/{pgid}/comm")).unwrap();
        assert_eq!(get(&ev, "proc.pgid.name").as_deref(), Some(leader.trim()));
        assert_eq!(get(&ev, "proc.vpgid.name"), get(&ev, "proc.pgid.name"));
        assert_eq!(get(&ev, "thread.tid"), Some(me().to_string()));
        assert_eq!(get(&ev, "thread.ismain").as_deref(), Some("true"));
        assert_eq!(get(&ev, "thread.vtid"), get(&ev, "proc.vpid"));
        // root's entry of /etc/passwd.
        let root = std::fs::read_to_string("/etc/passwd").unwrap();
        let root: Vec<&str> = root
            .lines()
            .find(|l| l.split(':').nth(2) == Some("0"))
            .unwrap()
            .split(':')
            .collect();
        assert_eq!(get(&ev, "user.homedir").as_deref(), Some(root[5]));
        assert_eq!(get(&ev, "user.shell").as_deref(), Some(root[6]));
        // 1_796_231_126.162004627 s since the epoch.
        assert_eq!(get(&ev, "evt.rawtime.s").as_deref(), Some("1796231126"));
        assert_eq!(get(&ev, "evt.rawtime.ns").as_deref(), Some("162004627"));
        let time = get(&ev, "evt.time").unwrap();
        assert_eq!(get(&ev, "evt.time.s").as_deref(), Some(&time[..8]));
        let dt = get(&ev, "evt.datetime").unwrap();
        assert!(
            regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.162004627$")
                .unwrap()
                .is_match(&dt),
            "{dt}"
        );
        assert!(dt.ends_with(&time), "{dt} {time}");
        assert_eq!(get(&ev, "evt.datetime.s").as_deref(), Some(&dt[..19]));
        assert_eq!(get(&ev, "evt.is_open_create"), None, "not an open");
        let o = raw(Kind::Open {
            call: OpenCall::Openat,
            dirfd: AT_FDCWD,
            path: b"/tmp/new".to_vec(),
            resolved: None,
            flags: Some((libc::O_CREAT | libc::O_WRONLY) as u64),
            write: None,
            mode: 0o600,
            res: 3,
        });
        ctx.prepare(&o);
        let ev = WatchEvent::new(&o, &ctx, 2);
        assert_eq!(get(&ev, "evt.is_open_create").as_deref(), Some("true"));
        // Another thread of the process.
        let t = RawEvent {
            tid: me() + 1_000_000,
            ..o.clone()
        };
        let ev = WatchEvent::new(&t, &ctx, 3);
        assert_eq!(get(&ev, "thread.ismain").as_deref(), Some("false"));
        assert_eq!(get(&ev, "thread.vtid"), None);
    }

    #[test]
    fn the_login_shell_is_the_oldest_ancestor_named_sh() {
        let chain = [(9, false), (8, true), (5, false), (3, true), (1, false)];
        assert_eq!(login_shell(chain.into_iter()), Some(3));
        assert_eq!(login_shell([(9, false), (1, false)].into_iter()), None);
    }

    #[test]
    fn container_mounts_by_number_and_glob() {
        use crate::watch::container::ContainerMount;
        let m = |source: &str, dest: &str, rw| ContainerMount {
            dest: dest.into(),
            source: source.into(),
            mode: String::new(),
            rw,
            propagation: "rprivate".into(),
        };
        let mounts = [
            m("/var/lib/x/hosts", "/etc/hosts", true),
            m("/proc", "/host/proc", false),
        ];
        assert_eq!(
            find_mount(&mounts, "/proc*", false).map(|m| m.dest.as_str()),
            Some("/host/proc")
        );
        assert_eq!(
            find_mount(&mounts, "/host/*", true).map(|m| m.source.as_str()),
            Some("/proc")
        );
        assert_eq!(
            find_mount(&mounts, "0", false).map(|m| m.dest.as_str()),
            Some("/etc/hosts")
        );
        assert!(find_mount(&mounts, "/var/run/docker.sock", false).is_none());
        assert_eq!(mounts[1].text(), "/proc:/host/proc::false:rprivate");
    }

    #[test]
    fn datagram_and_receive_fields() {
        use crate::watch::event::NetCall;
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let r = raw(Kind::Net {
            call: NetCall::Sendto,
            fd: 4,
            res: 3,
            size: 3,
            local: Some(Addr::Inet("0.0.0.0:40000".parse().unwrap())),
            remote: Some(Addr::Inet("169.254.169.254:80".parse().unwrap())),
            connected: false,
            sock_type: libc::SOCK_DGRAM as u16,
            protocol: libc::IPPROTO_UDP as u16,
            name_changed: true,
            server: false,
            data: None,
        });
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 1);
        assert_eq!(get(&ev, "evt.type").as_deref(), Some("sendto"));
        assert_eq!(
            get(&ev, "fd.name").as_deref(),
            Some("0.0.0.0:40000->169.254.169.254:80")
        );
        assert_eq!(get(&ev, "fd.sip").as_deref(), Some("169.254.169.254"));
        assert_eq!(get(&ev, "fd.rip").as_deref(), Some("169.254.169.254"));
        assert_eq!(get(&ev, "fd.cip").as_deref(), Some("0.0.0.0"));
        assert_eq!(get(&ev, "fd.sport").as_deref(), Some("80"));
        assert_eq!(get(&ev, "fd.lport").as_deref(), Some("40000"));
        assert_eq!(get(&ev, "fd.l4proto").as_deref(), Some("udp"));
        assert_eq!(get(&ev, "fd.connected").as_deref(), Some("false"));
        assert_eq!(get(&ev, "fd.name_changed").as_deref(), Some("true"));
        assert_eq!(get(&ev, "fd.typechar").as_deref(), Some("4"));
        assert_eq!(get(&ev, "fd.type").as_deref(), Some("ipv4"));
        assert_eq!(get(&ev, "fd.num").as_deref(), Some("4"));
        assert_eq!(get(&ev, "fd.is_server").as_deref(), Some("false"));
        assert_eq!(get(&ev, "evt.buffer"), None);
        assert_eq!(get(&ev, "evt.rawres").as_deref(), Some("3"));
        assert_eq!(
            get(&ev, "evt.args").as_deref(),
            Some("res=3 fd=4 size=3 tuple=0.0.0.0:40000->169.254.169.254:80")
        );
        // A TCP receive on the server end, with its data.
        let r = raw(Kind::Net {
            call: NetCall::Recvmsg,
            fd: 5,
            res: 6,
            size: 4096,
            local: Some(Addr::Inet("[::1]:8080".parse().unwrap())),
            remote: Some(Addr::Inet("[::1]:50000".parse().unwrap())),
            connected: true,
            sock_type: libc::SOCK_STREAM as u16,
            protocol: libc::IPPROTO_TCP as u16,
            name_changed: false,
            server: true,
            data: Some(b"\xca\xfe\xba\xbeok".to_vec()),
        });
        let ev = WatchEvent::new(&r, &ctx, 2);
        assert_eq!(get(&ev, "fd.name").as_deref(), Some("::1:50000->::1:8080"));
        assert_eq!(get(&ev, "fd.cport").as_deref(), Some("50000"));
        assert_eq!(get(&ev, "fd.sport").as_deref(), Some("8080"));
        assert_eq!(get(&ev, "fd.l4proto").as_deref(), Some("tcp"));
        assert_eq!(get(&ev, "fd.connected").as_deref(), Some("true"));
        assert_eq!(get(&ev, "fd.name_changed").as_deref(), Some("false"));
        assert_eq!(get(&ev, "fd.is_server").as_deref(), Some("true"));
        assert_eq!(get(&ev, "fd.type").as_deref(), Some("ipv6"));
        assert_eq!(get(&ev, "evt.buffer").as_deref(), Some("....ok"));
        assert_eq!(get(&ev, "evt.arg.data").as_deref(), Some("....ok"));
        assert_eq!(get(&ev, "evt.arg.size").as_deref(), Some("4096"));
        let buf = field("evt.buffer", FieldArg::None);
        assert_eq!(
            ev.get(&buf),
            Some(Value::Bytes(Cow::Borrowed(&b"\xca\xfe\xba\xbeok"[..])))
        );
        assert_eq!(l4proto(libc::SOCK_RAW as u16, 1), "raw");
        assert_eq!(
            l4proto(libc::SOCK_DGRAM as u16, libc::IPPROTO_ICMP as u16),
            "icmp"
        );
    }

    #[test]
    fn ptrace_setid_and_caps() {
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let r = raw(Kind::Ptrace {
            request: 16,
            target: 42,
            res: 0,
        });
        ctx.prepare(&r);
        let ev = WatchEvent::new(&r, &ctx, 1);
        assert_eq!(
            get(&ev, "evt.arg.request").as_deref(),
            Some("PTRACE_ATTACH")
        );
        assert_eq!(get(&ev, "evt.arg.pid").as_deref(), Some("42"));
        assert_eq!(
            get(&ev, "evt.args").as_deref(),
            Some("res=0 request=PTRACE_ATTACH pid=42")
        );
        let r = raw(Kind::SetId {
            call: "setresuid",
            ids: vec![u32::MAX, 1000, 0],
            res: 0,
        });
        let ev = WatchEvent::new(&r, &ctx, 2);
        assert_eq!(get(&ev, "evt.arg.ruid").as_deref(), Some("-1"));
        assert_eq!(get(&ev, "evt.arg.euid").as_deref(), Some("1000"));
        assert_eq!(get(&ev, "evt.arg.uid"), None);
        assert_eq!(cap_names(0b101), "CAP_CHOWN CAP_DAC_READ_SEARCH");
        assert_eq!(local_time(0).len(), "00:00:00.000000000".len());
    }
}
