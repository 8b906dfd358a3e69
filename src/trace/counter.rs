//! The counting [`Sink`]: turns tracer events into a [`Report`] (all tasks, and per process or
//! per thread when asked), applying the syscall filter and the -O overhead.

use std::collections::HashMap;

use super::arch::Personality;
use super::event::{Event, Sink};
use super::stats::{Completed, Counts, Report, TaskLabel};

/// Which syscalls to count.
pub type Wants = Box<dyn Fn(Personality, u64) -> bool>;

/// Counts what the tracer reports.
pub struct Counter {
    wants: Wants,
    overhead_ns: u64,
    per_process: bool,
    per_thread: bool,
    /// tid -> key of its per-thread table (a thread that execs keeps its table).
    thread_key: HashMap<i32, i32>,
    report: Report,
}

impl Counter {
    /// A counter keeping calls `wants` accepts, with `overhead_ns` subtracted from each time.
    pub fn new(wants: Wants, overhead_ns: u64, per_process: bool, per_thread: bool) -> Self {
        Self {
            wants,
            overhead_ns,
            per_process,
            per_thread,
            thread_key: HashMap::new(),
            report: Report::default(),
        }
    }

    /// The counts so far.
    pub fn into_report(self) -> Report {
        self.report
    }
}

fn comm(pid: i32) -> Vec<u8> {
    crate::proc::root::ProcRoot::default()
        .comm(pid)
        .unwrap_or_default()
}

impl Sink for Counter {
    fn event(&mut self, ev: Event) {
        match ev {
            Event::Syscall { tid, tgid, call } => {
                if !(self.wants)(call.personality, call.nr) {
                    return;
                }
                let call = Completed {
                    cpu_ns: call.cpu_ns.saturating_sub(self.overhead_ns),
                    wall_ns: call.wall_ns.saturating_sub(self.overhead_ns),
                    ..call
                };
                self.report.total.record(&call);
                if self.per_process {
                    self.report
                        .per_process
                        .entry(tgid)
                        .or_insert_with(|| {
                            let label = TaskLabel {
                                pid: tgid,
                                tid: None,
                                comm: comm(tgid),
                            };
                            (label, Counts::default())
                        })
                        .1
                        .record(&call);
                }
                if self.per_thread {
                    let key = *self.thread_key.entry(tid).or_insert(tid);
                    self.report
                        .per_thread
                        .entry(key)
                        .or_insert_with(|| {
                            let label = TaskLabel {
                                pid: tgid,
                                tid: Some(tid),
                                comm: comm(tid),
                            };
                            (label, Counts::default())
                        })
                        .1
                        .record(&call);
                }
            }
            Event::Exec { tid, former } => {
                if self.per_process {
                    if let Some((label, _)) = self.report.per_process.get_mut(&tid) {
                        label.comm = comm(tid);
                    }
                }
                if self.per_thread && former != tid {
                    if let Some(key) = self.thread_key.remove(&former) {
                        self.thread_key.insert(tid, key);
                    }
                }
            }
            Event::Exit { tid } => {
                self.thread_key.remove(&tid);
            }
            Event::NewTask { .. } => {}
        }
    }
}
