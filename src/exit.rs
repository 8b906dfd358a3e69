//! How ksec ends: the exit statuses, typed (fd's exit_codes.rs). Only the command layer
//! ([`crate::cmd`]) and the binary pick one.

use nix::sys::signal::Signal;

/// The exit statuses of every subcommand, as `ksec --help` ends and the README's table says.
pub const EXIT_STATUS_HELP: &str = "\
Exit status (one rule for fds, environ, root, ps, grep-secret and immutable):
  0  done: everything asked for was shown (grep-secret: something was found; with
     --fail-on-find, nothing was); doctor: every probe ran, whatever it found
  1  nothing matched a search: ps NAME lists no process (as pgrep),
     grep-secret finds nothing (as grep; with --fail-on-find: something was found),
     environ PID VAR: VAR is not set (as printenv), fds --file PATH: no process
     holds PATH (as fuser),
     immutable: a check failed (WARN alone exits 0)
     or done, but something was skipped and reported on stderr: fds PID1 PID2 with one gone,
     an unreadable fd or entry, root cat --json cut at its limit
  2  error: a bad command line; a PID, NAME or --container ID that selects no process
     (fds, environ, root, grep-secret, immutable, ps --container: \"no such process\", \"no
     process named\", \"no running process belongs to a container\"); a
     path that does not exist; a --proc-root that cannot be read (grep-secret: only when
     nothing was found)
audit-log: 0 an event matched, 1 none did, 2 no log could be read; audit-policy lint: 1 when
it warns; audit-policy explain: 1 when the request is not logged (level None).
ksec trace keeps strace's statuses: the traced command's own status (or ksec dies of the
signal that killed it); 1 for ksec trace's own errors (a bad command line, no such process,
an attach refused).";

/// How the ksec process should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done, nothing to report.
    Success,
    /// 1: done, but something could not be read and was skipped (`fds`, `root`).
    Skipped,
    /// 1: nothing matched (`ps NAME`, `grep-secret` without findings as grep, `environ PID VAR`
    /// with VAR unset as printenv).
    NotFound,
    /// 1: `grep-secret --fail-on-find` found something.
    Found,
    /// 1: `immutable`: a check failed.
    CheckFailed,
    /// 1: strace's status for a usage error or a failed attach (`ksec trace`).
    TraceError,
    /// 2: ksec's usage errors (clap's status) and fatal errors, a target that selects no
    /// process among them; `grep-secret` errors with nothing found (as grep).
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
            Exit::Skipped | Exit::NotFound | Exit::Found | Exit::CheckFailed | Exit::TraceError => {
                1
            }
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
