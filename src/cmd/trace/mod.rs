//! `ksec trace`: strace's command line ([`getopt`]) turned into plain configuration (pids,
//! names and containers resolved, the program found, the environment, the `-o` file or pipe, the
//! CPU placement choice, the seccomp program), the backend picked (ptrace) and run through
//! [`crate::trace::backend::run`], the summary written where `-o` says, and ksec's exit as
//! strace's.

pub mod getopt;

use std::ffi::{CString, OsString};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::cli::{CpuPlacement, TraceArgs};
use crate::exit::{Exit, ExitError};
use crate::trace::backend::{self, ChildEnd, Outcome};
use crate::trace::counter::{self, CountOpts};
use crate::trace::ptrace::{Ptrace, Target, TracerConfig};
use crate::trace::{filter, ptrace, seccomp, stats, summary};

/// Parses strace's -p values: each may hold several pids separated by commas or spaces. An item
/// that is not a number is a process name, accepted when exactly one process has it.
///
/// # Errors
/// strace's wording for what is neither: `Invalid process id: 'x'`, with the reason.
pub fn parse_pids(values: &[String]) -> Result<Vec<i32>, ExitError> {
    let mut pids = Vec::new();
    for v in values {
        for item in v.split(|c: char| c == ',' || c.is_ascii_whitespace()) {
            if item.is_empty() {
                continue;
            }
            // A name comes from the command line but may have been copied from a hostile
            // process's comm: escape it before it reaches a terminal.
            let shown = crate::output::sanitize::escape_bytes(item.as_bytes());
            match item.parse::<i32>() {
                Ok(p) if p > 0 => pids.push(p),
                Ok(_) => {
                    return Err(ExitError::new(
                        Exit::TraceError,
                        format!("Invalid process id: '{shown}'"),
                    ))
                }
                Err(_) => {
                    let sel = crate::proc::target::Selector {
                        specs: vec![item.to_string()],
                        ..Default::default()
                    };
                    let root = crate::proc::root::ProcRoot::default();
                    match crate::proc::target::resolve(&root, &sel) {
                        Ok(found) => pids.extend(found),
                        Err(e) => {
                            let why =
                                crate::output::sanitize::escape_bytes(format!("{e:#}").as_bytes());
                            return Err(ExitError::new(
                                Exit::TraceError,
                                format!("Invalid process id: '{shown}' ({why})"),
                            ));
                        }
                    }
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    pids.retain(|p| seen.insert(*p));
    Ok(pids)
}

/// The processes of a container (`--container ID`, a unique prefix is enough).
///
/// # Errors
/// No container, or an ambiguous prefix.
fn container_pids(id: &str) -> anyhow::Result<Vec<i32>> {
    let root = crate::proc::root::ProcRoot::default();
    let (_, pids) = crate::proc::target::container_pids(&root, id)?;
    if pids.is_empty() {
        anyhow::bail!("container {id}: no processes");
    }
    Ok(pids)
}

/// Finds the program as execvp would (PATH search when the name has no slash), failing like
/// strace: `Can't stat 'foo': No such file or directory`.
///
/// # Errors
/// The program does not exist or is not an executable file.
pub fn resolve_program(name: &OsString) -> Result<PathBuf, ExitError> {
    let shown = name.to_string_lossy();
    let candidate = if name.as_bytes().contains(&b'/') {
        Some(PathBuf::from(name))
    } else {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| is_executable_file(p))
    };
    let Some(p) = candidate else {
        return Err(ExitError::new(
            Exit::TraceError,
            format!("Can't stat '{shown}': No such file or directory"),
        ));
    };
    match std::fs::metadata(&p) {
        Err(e) => Err(ExitError::new(
            Exit::TraceError,
            format!("Can't stat '{shown}': {}", errno_text(&e)),
        )),
        // A directory or a file without execute permission is left to execve, as strace does:
        // the traced child's failed execve is counted and reported as `exec: Permission denied`.
        Ok(_) => Ok(p),
    }
}

/// `-o |cmd` or `-o !cmd`.
fn is_pipe_spec(path: &Path) -> bool {
    matches!(path.as_os_str().as_bytes().first(), Some(b'|' | b'!'))
}

fn errno_text(e: &std::io::Error) -> String {
    e.raw_os_error()
        .map(|n| nix::errno::Errno::from_raw(n).desc().to_string())
        .unwrap_or_else(|| e.to_string())
}

fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn cstring(bytes: Vec<u8>, what: &str) -> Result<CString, ExitError> {
    CString::new(bytes)
        .map_err(|_| ExitError::new(Exit::TraceError, format!("{what} contains a NUL byte")))
}

/// Runs `ksec trace`.
///
/// # Errors
/// Invalid arguments, a command that cannot be started, no pid that could be attached.
pub fn run(args: TraceArgs) -> anyhow::Result<Exit> {
    // strace checks the summary options before it looks at pids and the command.
    let render = summary_config(&args)?;
    let mut pids = parse_pids(&args.pids)?;
    if pids.contains(&(std::process::id() as i32)) {
        // strace's words for tracing itself.
        return Err(ExitError::new(
            Exit::TraceError,
            "I'm sorry, I can't let you do that, Dave.",
        )
        .into());
    }
    if let Some(id) = &args.container {
        for p in container_pids(id)? {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
    }
    let target = match (pids.is_empty(), args.command.is_empty()) {
        (true, true) => {
            return Err(getopt::usage("must have PROG [ARGS] or -p PID").into());
        }
        (false, true) => Target::Attach(pids),
        (_, false) => {
            let path = resolve_program(&args.command[0])?;
            let argv = args
                .command
                .iter()
                .map(|a| cstring(a.clone().into_vec(), "an argument"))
                .collect::<Result<Vec<_>, _>>()?;
            let envp = std::env::vars_os()
                .map(|(k, v)| {
                    let mut kv = k.into_vec();
                    kv.push(b'=');
                    kv.extend_from_slice(v.as_bytes());
                    cstring(kv, "the environment")
                })
                .collect::<Result<Vec<_>, _>>()?;
            Target::Spawn {
                path: cstring(path.into_os_string().into_vec(), "the program path")?,
                argv,
                envp,
                also: pids,
            }
        }
    };
    let mut piped: Option<std::process::Child> = None;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) if is_pipe_spec(path) => {
            // strace's `-o |cmd` and `-o !cmd`: the output goes to `sh -c cmd`.
            let cmd = OsString::from(std::ffi::OsStr::from_bytes(
                &path.as_os_str().as_bytes()[1..],
            ));
            let mut child = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(&cmd)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| {
                    ExitError::new(
                        Exit::TraceError,
                        format!(
                            "Can't popen '{}': {}",
                            crate::output::sanitize::escape_bytes(cmd.as_bytes()),
                            errno_text(&e)
                        ),
                    )
                })?;
            let stdin = child.stdin.take().expect("piped stdin");
            piped = Some(child);
            Box::new(std::io::BufWriter::new(stdin))
        }
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| {
                ExitError::new(
                    Exit::TraceError,
                    format!("Can't fopen '{}': {}", path.display(), errno_text(&e)),
                )
            })?,
        )),
        None => Box::new(std::io::stderr()),
    };
    let pin = match args.cpu_placement {
        CpuPlacement::Same => true,
        CpuPlacement::Off => false,
        // Not with -p as well: a running service is not pinned unless asked.
        CpuPlacement::Auto => matches!(&target, Target::Spawn { also, .. } if also.is_empty()),
    };
    let seccomp = if args.seccomp_bpf {
        if !args.follow_forks || !matches!(target, Target::Spawn { .. }) {
            eprintln!("ksec trace: --seccomp-bpf needs -f and a command (not -p): disabled");
            None
        } else {
            // With CPU placement, the affinity syscalls must stop too (see placement.rs), even
            // when they are not counted.
            let traced = seccomp::Traced::new(|p| {
                let counted = render.filter.numbers(p).clone();
                match pin {
                    true => counted.union(&crate::trace::syscalls::watched_set(p)),
                    false => counted,
                }
            });
            Some(seccomp::program(&traced))
        }
    } else {
        None
    };
    let block_fatal = args.output.is_some() && matches!(target, Target::Spawn { .. });
    let ptrace = Ptrace {
        target,
        cfg: TracerConfig {
            follow: args.follow_forks,
            cpu_time: !args.wall_clock,
            pin,
            block_fatal,
            proc_root: crate::proc::root::ProcRoot::default(),
        },
        seccomp,
    };
    let count = CountOpts {
        overhead_ns: render.overhead_ns,
        per_process: args.per_process,
        per_thread: args.per_thread,
        wall: args.wall_clock,
    };
    let traced = backend::run(Box::new(ptrace), render.wants, count, &mut |n| {
        if let backend::Notice::Warning(w) = n {
            eprintln!("ksec trace: {w}")
        }
    })
    .map_err(strace_attach_wording)?;
    let (report, outcome) = (traced.report, traced.outcome);
    if let Some(why) = &outcome.exec_error {
        let shown = args.command[0].to_string_lossy();
        // strace's wording (`exec: Permission denied`), then the program it is about.
        eprintln!(
            "ksec trace: exec: {why} ('{}')",
            crate::output::sanitize::escape_bytes(shown.as_bytes())
        );
    }
    render_report(&mut out, &report, &args, &render.opts)?;
    out.flush()?;
    drop(out);
    if let Some(mut child) = piped {
        let _ = child.wait();
    }
    Ok(exit_of(&outcome))
}

/// Root refused by the kernel (pid 1, a protected process) gets strace's words, not advice to
/// become root.
fn strace_attach_wording(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<ptrace::AttachError>() {
        Some(ptrace::AttachError::NotPermitted(pid)) if nix::unistd::geteuid().is_root() => {
            ExitError::new(
                Exit::TraceError,
                format!("attach: ptrace(PTRACE_SEIZE, {pid}): Operation not permitted"),
            )
            .into()
        }
        _ => e,
    }
}

/// ksec's exit: the signal that interrupted tracing, else the command's own end, as strace.
fn exit_of(o: &Outcome) -> Exit {
    use nix::sys::signal::Signal;
    let by_signal = |sig: i32| match Signal::try_from(sig) {
        Ok(s) => Exit::Signal(s),
        Err(_) => Exit::Status(128 + sig),
    };
    if let Some(sig) = o.interrupted {
        return by_signal(sig.as_raw());
    }
    match o.child {
        Some(ChildEnd::Exited(code)) => Exit::Status(code),
        Some(ChildEnd::Killed(sig)) => by_signal(sig.as_raw()),
        None => Exit::Success,
    }
}

struct RenderConfig {
    wants: counter::Wants,
    overhead_ns: u64,
    opts: summary::RenderOpts,
    filter: filter::Filter,
}

fn summary_config(args: &TraceArgs) -> Result<RenderConfig, ExitError> {
    let usage = |msg: String| ExitError::new(Exit::TraceError, msg);
    let mut opts = summary::RenderOpts {
        wall: args.wall_clock,
        ..Default::default()
    };
    if let Some(key) = &args.sort_by {
        opts.sort = summary::parse_sort_key(key).map_err(usage)?;
    }
    if let Some(cols) = &args.columns {
        opts.columns = summary::parse_columns(cols).map_err(usage)?;
    }
    let overhead_ns = match &args.overhead {
        Some(o) => summary::parse_overhead(o).map_err(usage)?,
        None => 0,
    };
    // The counter subtracts -O from the time aggregates; the renderers from the percentiles and
    // histograms (which hold raw durations).
    opts.overhead_ns = overhead_ns;
    let filter = filter::Filter::parse(&args.expr, &args.trace).map_err(usage)?;
    let wanted = filter.clone();
    Ok(RenderConfig {
        wants: Box::new(move |p, nr| wanted.wants(p, nr)),
        filter,
        overhead_ns,
        opts,
    })
}

fn render_report(
    out: &mut dyn Write,
    report: &stats::Report,
    args: &TraceArgs,
    opts: &summary::RenderOpts,
) -> std::io::Result<()> {
    let mut out = out;
    if args.json {
        // The document carries every row's histogram; --histogram adds nothing to it.
        summary::write_json(&mut out, report, opts)
    } else {
        summary::write_text(&mut out, report, opts)?;
        if args.histogram {
            summary::write_histograms(&mut out, report, opts)?;
        }
        Ok(())
    }
}
