//! Opening files inside a process's root (`ksec root`) without escaping it: openat2(2) with
//! RESOLVE_IN_ROOT, and a single-component, no-follow openat for walking down.
//!
//! nix's `openat2` and `openat` are safe calls but return a bare `RawFd`; the only unsafe step is
//! taking ownership of it.

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::Mode;

/// Takes ownership of a descriptor that a successful open call just returned.
fn own_fd(fd: RawFd) -> OwnedFd {
    // SAFETY: `fd` was just returned by a successful openat/openat2 in this thread, so it is a
    // valid, open descriptor that nothing else owns; the OwnedFd becomes its only owner and
    // closes it once.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Opens `path` with `flags`, resolving every component (absolute paths, `..`, absolute and
/// relative symlinks) as if `root` were `/` (openat2(2) RESOLVE_IN_ROOT); magic links
/// (/proc/PID/fd/N, /proc/PID/root inside that root) are refused (RESOLVE_NO_MAGICLINKS). The
/// kernel retries itself on concurrent renames; EAGAIN is retried here a few times.
///
/// # Errors
/// The open fails; ENOSYS (kernel before 5.6, or a seccomp filter) means openat2 is unavailable.
pub fn open_in_root(
    root: BorrowedFd<'_>,
    path: &std::path::Path,
    flags: OFlag,
) -> nix::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(flags | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let mut tries = 0;
    loop {
        match nix::fcntl::openat2(root.as_raw_fd(), path, how) {
            Ok(fd) => return Ok(own_fd(fd)),
            Err(nix::errno::Errno::EAGAIN) if tries < 8 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Opens the single component `name` in directory `dir` without following a symlink
/// (O_NOFOLLOW): used to walk down from a directory already opened inside a root.
///
/// # Errors
/// The open fails (ELOOP for a symlink).
pub fn open_child_nofollow(
    dir: BorrowedFd<'_>,
    name: &std::path::Path,
    flags: OFlag,
) -> nix::Result<OwnedFd> {
    nix::fcntl::openat(
        Some(dir.as_raw_fd()),
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map(own_fd)
}
