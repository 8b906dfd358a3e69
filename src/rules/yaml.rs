//! Rules files as trees of YAML nodes that remember where they stand (line, column, byte
//! offset), built from yaml-rust2's event parser: the loader's diagnostics name the line of the
//! item, key or value they are about, as Falco's (yaml-cpp marks) do.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts: 1-based line and column, byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub line: usize,
    pub col: usize,
    pub offset: usize,
}

impl Mark {
    fn from_marker(m: Marker) -> Mark {
        Mark {
            line: m.line(),
            col: m.col() + 1,
            offset: m.index(),
        }
    }
}

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `~`, `null` or nothing.
    Null,
    /// Any other scalar, with whether it was quoted (a quoted `true` is a string).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub mark: Mark,
}

impl Node {
    /// The value of scalar key `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// YAML's booleans (`true`, `false`, and yaml-cpp's `yes`/`no`/`on`/`off`).
    pub fn as_bool(&self) -> Option<bool> {
        match self.scalar()?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => Some(true),
            "false" | "no" | "off" | "n" => Some(false),
            _ => None,
        }
    }

    /// The keys of a mapping, in order.
    pub fn keys(&self) -> Vec<&str> {
        match &self.kind {
            Kind::Map(pairs) => pairs.iter().filter_map(|(k, _)| k.scalar()).collect(),
            _ => Vec::new(),
        }
    }
}

/// A parse error: the parser's message and where it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub mark: Mark,
}

/// Every document of a YAML stream.
///
/// # Errors
/// The scanner's or parser's first error, with its position.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut text = std::borrow::Cow::Borrowed(text);
    // yaml-cpp (Falco's parser) accepts a flow sequence or mapping closed at the indentation of
    // its key (`items: [\n  a,\n  ]`, as Falco's own rules files do); yaml-rust2 does not. Such
    // a closing bracket is indented further and the text parsed again (lines are unchanged).
    for _ in 0..1000 {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(&text);
        match parser.load(&mut b, true) {
            Ok(()) => return Ok(b.docs),
            Err(e) => {
                let at = e.marker().index();
                let closes = e.info() == "invalid indentation"
                    && text
                        .char_indices()
                        .nth(at)
                        .is_some_and(|(_, c)| c == ']' || c == '}');
                if !closes {
                    return Err(ParseError {
                        message: e.info().to_string(),
                        mark: Mark::from_marker(*e.marker()),
                    });
                }
                let byte = text.char_indices().nth(at).map_or(0, |(i, _)| i);
                let mut t = text.into_owned();
                t.insert_str(byte, "  ");
                text = std::borrow::Cow::Owned(t);
            }
        }
    }
    Err(ParseError {
        message: "too many flow constructs closed at their key's indentation".into(),
        mark: Mark::default(),
    })
}

enum Open {
    Seq(Vec<Node>, Mark, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Mark, usize),
}

#[derive(Default)]
struct Builder {
    docs: Vec<Node>,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(items, ..)) => items.push(node),
            Some(Open::Map(pairs, key, ..)) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, marker: Marker) {
        let mark = Mark::from_marker(marker);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let quoted = style != TScalarStyle::Plain;
                let kind =
                    if !quoted && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                        Kind::Null
                    } else {
                        Kind::Scalar { text, quoted }
                    };
                self.push(Node { kind, mark }, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), mark, anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(Vec::new(), None, mark, anchor))
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(items, mark, anchor)) => self.push(
                    Node {
                        kind: Kind::Seq(items),
                        mark,
                    },
                    anchor,
                ),
                Some(Open::Map(pairs, _, mark, anchor)) => {
                    // A block mapping starts where its first key does (yaml-cpp's mark).
                    let mark = pairs.first().map_or(mark, |(k, _)| k.mark);
                    self.push(
                        Node {
                            kind: Kind::Map(pairs),
                            mark,
                        },
                        anchor,
                    )
                }
                None => {}
            },
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    kind: Kind::Null,
                    mark,
                });
                self.push(node, 0);
            }
            Event::DocumentEnd => {
                // An empty document (`---` alone) has no node: record it as null.
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_kinds() {
        let docs =
            parse("- rule: a\n  enabled: false\n---\n- list: b\n  items: [x, 'y']\n").unwrap();
        assert_eq!(docs.len(), 2);
        let Kind::Seq(items) = &docs[1].kind else {
            panic!("not a sequence")
        };
        assert_eq!(items[0].mark.line, 4);
        assert_eq!(items[0].mark.col, 3);
        let list = items[0].get("items").unwrap();
        assert_eq!(list.mark.line, 5);
        let Kind::Seq(v) = &list.kind else { panic!() };
        assert_eq!(v[1].scalar(), Some("y"));
        let Kind::Seq(r) = &docs[0].kind else {
            panic!()
        };
        assert_eq!(r[0].get("enabled").unwrap().as_bool(), Some(false));
    }

    #[test]
    fn errors_have_lines() {
        let e = parse("a: [\n").unwrap_err();
        assert_eq!(e.mark.line, 2);
    }
}
