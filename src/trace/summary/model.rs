//! One table's rows, sorted, with the derived values the renderers need (averages, totals,
//! percentages, computed the way strace's `call_summary_pers` computes them; percentiles and
//! histograms, less the `-O` overhead).

use std::borrow::Cow;
use std::cmp::Reverse;

use crate::trace::arch::Personality;
use crate::trace::hist::{bucket_high, bucket_low, Hist};
use crate::trace::stats::{CallStats, SyscallTable, TimeAgg};

use super::{RenderOpts, SortKey, PERCENTILES};

pub(super) const NS_IN_S: u64 = 1_000_000_000;

/// strace's `ts_float`: whole seconds plus nanoseconds / 1e9, as a double (the exact operations
/// matter for the printed digits).
pub(super) fn ts_float(ns: u64) -> f64 {
    (ns / NS_IN_S) as f64 + (ns % NS_IN_S) as f64 / 1e9
}

/// strace's `ts_div`: the average rounded to the nearest nanosecond.
pub(super) fn avg_ns(total_ns: u64, calls: u64) -> u64 {
    if calls == 0 {
        return 0;
    }
    ((u128::from(total_ns) + u128::from(calls / 2)) / u128::from(calls)) as u64
}

/// Microseconds as strace prints them: `(uint64_t) (ts_float(avg) * 1e6)`.
pub(super) fn usecs(ns: u64) -> u64 {
    (ts_float(ns) * 1e6) as u64
}

/// Times of one row or of a table, for one time source, with the average rounded to the ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Times {
    pub total_ns: u64,
    pub min_ns: u64,
    pub max_ns: u64,
    pub avg_ns: u64,
}

impl Times {
    fn of(agg: &TimeAgg, calls: u64) -> Self {
        Self {
            total_ns: agg.total_ns,
            min_ns: agg.min_ns,
            max_ns: agg.max_ns,
            avg_ns: avg_ns(agg.total_ns, calls),
        }
    }
}

/// The latency distribution of a row or of a table: the histogram as measured, and what is
/// shown of it with the `-O` overhead subtracted.
#[derive(Debug, Clone, Default)]
pub(super) struct Latency {
    /// The durations as measured (before -O).
    pub hist: Hist,
    /// -O, subtracted from what is shown.
    pub overhead_ns: u64,
    /// [`PERCENTILES`], in nanoseconds, less the overhead; None without a histogram.
    pub pcts: [Option<u64>; 3],
}

impl Latency {
    /// The distribution of `hist`, shown less `overhead_ns`; `times` are the same calls'
    /// shortest and longest (after the overhead), which bound the percentiles.
    ///
    /// A percentile is the middle of the fine bucket holding it, so it can lie up to half a
    /// bucket beyond the shortest or longest call; clamped to them, it never does (and is exact
    /// when it is one of them, e.g. p99 of a handful of calls).
    pub fn new(hist: Hist, overhead_ns: u64, times: &Times) -> Self {
        let pcts = PERCENTILES.map(|(_, q)| {
            let p = hist.quantile_less(q, overhead_ns)?;
            // A row filled without times (min > max) bounds nothing.
            Some(match times.min_ns <= times.max_ns {
                true => p.clamp(times.min_ns, times.max_ns),
                false => p,
            })
        });
        Self {
            hist,
            overhead_ns,
            pcts,
        }
    }

    /// The buckets that were hit, ascending, as (low, high, count), the bounds inclusive and
    /// less the overhead (clamped at zero); buckets the shift makes equal are merged (all those
    /// entirely below the overhead become one `0..=0`).
    pub fn buckets(&self) -> Vec<(u64, u64, u64)> {
        let o = self.overhead_ns;
        let mut out: Vec<(u64, u64, u64)> = Vec::new();
        for (b, n) in self.hist.iter() {
            let (low, high) = (
                bucket_low(b).saturating_sub(o),
                bucket_high(b).saturating_sub(o),
            );
            match out.last_mut() {
                Some(last) if (last.0, last.1) == (low, high) => last.2 += n,
                _ => out.push((low, high, n)),
            }
        }
        out
    }
}

/// One syscall's row.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub nr: u64,
    pub name: Cow<'static, str>,
    pub calls: u64,
    pub errors: u64,
    pub cpu: Times,
    pub wall: Times,
    /// The time source (`wall` with -w, else `cpu`).
    pub time: Times,
    /// strace's percentage of the time source: `100 * t / total`, 0 when `t` is 0.
    pub percent: f64,
    /// The time source's distribution.
    pub latency: Latency,
}

/// Sums over a table's rows, and the largest per-row values that set column widths.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Totals {
    pub calls: u64,
    pub errors: u64,
    pub total_ns: u64,
    /// Smallest per-row minimum (printed in the total row).
    pub min_ns: u64,
    /// Largest per-row minimum (sets the width of `shortest`).
    pub min_max_ns: u64,
    /// Largest per-row maximum.
    pub max_ns: u64,
    /// Largest per-row (rounded) average (sets the width of `usecs/call`).
    pub avg_max_ns: u64,
}

impl Totals {
    fn add(&mut self, t: &Times) {
        self.total_ns = self.total_ns.saturating_add(t.total_ns);
        self.min_ns = self.min_ns.min(t.min_ns);
        self.min_max_ns = self.min_max_ns.max(t.min_ns);
        self.max_ns = self.max_ns.max(t.max_ns);
        self.avg_max_ns = self.avg_max_ns.max(t.avg_ns);
    }

    /// The total row's `usecs/call`: `(uint64_t) (total seconds / calls * 1e6)`.
    pub fn usecs_per_call(&self) -> u64 {
        (ts_float(self.total_ns) / self.calls as f64 * 1e6) as u64
    }

    /// The total row's average in nanoseconds (JSON), rounded like a row's.
    pub fn avg_ns(&self) -> u64 {
        avg_ns(self.total_ns, self.calls)
    }
}

/// One personality's table, rows sorted.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub personality: Personality,
    pub rows: Vec<Row>,
    pub cpu: Totals,
    pub wall: Totals,
    /// The time source's totals.
    pub time: Totals,
    /// Longest row label, in bytes.
    pub name_max: usize,
    /// The distribution of every call of the table (the rows' histograms merged).
    pub latency: Latency,
}

impl Table {
    /// Builds and sorts the table of one personality, or `None` when nothing was counted in it.
    pub fn build(
        personality: Personality,
        table: &SyscallTable,
        opts: &RenderOpts,
    ) -> Option<Self> {
        let empty = Totals {
            min_ns: u64::MAX,
            ..Totals::default()
        };
        let (mut cpu, mut wall) = (empty, empty);
        let mut all = Hist::default();
        let mut rows: Vec<Row> = table
            .iter_hist()
            .map(|(nr, s, hist): (u64, &CallStats, &Hist)| {
                let cpu_t = Times::of(&s.cpu, s.calls);
                let wall_t = Times::of(&s.wall, s.calls);
                let time_t = if opts.wall { wall_t } else { cpu_t };
                cpu.add(&cpu_t);
                wall.add(&wall_t);
                cpu.calls += s.calls;
                cpu.errors += s.errors;
                all.merge(hist);
                Row {
                    nr,
                    name: personality.display_name(nr),
                    calls: s.calls,
                    errors: s.errors,
                    cpu: cpu_t,
                    wall: wall_t,
                    time: time_t,
                    percent: 0.0,
                    latency: Latency::new(hist.clone(), opts.overhead_ns, &time_t),
                }
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        wall.calls = cpu.calls;
        wall.errors = cpu.errors;
        let time = if opts.wall { wall } else { cpu };

        let cum = ts_float(time.total_ns);
        for r in &mut rows {
            // As strace: the division is skipped when the row's time is 0, so that an all-zero
            // table prints 0.00 rather than NaN.
            let p = 100.0 * ts_float(r.time.total_ns);
            r.percent = if p != 0.0 { p / cum } else { p };
        }
        sort(&mut rows, opts.sort);
        let name_max = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
        Some(Self {
            personality,
            rows,
            cpu,
            wall,
            time,
            name_max,
            latency: Latency::new(
                all,
                opts.overhead_ns,
                &Times {
                    total_ns: time.total_ns,
                    min_ns: time.min_ns,
                    max_ns: time.max_ns,
                    avg_ns: 0,
                },
            ),
        })
    }
}

/// Sorts rows (given in ascending syscall-number order) stably by `key`.
fn sort(rows: &mut [Row], key: SortKey) {
    match key {
        SortKey::Time => rows.sort_by_key(|r| Reverse(r.time.total_ns)),
        SortKey::MinTime => rows.sort_by_key(|r| Reverse(r.time.min_ns)),
        SortKey::MaxTime => rows.sort_by_key(|r| Reverse(r.time.max_ns)),
        SortKey::AvgTime => rows.sort_by_key(|r| Reverse(r.time.avg_ns)),
        SortKey::Calls => rows.sort_by_key(|r| Reverse(r.calls)),
        SortKey::Errors => rows.sort_by_key(|r| Reverse(r.errors)),
        SortKey::Name => rows.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes())),
        SortKey::None => {}
        SortKey::WallTotal => rows.sort_by_key(|r| Reverse(r.wall.total_ns)),
        SortKey::WallMin => rows.sort_by_key(|r| Reverse(r.wall.min_ns)),
        SortKey::WallMax => rows.sort_by_key(|r| Reverse(r.wall.max_ns)),
        SortKey::WallAvg => rows.sort_by_key(|r| Reverse(r.wall.avg_ns)),
        // None (no histogram) sorts below every value, so those rows come last.
        SortKey::P50 => rows.sort_by_key(|r| Reverse(r.latency.pcts[0])),
        SortKey::P90 => rows.sort_by_key(|r| Reverse(r.latency.pcts[1])),
        SortKey::P99 => rows.sort_by_key(|r| Reverse(r.latency.pcts[2])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_round_to_the_nearest_ns() {
        assert_eq!(avg_ns(10, 3), 3);
        assert_eq!(avg_ns(11, 3), 4);
        assert_eq!(avg_ns(5, 2), 3); // half rounds up
        assert_eq!(avg_ns(0, 7), 0);
        assert_eq!(avg_ns(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn latency_buckets_are_shifted_and_merged() {
        use crate::trace::hist::bucket_of;
        let mut h = Hist::default();
        for ns in [3, 5, 5, 40, 1_000] {
            h.add(ns);
        }
        let unbounded = Times {
            total_ns: 0,
            min_ns: 0,
            max_ns: u64::MAX,
            avg_ns: 0,
        };
        let raw = Latency::new(h.clone(), 0, &unbounded);
        // 40 is in [40, 41], 1000 in [992, 1023].
        assert_eq!(
            raw.buckets(),
            [(3, 3, 1), (5, 5, 2), (40, 41, 1), (992, 1023, 1)]
        );
        assert_eq!(raw.pcts, [Some(5), Some(1008), Some(1008)]);
        // -O 10ns: 3 and 5 go to zero and are merged into one bucket.
        let less = Latency::new(h.clone(), 10, &unbounded);
        assert_eq!(less.buckets(), [(0, 0, 3), (30, 31, 1), (982, 1013, 1)]);
        assert_eq!(less.pcts, [Some(0), Some(998), Some(998)]);
        assert_eq!(bucket_of(1_000), bucket_of(992));
        assert_eq!(Latency::new(Hist::default(), 7, &unbounded).pcts, [None; 3]);
        // Bounded by the shortest and longest call: 1000 ns is the longest, so p90 and p99 are
        // exactly it; a row without times (min > max) is not bounded.
        let times = Times {
            min_ns: 4,
            max_ns: 1_000,
            ..unbounded
        };
        assert_eq!(
            Latency::new(h.clone(), 0, &times).pcts,
            [Some(5), Some(1000), Some(1000)]
        );
        let times = Times { min_ns: 6, ..times };
        assert_eq!(Latency::new(h.clone(), 0, &times).pcts[0], Some(6));
        let none = Times {
            min_ns: u64::MAX,
            max_ns: 0,
            ..unbounded
        };
        assert_eq!(Latency::new(h, 0, &none).pcts, raw.pcts);
    }

    #[test]
    fn usecs_truncate_the_double() {
        assert_eq!(usecs(999), 0);
        assert_eq!(usecs(1_000), 1);
        assert_eq!(usecs(1_999), 1);
        assert_eq!(usecs(373_499), 373);
        assert_eq!(usecs(12_345_678_901), 12_345_678);
        // The double product is what gets truncated, as in C.
        assert_eq!(usecs(NS_IN_S + 1_000), ((1.0 + 1e-6) * 1e6) as u64);
    }
}
