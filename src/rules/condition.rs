//! Falco's condition grammar (libsinsp's filter/parser.cpp), parsed to a syntax tree: `or` over
//! `and` over `not`, parentheses, macro references (bare identifiers), field checks with a
//! field (`proc.aname[2]`, `evt.arg.flags`, a transformer such as `tolower(proc.name)`), an
//! operator and a value, a list `(a, "b c")`, or another field (`val(proc.pname)`). The error
//! messages are libsinsp's, so that rules tests comparing them match.

/// Where a node starts in the condition text: byte offset, 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub idx: usize,
    pub line: usize,
    pub col: usize,
}

/// A field, or a transformer over fields and values.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Field {
        name: String,
        arg: Option<String>,
        pos: Pos,
    },
    Transform {
        name: String,
        args: Vec<Operand>,
        pos: Pos,
    },
    /// A literal inside a transformer's arguments.
    Literal(String),
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    /// `exists`.
    None,
    Value(String),
    List(Vec<String>),
    /// `val(field)` or a transformer: the value of another field of the same event.
    Operand(Operand),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Not(Box<Ast>),
    /// A macro reference.
    Ident(String, Pos),
    Check {
        lhs: Operand,
        op: String,
        rhs: Rhs,
        pos: Pos,
    },
}

/// A syntax error and where the parser stood.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub pos: Pos,
}

const UNARY_OPS: &[&str] = &["exists"];
const NUM_OPS: &[&str] = &["<=", "<", ">=", ">"];
const STR_OPS: &[&str] = &[
    "==",
    "=",
    "!=",
    "glob ",
    "iglob ",
    "contains ",
    "icontains ",
    "bcontains ",
    "startswith ",
    "bstartswith ",
    "endswith ",
    "regex ",
];
const LIST_OPS: &[&str] = &["intersects", "in", "pmatch"];
const TRANSFORMERS: &[&str] = &["tolower(", "toupper(", "b64(", "basename(", "len("];

/// Every operator, as Falco lists them in its messages.
pub fn supported_operators() -> Vec<&'static str> {
    UNARY_OPS
        .iter()
        .chain(NUM_OPS)
        .chain(STR_OPS)
        .chain(LIST_OPS)
        .map(|s| s.trim())
        .collect()
}

/// Whether `op` is an operator (`=`, `in`, `startswith`...).
pub fn is_operator(op: &str) -> bool {
    supported_operators().contains(&op)
}

/// Whether `op` takes a list.
pub fn is_list_operator(op: &str) -> bool {
    LIST_OPS.contains(&op)
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("'{}'", s.trim_end_matches('(')))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parse a whole condition.
///
/// # Errors
/// libsinsp's message for the first syntax error, and its position.
pub fn parse(input: &str) -> Result<Ast, ParseError> {
    let mut p = Parser {
        s: input,
        pos: Pos {
            idx: 0,
            line: 1,
            col: 1,
        },
        last: String::new(),
        depth: 0,
    };
    if input.is_empty() {
        return Err(p.err("filter input string is empty"));
    }
    let ast = p.parse_or()?;
    if p.pos.idx != input.len() {
        let m = format!("unexpected token after '{}', expecting 'or', 'and'", p.last);
        return Err(p.err(m));
    }
    Ok(ast)
}

struct Parser<'a> {
    s: &'a str,
    pos: Pos,
    last: String,
    depth: u32,
}

type R<T> = Result<T, ParseError>;

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic()
}
fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Parser<'a> {
    fn err(&self, m: impl Into<String>) -> ParseError {
        ParseError {
            message: m.into(),
            pos: self.pos,
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos.idx..]
    }

    fn advance(&mut self, n: usize) {
        let taken = &self.s[self.pos.idx..self.pos.idx + n];
        for c in taken.chars() {
            self.pos.col += 1;
            if c == '\n' || c == '\r' {
                self.pos.col = 1;
                self.pos.line += 1;
            }
        }
        self.pos.idx += n;
    }

    fn take(&mut self, n: usize) -> bool {
        self.last = self.s[self.pos.idx..self.pos.idx + n].to_string();
        self.advance(n);
        true
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth >= 1000 {
            return Err(self.err("exceeded max depth limit of 1000"));
        }
        Ok(())
    }

    fn blank(&mut self) -> bool {
        let n = self
            .rest()
            .bytes()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\x08' | b'\r' | b'\n'))
            .count();
        self.advance(n);
        n > 0
    }

    fn lit(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.take(t.len())
        } else {
            false
        }
    }

    fn ident_len(&self) -> usize {
        let b = self.rest().as_bytes();
        if b.first().is_some_and(|&c| is_ident_start(c)) {
            b.iter().take_while(|&&c| is_ident(c)).count()
        } else {
            0
        }
    }

    fn identifier(&mut self) -> bool {
        let n = self.ident_len();
        n > 0 && self.take(n)
    }

    fn field_name_len(&self) -> usize {
        let b = self.rest().as_bytes();
        let mut n = self.ident_len();
        if n == 0 {
            return 0;
        }
        let mut segments = 1;
        while b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(|&c| is_ident_start(c)) {
            n += 1 + b[n + 1..].iter().take_while(|&&c| is_ident(c)).count();
            segments += 1;
        }
        if segments > 1 {
            n
        } else {
            0
        }
    }

    fn field_name(&mut self) -> bool {
        let n = self.field_name_len();
        n > 0 && self.take(n)
    }

    fn bare_str(&mut self) -> bool {
        let n = self
            .rest()
            .bytes()
            .take_while(|c| {
                !matches!(c, b'(' | b')' | b'"' | b'\'' | b'=' | b',') && !c.is_ascii_whitespace()
            })
            .count();
        n > 0 && self.take(n)
    }

    fn field_arg_bare(&mut self) -> bool {
        let n = self
            .rest()
            .bytes()
            .take_while(|c| !matches!(c, b'[' | b']' | b'"' | b'\'') && !c.is_ascii_whitespace())
            .count();
        n > 0 && self.take(n)
    }

    fn number(&mut self) -> bool {
        let b = self.rest().as_bytes();
        if b.len() > 2 && b[0] == b'0' && (b[1] == b'x' || b[1] == b'X') {
            let h = b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
            if h > 0 {
                return self.take(2 + h);
            }
        }
        let mut i = 0;
        if matches!(b.first(), Some(b'+' | b'-')) {
            i = 1;
        }
        let d = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d == 0 {
            return false;
        }
        i += d;
        if b.get(i) == Some(&b'.') {
            i += 1;
            i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        }
        if matches!(b.get(i), Some(b'e' | b'E'))
            && matches!(b.get(i + 1), Some(b'+' | b'-'))
            && b.get(i + 2).is_some_and(|c| c.is_ascii_digit())
        {
            i += 2;
            i += b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        }
        self.take(i)
    }

    /// A quoted string, unescaped as libsinsp does.
    fn quoted(&mut self) -> R<bool> {
        let b = self.rest().as_bytes();
        let Some(&q) = b.first().filter(|&&c| c == b'"' || c == b'\'') else {
            return Ok(false);
        };
        let mut i = 1;
        let mut prev = q;
        while i < b.len() {
            if b[i] == q && prev != b'\\' {
                let raw = &self.rest()[..=i];
                let un = unescape(raw).map_err(|m| self.err(m))?;
                self.advance(i + 1);
                self.last = un;
                return Ok(true);
            }
            prev = b[i];
            i += 1;
        }
        Ok(false)
    }

    fn op_list(&mut self, list: &[&str]) -> bool {
        for op in list {
            if let Some(word) = op.strip_suffix(' ') {
                if self.rest().starts_with(word) {
                    let save = (self.pos, self.last.clone());
                    self.take(word.len());
                    if self.blank() {
                        self.last = word.to_string();
                        return true;
                    }
                    (self.pos, self.last) = save;
                }
            } else if self.lit(op) {
                return true;
            }
        }
        false
    }

    fn transformer(&mut self) -> bool {
        for t in TRANSFORMERS {
            if self.lit(t) {
                return true;
            }
        }
        false
    }

    fn parse_or(&mut self) -> R<Ast> {
        self.parse_chain("or", Self::parse_and, Ast::Or)
    }

    fn parse_and(&mut self) -> R<Ast> {
        self.parse_chain("and", Self::parse_not, Ast::And)
    }

    /// `child (KEYWORD child)*`: one child alone, else `node` of them all. After the keyword
    /// comes a blank or an embedded `(...)`.
    fn parse_chain(
        &mut self,
        keyword: &str,
        child: fn(&mut Self) -> R<Ast>,
        node: fn(Vec<Ast>) -> Ast,
    ) -> R<Ast> {
        self.enter()?;
        self.blank();
        let mut children = vec![child(self)?];
        self.blank();
        while self.lit(keyword) {
            let next = if !self.blank() {
                if self.lit("(") {
                    self.parse_embedded()?
                } else {
                    return Err(self.err(format!("expected blank or '(' after '{keyword}'")));
                }
            } else {
                child(self)?
            };
            children.push(next);
            self.blank();
        }
        self.depth -= 1;
        Ok(if children.len() == 1 {
            children.pop().expect("one")
        } else {
            node(children)
        })
    }

    fn not_blank(&mut self) -> bool {
        let r = self.rest().as_bytes();
        if r.starts_with(b"not") && r.get(3).is_some_and(|c| c.is_ascii_whitespace()) {
            self.take(3);
            self.blank();
            true
        } else {
            false
        }
    }

    fn parse_not(&mut self) -> R<Ast> {
        self.enter()?;
        self.blank();
        let mut neg = false;
        while self.not_blank() {
            neg = !neg;
        }
        let child = if self.lit("not(") {
            neg = !neg;
            self.parse_embedded()?
        } else {
            self.parse_check()?
        };
        self.depth -= 1;
        Ok(if neg {
            Ast::Not(Box::new(child))
        } else {
            child
        })
    }

    fn parse_embedded(&mut self) -> R<Ast> {
        self.enter()?;
        self.blank();
        let child = self.parse_or()?;
        self.blank();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token"));
        }
        self.depth -= 1;
        Ok(child)
    }

    fn parse_check(&mut self) -> R<Ast> {
        self.enter()?;
        self.blank();
        let pos = self.pos;
        if self.lit("(") {
            let r = self.parse_embedded();
            self.depth -= 1;
            return r;
        }
        let r = if self.field_name() {
            let name = self.last.clone();
            let lhs = self.field_rest(name, pos)?;
            self.parse_condition(lhs, pos)
        } else if self.transformer() {
            self.blank();
            let name = self.last.trim_end_matches('(').to_string();
            let lhs = self.transformer_rest(name, pos)?;
            self.parse_condition(lhs, pos)
        } else if self.identifier() {
            Ok(Ast::Ident(self.last.clone(), pos))
        } else {
            Err(self.err("expected a '(' token, a field check, or an identifier"))
        };
        self.depth -= 1;
        r
    }

    fn field_rest(&mut self, name: String, pos: Pos) -> R<Operand> {
        let arg = self.field_arg()?;
        Ok(Operand::Field { name, arg, pos })
    }

    fn field_arg(&mut self) -> R<Option<String>> {
        if !self.lit("[") {
            return Ok(None);
        }
        if !self.quoted()? && !self.field_arg_bare() {
            return Err(
                self.err("expected a valid field argument: a quoted string or a bare string")
            );
        }
        let arg = self.last.clone();
        if !self.lit("]") {
            return Err(self.err("expected a ']' token"));
        }
        Ok(Some(arg))
    }

    fn transformer_rest(&mut self, name: String, pos: Pos) -> R<Operand> {
        self.enter()?;
        self.blank();
        let mut args = Vec::new();
        loop {
            self.blank();
            let apos = self.pos;
            if self.number() || self.quoted()? {
                args.push(Operand::Literal(self.last.clone()));
            } else if self.transformer() {
                let n = self.last.trim_end_matches('(').to_string();
                args.push(self.transformer_rest(n, apos)?);
            } else if self.field_name() {
                let n = self.last.clone();
                args.push(self.field_rest(n, apos)?);
            } else {
                return Err(self.err(
                    "expected field transformer argument: field, transformer, quoted string, number, or transformer list",
                ));
            }
            self.blank();
            if !self.lit(",") {
                break;
            }
        }
        self.blank();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token closing the transformer"));
        }
        self.depth -= 1;
        Ok(Operand::Transform { name, args, pos })
    }

    fn parse_condition(&mut self, lhs: Operand, pos: Pos) -> R<Ast> {
        self.blank();
        if self.op_list(UNARY_OPS) {
            return Ok(Ast::Check {
                lhs,
                op: self.last.trim().to_string(),
                rhs: Rhs::None,
                pos,
            });
        }
        self.blank();
        let (op, rhs) = if self.op_list(NUM_OPS) {
            let op = self.last.clone();
            (op, self.num_value()?)
        } else if self.op_list(STR_OPS) {
            let op = self.last.trim().to_string();
            (op, self.str_value()?)
        } else if self.op_list(LIST_OPS) {
            let op = self.last.clone();
            (op, self.list_value()?)
        } else {
            let ops = supported_operators();
            return Err(self.err(format!(
                "expected a valid check operator: one of {}",
                quoted_list(&ops)
            )));
        };
        Ok(Ast::Check { lhs, op, rhs, pos })
    }

    fn transformer_or_val(&mut self) -> R<Option<Operand>> {
        self.blank();
        let pos = self.pos;
        if self.lit("val(") {
            self.blank();
            if !self.field_name() {
                return Err(self.err("expected a field within 'val' transformer"));
            }
            let name = self.last.clone();
            let f = self.field_rest(name, self.pos)?;
            self.blank();
            if !self.lit(")") {
                return Err(self.err("expected a ')' token closing the transformer"));
            }
            return Ok(Some(f));
        }
        if self.transformer() {
            self.blank();
            let name = self.last.trim_end_matches('(').to_string();
            return Ok(Some(self.transformer_rest(name, pos)?));
        }
        Ok(None)
    }

    fn transformer_names() -> String {
        let mut v = vec!["val("];
        v.extend_from_slice(TRANSFORMERS);
        quoted_list(&v)
    }

    fn num_value(&mut self) -> R<Rhs> {
        self.blank();
        if let Some(o) = self.transformer_or_val()? {
            return Ok(Rhs::Operand(o));
        }
        if self.number() {
            return Ok(Rhs::Value(self.last.clone()));
        }
        Err(self.err(format!(
            "expected a number value or a field with a valid transformer: {}",
            Self::transformer_names()
        )))
    }

    fn str_value(&mut self) -> R<Rhs> {
        self.blank();
        if let Some(o) = self.transformer_or_val()? {
            return Ok(Rhs::Operand(o));
        }
        if self.quoted()? || self.bare_str() {
            return Ok(Rhs::Value(self.last.clone()));
        }
        Err(self.err(format!(
            "expected a string value or a field with a valid transformer: {}",
            Self::transformer_names()
        )))
    }

    fn plain_str(&mut self) -> R<Option<String>> {
        self.blank();
        if self.quoted()? || self.bare_str() {
            Ok(Some(self.last.clone()))
        } else {
            Ok(None)
        }
    }

    fn list_value(&mut self) -> R<Rhs> {
        self.blank();
        if self.lit("(") {
            let mut values = Vec::new();
            self.blank();
            if let Some(v) = self.plain_str()? {
                values.push(v);
                self.blank();
                while self.lit(",") {
                    match self.plain_str()? {
                        Some(v) => values.push(v),
                        None => return Err(self.err("expected a string value")),
                    }
                    self.blank();
                }
            }
            if !self.lit(")") {
                return Err(self.err("expected a ')' token"));
            }
            return Ok(Rhs::List(values));
        }
        if let Some(o) = self.transformer_or_val()? {
            return Ok(Rhs::Operand(o));
        }
        if self.identifier() {
            return Ok(Rhs::Value(self.last.clone()));
        }
        Err(self.err(format!(
            "expected a list, an identifier, or a field with a valid transformer: {}",
            Self::transformer_names()
        )))
    }
}

/// libsinsp's unescaping of a quoted string (quotes included in `s`).
fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let q = b[0];
    let mut out = Vec::with_capacity(b.len());
    let mut i = 1;
    let end = b.len() - 1;
    while i < end {
        let c = b[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i >= end {
            break;
        }
        match b[i] {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b' ' | b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' if q == b'"' => out.push(b'"'),
            b'"' => return Err("invalid \\\" escape in '-quoted string".into()),
            b'\'' if q == b'\'' => out.push(b'\''),
            b'\'' => return Err("invalid \\' escape in \"-quoted string".into()),
            b'x' => {
                let h = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "truncated hex char escape sequence".to_string())?;
                out.push(h);
                i += 2;
            }
            c => {
                return Err(format!(
                    "unsupported string escape sequence: \\{}",
                    c as char
                ))
            }
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Operand {
        Operand::Field {
            name: name.into(),
            arg: None,
            pos: Pos::default(),
        }
    }

    /// The tree with positions zeroed, to compare shapes.
    fn shape(a: Ast) -> Ast {
        fn op(o: Operand) -> Operand {
            match o {
                Operand::Field { name, arg, .. } => Operand::Field {
                    name,
                    arg,
                    pos: Pos::default(),
                },
                o => o,
            }
        }
        match a {
            Ast::And(v) => Ast::And(v.into_iter().map(shape).collect()),
            Ast::Or(v) => Ast::Or(v.into_iter().map(shape).collect()),
            Ast::Not(b) => Ast::Not(Box::new(shape(*b))),
            Ast::Ident(n, _) => Ast::Ident(n, Pos::default()),
            Ast::Check {
                lhs, op: o, rhs, ..
            } => Ast::Check {
                lhs: op(lhs),
                op: o,
                rhs,
                pos: Pos::default(),
            },
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let a = shape(parse("not a and b or c").unwrap());
        let id = |s: &str| Ast::Ident(s.into(), Pos::default());
        assert_eq!(
            a,
            Ast::Or(vec![
                Ast::And(vec![Ast::Not(Box::new(id("a"))), id("b")]),
                id("c")
            ])
        );
    }

    #[test]
    fn checks_values_and_args() {
        let a = shape(parse("proc.aname[2]=bash and evt.arg[flags] contains \"O_\\\"X\"").unwrap());
        let Ast::And(v) = a else { panic!() };
        assert_eq!(
            v[0],
            Ast::Check {
                lhs: Operand::Field {
                    name: "proc.aname".into(),
                    arg: Some("2".into()),
                    pos: Pos::default()
                },
                op: "=".into(),
                rhs: Rhs::Value("bash".into()),
                pos: Pos::default()
            }
        );
        let Ast::Check { rhs, op, .. } = &v[1] else {
            panic!()
        };
        assert_eq!(op, "contains");
        assert_eq!(rhs, &Rhs::Value("O_\"X".into()));
        let a = shape(parse("fd.name in (a, 'b c',d) or proc.name exists").unwrap());
        let Ast::Or(v) = a else { panic!() };
        assert_eq!(
            v[0],
            Ast::Check {
                lhs: field("fd.name"),
                op: "in".into(),
                rhs: Rhs::List(vec!["a".into(), "b c".into(), "d".into()]),
                pos: Pos::default()
            }
        );
        assert_eq!(
            v[1],
            Ast::Check {
                lhs: field("proc.name"),
                op: "exists".into(),
                rhs: Rhs::None,
                pos: Pos::default()
            }
        );
    }

    #[test]
    fn falcos_messages() {
        assert_eq!(
            parse("evt.type=execve foo").unwrap_err().message,
            "unexpected token after 'execve', expecting 'or', 'and'"
        );
        assert_eq!(
            parse("(proc.name=a").unwrap_err().message,
            "expected a ')' token"
        );
        assert!(parse("proc.name ~ a")
            .unwrap_err()
            .message
            .starts_with("expected a valid check operator: one of 'exists', '<='"));
        let e = parse("a and\n  proc.name=").unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 13));
    }
}
