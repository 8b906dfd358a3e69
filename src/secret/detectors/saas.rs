//! API keys of SaaS and developer services, each recognised by its own prefix and shape:
//! npm (`npm_` and 36), PyPI (`pypi-` and the macaroon's `AgEIcHlwaS5vcmc`), SendGrid
//! (`SG.` 22 `.` 43), Twilio (`SK` and 32 hex), OpenAI (`sk-`, `sk-proj-`, ... with the
//! `T3BlbkFJ` marker), Anthropic (`sk-ant-api03-` 93 `AA`), HashiCorp Vault (`hvs.`, `hvb.`),
//! Hugging Face (`hf_` and 34 letters), DigitalOcean (`dop_v1_`, `doo_v1_`, `dor_v1_` and 64 hex),
//! Grafana (`glsa_`, `glc_`), age (`AGE-SECRET-KEY-1` and 58 bech32) and Slack webhook URLs
//! (`hooks.slack.com/services/...`); Datadog keys (32 or 40 hex) have no prefix and are taken
//! only after a Datadog key name (`DD_API_KEY=`, `datadog_app_key:`). None is reported inside a
//! longer word.

use regex::bytes::Regex;

use super::{ascii_regex, entropy, is_in, Hit, Kind};

/// The families, in the order of the regex's groups.
const FAMILIES: &[(Kind, &str)] = &[
    (Kind::NpmToken, r"npm_[A-Za-z0-9]{36}"),
    (
        Kind::PypiToken,
        r"pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}",
    ),
    (
        Kind::SendgridKey,
        r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
    ),
    (Kind::TwilioKey, r"SK[0-9a-fA-F]{32}"),
    (
        Kind::OpenaiKey,
        r"sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}",
    ),
    (
        Kind::AnthropicKey,
        r"sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{93}AA",
    ),
    (
        Kind::VaultToken,
        r"hvs\.[A-Za-z0-9_-]{24,255}|hvb\.[A-Za-z0-9_-]{100,400}",
    ),
    (Kind::HuggingfaceToken, r"hf_[A-Za-z]{34}"),
    (Kind::DigitaloceanToken, r"do[opr]_v1_[a-f0-9]{64}"),
    (
        Kind::GrafanaToken,
        r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,400}={0,2}",
    ),
    (
        Kind::AgeSecretKey,
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
    ),
    (
        Kind::SlackWebhook,
        r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
    ),
];

/// Bits per byte a Vault token needs (they are random base62 after a protobuf header).
const VAULT_ENTROPY: f64 = 3.5;

pub struct Saas {
    re: Regex,
    datadog: Regex,
}

impl Saas {
    pub fn new() -> Self {
        let alternation: Vec<String> = FAMILIES.iter().map(|(_, r)| format!("({r})")).collect();
        Self {
            re: ascii_regex(&alternation.join("|")),
            // Spellings listed, not `(?i)` (which defeats the literal prefilter).
            datadog: ascii_regex(
                r#"(?:(?:DD|DATADOG)_(?:API|APP|APPLICATION)_KEY|(?:dd|datadog)_(?:api|app|application)_key|(?:dd|datadog)(?:Api|App|Application)Key)["']?[ \t]*[:=][ \t]*["']?([a-f0-9]{40}|[a-f0-9]{32})"#,
            ),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let Some((i, m)) = caps
                .iter()
                .enumerate()
                .skip(1)
                .find_map(|(i, m)| Some((i, m?)))
            else {
                continue;
            };
            let kind = FAMILIES[i - 1].0;
            let (s, e) = (from + m.start(), from + m.end());
            // The bytes that would make it part of a longer token on either side.
            let body: &[u8] = match kind {
                Kind::GrafanaToken | Kind::SlackWebhook => b"_+/=",
                _ => b"_-",
            };
            let before_ok = kind == Kind::SlackWebhook || !is_in(buf, s.checked_sub(1), b"_");
            if !before_ok || is_in(buf, Some(e), body) {
                continue;
            }
            if kind == Kind::VaultToken && entropy(&buf[s + 4..e]) < VAULT_ENTROPY {
                continue;
            }
            out.push(Hit { range: s..e, kind });
        }
        for caps in self.datadog.captures_iter(&buf[from..]) {
            let Some(v) = caps.get(1) else { continue };
            let (s, e) = (from + v.start(), from + v.end());
            if !is_in(buf, Some(e), b"_") {
                out.push(Hit {
                    range: s..e,
                    kind: Kind::DatadogKey,
                });
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::kinds;
    use super::super::Kind;
    use super::super::Kind::*;

    /// One well-formed fake of each family, and a line it sits in.
    pub(crate) fn samples() -> Vec<(Kind, String, String)> {
        let npm = "npm_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6Ki".to_string();
        let pypi = format!(
            "pypi-AgEIcHlwaS5vcmcCJDk2YjQ5ZTg4LWI2MWYtNDFmMC04ZTA3LTM3N2M2ZDJjNDVhNAACKlszLCJiYTQ3{}",
            "ZmRkOS0yY2E3LTRiMjctYmQ5Mi1mNGM0N2Q2YjIzYTEiXQAABiBvQUmUc0pXq8n"
        );
        let sendgrid =
            "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".to_string();
        let twilio = "SK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1e".to_string();
        let openai = format!(
            "sk-proj-{}T3BlbkFJ{}",
            "Q8mZr2XkPv7Lw3Nc9Tb5Hy1Jd6Fs4Ga0Ue8Ri2Oq7Wm5Kn3Yp1Vx9Zc4Bt6Lh2Ej8Dg0Su",
            "Mf3Aw7Ix1Cz5Qk9Np2Rv6Ty0Gb4Hs8Jd3Le7Ou1Wm5Xc9Zq2Vn6Bp0Yr4Tk8Fg2Ha6Dj"
        );
        let anthropic = format!(
            "sk-ant-api03-{}AA",
            "Jx7Kq2Lm9Np4Rs6Tv1Wy3Za5Bc8De0Fg2Hi4Jk6Lm8No0Pq2Rs4Tu6Vw8Xy0Za2Bc4De6Fg8Hi0Jk2Lm4No6Pq8Rs_-xz"
        );
        let vault = format!(
            "hvs.CAESI{}",
            "Jq8vK3mX9pL2wN7rT5yB1cF6hD4sG0aZ8eU3iO7kW2xM5nQ9jV1bR6tY4uH8gCGh4KHGh2cy5YTk1cWVLZnRrU0p0RWhZ"
        );
        let hf = "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".to_string();
        let digitalocean =
            "dop_v1_6f2c9a1e4b7d0f3a8c5e2b9d6f1a4c7e0b3d8f5a2c9e6b1d4f7a0c3e8b5d2f9a".to_string();
        let grafana = "glsa_Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id_1a2b3c4d".to_string();
        let age = "AGE-SECRET-KEY-15FERYXHRDZ9M6Y09MR8WRERWZGJ6F8NTXVHXYRDLM5AAHN0T09NL4UJY86"
            .to_string();
        let webhook =
            "https://hooks.slack.com/services/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"
                .to_string();
        let datadog = "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c2e".to_string();
        vec![
            (
                NpmToken,
                format!("//registry.npmjs.org/:_authToken={npm}\n"),
                npm,
            ),
            (
                PypiToken,
                format!("[pypi]\n  username = __token__\n  password = {pypi}\n"),
                pypi,
            ),
            (
                SendgridKey,
                format!("SENDGRID_API_KEY={sendgrid}\n"),
                sendgrid,
            ),
            (TwilioKey, format!("TWILIO_API_KEY_SID={twilio}\n"), twilio),
            (OpenaiKey, format!("OPENAI_API_KEY={openai}\n"), openai),
            (
                AnthropicKey,
                format!("ANTHROPIC_API_KEY={anthropic}\n"),
                anthropic,
            ),
            (VaultToken, format!("VAULT_TOKEN={vault}\n"), vault),
            (HuggingfaceToken, format!("HF_TOKEN={hf}\n"), hf),
            (
                DigitaloceanToken,
                format!("DIGITALOCEAN_ACCESS_TOKEN={digitalocean}\n"),
                digitalocean,
            ),
            (GrafanaToken, format!("GRAFANA_TOKEN={grafana}\n"), grafana),
            (AgeSecretKey, format!("# created: 2024-01-01\n{age}\n"), age),
            (
                SlackWebhook,
                format!("SLACK_WEBHOOK_URL={webhook}\n"),
                webhook,
            ),
            (DatadogKey, format!("DD_API_KEY={datadog}\n"), datadog),
        ]
    }

    #[test]
    fn saas_keys() {
        for (kind, buf, secret) in samples() {
            assert_eq!(kinds(buf.as_bytes()), vec![(secret, kind)], "{buf}");
        }
        // Quoted, in JSON and YAML.
        let (_, _, npm) = &samples()[0];
        assert_eq!(
            kinds(format!("{{\"token\": \"{npm}\"}}").as_bytes()),
            vec![(npm.clone(), NpmToken)]
        );
        let dd = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            kinds(format!("datadog_app_key: '{dd}'").as_bytes()),
            vec![(dd.to_string(), DatadogKey)]
        );
    }

    /// Look-alikes of each family (wrong length, wrong prefix or alphabet), none of that kind.
    fn lookalikes() -> Vec<(Kind, &'static str)> {
        vec![
            (NpmToken, "npm_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6K"),
            (NpmToken, "npx_4tYhG8kLp2QzW9xNc3VbR7mJd5FsA1eUo6Ki"),
            (PypiToken, "pypi-AgEIcHlwaS5vcmcCJDk2YjQ5ZTg4LWI2MWYtNDFmMC04"),
            (PypiToken, "pypi-AgEIcHlwaS5jb20CJDk2YjQ5ZTg4LWI2MWYtNDFmMC04ZTA3LTM3N2M2ZDJjNDVhNAACKlsz"),
            (SendgridKey, "SG.ngeVfQFYQlKU0ufo8x5d1.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"),
            (SendgridKey, "SX.ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"),
            (TwilioKey, "SK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1"),
            (TwilioKey, "SK2a6f4c8e0b1d3f5a7c9e1b3d5f7a9c1z"),
            (OpenaiKey, "sk-proj-Q8mZr2XkPv7Lw3Nc9Tb5Hy1Jd6Fs4Ga0Ue8Ri2Oq7Wm5Kn3Yp1Vx9Zc4Bt6Lh2Ej8Dg0Su"),
            (OpenaiKey, "sk-proj-Q8mZr2XkPv7Lw3Nc9Tb5Hy1JT3BlbkFJMf3Aw7Ix1Cz5"),
            (AnthropicKey, "sk-ant-api03-Jx7Kq2Lm9Np4Rs6Tv1Wy3Za5Bc8De0Fg2Hi4Jk6Lm8No0Pq2Rs4Tu6Vw8Xy0Za2Bc4De6Fg8Hi0Jk2Lm4No6Pq8Rs_-xAA"),
            (AnthropicKey, "sk-ant-api03-Jx7Kq2Lm9Np4Rs6Tv1Wy3Za5Bc8De0Fg2Hi4Jk6Lm8No0Pq2Rs4Tu6Vw8Xy0Za2Bc4De6Fg8Hi0Jk2Lm4No6Pq8Rs_-xzAB"),
            (VaultToken, "hvs.CAESIJq8vK3mX9pL2w"),
            (VaultToken, "hvx.CAESIJq8vK3mX9pL2wN7rT5yB1cF6hD4sG0aZ8eU3iO7kW2xM5nQ9jV1bR6tY4uH8g"),
            (VaultToken, "hvs.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            (HuggingfaceToken, "hf_QmXrTbPzLkWvNcYdHsJfGaEuIoKpRlMnB"),
            (HuggingfaceToken, "hf_QmXrTbPzLkWvNcYdHsJfGaEuIoKpRlMn1x"),
            (HuggingfaceToken, "hf_model_cache_directory_for_the_user_x"),
            (DigitaloceanToken, "dop_v1_6f2c9a1e4b7d0f3a8c5e2b9d6f1a4c7e0b3d8f5a2c9e6b1d4f7a0c3e8b5d2f9"),
            (DigitaloceanToken, "dop_v2_6f2c9a1e4b7d0f3a8c5e2b9d6f1a4c7e0b3d8f5a2c9e6b1d4f7a0c3e8b5d2f9a"),
            (GrafanaToken, "glsa_Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id_1a2b3c4"),
            (GrafanaToken, "glsx_Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id_1a2b3c4d"),
            (AgeSecretKey, "AGE-SECRET-KEY-15FERYXHRDZ9M6Y09MR8WRERWZGJ6F8NTXVHXYRDLM5AAHN0T09NL4UJY8"),
            (AgeSecretKey, "AGE-SECRET-KEY-15FERYXHRDZ9M6Y09MR8WRERWZGJ6F8NTXVHXYRDLM5AAHN0T09NL4UJY8B"),
            (SlackWebhook, "https://hooks.slack.com/services/T0A1B2C3D4E"),
            (SlackWebhook, "https://hooks.slack.org/services/T0A1B2C3D4E/B0F5G6H7J8K/q9W8e7R6t5Y4u3I2o1P0aSdF"),
            (DatadogKey, "DD_API_KEY=3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c2"),
            (DatadogKey, "DD_API_KEY=0123456789abcdef0123456789abcdeg"),
            (DatadogKey, "app_key=3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c2e"),
        ]
    }

    #[test]
    fn not_saas_keys() {
        for (kind, _, secret) in samples() {
            // Inside a longer word (a PyPI, Vault or OpenAI token may be longer: its own bytes
            // after it make a longer token, not a word).
            let mut bufs = vec![];
            if ![PypiToken, VaultToken, OpenaiKey].contains(&kind) {
                bufs.push(format!("x {secret}_more "));
            }
            if kind != SlackWebhook && kind != DatadogKey {
                bufs.push(format!("x{secret} "));
            }
            for buf in bufs {
                let got = kinds(buf.as_bytes());
                assert!(
                    !got.iter().any(|(_, k)| *k == kind),
                    "{kind:?} {buf:?}: {got:?}"
                );
            }
        }
        for (kind, buf) in lookalikes() {
            let buf = format!("x {buf} ");
            let got = kinds(buf.as_bytes());
            assert!(
                !got.iter().any(|(_, k)| *k == kind),
                "{kind:?} {buf:?}: {got:?}"
            );
        }
    }
}
