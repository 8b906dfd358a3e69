//! Socket addresses as strace 6.1 prints them (its `sockaddr.c`): `{sa_family=AF_INET,
//! sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}`, AF_INET6 with `inet_pton`, AF_UNIX
//! paths and abstract `@"names"`, AF_NETLINK, AF_PACKET (`sockaddr_ll`), and other families as
//! their raw `sa_data`.
//! Also the address text strace prints for `-yy` endpoints (glibc's `inet_ntop`).
#![forbid(unsafe_code)]

use std::fmt::Write as _;

use super::value::quote;
use super::xlat::{self, Table};
use super::{Ctx, Value};

/// `sizeof(struct sockaddr_storage)`: the most bytes of an address strace reads.
const SOCKADDR_STORAGE: usize = 128;

/// `sizeof(struct sockaddr_un)`.
const SOCKADDR_UN: usize = 110;

/// `offsetof(struct sockaddr_in6, sin6_scope_id)`: the shortest AF_INET6 address decoded.
const SIN6_MIN_LEN: usize = 24;

/// Address families (strace's `addrfams`, one name a value).
pub const ADDRFAMS: &Table = crate::xlat![
    AF_UNSPEC,
    AF_UNIX,
    AF_INET,
    AF_AX25,
    AF_IPX,
    AF_APPLETALK,
    AF_NETROM,
    AF_BRIDGE,
    AF_ATMPVC,
    AF_X25,
    AF_INET6,
    AF_ROSE,
    AF_DECnet,
    AF_NETBEUI,
    AF_SECURITY,
    AF_KEY,
    AF_NETLINK,
    AF_PACKET,
    AF_ASH,
    AF_ECONET,
    AF_ATMSVC,
    AF_RDS,
    AF_SNA,
    AF_IRDA,
    AF_PPPOX,
    AF_WANPIPE,
    AF_LLC,
    AF_IB,
    AF_MPLS,
    AF_CAN,
    AF_TIPC,
    AF_BLUETOOTH,
    AF_IUCV,
    AF_RXRPC,
    AF_ISDN,
    AF_PHONET,
    AF_IEEE802154,
    AF_CAIF,
    AF_ALG,
    AF_NFC,
    AF_VSOCK,
    AF_XDP,
];

/// The families libc lacks (include/linux/socket.h).
const ADDRFAMS_EXTRA: &Table = crate::xlat![
    (41, "AF_KCM"),
    (42, "AF_QIPCRTR"),
    (43, "AF_SMC"),
    (45, "AF_MCTP"),
];

/// Ethernet protocols (strace's `ethernet_protocols`, in its order); the ones libc lacks are
/// from include/uapi/linux/if_ether.h.
pub const ETHERNET_PROTOCOLS: &Table = crate::xlat![
    ETH_P_802_3,
    ETH_P_AX25,
    ETH_P_ALL,
    ETH_P_802_2,
    ETH_P_SNAP,
    ETH_P_DDCMP,
    ETH_P_WAN_PPP,
    ETH_P_PPP_MP,
    ETH_P_LOCALTALK,
    (0x000C, "ETH_P_CAN"),
    ETH_P_CANFD,
    (0x000E, "ETH_P_CANXL"),
    ETH_P_PPPTALK,
    ETH_P_TR_802_2,
    ETH_P_MOBITEX,
    ETH_P_CONTROL,
    ETH_P_IRDA,
    ETH_P_ECONET,
    ETH_P_HDLC,
    ETH_P_ARCNET,
    ETH_P_DSA,
    ETH_P_TRAILER,
    ETH_P_LOOP,
    ETH_P_PHONET,
    ETH_P_IEEE802154,
    ETH_P_CAIF,
    (0x00F8, "ETH_P_XDSA"),
    (0x00F9, "ETH_P_MAP"),
    (0x00FA, "ETH_P_MCTP"),
    ETH_P_PUP,
    ETH_P_PUPAT,
    ETH_P_802_3_MIN,
    ETH_P_IP,
    ETH_P_X25,
    ETH_P_ARP,
    ETH_P_BPQ,
    ETH_P_IEEEPUP,
    ETH_P_IEEEPUPAT,
    (0x22EB, "ETH_P_ERSPAN2"),
    (0x22F0, "ETH_P_TSN"),
    ETH_P_BATMAN,
    ETH_P_DEC,
    ETH_P_DNA_DL,
    ETH_P_DNA_RC,
    ETH_P_DNA_RT,
    ETH_P_LAT,
    ETH_P_DIAG,
    ETH_P_CUST,
    ETH_P_SCA,
    ETH_P_TEB,
    ETH_P_RARP,
    ETH_P_ATALK,
    ETH_P_AARP,
    ETH_P_8021Q,
    ETH_P_IPX,
    ETH_P_IPV6,
    ETH_P_PAUSE,
    ETH_P_SLOW,
    ETH_P_WCCP,
    ETH_P_MPLS_UC,
    ETH_P_MPLS_MC,
    ETH_P_ATMMPOA,
    ETH_P_PPP_DISC,
    ETH_P_PPP_SES,
    ETH_P_LINK_CTL,
    ETH_P_ATMFATE,
    ETH_P_PAE,
    (0x8899, "ETH_P_REALTEK"),
    ETH_P_AOE,
    ETH_P_8021AD,
    ETH_P_802_EX1,
    (0x88BE, "ETH_P_ERSPAN"),
    (0x88C7, "ETH_P_PREAUTH"),
    ETH_P_TIPC,
    ETH_P_LLDP,
    (0x88E3, "ETH_P_MRP"),
    ETH_P_MACSEC,
    ETH_P_8021AH,
    ETH_P_MVRP,
    ETH_P_1588,
    (0x88F8, "ETH_P_NCSI"),
    ETH_P_PRP,
    (0x8902, "ETH_P_CFM"),
    ETH_P_FCOE,
    ETH_P_TDLS,
    ETH_P_FIP,
    (0x8915, "ETH_P_IBOE"),
    ETH_P_80221,
    (0x892F, "ETH_P_HSR"),
    (0x894F, "ETH_P_NSH"),
    ETH_P_LOOPBACK,
    ETH_P_QINQ1,
    ETH_P_QINQ2,
    ETH_P_QINQ3,
    ETH_P_EDSA,
    (0xDADB, "ETH_P_DSA_8021Q"),
    (0xE001, "ETH_P_DSA_A5PSW"),
    (0xED3E, "ETH_P_IFE"),
    ETH_P_AF_IUCV,
];

/// ARP hardware types (strace's `arp_hardware_types`); the ones libc lacks are from
/// include/uapi/linux/if_arp.h.
pub(super) const ARP_HARDWARE_TYPES: &Table = crate::xlat![
    ARPHRD_NETROM,
    ARPHRD_ETHER,
    ARPHRD_EETHER,
    ARPHRD_AX25,
    ARPHRD_PRONET,
    ARPHRD_CHAOS,
    ARPHRD_IEEE802,
    ARPHRD_ARCNET,
    ARPHRD_APPLETLK,
    ARPHRD_DLCI,
    ARPHRD_ATM,
    ARPHRD_METRICOM,
    ARPHRD_IEEE1394,
    ARPHRD_EUI64,
    ARPHRD_INFINIBAND,
    ARPHRD_SLIP,
    ARPHRD_CSLIP,
    ARPHRD_SLIP6,
    ARPHRD_CSLIP6,
    ARPHRD_RSRVD,
    ARPHRD_ADAPT,
    ARPHRD_ROSE,
    ARPHRD_X25,
    ARPHRD_HWX25,
    ARPHRD_CAN,
    (290, "ARPHRD_MCTP"),
    ARPHRD_PPP,
    ARPHRD_CISCO,
    ARPHRD_LAPB,
    ARPHRD_DDCMP,
    ARPHRD_RAWHDLC,
    (519, "ARPHRD_RAWIP"),
    ARPHRD_TUNNEL,
    ARPHRD_TUNNEL6,
    ARPHRD_FRAD,
    ARPHRD_SKIP,
    ARPHRD_LOOPBACK,
    ARPHRD_LOCALTLK,
    ARPHRD_FDDI,
    ARPHRD_BIF,
    ARPHRD_SIT,
    ARPHRD_IPDDP,
    ARPHRD_IPGRE,
    ARPHRD_PIMREG,
    ARPHRD_HIPPI,
    ARPHRD_ASH,
    ARPHRD_ECONET,
    ARPHRD_IRDA,
    ARPHRD_FCPP,
    ARPHRD_FCAL,
    ARPHRD_FCPL,
    ARPHRD_FCFABRIC,
    ARPHRD_IEEE802_TR,
    ARPHRD_IEEE80211,
    ARPHRD_IEEE80211_PRISM,
    ARPHRD_IEEE80211_RADIOTAP,
    ARPHRD_IEEE802154,
    (805, "ARPHRD_IEEE802154_MONITOR"),
    (820, "ARPHRD_PHONET"),
    (821, "ARPHRD_PHONET_PIPE"),
    (822, "ARPHRD_CAIF"),
    (823, "ARPHRD_IP6GRE"),
    (824, "ARPHRD_NETLINK"),
    (825, "ARPHRD_6LOWPAN"),
    (826, "ARPHRD_VSOCKMON"),
    ARPHRD_NONE,
    ARPHRD_VOID,
];

/// Packet types (include/uapi/linux/if_packet.h, which libc lacks).
const AF_PACKET_TYPES: &Table = crate::xlat![
    (0, "PACKET_HOST"),
    (1, "PACKET_BROADCAST"),
    (2, "PACKET_MULTICAST"),
    (3, "PACKET_OTHERHOST"),
    (4, "PACKET_OUTGOING"),
    (5, "PACKET_LOOPBACK"),
    (6, "PACKET_USER"),
    (7, "PACKET_KERNEL"),
];

/// `sizeof(struct sockaddr_ll)`: the shortest AF_PACKET address decoded.
const SOCKADDR_LL: usize = 20;

/// `offsetof(struct sockaddr_ll, sll_addr)`.
const SLL_ADDR: usize = 12;

/// An address family as an argument or field: `AF_INET`, `0x64 /* AF_??? */`.
pub fn family(v: u64) -> Value {
    match xlat::name(v, ADDRFAMS).or_else(|| xlat::name(v, ADDRFAMS_EXTRA)) {
        Some(n) => Value::sym(n),
        None => Value::Comment(Box::new(Value::Hex(v)), "AF_???".to_string()),
    }
}

/// strace's `decode_sockaddr`: the address of `addrlen` bytes at `addr`, or the address itself
/// when `addrlen < 2` or it cannot be read; with the family read (None when not read).
pub fn decode(c: &mut Ctx<'_>, addr: u64, addrlen: i32) -> (Value, Option<u16>) {
    if addrlen < 2 {
        return (Value::Ptr(addr), None);
    }
    let len = (addrlen as usize).min(SOCKADDR_STORAGE);
    match c.read(addr, len) {
        Some(bytes) => {
            let fam = u16::from_ne_bytes([bytes[0], bytes[1]]);
            (print(&bytes, c.opts.hex), Some(fam))
        }
        None => (Value::Ptr(addr), None),
    }
}

/// strace's `print_sockaddr`: `bytes` is the address as read (its length is `addrlen`).
pub fn print(bytes: &[u8], hex: super::HexStr) -> Value {
    let addrlen = bytes.len();
    // strace zeroes what follows the address in its buffer.
    let mut buf = bytes.to_vec();
    buf.resize(SOCKADDR_STORAGE + 1, 0);
    let u16_at = |i: usize| u16::from_ne_bytes([buf[i], buf[i + 1]]);
    let be16_at = |i: usize| u16::from_be_bytes([buf[i], buf[i + 1]]);
    let u32_at = |i: usize| u32::from_ne_bytes(buf[i..i + 4].try_into().unwrap_or_default());
    let fam = u16_at(0);
    let mut fields = vec![("sa_family", family(fam as u64))];
    if addrlen > 2 {
        let f = fam as i32;
        if f == libc::AF_UNIX && addrlen > 2 {
            let un_len = addrlen.min(SOCKADDR_UN);
            let path_len = un_len - 2;
            let path = &buf[2..2 + path_len];
            if path[0] != 0 {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                fields.push(("sun_path", Value::str(&path[..end])));
            } else {
                let mut s = String::from("@");
                quote(&mut s, &path[1..], hex);
                fields.push(("sun_path", Value::Raw(s)));
            }
        } else if f == libc::AF_INET && addrlen >= 16 {
            fields.push(("sin_port", htons(be16_at(2))));
            let a: [u8; 4] = buf[4..8].try_into().unwrap_or_default();
            fields.push((
                "sin_addr",
                Value::Call("inet_addr", vec![Value::str(ntop4(a))]),
            ));
        } else if f == libc::AF_INET6 && addrlen >= SIN6_MIN_LEN {
            fields.push(("sin6_port", htons(be16_at(2))));
            let flow = u32::from_be_bytes(buf[4..8].try_into().unwrap_or_default());
            fields.push((
                "sin6_flowinfo",
                Value::Call("htonl", vec![Value::Uint(flow as u64)]),
            ));
            let a: [u8; 16] = buf[8..24].try_into().unwrap_or_default();
            fields.push(("", pton6(a, "sin6_addr")));
            if addrlen > SIN6_MIN_LEN {
                let scope = u32_at(24);
                let link_local =
                    (a[0] == 0xfe && a[1] & 0xc0 == 0x80) || (a[0] == 0xff && a[1] & 0xf == 0x2);
                let v = if link_local {
                    ifindex(scope)
                } else {
                    Value::Uint(scope as u64)
                };
                fields.push(("sin6_scope_id", v));
            }
        } else if f == libc::AF_NETLINK && addrlen >= 12 {
            let pad = u16_at(2);
            if pad != 0 {
                fields.push(("nl_pad", Value::Hex(pad as u64)));
            }
            fields.push(("nl_pid", Value::Int(u32_at(4) as i32 as i64)));
            fields.push(("nl_groups", Value::Raw(hex08(u32_at(8)))));
        } else if f == libc::AF_PACKET && addrlen >= SOCKADDR_LL {
            ll(&buf, addrlen, &mut fields);
        } else {
            fields.push(("sa_data", Value::str(&buf[2..addrlen])));
        }
    }
    Value::fields(fields)
}

/// strace's `print_sockaddr_data_ll`: the fields of a `struct sockaddr_ll` after its family,
/// from `buf` (zeroed past the `addrlen` bytes read): `sll_protocol=htons(ETH_P_ALL),
/// sll_ifindex=if_nametoindex("lo"), sll_hatype=ARPHRD_LOOPBACK, sll_pkttype=PACKET_HOST,
/// sll_halen=6, sll_addr=[0x2, 00, ...]`, the hardware address cut (`...`) where the address
/// read ends.
fn ll(buf: &[u8], addrlen: usize, fields: &mut Vec<(&'static str, Value)>) {
    let proto = u16::from_be_bytes([buf[2], buf[3]]) as u64;
    fields.push((
        "sll_protocol",
        Value::Call(
            "htons",
            vec![xlat::enumerated(proto, ETHERNET_PROTOCOLS, "ETH_P_???")],
        ),
    ));
    let idx = u32::from_ne_bytes(buf[4..8].try_into().unwrap_or_default());
    fields.push(("sll_ifindex", ifindex(idx)));
    let hatype = u16::from_ne_bytes([buf[8], buf[9]]) as u64;
    fields.push((
        "sll_hatype",
        xlat::enumerated(hatype, ARP_HARDWARE_TYPES, "ARPHRD_???"),
    ));
    fields.push((
        "sll_pkttype",
        xlat::enumerated(buf[10] as u64, AF_PACKET_TYPES, "PACKET_???"),
    ));
    let halen = buf[11] as usize;
    fields.push(("sll_halen", Value::Uint(halen as u64)));
    if halen != 0 {
        let in_bounds = addrlen - SLL_ADDR;
        let shown = halen.min(in_bounds);
        // C's `%#02x`: `00`, `0x5e`.
        let items = buf[SLL_ADDR..SLL_ADDR + shown]
            .iter()
            .map(|&b| {
                Value::Raw(if b == 0 {
                    "00".into()
                } else {
                    format!("{b:#x}")
                })
            })
            .collect();
        fields.push((
            "sll_addr",
            Value::Array {
                items,
                more: halen > in_bounds,
            },
        ));
    }
}

/// `htons(80)`.
fn htons(port: u16) -> Value {
    Value::Call("htons", vec![Value::Uint(port as u64)])
}

/// `inet_pton(AF_INET6, "::1", &sin6_addr)`.
pub fn pton6(a: [u8; 16], var: &str) -> Value {
    Value::Call(
        "inet_pton",
        vec![
            Value::sym("AF_INET6"),
            Value::str(ntop6(a)),
            Value::Sym(format!("&{var}")),
        ],
    )
}

/// C's `%#08x`: `00000000`, `0x000001`.
pub fn hex08(v: u32) -> String {
    if v == 0 {
        "00000000".to_string()
    } else {
        format!("{v:#08x}")
    }
}

/// strace's `print_ifindex`: `if_nametoindex("lo")` when the tracer knows the interface,
/// else the number.
pub(super) fn ifindex(idx: u32) -> Value {
    if let Some(name) = ifname(idx) {
        return Value::Call("if_nametoindex", vec![Value::str(name)]);
    }
    Value::Uint(idx as u64)
}

/// The name of network interface `idx` in ksec's own namespace (as strace's `if_indextoname`).
fn ifname(idx: u32) -> Option<Vec<u8>> {
    if idx == 0 {
        return None;
    }
    for e in std::fs::read_dir("/sys/class/net").ok()?.flatten() {
        let Ok(s) = std::fs::read_to_string(e.path().join("ifindex")) else {
            continue;
        };
        if s.trim().parse::<u32>().ok() == Some(idx) {
            return Some(e.file_name().into_encoded_bytes());
        }
    }
    None
}

/// glibc's `inet_ntop(AF_INET, ...)`.
pub fn ntop4(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// glibc's `inet_ntop(AF_INET6, ...)`: the longest run of two or more zero words (the first
/// of equal runs) as `::`, and the last 32 bits as a dotted quad for IPv4-compatible
/// (`::1.2.3.4`) and IPv4-mapped (`::ffff:1.2.3.4`) addresses.
pub fn ntop6(a: [u8; 16]) -> String {
    let words: Vec<u16> = a
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let (mut best, mut best_len) = (None, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = Some(start);
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = None;
    }
    let mut s = String::new();
    let mut i = 0;
    while i < 8 {
        if best == Some(i) {
            s.push(':');
            i += best_len;
            if i == 8 {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best == Some(0) && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            let _ = write!(s, "{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
            return s;
        }
        let _ = write!(s, "{:x}", words[i]);
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::decode::HexStr;

    fn text(bytes: &[u8]) -> String {
        print(bytes, HexStr::None).text(HexStr::None)
    }

    fn sa(fam: i32, rest: &[u8]) -> Vec<u8> {
        let mut v = (fam as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(rest);
        v
    }

    #[test]
    fn inet_addresses() {
        let mut b = sa(libc::AF_INET, &[0, 80, 127, 0, 0, 1]);
        b.resize(16, 0);
        assert_eq!(
            text(&b),
            r#"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}"#
        );
        // Too short for a sockaddr_in: raw.
        assert_eq!(
            text(&b[..8]),
            r#"{sa_family=AF_INET, sa_data="\0P\177\0\0\1"}"#
        );
        let mut b = sa(libc::AF_INET6, &[0xc3, 0xeb, 0, 0, 0, 0]);
        b.extend_from_slice(&[0; 15]);
        b.push(1);
        b.extend_from_slice(&[0; 4]);
        assert_eq!(
            text(&b),
            r#"{sa_family=AF_INET6, sin6_port=htons(50155), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}"#
        );
        assert_eq!(
            text(&b[..24]),
            r#"{sa_family=AF_INET6, sin6_port=htons(50155), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr)}"#
        );
    }

    #[test]
    fn unix_netlink_and_unknown_families() {
        let mut b = sa(libc::AF_UNIX, b"/tmp/netx/x.sock\0");
        assert_eq!(
            text(&b),
            r#"{sa_family=AF_UNIX, sun_path="/tmp/netx/x.sock"}"#
        );
        b.truncate(2);
        assert_eq!(text(&b), "{sa_family=AF_UNIX}");
        let b = sa(libc::AF_UNIX, b"\0abstractname");
        assert_eq!(text(&b), r#"{sa_family=AF_UNIX, sun_path=@"abstractname"}"#);
        let mut b = sa(libc::AF_NETLINK, &[0, 0x61]);
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        assert_eq!(
            text(&b),
            "{sa_family=AF_NETLINK, nl_pad=0x6100, nl_pid=0, nl_groups=00000000}"
        );
        let mut b = sa(libc::AF_NETLINK, &[0, 0]);
        b.extend_from_slice(&7697u32.to_ne_bytes());
        b.extend_from_slice(&1u32.to_ne_bytes());
        assert_eq!(
            text(&b),
            "{sa_family=AF_NETLINK, nl_pid=7697, nl_groups=0x000001}"
        );
        assert_eq!(
            text(&sa(100, b"ab")),
            r#"{sa_family=0x64 /* AF_??? */, sa_data="ab"}"#
        );
        assert_eq!(text(&sa(0, b"")), "{sa_family=AF_UNSPEC}");
    }

    #[test]
    fn packet_addresses() {
        let ll = |proto: u16, idx: u32, hatype: u16, pkttype: u8, halen: u8, addr: &[u8]| {
            let mut b = (libc::AF_PACKET as u16).to_ne_bytes().to_vec();
            b.extend_from_slice(&proto.to_be_bytes());
            b.extend_from_slice(&idx.to_ne_bytes());
            b.extend_from_slice(&hatype.to_ne_bytes());
            b.push(pkttype);
            b.push(halen);
            b.extend_from_slice(addr);
            b.resize(20, 0);
            b
        };
        // Interface 0 has no name; hatype 0 is ARPHRD_NETROM.
        assert_eq!(
            text(&ll(3, 0, 0, 0, 0, &[])),
            "{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=0, sll_hatype=ARPHRD_NETROM, sll_pkttype=PACKET_HOST, sll_halen=0}"
        );
        assert_eq!(
            text(&ll(0x0800, 0, 772, 4, 6, &[2, 0, 0x5e, 0x10, 0, 1])),
            "{sa_family=AF_PACKET, sll_protocol=htons(ETH_P_IP), sll_ifindex=0, sll_hatype=ARPHRD_LOOPBACK, sll_pkttype=PACKET_OUTGOING, sll_halen=6, sll_addr=[0x2, 00, 0x5e, 0x10, 00, 0x1]}"
        );
        // A hardware address longer than the 8 bytes read; unknown values.
        assert_eq!(
            text(&ll(0x1234, 0, 0xfff0, 9, 9, &[0xff; 8])),
            "{sa_family=AF_PACKET, sll_protocol=htons(0x1234 /* ETH_P_??? */), sll_ifindex=0, sll_hatype=0xfff0 /* ARPHRD_??? */, sll_pkttype=0x9 /* PACKET_??? */, sll_halen=9, sll_addr=[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...]}"
        );
        // Shorter than a sockaddr_ll: raw.
        assert_eq!(
            text(&ll(3, 0, 0, 0, 0, &[])[..6]),
            r#"{sa_family=AF_PACKET, sa_data="\0\3\0\0"}"#
        );
    }

    #[test]
    fn ntop_as_glibc() {
        let v6 = |s: &str| ntop6(s.parse::<std::net::Ipv6Addr>().unwrap().octets());
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::ffff:127.0.0.1"), "::ffff:127.0.0.1");
        assert_eq!(v6("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(v6("fe80::1:2"), "fe80::1:2");
        assert_eq!(v6("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
        assert_eq!(v6("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(v6("2001:db8::"), "2001:db8::");
        assert_eq!(ntop4([10, 0, 0, 255]), "10.0.0.255");
    }
}
