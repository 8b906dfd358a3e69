//! Every `unsafe` call of ksec, in one module: raw ptrace requests nix lacks, fork/exec of the
//! traced command, signal re-raising. Each unsafe block carries a `// SAFETY:` comment.

use nix::sys::signal::Signal;

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
