//! The interface every way of collecting syscalls implements ([`Backend`]), and one trace run
//! over it ([`run`]): a backend runs until its target ends or ksec is interrupted, feeding a
//! [`Sink`] single [`Event`](super::event::Event)s or rows it counted itself, names its tasks
//! ([`TaskNames`]) and says how the run ended ([`Outcome`]). Implemented by the ptrace tracer
//! ([`Ptrace`], an adapter over [`super::tracer::trace`]) and the replay of captured strace runs
//! ([`super::replay`]); the eBPF backend (in-kernel counting, comm from the kernel) fits the same
//! shape. Everything here takes plain values: the command line and the exit are
//! [`crate::cmd::trace`]'s.

use super::counter::{CountOpts, Counter, Wants};
use super::event::{NoNames, Sink, TaskNames};
use super::stats::Report;
use super::tracer::{self, Stop, TracerConfig};
use crate::proc::root::ProcRoot;

pub use super::tracer::{SeccompProgram, Target};

/// How a traced command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    /// It exited with this status.
    Exited(i32),
    /// It was killed by this signal.
    Killed(i32),
}

/// How tracing ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The spawned command's end; None when ksec only attached, or stopped before it ended.
    pub child: Option<ChildEnd>,
    /// The signal that made ksec stop tracing (SIGINT, SIGTERM...), if any.
    pub interrupted: Option<i32>,
    /// Why the command could not be executed (strerror of execve's errno), if it could not.
    pub exec_error: Option<String>,
}

/// A way of collecting a target's syscalls.
pub trait Backend {
    /// The names of the tasks this backend reports, asked for by the counter while it runs
    /// (only when per-process or per-thread tables are asked for).
    fn names(&self) -> Box<dyn TaskNames>;

    /// Runs until the target ends or ksec is interrupted, handing what it sees to `sink`;
    /// problems that do not stop the run (one of several pids cannot be attached) go to `warn`.
    ///
    /// # Errors
    /// The target cannot be started or attached, or collecting fails.
    fn run(
        self: Box<Self>,
        sink: &mut dyn Sink,
        warn: &mut dyn FnMut(String),
    ) -> anyhow::Result<Outcome>;
}

/// What a run counted, and how it ended.
#[derive(Debug)]
pub struct Traced {
    pub report: Report,
    pub outcome: Outcome,
}

/// Runs `backend` into a [`Counter`] keeping the calls `wants` accepts.
///
/// # Errors
/// The backend's (see [`Backend::run`]).
pub fn run(
    backend: Box<dyn Backend>,
    wants: Wants,
    opts: CountOpts,
    warn: &mut dyn FnMut(String),
) -> anyhow::Result<Traced> {
    let names = if opts.per_process || opts.per_thread {
        backend.names()
    } else {
        Box::new(NoNames)
    };
    let mut counter = Counter::new(wants, opts, names);
    let outcome = backend.run(&mut counter, warn)?;
    Ok(Traced {
        report: counter.into_report(),
        outcome,
    })
}

/// Which clock a syscall's time is read from (JSON has both; this one fills the time columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeSource {
    /// CPU time of the calling thread between entry and exit (ksec's default).
    #[default]
    Cpu,
    /// Wall-clock time between entry and exit (`-w`); CPU time is not measured.
    Wall,
}

/// The ptrace backend's configuration: plain values, resolved by the command layer.
#[derive(Debug, Clone)]
pub struct PtraceConfig {
    pub target: Target,
    /// Follow forks, vforks and clones; attach every thread with -p.
    pub follow: bool,
    pub time: TimeSource,
    /// Run tracer and tracees on one CPU (the command layer's `--cpu-placement` choice).
    pub pin: bool,
    /// Block the fatal signals instead of detaching on them (strace's `-I 3`).
    pub block_fatal: bool,
    /// Stop only at the syscalls this program lets through (spawned commands with -f).
    pub seccomp: Option<SeccompProgram>,
}

/// The ptrace tracer as a [`Backend`].
#[derive(Debug)]
pub struct Ptrace {
    cfg: PtraceConfig,
    root: ProcRoot,
}

impl Ptrace {
    /// A ptrace backend naming tasks from the host's /proc.
    pub fn new(cfg: PtraceConfig) -> Self {
        Self {
            cfg,
            root: ProcRoot::default(),
        }
    }
}

/// Task names read from /proc/TID/comm when the counter asks (once per table, and at exec).
#[derive(Debug, Clone)]
pub struct ProcNames(pub ProcRoot);

impl TaskNames for ProcNames {
    fn comm(&mut self, tid: i32) -> Vec<u8> {
        self.0.comm(tid).unwrap_or_default()
    }
}

impl Backend for Ptrace {
    fn names(&self) -> Box<dyn TaskNames> {
        Box::new(ProcNames(self.root.clone()))
    }

    fn run(
        self: Box<Self>,
        sink: &mut dyn Sink,
        warn: &mut dyn FnMut(String),
    ) -> anyhow::Result<Outcome> {
        let PtraceConfig {
            target,
            follow,
            time,
            pin,
            block_fatal,
            seccomp,
        } = self.cfg;
        let cfg = TracerConfig {
            follow,
            cpu_time: time == TimeSource::Cpu,
            pin,
            block_fatal,
        };
        let o = tracer::trace(target, cfg, seccomp, sink, warn)?;
        Ok(Outcome {
            child: match o.child {
                Some(Stop::Exited(code)) => Some(ChildEnd::Exited(code)),
                Some(Stop::Killed(sig)) => Some(ChildEnd::Killed(sig)),
                _ => None,
            },
            interrupted: o.interrupted,
            exec_error: o.exec_error,
        })
    }
}

#[cfg(test)]
mod tests {
    /// The layering rule of issue 9: nothing under src/trace/ sees the command line or picks an
    /// exit (that is [`crate::cmd`]'s job).
    #[test]
    fn trace_does_not_import_the_command_layer() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, found);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for (i, line) in text.lines().enumerate() {
                        // Split so that this file does not match itself.
                        let bad = [
                            concat!("crate::", "cli"),
                            concat!("crate::", "exit"),
                            concat!("clap", "::"),
                        ];
                        if bad.iter().any(|bad| line.contains(bad)) {
                            found.push(format!("{}:{}: {line}", p.display(), i + 1));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/trace"),
            &mut found,
        );
        assert!(found.is_empty(), "{found:#?}");
    }
}
