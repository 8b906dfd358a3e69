//! `ksec grep-secret`: search what processes hold open, their environment and their memory, for
//! a pattern or for secrets found by built-in detectors. The command line, the printing and the
//! exit status are in [`crate::cmd::grep_secret`].
//!
//! - [`strings`]: printable runs (`strings -n`), the lines and context shown around a match.
//! - [`detectors`]: the built-in detectors (keys, tokens, cards, keyword=value).
//! - [`scan`](mod@scan): the chunked streaming search over anything readable at an offset.
//! - [`sources`]: the I/O: which fds, files and memory regions are read, and how, harmlessly.
//! - [`report`]: findings and skips as data, redaction, and the text and JSON renderers.
#![forbid(unsafe_code)]

pub mod detectors;
pub mod report;
pub mod scan;
pub mod sources;
pub mod strings;

use std::io;
use std::path::PathBuf;

use anyhow::{bail, Context};
use regex::bytes::RegexBuilder;

use crate::proc::root::ProcRoot;
use crate::proc::target::Selector;
use detectors::Detectors;
use report::Event;
use scan::{Matcher, ScanOpts, Scanner};
use sources::{Stats, Walker};

/// The validated configuration of one run (built by [`crate::cmd::grep_secret`]).
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
    /// (dev, ino) of ksec's own stdout and stderr when they are regular files, fstat'd at
    /// start: never searched.
    pub own_output: Vec<(u64, u64)>,
    /// Send [`Event::Progress`] events (for a progress line on a terminal).
    pub progress: bool,
}

/// A byte regex. Unicode mode is off for ASCII patterns (`.` is any byte, `-i` is ASCII), on for
/// patterns with non-ASCII characters (so `-i` folds them).
pub fn build_regex(src: &str, ignore_case: bool) -> Result<regex::bytes::Regex, regex::Error> {
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
    walker.own_output = cfg.own_output.clone();
    // With --all, kernel threads are expected: counted, not listed one by one.
    walker.quiet_kernel_threads = cfg.selector.as_ref().is_some_and(|s| s.all);
    walker.progress = cfg.progress;
    let items = pids.len() + cfg.files.len();
    for (i, &pid) in pids.iter().enumerate() {
        walker.position = (i + 1, items);
        walker.scan_process(&cfg.root, pid, sink)?;
    }
    for (i, f) in cfg.files.iter().enumerate() {
        walker.position = (pids.len() + i + 1, items);
        walker.scan_path(f, sink)?;
    }
    Ok(walker.stats)
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
