//! Reading rules files into the collection of lists, macros and rules, as Falco's
//! rule_loader_reader and rule_loader_collector do: every item validated with Falco's messages,
//! `append: true` and `override:` (append or replace per key) applied to what was read before,
//! a redefinition replacing the earlier item in place, `enabled`-only items toggling a rule,
//! `required_engine_version` checked. Conditions are not parsed here (compile.rs does, once
//! everything is read).

use std::collections::{BTreeSet, HashMap};

use super::diag::{Diagnostic, Location, Severity};
use super::known;
use super::yaml::{self, Kind, Mark, Node};
use super::{Priority, RulesInput};

/// The engine version ksec claims (Falco's, high enough for the real rules files, which
/// require 0.57.0).
pub const ENGINE_VERSION: (u64, u64, u64) = (0, 57, 0);

pub(crate) const WARNING_APPEND: &str = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
pub(crate) const WARNING_ENABLED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
const ERROR_OVERRIDE_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

/// A chain of locations (file, item, key).
pub(crate) type Ctx = Vec<Location>;

/// One value of an exception's `fields`, `comps` or `values`: absent, a scalar or a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Entry {
    #[default]
    Absent,
    One(String),
    Many(Vec<Entry>),
}

impl Entry {
    pub(crate) fn is_valid(&self) -> bool {
        !matches!(self, Entry::Absent)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ExceptionInfo {
    pub name: String,
    pub fields: Entry,
    pub comps: Entry,
    pub values: Vec<Entry>,
    pub ctx: Ctx,
}

#[derive(Debug, Clone)]
pub(crate) struct ListInfo {
    pub name: String,
    pub items: Vec<String>,
    pub index: usize,
    pub visibility: usize,
    pub ctx: Ctx,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroInfo {
    #[allow(dead_code)]
    pub name: String,
    pub cond: String,
    pub cond_mark: Mark,
    pub index: usize,
    pub visibility: usize,
    pub ctx: Ctx,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleInfo {
    pub name: String,
    pub cond: String,
    pub cond_mark: Mark,
    pub output: String,
    pub output_mark: Mark,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub tags: BTreeSet<String>,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub exceptions: Vec<ExceptionInfo>,
    pub unknown_source: bool,
    pub index: usize,
    pub visibility: usize,
    pub ctx: Ctx,
}

/// Items by name, in definition order.
#[derive(Debug, Clone)]
pub(crate) struct Indexed<T> {
    pub items: Vec<T>,
    by_name: HashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: HashMap::new(),
        }
    }
}

impl<T> Indexed<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|&i| &self.items[i])
    }
    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|&i| &mut self.items[i])
    }
    /// Define: replace in place, or add at the end.
    fn define(&mut self, name: &str, item: T) {
        match self.by_name.get(name) {
            Some(&i) => self.items[i] = item,
            None => {
                self.by_name.insert(name.to_string(), self.items.len());
                self.items.push(item);
            }
        }
    }
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
}

/// Everything read so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct Collector {
    pub lists: Indexed<ListInfo>,
    pub macros: Indexed<MacroInfo>,
    pub rules: Indexed<RuleInfo>,
    cur_index: usize,
}

/// An error that stops the reading of a file.
struct Stop(Diagnostic);

type R<T> = Result<T, Stop>;

fn err(code: &'static str, msg: impl Into<String>, ctx: &Ctx, input: usize) -> Stop {
    Stop(Diagnostic {
        severity: Severity::Error,
        code,
        message: msg.into(),
        input,
        locations: ctx.clone(),
    })
}

/// Whether `s` matches Falco's bare-string pattern `[^()"'[:space:]=,]+`.
fn is_barestr(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| matches!(c, '(' | ')' | '"' | '\'' | '=' | ',') || c.is_whitespace())
}

/// Whether `s` matches Falco's identifier pattern `[a-zA-Z]+[a-zA-Z0-9_]*`.
fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Reads one file's items into the collector, reporting into `diags`.
pub(crate) struct Reader<'a> {
    pub input: usize,
    pub file: &'a str,
    pub col: &'a mut Collector,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn loc(&self, item_type: &'static str, name: &str, mark: Mark) -> Location {
        Location {
            item_type,
            item_name: name.to_string(),
            file: self.file.to_string(),
            line: mark.line,
            col: mark.col,
            offset: mark.offset,
        }
    }

    fn child(&self, parent: &Ctx, item_type: &'static str, name: &str, mark: Mark) -> Ctx {
        let mut c = parent.clone();
        c.push(self.loc(item_type, name, mark));
        c
    }

    fn warn(&mut self, code: &'static str, msg: impl Into<String>, ctx: &Ctx) {
        self.diags.push(Diagnostic {
            severity: Severity::Warning,
            code,
            message: msg.into(),
            input: self.input,
            locations: ctx.clone(),
        });
    }

    fn yerr(&self, msg: impl Into<String>, ctx: &Ctx) -> Stop {
        err("LOAD_ERR_YAML_VALIDATE", msg, ctx, self.input)
    }

    fn verr(&self, msg: impl Into<String>, ctx: &Ctx) -> Stop {
        err("LOAD_ERR_VALIDATE", msg, ctx, self.input)
    }

    /// Reads `content`; returns whether it was read without error.
    pub fn read(&mut self, input: &RulesInput) -> bool {
        let root = vec![self.loc("rules content", "", Mark::default())];
        let docs = match yaml::parse(&input.content) {
            Ok(d) => d,
            Err(e) => {
                let mut ctx = root.clone();
                ctx.push(self.loc("value for", "", e.mark));
                self.diags.push(Diagnostic {
                    severity: Severity::Error,
                    code: "LOAD_ERR_YAML_PARSE",
                    message: format!(
                        "{} at line {}, column {}",
                        e.message, e.mark.line, e.mark.col
                    ),
                    input: self.input,
                    locations: ctx,
                });
                return false;
            }
        };
        for doc in &docs {
            if let Err(Stop(d)) = self.read_doc(doc, &root) {
                self.diags.push(d);
                return false;
            }
        }
        true
    }

    fn read_doc(&mut self, doc: &Node, root: &Ctx) -> R<()> {
        match &doc.kind {
            Kind::Null => Ok(()),
            Kind::Scalar { .. } => Err(self.yerr("Rules content is not yaml", root)),
            Kind::Map(_) => Err(self.yerr("Rules content is not yaml array of objects", root)),
            Kind::Seq(items) => {
                for item in items {
                    if !item.is_null() {
                        self.read_item(item, root)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Falco's decode_val: a required (or optional) non-empty scalar.
    fn scalar<'n>(
        &self,
        item: &'n Node,
        key: &str,
        ctx: &Ctx,
        optional: bool,
    ) -> R<Option<&'n Node>> {
        let Some(v) = item.get(key) else {
            if optional {
                return Ok(None);
            }
            return Err(self.yerr(format!("Item has no mapping for key '{key}'"), ctx));
        };
        if v.is_null() {
            return Err(self.yerr(format!("Mapping for key '{key}' is empty"), ctx));
        }
        let vctx = self.child(ctx, "value for", key, v.mark);
        match v.scalar() {
            None => Err(self.yerr("Value is not a scalar value", &vctx)),
            Some("") => Err(self.yerr("Value must be non-empty", &vctx)),
            Some(_) => Ok(Some(v)),
        }
    }

    fn string(&self, item: &Node, key: &str, ctx: &Ctx) -> R<String> {
        Ok(self
            .scalar(item, key, ctx, false)?
            .and_then(|n| n.scalar())
            .unwrap_or_default()
            .to_string())
    }

    fn opt_string(&self, item: &Node, key: &str, ctx: &Ctx) -> R<Option<String>> {
        Ok(self
            .scalar(item, key, ctx, true)?
            .and_then(|n| n.scalar())
            .map(str::to_string))
    }

    fn opt_bool(&self, item: &Node, key: &str, ctx: &Ctx) -> R<Option<bool>> {
        match self.scalar(item, key, ctx, true)? {
            None => Ok(None),
            Some(n) => match n.as_bool() {
                Some(b) => Ok(Some(b)),
                None => Err(self.yerr(
                    "Can't decode YAML scalar value",
                    &self.child(ctx, "value for", key, n.mark),
                )),
            },
        }
    }

    fn bool(&self, item: &Node, key: &str, ctx: &Ctx) -> R<bool> {
        match self.opt_bool(item, key, ctx)? {
            Some(b) => Ok(b),
            None => Err(self.yerr(format!("Item has no mapping for key '{key}'"), ctx)),
        }
    }

    /// A sequence of scalars (`items`, `tags`).
    fn seq(&self, item: &Node, key: &str, ctx: &Ctx, optional: bool) -> R<Option<Vec<String>>> {
        let Some(v) = item.get(key) else {
            if optional {
                return Ok(None);
            }
            return Err(self.yerr(format!("Item has no mapping for key '{key}'"), ctx));
        };
        let vctx = self.child(ctx, "value for", key, v.mark);
        let Kind::Seq(items) = &v.kind else {
            return Err(self.yerr("Value is not a sequence", &vctx));
        };
        let mut out = Vec::new();
        for i in items {
            match i.scalar() {
                Some(s) => out.push(s.to_string()),
                None => {
                    let ictx = self.child(&vctx, "list item", "", i.mark);
                    return Err(self.yerr("sequence value is not scalar", &ictx));
                }
            }
        }
        Ok(Some(out))
    }

    fn unknown_keys(&mut self, item: &Node, expected: &[&str], ctx: &Ctx) {
        for k in item.keys() {
            if !expected.contains(&k) {
                self.warn(
                    "LOAD_UNKNOWN_KEY",
                    format!("Unknown key '{k}'. The key will be ignored."),
                    ctx,
                );
            }
        }
    }

    /// `override:`: the keys to append to and to replace.
    fn overrides(
        &self,
        item: &Node,
        can_append: &[&str],
        can_replace: &[&str],
        ctx: &Ctx,
    ) -> R<(BTreeSet<String>, BTreeSet<String>)> {
        let (mut app, mut rep) = (BTreeSet::new(), BTreeSet::new());
        let Some(ov) = item.get("override") else {
            return Ok((app, rep));
        };
        let octx = self.child(ctx, "overrides", "", ov.mark);
        let Kind::Map(pairs) = &ov.kind else {
            return Err(self.yerr("Value of override must be a map", &octx));
        };
        for (k, v) in pairs {
            let key = k.scalar().unwrap_or_default();
            let op = v.scalar().unwrap_or_default();
            let kctx = self.child(&octx, "overrides", key, k.mark);
            match op {
                "append" => {
                    if !can_append.contains(&key) {
                        return Err(self.yerr(
                            format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                            &kctx,
                        ));
                    }
                    app.insert(key.to_string());
                }
                "replace" => {
                    if !can_replace.contains(&key) {
                        return Err(self.yerr(format!("Key '{key}' cannot be replaced"), &kctx));
                    }
                    rep.insert(key.to_string());
                }
                _ => {
                    let mut m = format!(
                        "Invalid override operation for key '{key}': '{op}'. Allowed values are: "
                    );
                    if can_append.contains(&key) {
                        m.push_str("append ");
                    }
                    if can_replace.contains(&key) {
                        m.push_str("replace ");
                    }
                    return Err(self.yerr(m, &self.child(&octx, "value for", key, v.mark)));
                }
            }
        }
        Ok((app, rep))
    }

    fn next_index(&mut self) -> usize {
        let i = self.col.cur_index;
        self.col.cur_index += 1;
        i
    }

    fn read_item(&mut self, item: &Node, parent: &Ctx) -> R<()> {
        if !matches!(item.kind, Kind::Map(_)) {
            let ctx = self.child(parent, "rules content item", "", item.mark);
            return Err(self.yerr(
                "Unexpected element type. Each element should be a yaml associative array.",
                &ctx,
            ));
        }
        if item.get("required_engine_version").is_some() {
            self.engine_version(item, parent)
        } else if let Some(v) = item.get("required_plugin_versions") {
            let ctx = self.child(parent, "required plugin versions", "", v.mark);
            if !matches!(v.kind, Kind::Seq(_)) {
                return Err(self.yerr("Value of required_plugin_versions must be a sequence", &ctx));
            }
            self.unknown_keys(item, &["required_plugin_versions"], &ctx);
            Ok(())
        } else if item.get("list").is_some() {
            self.list(item, parent)
        } else if item.get("macro").is_some() {
            self.macro_item(item, parent)
        } else if item.get("rule").is_some() {
            self.rule(item, parent)
        } else {
            let ctx = self.child(parent, "rules content item", "", item.mark);
            self.warn("LOAD_UNKNOWN_ITEM", "Unknown top level item", &ctx);
            Ok(())
        }
    }

    fn engine_version(&mut self, item: &Node, parent: &Ctx) -> R<()> {
        let ctx = self.child(parent, "required_engine_version", "", item.mark);
        let text = self.string(item, "required_engine_version", &ctx)?;
        let wanted = if let Ok(n) = text.parse::<u64>() {
            (0, n, 0)
        } else {
            let parts: Vec<Option<u64>> = text.split('.').map(|p| p.parse().ok()).collect();
            match parts.as_slice() {
                [Some(a), Some(b), Some(c)] => (*a, *b, *c),
                _ => {
                    let v = item
                        .get("required_engine_version")
                        .map_or(item.mark, |n| n.mark);
                    let vctx = self.child(&ctx, "value for", "required_engine_version", v);
                    return Err(self.yerr("Can't decode YAML scalar value", &vctx));
                }
            }
        };
        let (ma, mi, pa) = ENGINE_VERSION;
        if wanted.0 != ma || (wanted.1, wanted.2) > (mi, pa) {
            return Err(self.verr(
                format!(
                    "Rules require engine version {text}, but engine version is {ma}.{mi}.{pa}"
                ),
                &ctx,
            ));
        }
        self.unknown_keys(item, &["required_engine_version"], &ctx);
        Ok(())
    }

    fn list(&mut self, item: &Node, parent: &Ctx) -> R<()> {
        let tmp = self.child(parent, "list", "", item.mark);
        let name = self.string(item, "list", &tmp)?;
        let ctx = self.child(parent, "list", &name, item.mark);
        if !is_barestr(&name) {
            self.warn(
                "LOAD_INVALID_LIST_NAME",
                "List has an invalid name. List names should match a regular expression: ([^()\"'[:space:]=,]+)",
                &ctx,
            );
        }
        let items = self.seq(item, "items", &ctx, false)?.unwrap_or_default();
        let mut append = self.opt_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, &ctx);
        }
        let (app, rep) = self.overrides(item, &["items"], &["items"], &ctx)?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return Err(self.yerr(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= app.contains("items");
        let id = self.next_index();
        if append {
            let Some(prev) = self.col.lists.get_mut(&name) else {
                return Err(self.verr(
                    "List has 'append' key but no list by that name already exists",
                    &ctx,
                ));
            };
            prev.items.extend(items);
            prev.visibility = id;
        } else {
            let index = self.col.lists.get(&name).map_or(id, |p| p.index);
            let info = ListInfo {
                name: name.clone(),
                items,
                index,
                visibility: id,
                ctx: ctx.clone(),
            };
            self.col.lists.define(&name, info);
        }
        self.unknown_keys(item, &["list", "items", "append", "override"], &ctx);
        Ok(())
    }

    fn macro_item(&mut self, item: &Node, parent: &Ctx) -> R<()> {
        let tmp = self.child(parent, "macro", "", item.mark);
        let name = self.string(item, "macro", &tmp)?;
        let ctx = self.child(parent, "macro", &name, item.mark);
        if !is_identifier(&name) {
            self.warn(
                "LOAD_INVALID_MACRO_NAME",
                "Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)",
                &ctx,
            );
        }
        let cond = self.string(item, "condition", &ctx)?;
        let cond_mark = cond_mark(item, "condition");
        let mut append = self.opt_bool(item, "append", &ctx)?.unwrap_or(false);
        if append {
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, &ctx);
        }
        let (app, rep) = self.overrides(item, &["condition"], &["condition"], &ctx)?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return Err(self.yerr(ERROR_OVERRIDE_APPEND, &ctx));
        }
        append |= app.contains("condition");
        let id = self.next_index();
        if append {
            let Some(prev) = self.col.macros.get_mut(&name) else {
                return Err(self.verr(
                    "Macro has 'append' key but no macro by that name already exists",
                    &ctx,
                ));
            };
            prev.cond.push(' ');
            prev.cond.push_str(&cond);
            prev.visibility = id;
        } else {
            let index = self.col.macros.get(&name).map_or(id, |p| p.index);
            let info = MacroInfo {
                name: name.clone(),
                cond,
                cond_mark,
                index,
                visibility: id,
                ctx: ctx.clone(),
            };
            self.col.macros.define(&name, info);
        }
        self.unknown_keys(item, &["macro", "condition", "append", "override"], &ctx);
        Ok(())
    }

    fn entry(&self, v: &Node, ctx: &Ctx) -> R<Entry> {
        match &v.kind {
            Kind::Scalar { text, .. } if text.is_empty() => {
                Err(self.yerr("Value must be non-empty", ctx))
            }
            Kind::Scalar { text, .. } => Ok(Entry::One(text.clone())),
            Kind::Seq(items) => {
                let mut out = Vec::new();
                for i in items {
                    let lctx = self.child(ctx, "exception", "", i.mark);
                    out.push(self.entry(i, &lctx)?);
                }
                Ok(Entry::Many(out))
            }
            _ => Ok(Entry::Absent),
        }
    }

    fn exceptions(&mut self, item: &Node, parent: &Ctx, append: bool) -> R<Vec<ExceptionInfo>> {
        let mut out: Vec<ExceptionInfo> = Vec::new();
        let Some(exs) = item.get("exceptions").filter(|n| !n.is_null()) else {
            return Ok(out);
        };
        let exes_ctx = self.child(parent, "exceptions", "", exs.mark);
        let Kind::Seq(list) = &exs.kind else {
            return Err(self.yerr("Rule exceptions must be a sequence", &exes_ctx));
        };
        for ex in list {
            let tmp = self.child(&exes_ctx, "exception", "", ex.mark);
            if !matches!(ex.kind, Kind::Map(_)) {
                return Err(self.yerr("Rule exception must be a mapping", &tmp));
            }
            let name = self.string(ex, "name", &tmp)?;
            let ex_ctx = self.child(parent, "exception", &name, ex.mark);
            if out.iter().any(|e| e.name == name) {
                self.warn(
                    "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
                    format!("Multiple definitions of exception '{name}' in the same rule"),
                    &ex_ctx,
                );
            }
            let fields = match ex.get("fields") {
                None if append => Entry::Absent,
                None => {
                    return Err(self.yerr("Item has no mapping for key 'fields'", &ex_ctx));
                }
                Some(v) => self.entry(v, &self.child(&ex_ctx, "value for", "fields", v.mark))?,
            };
            let comps = match ex.get("comps") {
                None => Entry::Absent,
                Some(v) => self.entry(v, &self.child(&ex_ctx, "value for", "comps", v.mark))?,
            };
            let mut values = Vec::new();
            match ex.get("values") {
                Some(vals) => {
                    let vals_ctx = self.child(&ex_ctx, "exception values", "", vals.mark);
                    let Kind::Seq(vs) = &vals.kind else {
                        return Err(
                            self.yerr("Rule exception values must be a sequence", &vals_ctx)
                        );
                    };
                    for v in vs {
                        let vctx = self.child(&vals_ctx, "exception value", "", v.mark);
                        values.push(self.entry(v, &vctx)?);
                    }
                }
                None if append => self.warn(
                    "LOAD_APPEND_NO_VALUES",
                    "Overriding/appending exception with no values",
                    &ex_ctx,
                ),
                None => {}
            }
            out.push(ExceptionInfo {
                name,
                fields,
                comps,
                values,
                ctx: ex_ctx,
            });
        }
        Ok(out)
    }

    /// Falco's validate_exception_info: comps defaulted, lengths, operators and fields checked.
    fn validate_exception(&self, ex: &mut ExceptionInfo, known_source: bool) -> R<()> {
        match &ex.fields {
            Entry::Many(fields) => {
                if !ex.comps.is_valid() {
                    ex.comps = Entry::Many(vec![Entry::One("=".into()); fields.len()]);
                }
                let Entry::Many(comps) = &mut ex.comps else {
                    return Err(self.verr("Fields and comps lists must have equal length", &ex.ctx));
                };
                if comps.len() != fields.len() {
                    return Err(self.verr("Fields and comps lists must have equal length", &ex.ctx));
                }
                for c in comps.iter_mut() {
                    let op = match c {
                        Entry::One(s) => s.trim().to_string(),
                        _ => String::new(),
                    };
                    if !super::condition::is_operator(&op) {
                        return Err(self.verr(
                            format!("'{op}' is not a supported comparison operator"),
                            &ex.ctx,
                        ));
                    }
                    *c = Entry::One(op);
                }
                if known_source {
                    for f in fields {
                        if let Entry::One(f) = f {
                            if !known::is_falco_field(f) {
                                return Err(self.verr(
                                    format!("'{f}' is not a supported filter field"),
                                    &ex.ctx,
                                ));
                            }
                        }
                    }
                }
            }
            Entry::One(field) => {
                if !ex.comps.is_valid() {
                    ex.comps = Entry::One("in".into());
                }
                let Entry::One(c) = &ex.comps else {
                    return Err(self.verr("Fields and comps must both be strings", &ex.ctx));
                };
                let c = c.trim().to_string();
                if !matches!(c.as_str(), "in" | "pmatch" | "intersects") {
                    return Err(self.verr(
                        "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)",
                        &ex.ctx,
                    ));
                }
                ex.comps = Entry::One(c);
                if known_source && !known::is_falco_field(field) {
                    return Err(self.verr(
                        format!("'{field}' is not a supported filter field"),
                        &ex.ctx,
                    ));
                }
            }
            Entry::Absent => {}
        }
        Ok(())
    }

    fn priority(&self, item: &Node, ctx: &Ctx) -> R<Priority> {
        let p = self.string(item, "priority", ctx)?;
        p.parse().map_err(|_| {
            let m = item.get("priority").map_or(item.mark, |n| n.mark);
            self.yerr("Invalid priority", &self.child(ctx, "rule priority", "", m))
        })
    }

    fn tags(&self, item: &Node, ctx: &Ctx) -> R<Option<BTreeSet<String>>> {
        Ok(self
            .seq(item, "tags", ctx, true)?
            .map(|v| v.into_iter().collect()))
    }

    fn rule(&mut self, item: &Node, parent: &Ctx) -> R<()> {
        let tmp = self.child(parent, "rule", "", item.mark);
        let name = self.string(item, "rule", &tmp)?;
        let ctx = self.child(parent, "rule", &name, item.mark);
        let source = match item.get("source") {
            Some(n) if n.is_null() => String::new(),
            Some(n) => n.scalar().unwrap_or_default().to_string(),
            None => String::new(),
        };
        let append_flag = self.opt_bool(item, "append", &ctx)?.unwrap_or(false);
        if append_flag {
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_APPEND, &ctx);
        }
        const CAN_APPEND: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
        const CAN_REPLACE: &[&str] = &[
            "condition",
            "output",
            "desc",
            "priority",
            "capture",
            "capture_duration",
            "tags",
            "exceptions",
            "enabled",
            "warn_evttypes",
            "skip-if-unknown-filter",
        ];
        let (app, rep) = self.overrides(item, CAN_APPEND, CAN_REPLACE, &ctx)?;
        let has_overrides = !app.is_empty() || !rep.is_empty();
        if append_flag && has_overrides {
            return Err(self.yerr(ERROR_OVERRIDE_APPEND, &ctx));
        }
        if let Some(prev) = self.col.rules.get(&name) {
            if !prev.source.is_empty() && !source.is_empty() && prev.source != source {
                return Err(self.verr("Rule has been re-defined with a different source", &ctx));
            }
        }
        const RULE_KEYS: &[&str] = &[
            "rule",
            "condition",
            "output",
            "desc",
            "priority",
            "source",
            "enabled",
            "capture",
            "capture_duration",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "tags",
            "exceptions",
            "override",
            "append",
        ];
        if has_overrides {
            let mut expected: BTreeSet<String> = CAN_APPEND
                .iter()
                .chain(CAN_REPLACE)
                .filter(|k| item.get(k).is_some())
                .map(|k| k.to_string())
                .collect();
            if !app.is_empty() {
                let id = self.next_index();
                let mut upd = Update::default();
                if self.check_update(&mut expected, &app, &ctx, "append", "condition")? {
                    upd.cond = Some((
                        self.string(item, "condition", &ctx)?,
                        cond_mark(item, "condition"),
                    ));
                }
                if self.check_update(&mut expected, &app, &ctx, "append", "exceptions")? {
                    upd.exceptions = Some(self.exceptions(item, &ctx, true)?);
                }
                if self.check_update(&mut expected, &app, &ctx, "append", "output")? {
                    upd.output = Some(self.string(item, "output", &ctx)?);
                }
                if self.check_update(&mut expected, &app, &ctx, "append", "desc")? {
                    upd.desc = Some(self.string(item, "desc", &ctx)?);
                }
                if self.check_update(&mut expected, &app, &ctx, "append", "tags")? {
                    upd.tags = self.tags(item, &ctx)?;
                }
                self.append_rule(
                    &name,
                    upd,
                    &ctx,
                    id,
                    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists",
                )?;
            }
            if !rep.is_empty() {
                let id = self.next_index();
                let mut upd = Update::default();
                if self.check_update(&mut expected, &rep, &ctx, "replace", "condition")? {
                    upd.cond = Some((
                        self.string(item, "condition", &ctx)?,
                        cond_mark(item, "condition"),
                    ));
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "exceptions")? {
                    upd.exceptions = Some(self.exceptions(item, &ctx, false)?);
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "output")? {
                    upd.output = Some(self.string(item, "output", &ctx)?);
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "desc")? {
                    upd.desc = Some(self.string(item, "desc", &ctx)?);
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "tags")? {
                    upd.tags = self.tags(item, &ctx)?;
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "priority")? {
                    upd.priority = Some(self.priority(item, &ctx)?);
                }
                for key in ["capture", "capture_duration"] {
                    if self.check_update(&mut expected, &rep, &ctx, "replace", key)? {
                        self.string(item, key, &ctx)?;
                    }
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "enabled")? {
                    upd.enabled = Some(self.bool(item, "enabled", &ctx)?);
                }
                if self.check_update(&mut expected, &rep, &ctx, "replace", "warn_evttypes")? {
                    upd.warn_evttypes = Some(self.bool(item, "warn_evttypes", &ctx)?);
                }
                if self.check_update(
                    &mut expected,
                    &rep,
                    &ctx,
                    "replace",
                    "skip-if-unknown-filter",
                )? {
                    upd.skip = Some(self.bool(item, "skip-if-unknown-filter", &ctx)?);
                }
                self.replace_rule(&name, upd, &ctx, id)?;
            }
            if let Some(key) = expected.iter().next() {
                let m = item.get(key).map_or(item.mark, |n| n.mark);
                let kctx = self.child(&ctx, "overrides", key, m);
                return Err(self.yerr(
                    format!("Unexpected key '{key}': no corresponding entry under 'override' is defined."),
                    &kctx,
                ));
            }
        } else if append_flag {
            let id = self.next_index();
            let mut upd = Update::default();
            if item.get("condition").is_some() {
                upd.cond = Some((
                    self.string(item, "condition", &ctx)?,
                    cond_mark(item, "condition"),
                ));
            }
            if item.get("exceptions").is_some() {
                upd.exceptions = Some(self.exceptions(item, &ctx, true)?);
            }
            self.append_rule(
                &name,
                upd,
                &ctx,
                id,
                "Rule has 'append' key but no rule by that name already exists",
            )?;
        } else if ["condition", "output", "desc", "priority"]
            .iter()
            .all(|k| item.get(k).is_none())
        {
            let enabled = self.bool(item, "enabled", &ctx)?;
            self.warn("LOAD_DEPRECATED_ITEM", WARNING_ENABLED, &ctx);
            match self.col.rules.get_mut(&name) {
                Some(prev) => prev.enabled = enabled,
                None => {
                    return Err(self.verr(
                        "Rule has 'enabled' key but no rule by that name already exists",
                        &ctx,
                    ))
                }
            }
        } else {
            let cond = self.string(item, "condition", &ctx)?;
            let output = self.string(item, "output", &ctx)?.trim().to_string();
            let desc = self.string(item, "desc", &ctx)?;
            let priority = self.priority(item, &ctx)?;
            let source = self
                .opt_string(item, "source", &ctx)?
                .unwrap_or_else(|| "syscall".to_string());
            let enabled = self.opt_bool(item, "enabled", &ctx)?.unwrap_or(true);
            self.opt_string(item, "capture", &ctx)?;
            self.opt_string(item, "capture_duration", &ctx)?;
            let warn_evttypes = self.opt_bool(item, "warn_evttypes", &ctx)?.unwrap_or(true);
            let skip = self
                .opt_bool(item, "skip-if-unknown-filter", &ctx)?
                .unwrap_or(false);
            let tags = self.tags(item, &ctx)?.unwrap_or_default();
            let mut exceptions = self.exceptions(item, &ctx, false)?;
            let unknown_source = source != "syscall";
            if unknown_source {
                self.warn(
                    "LOAD_UNKNOWN_SOURCE",
                    format!("Unknown source {source}, skipping"),
                    &ctx,
                );
            }
            for ex in &mut exceptions {
                if !ex.fields.is_valid() {
                    return Err(self.verr(
                        "Rule exception item must have fields property with a list of fields",
                        &ex.ctx,
                    ));
                }
                self.validate_exception(ex, !unknown_source)?;
            }
            let id = self.next_index();
            let index = self.col.rules.get(&name).map_or(id, |p| p.index);
            let info = RuleInfo {
                name: name.clone(),
                cond,
                cond_mark: cond_mark(item, "condition"),
                output,
                output_mark: cond_mark(item, "output"),
                desc,
                priority,
                source,
                tags,
                enabled,
                warn_evttypes,
                skip_if_unknown_filter: skip,
                exceptions,
                unknown_source,
                index,
                visibility: id,
                ctx: ctx.clone(),
            };
            self.col.rules.define(&name, info);
        }
        self.unknown_keys(item, RULE_KEYS, &ctx);
        Ok(())
    }

    /// Falco's check_update_expected: whether `key` is overridden (and defined).
    fn check_update(
        &self,
        expected: &mut BTreeSet<String>,
        set: &BTreeSet<String>,
        ctx: &Ctx,
        kind: &str,
        key: &str,
    ) -> R<bool> {
        if !set.contains(key) {
            return Ok(false);
        }
        if !expected.remove(key) {
            return Err(self.yerr(
                format!("An {kind} override for '{key}' was specified but '{key}' is not defined"),
                ctx,
            ));
        }
        Ok(true)
    }

    fn append_rule(
        &mut self,
        name: &str,
        upd: Update,
        ctx: &Ctx,
        id: usize,
        missing: &str,
    ) -> R<()> {
        if self.col.rules.get(name).is_none() {
            return Err(self.verr(missing, ctx));
        }
        if upd.cond.is_none()
            && upd.exceptions.is_none()
            && upd.output.is_none()
            && upd.desc.is_none()
            && upd.tags.is_none()
        {
            return Err(self.verr(
                "Appended rule must have exceptions or condition property",
                ctx,
            ));
        }
        let known_source = !self.col.rules.get(name).is_some_and(|r| r.unknown_source);
        let mut new_exceptions = Vec::new();
        if let Some(exs) = upd.exceptions {
            let prev = self.col.rules.get(name).expect("checked");
            for mut ex in exs {
                match prev.exceptions.iter().position(|e| e.name == ex.name) {
                    None => {
                        if !ex.fields.is_valid() {
                            return Err(self.verr(
                                "Rule exception must have fields property with a list of fields",
                                &ex.ctx,
                            ));
                        }
                        if ex.values.is_empty() {
                            return Err(self.verr(
                                "Rule exception must have values property with a list of values",
                                &ex.ctx,
                            ));
                        }
                        self.validate_exception(&mut ex, known_source)?;
                        new_exceptions.push((None, ex));
                    }
                    Some(i) => {
                        if ex.fields.is_valid() {
                            return Err(self.verr(
                                "Can not append exception fields to existing exception, only values",
                                &ex.ctx,
                            ));
                        }
                        if ex.comps.is_valid() {
                            return Err(self.verr(
                                "Can not append exception comps to existing exception, only values",
                                &ex.ctx,
                            ));
                        }
                        new_exceptions.push((Some(i), ex));
                    }
                }
            }
        }
        let prev = self.col.rules.get_mut(name).expect("checked");
        if let Some((c, _)) = upd.cond.filter(|(c, _)| !c.is_empty()) {
            prev.cond.push(' ');
            prev.cond.push_str(&c);
        }
        if let Some(o) = upd.output.filter(|o| !o.is_empty()) {
            prev.output.push(' ');
            prev.output.push_str(&o);
        }
        if let Some(d) = upd.desc.filter(|d| !d.is_empty()) {
            prev.desc.push(' ');
            prev.desc.push_str(&d);
        }
        if let Some(t) = upd.tags {
            prev.tags.extend(t);
        }
        for (at, ex) in new_exceptions {
            match at {
                None => prev.exceptions.push(ex),
                Some(i) => prev.exceptions[i].values.extend(ex.values),
            }
        }
        prev.visibility = id;
        Ok(())
    }

    fn replace_rule(&mut self, name: &str, upd: Update, ctx: &Ctx, id: usize) -> R<()> {
        let Some(prev) = self.col.rules.get(name) else {
            return Err(self.verr(
                "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists",
                ctx,
            ));
        };
        let known_source = !prev.unknown_source;
        let mut exceptions = upd.exceptions;
        if let Some(exs) = &mut exceptions {
            for ex in exs.iter_mut() {
                if !ex.fields.is_valid() {
                    return Err(self.verr(
                        "Rule exception item must have fields property with a list of fields",
                        &ex.ctx,
                    ));
                }
                self.validate_exception(ex, known_source)?;
            }
        }
        let prev = self.col.rules.get_mut(name).expect("checked");
        if let Some((c, m)) = upd.cond {
            prev.cond = c;
            prev.cond_mark = m;
        }
        if let Some(o) = upd.output {
            prev.output = o;
        }
        if let Some(d) = upd.desc {
            prev.desc = d;
        }
        if let Some(t) = upd.tags {
            prev.tags = t;
        }
        if let Some(e) = exceptions {
            prev.exceptions = e;
        }
        if let Some(p) = upd.priority {
            prev.priority = p;
        }
        if let Some(e) = upd.enabled {
            prev.enabled = e;
        }
        if let Some(w) = upd.warn_evttypes {
            prev.warn_evttypes = w;
        }
        if let Some(s) = upd.skip {
            prev.skip_if_unknown_filter = s;
        }
        prev.visibility = id;
        Ok(())
    }
}

/// What an `append`/`override` item changes.
#[derive(Default)]
struct Update {
    cond: Option<(String, Mark)>,
    exceptions: Option<Vec<ExceptionInfo>>,
    output: Option<String>,
    desc: Option<String>,
    tags: Option<BTreeSet<String>>,
    priority: Option<Priority>,
    enabled: Option<bool>,
    warn_evttypes: Option<bool>,
    skip: Option<bool>,
}

/// Where the value of `key` starts (the item's start when it has none).
fn cond_mark(item: &Node, key: &str) -> Mark {
    item.get(key).map_or(item.mark, |n| n.mark)
}
