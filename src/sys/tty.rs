//! The size of a terminal (`TIOCGWINSZ`, see ioctl_tty(2)), for fitting tables to its width.

use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;

/// The number of columns of the terminal `fd` refers to; None when `fd` is no terminal or the
/// terminal reports 0 columns (a serial line that was never told its size).
pub fn columns(fd: BorrowedFd<'_>) -> Option<u16> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through the pointer, which points to a
    // live, properly aligned `libc::winsize`; `fd` is borrowed, so it is open for the call.
    Errno::result(unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) }).ok()?;
    (ws.ws_col > 0).then_some(ws.ws_col)
}
