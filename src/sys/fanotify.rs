//! fanotify(7) as a notification listener: the group ([`Fanotify::init`]), its marks
//! ([`Fanotify::mark`]), the non-blocking read, and the parser of `fanotify_event_metadata`
//! records ([`parse`], from bytes) into [`FanEvent`]s that own their event fd (closed on drop).

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;

/// `struct fanotify_event_metadata` (without info records): event_len u32, vers u8, reserved
/// u8, metadata_len u16, mask u64 (aligned), fd i32, pid i32.
const METADATA_LEN: usize = 24;

/// One event of the group.
#[derive(Debug)]
pub struct FanEvent {
    /// FAN_* bits (merged events carry several).
    pub mask: u64,
    /// An fd open on the object (read-only, close-on-exec), or `None` (FAN_Q_OVERFLOW, or the
    /// kernel could not open it).
    pub fd: Option<OwnedFd>,
    /// The process (thread group id) that caused the event.
    pub pid: i32,
}

/// A fanotify group (close-on-exec, non-blocking).
#[derive(Debug)]
pub struct Fanotify {
    fd: OwnedFd,
}

impl Fanotify {
    /// `fanotify_init(flags | FAN_CLOEXEC | FAN_NONBLOCK, event_f_flags)`.
    ///
    /// # Errors
    /// EPERM without CAP_SYS_ADMIN, EINVAL for flags the kernel does not know, ENOSYS without
    /// CONFIG_FANOTIFY.
    pub fn init(flags: u32, event_f_flags: u32) -> Result<Fanotify, Errno> {
        // SAFETY: plain syscall with integer arguments; the result is checked.
        let raw = Errno::result(unsafe {
            libc::fanotify_init(
                flags | libc::FAN_CLOEXEC | libc::FAN_NONBLOCK,
                event_f_flags,
            )
        })?;
        // SAFETY: `raw` is a new fd this function owns and nothing else closes.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Fanotify { fd })
    }

    /// `fanotify_mark(FAN_MARK_ADD | flags, mask, AT_FDCWD, path)`.
    ///
    /// # Errors
    /// The path cannot be resolved (ENOENT), is on a filesystem fanotify cannot mark
    /// (EXDEV, ENODEV, EOPNOTSUPP), or the mask or flags are invalid (EINVAL); a path with a
    /// NUL byte is EINVAL.
    pub fn mark(&self, flags: u32, mask: u64, path: &Path) -> Result<(), Errno> {
        let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
        // SAFETY: `c` is a NUL-terminated string alive for the call; the kernel copies it.
        Errno::result(unsafe {
            libc::fanotify_mark(
                self.fd.as_raw_fd(),
                libc::FAN_MARK_ADD | flags,
                mask,
                libc::AT_FDCWD,
                c.as_ptr(),
            )
        })
        .map(drop)
    }

    /// Reads queued events into `buf` (at least 4 KiB): the bytes read; EAGAIN when none is
    /// queued.
    ///
    /// # Errors
    /// read's errno.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        nix::unistd::read(self.fd.as_raw_fd(), buf)
    }
}

impl AsFd for Fanotify {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The events in what one read returned. Each event fd in `buf` is taken over (and closed when
/// its [`FanEvent`] is dropped), so each `buf` must be parsed exactly once; records of another
/// metadata version or cut short end the parse.
pub fn parse(buf: &[u8]) -> Vec<FanEvent> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(rec) = buf.get(at..at + METADATA_LEN) {
        let event_len = u32::from_ne_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize;
        if rec[4] != libc::FANOTIFY_METADATA_VERSION
            || event_len < METADATA_LEN
            || at + event_len > buf.len()
        {
            break;
        }
        let mut mask = [0u8; 8];
        mask.copy_from_slice(&rec[8..16]);
        let mask = u64::from_ne_bytes(mask);
        let fd = i32::from_ne_bytes([rec[16], rec[17], rec[18], rec[19]]);
        let pid = i32::from_ne_bytes([rec[20], rec[21], rec[22], rec[23]]);
        let fd = (fd >= 0).then(|| {
            // SAFETY: the kernel installed this fd in our table for this event and hands it
            // to the reader, who must close it; this parse is its only owner.
            unsafe { OwnedFd::from_raw_fd(fd) }
        });
        out.push(FanEvent { mask, fd, pid });
        at += event_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(mask: u64, fd: i32, pid: i32) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&(METADATA_LEN as u32).to_ne_bytes());
        r.push(libc::FANOTIFY_METADATA_VERSION);
        r.push(0);
        r.extend_from_slice(&(METADATA_LEN as u16).to_ne_bytes());
        r.extend_from_slice(&mask.to_ne_bytes());
        r.extend_from_slice(&fd.to_ne_bytes());
        r.extend_from_slice(&pid.to_ne_bytes());
        r
    }

    #[test]
    fn parses_records_without_fds() {
        let mut buf = record(libc::FAN_Q_OVERFLOW, libc::FAN_NOFD, -1);
        buf.extend(record(libc::FAN_OPEN | libc::FAN_CLOSE_NOWRITE, -13, 42));
        let got = parse(&buf);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].mask, libc::FAN_Q_OVERFLOW);
        assert!(got[0].fd.is_none());
        assert_eq!(got[1].pid, 42);
        assert_eq!(got[1].mask, libc::FAN_OPEN | libc::FAN_CLOSE_NOWRITE);
        // Cut short or another version: nothing, no panic.
        assert!(parse(&buf[..METADATA_LEN - 1]).is_empty());
        let mut v2 = record(libc::FAN_OPEN, -1, 1);
        v2[4] = 2;
        assert!(parse(&v2).is_empty());
    }

    #[test]
    fn takes_over_the_event_fd() {
        let f = std::fs::File::open("/dev/null").unwrap();
        let raw = std::os::fd::IntoRawFd::into_raw_fd(f);
        let ev = parse(&record(libc::FAN_MODIFY, raw, 7));
        assert_eq!(ev[0].fd.as_ref().map(|f| f.as_raw_fd()), Some(raw));
    }
}
