//! What `ksec trace` counts: per-syscall calls, errors, CPU and wall time and a latency
//! histogram ([`Hist`]), per personality, and optionally per process and per thread. Filled by
//! the tracer's event consumer, read by the renderers in [`super::summary`]; independent of how
//! events are collected (ptrace now, eBPF later).

use std::collections::BTreeMap;

use serde::Serialize;

use super::arch::Personality;
use super::hist::Hist;

/// Sum, minimum and maximum of a set of durations, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeAgg {
    pub total_ns: u64,
    /// `u64::MAX` while no call was recorded.
    pub min_ns: u64,
    pub max_ns: u64,
}

impl Default for TimeAgg {
    fn default() -> Self {
        Self {
            total_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }
}

impl TimeAgg {
    /// Adds one duration.
    #[inline]
    pub fn add(&mut self, ns: u64) {
        self.total_ns = self.total_ns.saturating_add(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Merges another aggregate into this one.
    pub fn merge(&mut self, other: &TimeAgg) {
        self.total_ns = self.total_ns.saturating_add(other.total_ns);
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

/// Counters of one syscall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CallStats {
    pub calls: u64,
    pub errors: u64,
    /// CPU time the calling thread spent between entry and exit.
    pub cpu: TimeAgg,
    /// Wall-clock time between entry and exit.
    pub wall: TimeAgg,
}

impl CallStats {
    /// Merges another syscall's counters into this one.
    pub fn merge(&mut self, other: &CallStats) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.cpu.merge(&other.cpu);
        self.wall.merge(&other.wall);
    }
}

/// One completed syscall, as the tracer hands it to the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed {
    pub personality: Personality,
    pub nr: u64,
    pub is_error: bool,
    /// CPU time in the syscall, if it was measured.
    pub cpu_ns: u64,
    /// Wall-clock time in the syscall.
    pub wall_ns: u64,
}

/// One syscall's counters, and the latency histogram of its calls' measured time.
#[derive(Debug, Clone, Default)]
struct Slot {
    stats: CallStats,
    hist: Hist,
}

/// Counters of every syscall of one personality, keyed by syscall number: the syscalls made,
/// in ascending number order, found by binary search. Not a vector indexed by number: a
/// per-thread table of a thread that only called clone3 (435) would hold 436 slots, and
/// `--per-thread` of 10,000 threads hundreds of megabytes.
#[derive(Debug, Clone, Default)]
pub struct SyscallTable {
    slots: Vec<(u64, Slot)>,
}

impl SyscallTable {
    #[inline]
    fn slot(&mut self, nr: u64) -> &mut Slot {
        let i = match self.slots.binary_search_by_key(&nr, |(n, _)| *n) {
            Ok(i) => i,
            Err(i) => {
                self.slots.insert(i, (nr, Slot::default()));
                i
            }
        };
        &mut self.slots[i].1
    }

    /// The counters of syscall `nr`, created on first use.
    #[inline]
    pub fn entry(&mut self, nr: u64) -> &mut CallStats {
        &mut self.slot(nr).stats
    }

    /// The latency histogram of syscall `nr` (the time source's durations as measured, before
    /// any `-O` overhead), created on first use.
    #[inline]
    pub fn hist_mut(&mut self, nr: u64) -> &mut Hist {
        &mut self.slot(nr).hist
    }

    fn slots(&self) -> impl Iterator<Item = (u64, &Slot)> + '_ {
        self.slots
            .iter()
            .map(|(n, s)| (*n, s))
            .filter(|(_, s)| s.stats.calls > 0)
    }

    /// Syscalls with at least one call, in ascending syscall-number order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &CallStats)> + '_ {
        self.slots().map(|(n, s)| (n, &s.stats))
    }

    /// [`SyscallTable::iter`] with each syscall's latency histogram (empty when the backend
    /// kept none).
    pub fn iter_hist(&self) -> impl Iterator<Item = (u64, &CallStats, &Hist)> + '_ {
        self.slots().map(|(n, s)| (n, &s.stats, &s.hist))
    }

    /// True when no syscall was counted.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Merges another table into this one.
    pub fn merge(&mut self, other: &SyscallTable) {
        for (nr, s) in other.slots() {
            let slot = self.slot(nr);
            slot.stats.merge(&s.stats);
            slot.hist.merge(&s.hist);
        }
    }
}

/// Counters for every personality (one strace table each).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    tables: BTreeMap<Personality, SyscallTable>,
}

impl Counts {
    /// Records one completed syscall, and `latency_ns` (the time source's duration as
    /// measured, before any `-O` overhead) in its histogram.
    #[inline]
    pub fn record(&mut self, c: &Completed, latency_ns: u64) {
        let slot = self.tables.entry(c.personality).or_default().slot(c.nr);
        let s = &mut slot.stats;
        s.calls += 1;
        if c.is_error {
            s.errors += 1;
        }
        s.cpu.add(c.cpu_ns);
        s.wall.add(c.wall_ns);
        slot.hist.add(latency_ns);
    }

    /// Adds the counters of one syscall a backend aggregated (calls, errors, times).
    pub fn record_stats(&mut self, p: Personality, nr: u64, s: &CallStats) {
        self.tables.entry(p).or_default().entry(nr).merge(s);
    }

    /// Adds the latency histogram of one syscall a backend aggregated: (bucket of
    /// [`super::hist::bucket_of`], count) pairs, as in
    /// [`TaskCounts::hist`](super::event::TaskCounts::hist).
    pub fn record_hist(&mut self, p: Personality, nr: u64, buckets: &[(u16, u64)]) {
        if buckets.is_empty() {
            return;
        }
        let h = self.tables.entry(p).or_default().hist_mut(nr);
        for &(b, n) in buckets {
            h.add_bucket(b, n);
        }
    }

    /// The table of one personality, if anything was counted in it.
    pub fn table(&self, p: Personality) -> Option<&SyscallTable> {
        self.tables.get(&p).filter(|t| !t.is_empty())
    }

    /// The table of one personality, created on first use; for consumers (and tests) that fill
    /// counters directly, e.g. to merge aggregates from another backend.
    pub fn table_mut(&mut self, p: Personality) -> &mut SyscallTable {
        self.tables.entry(p).or_default()
    }

    /// Non-empty tables, native personality first.
    pub fn tables(&self) -> impl Iterator<Item = (Personality, &SyscallTable)> + '_ {
        self.tables
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(p, t)| (*p, t))
    }

    /// Merges another set of counters into this one.
    pub fn merge(&mut self, other: &Counts) {
        for (p, t) in other.tables() {
            self.tables.entry(p).or_default().merge(t);
        }
    }
}

/// Who a per-process or per-thread table belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskLabel {
    /// The process id (tgid).
    pub pid: i32,
    /// The thread id, for per-thread tables.
    pub tid: Option<i32>,
    /// The command name (comm) last seen, bytes as the kernel gave them.
    pub comm: Vec<u8>,
}

/// Everything one trace run counted.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// All processes and threads together (strace's table).
    pub total: Counts,
    /// Per process (tgid), when asked for.
    pub per_process: BTreeMap<i32, (TaskLabel, Counts)>,
    /// Per thread (tid), when asked for.
    pub per_thread: BTreeMap<i32, (TaskLabel, Counts)>,
    /// Per container (its full id; None for processes in no container: the host), when asked
    /// for.
    pub per_container: BTreeMap<Option<String>, Counts>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(nr: u64, err: bool, ns: u64) -> Completed {
        Completed {
            personality: Personality::Native,
            nr,
            is_error: err,
            cpu_ns: ns,
            wall_ns: ns * 2,
        }
    }

    #[test]
    fn records_calls_errors_and_times() {
        let mut c = Counts::default();
        c.record(&call(0, false, 10), 10);
        c.record(&call(0, true, 30), 30);
        c.record(&call(5000, false, 7), 7);
        let t = c.table(Personality::Native).unwrap();
        let rows: Vec<_> = t.iter().collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 0);
        assert_eq!(rows[0].1.calls, 2);
        assert_eq!(rows[0].1.errors, 1);
        assert_eq!(rows[0].1.cpu.total_ns, 40);
        assert_eq!(rows[0].1.cpu.min_ns, 10);
        assert_eq!(rows[0].1.wall.max_ns, 60);
        assert_eq!(rows[1].0, 5000);
        assert!(c.table(Personality::Compat32).is_none());
        let hists: Vec<_> = t.iter_hist().map(|(nr, _, h)| (nr, h.count())).collect();
        assert_eq!(hists, [(0, 2), (5000, 1)]);
    }

    #[test]
    fn histograms_merge_as_counts_do() {
        let mut a = Counts::default();
        a.record(&call(1, false, 5), 5);
        a.record(&call(1, false, 5), 1_000);
        let mut b = Counts::default();
        b.record(&call(1, false, 5), 5);
        b.record_hist(
            Personality::Native,
            1,
            &[(crate::trace::hist::bucket_of(5), 3)],
        );
        b.record_hist(Personality::Native, 2, &[]);
        a.merge(&b);
        let t = a.table(Personality::Native).unwrap();
        let (_, s, h) = t.iter_hist().next().unwrap();
        assert_eq!(s.calls, 3);
        let buckets: Vec<_> = h.iter().collect();
        assert_eq!(
            buckets,
            [(5, 5), (crate::trace::hist::bucket_of(1_000), 1)],
            "5 ns: 2 recorded, 3 aggregated"
        );
        // A histogram alone (no calls) is no row.
        assert_eq!(t.iter().count(), 1);
    }
}
