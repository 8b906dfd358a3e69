//! The ptrace tracer: starts or attaches tracees, runs the wait loop, turns each wait status
//! into a typed [`Stop`], keeps per-thread state keyed by tid, and hands completed syscalls and
//! task lifecycle [`Event`]s to a [`Sink`]. It never prints.
//!
//! Protocol (as strace with PTRACE_SEIZE): options TRACESYSGOOD|TRACEEXEC|TRACEEXIT, plus
//! TRACECLONE|TRACEFORK|TRACEVFORK with -f or CPU placement; PTRACE_INTERRUPT to stop an attached
//! task;
//! group-stops are left stopped with PTRACE_LISTEN; PTRACE_GET_SYSCALL_INFO tells entry from exit
//! and gives the audit arch (the personality). A syscall is counted at its exit stop.
//!
//! Files: this one holds the configuration, the wait loop and the handling of each kind of stop;
//! `attach.rs` starts the command and attaches `-p` processes; `stop.rs` decodes wait statuses
//! into [`Stop`]; `task.rs` holds the per-thread state and the exec/tid rename; `affinity.rs`
//! keeps what pinned tracees see of their CPU affinity true; `backend.rs` is [`Ptrace`], the
//! tracer as a [`crate::trace::backend::Backend`]. The raw calls are in [`crate::sys`]; /proc is read through
//! [`crate::proc`]'s readers under the configured [`ProcRoot`] (schedstat files are opened once
//! per task and re-read with pread: the syscall stop path formats no path and allocates nothing).

mod affinity;
mod attach;
mod backend;
mod stop;
mod task;

use attach::{raise_nofile_limit, tgid_of};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use nix::errno::Errno;
use nix::sys::ptrace::Options;
use nix::sys::signal::Signal;

use super::arch::Personality;
use super::backend::{ChildEnd, LiveClock, Notice, Outcome};
use super::decode::Ret;
use super::event::{Abandoned, CallRegs, Event, Sink, TaskEnd};
use super::placement::Placement;
use super::stats::Completed;
use crate::proc::root::ProcRoot;
use crate::proc::{schedstat, status};
use crate::sys::mem::TraceeMem;
use crate::sys::ptrace::{self as pt, PtraceEvent, SyscallInfo};
use crate::sys::signal::{self as sig, Sig};
use crate::sys::wait;
pub use backend::{ProcNames, Ptrace};
pub use stop::Stop;
use task::{Entry, Task};

pub use super::backend::Target;

/// How to trace.
#[derive(Debug, Clone)]
pub struct TracerConfig {
    /// Follow forks, vforks and clones; attach every thread with -p.
    pub follow: bool,
    /// Measure per-thread CPU time in each syscall (else only wall-clock time).
    pub cpu_time: bool,
    /// Run tracer and tracees on one CPU.
    pub pin: bool,
    /// Block the fatal signals instead of detaching on them (strace's `-I 3`, its default for
    /// `-o FILE PROG`): Ctrl-C then reaches only the command, and the summary is complete.
    pub block_fatal: bool,
    /// Where /proc is (task ids, status, stat, schedstat and ns links are read there).
    pub proc_root: ProcRoot,
    /// `--interval`: a live table this often (SIGUSR1 asks for a cumulative one in any case).
    pub interval: Option<Duration>,
}

/// With a seccomp filter (spawned commands with -f): the program to install.
pub type SeccompProgram = Vec<super::seccomp::Insn>;

/// An attach failure, one line naming the pid.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("pid {0}: no such process")]
    NoSuchProcess(i32),
    #[error("pid {0} is a kernel thread; kernel threads cannot be traced")]
    KernelThread(i32),
    #[error("pid {0} is a zombie; it has exited and makes no more syscalls")]
    Zombie(i32),
    #[error("attach to pid {0}: it is already traced by pid {1}")]
    AlreadyTraced(i32, i32),
    #[error("attach to pid {0}: operation not permitted (need root or CAP_SYS_PTRACE; check kernel.yama.ptrace_scope)")]
    NotPermitted(i32),
    #[error("attach to pid {0}: {1}")]
    Other(i32, Errno),
}

/// Fatal signals that make ksec detach and print the summary, as strace.
pub const FATAL_SIGNALS: [Signal; 5] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGPIPE,
];
/// How long an untraced child that stopped before its creator's event is held.
const PARK_LIMIT: Duration = Duration::from_secs(1);

/// The tracer's state.
pub struct Tracer<'s> {
    cfg: TracerConfig,
    options: Options,
    tasks: HashMap<i32, Task>,
    sink: &'s mut dyn Sink,
    placement: Option<Placement>,
    /// Masks new children inherit from their creator (tid -> creator's original mask).
    inherited: HashMap<i32, nix::sched::CpuSet>,
    spawned: Option<i32>,
    /// The spawned command's exec succeeded (PTRACE_EVENT_EXEC seen).
    spawned_execed: bool,
    /// Where the spawned command's child side reports a failed execve.
    exec_errors: Option<std::os::fd::OwnedFd>,
    /// Why the command could not be executed.
    exec_error: Option<String>,
    /// Children that reported and exited before their creator's fork/clone event: that event
    /// must not bring them back.
    gone_unannounced: std::collections::HashSet<i32>,
    /// When the wait loop last got a report.
    last_report: Instant,
    seccomp: Option<SeccompProgram>,
    /// Untraced children (no -f, reported by the clone events CPU placement needs) whose mask is
    /// restored: detached at their first stop.
    leaving: std::collections::HashSet<i32>,
    /// Untraced children that stopped before their creator's event: held until it comes (the
    /// creator's original mask is known then), or given up on after a second.
    parked: HashMap<i32, (Instant, Option<Sig>)>,
    child_end: Option<ChildEnd>,
    detaching: bool,
    interrupted: Option<Sig>,
    /// Attach/detach news and warnings.
    notice: &'s mut dyn FnMut(Notice),
    /// When a live table is due.
    live: LiveClock,
    /// The next interval's deadline, for the waker thread.
    deadline: Arc<Deadline>,
    /// The sink prints each call: entries, exits, signals and ends are reported to it.
    per_call: bool,
    /// The last wait status said a core was dumped.
    core_dumped: bool,
}

/// An instant shared with the waker thread: nanoseconds since `base`, `u64::MAX` for none;
/// and, for a per-call sink, whether output waits to be flushed and how many reports the
/// tracer has handled (the waker interrupts a tracer that sits in waitpid with output unflushed).
struct Deadline {
    base: Instant,
    at: AtomicU64,
    unflushed: AtomicBool,
    reports: AtomicU64,
}

impl Deadline {
    fn set(&self, at: Option<Instant>) {
        let ns = at.map_or(u64::MAX, |a| {
            a.saturating_duration_since(self.base).as_nanos() as u64
        });
        self.at.store(ns, Ordering::SeqCst);
    }

    /// How long until the deadline (zero once it passed); None when there is none.
    fn until(&self, now: Instant) -> Option<Duration> {
        match self.at.load(Ordering::SeqCst) {
            u64::MAX => None,
            ns => Some((self.base + Duration::from_nanos(ns)).saturating_duration_since(now)),
        }
    }
}

/// Runs a whole trace: start or attach, wait loop, detach. When some of several pids cannot be
/// attached, their errors go to `notice` and the others are traced.
///
/// # Errors
/// The command cannot be started, or no pid could be attached.
pub fn trace(
    target: Target,
    cfg: TracerConfig,
    seccomp: Option<SeccompProgram>,
    sink: &mut dyn Sink,
    notice: &mut dyn FnMut(Notice),
) -> anyhow::Result<Outcome> {
    let mut options =
        Options::PTRACE_O_TRACESYSGOOD | Options::PTRACE_O_TRACEEXEC | Options::PTRACE_O_TRACEEXIT;
    if cfg.follow || cfg.pin {
        // Without -f too when pinning: a new task inherits the pinned mask, so ksec must see it
        // to give it its creator's own mask back before detaching it.
        options |= Options::PTRACE_O_TRACECLONE
            | Options::PTRACE_O_TRACEFORK
            | Options::PTRACE_O_TRACEVFORK;
    }
    if seccomp.is_some() {
        options |= Options::PTRACE_O_TRACESECCOMP;
    }
    if cfg.cpu_time {
        raise_nofile_limit();
    }
    sig::install_signal_handlers(&FATAL_SIGNALS, sig::wake_signal())
        .context("install signal handlers")?;
    let live = LiveClock::start(cfg.interval)?;
    let deadline = Arc::new(Deadline {
        base: Instant::now(),
        at: AtomicU64::new(u64::MAX),
        unflushed: AtomicBool::new(false),
        reports: AtomicU64::new(0),
    });
    deadline.set(live.deadline());
    if cfg.block_fatal {
        use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow};
        let mut set = SigSet::empty();
        for s in FATAL_SIGNALS {
            set.add(s);
        }
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).context("block signals")?;
    }
    let per_call = sink.per_call();
    let mut t = Tracer {
        per_call,
        core_dumped: false,
        cfg,
        options,
        tasks: HashMap::new(),
        sink,
        placement: None,
        inherited: HashMap::new(),
        spawned: None,
        spawned_execed: false,
        exec_errors: None,
        exec_error: None,
        gone_unannounced: std::collections::HashSet::new(),
        last_report: Instant::now(),
        seccomp,
        leaving: std::collections::HashSet::new(),
        parked: HashMap::new(),
        child_end: None,
        detaching: false,
        interrupted: None,
        notice,
        live,
        deadline: deadline.clone(),
    };
    match target {
        Target::Spawn {
            path,
            argv,
            envp,
            also,
        } => {
            t.spawn(&path, &argv, &envp)?;
            for pid in also {
                if let Err(e) = t.attach_announced(pid) {
                    (t.notice)(Notice::Warning(e.to_string()));
                }
            }
        }
        Target::Attach(pids) => {
            let mut attached = 0;
            let mut errors = Vec::new();
            for pid in pids {
                match t.attach_announced(pid) {
                    Ok(()) => attached += 1,
                    Err(e) => errors.push(e),
                }
            }
            // With nothing attached, the last error is the command's error; the others (and
            // all of them when something was attached) are warnings.
            let fatal = if attached == 0 { errors.pop() } else { None };
            for e in errors {
                (t.notice)(Notice::Warning(e.to_string()));
            }
            if let Some(e) = fatal {
                return Err(e.into());
            }
        }
    }
    let done = Arc::new(AtomicBool::new(false));
    let waker = spawn_waker(sig::gettid(), done.clone(), deadline);
    let result = t.run_loop();
    done.store(true, Ordering::SeqCst);
    waker.thread().unpark();
    let _ = waker.join();
    if let Some(p) = t.placement.take() {
        p.finish();
    }
    result?;
    Ok(Outcome {
        child: t.child_end,
        interrupted: t.interrupted,
        exec_error: t.exec_error.take(),
    })
}

/// A thread that, once a fatal signal has arrived or a live table is due (SIGUSR1, which may
/// have landed on this thread, or the interval's deadline), keeps interrupting the tracer's
/// blocking waitpid (the signal may have landed on another thread, or just before the wait
/// began) until the tracer has seen it.
fn spawn_waker(
    tracer_tid: i32,
    done: Arc<AtomicBool>,
    deadline: Arc<Deadline>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut last_tick = Instant::now();
        let wake = sig::wake_signal();
        let mut reports_seen = u64::MAX;
        while !done.load(Ordering::SeqCst) {
            let now = Instant::now();
            let until = deadline.until(now);
            // Output is waiting and the tracer handled nothing since the last look (it sits in
            // waitpid: a tracee blocks in a call whose entry is printed): let it flush.
            let reports = deadline.reports.load(Ordering::Relaxed);
            let stalled = deadline.unflushed.load(Ordering::Relaxed) && reports == reports_seen;
            reports_seen = reports;
            if stalled {
                let _ = sig::tgkill_self(tracer_tid, wake);
            }
            if sig::fatal_signal().is_some()
                || sig::live_requested()
                || until == Some(Duration::ZERO)
            {
                let _ = sig::tgkill_self(tracer_tid, wake);
                std::thread::park_timeout(Duration::from_millis(10));
            } else {
                // Once a second, let the tracer look for tasks that vanished unreported.
                if last_tick.elapsed() >= Duration::from_secs(1) {
                    last_tick = now;
                    let _ = sig::tgkill_self(tracer_tid, wake);
                }
                // Unparked at the end of tracing, so ksec does not linger.
                let nap = Duration::from_millis(if deadline.unflushed.load(Ordering::Relaxed) {
                    20
                } else {
                    50
                });
                std::thread::park_timeout(until.map_or(nap, |u| u.min(nap)));
            }
        }
    })
}

impl Tracer<'_> {
    /// A new tracee. `pin_now`: it cannot run before its next stop is handled (spawned and
    /// stopped, or a fresh child); otherwise it is pinned at its first stop.
    fn add_task(&mut self, tid: i32, tgid: i32, pin_now: bool) {
        let schedstat = if self.cfg.cpu_time {
            schedstat::open(&self.cfg.proc_root, tid).ok()
        } else {
            None
        };
        self.tasks.insert(tid, Task::new(tgid, schedstat, !pin_now));
        if pin_now {
            if let Some(p) = &mut self.placement {
                p.adopt(tid, self.inherited.remove(&tid));
            }
        }
        self.sink.event(Event::NewTask { tid, tgid });
    }

    fn remove_task(&mut self, tid: i32) {
        if let Some(t) = self.tasks.remove(&tid) {
            if !t.announced {
                self.gone_unannounced.insert(tid);
            }
            if let Some(p) = &mut self.placement {
                p.forget(tid);
            }
            self.sink.event(Event::Exit { tid });
        }
    }

    fn run_loop(&mut self) -> anyhow::Result<()> {
        while !self.tasks.is_empty() || !self.leaving.is_empty() || !self.parked.is_empty() {
            if let (Some(sig), false) = (sig::fatal_signal(), self.detaching) {
                self.begin_detach(sig);
            }
            if !self.detaching {
                // Each event was handed over as it came: the sink has everything so far.
                while let Some(what) = self.live.due() {
                    self.sink.live(what);
                    self.deadline.set(self.live.deadline());
                }
            }
            if !self.parked.is_empty() {
                // A creator whose event cannot come any more (nothing traced is left, or it was
                // killed in between) must not keep its child stopped.
                let all = self.tasks.is_empty() || self.detaching;
                self.release_parked(if all { Duration::ZERO } else { PARK_LIMIT });
            }
            match wait::wait_any(false) {
                Err(Errno::EINTR) => {
                    if self.per_call && self.deadline.unflushed.swap(false, Ordering::Relaxed) {
                        self.sink.idle();
                    }
                    if self.last_report.elapsed() > Duration::from_secs(1) {
                        self.prune_vanished();
                    }
                    continue;
                }
                Err(Errno::ECHILD) => break,
                Err(e) => bail!("waitpid: {e}"),
                Ok(None) => continue,
                Ok(Some((tid, status))) => {
                    self.last_report = Instant::now();
                    self.core_dumped = libc::WIFSIGNALED(status) && libc::WCOREDUMP(status);
                    self.handle(tid, Stop::from_raw(status));
                    if self.per_call {
                        self.deadline.reports.fetch_add(1, Ordering::Relaxed);
                        self.deadline.unflushed.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
        Ok(())
    }

    /// The errno the spawned command's child side reported for its failed execve.
    fn read_exec_error(&mut self) -> Option<String> {
        let fd = self.exec_errors.take()?;
        let mut buf = [0u8; 4];
        let n = nix::unistd::read(std::os::fd::AsRawFd::as_raw_fd(&fd), &mut buf).ok()?;
        (n == 4).then(|| Errno::from_raw(i32::from_ne_bytes(buf)).desc().to_string())
    }

    /// Drops tasks that no longer exist (a safety net: every task should report its end).
    fn prune_vanished(&mut self) {
        // Rare (once a second at most, when reports stopped): a clone of the root is cheap here.
        let root = self.cfg.proc_root.clone();
        let exists = |tid: &i32| root.pid_dir(*tid).exists();
        let gone: Vec<i32> = self.tasks.keys().copied().filter(|t| !exists(t)).collect();
        for tid in gone {
            self.remove_task(tid);
        }
        self.leaving.retain(exists);
        self.parked.retain(|t, _| exists(t));
    }

    /// A new task that is not traced (no -f) reported its first stop; a signal-delivery stop's
    /// signal goes with it when it is detached.
    fn untraced_child_stopped(&mut self, tid: i32, sig: Option<Sig>) {
        if self.leaving.remove(&tid) {
            let _ = pt::detach(tid, sig);
        } else {
            // Its creator's event has not been seen: hold it until then.
            self.parked.insert(tid, (Instant::now(), sig));
        }
    }

    /// A traced task created `new`, which is not to be traced: it gets the mask it would have
    /// had without ksec (its creator's own) and is detached at its first stop.
    fn let_go(&mut self, creator: i32, new: i32) {
        if let Some(o) = self.placement.as_ref().and_then(|p| p.original(creator)) {
            let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(new), &o);
        }
        if let Some((_, sig)) = self.parked.remove(&new) {
            let _ = pt::detach(new, sig);
        } else {
            self.leaving.insert(new);
        }
    }

    /// Detaches parked children held longer than `limit`, restoring the mask from the best
    /// guess of their creator: a traced task of their own process (a thread) or of their parent
    /// process (a fork).
    fn release_parked(&mut self, limit: Duration) {
        let due: Vec<i32> = self
            .parked
            .iter()
            .filter(|(_, (since, _))| since.elapsed() >= limit)
            .map(|(&t, _)| t)
            .collect();
        for tid in due {
            let sig = self.parked.remove(&tid).and_then(|(_, s)| s);
            let st = status::read_status(&self.cfg.proc_root, tid).unwrap_or_default();
            let tgid = st.tgid.unwrap_or(tid);
            let owner = if tgid != tid {
                tgid
            } else {
                st.ppid.unwrap_or(0)
            };
            let creator = self
                .tasks
                .iter()
                .filter(|(_, t)| t.tgid == owner)
                .map(|(&c, _)| c)
                .min_by_key(|&c| c != owner);
            if let (Some(c), Some(p)) = (creator, self.placement.as_ref()) {
                if let Some(o) = p.original(c) {
                    let _ = nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(tid), &o);
                }
            }
            let _ = pt::detach(tid, sig);
        }
    }

    fn begin_detach(&mut self, sig: Sig) {
        self.detaching = true;
        self.interrupted = Some(sig);
        if let Some(child) = self.spawned {
            // strace's cleanup: the command ksec started gets the signal ksec got.
            let child = nix::unistd::Pid::from_raw(child);
            let _ = nix::sys::signal::kill(child, Signal::SIGCONT);
            if let Some(s) = sig.to_nix() {
                let _ = nix::sys::signal::kill(child, s);
            }
        }
        for &tid in self.tasks.keys() {
            let _ = pt::interrupt(tid);
        }
    }

    fn detach(&mut self, tid: i32, sig: Option<Sig>) {
        if let Some(p) = &mut self.placement {
            p.restore(tid);
        }
        let detached = pt::detach(tid, sig).is_ok();
        if self.tasks.remove(&tid).is_some() {
            if detached {
                // It lives on untraced (a task already gone refuses the detach: ESRCH).
                (self.notice)(Notice::Detached(tid));
            }
            self.sink.event(Event::Exit { tid });
        }
    }

    fn resume(&mut self, tid: i32, sig: Option<Sig>) {
        if self.detaching {
            self.detach(tid, sig);
            return;
        }
        // With a seccomp filter, a task outside a syscall runs until its next traced syscall's
        // seccomp stop; otherwise it stops at every syscall entry and exit.
        let cont = self.seccomp.is_some()
            && self
                .tasks
                .get(&tid)
                .is_some_and(|t| t.entry.is_none() && !t.pre_exec);
        let r = if cont {
            pt::cont(tid, sig)
        } else {
            pt::syscall(tid, sig)
        };
        if let Err(Errno::ESRCH) = r {
            // Killed meanwhile (SIGKILL): its exit status follows.
        }
    }

    fn handle(&mut self, tid: i32, stop: Stop) {
        if !self.tasks.contains_key(&tid) {
            match stop {
                _ if stop.is_end() => {
                    // Not ours (e.g. the guardian), or an untraced child that ended first.
                    self.leaving.remove(&tid);
                    self.parked.remove(&tid);
                    return;
                }
                _ if !self.cfg.follow => {
                    let sig = match stop {
                        Stop::Signal(s) => Some(s),
                        _ => None,
                    };
                    self.untraced_child_stopped(tid, sig);
                    return;
                }
                _ => {
                    // An auto-attached child reporting before its creator's fork event.
                    let tgid = tgid_of(&self.cfg.proc_root, tid);
                    self.add_task(tid, tgid, true);
                    (self.notice)(Notice::Attached(tid));
                    if let Some(t) = self.tasks.get_mut(&tid) {
                        t.announced = false;
                    }
                }
            }
        }
        if !stop.is_end() {
            self.first_stop(tid);
        }
        match stop {
            Stop::Syscall if self.detaching => {
                // A call in flight at detach (often interrupted by our PTRACE_INTERRUPT) is not
                // counted, as strace; a `sched_getaffinity` ending here still gets its answer
                // rewritten (it ran pinned).
                if let Some(entry) = self.tasks.get_mut(&tid).and_then(|t| t.entry.take()) {
                    if self.per_call {
                        self.sink.call_abandoned(tid, Abandoned::Detached);
                    }
                    if let (Some(w), true) = (
                        entry.personality.watched(entry.nr),
                        self.placement.is_some(),
                    ) {
                        if let Ok(SyscallInfo::Exit {
                            rval,
                            is_error: false,
                        }) = pt::get_syscall_info(tid)
                        {
                            self.watched_exit(tid, w, &entry, rval);
                        }
                    }
                }
                self.detach(tid, None);
            }
            Stop::Syscall => {
                self.syscall_stop(tid);
                self.resume(tid, None);
            }
            Stop::Signal(sig) => {
                // The spawned command's own start (ksec's SIGSTOP and SIGCONT) is not shown.
                if self.per_call && !self.tasks.get(&tid).is_some_and(|t| t.pre_exec) {
                    let info = pt::getsiginfo_bytes(tid).ok();
                    self.sink.signal(tid, sig, info.as_ref());
                }
                self.resume(tid, Some(sig))
            }
            Stop::GroupStop(_) if self.detaching => self.detach(tid, None),
            Stop::GroupStop(sig) => {
                if self.per_call && !self.tasks.get(&tid).is_some_and(|t| t.pre_exec) {
                    self.sink.signal(tid, sig, None);
                }
                let _ = pt::listen(tid);
            }
            Stop::PtraceEvent { event, .. } => self.event_stop(tid, event),
            Stop::Exited(_) | Stop::Killed(_) => {
                if Some(tid) == self.spawned {
                    self.child_end = match stop {
                        Stop::Exited(code) => Some(ChildEnd::Exited(code)),
                        Stop::Killed(sig) => Some(ChildEnd::Killed(sig)),
                        _ => None,
                    };
                    if !self.spawned_execed {
                        self.exec_error = self.read_exec_error();
                    }
                }
                if self.per_call {
                    let end = match stop {
                        Stop::Killed(sig) => TaskEnd::Killed {
                            sig,
                            core: self.core_dumped,
                        },
                        Stop::Exited(code) => TaskEnd::Exited(code),
                        _ => TaskEnd::Exited(0),
                    };
                    self.sink.task_end(tid, end);
                }
                self.remove_task(tid);
            }
        }
    }

    /// An attached tracee is stopped under ksec's control for the first time: pin it now.
    fn first_stop(&mut self, tid: i32) {
        let Some(t) = self.tasks.get_mut(&tid) else {
            return;
        };
        if std::mem::take(&mut t.pin_at_first_stop) && !self.detaching {
            if let Some(p) = &mut self.placement {
                p.adopt(tid, None);
            }
        }
    }

    /// A PTRACE_EVENT_* stop other than a group-stop.
    fn event_stop(&mut self, tid: i32, event: PtraceEvent) {
        match event {
            PtraceEvent::Fork | PtraceEvent::Vfork | PtraceEvent::Clone if !self.cfg.follow => {
                if let Ok(new) = pt::geteventmsg(tid) {
                    self.let_go(tid, new as i32);
                }
                self.resume(tid, None);
            }
            PtraceEvent::Fork | PtraceEvent::Vfork | PtraceEvent::Clone => {
                if let Ok(new) = pt::geteventmsg(tid) {
                    let new = new as i32;
                    let original = self.placement.as_ref().and_then(|p| p.original(tid));
                    if self.gone_unannounced.remove(&new) {
                        // It already ran and exited: nothing to add.
                    } else if !self.tasks.contains_key(&new) {
                        if let Some(o) = original {
                            self.inherited.insert(new, o);
                        }
                        let tgid = if event == PtraceEvent::Clone {
                            tgid_of(&self.cfg.proc_root, new)
                        } else {
                            new
                        };
                        self.add_task(new, tgid, true);
                        (self.notice)(Notice::Attached(new));
                    } else {
                        if let Some(t) = self.tasks.get_mut(&new) {
                            t.announced = true;
                            // Pinned by inheritance: its original is its creator's, set below.
                            t.pin_at_first_stop = false;
                        }
                        if let (Some(o), Some(p)) = (original, self.placement.as_mut()) {
                            // It reported first and was adopted with the pinned mask it inherited.
                            p.set_original(new, o);
                        }
                    }
                }
                self.resume(tid, None);
            }
            PtraceEvent::Exec => {
                let former = pt::geteventmsg(tid).map(|f| f as i32).unwrap_or(tid);
                if former != tid {
                    // A non-leader thread execed and took the leader's tid: its in-flight execve
                    // moves with it; the old leader's in-flight syscall is never completed.
                    if task::exec_rename(&mut self.tasks, former, tid) {
                        self.sink.event(Event::Exit { tid });
                    }
                    if let Some(p) = &mut self.placement {
                        p.forget(tid);
                        p.rename(former, tid);
                    }
                    if self.cfg.cpu_time {
                        if let Some(t) = self.tasks.get_mut(&tid) {
                            // The schedstat file follows the tid; reopen to be sure it is ours.
                            t.schedstat = schedstat::open(&self.cfg.proc_root, tid).ok();
                        }
                    }
                }
                if Some(tid) == self.spawned {
                    self.spawned_execed = true;
                }
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.pre_exec = false;
                }
                self.sink.event(Event::Exec { tid, former });
                self.resume(tid, None);
            }
            PtraceEvent::Seccomp => {
                // Entry of a traced syscall. If the entry was already seen by a syscall-entry
                // stop (resumed with PTRACE_SYSCALL), this is the same syscall.
                if self.tasks.get(&tid).is_some_and(|t| t.entry.is_none()) {
                    self.syscall_stop(tid);
                }
                self.resume(tid, None);
            }
            PtraceEvent::Exit => {
                if let Some(t) = self.tasks.get_mut(&tid) {
                    // exit/exit_group never complete
                    if t.entry.take().is_some() && self.per_call {
                        self.sink.call_abandoned(tid, Abandoned::Exiting);
                    }
                }
                self.resume(tid, None);
            }
            // PTRACE_INTERRUPT's stop (group-stops are Stop::GroupStop): resume() detaches
            // while detaching.
            PtraceEvent::Stop => self.resume(tid, None),
            PtraceEvent::VforkDone | PtraceEvent::Unknown(_) => self.resume(tid, None),
        }
    }

    fn syscall_stop(&mut self, tid: i32) {
        let cpu_time = self.cfg.cpu_time;
        let Some(task) = self.tasks.get_mut(&tid) else {
            return;
        };
        if task.entry.is_some() {
            // Exit: take the time as early as possible.
            let now = Instant::now();
            let cpu = if cpu_time {
                task.schedstat.as_ref().and_then(schedstat::read_cpu_ns)
            } else {
                None
            };
            let info = pt::get_syscall_info(tid);
            match info {
                Ok(SyscallInfo::Exit { rval, is_error }) => {
                    let entry = task.entry.take().expect("checked above");
                    let tgid = task.tgid;
                    let call = Completed {
                        personality: entry.personality,
                        nr: entry.nr,
                        is_error,
                        cpu_ns: cpu.map_or(0, |c| c.saturating_sub(entry.cpu_ns)),
                        wall_ns: now.saturating_duration_since(entry.wall).as_nanos() as u64,
                    };
                    if self.placement.is_some() && !is_error {
                        if let Some(w) = entry.personality.watched(entry.nr) {
                            self.watched_exit(tid, w, &entry, rval);
                        }
                    }
                    if self.per_call {
                        let ret = Ret {
                            val: rval,
                            is_error,
                        };
                        self.sink
                            .call_exit(tid, ret, call.wall_ns, &mut TraceeMem::new(tid));
                    }
                    self.sink.event(Event::Syscall { tid, tgid, call });
                }
                Ok(SyscallInfo::Entry { arch, nr, args, sp }) => {
                    // The exit of the previous call was lost (cannot happen with a sane kernel);
                    // start over with this entry.
                    if self.per_call {
                        self.sink.call_abandoned(tid, Abandoned::Unavailable);
                        let tgid = task.tgid;
                        self.report_entry(tid, tgid, arch, nr, args, sp);
                    }
                    let task = self.tasks.get_mut(&tid).expect("present");
                    task.entry = Some(new_entry(task, arch, nr, args, cpu_time));
                }
                _ => {
                    task.entry = None;
                    if self.per_call {
                        self.sink.call_abandoned(tid, Abandoned::Unavailable);
                    }
                }
            }
        } else {
            // An exit without a seen entry (attached mid-syscall) is not counted.
            if let Ok(SyscallInfo::Entry { arch, nr, args, sp }) = pt::get_syscall_info(tid) {
                let p = Personality::from_audit_arch(arch);
                if task.pre_exec && !p.is_execve(nr) {
                    return;
                }
                if self.per_call {
                    // Decoded before the entry's clocks are read: decoding is not the call's time.
                    let tgid = task.tgid;
                    self.report_entry(tid, tgid, arch, nr, args, sp);
                }
                let task = self.tasks.get_mut(&tid).expect("present");
                task.entry = Some(new_entry(task, arch, nr, args, cpu_time));
            }
        }
    }
}

impl Tracer<'_> {
    fn report_entry(&mut self, tid: i32, tgid: i32, arch: u32, nr: u64, args: [u64; 6], sp: u64) {
        let regs = CallRegs {
            tid,
            tgid,
            personality: Personality::from_audit_arch(arch),
            nr,
            args,
            sp,
        };
        self.sink.call_entry(&regs, &mut TraceeMem::new(tid));
    }
}

fn new_entry(task: &Task, arch: u32, nr: u64, args: [u64; 6], cpu_time: bool) -> Entry {
    let cpu_ns = if cpu_time {
        task.schedstat
            .as_ref()
            .and_then(schedstat::read_cpu_ns)
            .unwrap_or(0)
    } else {
        0
    };
    Entry {
        personality: Personality::from_audit_arch(arch),
        nr,
        arg0: args[0],
        arg2: args[2],
        // As late as possible: right before the tracee is resumed.
        wall: Instant::now(),
        cpu_ns,
    }
}
