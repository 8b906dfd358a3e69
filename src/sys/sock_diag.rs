//! NETLINK_SOCK_DIAG (sock_diag(7)) for unix-domain sockets: the peer of every unix socket of
//! the caller's network namespace (`UNIX_DIAG_PEER`), which /proc/net/unix does not show.
//! The dump's bytes are parsed by [`parse_unix_peers`], a safe function tested with literal
//! bytes.

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
}
