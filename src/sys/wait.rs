//! `waitpid` for the tracer, returning raw statuses: nix's `WaitStatus` cannot represent a
//! real-time signal (it fails on SIGRTMIN+n, which glibc itself uses), so decoding is left to the
//! caller (the tracer's `Stop::from_raw`).

use nix::errno::Errno;

use libc::pid_t;

/// `waitpid(-1, &status, __WALL)` (or WNOHANG too): the tid and raw status, `None` with WNOHANG
/// and nothing to report.
///
/// # Errors
/// waitpid fails (EINTR when a signal arrived, ECHILD when nothing is left to wait for).
#[inline]
pub fn wait_any(nohang: bool) -> nix::Result<Option<(pid_t, i32)>> {
    let mut status: libc::c_int = 0;
    let flags = libc::__WALL | if nohang { libc::WNOHANG } else { 0 };
    // SAFETY: `status` is a valid out pointer for the duration of the call.
    let tid = Errno::result(unsafe { libc::waitpid(-1, &mut status, flags) })?;
    Ok((tid != 0).then_some((tid, status)))
}

/// `waitpid(pid, &status, WUNTRACED|__WALL)` for the spawned child's self-stop before seizing,
/// retried on EINTR.
///
/// # Errors
/// waitpid fails.
pub fn wait_stopped(pid: pid_t) -> nix::Result<i32> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is a valid out pointer for the duration of the call.
        match Errno::result(unsafe {
            libc::waitpid(pid, &mut status, libc::WUNTRACED | libc::__WALL)
        }) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(_) => return Ok(status),
        }
    }
}
