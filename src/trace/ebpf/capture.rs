//! What the eBPF backend's per-call records carry of tracee memory: for each decoded syscall,
//! the strings, buffers and structs its decoder (src/trace/decode/) reads at entry and at exit,
//! as rows of bpf/trace.bpf.c's `specs` map. The kernel reads them while the call is at its entry
//! or exit, into the record; the reader hands the decoder a [`Captured`] memory made of them, so
//! a decoder runs unchanged over ptrace's live memory or over a record.
//!
//! Sizes follow what the decoders read: paths up to PATH_MAX, strings and buffers up to `-s`
//! bytes and one more (the `...` test), argv up to `-s` elements (all with `-v`), structs their
//! size, sendmmsg/recvmmsg's first `-s` messages (64 with -v). Memory a row does not name reads as unreadable,
//! so its decoder prints the address (mincore's vector: not captured).
#![forbid(unsafe_code)]

use crate::sys::bpf::{Item, Spec};
use crate::trace::decode::{Memory, PATH_MAX};

const ENTRY: u8 = 1;
const EXIT: u8 = 2;
/// With ENTRY or EXIT: on a netlink socket (fd argument 0) the whole buffer, up to a region:
/// netlink messages are decoded in full, whatever `-s` says.
const NETLINK: u8 = 4;

/// bpf/trace.bpf.c's capture kinds.
mod kind {
    pub const STR: u8 = 1;
    pub const FIXED: u8 = 2;
    pub const BUF: u8 = 3;
    pub const RET: u8 = 4;
    pub const ARR: u8 = 5;
    pub const LENP: u8 = 6;
    pub const IOV: u8 = 7;
    pub const STRV: u8 = 8;
    pub const PTRS: u8 = 9;
    pub const MSG: u8 = 10;
    pub const DEREF: u8 = 11;
    pub const IOCTL: u8 = 12;
    pub const MMSG: u8 = 13;
}

/// The most bytes of one region (bpf/trace.bpf.c `RMAX` - 1).
pub const REGION_MAX: usize = 8191;

/// The largest `-s` the eBPF records can serve (a string and the byte after it in one region).
pub const STRING_LIMIT_MAX: usize = REGION_MAX - 1;

/// `arg` naming the stack pointer.
const SP: u8 = 6;

fn item(when: u8, kind: u8, arg: u8, arg2: u8, cap: usize, elem: i16) -> Item {
    // K_RET is read in up to three regions; everything else in one.
    let most = if kind == kind::RET {
        3 * REGION_MAX
    } else {
        REGION_MAX
    };
    Item {
        when,
        kind,
        arg,
        arg2,
        cap: cap.min(most) as u16,
        elem,
    }
}

/// A path (or a name) at argument `a`.
fn path(a: u8) -> Item {
    item(ENTRY, kind::STR, a, 0, PATH_MAX, 0)
}

/// A struct of `size` bytes at argument `a`. At least 128 bytes are read: decoders read what
/// strace reads, which may be more than the kernel's struct (sigaction: 88 bytes of 32); a
/// read that runs into an unmapped page keeps the part before it.
fn fixed(when: u8, a: u8, size: usize) -> Item {
    item(when, kind::FIXED, a, 0, size.max(128), 0)
}

/// The syscall's capture list, for strings cut at `limit` bytes; None when nothing is read
/// (no pointer arguments, or no decoder).
pub fn items(name: &str, limit: usize, verbose: bool) -> Vec<Item> {
    // Buffers: `-s` bytes and the one after; strings one more, for the NUL the kernel's
    // string read always writes.
    let s = limit + 1;
    let sz = limit + 2;
    let (e, x) = (ENTRY, EXIT);
    use kind::*;
    let sockaddr = 128;
    match name {
        "open" | "creat" | "access" | "chdir" | "chroot" | "acct" | "unlink" | "rmdir"
        | "mkdir" | "chmod" | "chown" | "lchown" | "truncate" | "mknod" => vec![path(0)],
        "openat" | "faccessat" | "faccessat2" | "unlinkat" | "mkdirat" | "fchmodat"
        | "fchownat" | "mknodat" | "inotify_add_watch" => vec![path(1)],
        "openat2" => vec![path(1), item(e, BUF, 2, 3, 64, 0)],
        "readlink" => vec![path(0), item(x, RET, 1, 0, s, 1)],
        "readlinkat" => vec![path(1), item(x, RET, 2, 0, s, 1)],
        // Up to three regions' worth (the kernel reads K_RET in pieces).
        "getdents64" | "getdents" => vec![item(x, RET, 1, 0, 3 * REGION_MAX, 1)],
        "rename" | "link" | "symlink" => vec![path(0), path(1)],
        "renameat" | "renameat2" | "linkat" => vec![path(1), path(3)],
        "symlinkat" => vec![path(0), path(2)],
        "getcwd" => vec![item(x, RET, 0, 0, PATH_MAX, 1)],
        "pipe" | "pipe2" => vec![fixed(x, 0, 8)],
        "utimensat" => vec![path(1), fixed(e, 2, 32)],
        "stat" | "lstat" => vec![path(0), fixed(x, 1, 144)],
        "fstat" => vec![fixed(x, 1, 144)],
        "newfstatat" => vec![path(1), fixed(x, 2, 144)],
        "statx" => vec![path(1), fixed(x, 4, 256)],
        "statfs" => vec![path(0), fixed(x, 1, 120)],
        "fstatfs" => vec![fixed(x, 1, 120)],
        "read" | "pread64" => vec![item(x, RET, 1, 0, s, 1)],
        "write" | "pwrite64" => vec![item(e, BUF, 1, 2, s, 0)],
        "readv" | "preadv" | "preadv2" => vec![item(x, IOV, 1, 2, s, 0)],
        "writev" | "pwritev" | "pwritev2" => vec![item(e, IOV, 1, 2, s, 0)],
        "sendfile" => vec![fixed(e, 2, 8), fixed(x, 2, 8)],
        "copy_file_range" | "splice" => {
            vec![
                fixed(e, 1, 8),
                fixed(e, 3, 8),
                fixed(x, 1, 8),
                fixed(x, 3, 8),
            ]
        }
        "poll" => vec![
            item(e, ARR, 0, 1, REGION_MAX, 8),
            item(x, ARR, 0, 1, REGION_MAX, 8),
        ],
        "ppoll" => vec![
            item(e, ARR, 0, 1, REGION_MAX, 8),
            fixed(e, 2, 16),
            fixed(e, 3, 8),
            item(x, ARR, 0, 1, REGION_MAX, 8),
            fixed(x, 2, 16),
        ],
        "select" => vec![
            fixed(e, 1, 128),
            fixed(e, 2, 128),
            fixed(e, 3, 128),
            fixed(e, 4, 16),
            fixed(x, 1, 128),
            fixed(x, 4, 16),
        ],
        "pselect6" => vec![
            fixed(e, 1, 128),
            fixed(e, 2, 128),
            fixed(e, 4, 16),
            fixed(e, 5, 16),
            item(e, DEREF, 5, 0, 8, 0),
            fixed(x, 1, 128),
        ],
        "epoll_ctl" => vec![fixed(e, 3, 12)],
        "epoll_wait" => vec![item(x, RET, 1, 0, REGION_MAX, 12)],
        "epoll_pwait" => vec![fixed(e, 4, 8), item(x, RET, 1, 0, REGION_MAX, 12)],
        "epoll_pwait2" => vec![
            fixed(e, 3, 16),
            fixed(e, 4, 8),
            item(x, RET, 1, 0, REGION_MAX, 12),
        ],
        "timerfd_settime" => vec![fixed(e, 2, 32), fixed(x, 3, 32)],
        "timerfd_gettime" => vec![fixed(x, 1, 32)],
        "ioctl" => vec![item(e, IOCTL, 2, 0, 64, 0), item(x, IOCTL, 2, 0, 64, 0)],
        "fcntl" => vec![fixed(e, 2, 32), fixed(x, 2, 32)],
        "execve" | "execveat" => {
            let at = u8::from(name == "execveat");
            let n = if verbose { 64 } else { limit.min(64) as i16 };
            let env = if verbose {
                item(e, STRV, at + 2, 0, sz, 64)
            } else {
                item(e, PTRS, at + 2, 0, REGION_MAX, 0)
            };
            vec![path(at), item(e, STRV, at + 1, 0, sz, n), env]
        }
        "clone" => vec![fixed(x, 2, 4), fixed(x, 3, 4)],
        "clone3" => vec![
            item(e, BUF, 0, 1, 88, 0),
            item(x, BUF, 0, 1, 88, 0),
            item(x, DEREF, 0, 0, 4, 8),
            item(x, DEREF, 0, 0, 4, 16),
            item(x, DEREF, 0, 0, 4, 24),
        ],
        "wait4" => vec![fixed(x, 1, 4), fixed(x, 3, 144)],
        "waitid" => vec![fixed(x, 2, 128), fixed(x, 4, 144)],
        "prctl" => vec![
            item(e, STR, 1, 0, 16, 0),
            fixed(e, 2, 16),
            item(e, DEREF, 2, 0, REGION_MAX, 8),
            fixed(x, 1, 16),
        ],
        "arch_prctl" => vec![fixed(x, 1, 8)],
        "prlimit64" => vec![fixed(e, 2, 16), fixed(x, 3, 16)],
        "getrlimit" => vec![fixed(x, 1, 16)],
        "setrlimit" => vec![fixed(e, 1, 16)],
        "capget" => vec![fixed(e, 0, 8), fixed(x, 0, 8), fixed(x, 1, 24)],
        "capset" => vec![fixed(e, 0, 8), fixed(e, 1, 24)],
        "seccomp" => vec![fixed(e, 2, 16), item(e, DEREF, 2, 0, REGION_MAX, 8)],
        "rt_sigaction" => vec![fixed(e, 1, 32), fixed(x, 2, 32)],
        "rt_sigprocmask" => vec![fixed(e, 1, 8), fixed(x, 2, 8)],
        "rt_sigsuspend" | "signalfd" | "signalfd4" => {
            vec![fixed(e, if name == "rt_sigsuspend" { 0 } else { 1 }, 8)]
        }
        "rt_sigpending" => vec![fixed(x, 0, 8)],
        "rt_sigtimedwait" => vec![fixed(e, 0, 8), fixed(e, 2, 16), fixed(x, 1, 128)],
        "rt_sigqueueinfo" | "pidfd_send_signal" => vec![fixed(e, 2, 128)],
        "rt_tgsigqueueinfo" => vec![fixed(e, 3, 128)],
        "sigaltstack" => vec![fixed(e, 0, 24), fixed(x, 1, 24)],
        // The frame's signal mask (decode::signal::rt_sigreturn_arg).
        "rt_sigreturn" => vec![item(e, FIXED, SP, 0, 8, 296)],
        "socketpair" => vec![fixed(x, 3, 8)],
        "bind" | "connect" => vec![item(e, BUF, 1, 2, sockaddr, 0)],
        "accept" | "accept4" | "getsockname" | "getpeername" => {
            vec![fixed(e, 2, 4), item(x, LENP, 1, 2, sockaddr, 0)]
        }
        "sendto" => vec![
            item(e | NETLINK, BUF, 1, 2, s, 0),
            item(e, BUF, 4, 5, sockaddr, 0),
        ],
        "recvfrom" => vec![
            fixed(e, 5, 4),
            item(x | NETLINK, RET, 1, 0, s, 1),
            item(x, LENP, 4, 5, sockaddr, 0),
        ],
        "sendmsg" => vec![item(e | NETLINK, MSG, 1, 0, s, 0)],
        "recvmsg" => vec![
            item(e | NETLINK, MSG, 1, 0, s, 0),
            item(x | NETLINK, MSG, 1, 0, s, 0),
        ],
        // Messages as the decoder prints them: `-s` of them, with -v up to 64 (the kernel's
        // loop bound).
        "sendmmsg" | "recvmmsg" | "recvmmsg_time64" => {
            let n = if verbose { 64 } else { limit.min(64) as i16 };
            let mut v = vec![item(e, MMSG, 1, 2, s, n), item(x, MMSG, 1, 2, s, n)];
            if name != "sendmmsg" {
                v.extend([fixed(e, 4, 16), fixed(x, 4, 16)]);
            }
            v
        }
        "setsockopt" => vec![item(e, BUF, 3, 4, 256, 0)],
        "getsockopt" => vec![fixed(e, 4, 4), item(x, LENP, 3, 4, 256, 0)],
        "futex" => vec![fixed(e, 3, 16)],
        "nanosleep" => vec![fixed(e, 0, 16), fixed(x, 1, 16)],
        "clock_nanosleep" => vec![fixed(e, 2, 16), fixed(x, 3, 16)],
        "clock_gettime" | "clock_getres" => vec![fixed(x, 1, 16)],
        "clock_settime" => vec![fixed(e, 1, 16)],
        "gettimeofday" => vec![fixed(x, 0, 16), fixed(x, 1, 8)],
        "settimeofday" => vec![fixed(e, 0, 16), fixed(e, 1, 8)],
        "time" => vec![fixed(x, 0, 8)],
        "getrandom" => vec![item(x, RET, 0, 0, s, 1)],
        "uname" => vec![fixed(x, 0, 390)],
        "sysinfo" => vec![fixed(x, 0, 112)],
        "getresuid" | "getresgid" => vec![fixed(x, 0, 4), fixed(x, 1, 4), fixed(x, 2, 4)],
        "getgroups" => vec![item(x, RET, 1, 0, REGION_MAX, 4)],
        "setgroups" => vec![item(e, ARR, 1, 0, REGION_MAX, 4)],
        "sched_getaffinity" => vec![item(x, RET, 2, 0, 128, 1)],
        "sched_setaffinity" => vec![item(e, BUF, 2, 1, 128, 0)],
        "times" => vec![fixed(x, 0, 32)],
        "getrusage" => vec![fixed(x, 1, 144)],
        _ => Vec::new(),
    }
}

/// The `specs` row of a capture list (at most six items; more are cut, and the unit tests say
/// none has more).
pub fn spec(items: &[Item]) -> Spec {
    let mut s = Spec::default();
    for (slot, it) in s.items.iter_mut().zip(items) {
        *slot = *it;
    }
    s
}

/// Tracee memory as a record carries it: regions at addresses. A read is served from the
/// region holding `addr` with the most bytes from there; memory no region holds reads as
/// unreadable (0 bytes), as an unmapped page does, except where the kernel said it could not
/// read a region without faulting its page in (a string constant in a page the task has not
/// touched yet): those are read from the live task, when the record is handled.
#[derive(Debug, Default)]
pub struct Captured<'a> {
    regions: Vec<(u64, &'a [u8])>,
    /// The task, and the region addresses to read from it.
    live: Option<(crate::sys::mem::TraceeMem, Vec<u64>)>,
}

impl<'a> Captured<'a> {
    /// Adds a region.
    pub fn push(&mut self, addr: u64, bytes: &'a [u8]) {
        self.regions.push((addr, bytes));
    }

    /// Reads starting at one of `addrs` come from task `tid`'s memory.
    pub fn live(&mut self, tid: i32, addrs: Vec<u64>) {
        self.live = Some((crate::sys::mem::TraceeMem::new(tid), addrs));
    }
}

impl Memory for Captured<'_> {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        let best = self
            .regions
            .iter()
            .filter(|(at, b)| addr >= *at && addr - *at < b.len() as u64)
            .map(|(at, b)| &b[(addr - at) as usize..])
            .max_by_key(|rest| rest.len());
        match best {
            Some(rest) => {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                if n < buf.len() {
                    // A region read in pieces goes on in the next one.
                    return n + self.read(addr + n as u64, &mut buf[n..]);
                }
                n
            }
            None => match &mut self.live {
                // A string is read page by page: the reads after the first go on from it.
                Some((mem, addrs)) if addrs.iter().any(|&a| addr >= a && addr - a < 4096 * 2) => {
                    mem.read(addr, buf)
                }
                _ => 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::arch::Personality;

    #[test]
    fn no_syscall_needs_more_than_six_items() {
        let end = crate::trace::syscalls::end(Personality::Native);
        for nr in 0..end {
            let Some(name) = Personality::Native.syscall_name(nr) else {
                continue;
            };
            for verbose in [false, true] {
                let n = items(name, 32, verbose).len();
                assert!(n <= 6, "{name}: {n} items");
            }
        }
    }

    #[test]
    fn every_decoded_call_reading_memory_has_a_row() {
        // The decoders that take pointers all appear above; a few read nothing (mmap, dup...).
        for name in [
            "openat",
            "read",
            "write",
            "execve",
            "connect",
            "newfstatat",
            "wait4",
        ] {
            assert!(!items(name, 32, false).is_empty(), "{name}");
            assert!(crate::trace::decode::lookup(name).is_some(), "{name}");
        }
        assert!(items("getpid", 32, false).is_empty());
    }

    #[test]
    fn captured_reads_come_from_the_longest_region_and_stop_at_its_end() {
        let (a, b) = (b"hello\0".to_vec(), b"he".to_vec());
        let mut m = Captured::default();
        m.push(0x1000, &b);
        m.push(0x1000, &a);
        let mut buf = [0u8; 16];
        assert_eq!(m.read(0x1001, &mut buf), 5);
        assert_eq!(&buf[..5], b"ello\0");
        assert_eq!(m.read(0x1006, &mut buf), 0);
        assert_eq!(m.read(0xfff, &mut buf), 0);
        // Adjacent regions (a buffer read in pieces) read as one.
        let more = b"world".to_vec();
        m.push(0x1006, &more);
        assert_eq!(m.read(0x1004, &mut buf), 7);
        assert_eq!(&buf[..7], b"o\0world");
    }

    #[test]
    fn strings_get_one_byte_past_the_limit_and_paths_path_max() {
        let it = items("write", 32, false);
        assert_eq!((it[0].kind, it[0].cap), (kind::BUF, 33));
        let it = items("openat", 32, false);
        assert_eq!((it[0].arg, it[0].cap), (1, PATH_MAX as u16));
        // Without -v the environment is only counted: its pointers, no strings.
        let it = items("execve", 32, false);
        assert_eq!(it[2].kind, kind::PTRS);
        assert_eq!(items("execve", 32, true)[2].kind, kind::STRV);
    }
}
