//! `ksec grep-secret`: search what processes hold open, their environment and their memory, for
//! a pattern or for secrets found by built-in detectors.
//!
//! - [`strings`]: printable runs (`strings -n`), the lines and context shown around a match.
//! - [`detectors`]: the built-in detectors (keys, tokens, cards, keyword=value).
//! - [`scan`]: the chunked streaming search over anything readable at an offset.
//! - [`maps`]: /proc/PID/maps parsing for `--memory`.
//! - [`sources`]: the I/O: which fds, files and memory regions are read, and how, harmlessly.
//! - [`report`]: findings and skips as data, redaction, and the text and JSON renderers.
#![forbid(unsafe_code)]

pub mod detectors;
pub mod maps;
pub mod report;
pub mod scan;
pub mod sources;
pub mod strings;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use memchr::memmem;
use regex::bytes::RegexBuilder;

use crate::cli::GrepSecretArgs;
use crate::exit::Exit;
use crate::proc::root::ProcRoot;
use crate::proc::target::{self, Selector};
use detectors::Detectors;
use report::{Event, HumanPrinter, JsonPrinter, Printer};
use scan::{Matcher, ScanOpts, Scanner};
use sources::{Stats, Walker};

/// The validated configuration of one run.
pub struct Config {
    pub root: ProcRoot,
    /// Processes to scan, if any were asked for.
    pub selector: Option<Selector>,
    pub files: Vec<PathBuf>,
    pub matcher: Matcher,
    pub opts: ScanOpts,
    pub memory: bool,
    pub max_filesize: u64,
    /// `--max-memory`: the most of one process's memory read with `--memory`.
    pub max_memory: u64,
    pub redact: bool,
    pub json: bool,
    pub fail_on_find: bool,
}

impl Config {
    /// Checks and resolves the command line.
    ///
    /// # Errors
    /// An empty or invalid pattern, a bad size, nothing to scan.
    pub fn from_args(args: GrepSecretArgs) -> anyhow::Result<Self> {
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
                    build_regex(&src, args.ignore_case)
                        .with_context(|| format!("PATTERN {p:?}"))?,
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
        Ok(Self {
            root: ProcRoot::from_args(&args.proc),
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
        })
    }
}

/// A byte regex. Unicode mode is off for ASCII patterns (`.` is any byte, `-i` is ASCII), on for
/// patterns with non-ASCII characters (so `-i` folds them).
fn build_regex(src: &str, ignore_case: bool) -> Result<regex::bytes::Regex, regex::Error> {
    let build = |unicode| {
        RegexBuilder::new(src)
            .unicode(unicode)
            .case_insensitive(ignore_case)
            // `^` and `$` at line breaks; the buffer's own edges are chunk borders, never
            // searched as line starts (see scan.rs).
            .multi_line(true)
            .size_limit(64 << 20)
            .build()
    };
    let unicode = !src.is_ascii();
    build(unicode).or_else(|_| build(!unicode))
}

/// `123`, `64K`, `100M`, `4G`, `1T` (powers of 1024; a trailing `B`/`iB` is accepted).
///
/// # Errors
/// Not a number with an optional known suffix, or too large.
pub fn parse_size(s: &str) -> anyhow::Result<u64> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => bail!("unknown size suffix {c:?} (use K, M, G or T)"),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = num.trim().parse().context("not a size")?;
    n.checked_mul(1 << shift).context("size too large")
}

/// Runs the subcommand: resolve targets, scan, render; exit 0 found, 1 not found, 2 error.
///
/// # Errors
/// A bad command line, unknown processes, or output that cannot be written.
pub fn run(args: GrepSecretArgs) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(args)?;
    let pids = match &cfg.selector {
        Some(sel) => target::resolve(&cfg.root, sel)?,
        None => Vec::new(),
    };
    let stdout = io::stdout().lock();
    let stderr = io::stderr().lock();
    let mut printer: Box<dyn Printer> = if cfg.json {
        Box::new(JsonPrinter {
            out: BufWriter::new(stdout),
        })
    } else {
        Box::new(HumanPrinter {
            out: BufWriter::new(stdout),
            err: stderr,
        })
    };
    let stats = scan(&cfg, &pids, &mut |e| printer.event(&e))?;
    printer.flush()?;
    if !cfg.json {
        summary(&stats, pids.len())?;
    }
    Ok(exit_code(&stats, cfg.fail_on_find))
}

/// Scans `pids` then `cfg.files`, sending every event to `sink`.
///
/// # Errors
/// Only a failing sink.
pub fn scan(
    cfg: &Config,
    pids: &[i32],
    sink: &mut dyn FnMut(Event) -> io::Result<()>,
) -> io::Result<Stats> {
    let redact = cfg.redact.then(Detectors::new);
    let scanner = Scanner::new(cfg.opts.clone());
    let mut walker = Walker::new(
        &cfg.matcher,
        redact.as_ref(),
        scanner,
        cfg.max_filesize,
        cfg.memory,
    );
    walker.max_memory = cfg.max_memory;
    walker.locks_path = cfg.root.path().join("locks");
    // With --all, kernel threads are expected: counted, not listed one by one.
    walker.quiet_kernel_threads = cfg.selector.as_ref().is_some_and(|s| s.all);
    for &pid in pids {
        walker.scan_process(&cfg.root, pid, sink)?;
    }
    for f in &cfg.files {
        walker.scan_path(f, sink)?;
    }
    Ok(walker.stats)
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

fn summary(stats: &Stats, processes: usize) -> io::Result<()> {
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "ksec: {} finding(s); {} process(es), {} source(s), {} bytes searched; {} skipped, {} error(s)",
        stats.findings, processes, stats.sources, stats.bytes, stats.skipped, stats.errors
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("4G").unwrap(), 4 << 30);
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_size("10MB").unwrap(), 10 << 20);
        assert!(parse_size("4X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
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

    #[test]
    fn regex_modes() {
        let re = build_regex("cc=[0-9]+", false).unwrap();
        assert!(re.is_match(b"\xffcc=42"));
        assert!(build_regex("CAF\u{c9}", true)
            .unwrap()
            .is_match("caf\u{e9}".as_bytes()));
        assert!(build_regex(&regex::escape("a.b"), true)
            .unwrap()
            .is_match(b"A.B"));
        assert!(!build_regex(&regex::escape("a.b"), true)
            .unwrap()
            .is_match(b"axb"));
        assert!(build_regex("^cc=[0-9]+$", false)
            .unwrap()
            .is_match(b"x\ncc=42\ny"));
    }
}
