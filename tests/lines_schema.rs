//! Every line `ksec trace --json` (without -c) writes is valid against
//! docs/trace-lines.schema.json (JSON Schema 2020-12, checked with Python's jsonschema): calls
//! with non-UTF-8 and cut strings, -y and -yy fds, sendmmsg/recvmmsg vectors, a signal, a fork
//! and its SIGCHLD, calls of two threads that interleave, a SIGKILL.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::require;
use crate::util::{self, lines, tracee};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/trace-lines.schema.json");

/// Checks the schema itself, then validates each JSON line on stdin; prints one line per
/// invalid document (`N: message`) and the count of lines read.
const VALIDATE: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
n = 0
for i, line in enumerate(sys.stdin, 1):
    n += 1
    for e in v.iter_errors(json.loads(line)):
        print(f"{i}: {e.message[:300]}")
        break
print(f"read {n}")
"#;

fn have_jsonschema() -> bool {
    Command::new("python3")
        .args(["-c", "import jsonschema"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The validator's report on `text` (one JSON document a line): the invalid lines, and how
/// many lines it read.
fn validate(text: &str) -> (Vec<String>, usize) {
    let mut child = Command::new("python3")
        .args(["-c", VALIDATE, SCHEMA])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "validator failed: {out:?}");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut bad = Vec::new();
    let mut read = 0;
    for l in report.lines() {
        match l.strip_prefix("read ") {
            Some(n) => read = n.parse().unwrap(),
            None => bad.push(l.to_string()),
        }
    }
    (bad, read)
}

/// The JSON lines of `ksec trace --json FLAGS -- ARGV`.
fn json_run(flags: &[&str], argv: &[&str]) -> String {
    let mut f = vec!["--json"];
    f.extend_from_slice(flags);
    let run = lines::run(false, &f, argv);
    assert!(!run.text.is_empty(), "no output: {:?}", run.out);
    run.text
}

#[test]
fn json_lines_match_the_schema() {
    require!(util::is_root(), "needs root for ptrace");
    require!(
        have_jsonschema(),
        "Python's jsonschema is not installed (python3-jsonschema)"
    );
    let prog = tracee("lines");
    let p = prog.to_str().unwrap();
    let mmsg = tracee("mmsg");
    let runs = [
        json_run(&["-s", "8"], &[p, "basic"]),
        json_run(&["-y"], &[p, "basic"]),
        json_run(&[], &[p, "signal"]),
        json_run(&["-f"], &[p, "fork"]),
        json_run(&["-f"], &[p, "block"]),
        json_run(&[], &[p, "kill"]),
        json_run(&["-yy", "-v"], &[mmsg.to_str().unwrap()]),
    ];
    let all = runs.concat();
    let (bad, read) = validate(&all);
    assert!(bad.is_empty(), "invalid lines: {bad:#?}\n{all}");
    assert_eq!(read, all.lines().count());
    // Each kind of object was seen (a schema that matched nothing would pass vacuously).
    let docs: Vec<serde_json::Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for kind in ["syscall", "signal", "exit", "killed"] {
        assert!(
            docs.iter().any(|d| d["type"] == kind),
            "no {kind} object in\n{all}"
        );
    }
    assert!(docs
        .iter()
        .any(|d| d["args"].to_string().contains("\"bytes\"")));
    assert!(docs.iter().any(|d| d["ret"].is_object()), "no -y return");
}

#[test]
fn the_schema_rejects_what_ksec_never_writes() {
    require!(
        have_jsonschema(),
        "Python's jsonschema is not installed (python3-jsonschema)"
    );
    let ok = r#"{"type":"syscall","time":"2026-12-02T10:00:00.123456Z","pid":7,"tid":7,"syscall":"close","args":[3],"ret":0,"duration":0.000001}"#;
    let bad = [
        // No tid.
        r#"{"type":"exit","time":"2026-12-02T10:00:00.123456Z","status":0}"#,
        // A time without microseconds.
        r#"{"type":"exit","time":"2026-12-02T10:00:00Z","tid":7,"status":0}"#,
        // An errno without its description.
        r#"{"type":"syscall","time":"2026-12-02T10:00:00.123456Z","pid":7,"tid":7,"syscall":"close","args":[3],"ret":-9,"errno":"EBADF","duration":0.1}"#,
        // An unfinished call with a duration.
        r#"{"type":"syscall","time":"2026-12-02T10:00:00.123456Z","pid":7,"tid":7,"syscall":"read","args":[0],"ret":null,"duration":0.1}"#,
        // A float argument, an unknown key, an unknown type.
        r#"{"type":"syscall","time":"2026-12-02T10:00:00.123456Z","pid":7,"tid":7,"syscall":"close","args":[1.5],"ret":0,"duration":0.1}"#,
        r#"{"type":"killed","time":"2026-12-02T10:00:00.123456Z","tid":7,"signal":"SIGKILL","core_dumped":false,"x":1}"#,
        r#"{"type":"attached","time":"2026-12-02T10:00:00.123456Z","tid":7}"#,
    ];
    let text = format!("{ok}\n{}\n", bad.join("\n"));
    let (invalid, read) = validate(&text);
    assert_eq!(read, 1 + bad.len());
    let lines: Vec<usize> = invalid
        .iter()
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        lines,
        (2..=1 + bad.len()).collect::<Vec<_>>(),
        "{invalid:#?}"
    );
}
