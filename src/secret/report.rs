//! What a scan yields ([`Event`]: findings and skipped items, plain `Serialize` data), redaction
//! of findings, and the two renderers (human text like `strings | grep -B -A`, and JSON lines).
//! Renderers write to any `impl Write`; nothing here reads /proc.

use std::io::{self, Write};
use std::ops::Range;

use serde::{Serialize, Serializer};

use super::detectors::{Detectors, Kind};
use crate::output::color::{paint, BOLD, MATCH};
use crate::output::sanitize::escape_bytes;

pub use crate::output::bytes::Bytes;

/// Which part of a process (or which file) a finding or a skip is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The process as a whole (could not be read at all).
    Process,
    /// /proc/PID/cmdline.
    Cmdline,
    /// /proc/PID/environ.
    Environ,
    /// A file descriptor, read through /proc/PID/fd/N.
    Fd,
    /// A region of /proc/PID/mem (`--memory`).
    Memory,
    /// A file named with `--file`.
    File,
}

/// Where something was found or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comm: Option<Bytes>,
    pub source: SourceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fd: Option<i32>,
    /// The fd's target, the file, or the mapping's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Bytes>,
    /// For memory regions: start and end addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<(u64, u64)>,
}

/// One match in its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// A match (or several on one printable line) with its context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub origin: Origin,
    /// Offset in the file (or address in memory) of the first match.
    pub offset: u64,
    /// Offset (address) of the line's first byte.
    pub line_offset: u64,
    /// Distinct kinds found on the line, in order.
    pub kinds: Vec<Kind>,
    pub line: Bytes,
    /// Matches as byte ranges of `line`.
    pub matches: Vec<Span>,
    pub before: Vec<Bytes>,
    pub after: Vec<Bytes>,
    pub redacted: bool,
}

/// Why something was not searched (or not all of it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Why {
    #[error("ksec itself")]
    Itself,
    /// The file is ksec's own stdout or stderr (same device and inode), whoever holds it open:
    /// searching it would report what this run writes (`ksec grep-secret --all > out.jsonl`).
    #[error("ksec's own output")]
    OwnOutput,
    #[error("kernel thread: no environment, files or user memory")]
    KernelThread,
    /// A FIFO, socket, device, directory or anon inode: never opened.
    #[error("{0}, not read")]
    NotRegular(&'static str),
    #[error("{size} bytes, over --max-filesize {max}")]
    TooLarge { size: u64, max: u64 },
    /// Already searched through another fd or process (named).
    #[error("same file as {0}, searched there")]
    SameFile(String),
    /// A memory mapping --memory does not read (\[vvar\], a device).
    #[error("{0}")]
    Mapping(&'static str),
    #[error("{0} bytes unreadable, the rest searched")]
    Unreadable(u64),
    /// cmdline or environ longer than --max-filesize: the first `at` bytes were searched.
    #[error("longer than --max-filesize {at}: cut there, the rest not searched")]
    Cut { at: u64 },
    /// Memory regions left out because reading them would pass --max-memory for the process
    /// (`region` spans the first to the last of them).
    #[error(
        "{regions} region(s), {bytes} bytes, not read: over --max-memory {max} for the process"
    )]
    OverMemoryBudget { regions: u64, bytes: u64, max: u64 },
    /// Another process holds a lease on the file; opening it would break the lease and signal
    /// the holder (fcntl(2) F_SETLEASE), so it is not opened.
    #[error("file has a lease held by pid {0}, not opened")]
    Lease(i64),
    /// A failed system call on `path`; `gone` when the process or fd went away meanwhile.
    #[error("{op} {path}: {message}")]
    Io {
        op: &'static str,
        path: String,
        message: String,
        errno: Option<i32>,
        gone: bool,
    },
}

impl Why {
    /// An I/O failure of `op` on `path`; `gone_ok`: ENOENT/ESRCH mean it went away (a /proc path).
    pub fn io(op: &'static str, path: &std::path::Path, e: &io::Error, gone_ok: bool) -> Self {
        let errno = e.raw_os_error();
        Why::Io {
            op,
            path: path.display().to_string(),
            message: e.to_string(),
            errno,
            gone: gone_ok && matches!(errno, Some(libc::ENOENT) | Some(libc::ESRCH)),
        }
    }

    /// The stable, machine-readable name of the reason (`"code"` in JSON skip records; the
    /// README lists them). The human text ([`std::fmt::Display`]) may change; these do not.
    pub fn code(&self) -> &'static str {
        match self {
            Why::Itself => "itself",
            Why::OwnOutput => "own-output",
            Why::KernelThread => "kernel-thread",
            Why::NotRegular(_) => "not-regular",
            Why::TooLarge { .. } => "too-large",
            Why::SameFile(_) => "same-file",
            Why::Mapping(_) => "special-mapping",
            Why::Unreadable(_) => "partly-unreadable",
            Why::Cut { .. } => "cut",
            Why::OverMemoryBudget { .. } => "over-memory-budget",
            Why::Lease(_) => "lease",
            Why::Io { gone: true, .. } => "gone",
            Why::Io { errno, .. } => match errno {
                Some(libc::EACCES) | Some(libc::EPERM) => "permission-denied",
                Some(libc::ENOENT) | Some(libc::ENOTDIR) => "not-found",
                _ => "io-error",
            },
        }
    }

    /// True for failures (permission denied, I/O errors); false for what is skipped by design
    /// (special and oversized files, ksec itself and its own output, kernel threads, a process that went away).
    pub fn is_error(&self) -> bool {
        matches!(self, Why::Io { gone: false, .. })
    }
}

/// The human words for a skip [`Why::code`] in the closing summary (`12 gone`), as a count of
/// sources reads: `380 permission denied`, `5 ksec's own output`.
pub fn code_label(code: &str) -> &str {
    match code {
        "itself" => "ksec itself",
        "own-output" => "ksec's own output",
        "kernel-thread" => "kernel threads",
        "not-regular" => "not regular files",
        "too-large" => "over --max-filesize",
        "same-file" => "searched elsewhere",
        "special-mapping" => "special mappings",
        "partly-unreadable" => "partly unreadable",
        "cut" => "cut at --max-filesize",
        "over-memory-budget" => "over --max-memory",
        "lease" => "leased",
        "gone" => "gone",
        "permission-denied" => "permission denied",
        "not-found" => "not found",
        "io-error" => "I/O errors",
        other => other,
    }
}

/// Something not searched, and why. In JSON: the origin's fields, `"code"` ([`Why::code`],
/// stable), `"reason"` (the human text) and `"error"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub origin: Origin,
    pub reason: Why,
    /// [`Why::is_error`].
    pub error: bool,
}

impl Serialize for Skipped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Record<'a> {
            #[serde(flatten)]
            origin: &'a Origin,
            code: &'static str,
            reason: String,
            error: bool,
        }
        Record {
            origin: &self.origin,
            code: self.reason.code(),
            reason: self.reason.to_string(),
            error: self.error,
        }
        .serialize(s)
    }
}

/// Where a scan is: about to search `origin`, item `item` of `items` (processes, then
/// `--file`s), with `bytes` searched and `findings` found so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub item: usize,
    pub items: usize,
    pub origin: Origin,
    pub bytes: u64,
    pub findings: u64,
}

/// What a scan reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Finding(Box<Finding>),
    Skipped(Skipped),
    /// Only when asked for ([`crate::secret::Config::progress`]); never printed as data.
    Progress(Progress),
}

impl Finding {
    /// Builds a finding from the scanner's output.
    pub fn new(origin: Origin, f: super::scan::Found) -> Self {
        let mut kinds: Vec<Kind> = Vec::new();
        for (_, k) in &f.matches {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        Self {
            origin,
            offset: f.offset,
            line_offset: f.line_offset,
            kinds,
            line: Bytes(f.line),
            matches: f
                .matches
                .into_iter()
                .map(|(r, kind)| Span {
                    start: r.start,
                    end: r.end,
                    kind,
                })
                .collect(),
            before: f.before.into_iter().map(Bytes).collect(),
            after: f.after.into_iter().map(Bytes).collect(),
            redacted: false,
        }
    }

    /// Masks the secret in the line and context with `*`: each match widened to the token it is
    /// part of (so `111122` masks all of `1111222233334444`), every detector hit in any line,
    /// and base64 bodies (PEM key lines). Offsets and ranges are kept.
    pub fn redact(&mut self, detectors: &Detectors) {
        for m in &self.matches {
            let r = widen_token(&self.line.0, m.start..m.end);
            // A match on a key (`DB_PASSWORD` in `DB_PASSWORD=hunter22`): the value goes too.
            let r = r.start..value_after(&self.line.0, r.end).map_or(r.end, |v| v.end);
            mask(&mut self.line.0, r);
        }
        for line in std::iter::once(&mut self.line)
            .chain(self.before.iter_mut())
            .chain(self.after.iter_mut())
        {
            redact_line(&mut line.0, detectors);
        }
        self.redacted = true;
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-+/.~%".contains(&b)
}

/// `r` widened to the surrounding token bytes (letters, digits, `_-+/.~%`, trailing `=`).
fn widen_token(line: &[u8], r: Range<usize>) -> Range<usize> {
    let (mut s, mut e) = (r.start.min(line.len()), r.end.min(line.len()));
    while s > 0 && is_token_byte(line[s - 1]) {
        s -= 1;
    }
    while e < line.len() && is_token_byte(line[e]) {
        e += 1;
    }
    while e < line.len() && line[e] == b'=' {
        e += 1;
    }
    s..e
}

/// The token after `=`/`:` (with optional spaces and quotes) right at `pos`, if any.
fn value_after(line: &[u8], pos: usize) -> Option<Range<usize>> {
    let mut i = pos;
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < line.len() && set.contains(&line[*i]) {
            *i += 1;
        }
    };
    skip(&mut i, b" \t\"'");
    if i >= line.len() || !b"=:".contains(&line[i]) {
        return None;
    }
    i += 1;
    skip(&mut i, b" \t\"'");
    let start = i;
    while i < line.len() && !b" \t\"'`,;&<>".contains(&line[i]) {
        i += 1;
    }
    (i > start).then_some(start..i)
}

fn mask(line: &mut [u8], r: Range<usize>) {
    for b in &mut line[r] {
        *b = b'*';
    }
}

fn redact_line(line: &mut [u8], detectors: &Detectors) {
    let mut hits = Vec::new();
    detectors.find(line, 0, line.len(), &mut hits);
    for h in hits {
        // A key's header is not secret; its body lines are masked below.
        if h.kind != Kind::PrivateKey {
            mask(line, h.range);
        }
    }
    // PEM key bodies (and other long base64 blobs): mixed case and digits, nothing else.
    let base64_body = line.len() >= 24
        && line
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        && line.iter().any(u8::is_ascii_uppercase)
        && line.iter().any(u8::is_ascii_lowercase)
        && line.iter().any(u8::is_ascii_digit);
    if base64_body {
        let n = line.len();
        mask(line, 0..n);
    }
}

/// Writes events for people: each finding as a header, `-B` lines, the line (`>`), `-A` lines and
/// `--`; with `verbose`, skipped items as `ksec: ...` notes on the error stream (else they are
/// only counted, for the closing summary). Untrusted bytes are escaped; with `color`, the header
/// is bold and the matches bold red (SGR sequences around escaped text only).
pub struct HumanPrinter<O: Write, E: Write> {
    pub out: O,
    pub err: E,
    pub color: bool,
    pub verbose: bool,
}

impl<O: Write, E: Write> HumanPrinter<O, E> {
    /// A printer without colour that writes skipped items (`verbose`).
    pub fn plain(out: O, err: E) -> Self {
        Self {
            out,
            err,
            color: false,
            verbose: true,
        }
    }
}

/// `line` escaped, with the byte ranges `spans` painted as matches when `color`. Overlapping and
/// out-of-order spans are merged; spans past the end are cut to it.
pub fn highlight(line: &[u8], spans: &[Span], color: bool) -> String {
    if !color {
        return escape_bytes(line);
    }
    let mut ranges: Vec<Range<usize>> = spans
        .iter()
        .map(|s| s.start.min(line.len())..s.end.min(line.len()))
        .filter(|r| r.start < r.end)
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = String::new();
    let mut at = 0;
    for r in merged {
        out.push_str(&escape_bytes(&line[at..r.start]));
        out.push_str(&paint(true, MATCH, &escape_bytes(&line[r.clone()])));
        at = r.end;
    }
    out.push_str(&escape_bytes(&line[at..]));
    out
}

/// Writes one JSON object per line: findings with `"type":"finding"`, skips with `"type":"skipped"`.
pub struct JsonPrinter<O: Write> {
    pub out: O,
}

/// Something that renders events.
pub trait Printer {
    /// Renders one event.
    ///
    /// # Errors
    /// Writing failed (a closed pipe included).
    fn event(&mut self, e: &Event) -> io::Result<()>;
    /// Flushes buffered output.
    ///
    /// # Errors
    /// Writing failed.
    fn flush(&mut self) -> io::Result<()>;
}

/// `pid 42 (etcd) fd 9 /var/lib/etcd/member/snap/db`, escaped.
pub fn describe(o: &Origin) -> String {
    let mut s = String::new();
    if let Some(pid) = o.pid {
        s.push_str(&format!("pid {pid}"));
        if let Some(comm) = &o.comm {
            s.push_str(&format!(" ({})", escape_bytes(&comm.0)));
        }
        s.push(' ');
    }
    match o.source {
        SourceKind::Process => s.push_str("process"),
        SourceKind::Cmdline => s.push_str("cmdline"),
        SourceKind::Environ => s.push_str("environ"),
        SourceKind::Fd => s.push_str(&format!("fd {}", o.fd.unwrap_or(-1))),
        SourceKind::Memory => {
            let (a, b) = o.region.unwrap_or_default();
            s.push_str(&format!("memory {a:x}-{b:x}"));
        }
        SourceKind::File => s.push_str("file"),
    }
    if let Some(p) = &o.path {
        if !p.0.is_empty() {
            s.push(' ');
            s.push_str(&escape_bytes(&p.0));
        }
    }
    s.trim_end().to_string()
}

impl<O: Write, E: Write> Printer for HumanPrinter<O, E> {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        match e {
            Event::Finding(f) => {
                let kinds: Vec<&str> = f.kinds.iter().map(|k| k.name()).collect();
                let offset = if f.origin.source == SourceKind::Memory {
                    format!("address 0x{:x}", f.offset)
                } else {
                    format!("offset {}", f.offset)
                };
                let header = format!("{} {offset} [{}]", describe(&f.origin), kinds.join(","));
                writeln!(self.out, "{}", paint(self.color, BOLD, &header))?;
                for l in &f.before {
                    writeln!(self.out, "  {}", escape_bytes(&l.0))?;
                }
                writeln!(
                    self.out,
                    "> {}",
                    highlight(&f.line.0, &f.matches, self.color)
                )?;
                for l in &f.after {
                    writeln!(self.out, "  {}", escape_bytes(&l.0))?;
                }
                writeln!(self.out, "--")
            }
            Event::Skipped(s) if self.verbose => {
                let what = if s.error { "error" } else { "skipped" };
                writeln!(
                    self.err,
                    "ksec: {}: {what}: {}",
                    describe(&s.origin),
                    s.reason
                )
            }
            Event::Skipped(_) | Event::Progress(_) => Ok(()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        self.err.flush()
    }
}

impl<O: Write> Printer for JsonPrinter<O> {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        #[derive(Serialize)]
        struct Tagged<'a, T: Serialize> {
            r#type: &'static str,
            #[serde(flatten)]
            inner: &'a T,
        }
        match e {
            Event::Finding(f) => serde_json::to_writer(
                &mut self.out,
                &Tagged {
                    r#type: "finding",
                    inner: f.as_ref(),
                },
            ),
            Event::Skipped(s) => serde_json::to_writer(
                &mut self.out,
                &Tagged {
                    r#type: "skipped",
                    inner: s,
                },
            ),
            Event::Progress(_) => return Ok(()),
        }
        .map_err(io::Error::from)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::scan::Found;

    fn finding() -> Finding {
        Finding::new(
            Origin {
                pid: Some(42),
                comm: Some(Bytes(b"etcd\x1b[31m".to_vec())),
                source: SourceKind::Fd,
                fd: Some(9),
                path: Some(Bytes(b"/var/lib/etcd/member/snap/db".to_vec())),
                region: None,
            },
            Found {
                offset: 1003,
                line_offset: 1000,
                line: b"cc=1111222233334444".to_vec(),
                matches: vec![(3..9, Kind::Pattern)],
                before: vec![b"%/registry/secrets/default/credit-card".to_vec()],
                after: vec![
                    b"password=Xk9#mQ2$vL7pR4wz".to_vec(),
                    b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".to_vec(),
                ],
            },
        )
    }

    #[test]
    fn human_output() {
        let mut p = HumanPrinter::plain(Vec::new(), Vec::new());
        p.event(&Event::Finding(Box::new(finding()))).unwrap();
        assert_eq!(
            String::from_utf8(p.out).unwrap(),
            "pid 42 (etcd\\x1b[31m) fd 9 /var/lib/etcd/member/snap/db offset 1003 [pattern]\n  %/registry/secrets/default/credit-card\n> cc=1111222233334444\n  password=Xk9#mQ2$vL7pR4wz\n  MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n--\n"
        );
    }

    #[test]
    fn colored_output_paints_the_header_and_the_match_only() {
        let mut p = HumanPrinter {
            color: true,
            verbose: false,
            ..HumanPrinter::plain(Vec::new(), Vec::new())
        };
        let mut f = finding();
        f.before.clear();
        f.after.clear();
        p.event(&Event::Finding(Box::new(f))).unwrap();
        let skip = Skipped {
            origin: finding().origin,
            reason: Why::NotRegular("fifo"),
            error: false,
        };
        p.event(&Event::Skipped(skip)).unwrap();
        assert_eq!(
            String::from_utf8(p.out).unwrap(),
            "\x1b[1mpid 42 (etcd\\x1b[31m) fd 9 /var/lib/etcd/member/snap/db offset 1003 [pattern]\x1b[0m\n\
             > cc=\x1b[1;31m111122\x1b[0m2233334444\n--\n"
        );
        assert_eq!(p.err, b"", "not verbose: skips are only counted");
    }

    #[test]
    fn highlight_merges_spans_and_escapes_inside_them() {
        let span = |start, end| Span {
            start,
            end,
            kind: Kind::Pattern,
        };
        let line = b"a\x1bbcdef";
        assert_eq!(highlight(line, &[span(1, 3)], false), "a\\x1bbcdef");
        assert_eq!(
            highlight(
                line,
                &[span(4, 6), span(1, 3), span(2, 4), span(5, 99)],
                true
            ),
            "a\x1b[1;31m\\x1bbcdef\x1b[0m"
        );
        assert_eq!(
            highlight(b"xaybz", &[span(1, 2), span(3, 4)], true),
            "x\x1b[1;31ma\x1b[0my\x1b[1;31mb\x1b[0mz"
        );
        assert_eq!(highlight(b"abc", &[span(3, 3)], true), "abc");
    }

    #[test]
    fn skip_codes_are_stable() {
        let io = |errno, gone| Why::Io {
            op: "open",
            path: "/proc/1/fd/3".into(),
            message: String::new(),
            errno: Some(errno),
            gone,
        };
        let codes: Vec<&str> = [
            Why::Itself,
            Why::OwnOutput,
            Why::KernelThread,
            Why::NotRegular("fifo"),
            Why::TooLarge { size: 2, max: 1 },
            Why::SameFile("pid 1 fd 3".into()),
            Why::Mapping("kernel page"),
            Why::Unreadable(4096),
            Why::Cut { at: 1 },
            Why::OverMemoryBudget {
                regions: 1,
                bytes: 1,
                max: 1,
            },
            Why::Lease(7),
            io(libc::ENOENT, true),
            io(libc::EACCES, false),
            io(libc::EPERM, false),
            io(libc::ENOENT, false),
            io(libc::EIO, false),
        ]
        .iter()
        .map(Why::code)
        .collect();
        assert_eq!(
            codes,
            [
                "itself",
                "own-output",
                "kernel-thread",
                "not-regular",
                "too-large",
                "same-file",
                "special-mapping",
                "partly-unreadable",
                "cut",
                "over-memory-budget",
                "lease",
                "gone",
                "permission-denied",
                "permission-denied",
                "not-found",
                "io-error",
            ]
        );
        assert_eq!(code_label("permission-denied"), "permission denied");
        let s = Skipped {
            origin: finding().origin,
            reason: io(libc::EACCES, false),
            error: true,
        };
        let mut p = JsonPrinter { out: Vec::new() };
        p.event(&Event::Skipped(s)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&p.out).unwrap();
        assert_eq!(v["type"], "skipped");
        assert_eq!(v["code"], "permission-denied");
        assert_eq!(v["reason"], "open /proc/1/fd/3: ");
        assert_eq!(v["error"], true);
        assert_eq!(v["fd"], 9);
    }

    #[test]
    fn json_output_is_lossless() {
        let mut f = finding();
        f.line = Bytes(b"cc=\xff1111".to_vec());
        let mut p = JsonPrinter { out: Vec::new() };
        p.event(&Event::Finding(Box::new(f))).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&p.out).unwrap();
        assert_eq!(v["type"], "finding");
        assert_eq!(v["pid"], 42);
        assert_eq!(v["fd"], 9);
        assert_eq!(v["comm"], "etcd\u{1b}[31m");
        assert_eq!(
            v["line"],
            serde_json::json!({"bytes": [99, 99, 61, 255, 49, 49, 49, 49]})
        );
        assert_eq!(v["kinds"], serde_json::json!(["pattern"]));
        assert_eq!(v["matches"][0]["start"], 3);
    }

    #[test]
    fn redaction_of_a_key_masks_its_value() {
        let mut f = finding();
        f.line = Bytes(b"x DB_PASSWORD = 'hunter22' y".to_vec());
        f.matches = vec![Span {
            start: 5,
            end: 13,
            kind: Kind::Pattern,
        }];
        f.redact(&Detectors::new());
        assert_eq!(f.line.0, format!("x {}' y", "*".repeat(23)).into_bytes());
    }

    #[test]
    fn redaction_masks_the_token_and_other_secrets() {
        let mut f = finding();
        f.redact(&Detectors::new());
        assert_eq!(f.line.0, b"cc=****************");
        assert_eq!(f.before[0].0, b"%/registry/secrets/default/credit-card");
        assert_eq!(f.after[0].0, b"password=****************");
        assert_eq!(f.after[1].0, b"********************************");
        assert!(f.redacted);
    }
}
