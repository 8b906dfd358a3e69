//! Decoders of the signal family (see [`super`] for how a decoder works): kill and its
//! relatives, rt_sigaction, rt_sigprocmask and the other calls on signal sets, sigaltstack,
//! signalfd, pidfds; signal names, signal sets as strace prints them (`[INT QUIT]`, or the
//! complement `~[RTMIN RT_1]` when two thirds or more of the signals are in the set), and the
//! siginfo of a `--- SIGCHLD {si_signo=SIGCHLD, ...} ---` line (strace's `signal.c`,
//! `printsiginfo.c`, `sigaltstack.c`, `signalfd.c`, `pidfd_open.c`).
#![forbid(unsafe_code)]

use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    Some(match name {
        "kill" => kill,
        "tkill" => tkill,
        "tgkill" => tgkill,
        "rt_sigaction" => rt_sigaction,
        "rt_sigprocmask" => rt_sigprocmask,
        "rt_sigsuspend" => rt_sigsuspend,
        "rt_sigpending" => rt_sigpending,
        "rt_sigtimedwait" => rt_sigtimedwait,
        "rt_sigqueueinfo" => rt_sigqueueinfo,
        "rt_tgsigqueueinfo" => rt_tgsigqueueinfo,
        "sigaltstack" => sigaltstack,
        "alarm" => alarm,
        "signalfd" => signalfd,
        "signalfd4" => signalfd4,
        "pidfd_send_signal" => pidfd_send_signal,
        "pidfd_open" => pidfd_open,
        _ => return None,
    })
}

/// The kernel's first real-time signal (strace's ASM_SIGRTMIN: glibc's SIGRTMIN is 34).
const ASM_SIGRTMIN: i32 = 32;
/// The kernel's last signal (`_NSIG` in asm/signal.h).
const ASM_SIGRTMAX: i32 = 64;
/// The bytes of a kernel signal set (`_NSIG / 8`, strace's NSIG_BYTES).
pub const NSIG_BYTES: usize = 8;

/// A signal's name as strace prints it: `SIGCHLD`, `SIGRTMIN`, `SIGRT_2`; None for a number
/// that is no signal.
pub fn name(sig: i32) -> Option<String> {
    match sig {
        ASM_SIGRTMIN => Some("SIGRTMIN".to_string()),
        s if s > ASM_SIGRTMIN && s <= ASM_SIGRTMAX => Some(format!("SIGRT_{}", s - ASM_SIGRTMIN)),
        s if s > 0 => nix::sys::signal::Signal::try_from(s)
            .ok()
            .map(|s| s.as_str().to_string()),
        _ => None,
    }
}

/// A signal as an argument: its name, else the number.
pub fn value(sig: i32) -> Value {
    match name(sig) {
        Some(n) => Value::Sym(n),
        None => Value::Int(sig as i64),
    }
}

/// A signal set of `bytes` (at most [`NSIG_BYTES`] are looked at) as strace's
/// `sprintsigmask_n`: the names without `SIG`, or the complement when two thirds or more of
/// the set's bits are set.
pub fn sigset(bytes: &[u8]) -> Value {
    let len = bytes.len().min(NSIG_BYTES);
    let words = len.div_ceil(4);
    let mut mask = [0u32; NSIG_BYTES / 4];
    for (w, m) in mask.iter_mut().enumerate().take(words) {
        let mut b = [0u8; 4];
        for (k, x) in b.iter_mut().enumerate() {
            *x = bytes.get(w * 4 + k).copied().unwrap_or(0);
        }
        *m = u32::from_ne_bytes(b);
    }
    let set: u32 = mask[..words].iter().map(|m| m.count_ones()).sum();
    let complement = set as usize >= words * 32 * 2 / 3;
    let mut names = Vec::new();
    for (w, &m) in mask[..words].iter().enumerate() {
        let m = if complement { !m } else { m };
        for bit in 0..32 {
            if m & (1 << bit) != 0 {
                let sig = (w * 32 + bit + 1) as i32;
                // strace names what its table knows; a number past it prints as nothing.
                names.push(
                    name(sig)
                        .map(|n| n.trim_start_matches("SIG").to_string())
                        .unwrap_or_default(),
                );
            }
        }
    }
    Value::SigSet { complement, names }
}

/// What strace's `umove_or_printaddr` prints instead of a struct: `NULL`, or the address when
/// the call failed (at exit) or the memory cannot be read. Ok: the `len` bytes at `addr`.
pub fn fetch(c: &mut Ctx<'_>, addr: u64, len: usize) -> Result<Vec<u8>, Value> {
    if addr == 0 {
        return Err(Value::Ptr(0));
    }
    if c.failed() {
        return Err(Value::Ptr(addr));
    }
    c.read(addr, len).ok_or(Value::Ptr(addr))
}

/// A signal set of `len` bytes at `addr` (strace's `print_sigset_addr_len`): the address when
/// `len` is not a word to [`NSIG_BYTES`] or it cannot be read.
pub fn sigset_at(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    sigset_at_min(c, addr, len, 8)
}

fn sigset_at_min(c: &mut Ctx<'_>, addr: u64, len: u64, min: u64) -> Value {
    if len < min || len > NSIG_BYTES as u64 {
        return Value::Ptr(addr);
    }
    match fetch(c, addr, len as usize) {
        Ok(b) => sigset(&b),
        Err(v) => v,
    }
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap_or_default())
}

fn i32_at(b: &[u8], off: usize) -> i32 {
    u32_at(b, off) as i32
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(b[off..off + 8].try_into().unwrap_or_default())
}

// si_code values (asm-generic/siginfo.h): libc has only some of them.
const SI_USER: i32 = 0;
const SI_KERNEL: i32 = 0x80;
const SI_QUEUE: i32 = -1;
const SI_TIMER: i32 = -2;
const SI_MESGQ: i32 = -3;
const SI_ASYNCIO: i32 = -4;
const SI_SIGIO: i32 = -5;
const SI_TKILL: i32 = -6;
const SI_DETHREAD: i32 = -7;
const SI_ASYNCNL: i32 = -60;
const SI_NOINFO: i32 = 32767; // strace's own: a ptrace stop without siginfo

const SI_CODES: &[(i32, &str)] = &[
    (SI_USER, "SI_USER"),
    (SI_KERNEL, "SI_KERNEL"),
    (SI_QUEUE, "SI_QUEUE"),
    (SI_TIMER, "SI_TIMER"),
    (SI_MESGQ, "SI_MESGQ"),
    (SI_ASYNCIO, "SI_ASYNCIO"),
    (SI_SIGIO, "SI_SIGIO"),
    (SI_TKILL, "SI_TKILL"),
    (SI_DETHREAD, "SI_DETHREAD"),
    (SI_ASYNCNL, "SI_ASYNCNL"),
    (SI_NOINFO, "SI_NOINFO"),
];

// Per-signal si_codes (asm-generic/siginfo.h), numbered from 1 in the order below.
const ILL_CODES: &[&str] = &[
    "ILL_ILLOPC",
    "ILL_ILLOPN",
    "ILL_ILLADR",
    "ILL_ILLTRP",
    "ILL_PRVOPC",
    "ILL_PRVREG",
    "ILL_COPROC",
    "ILL_BADSTK",
];
const FPE_CODES: &[&str] = &[
    "FPE_INTDIV",
    "FPE_INTOVF",
    "FPE_FLTDIV",
    "FPE_FLTOVF",
    "FPE_FLTUND",
    "FPE_FLTRES",
    "FPE_FLTINV",
    "FPE_FLTSUB",
    "",
    "",
    "",
    "",
    "",
    "FPE_FLTUNK",
    "FPE_CONDTRAP",
];
const SEGV_CODES: &[&str] = &[
    "SEGV_MAPERR",
    "SEGV_ACCERR",
    "SEGV_BNDERR",
    "SEGV_PKUERR",
    "SEGV_ACCADI",
    "SEGV_ADIDERR",
    "SEGV_ADIPERR",
    "SEGV_MTEAERR",
    "SEGV_MTESERR",
];
const BUS_CODES: &[&str] = &[
    "BUS_ADRALN",
    "BUS_ADRERR",
    "BUS_OBJERR",
    "BUS_MCEERR_AR",
    "BUS_MCEERR_AO",
];
const TRAP_CODES: &[&str] = &[
    "TRAP_BRKPT",
    "TRAP_TRACE",
    "TRAP_BRANCH",
    "TRAP_HWBKPT",
    "TRAP_UNK",
    "TRAP_PERF",
];
const CLD_CODES: &[&str] = &[
    "CLD_EXITED",
    "CLD_KILLED",
    "CLD_DUMPED",
    "CLD_TRAPPED",
    "CLD_STOPPED",
    "CLD_CONTINUED",
];
const POLL_CODES: &[&str] = &[
    "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
];
const SYS_CODES: &[&str] = &["SYS_SECCOMP", "SYS_USER_DISPATCH"];
const CLD_EXITED: i32 = 1;

/// `si_code` as strace's `print_si_code`: the generic name, else the signal's, else hex.
fn si_code(code: i32, signo: i32) -> Value {
    if let Some((_, n)) = SI_CODES.iter().find(|(v, _)| *v == code) {
        return Value::sym(*n);
    }
    let table: &[&str] = match signo {
        libc::SIGILL => ILL_CODES,
        libc::SIGFPE => FPE_CODES,
        libc::SIGSEGV => SEGV_CODES,
        libc::SIGBUS => BUS_CODES,
        libc::SIGTRAP => TRAP_CODES,
        libc::SIGCHLD => CLD_CODES,
        libc::SIGIO => POLL_CODES,
        libc::SIGSYS => SYS_CODES,
        _ => &[],
    };
    match usize::try_from(code - 1).ok().and_then(|i| table.get(i)) {
        Some(n) if !n.is_empty() => Value::sym(*n),
        _ => Value::Hex(code as u32 as u64),
    }
}

/// A clock_t as strace's `print_clock_t`: ticks, with seconds in a comment when not 0.
fn clock_t(v: u64) -> Value {
    if v == 0 {
        return Value::Uint(0);
    }
    // CLK_TCK is 100 on Linux (the kernel's USER_HZ).
    let (s, f) = (v / 100, v % 100);
    Value::Comment(Box::new(Value::Uint(v)), format!("{s}.{f:02} s"))
}

/// An errno as a field (strace's `PRINT_FIELD_ERR_U`): its name, else the number.
fn errno_value(e: i32) -> Value {
    match nix::errno::Errno::from_raw(e) {
        nix::errno::Errno::UnknownErrno => Value::Uint(e as u32 as u64),
        n => Value::sym(format!("{n:?}")),
    }
}

// linux/audit.h
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;

/// The siginfo of a signal-delivery stop (the kernel's 128 bytes) as strace prints it in
/// braces: `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=0, si_status=0,
/// si_utime=0, si_stime=0}`.
pub fn siginfo(raw: &[u8; 128]) -> Value {
    siginfo_with(raw, &mut |fd| Value::Int(fd as i64))
}

/// [`siginfo`], with `fd` printing an `si_fd` (decorated as `-y` says).
fn siginfo_with(raw: &[u8; 128], fd: &mut dyn FnMut(i32) -> Value) -> Value {
    let signo = i32_at(raw, 0);
    let errno = i32_at(raw, 4);
    let code = i32_at(raw, 8);
    let mut f: Vec<(&'static str, Value)> = Vec::new();
    if signo == 0 {
        return Value::fields(f);
    }
    f.push(("si_signo", value(signo)));
    f.push(("si_code", si_code(code, signo)));
    if code == SI_NOINFO {
        return Value::fields(f);
    }
    if errno != 0 {
        f.push(("si_errno", errno_value(errno)));
    }
    // The union starts at 16 on 64-bit.
    let pid = || Value::Int(i32_at(raw, 16) as i64);
    let uid = || Value::Uint(u32_at(raw, 20) as u64);
    let sigval = |f: &mut Vec<(&'static str, Value)>| {
        f.push(("si_int", Value::Int(i32_at(raw, 24) as i64)));
        f.push(("si_ptr", Value::Ptr(u64_at(raw, 24))));
    };
    let addr = || Value::Ptr(u64_at(raw, 16));
    if code <= 0 {
        match code {
            SI_USER | SI_TKILL => {
                f.push(("si_pid", pid()));
                f.push(("si_uid", uid()));
            }
            SI_TIMER => {
                f.push(("si_timerid", Value::Hex(u32_at(raw, 16) as u64)));
                f.push(("si_overrun", Value::Int(i32_at(raw, 20) as i64)));
                sigval(&mut f);
            }
            SI_SIGIO => {
                f.push(("si_band", Value::Int(u64_at(raw, 16) as i64)));
                f.push(("si_fd", fd(i32_at(raw, 24))));
            }
            _ => {
                f.push(("si_pid", pid()));
                f.push(("si_uid", uid()));
                if u64_at(raw, 24) != 0 {
                    sigval(&mut f);
                }
            }
        }
        return Value::fields(f);
    }
    match signo {
        libc::SIGCHLD => {
            f.push(("si_pid", pid()));
            f.push(("si_uid", uid()));
            let status = i32_at(raw, 24);
            if code == CLD_EXITED {
                f.push(("si_status", Value::Int(status as i64)));
            } else {
                f.push(("si_status", value(status)));
            }
            f.push(("si_utime", clock_t(u64_at(raw, 32))));
            f.push(("si_stime", clock_t(u64_at(raw, 40))));
        }
        libc::SIGILL | libc::SIGFPE | libc::SIGTRAP => {
            f.push(("si_addr", addr()));
            if signo == libc::SIGTRAP && code == 6 {
                // TRAP_PERF
                f.push(("si_perf_data", Value::Hex(u64_at(raw, 32))));
                f.push(("si_perf_type", Value::Uint(u32_at(raw, 40) as u64)));
                f.push(("si_perf_flags", Value::Hex(u32_at(raw, 44) as u64)));
            }
        }
        libc::SIGBUS => {
            f.push(("si_addr", addr()));
            if code == 4 || code == 5 {
                // BUS_MCEERR_AR, BUS_MCEERR_AO: si_addr_lsb, a short at 24.
                let lsb = u16::from_ne_bytes([raw[24], raw[25]]);
                f.push(("si_addr_lsb", Value::Hex(lsb as u64)));
            }
        }
        libc::SIGSEGV => {
            f.push(("si_addr", addr()));
            match code {
                3 => {
                    // SEGV_BNDERR
                    f.push(("si_lower", Value::Ptr(u64_at(raw, 32))));
                    f.push(("si_upper", Value::Ptr(u64_at(raw, 40))));
                }
                4 => f.push(("si_pkey", Value::Uint(u32_at(raw, 32) as u64))),
                _ => {}
            }
        }
        libc::SIGIO => {
            if (1..=6).contains(&code) {
                f.push(("si_band", Value::Int(u64_at(raw, 16) as i64)));
                f.push(("si_fd", fd(i32_at(raw, 24))));
            }
        }
        libc::SIGSYS => {
            f.push(("si_call_addr", addr()));
            let nr = i32_at(raw, 24);
            let arch = u32_at(raw, 28);
            let personality = match arch {
                AUDIT_ARCH_X86_64 => Some(super::Personality::Native),
                AUDIT_ARCH_I386 => Some(super::Personality::Compat32),
                _ => None,
            };
            let sc = personality
                .and_then(|p| p.syscall_name(nr as u32 as u64))
                .map(|n| Value::sym(format!("__NR_{n}")))
                .unwrap_or(Value::Uint(nr as u32 as u64));
            f.push(("si_syscall", sc));
            let arches: &Table = &[
                (AUDIT_ARCH_X86_64 as u64, "AUDIT_ARCH_X86_64"),
                (AUDIT_ARCH_I386 as u64, "AUDIT_ARCH_I386"),
            ];
            f.push((
                "si_arch",
                xlat::enumerated(arch as u64, arches, "AUDIT_ARCH_???"),
            ));
        }
        _ => {
            if i32_at(raw, 16) != 0 || u32_at(raw, 20) != 0 {
                f.push(("si_pid", pid()));
                f.push(("si_uid", uid()));
            }
            if u64_at(raw, 24) != 0 {
                sigval(&mut f);
            }
        }
    }
    Value::fields(f)
}

/// A siginfo at `addr` (strace's `printsiginfo_at`), or the address.
pub fn siginfo_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    match fetch(c, addr, 128) {
        Ok(b) => {
            let mut raw = [0u8; 128];
            raw.copy_from_slice(&b);
            siginfo_with(&raw, &mut |fd| c.fd(fd as i64))
        }
        Err(v) => v,
    }
}

/// The argument of `rt_sigreturn({mask=[]})` given the stack pointer at the call (x86_64,
/// strace's `get_rt_sigframe_addr`: the frame is at `sp - 8`, its `uc.uc_sigmask` 304 bytes
/// in). Ctx does not carry the stack pointer: the tracer passes it (PTRACE_GET_SYSCALL_INFO's
/// `stack_pointer`); until then rt_sigreturn prints as `rt_sigreturn()`.
pub fn rt_sigreturn_arg(c: &mut Ctx<'_>, sp: u64) -> Value {
    let addr = sp.wrapping_sub(8).wrapping_add(304);
    let mask = match fetch(c, addr, NSIG_BYTES) {
        Ok(b) => sigset(&b),
        Err(v) => v,
    };
    Value::fields(vec![("mask", mask)])
}

/// `kill(1234, SIGTERM)`.
fn kill(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(value(c.int(1)));
    Step::Done
}

/// `tkill(1234, SIGTERM)`.
fn tkill(c: &mut Ctx<'_>) -> Step {
    kill(c)
}

/// `tgkill(1234, 1235, SIGTERM)`.
fn tgkill(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(c.int_arg(1));
    c.arg(value(c.int(2)));
    Step::Done
}

// asm/signal.h (x86): libc does not export SA_RESTORER nor the old SA_INTERRUPT.
const SA_RESTORER: u64 = 0x0400_0000;
const SA_INTERRUPT: u64 = 0x2000_0000;

/// strace's `sigact_flags` in its order.
const SIGACT_FLAGS: &Table = crate::xlat![
    (SA_RESTORER, "SA_RESTORER"),
    SA_ONSTACK,
    SA_RESTART,
    (SA_INTERRUPT, "SA_INTERRUPT"),
    SA_NODEFER,
    (libc::SA_RESETHAND as u32 as u64, "SA_RESETHAND"),
    SA_SIGINFO,
    SA_NOCLDSTOP,
    SA_NOCLDWAIT,
];

/// A handler: `SIG_DFL`, `SIG_IGN`, `SIG_ERR` or its address.
fn sa_handler(h: u64) -> Value {
    match h {
        0 => Value::sym("SIG_DFL"),
        1 => Value::sym("SIG_IGN"),
        u64::MAX => Value::sym("SIG_ERR"),
        a => Value::Ptr(a),
    }
}

/// The kernel's `struct sigaction` at `addr` (strace reads its own, larger, struct: 88 bytes).
fn sigaction_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    let b = match fetch(c, addr, 24 + 64) {
        Ok(b) => b,
        Err(v) => return v,
    };
    let flags = u64_at(&b, 8);
    let mut f = vec![
        ("sa_handler", sa_handler(u64_at(&b, 0))),
        ("sa_mask", sigset(&b[24..32])),
        ("sa_flags", xlat::flags(flags, SIGACT_FLAGS)),
    ];
    if flags & SA_RESTORER != 0 {
        f.push(("sa_restorer", Value::Ptr(u64_at(&b, 16))));
    }
    Value::fields(f)
}

/// `rt_sigaction(SIGINT, {sa_handler=0x55.., sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART,
/// sa_restorer=0x7f...}, NULL, 8)`.
fn rt_sigaction(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(value(c.int(0)));
        let v = sigaction_at(c, c.args[1]);
        c.arg(v);
        return Step::Exit;
    }
    let v = sigaction_at(c, c.args[2]);
    c.arg(v);
    c.arg(c.ulong_arg(3));
    Step::Done
}

const SIGPROCMASK_CMDS: &Table = crate::xlat![SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK];

/// `rt_sigprocmask(SIG_BLOCK, [CHLD], [], 8)`.
fn rt_sigprocmask(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(xlat::enumerated(
            c.uint(0) as u64,
            SIGPROCMASK_CMDS,
            "SIG_???",
        ));
        let v = sigset_at(c, c.args[1], c.args[3]);
        c.arg(v);
        return Step::Exit;
    }
    let v = sigset_at(c, c.args[2], c.args[3]);
    c.arg(v);
    c.arg(c.ulong_arg(3));
    Step::Done
}

/// `rt_sigsuspend([], 8)`.
fn rt_sigsuspend(c: &mut Ctx<'_>) -> Step {
    let v = sigset_at(c, c.args[0], c.args[1]);
    c.arg(v);
    c.arg(c.ulong_arg(1));
    Step::Done
}

/// `rt_sigpending([], 8)`: all at exit.
fn rt_sigpending(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let v = sigset_at_min(c, c.args[0], c.args[1], 1);
    c.arg(v);
    c.arg(c.ulong_arg(1));
    Step::Done
}

/// A `struct timespec` at `addr`: `{tv_sec=0, tv_nsec=1000}`, `NULL`, or the address.
pub fn timespec_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    // strace reads input timespecs whatever the call's outcome.
    if addr == 0 {
        return Value::Ptr(0);
    }
    match c.read(addr, 16) {
        Some(b) => Value::fields(vec![
            ("tv_sec", Value::Int(u64_at(&b, 0) as i64)),
            ("tv_nsec", Value::Int(u64_at(&b, 8) as i64)),
        ]),
        None => Value::Ptr(addr),
    }
}

/// `rt_sigtimedwait([USR2], {si_signo=SIGUSR2, ...}, {tv_sec=0, tv_nsec=1000}, 8) = 12
/// (SIGUSR2)`.
fn rt_sigtimedwait(c: &mut Ctx<'_>) -> Step {
    // Without a siginfo strace prints every argument at entry and only the note at exit; the
    // printer would put a ", " after them, so all of them are printed at exit then.
    if !c.exiting() {
        if c.args[1] != 0 {
            let v = sigset_at(c, c.args[0], c.args[3]);
            c.arg(v);
        }
        return Step::Exit;
    }
    if c.args[1] == 0 {
        // Read at entry by strace: the set is input, as it was then.
        let v = sigset_at_entry(c, c.args[0], c.args[3]);
        c.arg(v);
        c.arg(Value::Ptr(0));
    } else {
        let v = siginfo_at(c, c.args[1]);
        c.arg(v);
    }
    let t = timespec_at(c, c.args[2]);
    c.arg(t);
    c.arg(c.ulong_arg(3));
    if let Some(n) = c.rval_ok().filter(|&n| n != 0).and_then(|n| name(n as i32)) {
        c.note(Value::Sym(n));
    }
    Step::Done
}

/// [`sigset_at`] of an input set read at exit: printed even when the call failed.
fn sigset_at_entry(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if len < 8 || len > NSIG_BYTES as u64 {
        return Value::Ptr(addr);
    }
    if addr == 0 {
        return Value::Ptr(0);
    }
    match c.read(addr, len as usize) {
        Some(b) => sigset(&b),
        None => Value::Ptr(addr),
    }
}

/// `rt_sigqueueinfo(1234, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, ...})`.
fn rt_sigqueueinfo(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(value(c.int(1)));
    let v = siginfo_at(c, c.args[2]);
    c.arg(v);
    Step::Done
}

/// `rt_tgsigqueueinfo(1234, 1235, SIGUSR1, {...})`.
fn rt_tgsigqueueinfo(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(c.int_arg(1));
    c.arg(value(c.int(2)));
    let v = siginfo_at(c, c.args[3]);
    c.arg(v);
    Step::Done
}

// asm-generic/signal-defs.h: libc lacks SS_AUTODISARM.
const SS_AUTODISARM: u64 = 1 << 31;
const SIGALTSTACK_FLAGS: &Table =
    crate::xlat![SS_ONSTACK, SS_DISABLE, (SS_AUTODISARM, "SS_AUTODISARM"),];

/// A `stack_t` at `addr`: `{ss_sp=0x..., ss_flags=0, ss_size=65536}`.
fn stack_t_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    match fetch(c, addr, 24) {
        Ok(b) => Value::fields(vec![
            ("ss_sp", Value::Ptr(u64_at(&b, 0))),
            (
                "ss_flags",
                xlat::flags(u32_at(&b, 8) as u64, SIGALTSTACK_FLAGS),
            ),
            ("ss_size", Value::Uint(u64_at(&b, 16))),
        ]),
        Err(v) => v,
    }
}

/// `sigaltstack({ss_sp=..., ss_flags=0, ss_size=65536}, NULL)`.
fn sigaltstack(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let v = stack_t_at(c, c.args[0]);
        c.arg(v);
        return Step::Exit;
    }
    let v = stack_t_at(c, c.args[1]);
    c.arg(v);
    Step::Done
}

/// `alarm(5)` (strace's printargs_u).
fn alarm(c: &mut Ctx<'_>) -> Step {
    c.arg(c.uint_arg(0));
    Step::Done
}

const SFD_FLAGS: &Table = crate::xlat![SFD_CLOEXEC, SFD_NONBLOCK];

fn do_signalfd(c: &mut Ctx<'_>, flags: bool) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let v = sigset_at(c, c.args[1], c.args[2]);
    c.arg(v);
    c.arg(c.ulong_arg(2));
    if flags {
        c.arg(xlat::flags(c.args[3], SFD_FLAGS));
    }
    c.rval(Rval::Fd);
    Step::Done
}

/// `signalfd(-1, [USR2], 8)`.
fn signalfd(c: &mut Ctx<'_>) -> Step {
    do_signalfd(c, false)
}

/// `signalfd4(-1, [USR2], 8, SFD_CLOEXEC|SFD_NONBLOCK)`.
fn signalfd4(c: &mut Ctx<'_>) -> Step {
    do_signalfd(c, true)
}

/// `pidfd_send_signal(3, SIGTERM, NULL, 0)`.
fn pidfd_send_signal(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(value(c.int(1)));
    let v = siginfo_at(c, c.args[2]);
    c.arg(v);
    c.arg(Value::Hex(c.uint(3) as u64));
    Step::Done
}

// linux/pidfd.h: PIDFD_NONBLOCK is O_NONBLOCK.
const PIDFD_OPEN_FLAGS: &Table = &[(libc::O_NONBLOCK as u64, "PIDFD_NONBLOCK")];

/// `pidfd_open(1234, 0) = 3`.
fn pidfd_open(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    c.arg(xlat::flags(c.uint(1) as u64, PIDFD_OPEN_FLAGS));
    c.rval(Rval::Fd);
    Step::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{HexStr, NoFdNames, Opts, Ret};

    fn ok(v: i64) -> Option<Ret> {
        Some(Ret {
            val: v,
            is_error: false,
        })
    }

    fn err(e: i32) -> Option<Ret> {
        Some(Ret {
            val: -(e as i64),
            is_error: true,
        })
    }

    fn l(name: &str, args: [u64; 6], ret: Option<Ret>, mem: &mut FakeMem) -> String {
        line(name, args, ret, &Opts::default(), mem, &mut NoFdNames)
    }

    fn set(sigs: &[i32]) -> [u8; 8] {
        let mut m = 0u64;
        for s in sigs {
            m |= 1 << (s - 1);
        }
        m.to_ne_bytes()
    }

    #[test]
    fn names_as_strace() {
        assert_eq!(name(libc::SIGCHLD).as_deref(), Some("SIGCHLD"));
        assert_eq!(name(32).as_deref(), Some("SIGRTMIN"));
        assert_eq!(name(34).as_deref(), Some("SIGRT_2"));
        assert_eq!(name(64).as_deref(), Some("SIGRT_32"));
        assert_eq!(name(65), None);
        assert_eq!(name(0), None);
        assert_eq!(name(-1), None);
        assert_eq!(value(0).text(HexStr::None), "0");
    }

    #[test]
    fn sets_and_their_complements() {
        let t = |b: &[u8]| sigset(b).text(HexStr::None);
        assert_eq!(t(&set(&[])), "[]");
        assert_eq!(t(&set(&[libc::SIGCHLD])), "[CHLD]");
        assert_eq!(t(&set(&[1, 2, 32, 34])), "[HUP INT RTMIN RT_2]");
        // glibc's sigfillset: all but 32 and 33.
        let all: Vec<i32> = (1..=64).filter(|s| *s != 32 && *s != 33).collect();
        assert_eq!(t(&set(&all)), "~[RTMIN RT_1]");
        assert_eq!(t(&[0xff; 8]), "~[]");
        // 42 of 64 is two thirds: the complement; 41 is not.
        let s42: Vec<i32> = (1..=42).collect();
        assert!(t(&set(&s42)).starts_with("~[RT_11 "));
        let s41: Vec<i32> = (1..=41).collect();
        assert!(t(&set(&s41)).starts_with("[HUP INT "));
    }

    #[test]
    fn kill_and_friends() {
        let mut m = FakeMem::default();
        assert_eq!(
            l("kill", [10414, 10, 0, 0, 0, 0], ok(0), &mut m),
            "kill(10414, SIGUSR1) = 0"
        );
        assert_eq!(
            l("tgkill", [10414, 10414, 10, 0, 0, 0], ok(0), &mut m),
            "tgkill(10414, 10414, SIGUSR1) = 0"
        );
        assert_eq!(
            l("tkill", [10414, 0, 0, 0, 0, 0], ok(0), &mut m),
            "tkill(10414, 0) = 0"
        );
        assert_eq!(
            l("kill", [u64::MAX, 9, 0, 0, 0, 0], err(libc::EPERM), &mut m),
            "kill(-1, SIGKILL) = -1 EPERM (Operation not permitted)"
        );
        assert_eq!(
            l("alarm", [5, 0, 0, 0, 0, 0], ok(0), &mut m),
            "alarm(5) = 0"
        );
    }

    fn sigaction_bytes(handler: u64, flags: u64, restorer: u64, mask: &[i32]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&handler.to_ne_bytes());
        b.extend_from_slice(&flags.to_ne_bytes());
        b.extend_from_slice(&restorer.to_ne_bytes());
        b.extend_from_slice(&set(mask));
        b.resize(88, 0);
        b
    }

    #[test]
    fn rt_sigaction_as_strace() {
        let mut m = FakeMem::default();
        m.put(
            0x1000,
            &sigaction_bytes(
                0x5624822ed339,
                SA_RESTORER | libc::SA_RESTART as u64,
                0x7ffaa7a5f050,
                &[libc::SIGTERM],
            ),
        );
        m.put(0x2000, &sigaction_bytes(0, 0, 0, &[]));
        assert_eq!(
            l("rt_sigaction", [10, 0x1000, 0, 8, 0, 0], ok(0), &mut m),
            "rt_sigaction(SIGUSR1, {sa_handler=0x5624822ed339, sa_mask=[TERM], \
             sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7ffaa7a5f050}, NULL, 8) = 0"
        );
        assert_eq!(
            l("rt_sigaction", [13, 0, 0x2000, 8, 0, 0], ok(0), &mut m),
            "rt_sigaction(SIGPIPE, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0"
        );
        m.put(0x3000, &sigaction_bytes(1, 0x14000004, 0, &[]));
        assert_eq!(
            l(
                "rt_sigaction",
                [2, 0x3000, 0x2000, 8, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "rt_sigaction(SIGINT, {sa_handler=SIG_IGN, sa_mask=[], \
             sa_flags=SA_RESTORER|SA_RESTART|SA_SIGINFO, sa_restorer=NULL}, 0x2000, 8) \
             = -1 EINVAL (Invalid argument)"
        );
        // Unreadable: the address.
        assert_eq!(
            l("rt_sigaction", [2, 0x9000, 0, 8, 0, 0], ok(0), &mut m),
            "rt_sigaction(SIGINT, 0x9000, NULL, 8) = 0"
        );
    }

    #[test]
    fn rt_sigprocmask_as_strace() {
        let mut m = FakeMem::default();
        m.put(0x1000, &set(&[libc::SIGCHLD]));
        let all: Vec<i32> = (1..=64).filter(|s| *s != 32 && *s != 33).collect();
        m.put(0x2000, &set(&all));
        m.put(0x3000, &set(&[]));
        assert_eq!(
            l("rt_sigprocmask", [0, 0x1000, 0, 8, 0, 0], ok(0), &mut m),
            "rt_sigprocmask(SIG_BLOCK, [CHLD], NULL, 8) = 0"
        );
        assert_eq!(
            l(
                "rt_sigprocmask",
                [2, 0x2000, 0x1000, 8, 0, 0],
                ok(0),
                &mut m
            ),
            "rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], [CHLD], 8) = 0"
        );
        // A bad size: addresses; a failed call: the old set's address.
        assert_eq!(
            l(
                "rt_sigprocmask",
                [2, 0x2000, 0x1000, 4, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "rt_sigprocmask(SIG_SETMASK, 0x2000, 0x1000, 4) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            l(
                "rt_sigprocmask",
                [7, 0x3000, 0x1000, 8, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "rt_sigprocmask(0x7 /* SIG_??? */, [], 0x1000, 8) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            l("rt_sigpending", [0x3000, 8, 0, 0, 0, 0], ok(0), &mut m),
            "rt_sigpending([], 8) = 0"
        );
        assert_eq!(
            l(
                "rt_sigsuspend",
                [0x3000, 8, 0, 0, 0, 0],
                err(libc::EINTR),
                &mut m
            ),
            "rt_sigsuspend([], 8) = -1 EINTR (Interrupted system call)"
        );
        assert_eq!(
            l(
                "signalfd4",
                [u64::MAX, 0x1000, 8, 0o2004000, 0, 0],
                ok(3),
                &mut m
            ),
            "signalfd4(-1, [CHLD], 8, SFD_CLOEXEC|SFD_NONBLOCK) = 3"
        );
    }

    fn info(signo: i32, code: i32, words: &[(usize, u64)]) -> [u8; 128] {
        let mut r = [0u8; 128];
        r[0..4].copy_from_slice(&signo.to_ne_bytes());
        r[8..12].copy_from_slice(&code.to_ne_bytes());
        for &(off, v) in words {
            r[off..off + 8].copy_from_slice(&v.to_ne_bytes());
        }
        r
    }

    #[test]
    fn siginfo_as_strace() {
        let t = |r: [u8; 128]| siginfo(&r).text(HexStr::None);
        assert_eq!(
            t(info(17, 1, &[(16, 10415), (24, 3)])),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=10415, si_uid=0, si_status=3, \
             si_utime=0, si_stime=0}"
        );
        assert_eq!(
            t(info(17, 2, &[(16, 10416), (24, 15), (32, 1234)])),
            "{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=10416, si_uid=0, \
             si_status=SIGTERM, si_utime=1234 /* 12.34 s */, si_stime=0}"
        );
        assert_eq!(
            t(info(11, 1, &[])),
            "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}"
        );
        assert_eq!(
            t(info(10, 0, &[(16, 10414)])),
            "{si_signo=SIGUSR1, si_code=SI_USER, si_pid=10414, si_uid=0}"
        );
        assert_eq!(
            t(info(12, -6, &[(16, 10414)])),
            "{si_signo=SIGUSR2, si_code=SI_TKILL, si_pid=10414, si_uid=0}"
        );
        assert_eq!(
            t(info(10, -1, &[(16, 10414), (24, 0x56240000002a)])),
            "{si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=10414, si_uid=0, si_int=42, \
             si_ptr=0x56240000002a}"
        );
        assert_eq!(
            t(info(11, 0x80, &[])),
            "{si_signo=SIGSEGV, si_code=SI_KERNEL, si_addr=NULL}"
        );
        assert_eq!(
            t(info(2, 0x80, &[])),
            "{si_signo=SIGINT, si_code=SI_KERNEL}"
        );
        assert_eq!(
            t(info(11, 99, &[(16, 0x1000)])),
            "{si_signo=SIGSEGV, si_code=0x63, si_addr=0x1000}"
        );
        let mut r = info(31, 1, &[(16, 0x7f0000001234)]);
        r[24..28].copy_from_slice(&39i32.to_ne_bytes());
        r[28..32].copy_from_slice(&AUDIT_ARCH_X86_64.to_ne_bytes());
        assert_eq!(
            t(r),
            "{si_signo=SIGSYS, si_code=SYS_SECCOMP, si_call_addr=0x7f0000001234, \
             si_syscall=__NR_getpid, si_arch=AUDIT_ARCH_X86_64}"
        );
        assert_eq!(t([0; 128]), "{}");
    }

    #[test]
    fn calls_with_siginfo() {
        let mut m = FakeMem::default();
        m.put(0x1000, &set(&[libc::SIGUSR2]));
        m.put(0x2000, &info(12, -6, &[(16, 10414)]));
        m.put(0x3000, &[0xe8, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut ts = [0u8; 16];
        ts[8..].copy_from_slice(&1000u64.to_ne_bytes());
        m.put(0x3000, &ts);
        assert_eq!(
            l(
                "rt_sigtimedwait",
                [0x1000, 0x2000, 0x3000, 8, 0, 0],
                ok(12),
                &mut m
            ),
            "rt_sigtimedwait([USR2], {si_signo=SIGUSR2, si_code=SI_TKILL, si_pid=10414, \
             si_uid=0}, {tv_sec=0, tv_nsec=1000}, 8) = 12 (SIGUSR2)"
        );
        assert_eq!(
            l(
                "rt_sigtimedwait",
                [0x1000, 0x2000, 0x3000, 8, 0, 0],
                err(libc::EAGAIN),
                &mut m
            ),
            "rt_sigtimedwait([USR2], 0x2000, {tv_sec=0, tv_nsec=1000}, 8) \
             = -1 EAGAIN (Resource temporarily unavailable)"
        );
        assert_eq!(
            l("rt_sigtimedwait", [0x1000, 0, 0, 8, 0, 0], ok(12), &mut m),
            "rt_sigtimedwait([USR2], NULL, NULL, 8) = 12 (SIGUSR2)"
        );
        assert_eq!(
            l(
                "rt_sigtimedwait",
                [0x1000, 0, 0x3000, 8, 0, 0],
                err(libc::EAGAIN),
                &mut m
            ),
            "rt_sigtimedwait([USR2], NULL, {tv_sec=0, tv_nsec=1000}, 8) \
             = -1 EAGAIN (Resource temporarily unavailable)"
        );
        m.put(0x4000, &info(10, -1, &[(16, 10414), (24, 0x56240000002a)]));
        assert_eq!(
            l(
                "rt_sigqueueinfo",
                [10414, 10, 0x4000, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "rt_sigqueueinfo(10414, SIGUSR1, {si_signo=SIGUSR1, si_code=SI_QUEUE, \
             si_pid=10414, si_uid=0, si_int=42, si_ptr=0x56240000002a}) = 0"
        );
        assert_eq!(
            l("pidfd_send_signal", [3, 0, 0, 0, 0, 0], ok(0), &mut m),
            "pidfd_send_signal(3, 0, NULL, 0) = 0"
        );
        assert_eq!(
            l("pidfd_open", [10414, 0, 0, 0, 0, 0], ok(3), &mut m),
            "pidfd_open(10414, 0) = 3"
        );
    }

    #[test]
    fn rt_sigreturn_reads_the_frames_mask() {
        let mut m = FakeMem::default();
        m.put(0x7000 + 296, &set(&[libc::SIGUSR2]));
        let opts = Opts::default();
        let mut state = crate::trace::decode::CallState::default();
        let mut fds = NoFdNames;
        let mut c = Ctx::new(
            1,
            crate::trace::arch::Personality::Native,
            15,
            [0; 6],
            None,
            &opts,
            &mut state,
            &mut m,
            &mut fds,
        );
        assert_eq!(
            rt_sigreturn_arg(&mut c, 0x7000).text(HexStr::None),
            "{mask=[USR2]}"
        );
        assert_eq!(
            rt_sigreturn_arg(&mut c, 0x9000).text(HexStr::None),
            "{mask=0x9128}"
        );
    }

    #[test]
    fn sigaltstack_as_strace() {
        let mut m = FakeMem::default();
        let mut b = Vec::new();
        b.extend_from_slice(&0x5624a101c2a0u64.to_ne_bytes());
        b.extend_from_slice(&0u64.to_ne_bytes());
        b.extend_from_slice(&65536u64.to_ne_bytes());
        m.put(0x1000, &b);
        let mut o = vec![0u8; 24];
        o[8] = 2;
        m.put(0x2000, &o);
        assert_eq!(
            l("sigaltstack", [0x1000, 0x2000, 0, 0, 0, 0], ok(0), &mut m),
            "sigaltstack({ss_sp=0x5624a101c2a0, ss_flags=0, ss_size=65536}, \
             {ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}) = 0"
        );
        assert_eq!(
            l("sigaltstack", [0, 0x1000, 0, 0, 0, 0], ok(0), &mut m),
            "sigaltstack(NULL, {ss_sp=0x5624a101c2a0, ss_flags=0, ss_size=65536}) = 0"
        );
    }
}
