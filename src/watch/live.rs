//! What `ksec watch` reads from /proc only when a rule or an output asks for it, at the moment
//! the event is evaluated (Falco keeps these in its thread table): the thread count, memory
//! figures, inheritable capabilities, the number of open fds and their limit (proc.nthreads,
//! proc.vmrss, thread.cap_inheritable, proc.fdopencount...), and what fds 0, 1 and 2 are
//! (proc.stdin.type, proc.stdout.name...: a shell whose stdin is a TCP socket is a reverse
//! shell). A process gone by then has none of them.

use crate::proc::fd::{classify, FdKind};
use crate::proc::net::{sockets_of, Socket};
use crate::proc::root::ProcRoot;
use crate::proc::status::{read_status, Status};

/// A process's figures at evaluation time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    pub status: Option<Status>,
    /// Entries in /proc/PID/fd.
    pub fd_count: Option<u64>,
    /// The soft limit of open files (`Max open files` of /proc/PID/limits; None: unlimited).
    pub fd_limit: Option<u64>,
}

impl Live {
    /// Reads `pid`'s figures; each one that cannot be read is None.
    pub fn read(root: &ProcRoot, pid: i32) -> Live {
        let fd_count = std::fs::read_dir(root.pid_path(pid, "fd"))
            .ok()
            .map(|d| d.count() as u64);
        let fd_limit = std::fs::read_to_string(root.pid_path(pid, "limits"))
            .ok()
            .and_then(|t| open_files_limit(&t));
        Live {
            status: read_status(root, pid).ok(),
            fd_count,
            fd_limit,
        }
    }

    /// Falco's proc.fdusage: open fds as a percentage of the limit (whole percents).
    pub fn fd_usage(&self) -> Option<u64> {
        let limit = self.fd_limit.filter(|&l| l > 0)?;
        Some(self.fd_count? * 100 / limit)
    }
}

/// The soft limit of `Max open files` in /proc/PID/limits text.
fn open_files_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What one of fds 0, 1 and 2 is, as Falco's fd.type and fd.name name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdFd {
    /// file, directory, ipv4, ipv6, unix, netlink, pipe, memfd, event, signalfd, eventpoll,
    /// inotify, timerfd, bpf, userfaultfd, io_uring, pidfd, or unknown.
    pub ty: &'static str,
    /// The path, `local->remote` for an IP socket, a unix socket's path, or the link
    /// (`pipe:[1234]`).
    pub name: String,
}

/// Fds 0, 1 and 2 of `pid` (None for one that is closed or cannot be read). Sockets are
/// looked up in the process's network namespace's tables.
pub fn std_fds(root: &ProcRoot, pid: i32) -> [Option<StdFd>; 3] {
    // Each link and its kind, read once: the socket tables are read only if one is a socket.
    let links: Vec<Option<(String, FdKind, Option<u64>)>> = (0..3)
        .map(|fd| {
            let path = root.pid_path(pid, &format!("fd/{fd}"));
            let link = std::fs::read_link(&path)
                .ok()?
                .into_os_string()
                .into_encoded_bytes();
            let (kind, ino) = classify(&link, std::fs::metadata(&path).ok().as_ref());
            Some((String::from_utf8_lossy(&link).into_owned(), kind, ino))
        })
        .collect();
    let sockets = if links
        .iter()
        .flatten()
        .any(|(_, kind, _)| *kind == FdKind::Socket)
    {
        sockets_of(root, pid)
    } else {
        Default::default()
    };
    let mut out: [Option<StdFd>; 3] = [None, None, None];
    for (slot, link) in out.iter_mut().zip(links) {
        *slot = link.map(|(text, kind, ino)| describe(text, kind, ino, &sockets));
    }
    out
}

fn describe(
    text: String,
    kind: FdKind,
    ino: Option<u64>,
    sockets: &std::collections::HashMap<u64, Socket>,
) -> StdFd {
    let ty = match kind {
        FdKind::File | FdKind::Device => "file",
        FdKind::Dir => "directory",
        FdKind::Pipe | FdKind::Fifo => "pipe",
        FdKind::Memfd => "memfd",
        FdKind::AnonInode => anon_type(&text),
        FdKind::Socket => {
            return match ino.and_then(|i| sockets.get(&i)) {
                Some(Socket::Inet(s)) => StdFd {
                    ty: if s.local.is_ipv4() { "ipv4" } else { "ipv6" },
                    name: format!(
                        "{}:{}->{}:{}",
                        s.local.ip(),
                        s.local.port(),
                        s.remote.ip(),
                        s.remote.port()
                    ),
                },
                Some(Socket::Unix(u)) => StdFd {
                    ty: "unix",
                    name: u
                        .path
                        .as_ref()
                        .map_or(text, |p| String::from_utf8_lossy(p.as_slice()).into_owned()),
                },
                Some(Socket::Netlink(_)) => StdFd {
                    ty: "netlink",
                    name: text,
                },
                None => StdFd {
                    ty: "unknown",
                    name: text,
                },
            }
        }
        FdKind::Ns | FdKind::Unknown => "unknown",
    };
    StdFd { ty, name: text }
}

/// Falco's fd.type of an `anon_inode:[...]` link.
fn anon_type(link: &str) -> &'static str {
    let what = link
        .trim_start_matches("anon_inode:")
        .trim_start_matches('[')
        .trim_end_matches(']');
    match what {
        "eventfd" => "event",
        "signalfd" => "signalfd",
        "eventpoll" => "eventpoll",
        "inotify" => "inotify",
        "timerfd" => "timerfd",
        "userfaultfd" => "userfaultfd",
        "io_uring" => "io_uring",
        "pidfd" => "pidfd",
        w if w.starts_with("bpf") => "bpf",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn the_open_files_limit() {
        let t = "Limit                     Soft Limit           Hard Limit           Units     \n\
                 Max cpu time              unlimited            unlimited            seconds   \n\
                 Max open files            1024                 524288               files     \n";
        assert_eq!(open_files_limit(t), Some(1024));
        assert_eq!(
            open_files_limit("Max open files            unlimited            unlimited   files"),
            None
        );
    }

    #[test]
    fn anon_inode_types() {
        assert_eq!(anon_type("anon_inode:[eventfd]"), "event");
        assert_eq!(anon_type("anon_inode:[eventpoll]"), "eventpoll");
        assert_eq!(anon_type("anon_inode:bpf-map"), "bpf");
        assert_eq!(anon_type("anon_inode:[something-new]"), "unknown");
    }

    #[test]
    fn this_process_s_figures_and_a_socket_on_stdin_of_a_child() {
        let root = ProcRoot::new("/proc");
        let me = std::process::id() as i32;
        let live = Live::read(&root, me);
        assert!(live.status.as_ref().and_then(|s| s.threads).unwrap() >= 1);
        assert!(live.status.as_ref().and_then(|s| s.vm_rss_kb).unwrap() > 0);
        assert!(live.fd_count.unwrap() >= 3);
        let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
            .unwrap()
            .0;
        assert_eq!(live.fd_limit, Some(limit));
        // A child whose stdin is a TCP connection and stdout a pipe.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (local, remote) = (c.local_addr().unwrap(), c.peer_addr().unwrap());
        let mut child = std::process::Command::new("/bin/sleep")
            .arg("5")
            .stdin(std::process::Stdio::from(std::os::fd::OwnedFd::from(c)))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let fds = std_fds(&root, child.id() as i32);
        let _ = child.kill();
        let _ = child.wait();
        let stdin = fds[0].clone().unwrap();
        assert_eq!(stdin.ty, "ipv4");
        assert_eq!(stdin.name, format!("{local}->{remote}"));
        let stdout = fds[1].clone().unwrap();
        assert_eq!(stdout.ty, "pipe");
        assert!(stdout.name.starts_with("pipe:["), "{}", stdout.name);
        let _ = l.as_raw_fd();
    }
}
