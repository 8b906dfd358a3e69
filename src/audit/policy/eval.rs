//! A request evaluated against a policy as the API server does it
//! (k8s.io/apiserver/pkg/audit/policy/checker.go): the first matching rule wins and gives the
//! level; its omitStages are the union of the policy's and its own; no matching rule means level
//! None with the policy's omitStages. A rule's users, userGroups and verbs must each match when
//! given (an empty list matches all); a rule with namespaces or resources matches only resource
//! requests, one with nonResourceURLs only non-resource requests.

use std::collections::BTreeSet;

use super::{Level, Policy, Rule, Stage};
use crate::audit::event::Event;

/// What the checker sees of a request (the authorizer's attributes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// None for an unauthenticated request with no user at all.
    pub user: Option<String>,
    pub groups: Vec<String>,
    pub verb: String,
    pub namespace: String,
    pub api_group: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    pub resource_request: bool,
    pub path: String,
}

impl Request {
    /// The request an event records (the authenticated user, as the API server evaluates the
    /// policy before impersonation).
    pub fn from_event(ev: &Event) -> Request {
        let o = ev.object_ref.clone().unwrap_or_default();
        Request {
            user: Some(ev.user.username.clone()),
            groups: ev.user.groups.clone(),
            verb: ev.verb.clone().unwrap_or_default(),
            namespace: o.namespace,
            api_group: o.api_group,
            resource_request: !o.resource.is_empty(),
            resource: o.resource,
            subresource: o.subresource,
            name: o.name,
            path: ev.path().to_string(),
        }
    }
}

/// The outcome: the level, the stages not logged, and which rule (0-based) decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub level: Level,
    pub omit_stages: BTreeSet<Stage>,
    pub rule: Option<usize>,
}

/// Evaluates `req` against `policy`.
pub fn evaluate(policy: &Policy, req: &Request) -> Decision {
    for (i, rule) in policy.rules.iter().enumerate() {
        if rule_matches(rule, req) {
            return Decision {
                level: rule.level,
                omit_stages: policy
                    .omit_stages
                    .iter()
                    .chain(&rule.omit_stages)
                    .copied()
                    .collect(),
                rule: Some(i),
            };
        }
    }
    Decision {
        level: Level::None,
        omit_stages: policy.omit_stages.iter().copied().collect(),
        rule: None,
    }
}

fn has(list: &[String], s: &str) -> bool {
    list.iter().any(|x| x == s)
}

/// True when `rule` applies to `req` (checker.go's ruleMatches).
pub fn rule_matches(rule: &Rule, req: &Request) -> bool {
    if !rule.users.is_empty() {
        match &req.user {
            Some(u) if has(&rule.users, u) => {}
            _ => return false,
        }
    }
    if !rule.user_groups.is_empty()
        && (req.user.is_none() || !req.groups.iter().any(|g| has(&rule.user_groups, g)))
    {
        return false;
    }
    if !rule.verbs.is_empty() && !has(&rule.verbs, &req.verb) {
        return false;
    }
    if !rule.namespaces.is_empty() || !rule.resources.is_empty() {
        return resource_matches(rule, req);
    }
    if !rule.non_resource_urls.is_empty() {
        return !req.resource_request
            && rule
                .non_resource_urls
                .iter()
                .any(|spec| path_matches(&req.path, spec));
    }
    true
}

/// A nonResourceURLs entry: exact, `*`, or a prefix ending in `*`.
pub fn path_matches(path: &str, spec: &str) -> bool {
    if spec == "*" || spec == path {
        return true;
    }
    spec.strip_suffix('*')
        .is_some_and(|prefix| path.starts_with(prefix))
}

fn resource_matches(rule: &Rule, req: &Request) -> bool {
    if !req.resource_request {
        return false;
    }
    if !rule.namespaces.is_empty() && !has(&rule.namespaces, &req.namespace) {
        return false;
    }
    if rule.resources.is_empty() {
        return true;
    }
    let combined = if req.subresource.is_empty() {
        req.resource.clone()
    } else {
        format!("{}/{}", req.resource, req.subresource)
    };
    for gr in &rule.resources {
        if gr.group != req.api_group {
            continue;
        }
        if gr.resources.is_empty() {
            return true;
        }
        if !gr.resource_names.is_empty() && !has(&gr.resource_names, &req.name) {
            continue;
        }
        for res in &gr.resources {
            if res == &combined || res == "*" {
                return true;
            }
            if !req.subresource.is_empty() && res.strip_prefix("*/") == Some(&req.subresource) {
                return true;
            }
            if res.strip_suffix("/*") == Some(&req.resource) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(resource: &str, sub: &str) -> Request {
        Request {
            user: Some("tim".into()),
            verb: "get".into(),
            namespace: "default".into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: "busybox".into(),
            resource_request: true,
            ..Default::default()
        }
    }

    fn rule(resources: &[&str]) -> Rule {
        Rule {
            level: Level::Request,
            resources: vec![super::super::GroupResources {
                group: String::new(),
                resources: resources.iter().map(|s| s.to_string()).collect(),
                resource_names: Vec::new(),
            }],
            ..Rule::default()
        }
    }

    #[test]
    fn subresources_match_only_their_rules() {
        assert!(rule_matches(&rule(&["pods"]), &req("pods", "")));
        assert!(!rule_matches(&rule(&["pods"]), &req("pods", "log")));
        assert!(!rule_matches(&rule(&["pods/log"]), &req("pods", "")));
        // checker.go's "resource/*" test does not ask for a subresource.
        assert!(rule_matches(&rule(&["pods/*"]), &req("pods", "")));
        assert!(!rule_matches(&rule(&["*/log"]), &req("pods", "")));
        assert!(rule_matches(&rule(&["pods/*"]), &req("pods", "log")));
        assert!(rule_matches(&rule(&["*/log"]), &req("pods", "log")));
        assert!(rule_matches(&rule(&["*"]), &req("pods", "")));
    }

    #[test]
    fn non_resource_paths() {
        assert!(path_matches("/logs/kubelet.log", "/logs*"));
        assert!(path_matches("/healthz", "/healthz*"));
        assert!(!path_matches("/metrics2", "/metrics"));
        assert!(path_matches("/anything", "*"));
    }
}
