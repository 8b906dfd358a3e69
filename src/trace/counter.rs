//! The counting [`Sink`]: turns a backend's events (or the counts it aggregated) into a
//! [`Report`] (all tasks, and per process or per thread when asked), applying the syscall filter
//! and the -O overhead ([`apply_overhead`]) to the time aggregates; the latency histograms keep
//! the durations as measured (the overhead is applied to percentiles when they are shown, see
//! [`crate::trace::hist::Hist::quantile_less`]). Task names come from the backend ([`TaskNames`]),
//! asked for only when per-process or per-thread tables are; the counter reads nothing itself.

use std::collections::HashMap;

use super::arch::Personality;
use super::event::{Event, Sink, TaskCounts, TaskNames};
use super::stats::{CallStats, Completed, Counts, Report, TaskLabel};

/// Which syscalls to count.
pub type Wants = Box<dyn Fn(Personality, u64) -> bool>;

/// Subtracts the `-O` overhead from one measured duration, clamping at zero, as strace's
/// `count_syscall` does (to the CPU or wall time it counts, and to the wall time of 7.1's wall
/// columns).
#[inline]
pub fn apply_overhead(ns: u64, overhead_ns: u64) -> u64 {
    ns.saturating_sub(overhead_ns)
}

/// [`apply_overhead`] on counters a backend aggregated: the minimum and maximum exactly, the
/// total as `calls` subtractions clamped once at zero (equal to per-call clamping whenever every
/// call took at least the overhead, as -O is meant to be used).
fn less_overhead(s: &CallStats, overhead_ns: u64) -> CallStats {
    if overhead_ns == 0 || s.calls == 0 {
        return *s;
    }
    let mut out = *s;
    for (agg, src) in [(&mut out.cpu, &s.cpu), (&mut out.wall, &s.wall)] {
        agg.total_ns = src
            .total_ns
            .saturating_sub(overhead_ns.saturating_mul(s.calls));
        agg.min_ns = apply_overhead(src.min_ns, overhead_ns);
        agg.max_ns = apply_overhead(src.max_ns, overhead_ns);
    }
    out
}

/// What to count besides the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountOpts {
    /// Subtracted from each call's CPU and wall time (`-O`), clamped at zero.
    pub overhead_ns: u64,
    /// One table per process (tgid).
    pub per_process: bool,
    /// One table per thread; a thread that execs keeps its table.
    pub per_thread: bool,
    /// The latency histograms keep each call's wall-clock time (`-w`); otherwise its CPU time
    /// (the time the table shows).
    pub wall: bool,
}

/// Counts what the tracer reports.
pub struct Counter {
    wants: Wants,
    opts: CountOpts,
    names: Box<dyn TaskNames>,
    /// tid -> key of its per-thread table (a thread that execs keeps its table).
    thread_key: HashMap<i32, i32>,
    report: Report,
}

impl Counter {
    /// A counter keeping calls `wants` accepts, naming tasks with `names`.
    pub fn new(wants: Wants, opts: CountOpts, names: Box<dyn TaskNames>) -> Self {
        Self {
            wants,
            opts,
            names,
            thread_key: HashMap::new(),
            report: Report::default(),
        }
    }

    /// The counts so far.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// Adds to the total and to the task's tables with `add`.
    fn add(&mut self, tid: i32, tgid: i32, add: impl Fn(&mut Counts)) {
        add(&mut self.report.total);
        if self.opts.per_process {
            let names = &mut self.names;
            let (_, counts) = self.report.per_process.entry(tgid).or_insert_with(|| {
                let label = TaskLabel {
                    pid: tgid,
                    tid: None,
                    comm: names.comm(tgid),
                };
                (label, Counts::default())
            });
            add(counts);
        }
        if self.opts.per_thread {
            let key = *self.thread_key.entry(tid).or_insert(tid);
            let names = &mut self.names;
            let (_, counts) = self.report.per_thread.entry(key).or_insert_with(|| {
                let label = TaskLabel {
                    pid: tgid,
                    tid: Some(tid),
                    comm: names.comm(tid),
                };
                (label, Counts::default())
            });
            add(counts);
        }
    }
}

impl Sink for Counter {
    fn event(&mut self, ev: Event) {
        match ev {
            Event::Syscall { tid, tgid, call } => {
                if !(self.wants)(call.personality, call.nr) {
                    return;
                }
                // The histogram gets the raw duration: -O is applied when percentiles are shown.
                let latency = if self.opts.wall {
                    call.wall_ns
                } else {
                    call.cpu_ns
                };
                let call = Completed {
                    cpu_ns: apply_overhead(call.cpu_ns, self.opts.overhead_ns),
                    wall_ns: apply_overhead(call.wall_ns, self.opts.overhead_ns),
                    ..call
                };
                self.add(tid, tgid, |c| c.record(&call, latency));
            }
            Event::Exec { tid, former } => {
                if self.opts.per_process {
                    if let Some((label, _)) = self.report.per_process.get_mut(&tid) {
                        label.comm = self.names.comm(tid);
                    }
                }
                if self.opts.per_thread && former != tid {
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

    fn counts(&mut self, rows: &[TaskCounts]) {
        for row in rows {
            if row.stats.calls == 0 || !(self.wants)(row.personality, row.nr) {
                continue;
            }
            let stats = less_overhead(&row.stats, self.opts.overhead_ns);
            self.add(row.tid, row.tgid, |c| {
                c.record_stats(row.personality, row.nr, &stats);
                c.record_hist(row.personality, row.nr, &row.hist);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;

    use super::*;
    use crate::trace::stats::TimeAgg;

    const GETPID: u64 = 39;
    const READ: u64 = 0;

    /// Names the test sets, and how often the counter asked.
    #[derive(Clone, Default)]
    struct Names(Rc<RefCell<NameBook>>);

    /// The names, and how many times one was asked for.
    type NameBook = (HashMap<i32, Vec<u8>>, usize);

    impl Names {
        fn set(&self, tid: i32, comm: &str) {
            self.0.borrow_mut().0.insert(tid, comm.as_bytes().to_vec());
        }
        fn asked(&self) -> usize {
            self.0.borrow().1
        }
    }

    impl TaskNames for Names {
        fn comm(&mut self, tid: i32) -> Vec<u8> {
            let mut s = self.0.borrow_mut();
            s.1 += 1;
            s.0.get(&tid).cloned().unwrap_or_default()
        }
    }

    fn counter(opts: CountOpts, names: &Names) -> Counter {
        Counter::new(Box::new(|_, nr| nr != READ), opts, Box::new(names.clone()))
    }

    fn call(tid: i32, tgid: i32, nr: u64, ns: u64) -> Event {
        Event::Syscall {
            tid,
            tgid,
            call: Completed {
                personality: Personality::Native,
                nr,
                is_error: false,
                cpu_ns: ns,
                wall_ns: ns * 10,
            },
        }
    }

    fn calls(c: &Counts, nr: u64) -> u64 {
        c.table(Personality::Native)
            .and_then(|t| t.iter().find(|(n, _)| *n == nr).map(|(_, s)| s.calls))
            .unwrap_or(0)
    }

    fn all() -> CountOpts {
        CountOpts {
            overhead_ns: 0,
            per_process: true,
            per_thread: true,
            wall: false,
        }
    }

    #[test]
    fn filter_rejects_and_names_are_not_asked_without_tables() {
        let names = Names::default();
        let mut c = counter(CountOpts::default(), &names);
        c.event(call(10, 10, READ, 5));
        c.event(call(10, 10, GETPID, 5));
        c.event(Event::Exec {
            tid: 10,
            former: 10,
        });
        let r = c.into_report();
        assert_eq!(calls(&r.total, READ), 0);
        assert_eq!(calls(&r.total, GETPID), 1);
        assert!(r.per_process.is_empty() && r.per_thread.is_empty());
        assert_eq!(names.asked(), 0);
    }

    #[test]
    fn overhead_is_subtracted_and_clamped_at_zero() {
        let names = Names::default();
        let opts = CountOpts {
            overhead_ns: 30,
            ..CountOpts::default()
        };
        let mut c = counter(opts, &names);
        c.event(call(10, 10, GETPID, 20)); // cpu 20 -> 0, wall 200 -> 170
        c.event(call(10, 10, GETPID, 100)); // cpu 100 -> 70, wall 1000 -> 970
        let r = c.into_report();
        let t = r.total.table(Personality::Native).unwrap();
        let (_, s) = t.iter().next().unwrap();
        assert_eq!((s.cpu.total_ns, s.cpu.min_ns, s.cpu.max_ns), (70, 0, 70));
        assert_eq!((s.wall.total_ns, s.wall.min_ns), (1140, 170));
    }

    /// The histogram of the time source, with durations as measured (before -O).
    fn hist_of(c: &Counts, nr: u64) -> Vec<(u16, u64)> {
        let t = c.table(Personality::Native).unwrap();
        let (_, _, h) = t.iter_hist().find(|(n, _, _)| *n == nr).unwrap();
        h.iter().collect()
    }

    #[test]
    fn histograms_keep_the_time_source_as_measured() {
        use crate::trace::hist::bucket_of;
        for wall in [false, true] {
            let names = Names::default();
            let opts = CountOpts {
                overhead_ns: 30,
                wall,
                ..all()
            };
            let mut c = counter(opts, &names);
            c.event(call(10, 10, GETPID, 20)); // cpu 20, wall 200
            c.event(call(11, 10, GETPID, 100)); // cpu 100, wall 1000
            let r = c.into_report();
            let want = if wall {
                vec![(bucket_of(200), 1), (bucket_of(1000), 1)]
            } else {
                vec![(bucket_of(20), 1), (bucket_of(100), 1)]
            };
            assert_eq!(hist_of(&r.total, GETPID), want, "wall {wall}");
            assert_eq!(hist_of(&r.per_process[&10].1, GETPID), want);
            assert_eq!(hist_of(&r.per_thread[&11].1, GETPID), want[1..]);
        }
    }

    #[test]
    fn one_overhead_function() {
        assert_eq!(apply_overhead(10, 3), 7);
        assert_eq!(apply_overhead(3, 10), 0);
        assert_eq!(apply_overhead(5, 0), 5);
        assert_eq!(apply_overhead(0, u64::MAX), 0);
    }

    #[test]
    fn per_process_key_is_the_tgid_and_labels_are_read_once() {
        let names = Names::default();
        names.set(10, "leader");
        names.set(11, "worker");
        let mut c = counter(all(), &names);
        c.event(call(10, 10, GETPID, 1));
        c.event(call(11, 10, GETPID, 1));
        c.event(call(11, 10, GETPID, 1));
        c.event(call(20, 20, GETPID, 1));
        let r = c.into_report();
        assert_eq!(r.per_process.keys().copied().collect::<Vec<_>>(), [10, 20]);
        let (label, counts) = &r.per_process[&10];
        assert_eq!((label.pid, label.tid), (10, None));
        assert_eq!(label.comm, b"leader");
        assert_eq!(calls(counts, GETPID), 3);
        let (label, counts) = &r.per_thread[&11];
        assert_eq!(
            (label.pid, label.tid, &label.comm[..]),
            (10, Some(11), &b"worker"[..])
        );
        assert_eq!(calls(counts, GETPID), 2);
        // One name per table, not per call.
        assert_eq!(names.asked(), 5);
    }

    #[test]
    fn non_leader_exec_keeps_the_thread_table_and_renames_the_process() {
        let names = Names::default();
        names.set(10, "before");
        names.set(11, "before");
        let mut c = counter(all(), &names);
        c.event(call(10, 10, GETPID, 1));
        c.event(call(11, 10, GETPID, 1));
        // Thread 11 execs: the leader goes, 11 takes tid 10.
        c.event(Event::Exit { tid: 10 });
        names.set(10, "after");
        c.event(Event::Exec {
            tid: 10,
            former: 11,
        });
        c.event(call(10, 10, GETPID, 1));
        c.event(call(10, 10, GETPID, 1));
        let r = c.into_report();
        assert_eq!(r.per_process[&10].0.comm, b"after");
        assert_eq!(calls(&r.per_process[&10].1, GETPID), 4);
        // The old leader's table ends at its exit; the execing thread's goes on under its key.
        assert_eq!(calls(&r.per_thread[&10].1, GETPID), 1);
        assert_eq!(calls(&r.per_thread[&11].1, GETPID), 3);
        assert_eq!(r.per_thread[&11].0.tid, Some(11));
        assert_eq!(r.per_thread[&11].0.comm, b"before");
    }

    #[test]
    fn exit_forgets_the_thread_key() {
        let names = Names::default();
        let mut c = counter(all(), &names);
        c.event(call(11, 10, GETPID, 1));
        c.event(Event::Exit { tid: 10 });
        c.event(Event::Exec {
            tid: 10,
            former: 11,
        });
        c.event(call(10, 10, GETPID, 1));
        c.event(Event::Exit { tid: 10 });
        // The tid is reused by a new thread: a new table.
        c.event(call(10, 10, GETPID, 1));
        c.event(call(10, 10, GETPID, 1));
        let r = c.into_report();
        assert_eq!(calls(&r.per_thread[&11].1, GETPID), 2);
        assert_eq!(calls(&r.per_thread[&10].1, GETPID), 2);
    }

    #[test]
    fn aggregated_rows_are_filtered_and_less_overhead() {
        let names = Names::default();
        names.set(7, "agg");
        let opts = CountOpts {
            overhead_ns: 10,
            ..all()
        };
        let mut c = counter(opts, &names);
        let stats = CallStats {
            calls: 3,
            errors: 1,
            cpu: TimeAgg {
                total_ns: 100,
                min_ns: 20,
                max_ns: 50,
            },
            wall: TimeAgg {
                total_ns: 20,
                min_ns: 5,
                max_ns: 9,
            },
        };
        let row = |nr| TaskCounts {
            tid: 7,
            tgid: 7,
            personality: Personality::Native,
            nr,
            stats,
            hist: vec![(4, 2), (300, 1)],
        };
        c.counts(&[row(GETPID), row(READ)]);
        let r = c.into_report();
        assert_eq!(calls(&r.total, READ), 0);
        let (_, s) = r
            .total
            .table(Personality::Native)
            .unwrap()
            .iter()
            .next()
            .unwrap();
        assert_eq!((s.calls, s.errors), (3, 1));
        assert_eq!((s.cpu.total_ns, s.cpu.min_ns, s.cpu.max_ns), (70, 10, 40));
        assert_eq!((s.wall.total_ns, s.wall.min_ns, s.wall.max_ns), (0, 0, 0));
        assert_eq!(r.per_process[&7].0.comm, b"agg");
        assert_eq!(calls(&r.per_thread[&7].1, GETPID), 3);
        // The backend's buckets, unchanged by -O, in every table.
        assert_eq!(hist_of(&r.total, GETPID), [(4, 2), (300, 1)]);
        assert_eq!(hist_of(&r.per_thread[&7].1, GETPID), [(4, 2), (300, 1)]);
    }
}
