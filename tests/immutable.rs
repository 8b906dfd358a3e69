//! `ksec immutable` on real podman containers: a default one fails read-only and non-root and
//! lists /bin/sh; a hardened one passes those; writes and a copied executable show as drift.

use crate::util::{self, podman};

fn name(test: &str) -> String {
    format!("ksec-imm-{test}-{}", std::process::id())
}

/// `podman run -d OPTS IMAGE sleep 600`, removed when dropped.
fn start(test: &str, opts: &[&str]) -> Option<podman::Container> {
    if !util::is_root() {
        util::skipped("needs root (podman and the overlay upper directory)");
        return None;
    }
    if let Some(why) = podman::unavailable() {
        util::skipped(why);
        return None;
    }
    let name = name(test);
    let _ = util::run(podman::podman(&["rm", "-f", &name]));
    let out = util::run(
        podman::podman(&["run", "-d", "--name", &name])
            .args(opts)
            .args([podman::IMAGE, "/bin/sleep", "600"]),
    );
    assert!(out.status.success(), "podman run: {}", util::text(&out).1);
    let out = util::run(podman::podman(&[
        "inspect",
        "-f",
        "{{.State.Pid}} {{.Id}}",
        &name,
    ]));
    let s = util::text(&out).0;
    let mut w = s.split_whitespace();
    let pid = w
        .next()
        .and_then(|p| p.parse().ok())
        .expect("container pid");
    let id = w.next().expect("container id").to_string();
    Some(podman::Container { name, id, pid })
}

/// `ksec immutable --container ID --json`: the exit status and the report.
fn check(c: &podman::Container) -> (i32, serde_json::Value) {
    let out = util::run(util::ksec(&["immutable", "--container", &c.id, "--json"]));
    let (stdout, stderr) = util::text(&out);
    let mut v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("json: {e}: {stdout} {stderr}"));
    (out.status.code().unwrap_or(-1), v[0].take())
}

fn verdict(report: &serde_json::Value, name: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

fn drift_paths(report: &serde_json::Value) -> Vec<(String, bool)> {
    report["drift"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["expected"] == false)
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["executable"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn default_container_fails_read_only_and_non_root() {
    let Some(c) = start("default", &[]) else {
        return;
    };
    let (code, r) = check(&c);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["pid"], c.pid);
    assert_eq!(r["container_id"], c.id.as_str());
    assert_eq!(verdict(&r, "read-only-root"), "FAIL");
    assert_eq!(verdict(&r, "non-root"), "FAIL");
    assert_eq!(verdict(&r, "no-new-privs"), "FAIL");
    assert_eq!(verdict(&r, "capabilities"), "WARN");
    assert_eq!(verdict(&r, "privileged"), "PASS");
    assert_eq!(verdict(&r, "shells-and-tools"), "WARN");
    let tools: Vec<&str> = r["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["path"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"/bin/sh"), "{tools:?}");
    // A fresh container: nothing in the upper layer but what podman itself makes.
    assert_eq!(drift_paths(&r), vec![]);
    assert_eq!(verdict(&r, "drift"), "PASS");

    // --all-containers reports it too (other containers may be running).
    let out = util::run(util::ksec(&["immutable", "--all-containers", "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["container_id"].as_str())
        .collect();
    assert!(ids.contains(&c.id.as_str()), "{ids:?}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn hardened_container_passes() {
    let Some(c) = start(
        "hardened",
        &[
            "--read-only",
            "--user",
            "1000:1000",
            "--cap-drop",
            "all",
            "--security-opt",
            "no-new-privileges",
            "--tmpfs",
            "/tmp",
        ],
    ) else {
        return;
    };
    let (code, r) = check(&c);
    for name in [
        "read-only-root",
        "non-root",
        "no-new-privs",
        "seccomp",
        "capabilities",
        "privileged",
        "drift",
    ] {
        assert_eq!(verdict(&r, name), "PASS", "{name}: {r}");
    }
    // The tmpfs asked for, and the ones podman --read-only adds (--read-only-tmpfs, on by
    // default): the writable mounts that are not expected.
    assert_eq!(verdict(&r, "writable-mounts"), "WARN");
    let mut tmp: Vec<_> = r["writable_mounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["expected"] == false)
        .map(|m| {
            (
                m["mount_point"].as_str().unwrap(),
                m["kind"].as_str().unwrap(),
            )
        })
        .collect();
    tmp.sort_unstable(); // podman's mount order varies
    assert_eq!(
        tmp,
        vec![("/run", "tmpfs"), ("/tmp", "tmpfs"), ("/var/tmp", "tmpfs")]
    );
    // The image still has busybox's shell: a WARN, not a failure.
    assert_eq!(code, 0, "{r}");
}

#[test]
fn written_file_and_copied_executable_are_drift() {
    let Some(c) = start("drift", &[]) else {
        return;
    };
    let out = c.exec(&[
        "/bin/sh",
        "-c",
        "echo changed > /etc/ksec-note && cp /bin/busybox /bin/ksec-x",
    ]);
    assert!(out.status.success(), "{}", util::text(&out).1);
    let (code, r) = check(&c);
    assert_eq!(code, 1);
    assert_eq!(
        drift_paths(&r),
        vec![
            ("/bin/ksec-x".to_string(), true),
            ("/etc/ksec-note".to_string(), false),
        ]
    );
    assert_eq!(verdict(&r, "drift"), "FAIL");
    // The table names the executable first.
    let out = util::run(util::ksec(&["immutable", "--container", &c.id]));
    let text = util::text(&out).0;
    let drift = text.split("drift in ").nth(1).expect("drift table");
    let x = drift.find("/bin/ksec-x").expect("executable listed");
    let note = drift.find("/etc/ksec-note").expect("file listed");
    assert!(x < note, "{text}");
}

#[test]
fn no_such_process_exits_2() {
    let out = util::run(util::ksec(&["immutable", "999999999"]));
    assert_eq!(out.status.code(), Some(2), "{}", util::text(&out).1);
}

#[test]
fn all_containers_says_and_skips_the_ones_it_cannot_read() {
    // The fixture tree's container processes have no mountinfo: each is named and skipped,
    // and with none left the command fails.
    let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/proc/tree");
    let out = util::run_timeout(
        &mut util::ksec(&["immutable", "--all-containers", "--proc-root", tree]),
        30,
    );
    let (stdout, stderr) = util::text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let skipped: Vec<&str> = stderr
        .lines()
        .filter(|l| l.ends_with("; skipped"))
        .collect();
    assert!(
        skipped.len() >= 2 && skipped.iter().all(|l| l.contains("/mountinfo")),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("ksec: no container could be checked\n"),
        "{stderr}"
    );
}
