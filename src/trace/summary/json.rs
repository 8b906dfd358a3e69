//! The summary as one JSON document (what strace users asked for in strace issue #51).
//!
//! # Schema (`"schema": "ksec-trace-summary/1"`)
//!
//! ```text
//! {
//!   "schema": "ksec-trace-summary/1",
//!   "options": {
//!     "wall": bool,                 // -w given
//!     "time_source": "cpu"|"wall",  // what "percent" and the text table's time columns use
//!     "sort": "time",               // SortKey::name(): time, min_time, ..., none, wall_total, ...
//!     "columns": ["time-percent", ...],  // the text table's columns (-U), Column::name()
//!     "overhead_ns": int            // -O, already subtracted from every time below
//!   },
//!   "tables": [Table],              // all processes and threads together, native first;
//!                                   // empty when nothing was counted
//!   "per_container": [Container],   // only with --per-container: the host first, then by id
//!   "per_process": [Task],          // only with --per-process, ascending pid
//!   "per_thread": [Task]            // only with --per-thread, ascending tid
//! }
//! Container = { "container": string|null (null: the host), "tables": [Table] }
//! Task  = { "pid": int, "tid": int (per_thread only), "comm": string,
//!           "comm_bytes": [int] (only when comm is not valid UTF-8; "comm" is then lossy),
//!           "tables": [Table] }
//! Table = { "personality": "native"|"compat32", "arch": "x86_64"|"i386"|"aarch64"|"arm",
//!           "heading": string|null,  // the line strace prints before the table
//!           "rows": [Row],           // in the text table's order (-S)
//!           "total": Total }
//! Row   = { "nr": int, "name": string,   // name is "syscall_0x1c3" for unknown numbers
//!           "calls": int, "errors": int,
//!           "percent": number,         // 100 * time / table total, of the time source
//!           "cpu": Times, "wall": Times,
//!           "percentiles": Percentiles, "histogram": [Bucket] }
//! Total = { "calls": int, "errors": int, "percent": 100.0, "cpu": Times, "wall": Times,
//!           "percentiles": Percentiles, "histogram": [Bucket] }  // of all the table's calls
//! Times = { "total_s", "min_s", "max_s", "avg_s": number (seconds),
//!           "total_ns", "min_ns", "max_ns", "avg_ns": int (nanoseconds) }
//! Percentiles = { "p50", "p90", "p99": number (seconds) | null }   // of the time source
//! Bucket = { "low_ns": int, "high_ns": int, "count": int }   // bounds inclusive, ascending
//! ```
//!
//! Percentiles and histograms are of the time source (wall-clock with `-w`, else CPU), read off
//! a histogram with 16 sub-buckets per power of two: a percentile is the middle of the bucket
//! holding it (within about 3% of the true value), bounded by the row's (or table's) `min` and
//! `max`. `histogram` lists the fine buckets that were
//! hit; with `-O` their bounds and the percentiles are less the overhead, clamped at zero
//! (buckets the shift makes equal are merged). Percentiles are null and `histogram` is empty
//! for a row whose backend kept no histogram.
//!
//! Averages are rounded to the nearest nanosecond (as strace rounds them). In `total`, `min` is
//! the smallest row minimum and `max` the largest row maximum. Without per-thread CPU times the
//! tracer records 0, and the `cpu` values are 0.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::output::bytes;

use crate::trace::stats::{Counts, Report, TaskLabel};

use super::model::{self, ts_float, Latency, Table, Totals};
use super::RenderOpts;

/// The schema name and version written in every document.
pub const SCHEMA: &str = "ksec-trace-summary/1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    options: Options,
    tables: Vec<JTable<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_container: Vec<JContainer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_process: Vec<Task<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_thread: Vec<Task<'a>>,
}

#[derive(Serialize)]
struct JContainer<'a> {
    container: Option<&'a str>,
    tables: Vec<JTable<'a>>,
}

#[derive(Serialize)]
struct Options {
    wall: bool,
    time_source: &'static str,
    sort: &'static str,
    columns: Vec<&'static str>,
    overhead_ns: u64,
}

#[derive(Serialize)]
struct Task<'a> {
    pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<i32>,
    comm: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comm_bytes: Option<&'a [u8]>,
    tables: Vec<JTable<'a>>,
}

#[derive(Serialize)]
struct JTable<'a> {
    personality: crate::trace::arch::Personality,
    arch: &'static str,
    heading: Option<&'static str>,
    rows: Vec<JRow<'a>>,
    total: JTotal,
}

#[derive(Serialize)]
struct JRow<'a> {
    nr: u64,
    name: &'a str,
    calls: u64,
    errors: u64,
    percent: f64,
    cpu: Times,
    wall: Times,
    percentiles: Percentiles,
    histogram: Vec<Bucket>,
}

#[derive(Serialize)]
struct JTotal {
    calls: u64,
    errors: u64,
    percent: f64,
    cpu: Times,
    wall: Times,
    percentiles: Percentiles,
    histogram: Vec<Bucket>,
}

#[derive(Serialize)]
struct Percentiles {
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
}

#[derive(Serialize)]
struct Bucket {
    low_ns: u64,
    high_ns: u64,
    count: u64,
}

/// The percentiles and the histogram of a row or total.
fn latency(l: &Latency) -> (Percentiles, Vec<Bucket>) {
    // In the order of PERCENTILES.
    let [p50, p90, p99] = l.pcts.map(|p| p.map(ts_float));
    let buckets = l
        .buckets()
        .into_iter()
        .map(|(low_ns, high_ns, count)| Bucket {
            low_ns,
            high_ns,
            count,
        })
        .collect();
    (Percentiles { p50, p90, p99 }, buckets)
}

#[derive(Serialize)]
struct Times {
    total_s: f64,
    min_s: f64,
    max_s: f64,
    avg_s: f64,
    total_ns: u64,
    min_ns: u64,
    max_ns: u64,
    avg_ns: u64,
}

impl Times {
    fn new(total_ns: u64, min_ns: u64, max_ns: u64, avg_ns: u64) -> Self {
        Self {
            total_s: ts_float(total_ns),
            min_s: ts_float(min_ns),
            max_s: ts_float(max_ns),
            avg_s: ts_float(avg_ns),
            total_ns,
            min_ns,
            max_ns,
            avg_ns,
        }
    }

    fn of_row(t: &model::Times) -> Self {
        Self::new(t.total_ns, t.min_ns, t.max_ns, t.avg_ns)
    }

    fn of_totals(t: &Totals) -> Self {
        Self::new(t.total_ns, t.min_ns, t.max_ns, t.avg_ns())
    }
}

/// Writes the summary as one JSON document (see the module documentation for the schema),
/// followed by a newline. Rows are in the same order as in [`super::write_text`].
///
/// # Errors
/// Errors of `w`.
pub fn write_json(w: &mut impl Write, report: &Report, opts: &RenderOpts) -> io::Result<()> {
    // Tables own their rows; the document borrows them, so build them first.
    let total = tables(&report.total, opts);
    let containers: Vec<(Option<&str>, Vec<Table>)> = report
        .per_container
        .iter()
        .map(|(id, counts)| (id.as_deref(), tables(counts, opts)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let procs: Vec<(i32, &TaskLabel, Vec<Table>)> = report
        .per_process
        .iter()
        .map(|(pid, (label, counts))| (*pid, label, tables(counts, opts)))
        .filter(|(_, _, t)| !t.is_empty())
        .collect();
    let threads: Vec<(i32, &TaskLabel, Vec<Table>)> = report
        .per_thread
        .iter()
        .map(|(tid, (label, counts))| (*tid, label, tables(counts, opts)))
        .filter(|(_, _, t)| !t.is_empty())
        .collect();

    let doc = Doc {
        schema: SCHEMA,
        options: Options {
            wall: opts.wall,
            time_source: if opts.wall { "wall" } else { "cpu" },
            sort: opts.sort.name(),
            columns: opts.columns.iter().map(|c| c.name()).collect(),
            overhead_ns: opts.overhead_ns,
        },
        tables: total.iter().map(jtable).collect(),
        per_container: containers
            .iter()
            .map(|(id, t)| JContainer {
                container: *id,
                tables: t.iter().map(jtable).collect(),
            })
            .collect(),
        per_process: procs
            .iter()
            .map(|(pid, label, t)| task(*pid, None, label, t))
            .collect(),
        per_thread: threads
            .iter()
            .map(|(tid, label, t)| task(label.pid, Some(label.tid.unwrap_or(*tid)), label, t))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::from)?;
    w.write_all(b"\n")
}

fn tables(counts: &Counts, opts: &RenderOpts) -> Vec<Table> {
    counts
        .tables()
        .filter_map(|(p, t)| Table::build(p, t, opts))
        .collect()
}

fn task<'a>(pid: i32, tid: Option<i32>, label: &'a TaskLabel, t: &'a [Table]) -> Task<'a> {
    Task {
        pid,
        tid,
        comm: bytes::lossy(&label.comm),
        comm_bytes: bytes::non_utf8(&label.comm),
        tables: t.iter().map(jtable).collect(),
    }
}

fn jtable(t: &Table) -> JTable<'_> {
    JTable {
        personality: t.personality,
        arch: t.personality.arch_name(),
        heading: t.personality.heading(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                let (percentiles, histogram) = latency(&r.latency);
                JRow {
                    nr: r.nr,
                    name: &r.name,
                    calls: r.calls,
                    errors: r.errors,
                    percent: r.percent,
                    cpu: Times::of_row(&r.cpu),
                    wall: Times::of_row(&r.wall),
                    percentiles,
                    histogram,
                }
            })
            .collect(),
        total: {
            let (percentiles, histogram) = latency(&t.latency);
            JTotal {
                calls: t.time.calls,
                errors: t.time.errors,
                percent: 100.0,
                cpu: Times::of_totals(&t.cpu),
                wall: Times::of_totals(&t.wall),
                percentiles,
                histogram,
            }
        },
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::trace::arch::Personality::{Compat32, Native};
    use crate::trace::stats::{CallStats, TimeAgg};
    use crate::trace::summary::{parse_columns, parse_sort_key};

    fn stats(calls: u64, errors: u64, cpu: (u64, u64, u64), wall: (u64, u64, u64)) -> CallStats {
        let agg = |(total_ns, min_ns, max_ns)| TimeAgg {
            total_ns,
            min_ns,
            max_ns,
        };
        CallStats {
            calls,
            errors,
            cpu: agg(cpu),
            wall: agg(wall),
        }
    }

    fn counts() -> Counts {
        let mut c = Counts::default();
        let t = c.table_mut(Native);
        *t.entry(0) = stats(
            3,
            0,
            (1_500_000, 200_000, 1_000_000),
            (4_500_001, 1_000_000, 2_500_000),
        );
        *t.entry(1) = stats(
            2,
            2,
            (3_000_001, 1_000_000, 2_000_001),
            (3_000_003, 1_000_001, 2_000_002),
        );
        *c.table_mut(Compat32).entry(20) = stats(1, 0, (7, 7, 7), (9, 9, 9));
        c
    }

    fn render(report: &Report, opts: &RenderOpts) -> Value {
        let mut out = Vec::new();
        write_json(&mut out, report, opts).unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn one_document_with_every_column() {
        let mut r = Report {
            total: counts(),
            ..Report::default()
        };
        let label = TaskLabel {
            pid: 42,
            tid: None,
            comm: b"bad\xffname".to_vec(),
        };
        r.per_process.insert(42, (label.clone(), counts()));
        r.per_thread.insert(
            43,
            (
                TaskLabel {
                    tid: Some(43),
                    comm: b"worker".to_vec(),
                    ..label
                },
                counts(),
            ),
        );
        let opts = RenderOpts {
            wall: false,
            sort: parse_sort_key("calls").unwrap(),
            columns: parse_columns("calls,wall-total").unwrap(),
            overhead_ns: 0,
            process_list: false,
        };
        let v = render(&r, &opts);

        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(
            v["options"],
            json!({"wall": false, "time_source": "cpu", "sort": "calls",
                   "columns": ["calls", "wall-total", "name"], "overhead_ns": 0})
        );
        let tables = v["tables"].as_array().unwrap();
        assert_eq!(tables.len(), 2);
        let native = &tables[0];
        assert_eq!(native["personality"], "native");
        assert_eq!(native["arch"], "x86_64");
        assert_eq!(native["heading"], Value::Null);
        // Sorted by calls, as the text table would be.
        let rows = native["rows"].as_array().unwrap();
        assert_eq!(rows[0]["name"], "read");
        assert_eq!(rows[1]["name"], "write");
        assert_eq!(
            rows[1],
            json!({
                "nr": 1, "name": "write", "calls": 2, "errors": 2,
                "percent": 100.0 * 0.003000001 / 0.004500001,
                "cpu": {"total_s": 0.003000001, "min_s": 0.001, "max_s": 0.002000001,
                        "avg_s": 0.001500001, "total_ns": 3_000_001, "min_ns": 1_000_000,
                        "max_ns": 2_000_001, "avg_ns": 1_500_001},
                "wall": {"total_s": 0.003000003, "min_s": 0.001000001, "max_s": 0.002000002,
                         "avg_s": 0.001500002, "total_ns": 3_000_003, "min_ns": 1_000_001,
                         "max_ns": 2_000_002, "avg_ns": 1_500_002},
                // Rows filled without a histogram.
                "percentiles": {"p50": null, "p90": null, "p99": null},
                "histogram": []
            })
        );
        assert_eq!(native["total"]["calls"], 5);
        assert_eq!(native["total"]["errors"], 2);
        assert_eq!(native["total"]["percent"], 100.0);
        assert_eq!(native["total"]["cpu"]["total_ns"], 4_500_001);
        assert_eq!(native["total"]["cpu"]["min_ns"], 200_000);
        assert_eq!(native["total"]["cpu"]["max_ns"], 2_000_001);
        assert_eq!(native["total"]["cpu"]["avg_ns"], 900_000);
        assert_eq!(native["total"]["wall"]["total_ns"], 7_500_004);
        assert_eq!(native["total"]["wall"]["avg_ns"], 1_500_001);

        let i386 = &tables[1];
        assert_eq!(i386["personality"], "compat32");
        assert_eq!(i386["arch"], "i386");
        assert_eq!(
            i386["heading"],
            "System call usage summary for 32 bit mode:"
        );
        assert_eq!(i386["rows"][0]["name"], "getpid");
        assert_eq!(i386["rows"][0]["percent"], 100.0);

        let p = &v["per_process"][0];
        assert_eq!(p["pid"], 42);
        assert!(p.get("tid").is_none());
        assert_eq!(p["comm"], "bad\u{fffd}name");
        assert_eq!(
            p["comm_bytes"],
            json!([98, 97, 100, 255, 110, 97, 109, 101])
        );
        assert_eq!(p["tables"], v["tables"]);
        let t = &v["per_thread"][0];
        assert_eq!((t["pid"].as_i64(), t["tid"].as_i64()), (Some(42), Some(43)));
        assert_eq!(t["comm"], "worker");
        assert!(t.get("comm_bytes").is_none());
    }

    #[test]
    fn wall_source_changes_percent_and_order() {
        let r = Report {
            total: counts(),
            ..Report::default()
        };
        let opts = RenderOpts {
            wall: true,
            ..RenderOpts::default()
        };
        let v = render(&r, &opts);
        assert_eq!(v["options"]["time_source"], "wall");
        assert_eq!(v["options"]["sort"], "time");
        let rows = &v["tables"][0]["rows"];
        assert_eq!(rows[0]["name"], "read");
        assert_eq!(rows[0]["percent"], 100.0 * 0.004500001 / 0.007500004);
    }

    #[test]
    fn percentiles_and_histograms_in_every_row_and_total() {
        use crate::trace::hist::bucket_of;
        let mut c = counts();
        // read: 9 calls of 1 ms and 1 of 10 ms; write: 2 of 300 ns; i386 getpid: 3 of 5 ns. The
        // CPU times (after -O) bound the percentiles: wide enough here not to change them.
        let t = c.table_mut(Native);
        t.entry(0).cpu = TimeAgg {
            total_ns: 19_000_000,
            min_ns: 900_000,
            max_ns: 11_000_000,
        };
        t.entry(1).cpu = TimeAgg {
            total_ns: 600,
            min_ns: 100,
            max_ns: 500,
        };
        c.table_mut(Compat32).entry(20).cpu = TimeAgg {
            total_ns: 0,
            min_ns: 0,
            max_ns: 0,
        };
        let t = c.table_mut(Native);
        for _ in 0..9 {
            t.hist_mut(0).add(1_000_000);
        }
        t.hist_mut(0).add(10_000_000);
        t.hist_mut(1).add_bucket(bucket_of(300), 2);
        c.table_mut(Compat32).hist_mut(20).add_bucket(5, 3);
        let mut r = Report {
            total: c.clone(),
            ..Report::default()
        };
        let label = TaskLabel {
            pid: 42,
            tid: None,
            comm: b"p".to_vec(),
        };
        r.per_process.insert(42, (label.clone(), c.clone()));
        let thread = TaskLabel {
            tid: Some(43),
            ..label
        };
        r.per_thread.insert(43, (thread, c));
        let opts = RenderOpts {
            sort: parse_sort_key("name").unwrap(),
            overhead_ns: 100,
            ..RenderOpts::default()
        };
        let v = render(&r, &opts);
        assert_eq!(v["options"]["overhead_ns"], 100);
        let native = &v["tables"][0];
        let read = &native["rows"][0];
        assert_eq!(read["name"], "read");
        // 1 ms is in [983040, 1015807], 10 ms in [9961472, 10485759]; less the 100 ns.
        assert_eq!(
            read["percentiles"],
            json!({"p50": 0.000999324, "p90": 0.000999324, "p99": 0.010223516})
        );
        assert_eq!(
            read["histogram"],
            json!([
                {"low_ns": 983_040 - 100, "high_ns": 1_015_807 - 100, "count": 9},
                {"low_ns": 9_961_472 - 100, "high_ns": 10_485_759 - 100, "count": 1}
            ])
        );
        // 300 ns is in [288, 303]: less 100 ns.
        let write = &native["rows"][1];
        assert_eq!(write["name"], "write");
        assert_eq!(
            write["histogram"],
            json!([{"low_ns": 188, "high_ns": 203, "count": 2}])
        );
        assert_eq!(write["percentiles"]["p99"], 0.000000196);
        // The total: every call of the table (write's 2 calls first, then read's).
        let total = &native["total"];
        assert_eq!(total["histogram"].as_array().unwrap().len(), 3);
        assert_eq!(total["percentiles"]["p50"], 0.000999324);
        assert_eq!(total["percentiles"]["p99"], 0.010223516);
        // 5 ns, less 100 ns: clamped at zero.
        let i386 = &v["tables"][1];
        assert_eq!(
            i386["rows"][0]["histogram"],
            json!([{"low_ns": 0, "high_ns": 0, "count": 3}])
        );
        assert_eq!(
            i386["total"]["percentiles"],
            json!({"p50": 0.0, "p90": 0.0, "p99": 0.0})
        );
        // Per-process and per-thread tables carry the same.
        assert_eq!(v["per_process"][0]["tables"], v["tables"]);
        assert_eq!(v["per_thread"][0]["tables"], v["tables"]);
    }

    #[test]
    fn empty_report_is_a_document_without_tables() {
        let v = render(&Report::default(), &RenderOpts::default());
        assert_eq!(v["tables"], json!([]));
        assert!(v.get("per_process").is_none());
        assert!(v.get("per_thread").is_none());
    }
}
