//! Signals: the typed [`Sig`] for what the kernel reports (standard and real-time signals, which
//! nix's `Signal` cannot hold), the handlers ksec installs while tracing (the fatal signals, the
//! wake signal, SIGUSR1's live-summary request), waking the tracer's thread with `tgkill`, and
//! ending ksec by the signal its command died of.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use libc::pid_t;

/// The kernel's first real-time signal (`__SIGRTMIN`; glibc reserves 32 to 34 for itself and its
/// `SIGRTMIN` is 34 or 35, but wait statuses carry the kernel's numbers).
const KERNEL_SIGRTMIN: i32 = 32;
/// The kernel's last real-time signal (`_NSIG` is 65 on Linux).
const KERNEL_SIGRTMAX: i32 = 64;

/// A signal number as the kernel reports it in a wait status or takes in a ptrace resume: one of
/// the standard signals (nix's [`Signal`]) or a real-time one (kernel numbers 32 to 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sig {
    /// A standard signal, 1 to 31.
    Std(Signal),
    /// Real-time signal number `32 + n` (the kernel's SIGRTMIN+n).
    Rt(u8),
    /// A number Linux does not use as a signal (never in a real wait status), kept as is.
    Other(i32),
}

impl Sig {
    /// The signal numbered `n`.
    #[inline]
    pub fn from_raw(n: i32) -> Sig {
        match Signal::try_from(n) {
            Ok(s) => Sig::Std(s),
            Err(_) if (KERNEL_SIGRTMIN..=KERNEL_SIGRTMAX).contains(&n) => {
                Sig::Rt((n - KERNEL_SIGRTMIN) as u8)
            }
            Err(_) => Sig::Other(n),
        }
    }

    /// The signal's number.
    #[inline]
    pub fn as_raw(self) -> i32 {
        match self {
            Sig::Std(s) => s as i32,
            Sig::Rt(n) => KERNEL_SIGRTMIN + i32::from(n),
            Sig::Other(n) => n,
        }
    }

    /// nix's [`Signal`] for a standard signal; None for a real-time one.
    pub fn to_nix(self) -> Option<Signal> {
        match self {
            Sig::Std(s) => Some(s),
            _ => None,
        }
    }

    /// A real-time signal.
    pub fn is_realtime(self) -> bool {
        matches!(self, Sig::Rt(_))
    }

    /// One of the signals that start a group-stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU).
    pub fn is_stopping(self) -> bool {
        matches!(
            self,
            Sig::Std(Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU)
        )
    }
}

impl From<Signal> for Sig {
    fn from(s: Signal) -> Sig {
        Sig::Std(s)
    }
}

/// Ends this process by `sig` (default action restored, unblocked, raised), as strace does when
/// the traced command died of a signal. Falls back to exit 128+sig if the signal does not kill.
pub fn die_of_signal(sig: Signal) -> ! {
    use nix::sys::signal::{signal, sigprocmask, SigHandler, SigSet, SigmaskHow};
    // SAFETY: installing SIG_DFL is always sound; no handler code runs.
    let _ = unsafe { signal(sig, SigHandler::SigDfl) };
    let mut set = SigSet::empty();
    set.add(sig);
    let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None);
    let _ = nix::sys::signal::raise(sig);
    std::process::exit(128 + sig as i32)
}

/// The fatal signal (SIGINT, SIGTERM, ...) ksec received while tracing, 0 if none.
static FATAL_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The fatal signal ksec received since [`install_signal_handlers`], if any.
#[inline]
pub fn fatal_signal() -> Option<Sig> {
    match FATAL_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        n => Some(Sig::from_raw(n)),
    }
}

extern "C" fn on_fatal_signal(sig: libc::c_int) {
    FATAL_SIGNAL.store(sig, Ordering::SeqCst);
}

extern "C" fn on_wake_signal(_sig: libc::c_int) {}

/// The signal that interrupts the tracer's blocking wait: the kernel's last real-time signal
/// (SIGRTMAX, 64), which nobody sends by accident, and not SIGUSR1, which is the user's (see
/// [`LIVE_SIGNAL`]). Sent only thread-directed ([`tgkill_self`]) to ksec's own threads.
pub fn wake_signal() -> Sig {
    Sig::from_raw(libc::SIGRTMAX())
}

/// Installs handlers (without SA_RESTART, so a blocked waitpid returns EINTR) recording `sigs`
/// for [`fatal_signal`], and a no-op handler for `wake` (see [`wake_signal`]), used to interrupt
/// the tracer's wait.
///
/// # Errors
/// sigaction fails.
pub fn install_signal_handlers(sigs: &[Signal], wake: Sig) -> nix::Result<()> {
    install_fatal_handlers(sigs)?;
    // nix's sigaction cannot name a real-time signal: libc's, with the same settings (no flags,
    // empty mask).
    // SAFETY: an all-zero `struct sigaction` is a valid value (SIG_DFL, no flags, empty mask).
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = on_wake_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: `sa` is a valid sigaction, the old action is not asked for, and the handler does
    // nothing.
    Errno::result(unsafe { libc::sigaction(wake.as_raw(), &sa, std::ptr::null_mut()) })?;
    Ok(())
}

/// The signal a user sends ksec for a cumulative summary while tracing goes on.
pub const LIVE_SIGNAL: Signal = Signal::SIGUSR1;

/// Set by [`LIVE_SIGNAL`]'s handler; cleared by [`take_live_request`].
static LIVE_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_live_signal(_sig: libc::c_int) {
    LIVE_REQUESTED.store(true, Ordering::SeqCst);
}

/// Installs SIGUSR1's handler (without SA_RESTART, so a blocked waitpid or poll returns EINTR):
/// it only sets the flag [`take_live_request`] reads, so SIGUSR1 no longer ends ksec. Only
/// signals sent to ksec itself count: a tracee's own SIGUSR1 is delivered to the tracee.
///
/// # Errors
/// sigaction fails.
pub fn install_live_handler() -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet};
    let live = SigAction::new(
        SigHandler::Handler(on_live_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
    unsafe { sigaction(LIVE_SIGNAL, &live) }?;
    Ok(())
}

/// Whether SIGUSR1 arrived since the last call (several arrivals in between count once); clears
/// the request.
#[inline]
pub fn take_live_request() -> bool {
    LIVE_REQUESTED.swap(false, Ordering::SeqCst)
}

/// Whether SIGUSR1 arrived and [`take_live_request`] has not seen it yet (does not clear it).
#[inline]
pub fn live_requested() -> bool {
    LIVE_REQUESTED.load(Ordering::SeqCst)
}

/// `tgkill(getpid(), tid, sig)`: wake a thread of this process blocked in a syscall.
///
/// # Errors
/// tgkill fails (ESRCH: no such thread).
pub fn tgkill_self(tid: pid_t, sig: Sig) -> nix::Result<()> {
    // SAFETY: plain integer syscall.
    Errno::result(unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            libc::getpid(),
            tid,
            sig.as_raw() as libc::c_int,
        )
    })
    .map(drop)
}

/// The calling thread's id.
pub fn gettid() -> pid_t {
    nix::unistd::gettid().as_raw()
}

/// Installs handlers (without SA_RESTART, so a blocked poll or waitpid returns EINTR) recording
/// `sigs` for [`fatal_signal`], for a backend that needs no wake signal of its own.
///
/// # Errors
/// sigaction fails.
pub fn install_fatal_handlers(sigs: &[Signal]) -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet};
    let fatal = SigAction::new(
        SigHandler::Handler(on_fatal_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for &s in sigs {
        // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
        unsafe { sigaction(s, &fatal) }?;
    }
    Ok(())
}

/// Set by SIGHUP's handler (see [`install_reload_handler`]); cleared by [`take_reload_request`].
static RELOAD_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_reload_signal(_sig: libc::c_int) {
    RELOAD_REQUESTED.store(true, Ordering::SeqCst);
}

/// Installs SIGHUP's handler (without SA_RESTART, so a blocked poll returns EINTR): it only sets
/// the flag [`take_reload_request`] reads (`kill -1 $(cat PIDFILE)` asks `ksec watch` to re-read
/// its rules).
///
/// # Errors
/// sigaction fails.
pub fn install_reload_handler() -> nix::Result<()> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet};
    let hup = SigAction::new(
        SigHandler::Handler(on_reload_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores into an atomic, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGHUP, &hup) }?;
    Ok(())
}

/// Whether SIGHUP arrived since the last call; clears the request.
#[inline]
pub fn take_reload_request() -> bool {
    RELOAD_REQUESTED.swap(false, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_realtime_signals() {
        assert_eq!(Sig::from_raw(9), Sig::Std(Signal::SIGKILL));
        assert_eq!(Sig::from_raw(31), Sig::Std(Signal::SIGSYS));
        assert_eq!(Sig::from_raw(32), Sig::Rt(0));
        // glibc's SIGRTMIN (SIGCANCEL is 32, SIGSETXID 33).
        assert_eq!(
            Sig::from_raw(libc::SIGRTMIN()),
            Sig::Rt((libc::SIGRTMIN() - 32) as u8)
        );
        assert_eq!(Sig::from_raw(64), Sig::Rt(32));
        assert_eq!(Sig::from_raw(65), Sig::Other(65));
        assert_eq!(Sig::from_raw(0), Sig::Other(0));
        for n in 0..=70 {
            assert_eq!(Sig::from_raw(n).as_raw(), n);
        }
        assert!(Sig::from_raw(40).is_realtime() && Sig::from_raw(40).to_nix().is_none());
        assert!(Sig::from(Signal::SIGTSTP).is_stopping());
        assert!(!Sig::from(Signal::SIGTRAP).is_stopping() && !Sig::Rt(1).is_stopping());
    }
}
