//! strace's `-c` text tables, byte for byte (`call_summary` / `call_summary_pers` in strace's
//! `src/count.c`), plus ksec's per-process and per-thread tables in the same layout.

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
/// Then, when the report has them, one table per process (ascending pid) and one per thread
/// (ascending tid), each preceded by a heading line, `Process 1234 (comm):` or
/// `Thread 1235 of process 1234 (comm):`, with the command name escaped for the terminal. A
/// process or thread with no calls is left out.
///
/// # Errors
/// Errors of `w`.
pub fn write_text(w: &mut impl Write, report: &Report, opts: &RenderOpts) -> io::Result<()> {
    let mut out = String::new();
    counts_text(&mut out, &report.total, opts);
    for (pid, (label, counts)) in &report.per_process {
        task_text(&mut out, &process_heading(*pid, label), counts, opts);
    }
    for (tid, (label, counts)) in &report.per_thread {
        task_text(&mut out, &thread_heading(*tid, label), counts, opts);
    }
    w.write_all(out.as_bytes())
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
}

fn table_text(out: &mut String, t: &Table, columns: &[Column]) {
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
            Cell::Errors(0) => write!(out, "{:w$}", ""),
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
