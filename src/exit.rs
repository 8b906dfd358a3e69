//! How ksec ends: the exit statuses, typed (fd's exit_codes.rs). Only the command layer
//! ([`crate::cmd`]) and the binary pick one.

use nix::sys::signal::Signal;

/// How the ksec process should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing to report.
    Success,
    /// 1: done, but something could not be read and was skipped (`fds`, `root`).
    Skipped,
    /// 1: nothing matched (`ps -n NAME`, `grep-secret` without findings, as grep).
    NotFound,
    /// 1: `grep-secret --fail-on-find` found something.
    Found,
    /// 1: strace's status for a usage error or a failed attach (`ksec trace`).
    TraceError,
    /// 2: ksec's usage errors (clap's status) and fatal errors; `grep-secret` errors with
    /// nothing found (as grep).
    Error,
    /// The traced command's own exit status, passed on as strace does.
    Status(i32),
    /// Die of this signal (as the traced command did, or as strace re-raises on SIGINT).
    Signal(Signal),
}

impl Exit {
    /// The exit status; for [`Exit::Signal`], the shell's 128 + signal number.
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Skipped | Exit::NotFound | Exit::Found | Exit::TraceError => 1,
            Exit::Error => 2,
            Exit::Status(code) => code,
            Exit::Signal(sig) => 128 + sig as i32,
        }
    }

    /// [`Exit::Skipped`] when something was skipped, else [`Exit::Success`].
    pub fn skipped_if(skipped: bool) -> Exit {
        if skipped {
            Exit::Skipped
        } else {
            Exit::Success
        }
    }
}

/// An error that ends ksec with a specific exit (e.g. [`Exit::TraceError`] for strace-style usage
/// errors).
#[derive(Debug, thiserror::Error)]
#[error("{msg}")]
pub struct ExitError {
    pub exit: Exit,
    pub msg: String,
}

impl ExitError {
    /// An error ending ksec with `exit`.
    pub fn new(exit: Exit, msg: impl Into<String>) -> Self {
        Self {
            exit,
            msg: msg.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn codes() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Skipped.code(), 1);
        assert_eq!(Exit::NotFound.code(), 1);
        assert_eq!(Exit::Error.code(), 2);
        assert_eq!(Exit::Status(7).code(), 7);
        assert_eq!(Exit::Signal(nix::sys::signal::Signal::SIGINT).code(), 130);
    }
}
