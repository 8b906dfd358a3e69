//! Tests against real strace 6.1 output (`testdata/`, made by `testdata/capture.sh`), end to end
//! through the replay backend and the counter, without root.
//!
//! Each capture is `strace -n -C -w -T --syscall-times=ns ...`: every syscall with its number and
//! its wall-clock duration in nanoseconds (the value `-w` counts), then strace's own summary. The
//! lines are replayed ([`crate::trace::replay`]) into a [`Counter`](crate::trace::counter::Counter)
//! with the options of the strace command line, the [`Report`] is rendered, and compared with
//! strace's summary byte for byte. The `-f` captures of `testdata/family.c` (forks, a thread that
//! execs, exit 7) also check the per-process and per-thread tables and JSON against counts taken
//! from the capture's lines directly (strace prints only the total).

use std::collections::BTreeMap;

use crate::trace::arch::Personality;
use crate::trace::backend::{self, ChildEnd, Traced};
use crate::trace::counter::CountOpts;
use crate::trace::replay::{split_capture, Replay};
use crate::trace::stats::{Counts, Report};

use super::{parse_columns, parse_overhead, parse_sort_key, write_json, write_text, RenderOpts};

/// A capture replayed through the counter, and the summary strace printed.
struct Capture {
    traced: Traced,
    summary: String,
}

fn capture(text: &str, opts: CountOpts) -> Capture {
    let (lines, summary) = split_capture(text);
    let replay = Replay::parse(lines).unwrap_or_else(|e| panic!("{e}"));
    let traced = backend::run(Box::new(replay), Box::new(|_, _| true), opts, &mut |w| {
        panic!("warning from a replay: {w:?}")
    })
    .unwrap();
    Capture {
        traced,
        summary: summary.to_string(),
    }
}

fn wall() -> RenderOpts {
    RenderOpts {
        wall: true,
        ..RenderOpts::default()
    }
}

fn render(report: &Report, opts: &RenderOpts) -> String {
    let mut out = Vec::new();
    write_text(&mut out, report, opts).unwrap();
    String::from_utf8(out).unwrap()
}

fn same(strace: &str, ksec: &str) {
    assert!(!strace.is_empty());
    if ksec != strace {
        panic!("ksec's summary differs from strace's\n--- strace\n{strace}--- ksec\n{ksec}");
    }
}

/// Renders a capture with `-w` and the given -S / -U / -O, and compares with strace's summary.
fn check(text: &str, sort: Option<&str>, columns: Option<&str>, overhead: Option<&str>) {
    let overhead_ns = overhead.map_or(0, |o| parse_overhead(o).unwrap());
    let cap = capture(
        text,
        CountOpts {
            overhead_ns,
            wall: true,
            ..CountOpts::default()
        },
    );
    let mut opts = wall();
    if let Some(s) = sort {
        opts.sort = parse_sort_key(s).unwrap();
    }
    if let Some(c) = columns {
        opts.columns = parse_columns(c).unwrap();
    }
    same(&cap.summary, &render(&cap.traced.report, &opts));
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

const FAMILY: &str = include_str!("testdata/family.txt");
const FAMILY_STDERR: &str = include_str!("testdata/family-stderr.txt");

fn all_tables() -> CountOpts {
    CountOpts {
        overhead_ns: 0,
        per_process: true,
        per_thread: true,
        per_container: false,
        wall: true,
    }
}

/// Calls per syscall name of one set of counts.
fn calls_by_name(c: &Counts) -> BTreeMap<String, u64> {
    c.table(Personality::Native)
        .map(|t| {
            t.iter()
                .map(|(nr, s)| {
                    (
                        Personality::Native.syscall_name(nr).unwrap().to_string(),
                        s.calls,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Counted calls of a `strace -f -o` capture per thread and per process, read from the lines
/// alone (every line starts with its pid): a line with a return and a duration is one call of
/// its name; after `+++ superseded by execve in pid F +++` on pid L, L's calls belong to thread
/// F's table; a task a `CLONE_THREAD` clone returned belongs to its creator's process.
type ByTask = BTreeMap<i32, BTreeMap<String, u64>>;
fn expected_by_task(lines: &str) -> (ByTask, ByTask) {
    let mut moved: BTreeMap<i32, i32> = BTreeMap::new();
    let mut process_of: BTreeMap<i32, i32> = BTreeMap::new();
    let (mut threads, mut processes) = (ByTask::new(), ByTask::new());
    for line in lines.lines() {
        let (pid, rest) = line.split_once(' ').unwrap();
        let pid: i32 = pid.parse().unwrap();
        let body = rest.split_once("] ").unwrap().1;
        if let Some(f) = body.strip_prefix("+++ superseded by execve in pid ") {
            moved.insert(pid, f.trim_end_matches(" +++").parse().unwrap());
        }
        let thread_clone = body.starts_with("clone3(") && body.contains("CLONE_THREAD");
        if thread_clone {
            // Its return is on this line, or on the `<... clone3 resumed>` line of the same pid.
            process_of.insert(-pid, pid);
        }
        let returns = body.ends_with('>') && !body.ends_with(" <unfinished ...>");
        if (thread_clone || body.starts_with("<... clone3 resumed>"))
            && returns
            && process_of.remove(&-pid).is_some()
        {
            let child: i32 = body
                .rsplit_once(" = ")
                .unwrap()
                .1
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            process_of.insert(child, pid);
        }
        let counted = body.ends_with('>') && body.contains(" = ") && !body.contains(" = ? ");
        if !counted || body.starts_with("+++") {
            continue;
        }
        let name = match body.strip_prefix("<... ") {
            Some(r) => r.split_once(" resumed>").unwrap().0,
            None => &body[..body.find('(').unwrap()],
        };
        let thread = moved.get(&pid).copied().unwrap_or(pid);
        let process = process_of.get(&thread).copied().unwrap_or(pid);
        *threads
            .entry(thread)
            .or_default()
            .entry(name.into())
            .or_default() += 1;
        *processes
            .entry(process)
            .or_default()
            .entry(name.into())
            .or_default() += 1;
    }
    (threads, processes)
}

#[test]
fn family_total_is_straces_with_pid_prefixes_either_way() {
    for text in [FAMILY, FAMILY_STDERR] {
        let cap = capture(text, all_tables());
        let mut total = Report {
            total: cap.traced.report.total.clone(),
            ..Report::default()
        };
        same(&cap.summary, &render(&total, &wall()));
        assert_eq!(cap.traced.outcome.child, Some(ChildEnd::Exited(7)));
        // Per-process and per-thread tables add up to the total.
        for tables in [
            &cap.traced.report.per_process,
            &cap.traced.report.per_thread,
        ] {
            let mut sum = Counts::default();
            for (_, c) in tables.values() {
                sum.merge(c);
            }
            total.total = sum;
            same(&cap.summary, &render(&total, &wall()));
        }
    }
}

#[test]
fn family_per_process_and_per_thread_from_the_lines() {
    let (lines, _) = split_capture(FAMILY);
    let (threads, processes) = expected_by_task(lines);
    let report = capture(FAMILY, all_tables()).traced.report;
    let got = |t: &BTreeMap<i32, (crate::trace::stats::TaskLabel, Counts)>| -> ByTask {
        t.iter().map(|(k, (_, c))| (*k, calls_by_name(c))).collect()
    };
    assert_eq!(got(&report.per_thread), threads);
    assert_eq!(got(&report.per_process), processes);
    // Two forked children, the leader, and the thread that execed (its table kept).
    assert_eq!((processes.len(), threads.len()), (3, 4));
}

#[test]
fn family_exec_renames_and_the_execing_thread_keeps_its_table() {
    let (lines, _) = split_capture(FAMILY);
    let leader: i32 = lines.split_once(' ').unwrap().0.parse().unwrap();
    let report = capture(FAMILY, all_tables()).traced.report;
    let (label, counts) = &report.per_process[&leader];
    // The thread execed /proc/self/exe: comm "exe", as the kernel names it.
    assert_eq!(label.comm, b"exe");
    assert_eq!(calls_by_name(counts)["execve"], 2);
    let execer = *report
        .per_thread
        .iter()
        .find(|(_, (l, _))| l.tid != Some(leader) && l.pid == leader)
        .unwrap()
        .0;
    let (label, counts) = &report.per_thread[&execer];
    assert_eq!((label.pid, label.tid), (leader, Some(execer)));
    // Named after what it runs now, as its process is.
    assert_eq!(label.comm, b"exe");
    // 3 getppid before the exec, 4 after, and the execve itself.
    assert_eq!(calls_by_name(counts)["getppid"], 7);
    assert_eq!(calls_by_name(counts)["execve"], 1);
    // The old leader's table holds the first execve, not the second.
    assert_eq!(calls_by_name(&report.per_thread[&leader].1)["execve"], 1);
    // Children take their creator's name: the first fork before the exec, the second after.
    let names: Vec<&[u8]> = report
        .per_process
        .values()
        .map(|(l, _)| l.comm.as_slice())
        .collect();
    assert_eq!(names, [&b"exe"[..], b"ksec-family", b"exe"]);
}

#[test]
fn family_text_has_one_table_per_task_after_straces_total() {
    let cap = capture(FAMILY, all_tables());
    let out = render(&cap.traced.report, &wall());
    assert!(out.starts_with(&cap.summary), "{out}");
    let (lines, _) = split_capture(FAMILY);
    let (threads, processes) = expected_by_task(lines);
    let leader: i32 = lines.split_once(' ').unwrap().0.parse().unwrap();
    for (pid, calls) in &processes {
        let comm = &cap.traced.report.per_process[pid].0.comm;
        let heading = format!("Process {pid} ({}):\n", String::from_utf8_lossy(comm));
        let at = out
            .find(&heading)
            .unwrap_or_else(|| panic!("no {heading:?} in\n{out}"));
        let table = &out[at + heading.len()..];
        let total_line = table.lines().find(|l| l.ends_with(" total")).unwrap();
        let n: u64 = calls.values().sum();
        assert!(
            total_line.split_whitespace().any(|w| w == n.to_string()),
            "{heading}{total_line} (want {n} calls)"
        );
    }
    for tid in threads.keys() {
        let pid = if processes.contains_key(tid) {
            *tid
        } else {
            leader
        };
        assert!(
            out.contains(&format!("Thread {tid} of process {pid} (")),
            "{tid}"
        );
    }
}

#[test]
fn family_json_has_every_task() {
    let cap = capture(FAMILY, all_tables());
    let mut out = Vec::new();
    write_json(&mut out, &cap.traced.report, &wall()).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let (lines, _) = split_capture(FAMILY);
    let (threads, processes) = expected_by_task(lines);
    let total: u64 = processes.values().flat_map(|c| c.values()).sum();
    assert_eq!(doc["tables"][0]["total"]["calls"], total);
    for (key, want, tid) in [
        ("per_process", &processes, false),
        ("per_thread", &threads, true),
    ] {
        let tasks = doc[key].as_array().unwrap();
        assert_eq!(tasks.len(), want.len());
        for (task, (id, calls)) in tasks.iter().zip(want) {
            let id_field = if tid { "tid" } else { "pid" };
            assert_eq!(task[id_field], *id);
            assert!(task.get("comm_bytes").is_none());
            let rows = task["tables"][0]["rows"].as_array().unwrap();
            let got: BTreeMap<String, u64> = rows
                .iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap().to_string(),
                        r["calls"].as_u64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(&got, calls, "{key} {id}");
        }
    }
}

/// Every row of every table (total, per process, per thread) of a replayed `-f -w` run has a
/// histogram of its calls' wall-clock times: as many durations as calls, percentiles between
/// the row's shortest and longest call.
#[test]
fn family_rows_have_their_calls_latencies() {
    let cap = capture(FAMILY, all_tables());
    let mut out = Vec::new();
    write_json(&mut out, &cap.traced.report, &wall()).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let tasks = |key: &str| doc[key].as_array().unwrap().clone();
    let tables: Vec<serde_json::Value> = std::iter::once(doc["tables"].clone())
        .chain(tasks("per_process").iter().map(|t| t["tables"].clone()))
        .chain(tasks("per_thread").iter().map(|t| t["tables"].clone()))
        .flat_map(|t| t.as_array().unwrap().clone())
        .collect();
    assert!(tables.len() > 3);
    for t in &tables {
        let rows = t["rows"].as_array().unwrap();
        for r in rows.iter().chain([&t["total"]]) {
            let hist = r["histogram"].as_array().unwrap();
            let n: u64 = hist.iter().map(|b| b["count"].as_u64().unwrap()).sum();
            assert_eq!(n, r["calls"].as_u64().unwrap(), "{r}");
            let (min, max) = (r["wall"]["min_s"].as_f64(), r["wall"]["max_s"].as_f64());
            for p in ["p50", "p90", "p99"] {
                let v = r["percentiles"][p].as_f64();
                assert!(min <= v && v <= max, "{p} {v:?} of {r}");
            }
        }
    }
}
