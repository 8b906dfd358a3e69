//! What a trace backend reports: task lifecycle and completed-syscall [`Event`]s, handed to a
//! [`Sink`] (the counter today; the per-call printer later). Backends (the ptrace tracer, the
//! replay of captured runs, later eBPF) produce them; nothing here reads the kernel.

use super::stats::Completed;

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

/// Consumes the tracer's events.
pub trait Sink {
    fn event(&mut self, ev: Event);
}
