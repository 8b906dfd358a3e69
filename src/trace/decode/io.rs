//! Decoders of the io family (see [`super`] for how a decoder works), as strace 6.1's `io.c`,
//! `poll.c`, `desc.c` (select), `epoll.c`, `eventfd.c`, `inotify.c`, `sendfile.c`: read and
//! write and their vector and positioned forms (buffers as strings, a read's at exit cut to
//! what it returned), sendfile, splice, poll and select (with the ready fds in the return's
//! note), epoll, eventfd, timerfd and inotify. Also the helpers the family's structs need:
//! strace's `print_array` (`array`) and signal sets read from the tracee (`sigset`).
#![forbid(unsafe_code)]

use super::misc::{timespec, timeval};
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    Some(match name {
        "read" => read,
        "write" => write,
        "pread64" => pread,
        "pwrite64" => pwrite,
        "readv" => readv,
        "writev" => writev,
        "preadv" => preadv,
        "pwritev" => pwritev,
        "preadv2" => preadv,
        "pwritev2" => pwritev,
        "sendfile" => sendfile,
        "copy_file_range" => copy_file_range,
        "splice" => splice,
        "tee" => tee,
        "poll" => poll,
        "ppoll" => ppoll,
        "select" => select,
        "pselect6" => select,
        "epoll_create" => epoll_create,
        "epoll_create1" => epoll_create1,
        "epoll_ctl" => epoll_ctl,
        "epoll_wait" => epoll_wait,
        "epoll_pwait" => epoll_wait,
        "epoll_pwait2" => epoll_wait,
        "eventfd" => eventfd,
        "eventfd2" => eventfd,
        "timerfd_create" => timerfd_create,
        "timerfd_settime" => timerfd_settime,
        "timerfd_gettime" => timerfd_gettime,
        "inotify_init" => inotify_init,
        "inotify_init1" => inotify_init,
        "inotify_add_watch" => inotify_add_watch,
        "inotify_rm_watch" => inotify_rm_watch,
        _ => return None,
    })
}

// --- Shared helpers. ---

/// strace's `printstrn`: `len` bytes at `addr` as a string cut at `-s`; `NULL`; the address
/// when unreadable.
pub(crate) fn strn(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    c.buf(addr, len)
}

/// strace's `print_array`: `n` elements of `size` bytes at `addr`, each printed by `f`:
/// `NULL`, `[]`, `[a, b, ...]` (cut at `-s` elements unless `-v`), the address when the first
/// element cannot be read, `[a, ... /* 0x... */]` when a later one cannot. `fetch_on_error`:
/// read the elements even when the call failed (strace's `tfetch_mem_ignore_syserror`); else
/// a failed call's array prints as its address.
pub(crate) fn array(
    c: &mut Ctx<'_>,
    addr: u64,
    n: u64,
    size: usize,
    fetch_on_error: bool,
    mut f: impl FnMut(&mut Ctx<'_>, &[u8]) -> Value,
) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    if n == 0 {
        return Value::array(Vec::new());
    }
    let total = n.checked_mul(size as u64);
    if total.is_none_or(|t| addr.checked_add(t).is_none()) {
        return Value::Ptr(addr);
    }
    let limit = c.opts.string_limit as u64;
    let shown = if !c.opts.verbose && limit < n {
        limit
    } else {
        n
    };
    let mut items = Vec::new();
    let mut more = false;
    for i in 0..n {
        let at = addr + i * size as u64;
        let bytes = if c.failed() && !fetch_on_error {
            None
        } else {
            c.read(at, size)
        };
        let Some(bytes) = bytes else {
            if i == 0 {
                return Value::Ptr(addr);
            }
            items.push(Value::Comment(
                Box::new(Value::sym("...")),
                format!("{at:#x}"),
            ));
            break;
        };
        if i >= shown {
            more = true;
            break;
        }
        items.push(f(c, &bytes));
    }
    Value::Array { items, more }
}

/// strace's `printflags`: the names of the bits `table` names and the rest in hex
/// (`O_RDONLY|0x400000`); a value none of whose bits has a name in hex with the `unknown`
/// comment (`0x20 /* MS_??? */`).
pub(crate) fn flags(v: u64, table: &Table, unknown: &str) -> Value {
    let names = xlat::flag_names(v, table);
    if v != 0 && names.len() == 1 && names[0].starts_with("0x") {
        return Value::Comment(Box::new(Value::Hex(v)), unknown.to_string());
    }
    Value::Flags(names)
}

/// A native `u64` from `b` at byte `off`.
pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_ne_bytes)
        .unwrap_or(0)
}

/// A native `u32` from `b` at byte `off`.
pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_ne_bytes)
        .unwrap_or(0)
}

/// The kernel's sigset size in bytes (strace's NSIG_BYTES on x86_64).
const NSIG_BYTES: u64 = 8;

/// A signal mask's bits as strace's `sprintsigmask_n` prints them: `[INT USR1]`, or when
/// two thirds or more of the bits are set, `~[...]` of those that are not.
pub(crate) fn sigmask(bytes: &[u8]) -> Value {
    let words = bytes.len().div_ceil(4);
    let mut mask: Vec<u32> = (0..words).map(|w| u32_at_padded(bytes, w * 4)).collect();
    let set: u32 = mask.iter().map(|w| w.count_ones()).sum();
    let complement = set as usize >= words * 32 * 2 / 3;
    if complement {
        for w in &mut mask {
            *w = !*w;
        }
    }
    let mut names = Vec::new();
    for bit in 0..words * 32 {
        if mask[bit / 32] & (1 << (bit % 32)) != 0 {
            let sig = bit as i32 + 1;
            names.push(match super::signal::name(sig) {
                Some(n) => n.trim_start_matches("SIG").to_string(),
                None => sig.to_string(),
            });
        }
    }
    Value::SigSet { complement, names }
}

fn u32_at_padded(b: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    for (i, x) in w.iter_mut().enumerate() {
        *x = b.get(off + i).copied().unwrap_or(0);
    }
    u32::from_ne_bytes(w)
}

/// strace's `print_sigset_addr_len`: the signal set of `len` bytes at `addr`; the address
/// when `len` is not a sigset's size, or it cannot be read (or the call failed, at exit).
pub(crate) fn sigset(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    sigset_any(c, addr, len)
}

/// [`sigset`] read even when the call failed (an entry argument printed at exit).
fn sigset_any(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if !(8..=NSIG_BYTES).contains(&len) {
        return Value::Ptr(addr);
    }
    match c.read(addr, len as usize) {
        Some(b) => sigmask(&b),
        None => Value::Ptr(addr),
    }
}

/// The return is an fd (`-y` decorates it).
fn rval_fd(c: &mut Ctx<'_>) -> Step {
    c.rval(Rval::Fd);
    Step::Done
}

// --- read, write. ---

/// `read(3, "root:x:0:0"..., 4096) = 1024`: the buffer at exit, cut to the return.
fn read(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    out_buf(c, 1);
    let n = c.ulong_arg(2);
    c.arg(n);
    Step::Done
}

/// A read's buffer (argument `i`) at exit: the address when the call failed, else the bytes
/// it returned.
fn out_buf(c: &mut Ctx<'_>, i: usize) {
    let v = match c.rval_ok() {
        Some(n) => strn(c, c.args[i], n as u64),
        None => Value::Ptr(c.args[i]),
    };
    c.arg(v);
}

/// `write(1, "hi\n", 3) = 3`.
fn write(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let b = strn(c, c.args[1], c.args[2]);
    c.arg(b);
    let n = c.ulong_arg(2);
    c.arg(n);
    Step::Done
}

/// `pread64(3, "abc", 10, 100) = 3`.
fn pread(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    out_buf(c, 1);
    let n = c.ulong_arg(2);
    c.arg(n);
    c.arg(Value::Int(c.long(3)));
    Step::Done
}

/// `pwrite64(3, "abc", 3, 100) = 3`.
fn pwrite(c: &mut Ctx<'_>) -> Step {
    write(c);
    c.arg(Value::Int(c.long(3)));
    Step::Done
}

// --- Vectors. ---

/// An iovec array: `[{iov_base="ab", iov_len=2}, ...]`. `data`: the most bytes shown in all
/// (a read's return; None: each element whole); `addrs`: the bases as addresses (a failed
/// read).
fn iovec(c: &mut Ctx<'_>, addr: u64, n: u64, data: Option<u64>, addrs: bool) -> Value {
    let mut left = data;
    array(c, addr, n, 16, true, |c, b| {
        let base = u64_at(b, 0);
        let len = u64_at(b, 8);
        let shown = match &mut left {
            Some(l) => {
                let s = len.min(*l);
                *l -= s;
                s
            }
            None => len,
        };
        let base_v = if addrs {
            Value::Ptr(base)
        } else {
            strn(c, base, shown)
        };
        Value::fields(vec![("iov_base", base_v), ("iov_len", Value::Uint(len))])
    })
}

/// A read's iovec array (arguments 1 and 2) at exit.
fn out_iovec(c: &mut Ctx<'_>) {
    let v = match c.rval_ok() {
        Some(n) => iovec(c, c.args[1], c.args[2], Some(n as u64), false),
        None => iovec(c, c.args[1], c.args[2], None, true),
    };
    c.arg(v);
    let n = c.ulong_arg(2);
    c.arg(n);
}

/// `readv(3, [{iov_base="abc", iov_len=3}], 1) = 3`.
fn readv(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    out_iovec(c);
    Step::Done
}

/// `writev(1, [{iov_base="ab", iov_len=2}], 1) = 2`.
fn writev(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let v = iovec(c, c.args[1], c.args[2], None, false);
    c.arg(v);
    let n = c.ulong_arg(2);
    c.arg(n);
    Step::Done
}

/// preadv2's and pwritev2's flags (linux/fs.h).
const RWF_FLAGS: &Table = crate::xlat![RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND];

/// The offset and, for the `*v2` forms, the flags.
fn offset_flags(c: &mut Ctx<'_>) {
    c.arg(Value::Int(c.long(3)));
    let name = c.personality.syscall_name(c.nr).unwrap_or("");
    if name.ends_with('2') {
        c.arg(flags(c.args[5], RWF_FLAGS, "RWF_???"));
    }
}

/// `preadv(3, [...], 2, 5) = 13`, `preadv2(3, [...], 2, 5, RWF_NOWAIT) = 13`.
fn preadv(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    out_iovec(c);
    offset_flags(c);
    Step::Done
}

/// `pwritev(3, [...], 2, 5) = 6`, `pwritev2(3, [...], 2, 5, RWF_DSYNC) = 6`.
fn pwritev(c: &mut Ctx<'_>) -> Step {
    writev(c);
    offset_flags(c);
    Step::Done
}

// --- sendfile, copy_file_range, splice, tee. ---

/// strace's `printnum_int64`: `[5]`, `NULL`, or the address.
fn num64(c: &mut Ctx<'_>, addr: u64, signed: bool) -> Value {
    if addr == 0 || c.failed() {
        return Value::Ptr(addr);
    }
    match c.read_u64(addr) {
        Some(v) if signed => Value::boxed(Value::Int(v as i64)),
        Some(v) => Value::boxed(Value::Uint(v)),
        None => Value::Ptr(addr),
    }
}

/// `sendfile(4, 5, [2] => [5], 3) = 3`: the offset is value-result.
fn sendfile(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let out = c.fd_arg(0);
        c.arg(out);
        let inf = c.fd_arg(1);
        c.arg(inf);
        let off = num64(c, c.args[2], false);
        if matches!(off, Value::Ptr(_)) || c.args[3] == 0 {
            c.arg(off);
            let n = c.ulong_arg(3);
            c.arg(n);
            return Step::Done;
        }
        // The offset prints at exit, with what the call made of it.
        c.state.saved[0] = c.read_u64(c.args[2]).unwrap_or(0);
        return Step::Exit;
    }
    let before = Value::boxed(Value::Uint(c.state.saved[0]));
    let off = match c.rval_ok() {
        Some(n) if n != 0 => Value::InOut(Box::new(before), Box::new(num64(c, c.args[2], false))),
        _ => before,
    };
    c.arg(off);
    let n = c.ulong_arg(3);
    c.arg(n);
    Step::Done
}

/// `copy_file_range(5, [0], 5, [200], 4, 0) = 4`.
fn copy_file_range(c: &mut Ctx<'_>) -> Step {
    let a = c.fd_arg(0);
    c.arg(a);
    let o = num64(c, c.args[1], true);
    c.arg(o);
    let b = c.fd_arg(2);
    c.arg(b);
    let o = num64(c, c.args[3], true);
    c.arg(o);
    let n = c.ulong_arg(4);
    c.arg(n);
    let f = c.uint_arg(5);
    c.arg(f);
    Step::Done
}

/// splice's and tee's flags (linux/splice.h).
const SPLICE_FLAGS: &Table = crate::xlat![
    SPLICE_F_MOVE,
    SPLICE_F_NONBLOCK,
    SPLICE_F_MORE,
    SPLICE_F_GIFT
];

/// `splice(3, NULL, 5, [204], 3, SPLICE_F_MOVE) = 3`.
fn splice(c: &mut Ctx<'_>) -> Step {
    let a = c.fd_arg(0);
    c.arg(a);
    let o = num64(c, c.args[1], true);
    c.arg(o);
    let b = c.fd_arg(2);
    c.arg(b);
    let o = num64(c, c.args[3], true);
    c.arg(o);
    let n = c.ulong_arg(4);
    c.arg(n);
    c.arg(flags(c.uint(5) as u64, SPLICE_FLAGS, "SPLICE_F_???"));
    Step::Done
}

/// `tee(3, 13, 2, SPLICE_F_NONBLOCK) = 2`.
fn tee(c: &mut Ctx<'_>) -> Step {
    let a = c.fd_arg(0);
    c.arg(a);
    let b = c.fd_arg(1);
    c.arg(b);
    let n = c.ulong_arg(2);
    c.arg(n);
    c.arg(flags(c.uint(3) as u64, SPLICE_FLAGS, "SPLICE_F_???"));
    Step::Done
}

// --- poll, select. ---

/// asm-generic/poll.h: not in libc.
const POLLWRNORM: u64 = 0x100;
/// asm-generic/poll.h (x86: 0x200).
const POLLWRBAND: u64 = 0x200;
/// asm-generic/poll.h (x86: 0x400).
const POLLMSG: u64 = 0x400;
/// asm-generic/poll.h (x86: 0x1000).
const POLLREMOVE: u64 = 0x1000;
/// linux/eventpoll.h.
const POLL_BUSY_LOOP: u64 = 0x8000;

/// poll's events (strace's pollflags, in its order).
const POLL_FLAGS: &Table = crate::xlat![
    POLLIN,
    POLLPRI,
    POLLOUT,
    POLLERR,
    POLLHUP,
    POLLNVAL,
    POLLRDNORM,
    POLLRDBAND,
    (POLLWRNORM, "POLLWRNORM"),
    (POLLWRBAND, "POLLWRBAND"),
    (POLLMSG, "POLLMSG"),
    (POLLREMOVE, "POLLREMOVE"),
    POLLRDHUP,
    (POLL_BUSY_LOOP, "POLL_BUSY_LOOP"),
];

/// The pollfd array and nfds (at entry).
fn pollfds(c: &mut Ctx<'_>) {
    let n = c.uint(1) as u64;
    let v = array(c, c.args[0], n, 8, false, |c, b| {
        let fd = u32_at(b, 0) as i32;
        let mut fields = vec![("fd", c.fd(fd as i64))];
        if fd >= 0 {
            let ev = u32_at(b, 4) as u16;
            fields.push(("events", flags(ev as u64, POLL_FLAGS, "POLL???")));
        }
        Value::fields(fields)
    });
    c.arg(v);
    c.arg(Value::Uint(n));
}

/// The note of a poll at exit: `Timeout`, the fds with events (`[{fd=3, revents=POLLIN}]`),
/// and for ppoll the time left.
fn poll_note(c: &mut Ctx<'_>, ts: Option<u64>) {
    let Some(r) = c.rval_ok() else {
        return;
    };
    if r == 0 {
        c.note(Value::sym("Timeout"));
        return;
    }
    let n = c.uint(1) as u64;
    let start = c.args[0];
    let mut parts: Vec<Value> = Vec::new();
    let mut list: Option<Vec<Value>> = None;
    let max = if c.opts.verbose {
        u64::MAX
    } else {
        c.opts.string_limit as u64
    };
    if start != 0 && n != 0 && start.checked_add(n * 8).is_some() {
        let mut printed = 0u64;
        for i in 0..n {
            let at = start + i * 8;
            let Some(b) = c.read(at, 8) else {
                list.get_or_insert_with(Vec::new).push(Value::Hex(at));
                break;
            };
            let revents = u32_at(&b, 4) >> 16;
            if revents == 0 {
                continue;
            }
            let items = list.get_or_insert_with(Vec::new);
            if printed >= max {
                items.push(Value::sym("..."));
                break;
            }
            let fd = u32_at(&b, 0) as i32;
            items.push(Value::fields(vec![
                ("fd", Value::Int(fd as i64)),
                ("revents", xlat::flags(revents as u64, POLL_FLAGS)),
            ]));
            printed += 1;
        }
    }
    if let Some(items) = list {
        parts.push(Value::array(items));
    }
    if let Some(ts) = ts {
        parts.push(Value::Named("left", Box::new(timespec(c, ts))));
    }
    set_note(c, parts);
}

/// A note of several parts, joined as strace joins them: `[...], left {...}`.
fn set_note(c: &mut Ctx<'_>, parts: Vec<Value>) {
    if parts.is_empty() {
        return;
    }
    if parts.len() == 1 && !matches!(parts[0], Value::Named(..)) {
        let v = parts
            .into_iter()
            .next()
            .unwrap_or(Value::Raw(String::new()));
        c.note(v);
        return;
    }
    // `left {...}` and `in [3]` are a label, a space and a value: no Value has that form.
    let text: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Value::Named(k, v) => format!("{k} {}", v.text(c.opts.hex)),
            v => v.text(c.opts.hex),
        })
        .collect();
    c.note(Value::Raw(text.join(", ")));
}

/// `poll([{fd=3, events=POLLIN}], 1, 100) = 1 ([{fd=3, revents=POLLIN}])`.
fn poll(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        pollfds(c);
        return Step::Exit;
    }
    // The timeout prints at exit: an entry that pushed everything would end in ", ".
    c.arg(Value::Int(c.int(2) as i64));
    poll_note(c, None);
    Step::Done
}

/// `ppoll([...], 1, {tv_sec=0, tv_nsec=1000}, [USR1], 8) = 1 ([...], left {...})`.
fn ppoll(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        pollfds(c);
        let t = timespec(c, c.args[2]);
        c.arg(t);
        let s = sigset(c, c.args[3], c.args[4]);
        c.arg(s);
        return Step::Exit;
    }
    let n = c.ulong_arg(4);
    c.arg(n);
    let ts = (c.args[2] != 0).then_some(c.args[2]);
    poll_note(c, ts);
    Step::Done
}

/// An fd set's bits below `nfds`, as fds.
fn fdset_bits(b: &[u8], nfds: usize) -> Vec<usize> {
    (0..nfds)
        .filter(|&j| b.get(j / 8).is_some_and(|x| x & (1 << (j % 8)) != 0))
        .collect()
}

/// `select(5, [3], [4], NULL, {tv_sec=0, tv_usec=100}) = 1 (out [4], left {...})` and
/// `pselect6(...)`, whose timeout is a timespec and which has a sigmask argument.
fn select(c: &mut Ctx<'_>) -> Step {
    let pselect = c.personality.syscall_name(c.nr) == Some("pselect6");
    let nfds = (c.int(0).max(0) as usize).min(1024 * 1024);
    let fdsize = (nfds.div_ceil(8) + 7) & !7;
    if !c.exiting() {
        c.arg(Value::Int(c.int(0) as i64));
        for i in 1..4 {
            let addr = c.args[i];
            let v = if fdsize == 0 || addr == 0 {
                Value::Ptr(addr)
            } else {
                match c.read(addr, fdsize) {
                    None => Value::Ptr(addr),
                    Some(b) => {
                        let fds = fdset_bits(&b, nfds)
                            .into_iter()
                            .map(|j| c.fd(j as i64))
                            .collect::<Vec<_>>();
                        // A bitset prints its fds separated by spaces.
                        Value::SigSet {
                            complement: false,
                            names: fds.iter().map(|v| v.text(c.opts.hex)).collect(),
                        }
                    }
                }
            };
            c.arg(v);
        }
        // The last argument prints at exit (an entry that pushed every argument would end
        // in ", "): pselect6's sigmask is read then, select's timeval (which the kernel
        // rewrites) is kept.
        if pselect {
            let t = timespec(c, c.args[4]);
            c.arg(t);
        } else if let Some(b) = (c.args[4] != 0).then(|| c.read(c.args[4], 16)).flatten() {
            c.state.saved = [1, u64_at(&b, 0), u64_at(&b, 8), 0];
        }
        return Step::Exit;
    }
    if pselect {
        let s = kernel_sigset(c, c.args[5]);
        c.arg(s);
    } else if c.state.saved[0] == 1 {
        c.arg(Value::fields(vec![
            ("tv_sec", Value::Int(c.state.saved[1] as i64)),
            ("tv_usec", Value::Uint(c.state.saved[2])),
        ]));
    } else {
        c.arg(Value::Ptr(c.args[4]));
    }
    let Some(r) = c.rval_ok() else {
        return Step::Done;
    };
    if r == 0 {
        c.note(Value::sym("Timeout"));
        return Step::Done;
    }
    let mut ready = r;
    let mut text = String::new();
    let mut sep = "";
    for i in 0..3 {
        if ready <= 0 {
            break;
        }
        let addr = c.args[i + 1];
        if addr == 0 || fdsize == 0 {
            continue;
        }
        let Some(b) = c.read(addr, fdsize) else {
            continue;
        };
        let mut first = true;
        for j in fdset_bits(&b, nfds) {
            if first {
                let set = ["in", "out", "except"][i];
                text.push_str(&format!("{sep}{set} [{j}"));
                first = false;
                sep = ", ";
            } else {
                text.push_str(&format!(" {j}"));
            }
            ready -= 1;
            if ready == 0 {
                break;
            }
        }
        if !text.is_empty() {
            text.push(']');
        }
    }
    if c.args[4] != 0 {
        let t = if pselect {
            timespec(c, c.args[4])
        } else {
            timeval(c, c.args[4])
        };
        text.push_str(&format!("{sep}left {}", t.text(c.opts.hex)));
    }
    c.note(Value::Raw(text));
    Step::Done
}

/// pselect6's sixth argument: `{sigmask=[USR1], sigsetsize=8}`, `NULL`, or the address.
fn kernel_sigset(c: &mut Ctx<'_>, addr: u64) -> Value {
    let Some(b) = c.read(addr, 16) else {
        return Value::Ptr(addr);
    };
    let (mask, size) = (u64_at(&b, 0), u64_at(&b, 8));
    let m = sigset_any(c, mask, size);
    Value::fields(vec![("sigmask", m), ("sigsetsize", Value::Uint(size))])
}

// --- epoll. ---

/// `epoll_create(5) = 3`.
fn epoll_create(c: &mut Ctx<'_>) -> Step {
    c.arg(Value::Int(c.int(0) as i64));
    rval_fd(c)
}

/// `epoll_create1(EPOLL_CLOEXEC) = 3`.
fn epoll_create1(c: &mut Ctx<'_>) -> Step {
    c.arg(flags(c.args[0], crate::xlat![EPOLL_CLOEXEC], "EPOLL_???"));
    rval_fd(c)
}

/// epoll events (strace's epollevents, in its order).
const EPOLL_EVENTS: &Table = crate::xlat![
    (libc::EPOLLIN as u32 as u64, "EPOLLIN"),
    (libc::EPOLLPRI as u32 as u64, "EPOLLPRI"),
    (libc::EPOLLOUT as u32 as u64, "EPOLLOUT"),
    (libc::EPOLLERR as u32 as u64, "EPOLLERR"),
    (libc::EPOLLHUP as u32 as u64, "EPOLLHUP"),
    // linux/eventpoll.h's EPOLLNVAL: not in libc.
    (0x20, "EPOLLNVAL"),
    (libc::EPOLLRDNORM as u32 as u64, "EPOLLRDNORM"),
    (libc::EPOLLRDBAND as u32 as u64, "EPOLLRDBAND"),
    (libc::EPOLLWRNORM as u32 as u64, "EPOLLWRNORM"),
    (libc::EPOLLWRBAND as u32 as u64, "EPOLLWRBAND"),
    (libc::EPOLLMSG as u32 as u64, "EPOLLMSG"),
    (libc::EPOLLRDHUP as u32 as u64, "EPOLLRDHUP"),
    (libc::EPOLLEXCLUSIVE as u32 as u64, "EPOLLEXCLUSIVE"),
    (libc::EPOLLWAKEUP as u32 as u64, "EPOLLWAKEUP"),
    (libc::EPOLLONESHOT as u32 as u64, "EPOLLONESHOT"),
    (libc::EPOLLET as u32 as u64, "EPOLLET"),
];

/// A struct epoll_event (12 bytes, packed on x86_64).
fn epoll_event(b: &[u8]) -> Value {
    let events = u32_at(b, 0);
    let data = u64_at(b, 4);
    Value::fields(vec![
        ("events", flags(events as u64, EPOLL_EVENTS, "EPOLL???")),
        (
            "data",
            Value::fields(vec![
                ("u32", Value::Uint(data as u32 as u64)),
                ("u64", Value::Uint(data)),
            ]),
        ),
    ])
}

/// `epoll_ctl(6, EPOLL_CTL_ADD, 3, {events=EPOLLIN, data={u32=3, u64=3}}) = 0`.
fn epoll_ctl(c: &mut Ctx<'_>) -> Step {
    let ep = c.fd_arg(0);
    c.arg(ep);
    let op = c.uint(1) as u64;
    let ops: &Table = crate::xlat![EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD];
    c.arg(xlat::enumerated(op, ops, "EPOLL_CTL_???"));
    let fd = c.fd_arg(2);
    c.arg(fd);
    let ev = if op == libc::EPOLL_CTL_DEL as u64 {
        Value::Ptr(c.args[3])
    } else {
        match c.read(c.args[3], 12) {
            Some(b) => epoll_event(&b),
            None => Value::Ptr(c.args[3]),
        }
    };
    c.arg(ev);
    Step::Done
}

/// `epoll_wait(6, [{events=EPOLLIN, data={u32=3, u64=3}}], 4, 10) = 1`, and epoll_pwait's
/// and epoll_pwait2's sigmask (and epoll_pwait2's timespec), all printed at exit.
fn epoll_wait(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let ep = c.fd_arg(0);
        c.arg(ep);
        return Step::Exit;
    }
    let n = c.ret.map_or(0, |r| r.val as u64);
    let evs = array(c, c.args[1], n, 12, false, |_, b| epoll_event(b));
    c.arg(evs);
    c.arg(Value::Int(c.int(2) as i64));
    let name = c.personality.syscall_name(c.nr).unwrap_or("");
    if name == "epoll_pwait2" {
        let t = timespec(c, c.args[3]);
        c.arg(t);
    } else {
        c.arg(Value::Int(c.int(3) as i64));
    }
    if name != "epoll_wait" {
        let s = sigset(c, c.args[4], c.args[5]);
        c.arg(s);
        let n = c.ulong_arg(5);
        c.arg(n);
    }
    Step::Done
}

// --- eventfd, timerfd, inotify. ---

/// `eventfd2(3, EFD_CLOEXEC|EFD_NONBLOCK) = 8`; eventfd has no flags.
fn eventfd(c: &mut Ctx<'_>) -> Step {
    c.arg(c.uint_arg(0));
    if c.personality.syscall_name(c.nr) == Some("eventfd2") {
        let t: &Table = crate::xlat![EFD_SEMAPHORE, EFD_CLOEXEC, EFD_NONBLOCK];
        c.arg(flags(c.uint(1) as u64, t, "EFD_???"));
    }
    rval_fd(c)
}

/// timerfd flags (strace's timerfdflags).
const TFD_FLAGS: &Table = crate::xlat![
    TFD_TIMER_ABSTIME,
    TFD_TIMER_CANCEL_ON_SET,
    TFD_CLOEXEC,
    TFD_NONBLOCK
];

/// `timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) = 9`.
fn timerfd_create(c: &mut Ctx<'_>) -> Step {
    c.arg(super::misc::clockid(c.int(0)));
    c.arg(flags(c.uint(1) as u64, TFD_FLAGS, "TFD_???"));
    rval_fd(c)
}

/// `timerfd_settime(9, 0, {it_interval=..., it_value=...}, {...}) = 0`: the old value at exit.
fn timerfd_settime(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        c.arg(flags(c.uint(1) as u64, TFD_FLAGS, "TFD_???"));
        let v = super::misc::itimerspec(c, c.args[2]);
        c.arg(v);
        return Step::Exit;
    }
    let v = super::misc::itimerspec(c, c.args[3]);
    c.arg(v);
    Step::Done
}

/// `timerfd_gettime(9, {it_interval=..., it_value=...}) = 0`.
fn timerfd_gettime(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    let v = super::misc::itimerspec(c, c.args[1]);
    c.arg(v);
    Step::Done
}

/// `inotify_init1(IN_NONBLOCK) = 3`; inotify_init has no arguments.
fn inotify_init(c: &mut Ctx<'_>) -> Step {
    if c.personality.syscall_name(c.nr) == Some("inotify_init1") {
        let t: &Table = crate::xlat![IN_NONBLOCK, IN_CLOEXEC];
        c.arg(flags(c.args[0], t, "IN_???"));
    }
    rval_fd(c)
}

/// inotify events (strace's inotify_flags).
const IN_FLAGS: &Table = crate::xlat![
    IN_ACCESS,
    IN_MODIFY,
    IN_ATTRIB,
    IN_CLOSE_WRITE,
    IN_CLOSE_NOWRITE,
    IN_OPEN,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_MOVE_SELF,
    IN_UNMOUNT,
    IN_Q_OVERFLOW,
    IN_IGNORED,
    IN_ONLYDIR,
    IN_DONT_FOLLOW,
    IN_EXCL_UNLINK,
    IN_MASK_CREATE,
    IN_MASK_ADD,
    IN_ISDIR,
    IN_ONESHOT,
];

/// `inotify_add_watch(11, "/tmp", IN_CREATE|IN_DELETE) = 1`.
fn inotify_add_watch(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let p = c.path_arg(1);
    c.arg(p);
    c.arg(flags(c.uint(2) as u64, IN_FLAGS, "IN_???"));
    Step::Done
}

/// `inotify_rm_watch(11, 1) = 0`.
fn inotify_rm_watch(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(c.int_arg(1));
    Step::Done
}
