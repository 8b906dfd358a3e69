//! `ksec grep-secret`: the command line turned into a [`Config`], the scan, the printers, the
//! one-line summary on stderr (what was skipped, counted by reason), the progress line on a
//! terminal, `-q`'s silence and grep's exit status.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use memchr::memmem;

use crate::cli::{ColorWhen, GrepSecretArgs};
use crate::exit::Exit;
use crate::output::color::{self, When, CLEAR_LINE};
use crate::proc::target::{self, Selector};
use crate::secret::report::{
    code_label, describe, Event, HumanPrinter, JsonPrinter, Printer, Progress,
};
use crate::secret::scan::{Matcher, ScanOpts};
use crate::secret::sources::Stats;
use crate::secret::{self, build_regex, parse_size, Config};

/// How the results are shown (the parts of the command line [`Config`] does not need).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// `-q`: nothing at all.
    pub quiet: bool,
    /// `-v`: each skipped item on stderr.
    pub verbose: bool,
    /// Highlight matches (decided from `--color`, stdout and the environment).
    pub color: bool,
    /// A progress line on stderr (stderr is a terminal and the scan is `--all` or `--memory`).
    pub progress: bool,
}

impl Shown {
    /// Decides from the command line and where stdout and stderr go.
    pub fn new(args: &GrepSecretArgs, stdout_tty: bool, stderr_tty: bool) -> Self {
        let when = match args.color {
            ColorWhen::Auto => When::Auto,
            ColorWhen::Always => When::Always,
            ColorWhen::Never => When::Never,
        };
        Self {
            quiet: args.quiet,
            verbose: args.verbose,
            color: !args.json && color::enabled(when, stdout_tty),
            progress: !args.quiet && stderr_tty && (args.all || args.memory),
        }
    }
}

/// Checks and resolves the command line.
///
/// # Errors
/// An empty or invalid pattern, a bad size, nothing to scan.
pub fn config(args: GrepSecretArgs) -> anyhow::Result<Config> {
    let matcher = match &args.pattern {
        None => {
            if args.regex || args.ignore_case {
                bail!("-E and -i need a PATTERN (without one, the built-in detectors run)");
            }
            Matcher::Detectors(Box::default())
        }
        Some(p) if p.is_empty() => bail!("PATTERN is empty"),
        Some(p) if !args.regex && !args.ignore_case => {
            Matcher::Literal(Box::new(memmem::Finder::new(p.as_bytes()).into_owned()))
        }
        Some(p) => {
            let src = if args.regex {
                p.clone()
            } else {
                regex::escape(p)
            };
            Matcher::Regex(
                build_regex(&src, args.ignore_case).with_context(|| format!("PATTERN {p:?}"))?,
            )
        }
    };
    let max_filesize = parse_size(&args.max_filesize)
        .with_context(|| format!("--max-filesize {:?}", args.max_filesize))?;
    let max_memory = parse_size(&args.max_memory)
        .with_context(|| format!("--max-memory {:?}", args.max_memory))?;
    let selector =
        (!args.pids.is_empty() || args.container.is_some() || args.all).then(|| Selector {
            specs: args.pids.clone(),
            container: args.container.clone(),
            all: args.all,
        });
    if selector.is_none() && args.files.is_empty() {
        bail!("nothing to scan: give -p PID|NAME, --container ID, --all or --file PATH");
    }
    let context = args.context.unwrap_or(5);
    let opts = ScanOpts {
        min_len: args.min_len.max(1),
        before: args.before.unwrap_or(context),
        after: args.after.unwrap_or(context),
        ..ScanOpts::default()
    };
    if let Matcher::Literal(f) = &matcher {
        if f.needle().len() > opts.window / 2 {
            bail!("PATTERN is longer than {} bytes", opts.window / 2);
        }
    }
    Ok(Config {
        root: super::proc_args::proc_root(&args.proc)?,
        selector,
        files: args.files,
        matcher,
        opts,
        memory: args.memory,
        max_filesize,
        max_memory,
        redact: args.redact,
        json: args.json,
        fail_on_find: args.fail_on_find,
        own_output: own_output(),
        progress: false,
    })
}

/// (dev, ino) of ksec's stdout and stderr where they are regular files (`> findings.jsonl`), so
/// that the scan never searches them, whoever holds them open (the shell, sudo, timeout).
/// Pipes, terminals and /dev/null are left out: they are never searched anyway, and many
/// processes hold the same terminal or /dev/null.
fn own_output() -> Vec<(u64, u64)> {
    let mut own = Vec::new();
    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        if let Ok(st) = nix::sys::stat::fstat(fd) {
            let key = (st.st_dev, st.st_ino);
            if st.st_mode & libc::S_IFMT == libc::S_IFREG && !own.contains(&key) {
                own.push(key);
            }
        }
    }
    own
}

/// Runs the subcommand: resolve targets, scan, render; exit 0 found, 1 not found, 2 error.
///
/// # Errors
/// A bad command line, unknown processes, or output that cannot be written.
pub fn run(args: GrepSecretArgs) -> anyhow::Result<Exit> {
    let stdout_tty = io::stdout().is_terminal();
    let shown = Shown::new(&args, stdout_tty, io::stderr().is_terminal());
    let mut cfg = config(args)?;
    cfg.progress = shown.progress;
    let pids = match &cfg.selector {
        Some(sel) => target::resolve(&cfg.root, sel)?,
        None => Vec::new(),
    };
    if shown.quiet {
        return quiet(&cfg, &pids);
    }
    let stdout = io::stdout().lock();
    let stderr = io::stderr().lock();
    let printer: Box<dyn Printer> = if cfg.json {
        Box::new(JsonPrinter {
            out: BufWriter::new(stdout),
        })
    } else {
        Box::new(HumanPrinter {
            out: BufWriter::new(stdout),
            err: stderr,
            color: shown.color,
            verbose: shown.verbose,
        })
    };
    let mut printer = ProgressLine::new(printer, shown.progress, io::stderr());
    // What else reaches the terminal the line is on: findings when stdout is that terminal,
    // skipped items with -v (stderr) or in JSON (stdout).
    printer.findings_on_term = stdout_tty;
    printer.skips_on_term = if cfg.json { stdout_tty } else { shown.verbose };
    let scanned = secret::scan(&cfg, &pids, &mut |e| printer.event(&e));
    // The progress line goes whatever happened, before an error is printed.
    printer.clear()?;
    let stats = scanned?;
    printer.flush()?;
    if !cfg.json {
        let mut err = io::stderr().lock();
        writeln!(err, "{}", summary(&stats, pids.len(), shown.verbose))?;
    }
    Ok(exit_code(&stats, cfg.fail_on_find))
}

/// The error a quiet scan's sink returns at the first finding, to stop the scan (grep -q).
#[derive(Debug)]
struct FirstFinding;

impl std::fmt::Display for FirstFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped at the first finding")
    }
}

impl std::error::Error for FirstFinding {}

/// `-q`: scans until the first finding, prints nothing; only the exit status tells.
fn quiet(cfg: &Config, pids: &[i32]) -> anyhow::Result<Exit> {
    let result = secret::scan(cfg, pids, &mut |e| match e {
        Event::Finding(_) => Err(io::Error::other(FirstFinding)),
        Event::Skipped(_) | Event::Progress(_) => Ok(()),
    });
    let stats = match result {
        Ok(stats) => stats,
        Err(e) if e.get_ref().is_some_and(|e| e.is::<FirstFinding>()) => Stats {
            findings: 1,
            ..Stats::default()
        },
        Err(e) => return Err(e.into()),
    };
    Ok(exit_code(&stats, cfg.fail_on_find))
}

/// A printer with, when `on`, a progress line on `term` (stderr, a terminal): redrawn in place
/// (`\r`, then erase to the end of the line) at most every [`ProgressLine::EVERY`], erased
/// before any other output and at the end.
struct ProgressLine<W: Write> {
    inner: Box<dyn Printer>,
    on: bool,
    term: W,
    /// Whether a line is on the screen.
    shown: bool,
    last: Option<Instant>,
    width: usize,
    /// Findings are written to the same terminal: the line is erased before each.
    findings_on_term: bool,
    /// Skipped items are written to the same terminal: the line is erased before each.
    skips_on_term: bool,
}

impl<W: Write> ProgressLine<W> {
    const EVERY: Duration = Duration::from_millis(100);

    fn new(inner: Box<dyn Printer>, on: bool, term: W) -> Self {
        // The terminal's width, so the line never wraps (a wrapped line cannot be redrawn).
        let width = if on {
            comfy_table::Table::new().use_stderr().width()
        } else {
            None
        };
        Self {
            inner,
            on,
            term,
            shown: false,
            last: None,
            findings_on_term: true,
            skips_on_term: true,
            // 0: a terminal whose size nobody set (script(1) without a terminal of its own).
            width: usize::from(width.filter(|w| *w > 0).unwrap_or(80)).max(20),
        }
    }

    fn event(&mut self, e: &Event) -> io::Result<()> {
        match e {
            Event::Progress(p) => {
                if !self.on || self.last.is_some_and(|t| t.elapsed() < Self::EVERY) {
                    return Ok(());
                }
                self.last = Some(Instant::now());
                let line = progress_text(p, self.width - 1);
                write!(self.term, "\r{line}{CLEAR_LINE}")?;
                self.term.flush()?;
                self.shown = true;
                Ok(())
            }
            Event::Finding(_) | Event::Skipped(_) => {
                let on_term = match e {
                    Event::Finding(_) => self.findings_on_term,
                    _ => self.skips_on_term,
                };
                if !(self.on && on_term) {
                    return self.inner.event(e);
                }
                self.clear()?;
                self.inner.event(e)?;
                // Out before the line is drawn (again), so the two never mix on the screen.
                self.inner.flush()
            }
        }
    }

    fn clear(&mut self) -> io::Result<()> {
        if self.shown {
            write!(self.term, "\r{CLEAR_LINE}")?;
            self.term.flush()?;
            self.shown = false;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `ksec: 57/300 pid 1234 (etcd) fd 9 /var/lib/etcd/...: 1234567 bytes searched, 2 finding(s)`,
/// cut to `width` characters.
pub fn progress_text(p: &Progress, width: usize) -> String {
    let tail = format!(
        ": {} searched, {} finding(s)",
        human_bytes(p.bytes),
        p.findings
    );
    let head = format!("ksec: {}/{} ", p.item, p.items);
    // describe() escapes what processes wrote.
    let what = describe(&p.origin);
    let room = width.saturating_sub(head.chars().count() + tail.chars().count());
    let what: String = if what.chars().count() > room {
        let keep = room.saturating_sub(3);
        what.chars().take(keep).chain("...".chars()).collect()
    } else {
        what
    };
    let line = format!("{head}{what}{tail}");
    line.chars().take(width).collect()
}

/// `512 B`, `1.5 KiB`, `12.3 MiB`, `4.0 GiB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// grep's convention: found 0, not found 1, error 2 (an error only counts when nothing was
/// found); `--fail-on-find` swaps found and not found for CI.
pub fn exit_code(stats: &Stats, fail_on_find: bool) -> Exit {
    match (stats.findings > 0, stats.errors > 0, fail_on_find) {
        (true, _, false) => Exit::Success,
        (true, _, true) => Exit::Found,
        (false, true, _) => Exit::Error,
        (false, false, false) => Exit::NotFound,
        (false, false, true) => Exit::Success,
    }
}

/// The closing line on stderr: `ksec: 8 finding(s); 120 process(es), 900 source(s), 12345
/// bytes searched; skipped 397 (380 errors): 380 permission denied, 12 gone, 5 ksec's own
/// output (-v lists them)`. Reasons by count, most first (then by code).
pub fn summary(stats: &Stats, processes: usize, verbose: bool) -> String {
    let mut s = format!(
        "ksec: {} finding(s); {} process(es), {} source(s), {} bytes searched; ",
        stats.findings, processes, stats.sources, stats.bytes
    );
    let total = stats.skipped + stats.errors;
    if total == 0 {
        s.push_str("nothing skipped");
        return s;
    }
    s.push_str(&format!("skipped {total}"));
    if stats.errors > 0 {
        s.push_str(&format!(" ({} error(s))", stats.errors));
    }
    let mut by: Vec<(&str, u64)> = stats.by_code.iter().map(|(c, n)| (*c, *n)).collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = by
        .iter()
        .map(|(code, n)| format!("{n} {}", code_label(code)))
        .collect();
    s.push_str(": ");
    s.push_str(&parts.join(", "));
    if !verbose {
        s.push_str(" (-v lists them)");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::report::{Origin, SourceKind, Why};

    #[test]
    fn summary_counts_skips_by_reason() {
        let mut st = Stats {
            findings: 8,
            sources: 900,
            bytes: 12345,
            ..Stats::default()
        };
        assert_eq!(
            summary(&st, 120, false),
            "ksec: 8 finding(s); 120 process(es), 900 source(s), 12345 bytes searched; nothing skipped"
        );
        let io = |errno, gone| Why::Io {
            op: "open",
            path: "/proc/1/fd/3".into(),
            message: String::new(),
            errno: Some(errno),
            gone,
        };
        let (denied, gone) = (io(libc::EACCES, false), io(libc::ENOENT, true));
        for _ in 0..3 {
            st.count_skip(&denied);
        }
        st.count_skip(&gone);
        st.count_skip(&Why::OwnOutput);
        st.count_skip(&gone);
        assert_eq!(
            summary(&st, 120, false),
            "ksec: 8 finding(s); 120 process(es), 900 source(s), 12345 bytes searched; \
             skipped 6 (3 error(s)): 3 permission denied, 2 gone, 1 ksec's own output (-v lists them)"
        );
        assert!(summary(&st, 120, true).ends_with(", 1 ksec's own output"));
    }

    #[test]
    fn progress_lines_fit_the_terminal() {
        let p = Progress {
            item: 57,
            items: 300,
            origin: Origin {
                pid: Some(1234),
                comm: Some(b"etcd".as_slice().into()),
                source: SourceKind::Fd,
                fd: Some(9),
                path: Some(b"/var/lib/etcd/member/snap/db".as_slice().into()),
                region: None,
            },
            bytes: 3 << 20,
            findings: 2,
        };
        assert_eq!(
            progress_text(&p, 200),
            "ksec: 57/300 pid 1234 (etcd) fd 9 /var/lib/etcd/member/snap/db: 3.0 MiB searched, 2 finding(s)"
        );
        assert_eq!(
            progress_text(&p, 70),
            "ksec: 57/300 pid 1234 (etcd) fd 9 /...: 3.0 MiB searched, 2 finding(s)"
        );
        assert_eq!(progress_text(&p, 70).chars().count(), 70);
        assert_eq!(progress_text(&p, 10), "ksec: 57/3");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn exit_codes() {
        let s = |findings, errors| Stats {
            findings,
            errors,
            ..Stats::default()
        };
        assert_eq!(exit_code(&s(1, 0), false).code(), 0);
        assert_eq!(exit_code(&s(1, 3), false).code(), 0);
        assert_eq!(exit_code(&s(0, 0), false).code(), 1);
        assert_eq!(exit_code(&s(0, 1), false).code(), 2);
        assert_eq!(exit_code(&s(1, 0), true).code(), 1);
        assert_eq!(exit_code(&s(0, 0), true).code(), 0);
        assert_eq!(exit_code(&s(0, 1), true).code(), 2);
    }
}
