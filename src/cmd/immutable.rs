//! `ksec immutable PID|NAME|--container ID|--all-containers`: each container's checks
//! ([`crate::immutable`]) as a table or JSON; exit 0 when no check fails, 1 when one does, 2 on
//! errors (no such process, nothing running in a container).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;

use crate::cli::ImmutableArgs;
use crate::exit::{Exit, ExitError};
use crate::immutable::{inspect, DriftLimits, Report, Verdict};
use crate::output::json::write_json;
use crate::output::sanitize::escape_bytes;
use crate::output::table::{table, write_table};
use crate::proc::cgroup::container_of;
use crate::proc::root::ProcRoot;
use crate::proc::stat::read_stat;
use crate::proc::target::resolve_one;

/// The main process of every container running: the one whose parent is outside it (the
/// lowest pid when several are).
fn all_containers(root: &ProcRoot) -> anyhow::Result<Vec<i32>> {
    let pids = root
        .pids()
        .with_context(|| format!("read {}", root.path().display()))?;
    let mut by_id: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for pid in pids {
        if let Some(info) = container_of(root, pid) {
            by_id.entry(info.id).or_default().push(pid);
        }
    }
    Ok(by_id
        .values()
        .filter_map(|pids| {
            pids.iter()
                .copied()
                .find(|&p| read_stat(root, p).is_ok_and(|st| !pids.contains(&st.ppid)))
                .or_else(|| pids.first().copied())
        })
        .collect())
}

/// Renders one report as a table: the container, then one row per check, then the drift.
///
/// # Errors
/// Writing fails.
pub fn write_report(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "pid {} container {} name {} image {}",
        r.pid,
        r.container_id
            .as_deref()
            .map_or("-", |id| id.get(..12).unwrap_or(id)),
        escape_bytes(r.container_name.as_deref().unwrap_or("-").as_bytes()),
        escape_bytes(r.image.as_deref().unwrap_or("-").as_bytes())
    )?;
    let mut t = table(&["CHECK", "RESULT", "EVIDENCE", "FIX"]);
    for c in &r.checks {
        t.add_row(vec![
            c.name.to_string(),
            c.verdict.name().to_string(),
            // Paths and mount points come from the container: escaped for the terminal.
            escape_bytes(c.evidence.as_bytes()),
            c.fix.clone(),
        ]);
    }
    write_table(out, &t)?;
    if let Some(d) = &r.drift {
        let changed: Vec<_> = d.entries.iter().filter(|e| !e.expected).collect();
        if !changed.is_empty() {
            writeln!(out, "drift in {}:", d.upperdir)?;
            let mut t = table(&["PATH", "CHANGE", "SIZE", "EXEC"]);
            for e in changed {
                t.add_row(vec![
                    escape_bytes(e.path.as_bytes()),
                    format!("{:?}", e.change).to_lowercase(),
                    e.size.to_string(),
                    if e.executable { "yes" } else { "" }.to_string(),
                ]);
            }
            write_table(out, &t)?;
        }
    }
    Ok(())
}

/// Runs `ksec immutable`.
///
/// # Errors
/// No such process or container (exit 2), a process's files unreadable, writing fails.
pub fn run(args: ImmutableArgs) -> anyhow::Result<Exit> {
    let root = super::proc_args::proc_root(&args.proc)?;
    let pids = if args.all_containers {
        let pids = all_containers(&root)?;
        if pids.is_empty() {
            return Err(
                ExitError::new(Exit::Error, "no running process belongs to a container").into(),
            );
        }
        pids
    } else {
        vec![resolve_one(
            &root,
            args.target.as_deref(),
            args.container.as_deref(),
        )?]
    };
    let limits = DriftLimits {
        max_entries: args.max_entries,
        ..DriftLimits::default()
    };
    let mut reports = Vec::new();
    let mut skipped = 0;
    for pid in pids {
        match inspect(&root, &args.host_root, pid, limits) {
            Ok(r) => reports.push(r),
            // With --all-containers one container that cannot be read (gone meanwhile, its
            // files refused) is said and skipped; the others are still checked.
            Err(e) if args.all_containers => {
                eprintln!("ksec immutable: {e:#}; skipped");
                skipped += 1;
            }
            Err(e) => return Err(e),
        }
    }
    if reports.is_empty() {
        return Err(ExitError::new(Exit::Error, "no container could be checked").into());
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        write_json(&mut out, &reports)?;
    } else {
        for (i, r) in reports.iter().enumerate() {
            if i > 0 {
                writeln!(out)?;
            }
            write_report(&mut out, r)?;
        }
    }
    out.flush()?;
    let failed = reports.iter().any(|r| r.worst() == Verdict::Fail);
    Ok(if failed {
        Exit::CheckFailed
    } else if skipped > 0 {
        Exit::Skipped
    } else {
        Exit::Success
    })
}
