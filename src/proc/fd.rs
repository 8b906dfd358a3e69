//! /proc/PID/fd and /proc/PID/fdinfo: every open file descriptor of a process with its access
//! mode, kind ([`FdKind`]), target, size, offset, flags, locks and an epoll fd's watched fds,
//! `(deleted)`, and sockets resolved to protocol and endpoints from the process's own network
//! namespace ([`super::net`]); the memory-mapped files of /proc/PID/maps, one [`MemRow`] per
//! file; and ([`resolve_peers`]) the other ends of pipes and unix sockets, found by scanning
//! every process's fds for the same inode (unix peers from sock_diag, for processes in ksec's
//! own network namespace).

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use serde::Serialize;

use super::error::ProcError;
use super::fdinfo::{access_mode, flag_names, read_fdinfo};
use super::locks::{mark, Lock};
use super::maps::parse_maps;
use super::net::{
    netlink_protocol_name, sockets_of, InetProto, Socket, TcpState, UnixKind, UnixState,
};
use super::root::ProcRoot;
use super::stat::require_live_user_process;
use crate::output::bytes::Bytes;

/// What an fd refers to, from its link target and (for paths) the followed metadata (JSON:
/// `file`, `dir`, `pipe`, `fifo`, `socket`, `anon_inode`, `memfd`, `device`, `ns`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FdKind {
    /// A regular file.
    File,
    Dir,
    /// `pipe:[ino]`.
    Pipe,
    /// A named pipe.
    Fifo,
    /// `socket:[ino]`, or a path to a socket file.
    Socket,
    /// `anon_inode:[eventfd]`, `anon_inode:[eventpoll]`...
    AnonInode,
    /// `/memfd:name`.
    Memfd,
    /// A character or block device.
    Device,
    /// A namespace file (`net:[4026531840]`).
    Ns,
    /// Anything else the kernel may invent, or a path whose metadata cannot be read.
    Unknown,
}

impl FdKind {
    /// Every kind.
    pub const ALL: [FdKind; 10] = [
        FdKind::File,
        FdKind::Dir,
        FdKind::Pipe,
        FdKind::Fifo,
        FdKind::Socket,
        FdKind::AnonInode,
        FdKind::Memfd,
        FdKind::Device,
        FdKind::Ns,
        FdKind::Unknown,
    ];

    /// The name ksec shows (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            FdKind::File => "file",
            FdKind::Dir => "dir",
            FdKind::Pipe => "pipe",
            FdKind::Fifo => "fifo",
            FdKind::Socket => "socket",
            FdKind::AnonInode => "anon_inode",
            FdKind::Memfd => "memfd",
            FdKind::Device => "device",
            FdKind::Ns => "ns",
            FdKind::Unknown => "unknown",
        }
    }

    /// Kinds whose fdinfo offset means something (a position in a file or device).
    pub fn has_offset(self) -> bool {
        matches!(
            self,
            FdKind::File | FdKind::Dir | FdKind::Device | FdKind::Memfd
        )
    }
}

impl std::fmt::Display for FdKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A socket, as resolved from the namespace's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum SocketDesc {
    /// tcp, tcp6, udp, udp6.
    Inet {
        proto: InetProto,
        local: String,
        remote: String,
        state: TcpState,
    },
    /// unix-domain.
    Unix {
        kind: UnixKind,
        state: UnixState,
        path: Option<Bytes>,
    },
    /// A netlink socket: its protocol (`NETLINK_ROUTE`, or the number when ksec does not know
    /// it) and port id.
    Netlink { protocol: String, port_id: u32 },
    /// In none of the tables ksec reads (packet, raw, another namespace...).
    Unknown,
}

/// Another fd on the same pipe, or an fd on a unix socket's peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub pid: i32,
    pub comm: Bytes,
    pub fd: i32,
    /// `r`, `w` or `u`.
    pub mode: Option<String>,
}

/// A file mapped into memory (lsof's `mem` rows): one per distinct device and inode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemRow {
    /// The path in /proc/PID/maps, without ` (deleted)`.
    pub target: Bytes,
    /// The file was unlinked while mapped (lsof's `DEL`).
    pub deleted: bool,
    /// The file's device (`st_dev` encoding) and inode.
    pub dev: u64,
    pub inode: u64,
    /// The file's size (from /proc/PID/map_files, which needs CAP_SYS_ADMIN; else None).
    pub size: Option<u64>,
}

/// One open file descriptor.
#[derive(Debug, Clone, Serialize)]
pub struct FdRow {
    pub fd: i32,
    /// `r`, `w` or `u` from the access mode of the fd's open flags.
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub kind: FdKind,
    /// The link target of /proc/PID/fd/FD, without the ` (deleted)` suffix.
    pub target: Bytes,
    /// The file was unlinked while open.
    pub deleted: bool,
    /// File offset.
    pub offset: Option<u64>,
    /// Open flags, as names.
    pub flags: Option<String>,
    /// Inode of pipes, sockets, and (from fdinfo) files.
    pub inode: Option<u64>,
    /// `char MAJ:MIN` or `block MAJ:MIN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socket: Option<SocketDesc>,
    /// The size of a regular file, directory or memfd (`st_size`; the SIZE of lsof's SIZE/OFF,
    /// whose offsets are [`FdRow::offset`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Locks held through this fd (fdinfo's `lock:` lines).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
    /// lsof's lock letter for [`FdRow::locks`]: `W`, `R`, `w`, `r` or `u`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<char>,
    /// A unix socket's peer's inode (sock_diag's UNIX_DIAG_PEER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_inode: Option<u64>,
    /// The other ends: the other fds on the same pipe, or the fds on a unix socket's peer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Holder>,
    /// The fds an epoll fd watches (fdinfo's `tfd:` lines).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub epoll: Vec<i32>,
}

/// The fds of one process.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessFds {
    pub pid: i32,
    pub comm: Bytes,
    pub fds: Vec<FdRow>,
    /// Memory-mapped files, in address order of their first mapping.
    pub mem: Vec<MemRow>,
}

/// `<prefix>[<number>]` as in `pipe:[1234]`.
fn bracketed(target: &[u8], prefix: &[u8]) -> Option<u64> {
    let rest = target.strip_prefix(prefix)?.strip_prefix(b"[")?;
    std::str::from_utf8(rest.strip_suffix(b"]")?)
        .ok()?
        .parse()
        .ok()
}

/// Classifies a link target (and, for paths, the followed metadata).
pub fn classify(target: &[u8], meta: Option<&std::fs::Metadata>) -> (FdKind, Option<u64>) {
    if let Some(ino) = bracketed(target, b"socket:") {
        return (FdKind::Socket, Some(ino));
    }
    if let Some(ino) = bracketed(target, b"pipe:") {
        return (FdKind::Pipe, Some(ino));
    }
    if target.starts_with(b"anon_inode:") {
        return (FdKind::AnonInode, None);
    }
    if target.starts_with(b"/memfd:") {
        return (FdKind::Memfd, meta.map(MetadataExt::ino));
    }
    if !target.starts_with(b"/") {
        // net:[4026531840], mnt:[...]: namespace files; anything else the kernel may invent.
        return if memchr::memmem::find(target, b":[").is_some() {
            (FdKind::Ns, None)
        } else {
            (FdKind::Unknown, None)
        };
    }
    let Some(meta) = meta else {
        return (FdKind::Unknown, None);
    };
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        FdKind::File
    } else if ft.is_dir() {
        FdKind::Dir
    } else if ft.is_char_device() || ft.is_block_device() {
        FdKind::Device
    } else if ft.is_fifo() {
        FdKind::Fifo
    } else if ft.is_socket() {
        FdKind::Socket
    } else {
        FdKind::Unknown
    };
    (kind, Some(meta.ino()))
}

/// Reads every fd of `pid`. An fd closed while being read is skipped.
///
/// # Errors
/// No such process, kernel thread, zombie, exited, permission denied on /proc/PID/fd.
pub fn read_fds(root: &ProcRoot, pid: i32) -> Result<ProcessFds, ProcError> {
    let stat = require_live_user_process(root, pid, "file descriptors")?;
    let dir = root.pid_path(pid, "fd");
    let fds = root
        .fds(pid)
        .map_err(|e| ProcError::from_io(root, pid, &dir, e))?;
    let mut sockets: Option<HashMap<u64, Socket>> = None;
    let mut rows = Vec::with_capacity(fds.len());
    // The links are read and the fdinfo files opened relative to their directories, opened
    // once: with 10,000 fds, not 10,000 lookups of /proc/PID each.
    let fd_dir = std::fs::File::open(&dir).map_err(|e| ProcError::from_io(root, pid, &dir, e))?;
    let info_dir = std::fs::File::open(root.pid_path(pid, "fdinfo")).ok();
    for fd in fds {
        let link = dir.join(fd.to_string());
        let name = fd.to_string();
        let target = match nix::fcntl::readlinkat(Some(fd_dir.as_raw_fd()), name.as_str()) {
            Ok(t) => t.into_vec(),
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(e) => return Err(ProcError::from_io(root, pid, &link, e.into())),
        };
        let meta = std::fs::metadata(&link).ok();
        let info = match &info_dir {
            Some(d) => super::fdinfo::read_fdinfo_at(d, fd),
            None => read_fdinfo(root, pid, fd),
        };
        let (kind, ino) = classify(&target, meta.as_ref());
        let mut target = target;
        let mut deleted = false;
        if let Some(stripped) = target.strip_suffix(b" (deleted)") {
            if kind != FdKind::Memfd && meta.as_ref().is_none_or(|m| m.nlink() == 0) {
                deleted = true;
            }
            if deleted || kind == FdKind::Memfd {
                target = stripped.to_vec();
            }
        }
        let device = (kind == FdKind::Device).then(|| {
            let m = meta.as_ref().expect("devices are classified from metadata");
            let (maj, min) = (libc::major(m.rdev()), libc::minor(m.rdev()));
            let what = if m.file_type().is_block_device() {
                "block"
            } else {
                "char"
            };
            format!("{what} {maj}:{min}")
        });
        let socket = (kind == FdKind::Socket && !target.starts_with(b"/")).then(|| {
            let map = sockets.get_or_insert_with(|| sockets_of(root, pid));
            match ino.and_then(|i| map.get(&i)) {
                Some(Socket::Inet(s)) => SocketDesc::Inet {
                    proto: s.proto,
                    local: s.local.to_string(),
                    remote: s.remote.to_string(),
                    state: s.state,
                },
                Some(Socket::Unix(s)) => SocketDesc::Unix {
                    kind: s.kind,
                    state: s.state,
                    path: s.path.clone(),
                },
                Some(Socket::Netlink(s)) => SocketDesc::Netlink {
                    protocol: netlink_protocol_name(s.protocol)
                        .map_or_else(|| s.protocol.to_string(), str::to_string),
                    port_id: s.port_id,
                },
                None => SocketDesc::Unknown,
            }
        });
        rows.push(FdRow {
            fd,
            mode: info.flags.map(|f| access_mode(f).to_string()),
            kind,
            target: Bytes(target),
            deleted,
            offset: info.pos,
            flags: info.flags.map(flag_names),
            inode: ino.or(info.ino),
            device,
            socket,
            size: matches!(kind, FdKind::File | FdKind::Dir | FdKind::Memfd)
                .then(|| meta.as_ref().map(MetadataExt::size))
                .flatten(),
            lock: mark(&info.locks),
            locks: info.locks,
            peer_inode: None,
            peers: Vec::new(),
            epoll: info.epoll_tfds,
        });
    }
    Ok(ProcessFds {
        pid,
        comm: Bytes(stat.comm),
        fds: rows,
        mem: read_mem(root, pid),
    })
}

/// The files `pid` maps, one row per device and inode; none when maps cannot be read.
pub fn read_mem(root: &ProcRoot, pid: i32) -> Vec<MemRow> {
    let Ok(bytes) = std::fs::read(root.pid_path(pid, "maps")) else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for r in parse_maps(&bytes) {
        if r.inode == 0 || !r.path.starts_with(b"/") || !seen.insert((r.dev, r.inode)) {
            continue;
        }
        let (target, deleted) = match r.path.strip_suffix(b" (deleted)") {
            Some(p) => (p.to_vec(), true),
            None => (r.path.clone(), false),
        };
        let size =
            std::fs::metadata(root.pid_path(pid, &format!("map_files/{:x}-{:x}", r.start, r.end)))
                .ok()
                .map(|m| m.size());
        rows.push(MemRow {
            target: Bytes(target),
            deleted,
            dev: r.dev,
            inode: r.inode,
            size,
        });
    }
    rows
}

/// Every fd on a pipe or socket of every process under `root`, by inode: `(pid, fd)`, in
/// pid and fd order. The processes of `known` are taken from their rows (already read: with
/// many fds, reading each link again would double the work); the others are read, skipping
/// those and the fds that cannot be (the index is best effort).
pub fn pipe_and_socket_fds(root: &ProcRoot, known: &[ProcessFds]) -> HashMap<u64, Vec<(i32, i32)>> {
    let by_pid: HashMap<i32, &ProcessFds> = known.iter().map(|p| (p.pid, p)).collect();
    let mut index: HashMap<u64, Vec<(i32, i32)>> = HashMap::new();
    let mut pids = root.pids().unwrap_or_default();
    pids.extend(
        by_pid
            .keys()
            .filter(|pid| !pids.contains(pid))
            .copied()
            .collect::<Vec<_>>(),
    );
    pids.sort_unstable();
    pids.dedup();
    for pid in pids {
        if let Some(p) = by_pid.get(&pid) {
            for r in &p.fds {
                let t = r.target.as_slice();
                if let Some(ino) = bracketed(t, b"pipe:").or_else(|| bracketed(t, b"socket:")) {
                    index.entry(ino).or_default().push((pid, r.fd));
                }
            }
            continue;
        }
        let dir = root.pid_path(pid, "fd");
        for fd in root.fds(pid).unwrap_or_default() {
            let Ok(t) = std::fs::read_link(dir.join(fd.to_string())) else {
                continue;
            };
            let t = t.into_os_string().into_vec();
            if let Some(ino) = bracketed(&t, b"pipe:").or_else(|| bracketed(&t, b"socket:")) {
                index.entry(ino).or_default().push((pid, fd));
            }
        }
    }
    index
}

/// Whether `pid` is in ksec's own network namespace (where sock_diag answers).
fn in_own_netns(root: &ProcRoot, pid: i32) -> bool {
    let id = |p: &std::path::Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let mine = id(std::path::Path::new("/proc/self/ns/net"));
    mine.is_some() && mine == id(&root.pid_path(pid, "ns/net"))
}

/// Fills [`FdRow::peers`] (and [`FdRow::peer_inode`]) of the pipes and unix sockets of `procs`:
/// the other fds on the same pipe, and the fds on a unix socket's peer, from every process
/// under `root`. Unix peers are known only for processes in ksec's own network namespace
/// (sock_diag answers for the caller's); where sock_diag fails, they stay unknown.
pub fn resolve_peers(root: &ProcRoot, procs: &mut [ProcessFds]) {
    let is_unix = |r: &FdRow| matches!(r.socket, Some(SocketDesc::Unix { .. }));
    let wanted = procs
        .iter()
        .flat_map(|p| &p.fds)
        .any(|r| r.kind == FdKind::Pipe || is_unix(r));
    if !wanted {
        return;
    }
    let index = pipe_and_socket_fds(root, procs);
    // The modes and names of the fds of `procs`, known already (not read again per peer).
    let known: HashMap<(i32, i32), Option<String>> = procs
        .iter()
        .flat_map(|p| p.fds.iter().map(move |r| ((p.pid, r.fd), r.mode.clone())))
        .collect();
    let mut comms: HashMap<i32, Bytes> = procs.iter().map(|p| (p.pid, p.comm.clone())).collect();
    let mut unix_peers: Option<HashMap<u64, u64>> = None;
    for p in procs.iter_mut() {
        let own_ns = p.fds.iter().any(is_unix) && in_own_netns(root, p.pid);
        for r in p.fds.iter_mut() {
            let (ino, skip) = if r.kind == FdKind::Pipe {
                (r.inode, Some((p.pid, r.fd)))
            } else if is_unix(r) && own_ns {
                let peers = unix_peers.get_or_insert_with(|| {
                    crate::sys::sock_diag::unix_peers()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(a, b)| (u64::from(a), u64::from(b)))
                        .collect()
                });
                r.peer_inode = r.inode.and_then(|i| peers.get(&i).copied());
                (r.peer_inode, None)
            } else {
                continue;
            };
            let Some(holders) = ino.and_then(|i| index.get(&i)) else {
                continue;
            };
            for &(pid, fd) in holders {
                if Some((pid, fd)) == skip {
                    continue;
                }
                let comm = comms
                    .entry(pid)
                    .or_insert_with(|| {
                        super::stat::read_stat(root, pid)
                            .map(|s| Bytes(s.comm))
                            .unwrap_or_default()
                    })
                    .clone();
                let mode = match known.get(&(pid, fd)) {
                    Some(mode) => mode.clone(),
                    None => read_fdinfo(root, pid, fd)
                        .flags
                        .map(|f| access_mode(f).to_string()),
                };
                r.peers.push(Holder {
                    pid,
                    comm,
                    fd,
                    mode,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_in_text_and_json() {
        let names: Vec<String> = FdKind::ALL.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            names.join(" "),
            "file dir pipe fifo socket anon_inode memfd device ns unknown"
        );
        for k in FdKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    #[test]
    fn the_index_takes_known_processes_from_their_rows() {
        // A child holding pipes on 0, 1 and 2, whose other ends this process holds.
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let root = ProcRoot::default();
        let p = read_fds(&root, pid).unwrap();
        // (fds the test runner did not open close-on-exec follow: a jobserver pipe...)
        let kinds: Vec<(i32, FdKind)> = p.fds.iter().map(|r| (r.fd, r.kind)).take(3).collect();
        assert_eq!(
            kinds,
            [(0, FdKind::Pipe), (1, FdKind::Pipe), (2, FdKind::Pipe)]
        );
        let of_child = |index: HashMap<u64, Vec<(i32, i32)>>| {
            let mut v: Vec<(u64, i32)> = index
                .into_iter()
                .flat_map(|(ino, fds)| fds.into_iter().map(move |(p, fd)| (ino, p, fd)))
                .filter(|&(_, p, _)| p == pid)
                .map(|(ino, _, fd)| (ino, fd))
                .collect();
            v.sort_unstable();
            v
        };
        let read = of_child(pipe_and_socket_fds(&root, &[]));
        let mut want: Vec<(u64, i32)> = p
            .fds
            .iter()
            .filter(|r| matches!(r.kind, FdKind::Pipe | FdKind::Socket))
            .map(|r| (r.inode.unwrap(), r.fd))
            .collect();
        want.sort_unstable();
        assert_eq!(read, want);
        assert_eq!(
            of_child(pipe_and_socket_fds(&root, std::slice::from_ref(&p))),
            want
        );
        // The peers: this process's ends, their modes read from its fdinfo; the child's
        // comm from the row.
        let mut procs = [p];
        resolve_peers(&root, &mut procs);
        let me = std::process::id() as i32;
        for (r, mode) in procs[0].fds.iter().zip(["w", "r", "r"]) {
            let mine: Vec<&Holder> = r.peers.iter().filter(|h| h.pid == me).collect();
            assert_eq!(mine.len(), 1, "fd {}: {:?}", r.fd, r.peers);
            assert_eq!(mine[0].mode.as_deref(), Some(mode), "fd {}", r.fd);
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn classifies_link_targets() {
        assert_eq!(classify(b"socket:[42]", None), (FdKind::Socket, Some(42)));
        assert_eq!(classify(b"pipe:[7]", None), (FdKind::Pipe, Some(7)));
        assert_eq!(
            classify(b"anon_inode:[eventpoll]", None),
            (FdKind::AnonInode, None)
        );
        assert_eq!(classify(b"/memfd:x (deleted)", None), (FdKind::Memfd, None));
        assert_eq!(classify(b"net:[4026531840]", None), (FdKind::Ns, None));
        assert_eq!(classify(b"weird", None), (FdKind::Unknown, None));
        assert_eq!(classify(b"/gone", None), (FdKind::Unknown, None));
        let dir = tempfile::tempdir().unwrap();
        let meta = std::fs::metadata(dir.path()).unwrap();
        assert_eq!(classify(b"/tmp/x", Some(&meta)).0, FdKind::Dir);
        let null = std::fs::metadata("/dev/null").unwrap();
        assert_eq!(classify(b"/dev/null", Some(&null)).0, FdKind::Device);
    }

    #[test]
    fn socket_json_is_unchanged() {
        let inet = SocketDesc::Inet {
            proto: InetProto::Tcp6,
            local: "[::1]:22".into(),
            remote: "[::]:0".into(),
            state: TcpState::Listen,
        };
        assert_eq!(
            serde_json::to_string(&inet).unwrap(),
            r#"{"family":"inet","proto":"tcp6","local":"[::1]:22","remote":"[::]:0","state":"LISTEN"}"#
        );
        let unix = SocketDesc::Unix {
            kind: UnixKind::Seqpacket,
            state: UnixState::Connected,
            path: None,
        };
        assert_eq!(
            serde_json::to_string(&unix).unwrap(),
            r#"{"family":"unix","kind":"seqpacket","state":"CONNECTED","path":null}"#
        );
        assert_eq!(
            serde_json::to_string(&SocketDesc::Unknown).unwrap(),
            r#"{"family":"unknown"}"#
        );
    }
}
