//! What a ruleset needs of open events, as a condition the kernel can check before it sends
//! one: the path prefixes and access modes ([`OpenNeed`]) that every open a rule can match
//! has. It is derived from the compiled conditions, over-approximating: an open outside it
//! matches no rule, an open inside it may or may not (the rules decide). A ruleset with one
//! open rule that does not constrain the path (or that ksec cannot read) needs every open.
//!
//! The prefixes are of `fd.name` (the absolute, normalised path); the kernel compares them with
//! the path as passed, so it must send every open whose path is relative, could change when
//! normalised (`//`, `/./`, `/../`) or is longer than it reads.

use super::eval::{Check, EvtTypes, Expr, Lhs, Lit, Op, Rhs};
use super::Rule;

/// Access modes, by the open flags' `O_ACCMODE`: read-only, write-only, read-write (`creat`:
/// write-only).
pub const READ: u8 = 1;
pub const WRITE: u8 = 2;
pub const READ_WRITE: u8 = 4;
pub const ANY_MODE: u8 = READ | WRITE | READ_WRITE;

/// The longest prefix the kernel compares (bytes); longer ones are cut to it.
pub const PREFIX_MAX: usize = 127;
/// More prefixes than this: every open is needed.
pub const PREFIXES_MAX: usize = 1024;

/// The event types of open calls.
pub const OPEN_TYPES: [&str; 4] = ["open", "openat", "openat2", "creat"];

/// The opens a ruleset can match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenNeed {
    /// Every open.
    Any,
    /// Only opens whose path starts with one of these prefixes, in one of its access modes
    /// (bits of [`READ`], [`WRITE`], [`READ_WRITE`]). Empty: no open.
    Only(Vec<(String, u8)>),
}

impl OpenNeed {
    fn none() -> OpenNeed {
        OpenNeed::Only(Vec::new())
    }

    fn union(self, other: OpenNeed) -> OpenNeed {
        match (self, other) {
            (OpenNeed::Only(mut a), OpenNeed::Only(b)) => {
                a.extend(b);
                OpenNeed::Only(a).tidy()
            }
            _ => OpenNeed::Any,
        }
    }

    fn intersect(self, other: OpenNeed) -> OpenNeed {
        match (self, other) {
            (OpenNeed::Any, x) | (x, OpenNeed::Any) => x,
            (OpenNeed::Only(a), OpenNeed::Only(b)) => {
                if a.len().saturating_mul(b.len()) > PREFIXES_MAX * 4 {
                    // Either side alone is a necessary condition too.
                    return OpenNeed::Only(if a.len() <= b.len() { a } else { b });
                }
                let mut out = Vec::new();
                for (p, m) in &a {
                    for (q, n) in &b {
                        let mode = m & n;
                        if mode == 0 {
                            continue;
                        }
                        if q.starts_with(p.as_str()) {
                            out.push((q.clone(), mode));
                        } else if p.starts_with(q.as_str()) {
                            out.push((p.clone(), mode));
                        }
                    }
                }
                OpenNeed::Only(out).tidy()
            }
        }
    }

    /// Cut to [`PREFIX_MAX`], merged per prefix, sorted; [`OpenNeed::Any`] past
    /// [`PREFIXES_MAX`].
    fn tidy(self) -> OpenNeed {
        let OpenNeed::Only(v) = self else {
            return self;
        };
        let mut merged: std::collections::BTreeMap<String, u8> = Default::default();
        for (mut p, m) in v {
            if p.len() > PREFIX_MAX {
                let mut cut = PREFIX_MAX;
                while !p.is_char_boundary(cut) {
                    cut -= 1;
                }
                p.truncate(cut);
            }
            *merged.entry(p).or_default() |= m;
        }
        if merged.len() > PREFIXES_MAX {
            return OpenNeed::Any;
        }
        OpenNeed::Only(merged.into_iter().collect())
    }

    /// The table the kernel looks up by longest prefix: each prefix with the modes of every
    /// listed prefix it starts with (so the longest match answers for all of them).
    pub fn lookup_table(&self) -> Option<Vec<(String, u8)>> {
        let OpenNeed::Only(v) = self else {
            return None;
        };
        Some(
            v.iter()
                .map(|(p, _)| {
                    let modes = v
                        .iter()
                        .filter(|(q, _)| p.starts_with(q.as_str()))
                        .fold(0, |acc, (_, m)| acc | m);
                    (p.clone(), modes)
                })
                .collect(),
        )
    }

    /// Whether an open of absolute, normalised `path` in access mode `mode` is needed (what the
    /// kernel's check answers, for tests).
    pub fn wants(&self, path: &str, mode: u8) -> bool {
        match self {
            OpenNeed::Any => true,
            OpenNeed::Only(v) => v
                .iter()
                .any(|(p, m)| m & mode != 0 && path.starts_with(p.as_str())),
        }
    }
}

/// The opens that `rules` can match.
pub fn open_need<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> OpenNeed {
    let mut need = OpenNeed::none();
    for r in rules {
        if !matches_opens(&r.types) {
            continue;
        }
        need = need.union(of(&r.cond, false));
        if need == OpenNeed::Any {
            break;
        }
    }
    need
}

fn matches_opens(t: &EvtTypes) -> bool {
    match t {
        EvtTypes::All => true,
        EvtTypes::Only(s) => OPEN_TYPES.iter().any(|o| s.contains(*o)),
        EvtTypes::AllBut(s) => OPEN_TYPES.iter().any(|o| !s.contains(*o)),
    }
}

/// A necessary condition on opens for `e` to hold (`neg`: for it not to hold).
fn of(e: &Expr, neg: bool) -> OpenNeed {
    match (e, neg) {
        (Expr::And(v), false) | (Expr::Or(v), true) => v
            .iter()
            .map(|c| of(c, neg))
            .fold(OpenNeed::Any, OpenNeed::intersect),
        (Expr::And(v), true) | (Expr::Or(v), false) => {
            let mut need = OpenNeed::none();
            for c in v {
                need = need.union(of(c, neg));
                if need == OpenNeed::Any {
                    break;
                }
            }
            need
        }
        (Expr::Not(inner), _) => of(inner, !neg),
        (Expr::Check(c), _) => check(c, neg),
    }
}

fn check(c: &Check, neg: bool) -> OpenNeed {
    let Lhs::Field(f) = &c.lhs else {
        return OpenNeed::Any;
    };
    let name = f.info.name;
    if name == "evt.is_open_write" || name == "evt.is_open_read" {
        let (Op::Eq | Op::Ne, Rhs::One(Lit::Bool(b))) = (c.op, &c.rhs) else {
            return OpenNeed::Any;
        };
        let holds = *b ^ (c.op == Op::Ne) ^ neg;
        let mode = match (name == "evt.is_open_write", holds) {
            (true, true) => WRITE | READ_WRITE,
            (true, false) => READ,
            (false, true) => READ | READ_WRITE,
            (false, false) => WRITE,
        };
        return OpenNeed::Only(vec![(String::new(), mode)]);
    }
    // A negated path check says nothing useful about the prefix.
    if neg || !matches!(name, "fd.name" | "fd.directory") {
        return OpenNeed::Any;
    }
    let only = |v: Vec<String>| OpenNeed::Only(v.into_iter().map(|p| (p, ANY_MODE)).collect());
    let strs = |rhs: &Rhs| -> Option<Vec<String>> {
        match rhs {
            Rhs::One(Lit::Str(s)) => Some(vec![s.clone()]),
            Rhs::Many(v) => v
                .iter()
                .map(|l| match l {
                    Lit::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            Rhs::Set(s) => Some(s.iter().cloned().collect()),
            Rhs::Prefixes(p) => Some(p.clone()),
            _ => None,
        }
    };
    let need = match (c.op, &c.rhs) {
        (Op::Eq | Op::StartsWith | Op::In | Op::Intersects | Op::PMatch, rhs) => strs(rhs),
        (Op::Glob, Rhs::Glob(g)) => {
            let end = g.find(['*', '?', '[', '\\']).unwrap_or(g.len());
            Some(vec![g[..end].to_string()])
        }
        _ => None,
    };
    match need {
        // fd.directory = /etc: fd.name starts with /etc (and a slash, unless it is /).
        Some(v) => only(v),
        None => OpenNeed::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{load, LoadOptions, RulesInput};

    fn need(yaml: &str) -> OpenNeed {
        let loaded = load(
            &[RulesInput {
                name: "t.yaml".into(),
                content: yaml.into(),
            }],
            &LoadOptions::default(),
        );
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        open_need(loaded.ruleset.expect("rules").rules())
    }

    fn rule(cond: &str) -> String {
        format!("- rule: r\n  desc: d\n  condition: {cond}\n  output: o\n  priority: WARNING\n")
    }

    #[test]
    fn write_below_etc_needs_writes_below_etc() {
        let n = need(&rule(
            "evt.type in (open, openat) and evt.is_open_write = true and fd.name startswith /etc",
        ));
        assert_eq!(n, OpenNeed::Only(vec![("/etc".into(), WRITE | READ_WRITE)]));
        assert!(n.wants("/etc/passwd", WRITE));
        assert!(!n.wants("/etc/passwd", READ));
        assert!(!n.wants("/tmp/x", WRITE));
    }

    #[test]
    fn rules_on_other_events_need_no_open() {
        let n = need(&rule("evt.type = execve and proc.name = sh"));
        assert_eq!(n, OpenNeed::Only(vec![]));
    }

    #[test]
    fn an_unconstrained_open_rule_needs_every_open() {
        let n = need(&format!(
            "{}{}",
            rule("evt.type = openat and fd.name = /etc/shadow"),
            rule("evt.type = openat and proc.name = cat").replace("rule: r", "rule: r2")
        ));
        assert_eq!(n, OpenNeed::Any);
        // A negated path check constrains nothing.
        let n = need(&rule("evt.type = openat and not fd.name startswith /proc"));
        assert_eq!(n, OpenNeed::Any);
        // Neither does a rule on every event type that never names a path.
        assert_eq!(need(&rule("proc.name = cat")), OpenNeed::Any);
    }

    #[test]
    fn lists_pmatch_glob_and_directories() {
        let n = need(&format!(
            "- list: sensitive\n  items: [/etc/shadow, /etc/sudoers]\n{}",
            rule(
                "evt.type = openat and evt.is_open_read = true and (fd.name in (sensitive) \
                 or fd.name pmatch (/root/.ssh) or fd.name glob '/var/run/secrets/*/token' \
                 or fd.directory = /etc/kubernetes)"
            )
        ));
        let OpenNeed::Only(v) = &n else {
            panic!("{n:?}")
        };
        let names: Vec<&str> = v.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "/etc/kubernetes",
                "/etc/shadow",
                "/etc/sudoers",
                "/root/.ssh",
                "/var/run/secrets/"
            ]
        );
        assert!(v.iter().all(|(_, m)| *m == READ | READ_WRITE));
        assert!(n.wants("/var/run/secrets/kubernetes.io/serviceaccount/token", READ));
        assert!(!n.wants("/etc/hosts", READ));
    }

    #[test]
    fn exceptions_and_negated_modes() {
        // `not evt.is_open_write = true`: read-only opens.
        let n = need(&rule(
            "evt.type = openat and not evt.is_open_write = true and fd.name = /etc/shadow",
        ));
        assert_eq!(n, OpenNeed::Only(vec![("/etc/shadow".into(), READ)]));
        // An exception (and not ...) leaves the need as it was.
        let n = need(&format!(
            "{}  exceptions:\n    - name: e\n      fields: [proc.name]\n      values: [[cat]]\n",
            rule("evt.type = openat and fd.name startswith /etc")
        ));
        assert_eq!(n, OpenNeed::Only(vec![("/etc".into(), ANY_MODE)]));
    }

    #[test]
    fn the_lookup_table_carries_shorter_prefixes_modes() {
        let n = OpenNeed::Only(vec![
            ("/etc".into(), WRITE),
            ("/etc/shadow".into(), READ),
            ("/var".into(), READ),
        ]);
        let t = n.lookup_table().unwrap();
        assert_eq!(
            t,
            [
                ("/etc".to_string(), WRITE),
                ("/etc/shadow".to_string(), READ | WRITE),
                ("/var".to_string(), READ)
            ]
        );
        assert_eq!(OpenNeed::Any.lookup_table(), None);
    }

    #[test]
    fn long_prefixes_are_cut_and_many_give_up() {
        let long = format!("/{}", "a".repeat(300));
        let n = OpenNeed::Only(vec![(long, READ)]).tidy();
        let OpenNeed::Only(v) = &n else { panic!() };
        assert_eq!(v[0].0.len(), PREFIX_MAX);
        let many: Vec<(String, u8)> = (0..=PREFIXES_MAX)
            .map(|i| (format!("/{i}"), READ))
            .collect();
        assert_eq!(OpenNeed::Only(many).tidy(), OpenNeed::Any);
    }

    #[test]
    fn ksecs_default_rules_need_few_opens() {
        let n = need(crate::cmd::watch::DEFAULT_RULES);
        let OpenNeed::Only(v) = &n else {
            panic!("{n:?}")
        };
        assert!(!v.is_empty() && v.len() < 64, "{v:?}");
        assert!(n.wants("/etc/passwd", WRITE));
        assert!(n.wants("/etc/shadow", READ));
        assert!(!n.wants("/usr/lib/x86_64-linux-gnu/libc.so.6", READ));
        assert!(!n.wants("/tmp/ksec-bench-open-file", READ));
    }
}
