//! `ksec audit-log`: the command line made into a [`Filter`] and a mode (every match, `--last`,
//! `--count-by`, `--secrets-leaked`), one [`Scan`] over the log files in time order (then
//! `--follow` on the live one), and the rows, JSON lines or counts printed as they come.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::audit::event::{Event, Parsed};
use crate::audit::filter::{parse_time, CodeMatch, Filter, ResourceMatch};
use crate::audit::policy::Stage;
use crate::audit::query::{resource_column, Counts, Key};
use crate::audit::secrets::{find_leaks, redact, Bodies, Leak};
use crate::audit::{resolve_inputs, At, Problem, Scan};
use crate::cli::AuditLogArgs;
use crate::exit::{Exit, ExitError};
use crate::output::json::write_json;
use crate::output::table::{cell, table, write_table};

/// What to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Every match as it is read.
    Each,
    /// The latest match.
    Last,
    /// Counts per key combination.
    CountBy(Vec<Key>),
}

/// A validated `ksec audit-log`.
#[derive(Debug, Clone)]
pub struct AuditLogConfig {
    pub paths: Vec<PathBuf>,
    pub filter: Filter,
    pub mode: Mode,
    pub secrets_leaked: bool,
    pub follow: bool,
    pub json: bool,
}

impl AuditLogConfig {
    /// Validates the raw arguments.
    ///
    /// # Errors
    /// An unknown stage, code, count-by key or time.
    pub fn from_args(a: AuditLogArgs) -> anyhow::Result<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        for s in &a.stage {
            if Stage::parse(s).is_none() {
                anyhow::bail!(
                    "--stage {s:?}: not a stage (RequestReceived, ResponseStarted, ResponseComplete, Panic)"
                );
            }
        }
        let codes = a
            .code
            .iter()
            .map(|c| CodeMatch::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<u64>> {
            v.as_deref()
                .map(|s| parse_time(s, now).map_err(|e| anyhow::anyhow!("{flag} {e}")))
                .transpose()
        };
        let filter = Filter {
            users: a.user,
            as_authenticated: a.as_authenticated,
            groups: a.group,
            verbs: a.verb,
            resources: a.resource.iter().map(|r| ResourceMatch::parse(r)).collect(),
            namespaces: a.namespace,
            names: a.name,
            stages: a.stage,
            codes,
            since: time("--since", &a.since)?,
            until: time("--until", &a.until)?,
            source_ips: a.source_ip,
            user_agents: a.user_agent,
        };
        let mode = if a.last {
            Mode::Last
        } else if !a.count_by.is_empty() {
            Mode::CountBy(
                a.count_by
                    .iter()
                    .map(|k| Key::parse(k))
                    .collect::<Result<_, _>>()
                    .map_err(anyhow::Error::msg)?,
            )
        } else {
            Mode::Each
        };
        Ok(Self {
            paths: a.paths,
            filter,
            mode,
            secrets_leaked: a.secrets_leaked,
            follow: a.follow,
            json: a.json,
        })
    }
}

/// Runs `ksec audit-log`.
///
/// # Errors
/// No log can be read, or writing the output fails.
pub fn run(args: AuditLogArgs) -> anyhow::Result<Exit> {
    let cfg = AuditLogConfig::from_args(args)?;
    let files = resolve_inputs(&cfg.paths)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 << 10, stdout.lock());
    let mut printer = Printer::new(&cfg);
    let mut malformed_shown = 0u64;
    let mut on_problem = |p: &Problem| {
        if let Problem::Line { .. } = p {
            malformed_shown += 1;
            if malformed_shown > 100 {
                return;
            }
        }
        eprintln!("ksec audit-log: {p}");
    };
    let follow = cfg.follow;
    let mut on_match = |p: &Parsed<'_>, at: At<'_>| -> io::Result<()> {
        printer.event(p, at, &mut out)?;
        if follow {
            out.flush()?;
        }
        Ok(())
    };
    let mut scan = Scan::new(&cfg.filter, &mut on_problem, &mut on_match);
    if cfg.secrets_leaked {
        // Only events with a body can leak one.
        scan.require_any(&["requestObject", "responseObject"]);
    }
    let (read_whole, live) = match (follow, files.split_last()) {
        (true, Some((last, rest))) if last.as_os_str() != "-" => (rest, Some(last.clone())),
        _ => (&files[..], None),
    };
    scan.read_all(read_whole)?;
    if let Some(live) = &live {
        scan.follow(live, &mut || true)
            .with_context(|| format!("follow {}", live.display()))?;
    }
    let stats = scan.stats;
    drop(scan);
    printer.finish(&mut out)?;
    out.flush()?;
    if stats.malformed > 0 {
        eprintln!(
            "ksec audit-log: {} of {} lines were not audit events and were skipped{}",
            stats.malformed,
            stats.lines,
            if stats.malformed > 100 {
                " (the first 100 are listed)"
            } else {
                ""
            }
        );
    }
    if stats.files > 0 && stats.unreadable == stats.files {
        return Err(ExitError::new(Exit::Error, "no audit log could be read").into());
    }
    if stats.files == 0 && stats.unreadable > 0 {
        return Err(ExitError::new(Exit::Error, "no audit log could be read").into());
    }
    Ok(if printer.shown > 0 {
        Exit::Success
    } else {
        Exit::NotFound
    })
}

/// One table row's cells.
fn row(ev: &Event, authenticated: bool) -> Vec<String> {
    let user = if authenticated {
        &ev.user
    } else {
        ev.effective_user()
    };
    let (ns, name) = ev
        .object_ref
        .as_ref()
        .map_or(("", ""), |o| (o.namespace.as_str(), o.name.as_str()));
    let ns_name = match (ns.is_empty(), name.is_empty()) {
        (true, true) => String::new(),
        (true, false) => name.to_string(),
        (false, true) => format!("{ns}/"),
        (false, false) => format!("{ns}/{name}"),
    };
    vec![
        cell(ev.time_str().unwrap_or("").as_bytes()),
        cell(user.username.as_bytes()),
        cell(ev.verb.as_deref().unwrap_or("").as_bytes()),
        cell(resource_column(ev).as_bytes()),
        cell(ns_name.as_bytes()),
        ev.code().map_or(String::new(), |c| c.to_string()),
        cell(ev.stage.as_deref().unwrap_or("").as_bytes()),
    ]
}

const HEADER: [&str; 7] = [
    "TIME",
    "USER",
    "VERB",
    "RESOURCE",
    "NAMESPACE/NAME",
    "CODE",
    "STAGE",
];

/// Columns aligned as rows stream out: each column as wide as the widest cell so far.
struct Streamed {
    widths: Vec<usize>,
    header_done: bool,
}

impl Streamed {
    fn new(header: &[&str]) -> Self {
        // Room for the usual values from the start (a nanosecond time, a service account),
        // so that columns rarely have to grow.
        const MIN: [usize; 7] = [27, 24, 6, 16, 24, 4, 16];
        let level = header.get(5) == Some(&"LEVEL");
        Streamed {
            widths: header
                .iter()
                .zip(MIN)
                .map(|(h, m)| h.len().max(if level && *h == "LEVEL" { 15 } else { m }))
                .collect(),
            header_done: false,
        }
    }

    fn write(&mut self, out: &mut impl Write, cells: &[String]) -> io::Result<()> {
        for (w, c) in self.widths.iter_mut().zip(cells) {
            *w = (*w).max(c.chars().count());
        }
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            line.push_str(c);
            if i + 1 < cells.len() {
                let pad = self.widths[i] - c.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())
    }

    fn header(&mut self, out: &mut impl Write, header: &[&str]) -> io::Result<()> {
        if !self.header_done {
            self.header_done = true;
            let cells: Vec<String> = header.iter().map(|s| s.to_string()).collect();
            self.write(out, &cells)?;
        }
        Ok(())
    }
}

/// One event made ready to print.
enum Rendered {
    Cells(Vec<String>),
    /// A JSON line, newline included.
    Json(Vec<u8>),
}

/// The printer of one run: what mode keeps, and how it is written.
struct Printer {
    mode: Mode,
    json: bool,
    secrets: bool,
    authenticated: bool,
    stream: Streamed,
    /// `--last`: the latest match so far (time, rendered output).
    last: Option<(u64, Rendered)>,
    counts: Counts,
    shown: u64,
}

/// The header with the secrets table's last column.
const SECRETS_HEADER: [&str; 7] = [
    "TIME",
    "USER",
    "VERB",
    "RESOURCE",
    "NAMESPACE/NAME",
    "LEVEL",
    "LEAKED (path: kind, bytes)",
];

impl Printer {
    fn new(cfg: &AuditLogConfig) -> Self {
        let keys = match &cfg.mode {
            Mode::CountBy(k) => k.clone(),
            _ => Vec::new(),
        };
        Printer {
            mode: cfg.mode.clone(),
            json: cfg.json,
            secrets: cfg.secrets_leaked,
            authenticated: cfg.filter.as_authenticated,
            stream: Streamed::new(if cfg.secrets_leaked {
                &SECRETS_HEADER
            } else {
                &HEADER
            }),
            last: None,
            counts: Counts::new(keys, cfg.filter.as_authenticated),
            shown: 0,
        }
    }

    fn header(&self) -> &'static [&'static str] {
        if self.secrets {
            &SECRETS_HEADER
        } else {
            &HEADER
        }
    }

    /// The event rendered (a row or a JSON line); None when --secrets-leaked finds nothing.
    fn render(&mut self, p: &Parsed<'_>, at: At<'_>) -> Option<Rendered> {
        let mut buf = Vec::new();
        if self.secrets {
            let secret_res = p
                .event
                .object_ref
                .as_ref()
                .is_some_and(|o| o.resource == "secrets");
            let bodies: Bodies = serde_json::from_slice(&p.raw).ok()?;
            let leaks = find_leaks(&bodies, secret_res);
            if leaks.is_empty() {
                return None;
            }
            if self.json {
                let mut v: serde_json::Value = serde_json::from_slice(&p.raw).ok()?;
                for k in ["requestObject", "responseObject"] {
                    if let Some(o) = v.get_mut(k) {
                        redact(o, secret_res);
                    }
                }
                let doc = serde_json::json!({
                    "file": at.path.display().to_string(),
                    "line": at.line,
                    "leaks": leaks,
                    "event": v,
                });
                serde_json::to_writer(&mut buf, &doc).ok()?;
                buf.push(b'\n');
                return Some(Rendered::Json(buf));
            }
            let mut cells = row(&p.event, self.authenticated);
            cells[5] = cell(p.event.level.as_deref().unwrap_or("").as_bytes());
            cells[6] = leaks_cell(&leaks);
            return Some(Rendered::Cells(cells));
        }
        if self.json {
            buf.extend_from_slice(&p.raw);
            buf.push(b'\n');
            return Some(Rendered::Json(buf));
        }
        Some(Rendered::Cells(row(&p.event, self.authenticated)))
    }

    fn event(&mut self, p: &Parsed<'_>, at: At<'_>, out: &mut impl Write) -> io::Result<()> {
        match &self.mode {
            Mode::CountBy(_) => {
                if self.secrets && self.render(p, at).is_none() {
                    return Ok(());
                }
                self.counts.add(&p.event);
                self.shown += 1;
            }
            Mode::Last => {
                let t = p.event.time_ns().unwrap_or(0);
                if self.last.as_ref().is_some_and(|(lt, _)| *lt > t) {
                    return Ok(());
                }
                if let Some(r) = self.render(p, at) {
                    self.last = Some((t, r));
                }
            }
            Mode::Each => match self.render(p, at) {
                Some(Rendered::Json(j)) => {
                    out.write_all(&j)?;
                    self.shown += 1;
                }
                Some(Rendered::Cells(c)) => {
                    let h = self.header();
                    self.stream.header(out, h)?;
                    self.stream.write(out, &c)?;
                    self.shown += 1;
                }
                None => {}
            },
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        match &self.mode {
            Mode::Each => Ok(()),
            Mode::Last => match self.last.take() {
                Some((_, Rendered::Json(j))) => {
                    self.shown = 1;
                    out.write_all(&j)
                }
                Some((_, Rendered::Cells(c))) => {
                    self.shown = 1;
                    let mut t = table(self.header());
                    t.add_row(c);
                    write_table(out, &t)
                }
                None => Ok(()),
            },
            Mode::CountBy(keys) => {
                let rows = self.counts.rows();
                if self.json {
                    let docs: Vec<serde_json::Value> = rows
                        .iter()
                        .map(|(vals, n)| {
                            let mut m = serde_json::Map::new();
                            for (k, v) in keys.iter().zip(vals) {
                                m.insert(k.name().into(), serde_json::Value::String(v.clone()));
                            }
                            m.insert("count".into(), (*n).into());
                            serde_json::Value::Object(m)
                        })
                        .collect();
                    return write_json(out, &docs);
                }
                if rows.is_empty() {
                    return Ok(());
                }
                let mut header: Vec<String> =
                    keys.iter().map(|k| k.name().to_uppercase()).collect();
                header.push("COUNT".into());
                let h: Vec<&str> = header.iter().map(String::as_str).collect();
                let mut t = table(&h);
                for (vals, n) in rows {
                    let mut cells: Vec<String> = vals.iter().map(|v| cell(v.as_bytes())).collect();
                    cells.push(n.to_string());
                    t.add_row(cells);
                }
                write_table(out, &t)
            }
        }
    }
}

fn leaks_cell(leaks: &[Leak]) -> String {
    let parts: Vec<String> = leaks
        .iter()
        .map(|l| format!("{}: {}, {} bytes", l.path, l.kind, l.bytes))
        .collect();
    cell(parts.join("; ").as_bytes())
}
