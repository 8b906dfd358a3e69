//! `ksec root PID ls|cat|find|stat PATH`: a process's (a container's) file system read through
//! [`crate::proc::rootfs`] (openat2 `RESOLVE_IN_ROOT`, never a host path), printed as a table,
//! streamed JSON, or file content (escaped on a terminal); per-entry notes of a walk go to
//! stderr and make the exit say something was skipped.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};

use anyhow::{bail, Context};
use serde::Serialize;

use crate::cli::RootArgs;
use crate::exit::Exit;
use crate::output::bytes::Bytes;
use crate::output::json::write_json;
use crate::output::sanitize::escape_bytes;
use crate::output::table::{table, write_table};
use crate::output::time::{iso8601_utc, ls_time, now_epoch};
use crate::proc::root::ProcRoot;
use crate::proc::rootfs::{display_path, Entry, ProcessRoot, Walk};
use crate::proc::target::resolve_one;

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
            root: super::proc_args::proc_root(&args.proc)?,
            target,
            container: args.container,
            op,
            path,
            json: args.json,
        })
    }
}

fn name_text(e: &Entry) -> String {
    match &e.link {
        Some(l) => format!("{} -> {}", e.path.escaped(), l.escaped()),
        None => e.path.escaped(),
    }
}

/// The header of the `ls`/`find` table; rows are written as they come ([`write_entry_row`]),
/// so the columns have fixed widths (wider values push the rest of their row right).
/// MTIME is `ls -l`'s short form in UTC ([`ls_time`]: `Dec  2 05:01` this year,
/// `Dec  2  2025` otherwise).
fn write_entries_header(out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10}  {:>5}  {:>5}  {:>10}  {:<12}  PATH",
        "MODE", "UID", "GID", "SIZE", "MTIME (UTC)"
    )
}

fn write_entry_row(out: &mut impl Write, e: &Entry, now: i64) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10}  {:>5}  {:>5}  {:>10}  {:<12}  {}",
        e.mode,
        e.uid,
        e.gid,
        e.size,
        ls_time(e.mtime, now),
        name_text(e)
    )
}

/// `stat --json`: the entry, its mtime also as an ISO 8601 UTC date.
#[derive(Serialize)]
struct StatJson<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    /// `mtime` (epoch seconds) as `2026-12-02T05:01:02Z`.
    mtime_utc: String,
}

fn stat_table(out: &mut impl Write, e: &Entry) -> std::io::Result<()> {
    let mut t = table(&["FIELD", "VALUE"]);
    let rows: Vec<(&str, String)> = vec![
        ("path", e.path.escaped()),
        ("type", e.kind.to_string()),
        ("mode", e.mode.clone()),
        ("uid", e.uid.to_string()),
        ("gid", e.gid.to_string()),
        ("size", e.size.to_string()),
        ("inode", e.inode.to_string()),
        ("links", e.nlink.to_string()),
        ("mtime", format!("{} ({})", iso8601_utc(e.mtime), e.mtime)),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    if let Some(l) = &e.link {
        t.add_row(vec!["link".to_string(), l.escaped()]);
    }
    write_table(out, &t)
}

/// How much `cat` reads and writes at a time.
const CHUNK: usize = 64 * 1024;

/// The most `cat --json` puts in one document (the content is one JSON value, so it is held
/// whole); a longer file is cut there, with `"truncated": true` and a note.
pub const JSON_CONTENT_MAX: usize = 4 << 20;

/// `cat` on a terminal: each line escaped, newlines kept, in bounded pieces: a chunk is
/// escaped as it arrives (a file without newlines is never held whole); only an incomplete
/// UTF-8 sequence at a chunk's end (at most 3 bytes) waits for the next chunk.
#[derive(Default)]
struct LineEscaper {
    carry: Vec<u8>,
    mid_line: bool,
}

impl LineEscaper {
    fn write(&mut self, out: &mut impl Write, chunk: &[u8]) -> std::io::Result<()> {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let keep = incomplete_utf8_tail(&data);
        let (body, tail) = data.split_at(data.len() - keep);
        let mut parts = body.split(|&b| b == b'\n').peekable();
        while let Some(part) = parts.next() {
            if !part.is_empty() {
                out.write_all(escape_bytes(part).as_bytes())?;
                self.mid_line = true;
            }
            if parts.peek().is_some() {
                out.write_all(b"\n")?;
                self.mid_line = false;
            }
        }
        self.carry = tail.to_vec();
        Ok(())
    }

    /// Writes what is left and ends the last line.
    fn finish(mut self, out: &mut impl Write) -> std::io::Result<()> {
        if !self.carry.is_empty() {
            out.write_all(escape_bytes(&self.carry).as_bytes())?;
            self.mid_line = true;
        }
        if self.mid_line {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// How many bytes at the end of `data` begin a UTF-8 sequence that is not complete yet.
fn incomplete_utf8_tail(data: &[u8]) -> usize {
    for i in 1..=data.len().min(3) {
        let b = data[data.len() - i];
        if b & 0xc0 == 0x80 {
            continue;
        }
        let need = match b {
            0xf0.. => 4,
            0xe0.. => 3,
            0xc0.. => 2,
            _ => 1,
        };
        return if need > i { i } else { 0 };
    }
    0
}

/// Reads `file` in [`CHUNK`]s until its end, handing each to `sink`.
fn stream(file: &File, mut sink: impl FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match (&*file).read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sink(&buf[..n])?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[derive(Serialize)]
struct Listing<'w, 'a> {
    pid: i32,
    path: Bytes,
    entries: Streamed<'w, 'a>,
}

/// The entries of a [`Walk`] as a JSON array, serialized as they come; the walk's notes go to
/// stderr on the way and are counted.
struct Streamed<'w, 'a> {
    walk: RefCell<&'w mut Walk<'a>>,
    notes: Cell<usize>,
}

impl Serialize for Streamed<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut walk = self.walk.borrow_mut();
        s.collect_seq(std::iter::from_fn(|| loop {
            match walk.next()? {
                Ok(e) => return Some(e),
                Err(note) => {
                    eprintln!("ksec: {note}");
                    self.notes.set(self.notes.get() + 1);
                }
            }
        }))
    }
}

#[derive(Serialize)]
struct Content {
    pid: i32,
    path: Bytes,
    content: Bytes,
    /// Set when the file is longer than [`JSON_CONTENT_MAX`] and `content` is its start.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
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
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::with_capacity(CHUNK, stdout.lock());
    let path = Bytes(display_path(&cfg.path));
    let mut notes = 0;
    match cfg.op {
        Op::Stat => {
            let e = root.stat(&cfg.path)?;
            if cfg.json {
                let doc = StatJson {
                    entry: &e,
                    mtime_utc: iso8601_utc(e.mtime),
                };
                write_json(&mut out, &doc)?;
            } else {
                stat_table(&mut out, &e)?;
            }
        }
        Op::Ls | Op::Find => {
            let mut walk = if cfg.op == Op::Ls {
                root.ls(&cfg.path)?
            } else {
                root.find(&cfg.path)?
            };
            if cfg.json {
                let listing = Listing {
                    pid,
                    path,
                    entries: Streamed {
                        walk: RefCell::new(&mut walk),
                        notes: Cell::new(0),
                    },
                };
                write_json(&mut out, &listing)?;
                notes = listing.entries.notes.get();
            } else {
                write_entries_header(&mut out)?;
                let now = now_epoch();
                for item in walk {
                    match item {
                        Ok(e) => write_entry_row(&mut out, &e, now)?,
                        Err(note) => {
                            eprintln!("ksec: {note}");
                            notes += 1;
                        }
                    }
                }
            }
        }
        Op::Cat => {
            let file = root.open_file(&cfg.path)?;
            let what = || root.what(cfg.path.as_bytes());
            if cfg.json {
                let mut data = Vec::new();
                (&file)
                    .take(JSON_CONTENT_MAX as u64 + 1)
                    .read_to_end(&mut data)
                    .with_context(|| format!("{}: reading", what()))?;
                let truncated = data.len() > JSON_CONTENT_MAX;
                if truncated {
                    data.truncate(JSON_CONTENT_MAX);
                    eprintln!(
                        "ksec: {}: longer than {JSON_CONTENT_MAX} bytes; JSON holds the first \
                         {JSON_CONTENT_MAX} (\"truncated\": true); cat without --json streams \
                         all of it",
                        what()
                    );
                    notes += 1;
                }
                let content = Content {
                    pid,
                    path,
                    content: Bytes(data),
                    truncated,
                };
                write_json(&mut out, &content)?;
            } else if terminal {
                let mut esc = LineEscaper::default();
                read_to(&file, &what, |chunk| esc.write(&mut out, chunk))?;
                esc.finish(&mut out)?;
            } else {
                read_to(&file, &what, |chunk| out.write_all(chunk))?;
            }
        }
    }
    out.flush()?;
    Ok(Exit::skipped_if(notes > 0))
}

/// [`stream`] with read errors named after the file and write errors passed on as they are
/// (so a closed pipe stays a closed pipe for the binary).
fn read_to(
    file: &File,
    what: &dyn Fn() -> String,
    mut sink: impl FnMut(&[u8]) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut write_err = None;
    let res = stream(file, |chunk| {
        sink(chunk).map_err(|e| {
            write_err = Some(e);
            std::io::Error::other("write failed")
        })
    });
    if let Some(e) = write_err {
        return Err(e.into());
    }
    res.with_context(|| format!("{}: reading", what()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Escapes `data` fed to a [`LineEscaper`] in pieces of `n` bytes.
    fn escaped_in_pieces(data: &[u8], n: usize) -> String {
        let mut out = Vec::new();
        let mut esc = LineEscaper::default();
        for piece in data.chunks(n) {
            esc.write(&mut out, piece).unwrap();
        }
        esc.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_cat_escapes_the_same_in_any_pieces() {
        let data: Vec<u8> = [
            &b"a\x1b]0;t\x07caf"[..],
            "\u{e9} \u{202e}x".as_bytes(),
            b"\xff\n\nlast",
        ]
        .concat();
        let want = "a\\x1b]0;t\\x07caf\u{e9} \\u{202e}x\\xff\n\nlast\n";
        for n in 1..=data.len() {
            assert_eq!(escaped_in_pieces(&data, n), want, "pieces of {n}");
        }
        assert_eq!(escaped_in_pieces(b"", 4), "");
        assert_eq!(escaped_in_pieces(b"x\n", 4), "x\n");
        // A sequence cut at the end of the file is escaped byte by byte.
        assert_eq!(escaped_in_pieces(b"ok\xe2\x82", 1), "ok\\xe2\\x82\n");
    }

    #[test]
    fn utf8_tails() {
        assert_eq!(incomplete_utf8_tail(b"abc"), 0);
        assert_eq!(incomplete_utf8_tail("\u{e9}".as_bytes()), 0);
        assert_eq!(incomplete_utf8_tail(&"\u{e9}".as_bytes()[..1]), 1);
        assert_eq!(incomplete_utf8_tail(&"\u{1f600}".as_bytes()[..3]), 3);
        assert_eq!(incomplete_utf8_tail("\u{1f600}".as_bytes()), 0);
        assert_eq!(incomplete_utf8_tail(b"\x80\x80\x80\x80"), 0);
    }
}
