//! [`Bytes`]: bytes written by another process (environ, cmdline, comm, fd targets), kept
//! lossless for JSON and escaped for terminals.
//!
//! JSON form: a string when the bytes are valid UTF-8, otherwise an object
//! `{"bytes": [104, 255, ...]}` holding every byte as a number. A consumer that wants raw bytes
//! takes the UTF-8 of a string, or the numbers of the array.
//!
//! The two halves of that choice, [`lossy`] (the text) and [`non_utf8`] (the raw bytes, only when
//! the text is not them), are also what schemas with a text field and a separate byte field are
//! built from (`ksec trace --json`: `"comm"` lossy, `"comm_bytes"` when not UTF-8).

use std::borrow::Cow;

use serde::{Serialize, Serializer};

use crate::output::sanitize::escape_bytes;

/// Untrusted bytes as text: the bytes themselves when they are UTF-8, otherwise each invalid
/// sequence replaced by U+FFFD (lossy; pair it with [`non_utf8`] to keep every byte).
pub fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// The raw bytes when they are not valid UTF-8 (when [`lossy`] lost something), else `None`.
pub fn non_utf8(b: &[u8]) -> Option<&[u8]> {
    std::str::from_utf8(b).is_err().then_some(b)
}

/// Untrusted bytes: serialized losslessly, displayed escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The raw bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// As text, lossy (see [`lossy`]).
    pub fn lossy(&self) -> Cow<'_, str> {
        lossy(&self.0)
    }

    /// The raw bytes when they are not valid UTF-8 (see [`non_utf8`]).
    pub fn non_utf8(&self) -> Option<&[u8]> {
        non_utf8(&self.0)
    }

    /// Escaped for a terminal (see [`escape_bytes`]).
    pub fn escaped(&self) -> String {
        escape_bytes(&self.0)
    }
}

impl From<&[u8]> for Bytes {
    fn from(b: &[u8]) -> Self {
        Self(b.to_vec())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(b: Vec<u8>) -> Self {
        Self(b)
    }
}

impl From<&str> for Bytes {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.non_utf8() {
            None => s.serialize_str(&self.lossy()),
            Some(raw) => {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("bytes", raw)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{lossy, non_utf8, Bytes};

    #[test]
    fn json_is_a_string_when_utf8_else_an_array_of_bytes() {
        let s = serde_json::to_string(&Bytes::from(&b"a\x1b[1m\n"[..])).unwrap();
        assert_eq!(s, r#""a\u001b[1m\n""#);
        let s = serde_json::to_string(&Bytes::from(&b"h\xffi"[..])).unwrap();
        assert_eq!(s, r#"{"bytes":[104,255,105]}"#);
    }

    #[test]
    fn lossy_text_and_the_bytes_it_lost() {
        assert_eq!(lossy(b"worker"), "worker");
        assert_eq!(non_utf8(b"worker"), None);
        assert_eq!(lossy(b"bad\xffname"), "bad\u{fffd}name");
        assert_eq!(non_utf8(b"bad\xffname"), Some(&b"bad\xffname"[..]));
        let b = Bytes::from(&b"h\xffi"[..]);
        assert_eq!(
            (b.lossy().as_ref(), b.non_utf8()),
            ("h\u{fffd}i", Some(&b"h\xffi"[..]))
        );
    }
}
