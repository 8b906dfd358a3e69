//! The netlink proc connector (NETLINK_CONNECTOR, CN_IDX_PROC; linux/cn_proc.h): a socket that
//! subscribes to the kernel's process events ([`ProcConnector::open`]), its non-blocking
//! receive, and the parser of its datagrams into typed [`ProcEvent`]s ([`parse`], from bytes).
//!
//! libc has the constants (`PROC_EVENT_*`, `CN_IDX_PROC`, `PROC_CN_MCAST_LISTEN`) but not the
//! `cn_msg` and `proc_event` structs; they are read here field by field at the offsets of
//! linux/connector.h and linux/cn_proc.h (stable kernel ABI), never cast.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use nix::errno::Errno;

/// `struct nlmsghdr`: 16 bytes.
const NLMSG_HDR: usize = 16;
/// `struct cn_msg` without its data: `cb_id` (idx, val), seq, ack, len (u16), flags (u16).
const CN_MSG_HDR: usize = 20;
/// `struct proc_event` up to its union: what, cpu, timestamp_ns (aligned to 8).
const PROC_EVENT_HDR: usize = 16;
/// The socket's receive buffer (SO_RCVBUFFORCE; ksec runs as root): event storms on a busy
/// node outrun a reader on the default 208 KiB.
const RCVBUF: i32 = 16 << 20;

/// A process event as the kernel sent it; pids are the host's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcEvent {
    /// The CPU the event was made on and its per-CPU sequence number (`cn_msg.seq`): a gap says
    /// events were lost.
    pub cpu: u32,
    pub seq: u32,
    /// CLOCK_MONOTONIC nanoseconds (ktime_get_ns).
    pub timestamp_ns: u64,
    pub what: What,
}

/// What happened (the union of `struct proc_event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// The answer to the subscription: 0 or a positive errno (EPERM without CAP_NET_ADMIN).
    Ack {
        err: u32,
    },
    /// `parent` is the child's `real_parent` (for a new thread, the process's parent, not the
    /// thread that called clone).
    Fork {
        parent_pid: i32,
        parent_tgid: i32,
        child_pid: i32,
        child_tgid: i32,
    },
    Exec {
        pid: i32,
        tgid: i32,
    },
    /// PROC_EVENT_UID: the real and effective uid after the change.
    Uid {
        pid: i32,
        tgid: i32,
        ruid: u32,
        euid: u32,
    },
    /// PROC_EVENT_GID: the real and effective gid after the change.
    Gid {
        pid: i32,
        tgid: i32,
        rgid: u32,
        egid: u32,
    },
    Sid {
        pid: i32,
        tgid: i32,
    },
    /// PTRACE_ATTACH (or SEIZE) sets the tracer; PTRACE_DETACH reports tracer 0.
    Ptrace {
        pid: i32,
        tgid: i32,
        tracer_pid: i32,
        tracer_tgid: i32,
    },
    Comm {
        pid: i32,
        tgid: i32,
        comm: Vec<u8>,
    },
    Coredump {
        pid: i32,
        tgid: i32,
    },
    /// A task ended: `exit_code` is its wait status (`task->exit_code`).
    Exit {
        pid: i32,
        tgid: i32,
        exit_code: u32,
        exit_signal: u32,
    },
    /// An event type this parser does not know.
    Other {
        what: u32,
    },
}

/// A subscribed proc connector socket (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct ProcConnector {
    fd: OwnedFd,
}

impl ProcConnector {
    /// Opens a NETLINK_CONNECTOR socket, joins the CN_IDX_PROC group and sends
    /// PROC_CN_MCAST_LISTEN. The kernel's answer (an [`What::Ack`], EPERM without
    /// CAP_NET_ADMIN in the initial user namespace) arrives as the first event.
    ///
    /// # Errors
    /// socket, bind or send fail (EPERM/EACCES without privilege, EPROTONOSUPPORT on a kernel
    /// without CONFIG_PROC_EVENTS).
    pub fn open() -> Result<ProcConnector, Errno> {
        // SAFETY: plain syscall with integer arguments; the result is checked.
        let raw = Errno::result(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                libc::NETLINK_CONNECTOR,
            )
        })?;
        // SAFETY: `raw` is a new fd this function owns and nothing else closes.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let size = RCVBUF;
        // SAFETY: the option value points to a live c_int of the length passed. A failure
        // (no CAP_NET_ADMIN) leaves the default buffer, which is not fatal.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                (&size as *const i32).cast(),
                std::mem::size_of::<i32>() as libc::socklen_t,
            )
        };
        // SAFETY: sockaddr_nl is plain old data; all-zero is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_pid = 0;
        addr.nl_groups = libc::CN_IDX_PROC;
        // SAFETY: `addr` is a live sockaddr_nl and the length is its size.
        Errno::result(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })?;
        let msg = listen_message(std::process::id());
        // SAFETY: `msg` is a live buffer of the length passed; send keeps no pointer to it.
        let sent = Errno::result(unsafe {
            libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0)
        })?;
        if sent as usize != msg.len() {
            return Err(Errno::EMSGSIZE);
        }
        Ok(ProcConnector { fd })
    }

    /// Receives one datagram into `buf`: its length; EAGAIN when none is queued, ENOBUFS when
    /// the kernel dropped events because the receive buffer was full (the socket keeps
    /// working).
    ///
    /// # Errors
    /// recv's errno.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        // SAFETY: `buf` is a live, writable buffer of the length passed.
        let n = Errno::result(unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        })?;
        Ok(n as usize)
    }
}

impl AsFd for ProcConnector {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The subscription request: nlmsghdr + cn_msg{CN_IDX_PROC, CN_VAL_PROC} + the u32 op.
fn listen_message(pid: u32) -> Vec<u8> {
    let total = NLMSG_HDR + CN_MSG_HDR + 4;
    let mut m = Vec::with_capacity(total);
    m.extend_from_slice(&(total as u32).to_ne_bytes());
    m.extend_from_slice(&(libc::NLMSG_DONE as u16).to_ne_bytes());
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&pid.to_ne_bytes());
    m.extend_from_slice(&libc::CN_IDX_PROC.to_ne_bytes());
    m.extend_from_slice(&libc::CN_VAL_PROC.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes()); // seq
    m.extend_from_slice(&0u32.to_ne_bytes()); // ack
    m.extend_from_slice(&4u16.to_ne_bytes()); // len
    m.extend_from_slice(&0u16.to_ne_bytes()); // flags
    m.extend_from_slice(&libc::PROC_CN_MCAST_LISTEN.to_ne_bytes());
    m
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    u32_at(b, at).map(|v| v as i32)
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The process events in one datagram (one or more netlink messages); messages that are not
/// the proc connector's, or cut short, are skipped.
pub fn parse(buf: &[u8]) -> Vec<ProcEvent> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(len) = u32_at(buf, at) {
        let len = len as usize;
        if len < NLMSG_HDR || at + len > buf.len() {
            break;
        }
        if let Some(ev) = parse_cn(&buf[at + NLMSG_HDR..at + len]) {
            out.push(ev);
        }
        // NLMSG_ALIGN: messages are 4-byte aligned.
        at += (len + 3) & !3;
    }
    out
}

/// One cn_msg carrying a proc_event.
fn parse_cn(cn: &[u8]) -> Option<ProcEvent> {
    if u32_at(cn, 0)? != libc::CN_IDX_PROC || u32_at(cn, 4)? != libc::CN_VAL_PROC {
        return None;
    }
    let seq = u32_at(cn, 8)?;
    let data_len = u16::from_ne_bytes(cn.get(16..18)?.try_into().ok()?) as usize;
    let ev = cn.get(CN_MSG_HDR..CN_MSG_HDR + data_len)?;
    let what = u32_at(ev, 0)?;
    let cpu = u32_at(ev, 4)?;
    let timestamp_ns = u64_at(ev, 8)?;
    let d = &ev[PROC_EVENT_HDR.min(ev.len())..];
    let w = |i: usize| i32_at(d, 4 * i);
    let what = match what {
        libc::PROC_EVENT_NONE => What::Ack { err: u32_at(d, 0)? },
        libc::PROC_EVENT_FORK => What::Fork {
            parent_pid: w(0)?,
            parent_tgid: w(1)?,
            child_pid: w(2)?,
            child_tgid: w(3)?,
        },
        libc::PROC_EVENT_EXEC => What::Exec {
            pid: w(0)?,
            tgid: w(1)?,
        },
        libc::PROC_EVENT_UID => What::Uid {
            pid: w(0)?,
            tgid: w(1)?,
            ruid: w(2)? as u32,
            euid: w(3)? as u32,
        },
        libc::PROC_EVENT_GID => What::Gid {
            pid: w(0)?,
            tgid: w(1)?,
            rgid: w(2)? as u32,
            egid: w(3)? as u32,
        },
        libc::PROC_EVENT_SID => What::Sid {
            pid: w(0)?,
            tgid: w(1)?,
        },
        libc::PROC_EVENT_PTRACE => What::Ptrace {
            pid: w(0)?,
            tgid: w(1)?,
            tracer_pid: w(2)?,
            tracer_tgid: w(3)?,
        },
        libc::PROC_EVENT_COMM => {
            let raw = d.get(8..24)?;
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            What::Comm {
                pid: w(0)?,
                tgid: w(1)?,
                comm: raw[..end].to_vec(),
            }
        }
        libc::PROC_EVENT_COREDUMP => What::Coredump {
            pid: w(0)?,
            tgid: w(1)?,
        },
        libc::PROC_EVENT_EXIT => What::Exit {
            pid: w(0)?,
            tgid: w(1)?,
            exit_code: w(2)? as u32,
            exit_signal: w(3)? as u32,
        },
        what => What::Other { what },
    };
    Some(ProcEvent {
        cpu,
        seq,
        timestamp_ns,
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A netlink message with one proc_event of type `what` and union words `data`.
    fn message(seq: u32, what: u32, data: &[u32]) -> Vec<u8> {
        let mut ev = Vec::new();
        ev.extend_from_slice(&what.to_ne_bytes());
        ev.extend_from_slice(&3u32.to_ne_bytes()); // cpu
        ev.extend_from_slice(&123_456_789u64.to_ne_bytes());
        for d in data {
            ev.extend_from_slice(&d.to_ne_bytes());
        }
        let total = NLMSG_HDR + CN_MSG_HDR + ev.len();
        let mut m = Vec::new();
        m.extend_from_slice(&(total as u32).to_ne_bytes());
        m.extend_from_slice(&[0; 12]);
        m.extend_from_slice(&libc::CN_IDX_PROC.to_ne_bytes());
        m.extend_from_slice(&libc::CN_VAL_PROC.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&(ev.len() as u16).to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&ev);
        m
    }

    #[test]
    fn parses_each_event_type() {
        let exit = libc::PROC_EVENT_EXIT;
        let cases = [
            (
                message(7, libc::PROC_EVENT_FORK, &[10, 11, 12, 13]),
                What::Fork {
                    parent_pid: 10,
                    parent_tgid: 11,
                    child_pid: 12,
                    child_tgid: 13,
                },
            ),
            (
                message(7, libc::PROC_EVENT_EXEC, &[20, 21]),
                What::Exec { pid: 20, tgid: 21 },
            ),
            (
                message(7, libc::PROC_EVENT_UID, &[5, 5, 0, 1000]),
                What::Uid {
                    pid: 5,
                    tgid: 5,
                    ruid: 0,
                    euid: 1000,
                },
            ),
            (
                message(7, libc::PROC_EVENT_PTRACE, &[8, 8, 9, 9]),
                What::Ptrace {
                    pid: 8,
                    tgid: 8,
                    tracer_pid: 9,
                    tracer_tgid: 9,
                },
            ),
            (
                message(7, exit, &[30, 30, 3 << 8, 17, 1, 1]),
                What::Exit {
                    pid: 30,
                    tgid: 30,
                    exit_code: 3 << 8,
                    exit_signal: 17,
                },
            ),
            (message(7, 0, &[1]), What::Ack { err: 1 }),
            (message(7, 0x400, &[1, 2]), What::Other { what: 0x400 }),
        ];
        for (bytes, want) in cases {
            let got = parse(&bytes);
            assert_eq!(
                got,
                vec![ProcEvent {
                    cpu: 3,
                    seq: 7,
                    timestamp_ns: 123_456_789,
                    what: want
                }]
            );
        }
    }

    #[test]
    fn comm_two_messages_and_short_input() {
        let mut comm = [0u32; 6];
        comm[0] = 4;
        comm[1] = 4;
        let name = *b"worker\0\0\0\0\0\0\0\0\0\0";
        for (i, c) in name.chunks(4).enumerate() {
            comm[2 + i] = u32::from_ne_bytes(c.try_into().unwrap());
        }
        let mut two = message(1, libc::PROC_EVENT_COMM, &comm);
        two.extend(message(2, libc::PROC_EVENT_EXEC, &[4, 4]));
        let got = parse(&two);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].what,
            What::Comm {
                pid: 4,
                tgid: 4,
                comm: b"worker".to_vec()
            }
        );
        assert_eq!(got[1].seq, 2);
        // Cut short, wrong connector, empty: nothing, no panic.
        let whole = message(1, libc::PROC_EVENT_EXEC, &[4, 4]);
        for cut in 0..whole.len() {
            assert!(parse(&whole[..cut]).is_empty(), "cut at {cut}");
        }
        let mut other = whole.clone();
        other[NLMSG_HDR] = 9;
        assert!(parse(&other).is_empty());
        let m = listen_message(42);
        assert_eq!(m.len(), 40);
        assert_eq!(u32_at(&m, 36), Some(libc::PROC_CN_MCAST_LISTEN));
    }
}
