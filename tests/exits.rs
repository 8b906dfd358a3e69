//! The exit-status table (src/exit.rs, the README's "Exit status"): every subcommand against a
//! pid that does not exist and a name that matches nothing, and the searches that find nothing.

use std::process::{Command, Output};

use crate::util::{ksec, run, text, Reaped};

/// A pid no process can have: the kernel hands out pids below pid_max.
fn gone_pid() -> String {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .to_string()
}

const NO_NAME: &str = "ksec-exits-no-such-name";

/// Asserts the exit status and that stderr names what failed, with no panic.
fn exits(out: &Output, code: i32, needle: &str, what: &str) {
    let (o, e) = text(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\nstdout:\n{o}\nstderr:\n{e}"
    );
    assert!(!e.contains("panicked"), "{what}: ksec panicked:\n{e}");
    assert!(e.contains(needle), "{what}: stderr lacks {needle:?}:\n{e}");
}

#[test]
fn no_such_process_is_2_everywhere_but_trace() {
    let pid = gone_pid();
    let gone = format!("pid {pid}: no such process");
    let named = format!("no process named \"{NO_NAME}\"");
    let cases: [(&[&str], &str); 5] = [
        (&["fds"], ""),
        (&["environ"], ""),
        (&["root"], "ls"),
        (&["grep-secret", "-p"], ""),
        (&["fds", "--json"], ""),
    ];
    for (head, tail) in cases {
        for (target, needle) in [(pid.as_str(), &gone), (NO_NAME, &named)] {
            let mut args: Vec<&str> = head.to_vec();
            args.push(target);
            if !tail.is_empty() {
                args.push(tail);
            }
            let out = run(ksec(&args));
            exits(&out, 2, needle, &format!("ksec {}", args.join(" ")));
            assert!(out.stdout.is_empty(), "ksec {}: no table", args.join(" "));
        }
    }
    // ps selects by name only: nothing matched is 1, as pgrep.
    exits(&run(ksec(&["ps", NO_NAME])), 1, "", "ksec ps NAME");
    // A container id that selects no process is an error too.
    for args in [
        &["fds", "--container", "abcdef"][..],
        &["environ", "--container", "abcdef"],
        &["root", "--container", "abcdef", "ls"],
        &["ps", "--container", "abcdef"],
        &["grep-secret", "--container", "abcdef"],
    ] {
        exits(
            &run(ksec(args)),
            2,
            "container abcdef: no running process belongs to a container with this id",
            &format!("ksec {}", args.join(" ")),
        );
    }
    // ksec trace keeps strace's status: 1.
    exits(
        &run(ksec(&["trace", "-c", "-p", &pid])),
        1,
        &format!("ksec trace: {gone}"),
        "ksec trace -p",
    );
}

#[test]
fn searches_that_find_nothing_and_partial_output_are_1() {
    let mut p = Reaped::spawn(Command::new("sleep").arg("60"));
    let live = p.pid_s();
    let pid = gone_pid();
    // One of two pids gone: the other is shown, exit 1.
    let out = run(ksec(&["fds", &live, &pid]));
    exits(
        &out,
        1,
        &format!("pid {pid}: no such process"),
        "fds LIVE GONE",
    );
    // The live one's table is shown (sleep's stdin, stdout and stderr at least).
    let table = text(&out).0;
    assert!(table.starts_with("FD "), "{table}");
    assert!(table.lines().count() >= 4, "{table}");
    // A variable that is not set: 1, as printenv.
    exits(
        &run(ksec(&["environ", &live, "KSEC_EXITS_UNSET"])),
        1,
        &format!("pid {live}: no variable \"KSEC_EXITS_UNSET\""),
        "environ PID VAR",
    );
    // grep-secret finding nothing in a live process: 1, as grep (0 with --fail-on-find).
    exits(
        &run(ksec(&["grep-secret", "-p", &live, "zz-none-zz"])),
        1,
        "",
        "grep-secret without findings",
    );
    let out = run(ksec(&[
        "grep-secret",
        "--fail-on-find",
        "-p",
        &live,
        "zz-none-zz",
    ]));
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // The whole table is in --help.
    let out = run(ksec(&["--help"]));
    let help = text(&out).0;
    assert!(help.contains("Exit status"), "{help}");
    assert!(
        help.contains("ksec trace keeps strace's statuses"),
        "{help}"
    );
    p.kill();
}
