//! AWS credentials. Access key ids: a four-letter prefix (AKIA long-term, ASIA temporary, ABIA,
//! ACCA, A3T?) and 16 upper-case letters or digits (as gitleaks matches them), not inside a longer
//! word. Secret access keys: 40 base64 bytes (`A-Za-z0-9/+`) after a key name that says so
//! (`aws_secret_access_key = `, `"SecretAccessKey": "` as the instance-metadata and STS answers
//! spell it, `AWS_SECRET_KEY=`), or, with mixed case and high entropy, within
//! [`NEAR`] bytes after an access key id (`AKIA...,<secret>` in a credentials CSV).

use regex::bytes::Regex;

use super::{ascii_regex, entropy, is_in, is_word, Hit, Kind};

/// How far after an access key id a bare secret key is looked for.
pub const NEAR: usize = 256;

/// The bytes of a secret access key (base64 without padding).
const B64: &[u8] = b"+/";

pub struct Aws {
    re: Regex,
    secret: Regex,
    bare: Regex,
}

impl Aws {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}"),
            // The spellings are listed, not `(?i)`: case-insensitive names would have too many
            // variants for the regex's literal prefilter, and every byte would go through the DFA.
            secret: ascii_regex(
                r#"(?:(?:secret_access_key|SECRET_ACCESS_KEY|SecretAccessKey|secretAccessKey|aws_secret_key|AWS_SECRET_KEY)["']?[ \t]*[:=][ \t]*["']?)([A-Za-z0-9/+]{40})"#,
            ),
            bare: ascii_regex(r"[A-Za-z0-9/+]{40}"),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for m in self.re.find_iter(&buf[from..]) {
            let (s, e) = (from + m.start(), from + m.end());
            if is_word(buf, s.checked_sub(1)) || is_word(buf, Some(e)) {
                continue;
            }
            out.push(Hit {
                range: s..e,
                kind: Kind::AwsAccessKey,
            });
            self.near(buf, e, out);
        }
        for caps in self.secret.captures_iter(&buf[from..]) {
            let Some(v) = caps.get(1) else { continue };
            let (s, e) = (from + v.start(), from + v.end());
            if !is_in(buf, Some(e), B64) {
                out.push(Hit {
                    range: s..e,
                    kind: Kind::AwsSecretKey,
                });
            }
        }
    }

    /// A bare secret key soon after the access key id ending at `e`.
    fn near(&self, buf: &[u8], e: usize, out: &mut Vec<Hit>) {
        let end = (e + NEAR).min(buf.len());
        for m in self.bare.find_iter(&buf[e..end]) {
            let (s, t) = (e + m.start(), e + m.end());
            let key = &buf[s..t];
            if is_in(buf, s.checked_sub(1), B64)
                || is_in(buf, Some(t), B64)
                || !key.iter().any(u8::is_ascii_lowercase)
                || !key.iter().any(u8::is_ascii_uppercase)
                || entropy(key) < 4.0
            {
                continue;
            }
            out.push(Hit {
                range: s..t,
                kind: Kind::AwsSecretKey,
            });
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::{AwsAccessKey, AwsSecretKey};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE";

    #[test]
    fn access_key_ids() {
        for (buf, key) in [
            (
                "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
                "AKIAIOSFODNN7EXAMPLE",
            ),
            ("\x00ASIAY34FZKBOKMUTVV7A\x00", "ASIAY34FZKBOKMUTVV7A"),
            (
                "AWS_ACCESS_KEY_ID=AKIA2E0A8F3B244C9986",
                "AKIA2E0A8F3B244C9986",
            ),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(key.to_string(), AwsAccessKey)],
                "{buf}"
            );
        }
    }

    #[test]
    fn not_access_key_ids() {
        for buf in [
            "AKIAIOSFODNN7EXAMPL",   // too short
            "XAKIAIOSFODNN7EXAMPLE", // inside a word
            "AKIAIOSFODNN7EXAMPLEX", // inside a word
            "akiaiosfodnn7example",  // lower case
            "AKIDIOSFODNN7EXAMPLE",  // unknown prefix
        ] {
            assert!(kinds(buf.as_bytes()).is_empty(), "{buf}");
        }
    }

    #[test]
    fn secret_access_keys() {
        for buf in [
            format!("aws_secret_access_key = {SECRET}\n"),
            format!("\x00AWS_SECRET_ACCESS_KEY={SECRET}\x00"),
            format!("  \"SecretAccessKey\" : \"{SECRET}\",\n"),
            format!("AWS_SECRET_KEY='{SECRET}'"),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(SECRET.to_string(), AwsSecretKey)],
                "{buf}"
            );
        }
        // A credentials CSV: the id, then the secret with no key name.
        let csv = format!(
            "User name,Access key ID,Secret access key\nci,AKIAIOSFODNN7EXAMPLE,{SECRET}\n"
        );
        assert_eq!(
            kinds(csv.as_bytes()),
            vec![
                ("AKIAIOSFODNN7EXAMPLE".to_string(), AwsAccessKey),
                (SECRET.to_string(), AwsSecretKey)
            ]
        );
    }

    #[test]
    fn not_secret_access_keys() {
        for buf in [
            // 39 and 41 bytes after the key name.
            format!("aws_secret_access_key = {}\n", &SECRET[..39]),
            format!("aws_secret_access_key = {SECRET}A\n"),
            // A bare 40-byte value with no access key id before it.
            format!("value={SECRET}\n"),
            // Near a key id, but a hex digest (no upper case), and a path.
            "AKIAIOSFODNN7EXAMPLE 0123456789abcdef0123456789abcdef01234567".to_string(),
        ] {
            let got = kinds(buf.as_bytes());
            assert!(
                !got.iter().any(|(_, k)| *k == AwsSecretKey),
                "{buf}: {got:?}"
            );
        }
    }
}
