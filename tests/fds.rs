//! `ksec fds`'s columns beyond the fd table (sizes, locks, `mem` rows, netlink protocols, the
//! other ends of pipes and unix sockets, epoll's watched fds), `ksec fds --file` (who holds a
//! file), the fitting of `fds` and `ps` tables to a terminal's width (in tmux at 80 and 200
//! columns, and in a pipe), against lsof and a real etcd.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::require;
use crate::util::{self, ksec, run, text, Reaped};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/proc")
        .join(rel)
}

fn json_ok(out: &Output) -> Value {
    let (o, e) = text(out);
    assert!(
        out.status.success(),
        "ksec failed: {:?}\n{o}\n{e}",
        out.status
    );
    serde_json::from_str(&o).unwrap_or_else(|err| panic!("bad JSON ({err}):\n{o}"))
}

/// fixtures/proc/fdpeers.py running in its own directory (its cwd), and what it printed.
struct Peers {
    proc_: Reaped,
    info: Value,
    dir: tempfile::TempDir,
}

impl Peers {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Reaped::spawn(
            Command::new("python3")
                .arg(fixture("fdpeers.py"))
                .arg(dir.path())
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let line = p.read_line();
        let info: Value = serde_json::from_str(&line).expect("fdpeers prints JSON");
        Peers {
            proc_: p,
            info,
            dir,
        }
    }
    fn fd(&self, name: &str) -> i64 {
        self.info["fds"][name].as_i64().unwrap()
    }
    fn child(&self) -> i64 {
        self.info["child"].as_i64().unwrap()
    }
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

fn rows_by_fd(v: &Value) -> BTreeMap<i64, Value> {
    v[0]["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["fd"].as_i64().unwrap(), r.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// columns

#[test]
fn fds_locks_sizes_mem_netlink_peers_and_epoll() {
    require!(util::which("python3").is_some(), "python3 is not installed");
    let h = Peers::start();
    let v = json_ok(&run(ksec(&["fds", "--json", &h.proc_.pid_s()])));
    let rows = rows_by_fd(&v);
    let pid = h.proc_.pid() as i64;
    let lock = |name: &str| {
        let r = &rows[&h.fd(name)];
        let l = &r["locks"][0];
        (
            r["lock"].as_str().unwrap().to_string(),
            r["locks"].as_array().unwrap().len(),
            l["kind"].as_str().unwrap().to_string(),
            l["access"].as_str().unwrap().to_string(),
            l["start"].as_u64().unwrap(),
            l["end"].clone(),
        )
    };
    let l = |m: &str, k: &str, a: &str, end: Value| (m.to_string(), 1, k.into(), a.into(), 0, end);
    assert_eq!(lock("flock"), l("W", "FLOCK", "WRITE", Value::Null));
    assert_eq!(lock("posix_part"), l("r", "POSIX", "READ", json!(9)));
    assert_eq!(lock("posix_whole"), l("W", "POSIX", "WRITE", Value::Null));
    assert_eq!(lock("ofd"), l("W", "OFDLCK", "WRITE", Value::Null));
    assert_eq!(rows[&h.fd("flock")]["locks"][0]["pid"], pid);
    assert_eq!(
        rows[&h.fd("ofd")]["locks"][0]["pid"],
        -1,
        "OFD locks have no pid"
    );
    assert!(rows[&h.fd("netlink")].get("lock").is_none());
    // Sizes of regular files; none for sockets.
    for (name, size) in [
        ("flock", 11),
        ("posix_part", 100),
        ("posix_whole", 5),
        ("ofd", 7),
    ] {
        assert_eq!(rows[&h.fd(name)]["size"], size, "{name}");
    }
    assert!(rows[&h.fd("netlink")].get("size").is_none());
    // netlink.
    assert_eq!(
        rows[&h.fd("netlink")]["socket"],
        json!({"family": "netlink", "protocol": "NETLINK_ROUTE", "port_id": h.info["netlink_port"]})
    );
    // The pipe's other end: the child's stdout; the unix socket's peer: the child's stderr.
    let child = h.child();
    assert_eq!(
        rows[&h.fd("pipe_r")]["peers"],
        json!([{"pid": child, "comm": "python3", "fd": 1, "mode": "w"}])
    );
    let unix = &rows[&h.fd("unix")];
    assert_eq!(
        unix["peers"],
        json!([{"pid": child, "comm": "python3", "fd": 2, "mode": "u"}])
    );
    let child_fds = json_ok(&run(ksec(&["fds", "--json", &child.to_string()])));
    let child_rows = rows_by_fd(&child_fds);
    assert_eq!(unix["peer_inode"], child_rows[&2]["inode"]);
    assert_eq!(child_rows[&2]["peer_inode"], unix["inode"]);
    assert_eq!(
        child_rows[&1]["peers"],
        json!([{"pid": pid, "comm": "python3", "fd": h.fd("pipe_r"), "mode": "r"}])
    );
    // epoll watches the pipe and the unix socket.
    let mut want = vec![h.fd("pipe_r"), h.fd("unix")];
    want.sort();
    assert_eq!(rows[&h.fd("epoll")]["epoll"], json!(want));
    // The mapped file: one mem row with its size, device and inode.
    let mapped = h.path("mapped.bin");
    let mem: Vec<&Value> = v[0]["mem"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["target"] == mapped.as_str())
        .collect();
    let meta = std::fs::metadata(&mapped).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        mem,
        [
            &json!({"target": mapped, "deleted": false, "dev": meta.dev(), "inode": meta.ino(), "size": 3 * 4096})
        ]
    );
    // The table: lsof's FD cells, the netlink protocol, peers, epoll's fds.
    let out = run(ksec(&["fds", &h.proc_.pid_s()]));
    let (o, _) = text(&out);
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
    assert_eq!(
        line(h.fd("flock")),
        format!(
            "{}uW file 11 11 O_RDWR|O_LARGEFILE|O_CLOEXEC {}",
            h.fd("flock"),
            h.path("flock.txt")
        )
    );
    assert_eq!(
        line(h.fd("netlink")),
        format!(
            "{}u socket O_RDWR|O_CLOEXEC netlink NETLINK_ROUTE port {}",
            h.fd("netlink"),
            h.info["netlink_port"]
        )
    );
    assert_eq!(
        line(h.fd("pipe_r")),
        format!(
            "{}r pipe O_RDONLY|O_CLOEXEC pipe:[{}] -> {child}/python3 1w",
            h.fd("pipe_r"),
            rows[&h.fd("pipe_r")]["inode"]
        )
    );
    assert_eq!(
        line(h.fd("unix")),
        format!(
            "{}u socket O_RDWR|O_CLOEXEC unix stream CONNECTED -> {child}/python3 2u",
            h.fd("unix")
        )
    );
    assert_eq!(
        line(h.fd("epoll")),
        format!(
            "{}u anon_inode O_RDWR|O_CLOEXEC anon_inode:[eventpoll] watching {},{}",
            h.fd("epoll"),
            want[0],
            want[1]
        )
    );
    assert!(
        o.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["mem", "file", "12288", &mapped]),
        "mem row of {mapped}:\n{o}"
    );
}

/// lsof -F output: per fd (or `mem`/`txt`/`cwd`/`rtd` name), its fields.
fn lsof_fields(args: &[&str]) -> Vec<BTreeMap<char, String>> {
    let out = run(Command::new("lsof").args(["-n", "-P", "-w"]).args(args));
    let mut files: Vec<BTreeMap<char, String>> = Vec::new();
    let mut pid = String::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut chars = line.chars();
        let Some(tag) = chars.next() else { continue };
        let rest: String = chars.collect();
        match tag {
            'p' => pid = rest,
            'f' => {
                let mut m = BTreeMap::new();
                m.insert('p', pid.clone());
                m.insert('f', rest);
                files.push(m);
            }
            _ => {
                if let Some(m) = files.last_mut() {
                    m.insert(tag, rest);
                }
            }
        }
    }
    files
}

#[test]
fn fds_columns_agree_with_lsof() {
    require!(
        util::which("python3").is_some() && util::which("lsof").is_some(),
        "python3 or lsof is not installed"
    );
    let h = Peers::start();
    let pid = h.proc_.pid_s();
    let v = json_ok(&run(ksec(&["fds", "--json", &pid])));
    let rows = rows_by_fd(&v);
    let files = lsof_fields(&["-p", &pid, "-F", "ftlsn"]);
    let mut lsof_mem = BTreeSet::new();
    for f in &files {
        let fd = &f[&'f'];
        if fd == "mem" || fd == "txt" {
            lsof_mem.insert(f[&'n'].clone());
            continue;
        }
        let Ok(fd) = fd.parse::<i64>() else { continue };
        let r = &rows[&fd];
        // Locks: lsof matches /proc/locks by pid, so it misses the OFD lock ksec shows.
        let lsof_lock = f.get(&'l').map(String::as_str).unwrap_or(" ").trim();
        let ksec_lock = r.get("lock").and_then(Value::as_str).unwrap_or("");
        if fd == h.fd("ofd") {
            assert_eq!((lsof_lock, ksec_lock), ("", "W"), "fd {fd}: OFD lock");
        } else {
            assert_eq!(lsof_lock, ksec_lock, "fd {fd}: lock {f:?} vs {r}");
        }
        if f[&'t'] == "REG" && fd > 2 {
            assert_eq!(
                f[&'s'].parse::<u64>().ok(),
                r["size"].as_u64(),
                "fd {fd}: size"
            );
        }
        if f[&'t'] == "netlink" {
            assert_eq!(f[&'n'], "ROUTE");
            assert_eq!(r["socket"]["protocol"], "NETLINK_ROUTE");
        }
        if f[&'t'] == "a_inode" && f[&'n'].starts_with("[eventpoll:") {
            let fds: Vec<String> = r["epoll"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.to_string())
                .collect();
            assert_eq!(f[&'n'], format!("[eventpoll:{}]", fds.join(",")));
        }
    }
    let ksec_mem: BTreeSet<String> = v[0]["mem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ksec_mem, lsof_mem,
        "mapped files: ksec's mem rows vs lsof's mem and txt"
    );
}

// ---------------------------------------------------------------------------------------------
// --file

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Held {
    pid: i64,
    how: String,
    fd: Option<i64>,
}

fn held(v: &Value) -> Vec<Held> {
    let mut h: Vec<Held> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| Held {
            pid: x["pid"].as_i64().unwrap(),
            how: x["use"].as_str().unwrap().into(),
            fd: x["fd"].as_i64(),
        })
        .collect();
    h.sort();
    h
}

fn hd(pid: i64, how: &str, fd: Option<i64>) -> Held {
    Held {
        pid,
        how: how.into(),
        fd,
    }
}

#[test]
fn fds_file_lists_who_holds_a_file() {
    require!(util::which("python3").is_some(), "python3 is not installed");
    let h = Peers::start();
    let pid = h.proc_.pid() as i64;
    let file = |args: &[&str]| run(ksec(&[&["fds", "--file"], args].concat()));
    let flock = h.path("flock.txt");
    let v = json_ok(&file(&[&flock, "--json"]));
    assert_eq!(held(&v), [hd(pid, "fd", Some(h.fd("flock")))]);
    assert_eq!(v[0]["mode"], "u");
    assert_eq!(v[0]["lock"], "W");
    assert_eq!(v[0]["comm"], "python3");
    assert_eq!(v[0]["target"], flock.as_str());
    // By device and inode: a hard link names the same file.
    let link = h.path("hard-link");
    std::fs::hard_link(&flock, &link).unwrap();
    let v = json_ok(&file(&[&link, "--json"]));
    assert_eq!(held(&v), [hd(pid, "fd", Some(h.fd("flock")))]);
    assert_eq!(
        v[0]["target"],
        flock.as_str(),
        "the path the process opened"
    );
    // An fd and a mapping.
    let mapped = h.path("mapped.bin");
    let v = json_ok(&file(&[&mapped, "--json"]));
    let fd_of_mapped = {
        let rows = rows_by_fd(&json_ok(&run(ksec(&["fds", "--json", &pid.to_string()]))));
        *rows
            .iter()
            .find(|(_, r)| r["target"] == mapped.as_str())
            .unwrap()
            .0
    };
    assert_eq!(
        held(&v),
        [hd(pid, "fd", Some(fd_of_mapped)), hd(pid, "mem", None)]
    );
    // A directory: only what is on it (both processes' cwd); with --dir, what is below too.
    let dir = h.dir.path().to_str().unwrap().to_string();
    let child = h.child();
    let v = json_ok(&file(&[&dir, "--json"]));
    assert_eq!(held(&v), [hd(pid, "cwd", None), hd(child, "cwd", None)]);
    let v = json_ok(&file(&[&dir, "--dir", "--json"]));
    let mut want = vec![
        hd(pid, "cwd", None),
        hd(child, "cwd", None),
        hd(pid, "mem", None),
    ];
    for name in ["flock", "posix_part", "posix_whole", "ofd"] {
        want.push(hd(pid, "fd", Some(h.fd(name))));
    }
    want.push(hd(pid, "fd", Some(fd_of_mapped)));
    want.sort();
    assert_eq!(held(&v), want);
    // The table.
    let out = file(&[&flock]);
    let (o, _) = text(&out);
    let lines: Vec<Vec<&str>> = o.lines().map(|l| l.split_whitespace().collect()).collect();
    let fd = format!("{}uW", h.fd("flock"));
    let pid_s = pid.to_string();
    assert_eq!(
        lines,
        [
            vec!["PID", "COMMAND", "FD", "TARGET"],
            vec![pid_s.as_str(), "python3", fd.as_str(), flock.as_str()]
        ]
    );
    // Nobody holds it: exit 1 and nothing on stdout (as fuser); JSON `[]`.
    let lonely = h.path("lonely.txt");
    std::fs::write(&lonely, b"").unwrap();
    let out = file(&[&lonely]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert_eq!(text(&out), (String::new(), String::new()));
    let out = file(&[&lonely, "--json"]);
    assert_eq!((out.status.code(), text(&out).0.trim()), (Some(1), "[]"));
    // PATH does not exist: exit 2, one line naming it.
    let nope = h.path("nope");
    let out = file(&[&nope]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out).1,
        format!("ksec: {nope}: No such file or directory (os error 2)\n")
    );
    // --dir needs --file; --file excludes pids.
    assert_eq!(run(ksec(&["fds", "--dir", "1"])).status.code(), Some(2));
    assert_eq!(
        run(ksec(&["fds", "--file", &flock, "1"])).status.code(),
        Some(2)
    );
}

#[test]
fn fds_file_agrees_with_lsof() {
    require!(
        util::which("python3").is_some() && util::which("lsof").is_some(),
        "python3 or lsof is not installed"
    );
    let h = Peers::start();
    for name in ["flock.txt", "mapped.bin", "ofd.txt"] {
        let path = h.path(name);
        let v = json_ok(&run(ksec(&["fds", "--file", &path, "--json"])));
        let ksec: BTreeSet<(String, String)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                let f = match x["fd"].as_i64() {
                    Some(fd) => format!("{fd}"),
                    None => x["use"].as_str().unwrap().to_string(),
                };
                (x["pid"].to_string(), f)
            })
            .collect();
        let lsof: BTreeSet<(String, String)> = lsof_fields(&["-F", "f", &path])
            .into_iter()
            .map(|f| (f[&'p'].clone(), f[&'f'].clone()))
            .collect();
        assert_eq!(ksec, lsof, "{name}: ksec fds --file vs lsof");
    }
}

// ---------------------------------------------------------------------------------------------
// terminal widths

/// A tmux server of the test's own, killed when dropped.
struct Tmux {
    socket: String,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(Stdio::null())
            .status();
    }
}

/// Servers started so far: each gets a socket name of its own (one being killed may still
/// hold its name).
static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The lines `cmd` prints on a `cols`-column tmux terminal (wrapped lines joined, trailing
/// spaces removed).
fn in_tmux(cols: u16, cmd: &str) -> Vec<String> {
    let t = Tmux {
        socket: format!(
            "ksec-fds-test-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
    };
    const DONE: &str = "KSEC-TMUX-DONE";
    let script = format!("{cmd}; echo {DONE}; sleep 120");
    let out = run(Command::new("tmux").args([
        "-L",
        &t.socket,
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        &cols.to_string(),
        "-y",
        "200",
        "sh",
        "-c",
        &script,
    ]));
    assert!(out.status.success(), "tmux: {:?}", text(&out));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = run(Command::new("tmux").args(["-L", &t.socket, "capture-pane", "-p", "-J"]));
        let screen = String::from_utf8_lossy(&out.stdout).to_string();
        if let Some(end) = screen.find(DONE) {
            return screen[..end]
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "{cmd} did not end in tmux:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn width(l: &str) -> usize {
    l.chars().count()
}

#[test]
fn fds_and_ps_fit_the_terminal_in_tmux_and_print_everything_in_a_pipe() {
    require!(
        util::which("python3").is_some() && util::which("tmux").is_some(),
        "python3 or tmux is not installed"
    );
    let h = Peers::start();
    let bin = util::ksec_bin();
    let ksec_cmd = format!("{} fds {}", bin.display(), h.proc_.pid());
    // The holder's stdin and stdout are pipes to this test process, whose other threads fork
    // now and then: their other ends come and go, so those two rows are not compared.
    let stable = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .filter(|l| !l.starts_with("0r ") && !l.starts_with("1w "))
            .collect()
    };
    let piped = text(&run(ksec(&["fds", &h.proc_.pid_s()]))).0;
    let piped: Vec<&str> = piped.lines().collect();
    let piped_stable = stable(piped.iter().map(|l| l.to_string()).collect());
    assert!(
        piped.iter().any(|l| width(l) > 80),
        "a pipe gets lines longer than 80 columns"
    );
    assert!(
        !piped.iter().any(|l| l.contains('…')),
        "nothing is cut in a pipe"
    );
    let first = |l: &str| l.split_whitespace().next().unwrap_or("").to_string();

    let at80 = in_tmux(80, &ksec_cmd);
    assert!(at80.iter().all(|l| width(l) <= 80), "{at80:#?}");
    assert!(at80.iter().any(|l| l.ends_with('…')), "{at80:#?}");
    assert_eq!(
        at80.iter().map(|l| first(l)).collect::<Vec<_>>(),
        piped.iter().map(|l| first(l)).collect::<Vec<_>>(),
        "the same rows"
    );
    // The header keeps its columns; TARGET is last.
    assert_eq!(
        at80[0].split_whitespace().collect::<Vec<_>>(),
        ["FD", "TYPE", "SIZE", "OFFSET", "FLAGS", "TARGET"]
    );
    // -w prints in full on the terminal too.
    let wide = in_tmux(80, &format!("{ksec_cmd} -w"));
    assert_eq!(
        stable(wide),
        piped_stable,
        "-w on a terminal is the pipe's output"
    );

    let at200 = in_tmux(200, &ksec_cmd);
    if piped.iter().all(|l| width(l) <= 200) {
        assert_eq!(stable(at200), piped_stable, "200 columns hold every line");
    } else {
        assert!(at200.iter().all(|l| width(l) <= 200), "{at200:#?}");
        util::skipped_in_part("a line of the pipe's output is wider than 200 columns");
    }

    // ps: COMMAND is cut at 80 columns and whole at 200.
    let marker = format!("ksec-width-marker-{}", std::process::id());
    let tail = "x".repeat(60);
    let _sleeper = Reaped::spawn(
        Command::new("sh")
            .args(["-c", "read x", "ksec-sleeper", &marker, &tail])
            .stdin(Stdio::piped()),
    );
    let ps_cmd = format!("{} ps -f {marker}", bin.display());
    let sleeper_line = |lines: &[String]| {
        lines
            .iter()
            .find(|l| l.contains("sh -c read x"))
            .unwrap_or_else(|| panic!("no sleeper line: {lines:#?}"))
            .clone()
    };
    let at80 = in_tmux(80, &ps_cmd);
    assert!(at80.iter().all(|l| width(l) <= 80), "{at80:#?}");
    let l = sleeper_line(&at80);
    assert!(l.ends_with('…') && !l.contains(&tail), "{l}");
    let at200 = in_tmux(200, &ps_cmd);
    let l = sleeper_line(&at200);
    assert!(
        l.ends_with(&format!("sh -c read x ksec-sleeper {marker} {tail}")),
        "{l}"
    );
    let piped = text(&run(ksec(&["ps", "-f", &marker]))).0;
    assert!(piped.contains(&tail) && !piped.contains('…'), "{piped}");
}

// ---------------------------------------------------------------------------------------------
// etcd

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn fds_shows_etcds_mapped_and_locked_bbolt_db() {
    require!(
        util::which("etcd").is_some(),
        "etcd is not installed (apt-get install etcd-server)"
    );
    let dir = tempfile::tempdir().unwrap();
    let (client, peer) = (free_port(), free_port());
    let curl = format!("http://127.0.0.1:{client}");
    let purl = format!("http://127.0.0.1:{peer}");
    let mut cmd = Command::new("etcd");
    if std::env::consts::ARCH == "aarch64" {
        cmd.env("ETCD_UNSUPPORTED_ARCH", "arm64");
    }
    let etcd = Reaped::spawn(
        cmd.args(["--name", "ksec-fds-test", "--data-dir"])
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
            .args(["--initial-cluster", &format!("ksec-fds-test={purl}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let pid = etcd.pid_s();
    let db = dir.path().join("data/member/snap/db");
    let db_s = db.to_str().unwrap().to_string();
    // bbolt opens, flocks and mmaps the db while etcd starts, and grows it meanwhile: wait
    // until a read of ksec's falls between two equal sizes.
    let len = || std::fs::metadata(&db).map(|m| m.len()).ok();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (v, size) = loop {
        let before = len();
        let out = run(ksec(&["fds", "--json", &pid]));
        if let Some(size) = before.filter(|&b| out.status.success() && Some(b) == len()) {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            if v[0]["mem"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["target"] == db_s.as_str()))
            {
                break (v, size);
            }
        }
        assert!(
            Instant::now() < deadline,
            "etcd did not map {db_s}: {:?}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let mem: Vec<&Value> = v[0]["mem"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["target"] == db_s.as_str())
        .collect();
    assert_eq!(mem.len(), 1, "one mem row for the db");
    assert_eq!(mem[0]["size"], size);
    let fd_rows: Vec<&Value> = v[0]["fds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["target"] == db_s.as_str())
        .collect();
    assert_eq!(fd_rows.len(), 1, "one fd on the db");
    let r = fd_rows[0];
    assert_eq!(
        (r["lock"].as_str(), r["locks"][0]["kind"].as_str()),
        (Some("W"), Some("FLOCK"))
    );
    assert_eq!(r["size"], size);
    let fd = r["fd"].as_i64().unwrap();
    // --file: etcd, by its fd and its mapping.
    let h = json_ok(&run(ksec(&["fds", "--file", &db_s, "--json"])));
    let etcd_pid = etcd.pid() as i64;
    assert_eq!(
        held(&h),
        [hd(etcd_pid, "fd", Some(fd)), hd(etcd_pid, "mem", None)]
    );
    if util::which("lsof").is_some() {
        let lsof: BTreeSet<(String, String, String)> = lsof_fields(&["-F", "fl", &db_s])
            .into_iter()
            .map(|f| {
                let l = f.get(&'l').cloned().unwrap_or_default().trim().to_string();
                (f[&'p'].clone(), f[&'f'].clone(), l)
            })
            .collect();
        let want = BTreeSet::from([
            (pid.clone(), fd.to_string(), "W".to_string()),
            // lsof marks every row of the locking pid on the locked file, the mapping
            // too; ksec marks the fd the lock was taken through.
            (pid.clone(), "mem".to_string(), "W".to_string()),
        ]);
        assert_eq!(lsof, want, "lsof on the db");
    } else {
        util::skipped_in_part("lsof is not installed: etcd's db not compared with lsof");
    }
}

// ---------------------------------------------------------------------------------------------
// many fds, many processes: the same sets as lsof and fuser

/// bench/workloads/manyfds.c built into `dir`, running with ~`n` fds in `dir`/files, and the
/// number of fds it says it holds.
fn many_fds(dir: &Path, n: usize) -> (Reaped, usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/workloads/manyfds.c");
    let bin = dir.join("manyfds");
    let out = run(Command::new("gcc").args(["-O2", "-o"]).arg(&bin).arg(&src));
    assert!(
        out.status.success(),
        "gcc {}: {}",
        src.display(),
        text(&out).1
    );
    let files = dir.join("files");
    std::fs::create_dir(&files).unwrap();
    let mut p = Reaped::spawn(
        Command::new(&bin)
            .arg(n.to_string())
            .arg(&files)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    );
    let line = p.read_line();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"ready"), "manyfds: {line:?}");
    assert_eq!(words[1], p.pid_s());
    (p, words[2].parse().unwrap())
}

/// The anon_inode kind in a target or an lsof NAME: `[eventfd:3]`, `[eventfd]` -> `eventfd`,
/// `inotify` -> `inotify`.
fn anon_kind(name: &str) -> String {
    name.trim_start_matches('[')
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
        .collect()
}

/// lsof -F writes an fd of 10000 or more as `*NNN`, its last three digits.
fn lsof_fd_name(fd: i64) -> String {
    if fd < 10_000 {
        fd.to_string()
    } else {
        format!("*{:03}", fd % 1000)
    }
}

/// One ksec row as lsof's (FD, TYPE, NAME): lsof's TYPE names; pipes by inode; TCP as
/// `TCP local->remote STATE`, UDP without a state; unix sockets by inode and path.
fn ksec_as_lsof(r: &Value) -> (String, String, String) {
    let fd = lsof_fd_name(r["fd"].as_i64().unwrap());
    let target = r["target"].as_str().unwrap().to_string();
    let s = &r["socket"];
    let (ty, name) = match (r["type"].as_str().unwrap(), s["family"].as_str()) {
        ("file" | "memfd", _) => ("REG".into(), target),
        ("dir", _) => ("DIR".into(), target),
        ("pipe", _) => ("FIFO".into(), format!("pipe:{}", r["inode"])),
        ("fifo", _) => ("FIFO".into(), target),
        ("device", _) => {
            let char = r["device"].as_str().unwrap().starts_with("char");
            ((if char { "CHR" } else { "BLK" }).into(), target)
        }
        ("anon_inode", _) => ("a_inode".into(), anon_kind(&target["anon_inode:".len()..])),
        ("socket", Some("inet")) => {
            let proto = s["proto"].as_str().unwrap();
            let state = s["state"].as_str().unwrap();
            let remote = s["remote"].as_str().unwrap();
            let mut name = s["local"].as_str().unwrap().to_string();
            if !(matches!(state, "LISTEN" | "CLOSE") && remote.ends_with(":0")) {
                name = format!("{name}->{remote}");
            }
            let tcp = proto.starts_with("tcp");
            let family = if proto.ends_with('6') { "IPv6" } else { "IPv4" };
            let state = if tcp { state } else { "" };
            let p = if tcp { "TCP" } else { "UDP" };
            (family.into(), format!("{p} {name} {state}"))
        }
        ("socket", Some("unix")) => (
            "unix".into(),
            format!("{} {}", r["inode"], s["path"].as_str().unwrap_or("")),
        ),
        (other, _) => (other.into(), target),
    };
    (fd, ty, name)
}

/// One lsof -F record as the same triple.
fn lsof_triple(f: &BTreeMap<char, String>) -> (String, String, String) {
    let (fd, ty) = (f[&'f'].clone(), f[&'t'].clone());
    let n = f.get(&'n').cloned().unwrap_or_default();
    let name = match ty.as_str() {
        "FIFO" if n == "pipe" => format!("pipe:{}", f[&'i']),
        "a_inode" => anon_kind(&n),
        "IPv4" | "IPv6" => {
            let p = f[&'P'].as_str();
            let state = if p == "TCP" {
                f[&'T'].strip_prefix("ST=").unwrap_or("")
            } else {
                ""
            };
            format!("{p} {n} {state}")
        }
        "unix" => {
            let path = n.rsplit_once(" type=").map_or("", |(p, _)| p);
            format!("{} {path}", f[&'i'])
        }
        _ => n,
    };
    (fd, ty, name)
}

#[test]
fn fds_of_ten_thousand_fds_equal_lsofs() {
    require!(
        util::which("gcc").is_some() && util::which("lsof").is_some(),
        "gcc or lsof is not installed"
    );
    // manyfds raises its fd limit to 10,064: root may raise the hard limit, others only up to it.
    let hard: Option<u64> = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(4).and_then(|n| n.parse().ok()))
        });
    require!(
        util::is_root() || hard.is_some_and(|h| h >= 10_064),
        "not root, and the hard fd limit is below 10,064"
    );
    let dir = tempfile::tempdir().unwrap();
    let (p, count) = many_fds(dir.path(), 10_000);
    assert!(count > 10_000, "manyfds holds {count} fds");
    let pid = p.pid_s();
    let v = json_ok(&run(ksec(&["fds", "--json", &pid])));
    let fds = v[0]["fds"].as_array().unwrap();
    // What manyfds counted (0, 1, 2 and its own), plus what the test runner left open.
    assert!(fds.len() >= count, "{} rows for {count} fds", fds.len());
    let ksec: BTreeSet<(String, String, String)> = fds.iter().map(ksec_as_lsof).collect();
    assert_eq!(ksec.len(), fds.len(), "one triple per fd");
    // lsof -F's T field comes several times (ST=, QR=, QS=): keep the ST= one.
    let files: Vec<BTreeMap<char, String>> = {
        let out = run(Command::new("lsof").args(["-n", "-P", "-w", "-F", "ftinPT", "-p", &pid]));
        let mut files: Vec<BTreeMap<char, String>> = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let (tag, rest) = line.split_at(1);
            match tag {
                "f" => files.push(BTreeMap::from([('f', rest.to_string())])),
                "T" if !rest.starts_with("ST=") => {}
                _ => {
                    if let Some(m) = files.last_mut() {
                        m.insert(tag.chars().next().unwrap(), rest.to_string());
                    }
                }
            }
        }
        files
    };
    // By design: lsof's cwd and rtd rows are not fds (`ksec fds --file` shows them); its txt
    // and mem rows are ksec's mem rows.
    let not_fds = ["cwd", "rtd", "txt", "mem", "DEL"];
    let lsof: BTreeSet<(String, String, String)> = files
        .iter()
        .filter(|f| !not_fds.contains(&f[&'f'].as_str()))
        .map(lsof_triple)
        .collect();
    let only_ksec: Vec<_> = ksec.difference(&lsof).take(5).collect();
    let only_lsof: Vec<_> = lsof.difference(&ksec).take(5).collect();
    assert!(
        only_ksec.is_empty() && only_lsof.is_empty(),
        "ksec {} fds, lsof {}; only ksec: {only_ksec:?}; only lsof: {only_lsof:?}",
        ksec.len(),
        lsof.len()
    );
    assert!(
        fds.iter().any(|r| r["fd"].as_i64() >= Some(10_000)),
        "some fds are 10000 or more (lsof's *NNN)"
    );
    let lsof_mem: BTreeSet<&str> = files
        .iter()
        .filter(|f| ["txt", "mem"].contains(&f[&'f'].as_str()))
        .map(|f| f[&'n'].as_str())
        .collect();
    let ksec_mem: BTreeSet<&str> = v[0]["mem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap())
        .collect();
    assert_eq!(ksec_mem, lsof_mem, "ksec's mem rows are lsof's txt and mem");
    // By design: lsof names 32 of an epoll fd's watched fds (the first 32 fdinfo lists, in
    // the kernel's order, then sorted) and `...`; ksec all 100, sorted.
    let epoll: Vec<i64> = fds
        .iter()
        .find(|r| r.get("epoll").is_some())
        .map(|r| {
            r["epoll"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_i64().unwrap())
                .collect()
        })
        .expect("an epoll row");
    assert_eq!(epoll.len(), 100);
    assert!(epoll.windows(2).all(|w| w[0] < w[1]), "{epoll:?}");
    let lsof_epoll = files
        .iter()
        .find_map(|f| f.get(&'n').filter(|n| n.starts_with("[eventpoll:")))
        .expect("lsof's eventpoll row");
    let named: Vec<i64> = lsof_epoll
        .strip_prefix("[eventpoll:")
        .and_then(|n| n.strip_suffix("...]"))
        .unwrap_or_else(|| panic!("lsof cuts the list: {lsof_epoll}"))
        .split(',')
        .map(|fd| fd.parse().unwrap())
        .collect();
    assert_eq!(named.len(), 32, "{lsof_epoll}");
    assert!(
        named.iter().all(|fd| epoll.binary_search(fd).is_ok()),
        "lsof's {named:?} are among ksec's {epoll:?}"
    );
}

#[test]
fn fds_file_and_dir_pids_equal_lsofs_and_fusers() {
    require!(
        ["lsof", "fuser", "python3", "sleep"]
            .iter()
            .all(|t| util::which(t).is_some()),
        "lsof, fuser (psmisc), python3 or sleep is not installed"
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("held.bin");
    std::fs::write(&f, vec![0u8; 65536]).unwrap();
    let tree = dir.path().join("tree");
    for d in 0..5 {
        std::fs::create_dir_all(tree.join(format!("d{d}"))).unwrap();
        for i in 0..40 {
            std::fs::write(tree.join(format!("d{d}/f{i}")), b"x").unwrap();
        }
    }
    let sleep = |stdin: Stdio, cwd: &Path| {
        Reaped::spawn(
            Command::new("sleep")
                .arg("600")
                .current_dir(cwd)
                .stdin(stdin)
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
    };
    let open = |p: &Path| Stdio::from(std::fs::File::open(p).unwrap());
    let mut procs = Vec::new();
    let mut want_f = BTreeSet::new();
    let mut want_d = BTreeSet::new();
    for i in 0..12 {
        let s = match i {
            0..=3 => sleep(open(&f), dir.path()),
            4..=6 => sleep(
                open(&tree.join(format!("d{}/f{}", i - 4, i * 3))),
                dir.path(),
            ),
            7 => sleep(Stdio::null(), &tree.join("d2")),
            _ => sleep(Stdio::null(), dir.path()),
        };
        if i <= 3 {
            want_f.insert(s.pid_s());
        }
        if (4..=7).contains(&i) {
            want_d.insert(s.pid_s());
        }
        procs.push(s);
    }
    for _ in 0..2 {
        let mut m = Reaped::spawn(
            Command::new("python3")
                .args([
                    "-c",
                    "import mmap, sys, time\n\
                     f = open(sys.argv[1], 'rb')\n\
                     m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)\n\
                     f.close()\n\
                     print('ok', flush=True)\n\
                     time.sleep(600)",
                ])
                .arg(&f)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped()),
        );
        assert_eq!(m.read_line(), "ok\n");
        want_f.insert(m.pid_s());
        procs.push(m);
    }
    let f_s = f.to_str().unwrap();
    let tree_s = tree.to_str().unwrap();
    let ksec_pids = |args: &[&str]| -> BTreeSet<String> {
        let v = json_ok(&run(ksec(
            &[&["fds", "--file"], args, &["--json"]].concat(),
        )));
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["pid"].to_string())
            .collect()
    };
    let lsof_pids = |args: &[&str]| -> BTreeSet<String> {
        let out = run(Command::new("lsof")
            .args(["-n", "-P", "-w", "-F", "p"])
            .args(args));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix('p').map(str::to_string))
            .collect()
    };
    // fuser prints the pids on stdout (the path and access letters on stderr).
    let out = run(Command::new("fuser").arg(f_s));
    let fuser: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let k = ksec_pids(&[f_s]);
    assert_eq!(k, want_f, "ksec fds --file: the fds and the mappings");
    assert_eq!(lsof_pids(&[f_s]), k, "lsof F");
    assert_eq!(fuser, k, "fuser F");
    let k = ksec_pids(&[tree_s, "--dir"]);
    assert_eq!(
        k, want_d,
        "ksec fds --file --dir: fds below it and a cwd in it"
    );
    assert_eq!(lsof_pids(&["+D", tree_s]), k, "lsof +D");
}
