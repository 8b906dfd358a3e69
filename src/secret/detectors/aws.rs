//! AWS access key ids: a four-letter prefix (AKIA long-term, ASIA temporary, ABIA, ACCA, A3T?)
//! and 16 upper-case letters or digits (as gitleaks matches them), not inside a longer word.

use regex::bytes::Regex;

use super::{ascii_regex, is_word, Hit, Kind};

pub struct Aws {
    re: Regex,
}

impl Aws {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}"),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::AwsAccessKey;

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
}
