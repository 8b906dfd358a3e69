//! What `ksec trace` counts: per-syscall calls, errors, CPU and wall time, per personality, and
//! optionally per process and per thread. Filled by the tracer's event consumer, read by the
//! renderers in [`super::summary`]; independent of how events are collected (ptrace now, eBPF later).

use std::collections::BTreeMap;

use serde::Serialize;

use super::arch::Personality;

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

/// Numbers below this are kept in a dense vector; others (unknown, x32, garbage) in a map.
const DENSE: usize = 1024;

/// Counters of every syscall of one personality, keyed by syscall number.
#[derive(Debug, Clone, Default)]
pub struct SyscallTable {
    dense: Vec<CallStats>,
    sparse: BTreeMap<u64, CallStats>,
}

impl SyscallTable {
    /// The counters of syscall `nr`, created on first use.
    #[inline]
    pub fn entry(&mut self, nr: u64) -> &mut CallStats {
        if (nr as usize) < DENSE && nr < DENSE as u64 {
            let i = nr as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, CallStats::default());
            }
            &mut self.dense[i]
        } else {
            self.sparse.entry(nr).or_default()
        }
    }

    /// Syscalls with at least one call, in ascending syscall-number order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &CallStats)> + '_ {
        self.dense
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u64, s))
            .chain(self.sparse.iter().map(|(n, s)| (*n, s)))
            .filter(|(_, s)| s.calls > 0)
    }

    /// True when no syscall was counted.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Merges another table into this one.
    pub fn merge(&mut self, other: &SyscallTable) {
        for (nr, s) in other.iter() {
            self.entry(nr).merge(s);
        }
    }
}

/// Counters for every personality (one strace table each).
#[derive(Debug, Clone, Default)]
pub struct Counts {
    tables: BTreeMap<Personality, SyscallTable>,
}

impl Counts {
    /// Records one completed syscall.
    #[inline]
    pub fn record(&mut self, c: &Completed) {
        let s = self.tables.entry(c.personality).or_default().entry(c.nr);
        s.calls += 1;
        if c.is_error {
            s.errors += 1;
        }
        s.cpu.add(c.cpu_ns);
        s.wall.add(c.wall_ns);
    }

    /// Adds the counters of one syscall a backend aggregated (calls, errors, times).
    pub fn record_stats(&mut self, p: Personality, nr: u64, s: &CallStats) {
        self.tables.entry(p).or_default().entry(nr).merge(s);
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
        c.record(&call(0, false, 10));
        c.record(&call(0, true, 30));
        c.record(&call(5000, false, 7));
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
    }
}
