//! What a Kubernetes node holds for pulling images and talking to the API server: the
//! base64 `user:password` of a Docker config's `"auth"` (~/.docker/config.json, a kubelet's
//! config.json, and inside a base64 `.dockerconfigjson`, `eyJhdXRocyI6...`), base64 PEM private
//! keys (`LS0tLS1CRUdJTi...`, as kubeconfig `client-key-data` and Secret `data:` hold them;
//! after `client-key-data` the kind says so), and kubeadm bootstrap tokens
//! (`[a-z0-9]{6}.[a-z0-9]{16}` after `token` and `=`, `:`, a space or an argv NUL).

use regex::bytes::Regex;

use super::jwt::base64url_decode;
use super::{ascii_regex, is_in, Hit, Kind};

/// A `"auth"` value of a Docker config.
const AUTH: &str = r#""auth"[ \t]*:[ \t]*"([A-Za-z0-9+/]{6,1024}={0,2})""#;

pub struct Kube {
    re: Regex,
    auth: Regex,
}

impl Kube {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(concat!(
                r#"("auth"[ \t]*:[ \t]*"[A-Za-z0-9+/]{6,1024}={0,2}")"#,
                r"|(eyJhdXRocyI6[A-Za-z0-9+/]{16,16384}={0,2})",
                r"|(LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,16384}={0,2})",
                r#"|(?:token|TOKEN|Token)["']?[ \t]*[:= \x00][ \t]*["']?([a-z0-9]{6}\.[a-z0-9]{16})"#,
            )),
            auth: ascii_regex(AUTH),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            if let Some(m) = caps.get(1) {
                if let Some(v) = self.auth_value(m.as_bytes()) {
                    let s = from + m.start() + v.start;
                    out.push(Hit {
                        range: s..s + v.len(),
                        kind: Kind::DockerAuth,
                    });
                }
            } else if let Some(m) = caps.get(2) {
                let (s, e) = (from + m.start(), from + m.end());
                let json = base64url_decode(trim4(m.as_bytes()));
                if json.is_some_and(|j| self.auth_value(&j).is_some()) {
                    out.push(Hit {
                        range: s..e,
                        kind: Kind::DockerAuth,
                    });
                }
            } else if let Some(m) = caps.get(3) {
                let (s, e) = (from + m.start(), from + m.end());
                let n = m.len().min(64) / 4 * 4;
                let head = base64url_decode(&m.as_bytes()[..n]).unwrap_or_default();
                if !head.starts_with(b"-----BEGIN ")
                    || !head.windows(16).any(|w| w == b"PRIVATE KEY-----")
                {
                    continue;
                }
                let before = &buf[s.saturating_sub(24)..s];
                let kind = if before.windows(15).any(|w| w == b"client-key-data") {
                    Kind::KubeconfigClientKey
                } else {
                    Kind::PrivateKey
                };
                out.push(Hit { range: s..e, kind });
            } else if let Some(m) = caps.get(4) {
                let (s, e) = (from + m.start(), from + m.end());
                if !is_in(buf, Some(e), b"_.-") {
                    out.push(Hit {
                        range: s..e,
                        kind: Kind::K8sBootstrapToken,
                    });
                }
            }
        }
    }

    /// The range, in `json`, of the first `"auth"` value that decodes to `user:password`.
    fn auth_value(&self, json: &[u8]) -> Option<std::ops::Range<usize>> {
        self.auth.captures_iter(json).find_map(|c| {
            let v = c.get(1)?;
            let plain = base64url_decode(v.as_bytes())?;
            let colon = plain.iter().position(|&b| b == b':')?;
            let printable = plain.iter().all(|b| (0x20..0x7f).contains(b));
            (printable && colon > 0 && colon + 1 < plain.len()).then(|| v.range())
        })
    }
}

/// `b` cut to a multiple of 4 bytes (a base64 prefix that decodes).
fn trim4(b: &[u8]) -> &[u8] {
    let b = b
        .strip_suffix(b"==")
        .or_else(|| b.strip_suffix(b"="))
        .unwrap_or(b);
    &b[..b.len() / 4 * 4]
}

#[cfg(test)]
mod tests {
    use super::super::jwt::tests::b64url;
    use super::super::tests::kinds;
    use super::super::Kind::{DockerAuth, K8sBootstrapToken, KubeconfigClientKey, PrivateKey};

    fn b64(data: &[u8]) -> String {
        // Standard base64 with padding, from the base64url helper.
        let mut s = b64url(data).replace('-', "+").replace('_', "/");
        while !s.len().is_multiple_of(4) {
            s.push('=');
        }
        s
    }

    const PEM: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9OiJEJiDZz8b\n-----END RSA PRIVATE KEY-----\n";

    #[test]
    fn docker_auths() {
        let auth = b64(b"robot$ci:Zr8vK2mQ9xL4pW7n");
        let config = format!(
            "{{\n\t\"auths\": {{\n\t\t\"registry.example.com\": {{\n\t\t\t\"auth\": \"{auth}\"\n\t\t}}\n\t}}\n}}"
        );
        assert_eq!(kinds(config.as_bytes()), vec![(auth.clone(), DockerAuth)]);
        let compact =
            format!("{{\"auths\":{{\"ghcr.io\":{{\"username\":\"u\",\"auth\":\"{auth}\"}}}}}}");
        assert_eq!(kinds(compact.as_bytes()), vec![(auth, DockerAuth)]);
        // The base64 of a whole config, as a Secret's .dockerconfigjson holds it.
        let secret = b64(compact.as_bytes());
        assert!(secret.starts_with("eyJhdXRocyI6"), "{secret}");
        let buf = format!(".dockerconfigjson: {secret}\n");
        assert_eq!(kinds(buf.as_bytes()), vec![(secret, DockerAuth)]);
    }

    #[test]
    fn not_docker_auths() {
        for buf in [
            format!("\"auth\": \"{}\"", b64(b"no-colon-here")),
            format!("\"auth\": \"{}\"", b64(b":password-only")),
            format!("\"auth\": \"{}\"", b64(b"user-only:")),
            format!("\"auth\": \"{}\"", b64(b"bin\x01ary:\xff\xfe")),
            format!("\"author\": \"{}\"", b64(b"user:password")),
            format!("x: {}", b64(br#"{"auths":{"ghcr.io":{}}}"#)),
        ] {
            let got = kinds(buf.as_bytes());
            assert!(got.is_empty(), "{buf}: {got:?}");
        }
    }

    #[test]
    fn base64_private_keys() {
        let data = b64(PEM);
        let kubeconfig = format!("users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=\n    client-key-data: {data}\n");
        assert_eq!(
            kinds(kubeconfig.as_bytes()),
            vec![(data.clone(), KubeconfigClientKey)]
        );
        let secret = format!("data:\n  tls.key: {data}\n");
        assert_eq!(kinds(secret.as_bytes()), vec![(data, PrivateKey)]);
    }

    #[test]
    fn not_base64_private_keys() {
        for pem in [
            &b"-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIYm9vdHN0cmFwMA0GCSqGSIb3DQEBCwUA\n"
                [..],
            b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
        ] {
            let buf = format!("client-key-data: {}\n", b64(pem));
            let got = kinds(buf.as_bytes());
            assert!(got.is_empty(), "{buf}: {got:?}");
        }
    }

    #[test]
    fn bootstrap_tokens() {
        let t = "07401b.f395accd246ae52d";
        for buf in [
            format!("kubeadm\x00join\x00--token\x00{t}\x00"),
            format!("    token: {t}\n"),
            format!("--token={t} "),
            format!("\"token\": \"{t}\""),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(t.to_string(), K8sBootstrapToken)],
                "{buf:?}"
            );
        }
    }

    #[test]
    fn not_bootstrap_tokens() {
        for buf in [
            "token: 07401b.f395accd246ae52",    // 15 after the dot
            "token: 07401b.f395accd246ae52dd",  // 17: another format
            "token: 07401B.F395ACCD246AE52D",   // upper case
            "name: 07401b.f395accd246ae52d",    // no token keyword
            "token: 07401b.f395accd246ae52d.x", // a dotted name
        ] {
            let got = kinds(buf.as_bytes());
            assert!(
                !got.iter().any(|(_, k)| *k == K8sBootstrapToken),
                "{buf}: {got:?}"
            );
        }
    }
}
