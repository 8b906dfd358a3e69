//! strace's `-c` text tables, byte for byte (`call_summary` / `call_summary_pers` in strace's
//! `src/count.c`), plus ksec's per-process and per-thread tables in the same layout, and ksec's
//! percentile columns (`p50`, `p90`, `p99`) in the layout of strace's `shortest` and `longest`.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::output::sanitize::escape_bytes;
use crate::trace::stats::{Counts, Report, TaskLabel};

use super::model::{ts_float, usecs, Table, Totals};
use super::{Column, RenderOpts};

/// Writes the summary as strace prints it.
///
/// The total table comes first: the native personality's table, then the 32-bit one preceded by
/// its heading line (`System call usage summary for 32 bit mode:`), with no blank line between
/// them. A personality with no calls prints nothing; a report with no calls at all prints nothing
/// (as strace 6.1 does for `strace -c -e trace=none true`).
///
/// With [`RenderOpts::process_list`] (`--all --per-process`), the per-process tables are one
/// list instead: `Processes:`, then a row per process (time percent, seconds, calls, errors,
/// pid, command) sorted by -S.
///
/// Then, when the report has them, one table per container (`Host (no container):` first,
/// then `Container <id>:` by id), one table per process (ascending pid) and one per thread
/// (ascending tid), each preceded by a heading line, `Process 1234 (comm):` or
/// `Thread 1235 of process 1234 (comm):`, with the command name escaped for the terminal. A
/// process or thread with no calls is left out.
///
/// # Errors
/// Errors of `w`.
pub fn write_text(w: &mut impl Write, report: &Report, opts: &RenderOpts) -> io::Result<()> {
    let mut out = String::new();
    counts_text(&mut out, &report.total, opts);
    for (id, counts) in &report.per_container {
        task_text(&mut out, &container_heading(id.as_deref()), counts, opts);
    }
    if opts.process_list {
        process_list_text(&mut out, report, opts);
    } else {
        for (pid, (label, counts)) in &report.per_process {
            task_text(&mut out, &process_heading(*pid, label), counts, opts);
        }
    }
    for (tid, (label, counts)) in &report.per_thread {
        task_text(&mut out, &thread_heading(*tid, label), counts, opts);
    }
    w.write_all(out.as_bytes())
}

/// One process's totals over every syscall and personality.
struct ProcessRow<'a> {
    pid: i32,
    comm: &'a [u8],
    calls: u64,
    errors: u64,
    /// Total time of the time source (CPU, or wall with -w).
    time_ns: u64,
    wall_ns: u64,
}

/// `--all --per-process`: every process with calls, a row each, sorted by -S (time-like keys
/// by total time, wall keys by total wall time; calls, errors; name by command; none by pid).
fn process_list_text(out: &mut String, report: &Report, opts: &RenderOpts) {
    use super::SortKey as K;
    let mut rows: Vec<ProcessRow<'_>> = report
        .per_process
        .iter()
        .map(|(pid, (label, counts))| {
            let mut r = ProcessRow {
                pid: *pid,
                comm: &label.comm,
                calls: 0,
                errors: 0,
                time_ns: 0,
                wall_ns: 0,
            };
            for (_, table) in counts.tables() {
                for (_, s) in table.iter() {
                    r.calls += s.calls;
                    r.errors += s.errors;
                    r.wall_ns = r.wall_ns.saturating_add(s.wall.total_ns);
                    let t = if opts.wall { &s.wall } else { &s.cpu };
                    r.time_ns = r.time_ns.saturating_add(t.total_ns);
                }
            }
            r
        })
        .filter(|r| r.calls > 0)
        .collect();
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        let by = match opts.sort {
            K::Calls => b.calls.cmp(&a.calls),
            K::Errors => b.errors.cmp(&a.errors),
            K::Name => a.comm.cmp(b.comm),
            K::None => std::cmp::Ordering::Equal,
            K::WallTotal | K::WallMin | K::WallMax | K::WallAvg => b.wall_ns.cmp(&a.wall_ns),
            _ => b.time_ns.cmp(&a.time_ns),
        };
        by.then(a.pid.cmp(&b.pid))
    });
    let total: u64 = rows.iter().map(|r| r.time_ns).sum();
    let sep = "------ ----------- --------- --------- ------- ----------------\n";
    out.push_str("Processes:\n");
    out.push_str("% time     seconds     calls    errors     pid command\n");
    out.push_str(sep);
    for r in &rows {
        let pct = if total == 0 {
            0.0
        } else {
            r.time_ns as f64 * 100.0 / total as f64
        };
        let _ = writeln!(
            out,
            "{pct:6.2} {:11.6} {:9} {:>9} {:7} {}",
            ts_float(r.time_ns),
            r.calls,
            if r.errors > 0 {
                r.errors.to_string()
            } else {
                String::new()
            },
            r.pid,
            escape_bytes(r.comm)
        );
    }
    out.push_str(sep);
}

fn container_heading(id: Option<&str>) -> String {
    match id {
        Some(id) => format!("Container {}:", escape_bytes(id.as_bytes())),
        None => "Host (no container):".to_string(),
    }
}

fn process_heading(pid: i32, label: &TaskLabel) -> String {
    format!("Process {pid} ({}):", escape_bytes(&label.comm))
}

fn thread_heading(tid: i32, label: &TaskLabel) -> String {
    format!(
        "Thread {} of process {} ({}):",
        label.tid.unwrap_or(tid),
        label.pid,
        escape_bytes(&label.comm)
    )
}

fn task_text(out: &mut String, heading: &str, counts: &Counts, opts: &RenderOpts) {
    if counts.tables().next().is_none() {
        return;
    }
    out.push_str(heading);
    out.push('\n');
    counts_text(out, counts, opts);
}

/// Every personality's table of one set of counts.
fn counts_text(out: &mut String, counts: &Counts, opts: &RenderOpts) {
    for (p, t) in counts.tables() {
        let Some(table) = Table::build(p, t, opts) else {
            continue;
        };
        if let Some(heading) = p.heading() {
            out.push_str(heading);
            out.push('\n');
        }
        table_text(out, &table, &opts.columns);
    }
}

/// Number of characters of `n` in decimal.
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// The width of `<whole seconds>.000000`, as strace sizes the min/max columns.
fn secs_width(ns: u64) -> usize {
    digits(ns / super::model::NS_IN_S) + 7
}

/// Column widths: the header's historical size or the widest value, whichever is larger.
fn width(c: Column, t: &Table) -> usize {
    let (time, wall) = (&t.time, &t.wall);
    let (base, data) = match c {
        Column::TimePercent => (6, "100.00".len()),
        Column::TotalTime => (11, format!("{:.6}", ts_float(time.total_ns)).len()),
        Column::MinTime => (8, secs_width(time.min_max_ns)),
        Column::MaxTime => (7, secs_width(time.max_ns)),
        Column::AvgTime => (11, digits(usecs(time.avg_max_ns))),
        Column::Calls => (9, digits(time.calls)),
        Column::Errors => (9, digits(time.errors)),
        Column::Name => (16, t.name_max + 1),
        Column::WallTotal => (11, format!("{:.6}", ts_float(wall.total_ns)).len()),
        Column::WallMin => (8, secs_width(wall.min_max_ns)),
        Column::WallMax => (8, secs_width(wall.max_ns)),
        Column::WallAvg => (11, digits(usecs(wall.avg_max_ns))),
        Column::P50 | Column::P90 | Column::P99 => {
            // As `shortest`: the largest value's whole seconds, then six decimals; the total
            // row's percentile lies between the rows' but is counted anyway.
            let i = c.percentile().expect("a percentile column");
            let largest = t
                .rows
                .iter()
                .map(|r| &r.latency)
                .chain([&t.latency])
                .filter_map(|l| l.pcts[i])
                .max()
                .unwrap_or(0);
            (c.header().len(), secs_width(largest))
        }
    };
    base.max(data)
}

/// One cell's value, before padding.
enum Cell<'a> {
    Percent(f64),
    Secs(u64),
    Int(u64),
    /// `%*.0llu`: zero prints as nothing.
    Errors(u64),
    Text(&'a str),
    /// Nothing known (a percentile without a histogram): blanks.
    Blank,
}

/// A percentile cell: seconds, or blanks when the row has no histogram.
fn percentile(c: Column, pcts: &[Option<u64>; 3]) -> Cell<'static> {
    match c.percentile().and_then(|i| pcts[i]) {
        Some(ns) => Cell::Secs(ns),
        None => Cell::Blank,
    }
}

fn table_text(out: &mut String, t: &Table, columns: &[Column]) {
    // parse_columns always includes the name; a hand-made empty list gets it too.
    let columns = if columns.is_empty() {
        &[Column::Name][..]
    } else {
        columns
    };
    let widths: Vec<usize> = columns.iter().map(|c| width(*c, t)).collect();
    // Header: right-aligned, except the name (left-aligned, unpadded when last).
    let header: Vec<Cell> = columns.iter().map(|c| Cell::Text(c.header())).collect();
    line(out, columns, &widths, &header);
    dashes(out, &widths);

    for r in &t.rows {
        let cells: Vec<Cell> = columns
            .iter()
            .map(|c| match c {
                Column::TimePercent => Cell::Percent(r.percent),
                Column::TotalTime => Cell::Secs(r.time.total_ns),
                Column::MinTime => Cell::Secs(r.time.min_ns),
                Column::MaxTime => Cell::Secs(r.time.max_ns),
                Column::AvgTime => Cell::Int(usecs(r.time.avg_ns)),
                Column::Calls => Cell::Int(r.calls),
                Column::Errors => Cell::Errors(r.errors),
                Column::Name => Cell::Text(&r.name),
                Column::WallTotal => Cell::Secs(r.wall.total_ns),
                Column::WallMin => Cell::Secs(r.wall.min_ns),
                Column::WallMax => Cell::Secs(r.wall.max_ns),
                Column::WallAvg => Cell::Int(usecs(r.wall.avg_ns)),
                Column::P50 | Column::P90 | Column::P99 => percentile(*c, &r.latency.pcts),
            })
            .collect();
        line(out, columns, &widths, &cells);
    }
    dashes(out, &widths);

    let total = |c: &Column, time: &Totals| match c {
        Column::TimePercent => Cell::Percent(100.0),
        Column::TotalTime | Column::WallTotal => Cell::Secs(time.total_ns),
        Column::MinTime | Column::WallMin => Cell::Secs(time.min_ns),
        Column::MaxTime | Column::WallMax => Cell::Secs(time.max_ns),
        Column::AvgTime | Column::WallAvg => Cell::Int(time.usecs_per_call()),
        Column::Calls => Cell::Int(time.calls),
        Column::Errors => Cell::Errors(time.errors),
        Column::Name => Cell::Text("total"),
        // Percentiles of all the table's calls.
        Column::P50 | Column::P90 | Column::P99 => percentile(*c, &t.latency.pcts),
    };
    let cells: Vec<Cell> = columns
        .iter()
        .map(|c| match c {
            Column::WallTotal | Column::WallMin | Column::WallMax | Column::WallAvg => {
                total(c, &t.wall)
            }
            _ => total(c, &t.time),
        })
        .collect();
    line(out, columns, &widths, &cells);
}

fn line(out: &mut String, columns: &[Column], widths: &[usize], cells: &[Cell]) {
    let last = columns.len() - 1;
    for (i, ((c, &w), cell)) in columns.iter().zip(widths).zip(cells).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Writing to a String cannot fail.
        let _ = match cell {
            Cell::Percent(p) => write!(out, "{p:>w$.2}"),
            Cell::Secs(ns) => write!(out, "{:>w$.6}", ts_float(*ns)),
            Cell::Int(n) => write!(out, "{n:>w$}"),
            Cell::Errors(0) | Cell::Blank => write!(out, "{:w$}", ""),
            Cell::Errors(n) => write!(out, "{n:>w$}"),
            Cell::Text(s) if *c == Column::Name && i == last => write!(out, "{s}"),
            Cell::Text(s) if *c == Column::Name => write!(out, "{s:<w$}"),
            Cell::Text(s) => write!(out, "{s:>w$}"),
        };
    }
    out.push('\n');
}

fn dashes(out: &mut String, widths: &[usize]) {
    for (i, &w) in widths.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.extend(std::iter::repeat_n('-', w));
    }
    out.push('\n');
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::trace::arch::Personality::{self, Compat32, Native};
    use crate::trace::hist::bucket_of;
    use crate::trace::stats::{CallStats, TimeAgg};
    use crate::trace::summary::{parse_columns, parse_sort_key, SortKey};

    const NS: u64 = 1_000_000_000;
    const ALL: &str = "time-percent,total-time,min-time,max-time,avg-time,calls,errors,name";

    fn agg((total_ns, min_ns, max_ns): (u64, u64, u64)) -> TimeAgg {
        TimeAgg {
            total_ns,
            min_ns,
            max_ns,
        }
    }

    /// A row: (nr, calls, errors, cpu (total, min, max), wall (total, min, max)).
    type Spec = (u64, u64, u64, (u64, u64, u64), (u64, u64, u64));

    fn fill(counts: &mut Counts, p: Personality, rows: &[Spec]) {
        for &(nr, calls, errors, cpu, wall) in rows {
            *counts.table_mut(p).entry(nr) = CallStats {
                calls,
                errors,
                cpu: agg(cpu),
                wall: agg(wall),
            };
        }
    }

    fn report(rows: &[Spec]) -> Report {
        let mut r = Report::default();
        fill(&mut r.total, Native, rows);
        r
    }

    fn opts(wall: bool, sort: &str, columns: &str) -> RenderOpts {
        RenderOpts {
            wall,
            sort: parse_sort_key(sort).unwrap(),
            columns: parse_columns(columns).unwrap(),
            overhead_ns: 0,
            process_list: false,
        }
    }

    fn render(report: &Report, opts: &RenderOpts) -> String {
        let mut out = Vec::new();
        write_text(&mut out, report, opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[track_caller]
    fn assert_text(got: &str, want: &str) {
        assert!(got == want, "--- want\n{want}--- got\n{got}");
    }

    #[test]
    fn widths_grow_with_large_counts_and_seconds() {
        // More than 9 digits of calls, >= 10000 seconds, a 12-digit usecs/call, a 5-digit
        // shortest and a 6-digit longest.
        let r = report(&[
            (
                0,
                12_345_678_901,
                0,
                (12_345_678_901_234, 1_000, 5_000_000),
                (0, 0, 0),
            ),
            (
                1,
                3,
                2,
                (300_000 * NS, 99_999 * NS, 100_002 * NS),
                (0, 0, 0),
            ),
        ]);
        let want = "\
% time       seconds     shortest       longest   usecs/call       calls    errors syscall
------ ------------- ------------ ------------- ------------ ----------- --------- ----------------
 96.05 300000.000000 99999.000000 100002.000000 100000000000           3         2 write
  3.95  12345.678901     0.000001      0.005000            1 12345678901           read
------ ------------- ------------ ------------- ------------ ----------- --------- ----------------
100.00 312345.678901     0.000001 100002.000000           25 12345678904         2 total
";
        assert_text(&render(&r, &opts(false, "time", ALL)), want);
    }

    /// Rows for the column tests: CPU and wall time differ; one syscall number is unknown.
    fn cpu_and_wall() -> Report {
        report(&[
            (
                0,
                3,
                0,
                (1_500_000, 200_000, 1_000_000),
                (4_500_001, 1_000_000, 2_500_000),
            ),
            (
                1,
                2,
                2,
                (3_000_001, 1_000_000, 2_000_001),
                (3_000_003, 1_000_001, 2_000_002),
            ),
            (0x3e8, 1, 0, (500, 500, 500), (12 * NS, 12 * NS, 12 * NS)),
        ])
    }

    #[test]
    fn every_column_cpu_and_wall_together() {
        let columns = format!("{ALL},wall-total,wall-min,wall-max,wall-avg");
        // Name is not the last column: it is padded, header included.
        let want = "\
% time     seconds shortest  longest  usecs/call     calls    errors syscall           wall-total  wall-min  wall-max    wall-avg
------ ----------- -------- -------- ----------- --------- --------- ---------------- ----------- --------- --------- -----------
 66.66    0.003000 0.001000 0.002000        1500         2         2 write               0.003000  0.001000  0.002000        1500
 33.33    0.001500 0.000200 0.001000         500         3           read                0.004500  0.001000  0.002500        1500
  0.01    0.000000 0.000000 0.000000           0         1           syscall_0x3e8      12.000000 12.000000 12.000000    12000000
------ ----------- -------- -------- ----------- --------- --------- ---------------- ----------- --------- --------- -----------
100.00    0.004501 0.000000 0.002000         750         6         2 total              12.007500  0.001000 12.000000     2001250
";
        assert_text(
            &render(&cpu_and_wall(), &opts(false, "time", &columns)),
            want,
        );

        // With -w the time columns, the percentages and the sort use wall-clock time.
        let want = "\
% time     seconds  shortest   longest  usecs/call     calls    errors syscall           wall-total  wall-min  wall-max    wall-avg
------ ----------- --------- --------- ----------- --------- --------- ---------------- ----------- --------- --------- -----------
 99.94   12.000000 12.000000 12.000000    12000000         1           syscall_0x3e8      12.000000 12.000000 12.000000    12000000
  0.04    0.004500  0.001000  0.002500        1500         3           read                0.004500  0.001000  0.002500        1500
  0.02    0.003000  0.001000  0.002000        1500         2         2 write               0.003000  0.001000  0.002000        1500
------ ----------- --------- --------- ----------- --------- --------- ---------------- ----------- --------- --------- -----------
100.00   12.007500  0.001000 12.000000     2001250         6         2 total              12.007500  0.001000 12.000000     2001250
";
        assert_text(
            &render(&cpu_and_wall(), &opts(true, "time", &columns)),
            want,
        );
    }

    #[test]
    fn default_options_are_stracess() {
        let want = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 66.66    0.003000        1500         2         2 write
 33.33    0.001500         500         3           read
  0.01    0.000000           0         1           syscall_0x3e8
------ ----------- ----------- --------- --------- ----------------
100.00    0.004501         750         6         2 total
";
        assert_text(&render(&cpu_and_wall(), &RenderOpts::default()), want);
    }

    #[test]
    fn unknown_syscall_names_widen_the_name_column() {
        let r = report(&[(0x1234_5678, 1, 1, (1_000, 1_000, 1_000), (0, 0, 0))]);
        let want = "\
syscall                 calls    errors
------------------- --------- ---------
syscall_0x12345678          1         1
------------------- --------- ---------
total                       1         1
";
        assert_text(&render(&r, &opts(false, "time", "name,calls,errors")), want);
    }

    /// read: 90 calls of 1 ms and 10 of 10 ms; write: 3 of 300 ns; getpid: no histogram.
    fn with_latencies() -> Report {
        let mut r = report(&[
            (0, 100, 0, (0, 0, 0), (190 * MS, MS, 10 * MS)),
            (1, 3, 1, (0, 0, 0), (900, 300, 300)),
            (39, 1, 0, (0, 0, 0), (50, 50, 50)),
        ]);
        let t = r.total.table_mut(Native);
        t.hist_mut(0)
            .add_bucket(crate::trace::hist::bucket_of(MS), 90);
        t.hist_mut(0)
            .add_bucket(crate::trace::hist::bucket_of(10 * MS), 10);
        t.hist_mut(1)
            .add_bucket(crate::trace::hist::bucket_of(300), 3);
        r
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn percentile_columns_are_seconds_like_shortest() {
        // A percentile is its bucket's middle (1 ms: 0.000999424 s), bounded by the row's
        // shortest and longest call: read's are exactly 1 ms and 10 ms. The total's shortest is
        // getpid's, so its median is the middle of 1 ms's bucket.
        let want = "\
syscall              calls      p50      p90      p99  longest
---------------- --------- -------- -------- -------- --------
read                   100 0.001000 0.001000 0.010000 0.010000
write                    3 0.000000 0.000000 0.000000 0.000000
getpid                   1                            0.000000
---------------- --------- -------- -------- -------- --------
total                  104 0.000999 0.000999 0.010000 0.010000
";
        let o = opts(true, "time", "name,calls,p50,p90,p99,max-time");
        assert_text(&render(&with_latencies(), &o), want);

        // -S p99 and the aliases; -O 1ms (the times are after it, the histograms before): read's
        // median is 0 (1 ms less 1 ms), its p99 10.22 ms less 1 ms, bounded by its longest call,
        // 9 ms; getpid took 12 s; a column as wide as the largest value.
        let mut r = report(&[
            (0, 100, 0, (0, 0, 0), (90 * MS, 0, 9 * MS)),
            (1, 3, 1, (0, 0, 0), (0, 0, 0)),
            (
                39,
                1,
                0,
                (0, 0, 0),
                (12 * NS - MS, 12 * NS - MS, 12 * NS - MS),
            ),
        ]);
        let t = r.total.table_mut(Native);
        t.hist_mut(0).add_bucket(bucket_of(MS), 90);
        t.hist_mut(0).add_bucket(bucket_of(10 * MS), 10);
        t.hist_mut(1).add_bucket(bucket_of(300), 3);
        t.hist_mut(39).add_bucket(bucket_of(12 * NS), 1);
        let o = RenderOpts {
            overhead_ns: MS,
            ..opts(true, "p99", "p50-time,p99_time,name")
        };
        // The total's p99 is the 103rd of 104 calls, one of 10 ms (less 1 ms).
        let want = "      p50       p99 syscall
--------- --------- ----------------
11.999000 11.999000 getpid
 0.000000  0.009000 read
 0.000000  0.000000 write
--------- --------- ----------------
 0.000000  0.009224 total
";
        assert_text(&render(&r, &o), want);
    }

    #[test]
    fn zero_times_print_zero_percent_and_blank_errors() {
        // What strace -c prints for calls too short for rusage's system time: no NaN.
        let r = report(&[
            (0, 1, 0, (0, 0, 0), (0, 0, 0)),
            (60, 2, 0, (0, 0, 0), (0, 0, 0)),
        ]);
        let want = "\
% time     seconds shortest  longest  usecs/call     calls    errors syscall
------ ----------- -------- -------- ----------- --------- --------- ----------------
  0.00    0.000000 0.000000 0.000000           0         1           read
  0.00    0.000000 0.000000 0.000000           0         2           exit
------ ----------- -------- -------- ----------- --------- --------- ----------------
100.00    0.000000 0.000000 0.000000           0         3           total
";
        assert_text(&render(&r, &opts(false, "time", ALL)), want);
    }

    #[test]
    fn empty_report_prints_nothing() {
        // strace 6.1: `strace -c -e trace=none true` prints no bytes at all.
        assert_eq!(render(&Report::default(), &RenderOpts::default()), "");
        // Neither does a personality, process or thread with a table but no calls.
        let mut r = Report::default();
        r.total.table_mut(Compat32).entry(20);
        r.per_process.insert(
            7,
            (
                TaskLabel {
                    pid: 7,
                    tid: None,
                    comm: b"idle".to_vec(),
                },
                Counts::default(),
            ),
        );
        assert_eq!(render(&r, &RenderOpts::default()), "");
    }

    fn small_tables(c: &mut Counts) {
        fill(
            c,
            Native,
            &[
                (0, 2, 0, (3_000, 1_000, 2_000), (0, 0, 0)),
                (1, 1, 1, (5_000, 5_000, 5_000), (0, 0, 0)),
            ],
        );
        fill(c, Compat32, &[(20, 3, 0, (1_500, 400, 600), (0, 0, 0))]);
    }

    const NATIVE: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 62.50    0.000005           5         1         1 write
 37.50    0.000003           1         2           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.000008           2         3         1 total
";
    const I386: &str = "\
System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000002           0         3           getpid
------ ----------- ----------- --------- --------- ----------------
100.00    0.000002           0         3           total
";

    #[test]
    fn i386_table_after_the_native_one() {
        let mut r = Report::default();
        small_tables(&mut r.total);
        assert_text(
            &render(&r, &RenderOpts::default()),
            &format!("{NATIVE}{I386}"),
        );

        // Only 32-bit calls: the heading still comes first.
        let mut r = Report::default();
        fill(
            &mut r.total,
            Compat32,
            &[(20, 3, 0, (1_500, 400, 600), (0, 0, 0))],
        );
        assert_text(&render(&r, &RenderOpts::default()), I386);
    }

    #[test]
    fn per_process_and_per_thread_tables_follow_the_total() {
        let mut r = Report::default();
        small_tables(&mut r.total);
        let mut p = Counts::default();
        small_tables(&mut p);
        let label = TaskLabel {
            pid: 1234,
            tid: None,
            comm: b"evil\x1b[2J\n".to_vec(),
        };
        r.per_process.insert(1234, (label.clone(), p.clone()));
        let mut t = Counts::default();
        fill(&mut t, Native, &[(20, 3, 0, (1_500, 400, 600), (0, 0, 0))]);
        r.per_thread.insert(
            1235,
            (
                TaskLabel {
                    tid: Some(1235),
                    comm: b"worker".to_vec(),
                    ..label
                },
                t,
            ),
        );
        let want = format!(
            "{NATIVE}{I386}Process 1234 (evil\\x1b[2J\\n):\n{NATIVE}{I386}\
             Thread 1235 of process 1234 (worker):\n\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000002           0         3           writev
------ ----------- ----------- --------- --------- ----------------
100.00    0.000002           0         3           total
"
        );
        assert_text(&render(&r, &RenderOpts::default()), &want);
    }

    /// The syscall names in table order, for `sort` and the time source.
    fn order(report: &Report, wall: bool, sort: &str) -> Vec<String> {
        let text = render(report, &opts(wall, sort, "name"));
        let lines: Vec<&str> = text.lines().collect();
        lines[2..lines.len() - 2]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn every_sort_key_with_ties_in_number_order() {
        // read=0, write=1, open=2, close=3, stat=4.
        let r = report(&[
            (0, 2, 0, (10, 4, 6), (100, 40, 60)),
            (1, 1, 1, (10, 10, 10), (300, 300, 300)),
            (2, 4, 1, (8, 1, 5), (80, 10, 50)),
            (3, 4, 0, (20, 5, 5), (20, 5, 5)),
            (4, 3, 3, (0, 0, 0), (30, 5, 20)),
        ]);
        let cases: &[(bool, &str, [&str; 5])] = &[
            (false, "time", ["close", "read", "write", "open", "stat"]),
            (
                false,
                "min_time",
                ["write", "close", "read", "open", "stat"],
            ),
            (
                false,
                "max_time",
                ["write", "read", "open", "close", "stat"],
            ),
            (
                false,
                "avg_time",
                ["write", "read", "close", "open", "stat"],
            ),
            (false, "calls", ["open", "close", "stat", "read", "write"]),
            (false, "errors", ["stat", "write", "open", "read", "close"]),
            (false, "name", ["close", "open", "read", "stat", "write"]),
            (false, "none", ["read", "write", "open", "close", "stat"]),
            (
                false,
                "wall_total",
                ["write", "read", "open", "stat", "close"],
            ),
            (
                false,
                "wall_min",
                ["write", "read", "open", "close", "stat"],
            ),
            (
                false,
                "wall_max",
                ["write", "read", "open", "stat", "close"],
            ),
            (
                false,
                "wall_avg",
                ["write", "read", "open", "stat", "close"],
            ),
            // With -w the time keys use wall-clock time.
            (true, "time", ["write", "read", "open", "stat", "close"]),
            (true, "shortest", ["write", "read", "open", "close", "stat"]),
            (true, "longest", ["write", "read", "open", "stat", "close"]),
            (true, "time_avg", ["write", "read", "open", "stat", "close"]),
            (true, "count", ["open", "close", "stat", "read", "write"]),
        ];
        for (wall, key, want) in cases {
            assert_eq!(order(&r, *wall, key), want, "-S {key}, wall {wall}");
        }
        assert_eq!(RenderOpts::default().sort, SortKey::Time);
    }

    #[test]
    fn name_sort_is_byte_order_with_unknown_numbers() {
        let r = report(&[
            (0x3e8, 1, 0, (1, 1, 1), (1, 1, 1)),
            (1, 1, 0, (1, 1, 1), (1, 1, 1)),
            (332, 1, 0, (1, 1, 1), (1, 1, 1)), // statx
            (4, 1, 0, (1, 1, 1), (1, 1, 1)),   // stat
        ]);
        assert_eq!(
            order(&r, false, "name"),
            ["stat", "statx", "syscall_0x3e8", "write"]
        );
    }

    #[test]
    fn write_errors_are_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let err = write_text(&mut Full, &cpu_and_wall(), &RenderOpts::default()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;
    use crate::trace::arch::Personality;
    use crate::trace::stats::{CallStats, TimeAgg};
    use crate::trace::summary::{write_json, Column, SortKey};

    const KEYS: [SortKey; 15] = [
        SortKey::Time,
        SortKey::MinTime,
        SortKey::MaxTime,
        SortKey::AvgTime,
        SortKey::Calls,
        SortKey::Errors,
        SortKey::Name,
        SortKey::None,
        SortKey::WallTotal,
        SortKey::WallMin,
        SortKey::WallMax,
        SortKey::WallAvg,
        SortKey::P50,
        SortKey::P90,
        SortKey::P99,
    ];

    /// A time aggregate for `calls` calls of at most `max` ns each.
    fn agg(calls: u64, a: u64, b: u64, max: u64) -> TimeAgg {
        let (lo, hi) = (a.min(b) % max, a.max(b) % max);
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        TimeAgg {
            total_ns: lo.saturating_add(hi.saturating_mul(calls - 1)),
            min_ns: lo,
            max_ns: hi,
        }
    }

    fn report() -> impl Strategy<Value = Report> {
        let row = (
            0u64..600,
            1u64..100_000_000_000,
            any::<u64>(),
            [any::<u64>(); 4],
            prop_oneof![
                Just(1_000u64),
                Just(1_000_000_000),
                Just(1_000_000_000_000_000)
            ],
        );
        proptest::collection::vec(row, 1..12).prop_map(|rows| {
            let mut r = Report::default();
            for (nr, calls, errors, t, max) in rows {
                let table = r.total.table_mut(Personality::Native);
                let (cpu, wall) = (agg(calls, t[0], t[1], max), agg(calls, t[2], t[3], max));
                *table.entry(nr) = CallStats {
                    calls,
                    errors: errors % (calls + 1),
                    cpu,
                    wall,
                };
                // Latencies like the wall times; some rows have no histogram.
                if calls % 3 != 0 {
                    table
                        .hist_mut(nr)
                        .add_bucket(crate::trace::hist::bucket_of(wall.min_ns), 1);
                    table
                        .hist_mut(nr)
                        .add_bucket(crate::trace::hist::bucket_of(wall.max_ns), calls - 1);
                }
            }
            r
        })
    }

    proptest! {
        /// Widths grow with the data: with the name column padded (not last), every line of the
        /// table is exactly as long as the separator, whatever the magnitudes.
        #[test]
        fn every_line_fits_the_columns(
            r in report(), wall: bool, k in 0usize..15, overhead_ns in 0u64..2_000_000_000
        ) {
            let opts = RenderOpts {
                wall,
                sort: KEYS[k],
                columns: vec![
                    Column::Name, Column::TimePercent, Column::TotalTime, Column::MinTime,
                    Column::MaxTime, Column::AvgTime, Column::Calls, Column::Errors,
                    Column::WallTotal, Column::WallMin, Column::WallMax, Column::WallAvg,
                    Column::P50, Column::P90, Column::P99,
                ],
                overhead_ns,
                process_list: false,
            };
            let mut out = Vec::new();
            write_text(&mut out, &r, &opts).unwrap();
            let text = String::from_utf8(out).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let width = lines[1].len();
            for l in &lines {
                prop_assert_eq!(l.len(), width, "{}", text);
            }
        }

        /// JSON rows come in the text table's order.
        #[test]
        fn json_rows_in_text_order(r in report(), wall: bool, k in 0usize..15) {
            let opts = RenderOpts {
                wall, sort: KEYS[k], columns: vec![Column::Name], overhead_ns: 0,
                process_list: false,
            };
            let mut text = Vec::new();
            write_text(&mut text, &r, &opts).unwrap();
            let text = String::from_utf8(text).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let text_names = &lines[2..lines.len() - 2];
            let mut json = Vec::new();
            write_json(&mut json, &r, &opts).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let json_names: Vec<&str> = v["tables"][0]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["name"].as_str().unwrap())
                .collect();
            prop_assert_eq!(text_names, &json_names[..]);
        }
    }
}
