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

// -------------------------------------------------------------------------------------------
// ptrace and wait, raw: nix's WaitStatus cannot represent real-time signals (it fails on
// SIGRTMIN+n, which glibc itself uses), and nix lacks PTRACE_LISTEN and PTRACE_GET_SYSCALL_INFO.

use nix::errno::Errno;

pub use libc::pid_t;

/// ptrace options (linux/ptrace.h).
pub const PTRACE_O_TRACESYSGOOD: libc::c_int = 0x01;
pub const PTRACE_O_TRACEFORK: libc::c_int = 0x02;
pub const PTRACE_O_TRACEVFORK: libc::c_int = 0x04;
pub const PTRACE_O_TRACECLONE: libc::c_int = 0x08;
pub const PTRACE_O_TRACEEXEC: libc::c_int = 0x10;
pub const PTRACE_O_TRACEEXIT: libc::c_int = 0x40;
pub const PTRACE_O_TRACESECCOMP: libc::c_int = 0x80;

/// ptrace event numbers, as in `status >> 16` of a wait status.
pub const PTRACE_EVENT_FORK: i32 = 1;
pub const PTRACE_EVENT_VFORK: i32 = 2;
pub const PTRACE_EVENT_CLONE: i32 = 3;
pub const PTRACE_EVENT_EXEC: i32 = 4;
pub const PTRACE_EVENT_VFORK_DONE: i32 = 5;
pub const PTRACE_EVENT_EXIT: i32 = 6;
pub const PTRACE_EVENT_SECCOMP: i32 = 7;
pub const PTRACE_EVENT_STOP: i32 = 128;

const PTRACE_SEIZE: libc::c_uint = 0x4206;
const PTRACE_INTERRUPT: libc::c_uint = 0x4207;
const PTRACE_LISTEN: libc::c_uint = 0x4208;
const PTRACE_GET_SYSCALL_INFO: libc::c_uint = 0x420e;

/// `ptrace_syscall_info.op` values.
pub const SYSCALL_INFO_ENTRY: u8 = 1;
pub const SYSCALL_INFO_EXIT: u8 = 2;
pub const SYSCALL_INFO_SECCOMP: u8 = 3;

/// `struct ptrace_syscall_info` (linux/ptrace.h), entry/exit/seccomp views in one union.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawSyscallInfo {
    op: u8,
    pad: [u8; 3],
    arch: u32,
    instruction_pointer: u64,
    stack_pointer: u64,
    // entry: nr, args[6]; exit: rval (s64), is_error (u8); seccomp: nr, args[6], ret_data (u32)
    data: [u64; 8],
}

/// What PTRACE_GET_SYSCALL_INFO says at a syscall stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyscallInfo {
    /// Syscall-entry stop (or a seccomp stop): audit arch, number, arguments.
    Entry { arch: u32, nr: u64, args: [u64; 6] },
    /// Syscall-exit stop: return value and whether it is an error (-4095..-1).
    Exit { rval: i64, is_error: bool },
    /// Not a syscall stop.
    None,
}

/// Raw ptrace request with an integer data argument.
fn ptrace_raw(
    req: libc::c_uint,
    tid: pid_t,
    addr: usize,
    data: usize,
) -> nix::Result<libc::c_long> {
    // SAFETY: the requests used here (SEIZE, INTERRUPT, LISTEN, SYSCALL, CONT, DETACH,
    // GETEVENTMSG, GET_SYSCALL_INFO) read or write at most `data`/`addr` pointers that the safe
    // callers below point at live, correctly sized locals; the others take plain integers.
    Errno::result(unsafe {
        libc::ptrace(
            req,
            tid,
            addr as *mut libc::c_void,
            data as *mut libc::c_void,
        )
    })
}

/// PTRACE_SEIZE with options.
pub fn ptrace_seize(tid: pid_t, options: libc::c_int) -> nix::Result<()> {
    ptrace_raw(PTRACE_SEIZE, tid, 0, options as usize).map(drop)
}

/// PTRACE_INTERRUPT: make a seized tracee stop.
pub fn ptrace_interrupt(tid: pid_t) -> nix::Result<()> {
    ptrace_raw(PTRACE_INTERRUPT, tid, 0, 0).map(drop)
}

/// PTRACE_LISTEN: leave a group-stopped tracee stopped, but let it be notified of SIGCONT.
pub fn ptrace_listen(tid: pid_t) -> nix::Result<()> {
    ptrace_raw(PTRACE_LISTEN, tid, 0, 0).map(drop)
}

/// PTRACE_SYSCALL: resume until the next syscall entry/exit, delivering `sig` (0 for none).
#[inline]
pub fn ptrace_syscall(tid: pid_t, sig: i32) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_SYSCALL, tid, 0, sig as usize).map(drop)
}

/// PTRACE_CONT: resume without stopping at syscalls (seccomp stops still happen).
#[inline]
pub fn ptrace_cont(tid: pid_t, sig: i32) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_CONT, tid, 0, sig as usize).map(drop)
}

/// PTRACE_DETACH, delivering `sig` (0 for none).
pub fn ptrace_detach(tid: pid_t, sig: i32) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_DETACH, tid, 0, sig as usize).map(drop)
}

/// PTRACE_GETEVENTMSG: the new tid of a fork/clone event, the former tid of an exec event.
pub fn ptrace_geteventmsg(tid: pid_t) -> nix::Result<u64> {
    let mut msg: libc::c_ulong = 0;
    ptrace_raw(
        libc::PTRACE_GETEVENTMSG,
        tid,
        0,
        &mut msg as *mut _ as usize,
    )?;
    Ok(msg as u64)
}

/// PTRACE_GET_SYSCALL_INFO (Linux 5.3+).
#[inline]
pub fn ptrace_get_syscall_info(tid: pid_t) -> nix::Result<SyscallInfo> {
    let mut raw = RawSyscallInfo {
        op: 0,
        pad: [0; 3],
        arch: 0,
        instruction_pointer: 0,
        stack_pointer: 0,
        data: [0; 8],
    };
    let size = std::mem::size_of::<RawSyscallInfo>();
    ptrace_raw(
        PTRACE_GET_SYSCALL_INFO,
        tid,
        size,
        &mut raw as *mut _ as usize,
    )?;
    Ok(match raw.op {
        SYSCALL_INFO_ENTRY | SYSCALL_INFO_SECCOMP => SyscallInfo::Entry {
            arch: raw.arch,
            nr: raw.data[0],
            args: [
                raw.data[1],
                raw.data[2],
                raw.data[3],
                raw.data[4],
                raw.data[5],
                raw.data[6],
            ],
        },
        SYSCALL_INFO_EXIT => SyscallInfo::Exit {
            rval: raw.data[0] as i64,
            is_error: raw.data[1] as u8 != 0,
        },
        _ => SyscallInfo::None,
    })
}

/// `waitpid(-1, &status, __WALL)` (or WNOHANG too): the tid and raw status, `None` with WNOHANG
/// and nothing to report.
#[inline]
pub fn wait_any(nohang: bool) -> nix::Result<Option<(pid_t, i32)>> {
    let mut status: libc::c_int = 0;
    let flags = libc::__WALL | if nohang { libc::WNOHANG } else { 0 };
    // SAFETY: `status` is a valid out pointer for the duration of the call.
    let tid = Errno::result(unsafe { libc::waitpid(-1, &mut status, flags) })?;
    Ok((tid != 0).then_some((tid, status)))
}

/// `waitpid(pid, &status, WSTOPPED|__WALL)` for the spawned child's self-stop before seizing.
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

/// `tgkill(getpid(), tid, sig)`: wake a thread of this process blocked in a syscall.
pub fn tgkill_self(tid: pid_t, sig: i32) -> nix::Result<()> {
    // SAFETY: plain integer syscall.
    Errno::result(unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, sig) }).map(drop)
}

/// The calling thread's id.
pub fn gettid() -> pid_t {
    nix::unistd::gettid().as_raw()
}

// -------------------------------------------------------------------------------------------
// Signals ksec handles while tracing.

use std::sync::atomic::{AtomicI32, Ordering};

/// The fatal signal (SIGINT, SIGTERM, ...) ksec received while tracing, 0 if none.
pub static FATAL_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_fatal_signal(sig: libc::c_int) {
    FATAL_SIGNAL.store(sig, Ordering::SeqCst);
}

extern "C" fn on_wake_signal(_sig: libc::c_int) {}

/// Installs handlers (without SA_RESTART, so a blocked waitpid returns EINTR) recording `sigs`
/// in [`FATAL_SIGNAL`], and a no-op handler for `wake`, used to interrupt the tracer's wait.
///
/// # Errors
/// sigaction fails.
pub fn install_signal_handlers(sigs: &[Signal], wake: Signal) -> nix::Result<()> {
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
    let noop = SigAction::new(
        SigHandler::Handler(on_wake_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing.
    unsafe { sigaction(wake, &noop) }?;
    Ok(())
}

// -------------------------------------------------------------------------------------------
// Starting the traced command.

use std::ffi::CString;

/// Forks a child that stops itself (SIGSTOP) and then execs `path` with `argv` and `envp`, as
/// strace's startup_child does with PTRACE_SEIZE. The signals in `reset` (those ksec or Rust's
/// runtime changed) get back the disposition ksec was started with (ignored stays ignored, the
/// rest default, as execve would leave them), and the signal mask is the one ksec was started with
/// ([`startup_signals`]), so the command inherits what it would have inherited untraced. With `seccomp`, the child installs that filter after the
/// stop (when the tracer is attached), setting no_new_privs only if it must (not privileged).
/// If the exec fails, the child prints why and exits 127.
///
/// # Errors
/// fork fails.
pub fn spawn_stopped(
    path: &CString,
    argv: &[CString],
    envp: &[CString],
    reset: &[Signal],
    seccomp: Option<&[crate::trace::seccomp::Insn]>,
) -> nix::Result<(pid_t, std::os::fd::OwnedFd)> {
    let mut filter: Vec<libc::sock_filter> = seccomp
        .unwrap_or_default()
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
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
            let how = if startup.ignored(s as libc::c_int) {
                libc::SIG_IGN
            } else {
                libc::SIG_DFL
            };
            (s as libc::c_int, how)
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
// ---------------------------------------------------------------------------------------------
// /proc inspector (`ksec root`): opening paths inside a process's root without escaping it.
//
// nix's `openat2` and `openat` are safe calls but return a bare `RawFd`; the only unsafe step is
// taking ownership of it.

pub mod proc_open {
    //! Opening files inside a process's root (`ksec root`).

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
}
