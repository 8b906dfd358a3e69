//! Escaping bytes written by other (possibly hostile) processes before they reach a terminal.
//!
//! Control characters, bidi overrides and invalid UTF-8 are escaped; JSON output keeps the raw
//! bytes instead (lossless), so this is only for human output.

use std::fmt::Write;

/// Escapes `bytes` for a terminal: printable UTF-8 is kept; `\n`, `\t`, `\r`, `\\`, other
/// control characters, bidi/format characters and invalid bytes become `\n`, `\x1b`, `\u{202e}`...
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// As [`escape_bytes`], but stops once the output reaches `max` bytes (never inside one escape);
/// returns the escaped text and how many bytes of `bytes` it covers.
pub fn escape_bytes_limited(bytes: &[u8], max: usize) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len().min(max) + 16);
    let mut used = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if out.len() >= max {
                return (out, used);
            }
            push_char(&mut out, c);
            used += c.len_utf8();
        }
        for b in chunk.invalid() {
            if out.len() >= max {
                return (out, used);
            }
            let _ = write!(out, "\\x{b:02x}");
            used += 1;
        }
    }
    (out, used)
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x20 || c == '\x7f' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        // C1 controls, bidi embeddings/overrides/isolates, zero-width and other format chars.
        c if ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || c == '\u{feff}' =>
        {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::escape_bytes;

    #[test]
    fn escapes_controls_bidi_and_invalid_bytes() {
        assert_eq!(escape_bytes(b"plain text"), "plain text");
        assert_eq!(escape_bytes(b"a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(escape_bytes(b"x\ny\\"), "x\\ny\\\\");
        assert_eq!(escape_bytes(b"\xff\xfeok"), "\\xff\\xfeok");
        assert_eq!(escape_bytes("a\u{202e}b".as_bytes()), "a\\u{202e}b");
        assert_eq!(escape_bytes("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }

    #[test]
    fn limited_escaping_stops_between_escapes() {
        use super::escape_bytes_limited;
        assert_eq!(escape_bytes_limited(b"abc", 10), ("abc".into(), 3));
        assert_eq!(escape_bytes_limited(b"abcdef", 3), ("abc".into(), 3));
        // An escape is never cut in two: it is written whole or not at all.
        assert_eq!(escape_bytes_limited(b"a\x1bb", 2), ("a\\x1b".into(), 2));
        assert_eq!(
            escape_bytes_limited(b"\xff\xfe", 5),
            ("\\xff\\xfe".into(), 2)
        );
        assert_eq!(escape_bytes_limited(b"\xff\xfe", 4), ("\\xff".into(), 1));
        assert_eq!(
            escape_bytes_limited("\u{e9}x".as_bytes(), 1),
            ("\u{e9}".into(), 2)
        );
    }
}
