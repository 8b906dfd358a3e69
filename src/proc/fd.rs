//! /proc/PID/fd and /proc/PID/fdinfo: every open file descriptor of a process with its access
//! mode, kind ([`FdKind`]), target, offset and flags, `(deleted)`, and sockets resolved to
//! protocol and endpoints from the process's own network namespace ([`super::net`]).

use std::collections::HashMap;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use serde::Serialize;

use super::error::ProcError;
use super::fdinfo::{access_mode, flag_names, read_fdinfo};
use super::net::{sockets_of, InetProto, Socket, TcpState, UnixKind, UnixState};
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
    /// In none of the tables ksec reads (netlink, packet, raw, another namespace...).
    Unknown,
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
}

/// The fds of one process.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessFds {
    pub pid: i32,
    pub comm: Bytes,
    pub fds: Vec<FdRow>,
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
    for fd in fds {
        let link = dir.join(fd.to_string());
        let target = match std::fs::read_link(&link) {
            Ok(t) => t.into_os_string().into_vec(),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(ProcError::from_io(root, pid, &link, e)),
        };
        let meta = std::fs::metadata(&link).ok();
        let info = read_fdinfo(root, pid, fd);
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
        });
    }
    Ok(ProcessFds {
        pid,
        comm: Bytes(stat.comm),
        fds: rows,
    })
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
