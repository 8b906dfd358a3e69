//! `ksec fds`, `environ`, `root` and `ps` against real processes the tests start (known fds,
//! known environment with hostile bytes, a chroot with escaping symlinks, real cgroups), against
//! lsof, and against the fake /proc tree in fixtures/proc/tree.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

use crate::require;
use crate::util::{self, ksec, run, text, Reaped, TIMEOUT};

// ---------------------------------------------------------------------------------------------
// harness

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/proc")
        .join(rel)
}

fn tree() -> String {
    fixture("tree").to_str().unwrap().to_string()
}

fn ok(out: &Output) -> &Output {
    let (o, e) = text(out);
    assert!(
        out.status.success(),
        "ksec failed: {:?}\nstdout:\n{o}\nstderr:\n{e}",
        out.status
    );
    out
}

fn json_out(out: &Output) -> Value {
    ok(out);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", text(out).0))
}

/// Fails with one clear line on stderr (naming `needle`), a non-zero exit, and no panic.
fn fails_with(out: &Output, needle: &str) {
    let (o, e) = text(out);
    assert!(
        !out.status.success(),
        "expected failure\nstdout:\n{o}\nstderr:\n{e}"
    );
    assert_ne!(out.status.code(), Some(101), "ksec panicked:\n{e}");
    assert!(!e.contains("panicked"), "ksec panicked:\n{e}");
    assert!(e.contains(needle), "stderr lacks {needle:?}:\n{e}");
}

/// The bytes of a lossless JSON string-or-`{"bytes": [...]}`.
fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(m) => m["bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect(),
        other => panic!("not bytes: {other}"),
    }
}

/// `cmd` started with stdin and stdout piped and stderr on /dev/null, killed and reaped when
/// dropped.
fn spawn(cmd: &mut Command) -> Reaped {
    Reaped::spawn(
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
}

/// A python3 process running `code` with `args`, after it printed its first line.
fn python(code: &str, args: &[&std::ffi::OsStr]) -> Reaped {
    let mut p = spawn(Command::new("python3").arg("-c").arg(code).args(args));
    let line = p.read_line();
    assert!(!line.is_empty(), "python3 helper did not start");
    p
}

/// The fd holder: regular, hostile-named and deleted files, a pipe, tcp listen + connected
/// pair, udp, unix listener, eventfd, epoll.
struct Holder {
    proc_: Reaped,
    info: Value,
    dir: tempfile::TempDir,
}

fn holder() -> Holder {
    let dir = tempfile::tempdir().unwrap();
    let mut p = spawn(
        Command::new("python3")
            .arg(fixture("fdholder.py"))
            .arg(dir.path()),
    );
    let line = p.read_line();
    let info: Value = serde_json::from_str(&line).expect("fdholder prints JSON");
    Holder {
        proc_: p,
        info,
        dir,
    }
}

impl Holder {
    fn fd(&self, name: &str) -> i64 {
        self.info["fds"][name].as_i64().unwrap()
    }
    fn path(&self, name: &[u8]) -> Vec<u8> {
        let mut p = self.dir.path().as_os_str().as_bytes().to_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        p
    }
}

/// Rows of `ksec fds --json` for one process, keyed by fd.
fn fd_rows(v: &Value) -> BTreeMap<i64, Value> {
    assert_eq!(v.as_array().unwrap().len(), 1, "one process: {v}");
    v[0]["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["fd"].as_i64().unwrap(), r.clone()))
        .collect()
}

fn which_all(progs: &[&str]) -> bool {
    progs.iter().all(|p| util::which(p).is_some())
}

// ---------------------------------------------------------------------------------------------
// fds

#[test]
fn fds_of_a_known_process_exact_rows() {
    require!(which_all(&["python3"]), "python3 is not installed");
    let h = holder();
    let out = run(ksec(&["fds", "--json", &h.proc_.pid_s()]));
    let rows = fd_rows(&json_out(&out));
    let port = |k: &str| h.info[k].as_u64().unwrap();
    let (lp, cp, up) = (port("listen_port"), port("client_port"), port("udp_port"));
    let tcp = |local: String, remote: String, state: &str| json!({"family": "inet", "proto": "tcp", "local": local, "remote": remote, "state": state});
    // (fd, mode, type, deleted, offset or null, socket or null)
    let want: Vec<(i64, &str, &str, bool, Value, Value)> = vec![
        (0, "r", "pipe", false, Value::Null, Value::Null),
        (1, "w", "pipe", false, Value::Null, Value::Null),
        (2, "w", "device", false, json!(0), Value::Null),
        (h.fd("regular"), "u", "file", false, json!(6), Value::Null),
        (h.fd("evil"), "w", "file", false, json!(0), Value::Null),
        (h.fd("deleted"), "w", "file", true, json!(0), Value::Null),
        (h.fd("pipe_r"), "r", "pipe", false, Value::Null, Value::Null),
        (h.fd("pipe_w"), "w", "pipe", false, Value::Null, Value::Null),
        (
            h.fd("listen"),
            "u",
            "socket",
            false,
            Value::Null,
            tcp(format!("127.0.0.1:{lp}"), "0.0.0.0:0".into(), "LISTEN"),
        ),
        (
            h.fd("client"),
            "u",
            "socket",
            false,
            Value::Null,
            tcp(
                format!("127.0.0.1:{cp}"),
                format!("127.0.0.1:{lp}"),
                "ESTABLISHED",
            ),
        ),
        (
            h.fd("server"),
            "u",
            "socket",
            false,
            Value::Null,
            tcp(
                format!("127.0.0.1:{lp}"),
                format!("127.0.0.1:{cp}"),
                "ESTABLISHED",
            ),
        ),
        (
            h.fd("udp"),
            "u",
            "socket",
            false,
            Value::Null,
            json!({"family": "inet", "proto": "udp", "local": format!("127.0.0.1:{up}"), "remote": "0.0.0.0:0", "state": "CLOSE"}),
        ),
        (
            h.fd("unix_listen"),
            "u",
            "socket",
            false,
            Value::Null,
            json!({"family": "unix", "kind": "stream", "state": "LISTEN", "path": String::from_utf8(h.path(b"u.sock")).unwrap()}),
        ),
        (
            h.fd("unix_client"),
            "u",
            "socket",
            false,
            Value::Null,
            json!({"family": "unix", "kind": "stream", "state": "CONNECTED", "path": null}),
        ),
        (
            h.fd("unix_server"),
            "u",
            "socket",
            false,
            Value::Null,
            json!({"family": "unix", "kind": "stream", "state": "CONNECTED", "path": String::from_utf8(h.path(b"u.sock")).unwrap()}),
        ),
        (h.fd("dir"), "r", "dir", false, json!(0), Value::Null),
        (h.fd("memfd"), "u", "memfd", false, json!(9), Value::Null),
        (
            h.fd("eventfd"),
            "u",
            "anon_inode",
            false,
            Value::Null,
            Value::Null,
        ),
        (
            h.fd("epoll"),
            "u",
            "anon_inode",
            false,
            Value::Null,
            Value::Null,
        ),
    ];
    let got_fds: Vec<i64> = rows.keys().copied().collect();
    let want_fds: Vec<i64> = {
        let mut v: Vec<i64> = want.iter().map(|w| w.0).collect();
        v.sort();
        v
    };
    assert_eq!(got_fds, want_fds, "fd numbers");
    for (fd, mode, kind, deleted, offset, socket) in want {
        let r = &rows[&fd];
        let got = (
            r["mode"].as_str().unwrap(),
            r["type"].as_str().unwrap(),
            r["deleted"].as_bool().unwrap(),
            if matches!(kind, "file" | "device" | "dir" | "memfd") {
                r["offset"].clone()
            } else {
                Value::Null
            },
            r.get("socket").cloned().unwrap_or(Value::Null),
        );
        assert_eq!(got, (mode, kind, deleted, offset, socket), "fd {fd}: {r}");
    }
    // Targets, byte for byte (the hostile name is not UTF-8: an array of bytes).
    assert_eq!(
        bytes_of(&rows[&h.fd("regular")]["target"]),
        h.path(b"regular.txt")
    );
    assert_eq!(
        bytes_of(&rows[&h.fd("evil")]["target"]),
        h.path(b"evil\x1b[31m\nname\xff")
    );
    assert!(
        rows[&h.fd("evil")]["target"].is_object(),
        "invalid UTF-8 kept as bytes"
    );
    assert_eq!(
        bytes_of(&rows[&h.fd("deleted")]["target"]),
        h.path(b"deleted.txt")
    );
    assert_eq!(bytes_of(&rows[&2]["target"]), b"/dev/null");
    assert_eq!(
        bytes_of(&rows[&h.fd("dir")]["target"]),
        h.path(b"").strip_suffix(b"/").unwrap()
    );
    assert_eq!(
        bytes_of(&rows[&h.fd("memfd")]["target"]),
        b"/memfd:ksec-memfd"
    );
    assert_eq!(
        rows[&h.fd("dir")]["flags"],
        "O_RDONLY|O_LARGEFILE|O_DIRECTORY|O_CLOEXEC"
    );
    assert_eq!(rows[&2]["device"], "char 1:3");
    assert_eq!(
        bytes_of(&rows[&h.fd("eventfd")]["target"]),
        b"anon_inode:[eventfd]"
    );
    assert_eq!(
        bytes_of(&rows[&h.fd("epoll")]["target"]),
        b"anon_inode:[eventpoll]"
    );
    let pipe_r = bytes_of(&rows[&h.fd("pipe_r")]["target"]);
    assert!(pipe_r.starts_with(b"pipe:["));
    assert_eq!(
        pipe_r,
        bytes_of(&rows[&h.fd("pipe_w")]["target"]),
        "both ends of one pipe"
    );
    assert_eq!(
        rows[&h.fd("regular")]["flags"],
        "O_RDWR|O_LARGEFILE|O_CLOEXEC"
    );
    assert_eq!(
        rows[&h.fd("deleted")]["flags"],
        "O_WRONLY|O_LARGEFILE|O_APPEND|O_CLOEXEC"
    );
}

#[test]
fn fds_table_escapes_hostile_names() {
    require!(which_all(&["python3"]), "python3 is not installed");
    let h = holder();
    let out = run(ksec(&["fds", &h.proc_.pid_s()]));
    ok(&out);
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    let (o, _) = text(&out);
    let dir = h.dir.path().display().to_string();
    let line = |fd: i64| -> String {
        o.lines()
            .find(|l| {
                let first = l.split_whitespace().next().unwrap_or("");
                first.trim_end_matches(char::is_alphabetic) == fd.to_string()
            })
            .unwrap_or_else(|| panic!("no row for fd {fd}:\n{o}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let lp = h.info["listen_port"].as_u64().unwrap();
    let cp = h.info["client_port"].as_u64().unwrap();
    assert_eq!(
        o.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["FD", "TYPE", "SIZE", "OFFSET", "FLAGS", "TARGET"]
    );
    assert_eq!(
        line(h.fd("regular")),
        format!(
            "{}u file 11 6 O_RDWR|O_LARGEFILE|O_CLOEXEC {dir}/regular.txt",
            h.fd("regular")
        )
    );
    assert_eq!(
        line(h.fd("evil")),
        format!(
            "{}w file 0 0 O_WRONLY|O_LARGEFILE|O_CLOEXEC {dir}/evil\\x1b[31m\\nname\\xff",
            h.fd("evil")
        )
    );
    assert_eq!(
        line(h.fd("deleted")),
        format!(
            "{}w file 0 0 O_WRONLY|O_LARGEFILE|O_APPEND|O_CLOEXEC {dir}/deleted.txt (deleted)",
            h.fd("deleted")
        )
    );
    assert_eq!(
        line(h.fd("listen")),
        format!(
            "{}u socket O_RDWR|O_CLOEXEC tcp 127.0.0.1:{lp} LISTEN",
            h.fd("listen")
        )
    );
    assert_eq!(
        line(h.fd("client")),
        format!(
            "{}u socket O_RDWR|O_CLOEXEC tcp 127.0.0.1:{cp} -> 127.0.0.1:{lp} ESTABLISHED",
            h.fd("client")
        )
    );
    assert_eq!(
        line(h.fd("unix_listen")),
        format!(
            "{}u socket O_RDWR|O_CLOEXEC unix stream {dir}/u.sock LISTEN",
            h.fd("unix_listen")
        )
    );
    assert_eq!(
        line(h.fd("eventfd")),
        format!(
            "{}u anon_inode O_RDWR|O_CLOEXEC anon_inode:[eventfd]",
            h.fd("eventfd")
        )
    );
}

#[test]
fn fds_agree_with_lsof() {
    require!(
        which_all(&["python3", "lsof"]),
        "python3 or lsof is not installed"
    );
    let h = holder();
    let pid = h.proc_.pid_s();
    let rows = fd_rows(&json_out(&run(ksec(&["fds", "--json", &pid]))));
    let lsof = run(Command::new("lsof").args(["-n", "-P", "-w", "-p", &pid, "-F", "fatn"]));
    // -F output: one field per line; a new `f` line starts a new file.
    let mut files: BTreeMap<i64, BTreeMap<char, String>> = BTreeMap::new();
    let mut cur: Option<i64> = None;
    for line in String::from_utf8_lossy(&lsof.stdout).lines() {
        let (tag, rest) = line.split_at(1);
        let tag = tag.chars().next().unwrap();
        match tag {
            'f' => {
                cur = rest.parse().ok();
                if let Some(fd) = cur {
                    files.entry(fd).or_default();
                }
            }
            _ => {
                if let Some(fd) = cur {
                    files.get_mut(&fd).unwrap().insert(tag, rest.to_string());
                }
            }
        }
    }
    assert_eq!(
        files.keys().copied().collect::<Vec<_>>(),
        rows.keys().copied().collect::<Vec<_>>(),
        "fd numbers: lsof vs ksec"
    );
    for (fd, f) in &files {
        let r = &rows[fd];
        let want_type = match f[&'t'].as_str() {
            "REG" if r["type"] == "memfd" => "memfd",
            "REG" => "file",
            "DIR" => "dir",
            "FIFO" => "pipe",
            "CHR" | "BLK" => "device",
            "IPv4" | "IPv6" | "unix" | "sock" => "socket",
            "a_inode" => "anon_inode",
            other => panic!("fd {fd}: lsof type {other} not mapped"),
        };
        assert_eq!(r["type"], want_type, "fd {fd}: lsof {f:?} vs ksec {r}");
        assert_eq!(r["mode"].as_str().unwrap(), f[&'a'], "fd {fd}: access mode");
        let name = &f[&'n'];
        match r.get("socket") {
            Some(s) if s["family"] == "inet" => {
                let want = if s["state"] == "LISTEN" || s["remote"] == "0.0.0.0:0" {
                    s["local"].as_str().unwrap().to_string()
                } else {
                    format!(
                        "{}->{}",
                        s["local"].as_str().unwrap(),
                        s["remote"].as_str().unwrap()
                    )
                };
                assert_eq!(name, &want, "fd {fd}: endpoints");
            }
            Some(s) if s["family"] == "unix" => {
                let kind = format!("type={}", s["kind"].as_str().unwrap().to_uppercase());
                let want = match s["path"].as_str() {
                    Some(path) => format!("{path} {kind}"),
                    None => kind,
                };
                assert!(
                    name.starts_with(&want),
                    "fd {fd}: unix {name:?} vs {want:?}"
                );
            }
            Some(other) => panic!("fd {fd}: unresolved socket {other}"),
            None if matches!(
                r["type"].as_str(),
                Some("file" | "dir" | "memfd" | "device")
            ) =>
            {
                // Plain names only: lsof escapes hostile bytes its own way.
                let target = bytes_of(&r["target"]);
                if target.iter().all(|b| b.is_ascii_graphic()) {
                    let mut want = String::from_utf8(target).unwrap();
                    if r["deleted"] == true || r["type"] == "memfd" {
                        want.push_str(" (deleted)");
                    }
                    assert_eq!(name, &want, "fd {fd}: name");
                }
            }
            None => {}
        }
    }
}

#[test]
fn fds_several_pids_report_and_go_on() {
    require!(which_all(&["python3"]), "python3 is not installed");
    let h = holder();
    let out = run(ksec(&["fds", "--json", &h.proc_.pid_s(), "2147483647"]));
    assert_eq!(out.status.code(), Some(1), "partial failure exits 1");
    let (o, e) = text(&out);
    assert_eq!(e.lines().count(), 1, "one line per failure:\n{e}");
    assert_eq!(e.trim(), "ksec: pid 2147483647: no such process");
    let v: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(v[0]["pid"].as_i64(), Some(h.proc_.pid() as i64));
    let out = run(ksec(&["fds", "2147483647"]));
    fails_with(&out, "pid 2147483647: no such process");
    let out = run(ksec(&["fds", "no-such-process-name-ksec"]));
    fails_with(&out, "no process named \"no-such-process-name-ksec\"");
}

// ---------------------------------------------------------------------------------------------
// environ

/// A helper from fixtures/proc/NAME.c, compiled once per test run (util::build_c).
fn c_helper(name: &str) -> PathBuf {
    util::build_c(&format!("proc/{name}.c"), &["-O"])
}

fn execve_env() -> PathBuf {
    c_helper("execve_env")
}

fn env_proc(entries: &[&[u8]]) -> Reaped {
    let sleep = util::which("sleep").expect("sleep");
    let mut cmd = Command::new(execve_env());
    cmd.arg(entries.len().to_string());
    for e in entries {
        cmd.arg(std::ffi::OsStr::from_bytes(e));
    }
    cmd.arg(sleep).arg("300");
    let p = spawn(&mut cmd);
    // Wait until the exec happened and the new environment is in place: the kernel sets comm
    // before it publishes the new stack's environment, so comm alone is not enough.
    let block: Vec<u8> = entries
        .iter()
        .flat_map(|e| [*e, b"\0"])
        .flatten()
        .copied()
        .collect();
    for _ in 0..200 {
        let comm_is_sleep =
            std::fs::read(format!("/proc/{}/comm", p.pid())).is_ok_and(|c| c == b"sleep\n");
        if comm_is_sleep
            && std::fs::read(format!("/proc/{}/environ", p.pid())).is_ok_and(|e| e == block)
        {
            return p;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("execve_env did not exec sleep");
}

const HOSTILE_ENV: &[&[u8]] = &[
    b"PATH=/usr/bin:/bin",
    b"ESC=\x1b[31mred\x1b[0m\x1b]0;title\x07",
    b"BAD=\xff\xfe",
    b"NL=one\ntwo",
    b"DUP=first",
    b"DUP=second",
    b"NOEQ",
    b"EMPTY=",
    b"API_TOKEN=abc123",
    b"DB_URL=postgres://app:hunter2@db:5432/x",
];

#[test]
fn environ_keeps_order_duplicates_and_bytes() {
    require!(
        which_all(&["gcc", "sleep"]),
        "gcc or sleep is not installed"
    );
    let p = env_proc(HOSTILE_ENV);
    let v = json_out(&run(ksec(&["environ", "--json", &p.pid_s()])));
    assert_eq!(v["pid"].as_i64(), Some(p.pid() as i64));
    assert_eq!(v["comm"], "sleep");
    let got: Vec<(Vec<u8>, Option<Vec<u8>>, bool)> = v["vars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let value = (!r["value"].is_null()).then(|| bytes_of(&r["value"]));
            (
                bytes_of(&r["name"]),
                value,
                r["redacted"].as_bool().unwrap(),
            )
        })
        .collect();
    let want: Vec<(Vec<u8>, Option<Vec<u8>>, bool)> = HOSTILE_ENV
        .iter()
        .map(|e| match e.iter().position(|&b| b == b'=') {
            Some(i) => (e[..i].to_vec(), Some(e[i + 1..].to_vec()), false),
            None => (e.to_vec(), None, false),
        })
        .collect();
    assert_eq!(got, want);
    assert!(
        v["vars"][2]["value"].is_object(),
        "invalid UTF-8 value kept as bytes"
    );

    // In a pipe: NAME=VALUE lines, as `tr '\0' '\n'` prints them, but for `\` and newlines,
    // escaped so that each line is one variable.
    let lines_of = |entries: &[&[u8]]| -> Vec<u8> {
        let mut want = Vec::new();
        for e in entries {
            for &b in *e {
                match b {
                    b'\\' => want.extend_from_slice(b"\\\\"),
                    b'\n' => want.extend_from_slice(b"\\n"),
                    b => want.push(b),
                }
            }
            want.push(b'\n');
        }
        want
    };
    let out = run(ksec(&["environ", &p.pid_s()]));
    assert_eq!(ok(&out).stdout, lines_of(HOSTILE_ENV));
    assert!(out
        .stdout
        .starts_with(b"PATH=/usr/bin:/bin\nESC=\x1b[31mred"));
    assert!(out.stdout.windows(12).any(|w| w == b"\nNL=one\\ntwo"));
    let out = run(ksec(&["environ", "--lines", &p.pid_s()]));
    assert_eq!(ok(&out).stdout, lines_of(HOSTILE_ENV));
    let out = run(ksec(&["environ", "--redact", &p.pid_s()]));
    let mut redacted = HOSTILE_ENV[..8].to_vec();
    redacted.extend([&b"API_TOKEN=<redacted>"[..], b"DB_URL=<redacted>"]);
    assert_eq!(ok(&out).stdout, lines_of(&redacted));

    // On a terminal: the table by default, escaped lines with --lines; no raw ESC either way.
    if util::which("script").is_some() {
        let out = crate::secret::on_a_terminal(&["environ", &p.pid_s()], &[]);
        let (screen, _) = text(&out);
        assert!(screen.starts_with("NAME "), "{screen:?}");
        assert!(!out.stdout.contains(&0x1b), "{screen:?}");
        let out = crate::secret::on_a_terminal(&["environ", "--lines", &p.pid_s()], &[]);
        let (screen, _) = text(&out);
        assert!(
            screen.starts_with(
                "PATH=/usr/bin:/bin\r\nESC=\\x1b[31mred\\x1b[0m\\x1b]0;title\\x07\r\nBAD=\\xff\\xfe\r\nNL=one\\ntwo\r\n"
            ),
            "{screen:?}"
        );
        assert!(!out.stdout.contains(&0x1b), "{screen:?}");
    } else {
        util::skipped_in_part("script (util-linux) is not installed: no terminal run");
    }

    // The table escapes.
    let out = run(ksec(&["environ", "--table", &p.pid_s()]));
    ok(&out);
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    let (o, _) = text(&out);
    let rows: Vec<String> = o
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        [
            "NAME VALUE",
            "PATH /usr/bin:/bin",
            "ESC \\x1b[31mred\\x1b[0m\\x1b]0;title\\x07",
            "BAD \\xff\\xfe",
            "NL one\\ntwo",
            "DUP first",
            "DUP second",
            "NOEQ <no '='>",
            "EMPTY",
            "API_TOKEN abc123",
            "DB_URL postgres://app:hunter2@db:5432/x",
        ]
    );

    // One value: the first, as getenv(3) returns.
    let out = run(ksec(&["environ", &p.pid_s(), "DUP"]));
    assert_eq!(ok(&out).stdout, b"first\n");
    let out = run(ksec(&["environ", &p.pid_s(), "NL"]));
    assert_eq!(ok(&out).stdout, b"one\\ntwo\n");
    // In a pipe one value is its bytes, as printenv's; escaped with --table (and on a terminal).
    let out = run(ksec(&["environ", &p.pid_s(), "ESC"]));
    assert_eq!(ok(&out).stdout, b"\x1b[31mred\x1b[0m\x1b]0;title\x07\n");
    let out = run(ksec(&["environ", "--table", &p.pid_s(), "ESC"]));
    assert_eq!(ok(&out).stdout, b"\\x1b[31mred\\x1b[0m\\x1b]0;title\\x07\n");
    let out = run(ksec(&["environ", "--redact", &p.pid_s(), "API_TOKEN"]));
    assert_eq!(ok(&out).stdout, b"<redacted>\n");
    let out = run(ksec(&["environ", &p.pid_s(), "MISSING"]));
    fails_with(&out, &format!("pid {}: no variable \"MISSING\"", p.pid()));

    // --redact masks secret-looking names and values, nothing else.
    let v = json_out(&run(ksec(&["environ", "--json", "--redact", &p.pid_s()])));
    let redacted: Vec<String> = v["vars"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["redacted"] == true)
        .map(|r| {
            assert!(r["value"].is_null());
            r["name"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(redacted, ["API_TOKEN", "DB_URL"]);
    let out = run(ksec(&["environ", "--redact", &p.pid_s()]));
    let (o, _) = text(ok(&out));
    assert!(!o.contains("hunter2") && !o.contains("abc123"), "{o}");
}

#[test]
fn environ_help_says_how_lines_escape() {
    let out = run(ksec(&["environ", "--help"]));
    let (help, _) = text(ok(&out));
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "In lines a backslash is written \\\\ and a newline \\n, so each line is one variable"
        ),
        "{help}"
    );
    assert!(
        flat.contains("--table Print the table, also into a pipe or a file"),
        "{help}"
    );
}

#[test]
fn environ_redact_uses_the_grep_secret_detectors() {
    require!(
        which_all(&["gcc", "sleep"]),
        "gcc or sleep is not installed"
    );
    // Names that say nothing: only a detector hit in the value can get them masked.
    let env: &[&[u8]] = &[
        b"PLAIN=hello",
        b"K1=ABIAIOSFODNN7EXAMPLE",
        b"K2=ACCAIOSFODNN7EXAMPLE",
        b"K3=AKIAIOSFODNN7EXAMPLE",
        b"GH=ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz",
        b"SITE=https://example.com/a:b",
    ];
    let p = env_proc(env);
    let v = json_out(&run(ksec(&["environ", "--json", "--redact", &p.pid_s()])));
    let redacted: Vec<&str> = v["vars"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["redacted"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(redacted, ["K1", "K2", "K3", "GH"]);
    let out = run(ksec(&["environ", "--redact", &p.pid_s()]));
    let (o, _) = text(ok(&out));
    assert!(
        !o.contains("ABIAIOSFODNN7EXAMPLE"),
        "an ABIA key in clear:\n{o}"
    );
    assert!(o.contains("hello"), "{o}");
    // grep-secret's detectors report the same variables in the environment.
    let out = run(ksec(&["grep-secret", "--json", "-p", &p.pid_s()]));
    let (o, _) = text(&out);
    let mut found: Vec<String> = o
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("one JSON object per line"))
        .filter(|f| f["type"] == "finding" && f["source"] == "environ")
        .map(|f| {
            f["line"]
                .as_str()
                .unwrap_or("")
                .split('=')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    found.sort();
    assert_eq!(found, ["GH", "K1", "K2", "K3"], "{o}");
}

// ---------------------------------------------------------------------------------------------
// ps, and hostile comm / cmdline

#[test]
fn ps_escapes_hostile_comm_and_cmdline() {
    require!(which_all(&["python3"]), "python3 is not installed");
    let marker = format!("ksec-ps-marker-{}", std::process::id());
    let code = "import sys\nopen('/proc/self/comm','wb').write(b'\\x1b[2Jev\\xffil')\nprint('ready', flush=True)\nsys.stdin.read()";
    let p = python(
        code,
        &[
            std::ffi::OsStr::new(&marker),
            std::ffi::OsStr::from_bytes(b"\x1b]0;owned\x07"),
            std::ffi::OsStr::from_bytes(b"\xff\xfe"),
            std::ffi::OsStr::new("new\nline"),
        ],
    );
    let v = json_out(&run(ksec(&["ps", "-f", "--json", &marker])));
    let procs = v.as_array().unwrap();
    assert_eq!(procs.len(), 1, "exactly the helper matches {marker}: {v}");
    let me = &procs[0];
    assert_eq!(me["pid"].as_i64(), Some(p.pid() as i64));
    assert_eq!(me["ppid"].as_i64(), Some(std::process::id() as i64));
    assert!(me["user"].is_string() || me["uid"].is_u64(), "{me}");
    assert_eq!(bytes_of(&me["comm"]), b"\x1b[2Jev\xffil");
    let argv: Vec<Vec<u8>> = me["cmdline"]
        .as_array()
        .unwrap()
        .iter()
        .map(bytes_of)
        .collect();
    assert_eq!(
        &argv[3..],
        [
            marker.as_bytes(),
            b"\x1b]0;owned\x07",
            b"\xff\xfe",
            b"new\nline"
        ]
    );
    assert!(me["container"].is_null());

    let out = run(ksec(&["ps", "--full", &marker]));
    ok(&out);
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    let (o, _) = text(&out);
    assert_eq!(o.lines().count(), 2, "{o}");
    assert!(
        o.lines().nth(1).unwrap().ends_with(&format!(
            "{marker} \\x1b]0;owned\\x07 \\xff\\xfe new\\nline"
        )),
        "{o}"
    );
    // By name (comm is hostile; argv[0]'s basename is python3: ambiguous or not, never a panic).
    let out = run(ksec(&["ps", "no-such-process-ksec-marker"]));
    assert_eq!(out.status.code(), Some(1));
}

/// The pids `ksec ps -q ARGS` prints, one per line, and its exit status.
fn ps_pids(args: &[&str]) -> (Vec<i32>, Option<i32>) {
    let mut all = vec!["ps", "-q"];
    all.extend_from_slice(args);
    let out = run(ksec(&all));
    let (o, e) = text(&out);
    assert!(e.is_empty(), "stderr: {e}");
    let pids = o
        .lines()
        .map(|l| l.parse().unwrap_or_else(|_| panic!("not a pid: {l:?}")))
        .collect();
    (pids, out.status.code())
}

#[test]
fn ps_name_is_exact_and_full_matches_the_command_line() {
    require!(
        which_all(&["python3", "sleep", "sh"]),
        "python3, sleep or sh is not installed"
    );
    // Three processes: sleep run as NAME (through a symlink: comm and argv[0] are NAME), sleep run
    // as a name longer than comm's 15 bytes that starts with NAME, and a python3 whose argument
    // contains NAME (as kube-apiserver's --etcd-servers= contains etcd).
    let name = format!("kps-{}", std::process::id());
    let long = format!("{name}-and-a-long-tail");
    let dir = tempfile::tempdir().unwrap();
    let sleep = util::which("sleep").unwrap();
    for n in [&name, &long] {
        std::os::unix::fs::symlink(&sleep, dir.path().join(n)).unwrap();
    }
    // Command::spawn returns once the exec succeeded, so comm and cmdline are already the new ones.
    let ra = spawn(Command::new(dir.path().join(&name)).arg("300"));
    let rb = spawn(Command::new(dir.path().join(&long)).arg("300"));
    let servers = format!("--{name}-servers=https://127.0.0.1:2379");
    let code = "import sys\nprint('ready', flush=True)\nsys.stdin.read()";
    let rc = python(code, &[std::ffi::OsStr::new(&servers)]);
    let (a, b, c) = (ra.pid(), rb.pid(), rc.pid());
    let mut abc = vec![a, b, c];
    abc.sort_unstable();

    // Exact (as pgrep -x): comm or argv[0]'s basename, never a part of either, never an argument.
    assert_eq!(ps_pids(&[&name]), (vec![a], Some(0)));
    assert_eq!(
        ps_pids(&[&long]),
        (vec![b], Some(0)),
        "argv[0] past comm's 15 bytes"
    );
    let v = json_out(&run(ksec(&["ps", "--json", &name])));
    let got: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [a as i64], "{v}");
    let out = run(ksec(&["ps", &name]));
    let (o, _) = text(ok(&out));
    let lines: Vec<&str> = o.lines().collect();
    assert_eq!(lines.len(), 2, "{o}");
    assert!(lines[0].starts_with("PID "), "{o}");
    assert!(lines[1].starts_with(&format!("{a} ")), "{o}");
    // Every other subcommand selects a process by name by the same rule.
    let v = json_out(&run(ksec(&["fds", "--json", &name])));
    assert_eq!(v[0]["pid"].as_i64(), Some(a as i64), "{v}");

    // -f: anywhere in comm or the command line; all three.
    assert_eq!(ps_pids(&["-f", &name]), (abc.clone(), Some(0)));
    assert_eq!(
        ps_pids(&["--full", &format!("{name} 300")]).0,
        [a],
        "argv joined by spaces"
    );
    let out = run(ksec(&["ps", "--full", &name]));
    assert_eq!(text(ok(&out)).0.lines().count(), 4, "header and three rows");

    // -q: nothing on stdout and exit 1 when nothing matches, as without -q.
    let none = format!("{name}-none");
    assert_eq!(ps_pids(&[&none]), (vec![], Some(1)));
    assert_eq!(ps_pids(&["-f", &none]), (vec![], Some(1)));
    assert_eq!(run(ksec(&["ps", &none])).status.code(), Some(1));

    // ksec leaves out only itself (as pgrep): the shell running `ksec ps -f NAME` matches -f,
    // never the exact name.
    let script = format!("echo $$; {} ps -q -f {name}; :", util::ksec_bin().display());
    let out = run(Command::new("sh").arg("-c").arg(&script));
    let (o, e) = text(ok(&out));
    let got: Vec<i32> = o.lines().map(|l| l.parse().unwrap()).collect();
    let shell = got[0];
    let mut want = abc.clone();
    want.push(shell);
    want.sort_unstable();
    assert_eq!(got[1..], want, "stdout: {o}\nstderr: {e}");
    let script = format!("{} ps -q {name}; :", util::ksec_bin().display());
    let out = run(Command::new("sh").arg("-c").arg(&script));
    assert_eq!(text(ok(&out)).0, format!("{a}\n"));

    // -q with --json, and -f without NAME, are refused.
    fails_with(
        &run(ksec(&["ps", "-q", "--json", &name])),
        "cannot be used with",
    );
    fails_with(&run(ksec(&["ps", "-f"])), "NAME");
}

// ---------------------------------------------------------------------------------------------
// bad input: kernel threads, zombies, permission denied

/// A kernel thread visible here (PF_KTHREAD in /proc/PID/stat), if any.
fn some_kernel_thread() -> Option<(i32, String)> {
    for e in std::fs::read_dir("/proc").ok()? {
        let name = e.ok()?.file_name();
        let Ok(pid) = name.to_str().unwrap_or("").parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let close = stat.rfind(')')?;
        let comm = stat[stat.find('(')? + 1..close].to_string();
        let flags: u64 = stat[close + 2..].split(' ').nth(6)?.parse().ok()?;
        if flags & 0x0020_0000 != 0 {
            return Some((pid, comm));
        }
    }
    None
}

#[test]
fn kernel_threads_and_zombies_are_one_clear_line() {
    require!(which_all(&["python3"]), "python3 is not installed");
    if let Some((kpid, comm)) = some_kernel_thread() {
        for cmd in ["fds", "environ"] {
            let out = run(ksec(&[cmd, &kpid.to_string()]));
            fails_with(&out, &format!("pid {kpid} ({comm}): kernel thread"));
            assert_eq!(text(&out).1.lines().count(), 1);
        }
        let out = run(ksec(&["root", &kpid.to_string(), "ls", "/"]));
        fails_with(&out, "kernel thread");
        // ps hides kernel threads unless --all.
        let pids = |args: &[&str]| -> Vec<i64> {
            json_out(&run(ksec(args)))
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["pid"].as_i64().unwrap())
                .collect()
        };
        assert!(!pids(&["ps", "--json"]).contains(&(kpid as i64)));
        assert!(pids(&["ps", "--all", "--json"]).contains(&(kpid as i64)));
    } else {
        util::skipped_in_part("no kernel thread visible in this pid namespace");
    }

    // A zombie: the helper forks a child that exits and is never reaped.
    let mut p = spawn(Command::new("python3").arg("-c").arg(
        "import os, sys\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\nsys.stdin.read()",
    ));
    let zpid: i32 = p.read_line().trim().parse().unwrap();
    for _ in 0..200 {
        let st = std::fs::read_to_string(format!("/proc/{zpid}/stat")).unwrap_or_default();
        if st.contains(") Z ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for cmd in ["fds", "environ"] {
        let out = run(ksec(&[cmd, &zpid.to_string()]));
        fails_with(
            &out,
            &format!("pid {zpid} (python3): zombie (exited, not reaped)"),
        );
        assert_eq!(text(&out).1.lines().count(), 1);
    }
    let out = run(ksec(&["fds", &zpid.to_string(), &p.pid_s()]));
    assert_eq!(out.status.code(), Some(1), "the live one is still shown");
    assert!(text(&out).0.contains(&format!("pid {} (python3)", p.pid())));
    drop(p);
}

#[test]
fn permission_denied_is_one_clear_line() {
    require!(util::is_root(), "needs root to run ksec as another user");
    require!(
        which_all(&["setpriv", "sleep"]),
        "setpriv or sleep is not installed"
    );
    let sleeper = spawn(Command::new("sleep").arg("300"));
    let pid = sleeper.pid_s();
    for args in [
        vec!["environ", pid.as_str()],
        vec!["root", pid.as_str(), "ls", "/"],
    ] {
        let out = run(Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(util::ksec_bin())
            .args(&args));
        fails_with(&out, &format!("pid {pid}: "));
        fails_with(&out, "permission denied");
        assert_eq!(text(&out).1.lines().count(), 1, "{}", text(&out).1);
    }
    // fds: the fd directory itself is unreadable for another user.
    let out = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(util::ksec_bin())
        .args(["fds", &pid]));
    fails_with(&out, "permission denied");
}

// ---------------------------------------------------------------------------------------------
// root: never escape

/// A directory tree with symlinks pointing outside it.
fn escaping_tree(dir: &Path) {
    let w = |rel: &str, data: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    w("etc/passwd", "jail:x:0:0:inside the chroot:/:/bin/false\n");
    w("etc/hostname", "jail\n");
    w("data/evil\x1b[31m", "x");
    std::fs::create_dir_all(dir.join("dir/sub")).unwrap();
    let l = |target: &str, rel: &str| std::os::unix::fs::symlink(target, dir.join(rel)).unwrap();
    l("/etc/passwd", "abs");
    l("../../../../../../etc/passwd", "rel");
    l("../../..", "dir/sub/up");
    l("/", "slash");
    l("/proc/self/root/etc/passwd", "magic");
}

const JAIL_PASSWD: &[u8] = b"jail:x:0:0:inside the chroot:/:/bin/false\n";

fn assert_never_escapes(base: &[&str], pid: &str) {
    let cmd = |args: &[&str]| {
        let mut all: Vec<&str> = vec!["root"];
        all.extend_from_slice(base);
        all.push(pid);
        all.extend_from_slice(args);
        run(ksec(&all))
    };
    let host = std::fs::read("/etc/passwd").unwrap_or_default();
    for path in [
        "/abs",
        "abs",
        "/rel",
        "/dir/sub/up/etc/passwd",
        "/dir/sub/up/abs",
        "/../../../../etc/passwd",
        "/slash/etc/passwd",
        "/dir/../../etc/passwd",
    ] {
        let out = cmd(&["cat", path]);
        assert_eq!(ok(&out).stdout, JAIL_PASSWD, "cat {path} left the root");
        assert_ne!(out.stdout, host);
    }
    // A magic link is refused, not followed to the host.
    let out = cmd(&["cat", "/magic"]);
    fails_with(&out, &format!("pid {pid}: /magic (inside its root)"));
    // stat does not follow the last symlink; the link is shown as written.
    let v = json_out(&cmd(&["stat", "--json", "/abs"]));
    assert_eq!(
        (v["type"].as_str(), v["link"].as_str()),
        (Some("symlink"), Some("/etc/passwd"))
    );
    let v = json_out(&cmd(&["stat", "--json", "/dir/sub/up/etc"]));
    assert_eq!(
        (v["path"].as_str(), v["type"].as_str()),
        (Some("/dir/sub/up/etc"), Some("dir"))
    );
    // ls through `../../..` lists the root itself.
    let names = |v: &Value| -> Vec<Vec<u8>> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| bytes_of(&e["path"]))
            .collect()
    };
    let v = json_out(&cmd(&["ls", "--json", "/dir/sub/up"]));
    let got: Vec<Vec<u8>> = names(&v);
    let want: Vec<&[u8]> = vec![
        b"/dir/sub/up/abs",
        b"/dir/sub/up/data",
        b"/dir/sub/up/dir",
        b"/dir/sub/up/etc",
        b"/dir/sub/up/magic",
        b"/dir/sub/up/rel",
        b"/dir/sub/up/slash",
    ];
    assert_eq!(got, want);
    // find lists symlinks without following them.
    let v = json_out(&cmd(&["find", "--json", "/"]));
    let got: Vec<(Vec<u8>, String)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                bytes_of(&e["path"]),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(&[u8], &str)> = vec![
        (b"/", "dir"),
        (b"/abs", "symlink"),
        (b"/data", "dir"),
        (b"/data/evil\x1b[31m", "file"),
        (b"/dir", "dir"),
        (b"/dir/sub", "dir"),
        (b"/dir/sub/up", "symlink"),
        (b"/etc", "dir"),
        (b"/etc/hostname", "file"),
        (b"/etc/passwd", "file"),
        (b"/magic", "symlink"),
        (b"/rel", "symlink"),
        (b"/slash", "symlink"),
    ];
    let want: Vec<(Vec<u8>, String)> = want
        .into_iter()
        .map(|(p, t)| (p.to_vec(), t.to_string()))
        .collect();
    assert_eq!(got, want);
    // The table escapes the hostile name.
    let out = cmd(&["find", "/data"]);
    assert!(!ok(&out).stdout.contains(&0x1b));
    assert!(text(&out).0.contains("/data/evil\\x1b[31m"));
    // Unknown operation, missing file: one line, non-zero.
    fails_with(&cmd(&["rm", "/"]), "unknown operation \"rm\"");
    fails_with(
        &cmd(&["cat", "/nope"]),
        "/nope (inside its root): no such file or directory",
    );
}

#[test]
fn root_of_a_chrooted_process_never_escapes() {
    require!(util::is_root(), "needs root to chroot a test process");
    require!(which_all(&["python3"]), "python3 is not installed");
    require!(
        run(Command::new("python3").args(["-c", "import os; os.chroot('/')"]))
            .status
            .success(),
        "chroot fails here (no CAP_SYS_CHROOT?)"
    );
    let dir = tempfile::tempdir().unwrap();
    escaping_tree(dir.path());
    let p = python(
        "import os, sys\nos.chroot(sys.argv[1])\nos.chdir('/')\nprint('ready', flush=True)\nsys.stdin.read()",
        &[dir.path().as_os_str()],
    );
    assert_eq!(
        std::fs::read_link(format!("/proc/{}/root", p.pid())).unwrap(),
        dir.path()
    );
    assert_never_escapes(&[], &p.pid_s());
}

/// A fake /proc with one process, 4242, whose root is a directory with escaping symlinks.
fn fake_proc_with_escaping_root() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let proc_dir = dir.path().join("proc/4242");
    std::fs::create_dir_all(&proc_dir).unwrap();
    std::fs::write(
        proc_dir.join("stat"),
        "4242 (jailed) S 1 4242 4242 0 -1 4194560 0 0 0 0\n",
    )
    .unwrap();
    escaping_tree(&proc_dir.join("root"));
    let proc_root = dir.path().join("proc").to_str().unwrap().to_string();
    (dir, proc_root)
}

#[test]
fn root_refuses_without_openat2() {
    require!(which_all(&["gcc"]), "gcc is not installed");
    let (_dir, proc_root) = fake_proc_with_escaping_root();
    let jail = c_helper("no_openat2");
    for args in [
        vec!["cat", "/abs"],
        vec!["cat", "/etc/passwd"],
        vec!["ls", "/"],
        vec!["find", "/"],
        vec!["stat", "/rel"],
    ] {
        let mut cmd = Command::new(&jail);
        cmd.arg(util::ksec_bin())
            .args(["root", "--proc-root", &proc_root, "4242"])
            .args(&args);
        let out = run(&mut cmd);
        fails_with(&out, "openat2(2) is not available");
        fails_with(&out, "refusing to resolve paths in the root without it");
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed something: {}",
            text(&out).0
        );
    }
}

#[test]
fn root_of_a_fixture_tree_never_escapes() {
    // /proc-root/PID/root is a plain directory here: the same openat2 guarantees, no root needed.
    let (_dir, proc_root) = fake_proc_with_escaping_root();
    assert_never_escapes(&["--proc-root", &proc_root], "4242");
}

// ---------------------------------------------------------------------------------------------
// fixtures/proc/tree: each runtime's cgroup pattern, --proc-root and HOST_PROC

const UID: &str = "6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

#[test]
fn ps_finds_each_runtimes_container_in_fixtures() {
    let v = json_out(&run(ksec(&[
        "ps",
        "--all",
        "--json",
        "--proc-root",
        &tree(),
    ])));
    type Row = (i64, Option<String>, Option<String>, Option<String>);
    let got: Vec<Row> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let c = &p["container"];
            let s = |k: &str| c.get(k).and_then(Value::as_str).map(String::from);
            (
                p["pid"].as_i64().unwrap(),
                s("id"),
                s("runtime"),
                s("pod_uid"),
            )
        })
        .collect();
    let id = |c: char| Some(c.to_string().repeat(64));
    let rt = |r: &str| Some(r.to_string());
    let pod = Some(UID.to_string());
    let want = vec![
        (101, id('1'), rt("docker"), None),
        (102, id('2'), rt("docker"), None),
        (103, id('3'), rt("containerd"), pod.clone()),
        (104, id('4'), rt("kubepods"), pod.clone()),
        (105, id('5'), rt("cri-o"), pod.clone()),
        (106, id('6'), rt("podman"), None),
        (107, None, None, None),
        (108, None, None, None),
        (109, id('2'), rt("docker"), None),
        (110, id('3'), rt("containerd"), pod.clone()),
        (111, None, None, None),
    ];
    assert_eq!(got, want);

    // HOST_PROC does the same as --proc-root; without --all the kernel thread is hidden.
    let out = run(ksec(&["ps", "--json"]).env("HOST_PROC", tree()));
    let pids: Vec<i64> = json_out(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(pids, [101, 102, 103, 104, 105, 106, 107, 109, 110, 111]);

    // The table: 12-hex ids, --long for 64, escaped command lines.
    let out = run(ksec(&["ps", "--proc-root", &tree(), "--container", "333"]));
    let rows: Vec<String> = text(ok(&out))
        .0
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        [
            "PID PPID USER S CONTAINER POD COMMAND".to_string(),
            format!("103 1 root S 333333333333 {UID} etcd --data-dir=/var/lib/etcd"),
            format!("110 103 root S 333333333333 {UID} sh -c sleep 1d"),
        ]
    );
    let out = run(ksec(&[
        "ps",
        "--proc-root",
        &tree(),
        "--container",
        "55",
        "--long",
    ]));
    assert!(text(ok(&out)).0.contains(&"5".repeat(64)));
    let out = run(ksec(&["ps", "--proc-root", &tree(), "evil"]));
    let o = text(ok(&out)).0;
    assert!(
        o.contains("/bin/evil \\x1b]0;owned\\x07 \\xff\\xfe new\\nline"),
        "{o}"
    );
    assert!(!out.stdout.contains(&0x1b));
    // -f matches inside comm too; an exact name must be all of it.
    let out = run(ksec(&["ps", "--proc-root", &tree(), "-f", "[2Jevil"]));
    assert!(text(ok(&out)).0.contains("111"), "comm matches too");
    let out = run(ksec(&["ps", "--proc-root", &tree(), "[2Jevil"]));
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));

    // Unknown and malformed container ids.
    fails_with(
        &run(ksec(&["ps", "--proc-root", &tree(), "--container", "abc"])),
        "container abc: no running process",
    );
    fails_with(
        &run(ksec(&["ps", "--proc-root", &tree(), "--container", "xyz"])),
        "1 to 64 hex digits",
    );
}

#[test]
fn container_option_selects_for_every_subcommand_in_fixtures() {
    let t = tree();
    // environ --container: the container's main process (103, not its child 110).
    let out = run(ksec(&[
        "environ",
        "--proc-root",
        &t,
        "--container",
        "3333",
        "ETCD_NAME",
    ]));
    assert_eq!(ok(&out).stdout, b"node-1\n");
    // fds --container: every process of the container.
    let v = json_out(&run(ksec(&[
        "fds",
        "--json",
        "--proc-root",
        &t,
        "--container",
        "3333",
    ])));
    let pids: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(pids, [103, 110]);
    // root --container.
    let out = run(ksec(&[
        "root",
        "--proc-root",
        &t,
        "--container",
        "333",
        "cat",
        "/abs",
    ]));
    assert_eq!(
        ok(&out).stdout,
        b"root:x:0:0:container root:/root:/bin/sh\n"
    );
    // A name works where unambiguous.
    let out = run(ksec(&["environ", "--proc-root", &t, "etcd", "DUP"]));
    assert_eq!(ok(&out).stdout, b"first\n");
    fails_with(
        &run(ksec(&[
            "environ",
            "--proc-root",
            &t,
            "2",
            "X",
            "--container",
            "3",
        ])),
        "not a PID too",
    );
}

#[test]
fn fds_resolve_sockets_from_the_processs_own_namespace_in_fixtures() {
    let v = json_out(&run(ksec(&[
        "fds",
        "--json",
        "--proc-root",
        &tree(),
        "103",
    ])));
    let rows = fd_rows(&v);
    let sock = |fd: i64| rows[&fd]["socket"].clone();
    assert_eq!(bytes_of(&rows[&3]["target"]), b"pipe:[9001]");
    assert_eq!(rows[&3]["type"], "pipe");
    assert_eq!(
        sock(4),
        json!({"family": "inet", "proto": "tcp", "local": "127.0.0.1:2372", "remote": "0.0.0.0:0", "state": "LISTEN"})
    );
    assert_eq!(
        sock(5),
        json!({"family": "inet", "proto": "tcp", "local": "127.0.0.1:2372", "remote": "127.0.0.1:54321", "state": "ESTABLISHED"})
    );
    assert_eq!(
        sock(6),
        json!({"family": "inet", "proto": "udp", "local": "127.0.0.53:53", "remote": "0.0.0.0:0", "state": "CLOSE"})
    );
    assert_eq!(
        sock(7),
        json!({"family": "unix", "kind": "stream", "state": "LISTEN", "path": "/run/etcd.sock"})
    );
    assert_eq!(rows[&8]["type"], "anon_inode");
    assert_eq!(
        sock(9),
        json!({"family": "inet", "proto": "tcp6", "local": "[::1]:2373", "remote": "[::]:0", "state": "LISTEN"})
    );
    assert_eq!(rows[&4]["mode"], "u");
    assert_eq!(rows[&4]["flags"], "O_RDWR|O_NONBLOCK|O_CLOEXEC");
}

#[test]
fn environ_and_errors_in_fixtures() {
    let t = tree();
    let v = json_out(&run(ksec(&[
        "environ",
        "--json",
        "--redact",
        "--proc-root",
        &t,
        "103",
    ])));
    let got: Vec<(Vec<u8>, Value, bool)> = v["vars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                bytes_of(&r["name"]),
                r["value"].clone(),
                r["redacted"].as_bool().unwrap(),
            )
        })
        .collect();
    let want: Vec<(Vec<u8>, Value, bool)> = vec![
        (b"PATH".to_vec(), json!("/usr/bin"), false),
        (b"ETCD_NAME".to_vec(), json!("node-1"), false),
        (b"ESC".to_vec(), json!("\x1b[31mred\x1b[0m"), false),
        (b"BAD".to_vec(), json!({"bytes": [255, 254]}), false),
        (b"NL".to_vec(), json!("one\ntwo"), false),
        (b"DUP".to_vec(), json!("first"), false),
        (b"DUP".to_vec(), json!("second"), false),
        (b"ETCD_PEER_PASSWORD".to_vec(), Value::Null, true),
        (b"URL".to_vec(), Value::Null, true),
        (b"NOEQ".to_vec(), Value::Null, false),
    ];
    assert_eq!(got, want);
    fails_with(
        &run(ksec(&["environ", "--proc-root", &t, "108"])),
        "pid 108 (kworker/0:1): kernel thread, it has no environment",
    );
    fails_with(
        &run(ksec(&["environ", "--proc-root", &t, "109"])),
        "pid 109 (defunct): zombie",
    );
    fails_with(
        &run(ksec(&["environ", "--proc-root", &t, "999"])),
        "pid 999: no such process",
    );
    fails_with(
        &run(ksec(&["environ", "--proc-root", &t])),
        "give a PID|NAME or --container ID",
    );
    let out = run(ksec(&["fds", "--proc-root", &t, "108", "103", "109"]));
    assert_eq!(out.status.code(), Some(1));
    let (o, e) = text(&out);
    assert_eq!(e.lines().count(), 2, "{e}");
    assert!(o.starts_with("FD") || o.contains("pid 103 (etcd)"), "{o}");
}

// ---------------------------------------------------------------------------------------------
// container discovery against real cgroups

/// Cgroup directories made by a test; processes moved back to the root and dirs removed on drop.
struct Cgroups {
    dirs: Vec<PathBuf>,
    roots: Vec<PathBuf>,
}

impl Cgroups {
    fn make(&mut self, mount: &Path, rel: &str) -> std::io::Result<PathBuf> {
        let d = mount.join(rel);
        let made = std::fs::create_dir_all(&d);
        let mut p = d.clone();
        while p != mount {
            if !self.dirs.contains(&p) {
                self.dirs.push(p.clone());
            }
            p = p.parent().unwrap().to_path_buf();
        }
        self.roots.push(mount.to_path_buf());
        made.map(|()| d)
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for d in &self.dirs {
            if let Ok(procs) = std::fs::read_to_string(d.join("cgroup.procs")) {
                for pid in procs.lines() {
                    for r in &self.roots {
                        if d.starts_with(r) {
                            let _ = std::fs::write(r.join("cgroup.procs"), pid);
                        }
                    }
                }
            }
        }
        // Deepest first.
        let mut dirs = self.dirs.clone();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in dirs {
            let _ = std::fs::remove_dir(&d);
        }
    }
}

/// The cgroup v2 mount and a writable v1 hierarchy, if present.
fn cgroup_mounts() -> (Option<PathBuf>, Option<PathBuf>) {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut v2 = None;
    let mut v1 = None;
    for line in mounts.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 4 {
            continue;
        }
        if f[2] == "cgroup2" && v2.is_none() {
            v2 = Some(PathBuf::from(f[1]));
        }
        if f[2] == "cgroup" && f[3].split(',').any(|o| o == "pids") {
            v1 = Some(PathBuf::from(f[1]));
        }
    }
    (v2, v1)
}

#[test]
fn container_discovery_in_real_cgroups() {
    require!(util::is_root(), "needs root to create cgroups");
    require!(which_all(&["sleep"]), "sleep is not installed");
    let (v2, v1) = cgroup_mounts();
    require!(v2.is_some() || v1.is_some(), "no cgroup hierarchy mounted");
    let tag = format!("{:08x}", std::process::id());
    let mut cg = Cgroups {
        dirs: vec![],
        roots: vec![],
    };
    let mut cases = Vec::new();
    if let Some(v2) = &v2 {
        // containerd, systemd driver, cgroup v2.
        let id = format!("c0{tag}{}", "a".repeat(54));
        let slice = format!(
            "ksectest-{tag}.slice/kubepods-burstable-pod{}.slice",
            UID.replace('-', "_")
        );
        match cg.make(v2, &format!("{slice}/cri-containerd-{id}.scope")) {
            Ok(d) => cases.push((d, id, "containerd", Some(UID))),
            Err(e) => util::skipped_in_part(format!("cgroup v2 at {}: {e}", v2.display())),
        }
    }
    if let Some(v1) = &v1 {
        // cri-o under cgroup v1, and the cgroupfs driver's /kubepods/<qos>/pod<uid>/<id>.
        let id = format!("c1{tag}{}", "b".repeat(54));
        match cg.make(v1, &format!("ksectest-{tag}/crio-{id}.scope")) {
            Ok(d) => cases.push((d, id, "cri-o", None)),
            Err(e) => util::skipped_in_part(format!("cgroup v1 at {}: {e}", v1.display())),
        }
        let id = format!("c2{tag}{}", "c".repeat(54));
        if let Ok(d) = cg.make(
            v1,
            &format!("ksectest-{tag}-kubepods/burstable/pod{UID}/{id}"),
        ) {
            cases.push((d, id, "kubepods", Some(UID)));
        }
    }
    require!(
        !cases.is_empty(),
        "no writable cgroup hierarchy (read-only /sys/fs/cgroup?)"
    );
    for (dir, id, runtime, pod) in &cases {
        let p = spawn(
            Command::new("sleep")
                .arg("300")
                .env("KSEC_TEST_CONTAINER_SECRET", "s3cr3t-in-the-container-42"),
        );
        std::fs::write(dir.join("cgroup.procs"), p.pid_s())
            .unwrap_or_else(|e| panic!("move {} into {}: {e}", p.pid(), dir.display()));
        let prefix = &id[..10];
        let out = run(ksec(&["ps", "--container", prefix]));
        let rows: Vec<String> = text(ok(&out))
            .0
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        let pod_col = pod.map(|u| format!(" {u}")).unwrap_or_default();
        assert!(
            rows[1].starts_with(&format!("{} ", p.pid()))
                && rows[1].contains(&format!(" {}{pod_col} sleep 300", &id[..12])),
            "{runtime}: {rows:?}"
        );
        let out = run(ksec(&["ps", "--container", prefix, "--long"]));
        assert!(text(ok(&out)).0.contains(id.as_str()));
        let v = json_out(&run(ksec(&["ps", "--json", "--container", prefix])));
        assert_eq!(v[0]["pid"].as_i64(), Some(p.pid() as i64));
        assert_eq!(
            v[0]["container"],
            json!({"id": id, "runtime": runtime, "pod_uid": pod})
        );
        // Every subcommand takes --container.
        let v = json_out(&run(ksec(&["fds", "--json", "--container", prefix])));
        assert_eq!(v[0]["pid"].as_i64(), Some(p.pid() as i64));
        let out = run(ksec(&["environ", "--container", prefix]));
        ok(&out);
        let out = run(ksec(&["root", "--container", prefix, "stat", "/"]));
        ok(&out);
        // grep-secret and trace take --container too.
        let out = run(ksec(&[
            "grep-secret",
            "s3cr3t-in-the-container",
            "--container",
            prefix,
        ]));
        let (found, _) = text(ok(&out));
        assert!(found.contains(&p.pid_s()), "{found}");
        let tracer = Reaped::spawn(&mut ksec(&[
            "trace",
            "-f",
            "-c",
            "--container",
            prefix,
            "-o",
            "/dev/null",
        ]));
        std::thread::sleep(std::time::Duration::from_millis(300));
        run(Command::new("kill")
            .arg("-INT")
            .arg(tracer.id().to_string()));
        let out = tracer.output_timeout(60);
        assert!(out.status.code().is_none(), "trace dies of SIGINT: {out:?}");
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", p.pid())).unwrap();
        let state = stat[stat.rfind(')').unwrap() + 2..].chars().next();
        assert!(
            matches!(state, Some('S' | 'R')),
            "running, not stopped, after detach: {stat}"
        );
        drop(p);
    }
    drop(cg);
    for (dir, _, _, _) in &cases {
        assert!(!dir.exists(), "cgroup {} not cleaned up", dir.display());
    }
}

#[test]
fn fds_resolve_sockets_in_the_processs_own_network_namespace() {
    require!(
        util::is_root(),
        "needs root for a private network namespace"
    );
    require!(
        which_all(&["unshare", "python3"]),
        "unshare or python3 is not installed"
    );
    let mut p = spawn(Command::new("unshare").args(["-n", "python3", "-c"]).arg(
        "import socket, sys\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nprint(s.fileno(), s.getsockname()[1], flush=True)\nsys.stdin.read()",
    ));
    let line = p.read_line();
    let (fd, port) = line.trim().split_once(' ').expect("fd and port");
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    assert_ne!(
        ns(&p.pid_s()),
        ns("self"),
        "the helper has its own network namespace"
    );
    let rows = fd_rows(&json_out(&run(ksec(&["fds", "--json", &p.pid_s()]))));
    let row = &rows[&fd.parse::<i64>().unwrap()];
    assert_eq!(
        row["socket"],
        json!({"family": "inet", "proto": "tcp", "local": format!("127.0.0.1:{port}"), "remote": "0.0.0.0:0", "state": "LISTEN"})
    );
    // The caller's own table does not have that socket: it came from the helper's namespace.
    let inode = row["inode"].as_u64().unwrap().to_string();
    let mine = std::fs::read_to_string("/proc/self/net/tcp").unwrap();
    assert!(
        !mine.split_whitespace().any(|f| f == inode),
        "socket {inode} visible in the caller's namespace"
    );
}

#[test]
fn root_cat_is_raw_on_a_pipe_and_escaped_on_a_terminal() {
    let (dir, proc_root) = fake_proc_with_escaping_root();
    let content: &[u8] = b"a\x1b[31mred\xff\nline2\n";
    std::fs::write(dir.path().join("proc/4242/root/etc/motd"), content).unwrap();
    let out = run(ksec(&[
        "root",
        "--proc-root",
        &proc_root,
        "4242",
        "cat",
        "/etc/motd",
    ]));
    assert_eq!(ok(&out).stdout, content, "a pipe gets the file's bytes");
    let v = json_out(&run(ksec(&[
        "root",
        "--json",
        "--proc-root",
        &proc_root,
        "4242",
        "cat",
        "/etc/motd",
    ])));
    assert_eq!(bytes_of(&v["content"]), content, "JSON is lossless");
    require!(
        which_all(&["script"]),
        "script (util-linux) is not installed: no pty test"
    );
    let cmd = format!(
        "{} root --proc-root {proc_root} 4242 cat /etc/motd",
        util::ksec_bin().display()
    );
    let out = run(Command::new("script").args(["-qec", &cmd, "/dev/null"]));
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the terminal");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"),
        "a\\x1b[31mred\\xff\nline2\n"
    );
}

#[test]
fn processes_exiting_while_being_read_are_one_line_or_nothing() {
    require!(which_all(&["sleep"]), "sleep is not installed");
    // Short-lived processes, each read by fds, environ and root while it may be exiting.
    for round in 0..20u32 {
        let mut child = Reaped::spawn(
            Command::new("sleep")
                .arg(format!("0.0{}", round % 5))
                .stdout(Stdio::null()),
        );
        let pid = child.pid_s();
        for args in [
            vec!["fds", "--json", pid.as_str()],
            vec!["environ", pid.as_str()],
            vec!["root", pid.as_str(), "stat", "/"],
        ] {
            let out = run(ksec(&args));
            let (_, e) = text(&out);
            assert!(!e.contains("panicked"), "{args:?}: {e}");
            if !out.status.success() {
                assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
                assert!(e.contains(&format!("pid {pid}")), "{args:?}: {e}");
            }
        }
        child.wait_timeout(TIMEOUT);
        // Exited and reaped: a clear "no such process".
        fails_with(
            &run(ksec(&["environ", &pid])),
            &format!("pid {pid}: no such process"),
        );
    }
    // A whole-system scan while processes come and go never fails.
    let mut churn = Reaped::spawn(Command::new("sh").args([
        "-c",
        "i=0; while [ $i -lt 200 ]; do sleep 0.001 & i=$((i+1)); done; wait",
    ]));
    for _ in 0..5 {
        ok(&run(ksec(&["ps", "--all", "--json"])));
    }
    churn.wait_timeout(TIMEOUT);
}

// ---------------------------------------------------------------------------------------------
// bounded memory: a process with a 64 MiB cmdline and environment (issue 7)

/// The address-space limit every ksec run below gets (`prlimit --as`): a quarter of what one
/// copy of the 64 MiB cmdline plus one of the environment take, so reading either whole fails.
const AS_LIMIT: u64 = 100_000_000;

/// ksec `args` under `prlimit --as` and a timeout.
fn bounded(args: &[&str]) -> Output {
    util::run_timeout(util::limited(AS_LIMIT, util::ksec_bin()).args(args), 60)
}

#[test]
fn a_64_mib_cmdline_and_environ_are_cut_with_bounded_memory() {
    require!(
        util::is_root(),
        "PR_SET_MM_MAP needs CAP_SYS_RESOURCE (run as root)"
    );
    require!(
        which_all(&["gcc", "prlimit"]),
        "gcc or prlimit is not installed"
    );
    let mut p = spawn(Command::new(util::tracee("bigargs")).arg("64"));
    assert_eq!(
        p.read_line(),
        "ready\n",
        "bigargs could not set its arg area"
    );
    let pid = p.pid_s();
    let mib = 1usize << 20;

    // ps: the table cell is cut at 16 KiB of the 1 MiB read, and says so.
    let out = bounded(&["ps", "bigargs"]);
    let (o, _) = text(ok(&out));
    let row = o.lines().find(|l| l.contains(&pid)).expect("ps row");
    assert!(
        row.ends_with(
            " ... (cut: 16384 of 1048576 bytes shown; --json shows all) ... (cmdline longer than 1 MiB, not read further)"
        ),
        "{}",
        &row[row.len().saturating_sub(300)..]
    );
    // JSON keeps the first MiB whole: "bigargs", then 'A's with a NUL every 64 KiB.
    let v = json_out(ok(&bounded(&["ps", "bigargs", "--json"])));
    let me = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["pid"] == p.pid())
        .expect("json row");
    assert_eq!(me["cmdline_truncated"], true);
    let argv: Vec<&str> = me["cmdline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(argv.len(), 17);
    assert_eq!(argv[0], "bigargs");
    assert_eq!(argv[1].len(), 65536 - 8);
    assert!(argv[2..].iter().all(|a| a.len() == 65535));
    assert!(argv[1..].iter().all(|a| a.bytes().all(|b| b == b'A')));

    // environ: one cell cut, and a closing line that the environment was cut at 1 MiB.
    let out = bounded(&["environ", "--table", &pid]);
    let (o, _) = text(ok(&out));
    let lines: Vec<&str> = o.lines().collect();
    assert_eq!(lines.len(), 3, "header, BIG, note");
    assert!(lines[1].starts_with("BIG "));
    assert!(lines[1].ends_with(&format!(
        " ... (cut: 16384 of {} bytes shown; --json shows all)",
        mib - 4
    )));
    assert_eq!(
        lines[2],
        "... environment longer than 1048576 bytes: cut there, the rest not read"
    );
    // In lines: the variable whole (as far as read), the note on stderr.
    let out = bounded(&["environ", &pid]);
    let (_, e) = text(ok(&out));
    assert!(out.stdout.starts_with(b"BIG="));
    assert_eq!(out.stdout.len(), 4 + (mib - 4) + 1);
    assert_eq!(
        e,
        "ksec: pid {pid} (bigargs): environment longer than 1048576 bytes: cut there, the rest not read\n"
            .replace("{pid}", &pid)
    );
    let v = json_out(ok(&bounded(&["environ", &pid, "--json"])));
    assert_eq!(v["truncated"], true);
    assert_eq!(v["vars"].as_array().unwrap().len(), 1);
    assert_eq!(v["vars"][0]["name"], "BIG");
    assert_eq!(v["vars"][0]["value"].as_str().unwrap().len(), mib - 4);

    // grep-secret streams both whole (128 MiB) and finds the secret in the environment's last
    // bytes, at its exact offset.
    let secret_at = (64u64 << 20) - 13;
    let out = bounded(&["grep-secret", "zq8Wm3Kp0Lr7", "-p", &pid, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let found: Vec<Value> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .filter(|v: &Value| v["type"] == "finding")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["source"], "environ");
    assert_eq!(found[0]["offset"], secret_at);
    // With --max-filesize 1M both are cut there, said so, and the secret is not reached.
    let out = bounded(&[
        "grep-secret",
        "zq8Wm3Kp0Lr7",
        "-v",
        "-p",
        &pid,
        "--max-filesize",
        "1M",
    ]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let (_, e) = text(&out);
    for source in ["cmdline", "environ"] {
        let want = format!(
            "ksec: pid {pid} (bigargs) {source}: skipped: longer than --max-filesize 1048576: cut there, the rest not searched"
        );
        assert!(e.lines().any(|l| l == want), "{want}\n{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// root: never read what is not a regular file, never hang, bounded memory

/// `ksec root --proc-root PROC 4242 ARGS` under a 256 MiB address-space and 256-fd limit
/// (prlimit), with a timeout.
fn bounded_root(proc_root: &str, args: &[&str], secs: u64) -> Output {
    let mut cmd = Command::new("prlimit");
    cmd.args(["--as=268435456", "--nofile=256", "--"])
        .arg(util::ksec_bin())
        .args(["root", "--proc-root", proc_root, "4242"])
        .args(args);
    util::run_timeout(&mut cmd, secs)
}

#[test]
fn root_cat_refuses_fifos_and_device_nodes_and_streams_big_files() {
    require!(
        which_all(&["prlimit", "mkfifo"]),
        "prlimit/mkfifo not installed"
    );
    let (dir, proc_root) = fake_proc_with_escaping_root();
    let r = dir.path().join("proc/4242/root");
    assert!(run(Command::new("mkfifo").arg(r.join("fifo")))
        .status
        .success());
    std::os::unix::fs::symlink("/fifo", r.join("etc/os-release")).unwrap();
    let out = bounded_root(&proc_root, &["cat", "/etc/os-release"], 20);
    fails_with(
        &out,
        "pid 4242: /etc/os-release (inside its root): is a fifo",
    );
    assert!(out.stdout.is_empty());
    // A 2 GiB sparse file streams through with a 256 MiB address space.
    let f = std::fs::File::create(r.join("sparse")).unwrap();
    f.set_len(2 << 30).unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "prlimit --as=268435456 -- {} root --proc-root {proc_root} 4242 cat /sparse | wc -c",
        util::ksec_bin().display()
    ));
    let out = util::run_timeout(&mut cmd, 300);
    assert_eq!(
        text(&out).0.trim(),
        (2u64 << 30).to_string(),
        "{}",
        text(&out).1
    );
    // JSON holds one value: the first 4 MiB, marked truncated, a note, exit 1.
    let out = bounded_root(&proc_root, &["cat", "--json", "/sparse"], 60);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).1);
    assert!(text(&out)
        .1
        .contains("/sparse (inside its root): longer than 4194304 bytes"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["truncated"], json!(true));
    assert_eq!(v["content"].as_str().map(str::len), Some(4 << 20));
    require!(util::is_root(), "needs root for mknod");
    let dev = |name: &str, kind: &str, maj: &str, min: &str| {
        assert!(run(Command::new("mknod")
            .arg(r.join(name))
            .args([kind, maj, min]))
        .status
        .success());
    };
    dev("sneaky", "b", "7", "0");
    dev("zero", "c", "1", "5");
    std::fs::remove_file(r.join("etc/os-release")).unwrap();
    std::os::unix::fs::symlink("/sneaky", r.join("etc/os-release")).unwrap();
    let out = bounded_root(&proc_root, &["cat", "/etc/os-release"], 20);
    fails_with(&out, "/etc/os-release (inside its root): is a block device");
    assert!(out.stdout.is_empty());
    let out = bounded_root(&proc_root, &["cat", "/zero"], 20);
    fails_with(&out, "/zero (inside its root): is a character device");
    assert!(out.stdout.is_empty());
    // stat, ls and find look at them without opening them.
    ok(&bounded_root(&proc_root, &["stat", "/sneaky"], 20));
    ok(&bounded_root(&proc_root, &["ls", "/"], 20));
    ok(&bounded_root(&proc_root, &["find", "/"], 20));
}

#[test]
fn root_find_walks_a_20000_deep_tree() {
    require!(
        which_all(&["prlimit", "python3"]),
        "prlimit/python3 not installed"
    );
    let (dir, proc_root) = fake_proc_with_escaping_root();
    let r = dir.path().join("proc/4242/root/deep");
    std::fs::create_dir(&r).unwrap();
    let made = util::run_timeout(
        Command::new("python3")
            .args([
                "-c",
                "import os,sys\nos.chdir(sys.argv[1])\nfor _ in range(20000):\n os.mkdir('d'); os.chdir('d')",
            ])
            .arg(&r),
        300,
    );
    assert!(made.status.success());
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "prlimit --as=268435456 --nofile=256 -- {} root --proc-root {proc_root} 4242 find /deep | wc -l",
        util::ksec_bin().display()
    ));
    let out = util::run_timeout(&mut cmd, 600);
    // rm (fts) before any assertion: dropping the TempDir of a 20,000-deep tree recurses.
    let _ = util::run_timeout(Command::new("rm").arg("-rf").arg(&r), 300);
    let (o, e) = text(&out);
    // Header, /deep, and 20,000 directories.
    assert_eq!(o.trim(), "20002", "{e}");
    assert!(e.is_empty(), "{e}");
}

#[test]
fn root_ls_skips_entries_vanishing_mid_listing() {
    require!(which_all(&["python3"]), "python3 is not installed");
    let (dir, proc_root) = fake_proc_with_escaping_root();
    let r = dir.path().join("proc/4242/root/churn");
    std::fs::create_dir(&r).unwrap();
    let churn = Reaped::spawn(
        Command::new("python3")
            .args([
                "-c",
                "import os,sys\nos.chdir(sys.argv[1])\nwhile True:\n for i in range(50):\n  open('\\x1b]0;pwned\\x07%d' % i, 'w').close()\n for i in range(50):\n  os.unlink('\\x1b]0;pwned\\x07%d' % i)",
            ])
            .arg(&r),
    );
    let mut vanished = 0;
    for _ in 0..100 {
        let out = util::run_timeout(
            &mut ksec(&["root", "--proc-root", &proc_root, "4242", "ls", "/churn"]),
            20,
        );
        let (o, e) = text(&out);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{e}");
        assert!(o.starts_with("MODE"), "{o}\n{e}");
        assert!(
            !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
            "{e}"
        );
        assert!(
            !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
            "{o}"
        );
        for line in e.lines() {
            assert!(
                line.contains("\\x1b]0;pwned\\x07")
                    && line.ends_with("vanished while being listed; skipped"),
                "{line}"
            );
            vanished += 1;
        }
        assert_eq!(out.status.code() == Some(1), !e.is_empty());
    }
    drop(churn);
    eprintln!("{vanished} vanished entries skipped in 100 runs");
}

// ---------------------------------------------------------------------------------------------
// a --proc-root / $HOST_PROC that is no /proc

/// A directory that is neither a procfs nor a tree with pid directories, a missing one and a
/// plain file are refused by every /proc subcommand (exit 2, the directory and where it came
/// from named), instead of an empty table and exit 0; /proc itself and the fixture tree are
/// taken.
#[test]
fn a_proc_root_that_is_no_proc_fails() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("emptydir");
    std::fs::create_dir(&empty).unwrap();
    std::fs::create_dir(empty.join("not-a-pid")).unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let (empty, file) = (empty.to_str().unwrap(), file.to_str().unwrap());
    let refused = |mut cmd: Command, want: &str| {
        let out = run(cmd.env_remove("HOST_PROC"));
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {o}{e}");
        assert!(o.is_empty(), "{cmd:?}: {o}");
        assert_eq!(e.trim_end(), format!("ksec: {want}"), "{cmd:?}");
    };
    let not_proc = |from: &str| {
        format!(
            "{from}: {empty}: not a procfs, and no pid directory in it (is the host's /proc \
             mounted there?)"
        )
    };
    for args in [
        &["ps"][..],
        &["ps", "--json"],
        &["fds", "1"],
        &["environ", "1"],
        &["root", "1", "ls"],
        &["grep-secret", "x", "--all"],
    ] {
        let mut cmd = ksec(args);
        cmd.args(["--proc-root", empty]);
        refused(cmd, &not_proc("--proc-root"));
    }
    let mut cmd = ksec(&["ps", "--proc-root", "/nonexistent"]);
    cmd.env("HOST_PROC", tree());
    refused(
        cmd,
        "--proc-root: /nonexistent: No such file or directory (os error 2)",
    );
    refused(
        ksec(&["ps", "--proc-root", file]),
        &format!("--proc-root: {file}: not a directory"),
    );
    let mut cmd = ksec(&["ps"]);
    cmd.env("HOST_PROC", empty);
    let out = run(&mut cmd);
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{o}{e}");
    assert_eq!(e.trim_end(), format!("ksec: {}", not_proc("$HOST_PROC")));
    // A real procfs, and the fixture tree (plain directories), are taken.
    for root in ["/proc".to_string(), tree()] {
        let out = run(ksec(&["ps", "--json", "--proc-root", &root]));
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{root}: {e}");
        let v: Value = serde_json::from_str(&o).unwrap();
        assert!(!v.as_array().unwrap().is_empty(), "{root}: {o}");
    }
}

// ---------------------------------------------------------------------------------------------
// root: dates

#[test]
fn root_ls_and_stat_print_utc_dates() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    let year = String::from_utf8(run(Command::new("date").args(["-u", "+%Y"])).stdout).unwrap();
    let this_year = format!("{}-01-02 03:04:05 UTC", year.trim());
    for (path, when) in [
        (&old, "2001-02-03 04:05:06 UTC"),
        (&new, this_year.as_str()),
    ] {
        let out = run(Command::new("touch").arg("-d").arg(when).arg(path));
        assert!(out.status.success(), "touch -d {when}: {:?}", text(&out));
    }
    let mut p = Reaped::spawn(Command::new("sleep").arg("60"));
    let d = dir.path().to_str().unwrap();
    let out = run(ksec(&["root", &p.pid_s(), "ls", d]));
    let (o, _) = text(ok(&out));
    let lines: Vec<&str> = o.lines().collect();
    assert!(lines[0].contains("  MTIME (UTC)   PATH"), "{o}");
    let row = |name: &str| {
        let suffix = format!("{d}/{name}");
        *lines
            .iter()
            .find(|l| l.ends_with(&suffix))
            .unwrap_or_else(|| panic!("no row for {name}:\n{o}"))
    };
    // Another year: the year; this year: the time of day (ls -l's short form, UTC).
    assert!(
        row("old").ends_with(&format!("  Feb  3  2001  {d}/old")),
        "{o}"
    );
    assert!(
        row("new").ends_with(&format!("  Jan  2 03:04  {d}/new")),
        "{o}"
    );
    // The MTIME column starts at the same place in the header and the rows.
    let col = lines[0].find("MTIME").unwrap();
    assert_eq!(&row("old")[col..col + 12], "Feb  3  2001", "{o}");

    let old_s = old.to_str().unwrap();
    let out = run(ksec(&["root", &p.pid_s(), "stat", old_s]));
    let (o, _) = text(ok(&out));
    assert!(
        o.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["mtime", "2001-02-03T04:05:06Z", "(981173106)"]),
        "{o}"
    );
    let v = json_out(&run(ksec(&["root", "--json", &p.pid_s(), "stat", old_s])));
    assert_eq!(v["mtime"], json!(981_173_106));
    assert_eq!(v["mtime_utc"], json!("2001-02-03T04:05:06Z"));
    p.kill();
}
