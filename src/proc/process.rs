//! [`Process`]: what ksec reads about one process for `ps` and for naming it in other reports
//! (pid, ppid, uid/user, state, comm, argv, container).

use serde::Serialize;

use super::bytes::Bytes;
use super::container::{parse_cgroup, ContainerInfo};
use super::error::{read_pid_file, read_pid_file_capped, ProcError, ARGS_CAP};
use super::root::ProcRoot;
use super::stat::{parse_stat, parse_status_uid, Stat};

/// One process.
#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    pub uid: Option<u32>,
    /// The user name of `uid` on this machine, if it has one.
    pub user: Option<String>,
    /// R, S, D, Z, T...
    pub state: String,
    pub comm: Bytes,
    /// argv, one element per argument (empty for kernel threads and zombies).
    pub cmdline: Vec<Bytes>,
    /// The command line was longer than ksec reads ([`ARGS_CAP`], 1 MiB): `cmdline` holds its
    /// first 1 MiB.
    pub cmdline_truncated: bool,
    pub kernel_thread: bool,
    pub container: Option<ContainerInfo>,
}

/// Reads and parses /proc/PID/stat.
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

/// The container of `pid`, from /proc/PID/cgroup (`None` when unreadable or not a container).
pub fn container_of(root: &ProcRoot, pid: i32) -> Option<ContainerInfo> {
    std::fs::read(root.pid_path(pid, "cgroup"))
        .ok()
        .and_then(|b| parse_cgroup(&b))
}

/// Splits a NUL-separated argv block.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<Bytes> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes.split(|&b| b == 0).map(Bytes::from).collect()
}

/// User names by uid, looked up once each (getpwuid_r reads /etc/passwd or NSS every time).
pub type UserCache = std::collections::HashMap<u32, Option<String>>;

/// Reads one process. Only stat is required; cmdline, status and cgroup are best effort.
///
/// # Errors
/// No such process, or its stat cannot be read.
pub fn read_process(
    root: &ProcRoot,
    pid: i32,
    users: &mut UserCache,
) -> Result<Process, ProcError> {
    let stat = read_stat(root, pid)?;
    let (cmdline, cmdline_truncated) = read_pid_file_capped(root, pid, "cmdline", ARGS_CAP)
        .map(|(b, cut)| (parse_cmdline(&b), cut))
        .unwrap_or_default();
    let uid = std::fs::read(root.pid_path(pid, "status"))
        .ok()
        .and_then(|b| parse_status_uid(&b));
    let user = uid.and_then(|uid| {
        users
            .entry(uid)
            .or_insert_with(|| {
                nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                    .ok()
                    .flatten()
                    .map(|u| u.name)
            })
            .clone()
    });
    Ok(Process {
        pid,
        ppid: stat.ppid,
        uid,
        user,
        state: (stat.state as char).to_string(),
        kernel_thread: stat.is_kernel_thread(),
        comm: Bytes(stat.comm),
        cmdline,
        cmdline_truncated,
        container: container_of(root, pid),
    })
}

/// Refuses kernel threads and zombies, which have no `what` (environment, file descriptors,
/// root) to show.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_cmdline() {
        assert_eq!(
            parse_cmdline(b"python3\0-c\0print(1)\0"),
            vec![Bytes::from("python3"), "-c".into(), "print(1)".into()]
        );
        assert_eq!(parse_cmdline(b""), Vec::<Bytes>::new());
        assert_eq!(
            parse_cmdline(b"a\0\0b"),
            vec![Bytes::from("a"), "".into(), "b".into()]
        );
        // A process that rewrote its argv as one string.
        assert_eq!(
            parse_cmdline(b"nginx: worker"),
            vec![Bytes::from("nginx: worker")]
        );
    }
}
