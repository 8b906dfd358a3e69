//! Credentials in a URL: `scheme://user:password@host`. The hit is the password.

use memchr::memmem;

use super::{Hit, Kind};

/// The longest scheme, user and password looked at.
const MAX_SCHEME: usize = 32;
const MAX_PART: usize = 256;

/// Found from each `://` (a literal search), then parsed by hand: a regex with the scheme before
/// `://` has no literal prefix, and its 256-byte counters blow up the lazy DFA's states on binary
/// data (it then falls back to the PikeVM).
pub struct UrlCredentials {
    sep: memmem::Finder<'static>,
}

impl UrlCredentials {
    pub fn new() -> Self {
        Self {
            sep: memmem::Finder::new(b"://"),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        // A scheme may start before `from`: look from a little earlier for the separator.
        let lo = from.saturating_sub(MAX_SCHEME + 3);
        for i in self.sep.find_iter(&buf[lo..]) {
            let i = lo + i;
            if let Some(range) = password_at(buf, i) {
                out.push(Hit {
                    range,
                    kind: Kind::UrlCredentials,
                });
            }
        }
    }
}

/// The password of `scheme://user:password@` whose `://` is at `sep`: a scheme of a letter then
/// up to 31 letters, digits, `+`, `.` or `-` starting at a word boundary; a user of 1 to 256
/// bytes other than `/`, `:`, `@` and white space; a password of 1 to 256 bytes other than `/`,
/// `@` and white space.
fn password_at(buf: &[u8], sep: usize) -> Option<std::ops::Range<usize>> {
    let scheme_byte = |b: u8| b.is_ascii_alphanumeric() || b"+.-".contains(&b);
    let mut s = sep;
    while s > 0 && sep - s < MAX_SCHEME && scheme_byte(buf[s - 1]) {
        s -= 1;
    }
    // The scheme starts at its first letter (a digit or `+.-` before it is not part of it).
    while s < sep && !buf[s].is_ascii_alphabetic() {
        s += 1;
    }
    if s == sep || (s > 0 && (buf[s - 1].is_ascii_alphanumeric() || buf[s - 1] == b'_')) {
        return None;
    }
    let space = |b: u8| b.is_ascii_whitespace() || b == 0x0b;
    let user_start = sep + 3;
    let user_len = buf[user_start..]
        .iter()
        .take(MAX_PART + 1)
        .take_while(|&&b| !(b == b'/' || b == b':' || b == b'@' || space(b)))
        .count();
    let colon = user_start + user_len;
    if user_len == 0 || user_len > MAX_PART || buf.get(colon) != Some(&b':') {
        return None;
    }
    let pw_start = colon + 1;
    // The password runs to the last `@` before a `/`, white space or the length limit (as the
    // greedy `[^/\s@]{1,256}@` would have it, `p:w` included).
    let run = buf[pw_start..]
        .iter()
        .take(MAX_PART + 1)
        .take_while(|&&b| !(b == b'/' || b == b'@' || space(b)))
        .count();
    if run == 0 || run > MAX_PART || buf.get(pw_start + run) != Some(&b'@') {
        return None;
    }
    Some(pw_start..pw_start + run)
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
