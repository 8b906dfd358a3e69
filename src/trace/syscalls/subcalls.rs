//! The calls i386 multiplexes through socketcall(2) and ipc(2), as strace decodes them
//! (src/linux/generic/subcallent.h, src/syscall.c): each with its own name and classes, so that
//! `-e trace=send` is valid and `%network` takes socketcall's socket calls but not socketcall
//! itself (only `%desc`).

#[cfg(target_arch = "x86_64")]
use super::class;
use crate::trace::arch::Personality;

/// A call multiplexed by i386's socketcall(2) or ipc(2), as strace decodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subcall(usize);

impl Subcall {
    /// The call an i386 `socketcall(call, args)` or `ipc(call, ...)` makes, given the syscall's
    /// first argument, when strace would decode it (src/syscall.c, `decode_socket_subcall`,
    /// `decode_ipc_subcall`): socketcall calls 1 to 20, ipc calls 1-4, 11-14 and 21-24 (the
    /// low 16 bits; the high ones are a version). `None` for anything else, which strace
    /// filters and counts as the multiplexer itself. strace also leaves a socketcall undecoded
    /// when it cannot read its argument array from the tracee.
    pub fn decode(p: Personality, nr: u64, arg0: u64) -> Option<Subcall> {
        if p != Personality::Compat32 {
            return None;
        }
        let multiplexer = super::name(p, nr)?;
        let call = match multiplexer {
            // (int) u_arg[0], then 1 <= call < 21
            "socketcall" => arg0 as u32,
            // u_arg[0] & 0xffff when a version is given; the same call numbers either way
            "ipc" => arg0 as u32 & 0xffff,
            _ => return None,
        };
        SUBCALLS
            .iter()
            .position(|s| s.multiplexer == multiplexer && s.call == call)
            .map(Subcall)
    }

    /// Every call this machine's compat personality multiplexes, in table order (none on
    /// machines whose compat table has no socketcall or ipc).
    pub fn all() -> impl ExactSizeIterator<Item = Subcall> {
        (0..SUBCALLS.len()).map(Subcall)
    }

    /// The position of this call in [`Subcall::all`], for tables parallel to it.
    #[inline]
    pub fn index(self) -> usize {
        self.0
    }

    /// The name strace gives the call (`socket`, `recv`, `semop`, ...).
    pub fn name(self) -> &'static str {
        SUBCALLS[self.0].name
    }

    /// strace's class flags for the call ([`super::class`]).
    pub fn classes(self) -> u32 {
        SUBCALLS[self.0].flags
    }

    /// The syscall that multiplexes it: `socketcall` or `ipc`.
    pub fn multiplexer(self) -> &'static str {
        SUBCALLS[self.0].multiplexer
    }
}

/// One call i386 multiplexes, with strace's classes for it (src/linux/generic/subcallent.h).
struct SubcallEntry {
    multiplexer: &'static str,
    call: u32,
    name: &'static str,
    flags: u32,
}

/// strace decodes socketcall(2) and ipc(2) only where their numbers are in the i386 table.
#[cfg(target_arch = "x86_64")]
const SUBCALLS: &[SubcallEntry] = {
    use class::{IPC, MEMORY, NETWORK};
    const fn sock(call: u32, name: &'static str) -> SubcallEntry {
        SubcallEntry {
            multiplexer: "socketcall",
            call,
            name,
            flags: NETWORK,
        }
    }
    const fn ipc(call: u32, name: &'static str, flags: u32) -> SubcallEntry {
        SubcallEntry {
            multiplexer: "ipc",
            call,
            name,
            flags,
        }
    }
    &[
        sock(1, "socket"),
        sock(2, "bind"),
        sock(3, "connect"),
        sock(4, "listen"),
        sock(5, "accept"),
        sock(6, "getsockname"),
        sock(7, "getpeername"),
        sock(8, "socketpair"),
        sock(9, "send"),
        sock(10, "recv"),
        sock(11, "sendto"),
        sock(12, "recvfrom"),
        sock(13, "shutdown"),
        sock(14, "setsockopt"),
        sock(15, "getsockopt"),
        sock(16, "sendmsg"),
        sock(17, "recvmsg"),
        sock(18, "accept4"),
        sock(19, "recvmmsg"),
        sock(20, "sendmmsg"),
        ipc(1, "semop", IPC),
        ipc(2, "semget", IPC),
        ipc(3, "semctl", IPC),
        ipc(4, "semtimedop", IPC),
        ipc(11, "msgsnd", IPC),
        ipc(12, "msgrcv", IPC),
        ipc(13, "msgget", IPC),
        ipc(14, "msgctl", IPC),
        ipc(21, "shmat", IPC | MEMORY),
        ipc(22, "shmdt", IPC | MEMORY),
        ipc(23, "shmget", IPC),
        ipc(24, "shmctl", IPC),
    ]
};
#[cfg(not(target_arch = "x86_64"))]
const SUBCALLS: &[SubcallEntry] = &[];

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::trace::arch::Personality::{Compat32, Native};

    fn nr(name: &str) -> u64 {
        crate::trace::syscalls::number(Compat32, name).expect("in the i386 table")
    }

    #[test]
    fn decodes_what_strace_decodes() {
        let socketcall = nr("socketcall");
        let ipc = nr("ipc");
        let sub = |mux, arg0| Subcall::decode(Compat32, mux, arg0);
        assert_eq!(sub(socketcall, 1).map(Subcall::name), Some("socket"));
        assert_eq!(sub(socketcall, 9).map(Subcall::name), Some("send"));
        assert_eq!(sub(socketcall, 20).map(Subcall::name), Some("sendmmsg"));
        assert_eq!(sub(ipc, 21).map(Subcall::name), Some("shmat"));
        assert_eq!(sub(ipc, 0x1_0015).map(Subcall::name), Some("shmat"));
        for (mux, arg0) in [
            (socketcall, 0),
            (socketcall, 21),
            (socketcall, 1 << 31),
            (ipc, 0),
        ] {
            assert_eq!(sub(mux, arg0), None, "{mux} {arg0:#x}");
        }
        assert_eq!(sub(ipc, 5), None);
        assert_eq!(Subcall::decode(Native, 41, 1), None);
        assert_eq!(Subcall::decode(Compat32, 0, 1), None);
    }

    #[test]
    fn classes_and_multiplexers() {
        let shmat = Subcall::decode(Compat32, nr("ipc"), 21).unwrap();
        assert_eq!(shmat.classes(), class::IPC | class::MEMORY);
        assert_eq!(shmat.multiplexer(), "ipc");
        let send = Subcall::decode(Compat32, nr("socketcall"), 9).unwrap();
        assert_eq!(send.classes(), class::NETWORK);
        assert_eq!(send.multiplexer(), "socketcall");
        assert_eq!(Subcall::all().len(), 32);
        assert!(Subcall::all().enumerate().all(|(i, s)| s.index() == i));
    }
}
