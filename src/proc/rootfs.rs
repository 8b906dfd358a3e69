//! Reading inside a process's (a container's) root, /proc/PID/root, without ever reaching a
//! host path: [`ProcessRoot`] opens it (O_PATH), resolves paths in it, stats, lists and walks
//! ([`Walk`]), and opens regular files for reading. `ksec root`'s printing is in
//! `cmd/root.rs`.
//!
//! Every user path is opened with openat2(2) `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS` relative
//! to an fd of /proc/PID/root: absolute symlinks, `../../..` chains and `..` in the argument
//! are resolved as if that directory were `/`, and the kernel (not ksec) enforces it. `find`
//! walks down from there one component at a time with O_NOFOLLOW and never follows a symlink.
//! Where openat2 is unavailable (Linux before 5.6, or a seccomp filter), ksec refuses rather
//! than resolve paths itself.

use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::FileStat;
use serde::Serialize;

use super::error::ProcError;
use super::root::ProcRoot;
use super::stat::require_live_user_process;
use crate::output::bytes::Bytes;
use crate::output::sanitize::escape_bytes;
use crate::sys::proc_open::{open_child_nofollow, open_in_root};

/// A file's type from its mode (JSON and the stat table: `file`, `dir`, `symlink`, `fifo`,
/// `socket`, `char`, `block`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    /// A character device.
    Char,
    /// A block device.
    Block,
    Unknown,
}

impl FileKind {
    /// Every kind.
    pub const ALL: [FileKind; 8] = [
        FileKind::File,
        FileKind::Dir,
        FileKind::Symlink,
        FileKind::Fifo,
        FileKind::Socket,
        FileKind::Char,
        FileKind::Block,
        FileKind::Unknown,
    ];

    /// The kind of `mode` (`st_mode`).
    pub fn of_mode(mode: u32) -> Self {
        match mode & libc::S_IFMT {
            libc::S_IFREG => FileKind::File,
            libc::S_IFDIR => FileKind::Dir,
            libc::S_IFLNK => FileKind::Symlink,
            libc::S_IFIFO => FileKind::Fifo,
            libc::S_IFSOCK => FileKind::Socket,
            libc::S_IFCHR => FileKind::Char,
            libc::S_IFBLK => FileKind::Block,
            _ => FileKind::Unknown,
        }
    }

    /// The name ksec shows (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Dir => "dir",
            FileKind::Symlink => "symlink",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::Char => "char",
            FileKind::Block => "block",
            FileKind::Unknown => "unknown",
        }
    }

    /// The kind in words, for messages: `regular file`, `character device`...
    pub fn in_words(self) -> &'static str {
        match self {
            FileKind::File => "regular file",
            FileKind::Dir => "directory",
            FileKind::Symlink => "symlink",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::Char => "character device",
            FileKind::Block => "block device",
            FileKind::Unknown => "file of unknown type",
        }
    }

    /// The type letter of `ls -l`.
    pub fn letter(self) -> char {
        match self {
            FileKind::File => '-',
            FileKind::Dir => 'd',
            FileKind::Symlink => 'l',
            FileKind::Fifo => 'p',
            FileKind::Socket => 's',
            FileKind::Char => 'c',
            FileKind::Block => 'b',
            FileKind::Unknown => '?',
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One file, as `ls`, `find` and `stat` report it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The path inside the process's root.
    pub path: Bytes,
    #[serde(rename = "type")]
    pub kind: FileKind,
    /// `drwxr-xr-x`.
    pub mode: String,
    pub uid: u32,
    pub gid: u32,
    pub size: i64,
    pub inode: u64,
    pub nlink: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// A symlink's target, as written (never followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<Bytes>,
}

/// `ls -l`'s mode string, setuid/setgid/sticky included.
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(FileKind::of_mode(mode).letter());
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: bool, s_bit: bool, lower: char, upper: char, plain: char| match (x, s_bit) {
        (true, true) => lower,
        (false, true) => upper,
        (true, false) => plain,
        (false, false) => '-',
    };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(special(
        mode & 0o100 != 0,
        mode & 0o4000 != 0,
        's',
        'S',
        'x',
    ));
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(special(
        mode & 0o010 != 0,
        mode & 0o2000 != 0,
        's',
        'S',
        'x',
    ));
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(special(
        mode & 0o001 != 0,
        mode & 0o1000 != 0,
        't',
        'T',
        'x',
    ));
    s
}

fn entry(path: Vec<u8>, st: &FileStat, link: Option<Vec<u8>>) -> Entry {
    Entry {
        path: Bytes(path),
        kind: FileKind::of_mode(st.st_mode),
        mode: mode_string(st.st_mode),
        uid: st.st_uid,
        gid: st.st_gid,
        size: st.st_size,
        inode: st.st_ino,
        nlink: st.st_nlink,
        mtime: st.st_mtime,
        link: link.map(Bytes),
    }
}

/// `/` + the path without leading slashes: how a path inside the root is shown.
pub fn display_path(path: &str) -> Vec<u8> {
    let mut p = b"/".to_vec();
    p.extend_from_slice(path.trim_start_matches('/').as_bytes());
    p
}

/// Appends `/name` to a directory's path (`name` alone after `/`).
fn push_name(path: &mut Vec<u8>, name: &[u8]) {
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
}

/// A process's root, opened (O_PATH) through /proc/PID/root.
#[derive(Debug)]
pub struct ProcessRoot {
    pub pid: i32,
    fd: OwnedFd,
}

impl ProcessRoot {
    /// Opens /proc/PID/root (following the magic link to the process's root directory).
    ///
    /// # Errors
    /// No such process, kernel thread, zombie, permission denied.
    pub fn open(root: &ProcRoot, pid: i32) -> Result<Self, ProcError> {
        require_live_user_process(root, pid, "root directory")?;
        let path = root.pid_path(pid, "root");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| ProcError::from_io(root, pid, &path, e))?;
        Ok(Self {
            pid,
            fd: file.into(),
        })
    }

    /// `pid N: PATH (inside its root)`, the path escaped: every message about a path starts so.
    pub fn what(&self, path: &[u8]) -> String {
        format!("pid {}: {} (inside its root)", self.pid, escape_bytes(path))
    }

    fn err(&self, path: &str, e: Errno) -> anyhow::Error {
        let what = self.what(path.as_bytes());
        match e {
            Errno::ENOSYS => anyhow!(
                "{what}: openat2(2) is not available (Linux 5.6+ needed, or a seccomp filter \
                 blocks it); refusing to resolve paths in the root without it"
            ),
            Errno::EXDEV => anyhow!("{what}: the path leaves the root; refused"),
            Errno::ELOOP => anyhow!("{what}: too many symlinks, or a magic link; refused"),
            e => anyhow!("{what}: {}", e.desc().to_lowercase()),
        }
    }

    /// Opens `path` inside the root.
    ///
    /// # Errors
    /// See [`open_in_root`].
    pub fn open_path(&self, path: &str, flags: OFlag) -> anyhow::Result<OwnedFd> {
        let rel = if path.trim_start_matches('/').is_empty() {
            "."
        } else {
            path
        };
        open_in_root(self.fd.as_fd(), Path::new(rel), flags).map_err(|e| self.err(path, e))
    }

    /// lstat of `path` (the last component is not followed). Opens nothing but an O_PATH
    /// handle, so a device node, FIFO or socket is looked at, never opened.
    ///
    /// # Errors
    /// Resolution or stat fails.
    pub fn stat(&self, path: &str) -> anyhow::Result<Entry> {
        let fd = self.open_path(path, OFlag::O_PATH | OFlag::O_NOFOLLOW)?;
        let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(|e| self.err(path, e))?;
        let link = (st.st_mode & libc::S_IFMT == libc::S_IFLNK)
            .then(|| nix::fcntl::readlinkat(Some(fd.as_raw_fd()), ""))
            .transpose()
            .map_err(|e| self.err(path, e))?
            .map(|l| l.as_bytes().to_vec());
        Ok(entry(display_path(path), &st, link))
    }

    /// The entries of directory `path` (symlinks in the path followed inside the root), in
    /// name order, one at a time; a non-directory lists as itself. An entry that vanishes
    /// between reading the directory and its lstat is skipped with a note (an `Err` item).
    ///
    /// # Errors
    /// Resolution or reading the directory fails.
    pub fn ls(&self, path: &str) -> anyhow::Result<Walk<'_>> {
        let fd = match self.open_path(path, OFlag::O_PATH | OFlag::O_DIRECTORY) {
            Ok(fd) => fd,
            Err(_) if self.stat(path).is_ok_and(|e| e.kind != FileKind::Dir) => {
                return Ok(Walk::single(self, self.stat(path)?));
            }
            Err(e) => return Err(e),
        };
        let mut walk = Walk::new(self, display_path(path), false);
        walk.enter(fd).map_err(|e| self.err(path, e))?;
        Ok(walk)
    }

    /// Every file under `path`, `path` first, depth first, names sorted within a directory;
    /// symlinks are listed, never followed; proc and sysfs mounts are listed but not descended
    /// into. Per-entry problems come as `Err` items (escaped messages) and the walk goes on.
    /// Memory is bounded by the depth and the largest directory on the current path, never by
    /// the number of entries; at most [`OPEN_DIRS`] directories are open at once.
    ///
    /// # Errors
    /// `path` itself cannot be opened.
    pub fn find(&self, path: &str) -> anyhow::Result<Walk<'_>> {
        let start = self.stat(path)?;
        if start.kind != FileKind::Dir {
            return Ok(Walk::single(self, start));
        }
        let fd = self.open_path(path, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW)?;
        let mut walk = Walk::new(self, start.path.0.clone(), true);
        walk.queued.push_back(Ok(start));
        if !is_pseudo_fs(&fd) {
            walk.enter(fd).map_err(|e| self.err(path, e))?;
        }
        Ok(walk)
    }

    /// File `path`, opened for reading if and only if it is a regular file.
    ///
    /// The path is first opened O_PATH (openat2 in the root, as every path): that does not
    /// call a driver's open, so a device node (a tty, a tape that rewinds on open, the host's
    /// disk), a FIFO (whose open blocks without a writer) or a socket is looked at, never
    /// opened. Only a regular file is then reopened for reading, through /proc/self/fd/N, which
    /// names the inode already checked (not the path again, which could be swapped in between),
    /// with O_NONBLOCK|O_NOCTTY; the reopened fd's device and inode are compared once more.
    ///
    /// # Errors
    /// Resolution fails; not a regular file (the message says what it is); the reopen fails.
    pub fn open_file(&self, path: &str) -> anyhow::Result<File> {
        let what = self.what(path.as_bytes());
        let handle = self.open_path(path, OFlag::O_PATH)?;
        let st = nix::sys::stat::fstat(handle.as_raw_fd()).map_err(|e| self.err(path, e))?;
        let kind = FileKind::of_mode(st.st_mode);
        if kind != FileKind::File {
            bail!(
                "{what}: is a {}, not a regular file; cat reads regular files only (not opened)",
                kind.in_words()
            );
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
            .open(format!("/proc/self/fd/{}", handle.as_raw_fd()))
            .with_context(|| format!("{what}: reopening it for reading"))?;
        let again = nix::sys::stat::fstat(file.as_raw_fd()).map_err(|e| self.err(path, e))?;
        if (again.st_dev, again.st_ino, again.st_mode & libc::S_IFMT)
            != (st.st_dev, st.st_ino, libc::S_IFREG)
        {
            bail!("{what}: changed while being opened; refused");
        }
        Ok(file)
    }
}

/// A proc or sysfs mount: listed, never descended into.
fn is_pseudo_fs(dir: &OwnedFd) -> bool {
    nix::sys::statfs::fstatfs(dir).is_ok_and(|fs| {
        let t = fs.filesystem_type();
        t == nix::sys::statfs::PROC_SUPER_MAGIC || t == nix::sys::statfs::SYSFS_MAGIC
    })
}

/// How many directories a [`Walk`] keeps open at most: the deepest ones. A directory further
/// up is closed on the way down and reopened (`..` of its child, checked by device and inode)
/// on the way back, so a 20,000-deep tree needs 32 descriptors, not 20,000.
pub const OPEN_DIRS: usize = 32;

/// One directory being walked.
struct Frame {
    /// `None` while closed to bound the open descriptors (only for frames below the top).
    fd: Option<OwnedFd>,
    dev: u64,
    ino: u64,
    /// Length of this directory's path in [`Walk::path`].
    path_len: usize,
    /// Its names not yet visited, in order.
    names: std::vec::IntoIter<Vec<u8>>,
}

/// `ls` or `find` in progress: an iterator over entries (`Ok`) and per-entry problems (`Err`,
/// a complete message, untrusted bytes escaped). Iterative: an explicit stack of `Frame`s and
/// one path buffer, so neither the depth of the tree nor the number of entries grows the call
/// stack, and nothing is collected.
pub struct Walk<'a> {
    root: &'a ProcessRoot,
    descend: bool,
    stack: Vec<Frame>,
    path: Vec<u8>,
    queued: std::collections::VecDeque<Result<Entry, String>>,
}

impl<'a> Walk<'a> {
    fn new(root: &'a ProcessRoot, path: Vec<u8>, descend: bool) -> Self {
        Self {
            root,
            descend,
            stack: Vec::new(),
            path,
            queued: std::collections::VecDeque::new(),
        }
    }

    fn single(root: &'a ProcessRoot, e: Entry) -> Self {
        let mut w = Self::new(root, e.path.0.clone(), false);
        w.queued.push_back(Ok(e));
        w
    }

    fn note(&self, path: &[u8], why: &str) -> String {
        format!("{}: {why}", self.root.what(path))
    }

    /// Reads directory `fd` (whose path is [`Walk::path`]) and pushes it.
    fn enter(&mut self, fd: OwnedFd) -> Result<(), Errno> {
        let st = nix::sys::stat::fstat(fd.as_raw_fd())?;
        let names = read_names(&fd)?;
        self.stack.push(Frame {
            fd: Some(fd),
            dev: st.st_dev,
            ino: st.st_ino,
            path_len: self.path.len(),
            names: names.into_iter(),
        });
        if self.stack.len() > OPEN_DIRS {
            let i = self.stack.len() - 1 - OPEN_DIRS;
            self.stack[i].fd = None;
        }
        Ok(())
    }

    /// Descends into child directory `name` of the top frame, lstat'ed as `st`; the child's
    /// path is in [`Walk::path`]. Problems are queued as notes.
    fn descend_into(&mut self, name: &[u8], st: &FileStat) {
        let Some(parent) = self.stack.last().and_then(|f| f.fd.as_ref()) else {
            return;
        };
        let opened = open_child_nofollow(
            parent.as_fd(),
            Path::new(OsStr::from_bytes(name)),
            OFlag::O_PATH | OFlag::O_DIRECTORY,
        );
        let why = match opened {
            Ok(fd) => match nix::sys::stat::fstat(fd.as_raw_fd()) {
                Ok(now) if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) => {
                    "replaced while being walked; not descended into".to_string()
                }
                Ok(_) if is_pseudo_fs(&fd) => return,
                Ok(_) => match self.enter(fd) {
                    Ok(()) => return,
                    Err(e) => e.desc().to_lowercase(),
                },
                Err(e) => e.desc().to_lowercase(),
            },
            Err(Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP) => {
                "vanished or replaced while being walked; not descended into".to_string()
            }
            Err(e) => e.desc().to_lowercase(),
        };
        let msg = self.note(&self.path, &why);
        self.queued.push_back(Err(msg));
    }

    /// Pops the finished top frame and makes sure the new top is open again.
    fn pop(&mut self) {
        let Some(done) = self.stack.pop() else {
            return;
        };
        let Some(top) = self.stack.last() else {
            return;
        };
        if top.fd.is_some() {
            return;
        }
        let (dev, ino, path_len) = (top.dev, top.ino, top.path_len);
        let reopened = done.fd.as_ref().and_then(|child| {
            let fd = open_child_nofollow(
                child.as_fd(),
                Path::new(".."),
                OFlag::O_PATH | OFlag::O_DIRECTORY,
            )
            .ok()?;
            let st = nix::sys::stat::fstat(fd.as_raw_fd()).ok()?;
            ((st.st_dev, st.st_ino) == (dev, ino)).then_some(fd)
        });
        match reopened {
            Some(fd) => {
                if let Some(top) = self.stack.last_mut() {
                    top.fd = Some(fd);
                }
            }
            None => {
                self.path.truncate(path_len);
                let msg = self.note(
                    &self.path,
                    "moved while being walked; the rest of it is not listed",
                );
                self.queued.push_back(Err(msg));
                if let Some(top) = self.stack.last_mut() {
                    top.names = Vec::new().into_iter();
                }
            }
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<Entry, String>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.queued.pop_front() {
                return Some(item);
            }
            let top = self.stack.last_mut()?;
            let Some(name) = top.names.next() else {
                self.pop();
                continue;
            };
            self.path.truncate(top.path_len);
            push_name(&mut self.path, &name);
            let Some(dir) = top.fd.as_ref() else {
                // Not reached: the top frame is always open.
                continue;
            };
            let os = OsStr::from_bytes(&name);
            let st = match nix::sys::stat::fstatat(
                Some(dir.as_raw_fd()),
                os,
                AtFlags::AT_SYMLINK_NOFOLLOW,
            ) {
                Ok(st) => st,
                Err(Errno::ENOENT) => {
                    return Some(Err(
                        self.note(&self.path, "vanished while being listed; skipped")
                    ));
                }
                Err(e) => return Some(Err(self.note(&self.path, &e.desc().to_lowercase()))),
            };
            let link = (st.st_mode & libc::S_IFMT == libc::S_IFLNK)
                .then(|| nix::fcntl::readlinkat(Some(dir.as_raw_fd()), os).ok())
                .flatten()
                .map(|l| l.as_bytes().to_vec());
            let e = entry(self.path.clone(), &st, link);
            if self.descend && e.kind == FileKind::Dir {
                self.descend_into(&name, &st);
            }
            return Some(Ok(e));
        }
    }
}

/// The names in an open directory, sorted. The directory is read through /proc/self/fd/N,
/// which names the opened directory itself, so nothing is resolved again by path.
fn read_names(dir: &OwnedFd) -> Result<Vec<Vec<u8>>, Errno> {
    let errno = |e: std::io::Error| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
    let rd = std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd())).map_err(errno)?;
    let mut names = Vec::new();
    for e in rd {
        names.push(e.map_err(errno)?.file_name().as_bytes().to_vec());
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings() {
        assert_eq!(mode_string(libc::S_IFREG | 0o644), "-rw-r--r--");
        assert_eq!(mode_string(libc::S_IFDIR | 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(libc::S_IFREG | 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(libc::S_IFREG | 0o2644), "-rw-r-Sr--");
        assert_eq!(mode_string(libc::S_IFLNK | 0o777), "lrwxrwxrwx");
    }

    #[test]
    fn file_kind_names_in_text_and_json() {
        let names: Vec<String> = FileKind::ALL.iter().map(|k| k.to_string()).collect();
        assert_eq!(
            names.join(" "),
            "file dir symlink fifo socket char block unknown"
        );
        for k in FileKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
        assert_eq!(FileKind::of_mode(libc::S_IFCHR | 0o620), FileKind::Char);
        assert_eq!(FileKind::of_mode(0o644), FileKind::Unknown);
        assert_eq!(mode_string(0o644), "?rw-r--r--");
    }

    #[test]
    fn paths_are_shown_from_the_root() {
        assert_eq!(display_path("etc/passwd"), b"/etc/passwd");
        assert_eq!(display_path("//etc"), b"/etc");
        assert_eq!(display_path("/"), b"/");
        let joined = |dir: &[u8], name: &[u8]| {
            let mut p = dir.to_vec();
            push_name(&mut p, name);
            p
        };
        assert_eq!(joined(b"/", b"etc"), b"/etc");
        assert_eq!(joined(b"/etc", b"x"), b"/etc/x");
    }
}
