//! Service tokens recognised by their prefix, as gitleaks matches them: GitHub (`ghp_`, `gho_`,
//! `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (personal `glpat-`, deploy `gldt-`, runner
//! `glrt-`, pipeline trigger `glptt-`, feed `glft-`, SCIM `glsoat-`, OAuth `gloas-`, mail
//! `glimt-`, feature-flag `glffct-`, agent `glagent-`, CI job `glcbt-`, runner registration
//! `GR1348941`), Slack (`xoxb-`, `xoxa-`, `xoxp-`, `xoxr-`, `xoxs-`, `xoxe-`, `xoxe.xoxp-` config
//! tokens, `xapp-` app tokens) and Stripe secret and restricted keys (`sk_`/`rk_` and `live_`,
//! `test_`, `prod_`), not inside a longer word. The hit is the whole token.

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
                r"|((?:glpat|gldt|glrt|glptt|glft|glsoat|gloas|glimt|glffct|glagent)-[A-Za-z0-9_.-]{20,300}",
                r"|glcbt-[A-Za-z0-9]{1,5}_[A-Za-z0-9_-]{20,64}|GR1348941[A-Za-z0-9_-]{20,64})",
                r"|((?:xoxe\.)?xox[abeprs]-[A-Za-z0-9-]{10,255}|xapp-[0-9]-[A-Za-z0-9-]{10,255})",
                r"|([sr]k_(?:live|test|prod)_[A-Za-z0-9]{10,255})",
            )),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let m = caps.get(0).expect("whole match");
            let s = from + m.start();
            // A routable GitLab token may end in `.xx`; a sentence's full stop is not part of it.
            let dots = m
                .as_bytes()
                .iter()
                .rev()
                .take_while(|&&b| b == b'.')
                .count();
            let e = from + m.end() - dots;
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
            (
                format!("DEPLOY={}", "gldt-Xq8vN2pLz7Rk4Wm9Tb3Y"),
                "gldt-Xq8vN2pLz7Rk4Wm9Tb3Y",
                GitlabToken,
            ),
            (
                "runner token glrt-t1_Xq8vN2pLz7Rk4Wm9Tb3Yc6Hd.01abcdefg.".to_string(),
                "glrt-t1_Xq8vN2pLz7Rk4Wm9Tb3Yc6Hd.01abcdefg",
                GitlabToken,
            ),
            (
                "CI_JOB_TOKEN=glcbt-64_Xq8vN2pLz7Rk4Wm9Tb3Yc6".to_string(),
                "glcbt-64_Xq8vN2pLz7Rk4Wm9Tb3Yc6",
                GitlabToken,
            ),
            (
                "--registration-token GR1348941Xq8vN2pLz7Rk4Wm9Tb3Y".to_string(),
                "GR1348941Xq8vN2pLz7Rk4Wm9Tb3Y",
                GitlabToken,
            ),
            (
                "SLACK_APP_TOKEN=xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f".to_string(),
                "xapp-1-A0123456789-1234567890123-0a1b2c3d4e5f",
                SlackToken,
            ),
            (
                "xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMjM0".to_string(),
                "xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMjM0",
                SlackToken,
            ),
            (
                "STRIPE_KEY=sk_prod_4eC39HqLyjWDarjtT1zdp7dc".to_string(),
                "sk_prod_4eC39HqLyjWDarjtT1zdp7dc",
                StripeKey,
            ),
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
            "gldx-Xq8vN2pLz7Rk4Wm9Tb3Y",                 // unknown GitLab kind
            "gldt-Xq8vN2pLz7Rk4Wm9",                     // too short
            "xapp-Xq8vN2pLz7Rk4Wm9Tb3Y",                 // no app-token digit
            "sk_stage_4eC39HqLyjWDarjtT1zdp7dc",         // unknown Stripe mode
        ] {
            assert!(kinds(buf.as_bytes()).is_empty(), "{buf}");
        }
    }
}
