//! What a trace backend reports: task lifecycle and completed-syscall [`Event`]s, or counts it
//! aggregated itself ([`TaskCounts`]), handed to a [`Sink`] (the counter today; the per-call
//! printer later); and the names of its tasks ([`TaskNames`]). Backends (the ptrace tracer, the
//! replay of captured runs, later eBPF) produce them; nothing here reads the kernel.

use super::arch::Personality;
use super::decode::{Memory, Ret};
use super::stats::{CallStats, Completed};
use crate::sys::signal::Sig;

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

    // --- Per-call sinks (the line printer). A backend that can stop a task at each call
    // (ptrace) asks [`Sink::per_call`] once, and then reports entries with their registers and
    // the task's memory, exits, signals and task ends; the calls are still reported as
    // [`Event::Syscall`] too (after [`Sink::call_exit`]). ---

    /// Whether this sink prints each call (and needs the calls below).
    fn per_call(&self) -> bool {
        false
    }

    /// A syscall entry, while the task is stopped (its memory can be read).
    fn call_entry(&mut self, regs: &CallRegs, mem: &mut dyn Memory) {
        let _ = (regs, mem);
    }

    /// The exit of the call task `tid` entered last, while it is stopped; `wall_ns`: the
    /// call's wall-clock time.
    fn call_exit(&mut self, tid: i32, ret: Ret, wall_ns: u64, mem: &mut dyn Memory) {
        let _ = (tid, ret, wall_ns, mem);
    }

    /// The call task `tid` entered will not be seen to exit.
    fn call_abandoned(&mut self, tid: i32, why: Abandoned) {
        let _ = (tid, why);
    }

    /// A signal is delivered to `tid` (`siginfo`: the kernel's 128 bytes), or, with no
    /// siginfo, `tid` entered a group-stop.
    fn signal(&mut self, tid: i32, sig: Sig, siginfo: Option<&[u8; 128]>) {
        let _ = (tid, sig, siginfo);
    }

    /// Task `tid` ended (its wait status; before its [`Event::Exit`]).
    fn task_end(&mut self, tid: i32, end: TaskEnd) {
        let _ = (tid, end);
    }

    /// The time the events that follow happened (a backend that reports them after the fact,
    /// as the eBPF backend reads its ring buffer): the wall clock, and a monotonic time on a
    /// clock of the backend's (differences between lines, `-r`). Without it a sink takes the
    /// time it is called at.
    fn clock(&mut self, wall: std::time::SystemTime, mono: std::time::Duration) {
        let _ = (wall, mono);
    }

    /// What the backend found fd `fd` of task `tid` to be at the call handed over next: a
    /// netlink socket of protocol `family`, or (None) no netlink socket. A sink that names fds
    /// asks /proc otherwise, which a task that has ended no longer shows.
    fn netlink_hint(&mut self, tid: i32, fd: i64, family: Option<i64>) {
        let _ = (tid, fd, family);
    }

    /// What the backend found task `tid`'s fds to be when its call entered or exited (the
    /// eBPF backend names them in the kernel), for the decoding of that entry or exit that
    /// follows: `-y` prints these rather than what /proc shows later. Replaces the previous
    /// hints.
    fn fd_hints(&mut self, tid: i32, hints: &[FdHint]) {
        let _ = (tid, hints);
    }

    /// The backend is about to wait for the tracees (nothing is pending): a good moment to
    /// flush output.
    fn idle(&mut self) {}
}

/// A call's registers at entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRegs {
    pub tid: i32,
    pub tgid: i32,
    pub personality: Personality,
    pub nr: u64,
    pub args: [u64; 6],
    /// The stack pointer at entry.
    pub sp: u64,
}

/// Why a call's exit will not be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abandoned {
    /// The task is exiting (exit_group, a fatal signal): strace's `= ?`.
    Exiting,
    /// ksec detached from the task (`<detached ...>`).
    Detached,
    /// Its exit could not be read (`= ? <unavailable>`).
    Unavailable,
}

/// What an fd was at a call, as `-y` (`path`) and `-yy` (`all`) print it ([`Sink::fd_hints`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdHint {
    /// The fd; `AT_FDCWD` (-100) for the working directory.
    pub fd: i64,
    /// What it was: None when it could not be named where the call was seen (/proc is asked
    /// when the line is made).
    pub seen: Option<FdSeen>,
}

/// An fd's target at the call, under -y and -yy; no target when the fd was not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdSeen {
    pub path: Option<crate::trace::decode::FdTarget>,
    pub all: Option<crate::trace::decode::FdTarget>,
}

/// How a task ended, from its wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEnd {
    Exited(i32),
    Killed { sig: Sig, core: bool },
}

/// Two sinks fed the same run (`-C`: the line printer and the counter).
pub struct Tee<'a> {
    pub first: &'a mut dyn Sink,
    pub second: &'a mut dyn Sink,
}

impl Sink for Tee<'_> {
    fn event(&mut self, ev: Event) {
        self.first.event(ev);
        self.second.event(ev);
    }
    fn counts(&mut self, rows: &[TaskCounts]) {
        self.first.counts(rows);
        self.second.counts(rows);
    }
    fn live(&mut self, what: Live) {
        self.first.live(what);
        self.second.live(what);
    }
    fn per_call(&self) -> bool {
        self.first.per_call() || self.second.per_call()
    }
    fn call_entry(&mut self, regs: &CallRegs, mem: &mut dyn Memory) {
        self.first.call_entry(regs, mem);
        self.second.call_entry(regs, mem);
    }
    fn call_exit(&mut self, tid: i32, ret: Ret, wall_ns: u64, mem: &mut dyn Memory) {
        self.first.call_exit(tid, ret, wall_ns, mem);
        self.second.call_exit(tid, ret, wall_ns, mem);
    }
    fn call_abandoned(&mut self, tid: i32, why: Abandoned) {
        self.first.call_abandoned(tid, why);
        self.second.call_abandoned(tid, why);
    }
    fn signal(&mut self, tid: i32, sig: Sig, siginfo: Option<&[u8; 128]>) {
        self.first.signal(tid, sig, siginfo);
        self.second.signal(tid, sig, siginfo);
    }
    fn task_end(&mut self, tid: i32, end: TaskEnd) {
        self.first.task_end(tid, end);
        self.second.task_end(tid, end);
    }
    fn clock(&mut self, wall: std::time::SystemTime, mono: std::time::Duration) {
        self.first.clock(wall, mono);
        self.second.clock(wall, mono);
    }
    fn netlink_hint(&mut self, tid: i32, fd: i64, family: Option<i64>) {
        self.first.netlink_hint(tid, fd, family);
        self.second.netlink_hint(tid, fd, family);
    }
    fn fd_hints(&mut self, tid: i32, hints: &[FdHint]) {
        self.first.fd_hints(tid, hints);
        self.second.fd_hints(tid, hints);
    }
    fn idle(&mut self) {
        self.first.idle();
        self.second.idle();
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
