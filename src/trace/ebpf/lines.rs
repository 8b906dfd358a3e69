//! The eBPF backend's per-call stream: the records bpf/trace.bpf.c's lines programs write into
//! the `lines` ring buffer (call entries and exits with the memory their decoders read, forks,
//! execs, exits, signals), turned into the [`Sink`] calls the ptrace backend makes while a task
//! is stopped. Tasks never stop here: the records come after the fact, each with the kernel's
//! time ([`Sink::clock`]), in the order the kernel wrote them.
//!
//! What differs from ptrace by nature: a record the ring had no room for is lost (counted, and
//! the task's call in flight then ends as `= ? <unavailable>`); a signal the task ignores by
//! default (SIGCHLD) is shown after the task's next call, where a tracer would see it. `-y`
//! names fds from what the kernel recorded at the call ([`super::fdname`]), so a process gone
//! or an fd closed or reused by the time its line is printed still prints as strace prints it;
//! the few fds the records do not name (listed there) are asked of /proc when the line is
//! printed, and print bare once the fd or its process is gone.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::capture::Captured;
use crate::sys::signal::Sig;
use crate::trace::arch::Personality;
use crate::trace::backend::{ChildEnd, Notice};
use crate::trace::decode::Ret;
use crate::trace::event::{Abandoned, CallRegs, Event, FdHint, Sink, TaskEnd};
use crate::trace::stats::Completed;

/// bpf/trace.bpf.c's record kinds.
const REC_ENTER: u32 = 1;
const REC_EXIT: u32 = 2;
const REC_FORK: u32 = 3;
const REC_EXEC: u32 = 4;
const REC_END: u32 = 5;
const REC_SIGNAL: u32 = 6;

/// `flags`: records of this task were lost before this one.
const LOST_BEFORE: u32 = 1;

/// sizeof(struct lrec), sizeof(struct region).
const HDR: usize = 112;
const REGION_HDR: usize = 16;

/// A region the kernel could not read (bpf/trace.bpf.c `REGION_FAILED`).
const REGION_FAILED: u32 = 1;
/// In an exit record: an entry region read again (`REGION_RETRY`).
const REGION_RETRY: u32 = 2;
/// An fd named in the kernel (`REGION_FD`, with -y): `addr` is the fd, the bytes a struct
/// fdname (src/trace/ebpf/fdname.rs).
const REGION_FD: u32 = 4;

/// One record, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub kind: u32,
    pub tid: i32,
    pub tgid: i32,
    pub pers: u32,
    /// bpf_ktime_get_ns.
    pub ts: u64,
    pub nr: u64,
    pub a: [u64; 6],
    pub sp: u64,
    pub wall: u64,
    pub flags: u32,
    /// Fd argument 0 of a socket call: 1 no netlink socket, 2 + the protocol of one; 0 not
    /// looked at.
    pub fdinfo: u32,
    /// (address, bytes).
    pub regions: Vec<(u64, &'a [u8])>,
    /// Addresses the kernel could not read without faulting a page in.
    pub failed: Vec<u64>,
    /// In an exit record: the entry's regions read again, those the entry could not read.
    pub retried: Vec<(u64, &'a [u8])>,
    /// Fds named in the kernel (-y): (fd, struct fdname).
    pub fds: Vec<(u64, &'a [u8])>,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

/// Parses a record; None when it is shorter than it says (never from the kernel's programs).
pub fn parse(b: &[u8]) -> Option<Record<'_>> {
    if b.len() < HDR {
        return None;
    }
    let mut a = [0u64; 6];
    for (i, v) in a.iter_mut().enumerate() {
        *v = u64_at(b, 32 + 8 * i)?;
    }
    let nregions = u32_at(b, 96)?;
    let mut regions = Vec::new();
    let mut failed = Vec::new();
    let mut retried = Vec::new();
    let mut fds = Vec::new();
    let mut off = HDR;
    for _ in 0..nregions {
        let addr = u64_at(b, off)?;
        let len = u32_at(b, off + 8)? as usize;
        let mark = u32_at(b, off + 12)?;
        if mark == REGION_FAILED {
            failed.push(addr);
        } else {
            let data = b.get(off + REGION_HDR..off + REGION_HDR + len)?;
            match mark {
                REGION_RETRY => retried.push((addr, data)),
                REGION_FD => fds.push((addr, data)),
                _ => regions.push((addr, data)),
            }
        }
        off += REGION_HDR + len.div_ceil(8) * 8;
    }
    Some(Record {
        kind: u32_at(b, 0)?,
        tid: u32_at(b, 4)? as i32,
        tgid: u32_at(b, 8)? as i32,
        pers: u32_at(b, 12)?,
        ts: u64_at(b, 16)?,
        nr: u64_at(b, 24)?,
        a,
        sp: u64_at(b, 80)?,
        wall: u64_at(b, 88)?,
        flags: u32_at(b, 100)?,
        fdinfo: u32_at(b, 104)?,
        regions,
        failed,
        retried,
        fds,
    })
}

/// A call seen to enter and not yet to exit.
#[derive(Debug, Clone)]
struct InCall {
    nr: u64,
    personality: Personality,
    /// Argument 0 (an exit record carries no arguments).
    arg0: u64,
    /// The fds the entry named (-y), for the exit's decoding.
    fds: Vec<FdHint>,
}

/// Turns records into sink calls.
#[derive(Debug)]
pub struct Stream {
    /// Tasks announced to the sink ([`Event::NewTask`]).
    known: HashMap<i32, i32>,
    in_call: HashMap<i32, InCall>,
    /// Ignored signals waiting for their task's next call to end: (signal, siginfo).
    ignored: HashMap<i32, Vec<(Sig, [u8; 128])>>,
    /// The wall clock at ktime 0.
    epoch: SystemTime,
    /// Records of some task lost before a later one of it (from the records' flags).
    pub gaps: u64,
    /// Tasks followed from their fork, announced with [`Notice::Attached`].
    follow_notices: bool,
    /// The command ksec started, until its first call: the SIGCONT that let it go is ksec's,
    /// not the command's.
    spawned: Option<i32>,
    /// Entries with memory the kernel could not read yet (a string in a page the task had not
    /// touched), held until their exit, which carries it read again.
    held: HashMap<i32, Vec<u8>>,
    /// -y: the records name fds (bpf/trace.bpf.c `fd_names`).
    fd_names: bool,
}

/// The wall-clock time of ktime 0 (CLOCK_MONOTONIC, which bpf_ktime_get_ns reads).
fn ktime_epoch() -> SystemTime {
    let mono = nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(|t| Duration::new(t.tv_sec() as u64, t.tv_nsec() as u32))
        .unwrap_or_default();
    SystemTime::now()
        .checked_sub(mono)
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

impl Stream {
    pub fn new(follow_notices: bool, spawned: Option<i32>, fd_names: bool) -> Stream {
        Stream {
            known: HashMap::new(),
            in_call: HashMap::new(),
            ignored: HashMap::new(),
            epoch: ktime_epoch(),
            gaps: 0,
            follow_notices,
            spawned,
            held: HashMap::new(),
            fd_names,
        }
    }

    /// Tells the sink what the kernel named of `r`'s fds (with those of the call's entry,
    /// `entry`, at its exit); what they are.
    fn fd_hints(&self, sink: &mut dyn Sink, r: &Record<'_>, entry: &[FdHint]) -> Vec<FdHint> {
        if !self.fd_names {
            return Vec::new();
        }
        let mut hints: Vec<FdHint> = r
            .fds
            .iter()
            .map(|&(fd, b)| super::fdname::hint(fd, b))
            .collect();
        hints.extend_from_slice(entry);
        sink.fd_hints(r.tid, &hints);
        hints
    }

    fn announce(&mut self, sink: &mut dyn Sink, tid: i32, tgid: i32) {
        if let std::collections::hash_map::Entry::Vacant(v) = self.known.entry(tid) {
            v.insert(tgid);
            sink.event(Event::NewTask { tid, tgid });
        }
    }

    /// Hands `tid`'s held entry to the sink, with what `exit` read again of its memory.
    fn release(&mut self, sink: &mut dyn Sink, tid: i32, exit: Option<&Record<'_>>) {
        let Some(bytes) = self.held.remove(&tid) else {
            return;
        };
        let Some(r) = parse(&bytes) else {
            return;
        };
        let mut mem = Captured::default();
        for &(addr, data) in exit.map(|x| x.retried.as_slice()).unwrap_or_default() {
            mem.push(addr, data);
        }
        for &(addr, data) in &r.regions {
            mem.push(addr, data);
        }
        if !r.failed.is_empty() {
            mem.live(r.tid, r.failed.clone());
        }
        hint(sink, &r, r.a[0]);
        let fds = self.fd_hints(sink, &r, &[]);
        if let Some(c) = self.in_call.get_mut(&tid) {
            c.fds = fds;
        }
        sink.call_entry(&regs_of(&r), &mut mem);
    }

    fn flush_ignored(&mut self, sink: &mut dyn Sink, tid: i32) {
        for (sig, info) in self.ignored.remove(&tid).unwrap_or_default() {
            sink.signal(tid, sig, Some(&info));
        }
    }

    /// Hands one record to `sink`.
    pub fn record(
        &mut self,
        raw: &[u8],
        r: &Record<'_>,
        sink: &mut dyn Sink,
        notice: &mut dyn FnMut(Notice),
    ) {
        let tid = r.tid;
        if r.kind != REC_EXIT {
            // Whatever comes first of the task's: its held entry was all there is.
            self.release(sink, tid, None);
        }
        sink.clock(
            self.epoch + Duration::from_nanos(r.ts),
            Duration::from_nanos(r.ts),
        );
        if r.flags & LOST_BEFORE != 0 {
            self.gaps += 1;
            if self.in_call.remove(&tid).is_some() {
                sink.call_abandoned(tid, Abandoned::Unavailable);
            }
        }
        match r.kind {
            REC_ENTER => {
                if self.spawned == Some(tid) {
                    self.spawned = None;
                }
                self.announce(sink, tid, r.tgid);
                if self.in_call.remove(&tid).is_some() {
                    sink.call_abandoned(tid, Abandoned::Unavailable);
                }
                self.flush_ignored(sink, tid);
                let regs = regs_of(r);
                let personality = regs.personality;
                let mut fds = Vec::new();
                if r.failed.is_empty() {
                    let mut mem = captured(r);
                    hint(sink, r, r.a[0]);
                    fds = self.fd_hints(sink, r, &[]);
                    sink.call_entry(&regs, &mut mem);
                } else {
                    self.held.insert(tid, raw.to_vec());
                }
                self.in_call.insert(
                    tid,
                    InCall {
                        nr: r.nr,
                        personality,
                        arg0: r.a[0],
                        fds,
                    },
                );
            }
            REC_EXIT => {
                if !self.in_call.contains_key(&tid) {
                    return;
                }
                self.release(sink, tid, Some(r));
                let Some(call) = self.in_call.remove(&tid) else {
                    return;
                };
                let val = r.nr as i64;
                let is_error = (-4095..0).contains(&val);
                let mut mem = captured(r);
                hint(sink, r, call.arg0);
                self.fd_hints(sink, r, &call.fds);
                sink.call_exit(tid, Ret { val, is_error }, r.wall, &mut mem);
                sink.event(Event::Syscall {
                    tid,
                    tgid: r.tgid,
                    call: Completed {
                        personality: call.personality,
                        nr: call.nr,
                        is_error,
                        cpu_ns: r.wall,
                        wall_ns: r.wall,
                    },
                });
                self.flush_ignored(sink, tid);
            }
            REC_FORK if !self.known.contains_key(&tid) => {
                self.announce(sink, tid, r.tgid);
                if self.follow_notices {
                    notice(Notice::Attached(tid));
                }
            }
            REC_FORK => {}
            REC_EXEC => {
                let former = r.a[0] as i32;
                if former != tid {
                    // The leader, replaced by the thread that execs: its call never ends
                    // (the kernel sends no exit of it, see bpf/trace.bpf.c process_exit).
                    self.release(sink, tid, None);
                    if self.in_call.remove(&tid).is_some() {
                        sink.call_abandoned(tid, Abandoned::Exiting);
                    }
                    self.release(sink, former, None);
                    if let Some(c) = self.in_call.remove(&former) {
                        self.in_call.insert(tid, c);
                    }
                    if let Some(t) = self.known.remove(&former) {
                        self.known.insert(tid, t);
                    }
                    self.in_call.remove(&former);
                }
                self.announce(sink, tid, r.tgid);
                sink.event(Event::Exec { tid, former });
            }
            REC_END => {
                if !self.known.contains_key(&tid) {
                    return;
                }
                if self.in_call.remove(&tid).is_some() {
                    sink.call_abandoned(tid, Abandoned::Exiting);
                }
                self.flush_ignored(sink, tid);
                let code = r.a[0] as i32;
                let end = if code & 0x7f == 0 {
                    TaskEnd::Exited((code >> 8) & 0xff)
                } else {
                    TaskEnd::Killed {
                        sig: Sig::from_raw(code & 0x7f),
                        core: code & 0x80 != 0,
                    }
                };
                sink.task_end(tid, end);
                sink.event(Event::Exit { tid });
                self.known.remove(&tid);
            }
            REC_SIGNAL if self.spawned == Some(tid) => {}
            REC_SIGNAL => {
                let sig = Sig::from_raw(r.a[0] as i32);
                let info = siginfo(r);
                if r.a[1] != 0 {
                    self.ignored.entry(tid).or_default().push((sig, info));
                } else {
                    self.announce(sink, tid, r.tgid);
                    sink.signal(tid, sig, Some(&info));
                }
            }
            _ => {}
        }
    }
}

impl Stream {
    /// Tracing ended: the command ksec started ended as `end` without the kernel recording
    /// its exit (its exec failed, and the kernel stopped following it there).
    pub fn finish(&mut self, sink: &mut dyn Sink, pid: i32, end: Option<ChildEnd>) {
        self.release(sink, pid, None);
        if !self.known.contains_key(&pid) {
            return;
        }
        let end = match end {
            Some(ChildEnd::Exited(code)) => TaskEnd::Exited(code),
            Some(ChildEnd::Killed(sig)) => TaskEnd::Killed { sig, core: false },
            None => return,
        };
        if self.in_call.remove(&pid).is_some() {
            sink.call_abandoned(pid, Abandoned::Exiting);
        }
        sink.task_end(pid, end);
        sink.event(Event::Exit { tid: pid });
        self.known.remove(&pid);
    }
}

/// What the kernel found fd argument 0 to be, for the decoders (the task may be gone when its
/// line is made).
fn hint(sink: &mut dyn Sink, r: &Record<'_>, arg0: u64) {
    let family = match r.fdinfo {
        0 => return,
        1 => None,
        n => Some(i64::from(n - 2)),
    };
    sink.netlink_hint(r.tid, arg0 as i32 as i64, family);
}

fn regs_of(r: &Record<'_>) -> CallRegs {
    CallRegs {
        tid: r.tid,
        tgid: r.tgid,
        personality: if r.pers == 1 {
            Personality::Compat32
        } else {
            Personality::Native
        },
        nr: r.nr,
        args: r.a,
        sp: r.sp,
    }
}

fn captured<'a>(r: &Record<'a>) -> Captured<'a> {
    let mut m = Captured::default();
    for &(addr, bytes) in &r.regions {
        m.push(addr, bytes);
    }
    if !r.failed.is_empty() {
        m.live(r.tid, r.failed.clone());
    }
    m
}

/// The user's 128-byte siginfo of a signal record: the kernel's 48 bytes, or, for a signal
/// sent without one, what the kernel would fill in (SI_USER from a process, SI_KERNEL).
fn siginfo(r: &Record<'_>) -> [u8; 128] {
    let mut info = [0u8; 128];
    match r.regions.first() {
        Some((_, b)) => {
            let n = b.len().min(128);
            info[..n].copy_from_slice(&b[..n]);
        }
        None => {
            info[..4].copy_from_slice(&(r.a[0] as i32).to_ne_bytes());
            // SEND_SIG_PRIV (a[2] 2): SI_KERNEL; SEND_SIG_NOINFO: SI_USER (0).
            let code: i32 = if r.a[2] == 2 { 0x80 } else { 0 };
            info[8..12].copy_from_slice(&code.to_ne_bytes());
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: u32, tid: u32, nr: u64, regions: &[(u64, &[u8])]) -> Vec<u8> {
        let mut b = vec![0u8; HDR];
        b[0..4].copy_from_slice(&kind.to_ne_bytes());
        b[4..8].copy_from_slice(&tid.to_ne_bytes());
        b[8..12].copy_from_slice(&tid.to_ne_bytes());
        b[24..32].copy_from_slice(&nr.to_ne_bytes());
        b[96..100].copy_from_slice(&(regions.len() as u32).to_ne_bytes());
        b[104..108].copy_from_slice(&3u32.to_ne_bytes());
        for (addr, data) in regions {
            b.extend_from_slice(&addr.to_ne_bytes());
            b.extend_from_slice(&(data.len() as u32).to_ne_bytes());
            b.extend_from_slice(&[0; 4]);
            b.extend_from_slice(data);
            b.resize(b.len().div_ceil(8) * 8, 0);
        }
        b
    }

    #[test]
    fn records_parse_with_their_regions() {
        let b = rec(
            REC_EXIT,
            7,
            (-2i64) as u64,
            &[(0x10, b"abc"), (0x20, b"0123456789")],
        );
        let r = parse(&b).expect("parses");
        assert_eq!((r.kind, r.tid, r.nr as i64, r.fdinfo), (REC_EXIT, 7, -2, 3));
        assert_eq!(
            r.regions,
            vec![(0x10, &b"abc"[..]), (0x20, &b"0123456789"[..])]
        );
        // Cut short: refused, not read past the end.
        assert_eq!(parse(&b[..b.len() - 8]), None);
        assert_eq!(parse(&b[..50]), None);
    }

    #[test]
    fn a_signal_without_siginfo_gets_the_kernels_defaults() {
        let mut b = rec(REC_SIGNAL, 7, 0, &[]);
        b[32..40].copy_from_slice(&15u64.to_ne_bytes());
        b[48..56].copy_from_slice(&2u64.to_ne_bytes());
        let info = siginfo(&parse(&b).expect("parses"));
        assert_eq!(i32::from_ne_bytes(info[..4].try_into().unwrap()), 15);
        assert_eq!(i32::from_ne_bytes(info[8..12].try_into().unwrap()), 0x80);
    }
}
