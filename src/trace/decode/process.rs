//! Decoders of the process family (see [`super`] for how a decoder works): execve and
//! execveat (argv cut at `-s` elements, the environment as a count unless `-v`), clone and
//! clone3, wait4 and waitid (the wait status as strace's `{WIFEXITED(s) && WEXITSTATUS(s) ==
//! 0}`), exit, prctl and arch_prctl, resource limits (`rlim_cur=8192*1024`), capabilities,
//! seccomp, namespaces and personality, after strace's `execve.c`, `clone.c`, `wait.c`,
//! `prctl.c`, `resource.c`, `capability.c`, `seccomp.c` and `personality.c`. Calls strace
//! prints with `printargs` (rseq, set_tid_address, fork, vfork, kcmp) are left to the
//! generic printer, which prints them the same way.
#![forbid(unsafe_code)]

use super::signal::{self, fetch};
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    Some(match name {
        "execve" => execve,
        "execveat" => execveat,
        "clone" => clone,
        "clone3" => clone3,
        "wait4" => wait4,
        "waitid" => waitid,
        "exit" | "exit_group" => exit,
        "prctl" => prctl,
        "arch_prctl" => arch_prctl,
        "set_robust_list" => set_robust_list,
        "prlimit64" => prlimit64,
        "getrlimit" => getrlimit,
        "setrlimit" => setrlimit,
        "capget" => capget,
        "capset" => capset,
        "seccomp" => seccomp,
        "unshare" => unshare,
        "setns" => setns,
        "personality" => personality,
        _ => return None,
    })
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap_or_default())
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_ne_bytes(b[off..off + 8].try_into().unwrap_or_default())
}

/// A NUL-terminated string of at most `len` bytes (strace's `printstr_ex` with
/// `QUOTE_0_TERMINATED`): `"..."...` when no NUL is within them or `-s` cuts it.
fn strn(c: &mut Ctx<'_>, addr: u64, len: usize) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let limit = c.opts.string_limit;
    let size = (limit + 1).min(len);
    match c.read_cstr(addr, size) {
        Some((mut bytes, mut more)) => {
            if bytes.len() > limit {
                bytes.truncate(limit);
                more = true;
            }
            Value::Str { bytes, more }
        }
        None => Value::Ptr(addr),
    }
}

/// `[v]` of an int at `addr` printed by `f`, or the address (strace's `printnum_int`).
fn num_int(c: &mut Ctx<'_>, addr: u64, f: impl Fn(i32) -> Value) -> Value {
    match fetch(c, addr, 4) {
        Ok(b) => Value::boxed(f(u32_at(&b, 0) as i32)),
        Err(v) => v,
    }
}

/// `[0x7f...]` of a pointer at `addr`, or the address (strace's `printnum_kptr`).
fn num_ptr(c: &mut Ctx<'_>, addr: u64) -> Value {
    match fetch(c, addr, 8) {
        Ok(b) => Value::boxed(Value::Hex(u64_at(&b, 0))),
        Err(v) => v,
    }
}

// --- execve ---

/// An argv or envp array in full (strace's `printargv`): cut at `-s` elements unless `-v`.
fn argv(c: &mut Ctx<'_>, addr: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let mut items = Vec::new();
    let mut at = addr;
    loop {
        let Some(word) = c.read_u64(at) else {
            if items.is_empty() {
                return Value::Ptr(at);
            }
            // `[..., ... /* 0x7ffd... */]`: the array runs into unreadable memory.
            items.push(Value::Comment(
                Box::new(Value::Sym("...".into())),
                format!("{at:#x}"),
            ));
            return Value::array(items);
        };
        if word == 0 {
            return Value::array(items);
        }
        if !c.opts.verbose && items.len() >= c.opts.string_limit {
            return Value::Array { items, more: true };
        }
        let s = c.cstr(word);
        items.push(s);
        at = at.wrapping_add(8);
        if at < addr {
            return Value::array(items);
        }
    }
}

/// The environment without `-v` (strace's `printargc`): `0x7ffd... /* 23 vars */`.
fn argc(c: &mut Ctx<'_>, addr: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let mut n = 0usize;
    let mut at = addr;
    loop {
        match c.read_u64(at) {
            None if n == 0 => return Value::Ptr(addr),
            None | Some(0) => break,
            Some(_) => n += 1,
        }
        at = at.wrapping_add(8);
        if at < addr {
            break;
        }
    }
    let s = if n == 1 { "" } else { "s" };
    Value::Comment(Box::new(Value::Ptr(addr)), format!("{n} var{s}"))
}

fn decode_execve(c: &mut Ctx<'_>, i: usize) {
    let p = c.path_arg(i);
    c.arg(p);
    let a = argv(c, c.args[i + 1]);
    c.arg(a);
    let e = if c.opts.verbose {
        argv(c, c.args[i + 2])
    } else {
        argc(c, c.args[i + 2])
    };
    c.arg(e);
}

/// `execve("/bin/ls", ["ls", "/"], 0x7ffd... /* 23 vars */)`.
fn execve(c: &mut Ctx<'_>) -> Step {
    decode_execve(c, 0);
    Step::Done
}

const AT_FLAGS: &Table = crate::xlat![
    AT_SYMLINK_NOFOLLOW,
    AT_REMOVEDIR,
    AT_SYMLINK_FOLLOW,
    AT_NO_AUTOMOUNT,
    AT_EMPTY_PATH,
    AT_RECURSIVE,
];

/// `execveat(AT_FDCWD, "", [...], NULL, AT_EMPTY_PATH)`.
fn execveat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    decode_execve(c, 1);
    c.arg(xlat::flags(c.uint(4) as u64, AT_FLAGS));
    Step::Done
}

// --- clone ---

const CLONE_FLAGS: &Table = crate::xlat![
    CLONE_VM,
    CLONE_FS,
    CLONE_FILES,
    CLONE_SIGHAND,
    CLONE_PIDFD,
    CLONE_PTRACE,
    CLONE_VFORK,
    CLONE_PARENT,
    CLONE_THREAD,
    CLONE_NEWNS,
    CLONE_SYSVSEM,
    CLONE_SETTLS,
    CLONE_PARENT_SETTID,
    CLONE_CHILD_CLEARTID,
    CLONE_UNTRACED,
    CLONE_CHILD_SETTID,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_IO,
];

/// clone3's flags: [`CLONE_FLAGS`], then the 64-bit ones.
const CLONE3_FLAGS: &Table = crate::xlat![
    CLONE_NEWTIME,
    (CLONE_CLEAR_SIGHAND, "CLONE_CLEAR_SIGHAND"),
    (CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"),
];

// linux/sched.h: libc's are c_int and overflow.
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

fn clone_flag_names(v: u64, tables: &[&Table]) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = v;
    for t in tables {
        for &(bit, n) in t.iter() {
            if bit != 0 && rest & bit == bit {
                names.push(n.to_string());
                rest &= !bit;
            }
        }
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    names
}

const CSIGNAL: u64 = libc::CSIGNAL as u64;
const CLONE_SETTID_ANY: u64 = (libc::CLONE_PARENT_SETTID
    | libc::CLONE_PIDFD
    | libc::CLONE_CHILD_SETTID
    | libc::CLONE_CHILD_CLEARTID
    | libc::CLONE_SETTLS) as u64;

/// `clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD,
/// child_tidptr=0x7f...) = 1234` (x86_64's order: flags, stack, parent_tid, child_tid, tls).
fn clone(c: &mut Ctx<'_>) -> Step {
    let flags = c.args[0] & !CSIGNAL;
    if !c.exiting() {
        let sig = (c.args[0] & CSIGNAL) as i32;
        c.arg(Value::Named("child_stack", Box::new(c.ptr_arg(1))));
        let f = if flags != 0 {
            let names = xlat::flag_names(flags, CLONE_FLAGS);
            if sig != 0 {
                let mut parts: Vec<Value> = vec![Value::Flags(names)];
                parts.push(signal::value(sig));
                Value::Or(parts)
            } else {
                Value::Flags(names)
            }
        } else {
            signal::value(sig)
        };
        c.arg(Value::Named("flags", Box::new(f)));
        c.state.sep_at_exit = true;
        return if flags & CLONE_SETTID_ANY == 0 {
            Step::Done
        } else {
            Step::Exit
        };
    }
    let pidfd_or_ptid = (libc::CLONE_PARENT_SETTID | libc::CLONE_PIDFD) as u64;
    if flags & pidfd_or_ptid != 0 {
        let addr = c.args[2];
        let v = if flags & libc::CLONE_PARENT_SETTID as u64 != 0 {
            num_int(c, addr, |n| Value::Int(n as i64))
        } else {
            match fetch(c, addr, 4) {
                Ok(b) => {
                    let fd = c.fd(u32_at(&b, 0) as i32 as i64);
                    Value::boxed(fd)
                }
                Err(v) => v,
            }
        };
        c.arg(Value::Named("parent_tid", Box::new(v)));
    }
    if flags & libc::CLONE_SETTLS as u64 != 0 {
        c.arg(Value::Named("tls", Box::new(c.ptr_arg(4))));
    }
    if flags & (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID) as u64 != 0 {
        c.arg(Value::Named("child_tidptr", Box::new(c.ptr_arg(3))));
    }
    Step::Done
}

/// `struct clone_args` (linux/sched.h): up to `tls` at least, 88 bytes in all.
const CLONE_ARGS_MIN: usize = 64;
const CLONE_ARGS_SIZE: usize = 88;

/// clone3's struct as at entry: `{flags=CLONE_VM|..., child_tid=..., exit_signal=0, ...}`.
fn clone_args(c: &mut Ctx<'_>, b: &[u8]) -> Value {
    let flags = u64_at(b, 0);
    let mut f: Vec<(&'static str, Value)> = vec![(
        "flags",
        Value::Flags(clone_flag_names(flags, &[CLONE_FLAGS, CLONE3_FLAGS])),
    )];
    if flags & libc::CLONE_PIDFD as u64 != 0 {
        f.push(("pidfd", Value::Ptr(u64_at(b, 8))));
    }
    if flags & (libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID) as u64 != 0 {
        f.push(("child_tid", Value::Ptr(u64_at(b, 16))));
    }
    if flags & libc::CLONE_PARENT_SETTID as u64 != 0 {
        f.push(("parent_tid", Value::Ptr(u64_at(b, 24))));
    }
    let exit_signal = u64_at(b, 32);
    if exit_signal < i32::MAX as u64 {
        f.push(("exit_signal", signal::value(exit_signal as i32)));
    } else {
        f.push(("exit_signal", Value::Uint(exit_signal)));
    }
    f.push(("stack", Value::Ptr(u64_at(b, 40))));
    f.push(("stack_size", Value::Hex(u64_at(b, 48))));
    if flags & libc::CLONE_SETTLS as u64 != 0 {
        f.push(("tls", Value::Ptr(u64_at(b, 56))));
    }
    if b.len() >= 80 {
        let (set_tid, n) = (u64_at(b, 64), u64_at(b, 72));
        if set_tid != 0 || n != 0 {
            let v = if set_tid == 0 || n == 0 || n > 32 {
                Value::Ptr(set_tid)
            } else {
                int_array(c, set_tid, n as usize)
            };
            f.push(("set_tid", v));
            f.push(("set_tid_size", Value::Uint(n)));
        }
    }
    if b.len() > 80 {
        let cgroup = u64_at(b, 80);
        if cgroup != 0 || flags & CLONE_INTO_CGROUP != 0 {
            f.push(("cgroup", Value::Uint(cgroup)));
        }
    }
    Value::fields(f)
}

/// `n` ints at `addr` (strace's `print_array` of ints, cut at `-s` elements).
fn int_array(c: &mut Ctx<'_>, addr: u64, n: usize) -> Value {
    let mut items = Vec::new();
    for i in 0..n {
        if !c.opts.verbose && i >= c.opts.string_limit {
            return Value::Array { items, more: true };
        }
        match c.read_i32(addr + 4 * i as u64) {
            Some(v) => items.push(Value::Int(v as i64)),
            None if i == 0 => return Value::Ptr(addr),
            None => {
                items.push(Value::Comment(
                    Box::new(Value::Sym("...".into())),
                    format!("{:#x}", addr + 4 * i as u64),
                ));
                break;
            }
        }
    }
    Value::array(items)
}

/// `clone3({flags=CLONE_VM|..., child_tid=0x..., parent_tid=0x..., exit_signal=0,
/// stack=0x..., stack_size=0x..., tls=0x...} => {parent_tid=[1235]}, 88) = 1235`.
fn clone3(c: &mut Ctx<'_>) -> Step {
    let (addr, size) = (c.args[0], c.args[1]);
    let fetch_size = (size as usize).min(CLONE_ARGS_SIZE);
    // What entry prints, rebuilt at exit (the struct is not the kernel's to change).
    let entry = |c: &mut Ctx<'_>| -> (Value, Option<u64>) {
        if fetch_size < CLONE_ARGS_MIN {
            return (Value::Ptr(addr), None);
        }
        match c.read(addr, fetch_size) {
            Some(b) if addr != 0 => {
                let v = clone_args(c, &b);
                (v, Some(u64_at(&b, 0)))
            }
            _ => (Value::Ptr(addr), None),
        }
    };
    let ptid_or_pidfd = (libc::CLONE_PIDFD | libc::CLONE_PARENT_SETTID) as u64;
    if !c.exiting() {
        let (v, flags) = entry(c);
        match flags {
            Some(f) if f & ptid_or_pidfd != 0 => {
                // The struct is printed with what the kernel wrote, at exit.
                return Step::Exit;
            }
            _ => {}
        }
        c.arg(v);
        c.arg(c.ulong_arg(1));
        return Step::Done;
    }
    let (v, flags) = entry(c);
    let flags = flags.unwrap_or(0);
    if c.failed() {
        c.arg(v);
        c.arg(c.ulong_arg(1));
        return Step::Done;
    }
    let Some(b) = c.read(addr, fetch_size) else {
        c.arg(Value::InOut(Box::new(v), Box::new(Value::Ptr(addr))));
        c.arg(c.ulong_arg(1));
        return Step::Done;
    };
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    if flags & libc::CLONE_PIDFD as u64 != 0 {
        let a = u64_at(&b, 8);
        let pv = match fetch(c, a, 4) {
            Ok(x) => {
                let fd = c.fd(u32_at(&x, 0) as i32 as i64);
                Value::boxed(fd)
            }
            Err(e) => e,
        };
        out.push(("pidfd", pv));
    }
    if flags & libc::CLONE_PARENT_SETTID as u64 != 0 {
        let a = u64_at(&b, 24);
        out.push(("parent_tid", num_int(c, a, |n| Value::Int(n as i64))));
    }
    if out.is_empty() {
        c.arg(v);
    } else {
        c.arg(Value::InOut(Box::new(v), Box::new(Value::fields(out))));
    }
    c.arg(c.ulong_arg(1));
    Step::Done
}

// --- wait ---

/// A wait status as strace's `printstatus`, in brackets.
fn wait_status(status: i32) -> Value {
    let s = status as u32;
    let (text, rest) = if s & 0xff == 0x7f {
        let sig = ((s >> 8) & 0xff) as i32;
        let name = signal::name(sig & 0x7f).unwrap_or_else(|| (sig & 0x7f).to_string());
        let t = format!(
            "{{WIFSTOPPED(s) && WSTOPSIG(s) == {name}{}}}",
            if sig & 0x80 != 0 { " | 0x80" } else { "" }
        );
        (t, s & !(((sig as u32) << 8) | 0x7f))
    } else if s & 0x7f != 0 && s & 0x7f != 0x7f {
        // WIFSIGNALED: the low 7 bits are a signal (not 0, not 0x7f).
        let sig = (s & 0x7f) as i32;
        let name = signal::name(sig).unwrap_or_else(|| sig.to_string());
        let core = s & 0x80 != 0;
        let t = format!(
            "{{WIFSIGNALED(s) && WTERMSIG(s) == {name}{}}}",
            if core { " && WCOREDUMP(s)" } else { "" }
        );
        (t, s & !(0x7f | 0x80))
    } else if s & 0x7f == 0 {
        let code = (s >> 8) & 0xff;
        (
            format!("{{WIFEXITED(s) && WEXITSTATUS(s) == {code}}}"),
            s & !(code << 8),
        )
    } else if s == 0xffff {
        ("{WIFCONTINUED(s)}".to_string(), 0)
    } else {
        return Value::boxed(Value::Hex(s as u64));
    };
    let mut parts = vec![Value::Sym(text)];
    let mut rest = rest;
    if rest != 0 {
        let event = rest >> 16;
        if event != 0 {
            let events: &Table = &[
                (1, "PTRACE_EVENT_FORK"),
                (2, "PTRACE_EVENT_VFORK"),
                (3, "PTRACE_EVENT_CLONE"),
                (4, "PTRACE_EVENT_EXEC"),
                (5, "PTRACE_EVENT_VFORK_DONE"),
                (6, "PTRACE_EVENT_EXIT"),
                (7, "PTRACE_EVENT_SECCOMP"),
                (0x80, "PTRACE_EVENT_STOP"),
            ];
            let e = xlat::enumerated(event as u64, events, "PTRACE_EVENT_???");
            parts.push(Value::Sym(format!("{}<<16", e.text(super::HexStr::None))));
            rest &= 0xffff;
        }
        if rest != 0 {
            parts.push(Value::Hex(rest as u64));
        }
    }
    let v = if parts.len() == 1 {
        parts.pop().unwrap_or(Value::Int(0))
    } else {
        Value::Or(parts)
    };
    Value::boxed(v)
}

const WAIT_OPTIONS: &Table = crate::xlat![
    WNOHANG,
    WEXITED,
    WSTOPPED,
    WCONTINUED,
    WNOWAIT,
    __WCLONE,
    __WALL,
    __WNOTHREAD,
];

/// A `struct timeval` in `b` at `off`.
fn timeval(b: &[u8], off: usize) -> Value {
    Value::fields(vec![
        ("tv_sec", Value::Int(u64_at(b, off) as i64)),
        ("tv_usec", Value::Int(u64_at(b, off + 8) as i64)),
    ])
}

/// A `struct rusage` at `addr` (strace's `printrusage`): the times, the rest with `-v`.
fn rusage_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    let b = match fetch(c, addr, 144) {
        Ok(b) => b,
        Err(v) => return v,
    };
    let mut f = vec![("ru_utime", timeval(&b, 0)), ("ru_stime", timeval(&b, 16))];
    if !c.opts.verbose {
        return Value::Struct {
            fields: f,
            more: true,
        };
    }
    const NAMES: [&str; 14] = [
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
    for (i, n) in NAMES.iter().enumerate() {
        f.push((n, Value::Uint(u64_at(&b, 32 + 8 * i))));
    }
    Value::fields(f)
}

/// `wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1234`.
fn wait4(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(c.int_arg(0));
        return Step::Exit;
    }
    let rv = c.ret.map(|r| r.val).unwrap_or(0);
    let st = if rv == 0 {
        c.ptr_arg(1)
    } else {
        match fetch(c, c.args[1], 4) {
            Ok(b) => wait_status(u32_at(&b, 0) as i32),
            Err(v) => v,
        }
    };
    c.arg(st);
    c.arg(xlat::flags(c.uint(2) as u64, WAIT_OPTIONS));
    let ru = if rv > 0 && !c.failed() {
        rusage_at(c, c.args[3])
    } else {
        c.ptr_arg(3)
    };
    c.arg(ru);
    Step::Done
}

const WAITID_TYPES: &Table = crate::xlat![P_ALL, P_PID, P_PGID, P_PIDFD];

/// `waitid(P_PID, 1234, {si_signo=SIGCHLD, ...}, WEXITED, NULL) = 0`.
fn waitid(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let idtype = c.uint(0);
        c.arg(xlat::enumerated(idtype as u64, WAITID_TYPES, "P_???"));
        let id = if idtype == libc::P_PIDFD {
            c.fd_arg(1)
        } else {
            c.int_arg(1)
        };
        c.arg(id);
        return Step::Exit;
    }
    let si = signal::siginfo_at(c, c.args[2]);
    c.arg(si);
    c.arg(xlat::flags(c.uint(3) as u64, WAIT_OPTIONS));
    let ru = rusage_at(c, c.args[4]);
    c.arg(ru);
    Step::Done
}

/// `exit_group(0)` (strace's printargs_d).
fn exit(c: &mut Ctx<'_>) -> Step {
    c.arg(c.int_arg(0));
    Step::Done
}

/// `set_robust_list(0x7f..., 24)` (strace decodes it as munmap).
fn set_robust_list(c: &mut Ctx<'_>) -> Step {
    c.arg(c.ptr_arg(0));
    c.arg(c.ulong_arg(1));
    Step::Done
}

// --- prctl ---

// linux/prctl.h: options libc has only on other targets.
const PR_SVE_SET_VL: i32 = 50;
const PR_SVE_GET_VL: i32 = 51;
const PR_PAC_RESET_KEYS: i32 = 54;
const PR_SET_TAGGED_ADDR_CTRL: i32 = 55;
const PR_GET_TAGGED_ADDR_CTRL: i32 = 56;
const PR_SET_IO_FLUSHER: i32 = 57;
const PR_GET_IO_FLUSHER: i32 = 58;
const PR_SET_SYSCALL_USER_DISPATCH: i32 = 59;
const PR_PAC_SET_ENABLED_KEYS: i32 = 60;
const PR_PAC_GET_ENABLED_KEYS: i32 = 61;
const PR_SME_SET_VL: i32 = 63;
const PR_SME_GET_VL: i32 = 64;
const PR_SPEC_L1D_FLUSH: u64 = 2;
const PR_SYS_DISPATCH_OFF: u64 = 0;
const PR_SYS_DISPATCH_ON: u64 = 1;

/// strace 6.1's `prctl_options`: the options it names (newer ones print as numbers).
const PRCTL_OPTIONS: &Table = crate::xlat![
    PR_SET_PDEATHSIG,
    PR_GET_PDEATHSIG,
    PR_GET_DUMPABLE,
    PR_SET_DUMPABLE,
    PR_GET_UNALIGN,
    PR_SET_UNALIGN,
    PR_GET_KEEPCAPS,
    PR_SET_KEEPCAPS,
    PR_GET_FPEMU,
    PR_SET_FPEMU,
    PR_GET_FPEXC,
    PR_SET_FPEXC,
    PR_GET_TIMING,
    PR_SET_TIMING,
    PR_SET_NAME,
    PR_GET_NAME,
    PR_GET_ENDIAN,
    PR_SET_ENDIAN,
    PR_GET_SECCOMP,
    PR_SET_SECCOMP,
    PR_CAPBSET_READ,
    PR_CAPBSET_DROP,
    PR_GET_TSC,
    PR_SET_TSC,
    PR_GET_SECUREBITS,
    PR_SET_SECUREBITS,
    PR_SET_TIMERSLACK,
    PR_GET_TIMERSLACK,
    PR_TASK_PERF_EVENTS_DISABLE,
    PR_TASK_PERF_EVENTS_ENABLE,
    PR_MCE_KILL,
    PR_MCE_KILL_GET,
    PR_SET_MM,
    PR_SET_CHILD_SUBREAPER,
    PR_GET_CHILD_SUBREAPER,
    PR_SET_NO_NEW_PRIVS,
    PR_GET_NO_NEW_PRIVS,
    PR_GET_TID_ADDRESS,
    PR_SET_THP_DISABLE,
    PR_GET_THP_DISABLE,
    PR_MPX_ENABLE_MANAGEMENT,
    PR_MPX_DISABLE_MANAGEMENT,
    PR_SET_FP_MODE,
    PR_GET_FP_MODE,
    PR_CAP_AMBIENT,
    (PR_SVE_SET_VL as u64, "PR_SVE_SET_VL"),
    (PR_SVE_GET_VL as u64, "PR_SVE_GET_VL"),
    PR_GET_SPECULATION_CTRL,
    PR_SET_SPECULATION_CTRL,
    (PR_PAC_RESET_KEYS as u64, "PR_PAC_RESET_KEYS"),
    (PR_SET_TAGGED_ADDR_CTRL as u64, "PR_SET_TAGGED_ADDR_CTRL"),
    (PR_GET_TAGGED_ADDR_CTRL as u64, "PR_GET_TAGGED_ADDR_CTRL"),
    (PR_SET_IO_FLUSHER as u64, "PR_SET_IO_FLUSHER"),
    (PR_GET_IO_FLUSHER as u64, "PR_GET_IO_FLUSHER"),
    (
        PR_SET_SYSCALL_USER_DISPATCH as u64,
        "PR_SET_SYSCALL_USER_DISPATCH",
    ),
    (PR_PAC_SET_ENABLED_KEYS as u64, "PR_PAC_SET_ENABLED_KEYS"),
    (PR_PAC_GET_ENABLED_KEYS as u64, "PR_PAC_GET_ENABLED_KEYS"),
    PR_SCHED_CORE,
    (PR_SME_SET_VL as u64, "PR_SME_SET_VL"),
    (PR_SME_GET_VL as u64, "PR_SME_GET_VL"),
    PR_SET_VMA,
    PR_SET_PTRACER,
];

// linux/sched/coredump.h (strace's pr_dumpable): libc has none of them.
const PR_DUMPABLE: &Table = crate::xlat![
    (0, "SUID_DUMP_DISABLE"),
    (1, "SUID_DUMP_USER"),
    (2, "SUID_DUMP_ROOT"),
];

/// Capability names by number (linux/capability.h; libc has none of them).
pub const CAPS: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// A capability number: `CAP_SYS_ADMIN`, else `0x29 /* CAP_??? */`.
fn cap(v: u64) -> Value {
    match usize::try_from(v).ok().and_then(|i| CAPS.get(i)) {
        Some(n) => Value::sym(*n),
        None => Value::Comment(Box::new(Value::Hex(v)), "CAP_???".into()),
    }
}

const PR_CAP_AMBIENT_OPS: &Table = crate::xlat![
    PR_CAP_AMBIENT_IS_SET,
    PR_CAP_AMBIENT_RAISE,
    PR_CAP_AMBIENT_LOWER,
    PR_CAP_AMBIENT_CLEAR_ALL,
];
const PR_MCE_KILL_OPS: &Table = crate::xlat![PR_MCE_KILL_CLEAR, PR_MCE_KILL_SET];
const PR_MCE_KILL_POLICY: &Table =
    crate::xlat![PR_MCE_KILL_LATE, PR_MCE_KILL_EARLY, PR_MCE_KILL_DEFAULT];
const PR_TSC: &Table = crate::xlat![PR_TSC_ENABLE, PR_TSC_SIGSEGV];
const PR_UNALIGN: &Table = crate::xlat![PR_UNALIGN_NOPRINT, PR_UNALIGN_SIGBUS];
const PR_FP_MODE: &Table = crate::xlat![PR_FP_MODE_FR, PR_FP_MODE_FRE];
const PR_SPEC_CMDS: &Table = crate::xlat![
    PR_SPEC_STORE_BYPASS,
    PR_SPEC_INDIRECT_BRANCH,
    (PR_SPEC_L1D_FLUSH, "PR_SPEC_L1D_FLUSH"),
];
const PR_SPEC_GET_FLAGS: &Table = crate::xlat![
    PR_SPEC_PRCTL,
    PR_SPEC_ENABLE,
    PR_SPEC_DISABLE,
    PR_SPEC_FORCE_DISABLE,
    PR_SPEC_DISABLE_NOEXEC,
];
const PR_SPEC_SET_FLAGS: &Table = crate::xlat![
    PR_SPEC_ENABLE,
    PR_SPEC_DISABLE,
    PR_SPEC_FORCE_DISABLE,
    PR_SPEC_DISABLE_NOEXEC,
];
const PR_SET_MM_OPS: &Table = crate::xlat![
    PR_SET_MM_START_CODE,
    PR_SET_MM_END_CODE,
    PR_SET_MM_START_DATA,
    PR_SET_MM_END_DATA,
    PR_SET_MM_START_STACK,
    PR_SET_MM_START_BRK,
    PR_SET_MM_BRK,
    PR_SET_MM_ARG_START,
    PR_SET_MM_ARG_END,
    PR_SET_MM_ENV_START,
    PR_SET_MM_ENV_END,
    PR_SET_MM_AUXV,
    PR_SET_MM_EXE_FILE,
    PR_SET_MM_MAP,
    PR_SET_MM_MAP_SIZE,
];
const PR_SUD_CMDS: &Table = crate::xlat![
    (PR_SYS_DISPATCH_OFF, "PR_SYS_DISPATCH_OFF"),
    (PR_SYS_DISPATCH_ON, "PR_SYS_DISPATCH_ON"),
];
const PR_SET_VMA_OPS: &Table = crate::xlat![PR_SET_VMA_ANON_NAME];
const SECCOMP_MODES: &Table = crate::xlat![
    SECCOMP_MODE_DISABLED,
    SECCOMP_MODE_STRICT,
    SECCOMP_MODE_FILTER
];

// linux/securebits.h: libc has none of them.
const SECBITS: &Table = crate::xlat![
    (1 << 0, "SECBIT_NOROOT"),
    (1 << 1, "SECBIT_NOROOT_LOCKED"),
    (1 << 2, "SECBIT_NO_SETUID_FIXUP"),
    (1 << 3, "SECBIT_NO_SETUID_FIXUP_LOCKED"),
    (1 << 4, "SECBIT_KEEP_CAPS"),
    (1 << 5, "SECBIT_KEEP_CAPS_LOCKED"),
    (1 << 6, "SECBIT_NO_CAP_AMBIENT_RAISE"),
    (1 << 7, "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"),
];

/// prctl's arguments from `first` to the fifth, in hex (strace's `print_prctl_args`).
fn prctl_args(c: &mut Ctx<'_>, first: usize) {
    for i in first..5 {
        c.arg(c.hex_arg(i));
    }
}

/// A flags note after a hex return (strace's `RVAL_HEX | RVAL_STR` with sprintflags).
fn hex_flags_note(c: &mut Ctx<'_>, table: &Table) {
    if let Some(v) = c.rval_ok() {
        c.rval(Rval::Hex);
        if v != 0 {
            c.note(xlat::flags(v as u64, table));
        }
    }
}

/// `prctl(PR_SET_NAME, "worker")`, `prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`.
fn prctl(c: &mut Ctx<'_>) -> Step {
    let option = c.uint(0) as i32;
    let (a2, a3) = (c.args[1], c.args[2]);
    let entering = !c.exiting();
    if entering {
        // The option at entry; what the call returns through its arguments at exit, after a
        // separator written then (an option whose exit prints only a note after the return
        // adds none).
        c.state.sep_at_exit = true;
        c.arg(xlat::enumerated(option as u64, PRCTL_OPTIONS, "PR_???"));
    }
    match option {
        libc::PR_GET_KEEPCAPS
        | libc::PR_GET_SECCOMP
        | libc::PR_GET_TIMERSLACK
        | libc::PR_GET_TIMING
        | libc::PR_TASK_PERF_EVENTS_DISABLE
        | libc::PR_TASK_PERF_EVENTS_ENABLE => Step::Done,
        libc::PR_GET_CHILD_SUBREAPER
        | libc::PR_GET_ENDIAN
        | libc::PR_GET_FPEMU
        | libc::PR_GET_FPEXC => {
            if entering {
                return Step::Exit;
            }
            let v = num_int(c, a2, |n| Value::Uint(n as u32 as u64));
            c.arg(v);
            Step::Done
        }
        libc::PR_GET_DUMPABLE => {
            if entering {
                return Step::Exit;
            }
            if let Some(n) = c.rval_ok().and_then(|v| xlat::name(v as u64, PR_DUMPABLE)) {
                c.note(Value::sym(n));
            }
            Step::Done
        }
        libc::PR_GET_NAME => {
            if entering {
                return Step::Exit;
            }
            let v = if c.failed() {
                Value::Ptr(a2)
            } else {
                strn(c, a2, 16)
            };
            c.arg(v);
            Step::Done
        }
        libc::PR_GET_PDEATHSIG => {
            if entering {
                return Step::Exit;
            }
            let v = num_int(c, a2, signal::value);
            c.arg(v);
            Step::Done
        }
        libc::PR_GET_SECUREBITS => {
            if entering {
                return Step::Exit;
            }
            hex_flags_note(c, SECBITS);
            Step::Done
        }
        libc::PR_GET_TID_ADDRESS => {
            if entering {
                return Step::Exit;
            }
            let v = num_ptr(c, a2);
            c.arg(v);
            Step::Done
        }
        libc::PR_GET_TSC | libc::PR_GET_UNALIGN => {
            if entering {
                return Step::Exit;
            }
            let v = match fetch(c, a2, 4) {
                Ok(b) => {
                    let n = u32_at(&b, 0) as u64;
                    Value::boxed(if option == libc::PR_GET_TSC {
                        xlat::enumerated(n, PR_TSC, "PR_TSC_???")
                    } else {
                        xlat::flags(n, PR_UNALIGN)
                    })
                }
                Err(v) => v,
            };
            c.arg(v);
            Step::Done
        }
        libc::PR_GET_FP_MODE => {
            if entering {
                return Step::Exit;
            }
            hex_flags_note(c, PR_FP_MODE);
            Step::Done
        }
        libc::PR_GET_SPECULATION_CTRL => {
            c.arg(xlat::enumerated(a2, PR_SPEC_CMDS, "PR_SPEC_???"));
            if (0..=2).contains(&a2) {
                hex_flags_note(c, PR_SPEC_GET_FLAGS);
            }
            Step::Done
        }
        libc::PR_SET_CHILD_SUBREAPER
        | libc::PR_SET_ENDIAN
        | libc::PR_SET_FPEMU
        | libc::PR_SET_FPEXC
        | libc::PR_SET_KEEPCAPS
        | libc::PR_SET_TIMING => {
            c.arg(Value::Uint(a2));
            Step::Done
        }
        libc::PR_SET_DUMPABLE => {
            c.arg(xlat::enumerated(a2, PR_DUMPABLE, "SUID_DUMP_???"));
            Step::Done
        }
        libc::PR_CAPBSET_DROP | libc::PR_CAPBSET_READ => {
            c.arg(cap(a2));
            Step::Done
        }
        libc::PR_CAP_AMBIENT => {
            c.arg(xlat::enumerated(
                a2,
                PR_CAP_AMBIENT_OPS,
                "PR_CAP_AMBIENT_???",
            ));
            match a2 as i32 {
                libc::PR_CAP_AMBIENT_RAISE
                | libc::PR_CAP_AMBIENT_LOWER
                | libc::PR_CAP_AMBIENT_IS_SET => {
                    c.arg(cap(a3));
                    prctl_args(c, 3);
                }
                _ => prctl_args(c, 2),
            }
            Step::Done
        }
        libc::PR_MCE_KILL => {
            c.arg(xlat::enumerated(a2, PR_MCE_KILL_OPS, "PR_MCE_KILL_???"));
            if a2 == libc::PR_MCE_KILL_SET as u64 {
                c.arg(xlat::enumerated(a3, PR_MCE_KILL_POLICY, "PR_MCE_KILL_???"));
            } else {
                c.arg(Value::Hex(a3));
            }
            prctl_args(c, 3);
            Step::Done
        }
        libc::PR_SET_NAME => {
            let v = strn(c, a2, 15);
            c.arg(v);
            Step::Done
        }
        libc::PR_SET_VMA => {
            c.arg(xlat::enumerated(a2, PR_SET_VMA_OPS, "PR_SET_VMA_???"));
            if a2 == libc::PR_SET_VMA_ANON_NAME as u64 {
                c.arg(c.ptr_arg(2));
                c.arg(c.ulong_arg(3));
                let s = c.cstr(c.args[4]);
                c.arg(s);
            } else {
                prctl_args(c, 2);
            }
            Step::Done
        }
        libc::PR_SET_MM => {
            c.arg(xlat::enumerated(
                a2 & 0xffff_ffff,
                PR_SET_MM_OPS,
                "PR_SET_MM_???",
            ));
            prctl_args(c, 2);
            Step::Done
        }
        libc::PR_SET_PDEATHSIG => {
            c.arg(if a2 > 128 {
                Value::Uint(a2)
            } else {
                signal::value(a2 as i32)
            });
            Step::Done
        }
        libc::PR_SET_PTRACER => {
            c.arg(if a2 as i32 == -1 {
                Value::sym("PR_SET_PTRACER_ANY")
            } else {
                Value::Int(a2 as i32 as i64)
            });
            Step::Done
        }
        libc::PR_SET_SECCOMP => {
            c.arg(xlat::enumerated(a2, SECCOMP_MODES, "SECCOMP_MODE_???"));
            if a2 == libc::SECCOMP_MODE_STRICT as u64 {
                return Step::Done;
            }
            if a2 == libc::SECCOMP_MODE_FILTER as u64 {
                let v = sock_fprog(c, a3);
                c.arg(v);
                return Step::Done;
            }
            prctl_args(c, 2);
            Step::Done
        }
        libc::PR_SET_SECUREBITS => {
            c.arg(xlat::flags(a2, SECBITS));
            Step::Done
        }
        libc::PR_SET_TIMERSLACK => {
            c.arg(Value::Int(a2 as i64));
            Step::Done
        }
        libc::PR_SET_TSC => {
            c.arg(xlat::enumerated(a2 & 0xffff_ffff, PR_TSC, "PR_TSC_???"));
            Step::Done
        }
        libc::PR_SET_UNALIGN => {
            c.arg(xlat::flags(a2 & 0xffff_ffff, PR_UNALIGN));
            Step::Done
        }
        libc::PR_SET_NO_NEW_PRIVS | libc::PR_SET_THP_DISABLE | PR_SET_IO_FLUSHER => {
            c.arg(Value::Uint(a2));
            prctl_args(c, 2);
            Step::Done
        }
        libc::PR_MCE_KILL_GET => {
            prctl_args(c, 1);
            if let Some(n) = c
                .rval_ok()
                .and_then(|v| xlat::name(v as u64, PR_MCE_KILL_POLICY))
            {
                c.note(Value::sym(n));
            }
            Step::Done
        }
        libc::PR_SET_FP_MODE => {
            c.arg(xlat::flags(a2 & 0xffff_ffff, PR_FP_MODE));
            Step::Done
        }
        libc::PR_SET_SPECULATION_CTRL => {
            c.arg(xlat::enumerated(a2, PR_SPEC_CMDS, "PR_SPEC_???"));
            if (0..=2).contains(&a2) {
                c.arg(xlat::enumerated(a3, PR_SPEC_SET_FLAGS, "PR_SPEC_???"));
            } else {
                c.arg(Value::Hex(a3));
            }
            Step::Done
        }
        PR_SET_SYSCALL_USER_DISPATCH => {
            c.arg(xlat::enumerated(a2, PR_SUD_CMDS, "PR_SYS_DISPATCH_???"));
            c.arg(Value::Hex(a3));
            c.arg(c.hex_arg(3));
            c.arg(c.ptr_arg(4));
            Step::Done
        }
        _ => {
            prctl_args(c, 1);
            Step::Done
        }
    }
}

/// A `struct sock_fprog` at `addr`: `{len=4, filter=0x...}`, with `-v` the program itself
/// (`filter=[BPF_STMT(BPF_LD|BPF_W|BPF_ABS, 0x4), BPF_JUMP(...), ...]`), as strace's
/// bpf_filter.c prints it with seccomp's return actions (bpf_seccomp_filter.c).
fn sock_fprog(c: &mut Ctx<'_>, addr: u64) -> Value {
    match fetch(c, addr, 16) {
        Ok(b) => {
            let len = u16::from_ne_bytes([b[0], b[1]]);
            let filter = u64_at(&b, 8);
            let prog = if c.opts.verbose {
                super::net::array_upto(c, filter, u64::from(len), 8, BPF_MAXINSNS, |_, _, b| {
                    bpf_insn(b)
                })
            } else {
                Value::Ptr(filter)
            };
            Value::fields(vec![("len", Value::Uint(u64::from(len))), ("filter", prog)])
        }
        Err(v) => v,
    }
}

/// The most instructions strace prints of a classic BPF program (linux/bpf_common.h).
const BPF_MAXINSNS: u64 = 4096;

const BPF_CLASSES: &Table = &[
    (0x0, "BPF_LD"),
    (0x1, "BPF_LDX"),
    (0x2, "BPF_ST"),
    (0x3, "BPF_STX"),
    (0x4, "BPF_ALU"),
    (0x5, "BPF_JMP"),
    (0x6, "BPF_RET"),
    (0x7, "BPF_MISC"),
];
const BPF_SIZES: &Table = &[
    (0x00, "BPF_W"),
    (0x08, "BPF_H"),
    (0x10, "BPF_B"),
    (0x18, "BPF_DW"),
];
const BPF_MODES: &Table = &[
    (0x00, "BPF_IMM"),
    (0x20, "BPF_ABS"),
    (0x40, "BPF_IND"),
    (0x60, "BPF_MEM"),
    (0x80, "BPF_LEN"),
    (0xa0, "BPF_MSH"),
    (0xc0, "BPF_XADD"),
];
const BPF_MISCOPS: &Table = &[(0x00, "BPF_TAX"), (0x80, "BPF_TXA")];
const BPF_SRCS: &Table = &[(0x00, "BPF_K"), (0x08, "BPF_X")];
const BPF_OPS_ALU: &Table = &[
    (0x00, "BPF_ADD"),
    (0x10, "BPF_SUB"),
    (0x20, "BPF_MUL"),
    (0x30, "BPF_DIV"),
    (0x40, "BPF_OR"),
    (0x50, "BPF_AND"),
    (0x60, "BPF_LSH"),
    (0x70, "BPF_RSH"),
    (0x80, "BPF_NEG"),
    (0x90, "BPF_MOD"),
    (0xa0, "BPF_XOR"),
    (0xb0, "BPF_MOV"),
    (0xc0, "BPF_ARSH"),
    (0xd0, "BPF_END"),
];
const BPF_OPS_JMP: &Table = &[
    (0x00, "BPF_JA"),
    (0x10, "BPF_JEQ"),
    (0x20, "BPF_JGT"),
    (0x30, "BPF_JGE"),
    (0x40, "BPF_JSET"),
    (0x50, "BPF_JNE"),
    (0x60, "BPF_JSGT"),
    (0x70, "BPF_JSGE"),
    (0x80, "BPF_CALL"),
    (0x90, "BPF_EXIT"),
    (0xa0, "BPF_JLT"),
    (0xb0, "BPF_JLE"),
    (0xc0, "BPF_JSLT"),
    (0xd0, "BPF_JSLE"),
];
const BPF_RVALS: &Table = &[(0x00, "BPF_K"), (0x08, "BPF_X"), (0x10, "BPF_A")];

/// strace's `printxval`: the name, else `0xN /* BPF_??? */`.
fn xval(v: u16, table: &Table, unknown: &str) -> String {
    match xlat::name(u64::from(v), table) {
        Some(n) => n.to_string(),
        None => format!("{v:#x} /* {unknown} */"),
    }
}

/// strace's print_bpf_filter_code for classic BPF: `BPF_LD|BPF_W|BPF_ABS`, `BPF_JMP|BPF_K|BPF_JEQ`.
fn bpf_code(code: u16) -> String {
    let class = code & 0x07;
    let mut i = code & !class;
    let mut parts = vec![xval(class, BPF_CLASSES, "BPF_???")];
    match class {
        // BPF_ST, BPF_STX
        0x2 | 0x3 => {
            if i != 0 {
                parts.push(format!("{i:#x} /* BPF_??? */"));
            }
        }
        // BPF_LD, BPF_LDX
        0x0 | 0x1 => {
            parts.push(xval(code & 0x18, BPF_SIZES, "BPF_???"));
            parts.push(xval(code & 0xe0, BPF_MODES, "BPF_???"));
        }
        // BPF_MISC
        0x7 => {
            parts.push(xval(code & 0xf8, BPF_MISCOPS, "BPF_???"));
            i &= !(code & 0xf8);
            if i != 0 {
                parts.push(format!("{i:#x} /* BPF_??? */"));
            }
        }
        // BPF_ALU, BPF_JMP
        0x4 | 0x5 => {
            parts.push(xval(code & 0x08, BPF_SRCS, "BPF_???"));
            let ops = if class == 0x4 {
                BPF_OPS_ALU
            } else {
                BPF_OPS_JMP
            };
            parts.push(xval(code & 0xf0, ops, "BPF_???"));
        }
        // BPF_RET
        _ => {
            parts.push(xval(code & 0x18, BPF_RVALS, "BPF_???"));
            i &= !(code & 0x18);
            if i != 0 {
                parts.push(format!("{i:#x} /* BPF_??? */"));
            }
        }
    }
    parts.join("|")
}

/// One `struct sock_filter` (8 bytes): `BPF_JUMP(code, k, jt, jf)` when it jumps, else
/// `BPF_STMT(code, k)`, a return's `k` as seccomp's action (`SECCOMP_RET_ERRNO|0x1`).
fn bpf_insn(b: &[u8]) -> Value {
    let code = u16::from_ne_bytes([b[0], b[1]]);
    let (jt, jf) = (b[2], b[3]);
    let k = u32_at(b, 4);
    if jt != 0 || jf != 0 {
        return Value::Call(
            "BPF_JUMP",
            vec![
                Value::Raw(bpf_code(code)),
                Value::Hex(u64::from(k)),
                Value::Hex(u64::from(jt)),
                Value::Hex(u64::from(jf)),
            ],
        );
    }
    let kv = if code & 0x07 == 0x6 {
        let action = k & 0xffff_0000;
        let data = k & !action;
        let mut t = match xlat::name(u64::from(action), SECCOMP_RET_ACTIONS) {
            Some(n) => n.to_string(),
            None => format!("{action:#x} /* SECCOMP_RET_??? */"),
        };
        if data != 0 {
            t.push_str(&format!("|{data:#x}"));
        }
        Value::Raw(t)
    } else {
        Value::Hex(u64::from(k))
    };
    Value::Call("BPF_STMT", vec![Value::Raw(bpf_code(code)), kv])
}

// asm/prctl.h (x86): libc has none of them.
const ARCH_SET_GS: u32 = 0x1001;
const ARCH_SET_FS: u32 = 0x1002;
const ARCH_GET_FS: u32 = 0x1003;
const ARCH_GET_GS: u32 = 0x1004;
const ARCH_GET_CPUID: u32 = 0x1011;
const ARCH_SET_CPUID: u32 = 0x1012;
const ARCH_GET_XCOMP_SUPP: u32 = 0x1021;
const ARCH_GET_XCOMP_PERM: u32 = 0x1022;
const ARCH_REQ_XCOMP_PERM: u32 = 0x1023;
const ARCH_GET_XCOMP_GUEST_PERM: u32 = 0x1024;
const ARCH_REQ_XCOMP_GUEST_PERM: u32 = 0x1025;
const ARCH_MAP_VDSO_X32: u32 = 0x2001;
const ARCH_MAP_VDSO_32: u32 = 0x2002;
const ARCH_MAP_VDSO_64: u32 = 0x2003;

/// strace 6.1's `archvals` (ARCH_CET_STATUS, 0x3001, is not in it).
const ARCHVALS: &Table = crate::xlat![
    (ARCH_SET_GS as u64, "ARCH_SET_GS"),
    (ARCH_SET_FS as u64, "ARCH_SET_FS"),
    (ARCH_GET_FS as u64, "ARCH_GET_FS"),
    (ARCH_GET_GS as u64, "ARCH_GET_GS"),
    (ARCH_GET_CPUID as u64, "ARCH_GET_CPUID"),
    (ARCH_SET_CPUID as u64, "ARCH_SET_CPUID"),
    (ARCH_GET_XCOMP_SUPP as u64, "ARCH_GET_XCOMP_SUPP"),
    (ARCH_GET_XCOMP_PERM as u64, "ARCH_GET_XCOMP_PERM"),
    (ARCH_REQ_XCOMP_PERM as u64, "ARCH_REQ_XCOMP_PERM"),
    (
        ARCH_GET_XCOMP_GUEST_PERM as u64,
        "ARCH_GET_XCOMP_GUEST_PERM",
    ),
    (
        ARCH_REQ_XCOMP_GUEST_PERM as u64,
        "ARCH_REQ_XCOMP_GUEST_PERM",
    ),
    (ARCH_MAP_VDSO_X32 as u64, "ARCH_MAP_VDSO_X32"),
    (ARCH_MAP_VDSO_32 as u64, "ARCH_MAP_VDSO_32"),
    (ARCH_MAP_VDSO_64 as u64, "ARCH_MAP_VDSO_64"),
];

/// `arch_prctl(ARCH_SET_FS, 0x7f...)`, `arch_prctl(ARCH_GET_FS, [0x7f...])`,
/// `arch_prctl(0x3001 /* ARCH_??? */, 0x7ffd...)`.
fn arch_prctl(c: &mut Ctx<'_>) -> Step {
    let option = c.uint(0);
    if !c.exiting() {
        c.arg(xlat::enumerated(option as u64, ARCHVALS, "ARCH_???"));
    }
    match option {
        ARCH_GET_FS | ARCH_GET_GS => {
            if !c.exiting() {
                return Step::Exit;
            }
            let v = num_ptr(c, c.args[1]);
            c.arg(v);
            Step::Done
        }
        ARCH_GET_CPUID => Step::Done,
        _ => {
            c.arg(c.hex_arg(1));
            Step::Done
        }
    }
}

// --- resource limits ---

const RESOURCES: &Table = crate::xlat![
    RLIMIT_CPU,
    RLIMIT_FSIZE,
    RLIMIT_DATA,
    RLIMIT_STACK,
    RLIMIT_CORE,
    RLIMIT_RSS,
    RLIMIT_NPROC,
    RLIMIT_NOFILE,
    RLIMIT_MEMLOCK,
    RLIMIT_AS,
    RLIMIT_LOCKS,
    RLIMIT_SIGPENDING,
    RLIMIT_MSGQUEUE,
    RLIMIT_NICE,
    RLIMIT_RTPRIO,
    RLIMIT_RTTIME,
];

/// A limit: `RLIM64_INFINITY`, `8192*1024`, or the number.
fn rlim(v: u64) -> Value {
    if v == libc::RLIM64_INFINITY {
        Value::sym("RLIM64_INFINITY")
    } else if v > 1024 && v.is_multiple_of(1024) {
        Value::Sym(format!("{}*1024", v / 1024))
    } else {
        Value::Uint(v)
    }
}

/// A `struct rlimit64` at `addr`: `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}`.
fn rlimit_at(c: &mut Ctx<'_>, addr: u64) -> Value {
    match fetch(c, addr, 16) {
        Ok(b) => Value::fields(vec![
            ("rlim_cur", rlim(u64_at(&b, 0))),
            ("rlim_max", rlim(u64_at(&b, 8))),
        ]),
        Err(v) => v,
    }
}

fn resource(c: &Ctx<'_>, i: usize) -> Value {
    xlat::enumerated(c.uint(i) as u64, RESOURCES, "RLIMIT_???")
}

/// `prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0`.
fn prlimit64(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(c.int_arg(0));
        c.arg(resource(c, 1));
        let v = rlimit_at(c, c.args[2]);
        c.arg(v);
        return Step::Exit;
    }
    let v = rlimit_at(c, c.args[3]);
    c.arg(v);
    Step::Done
}

/// `getrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}) = 0`.
fn getrlimit(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(resource(c, 0));
        return Step::Exit;
    }
    let v = rlimit_at(c, c.args[1]);
    c.arg(v);
    Step::Done
}

/// `setrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}) = 0`.
fn setrlimit(c: &mut Ctx<'_>) -> Step {
    c.arg(resource(c, 0));
    let v = rlimit_at(c, c.args[1]);
    c.arg(v);
    Step::Done
}

// --- capabilities ---

// linux/capability.h: libc has none of them.
const CAP_V1: u32 = 0x1998_0330;
const CAP_V2: u32 = 0x2007_1026;
const CAP_V3: u32 = 0x2008_0522;
const CAP_VERSIONS: &Table = crate::xlat![
    (CAP_V1 as u64, "_LINUX_CAPABILITY_VERSION_1"),
    (CAP_V2 as u64, "_LINUX_CAPABILITY_VERSION_2"),
    (CAP_V3 as u64, "_LINUX_CAPABILITY_VERSION_3"),
];

/// The header, read: (version, pid); None for NULL or unreadable.
fn cap_header(c: &mut Ctx<'_>, addr: u64) -> Option<(u32, i32)> {
    let b = c.read(addr, 8)?;
    Some((u32_at(&b, 0), u32_at(&b, 4) as i32))
}

fn print_cap_header(addr: u64, h: Option<(u32, i32)>) -> Value {
    match h {
        Some((v, pid)) => Value::fields(vec![
            (
                "version",
                xlat::enumerated(v as u64, CAP_VERSIONS, "_LINUX_CAPABILITY_VERSION_???"),
            ),
            ("pid", Value::Int(pid as i64)),
        ]),
        None => Value::Ptr(addr),
    }
}

/// The names of the bits of a capability set: `1<<CAP_CHOWN|1<<CAP_KILL`.
fn cap_bits(lo: u32, hi: u32) -> Value {
    let mut names = Vec::new();
    let word = |w: u32, base: usize, names: &mut Vec<String>| {
        let mut rest = w;
        for bit in 0..32 {
            if w & (1 << bit) != 0 {
                if let Some(n) = CAPS.get(base + bit) {
                    names.push(format!("1<<{n}"));
                    rest &= !(1 << bit);
                }
            }
        }
        if rest != 0 {
            names.push(format!("{rest:#x}"));
        }
    };
    if lo != 0 || hi == 0 {
        word(lo, 0, &mut names);
    }
    if hi != 0 {
        word(hi, 32, &mut names);
    }
    Value::Flags(names)
}

fn print_cap_data(c: &mut Ctx<'_>, addr: u64, h: Option<(u32, i32)>) -> Value {
    let Some((version, _)) = h.filter(|_| addr != 0) else {
        return Value::Ptr(addr);
    };
    let n = if version == CAP_V2 || version == CAP_V3 {
        2
    } else {
        1
    };
    let b = match fetch(c, addr, 12 * n) {
        Ok(b) => b,
        Err(v) => return v,
    };
    let hi = |k: usize| if n > 1 { u32_at(&b, 12 + 4 * k) } else { 0 };
    Value::fields(vec![
        ("effective", cap_bits(u32_at(&b, 0), hi(0))),
        ("permitted", cap_bits(u32_at(&b, 4), hi(1))),
        ("inheritable", cap_bits(u32_at(&b, 8), hi(2))),
    ])
}

/// `capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|...,
/// permitted=..., inheritable=0}) = 0`.
fn capget(c: &mut Ctx<'_>) -> Step {
    let addr = c.args[0];
    if !c.exiting() {
        let h = cap_header(c, addr);
        c.arg(print_cap_header(addr, h));
        return Step::Exit;
    }
    let h = if c.failed() {
        None
    } else {
        cap_header(c, addr)
    };
    let v = print_cap_data(c, c.args[1], h);
    c.arg(v);
    Step::Done
}

/// `capset({version=..., pid=0}, {effective=..., permitted=..., inheritable=...}) = 0`.
fn capset(c: &mut Ctx<'_>) -> Step {
    let addr = c.args[0];
    let h = cap_header(c, addr);
    c.arg(print_cap_header(addr, h));
    let v = print_cap_data(c, c.args[1], h);
    c.arg(v);
    Step::Done
}

// --- seccomp ---

const SECCOMP_OPS: &Table = crate::xlat![
    SECCOMP_SET_MODE_STRICT,
    SECCOMP_SET_MODE_FILTER,
    SECCOMP_GET_ACTION_AVAIL,
    SECCOMP_GET_NOTIF_SIZES,
];
const SECCOMP_FILTER_FLAGS: &Table = crate::xlat![
    SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_FILTER_FLAG_LOG,
    SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    SECCOMP_FILTER_FLAG_NEW_LISTENER,
    SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
    SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
];
const SECCOMP_RET_ACTIONS: &Table = crate::xlat![
    SECCOMP_RET_KILL_PROCESS,
    SECCOMP_RET_KILL_THREAD,
    SECCOMP_RET_TRAP,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_USER_NOTIF,
    SECCOMP_RET_TRACE,
    SECCOMP_RET_LOG,
    SECCOMP_RET_ALLOW,
];

/// `seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, {len=4, filter=0x...})`.
fn seccomp(c: &mut Ctx<'_>) -> Step {
    let op = c.uint(0);
    let flags = c.uint(1) as u64;
    let addr = c.args[2];
    if !c.exiting() {
        c.arg(xlat::enumerated(
            op as u64,
            SECCOMP_OPS,
            "SECCOMP_SET_MODE_???",
        ));
    }
    match op {
        libc::SECCOMP_GET_ACTION_AVAIL => {
            c.arg(Value::Hex(flags));
            let v = match fetch(c, addr, 4) {
                Ok(b) => Value::boxed(xlat::enumerated(
                    u32_at(&b, 0) as u64,
                    SECCOMP_RET_ACTIONS,
                    "SECCOMP_RET_???",
                )),
                Err(v) => v,
            };
            c.arg(v);
            Step::Done
        }
        libc::SECCOMP_GET_NOTIF_SIZES => {
            if !c.exiting() {
                c.arg(Value::Hex(flags));
                return Step::Exit;
            }
            let v = match fetch(c, addr, 6) {
                Ok(b) => {
                    let h = |k: usize| Value::Uint(u16::from_ne_bytes([b[k], b[k + 1]]) as u64);
                    Value::fields(vec![
                        ("seccomp_notif", h(0)),
                        ("seccomp_notif_resp", h(2)),
                        ("seccomp_data", h(4)),
                    ])
                }
                Err(v) => v,
            };
            c.arg(v);
            Step::Done
        }
        libc::SECCOMP_SET_MODE_FILTER => {
            c.arg(xlat::flags(flags, SECCOMP_FILTER_FLAGS));
            let v = sock_fprog(c, addr);
            c.arg(v);
            Step::Done
        }
        _ => {
            c.arg(Value::Hex(flags));
            c.arg(Value::Ptr(addr));
            Step::Done
        }
    }
}

// --- namespaces, personality ---

const UNSHARE_FLAGS: &Table = crate::xlat![
    CLONE_NEWTIME,
    CLONE_VM,
    CLONE_FS,
    CLONE_FILES,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_NEWNS,
    CLONE_SYSVSEM,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
];
const SETNS_TYPES: &Table = crate::xlat![
    CLONE_NEWTIME,
    CLONE_NEWNS,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
];

/// `unshare(CLONE_FILES|CLONE_NEWNS)`.
fn unshare(c: &mut Ctx<'_>) -> Step {
    c.arg(xlat::flags(c.args[0], UNSHARE_FLAGS));
    Step::Done
}

/// `setns(3, CLONE_NEWUTS)`.
fn setns(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(xlat::flags(c.uint(1) as u64, SETNS_TYPES));
    Step::Done
}

// linux/personality.h: the types libc lacks (strace's personality_types whose values fit
// PER_MASK; the others carry flags and never match).
const PER_MASK: u32 = 0xff;
const PERSONALITY_TYPES: &Table = crate::xlat![
    (0x0000, "PER_LINUX"),
    (0x0006, "PER_BSD"),
    (0x0008, "PER_LINUX32"),
    (0x000c, "PER_RISCOS"),
    (0x000f, "PER_OSF4"),
    (0x0010, "PER_HPUX"),
];
const PERSONALITY_FLAGS: &Table = crate::xlat![
    UNAME26,
    ADDR_NO_RANDOMIZE,
    FDPIC_FUNCPTRS,
    MMAP_PAGE_ZERO,
    ADDR_COMPAT_LAYOUT,
    READ_IMPLIES_EXEC,
    ADDR_LIMIT_32BIT,
    SHORT_INODE,
    WHOLE_SECONDS,
    STICKY_TIMEOUTS,
    ADDR_LIMIT_3GB,
];

fn personality_value(pers: u32) -> Value {
    let t = xlat::enumerated((pers & PER_MASK) as u64, PERSONALITY_TYPES, "PER_???");
    let rest = (pers & !PER_MASK) as u64;
    if rest == 0 {
        return t;
    }
    Value::Or(vec![t, xlat::flags(rest, PERSONALITY_FLAGS)])
}

/// `personality(0xffffffff) = 0 (PER_LINUX)`, `personality(PER_LINUX|ADDR_NO_RANDOMIZE)`.
/// All at exit: the exit prints only the note (see [`prctl`]).
fn personality(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let pers = c.uint(0);
    c.arg(if pers == 0xffff_ffff {
        Value::Hex(0xffff_ffff)
    } else {
        personality_value(pers)
    });
    if let Some(v) = c.rval_ok() {
        c.rval(Rval::Hex);
        c.note(personality_value(v as u32));
    }
    Step::Done
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{NoFdNames, Opts, Ret};

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

    fn lo(name: &str, args: [u64; 6], ret: Option<Ret>, o: &Opts, mem: &mut FakeMem) -> String {
        line(name, args, ret, o, mem, &mut NoFdNames)
    }

    /// Pointers at `at` to the strings placed from `strs_at` on, then NULL.
    fn put_argv(m: &mut FakeMem, at: u64, strs_at: u64, strs: &[&str]) {
        let mut ptrs = Vec::new();
        let mut s = strs_at;
        for x in strs {
            let mut b = x.as_bytes().to_vec();
            b.push(0);
            m.put(s, &b);
            ptrs.extend_from_slice(&s.to_ne_bytes());
            s += 0x100;
        }
        ptrs.extend_from_slice(&0u64.to_ne_bytes());
        m.put(at, &ptrs);
    }

    #[test]
    fn execve_as_strace() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"/bin/true\0");
        put_argv(&mut m, 0x2000, 0x10000, &["true", "a", "b"]);
        put_argv(&mut m, 0x3000, 0x20000, &["A=1", "B=2"]);
        assert_eq!(
            l("execve", [0x1000, 0x2000, 0x3000, 0, 0, 0], ok(0), &mut m),
            r#"execve("/bin/true", ["true", "a", "b"], 0x3000 /* 2 vars */) = 0"#
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            lo(
                "execve",
                [0x1000, 0x2000, 0x3000, 0, 0, 0],
                ok(0),
                &v,
                &mut m
            ),
            r#"execve("/bin/true", ["true", "a", "b"], ["A=1", "B=2"]) = 0"#
        );
        // -s 2: two elements, each cut at 2 bytes; -v keeps every element.
        let s2 = Opts {
            string_limit: 2,
            ..Default::default()
        };
        assert_eq!(
            lo(
                "execve",
                [0x1000, 0x2000, 0x3000, 0, 0, 0],
                ok(0),
                &s2,
                &mut m
            ),
            r#"execve("/bin/true", ["tr"..., "a", ...], 0x3000 /* 2 vars */) = 0"#
        );
        let s2v = Opts {
            string_limit: 2,
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            lo(
                "execve",
                [0x1000, 0x2000, 0x3000, 0, 0, 0],
                ok(0),
                &s2v,
                &mut m
            ),
            r#"execve("/bin/true", ["tr"..., "a", "b"], ["A="..., "B="...]) = 0"#
        );
        put_argv(&mut m, 0x4000, 0x30000, &["x"]);
        put_argv(&mut m, 0x5000, 0x40000, &["ONE=1"]);
        assert_eq!(
            l(
                "execve",
                [0x9000, 0x4000, 0x5000, 0, 0, 0],
                err(libc::EFAULT),
                &mut m
            ),
            r#"execve(0x9000, ["x"], 0x5000 /* 1 var */) = -1 EFAULT (Bad address)"#
        );
        assert_eq!(
            l(
                "execve",
                [0x1000, 0x9000, 0, 0, 0, 0],
                err(libc::EFAULT),
                &mut m
            ),
            r#"execve("/bin/true", 0x9000, NULL) = -1 EFAULT (Bad address)"#
        );
        m.put(0x6000, b"\0");
        assert_eq!(
            l(
                "execveat",
                [libc::AT_FDCWD as u64, 0x6000, 0x4000, 0, 0x1000, 0],
                err(libc::EACCES),
                &mut m
            ),
            r#"execveat(AT_FDCWD, "", ["x"], NULL, AT_EMPTY_PATH) = -1 EACCES (Permission denied)"#
        );
    }

    #[test]
    fn clone_as_strace() {
        let mut m = FakeMem::default();
        let flags = (libc::CLONE_CHILD_CLEARTID | libc::CLONE_CHILD_SETTID | libc::SIGCHLD) as u64;
        assert_eq!(
            l(
                "clone",
                [flags, 0, 0, 0x7ffaa7a20a10, 0, 0],
                ok(10415),
                &mut m
            ),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, \
             child_tidptr=0x7ffaa7a20a10) = 10415"
        );
        assert_eq!(
            l(
                "clone",
                [libc::SIGCHLD as u64, 0, 0, 0, 0, 0],
                ok(5),
                &mut m
            ),
            "clone(child_stack=NULL, flags=SIGCHLD) = 5"
        );
        let vf = (libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as u64;
        assert_eq!(
            l("clone", [vf, 0x7f0000, 0, 0, 0, 0], ok(5), &mut m),
            "clone(child_stack=0x7f0000, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 5"
        );
        m.put(0x5000, &1235i32.to_ne_bytes());
        let th = (libc::CLONE_VM
            | libc::CLONE_THREAD
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        assert_eq!(
            l(
                "clone",
                [th, 0x7f0000, 0x5000, 0x5000, 0x6000, 0],
                ok(1235),
                &mut m
            ),
            "clone(child_stack=0x7f0000, flags=CLONE_VM|CLONE_THREAD|CLONE_SETTLS|\
             CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[1235], tls=0x6000, \
             child_tidptr=0x5000) = 1235"
        );
    }

    fn clone_args(
        flags: u64,
        child: u64,
        parent: u64,
        sig: u64,
        stack: u64,
        ss: u64,
        tls: u64,
    ) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [flags, 0, child, parent, sig, stack, ss, tls, 0, 0, 0] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b
    }

    #[test]
    fn clone3_as_strace() {
        let mut m = FakeMem::default();
        let flags = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        m.put(
            0x1000,
            &clone_args(
                flags,
                0x7f2b8de58990,
                0x7f2b8de58990,
                0,
                0x7f2b8d658000,
                0x7fff80,
                0x7f2b8de586c0,
            ),
        );
        m.put(0x7f2b8de58990, &14279i32.to_ne_bytes());
        assert_eq!(
            l("clone3", [0x1000, 88, 0, 0, 0, 0], ok(14279), &mut m),
            "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|\
             CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, \
             child_tid=0x7f2b8de58990, parent_tid=0x7f2b8de58990, exit_signal=0, \
             stack=0x7f2b8d658000, stack_size=0x7fff80, tls=0x7f2b8de586c0} => \
             {parent_tid=[14279]}, 88) = 14279"
        );
        assert_eq!(
            l(
                "clone3",
                [0x1000, 88, 0, 0, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|\
             CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, \
             child_tid=0x7f2b8de58990, parent_tid=0x7f2b8de58990, exit_signal=0, \
             stack=0x7f2b8d658000, stack_size=0x7fff80, tls=0x7f2b8de586c0}, 88) \
             = -1 EINVAL (Invalid argument)"
        );
        m.put(0x2000, &clone_args(0, 0, 0, 17, 0, 0, 0));
        assert_eq!(
            l("clone3", [0x2000, 88, 0, 0, 0, 0], ok(7), &mut m),
            "clone3({flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 7"
        );
        assert_eq!(
            l("clone3", [0x2000, 8, 0, 0, 0, 0], err(libc::EINVAL), &mut m),
            "clone3(0x2000, 8) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn wait_as_strace() {
        let mut m = FakeMem::default();
        m.put(0x1000, &(3i32 << 8).to_ne_bytes());
        assert_eq!(
            l("wait4", [10415, 0x1000, 0, 0, 0, 0], ok(10415), &mut m),
            "wait4(10415, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 10415"
        );
        m.put(0x2000, &15i32.to_ne_bytes());
        assert_eq!(
            l("wait4", [10416, 0x2000, 0, 0, 0, 0], ok(10416), &mut m),
            "wait4(10416, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = 10416"
        );
        m.put(0x3000, &(0x8b_i32).to_ne_bytes());
        assert_eq!(
            l(
                "wait4",
                [u64::MAX, 0x3000, 0x40000000, 0, 0, 0],
                ok(9),
                &mut m
            ),
            "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], __WALL, \
             NULL) = 9"
        );
        m.put(
            0x4000,
            &(((5_i32 | 0x80) << 8) | 0x7f | (3 << 16)).to_ne_bytes(),
        );
        assert_eq!(
            l("wait4", [9, 0x4000, 0x40000000, 0, 0, 0], ok(9), &mut m),
            "wait4(9, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGTRAP | 0x80}|PTRACE_EVENT_CLONE<<16], \
             __WALL, NULL) = 9"
        );
        assert_eq!(
            l("wait4", [u64::MAX, 0x1000, 1, 0, 0, 0], ok(0), &mut m),
            "wait4(-1, 0x1000, WNOHANG, NULL) = 0"
        );
        assert_eq!(
            l(
                "wait4",
                [u64::MAX, 0x1000, 0, 0x5000, 0, 0],
                err(libc::ECHILD),
                &mut m
            ),
            "wait4(-1, 0x1000, 0, 0x5000) = -1 ECHILD (No child processes)"
        );
        let mut ru = vec![0u8; 144];
        ru[8..16].copy_from_slice(&52u64.to_ne_bytes());
        ru[32..40].copy_from_slice(&1234u64.to_ne_bytes());
        m.put(0x6000, &ru);
        assert_eq!(
            l(
                "wait4",
                [u64::MAX, 0x1000, 0, 0x6000, 0, 0],
                ok(10417),
                &mut m
            ),
            "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, {ru_utime={tv_sec=0, \
             tv_usec=52}, ru_stime={tv_sec=0, tv_usec=0}, ...}) = 10417"
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            lo(
                "wait4",
                [u64::MAX, 0, 0, 0x6000, 0, 0],
                ok(10417),
                &v,
                &mut m
            ),
            "wait4(-1, NULL, 0, {ru_utime={tv_sec=0, tv_usec=52}, ru_stime={tv_sec=0, \
             tv_usec=0}, ru_maxrss=1234, ru_ixrss=0, ru_idrss=0, ru_isrss=0, ru_minflt=0, \
             ru_majflt=0, ru_nswap=0, ru_inblock=0, ru_oublock=0, ru_msgsnd=0, ru_msgrcv=0, \
             ru_nsignals=0, ru_nvcsw=0, ru_nivcsw=0}) = 10417"
        );
        let mut si = [0u8; 128];
        si[0..4].copy_from_slice(&17i32.to_ne_bytes());
        si[8..12].copy_from_slice(&1i32.to_ne_bytes());
        si[16..20].copy_from_slice(&10418i32.to_ne_bytes());
        si[24..28].copy_from_slice(&7i32.to_ne_bytes());
        m.put(0x7000, &si);
        assert_eq!(
            l("waitid", [1, 10418, 0x7000, 4, 0, 0], ok(0), &mut m),
            "waitid(P_PID, 10418, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=10418, \
             si_uid=0, si_status=7, si_utime=0, si_stime=0}, WEXITED, NULL) = 0"
        );
        assert_eq!(
            l("exit_group", [u64::MAX, 0, 0, 0, 0, 0], None, &mut m),
            "exit_group(-1"
        );
    }

    #[test]
    fn prctl_as_strace() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"hello-world-long-name\0");
        m.put(0x2000, b"hello-world-lon\0");
        m.put(0x3000, &9i32.to_ne_bytes());
        m.put(0x4000, b"abcdefghijklmno\0");
        let p = |o: i32| o as u64;
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_NAME), 0x1000, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            r#"prctl(PR_SET_NAME, "hello-world-lon"...) = 0"#
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_NAME), 0x4000, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            r#"prctl(PR_SET_NAME, "abcdefghijklmno"...) = 0"#
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_NAME), 0x2000, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            r#"prctl(PR_GET_NAME, "hello-world-lon") = 0"#
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_NAME), 8, 0, 0, 0, 0],
                err(libc::EFAULT),
                &mut m
            ),
            "prctl(PR_GET_NAME, 0x8) = -1 EFAULT (Bad address)"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_PDEATHSIG), 9, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_SET_PDEATHSIG, SIGKILL) = 0"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_PDEATHSIG), 0x3000, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_GET_PDEATHSIG, [SIGKILL]) = 0"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_DUMPABLE), 0, 0, 0, 0, 0],
                ok(1),
                &mut m
            ),
            "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_DUMPABLE), 1, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_SET_DUMPABLE, SUID_DUMP_USER) = 0"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_CAPBSET_READ), 21, 0, 0, 0, 0],
                ok(1),
                &mut m
            ),
            "prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) = 1"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_NO_NEW_PRIVS), 1, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_NO_NEW_PRIVS), 0, 0, 0, 0, 0],
                ok(1),
                &mut m
            ),
            "prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) = 1"
        );
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_GET_SECCOMP), 0, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_GET_SECCOMP) = 0"
        );
        assert_eq!(
            l("prctl", [0x777, 1, 2, 3, 4, 0], err(libc::EINVAL), &mut m),
            "prctl(0x777 /* PR_??? */, 0x1, 0x2, 0x3, 0x4) = -1 EINVAL (Invalid argument)"
        );
        let mut fp = vec![0u8; 16];
        fp[0] = 4;
        fp[8..].copy_from_slice(&0x55aa00u64.to_ne_bytes());
        m.put(0x5000, &fp);
        assert_eq!(
            l(
                "prctl",
                [p(libc::PR_SET_SECCOMP), 2, 0x5000, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {len=4, filter=0x55aa00}) = 0"
        );
    }

    #[test]
    fn arch_prctl_and_limits_as_strace() {
        let mut m = FakeMem::default();
        m.put(0x1000, &0x7ffaa7a20740u64.to_ne_bytes());
        assert_eq!(
            l(
                "arch_prctl",
                [0x1002, 0x7ffaa7a20740, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "arch_prctl(ARCH_SET_FS, 0x7ffaa7a20740) = 0"
        );
        assert_eq!(
            l("arch_prctl", [0x1003, 0x1000, 0, 0, 0, 0], ok(0), &mut m),
            "arch_prctl(ARCH_GET_FS, [0x7ffaa7a20740]) = 0"
        );
        assert_eq!(
            l(
                "arch_prctl",
                [0x3001, 0x7fff9e950240, 0, 0, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "arch_prctl(0x3001 /* ARCH_??? */, 0x7fff9e950240) = -1 EINVAL (Invalid argument)"
        );
        let mut r = Vec::new();
        r.extend_from_slice(&(8192u64 * 1024).to_ne_bytes());
        r.extend_from_slice(&u64::MAX.to_ne_bytes());
        m.put(0x2000, &r);
        let mut r2 = Vec::new();
        r2.extend_from_slice(&1024u64.to_ne_bytes());
        r2.extend_from_slice(&4096u64.to_ne_bytes());
        m.put(0x3000, &r2);
        assert_eq!(
            l("prlimit64", [0, 3, 0, 0x2000, 0, 0], ok(0), &mut m),
            "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0"
        );
        assert_eq!(
            l("prlimit64", [0, 7, 0x3000, 0, 0, 0], ok(0), &mut m),
            "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}, NULL) = 0"
        );
        assert_eq!(
            l(
                "prlimit64",
                [0, 7, 0x3000, 0x2000, 0, 0],
                err(libc::EPERM),
                &mut m
            ),
            "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}, 0x2000) \
             = -1 EPERM (Operation not permitted)"
        );
        assert_eq!(
            l(
                "getrlimit",
                [99, 0x3000, 0, 0, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "getrlimit(0x63 /* RLIMIT_??? */, 0x3000) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            l("setrlimit", [7, 0x3000, 0, 0, 0, 0], ok(0), &mut m),
            "setrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024}) = 0"
        );
        assert_eq!(
            l(
                "set_robust_list",
                [0x7ffaa7a20a20, 24, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "set_robust_list(0x7ffaa7a20a20, 24) = 0"
        );
    }

    #[test]
    fn caps_namespaces_personality_as_strace() {
        let mut m = FakeMem::default();
        let mut h = Vec::new();
        h.extend_from_slice(&0x2008_0522u32.to_ne_bytes());
        h.extend_from_slice(&0i32.to_ne_bytes());
        m.put(0x1000, &h);
        let mut d = vec![0u8; 24];
        d[0..4].copy_from_slice(&0x21u32.to_ne_bytes());
        d[4..8].copy_from_slice(&0x21u32.to_ne_bytes());
        d[12..16].copy_from_slice(&0x100u32.to_ne_bytes());
        d[16..20].copy_from_slice(&0x1u32.to_ne_bytes());
        m.put(0x2000, &d);
        assert_eq!(
            l("capget", [0x1000, 0x2000, 0, 0, 0, 0], ok(0), &mut m),
            "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|\
             1<<CAP_KILL|1<<CAP_CHECKPOINT_RESTORE, permitted=1<<CAP_CHOWN|1<<CAP_KILL|\
             1<<CAP_MAC_OVERRIDE, inheritable=0}) = 0"
        );
        assert_eq!(
            l(
                "capget",
                [0x1000, 0x2000, 0, 0, 0, 0],
                err(libc::EPERM),
                &mut m
            ),
            "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, 0x2000) \
             = -1 EPERM (Operation not permitted)"
        );
        let files_ns = (libc::CLONE_NEWNS | libc::CLONE_FILES) as u64;
        assert_eq!(
            l("unshare", [files_ns, 0, 0, 0, 0, 0], ok(0), &mut m),
            "unshare(CLONE_FILES|CLONE_NEWNS) = 0"
        );
        assert_eq!(
            l(
                "setns",
                [3, libc::CLONE_NEWUTS as u64, 0, 0, 0, 0],
                ok(0),
                &mut m
            ),
            "setns(3, CLONE_NEWUTS) = 0"
        );
        assert_eq!(
            l("setns", [3, 0, 0, 0, 0, 0], ok(0), &mut m),
            "setns(3, 0) = 0"
        );
        assert_eq!(
            l("personality", [0xffffffff, 0, 0, 0, 0, 0], ok(0), &mut m),
            "personality(0xffffffff) = 0 (PER_LINUX)"
        );
        assert_eq!(
            l("personality", [0x40000, 0, 0, 0, 0, 0], ok(0x40000), &mut m),
            "personality(PER_LINUX|ADDR_NO_RANDOMIZE) = 0x40000 (PER_LINUX|ADDR_NO_RANDOMIZE)"
        );
        assert_eq!(
            l("seccomp", [2, 0, 0, 0, 0, 0], err(libc::EFAULT), &mut m),
            "seccomp(SECCOMP_GET_ACTION_AVAIL, 0, NULL) = -1 EFAULT (Bad address)"
        );
    }
}
