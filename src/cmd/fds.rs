//! `ksec fds`: the open file descriptors of processes ([`crate::proc::fd`]), one table per
//! process (or one JSON array); a process that cannot be read is reported and the others still
//! shown, and the exit says something was skipped.

use std::io::Write;

use crate::cli::FdsArgs;
use crate::exit::Exit;
use crate::output::json::write_json;
use crate::output::table::{table, write_table};
use crate::proc::fd::{read_fds, FdRow, ProcessFds, SocketDesc};
use crate::proc::net::TcpState;
use crate::proc::root::ProcRoot;
use crate::proc::target::{resolve_each, Selector};

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
            root: super::proc_args::proc_root(&args.proc)?,
            selector: Selector {
                specs: args.target.targets,
                container: args.target.container,
                all: false,
            },
            json: args.json,
        })
    }
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
        SocketDesc::Unknown => "socket (protocol not resolved)".into(),
    }
}

/// The TARGET cell: the socket description, or the escaped target with ` (deleted)`.
pub fn target_text(row: &FdRow) -> String {
    if let Some(s) = &row.socket {
        return socket_text(s);
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
            let offset = match r.offset {
                Some(o) if r.kind.has_offset() => o.to_string(),
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

/// Runs the subcommand: per-process errors are reported on stderr and the others still shown
/// (exit 1, [`Exit::Skipped`]); when no process could be shown at all (every pid gone, every
/// name unmatched) the exit is 2, [`Exit::Error`], as `environ` and `root` end on one target.
///
/// # Errors
/// Nothing selected; writing fails.
pub fn run(args: FdsArgs) -> anyhow::Result<Exit> {
    let cfg = FdsConfig::from_args(args)?;
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
    render(&mut stdout.lock(), cfg.json, headers, &procs)?;
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

    #[test]
    fn table_layout() {
        let row = |fd, kind, target: &str, offset| FdRow {
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
        };
        let procs = [ProcessFds {
            pid: 7,
            comm: Bytes::from("cat"),
            fds: vec![
                row(3, FdKind::File, "/etc/passwd", Some(12)),
                row(4, FdKind::File, "/tmp/x", Some(0)),
                row(5, FdKind::Pipe, "pipe:[9]", Some(0)),
            ],
        }];
        let mut out = Vec::new();
        render(&mut out, false, true, &procs).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "pid 7 (cat)\n\
             FD  MODE  TYPE  TARGET            OFFSET  FLAGS\n\
             3   u     file  /etc/passwd       12      O_RDWR\n\
             4   u     file  /tmp/x (deleted)  0       O_RDWR\n\
             5   u     pipe  pipe:[9]                  O_RDWR\n"
        );
    }
}
