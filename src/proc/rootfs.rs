//! `ksec root PID ls|cat|find|stat PATH`: reading a process's (a container's) file system
//! through /proc/PID/root without ever reaching a host path.
//!
//! Every user path is opened with openat2(2) `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS` relative
//! to an fd of /proc/PID/root: absolute symlinks, `../../..` chains and `..` in the argument
//! are resolved as if that directory were `/`, and the kernel (not ksec) enforces it. `find`
//! walks down from there one component at a time with O_NOFOLLOW and never follows a symlink.
//! Where openat2 is unavailable (Linux before 5.6, or a seccomp filter), ksec refuses rather
//! than resolve paths itself.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::FileStat;
use serde::Serialize;

use super::bytes::Bytes;
use super::error::ProcError;
use super::process::require_live_user_process;
use super::render::{table, write_json, write_table};
use super::root::ProcRoot;
use super::target::resolve_one;
use crate::cli::RootArgs;
use crate::sys::proc_open::{open_child_nofollow, open_in_root};
use crate::Exit;

/// The operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ls,
    Cat,
    Find,
    Stat,
}

/// What to do, validated.
#[derive(Debug, Clone)]
pub struct RootConfig {
    pub root: ProcRoot,
    pub target: Option<String>,
    pub container: Option<String>,
    pub op: Op,
    /// Path inside the process's root (`/` when omitted).
    pub path: String,
    pub json: bool,
}

impl RootConfig {
    /// Validates `PID|NAME OP [PATH]` (or `OP [PATH]` with --container).
    ///
    /// # Errors
    /// Missing or extra arguments, an unknown operation.
    pub fn from_args(args: RootArgs) -> anyhow::Result<Self> {
        let mut pos = args.args.into_iter();
        let target = if args.container.is_some() {
            None
        } else {
            pos.next()
        };
        let op = match pos.next().as_deref() {
            Some("ls") => Op::Ls,
            Some("cat") => Op::Cat,
            Some("find") => Op::Find,
            Some("stat") => Op::Stat,
            Some(other) => bail!("unknown operation {other:?}: use ls, cat, find or stat"),
            None => bail!("give an operation: ls, cat, find or stat"),
        };
        let path = pos.next().unwrap_or_else(|| "/".into());
        if let Some(extra) = pos.next() {
            bail!("unexpected argument {extra:?}");
        }
        Ok(Self {
            root: ProcRoot::from_args(&args.proc),
            target,
            container: args.container,
            op,
            path,
            json: args.json,
        })
    }
}

/// One file, as `ls`, `find` and `stat` report it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The path inside the process's root.
    pub path: Bytes,
    /// file, dir, symlink, fifo, socket, char, block.
    #[serde(rename = "type")]
    pub kind: &'static str,
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

fn kind_of(mode: u32) -> (&'static str, char) {
    match mode & libc::S_IFMT {
        libc::S_IFREG => ("file", '-'),
        libc::S_IFDIR => ("dir", 'd'),
        libc::S_IFLNK => ("symlink", 'l'),
        libc::S_IFIFO => ("fifo", 'p'),
        libc::S_IFSOCK => ("socket", 's'),
        libc::S_IFCHR => ("char", 'c'),
        libc::S_IFBLK => ("block", 'b'),
        _ => ("unknown", '?'),
    }
}

/// `ls -l`'s mode string, setuid/setgid/sticky included.
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(kind_of(mode).1);
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
        kind: kind_of(st.st_mode).0,
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
fn display_path(path: &str) -> Vec<u8> {
    let mut p = b"/".to_vec();
    p.extend_from_slice(path.trim_start_matches('/').as_bytes());
    p
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
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

    fn err(&self, path: &str, e: Errno) -> anyhow::Error {
        let what = format!("pid {}: {path} (inside its root)", self.pid);
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

    /// lstat of `path` (the last component is not followed).
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

    /// The entries of directory `path` (symlinks in the path followed inside the root), sorted
    /// by name; a non-directory lists as itself.
    ///
    /// # Errors
    /// Resolution or listing fails.
    pub fn ls(&self, path: &str) -> anyhow::Result<Vec<Entry>> {
        let fd = match self.open_path(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY) {
            Ok(fd) => fd,
            Err(_) if self.stat(path).is_ok_and(|e| e.kind != "dir") => {
                return Ok(vec![self.stat(path)?]);
            }
            Err(e) => return Err(e),
        };
        let (entries, errors) = list_dir(&fd, &display_path(path));
        if let Some((p, e)) = errors.into_iter().next() {
            bail!(
                "pid {}: {} (inside its root): {}",
                self.pid,
                String::from_utf8_lossy(&p),
                e.desc().to_lowercase()
            );
        }
        Ok(entries.into_iter().map(|(e, _)| e).collect())
    }

    /// Every file under `path`, depth first, names sorted; symlinks are listed, never followed;
    /// proc and sysfs mounts are listed but not descended into. Per-entry errors are returned
    /// alongside (path, errno).
    ///
    /// # Errors
    /// `path` itself cannot be opened.
    pub fn find(&self, path: &str) -> anyhow::Result<(Vec<Entry>, Vec<String>)> {
        let start = self.stat(path)?;
        let mut out = vec![start.clone()];
        let mut errors = Vec::new();
        if start.kind != "dir" {
            return Ok((out, errors));
        }
        let fd = self.open_path(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY)?;
        self.walk(fd, start.path.0, &mut out, &mut errors);
        Ok((out, errors))
    }

    fn walk(&self, dir: OwnedFd, path: Vec<u8>, out: &mut Vec<Entry>, errors: &mut Vec<String>) {
        if let Ok(fs) = nix::sys::statfs::fstatfs(&dir) {
            let t = fs.filesystem_type();
            if t == nix::sys::statfs::PROC_SUPER_MAGIC || t == nix::sys::statfs::SYSFS_MAGIC {
                return;
            }
        }
        let (entries, errs) = list_dir(&dir, &path);
        for (p, e) in errs {
            errors.push(format!(
                "pid {}: {} (inside its root): {}",
                self.pid,
                crate::output::sanitize::escape_bytes(&p),
                e.desc().to_lowercase()
            ));
        }
        for (e, name) in entries {
            let is_dir = e.kind == "dir";
            let child_path = e.path.0.clone();
            out.push(e);
            if !is_dir {
                continue;
            }
            match open_child_nofollow(
                dir.as_fd(),
                Path::new(OsStr::from_bytes(&name)),
                OFlag::O_RDONLY | OFlag::O_DIRECTORY,
            ) {
                Ok(child) => self.walk(child, child_path, out, errors),
                Err(err) => errors.push(format!(
                    "pid {}: {} (inside its root): {}",
                    self.pid,
                    crate::output::sanitize::escape_bytes(&child_path),
                    err.desc().to_lowercase()
                )),
            }
        }
    }

    /// The contents of file `path`.
    ///
    /// # Errors
    /// Resolution or reading fails; a directory.
    pub fn cat(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let fd = self.open_path(path, OFlag::O_RDONLY)?;
        let mut data = Vec::new();
        File::from(fd)
            .read_to_end(&mut data)
            .with_context(|| format!("pid {}: {path} (inside its root)", self.pid))?;
        Ok(data)
    }
}

/// Lists an open directory: entries (with their names) sorted by name, and per-entry errors.
/// The directory is read through /proc/self/fd/N, which names the opened directory itself, so
/// nothing is resolved again by path.
#[allow(clippy::type_complexity)]
fn list_dir(dir: &OwnedFd, path: &[u8]) -> (Vec<(Entry, Vec<u8>)>, Vec<(Vec<u8>, Errno)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let rd = match std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd())) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push((
                path.to_vec(),
                Errno::from_raw(e.raw_os_error().unwrap_or(0)),
            ));
            return (entries, errors);
        }
    };
    let mut names: Vec<Vec<u8>> = rd
        .filter_map(|e| Some(e.ok()?.file_name().as_bytes().to_vec()))
        .collect();
    names.sort();
    for name in names {
        let child = join(path, &name);
        let os = OsStr::from_bytes(&name);
        let st = match nix::sys::stat::fstatat(
            Some(dir.as_raw_fd()),
            os,
            AtFlags::AT_SYMLINK_NOFOLLOW,
        ) {
            Ok(st) => st,
            Err(e) => {
                errors.push((child, e));
                continue;
            }
        };
        let link = (st.st_mode & libc::S_IFMT == libc::S_IFLNK)
            .then(|| nix::fcntl::readlinkat(Some(dir.as_raw_fd()), os).ok())
            .flatten()
            .map(|l| l.as_bytes().to_vec());
        entries.push((entry(child, &st, link), name));
    }
    (entries, errors)
}

fn name_text(e: &Entry) -> String {
    match &e.link {
        Some(l) => format!("{} -> {}", e.path.escaped(), l.escaped()),
        None => e.path.escaped(),
    }
}

fn entries_table(out: &mut impl Write, entries: &[Entry]) -> std::io::Result<()> {
    let mut t = table(&["MODE", "UID", "GID", "SIZE", "PATH"]);
    for e in entries {
        t.add_row(vec![
            e.mode.clone(),
            e.uid.to_string(),
            e.gid.to_string(),
            e.size.to_string(),
            name_text(e),
        ]);
    }
    write_table(out, &t)
}

fn stat_table(out: &mut impl Write, e: &Entry) -> std::io::Result<()> {
    let mut t = table(&["FIELD", "VALUE"]);
    let rows: Vec<(&str, String)> = vec![
        ("path", e.path.escaped()),
        ("type", e.kind.into()),
        ("mode", e.mode.clone()),
        ("uid", e.uid.to_string()),
        ("gid", e.gid.to_string()),
        ("size", e.size.to_string()),
        ("inode", e.inode.to_string()),
        ("links", e.nlink.to_string()),
        ("mtime", e.mtime.to_string()),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    if let Some(l) = &e.link {
        t.add_row(vec!["link".to_string(), l.escaped()]);
    }
    write_table(out, &t)
}

/// `cat` on a terminal: each line escaped, newlines kept.
fn write_escaped_lines(out: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    for line in body.split(|&b| b == b'\n') {
        writeln!(out, "{}", crate::output::sanitize::escape_bytes(line))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Listing<'a> {
    pid: i32,
    path: Bytes,
    entries: &'a [Entry],
}

#[derive(Serialize)]
struct Content {
    pid: i32,
    path: Bytes,
    content: Bytes,
}

/// Runs the subcommand.
///
/// # Errors
/// Selection, opening the root, or the operation fails; writing fails.
pub fn run(args: RootArgs) -> anyhow::Result<Exit> {
    let cfg = RootConfig::from_args(args)?;
    let pid = resolve_one(&cfg.root, cfg.target.as_deref(), cfg.container.as_deref())?;
    let root = ProcessRoot::open(&cfg.root, pid)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let path = Bytes(display_path(&cfg.path));
    let mut code = 0;
    match cfg.op {
        Op::Stat => {
            let e = root.stat(&cfg.path)?;
            if cfg.json {
                write_json(&mut out, &e)?;
            } else {
                stat_table(&mut out, &e)?;
            }
        }
        Op::Ls | Op::Find => {
            let entries = if cfg.op == Op::Ls {
                root.ls(&cfg.path)?
            } else {
                let (entries, errors) = root.find(&cfg.path)?;
                for e in &errors {
                    eprintln!("ksec: {e}");
                }
                code = i32::from(!errors.is_empty());
                entries
            };
            if cfg.json {
                write_json(
                    &mut out,
                    &Listing {
                        pid,
                        path,
                        entries: &entries,
                    },
                )?;
            } else {
                entries_table(&mut out, &entries)?;
            }
        }
        Op::Cat => {
            let data = root.cat(&cfg.path)?;
            if cfg.json {
                write_json(
                    &mut out,
                    &Content {
                        pid,
                        path,
                        content: Bytes(data),
                    },
                )?;
            } else if std::io::stdout().is_terminal() {
                write_escaped_lines(&mut out, &data)?;
            } else {
                out.write_all(&data)?;
            }
        }
    }
    Ok(Exit::Code(code))
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
    fn paths_are_shown_from_the_root() {
        assert_eq!(display_path("etc/passwd"), b"/etc/passwd");
        assert_eq!(display_path("//etc"), b"/etc");
        assert_eq!(display_path("/"), b"/");
        assert_eq!(join(b"/", b"etc"), b"/etc");
        assert_eq!(join(b"/etc", b"x"), b"/etc/x");
    }
}
