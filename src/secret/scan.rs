//! Streaming search over anything readable at an offset (a file, a memory region, a buffer).
//!
//! The source is read in fixed-size chunks into one reused buffer. Each round keeps `window`
//! bytes before and after the point up to which matches are reported, so a match, its printable
//! line and its context runs are found whole even when they straddle a chunk border, and memory
//! stays at `chunk + 2 * window` bytes whatever the size of the source.

use std::io;
use std::ops::Range;

use memchr::memmem;
use regex::bytes::Regex;

use super::detectors::{Detectors, Hit, Kind};
use super::strings;

/// What to look for.
pub enum Matcher {
    /// A literal, searched with SIMD memmem.
    Literal(Box<memmem::Finder<'static>>),
    /// A regular expression over bytes (also a case-insensitive literal).
    Regex(Regex),
    /// The built-in detectors.
    Detectors(Box<Detectors>),
}

impl Matcher {
    /// Hits in `buf` whose start is in `from..to`, sorted by start. Bytes outside `from..to` are
    /// looked at for boundaries and for matches that start inside and end outside.
    pub fn find(&self, buf: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        match self {
            Matcher::Literal(f) => {
                let n = f.needle().len();
                let end = to.saturating_add(n - 1).min(buf.len());
                if from >= end {
                    return;
                }
                for i in f.find_iter(&buf[from..end]) {
                    out.push(Hit {
                        range: from + i..from + i + n,
                        kind: Kind::Pattern,
                    });
                }
            }
            Matcher::Regex(re) => {
                let mut pos = from;
                while pos < to {
                    let Some(m) = re.find_at(buf, pos) else { break };
                    if m.start() >= to {
                        break;
                    }
                    if m.is_empty() {
                        pos = m.end() + 1;
                        continue;
                    }
                    out.push(Hit {
                        range: m.range(),
                        kind: Kind::Pattern,
                    });
                    pos = m.end();
                }
            }
            Matcher::Detectors(d) => d.find(buf, from, to, out),
        }
    }
}

/// Sizes and context settings of a scan.
#[derive(Debug, Clone)]
pub struct ScanOpts {
    /// Bytes read per round.
    pub chunk: usize,
    /// Bytes kept on each side of the report limit: the longest match, line plus context reach.
    pub window: usize,
    /// The longest line or context run shown (longer ones are cut).
    pub max_line: usize,
    /// Shortest printable run counted as a context line (`strings -n`).
    pub min_len: usize,
    /// Context runs before (`-B`) and after (`-A`).
    pub before: usize,
    pub after: usize,
}

impl Default for ScanOpts {
    fn default() -> Self {
        Self {
            // Chunk plus both windows (96 KiB) stays in a core's L2 cache between the kernel's
            // copy and the search; a 1 MiB chunk measured 2-3x slower on the benchmark machine.
            chunk: 64 << 10,
            window: 16 << 10,
            max_line: 4 << 10,
            min_len: 4,
            before: 5,
            after: 5,
        }
    }
}

/// One match (or several on the same printable line) with its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Source offset (or address) of the first match.
    pub offset: u64,
    /// Source offset of the line's first byte.
    pub line_offset: u64,
    /// The printable run(s) holding the match.
    pub line: Vec<u8>,
    /// Matches, as ranges of `line`, with what found them.
    pub matches: Vec<(Range<usize>, Kind)>,
    /// Printable runs before the line, nearest last.
    pub before: Vec<Vec<u8>>,
    /// Printable runs after the line, nearest first.
    pub after: Vec<Vec<u8>>,
}

/// A source that can be read at an offset without moving any shared file position (`pread`).
pub trait ReadAt {
    /// Reads into `buf` from `offset`; 0 means the end.
    ///
    /// # Errors
    /// I/O errors of the source.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for std::fs::File {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

/// A byte slice as a source starting at offset 0 (tests, environ, cmdline).
impl ReadAt for &[u8] {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// Reusable scanning state: one buffer for every source scanned.
pub struct Scanner {
    opts: ScanOpts,
    buf: Vec<u8>,
    hits: Vec<Hit>,
}

impl Scanner {
    /// A scanner with `opts` (`chunk` is raised to at least `2 * window`).
    pub fn new(mut opts: ScanOpts) -> Self {
        opts.window = opts.window.max(opts.max_line * 2).max(64);
        opts.chunk = opts.chunk.max(opts.window * 2);
        Self {
            opts,
            buf: Vec::new(),
            hits: Vec::new(),
        }
    }

    /// The options in use.
    pub fn opts(&self) -> &ScanOpts {
        &self.opts
    }

    /// Searches `len` bytes of `src` from offset `start`, calling `emit` for each [`Found`] in
    /// offset order. Returns the number of bytes read.
    ///
    /// # Errors
    /// A read error of `src` (what was found before it has been emitted).
    pub fn scan(
        &mut self,
        src: &mut dyn ReadAt,
        start: u64,
        len: u64,
        m: &Matcher,
        emit: &mut dyn FnMut(Found),
    ) -> io::Result<u64> {
        let o = self.opts.clone();
        let cap = o.chunk + 2 * o.window;
        if self.buf.len() < cap {
            self.buf.resize(cap, 0);
        }
        let end = start.saturating_add(len);
        let mut base = start;
        let mut filled = 0usize;
        let mut done = 0usize;
        let mut read = 0u64;
        let mut pending: Option<Found> = None;
        let result = loop {
            let mut eof = false;
            let mut err = None;
            while filled < cap {
                let want = (cap - filled)
                    .min(usize::try_from(end - (base + filled as u64)).unwrap_or(usize::MAX));
                if want == 0 {
                    eof = true;
                    break;
                }
                match src.read_at(&mut self.buf[filled..filled + want], base + filled as u64) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => {
                        filled += n;
                        read += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        // Report what is in the buffer, then the error.
                        eof = true;
                        err = Some(e);
                        break;
                    }
                }
            }
            let limit = if eof { filled } else { filled - o.window };
            self.hits.clear();
            m.find(&self.buf[..filled], done, limit, &mut self.hits);
            for h in &self.hits {
                let at = base + h.range.start as u64;
                // Another match on the pending finding's line joins it (checked before any
                // line or context is built, so dense matches cost O(1) each).
                if let Some(p) = &mut pending {
                    let shift = at.wrapping_sub(p.line_offset) as usize;
                    if at >= p.line_offset && shift < p.line.len() {
                        let end = (shift + h.range.len()).min(p.line.len());
                        p.matches.push((shift..end, h.kind));
                        continue;
                    }
                }
                let f = found(&self.buf[..filled], base, h, &o);
                if let Some(p) = pending.replace(f) {
                    emit(p);
                }
            }
            if eof {
                break err.map_or(Ok(read), Err);
            }
            let keep_from = limit - o.window;
            self.buf.copy_within(keep_from..filled, 0);
            filled -= keep_from;
            base += keep_from as u64;
            // Matches do not overlap, across borders either.
            let last_end = self.hits.iter().map(|h| h.range.end).max().unwrap_or(0);
            done = limit.max(last_end) - keep_from;
        };
        if let Some(p) = pending {
            emit(p);
        }
        result
    }
}

/// Builds the [`Found`] for hit `h` of `buf` (which starts at source offset `base`).
fn found(buf: &[u8], base: u64, h: &Hit, o: &ScanOpts) -> Found {
    let line = strings::line_around(buf, h.range.clone(), 0, buf.len(), o.max_line);
    let before = strings::runs_before(
        buf,
        line.start,
        line.start.saturating_sub(o.window / 2),
        o.before,
        o.min_len,
        o.max_line,
    );
    let after = strings::runs_after(
        buf,
        line.end,
        line.end.saturating_add(o.window / 2),
        o.after,
        o.min_len,
        o.max_line,
    );
    let rel = h.range.start - line.start..h.range.end.min(line.end) - line.start;
    Found {
        offset: base + h.range.start as u64,
        line_offset: base + line.start as u64,
        line: buf[line].to_vec(),
        matches: vec![(rel, h.kind)],
        before: before.into_iter().map(|r| buf[r].to_vec()).collect(),
        after: after.into_iter().map(|r| buf[r].to_vec()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn literal(p: &str) -> Matcher {
        Matcher::Literal(Box::new(memmem::Finder::new(p.as_bytes()).into_owned()))
    }

    fn small() -> ScanOpts {
        ScanOpts {
            chunk: 256,
            window: 64,
            max_line: 16,
            min_len: 4,
            before: 2,
            after: 2,
        }
    }

    fn scan_all(data: &[u8], m: &Matcher, opts: ScanOpts) -> Vec<Found> {
        let mut out = Vec::new();
        let mut s = Scanner::new(opts);
        let mut src = data;
        let n = s
            .scan(&mut src, 0, data.len() as u64, m, &mut |f| out.push(f))
            .unwrap();
        assert_eq!(n, data.len() as u64);
        out
    }

    fn text(v: &[Vec<u8>]) -> Vec<String> {
        v.iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    #[test]
    fn finds_match_with_line_and_context() {
        let data = b"\x00\x01/registry/secrets/default/credit-card\x10\x02\x18 \x01cc=1111222233334444\x00\x00next\x01k8s\x00";
        let found = scan_all(data, &literal("111122"), ScanOpts::default());
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.line, b"cc=1111222233334444");
        assert_eq!(f.offset, memmem::find(data, b"111122").unwrap() as u64);
        assert_eq!(f.line_offset, f.offset - 3);
        assert_eq!(
            text(&f.before),
            vec!["/registry/secrets/default/credit-card"]
        );
        assert_eq!(text(&f.after), vec!["next"]);
        assert_eq!(f.matches, vec![(3..9, Kind::Pattern)]);
    }

    #[test]
    fn several_matches_on_one_line_are_one_finding() {
        let data = b"\x00abc abc abc\x00";
        let found = scan_all(data, &literal("abc"), ScanOpts::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0]
                .matches
                .iter()
                .map(|m| m.0.clone())
                .collect::<Vec<_>>(),
            vec![0..3, 4..7, 8..11]
        );
    }

    #[test]
    fn dense_matches_on_long_lines_stay_fast() {
        // 4 MiB of one printable line: every byte matches; one finding per (cut) line.
        let data = vec![b'e'; 4 << 20];
        let t = std::time::Instant::now();
        let found = scan_all(&data, &literal("e"), ScanOpts::default());
        assert!(t.elapsed() < std::time::Duration::from_secs(20));
        let matches: usize = found.iter().map(|f| f.matches.len()).sum();
        assert_eq!(matches, data.len());
    }

    #[test]
    fn regex_and_empty_matches() {
        let re = Matcher::Regex(Regex::new(r"cc=[0-9]+|x*").unwrap());
        let found = scan_all(b"\x00zz cc=42\x00", &re, ScanOpts::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, b"zz cc=42");
    }

    /// Noise that never contains the needles used below (no printable runs of 4).
    fn noise(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| if i % 3 == 0 { 0 } else { b'a' + (i % 7) as u8 })
            .collect()
    }

    #[test]
    fn matches_across_every_chunk_border_position() {
        let opts = small();
        let needle = b"SECRET-VALUE";
        // Put the needle at every offset around the first two chunk borders.
        for at in 180..460 {
            let mut data = noise(1024);
            data[at - 1] = 0;
            data[at..at + needle.len()].copy_from_slice(needle);
            data[at + needle.len()] = 0;
            let found = scan_all(&data, &literal("SECRET-VALUE"), opts.clone());
            assert_eq!(found.len(), 1, "needle at {at}");
            assert_eq!(found[0].offset, at as u64, "needle at {at}");
            assert_eq!(found[0].line, needle, "needle at {at}");
        }
    }

    #[test]
    fn context_across_chunk_borders() {
        let opts = small();
        for at in 200..400 {
            let mut data = vec![0u8; 1024];
            data[at - 12..at - 6].copy_from_slice(b"before");
            data[at..at + 5].copy_from_slice(b"match");
            data[at + 6..at + 11].copy_from_slice(b"after");
            let found = scan_all(&data, &literal("match"), opts.clone());
            assert_eq!(found.len(), 1, "at {at}");
            assert_eq!(text(&found[0].before), vec!["before"], "at {at}");
            assert_eq!(text(&found[0].after), vec!["after"], "at {at}");
        }
    }

    #[test]
    fn long_lines_are_cut() {
        let mut data = vec![b'x'; 200];
        data[100..103].copy_from_slice(b"KEY");
        let found = scan_all(&data, &literal("KEY"), small());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line.len(), 16 + 3 + 16);
    }

    #[test]
    fn detector_hits_across_a_border() {
        let opts = small();
        let card = b"cc=1111222233334444";
        for at in 230..300 {
            let mut data = vec![0u8; 700];
            data[at..at + card.len()].copy_from_slice(card);
            let m = Matcher::Detectors(Box::default());
            let found = scan_all(&data, &m, opts.clone());
            assert_eq!(found.len(), 1, "at {at}");
            assert_eq!(found[0].matches[0].1, Kind::CreditCard);
            assert_eq!(found[0].offset, (at + 3) as u64);
        }
    }

    #[test]
    fn read_errors_are_returned_after_what_was_found() {
        struct Failing;
        impl ReadAt for Failing {
            fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
                if offset > 0 {
                    return Err(io::Error::from_raw_os_error(libc::EIO));
                }
                let data = b"\x00hello secret\x00";
                buf[..data.len()].copy_from_slice(data);
                Ok(data.len())
            }
        }
        let mut got = Vec::new();
        let err = Scanner::new(small())
            .scan(&mut Failing, 0, 1 << 20, &literal("secret"), &mut |f| {
                got.push(f)
            })
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EIO));
        assert_eq!(got.len(), 1);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn streaming_finds_what_a_whole_buffer_search_finds(
            data in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(b'b'), Just(b' '), any::<u8>()], 0..2000),
            needle in "[ab]{1,5}",
        ) {
            let m = literal(&needle);
            let streamed: Vec<u64> = scan_all(&data, &m, small()).iter().map(|f| f.line_offset).collect();
            let whole_opts = ScanOpts { chunk: 1 << 16, ..small() };
            let whole: Vec<u64> = scan_all(&data, &m, whole_opts).iter().map(|f| f.line_offset).collect();
            prop_assert_eq!(streamed, whole);
            // And every occurrence is covered by some finding.
            let n = memmem::find_iter(&data, needle.as_bytes()).count();
            let mut s = Scanner::new(small());
            let mut count = 0;
            let mut src = &data[..];
            s.scan(&mut src, 0, data.len() as u64, &m, &mut |f| count += f.matches.len()).unwrap();
            prop_assert!(count <= n);
        }
    }
}
