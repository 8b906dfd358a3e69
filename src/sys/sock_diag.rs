//! NETLINK_SOCK_DIAG (sock_diag(7)): the peer of every unix socket of the caller's network
//! namespace (`UNIX_DIAG_PEER`), which /proc/net/unix does not show; the endpoints of an inet
//! socket in any state ([`inet_socket`], `inet_diag`, which also lists bound TCP sockets that do
//! not listen, absent from /proc/net/tcp); and a socket fd's protocol name
//! ([`sockprotoname`], the `system.sockprotoname` attribute of /proc/PID/fd/N). The dumps' bytes
//! are parsed by safe functions ([`parse_unix_peers`], [`parse_inet`]) tested with literal bytes.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::errno::Errno;

/// `SOCK_DIAG_BY_FAMILY` (linux/sock_diag.h).
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `UDIAG_SHOW_PEER` (linux/unix_diag.h).
const UDIAG_SHOW_PEER: u32 = 0x04;
/// `UNIX_DIAG_PEER`, the attribute holding the peer's inode.
const UNIX_DIAG_PEER: u16 = 2;
const NLMSG_HDR: usize = 16;
/// `struct unix_diag_msg`.
const UNIX_DIAG_MSG: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// The dump request: nlmsghdr + `struct unix_diag_req` for every state, showing peers.
fn request() -> Vec<u8> {
    let mut m = Vec::with_capacity(NLMSG_HDR + 24);
    m.extend_from_slice(&((NLMSG_HDR + 24) as u32).to_ne_bytes());
    m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    m.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16).to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes()); // seq
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    m.push(libc::AF_UNIX as u8); // sdiag_family
    m.push(0); // sdiag_protocol
    m.extend_from_slice(&0u16.to_ne_bytes()); // pad
    m.extend_from_slice(&u32::MAX.to_ne_bytes()); // udiag_states: all
    m.extend_from_slice(&0u32.to_ne_bytes()); // udiag_ino
    m.extend_from_slice(&UDIAG_SHOW_PEER.to_ne_bytes());
    m.extend_from_slice(&[0xff; 8]); // udiag_cookie: INET_DIAG_NOCOOKIE
    m
}

/// What one datagram of the dump holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    /// `(inode, peer inode)` of each socket that has a peer.
    pub peers: Vec<(u32, u32)>,
    /// NLMSG_DONE was seen.
    pub done: bool,
    /// NLMSG_ERROR's errno, if any.
    pub error: Option<i32>,
}

/// Parses one datagram of a unix sock_diag dump; malformed messages end the parse.
pub fn parse_unix_peers(buf: &[u8]) -> Chunk {
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_ne_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
    };
    let mut chunk = Chunk::default();
    let mut off = 0;
    while let (Some(len), Some(kind)) = (u32_at(buf, off), u16_at(buf, off + 4)) {
        let len = len as usize;
        if len < NLMSG_HDR || off + len > buf.len() {
            break;
        }
        let msg = &buf[off + NLMSG_HDR..off + len];
        match kind {
            NLMSG_DONE => {
                chunk.done = true;
                return chunk;
            }
            NLMSG_ERROR => {
                chunk.error = Some(u32_at(msg, 0).map_or(0, |e| -(e as i32)));
                chunk.done = true;
                return chunk;
            }
            SOCK_DIAG_BY_FAMILY if msg.len() >= UNIX_DIAG_MSG => {
                let ino = u32_at(msg, 4).unwrap_or(0);
                let mut a = UNIX_DIAG_MSG;
                while let (Some(alen), Some(atype)) = (u16_at(msg, a), u16_at(msg, a + 2)) {
                    let alen = alen as usize;
                    if alen < 4 || a + alen > msg.len() {
                        break;
                    }
                    if atype == UNIX_DIAG_PEER {
                        if let Some(peer) = u32_at(msg, a + 4) {
                            chunk.peers.push((ino, peer));
                        }
                    }
                    a += (alen + 3) & !3;
                }
            }
            _ => {}
        }
        off += (len + 3) & !3;
    }
    chunk
}

/// `(inode, peer inode)` of every connected unix socket of the caller's network namespace.
///
/// # Errors
/// socket, send or recv fail (EPROTONOSUPPORT without CONFIG_UNIX_DIAG), or the kernel
/// answers with an error.
pub fn unix_peers() -> Result<Vec<(u32, u32)>, Errno> {
    // SAFETY: plain syscall with integer arguments; the result is checked.
    let raw = Errno::result(unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        )
    })?;
    // SAFETY: `raw` is a new fd this function owns and nothing else closes.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let msg = request();
    // SAFETY: `msg` is a live buffer of the length passed; send keeps no pointer to it. With
    // no address the datagram goes to the kernel (port id 0).
    let sent =
        Errno::result(unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) })?;
    if sent as usize != msg.len() {
        return Err(Errno::EMSGSIZE);
    }
    let mut buf = vec![0u8; 32 << 10];
    let mut peers = Vec::new();
    loop {
        // SAFETY: `buf` is a live, writable buffer of the length passed.
        let n = Errno::result(unsafe {
            libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0)
        })?;
        if n == 0 {
            break;
        }
        let chunk = parse_unix_peers(&buf[..n as usize]);
        peers.extend(chunk.peers);
        if let Some(e) = chunk.error.filter(|&e| e != 0) {
            return Err(Errno::from_raw(e));
        }
        if chunk.done {
            break;
        }
    }
    Ok(peers)
}

/// The protocol name the kernel gives socket fd `link` (`/proc/PID/fd/N`): its
/// `system.sockprotoname` attribute (`TCP`, `UDPv6`, `UNIX-STREAM`, `NETLINK`, ...).
///
/// # Errors
/// The path has a NUL byte (EINVAL), or getxattr fails (ENOENT: no such fd; ENODATA or
/// EOPNOTSUPP: not a socket).
pub fn sockprotoname(link: &std::path::Path) -> Result<Vec<u8>, Errno> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(link.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL)?;
    let mut buf = [0u8; 256];
    // SAFETY: `c` is a NUL-terminated path and `buf` a live, writable buffer of the length
    // passed; getxattr keeps no pointer to either.
    let n = Errno::result(unsafe {
        libc::getxattr(
            c.as_ptr(),
            c"system.sockprotoname".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len() - 1,
        )
    })?;
    let mut name = buf[..n as usize].to_vec();
    if let Some(nul) = name.iter().position(|&b| b == 0) {
        name.truncate(nul);
    }
    Ok(name)
}

/// `struct inet_diag_req_v2`'s size.
const INET_DIAG_REQ: usize = 56;
/// `struct inet_diag_msg`'s size.
const INET_DIAG_MSG: usize = 72;

/// The dump request of every socket of `family`/`protocol` in every state (`idiag_states = -1`,
/// as strace asks, which takes in TCP_CLOSE: bound sockets that neither listen nor connect).
fn inet_request(family: u8, protocol: u8) -> Vec<u8> {
    let mut m = Vec::with_capacity(NLMSG_HDR + INET_DIAG_REQ);
    m.extend_from_slice(&((NLMSG_HDR + INET_DIAG_REQ) as u32).to_ne_bytes());
    m.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    m.extend_from_slice(&((libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16).to_ne_bytes());
    m.extend_from_slice(&1u32.to_ne_bytes()); // seq
    m.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    m.push(family);
    m.push(protocol);
    m.push(0); // idiag_ext
    m.push(0); // pad
    m.extend_from_slice(&u32::MAX.to_ne_bytes()); // idiag_states: all
    m.resize(NLMSG_HDR + INET_DIAG_REQ, 0); // inet_diag_sockid: any
    m
}

/// One inet socket of a sock_diag dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetSocket {
    /// `AF_INET` or `AF_INET6`.
    pub family: u8,
    /// The local address (4 or 16 bytes) and port.
    pub src: (Vec<u8>, u16),
    /// The remote address and port (zero when not connected).
    pub dst: (Vec<u8>, u16),
}

/// What one datagram of an inet dump says about socket `inode`: `Ok(Some(..))` found,
/// `Ok(None)` not in this datagram (read on), `Err(done)` the dump ended (true) or broke
/// (false: a message of another type, a malformed one, an error).
pub fn parse_inet(buf: &[u8], inode: u32) -> Result<Option<InetSocket>, bool> {
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_ne_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
    };
    let mut off = 0;
    if buf.len() < NLMSG_HDR {
        return Err(false);
    }
    while let (Some(len), Some(kind)) = (u32_at(buf, off), u16_at(buf, off + 4)) {
        let len = len as usize;
        if len < NLMSG_HDR || off + len > buf.len() {
            return Err(false);
        }
        match kind {
            NLMSG_DONE => return Err(true),
            SOCK_DIAG_BY_FAMILY if len >= NLMSG_HDR + INET_DIAG_MSG => {
                let msg = &buf[off + NLMSG_HDR..off + len];
                if u32_at(msg, 68) == Some(inode) {
                    let family = msg[0];
                    let alen = match i32::from(family) {
                        libc::AF_INET => 4,
                        libc::AF_INET6 => 16,
                        _ => return Err(false),
                    };
                    let port = |i: usize| u16::from_be_bytes([msg[i], msg[i + 1]]);
                    return Ok(Some(InetSocket {
                        family,
                        src: (msg[8..8 + alen].to_vec(), port(4)),
                        dst: (msg[24..24 + alen].to_vec(), port(6)),
                    }));
                }
            }
            _ => return Err(false),
        }
        off += (len + 3) & !3;
    }
    Ok(None)
}

/// The endpoints of inet socket `inode` (`family` AF_INET/AF_INET6, `protocol` IPPROTO_*) of
/// the caller's network namespace, in any state; None when the dump does not hold it.
///
/// # Errors
/// socket, send or recv fail (ENOENT or EPROTONOSUPPORT where the kernel has no diag module
/// for the protocol), or the dump breaks off.
pub fn inet_socket(family: u8, protocol: u8, inode: u32) -> Result<Option<InetSocket>, Errno> {
    // SAFETY: plain syscall with integer arguments; the result is checked.
    let raw = Errno::result(unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            libc::NETLINK_SOCK_DIAG,
        )
    })?;
    // SAFETY: `raw` is a new fd this function owns and nothing else closes.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let msg = inet_request(family, protocol);
    // SAFETY: `msg` is a live buffer of the length passed; send keeps no pointer to it.
    let sent =
        Errno::result(unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) })?;
    if sent as usize != msg.len() {
        return Err(Errno::EMSGSIZE);
    }
    let mut buf = vec![0u8; 32 << 10];
    loop {
        // SAFETY: `buf` is a live, writable buffer of the length passed.
        let n = Errno::result(unsafe {
            libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0)
        })?;
        if n == 0 {
            return Ok(None);
        }
        match parse_inet(&buf[..n as usize], inode) {
            Ok(Some(s)) => return Ok(Some(s)),
            Ok(None) => {}
            Err(true) => return Ok(None),
            Err(false) => {
                // An NLMSG_ERROR answer carries the errno.
                let e = buf
                    .get(NLMSG_HDR..NLMSG_HDR + 4)
                    .map_or(0, |s| i32::from_ne_bytes([s[0], s[1], s[2], s[3]]));
                let kind = buf
                    .get(4..6)
                    .map_or(0, |s| u16::from_ne_bytes([s[0], s[1]]));
                return Err(if kind == NLMSG_ERROR && e < 0 {
                    Errno::from_raw(-e)
                } else {
                    Errno::EBADMSG
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nlmsg(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((NLMSG_HDR + body.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(body);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    fn diag(ino: u32, peer: Option<u32>) -> Vec<u8> {
        let mut b = vec![1, 1, 1, 0];
        b.extend_from_slice(&ino.to_ne_bytes());
        b.extend_from_slice(&[0; 8]);
        // An attribute before the peer: UNIX_DIAG_NAME "@x" (len 6, padded to 8).
        b.extend_from_slice(&6u16.to_ne_bytes());
        b.extend_from_slice(&0u16.to_ne_bytes());
        b.extend_from_slice(b"@x\0\0");
        if let Some(p) = peer {
            b.extend_from_slice(&8u16.to_ne_bytes());
            b.extend_from_slice(&UNIX_DIAG_PEER.to_ne_bytes());
            b.extend_from_slice(&p.to_ne_bytes());
        }
        nlmsg(SOCK_DIAG_BY_FAMILY, &b)
    }

    #[test]
    fn request_is_a_unix_dump_showing_peers() {
        let r = request();
        assert_eq!(r.len(), 40);
        assert_eq!(&r[0..4], &40u32.to_ne_bytes());
        assert_eq!(&r[4..6], &20u16.to_ne_bytes());
        assert_eq!(r[16], libc::AF_UNIX as u8);
        assert_eq!(&r[28..32], &4u32.to_ne_bytes());
    }

    #[test]
    fn parses_peers_done_and_errors() {
        let mut buf = diag(100, Some(101));
        buf.extend(diag(102, None));
        buf.extend(diag(101, Some(100)));
        let c = parse_unix_peers(&buf);
        assert_eq!(c.peers, [(100, 101), (101, 100)]);
        assert!(!c.done);
        buf.extend(nlmsg(NLMSG_DONE, &0u32.to_ne_bytes()));
        assert!(parse_unix_peers(&buf).done);
        let err = parse_unix_peers(&nlmsg(NLMSG_ERROR, &(-22i32).to_ne_bytes()));
        assert_eq!((err.error, err.done), (Some(22), true));
        // Truncated input: what was whole is kept, nothing panics.
        let cut = &buf[..buf.len() - 30];
        assert_eq!(parse_unix_peers(cut).peers, [(100, 101)]);
        for i in 0..buf.len() {
            let _ = parse_unix_peers(&buf[..i]);
        }
    }

    fn inet_diag(family: u8, ino: u32, sport: u16, dport: u16, src: &[u8]) -> Vec<u8> {
        let mut b = vec![family, 7, 0, 0];
        b.extend_from_slice(&sport.to_be_bytes());
        b.extend_from_slice(&dport.to_be_bytes());
        let mut a = src.to_vec();
        a.resize(16, 0);
        b.extend_from_slice(&a);
        b.extend_from_slice(&[0; 16]); // dst
        b.extend_from_slice(&[0; 4 + 8]); // if, cookie
        b.extend_from_slice(&[0; 16]); // expires, rqueue, wqueue, uid
        b.extend_from_slice(&ino.to_ne_bytes());
        assert_eq!(b.len(), INET_DIAG_MSG);
        nlmsg(SOCK_DIAG_BY_FAMILY, &b)
    }

    #[test]
    fn inet_request_asks_every_state() {
        let r = inet_request(libc::AF_INET6 as u8, libc::IPPROTO_TCP as u8);
        assert_eq!(r.len(), 72);
        assert_eq!(&r[0..4], &72u32.to_ne_bytes());
        assert_eq!((r[16], r[17]), (10, 6));
        assert_eq!(&r[20..24], &u32::MAX.to_ne_bytes());
    }

    #[test]
    fn parses_inet_sockets() {
        let mut buf = inet_diag(2, 5, 80, 0, &[127, 0, 0, 1]);
        buf.extend(inet_diag(2, 6, 40000, 0, &[127, 0, 0, 1]));
        let want = InetSocket {
            family: 2,
            src: (vec![127, 0, 0, 1], 40000),
            dst: (vec![0; 4], 0),
        };
        assert_eq!(parse_inet(&buf, 6), Ok(Some(want)));
        assert_eq!(parse_inet(&buf, 7), Ok(None));
        let v6 = inet_diag(10, 8, 1, 2, &[0xfe; 16]);
        assert_eq!(parse_inet(&v6, 8).unwrap().unwrap().src.0, vec![0xfe; 16]);
        assert_eq!(parse_inet(&nlmsg(NLMSG_DONE, &[0; 4]), 6), Err(true));
        assert_eq!(parse_inet(&nlmsg(NLMSG_ERROR, &[0; 4]), 6), Err(false));
        assert_eq!(parse_inet(&inet_diag(1, 6, 1, 2, &[]), 6), Err(false));
        for i in 0..buf.len() {
            let _ = parse_inet(&buf[..i], 6);
        }
    }

    #[test]
    fn inet_socket_finds_a_bound_tcp_socket_that_does_not_listen() {
        use std::os::fd::AsRawFd as _;
        use std::os::unix::fs::MetadataExt as _;
        // std binds TCP only to listen, so the socket is made and bound through libc.
        // SAFETY: plain syscall with integer arguments; the result is checked.
        let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        assert!(s >= 0);
        // SAFETY: a new fd owned by this test.
        let s = unsafe { OwnedFd::from_raw_fd(s) };
        // SAFETY: sockaddr_in is plain data, valid when all zero.
        let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        a.sin_family = libc::AF_INET as u16;
        a.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        // SAFETY: `a` is a live sockaddr_in of the size passed.
        let r = unsafe {
            libc::bind(
                s.as_raw_fd(),
                (&a as *const libc::sockaddr_in).cast(),
                std::mem::size_of::<libc::sockaddr_in>() as u32,
            )
        };
        assert_eq!(r, 0);
        let link = std::path::PathBuf::from(format!("/proc/self/fd/{}", s.as_raw_fd()));
        assert_eq!(sockprotoname(&link), Ok(b"TCP".to_vec()));
        assert!(sockprotoname(std::path::Path::new("/proc/self/exe")).is_err());
        let ino = std::fs::metadata(&link).unwrap().ino() as u32;
        let found = inet_socket(libc::AF_INET as u8, libc::IPPROTO_TCP as u8, ino)
            .unwrap()
            .expect("a bound TCP socket is in the dump");
        assert_eq!(found.src.0, vec![127, 0, 0, 1]);
        assert_ne!(found.src.1, 0);
        assert_eq!(found.dst, (vec![0; 4], 0));
    }
}
