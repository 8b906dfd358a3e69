//! `ksec fds`: the open file descriptors and memory-mapped files of processes
//! ([`crate::proc::fd`]), one table per process (or one JSON array), fitted to a terminal's
//! width; a process that cannot be read is reported and the others still shown, and the exit
//! says something was skipped. `ksec fds --file PATH` lists who holds PATH instead
//! ([`crate::proc::holders`]).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::FdsArgs;
use crate::exit::Exit;
use crate::output::json::write_json;
use crate::output::table::{Grid, Width};
use crate::proc::fd::{
    read_fds, resolve_peers, FdKind, FdRow, Holder, MemRow, ProcessFds, SocketDesc,
};
use crate::proc::holders::{holders, identities, Holding, Use};
use crate::proc::net::TcpState;
use crate::proc::root::ProcRoot;
use crate::proc::target::{resolve_each, Selector};

/// What to show, validated.
#[derive(Debug, Clone)]
pub struct FdsConfig {
    pub root: ProcRoot,
    pub selector: Selector,
    /// `--file PATH` (and `--dir`): who holds PATH, instead of the selected processes' fds.
    pub file: Option<(PathBuf, bool)>,
    pub json: bool,
    pub width: Width,
}

impl FdsConfig {
    /// Validates the raw arguments.
    ///
    /// # Errors
    /// Nothing selected.
    pub fn from_args(args: FdsArgs) -> anyhow::Result<Self> {
        if args.target.targets.is_empty() && args.target.container.is_none() && args.file.is_none()
        {
            anyhow::bail!("give a PID|NAME, --container ID or --file PATH");
        }
        Ok(Self {
            root: super::proc_args::proc_root(&args.proc)?,
            selector: Selector {
                specs: args.target.targets,
                container: args.target.container,
                all: false,
            },
            file: args.file.map(|f| (f, args.dir)),
            json: args.json,
            width: Width::stdout(args.wide),
        })
    }
}

/// The most other ends a TARGET cell names (JSON has them all).
const PEERS_SHOWN: usize = 3;

/// ` -> 4242/cat 1w, 4243/sh 1w, +2 more`: the other ends of a pipe or unix socket.
fn peers_text(peers: &[Holder]) -> String {
    let mut t = String::from(" ->");
    for (i, p) in peers.iter().take(PEERS_SHOWN).enumerate() {
        let sep = if i == 0 { " " } else { ", " };
        t.push_str(&format!(
            "{sep}{}/{} {}{}",
            p.pid,
            p.comm.escaped(),
            p.fd,
            p.mode.as_deref().unwrap_or("")
        ));
    }
    if peers.len() > PEERS_SHOWN {
        t.push_str(&format!(", +{} more", peers.len() - PEERS_SHOWN));
    }
    t
}

/// `tcp 127.0.0.1:80 -> 10.0.0.2:4242 ESTABLISHED`, `unix /run/x.sock LISTEN`...
pub fn socket_text(s: &SocketDesc) -> String {
    match s {
        SocketDesc::Inet {
            proto,
            local,
            remote,
            state,
        } => {
            if proto.is_udp() && *state == TcpState::Close {
                format!("{proto} {local}")
            } else if *state == TcpState::Listen {
                format!("{proto} {local} {state}")
            } else {
                format!("{proto} {local} -> {remote} {state}")
            }
        }
        SocketDesc::Unix { kind, state, path } => match path {
            Some(p) => format!("unix {kind} {} {state}", p.escaped()),
            None => format!("unix {kind} {state}"),
        },
        SocketDesc::Netlink { protocol, port_id } => format!("netlink {protocol} port {port_id}"),
        SocketDesc::Unknown => "socket (protocol not resolved)".into(),
    }
}

/// The TARGET cell: the socket description, or the escaped target with ` (deleted)`; the
/// other ends of pipes and unix sockets, the fds an epoll fd watches.
pub fn target_text(row: &FdRow) -> String {
    let mut t = match &row.socket {
        Some(s) => socket_text(s),
        None => row.target.escaped(),
    };
    if !row.peers.is_empty() {
        t.push_str(&peers_text(&row.peers));
    } else if let Some(ino) = row.peer_inode {
        t.push_str(&format!(" -> socket:[{ino}]"));
    }
    if !row.epoll.is_empty() {
        let fds: Vec<String> = row.epoll.iter().map(i32::to_string).collect();
        t.push_str(&format!(" watching {}", fds.join(",")));
    }
    if row.socket.is_some() {
        return t;
    }
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
    width: Width,
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
        // FLAGS gives up width first, then TARGET; the rest keep theirs.
        let mut t = Grid::new(&["FD", "TYPE", "SIZE", "OFFSET", "FLAGS", "TARGET"])
            .shrink(4, 12)
            .shrink(5, 16);
        for r in &p.fds {
            let offset = match r.offset {
                Some(o) if r.kind.has_offset() => o.to_string(),
                _ => String::new(),
            };
            t.row(vec![
                fd_text(r),
                r.kind.to_string(),
                r.size.map(|s| s.to_string()).unwrap_or_default(),
                offset,
                r.flags.clone().unwrap_or_default(),
                target_text(r),
            ]);
        }
        for m in &p.mem {
            t.row(mem_cells(m));
        }
        t.write(out, width)?;
    }
    Ok(())
}

/// The FD cell, as lsof's: the number, the access mode, the lock letter (`3u`, `4wW`).
pub fn fd_text(r: &FdRow) -> String {
    let mut t = r.fd.to_string();
    t.push_str(r.mode.as_deref().unwrap_or(""));
    t.extend(r.lock);
    t
}

/// The cells of a `mem` row.
fn mem_cells(m: &MemRow) -> Vec<String> {
    let mut target = m.target.escaped();
    if m.deleted {
        target.push_str(" (deleted)");
    }
    let kind = if m.target.as_slice().starts_with(b"/memfd:") {
        FdKind::Memfd
    } else {
        FdKind::File
    };
    vec![
        "mem".into(),
        kind.to_string(),
        m.size.map(|s| s.to_string()).unwrap_or_default(),
        String::new(),
        String::new(),
        target,
    ]
}

/// Writes who holds the file, as a table `PID COMMAND FD TARGET` (FD as lsof's: `3uW`, `cwd`,
/// `rtd`, `txt`, `mem`) or JSON.
///
/// # Errors
/// Writing fails.
pub fn render_holders(
    out: &mut impl Write,
    json: bool,
    width: Width,
    held: &[Holding],
) -> std::io::Result<()> {
    if json {
        return write_json(out, &held);
    }
    let mut t = Grid::new(&["PID", "COMMAND", "FD", "TARGET"]).shrink(3, 16);
    for h in held {
        let fd = match (h.how, h.fd) {
            (Use::Fd, Some(fd)) => {
                let mut t = fd.to_string();
                t.push_str(h.mode.as_deref().unwrap_or(""));
                t.extend(h.lock);
                t
            }
            (how, _) => how.lsof_name().to_string(),
        };
        t.row(vec![
            h.pid.to_string(),
            h.comm.escaped(),
            fd,
            h.target.escaped(),
        ]);
    }
    t.write(out, width)
}

/// `ksec fds --file PATH`: exit 1 when no process holds PATH (as fuser), 2 when it does not
/// exist.
fn run_file(cfg: &FdsConfig, path: &std::path::Path, recursive: bool) -> anyhow::Result<Exit> {
    let ids = match identities(path, recursive) {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("ksec: {}: {e}", path.display());
            return Ok(Exit::Error);
        }
    };
    let held =
        holders(&cfg.root, &ids).with_context(|| format!("read {}", cfg.root.path().display()))?;
    if held.is_empty() && !cfg.json {
        return Ok(Exit::NotFound);
    }
    // One write per 64 KiB, not per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    render_holders(&mut out, cfg.json, cfg.width, &held)?;
    out.flush()?;
    Ok(if held.is_empty() {
        Exit::NotFound
    } else {
        Exit::Success
    })
}

/// Runs the subcommand: per-process errors are reported on stderr and the others still shown
/// (exit 1, [`Exit::Skipped`]); when no process could be shown at all (every pid gone, every
/// name unmatched) the exit is 2, [`Exit::Error`], as `environ` and `root` end on one target.
///
/// # Errors
/// Nothing selected; writing fails.
pub fn run(args: FdsArgs) -> anyhow::Result<Exit> {
    let cfg = FdsConfig::from_args(args)?;
    if let Some((path, recursive)) = &cfg.file {
        return run_file(&cfg, path, *recursive);
    }
    let (pids, unresolved) = resolve_each(&cfg.root, &cfg.selector);
    let mut failed = !unresolved.is_empty();
    for e in unresolved {
        eprintln!("ksec: {e:#}");
    }
    let headers = pids.len() > 1;
    let mut procs = Vec::new();
    for pid in pids {
        match read_fds(&cfg.root, pid) {
            Ok(p) => procs.push(p),
            Err(e) => {
                eprintln!("ksec: {e}");
                failed = true;
            }
        }
    }
    let stdout = std::io::stdout();
    if failed && procs.is_empty() {
        return Ok(Exit::Error);
    }
    resolve_peers(&cfg.root, &mut procs);
    // One write per 64 KiB, not per line (stdout is line-buffered): 10,000 fds were 10,000
    // writes.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    render(&mut out, cfg.json, cfg.width, headers, &procs)?;
    out.flush()?;
    Ok(Exit::skipped_if(failed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::bytes::Bytes;
    use crate::proc::fd::FdKind;
    use crate::proc::net::{InetProto, UnixKind, UnixState};

    fn inet(proto: InetProto, state: TcpState) -> String {
        socket_text(&SocketDesc::Inet {
            proto,
            local: "127.0.0.1:80".into(),
            remote: "10.0.0.2:4242".into(),
            state,
        })
    }

    #[test]
    fn socket_cells() {
        assert_eq!(
            inet(InetProto::Tcp, TcpState::Established),
            "tcp 127.0.0.1:80 -> 10.0.0.2:4242 ESTABLISHED"
        );
        assert_eq!(
            inet(InetProto::Tcp6, TcpState::Listen),
            "tcp6 127.0.0.1:80 LISTEN"
        );
        assert_eq!(inet(InetProto::Udp, TcpState::Close), "udp 127.0.0.1:80");
        assert_eq!(
            inet(InetProto::Tcp, TcpState::Close),
            "tcp 127.0.0.1:80 -> 10.0.0.2:4242 CLOSE"
        );
        let unix = |path: Option<&str>| {
            socket_text(&SocketDesc::Unix {
                kind: UnixKind::Stream,
                state: UnixState::Listen,
                path: path.map(Bytes::from),
            })
        };
        assert_eq!(
            unix(Some("/run/x\x1b.sock")),
            "unix stream /run/x\\x1b.sock LISTEN"
        );
        assert_eq!(unix(None), "unix stream LISTEN");
    }

    fn row(fd: i32, kind: FdKind, target: &str, offset: Option<u64>) -> FdRow {
        FdRow {
            fd,
            mode: Some("u".into()),
            kind,
            target: Bytes::from(target),
            deleted: fd == 4,
            offset,
            flags: Some("O_RDWR".into()),
            inode: None,
            device: None,
            socket: None,
            size: (kind == FdKind::File).then_some(1234),
            locks: Vec::new(),
            lock: (fd == 3).then_some('W'),
            peer_inode: None,
            peers: Vec::new(),
            epoll: Vec::new(),
        }
    }

    fn procs() -> [ProcessFds; 1] {
        let mut pipe = row(5, FdKind::Pipe, "pipe:[9]", Some(0));
        pipe.peers = (0..5)
            .map(|i| Holder {
                pid: 40 + i,
                comm: Bytes::from("sh"),
                fd: 1,
                mode: Some("w".into()),
            })
            .collect();
        let mut epoll = row(6, FdKind::AnonInode, "anon_inode:[eventpoll]", Some(0));
        epoll.epoll = vec![3, 5];
        [ProcessFds {
            pid: 7,
            comm: Bytes::from("cat"),
            fds: vec![
                row(3, FdKind::File, "/etc/passwd", Some(12)),
                row(4, FdKind::File, "/tmp/x", Some(0)),
                pipe,
                epoll,
            ],
            mem: vec![MemRow {
                target: Bytes::from("/usr/lib/libc.so.6"),
                deleted: false,
                dev: 0,
                inode: 1,
                size: Some(2_000_000),
            }],
        }]
    }

    #[test]
    fn table_layout() {
        let mut out = Vec::new();
        render(&mut out, false, Width::Full, true, &procs()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "pid 7 (cat)\n\
             FD   TYPE        SIZE     OFFSET  FLAGS   TARGET\n\
             3uW  file        1234     12      O_RDWR  /etc/passwd\n\
             4u   file        1234     0       O_RDWR  /tmp/x (deleted)\n\
             5u   pipe                         O_RDWR  pipe:[9] -> 40/sh 1w, 41/sh 1w, 42/sh 1w, +2 more\n\
             6u   anon_inode                   O_RDWR  anon_inode:[eventpoll] watching 3,5\n\
             mem  file        2000000                  /usr/lib/libc.so.6\n"
        );
    }

    #[test]
    fn a_terminal_cuts_flags_then_target() {
        let mut out = Vec::new();
        render(&mut out, false, Width::Columns(60), false, &procs()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "FD   TYPE        SIZE     OFFSET  FLAGS   TARGET\n\
             3uW  file        1234     12      O_RDWR  /etc/passwd\n\
             4u   file        1234     0       O_RDWR  /tmp/x (deleted)\n\
             5u   pipe                         O_RDWR  pipe:[9] -> 40/sh…\n\
             6u   anon_inode                   O_RDWR  anon_inode:[event…\n\
             mem  file        2000000                  /usr/lib/libc.so.6\n"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
    }

    #[test]
    fn netlink_and_unix_peer_cells() {
        let nl = SocketDesc::Netlink {
            protocol: "NETLINK_ROUTE".into(),
            port_id: 4242,
        };
        assert_eq!(socket_text(&nl), "netlink NETLINK_ROUTE port 4242");
        let mut r = row(8, FdKind::Socket, "socket:[77]", None);
        r.socket = Some(SocketDesc::Unix {
            kind: UnixKind::Stream,
            state: UnixState::Connected,
            path: None,
        });
        r.peer_inode = Some(78);
        assert_eq!(target_text(&r), "unix stream CONNECTED -> socket:[78]");
        r.peers = vec![Holder {
            pid: 9,
            comm: Bytes::from("a\x1bb"),
            fd: 4,
            mode: Some("u".into()),
        }];
        assert_eq!(target_text(&r), "unix stream CONNECTED -> 9/a\\x1bb 4u");
    }
}
