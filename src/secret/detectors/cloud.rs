//! Google Cloud and Azure credentials: Google API keys (`AIza` and 35 base64url bytes), the
//! private key of a GCP service-account JSON key file (a `"private_key": "-----BEGIN PRIVATE
//! KEY-----..."` value with `service_account` or `gserviceaccount.com` within [`NEAR`] bytes),
//! the `AccountKey=` of an Azure storage connection string (86 base64 bytes and `==`), the
//! `SharedAccessKey=` of a Service Bus, Event Hubs or IoT Hub one (43 and `=`), and Azure AD
//! client secrets (3 bytes, a digit, `Q~`, 31 to 34 bytes: found from their `Q~`).

use memchr::memmem;
use regex::bytes::Regex;

use super::{ascii_regex, is_in, Hit, Kind};

/// How far from a `"private_key"` the service-account markers are looked for.
pub const NEAR: usize = 4096;

/// The bytes of an Azure AD client secret.
const AZURE_AD: &[u8] = b"_~.-";

pub struct Cloud {
    re: Regex,
    gcp_sa: Regex,
    q: memmem::Finder<'static>,
}

impl Cloud {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(concat!(
                r"(AIza[A-Za-z0-9_-]{35})",
                r"|AccountKey=([A-Za-z0-9+/]{86}==)",
                r"|SharedAccessKey=([A-Za-z0-9+/]{43}=)",
            )),
            gcp_sa: ascii_regex(
                r#""private_key"[ \t]*:[ \t]*"(-----BEGIN (?:RSA )?PRIVATE KEY-----[^"]{0,8192})""#,
            ),
            q: memmem::Finder::new(b"Q~"),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for caps in self.re.captures_iter(&buf[from..]) {
            let (kind, m) = if let Some(m) = caps.get(1) {
                (Kind::GcpApiKey, m)
            } else if let Some(m) = caps.get(2) {
                (Kind::AzureStorageKey, m)
            } else if let Some(m) = caps.get(3) {
                (Kind::AzureSharedAccessKey, m)
            } else {
                continue;
            };
            let (s, e) = (from + m.start(), from + m.end());
            let set: &[u8] = if kind == Kind::GcpApiKey {
                b"_-"
            } else {
                b"+/="
            };
            if (kind == Kind::GcpApiKey && is_in(buf, s.checked_sub(1), set))
                || is_in(buf, Some(e), set)
            {
                continue;
            }
            out.push(Hit { range: s..e, kind });
        }
        for caps in self.gcp_sa.captures_iter(&buf[from..]) {
            let Some(v) = caps.get(1) else { continue };
            let (s, e) = (from + v.start(), from + v.end());
            let around = &buf[s.saturating_sub(NEAR)..(e + NEAR).min(buf.len())];
            if memmem::find(around, b"service_account").is_some()
                || memmem::find(around, b"gserviceaccount.com").is_some()
            {
                out.push(Hit {
                    range: s..e,
                    kind: Kind::GcpServiceAccountKey,
                });
            }
        }
        self.azure_ad(buf, from, out);
    }

    /// Azure AD client secrets, from each `Q~`: `xxxdQ~` before it, 31 to 34 secret bytes after.
    fn azure_ad(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        let secret_byte = |b: u8| b.is_ascii_alphanumeric() || AZURE_AD.contains(&b);
        for q in self.q.find_iter(&buf[from..]) {
            let q = from + q;
            let Some(s) = q.checked_sub(4) else { continue };
            let head = &buf[s..q];
            if !head[3].is_ascii_digit()
                || !head[..3]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"_~.".contains(&b))
                || is_in(buf, s.checked_sub(1), AZURE_AD)
            {
                continue;
            }
            let tail = buf[q + 2..]
                .iter()
                .take(35)
                .take_while(|&&b| secret_byte(b))
                .count();
            if (31..=34).contains(&tail) {
                out.push(Hit {
                    range: s..q + 2 + tail,
                    kind: Kind::AzureClientSecret,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::{
        AzureClientSecret, AzureSharedAccessKey, AzureStorageKey, GcpApiKey, GcpServiceAccountKey,
    };

    const API_KEY: &str = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";
    const STORAGE: &str =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    const SAS: &str = "3L2Vn7TnJ1pQkX9uYb8c0dRfHs4eWm6aZg5oVi2lKqE=";
    const AD: &str = "abc8Q~aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY2z";

    fn sa_json(key: &str) -> String {
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo-123\",\n  \"private_key_id\": \"0123456789abcdef0123456789abcdef01234567\",\n  \"private_key\": \"{key}\",\n  \"client_email\": \"ci@demo-123.iam.gserviceaccount.com\"\n}}\n"
        )
    }

    #[test]
    fn cloud_keys() {
        let pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----\\n";
        let conn = format!("DefaultEndpointsProtocol=https;AccountName=demo;AccountKey={STORAGE};EndpointSuffix=core.windows.net");
        let bus = format!("Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SAS}");
        for (buf, secret, kind) in [
            (format!("GOOGLE_API_KEY={API_KEY}\n"), API_KEY, GcpApiKey),
            (format!("\"key\": \"{API_KEY}\""), API_KEY, GcpApiKey),
            (sa_json(pem), pem, GcpServiceAccountKey),
            (conn, STORAGE, AzureStorageKey),
            (bus, SAS, AzureSharedAccessKey),
            (format!("AZURE_CLIENT_SECRET={AD}\n"), AD, AzureClientSecret),
            (format!("\"clientSecret\": \"{AD}\""), AD, AzureClientSecret),
        ] {
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(secret.to_string(), kind)],
                "{buf}"
            );
        }
    }

    #[test]
    fn not_cloud_keys() {
        let pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----\\n";
        for buf in [
            format!("k={}", &API_KEY[..38]), // too short
            format!("k={API_KEY}x"),         // inside a word
            format!("k=x{API_KEY}"),
            format!("AccountKey={}", &STORAGE[2..]), // too short
            format!("AccountName=demo;AccountKey={}=", &STORAGE[..86]), // one '='
            format!("SharedAccessKey={}", &SAS[1..]),
            format!("id=abcxQ~{}", &AD[6..]), // no digit before Q~
            format!("id={}", &AD[..30]),      // too short
            format!("id=x{AD}"),              // inside a word
        ] {
            let got = kinds(buf.as_bytes());
            assert!(got.is_empty(), "{buf}: {got:?}");
        }
        // A "private_key" in JSON that is no service-account file is a plain private key.
        let other = format!("{{\"private_key\": \"{pem}\"}}");
        assert_eq!(
            kinds(other.as_bytes()),
            vec![(
                "-----BEGIN PRIVATE KEY-----".to_string(),
                super::super::Kind::PrivateKey
            )]
        );
    }
}
