//! `ksec environ`: a process's environment as the kernel holds it ([`crate::proc::environ`]),
//! in its order, duplicates kept, any byte kept; `--redact` masks values that look secret.

use std::io::Write;

use serde::Serialize;

use crate::cli::EnvironArgs;
use crate::exit::{Exit, ExitError};
use crate::output::bytes::Bytes;
use crate::output::json::write_json;
use crate::output::table::{cell, table, write_table};
use crate::proc::environ::{read_environ, Environ};
use crate::proc::error::ARGS_CAP;
use crate::proc::root::ProcRoot;
use crate::proc::target::resolve_one;
use crate::secret::detectors::is_secret_var;

/// What to show, validated.
#[derive(Debug, Clone)]
pub struct EnvironConfig {
    pub root: ProcRoot,
    pub target: Option<String>,
    pub container: Option<String>,
    /// Only this variable's value.
    pub name: Option<String>,
    pub redact: bool,
    pub json: bool,
}

impl EnvironConfig {
    /// Validates the raw arguments: `PID|NAME [VAR]`, or `--container ID [VAR]`.
    ///
    /// # Errors
    /// Nothing selected, or a pid and a container both given.
    pub fn from_args(args: EnvironArgs) -> anyhow::Result<Self> {
        let mut pos = args.args.into_iter();
        let (target, name) = if args.container.is_some() {
            let name = pos.next();
            if pos.next().is_some() {
                anyhow::bail!("with --container give only the variable NAME, not a PID too");
            }
            (None, name)
        } else {
            let Some(target) = pos.next() else {
                anyhow::bail!("give a PID|NAME or --container ID");
            };
            (Some(target), pos.next())
        };
        Ok(Self {
            root: super::proc_args::proc_root(&args.proc)?,
            target,
            container: args.container,
            name,
            redact: args.redact,
            json: args.json,
        })
    }
}

/// One variable as reported.
#[derive(Debug, Clone, Serialize)]
pub struct VarRow {
    pub name: Bytes,
    /// `null` when the entry has no `=`, or when redacted.
    pub value: Option<Bytes>,
    /// The value was masked by --redact.
    pub redacted: bool,
}

/// The environment of one process.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessEnviron {
    pub pid: i32,
    pub comm: Bytes,
    pub vars: Vec<VarRow>,
    /// The environment was longer than ksec reads (1 MiB): `vars` are those in its first 1 MiB,
    /// the last one possibly cut.
    pub truncated: bool,
}

/// The report of an environment as read, secret-looking values masked when `redact`.
pub fn report(env: Environ, redact: bool) -> ProcessEnviron {
    let vars = env
        .vars
        .into_iter()
        .map(|v| {
            // One set of rules with grep-secret: the name, or a detector hit in the value.
            let redacted = v
                .value
                .as_deref()
                .is_some_and(|value| redact && is_secret_var(&v.name, value));
            VarRow {
                name: Bytes(v.name),
                value: if redacted { None } else { v.value.map(Bytes) },
                redacted,
            }
        })
        .collect();
    ProcessEnviron {
        pid: env.pid,
        comm: Bytes(env.comm),
        vars,
        truncated: env.truncated,
    }
}

/// The value as shown: whole (one value asked for by name) or cut for a table cell.
fn value_text(v: &VarRow, whole: bool) -> String {
    match (&v.value, v.redacted) {
        (_, true) => "<redacted>".into(),
        (Some(value), false) if whole => value.escaped(),
        (Some(value), false) => cell(value.as_slice()),
        (None, false) => "<no '='>".into(),
    }
}

/// Writes the table or JSON (or, with `name`, the one value).
///
/// # Errors
/// Writing fails.
pub fn render(out: &mut impl Write, json: bool, env: &ProcessEnviron) -> std::io::Result<()> {
    if json {
        return write_json(out, env);
    }
    let mut t = table(&["NAME", "VALUE"]);
    for v in &env.vars {
        t.add_row(vec![cell(v.name.as_slice()), value_text(v, false)]);
    }
    write_table(out, &t)?;
    if env.truncated {
        writeln!(
            out,
            "... environment longer than {ARGS_CAP} bytes: cut there, the rest not read"
        )?;
    }
    Ok(())
}

/// Runs the subcommand.
///
/// # Errors
/// Selection or reading fails; writing fails; the variable is not set (an [`ExitError`] with
/// [`Exit::NotFound`], exit 1 as printenv).
pub fn run(args: EnvironArgs) -> anyhow::Result<Exit> {
    let cfg = EnvironConfig::from_args(args)?;
    let pid = resolve_one(&cfg.root, cfg.target.as_deref(), cfg.container.as_deref())?;
    let env = report(read_environ(&cfg.root, pid)?, cfg.redact);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &cfg.name {
        None => render(&mut out, cfg.json, &env)?,
        Some(name) => {
            // The first match, as getenv(3) returns.
            let Some(var) = env
                .vars
                .iter()
                .find(|v| v.name.as_slice() == name.as_bytes())
            else {
                // Exit 1 as printenv: the search ran and found nothing.
                return Err(ExitError::new(
                    Exit::NotFound,
                    format!("pid {pid}: no variable {name:?} in its environment"),
                )
                .into());
            };
            if cfg.json {
                write_json(&mut out, var)?;
            } else {
                writeln!(out, "{}", value_text(var, true))?;
            }
        }
    }
    Ok(Exit::Success)
}
