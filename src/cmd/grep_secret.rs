//! `ksec grep-secret`: the command line turned into a [`Config`], the scan, the printers, the
//! one-line summary on stderr and grep's exit status.

use std::io::{self, BufWriter, Write};

use anyhow::{bail, Context};
use memchr::memmem;

use crate::cli::GrepSecretArgs;
use crate::exit::Exit;
use crate::proc::target::{self, Selector};
use crate::secret::report::{HumanPrinter, JsonPrinter, Printer};
use crate::secret::scan::{Matcher, ScanOpts};
use crate::secret::sources::Stats;
use crate::secret::{self, build_regex, parse_size, Config};

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
    let cfg = config(args)?;
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
    let stats = secret::scan(&cfg, &pids, &mut |e| printer.event(&e))?;
    printer.flush()?;
    if !cfg.json {
        summary(&stats, pids.len())?;
    }
    Ok(exit_code(&stats, cfg.fail_on_find))
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
