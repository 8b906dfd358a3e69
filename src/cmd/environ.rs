//! `ksec environ`: a process's environment as the kernel holds it ([`crate::proc::environ`]),
//! in its order, duplicates kept, any byte kept; `--redact` masks values that look secret.
//! Shown as a table on a terminal, as `NAME=VALUE` lines elsewhere (a pipe, a file), or as JSON.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::cli::EnvironArgs;
use crate::exit::{Exit, ExitError};
use crate::output::bytes::Bytes;
use crate::output::json::write_json;
use crate::output::sanitize::escape_bytes;
use crate::output::table::{cell, table, write_table};
use crate::proc::environ::{read_environ, Environ};
use crate::proc::error::ARGS_CAP;
use crate::proc::root::ProcRoot;
use crate::proc::target::resolve_one;
use crate::secret::detectors::is_secret_var;

/// How the environment is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// NAME/VALUE columns, every cell escaped (the default on a terminal).
    Table,
    /// `NAME=VALUE` lines (the default elsewhere); `terminal`: stdout is one, so everything a
    /// terminal could act on is escaped, not only `\` and newlines.
    Lines {
        terminal: bool,
    },
    Json,
}

impl Format {
    /// `--json`, `--table`, `--lines`, else by what stdout is.
    pub fn choose(json: bool, table: bool, lines: bool, stdout_is_terminal: bool) -> Self {
        match (json, table, lines) {
            (true, _, _) => Format::Json,
            (_, true, _) => Format::Table,
            (_, _, true) => Format::Lines {
                terminal: stdout_is_terminal,
            },
            _ if stdout_is_terminal => Format::Table,
            _ => Format::Lines { terminal: false },
        }
    }
}

/// What to show, validated.
#[derive(Debug, Clone)]
pub struct EnvironConfig {
    pub root: ProcRoot,
    pub target: Option<String>,
    pub container: Option<String>,
    /// Only this variable's value.
    pub name: Option<String>,
    pub redact: bool,
    pub format: Format,
}

impl EnvironConfig {
    /// Validates the raw arguments: `PID|NAME [VAR]`, or `--container ID [VAR]`.
    ///
    /// # Errors
    /// Nothing selected, or a pid and a container both given.
    pub fn from_args(args: EnvironArgs) -> anyhow::Result<Self> {
        let terminal = std::io::stdout().is_terminal();
        let format = Format::choose(args.json, args.table, args.lines, terminal);
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
            format,
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

/// `bytes` for a `NAME=VALUE` line: `\` as `\\` and a newline as `\n` (one variable per
/// line, every byte recoverable), the rest as is; on a `terminal`, escaped as for the table.
pub fn line_bytes(bytes: &[u8], terminal: bool) -> Vec<u8> {
    if terminal {
        return escape_bytes(bytes).into_bytes();
    }
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b => out.push(b),
        }
    }
    out
}

/// One `NAME=VALUE` line (`NAME=<redacted>`, or the entry alone when it has no `=`).
fn write_line(out: &mut impl Write, v: &VarRow, terminal: bool) -> std::io::Result<()> {
    out.write_all(&line_bytes(v.name.as_slice(), terminal))?;
    match (&v.value, v.redacted) {
        (_, true) => out.write_all(b"=<redacted>")?,
        (Some(value), false) => {
            out.write_all(b"=")?;
            out.write_all(&line_bytes(value.as_slice(), terminal))?;
        }
        (None, false) => {}
    }
    out.write_all(b"\n")
}

/// Writes the table, the lines or JSON. In lines, that the environment was cut is said on
/// stderr (`note`), so that stdout holds only variables.
///
/// # Errors
/// Writing fails.
pub fn render(
    out: &mut impl Write,
    note: &mut impl Write,
    format: Format,
    env: &ProcessEnviron,
) -> std::io::Result<()> {
    let terminal = match format {
        Format::Json => return write_json(out, env),
        Format::Lines { terminal } => terminal,
        Format::Table => return render_table(out, env),
    };
    for v in &env.vars {
        write_line(out, v, terminal)?;
    }
    if env.truncated {
        writeln!(
            note,
            "ksec: pid {} ({}): environment longer than {ARGS_CAP} bytes: cut there, the rest not read",
            env.pid,
            env.comm.escaped()
        )?;
    }
    Ok(())
}

fn render_table(out: &mut impl Write, env: &ProcessEnviron) -> std::io::Result<()> {
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
        None => {
            // Everything written before the note, so it comes last in a shared terminal.
            let mut buf = Vec::new();
            let mut note = Vec::new();
            render(&mut buf, &mut note, cfg.format, &env)?;
            out.write_all(&buf)?;
            out.flush()?;
            std::io::stderr().lock().write_all(&note)?;
        }
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
            match (cfg.format, &var.value) {
                (Format::Json, _) => write_json(&mut out, var)?,
                // In a pipe, as printenv but one line: the bytes, `\` and newlines escaped.
                (Format::Lines { terminal: false }, Some(value)) if !var.redacted => {
                    out.write_all(&line_bytes(value.as_slice(), false))?;
                    out.write_all(b"\n")?;
                }
                _ => writeln!(out, "{}", value_text(var, true))?,
            }
        }
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> ProcessEnviron {
        let row = |name: &[u8], value: Option<&[u8]>, redacted| VarRow {
            name: Bytes(name.to_vec()),
            value: value.map(|v| Bytes(v.to_vec())),
            redacted,
        };
        ProcessEnviron {
            pid: 42,
            comm: Bytes(b"app".to_vec()),
            vars: vec![
                row(b"PATH", Some(b"/usr/bin"), false),
                row(b"NL", Some(b"one\ntwo\\n"), false),
                row(b"ESC", Some(b"\x1b[31m\xff"), false),
                row(b"NOEQ", None, false),
                row(b"EMPTY", Some(b""), false),
                row(b"API_TOKEN", None, true),
            ],
            truncated: true,
        }
    }

    #[test]
    fn lines_escape_backslashes_and_newlines_only_in_a_pipe() {
        let (mut out, mut note) = (Vec::new(), Vec::new());
        render(
            &mut out,
            &mut note,
            Format::Lines { terminal: false },
            &env(),
        )
        .unwrap();
        assert_eq!(
            out,
            b"PATH=/usr/bin\nNL=one\\ntwo\\\\n\nESC=\x1b[31m\xff\nNOEQ\nEMPTY=\nAPI_TOKEN=<redacted>\n"
        );
        assert_eq!(
            String::from_utf8(note).unwrap(),
            "ksec: pid 42 (app): environment longer than 1048576 bytes: cut there, the rest not read\n"
        );
        let (mut out, mut note) = (Vec::new(), Vec::new());
        render(
            &mut out,
            &mut note,
            Format::Lines { terminal: true },
            &env(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "PATH=/usr/bin\nNL=one\\ntwo\\\\n\nESC=\\x1b[31m\\xff\nNOEQ\nEMPTY=\nAPI_TOKEN=<redacted>\n"
        );
    }

    #[test]
    fn the_format_follows_the_flags_then_the_terminal() {
        assert_eq!(Format::choose(false, false, false, true), Format::Table);
        assert_eq!(
            Format::choose(false, false, false, false),
            Format::Lines { terminal: false }
        );
        assert_eq!(Format::choose(false, true, false, false), Format::Table);
        assert_eq!(
            Format::choose(false, false, true, true),
            Format::Lines { terminal: true }
        );
        assert_eq!(Format::choose(true, false, false, true), Format::Json);
    }
}
