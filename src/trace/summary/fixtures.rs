//! Tests against real strace 6.1 output (`testdata/`, made by `testdata/capture.sh`).
//!
//! Each capture is `strace -n -C -w -T --syscall-times=ns ...`: every syscall with its number and
//! its wall-clock duration in nanoseconds (the value `-w` counts), then strace's own summary. A
//! [`Report`] is rebuilt from the lines, rendered with the options of the strace command line, and
//! compared with strace's summary byte for byte.

use crate::trace::arch::Personality;
use crate::trace::stats::{Completed, Counts, Report};

use super::{
    apply_overhead, parse_columns, parse_overhead, parse_sort_key, write_text, RenderOpts,
};

/// A capture split into the counts its syscall lines give and the summary strace printed.
struct Capture {
    report: Report,
    summary: String,
}

/// Parses one `[ NR] name(args) = ret <S.NNNNNNNNN>` line: personality, number, error, ns.
fn parse_line(line: &str) -> Option<(Personality, u64, bool, u64)> {
    let rest = line.strip_prefix('[')?;
    let (nr, rest) = rest.split_once(']')?;
    let nr: u64 = nr.trim().parse().ok()?;
    let rest = rest.trim_start();
    let name = &rest[..rest.find('(')?];
    // Calls without a return (exit_group ... = ?) have no duration and are not counted.
    let (call, dur) = rest.strip_suffix('>')?.rsplit_once(" <")?;
    let (secs, nanos) = dur.split_once('.')?;
    assert_eq!(nanos.len(), 9, "{line}");
    let ns = secs.parse::<u64>().ok()? * 1_000_000_000 + nanos.parse::<u64>().ok()?;
    let (_, ret) = call.rsplit_once(" = ")?;
    let is_error = ret.starts_with("-1 E") || ret.starts_with("? ERESTART");
    let personality = [Personality::Native, Personality::Compat32]
        .into_iter()
        .find(|p| p.syscall_name(nr) == Some(name))
        .unwrap_or_else(|| panic!("no personality has {name} as {nr}: {line}"));
    Some((personality, nr, is_error, ns))
}

fn capture(text: &str, overhead_ns: u64) -> Capture {
    let mut total = Counts::default();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if line.contains("+++ exited with ") {
            break;
        }
        if let Some((personality, nr, is_error, ns)) = parse_line(line) {
            let ns = apply_overhead(ns, overhead_ns);
            total.record(&Completed {
                personality,
                nr,
                is_error,
                cpu_ns: 0,
                wall_ns: ns,
            });
        }
    }
    let summary: String = lines.flat_map(|l| [l, "\n"]).collect();
    Capture {
        report: Report {
            total,
            ..Report::default()
        },
        summary,
    }
}

/// Renders a capture with `-w` and the given -S / -U / -O, and compares with strace's summary.
fn check(text: &str, sort: Option<&str>, columns: Option<&str>, overhead: Option<&str>) {
    let overhead_ns = overhead.map_or(0, |o| parse_overhead(o).unwrap());
    let cap = capture(text, overhead_ns);
    let mut opts = RenderOpts {
        wall: true,
        ..RenderOpts::default()
    };
    if let Some(s) = sort {
        opts.sort = parse_sort_key(s).unwrap();
    }
    if let Some(c) = columns {
        opts.columns = parse_columns(c).unwrap();
    }
    let mut out = Vec::new();
    write_text(&mut out, &cap.report, &opts).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(!cap.summary.is_empty());
    if out != cap.summary {
        panic!(
            "ksec's summary differs from strace's\n--- strace\n{}--- ksec\n{}",
            cap.summary, out
        );
    }
}

#[test]
fn default_layout_ls() {
    check(include_str!("testdata/default.txt"), None, None, None);
}

#[test]
fn sort_calls_with_min_max_avg_columns() {
    check(
        include_str!("testdata/sort-calls-columns.txt"),
        Some("calls"),
        Some("name,calls,errors,min-time,max-time,avg-time"),
        None,
    );
}

#[test]
fn all_columns_sorted_by_errors() {
    check(
        include_str!("testdata/all-columns-sort-errors.txt"),
        Some("errors"),
        Some("time-percent,total-time,min-time,max-time,avg-time,calls,errors,name"),
        None,
    );
}

#[test]
fn sort_by_name() {
    check(
        include_str!("testdata/sort-name.txt"),
        Some("name"),
        None,
        None,
    );
}

#[test]
fn sort_by_shortest() {
    check(
        include_str!("testdata/sort-shortest.txt"),
        Some("shortest"),
        None,
        None,
    );
}

#[test]
fn sort_by_longest() {
    check(
        include_str!("testdata/sort-longest.txt"),
        Some("longest"),
        None,
        None,
    );
}

#[test]
fn sort_by_average() {
    check(
        include_str!("testdata/sort-avg.txt"),
        Some("time_avg"),
        None,
        None,
    );
}

#[test]
fn sort_none_is_syscall_number_order() {
    check(
        include_str!("testdata/sort-none.txt"),
        Some("none"),
        None,
        None,
    );
}

#[test]
fn sort_by_count_ties_keep_number_order() {
    check(
        include_str!("testdata/sort-count.txt"),
        Some("count"),
        None,
        None,
    );
}

#[test]
fn column_alias_time_is_the_percentage() {
    check(
        include_str!("testdata/columns-time-alias.txt"),
        None,
        Some("time,calls"),
        None,
    );
}

#[test]
fn name_column_first_is_padded() {
    check(
        include_str!("testdata/columns-name-first.txt"),
        None,
        Some("syscall-name,count,error"),
        None,
    );
}

#[test]
fn overhead_is_subtracted_and_clamped() {
    check(
        include_str!("testdata/overhead-10us.txt"),
        None,
        None,
        Some("10us"),
    );
}

#[test]
fn i386_table_follows_with_its_heading() {
    let text = include_str!("testdata/i386.txt");
    check(text, None, None, None);
    assert!(text.contains("\nSystem call usage summary for 32 bit mode:\n% time"));
}
