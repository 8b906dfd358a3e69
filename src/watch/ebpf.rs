//! The eBPF event source of `ksec watch`: `bpf/watch.bpf.c` (compiled into the committed
//! `bpf/watch.bpf.o`, loaded here with aya) sees every task on the node but ksec itself at the
//! raw `sys_enter`/`sys_exit` and `sched_process_{exec,fork,exit}` tracepoints and sends one
//! record per exec, fork, open, connect, accept, ptrace, set*id call and process exit through a
//! ring buffer; [`EbpfSource`] turns the records into [`RawEvent`]s.
//!
//! sendto, sendmsg, recvfrom and recvmsg (on AF_INET and AF_INET6 sockets) are read only as
//! far as the loaded rules need them ([`net_needs`], applied by
//! [`EbpfSource::apply_net_filter`]): not at all when no rule names them; only the calls that
//! change the fd's name (Falco's `fd.name_changed`, decided in the kernel from the last address
//! of each unconnected socket) when every rule naming the call requires that, which is how
//! Falco's `outbound` / `inbound` macros use them; every successful call otherwise; with the
//! data's first 80 bytes (evt.buffer) when a rule reads it. Failed calls are not sent.
//!
//! What the kernel gives is read in the kernel: a new program's argv from its new mm (complete
//! even when it exits at once, up to [`ARGS_MAX`] bytes), paths and socket addresses from the
//! caller's memory at the call's exit, socket addresses from the socket itself. Times are the
//! kernel's CLOCK_BOOTTIME plus the offset of CLOCK_REALTIME measured at [`EbpfSource::start`]
//! (a later step of the wall clock is not followed). Records the ring buffer had no room for,
//! and calls the in-flight map could not hold, are counted ([`Lost`]). Only the x86-64 syscall
//! table is watched: 32-bit (int 0x80) calls are not seen.
//!
//! Loading needs root (or CAP_BPF + CAP_PERFMON) and BTF (/sys/kernel/btf/vmlinux); the
//! programs and maps belong to ksec's file descriptors and go away with it.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsFd;
use std::time::Duration;

use anyhow::Context;
use aya::maps::lpm_trie::{Key, LpmTrie};
use aya::maps::{Array, MapData, PerCpuArray, RingBuf};
use aya::programs::RawTracePoint;
use aya::EbpfLoader;

use super::event::{
    net_needs, Addr, Creds, ExeInode, Kind, Lost, NetCall, NetNeed, OpenCall, ProcStart, RawEvent,
    Source, Unavailable,
};
use crate::rules::prefilter::OpenNeed;
pub use crate::sys::watch_bpf::ARGS_MAX;
use crate::sys::watch_bpf::{self as rec, record};
use crate::trace::ebpf::error_chain;

/// The compiled program (bpf/build.sh makes it from bpf/watch.bpf.c).
static OBJECT: &[u8] = aya::include_bytes_aligned!("../../bpf/watch.bpf.o");

/// The programs and the raw tracepoints they attach to.
const PROGRAMS: [(&str, &str); 5] = [
    ("sys_enter", "sys_enter"),
    ("sys_exit", "sys_exit"),
    ("process_exec", "sched_process_exec"),
    ("process_fork", "sched_process_fork"),
    ("process_exit", "sched_process_exit"),
];

/// How big the kernel's buffers are.
#[derive(Debug, Clone)]
pub struct EbpfWatchConfig {
    /// The ring buffer's size in bytes: a power of two, at least a page (default 8 MiB).
    pub ring_bytes: u32,
    /// Calls in flight (between entry and exit) the kernel can follow at once (default 16384).
    pub in_flight: u32,
}

impl Default for EbpfWatchConfig {
    fn default() -> Self {
        EbpfWatchConfig {
            ring_bytes: 8 << 20,
            in_flight: 16384,
        }
    }
}

/// Why the eBPF source cannot be had on this machine (the command falls back to the proc
/// connector and fanotify).
#[derive(Debug, thiserror::Error)]
pub enum EbpfUnavailable {
    #[error("the eBPF event source needs BTF: the kernel has no /sys/kernel/btf/vmlinux")]
    NoBtf,
    #[error("the eBPF event source needs root, or CAP_BPF and CAP_PERFMON: {0}")]
    NotPermitted(String),
    #[error("the eBPF event source cannot be loaded: {0}")]
    Load(String),
}

/// How long records may wait in the ring buffer before the reader looks (the kernel wakes it
/// sooner only when 256 KiB are waiting, bpf/watch.bpf.c's WAKE_BYTES).
const POLL_EVERY: Duration = Duration::from_millis(10);

/// bpf/watch.bpf.c's open_filter modes: every open sent, those the prefix table wants, none.
const FILTER_OFF: u32 = 0;
const FILTER_TABLE: u32 = 1;
const FILTER_NONE: u32 = 2;

/// The loaded source: programs attached, ring buffer mapped.
pub struct EbpfSource {
    /// Owns the programs, their links and the other maps.
    bpf: aya::Ebpf,
    ring: RingBuf<MapData>,
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME, in ns.
    boot_to_real: i64,
}

impl std::fmt::Debug for EbpfSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EbpfSource")
            .field("boot_to_real", &self.boot_to_real)
            .finish()
    }
}

impl EbpfSource {
    /// Loads `bpf/watch.bpf.o` and attaches its programs: from now on every task but this
    /// process is watched.
    ///
    /// # Errors
    /// [`EbpfUnavailable`]: no BTF, not privileged (with the kernel's reason), the verifier or
    /// the attach refused; or a bad configuration (a ring size that is not a power of two).
    pub fn start(cfg: &EbpfWatchConfig) -> anyhow::Result<EbpfSource> {
        let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .unwrap_or(4096) as u32;
        if !cfg.ring_bytes.is_power_of_two() || cfg.ring_bytes < page {
            anyhow::bail!(
                "eBPF ring buffer size {} bytes: must be a power of two of at least {page}",
                cfg.ring_bytes
            );
        }
        if cfg.in_flight == 0 {
            anyhow::bail!("eBPF in-flight map size: must be at least 1");
        }
        if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
            return Err(EbpfUnavailable::NoBtf.into());
        }
        let fail = |what: &str, e: &dyn std::error::Error| -> anyhow::Error {
            let chain = error_chain(e);
            // EPERM is the kernel's refusal to load at all; EACCES the verifier's verdict.
            let denied = chain.contains("ot permitted") || chain.contains("(os error 1)");
            if denied || !nix::unistd::geteuid().is_root() {
                EbpfUnavailable::NotPermitted(format!("{what}: {chain}")).into()
            } else {
                EbpfUnavailable::Load(format!("{what}: {chain}")).into()
            }
        };
        let self_tgid = std::process::id();
        let mut bpf = EbpfLoader::new()
            .override_global("self_tgid", &self_tgid, true)
            .map_max_entries("events", cfg.ring_bytes)
            .map_max_entries("inflight", cfg.in_flight)
            .load(OBJECT)
            .map_err(|e| fail("load bpf/watch.bpf.o", &e))?;
        for (prog, tp) in PROGRAMS {
            let p: &mut RawTracePoint = bpf
                .program_mut(prog)
                .ok_or_else(|| {
                    EbpfUnavailable::Load(format!("bpf/watch.bpf.o has no program {prog}"))
                })?
                .try_into()
                .map_err(|e| fail(prog, &e))?;
            p.load().map_err(|e| fail(&format!("load {prog}"), &e))?;
            p.attach(tp)
                .map_err(|e| fail(&format!("attach {prog} to {tp}"), &e))?;
        }
        let events = bpf
            .take_map("events")
            .context("bpf/watch.bpf.o has no map events")?;
        let ring = RingBuf::try_from(events).context("map events of bpf/watch.bpf.o")?;
        Ok(EbpfSource {
            bpf,
            ring,
            boot_to_real: crate::sys::time::boot_to_real(),
        })
    }

    /// Has the kernel send only the opens `need` says the rules can match (every open for
    /// [`OpenNeed::Any`]). While the table is rewritten every open is sent.
    ///
    /// # Errors
    /// A map of bpf/watch.bpf.o is missing or the kernel refuses an update.
    pub fn apply_open_filter(&mut self, need: &OpenNeed) -> anyhow::Result<bool> {
        self.set_filter(FILTER_OFF)?;
        let Some(table) = need.lookup_table() else {
            return Ok(false);
        };
        let map = self
            .bpf
            .map_mut("open_prefixes")
            .context("bpf/watch.bpf.o has no map open_prefixes")?;
        let mut trie: LpmTrie<&mut MapData, [u8; rec::PREFIX_MAX], u32> =
            LpmTrie::try_from(map).context("map open_prefixes of bpf/watch.bpf.o")?;
        let old: Vec<Key<[u8; rec::PREFIX_MAX]>> = trie.keys().filter_map(Result::ok).collect();
        for k in &old {
            let _ = trie.remove(k);
        }
        for (prefix, modes) in &table {
            let mut data = [0u8; rec::PREFIX_MAX];
            let n = prefix.len().min(rec::PREFIX_MAX - 1);
            data[..n].copy_from_slice(&prefix.as_bytes()[..n]);
            trie.insert(&Key::new(n as u32 * 8, data), u32::from(*modes), 0)
                .with_context(|| format!("add the open prefix {prefix:?} to the eBPF filter"))?;
        }
        self.set_filter(if table.is_empty() {
            FILTER_NONE
        } else {
            FILTER_TABLE
        })?;
        Ok(true)
    }

    /// Has the kernel send of sendto, sendmsg, recvfrom and recvmsg (in [`NetCall::ALL`]
    /// order) what `need` says.
    ///
    /// # Errors
    /// The map net_filter of bpf/watch.bpf.o is missing or the kernel refuses the update.
    pub fn apply_net_filter(&mut self, need: &[NetNeed; 4]) -> anyhow::Result<()> {
        let map = self
            .bpf
            .map_mut("net_filter")
            .context("bpf/watch.bpf.o has no map net_filter")?;
        let mut a: Array<&mut MapData, u32> =
            Array::try_from(map).context("map net_filter of bpf/watch.bpf.o")?;
        a.set(0, net_filter_word(need), 0)
            .context("set the eBPF datagram filter")
    }

    fn set_filter(&mut self, mode: u32) -> anyhow::Result<()> {
        let map = self
            .bpf
            .map_mut("open_filter")
            .context("bpf/watch.bpf.o has no map open_filter")?;
        let mut a: Array<&mut MapData, u32> =
            Array::try_from(map).context("map open_filter of bpf/watch.bpf.o")?;
        a.set(0, mode, 0).context("switch the eBPF open filter")
    }

    /// Moves every record waiting in the ring buffer into `out`; returns how many.
    fn drain(&mut self, out: &mut Vec<RawEvent>) -> usize {
        let mut n = 0;
        while let Some(item) = self.ring.next() {
            if let Some(ev) = parse(&item, self.boot_to_real) {
                out.push(ev);
                n += 1;
            }
        }
        n
    }

    fn read_lost(&self) -> anyhow::Result<Lost> {
        let map = self
            .bpf
            .map("lost")
            .context("bpf/watch.bpf.o has no map lost")?;
        let lost: PerCpuArray<&MapData, rec::WatchLost> = PerCpuArray::try_from(map)?;
        let per_cpu = lost.get(&0, 0).context("read the eBPF map lost")?;
        let mut total = Lost::default();
        for l in per_cpu.iter() {
            total.ring_full += l.ring_full;
            total.in_flight += l.in_flight;
        }
        Ok(total)
    }
}

impl Source for EbpfSource {
    fn name(&self) -> &'static str {
        "ebpf"
    }

    fn set_open_filter(&mut self, need: &OpenNeed) -> anyhow::Result<bool> {
        self.apply_open_filter(need)?;
        Ok(true)
    }

    fn set_net_filter(&mut self, rules: &[crate::rules::Rule]) -> anyhow::Result<String> {
        let need = net_needs(rules);
        self.apply_net_filter(&need)?;
        Ok(net_filter_text(&need))
    }

    fn poll(&mut self, out: &mut Vec<RawEvent>, timeout: Duration) -> anyhow::Result<()> {
        if self.drain(out) > 0 {
            return Ok(());
        }
        {
            use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
            // The kernel wakes the reader only once WAKE_BYTES are waiting
            // (bpf/watch.bpf.c): look at least every POLL_EVERY for what is there.
            let ms = timeout.min(POLL_EVERY).as_millis() as i32;
            let ms = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(self.ring.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, ms) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => return Ok(()),
                Err(e) => return Err(e).context("poll the eBPF ring buffer"),
            }
        }
        self.drain(out);
        Ok(())
    }

    fn lost(&self) -> Lost {
        self.read_lost().unwrap_or_default()
    }

    /// Every field of the catalogue this source feeds is filled; where the kernel gives no
    /// value (a unix socket's peer, an exec that failed) the event says so itself (`None`,
    /// empty).
    fn unavailable(&self) -> &'static [Unavailable] {
        &[]
    }

    fn partial(&self) -> &'static [Unavailable] {
        &[
            (
                "evt.buffer",
                "the first 80 bytes (Falco's default snaplen); of sendmsg and recvmsg, of the first iovec; read only when a rule names it",
            ),
            (
                "fd.is_server",
                "sendto, sendmsg, recvfrom, recvmsg on a connected socket that ksec did not see connect or accept (older than ksec): the end with the lower port is taken for the server (and so for fd.name, fd.cip, fd.sip)",
            ),
        ]
    }
}

/// bpf/watch.bpf.c's net_filter word for `need`: 4 bits per call.
pub fn net_filter_word(need: &[NetNeed; 4]) -> u32 {
    need.iter().enumerate().fold(0, |w, (i, n)| {
        let bits = match n {
            NetNeed::None => 0,
            NetNeed::NameChanged => rec::NET_NAME,
            NetNeed::All => rec::NET_ALL,
            NetNeed::Data => rec::NET_ALL | rec::NET_DATA,
        };
        w | bits << (4 * i)
    })
}

/// What the start line says of `need` (empty when no rule names these calls).
pub fn net_filter_text(need: &[NetNeed; 4]) -> String {
    let mut parts = Vec::new();
    for (what, n) in [
        ("name changes", NetNeed::NameChanged),
        ("every call", NetNeed::All),
        ("every call with data", NetNeed::Data),
    ] {
        let calls: Vec<&str> = NetCall::ALL
            .iter()
            .zip(need)
            .filter(|(_, m)| **m == n)
            .map(|(c, _)| c.name())
            .collect();
        if !calls.is_empty() {
            parts.push(format!("{} {what}", calls.join("/")));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (datagrams read: {})", parts.join(", "))
    }
}

/// The bytes up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |i| &b[..i])
}

fn creds(h: &rec::Hdr) -> Creds {
    Creds {
        uid: h.uid,
        euid: h.euid,
        gid: h.gid,
        egid: h.egid,
        loginuid: h.loginuid,
    }
}

/// The NUL-separated arguments of a new stack (the last one unterminated when truncated).
pub fn split_args(b: &[u8]) -> Vec<Vec<u8>> {
    if b.is_empty() {
        return Vec::new();
    }
    let body = b.strip_suffix(&[0]).unwrap_or(b);
    body.split(|&c| c == 0).map(<[u8]>::to_vec).collect()
}

/// A `struct sockaddr` as bytes (length 0: none).
pub fn sockaddr(b: &[u8]) -> Option<Addr> {
    if b.len() < 2 {
        return None;
    }
    let family = u16::from_ne_bytes([b[0], b[1]]);
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match i32::from(family) {
        libc::AF_INET if b.len() >= 8 => {
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            Some(Addr::Inet(SocketAddr::V4(SocketAddrV4::new(ip, port(b)))))
        }
        libc::AF_INET6 if b.len() >= 24 => {
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&b[8..24]);
            let scope = if b.len() >= 28 {
                u32::from_ne_bytes([b[24], b[25], b[26], b[27]])
            } else {
                0
            };
            Some(Addr::Inet(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(ip),
                port(b),
                flow,
                scope,
            ))))
        }
        libc::AF_UNIX => {
            let path = &b[2..];
            // An abstract name is every byte of the address; a path ends at its NUL.
            let path = if path.first() == Some(&0) {
                path
            } else {
                cstr(path)
            };
            Some(Addr::Unix(path.to_vec()))
        }
        _ => Some(Addr::Other(family)),
    }
}

/// A net record as sent (up to its data's end) padded to the full struct; empty when shorter
/// than the part before `data`.
fn pad_net(b: &[u8]) -> Vec<u8> {
    let full = std::mem::size_of::<rec::NetRec>();
    let fixed = full - rec::NET_DATA_MAX;
    if b.len() < fixed {
        return Vec::new();
    }
    let mut v = b[..b.len().min(full)].to_vec();
    v.resize(full, 0);
    v
}

fn setid_call(nr: u32) -> (&'static str, usize) {
    match i64::from(nr) {
        libc::SYS_setuid => ("setuid", 1),
        libc::SYS_setgid => ("setgid", 1),
        libc::SYS_setreuid => ("setreuid", 2),
        libc::SYS_setregid => ("setregid", 2),
        libc::SYS_setresuid => ("setresuid", 3),
        _ => ("setresgid", 3),
    }
}

/// A CLOCK_BOOTTIME time in ns as ns since the epoch (None for 0, unknown).
fn boot_ns_to_real(ns: u64, boot_to_real: i64) -> Option<u64> {
    if ns == 0 {
        return None;
    }
    u64::try_from(i64::try_from(ns).ok()?.checked_add(boot_to_real)?).ok()
}

/// A path the kernel walked up its dentries (names leaf first, NUL-terminated) as a path from
/// the root; None when the walk did not reach the root or read nothing.
fn walked(buf: &[u8], len: u16, cut: u8) -> Option<Vec<u8>> {
    let len = usize::from(len).min(rec::DPATH_MAX).min(buf.len());
    if cut != 0 {
        return None;
    }
    let names: Vec<&[u8]> = buf[..len]
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .collect();
    let mut out = Vec::with_capacity(len + 1);
    for n in names.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(n);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

/// An exec record's ids and start times.
fn proc_start(r: &rec::ExecFixed, boot_to_real: i64) -> ProcStart {
    // A pid of 0 is one not visible in the process's namespace: never the process itself, but
    // a group or session may well be 0 (a process that never called setsid, as under a
    // kernel-started service manager), as /proc says too.
    ProcStart {
        vpid: (r.vpid != 0).then_some(r.vpid as i32),
        vpgid: Some(r.vpgid as i32),
        vsid: Some(r.vsid as i32),
        sid: Some(r.sid as i32),
        pgid: Some(r.pgid as i32),
        start_ns: boot_ns_to_real(r.start_ns, boot_to_real),
        pidns_start_ns: boot_ns_to_real(r.pidns_start_ns, boot_to_real),
    }
}

/// One ring-buffer record as a [`RawEvent`]; None for a record too short for its kind (a
/// mismatch of the object and this code, never a kernel's short write).
pub fn parse(b: &[u8], boot_to_real: i64) -> Option<RawEvent> {
    let h: rec::Hdr = record(b)?;
    let kind = match h.kind {
        rec::K_EXEC => {
            let r: rec::ExecFixed = record(b)?;
            let fixed = std::mem::size_of::<rec::ExecFixed>();
            let args_end = (fixed + usize::from(r.args_len)).min(b.len());
            let exe_len = usize::from(r.exe_len).min(rec::EXE_MAX);
            Kind::Exec {
                execveat: r.execveat != 0,
                res: r.res,
                ppid: r.ppid as i32,
                exe: r.exe[..exe_len].to_vec(),
                argv: split_args(&b[fixed..args_end]),
                argv_truncated: r.truncated != 0,
                tty: (r.res == 0).then_some(r.tty),
                start: Some(proc_start(&r, boot_to_real)),
                cwd: walked(&r.cwd, r.cwd_len, r.cwd_cut),
                exepath: (r.res == 0)
                    .then(|| walked(&r.exepath, r.exepath_len, r.exepath_cut))
                    .flatten(),
                exe_inode: (r.exe_ino != 0).then(|| ExeInode {
                    ino: r.exe_ino,
                    ctime_ns: u64::try_from(r.exe_ctime_ns).ok().filter(|&t| t > 0),
                    mtime_ns: u64::try_from(r.exe_mtime_ns).ok().filter(|&t| t > 0),
                }),
            }
        }
        rec::K_FORK => {
            let r: rec::ForkRec = record(b)?;
            Kind::Fork {
                child_tid: r.child_tid as i32,
                child_pid: r.child_pid as i32,
                thread: r.thread != 0,
                child_vpid: (r.child_vpid != 0).then_some(r.child_vpid as i32),
                child_start_ns: boot_ns_to_real(r.child_start_ns, boot_to_real),
            }
        }
        rec::K_OPEN => {
            let r: rec::OpenFixed = record(b)?;
            let fixed = std::mem::size_of::<rec::OpenFixed>();
            let end = (fixed + usize::from(r.path_len)).min(b.len());
            let call = match i64::from(r.nr) {
                libc::SYS_open => OpenCall::Open,
                libc::SYS_creat => OpenCall::Creat,
                libc::SYS_openat2 => OpenCall::Openat2,
                _ => OpenCall::Openat,
            };
            let path = b[fixed..end].to_vec();
            // A relative path made absolute with the base the kernel walked at the call.
            let resolved = usize::from(r.base_len).checked_sub(1).and_then(|len| {
                let from = (end + 1).min(b.len());
                let to = (from + len).min(b.len());
                let base = walked(&b[from..to], len as u16, 0)?;
                let base = String::from_utf8_lossy(&base);
                let abs = super::context::absolute(&base, &String::from_utf8_lossy(&path));
                Some(abs.into_bytes())
            });
            Kind::Open {
                call,
                dirfd: r.dirfd,
                path,
                resolved,
                flags: Some(r.flags),
                write: None,
                mode: r.mode,
                res: r.res,
            }
        }
        rec::K_CONNECT | rec::K_ACCEPT => {
            let r: rec::ConnRec = record(b)?;
            let local = sockaddr(&r.local[..usize::from(r.local_len).min(rec::SOCKADDR_MAX)]);
            let remote = sockaddr(&r.remote[..usize::from(r.remote_len).min(rec::SOCKADDR_MAX)]);
            if h.kind == rec::K_CONNECT {
                Kind::Connect {
                    fd: r.fd,
                    res: r.res,
                    local,
                    remote,
                    sock_type: r.sock_type,
                    protocol: r.protocol,
                }
            } else {
                Kind::Accept {
                    accept4: i64::from(r.nr) == libc::SYS_accept4,
                    fd: r.fd,
                    res: r.res,
                    local,
                    remote,
                    sock_type: r.sock_type,
                    protocol: r.protocol,
                }
            }
        }
        rec::K_NET => {
            let r: rec::NetRec = record(&pad_net(b))?;
            let addr = |a: &[u8], n: u16| sockaddr(&a[..usize::from(n).min(rec::INET_ADDR_MAX)]);
            let call = match i64::from(r.nr) {
                libc::SYS_sendto => NetCall::Sendto,
                libc::SYS_sendmsg => NetCall::Sendmsg,
                libc::SYS_recvfrom => NetCall::Recvfrom,
                _ => NetCall::Recvmsg,
            };
            let data_len = usize::from(r.data_len).min(rec::NET_DATA_MAX);
            Kind::Net {
                call,
                fd: r.fd,
                res: r.res,
                size: r.size,
                local: addr(&r.local, r.local_len),
                remote: addr(&r.remote, r.remote_len),
                connected: r.flags & rec::NF_CONNECTED != 0,
                sock_type: r.sock_type,
                protocol: r.protocol,
                name_changed: r.flags & rec::NF_NAME_CHANGED != 0,
                server: r.flags & rec::NF_SERVER != 0,
                data: (r.flags & rec::NF_DATA != 0).then(|| r.data[..data_len].to_vec()),
            }
        }
        rec::K_PTRACE => {
            let r: rec::PtraceRec = record(b)?;
            Kind::Ptrace {
                request: r.request,
                target: r.target,
                res: r.res,
            }
        }
        rec::K_SETID => {
            let r: rec::SetidRec = record(b)?;
            let (call, n) = setid_call(r.nr);
            Kind::SetId {
                call,
                ids: r.ids[..n].to_vec(),
                res: r.res,
            }
        }
        rec::K_EXIT => {
            let r: rec::ExitRec = record(b)?;
            Kind::Exit { status: r.status }
        }
        _ => return None,
    };
    Some(RawEvent {
        time_ns: (h.time_ns as i64).saturating_add(boot_to_real).max(0) as u64,
        tid: h.tid as i32,
        pid: h.pid as i32,
        creds: Some(creds(&h)),
        comm: Some(cstr(&h.comm).to_vec()),
        mntns: (h.mntns != 0).then_some(h.mntns),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_and_group_0_are_ids_but_pid_0_is_unknown() {
        let zeros = vec![0u8; std::mem::size_of::<rec::ExecFixed>()];
        let mut r: rec::ExecFixed = record(&zeros).unwrap();
        r.vpid = 42;
        let s = proc_start(&r, 0);
        assert_eq!(
            (s.vpid, s.vpgid, s.vsid, s.sid),
            (Some(42), Some(0), Some(0), Some(0))
        );
        r.vpid = 0;
        assert_eq!(proc_start(&r, 0).vpid, None);
    }

    #[test]
    fn args_split_on_nul_keeping_empty_ones() {
        assert_eq!(
            split_args(b"a\0\0bc\0"),
            vec![b"a".to_vec(), vec![], b"bc".to_vec()]
        );
        assert_eq!(
            split_args(b"a\0trunc"),
            vec![b"a".to_vec(), b"trunc".to_vec()]
        );
        assert!(split_args(b"").is_empty());
    }

    #[test]
    fn sockaddrs_of_each_family() {
        let mut v4 = vec![0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[2..4].copy_from_slice(&8080u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(
            sockaddr(&v4),
            Some(Addr::Inet("127.0.0.1:8080".parse().unwrap()))
        );
        let mut v6 = vec![0u8; 28];
        v6[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v6[2..4].copy_from_slice(&443u16.to_be_bytes());
        v6[23] = 1;
        assert_eq!(
            sockaddr(&v6),
            Some(Addr::Inet("[::1]:443".parse().unwrap()))
        );
        let mut un = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        un.extend_from_slice(b"/run/x.sock\0junk");
        assert_eq!(sockaddr(&un), Some(Addr::Unix(b"/run/x.sock".to_vec())));
        let mut abs = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        abs.extend_from_slice(b"\0name");
        assert_eq!(sockaddr(&abs), Some(Addr::Unix(b"\0name".to_vec())));
        assert_eq!(sockaddr(&[]), None);
        assert_eq!(sockaddr(&[16, 0]), Some(Addr::Other(16)));
    }

    /// A net record as the kernel sends it: up to the end of `data_len` bytes of data.
    fn net_bytes(nr: i64, flags: u8, remote: &[u8], data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; std::mem::size_of::<rec::Hdr>()];
        b[0..8].copy_from_slice(&5_000_000_000u64.to_ne_bytes()); // time_ns
        b[8..12].copy_from_slice(&41u32.to_ne_bytes()); // tid
        b[12..16].copy_from_slice(&40u32.to_ne_bytes()); // pid
        b[16..20].copy_from_slice(&rec::K_NET.to_ne_bytes());
        b[36..40].copy_from_slice(&u32::MAX.to_ne_bytes()); // loginuid
        b[40..46].copy_from_slice(b"dig\0\0\0");
        b.extend_from_slice(&(data.len() as i64 + 3).to_ne_bytes()); // res
        b.extend_from_slice(&512u64.to_ne_bytes()); // size
        b.extend_from_slice(&7i32.to_ne_bytes()); // fd
        b.extend_from_slice(&(nr as u32).to_ne_bytes());
        b.extend_from_slice(&16u16.to_ne_bytes()); // local_len
        b.extend_from_slice(&(remote.len() as u16).to_ne_bytes());
        b.extend_from_slice(&(data.len() as u16).to_ne_bytes());
        b.extend_from_slice(&(libc::SOCK_DGRAM as u16).to_ne_bytes());
        b.extend_from_slice(&(libc::IPPROTO_UDP as u16).to_ne_bytes());
        b.push(flags);
        b.extend_from_slice(&[0; 5]);
        let mut local = [0u8; rec::INET_ADDR_MAX];
        local[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        local[2..4].copy_from_slice(&40000u16.to_be_bytes());
        local[4..8].copy_from_slice(&[10, 0, 0, 5]);
        b.extend_from_slice(&local);
        let mut r = [0u8; rec::INET_ADDR_MAX];
        r[..remote.len()].copy_from_slice(remote);
        b.extend_from_slice(&r);
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn net_records_parse_from_the_bytes_the_kernel_sends() {
        let mut v4 = vec![0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[2..4].copy_from_slice(&53u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[10, 0, 0, 53]);
        let b = net_bytes(libc::SYS_sendto, rec::NF_NAME_CHANGED, &v4, &[]);
        assert_eq!(
            b.len(),
            std::mem::size_of::<rec::NetRec>() - rec::NET_DATA_MAX
        );
        let ev = parse(&b, 1_000).expect("a sendto record");
        assert_eq!((ev.tid, ev.pid, ev.time_ns), (41, 40, 5_000_001_000));
        assert_eq!(ev.comm.as_deref(), Some(&b"dig"[..]));
        assert_eq!(
            ev.kind,
            Kind::Net {
                call: NetCall::Sendto,
                fd: 7,
                res: 3,
                size: 512,
                local: Some(Addr::Inet("10.0.0.5:40000".parse().unwrap())),
                remote: Some(Addr::Inet("10.0.0.53:53".parse().unwrap())),
                connected: false,
                sock_type: libc::SOCK_DGRAM as u16,
                protocol: libc::IPPROTO_UDP as u16,
                name_changed: true,
                server: false,
                data: None,
            }
        );
        // recvmsg with data: the record ends where the data does.
        let b = net_bytes(
            libc::SYS_recvmsg,
            rec::NF_CONNECTED | rec::NF_SERVER | rec::NF_DATA,
            &v4,
            b"\xca\xfe\xba\xbe",
        );
        let Some(RawEvent {
            kind:
                Kind::Net {
                    call,
                    res,
                    connected,
                    name_changed,
                    server,
                    data,
                    ..
                },
            ..
        }) = parse(&b, 0)
        else {
            panic!("a recvmsg record");
        };
        assert_eq!(call, NetCall::Recvmsg);
        assert_eq!(res, 7);
        assert_eq!((connected, name_changed, server), (true, false, true));
        assert_eq!(data.as_deref(), Some(&b"\xca\xfe\xba\xbe"[..]));
        // Data asked for but none read (a zero-length datagram): Some(empty), not None.
        let b = net_bytes(libc::SYS_recvfrom, rec::NF_DATA, &[], &[]);
        let ev = parse(&b, 0).expect("a recvfrom record");
        assert!(matches!(
            ev.kind,
            Kind::Net { call: NetCall::Recvfrom, remote: None, data: Some(ref d), .. } if d.is_empty()
        ));
        // Cut inside the fixed part: refused.
        assert_eq!(parse(&b[..b.len() - 1], 0), None);
    }

    #[test]
    fn net_filter_words_and_their_text() {
        use NetNeed::*;
        assert_eq!(net_filter_word(&[None; 4]), 0);
        assert_eq!(net_filter_text(&[None; 4]), "");
        let need = [NameChanged, NameChanged, Data, All];
        assert_eq!(
            net_filter_word(&need),
            rec::NET_NAME
                | rec::NET_NAME << 4
                | (rec::NET_ALL | rec::NET_DATA) << 8
                | rec::NET_ALL << 12
        );
        assert_eq!(
            net_filter_text(&need),
            " (datagrams read: sendto/sendmsg name changes, recvmsg every call, recvfrom every call with data)"
        );
    }

    #[test]
    fn short_records_are_refused() {
        assert_eq!(parse(&[0u8; 10], 0), None);
        let mut b = vec![0u8; std::mem::size_of::<rec::Hdr>()];
        b[16..20].copy_from_slice(&rec::K_CONNECT.to_ne_bytes());
        assert_eq!(parse(&b, 0), None);
    }
}
