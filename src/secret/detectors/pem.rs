//! Private keys: PEM (`-----BEGIN RSA PRIVATE KEY-----`, PKCS#8, EC, DSA, encrypted) and OpenSSH
//! (`-----BEGIN OPENSSH PRIVATE KEY-----`) headers. Public keys and certificates are not secrets.

use regex::bytes::Regex;

use super::{ascii_regex, Hit, Kind};

pub struct Pem {
    re: Regex,
}

impl Pem {
    pub fn new() -> Self {
        Self {
            re: ascii_regex(
                r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
            ),
        }
    }

    pub fn find(&self, buf: &[u8], from: usize, out: &mut Vec<Hit>) {
        for m in self.re.find_iter(&buf[from..]) {
            out.push(Hit {
                range: from + m.start()..from + m.end(),
                kind: Kind::PrivateKey,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::kinds;
    use super::super::Kind::PrivateKey;

    #[test]
    fn private_key_headers() {
        for h in [
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        ] {
            let buf = format!("\x00\x01{h}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END-----\n");
            assert_eq!(
                kinds(buf.as_bytes()),
                vec![(h.to_string(), PrivateKey)],
                "{h}"
            );
        }
    }

    #[test]
    fn public_keys_and_certificates_are_not_secrets() {
        for h in [
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN RSA PUBLIC KEY-----",
            "-----BEGIN PRIVATE KEY",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0c3Rz user@host",
        ] {
            assert!(kinds(h.as_bytes()).is_empty(), "{h}");
        }
    }
}
