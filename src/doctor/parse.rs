//! The kernel files `ksec doctor` reads, parsed from bytes: the capability bits it names, Yama's
//! ptrace_scope, the kernel release, the cgroup layout and tracefs from a mountinfo, and the
//! seccomp lines of /proc/self/status.

use serde::Serialize;

use crate::proc::mountinfo::Mount;

/// The capabilities ksec's subcommands need, with their bit numbers (linux/capability.h).
pub const CAPS: [(&str, u32); 6] = [
    ("CAP_DAC_READ_SEARCH", 2),
    ("CAP_NET_ADMIN", 12),
    ("CAP_SYS_PTRACE", 19),
    ("CAP_SYS_ADMIN", 21),
    ("CAP_PERFMON", 38),
    ("CAP_BPF", 39),
];

/// Whether the capability named `name` (one of [`CAPS`]) is in the bit mask `set`.
pub fn has_cap(set: u64, name: &str) -> bool {
    CAPS.iter()
        .find(|(n, _)| *n == name)
        .is_some_and(|(_, bit)| set & (1u64 << bit) != 0)
}

/// A small integer sysctl such as /proc/sys/kernel/yama/ptrace_scope (`"1\n"`); `None` when the
/// bytes are not one.
pub fn parse_sysctl_u8(bytes: &[u8]) -> Option<u8> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// What a Yama ptrace_scope value means for ksec (Documentation/admin-guide/LSM/Yama.rst).
pub fn ptrace_scope_meaning(scope: Option<u8>) -> &'static str {
    match scope {
        None => "no Yama: classic ptrace rules (same uid, or CAP_SYS_PTRACE)",
        Some(0) => "classic ptrace rules (same uid, or CAP_SYS_PTRACE)",
        Some(1) => "restricted: only descendants, unless CAP_SYS_PTRACE",
        Some(2) => "admin-only: CAP_SYS_PTRACE needed for every attach",
        Some(3) => "no attach: ptrace is disabled until reboot",
        Some(_) => "unknown value",
    }
}

/// The kernel release (/proc/sys/kernel/osrelease, `6.1.0-18-amd64`) and its major and minor
/// numbers; `None` when it does not start with `MAJOR.MINOR`.
pub fn parse_release(bytes: &[u8]) -> Option<(String, u32, u32)> {
    let text = std::str::from_utf8(bytes).ok()?.trim().to_string();
    let mut parts = text.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((text, major, minor))
}

/// How the cgroup hierarchies are mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    /// One cgroup2 hierarchy at /sys/fs/cgroup (the unified layout).
    V2,
    /// Controller hierarchies (cgroup v1) and a cgroup2 hierarchy beside them
    /// (/sys/fs/cgroup/unified: systemd's hybrid layout).
    Hybrid,
    /// Controller hierarchies only.
    V1,
    /// No cgroup file system is mounted.
    None,
}

impl CgroupMode {
    /// The name the report shows.
    pub fn name(self) -> &'static str {
        match self {
            CgroupMode::V2 => "v2",
            CgroupMode::Hybrid => "hybrid",
            CgroupMode::V1 => "v1",
            CgroupMode::None => "none",
        }
    }
}

/// The cgroup layout a mount table shows: cgroup2 mounted at /sys/fs/cgroup is v2; cgroup (v1)
/// hierarchies with a cgroup2 one elsewhere are hybrid; v1 ones alone are v1.
pub fn cgroup_mode(mounts: &[Mount]) -> CgroupMode {
    let v2_at_root = mounts
        .iter()
        .any(|m| m.fstype == "cgroup2" && m.mount_point == b"/sys/fs/cgroup");
    let v2 = mounts.iter().any(|m| m.fstype == "cgroup2");
    let v1 = mounts.iter().any(|m| m.fstype == "cgroup");
    match (v2_at_root, v1, v2) {
        (true, false, _) => CgroupMode::V2,
        (_, true, true) => CgroupMode::Hybrid,
        (_, true, false) => CgroupMode::V1,
        (false, false, true) => CgroupMode::V2,
        (false, false, false) => CgroupMode::None,
    }
}

/// Where tracefs is mounted (/sys/kernel/tracing, or debugfs's tracing directory), if it is.
pub fn tracefs_mount(mounts: &[Mount]) -> Option<String> {
    mounts
        .iter()
        .find(|m| m.fstype == "tracefs")
        .map(|m| String::from_utf8_lossy(&m.mount_point).into_owned())
}

/// The seccomp state of a process, from its /proc/PID/status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Seccomp {
    /// `Seccomp:`: 0 none, 1 strict, 2 filter.
    pub mode: u8,
    /// `Seccomp_filters:`: how many filters are installed (kernel 5.9 and later).
    pub filters: Option<u32>,
    /// `NoNewPrivs:`.
    pub no_new_privs: bool,
}

/// The `Seccomp`, `Seccomp_filters` and `NoNewPrivs` lines of a /proc/PID/status; `None` when
/// there is no `Seccomp:` line (a kernel without CONFIG_SECCOMP).
pub fn parse_seccomp(status: &[u8]) -> Option<Seccomp> {
    let mut out = Seccomp::default();
    let mut seen = false;
    for line in status.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = std::str::from_utf8(&line[colon + 1..]).unwrap_or("").trim();
        match &line[..colon] {
            b"Seccomp" => {
                out.mode = value.parse().ok()?;
                seen = true;
            }
            b"Seccomp_filters" => out.filters = value.parse().ok(),
            b"NoNewPrivs" => out.no_new_privs = value == "1",
            _ => {}
        }
    }
    seen.then_some(out)
}

impl Seccomp {
    /// `0 (none)`, `2 (filter, 1 filter)`, as the report shows it.
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            0 => "none",
            1 => "strict",
            2 => "filter",
            _ => "unknown",
        };
        let mut s = format!("{} ({mode}", self.mode);
        if let (2, Some(n)) = (self.mode, self.filters) {
            s.push_str(&format!(", {n} filter{}", if n == 1 { "" } else { "s" }));
        }
        s.push(')');
        if self.no_new_privs {
            s.push_str(", no_new_privs");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proc::mountinfo::parse_mountinfo;

    #[test]
    fn capabilities_by_name() {
        // A root shell without CAP_SYS_RESOURCE (bit 24), as a sandbox may give it.
        let set = 0x0000_01ff_feff_ffff;
        for (name, _) in CAPS {
            assert!(has_cap(set, name), "{name}");
        }
        // Docker's default set: no CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON.
        let docker = 0x0000_0000_a804_25fb;
        assert!(!has_cap(docker, "CAP_SYS_PTRACE"));
        assert!(!has_cap(docker, "CAP_SYS_ADMIN"));
        assert!(!has_cap(docker, "CAP_BPF"));
        assert!(!has_cap(docker, "CAP_PERFMON"));
        assert!(!has_cap(docker, "CAP_DAC_READ_SEARCH"));
        assert!(!has_cap(docker, "CAP_NET_ADMIN"));
        assert!(!has_cap(u64::MAX, "CAP_NO_SUCH"));
    }

    #[test]
    fn sysctls_and_releases() {
        assert_eq!(parse_sysctl_u8(b"1\n"), Some(1));
        assert_eq!(parse_sysctl_u8(b"x\n"), None);
        assert_eq!(parse_sysctl_u8(b""), None);
        assert_eq!(
            parse_release(b"6.1.0-18-amd64\n"),
            Some(("6.1.0-18-amd64".to_string(), 6, 1))
        );
        assert_eq!(
            parse_release(b"5.15.0\n"),
            Some(("5.15.0".to_string(), 5, 15))
        );
        assert_eq!(parse_release(b"6\n"), None);
        assert_eq!(parse_release(b"linux"), None);
        assert_eq!(
            ptrace_scope_meaning(Some(1)),
            "restricted: only descendants, unless CAP_SYS_PTRACE"
        );
        assert_eq!(ptrace_scope_meaning(Some(9)), "unknown value");
    }

    #[test]
    fn cgroup_layouts() {
        let v2 = parse_mountinfo(
            b"30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        assert_eq!(cgroup_mode(&v2), CgroupMode::V2);
        let hybrid = parse_mountinfo(
            b"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
              32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n\
              41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
        );
        assert_eq!(cgroup_mode(&hybrid), CgroupMode::Hybrid);
        let v1 = parse_mountinfo(
            b"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n\
              32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n",
        );
        assert_eq!(cgroup_mode(&v1), CgroupMode::V1);
        let none = parse_mountinfo(b"22 1 0:21 / /proc rw - proc proc rw\n");
        assert_eq!(cgroup_mode(&none), CgroupMode::None);
        assert_eq!(tracefs_mount(&none), None);
        let traced =
            parse_mountinfo(b"25 22 0:12 / /sys/kernel/tracing rw,relatime - tracefs tracefs rw\n");
        assert_eq!(
            tracefs_mount(&traced).as_deref(),
            Some("/sys/kernel/tracing")
        );
    }

    #[test]
    fn seccomp_lines() {
        let s = parse_seccomp(b"Name:\tsh\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n")
            .unwrap();
        assert_eq!(
            s,
            Seccomp {
                mode: 2,
                filters: Some(1),
                no_new_privs: true
            }
        );
        assert_eq!(s.describe(), "2 (filter, 1 filter), no_new_privs");
        let none = parse_seccomp(b"NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n").unwrap();
        assert_eq!(none.describe(), "0 (none)");
        assert_eq!(parse_seccomp(b"Name:\tsh\n"), None);
        assert_eq!(parse_seccomp(b"Seccomp:\tx\n"), None);
    }
}
