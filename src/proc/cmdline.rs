//! /proc/PID/cmdline: a process's argv, split from bytes ([`parse_cmdline`]) and read at most
//! [`ARGS_CAP`] bytes of it ([`read_cmdline`]).

use super::error::{read_pid_file_capped, ProcError, ARGS_CAP};
use super::root::ProcRoot;
use crate::output::bytes::Bytes;

/// Splits a NUL-separated argv block.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<Bytes> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes.split(|&b| b == 0).map(Bytes::from).collect()
}

/// The argv of `pid` (empty for kernel threads and zombies) and whether it was longer than
/// [`ARGS_CAP`] and cut there.
///
/// # Errors
/// As [`read_pid_file_capped`].
pub fn read_cmdline(root: &ProcRoot, pid: i32) -> Result<(Vec<Bytes>, bool), ProcError> {
    read_pid_file_capped(root, pid, "cmdline", ARGS_CAP).map(|(b, cut)| (parse_cmdline(&b), cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_cmdline() {
        assert_eq!(
            parse_cmdline(b"python3\0-c\0print(1)\0"),
            vec![Bytes::from("python3"), "-c".into(), "print(1)".into()]
        );
        assert_eq!(parse_cmdline(b""), Vec::<Bytes>::new());
        assert_eq!(
            parse_cmdline(b"a\0\0b"),
            vec![Bytes::from("a"), "".into(), "b".into()]
        );
        // A process that rewrote its argv as one string.
        assert_eq!(
            parse_cmdline(b"nginx: worker"),
            vec![Bytes::from("nginx: worker")]
        );
    }
}
