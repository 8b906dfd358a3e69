//! Compiling what the loader collected, as Falco's rule_loader_compiler does: lists expanded
//! (items naming earlier lists), list names substituted into conditions, macros parsed and
//! resolved (loops and undefined names are errors), exceptions appended to their rule's
//! condition as `and not (...)`, fields resolved to the catalogue, values typed, outputs parsed;
//! unused lists and macros reported. A rule naming a field ksec lacks is skipped with a warning.

use std::collections::{BTreeSet, HashMap, HashSet};

use regex::Regex;

use super::condition::{self, Ast, Operand, Pos, Rhs as ARhs};
use super::diag::{Diagnostic, Location, Severity};
use super::eval::{self, Check, EvtTypes, Expr, Lhs, Lit, Op, Rhs, Transform};
use super::fields::{self, ArgKind, Field, FieldArg};
use super::known;
use super::loader::{Collector, Ctx, Entry, ExceptionInfo};
use super::output::{Format, Token};
use super::yaml::Mark;
use super::{LoadOptions, Rule};

/// Why a field cannot be used.
enum FieldErr {
    /// Falco does not know it either.
    Unknown(String),
    /// Falco knows it, ksec cannot give it (with the caller's reason, if any).
    Lacking(String),
    Other(String),
}

/// A field name (and argument) resolved to what an event gives.
fn resolve(name: &str, arg: Option<&str>, opts: &LoadOptions) -> Result<Lhs, FieldErr> {
    let (info, dot_arg) = match fields::lookup(name) {
        Some(i) => (i, None),
        None => {
            let found = fields::FIELDS.iter().find(|f| {
                f.arg == ArgKind::DotKey
                    && name.len() > f.name.len() + 1
                    && name.starts_with(f.name)
                    && name.as_bytes()[f.name.len()] == b'.'
            });
            match found {
                Some(f) => (f, Some(&name[f.name.len() + 1..])),
                None if known::is_falco_field(name) => return Err(FieldErr::Lacking(name.into())),
                None => return Err(FieldErr::Unknown(name.into())),
            }
        }
    };
    if let Some((_, why)) = opts.unavailable.iter().find(|(f, _)| *f == info.name) {
        return Err(FieldErr::Lacking(format!("{name} ({why})")));
    }
    if info.name == "evt.type" && arg.is_none() {
        return Ok(Lhs::EvtType);
    }
    let arg = dot_arg.or(arg);
    let farg = match (info.arg, arg) {
        (_, None) if info.arg != ArgKind::DotKey => FieldArg::None,
        (ArgKind::None, Some(a)) => {
            return Err(FieldErr::Other(format!(
                "field {name} does not take an argument ({a})"
            )))
        }
        (ArgKind::OptionalIndex, Some(a)) => match a.parse::<u32>() {
            Ok(n) => FieldArg::Index(n),
            Err(_) => {
                return Err(FieldErr::Other(format!(
                    "the argument of {name} must be a number, not '{a}'"
                )))
            }
        },
        (_, Some(a)) => FieldArg::Key(a.to_string()),
        (_, None) => {
            return Err(FieldErr::Other(format!(
                "field {name} requires an argument"
            )))
        }
    };
    Ok(Lhs::Field(Field { info, arg: farg }))
}

/// Falco's quote_item: an item with a blank is quoted.
fn quote_item(e: &str) -> String {
    if e.contains(' ') && !e.starts_with('"') && !e.starts_with('\'') {
        format!("\"{e}\"")
    } else {
        e.to_string()
    }
}

/// Falco's resolve_list: the list's name, standing alone, replaced by its items.
fn resolve_list(cnd: &mut String, name: &str, items: &[String]) -> bool {
    const BLANKS: &[u8] = b" \t\n\r";
    const DELIMS: &[u8] = b" \t\n\r(),=";
    let mut used = false;
    let mut start = cnd.find(name);
    while let Some(s0) = start {
        let b = cnd.as_bytes();
        let mut s = s0;
        let mut end = s + name.len();
        if (s == 0 || DELIMS.contains(&b[s - 1])) && (end >= b.len() || DELIMS.contains(&b[end])) {
            while s > 0 && BLANKS.contains(&b[s - 1]) {
                s -= 1;
            }
            while end < b.len() && BLANKS.contains(&b[end]) {
                end += 1;
            }
            let sub = items
                .iter()
                .map(|i| quote_item(i))
                .collect::<Vec<_>>()
                .join(", ");
            if sub.is_empty() {
                if s > 0 && b[s - 1] == b',' {
                    s -= 1;
                } else if end < b.len() && b[end] == b',' {
                    end += 1;
                }
            }
            let mut n = String::new();
            if s > 0 {
                n.push_str(&cnd[..s]);
                n.push(' ');
            }
            n.push_str(&sub);
            n.push(' ');
            n.push_str(&cnd[end.min(cnd.len())..]);
            *cnd = n;
            used = true;
            let next = s + sub.len() + 1;
            start = cnd
                .get(next + 1..)
                .and_then(|r| r.find(name))
                .map(|i| i + next + 1);
        } else {
            start = cnd
                .get(s0 + 1..)
                .and_then(|r| r.find(name))
                .map(|i| i + s0 + 1);
        }
    }
    used
}

/// Falco's build_rule_exception_infos.
fn exceptions_condition(cond: &str, exs: &[ExceptionInfo]) -> Result<String, (String, Ctx)> {
    let mut c = format!("({cond})");
    for ex in exs {
        let mut icond = String::new();
        match (&ex.fields, &ex.comps) {
            (Entry::One(field), Entry::One(comp)) => {
                for v in &ex.values {
                    let Entry::One(v) = v else {
                        return Err((
                            "Expected values array to contain a list of strings".into(),
                            ex.ctx.clone(),
                        ));
                    };
                    if icond.is_empty() {
                        icond = format!("({field} {comp} (");
                    } else {
                        icond.push_str(", ");
                    }
                    icond.push_str(&quote_item(v));
                }
                if !icond.is_empty() {
                    icond.push_str("))");
                }
            }
            (Entry::Many(fields), Entry::Many(comps)) => {
                icond.push('(');
                for values in &ex.values {
                    let items: Vec<Entry> = match values {
                        Entry::Many(v) => v.clone(),
                        v => vec![v.clone()],
                    };
                    if items.len() != fields.len() {
                        return Err((
                            "Fields and values lists must have equal length".into(),
                            ex.ctx.clone(),
                        ));
                    }
                    icond.push_str(if icond == "(" { "" } else { " or " });
                    icond.push('(');
                    for (k, f) in fields.iter().enumerate() {
                        let (Entry::One(f), Entry::One(op)) = (f, &comps[k]) else {
                            continue;
                        };
                        if k > 0 {
                            icond.push_str(" and ");
                        }
                        let istr = match &items[k] {
                            Entry::Many(vs) => format!(
                                "({})",
                                vs.iter()
                                    .filter_map(|v| match v {
                                        Entry::One(s) => Some(quote_item(s)),
                                        _ => None,
                                    })
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            Entry::One(v) if condition::is_list_operator(op) => {
                                if v.starts_with('(') {
                                    v.clone()
                                } else {
                                    format!("({v})")
                                }
                            }
                            Entry::One(v) => quote_item(v),
                            Entry::Absent => String::new(),
                        };
                        icond.push_str(&format!(" {f} {op} {istr}"));
                    }
                    icond.push(')');
                }
                icond.push(')');
                if icond == "()" {
                    icond.clear();
                }
            }
            _ => {}
        }
        if !icond.is_empty() {
            c.push_str(" and not ");
            c.push_str(&icond);
        }
    }
    Ok(c)
}

/// The result of one compile.
pub(crate) struct Compiled {
    pub rules: Vec<Rule>,
    /// (rule, fields ksec lacks) of each rule skipped for them.
    pub skipped: Vec<(String, Vec<String>)>,
}

struct Compiler<'a> {
    col: &'a Collector,
    opts: &'a LoadOptions,
    input: usize,
    diags: &'a mut Vec<Diagnostic>,
    lists: Vec<Vec<String>>,
    list_used: Vec<bool>,
    macro_asts: Vec<Ast>,
    macro_used: Vec<bool>,
}

/// A compile error: it stops the compile.
struct Fail;

fn cond_loc(ctx: &Ctx, mark: Mark, pos: Pos, key: &str) -> Ctx {
    let mut c = ctx.clone();
    let file = c.last().map(|l| l.file.clone()).unwrap_or_default();
    let (line, col) = if pos.line <= 1 {
        (mark.line, mark.col + pos.col.saturating_sub(1))
    } else {
        (mark.line + pos.line - 1, pos.col)
    };
    c.push(Location {
        item_type: "value for",
        item_name: key.to_string(),
        file,
        line,
        col,
        offset: mark.offset + pos.idx,
    });
    c
}

impl Compiler<'_> {
    fn diag(&mut self, severity: Severity, code: &'static str, msg: impl Into<String>, ctx: &Ctx) {
        self.diags.push(Diagnostic {
            severity,
            code,
            message: msg.into(),
            input: self.input,
            locations: ctx.clone(),
        });
    }

    fn fail(&mut self, code: &'static str, msg: impl Into<String>, ctx: &Ctx) -> Fail {
        self.diag(Severity::Error, code, msg, ctx);
        Fail
    }

    fn compile_lists(&mut self) {
        let items = &self.col.lists.items;
        for (pos, l) in items.iter().enumerate() {
            let mut out = Vec::new();
            for item in &l.items {
                if let Some(rp) = self.col.lists.position(item) {
                    let r = &items[rp];
                    if r.index < l.visibility {
                        self.list_used[rp] = true;
                        if rp < pos {
                            out.extend(self.lists[rp].iter().cloned());
                        } else {
                            out.extend(r.items.iter().cloned());
                        }
                        continue;
                    }
                }
                out.push(item.clone());
            }
            self.lists.push(out);
        }
    }

    fn substitute(&mut self, cond: &str) -> String {
        let mut c = cond.to_string();
        for (i, l) in self.col.lists.items.iter().enumerate() {
            if c.contains(l.name.as_str()) && resolve_list(&mut c, &l.name, &self.lists[i]) {
                self.list_used[i] = true;
            }
        }
        c
    }

    fn parse(&mut self, cond: &str, ctx: &Ctx, mark: Mark) -> Result<Ast, Fail> {
        let c = self.substitute(cond);
        condition::parse(&c).map_err(|e| {
            let l = cond_loc(ctx, mark, e.pos, "condition");
            self.fail("LOAD_ERR_COMPILE_CONDITION", e.message, &l)
        })
    }

    /// Macro references replaced by their conditions (macros of index below `vis`).
    fn expand(&mut self, ast: &Ast, vis: usize, stack: &mut Vec<usize>) -> Result<Ast, String> {
        Ok(match ast {
            Ast::And(v) => Ast::And(
                v.iter()
                    .map(|a| self.expand(a, vis, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(v) => Ast::Or(
                v.iter()
                    .map(|a| self.expand(a, vis, stack))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(a) => Ast::Not(Box::new(self.expand(a, vis, stack)?)),
            Ast::Check { .. } => ast.clone(),
            Ast::Ident(name, _) => {
                let p = self
                    .col
                    .macros
                    .position(name)
                    .filter(|&p| self.col.macros.items[p].index < vis)
                    .ok_or_else(|| format!("Undefined macro '{name}' used in filter."))?;
                if stack.contains(&p) {
                    return Err(format!("reference loop in macro '{name}'"));
                }
                self.macro_used[p] = true;
                stack.push(p);
                let inner = self.macro_asts[p].clone();
                let r = self.expand(&inner, vis, stack);
                stack.pop();
                r?
            }
        })
    }

    fn compile_macros(&mut self) -> Result<(), Fail> {
        for m in &self.col.macros.items {
            let a = self.parse(&m.cond, &m.ctx, m.cond_mark)?;
            self.macro_asts.push(a);
        }
        for (i, m) in self.col.macros.items.iter().enumerate() {
            let a = self.macro_asts[i].clone();
            if let Err(msg) = self.expand(&a, m.visibility, &mut vec![i]) {
                return Err(self.fail("LOAD_ERR_VALIDATE", msg, &m.ctx));
            }
        }
        Ok(())
    }

    /// A tree of checks; fields ksec lacks are collected into `lacking`.
    fn to_expr(&self, a: &Ast, lacking: &mut Vec<String>) -> Result<Expr, FieldErr> {
        Ok(match a {
            Ast::And(v) => Expr::And(
                v.iter()
                    .map(|x| self.to_expr(x, lacking))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Or(v) => Expr::Or(
                v.iter()
                    .map(|x| self.to_expr(x, lacking))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::Not(x) => Expr::Not(Box::new(self.to_expr(x, lacking)?)),
            Ast::Ident(n, _) => {
                return Err(FieldErr::Other(format!(
                    "Undefined macro '{n}' used in filter."
                )))
            }
            Ast::Check { lhs, op, rhs, .. } => {
                let lhs = match self.operand(lhs) {
                    Ok(l) => l,
                    Err(FieldErr::Lacking(f)) => {
                        if !lacking.contains(&f) {
                            lacking.push(f);
                        }
                        // The rule is skipped: no need to type the value.
                        return Ok(Expr::And(Vec::new()));
                    }
                    Err(e) => return Err(e),
                };
                let op = Op::parse(op)
                    .ok_or_else(|| FieldErr::Other(format!("unknown operator {op}")))?;
                let rhs = self.rhs(&lhs, op, rhs, lacking)?;
                Expr::Check(Box::new(Check { lhs, op, rhs }))
            }
        })
    }

    fn operand(&self, o: &Operand) -> Result<Lhs, FieldErr> {
        match o {
            Operand::Field { name, arg, .. } => resolve(name, arg.as_deref(), self.opts),
            Operand::Transform { name, args, .. } => {
                let t = match name.as_str() {
                    "tolower" => Transform::Lower,
                    "toupper" => Transform::Upper,
                    "basename" => Transform::Basename,
                    "len" => Transform::Len,
                    n => return Err(FieldErr::Other(format!("transformer {n} is not supported"))),
                };
                match args.as_slice() {
                    [one] => Ok(Lhs::Transform(t, Box::new(self.operand(one)?))),
                    _ => Err(FieldErr::Other(format!(
                        "transformer {name} takes one field"
                    ))),
                }
            }
            Operand::Literal(l) => Err(FieldErr::Other(format!("unexpected literal {l}"))),
        }
    }

    fn lit(&self, lhs: &Lhs, v: &str) -> Result<Lit, FieldErr> {
        if matches!(lhs, Lhs::EvtType) && !known::is_event_type(v) {
            return Err(FieldErr::Unknown(format!("unknown event type {v}")));
        }
        let name = match lhs {
            Lhs::Field(f) => f.info.name,
            _ => "evt.type",
        };
        Lit::parse(v, lhs.ty(), name).map_err(FieldErr::Other)
    }

    fn rhs(
        &self,
        lhs: &Lhs,
        op: Op,
        rhs: &ARhs,
        lacking: &mut Vec<String>,
    ) -> Result<Rhs, FieldErr> {
        let hex = |v: &str| -> Result<Vec<u8>, FieldErr> {
            (0..v.len() / 2)
                .map(|i| u8::from_str_radix(v.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
                .collect::<Result<_, _>>()
                .ok()
                .filter(|_| v.len().is_multiple_of(2))
                .ok_or_else(|| FieldErr::Other(format!("'{v}' is not a hex string")))
        };
        Ok(match rhs {
            ARhs::None => Rhs::None,
            ARhs::Operand(o) => match self.operand(o) {
                Ok(l) => Rhs::Other(l),
                Err(FieldErr::Lacking(f)) => {
                    lacking.push(f);
                    Rhs::None
                }
                Err(e) => return Err(e),
            },
            ARhs::Value(v) => match op {
                Op::Regex => Rhs::Regex(
                    Regex::new(&format!("^(?:{v})$"))
                        .map_err(|e| FieldErr::Other(e.to_string()))?,
                ),
                Op::Glob => Rhs::Glob(v.clone()),
                Op::IGlob => Rhs::Glob(v.to_lowercase()),
                Op::BContains | Op::BStartsWith => Rhs::Bytes(hex(v)?),
                Op::Contains | Op::IContains | Op::StartsWith | Op::EndsWith => {
                    Rhs::One(Lit::Str(v.clone()))
                }
                Op::PMatch => Rhs::Prefixes(vec![v.clone()]),
                Op::In | Op::Intersects => Rhs::Many(vec![self.lit(lhs, v)?]),
                _ => Rhs::One(self.lit(lhs, v)?),
            },
            ARhs::List(vs) => match op {
                Op::PMatch => Rhs::Prefixes(vs.clone()),
                _ if lhs.ty() == fields::FieldType::Str => {
                    for v in vs {
                        self.lit(lhs, v)?;
                    }
                    Rhs::Set(vs.iter().cloned().collect::<HashSet<_>>())
                }
                _ => Rhs::Many(
                    vs.iter()
                        .map(|v| self.lit(lhs, v))
                        .collect::<Result<_, _>>()?,
                ),
            },
        })
    }

    fn compile_rules(&mut self) -> Result<Compiled, Fail> {
        let mut out = Compiled {
            rules: Vec::new(),
            skipped: Vec::new(),
        };
        for r in &self.col.rules.items {
            if r.unknown_source {
                continue;
            }
            let cond = if r.exceptions.is_empty() {
                r.cond.clone()
            } else {
                match exceptions_condition(&r.cond, &r.exceptions) {
                    Ok(c) => c,
                    Err((m, ctx)) => return Err(self.fail("LOAD_ERR_VALIDATE", m, &ctx)),
                }
            };
            let mut lacking = Vec::new();
            let out_loc = cond_loc(&r.ctx, r.output_mark, Pos::default(), "output");
            let format = Format::parse(&r.output, |t: &Token| {
                match resolve(&t.name, t.arg.as_deref(), self.opts) {
                    Ok(l) => Ok(l),
                    Err(FieldErr::Lacking(f)) => {
                        if !lacking.contains(&f) {
                            lacking.push(f);
                        }
                        Ok(Lhs::EvtType)
                    }
                    Err(FieldErr::Unknown(_)) => {
                        Err(format!("invalid formatting token {}", t.name))
                    }
                    Err(FieldErr::Other(m)) => Err(m),
                }
            });
            let format = match format {
                Ok(f) => f,
                Err(m) if r.skip_if_unknown_filter => {
                    self.diag(Severity::Warning, "LOAD_UNKNOWN_FIELD", m, &out_loc);
                    continue;
                }
                Err(m) => return Err(self.fail("LOAD_ERR_COMPILE_OUTPUT", m, &out_loc)),
            };
            let ast = self.parse(&cond, &r.ctx, r.cond_mark)?;
            let ast = match self.expand(&ast, usize::MAX, &mut Vec::new()) {
                Ok(a) => a,
                Err(m) => return Err(self.fail("LOAD_ERR_VALIDATE", m, &r.ctx)),
            };
            let cloc = cond_loc(&r.ctx, r.cond_mark, Pos::default(), "condition");
            let expr = match self.to_expr(&ast, &mut lacking) {
                Ok(e) => e,
                Err(FieldErr::Unknown(f)) => {
                    let m = if f.starts_with("unknown event type") {
                        f
                    } else {
                        format!("filter_check called with nonexistent field {f}")
                    };
                    if r.skip_if_unknown_filter {
                        self.diag(Severity::Warning, "LOAD_UNKNOWN_FIELD", m, &cloc);
                        continue;
                    }
                    return Err(self.fail("LOAD_ERR_COMPILE_CONDITION", m, &cloc));
                }
                Err(FieldErr::Lacking(f)) => {
                    lacking.push(f);
                    Expr::And(Vec::new())
                }
                Err(FieldErr::Other(m)) => {
                    return Err(self.fail("LOAD_ERR_COMPILE_CONDITION", m, &cloc))
                }
            };
            if !lacking.is_empty() {
                self.diag(
                    Severity::Warning,
                    "LOAD_UNKNOWN_FIELD",
                    format!(
                        "rule '{}' skipped: ksec does not have field{} {}",
                        r.name,
                        if lacking.len() > 1 { "s" } else { "" },
                        lacking.join(", ")
                    ),
                    &r.ctx,
                );
                out.skipped.push((r.name.clone(), lacking));
                continue;
            }
            let types = eval::evt_types(&expr);
            if r.warn_evttypes && types.count(known::EVENT_TYPES.len()) > 100 {
                self.diag(
                    Severity::Warning,
                    "LOAD_NO_EVTTYPE",
                    "Rule matches too many evt.type values. This has a significant performance penalty.",
                    &r.ctx,
                );
            }
            if !r.enabled {
                continue;
            }
            out.rules.push(Rule {
                name: r.name.clone(),
                desc: r.desc.clone(),
                priority: r.priority,
                tags: r.tags.iter().cloned().collect(),
                source: r.source.clone(),
                cond: expr,
                format,
                types,
            });
        }
        Ok(out)
    }
}

/// Compile everything collected so far; `None` after an error (reported into `diags`).
pub(crate) fn compile(
    col: &Collector,
    opts: &LoadOptions,
    input: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let mut c = Compiler {
        col,
        opts,
        input,
        diags,
        lists: Vec::new(),
        list_used: vec![false; col.lists.items.len()],
        macro_asts: Vec::new(),
        macro_used: vec![false; col.macros.items.len()],
    };
    c.compile_lists();
    c.compile_macros().ok()?;
    let out = c.compile_rules().ok()?;
    for (i, m) in col.macros.items.iter().enumerate() {
        if !c.macro_used[i] {
            c.diag(
                Severity::Warning,
                "LOAD_UNUSED_MACRO",
                "Macro not referred to by any other rule/macro",
                &m.ctx,
            );
        }
    }
    for (i, l) in col.lists.items.iter().enumerate() {
        if !c.list_used[i] {
            c.diag(
                Severity::Warning,
                "LOAD_UNUSED_LIST",
                "List not referred to by any other rule/macro",
                &l.ctx,
            );
        }
    }
    Some(out)
}

/// Rules by the event types they can match, for [`super::Ruleset::matching`].
pub(crate) fn index(rules: &[Rule]) -> (HashMap<String, Vec<u32>>, Vec<u32>) {
    let mut any = Vec::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (i, r) in rules.iter().enumerate() {
        match &r.types {
            EvtTypes::Only(s) => names.extend(s.iter().map(String::as_str)),
            _ => any.push(i as u32),
        }
    }
    let mut by_type = HashMap::new();
    for n in names {
        let v: Vec<u32> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| match &r.types {
                EvtTypes::Only(s) => s.contains(n),
                _ => true,
            })
            .map(|(i, _)| i as u32)
            .collect();
        by_type.insert(n.to_string(), v);
    }
    (by_type, any)
}
