//! The loader's diagnostics, as Falco reports them: a code (`LOAD_ERR_VALIDATE`,
//! `LOAD_UNUSED_MACRO`...), a message, and the chain of places it is about (the rules file, the
//! item, the key), each with its type, name and line; and their rendering as `falco -V` prints
//! the result of validating rules files, in text and in JSON.

use serde_json::json;

use super::RulesInput;

/// Whether a diagnostic makes the load fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One place in a rules file: an item (`rule 'x'`), a key, or the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Falco's item types: `rules content`, `rules content item`, `list`, `macro`, `rule`,
    /// `exception`, `required_engine_version`, `value for`...
    pub item_type: &'static str,
    pub item_name: String,
    /// The rules file's name as the input gave it.
    pub file: String,
    /// 1-based line and column (0 for the file as a whole).
    pub line: usize,
    pub col: usize,
    /// Byte offset in the file.
    pub offset: usize,
}

/// One error or warning of a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Falco's code (`LOAD_ERR_COMPILE_CONDITION`).
    pub code: &'static str,
    pub message: String,
    /// Index of the input (rules file) the diagnostic belongs to.
    pub input: usize,
    /// From the file down to the innermost item.
    pub locations: Vec<Location>,
}

impl Diagnostic {
    /// The innermost item (not a key or value inside one).
    fn item(&self) -> Option<&Location> {
        const PARTS: &[&str] = &[
            "value for",
            "list item",
            "overrides",
            "exceptions",
            "exception values",
            "exception value",
            "rule priority",
        ];
        self.locations
            .iter()
            .rev()
            .find(|l| !PARTS.contains(&l.item_type))
    }

    /// The innermost item's type (`rule`).
    pub fn item_type(&self) -> &'static str {
        self.item().map_or("rules content", |l| l.item_type)
    }

    /// The innermost item's name (the rule's).
    pub fn item_name(&self) -> &str {
        self.item().map_or("", |l| l.item_name.as_str())
    }

    /// `file:line:col` of the innermost place.
    pub fn position(&self) -> String {
        match self.locations.last() {
            Some(l) => format!("{}:{}:{}", l.file, l.line, l.col),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    /// One line: `file:line:col: rule 'x': LOAD_ERR_VALIDATE: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position(), self.item_type())?;
        if !self.item_name().is_empty() {
            write!(f, " '{}'", self.item_name())?;
        }
        write!(f, ": {}: {}", self.code, self.message)
    }
}

/// Falco's short text for a code.
pub fn code_desc(code: &str) -> &'static str {
    match code {
        "LOAD_ERR_FILE_READ" => "File read error",
        "LOAD_ERR_YAML_PARSE" => "YAML parse error",
        "LOAD_ERR_YAML_VALIDATE" => "Error validating internal structure of YAML file",
        "LOAD_ERR_COMPILE_CONDITION" => "Error compiling condition",
        "LOAD_ERR_COMPILE_OUTPUT" => "Error compiling output",
        "LOAD_ERR_VALIDATE" => "Error validating rule/macro/list/exception objects",
        "LOAD_ERR_EXTENSION" => "Error in extension item",
        "LOAD_UNKNOWN_SOURCE" => "Unknown event source",
        "LOAD_UNSAFE_NA_CHECK" => "Unsafe <NA> comparison in condition",
        "LOAD_NO_EVTTYPE" => "Condition has no event-type restriction",
        "LOAD_UNKNOWN_FIELD" => "Unknown field or event-type in condition or output",
        "LOAD_UNUSED_MACRO" => "Unused macro",
        "LOAD_UNUSED_LIST" => "Unused list",
        "LOAD_UNKNOWN_ITEM" => "Unknown rules file item",
        "LOAD_DEPRECATED_ITEM" => "Used deprecated item",
        "LOAD_WARNING_EXTENSION" => "Warning in extension item",
        "LOAD_APPEND_NO_VALUES" => "Overriding/appending with no values",
        "LOAD_EXCEPTION_NAME_NOT_UNIQUE" => "Multiple exceptions defined with the same name",
        "LOAD_INVALID_MACRO_NAME" => "Invalid macro name",
        "LOAD_INVALID_LIST_NAME" => "Invalid list name",
        "LOAD_COMPILE_CONDITION" => "Warning in rule condition",
        "LOAD_UNKNOWN_KEY" => "Unknown key in item definition",
        _ => "",
    }
}

/// The line holding `loc`'s offset in the file it names, with a `^` under it (Falco's
/// snippet). A diagnostic can be listed under a later file than the one it points into (a
/// rule of the first file skipped when the second is compiled), so the content is looked up
/// by the location's file, as Falco looks it up by name.
fn snippet(inputs: &[RulesInput], loc: &Location) -> String {
    let content = inputs
        .iter()
        .find(|i| i.name == loc.file)
        .map_or("", |i| i.content.as_str());
    if loc.line == 0 || content.is_empty() {
        return "<No context available>\n".to_string();
    }
    let mut pos = loc.offset.min(content.len().saturating_sub(1));
    while pos > 0 && (!content.is_char_boundary(pos) || content.as_bytes()[pos] == b'\n') {
        pos -= 1;
    }
    let from = content[..pos].rfind('\n').map_or(0, |i| i + 1);
    let to = content[pos..].find('\n').map_or(content.len(), |i| pos + i);
    let line = &content[from..to];
    let caret = content[from..pos].chars().count();
    format!("{line}\n{}^\n", " ".repeat(caret))
}

fn locations_text(d: &Diagnostic) -> String {
    let mut s = String::new();
    for (i, l) in d.locations.iter().enumerate() {
        s.push_str(if i == 0 { "In " } else { "    " });
        s.push_str(l.item_type);
        if !l.item_name.is_empty() {
            s.push_str(&format!(" '{}'", l.item_name));
        }
        s.push_str(&format!(": ({}:{}:{})\n", l.file, l.line, l.col));
    }
    s
}

/// `falco -V`'s text for the result of loading `inputs`: per file `NAME: Ok`,
/// `NAME: Ok, with warnings` or `NAME: Invalid`, then its errors and warnings, each with the
/// places it is about, the line it points at, its code and message.
pub fn render_text(diags: &[Diagnostic], inputs: &[RulesInput]) -> String {
    let mut out = String::new();
    for (i, input) in inputs.iter().enumerate() {
        let errors: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.input == i && d.severity == Severity::Error)
            .collect();
        let warnings: Vec<&Diagnostic> = diags
            .iter()
            .filter(|d| d.input == i && d.severity == Severity::Warning)
            .collect();
        out.push_str(&input.name);
        out.push_str(": ");
        out.push_str(match (errors.is_empty(), warnings.is_empty()) {
            (false, _) => "Invalid",
            (true, true) => "Ok",
            (true, false) => "Ok, with warnings",
        });
        out.push('\n');
        for (title, list) in [("Errors", &errors), ("Warnings", &warnings)] {
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{} {title}:\n", list.len()));
            for d in list.iter() {
                out.push_str(&locations_text(d));
                out.push_str("------\n");
                if let Some(l) = d.locations.last() {
                    out.push_str(&snippet(inputs, l));
                }
                out.push_str("------\n");
                out.push_str(&format!(
                    "{} ({}): {}\n",
                    d.code,
                    code_desc(d.code),
                    d.message
                ));
            }
        }
    }
    out
}

/// The same as JSON, as `falco -V --json` prints it: `{"falco_load_results": [...]}`.
pub fn render_json(diags: &[Diagnostic], inputs: &[RulesInput]) -> serde_json::Value {
    let one = |d: &Diagnostic| {
        let locs: Vec<_> = d
            .locations
            .iter()
            .map(|l| {
                json!({
                    "item_type": l.item_type,
                    "item_name": l.item_name,
                    "position": {"name": l.file, "line": l.line, "column": l.col, "offset": l.offset},
                })
            })
            .collect();
        let snip = d
            .locations
            .last()
            .map(|l| snippet(inputs, l))
            .unwrap_or_default();
        json!({
            "context": {"locations": locs, "snippet": snip},
            "code": d.code,
            "codedesc": code_desc(d.code),
            "message": d.message,
        })
    };
    let results: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let of = |sev| -> Vec<serde_json::Value> {
                diags
                    .iter()
                    .filter(|d| d.input == i && d.severity == sev)
                    .map(one)
                    .collect()
            };
            let errors = of(Severity::Error);
            json!({
                "name": input.name,
                "successful": errors.is_empty(),
                "errors": errors,
                "warnings": of(Severity::Warning),
            })
        })
        .collect();
    json!({ "falco_load_results": results })
}
