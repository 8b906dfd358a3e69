//! `ksec audit-policy lint`: what in a policy logs more than it should, or less than it seems
//! to. Sensitive resources (secrets, configmaps, tokenreviews) logged with their bodies, rules
//! that never apply because an earlier, broader rule matches all they match, no catch-all
//! rule, RequestReceived not omitted (every request logged twice), unknown keys, and shapes
//! the API server rejects.

use super::{GroupResources, Level, Policy, Rule, Stage};

/// One warning, at a line of the policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub line: usize,
    /// A short kebab-case name of the check.
    pub check: &'static str,
    pub message: String,
}

/// Resources whose bodies hold secrets: (API group, resource, why, whether the request body
/// holds them: a TokenRequest's token is only in the response).
const SENSITIVE: &[(&str, &str, &str, bool)] = &[
    ("", "secrets", "secret values", true),
    ("", "configmaps", "configuration, often credentials", true),
    (
        "authentication.k8s.io",
        "tokenreviews",
        "bearer tokens",
        true,
    ),
    ("", "serviceaccounts/token", "service-account tokens", false),
];

/// True when a rule at `level` with `verbs` records the bodies that hold the values: every
/// response body at RequestResponse; at Request, the request bodies of create, update and
/// patch (get, list, watch and delete send none that holds them).
fn logs_values(r: &Rule, in_request: bool) -> bool {
    match r.level {
        Level::RequestResponse => true,
        Level::Request => {
            in_request
                && (r.verbs.is_empty()
                    || r.verbs
                        .iter()
                        .any(|v| matches!(v.as_str(), "create" | "update" | "patch" | "*")))
        }
        _ => false,
    }
}

/// Which requests a rule can match at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Resource,
    NonResource,
    Any,
}

fn scope(r: &Rule) -> Scope {
    if !r.namespaces.is_empty() || !r.resources.is_empty() {
        Scope::Resource
    } else if !r.non_resource_urls.is_empty() {
        Scope::NonResource
    } else {
        Scope::Any
    }
}

/// True when the rule can match some request for `group`/`resource` (`res/sub` for a
/// subresource).
fn may_match_resource(r: &Rule, group: &str, resource: &str) -> bool {
    match scope(r) {
        Scope::NonResource => false,
        Scope::Any => true,
        Scope::Resource => {
            r.resources.is_empty()
                || r.resources.iter().any(|gr| {
                    gr.group == group
                        && (gr.resources.is_empty()
                            || gr.resources.iter().any(|x| res_covers(x, resource)))
                })
        }
    }
}

/// True when the resources entry `pattern` matches every request for `resource`.
fn res_covers(pattern: &str, resource: &str) -> bool {
    if pattern == "*" || pattern == resource {
        return true;
    }
    match resource.split_once('/') {
        Some((res, sub)) => {
            pattern.strip_suffix("/*") == Some(res) || pattern.strip_prefix("*/") == Some(sub)
        }
        None => false,
    }
}

/// True when `r` matches every request for `group`/`resource`, whoever makes it, whatever the
/// verb, namespace and name.
fn covers_resource(r: &Rule, group: &str, resource: &str) -> bool {
    if !r.users.is_empty() || !r.user_groups.is_empty() || !r.verbs.is_empty() {
        return false;
    }
    match scope(r) {
        Scope::NonResource => false,
        Scope::Any => true,
        Scope::Resource => {
            r.namespaces.is_empty()
                && (r.resources.is_empty()
                    || r.resources.iter().any(|gr| {
                        gr.group == group
                            && gr.resource_names.is_empty()
                            && (gr.resources.is_empty()
                                || gr.resources.iter().any(|x| res_covers(x, resource)))
                    }))
        }
    }
}

/// `outer` (empty = all) admits every value `inner` (empty = all) admits.
fn list_covers(outer: &[String], inner: &[String]) -> bool {
    outer.is_empty() || (!inner.is_empty() && inner.iter().all(|x| outer.contains(x)))
}

fn group_covers(outer: &GroupResources, inner: &GroupResources) -> bool {
    if outer.group != inner.group {
        return false;
    }
    if !list_covers(&outer.resource_names, &inner.resource_names) {
        return false;
    }
    outer.resources.is_empty()
        || (!inner.resources.is_empty()
            && inner.resources.iter().all(|r| {
                outer
                    .resources
                    .iter()
                    .any(|o| o == r || o == "*" || res_covers(o, r))
            }))
}

fn url_covers(outer: &str, inner: &str) -> bool {
    if outer == "*" || outer == inner {
        return true;
    }
    match outer.strip_suffix('*') {
        Some(prefix) => inner.starts_with(prefix),
        None => false,
    }
}

/// True when every request `later` matches is matched by `earlier`.
fn shadows(earlier: &Rule, later: &Rule) -> bool {
    if !list_covers(&earlier.users, &later.users)
        || !list_covers(&earlier.user_groups, &later.user_groups)
        || !list_covers(&earlier.verbs, &later.verbs)
    {
        return false;
    }
    match (scope(earlier), scope(later)) {
        (Scope::Any, _) => true,
        (Scope::Resource, Scope::Resource) => {
            list_covers(&earlier.namespaces, &later.namespaces)
                && (earlier.resources.is_empty()
                    || (!later.resources.is_empty()
                        && later
                            .resources
                            .iter()
                            .all(|l| earlier.resources.iter().any(|e| group_covers(e, l)))))
        }
        (Scope::NonResource, Scope::NonResource) => later
            .non_resource_urls
            .iter()
            .all(|l| earlier.non_resource_urls.iter().any(|e| url_covers(e, l))),
        _ => false,
    }
}

/// Every warning for `policy`, by line.
pub fn lint(policy: &Policy) -> Vec<Warning> {
    let mut out: Vec<Warning> = policy
        .notes
        .iter()
        .map(|n| Warning {
            line: n.line,
            check: "unknown-key",
            message: n.message.clone(),
        })
        .collect();

    for r in &policy.rules {
        if !r.non_resource_urls.is_empty() && (!r.resources.is_empty() || !r.namespaces.is_empty())
        {
            out.push(Warning {
                line: r.line,
                check: "invalid-rule",
                message: "a rule with both nonResourceURLs and resources/namespaces is rejected by the API server".into(),
            });
        }
        for u in &r.non_resource_urls {
            if u.trim_end_matches('*').contains('*') {
                out.push(Warning {
                    line: r.line,
                    check: "invalid-rule",
                    message: format!(
                        "nonResourceURLs {u:?}: `*` is a wildcard only at the end of a path"
                    ),
                });
            }
        }
        for gr in &r.resources {
            if !gr.resource_names.is_empty() && gr.resources.is_empty() {
                out.push(Warning {
                    line: r.line,
                    check: "invalid-rule",
                    message: "resourceNames without resources is rejected by the API server".into(),
                });
            }
        }
    }

    // Sensitive resources whose bodies are logged.
    for &(group, resource, why, in_request) in SENSITIVE {
        for (i, r) in policy.rules.iter().enumerate() {
            if policy.rules[..i]
                .iter()
                .any(|e| covers_resource(e, group, resource))
            {
                break;
            }
            if logs_values(r, in_request) && may_match_resource(r, group, resource) {
                let g = if group.is_empty() { "core" } else { group };
                out.push(Warning {
                    line: r.line,
                    check: "sensitive-body",
                    message: format!(
                        "{resource} ({g} group) can be logged at {} by this rule: their bodies ({why}) end up in the log; log them at Metadata in a rule before it",
                        r.level
                    ),
                });
            }
        }
    }

    // Shadowed rules.
    for (j, later) in policy.rules.iter().enumerate() {
        if let Some(earlier) = policy.rules[..j].iter().find(|e| shadows(e, later)) {
            out.push(Warning {
                line: later.line,
                check: "shadowed-rule",
                message: format!(
                    "this rule never applies: the rule at line {} matches every request it does (the first matching rule wins)",
                    earlier.line
                ),
            });
        }
    }

    // A catch-all.
    let catch_all = policy.rules.iter().any(|r| {
        scope(r) == Scope::Any
            && r.users.is_empty()
            && r.user_groups.is_empty()
            && r.verbs.is_empty()
    });
    if !catch_all {
        out.push(Warning {
            line: policy.rules.last().map_or(1, |r| r.line),
            check: "no-catch-all",
            message: "no catch-all rule: requests no rule matches are not logged at all (level None); end the rules with one such as `- level: Metadata`".into(),
        });
    }

    // RequestReceived.
    if !policy.omit_stages.contains(&Stage::RequestReceived) {
        let lines: Vec<String> = policy
            .rules
            .iter()
            .filter(|r| r.level > Level::None && !r.omit_stages.contains(&Stage::RequestReceived))
            .map(|r| r.line.to_string())
            .collect();
        if !lines.is_empty() {
            out.push(Warning {
                line: 1,
                check: "request-received",
                message: format!(
                    "RequestReceived is not omitted (policy omitStages, or the rules at lines {}): every request is logged twice, when received and when complete",
                    lines.join(", ")
                ),
            });
        }
    }
    out.sort_by_key(|w| w.line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(yaml: &str) -> Vec<(usize, &'static str)> {
        let p = Policy::parse(yaml).unwrap();
        lint(&p).into_iter().map(|w| (w.line, w.check)).collect()
    }

    #[test]
    fn a_clean_policy_has_no_warnings() {
        let yaml = "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [secrets, configmaps]\n  - group: authentication.k8s.io\n    resources: [tokenreviews]\n- level: RequestResponse\n  resources:\n  - group: \"\"\n    resources: [pods]\n- level: Metadata\n";
        assert_eq!(checks(yaml), vec![]);
    }

    #[test]
    fn each_check_fires_where_it_should() {
        let yaml = "kind: Policy\nrules:\n- level: Request\n  verbs: [get, create]\n  colour: red\n- level: Metadata\n  verbs: [get]\n  users: [alice]\n- level: None\n  nonResourceURLs: [/healthz*]\n";
        assert_eq!(
            checks(yaml),
            vec![
                (1, "request-received"),
                (3, "sensitive-body"),
                (3, "sensitive-body"),
                (3, "sensitive-body"),
                (5, "unknown-key"),
                (6, "shadowed-rule"),
                (9, "no-catch-all"),
            ]
        );
    }
}
