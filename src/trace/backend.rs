//! The interface every way of collecting syscalls implements ([`Backend`]), and one trace run
//! over it ([`run`]): a backend runs until its target ends or ksec is interrupted, feeding a
//! [`Sink`] single [`Event`](super::event::Event)s or rows it counted itself, names its tasks
//! ([`TaskNames`]) and says how the run ended ([`Outcome`]). Implemented by the ptrace tracer
//! ([`super::ptrace::Ptrace`]) and the replay of captured strace runs
//! ([`super::replay`]); the eBPF backend (in-kernel counting, comm from the kernel) fits the same
//! shape. Everything here takes plain values: the command line and the exit are
//! [`crate::cmd::trace`]'s.

use std::ffi::CString;

use super::counter::{CountOpts, Counter, Wants};
use super::event::{NoNames, Sink, TaskNames};
use super::stats::Report;
use crate::sys::signal::Sig;

/// What to trace.
#[derive(Debug, Clone)]
pub enum Target {
    /// Run a command: resolved program path, argv, environment.
    Spawn {
        path: CString,
        argv: Vec<CString>,
        envp: Vec<CString>,
        /// Running processes to attach to as well (strace's `-p PID` with a command).
        also: Vec<i32>,
    },
    /// Attach to running processes.
    Attach(Vec<i32>),
}

/// How a traced command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    /// It exited with this status.
    Exited(i32),
    /// It was killed by this signal.
    Killed(Sig),
}

/// How tracing ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The spawned command's end; None when ksec only attached, or stopped before it ended.
    pub child: Option<ChildEnd>,
    /// The signal that made ksec stop tracing (SIGINT, SIGTERM...), if any.
    pub interrupted: Option<Sig>,
    /// Why the command could not be executed (strerror of execve's errno), if it could not.
    pub exec_error: Option<String>,
}

/// What a backend tells the user while it runs (on stderr, as strace does, unless -q).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A problem that does not stop the run (one of several pids cannot be attached).
    Warning(String),
    /// Tracing of task `tid` began (strace's `Process N attached`).
    Attached(i32),
    /// Tracing of task `tid` ended while it lives on (strace's `Process N detached`).
    Detached(i32),
}

/// A way of collecting a target's syscalls.
pub trait Backend {
    /// The names of the tasks this backend reports, asked for by the counter while it runs
    /// (only when per-process or per-thread tables are asked for).
    fn names(&self) -> Box<dyn TaskNames>;

    /// Runs until the target ends or ksec is interrupted, handing what it sees to `sink`;
    /// problems that do not stop the run and attach/detach news go to `notice`.
    ///
    /// # Errors
    /// The target cannot be started or attached, or collecting fails.
    fn run(
        self: Box<Self>,
        sink: &mut dyn Sink,
        notice: &mut dyn FnMut(Notice),
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
    notice: &mut dyn FnMut(Notice),
) -> anyhow::Result<Traced> {
    let names = if opts.per_process || opts.per_thread {
        backend.names()
    } else {
        Box::new(NoNames)
    };
    let mut counter = Counter::new(wants, opts, names);
    let outcome = backend.run(&mut counter, notice)?;
    Ok(Traced {
        report: counter.into_report(),
        outcome,
    })
}
