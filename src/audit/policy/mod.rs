//! Audit policies (audit.k8s.io/v1 `Policy`): the model read from YAML with each rule's line
//! ([`Policy::parse`]), the API server's evaluation of a request against it ([`eval`]), and the
//! warnings of `ksec audit-policy lint` ([`lint`]).

pub mod eval;
pub mod lint;

use std::fmt;

use crate::rules::yaml::{self, Kind, Node};

/// How much of a request is logged, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When in a request's life an event is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
        }
    }
}

/// One `resources:` entry of a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GroupResources {
    /// The API group; `""` is the core group.
    pub group: String,
    /// Empty: every resource of the group.
    pub resources: Vec<String>,
    #[serde(rename = "resourceNames")]
    pub resource_names: Vec<String>,
}

/// One rule, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    pub level: Level,
    pub users: Vec<String>,
    #[serde(rename = "userGroups")]
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub namespaces: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
    /// The rule's own omitStages (not yet joined with the policy's).
    #[serde(rename = "omitStages")]
    pub omit_stages: Vec<Stage>,
    #[serde(rename = "omitManagedFields")]
    pub omit_managed_fields: Option<bool>,
    pub line: usize,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            level: Level::None,
            users: Vec::new(),
            user_groups: Vec::new(),
            verbs: Vec::new(),
            resources: Vec::new(),
            namespaces: Vec::new(),
            non_resource_urls: Vec::new(),
            omit_stages: Vec::new(),
            omit_managed_fields: None,
            line: 0,
        }
    }
}

/// Something the reader noticed but could go on from (an unknown key); lint reports these.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub line: usize,
    pub message: String,
}

/// A policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    pub rules: Vec<Rule>,
    #[serde(rename = "omitStages")]
    pub omit_stages: Vec<Stage>,
    #[serde(rename = "omitManagedFields")]
    pub omit_managed_fields: bool,
    /// Unknown keys and similar, by line.
    #[serde(skip)]
    pub notes: Vec<Note>,
}

/// A policy that cannot be used, naming the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

fn err(node: &Node, message: impl Into<String>) -> PolicyError {
    PolicyError {
        line: node.mark.line,
        message: message.into(),
    }
}

fn strings(node: &Node, what: &str) -> Result<Vec<String>, PolicyError> {
    match &node.kind {
        Kind::Null => Ok(Vec::new()),
        Kind::Seq(items) => items
            .iter()
            .map(|i| match &i.kind {
                Kind::Scalar { text, .. } => Ok(text.clone()),
                Kind::Null => Ok(String::new()),
                _ => Err(err(i, format!("{what}: items must be strings"))),
            })
            .collect(),
        _ => Err(err(node, format!("{what}: must be a list of strings"))),
    }
}

fn stages(node: &Node, what: &str) -> Result<Vec<Stage>, PolicyError> {
    let mut out = Vec::new();
    for s in strings(node, what)? {
        match Stage::parse(&s) {
            Some(st) => out.push(st),
            None => {
                return Err(err(
                    node,
                    format!(
                        "{what}: unknown stage {s:?} (RequestReceived, ResponseStarted, ResponseComplete, Panic)"
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// A mapping's (key, value, key's line).
fn pairs(node: &Node, what: &str) -> Result<Vec<(String, Node, usize)>, PolicyError> {
    match &node.kind {
        Kind::Map(p) => Ok(p
            .iter()
            .map(|(k, v)| (k.scalar().unwrap_or("").to_string(), v.clone(), k.mark.line))
            .collect()),
        _ => Err(err(node, format!("{what} must be a mapping"))),
    }
}

impl Rule {
    /// One rule from its YAML mapping; unknown keys go to `notes`.
    ///
    /// # Errors
    /// No or an unknown level, or a field of the wrong shape.
    pub fn from_node(node: &Node, notes: &mut Vec<Note>) -> Result<Rule, PolicyError> {
        let mut rule = Rule {
            line: node.mark.line,
            ..Rule::default()
        };
        let mut level = None;
        for (key, v, key_line) in pairs(node, "a rule")? {
            match key.as_str() {
                "level" => {
                    let s = v.scalar().unwrap_or("");
                    level = Some(Level::parse(s).ok_or_else(|| {
                        err(
                            &v,
                            format!(
                                "unknown level {s:?} (None, Metadata, Request, RequestResponse)"
                            ),
                        )
                    })?);
                }
                "users" => rule.users = strings(&v, "users")?,
                "userGroups" => rule.user_groups = strings(&v, "userGroups")?,
                "verbs" => rule.verbs = strings(&v, "verbs")?,
                "namespaces" => rule.namespaces = strings(&v, "namespaces")?,
                "nonResourceURLs" => rule.non_resource_urls = strings(&v, "nonResourceURLs")?,
                "omitStages" => rule.omit_stages = stages(&v, "omitStages")?,
                "omitManagedFields" => rule.omit_managed_fields = v.as_bool(),
                "resources" => {
                    let Kind::Seq(items) = &v.kind else {
                        if v.is_null() {
                            continue;
                        }
                        return Err(err(&v, "resources: must be a list of {group, resources}"));
                    };
                    for item in items {
                        let mut gr = GroupResources::default();
                        for (k, gv, key_line) in pairs(item, "a resources entry")? {
                            match k.as_str() {
                                "group" => gr.group = gv.scalar().unwrap_or("").to_string(),
                                "resources" => gr.resources = strings(&gv, "resources")?,
                                "resourceNames" => {
                                    gr.resource_names = strings(&gv, "resourceNames")?
                                }
                                other => notes.push(Note {
                                    line: key_line,
                                    message: format!(
                                        "unknown key {other:?} in a resources entry (group, resources, resourceNames)"
                                    ),
                                }),
                            }
                        }
                        rule.resources.push(gr);
                    }
                }
                other => notes.push(Note {
                    line: key_line,
                    message: format!("unknown key {other:?} in a rule"),
                }),
            }
        }
        rule.level = level.ok_or_else(|| err(node, "a rule without a level"))?;
        Ok(rule)
    }
}

impl Policy {
    /// A policy from YAML text (one document; `kind: Policy`).
    ///
    /// # Errors
    /// Not YAML, not a mapping, or a rule that cannot be read; each names its line.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let docs = yaml::parse(text).map_err(|e| PolicyError {
            line: e.mark.line,
            message: format!("not YAML: {}", e.message),
        })?;
        let Some(doc) = docs.into_iter().find(|d| !d.is_null()) else {
            return Err(PolicyError {
                line: 1,
                message: "an empty document".into(),
            });
        };
        let mut policy = Policy::default();
        let mut notes = Vec::new();
        for (key, v, key_line) in pairs(&doc, "a policy")? {
            match key.as_str() {
                "apiVersion" | "metadata" => {}
                "kind" => {
                    if v.scalar() != Some("Policy") {
                        notes.push(Note {
                            line: v.mark.line,
                            message: format!("kind is {:?}, not Policy", v.scalar().unwrap_or("")),
                        });
                    }
                }
                "omitStages" => policy.omit_stages = stages(&v, "omitStages")?,
                "omitManagedFields" => policy.omit_managed_fields = v.as_bool().unwrap_or(false),
                "rules" => match &v.kind {
                    Kind::Seq(items) => {
                        for item in items {
                            policy.rules.push(Rule::from_node(item, &mut notes)?);
                        }
                    }
                    Kind::Null => {}
                    _ => return Err(err(&v, "rules: must be a list")),
                },
                other => notes.push(Note {
                    line: key_line,
                    message: format!("unknown key {other:?} in the policy"),
                }),
            }
        }
        policy.notes = notes;
        Ok(policy)
    }
}
