//! Parsing /proc/PID/environ from bytes.

/// One entry of the environment block, in the kernel's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// Bytes before the first `=` (the whole entry when there is none).
    pub name: Vec<u8>,
    /// Bytes after the first `=`; `None` for an entry without `=`.
    pub value: Option<Vec<u8>>,
}

/// Splits an environment block (NUL-terminated `NAME=value` entries) into variables.
///
/// Order and duplicates are kept; values keep newlines and any byte. A trailing entry without
/// its NUL (the block was truncated or the process rewrote it) is kept too; empty entries are
/// skipped.
pub fn parse_environ(bytes: &[u8]) -> Vec<Var> {
    bytes
        .split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| match memchr::memchr(b'=', entry) {
            Some(eq) => Var {
                name: entry[..eq].to_vec(),
                value: Some(entry[eq + 1..].to_vec()),
            },
            None => Var {
                name: entry.to_vec(),
                value: None,
            },
        })
        .collect()
}

/// True when a variable's name or value looks like it holds a secret, by the rules
/// `ksec grep-secret` uses ([`crate::secret::detectors::is_secret_var`]).
pub fn looks_secret(var: &Var) -> bool {
    crate::secret::detectors::is_secret_var(&var.name, var.value.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn var(name: &[u8], value: &[u8]) -> Var {
        Var {
            name: name.to_vec(),
            value: Some(value.to_vec()),
        }
    }

    #[test]
    fn keeps_order_duplicates_newlines_and_invalid_bytes() {
        let block = b"A=1\0B=two\nlines\0A=again\0ESC=\x1b[31m\xff\0NOEQ\0E=\0X=a=b\0";
        assert_eq!(
            parse_environ(block),
            vec![
                var(b"A", b"1"),
                var(b"B", b"two\nlines"),
                var(b"A", b"again"),
                var(b"ESC", b"\x1b[31m\xff"),
                Var {
                    name: b"NOEQ".to_vec(),
                    value: None
                },
                var(b"E", b""),
                var(b"X", b"a=b"),
            ]
        );
        assert_eq!(parse_environ(b""), vec![]);
        assert_eq!(
            parse_environ(b"T=unterminated"),
            vec![var(b"T", b"unterminated")]
        );
    }

    #[test]
    fn secret_names_and_values() {
        assert!(looks_secret(&var(b"DB_PASSWORD", b"x")));
        assert!(looks_secret(&var(b"GITHUB_TOKEN", b"x")));
        assert!(looks_secret(&var(b"AWS_SECRET_ACCESS_KEY", b"x")));
        assert!(looks_secret(&var(
            b"URL",
            b"postgres://app:hunter2@db:5432/x"
        )));
        assert!(looks_secret(&var(b"K", b"AKIAIOSFODNN7EXAMPLE")));
        // Every AWS prefix grep-secret knows, not only AKIA/ASIA.
        assert!(looks_secret(&var(b"K", b"ABIAIOSFODNN7EXAMPLE")));
        assert!(looks_secret(&var(b"K", b"ACCAIOSFODNN7EXAMPLE")));
        assert!(looks_secret(&var(
            b"GH",
            b"ghp_1A2b3C4d5E6f7G8h9I0jKlMnOpQrStUvWxYz"
        )));
        assert!(looks_secret(&var(
            b"K",
            b"-----BEGIN RSA PRIVATE KEY-----\nMII"
        )));
        assert!(!looks_secret(&var(b"PATH", b"/usr/bin:/bin")));
        assert!(!looks_secret(&var(b"HOME", b"/root")));
        assert!(!looks_secret(&var(b"URL", b"https://example.com/a:b")));
    }

    proptest! {
        #[test]
        fn never_panics_and_roundtrips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let vars = parse_environ(&bytes);
            let mut again = Vec::new();
            for v in &vars {
                let _ = looks_secret(v);
                again.extend_from_slice(&v.name);
                if let Some(value) = &v.value {
                    again.push(b'=');
                    again.extend_from_slice(value);
                }
                again.push(0);
            }
            let expected: Vec<&[u8]> = bytes.split(|&b| b == 0).filter(|e| !e.is_empty()).collect();
            let got: Vec<&[u8]> = again.split(|&b| b == 0).filter(|e| !e.is_empty()).collect();
            prop_assert_eq!(expected, got);
        }
    }
}
