//! `ksec trace`'s command line, parsed as strace 6.1 parses its own: getopt(3) with `+` (options
//! stop at the first non-option), values attached (`-Scalls`, `-o/dev/null`) or separate
//! (`-S calls`), clusters (`-cfw`), and getopt_long's long options (`--output=FILE`,
//! `--output FILE`, unambiguous prefixes such as `--summary-sort=calls`).
//!
//! Every option strace accepts is accepted: those ksec implements fill [`TraceArgs`]; those that
//! only change per-call output (which ksec does not print yet) are accepted and ignored; those that
//! would change what is counted or how the tracee runs are refused by name
//! (`-k: not supported`). clap cannot express these semantics, so only `ksec trace --help` uses
//! clap's rendering of [`TraceArgs`].
#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::cli::{BackendChoice, CpuPlacement, TraceArgs};
use crate::exit::{Exit, ExitError};

/// The hint strace prints after a usage error.
pub const TRY_HELP: &str = "Try 'ksec trace -h' for more information.";

/// A usage error: exit 1, with strace's "Try ... -h" line after the message.
pub fn usage(msg: impl std::fmt::Display) -> ExitError {
    ExitError::new(Exit::TraceError, format!("{msg}\n{TRY_HELP}"))
}

/// What the command line asks for besides tracing.
#[derive(Debug)]
pub enum Parsed {
    /// Trace with these arguments.
    Trace(Box<TraceArgs>),
    /// `-h` / `--help`.
    Help,
    /// `-V` / `--version`.
    Version,
}

/// An option's identity: strace's short letter, or a long-only name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Short(char),
    Long(&'static str),
}

/// Whether an option takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Has {
    No,
    Required,
    Optional,
}

/// strace 6.1's short options (its getopt string), with whether each takes a value.
const SHORT: &[(char, Has)] = &[
    ('a', Has::Required),
    ('A', Has::No),
    ('b', Has::Required),
    ('c', Has::No),
    ('C', Has::No),
    ('d', Has::No),
    ('D', Has::No),
    ('e', Has::Required),
    ('E', Has::Required),
    ('f', Has::No),
    ('F', Has::No),
    ('h', Has::No),
    ('i', Has::No),
    ('I', Has::Required),
    ('k', Has::No),
    ('n', Has::No),
    ('o', Has::Required),
    ('O', Has::Required),
    ('p', Has::Required),
    ('P', Has::Required),
    ('q', Has::No),
    ('r', Has::No),
    ('s', Has::Required),
    ('S', Has::Required),
    ('t', Has::No),
    ('T', Has::No),
    ('u', Has::Required),
    ('U', Has::Required),
    ('v', Has::No),
    ('V', Has::No),
    ('w', Has::No),
    ('x', Has::No),
    ('X', Has::Required),
    ('y', Has::No),
    ('z', Has::No),
    ('Z', Has::No),
];

/// Long options: strace 6.1's (mapped to their short letter where they have one) and ksec's own.
const LONG: &[(&str, Has, Opt)] = &[
    ("abbrev", Has::Required, Opt::Long("abbrev")),
    (
        "absolute-timestamps",
        Has::Optional,
        Opt::Long("absolute-timestamps"),
    ),
    ("argv0", Has::Required, Opt::Long("argv0")),
    ("attach", Has::Required, Opt::Short('p')),
    ("columns", Has::Required, Opt::Short('a')),
    ("const-print-style", Has::Required, Opt::Short('X')),
    ("daemonize", Has::Optional, Opt::Long("daemonize")),
    ("debug", Has::No, Opt::Short('d')),
    ("decode-fds", Has::Optional, Opt::Long("decode-fds")),
    ("decode-pids", Has::Required, Opt::Long("decode-pids")),
    ("detach-on", Has::Required, Opt::Short('b')),
    ("env", Has::Required, Opt::Short('E')),
    ("failed-only", Has::No, Opt::Short('Z')),
    ("fault", Has::Required, Opt::Long("fault")),
    ("follow-forks", Has::No, Opt::Short('f')),
    ("help", Has::No, Opt::Short('h')),
    ("inject", Has::Required, Opt::Long("inject")),
    ("instruction-pointer", Has::No, Opt::Short('i')),
    ("interruptible", Has::Required, Opt::Short('I')),
    ("kvm", Has::Required, Opt::Long("kvm")),
    ("no-abbrev", Has::No, Opt::Long("no-abbrev")),
    ("output", Has::Required, Opt::Short('o')),
    ("output-append-mode", Has::No, Opt::Short('A')),
    ("output-separately", Has::No, Opt::Long("output-separately")),
    ("quiet", Has::Optional, Opt::Long("quiet")),
    ("raw", Has::Required, Opt::Long("raw")),
    ("read", Has::Required, Opt::Long("read")),
    (
        "relative-timestamps",
        Has::Optional,
        Opt::Long("relative-timestamps"),
    ),
    ("seccomp-bpf", Has::No, Opt::Long("seccomp-bpf")),
    ("signal", Has::Required, Opt::Long("signal")),
    ("stack-traces", Has::No, Opt::Short('k')),
    ("status", Has::Required, Opt::Long("status")),
    ("string-limit", Has::Required, Opt::Short('s')),
    ("strings-in-hex", Has::Optional, Opt::Long("strings-in-hex")),
    ("successful-only", Has::No, Opt::Short('z')),
    ("summary", Has::No, Opt::Short('C')),
    ("summary-columns", Has::Required, Opt::Short('U')),
    ("summary-only", Has::No, Opt::Short('c')),
    ("summary-sort-by", Has::Required, Opt::Short('S')),
    ("summary-syscall-overhead", Has::Required, Opt::Short('O')),
    ("summary-wall-clock", Has::No, Opt::Short('w')),
    ("syscall-number", Has::No, Opt::Short('n')),
    ("syscall-times", Has::Optional, Opt::Long("syscall-times")),
    ("timestamps", Has::Optional, Opt::Long("timestamps")),
    ("tips", Has::Optional, Opt::Long("tips")),
    ("trace", Has::Required, Opt::Long("trace")),
    ("trace-path", Has::Required, Opt::Short('P')),
    ("user", Has::Required, Opt::Short('u')),
    ("verbose", Has::Optional, Opt::Long("verbose")),
    ("version", Has::No, Opt::Short('V')),
    ("write", Has::Required, Opt::Long("write")),
    // ksec's own.
    ("all", Has::No, Opt::Long("all")),
    ("backend", Has::Required, Opt::Long("backend")),
    ("container", Has::Required, Opt::Long("container")),
    ("histogram", Has::No, Opt::Long("histogram")),
    ("interval", Has::Required, Opt::Long("interval")),
    ("ring-size", Has::Required, Opt::Long("ring-size")),
    ("per-container", Has::No, Opt::Long("per-container")),
    ("cpu-placement", Has::Required, Opt::Long("cpu-placement")),
    ("json", Has::No, Opt::Long("json")),
    ("per-process", Has::No, Opt::Long("per-process")),
    ("per-thread", Has::No, Opt::Long("per-thread")),
];

/// Long options that are strace's `-e NAME=VALUE` qualifiers.
const QUALIFIERS: &[&str] = &[
    "trace",
    "abbrev",
    "verbose",
    "raw",
    "signal",
    "read",
    "write",
    "fault",
    "inject",
    "status",
    "quiet",
    "decode-fds",
    "decode-pids",
    "kvm",
];

fn lossy(s: &OsStr) -> String {
    crate::output::sanitize::escape_bytes(s.as_bytes())
}

fn utf8(value: &OsStr, opt: &str) -> Result<String, ExitError> {
    value
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| usage(format!("invalid {opt} argument: '{}'", lossy(value))))
}

/// Finds a long option by exact name or unambiguous prefix, as getopt_long does.
fn find_long(name: &str) -> Result<&'static (&'static str, Has, Opt), ExitError> {
    if let Some(o) = LONG.iter().find(|(n, _, _)| *n == name) {
        return Ok(o);
    }
    let found: Vec<_> = LONG
        .iter()
        .filter(|(n, _, _)| n.starts_with(name))
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(usage(format!(
            "unrecognized option '--{}'",
            crate::output::sanitize::escape_bytes(name.as_bytes())
        ))),
        _ => Err(usage(format!(
            "option '--{}' is ambiguous",
            crate::output::sanitize::escape_bytes(name.as_bytes())
        ))),
    }
}

/// Parses the arguments after `trace`.
///
/// # Errors
/// strace's usage errors (exit 1, with the "Try 'ksec trace -h'" line): an unknown option, a
/// missing value, an option ksec does not support, a bad value that strace checks while parsing.
pub fn parse(argv: &[OsString]) -> Result<Parsed, ExitError> {
    let mut st = State::default();
    let mut i = 0;
    while i < argv.len() {
        let arg = argv[i].as_bytes();
        i += 1;
        if arg == b"--" {
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            // `+` in strace's optstring: the first non-option starts the command.
            i -= 1;
            break;
        }
        if let Some(rest) = arg.strip_prefix(b"--") {
            let rest = std::str::from_utf8(rest).map_err(|_| {
                usage(format!(
                    "unrecognized option '{}'",
                    crate::output::sanitize::escape_bytes(arg)
                ))
            })?;
            let (name, attached) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(OsString::from(v))),
                None => (rest, None),
            };
            let (full, has, opt) = *find_long(name)?;
            let value = match (has, attached) {
                (Has::No, Some(_)) => {
                    return Err(usage(format!(
                        "option '--{full}' doesn't allow an argument"
                    )))
                }
                (Has::No, None) | (Has::Optional, None) => None,
                (_, Some(v)) => Some(v),
                (Has::Required, None) => match argv.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(usage(format!("option '--{full}' requires an argument"))),
                },
            };
            if let Some(done) = st.apply(opt, value, Some(full))? {
                return Ok(done);
            }
            continue;
        }
        // A cluster of short options: `-cfw`, `-Scalls`, `-cSname`.
        let mut j = 1;
        while j < arg.len() {
            let c = arg[j] as char;
            j += 1;
            let Some(&(_, has)) = SHORT.iter().find(|(s, _)| *s == c) else {
                let shown = crate::output::sanitize::escape_bytes(&arg[j - 1..j]);
                return Err(usage(format!("invalid option -- '{shown}'")));
            };
            let value = if has == Has::Required {
                let v = if j < arg.len() {
                    OsStr::from_bytes(&arg[j..]).to_os_string()
                } else if let Some(v) = argv.get(i) {
                    i += 1;
                    v.clone()
                } else {
                    return Err(usage(format!("option requires an argument -- '{c}'")));
                };
                j = arg.len();
                Some(v)
            } else {
                None
            };
            if let Some(done) = st.apply(Opt::Short(c), value, None)? {
                return Ok(done);
            }
        }
    }
    st.args.command = argv[i..].to_vec();
    st.finish()
}

struct State {
    args: TraceArgs,
    /// How often -f was given (-ff is strace's --output-separately).
    follow: u32,
    /// -C (--summary).
    summary_with_calls: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            args: TraceArgs {
                summary: false,
                wall_clock: false,
                follow_forks: false,
                pids: Vec::new(),
                container: None,
                sort_by: None,
                columns: None,
                output: None,
                overhead: None,
                expr: Vec::new(),
                trace: Vec::new(),
                per_process: false,
                per_thread: false,
                json: false,
                cpu_placement: CpuPlacement::Auto,
                seccomp_bpf: false,
                backend: BackendChoice::Auto,
                all: false,
                per_container: false,
                histogram: false,
                interval: None,
                ring_size: None,
                quiet: 0,
                summary_with_calls: false,
                string_limit: None,
                verbose: false,
                hex: 0,
                hex_chars: false,
                decode_fds: 0,
                syscall_times: false,
                timestamps: 0,
                relative: false,
                successful_only: false,
                failed_only: false,
                output_separately: false,
                align: None,
                command: Vec::new(),
            },
            follow: 0,
            summary_with_calls: false,
        }
    }
}

impl State {
    /// Applies one option; `Some` ends parsing (help, version).
    fn apply(
        &mut self,
        opt: Opt,
        value: Option<OsString>,
        long: Option<&str>,
    ) -> Result<Option<Parsed>, ExitError> {
        let a = &mut self.args;
        let name = |c: char| match long {
            Some(l) => format!("--{l}"),
            None => format!("-{c}"),
        };
        let not_supported =
            |shown: String| -> ExitError { usage(format!("{shown}: not supported by ksec trace")) };
        let v = |what: &str| -> Result<String, ExitError> {
            utf8(value.as_deref().unwrap_or_default(), what)
        };
        match opt {
            Opt::Short('h') => return Ok(Some(Parsed::Help)),
            Opt::Short('V') => return Ok(Some(Parsed::Version)),
            Opt::Short('c') => a.summary = true,
            Opt::Short('C') => {
                self.summary_with_calls = true;
                a.summary_with_calls = true;
            }
            Opt::Short('w') => a.wall_clock = true,
            Opt::Short('f') => {
                self.follow += 1;
                a.follow_forks = true;
            }
            Opt::Long("output-separately") => {
                self.follow = self.follow.max(2);
                a.follow_forks = true;
            }
            Opt::Short('p') => a.pids.push(v("-p")?),
            Opt::Short('S') => {
                let key = v("-S")?;
                // strace checks the key while parsing: before a missing command is noticed.
                crate::trace::summary::parse_sort_key(&key).map_err(usage)?;
                a.sort_by = Some(key);
            }
            Opt::Short('U') => {
                let cols = v("-U")?;
                crate::trace::summary::parse_columns(&cols).map_err(usage)?;
                a.columns = Some(cols);
            }
            Opt::Short('O') => {
                let o = v("-O")?;
                crate::trace::summary::parse_overhead(&o).map_err(usage)?;
                a.overhead = Some(o);
            }
            Opt::Short('o') => a.output = value.map(PathBuf::from),
            Opt::Short('e') => a.expr.push(v("-e")?),
            Opt::Long(q) if QUALIFIERS.contains(&q) => {
                // `--trace=SET` is `-e trace=SET`; given in order, so the last one wins.
                let set = match &value {
                    Some(_) => v(&format!("--{q}"))?,
                    None => "all".to_string(),
                };
                a.expr.push(format!("{q}={set}"));
            }
            Opt::Long("container") => a.container = Some(v("--container")?),
            Opt::Long("cpu-placement") => {
                let p = v("--cpu-placement")?;
                a.cpu_placement = match p.as_str() {
                    "auto" => CpuPlacement::Auto,
                    "same" => CpuPlacement::Same,
                    "off" => CpuPlacement::Off,
                    _ => {
                        return Err(usage(format!(
                            "invalid --cpu-placement argument: '{}' (auto, same, off)",
                            crate::output::sanitize::escape_bytes(p.as_bytes())
                        )))
                    }
                }
            }
            Opt::Long("json") => a.json = true,
            Opt::Long("backend") => {
                let b = v("--backend")?;
                a.backend = match b.as_str() {
                    "auto" => BackendChoice::Auto,
                    "ptrace" => BackendChoice::Ptrace,
                    "ebpf" => BackendChoice::Ebpf,
                    _ => {
                        return Err(usage(format!(
                            "invalid --backend argument: '{}' (auto, ptrace, ebpf)",
                            lossy(b.as_ref())
                        )))
                    }
                }
            }
            Opt::Long("all") => a.all = true,
            Opt::Long("per-container") => a.per_container = true,
            Opt::Long("histogram") => a.histogram = true,
            Opt::Long("interval") => a.interval = Some(v("--interval")?),
            Opt::Long("ring-size") => a.ring_size = Some(v("--ring-size")?),
            Opt::Long("per-process") => a.per_process = true,
            Opt::Long("per-thread") => a.per_thread = true,
            Opt::Long("seccomp-bpf") => a.seccomp_bpf = true,
            // Per-call output options.
            Opt::Short('a') => {
                let n = v("-a")?;
                a.align =
                    Some(n.parse::<usize>().map_err(|_| {
                        usage(format!("invalid -a argument: '{}'", lossy(n.as_ref())))
                    })?);
            }
            Opt::Short('s') => {
                let n = v("-s")?;
                a.string_limit =
                    Some(n.parse::<usize>().map_err(|_| {
                        usage(format!("invalid -s argument: '{}'", lossy(n.as_ref())))
                    })?);
            }
            Opt::Short('X') => {
                let s = v("-X")?;
                if !["raw", "abbrev", "verbose"].contains(&s.as_str()) {
                    return Err(usage(format!(
                        "invalid -X argument: '{}'",
                        lossy(s.as_ref())
                    )));
                }
                if s != "abbrev" {
                    return Err(not_supported(format!("-X {s}")));
                }
            }
            Opt::Short('q') => a.quiet = a.quiet.saturating_add(1),
            Opt::Short('v') => a.verbose = true,
            Opt::Long("no-abbrev") => a.verbose = true,
            Opt::Short('x') => a.hex = a.hex.saturating_add(1),
            Opt::Short('y') => a.decode_fds = a.decode_fds.saturating_add(1),
            Opt::Short('T') => a.syscall_times = true,
            Opt::Short('t') => a.timestamps = a.timestamps.saturating_add(1),
            Opt::Short('r') => a.relative = true,
            Opt::Short('z') => a.successful_only = true,
            Opt::Short('Z') => a.failed_only = true,
            Opt::Short('d') => {}
            Opt::Long("strings-in-hex") => match value.as_deref().map(|v| v.to_string_lossy()) {
                None => a.hex = 2,
                Some(w) => match w.as_ref() {
                    "all" => a.hex = 2,
                    "non-ascii" => a.hex = 1,
                    "non-ascii-chars" => a.hex_chars = true,
                    "none" => a.hex = 0,
                    _ => {
                        return Err(usage(format!(
                            "invalid --strings-in-hex argument: '{}'",
                            lossy(w.as_ref().as_ref())
                        )))
                    }
                },
            },
            Opt::Long("syscall-times") => a.syscall_times = true,
            Opt::Long("relative-timestamps") => a.relative = true,
            Opt::Long("absolute-timestamps" | "timestamps") => {
                a.timestamps = match value.as_deref().map(|v| v.to_string_lossy()) {
                    None => 1,
                    Some(w) => match w.as_ref() {
                        "time" | "format:time" => 1,
                        "us" | "precision:us" => 2,
                        "unix" | "format:unix" => 3,
                        _ => return Err(not_supported(format!("--timestamps={w}"))),
                    },
                }
            }
            Opt::Long("tips") => {}
            // Options that change what is counted or how tracees run: refused by name.
            Opt::Short(c @ ('A' | 'b' | 'D' | 'E' | 'F' | 'I' | 'i' | 'k' | 'n' | 'P' | 'u')) => {
                return Err(not_supported(name(c)));
            }
            Opt::Long(l) => return Err(not_supported(format!("--{l}"))),
            Opt::Short(c) => return Err(not_supported(name(c))),
        }
        Ok(None)
    }

    /// strace's checks of option combinations.
    fn finish(mut self) -> Result<Parsed, ExitError> {
        if self.args.summary && self.summary_with_calls {
            return Err(usage(
                "-c/--summary-only and -C/--summary are mutually exclusive",
            ));
        }
        if self.follow >= 2 && (self.args.summary || self.summary_with_calls) {
            return Err(usage(
                "(-c/--summary-only or -C/--summary) and -ff/--output-separately are mutually exclusive",
            ));
        }
        if self.follow >= 2 {
            if self.args.output.is_none() {
                // strace: -ff without -o FILE is the same as a single -f.
            } else {
                self.args.output_separately = true;
            }
        }
        Ok(Parsed::Trace(Box::new(self.args)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<TraceArgs, String> {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        match parse(&v) {
            Ok(Parsed::Trace(a)) => Ok(*a),
            Ok(other) => Err(format!("{other:?}")),
            Err(e) => Err(e.msg),
        }
    }

    #[test]
    fn attached_values_and_clusters() {
        let a = p(&[
            "-cfw",
            "-Scalls",
            "-O1",
            "-o/dev/null",
            "-p123",
            "-Ucalls,name",
            "true",
        ])
        .unwrap();
        assert!(a.summary && a.follow_forks && a.wall_clock);
        assert_eq!(a.sort_by.as_deref(), Some("calls"));
        assert_eq!(a.overhead.as_deref(), Some("1"));
        assert_eq!(a.output, Some(PathBuf::from("/dev/null")));
        assert_eq!(a.pids, ["123"]);
        assert_eq!(a.columns.as_deref(), Some("calls,name"));
        assert_eq!(a.command, [OsString::from("true")]);
        let a = p(&["-cSname", "-etrace=open", "-echdir", "--", "ls", "-l"]).unwrap();
        assert_eq!(a.sort_by.as_deref(), Some("name"));
        assert_eq!(a.expr, ["trace=open", "chdir"]);
        assert_eq!(a.command, [OsString::from("ls"), OsString::from("-l")]);
    }

    #[test]
    fn options_stop_at_the_command() {
        let a = p(&["-c", "ls", "-S", "bogus"]).unwrap();
        assert_eq!(a.command.len(), 3);
        assert!(a.sort_by.is_none());
    }

    #[test]
    fn long_options_and_prefixes() {
        let a = p(&[
            "--summary-only",
            "--summary-sort=calls",
            "--output",
            "x",
            "--trace=read",
        ])
        .unwrap();
        assert!(a.summary);
        assert_eq!(a.sort_by.as_deref(), Some("calls"));
        assert_eq!(a.output, Some(PathBuf::from("x")));
        let a = p(&["-e", "trace=read", "--trace=close", "true"]).unwrap();
        assert_eq!(a.expr, ["trace=read", "trace=close"]);
        assert_eq!(
            p(&["--summ"]).unwrap_err(),
            format!("option '--summ' is ambiguous\n{TRY_HELP}")
        );
        assert_eq!(
            p(&["--bogus"]).unwrap_err(),
            format!("unrecognized option '--bogus'\n{TRY_HELP}")
        );
    }

    #[test]
    fn strace_options_are_accepted_or_refused_by_name() {
        assert!(
            p(&["-c", "-q", "-qq", "-a", "3", "-v", "-s100", "-xx", "-yy", "-T", "true"]).is_ok()
        );
        assert_eq!(
            p(&["-c", "-k", "true"]).unwrap_err(),
            format!("-k: not supported by ksec trace\n{TRY_HELP}")
        );
        assert_eq!(
            p(&["-c", "-C", "true"]).unwrap_err(),
            format!("-c/--summary-only and -C/--summary are mutually exclusive\n{TRY_HELP}")
        );
        assert_eq!(
            p(&["-c", "-Sfoo"]).unwrap_err(),
            format!("invalid sortby: 'foo'\n{TRY_HELP}")
        );
        assert_eq!(
            p(&["-j"]).unwrap_err(),
            format!("invalid option -- 'j'\n{TRY_HELP}")
        );
        assert_eq!(
            p(&["-c", "-o"]).unwrap_err(),
            format!("option requires an argument -- 'o'\n{TRY_HELP}")
        );
    }
}
