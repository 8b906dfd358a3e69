//! The interface every way of collecting syscalls implements ([`Backend`]), and one trace run
//! over it ([`run`]): a backend runs until its target ends or ksec is interrupted, feeding a
//! [`Sink`] single [`Event`](super::event::Event)s or rows it counted itself, names its tasks
//! ([`TaskNames`]) and says how the run ended ([`Outcome`]). Implemented by the ptrace tracer
//! ([`super::ptrace::Ptrace`]) and the replay of captured strace runs
//! ([`super::replay`]); the eBPF backend (in-kernel counting, comm from the kernel) fits the same
//! shape. [`LiveClock`] says when a live summary (`--interval`, SIGUSR1) is due, for every
//! backend alike. Everything here takes plain values: the command line and the exit are
//! [`crate::cmd::trace`]'s.

use std::ffi::CString;
use std::time::{Duration, Instant};

use super::counter::{CountOpts, Counter, LiveOut, Wants};
use super::event::{Live, NoNames, Sink, TaskNames, Tee};
use super::stats::Report;
use crate::sys::signal::{self as sig, Sig};

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
    /// Tracing of task `tid` began (strace's `Process N attached`): a `-p` process, or with -f
    /// every new task (process or thread) followed. Not for the command ksec starts.
    Attached(i32),
    /// Tracing of `-p` process `pid` began with all its `threads` threads (-f, more than one:
    /// strace's `Process N attached with K threads`).
    AttachedThreads { pid: i32, threads: usize },
    /// Tracing of task `tid` ended while it lives on (strace's `Process N detached`): every
    /// task still traced when ksec is interrupted, the command ksec started included.
    Detached(i32),
}

/// When a live summary is due: SIGUSR1 arrived (a cumulative table), or `--interval` elapsed.
///
/// One per run, made by the backend when it starts tracing ([`LiveClock::start`] installs
/// SIGUSR1's handler, so that SIGUSR1 never ends ksec, with or without `--interval`). A backend
/// calls [`LiveClock::due`] each time it wakes up and, for each summary due, first hands the sink
/// everything it counted until then, then calls [`Sink::live`]:
///
/// ```text
/// let mut clock = LiveClock::start(cfg.interval)?;
/// loop {
///     wait for work, at most clock.timeout() (None: block; SIGUSR1 interrupts the wait, EINTR)
///     ... hand over events / counts ...
///     while let Some(what) = clock.due() {
///         sink.counts(&rows_since_last_hand_over);   // an aggregating backend
///         sink.live(what);
///     }
/// }
/// ```
///
/// The final partial interval and the cumulative table at the end are not the backend's
/// business: [`run_live`] renders them when [`Backend::run`] returns.
#[derive(Debug)]
pub struct LiveClock {
    every: Option<Duration>,
    next: Option<Instant>,
}

impl LiveClock {
    /// A clock for summaries every `every` (none: only on SIGUSR1), the first one due `every`
    /// from now; installs SIGUSR1's handler (see [`sig::install_live_handler`]).
    ///
    /// # Errors
    /// The handler cannot be installed.
    pub fn start(every: Option<Duration>) -> anyhow::Result<LiveClock> {
        use anyhow::Context;
        sig::install_live_handler().context("install the SIGUSR1 handler")?;
        Ok(LiveClock {
            every,
            next: every.map(|d| Instant::now() + d),
        })
    }

    /// The summary due now, if any: SIGUSR1 received since the last call gives
    /// [`Live::Cumulative`]; the interval elapsed gives [`Live::Interval`] and starts the next
    /// one. Call it until it returns None: both may be due at once (cumulative first). A late
    /// call does not make intervals pile up: at most one is due, and the next is due one
    /// interval later (or one interval from now when the backend was late by more than that).
    pub fn due(&mut self) -> Option<Live> {
        if sig::take_live_request() {
            return Some(Live::Cumulative);
        }
        let (next, every) = (self.next?, self.every?);
        let now = Instant::now();
        if now < next {
            return None;
        }
        let mut after = next + every;
        if after <= now {
            after = now + every;
        }
        self.next = Some(after);
        Some(Live::Interval)
    }

    /// How long the backend may block before an interval is due; None when no interval is set
    /// (only SIGUSR1, which interrupts a blocking wait, can make a summary due).
    pub fn timeout(&self) -> Option<Duration> {
        self.next
            .map(|n| n.saturating_duration_since(Instant::now()))
    }

    /// When the next interval is due, if one is set.
    pub fn deadline(&self) -> Option<Instant> {
        self.next
    }
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

/// Runs `backend` into a [`Counter`] keeping the calls `wants` accepts (no live tables).
///
/// # Errors
/// The backend's (see [`Backend::run`]).
pub fn run(
    backend: Box<dyn Backend>,
    wants: Wants,
    opts: CountOpts,
    notice: &mut dyn FnMut(Notice),
) -> anyhow::Result<Traced> {
    run_live(backend, wants, opts, None, notice)
}

/// [`run`], with the live tables the backend asks for ([`Sink::live`]) rendered by `live`. With
/// intervals, the last one (the calls since the previous interval, up to the end of tracing) is
/// rendered when the backend returns, so that the interval tables add up to the final one.
///
/// # Errors
/// The backend's (see [`Backend::run`]).
pub fn run_live(
    backend: Box<dyn Backend>,
    wants: Wants,
    opts: CountOpts,
    live: Option<LiveOut>,
    notice: &mut dyn FnMut(Notice),
) -> anyhow::Result<Traced> {
    run_with(backend, wants, opts, live, None, notice)
}

/// [`run_live`], with another sink fed the same run before the counter (the per-call printer).
///
/// # Errors
/// The backend's (see [`Backend::run`]).
pub fn run_with(
    backend: Box<dyn Backend>,
    wants: Wants,
    opts: CountOpts,
    live: Option<LiveOut>,
    also: Option<&mut dyn Sink>,
    notice: &mut dyn FnMut(Notice),
) -> anyhow::Result<Traced> {
    let names = if opts.per_process || opts.per_thread || opts.per_container {
        backend.names()
    } else {
        Box::new(NoNames)
    };
    let intervals = live.as_ref().is_some_and(|l| l.intervals);
    let mut counter = Counter::new(wants, opts, names);
    if let Some(live) = live {
        counter = counter.with_live(live);
    }
    let outcome = match also {
        Some(first) => backend.run(
            &mut Tee {
                first,
                second: &mut counter,
            },
            notice,
        )?,
        None => backend.run(&mut counter, notice)?,
    };
    if intervals {
        counter.live(Live::Interval);
    }
    Ok(Traced {
        report: counter.into_report(),
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SIGUSR1 flag is the process's: these tests take turns.
    static FLAG: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn sigusr1_makes_a_cumulative_table_due_once() {
        let _turn = FLAG.lock().unwrap_or_else(|e| e.into_inner());
        let mut clock = LiveClock::start(None).unwrap();
        assert_eq!(clock.timeout(), None);
        assert_eq!(clock.due(), None);
        nix::sys::signal::raise(sig::LIVE_SIGNAL).unwrap();
        nix::sys::signal::raise(sig::LIVE_SIGNAL).unwrap();
        // ksec is still here, and two signals before a look count once.
        assert_eq!(clock.due(), Some(Live::Cumulative));
        assert_eq!(clock.due(), None);
    }

    #[test]
    fn an_elapsed_interval_is_due_once_and_the_next_one_starts() {
        let _turn = FLAG.lock().unwrap_or_else(|e| e.into_inner());
        let every = Duration::from_millis(5);
        let mut clock = LiveClock::start(Some(every)).unwrap();
        assert!(clock.timeout().is_some_and(|t| t <= every));
        let first = clock.deadline().unwrap();
        // Late by several intervals: one is due, not a pile of them.
        std::thread::sleep(every * 4);
        assert_eq!(clock.due(), Some(Live::Interval));
        assert_eq!(clock.due(), None);
        assert!(clock.deadline().unwrap() >= first + every * 4);
        assert!(clock.timeout().unwrap() <= every);
    }
}
