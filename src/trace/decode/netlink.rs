//! Netlink messages in the buffers of sendto, recvfrom, sendmsg and recvmsg on netlink sockets,
//! as strace 6.1 prints them (its netlink.c, nlattr.c, netlink_route.c, rtnl_link.c,
//! rtnl_addr.c): `[{nlmsg_len=20, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP,
//! nlmsg_seq=1, nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ...}, [attributes]]`.
//!
//! Every family gets the header (the message types and flags of NETLINK_ROUTE, the reserved
//! `NLMSG_*` of the others), NLMSG_ERROR's `{error=-ENODEV, msg=...}` and NLMSG_DONE's count;
//! NETLINK_ROUTE's link, address and route messages and NETLINK_SOCK_DIAG's inet and unix
//! requests and answers get their bodies and attributes, as do netlink ones (the other
//! sock_diag families, packet and smc, print as strace's generic `{family=AF_PACKET,
//! data=...}`, where strace decodes them). The families strace names
//! with tables of their own that ksec lacks (audit, crypto, generic, netfilter, selinux, xfrm,
//! kobject_uevent) are left to the caller ([`decodes`] false: the bytes).

use super::sockaddr;
use super::value::{HexStr, Value};
use super::xlat::{self, Table};
use super::Ctx;

/// The most bytes of a buffer read for decoding (strace reads it all; a netlink datagram is
/// at most a few pages).
const READ_MAX: u64 = 1 << 20;
const NLMSG_HDRLEN: usize = 16;
const NLA_HDRLEN: usize = 4;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_MIN_TYPE: u16 = 16;
const NETLINK_ROUTE: i64 = 0;
const NETLINK_SOCK_DIAG: i64 = 4;

/// Whether ksec decodes the messages of netlink family `family` (-1: unknown, as strace's
/// get_fd_nl_family says when the socket's protocol cannot be read).
pub fn decodes(family: i64) -> bool {
    // NETLINK_AUDIT 9, NETLINK_SELINUX 7, NETLINK_XFRM 6,
    // NETLINK_KOBJECT_UEVENT 15, NETLINK_GENERIC 16, NETLINK_NETFILTER 12, NETLINK_CRYPTO 21.
    !matches!(family, 6 | 7 | 9 | 12 | 15 | 16 | 21)
}

/// strace's decode_netlink over `len` bytes at `addr`.
pub fn decode(c: &mut Ctx<'_>, family: i64, addr: u64, len: u64) -> Value {
    if len < NLMSG_HDRLEN as u64 {
        return force_hex_at(c, addr, len);
    }
    let Some(buf) = c.read(addr, len.min(READ_MAX) as usize) else {
        return Value::Ptr(addr);
    };
    let mut msgs = Vec::new();
    let mut off = 0usize;
    let mut more = false;
    loop {
        let left = buf.len() - off;
        if left < NLMSG_HDRLEN {
            // A tail too short for a header: its bytes.
            msgs.push(hex_bytes(c, &buf[off..]));
            break;
        }
        if !c.opts.verbose && msgs.len() == c.opts.string_limit {
            more = true;
            break;
        }
        let h = &buf[off..];
        let nlmsg_len = u32_at(h, 0) as usize;
        let msg = message(c, family, &buf[off..]);
        msgs.push(msg);
        let aligned = (nlmsg_len + 3) & !3;
        if nlmsg_len < NLMSG_HDRLEN || aligned >= left {
            break;
        }
        off += aligned;
    }
    if msgs.len() == 1 && !more {
        return msgs.pop().unwrap_or(Value::Ptr(addr));
    }
    Value::Array { items: msgs, more }
}

/// One message: its header, and its payload when it has one (`[{hdr}, payload...]`).
fn message(c: &mut Ctx<'_>, family: i64, b: &[u8]) -> Value {
    let nlmsg_len = (u32_at(b, 0) as usize).min(b.len());
    let kind = u16_at(b, 4);
    let flags = u16_at(b, 6);
    let hdr = header(family, b);
    if nlmsg_len <= NLMSG_HDRLEN {
        return hdr;
    }
    let mut items = vec![hdr];
    items.extend(payload(c, family, kind, flags, &b[NLMSG_HDRLEN..nlmsg_len]));
    Value::array(items)
}

fn header(family: i64, b: &[u8]) -> Value {
    let kind = u16_at(b, 4);
    let flags = u16_at(b, 6);
    Value::fields(vec![
        ("nlmsg_len", Value::Uint(u64::from(u32_at(b, 0)))),
        ("nlmsg_type", msg_type(family, kind)),
        ("nlmsg_flags", msg_flags(family, kind, flags)),
        ("nlmsg_seq", Value::Uint(u64::from(u32_at(b, 8)))),
        ("nlmsg_pid", Value::Int(i64::from(u32_at(b, 12) as i32))),
    ])
}

const NETLINK_TYPES: &Table = &[
    (1, "NLMSG_NOOP"),
    (2, "NLMSG_ERROR"),
    (3, "NLMSG_DONE"),
    (4, "NLMSG_OVERRUN"),
];

const NL_ROUTE_TYPES: &Table = &[
    (16, "RTM_NEWLINK"),
    (17, "RTM_DELLINK"),
    (18, "RTM_GETLINK"),
    (19, "RTM_SETLINK"),
    (20, "RTM_NEWADDR"),
    (21, "RTM_DELADDR"),
    (22, "RTM_GETADDR"),
    (24, "RTM_NEWROUTE"),
    (25, "RTM_DELROUTE"),
    (26, "RTM_GETROUTE"),
    (28, "RTM_NEWNEIGH"),
    (29, "RTM_DELNEIGH"),
    (30, "RTM_GETNEIGH"),
    (32, "RTM_NEWRULE"),
    (33, "RTM_DELRULE"),
    (34, "RTM_GETRULE"),
    (36, "RTM_NEWQDISC"),
    (37, "RTM_DELQDISC"),
    (38, "RTM_GETQDISC"),
    (40, "RTM_NEWTCLASS"),
    (41, "RTM_DELTCLASS"),
    (42, "RTM_GETTCLASS"),
    (44, "RTM_NEWTFILTER"),
    (45, "RTM_DELTFILTER"),
    (46, "RTM_GETTFILTER"),
    (48, "RTM_NEWACTION"),
    (49, "RTM_DELACTION"),
    (50, "RTM_GETACTION"),
    (52, "RTM_NEWPREFIX"),
    (58, "RTM_GETMULTICAST"),
    (62, "RTM_GETANYCAST"),
    (64, "RTM_NEWNEIGHTBL"),
    (66, "RTM_GETNEIGHTBL"),
    (67, "RTM_SETNEIGHTBL"),
    (68, "RTM_NEWNDUSEROPT"),
    (72, "RTM_NEWADDRLABEL"),
    (73, "RTM_DELADDRLABEL"),
    (74, "RTM_GETADDRLABEL"),
    (78, "RTM_GETDCB"),
    (79, "RTM_SETDCB"),
    (80, "RTM_NEWNETCONF"),
    (81, "RTM_DELNETCONF"),
    (82, "RTM_GETNETCONF"),
    (84, "RTM_NEWMDB"),
    (85, "RTM_DELMDB"),
    (86, "RTM_GETMDB"),
    (88, "RTM_NEWNSID"),
    (89, "RTM_DELNSID"),
    (90, "RTM_GETNSID"),
    (92, "RTM_NEWSTATS"),
    (94, "RTM_GETSTATS"),
    (96, "RTM_NEWCACHEREPORT"),
    (100, "RTM_NEWCHAIN"),
    (101, "RTM_DELCHAIN"),
    (102, "RTM_GETCHAIN"),
    (104, "RTM_NEWNEXTHOP"),
    (105, "RTM_DELNEXTHOP"),
    (106, "RTM_GETNEXTHOP"),
    (108, "RTM_NEWLINKPROP"),
    (109, "RTM_DELLINKPROP"),
    (110, "RTM_GETLINKPROP"),
    (112, "RTM_NEWVLAN"),
    (113, "RTM_DELVLAN"),
    (114, "RTM_GETVLAN"),
    (116, "RTM_NEWNEXTHOPBUCKET"),
    (117, "RTM_DELNEXTHOPBUCKET"),
    (118, "RTM_GETNEXTHOPBUCKET"),
];

/// strace's decode_nlmsg_type.
fn msg_type(family: i64, kind: u16) -> Value {
    if kind >= NLMSG_MIN_TYPE && family == NETLINK_ROUTE {
        return xlat::enumerated(u64::from(kind), NL_ROUTE_TYPES, "RTM_???");
    }
    if kind >= NLMSG_MIN_TYPE && family == NETLINK_SOCK_DIAG {
        return xlat::enumerated(u64::from(kind), NL_SOCK_DIAG_TYPES, "SOCK_DIAG_???");
    }
    xlat::enumerated(u64::from(kind), NETLINK_TYPES, "NLMSG_???")
}

const NL_SOCK_DIAG_TYPES: &Table = &[
    (18, "TCPDIAG_GETSOCK"),
    (19, "DCCPDIAG_GETSOCK"),
    (20, "SOCK_DIAG_BY_FAMILY"),
    (21, "SOCK_DESTROY"),
];

const NETLINK_FLAGS: &Table = &[
    (0x01, "NLM_F_REQUEST"),
    (0x02, "NLM_F_MULTI"),
    (0x04, "NLM_F_ACK"),
    (0x08, "NLM_F_ECHO"),
    (0x10, "NLM_F_DUMP_INTR"),
    (0x20, "NLM_F_DUMP_FILTERED"),
];
const NETLINK_GET_FLAGS: &Table = &[
    (0x300, "NLM_F_DUMP"),
    (0x100, "NLM_F_ROOT"),
    (0x200, "NLM_F_MATCH"),
    (0x400, "NLM_F_ATOMIC"),
];
const NETLINK_NEW_FLAGS: &Table = &[
    (0x100, "NLM_F_REPLACE"),
    (0x200, "NLM_F_EXCL"),
    (0x400, "NLM_F_CREATE"),
    (0x800, "NLM_F_APPEND"),
];
const NETLINK_DELETE_FLAGS: &Table = &[(0x100, "NLM_F_NONREC"), (0x200, "NLM_F_BULK")];
const NETLINK_ACK_FLAGS: &Table = &[(0x100, "NLM_F_CAPPED"), (0x200, "NLM_F_ACK_TLVS")];

/// strace's decode_nlmsg_flags: the common flags, then those of the message's kind.
fn msg_flags(family: i64, kind: u16, flags: u16) -> Value {
    let extra: &Table = if kind < NLMSG_MIN_TYPE {
        if kind == NLMSG_ERROR {
            NETLINK_ACK_FLAGS
        } else {
            &[]
        }
    } else if family == NETLINK_ROUTE {
        // RTM_DELACTION uses NLM_F_ROOT's flags.
        if kind == 49 {
            NETLINK_GET_FLAGS
        } else {
            match kind & 3 {
                0 => NETLINK_NEW_FLAGS,
                1 => NETLINK_DELETE_FLAGS,
                2 => NETLINK_GET_FLAGS,
                _ => &[],
            }
        }
    } else if family == NETLINK_SOCK_DIAG {
        NETLINK_GET_FLAGS
    } else {
        &[]
    };
    let table: Vec<(u64, &'static str)> = NETLINK_FLAGS.iter().chain(extra).copied().collect();
    xlat::flags(u64::from(flags), &table)
}

/// strace's decode_payload: the values after the header.
fn payload(c: &mut Ctx<'_>, family: i64, kind: u16, flags: u16, p: &[u8]) -> Vec<Value> {
    if kind == NLMSG_ERROR {
        return vec![nlmsgerr(c, family, flags & 0x100 != 0, p)];
    }
    if (kind >= NLMSG_MIN_TYPE || kind == NLMSG_DONE) && family == NETLINK_ROUTE {
        if let Some(v) = route(c, kind, p) {
            return v;
        }
    }
    if (kind >= NLMSG_MIN_TYPE || kind == NLMSG_DONE) && family == NETLINK_SOCK_DIAG {
        if let Some(v) = sock_diag(c, kind, flags, p) {
            return v;
        }
    }
    if kind == NLMSG_DONE && p.len() == 4 {
        return vec![Value::Int(i64::from(u32_at(p, 0) as i32))];
    }
    vec![hex_bytes(c, p)]
}

const NLMSGERR_ATTRS: &Table = &[
    (0, "NLMSGERR_ATTR_UNUSED"),
    (1, "NLMSGERR_ATTR_MSG"),
    (2, "NLMSGERR_ATTR_OFFS"),
    (3, "NLMSGERR_ATTR_COOKIE"),
    (4, "NLMSGERR_ATTR_POLICY"),
    (5, "NLMSGERR_ATTR_MISS_TYPE"),
    (6, "NLMSGERR_ATTR_MISS_NEST"),
];

/// `{error=-ENODEV, msg=[{...}, ...]}`, and the extended ack's attributes after it.
fn nlmsgerr(c: &mut Ctx<'_>, family: i64, capped: bool, p: &[u8]) -> Value {
    // struct nlmsgerr: int error; struct nlmsghdr msg.
    if p.len() < 4 + NLMSG_HDRLEN {
        return hex_bytes(c, p);
    }
    let error = u32_at(p, 0) as i32;
    let err = if error < 0 {
        match super::errno_text(-error).0 {
            n if n.starts_with("errno ") => Value::Int(i64::from(error)),
            n => Value::Raw(format!("-{n}")),
        }
    } else {
        Value::Int(i64::from(error))
    };
    let inner = &p[4..];
    let len = inner.len();
    let nlmsg_len = (u32_at(inner, 0) as usize).max(NLMSG_HDRLEN);
    let shown = len.min(if capped { NLMSG_HDRLEN } else { nlmsg_len });
    // The quoted message, cut at what the error carries.
    let mut msg = inner[..shown].to_vec();
    let real = u32_at(&msg, 0) as usize;
    if real > shown {
        // decode_nlmsghdr_with_payload takes MIN(nlmsg_len, len).
        msg.truncate(shown);
    }
    let m = message_within(c, family, &msg);
    let v = Value::fields(vec![("error", err), ("msg", m)]);
    if len > shown {
        let attrs = nlattrs(
            c,
            &inner[shown..],
            NLMSGERR_ATTRS,
            "NLMSGERR_ATTR_???",
            |c, t, d| match t {
                1 => Some(nla_str(c, d)),
                2 => nla_u32(d),
                3 => Some(Value::array(
                    d.iter().map(|&b| Value::Uint(u64::from(b))).collect(),
                )),
                _ => None,
            },
        );
        return Value::array(vec![v, attrs]);
    }
    v
}

/// [`message`] of a header whose nlmsg_len may exceed the bytes there are.
fn message_within(c: &mut Ctx<'_>, family: i64, b: &[u8]) -> Value {
    let nlmsg_len = (u32_at(b, 0) as usize).min(b.len());
    let kind = u16_at(b, 4);
    let flags = u16_at(b, 6);
    let hdr = header(family, b);
    if nlmsg_len <= NLMSG_HDRLEN {
        return hdr;
    }
    let mut items = vec![hdr];
    items.extend(payload(c, family, kind, flags, &b[NLMSG_HDRLEN..nlmsg_len]));
    Value::array(items)
}

// --- NETLINK_ROUTE ---

/// strace's decode_netlink_route: None for NLMSG_DONE (the caller prints its count).
fn route(c: &mut Ctx<'_>, kind: u16, p: &[u8]) -> Option<Vec<Value>> {
    if kind == NLMSG_DONE {
        return None;
    }
    let Some(&family) = p.first() else {
        // umove_or_printaddr of an empty payload: strace prints the address; the bytes are
        // all there is here.
        return Some(vec![hex_bytes(c, p)]);
    };
    Some(match kind {
        16..=19 => ifinfomsg(c, family, p),
        20..=22 => ifaddrmsg(c, family, p),
        24..=26 => rtmsg(c, family, p),
        _ => {
            let mut f = vec![("family", afamily(family))];
            if p.len() > 1 {
                f.push(("data", hex_bytes(c, &p[1..])));
            }
            vec![Value::fields(f)]
        }
    })
}

fn afamily(f: u8) -> Value {
    xlat::enumerated(u64::from(f), sockaddr::ADDRFAMS, "AF_???")
}

const IFF_FLAGS: &Table = &[
    (1 << 0, "IFF_UP"),
    (1 << 1, "IFF_BROADCAST"),
    (1 << 2, "IFF_DEBUG"),
    (1 << 3, "IFF_LOOPBACK"),
    (1 << 4, "IFF_POINTOPOINT"),
    (1 << 5, "IFF_NOTRAILERS"),
    (1 << 6, "IFF_RUNNING"),
    (1 << 7, "IFF_NOARP"),
    (1 << 8, "IFF_PROMISC"),
    (1 << 9, "IFF_ALLMULTI"),
    (1 << 10, "IFF_MASTER"),
    (1 << 11, "IFF_SLAVE"),
    (1 << 12, "IFF_MULTICAST"),
    (1 << 13, "IFF_PORTSEL"),
    (1 << 14, "IFF_AUTOMEDIA"),
    (1 << 15, "IFF_DYNAMIC"),
    (1 << 16, "IFF_LOWER_UP"),
    (1 << 17, "IFF_DORMANT"),
    (1 << 18, "IFF_ECHO"),
];

/// rtnl_link_attrs: IFLA_* by value.
const IFLA_NAMES: &[&str] = &[
    "IFLA_UNSPEC",
    "IFLA_ADDRESS",
    "IFLA_BROADCAST",
    "IFLA_IFNAME",
    "IFLA_MTU",
    "IFLA_LINK",
    "IFLA_QDISC",
    "IFLA_STATS",
    "IFLA_COST",
    "IFLA_PRIORITY",
    "IFLA_MASTER",
    "IFLA_WIRELESS",
    "IFLA_PROTINFO",
    "IFLA_TXQLEN",
    "IFLA_MAP",
    "IFLA_WEIGHT",
    "IFLA_OPERSTATE",
    "IFLA_LINKMODE",
    "IFLA_LINKINFO",
    "IFLA_NET_NS_PID",
    "IFLA_IFALIAS",
    "IFLA_NUM_VF",
    "IFLA_VFINFO_LIST",
    "IFLA_STATS64",
    "IFLA_VF_PORTS",
    "IFLA_PORT_SELF",
    "IFLA_AF_SPEC",
    "IFLA_GROUP",
    "IFLA_NET_NS_FD",
    "IFLA_EXT_MASK",
    "IFLA_PROMISCUITY",
    "IFLA_NUM_TX_QUEUES",
    "IFLA_NUM_RX_QUEUES",
    "IFLA_CARRIER",
    "IFLA_PHYS_PORT_ID",
    "IFLA_CARRIER_CHANGES",
    "IFLA_PHYS_SWITCH_ID",
    "IFLA_LINK_NETNSID",
    "IFLA_PHYS_PORT_NAME",
    "IFLA_PROTO_DOWN",
    "IFLA_GSO_MAX_SEGS",
    "IFLA_GSO_MAX_SIZE",
    "IFLA_PAD",
    "IFLA_XDP",
    "IFLA_EVENT",
    "IFLA_NEW_NETNSID",
    "IFLA_IF_NETNSID",
    "IFLA_CARRIER_UP_COUNT",
    "IFLA_CARRIER_DOWN_COUNT",
    "IFLA_NEW_IFINDEX",
    "IFLA_MIN_MTU",
    "IFLA_MAX_MTU",
    "IFLA_PROP_LIST",
    "IFLA_ALT_IFNAME",
    "IFLA_PERM_ADDRESS",
    "IFLA_PROTO_DOWN_REASON",
    "IFLA_PARENT_DEV_NAME",
    "IFLA_PARENT_DEV_BUS_NAME",
    "IFLA_GRO_MAX_SIZE",
    "IFLA_TSO_MAX_SIZE",
    "IFLA_TSO_MAX_SEGS",
    "IFLA_ALLMULTI",
];

const RTEXT_FILTER_FLAGS: &Table = &[
    (1 << 0, "RTEXT_FILTER_VF"),
    (1 << 1, "RTEXT_FILTER_BRVLAN"),
    (1 << 2, "RTEXT_FILTER_BRVLAN_COMPRESSED"),
    (1 << 3, "RTEXT_FILTER_SKIP_STATS"),
    (1 << 4, "RTEXT_FILTER_MRP"),
    (1 << 5, "RTEXT_FILTER_CFM_CONFIG"),
    (1 << 6, "RTEXT_FILTER_CFM_STATUS"),
];

/// `struct ifinfomsg` (16 bytes) and its IFLA_* attributes.
fn ifinfomsg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("ifi_family", afamily(family))];
    if p.len() < 16 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    f.push((
        "ifi_type",
        xlat::enumerated(
            u64::from(u16_at(p, 2)),
            sockaddr::ARP_HARDWARE_TYPES,
            "ARPHRD_???",
        ),
    ));
    f.push(("ifi_index", sockaddr::ifindex(u32_at(p, 4))));
    f.push(("ifi_flags", xlat::flags(u64::from(u32_at(p, 8)), IFF_FLAGS)));
    f.push(("ifi_change", Value::Hex(u64::from(u32_at(p, 12)))));
    let mut out = vec![Value::fields(f)];
    if p.len() > 16 {
        let table: Vec<(u64, &'static str)> = IFLA_NAMES
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64, *n))
            .collect();
        out.push(nlattrs(
            c,
            &p[16..],
            &table,
            "IFLA_???",
            |c, t, d| match t {
                1 | 2 | 54 => Some(hwaddr(d)),
                3 | 6 | 20 | 38 | 53 | 56 | 57 => Some(nla_str(c, d)),
                4 | 5 | 10 | 13 | 15 | 19 | 21 | 27 | 30 | 31 | 32 | 35 | 40 | 41 | 47 | 48
                | 50 | 51 | 58 | 59 | 60 | 61 => nla_u32(d),
                16 | 17 | 33 | 39 => nla_u8(d),
                37 | 45 | 46 => nla_s32(d),
                7 => link_stats(d, 4),
                23 => link_stats(d, 8),
                29 => {
                    (d.len() >= 4).then(|| xlat::flags(u64::from(u32_at(d, 0)), RTEXT_FILTER_FLAGS))
                }
                _ => None,
            },
        ));
    }
    out
}

/// The fields of `struct rtnl_link_stats` (`width` 4) and `rtnl_link_stats64` (8), in order.
const LINK_STATS: &[&str] = &[
    "rx_packets",
    "tx_packets",
    "rx_bytes",
    "tx_bytes",
    "rx_errors",
    "tx_errors",
    "rx_dropped",
    "tx_dropped",
    "multicast",
    "collisions",
    "rx_length_errors",
    "rx_over_errors",
    "rx_crc_errors",
    "rx_frame_errors",
    "rx_fifo_errors",
    "rx_missed_errors",
    "tx_aborted_errors",
    "tx_carrier_errors",
    "tx_fifo_errors",
    "tx_heartbeat_errors",
    "tx_window_errors",
    "rx_compressed",
    "tx_compressed",
    "rx_nohandler",
    "rx_otherhost_dropped",
];

/// strace's decode_rtnl_link_stats / decode_nla_rtnl_link_stats64: the whole struct, or the
/// sizes of its older versions; None (the bytes) for any other size.
fn link_stats(d: &[u8], width: usize) -> Option<Value> {
    let min = 23 * width;
    let all = if width == 4 { 24 } else { 25 };
    let n = if d.len() >= all * width {
        all
    } else if width == 8 && d.len() == 24 * width {
        24
    } else if d.len() == min {
        23
    } else {
        return None;
    };
    let fields = LINK_STATS[..n]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let v = if width == 4 {
                u64::from(u32_at(d, i * 4))
            } else {
                u64_at(d, i * 8)
            };
            (*name, Value::Uint(v))
        })
        .collect();
    Some(Value::fields(fields))
}

const IFA_FLAGS: &Table = &[
    (0x01, "IFA_F_SECONDARY"),
    (0x02, "IFA_F_NODAD"),
    (0x04, "IFA_F_OPTIMISTIC"),
    (0x08, "IFA_F_DADFAILED"),
    (0x10, "IFA_F_HOMEADDRESS"),
    (0x20, "IFA_F_DEPRECATED"),
    (0x40, "IFA_F_TENTATIVE"),
    (0x80, "IFA_F_PERMANENT"),
    (0x100, "IFA_F_MANAGETEMPADDR"),
    (0x200, "IFA_F_NOPREFIXROUTE"),
    (0x400, "IFA_F_MCAUTOJOIN"),
    (0x800, "IFA_F_STABLE_PRIVACY"),
];
const RT_SCOPES: &Table = &[
    (0, "RT_SCOPE_UNIVERSE"),
    (200, "RT_SCOPE_SITE"),
    (253, "RT_SCOPE_LINK"),
    (254, "RT_SCOPE_HOST"),
    (255, "RT_SCOPE_NOWHERE"),
];
const IFA_NAMES: &Table = &[
    (0, "IFA_UNSPEC"),
    (1, "IFA_ADDRESS"),
    (2, "IFA_LOCAL"),
    (3, "IFA_LABEL"),
    (4, "IFA_BROADCAST"),
    (5, "IFA_ANYCAST"),
    (6, "IFA_CACHEINFO"),
    (7, "IFA_MULTICAST"),
    (8, "IFA_FLAGS"),
    (9, "IFA_RT_PRIORITY"),
    (10, "IFA_TARGET_NETNSID"),
    (11, "IFA_PROTO"),
];

/// `struct ifaddrmsg` (8 bytes) and its IFA_* attributes (rtnl_addr.c).
fn ifaddrmsg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("ifa_family", afamily(family))];
    if p.len() < 8 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    f.push(("ifa_prefixlen", Value::Uint(u64::from(p[1]))));
    f.push(("ifa_flags", xlat::flags(u64::from(p[2]), IFA_FLAGS)));
    f.push((
        "ifa_scope",
        xlat::enumerated(u64::from(p[3]), RT_SCOPES, "RT_SCOPE_???"),
    ));
    f.push(("ifa_index", sockaddr::ifindex(u32_at(p, 4))));
    let mut out = vec![Value::fields(f)];
    if p.len() > 8 {
        out.push(nlattrs(
            c,
            &p[8..],
            IFA_NAMES,
            "IFA_???",
            |c, t, d| match t {
                1 | 2 | 4 | 5 | 7 => inet_addr(family, d),
                3 => Some(nla_str(c, d)),
                6 if d.len() >= 16 => Some(Value::fields(vec![
                    ("ifa_prefered", Value::Uint(u64::from(u32_at(d, 0)))),
                    ("ifa_valid", Value::Uint(u64::from(u32_at(d, 4)))),
                    ("cstamp", Value::Uint(u64::from(u32_at(d, 8)))),
                    ("tstamp", Value::Uint(u64::from(u32_at(d, 12)))),
                ])),
                8 => (d.len() >= 4).then(|| xlat::flags(u64::from(u32_at(d, 0)), IFA_FLAGS)),
                9 => nla_u32(d),
                10 => nla_s32(d),
                _ => None,
            },
        ));
    }
    out
}

const RT_TABLES: &Table = &[
    (0, "RT_TABLE_UNSPEC"),
    (252, "RT_TABLE_COMPAT"),
    (253, "RT_TABLE_DEFAULT"),
    (254, "RT_TABLE_MAIN"),
    (255, "RT_TABLE_LOCAL"),
];
const RT_PROTOCOLS: &Table = &[
    (0, "RTPROT_UNSPEC"),
    (1, "RTPROT_REDIRECT"),
    (2, "RTPROT_KERNEL"),
    (3, "RTPROT_BOOT"),
    (4, "RTPROT_STATIC"),
    (8, "RTPROT_GATED"),
    (9, "RTPROT_RA"),
    (10, "RTPROT_MRT"),
    (11, "RTPROT_ZEBRA"),
    (12, "RTPROT_BIRD"),
    (13, "RTPROT_DNROUTED"),
    (14, "RTPROT_XORP"),
    (15, "RTPROT_NTK"),
    (16, "RTPROT_DHCP"),
    (17, "RTPROT_MROUTED"),
    (18, "RTPROT_KEEPALIVED"),
    (42, "RTPROT_BABEL"),
    (99, "RTPROT_OPENR"),
    (186, "RTPROT_BGP"),
    (187, "RTPROT_ISIS"),
    (188, "RTPROT_OSPF"),
    (189, "RTPROT_RIP"),
    (192, "RTPROT_EIGRP"),
];
const RT_TYPES: &Table = &[
    (0, "RTN_UNSPEC"),
    (1, "RTN_UNICAST"),
    (2, "RTN_LOCAL"),
    (3, "RTN_BROADCAST"),
    (4, "RTN_ANYCAST"),
    (5, "RTN_MULTICAST"),
    (6, "RTN_BLACKHOLE"),
    (7, "RTN_UNREACHABLE"),
    (8, "RTN_PROHIBIT"),
    (9, "RTN_THROW"),
    (10, "RTN_NAT"),
    (11, "RTN_XRESOLVE"),
];
const RTM_FLAGS: &Table = &[
    (0x100, "RTM_F_NOTIFY"),
    (0x200, "RTM_F_CLONED"),
    (0x400, "RTM_F_EQUALIZE"),
    (0x800, "RTM_F_PREFIX"),
    (0x1000, "RTM_F_LOOKUP_TABLE"),
    (0x2000, "RTM_F_FIB_MATCH"),
    (0x4000, "RTM_F_OFFLOAD"),
    (0x8000, "RTM_F_TRAP"),
    (0x2000_0000, "RTM_F_OFFLOAD_FAILED"),
];
const IPTOS_FLAGS: &Table = &[
    (0x10, "IPTOS_LOWDELAY"),
    (0x08, "IPTOS_THROUGHPUT"),
    (0x04, "IPTOS_RELIABILITY"),
    (0x02, "IPTOS_MINCOST"),
];
const RTA_NAMES: &[&str] = &[
    "RTA_UNSPEC",
    "RTA_DST",
    "RTA_SRC",
    "RTA_IIF",
    "RTA_OIF",
    "RTA_GATEWAY",
    "RTA_PRIORITY",
    "RTA_PREFSRC",
    "RTA_METRICS",
    "RTA_MULTIPATH",
    "RTA_PROTOINFO",
    "RTA_FLOW",
    "RTA_CACHEINFO",
    "RTA_SESSION",
    "RTA_MP_ALGO",
    "RTA_TABLE",
    "RTA_MARK",
    "RTA_MFC_STATS",
    "RTA_VIA",
    "RTA_NEWDST",
    "RTA_PREF",
    "RTA_ENCAP_TYPE",
    "RTA_ENCAP",
    "RTA_EXPIRES",
    "RTA_PAD",
    "RTA_UID",
    "RTA_TTL_PROPAGATE",
    "RTA_IP_PROTO",
    "RTA_SPORT",
    "RTA_DPORT",
    "RTA_NH_ID",
];

/// strace's printxval with no default: the name, else the number in hex.
fn xval_hex(v: u64, table: &Table) -> Value {
    match xlat::name(v, table) {
        Some(n) => Value::sym(n),
        None => Value::Hex(v),
    }
}

/// `struct rtmsg` (12 bytes) and its RTA_* attributes (rtnl_route.c; RTA_METRICS,
/// RTA_MULTIPATH, RTA_VIA, RTA_MFC_STATS and RTA_ENCAP_TYPE print as bytes).
fn rtmsg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("rtm_family", afamily(family))];
    if p.len() < 12 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    f.push(("rtm_dst_len", Value::Uint(u64::from(p[1]))));
    f.push(("rtm_src_len", Value::Uint(u64::from(p[2]))));
    f.push(("rtm_tos", xlat::flags(u64::from(p[3]), IPTOS_FLAGS)));
    f.push(("rtm_table", xval_hex(u64::from(p[4]), RT_TABLES)));
    f.push((
        "rtm_protocol",
        xlat::enumerated(u64::from(p[5]), RT_PROTOCOLS, "RTPROT_???"),
    ));
    f.push(("rtm_scope", xval_hex(u64::from(p[6]), RT_SCOPES)));
    f.push((
        "rtm_type",
        xlat::enumerated(u64::from(p[7]), RT_TYPES, "RTN_???"),
    ));
    f.push(("rtm_flags", xlat::flags(u64::from(u32_at(p, 8)), RTM_FLAGS)));
    let mut out = vec![Value::fields(f)];
    if p.len() > 12 {
        let table: Vec<(u64, &'static str)> = RTA_NAMES
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64, *n))
            .collect();
        out.push(nlattrs(c, &p[12..], &table, "RTA_???", |_, t, d| match t {
            1 | 2 | 5 | 7 | 19 => inet_addr(family, d),
            3 | 4 => (d.len() >= 4).then(|| sockaddr::ifindex(u32_at(d, 0))),
            6 | 10 | 11 | 14 | 16 | 25 => nla_u32(d),
            15 => (d.len() >= 4).then(|| xval_hex(u64::from(u32_at(d, 0)), RT_TABLES)),
            20 | 26 | 27 => nla_u8(d),
            28 | 29 => (d.len() >= 2).then(|| Value::Uint(u64::from(u16_at(d, 0)))),
            23 => (d.len() >= 8).then(|| Value::Uint(u64_at(d, 0))),
            12 if d.len() >= 32 => {
                let at = |i: usize| Value::Uint(u64::from(u32_at(d, i * 4)));
                Some(Value::fields(vec![
                    ("rta_clntref", at(0)),
                    ("rta_lastuse", at(1)),
                    ("rta_expires", at(2)),
                    ("rta_error", at(3)),
                    ("rta_used", at(4)),
                    ("rta_id", Value::Hex(u64::from(u32_at(d, 20)))),
                    ("rta_ts", at(6)),
                    ("rta_tsage", at(7)),
                ]))
            }
            _ => None,
        }));
    }
    out
}

/// strace's decode_nla_in_addr / print_inet_addr for an address of `family`.
fn inet_addr(family: u8, d: &[u8]) -> Option<Value> {
    match i32::from(family) {
        libc::AF_INET if d.len() >= 4 => Some(Value::Call(
            "inet_addr",
            vec![Value::str(
                sockaddr::ntop4([d[0], d[1], d[2], d[3]]).into_bytes(),
            )],
        )),
        libc::AF_INET6 if d.len() >= 16 => {
            let a: [u8; 16] = d[..16].try_into().ok()?;
            Some(Value::Call(
                "inet_pton",
                vec![
                    Value::sym("AF_INET6"),
                    Value::str(sockaddr::ntop6(a).into_bytes()),
                ],
            ))
        }
        _ => None,
    }
}

// --- NETLINK_SOCK_DIAG (netlink_sock_diag.c, netlink_inet_diag.c) ---

/// strace's decode_netlink_sock_diag: None for NLMSG_DONE (the caller prints its count).
fn sock_diag(c: &mut Ctx<'_>, kind: u16, flags: u16, p: &[u8]) -> Option<Vec<Value>> {
    if kind == NLMSG_DONE {
        return None;
    }
    let Some(&family) = p.first() else {
        return Some(vec![hex_bytes(c, p)]);
    };
    if i32::from(family) == libc::AF_UNIX && p.len() > 1 {
        return Some(if flags & 1 != 0 {
            unix_diag_req(family, p)
        } else {
            unix_diag_msg(c, family, p)
        });
    }
    if i32::from(family) == libc::AF_NETLINK && p.len() > 1 {
        return Some(if flags & 1 != 0 {
            netlink_diag_req(family, p)
        } else {
            netlink_diag_msg(c, family, p)
        });
    }
    let inet = matches!(i32::from(family), libc::AF_INET | libc::AF_INET6);
    // TCPDIAG_GETSOCK and DCCPDIAG_GETSOCK requests are the old inet_diag_req, which ksec
    // does not decode.
    let request = flags & 1 != 0;
    if inet && p.len() > 1 && !(request && (kind == 18 || kind == 19)) {
        return Some(if request {
            inet_diag_req_v2(c, family, p)
        } else {
            inet_diag_msg(c, family, p)
        });
    }
    let mut f = vec![("family", afamily(family))];
    if p.len() > 1 {
        f.push(("data", hex_bytes(c, &p[1..])));
    }
    Some(vec![Value::fields(f)])
}

const TCP_STATES: &Table = &[
    (1, "TCP_ESTABLISHED"),
    (2, "TCP_SYN_SENT"),
    (3, "TCP_SYN_RECV"),
    (4, "TCP_FIN_WAIT1"),
    (5, "TCP_FIN_WAIT2"),
    (6, "TCP_TIME_WAIT"),
    (7, "TCP_CLOSE"),
    (8, "TCP_CLOSE_WAIT"),
    (9, "TCP_LAST_ACK"),
    (10, "TCP_LISTEN"),
    (11, "TCP_CLOSING"),
    (12, "TCP_NEW_SYN_RECV"),
];

const INET_DIAG_ATTRS: &[&str] = &[
    "INET_DIAG_NONE",
    "INET_DIAG_MEMINFO",
    "INET_DIAG_INFO",
    "INET_DIAG_VEGASINFO",
    "INET_DIAG_CONG",
    "INET_DIAG_TOS",
    "INET_DIAG_TCLASS",
    "INET_DIAG_SKMEMINFO",
    "INET_DIAG_SHUTDOWN",
    "INET_DIAG_DCTCPINFO",
    "INET_DIAG_PROTOCOL",
    "INET_DIAG_SKV6ONLY",
    "INET_DIAG_LOCALS",
    "INET_DIAG_PEERS",
    "INET_DIAG_PAD",
    "INET_DIAG_MARK",
    "INET_DIAG_BBRINFO",
    "INET_DIAG_CLASS_ID",
    "INET_DIAG_MD5SIG",
    "INET_DIAG_ULP_INFO",
    "INET_DIAG_SK_BPF_STORAGES",
    "INET_DIAG_CGROUP_ID",
    "INET_DIAG_SOCKOPT",
];

const INET_DIAG_REQ_ATTRS: &Table = &[
    (0, "INET_DIAG_REQ_NONE"),
    (1, "INET_DIAG_REQ_BYTECODE"),
    (2, "INET_DIAG_REQ_SK_BPF_STORAGES"),
    (3, "INET_DIAG_REQ_PROTOCOL"),
];

/// `struct inet_diag_sockid` (48 bytes) of an address family.
fn inet_diag_sockid(family: u8, id: &[u8]) -> Value {
    let port = |i: usize| {
        Value::Call(
            "htons",
            vec![Value::Uint(u64::from(u16::from_be_bytes([
                id[i],
                id[i + 1],
            ])))],
        )
    };
    let addr = |name: &'static str, at: usize| -> (&'static str, Value) {
        if i32::from(family) == libc::AF_INET6 {
            let a: [u8; 16] = id[at..at + 16].try_into().unwrap_or([0; 16]);
            let mut t = String::from("inet_pton(AF_INET6, ");
            super::value::quote(&mut t, sockaddr::ntop6(a).as_bytes(), HexStr::None);
            t.push_str(&format!(", &{name})"));
            ("", Value::Raw(t))
        } else {
            let a = [id[at], id[at + 1], id[at + 2], id[at + 3]];
            (
                name,
                Value::Call(
                    "inet_addr",
                    vec![Value::str(sockaddr::ntop4(a).into_bytes())],
                ),
            )
        }
    };
    Value::fields(vec![
        ("idiag_sport", port(0)),
        ("idiag_dport", port(2)),
        addr("idiag_src", 4),
        addr("idiag_dst", 20),
        ("idiag_if", sockaddr::ifindex(u32_at(id, 36))),
        (
            "idiag_cookie",
            Value::array(vec![
                Value::Uint(u64::from(u32_at(id, 40))),
                Value::Uint(u64::from(u32_at(id, 44))),
            ]),
        ),
    ])
}

/// `struct inet_diag_req_v2` (56 bytes) and its INET_DIAG_REQ_* attributes (as bytes).
fn inet_diag_req_v2(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("sdiag_family", afamily(family))];
    if p.len() < 56 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    let ext: Vec<(u64, &'static str)> = INET_DIAG_EXT_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (1u64 << i, *n))
        .collect();
    let states: Vec<(u64, &'static str)> = TCP_STATE_FLAG_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (1u64 << (i + 1), *n))
        .collect();
    f.push((
        "sdiag_protocol",
        xlat::enumerated(u64::from(p[1]), super::net::INET_PROTOCOLS, "IPPROTO_???"),
    ));
    f.push(("idiag_ext", xlat::flags(u64::from(p[2]), &ext)));
    f.push((
        "idiag_states",
        xlat::flags(u64::from(u32_at(p, 4)), &states),
    ));
    f.push(("id", inet_diag_sockid(family, &p[8..56])));
    let mut out = vec![Value::fields(f)];
    if p.len() > 56 {
        out.push(nlattrs(
            c,
            &p[56..],
            INET_DIAG_REQ_ATTRS,
            "INET_DIAG_REQ_???",
            |_, _, _| None,
        ));
    }
    out
}

const INET_DIAG_EXT_NAMES: &[&str] = &[
    "1<<(INET_DIAG_MEMINFO-1)",
    "1<<(INET_DIAG_INFO-1)",
    "1<<(INET_DIAG_VEGASINFO-1)",
    "1<<(INET_DIAG_CONG-1)",
    "1<<(INET_DIAG_TOS-1)",
    "1<<(INET_DIAG_TCLASS-1)",
    "1<<(INET_DIAG_SKMEMINFO-1)",
    "1<<(INET_DIAG_SHUTDOWN-1)",
];

const TCP_STATE_FLAG_NAMES: &[&str] = &[
    "1<<TCP_ESTABLISHED",
    "1<<TCP_SYN_SENT",
    "1<<TCP_SYN_RECV",
    "1<<TCP_FIN_WAIT1",
    "1<<TCP_FIN_WAIT2",
    "1<<TCP_TIME_WAIT",
    "1<<TCP_CLOSE",
    "1<<TCP_CLOSE_WAIT",
    "1<<TCP_LAST_ACK",
    "1<<TCP_LISTEN",
    "1<<TCP_CLOSING",
    "1<<TCP_NEW_SYN_RECV",
];

/// `struct inet_diag_msg` (72 bytes) and its INET_DIAG_* attributes.
fn inet_diag_msg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("idiag_family", afamily(family))];
    if p.len() < 72 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    let u = |i: usize| Value::Uint(u64::from(u32_at(p, i)));
    f.push((
        "idiag_state",
        xlat::enumerated(u64::from(p[1]), TCP_STATES, "TCP_???"),
    ));
    f.push(("idiag_timer", Value::Uint(u64::from(p[2]))));
    f.push(("idiag_retrans", Value::Uint(u64::from(p[3]))));
    f.push(("id", inet_diag_sockid(family, &p[4..52])));
    f.push(("idiag_expires", u(52)));
    f.push(("idiag_rqueue", u(56)));
    f.push(("idiag_wqueue", u(60)));
    f.push(("idiag_uid", u(64)));
    f.push(("idiag_inode", u(68)));
    let mut out = vec![Value::fields(f)];
    if p.len() > 72 {
        let table: Vec<(u64, &'static str)> = INET_DIAG_ATTRS
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64, *n))
            .collect();
        out.push(nlattrs(
            c,
            &p[72..],
            &table,
            "INET_DIAG_???",
            |c, t, d| match t {
                1 if d.len() >= 16 => {
                    let at = |i: usize| Value::Uint(u64::from(u32_at(d, i * 4)));
                    Some(Value::fields(vec![
                        ("idiag_rmem", at(0)),
                        ("idiag_wmem", at(1)),
                        ("idiag_fmem", at(2)),
                        ("idiag_tmem", at(3)),
                    ]))
                }
                4 => Some(nla_str(c, d)),
                5 | 6 | 11 => nla_u8(d),
                8 => d.first().map(|&b| shutdown(b)),
                10 => d.first().map(|&b| {
                    xlat::enumerated(u64::from(b), super::net::INET_PROTOCOLS, "IPPROTO_???")
                }),
                7 => meminfo(c, d),
                15 | 17 => nla_u32(d),
                21 => (d.len() >= 8).then(|| Value::Uint(u64_at(d, 0))),
                22 => sockopt(c, d),
                _ => None,
            },
        ));
    }
    out
}

const SK_MEMINFO: &[&str] = &[
    "SK_MEMINFO_RMEM_ALLOC",
    "SK_MEMINFO_RCVBUF",
    "SK_MEMINFO_WMEM_ALLOC",
    "SK_MEMINFO_SNDBUF",
    "SK_MEMINFO_FWD_ALLOC",
    "SK_MEMINFO_WMEM_QUEUED",
    "SK_MEMINFO_OPTMEM",
    "SK_MEMINFO_BACKLOG",
    "SK_MEMINFO_DROPS",
];

/// decode_nla_meminfo: `[[SK_MEMINFO_RMEM_ALLOC]=0, ...]`, cut at -s unless -v.
fn meminfo(c: &Ctx<'_>, d: &[u8]) -> Option<Value> {
    let n = d.len() / 4;
    if n == 0 {
        return None;
    }
    let shown = if c.opts.verbose {
        n
    } else {
        n.min(c.opts.string_limit)
    };
    let items = (0..shown)
        .map(|i| {
            let idx = match SK_MEMINFO.get(i) {
                Some(name) => (*name).to_string(),
                None => format!("{i} /* SK_MEMINFO_??? */"),
            };
            Value::Raw(format!("[{idx}]={}", u32_at(d, i * 4)))
        })
        .collect();
    Some(Value::Array {
        items,
        more: shown < n,
    })
}

const UNIX_DIAG_SHOW: &Table = &[
    (0x01, "UDIAG_SHOW_NAME"),
    (0x02, "UDIAG_SHOW_VFS"),
    (0x04, "UDIAG_SHOW_PEER"),
    (0x08, "UDIAG_SHOW_ICONS"),
    (0x10, "UDIAG_SHOW_RQLEN"),
    (0x20, "UDIAG_SHOW_MEMINFO"),
    (0x40, "UDIAG_SHOW_UID"),
];
const UNIX_DIAG_ATTRS: &Table = &[
    (0, "UNIX_DIAG_NAME"),
    (1, "UNIX_DIAG_VFS"),
    (2, "UNIX_DIAG_PEER"),
    (3, "UNIX_DIAG_ICONS"),
    (4, "UNIX_DIAG_RQLEN"),
    (5, "UNIX_DIAG_MEMINFO"),
    (6, "UNIX_DIAG_SHUTDOWN"),
    (7, "UNIX_DIAG_UID"),
];

fn cookie(b: &[u8], at: usize) -> Value {
    Value::array(vec![
        Value::Uint(u64::from(u32_at(b, at))),
        Value::Uint(u64::from(u32_at(b, at + 4))),
    ])
}

/// `struct unix_diag_req` (24 bytes).
fn unix_diag_req(family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("sdiag_family", afamily(family))];
    if p.len() < 24 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    let states: Vec<(u64, &'static str)> = TCP_STATE_FLAG_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (1u64 << (i + 1), *n))
        .collect();
    f.push(("sdiag_protocol", Value::Uint(u64::from(p[1]))));
    f.push((
        "udiag_states",
        xlat::flags(u64::from(u32_at(p, 4)), &states),
    ));
    f.push(("udiag_ino", Value::Uint(u64::from(u32_at(p, 8)))));
    f.push((
        "udiag_show",
        xlat::flags(u64::from(u32_at(p, 12)), UNIX_DIAG_SHOW),
    ));
    f.push(("udiag_cookie", cookie(p, 16)));
    vec![Value::fields(f)]
}

/// `struct unix_diag_msg` (16 bytes) and its UNIX_DIAG_* attributes.
fn unix_diag_msg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("udiag_family", afamily(family))];
    if p.len() < 16 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    f.push((
        "udiag_type",
        xlat::enumerated(u64::from(p[1]), super::net::SOCKTYPES, "SOCK_???"),
    ));
    f.push((
        "udiag_state",
        xlat::enumerated(u64::from(p[2]), TCP_STATES, "TCP_???"),
    ));
    f.push(("udiag_ino", Value::Uint(u64::from(u32_at(p, 4)))));
    f.push(("udiag_cookie", cookie(p, 8)));
    let mut out = vec![Value::fields(f)];
    if p.len() > 16 {
        out.push(nlattrs(
            c,
            &p[16..],
            UNIX_DIAG_ATTRS,
            "UNIX_DIAG_???",
            |c, t, d| match t {
                0 => Some(nla_str(c, d)),
                1 if d.len() >= 8 => {
                    let dev = u64::from(u32_at(d, 0));
                    Some(Value::fields(vec![
                        (
                            "udiag_vfs_dev",
                            Value::Call(
                                "makedev",
                                vec![
                                    Value::Hex(u64::from(libc::major(dev))),
                                    Value::Hex(u64::from(libc::minor(dev))),
                                ],
                            ),
                        ),
                        ("udiag_vfs_ino", Value::Uint(u64::from(u32_at(d, 4)))),
                    ]))
                }
                2 => nla_u32(d),
                3 if d.len() >= 4 => {
                    let n = d.len() / 4;
                    let shown = if c.opts.verbose {
                        n
                    } else {
                        n.min(c.opts.string_limit)
                    };
                    Some(Value::Array {
                        items: (0..shown)
                            .map(|i| Value::Uint(u64::from(u32_at(d, i * 4))))
                            .collect(),
                        more: shown < n,
                    })
                }
                4 if d.len() >= 8 => Some(Value::fields(vec![
                    ("udiag_rqueue", Value::Uint(u64::from(u32_at(d, 0)))),
                    ("udiag_wqueue", Value::Uint(u64::from(u32_at(d, 4)))),
                ])),
                5 => meminfo(c, d),
                6 => nla_u8(d),
                7 if d.len() >= 4 => Some(match u32_at(d, 0) {
                    u32::MAX => Value::Int(-1),
                    uid => Value::Uint(u64::from(uid)),
                }),
                _ => None,
            },
        ));
    }
    out
}

const NETLINK_DIAG_SHOW: &Table = &[
    (0x1, "NDIAG_SHOW_MEMINFO"),
    (0x2, "NDIAG_SHOW_GROUPS"),
    (0x4, "NDIAG_SHOW_RING_CFG"),
    (0x8, "NDIAG_SHOW_FLAGS"),
];
const NETLINK_DIAG_ATTRS: &Table = &[
    (0, "NETLINK_DIAG_MEMINFO"),
    (1, "NETLINK_DIAG_GROUPS"),
    (2, "NETLINK_DIAG_RX_RING"),
    (3, "NETLINK_DIAG_TX_RING"),
    (4, "NETLINK_DIAG_FLAGS"),
];
const NETLINK_SOCKET_FLAGS: &Table = &[
    (0x01, "NDIAG_FLAG_CB_RUNNING"),
    (0x02, "NDIAG_FLAG_PKTINFO"),
    (0x04, "NDIAG_FLAG_BROADCAST_ERROR"),
    (0x08, "NDIAG_FLAG_NO_ENOBUFS"),
    (0x10, "NDIAG_FLAG_LISTEN_ALL_NSID"),
    (0x20, "NDIAG_FLAG_CAP_ACK"),
];
const NETLINK_STATES: &Table = &[
    (0, "NETLINK_UNCONNECTED"),
    (1, "NETLINK_CONNECTED"),
    (7, "TCP_CLOSE"),
];

/// `struct netlink_diag_req` (20 bytes).
fn netlink_diag_req(family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("sdiag_family", afamily(family))];
    if p.len() < 20 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    f.push((
        "sdiag_protocol",
        if p[1] == 255 {
            Value::sym("NDIAG_PROTO_ALL")
        } else {
            xlat::enumerated(
                u64::from(p[1]),
                super::net::NETLINK_PROTOCOLS,
                "NETLINK_???",
            )
        },
    ));
    f.push(("ndiag_ino", Value::Uint(u64::from(u32_at(p, 4)))));
    f.push((
        "ndiag_show",
        xlat::flags(u64::from(u32_at(p, 8)), NETLINK_DIAG_SHOW),
    ));
    f.push(("ndiag_cookie", cookie(p, 12)));
    vec![Value::fields(f)]
}

/// `struct netlink_diag_msg` (28 bytes) and its NETLINK_DIAG_* attributes.
fn netlink_diag_msg(c: &mut Ctx<'_>, family: u8, p: &[u8]) -> Vec<Value> {
    let mut f = vec![("ndiag_family", afamily(family))];
    if p.len() < 28 {
        return vec![Value::Struct {
            fields: f,
            more: true,
        }];
    }
    let u = |i: usize| Value::Uint(u64::from(u32_at(p, i)));
    f.push((
        "ndiag_type",
        xlat::enumerated(u64::from(p[1]), super::net::SOCKTYPES, "SOCK_???"),
    ));
    f.push((
        "ndiag_protocol",
        xlat::enumerated(
            u64::from(p[2]),
            super::net::NETLINK_PROTOCOLS,
            "NETLINK_???",
        ),
    ));
    f.push((
        "ndiag_state",
        xlat::enumerated(u64::from(p[3]), NETLINK_STATES, "NETLINK_???"),
    ));
    f.push(("ndiag_portid", u(4)));
    f.push(("ndiag_dst_portid", u(8)));
    f.push(("ndiag_dst_group", u(12)));
    f.push(("ndiag_ino", u(16)));
    f.push(("ndiag_cookie", cookie(p, 20)));
    let mut out = vec![Value::fields(f)];
    if p.len() > 28 {
        out.push(nlattrs(
            c,
            &p[28..],
            NETLINK_DIAG_ATTRS,
            "NETLINK_DIAG_???",
            |c, t, d| match t {
                0 => meminfo(c, d),
                1 if d.len() >= 8 => {
                    let n = d.len() / 8;
                    let shown = if c.opts.verbose {
                        n
                    } else {
                        n.min(c.opts.string_limit)
                    };
                    Some(Value::Array {
                        items: (0..shown)
                            .map(|i| match u64_at(d, i * 8) {
                                // `%#016llx`: C prints no 0x for 0.
                                0 => Value::Raw("0".repeat(16)),
                                v => Value::Raw(format!("{v:#016x}")),
                            })
                            .collect(),
                        more: shown < n,
                    })
                }
                2 | 3 if d.len() >= 16 => {
                    let at = |i: usize| Value::Uint(u64::from(u32_at(d, i * 4)));
                    Some(Value::fields(vec![
                        ("ndr_block_size", at(0)),
                        ("ndr_block_nr", at(1)),
                        ("ndr_frame_size", at(2)),
                        ("ndr_frame_nr", at(3)),
                    ]))
                }
                4 if d.len() >= 4 => {
                    Some(xlat::flags(u64::from(u32_at(d, 0)), NETLINK_SOCKET_FLAGS))
                }
                _ => None,
            },
        ));
    }
    out
}

/// decode_diag_shutdown: `0`, else the bits in hex with their names in a comment (the
/// names are not UAPI, so strace never prints them alone).
fn shutdown(b: u8) -> Value {
    if b == 0 {
        return Value::Uint(0);
    }
    let names = xlat::flag_names(u64::from(b), &[(1, "RCV_SHUTDOWN"), (2, "SEND_SHUTDOWN")]);
    Value::Comment(Box::new(Value::Hex(u64::from(b))), names.join("|"))
}

/// decode_diag_sockopt: the bits of `struct inet_diag_sockopt`, only those set unless -v.
fn sockopt(c: &Ctx<'_>, d: &[u8]) -> Option<Value> {
    if d.len() < 2 {
        return None;
    }
    const BITS: &[&str] = &[
        "recverr",
        "is_icsk",
        "freebind",
        "hdrincl",
        "mc_loop",
        "transparent",
        "mc_all",
        "nodefrag",
        "bind_address_no_port",
        "recverr_rfc4884",
        "defer_connect",
    ];
    let v = u16::from(d[0]) | (u16::from(d[1]) << 8);
    let mut f = Vec::new();
    for (i, name) in BITS.iter().enumerate() {
        let bit = (v >> i) & 1;
        if c.opts.verbose || bit != 0 {
            f.push((*name, Value::Uint(u64::from(bit))));
        }
    }
    let unused = d[1] >> 3;
    if c.opts.verbose || unused != 0 {
        f.push((
            "unused",
            Value::Comment(Box::new(Value::Hex(u64::from(unused))), "bits 3..8".into()),
        ));
    }
    if d[2..].iter().any(|&b| b != 0) {
        return Some(Value::array(vec![Value::fields(f), hex_bytes(c, &d[2..])]));
    }
    Some(Value::fields(f))
}

// --- Attributes (nlattr.c). ---

/// strace's decode_nlattr: `[{nla_len=8, nla_type=IFLA_MTU}, 65536]` for one attribute, an
/// array of them for several (cut at -s unless -v). `data` decodes an attribute's payload by
/// its type (None: the bytes in hex).
fn nlattrs(
    c: &mut Ctx<'_>,
    b: &[u8],
    table: &Table,
    unknown: &str,
    mut data: impl FnMut(&mut Ctx<'_>, u16, &[u8]) -> Option<Value>,
) -> Value {
    let mut items = Vec::new();
    let mut off = 0usize;
    let mut more = false;
    loop {
        let left = b.len() - off;
        if left < NLA_HDRLEN {
            items.push(hex_bytes(c, &b[off..]));
            break;
        }
        if !c.opts.verbose && items.len() == c.opts.string_limit {
            more = true;
            break;
        }
        let a = &b[off..];
        let nla_len = u16_at(a, 0) as usize;
        let nla_type = u16_at(a, 2);
        let mut tname = Vec::new();
        if nla_type & 0x8000 != 0 {
            tname.push(Value::sym("NLA_F_NESTED"));
        }
        if nla_type & 0x4000 != 0 {
            tname.push(Value::sym("NLA_F_NET_BYTEORDER"));
        }
        let t = nla_type & 0x3fff;
        tname.push(xlat::enumerated(u64::from(t), table, unknown));
        let tv = if tname.len() == 1 {
            tname.pop().unwrap_or(Value::Uint(0))
        } else {
            Value::Or(tname)
        };
        let hdr = Value::fields(vec![
            ("nla_len", Value::Uint(nla_len as u64)),
            ("nla_type", tv),
        ]);
        let shown = nla_len.min(left);
        let item = if shown > NLA_HDRLEN {
            let d = &a[NLA_HDRLEN..shown];
            let v = match data(c, t, d) {
                Some(v) => v,
                None => hex_bytes(c, d),
            };
            Value::array(vec![hdr, v])
        } else {
            hdr
        };
        items.push(item);
        let aligned = (nla_len + 3) & !3;
        if nla_len < NLA_HDRLEN || aligned >= left {
            break;
        }
        off += aligned;
    }
    if items.len() == 1 && !more {
        return items.pop().unwrap_or(Value::array(vec![]));
    }
    Value::Array { items, more }
}

/// decode_nla_str: the string without its trailing NUL, cut at -s; one with no trailing NUL
/// ends with `...` (strace's QUOTE_EXPECT_TRAILING_0).
fn nla_str(c: &mut Ctx<'_>, d: &[u8]) -> Value {
    let (d, unterminated) = match d.strip_suffix(&[0]) {
        Some(s) => (s, false),
        None => (d, true),
    };
    let limit = c.opts.string_limit;
    Value::Str {
        bytes: d[..d.len().min(limit)].to_vec(),
        more: d.len() > limit || unterminated,
    }
}

fn nla_u32(d: &[u8]) -> Option<Value> {
    (d.len() >= 4).then(|| Value::Uint(u64::from(u32_at(d, 0))))
}

fn nla_s32(d: &[u8]) -> Option<Value> {
    (d.len() >= 4).then(|| Value::Int(i64::from(u32_at(d, 0) as i32)))
}

fn nla_u8(d: &[u8]) -> Option<Value> {
    d.first().map(|&b| Value::Uint(u64::from(b)))
}

/// print_hwaddr: `00:11:22:33:44:55`; longer than MAX_ADDR_LEN (32): None.
fn hwaddr(d: &[u8]) -> Value {
    if d.len() > 32 {
        let mut s = String::new();
        super::value::quote(&mut s, d, HexStr::All);
        return Value::Raw(s);
    }
    Value::Raw(
        d.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

// --- Bytes. ---

/// printstr_ex(..., QUOTE_FORCE_HEX) of bytes already read: all `\xHH`, cut at -s.
fn hex_bytes(c: &Ctx<'_>, b: &[u8]) -> Value {
    let limit = c.opts.string_limit;
    let mut s = String::new();
    super::value::quote(&mut s, &b[..b.len().min(limit)], HexStr::All);
    if b.len() > limit {
        s.push_str("...");
    }
    Value::Raw(s)
}

/// printstr_ex(..., QUOTE_FORCE_HEX) of `len` bytes at `addr`.
fn force_hex_at(c: &mut Ctx<'_>, addr: u64, len: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    match c.read(addr, len as usize) {
        Some(b) => hex_bytes(c, &b),
        None => Value::Ptr(addr),
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    b.get(i..i + 2)
        .map_or(0, |s| u16::from_ne_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4)
        .map_or(0, |s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_ne_bytes)
}

#[cfg(test)]
mod tests {
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{FdDecode, FdNames, FdTarget, Opts, Ret};

    /// Fd 3 is a NETLINK_ROUTE socket, fd 5 a NETLINK_SOCK_DIAG one, the others are not
    /// netlink sockets.
    struct RouteFd;

    impl FdNames for RouteFd {
        fn target(&mut self, _tid: i32, _fd: i64, _mode: FdDecode) -> Option<FdTarget> {
            None
        }
        fn netlink_family(&mut self, _tid: i32, fd: i64) -> Option<i64> {
            match fd {
                3 => Some(0),
                5 => Some(4),
                _ => None,
            }
        }
    }

    fn ok(v: i64) -> Option<Ret> {
        Some(Ret {
            val: v,
            is_error: false,
        })
    }

    fn hdr(len: u32, kind: u16, flags: u16, seq: u32, pid: u32) -> Vec<u8> {
        let mut m = len.to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&pid.to_ne_bytes());
        m
    }

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut a = ((4 + data.len()) as u16).to_ne_bytes().to_vec();
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(data);
        while !a.len().is_multiple_of(4) {
            a.push(0);
        }
        a
    }

    /// `ip link show lo`'s request: RTM_GETLINK, an ifinfomsg, IFLA_EXT_MASK and IFLA_IFNAME.
    fn getlink() -> Vec<u8> {
        let mut m = hdr(48, 18, 1, 5, 0);
        m.extend_from_slice(&[0; 16]);
        m.extend(attr(29, &9u32.to_ne_bytes()));
        m.extend(attr(3, b"lo\0"));
        m
    }

    #[test]
    fn a_request_with_attributes() {
        let mut m = FakeMem::default();
        m.put(0x1000, &getlink());
        let o = Opts::default();
        assert_eq!(
            line(
                "sendto",
                [3, 0x1000, 48, 0, 0, 0],
                ok(48),
                &o,
                &mut m,
                &mut RouteFd
            ),
            "sendto(3, [{nlmsg_len=48, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST, \
             nlmsg_seq=5, nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, \
             ifi_index=0, ifi_flags=0, ifi_change=0}, [[{nla_len=8, nla_type=IFLA_EXT_MASK}, \
             RTEXT_FILTER_VF|RTEXT_FILTER_SKIP_STATS], [{nla_len=7, nla_type=IFLA_IFNAME}, \
             \"lo\"]]], 48, 0, NULL, 0) = 48"
        );
        // Not a netlink socket: the bytes.
        assert!(line(
            "sendto",
            [4, 0x1000, 4, 0, 0, 0],
            ok(4),
            &o,
            &mut m,
            &mut RouteFd
        )
        .starts_with("sendto(4, \"0\\0\\0\\0\", 4, "));
    }

    #[test]
    fn an_error_with_the_message_it_answers_then_done() {
        let mut req = hdr(32, 16, 5, 0, 0);
        req.extend_from_slice(&[0; 16]);
        let mut m = hdr(52, 2, 0, 0, 77);
        m.extend_from_slice(&(-19i32).to_ne_bytes());
        m.extend(req);
        let mut done = hdr(20, 3, 2, 1, 77);
        done.extend_from_slice(&0i32.to_ne_bytes());
        let mut buf = m.clone();
        buf.extend(&done);
        let mut mem = FakeMem::default();
        mem.put(0x2000, &buf);
        let o = Opts::default();
        assert_eq!(
            line(
                "recvfrom",
                [3, 0x2000, 4096, 0, 0, 0],
                ok(72),
                &o,
                &mut mem,
                &mut RouteFd
            ),
            "recvfrom(3, [[{nlmsg_len=52, nlmsg_type=NLMSG_ERROR, nlmsg_flags=0, nlmsg_seq=0, \
             nlmsg_pid=77}, {error=-ENODEV, msg=[{nlmsg_len=32, nlmsg_type=RTM_NEWLINK, \
             nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=0, nlmsg_pid=0}, \
             {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=0, ifi_flags=0, \
             ifi_change=0}]}], [{nlmsg_len=20, nlmsg_type=NLMSG_DONE, nlmsg_flags=NLM_F_MULTI, \
             nlmsg_seq=1, nlmsg_pid=77}, 0]], 4096, 0, NULL, NULL) = 72"
        );
        // A buffer shorter than a header is its bytes; cut messages never panic.
        assert_eq!(
            line(
                "recvfrom",
                [3, 0x2000, 4096, 0, 0, 0],
                ok(3),
                &o,
                &mut mem,
                &mut RouteFd
            ),
            "recvfrom(3, \"\\x34\\x00\\x00\", 4096, 0, NULL, NULL) = 3"
        );
        for n in 0..buf.len() as i64 {
            let _ = line(
                "recvfrom",
                [3, 0x2000, 4096, 0, 0, 0],
                ok(n),
                &o,
                &mut mem,
                &mut RouteFd,
            );
        }
    }

    #[test]
    fn attributes_cut_at_the_string_limit_unless_verbose() {
        let mut m = hdr(0, 16, 2, 1, 0);
        m.extend_from_slice(&[0; 16]);
        for _ in 0..4 {
            m.extend(attr(4, &1500u32.to_ne_bytes()));
        }
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        let mut mem = FakeMem::default();
        mem.put(0x3000, &m);
        let args = [3, 0x3000, len as u64, 0, 0, 0];
        let o = Opts {
            string_limit: 2,
            ..Opts::default()
        };
        let cut = line("sendto", args, ok(len as i64), &o, &mut mem, &mut RouteFd);
        assert!(
            cut.contains("[[{nla_len=8, nla_type=IFLA_MTU}, 1500], [{nla_len=8, nla_type=IFLA_MTU}, 1500], ...]]"),
            "{cut}"
        );
        let o = Opts {
            string_limit: 2,
            verbose: true,
            ..Opts::default()
        };
        let all = line("sendto", args, ok(len as i64), &o, &mut mem, &mut RouteFd);
        assert_eq!(all.matches("IFLA_MTU}, 1500]").count(), 4, "{all}");
    }

    /// ss -tln's request and an answer (the bytes strace 6.1 printed these lines from).
    #[test]
    fn inet_sock_diag_request_and_answer() {
        let mut req = hdr(72, 20, 0x301, 123456, 0);
        req.extend_from_slice(&[2, 6, 0, 0]);
        req.extend_from_slice(&((1u32 << 7) | (1 << 10)).to_ne_bytes());
        req.extend_from_slice(&[0; 48]);
        let mut msg = vec![2, 10, 0, 0];
        msg.extend_from_slice(&2024u16.to_be_bytes());
        msg.extend_from_slice(&[0; 2 + 16 + 16 + 4]);
        msg.extend_from_slice(&341u32.to_ne_bytes());
        msg.extend_from_slice(&[0; 4 + 4 + 4]);
        msg.extend_from_slice(&128u32.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(&640u32.to_ne_bytes());
        msg.extend(attr(8, &[0]));
        msg.extend(attr(15, &0u32.to_ne_bytes()));
        msg.extend(attr(21, &1u64.to_ne_bytes()));
        msg.extend(attr(22, &[0x52, 0]));
        let mut answer = hdr(16 + msg.len() as u32, 20, 2, 123456, 9528);
        answer.extend(msg);
        let mut m = FakeMem::default();
        m.put(0x1000, &req).put(0x2000, &answer);
        let o = Opts::default();
        assert_eq!(
            line(
                "sendto",
                [5, 0x1000, 72, 0, 0, 0],
                ok(72),
                &o,
                &mut m,
                &mut RouteFd
            ),
            "sendto(5, [{nlmsg_len=72, nlmsg_type=SOCK_DIAG_BY_FAMILY, \
             nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=123456, nlmsg_pid=0}, \
             {sdiag_family=AF_INET, sdiag_protocol=IPPROTO_TCP, idiag_ext=0, \
             idiag_states=1<<TCP_CLOSE|1<<TCP_LISTEN, id={idiag_sport=htons(0), \
             idiag_dport=htons(0), idiag_src=inet_addr(\"0.0.0.0\"), \
             idiag_dst=inet_addr(\"0.0.0.0\"), idiag_if=0, idiag_cookie=[0, 0]}}], 72, 0, \
             NULL, 0) = 72"
        );
        let n = answer.len() as i64;
        assert_eq!(
            line(
                "recvfrom",
                [5, 0x2000, 4096, 0, 0, 0],
                ok(n),
                &o,
                &mut m,
                &mut RouteFd
            ),
            "recvfrom(5, [{nlmsg_len=124, nlmsg_type=SOCK_DIAG_BY_FAMILY, \
             nlmsg_flags=NLM_F_MULTI, nlmsg_seq=123456, nlmsg_pid=9528}, \
             {idiag_family=AF_INET, idiag_state=TCP_LISTEN, idiag_timer=0, idiag_retrans=0, \
             id={idiag_sport=htons(2024), idiag_dport=htons(0), \
             idiag_src=inet_addr(\"0.0.0.0\"), idiag_dst=inet_addr(\"0.0.0.0\"), \
             idiag_if=0, idiag_cookie=[341, 0]}, idiag_expires=0, idiag_rqueue=0, \
             idiag_wqueue=128, idiag_uid=0, idiag_inode=640}, [[{nla_len=5, \
             nla_type=INET_DIAG_SHUTDOWN}, 0], [{nla_len=8, nla_type=INET_DIAG_MARK}, 0], \
             [{nla_len=12, nla_type=INET_DIAG_CGROUP_ID}, 1], [{nla_len=6, \
             nla_type=INET_DIAG_SOCKOPT}, {is_icsk=1, mc_loop=1, mc_all=1}]]], 4096, 0, NULL, \
             NULL) = 124"
        );
    }
}
