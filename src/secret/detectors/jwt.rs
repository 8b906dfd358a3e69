//! JSON Web Tokens (`eyJ<header>.eyJ<payload>.<signature>`, base64url), and among them Kubernetes
//! service-account tokens: the payload's claims are decoded and a token whose issuer is
//! `kubernetes/serviceaccount` or that carries `kubernetes.io` claims is reported as one.

use regex::bytes::Regex;

use super::{ascii_regex, is_word, Hit, Kind};

pub struct Jwt {
    re: Regex,
}

impl Jwt {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for m in self.re.find_iter(&buf[from..]) {
            let (s, e) = (from + m.start(), from + m.end());
            let boundary = |i: Option<usize>| {
                is_word(buf, i)
                    || i.and_then(|i| buf.get(i))
                        .is_some_and(|&b| b == b'-' || b == b'.')
            };
            if boundary(s.checked_sub(1)) || boundary(Some(e)) {
                continue;
            }
            if let Some(kind) = classify(&buf[s..e]) {
                out.push(Hit { range: s..e, kind });
            }
        }
    }
}

/// A JWT (and which kind) if header and payload decode to JSON objects and the header has "alg".
pub fn classify(token: &[u8]) -> Option<Kind> {
    let mut parts = token.split(|&b| b == b'.');
    let header: serde_json::Value =
        serde_json::from_slice(&base64url_decode(parts.next()?)?).ok()?;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64url_decode(parts.next()?)?).ok()?;
    header.as_object()?.get("alg")?;
    let claims = claims.as_object()?;
    let k8s = claims.get("iss").and_then(|v| v.as_str()) == Some("kubernetes/serviceaccount")
        || claims.keys().any(|k| k.starts_with("kubernetes.io"));
    Some(if k8s {
        Kind::K8sServiceAccountToken
    } else {
        Kind::Jwt
    })
}

/// Decodes unpadded (or padded) base64url; `None` on any other byte or an impossible length.
pub fn base64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    if s.len() % 4 == 1 {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::{Jwt, K8sServiceAccountToken};
    use super::*;

    pub(crate) fn b64url(data: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let mut acc = 0u32;
            for (i, &b) in chunk.iter().enumerate() {
                acc |= u32::from(b) << (16 - 8 * i);
            }
            for i in 0..=chunk.len() {
                out.push(A[(acc >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    pub(crate) fn make_jwt(claims: &str) -> String {
        format!(
            "{}.{}.{}",
            b64url(br#"{"alg":"RS256","kid":"k1"}"#),
            b64url(claims.as_bytes()),
            b64url(b"not-a-real-signature-but-long-enough")
        )
    }

    #[test]
    fn base64url_round_trip() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\xff\xfe\x00"] {
            assert_eq!(
                base64url_decode(b64url(data).as_bytes()).as_deref(),
                Some(data)
            );
        }
        assert_eq!(base64url_decode(b"aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64url_decode(b"a"), None);
        assert_eq!(base64url_decode(b"a!bc"), None);
    }

    #[test]
    fn jwts_and_service_account_tokens() {
        let plain = make_jwt(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#);
        let bound = make_jwt(
            r#"{"aud":["https://kubernetes.default.svc"],"exp":1700000000,"iss":"https://kubernetes.default.svc","kubernetes.io":{"namespace":"default","serviceaccount":{"name":"default","uid":"0a0b"}},"sub":"system:serviceaccount:default:default"}"#,
        );
        let legacy = make_jwt(
            r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"kube-system","sub":"system:serviceaccount:kube-system:default"}"#,
        );
        assert_eq!(
            kinds(format!("Authorization: Bearer {plain}\n").as_bytes()),
            vec![(plain.clone(), Jwt)]
        );
        assert_eq!(
            kinds(format!("\x00{bound}\x00").as_bytes()),
            vec![(bound, K8sServiceAccountToken)]
        );
        assert_eq!(
            kinds(legacy.as_bytes()),
            vec![(legacy, K8sServiceAccountToken)]
        );
    }

    #[test]
    fn not_jwts() {
        let ok = make_jwt(r#"{"sub":"x","iat":1}"#);
        let no_alg = format!(
            "{}.{}.{}",
            b64url(br#"{"typ":"JWT"}"#),
            b64url(br#"{"sub":"x"}"#),
            b64url(b"signature-signature")
        );
        let not_json = format!(
            "eyJ{}.eyJ{}.{}",
            "A".repeat(20),
            "B".repeat(20),
            "C".repeat(20)
        );
        for buf in [
            "eyJhbGciOi.eyJzdWIi.c2ln".to_string(), // too short
            no_alg,
            not_json,
            format!("x{ok}"),     // inside a word
            format!("{ok}.more"), // inside a dotted name
        ] {
            assert!(kinds(buf.as_bytes()).is_empty(), "{buf}");
        }
    }
}
