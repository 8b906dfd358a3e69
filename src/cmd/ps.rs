//! `ksec ps`: processes ([`crate::proc::process`]) with pid, ppid, user, state, command line,
//! and the container id and pod uid when the process runs in a container.

use std::io::Write;

use anyhow::Context;

use crate::cli::PsArgs;
use crate::exit::Exit;
use crate::output::bytes::Bytes;
use crate::output::json::write_json;
use crate::output::table::{cell, Grid, Width};
use crate::proc::process::{read_process, Process, UserCache};
use crate::proc::root::ProcRoot;
use crate::proc::target::{container_pids, is_named};

/// What to list, validated.
#[derive(Debug, Clone)]
pub struct PsConfig {
    pub root: ProcRoot,
    /// Which processes to list by name, if any.
    pub name: Option<NameMatch>,
    /// Container id prefix.
    pub container: Option<String>,
    /// Kernel threads too.
    pub all: bool,
    pub long_ids: bool,
    pub json: bool,
    /// Pids only, one per line.
    pub quiet: bool,
    /// The table's width (COMMAND is cut to fit a terminal).
    pub width: Width,
}

/// How `ksec ps NAME` matches NAME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch {
    /// comm or argv\[0\]'s basename is NAME ([`is_named`], as `pgrep -x`).
    Exact(String),
    /// NAME occurs in comm or in argv joined by spaces (`-f`, as `pgrep -f`).
    Full(String),
}

impl NameMatch {
    /// Whether `p` matches.
    pub fn matches(&self, p: &Process) -> bool {
        match self {
            NameMatch::Exact(name) => is_named(p.comm.as_slice(), &p.cmdline, name.as_bytes()),
            NameMatch::Full(name) => {
                let find = |hay: &[u8]| memchr::memmem::find(hay, name.as_bytes()).is_some();
                let argv: Vec<&[u8]> = p.cmdline.iter().map(Bytes::as_slice).collect();
                find(p.comm.as_slice()) || find(&argv.join(&b' '))
            }
        }
    }
}

impl PsConfig {
    /// Validates the raw arguments.
    ///
    /// # Errors
    /// `--proc-root` / `$HOST_PROC` is no /proc.
    pub fn from_args(args: PsArgs) -> anyhow::Result<Self> {
        Ok(Self {
            root: super::proc_args::proc_root(&args.proc)?,
            name: args.name.map(|n| {
                if args.full {
                    NameMatch::Full(n)
                } else {
                    NameMatch::Exact(n)
                }
            }),
            container: args.container,
            all: args.all,
            long_ids: args.long,
            json: args.json,
            quiet: args.quiet,
            width: Width::stdout(args.wide),
        })
    }
}

/// Collects the processes `cfg` selects. Processes that vanish during the scan are skipped.
///
/// # Errors
/// The /proc root cannot be listed, or the container prefix matches no or several containers.
pub fn collect(cfg: &PsConfig) -> anyhow::Result<Vec<Process>> {
    let pids = match &cfg.container {
        Some(prefix) => container_pids(&cfg.root, prefix)?.1,
        None => cfg
            .root
            .pids()
            .with_context(|| format!("read {}", cfg.root.path().display()))?,
    };
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    let mut users = UserCache::new();
    for pid in pids {
        let Ok(p) = read_process(&cfg.root, pid, &mut users) else {
            continue; // exited during the scan
        };
        if p.kernel_thread && !cfg.all && cfg.container.is_none() {
            continue;
        }
        if let Some(name) = &cfg.name {
            if pid == me || !name.matches(&p) {
                continue;
            }
        }
        out.push(p);
    }
    Ok(out)
}

/// The command line as shown in the table: argv joined by spaces, escaped, cut at
/// [`CELL_MAX`](crate::output::table::CELL_MAX) bytes (see [`cell`]); `[comm]` for a process without
/// one (kernel threads, zombies); a note when ksec read only the first 1 MiB.
pub fn command_text(p: &Process) -> String {
    if p.cmdline.is_empty() {
        return format!("[{}]", p.comm.escaped());
    }
    let parts: Vec<&[u8]> = p.cmdline.iter().map(Bytes::as_slice).collect();
    let joined = parts.join(&b' ');
    let mut text = cell(&joined);
    if p.cmdline_truncated {
        text.push_str(" ... (cmdline longer than 1 MiB, not read further)");
    }
    text
}

/// Writes the table, JSON, or (`-q`) the pids one per line.
///
/// # Errors
/// Writing fails.
pub fn render(out: &mut impl Write, cfg: &PsConfig, procs: &[Process]) -> std::io::Result<()> {
    if cfg.json {
        return write_json(out, &procs);
    }
    if cfg.quiet {
        for p in procs {
            writeln!(out, "{}", p.pid)?;
        }
        return Ok(());
    }
    // COMMAND is cut first, then the 36-character pod uid.
    let mut t = Grid::new(&["PID", "PPID", "USER", "S", "CONTAINER", "POD", "COMMAND"])
        .shrink(6, 16)
        .shrink(5, 8);
    for p in procs {
        let user = match (&p.user, p.uid) {
            (Some(u), _) => u.clone(),
            (None, Some(uid)) => uid.to_string(),
            (None, None) => "?".into(),
        };
        let (cid, pod) = match &p.container {
            Some(c) => (
                if cfg.long_ids {
                    c.id.clone()
                } else {
                    c.short_id().to_string()
                },
                c.pod_uid.clone().unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        t.row(vec![
            p.pid.to_string(),
            p.ppid.to_string(),
            user,
            p.state.clone(),
            cid,
            pod,
            command_text(p),
        ]);
    }
    t.write(out, cfg.width)
}

/// Runs the subcommand.
///
/// # Errors
/// See [`collect`]; writing fails.
pub fn run(args: PsArgs) -> anyhow::Result<Exit> {
    let cfg = PsConfig::from_args(args)?;
    let procs = collect(&cfg)?;
    let stdout = std::io::stdout();
    render(&mut stdout.lock(), &cfg, &procs)?;
    Ok(if procs.is_empty() && cfg.name.is_some() {
        Exit::NotFound
    } else {
        Exit::Success
    })
}
