//! Service tokens recognised by their prefix, as gitleaks matches them: GitHub (`ghp_`, `gho_`,
//! `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-`, `xoxa-`, `xoxp-`,
//! `xoxr-`, `xoxs-`) and Stripe secret and restricted keys (`sk_live_`, `sk_test_`, `rk_live_`,
//! `rk_test_`), not inside a longer word. The hit is the whole token.

use regex::bytes::Regex;

use super::{ascii_regex, is_word, Hit, Kind};

pub struct Token {
    re: Regex,
}

impl Token {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(concat!(
                r"(gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})",
                r"|(glpat-[A-Za-z0-9_-]{20,64})",
                r"|(xox[baprs]-[A-Za-z0-9-]{10,255})",
                r"|([sr]k_(?:live|test)_[A-Za-z0-9]{10,255})",
            )),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let m = caps.get(0).expect("whole match");
            let (s, e) = (from + m.start(), from + m.end());
            if is_word(buf, s.checked_sub(1)) || is_word(buf, Some(e)) {
                continue;
            }
            let kind = if caps.get(1).is_some() {
                Kind::GithubToken
            } else if caps.get(2).is_some() {
                Kind::GitlabToken
            } else if caps.get(3).is_some() {
                Kind::SlackToken
            } else {
                Kind::StripeKey
            };
            out.push(Hit { range: s..e, kind });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::{GithubToken, GitlabToken, SlackToken, StripeKey};

    #[test]
    fn tokens() {
        let gh = "ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz";
        let pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz";
        let gl = "glpat-xY3_kL9-mN2pQ7rS4tUv";
        let slack = "xoxb-1234567890-abcdefGHIJ";
        let stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        for (buf, tok, kind) in [
            (format!("GITHUB_TOKEN={gh}\n"), gh, GithubToken),
            (format!("\"{pat}\""), pat, GithubToken),
            (format!("token: {gl}"), gl, GitlabToken),
            (format!("SLACK={slack} "), slack, SlackToken),
            (format!("key={stripe}"), stripe, StripeKey),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(tok.to_string(), kind)],
                "{buf}"
            );
        }
    }

    #[test]
    fn not_tokens() {
        for buf in [
            "ghp_short",                                 // too short
            "xghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz", // inside a word
            "ghx_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz",  // unknown prefix
            "sk_live_",                                  // no body
            "xoxz-1234567890-abcdefGHIJ",                // unknown Slack kind
        ] {
            assert!(kinds(buf.as_bytes()).is_empty(), "{buf}");
        }
    }
}
