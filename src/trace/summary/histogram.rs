//! `--histogram`: one latency histogram per syscall, printed after the tables the way bcc's tools
//! print theirs (`_print_log2_hist` in bcc's `src/python/bcc/table.py`, used by funclatency,
//! biolatency and the others): a `syscall = NAME` section heading after a blank line, then
//!
//! ```text
//!      usecs               : count     distribution
//!          0 -> 1          : 0        |                                        |
//!          2 -> 3          : 5        |****************************************|
//! ```
//!
//! with one power-of-two row per bcc log2 slot (`0 -> 1`, `2 -> 3`, `4 -> 7`, ...) from the first
//! up to the last one hit, 40 stars for the fullest row (20, and wider numbers, when the last row
//! is beyond 2^32), and the other rows' stars rounded down, as bcc's `_stars` does.
//!
//! The 16 fine sub-buckets of each power of two ([`crate::trace::hist`]) are coarsened into
//! those rows by the duration each one stands for (its middle, less the `-O` overhead): exact in
//! nanoseconds, where fine buckets never straddle a row; in microseconds a fine bucket straddling
//! a row boundary goes to the row of its middle. The unit is bcc's default `usecs`, or `nsecs` for
//! a syscall whose median call took less than a microsecond (whose microsecond histogram would
//! be one row).

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::trace::hist::bucket_mid;
use crate::trace::stats::Report;

use super::model::{Latency, Table};
use super::RenderOpts;

/// bcc's `stars_max`.
const STARS: u128 = 40;

/// Writes one histogram per syscall with calls (and a histogram) of the report's total tables,
/// in the tables' order: personalities as the tables are printed, rows sorted as `-S` sorts
/// them. A syscall of the 32-bit table is headed `syscall = NAME (32 bit mode)`. Nothing is
/// written for a report without calls. Per-process and per-thread histograms are in the JSON
/// document ([`super::write_json`]), not here.
///
/// # Errors
/// Errors of `w`.
pub fn write_histograms(w: &mut impl Write, report: &Report, opts: &RenderOpts) -> io::Result<()> {
    let mut out = String::new();
    for (p, t) in report.total.tables() {
        let Some(table) = Table::build(p, t, opts) else {
            continue;
        };
        let mode = if p.heading().is_some() {
            " (32 bit mode)"
        } else {
            ""
        };
        for r in &table.rows {
            if r.latency.hist.is_empty() {
                continue;
            }
            // Writing to a String cannot fail.
            let _ = writeln!(out, "\nsyscall = {}{mode}", r.name);
            log2_text(&mut out, &r.latency);
        }
    }
    w.write_all(out.as_bytes())
}

/// bcc's log2 slot of a value: 0 and 1 in slot 1, then `[2^(i-1), 2^i - 1]` in slot `i`
/// (`bpf_log2l(v)`, where `bpf_log2l(0)` is 1 too).
fn slot(v: u64) -> usize {
    if v <= 1 {
        1
    } else {
        64 - v.leading_zeros() as usize
    }
}

/// The histogram of one syscall, bcc's `_print_log2_hist`.
fn log2_text(out: &mut String, lat: &Latency) {
    let (unit, div) = match lat.pcts[0] {
        Some(p50) if p50 < 1_000 => ("nsecs", 1),
        _ => ("usecs", 1_000),
    };
    let mut vals = [0u64; 65];
    for (b, n) in lat.hist.iter() {
        let ns = bucket_mid(b).saturating_sub(lat.overhead_ns);
        vals[slot(ns / div)] += n;
    }
    let Some(idx_max) = vals.iter().rposition(|&v| v > 0) else {
        return;
    };
    let val_max = u128::from(*vals.iter().max().expect("65 slots"));
    let (pad, label, width, stars) = if idx_max <= 32 {
        (5, 19, 10, STARS)
    } else {
        (15, 29, 20, STARS / 2)
    };
    let _ = writeln!(out, "{:pad$}{unit:<label$} : count     distribution", "");
    for (i, &val) in vals.iter().enumerate().take(idx_max + 1).skip(1) {
        let high = (1u128 << i) - 1;
        let low = match (1u128 << i) >> 1 {
            l if l == high => l - 1,
            l => l,
        };
        // bcc's `_stars`: int(stars * val / val_max) of them, at most `stars`.
        let n = (stars * u128::from(val) / val_max).min(stars) as usize;
        let bar: String = "*".repeat(n);
        let s = stars as usize;
        let _ = writeln!(
            out,
            "{low:>width$} -> {high:<width$} : {val:<8} |{bar:<s$}|"
        );
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::trace::arch::Personality::{Compat32, Native};
    use crate::trace::stats::{CallStats, Counts, TimeAgg};
    use crate::trace::summary::parse_sort_key;

    const MS: u64 = 1_000_000;

    /// A row of `calls` calls taking the durations `ns` (wall-clock), with their histogram.
    fn put(c: &mut Counts, p: crate::trace::arch::Personality, nr: u64, ns: &[(u64, u64)]) {
        let t = c.table_mut(p);
        let mut wall = TimeAgg::default();
        let mut calls = 0;
        for &(d, n) in ns {
            for _ in 0..n {
                wall.add(d);
                t.hist_mut(nr).add(d);
            }
            calls += n;
        }
        *t.entry(nr) = CallStats {
            calls,
            errors: 0,
            cpu: TimeAgg::default(),
            wall,
        };
    }

    fn sleeps() -> Report {
        let mut r = Report::default();
        // nanosleep: 90 calls of 1 ms, 10 of 10 ms; getpid: 200 ns and 300 ns, and one of 5 us.
        put(&mut r.total, Native, 35, &[(MS, 90), (10 * MS, 10)]);
        put(&mut r.total, Native, 39, &[(200, 3), (300, 1), (5_000, 1)]);
        put(&mut r.total, Compat32, 20, &[(0, 2), (1, 1), (3, 1)]);
        r
    }

    fn render(r: &Report, opts: &RenderOpts) -> String {
        let mut out = Vec::new();
        write_histograms(&mut out, r, opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[track_caller]
    fn assert_text(got: &str, want: &str) {
        assert!(got == want, "--- want\n{want}--- got\n{got}");
    }

    const NANOSLEEP: &str = "
syscall = nanosleep
     usecs               : count     distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 0        |                                        |
         4 -> 7          : 0        |                                        |
         8 -> 15         : 0        |                                        |
        16 -> 31         : 0        |                                        |
        32 -> 63         : 0        |                                        |
        64 -> 127        : 0        |                                        |
       128 -> 255        : 0        |                                        |
       256 -> 511        : 0        |                                        |
       512 -> 1023       : 90       |****************************************|
      1024 -> 2047       : 0        |                                        |
      2048 -> 4095       : 0        |                                        |
      4096 -> 8191       : 0        |                                        |
      8192 -> 16383      : 10       |****                                    |
";

    #[test]
    fn bcc_layout_per_syscall_in_table_order() {
        let opts = RenderOpts {
            wall: true,
            ..RenderOpts::default()
        };
        // Sorted by time: nanosleep, then getpid; the 32-bit table after the native one. getpid's
        // median is 200 ns: nanoseconds.
        let want = format!(
            "{NANOSLEEP}
syscall = getpid
     nsecs               : count     distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 0        |                                        |
         4 -> 7          : 0        |                                        |
         8 -> 15         : 0        |                                        |
        16 -> 31         : 0        |                                        |
        32 -> 63         : 0        |                                        |
        64 -> 127        : 0        |                                        |
       128 -> 255        : 3        |****************************************|
       256 -> 511        : 1        |*************                           |
       512 -> 1023       : 0        |                                        |
      1024 -> 2047       : 0        |                                        |
      2048 -> 4095       : 0        |                                        |
      4096 -> 8191       : 1        |*************                           |

syscall = getpid (32 bit mode)
     nsecs               : count     distribution
         0 -> 1          : 3        |****************************************|
         2 -> 3          : 1        |*************                           |
"
        );
        assert_text(&render(&sleeps(), &opts), &want);

        // -S name: getpid before nanosleep.
        let by_name = RenderOpts {
            sort: parse_sort_key("name").unwrap(),
            ..RenderOpts::default()
        };
        let got = render(&sleeps(), &by_name);
        let headings: Vec<&str> = got.lines().filter(|l| l.starts_with("syscall")).collect();
        assert_eq!(headings[..2], ["syscall = getpid", "syscall = nanosleep"]);
    }

    #[test]
    fn overhead_shifts_the_rows() {
        // -O 600us: 1 ms calls are shown as about 400 us, 10 ms ones as about 9.6 ms.
        let mut r = Report::default();
        put(&mut r.total, Native, 35, &[(MS, 90), (10 * MS, 10)]);
        let opts = RenderOpts {
            overhead_ns: 600_000,
            ..RenderOpts::default()
        };
        let got = render(&r, &opts);
        assert!(
            got.contains("\n       256 -> 511        : 90       |*****"),
            "{got}"
        );
        assert!(
            got.contains("\n      8192 -> 16383      : 10       |****  "),
            "{got}"
        );
        // Overhead beyond every call: all in the first row, in nanoseconds.
        let opts = RenderOpts {
            overhead_ns: 20 * MS,
            ..RenderOpts::default()
        };
        assert_text(
            &render(&r, &opts),
            "
syscall = nanosleep
     nsecs               : count     distribution
         0 -> 1          : 100      |****************************************|
",
        );
    }

    #[test]
    fn wide_layout_beyond_four_seconds_and_nothing_without_calls() {
        let mut r = Report::default();
        // 2^45 ns (9.8 hours) is about 2^35 us: slot 36, beyond 32, so bcc's wide layout.
        put(&mut r.total, Native, 35, &[(1 << 45, 1), (2 * MS, 2)]);
        let got = render(&r, &RenderOpts::default());
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[1], "syscall = nanosleep");
        assert_eq!(
            lines[2],
            "               usecs                         : count     distribution"
        );
        assert_eq!(
            lines[3],
            "                   0 -> 1                    : 0        |                    |"
        );
        assert_eq!(
            lines[13],
            "                1024 -> 2047                 : 2        |********************|"
        );
        assert_eq!(
            lines.last().unwrap(),
            &"         34359738368 -> 68719476735          : 1        |**********          |"
        );
        assert_eq!(lines.len(), 3 + 36);
        assert_eq!(render(&Report::default(), &RenderOpts::default()), "");
        // A row without a histogram (a backend that kept none) has no section.
        let mut r = Report::default();
        *r.total.table_mut(Native).entry(39) = CallStats {
            calls: 1,
            ..CallStats::default()
        };
        assert_eq!(render(&r, &RenderOpts::default()), "");
    }
}
