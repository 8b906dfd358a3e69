//! A rule's output: the text with `%field`, `%field[arg]` and `%(field)` substitutions, parsed
//! once at load, formatted per event with Falco's printing of values (`<NA>` where the event has
//! none), and the list of its fields for JSON outputs (`output_fields`).

use super::eval::Lhs;
use super::fields::Event;

/// One piece of an output.
#[derive(Debug, Clone)]
pub enum Segment {
    Text(String),
    /// A field, with the name it is shown under (`proc.aname[2]`).
    Field(String, Lhs),
}

/// A parsed output format.
#[derive(Debug, Clone, Default)]
pub struct Format {
    pub segments: Vec<Segment>,
}

/// A field token found in an output: its name and argument, to resolve.
pub struct Token {
    pub name: String,
    pub arg: Option<String>,
}

fn is_field_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

impl Format {
    /// Parse `fmt`, resolving each field with `resolve`.
    ///
    /// # Errors
    /// `resolve`'s error for the first field it refuses.
    pub fn parse<E>(
        fmt: &str,
        mut resolve: impl FnMut(&Token) -> Result<Lhs, E>,
    ) -> Result<Format, E> {
        let b = fmt.as_bytes();
        let mut segs = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'%' {
                let start = i;
                while i < b.len() && b[i] != b'%' {
                    i += 1;
                }
                text.push_str(&fmt[start..i]);
                continue;
            }
            // `%(field)` or `%field[arg]`.
            let (name_start, name_end, after) = if b.get(i + 1) == Some(&b'(') {
                let s = i + 2;
                match fmt[s..].find(')') {
                    Some(n) => (s, s + n, s + n + 1),
                    None => (s, s, s),
                }
            } else {
                let s = i + 1;
                let mut e = s;
                while e < b.len() && is_field_char(b[e]) {
                    e += 1;
                }
                (s, e, e)
            };
            if name_end == name_start {
                text.push('%');
                i += 1;
                continue;
            }
            let mut name_end2 = name_end;
            let mut after = after;
            let mut arg = None;
            if b.get(name_end) == Some(&b'[') {
                if let Some(n) = fmt[name_end..].find(']') {
                    arg = Some(fmt[name_end + 1..name_end + n].to_string());
                    after = name_end + n + 1;
                    name_end2 = name_end;
                }
            }
            let name = fmt[name_start..name_end2].to_string();
            let display = match &arg {
                Some(a) => format!("{name}[{a}]"),
                None => name.clone(),
            };
            let lhs = resolve(&Token { name, arg })?;
            if !text.is_empty() {
                segs.push(Segment::Text(std::mem::take(&mut text)));
            }
            segs.push(Segment::Field(display, lhs));
            i = after;
        }
        if !text.is_empty() {
            segs.push(Segment::Text(text));
        }
        Ok(Format { segments: segs })
    }

    /// The output for `ev`.
    pub fn render(&self, ev: &dyn Event) -> String {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Field(_, lhs) => match lhs.value_of(ev) {
                    Some(v) => out.push_str(&v.to_string()),
                    None => out.push_str("<NA>"),
                },
            }
        }
        out
    }

    /// Each field once, in order, with its value (`None` for `<NA>`).
    pub fn fields(&self, ev: &dyn Event) -> Vec<(String, Option<String>)> {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        for s in &self.segments {
            if let Segment::Field(name, lhs) = s {
                if out.iter().any(|(n, _)| n == name) {
                    continue;
                }
                out.push((name.clone(), lhs.value_of(ev).map(|v| v.to_string())));
            }
        }
        out
    }
}
