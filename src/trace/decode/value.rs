//! [`Value`]: one decoded argument (or a part of one), as data. Decoders build values; the
//! per-call printer renders them as strace prints them ([`Value::write_text`]) or as JSON
//! ([`Value::to_json`]). Strings are kept as the tracee's bytes (with whether `-s` cut them),
//! so the text can quote them strace's way and the JSON keep them lossless.

use std::fmt::Write as _;

use serde_json::json;

/// How strings are quoted (`-x`, `-xx`, `--strings-in-hex=`), strace's `xflag`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HexStr {
    /// Printable ASCII as is, the usual C escapes, other bytes as octal escapes.
    #[default]
    None,
    /// `--strings-in-hex=non-ascii-chars`: as `None`, other bytes as `\xHH`.
    NonAsciiChars,
    /// `-x`: a string with any byte that is neither printable nor whitespace is all `\xHH`.
    NonAscii,
    /// `-xx`: every string all `\xHH`.
    All,
}

/// What an fd refers to, as `-y`/`-yy` print it between `<` and `>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FdTarget {
    /// Its path (`/proc/PID/fd/N`'s link), escaped; `deleted`: the file was unlinked
    /// (`3</tmp/x>(deleted)`).
    Path { path: Vec<u8>, deleted: bool },
    /// `-yy`: a device, `</dev/pts/0<char 136:0>>` (`kind` is `char` or `block`).
    Dev {
        path: Vec<u8>,
        kind: &'static str,
        major: u32,
        minor: u32,
    },
    /// `-yy`: what strace prints as is: a socket's endpoints (`TCP:[127.0.0.1:80->...]`),
    /// `pid:1234` of a pidfd.
    Text(String),
}

impl FdTarget {
    /// Appends `<...>` as `-y` prints it.
    pub fn write_text(&self, out: &mut String, hex: HexStr) {
        out.push('<');
        match self {
            FdTarget::Path { path, deleted } => {
                quote_inner(out, path, hex, b"<>");
                out.push('>');
                if *deleted {
                    out.push_str("(deleted)");
                }
            }
            FdTarget::Dev {
                path,
                kind,
                major,
                minor,
            } => {
                quote_inner(out, path, hex, b"<>");
                let _ = write!(out, "<{kind} {major}:{minor}>>");
            }
            FdTarget::Text(t) => {
                out.push_str(t);
                out.push('>');
            }
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let bytes = |b: &[u8]| {
            serde_json::to_value(crate::output::bytes::Bytes(b.to_vec()))
                .unwrap_or(serde_json::Value::Null)
        };
        match self {
            FdTarget::Path { path, deleted } if *deleted => {
                json!({"path": bytes(path), "deleted": true})
            }
            FdTarget::Path { path, .. } => json!({"path": bytes(path)}),
            FdTarget::Dev {
                path,
                kind,
                major,
                minor,
            } => json!({"path": bytes(path), "device": format!("{kind} {major}:{minor}")}),
            FdTarget::Text(t) => json!({"endpoint": t}),
        }
    }
}

/// One decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A signed decimal number: `-1`, `4096`.
    Int(i64),
    /// An unsigned decimal number.
    Uint(u64),
    /// strace's `%#lx`: `0`, `0x1f`.
    Hex(u64),
    /// strace's `%#o`: `0`, `0644`.
    Oct(u64),
    /// An address: `NULL` or `0x7ffc1b2a3c40`.
    Ptr(u64),
    /// A named constant, or text strace prints as is: `AT_FDCWD`, `SIG_DFL`, `FUTEX_WAIT`.
    Sym(String),
    /// Flags: `O_RDONLY|O_CLOEXEC`, with an unnamed rest already in the list as `0x40`;
    /// an empty list prints `0`.
    Flags(Vec<String>),
    /// Bytes read from the tracee, quoted; `more`: cut at the string limit (printed `"..."...`).
    Str { bytes: Vec<u8>, more: bool },
    /// A file descriptor; with `-y`, what it refers to (`3</etc/passwd>`).
    Fd { fd: i64, target: Option<FdTarget> },
    /// A struct: `{st_mode=S_IFREG|0644, st_size=3, ...}`. `more`: fields left out (`...`).
    /// A field named `""` prints as its value alone.
    Struct {
        fields: Vec<(&'static str, Value)>,
        more: bool,
    },
    /// An array: `["ls", "-l"]`, `[3, 4]`; `more`: elements left out (`...`).
    Array { items: Vec<Value>, more: bool },
    /// A signal set: `[INT QUIT]`, or its complement `~[RTMIN RT_1]`.
    SigSet {
        complement: bool,
        names: Vec<String>,
    },
    /// An argument with its name: `child_stack=NULL` (clone's arguments).
    Named(&'static str, Box<Value>),
    /// A value-result argument: `16 => 8` (usually inside an array: `[16 => 8]`).
    InOut(Box<Value>, Box<Value>),
    /// A function-like form: `htons(80)`, `inet_addr("127.0.0.1")`, `makedev(0x88, 0x1)`.
    Call(&'static str, Vec<Value>),
    /// A value and a comment: `0x7ffd6c3c0a48 /* 23 vars */`.
    Comment(Box<Value>, String),
    /// Several values joined by `|`: `SIGCHLD|CLONE_VM` where one part is not a flag name.
    Or(Vec<Value>),
    /// Text printed as is (JSON: a string), for forms the other variants do not have.
    Raw(String),
}

impl Value {
    /// A quoted string of `bytes` (not cut).
    pub fn str(bytes: impl Into<Vec<u8>>) -> Value {
        Value::Str {
            bytes: bytes.into(),
            more: false,
        }
    }

    /// A named constant.
    pub fn sym(s: impl Into<String>) -> Value {
        Value::Sym(s.into())
    }

    /// A struct with every field shown.
    pub fn fields(fields: Vec<(&'static str, Value)>) -> Value {
        Value::Struct {
            fields,
            more: false,
        }
    }

    /// An array with every element shown.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array { items, more: false }
    }

    /// `[v]`: the value an address points to (an int, a socklen...).
    pub fn boxed(v: Value) -> Value {
        Value::array(vec![v])
    }

    /// Appends strace's text of this value to `out`.
    pub fn write_text(&self, out: &mut String, hex: HexStr) {
        match self {
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Uint(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Hex(0) => out.push('0'),
            Value::Hex(n) => {
                let _ = write!(out, "{n:#x}");
            }
            Value::Oct(0) => out.push('0'),
            Value::Oct(n) => {
                let _ = write!(out, "0{n:o}");
            }
            Value::Ptr(0) => out.push_str("NULL"),
            Value::Ptr(n) => {
                let _ = write!(out, "{n:#x}");
            }
            Value::Sym(s) | Value::Raw(s) => out.push_str(s),
            Value::Flags(f) if f.is_empty() => out.push('0'),
            Value::Flags(f) => out.push_str(&f.join("|")),
            Value::Str { bytes, more } => {
                quote(out, bytes, hex);
                if *more {
                    out.push_str("...");
                }
            }
            Value::Fd { fd, target } => {
                let _ = write!(out, "{fd}");
                if let Some(t) = target {
                    t.write_text(out, hex);
                }
            }
            Value::Struct { fields, more } => {
                out.push('{');
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    // A field without a name prints its value alone (sockaddr_in6's
                    // `inet_pton(AF_INET6, "::1", &sin6_addr)`).
                    if !name.is_empty() {
                        out.push_str(name);
                        out.push('=');
                    }
                    v.write_text(out, hex);
                }
                if *more {
                    if !fields.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str("...");
                }
                out.push('}');
            }
            Value::Array { items, more } => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_text(out, hex);
                }
                if *more {
                    if !items.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str("...");
                }
                out.push(']');
            }
            Value::SigSet { complement, names } => {
                if *complement {
                    out.push('~');
                }
                out.push('[');
                out.push_str(&names.join(" "));
                out.push(']');
            }
            Value::Named(name, v) => {
                out.push_str(name);
                out.push('=');
                v.write_text(out, hex);
            }
            Value::InOut(a, b) => {
                a.write_text(out, hex);
                out.push_str(" => ");
                b.write_text(out, hex);
            }
            Value::Call(name, args) => {
                out.push_str(name);
                out.push('(');
                for (i, v) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_text(out, hex);
                }
                out.push(')');
            }
            Value::Comment(v, c) => {
                v.write_text(out, hex);
                out.push_str(" /* ");
                out.push_str(c);
                out.push_str(" */");
            }
            Value::Or(parts) => {
                for (i, v) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    v.write_text(out, hex);
                }
            }
        }
    }

    /// strace's text of this value.
    pub fn text(&self, hex: HexStr) -> String {
        let mut s = String::new();
        self.write_text(&mut s, hex);
        s
    }

    /// The value as JSON: numbers as numbers, names and flags as strings (flags as an array of
    /// names), strings as [`crate::output::bytes::Bytes`] does (a string when UTF-8, else
    /// `{"bytes": [...]}`) with `"truncated": true` beside them when cut, structs as objects.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Int(n) => json!(n),
            Value::Uint(n) | Value::Hex(n) | Value::Oct(n) => json!(n),
            Value::Ptr(n) => json!(n),
            Value::Sym(s) | Value::Raw(s) => json!(s),
            Value::Flags(f) => json!(f),
            Value::Str { bytes, more } => {
                let b = serde_json::to_value(crate::output::bytes::Bytes(bytes.clone()))
                    .unwrap_or(J::Null);
                if *more {
                    json!({"str": b, "truncated": true})
                } else {
                    b
                }
            }
            Value::Fd { fd, target } => match target {
                None => json!(fd),
                Some(t) => {
                    let mut j = t.to_json();
                    j["fd"] = json!(fd);
                    j
                }
            },
            Value::Struct { fields, more } => {
                let mut m = serde_json::Map::new();
                for (k, v) in fields {
                    match v.to_json() {
                        // A field without a name (`inet_pton(...)`) lends its own keys.
                        J::Object(o) if k.is_empty() => m.extend(o),
                        j => {
                            m.insert((*k).to_string(), j);
                        }
                    }
                }
                if *more {
                    m.insert("...".to_string(), J::Bool(true));
                }
                J::Object(m)
            }
            Value::Array { items, more } => {
                let mut a: Vec<J> = items.iter().map(Value::to_json).collect();
                if *more {
                    a.push(json!("..."));
                }
                J::Array(a)
            }
            Value::SigSet { complement, names } => {
                if *complement {
                    json!({"not": names})
                } else {
                    json!(names)
                }
            }
            Value::Named(k, v) => json!({ *k: v.to_json() }),
            Value::InOut(a, b) => json!({"in": a.to_json(), "out": b.to_json()}),
            Value::Call(name, args) => {
                json!({ *name: args.iter().map(Value::to_json).collect::<Vec<_>>() })
            }
            Value::Comment(v, c) => json!({"value": v.to_json(), "comment": c}),
            Value::Or(parts) => J::Array(parts.iter().map(Value::to_json).collect()),
        }
    }
}

fn is_print(c: u8) -> bool {
    (b' '..0x7f).contains(&c)
}

fn hex_byte(out: &mut String, c: u8) {
    let _ = write!(out, "\\x{c:02x}");
}

/// Appends `bytes` in double quotes, escaped as strace's `string_quote` does.
pub fn quote(out: &mut String, bytes: &[u8], hex: HexStr) {
    out.push('"');
    quote_inner(out, bytes, hex, &[]);
    out.push('"');
}

fn quote_inner(out: &mut String, bytes: &[u8], hex: HexStr, escape: &[u8]) {
    let all_hex = match hex {
        HexStr::All => true,
        HexStr::NonAscii => bytes
            .iter()
            .any(|&c| c > 0x7e || (c < b' ' && !(9..=13).contains(&c))),
        _ => false,
    };
    if all_hex {
        for &c in bytes {
            hex_byte(out, c);
        }
        return;
    }
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            _ if is_print(c) && !escape.contains(&c) => out.push(c as char),
            _ if hex == HexStr::NonAsciiChars => hex_byte(out, c),
            _ => {
                out.push('\\');
                let next_is_digit = bytes.get(i + 1).is_some_and(|d| (b'0'..=b'7').contains(d));
                if next_is_digit {
                    let _ = write!(out, "{c:03o}");
                } else {
                    let _ = write!(out, "{c:o}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(b: &[u8], h: HexStr) -> String {
        let mut s = String::new();
        quote(&mut s, b, h);
        s
    }

    #[test]
    fn strings_are_quoted_as_strace_does() {
        assert_eq!(q(b"a\"b\\c\n\t", HexStr::None), r#""a\"b\\c\n\t""#);
        // Octal: minimal digits, three before a digit.
        assert_eq!(q(b"\x00\x01x\x007", HexStr::None), r#""\0\1x\0007""#);
        assert_eq!(q(b"\xff\x7f", HexStr::None), r#""\377\177""#);
        assert_eq!(q(b"ab\n", HexStr::NonAscii), r#""ab\n""#);
        assert_eq!(q(b"a\x00", HexStr::NonAscii), r#""\x61\x00""#);
        assert_eq!(q(b"ab", HexStr::All), r#""\x61\x62""#);
        assert_eq!(q(b"a\xff", HexStr::NonAsciiChars), r#""a\xff""#);
    }

    #[test]
    fn values_render_as_strace_prints_them() {
        let v = Value::fields(vec![
            ("st_mode", Value::Raw("S_IFREG|0644".into())),
            ("st_size", Value::Int(3)),
        ]);
        assert_eq!(v.text(HexStr::None), "{st_mode=S_IFREG|0644, st_size=3}");
        let v = Value::Struct {
            fields: vec![("st_size", Value::Int(3))],
            more: true,
        };
        assert_eq!(v.text(HexStr::None), "{st_size=3, ...}");
        let v = Value::Array {
            items: vec![Value::str("ls"), Value::str("-l")],
            more: true,
        };
        assert_eq!(v.text(HexStr::None), r#"["ls", "-l", ...]"#);
        assert_eq!(Value::Ptr(0).text(HexStr::None), "NULL");
        assert_eq!(Value::Hex(0).text(HexStr::None), "0");
        assert_eq!(Value::Oct(0o644).text(HexStr::None), "0644");
        assert_eq!(Value::Flags(vec![]).text(HexStr::None), "0");
        let fd = Value::Fd {
            fd: 3,
            target: Some(FdTarget::Path {
                path: b"/tmp/a>b".to_vec(),
                deleted: true,
            }),
        };
        assert_eq!(fd.text(HexStr::None), r"3</tmp/a\76b>(deleted)");
        let v = Value::boxed(Value::InOut(
            Box::new(Value::Int(16)),
            Box::new(Value::Int(8)),
        ));
        assert_eq!(v.text(HexStr::None), "[16 => 8]");
        let v = Value::Str {
            bytes: b"abc".to_vec(),
            more: true,
        };
        assert_eq!(v.text(HexStr::None), r#""abc"..."#);
        assert_eq!(
            Value::SigSet {
                complement: true,
                names: vec!["RTMIN".into(), "RT_1".into()]
            }
            .text(HexStr::None),
            "~[RTMIN RT_1]"
        );
    }

    #[test]
    fn json_keeps_bytes_and_structure() {
        let v = Value::Str {
            bytes: b"h\xffi".to_vec(),
            more: true,
        };
        assert_eq!(
            v.to_json().to_string(),
            r#"{"str":{"bytes":[104,255,105]},"truncated":true}"#
        );
        let v = Value::Flags(vec!["O_RDONLY".into(), "O_CLOEXEC".into()]);
        assert_eq!(v.to_json().to_string(), r#"["O_RDONLY","O_CLOEXEC"]"#);
    }
}
