//! `ksec watch` end to end: the real binary watching the node (eBPF, and the proc connector +
//! fanotify fallback) while real programs and real podman containers do what each default rule
//! is about, and a look-alike that must not fire; Falco's own rules files; reload on SIGHUP.
//!
//! The watch is node-wide and other tests run meanwhile, so every assertion picks its alerts by
//! a tag unique to the test (in a path or an argument). An absence is checked only after a later
//! positive event (a sentinel) has been seen, so the look-alike's events were processed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::util::{self, ksec, podman, run, text, Reaped};

/// Why these tests cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    if !util::is_root() {
        return Some("ksec watch needs root (eBPF, the proc connector, fanotify)".into());
    }
    None
}

macro_rules! require_root {
    () => {
        if let Some(why) = unavailable() {
            util::skipped(why);
            return;
        }
    };
}

fn tag(what: &str) -> String {
    format!(
        "ksecw-{what}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// A running `ksec watch --json -o FILE`, stopped with SIGINT when dropped.
pub(crate) struct Watch {
    proc: Option<Reaped>,
    alerts: PathBuf,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
}

impl Watch {
    pub(crate) fn start(args: &[&str]) -> Watch {
        let dir = tempfile::tempdir().unwrap();
        let alerts = dir.path().join("alerts.jsonl");
        let stderr = dir.path().join("stderr.txt");
        let mut cmd = ksec(&["watch", "--json", "-o"]);
        cmd.arg(&alerts)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap());
        let proc = Reaped::spawn(&mut cmd);
        let mut w = Watch {
            proc: Some(proc),
            alerts,
            stderr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !w.stderr_text().contains("rules loaded") {
            if let Some(status) = w.proc.as_mut().unwrap().try_wait() {
                panic!("ksec watch {args:?} ended ({status}): {}", w.stderr_text());
            }
            assert!(
                Instant::now() < deadline,
                "ksec watch did not say it was ready: {}",
                w.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        w
    }

    pub(crate) fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub(crate) fn alerts(&self) -> Vec<Json> {
        std::fs::read_to_string(&self.alerts)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// Alerts of `rule` whose output contains `needle`, waiting up to 20 s for at least one.
    fn wait_for(&self, rule: &str, needle: &str) -> Vec<Json> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.matching(rule, needle);
            if !found.is_empty() {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {rule:?} alert with {needle:?} within 20 s; alerts: {:#?}\nstderr: {}",
                self.alerts()
                    .iter()
                    .map(|a| a["output"].to_string())
                    .collect::<Vec<_>>(),
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn matching(&self, rule: &str, needle: &str) -> Vec<Json> {
        self.alerts()
            .into_iter()
            .filter(|a| a["rule"] == rule && a["output"].as_str().unwrap_or("").contains(needle))
            .collect()
    }

    fn pid(&self) -> i32 {
        self.proc.as_ref().unwrap().pid()
    }

    /// SIGINT, and the exit status and stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let mut p = self.proc.take().unwrap();
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(p.pid()),
            nix::sys::signal::Signal::SIGINT,
        );
        let status = p.wait_timeout(30);
        (status, self.stderr_text())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }
}

fn sh(script: &str) -> std::process::Output {
    run(Command::new("/bin/sh").arg("-c").arg(script))
}

/// A symlink named `name` to `target` in `dir`.
fn alias(dir: &Path, name: &str, target: &str) -> PathBuf {
    let p = dir.join(name);
    std::os::unix::fs::symlink(target, &p).unwrap();
    p
}

#[test]
fn print_default_rules_and_validate_them() {
    let out = run(ksec(&["watch", "--print-default-rules"]));
    assert!(out.status.success());
    let rules = text(&out).0;
    assert!(rules.contains("- rule: Shell in container"));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rules.yaml");
    std::fs::write(&f, &rules).unwrap();
    let out = run(ksec(&["watch", "--validate", "-r", f.to_str().unwrap()]));
    assert!(out.status.success(), "{:?}", text(&out));
    let out = run(ksec(&["watch", "--list-rules"]));
    assert!(out.status.success(), "{:?}", text(&out));
    let listed = text(&out).0;
    for rule in [
        "Shell in container",
        "Terminal shell in container",
        "Write below etc",
        "Read sensitive file untrusted",
        "Package management process launched in container",
        "Drop and execute new binary in container",
        "PTRACE attached to process",
        "Netcat remote code execution",
        "Shell connected to the network",
    ] {
        assert!(listed.contains(rule), "{rule} not in {listed}");
    }
}

#[test]
fn validate_reports_file_line_and_item() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    std::fs::write(
        &f,
        "- rule: fine\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: INFO\n\
         - rule: broken\n  desc: d\n  condition: evt.type = open and (\n  output: o\n  priority: INFO\n",
    )
    .unwrap();
    let out = run(ksec(&["watch", "--validate", "-r", f.to_str().unwrap()]));
    let (stdout, _) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("broken"), "{stdout}");
    assert!(stdout.contains(&format!("{}:6", f.display())), "{stdout}");
}

#[test]
fn falco_rules_file_validates() {
    let falco = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/falco/falco_rules.yaml"
    );
    if !Path::new(falco).exists() {
        util::skipped("../shared/data/falco/falco_rules.yaml is not there");
        return;
    }
    let out = run(ksec(&["watch", "--validate", "-r", falco]));
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
}

#[test]
fn min_priority_is_checked() {
    let out = run(ksec(&["watch", "--min-priority", "loud"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--min-priority"), "{:?}", text(&out));
}

#[test]
fn host_rules_fire_and_look_alikes_do_not() {
    require_root!();
    let w = Watch::start(&[]);
    let dir = tempfile::tempdir().unwrap();

    // A write below /etc fires; reading the same file does not.
    let t = tag("etc");
    let etc = format!("/etc/{t}");
    sh(&format!(
        "cat {etc} 2>/dev/null; echo x > {etc}; cat {etc} > /dev/null"
    ));
    let _ = std::fs::remove_file(&etc);
    let writes = w.wait_for("Write below etc", &etc);
    assert_eq!(
        writes.len(),
        1,
        "one write, the reads do not fire: {writes:#?}"
    );
    let a = &writes[0];
    assert_eq!(a["priority"], "Error");
    assert_eq!(a["output_fields"]["fd.name"], etc);
    assert_eq!(a["output_fields"]["container.id"], "host");
    assert_eq!(a["output_fields"]["user.name"], "root");
    assert!(a["output_fields"]["evt.arg.flags"]
        .as_str()
        .unwrap()
        .contains("O_WRONLY"));

    // /etc/shadow read by cat fires; by a program named sshd (trusted) it does not.
    let sshd = dir.path().join("sshd");
    std::fs::copy("/bin/cat", &sshd).unwrap();
    let (t1, t2) = (tag("shadow-sshd"), tag("shadow-cat"));
    run(Command::new(&sshd).args(["/etc/shadow", &format!("/nonexistent/{t1}")]));
    run(Command::new("cat").args(["/etc/shadow", &format!("/nonexistent/{t2}")]));
    let reads = w.wait_for("Read sensitive file untrusted", &t2);
    assert_eq!(reads[0]["output_fields"]["proc.name"], "cat");
    assert_eq!(reads[0]["output_fields"]["fd.name"], "/etc/shadow");
    assert!(w.matching("Read sensitive file untrusted", &t1).is_empty());

    // netcat with -e fires; a port scan with -z does not.
    let nc = alias(dir.path(), "nc", "/bin/true");
    let (t1, t2) = (tag("nc-z"), tag("nc-e"));
    run(Command::new(&nc).args(["-z", "127.0.0.1", &t1]));
    run(Command::new(&nc).args(["-e", "/bin/sh", "127.0.0.1", &t2]));
    let nca = w.wait_for("Netcat remote code execution", &t2);
    assert_eq!(nca[0]["priority"], "Warning");
    assert!(w.matching("Netcat remote code execution", &t1).is_empty());

    // A shell's own connection (bash's /dev/tcp) fires; python's does not.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    run(Command::new("python3").args([
        "-c",
        &format!("import socket; socket.create_connection(('127.0.0.1', {port})).close()"),
    ]));
    run(Command::new("bash").args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}")]));
    let conns = w.wait_for("Shell connected to the network", &format!(":{port}"));
    assert_eq!(conns.len(), 1, "{conns:#?}");
    assert_eq!(conns[0]["output_fields"]["proc.name"], "bash");
    assert_eq!(
        conns[0]["output_fields"]["fd.name"]
            .as_str()
            .unwrap()
            .split("->")
            .nth(1),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    drop(listener);

    // A ptrace attach fires once; a second attach to the same (already traced) process
    // fails and does not.
    if util::which("strace").is_some() {
        let mut sleeper = Reaped::spawn(Command::new("sleep").arg("60"));
        let pid = sleeper.pid_s();
        let mut first = Reaped::spawn(
            Command::new("strace")
                .args(["-o", "/dev/null", "-p", &pid])
                .stderr(Stdio::null()),
        );
        let a = w.wait_for("PTRACE attached to process", &format!("target_pid={pid}"));
        let second = run(Command::new("strace").args(["-o", "/dev/null", "-p", &pid]));
        assert!(!second.status.success(), "the second attach must fail");
        // The sentinel: another process's attach, after the failed one.
        let mut other = Reaped::spawn(Command::new("sleep").arg("60"));
        let opid = other.pid_s();
        let mut third = Reaped::spawn(
            Command::new("strace")
                .args(["-o", "/dev/null", "-p", &opid])
                .stderr(Stdio::null()),
        );
        w.wait_for("PTRACE attached to process", &format!("target_pid={opid}"));
        assert_eq!(
            w.matching("PTRACE attached to process", &format!("target_pid={pid} "))
                .len()
                + w.matching("PTRACE attached to process", &format!("target_pid={pid})"))
                    .len(),
            a.len(),
            "the failed attach fired"
        );
        for p in [&mut first, &mut third, &mut sleeper, &mut other] {
            p.kill();
        }
    } else {
        util::skipped_in_part("strace is not installed: no ptrace case");
    }

    // No shell on the host is a "shell in container".
    assert!(w
        .alerts()
        .iter()
        .filter(|a| a["rule"] == "Shell in container")
        .all(|a| a["output_fields"]["container.id"] != "host"));
    let (status, stderr) = w.stop();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("alerts"), "{stderr}");
}

#[test]
fn container_rules_fire_with_the_container_named() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    let w = Watch::start(&[]);
    let c = podman::Container::run(&tag("c"), &["/bin/sleep", "600"]);
    let short = &c.id[..12];

    // A shell in the container: the rule names the container and the user.
    let t = tag("sh");
    let out = c.exec(&["/bin/sh", "-c", &format!("echo {t}")]);
    assert!(out.status.success(), "{:?}", text(&out));
    let shells = w.wait_for("Shell in container", &t);
    let f = &shells[0]["output_fields"];
    assert_eq!(f["container.id"], short);
    assert_eq!(f["container.name"], c.name);
    assert_eq!(f["container.image.repository"], "localhost/ksec-test-bb");
    assert_eq!(f["user.name"], "root");
    // Without a terminal it is not the terminal rule.
    assert!(w.matching("Terminal shell in container", &t).is_empty());

    // With a terminal (podman exec -it under script(1)), the terminal rule fires too.
    let t = tag("tty");
    exec_it(&c, &t);
    let tty = w.wait_for("Terminal shell in container", &t);
    assert_ne!(tty[0]["output_fields"]["proc.tty"], 0);

    // A write below /etc inside the container shows the container's path.
    let t = tag("cetc");
    c.exec(&["/bin/sh", "-c", &format!("echo x > /etc/{t}")]);
    let w1 = w.wait_for("Write below etc", &t);
    assert_eq!(w1[0]["output_fields"]["fd.name"], format!("/etc/{t}"));
    assert_eq!(w1[0]["output_fields"]["container.id"], short);

    // A binary copied in and run is not in the image; the image's own busybox is.
    let (t1, t2) = (tag("image-bb"), tag("dropped-bb"));
    c.exec(&["/bin/busybox", "echo", &t1]);
    c.exec(&[
        "/bin/sh",
        "-c",
        &format!("cp /bin/busybox /tmp/bb && /tmp/bb echo {t2}"),
    ]);
    let drops = w.wait_for("Drop and execute new binary in container", &t2);
    assert_eq!(drops[0]["output_fields"]["proc.exepath"], "/tmp/bb");
    assert!(w
        .matching("Drop and execute new binary in container", &t1)
        .is_empty());

    // A package manager in the container fires; the same name on the host does not.
    let dir = tempfile::tempdir().unwrap();
    let apk = alias(dir.path(), "apk", "/bin/true");
    let (t1, t2) = (tag("host-apk"), tag("ctr-apk"));
    run(Command::new(&apk).arg(&t1));
    c.exec(&[
        "/bin/sh",
        "-c",
        &format!("ln -sf /bin/busybox /tmp/apk; /tmp/apk {t2}; true"),
    ]);
    w.wait_for("Package management process launched in container", &t2);
    assert!(w
        .matching("Package management process launched in container", &t1)
        .is_empty());
    let (status, stderr) = w.stop();
    assert!(status.success(), "{stderr}");
}

/// `podman exec -it` of a shell that echoes `word`, with a terminal (under script(1)).
fn exec_it(c: &podman::Container, word: &str) {
    let cmd = format!(
        "{} exec -it {} /bin/sh -c 'echo {word}'",
        podman_cmdline(),
        c.name
    );
    let out = run(Command::new("script").args(["-qec", &cmd, "/dev/null"]));
    assert!(out.status.success(), "{:?}", text(&out));
}

/// The podman command line tests use, for a shell (script -c).
fn podman_cmdline() -> String {
    let cmd = podman::podman(&[]);
    let mut s = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            s += &format!("{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    s += &cmd.get_program().to_string_lossy();
    for a in cmd.get_args() {
        s += &format!(" {}", a.to_string_lossy());
    }
    s
}

#[test]
fn the_study_texts_rule_fires_on_a_shell_in_a_container() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "- list: linux_shells\n  items: [bash, zsh, ksh, sh, csh]\n\
         - macro: container\n  condition: container.id != host\n\
         - macro: spawned_process\n  condition: evt.type = execve and evt.dir=<\n\
         - rule: shell_in_container\n  desc: notice shell activity within a container\n\
         \x20 condition: spawned_process and container and proc.name in (linux_shells)\n\
         \x20 output: Bash opened (user=%user.name container=%container.id)\n\
         \x20 priority: WARNING\n",
    )
    .unwrap();
    let w = Watch::start(&["-r", rules.to_str().unwrap()]);
    let c = podman::Container::run(&tag("study"), &["/bin/sleep", "600"]);
    c.exec(&["/bin/sh", "-c", "true"]);
    let want = format!("Bash opened (user=root container={})", &c.id[..12]);
    let a = w.wait_for("shell_in_container", &want);
    assert_eq!(a[0]["priority"], "Warning");
    assert!(a[0]["output"]
        .as_str()
        .unwrap()
        .ends_with(&format!(": Warning {want}")));
    // A shell on the host does not fire.
    sh("true");
    assert!(w
        .alerts()
        .iter()
        .all(|a| !a["output"].as_str().unwrap().contains("container=host")));
}

#[test]
fn sighup_reloads_and_bad_rules_keep_the_old_ones() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    let pidfile = dir.path().join("ksec.pid");
    let rule = |name: &str, word: &str| {
        format!(
            "- rule: {name}\n  desc: d\n  condition: evt.type in (execve, execveat) and proc.args contains {word}\n  output: \"{name} saw %proc.cmdline\"\n  priority: NOTICE\n"
        )
    };
    let (a, b) = (tag("a"), tag("b"));
    std::fs::write(&rules, rule("first", &a)).unwrap();
    let w = Watch::start(&[
        "-r",
        rules.to_str().unwrap(),
        "--pidfile",
        pidfile.to_str().unwrap(),
    ]);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, w.pid());
    run(Command::new("/bin/true").arg(&a));
    w.wait_for("first", &a);

    std::fs::write(&rules, rule("second", &b)).unwrap();
    sh(&format!("kill -1 $(cat {})", pidfile.display()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !w.stderr_text().contains("rules reloaded") {
        assert!(Instant::now() < deadline, "{}", w.stderr_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    run(Command::new("/bin/true").arg(format!("{a}-{b}")));
    w.wait_for("second", &b);
    assert_eq!(
        w.matching("first", &format!("{a}-{b}")).len(),
        0,
        "the old rule is gone"
    );

    std::fs::write(&rules, "- rule: broken\n  condition: (\n").unwrap();
    sh(&format!("kill -HUP {pid}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !w.stderr_text().contains("previous rules stay active") {
        assert!(Instant::now() < deadline, "{}", w.stderr_text());
        std::thread::sleep(Duration::from_millis(50));
    }
    let c = tag("c");
    run(Command::new("/bin/true").arg(format!("{b}-{c}")));
    w.wait_for("second", &c);
    let (status, _) = w.stop();
    assert!(status.success());
    assert!(!pidfile.exists(), "the pid file is removed at exit");
}

#[test]
fn fallback_source_fires_exec_and_write_rules() {
    require_root!();
    let w = Watch::start(&["--source", "fallback"]);
    assert!(
        w.stderr_text().contains("proc connector"),
        "{}",
        w.stderr_text()
    );
    let t = tag("fb-etc");
    let etc = format!("/etc/{t}");
    sh(&format!("echo x > {etc}"));
    let _ = std::fs::remove_file(&etc);
    let a = w.wait_for("Write below etc", &etc);
    assert_eq!(a[0]["output_fields"]["fd.name"], etc);
    let (status, stderr) = w.stop();
    assert!(status.success(), "{stderr}");
}

#[test]
fn falcos_own_terminal_shell_rule_fires_on_podman_exec_it() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    let falco = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/falco/falco_rules.yaml"
    );
    let w = Watch::start(&["-r", falco]);
    assert!(
        w.stderr_text().contains("25 rules loaded"),
        "{}",
        w.stderr_text()
    );
    let c = podman::Container::run(&tag("falco"), &["/bin/sleep", "600"]);
    let t = tag("falco-tty");
    exec_it(&c, &t);
    let a = w.wait_for("Terminal shell in container", &t);
    let f = &a[0]["output_fields"];
    assert_eq!(a[0]["priority"], "Notice");
    assert_eq!(f["user.name"], "root");
    assert_eq!(f["user.uid"], 0);
    assert_eq!(f["proc.name"], "sh");
    // Falco's output names no container field (Falco appends them by configuration).
    assert_ne!(f["proc.tty"], 0);
    // Without a terminal, Falco's rule stays quiet.
    let t2 = tag("falco-notty");
    c.exec(&["/bin/sh", "-c", &format!("echo {t2}")]);
    let t3 = tag("falco-sentinel");
    exec_it(&c, &t3);
    w.wait_for("Terminal shell in container", &t3);
    assert!(w.matching("Terminal shell in container", &t2).is_empty());
}

/// `ksec watch --syslog --syslog-socket SOCK` with one rule, `name` at `priority`, on an exec
/// whose arguments hold a fresh tag; runs `/bin/true TAG` and returns the watch and the tag.
fn syslog_watch(dir: &Path, name: &str, priority: &str, sock: &Path) -> (Watch, String) {
    let rules = dir.join("rules.yaml");
    let t = tag("syslog");
    std::fs::write(
        &rules,
        format!(
            "- rule: {name}\n  desc: d\n  condition: evt.type = execve and proc.args contains {t}\n  output: \"seen %proc.cmdline\"\n  priority: {priority}\n"
        ),
    )
    .unwrap();
    let w = Watch::start(&[
        "-r",
        rules.to_str().unwrap(),
        "--syslog",
        "--syslog-socket",
        sock.to_str().unwrap(),
    ]);
    run(Command::new("/bin/true").arg(&t));
    (w, t)
}

#[test]
fn syslog_gets_each_alert_as_a_datagram() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let sock_path = dir.path().join("log");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let (w, t) = syslog_watch(dir.path(), "syslog test", "ERROR", &sock_path);
    let mut buf = vec![0u8; 65536];
    let n = sock.recv(&mut buf).expect("a syslog datagram within 20 s");
    let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
    // user facility (1) * 8 + err (3); the alert as JSON (the watch runs with --json).
    let prefix = format!("<11>ksec[{}]: ", w.pid());
    assert!(msg.starts_with(&prefix), "{msg}");
    let j: Json = serde_json::from_str(&msg[prefix.len()..]).unwrap();
    assert_eq!(j["rule"], "syslog test");
    assert!(
        j["output"]
            .as_str()
            .unwrap()
            .ends_with(&format!("Error seen true {t}")),
        "{msg}"
    );
    // -o was given too (Watch always passes it): the file has the alert as well.
    w.wait_for("syslog test", &t);
}

/// Falco's rules files, from ../shared.
fn falco_file(name: &str) -> String {
    format!("{}/../shared/data/falco/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn falcos_trusted_after_startup_rule_waits_out_a_new_process() {
    require_root!();
    let w = Watch::start(&["-r", &falco_file("falco_rules.yaml")]);
    let dir = tempfile::tempdir().unwrap();
    // A program named nginx (a server_procs name) opening /etc/shadow itself.
    let nginx = alias(dir.path(), "nginx", "/bin/sh");
    let rule = "Read sensitive file trusted after startup";
    // Read at once: the process is new (proc.duration <= 5 s), the rule stays quiet.
    let young = tag("young");
    let out = run(Command::new(&nginx).args(["-c", &format!("exec 3</etc/shadow; : {young}")]));
    assert!(out.status.success(), "{:?}", text(&out));
    // Read after 5.5 s: the same rule fires.
    let old = tag("old");
    let out =
        run(Command::new(&nginx).args(["-c", &format!("sleep 5.5; exec 3</etc/shadow; : {old}")]));
    assert!(out.status.success(), "{:?}", text(&out));
    let a = w.wait_for(rule, &old);
    let f = &a[0]["output_fields"];
    assert_eq!(f["fd.name"], "/etc/shadow");
    assert_eq!(f["proc.name"], "nginx");
    assert!(w.matching(rule, &young).is_empty(), "{:?}", w.alerts());
}

#[test]
fn falcos_drop_and_execute_rule_names_the_executables_inode_times() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    let w = Watch::start(&["-r", &falco_file("falco_rules.yaml")]);
    let rule = "Drop and execute new binary in container";
    let c = podman::Container::run(&tag("drop"), &["/bin/sleep", "600"]);
    // The image's own busybox: not in the upper layer.
    let t1 = tag("image-bin");
    let out = c.exec(&["/bin/busybox", "echo", &t1]);
    assert!(out.status.success(), "{:?}", text(&out));
    // A copy written now, then run.
    let t2 = tag("dropped");
    let before = util::now_ns();
    let script = format!(
        "/bin/busybox mkdir /tmp/{t2} && /bin/busybox cp /bin/busybox /tmp/{t2}/echo && /tmp/{t2}/echo hi; true"
    );
    let out = c.exec(&["/bin/sh", "-c", &script]);
    assert!(out.status.success(), "{:?}", text(&out));
    let a = w.wait_for(rule, &t2);
    let f = &a[0]["output_fields"];
    assert_eq!(f["proc.exepath"], format!("/tmp/{t2}/echo"));
    // Read in the kernel at the exec, though the process is gone before its event is read.
    assert_eq!(f["proc.cwd"], "/");
    let n = |k: &str| {
        f[k].as_u64()
            .unwrap_or_else(|| panic!("{k} is not a number: {f}"))
    };
    let ctime = n("proc.exe_ino.ctime");
    assert!(
        ctime >= before - 1_000_000_000 && ctime <= util::now_ns(),
        "ctime {ctime}, copied after {before}"
    );
    assert_eq!(n("proc.exe_ino.mtime"), ctime, "cp wrote it once");
    // The copy was changed, then a process (the shell's child) started to run it: a
    // positive gap, under the time this test took.
    let gap = n("proc.exe_ino.ctime_duration_proc_start");
    assert!(gap > 0 && gap < util::now_ns() - before, "{gap}");
    assert!(w.matching(rule, &t1).is_empty(), "{:?}", w.alerts());
}

#[test]
fn falcos_interactive_recon_rule_fires_on_a_typed_command_not_a_scripted_one() {
    require_root!();
    let w = Watch::start(&[
        "-r",
        &falco_file("falco_rules.yaml"),
        "-r",
        &falco_file("falco-sandbox_rules.yaml"),
    ]);
    let rule = "Basic Interactive Reconnaissance";
    // On a terminal, run by a script: `id` is in the shell's process group.
    let scripted = tag("scripted");
    let out = run(Command::new("script").env("SHELL", "/bin/sh").args([
        "-qec",
        &format!("id {scripted}; true"),
        "/dev/null",
    ]));
    // id ran (and named the unknown user, on the terminal).
    let ran = |out: &std::process::Output, t: &str| {
        let (o, e) = text(out);
        assert!(o.contains(t) && e.is_empty(), "{:?}", text(out));
    };
    ran(&out, &scripted);
    // Typed (the shell's own process runs it): it leads its group.
    let typed = tag("typed");
    let out = run(Command::new("script").env("SHELL", "/bin/sh").args([
        "-qec",
        &format!("exec id {typed}"),
        "/dev/null",
    ]));
    ran(&out, &typed);
    let a = w.wait_for(rule, &typed);
    let f = &a[0]["output_fields"];
    assert_eq!(f["proc.name"], "id");
    assert_ne!(f["proc.tty"], 0);
    assert!(w.matching(rule, &scripted).is_empty(), "{:?}", w.alerts());
}

#[test]
fn falcos_sensitive_mount_rule_lists_the_containers_mounts() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    let w = Watch::start(&[
        "-r",
        &falco_file("falco_rules.yaml"),
        "-r",
        &falco_file("falco-sandbox_rules.yaml"),
    ]);
    let rule = "Launch Sensitive Mount Container";
    let plain = tag("plain");
    let _p = podman::Container::run(&plain, &["/bin/sh", "-c", &format!("sleep 600; : {plain}")]);
    let mounted = tag("mounted");
    let _m = podman::Container::run_with(
        &mounted,
        &["-v", "/proc:/host/proc:ro"],
        &["/bin/sh", "-c", &format!("sleep 600; : {mounted}")],
    );
    let a = w.wait_for(rule, &mounted);
    let f = &a[0]["output_fields"];
    let mounts = f["container.mounts"].as_str().expect("container.mounts");
    assert!(
        mounts
            .split(' ')
            .any(|m| m.starts_with("/proc:/host/proc::false:")),
        "{mounts}"
    );
    assert!(w.matching(rule, &plain).is_empty(), "{:?}", w.alerts());
}

/// A connect from a short Python program to `addr`, tagged with `t` in its arguments.
fn connect_to(addr: &str, port: u16, t: &str) {
    let code = format!(
        "import socket\ns = socket.socket()\ns.settimeout(0.5)\ntry:\n    s.connect(('{addr}', {port}))\nexcept OSError:\n    pass\n"
    );
    let out = run(Command::new("python3").args(["-c", &code, t]));
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn fd_sip_name_is_the_rules_host_name_of_the_address() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("names.yaml");
    std::fs::write(
        &rules,
        r#"
- rule: Connect to localhost by name
  desc: fd.sip.name with = and in
  condition: evt.type=connect and fd.sip.name=localhost and fd.sip.name in (localhost, ksec-no-such-host.invalid) and proc.cmdline contains ksecw-
  output: named (name=%fd.sip.name cmd=%proc.cmdline)
  priority: WARNING
- rule: Connect elsewhere
  desc: fd.sip.name with !=
  condition: evt.type=connect and fd.typechar=4 and fd.sip.name != localhost and proc.cmdline contains ksecw-
  output: other (name=%fd.sip.name sip=%fd.sip cmd=%proc.cmdline)
  priority: WARNING
"#,
    )
    .unwrap();
    let w = Watch::start(&["-r", rules.to_str().unwrap()]);
    // Both names were answered before the watch said it was ready.
    assert!(
        !w.stderr_text().contains("still resolving"),
        "{}",
        w.stderr_text()
    );
    let near = tag("near");
    connect_to("127.0.0.1", 9, &near);
    let far = tag("far");
    connect_to("192.0.2.1", 9, &far);
    let a = w.wait_for("Connect to localhost by name", &near);
    assert_eq!(a[0]["output_fields"]["fd.sip.name"], "localhost");
    let b = w.wait_for("Connect elsewhere", &far);
    assert_eq!(b[0]["output_fields"]["fd.sip.name"], "");
    assert_eq!(b[0]["output_fields"]["fd.sip"], "192.0.2.1");
    assert!(w.matching("Connect elsewhere", &near).is_empty());
    assert!(w.matching("Connect to localhost by name", &far).is_empty());
}

#[test]
fn falcos_k8s_api_server_rule_fires_on_a_container_connecting_to_the_named_server() {
    require_root!();
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return;
    }
    // Falco's rule, with the API server's name made one this node resolves (/etc/hosts).
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("falco_rules.local.yaml");
    std::fs::write(
        &local,
        "- macro: k8s_api_server\n  condition: (fd.sip.name=\"localhost\")\n  override:\n    condition: replace\n",
    )
    .unwrap();
    let w = Watch::start(&[
        "-r",
        &falco_file("falco_rules.yaml"),
        "-r",
        local.to_str().unwrap(),
    ]);
    let rule = "Contact K8S API Server From Container";
    let c = podman::Container::run(&tag("apiserver"), &["/bin/sleep", "600"]);
    // Another server first (the look-alike), then the named one.
    // nc fails (nothing listens, or no route): only its connect matters.
    c.exec(&["/bin/busybox", "nc", "-w", "1", "192.0.2.1", "6443"]);
    c.exec(&["/bin/busybox", "nc", "-w", "1", "127.0.0.1", "6443"]);
    let a = w.wait_for(rule, "127.0.0.1:6443");
    let f = &a[0]["output_fields"];
    assert_eq!(f["fd.rport"], 6443);
    assert_eq!(f["proc.name"], "busybox");
    assert_eq!(f["proc.cmdline"], "busybox nc -w 1 127.0.0.1 6443");
    assert!(w.matching(rule, "192.0.2.1").is_empty(), "{:?}", w.alerts());
}

#[test]
fn a_real_syslog_daemon_files_each_alert_under_ksec_with_its_priority() {
    require_root!();
    let Some(rsyslogd) = util::which("rsyslogd").or_else(|| {
        let p = PathBuf::from("/usr/sbin/rsyslogd");
        p.exists().then_some(p)
    }) else {
        util::skipped("rsyslogd is not installed (Debian: rsyslog)");
        return;
    };
    // rsyslogd of its own, on a socket and a file of the test's, writing facility.severity,
    // program[pid] and the message (what `tail -f /var/log/syslog | grep ksec` shows).
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("log");
    let messages = dir.path().join("messages");
    let conf = dir.path().join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            "module(load=\"imuxsock\" SysSock.Use=\"off\")\n\
             input(type=\"imuxsock\" Socket=\"{}\")\n\
             template(name=\"t\" type=\"string\" string=\"%syslogfacility-text%.%syslogseverity-text% %programname%[%procid%]: %msg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{}\" template=\"t\")\n",
            sock.display(),
            messages.display()
        ),
    )
    .unwrap();
    let mut daemon = Reaped::spawn(
        Command::new(&rsyslogd)
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.path().join("pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sock.exists() {
        assert!(daemon.try_wait().is_none(), "rsyslogd ended");
        assert!(Instant::now() < deadline, "rsyslogd made no socket");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (w, t) = syslog_watch(dir.path(), "rsyslog test", "WARNING", &sock);
    let prefix = format!("user.warning ksec[{}]: ", w.pid());
    let line = loop {
        let text = std::fs::read_to_string(&messages).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains(&t)) {
            break l.to_string();
        }
        assert!(
            Instant::now() < deadline + Duration::from_secs(20),
            "no alert in rsyslog's file: {text:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(line.starts_with(&prefix), "{line}");
    // rsyslog keeps the message whole: the alert's JSON.
    let j: Json = serde_json::from_str(line[prefix.len()..].trim_start()).unwrap();
    assert_eq!(j["rule"], "rsyslog test");
    assert_eq!(j["priority"], "Warning");
    daemon.kill();
}

#[test]
fn falcos_unexpected_udp_traffic_rule_knows_a_udp_connect_from_a_tcp_one() {
    require_root!();
    let w = Watch::start(&[
        "-r",
        &falco_file("falco_rules.yaml"),
        "-r",
        &falco_file("falco-incubating_rules.yaml"),
    ]);
    let rule = "Unexpected UDP Traffic";
    // A connect of each kind, to a port no list expects (4444) and to DNS's (53). A UDP
    // connect sends nothing; the TCP one fails at once or times out: only the call matters.
    let run_py = |kind: &str, port: u16, t: &str| {
        let code = format!(
            "import socket\ns = socket.socket(socket.AF_INET, socket.{kind})\ns.settimeout(0.5)\ntry:\n    s.connect(('192.0.2.1', {port}))\nexcept OSError:\n    pass\n"
        );
        let out = run(Command::new("python3").args(["-c", &code, t]));
        assert!(out.status.success(), "{:?}", text(&out));
    };
    let (udp, dns, tcp) = (tag("udp"), tag("dns"), tag("tcp"));
    run_py("SOCK_DGRAM", 53, &dns);
    run_py("SOCK_STREAM", 4444, &tcp);
    run_py("SOCK_DGRAM", 4444, &udp);
    let a = w.wait_for(rule, &udp);
    let out = a[0]["output"].as_str().unwrap();
    assert!(out.contains("fd_proto=udp"), "{out}");
    assert!(out.contains("rport=4444"), "{out}");
    assert!(out.contains("evt_type=connect"), "{out}");
    assert!(w.matching(rule, &dns).is_empty(), "{:?}", w.alerts());
    assert!(w.matching(rule, &tcp).is_empty(), "{:?}", w.alerts());
}

#[test]
fn fields_of_arguments_groups_login_shell_and_home_on_a_real_exec() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("more.yaml");
    std::fs::write(
        &rules,
        "- rule: Exec with three args\n  desc: the fields\n  condition: evt.type=execve and proc.name=true and proc.cmdnargs=3 and proc.args contains ksecw- and thread.ismain=true and proc.is_pgid_leader=false\n  output: \"shell=%proc.loginshellid exeline=%proc.exeline len=%proc.cmdlenargs home=%user.homedir pgleader=%proc.pgid.name parent=%proc.acmdline[1] day=%evt.datetime.s\"\n  priority: WARNING\n",
    )
    .unwrap();
    let w = Watch::start(&["-r", rules.to_str().unwrap()]);
    let t = tag("args");
    let out = run(Command::new("/bin/sh").args(["-c", &format!("/bin/true a bb {t}; :")]));
    assert!(out.status.success());
    let a = w.wait_for("Exec with three args", &t);
    let o = a[0]["output"].as_str().unwrap();
    // The oldest of /bin/true's ancestors named *sh: the test's own, or the sh started here.
    let mut shell = None;
    let mut pid = std::process::id() as i32;
    while pid > 1 {
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
            break;
        };
        if comm.trim().ends_with("sh") {
            shell = Some(pid);
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        pid = stat[stat.rfind(')').unwrap() + 2..]
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
    }
    if let Some(s) = shell {
        assert!(o.contains(&format!("shell={s} ")), "{o}");
    } else {
        assert!(!o.contains("shell=<NA>"), "{o}");
    }
    assert!(o.contains(&format!("exeline=/bin/true a bb {t} ")), "{o}");
    assert!(o.contains(&format!("len={} ", 1 + 2 + t.len())), "{o}");
    let home = std::fs::read_to_string("/etc/passwd").unwrap();
    let home = home
        .lines()
        .find(|l| l.split(':').nth(2) == Some("0"))
        .unwrap()
        .split(':')
        .nth(5)
        .unwrap()
        .to_string();
    assert!(o.contains(&format!("home={home} ")), "{o}");
    assert!(
        o.contains(&format!("parent=sh -c /bin/true a bb {t}; : ")),
        "{o}"
    );
    assert!(!o.contains("pgleader=<NA>"), "{o}");
    assert!(
        regex::Regex::new(r"day=\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
            .unwrap()
            .is_match(o),
        "{o}"
    );
}

#[test]
fn a_shell_whose_stdin_is_a_tcp_socket_is_told_from_one_reading_a_pipe() {
    require_root!();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("revshell.yaml");
    std::fs::write(
        &rules,
        "- rule: Shell reading a socket\n  desc: proc.stdin.type at exec\n  condition: evt.type=execve and proc.name=sh and proc.cmdline contains ksecw- and proc.stdin.type in (ipv4, ipv6)\n  output: \"stdin=%proc.stdin.name type=%proc.stdin.type out=%proc.stdout.type threads=%proc.nthreads rss=%proc.vmrss fds=%proc.fdopencount limit=%proc.fdlimit cmd=%proc.cmdline\"\n  priority: WARNING\n",
    )
    .unwrap();
    let w = Watch::start(&["-r", rules.to_str().unwrap()]);
    let shell = |stdin: Stdio, t: &str| {
        Command::new("/bin/sh")
            .args(["-c", &format!("sleep 2; : {t}")])
            .stdin(stdin)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let name = format!("{}->{}", c.local_addr().unwrap(), c.peer_addr().unwrap());
    let (sock, piped) = (tag("socket"), tag("pipe"));
    let mut a = shell(Stdio::from(std::os::fd::OwnedFd::from(c)), &sock);
    let mut b = shell(Stdio::piped(), &piped);
    let alerts = w.wait_for("Shell reading a socket", &sock);
    let _ = (a.wait(), b.wait());
    let o = alerts[0]["output"].as_str().unwrap();
    assert!(
        o.contains(&format!("stdin={name} type=ipv4 out=pipe ")),
        "{o}"
    );
    assert!(o.contains("threads=1 "), "{o}");
    for n in ["rss=", "fds=", "limit="] {
        assert!(!o.contains(&format!("{n}<NA>")), "{o}");
    }
    assert!(
        w.matching("Shell reading a socket", &piped).is_empty(),
        "{:?}",
        w.alerts()
    );
}
