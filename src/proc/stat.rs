//! /proc/PID/stat: the parser ([`parse_stat`], from bytes), its reader ([`read_stat`]), and the
//! checks made on it: [`is_kernel_thread`], [`require_live_user_process`]. Also the few
//! /proc/PID/status fields ksec needs, from bytes.

use super::error::{read_pid_file, ProcError};
use super::root::ProcRoot;

/// `PF_KTHREAD` in /proc/PID/stat's flags field (include/linux/sched.h).
const PF_KTHREAD: u64 = 0x0020_0000;

/// The fields of /proc/PID/stat that ksec uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// The command name between the parentheses (may hold spaces, `)` and any byte).
    pub comm: Vec<u8>,
    /// R, S, D, Z, T, t, X, I...
    pub state: u8,
    pub ppid: i32,
    /// The process group and session ids, and the controlling terminal's device number (0:
    /// none).
    pub pgrp: i32,
    pub session: i32,
    pub tty_nr: u32,
    /// The task's PF_* flags.
    pub flags: u64,
    /// Start time after boot in clock ticks (field 22), to tell a task from a later one that
    /// reuses its pid; None when the line is cut short.
    pub starttime: Option<u64>,
}

impl Stat {
    /// A kernel thread (PF_KTHREAD).
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0
    }

    /// Exited, not yet reaped.
    pub fn is_zombie(&self) -> bool {
        self.state == b'Z' || self.state == b'X'
    }
}

/// Reads and parses `<root>/<pid>/stat` (a tid works too: /proc/TID/stat).
///
/// # Errors
/// No such process, vanished, unreadable or unparsable stat.
pub fn read_stat(root: &ProcRoot, pid: i32) -> Result<Stat, ProcError> {
    let bytes = read_pid_file(root, pid, "stat")?;
    parse_stat(&bytes).ok_or_else(|| ProcError::Io {
        pid,
        path: root.pid_path(pid, "stat"),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "cannot parse"),
    })
}

/// True when `pid` (or tid) is a kernel thread ([`Stat::is_kernel_thread`]); false when its stat
/// cannot be read (it exited, or it is not there).
pub fn is_kernel_thread(root: &ProcRoot, pid: i32) -> bool {
    read_stat(root, pid).is_ok_and(|s| s.is_kernel_thread())
}

/// Refuses kernel threads and zombies, which have no `what` (environment, file descriptors,
/// root) to show; returns the stat of a live user process.
///
/// # Errors
/// [`ProcError::KernelThread`], [`ProcError::Zombie`], or the stat read error.
pub fn require_live_user_process(
    root: &ProcRoot,
    pid: i32,
    what: &'static str,
) -> Result<Stat, ProcError> {
    let stat = read_stat(root, pid)?;
    let comm = || crate::output::sanitize::escape_bytes(&stat.comm);
    if stat.is_kernel_thread() {
        return Err(ProcError::KernelThread {
            pid,
            comm: comm(),
            what,
        });
    }
    if stat.is_zombie() {
        return Err(ProcError::Zombie {
            pid,
            comm: comm(),
            what,
        });
    }
    Ok(stat)
}

/// Parses /proc/PID/stat: `pid (comm) state ppid pgrp session tty_nr tpgid flags ...`.
///
/// comm is everything between the first `(` and the LAST `)`, as the kernel does not escape it.
pub fn parse_stat(bytes: &[u8]) -> Option<Stat> {
    let open = memchr::memchr(b'(', bytes)?;
    let close = memchr::memrchr(b')', bytes)?;
    if close < open {
        return None;
    }
    let comm = bytes[open + 1..close].to_vec();
    let rest = std::str::from_utf8(bytes.get(close + 1..)?).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    let session = fields.next()?.parse().ok()?;
    // tty_nr is an int in the kernel's format; the device number is its bits.
    let tty_nr = fields.next()?.parse::<i64>().ok()? as u32;
    // tpgid, then flags.
    let flags = fields.nth(1)?.parse().ok()?;
    // minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads
    // itrealvalue, then starttime.
    let starttime = fields.nth(12).and_then(|f| f.parse().ok());
    Some(Stat {
        comm,
        state,
        ppid,
        pgrp,
        session,
        tty_nr,
        flags,
        starttime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_threads_from_stat_lines() {
        let kthread = |b: &[u8]| parse_stat(b).is_some_and(|s| s.is_kernel_thread());
        assert!(kthread(
            b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 3 0 0 20 0 1 0 30"
        ));
        assert!(!kthread(
            b"27192 (cat) R 27143 27143 4153 0 -1 4194304 128 0 0 0"
        ));
        // A comm with spaces and parentheses does not shift the fields.
        assert!(!kthread(b"7 (a) b (c) 1 2) R 1 7 7 0 -1 4194560 0 0"));
        assert!(!kthread(b""));
        assert!(!kthread(b"1 (x) S"));
    }
    use proptest::prelude::*;

    #[test]
    fn parses_stat_with_hostile_comm() {
        let s = parse_stat(b"42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0\n").unwrap();
        assert_eq!(s.comm, b"a) b (c)");
        assert_eq!((s.state, s.ppid, s.flags), (b'S', 1, 4194560));
        assert!(!s.is_kernel_thread());
        let k = parse_stat(b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0").unwrap();
        assert!(k.is_kernel_thread());
        let full =
            parse_stat(b"9 (x y) S 1 9 9 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 123456 9 9\n");
        assert_eq!(full.unwrap().starttime, Some(123456));
        let z = parse_stat(b"7 (sh) Z 1 7 7 0 -1 4194316 0").unwrap();
        assert!(z.is_zombie());
        assert_eq!(parse_stat(b"7 (sh"), None);
        assert_eq!(parse_stat(b"7 )sh( Z 1 7 7 0 -1 4 0"), None);
    }

    #[test]
    fn reads_stat_and_refuses_kernel_threads_and_zombies() {
        let dir = tempfile::tempdir().unwrap();
        let root = ProcRoot::new(dir.path());
        for (pid, line) in [
            (2, "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0\n"),
            (7, "7 (sh) Z 1 7 7 0 -1 4194316 0\n"),
            (9, "9 (cat) R 1 9 9 0 -1 4194560 0\n"),
            (11, "garbage\n"),
        ] {
            std::fs::create_dir(dir.path().join(pid.to_string())).unwrap();
            std::fs::write(root.pid_path(pid, "stat"), line).unwrap();
        }
        assert!(is_kernel_thread(&root, 2));
        assert!(!is_kernel_thread(&root, 9));
        assert!(!is_kernel_thread(&root, 404));
        assert_eq!(read_stat(&root, 9).unwrap().comm, b"cat");
        assert!(matches!(
            require_live_user_process(&root, 2, "environment"),
            Err(ProcError::KernelThread { pid: 2, .. })
        ));
        assert_eq!(
            require_live_user_process(&root, 7, "environment")
                .unwrap_err()
                .to_string(),
            "pid 7 (sh): zombie (exited, not reaped), it has no environment"
        );
        assert!(require_live_user_process(&root, 9, "environment").is_ok());
        assert!(matches!(
            read_stat(&root, 404),
            Err(ProcError::NoSuchProcess { pid: 404 })
        ));
        assert!(matches!(
            read_stat(&root, 11),
            Err(ProcError::Io { pid: 11, .. })
        ));
    }

    proptest! {
        #[test]
        fn stat_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_stat(&bytes);
        }
    }
}
