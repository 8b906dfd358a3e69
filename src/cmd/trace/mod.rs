//! `ksec trace`: strace's command line ([`getopt`]) turned into plain configuration (pids,
//! names and containers resolved, the program found, the environment, the `-o` file or pipe, the
//! CPU placement choice, the seccomp program), the backend picked (ptrace) and run through
//! [`crate::trace::backend::run_live`], the live tables (`--interval`, SIGUSR1) and the summary
//! written where `-o` says, the attach/detach lines on stderr (unless -q), and ksec's exit as
//! strace's.

pub mod getopt;

use std::cell::{Cell, RefCell};
use std::ffi::{CString, OsString};
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};

use crate::cli::{BackendChoice, CpuPlacement, TraceArgs};
use crate::exit::{Exit, ExitError};
use crate::output::time::utc_timestamp;
use crate::trace::backend::{self, ChildEnd, Outcome};
use crate::trace::counter::{self, CountOpts, LiveOut, LiveTable};
use crate::trace::decode::{self, FdDecode, HexStr};
use crate::trace::event::Live;
use crate::trace::filter::OutputQuals;
use crate::trace::lines::{LineOpts, Output, PidPrefix, Printer, Stamp, Statuses};
use crate::trace::ptrace::{Ptrace, Target, TracerConfig};
use crate::trace::{ebpf, filter, ptrace, seccomp, stats, summary};

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
    let interval = args.interval.as_deref().map(parse_interval).transpose()?;
    // Without -c, each call is printed (strace's default); -C prints the summary after them.
    let per_call = !args.summary;
    let quals =
        filter::output_quals(&args.expr).map_err(|e| ExitError::new(Exit::TraceError, e))?;
    if args.summary
        && quals
            .status
            .as_ref()
            .is_some_and(|(c, neg)| !(c.is_empty() && *neg))
    {
        return Err(getopt::usage(
            "-e status= chooses which calls are printed: not with -c (every call is counted)",
        )
        .into());
    }
    if per_call && interval.is_some() {
        return Err(getopt::usage("--interval needs -c or -C (it prints summaries)").into());
    }
    let mut pids = parse_pids(&args.pids)?;
    if pids.contains(&(std::process::id() as i32)) {
        // strace's words for tracing itself.
        return Err(ExitError::new(
            Exit::TraceError,
            "I'm sorry, I can't let you do that, Dave.",
        )
        .into());
    }
    // `--container` alone: the container's mount namespace, for the eBPF backend (every process
    // of it, also those started later); its pids, for ptrace.
    let mut container_ns = None;
    if let Some(id) = &args.container {
        let cpids = container_pids(id)?;
        if pids.is_empty() && args.command.is_empty() {
            let mut ns: Vec<u32> = cpids
                .iter()
                .filter_map(|&p| {
                    crate::proc::ns::mount_ns(&crate::proc::root::ProcRoot::default(), p)
                })
                .collect();
            ns.sort_unstable();
            ns.dedup();
            container_ns = Some(ns);
        }
        for p in cpids {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
    }
    if args.all && !(pids.is_empty() && args.command.is_empty()) {
        return Err(getopt::usage("--all traces every process: no -p PID or PROG with it").into());
    }
    let target = match (pids.is_empty(), args.command.is_empty()) {
        (true, true) if args.all => Target::Attach(Vec::new()),
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
    if per_call && args.output_separately && args.output.as_ref().is_some_and(|p| is_pipe_spec(p)) {
        return Err(getopt::usage(
            "piping the output and -ff/--output-separately are mutually exclusive",
        )
        .into());
    }
    let mut piped: Option<std::process::Child> = None;
    let out: Box<dyn Write> = match &args.output {
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
        // -ff: each task's own FILE.TID (opened by the printer); the summary has no place.
        Some(_) if per_call && args.output_separately => Box::new(std::io::sink()),
        Some(path) => Box::new(std::io::BufWriter::with_capacity(
            64 << 10,
            std::fs::File::create(path).map_err(|e| {
                ExitError::new(
                    Exit::TraceError,
                    format!("Can't fopen '{}': {}", path.display(), errno_text(&e)),
                )
            })?,
        )),
        // Per-call lines are many small writes: buffered, flushed when the tracer is idle.
        None if per_call => Box::new(std::io::BufWriter::with_capacity(
            64 << 10,
            std::io::stderr(),
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
    // strace: `-o FILE` with a command implies -q (as it implies -I 3, block_fatal above).
    let quiet = args.quiet > 0 || block_fatal;
    if block_fatal {
        // Blocked before the backend loads (an eBPF load takes a while): a Ctrl-C meant for
        // the command must not end ksec in the meantime. The command gets ksec's startup mask.
        use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow};
        let mut set = SigSet::empty();
        for s in ptrace::FATAL_SIGNALS {
            set.add(s);
        }
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None)
            .map_err(|e| ExitError::new(Exit::TraceError, format!("block signals: {e}")))?;
    }
    let lines = per_call.then(|| {
        line_opts(
            &args,
            &quals,
            &render.filter,
            matches!(&target, Target::Attach(p) if p.len() > 1)
                || matches!(&target, Target::Spawn { also, .. } if !also.is_empty()),
        )
    });
    let backend = pick_backend(
        &args,
        target,
        container_ns,
        pin,
        seccomp,
        &render.filter,
        interval,
    )?;
    let count = CountOpts {
        overhead_ns: render.overhead_ns,
        per_process: args.per_process,
        per_thread: args.per_thread,
        per_container: args.per_container,
        wall: args.wall_clock,
    };
    let out = Rc::new(RefCell::new(out));
    // Whether a live table was printed: the final one is headed then too.
    let headed = Rc::new(Cell::new(interval.is_some()));
    let live = LiveOut {
        intervals: interval.is_some(),
        render: {
            let (out, headed, json, opts) =
                (out.clone(), headed.clone(), args.json, render.opts.clone());
            Box::new(move |t: &LiveTable<'_>| {
                headed.set(true);
                let mut out = out.borrow_mut();
                let head = LiveHead::of(t);
                // A write error (a closed pipe) shows again, and is reported, at the final table.
                let _ = write_live(&mut **out, &head, t.report, json, &opts);
                let _ = out.flush();
            })
        },
    };
    let started = Instant::now();
    let mut printer = lines.map(|opts| {
        let output = match (&args.output, args.output_separately) {
            (Some(base), true) => Output::PerTask {
                base: base.clone().into_os_string(),
                files: Default::default(),
            },
            _ => Output::Shared(Box::new(SharedOut(out.clone()))),
        };
        Printer::new(opts, output)
    });
    let notice_out = out.clone();
    let traced = backend::run_with(
        backend,
        render.wants,
        count,
        (!per_call).then_some(live),
        printer
            .as_mut()
            .map(|p| p as &mut dyn crate::trace::event::Sink),
        &mut |n| {
            // Lines already printed come before the notice.
            let _ = notice_out.borrow_mut().flush();
            print_notice(&n, quiet)
        },
    )
    .map_err(strace_attach_wording)?;
    if let Some(p) = printer {
        p.finish()
            .map_err(|e| ExitError::new(Exit::TraceError, format!("writing the trace: {e}")))?;
    }
    let (report, outcome) = (traced.report, traced.outcome);
    if let Some(why) = &outcome.exec_error {
        let shown = args.command[0].to_string_lossy();
        // strace's wording (`exec: Permission denied`), then the program it is about.
        eprintln!(
            "ksec trace: exec: {why} ('{}')",
            crate::output::sanitize::escape_bytes(shown.as_bytes())
        );
    }
    if !per_call || args.summary_with_calls {
        let mut out = out.borrow_mut();
        let out: &mut dyn Write = &mut **out;
        if headed.get() {
            let head = LiveHead {
                kind: "total",
                seq: None,
                covers: started.elapsed(),
                at: SystemTime::now(),
            };
            write_live(out, &head, &report, args.json, &render.opts)?;
        } else {
            render_report(out, &report, &args, &render.opts)?;
        }
        out.flush()?;
    } else {
        out.borrow_mut().flush()?;
    }
    // The counter, and the renderer's handle with it, is gone: this closes a `-o |cmd` pipe.
    drop(notice_out);
    drop(out);
    if let Some(mut child) = piped {
        let _ = child.wait();
    }
    Ok(exit_of(&outcome))
}

/// The backend `--backend` asks for: `ebpf` when it can be loaded, else ptrace under `auto`
/// (ptrace-only options choose ptrace; eBPF-only ones need eBPF).
///
/// # Errors
/// `--backend ebpf` (or an eBPF-only option) and the eBPF backend cannot be had; a ptrace-only
/// option with `--backend ebpf`.
fn pick_backend(
    args: &TraceArgs,
    target: Target,
    container_ns: Option<Vec<u32>>,
    pin: bool,
    seccomp: Option<ptrace::SeccompProgram>,
    filter: &filter::Filter,
    interval: Option<Duration>,
) -> Result<Box<dyn backend::Backend>, ExitError> {
    let fail = |msg: String| ExitError::new(Exit::TraceError, msg);
    let per_call = !args.summary;
    let string_limit = args.string_limit.unwrap_or(32);
    let ptrace_only = match (args.seccomp_bpf, args.cpu_placement) {
        (true, _) => Some("--seccomp-bpf"),
        (_, CpuPlacement::Same) => Some("--cpu-placement=same"),
        _ if per_call && string_limit > ebpf::capture::STRING_LIMIT_MAX => Some("-s above 8190"),
        // -y under eBPF names most fds in the kernel at the call, a few from /proc after the
        // fact (trace::ebpf::fdname): ptrace, exact for all, unless `--backend ebpf`.
        _ if per_call
            && args.decode_fds > 0
            && args.backend == BackendChoice::Auto
            && !args.all =>
        {
            Some("-y with per-call output")
        }
        _ => None,
    };
    let ebpf_only = args
        .all
        .then_some("--all")
        .or(args.ring_size.as_ref().map(|_| "--ring-size"));
    let ring_bytes = match &args.ring_size {
        Some(v) => parse_size(v).ok_or_else(|| {
            fail(format!(
                "--ring-size {v}: not a size in bytes (a power of two of at least 4096, \
                 with an optional K, M or G)"
            ))
        })?,
        None => ebpf::RING_BYTES,
    };
    let want_ebpf = match (args.backend, ptrace_only, ebpf_only) {
        (BackendChoice::Ptrace, _, Some(opt)) => {
            return Err(fail(format!(
                "{opt} needs the eBPF backend, not --backend=ptrace"
            )))
        }
        (BackendChoice::Ebpf, Some(opt), _) => {
            return Err(fail(format!(
                "{opt} needs the ptrace backend, not --backend=ebpf"
            )))
        }
        (_, Some(opt), Some(other)) => {
            return Err(fail(format!(
                "{opt} (ptrace) and {other} (eBPF) cannot be combined"
            )))
        }
        (BackendChoice::Ptrace, _, _) | (BackendChoice::Auto, Some(_), _) => false,
        (BackendChoice::Ebpf, _, _) | (BackendChoice::Auto, None, _) => true,
    };
    let block_fatal = args.output.is_some() && matches!(target, Target::Spawn { .. });
    if want_ebpf {
        // -y, -yy, -e decode-fds=: the kernel names the calls' fds (trace::ebpf::fdname).
        let fd_names = per_call
            && (args.decode_fds > 0
                || filter::output_quals(&args.expr).is_ok_and(|q| q.decode_fds.is_some()));
        let scope = match (args.all, container_ns) {
            (true, _) => ebpf::Scope::All,
            (false, Some(ns)) => ebpf::Scope::MountNs(ns),
            (false, None) => ebpf::Scope::Target(target.clone()),
        };
        let cfg = ebpf::EbpfConfig {
            follow: args.follow_forks,
            per_thread: args.per_thread,
            per_container: args.per_container,
            wall_only: args.wall_clock,
            wanted: (!filter.is_all()).then(|| filter.clone()),
            block_fatal,
            proc_root: crate::proc::root::ProcRoot::default(),
            interval,
            per_call: per_call.then_some(ebpf::PerCall {
                string_limit,
                verbose: args.verbose,
                ring_bytes,
                notices: args.quiet == 0,
                fd_names,
            }),
        };
        match ebpf::Ebpf::load(scope, cfg) {
            Ok(b) => {
                return Ok(Box::new(b));
            }
            Err(e) => {
                if args.backend == BackendChoice::Ebpf || ebpf_only.is_some() {
                    return Err(fail(e.to_string()));
                }
                // auto: ptrace, silently (the user did not ask for eBPF).
            }
        }
    }
    Ok(Box::new(Ptrace {
        target,
        cfg: TracerConfig {
            follow: args.follow_forks,
            cpu_time: !args.wall_clock,
            pin,
            block_fatal,
            proc_root: crate::proc::root::ProcRoot::default(),
            interval,
        },
        seccomp,
    }))
}

/// A size in bytes with an optional K, M or G (powers of 1024) that is a power of two of at
/// least a page: `--ring-size`.
fn parse_size(v: &str) -> Option<u32> {
    let (num, mult) = match v.char_indices().last()? {
        (i, 'K' | 'k') => (&v[..i], 1u64 << 10),
        (i, 'M' | 'm') => (&v[..i], 1 << 20),
        (i, 'G' | 'g') => (&v[..i], 1 << 30),
        _ => (v, 1),
    };
    let n = num.parse::<u64>().ok()?.checked_mul(mult)?;
    (n.is_power_of_two() && n >= 4096)
        .then(|| u32::try_from(n).ok())
        .flatten()
}

/// The shared output (stderr, `-o FILE`, `-o |cmd`) as a writer of its own, for the line
/// printer beside the summary.
struct SharedOut(Rc<RefCell<Box<dyn Write>>>);

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.borrow_mut().write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// The line printer's options from strace's: -s -v -x -y -T -t -r -z -Z -a -q and the `-e
/// signal=`, `status=`, `quiet=`, `decode-fds=` qualifiers. `several`: several tasks are
/// traced from the start (`-p` more than once, or with a command).
fn line_opts(
    args: &TraceArgs,
    quals: &OutputQuals,
    filter: &filter::Filter,
    several: bool,
) -> LineOpts {
    let fds = match (&quals.decode_fds, args.decode_fds) {
        (Some(_), _) => {
            let has = |i| OutputQuals::has(&quals.decode_fds, i, false);
            match (has(0), has(1) || has(2) || has(3)) {
                (_, true) => FdDecode::All,
                (true, false) => FdDecode::Path,
                (false, false) => FdDecode::None,
            }
        }
        (None, 0) => FdDecode::None,
        (None, 1) => FdDecode::Path,
        (None, _) => FdDecode::All,
    };
    let hex = match (args.hex, args.hex_chars) {
        (0, true) => HexStr::NonAsciiChars,
        (0, false) => HexStr::None,
        (1, _) => HexStr::NonAscii,
        _ => HexStr::All,
    };
    let statuses = match (&quals.status, args.successful_only, args.failed_only) {
        (Some(_), _, _) => {
            let has = |i| OutputQuals::has(&quals.status, i, true);
            Statuses {
                successful: has(0),
                failed: has(1),
                unfinished: has(2),
                unavailable: has(3),
                detached: has(4),
            }
        }
        (None, false, false) => Statuses::ALL,
        (None, z, big_z) => Statuses {
            successful: z,
            failed: big_z,
            unfinished: false,
            unavailable: false,
            detached: false,
        },
    };
    let q = |i, level| OutputQuals::has(&quals.quiet, i, args.quiet >= level);
    let signals = quals.signal.clone();
    let wanted = filter.clone();
    let pid_prefix = match (&args.output, args.output_separately) {
        (None, _) => PidPrefix::Dynamic,
        (Some(_), true) => PidPrefix::Never,
        (Some(_), false) if args.follow_forks || several => PidPrefix::Always,
        (Some(_), false) => PidPrefix::Never,
    };
    LineOpts {
        decode: decode::Opts {
            string_limit: args.string_limit.unwrap_or(32),
            verbose: args.verbose,
            hex,
            fds,
        },
        stamp: match args.timestamps {
            0 => Stamp::None,
            1 => Stamp::Secs,
            2 => Stamp::Micros,
            _ => Stamp::Epoch,
        },
        relative: args.relative,
        syscall_times: args.syscall_times,
        statuses,
        quiet_exit: q(1, 2) || q(2, 2),
        quiet_superseded: q(5, 3) || q(6, 3),
        signals: Box::new(move |n| OutputQuals::has(&signals, n as u32, true)),
        wants: Box::new(move |p, nr| wanted.wants(p, nr)),
        pid_prefix,
        json: args.json,
        align: args.align.unwrap_or(40),
        proc_root: crate::proc::root::ProcRoot::default(),
    }
}

/// A backend's notice on stderr, in strace's words; attach/detach lines not with -q.
fn print_notice(n: &backend::Notice, quiet: bool) {
    use backend::Notice;
    match n {
        Notice::Warning(w) => eprintln!("ksec trace: {w}"),
        _ if quiet => {}
        Notice::Attached(tid) => eprintln!("ksec trace: Process {tid} attached"),
        Notice::AttachedThreads { pid, threads } => {
            eprintln!("ksec trace: Process {pid} attached with {threads} threads")
        }
        Notice::Detached(tid) => eprintln!("ksec trace: Process {tid} detached"),
    }
}

/// `--interval SECS`: a decimal number of seconds, at least a millisecond.
///
/// # Errors
/// A usage error naming the value: zero, negative, too small, not a number.
pub fn parse_interval(s: &str) -> Result<Duration, ExitError> {
    let shown = crate::output::sanitize::escape_bytes(s.as_bytes());
    let bad = || {
        getopt::usage(format!(
            "invalid --interval '{shown}': expected a number of seconds, at least 0.001"
        ))
    };
    let secs: f64 = s.trim().parse().map_err(|_| bad())?;
    if !secs.is_finite() || secs < 0.001 {
        return Err(bad());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// What heads a live table (and the final one once live tables were printed).
struct LiveHead {
    /// `interval`, `cumulative` or `total`.
    kind: &'static str,
    /// The interval's or cumulative table's number.
    seq: Option<u64>,
    covers: Duration,
    at: SystemTime,
}

impl LiveHead {
    fn of(t: &LiveTable<'_>) -> LiveHead {
        LiveHead {
            kind: match t.what {
                Live::Interval => "interval",
                Live::Cumulative => "cumulative",
            },
            seq: Some(t.seq),
            covers: t.covers,
            at: t.at,
        }
    }
}

/// A headed table: text, `--- 2026-12-02 05:01:02.345 UTC interval 3 (1.000 s) ---` and the
/// table (nothing more when nothing was counted); JSON, one line: the summary document with
/// `kind`, `seq`, `time` and `seconds` first.
fn write_live(
    out: &mut dyn Write,
    head: &LiveHead,
    report: &stats::Report,
    json: bool,
    opts: &summary::RenderOpts,
) -> std::io::Result<()> {
    let mut out = out;
    let since = match head.kind {
        "interval" => "",
        _ => " since start",
    };
    if json {
        let mut doc = Vec::new();
        summary::write_json(&mut doc, report, opts)?;
        let doc = compact_json(&doc);
        let mut line = format!("{{\"kind\":\"{}\"", head.kind);
        if let Some(n) = head.seq {
            line.push_str(&format!(",\"seq\":{n}"));
        }
        line.push_str(&format!(
            ",\"time\":\"{}\",\"seconds\":{}",
            utc_timestamp(head.at, 'T', "Z"),
            head.covers.as_secs_f64()
        ));
        out.write_all(line.as_bytes())?;
        match doc.strip_prefix(b"{") {
            Some(rest) if rest != b"}" => {
                out.write_all(b",")?;
                out.write_all(rest)?;
            }
            Some(rest) => out.write_all(rest)?,
            None => out.write_all(b"}")?,
        }
        out.write_all(b"\n")
    } else {
        let seq = head.seq.map(|n| format!(" {n}")).unwrap_or_default();
        writeln!(
            out,
            "--- {} {}{seq} ({:.3} s{since}) ---",
            utc_timestamp(head.at, ' ', " UTC"),
            head.kind,
            head.covers.as_secs_f64()
        )?;
        summary::write_text(&mut out, report, opts)
    }
}

/// serde_json's pretty document on one line: the whitespace outside strings dropped (inside
/// them, serde_json escapes every control character, so a document has no raw newline there).
fn compact_json(pretty: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pretty.len());
    let (mut in_str, mut escaped) = (false, false);
    for &b in pretty {
        if in_str {
            out.push(b);
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
        } else if !b.is_ascii_whitespace() {
            in_str = b == b'"';
            out.push(b);
        }
    }
    out
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
        process_list: args.all && args.per_process,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_positive_decimal_seconds() {
        assert_eq!(parse_interval("0.2").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_interval("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_interval("0.001").unwrap(), Duration::from_millis(1));
        for bad in ["0", "-1", "0.0009", "x", "", "NaN", "inf", "1e400", "2s"] {
            assert!(parse_interval(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ring_sizes_are_powers_of_two_of_a_page_or_more() {
        assert_eq!(parse_size("64M"), Some(64 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        for bad in ["", "M", "3000", "2048", "8G", "-4096", "12K"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_is_compacted_outside_strings_only() {
        let pretty = b"{\n  \"a b\": [\n    1,\n    \"x \\\" y\"\n  ]\n}";
        assert_eq!(
            String::from_utf8(compact_json(pretty)).unwrap(),
            r#"{"a b":[1,"x \" y"]}"#
        );
    }
}
