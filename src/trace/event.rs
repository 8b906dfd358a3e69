//! What a trace backend reports: task lifecycle and completed-syscall [`Event`]s, or counts it
//! aggregated itself ([`TaskCounts`]), handed to a [`Sink`] (the counter today; the per-call
//! printer later); and the names of its tasks ([`TaskNames`]). Backends (the ptrace tracer, the
//! replay of captured runs, later eBPF) produce them; nothing here reads the kernel.

use super::arch::Personality;
use super::stats::{CallStats, Completed};

/// A task lifecycle or syscall event, as the tracer reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A task was seen for the first time.
    NewTask { tid: i32, tgid: i32 },
    /// A completed syscall.
    Syscall {
        tid: i32,
        tgid: i32,
        call: Completed,
    },
    /// A task execed; `former` is its tid before (differs when a non-leader thread execs).
    Exec { tid: i32, former: i32 },
    /// A task is gone.
    Exit { tid: i32 },
}

/// The counters of one syscall of one task, aggregated by the backend (the eBPF backend counts
/// in a kernel map per task and syscall, and hands over the map's rows when tracing ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCounts {
    pub tid: i32,
    pub tgid: i32,
    pub personality: Personality,
    pub nr: u64,
    /// Calls, errors and the time aggregates of the calls; times without any `-O` overhead
    /// subtracted (the consumer does that).
    pub stats: CallStats,
    /// The latency histogram of the calls' measured time (wall with -w, else CPU): (bucket of
    /// [`super::hist::bucket_of`], count); empty when the backend kept none.
    pub hist: Vec<(u16, u64)>,
}

/// A summary the user asked to see while tracing goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Live {
    /// `--interval SECS` elapsed: the calls since the previous interval.
    Interval,
    /// SIGUSR1: everything so far, tracing goes on.
    Cumulative,
}

/// Consumes a backend's output: single events, or rows the backend counted itself.
pub trait Sink {
    /// One event, in the order the backend saw it.
    fn event(&mut self, ev: Event);

    /// Rows of counts the backend aggregated (each row once per task and syscall). A sink that
    /// needs single calls (a per-call printer) cannot use them: the default ignores them, and a
    /// backend that aggregates is only paired with counting sinks.
    fn counts(&mut self, rows: &[TaskCounts]) {
        let _ = rows;
    }

    /// A live summary is due: the backend has handed over everything it counted until now
    /// (events in order, or its aggregated rows since the last hand-over).
    fn live(&mut self, what: Live) {
        let _ = what;
    }
}

/// The command names (comm) of a backend's tasks, asked for only when per-process or
/// per-thread tables are (the ptrace backend reads /proc/TID/comm then, never per syscall; the
/// replay backend knows them from the capture; the eBPF backend gets the kernel's comm with each
/// record).
pub trait TaskNames {
    /// The name task `tid` has now; empty when it cannot be known (the task is gone).
    fn comm(&mut self, tid: i32) -> Vec<u8>;

    /// The id of the container process `tgid` runs in (None: the host, or not known), asked
    /// for once per process, only for `--per-container`.
    fn container(&mut self, tgid: i32) -> Option<String> {
        let _ = tgid;
        None
    }
}

/// Names for a run that asks for none (no per-process or per-thread tables), and for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNames;

impl TaskNames for NoNames {
    fn comm(&mut self, _tid: i32) -> Vec<u8> {
        Vec::new()
    }
}
