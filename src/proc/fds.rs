//! `ksec fds`: one row per open file descriptor of a process: number, access mode, type,
//! target, offset and flags (from /proc/PID/fdinfo), `(deleted)`, and sockets resolved to
//! protocol and endpoints from the process's own network namespace (/proc/PID/net/*).

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use serde::Serialize;

use super::bytes::Bytes;
use super::error::ProcError;
use super::fdinfo::{access_mode, flag_names, parse_fdinfo};
use super::net::{sockets_of, Socket};
use super::process::require_live_user_process;
use super::render::{table, write_json, write_table};
use super::root::ProcRoot;
use super::target::{resolve_each, Selector};
use crate::cli::FdsArgs;
use crate::exit::Exit;

/// What to show, validated.
#[derive(Debug, Clone)]
pub struct FdsConfig {
    pub root: ProcRoot,
    pub selector: Selector,
    pub json: bool,
}

impl FdsConfig {
    /// Validates the raw arguments.
    ///
    /// # Errors
    /// Nothing selected.
    pub fn from_args(args: FdsArgs) -> anyhow::Result<Self> {
        if args.target.targets.is_empty() && args.target.container.is_none() {
            anyhow::bail!("give a PID|NAME or --container ID");
        }
        Ok(Self {
            root: ProcRoot::from_args(&args.proc),
            selector: Selector {
                specs: args.target.targets,
                container: args.target.container,
                all: false,
            },
            json: args.json,
        })
    }
}

/// A socket, as resolved from the namespace's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum SocketDesc {
    /// tcp, tcp6, udp, udp6.
    Inet {
        proto: &'static str,
        local: String,
        remote: String,
        state: &'static str,
    },
    /// unix-domain.
    Unix {
        kind: &'static str,
        state: &'static str,
        path: Option<Bytes>,
    },
    /// In none of the tables ksec reads (netlink, packet, raw, another namespace...).
    Unknown,
}

impl SocketDesc {
    /// `tcp 127.0.0.1:80 -> 10.0.0.2:4242 ESTABLISHED`, `unix /run/x.sock LISTEN`...
    pub fn text(&self) -> String {
        match self {
            SocketDesc::Inet {
                proto,
                local,
                remote,
                state,
            } => {
                if proto.starts_with("udp") && *state == "CLOSE" {
                    format!("{proto} {local}")
                } else if *state == "LISTEN" {
                    format!("{proto} {local} {state}")
                } else {
                    format!("{proto} {local} -> {remote} {state}")
                }
            }
            SocketDesc::Unix { kind, state, path } => match path {
                Some(p) => format!("unix {kind} {} {state}", p.escaped()),
                None => format!("unix {kind} {state}"),
            },
            SocketDesc::Unknown => "socket (protocol not resolved)".into(),
        }
    }
}

/// One open file descriptor.
#[derive(Debug, Clone, Serialize)]
pub struct FdRow {
    pub fd: i32,
    /// `r`, `w` or `u` from the access mode of the fd's open flags.
    pub mode: Option<String>,
    /// file, dir, pipe, fifo, socket, anon_inode, memfd, device, ns, unknown.
    #[serde(rename = "type")]
    pub kind: &'static str,
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
fn classify(target: &[u8], meta: Option<&std::fs::Metadata>) -> (&'static str, Option<u64>) {
    if let Some(ino) = bracketed(target, b"socket:") {
        return ("socket", Some(ino));
    }
    if let Some(ino) = bracketed(target, b"pipe:") {
        return ("pipe", Some(ino));
    }
    if target.starts_with(b"anon_inode:") {
        return ("anon_inode", None);
    }
    if target.starts_with(b"/memfd:") {
        return ("memfd", meta.map(MetadataExt::ino));
    }
    if !target.starts_with(b"/") {
        // net:[4026531840], mnt:[...]: namespace files; anything else the kernel may invent.
        return if memchr::memmem::find(target, b":[").is_some() {
            ("ns", None)
        } else {
            ("unknown", None)
        };
    }
    let Some(meta) = meta else {
        return ("unknown", None);
    };
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        "file"
    } else if ft.is_dir() {
        "dir"
    } else if ft.is_char_device() || ft.is_block_device() {
        "device"
    } else if ft.is_fifo() {
        "fifo"
    } else if ft.is_socket() {
        "socket"
    } else {
        "unknown"
    };
    (kind, Some(meta.ino()))
}

/// Reads every fd of `pid`. An fd closed while being read is skipped.
///
/// # Errors
/// No such process, kernel thread, zombie, exited, permission denied on /proc/PID/fd.
pub fn collect(root: &ProcRoot, pid: i32) -> Result<ProcessFds, ProcError> {
    let stat = require_live_user_process(root, pid, "file descriptors")?;
    let dir = root.pid_path(pid, "fd");
    let entries = std::fs::read_dir(&dir).map_err(|e| ProcError::from_io(root, pid, &dir, e))?;
    let mut fds: Vec<i32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
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
        let info = std::fs::read(root.pid_path(pid, &format!("fdinfo/{fd}")))
            .map(|b| parse_fdinfo(&b))
            .unwrap_or_default();
        let (kind, ino) = classify(&target, meta.as_ref());
        let mut target = target;
        let mut deleted = false;
        if let Some(stripped) = target.strip_suffix(b" (deleted)") {
            if kind != "memfd" && meta.as_ref().is_none_or(|m| m.nlink() == 0) {
                deleted = true;
            }
            if deleted || kind == "memfd" {
                target = stripped.to_vec();
            }
        }
        let device = (kind == "device").then(|| {
            let m = meta.as_ref().expect("devices are classified from metadata");
            let (maj, min) = (libc::major(m.rdev()), libc::minor(m.rdev()));
            let what = if m.file_type().is_block_device() {
                "block"
            } else {
                "char"
            };
            format!("{what} {maj}:{min}")
        });
        let socket = (kind == "socket" && !target.starts_with(b"/")).then(|| {
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

/// The TARGET cell: the socket description, or the escaped target with ` (deleted)`.
pub fn target_text(row: &FdRow) -> String {
    if let Some(s) = &row.socket {
        return s.text();
    }
    let mut t = row.target.escaped();
    if row.deleted {
        t.push_str(" (deleted)");
    }
    if let Some(d) = &row.device {
        t.push_str(&format!(" ({d})"));
    }
    t
}

/// Writes the tables or JSON; with `headers`, each table is preceded by `pid N (comm)`.
///
/// # Errors
/// Writing fails.
pub fn render(
    out: &mut impl Write,
    json: bool,
    headers: bool,
    procs: &[ProcessFds],
) -> std::io::Result<()> {
    if json {
        return write_json(out, &procs);
    }
    for (i, p) in procs.iter().enumerate() {
        if headers {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(out, "pid {} ({})", p.pid, p.comm.escaped())?;
        }
        let mut t = table(&["FD", "MODE", "TYPE", "TARGET", "OFFSET", "FLAGS"]);
        for r in &p.fds {
            let offset = match (r.kind, r.offset) {
                ("file" | "dir" | "device" | "memfd", Some(o)) => o.to_string(),
                _ => String::new(),
            };
            t.add_row(vec![
                r.fd.to_string(),
                r.mode.clone().unwrap_or_default(),
                r.kind.to_string(),
                target_text(r),
                offset,
                r.flags.clone().unwrap_or_default(),
            ]);
        }
        write_table(out, &t)?;
    }
    Ok(())
}

/// Runs the subcommand: per-process errors are reported on stderr and the others still shown.
///
/// # Errors
/// The selection fails (unknown pid, ambiguous name or container); writing fails.
pub fn run(args: FdsArgs) -> anyhow::Result<Exit> {
    let cfg = FdsConfig::from_args(args)?;
    let (pids, mut failed) = resolve_each(&cfg.root, &cfg.selector);
    let headers = pids.len() > 1;
    let mut procs = Vec::new();
    for pid in pids {
        match collect(&cfg.root, pid) {
            Ok(p) => procs.push(p),
            Err(e) => {
                eprintln!("ksec: {e}");
                failed = true;
            }
        }
    }
    let stdout = std::io::stdout();
    render(&mut stdout.lock(), cfg.json, headers, &procs)?;
    Ok(Exit::skipped_if(failed))
}
