//! `ksec grep-secret` against a real etcd, a process the test starts (environ, a deleted file,
//! memory, a FIFO and /dev/zero), and files: exit codes, JSON, redaction, chunk borders.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::require;
use crate::util::{is_root, ksec, run_timeout, text, which, Reaped, TIMEOUT};

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    out.stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l)
                .unwrap_or_else(|e| panic!("bad JSON line {:?}: {e}", String::from_utf8_lossy(l)))
        })
        .collect()
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    json_lines(out)
        .into_iter()
        .filter(|v| v["type"] == "finding")
        .collect()
}

fn strs(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------------------------
// Real etcd

#[test]
fn etcd_credit_card_secret_is_found_in_the_database_file() {
    require!(
        which("etcd").is_some(),
        "etcd is not installed (apt-get install etcd-server)"
    );
    require!(
        which("etcdctl").is_some(),
        "etcdctl is not installed (apt-get install etcd-client)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (client, peer) = (free_port(), free_port());
    let curl = format!("http://127.0.0.1:{client}");
    let purl = format!("http://127.0.0.1:{peer}");
    let log = std::fs::File::create(dir.path().join("etcd.log")).unwrap();
    let mut etcd_cmd = Command::new("etcd");
    if std::env::consts::ARCH == "aarch64" {
        // etcd 3.4 refuses to start on arm64 unless told this.
        etcd_cmd.env("ETCD_UNSUPPORTED_ARCH", "arm64");
    }
    let etcd = Reaped::spawn(
        etcd_cmd
            .args(["--name", "ksec-test", "--data-dir"])
            .arg(dir.path().join("data"))
            .args([
                "--listen-client-urls",
                &curl,
                "--advertise-client-urls",
                &curl,
            ])
            .args([
                "--listen-peer-urls",
                &purl,
                "--initial-advertise-peer-urls",
                &purl,
            ])
            .args(["--initial-cluster", &format!("ksec-test={purl}")])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    );
    let pid = etcd.pid_s();

    // Put the Secret, retrying while etcd starts.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = run_timeout(
            Command::new("etcdctl")
                .env("ETCDCTL_API", "3")
                .args(["--endpoints", &curl, "--dial-timeout", "2s"])
                .args([
                    "put",
                    "/registry/secrets/default/credit-card",
                    "cc=1111222233334444",
                ]),
            30,
        );
        if out.status.success() {
            break;
        }
        let log = std::fs::read_to_string(dir.path().join("etcd.log")).unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "etcdctl put failed: {:?}\netcd log:\n{log}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // bbolt commits every 100 ms; wait for the value to reach member/snap/db.
    let deadline = Instant::now() + Duration::from_secs(20);
    let out = loop {
        let out = run_timeout(
            &mut ksec(&["grep-secret", "111122", "-v", "-p", &pid]),
            TIMEOUT,
        );
        if String::from_utf8_lossy(&out.stdout).contains("member/snap/db")
            || Instant::now() > deadline
        {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    // The block for the database file: header, context lines with the key, the matching line.
    let block = stdout
        .split("\n--\n")
        .find(|b| {
            b.lines()
                .next()
                .is_some_and(|h| h.contains(" fd ") && h.contains("member/snap/db"))
        })
        .unwrap_or_else(|| panic!("no finding in member/snap/db:\n{stdout}\n{stderr}"));
    let header = block.lines().next().unwrap();
    assert!(
        header.starts_with(&format!("pid {pid} (etcd) fd ")),
        "{header}"
    );
    assert!(
        header.contains(" offset ") && header.ends_with("[pattern]"),
        "{header}"
    );
    let matching: Vec<&str> = block.lines().filter(|l| l.starts_with("> ")).collect();
    assert_eq!(matching.len(), 1, "{block}");
    assert!(matching[0].contains("cc=1111222233334444"), "{block}");
    assert!(
        block
            .lines()
            .any(|l| l.starts_with("  ") && l.contains("/registry/secrets/default/credit-card")),
        "key name not in the context lines:\n{block}"
    );
    // Sockets and pipes etcd holds are listed as skipped, not read.
    assert!(stderr.contains(": skipped: socket, not read"), "{stderr}");

    // Without a pattern, the card detector finds the number in the database file too.
    let out = run_timeout(&mut ksec(&["grep-secret", "--json", "-p", &pid]), TIMEOUT);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let cards: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| strs(&f["kinds"]).contains(&"credit-card".to_string()))
        .collect();
    let in_db = cards
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("member/snap/db"))
        })
        .unwrap_or_else(|| panic!("no credit-card finding in member/snap/db: {cards:#?}"));
    assert_eq!(in_db["source"], "fd");
    assert_eq!(in_db["pid"].as_i64(), Some(pid.parse().unwrap()));
    let line = in_db["line"].as_str().unwrap();
    let m = &in_db["matches"][0];
    let (s, e) = (
        m["start"].as_u64().unwrap() as usize,
        m["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&line[s..e], "1111222233334444", "{in_db:#}");
    assert!(
        strs(&in_db["before"])
            .iter()
            .any(|l| l.contains("/registry/secrets/default/credit-card")),
        "{in_db:#}"
    );

    // --redact: the number is nowhere in the output.
    let out = run_timeout(
        &mut ksec(&["grep-secret", "111122", "--redact", "-p", &pid]),
        TIMEOUT,
    );
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("cc=****************") && !stdout.contains("1111222233334444"),
        "{stdout}"
    );
    drop(etcd);
}

// ---------------------------------------------------------------------------------------------
// A process the test starts

/// A python3 process holding: a deleted file with a secret (its offset moved to 3), a FIFO,
/// /dev/zero; an environment secret; a secret built at run time that exists only in memory.
const HOLDER: &str = r#"
import os, sys, time
d = sys.argv[1]
p = os.path.join(d, "held.txt")
f = open(p, "w+b")
f.write(b"\x00\x01header line\x00DELETED_FILE_SECRET=" + b"q7Rk2Vx9Lm4Tz8Wp" + b"\x00trailer line\x00")
f.flush()
f.seek(3)
os.unlink(p)
fifo = os.path.join(d, "fifo")
os.mkfifo(fifo)
ff = os.open(fifo, os.O_RDWR)
z = open("/dev/zero", "rb")
# Shifted by one at run time: the secret is in no file, argument or variable of the environment.
mem = "".join(chr(ord(c) + 1) for c in "LDLNQXNMKXrdbqds3131")
keep = [mem.encode() * 3, mem]
print(f.fileno(), ff, z.fileno(), flush=True)
time.sleep(600)
"#;

struct Holder {
    child: Reaped,
    dir: tempfile::TempDir,
    pid: String,
    file_fd: i32,
    fifo_fd: i32,
    zero_fd: i32,
}

fn start_holder() -> Option<Holder> {
    which("python3")?;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Reaped::spawn(
        Command::new("python3")
            .args(["-c", HOLDER])
            .arg(dir.path())
            .env("APP_API_TOKEN", "zR8vK2mQ9xL4pW7nB3")
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped()),
    );
    let line = child.read_line();
    let fds: Vec<i32> = line
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    let pid = child.pid_s();
    Some(Holder {
        child,
        dir,
        pid,
        file_fd: fds[0],
        fifo_fd: fds[1],
        zero_fd: fds[2],
    })
}

fn fd_pos(pid: &str, fd: i32) -> String {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).unwrap();
    info.lines()
        .find(|l| l.starts_with("pos:"))
        .unwrap()
        .to_string()
}

#[test]
fn secret_in_an_environment_variable() {
    let Some(h) = start_holder() else {
        require!(false, "python3 is not installed");
        return;
    };
    let out = run_timeout(
        &mut ksec(&["grep-secret", "zR8vK2mQ9xL4pW7nB3", "-p", &h.pid]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!("pid {} (python3) environ offset ", h.pid)),
        "{stdout}"
    );
    assert!(
        stdout.contains("> APP_API_TOKEN=zR8vK2mQ9xL4pW7nB3\n"),
        "{stdout}"
    );

    // The detectors name what they find there, without a pattern.
    let out = run_timeout(&mut ksec(&["grep-secret", "--json", "-p", &h.pid]), TIMEOUT);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let env: Vec<_> = findings(&out)
        .into_iter()
        .filter(|f| f["source"] == "environ")
        .collect();
    let kinds: Vec<String> = env.iter().flat_map(|f| strs(&f["kinds"])).collect();
    assert!(kinds.contains(&"aws-access-key".to_string()), "{env:#?}");
    assert!(kinds.contains(&"keyword-secret".to_string()), "{env:#?}");
    drop(h.child);
}

#[test]
fn secret_in_a_deleted_file_held_open_offset_untouched() {
    let Some(h) = start_holder() else {
        require!(false, "python3 is not installed");
        return;
    };
    let before = fd_pos(&h.pid, h.file_fd);
    let out = run_timeout(
        &mut ksec(&["grep-secret", "DELETED_FILE_SECRET", "-p", &h.pid]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let held = h.dir.path().join("held.txt");
    let expected = format!(
        "pid {} (python3) fd {} {} (deleted) offset 14 [pattern]\n  header line\n> DELETED_FILE_SECRET=q7Rk2Vx9Lm4Tz8Wp\n  trailer line\n--\n",
        h.pid,
        h.file_fd,
        held.display()
    );
    assert!(
        stdout.contains(&expected),
        "expected:\n{expected}\ngot:\n{stdout}"
    );
    // The target's file offset is where it left it.
    assert_eq!(fd_pos(&h.pid, h.file_fd), before);
    assert_eq!(before, "pos:\t3");
    drop(h.child);
}

#[test]
fn fifo_and_dev_zero_are_skipped_without_a_hang() {
    let Some(h) = start_holder() else {
        require!(false, "python3 is not installed");
        return;
    };
    let out = run_timeout(
        &mut ksec(&["grep-secret", "no-such-secret-anywhere", "-v", "-p", &h.pid]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let fifo = h.dir.path().join("fifo");
    assert!(
        stderr.contains(&format!(
            "fd {} {}: skipped: fifo, not read",
            h.fifo_fd,
            fifo.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "fd {} /dev/zero: skipped: character device, not read",
            h.zero_fd
        )),
        "{stderr}"
    );
    // In JSON the skips are objects too.
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "no-such-secret-anywhere",
            "--json",
            "-p",
            &h.pid,
        ]),
        TIMEOUT,
    );
    let skipped: Vec<_> = json_lines(&out)
        .into_iter()
        .filter(|v| v["type"] == "skipped")
        .collect();
    assert!(
        skipped.iter().any(|s| s["fd"] == h.zero_fd
            && s["path"] == "/dev/zero"
            && s["code"] == "not-regular"
            && s["reason"] == "character device, not read"
            && s["error"] == false),
        "{skipped:#?}"
    );
    // Without -v: no line per item, one closing line that counts them by reason.
    let out = run_timeout(
        &mut ksec(&["grep-secret", "no-such-secret-anywhere", "-p", &h.pid]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(stdout, "");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let not_regular = skipped
        .iter()
        .filter(|s| s["code"] == "not-regular")
        .count();
    assert!(not_regular >= 2, "{skipped:#?}");
    assert!(
        lines[0].contains(&format!("; skipped {}", skipped.len()))
            && lines[0].contains(&format!("{not_regular} not regular files"))
            && lines[0].ends_with(" (-v lists them)"),
        "{stderr}"
    );
    drop(h.child);
}

#[test]
fn secret_only_in_memory_needs_memory() {
    // ksec is the holder's sibling, not its parent: Yama's ptrace_scope >= 1 lets only root read
    // its memory.
    let yama: u32 = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    require!(
        is_root() || yama == 0,
        "reading another process's memory needs root or kernel.yama.ptrace_scope=0"
    );
    let Some(h) = start_holder() else {
        require!(false, "python3 is not installed");
        return;
    };
    let out = run_timeout(
        &mut ksec(&["grep-secret", "MEMORYONLYsecret4242", "-p", &h.pid]),
        TIMEOUT,
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "MEMORYONLYsecret4242",
            "--memory",
            "--json",
            "-p",
            &h.pid,
        ]),
        TIMEOUT,
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let found = findings(&out);
    assert!(!found.is_empty());
    for f in &found {
        assert_eq!(f["source"], "memory", "{f:#}");
        let (lo, hi) = (
            f["region"][0].as_u64().unwrap(),
            f["region"][1].as_u64().unwrap(),
        );
        let at = f["offset"].as_u64().unwrap();
        assert!(lo <= at && at < hi, "{f:#}");
    }
    drop(h.child);
}

// ---------------------------------------------------------------------------------------------
// Files

fn write(path: &Path, data: &[u8]) {
    std::fs::File::create(path)
        .unwrap()
        .write_all(data)
        .unwrap();
}

#[test]
fn exit_codes_and_fail_on_find() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.bin");
    write(&f, b"\x00\x01token=zR8vK2mQ9xL4pW7nB3\x00");
    let f = f.to_str().unwrap();
    let code = |args: &[&str]| run_timeout(&mut ksec(args), TIMEOUT).status.code();
    assert_eq!(code(&["grep-secret", "zR8vK2", "--file", f]), Some(0));
    assert_eq!(code(&["grep-secret", "absent", "--file", f]), Some(1));
    assert_eq!(code(&["grep-secret", "--file", f]), Some(0));
    assert_eq!(
        code(&["grep-secret", "zR8vK2", "--fail-on-find", "--file", f]),
        Some(1)
    );
    assert_eq!(
        code(&["grep-secret", "absent", "--fail-on-find", "--file", f]),
        Some(0)
    );
    assert_eq!(
        code(&["grep-secret", "absent", "--file", "/nonexistent/ksec-test"]),
        Some(2)
    );
    assert_eq!(
        code(&[
            "grep-secret",
            "absent",
            "--fail-on-find",
            "--file",
            "/nonexistent/x"
        ]),
        Some(2)
    );
    assert_eq!(code(&["grep-secret", "x"]), Some(2)); // nothing to scan
    assert_eq!(code(&["grep-secret", "-E", "(", "--file", f]), Some(2));
    // -i and -E.
    assert_eq!(
        code(&["grep-secret", "-i", "TOKEN=ZR8V", "--file", f]),
        Some(0)
    );
    assert_eq!(
        code(&["grep-secret", "-E", "token=[a-zA-Z0-9]{18}", "--file", f]),
        Some(0)
    );
    assert_eq!(
        code(&["grep-secret", "-E", "token=[0-9]{18}", "--file", f]),
        Some(1)
    );
}

#[test]
fn fifo_file_is_skipped_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let f = fifo.to_str().unwrap();
    let out = run_timeout(&mut ksec(&["grep-secret", "x", "-v", "--file", f]), 30);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let summary = "ksec: 0 finding(s); 0 process(es), 0 source(s), 0 bytes searched; \
                   skipped 1: 1 not regular files";
    assert_eq!(
        stderr,
        format!("ksec: file {f}: skipped: fifo, not read\n{summary}\n")
    );
    let out = run_timeout(&mut ksec(&["grep-secret", "x", "--file", f]), 30);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out).1, format!("{summary} (-v lists them)\n"));
    // -q: nothing at all, the status alone.
    let out = run_timeout(&mut ksec(&["grep-secret", "x", "-q", "--file", f]), 30);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!((out.stdout.len(), out.stderr.len()), (0, 0));
}

#[test]
fn context_min_len_and_max_filesize() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.bin");
    write(
        &f,
        b"one1\x00ab\x00two22\x00three\x00MATCH\x00four\x00x\x00fivee\x00sixes\x00",
    );
    let f = f.to_str().unwrap();
    let out = run_timeout(
        &mut ksec(&["grep-secret", "MATCH", "-B", "1", "-A", "2", "--file", f]),
        TIMEOUT,
    );
    assert_eq!(
        text(&out).0,
        format!("file {f} offset 20 [pattern]\n  three\n> MATCH\n  four\n  fivee\n--\n")
    );
    let out = run_timeout(
        &mut ksec(&["grep-secret", "MATCH", "-C", "1", "-n", "2", "--file", f]),
        TIMEOUT,
    );
    assert_eq!(
        text(&out).0,
        format!("file {f} offset 20 [pattern]\n  three\n> MATCH\n  four\n--\n")
    );
    let out = run_timeout(
        &mut ksec(&["grep-secret", "MATCH", "-C", "0", "-n", "1", "--file", f]),
        TIMEOUT,
    );
    assert_eq!(
        text(&out).0,
        format!("file {f} offset 20 [pattern]\n> MATCH\n--\n")
    );
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "MATCH",
            "-v",
            "--max-filesize",
            "10",
            "--file",
            f,
        ]),
        TIMEOUT,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).1.contains("over --max-filesize 10"),
        "{:?}",
        text(&out)
    );
}

#[test]
fn json_and_redact() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.bin");
    write(
        &f,
        b"\x00DB_PASSWORD=s3cr3tP@ssw0rd!\x00-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n-----END RSA PRIVATE KEY-----\n\x00card 4111 1111 1111 1111\x00",
    );
    let f = f.to_str().unwrap();
    let out = run_timeout(&mut ksec(&["grep-secret", "--json", "--file", f]), TIMEOUT);
    let kinds: Vec<String> = findings(&out)
        .iter()
        .flat_map(|v| strs(&v["kinds"]))
        .collect();
    assert_eq!(kinds, ["keyword-secret", "private-key", "credit-card"]);
    for args in [vec!["--json"], vec![]] {
        let mut a = vec!["grep-secret", "--redact", "--file", f];
        a.extend(args);
        let out = run_timeout(&mut ksec(&a), TIMEOUT);
        let (stdout, _) = text(&out);
        assert_eq!(out.status.code(), Some(0));
        for secret in [
            "s3cr3tP@ssw0rd!",
            "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi",
            "4111 1111 1111 1111",
        ] {
            assert!(!stdout.contains(secret), "{secret} in {stdout}");
        }
        assert!(stdout.contains("DB_PASSWORD=***************"), "{stdout}");
    }
}

#[test]
fn matches_across_chunk_borders_in_a_large_file() {
    // The scanner reads 64 KiB chunks and keeps 16 KiB (WIN) on each side of the limit up to
    // which it reports; limits fall at 80 KiB + k * 64 KiB. Put a secret with context on, just
    // before and just after every limit and buffer edge of the first rounds, for several shifts.
    const CHUNK: usize = 64 << 10;
    const WIN: usize = 16 << 10;
    let secret = b"ctx-before\x00BORDER-SECRET-0123456789\x00ctx-after";
    let lead = b"ctx-before\x00".len();
    let dir = tempfile::tempdir().unwrap();
    for delta in [-40i64, -24, -13, -12, -11, -5, -1, 0, 1, 5, 13, 24, 40] {
        let mut at = Vec::new();
        for k in 0..6 {
            let limit = CHUNK + WIN + k * CHUNK;
            for edge in [limit - WIN, limit, limit + WIN] {
                at.push((edge as i64 + delta) as usize);
            }
        }
        let mut data = vec![0u8; 1 << 20];
        for &p in &at {
            data[p - lead..p - lead + secret.len()].copy_from_slice(secret);
        }
        let f = dir.path().join("big.bin");
        write(&f, &data);
        let out = run_timeout(
            &mut ksec(&[
                "grep-secret",
                "BORDER-SECRET",
                "--json",
                "--file",
                f.to_str().unwrap(),
            ]),
            TIMEOUT,
        );
        let found = findings(&out);
        let offsets: Vec<usize> = found
            .iter()
            .map(|v| v["offset"].as_u64().unwrap() as usize)
            .collect();
        assert_eq!(offsets, at, "shift {delta}");
        for v in &found {
            assert_eq!(v["line"], "BORDER-SECRET-0123456789", "shift {delta}");
            assert_eq!(strs(&v["before"]), ["ctx-before"], "shift {delta}");
            assert_eq!(strs(&v["after"]), ["ctx-after"], "shift {delta}");
        }
    }
}

#[test]
fn file_being_written_and_huge_sparse_file_do_not_hang() {
    require!(which("python3").is_some(), "python3 is not installed");
    let dir = tempfile::tempdir().unwrap();
    // An 8 GiB sparse file: over the default --max-filesize (4G), skipped without a read.
    let sparse = dir.path().join("sparse.img");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(8 << 30)
        .unwrap();
    // A process that keeps appending to a file it holds open, and holds the sparse file too.
    let growing = dir.path().join("growing.log");
    let mut writer = Reaped::spawn(
        Command::new("python3")
            .args([
                "-c",
                "import sys, time\nf = open(sys.argv[1], 'ab')\ns = open(sys.argv[2], 'rb')\nprint('ready', flush=True)\nwhile True:\n    f.write(b'GROWING-LINE ' * 4096 + b'\\x00')\n    f.flush()\n    time.sleep(0.001)\n",
            ])
            .arg(&growing)
            .arg(&sparse)
            .stdin(Stdio::null())
            .stdout(Stdio::piped()),
    );
    writer.read_line();
    std::thread::sleep(Duration::from_millis(300));
    let pid = writer.pid_s();
    let out = run_timeout(
        &mut ksec(&["grep-secret", "never-there-XYZ", "-v", "-p", &pid]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: skipped: 8589934592 bytes, over --max-filesize",
            sparse.display()
        )),
        "{stderr}"
    );
    // The growing file was searched (up to its size when opened) and the scan ended.
    assert!(!stderr.contains("growing.log: skipped"), "{stderr}");
    drop(writer);
}

#[test]
fn searching_leaves_access_time_alone() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("data.bin");
    write(&f, b"\x00token=zR8vK2mQ9xL4pW7nB3\x00");
    // An access time older than the modification time: a plain read would update it (relatime).
    let old = nix::sys::time::TimeSpec::new(946_684_800, 0);
    nix::sys::stat::utimensat(
        None,
        &f,
        &old,
        &nix::sys::time::TimeSpec::UTIME_OMIT,
        nix::sys::stat::UtimensatFlags::FollowSymlink,
    )
    .unwrap();
    let out = run_timeout(
        &mut ksec(&["grep-secret", "zR8vK2", "--file", f.to_str().unwrap()]),
        TIMEOUT,
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(std::fs::metadata(&f).unwrap().atime(), 946_684_800);
}

// ---------------------------------------------------------------------------------------------
// issue 7: leases, an fd flipping to a device, the total --memory bound

/// ksec `args` under `prlimit --as=` (256 MB) and the timeout.
fn bounded(args: &[&str]) -> Output {
    run_timeout(
        crate::util::limited(256_000_000, crate::util::ksec_bin()).args(args),
        TIMEOUT,
    )
}

/// A helper child that prints one line when ready, then answers each line on stdin with one.
struct Asked {
    child: Reaped,
}

impl Asked {
    fn start(cmd: &mut Command) -> (Self, String) {
        let mut child = Reaped::spawn(cmd.stdin(Stdio::piped()).stdout(Stdio::piped()));
        let line = child.read_line();
        (Self { child }, line.trim().to_string())
    }

    fn ask(&mut self) -> String {
        let stdin = self.child.stdin();
        stdin.write_all(b"?\n").unwrap();
        stdin.flush().unwrap();
        self.child.read_line().trim().to_string()
    }
}

/// Holds a write lease (F_SETLEASE F_WRLCK, lease-break signal SIGUSR1 by F_SETSIG) on a file
/// with a secret (LEASESECRET=mm4Tq8Xw2); prints the fd, then answers how many lease-break signals it got.
const LEASE_HOLDER: &str = r#"
import fcntl, os, signal, sys
F_SETSIG, F_SETLEASE = 10, 1024
path = os.path.join(sys.argv[1], "leased.txt")
with open(path, "w") as f:
    # Shifted by one at run time: the secret is not in the command line.
    f.write("token " + "".join(chr(ord(c) + 1) for c in "KD@RDRDBQDS<ll3Sp7Wv1") + "\n")
fd = os.open(path, os.O_RDONLY)
got = [0]
signal.signal(signal.SIGUSR1, lambda s, f: got.__setitem__(0, got[0] + 1))
fcntl.fcntl(fd, F_SETSIG, signal.SIGUSR1)
fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
print(fd, flush=True)
for line in sys.stdin:
    print(got[0], flush=True)
"#;

#[test]
fn a_file_with_a_lease_is_not_opened_and_the_holder_not_signalled() {
    require!(which("python3").is_some(), "python3 is not installed");
    require!(which("prlimit").is_some(), "prlimit is not installed");
    require!(
        std::fs::read_to_string("/proc/sys/fs/leases-enable").is_ok_and(|s| s.trim() == "1"),
        "leases are disabled (fs.leases-enable)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (mut h, fd) = Asked::start(
        Command::new("python3")
            .args(["-c", LEASE_HOLDER])
            .arg(dir.path()),
    );
    let fd: i64 = fd.parse().expect("lease holder did not start");
    let pid = h.child.pid_s();
    assert_eq!(h.ask(), "0");
    let out = bounded(&["grep-secret", "mm4Tq8Xw2", "-p", &pid, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let lines = json_lines(&out);
    let skip = lines
        .iter()
        .find(|v| v["fd"] == fd)
        .unwrap_or_else(|| panic!("no line for fd {fd}: {lines:#?}"));
    assert_eq!(skip["type"], "skipped");
    assert_eq!(
        skip["reason"],
        format!("file has a lease held by pid {pid}, not opened")
    );
    assert_eq!(skip["error"], false);
    // The holder got no lease-break signal, and its lease is still there, unbroken.
    assert_eq!(
        h.ask(),
        "0",
        "the lease holder was sent its lease-break signal"
    );
    let locks = std::fs::read_to_string("/proc/locks").unwrap();
    assert!(
        locks
            .lines()
            .any(|l| l.contains("LEASE  ACTIVE    WRITE") && l.contains(&format!(" {pid} "))),
        "{locks}"
    );
}

#[test]
fn an_fd_flipping_to_a_device_never_gets_the_device_opened() {
    require!(is_root(), "mknod of the watched device node needs root");
    require!(which("gcc").is_some(), "gcc is not installed");
    require!(which("prlimit").is_some(), "prlimit is not installed");
    let dir = tempfile::tempdir().unwrap();
    let (mut h, fd) = Asked::start(Command::new(crate::util::tracee("fdflip")).arg(dir.path()));
    assert!(fd.parse::<i32>().is_ok(), "fdflip did not start: {fd:?}");
    let pid = h.child.pid_s();
    assert_eq!(h.ask(), "0");
    let mut found = 0;
    for _ in 0..300 {
        let out = bounded(&["grep-secret", "qq7Zr2Vb9", "-p", &pid, "--json"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", text(&out));
        found += findings(&out).len();
    }
    // Every scan read the regular file (the 32 flipping fds are one file, searched once) and
    // none opened the device, however the fds were flipped meanwhile.
    assert!(found > 0, "the regular file was never searched");
    assert_eq!(h.ask(), "0", "the device node was opened");
}

/// Maps 8 regions of 256 MiB (untouched zero pages but the last one's first bytes: a secret,
/// written byte by byte so that no string of it exists elsewhere); prints the span
/// `start end` of the 8.
const BIG_MAPS: &str = r#"
import ctypes, mmap, sys, time
size = 256 << 20
maps = [mmap.mmap(-1, size) for _ in range(8)]
for i, c in enumerate("NFLNQXRDBQDS<qf5Yx9Mq"):
    maps[-1][i] = ord(c) + 1 if c != "<" else ord("=")
addrs = sorted(ctypes.addressof(ctypes.c_char.from_buffer(m)) for m in maps)
print(addrs[0], addrs[-1] + size, flush=True)
time.sleep(600)
"#;

#[test]
fn memory_is_bounded_in_total_per_process() {
    require!(
        is_root(),
        "reading another process's memory needs root (ptrace_scope)"
    );
    require!(which("python3").is_some(), "python3 is not installed");
    require!(which("prlimit").is_some(), "prlimit is not installed");
    let (h, span) = Asked::start(Command::new("python3").args(["-c", BIG_MAPS]));
    let span: Vec<u64> = span.split(' ').map(|s| s.parse().unwrap()).collect();
    let pid = h.child.pid_s();
    let secret = "OGMORYSECRET=rg6Zy:Nr";
    // With the default bound (4G) all 2 GiB are searched and the secret found.
    let out = bounded(&["grep-secret", secret, "--memory", "-p", &pid, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["source"], "memory");
    // With --max-memory 200M the eight regions, each over the whole bound, are left out (the
    // interpreter's own mappings, far smaller, are read) and one line says which.
    let out = bounded(&[
        "grep-secret",
        secret,
        "--memory",
        "--max-memory",
        "200M",
        "-p",
        &pid,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let over: Vec<_> = json_lines(&out)
        .into_iter()
        .filter(|v| {
            v["reason"]
                .as_str()
                .is_some_and(|r| r.contains("--max-memory"))
        })
        .collect();
    assert_eq!(over.len(), 1, "{over:#?}");
    assert_eq!(over[0]["source"], "memory");
    assert_eq!(over[0]["region"], serde_json::json!([span[0], span[1]]));
    assert_eq!(
        over[0]["reason"],
        format!(
            "8 region(s), {} bytes, not read: over --max-memory {} for the process",
            8u64 << 28,
            200u64 << 20
        )
    );
}

// ---------------------------------------------------------------------------------------------
// ksec's own output

/// `ksec grep-secret ... > F` while another process holds F open (the shell, sudo, timeout):
/// F is ksec's own stdout, never searched, through that process's fd or as a `--file`, and
/// reported as skipped, not as an error. A control run with stdout elsewhere finds the secret.
#[test]
fn its_own_output_is_never_searched_whoever_holds_it() {
    use std::fs::OpenOptions;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("findings.jsonl");
    let holder = Reaped::spawn(
        Command::new("sleep")
            .arg("300")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&f).unwrap())
            .stderr(Stdio::null()),
    );
    let secret = b"token=zR8vK2mQ9xL4pW7nB3\n";
    OpenOptions::new()
        .append(true)
        .open(&f)
        .unwrap()
        .write_all(secret)
        .unwrap();
    let pid = holder.pid_s();
    let fs = f.to_str().unwrap();

    let control = run_timeout(
        &mut ksec(&["grep-secret", "zR8vK2", "-p", &pid, "--json"]),
        TIMEOUT,
    );
    assert_eq!(control.status.code(), Some(0), "{:?}", text(&control));
    let found = findings(&control);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (&found[0]["fd"], &found[0]["path"]),
        (&1.into(), &fs.into())
    );

    for args in [
        ["grep-secret", "zR8vK2", "-p", &pid, "--json"],
        ["grep-secret", "zR8vK2", "--file", fs, "--json"],
    ] {
        let before = std::fs::metadata(&f).unwrap().len() as usize;
        let mut cmd = ksec(&args);
        cmd.stdin(Stdio::null())
            .stdout(OpenOptions::new().append(true).open(&f).unwrap())
            .stderr(Stdio::piped());
        let out = Reaped::spawn(&mut cmd).output_timeout(TIMEOUT);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let written = Output {
            stdout: std::fs::read(&f).unwrap()[before..].to_vec(),
            ..out
        };
        assert_eq!(
            findings(&written),
            Vec::<serde_json::Value>::new(),
            "{args:?}"
        );
        let own: Vec<_> = json_lines(&written)
            .into_iter()
            .filter(|v| v["reason"] == "ksec's own output")
            .collect();
        assert_eq!(own.len(), 1, "{args:?}: {own:#?}");
        assert_eq!(own[0]["path"], fs);
        assert_eq!(own[0]["error"], false);
        if args[2] == "-p" {
            assert_eq!(
                (&own[0]["source"], &own[0]["fd"]),
                (&"fd".into(), &1.into())
            );
        } else {
            assert_eq!(own[0]["source"], "file");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// On a terminal: highlighted matches, the progress line; in a pipe, neither

/// `ksec ARGS` with stdin, stdout and stderr on a terminal (script(1)'s pseudo-terminal), with
/// `env` set: what the terminal got (stdout and stderr mixed, `\n` written as `\r\n`).
pub(crate) fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> Output {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut cmd = quote(&crate::util::ksec_bin().to_string_lossy());
    for a in args {
        cmd.push(' ');
        cmd.push_str(&quote(a));
    }
    let mut script = Command::new("script");
    script.args(["-qec", &cmd, "/dev/null"]);
    script.env_remove("NO_COLOR").env("TERM", "xterm");
    for (k, v) in env {
        script.env(k, v);
    }
    run_timeout(&mut script, 60)
}

const MATCH_ON: &str = "\x1b[1;31m";
const MATCH_OFF: &str = "\x1b[0m";

#[test]
fn matches_are_highlighted_on_a_terminal_only() {
    require!(
        which("script").is_some(),
        "script (util-linux) is not installed"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db");
    write(&file, b"\x00user=alice cc=1111222233334444 end\x00\n");
    let f = file.to_str().unwrap();
    let args = ["grep-secret", "111122", "--file", f];
    let out = on_a_terminal(&args, &[]);
    let (screen, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{screen:?}");
    assert!(
        screen.starts_with(&format!(
            "\x1b[1mfile {f} offset 15 [pattern]{MATCH_OFF}\r\n\
             > user=alice cc={MATCH_ON}111122{MATCH_OFF}2233334444 end\r\n--\r\n"
        )),
        "{screen:?}"
    );
    // NO_COLOR (not empty), TERM=dumb and --color never: the same text without any escape.
    let plain =
        format!("file {f} offset 15 [pattern]\r\n> user=alice cc=1111222233334444 end\r\n--\r\n");
    for (extra, env) in [
        (None, &[("NO_COLOR", "1")][..]),
        (None, &[("TERM", "dumb")][..]),
        (Some("--color=never"), &[][..]),
    ] {
        let mut a = args.to_vec();
        a.extend(extra);
        let out = on_a_terminal(&a, env);
        let (screen, _) = text(&out);
        assert!(!screen.contains('\x1b'), "{extra:?} {env:?}: {screen:?}");
        assert!(screen.starts_with(&plain), "{extra:?} {env:?}: {screen:?}");
    }
    // An empty NO_COLOR is no request (no-color.org).
    let (screen, _) = text(&on_a_terminal(&args, &[("NO_COLOR", "")]));
    assert!(screen.contains(MATCH_ON), "{screen:?}");
    // In a pipe: no escapes, unless --color always.
    let out = run_timeout(&mut ksec(&args), 30);
    assert_eq!(
        text(&out).0,
        format!("file {f} offset 15 [pattern]\n> user=alice cc=1111222233334444 end\n--\n")
    );
    assert!(!out.stderr.contains(&0x1b));
    let out = run_timeout(
        &mut ksec(&["grep-secret", "111122", "--color", "always", "--file", f]),
        30,
    );
    assert!(
        text(&out)
            .0
            .contains(&format!("cc={MATCH_ON}111122{MATCH_OFF}2233334444")),
        "{:?}",
        text(&out)
    );
    // --json is never coloured.
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "111122",
            "--json",
            "--color",
            "always",
            "--file",
            f,
        ]),
        30,
    );
    assert_eq!(findings(&out).len(), 1);
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn a_memory_scan_shows_a_progress_line_on_a_terminal_only() {
    require!(
        which("script").is_some(),
        "script (util-linux) is not installed"
    );
    require!(which("sleep").is_some(), "sleep is not installed");
    let sleeper = Reaped::spawn(
        Command::new("sleep")
            .arg("300")
            .stdin(Stdio::null())
            .stdout(Stdio::null()),
    );
    let pid = sleeper.pid_s();
    let args = ["grep-secret", "never-there-QX7", "--memory", "-p", &pid];
    let out = on_a_terminal(&args, &[]);
    let (screen, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{screen:?}");
    // Drawn at once (the process, nothing searched yet), redrawn in place, erased at the end:
    // the summary is the only line left, written over the erased progress line.
    let first = format!("\rksec: 1/1 pid {pid} (sleep) process: 0 B searched, 0 finding(s)\x1b[K");
    assert!(screen.starts_with(&first), "{screen:?}");
    let (drawn, rest) = screen.rsplit_once("\r\x1b[K").expect("the line is erased");
    assert!(drawn.ends_with("finding(s)\x1b[K"), "{screen:?}");
    assert!(
        rest.starts_with("ksec: 0 finding(s); 1 process(es), ") && rest.ends_with("\r\n"),
        "{rest:?}"
    );
    assert_eq!(rest.matches("\r\n").count(), 1, "{rest:?}");
    // In a pipe: no progress, no escape, no carriage return.
    let out = run_timeout(&mut ksec(&args), 60);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // -q on a terminal: nothing drawn at all.
    let mut quiet = args.to_vec();
    quiet.push("-q");
    let out = on_a_terminal(&quiet, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out).0, "");
    drop(sleeper);

    // Findings on the same terminal: the line is erased before each, never mixed into one.
    let holder = Reaped::spawn(
        Command::new("sleep")
            .arg("300")
            .env("KSEC_PROGRESS_TEST", "needle-QX7-in-env")
            .stdin(Stdio::null())
            .stdout(Stdio::null()),
    );
    let pid = holder.pid_s();
    let out = on_a_terminal(&["grep-secret", "needle-QX7", "--memory", "-p", &pid], &[]);
    let (screen, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{screen:?}");
    let first = format!("\rksec: 1/1 pid {pid} (sleep) process: 0 B searched, 0 finding(s)\x1b[K");
    assert!(
        screen.starts_with(&format!(
            "{first}\r\x1b[K\x1b[1mpid {pid} (sleep) environ offset "
        )),
        "{screen:?}"
    );
    // Every finding's header starts a line of its own.
    let headers = screen
        .matches(&format!("\x1b[1mpid {pid} (sleep) "))
        .count();
    assert!(headers >= 2, "environ and memory: {screen:?}");
    let at_line_start = screen
        .matches(&format!("\r\n\x1b[1mpid {pid} (sleep) "))
        .count()
        + screen
            .matches(&format!("\r\x1b[K\x1b[1mpid {pid} (sleep) "))
            .count();
    assert_eq!(at_line_start, headers, "{screen:?}");
    drop(holder);
}

#[test]
fn quiet_stops_at_the_first_finding_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    write(&a, b"token one 111122\n");
    let a = a.to_str().unwrap();
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "111122",
            "-q",
            "--file",
            a,
            "--file",
            "/nonexistent/x",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        (out.stdout.len(), out.stderr.len()),
        (0, 0),
        "{:?}",
        text(&out)
    );
    let out = run_timeout(
        &mut ksec(&["grep-secret", "111122", "-q", "--fail-on-find", "--file", a]),
        30,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!((out.stdout.len(), out.stderr.len()), (0, 0));
    // Nothing found and something unreadable: 2, still silent.
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "zzz-none",
            "-q",
            "--file",
            a,
            "--file",
            "/nonexistent/x",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!((out.stdout.len(), out.stderr.len()), (0, 0));
    // Without -q the unreadable file is counted by its code in the summary.
    let out = run_timeout(
        &mut ksec(&[
            "grep-secret",
            "zzz-none",
            "--file",
            a,
            "--file",
            "/nonexistent/x",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out).1,
        "ksec: 0 finding(s); 0 process(es), 1 source(s), 17 bytes searched; skipped 1 (1 error(s)): 1 not found (-v lists them)\n"
    );
    // -q with --json or -v is refused by the command line.
    for other in ["--json", "-v"] {
        let out = run_timeout(
            &mut ksec(&["grep-secret", "x", "-q", other, "--file", a]),
            30,
        );
        assert_eq!(out.status.code(), Some(2), "{other}");
        assert!(
            text(&out).1.contains("cannot be used with"),
            "{other}: {:?}",
            text(&out)
        );
    }
}

#[test]
fn permission_denied_is_counted_by_its_code() {
    require!(is_root(), "needs root to run ksec as another user");
    require!(
        which("setpriv").is_some() && which("sleep").is_some(),
        "setpriv or sleep is not installed"
    );
    let sleeper = Reaped::spawn(
        Command::new("sleep")
            .arg("300")
            .stdin(Stdio::null())
            .stdout(Stdio::null()),
    );
    let pid = sleeper.pid_s();
    let as_nobody = |args: &[&str]| {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(crate::util::ksec_bin())
            .args(args);
        run_timeout(&mut cmd, 60)
    };
    // Another user's fd directory and environ: two errors, nothing found, exit 2.
    let out = as_nobody(&["grep-secret", "zz-none-zz", "--json", "-p", &pid]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    let skips: Vec<(String, String, bool)> = json_lines(&out)
        .iter()
        .filter(|v| v["type"] == "skipped")
        .map(|v| {
            (
                v["source"].as_str().unwrap().to_string(),
                v["code"].as_str().unwrap().to_string(),
                v["error"].as_bool().unwrap(),
            )
        })
        .collect();
    let denied = |source: &str| (source.to_string(), "permission-denied".to_string(), true);
    assert_eq!(skips, [denied("process"), denied("environ")]);
    let out = as_nobody(&["grep-secret", "zz-none-zz", "-p", &pid]);
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("ksec: 0 finding(s); 1 process(es), 1 source(s), ")
            && stderr.ends_with(
                " bytes searched; skipped 2 (2 error(s)): 2 permission denied (-v lists them)\n"
            ),
        "{stderr}"
    );
    drop(sleeper);
}
