//! Kubernetes audit logs and audit policies, with no /proc: audit.k8s.io Events read as a
//! stream in constant memory ([`reader`], [`event`]), the queries of `ksec audit-log`
//! ([`filter`], [`query`], [`secrets`]), and the policy model, the API server's evaluation of it
//! and its lint ([`policy`]). [`Scan`] runs one query over a set of files; the command layer
//! ([`crate::cmd::audit_log`], [`crate::cmd::audit_policy`]) prints.
#![forbid(unsafe_code)]

pub mod event;
pub mod filter;
pub mod policy;
pub mod query;
pub mod reader;
pub mod secrets;

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use event::{parse_line, Parsed};
use filter::{Filter, Prefilter};
use reader::{Follower, Line, LineReader, Reopened, MAX_LINE};

/// The default log directory (kube-apiserver's `--audit-log-path` as kubeadm and most
/// distributions set it).
pub const DEFAULT_DIR: &str = "/var/log/kubernetes/audit";

/// A problem met while reading, reported and then skipped.
#[derive(Debug)]
pub enum Problem {
    /// A line that is not an event (`file:line: reason`).
    Line {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// A file that cannot be read (or stopped being readable).
    File { path: PathBuf, error: io::Error },
    /// The followed file was rotated or truncated.
    Reopened { path: PathBuf, how: Reopened },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Line { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
            Problem::File { path, error } => write!(f, "{}: {error}", path.display()),
            Problem::Reopened { path, how } => match how {
                Reopened::Rotated => write!(f, "{}: rotated, reading the new file", path.display()),
                Reopened::Truncated => {
                    write!(f, "{}: truncated, reading from its start", path.display())
                }
            },
        }
    }
}

/// Counts of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub files: u64,
    pub lines: u64,
    /// Lines parsed as events (the others were rejected by the raw-line test).
    pub parsed: u64,
    pub matched: u64,
    /// Lines that are not events, and over-long lines.
    pub malformed: u64,
    /// Files that could not be read.
    pub unreadable: u64,
}

/// Where one matching event was read.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub path: &'a Path,
    pub line: u64,
}

/// The input paths made into the files to read, in time order: a directory gives its log
/// files ([`reader::logs_in_dir`]); `-` is standard input (read where it stands).
///
/// # Errors
/// A directory cannot be listed or a path does not exist; the error names it.
pub fn resolve_inputs(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let args: Vec<PathBuf> = if args.is_empty() {
        vec![PathBuf::from(DEFAULT_DIR)]
    } else {
        args.to_vec()
    };
    let mut files = Vec::new();
    for a in &args {
        if a.as_os_str() == "-" {
            files.push(a.clone());
            continue;
        }
        let md = std::fs::metadata(a).with_context(|| format!("{}", a.display()))?;
        if md.is_dir() {
            let mut logs = reader::logs_in_dir(a)
                .with_context(|| format!("list the logs in {}", a.display()))?;
            if logs.is_empty() {
                anyhow::bail!("{}: no log files (*.log*) in this directory", a.display());
            }
            reader::time_order(&mut logs);
            files.extend(logs);
        } else {
            files.push(a.clone());
        }
    }
    Ok(files)
}

/// One query over a stream: filter, raw-line test, and what to do with each match.
pub struct Scan<'a> {
    pub filter: &'a Filter,
    prefilter: Prefilter,
    pub stats: Stats,
    pub on_problem: &'a mut dyn FnMut(&Problem),
    pub on_match: &'a mut dyn FnMut(&Parsed<'_>, At<'_>) -> io::Result<()>,
}

impl<'a> Scan<'a> {
    pub fn new(
        filter: &'a Filter,
        on_problem: &'a mut dyn FnMut(&Problem),
        on_match: &'a mut dyn FnMut(&Parsed<'_>, At<'_>) -> io::Result<()>,
    ) -> Self {
        Scan {
            filter,
            prefilter: filter.prefilter(),
            stats: Stats::default(),
            on_problem,
            on_match,
        }
    }

    /// Lines must also hold one of `needles` to be parsed (a raw-line test only: `matches`
    /// is not changed).
    pub fn require_any(&mut self, needles: &[&str]) {
        self.prefilter.require_any(needles);
    }

    /// One line of `path`.
    fn line(&mut self, got: Line, buf: &[u8], path: &Path, line: u64) -> io::Result<()> {
        self.stats.lines += 1;
        match got {
            Line::Full => {}
            Line::TooLong(n) => {
                self.stats.malformed += 1;
                (self.on_problem)(&Problem::Line {
                    path: path.to_path_buf(),
                    line,
                    reason: format!("a line of {n} bytes, over the {MAX_LINE}-byte limit: skipped"),
                });
                return Ok(());
            }
            Line::Pending | Line::Eof => return Ok(()),
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            self.stats.lines -= 1;
            return Ok(());
        }
        if !self.prefilter.may_match(buf) {
            return Ok(());
        }
        self.stats.parsed += 1;
        match parse_line(buf) {
            Ok(p) => {
                if self.filter.matches(&p.event) {
                    self.stats.matched += 1;
                    (self.on_match)(&p, At { path, line })?;
                }
            }
            Err(e) => {
                self.stats.malformed += 1;
                (self.on_problem)(&Problem::Line {
                    path: path.to_path_buf(),
                    line,
                    reason: e.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Reads `r` (named `path`) to its end.
    ///
    /// # Errors
    /// Only the match callback's errors (a closed pipe); read errors are reported as problems.
    pub fn read(&mut self, r: impl BufRead, path: &Path) -> io::Result<()> {
        self.stats.files += 1;
        let mut lines = LineReader::new(r, MAX_LINE);
        let mut buf = Vec::with_capacity(64 << 10);
        loop {
            match lines.next_line(&mut buf) {
                Ok(Line::Eof) => return Ok(()),
                Ok(got) => {
                    let n = lines.line_no;
                    self.line(got, &buf, path, n)?;
                }
                Err(error) => {
                    self.stats.unreadable += 1;
                    (self.on_problem)(&Problem::File {
                        path: path.to_path_buf(),
                        error: io::Error::new(
                            error.kind(),
                            format!("after line {}: {error}", lines.line_no),
                        ),
                    });
                    return Ok(());
                }
            }
        }
    }

    /// Reads every file of `paths` in order (`-` is standard input).
    ///
    /// # Errors
    /// The match callback's errors.
    pub fn read_all(&mut self, paths: &[PathBuf]) -> io::Result<()> {
        for p in paths {
            if p.as_os_str() == "-" {
                let stdin = io::stdin();
                self.read(stdin.lock(), Path::new("<stdin>"))?;
                continue;
            }
            match reader::open_log(p) {
                Ok(r) => self.read(r, p)?,
                Err(error) => {
                    self.stats.unreadable += 1;
                    (self.on_problem)(&Problem::File {
                        path: p.clone(),
                        error,
                    });
                }
            }
        }
        Ok(())
    }

    /// Follows `path` from its start (as `tail -F`), across rotation and truncation, until
    /// `keep_going` says stop.
    ///
    /// # Errors
    /// The file cannot be opened; the match callback's errors.
    pub fn follow(&mut self, path: &Path, keep_going: &mut dyn FnMut() -> bool) -> io::Result<()> {
        let mut f = Follower::open(path, false)?;
        self.stats.files += 1;
        let mut buf = Vec::with_capacity(64 << 10);
        loop {
            let mut reopened = None;
            let got = f.next_line(&mut buf, keep_going, &mut |p, how| {
                reopened = Some(Problem::Reopened {
                    path: p.to_path_buf(),
                    how,
                });
            });
            if let Some(p) = reopened.take() {
                (self.on_problem)(&p);
            }
            match got {
                Ok(Some(line)) => {
                    let n = f.line_no();
                    self.line(line, &buf, path, n)?;
                }
                Ok(None) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Rotated away and not yet re-created: wait for it.
                    if !keep_going() {
                        return Ok(());
                    }
                    std::thread::sleep(f.poll);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
