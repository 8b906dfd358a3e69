//! Parsing the socket tables of a network namespace (/proc/PID/net/{tcp,tcp6,udp,udp6,unix})
//! from bytes, and reading them for one process: /proc/PID/net is the PROCESS's namespace, not
//! the caller's, which is what lets ksec resolve a container's sockets from the host.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Serialize;

use super::bytes::Bytes;
use super::root::ProcRoot;

/// An internet socket (tcp, tcp6, udp, udp6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InetSocket {
    /// `tcp`, `tcp6`, `udp` or `udp6` (the table it came from).
    pub proto: &'static str,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// TCP state name (`LISTEN`, `ESTABLISHED`...); for UDP `ESTABLISHED` (connected) or `CLOSE`.
    pub state: &'static str,
    pub inode: u64,
}

/// A unix-domain socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnixSocket {
    /// `stream`, `dgram` or `seqpacket`.
    pub kind: &'static str,
    /// `LISTEN`, `UNCONNECTED`, `CONNECTING`, `CONNECTED`, `DISCONNECTING`.
    pub state: &'static str,
    /// Bound path; abstract names start with `@`; `None` when unbound.
    pub path: Option<Bytes>,
    pub inode: u64,
}

/// TCP state names by the hex code in /proc/net/tcp (include/net/tcp_states.h).
pub fn tcp_state(code: u8) -> &'static str {
    match code {
        0x01 => "ESTABLISHED",
        0x02 => "SYN_SENT",
        0x03 => "SYN_RECV",
        0x04 => "FIN_WAIT1",
        0x05 => "FIN_WAIT2",
        0x06 => "TIME_WAIT",
        0x07 => "CLOSE",
        0x08 => "CLOSE_WAIT",
        0x09 => "LAST_ACK",
        0x0A => "LISTEN",
        0x0B => "CLOSING",
        0x0C => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    }
}

/// Parses `0100007F:1F90` (IPv4) or a 32-hex-digit IPv6 address with port. The kernel prints
/// each 32-bit word of the network-order address as a host-order number, so the bytes of each
/// word are taken in native order.
pub fn parse_addr(field: &[u8]) -> Option<SocketAddr> {
    let colon = memchr::memchr(b':', field)?;
    let (addr, port) = (&field[..colon], &field[colon + 1..]);
    if port.is_empty() || port.len() > 4 || !port.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let port = u16::from_str_radix(std::str::from_utf8(port).ok()?, 16).ok()?;
    let word = |hex: &[u8]| -> Option<[u8; 4]> {
        let s = std::str::from_utf8(hex).ok()?;
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(u32::from_str_radix(s, 16).ok()?.to_ne_bytes())
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(addr)?)),
        32 => {
            let mut octets = [0u8; 16];
            for (i, chunk) in addr.chunks(8).enumerate() {
                octets[i * 4..i * 4 + 4].copy_from_slice(&word(chunk)?);
            }
            let v6 = Ipv6Addr::from(octets);
            IpAddr::V6(v6)
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Parses a tcp/tcp6/udp/udp6 table; `proto` names the table. Malformed lines are skipped.
pub fn parse_inet_table(proto: &'static str, bytes: &[u8]) -> Vec<InetSocket> {
    let udp = proto.starts_with("udp");
    bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|line| {
            let mut f = line
                .split(|b| b.is_ascii_whitespace())
                .filter(|f| !f.is_empty());
            let _sl = f.next()?;
            let local = parse_addr(f.next()?)?;
            let remote = parse_addr(f.next()?)?;
            let st = u8::from_str_radix(std::str::from_utf8(f.next()?).ok()?, 16).ok()?;
            // tx:rx, tr:when, retrnsmt, uid, timeout, inode
            let inode = std::str::from_utf8(f.nth(5)?).ok()?.parse().ok()?;
            let state = if udp {
                if st == 0x01 {
                    "ESTABLISHED"
                } else {
                    "CLOSE"
                }
            } else {
                tcp_state(st)
            };
            Some(InetSocket {
                proto,
                local,
                remote,
                state,
                inode,
            })
        })
        .collect()
}

/// `__SO_ACCEPTCON` in the Flags column: a listening socket.
const SO_ACCEPTCON: u32 = 1 << 16;

/// Parses /proc/net/unix: `Num RefCount Protocol Flags Type St Inode Path`. The path is the
/// rest of the line after the inode (it may hold spaces).
pub fn parse_unix_table(bytes: &[u8]) -> Vec<UnixSocket> {
    bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|line| {
            let mut rest = line;
            let mut fields: Vec<&[u8]> = Vec::with_capacity(7);
            while fields.len() < 7 {
                let start = rest.iter().position(|b| *b != b' ')?;
                rest = &rest[start..];
                let end = rest.iter().position(|b| *b == b' ').unwrap_or(rest.len());
                fields.push(&rest[..end]);
                rest = &rest[end..];
            }
            let hex = |f: &[u8]| u32::from_str_radix(std::str::from_utf8(f).ok()?, 16).ok();
            let flags = hex(fields[3])?;
            let kind = match hex(fields[4])? {
                1 => "stream",
                2 => "dgram",
                5 => "seqpacket",
                _ => "unknown",
            };
            let state = if flags & SO_ACCEPTCON != 0 {
                "LISTEN"
            } else {
                match hex(fields[5])? {
                    1 => "UNCONNECTED",
                    2 => "CONNECTING",
                    3 => "CONNECTED",
                    4 => "DISCONNECTING",
                    _ => "UNKNOWN",
                }
            };
            let inode = std::str::from_utf8(fields[6]).ok()?.parse().ok()?;
            let path = rest.strip_prefix(b" ").unwrap_or(rest);
            let path = path.strip_suffix(b"\r").unwrap_or(path);
            Some(UnixSocket {
                kind,
                state,
                path: (!path.is_empty()).then(|| Bytes::from(path)),
                inode,
            })
        })
        .collect()
}

/// A socket found in a namespace's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Socket {
    Inet(InetSocket),
    Unix(UnixSocket),
}

/// Every tcp/udp/unix socket of `pid`'s network namespace, by inode. Tables that cannot be read
/// (IPv6 disabled, permission) are skipped: their sockets then show as unresolved.
pub fn sockets_of(root: &ProcRoot, pid: i32) -> HashMap<u64, Socket> {
    let mut map = HashMap::new();
    for proto in ["tcp", "tcp6", "udp", "udp6"] {
        if let Ok(bytes) = std::fs::read(root.pid_path(pid, &format!("net/{proto}"))) {
            for s in parse_inet_table(proto, &bytes) {
                map.insert(s.inode, Socket::Inet(s));
            }
        }
    }
    if let Ok(bytes) = std::fs::read(root.pid_path(pid, "net/unix")) {
        for s in parse_unix_table(&bytes) {
            map.insert(s.inode, Socket::Unix(s));
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TCP: &[u8] = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 31338 1 0000000000000000 20 4 30 10 -1
";

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_tcp_table() {
        let t = parse_inet_table("tcp", TCP);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t[0].remote, "0.0.0.0:0".parse().unwrap());
        assert_eq!((t[0].state, t[0].inode), ("LISTEN", 31337));
        assert_eq!(t[1].remote, "127.0.0.1:54321".parse().unwrap());
        assert_eq!((t[1].state, t[1].inode), ("ESTABLISHED", 31338));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_tcp6_and_udp_tables() {
        let tcp6 = b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000200007F:C000 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
";
        let t = parse_inet_table("tcp6", tcp6);
        assert_eq!(t[0].local, "[::1]:22".parse().unwrap());
        assert_eq!(t[0].state, "LISTEN");
        assert_eq!(t[1].local, "[::ffff:127.0.0.1]:80".parse().unwrap());
        assert_eq!(t[1].remote, "[::ffff:127.0.0.2]:49152".parse().unwrap());
        assert_eq!(t[1].state, "TIME_WAIT");
        let udp = b"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  512: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 555 2 0000000000000000 0
  513: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000   101        0 556 2 0000000000000000 0
";
        let u = parse_inet_table("udp", udp);
        assert_eq!(u[0].local, "127.0.0.53:53".parse().unwrap());
        assert_eq!((u[0].state, u[0].inode), ("CLOSE", 555));
        assert_eq!((u[1].state, u[1].inode), ("ESTABLISHED", 556));
    }

    #[test]
    fn parses_unix_table() {
        let unix = b"Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 20001 /run/x.sock
0000000000000000: 00000003 00000000 00000000 0001 03 20002
0000000000000000: 00000002 00000000 00000000 0002 01 20003 @abstract name
0000000000000000: 00000003 00000000 00000000 0005 03 20004 /tmp/with space \x1b[1m
";
        let u = parse_unix_table(unix);
        assert_eq!(u.len(), 4);
        assert_eq!(
            u[0],
            UnixSocket {
                kind: "stream",
                state: "LISTEN",
                path: Some("/run/x.sock".into()),
                inode: 20001
            }
        );
        assert_eq!(
            (u[1].state, u[1].path.clone(), u[1].inode),
            ("CONNECTED", None, 20002)
        );
        assert_eq!(
            (u[2].kind, u[2].path.clone()),
            ("dgram", Some("@abstract name".into()))
        );
        assert_eq!(u[3].kind, "seqpacket");
        assert_eq!(
            u[3].path,
            Some(Bytes::from(&b"/tmp/with space \x1b[1m"[..]))
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        assert_eq!(parse_addr(b"0100007F"), None);
        assert_eq!(parse_addr(b"0100007F:XYZ"), None);
        assert_eq!(parse_addr(b"01007F:0050"), None);
        assert_eq!(parse_addr(b"+100007F:0050"), None);
    }

    proptest! {
        #[test]
        fn never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_inet_table("tcp", &bytes);
            let _ = parse_inet_table("udp6", &bytes);
            let _ = parse_unix_table(&bytes);
            let _ = parse_addr(&bytes);
        }

        #[test]
        fn lines_shaped_like_the_kernels_never_panic(
            fields in proptest::collection::vec("[0-9A-Fa-f:x ]{0,40}", 0..12)
        ) {
            let table = format!("header\n{}\n", fields.join(" "));
            let _ = parse_inet_table("tcp6", table.as_bytes());
            let _ = parse_unix_table(table.as_bytes());
        }
    }
}
