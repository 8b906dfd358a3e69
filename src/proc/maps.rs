//! `/proc/PID/maps`: the memory mappings of a process, parsed from bytes (`ksec grep-secret
//! --memory` reads them; which regions it reads is its own choice, in
//! [`crate::secret::sources`]; `ksec fds` shows the mapped files as `mem` rows,
//! [`crate::proc::fd::read_mem`]).

/// One mapping: `start-end perms offset dev inode path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    /// `rwxp`-style permissions, as in the file.
    pub perms: [u8; 4],
    /// The mapped file's device (as `st_dev`, from the `major:minor` hex field) and inode; both
    /// 0 for anonymous memory.
    pub dev: u64,
    pub inode: u64,
    /// The path or pseudo-path (`[heap]`, `[stack]`), empty for anonymous memory.
    pub path: Vec<u8>,
}

impl Region {
    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// True for an empty mapping.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Parses the whole maps file; malformed lines are skipped.
pub fn parse_maps(data: &[u8]) -> Vec<Region> {
    data.split(|&b| b == b'\n').filter_map(parse_line).collect()
}

/// Parses one maps line.
pub fn parse_line(line: &[u8]) -> Option<Region> {
    let mut fields = line.splitn(6, |&b| b == b' ');
    let range = fields.next()?;
    let perms = fields.next()?;
    let (_offset, dev, inode) = (fields.next()?, fields.next()?, fields.next()?);
    let path = fields.next().unwrap_or_default();
    let path = &path[path.iter().position(|&b| b != b' ').unwrap_or(path.len())..];
    let dash = range.iter().position(|&b| b == b'-')?;
    let hex = |s: &[u8]| u64::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok();
    let (start, end) = (hex(&range[..dash])?, hex(&range[dash + 1..])?);
    if end < start || perms.len() != 4 {
        return None;
    }
    let colon = dev.iter().position(|&b| b == b':')?;
    let dev = nix::sys::stat::makedev(hex(&dev[..colon])?, hex(&dev[colon + 1..])?);
    let inode = std::str::from_utf8(inode).ok()?.parse().ok()?;
    Some(Region {
        start,
        end,
        perms: perms.try_into().ok()?,
        dev,
        inode,
        path: path.to_vec(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) const MAPS: &[u8] =
        b"55d0c8a00000-55d0c8a28000 r--p 00000000 fd:01 1316 /usr/bin/python3.11
55d0c9e2e000-55d0c9f7f000 rw-p 00000000 00:00 0                          [heap]
7f1c2c000000-7f1c2c021000 rw-p 00000000 00:00 0 
7f1c2e1f0000-7f1c2e1f1000 ---p 00000000 00:00 0
7f1c2e400000-7f1c2e401000 rw-s 00000000 00:05 1234                       /dev/shm/x (deleted)
7f1c2e500000-7f1c2e501000 rw-s 00000000 00:05 1234                       /dev/nvidia0
7ffd1a7e0000-7ffd1a801000 rw-p 00000000 00:00 0                          [stack]
7ffd1a9c4000-7ffd1a9c8000 r--p 00000000 00:00 0                          [vvar]
7ffd1a9c8000-7ffd1a9ca000 r-xp 00000000 00:00 0                          [vdso]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
garbage line
";

    #[test]
    fn parses_maps() {
        let r = parse_maps(MAPS);
        assert_eq!(r.len(), 10);
        assert_eq!(r[0].start, 0x55d0c8a00000);
        assert_eq!(r[0].len(), 0x28000);
        assert_eq!(&r[0].perms, b"r--p");
        assert_eq!(r[0].path, b"/usr/bin/python3.11");
        assert_eq!(r[1].path, b"[heap]");
        assert_eq!(r[2].path, b"");
        assert_eq!(r[4].path, b"/dev/shm/x (deleted)");
        assert_eq!(&r[3].perms, b"---p");
        assert_eq!(r[9].path, b"[vsyscall]");
        assert_eq!(r[0].dev, nix::sys::stat::makedev(0xfd, 1));
        assert_eq!(r[0].inode, 1316);
        assert_eq!((r[1].dev, r[1].inode), (0, 0));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            for r in parse_maps(&data) {
                prop_assert!(r.start <= r.end);
            }
        }

        #[test]
        fn round_trips(start in 0u64..1 << 47, len in 0u64..1 << 30, path in "[a-z/\\[\\] ]{0,20}") {
            let line = format!("{:x}-{:x} r-xp 00000000 fd:01 42 {}", start, start + len, path);
            let r = parse_line(line.as_bytes()).unwrap();
            prop_assert_eq!((r.start, r.end), (start, start + len));
            prop_assert_eq!(r.path, path.trim_start().as_bytes());
            prop_assert_eq!((r.dev, r.inode), (nix::sys::stat::makedev(0xfd, 1), 42));
        }
    }
}
