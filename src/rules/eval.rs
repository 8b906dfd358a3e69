//! Compiled conditions: a tree of checks whose fields are resolved to the catalogue and whose
//! values are parsed to the field's type once, at load (a regex compiled, a list turned into a
//! set), evaluated against any [`Event`] without re-parsing. Also the set of `evt.type` values
//! a condition can match, computed as Falco does, by which the ruleset indexes its rules.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;

use regex::Regex;

use super::fields::{Event, Field, FieldType, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    PMatch,
    Exists,
}

impl Op {
    /// The operator named `s` (`=` and `==` are the same).
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "pmatch" => Op::PMatch,
            "exists" => Op::Exists,
            _ => return None,
        })
    }
}

/// A transformer applied to a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Lower,
    Upper,
    Basename,
    Len,
}

/// The left side of a check (or the right side of a `val()`).
#[derive(Debug, Clone)]
pub enum Lhs {
    /// `evt.type`, read from [`Event::evt_type`].
    EvtType,
    Field(Field),
    Transform(Transform, Box<Lhs>),
}

impl Lhs {
    /// The type of the values it gives.
    pub fn ty(&self) -> FieldType {
        match self {
            Lhs::EvtType => FieldType::Str,
            Lhs::Field(f) => f.info.ty,
            Lhs::Transform(Transform::Len, _) => FieldType::Uint,
            Lhs::Transform(..) => FieldType::Str,
        }
    }

    /// Its value for `ev` (`None` where the event has none).
    pub fn value_of<'e>(&self, ev: &'e dyn Event) -> Option<Value<'e>> {
        self.value(ev)
    }

    fn value<'e>(&self, ev: &'e dyn Event) -> Option<Value<'e>> {
        match self {
            Lhs::EvtType => Some(Value::Str(ev.evt_type().into())),
            Lhs::Field(f) => ev.get(f),
            Lhs::Transform(t, inner) => inner.value(ev).map(|v| transform(*t, v)),
        }
    }
}

fn transform(t: Transform, v: Value<'_>) -> Value<'_> {
    match v {
        Value::List(items) => Value::List(items.into_iter().map(|v| transform(t, v)).collect()),
        v => {
            let s = v.to_string();
            match t {
                Transform::Lower => Value::Str(s.to_lowercase().into()),
                Transform::Upper => Value::Str(s.to_uppercase().into()),
                Transform::Basename => {
                    let b = s.rsplit('/').next().unwrap_or("").to_string();
                    Value::Str(b.into())
                }
                Transform::Len => Value::Uint(s.len() as u64),
            }
        }
    }
}

/// A literal parsed to a field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(i128),
    Bool(bool),
    /// An address (prefix = full length) or a network.
    Net(IpAddr, u8),
}

impl Lit {
    /// `text` as a value of type `ty`.
    ///
    /// # Errors
    /// A message naming the value and the field when it is not of the type.
    pub fn parse(text: &str, ty: FieldType, field: &str) -> Result<Lit, String> {
        match ty {
            FieldType::Str => Ok(Lit::Str(text.to_string())),
            FieldType::Int | FieldType::Uint => parse_num(text)
                .map(Lit::Num)
                .ok_or_else(|| format!("'{text}' is not a valid number for field {field}")),
            FieldType::Bool => match text {
                "true" => Ok(Lit::Bool(true)),
                "false" => Ok(Lit::Bool(false)),
                _ => Err(format!("'{text}' is not a valid boolean for field {field}")),
            },
            FieldType::Ip | FieldType::Net => parse_net(text).ok_or_else(|| {
                format!("'{text}' is not a valid IP address or network for field {field}")
            }),
        }
    }

    fn from_value(v: &Value<'_>) -> Lit {
        match v {
            Value::Str(s) => Lit::Str(s.to_string()),
            Value::Int(n) => Lit::Num(i128::from(*n)),
            Value::Uint(n) => Lit::Num(i128::from(*n)),
            Value::Bool(b) => Lit::Bool(*b),
            Value::Ip(ip) => Lit::Net(*ip, if ip.is_ipv4() { 32 } else { 128 }),
            Value::List(_) | Value::Bytes(_) => Lit::Str(v.to_string()),
        }
    }
}

fn parse_num(t: &str) -> Option<i128> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i128::from_str_radix(h, 16).ok()?
    } else {
        t.parse::<i128>().ok()?
    };
    Some(if neg { -n } else { n })
}

fn parse_net(t: &str) -> Option<Lit> {
    match t.split_once('/') {
        Some((a, p)) => {
            let ip: IpAddr = a.parse().ok()?;
            let p: u8 = p.parse().ok()?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            (p <= max).then_some(Lit::Net(ip, p))
        }
        None => {
            let ip: IpAddr = t.parse().ok()?;
            Some(Lit::Net(ip, if ip.is_ipv4() { 32 } else { 128 }))
        }
    }
}

fn in_net(ip: &IpAddr, net: &IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            u32::from(*a) & mask == u32::from(*n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            u128::from(*a) & mask == u128::from(*n) & mask
        }
        (IpAddr::V6(a), IpAddr::V4(_)) => match a.to_ipv4_mapped() {
            Some(a4) => in_net(&IpAddr::V4(a4), net, prefix),
            None => false,
        },
        _ => false,
    }
}

/// The right side of a check, prepared for its operator.
#[derive(Debug, Clone)]
pub enum Rhs {
    None,
    One(Lit),
    Many(Vec<Lit>),
    /// `in`/`intersects` over strings.
    Set(HashSet<String>),
    /// `pmatch` prefixes.
    Prefixes(Vec<String>),
    Regex(Regex),
    /// `bcontains`/`bstartswith`: bytes given in hex.
    Bytes(Vec<u8>),
    /// `glob`/`iglob` pattern (lowercased for `iglob`).
    Glob(String),
    Other(Lhs),
}

/// One compiled check.
#[derive(Debug, Clone)]
pub struct Check {
    pub lhs: Lhs,
    pub op: Op,
    pub rhs: Rhs,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Check(Box<Check>),
}

impl Expr {
    /// Whether the condition holds for `ev`.
    pub fn eval(&self, ev: &dyn Event) -> bool {
        match self {
            Expr::And(v) => v.iter().all(|e| e.eval(ev)),
            Expr::Or(v) => v.iter().any(|e| e.eval(ev)),
            Expr::Not(e) => !e.eval(ev),
            Expr::Check(c) => c.eval(ev),
        }
    }

    /// Calls `f` with every check of the condition.
    pub fn for_each_check(&self, f: &mut dyn FnMut(&Check)) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.for_each_check(f)),
            Expr::Not(e) => e.for_each_check(f),
            Expr::Check(c) => f(c),
        }
    }
}

impl Check {
    /// The strings the check compares its field with (`= "x"`, `in (x, y)`); none for other
    /// right sides.
    pub fn literal_strings(&self) -> Vec<&str> {
        fn lit(l: &Lit) -> Option<&str> {
            match l {
                Lit::Str(s) => Some(s.as_str()),
                _ => None,
            }
        }
        match &self.rhs {
            Rhs::One(l) => lit(l).into_iter().collect(),
            Rhs::Many(v) => v.iter().filter_map(lit).collect(),
            Rhs::Set(s) => s.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

impl Check {
    fn eval(&self, ev: &dyn Event) -> bool {
        let Some(v) = self.lhs.value(ev) else {
            return false;
        };
        if self.op == Op::Exists {
            return true;
        }
        let other;
        let rhs = match &self.rhs {
            Rhs::Other(l) => match l.value(ev) {
                Some(o) => {
                    other = Rhs::One(Lit::from_value(&o));
                    &other
                }
                None => return false,
            },
            r => r,
        };
        match &v {
            Value::List(items) => items.iter().any(|x| cmp(self.op, x, rhs)),
            x => cmp(self.op, x, rhs),
        }
    }
}

fn num_of(v: &Value<'_>) -> Option<i128> {
    match v {
        Value::Int(n) => Some(i128::from(*n)),
        Value::Uint(n) => Some(i128::from(*n)),
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Str(s) => parse_num(s),
        _ => None,
    }
}

fn lit_eq(v: &Value<'_>, l: &Lit) -> bool {
    match (v, l) {
        (Value::Str(s), Lit::Str(t)) => s == t,
        (Value::Ip(ip), Lit::Net(n, p)) => in_net(ip, n, *p),
        (Value::Str(s), Lit::Net(n, p)) => s.parse::<IpAddr>().is_ok_and(|ip| in_net(&ip, n, *p)),
        (Value::Bool(b), Lit::Bool(c)) => b == c,
        (_, Lit::Num(n)) => num_of(v) == Some(*n),
        (_, Lit::Str(t)) => v.to_string() == *t,
        _ => false,
    }
}

fn as_str<'v>(v: &'v Value<'_>) -> std::borrow::Cow<'v, str> {
    match v {
        Value::Str(s) => std::borrow::Cow::Borrowed(s.as_ref()),
        v => std::borrow::Cow::Owned(v.to_string()),
    }
}

fn lit_str(l: &Lit) -> std::borrow::Cow<'_, str> {
    match l {
        Lit::Str(s) => std::borrow::Cow::Borrowed(s),
        Lit::Num(n) => n.to_string().into(),
        Lit::Bool(b) => b.to_string().into(),
        Lit::Net(ip, _) => ip.to_string().into(),
    }
}

fn cmp(op: Op, v: &Value<'_>, rhs: &Rhs) -> bool {
    match (op, rhs) {
        (Op::Eq, Rhs::One(l)) => lit_eq(v, l),
        (Op::Ne, Rhs::One(l)) => !lit_eq(v, l),
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Rhs::One(Lit::Num(n))) => match num_of(v) {
            Some(x) => match op {
                Op::Lt => x < *n,
                Op::Le => x <= *n,
                Op::Gt => x > *n,
                _ => x >= *n,
            },
            None => false,
        },
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Rhs::One(l)) => {
            let (a, b) = (as_str(v), lit_str(l));
            match op {
                Op::Lt => a < b,
                Op::Le => a <= b,
                Op::Gt => a > b,
                _ => a >= b,
            }
        }
        (Op::BContains, Rhs::Bytes(b)) => match v {
            Value::Bytes(d) => memchr::memmem::find(d, b).is_some(),
            v => memchr::memmem::find(as_str(v).as_bytes(), b).is_some(),
        },
        (Op::BStartsWith, Rhs::Bytes(b)) => match v {
            Value::Bytes(d) => d.starts_with(b),
            v => as_str(v).as_bytes().starts_with(b),
        },
        (Op::Contains | Op::BContains, Rhs::One(l)) => as_str(v).contains(lit_str(l).as_ref()),
        (Op::IContains, Rhs::One(l)) => as_str(v)
            .to_lowercase()
            .contains(&lit_str(l).to_lowercase()),
        (Op::StartsWith | Op::BStartsWith, Rhs::One(l)) => {
            as_str(v).starts_with(lit_str(l).as_ref())
        }
        (Op::EndsWith, Rhs::One(l)) => as_str(v).ends_with(lit_str(l).as_ref()),
        (Op::Glob, Rhs::Glob(p)) => glob(p.as_bytes(), as_str(v).as_bytes()),
        (Op::IGlob, Rhs::Glob(p)) => glob(p.as_bytes(), as_str(v).to_lowercase().as_bytes()),
        (Op::Regex, Rhs::Regex(re)) => re.is_match(&as_str(v)),
        (Op::In | Op::Intersects, Rhs::Set(set)) => set.contains(as_str(v).as_ref()),
        (Op::In | Op::Intersects, Rhs::Many(lits)) => lits.iter().any(|l| lit_eq(v, l)),
        (Op::In | Op::Intersects, Rhs::One(l)) => lit_eq(v, l),
        (Op::PMatch, Rhs::Prefixes(ps)) => {
            let s = as_str(v);
            ps.iter().any(|p| path_prefix(p, &s))
        }
        _ => false,
    }
}

/// Falco's `pmatch`: `p` is `s` or a directory above it.
fn path_prefix(p: &str, s: &str) -> bool {
    let p = p.strip_suffix('/').unwrap_or(p);
    match s.strip_prefix(p) {
        Some("") => true,
        Some(rest) => rest.starts_with('/') || p.is_empty(),
        None => false,
    }
}

/// Shell-style glob: `*` (any run, `/` included), `?`, `[...]` / `[!...]`, `\` escapes.
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class(&p[pi..], s[si]) {
                        if matched {
                            pi += next;
                            si += 1;
                            continue;
                        }
                    } else if s[si] == b'[' {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    pi += 2;
                    si += 1;
                    continue;
                }
                c if c == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// A `[...]` class at the start of `p`: whether `c` is in it and the class's length.
fn class(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let neg = matches!(p.get(1), Some(b'!' | b'^'));
    if neg {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == b']' && !first {
            return Some((matched != neg, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// The `evt.type` values a condition can match: all, or a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvtTypes {
    All,
    /// Every type but these.
    AllBut(BTreeSet<String>),
    Only(BTreeSet<String>),
}

impl EvtTypes {
    fn complement(self) -> EvtTypes {
        match self {
            EvtTypes::All => EvtTypes::Only(BTreeSet::new()),
            EvtTypes::AllBut(s) => EvtTypes::Only(s),
            EvtTypes::Only(s) if s.is_empty() => EvtTypes::All,
            EvtTypes::Only(s) => EvtTypes::AllBut(s),
        }
    }

    fn intersect(self, o: EvtTypes) -> EvtTypes {
        use EvtTypes::*;
        match (self, o) {
            (All, x) | (x, All) => x,
            (Only(a), Only(b)) => Only(a.intersection(&b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => {
                Only(a.difference(&b).cloned().collect())
            }
            (AllBut(a), AllBut(b)) => AllBut(a.union(&b).cloned().collect()),
        }
    }

    fn union(self, o: EvtTypes) -> EvtTypes {
        use EvtTypes::*;
        match (self, o) {
            (All, _) | (_, All) => All,
            (Only(a), Only(b)) => Only(a.union(&b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => {
                let rest: BTreeSet<String> = b.difference(&a).cloned().collect();
                if rest.is_empty() {
                    All
                } else {
                    AllBut(rest)
                }
            }
            (AllBut(a), AllBut(b)) => {
                let both: BTreeSet<String> = a.intersection(&b).cloned().collect();
                if both.is_empty() {
                    All
                } else {
                    AllBut(both)
                }
            }
        }
    }

    /// How many types (of `universe`) the set holds.
    pub fn count(&self, universe: usize) -> usize {
        match self {
            EvtTypes::All => universe,
            EvtTypes::AllBut(s) => universe.saturating_sub(s.len()),
            EvtTypes::Only(s) => s.len(),
        }
    }
}

/// The `evt.type` values `e` can match (libsinsp's evttype resolution: `=`/`in` on `evt.type`
/// restrict, `!=` and `not` complement, `and` intersects, `or` unites, negations pushed down
/// by De Morgan; any other check allows every type, negated or not).
pub fn evt_types(e: &Expr) -> EvtTypes {
    types(e, false)
}

fn types(e: &Expr, neg: bool) -> EvtTypes {
    let none = || EvtTypes::Only(BTreeSet::new());
    match e {
        Expr::And(v) if !neg => v
            .iter()
            .map(|c| types(c, false))
            .fold(EvtTypes::All, EvtTypes::intersect),
        Expr::And(v) => v
            .iter()
            .map(|c| types(c, true))
            .fold(none(), EvtTypes::union),
        Expr::Or(v) if !neg => v
            .iter()
            .map(|c| types(c, false))
            .fold(none(), EvtTypes::union),
        Expr::Or(v) => v
            .iter()
            .map(|c| types(c, true))
            .fold(EvtTypes::All, EvtTypes::intersect),
        Expr::Not(inner) => types(inner, !neg),
        Expr::Check(c) => {
            if !matches!(c.lhs, Lhs::EvtType) {
                return EvtTypes::All;
            }
            let names: BTreeSet<String> = match &c.rhs {
                Rhs::One(l) => [lit_str(l).into_owned()].into(),
                Rhs::Many(v) => v.iter().map(|l| lit_str(l).into_owned()).collect(),
                Rhs::Set(s) => s.iter().cloned().collect(),
                _ => return EvtTypes::All,
            };
            let t = match c.op {
                Op::Eq | Op::In | Op::Intersects => EvtTypes::Only(names),
                Op::Ne => EvtTypes::AllBut(names),
                _ => return EvtTypes::All,
            };
            if neg {
                t.complement()
            } else {
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"/home/*/.ssh/*", b"/home/u/.ssh/id_rsa"));
        assert!(glob(b"*../*../*", b"a/../b/../c"));
        assert!(!glob(b"/proc/*/environ", b"/proc/1/maps"));
        assert!(glob(b"a?c[0-9]", b"abc7"));
        assert!(!glob(b"a[!0-9]", b"a7"));
    }

    #[test]
    fn bytes_compare_as_bytes_with_bcontains_and_as_text_otherwise() {
        let v = Value::Bytes(std::borrow::Cow::Borrowed(
            b"\xca\xfe\xba\xbe\x00\x00\x004 ok",
        ));
        let hex = |h: &[u8]| Rhs::Bytes(h.to_vec());
        assert!(cmp(Op::BContains, &v, &hex(b"\xfe\xba")));
        assert!(cmp(Op::BStartsWith, &v, &hex(b"\xca\xfe\xba\xbe")));
        assert!(!cmp(Op::BStartsWith, &v, &hex(b"\xfe")));
        // The bytes themselves, not their text form (each byte shown as `.`).
        assert!(!cmp(Op::BContains, &v, &hex(b"....")));
        assert!(!cmp(Op::BContains, &v, &hex(b"\xca\xfe\xba\xbf")));
        assert_eq!(v.to_string(), ".......4 ok");
        assert!(cmp(Op::Contains, &v, &Rhs::One(Lit::Str("4 ok".into()))));
        let look_alike = Value::Str("cafebabe".into());
        assert!(!cmp(Op::BContains, &look_alike, &hex(b"\xca\xfe\xba\xbe")));
    }

    #[test]
    fn nets_and_prefixes() {
        let Lit::Net(n, p) = parse_net("10.0.0.0/8").unwrap() else {
            panic!()
        };
        assert!(in_net(&"10.1.2.3".parse().unwrap(), &n, p));
        assert!(!in_net(&"11.1.2.3".parse().unwrap(), &n, p));
        assert!(path_prefix("/etc", "/etc/passwd"));
        assert!(path_prefix("/etc/", "/etc/passwd"));
        assert!(path_prefix("/etc", "/etc"));
        assert!(!path_prefix("/etc", "/etcd/x"));
    }
}
