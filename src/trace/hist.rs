//! Latency histograms: a log2 scale with 16 linear sub-buckets per power of two (as HdrHistogram
//! with one significant hex digit), so a percentile read off the histogram is within about 3% of
//! the true value. The bucket of a duration is computed the same way here and in the eBPF
//! program (`bpf/trace.bpf.c`, `hist_bucket`), which hands over bucket counts.

/// Linear sub-buckets per power of two: 2^SUB_BITS.
pub const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;

/// Number of buckets (every u64 duration has one).
pub const BUCKETS: u16 = ((64 - SUB_BITS + 1) as u16) * (SUB as u16);

/// The bucket of a duration of `ns` nanoseconds: below 16 ns one bucket per nanosecond, above
/// that 16 buckets per power of two.
#[inline]
pub fn bucket_of(ns: u64) -> u16 {
    if ns < SUB {
        return ns as u16;
    }
    let e = 63 - ns.leading_zeros(); // >= SUB_BITS
    let sub = (ns >> (e - SUB_BITS)) & (SUB - 1);
    ((e - SUB_BITS + 1) as u64 * SUB + sub) as u16
}

/// The smallest duration in bucket `b`.
pub fn bucket_low(b: u16) -> u64 {
    let b = u64::from(b);
    if b < SUB {
        return b;
    }
    let e = b / SUB + u64::from(SUB_BITS) - 1;
    let sub = b % SUB;
    (SUB + sub) << (e - u64::from(SUB_BITS))
}

/// The number of durations bucket `b` holds (its width).
pub fn bucket_width(b: u16) -> u64 {
    let b = u64::from(b);
    if b < SUB {
        return 1;
    }
    let e = b / SUB + u64::from(SUB_BITS) - 1;
    1 << (e - u64::from(SUB_BITS))
}

/// The largest duration in bucket `b` (inclusive).
pub fn bucket_high(b: u16) -> u64 {
    bucket_low(b) + (bucket_width(b) - 1)
}

/// The duration a bucket stands for: its middle (what [`Hist::quantile`] returns), exact for
/// the one-nanosecond buckets below 16 ns.
pub fn bucket_mid(b: u16) -> u64 {
    bucket_low(b) + bucket_width(b) / 2
}

/// A sparse histogram of durations: (bucket, count) of the buckets that were hit, ascending.
/// A sorted vector, not a map: most syscalls of a task hit a handful of buckets, and a table
/// per thread of 10,000 threads keeps one per syscall.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hist {
    buckets: Vec<(u16, u64)>,
}

impl Hist {
    /// Adds one duration.
    #[inline]
    pub fn add(&mut self, ns: u64) {
        self.add_bucket(bucket_of(ns), 1);
    }

    /// Adds `n` durations that fell in bucket `b` (as the eBPF program counted them).
    #[inline]
    pub fn add_bucket(&mut self, b: u16, n: u64) {
        if n == 0 {
            return;
        }
        match self.buckets.binary_search_by_key(&b, |(k, _)| *k) {
            Ok(i) => self.buckets[i].1 += n,
            Err(i) => self.buckets.insert(i, (b, n)),
        }
    }

    /// Merges another histogram into this one.
    pub fn merge(&mut self, other: &Hist) {
        for &(b, n) in &other.buckets {
            self.add_bucket(b, n);
        }
    }

    /// The number of durations recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|(_, n)| n).sum()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Buckets that were hit, ascending: (bucket, count).
    pub fn iter(&self) -> impl Iterator<Item = (u16, u64)> + '_ {
        self.buckets.iter().copied()
    }

    /// The `q`-quantile (0 < q <= 1) in nanoseconds: the middle of the bucket holding the
    /// nearest-rank duration, so within half a bucket (1/32, about 3%) of the true value;
    /// None when the histogram is empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the wanted duration, 1-based (nearest-rank definition).
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (b, n) in self.iter() {
            if seen + n >= rank {
                return Some(bucket_mid(b));
            }
            seen += n;
        }
        None
    }

    /// [`Hist::quantile`] of the durations less a per-call overhead (`-O`), clamped at zero.
    ///
    /// Histograms hold the durations as measured; the overhead is applied here, when a
    /// percentile is shown. Subtracting a constant and clamping at zero is monotonic (it keeps
    /// the order of durations), so the quantile of the shifted durations is the shifted quantile:
    /// `quantile(x - o) = max(quantile(x) - o, 0)`.
    pub fn quantile_less(&self, q: f64, overhead_ns: u64) -> Option<u64> {
        self.quantile(q).map(|ns| ns.saturating_sub(overhead_ns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_duration_in_order() {
        let mut last = 0;
        for ns in (0..100_000u64).chain([u64::MAX / 2, u64::MAX - 1, u64::MAX]) {
            let b = bucket_of(ns);
            assert!(b < BUCKETS, "{ns} -> {b}");
            assert!(b >= last || ns > 100_000, "{ns}");
            last = b;
            assert!(bucket_low(b) <= ns, "{ns} in {b} low {}", bucket_low(b));
            assert!(
                ns - bucket_low(b) < bucket_width(b),
                "{ns} in {b} width {}",
                bucket_width(b)
            );
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        for b in 1..BUCKETS {
            assert_eq!(
                bucket_low(b - 1) + bucket_width(b - 1),
                bucket_low(b),
                "bucket {b}"
            );
            assert_eq!(bucket_of(bucket_low(b)), b);
        }
    }

    #[test]
    fn bucket_widths_are_at_most_a_sixteenth() {
        for b in 16..BUCKETS {
            assert!(bucket_width(b) * 16 <= bucket_low(b), "bucket {b}");
        }
    }

    #[test]
    fn quantiles_within_three_percent() {
        // 900 calls of 1 ms and 100 of 10 ms.
        let mut h = Hist::default();
        for _ in 0..900 {
            h.add(1_000_000);
        }
        for _ in 0..100 {
            h.add(10_000_000);
        }
        let near = |got: u64, want: u64| (got as f64 - want as f64).abs() / want as f64 <= 0.031;
        assert!(near(h.quantile(0.5).unwrap(), 1_000_000));
        assert!(near(h.quantile(0.9).unwrap(), 1_000_000));
        assert!(near(h.quantile(0.99).unwrap(), 10_000_000));
        assert_eq!(h.count(), 1000);
        assert_eq!(Hist::default().quantile(0.5), None);
        // Exact below 16 ns.
        let mut small = Hist::default();
        small.add(3);
        assert_eq!(small.quantile(0.99), Some(3));
    }

    #[test]
    fn quantile_after_overhead_is_the_shifted_quantile() {
        // 90 calls of 1 ms and 10 of 10 ms, with -O 100us.
        let mut h = Hist::default();
        for _ in 0..90 {
            h.add(1_000_000);
        }
        for _ in 0..10 {
            h.add(10_000_000);
        }
        let o = 100_000;
        for q in [0.5, 0.9, 0.99] {
            assert_eq!(
                h.quantile_less(q, o),
                Some(h.quantile(q).unwrap() - o),
                "q {q}"
            );
        }
        // 1 ms falls in the bucket [983040, 1015807] of 32768 ns: its middle, less 100 us.
        assert_eq!(h.quantile_less(0.5, o), Some(999_424 - o));
        assert_eq!(h.quantile_less(0.9, 0), h.quantile(0.9));
        // Clamped at zero, never below.
        assert_eq!(h.quantile_less(0.5, 2_000_000), Some(0));
        assert_eq!(h.quantile_less(0.99, u64::MAX), Some(0));
        assert_eq!(Hist::default().quantile_less(0.5, 5), None);
        // Small durations are exact, and so is their shift.
        let mut small = Hist::default();
        small.add(9);
        assert_eq!(small.quantile_less(0.5, 4), Some(5));
        assert_eq!(bucket_high(9), 9);
        assert_eq!(bucket_low(bucket_of(1_000_000)), 983_040);
        assert_eq!(bucket_high(bucket_of(1_000_000)), 1_015_807);
        assert_eq!(bucket_mid(bucket_of(1_000_000)), 999_424);
    }

    #[test]
    fn uniform_spread_percentiles() {
        let mut h = Hist::default();
        for ns in 1..=100_000u64 {
            h.add(ns);
        }
        for (q, want) in [(0.5, 50_000.0), (0.9, 90_000.0), (0.99, 99_000.0)] {
            let got = h.quantile(q).unwrap() as f64;
            assert!((got - want).abs() / want <= 0.031, "q {q}: {got}");
        }
    }
}
