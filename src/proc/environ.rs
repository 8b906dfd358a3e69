//! /proc/PID/environ: the environment block parsed from bytes ([`parse_environ`]), read for one
//! live user process ([`read_environ`]), and which variables look secret ([`looks_secret`]).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::error::{read_pid_file_capped, ProcError, ARGS_CAP};
use super::root::ProcRoot;
use super::stat::require_live_user_process;

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

/// The environment of one process, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environ {
    pub pid: i32,
    /// From /proc/PID/stat.
    pub comm: Vec<u8>,
    pub vars: Vec<Var>,
    /// The block was longer than [`ARGS_CAP`] (1 MiB): `vars` are those in its first 1 MiB, the
    /// last one possibly cut.
    pub truncated: bool,
}

/// Reads the environment of `pid`: at most [`ARGS_CAP`] bytes of `<root>/<pid>/environ`.
///
/// # Errors
/// No such process, kernel thread, zombie, exited, permission denied.
pub fn read_environ(root: &ProcRoot, pid: i32) -> Result<Environ, ProcError> {
    let stat = require_live_user_process(root, pid, "environment")?;
    let (bytes, truncated) = read_pid_file_capped(root, pid, "environ", ARGS_CAP)?;
    Ok(Environ {
        pid,
        comm: stat.comm,
        vars: parse_environ(&bytes),
        truncated,
    })
}

fn secret_name() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)pass(wd|word)?|secret|token|api_?key|access_?key|private|credential|auth|session|cookie|signature|_key$|^key$|dsn|salt",
        )
        .expect("valid regex")
    })
}

fn secret_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
            r"|\b(AKIA|ASIA)[0-9A-Z]{16}\b",
            r"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.",
            r"|\b(ghp|gho|ghs|ghu|github_pat|glpat|xox[baprs])[-_][A-Za-z0-9_-]{10,}",
            r"|\bsk_(live|test)_[A-Za-z0-9]{10,}",
            r"|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
        ))
        .expect("valid regex")
    })
}

/// True when a variable's name or value looks like it holds a secret (password, token, key,
/// credentials in a URL, private key, cloud or forge token).
pub fn looks_secret(var: &Var) -> bool {
    secret_name().is_match(&var.name)
        || var
            .value
            .as_deref()
            .is_some_and(|v| secret_value().is_match(v))
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
