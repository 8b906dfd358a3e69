//! The Falco rule language, pure: rules files (`list`, `macro`, `rule`, with `append`,
//! `override`, `exceptions`) loaded with Falco's loader semantics and diagnostics, conditions
//! parsed and evaluated against any [`fields::Event`], outputs formatted with Falco's field
//! names. Nothing here reads the kernel or /proc: `ksec watch` (src/watch/) turns what the node
//! does into events; tests use literal YAML and synthetic events, as Falco's own tests do.

pub mod fields;

mod compile;
pub mod condition;
pub mod diag;
pub mod eval;
pub mod known;
mod loader;
pub mod output;
pub mod prefilter;
pub mod yaml;

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context as _;

pub use diag::{Diagnostic, Location, Severity};
pub use loader::ENGINE_VERSION;

use eval::{EvtTypes, Expr};
use fields::Event;
use output::Format;

/// A rules file's text and the name messages show for it.
#[derive(Debug, Clone)]
pub struct RulesInput {
    pub name: String,
    pub content: String,
}

/// The rules files at `paths`, in order; a directory gives its `.yaml`/`.yml` files in
/// alphabetical order.
///
/// # Errors
/// A file or directory that cannot be read, named.
pub fn read_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<RulesInput>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("read rules directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && matches!(f.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            files.sort();
            for f in files {
                out.push(read_one(&f)?);
            }
        } else {
            out.push(read_one(p)?);
        }
    }
    Ok(out)
}

fn read_one(p: &PathBuf) -> anyhow::Result<RulesInput> {
    let content =
        std::fs::read_to_string(p).with_context(|| format!("read rules file {}", p.display()))?;
    Ok(RulesInput {
        name: p.display().to_string(),
        content,
    })
}

/// What the caller knows about the event source.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Catalogue fields the source cannot fill, with why: rules using them are skipped.
    pub unavailable: Vec<(&'static str, &'static str)>,
}

/// The result of a load.
#[derive(Debug)]
pub struct Loaded {
    /// The rules, when there was no error.
    pub ruleset: Option<Ruleset>,
    pub diagnostics: Vec<Diagnostic>,
    /// Rules skipped because they use fields ksec lacks: (rule, fields), from the last compile.
    pub skipped: Vec<(String, Vec<String>)>,
}

impl Loaded {
    /// Whether an error was reported.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Load `inputs` in order, as Falco loads several rules files: each file is read into what the
/// earlier ones defined and everything is compiled after it (so a file's diagnostics include
/// those of the compile that followed it); the last compile gives the ruleset.
pub fn load(inputs: &[RulesInput], opts: &LoadOptions) -> Loaded {
    let mut col = loader::Collector::default();
    let mut diags = Vec::new();
    let mut last = None;
    let mut failed = false;
    for (i, input) in inputs.iter().enumerate() {
        let ok = loader::Reader {
            input: i,
            file: &input.name,
            col: &mut col,
            diags: &mut diags,
        }
        .read(input);
        if !ok {
            failed = true;
            continue;
        }
        match compile::compile(&col, opts, i, &mut diags) {
            Some(c) => last = Some(c),
            None => failed = true,
        }
    }
    let skipped = last.as_ref().map(|c| c.skipped.clone()).unwrap_or_default();
    let ruleset = match last {
        Some(c) if !failed => Some(Ruleset::new(c.rules)),
        None if !failed => Some(Ruleset::new(Vec::new())),
        _ => None,
    };
    Loaded {
        ruleset,
        diagnostics: diags,
        skipped,
    }
}

/// `falco -V`'s text for a load.
pub fn render_validate(loaded: &Loaded, inputs: &[RulesInput]) -> String {
    diag::render_text(&loaded.diagnostics, inputs)
}

/// The same as JSON.
pub fn render_validate_json(loaded: &Loaded, inputs: &[RulesInput]) -> serde_json::Value {
    diag::render_json(&loaded.diagnostics, inputs)
}

/// A rule's priority, Falco's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl std::str::FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Priority, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return Err(format!("unknown priority '{s}'")),
        })
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        })
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub name: String,
    pub desc: String,
    pub priority: Priority,
    /// Sorted, without duplicates (Falco's).
    pub tags: Vec<String>,
    pub source: String,
    cond: Expr,
    format: Format,
    types: EvtTypes,
}

impl Rule {
    /// Whether the condition holds for `ev`.
    pub fn matches(&self, ev: &dyn Event) -> bool {
        self.cond.eval(ev)
    }

    /// The output for `ev`.
    pub fn output(&self, ev: &dyn Event) -> String {
        self.format.render(ev)
    }

    /// The output's fields and their values (`None` for `<NA>`), for JSON.
    pub fn output_fields(&self, ev: &dyn Event) -> Vec<(String, Option<String>)> {
        self.format.fields(ev)
    }

    /// The compiled condition, for what a source can tell from it (which calls to read).
    pub fn condition(&self) -> &Expr {
        &self.cond
    }

    /// The `evt.type` values the rule can match; `None` when it is not restricted to a set.
    pub fn evt_types(&self) -> Option<Vec<&str>> {
        match &self.types {
            EvtTypes::Only(s) => Some(s.iter().map(String::as_str).collect()),
            _ => None,
        }
    }
}

/// The enabled rules, indexed by event type.
#[derive(Debug)]
pub struct Ruleset {
    rules: Vec<Rule>,
    by_type: HashMap<String, Vec<u32>>,
    any: Vec<u32>,
}

impl Ruleset {
    fn new(rules: Vec<Rule>) -> Ruleset {
        let (by_type, any) = compile::index(&rules);
        Ruleset {
            rules,
            by_type,
            any,
        }
    }

    /// Every rule, in definition order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every string a rule compares one of `fields` with (the host names of `fd.sip.name =
    /// "x"`), sorted.
    pub fn literals_for(&self, fields: &[&str]) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for r in &self.rules {
            r.cond.for_each_check(&mut |c| {
                if let eval::Lhs::Field(f) = &c.lhs {
                    if fields.contains(&f.info.name) {
                        out.extend(c.literal_strings().into_iter().map(str::to_string));
                    }
                }
            });
        }
        out
    }

    /// The rules matching `ev`, in definition order.
    pub fn matching<'a>(&'a self, ev: &'a dyn Event) -> impl Iterator<Item = &'a Rule> + 'a {
        let idx = self.by_type.get(ev.evt_type()).unwrap_or(&self.any);
        idx.iter()
            .map(move |&i| &self.rules[i as usize])
            .filter(move |r| r.source == ev.source() && r.cond.eval(ev))
    }
}

#[cfg(test)]
mod tests;
