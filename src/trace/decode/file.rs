//! Decoders of the file family (see [`super`] for how a decoder works): open and its flags,
//! the calls on paths (access, readlink, unlink, rename, mkdir, chmod, chown, link...), on
//! fds (dup, pipe, lseek, truncate, flock, fadvise, fallocate...), and directory listings
//! (getdents). The stat family lives in [`super::stat`], fcntl in [`super::fcntl`], ioctl in
//! [`super::ioctl`]; [`lookup`] asks them too.
#![forbid(unsafe_code)]

use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family (or its stat, fcntl, ioctl parts) has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    let d: Decoder = match name {
        "close" | "fchdir" | "fsync" | "fdatasync" | "syncfs" => close,
        "open" => open,
        "openat" => openat,
        "openat2" => openat2,
        "creat" => creat,
        "access" => access,
        "faccessat" => faccessat,
        "faccessat2" => faccessat2,
        "readlink" => readlink,
        "readlinkat" => readlinkat,
        "getdents64" => getdents64,
        "getdents" => getdents,
        "unlink" | "rmdir" | "chdir" | "chroot" | "acct" => one_path,
        "unlinkat" => unlinkat,
        "rename" | "link" | "symlink" => two_paths,
        "renameat" => renameat,
        "renameat2" => renameat2,
        "linkat" => linkat,
        "symlinkat" => symlinkat,
        "mkdir" | "chmod" => chmod,
        "mkdirat" | "fchmodat" => fchmodat,
        "fchmod" => fchmod,
        "chown" | "lchown" => chown,
        "fchown" => fchown,
        "fchownat" => fchownat,
        "getcwd" => getcwd,
        "umask" => umask,
        "lseek" => lseek,
        "dup" => dup,
        "dup2" => dup2,
        "dup3" => dup3,
        "pipe" => pipe,
        "pipe2" => pipe2,
        "truncate" => truncate,
        "ftruncate" => ftruncate,
        "flock" => flock,
        "fadvise64" => fadvise64,
        "fallocate" => fallocate,
        "utimensat" => utimensat,
        "mknod" => mknod,
        "mknodat" => mknodat,
        _ => {
            return super::stat::lookup(name)
                .or_else(|| super::fcntl::lookup(name))
                .or_else(|| super::ioctl::lookup(name))
        }
    };
    Some(d)
}

// --- Constants libc lacks (x86_64 values). ---

/// The kernel's `O_LARGEFILE` (include/uapi/asm-generic/fcntl.h; glibc's is 0 on 64-bit).
pub const O_LARGEFILE: u64 = 0o100000;
/// `__O_SYNC` (include/uapi/asm-generic/fcntl.h).
const O_SYNC_BIT: u64 = 0o4000000;
/// `__O_TMPFILE` (include/uapi/asm-generic/fcntl.h).
const O_TMPFILE_BIT: u64 = 0o20000000;
/// `LOCK_MAND`, `LOCK_READ`, `LOCK_WRITE`, `LOCK_RW` (include/uapi/asm-generic/fcntl.h).
const LOCK_MAND: u64 = 32;
const LOCK_READ: u64 = 64;
const LOCK_WRITE: u64 = 128;
const LOCK_RW: u64 = 192;
/// `FALLOC_FL_NO_HIDE_STALE` (include/uapi/linux/falloc.h).
const FALLOC_FL_NO_HIDE_STALE: u64 = 0x04;
/// `AT_EACCESS` (include/uapi/linux/fcntl.h).
const AT_EACCESS: u64 = 0x200;
/// `DT_WHT` (include/linux/fs_types.h... glibc's dirent.h: 14).
const DT_WHT: u64 = 14;

// --- Tables, in strace's order (src/xlat/*.in). ---

/// `open_access_modes`.
const ACCESS_MODES: &Table = crate::xlat![O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE];

/// `open_mode_flags`: the flags of open after the access mode (O_SYNC before __O_SYNC and
/// O_DSYNC, O_TMPFILE before __O_TMPFILE and O_DIRECTORY, as strace lists them).
pub const OPEN_FLAGS: &Table = crate::xlat![
    O_CREAT,
    O_EXCL,
    O_NOCTTY,
    O_TRUNC,
    O_APPEND,
    O_NONBLOCK,
    O_SYNC,
    (O_SYNC_BIT, "__O_SYNC"),
    O_DSYNC,
    O_DIRECT,
    (O_LARGEFILE, "O_LARGEFILE"),
    O_NOFOLLOW,
    O_NOATIME,
    O_CLOEXEC,
    O_PATH,
    O_TMPFILE,
    (O_TMPFILE_BIT, "__O_TMPFILE"),
    O_DIRECTORY,
    (libc::O_ASYNC as u64, "FASYNC"),
];

/// `at_flags`.
pub const AT_FLAGS: &Table = crate::xlat![
    AT_SYMLINK_NOFOLLOW,
    AT_REMOVEDIR,
    AT_SYMLINK_FOLLOW,
    AT_NO_AUTOMOUNT,
    AT_EMPTY_PATH,
    AT_RECURSIVE,
];

const FACCESSAT_FLAGS: &Table = crate::xlat![
    AT_SYMLINK_NOFOLLOW,
    (AT_EACCESS, "AT_EACCESS"),
    AT_EMPTY_PATH,
];

const ACCESS_FLAGS: &Table = crate::xlat![F_OK, R_OK, W_OK, X_OK];

const RESOLVE_FLAGS: &Table = crate::xlat![
    RESOLVE_NO_XDEV,
    RESOLVE_NO_MAGICLINKS,
    RESOLVE_NO_SYMLINKS,
    RESOLVE_BENEATH,
    RESOLVE_IN_ROOT,
    RESOLVE_CACHED,
];

const RENAME_FLAGS: &Table = crate::xlat![RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT];

const FLOCK_CMDS: &Table = crate::xlat![
    LOCK_SH,
    LOCK_EX,
    LOCK_NB,
    LOCK_UN,
    (LOCK_MAND, "LOCK_MAND"),
    (LOCK_RW, "LOCK_RW"),
    (LOCK_READ, "LOCK_READ"),
    (LOCK_WRITE, "LOCK_WRITE"),
];

/// `whence_codes`.
pub const WHENCE: &Table = crate::xlat![SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE];

const ADVICE: &Table = crate::xlat![
    POSIX_FADV_NORMAL,
    POSIX_FADV_RANDOM,
    POSIX_FADV_SEQUENTIAL,
    POSIX_FADV_WILLNEED,
    POSIX_FADV_DONTNEED,
    POSIX_FADV_NOREUSE,
];

const FALLOC_FLAGS: &Table = crate::xlat![
    FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_PUNCH_HOLE,
    (FALLOC_FL_NO_HIDE_STALE, "FALLOC_FL_NO_HIDE_STALE"),
    FALLOC_FL_COLLAPSE_RANGE,
    FALLOC_FL_ZERO_RANGE,
    FALLOC_FL_INSERT_RANGE,
    FALLOC_FL_UNSHARE_RANGE,
];

const DIRENT_TYPES: &Table = crate::xlat![
    DT_UNKNOWN,
    DT_FIFO,
    DT_CHR,
    DT_DIR,
    DT_BLK,
    DT_REG,
    DT_LNK,
    DT_SOCK,
    (DT_WHT, "DT_WHT"),
];

// --- Shared printers. ---

/// strace's `printflags(table, v, dflt)`: the names, the unknown rest in hex; a value no
/// name matches prints in hex with the `/* dflt */` comment.
pub fn flags_or(v: u64, table: &Table, dflt: &str) -> Value {
    let names = xlat::flag_names(v, table);
    if v != 0 && names.len() == 1 && names[0].starts_with("0x") {
        return Value::Comment(Box::new(Value::Hex(v)), dflt.to_string());
    }
    xlat::flags(v, table)
}

/// C's `%#03o`: `0644`, `000`, `005`.
pub fn c_oct03(v: u64) -> String {
    let s = if v == 0 {
        "0".to_string()
    } else {
        format!("0{v:o}")
    };
    format!("{s:0>3}")
}

/// strace's `%#03o` of a mode: `0644`, `000`.
pub fn mode_03o(v: u64) -> Value {
    if v < 8 {
        Value::Raw(c_oct03(v))
    } else {
        Value::Oct(v)
    }
}

/// A user or group id: `-1`, else unsigned.
pub fn id(v: u32) -> Value {
    if v == u32::MAX {
        Value::Int(-1)
    } else {
        Value::Uint(v as u64)
    }
}

/// The names of open's flags (`O_RDWR|O_CREAT|O_CLOEXEC`): the access mode, then the other
/// flags in strace's order, the unknown rest in hex.
pub fn open_flag_names(v: u64) -> Vec<String> {
    let mut names = vec![xlat::name(v & 3, ACCESS_MODES)
        .unwrap_or("O_ACCMODE")
        .to_string()];
    let rest = v & !3;
    if rest != 0 {
        names.extend(xlat::flag_names(rest, OPEN_FLAGS));
    }
    names
}

/// Open's flags as a value.
pub fn open_flags(v: u64) -> Value {
    Value::Flags(open_flag_names(v))
}

/// `S_IFREG|S_ISUID|0755` (strace's `print_symbolic_mode_t`).
pub fn symbolic_mode(mode: u32) -> Value {
    let ifmt = mode & libc::S_IFMT;
    let types: &Table =
        crate::xlat![S_IFREG, S_IFSOCK, S_IFIFO, S_IFLNK, S_IFDIR, S_IFBLK, S_IFCHR];
    let mut parts = Vec::new();
    if ifmt != 0 {
        match xlat::name(ifmt as u64, types) {
            Some(n) => parts.push(n.to_string()),
            None => return Value::Flags(vec![c_oct03(mode as u64)]),
        }
    }
    for (bit, n) in [
        (libc::S_ISUID, "S_ISUID"),
        (libc::S_ISGID, "S_ISGID"),
        (libc::S_ISVTX, "S_ISVTX"),
    ] {
        if mode & bit != 0 {
            parts.push(n.to_string());
        }
    }
    let perm = mode & !(libc::S_IFMT | libc::S_ISUID | libc::S_ISGID | libc::S_ISVTX);
    parts.push(c_oct03(perm as u64));
    Value::Flags(parts)
}

/// `makedev(0x88, 0x1)`.
pub fn dev(d: u64) -> Value {
    Value::Call(
        "makedev",
        vec![
            Value::Hex(libc::major(d) as u64),
            Value::Hex(libc::minor(d) as u64),
        ],
    )
}

// --- Decoders. ---

/// `close(3)`, and the calls that take only an fd (fchdir, fsync, fdatasync, syncfs).
fn close(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    Step::Done
}

/// path, flags and (with O_CREAT / O_TMPFILE) the mode, from argument `at`.
fn open_args(c: &mut Ctx<'_>, at: usize) -> Step {
    let p = c.path_arg(at);
    c.arg(p);
    let flags = c.args[at + 1];
    c.arg(open_flags(flags));
    if flags & (libc::O_CREAT as u64 | O_TMPFILE_BIT) != 0 {
        c.arg(mode_03o(c.args[at + 2] & 0xffff));
    }
    c.rval(Rval::Fd);
    Step::Done
}

fn open(c: &mut Ctx<'_>) -> Step {
    open_args(c, 0)
}

fn openat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    open_args(c, 1)
}

/// `openat2(AT_FDCWD, "/x", {flags=O_RDONLY|O_CLOEXEC, resolve=0}, 24)`.
fn openat2(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    let p = c.path_arg(1);
    c.arg(p);
    let (addr, size) = (c.args[2], c.args[3]);
    let how = if size < 24 {
        Value::Ptr(addr)
    } else {
        match c.read(addr, 24) {
            None => Value::Ptr(addr),
            Some(b) => {
                let u = |i: usize| u64::from_ne_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
                let (flags, mode, resolve) = (u(0), u(8), u(16));
                let mut fields = vec![("flags", open_flags(flags))];
                if flags & (libc::O_CREAT as u64 | O_TMPFILE_BIT) != 0 || mode != 0 {
                    fields.push(("mode", mode_03o(mode)));
                }
                fields.push(("resolve", flags_or(resolve, RESOLVE_FLAGS, "RESOLVE_???")));
                Value::fields(fields)
            }
        }
    };
    c.arg(how);
    c.arg(Value::Uint(size));
    c.rval(Rval::Fd);
    Step::Done
}

fn creat(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    c.arg(mode_03o(c.args[1] & 0xffff));
    c.rval(Rval::Fd);
    Step::Done
}

fn access_args(c: &mut Ctx<'_>, at: usize) {
    let p = c.path_arg(at);
    c.arg(p);
    c.arg(flags_or(c.args[at + 1] as u32 as u64, ACCESS_FLAGS, "?_OK"));
}

fn access(c: &mut Ctx<'_>) -> Step {
    access_args(c, 0);
    Step::Done
}

fn faccessat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    access_args(c, 1);
    Step::Done
}

fn faccessat2(c: &mut Ctx<'_>) -> Step {
    faccessat(c);
    c.arg(flags_or(c.uint(3) as u64, FACCESSAT_FLAGS, "AT_???"));
    Step::Done
}

fn readlink_at(c: &mut Ctx<'_>, at: usize) -> Step {
    if !c.exiting() {
        let p = c.path_arg(at);
        c.arg(p);
        return Step::Exit;
    }
    let addr = c.args[at + 1];
    let v = match c.rval_ok() {
        Some(n) => c.buf(addr, n as u64),
        None => Value::Ptr(addr),
    };
    c.arg(v);
    c.arg(Value::Uint(c.args[at + 2]));
    Step::Done
}

fn readlink(c: &mut Ctx<'_>) -> Step {
    readlink_at(c, 0)
}

fn readlinkat(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let d = c.dirfd_arg(0);
        c.arg(d);
    }
    readlink_at(c, 1)
}

/// getdents64 and getdents: the entries with -v, else the address and `/* 5 entries */`.
fn dents(c: &mut Ctx<'_>, old: bool) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    let addr = c.args[1];
    let count = c.uint(2) as u64;
    let v = match c.rval_ok() {
        Some(n) if (n as u64) <= count => dirents(c, addr, n as u64, old),
        _ => Value::Ptr(addr),
    };
    c.arg(v);
    c.arg(Value::Uint(count));
    Step::Done
}

/// The entries of a getdents buffer of `len` bytes (strace's `decode_dents`).
fn dirents(c: &mut Ctx<'_>, mut addr: u64, mut len: u64, old: bool) -> Value {
    // d_ino, d_off (8 bytes each), d_reclen (2), then d_type and d_name (dirent64) or d_name
    // and d_type at the record's end (dirent).
    let header: u64 = if old { 18 } else { 19 };
    let abbrev = !c.opts.verbose;
    let mut items = Vec::new();
    let mut count = 0u32;
    let more = false;
    let mut tail: Option<Value> = None;
    loop {
        if len < header {
            if !abbrev && len != 0 {
                // Not a whole header: strace prints the bytes in hex.
                tail = Some(c.buf(addr, len));
            }
            if !abbrev && len == 0 {
                count += 1;
            }
            break;
        }
        let Some(h) = c.read(addr, header as usize) else {
            if !abbrev && count > 0 {
                tail = Some(Value::Comment(
                    Box::new(Value::Raw("...".into())),
                    format!("{addr:#x}"),
                ));
            } else if !abbrev {
                return Value::Ptr(addr);
            }
            break;
        };
        count += 1;
        let ino = u64::from_ne_bytes(h[0..8].try_into().unwrap_or([0; 8]));
        let off = u64::from_ne_bytes(h[8..16].try_into().unwrap_or([0; 8]));
        let reclen = u16::from_ne_bytes([h[16], h[17]]) as u64;
        let mut next = None;
        let rec = if reclen > len {
            len
        } else if reclen < header {
            header
        } else {
            if len - reclen > 0 {
                next = Some(addr + reclen);
            }
            reclen
        };
        let next_len = if reclen < header {
            len - header
        } else {
            len.saturating_sub(reclen)
        };
        len = next_len;
        if !abbrev {
            let mut fields = vec![
                ("d_ino", Value::Uint(ino)),
                ("d_off", Value::Uint(off)),
                ("d_reclen", Value::Uint(reclen)),
            ];
            let name_len = (rec - header).min(256);
            if old {
                // d_name then, in the record's last byte, d_type.
                let name_type_len = rec - header;
                if name_type_len > 0 {
                    let nl = (name_type_len - 1).min(256);
                    if nl > 0 {
                        fields.push(("d_name", dirent_name(c, addr + header, nl - 1)));
                    }
                    let t = match c.read(addr + header + name_type_len - 1, 1) {
                        Some(b) => xlat::enumerated(b[0] as u64, DIRENT_TYPES, "DT_???"),
                        None => Value::Ptr(addr + header + name_type_len - 1),
                    };
                    fields.push(("d_type", t));
                }
            } else {
                fields.push((
                    "d_type",
                    xlat::enumerated(h[18] as u64, DIRENT_TYPES, "DT_???"),
                ));
                if name_len > 0 {
                    fields.push(("d_name", dirent_name(c, addr + header, name_len - 1)));
                }
            }
            items.push(Value::fields(fields));
        }
        match next {
            Some(n) => addr = n,
            None => break,
        }
    }
    if abbrev {
        let plus = if len != 0 { "+" } else { "" };
        return Value::Comment(
            Box::new(Value::Ptr(c.args[1])),
            format!("{count}{plus} entries"),
        );
    }
    let _ = count;
    let mut arr = Value::Array { items, more };
    if let Some(t) = tail {
        // A partial record or an unreadable one: strace prints it after the entries.
        if let Value::Array { items, .. } = &mut arr {
            items.push(t);
        }
    }
    arr
}

/// A d_name of at most `n` bytes, as strace's `printpathn`.
fn dirent_name(c: &mut Ctx<'_>, addr: u64, n: u64) -> Value {
    match c.read_cstr(addr, n as usize) {
        Some((bytes, more)) => {
            let more = more && c.read_some(addr + n, 1).first() != Some(&0);
            Value::Str { bytes, more }
        }
        None => Value::Ptr(addr),
    }
}

fn getdents64(c: &mut Ctx<'_>) -> Step {
    dents(c, false)
}

fn getdents(c: &mut Ctx<'_>) -> Step {
    dents(c, true)
}

/// unlink, rmdir, chdir, chroot, acct: a path.
fn one_path(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    Step::Done
}

fn unlinkat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    let p = c.path_arg(1);
    c.arg(p);
    c.arg(flags_or(c.uint(2) as u64, AT_FLAGS, "AT_???"));
    Step::Done
}

/// rename, link, symlink: two paths.
fn two_paths(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    let p = c.path_arg(1);
    c.arg(p);
    Step::Done
}

fn renameat(c: &mut Ctx<'_>) -> Step {
    for i in [0, 2] {
        let d = c.dirfd_arg(i);
        c.arg(d);
        let p = c.path_arg(i + 1);
        c.arg(p);
    }
    Step::Done
}

fn renameat2(c: &mut Ctx<'_>) -> Step {
    renameat(c);
    c.arg(flags_or(c.uint(4) as u64, RENAME_FLAGS, "RENAME_??"));
    Step::Done
}

fn linkat(c: &mut Ctx<'_>) -> Step {
    renameat(c);
    c.arg(flags_or(c.uint(4) as u64, AT_FLAGS, "AT_???"));
    Step::Done
}

fn symlinkat(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    let d = c.dirfd_arg(1);
    c.arg(d);
    let p = c.path_arg(2);
    c.arg(p);
    Step::Done
}

/// chmod, mkdir: a path and a mode.
fn chmod(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    c.arg(mode_03o(c.args[1] & 0xffff));
    Step::Done
}

/// fchmodat, mkdirat.
fn fchmodat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    let p = c.path_arg(1);
    c.arg(p);
    c.arg(mode_03o(c.args[2] & 0xffff));
    Step::Done
}

fn fchmod(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(mode_03o(c.args[1] & 0xffff));
    Step::Done
}

fn chown(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    c.arg(id(c.uint(1)));
    c.arg(id(c.uint(2)));
    Step::Done
}

fn fchown(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(id(c.uint(1)));
    c.arg(id(c.uint(2)));
    Step::Done
}

fn fchownat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    let p = c.path_arg(1);
    c.arg(p);
    c.arg(id(c.uint(2)));
    c.arg(id(c.uint(3)));
    c.arg(flags_or(c.uint(4) as u64, AT_FLAGS, "AT_???"));
    Step::Done
}

/// `getcwd("/tmp", 4096) = 5`: the buffer at exit.
fn getcwd(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let addr = c.args[0];
    let v = if c.failed() {
        Value::Ptr(addr)
    } else {
        c.path(addr)
    };
    c.arg(v);
    c.arg(Value::Uint(c.args[1]));
    Step::Done
}

fn umask(c: &mut Ctx<'_>) -> Step {
    c.arg(mode_03o(c.args[0] & 0xffff));
    c.rval(Rval::Oct);
    Step::Done
}

fn lseek(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(Value::Int(c.long(1)));
    c.arg(xlat::enumerated(c.uint(2) as u64, WHENCE, "SEEK_???"));
    Step::Done
}

fn dup(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.rval(Rval::Fd);
    Step::Done
}

fn dup2(c: &mut Ctx<'_>) -> Step {
    dup(c);
    let fd = c.fd_arg(1);
    c.arg(fd);
    Step::Done
}

fn dup3(c: &mut Ctx<'_>) -> Step {
    dup2(c);
    c.arg(flags_or(c.uint(2) as u64, OPEN_FLAGS, "O_???"));
    Step::Done
}

/// pipe and pipe2: `[3, 4]` at exit.
fn pipe_at(c: &mut Ctx<'_>, flags: bool) -> Step {
    if !c.exiting() {
        return Step::Exit;
    }
    let addr = c.args[0];
    let v = match (c.failed(), c.read(addr, 8)) {
        (false, Some(b)) => {
            let a = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as i64;
            let z = i32::from_ne_bytes([b[4], b[5], b[6], b[7]]) as i64;
            Value::array(vec![c.fd(a), c.fd(z)])
        }
        _ => Value::Ptr(addr),
    };
    c.arg(v);
    if flags {
        c.arg(flags_or(c.uint(1) as u64, OPEN_FLAGS, "O_???"));
    }
    Step::Done
}

fn pipe(c: &mut Ctx<'_>) -> Step {
    pipe_at(c, false)
}

fn pipe2(c: &mut Ctx<'_>) -> Step {
    pipe_at(c, true)
}

fn truncate(c: &mut Ctx<'_>) -> Step {
    let p = c.path_arg(0);
    c.arg(p);
    c.arg(Value::Uint(c.args[1]));
    Step::Done
}

fn ftruncate(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(Value::Uint(c.args[1]));
    Step::Done
}

fn flock(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(flags_or(c.uint(1) as u64, FLOCK_CMDS, "LOCK_???"));
    Step::Done
}

fn fadvise64(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(Value::Int(c.long(1)));
    c.arg(Value::Uint(c.args[2]));
    c.arg(xlat::enumerated(c.uint(3) as u64, ADVICE, "POSIX_FADV_???"));
    Step::Done
}

fn fallocate(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(flags_or(c.uint(1) as u64, FALLOC_FLAGS, "FALLOC_FL_???"));
    c.arg(Value::Int(c.long(2)));
    c.arg(Value::Int(c.long(3)));
    Step::Done
}

/// `utimensat(AT_FDCWD, "x", [UTIME_NOW, {tv_sec=0, tv_nsec=0}], 0)`.
fn utimensat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    let p = c.path_arg(1);
    c.arg(p);
    let addr = c.args[2];
    let v = match c.read(addr, 32) {
        None => Value::Ptr(addr),
        Some(b) => {
            let mut items = Vec::new();
            for i in 0..2 {
                let o = i * 16;
                let sec = i64::from_ne_bytes(b[o..o + 8].try_into().unwrap_or([0; 8]));
                let nsec = i64::from_ne_bytes(b[o + 8..o + 16].try_into().unwrap_or([0; 8]));
                items.push(match nsec {
                    libc::UTIME_NOW => Value::sym("UTIME_NOW"),
                    libc::UTIME_OMIT => Value::sym("UTIME_OMIT"),
                    _ => super::stat::timespec(sec, nsec),
                });
            }
            Value::array(items)
        }
    };
    c.arg(v);
    c.arg(flags_or(c.uint(3) as u64, AT_FLAGS, "AT_???"));
    Step::Done
}

fn mknod_args(c: &mut Ctx<'_>, at: usize) {
    let p = c.path_arg(at);
    c.arg(p);
    let mode = c.args[at + 1] as u16 as u32;
    c.arg(symbolic_mode(mode));
    let ifmt = mode & libc::S_IFMT;
    if ifmt == libc::S_IFCHR || ifmt == libc::S_IFBLK {
        c.arg(dev(c.uint(at + 2) as u64));
    }
}

fn mknod(c: &mut Ctx<'_>) -> Step {
    mknod_args(c, 0);
    Step::Done
}

fn mknodat(c: &mut Ctx<'_>) -> Step {
    let d = c.dirfd_arg(0);
    c.arg(d);
    mknod_args(c, 1);
    Step::Done
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{FdDecode, FdTarget, NoFdNames, Opts, Ret};

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

    const AT_FDCWD: u64 = libc::AT_FDCWD as i64 as u64;

    fn run(name: &str, args: [u64; 6], ret: Option<Ret>, opts: &Opts, mem: &mut FakeMem) -> String {
        line(name, args, ret, opts, mem, &mut NoFdNames)
    }

    #[test]
    fn close_prints_its_fd() {
        let mut fds = FakeFds::default();
        fds.0.insert(
            3,
            FdTarget::Path {
                path: b"/etc/passwd".to_vec(),
                deleted: false,
            },
        );
        let opts = Opts::default();
        let mut mem = FakeMem::default();
        assert_eq!(
            line(
                "close",
                [3, 0, 0, 0, 0, 0],
                ok(0),
                &opts,
                &mut mem,
                &mut fds
            ),
            "close(3) = 0"
        );
        let opts = Opts {
            fds: FdDecode::Path,
            ..Default::default()
        };
        assert_eq!(
            line(
                "close",
                [3, 0, 0, 0, 0, 0],
                ok(0),
                &opts,
                &mut mem,
                &mut fds
            ),
            "close(3</etc/passwd>) = 0"
        );
        assert_eq!(
            line(
                "openat",
                [AT_FDCWD, 0, 0, 0, 0, 0],
                ok(3),
                &opts,
                &mut mem,
                &mut fds
            ),
            "openat(AT_FDCWD, NULL, O_RDONLY) = 3</etc/passwd>"
        );
    }

    #[test]
    fn open_flags_and_modes() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/etc/ld.so.cache\0");
        let o = Opts::default();
        let fl = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
        assert_eq!(
            run(
                "openat",
                [AT_FDCWD, 0x1000, fl, 0, 0, 0],
                ok(3),
                &o,
                &mut mem
            ),
            "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3"
        );
        let fl = (libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) as u64;
        assert_eq!(
            run("openat", [AT_FDCWD, 0x1000, fl, 0o666, 0, 0], err(libc::EACCES), &o, &mut mem),
            "openat(AT_FDCWD, \"/etc/ld.so.cache\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EACCES (Permission denied)"
        );
        // O_TMPFILE before O_DIRECTORY; mode 0 as 000; unknown bits in hex.
        let fl = (libc::O_RDWR | libc::O_TMPFILE) as u64 | 0x4000_0000;
        assert_eq!(
            run("open", [0x1000, fl, 0, 0, 0, 0], ok(4), &o, &mut mem),
            "open(\"/etc/ld.so.cache\", O_RDWR|O_TMPFILE|0x40000000, 000) = 4"
        );
        let fl = libc::O_RDWR as u64 | super::O_LARGEFILE | libc::O_SYNC as u64 | 0o20000;
        assert_eq!(
            run("open", [0x9000, fl, 0, 0, 0, 0], ok(4), &o, &mut mem),
            "open(0x9000, O_RDWR|O_SYNC|O_LARGEFILE|FASYNC) = 4"
        );
        assert_eq!(
            run("creat", [0x1000, 0o644, 0, 0, 0, 0], ok(5), &o, &mut mem),
            "creat(\"/etc/ld.so.cache\", 0644) = 5"
        );
    }

    #[test]
    fn openat2_prints_open_how() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/x\0");
        let mut how = Vec::new();
        how.extend_from_slice(&((libc::O_RDONLY | libc::O_CLOEXEC) as u64).to_ne_bytes());
        how.extend_from_slice(&0u64.to_ne_bytes());
        how.extend_from_slice(&libc::RESOLVE_NO_SYMLINKS.to_ne_bytes());
        mem.put(0x2000, &how);
        let o = Opts::default();
        assert_eq!(
            run("openat2", [AT_FDCWD, 0x1000, 0x2000, 24, 0, 0], ok(3), &o, &mut mem),
            "openat2(AT_FDCWD, \"/x\", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS}, 24) = 3"
        );
        assert_eq!(
            run(
                "openat2",
                [AT_FDCWD, 0x1000, 0x2000, 8, 0, 0],
                err(libc::EINVAL),
                &o,
                &mut mem
            ),
            "openat2(AT_FDCWD, \"/x\", 0x2000, 8) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn paths_modes_and_ids() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/tmp/a\0");
        mem.put(0x2000, b"/tmp/b\0");
        let o = Opts::default();
        assert_eq!(
            run("access", [0x1000, 4 | 2, 0, 0, 0, 0], ok(0), &o, &mut mem),
            "access(\"/tmp/a\", R_OK|W_OK) = 0"
        );
        assert_eq!(
            run(
                "access",
                [0x1000, 0, 0, 0, 0, 0],
                err(libc::ENOENT),
                &o,
                &mut mem
            ),
            "access(\"/tmp/a\", F_OK) = -1 ENOENT (No such file or directory)"
        );
        assert_eq!(
            run(
                "faccessat2",
                [AT_FDCWD, 0x1000, 1, 0x200, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "faccessat2(AT_FDCWD, \"/tmp/a\", X_OK, AT_EACCESS) = 0"
        );
        assert_eq!(
            run(
                "unlinkat",
                [AT_FDCWD, 0x1000, 0x200, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "unlinkat(AT_FDCWD, \"/tmp/a\", AT_REMOVEDIR) = 0"
        );
        assert_eq!(
            run(
                "renameat2",
                [AT_FDCWD, 0x1000, 5, 0x2000, 1, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "renameat2(AT_FDCWD, \"/tmp/a\", 5, \"/tmp/b\", RENAME_NOREPLACE) = 0"
        );
        assert_eq!(
            run(
                "symlinkat",
                [0x1000, AT_FDCWD, 0x2000, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "symlinkat(\"/tmp/a\", AT_FDCWD, \"/tmp/b\") = 0"
        );
        assert_eq!(
            run("mkdir", [0x1000, 0o755, 0, 0, 0, 0], ok(0), &o, &mut mem),
            "mkdir(\"/tmp/a\", 0755) = 0"
        );
        assert_eq!(
            run(
                "fchownat",
                [AT_FDCWD, 0x1000, u32::MAX as u64, 100, 0x100, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "fchownat(AT_FDCWD, \"/tmp/a\", -1, 100, AT_SYMLINK_NOFOLLOW) = 0"
        );
        assert_eq!(
            run("umask", [0o22, 0, 0, 0, 0, 0], ok(0o22), &o, &mut mem),
            "umask(022) = 022"
        );
        assert_eq!(
            run("umask", [0, 0, 0, 0, 0, 0], ok(0o22), &o, &mut mem),
            "umask(000) = 022"
        );
        assert_eq!(
            run(
                "mknodat",
                [
                    AT_FDCWD,
                    0x1000,
                    (libc::S_IFCHR | 0o600) as u64,
                    0x0103,
                    0,
                    0
                ],
                ok(0),
                &o,
                &mut mem
            ),
            "mknodat(AT_FDCWD, \"/tmp/a\", S_IFCHR|0600, makedev(0x1, 0x3)) = 0"
        );
    }

    #[test]
    fn readlink_and_getcwd_print_the_buffer_at_exit() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/proc/self/exe\0");
        mem.put(0x2000, b"/usr/bin/pythonGARBAGE");
        let o = Opts::default();
        assert_eq!(
            run(
                "readlink",
                [0x1000, 0x2000, 4096, 0, 0, 0],
                ok(15),
                &o,
                &mut mem
            ),
            "readlink(\"/proc/self/exe\", \"/usr/bin/python\", 4096) = 15"
        );
        assert_eq!(
            run(
                "readlinkat",
                [AT_FDCWD, 0x1000, 0x2000, 4096, 0, 0],
                err(libc::EINVAL),
                &o,
                &mut mem
            ),
            "readlinkat(AT_FDCWD, \"/proc/self/exe\", 0x2000, 4096) = -1 EINVAL (Invalid argument)"
        );
        let s4 = Opts {
            string_limit: 4,
            ..Default::default()
        };
        assert_eq!(
            run(
                "readlink",
                [0x1000, 0x2000, 4096, 0, 0, 0],
                ok(15),
                &s4,
                &mut mem
            ),
            "readlink(\"/proc/self/exe\", \"/usr\"..., 4096) = 15"
        );
        assert_eq!(
            run("getcwd", [0x1000, 4096, 0, 0, 0, 0], ok(15), &o, &mut mem),
            "getcwd(\"/proc/self/exe\", 4096) = 15"
        );
    }

    #[test]
    fn fds_pipes_and_seeks() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, &[3, 0, 0, 0, 4, 0, 0, 0]);
        let o = Opts::default();
        assert_eq!(
            run(
                "pipe2",
                [0x1000, libc::O_CLOEXEC as u64, 0, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "pipe2([3, 4], O_CLOEXEC) = 0"
        );
        assert_eq!(
            run(
                "pipe2",
                [0x1000, 0, 0, 0, 0, 0],
                err(libc::EMFILE),
                &o,
                &mut mem
            ),
            "pipe2(0x1000, 0) = -1 EMFILE (Too many open files)"
        );
        assert_eq!(
            run(
                "lseek",
                [3, (-60i64) as u64, 1, 0, 0, 0],
                ok(54),
                &o,
                &mut mem
            ),
            "lseek(3, -60, SEEK_CUR) = 54"
        );
        assert_eq!(
            run("lseek", [3, 0, 9, 0, 0, 0], ok(54), &o, &mut mem),
            "lseek(3, 0, 0x9 /* SEEK_??? */) = 54"
        );
        assert_eq!(
            run(
                "dup3",
                [3, 10, libc::O_CLOEXEC as u64, 0, 0, 0],
                ok(10),
                &o,
                &mut mem
            ),
            "dup3(3, 10, O_CLOEXEC) = 10"
        );
        assert_eq!(
            run("flock", [3, 2 | 4, 0, 0, 0, 0], ok(0), &o, &mut mem),
            "flock(3, LOCK_EX|LOCK_NB) = 0"
        );
        assert_eq!(
            run("fadvise64", [3, 0, 0, 2, 0, 0], ok(0), &o, &mut mem),
            "fadvise64(3, 0, 0, POSIX_FADV_SEQUENTIAL) = 0"
        );
        assert_eq!(
            run("fallocate", [3, 1, 0, 4096, 0, 0], ok(0), &o, &mut mem),
            "fallocate(3, FALLOC_FL_KEEP_SIZE, 0, 4096) = 0"
        );
        assert_eq!(
            run("ftruncate", [3, 100, 0, 0, 0, 0], ok(0), &o, &mut mem),
            "ftruncate(3, 100) = 0"
        );
    }

    fn dirent64(ino: u64, off: u64, t: u8, name: &[u8]) -> Vec<u8> {
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        let mut v = Vec::new();
        v.extend_from_slice(&ino.to_ne_bytes());
        v.extend_from_slice(&off.to_ne_bytes());
        v.extend_from_slice(&(reclen as u16).to_ne_bytes());
        v.push(t);
        v.extend_from_slice(name);
        v.resize(reclen, 0);
        v
    }

    #[test]
    fn getdents64_entries_verbose_and_abbreviated() {
        let mut mem = FakeMem::default();
        let mut buf = dirent64(10, 1, libc::DT_DIR, b".");
        buf.extend(dirent64(11, 2, libc::DT_REG, b"a.txt"));
        let n = buf.len() as i64;
        mem.put(0x5000, &buf);
        let o = Opts::default();
        assert_eq!(
            run(
                "getdents64",
                [3, 0x5000, 32768, 0, 0, 0],
                ok(n),
                &o,
                &mut mem
            ),
            "getdents64(3, 0x5000 /* 2 entries */, 32768) = 56"
        );
        assert_eq!(
            run(
                "getdents64",
                [3, 0x5000, 32768, 0, 0, 0],
                ok(0),
                &o,
                &mut mem
            ),
            "getdents64(3, 0x5000 /* 0 entries */, 32768) = 0"
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            run("getdents64", [3, 0x5000, 32768, 0, 0, 0], ok(n), &v, &mut mem),
            "getdents64(3, [{d_ino=10, d_off=1, d_reclen=24, d_type=DT_DIR, d_name=\".\"}, {d_ino=11, d_off=2, d_reclen=32, d_type=DT_REG, d_name=\"a.txt\"}], 32768) = 56"
        );
        assert_eq!(
            run(
                "getdents64",
                [3, 0x5000, 32768, 0, 0, 0],
                ok(0),
                &v,
                &mut mem
            ),
            "getdents64(3, [], 32768) = 0"
        );
        assert_eq!(
            run(
                "getdents64",
                [3, 0x5000, 32768, 0, 0, 0],
                err(libc::EBADF),
                &v,
                &mut mem
            ),
            "getdents64(3, 0x5000, 32768) = -1 EBADF (Bad file descriptor)"
        );
    }
}
