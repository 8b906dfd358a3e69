//! /proc/TID/schedstat: the time a task has spent on a CPU (its first field, in nanoseconds),
//! which the tracer reads at every syscall entry and exit for per-thread CPU time. That is the
//! hot path, so the tracer opens the file once per task ([`open`]) and re-reads it with pread
//! ([`read_cpu_ns`]): no path formatting, no allocation per read.

use std::fs::File;
use std::os::unix::fs::FileExt;

use super::root::ProcRoot;

/// The first field of a schedstat line (`run_ns wait_ns timeslices`): nanoseconds on a CPU.
/// None when it is not a number.
#[inline]
pub fn parse_schedstat(bytes: &[u8]) -> Option<u64> {
    let end = memchr::memchr2(b' ', b'\n', bytes).unwrap_or(bytes.len());
    let digits = &bytes[..end];
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Opens `<root>/<tid>/schedstat`, to be read with [`read_cpu_ns`] for as long as the task lives.
///
/// # Errors
/// The file cannot be opened (no such task, or a kernel without CONFIG_SCHED_INFO).
pub fn open(root: &ProcRoot, tid: i32) -> std::io::Result<File> {
    File::open(root.pid_path(tid, "schedstat"))
}

/// The CPU time in an open schedstat file, read again from offset 0 (procfs regenerates it).
#[inline]
pub fn read_cpu_ns(file: &File) -> Option<u64> {
    let mut buf = [0u8; 64];
    let n = file.read_at(&mut buf, 0).ok()?;
    parse_schedstat(&buf[..n])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_first_field() {
        assert_eq!(parse_schedstat(b"123456789 4321 17\n"), Some(123_456_789));
        assert_eq!(parse_schedstat(b"0 0 0\n"), Some(0));
        assert_eq!(parse_schedstat(b"42\n"), Some(42));
        assert_eq!(parse_schedstat(b"42"), Some(42));
        assert_eq!(parse_schedstat(b""), None);
        assert_eq!(parse_schedstat(b" 1 2"), None);
        assert_eq!(parse_schedstat(b"12x 1 2"), None);
        assert_eq!(parse_schedstat(b"99999999999999999999999 1 2"), None);
    }

    #[test]
    fn rereads_an_open_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("7")).unwrap();
        std::fs::write(dir.path().join("7/schedstat"), b"1000 2 3\n").unwrap();
        let f = open(&ProcRoot::new(dir.path()), 7).unwrap();
        assert_eq!(read_cpu_ns(&f), Some(1000));
        std::fs::write(dir.path().join("7/schedstat"), b"2500 2 3\n").unwrap();
        assert_eq!(read_cpu_ns(&f), Some(2500));
    }

    #[test]
    fn reads_this_threads_schedstat() {
        // Skipped where the kernel has no CONFIG_SCHED_INFO (no schedstat file).
        if let Ok(f) = open(&ProcRoot::default(), nix::unistd::gettid().as_raw()) {
            assert!(read_cpu_ns(&f).is_some());
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = parse_schedstat(&bytes);
        }
    }
}
