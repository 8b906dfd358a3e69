//! Fds named in the kernel for `-y` / `-yy` under the eBPF backend: which arguments of each
//! syscall are fds (the `fdspecs` map bpf/trace.bpf.c reads), and what a record's `REGION_FD`
//! regions say an fd was at the call, turned into the targets strace prints
//! ([`FdHint`]): `/etc/hostname`, `/tmp/x` with `(deleted)`, `pipe:[N]`, `socket:[N]`,
//! `anon_inode:[eventfd]`, `/dev/null<char 1:3>`, and for `-yy` sockets `TCP:[src->dst]`,
//! `UNIX-STREAM:[ino->peer]`, `UNIX:[ino,"path"]` through strace's endpoint cache
//! ([`crate::trace::decode::net::socket_target_with`]).
//!
//! The fds are those the decoders print as fds, found by running each decoder once on probe
//! arguments at load time: the fd arguments (named at the call's entry), directory-fd
//! arguments (`AT_FDCWD` names the working directory), a returned fd (named at the exit), and
//! the pair pipe/pipe2/socketpair write (at the exit).
//!
//! What the kernel record does not carry is asked of /proc when the line is printed (exact
//! while the task lives and keeps the fd, bare otherwise): fds inside structures (poll's
//! array, epoll_ctl's event, SCM_RIGHTS), netlink sockets' endpoints, files of pseudo file
//! systems other than pipes, sockets and anon inodes (pidfds, namespaces), and every fd of an
//! ia32 (int 0x80) call (`fdspecs` has rows for native numbers only). Paths are walked up
//! at most 64 dentries and 2048 bytes (strace prints up to PATH_MAX); a longer one prints
//! its last components after `...`, which strace never prints.
#![forbid(unsafe_code)]

use crate::trace::arch::Personality;
use crate::trace::decode::{self, CallState, Ctx, FdDecode, FdNames, FdTarget, NoMemory, Opts};
use crate::trace::event::{FdHint, FdSeen};

/// `fdspecs` bits (bpf/trace.bpf.c `FDS_*`).
const CWD_SHIFT: u32 = 8;
const RET: u32 = 1 << 16;
const PAIR0: u32 = 1 << 17;
const PAIR3: u32 = 1 << 18;

/// `struct fdname` kinds and flags.
const FDK_NONE: u8 = 0;
const FDK_PATH: u8 = 1;
const FDK_PIPE: u8 = 2;
const FDK_SOCKET: u8 = 3;
const FDK_ANON: u8 = 4;
const FDN_DELETED: u32 = 1;
const FDN_CUT: u32 = 2;

/// sizeof(struct fdname).
const FDNAME: usize = 88;

/// The fds a decoder asked about.
#[derive(Default)]
struct Probe {
    asked: Vec<i64>,
    cwd: bool,
}

impl FdNames for Probe {
    fn target(&mut self, _tid: i32, fd: i64, _mode: FdDecode) -> Option<FdTarget> {
        self.asked.push(fd);
        None
    }

    fn cwd(&mut self, _tid: i32) -> Option<FdTarget> {
        self.cwd = true;
        None
    }
}

/// Runs syscall `nr`'s decoder on `args` (entry, then an exit returning `ret`): the fds it
/// asked about at each, and whether it asked for the working directory at entry.
fn probe(nr: u64, args: [u64; 6], ret: i64) -> (Vec<i64>, Vec<i64>, bool) {
    let opts = Opts {
        fds: FdDecode::All,
        ..Opts::default()
    };
    let mut state = CallState::default();
    let (mut mem, mut entry) = (NoMemory, Probe::default());
    let mut c = Ctx::new(
        1,
        Personality::Native,
        nr,
        args,
        None,
        &opts,
        &mut state,
        &mut mem,
        &mut entry,
    );
    decode::decode(&mut c);
    let mut exit = Probe::default();
    let r = decode::Ret {
        val: ret,
        is_error: false,
    };
    let mut c = Ctx::new(
        1,
        Personality::Native,
        nr,
        args,
        Some(r),
        &opts,
        &mut state,
        &mut mem,
        &mut exit,
    );
    decode::decode(&mut c);
    decode::format_ret(r, &state, &opts, 1, &mut exit);
    (entry.asked, exit.asked, entry.cwd)
}

/// The `fdspecs` row of syscall `name` (native number `nr`): 0 when it prints no fd.
pub fn spec(name: &str, nr: u64) -> u32 {
    if decode::decoder(Personality::Native, nr).is_none() {
        return 0;
    }
    let mut bits = 0u32;
    // Two sets of probe values: a decoder that branches on an argument (mmap's flags) still
    // prints its fds under one of them.
    for base in [100u64, 200] {
        let args: [u64; 6] = std::array::from_fn(|i| base + i as u64);
        let ret = 1000;
        let (entry, exit, _) = probe(nr, args, ret);
        for i in 0..6 {
            let v = (base + i as u64) as i64;
            if entry.contains(&v) || exit.contains(&v) {
                bits |= 1 << i;
            }
        }
        if exit.contains(&ret) {
            bits |= RET;
        }
    }
    for i in 0..6 {
        let mut args = [0u64; 6];
        args[i] = libc::AT_FDCWD as i64 as u64;
        if probe(nr, args, 0).2 {
            bits |= 1 << (CWD_SHIFT + i as u32);
        }
    }
    match name {
        // F_DUPFD and F_DUPFD_CLOEXEC return an fd (the probe's command is neither).
        "fcntl" => bits |= RET,
        "pipe" | "pipe2" => bits |= PAIR0,
        "socketpair" => bits |= PAIR3,
        _ => {}
    }
    bits
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .map_or(0, |s| u16::from_ne_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_ne_bytes)
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_ne_bytes)
}

/// The fd named by a `REGION_FD` region (`addr` the fd, `b` its struct fdname and text).
pub fn hint(addr: u64, b: &[u8]) -> FdHint {
    FdHint {
        fd: addr as i64,
        seen: seen(b),
    }
}

/// What a struct fdname says, or None when /proc must be asked.
fn seen(b: &[u8]) -> Option<FdSeen> {
    if b.len() < FDNAME {
        return None;
    }
    let ino = u64_at(b, 0);
    let mode = u32_at(b, 8);
    let rdev = u32_at(b, 12);
    let flags = u32_at(b, 16);
    let text_len = usize::from(u16_at(b, 20));
    let kind = b[22];
    let text = b.get(FDNAME..FDNAME + text_len).unwrap_or_default();
    let plain = |path: Vec<u8>| FdTarget::Path {
        path,
        deleted: false,
    };
    Some(match kind {
        FDK_NONE => FdSeen {
            path: None,
            all: None,
        },
        FDK_PATH => {
            let path = join_walk(text, flags & FDN_CUT != 0);
            let deleted = flags & FDN_DELETED != 0;
            let fmt = mode & libc::S_IFMT;
            let all = if !deleted && (fmt == libc::S_IFCHR || fmt == libc::S_IFBLK) {
                FdTarget::Dev {
                    path: path.clone(),
                    kind: if fmt == libc::S_IFCHR {
                        "char"
                    } else {
                        "block"
                    },
                    major: rdev >> 20,
                    minor: rdev & 0xfffff,
                }
            } else {
                FdTarget::Path {
                    path: path.clone(),
                    deleted,
                }
            };
            FdSeen {
                path: Some(FdTarget::Path { path, deleted }),
                all: Some(all),
            }
        }
        FDK_PIPE => {
            let t = plain(format!("pipe:[{ino}]").into_bytes());
            FdSeen {
                path: Some(t.clone()),
                all: Some(t),
            }
        }
        FDK_ANON => {
            let mut p = b"anon_inode:".to_vec();
            p.extend_from_slice(text);
            let t = plain(p);
            FdSeen {
                path: Some(t.clone()),
                all: Some(t),
            }
        }
        FDK_SOCKET => {
            let path = plain(format!("socket:[{ino}]").into_bytes());
            let all = socket_text(b, ino, text)?;
            FdSeen {
                path: Some(path.clone()),
                all: Some(all.map_or(path, FdTarget::Text)),
            }
        }
        _ => return None,
    })
}

/// A path from the walk's names (leaf first, each NUL-terminated): `/a/b`; cut, `.../b`.
fn join_walk(names: &[u8], cut: bool) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = names.split(|&c| c == 0).filter(|p| !p.is_empty()).collect();
    parts.reverse();
    let mut out = Vec::new();
    if cut {
        out.extend_from_slice(b"...");
    }
    for p in &parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// strace's `-yy` text of a socket from the kernel's fields: Some(None) for none (the path
/// `socket:[N]`), None when /proc must be asked (a netlink socket, no protocol name).
fn socket_text(b: &[u8], ino: u64, text: &[u8]) -> Option<Option<String>> {
    let family = u16_at(b, 24);
    let sport = u16_at(b, 30);
    let dport = u16_at(b, 32);
    let peer = u32_at(b, 36);
    let saddr = &b[40..56];
    let daddr = &b[56..72];
    let proto = &b[72..88];
    let proto = &proto[..proto.iter().position(|&c| c == 0).unwrap_or(proto.len())];
    let name = std::str::from_utf8(proto).ok()?;
    if name.is_empty() || name == "NETLINK" {
        return None;
    }
    let Some((name, inet)) = decode::net::SOCK_PROTOS.iter().find(|(p, _)| *p == name) else {
        // strace asks sock_diag for every protocol it knows: none has this socket.
        return Some(None);
    };
    let fresh = || -> Option<(String, bool)> {
        if inet.is_some() {
            // sock_diag lists an inet socket once it has a port (bound, listening,
            // connected).
            if sport == 0 {
                return Some((format!("{name}:[{ino}]"), false));
            }
            let addr = |a: &[u8], port: u16| -> Option<String> {
                Some(match i32::from(family) {
                    libc::AF_INET => {
                        format!(
                            "{}:{port}",
                            decode::sockaddr::ntop4(a[..4].try_into().ok()?)
                        )
                    }
                    _ => format!("[{}]:{port}", decode::sockaddr::ntop6(a.try_into().ok()?)),
                })
            };
            let src = addr(saddr, sport)?;
            let v4 = i32::from(family) == libc::AF_INET;
            let no_peer = dport == 0 && daddr[..if v4 { 4 } else { 16 }].iter().all(|&c| c == 0);
            return Some(if no_peer {
                (format!("{name}:[{src}]"), true)
            } else {
                (format!("{name}:[{src}->{}]", addr(daddr, dport)?), true)
            });
        }
        // A unix socket: its inode, its peer's, its bound address.
        let mut t = format!("{name}:[{ino}");
        if peer != 0 {
            t.push_str(&format!("->{peer}"));
        }
        let path = !text.is_empty();
        if path {
            t.push(',');
            match text.strip_prefix(b"\0") {
                Some(rest) => {
                    t.push('@');
                    decode::value::quote(&mut t, rest, decode::HexStr::None);
                }
                None => {
                    let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
                    decode::value::quote(&mut t, &text[..end], decode::HexStr::None);
                }
            }
        }
        t.push(']');
        Some((t, path || peer != 0))
    };
    Some(decode::net::socket_target_with(ino, fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nr(name: &str) -> u64 {
        crate::trace::syscalls::number(Personality::Native, name).unwrap()
    }

    #[test]
    fn the_decoders_say_which_arguments_are_fds() {
        let s = |n: &str| spec(n, nr(n));
        assert_eq!(s("read"), 1);
        assert_eq!(s("close"), 1);
        assert_eq!(s("dup2"), 0b11 | RET);
        assert_eq!(s("openat"), 1 | (1 << CWD_SHIFT) | RET);
        assert_eq!(s("socket"), RET);
        assert_eq!(s("accept4"), 1 | RET);
        assert_eq!(s("pipe2"), PAIR0);
        assert_eq!(s("socketpair"), PAIR3);
        assert_eq!(s("getpid"), 0);
        assert_eq!(s("mmap") & 0x3f, 1 << 4);
    }

    fn record(kind: u8, ino: u64, mode: u32, flags: u32, text: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; FDNAME];
        b[0..8].copy_from_slice(&ino.to_ne_bytes());
        b[8..12].copy_from_slice(&mode.to_ne_bytes());
        b[12..16].copy_from_slice(&((1u32 << 20) | 3).to_ne_bytes());
        b[16..20].copy_from_slice(&flags.to_ne_bytes());
        b[20..22].copy_from_slice(&(text.len() as u16).to_ne_bytes());
        b[22] = kind;
        b.extend_from_slice(text);
        b
    }

    fn path(p: &[u8], deleted: bool) -> Option<FdTarget> {
        Some(FdTarget::Path {
            path: p.to_vec(),
            deleted,
        })
    }

    #[test]
    fn paths_come_from_the_walk_leaf_first() {
        let b = record(FDK_PATH, 7, libc::S_IFREG, 0, b"hostname\0etc\0");
        let h = hint(3, &b);
        assert_eq!(h.fd, 3);
        let s = h.seen.unwrap();
        assert_eq!(s.path, path(b"/etc/hostname", false));
        assert_eq!(s.all, path(b"/etc/hostname", false));
        let b = record(FDK_PATH, 7, libc::S_IFREG, FDN_DELETED, b"x\0tmp\0");
        assert_eq!(hint(3, &b).seen.unwrap().path, path(b"/tmp/x", true));
        let b = record(FDK_PATH, 7, libc::S_IFDIR, FDN_CUT, b"c\0b\0");
        assert_eq!(hint(3, &b).seen.unwrap().path, path(b".../b/c", false));
        let b = record(FDK_PATH, 2, libc::S_IFDIR, 0, b"");
        assert_eq!(
            hint(-100i64 as u64, &b).seen.unwrap().path,
            path(b"/", false)
        );
    }

    #[test]
    fn devices_pipes_anon_inodes_and_closed_fds() {
        let b = record(FDK_PATH, 5, libc::S_IFCHR, 0, b"null\0dev\0");
        let s = hint(1, &b).seen.unwrap();
        assert_eq!(s.path, path(b"/dev/null", false));
        assert_eq!(
            s.all,
            Some(FdTarget::Dev {
                path: b"/dev/null".to_vec(),
                kind: "char",
                major: 1,
                minor: 3
            })
        );
        let b = record(FDK_PIPE, 42, libc::S_IFIFO, 0, b"");
        assert_eq!(hint(1, &b).seen.unwrap().all, path(b"pipe:[42]", false));
        let b = record(FDK_ANON, 9, 0, 0, b"[eventfd]");
        assert_eq!(
            hint(4, &b).seen.unwrap().path,
            path(b"anon_inode:[eventfd]", false)
        );
        let b = record(FDK_NONE, 0, 0, 0, b"");
        assert_eq!(
            hint(9, &b).seen,
            Some(FdSeen {
                path: None,
                all: None
            })
        );
        // Another pseudo file system, or a short region: /proc is asked.
        assert_eq!(hint(9, &record(5, 1, 0, 0, b"")).seen, None);
        assert_eq!(hint(9, &[0u8; 10]).seen, None);
    }

    fn sock(
        ino: u64,
        proto: &str,
        family: u16,
        ports: (u16, u16),
        peer: u32,
        text: &[u8],
    ) -> Vec<u8> {
        let mut b = record(FDK_SOCKET, ino, libc::S_IFSOCK, 0, text);
        b[24..26].copy_from_slice(&family.to_ne_bytes());
        b[30..32].copy_from_slice(&ports.0.to_ne_bytes());
        b[32..34].copy_from_slice(&ports.1.to_ne_bytes());
        b[36..40].copy_from_slice(&peer.to_ne_bytes());
        b[40..44].copy_from_slice(&[127, 0, 0, 1]);
        if ports.1 != 0 {
            b[56..60].copy_from_slice(&[127, 0, 0, 2]);
        }
        b[72..72 + proto.len()].copy_from_slice(proto.as_bytes());
        b
    }

    #[test]
    fn sockets_print_as_strace_prints_them() {
        let text = |b: &[u8]| hint(3, b).seen.unwrap().all;
        let t = |s: &str| Some(FdTarget::Text(s.to_string()));
        // Inodes of their own: strace's cache is shared by the tests of this binary.
        let inet = libc::AF_INET as u16;
        assert_eq!(
            text(&sock(900_001, "TCP", inet, (0, 0), 0, b"")),
            t("TCP:[900001]")
        );
        assert_eq!(
            text(&sock(900_002, "TCP", inet, (8080, 0), 0, b"")),
            t("TCP:[127.0.0.1:8080]")
        );
        assert_eq!(
            text(&sock(900_003, "UDP", inet, (5353, 53), 0, b"")),
            t("UDP:[127.0.0.1:5353->127.0.0.2:53]")
        );
        // Found once, kept (a listener that was bound keeps its first text).
        assert_eq!(
            text(&sock(900_002, "TCP", inet, (8080, 99), 0, b"")),
            t("TCP:[127.0.0.1:8080]")
        );
        let unix = libc::AF_UNIX as u16;
        assert_eq!(
            text(&sock(900_004, "UNIX-STREAM", unix, (0, 0), 900_005, b"")),
            t("UNIX-STREAM:[900004->900005]")
        );
        assert_eq!(
            text(&sock(900_006, "UNIX", unix, (0, 0), 0, b"/run/x.sock\0")),
            t("UNIX:[900006,\"/run/x.sock\"]")
        );
        assert_eq!(
            text(&sock(900_007, "UNIX", unix, (0, 0), 0, b"\0abs")),
            t("UNIX:[900007,@\"abs\"]")
        );
        // -y: the socket's inode.
        let s = hint(3, &sock(900_008, "TCP", inet, (0, 0), 0, b""))
            .seen
            .unwrap();
        assert_eq!(s.path, path(b"socket:[900008]", false));
        // Netlink: asked of /proc.
        assert_eq!(
            hint(3, &sock(900_009, "NETLINK", 16, (0, 0), 0, b"")).seen,
            None
        );
    }
}
