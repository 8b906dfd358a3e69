//! [`Stop`]: what one raw `waitpid` status says about a tracee, decoded once into a typed value
//! (pete's `Stop` enum is the model) so the wait loop matches on kinds, not on bits.

use crate::sys::ptrace::PtraceEvent;
use crate::sys::signal::Sig;

/// A decoded wait status of a seized tracee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Syscall-entry or -exit stop (SIGTRAP|0x80, with PTRACE_O_TRACESYSGOOD).
    Syscall,
    /// A PTRACE_EVENT_* stop with its stop signal (SIGTRAP, or the signal of a PTRACE_EVENT_STOP
    /// that is not a group-stop).
    PtraceEvent { event: PtraceEvent, sig: Sig },
    /// A group-stop (PTRACE_EVENT_STOP with SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU): left stopped
    /// with PTRACE_LISTEN.
    GroupStop(Sig),
    /// Signal-delivery stop: the signal is delivered when the tracee is resumed.
    Signal(Sig),
    /// Exited with a status.
    Exited(i32),
    /// Killed by a signal.
    Killed(Sig),
}

impl Stop {
    /// Decodes a raw `waitpid` status. The syscall stop, the hot case, is tested first.
    #[inline]
    pub fn from_raw(status: i32) -> Stop {
        if libc::WIFEXITED(status) {
            Stop::Exited(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            Stop::Killed(Sig::from_raw(libc::WTERMSIG(status)))
        } else {
            let raw_sig = libc::WSTOPSIG(status);
            if raw_sig == (libc::SIGTRAP | 0x80) {
                return Stop::Syscall;
            }
            let sig = Sig::from_raw(raw_sig);
            match status >> 16 {
                0 => Stop::Signal(sig),
                libc::PTRACE_EVENT_STOP if sig.is_stopping() => Stop::GroupStop(sig),
                event => Stop::PtraceEvent {
                    event: PtraceEvent::from_raw(event),
                    sig,
                },
            }
        }
    }

    /// The tracee is gone (exited or killed): nothing to resume.
    pub fn is_end(self) -> bool {
        matches!(self, Stop::Exited(_) | Stop::Killed(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::signal::Signal;

    /// A stop status as the kernel builds it: `event << 16 | sig << 8 | 0x7f`.
    fn stopped(sig: i32, event: i32) -> i32 {
        (event << 16) | (sig << 8) | 0x7f
    }

    const SIGTRAP: Sig = Sig::Std(Signal::SIGTRAP);

    #[test]
    fn exits_and_kills() {
        assert_eq!(Stop::from_raw(0x0000), Stop::Exited(0));
        assert_eq!(Stop::from_raw(0x0300), Stop::Exited(3));
        assert_eq!(Stop::from_raw(0xff00), Stop::Exited(255));
        assert_eq!(Stop::from_raw(9), Stop::Killed(Sig::Std(Signal::SIGKILL)));
        // Killed by SIGSEGV with a core dump (0x80).
        assert_eq!(
            Stop::from_raw(0x8b),
            Stop::Killed(Sig::Std(Signal::SIGSEGV))
        );
        // Killed by a real-time signal (nix's WaitStatus cannot say this).
        assert_eq!(Stop::from_raw(34), Stop::Killed(Sig::Rt(2)));
        assert!(Stop::from_raw(0).is_end() && !Stop::from_raw(0x857f).is_end());
    }

    #[test]
    fn syscall_stop() {
        assert_eq!(Stop::from_raw(0x857f), Stop::Syscall);
        assert_eq!(
            Stop::from_raw(stopped(libc::SIGTRAP | 0x80, 0)),
            Stop::Syscall
        );
        // A plain SIGTRAP (no TRACESYSGOOD bit) is a signal, not a syscall stop.
        assert_eq!(Stop::from_raw(0x057f), Stop::Signal(SIGTRAP));
    }

    #[test]
    fn every_ptrace_event_stop() {
        let cases = [
            (1, PtraceEvent::Fork),
            (2, PtraceEvent::Vfork),
            (3, PtraceEvent::Clone),
            (4, PtraceEvent::Exec),
            (5, PtraceEvent::VforkDone),
            (6, PtraceEvent::Exit),
            (7, PtraceEvent::Seccomp),
            (128, PtraceEvent::Stop),
            (42, PtraceEvent::Unknown(42)),
        ];
        for (raw, event) in cases {
            assert_eq!(
                Stop::from_raw(stopped(libc::SIGTRAP, raw)),
                Stop::PtraceEvent {
                    event,
                    sig: SIGTRAP
                },
                "event {raw}"
            );
        }
        // The literal status of a clone event: 0x3057f.
        assert_eq!(
            Stop::from_raw(0x3057f),
            Stop::PtraceEvent {
                event: PtraceEvent::Clone,
                sig: SIGTRAP
            }
        );
    }

    #[test]
    fn group_stop_and_interrupt_stop() {
        for sig in [
            Signal::SIGSTOP,
            Signal::SIGTSTP,
            Signal::SIGTTIN,
            Signal::SIGTTOU,
        ] {
            assert_eq!(
                Stop::from_raw(stopped(sig as i32, libc::PTRACE_EVENT_STOP)),
                Stop::GroupStop(Sig::Std(sig))
            );
        }
        // PTRACE_INTERRUPT (or a new child's first stop): PTRACE_EVENT_STOP with SIGTRAP.
        assert_eq!(
            Stop::from_raw(0x0080_057f),
            Stop::PtraceEvent {
                event: PtraceEvent::Stop,
                sig: SIGTRAP
            }
        );
    }

    #[test]
    fn signal_delivery_stops() {
        assert_eq!(
            Stop::from_raw(stopped(libc::SIGCHLD, 0)),
            Stop::Signal(Sig::Std(Signal::SIGCHLD))
        );
        // SIGSTOP outside a PTRACE_EVENT_STOP is its signal-delivery stop.
        assert_eq!(
            Stop::from_raw(0x137f),
            Stop::Signal(Sig::Std(Signal::SIGSTOP))
        );
        // Real-time signals: glibc's SIGRTMIN (SIGCANCEL 32, SIGSETXID 33) and SIGRTMAX.
        assert_eq!(Stop::from_raw(stopped(32, 0)), Stop::Signal(Sig::Rt(0)));
        assert_eq!(Stop::from_raw(stopped(33, 0)), Stop::Signal(Sig::Rt(1)));
        assert_eq!(Stop::from_raw(stopped(64, 0)), Stop::Signal(Sig::Rt(32)));
        let rtmin = libc::SIGRTMIN();
        assert_eq!(
            Stop::from_raw(stopped(rtmin + 3, 0)),
            Stop::Signal(Sig::from_raw(rtmin + 3))
        );
        assert!(
            matches!(Stop::from_raw(stopped(rtmin + 3, 0)), Stop::Signal(s) if s.is_realtime())
        );
    }
}
