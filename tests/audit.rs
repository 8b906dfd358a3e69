//! `ksec audit-log` and `ksec audit-policy` on the sample logs and policies of
//! ../shared/data/audit (read in place): the Kubernetes policy checker's own cases, the Falco
//! events against their index, filters, rotation, malformed lines, --follow, --secrets-leaked.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ksec::audit::event::parse_line;
use ksec::audit::policy::eval::{evaluate, Request};
use ksec::audit::policy::{Level, Policy, Rule, Stage};
use ksec::rules::yaml::{self, Kind, Node};

use crate::util::{ksec, ksec_bin, run, text};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/audit");

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn strs(n: Option<&Node>) -> Vec<String> {
    match n.map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items
            .iter()
            .map(|i| i.scalar().unwrap_or("").to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn request_of(n: &Node) -> Request {
    let s = |k: &str| n.get(k).and_then(Node::scalar).unwrap_or("").to_string();
    Request {
        user: n.get("user").and_then(Node::scalar).map(str::to_string),
        groups: strs(n.get("groups")),
        verb: s("verb"),
        namespace: s("namespace"),
        api_group: s("apiGroup"),
        resource: s("resource"),
        subresource: s("subresource"),
        name: s("name"),
        resource_request: n.get("resourceRequest").and_then(Node::as_bool) == Some(true),
        path: s("path"),
    }
}

/// The 102 cases of the API server's checker tests (TestChecker, TestCheckerPolicyOmitStages)
/// give the level and omitted stages they give there; every failing case is listed.
#[test]
fn policy_checker_vectors_all_agree() {
    let text = std::fs::read_to_string(data("policy-checker-vectors.yaml")).unwrap();
    let doc = yaml::parse(&text).unwrap().remove(0);
    let requests = doc.get("requests").unwrap();
    let rules = doc.get("rules").unwrap();
    let Kind::Seq(cases) = &doc.get("cases").unwrap().kind else {
        panic!("cases is not a list")
    };
    assert_eq!(cases.len(), 102);
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let req_name = case.get("request").unwrap().scalar().unwrap();
        let req = request_of(requests.get(req_name).unwrap());
        let rule_names = strs(case.get("rules"));
        let mut notes = Vec::new();
        let policy = Policy {
            rules: rule_names
                .iter()
                .map(|r| Rule::from_node(rules.get(r).unwrap(), &mut notes).unwrap())
                .collect(),
            omit_stages: strs(case.get("policy_omit"))
                .iter()
                .map(|s| Stage::parse(s).unwrap())
                .collect(),
            ..Policy::default()
        };
        assert!(notes.is_empty(), "{notes:?}");
        let want_level = Level::parse(case.get("level").unwrap().scalar().unwrap()).unwrap();
        let want_omit: BTreeSet<Stage> = strs(case.get("omit"))
            .iter()
            .map(|s| Stage::parse(s).unwrap())
            .collect();
        let d = evaluate(&policy, &req);
        if d.level != want_level || d.omit_stages != want_omit {
            failures.push(format!(
                "case {i} (line {}): request {req_name}, rules {rule_names:?}: got {:?} {:?}, want {want_level:?} {want_omit:?}",
                case.mark.line, d.level, d.omit_stages
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every Falco sample event parses to the fields its index lists.
#[test]
fn falco_events_match_their_index() {
    let log = std::fs::read(data("falco-k8s-audit-all.jsonl")).unwrap();
    let index = std::fs::read_to_string(data("falco-k8s-audit-all.index.tsv")).unwrap();
    let lines: Vec<&[u8]> = log
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let rows: Vec<Vec<&str>> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(lines.len(), rows.len());
    for row in rows {
        let n: usize = row[0].parse().unwrap();
        let ev = parse_line(lines[n - 1])
            .unwrap_or_else(|e| panic!("line {n}: {e}"))
            .event;
        let o = ev.object_ref.clone().unwrap_or_default();
        let got = [
            ev.verb.clone().unwrap_or_default(),
            o.resource,
            o.subresource,
            o.namespace,
            o.name,
            ev.user.username.clone(),
            ev.stage.clone().unwrap_or_default(),
            ev.code().map_or(String::new(), |c| c.to_string()),
        ];
        assert_eq!(got.to_vec(), row[2..10].to_vec(), "line {n} ({})", row[1]);
    }
}

/// The auditIDs of the JSON lines ksec prints.
fn ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["auditID"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Filters on the Falco events select what the index says they should (the index is the
/// answer key: computed from its columns, not by ksec).
#[test]
fn filters_select_what_the_index_says() {
    let index = std::fs::read_to_string(data("falco-k8s-audit-all.index.tsv")).unwrap();
    let rows: Vec<Vec<String>> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    let log = std::fs::read_to_string(data("falco-k8s-audit-all.jsonl")).unwrap();
    let all_ids: Vec<String> = ids(&log);
    let want = |f: &dyn Fn(&Vec<String>) -> bool| -> Vec<String> {
        rows.iter()
            .filter(|r| f(r))
            .map(|r| all_ids[r[0].parse::<usize>().unwrap() - 1].clone())
            .collect()
    };
    let file = data("falco-k8s-audit-all.jsonl");
    let cases: Vec<(Vec<&str>, Vec<String>)> = vec![
        (vec!["--verb", "create"], want(&|r| r[2] == "create")),
        (
            vec!["--verb", "delete,patch", "--user", "minikube-user"],
            want(&|r| (r[2] == "delete" || r[2] == "patch") && r[7] == "minikube-user"),
        ),
        (
            vec!["--resource", "secrets"],
            want(&|r| r[3] == "secrets" && r[4].is_empty()),
        ),
        (
            vec!["--resource", "pods/exec"],
            want(&|r| r[3] == "pods" && r[4] == "exec"),
        ),
        (vec!["--resource", "pods/*"], want(&|r| r[3] == "pods")),
        (vec!["--resource", "*/attach"], want(&|r| r[4] == "attach")),
        (vec!["--namespace", ""], want(&|r| r[5].is_empty())),
        (
            vec!["--namespace", "kube-system", "--code", "2xx"],
            want(&|r| r[5] == "kube-system" && r[9].starts_with('2')),
        ),
        (
            vec!["--stage", "ResponseStarted"],
            want(&|r| r[8] == "ResponseStarted"),
        ),
        (vec!["--code", "101"], want(&|r| r[9] == "101")),
    ];
    for (args, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{args:?}: the index has no such event"
        );
        let mut a = vec!["audit-log", "--json", file.as_str()];
        a.extend(&args);
        let out = run(ksec(&a));
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {e}");
        assert_eq!(ids(&o), expected, "{args:?}");
    }
    // Nothing matched: exit 1, no output.
    let out = run(ksec(&["audit-log", &file, "--user", "nobody-at-all"]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out).0, "");
}

/// The study text's question in one command, checked by hand against the log (and jq:
/// `jq -c 'select(.impersonatedUser.username=="bob")' | tail -1`).
#[test]
fn last_access_of_a_user_and_impersonation() {
    let log = data("audit2rbac-demo.log");
    let out = run(ksec(&["audit-log", &log, "--user", "bob", "--last"]));
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert_eq!(
        o,
        "TIME                  USER  VERB  RESOURCE  NAMESPACE/NAME  CODE  STAGE\n\
         2017-09-11T20:27:52Z  bob   list  nodes                     403   ResponseComplete\n"
    );
    // bob is impersonated by system:admin in every one of his events.
    let bob = run(ksec(&["audit-log", &log, "--user", "bob", "--json"]));
    let admin = run(ksec(&[
        "audit-log",
        &log,
        "--user",
        "system:admin",
        "--as-authenticated",
        "--json",
    ]));
    let (b, a) = (text(&bob).0, text(&admin).0);
    assert_eq!(b.lines().count(), 29);
    assert!(a.lines().count() >= 29, "{a}");
    assert!(ids(&a)
        .iter()
        .collect::<BTreeSet<_>>()
        .is_superset(&ids(&b).iter().collect()));
    let none = run(ksec(&["audit-log", &log, "--user", "system:admin"]));
    assert_eq!(none.status.code(), Some(1));
    let counts = run(ksec(&["audit-log", &log, "--count-by", "user,verb"]));
    assert_eq!(
        text(&counts).0,
        "USER                           VERB  COUNT\n\
         bob                            get   23\n\
         bob                            list  6\n\
         system:serviceaccount:ns1:sa1  list  5\n\
         alice                          list  3\n"
    );
}

/// Azure's stringified wrapper is unwrapped (--json prints the event itself); GKE's entries
/// are read as events.
#[test]
fn wrapped_lines_are_unwrapped() {
    let out = run(ksec(&[
        "audit-log",
        "--json",
        &data("elastic-test-kube-audit-aks-stringified.log"),
    ]));
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    let v: serde_json::Value = serde_json::from_str(o.trim()).unwrap();
    assert_eq!(v["auditID"], "ad26f7bc-f1c6-4097-90f1-e0924e12f257");
    assert_eq!(v["user"]["username"], "aksService");
    let out = run(ksec(&[
        "audit-log",
        &data("elastic-test-audit.log"),
        "--count-by",
        "user,resource",
    ]));
    let (o, e) = text(&out);
    assert_eq!(
        o,
        "USER                                             RESOURCE                    COUNT\n\
         system:serviceaccount:kube-system:elastic-agent  leases.coordination.k8s.io  2\n\
         aksService                                       leases.coordination.k8s.io  1\n\
         system:gke-master-healthcheck                    /readyz                     1\n\
         system:serviceaccounts:default:default           pods                        1\n"
    );
    // Line 4 is GKE's Cloud Logging entry (protoPayload), line 5 Azure's wrapper as an object.
    assert_eq!(e, "");
}

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ksec-audit-")
        .tempdir()
        .unwrap()
}

fn event(id: &str, time: &str, user: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets/db","verb":"get","user":{{"username":"{user}"}},"objectRef":{{"resource":"secrets","namespace":"default","name":"db","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"{time}","stageTimestamp":"{time}"}}"#
    )
}

/// Malformed and over-long lines are reported as FILE:LINE and skipped; the rest is read.
#[test]
fn malformed_lines_are_reported_and_skipped() {
    let dir = tmp();
    let p = dir.path().join("audit.log");
    let long = format!("{{\"x\":\"{}\"}}", "a".repeat(17 << 20));
    std::fs::write(
        &p,
        format!(
            "{}\nnot json\n{long}\n{{\"hello\":1}}\n\n{}\n",
            event("a", "2024-01-01T00:00:00Z", "alice"),
            event("b", "2024-01-01T00:00:01Z", "alice")
        ),
    )
    .unwrap();
    let path = p.to_str().unwrap();
    let out = run(ksec(&["audit-log", "--json", path]));
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert_eq!(ids(&o), ["a", "b"]);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 4, "{e}");
    assert!(
        lines[0].starts_with(&format!("ksec audit-log: {path}:2: not JSON: ")),
        "{e}"
    );
    assert_eq!(
        lines[1],
        format!(
            "ksec audit-log: {path}:3: a line of {} bytes, over the 16777216-byte limit: skipped",
            long.len()
        )
    );
    assert!(lines[2].starts_with(&format!("ksec audit-log: {path}:4: not an audit event")));
    assert_eq!(
        lines[3],
        "ksec audit-log: 3 of 5 lines were not audit events and were skipped"
    );
    // A missing file is an error.
    let out = run(ksec(&["audit-log", "/nonexistent/audit.log"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("/nonexistent/audit.log"));
}

fn gzip(path: &Path, text: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

/// A directory's rotated files (the API server's backups, logrotate's .N and .gz) are read in
/// time order, whatever their names' order.
#[test]
fn rotated_files_are_read_in_time_order() {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(
        d.join("audit.log"),
        event("e4", "2024-01-04T00:00:00Z", "u") + "\n",
    )
    .unwrap();
    std::fs::write(
        d.join("audit-2024-01-03T00-00-00.000.log"),
        event("e3", "2024-01-03T00:00:00Z", "u") + "\n",
    )
    .unwrap();
    gzip(
        &d.join("audit.log.1.gz"),
        &(event("e1", "2024-01-01T00:00:00Z", "u")
            + "\n"
            + &event("e2", "2024-01-02T00:00:00Z", "u")
            + "\n"),
    );
    std::fs::write(d.join("notes.txt"), "not a log\n").unwrap();
    let out = run(ksec(&["audit-log", "--json", d.to_str().unwrap()]));
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert_eq!(ids(&o), ["e1", "e2", "e3", "e4"]);
    let out = run(ksec(&[
        "audit-log",
        "--json",
        "--since",
        "2024-01-02",
        "--until",
        "2024-01-04",
        d.to_str().unwrap(),
    ]));
    assert_eq!(ids(&text(&out).0), ["e2", "e3"]);
}

/// --follow reads what is appended, then the new file after a rotation, then the file again
/// after a truncation.
#[test]
fn follow_survives_rotation_and_truncation() {
    let dir = tmp();
    let p = dir.path().join("audit.log");
    std::fs::write(&p, event("f1", "2024-01-01T00:00:00Z", "u") + "\n").unwrap();
    let mut child = Command::new(ksec_bin())
        .args(["audit-log", "--follow", "--json", p.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            if tx.send(v["auditID"].as_str().unwrap().to_string()).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                panic!("{what}: ksec audit-log --follow printed nothing within 10 s")
            })
    };
    let append = |path: &PathBuf, id: &str| {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all((event(id, "2024-01-01T00:00:01Z", "u") + "\n").as_bytes())
            .unwrap();
    };
    assert_eq!(next("the first line"), "f1");
    append(&p, "f2");
    assert_eq!(next("an appended line"), "f2");
    // A line written in two parts is read once it is whole.
    {
        let line = event("f3", "2024-01-01T00:00:02Z", "u");
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(&line.as_bytes()[..40]).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        f.write_all((line[40..].to_string() + "\n").as_bytes())
            .unwrap();
    }
    assert_eq!(next("a line written in two parts"), "f3");
    // Rotation: renamed away, a new file at the path.
    std::fs::rename(&p, dir.path().join("audit-2024-01-01T00-00-03.000.log")).unwrap();
    std::fs::write(&p, event("f4", "2024-01-01T00:00:04Z", "u") + "\n").unwrap();
    assert_eq!(next("after rotation"), "f4");
    append(&p, "f4b");
    assert_eq!(next("a second line after rotation"), "f4b");
    // Truncation: the file emptied, then one line written: shorter than what was read, so seen
    // however late the next poll comes (as with tail -F, a file rewritten to the length already
    // read cannot be told from one left alone).
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(0)
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    append(&p, "f5");
    assert_eq!(next("after truncation"), "f5");
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("audit.log: rotated, reading the new file"),
        "{e}"
    );
}

/// A Secret created at Request level leaks its data; ksec names where, never the value.
#[test]
fn secrets_leaked_are_found_and_redacted() {
    let dir = tmp();
    let p = dir.path().join("audit.log");
    let leak = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"s1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets","verb":"create","user":{"username":"alice"},"objectRef":{"resource":"secrets","namespace":"prod","name":"db","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db"},"data":{"password":"aHVudGVyMi1zM2NyM3Q="}},"stageTimestamp":"2024-01-01T00:00:00Z"}"#;
    let cm = r#"{"kind":"Event","level":"RequestResponse","auditID":"s2","stage":"ResponseComplete","verb":"get","user":{"username":"bob"},"objectRef":{"resource":"configmaps","namespace":"prod","name":"cfg"},"responseObject":{"kind":"ConfigMap","data":{"aws":"AKIAIOSFODNN7EXAMPLE","colour":"blue"}},"stageTimestamp":"2024-01-01T00:00:01Z"}"#;
    let quiet = event("s3", "2024-01-01T00:00:02Z", "carol");
    std::fs::write(&p, format!("{leak}\n{cm}\n{quiet}\n")).unwrap();
    let path = p.to_str().unwrap();
    let out = run(ksec(&["audit-log", "--secrets-leaked", path]));
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    assert_eq!(
        o,
        "TIME                         USER                      VERB    RESOURCE          NAMESPACE/NAME            LEVEL            LEAKED (path: kind, bytes)\n\
         2024-01-01T00:00:00Z         alice                     create  secrets           prod/db                   Request          requestObject.data.password: secret-data, 20 bytes\n\
         2024-01-01T00:00:01Z         bob                       get     configmaps        prod/cfg                  RequestResponse  responseObject.data.aws: aws-access-key, 20 bytes\n"
    );
    let out = run(ksec(&["audit-log", "--secrets-leaked", "--json", path]));
    let o = text(&out).0;
    assert!(!o.contains("aHVudGVyMi1zM2NyM3Q="), "{o}");
    assert!(!o.contains("AKIAIOSFODNN7EXAMPLE"), "{o}");
    let docs: Vec<serde_json::Value> = o
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["line"], 1);
    assert_eq!(
        docs[0]["event"]["requestObject"]["data"]["password"],
        "<redacted>"
    );
    assert_eq!(docs[1]["event"]["responseObject"]["data"]["colour"], "blue");
    assert_eq!(docs[1]["leaks"][0]["kind"], "aws-access-key");
    // The sample logs log no secret values.
    let out = run(ksec(&["audit-log", "--secrets-leaked", DATA]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).1);
}

/// lint's warnings on the sample policies, checked by hand against each file.
#[test]
fn lint_sample_policies() {
    let lint = |name: &str| {
        let out = run(ksec(&["audit-policy", "lint", "--json", &data(name)]));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: Vec<(u64, String)> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["line"].as_u64().unwrap(),
                    w["check"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (out.status.code(), got)
    };
    let w = |l: &[(u64, &str)]| {
        l.iter()
            .map(|(n, c)| (*n, c.to_string()))
            .collect::<Vec<_>>()
    };
    // Only alice, bob and two others are logged: everyone else is not.
    assert_eq!(
        lint("policy-audit2rbac-demo.yaml"),
        (Some(1), w(&[(4, "no-catch-all")]))
    );
    // configmaps in kube-system at Request (line 51), elsewhere at RequestResponse (line 60).
    assert_eq!(
        lint("policy-falco-k8saudit.yaml"),
        (
            Some(1),
            w(&[(51, "sensitive-body"), (60, "sensitive-body")])
        )
    );
    // Secrets, configmaps and token reviews are at Metadata before the Request rules.
    assert_eq!(lint("policy-gce-configure-helper.yaml"), (Some(0), w(&[])));
    let out = run(ksec(&[
        "audit-policy",
        "lint",
        &data("policy-checker-vectors.yaml"),
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out)
        .1
        .contains("policy-checker-vectors.yaml:49: rules: must be a list"));
}

/// explain on Falco's policy: the rule, level and stages the API server would apply.
#[test]
fn explain_requests_against_falcos_policy() {
    let policy = data("policy-falco-k8saudit.yaml");
    let explain = |args: &[&str]| {
        let mut a = vec!["audit-policy", "explain", "--json", policy.as_str()];
        a.extend(args);
        let out = run(ksec(&a));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out).1));
        (
            out.status.code(),
            v["line"].as_u64(),
            v["level"].as_str().unwrap().to_string(),
            v["loggedStages"].clone(),
        )
    };
    let stages = serde_json::json!(["ResponseStarted", "ResponseComplete", "Panic"]);
    assert_eq!(
        explain(&[
            "--user",
            "alice",
            "--verb",
            "get",
            "--resource",
            "secrets",
            "-n",
            "prod"
        ]),
        (Some(0), Some(66), "Metadata".into(), stages.clone())
    );
    assert_eq!(
        explain(&[
            "--user",
            "alice",
            "--verb",
            "get",
            "--resource",
            "pods/log",
            "-n",
            "prod"
        ]),
        (Some(0), Some(23), "Metadata".into(), stages.clone())
    );
    assert_eq!(
        explain(&[
            "--user",
            "alice",
            "--verb",
            "update",
            "--resource",
            "configmaps",
            "-n",
            "kube-system"
        ]),
        (Some(0), Some(51), "Request".into(), stages.clone())
    );
    assert_eq!(
        explain(&[
            "--user",
            "x",
            "--verb",
            "get",
            "--resource",
            "configmaps",
            "-n",
            "kube-system",
            "--name",
            "controller-leader"
        ]),
        (Some(1), Some(29), "None".into(), serde_json::json!([]))
    );
    assert_eq!(
        explain(&[
            "--user",
            "u",
            "--group",
            "system:authenticated",
            "--verb",
            "get",
            "--path",
            "/apis/apps"
        ]),
        (Some(1), Some(44), "None".into(), serde_json::json!([]))
    );
    assert_eq!(
        explain(&["--user", "u", "--verb", "get", "--path", "/apis/apps"]),
        (Some(0), Some(78), "Metadata".into(), stages)
    );
}

/// `-` reads standard input; --count-by --json is one document.
#[test]
fn stdin_and_counts_as_json() {
    let log = std::fs::File::open(data("audit2rbac-demo.log")).unwrap();
    let mut cmd = ksec(&["audit-log", "-", "--count-by", "verb", "--json"]);
    // Not util::run, which puts stdin on /dev/null; a file ends, so this cannot hang.
    let out = cmd.stdin(Stdio::from(log)).output().unwrap();
    let (o, e) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{e}");
    let v: serde_json::Value = serde_json::from_str(&o).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{"verb": "get", "count": 23}, {"verb": "list", "count": 14}])
    );
}
