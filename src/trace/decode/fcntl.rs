//! The fcntl decoder (part of the file family, asked by [`super::file::lookup`]): the
//! command by name, its argument as strace 6.1 prints it (flags, a `struct flock`, a pid, a
//! size), and the return notes of the get commands (`= 0x1 (flags FD_CLOEXEC)`,
//! `= 0x8002 (flags O_RDWR|O_LARGEFILE)`).
#![forbid(unsafe_code)]

use super::file::{flags_or, open_flag_names, open_flags, WHENCE};
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`: fcntl.
pub fn lookup(name: &str) -> Option<Decoder> {
    match name {
        "fcntl" => Some(fcntl),
        _ => None,
    }
}

/// `F_SETSIG`, `F_GETSIG`, `F_SETOWN_EX`, `F_GETOWN_EX`, `F_GETOWNER_UIDS`
/// (include/uapi/asm-generic/fcntl.h), `F_EXLCK`, `F_SHLCK`, the `DN_*` flags
/// (include/uapi/linux/fcntl.h and asm-generic/fcntl.h): libc lacks them.
const F_SETSIG: u64 = 10;
const F_GETSIG: u64 = 11;
const F_SETOWN_EX: u64 = 15;
const F_GETOWN_EX: u64 = 16;
const F_GETOWNER_UIDS: u64 = 17;
const F_EXLCK: u64 = 4;
const F_SHLCK: u64 = 8;

/// `fcntlcmds`, in strace's order.
const CMDS: &Table = crate::xlat![
    F_DUPFD,
    F_GETFD,
    F_SETFD,
    F_GETFL,
    F_SETFL,
    F_GETLK,
    F_SETLK,
    F_SETLKW,
    F_SETOWN,
    F_GETOWN,
    (F_SETSIG, "F_SETSIG"),
    (F_GETSIG, "F_GETSIG"),
    (F_SETOWN_EX, "F_SETOWN_EX"),
    (F_GETOWN_EX, "F_GETOWN_EX"),
    (F_GETOWNER_UIDS, "F_GETOWNER_UIDS"),
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_SETLEASE,
    F_GETLEASE,
    F_NOTIFY,
    F_CANCELLK,
    F_DUPFD_CLOEXEC,
    F_SETPIPE_SZ,
    F_GETPIPE_SZ,
    F_ADD_SEALS,
    F_GET_SEALS,
];

const FD_FLAGS: &Table = crate::xlat![FD_CLOEXEC];

/// `lockfcmds`.
const LOCK_TYPES: &Table = crate::xlat![
    F_RDLCK,
    F_WRLCK,
    F_UNLCK,
    (F_EXLCK, "F_EXLCK"),
    (F_SHLCK, "F_SHLCK"),
];

/// `notifyflags` (include/uapi/linux/fcntl.h).
const NOTIFY: &Table = crate::xlat![
    (0x1, "DN_ACCESS"),
    (0x2, "DN_MODIFY"),
    (0x4, "DN_CREATE"),
    (0x8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x8000_0000, "DN_MULTISHOT"),
];

const SEALS: &Table = crate::xlat![
    F_SEAL_SEAL,
    F_SEAL_SHRINK,
    F_SEAL_GROW,
    F_SEAL_WRITE,
    F_SEAL_FUTURE_WRITE,
];

/// `f_owner_types` (include/uapi/asm-generic/fcntl.h).
const OWNER_TYPES: &Table = &[(0, "F_OWNER_TID"), (1, "F_OWNER_PID"), (2, "F_OWNER_PGRP")];

/// `{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}` (with `l_pid` for the get
/// commands), or the address.
fn flock(c: &mut Ctx<'_>, addr: u64, getlk: bool) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    let Some(b) = c.read(addr, std::mem::size_of::<libc::flock>()) else {
        return Value::Ptr(addr);
    };
    let i16_at = |o: usize| i16::from_ne_bytes([b[o], b[o + 1]]);
    let i64_at = |o: usize| i64::from_ne_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]));
    let ltype = i16_at(std::mem::offset_of!(libc::flock, l_type));
    let whence = i16_at(std::mem::offset_of!(libc::flock, l_whence));
    let mut f = vec![
        (
            "l_type",
            xlat::enumerated(ltype as u16 as u64, LOCK_TYPES, "F_???"),
        ),
        (
            "l_whence",
            xlat::enumerated(whence as u16 as u64, WHENCE, "SEEK_???"),
        ),
        (
            "l_start",
            Value::Int(i64_at(std::mem::offset_of!(libc::flock, l_start))),
        ),
        (
            "l_len",
            Value::Int(i64_at(std::mem::offset_of!(libc::flock, l_len))),
        ),
    ];
    if getlk {
        let o = std::mem::offset_of!(libc::flock, l_pid);
        let pid = i32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        f.push(("l_pid", Value::Int(pid as i64)));
    }
    Value::fields(f)
}

/// `{type=F_OWNER_PID, pid=1234}`.
fn owner_ex(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    match c.read(addr, 8) {
        None => Value::Ptr(addr),
        Some(b) => {
            let t = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            let pid = i32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
            Value::fields(vec![
                (
                    "type",
                    xlat::enumerated(t as u32 as u64, OWNER_TYPES, "F_OWNER_???"),
                ),
                ("pid", Value::Int(pid as i64)),
            ])
        }
    }
}

fn fcntl(c: &mut Ctx<'_>) -> Step {
    let cmd = c.uint(1) as u64;
    let arg = c.args[2];
    // The get commands that only note their return print every argument at exit: the
    // printer puts a separator after entry arguments when the decoder runs again at exit,
    // and strace prints nothing after the command.
    let note_only = [
        libc::F_GETFD,
        libc::F_GETFL,
        libc::F_GETLEASE,
        libc::F_GET_SEALS,
    ]
    .iter()
    .any(|&x| x as u64 == cmd)
        || cmd == F_GETSIG;
    if c.exiting() {
        if note_only {
            let fd = c.fd_arg(0);
            c.arg(fd);
            c.arg(xlat::enumerated(cmd, CMDS, "F_???"));
        }
        // Only the get commands that print at exit come here.
        match cmd {
            x if x == libc::F_GETLK as u64 || x == libc::F_OFD_GETLK as u64 => {
                let v = flock(c, arg, true);
                c.arg(v);
            }
            F_GETOWN_EX => {
                let v = owner_ex(c, arg);
                c.arg(v);
            }
            x if x == libc::F_GETFD as u64 => {
                if let Some(r) = c.rval_ok().filter(|&r| r != 0) {
                    c.rval(Rval::Hex);
                    let mut names = vec!["flags".to_string()];
                    names.extend(xlat::flag_names(r as u64, FD_FLAGS));
                    c.note(flags_note(names));
                }
            }
            x if x == libc::F_GETFL as u64 => {
                if let Some(r) = c.rval_ok() {
                    c.rval(Rval::Hex);
                    let mut names = vec!["flags".to_string()];
                    names.extend(open_flag_names(r as u64));
                    c.note(flags_note(names));
                }
            }
            x if x == libc::F_GETLEASE as u64 => {
                if let Some(r) = c.rval_ok() {
                    c.rval(Rval::Hex);
                    if let Some(n) = xlat::name(r as u64, LOCK_TYPES) {
                        c.note(Value::sym(n));
                    }
                }
            }
            x if x == libc::F_GET_SEALS as u64 => {
                if let Some(r) = c.rval_ok().filter(|&r| r != 0) {
                    c.rval(Rval::Hex);
                    let mut names = vec!["seals".to_string()];
                    names.extend(xlat::flag_names(r as u64, SEALS));
                    c.note(flags_note(names));
                }
            }
            F_GETSIG => {
                if let Some(r) = c.rval_ok().filter(|&r| r != 0) {
                    if let Value::Sym(n) = signal_value(r) {
                        c.note(Value::Sym(n));
                    }
                }
            }
            _ => {}
        }
        return Step::Done;
    }
    if note_only {
        return Step::Exit;
    }
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(xlat::enumerated(cmd, CMDS, "F_???"));
    match cmd {
        x if x == libc::F_SETFD as u64 => c.arg(flags_or(arg, FD_FLAGS, "FD_???")),
        x if x == libc::F_SETOWN as u64 || x == libc::F_SETPIPE_SZ as u64 => {
            c.arg(Value::Int(arg as i32 as i64))
        }
        x if x == libc::F_DUPFD as u64 || x == libc::F_DUPFD_CLOEXEC as u64 => {
            c.arg(Value::Int(arg as i32 as i64));
            c.rval(Rval::Fd);
        }
        x if x == libc::F_SETFL as u64 => c.arg(open_flags(arg as u32 as u64)),
        x if x == libc::F_SETLK as u64
            || x == libc::F_SETLKW as u64
            || x == libc::F_OFD_SETLK as u64
            || x == libc::F_OFD_SETLKW as u64 =>
        {
            let v = flock(c, arg, false);
            c.arg(v);
        }
        F_SETOWN_EX => {
            let v = owner_ex(c, arg);
            c.arg(v);
        }
        x if x == libc::F_NOTIFY as u64 => c.arg(flags_or(arg, NOTIFY, "DN_???")),
        x if x == libc::F_SETLEASE as u64 => c.arg(xlat::enumerated(arg, LOCK_TYPES, "F_???")),
        x if x == libc::F_ADD_SEALS as u64 => c.arg(flags_or(arg, SEALS, "F_SEAL_???")),
        F_SETSIG => c.arg(signal_value(arg as i64)),
        x if x == libc::F_GETOWN as u64 || x == libc::F_GETPIPE_SZ as u64 || x == F_GETSIG => {}
        x if x == libc::F_GETLK as u64 || x == libc::F_OFD_GETLK as u64 || x == F_GETOWN_EX => {
            return Step::Exit;
        }
        _ => c.arg(Value::Hex(arg)),
    }
    Step::Done
}

/// `flags O_RDWR|O_LARGEFILE`: the word and the names, as strace's auxstr.
fn flags_note(names: Vec<String>) -> Value {
    let mut it = names.into_iter();
    let word = it.next().unwrap_or_default();
    let rest: Vec<String> = it.collect();
    Value::Raw(format!("{word} {}", rest.join("|")))
}

/// A signal number as strace's `printsignal`: `SIGIO`, `0`, else the number.
fn signal_value(n: i64) -> Value {
    if n == 0 {
        return Value::Int(0);
    }
    match nix::sys::signal::Signal::try_from(n as i32) {
        Ok(s) => Value::sym(s.as_str()),
        Err(_) => Value::Int(n),
    }
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

    fn run(args: [u64; 6], ret: Option<Ret>, mem: &mut FakeMem) -> String {
        line("fcntl", args, ret, &Opts::default(), mem, &mut NoFdNames)
    }

    #[test]
    fn get_commands_note_their_return() {
        let mut mem = FakeMem::default();
        assert_eq!(
            run([3, libc::F_GETFD as u64, 0, 0, 0, 0], ok(1), &mut mem),
            "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)"
        );
        assert_eq!(
            run([3, libc::F_GETFD as u64, 0, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_GETFD) = 0"
        );
        assert_eq!(
            run([3, libc::F_GETFL as u64, 0, 0, 0, 0], ok(0x8002), &mut mem),
            "fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)"
        );
        assert_eq!(
            run([3, libc::F_GETFL as u64, 0, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_GETFL) = 0 (flags O_RDONLY)"
        );
        let e = Some(Ret {
            val: -(libc::EBADF as i64),
            is_error: true,
        });
        assert_eq!(
            run([9, libc::F_GETFL as u64, 0, 0, 0, 0], e, &mut mem),
            "fcntl(9, F_GETFL) = -1 EBADF (Bad file descriptor)"
        );
    }

    #[test]
    fn set_commands_print_their_argument() {
        let mut mem = FakeMem::default();
        assert_eq!(
            run([3, libc::F_SETFD as u64, 1, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_SETFD, FD_CLOEXEC) = 0"
        );
        let fl = (libc::O_RDWR | libc::O_NONBLOCK) as u64;
        assert_eq!(
            run([3, libc::F_SETFL as u64, fl, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0"
        );
        assert_eq!(
            run(
                [3, libc::F_DUPFD_CLOEXEC as u64, 10, 0, 0, 0],
                ok(10),
                &mut mem
            ),
            "fcntl(3, F_DUPFD_CLOEXEC, 10) = 10"
        );
        assert_eq!(
            run(
                [3, libc::F_SETPIPE_SZ as u64, 65536, 0, 0, 0],
                ok(65536),
                &mut mem
            ),
            "fcntl(3, F_SETPIPE_SZ, 65536) = 65536"
        );
        assert_eq!(
            run(
                [3, libc::F_GETPIPE_SZ as u64, 0, 0, 0, 0],
                ok(65536),
                &mut mem
            ),
            "fcntl(3, F_GETPIPE_SZ) = 65536"
        );
        assert_eq!(
            run([3, 11, 0, 0, 0, 0], ok(29), &mut mem),
            "fcntl(3, F_GETSIG) = 29 (SIGIO)"
        );
        assert_eq!(
            run([3, 10, 29, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_SETSIG, SIGIO) = 0"
        );
        assert_eq!(
            run([3, 0x999, 0x10, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, 0x999 /* F_??? */, 0x10) = 0"
        );
        let mut fl = vec![0u8; std::mem::size_of::<libc::flock>()];
        fl[0..2].copy_from_slice(&(libc::F_WRLCK as i16).to_ne_bytes());
        fl[16..24].copy_from_slice(&100i64.to_ne_bytes());
        mem.put(0x1000, &fl);
        assert_eq!(
            run([3, libc::F_SETLKW as u64, 0x1000, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=100}) = 0"
        );
        assert_eq!(
            run([3, libc::F_OFD_GETLK as u64, 0x1000, 0, 0, 0], ok(0), &mut mem),
            "fcntl(3, F_OFD_GETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=100, l_pid=0}) = 0"
        );
    }
}
