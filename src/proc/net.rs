//! Parsing the socket tables of a network namespace (/proc/PID/net/{tcp,tcp6,udp,udp6,unix,
//! netlink})
//! from bytes, and reading them for one process: /proc/PID/net is the PROCESS's namespace, not
//! the caller's, which is what lets ksec resolve a container's sockets from the host.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde::Serialize;

use super::root::ProcRoot;
use crate::output::bytes::Bytes;

/// The socket tables of /proc/PID/net that ksec reads for internet sockets (JSON: `tcp`,
/// `tcp6`, `udp`, `udp6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InetProto {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
}

impl InetProto {
    /// Every table, in the order ksec reads them.
    pub const ALL: [InetProto; 4] = [
        InetProto::Tcp,
        InetProto::Tcp6,
        InetProto::Udp,
        InetProto::Udp6,
    ];

    /// The table's name: `tcp`, `tcp6`, `udp`, `udp6` (also its file name under /proc/PID/net).
    pub fn name(self) -> &'static str {
        match self {
            InetProto::Tcp => "tcp",
            InetProto::Tcp6 => "tcp6",
            InetProto::Udp => "udp",
            InetProto::Udp6 => "udp6",
        }
    }

    /// UDP (over IPv4 or IPv6).
    pub fn is_udp(self) -> bool {
        matches!(self, InetProto::Udp | InetProto::Udp6)
    }
}

impl std::fmt::Display for InetProto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A socket's state in the `st` column of /proc/net/tcp, with the kernel's names
/// (include/net/tcp_states.h; procfs's `TcpState`). UDP sockets use the same codes: connected
/// ones are [`TcpState::Established`], the others [`TcpState::Close`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
    /// A code ksec does not know.
    Unknown,
}

impl TcpState {
    /// Every state, [`TcpState::Unknown`] last.
    pub const ALL: [TcpState; 13] = [
        TcpState::Established,
        TcpState::SynSent,
        TcpState::SynRecv,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::TimeWait,
        TcpState::Close,
        TcpState::CloseWait,
        TcpState::LastAck,
        TcpState::Listen,
        TcpState::Closing,
        TcpState::NewSynRecv,
        TcpState::Unknown,
    ];

    /// The state of hex code `code` in /proc/net/tcp.
    pub fn from_code(code: u8) -> Self {
        match code {
            0x01 => TcpState::Established,
            0x02 => TcpState::SynSent,
            0x03 => TcpState::SynRecv,
            0x04 => TcpState::FinWait1,
            0x05 => TcpState::FinWait2,
            0x06 => TcpState::TimeWait,
            0x07 => TcpState::Close,
            0x08 => TcpState::CloseWait,
            0x09 => TcpState::LastAck,
            0x0A => TcpState::Listen,
            0x0B => TcpState::Closing,
            0x0C => TcpState::NewSynRecv,
            _ => TcpState::Unknown,
        }
    }

    /// The kernel's name: `ESTABLISHED`, `LISTEN`... (`UNKNOWN` for an unknown code).
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Established => "ESTABLISHED",
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::FinWait1 => "FIN_WAIT1",
            TcpState::FinWait2 => "FIN_WAIT2",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::Listen => "LISTEN",
            TcpState::Closing => "CLOSING",
            TcpState::NewSynRecv => "NEW_SYN_RECV",
            TcpState::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for TcpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A unix-domain socket's type, from the `Type` column of /proc/net/unix (JSON: `stream`,
/// `dgram`, `seqpacket`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnixKind {
    /// SOCK_STREAM (1).
    Stream,
    /// SOCK_DGRAM (2).
    Dgram,
    /// SOCK_SEQPACKET (5).
    Seqpacket,
    Unknown,
}

impl UnixKind {
    /// Every type.
    pub const ALL: [UnixKind; 4] = [
        UnixKind::Stream,
        UnixKind::Dgram,
        UnixKind::Seqpacket,
        UnixKind::Unknown,
    ];

    /// The type of code `code` (SOCK_*).
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => UnixKind::Stream,
            2 => UnixKind::Dgram,
            5 => UnixKind::Seqpacket,
            _ => UnixKind::Unknown,
        }
    }

    /// `stream`, `dgram`, `seqpacket` or `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            UnixKind::Stream => "stream",
            UnixKind::Dgram => "dgram",
            UnixKind::Seqpacket => "seqpacket",
            UnixKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for UnixKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A unix-domain socket's state: [`UnixState::Listen`] from the `__SO_ACCEPTCON` flag, else
/// the `St` column (`SS_*` of include/uapi/linux/net.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnixState {
    Listen,
    /// SS_UNCONNECTED (1).
    Unconnected,
    /// SS_CONNECTING (2).
    Connecting,
    /// SS_CONNECTED (3).
    Connected,
    /// SS_DISCONNECTING (4).
    Disconnecting,
    Unknown,
}

impl UnixState {
    /// Every state.
    pub const ALL: [UnixState; 6] = [
        UnixState::Listen,
        UnixState::Unconnected,
        UnixState::Connecting,
        UnixState::Connected,
        UnixState::Disconnecting,
        UnixState::Unknown,
    ];

    /// The state of `St` code `code` (never [`UnixState::Listen`], which is a flag).
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => UnixState::Unconnected,
            2 => UnixState::Connecting,
            3 => UnixState::Connected,
            4 => UnixState::Disconnecting,
            _ => UnixState::Unknown,
        }
    }

    /// `LISTEN`, `UNCONNECTED`, `CONNECTING`, `CONNECTED`, `DISCONNECTING` or `UNKNOWN`.
    pub fn name(self) -> &'static str {
        match self {
            UnixState::Listen => "LISTEN",
            UnixState::Unconnected => "UNCONNECTED",
            UnixState::Connecting => "CONNECTING",
            UnixState::Connected => "CONNECTED",
            UnixState::Disconnecting => "DISCONNECTING",
            UnixState::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for UnixState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An internet socket (tcp, tcp6, udp, udp6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InetSocket {
    /// The table it came from.
    pub proto: InetProto,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// TCP state; for UDP [`TcpState::Established`] (connected) or [`TcpState::Close`].
    pub state: TcpState,
    pub inode: u64,
}

/// A unix-domain socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnixSocket {
    pub kind: UnixKind,
    pub state: UnixState,
    /// Bound path; abstract names start with `@`; `None` when unbound.
    pub path: Option<Bytes>,
    pub inode: u64,
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
pub fn parse_inet_table(proto: InetProto, bytes: &[u8]) -> Vec<InetSocket> {
    let udp = proto.is_udp();
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
            let state = match TcpState::from_code(st) {
                TcpState::Established => TcpState::Established,
                _ if udp => TcpState::Close,
                tcp => tcp,
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
            let kind = UnixKind::from_code(hex(fields[4])?);
            let state = if flags & SO_ACCEPTCON != 0 {
                UnixState::Listen
            } else {
                UnixState::from_code(hex(fields[5])?)
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

/// A netlink socket, from /proc/net/netlink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetlinkSocket {
    /// The protocol number (`Eth` column): 0 for NETLINK_ROUTE...
    pub protocol: u32,
    /// The socket's port id (`Pid` column; the process's pid for its first socket, as a rule).
    pub port_id: u32,
    pub inode: u64,
}

/// The name of netlink protocol `protocol` (linux/netlink.h), `NETLINK_ROUTE`...; None for a
/// number ksec does not know.
pub fn netlink_protocol_name(protocol: u32) -> Option<&'static str> {
    Some(match protocol {
        0 => "NETLINK_ROUTE",
        1 => "NETLINK_UNUSED",
        2 => "NETLINK_USERSOCK",
        3 => "NETLINK_FIREWALL",
        4 => "NETLINK_SOCK_DIAG",
        5 => "NETLINK_NFLOG",
        6 => "NETLINK_XFRM",
        7 => "NETLINK_SELINUX",
        8 => "NETLINK_ISCSI",
        9 => "NETLINK_AUDIT",
        10 => "NETLINK_FIB_LOOKUP",
        11 => "NETLINK_CONNECTOR",
        12 => "NETLINK_NETFILTER",
        13 => "NETLINK_IP6_FW",
        14 => "NETLINK_DNRTMSG",
        15 => "NETLINK_KOBJECT_UEVENT",
        16 => "NETLINK_GENERIC",
        18 => "NETLINK_SCSITRANSPORT",
        19 => "NETLINK_ECRYPTFS",
        20 => "NETLINK_RDMA",
        21 => "NETLINK_CRYPTO",
        22 => "NETLINK_SMC",
        _ => return None,
    })
}

/// Parses /proc/net/netlink: `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`. Malformed
/// lines are skipped.
pub fn parse_netlink_table(bytes: &[u8]) -> Vec<NetlinkSocket> {
    bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|line| {
            let text = std::str::from_utf8(line).ok()?;
            let f: Vec<&str> = text.split_ascii_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            Some(NetlinkSocket {
                protocol: f[1].parse().ok()?,
                port_id: f[2].parse().ok()?,
                inode: f[9].parse().ok()?,
            })
        })
        .collect()
}

/// A socket found in a namespace's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Socket {
    Inet(InetSocket),
    Unix(UnixSocket),
    Netlink(NetlinkSocket),
}

/// Every tcp/udp/unix/netlink socket of `pid`'s network namespace, by inode. Tables that cannot be read
/// (IPv6 disabled, permission) are skipped: their sockets then show as unresolved.
pub fn sockets_of(root: &ProcRoot, pid: i32) -> HashMap<u64, Socket> {
    let mut map = HashMap::new();
    for proto in InetProto::ALL {
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
    if let Ok(bytes) = std::fs::read(root.pid_path(pid, "net/netlink")) {
        for s in parse_netlink_table(&bytes) {
            map.insert(s.inode, Socket::Netlink(s));
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
        let t = parse_inet_table(InetProto::Tcp, TCP);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t[0].remote, "0.0.0.0:0".parse().unwrap());
        assert_eq!((t[0].state, t[0].inode), (TcpState::Listen, 31337));
        assert_eq!(t[1].remote, "127.0.0.1:54321".parse().unwrap());
        assert_eq!((t[1].state, t[1].inode), (TcpState::Established, 31338));
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn parses_tcp6_and_udp_tables() {
        let tcp6 = b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000200007F:C000 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
";
        let t = parse_inet_table(InetProto::Tcp6, tcp6);
        assert_eq!(t[0].local, "[::1]:22".parse().unwrap());
        assert_eq!(t[0].state, TcpState::Listen);
        assert_eq!(t[1].local, "[::ffff:127.0.0.1]:80".parse().unwrap());
        assert_eq!(t[1].remote, "[::ffff:127.0.0.2]:49152".parse().unwrap());
        assert_eq!(t[1].state, TcpState::TimeWait);
        let udp = b"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  512: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 555 2 0000000000000000 0
  513: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000   101        0 556 2 0000000000000000 0
";
        let u = parse_inet_table(InetProto::Udp, udp);
        assert_eq!(u[0].local, "127.0.0.53:53".parse().unwrap());
        assert_eq!((u[0].state, u[0].inode), (TcpState::Close, 555));
        assert_eq!((u[1].state, u[1].inode), (TcpState::Established, 556));
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
                kind: UnixKind::Stream,
                state: UnixState::Listen,
                path: Some("/run/x.sock".into()),
                inode: 20001
            }
        );
        assert_eq!(
            (u[1].state, u[1].path.clone(), u[1].inode),
            (UnixState::Connected, None, 20002)
        );
        assert_eq!(
            (u[2].kind, u[2].path.clone()),
            (UnixKind::Dgram, Some("@abstract name".into()))
        );
        assert_eq!(u[3].kind, UnixKind::Seqpacket);
        assert_eq!(
            u[3].path,
            Some(Bytes::from(&b"/tmp/with space \x1b[1m"[..]))
        );
    }

    #[test]
    fn parses_netlink_table() {
        let t = b"sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
ffff8d6b41a3e000 0   4242       00000550 0        0        0     2        0        31337
ffff8d6b41a3f000 9   0          00000000 0        0        0     2        0        12
ffff8d6b41a3f800 31  1          00000000 0        0        0     2        0        13
short line
";
        let n = parse_netlink_table(t);
        assert_eq!(
            n[0],
            NetlinkSocket {
                protocol: 0,
                port_id: 4242,
                inode: 31337
            }
        );
        assert_eq!((n[1].protocol, n[1].inode), (9, 12));
        assert_eq!(n.len(), 3);
        assert_eq!(netlink_protocol_name(0), Some("NETLINK_ROUTE"));
        assert_eq!(netlink_protocol_name(9), Some("NETLINK_AUDIT"));
        assert_eq!(netlink_protocol_name(16), Some("NETLINK_GENERIC"));
        assert_eq!(netlink_protocol_name(17), None);
        assert_eq!(netlink_protocol_name(31), None);
    }

    #[test]
    fn vocabulary_names_in_text_and_json() {
        let names = |v: Vec<(String, serde_json::Value)>| {
            for (text, json) in &v {
                assert_eq!(json, text, "JSON name = text name");
            }
            v.into_iter().map(|(t, _)| t).collect::<Vec<_>>().join(" ")
        };
        fn json(v: &impl Serialize) -> serde_json::Value {
            serde_json::to_value(v).unwrap()
        }
        assert_eq!(
            names(
                InetProto::ALL
                    .iter()
                    .map(|p| (p.to_string(), json(p)))
                    .collect()
            ),
            "tcp tcp6 udp udp6"
        );
        assert_eq!(
            names(
                TcpState::ALL
                    .iter()
                    .map(|s| (s.to_string(), json(s)))
                    .collect()
            ),
            "ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT \
             LAST_ACK LISTEN CLOSING NEW_SYN_RECV UNKNOWN"
        );
        for (i, s) in TcpState::ALL[..12].iter().enumerate() {
            assert_eq!(TcpState::from_code(i as u8 + 1), *s);
        }
        assert_eq!(TcpState::from_code(0), TcpState::Unknown);
        assert_eq!(TcpState::from_code(0x0D), TcpState::Unknown);
        assert_eq!(
            names(
                UnixKind::ALL
                    .iter()
                    .map(|k| (k.to_string(), json(k)))
                    .collect()
            ),
            "stream dgram seqpacket unknown"
        );
        assert_eq!(
            names(
                UnixState::ALL
                    .iter()
                    .map(|s| (s.to_string(), json(s)))
                    .collect()
            ),
            "LISTEN UNCONNECTED CONNECTING CONNECTED DISCONNECTING UNKNOWN"
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
            let _ = parse_inet_table(InetProto::Tcp, &bytes);
            let _ = parse_inet_table(InetProto::Udp6, &bytes);
            let _ = parse_unix_table(&bytes);
            let _ = parse_netlink_table(&bytes);
            let _ = parse_addr(&bytes);
        }

        #[test]
        fn lines_shaped_like_the_kernels_never_panic(
            fields in proptest::collection::vec("[0-9A-Fa-f:x ]{0,40}", 0..12)
        ) {
            let table = format!("header\n{}\n", fields.join(" "));
            let _ = parse_inet_table(InetProto::Tcp6, table.as_bytes());
            let _ = parse_unix_table(table.as_bytes());
        }
    }
}
