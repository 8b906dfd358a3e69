//! `keyword=value` secrets: an identifier containing password, passwd, pwd, secret, token or
//! api_key/apikey (so `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN` count), then `=` or
//! `:`, then a value of 8 to 256 bytes whose Shannon entropy is at least
//! [`MIN_ENTROPY`] bits per byte. Placeholders (`${VAR}`, `<your-key>`, `changeme`, `****`), paths
//! and booleans are not reported. The hit is the value.

use regex::bytes::Regex;

use super::{ascii_regex, entropy, Hit, Kind};

/// Bits per byte a value needs to count as a secret (random base64 has ~6, English words ~2.5-3).
pub const MIN_ENTROPY: f64 = 3.0;

pub struct Keyword {
    re: Regex,
}

impl Keyword {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(
                r#"(?i)(?:password|passwd|pwd|secret|token|api[_-]?key)[a-z0-9_.-]*["']?[ \t]*[:=][ \t]*["']?([[\x21-\x7e]&&[^"'`,;&<>]]{8,256})"#,
            ),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let Some(v) = caps.get(1) else { continue };
            let value = v.as_bytes();
            if looks_secret(value) {
                out.push(Hit {
                    range: from + v.start()..from + v.end(),
                    kind: Kind::KeywordSecret,
                });
            }
        }
    }
}

/// High entropy and not a placeholder, path, reference or boolean.
pub fn looks_secret(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    let placeholder = [
        &b"${"[..],
        b"{{",
        b"$(",
        b"%",
        b"/",
        b"./",
        b"~/",
        b"***",
        b"xxx",
        b"...",
    ];
    if placeholder.iter().any(|p| lower.starts_with(p))
        || [
            &b"changeme"[..],
            b"redacted",
            b"example",
            b"placeholder",
            b"your",
            b"***",
            b"xxxx",
        ]
        .iter()
        .any(|w| lower.windows(w.len()).any(|x| x == *w))
        || matches!(&lower[..], b"true" | b"false" | b"null" | b"none")
        || is_plain_url(&lower)
    {
        return false;
    }
    entropy(value) >= MIN_ENTROPY
}

/// `scheme://...` with no `user:password@` (an endpoint such as `token_uri`, not a secret; a
/// password in a URL is the url detector's).
fn is_plain_url(value: &[u8]) -> bool {
    let Some(i) = value.windows(3).position(|w| w == b"://") else {
        return false;
    };
    i > 0 && value[..i].iter().all(u8::is_ascii_alphanumeric) && !value.contains(&b'@')
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::KeywordSecret;

    #[test]
    fn keyword_secrets() {
        for (buf, value) in [
            ("password=Xk9#mQ2$vL7pR4wz", "Xk9#mQ2$vL7pR4wz"),
            ("DB_PASSWORD=s3cr3tP@ssw0rd!", "s3cr3tP@ssw0rd!"),
            (
                "\x00AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLQ\x00",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLQ",
            ),
            (
                "api_key: \"9f8e7d6c5b4a39281706f5e4d3c2b1a0\"",
                "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            ),
            (
                // (with a ghp_ prefix it is a github-token, see token.rs)
                "GITHUB_TOKEN=R4nd0mT0k3nV4lu3W1thD1g1ts00",
                "R4nd0mT0k3nV4lu3W1thD1g1ts00",
            ),
            ("client_secret = 'b7Q-vN2_pL9zX4'", "b7Q-vN2_pL9zX4"),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(value.to_string(), KeywordSecret)],
                "{buf}"
            );
        }
    }

    #[test]
    fn not_keyword_secrets() {
        for buf in [
            "password=changeme",
            "password=aaaaaaaaaaaa",
            "password=hunter22", // low entropy
            "token: ${SERVICE_TOKEN}",
            "api_key=<your-api-key-here>",
            "secret_file=/var/run/secrets/kubernetes.io/serviceaccount/token",
            "enable_token_auth=false",
            "password=********",
            "password_min_length=12",
            "username=administrator", // no keyword
            "SECRET_KEY=YOUR_SECRET_KEY_EXAMPLE",
            "\"token_uri\": \"https://oauth2.googleapis.com/token\"", // an endpoint
            "VAULT_TOKEN_URL=https://vault.internal:8200/v1/auth/token",
        ] {
            assert!(
                kinds(buf.as_bytes()).is_empty(),
                "{buf}: {:?}",
                kinds(buf.as_bytes())
            );
        }
    }
}
