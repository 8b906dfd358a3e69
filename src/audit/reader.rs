//! Reading audit logs line by line in constant memory: a line reader with a bounded line length
//! (a longer line is reported by number and skipped, never buffered whole), the log files of a
//! directory (audit.log and its rotated copies, `.gz` too) put in time order, and following the
//! live file across rotation (a new inode at its path) and truncation.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::event::parse_line;

/// The longest line read whole (16 MiB); longer lines are skipped and reported.
pub const MAX_LINE: usize = 16 << 20;

/// What [`LineReader::next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A whole line is in the buffer (without its newline).
    Full,
    /// A line of this many bytes (newline excluded) was longer than the limit and skipped.
    TooLong(usize),
    /// The input ended inside a line; with `partial_is_line` false, what was read stays in the
    /// buffer and the next call goes on from there (a writer is still writing it).
    Pending,
    /// The input ended.
    Eof,
}

/// Lines of a [`BufRead`], at most `max` bytes each, numbered from 1.
pub struct LineReader<R> {
    inner: R,
    max: usize,
    /// The number of the last line returned.
    pub line_no: u64,
    /// Bytes of an over-long line skipped so far (0 when not skipping).
    skipping: usize,
    /// A partial line is in the caller's buffer from an earlier call.
    pending: bool,
    /// True for files read once: a last line without a newline is a line.
    pub partial_is_line: bool,
    /// Bytes consumed from `inner` so far.
    pub consumed: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max: usize) -> Self {
        Self {
            inner,
            max,
            line_no: 0,
            skipping: 0,
            pending: false,
            partial_is_line: true,
            consumed: 0,
        }
    }

    /// The reader underneath.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Reads the next line into `buf` (cleared first unless a partial line is pending).
    ///
    /// # Errors
    /// Reading fails.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Line> {
        if !self.pending {
            buf.clear();
        }
        self.pending = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if self.skipping > 0 {
                    if !self.partial_is_line {
                        self.pending = true;
                        return Ok(Line::Pending);
                    }
                    self.line_no += 1;
                    let n = std::mem::take(&mut self.skipping);
                    return Ok(Line::TooLong(n));
                }
                if buf.is_empty() {
                    return Ok(Line::Eof);
                }
                if !self.partial_is_line {
                    self.pending = true;
                    return Ok(Line::Pending);
                }
                self.line_no += 1;
                return Ok(Line::Full);
            }
            let (used, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, Some(i)),
                None => (chunk.len(), None),
            };
            let data = &chunk[..done.unwrap_or(used)];
            if self.skipping > 0 {
                self.skipping += data.len();
            } else if buf.len() + data.len() > self.max {
                self.skipping = buf.len() + data.len();
                buf.clear();
            } else {
                buf.extend_from_slice(data);
            }
            self.inner.consume(used);
            self.consumed += used as u64;
            if done.is_some() {
                self.line_no += 1;
                if self.skipping > 0 {
                    let n = std::mem::take(&mut self.skipping);
                    return Ok(Line::TooLong(n));
                }
                return Ok(Line::Full);
            }
        }
    }
}

/// True for a gzip file name.
fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Opens a log for reading: plain, or decompressed when its name ends in `.gz`.
///
/// # Errors
/// The file cannot be opened.
pub fn open_log(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let f = File::open(path)?;
    Ok(if is_gz(path) {
        Box::new(BufReader::with_capacity(
            256 << 10,
            flate2::read::MultiGzDecoder::new(BufReader::new(f)),
        ))
    } else {
        Box::new(BufReader::with_capacity(256 << 10, f))
    })
}

/// One problem found while listing logs (reported, then skipped).
#[derive(Debug)]
pub struct ListError {
    pub path: PathBuf,
    pub error: io::Error,
}

/// The log files of `dir`: regular files whose name holds `.log` (audit.log, audit.log.1,
/// audit.log.2.gz, the API server's audit-2024-01-02T03-04-05.000.log backups).
///
/// # Errors
/// The directory cannot be read.
pub fn logs_in_dir(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.contains(".log") {
            continue;
        }
        let path = entry.path();
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The time of the first event in `path` (read at most 1000 lines in), for putting rotated
/// files in order.
fn first_time(path: &Path) -> Option<u64> {
    let r = open_log(path).ok()?;
    let mut lines = LineReader::new(r, MAX_LINE);
    let mut buf = Vec::new();
    for _ in 0..1000 {
        match lines.next_line(&mut buf).ok()? {
            Line::Full => {
                if let Ok(p) = parse_line(&buf) {
                    if let Some(t) = p.event.time_ns() {
                        return Some(t);
                    }
                }
            }
            Line::TooLong(_) => {}
            Line::Pending | Line::Eof => return None,
        }
    }
    None
}

/// Puts log files in time order: by their first event's time, files without one by their
/// modification time, the names breaking ties. Rotated files do not overlap, so reading them
/// in this order reads the events in time order.
pub fn time_order(paths: &mut [PathBuf]) {
    let mut keyed: Vec<(u64, PathBuf)> = paths
        .iter()
        .map(|p| {
            let t = first_time(p).unwrap_or_else(|| {
                std::fs::metadata(p)
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(u64::MAX, |d| d.as_nanos() as u64)
            });
            (t, p.clone())
        })
        .collect();
    keyed.sort();
    for (slot, (_, p)) in paths.iter_mut().zip(keyed) {
        *slot = p;
    }
}

/// A file followed as it grows, across rotation and truncation (as `tail -F`).
pub struct Follower {
    path: PathBuf,
    lines: LineReader<BufReader<File>>,
    ino: u64,
    dev: u64,
    /// Bytes consumed from the current file.
    offset: u64,
    pub poll: Duration,
}

/// What the follower saw happen to its file.
#[derive(Debug, PartialEq, Eq)]
pub enum Reopened {
    /// A new file at the path (rotation): read from its start.
    Rotated,
    /// The file shrank (truncation): read again from its start.
    Truncated,
}

impl Follower {
    /// Follows `path`, from its end when `from_end` (else from its start).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path, from_end: bool) -> io::Result<Self> {
        let mut f = File::open(path)?;
        let md = f.metadata()?;
        let offset = if from_end {
            f.seek(SeekFrom::End(0))?
        } else {
            0
        };
        let mut lines = LineReader::new(BufReader::with_capacity(256 << 10, f), MAX_LINE);
        lines.partial_is_line = false;
        lines.consumed = offset;
        Ok(Self {
            path: path.to_path_buf(),
            lines,
            ino: md.ino(),
            dev: md.dev(),
            offset,
            poll: Duration::from_millis(200),
        })
    }

    /// The path followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current line number.
    pub fn line_no(&self) -> u64 {
        self.lines.line_no
    }

    /// The next line, waiting for one as long as `keep_going` says so; `on_reopen` hears of
    /// rotations and truncations. Ok(None) when `keep_going` said stop.
    ///
    /// # Errors
    /// Reading fails.
    pub fn next_line(
        &mut self,
        buf: &mut Vec<u8>,
        keep_going: &mut dyn FnMut() -> bool,
        on_reopen: &mut dyn FnMut(&Path, Reopened),
    ) -> io::Result<Option<Line>> {
        loop {
            let got = self.lines.next_line(buf)?;
            self.offset = self.lines.consumed;
            match got {
                Line::Full | Line::TooLong(_) => {
                    return Ok(Some(got));
                }
                Line::Pending | Line::Eof => {}
            }
            // At the end of what is written: has the file been rotated or truncated?
            match std::fs::metadata(&self.path) {
                Ok(md) if md.ino() != self.ino || md.dev() != self.dev => {
                    // Whatever was appended to the old file before the rename was read above
                    // (read to its end); finish a partial last line, then switch.
                    if got == Line::Pending {
                        self.lines.partial_is_line = true;
                        let last = self.lines.next_line(buf)?;
                        self.lines.partial_is_line = false;
                        if matches!(last, Line::Full | Line::TooLong(_)) {
                            return Ok(Some(last));
                        }
                    }
                    let f = File::open(&self.path)?;
                    self.lines = LineReader::new(BufReader::with_capacity(256 << 10, f), MAX_LINE);
                    self.lines.partial_is_line = false;
                    self.ino = md.ino();
                    self.dev = md.dev();
                    self.offset = 0;
                    buf.clear();
                    on_reopen(&self.path, Reopened::Rotated);
                    continue;
                }
                Ok(md) if md.len() < self.offset => {
                    let mut fresh = LineReader::new(
                        BufReader::with_capacity(256 << 10, File::open(&self.path)?),
                        MAX_LINE,
                    );
                    fresh.partial_is_line = false;
                    self.lines = fresh;
                    self.offset = 0;
                    buf.clear();
                    on_reopen(&self.path, Reopened::Truncated);
                    continue;
                }
                _ => {}
            }
            if !keep_going() {
                return Ok(None);
            }
            std::thread::sleep(self.poll);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize) -> Vec<(u64, Line, Vec<u8>)> {
        let mut r = LineReader::new(BufReader::with_capacity(4, input), max);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let l = r.next_line(&mut buf).unwrap();
            if l == Line::Eof {
                return out;
            }
            out.push((r.line_no, l, buf.clone()));
        }
    }

    #[test]
    fn lines_are_bounded_and_numbered() {
        let got = all(b"ab\n0123456789\n\nxyz", 5);
        assert_eq!(
            got,
            vec![
                (1, Line::Full, b"ab".to_vec()),
                (2, Line::TooLong(10), Vec::new()),
                (3, Line::Full, Vec::new()),
                (4, Line::Full, b"xyz".to_vec()),
            ]
        );
        let got = all(b"0123456789", 5);
        assert_eq!(got, vec![(1, Line::TooLong(10), Vec::new())]);
    }

    #[test]
    fn a_partial_line_waits_when_following() {
        let mut r = LineReader::new(BufReader::new(&b"abc"[..]), 100);
        r.partial_is_line = false;
        let mut buf = Vec::new();
        assert_eq!(r.next_line(&mut buf).unwrap(), Line::Pending);
        assert_eq!(buf, b"abc");
        assert_eq!(r.line_no, 0);
    }
}
