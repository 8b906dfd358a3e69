//! Printable-string "lines" as `strings -n N` sees them: runs of printable ASCII (0x20..=0x7e)
//! and tab, of at least `min_len` bytes. Everything here works on byte slices, with no I/O.
//!
//! The scanner uses these to show a match inside its printable run and to take `-B`/`-A` runs of
//! context around it, the way `strings FILE | grep -B N -A N PATTERN` would print them.

use std::ops::Range;

/// Printable as GNU `strings` counts it by default: ASCII graphic characters, space and tab.
#[inline]
pub fn is_printable(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) || b == b'\t'
}

/// Every printable run of at least `min_len` bytes in `buf`, in order (what `strings -n` prints).
pub fn runs(buf: &[u8], min_len: usize) -> Vec<Range<usize>> {
    let min_len = min_len.max(1);
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in buf.iter().enumerate() {
        match (is_printable(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min_len {
                    out.push(s..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        if buf.len() - s >= min_len {
            out.push(s..buf.len());
        }
    }
    out
}

/// The line holding `hit`: from the start of the printable run around `hit.start` to the end of
/// the run around `hit.end`, each side extended at most `max_extend` bytes and kept inside `lo..hi`.
/// Non-printable bytes inside `hit` (a regex may match them) stay in the line.
pub fn line_around(
    buf: &[u8],
    hit: Range<usize>,
    lo: usize,
    hi: usize,
    max_extend: usize,
) -> Range<usize> {
    let floor = lo.max(hit.start.saturating_sub(max_extend));
    let mut start = hit.start;
    while start > floor && is_printable(buf[start - 1]) {
        start -= 1;
    }
    let ceil = hi.min(buf.len()).min(hit.end.saturating_add(max_extend));
    let mut end = hit.end.max(start);
    while end < ceil && is_printable(buf[end]) {
        end += 1;
    }
    start..end
}

/// Up to `count` printable runs of at least `min_len` bytes ending at or before `pos`, nearest
/// last, looking no further back than `lo`. Each run is cut to its last `max_len` bytes.
pub fn runs_before(
    buf: &[u8],
    pos: usize,
    lo: usize,
    count: usize,
    min_len: usize,
    max_len: usize,
) -> Vec<Range<usize>> {
    let min_len = min_len.max(1);
    let mut out = Vec::new();
    let mut i = pos.min(buf.len());
    while out.len() < count && i > lo {
        // Skip non-printable bytes.
        while i > lo && !is_printable(buf[i - 1]) {
            i -= 1;
        }
        let end = i;
        while i > lo && is_printable(buf[i - 1]) {
            i -= 1;
        }
        // A run cut by `lo` may be longer than we can see; it still counts if long enough.
        if end - i >= min_len {
            out.push(i.max(end.saturating_sub(max_len))..end);
        }
    }
    out.reverse();
    out
}

/// Up to `count` printable runs of at least `min_len` bytes starting at or after `pos`, nearest
/// first, looking no further than `hi`. Each run is cut to its first `max_len` bytes.
pub fn runs_after(
    buf: &[u8],
    pos: usize,
    hi: usize,
    count: usize,
    min_len: usize,
    max_len: usize,
) -> Vec<Range<usize>> {
    let min_len = min_len.max(1);
    let hi = hi.min(buf.len());
    let mut out = Vec::new();
    let mut i = pos;
    while out.len() < count && i < hi {
        match buf[i..hi].iter().position(|&b| is_printable(b)) {
            Some(n) => i += n,
            None => break,
        }
        let start = i;
        while i < hi && is_printable(buf[i]) {
            i += 1;
        }
        if i - start >= min_len {
            out.push(start..i.min(start.saturating_add(max_len)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts<'a>(buf: &'a [u8], rs: &[Range<usize>]) -> Vec<&'a [u8]> {
        rs.iter().map(|r| &buf[r.clone()]).collect()
    }

    #[test]
    fn runs_like_strings() {
        let buf = b"\x00abc\x01abcd\x02\tx y\n12345\xffend!";
        assert_eq!(
            texts(buf, &runs(buf, 4)),
            vec![&b"abcd"[..], b"\tx y", b"12345", b"end!"]
        );
        assert_eq!(texts(buf, &runs(buf, 5)), vec![&b"12345"[..]]);
        assert!(runs(b"", 4).is_empty());
        assert!(runs(b"\x00\x01\x02", 1).is_empty());
    }

    #[test]
    fn line_around_a_hit() {
        let buf = b"\x00key=secret1234\x00tail";
        // "secret" is at 5..11.
        assert_eq!(
            &buf[line_around(buf, 5..11, 0, buf.len(), 100)],
            b"key=secret1234"
        );
        // Extension limited by max_extend and by lo/hi.
        assert_eq!(
            &buf[line_around(buf, 5..11, 0, buf.len(), 2)],
            b"y=secret12"
        );
        assert_eq!(&buf[line_around(buf, 5..11, 4, 12, 100)], b"=secret1");
        // A hit spanning a non-printable byte keeps it.
        assert_eq!(
            &buf[line_around(buf, 14..17, 0, buf.len(), 100)],
            b"key=secret1234\x00tail"
        );
    }

    #[test]
    fn context_runs_before_and_after() {
        let buf = b"one1\x00ab\x00two22\x00three\x00HIT\x00four\x00x\x00fivee\x00sixes";
        let hit = 20..23;
        assert_eq!(&buf[hit.clone()], b"HIT");
        let before = runs_before(buf, hit.start, 0, 2, 4, 100);
        assert_eq!(texts(buf, &before), vec![&b"two22"[..], b"three"]);
        let before = runs_before(buf, hit.start, 0, 10, 4, 100);
        assert_eq!(texts(buf, &before), vec![&b"one1"[..], b"two22", b"three"]);
        let after = runs_after(buf, hit.end, buf.len(), 2, 4, 100);
        assert_eq!(texts(buf, &after), vec![&b"four"[..], b"fivee"]);
        let after = runs_after(buf, hit.end, buf.len(), 10, 4, 3);
        assert_eq!(texts(buf, &after), vec![&b"fou"[..], b"fiv", b"six"]);
        assert!(runs_before(buf, 0, 0, 3, 4, 100).is_empty());
        assert!(runs_after(buf, buf.len(), buf.len(), 3, 4, 100).is_empty());
    }

    proptest! {
        #[test]
        fn runs_are_maximal_printable_and_long_enough(buf in proptest::collection::vec(any::<u8>(), 0..512), min in 1usize..8) {
            let rs = runs(&buf, min);
            let mut last_end = 0;
            for r in &rs {
                prop_assert!(r.start >= last_end);
                prop_assert!(r.len() >= min);
                prop_assert!(buf[r.clone()].iter().all(|&b| is_printable(b)));
                prop_assert!(r.start == 0 || !is_printable(buf[r.start - 1]));
                prop_assert!(r.end == buf.len() || !is_printable(buf[r.end]));
                last_end = r.end;
            }
            // Every printable byte outside the runs belongs to a run shorter than min.
            let covered: usize = rs.iter().map(|r| r.len()).sum();
            let printable = buf.iter().filter(|&&b| is_printable(b)).count();
            prop_assert!(covered <= printable);
        }

        #[test]
        fn context_agrees_with_runs(buf in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'a'), Just(b'\n'), any::<u8>()], 0..256), pos in 0usize..256, min in 1usize..5) {
            let pos = pos.min(buf.len());
            let all = runs(&buf, min);
            let before: Vec<_> = all.iter().filter(|r| r.end <= pos).cloned().collect();
            let got = runs_before(&buf, pos, 0, usize::MAX, min, usize::MAX);
            // A run straddling pos is cut at pos by runs_before; compare only runs ending before.
            let got_whole: Vec<_> = got.iter().filter(|r| r.end < pos || (r.end == pos && (pos == buf.len() || !is_printable(buf[pos])))).cloned().collect();
            prop_assert_eq!(&got_whole[..], &before[..]);
            let after: Vec<_> = all.iter().filter(|r| r.start >= pos).cloned().collect();
            let got = runs_after(&buf, pos, buf.len(), usize::MAX, min, usize::MAX);
            let got_whole: Vec<_> = got.iter().filter(|r| r.start > pos || pos == 0 || !is_printable(buf[pos - 1])).cloned().collect();
            prop_assert_eq!(&got_whole[..], &after[..]);
        }
    }
}
