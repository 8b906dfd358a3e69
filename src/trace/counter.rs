//! The counting [`Sink`]: turns a backend's events (or the counts it aggregated) into a
//! [`Report`] (all tasks, and per process or per thread when asked), applying the syscall filter
//! and the -O overhead ([`apply_overhead`]) to the time aggregates; the latency histograms keep
//! the durations as measured (the overhead is applied to percentiles when they are shown, see
//! [`crate::trace::hist::Hist::quantile_less`]). Task names come from the backend ([`TaskNames`]),
//! asked for only when per-process or per-thread tables are; the counter reads nothing itself.
//! Live tables ([`Sink::live`]: `--interval`, SIGUSR1) go to a renderer the command layer gives
//! ([`LiveOut`]); with intervals the counter keeps a second report, of the current interval.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use super::arch::Personality;
use super::event::{Event, Live, Sink, TaskCounts, TaskNames};
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
    /// One table per container, and one for the host.
    pub per_container: bool,
    /// The latency histograms keep each call's wall-clock time (`-w`); otherwise its CPU time
    /// (the time the table shows).
    pub wall: bool,
}

/// A live table, as the counter hands it to its renderer.
#[derive(Debug)]
pub struct LiveTable<'a> {
    /// What it is: one interval, or everything so far.
    pub what: Live,
    /// The interval's number (1, 2, ...), or the cumulative table's (1 for the first SIGUSR1).
    pub seq: u64,
    /// The time it covers: the interval's (the last one ends when tracing does), or the time
    /// since counting began.
    pub covers: Duration,
    /// When it was taken.
    pub at: SystemTime,
    /// The counts: the interval's, or all so far.
    pub report: &'a Report,
}

/// Renders live tables (the command layer's: where and how they are printed).
pub type LiveRender = Box<dyn FnMut(&LiveTable<'_>)>;

/// Live tables for a [`Counter`]: whether intervals are counted apart, and their renderer.
pub struct LiveOut {
    /// `--interval` given: keep the current interval's counts beside the cumulative ones.
    pub intervals: bool,
    pub render: LiveRender,
}

/// A counter's live-table state.
struct LiveState {
    render: LiveRender,
    /// The current interval's counts (with intervals only).
    interval: Option<Report>,
    started: Instant,
    interval_started: Instant,
    intervals: u64,
    cumulatives: u64,
}

/// Counts what the tracer reports.
pub struct Counter {
    wants: Wants,
    opts: CountOpts,
    names: Box<dyn TaskNames>,
    /// tid -> key of its per-thread table (a thread that execs keeps its table).
    thread_key: HashMap<i32, i32>,
    /// tgid -> its container (None: the host), asked once per process.
    containers: HashMap<i32, Option<String>>,
    report: Report,
    live: Option<LiveState>,
}

impl Counter {
    /// A counter keeping calls `wants` accepts, naming tasks with `names`.
    pub fn new(wants: Wants, opts: CountOpts, names: Box<dyn TaskNames>) -> Self {
        Self {
            wants,
            opts,
            names,
            thread_key: HashMap::new(),
            containers: HashMap::new(),
            report: Report::default(),
            live: None,
        }
    }

    /// The counter, rendering live tables with `out` (counting began now).
    pub fn with_live(mut self, out: LiveOut) -> Self {
        let now = Instant::now();
        self.live = Some(LiveState {
            render: out.render,
            interval: out.intervals.then(Report::default),
            started: now,
            interval_started: now,
            intervals: 0,
            cumulatives: 0,
        });
        self
    }

    /// The counts so far.
    pub fn into_report(self) -> Report {
        self.report
    }

    /// Adds to the total and to the task's tables with `add`.
    fn add(&mut self, tid: i32, tgid: i32, add: impl Fn(&mut Counts)) {
        add(&mut self.report.total);
        let container = if self.opts.per_container {
            let names = &mut self.names;
            let id = self
                .containers
                .entry(tgid)
                .or_insert_with(|| names.container(tgid))
                .clone();
            add(self.report.per_container.entry(id.clone()).or_default());
            Some(id)
        } else {
            None
        };
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
        // The current interval's tables, labelled as the cumulative ones (names asked once).
        if let Some(r) = self.live.as_mut().and_then(|l| l.interval.as_mut()) {
            add(&mut r.total);
            if let Some(id) = container {
                add(r.per_container.entry(id).or_default());
            }
            if self.opts.per_process {
                if let Some((label, _)) = self.report.per_process.get(&tgid) {
                    let (_, c) = r
                        .per_process
                        .entry(tgid)
                        .or_insert_with(|| (label.clone(), Counts::default()));
                    add(c);
                }
            }
            if self.opts.per_thread {
                let key = self.thread_key.get(&tid).copied().unwrap_or(tid);
                if let Some((label, _)) = self.report.per_thread.get(&key) {
                    let (_, c) = r
                        .per_thread
                        .entry(key)
                        .or_insert_with(|| (label.clone(), Counts::default()));
                    add(c);
                }
            }
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
                        let r = self.live.as_mut().and_then(|l| l.interval.as_mut());
                        if let Some((now, _)) = r.and_then(|r| r.per_process.get_mut(&tid)) {
                            now.comm.clone_from(&label.comm);
                        }
                    }
                }
                if self.opts.per_thread && former != tid {
                    if let Some(key) = self.thread_key.remove(&former) {
                        self.thread_key.insert(tid, key);
                    }
                }
                // The thread's table is named after what it runs now, as the process's is.
                if self.opts.per_thread {
                    let key = self.thread_key.get(&tid).copied().unwrap_or(tid);
                    if let Some((label, _)) = self.report.per_thread.get_mut(&key) {
                        label.comm = self.names.comm(tid);
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

    /// Renders the interval's table and starts the next interval (nothing without intervals),
    /// or renders everything so far; counting goes on either way.
    fn live(&mut self, what: Live) {
        let Some(l) = self.live.as_mut() else {
            return;
        };
        let now = Instant::now();
        let at = SystemTime::now();
        match what {
            Live::Interval => {
                let Some(interval) = l.interval.take() else {
                    return;
                };
                l.intervals += 1;
                (l.render)(&LiveTable {
                    what,
                    seq: l.intervals,
                    covers: now.saturating_duration_since(l.interval_started),
                    at,
                    report: &interval,
                });
                l.interval = Some(Report::default());
                l.interval_started = now;
            }
            Live::Cumulative => {
                l.cumulatives += 1;
                (l.render)(&LiveTable {
                    what,
                    seq: l.cumulatives,
                    covers: now.saturating_duration_since(l.started),
                    at,
                    report: &self.report,
                });
            }
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
            per_container: false,
            wall: false,
        }
    }

    /// Names with containers: tgid 20 runs in container "c1", the rest on the host.
    struct InContainer(Names);

    impl TaskNames for InContainer {
        fn comm(&mut self, tid: i32) -> Vec<u8> {
            self.0.comm(tid)
        }
        fn container(&mut self, tgid: i32) -> Option<String> {
            self.0 .0.borrow_mut().1 += 1;
            (tgid == 20).then(|| "c1".to_string())
        }
    }

    #[test]
    fn per_container_tables_group_processes_and_ask_once_per_process() {
        let names = Names::default();
        let opts = CountOpts {
            per_container: true,
            ..CountOpts::default()
        };
        let mut c = Counter::new(
            Box::new(|_, nr| nr != READ),
            opts,
            Box::new(InContainer(names.clone())),
        );
        c.event(call(10, 10, GETPID, 1));
        c.event(call(20, 20, GETPID, 1));
        c.event(call(21, 20, GETPID, 1));
        c.event(call(20, 20, GETPID, 1));
        c.event(call(30, 30, GETPID, 1));
        let r = c.into_report();
        assert_eq!(calls(&r.per_container[&None], GETPID), 2);
        assert_eq!(calls(&r.per_container[&Some("c1".to_string())], GETPID), 3);
        assert_eq!(r.per_container.len(), 2);
        assert_eq!(calls(&r.total, GETPID), 5);
        assert_eq!(names.asked(), 3, "one question per process");
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
        // Named after what it runs now, as the process is; the old leader keeps its name.
        assert_eq!(r.per_thread[&11].0.comm, b"after");
        assert_eq!(r.per_thread[&10].0.comm, b"before");
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

    /// What a live renderer saw: (kind, seq, getpid calls in the total, per-process labels and
    /// calls).
    type Seen = Rc<RefCell<Vec<(Live, u64, u64, Vec<(Vec<u8>, u64)>)>>>;

    fn live_counter(intervals: bool, names: &Names) -> (Counter, Seen) {
        let seen: Seen = Rc::default();
        let log = seen.clone();
        let render: LiveRender = Box::new(move |t: &LiveTable<'_>| {
            let procs = t
                .report
                .per_process
                .values()
                .map(|(l, c)| (l.comm.clone(), calls(c, GETPID)))
                .collect();
            log.borrow_mut()
                .push((t.what, t.seq, calls(&t.report.total, GETPID), procs));
        });
        let opts = CountOpts {
            per_process: true,
            ..CountOpts::default()
        };
        let c = counter(opts, names).with_live(LiveOut { intervals, render });
        (c, seen)
    }

    #[test]
    fn intervals_hold_the_calls_since_the_last_one_and_the_report_all() {
        let names = Names::default();
        names.set(10, "ten");
        let (mut c, seen) = live_counter(true, &names);
        c.event(call(10, 10, GETPID, 1));
        c.event(call(10, 10, GETPID, 1));
        c.live(Live::Interval);
        c.live(Live::Interval);
        c.event(call(10, 10, GETPID, 1));
        c.event(call(10, 10, READ, 1));
        c.live(Live::Cumulative);
        c.live(Live::Interval);
        let ten = || b"ten".to_vec();
        assert_eq!(
            *seen.borrow(),
            [
                (Live::Interval, 1, 2, vec![(ten(), 2)]),
                (Live::Interval, 2, 0, vec![]),
                (Live::Cumulative, 1, 3, vec![(ten(), 3)]),
                (Live::Interval, 3, 1, vec![(ten(), 1)]),
            ]
        );
        // The interval tables take the labels of the cumulative ones: one name asked.
        assert_eq!(names.asked(), 1);
        assert_eq!(calls(&c.into_report().total, GETPID), 3);
    }

    #[test]
    fn without_intervals_only_cumulative_tables_and_no_live_state_without_a_renderer() {
        let names = Names::default();
        let (mut c, seen) = live_counter(false, &names);
        c.event(call(10, 10, GETPID, 1));
        c.live(Live::Interval);
        c.live(Live::Cumulative);
        assert_eq!(seen.borrow().len(), 1);
        assert_eq!(seen.borrow()[0].0, Live::Cumulative);
        let mut plain = counter(CountOpts::default(), &names);
        plain.event(call(10, 10, GETPID, 1));
        plain.live(Live::Cumulative);
        assert_eq!(calls(&plain.into_report().total, GETPID), 1);
    }

    /// Per live table: (container, getpid calls) of its per-container tables.
    type SeenContainers = Rc<RefCell<Vec<Vec<(Option<String>, u64)>>>>;

    #[test]
    fn interval_tables_have_per_container_tables_too() {
        let names = Names::default();
        let seen: SeenContainers = Rc::default();
        let log = seen.clone();
        let render: LiveRender = Box::new(move |t: &LiveTable<'_>| {
            let rows = t
                .report
                .per_container
                .iter()
                .map(|(id, c)| (id.clone(), calls(c, GETPID)))
                .collect();
            log.borrow_mut().push(rows);
        });
        let opts = CountOpts {
            per_container: true,
            ..CountOpts::default()
        };
        let mut c = Counter::new(
            Box::new(|_, nr| nr != READ),
            opts,
            Box::new(InContainer(names.clone())),
        )
        .with_live(LiveOut {
            intervals: true,
            render,
        });
        c.event(call(10, 10, GETPID, 1));
        c.event(call(20, 20, GETPID, 1));
        c.live(Live::Interval);
        c.event(call(20, 20, GETPID, 1));
        c.live(Live::Interval);
        let c1 = || Some("c1".to_string());
        assert_eq!(
            *seen.borrow(),
            [vec![(None, 1), (c1(), 1)], vec![(c1(), 1)]]
        );
        assert_eq!(names.asked(), 2, "one question per process");
        assert_eq!(calls(&c.into_report().per_container[&c1()], GETPID), 2);
    }
}
