//! [`Bytes`]: bytes written by another process (environ, cmdline, comm, fd targets), kept
//! lossless for JSON and escaped for terminals.
//!
//! JSON form: a string when the bytes are valid UTF-8, otherwise an object
//! `{"bytes": [104, 255, ...]}` holding every byte as a number. A consumer that wants raw bytes
//! takes the UTF-8 of a string, or the numbers of the array.

use serde::{Serialize, Serializer};

use crate::output::sanitize::escape_bytes;

/// Untrusted bytes: serialized losslessly, displayed escaped.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// The raw bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
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
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("bytes", &self.0)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bytes;

    #[test]
    fn json_is_a_string_when_utf8_else_an_array_of_bytes() {
        let s = serde_json::to_string(&Bytes::from(&b"a\x1b[1m\n"[..])).unwrap();
        assert_eq!(s, r#""a\u001b[1m\n""#);
        let s = serde_json::to_string(&Bytes::from(&b"h\xffi"[..])).unwrap();
        assert_eq!(s, r#"{"bytes":[104,255,105]}"#);
    }
}
