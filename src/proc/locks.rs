//! /proc/locks lines (see proc_locks(5)), parsed from bytes: who holds which file lock, of
//! which kind, on which device and inode. The same lines follow `lock:` in /proc/PID/fdinfo/FD
//! for the locks held through that fd, which is where `ksec fds` takes them from: an
//! open-file-description lock (OFD) has pid -1 in /proc/locks, so matching by pid as lsof does
//! would miss it. [`Lock::mark`] is lsof's lock letter.

use serde::Serialize;

/// The kind of a lock (JSON: `POSIX`, `OFDLCK`, `FLOCK`, `LEASE`, `DELEG`, `ACCESS`,
/// `UNKNOWN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LockKind {
    /// fcntl(F_SETLK) / lockf: owned by the process.
    Posix,
    /// fcntl(F_OFD_SETLK): owned by the open file description.
    Ofdlck,
    /// flock(2).
    Flock,
    /// fcntl(F_SETLEASE).
    Lease,
    /// An NFS delegation.
    Deleg,
    /// A mandatory-locking access check.
    Access,
    Unknown,
}

/// Read or write (JSON: `READ`, `WRITE`, `UNLCK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LockAccess {
    Read,
    Write,
    Unlck,
}

/// One lock line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    pub kind: LockKind,
    pub access: LockAccess,
    /// The locking process; -1 for OFD locks.
    pub pid: i32,
    /// The file system's device (`st_dev` encoding) and the inode.
    pub dev: u64,
    pub inode: u64,
    /// First byte locked.
    pub start: u64,
    /// Last byte locked; None for "to the end of the file" (`EOF`).
    pub end: Option<u64>,
    /// A waiter blocked on the lock before it (`->` lines), not a lock held.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
}

impl Lock {
    /// The whole file is locked (from 0 to EOF).
    pub fn whole_file(&self) -> bool {
        self.start == 0 && self.end.is_none()
    }

    /// lsof's letter: `W`/`R` for a write/read lock on the whole file, `w`/`r` on part of it.
    pub fn mark(&self) -> char {
        match (self.access, self.whole_file()) {
            (LockAccess::Write, true) => 'W',
            (LockAccess::Write, false) => 'w',
            (LockAccess::Read, true) => 'R',
            (LockAccess::Read, false) => 'r',
            (LockAccess::Unlck, _) => ' ',
        }
    }
}

/// lsof's lock letter for the locks held through one fd: that of the only lock, `u` for read
/// and write locks together (as lsof), None without locks.
pub fn mark(locks: &[Lock]) -> Option<char> {
    let held: Vec<&Lock> = locks.iter().filter(|l| !l.blocked).collect();
    let first = held.first()?;
    if held.iter().all(|l| l.access == first.access) {
        // Several ranges of one kind: whole-file if any covers it.
        return Some(
            held.iter()
                .find(|l| l.whole_file())
                .map_or(first.mark(), |l| l.mark()),
        );
    }
    Some('u')
}

/// Parses one line of /proc/locks, or what follows `lock:` in fdinfo:
/// `1: POSIX  ADVISORY  WRITE 4242 fd:01:1316 0 EOF`, `1: -> FLOCK  ADVISORY  WRITE ...`,
/// `2: LEASE  ACTIVE    READ 7 00:1a:12 0 EOF`.
pub fn parse_line(line: &[u8]) -> Option<Lock> {
    let text = std::str::from_utf8(line).ok()?;
    let mut t = text.split_ascii_whitespace().peekable();
    if t.peek()?.ends_with(':') && t.peek()? != &"lock:" {
        t.next();
    } else if t.peek()? == &"lock:" {
        t.next();
        if t.peek().is_some_and(|s| s.ends_with(':')) {
            t.next();
        }
    }
    let blocked = t.peek() == Some(&"->");
    if blocked {
        t.next();
    }
    let kind = match t.next()? {
        "POSIX" => LockKind::Posix,
        "OFDLCK" => LockKind::Ofdlck,
        "FLOCK" => LockKind::Flock,
        "LEASE" => LockKind::Lease,
        "DELEG" => LockKind::Deleg,
        "ACCESS" => LockKind::Access,
        _ => LockKind::Unknown,
    };
    let access = loop {
        match t.next()? {
            "READ" => break LockAccess::Read,
            "WRITE" => break LockAccess::Write,
            "UNLCK" => break LockAccess::Unlck,
            _ => continue, // ADVISORY, MANDATORY, ACTIVE, BREAKING...
        }
    };
    let pid = t.next()?.parse().ok()?;
    let mut id = t.next()?.split(':');
    let hex = |s: Option<&str>| u64::from_str_radix(s?, 16).ok();
    let (maj, min) = (hex(id.next())?, hex(id.next())?);
    let inode = id.next()?.parse().ok()?;
    let start = t.next()?.parse().ok()?;
    let end = match t.next()? {
        "EOF" => None,
        n => Some(n.parse().ok()?),
    };
    Some(Lock {
        kind,
        access,
        pid,
        dev: nix::sys::stat::makedev(maj, min),
        inode,
        start,
        end,
        blocked,
    })
}

/// Parses /proc/locks; malformed lines are skipped.
pub fn parse_locks(bytes: &[u8]) -> Vec<Lock> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(parse_line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LOCKS: &[u8] = b"1: POSIX  ADVISORY  WRITE 4242 fd:01:1316 0 EOF
2: OFDLCK ADVISORY  READ  -1 00:1a:99 100 199
3: FLOCK  ADVISORY  WRITE 77 08:01:5678 0 EOF
3: -> FLOCK  ADVISORY  WRITE 78 08:01:5678 0 EOF
4: LEASE  ACTIVE    READ  7 00:1a:12 0 EOF
5: POSIX  ADVISORY  READ  9 <none>:0 0 EOF
garbage
";

    #[test]
    fn parses_proc_locks() {
        let l = parse_locks(LOCKS);
        assert_eq!(l.len(), 5, "{l:?}");
        assert_eq!(
            l[0],
            Lock {
                kind: LockKind::Posix,
                access: LockAccess::Write,
                pid: 4242,
                dev: nix::sys::stat::makedev(0xfd, 1),
                inode: 1316,
                start: 0,
                end: None,
                blocked: false,
            }
        );
        assert_eq!(
            (l[1].kind, l[1].access, l[1].pid, l[1].start, l[1].end),
            (LockKind::Ofdlck, LockAccess::Read, -1, 100, Some(199))
        );
        assert_eq!((l[2].kind, l[2].blocked), (LockKind::Flock, false));
        assert_eq!((l[3].pid, l[3].blocked), (78, true));
        assert_eq!(
            (l[4].kind, l[4].access),
            (LockKind::Lease, LockAccess::Read)
        );
        let marks: String = l.iter().map(Lock::mark).collect();
        assert_eq!(marks, "WrWWR");
    }

    #[test]
    fn parses_fdinfo_lock_lines() {
        let l = parse_line(b"lock:\t1: FLOCK  ADVISORY  WRITE 4242 08:01:5678 0 EOF").unwrap();
        assert_eq!((l.kind, l.pid, l.inode), (LockKind::Flock, 4242, 5678));
        let l = parse_line(b"lock:\tPOSIX  ADVISORY  READ 1 08:01:5 0 9").unwrap();
        assert_eq!((l.kind, l.end, l.mark()), (LockKind::Posix, Some(9), 'r'));
    }

    #[test]
    fn marks_of_an_fd() {
        let l = parse_locks(LOCKS);
        assert_eq!(mark(&[]), None);
        assert_eq!(mark(&l[..1]), Some('W'));
        assert_eq!(mark(&l[1..2]), Some('r'));
        assert_eq!(mark(&[l[0].clone(), l[1].clone()]), Some('u'));
        assert_eq!(mark(&l[3..4]), None, "a blocked waiter holds nothing");
        let part = Lock {
            end: Some(5),
            ..l[0].clone()
        };
        assert_eq!(mark(std::slice::from_ref(&part)), Some('w'));
        assert_eq!(mark(&[part, l[0].clone()]), Some('W'));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_locks(&bytes);
        }
    }
}
