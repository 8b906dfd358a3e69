//! /proc/PID/environ: the environment block parsed from bytes ([`parse_environ`]), read for one
//! live user process ([`read_environ`]).

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

    proptest! {
        #[test]
        fn never_panics_and_roundtrips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let vars = parse_environ(&bytes);
            let mut again = Vec::new();
            for v in &vars {
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
