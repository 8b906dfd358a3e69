//! Built-in secret detectors, run when `ksec grep-secret` is given no PATTERN.
//!
//! Each detector looks at raw bytes and returns [`Hit`]s: the byte range of the secret and its
//! [`Kind`]. Detectors are pure functions over `&[u8]` (no I/O) and are tested with literal bytes,
//! true and false cases for every family.

use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::Regex;

use serde::Serialize;

mod aws;
mod card;
mod cloud;
mod jwt;
mod keyword;
mod kube;
mod pem;
mod saas;
mod token;
mod url;

/// What a detector found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The PATTERN given on the command line.
    Pattern,
    /// A PEM or OpenSSH private key header.
    PrivateKey,
    /// An AWS access key id (AKIA..., ASIA...).
    AwsAccessKey,
    /// An AWS secret access key: 40 base64 bytes after `aws_secret_access_key`/`SecretAccessKey`,
    /// or near an access key id.
    AwsSecretKey,
    /// A Google API key (`AIza` and 35 more).
    GcpApiKey,
    /// The private key of a GCP service-account JSON key file.
    GcpServiceAccountKey,
    /// The `AccountKey=` of an Azure storage connection string.
    AzureStorageKey,
    /// The `SharedAccessKey=` of an Azure Service Bus, Event Hubs or IoT Hub connection string.
    AzureSharedAccessKey,
    /// An Azure AD (Entra ID) application client secret (`...8Q~...`).
    AzureClientSecret,
    /// A base64 `user:password` in a Docker config's `"auth"` (~/.docker/config.json,
    /// .dockerconfigjson).
    DockerAuth,
    /// A kubeconfig's `client-key-data` (a base64 PEM private key).
    KubeconfigClientKey,
    /// A kubeadm bootstrap token (`abcdef.0123456789abcdef`) after `token`.
    K8sBootstrapToken,
    /// A Kubernetes service-account token (a JWT with kubernetes.io claims).
    K8sServiceAccountToken,
    /// A JSON Web Token.
    Jwt,
    /// A GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).
    GithubToken,
    /// A GitLab personal access token (glpat-).
    GitlabToken,
    /// A Slack token (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-).
    SlackToken,
    /// A Stripe secret or restricted key (sk_live_, sk_test_, rk_live_, rk_test_).
    StripeKey,
    /// A Slack incoming-webhook or workflow URL (hooks.slack.com/services/...).
    SlackWebhook,
    /// An npm access token (npm_).
    NpmToken,
    /// A PyPI upload token (pypi-AgEIcHlwaS5vcmc...).
    PypiToken,
    /// A SendGrid API key (SG.xxx.yyy).
    SendgridKey,
    /// A Twilio API key secret id (SK and 32 hex digits).
    TwilioKey,
    /// An OpenAI API key (sk-..., sk-proj-..., with the T3BlbkFJ marker).
    OpenaiKey,
    /// An Anthropic API key (sk-ant-api03-...).
    AnthropicKey,
    /// A HashiCorp Vault token (hvs., hvb.).
    VaultToken,
    /// A Datadog API or application key after a Datadog keyword.
    DatadogKey,
    /// A Hugging Face token (hf_).
    HuggingfaceToken,
    /// A DigitalOcean token (dop_v1_, doo_v1_, dor_v1_).
    DigitaloceanToken,
    /// A Grafana service-account or Cloud token (glsa_, glc_).
    GrafanaToken,
    /// An age secret key (AGE-SECRET-KEY-1...).
    AgeSecretKey,
    /// The password of `scheme://user:password@host`.
    UrlCredentials,
    /// A payment-card number passing the Luhn check, with an issuer's prefix and length.
    CreditCard,
    /// password=/secret=/token=/api_key= followed by a high-entropy value.
    KeywordSecret,
}

impl Kind {
    /// The kebab-case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pattern => "pattern",
            Kind::PrivateKey => "private-key",
            Kind::AwsAccessKey => "aws-access-key",
            Kind::AwsSecretKey => "aws-secret-key",
            Kind::GcpApiKey => "gcp-api-key",
            Kind::GcpServiceAccountKey => "gcp-service-account-key",
            Kind::AzureStorageKey => "azure-storage-key",
            Kind::AzureSharedAccessKey => "azure-shared-access-key",
            Kind::AzureClientSecret => "azure-client-secret",
            Kind::DockerAuth => "docker-auth",
            Kind::KubeconfigClientKey => "kubeconfig-client-key",
            Kind::K8sBootstrapToken => "k8s-bootstrap-token",
            Kind::K8sServiceAccountToken => "k8s-service-account-token",
            Kind::Jwt => "jwt",
            Kind::GithubToken => "github-token",
            Kind::GitlabToken => "gitlab-token",
            Kind::SlackToken => "slack-token",
            Kind::StripeKey => "stripe-key",
            Kind::SlackWebhook => "slack-webhook",
            Kind::NpmToken => "npm-token",
            Kind::PypiToken => "pypi-token",
            Kind::SendgridKey => "sendgrid-key",
            Kind::TwilioKey => "twilio-key",
            Kind::OpenaiKey => "openai-key",
            Kind::AnthropicKey => "anthropic-key",
            Kind::VaultToken => "vault-token",
            Kind::DatadogKey => "datadog-key",
            Kind::HuggingfaceToken => "huggingface-token",
            Kind::DigitaloceanToken => "digitalocean-token",
            Kind::GrafanaToken => "grafana-token",
            Kind::AgeSecretKey => "age-secret-key",
            Kind::UrlCredentials => "url-credentials",
            Kind::CreditCard => "credit-card",
            Kind::KeywordSecret => "keyword-secret",
        }
    }

    /// Lower is more specific: when two hits overlap, the more specific one is kept.
    fn rank(self) -> u8 {
        match self {
            Kind::Pattern => 0,
            // A key inside a format that says whose it is, over the bare PEM header.
            Kind::GcpServiceAccountKey | Kind::KubeconfigClientKey => 1,
            Kind::PrivateKey => 2,
            Kind::K8sServiceAccountToken => 3,
            Kind::Jwt => 5,
            Kind::UrlCredentials => 6,
            Kind::CreditCard => 7,
            Kind::KeywordSecret => 8,
            // Every other kind is a token or key recognised by its own format.
            _ => 4,
        }
    }
}

/// One detection: the secret's bytes are `range` of the searched buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub range: Range<usize>,
    pub kind: Kind,
}

/// All built-in detectors, compiled once.
pub struct Detectors {
    pem: pem::Pem,
    aws: aws::Aws,
    cloud: cloud::Cloud,
    kube: kube::Kube,
    saas: saas::Saas,
    jwt: jwt::Jwt,
    card: card::Card,
    keyword: keyword::Keyword,
    token: token::Token,
    url: url::UrlCredentials,
}

impl Default for Detectors {
    fn default() -> Self {
        Self::new()
    }
}

impl Detectors {
    /// Compiles every detector.
    pub fn new() -> Self {
        Self {
            pem: pem::Pem::new(),
            aws: aws::Aws::new(),
            cloud: cloud::Cloud::new(),
            kube: kube::Kube::new(),
            saas: saas::Saas::new(),
            jwt: jwt::Jwt::new(),
            card: card::Card::new(),
            keyword: keyword::Keyword::new(),
            token: token::Token::new(),
            url: url::UrlCredentials::new(),
        }
    }

    /// Hits in `buf` starting in `from..to` (bytes outside that range are looked at for
    /// boundaries only), sorted by start, overlaps resolved in favour of the more specific kind.
    pub fn find(&self, buf: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        let mut hits = Vec::new();
        self.pem.find(buf, from, &mut hits);
        self.aws.find(buf, from, &mut hits);
        self.cloud.find(buf, from, &mut hits);
        self.kube.find(buf, from, &mut hits);
        self.saas.find(buf, from, &mut hits);
        self.jwt.find(buf, from, &mut hits);
        self.card.find(buf, from, &mut hits);
        self.keyword.find(buf, from, &mut hits);
        self.token.find(buf, from, &mut hits);
        self.url.find(buf, from, &mut hits);
        hits.retain(|h| h.range.start >= from && h.range.start < to);
        hits.sort_by_key(|h| (h.range.start, h.kind.rank()));
        resolve_overlaps(hits, out);
    }

    /// True when any detector finds a secret in `buf` (the whole of it searched).
    pub fn any(&self, buf: &[u8]) -> bool {
        let mut out = Vec::new();
        self.find(buf, 0, buf.len(), &mut out);
        !out.is_empty()
    }
}

/// The detectors, compiled once per process (for callers that check many small values, such as
/// `ksec environ --redact`).
pub fn shared() -> &'static Detectors {
    static SHARED: OnceLock<Detectors> = OnceLock::new();
    SHARED.get_or_init(Detectors::new)
}

/// True when an environment variable's name says it holds a secret (password, token, key,
/// credential, session, cookie...), whatever its value.
pub fn is_secret_name(name: &[u8]) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)pass(wd|word)?|secret|token|api_?key|access_?key|private|credential|auth|session|cookie|signature|_key$|^key$|dsn|salt",
        )
        .expect("valid regex")
    })
    .is_match(name)
}

/// True when an environment variable looks like it holds a secret: its name says so
/// ([`is_secret_name`]) or a detector finds one in its value. `ksec environ --redact` and
/// `ksec grep-secret` use this one set of rules.
pub fn is_secret_var(name: &[u8], value: &[u8]) -> bool {
    is_secret_name(name) || shared().any(value)
}

/// Keeps, of overlapping hits, the most specific (lowest rank); input sorted by start.
fn resolve_overlaps(hits: Vec<Hit>, out: &mut Vec<Hit>) {
    let base = out.len();
    for h in hits {
        let mut keep = true;
        let mut i = base;
        while i < out.len() {
            let o = &out[i];
            if o.range.start < h.range.end && h.range.start < o.range.end {
                if h.kind.rank() < o.kind.rank() {
                    out.remove(i);
                    continue;
                }
                keep = false;
            }
            i += 1;
        }
        if keep {
            out.push(h);
        }
    }
    out[base..].sort_by_key(|h| h.range.start);
}

/// Shannon entropy of `bytes`, in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A detector's regex, compiled with Unicode off: classes, `\b` and `(?i)` are ASCII and `.` is
/// any byte. This keeps every detector on the lazy DFA and its literal prefilters (a Unicode `\b`
/// sends the search over non-ASCII bytes to the slow PikeVM, ~50x slower on binary data).
fn ascii_regex(src: &str) -> Regex {
    regex::bytes::RegexBuilder::new(src)
        .unicode(false)
        .build()
        .expect("valid detector regex")
}

/// True when `buf[i]` exists and is an ASCII letter, digit or one of `set`.
fn is_in(buf: &[u8], i: Option<usize>, set: &[u8]) -> bool {
    i.and_then(|i| buf.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric() || set.contains(b))
}

/// True when `buf[i]` exists and is an ASCII letter, digit or underscore.
fn is_word(buf: &[u8], i: Option<usize>) -> bool {
    i.and_then(|i| buf.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn kinds(buf: &[u8]) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        Detectors::new().find(buf, 0, buf.len(), &mut out);
        out.into_iter()
            .map(|h| (String::from_utf8_lossy(&buf[h.range]).into_owned(), h.kind))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn hits_are_in_range_and_ordered(
            buf in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::Just(b'4'), proptest::prelude::Just(b'1'), proptest::prelude::Just(b' '),
                proptest::prelude::Just(b'='), proptest::prelude::any::<u8>()], 0..400),
            from in 0usize..400,
            to in 0usize..400,
        ) {
            let (from, to) = (from.min(buf.len()), to.min(buf.len()));
            let mut out = Vec::new();
            Detectors::new().find(&buf, from, to, &mut out);
            let mut last = 0;
            for h in &out {
                proptest::prop_assert!(h.range.start >= from && h.range.start < to.max(from));
                proptest::prop_assert!(h.range.end <= buf.len() && h.range.start < h.range.end);
                proptest::prop_assert!(h.range.start >= last);
                last = h.range.end;
            }
        }
    }

    #[test]
    fn secret_environment_variables() {
        let yes = |n: &[u8], v: &[u8]| assert!(is_secret_var(n, v), "{n:?}={v:?}");
        let no = |n: &[u8], v: &[u8]| assert!(!is_secret_var(n, v), "{n:?}={v:?}");
        yes(b"DB_PASSWORD", b"x");
        yes(b"GITHUB_TOKEN", b"x");
        yes(b"AWS_SECRET_ACCESS_KEY", b"x");
        yes(b"URL", b"postgres://app:hunter2@db:5432/x");
        yes(b"K", b"-----BEGIN RSA PRIVATE KEY-----\nMII");
        // Every AWS prefix the detector knows, not only AKIA/ASIA.
        for key in ["AKIA", "ASIA", "ABIA", "ACCA"] {
            yes(b"K", format!("{key}IOSFODNN7EXAMPLE").as_bytes());
        }
        yes(b"GH", b"ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz");
        yes(b"SLACK", b"xoxb-1234567890-abcdefGHIJ");
        yes(b"STRIPE", b"sk_live_4eC39HqLyjWDarjtT1zdp7dc");
        no(b"PATH", b"/usr/bin:/bin");
        no(b"HOME", b"/root");
        no(b"URL", b"https://example.com/a:b");
    }

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(entropy(b"Xk9#mQ2$vL7pR4wz") > 3.5);
    }

    #[test]
    fn overlaps_keep_the_specific_kind() {
        // A JWT given as token=... is reported as a JWT, not as a keyword secret.
        let jwt =
            jwt::tests::make_jwt(r#"{"sub":"alice","name":"Alice Example","iat":1516239022}"#);
        let buf = format!("token={jwt}\n");
        assert_eq!(kinds(buf.as_bytes()), vec![(jwt, Kind::Jwt)]);
    }

    #[test]
    fn nothing_in_plain_text_or_noise() {
        assert!(
            kinds(b"The quick brown fox jumps over the lazy dog, 2024-01-02T03:04:05Z.").is_empty()
        );
        let noise: Vec<u8> = (0..65536u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert!(kinds(&noise).is_empty(), "{:?}", kinds(&noise));
    }
}
