//! Credentials in a URL: `scheme://user:password@host`. The hit is the password.

use regex::bytes::Regex;

use super::{ascii_regex, Hit, Kind};

pub struct UrlCredentials {
    re: Regex,
}

impl UrlCredentials {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,31}://[^/\s:@]{1,256}:([^/\s@]{1,256})@"),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let p = caps.get(1).expect("password group");
            out.push(Hit {
                range: from + p.start()..from + p.end(),
                kind: Kind::UrlCredentials,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::UrlCredentials;

    #[test]
    fn passwords_in_urls() {
        for (buf, pw) in [
            ("DATABASE_URL=postgres://app:hunter2@db:5432/x", "hunter2"),
            ("redis://default:s3cr%40t@cache", "s3cr%40t"),
            ("https://user:p:w@example.com/", "p:w"),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(pw.to_string(), UrlCredentials)],
                "{buf}"
            );
        }
    }

    #[test]
    fn urls_without_passwords() {
        for buf in [
            "https://example.com/a:b@c",
            "https://user@example.com/",
            "ssh://host:22/path",
            "mailto:someone@example.com",
        ] {
            assert!(kinds(buf.as_bytes()).is_empty(), "{buf}");
        }
    }
}
