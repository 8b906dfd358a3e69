//! `ksec trace`'s command line against strace 6.1's: getopt parsing (attached values, clusters,
//! long options), strace's usage errors and exit codes, `-p` with a command, `-o |cmd`, and the
//! -c parts of strace's own tests (options-syntax, strace-S, strace-c, strace-cw, strace-c-wall-col,
//! attach-f-p, count_unknown) rewritten here.

use std::path::Path;
use std::process::{Command, Output};

use crate::require;
use crate::util::{self, parse_summary, run_timeout, text, tracee, Reaped, TIMEOUT};

fn has_strace() -> bool {
    util::which("strace").is_some()
}

/// Runs `ksec trace ARGS` (or strace ARGS) with a timeout and a 1 GiB address-space limit.
fn run_limited(prog: &Path, pre: &[&str], args: &[String]) -> Output {
    run_timeout(util::limited(1 << 30, prog).args(pre).args(args), 60)
}

fn ours(args: &[String]) -> Output {
    run_limited(&util::ksec_bin(), &["trace"], args)
}

fn theirs(args: &[String]) -> Output {
    run_limited(Path::new("/usr/bin/strace"), &[], args)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn first_line(out: &Output) -> String {
    text(out).1.lines().next().unwrap_or("").to_string()
}

/// strace's line with ksec's program name (strace names itself by its argv[0]).
fn strace_to_ksec(line: &str) -> String {
    match line.split_once("strace: ") {
        Some((_, rest)) => format!("ksec trace: {rest}"),
        None => line.to_string(),
    }
}

/// Runs `case` then `-oFILE PROG` under ksec and under strace, each with its own output file in
/// `dir` (numbered `n`): both outputs and both summaries.
fn both_to_files(
    dir: &Path,
    n: usize,
    case: &[&str],
    prog: &Path,
) -> (Output, Output, String, String) {
    let run = |who: &str, f: fn(&[String]) -> Output| {
        let file = dir.join(format!("{who}{n}"));
        let mut args = strings(case);
        args.push(format!("-o{}", file.display()));
        args.push(prog.display().to_string());
        let out = f(&args);
        (out, std::fs::read_to_string(&file).unwrap_or_default())
    };
    let (ra, sa) = run("ours", ours);
    let (rb, sb) = run("theirs", theirs);
    (ra, rb, sa, sb)
}

/// Same exit code and the same first error line as strace (modulo `strace:` / `ksec trace:`).
#[test]
fn usage_errors_match_strace() {
    require!(has_strace(), "strace is not installed");
    let cases: &[&[&str]] = &[
        &["-c", "-Sfoo"],
        &["-c", "-S", "foo"],
        &["-c", "--summary-sort-by=foo", "true"],
        &["-c"],
        &["-c", "-x"],
        &["-c", "-C", "true"],
        &["-c", "-ff", "true"],
        &["-c", "--bogus", "true"],
        &["-c", "-Ubogus", "true"],
        &["-c", "-Oabc", "true"],
        &["-c", "-s", "abc", "true"],
        &["-c", "-X", "bogus", "true"],
        &["-c", "-p", "0"],
        &["-c", "-p-5"],
        &["-c", "-e", "trace=nosuchcall", "true"],
        &["-c", "-o", "/nonexistent-dir/x", "true"],
        &["-c", "/nonexistent-ksec-prog"],
    ];
    for case in cases {
        let args = strings(case);
        let (a, b) = (ours(&args), theirs(&args));
        assert_eq!(a.status.code(), b.status.code(), "{case:?}: {}", text(&a).1);
        assert_eq!(first_line(&a), strace_to_ksec(&first_line(&b)), "{case:?}");
        // Usage errors end with the same hint.
        if text(&b).1.contains("Try 'strace -h'") {
            assert!(
                text(&a)
                    .1
                    .ends_with("Try 'ksec trace -h' for more information.\n"),
                "{case:?}: {}",
                text(&a).1
            );
        }
    }
}

/// Attach errors exit 1 as strace's do; pid 1 (refused to root here) and ksec itself get
/// strace's words.
#[test]
fn attach_errors_match_strace() {
    require!(has_strace(), "strace is not installed");
    let args = strings(&["-c", "-p", "2147483000"]);
    let (a, b) = (ours(&args), theirs(&args));
    assert_eq!(a.status.code(), Some(1), "{}", text(&a).1);
    assert_eq!(b.status.code(), Some(1));
    // Attaching to oneself: `exec` keeps the shell's pid.
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(format!(
        "exec {} trace -c -p $$",
        util::ksec_bin().display()
    ));
    let a = run_timeout(&mut sh, 60);
    let mut sh = Command::new("sh");
    sh.args(["-c", "exec strace -c -p $$"]);
    let b = run_timeout(&mut sh, 60);
    assert_eq!(a.status.code(), b.status.code(), "{}", text(&a).1);
    assert_eq!(first_line(&a), strace_to_ksec(&first_line(&b)));
    require!(util::is_root(), "needs root for the pid 1 case");
    let args = strings(&["-c", "-p", "1"]);
    let b = theirs(&args);
    // Only where the kernel refuses strace too (pid 1 in this container is protected).
    // The ptrace backend's refusal (the eBPF backend can count pid 1: nothing stops it).
    if b.status.code() == Some(1) && first_line(&b).contains("Operation not permitted") {
        let a = ours(&strings(&["--backend=ptrace", "-c", "-p", "1"]));
        assert_eq!(a.status.code(), Some(1));
        assert_eq!(first_line(&a), strace_to_ksec(&first_line(&b)));
    }
}

/// Options ksec does not implement are refused by name; per-call output options strace accepts
/// are accepted (and change nothing in the summary).
#[test]
fn strace_options_are_accepted_or_refused_by_name() {
    let out = ours(&strings(&["-c", "-k", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "ksec trace: -k: not supported by ksec trace\nTry 'ksec trace -h' for more information.\n"
    );
    let out = ours(&strings(&["-c", "--inject=read:error=EIO", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        first_line(&out),
        "ksec trace: -e inject= is not supported: ksec does not tamper with syscalls"
    );
    require!(util::is_root(), "needs root for ptrace");
    let out = ours(&strings(&[
        "-c",
        "-q",
        "-qq",
        "-a",
        "3",
        "-v",
        "-s64",
        "-xx",
        "-yy",
        "-T",
        "-tt",
        "-o",
        "/dev/null",
        "true",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    assert!(out.stderr.is_empty(), "{}", text(&out).1);
    // -w and -U without -c: accepted (strace refuses them; ksec always prints the summary).
    let out = ours(&strings(&["-w", "-Ucalls,name", "-o", "/dev/null", "true"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
}

/// Attached values and clusters give the same tables as strace given the same words
/// (strace's strace-c, strace-cw and strace-c-wall-col run `-c -w` clusters and attached -U/-S).
#[test]
fn attached_values_and_clusters_match_strace() {
    require!(util::is_root(), "needs root for ptrace");
    require!(has_strace(), "strace is not installed");
    let prog = tracee("exact");
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &["-c", "-Scalls"],
        &["-cw"],
        &["-cf"],
        &["-c", "-O1"],
        &["-c", "-egetppid,close"],
        &["-c", "-etrace=openat"],
        &["-c", "--summary-sort-by=name"],
        &["-c", "-e", "trace=read", "--trace=getppid,write"],
    ];
    for (n, case) in cases.iter().enumerate() {
        let (ra, rb, sa, sb) = both_to_files(dir.path(), n, case, prog.as_ref());
        assert_eq!(
            ra.status.code(),
            rb.status.code(),
            "{case:?}: {}",
            text(&ra).1
        );
        assert!(!parse_summary(&sa).is_empty(), "{case:?}: {sa}");
        assert_eq!(
            parse_summary(&sa),
            parse_summary(&sb),
            "{case:?}\n{sa}\n{sb}"
        );
    }
    // Without a time column the tables are byte for byte strace's (strace-S: sort keys).
    for sort in ["-Sname", "-Scalls", "-Serrors", "--summary-sort-by=calls"] {
        let o_ours = dir.path().join("ours-s");
        let o_theirs = dir.path().join("theirs-s");
        let common = ["-c", "-Ucalls,errors,name", sort];
        let mut a = strings(&common);
        a.extend([
            format!("-o{}", o_ours.display()),
            prog.display().to_string(),
        ]);
        let mut b = strings(&common);
        b.extend([
            format!("-o{}", o_theirs.display()),
            prog.display().to_string(),
        ]);
        let (ra, rb) = (ours(&a), theirs(&b));
        assert_eq!(ra.status.code(), rb.status.code());
        let sa = std::fs::read_to_string(&o_ours).unwrap();
        let sb = std::fs::read_to_string(&o_theirs).unwrap();
        if sort == "-Sname" {
            assert_eq!(sa, sb, "{sort}");
        } else {
            // Ties may be ordered differently: compare the multiset of rows and the order of
            // the sort column.
            let key = |s: &str| {
                let mut v: Vec<String> = s.lines().map(str::to_string).collect();
                v.sort();
                v
            };
            assert_eq!(key(&sa), key(&sb), "{sort}\n{sa}\n{sb}");
        }
    }
}

/// `-p PID` together with a command traces both, as strace does (its attach-f-p test attaches
/// to running tasks while tracing a command).
#[test]
fn attach_and_command_together() {
    require!(util::is_root(), "needs root for ptrace");
    let mut sleeper = Reaped::spawn(Command::new("sleep").arg("1"));
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary.json");
    let args = vec![
        "-c".to_string(),
        "--json".to_string(),
        "--per-process".to_string(),
        "-p".to_string(),
        sleeper.id().to_string(),
        format!("-o{}", out_file.display()),
        "--".to_string(),
        tracee("exact").display().to_string(),
    ];
    let out = ours(&args);
    sleeper.wait_timeout(TIMEOUT);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let procs = doc["per_process"].as_array().expect("per_process");
    assert_eq!(procs.len(), 2, "{doc}");
}

/// `-o '|cmd'` and `-o '!cmd'` pipe the summary to `sh -c cmd` (strace's -o).
#[test]
fn output_to_a_pipe() {
    require!(util::is_root(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    for (n, mark) in ["|", "!"].iter().enumerate() {
        let file = dir.path().join(format!("piped{n}"));
        let args = vec![
            "-c".to_string(),
            "-o".to_string(),
            format!("{mark}cat > '{}'", file.display()),
            tracee("exact").display().to_string(),
        ];
        let out = ours(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        let s = std::fs::read_to_string(&file).unwrap();
        assert_eq!(util::native(&s).get("getppid"), Some(&(100, 0)), "{s}");
        assert!(!dir.path().join(format!("{mark}cat")).exists());
    }
}

/// A process name given to -p is escaped in the error (issue 7).
#[test]
fn pid_names_are_escaped() {
    let out = ours(&strings(&["-c", "-p", "\x1b[2Jevil"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.contains(&0x1b), "{:?}", text(&out).1);
    assert!(
        text(&out)
            .1
            .starts_with("ksec trace: Invalid process id: '\\x1b[2Jevil'"),
        "{}",
        text(&out).1
    );
}

/// `ksec trace -h` still shows the options.
#[test]
fn help_lists_the_options() {
    let out = ours(&strings(&["-h"]));
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out).0;
    assert!(help.contains("Usage: ksec trace"), "{help}");
    assert!(help.contains("--summary-sort-by"), "{help}");
}

/// strace's strace-c-wall-col test: the column layout of -c with -w and -U. Headings and the
/// separator are strace's byte for byte, and each row has the same name and the same number
/// of fields (time values differ: ksec measures per-thread CPU time, strace system time).
#[test]
fn wall_and_column_layouts_match_strace() {
    require!(util::is_root(), "needs root for ptrace");
    require!(has_strace(), "strace is not installed");
    let prog = tracee("exact");
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &["-c"],
        &["-c", "-w"],
        &["-cw"],
        &["-w", "-c"],
        &["-c", "--summary-wall-clock"],
        &["-c", "-Uname,calls"],
        &["-c", "-w", "-Utime-percent,total-time,calls,name"],
        &["-c", "-Umin-time,max-time,avg-time,calls,errors,name"],
        &["-c", "-w", "-Umin-time,max-time,avg-time,calls,errors,name"],
        &["-cw", "-Uname,errors,calls,total-time"],
        &["-c", "--summary-columns=calls,name,time-percent"],
    ];
    let layout = |s: &str| -> (Vec<String>, Vec<(String, usize)>) {
        let mut head = Vec::new();
        let mut rows = Vec::new();
        let mut seps = 0;
        for line in s.lines() {
            if line.starts_with("------") {
                seps += 1;
                head.push(line.to_string());
            } else if seps == 0 {
                head.push(line.to_string());
            } else {
                let tok: Vec<&str> = line.split_whitespace().collect();
                let name = tok
                    .iter()
                    .find(|t| t.parse::<f64>().is_err())
                    .copied()
                    .unwrap_or("")
                    .to_string();
                rows.push((name, tok.len()));
            }
        }
        rows.sort();
        (head, rows)
    };
    for (n, case) in cases.iter().enumerate() {
        let (ra, rb, sa, sb) = both_to_files(dir.path(), n, case, prog.as_ref());
        assert_eq!(
            ra.status.code(),
            rb.status.code(),
            "{case:?}: {}",
            text(&ra).1
        );
        assert!(sa.lines().count() > 3, "{case:?}: {sa}");
        assert_eq!(layout(&sa), layout(&sb), "{case:?}\n{sa}\n{sb}");
    }
}

/// strace's attach-f-p test in -c mode: `-f -p PID` of a process that creates its threads
/// after the attach, together with a command. Both are traced and the getppid calls of the
/// late threads (3 x 7 + 2) and of the command (100) are summed exactly, as strace sums them.
#[test]
fn attach_f_p_counts_late_threads_and_the_command() {
    require!(util::is_root(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    let mut runs = vec![(util::ksec_bin(), vec!["trace"])];
    if has_strace() {
        runs.push((std::path::PathBuf::from("/usr/bin/strace"), vec![]));
    }
    let mut got = Vec::new();
    for (n, (bin, pre)) in runs.iter().enumerate() {
        let mut late =
            Reaped::spawn(Command::new(tracee("late_threads")).stdin(std::process::Stdio::piped()));
        let pid = late.id();
        let mut stdin = late.take_stdin();
        let out_file = dir.path().join(format!("summary{n}"));
        let args = vec![
            "-f".to_string(),
            "-c".to_string(),
            "-egetppid".to_string(),
            format!("-p{pid}"),
            format!("-o{}", out_file.display()),
            tracee("exact").display().to_string(),
        ];
        // Release the tracee once it is traced (TracerPid set), while the tracer runs.
        let release = std::thread::spawn(move || {
            use std::io::Write;
            let status = format!("/proc/{pid}/status");
            for _ in 0..3000 {
                let s = std::fs::read_to_string(&status).unwrap_or_default();
                let traced = s
                    .lines()
                    .find_map(|l| l.strip_prefix("TracerPid:"))
                    .is_some_and(|v| v.trim() != "0");
                if traced {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let _ = stdin.write_all(b"x");
        });
        let out = run_limited(bin, pre, &args);
        release.join().unwrap();
        let status = late.wait_timeout(TIMEOUT);
        assert_eq!(out.status.code(), Some(0), "{bin:?}: {}", text(&out).1);
        assert!(status.success(), "late_threads: {status:?}");
        let s = std::fs::read_to_string(&out_file).unwrap();
        got.push((bin.clone(), util::native(&s), s));
    }
    let expected: util::Table = [("getppid".to_string(), (123, 0))].into_iter().collect();
    for (bin, table, s) in &got {
        assert_eq!(table, &expected, "{bin:?}\n{s}");
    }
}

/// strace's count_unknown tests: in -c mode every unknown number is a row of its own, named by
/// its hex value, with its exact count and errors (strace 6.1 leaves these rows out), in the
/// native table and in the 32-bit one (int 0x80 calls from the 64-bit tracee).
#[test]
fn unknown_numbers_each_get_a_row() {
    require!(util::is_root(), "needs root for ptrace");
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("summary");
    let out = ours(&[
        "-c".to_string(),
        format!("-o{}", out_file.display()),
        tracee("unknown_wide").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let s = std::fs::read_to_string(&out_file).unwrap();
    let t = util::native(&s);
    for name in [
        "syscall_0x3e8",
        "syscall_0x400003e8",
        "syscall_0x7fffffff",
        "syscall_0xffffffffffffffff",
    ] {
        assert_eq!(t.get(name), Some(&(1, 1)), "{name}\n{s}");
    }
    assert_eq!(t.get("getppid"), Some(&(2, 0)), "{s}");
    let tables = util::parse_summary(&s);
    let i386 = tables
        .iter()
        .find(|(h, _)| h == "System call usage summary for 32 bit mode:")
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let want: util::Table = [
        ("syscall_0x3e8".to_string(), (2, 2)),
        ("syscall_0x7fffffff".to_string(), (1, 1)),
    ]
    .into_iter()
    .collect();
    assert_eq!(i386, want, "{s}");
}

/// A directory or a file without execute permission as the command is left to execve, as strace
/// does: the same exit code, strace's `exec: Permission denied` (ksec adds the path), and the
/// failed execve counted in the same table.
#[test]
fn exec_failures_are_counted_like_strace() {
    require!(util::is_root(), "needs root for ptrace");
    require!(has_strace(), "strace is not installed");
    for prog in ["/etc", "/etc/passwd"] {
        let args = strings(&["-c", prog]);
        let (a, b) = (ours(&args), theirs(&args));
        assert_eq!(a.status.code(), b.status.code(), "{prog}: {}", text(&a).1);
        let want = format!("{} ('{prog}')", strace_to_ksec(&first_line(&b)));
        assert_eq!(first_line(&a), want, "{prog}");
        let (ta, tb) = (util::native(&text(&a).1), util::native(&text(&b).1));
        assert_eq!(ta.get("execve"), Some(&(1, 1)), "{prog}: {}", text(&a).1);
        assert_eq!(ta, tb, "{prog}");
    }
}
