//! The I/O side of a scan: a process's cmdline, environ, open regular files (through
//! /proc/PID/fd/N) and, with `--memory`, its readable memory (/proc/PID/mem over /proc/PID/maps);
//! or files named with `--file`. Everything found or skipped goes to a sink as an [`Event`].
//!
//! Harmlessness: an fd's /proc link is opened with `O_PATH` (which runs no device's open routine
//! and breaks no lease) and `fstat`ed; only a regular file is then opened for reading, by
//! reopening that `O_PATH` descriptor through /proc/self/fd (`O_RDONLY|O_NONBLOCK|O_NOCTTY|
//! O_NOATIME`), so what is read is the inode that was checked even if the target swaps the fd
//! meanwhile, and the target's file description and offset are untouched. A file on which
//! /proc/locks lists a lease is not opened (a read open breaks a write lease and signals its
//! holder). ksec's own stdout and stderr (when regular files) are never searched, whoever holds
//! them: a run redirected to a file would otherwise find its own findings there.
//! Files are read with `pread` up to their size at open time, never past `--max-filesize`;
//! cmdline and environ are streamed, cut at `--max-filesize`; memory stops at `--max-memory` in
//! all per process. FIFOs, sockets, devices and ttys are listed as skipped and never opened.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

use super::detectors::Detectors;
use super::report::{Bytes, Event, Finding, Origin, Progress, Skipped, SourceKind, Why};
use super::scan::{Matcher, ReadAt, Scanner};
use crate::proc::maps::{self, Region};
use crate::proc::root::ProcRoot;

/// Where events go; an error (a closed pipe) stops the scan.
pub type Sink<'s> = dyn FnMut(Event) -> io::Result<()> + 's;

/// Counts for the exit status and the closing summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub findings: u64,
    /// Skips that are failures ([`Why::is_error`]).
    pub errors: u64,
    /// Skips by design (the others).
    pub skipped: u64,
    pub sources: u64,
    pub bytes: u64,
    /// Every skip, errors included, counted by [`Why::code`].
    pub by_code: BTreeMap<&'static str, u64>,
}

impl Stats {
    /// Counts one skip of `why`.
    pub fn count_skip(&mut self, why: &Why) {
        if why.is_error() {
            self.errors += 1;
        } else {
            self.skipped += 1;
        }
        *self.by_code.entry(why.code()).or_default() += 1;
    }
}

/// Walks processes and files, scanning each source with one reused [`Scanner`].
pub struct Walker<'a> {
    matcher: &'a Matcher,
    redact: Option<&'a Detectors>,
    scanner: Scanner,
    max_filesize: u64,
    memory: bool,
    /// The most memory read per process with `--memory` (default: no bound).
    pub max_memory: u64,
    /// Where the leases on the machine are listed (`<proc root>/locks`).
    pub locks_path: std::path::PathBuf,
    /// (dev, ino) of every file searched, and where it was first seen.
    seen: HashMap<(u64, u64), String>,
    /// (dev, ino) of ksec's own stdout and stderr when they are regular files: never searched,
    /// whoever holds them, through an fd, as a `--file` or as a mapping.
    pub own_output: Vec<(u64, u64)>,
    /// Skip kernel threads without an event (for `--all`, where they are expected).
    pub quiet_kernel_threads: bool,
    /// Send an [`Event::Progress`] before each process and each source.
    pub progress: bool,
    /// Which item of the run is being scanned, and how many there are (for progress).
    pub position: (usize, usize),
    pub stats: Stats,
}

impl<'a> Walker<'a> {
    /// A walker searching with `matcher`; `redact` masks findings with these detectors.
    pub fn new(
        matcher: &'a Matcher,
        redact: Option<&'a Detectors>,
        scanner: Scanner,
        max_filesize: u64,
        memory: bool,
    ) -> Self {
        Self {
            matcher,
            redact,
            scanner,
            max_filesize,
            memory,
            max_memory: u64::MAX,
            locks_path: "/proc/locks".into(),
            seen: HashMap::new(),
            own_output: Vec::new(),
            quiet_kernel_threads: false,
            progress: false,
            position: (0, 0),
            stats: Stats::default(),
        }
    }

    /// Searches process `pid`: cmdline, environ, every regular file it holds open, and memory
    /// with `--memory`. Per-item failures become skipped events; the walk goes on.
    ///
    /// # Errors
    /// Only a failing sink (e.g. a closed pipe).
    pub fn scan_process(&mut self, root: &ProcRoot, pid: i32, sink: &mut Sink) -> io::Result<()> {
        let comm = root.comm(pid).ok().map(Bytes);
        let origin = |source, fd, path: Option<&[u8]>| Origin {
            pid: Some(pid),
            comm: comm.clone(),
            source,
            fd,
            path: path.map(|p| Bytes(p.to_vec())),
            region: None,
        };
        if pid == std::process::id() as i32 {
            return self.skip(sink, origin(SourceKind::Process, None, None), Why::Itself);
        }
        if crate::proc::stat::is_kernel_thread(root, pid) {
            if self.quiet_kernel_threads {
                self.stats.count_skip(&Why::KernelThread);
                return Ok(());
            }
            let o = origin(SourceKind::Process, None, None);
            return self.skip(sink, o, Why::KernelThread);
        }
        self.tick(sink, &origin(SourceKind::Process, None, None))?;
        let fd_dir = root.pid_path(pid, "fd");
        let fds = match root.fds(pid) {
            Ok(fds) => fds,
            Err(e) => {
                let why = Why::io("read", &fd_dir, &e, true);
                let gone = !why.is_error();
                self.skip(sink, origin(SourceKind::Process, None, None), why)?;
                if gone {
                    return Ok(());
                }
                Vec::new()
            }
        };
        for (name, kind) in [
            ("cmdline", SourceKind::Cmdline),
            ("environ", SourceKind::Environ),
        ] {
            let path = root.pid_path(pid, name);
            // Streamed with pread like a file: a process can make these a GiB long.
            match File::open(&path) {
                Ok(mut file) => {
                    let before = self.stats.bytes;
                    self.scan_source(
                        &mut file,
                        0,
                        self.max_filesize,
                        origin(kind, None, None),
                        sink,
                    )?;
                    let at = self.stats.bytes - before;
                    if at == self.max_filesize && has_byte_at(&file, at) {
                        self.skip(sink, origin(kind, None, None), Why::Cut { at })?;
                    }
                }
                Err(e) => {
                    let why = Why::io("read", &path, &e, true);
                    self.skip(sink, origin(kind, None, None), why)?;
                }
            }
        }
        for fd in fds {
            let link = root.pid_path(pid, &format!("fd/{fd}"));
            let target = std::fs::read_link(&link)
                .map(|t| t.as_os_str().as_bytes().to_vec())
                .unwrap_or_default();
            let o = origin(SourceKind::Fd, Some(fd), Some(&target));
            let here = format!("pid {pid} fd {fd}");
            self.scan_regular(&link, o, here, true, sink)?;
        }
        if self.memory {
            self.scan_memory(root, pid, &origin(SourceKind::Memory, None, None), sink)?;
        }
        Ok(())
    }

    /// Searches a file named on the command line (regular files only, as for fds).
    ///
    /// # Errors
    /// Only a failing sink.
    pub fn scan_path(&mut self, path: &Path, sink: &mut Sink) -> io::Result<()> {
        let o = Origin {
            pid: None,
            comm: None,
            source: SourceKind::File,
            fd: None,
            path: Some(Bytes(path.as_os_str().as_bytes().to_vec())),
            region: None,
        };
        self.scan_regular(path, o, path.display().to_string(), false, sink)
    }

    /// stat, skip if not regular or too big or already searched, open anew, fstat, pread.
    /// `in_proc`: the path is an fd link, which vanishing (ENOENT) is no failure.
    fn scan_regular(
        &mut self,
        path: &Path,
        o: Origin,
        here: String,
        in_proc: bool,
        sink: &mut Sink,
    ) -> io::Result<()> {
        // O_PATH: no open routine of a device runs, no lease breaks, a FIFO does not block.
        let handle = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(path)
        {
            Ok(f) => f,
            Err(e) => return self.skip(sink, o, Why::io("open", path, &e, in_proc)),
        };
        let checked = match handle.metadata() {
            Ok(m) => m,
            Err(e) => return self.skip(sink, o, Why::io("fstat", path, &e, false)),
        };
        if self.is_own_output(checked.dev(), checked.ino()) {
            return self.skip(sink, o, Why::OwnOutput);
        }
        if let Some(what) = not_regular(&checked) {
            return self.skip(sink, o, Why::NotRegular(what));
        }
        if let Some(holder) = lease_holder(&self.locks_path, checked.dev(), checked.ino()) {
            return self.skip(sink, o, Why::Lease(holder));
        }
        // Reopening the O_PATH descriptor opens the inode just checked, whatever the target
        // has put on its fd since.
        let reopen = format!("/proc/self/fd/{}", handle.as_raw_fd());
        let file = match open_for_search(Path::new(&reopen)) {
            Ok(f) => f,
            Err(e) => return self.skip(sink, o, Why::io("open", path, &e, in_proc)),
        };
        drop(handle);
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => return self.skip(sink, o, Why::io("fstat", path, &e, false)),
        };
        if let Some(what) = not_regular(&meta) {
            return self.skip(sink, o, Why::NotRegular(what));
        }
        if (meta.dev(), meta.ino()) != (checked.dev(), checked.ino()) {
            let e = io::Error::other("the file changed while being opened");
            return self.skip(sink, o, Why::io("open", path, &e, false));
        }
        if meta.len() > self.max_filesize {
            let why = Why::TooLarge {
                size: meta.len(),
                max: self.max_filesize,
            };
            return self.skip(sink, o, why);
        }
        let key = (meta.dev(), meta.ino());
        if let Some(first) = self.seen.get(&key) {
            return self.skip(sink, o, Why::SameFile(first.clone()));
        }
        self.seen.insert(key, here);
        let mut file = file;
        self.scan_source(&mut file, 0, meta.len(), o, sink)
    }

    fn scan_memory(
        &mut self,
        root: &ProcRoot,
        pid: i32,
        base: &Origin,
        sink: &mut Sink,
    ) -> io::Result<()> {
        let maps_path = root.pid_path(pid, "maps");
        let regions = match std::fs::read(&maps_path) {
            Ok(data) => maps::parse_maps(&data),
            Err(e) => return self.skip(sink, base.clone(), Why::io("read", &maps_path, &e, true)),
        };
        let mem_path = root.pid_path(pid, "mem");
        let mem = match File::open(&mem_path) {
            Ok(f) => f,
            Err(e) => return self.skip(sink, base.clone(), Why::io("open", &mem_path, &e, true)),
        };
        let mut reader = MemReader { mem, unreadable: 0 };
        let mut budget = self.max_memory;
        // Regions left out for the budget: count, bytes, first start, last end.
        let mut left_out: Option<(u64, u64, u64, u64)> = None;
        for r in regions {
            let o = Origin {
                path: Some(Bytes(r.path.clone())),
                region: Some((r.start, r.end)),
                ..base.clone()
            };
            match skip_reason(&r) {
                Some("not readable") => continue,
                _ if r.inode != 0 && self.is_own_output(r.dev, r.inode) => {
                    self.skip(sink, o, Why::OwnOutput)?;
                    continue;
                }
                Some(why) => {
                    self.skip(sink, o, Why::Mapping(why))?;
                    continue;
                }
                None => {}
            }
            if r.len() > self.max_filesize {
                let why = Why::TooLarge {
                    size: r.len(),
                    max: self.max_filesize,
                };
                self.skip(sink, o, why)?;
                continue;
            }
            if r.len() > budget {
                let l = left_out.get_or_insert((0, 0, r.start, r.end));
                *l = (l.0 + 1, l.1 + r.len(), l.2, r.end);
                continue;
            }
            budget -= r.len();
            reader.unreadable = 0;
            self.scan_source(&mut reader, r.start, r.len(), o.clone(), sink)?;
            if reader.unreadable > 0 {
                self.skip(sink, o, Why::Unreadable(reader.unreadable))?;
            }
        }
        if let Some((regions, bytes, first, last)) = left_out {
            let o = Origin {
                region: Some((first, last)),
                ..base.clone()
            };
            let max = self.max_memory;
            self.skip(
                sink,
                o,
                Why::OverMemoryBudget {
                    regions,
                    bytes,
                    max,
                },
            )?;
        }
        Ok(())
    }

    /// Scans one source; a read error becomes a skipped event (after what was found before it).
    fn scan_source(
        &mut self,
        src: &mut dyn ReadAt,
        start: u64,
        len: u64,
        o: Origin,
        sink: &mut Sink,
    ) -> io::Result<()> {
        self.tick(sink, &o)?;
        let mut sink_err = None;
        let mut findings = 0u64;
        let redact = self.redact;
        let result = self
            .scanner
            .scan(src, start, len, self.matcher, &mut |found| {
                if sink_err.is_some() {
                    return;
                }
                let mut f = Finding::new(o.clone(), found);
                if let Some(d) = redact {
                    f.redact(d);
                }
                findings += 1;
                if let Err(e) = sink(Event::Finding(Box::new(f))) {
                    sink_err = Some(e);
                }
            });
        self.stats.findings += findings;
        self.stats.sources += 1;
        if let Some(e) = sink_err {
            return Err(e);
        }
        match result {
            Ok(n) => {
                self.stats.bytes += n;
                Ok(())
            }
            Err(e) => {
                let path = o
                    .path
                    .as_ref()
                    .map(|p| String::from_utf8_lossy(&p.0).into_owned());
                let why = Why::io("read", Path::new(&path.unwrap_or_default()), &e, true);
                self.skip(sink, o, why)
            }
        }
    }

    fn is_own_output(&self, dev: u64, ino: u64) -> bool {
        self.own_output.contains(&(dev, ino))
    }

    /// Reports progress (with [`Walker::progress`]): about to scan `o`.
    fn tick(&mut self, sink: &mut Sink, o: &Origin) -> io::Result<()> {
        if !self.progress {
            return Ok(());
        }
        sink(Event::Progress(Progress {
            item: self.position.0,
            items: self.position.1,
            origin: o.clone(),
            bytes: self.stats.bytes,
            findings: self.stats.findings,
        }))
    }

    fn skip(&mut self, sink: &mut Sink, origin: Origin, reason: Why) -> io::Result<()> {
        let error = reason.is_error();
        self.stats.count_skip(&reason);
        sink(Event::Skipped(Skipped {
            origin,
            reason,
            error,
        }))
    }
}

/// Opens `path` read-only without side effects on anyone: O_NONBLOCK (should the file be
/// swapped for a FIFO between stat and open, open does not wait for a writer), O_NOCTTY (never
/// become a controlling terminal), O_NOATIME (reading does not update the file's access time;
/// the kernel allows it to the owner and CAP_FOWNER only, so without it on EPERM).
fn open_for_search(path: &Path) -> io::Result<File> {
    let open = |flags| OpenOptions::new().read(true).custom_flags(flags).open(path);
    let base = libc::O_NONBLOCK | libc::O_NOCTTY;
    match open(base | libc::O_NOATIME) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => open(base),
        other => other,
    }
}

/// What a non-regular file is, for the skip message.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        None
    } else if t.is_fifo() {
        Some("fifo")
    } else if t.is_socket() {
        Some("socket")
    } else if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_dir() {
        Some("directory")
    } else {
        Some("not a regular file")
    }
}

/// True when `file` has a byte at `offset` (a /proc file's stat size is 0, so this reads).
fn has_byte_at(file: &File, offset: u64) -> bool {
    let mut b = [0u8; 1];
    std::os::unix::fs::FileExt::read_at(file, &mut b, offset).is_ok_and(|n| n == 1)
}

/// The pid holding a lease (or an NFS delegation) on the inode `(dev, ino)`, from /proc/locks
/// (lines like `1: LEASE  ACTIVE    WRITE 4242 00:2a:1234 0 EOF`, the device as hex
/// `major:minor`). `None` when there is none, or /proc/locks cannot be read.
fn lease_holder(locks: &Path, dev: u64, ino: u64) -> Option<i64> {
    let file = File::open(locks).ok()?;
    let want = format!(
        "{:02x}:{:02x}:{ino}",
        nix::sys::stat::major(dev),
        nix::sys::stat::minor(dev)
    );
    // Bounded: /proc/locks has a line per lock on the machine; read at most 16 MiB of it.
    let lines = BufReader::new(file.take(16 << 20)).split(b'\n');
    lines
        .map_while(Result::ok)
        .find_map(|line| parse_lease_line(&line, &want))
}

/// The holder's pid when `line` is a lease or delegation on `inode` (`maj:min:ino`).
fn parse_lease_line(line: &[u8], inode: &str) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    let tok: Vec<&str> = text.split_whitespace().collect();
    if !tok.iter().any(|t| *t == "LEASE" || *t == "DELEG") {
        return None;
    }
    let at = tok.iter().position(|t| *t == inode)?;
    tok.get(at.checked_sub(1)?)?.parse().ok()
}

/// /proc/PID/mem, where pages that cannot be read (EIO, EFAULT: guard pages, unmapped since
/// maps was read) read as zeros, which end printable runs, and are counted.
struct MemReader {
    mem: File,
    unreadable: u64,
}

impl ReadAt for MemReader {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match std::os::unix::fs::FileExt::read_at(&self.mem, buf, offset) {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EIO) | Some(libc::EFAULT)) => {
                let page = 4096 - (offset % 4096) as usize;
                let n = page.min(buf.len());
                buf[..n].fill(0);
                self.unreadable += n as u64;
                Ok(n)
            }
            other => other,
        }
    }
}

/// Why `--memory` must not read this region, if it must not: not readable, the kernel's
/// [vvar]/[vsyscall] pages (reading them can fault), or a device mapping (reading device memory
/// can have side effects); /dev/shm and /dev/zero mappings are plain memory.
fn skip_reason(r: &Region) -> Option<&'static str> {
    if r.perms[0] != b'r' {
        return Some("not readable");
    }
    let p = &r.path[..];
    if p.starts_with(b"[vvar") || p == b"[vsyscall]" {
        return Some("kernel page");
    }
    if p.starts_with(b"/dev/") && !p.starts_with(b"/dev/shm/") && !p.starts_with(b"/dev/zero") {
        return Some("device mapping");
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn memory_regions_read_and_skipped() {
        let r = crate::proc::maps::parse_maps(crate::proc::maps::tests::MAPS);
        let read: Vec<_> = r
            .iter()
            .filter(|r| super::skip_reason(r).is_none())
            .map(|r| String::from_utf8_lossy(&r.path).into_owned())
            .collect();
        assert_eq!(
            read,
            [
                "/usr/bin/python3.11",
                "[heap]",
                "",
                "/dev/shm/x (deleted)",
                "[stack]",
                "[vdso]"
            ]
        );
        assert_eq!(super::skip_reason(&r[3]), Some("not readable"));
        assert_eq!(super::skip_reason(&r[5]), Some("device mapping"));
        assert_eq!(super::skip_reason(&r[7]), Some("kernel page"));
    }

    use super::*;
    use crate::secret::detectors::Kind;
    use memchr::memmem;
    use std::os::unix::fs::symlink;

    #[test]
    fn leases_from_proc_locks() {
        let at = "00:2a:1234";
        let lease = b"3: LEASE  ACTIVE    WRITE 4242 00:2a:1234 0 EOF";
        assert_eq!(parse_lease_line(lease, at), Some(4242));
        assert_eq!(
            parse_lease_line(b"4: LEASE  BREAKING  READ  77 00:2a:1234 0 EOF", at),
            Some(77)
        );
        // Another inode, and a POSIX lock on this one: no lease.
        assert_eq!(parse_lease_line(lease, "00:2a:12345"), None);
        let posix = b"1: POSIX  ADVISORY  WRITE 99 00:2a:1234 0 EOF";
        assert_eq!(parse_lease_line(posix, at), None);
        assert_eq!(parse_lease_line(b"", at), None);
    }

    /// A fake /proc (the injectable root) with one process: a readable environ, a cmdline that
    /// cannot be read (a directory), and fds to a regular file, a FIFO, a dangling link and the
    /// same file again.
    #[test]
    fn walks_a_fake_proc_tree_and_keeps_going_on_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("proc/4242");
        std::fs::create_dir_all(p.join("fd")).unwrap();
        std::fs::create_dir_all(p.join("cmdline")).unwrap();
        std::fs::write(p.join("comm"), b"app\n").unwrap();
        std::fs::write(p.join("stat"), b"4242 (app) S 1 4242 4242 0 -1 4194560 0 0").unwrap();
        std::fs::write(p.join("environ"), b"HOME=/\0API_TOKEN=zR8vK2mQ9xL4pW7nB3\0").unwrap();
        let data = dir.path().join("data.db");
        std::fs::write(&data, b"\x00/registry/secrets/x\x00cc=1111222233334444\x00").unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        symlink(&data, p.join("fd/3")).unwrap();
        symlink(&fifo, p.join("fd/4")).unwrap();
        symlink(dir.path().join("gone"), p.join("fd/5")).unwrap();
        symlink(&data, p.join("fd/6")).unwrap();

        let root = ProcRoot::new(dir.path().join("proc"));
        let matcher = Matcher::Literal(Box::new(memmem::Finder::new(b"111122").into_owned()));
        let mut w = Walker::new(
            &matcher,
            None,
            Scanner::new(Default::default()),
            1 << 30,
            false,
        );
        let mut events = Vec::new();
        w.scan_process(&root, 4242, &mut |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
        let mut found = Vec::new();
        let mut skipped = Vec::new();
        for e in events {
            match e {
                Event::Finding(f) => found.push(f),
                Event::Skipped(s) => {
                    skipped.push((s.origin.source, s.origin.fd, s.reason.to_string(), s.error))
                }
                Event::Progress(_) => unreachable!("progress is off"),
            }
        }
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].origin.fd, Some(3));
        assert_eq!(found[0].origin.comm, Some(Bytes(b"app".to_vec())));
        assert_eq!(found[0].kinds, vec![Kind::Pattern]);
        assert_eq!(
            found[0].before,
            vec![Bytes(b"/registry/secrets/x".to_vec())]
        );
        let reasons: Vec<_> = skipped.iter().map(|s| (s.0, s.1, s.3)).collect();
        assert_eq!(
            reasons,
            vec![
                (SourceKind::Cmdline, None, true), // a directory: read error, reported
                (SourceKind::Fd, Some(4), false),  // FIFO
                (SourceKind::Fd, Some(5), false),  // dangling: closed while we looked
                (SourceKind::Fd, Some(6), false),  // same file as fd 3
            ],
            "{skipped:#?}"
        );
        assert_eq!(skipped[1].2, "fifo, not read");
        assert!(
            skipped[3].2.starts_with("same file as pid 4242 fd 3"),
            "{skipped:#?}"
        );
        assert_eq!(
            (w.stats.findings, w.stats.errors, w.stats.skipped),
            (1, 1, 3)
        );
    }

    #[test]
    fn its_own_output_is_skipped_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out.jsonl");
        std::fs::write(&f, b"token=zR8vK2mQ9xL4pW7nB3\n").unwrap();
        let meta = std::fs::metadata(&f).unwrap();
        let matcher = Matcher::Literal(Box::new(memmem::Finder::new(b"zR8v").into_owned()));
        let mut w = Walker::new(
            &matcher,
            None,
            Scanner::new(Default::default()),
            1 << 30,
            false,
        );
        w.own_output = vec![(meta.dev(), meta.ino())];
        let mut events = Vec::new();
        w.scan_path(&f, &mut |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
        assert!(
            matches!(&events[..], [Event::Skipped(s)] if s.reason == Why::OwnOutput && !s.error),
            "{events:#?}"
        );
        assert_eq!(Why::OwnOutput.to_string(), "ksec's own output");
        assert_eq!(
            (w.stats.findings, w.stats.errors, w.stats.skipped),
            (0, 0, 1)
        );
    }

    #[test]
    fn kernel_threads_are_skipped_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("2");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("stat"), b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0").unwrap();
        let matcher = Matcher::Detectors(Box::default());
        let mut w = Walker::new(
            &matcher,
            None,
            Scanner::new(Default::default()),
            1 << 30,
            true,
        );
        let mut events = Vec::new();
        w.scan_process(&ProcRoot::new(dir.path()), 2, &mut |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(events.len(), 1);
        assert!(
            matches!(&events[0], Event::Skipped(s) if s.reason == Why::KernelThread && !s.error)
        );
    }
}
