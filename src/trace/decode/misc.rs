//! Decoders of the misc family (see [`super`] for how a decoder works), as strace 6.1's
//! `futex.c`, `time.c`, `print_time.c`, `getrandom.c`, `uname.c`, `sysinfo.c`, `uid.c`,
//! `affinity.c`, `resource.c`, `times.c`: futex, sleeping and the clocks, getrandom, uname,
//! sysinfo, the ids, affinity, priorities, times and getrusage. Calls without arguments
//! (`getpid() = 123`) print right through the generic path. Also the time structs other
//! families print (`timespec`, `timeval`, `itimerspec`, `clockid`).
#![forbid(unsafe_code)]

use super::io::{array, u32_at, u64_at};
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    Some(match name {
        "futex" => futex,
        "nanosleep" => nanosleep,
        "clock_nanosleep" => clock_nanosleep,
        "clock_gettime" | "clock_getres" => clock_gettime,
        "clock_settime" => clock_settime,
        "gettimeofday" => gettimeofday,
        "settimeofday" => settimeofday,
        "time" => time,
        "getrandom" => getrandom,
        "uname" => uname,
        "sysinfo" => sysinfo,
        "getpgid" | "getsid" => one_int,
        "setpgid" => setpgid,
        "setuid" | "setgid" | "setfsuid" | "setfsgid" => one_uid,
        "setreuid" | "setregid" => two_uids,
        "setresuid" | "setresgid" => three_uids,
        "getresuid" | "getresgid" => getresuid,
        "getgroups" => getgroups,
        "setgroups" => setgroups,
        "sched_getaffinity" => sched_getaffinity,
        "sched_setaffinity" => sched_setaffinity,
        "getpriority" => getpriority,
        "setpriority" => setpriority,
        "times" => times,
        "getrusage" => getrusage,
        _ => return None,
    })
}

// --- Time structs. ---

/// strace's `umove_or_printaddr` before a struct: `NULL`, or the address when the call
/// failed (at exit) or the memory cannot be read; else the bytes.
fn fetch(c: &mut Ctx<'_>, addr: u64, len: usize) -> Result<Vec<u8>, Value> {
    if addr == 0 || c.failed() {
        return Err(Value::Ptr(addr));
    }
    c.read(addr, len).ok_or(Value::Ptr(addr))
}

/// `{tv_sec=1, tv_nsec=500}` from 16 bytes.
fn timespec_of(b: &[u8]) -> Value {
    Value::fields(vec![
        ("tv_sec", Value::Int(u64_at(b, 0) as i64)),
        ("tv_nsec", Value::Uint(u64_at(b, 8))),
    ])
}

/// `{tv_sec=1, tv_usec=500}` from 16 bytes.
fn timeval_of(b: &[u8]) -> Value {
    Value::fields(vec![
        ("tv_sec", Value::Int(u64_at(b, 0) as i64)),
        ("tv_usec", Value::Uint(u64_at(b, 8))),
    ])
}

/// A `struct timespec` at `addr`: `{tv_sec=0, tv_nsec=500000000}`, `NULL`, or the address
/// (unreadable, or the call failed).
pub(crate) fn timespec(c: &mut Ctx<'_>, addr: u64) -> Value {
    fetch(c, addr, 16).map_or_else(|v| v, |b| timespec_of(&b))
}

/// A `struct timeval` at `addr`: `{tv_sec=0, tv_usec=100}`, `NULL`, or the address.
pub(crate) fn timeval(c: &mut Ctx<'_>, addr: u64) -> Value {
    fetch(c, addr, 16).map_or_else(|v| v, |b| timeval_of(&b))
}

/// A `struct itimerspec` at `addr`: `{it_interval={...}, it_value={...}}`.
pub(crate) fn itimerspec(c: &mut Ctx<'_>, addr: u64) -> Value {
    fetch(c, addr, 32).map_or_else(
        |v| v,
        |b| {
            Value::fields(vec![
                ("it_interval", timespec_of(&b[..16])),
                ("it_value", timespec_of(&b[16..])),
            ])
        },
    )
}

/// linux/time.h's clocks (strace's clocknames).
const CLOCKS: &Table = crate::xlat![
    CLOCK_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_THREAD_CPUTIME_ID,
    CLOCK_MONOTONIC_RAW,
    CLOCK_REALTIME_COARSE,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_BOOTTIME,
    CLOCK_REALTIME_ALARM,
    CLOCK_BOOTTIME_ALARM,
    // linux/time.h's CLOCK_SGI_CYCLE: not in glibc's libc.
    (10, "CLOCK_SGI_CYCLE"),
    CLOCK_TAI,
];

/// A clock id as strace's `printclockname` prints it on x86_64 (its CPU-clock decoding is
/// not built there): `CLOCK_MONOTONIC`, `0xfffffffa /* CLOCK_??? */`.
pub(crate) fn clockid(id: i32) -> Value {
    xlat::enumerated(id as u32 as u64, CLOCKS, "CLOCK_???")
}

/// The call was interrupted and will be restarted (strace's `is_erestart`).
fn erestart(c: &Ctx<'_>) -> bool {
    c.ret
        .is_some_and(|r| r.is_error && matches!(-r.val, 512 | 513 | 514 | 516))
}

/// A sleep's remaining time at exit: read only when the call was interrupted (else the
/// kernel did not write it: its address).
fn remain(c: &mut Ctx<'_>, addr: u64) -> Value {
    if !erestart(c) {
        return Value::Ptr(addr);
    }
    if addr == 0 {
        return Value::Ptr(0);
    }
    c.read(addr, 16)
        .map_or(Value::Ptr(addr), |b| timespec_of(&b))
}

/// `nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0`.
fn nanosleep(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let t = timespec(c, c.args[0]);
        c.arg(t);
        return Step::Exit;
    }
    let r = remain(c, c.args[1]);
    c.arg(r);
    Step::Done
}

/// `clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0`.
fn clock_nanosleep(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(clockid(c.int(0)));
        c.arg(super::io::flags(
            c.uint(1) as u64,
            crate::xlat![TIMER_ABSTIME],
            "TIMER_???",
        ));
        let t = timespec(c, c.args[2]);
        c.arg(t);
        return Step::Exit;
    }
    let r = if c.args[1] == 0 {
        remain(c, c.args[3])
    } else {
        Value::Ptr(c.args[3])
    };
    c.arg(r);
    Step::Done
}

/// `clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=2}) = 0`, and clock_getres.
fn clock_gettime(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(clockid(c.int(0)));
        return Step::Exit;
    }
    let t = timespec(c, c.args[1]);
    c.arg(t);
    Step::Done
}

/// `clock_settime(CLOCK_REALTIME, {tv_sec=1, tv_nsec=2}) = 0`.
fn clock_settime(c: &mut Ctx<'_>) -> Step {
    c.arg(clockid(c.int(0)));
    let t = timespec(c, c.args[1]);
    c.arg(t);
    Step::Done
}

/// A `struct timezone`: `{tz_minuteswest=0, tz_dsttime=0}`.
fn timezone(c: &mut Ctx<'_>, addr: u64) -> Value {
    fetch(c, addr, 8).map_or_else(
        |v| v,
        |b| {
            Value::fields(vec![
                ("tz_minuteswest", Value::Int(u32_at(&b, 0) as i32 as i64)),
                ("tz_dsttime", Value::Int(u32_at(&b, 4) as i32 as i64)),
            ])
        },
    )
}

/// `gettimeofday({tv_sec=1, tv_usec=2}, NULL) = 0`.
fn gettimeofday(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let t = timeval(c, c.args[0]);
    c.arg(t);
    let z = timezone(c, c.args[1]);
    c.arg(z);
    Step::Done
}

/// `settimeofday({tv_sec=1, tv_usec=2}, NULL) = 0`.
fn settimeofday(c: &mut Ctx<'_>) -> Step {
    let t = timeval(c, c.args[0]);
    c.arg(t);
    let z = timezone(c, c.args[1]);
    c.arg(z);
    Step::Done
}

/// strace's `sprinttime`: `2026-12-02T10:20:37+0000` (the tracer's local time: UTC here).
fn sprinttime(secs: i64) -> String {
    let s = crate::output::time::iso8601_utc(secs);
    format!("{}+0000", s.trim_end_matches('Z'))
}

/// `time([1796206837 /* 2026-12-02T10:20:37+0000 */]) = 1796206837 (2026-12-02T10:20:37+0000)`.
fn time(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let v = match fetch(c, c.args[0], 8) {
        Ok(b) => {
            let t = u64_at(&b, 0) as i64;
            Value::boxed(Value::Comment(Box::new(Value::Int(t)), sprinttime(t)))
        }
        Err(v) => v,
    };
    c.arg(v);
    if let Some(r) = c.rval_ok() {
        c.note(Value::Raw(sprinttime(r)));
    }
    Step::Done
}

// --- futex. ---

/// linux/futex.h: FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME.
const FUTEX_PRIVATE: u64 = 128;
const FUTEX_CLOCK_RT: u64 = 256;

/// strace's futexops: every command, `_PRIVATE`, and the waits with `|FUTEX_CLOCK_REALTIME`.
fn futex_op(op: i32) -> Value {
    const CMDS: &Table = crate::xlat![
        FUTEX_WAIT,
        FUTEX_WAKE,
        FUTEX_FD,
        FUTEX_REQUEUE,
        FUTEX_CMP_REQUEUE,
        FUTEX_WAKE_OP,
        FUTEX_LOCK_PI,
        FUTEX_UNLOCK_PI,
        FUTEX_TRYLOCK_PI,
        FUTEX_WAIT_BITSET,
        FUTEX_WAKE_BITSET,
        FUTEX_WAIT_REQUEUE_PI,
        FUTEX_CMP_REQUEUE_PI,
    ];
    // linux/futex.h's FUTEX_LOCK_PI2: not in glibc's libc.
    const LOCK_PI2: u64 = 13;
    let op = op as u32 as u64;
    let cmd = op & !(FUTEX_PRIVATE | FUTEX_CLOCK_RT);
    let name = xlat::name(cmd, CMDS).or((cmd == LOCK_PI2).then_some("FUTEX_LOCK_PI2"));
    let rt_ok = matches!(
        cmd as i32,
        libc::FUTEX_WAIT | libc::FUTEX_WAIT_BITSET | libc::FUTEX_WAIT_REQUEUE_PI
    );
    match name {
        Some(n) if op & FUTEX_CLOCK_RT == 0 || rt_ok => {
            let mut s = n.to_string();
            if op & FUTEX_PRIVATE != 0 {
                s.push_str("_PRIVATE");
            }
            if op & FUTEX_CLOCK_RT != 0 {
                s.push_str("|FUTEX_CLOCK_REALTIME");
            }
            Value::Sym(s)
        }
        _ => Value::Comment(Box::new(Value::Hex(op)), "FUTEX_???".into()),
    }
}

/// `futex(0x7f..., FUTEX_WAIT_PRIVATE, 2, NULL) = 0`: the op's arguments as strace prints them.
fn futex(c: &mut Ctx<'_>) -> Step {
    c.arg(c.ptr_arg(0));
    let op = c.int(1);
    c.arg(futex_op(op));
    let val = Value::Uint(c.uint(2) as u64);
    let val2 = Value::Uint(c.uint(3) as u64);
    let val3 = c.uint(5);
    let bitset = |v: u32| match v {
        u32::MAX => Value::sym("FUTEX_BITSET_MATCH_ANY"),
        v => Value::Hex(v as u64),
    };
    match op & 127 {
        libc::FUTEX_WAIT => {
            c.arg(val);
            let t = timespec(c, c.args[3]);
            c.arg(t);
        }
        libc::FUTEX_LOCK_PI | 13 => {
            let t = timespec(c, c.args[3]);
            c.arg(t);
        }
        libc::FUTEX_WAIT_BITSET => {
            c.arg(val);
            let t = timespec(c, c.args[3]);
            c.arg(t);
            c.arg(bitset(val3));
        }
        libc::FUTEX_WAKE_BITSET => {
            c.arg(val);
            c.arg(bitset(val3));
        }
        libc::FUTEX_REQUEUE => {
            c.arg(val);
            c.arg(val2);
            c.arg(c.ptr_arg(4));
        }
        libc::FUTEX_CMP_REQUEUE | libc::FUTEX_CMP_REQUEUE_PI => {
            c.arg(val);
            c.arg(val2);
            c.arg(c.ptr_arg(4));
            c.arg(Value::Uint(val3 as u64));
        }
        libc::FUTEX_WAKE_OP => {
            c.arg(val);
            c.arg(val2);
            c.arg(c.ptr_arg(4));
            c.arg(wake_op(val3));
        }
        libc::FUTEX_WAIT_REQUEUE_PI => {
            c.arg(val);
            let t = timespec(c, c.args[3]);
            c.arg(t);
            c.arg(c.ptr_arg(4));
        }
        libc::FUTEX_FD | libc::FUTEX_WAKE => c.arg(val),
        libc::FUTEX_UNLOCK_PI | libc::FUTEX_TRYLOCK_PI => {}
        _ => {
            c.arg(val);
            c.arg(c.ptr_arg(3));
            c.arg(c.ptr_arg(4));
            c.arg(Value::Hex(val3 as u64));
        }
    }
    Step::Done
}

/// FUTEX_WAKE_OP's encoded operation: `FUTEX_OP_ADD<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0`.
fn wake_op(v: u32) -> Value {
    let ops: &Table = &[
        (0, "FUTEX_OP_SET"),
        (1, "FUTEX_OP_ADD"),
        (2, "FUTEX_OP_OR"),
        (3, "FUTEX_OP_ANDN"),
        (4, "FUTEX_OP_XOR"),
    ];
    let cmps: &Table = &[
        (0, "FUTEX_OP_CMP_EQ"),
        (1, "FUTEX_OP_CMP_NE"),
        (2, "FUTEX_OP_CMP_LT"),
        (3, "FUTEX_OP_CMP_LE"),
        (4, "FUTEX_OP_CMP_GT"),
        (5, "FUTEX_OP_CMP_GE"),
    ];
    let mut s = String::new();
    // linux/futex.h's FUTEX_OP_OPARG_SHIFT (8), tested against the op's top nibble.
    if (v >> 28) & 8 != 0 {
        s.push_str("FUTEX_OP_OPARG_SHIFT<<28|");
    }
    let op = ((v >> 28) & 7) as u64;
    match xlat::name(op, ops) {
        Some(n) => s.push_str(&format!("{n}<<28")),
        None => s.push_str(&format!("{op:#x}<<28 /* FUTEX_OP_??? */")),
    }
    s.push('|');
    s.push_str(&Value::Hex(((v >> 12) & 0xfff) as u64).text(Default::default()));
    s.push_str("<<12|");
    let cmp = ((v >> 24) & 0xf) as u64;
    match xlat::name(cmp, cmps) {
        Some(n) => s.push_str(&format!("{n}<<24")),
        None => s.push_str(&format!("{cmp:#x}<<24 /* FUTEX_OP_CMP_??? */")),
    }
    s.push('|');
    s.push_str(&Value::Hex((v & 0xfff) as u64).text(Default::default()));
    Value::Raw(s)
}

// --- getrandom, uname, sysinfo. ---

/// `getrandom("\x12\x34", 2, GRND_NONBLOCK) = 2`: the buffer at exit, always in hex.
fn getrandom(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let addr = c.args[0];
    let v = match c.rval_ok() {
        None => Value::Ptr(addr),
        Some(n) => match super::io::strn(c, addr, n as u64) {
            // strace forces hex (QUOTE_FORCE_HEX): no Value quotes so, the text is kept.
            Value::Str { bytes, more } => {
                let mut s = String::new();
                super::value::quote(&mut s, &bytes, super::value::HexStr::All);
                if more {
                    s.push_str("...");
                }
                Value::Raw(s)
            }
            v => v,
        },
    };
    c.arg(v);
    c.arg(c.ulong_arg(1));
    let t: &Table = crate::xlat![GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE];
    c.arg(super::io::flags(c.uint(2) as u64, t, "GRND_???"));
    Step::Done
}

/// A NUL-terminated field of `len` bytes: the quoted bytes before the NUL.
fn cfield(b: &[u8]) -> Value {
    let end = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    Value::str(&b[..end])
}

/// `uname({sysname="Linux", nodename="vm", ...}) = 0`; every field with `-v`.
fn uname(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    const F: usize = 65;
    let v = match fetch(c, c.args[0], F * 6) {
        Err(v) => v,
        Ok(b) => {
            let names = [
                "sysname",
                "nodename",
                "release",
                "version",
                "machine",
                "domainname",
            ];
            let n = if c.opts.verbose { 6 } else { 2 };
            Value::Struct {
                fields: (0..n)
                    .map(|i| (names[i], cfield(&b[i * F..(i + 1) * F])))
                    .collect(),
                more: !c.opts.verbose,
            }
        }
    };
    c.arg(v);
    Step::Done
}

/// `sysinfo({uptime=1462, loads=[...], totalram=..., ..., mem_unit=1}) = 0`.
fn sysinfo(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    // struct sysinfo on x86_64: longs, then procs (u16) at 80, longs at 88, mem_unit at 104.
    let v = match fetch(c, c.args[0], 112) {
        Err(v) => v,
        Ok(b) => {
            let ul = |i: usize| Value::Uint(u64_at(&b, i));
            Value::fields(vec![
                ("uptime", Value::Int(u64_at(&b, 0) as i64)),
                ("loads", Value::array(vec![ul(8), ul(16), ul(24)])),
                ("totalram", ul(32)),
                ("freeram", ul(40)),
                ("sharedram", ul(48)),
                ("bufferram", ul(56)),
                ("totalswap", ul(64)),
                ("freeswap", ul(72)),
                (
                    "procs",
                    Value::Uint(u16::from_ne_bytes([b[80], b[81]]) as u64),
                ),
                ("totalhigh", ul(88)),
                ("freehigh", ul(96)),
                ("mem_unit", Value::Uint(u32_at(&b, 104) as u64)),
            ])
        }
    };
    c.arg(v);
    Step::Done
}

// --- Ids. ---

/// A uid or gid as strace's `printuid`: `-1`, else unsigned.
fn uid(v: u32) -> Value {
    if v == u32::MAX {
        Value::Int(-1)
    } else {
        Value::Uint(v as u64)
    }
}

/// `getpgid(0) = 123`.
fn one_int(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    Step::Done
}

/// `setpgid(0, 0) = 0`.
fn setpgid(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(c.int_arg(1));
    Step::Done
}

/// `setuid(0) = 0`.
fn one_uid(c: &mut Ctx<'_>) -> Step {
    c.arg(uid(c.uint(0)));
    Step::Done
}

/// `setreuid(-1, 0) = 0`.
fn two_uids(c: &mut Ctx<'_>) -> Step {
    c.arg(uid(c.uint(0)));
    c.arg(uid(c.uint(1)));
    Step::Done
}

/// `setresuid(-1, -1, -1) = 0`.
fn three_uids(c: &mut Ctx<'_>) -> Step {
    for i in 0..3 {
        c.arg(uid(c.uint(i)));
    }
    Step::Done
}

/// `getresuid([0], [0], [0]) = 0`.
fn getresuid(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    for i in 0..3 {
        let v = match fetch(c, c.args[i], 4) {
            Ok(b) => Value::boxed(uid(u32_at(&b, 0))),
            Err(v) => v,
        };
        c.arg(v);
    }
    Step::Done
}

/// The most groups (sysconf(_SC_NGROUPS_MAX): the kernel's NGROUPS_MAX).
const NGROUPS_MAX: u64 = 65536;

/// A group list of `n` gids at `addr`.
fn groups(c: &mut Ctx<'_>, n: u64, addr: u64) -> Value {
    if n > NGROUPS_MAX {
        return Value::Ptr(addr);
    }
    array(c, addr, n, 4, false, |_, b| uid(u32_at(b, 0)))
}

/// `getgroups(10, [0, 4]) = 2`: the list at exit, as long as returned.
fn getgroups(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(c.int_arg(0));
        return Step::Exit;
    }
    let n = c.ret.map_or(0, |r| r.val as u32 as u64);
    let g = groups(c, n, c.args[1]);
    c.arg(g);
    Step::Done
}

/// `setgroups(2, [0, 4]) = 0`.
fn setgroups(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    let g = groups(c, c.uint(0) as u64, c.args[1]);
    c.arg(g);
    Step::Done
}

// --- Affinity, priorities. ---

/// The kernel's cpuset size as strace probes it: 128 bytes unless the machine has more
/// than 1024 CPUs.
fn cpuset_size() -> u64 {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let mut size = 128;
    while size * 8 < n {
        size <<= 1;
    }
    size
}

/// A CPU mask of `len` bytes: `[0 1]`, with `...` when it is longer than strace reads.
fn affinity(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if addr == 0 || c.failed() {
        return Value::Ptr(addr);
    }
    if len == 0 {
        return Value::SigSet {
            complement: false,
            names: Vec::new(),
        };
    }
    let read = len.min(cpuset_size());
    let size = read.div_ceil(8) * 8;
    let Some(b) = c.read(addr, read as usize) else {
        return Value::Ptr(addr);
    };
    let mut names: Vec<String> = (0..b.len() * 8)
        .filter(|&i| b[i / 8] & (1 << (i % 8)) != 0)
        .map(|i| i.to_string())
        .collect();
    if size < len {
        names.push("...".into());
    }
    // A bitset prints as a signal set does: `[0 1]`.
    Value::SigSet {
        complement: false,
        names,
    }
}

/// `sched_getaffinity(0, 128, [0 1]) = 32`: the mask at exit, as long as returned.
fn sched_getaffinity(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(c.int_arg(0));
        c.arg(c.uint_arg(1));
        return Step::Exit;
    }
    let n = c.ret.map_or(0, |r| r.val as u32 as u64);
    let m = affinity(c, c.args[2], n);
    c.arg(m);
    Step::Done
}

/// `sched_setaffinity(0, 128, [0 1]) = 0`.
fn sched_setaffinity(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(c.uint_arg(1));
    let m = affinity(c, c.args[2], c.uint(1) as u64);
    c.arg(m);
    Step::Done
}

/// getpriority's and setpriority's `which` and `who`.
fn which_who(c: &mut Ctx<'_>) {
    let t: &Table = crate::xlat![PRIO_PROCESS, PRIO_PGRP, PRIO_USER];
    c.arg(xlat::enumerated(c.uint(0) as u64, t, "PRIO_???"));
    if c.int(0) == libc::PRIO_USER as i32 {
        c.arg(uid(c.uint(1)));
    } else {
        c.arg(c.int_arg(1));
    }
}

/// `getpriority(PRIO_PROCESS, 0) = 20` (the kernel's 20 - nice).
fn getpriority(c: &mut Ctx<'_>) -> Step {
    which_who(c);
    Step::Done
}

/// `setpriority(PRIO_PROCESS, 0, 10) = 0`.
fn setpriority(c: &mut Ctx<'_>) -> Step {
    which_who(c);
    c.arg(c.int_arg(2));
    Step::Done
}

// --- times, getrusage. ---

/// `times({tms_utime=0, tms_stime=0, tms_cutime=0, tms_cstime=0}) = 1718103065`.
fn times(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let v = match fetch(c, c.args[0], 32) {
        Err(v) => v,
        Ok(b) => Value::fields(vec![
            ("tms_utime", Value::Int(u64_at(&b, 0) as i64)),
            ("tms_stime", Value::Int(u64_at(&b, 8) as i64)),
            ("tms_cutime", Value::Int(u64_at(&b, 16) as i64)),
            ("tms_cstime", Value::Int(u64_at(&b, 24) as i64)),
        ]),
    };
    c.arg(v);
    Step::Done
}

/// `getrusage(RUSAGE_SELF, {ru_utime={...}, ru_stime={...}, ...}) = 0`; every field with `-v`.
fn getrusage(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let t: &Table = &[
            (libc::RUSAGE_SELF as u64, "RUSAGE_SELF"),
            (libc::RUSAGE_CHILDREN as u32 as u64, "RUSAGE_CHILDREN"),
            (libc::RUSAGE_THREAD as u64, "RUSAGE_THREAD"),
            // linux/resource.h's RUSAGE_BOTH: not in libc.
            (-2i32 as u32 as u64, "RUSAGE_BOTH"),
        ];
        c.arg(xlat::enumerated(c.uint(0) as u64, t, "RUSAGE_???"));
        return Step::Exit;
    }
    let v = match fetch(c, c.args[1], 144) {
        Err(v) => v,
        Ok(b) => {
            let mut fields = vec![
                ("ru_utime", timeval_of(&b[0..16])),
                ("ru_stime", timeval_of(&b[16..32])),
            ];
            if c.opts.verbose {
                let names = [
                    "ru_maxrss",
                    "ru_ixrss",
                    "ru_idrss",
                    "ru_isrss",
                    "ru_minflt",
                    "ru_majflt",
                    "ru_nswap",
                    "ru_inblock",
                    "ru_oublock",
                    "ru_msgsnd",
                    "ru_msgrcv",
                    "ru_nsignals",
                    "ru_nvcsw",
                    "ru_nivcsw",
                ];
                for (i, n) in names.iter().enumerate() {
                    fields.push((n, Value::Uint(u64_at(&b, 32 + i * 8))));
                }
            }
            Value::Struct {
                fields,
                more: !c.opts.verbose,
            }
        }
    };
    c.arg(v);
    Step::Done
}
