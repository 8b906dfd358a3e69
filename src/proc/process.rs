//! [`Process`]: what ksec reads about one process for `ps` and for naming it in other reports
//! (pid, ppid, uid/user, state, comm, argv, container), from /proc/PID/stat, status, cmdline
//! and cgroup through their readers.

use serde::Serialize;

use super::cgroup::{container_of, ContainerInfo};
use super::cmdline::read_cmdline;
use super::error::ProcError;
use super::root::ProcRoot;
use super::stat::read_stat;
use super::status::read_status;
use crate::output::bytes::Bytes;

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
    /// The command line was longer than ksec reads ([`ARGS_CAP`](super::error::ARGS_CAP), 1 MiB): `cmdline` holds its
    /// first 1 MiB.
    pub cmdline_truncated: bool,
    pub kernel_thread: bool,
    pub container: Option<ContainerInfo>,
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
    let (cmdline, cmdline_truncated) = read_cmdline(root, pid).unwrap_or_default();
    let uid = read_status(root, pid).ok().and_then(|s| s.uid);
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
