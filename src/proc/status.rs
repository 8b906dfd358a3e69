//! /proc/PID/status: the fields ksec needs (State, Tgid, PPid, TracerPid, NSpid, the real Uid), parsed
//! from bytes, and a reader through a [`ProcRoot`].

use super::root::ProcRoot;

/// The fields of /proc/PID/status ksec uses; a field missing from the file is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// The state letter of `State:\tS (sleeping)`: R, S, D, T, t, Z, X, I...
    pub state: Option<u8>,
    /// The thread group (process) id.
    pub tgid: Option<i32>,
    /// The parent's pid.
    pub ppid: Option<i32>,
    /// The pid of the tracer, 0 when not traced.
    pub tracer_pid: Option<i32>,
    /// The ids in each pid namespace the task is in, outermost (this /proc's) first.
    pub ns_pids: Option<Vec<i32>>,
    /// The process group and session ids in each pid namespace, as `ns_pids` (`NSpgid:`,
    /// `NSsid:`).
    pub ns_pgids: Option<Vec<i32>>,
    pub ns_sids: Option<Vec<i32>>,
    /// The real uid (first of `Uid:\treal\teffective\tsaved\tfs`).
    pub uid: Option<u32>,
    /// Every uid: real, effective, saved, filesystem.
    pub uids: Option<[u32; 4]>,
    /// Every gid: real, effective, saved, filesystem.
    pub gids: Option<[u32; 4]>,
    /// The effective and permitted capability sets (`CapEff:`, `CapPrm:`, hex bit masks).
    pub cap_eff: Option<u64>,
    pub cap_prm: Option<u64>,
    /// Supplementary groups (`Groups:`).
    pub groups: Option<Vec<u32>>,
    /// `NoNewPrivs:` (1 = set).
    pub no_new_privs: Option<bool>,
    /// `Seccomp:` mode (0 disabled, 1 strict, 2 filter).
    pub seccomp: Option<u8>,
    /// The inheritable capability set (`CapInh:`).
    pub cap_inh: Option<u64>,
    /// `Threads:`, and the memory figures in KiB (`VmSize:`, `VmRSS:`, `VmSwap:`).
    pub threads: Option<u32>,
    pub vm_size_kb: Option<u64>,
    pub vm_rss_kb: Option<u64>,
    pub vm_swap_kb: Option<u64>,
}

impl Status {
    /// Exited, not yet reaped (Z), or dead (X).
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, Some(b'Z' | b'X'))
    }

    /// The pid tracing this task, if it is traced.
    pub fn traced_by(&self) -> Option<i32> {
        self.tracer_pid.filter(|&t| t != 0)
    }
}

fn number(value: &[u8]) -> Option<i32> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// `NSpid:\t4243\t7`: an id per pid namespace.
fn ns_ids(value: &[u8]) -> Option<Vec<i32>> {
    std::str::from_utf8(value).ok().and_then(|v| {
        v.split_ascii_whitespace()
            .map(|p| p.parse().ok())
            .collect::<Option<Vec<i32>>>()
            .filter(|ids| !ids.is_empty())
    })
}

fn four_ids(value: &[u8]) -> Option<[u32; 4]> {
    let v = std::str::from_utf8(value).ok()?;
    let ids: Vec<u32> = v
        .split_ascii_whitespace()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    ids.try_into().ok()
}

/// `VmRSS:\t  1234 kB`: the number of KiB.
fn kib(value: &[u8]) -> Option<u64> {
    let v = std::str::from_utf8(value).ok()?.trim();
    v.strip_suffix("kB").unwrap_or(v).trim().parse().ok()
}

fn hex(value: &[u8]) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(value).ok()?.trim(), 16).ok()
}

/// Parses /proc/PID/status (`Name:\tvalue` lines). Unknown lines are skipped; a field whose value
/// does not parse is `None`.
pub fn parse_status(bytes: &[u8]) -> Status {
    let mut s = Status::default();
    for line in bytes.split(|&b| b == b'\n') {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        match name {
            b"State" => s.state = value.iter().copied().find(|b| !b.is_ascii_whitespace()),
            b"Tgid" => s.tgid = number(value),
            b"PPid" => s.ppid = number(value),
            b"TracerPid" => s.tracer_pid = number(value),
            b"Uid" => {
                s.uid = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.split_ascii_whitespace().next()?.parse().ok());
                s.uids = four_ids(value);
            }
            b"Gid" => s.gids = four_ids(value),
            b"CapEff" => s.cap_eff = hex(value),
            b"CapPrm" => s.cap_prm = hex(value),
            b"CapInh" => s.cap_inh = hex(value),
            b"Threads" => s.threads = number(value).and_then(|n| u32::try_from(n).ok()),
            b"VmSize" => s.vm_size_kb = kib(value),
            b"VmRSS" => s.vm_rss_kb = kib(value),
            b"VmSwap" => s.vm_swap_kb = kib(value),
            b"Groups" => {
                s.groups = std::str::from_utf8(value).ok().and_then(|v| {
                    v.split_ascii_whitespace()
                        .map(|p| p.parse().ok())
                        .collect::<Option<Vec<u32>>>()
                })
            }
            b"NoNewPrivs" => s.no_new_privs = number(value).map(|n| n != 0),
            b"Seccomp" => s.seccomp = number(value).and_then(|n| u8::try_from(n).ok()),
            b"NSpid" => s.ns_pids = ns_ids(value),
            b"NSpgid" => s.ns_pgids = ns_ids(value),
            b"NSsid" => s.ns_sids = ns_ids(value),
            _ => {}
        }
    }
    s
}

/// Reads `<root>/<pid>/status` (a tid works too: /proc/TID is there, only not listed).
///
/// # Errors
/// The file cannot be read (no such process, permission).
pub fn read_status(root: &ProcRoot, pid: i32) -> std::io::Result<Status> {
    std::fs::read(root.pid_path(pid, "status")).map(|b| parse_status(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_uid() {
        let status =
            b"Name:\tcat\nUmask:\t0022\nState:\tR\nUid:\t1000\t1001\t1002\t1003\nGid:\t0\n";
        assert_eq!(parse_status(status).uid, Some(1000));
        assert_eq!(parse_status(b"Name:\tx\n").uid, None);
        let s = parse_status(status);
        assert_eq!(s.uids, Some([1000, 1001, 1002, 1003]));
        // A Gid line with one id is not four: None, not a guess.
        assert_eq!(s.gids, None);
    }

    #[test]
    fn capabilities() {
        let s = parse_status(b"CapPrm:\t00000000a80425fb\nCapEff:\t000001ffffffffff\n");
        assert_eq!(s.cap_prm, Some(0xa80425fb));
        assert_eq!(s.cap_eff, Some(0x1ff_ffff_ffff));
    }

    #[test]
    fn threads_memory_and_inheritable_caps() {
        let s = parse_status(
            b"CapInh:\t0000000000000400\nThreads:\t3\nVmSize:\t   10520 kB\nVmRSS:\t    2048 kB\nVmSwap:\t       0 kB\n",
        );
        assert_eq!(s.cap_inh, Some(0x400));
        assert_eq!(s.threads, Some(3));
        assert_eq!(
            (s.vm_size_kb, s.vm_rss_kb, s.vm_swap_kb),
            (Some(10520), Some(2048), Some(0))
        );
        // A kernel thread has no Vm lines.
        assert_eq!(parse_status(b"Threads:\t1\n").vm_rss_kb, None);
    }

    const SLEEPING: &[u8] = b"Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n\
Ngid:\t0\nPid:\t4243\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nNSpid:\t4243\t7\nNSpgid:\t4200\t1\n\
NSsid:\t4100\t1\nCpus_allowed_list:\t0-3\n";

    #[test]
    fn parses_the_fields() {
        let s = parse_status(SLEEPING);
        assert_eq!(s.state, Some(b'S'));
        assert_eq!(
            (s.tgid, s.ppid, s.tracer_pid),
            (Some(4242), Some(1), Some(0))
        );
        assert_eq!(s.ns_pids, Some(vec![4243, 7]));
        assert_eq!(s.ns_pgids, Some(vec![4200, 1]));
        assert_eq!(s.ns_sids, Some(vec![4100, 1]));
        assert_eq!(s.traced_by(), None);
        assert!(!s.is_zombie());
    }

    #[test]
    fn traced_zombie_and_missing_fields() {
        let s = parse_status(b"State:\tZ (zombie)\nTracerPid:\t99\n");
        assert!(s.is_zombie());
        assert_eq!(s.traced_by(), Some(99));
        assert_eq!((s.tgid, s.ppid, s.ns_pids), (None, None, None));
        assert!(parse_status(b"State:\tX (dead)\n").is_zombie());
        assert_eq!(parse_status(b""), Status::default());
        // A value that does not parse is None, not a guess.
        assert_eq!(parse_status(b"Tgid:\tabc\nNSpid:\t1 x\n").tgid, None);
        assert_eq!(parse_status(b"NSpid:\t1 x\n").ns_pids, None);
        // "Tgid" is not "Tgidx", and names are matched whole.
        assert_eq!(parse_status(b"Tgidx:\t5\n").tgid, None);
    }

    #[test]
    fn reads_through_a_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("4243")).unwrap();
        std::fs::write(dir.path().join("4243/status"), SLEEPING).unwrap();
        let root = ProcRoot::new(dir.path());
        assert_eq!(read_status(&root, 4243).unwrap().tgid, Some(4242));
        assert!(read_status(&root, 1).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_status(&bytes);
        }
    }
}
