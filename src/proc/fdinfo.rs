//! /proc/PID/fdinfo/FD: offset, open flags, mount id, inode, the file locks held through the
//! fd (`lock:` lines, [`super::locks`]) and an epoll fd's watched fds (`tfd:` lines), parsed
//! from bytes ([`parse_fdinfo`]) and read best effort ([`read_fdinfo`]); open flags as lsof's
//! mode letter and as names.

use super::locks::{parse_line as parse_lock_line, Lock};
use super::root::ProcRoot;

/// The common fields of an fdinfo file (see proc_pid_fdinfo(5)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FdInfo {
    /// File offset (`pos:`).
    pub pos: Option<u64>,
    /// Open flags (`flags:`, octal in the file).
    pub flags: Option<u32>,
    /// Mount id (`mnt_id:`).
    pub mnt_id: Option<u64>,
    /// Inode number (`ino:`, Linux 5.14+).
    pub ino: Option<u64>,
    /// Locks held through this fd (`lock:` lines, Linux 4.x+; POSIX locks of the process on
    /// the same file show on each of its fds for it, as in lsof).
    pub locks: Vec<Lock>,
    /// The fds an epoll fd watches (`tfd:` lines), in ascending order (as lsof shows them).
    pub epoll_tfds: Vec<i32>,
}

/// Parses an fdinfo file; unknown lines (eventfd-count, inotify...) are ignored.
pub fn parse_fdinfo(bytes: &[u8]) -> FdInfo {
    let mut info = FdInfo::default();
    for line in bytes.split(|&b| b == b'\n') {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let key = &line[..colon];
        let Ok(value) = std::str::from_utf8(&line[colon + 1..]) else {
            continue;
        };
        let value = value.trim();
        match key {
            b"pos" => info.pos = value.parse().ok(),
            b"flags" => info.flags = u32::from_str_radix(value, 8).ok(),
            b"mnt_id" => info.mnt_id = value.parse().ok(),
            b"ino" => info.ino = value.parse().ok(),
            b"lock" => info.locks.extend(parse_lock_line(value.as_bytes())),
            b"tfd" => {
                // `tfd:        5 events:       19 data: ...`
                if let Some(fd) = value.split_ascii_whitespace().next() {
                    info.epoll_tfds.extend(fd.parse::<i32>().ok());
                }
            }
            _ => {}
        }
    }
    info.epoll_tfds.sort_unstable();
    info
}

/// The fdinfo of `fd` of `pid`; empty when it cannot be read (the fd was closed meanwhile).
pub fn read_fdinfo(root: &ProcRoot, pid: i32, fd: i32) -> FdInfo {
    read_small(&root.pid_path(pid, &format!("fdinfo/{fd}")))
        .map(|b| parse_fdinfo(&b))
        .unwrap_or_default()
}

/// The fdinfo of `fd`, opened relative to the open /proc/PID/fdinfo directory `dir`; empty
/// when it cannot be read.
pub fn read_fdinfo_at(dir: &std::fs::File, fd: i32) -> FdInfo {
    use std::os::fd::AsRawFd;
    let name = fd.to_string();
    let flags = nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC;
    let Ok(raw) = nix::fcntl::openat(
        Some(dir.as_raw_fd()),
        name.as_str(),
        flags,
        nix::sys::stat::Mode::empty(),
    ) else {
        return FdInfo::default();
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let ok = loop {
        match nix::unistd::read(raw, &mut buf) {
            Ok(0) => break true,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break false,
        }
    };
    let _ = nix::unistd::close(raw);
    if ok {
        parse_fdinfo(&out)
    } else {
        FdInfo::default()
    }
}

/// The whole of a small /proc file, read until end of file without `std::fs::read`'s statx for
/// a size hint (a /proc file's size is 0 anyway; with 10,000 fds, those calls were a sixth of
/// `ksec fds`'s system calls).
///
/// # Errors
/// Opening or reading `path` fails.
fn read_small(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match f.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The kernel's O_LARGEFILE bit (set on every file a 64-bit process opens); glibc's is 0.
const KERNEL_O_LARGEFILE: u32 = if cfg!(any(target_arch = "aarch64", target_arch = "arm")) {
    0o400000
} else {
    0o100000
};

/// `r`, `w` or `u` (read/write) from the access mode of open flags, as lsof prints it.
pub fn access_mode(flags: u32) -> char {
    match flags & libc::O_ACCMODE as u32 {
        x if x == libc::O_RDONLY as u32 => 'r',
        x if x == libc::O_WRONLY as u32 => 'w',
        _ => 'u',
    }
}

/// Open flags as names, `O_RDWR|O_APPEND|O_CLOEXEC`; unknown bits as octal.
pub fn flag_names(flags: u32) -> String {
    let mut names = vec![match flags & libc::O_ACCMODE as u32 {
        x if x == libc::O_RDONLY as u32 => "O_RDONLY",
        x if x == libc::O_WRONLY as u32 => "O_WRONLY",
        x if x == libc::O_RDWR as u32 => "O_RDWR",
        _ => "O_ACCMODE",
    }
    .to_string()];
    let known: [(i32, &str); 13] = [
        (libc::O_CREAT, "O_CREAT"),
        (libc::O_EXCL, "O_EXCL"),
        (libc::O_NOCTTY, "O_NOCTTY"),
        (libc::O_TRUNC, "O_TRUNC"),
        (libc::O_APPEND, "O_APPEND"),
        (libc::O_NONBLOCK, "O_NONBLOCK"),
        (libc::O_DSYNC, "O_DSYNC"),
        (libc::O_DIRECT, "O_DIRECT"),
        (libc::O_DIRECTORY, "O_DIRECTORY"),
        (libc::O_NOFOLLOW, "O_NOFOLLOW"),
        (libc::O_NOATIME, "O_NOATIME"),
        (libc::O_CLOEXEC, "O_CLOEXEC"),
        (libc::O_PATH, "O_PATH"),
    ];
    let mut rest = flags & !(libc::O_ACCMODE as u32);
    // O_SYNC includes O_DSYNC's bit; name it first.
    if rest & libc::O_SYNC as u32 == libc::O_SYNC as u32 {
        names.push("O_SYNC".into());
        rest &= !(libc::O_SYNC as u32);
    }
    // O_TMPFILE includes O_DIRECTORY's bit.
    if rest & libc::O_TMPFILE as u32 == libc::O_TMPFILE as u32 {
        names.push("O_TMPFILE".into());
        rest &= !(libc::O_TMPFILE as u32);
    }
    if rest & KERNEL_O_LARGEFILE != 0 {
        names.push("O_LARGEFILE".into());
        rest &= !KERNEL_O_LARGEFILE;
    }
    for (bit, name) in known {
        let bit = bit as u32;
        if rest & bit != 0 {
            names.push(name.into());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("0{rest:o}"));
    }
    names.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_regular_file_fdinfo() {
        let info = parse_fdinfo(b"pos:\t4096\nflags:\t02102002\nmnt_id:\t29\nino:\t1835\n");
        assert_eq!(
            info,
            FdInfo {
                pos: Some(4096),
                flags: Some(0o2102002),
                mnt_id: Some(29),
                ino: Some(1835),
                ..FdInfo::default()
            }
        );
        assert_eq!(access_mode(0o2102002), 'u');
        assert_eq!(access_mode(0o2000000), 'r');
        assert_eq!(access_mode(0o1), 'w');
        assert_eq!(
            flag_names(0o2102002),
            "O_RDWR|O_LARGEFILE|O_APPEND|O_CLOEXEC"
        );
        assert_eq!(flag_names(0o4010001), "O_WRONLY|O_SYNC");
        assert_eq!(flag_names(0o2004002), "O_RDWR|O_NONBLOCK|O_CLOEXEC");
        assert_eq!(flag_names(0o0102001), "O_WRONLY|O_LARGEFILE|O_APPEND");
    }

    #[test]
    fn ignores_extra_lines_and_garbage() {
        let info = parse_fdinfo(b"pos:\t0\nflags:\t02004002\nmnt_id:\t15\nino:\t7\neventfd-count:        0\neventfd-id: 3\n");
        assert_eq!(info.pos, Some(0));
        assert_eq!(info.flags, Some(0o2004002));
        let info = parse_fdinfo(b"pos: x\nflags: 9\n\xff:\xff\nnocolon\n");
        assert_eq!(info, FdInfo::default());
    }

    #[test]
    fn parses_locks_and_epoll_targets() {
        let info = parse_fdinfo(
            b"pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t7\n\
lock:\t1: FLOCK  ADVISORY  WRITE 4242 08:01:5678 0 EOF\n\
lock:\t2: POSIX  ADVISORY  READ 4242 08:01:5678 10 19\n",
        );
        assert_eq!(info.locks.len(), 2);
        assert_eq!(super::super::locks::mark(&info.locks), Some('u'));
        assert_eq!((info.locks[1].start, info.locks[1].end), (10, Some(19)));
        let epoll = parse_fdinfo(
            b"pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t1057\n\
tfd:       12 events:       19 data:      100000000c  pos:0 ino:6e sdev:d\n\
tfd:        5 events:       19 data:                5  pos:0 ino:61 sdev:d\n",
        );
        assert_eq!(epoll.epoll_tfds, [5, 12]);
        assert_eq!(
            epoll.pos,
            Some(0),
            "pos: inside tfd lines is not the offset"
        );
        assert!(epoll.locks.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), flags in any::<u32>()) {
            let _ = parse_fdinfo(&bytes);
            let _ = flag_names(flags);
            let _ = access_mode(flags);
        }
    }
}
