//! Decoders of the net family (see [`super`] for how a decoder works): socket, socketpair,
//! bind, connect, listen, accept, accept4, sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
//! recvmmsg, shutdown, setsockopt, getsockopt, getsockname, getpeername, as strace 6.1 prints
//! them (its `net.c`, `msghdr.c`, `mmsghdr.c`, `bind.c`...); socket addresses are in [`super::sockaddr`]. Also
//! [`socket_target`]: what `-yy` prints for a socket fd, from the /proc/TID/net tables.
#![forbid(unsafe_code)]

use std::sync::Mutex;

use super::sockaddr;
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    match name {
        "socket" => Some(socket),
        "socketpair" => Some(socketpair),
        "bind" | "connect" => Some(bind),
        "listen" => Some(listen),
        "accept" => Some(accept),
        "accept4" => Some(accept4),
        "getsockname" | "getpeername" => Some(sockname),
        "sendto" => Some(sendto),
        "recvfrom" => Some(recvfrom),
        "sendmsg" => Some(sendmsg),
        "recvmsg" => Some(recvmsg),
        "sendmmsg" => Some(sendmmsg),
        "recvmmsg" | "recvmmsg_time64" => Some(recvmmsg),
        "shutdown" => Some(shutdown),
        "setsockopt" => Some(setsockopt),
        "getsockopt" => Some(getsockopt),
        _ => None,
    }
}

// --- Tables (strace's xlat/*.in, values from libc). ---

/// `SOCK_TYPE_MASK`: the type part of socket's `type` argument (include/linux/net.h).
const SOCK_TYPE_MASK: u64 = 0xf;

/// Socket types; SOCK_PACKET (deprecated in libc) from include/linux/net.h.
pub(super) const SOCKTYPES: &Table = crate::xlat![
    SOCK_STREAM,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_RDM,
    SOCK_SEQPACKET,
    SOCK_DCCP,
    (10, "SOCK_PACKET"),
];

const SOCK_TYPE_FLAGS: &Table = crate::xlat![SOCK_CLOEXEC, SOCK_NONBLOCK];

pub(super) const INET_PROTOCOLS: &Table = crate::xlat![
    IPPROTO_IP,
    IPPROTO_ICMP,
    IPPROTO_IGMP,
    IPPROTO_IPIP,
    IPPROTO_TCP,
    IPPROTO_EGP,
    IPPROTO_PUP,
    IPPROTO_UDP,
    IPPROTO_IDP,
    IPPROTO_TP,
    IPPROTO_DCCP,
    IPPROTO_IPV6,
    IPPROTO_ROUTING,
    IPPROTO_FRAGMENT,
    IPPROTO_RSVP,
    IPPROTO_GRE,
    IPPROTO_ESP,
    IPPROTO_AH,
    IPPROTO_ICMPV6,
    IPPROTO_NONE,
    IPPROTO_DSTOPTS,
    IPPROTO_MTP,
    IPPROTO_BEETPH,
    IPPROTO_ENCAP,
    IPPROTO_PIM,
    IPPROTO_COMP,
    IPPROTO_SCTP,
    IPPROTO_MH,
    IPPROTO_UDPLITE,
    IPPROTO_MPLS,
    IPPROTO_ETHERNET,
    IPPROTO_RAW,
    IPPROTO_MPTCP,
];

/// IPPROTO_L2TP, which libc lacks (include/uapi/linux/in.h).
const IPPROTO_L2TP: (u64, &str) = (115, "IPPROTO_L2TP");

pub(super) const NETLINK_PROTOCOLS: &Table = crate::xlat![
    NETLINK_ROUTE,
    NETLINK_UNUSED,
    NETLINK_USERSOCK,
    NETLINK_FIREWALL,
    NETLINK_SOCK_DIAG,
    NETLINK_NFLOG,
    NETLINK_XFRM,
    NETLINK_SELINUX,
    NETLINK_ISCSI,
    NETLINK_AUDIT,
    NETLINK_FIB_LOOKUP,
    NETLINK_CONNECTOR,
    NETLINK_NETFILTER,
    NETLINK_IP6_FW,
    NETLINK_DNRTMSG,
    NETLINK_KOBJECT_UEVENT,
    NETLINK_GENERIC,
    NETLINK_SCSITRANSPORT,
    NETLINK_ECRYPTFS,
    NETLINK_RDMA,
    NETLINK_CRYPTO,
];

/// NETLINK_SMC, which libc lacks (include/uapi/linux/netlink.h).
const NETLINK_SMC: (u64, &str) = (22, "NETLINK_SMC");

/// The protocols of `socket(AF_PACKET, ...)` strace names most often (its
/// `ethernet_protocols` is longer).
const ETHERNET_PROTOCOLS: &Table = crate::xlat![
    ETH_P_LOOP,
    ETH_P_IP,
    ETH_P_ARP,
    ETH_P_8021Q,
    ETH_P_IPV6,
    ETH_P_ALL,
    ETH_P_802_2,
];

const SHUTDOWN_MODES: &Table = crate::xlat![SHUT_RD, SHUT_WR, SHUT_RDWR];

/// MSG_* flags (strace's `msg_flags`); the ones libc lacks are from include/linux/socket.h.
const MSG_FLAGS: &Table = crate::xlat![
    MSG_OOB,
    MSG_PEEK,
    MSG_DONTROUTE,
    MSG_CTRUNC,
    (0x10, "MSG_PROBE"),
    MSG_TRUNC,
    MSG_DONTWAIT,
    MSG_EOR,
    MSG_WAITALL,
    MSG_FIN,
    MSG_SYN,
    MSG_CONFIRM,
    MSG_RST,
    MSG_ERRQUEUE,
    MSG_NOSIGNAL,
    MSG_MORE,
    MSG_WAITFORONE,
    (0x20000, "MSG_SENDPAGE_NOTLAST"),
    (0x40000, "MSG_BATCH"),
    (0x80000, "MSG_NO_SHARED_FRAGS"),
    MSG_ZEROCOPY,
    MSG_FASTOPEN,
    MSG_CMSG_CLOEXEC,
    (0x80000000, "MSG_CMSG_COMPAT"),
];

/// Option levels (strace's `socketlayers`); the ones libc lacks are from
/// include/linux/socket.h.
const SOCKETLAYERS: &Table = crate::xlat![
    SOL_IP,
    SOL_SOCKET,
    SOL_TCP,
    SOL_UDP,
    AF_VSOCK,
    SOL_IPV6,
    SOL_ICMPV6,
    (100, "SOL_CAN_BASE"),
    (101, "SOL_CAN_RAW"),
    (132, "SOL_SCTP"),
    (136, "SOL_UDPLITE"),
    SOL_RAW,
    (256, "SOL_IPX"),
    (257, "SOL_AX25"),
    (258, "SOL_ATALK"),
    (259, "SOL_NETROM"),
    (260, "SOL_ROSE"),
    SOL_DECNET,
    SOL_X25,
    SOL_PACKET,
    SOL_ATM,
    SOL_AAL,
    SOL_IRDA,
    SOL_NETBEUI,
    SOL_LLC,
    SOL_DCCP,
    SOL_NETLINK,
    SOL_TIPC,
    SOL_RXRPC,
    SOL_PPPOL2TP,
    SOL_BLUETOOTH,
    SOL_PNPIPE,
    SOL_RDS,
    SOL_IUCV,
    SOL_CAIF,
    SOL_ALG,
    SOL_NFC,
    (281, "SOL_KCM"),
    SOL_TLS,
    SOL_XDP,
];

/// SOL_SOCKET options (strace's `sock_options`, with its `_OLD` names for the time options);
/// the ones libc lacks are from include/uapi/asm-generic/socket.h.
const SOCK_OPTIONS: &Table = crate::xlat![
    SO_DEBUG,
    SO_REUSEADDR,
    SO_TYPE,
    SO_ERROR,
    SO_DONTROUTE,
    SO_BROADCAST,
    SO_SNDBUF,
    SO_RCVBUF,
    SO_KEEPALIVE,
    SO_OOBINLINE,
    SO_NO_CHECK,
    SO_PRIORITY,
    SO_LINGER,
    SO_BSDCOMPAT,
    SO_REUSEPORT,
    SO_PASSCRED,
    SO_PEERCRED,
    SO_RCVLOWAT,
    SO_SNDLOWAT,
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    SO_SECURITY_AUTHENTICATION,
    SO_SECURITY_ENCRYPTION_TRANSPORT,
    SO_SECURITY_ENCRYPTION_NETWORK,
    SO_BINDTODEVICE,
    SO_DETACH_FILTER,
    SO_PEERNAME,
    (29, "SO_TIMESTAMP_OLD"),
    SO_ACCEPTCONN,
    SO_PEERSEC,
    SO_SNDBUFFORCE,
    SO_RCVBUFFORCE,
    SO_PASSSEC,
    (35, "SO_TIMESTAMPNS_OLD"),
    SO_MARK,
    (37, "SO_TIMESTAMPING_OLD"),
    SO_PROTOCOL,
    SO_DOMAIN,
    SO_RXQ_OVFL,
    (41, "SO_WIFI_STATUS"),
    SO_PEEK_OFF,
    (43, "SO_NOFCS"),
    (44, "SO_LOCK_FILTER"),
    (45, "SO_SELECT_ERR_QUEUE"),
    SO_BUSY_POLL,
    (47, "SO_MAX_PACING_RATE"),
    (48, "SO_BPF_EXTENSIONS"),
    (49, "SO_INCOMING_CPU"),
    (50, "SO_ATTACH_BPF"),
    SO_ATTACH_REUSEPORT_CBPF,
    SO_ATTACH_REUSEPORT_EBPF,
    (53, "SO_CNX_ADVICE"),
    (55, "SO_MEMINFO"),
    (56, "SO_INCOMING_NAPI_ID"),
    (57, "SO_COOKIE"),
    (59, "SO_PEERGROUPS"),
    (60, "SO_ZEROCOPY"),
    (61, "SO_TXTIME"),
    SO_BINDTOIFINDEX,
    SO_TIMESTAMP_NEW,
    SO_TIMESTAMPNS_NEW,
    SO_TIMESTAMPING_NEW,
    (66, "SO_RCVTIMEO_NEW"),
    (67, "SO_SNDTIMEO_NEW"),
    SO_DETACH_REUSEPORT_BPF,
    (69, "SO_PREFER_BUSY_POLL"),
    (70, "SO_BUSY_POLL_BUDGET"),
    (71, "SO_NETNS_COOKIE"),
    (72, "SO_BUF_LOCK"),
    (73, "SO_RESERVE_MEM"),
    (74, "SO_TXREHASH"),
    (75, "SO_RCVMARK"),
];

/// The SOL_SOCKET options strace prints as an int (`[1]`).
const SOCK_INT_OPTIONS: &[u64] = &[
    1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 19, 27, 29, 30, 32, 33, 34, 35, 36, 37, 40,
    41, 42, 43, 44, 45, 46, 49, 53, 56, 60, 63, 64, 65, 68, 69, 70, 73, 75,
];

/// SO_TXREHASH (include/uapi/asm-generic/socket.h).
const SO_TXREHASH: u32 = 74;

/// `SO_GET_FILTER` / `SO_ATTACH_FILTER` (26): getsockopt's and setsockopt's names.
const SO_FILTER: u64 = libc::SO_ATTACH_FILTER as u64;

const SOCK_IP_OPTIONS: &Table = crate::xlat![
    IP_TOS,
    IP_TTL,
    IP_HDRINCL,
    IP_OPTIONS,
    IP_ROUTER_ALERT,
    IP_RECVOPTS,
    IP_RETOPTS,
    IP_PKTINFO,
    IP_PKTOPTIONS,
    IP_MTU_DISCOVER,
    IP_RECVERR,
    IP_RECVTTL,
    IP_RECVTOS,
    IP_MTU,
    IP_FREEBIND,
    IP_IPSEC_POLICY,
    IP_XFRM_POLICY,
    IP_PASSSEC,
    IP_TRANSPARENT,
    IP_ORIGDSTADDR,
    IP_MINTTL,
    IP_NODEFRAG,
    IP_CHECKSUM,
    IP_BIND_ADDRESS_NO_PORT,
    IP_RECVFRAGSIZE,
    (26, "IP_RECVERR_RFC4884"),
    IP_MULTICAST_IF,
    IP_MULTICAST_TTL,
    IP_MULTICAST_LOOP,
    IP_ADD_MEMBERSHIP,
    IP_DROP_MEMBERSHIP,
    IP_UNBLOCK_SOURCE,
    IP_BLOCK_SOURCE,
    IP_ADD_SOURCE_MEMBERSHIP,
    IP_DROP_SOURCE_MEMBERSHIP,
    IP_MSFILTER,
    MCAST_JOIN_GROUP,
    MCAST_BLOCK_SOURCE,
    MCAST_UNBLOCK_SOURCE,
    MCAST_LEAVE_GROUP,
    MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP,
    MCAST_MSFILTER,
    IP_MULTICAST_ALL,
    IP_UNICAST_IF,
];

const SOCK_IPV6_OPTIONS: &Table = crate::xlat![
    IPV6_ADDRFORM,
    IPV6_2292PKTINFO,
    IPV6_2292HOPOPTS,
    IPV6_2292DSTOPTS,
    IPV6_2292RTHDR,
    IPV6_2292PKTOPTIONS,
    IPV6_CHECKSUM,
    IPV6_2292HOPLIMIT,
    IPV6_NEXTHOP,
    IPV6_AUTHHDR,
    IPV6_FLOWINFO,
    IPV6_UNICAST_HOPS,
    IPV6_MULTICAST_IF,
    IPV6_MULTICAST_HOPS,
    IPV6_MULTICAST_LOOP,
    IPV6_ADD_MEMBERSHIP,
    IPV6_DROP_MEMBERSHIP,
    IPV6_ROUTER_ALERT,
    IPV6_MTU_DISCOVER,
    IPV6_MTU,
    IPV6_RECVERR,
    IPV6_V6ONLY,
    IPV6_JOIN_ANYCAST,
    IPV6_LEAVE_ANYCAST,
    IPV6_MULTICAST_ALL,
    IPV6_ROUTER_ALERT_ISOLATE,
    (31, "IPV6_RECVERR_RFC4884"),
    IPV6_FLOWLABEL_MGR,
    IPV6_FLOWINFO_SEND,
    IPV6_IPSEC_POLICY,
    IPV6_XFRM_POLICY,
    IPV6_HDRINCL,
    MCAST_JOIN_GROUP,
    MCAST_BLOCK_SOURCE,
    MCAST_UNBLOCK_SOURCE,
    MCAST_LEAVE_GROUP,
    MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP,
    MCAST_MSFILTER,
    IPV6_RECVPKTINFO,
    IPV6_PKTINFO,
    IPV6_RECVHOPLIMIT,
    IPV6_HOPLIMIT,
    IPV6_RECVHOPOPTS,
    IPV6_HOPOPTS,
    IPV6_RTHDRDSTOPTS,
    IPV6_RECVRTHDR,
    IPV6_RTHDR,
    IPV6_RECVDSTOPTS,
    IPV6_DSTOPTS,
    IPV6_RECVPATHMTU,
    IPV6_PATHMTU,
    IPV6_DONTFRAG,
    (63, "IPV6_USE_MIN_MTU"),
    IPV6_RECVTCLASS,
    IPV6_TCLASS,
    IPV6_AUTOFLOWLABEL,
    IPV6_ADDR_PREFERENCES,
    IPV6_MINHOPCOUNT,
    IPV6_ORIGDSTADDR,
    IPV6_TRANSPARENT,
    IPV6_UNICAST_IF,
    IPV6_RECVFRAGSIZE,
    IPV6_FREEBIND,
];

const SOCK_TCP_OPTIONS: &Table = crate::xlat![
    TCP_NODELAY,
    TCP_MAXSEG,
    TCP_CORK,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_SYNCNT,
    TCP_LINGER2,
    TCP_DEFER_ACCEPT,
    TCP_WINDOW_CLAMP,
    TCP_INFO,
    TCP_QUICKACK,
    TCP_CONGESTION,
    TCP_MD5SIG,
    TCP_COOKIE_TRANSACTIONS,
    TCP_THIN_LINEAR_TIMEOUTS,
    TCP_THIN_DUPACK,
    TCP_USER_TIMEOUT,
    TCP_REPAIR,
    TCP_REPAIR_QUEUE,
    TCP_QUEUE_SEQ,
    TCP_REPAIR_OPTIONS,
    TCP_FASTOPEN,
    TCP_TIMESTAMP,
    TCP_NOTSENT_LOWAT,
    TCP_CC_INFO,
    TCP_SAVE_SYN,
    TCP_SAVED_SYN,
    TCP_REPAIR_WINDOW,
    TCP_FASTOPEN_CONNECT,
    TCP_ULP,
    TCP_MD5SIG_EXT,
    TCP_FASTOPEN_KEY,
    TCP_FASTOPEN_NO_COOKIE,
    TCP_ZEROCOPY_RECEIVE,
    TCP_INQ,
];

/// TCP_TX_DELAY, which libc lacks (include/uapi/linux/tcp.h).
const TCP_TX_DELAY: (u64, &str) = (37, "TCP_TX_DELAY");

const SOCK_UDP_OPTIONS: &Table = crate::xlat![
    (1, "UDP_CORK"),
    (100, "UDP_ENCAP"),
    (101, "UDP_NO_CHECK6_TX"),
    (102, "UDP_NO_CHECK6_RX"),
    (103, "UDP_SEGMENT"),
    (104, "UDP_GRO"),
];

const SOCK_NETLINK_OPTIONS: &Table = crate::xlat![
    (1, "NETLINK_ADD_MEMBERSHIP"),
    (2, "NETLINK_DROP_MEMBERSHIP"),
    (3, "NETLINK_PKTINFO"),
    (4, "NETLINK_BROADCAST_ERROR"),
    (5, "NETLINK_NO_ENOBUFS"),
    (6, "NETLINK_RX_RING"),
    (7, "NETLINK_TX_RING"),
    (8, "NETLINK_LISTEN_ALL_NSID"),
    (9, "NETLINK_LIST_MEMBERSHIPS"),
    (10, "NETLINK_CAP_ACK"),
    (11, "NETLINK_EXT_ACK"),
    (12, "NETLINK_GET_STRICT_CHK"),
];

/// NETLINK_LIST_MEMBERSHIPS (include/uapi/linux/netlink.h).
const NETLINK_LIST_MEMBERSHIPS: u32 = 9;

/// SCM_* control message types of SOL_SOCKET (strace's `scmvals`).
const SCMVALS: &Table = crate::xlat![
    SCM_RIGHTS,
    SCM_CREDENTIALS,
    (3, "SCM_SECURITY"),
    (29, "SO_TIMESTAMP_OLD"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (37, "SO_TIMESTAMPING_OLD"),
    (41, "SCM_WIFI_STATUS"),
    (54, "SCM_TIMESTAMPING_OPT_STATS"),
    (58, "SCM_TIMESTAMPING_PKTINFO"),
    (61, "SCM_TXTIME"),
    (63, "SO_TIMESTAMP_NEW"),
    (64, "SO_TIMESTAMPNS_NEW"),
    (65, "SO_TIMESTAMPING_NEW"),
];

// --- Small printers. ---

/// strace's `printflags`: the names, or the number with a `/* PREFIX??? */` comment when no
/// name matches.
fn flags(v: u64, table: &Table, unknown: &str) -> Value {
    let names = xlat::flag_names(v, table);
    match names.first() {
        Some(first) if first.starts_with("0x") => {
            Value::Comment(Box::new(Value::Hex(v)), unknown.to_string())
        }
        _ => Value::Flags(names),
    }
}

fn msg_flags(v: u64) -> Value {
    flags(v as u32 as u64, MSG_FLAGS, "MSG_???")
}

/// socket's `type`: `SOCK_STREAM|SOCK_CLOEXEC`.
fn sock_type(v: u32) -> Value {
    let v = v as u64;
    match xlat::name(v & SOCK_TYPE_MASK, SOCKTYPES) {
        Some(t) => {
            let rest = v & !SOCK_TYPE_MASK;
            if rest == 0 {
                return Value::sym(t);
            }
            match flags(rest, SOCK_TYPE_FLAGS, "SOCK_???") {
                Value::Flags(mut names) => {
                    names.insert(0, t.to_string());
                    Value::Flags(names)
                }
                other => Value::Or(vec![Value::sym(t), other]),
            }
        }
        None => flags(v, SOCK_TYPE_FLAGS, "SOCK_???"),
    }
}

/// An enumerated value from one of several tables (strace's `printxvals`).
fn enum_of(v: u64, tables: &[&Table], unknown: &str) -> Value {
    for t in tables {
        if let Some(n) = xlat::name(v, t) {
            return Value::sym(n);
        }
    }
    Value::Comment(Box::new(Value::Hex(v)), unknown.to_string())
}

/// strace's `printnum_int`: `[5]`, `NULL`, or the address.
fn num_int(c: &mut Ctx<'_>, addr: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    match c.read_i32(addr) {
        Some(v) => Value::boxed(Value::Int(v as i64)),
        None => Value::Ptr(addr),
    }
}

/// strace's `printstrn`: `len` bytes at `addr`, cut at -s (NULL prints as NULL).
fn strn(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    c.buf(addr, len)
}

/// strace's `printstr_ex(..., QUOTE_FORCE_HEX)`: every byte as `\xHH`, whatever -x says.
fn force_hex(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let limit = c.opts.string_limit as u64;
    let want = len.min(limit) as usize;
    match c.read(addr, want) {
        Some(bytes) => {
            let mut s = String::new();
            super::value::quote(&mut s, &bytes, super::HexStr::All);
            if len > limit {
                s.push_str("...");
            }
            Value::Raw(s)
        }
        None if want == 0 => Value::str(Vec::new()),
        None => Value::Ptr(addr),
    }
}

/// A value-result length: `[16]`, or `[128 => 16]` when the kernel changed it.
fn inout_len(ulen: i32, rlen: i32) -> Value {
    if ulen != rlen {
        Value::boxed(Value::InOut(
            Box::new(Value::Int(ulen as i64)),
            Box::new(Value::Int(rlen as i64)),
        ))
    } else {
        Value::boxed(Value::Int(rlen as i64))
    }
}

/// strace's `print_array` over `n` elements of `size` bytes at `addr`: cut at -s elements
/// (unless -v), `... /* 0xADDR */` at an unreadable element after the first, the address when
/// the first cannot be read. `each` prints an element from its bytes.
fn array(
    c: &mut Ctx<'_>,
    addr: u64,
    n: u64,
    size: usize,
    mut each: impl FnMut(&mut Ctx<'_>, &[u8]) -> Value,
) -> Value {
    array_upto(c, addr, n, size, u64::MAX, |c, _, b| each(c, b))
}

/// [`array`], cut (`...`) after `max` elements as well, with each element's index.
pub(super) fn array_upto(
    c: &mut Ctx<'_>,
    addr: u64,
    n: u64,
    size: usize,
    max: u64,
    mut each: impl FnMut(&mut Ctx<'_>, u64, &[u8]) -> Value,
) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    if n == 0 {
        return Value::array(vec![]);
    }
    let Some(total) = n.checked_mul(size as u64) else {
        return Value::Ptr(addr);
    };
    if addr.checked_add(total).is_none() {
        return Value::Ptr(addr);
    }
    let limit = c.opts.string_limit as u64;
    let shown = if !c.opts.verbose && limit < n {
        limit
    } else {
        n
    };
    let mut items = Vec::new();
    for i in 0..n {
        let at = addr + i * size as u64;
        let Some(bytes) = c.read(at, size) else {
            if i == 0 {
                return Value::Ptr(addr);
            }
            items.push(Value::Comment(
                Box::new(Value::sym("...")),
                format!("{at:#x}"),
            ));
            break;
        };
        if i >= shown || i >= max {
            return Value::Array { items, more: true };
        }
        items.push(each(c, i, &bytes));
    }
    Value::array(items)
}

// --- Decoders. ---

/// `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3`.
fn socket(c: &mut Ctx<'_>) -> Step {
    let fam = c.uint(0) as u64;
    c.arg(sockaddr::family(fam));
    c.arg(sock_type(c.uint(1)));
    let proto = c.uint(2) as u64;
    let p = match fam as i32 {
        libc::AF_INET | libc::AF_INET6 => {
            if proto == IPPROTO_L2TP.0 {
                Value::sym(IPPROTO_L2TP.1)
            } else {
                xlat::enumerated(proto, INET_PROTOCOLS, "IPPROTO_???")
            }
        }
        libc::AF_NETLINK => {
            if proto == NETLINK_SMC.0 {
                Value::sym(NETLINK_SMC.1)
            } else {
                xlat::enumerated(proto, NETLINK_PROTOCOLS, "NETLINK_???")
            }
        }
        libc::AF_PACKET => {
            let p = (proto as u16).swap_bytes() as u64;
            Value::Call(
                "htons",
                vec![xlat::enumerated(p, ETHERNET_PROTOCOLS, "ETH_P_???")],
            )
        }
        _ => Value::Uint(proto),
    };
    c.arg(p);
    c.rval(Rval::Fd);
    Step::Done
}

/// `socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0`.
fn socketpair(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        c.arg(sockaddr::family(c.uint(0) as u64));
        c.arg(sock_type(c.uint(1)));
        c.arg(Value::Uint(c.uint(2) as u64));
        return Step::Exit;
    }
    let addr = c.args[3];
    let v = if c.failed() {
        Value::Ptr(addr)
    } else {
        array(c, addr, 2, 4, |c, b| {
            let fd = i32::from_ne_bytes(b[..4].try_into().unwrap_or_default());
            c.fd(fd as i64)
        })
    };
    c.arg(v);
    Step::Done
}

/// `bind(3, {sa_family=AF_INET, ...}, 16) = 0`; connect prints the same.
fn bind(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let len = c.int(2);
    let (sa, _) = sockaddr::decode(c, c.args[1], len);
    c.arg(sa);
    c.arg(Value::Int(len as i64));
    Step::Done
}

/// `listen(3, 5) = 0`.
fn listen(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(c.int_arg(1));
    Step::Done
}

/// `shutdown(3, SHUT_RDWR) = 0`.
fn shutdown(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    c.arg(xlat::enumerated(
        c.uint(1) as u64,
        SHUTDOWN_MODES,
        "SHUT_???",
    ));
    Step::Done
}

/// strace's `decode_sockname` (getsockname, getpeername, accept, accept4): the address and its
/// value-result length `[128 => 16]`. Returns whether the call must run again at exit.
fn decode_sockname(c: &mut Ctx<'_>) -> Step {
    let (addr, lenp) = (c.args[1], c.args[2]);
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        if addr != 0 && lenp != 0 {
            if let Some(ulen) = c.read_i32(lenp) {
                c.state.saved[0] = ulen as u32 as u64;
                return Step::Exit;
            }
        }
        c.arg(Value::Ptr(addr));
        c.arg(Value::Ptr(lenp));
        return Step::Done;
    }
    let ulen = c.state.saved[0] as u32 as i32;
    match c.read_i32(lenp).filter(|_| !c.failed()) {
        None => {
            c.arg(Value::Ptr(addr));
            c.arg(Value::boxed(Value::Int(ulen as i64)));
        }
        Some(rlen) => {
            let (sa, _) = sockaddr::decode(c, addr, ulen.min(rlen));
            c.arg(sa);
            c.arg(inout_len(ulen, rlen));
        }
    }
    Step::Done
}

/// `getsockname(3, {sa_family=AF_INET, ...}, [16]) = 0`; getpeername prints the same.
fn sockname(c: &mut Ctx<'_>) -> Step {
    decode_sockname(c)
}

/// `accept(3, {sa_family=AF_INET, ...}, [16]) = 5`.
fn accept(c: &mut Ctx<'_>) -> Step {
    c.rval(Rval::Fd);
    decode_sockname(c)
}

/// `accept4(3, {sa_family=AF_INET, ...}, [16], SOCK_CLOEXEC) = 5`.
fn accept4(c: &mut Ctx<'_>) -> Step {
    c.rval(Rval::Fd);
    let step = decode_sockname(c);
    if step == Step::Done {
        c.arg(flags(c.uint(3) as u64, SOCK_TYPE_FLAGS, "SOCK_???"));
    }
    step
}

/// `sendto(4, "hello", 5, MSG_NOSIGNAL, NULL, 0) = 5`.
fn sendto(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let b = sockbuf(c, c.args[1], c.args[2]);
    c.arg(b);
    c.arg(c.ulong_arg(2));
    c.arg(msg_flags(c.args[3]));
    let len = c.int(5);
    let (sa, _) = sockaddr::decode(c, c.args[4], len);
    c.arg(sa);
    c.arg(Value::Int(len as i64));
    Step::Done
}

/// `recvfrom(5, "hello", 100, 0, {sa_family=AF_INET, ...}, [16]) = 5`.
fn recvfrom(c: &mut Ctx<'_>) -> Step {
    let (addr, lenp) = (c.args[4], c.args[5]);
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        if addr != 0 && lenp != 0 {
            if let Some(ulen) = c.read_i32(lenp) {
                c.state.saved[0] = ulen as u32 as u64;
            }
        }
        return Step::Exit;
    }
    let b = match c.rval_ok() {
        None => Value::Ptr(c.args[1]),
        Some(n) => sockbuf(c, c.args[1], (n as u64).min(c.args[2])),
    };
    c.arg(b);
    c.arg(c.ulong_arg(2));
    c.arg(msg_flags(c.args[3]));
    let ulen = c.state.saved[0] as u32 as i32;
    let rlen = if addr != 0 && lenp != 0 {
        c.read_i32(lenp)
    } else {
        None
    };
    match rlen {
        None => {
            c.arg(Value::Ptr(addr));
            c.arg(Value::Ptr(lenp));
        }
        Some(_) if c.failed() => {
            c.arg(Value::Ptr(addr));
            c.arg(Value::boxed(Value::Int(ulen as i64)));
        }
        Some(rlen) => {
            let (sa, _) = sockaddr::decode(c, addr, ulen.min(rlen));
            c.arg(sa);
            c.arg(inout_len(ulen, rlen));
        }
    }
    Step::Done
}

/// strace's decode_sockbuf: the netlink messages in `len` bytes at `addr` when argument 0 is
/// a netlink socket of a family ksec decodes, else the bytes.
fn sockbuf(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    match nl_family(c) {
        Some(family) => super::netlink::decode(c, family, addr, len),
        None => strn(c, addr, len),
    }
}

/// The netlink family of argument 0 when ksec decodes its messages.
fn nl_family(c: &mut Ctx<'_>) -> Option<i64> {
    let fd = c.int(0) as i64;
    c.netlink_family(fd).filter(|&f| super::netlink::decodes(f))
}

/// `struct msghdr` on x86_64 (the layout of include/linux/socket.h's user_msghdr).
struct MsgHdr {
    name: u64,
    namelen: u32,
    iov: u64,
    iovlen: u64,
    control: u64,
    controllen: u64,
    flags: u32,
}

/// `sizeof(struct msghdr)`.
const MSGHDR_SIZE: usize = 56;

fn read_msghdr(c: &mut Ctx<'_>, addr: u64) -> Option<MsgHdr> {
    let b = c.read(addr, MSGHDR_SIZE)?;
    Some(msghdr_of(&b))
}

/// A `struct msghdr` from its [`MSGHDR_SIZE`] bytes.
fn msghdr_of(b: &[u8]) -> MsgHdr {
    let u64_at = |i: usize| u64::from_ne_bytes(b[i..i + 8].try_into().unwrap_or_default());
    let u32_at = |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().unwrap_or_default());
    MsgHdr {
        name: u64_at(0),
        namelen: u32_at(8),
        iov: u64_at(16),
        iovlen: u64_at(24),
        control: u64_at(32),
        controllen: u64_at(40),
        flags: u32_at(48),
    }
}

/// strace's `tprint_iov_upto`: `[{iov_base="abc", iov_len=3}, ...]`, the strings together cut
/// at `data_size` bytes (u64::MAX: no limit).
pub fn iov(c: &mut Ctx<'_>, addr: u64, n: u64, data_size: u64) -> Value {
    iov_of(c, addr, n, data_size, None)
}

/// [`iov`], each base decoded as netlink messages of `netlink` when it is Some.
fn iov_of(c: &mut Ctx<'_>, addr: u64, n: u64, data_size: u64, netlink: Option<i64>) -> Value {
    let mut left = data_size;
    array(c, addr, n, 16, |c, b| {
        let base = u64::from_ne_bytes(b[0..8].try_into().unwrap_or_default());
        let len = u64::from_ne_bytes(b[8..16].try_into().unwrap_or_default());
        let shown = len.min(left);
        if left != u64::MAX {
            left -= shown;
        }
        let s = match netlink {
            Some(family) if base != 0 => super::netlink::decode(c, family, base, shown),
            _ => strn(c, base, shown),
        };
        Value::fields(vec![("iov_base", s), ("iov_len", Value::Uint(len))])
    })
}

/// strace's `print_struct_msghdr`; `user_namelen`: recvmsg's msg_namelen at entry.
fn msghdr(c: &mut Ctx<'_>, m: &MsgHdr, user_namelen: Option<i32>, data_size: u64) -> Value {
    let namelen = m.namelen as i32;
    let eff = match user_namelen {
        Some(u) if namelen > u => u,
        _ => namelen,
    };
    let (name, family) = sockaddr::decode(c, m.name, eff);
    let mut fields = vec![("msg_name", name)];
    let nl = match user_namelen {
        Some(u) if u != namelen => Value::InOut(
            Box::new(Value::Int(u as i64)),
            Box::new(Value::Int(namelen as i64)),
        ),
        _ => Value::Int(namelen as i64),
    };
    fields.push(("msg_namelen", nl));
    // strace decodes the data as netlink messages when the name is a netlink address (of the
    // fd's family, -1 when the fd is no netlink socket).
    let netlink = if family == Some(libc::AF_NETLINK as u16) {
        let fd = c.int(0) as i64;
        Some(c.netlink_family(fd).unwrap_or(-1)).filter(|&f| super::netlink::decodes(f))
    } else {
        None
    };
    fields.push(("msg_iov", iov_of(c, m.iov, m.iovlen, data_size, netlink)));
    fields.push(("msg_iovlen", Value::Uint(m.iovlen)));
    if m.controllen != 0 {
        fields.push(("msg_control", msg_control(c, m.control, m.controllen)));
    }
    fields.push(("msg_controllen", Value::Uint(m.controllen)));
    fields.push(("msg_flags", msg_flags(m.flags as u64)));
    Value::fields(fields)
}

/// `sizeof(struct cmsghdr)` on x86_64.
const CMSG_SIZE: usize = 16;

/// The most control bytes strace reads (its `get_optmem_max`: net.core.optmem_max rounded up
/// to 8 bytes).
fn optmem_max() -> u64 {
    let fallback = 8 * (2 * 1024 + 512);
    match std::fs::read_to_string("/proc/sys/net/core/optmem_max")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        Some(v) if v > 0 => (v as u64 + 7) & !7,
        _ => fallback,
    }
}

/// strace's `decode_msg_control`: `[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
/// cmsg_data=[3]}]`.
fn msg_control(c: &mut Ctx<'_>, addr: u64, in_len: u64) -> Value {
    let max = optmem_max();
    let control_len = in_len.min(max) as usize;
    if control_len < CMSG_SIZE {
        return Value::Ptr(addr);
    }
    let Some(buf) = c.read(addr, control_len) else {
        return Value::Ptr(addr);
    };
    let mut items = Vec::new();
    let mut off = 0usize;
    let mut left = control_len;
    while left >= CMSG_SIZE {
        let h = &buf[off..];
        let clen = u64::from_ne_bytes(h[0..8].try_into().unwrap_or_default());
        let level = i32::from_ne_bytes(h[8..12].try_into().unwrap_or_default());
        let ctype = i32::from_ne_bytes(h[12..16].try_into().unwrap_or_default());
        let len = clen.min(left as u64) as usize;
        let data_len = len.saturating_sub(CMSG_SIZE);
        let data = &h[CMSG_SIZE..CMSG_SIZE + data_len];
        let mut f = vec![
            ("cmsg_len", Value::Uint(clen)),
            (
                "cmsg_level",
                xlat::enumerated(level as u32 as u64, SOCKETLAYERS, "SOL_???"),
            ),
        ];
        if level == libc::SOL_SOCKET {
            f.push((
                "cmsg_type",
                xlat::enumerated(ctype as u32 as u64, SCMVALS, "SCM_???"),
            ));
            if ctype == libc::SCM_RIGHTS && data_len >= 4 {
                let fds = data
                    .chunks_exact(4)
                    .map(|b| i32::from_ne_bytes(b.try_into().unwrap_or_default()))
                    .collect::<Vec<_>>();
                let limit = c.opts.string_limit;
                let more = !c.opts.verbose && fds.len() > limit;
                let items = fds
                    .iter()
                    .take(if more { limit } else { fds.len() })
                    .map(|&fd| c.fd(fd as i64))
                    .collect();
                f.push(("cmsg_data", Value::Array { items, more }));
            } else if ctype == libc::SCM_CREDENTIALS && data_len >= 12 {
                let at =
                    |i: usize| u32::from_ne_bytes(data[i..i + 4].try_into().unwrap_or_default());
                f.push((
                    "cmsg_data",
                    Value::fields(vec![
                        ("pid", Value::Int(at(0) as i32 as i64)),
                        ("uid", Value::Uint(at(4) as u64)),
                        ("gid", Value::Uint(at(8) as u64)),
                    ]),
                ));
            }
        } else {
            f.push(("cmsg_type", Value::Hex(ctype as u32 as u64)));
        }
        items.push(Value::fields(f));
        if len < CMSG_SIZE {
            left -= CMSG_SIZE;
            break;
        }
        let step = ((clen + 7) & !7) as usize;
        if step >= left {
            left = 0;
            break;
        }
        off += step;
        left -= step;
    }
    if left != 0 {
        items.push(Value::Comment(
            Box::new(Value::sym("...")),
            format!("{:#x}", addr + (control_len - left) as u64),
        ));
    } else if (control_len as u64) < in_len {
        items.push(Value::sym("..."));
    }
    Value::array(items)
}

/// `sendmsg(5, {msg_name=NULL, msg_namelen=0, msg_iov=[...], ...}, 0) = 7`.
fn sendmsg(c: &mut Ctx<'_>) -> Step {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let addr = c.args[1];
    let v = match read_msghdr(c, addr) {
        Some(m) => msghdr(c, &m, None, u64::MAX),
        None => Value::Ptr(addr),
    };
    c.arg(v);
    c.arg(msg_flags(c.args[2]));
    Step::Done
}

/// `recvmsg(4, {msg_name=..., msg_namelen=16 => 0, ...}, 0) = 7`.
fn recvmsg(c: &mut Ctx<'_>) -> Step {
    let addr = c.args[1];
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        if let Some(m) = read_msghdr(c, addr) {
            c.state.saved[0] = m.namelen as u64;
            return Step::Exit;
        }
        c.arg(Value::Ptr(addr));
        c.arg(msg_flags(c.args[2]));
        return Step::Done;
    }
    let user = c.state.saved[0] as u32 as i32;
    let v = match c.rval_ok() {
        None => Value::fields(vec![("msg_namelen", Value::Int(user as i64))]),
        Some(n) => match read_msghdr(c, addr) {
            Some(m) => msghdr(c, &m, Some(user), n as u64),
            None => Value::Ptr(addr),
        },
    };
    c.arg(v);
    c.arg(msg_flags(c.args[2]));
    Step::Done
}

// --- sendmmsg, recvmmsg (strace's mmsghdr.c). ---

/// `sizeof(struct mmsghdr)` on x86_64: a msghdr, `unsigned int msg_len`, and padding.
const MMSGHDR_SIZE: usize = 64;

/// `IOV_MAX`: the most messages strace decodes in one vector.
const IOV_MAX: u64 = 1024;

/// How [`mmsgvec`] prints a vector (strace's `print_struct_mmsghdr_config`).
struct MmsgConfig<'a> {
    /// recvmmsg: each message's msg_namelen at entry (`msg_namelen=110 => 16`); its length
    /// also bounds how many messages print.
    user_namelens: Option<&'a [u64]>,
    /// How many messages print their `msg_len` (those the call sent or received).
    msg_len_count: u64,
    /// Cut each message's iov strings at its `msg_len` (recvmmsg).
    use_msg_len: bool,
}

/// strace's `decode_mmsgvec`: `[{msg_hdr={...}, msg_len=13}, ...]` over `vlen` messages at
/// `addr`, as its `print_array` prints them: cut at -s messages unless -v, `... /* 0xADDR */`
/// at an unreadable message after the first, the address when the first cannot be read.
fn mmsgvec(c: &mut Ctx<'_>, addr: u64, vlen: u32, cfg: &MmsgConfig<'_>) -> Value {
    let count = cfg
        .user_namelens
        .map_or(IOV_MAX, |l| (l.len() as u64).min(IOV_MAX));
    array_upto(c, addr, vlen as u64, MMSGHDR_SIZE, count, |c, i, b| {
        let m = msghdr_of(&b[..MSGHDR_SIZE]);
        let msg_len = u32::from_ne_bytes(b[56..60].try_into().unwrap_or_default());
        let user = cfg
            .user_namelens
            .and_then(|l| l.get(i as usize))
            .map(|&v| v as u32 as i32);
        let data_size = if cfg.use_msg_len {
            msg_len as u64
        } else {
            u64::MAX
        };
        let mut f = vec![("msg_hdr", msghdr(c, &m, user, data_size))];
        if i < cfg.msg_len_count {
            f.push(("msg_len", Value::Uint(msg_len as u64)));
        }
        Value::fields(f)
    })
}

/// `sendmmsg(3, [{msg_hdr={...}, msg_len=13}, ...], 2, MSG_DONTWAIT) = 2`: the vector prints
/// at exit, `msg_len` for the messages sent, and (as strace does) even when the call failed.
fn sendmmsg(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    let sent = c.rval_ok().map_or(0, |n| n as u32 as u64);
    let cfg = MmsgConfig {
        user_namelens: None,
        msg_len_count: sent,
        use_msg_len: false,
    };
    let v = mmsgvec(c, c.args[1], c.uint(2), &cfg);
    c.arg(v);
    c.arg(c.uint_arg(2));
    c.arg(msg_flags(c.args[3]));
    Step::Done
}

/// What recvmmsg keeps of its timeout at entry, in [`super::CallState::saved`]: NULL, an
/// address that cannot be read, or the time.
const TIMEOUT_NULL: u64 = 0;
const TIMEOUT_ADDR: u64 = 1;
const TIMEOUT_READ: u64 = 2;

/// `recvmmsg(4, [{msg_hdr={...}, msg_len=8}], 3, MSG_DONTWAIT, {tv_sec=1, tv_nsec=0}) = 1
/// (left {tv_sec=0, tv_nsec=999994354})`: the messages received print at exit, with the
/// msg_namelen of each at entry and the timeout as it was at entry; `= 0 (Timeout)`.
fn recvmmsg(c: &mut Ctx<'_>) -> Step {
    let (addr, ts) = (c.args[1], c.args[4]);
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        // strace's save_mmsgvec_namelen: up to the first message that cannot be read.
        let n = (c.uint(2) as u64).min(IOV_MAX);
        let mut namelens = Vec::new();
        for i in 0..n {
            let at = addr.wrapping_add(i * MMSGHDR_SIZE as u64);
            let Some(b) = c.read(at, MMSGHDR_SIZE) else {
                break;
            };
            namelens.push(msghdr_of(&b[..MSGHDR_SIZE]).namelen as u64);
        }
        c.state.saved_list = namelens;
        c.state.saved = match (ts, c.read(ts, 16)) {
            (0, _) => [TIMEOUT_NULL, 0, 0, 0],
            (_, None) => [TIMEOUT_ADDR, 0, 0, 0],
            (_, Some(b)) => [TIMEOUT_READ, u64_at(&b, 0), u64_at(&b, 8), 0],
        };
        return Step::Exit;
    }
    let v = match c.rval_ok() {
        // strace reads no message of a failed call (and its vlen is then -1).
        None => Value::Ptr(addr),
        Some(n) => {
            let namelens = std::mem::take(&mut c.state.saved_list);
            let cfg = MmsgConfig {
                user_namelens: Some(&namelens),
                msg_len_count: n as u32 as u64,
                use_msg_len: true,
            };
            mmsgvec(c, addr, n as u32, &cfg)
        }
    };
    c.arg(v);
    c.arg(c.uint_arg(2));
    c.arg(msg_flags(c.args[3]));
    let [kind, sec, nsec, _] = c.state.saved;
    c.arg(match kind {
        TIMEOUT_READ => timespec_value(sec, nsec),
        _ => Value::Ptr(ts),
    });
    match c.rval_ok() {
        Some(0) => c.note(Value::sym("Timeout")),
        Some(_) if ts != 0 => {
            let left = match c.read(ts, 16) {
                Some(b) => timespec_value(u64_at(&b, 0), u64_at(&b, 8)),
                None => Value::Ptr(ts),
            };
            c.note(Value::Raw(format!("left {}", left.text(c.opts.hex))));
        }
        _ => {}
    }
    Step::Done
}

/// `{tv_sec=1, tv_nsec=500}` (strace's `timespec_fmt`: seconds signed, nanoseconds unsigned).
fn timespec_value(sec: u64, nsec: u64) -> Value {
    Value::fields(vec![
        ("tv_sec", Value::Int(sec as i64)),
        ("tv_nsec", Value::Uint(nsec)),
    ])
}

/// A `u64` at byte `off` of `b` (0 past its end).
fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_ne_bytes)
}

/// The option name of `level`'s option `name` (strace's `print_sockopt_fd_level_name`).
fn sockopt_name(level: u32, name: u32, get: bool) -> Value {
    let n = name as u64;
    match level as i32 {
        libc::SOL_SOCKET => {
            let extra: &Table = if get {
                &[(SO_FILTER, "SO_GET_FILTER")]
            } else {
                &[(SO_FILTER, "SO_ATTACH_FILTER")]
            };
            enum_of(n, &[SOCK_OPTIONS, extra], "SO_???")
        }
        libc::SOL_IP => enum_of(n, &[SOCK_IP_OPTIONS], "IP_???"),
        libc::SOL_IPV6 => enum_of(n, &[SOCK_IPV6_OPTIONS], "IPV6_???"),
        libc::SOL_TCP => enum_of(n, &[SOCK_TCP_OPTIONS, &[TCP_TX_DELAY]], "TCP_???"),
        libc::SOL_UDP => enum_of(n, &[SOCK_UDP_OPTIONS], "UDP_???"),
        libc::SOL_NETLINK => enum_of(n, &[SOCK_NETLINK_OPTIONS], "NETLINK_???"),
        _ => Value::Uint(n),
    }
}

/// The fd, level and option name of setsockopt and getsockopt.
fn sockopt_head(c: &mut Ctx<'_>, get: bool) {
    let fd = c.fd_arg(0);
    c.arg(fd);
    let level = c.uint(1);
    c.arg(xlat::enumerated(level as u64, SOCKETLAYERS, "SOL_??"));
    c.arg(sockopt_name(level, c.uint(2), get));
}

/// `setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0`.
fn setsockopt(c: &mut Ctx<'_>) -> Step {
    sockopt_head(c, false);
    let (level, name, addr, len) = (c.uint(1), c.uint(2), c.args[3], c.int(4));
    let v = set_optval(c, level, name, addr, len);
    c.arg(v);
    c.arg(Value::Int(len as i64));
    Step::Done
}

fn set_optval(c: &mut Ctx<'_>, level: u32, name: u32, addr: u64, len: i32) -> Value {
    if addr != 0 {
        match level as i32 {
            libc::SOL_SOCKET => match name as i32 {
                libc::SO_LINGER => {
                    if len < 8 {
                        return Value::Ptr(addr);
                    }
                    return match c.read(addr, 8) {
                        Some(b) => linger(&b),
                        None => Value::Ptr(addr),
                    };
                }
                n if SOCK_INT_OPTIONS.contains(&(n as u64)) => {
                    return if len < 4 {
                        Value::Ptr(addr)
                    } else {
                        num_int(c, addr)
                    };
                }
                _ => {}
            },
            libc::SOL_NETLINK => {
                return if len < 4 {
                    Value::Ptr(addr)
                } else {
                    num_int(c, addr)
                };
            }
            _ => {}
        }
    }
    if len == 4 {
        num_int(c, addr)
    } else {
        strn(c, addr, len as i64 as u64)
    }
}

/// `{l_onoff=1, l_linger=5}` from up to 8 bytes.
fn linger(b: &[u8]) -> Value {
    let mut f = Vec::new();
    if b.len() >= 4 {
        let v = i32::from_ne_bytes(b[0..4].try_into().unwrap_or_default());
        f.push(("l_onoff", Value::Int(v as i64)));
    }
    if b.len() >= 8 {
        let v = i32::from_ne_bytes(b[4..8].try_into().unwrap_or_default());
        f.push(("l_linger", Value::Int(v as i64)));
    }
    Value::fields(f)
}

/// `getsockopt(4, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0`.
fn getsockopt(c: &mut Ctx<'_>) -> Step {
    let (addr, lenp) = (c.args[3], c.args[4]);
    if !c.exiting() {
        sockopt_head(c, true);
        if lenp != 0 {
            if let Some(ulen) = c.read_i32(lenp) {
                c.state.saved[0] = ulen as u32 as u64;
                return Step::Exit;
            }
        }
        c.arg(Value::Ptr(addr));
        c.arg(Value::Ptr(lenp));
        return Step::Done;
    }
    let ulen = c.state.saved[0] as u32 as i32;
    match c.read_i32(lenp).filter(|_| !c.failed()) {
        None => {
            c.arg(Value::Ptr(addr));
            c.arg(Value::boxed(Value::Int(ulen as i64)));
        }
        Some(rlen) => {
            let v = get_optval(c, c.uint(1), c.uint(2), addr, ulen, rlen);
            c.arg(v);
            c.arg(inout_len(ulen, rlen));
        }
    }
    Step::Done
}

fn get_optval(c: &mut Ctx<'_>, level: u32, name: u32, addr: u64, ulen: i32, rlen: i32) -> Value {
    if ulen <= 0 || rlen <= 0 {
        return Value::Ptr(addr);
    }
    if addr != 0 {
        match level as i32 {
            libc::SOL_SOCKET => match name as i32 {
                libc::SO_LINGER => {
                    let len = (rlen as usize).min(8);
                    return match c.read(addr, len) {
                        Some(b) => linger(&b),
                        None => Value::Ptr(addr),
                    };
                }
                libc::SO_PEERCRED => {
                    let len = (rlen as usize).min(12);
                    let Some(b) = c.read(addr, len) else {
                        return Value::Ptr(addr);
                    };
                    let at =
                        |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().unwrap_or_default());
                    let mut f = Vec::new();
                    if len >= 4 {
                        f.push(("pid", Value::Int(at(0) as i32 as i64)));
                    }
                    if len >= 8 {
                        f.push(("uid", Value::Uint(at(4) as u64)));
                    }
                    if len >= 12 {
                        f.push(("gid", Value::Uint(at(8) as u64)));
                    }
                    return Value::fields(f);
                }
                libc::SO_ERROR => {
                    if rlen < 4 {
                        return force_hex(c, addr, rlen as u64);
                    }
                    return match c.read_u32(addr) {
                        Some(0) => Value::boxed(Value::Uint(0)),
                        Some(e) => match nix::errno::Errno::from_raw(e as i32) {
                            nix::errno::Errno::UnknownErrno => Value::boxed(Value::Uint(e as u64)),
                            n => Value::boxed(Value::sym(format!("{n:?}"))),
                        },
                        None => Value::Ptr(addr),
                    };
                }
                n if n as u32 == SO_TXREHASH => {}
                n if SOCK_INT_OPTIONS.contains(&(n as u64)) => {
                    return if rlen >= 4 {
                        num_int(c, addr)
                    } else {
                        force_hex(c, addr, rlen as u64)
                    };
                }
                _ => {}
            },
            libc::SOL_NETLINK => {
                if name == NETLINK_LIST_MEMBERSHIPS {
                    let n = (ulen.min(rlen) / 4) as u64;
                    return array(c, addr, n, 4, |_, b| {
                        Value::Uint(u32::from_ne_bytes(b[..4].try_into().unwrap_or_default()) as u64)
                    });
                }
                return num_int(c, addr);
            }
            _ => {}
        }
    }
    if rlen == 4 {
        num_int(c, addr)
    } else {
        strn(c, addr, rlen as u64)
    }
}

// --- -yy: socket endpoints. ---

/// What strace's `-yy` prints between the angle brackets for socket inode `inode`, fd `fd` of
/// task `tid`: `TCP:[127.0.0.1:43826->127.0.0.1:2379]`, `TCP:[127.0.0.1:2379]` (no peer),
/// `TCPv6:[[::1]:80]`, `UDP:[...]`, `UNIX-STREAM:[12345,"/run/x.sock"]`, `NETLINK:[ROUTE:1234]`;
/// else `PROTO:[INODE]` when the fd's protocol (its `system.sockprotoname` attribute) is one
/// strace knows, None (the path `socket:[INODE]`) when it is not.
///
/// Read from the tables of the task's own network namespace (/proc/TID/net/...), where strace
/// asks the kernel through NETLINK_SOCK_DIAG; what those tables lack comes from sock_diag
/// when the task shares ksec's network namespace: a unix socket's peer (`UNIX-STREAM:[A->B]`),
/// a bound TCP socket that does not listen, the inet protocols with no table read here.
pub fn socket_target(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    fd: i64,
    inode: u64,
) -> Option<String> {
    // strace keeps the first endpoints it finds for an inode in a 1024-slot cache indexed by
    // the inode's low bits and prints them ever after (a listener bound, then connected,
    // keeps its first text); ksec does the same so that the lines match.
    socket_target_with(inode, || socket_target_uncached(proc_root, tid, fd, inode))
}

/// [`socket_target`] through strace's cache, with the endpoints found another way: `fresh`
/// gives the text and whether strace would have found (and cached) it; it is not called when
/// the cache has the inode.
pub fn socket_target_with(
    inode: u64,
    fresh: impl FnOnce() -> Option<(String, bool)>,
) -> Option<String> {
    static CACHE: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());
    let slot = (inode & (CACHE_SIZE - 1)) as usize;
    if let Ok(c) = CACHE.lock() {
        if let Some((i, t)) = c.get(slot) {
            if *i == inode && !t.is_empty() {
                return Some(t.clone());
            }
        }
    }
    let (t, found) = fresh()?;
    if !found {
        return Some(t);
    }
    if let Ok(mut c) = CACHE.lock() {
        if c.is_empty() {
            c.resize(CACHE_SIZE as usize, (0, String::new()));
        }
        c[slot] = (inode, t.clone());
    }
    Some(t)
}

/// The peer of unix socket `inode`, asked of the kernel (NETLINK_SOCK_DIAG) when task `tid`
/// shares ksec's network namespace (the dump covers only ksec's own); None otherwise or when
/// it has none.
fn unix_peer(proc_root: &crate::proc::root::ProcRoot, tid: i32, inode: u64) -> Option<u32> {
    if !same_netns(proc_root, tid) {
        return None;
    }
    crate::sys::sock_diag::unix_peers()
        .ok()?
        .into_iter()
        .find(|&(i, _)| u64::from(i) == inode)
        .map(|(_, peer)| peer)
        .filter(|&p| p != 0)
}

/// Whether task `tid` shares ksec's network namespace (where sock_diag answers).
fn same_netns(proc_root: &crate::proc::root::ProcRoot, tid: i32) -> bool {
    let ns = |p: std::path::PathBuf| std::fs::read_link(p).ok();
    match (
        ns(proc_root.pid_path(tid, "ns/net")),
        ns(std::path::PathBuf::from("/proc/self/ns/net")),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// strace's table of socket protocols (socketutils.c's `protocols`): the name the kernel gives
/// (`system.sockprotoname`), and for the inet ones the family and protocol sock_diag is asked
/// with.
pub const SOCK_PROTOS: &[(&str, Option<(i32, i32)>)] = &[
    ("UNIX", None),
    ("UNIX-STREAM", None),
    ("TCP", Some((libc::AF_INET, libc::IPPROTO_TCP))),
    ("UDP", Some((libc::AF_INET, libc::IPPROTO_UDP))),
    ("UDPLITE", Some((libc::AF_INET, libc::IPPROTO_UDPLITE))),
    ("DCCP", Some((libc::AF_INET, libc::IPPROTO_DCCP))),
    ("SCTP", Some((libc::AF_INET, libc::IPPROTO_SCTP))),
    ("L2TP/IP", Some((libc::AF_INET, 115))),
    ("PING", Some((libc::AF_INET, libc::IPPROTO_ICMP))),
    ("RAW", Some((libc::AF_INET, libc::IPPROTO_RAW))),
    ("TCPv6", Some((libc::AF_INET6, libc::IPPROTO_TCP))),
    ("UDPv6", Some((libc::AF_INET6, libc::IPPROTO_UDP))),
    ("UDPLITEv6", Some((libc::AF_INET6, libc::IPPROTO_UDPLITE))),
    ("DCCPv6", Some((libc::AF_INET6, libc::IPPROTO_DCCP))),
    ("SCTPv6", Some((libc::AF_INET6, libc::IPPROTO_SCTP))),
    ("L2TP/IPv6", Some((libc::AF_INET6, 115))),
    ("PINGv6", Some((libc::AF_INET6, libc::IPPROTO_ICMP))),
    ("RAWv6", Some((libc::AF_INET6, libc::IPPROTO_RAW))),
    ("NETLINK", None),
];

/// strace's text of inet socket `s` named `name` (socketutils.c's inet_parse_response).
fn inet_text(name: &str, s: &crate::sys::sock_diag::InetSocket) -> Option<String> {
    let addr = |(a, port): &(Vec<u8>, u16)| -> Option<String> {
        Some(match a.len() {
            4 => format!("{}:{port}", sockaddr::ntop4(a[..].try_into().ok()?)),
            _ => format!("[{}]:{port}", sockaddr::ntop6(a[..].try_into().ok()?)),
        })
    };
    let src = addr(&s.src)?;
    if s.dst.1 == 0 && s.dst.0.iter().all(|&b| b == 0) {
        Some(format!("{name}:[{src}]"))
    } else {
        Some(format!("{name}:[{src}->{}]", addr(&s.dst)?))
    }
}

/// strace's cache of socket endpoints: its size (a power of two).
const CACHE_SIZE: u64 = 1024;

/// [`socket_target`] read afresh, and whether strace would have found (and cached) the
/// endpoints: not for its fallback `PROTO:[INODE]` (a unix socket with no path nor peer, a
/// socket in no table).
fn socket_target_uncached(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    fd: i64,
    inode: u64,
) -> Option<(String, bool)> {
    // strace asks only for the fd's own protocol when the kernel names one it knows, and
    // tries them all otherwise.
    let proto = crate::sys::sock_diag::sockprotoname(&proc_root.pid_path(tid, &format!("fd/{fd}")))
        .ok()
        .and_then(|n| SOCK_PROTOS.iter().find(|(p, _)| p.as_bytes() == n));
    if let Some(found) = socket_found(proc_root, tid, inode, proto) {
        return Some(found);
    }
    proto.map(|(name, _)| (format!("{name}:[{inode}]"), false))
}

/// The endpoints of socket `inode` of protocol `proto` (any when None), and whether strace
/// would cache them.
fn socket_found(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    inode: u64,
    proto: Option<&(&str, Option<(i32, i32)>)>,
) -> Option<(String, bool)> {
    if let Some((name, Some((family, protocol)))) = proto {
        if let Some(t) = inet_found(proc_root, tid, inode, name, *family, *protocol) {
            return Some((t, true));
        }
        return None;
    }
    if proto.is_none() {
        for (name, inet) in SOCK_PROTOS {
            if let Some((family, protocol)) = inet {
                if let Some(t) = inet_found(proc_root, tid, inode, name, *family, *protocol) {
                    return Some((t, true));
                }
            }
        }
    }
    other_found(proc_root, tid, inode)
}

/// Inet socket `inode`'s text: from the task's /proc/net table for TCP and UDP, else (a bound
/// TCP socket that does not listen, the other protocols) from sock_diag when the task shares
/// ksec's network namespace.
fn inet_found(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    inode: u64,
    name: &str,
    family: i32,
    protocol: i32,
) -> Option<String> {
    use crate::proc::net::{parse_inet_table, InetProto};
    let table = match name {
        "TCP" => Some(InetProto::Tcp),
        "TCPv6" => Some(InetProto::Tcp6),
        "UDP" => Some(InetProto::Udp),
        "UDPv6" => Some(InetProto::Udp6),
        _ => None,
    };
    if let Some(proto) = table {
        if let Ok(bytes) = std::fs::read(proc_root.pid_path(tid, &format!("net/{proto}"))) {
            if let Some(s) = parse_inet_table(proto, &bytes)
                .into_iter()
                .find(|s| s.inode == inode)
            {
                let (src, dst) = (s.local, s.remote);
                let parts = |a: std::net::SocketAddr| match a {
                    std::net::SocketAddr::V4(a) => (a.ip().octets().to_vec(), a.port()),
                    std::net::SocketAddr::V6(a) => (a.ip().octets().to_vec(), a.port()),
                };
                let s = crate::sys::sock_diag::InetSocket {
                    family: family as u8,
                    src: parts(src),
                    dst: parts(dst),
                };
                return inet_text(name, &s);
            }
        }
    }
    if !same_netns(proc_root, tid) {
        return None;
    }
    let inode = u32::try_from(inode).ok()?;
    let s = crate::sys::sock_diag::inet_socket(family as u8, protocol as u8, inode).ok()??;
    inet_text(name, &s)
}

/// A unix or netlink socket's text, from the task's /proc/net tables.
fn other_found(
    proc_root: &crate::proc::root::ProcRoot,
    tid: i32,
    inode: u64,
) -> Option<(String, bool)> {
    use crate::proc::net::{parse_unix_table, UnixKind};
    if let Ok(bytes) = std::fs::read(proc_root.pid_path(tid, "net/unix")) {
        if let Some(s) = parse_unix_table(&bytes)
            .into_iter()
            .find(|s| s.inode == inode)
        {
            let name = match s.kind {
                UnixKind::Stream => "UNIX-STREAM",
                _ => "UNIX",
            };
            let mut t = format!("{name}:[{inode}");
            let peer = unix_peer(proc_root, tid, inode);
            if let Some(peer) = peer {
                t.push_str(&format!("->{peer}"));
            }
            if let Some(p) = &s.path {
                t.push(',');
                let p: &[u8] = p.as_slice();
                match p.strip_prefix(b"@") {
                    Some(rest) => {
                        t.push('@');
                        super::value::quote(&mut t, rest, super::HexStr::None);
                    }
                    None => super::value::quote(&mut t, p, super::HexStr::None),
                }
            }
            t.push(']');
            return Some((t, s.path.is_some() || peer.is_some()));
        }
    }
    if let Ok(bytes) = std::fs::read(proc_root.pid_path(tid, "net/netlink")) {
        if let Some((proto, portid)) = netlink_socket(&bytes, inode) {
            let known = xlat::name(proto as u64, NETLINK_PROTOCOLS)
                .or((proto as u64 == NETLINK_SMC.0).then_some(NETLINK_SMC.1));
            let t = match known {
                Some(n) => format!(
                    "NETLINK:[{}:{portid}]",
                    n.strip_prefix("NETLINK_").unwrap_or(n)
                ),
                None => format!("NETLINK:[{proto}]"),
            };
            return Some((t, true));
        }
    }
    None
}

/// strace's get_fd_nl_family over a socket's `-yy` text: the protocol of `NETLINK:[ROUTE:123]`
/// (a prefix match of the names, as strace's), the number of `NETLINK:[42]` (for an unbound
/// socket, its inode: strace's `atoi`), -1 for any other text.
pub fn netlink_family_of(text: &str) -> i64 {
    let Some(rest) = text.strip_prefix("NETLINK:[") else {
        return -1;
    };
    for &(v, name) in NETLINK_PROTOCOLS {
        let n = name.strip_prefix("NETLINK_").unwrap_or(name);
        if rest.starts_with(n) {
            return v as i64;
        }
    }
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse::<i64>().map_or(-1, |n| n as i32 as i64)
}

/// The protocol and port id of netlink socket `inode` in a /proc/net/netlink table
/// (`sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`).
fn netlink_socket(table: &[u8], inode: u64) -> Option<(u32, u32)> {
    let text = String::from_utf8_lossy(table);
    text.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 10 || f[9].parse::<u64>().ok()? != inode {
            return None;
        }
        Some((f[1].parse().ok()?, f[2].parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{FdDecode, FdTarget, NoFdNames, Opts, Ret};

    fn ok(v: i64) -> Option<Ret> {
        Some(Ret {
            val: v,
            is_error: false,
        })
    }

    fn err(e: i32) -> Option<Ret> {
        Some(Ret {
            val: -(e as i64),
            is_error: true,
        })
    }

    fn l(name: &str, args: [u64; 6], ret: Option<Ret>, mem: &mut FakeMem) -> String {
        line(name, args, ret, &Opts::default(), mem, &mut NoFdNames)
    }

    fn sin(port: u16, ip: [u8; 4]) -> Vec<u8> {
        let mut v = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&port.to_be_bytes());
        v.extend_from_slice(&ip);
        v.resize(16, 0);
        v
    }

    #[test]
    fn socket_and_socketpair() {
        let mut m = FakeMem::default();
        let st = (libc::SOCK_STREAM | libc::SOCK_CLOEXEC) as u64;
        assert_eq!(
            l("socket", [2, st, 0, 0, 0, 0], ok(3), &mut m),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3"
        );
        assert_eq!(
            l("socket", [1, st, 0, 0, 0, 0], ok(11), &mut m),
            "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 11"
        );
        let raw = (libc::SOCK_RAW | libc::SOCK_CLOEXEC) as u64;
        assert_eq!(
            l("socket", [16, raw, 0, 0, 0, 0], ok(15), &mut m),
            "socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 15"
        );
        assert_eq!(
            l("socket", [17, 3, 0x300, 0, 0, 0], ok(3), &mut m),
            "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 3"
        );
        assert_eq!(
            l(
                "socket",
                [99, 0x10000f, 7, 0, 0, 0],
                err(libc::EINVAL),
                &mut m
            ),
            "socket(0x63 /* AF_??? */, 0x10000f /* SOCK_??? */, 7) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            l("socket", [2, 0x102, 6, 0, 0, 0], err(libc::EINVAL), &mut m),
            "socket(AF_INET, SOCK_DGRAM|0x100 /* SOCK_??? */, IPPROTO_TCP) = -1 EINVAL (Invalid argument)"
        );
        let mut fds = [8i32.to_ne_bytes(), 9i32.to_ne_bytes()].concat();
        m.put(0x1000, &fds);
        assert_eq!(
            l("socketpair", [1, st, 0, 0x1000, 0, 0], ok(0), &mut m),
            "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [8, 9]) = 0"
        );
        assert_eq!(
            l("socketpair", [1, st, 0, 0x1000, 0, 0], err(libc::EMFILE), &mut m),
            "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, 0x1000) = -1 EMFILE (Too many open files)"
        );
        fds.truncate(4);
        m.put(0x1000, &fds);
        let opts = Opts {
            string_limit: 1,
            ..Default::default()
        };
        m.put(0x1000, &[8i32.to_ne_bytes(), 9i32.to_ne_bytes()].concat());
        assert_eq!(
            line(
                "socketpair",
                [1, 1, 0, 0x1000, 0, 0],
                ok(0),
                &opts,
                &mut m,
                &mut NoFdNames
            ),
            "socketpair(AF_UNIX, SOCK_STREAM, 0, [8, ...]) = 0"
        );
    }

    #[test]
    fn bind_connect_listen_shutdown() {
        let mut m = FakeMem::default();
        m.put(0x2000, &sin(80, [127, 0, 0, 1]));
        assert_eq!(
            l("bind", [3, 0x2000, 16, 0, 0, 0], ok(0), &mut m),
            r#"bind(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0"#
        );
        assert_eq!(
            l(
                "connect",
                [4, 0x2000, 16, 0, 0, 0],
                err(libc::ECONNREFUSED),
                &mut m
            ),
            r#"connect(4, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)"#
        );
        assert_eq!(
            l("connect", [4, 0x9000, 16, 0, 0, 0], ok(0), &mut m),
            "connect(4, 0x9000, 16) = 0"
        );
        assert_eq!(
            l("connect", [4, 0, 16, 0, 0, 0], ok(0), &mut m),
            "connect(4, NULL, 16) = 0"
        );
        assert_eq!(
            l("bind", [4, 0x2000, 1, 0, 0, 0], ok(0), &mut m),
            "bind(4, 0x2000, 1) = 0"
        );
        assert_eq!(
            l("listen", [3, 5, 0, 0, 0, 0], ok(0), &mut m),
            "listen(3, 5) = 0"
        );
        assert_eq!(
            l("shutdown", [4, 2, 0, 0, 0, 0], ok(0), &mut m),
            "shutdown(4, SHUT_RDWR) = 0"
        );
        assert_eq!(
            l("shutdown", [4, 7, 0, 0, 0, 0], err(libc::EINVAL), &mut m),
            "shutdown(4, 0x7 /* SHUT_??? */) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn accept_and_socknames_print_value_result_lengths() {
        let mut m = FakeMem::default();
        m.put(0x2000, &sin(51840, [127, 0, 0, 1]));
        m.put(0x3000, &16i32.to_ne_bytes());
        let st = libc::SOCK_CLOEXEC as u64;
        assert_eq!(
            l("accept4", [3, 0x2000, 0x3000, st, 0, 0], ok(5), &mut m),
            r#"accept4(3, {sa_family=AF_INET, sin_port=htons(51840), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 5"#
        );
        assert_eq!(
            l("accept", [3, 0, 0, 0, 0, 0], ok(5), &mut m),
            "accept(3, NULL, NULL) = 5"
        );
        assert_eq!(
            l("accept4", [3, 0, 0, st, 0, 0], err(libc::EAGAIN), &mut m),
            "accept4(3, NULL, NULL, SOCK_CLOEXEC) = -1 EAGAIN (Resource temporarily unavailable)"
        );
        assert_eq!(
            l(
                "getpeername",
                [3, 0x2000, 0x3000, 0, 0, 0],
                err(libc::ENOTCONN),
                &mut m
            ),
            "getpeername(3, 0x2000, [16]) = -1 ENOTCONN (Transport endpoint is not connected)"
        );
        // The length changes between entry and exit: [128 => 2].
        let mut state = crate::trace::decode::CallState::default();
        let opts = Opts::default();
        let nr =
            crate::trace::syscalls::number(crate::trace::arch::Personality::Native, "getsockname")
                .unwrap();
        m.put(0x3000, &128i32.to_ne_bytes());
        m.put(0x4000, &(libc::AF_UNIX as u16).to_ne_bytes());
        let args = [8, 0x4000, 0x3000, 0, 0, 0];
        let mut fds = NoFdNames;
        let mut c = crate::trace::decode::Ctx::new(
            1,
            crate::trace::arch::Personality::Native,
            nr,
            args,
            None,
            &opts,
            &mut state,
            &mut m,
            &mut fds,
        );
        let mut vals = crate::trace::decode::decode(&mut c);
        m.put(0x3000, &2i32.to_ne_bytes());
        let mut c = crate::trace::decode::Ctx::new(
            1,
            crate::trace::arch::Personality::Native,
            nr,
            args,
            ok(0),
            &opts,
            &mut state,
            &mut m,
            &mut fds,
        );
        vals.extend(crate::trace::decode::decode(&mut c));
        let t: Vec<String> = vals.iter().map(|v| v.text(Default::default())).collect();
        assert_eq!(t.join(", "), "8, {sa_family=AF_UNIX}, [128 => 2]");
    }

    #[test]
    fn sendto_and_recvfrom() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"hello world\n\x00\x01");
        assert_eq!(
            l("sendto", [4, 0x1000, 14, 0, 0, 0], ok(14), &mut m),
            r#"sendto(4, "hello world\n\0\1", 14, 0, NULL, 0) = 14"#
        );
        m.put(0x2000, &sin(9, [127, 0, 0, 1]));
        assert_eq!(
            l("sendto", [6, 0x1000, 5, 0x4040, 0x2000, 16], ok(5), &mut m),
            r#"sendto(6, "hello", 5, MSG_DONTWAIT|MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 5"#
        );
        assert_eq!(
            l("recvfrom", [5, 0x1000, 100, 0, 0, 0], ok(14), &mut m),
            r#"recvfrom(5, "hello world\n\0\1", 100, 0, NULL, NULL) = 14"#
        );
        m.put(0x3000, &16i32.to_ne_bytes());
        assert_eq!(
            l("recvfrom", [6, 0x1000, 10, 0x40, 0x2000, 0x3000], err(libc::EAGAIN), &mut m),
            "recvfrom(6, 0x1000, 10, MSG_DONTWAIT, 0x2000, [16]) = -1 EAGAIN (Resource temporarily unavailable)"
        );
        assert_eq!(
            l(
                "recvfrom",
                [6, 0x1000, 10, 0, 0x2000, 0x3000],
                ok(5),
                &mut m
            ),
            r#"recvfrom(6, "hello", 10, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, [16]) = 5"#
        );
        assert_eq!(
            l("sendto", [6, 0x1000, 5, 0x100000, 0, 0], ok(5), &mut m),
            r#"sendto(6, "hello", 5, 0x100000 /* MSG_??? */, NULL, 0) = 5"#
        );
    }

    fn msghdr_bytes(
        name: u64,
        namelen: u32,
        iov: u64,
        iovlen: u64,
        ctl: u64,
        ctllen: u64,
    ) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&name.to_ne_bytes());
        v.extend_from_slice(&namelen.to_ne_bytes());
        v.extend_from_slice(&[0; 4]);
        v.extend_from_slice(&iov.to_ne_bytes());
        v.extend_from_slice(&iovlen.to_ne_bytes());
        v.extend_from_slice(&ctl.to_ne_bytes());
        v.extend_from_slice(&ctllen.to_ne_bytes());
        v.extend_from_slice(&[0; 8]);
        v
    }

    fn iovec(parts: &[(u64, u64)]) -> Vec<u8> {
        parts
            .iter()
            .flat_map(|(b, l)| [b.to_ne_bytes(), l.to_ne_bytes()].concat())
            .collect()
    }

    #[test]
    fn sendmsg_and_recvmsg() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"abc");
        m.put(0x1100, b"defg");
        m.put(0x2000, &iovec(&[(0x1000, 3), (0x1100, 4)]));
        m.put(0x3000, &msghdr_bytes(0, 0, 0x2000, 2, 0, 0));
        assert_eq!(
            l("sendmsg", [5, 0x3000, 0, 0, 0, 0], ok(7), &mut m),
            r#"sendmsg(5, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="abc", iov_len=3}, {iov_base="defg", iov_len=4}], msg_iovlen=2, msg_controllen=0, msg_flags=0}, 0) = 7"#
        );
        m.put(0x1200, b"abcdefg");
        m.put(0x2100, &iovec(&[(0x1200, 100)]));
        m.put(0x3100, &msghdr_bytes(0x7ffed9afff90, 0, 0x2100, 1, 0, 0));
        // recvmsg: msg_namelen was 16 at entry; the fake memory holds the exit's 0.
        let mut state = crate::trace::decode::CallState::default();
        state.saved[0] = 16;
        state.at_exit = true;
        let opts = Opts::default();
        let nr = crate::trace::syscalls::number(crate::trace::arch::Personality::Native, "recvmsg")
            .unwrap();
        let mut fds = NoFdNames;
        let mut c = crate::trace::decode::Ctx::new(
            1,
            crate::trace::arch::Personality::Native,
            nr,
            [4, 0x3100, 0, 0, 0, 0],
            ok(7),
            &opts,
            &mut state,
            &mut m,
            &mut fds,
        );
        let vals = crate::trace::decode::decode(&mut c);
        let t: Vec<String> = vals.iter().map(|v| v.text(Default::default())).collect();
        assert_eq!(
            t.join(", "),
            r#"{msg_name=0x7ffed9afff90, msg_namelen=16 => 0, msg_iov=[{iov_base="abcdefg", iov_len=100}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0"#
        );
        m.put(0x3100, &msghdr_bytes(0, 0, 0x2100, 1, 0, 0));
        assert_eq!(
            l("recvmsg", [4, 0x3100, 0x40, 0, 0, 0], err(libc::EAGAIN), &mut m),
            "recvmsg(4, {msg_namelen=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)"
        );
        assert_eq!(
            l(
                "recvmsg",
                [4, 0x9100, 0, 0, 0, 0],
                err(libc::EFAULT),
                &mut m
            ),
            "recvmsg(4, 0x9100, 0) = -1 EFAULT (Bad address)"
        );
        // A short read cuts the iov strings; SCM_RIGHTS control data.
        let mut ctl = Vec::new();
        ctl.extend_from_slice(&20u64.to_ne_bytes());
        ctl.extend_from_slice(&libc::SOL_SOCKET.to_ne_bytes());
        ctl.extend_from_slice(&libc::SCM_RIGHTS.to_ne_bytes());
        ctl.extend_from_slice(&7i32.to_ne_bytes());
        ctl.extend_from_slice(&[0; 4]);
        m.put(0x5000, &ctl);
        m.put(0x2200, &iovec(&[(0x1000, 3), (0x1100, 4)]));
        m.put(0x3200, &msghdr_bytes(0, 0, 0x2200, 2, 0x5000, 24));
        assert_eq!(
            l("recvmsg", [4, 0x3200, 0, 0, 0, 0], ok(5), &mut m),
            r#"recvmsg(4, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="abc", iov_len=3}, {iov_base="de", iov_len=4}], msg_iovlen=2, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[7]}], msg_controllen=24, msg_flags=0}, 0) = 5"#
        );
    }

    fn mmsghdr_bytes(iov: u64, iovlen: u64, name: u64, namelen: u32, msg_len: u32) -> Vec<u8> {
        let mut v = msghdr_bytes(name, namelen, iov, iovlen, 0, 0);
        v.extend_from_slice(&msg_len.to_ne_bytes());
        v.extend_from_slice(&[0; 4]);
        v
    }

    #[test]
    fn sendmmsg_prints_msg_len_of_the_messages_sent() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"abc");
        m.put(0x1100, b"defg");
        m.put(0x2000, &iovec(&[(0x1000, 3), (0x1100, 4)]));
        let mut v = mmsghdr_bytes(0x2000, 1, 0, 0, 3);
        v.extend(mmsghdr_bytes(0x2010, 1, 0, 0, 0));
        m.put(0x3000, &v);
        let one = "{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"abc\", iov_len=3}], msg_iovlen=1, msg_controllen=0, msg_flags=0}";
        let two = "{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"defg\", iov_len=4}], msg_iovlen=1, msg_controllen=0, msg_flags=0}";
        assert_eq!(
            l("sendmmsg", [3, 0x3000, 2, 0x40, 0, 0], ok(1), &mut m),
            format!("sendmmsg(3, [{one}, msg_len=3}}, {two}}}], 2, MSG_DONTWAIT) = 1")
        );
        // A failed call still prints its vector (without msg_len).
        assert_eq!(
            l(
                "sendmmsg",
                [3, 0x3000, 1, 0, 0, 0],
                err(libc::EBADF),
                &mut m
            ),
            format!("sendmmsg(3, [{one}}}], 1, 0) = -1 EBADF (Bad file descriptor)")
        );
        // The entry prints only the fd.
        assert_eq!(
            l("sendmmsg", [3, 0x3000, 2, 0, 0, 0], None, &mut m),
            "sendmmsg(3"
        );
        // Unreadable: the address; an unreadable second message; -s 1 cuts the vector.
        assert_eq!(
            l(
                "sendmmsg",
                [3, 0x9000, 2, 0, 0, 0],
                err(libc::EFAULT),
                &mut m
            ),
            "sendmmsg(3, 0x9000, 2, 0) = -1 EFAULT (Bad address)"
        );
        assert_eq!(
            l("sendmmsg", [3, 0x3040, 2, 0, 0, 0], ok(1), &mut m),
            format!("sendmmsg(3, [{two}, msg_len=0}}, ... /* 0x3080 */], 2, 0) = 1")
        );
        let opts = Opts {
            string_limit: 1,
            ..Default::default()
        };
        let cut = line(
            "sendmmsg",
            [3, 0x3000, 2, 0, 0, 0],
            ok(2),
            &opts,
            &mut m,
            &mut NoFdNames,
        );
        assert_eq!(
            cut,
            "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"a\"..., iov_len=3}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=3}, ...], 2, 0) = 2"
        );
    }

    #[test]
    fn recvmmsg_prints_what_was_received_and_the_timeout_at_entry() {
        let mut m = FakeMem::default();
        m.put(0x1000, b"hello world");
        m.put(0x2000, &iovec(&[(0x1000, 64)]));
        m.put(0x3000, &mmsghdr_bytes(0x2000, 1, 0x4000, 16, 0));
        m.put(0x5000, &[1u64.to_ne_bytes(), 500u64.to_ne_bytes()].concat());
        m.put(0x4000, &[0; 16]);
        let nr =
            crate::trace::syscalls::number(crate::trace::arch::Personality::Native, "recvmmsg")
                .unwrap();
        let opts = Opts::default();
        let args = [4, 0x3000, 2, 0x40, 0x5000, 0];
        let mut state = crate::trace::decode::CallState::default();
        let mut fds = NoFdNames;
        let mut run = |m: &mut FakeMem, state: &mut crate::trace::decode::CallState, ret| {
            let mut c = crate::trace::decode::Ctx::new(
                1,
                crate::trace::arch::Personality::Native,
                nr,
                args,
                ret,
                &opts,
                state,
                m,
                &mut fds,
            );
            let vals = crate::trace::decode::decode(&mut c);
            vals.iter()
                .map(|v| v.text(Default::default()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(run(&mut m, &mut state, None), "4");
        // The kernel writes the name (an AF_UNSPEC of 2 bytes), msg_len and the time left.
        m.put(0x3000, &mmsghdr_bytes(0x2000, 1, 0x4000, 2, 5));
        m.put(0x5000, &[0u64.to_ne_bytes(), 999u64.to_ne_bytes()].concat());
        assert_eq!(
            run(&mut m, &mut state, ok(1)),
            "[{msg_hdr={msg_name={sa_family=AF_UNSPEC}, msg_namelen=16 => 2, msg_iov=[{iov_base=\"hello\", iov_len=64}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 2, MSG_DONTWAIT, {tv_sec=1, tv_nsec=500}"
        );
        assert_eq!(
            crate::trace::decode::format_ret(
                Ret {
                    val: 1,
                    is_error: false
                },
                &state,
                &opts,
                1,
                &mut NoFdNames
            ),
            "1 (left {tv_sec=0, tv_nsec=999})"
        );
        assert_eq!(
            l("recvmmsg", [4, 0x3000, 2, 0x40, 0, 0], err(libc::EAGAIN), &mut m),
            "recvmmsg(4, 0x3000, 2, MSG_DONTWAIT, NULL) = -1 EAGAIN (Resource temporarily unavailable)"
        );
        assert_eq!(
            l("recvmmsg", [4, 0x3000, 0, 0, 0x5000, 0], ok(0), &mut m),
            "recvmmsg(4, [], 0, 0, {tv_sec=0, tv_nsec=999}) = 0 (Timeout)"
        );
        assert_eq!(
            l(
                "recvmmsg",
                [4, 0x3000, 1, 0, 0x9000, 0],
                err(libc::EFAULT),
                &mut m
            ),
            "recvmmsg(4, 0x3000, 1, 0, 0x9000) = -1 EFAULT (Bad address)"
        );
    }

    #[test]
    fn socket_options() {
        let mut m = FakeMem::default();
        m.put(0x1000, &1i32.to_ne_bytes());
        assert_eq!(
            l("setsockopt", [3, 1, 2, 0x1000, 4, 0], ok(0), &mut m),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0"
        );
        assert_eq!(
            l("setsockopt", [4, 6, 1, 0x1000, 4, 0], ok(0), &mut m),
            "setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0"
        );
        assert_eq!(
            l("setsockopt", [7, 41, 26, 0x1000, 4, 0], ok(0), &mut m),
            "setsockopt(7, SOL_IPV6, IPV6_V6ONLY, [1], 4) = 0"
        );
        m.put(0x2000, &[1, 0, 0, 0, 5, 0, 0, 0]);
        assert_eq!(
            l("setsockopt", [3, 1, 13, 0x2000, 8, 0], ok(0), &mut m),
            "setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=5}, 8) = 0"
        );
        m.put(0x3000, &4i32.to_ne_bytes());
        m.put(0x4000, &131072i32.to_ne_bytes());
        assert_eq!(
            l("getsockopt", [4, 1, 8, 0x4000, 0x3000, 0], ok(0), &mut m),
            "getsockopt(4, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0"
        );
        m.put(0x4000, &0i32.to_ne_bytes());
        assert_eq!(
            l("getsockopt", [4, 1, 4, 0x4000, 0x3000, 0], ok(0), &mut m),
            "getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0"
        );
        m.put(0x4000, &111i32.to_ne_bytes());
        assert_eq!(
            l("getsockopt", [4, 1, 4, 0x4000, 0x3000, 0], ok(0), &mut m),
            "getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0"
        );
        assert_eq!(
            l(
                "getsockopt",
                [4, 1, 4, 0x4000, 0x3000, 0],
                err(libc::EBADF),
                &mut m
            ),
            "getsockopt(4, SOL_SOCKET, SO_ERROR, 0x4000, [4]) = -1 EBADF (Bad file descriptor)"
        );
        assert_eq!(
            l(
                "setsockopt",
                [3, 1, 999, 0x1000, 3, 0],
                err(libc::ENOPROTOOPT),
                &mut m
            ),
            r#"setsockopt(3, SOL_SOCKET, 0x3e7 /* SO_??? */, "\1\0\0", 3) = -1 ENOPROTOOPT (Protocol not available)"#
        );
    }

    #[test]
    fn fds_are_decorated() {
        let mut fds = FakeFds::default();
        fds.0
            .insert(3, FdTarget::Text("TCP:[127.0.0.1:2379]".to_string()));
        let opts = Opts {
            fds: FdDecode::All,
            ..Default::default()
        };
        let mut m = FakeMem::default();
        assert_eq!(
            line("listen", [3, 5, 0, 0, 0, 0], ok(0), &opts, &mut m, &mut fds),
            "listen(3<TCP:[127.0.0.1:2379]>, 5) = 0"
        );
    }

    #[test]
    fn socket_targets_of_real_sockets() {
        use std::io::Write as _;
        use std::os::unix::fs::MetadataExt as _;
        let root = crate::proc::root::ProcRoot::default();
        let me = std::process::id() as i32;
        let inode = |fd: &dyn std::os::fd::AsRawFd| {
            std::fs::metadata(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                .unwrap()
                .ino()
        };
        let fd = |f: &dyn std::os::fd::AsRawFd| i64::from(f.as_raw_fd());
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(
            super::socket_target(&root, me, fd(&l), inode(&l)),
            Some(format!("TCP:[127.0.0.1:{port}]"))
        );
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (a, _) = l.accept().unwrap();
        c.write_all(b"x").unwrap();
        let cport = c.local_addr().unwrap().port();
        assert_eq!(
            super::socket_target(&root, me, fd(&c), inode(&c)),
            Some(format!("TCP:[127.0.0.1:{cport}->127.0.0.1:{port}]"))
        );
        assert_eq!(
            super::socket_target(&root, me, fd(&a), inode(&a)),
            Some(format!("TCP:[127.0.0.1:{port}->127.0.0.1:{cport}]"))
        );
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let uport = u.local_addr().unwrap().port();
        assert_eq!(
            super::socket_target(&root, me, fd(&u), inode(&u)),
            Some(format!("UDP:[127.0.0.1:{uport}]"))
        );
        if let Ok(l6) = std::net::TcpListener::bind("[::1]:0") {
            let p6 = l6.local_addr().unwrap().port();
            assert_eq!(
                super::socket_target(&root, me, fd(&l6), inode(&l6)),
                Some(format!("TCPv6:[[::1]:{p6}]"))
            );
        }
        let dir = std::env::temp_dir().join(format!("ksec-net-test-{me}"));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("x.sock");
        let _ = std::fs::remove_file(&path);
        let ul = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert_eq!(
            super::socket_target(&root, me, fd(&ul), inode(&ul)),
            Some(format!(
                "UNIX-STREAM:[{},{:?}]",
                inode(&ul),
                path.to_str().unwrap()
            ))
        );
        // A pair names its other end (sock_diag), as strace's `UNIX:[A->B]`.
        let (p1, p2) = std::os::unix::net::UnixDatagram::pair().unwrap();
        assert_eq!(
            super::socket_target(&root, me, fd(&p1), inode(&p1)),
            Some(format!("UNIX:[{}->{}]", inode(&p1), inode(&p2)))
        );
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_dir(&dir);
        assert_eq!(super::socket_target(&root, me, -1, 1), None);
    }

    #[test]
    fn netlink_table() {
        let t = b"sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
ffff8a0c4a7b5000 0   7697       00000000 0        0        0     2        0        31337
";
        assert_eq!(super::netlink_socket(t, 31337), Some((0, 7697)));
        assert_eq!(super::netlink_socket(t, 1), None);
    }
}
