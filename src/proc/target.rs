//! Turning what the user typed (pids, process names, a container id, `--all`) into pids.
//!
//! Shared by every subcommand that looks at processes.

use anyhow::{bail, Context};

use super::root::ProcRoot;

/// What to select.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Pids or process names as typed.
    pub specs: Vec<String>,
    /// A container id or unique prefix.
    pub container: Option<String>,
    /// Every process.
    pub all: bool,
}

/// Resolves a selector to pids, ascending and without duplicates.
///
/// A number is a pid (it must exist); anything else is a process name (comm, or the basename of
/// argv[0]) that must match exactly one process.
///
/// # Errors
/// A pid that does not exist, a name matching no process or several, an unknown container.
pub fn resolve(root: &ProcRoot, sel: &Selector) -> anyhow::Result<Vec<i32>> {
    let mut pids = Vec::new();
    if sel.all {
        pids = root
            .pids()
            .with_context(|| format!("read {}", root.path().display()))?;
    }
    for spec in &sel.specs {
        if let Ok(pid) = spec.parse::<i32>() {
            if pid <= 0 || !root.pid_dir(pid).exists() {
                bail!("pid {pid}: no such process");
            }
            pids.push(pid);
        } else {
            pids.push(resolve_name(root, spec)?);
        }
    }
    if let Some(id) = &sel.container {
        bail!("container {id}: container discovery is not built yet");
    }
    pids.sort_unstable();
    pids.dedup();
    Ok(pids)
}

/// The one process whose comm or argv[0] basename is `name`.
fn resolve_name(root: &ProcRoot, name: &str) -> anyhow::Result<i32> {
    let all = root
        .pids()
        .with_context(|| format!("read {}", root.path().display()))?;
    let me = std::process::id() as i32;
    let matches: Vec<i32> = all
        .into_iter()
        .filter(|&pid| pid != me && process_is_named(root, pid, name))
        .collect();
    match matches.as_slice() {
        [] => bail!("no process named {name:?}"),
        [pid] => Ok(*pid),
        many => bail!(
            "process name {name:?} is ambiguous: pids {}",
            many.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn process_is_named(root: &ProcRoot, pid: i32, name: &str) -> bool {
    if let Ok(comm) = std::fs::read(root.pid_path(pid, "comm")) {
        if comm.strip_suffix(b"\n").unwrap_or(&comm) == name.as_bytes() {
            return true;
        }
    }
    if let Ok(cmdline) = std::fs::read(root.pid_path(pid, "cmdline")) {
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let base = argv0.rsplit(|&b| b == b'/').next().unwrap_or_default();
        return !base.is_empty() && base == name.as_bytes();
    }
    false
}
