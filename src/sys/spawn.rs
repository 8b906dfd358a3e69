//! Starting the traced command: fork, a self-stop (SIGSTOP) the tracer seizes, the seccomp
//! filter of `--seccomp-bpf`, execve, and a close-on-exec pipe that reports a failed execve's
//! errno. Also the two ELF constructors that record, before Rust's runtime changes them, the
//! signal dispositions and mask and the closed standard fds ksec was started with, so the
//! command inherits what it would have inherited untraced.

use std::ffi::CString;

use nix::errno::Errno;

use libc::pid_t;

/// Forks a child that stops itself (SIGSTOP) and then execs `path` with `argv` and `envp`, as
/// strace's startup_child does with PTRACE_SEIZE. The signals in `reset` (those ksec or Rust's
/// runtime changed) get back the disposition ksec was started with (ignored stays ignored, the
/// rest default, as execve would leave them), and the signal mask is the one ksec was started with
/// ([`startup_signals`]), so the command inherits what it would have inherited untraced. With
/// `seccomp` (a cBPF program), the child installs that filter after the stop (when the tracer is
/// attached), setting no_new_privs only if it must (not privileged). If the exec fails, the child
/// writes its errno to the returned pipe's other end and exits 1; EOF on the pipe means the exec
/// worked.
///
/// # Errors
/// fork fails.
pub fn spawn_stopped(
    path: &CString,
    argv: &[CString],
    envp: &[CString],
    reset: &[crate::sys::signal::Sig],
    seccomp: Option<&[libc::sock_filter]>,
) -> nix::Result<(pid_t, std::os::fd::OwnedFd)> {
    let mut filter: Vec<libc::sock_filter> = seccomp.unwrap_or_default().to_vec();
    let prog = libc::sock_fprog {
        len: filter.len() as libc::c_ushort,
        filter: filter.as_mut_ptr(),
    };
    let use_seccomp = seccomp.is_some();
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut envp_ptrs: Vec<*const libc::c_char> = envp.iter().map(|a| a.as_ptr()).collect();
    envp_ptrs.push(std::ptr::null());
    let startup = startup_signals();
    let reset: Vec<(libc::c_int, libc::sighandler_t)> = reset
        .iter()
        .map(|&s| {
            let how = if startup.ignored(s.as_raw()) {
                libc::SIG_IGN
            } else {
                libc::SIG_DFL
            };
            (s.as_raw(), how)
        })
        .collect();
    // SAFETY: sigemptyset/sigaddset only write into the local set.
    let start_mask = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in 1..=64 {
            if startup.blocked(sig) {
                libc::sigaddset(&mut set, sig);
            }
        }
        set
    };
    // The child reports a failed execve's errno on this close-on-exec pipe (EOF = exec worked).
    let (err_read, err_write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let err_fd = std::os::fd::AsRawFd::as_raw_fd(&err_write);
    let closed_std = closed_std_fds();
    // SAFETY: after fork the child only calls async-signal-safe functions (signal, sigprocmask,
    // kill, getpid, close, prctl, execve, write, _exit) on memory prepared before the fork.
    let pid = Errno::result(unsafe { libc::fork() })?;
    if pid == 0 {
        // SAFETY: this is the child of a fork from a multi-threaded process: only
        // async-signal-safe calls follow (close, signal, sigprocmask, kill, getpid, prctl,
        // execve, write, _exit), and they read only memory prepared before the fork (`reset`,
        // `start_mask`, `prog` and the filter it points to, the argv/envp pointer arrays and the
        // CStrings they point into, all alive in the parent at the fork and so copied into the
        // child's address space); nothing allocates or takes a lock, and the child never returns
        // into Rust code: it execs or `_exit`s.
        unsafe {
            // Standard fds that were closed when ksec started (Rust's runtime reopened them on
            // /dev/null) are closed again: the command sees what it would see untraced.
            for fd in 0..3 {
                if closed_std & (1 << fd) != 0 {
                    libc::close(fd);
                }
            }
            for &(s, how) in &reset {
                libc::signal(s, how);
            }
            libc::sigprocmask(libc::SIG_SETMASK, &start_mask, std::ptr::null_mut());
            libc::kill(libc::getpid(), libc::SIGSTOP);
            if use_seccomp {
                let set = |p: &libc::sock_fprog| {
                    libc::prctl(
                        libc::PR_SET_SECCOMP,
                        libc::SECCOMP_MODE_FILTER,
                        p as *const libc::sock_fprog,
                    )
                };
                if set(&prog) != 0 {
                    libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                    set(&prog);
                }
            }
            libc::execve(path.as_ptr(), argv_ptrs.as_ptr(), envp_ptrs.as_ptr());
            let errno = *libc::__errno_location();
            let bytes = errno.to_ne_bytes();
            libc::write(err_fd, bytes.as_ptr().cast(), bytes.len());
            libc::_exit(1);
        }
    }
    drop(err_write);
    Ok((pid, err_read))
}

/// The signal state ksec was started with: which signals were ignored and which were blocked
/// (bit `n - 1` for signal `n`, signals 1 to 64), recorded before Rust's runtime (which ignores
/// SIGPIPE) or ksec's handlers change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartupSignals {
    ignored: u64,
    blocked: u64,
}

impl StartupSignals {
    /// Whether signal `sig` was ignored (SIG_IGN) when ksec started.
    pub fn ignored(self, sig: libc::c_int) -> bool {
        (1..=64).contains(&sig) && self.ignored & (1 << (sig - 1)) != 0
    }

    /// Whether signal `sig` was blocked when ksec started.
    pub fn blocked(self, sig: libc::c_int) -> bool {
        (1..=64).contains(&sig) && self.blocked & (1 << (sig - 1)) != 0
    }
}

static STARTUP_IGNORED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static STARTUP_BLOCKED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The signal dispositions and mask ksec was started with.
pub fn startup_signals() -> StartupSignals {
    StartupSignals {
        ignored: STARTUP_IGNORED.load(std::sync::atomic::Ordering::SeqCst),
        blocked: STARTUP_BLOCKED.load(std::sync::atomic::Ordering::SeqCst),
    }
}

extern "C" fn record_startup_signals() {
    let mut ignored = 0u64;
    let mut blocked = 0u64;
    // SAFETY: sigaction with a null new action and sigprocmask with a null new set only query
    // the current state into the zeroed locals.
    unsafe {
        let mut mask: libc::sigset_t = std::mem::zeroed();
        let have_mask = libc::sigprocmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask) == 0;
        for sig in 1..=64 {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
            {
                ignored |= 1 << (sig - 1);
            }
            if have_mask && libc::sigismember(&mask, sig) == 1 {
                blocked |= 1 << (sig - 1);
            }
        }
    }
    STARTUP_IGNORED.store(ignored, std::sync::atomic::Ordering::SeqCst);
    STARTUP_BLOCKED.store(blocked, std::sync::atomic::Ordering::SeqCst);
}

/// Runs before `main`, before Rust's runtime sets SIGPIPE to ignored (an ELF constructor).
#[used]
#[link_section = ".init_array"]
static RECORD_STARTUP_SIGNALS: extern "C" fn() = record_startup_signals;

/// Standard fds (bit 0, 1, 2) that were closed when the process started, recorded before Rust's
/// runtime reopens them on /dev/null.
static CLOSED_STD_FDS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

extern "C" fn record_closed_std_fds() {
    let mut closed = 0u8;
    for fd in 0..3 {
        // SAFETY: F_GETFD only queries the descriptor table.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            closed |= 1 << fd;
        }
    }
    CLOSED_STD_FDS.store(closed, std::sync::atomic::Ordering::SeqCst);
}

/// Runs before `main` and before Rust's runtime touches fds 0-2 (an ELF constructor).
#[used]
#[link_section = ".init_array"]
static RECORD_CLOSED_STD_FDS: extern "C" fn() = record_closed_std_fds;

/// Which of fds 0, 1, 2 were closed when ksec started (bit n for fd n).
pub fn closed_std_fds() -> u8 {
    CLOSED_STD_FDS.load(std::sync::atomic::Ordering::SeqCst)
}
