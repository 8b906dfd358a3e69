//! Who holds a file (`ksec fds --file`, as `lsof PATH` and `fuser -v PATH`): every process
//! under a [`ProcRoot`] with an fd on it, a memory mapping of it (/proc/PID/maps), or it as
//! its working directory, root or executable, matched by device and inode (so a file renamed,
//! reached by another path or a hard link, or seen from inside a container's mount namespace
//! at another path, still matches; a process whose files cannot be read is not seen).

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::Serialize;

use super::fdinfo::{access_mode, read_fdinfo};
use super::locks::{mark, Lock};
use super::maps::parse_maps;
use super::root::ProcRoot;
use crate::output::bytes::Bytes;

/// How a process holds the file (JSON: `fd`, `cwd`, `root`, `exe`, `mem`; lsof's FD column
/// shows `cwd`, `rtd`, `txt`, `mem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    Fd,
    Cwd,
    Root,
    Exe,
    Mem,
}

impl Use {
    /// lsof's name in the FD column (`fd` rows show the fd and mode instead).
    pub fn lsof_name(self) -> &'static str {
        match self {
            Use::Fd => "fd",
            Use::Cwd => "cwd",
            Use::Root => "rtd",
            Use::Exe => "txt",
            Use::Mem => "mem",
        }
    }
}

/// One way one process holds the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    pub pid: i32,
    pub comm: Bytes,
    #[serde(rename = "use")]
    pub how: Use,
    /// The fd, for [`Use::Fd`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fd: Option<i32>,
    /// `r`, `w` or `u`, for [`Use::Fd`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Locks held through the fd.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<char>,
    /// The path as the process sees it (the link target, or the path in maps).
    pub target: Bytes,
}

/// The `(st_dev, st_ino)` pairs that `path` stands for: itself, and with `recursive` every
/// file and directory below it on the same file system (symlinks are not followed, as
/// `lsof +D`). Entries that cannot be read are skipped.
///
/// # Errors
/// `path` itself cannot be stat'ed (it does not exist, permission denied).
pub fn identities(path: &Path, recursive: bool) -> std::io::Result<HashSet<(u64, u64)>> {
    let meta = std::fs::metadata(path)?;
    let mut ids = HashSet::from([(meta.dev(), meta.ino())]);
    if recursive && meta.is_dir() {
        let dev = meta.dev();
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(m) = e.metadata() else { continue };
                if m.dev() != dev {
                    continue; // another file system mounted below
                }
                ids.insert((m.dev(), m.ino()));
                if m.is_dir() {
                    stack.push(e.path());
                }
            }
        }
    }
    Ok(ids)
}

/// Every way every process under `root` holds one of `ids`, by pid (ksec's own process left
/// out), fds first in fd order, then cwd, root, exe and mappings. Processes that exit or
/// cannot be read during the scan are skipped.
///
/// # Errors
/// `root` cannot be listed.
pub fn holders(root: &ProcRoot, ids: &HashSet<(u64, u64)>) -> std::io::Result<Vec<Holding>> {
    let me = std::process::id() as i32;
    let mut out = Vec::new();
    let mut comms: HashMap<i32, Bytes> = HashMap::new();
    let id_of = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let target_of = |p: &Path| {
        use std::os::unix::ffi::OsStringExt;
        std::fs::read_link(p)
            .map(|t| Bytes(t.into_os_string().into_vec()))
            .unwrap_or_default()
    };
    for pid in root.pids()? {
        if pid == me {
            continue;
        }
        let mut comm = || {
            comms
                .entry(pid)
                .or_insert_with(|| {
                    super::stat::read_stat(root, pid)
                        .map(|s| Bytes(s.comm))
                        .unwrap_or_default()
                })
                .clone()
        };
        let dir = root.pid_path(pid, "fd");
        for fd in root.fds(pid).unwrap_or_default() {
            let link = dir.join(fd.to_string());
            if !id_of(&link).is_some_and(|id| ids.contains(&id)) {
                continue;
            }
            let info = read_fdinfo(root, pid, fd);
            out.push(Holding {
                pid,
                comm: comm(),
                how: Use::Fd,
                fd: Some(fd),
                mode: info.flags.map(|f| access_mode(f).to_string()),
                lock: mark(&info.locks),
                locks: info.locks,
                target: target_of(&link),
            });
        }
        for (how, name) in [(Use::Cwd, "cwd"), (Use::Root, "root"), (Use::Exe, "exe")] {
            let link = root.pid_path(pid, name);
            if id_of(&link).is_some_and(|id| ids.contains(&id)) {
                out.push(Holding {
                    pid,
                    comm: comm(),
                    how,
                    fd: None,
                    mode: None,
                    locks: Vec::new(),
                    lock: None,
                    target: target_of(&link),
                });
            }
        }
        let Ok(maps) = std::fs::read(root.pid_path(pid, "maps")) else {
            continue;
        };
        let mut seen = HashSet::new();
        for r in parse_maps(&maps) {
            if r.inode == 0 || !ids.contains(&(r.dev, r.inode)) || !seen.insert((r.dev, r.inode)) {
                continue;
            }
            let path = r.path.strip_suffix(b" (deleted)").unwrap_or(&r.path);
            out.push(Holding {
                pid,
                comm: comm(),
                how: Use::Mem,
                fd: None,
                mode: None,
                locks: Vec::new(),
                lock: None,
                target: Bytes::from(path),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_of_a_file_and_a_tree() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        std::fs::write(d.path().join("sub/f"), b"x").unwrap();
        std::os::unix::fs::symlink("/etc", d.path().join("link")).unwrap();
        let id = |p: &Path| {
            let m = std::fs::symlink_metadata(p).unwrap();
            (m.dev(), m.ino())
        };
        let top = identities(d.path(), false).unwrap();
        assert_eq!(top, HashSet::from([id(d.path())]));
        let all = identities(d.path(), true).unwrap();
        let want = HashSet::from([
            id(d.path()),
            id(&d.path().join("sub")),
            id(&d.path().join("sub/f")),
            id(&d.path().join("link")),
        ]);
        assert_eq!(all, want, "the symlink itself, not /etc");
        let e = identities(&d.path().join("nope"), false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn use_names() {
        let names: Vec<&str> = [Use::Fd, Use::Cwd, Use::Root, Use::Exe, Use::Mem]
            .iter()
            .map(|u| u.lsof_name())
            .collect();
        assert_eq!(names, ["fd", "cwd", "rtd", "txt", "mem"]);
        assert_eq!(serde_json::to_value(Use::Root).unwrap(), "root");
    }
}
