//! Raw ptrace requests: PTRACE_SEIZE, INTERRUPT, LISTEN and GET_SYSCALL_INFO (which nix lacks)
//! and the resume/detach/geteventmsg requests with a raw signal argument, plus the typed
//! [`PtraceEvent`] of `PTRACE_EVENT_*` stops (nix's `ptrace::Event` is the model, with unknown
//! values kept). Request numbers, `PTRACE_EVENT_*` and `struct ptrace_syscall_info` come from
//! libc; nothing is redeclared.

use nix::errno::Errno;
use nix::sys::ptrace::Options;

use super::signal::Sig;
use libc::pid_t;

/// The event of a `PTRACE_EVENT_*` stop, as in `status >> 16` of a wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PtraceEvent {
    /// PTRACE_EVENT_FORK: the tracee forked; the event message is the new pid.
    Fork,
    /// PTRACE_EVENT_VFORK: the tracee vforked; the event message is the new pid.
    Vfork,
    /// PTRACE_EVENT_CLONE: the tracee cloned (usually a thread); the message is the new tid.
    Clone,
    /// PTRACE_EVENT_EXEC: an execve succeeded; the message is the former tid of the execing
    /// thread (not the leader's when a non-leader thread execed).
    Exec,
    /// PTRACE_EVENT_VFORK_DONE: the vfork child released the parent.
    VforkDone,
    /// PTRACE_EVENT_EXIT: the tracee is about to exit.
    Exit,
    /// PTRACE_EVENT_SECCOMP: a seccomp filter returned SECCOMP_RET_TRACE.
    Seccomp,
    /// PTRACE_EVENT_STOP: a group-stop or PTRACE_INTERRUPT stop of a seized tracee.
    Stop,
    /// A value this list does not know (a newer kernel), kept as is.
    Unknown(i32),
}

impl PtraceEvent {
    /// The event of a raw `status >> 16` value.
    pub fn from_raw(event: i32) -> PtraceEvent {
        match event {
            libc::PTRACE_EVENT_FORK => PtraceEvent::Fork,
            libc::PTRACE_EVENT_VFORK => PtraceEvent::Vfork,
            libc::PTRACE_EVENT_CLONE => PtraceEvent::Clone,
            libc::PTRACE_EVENT_EXEC => PtraceEvent::Exec,
            libc::PTRACE_EVENT_VFORK_DONE => PtraceEvent::VforkDone,
            libc::PTRACE_EVENT_EXIT => PtraceEvent::Exit,
            libc::PTRACE_EVENT_SECCOMP => PtraceEvent::Seccomp,
            libc::PTRACE_EVENT_STOP => PtraceEvent::Stop,
            other => PtraceEvent::Unknown(other),
        }
    }

    /// The raw value.
    pub fn as_raw(self) -> i32 {
        match self {
            PtraceEvent::Fork => libc::PTRACE_EVENT_FORK,
            PtraceEvent::Vfork => libc::PTRACE_EVENT_VFORK,
            PtraceEvent::Clone => libc::PTRACE_EVENT_CLONE,
            PtraceEvent::Exec => libc::PTRACE_EVENT_EXEC,
            PtraceEvent::VforkDone => libc::PTRACE_EVENT_VFORK_DONE,
            PtraceEvent::Exit => libc::PTRACE_EVENT_EXIT,
            PtraceEvent::Seccomp => libc::PTRACE_EVENT_SECCOMP,
            PtraceEvent::Stop => libc::PTRACE_EVENT_STOP,
            PtraceEvent::Unknown(v) => v,
        }
    }

    /// A fork, vfork or clone: a new task whose id is the event message.
    pub fn is_new_task(self) -> bool {
        matches!(
            self,
            PtraceEvent::Fork | PtraceEvent::Vfork | PtraceEvent::Clone
        )
    }
}

/// What PTRACE_GET_SYSCALL_INFO says at a syscall stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyscallInfo {
    /// Syscall-entry stop (or a seccomp stop): audit arch, number, arguments.
    Entry {
        arch: u32,
        nr: u64,
        args: [u64; 6],
        /// The stack pointer at entry (rt_sigreturn's frame is there).
        sp: u64,
    },
    /// Syscall-exit stop: return value and whether it is an error (-4095..-1).
    Exit { rval: i64, is_error: bool },
    /// Not a syscall stop.
    None,
}

/// The data argument of a resume request: the signal to deliver, 0 for none.
fn sig_data(sig: Option<Sig>) -> usize {
    sig.map_or(0, |s| s.as_raw() as usize)
}

/// Raw ptrace request with integer `addr` and `data` arguments.
fn ptrace_raw(
    req: libc::c_uint,
    tid: pid_t,
    addr: usize,
    data: usize,
) -> nix::Result<libc::c_long> {
    // SAFETY: the requests used here (SEIZE, INTERRUPT, LISTEN, SYSCALL, CONT, DETACH,
    // GETEVENTMSG, GET_SYSCALL_INFO, GETSIGINFO) read or write at most `data`/`addr` pointers that the safe
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
///
/// # Errors
/// ptrace fails (EPERM: not permitted or already traced; ESRCH: no such task).
pub fn seize(tid: pid_t, options: Options) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_SEIZE, tid, 0, options.bits() as usize).map(drop)
}

/// PTRACE_INTERRUPT: make a seized tracee stop.
///
/// # Errors
/// ptrace fails (ESRCH: the task is gone or not stopped under us).
pub fn interrupt(tid: pid_t) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_INTERRUPT, tid, 0, 0).map(drop)
}

/// PTRACE_LISTEN: leave a group-stopped tracee stopped, but let it be notified of SIGCONT.
///
/// # Errors
/// ptrace fails.
pub fn listen(tid: pid_t) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_LISTEN, tid, 0, 0).map(drop)
}

/// PTRACE_SYSCALL: resume until the next syscall entry/exit, delivering `sig`.
///
/// # Errors
/// ptrace fails (ESRCH: killed meanwhile).
#[inline]
pub fn syscall(tid: pid_t, sig: Option<Sig>) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_SYSCALL, tid, 0, sig_data(sig)).map(drop)
}

/// PTRACE_CONT: resume without stopping at syscalls (seccomp stops still happen).
///
/// # Errors
/// ptrace fails (ESRCH: killed meanwhile).
#[inline]
pub fn cont(tid: pid_t, sig: Option<Sig>) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_CONT, tid, 0, sig_data(sig)).map(drop)
}

/// PTRACE_DETACH, delivering `sig`.
///
/// # Errors
/// ptrace fails.
pub fn detach(tid: pid_t, sig: Option<Sig>) -> nix::Result<()> {
    ptrace_raw(libc::PTRACE_DETACH, tid, 0, sig_data(sig)).map(drop)
}

/// PTRACE_GETEVENTMSG: the new tid of a fork/clone event, the former tid of an exec event.
///
/// # Errors
/// ptrace fails.
pub fn geteventmsg(tid: pid_t) -> nix::Result<u64> {
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
///
/// # Errors
/// ptrace fails (ESRCH: killed meanwhile; EIO on kernels before 5.3).
#[inline]
pub fn get_syscall_info(tid: pid_t) -> nix::Result<SyscallInfo> {
    // SAFETY: `ptrace_syscall_info` is plain old data (integers and a union of integer structs):
    // all-zero bytes are a valid value of it.
    let mut raw: libc::ptrace_syscall_info = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::ptrace_syscall_info>();
    ptrace_raw(
        libc::PTRACE_GET_SYSCALL_INFO,
        tid,
        size,
        &mut raw as *mut _ as usize,
    )?;
    Ok(match raw.op {
        libc::PTRACE_SYSCALL_INFO_ENTRY => {
            // SAFETY: op ENTRY says the kernel filled the `entry` view of the union.
            let e = unsafe { raw.u.entry };
            SyscallInfo::Entry {
                arch: raw.arch,
                nr: e.nr,
                args: e.args,
                sp: raw.stack_pointer,
            }
        }
        libc::PTRACE_SYSCALL_INFO_SECCOMP => {
            // SAFETY: op SECCOMP says the kernel filled the `seccomp` view of the union.
            let s = unsafe { raw.u.seccomp };
            SyscallInfo::Entry {
                arch: raw.arch,
                nr: s.nr,
                args: s.args,
                sp: raw.stack_pointer,
            }
        }
        libc::PTRACE_SYSCALL_INFO_EXIT => {
            // SAFETY: op EXIT says the kernel filled the `exit` view of the union.
            let x = unsafe { raw.u.exit };
            SyscallInfo::Exit {
                rval: x.sval,
                is_error: x.is_error != 0,
            }
        }
        _ => SyscallInfo::None,
    })
}

/// The `siginfo_t` of a signal-delivery stop, as the kernel's 128 bytes (decoded by
/// `trace::decode::signal`, which reads fields at the offsets of libc's layout).
///
/// # Errors
/// ptrace fails (ESRCH: killed meanwhile; EINVAL: not in a signal-delivery stop).
pub fn getsiginfo_bytes(tid: pid_t) -> nix::Result<[u8; 128]> {
    let mut raw = [0u8; 128];
    const _: () = assert!(std::mem::size_of::<libc::siginfo_t>() == 128);
    ptrace_raw(libc::PTRACE_GETSIGINFO, tid, 0, raw.as_mut_ptr() as usize)?;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_unknown_kept() {
        for raw in [1, 2, 3, 4, 5, 6, 7, 128, 9, 0] {
            assert_eq!(PtraceEvent::from_raw(raw).as_raw(), raw);
        }
        assert_eq!(PtraceEvent::from_raw(4), PtraceEvent::Exec);
        assert_eq!(PtraceEvent::from_raw(128), PtraceEvent::Stop);
        assert_eq!(PtraceEvent::from_raw(9), PtraceEvent::Unknown(9));
        assert!(PtraceEvent::Clone.is_new_task() && !PtraceEvent::Exec.is_new_task());
    }

    #[test]
    fn syscall_info_is_the_kernels_size() {
        // struct ptrace_syscall_info: 24 bytes of header, the seccomp view (64) is the largest.
        assert_eq!(std::mem::size_of::<libc::ptrace_syscall_info>(), 88);
    }
}
