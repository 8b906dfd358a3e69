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
//!     "columns": ["time-percent", ...]   // the text table's columns (-U), Column::name()
//!   },
//!   "tables": [Table],              // all processes and threads together, native first;
//!                                   // empty when nothing was counted
//!   "per_process": [Task],          // only with --per-process, ascending pid
//!   "per_thread": [Task]            // only with --per-thread, ascending tid
//! }
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
//!           "cpu": Times, "wall": Times }
//! Total = { "calls": int, "errors": int, "percent": 100.0, "cpu": Times, "wall": Times }
//! Times = { "total_s", "min_s", "max_s", "avg_s": number (seconds),
//!           "total_ns", "min_ns", "max_ns", "avg_ns": int (nanoseconds) }
//! ```
//!
//! Averages are rounded to the nearest nanosecond (as strace rounds them). In `total`, `min` is
//! the smallest row minimum and `max` the largest row maximum. Without per-thread CPU times the
//! tracer records 0, and the `cpu` values are 0.

use std::io::{self, Write};

use serde::Serialize;

use crate::trace::stats::{Counts, Report, TaskLabel};

use super::model::{self, ts_float, Table, Totals};
use super::RenderOpts;

/// The schema name and version written in every document.
pub const SCHEMA: &str = "ksec-trace-summary/1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    options: Options,
    tables: Vec<JTable<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_process: Vec<Task<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_thread: Vec<Task<'a>>,
}

#[derive(Serialize)]
struct Options {
    wall: bool,
    time_source: &'static str,
    sort: &'static str,
    columns: Vec<&'static str>,
}

#[derive(Serialize)]
struct Task<'a> {
    pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<i32>,
    comm: String,
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
}

#[derive(Serialize)]
struct JTotal {
    calls: u64,
    errors: u64,
    percent: f64,
    cpu: Times,
    wall: Times,
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
        },
        tables: total.iter().map(jtable).collect(),
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
    let valid = std::str::from_utf8(&label.comm).is_ok();
    Task {
        pid,
        tid,
        comm: String::from_utf8_lossy(&label.comm).into_owned(),
        comm_bytes: (!valid).then_some(label.comm.as_slice()),
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
            .map(|r| JRow {
                nr: r.nr,
                name: &r.name,
                calls: r.calls,
                errors: r.errors,
                percent: r.percent,
                cpu: Times::of_row(&r.cpu),
                wall: Times::of_row(&r.wall),
            })
            .collect(),
        total: JTotal {
            calls: t.time.calls,
            errors: t.time.errors,
            percent: 100.0,
            cpu: Times::of_totals(&t.cpu),
            wall: Times::of_totals(&t.wall),
        },
    }
}
