//! `ksec grep-secret`'s detectors on real processes: one `sleep` holds a secret of each newer
//! family (cloud, Kubernetes and SaaS credentials) in its environment and in a deleted file on its
//! stdin; every one is reported, whole, with its kind. Another holds a look-alike of each (wrong
//! length, prefix or context, or glued into a longer word); none is reported as that family.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::util::{ksec, run_timeout, text, Reaped, TIMEOUT};

const STORAGE: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const SAS: &str = "3L2Vn7TnJ1pQkX9uYb8c0dRfHs4eWm6aZg5oVi2lKqE=";
/// base64 of `robot$ci:Zr8vK2mQ9xL4pW7n`.
const DOCKER_AUTH: &str = "cm9ib3QkY2k6WnI4dksybVE5eEw0cFc3bg==";
/// base64 of an EC private key PEM (header, one body line, footer).
const CLIENT_KEY: &str = "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUJrZzRMVkFrZ3lOQkdZVEdCc1Z1a2ZIMlFqUmlTWjNGN2RqR0dWMmVrbTFvQW9HQ0NxR1NNNDkKLS0tLS1FTkQgRUMgUFJJVkFURSBLRVktLS0tLQo=";
/// base64 of a certificate PEM start (not a key).
const CLIENT_CERT: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENCK3dJSkFLSGJmbFNqVnZwdU1BMEdDU3FHU0liM0RRRUJDd1VBTUJFeER6QU5CZ05W";

/// (kind, variable, value, the secret ksec must report) for the environment.
fn env_secrets() -> Vec<(&'static str, &'static str, String, String)> {
    let aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE";
    let openai = format!(
        "sk-proj-{}T3BlbkFJ{}",
        "Q8mZr2XkPv7Lw3Nc9Tb5Hy1Jd6Fs4Ga0Ue8Ri2Oq7Wm5Kn3Yp1Vx9Zc4Bt6Lh2Ej8Dg0Su",
        "Mf3Aw7Ix1Cz5Qk9Np2Rv6Ty0Gb4Hs8Jd3Le7Ou1Wm5Xc9Zq2Vn6Bp0Yr4Tk8Fg2Ha6Dj"
    );
    let anthropic = format!("sk-ant-api03-{}AA", "Jx7Kq2Lm9Np4Rs6Tv1Wy3Za5Bc8De0Fg2Hi4Jk6Lm8No0Pq2Rs4Tu6Vw8Xy0Za2Bc4De6Fg8Hi0Jk2Lm4No6Pq8Rs_-xz");
    let vault = "hvs.CAESIJq8vK3mX9pL2wN7rT5yB1cF6hD4sG0aZ8eU3iO7kW2xM5nQ9jV1bR6tY4uH8gCGh4KHGh2cy5YTk1cWVLZnRrU0p0RWhZ";
    let same = |k: &'static str, var: &'static str, v: &str| (k, var, v.to_string(), v.to_string());
    vec![
        same("aws-secret-key", "AWS_SECRET_ACCESS_KEY", aws),
        same("gcp-api-key", "GOOGLE_API_KEY", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"),
        (
            "azure-storage-key",
            "AZURE_STORAGE_CONNECTION_STRING",
            format!("DefaultEndpointsProtocol=https;AccountName=demo;AccountKey={STORAGE};EndpointSuffix=core.windows.net"),
            STORAGE.to_string(),
        ),
        (
            "azure-shared-access-key",
            "SERVICEBUS_CONNECTION",
            format!("Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SAS}"),
            SAS.to_string(),
        ),
        same("azure-client-secret", "AZURE_CLIENT_SECRET", "abc8Q~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY2z"),
        same("slack-webhook", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/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"),
        same("slack-token", "SLACK_APP_TOKEN", "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f"),
        same("gitlab-token", "CI_DEPLOY_TOKEN", "gldt-Xq8vN2pLz7Rk4Wm9Tb3Y"),
        same("npm-token", "NPM_TOKEN", "npm_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6Ki"),
        same("sendgrid-key", "SENDGRID_API_KEY", "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"),
        same("twilio-key", "TWILIO_API_KEY", "SK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1e"),
        same("openai-key", "OPENAI_API_KEY", &openai),
        same("anthropic-key", "ANTHROPIC_API_KEY", &anthropic),
        same("vault-token", "VAULT_TOKEN", vault),
        same("datadog-key", "DD_API_KEY", "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c2e"),
        same("huggingface-token", "HF_TOKEN", "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"),
        same("digitalocean-token", "DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_6f2c9a1e4b7d0f3a8c5e2b9d6f1a4c7e0b3d8f5a2c9e6b1d4f7a0c3e8b5d2f9a"),
        same("grafana-token", "GRAFANA_TOKEN", "glsa_Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id_1a2b3c4d"),
    ]
}

const SA_PEM: &str = r"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
const PYPI: &str = "pypi-AgEIcHlwaS5vcmcCJDk2YjQ5ZTg4LWI2MWYtNDFmMC04ZTA3LTM3N2M2ZDJjNDVhNAACKlszLCJiYTQ3ZmRkOS0yY2E3LTRiMjctYmQ5Mi1mNGM0N2Q2YjIzYTEiXQAABiBvQUmUc0pXq8n";
const AGE: &str = "AGE-SECRET-KEY-15FERYXHRDZ9M6Y09MR8WRERWZGJ6F8NTXVHXYRDLM5AAHN0T09NL4UJY86";

/// The held file's text and (kind, secret) for each secret in it.
fn file_secrets() -> (String, Vec<(&'static str, String)>) {
    let text = format!(
        "{{\"type\": \"service_account\", \"project_id\": \"demo-123\", \"private_key\": \"{SA_PEM}\", \"client_email\": \"ci@demo-123.iam.gserviceaccount.com\"}}\n\
         {{\"auths\": {{\"registry.internal:5000\": {{\"auth\": \"{DOCKER_AUTH}\"}}}}}}\n\
         users:\n- name: admin\n  user:\n    client-certificate-data: {CLIENT_CERT}\n    client-key-data: {CLIENT_KEY}\n\
         discovery:\n  bootstrapToken:\n    token: 07401b.f395accd246ae52d\n\
         [pypi]\n  username = __token__\n  password = {PYPI}\n\
         {AGE}\n"
    );
    let found = vec![
        ("gcp-service-account-key", SA_PEM.to_string()),
        ("docker-auth", DOCKER_AUTH.to_string()),
        ("kubeconfig-client-key", CLIENT_KEY.to_string()),
        ("k8s-bootstrap-token", "07401b.f395accd246ae52d".to_string()),
        ("pypi-token", PYPI.to_string()),
        ("age-secret-key", AGE.to_string()),
    ];
    (text, found)
}

/// Look-alikes: a wrong length, prefix or alphabet, a wrong context, or glued into a word.
fn lookalikes() -> Vec<String> {
    let mut v: Vec<String> = [
        "AWS_SECRET_ACCESS_KEY=Hq7vR2mX9pL4wN8tB3cF6yD1sG5aZ0eU7iO2kW4",
        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBW",
        "xAIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "https://hooks.slack.com/services/T0A1B2C3D4E",
        "https://hooks.slack.org/services/T0A1B2C3D4E/B0F5G6H7J8K/q9W8e7R6t5Y4u3I2o1P0aSdF",
        "xapp-Xq8vN2pLz7Rk4Wm9Tb3Y",
        "gldx-Xq8vN2pLz7Rk4Wm9Tb3Y",
        "npm_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6K",
        "npm_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6Ki_x",
        "SG.ngeVfQFYQlKU0ufo8x5d1.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
        "SK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1",
        "xSK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1e",
        "sk-proj-Q8mZr2XkPv7Lw3Nc9Tb5Hy1Jd6Fs4Ga0Ue8Ri2Oq7Wm5Kn3Yp1Vx9Zc4Bt6Lh2Ej8Dg0Su",
        "hvx.CAESIJq8vK3mX9pL2wN7rT5yB1cF6hD4sG0aZ8eU3iO7kW2xM5nQ9jV1bR6tY4uH8g",
        "hvs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "DD_SITE=3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c2e",
        "hf_QmXrTbPzLkWvNcYdHsJfGaEuIoKpRlMnB",
        "dop_v2_6f2c9a1e4b7d0f3a8c5e2b9d6f1a4c7e0b3d8f5a2c9e6b1d4f7a0c3e8b5d2f9a",
        "glsa_Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id_1a2b3c4",
        "pypi-AgEIcHlwaS5jb20CJDk2YjQ5ZTg4LWI2MWYtNDFmMC04ZTA3LTM3N2M2ZDJjNDVhNAACKlsz",
        "AGE-SECRET-KEY-15FERYXHRDZ9M6Y09MR8WRERWZGJ6F8NTXVHXYRDLM5AAHN0T09NL4UJY8",
        "ref: 07401b.f395accd246ae52d",
        "abcxQ~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY2z",
    ]
    .map(String::from)
    .to_vec();
    v.push(format!("AccountKey={}", &STORAGE[2..]));
    v.push(format!("SharedAccessKey={}", &SAS[1..]));
    v.push(format!("\"auth\": \"{}\"", "bm8tY29sb24taGVyZQ==")); // "no-colon-here"
    v.push(format!("client-key-data: {CLIENT_CERT}"));
    v.push(
        r#"{"type": "service_account", "private_key": "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n"}"#
            .to_string(),
    );
    v
}

/// The kinds this module covers.
const FAMILIES: &[&str] = &[
    "aws-secret-key",
    "gcp-api-key",
    "gcp-service-account-key",
    "azure-storage-key",
    "azure-shared-access-key",
    "azure-client-secret",
    "docker-auth",
    "kubeconfig-client-key",
    "k8s-bootstrap-token",
    "slack-webhook",
    "npm-token",
    "pypi-token",
    "sendgrid-key",
    "twilio-key",
    "openai-key",
    "anthropic-key",
    "vault-token",
    "datadog-key",
    "huggingface-token",
    "digitalocean-token",
    "grafana-token",
    "age-secret-key",
];

/// A `sleep` with `env` and `file` on its stdin, the file deleted once it is open.
fn holder(env: &[(String, String)], file: &str) -> Reaped {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("held.conf");
    File::create(&path)
        .unwrap()
        .write_all(file.as_bytes())
        .unwrap();
    let mut cmd = Command::new("sleep");
    cmd.arg("600")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(File::open(&path).unwrap())
        .stdout(Stdio::null());
    let child = Reaped::spawn(&mut cmd);
    std::fs::remove_file(&path).unwrap();
    child
}

/// (kind, matched text, source) of every match `ksec grep-secret --json -p PID` reports.
fn matches(out: &Output) -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        if v["type"] != "finding" {
            continue;
        }
        let text = v["line"]
            .as_str()
            .unwrap_or_else(|| panic!("not UTF-8: {v}"));
        for m in v["matches"].as_array().unwrap() {
            let (s, e) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            all.insert((
                m["kind"].as_str().unwrap().to_string(),
                text[s..e].to_string(),
                v["source"].as_str().unwrap().to_string(),
            ));
        }
    }
    all
}

#[test]
fn every_new_family_is_found_with_its_kind_in_environ_and_a_deleted_file() {
    let env_list = env_secrets();
    let env: Vec<(String, String)> = env_list
        .iter()
        .map(|(_, k, v, _)| (k.to_string(), v.clone()))
        .collect();
    let (file, in_file) = file_secrets();
    let child = holder(&env, &file);
    let out = run_timeout(
        &mut ksec(&["grep-secret", "--json", "-p", &child.pid_s()]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let got = matches(&out);
    let mut expected = BTreeSet::new();
    for (kind, _, _, secret) in &env_list {
        expected.insert((kind.to_string(), secret.clone(), "environ".to_string()));
    }
    for (kind, secret) in &in_file {
        expected.insert((kind.to_string(), secret.clone(), "fd".to_string()));
    }
    let missing: Vec<_> = expected.difference(&got).collect();
    assert!(missing.is_empty(), "missing: {missing:#?}\ngot: {got:#?}");
    // Every family of the module is exercised, and nothing else is reported.
    let kinds: BTreeSet<&str> = got.iter().map(|(k, _, _)| k.as_str()).collect();
    for f in FAMILIES {
        assert!(kinds.contains(f), "{f} not exercised: {got:#?}");
    }
    assert_eq!(got, expected, "extra matches");
    drop(child);
}

#[test]
fn look_alikes_are_not_reported_as_those_families() {
    let looks = lookalikes();
    let env: Vec<(String, String)> = looks
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("LOOK_{i}"), v.clone()))
        .collect();
    let child = holder(&env, &(looks.join("\n") + "\n"));
    let out = run_timeout(
        &mut ksec(&["grep-secret", "--json", "-p", &child.pid_s()]),
        TIMEOUT,
    );
    let (stdout, stderr) = text(&out);
    let got = matches(&out);
    let ours: Vec<_> = got
        .iter()
        .filter(|(k, _, _)| FAMILIES.contains(&k.as_str()))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}\n{stdout}\n{stderr}");
    // The one look-alike that is still a keyword=value secret (AWS_SECRET_ACCESS_KEY= and 39
    // bytes), found as that, in both places: the scan itself ran.
    let short = "Hq7vR2mX9pL4wN8tB3cF6yD1sG5aZ0eU7iO2kW4".to_string();
    let kw: BTreeSet<_> = ["environ", "fd"]
        .map(|s| ("keyword-secret".to_string(), short.clone(), s.to_string()))
        .into();
    assert_eq!(got, kw, "{stdout}\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    drop(child);
}
