//! `ksec trace`'s command line against strace 6.1's: getopt parsing (attached values, clusters,
//! long options), strace's usage errors and exit codes, `-p` with a command, `-o |cmd`, and the
//! -c parts of strace's own tests (options-syntax, strace-S, strace-c, strace-cw) rewritten here.

use std::path::Path;
use std::process::{Command, Output};

use crate::require;
use crate::util::{self, parse_summary, run_timeout, text, tracee};

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
    if b.status.code() == Some(1) && first_line(&b).contains("Operation not permitted") {
        let a = ours(&args);
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
        let o_ours = dir.path().join(format!("ours{n}"));
        let o_theirs = dir.path().join(format!("theirs{n}"));
        let mut a = strings(case);
        a.push(format!("-o{}", o_ours.display()));
        a.push(prog.display().to_string());
        let mut b = strings(case);
        b.push(format!("-o{}", o_theirs.display()));
        b.push(prog.display().to_string());
        let (ra, rb) = (ours(&a), theirs(&b));
        assert_eq!(
            ra.status.code(),
            rb.status.code(),
            "{case:?}: {}",
            text(&ra).1
        );
        let sa = std::fs::read_to_string(&o_ours).unwrap_or_default();
        let sb = std::fs::read_to_string(&o_theirs).unwrap_or_default();
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
    let mut sleeper = Command::new("sleep").arg("1").spawn().unwrap();
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
    let _ = sleeper.wait();
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
