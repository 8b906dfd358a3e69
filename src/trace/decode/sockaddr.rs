//! Socket addresses as strace 6.1 prints them (its `sockaddr.c`): `{sa_family=AF_INET,
//! sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}`, AF_INET6 with `inet_pton`, AF_UNIX
//! paths and abstract `@"names"`, AF_NETLINK, and other families as their raw `sa_data`.
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
        } else {
            fields.push(("sa_data", Value::str(&buf[2..addrlen])));
        }
    }
    Value::fields(fields)
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
fn ifindex(idx: u32) -> Value {
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
