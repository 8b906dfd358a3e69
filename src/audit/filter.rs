//! Which events a query keeps: the filters of `ksec audit-log` as one [`Filter`], and the cheap
//! test on a raw line ([`Prefilter::may_match`]) that lets most lines go unparsed: every filter
//! value that must appear in the event's text is searched for with memchr's memmem first.

use memchr::memmem::Finder;

use super::event::Event;

/// A `--code` value: one code or a class such as `4xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    Exact(i64),
    /// The hundreds digit: `4xx` is `Class(4)`.
    Class(i64),
}

impl CodeMatch {
    /// `403` or `4xx`.
    ///
    /// # Errors
    /// Neither a number nor a digit followed by `xx`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if let Some(d) = t.strip_suffix("xx").or_else(|| t.strip_suffix("XX")) {
            if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() {
                return Ok(CodeMatch::Class(i64::from(d.as_bytes()[0] - b'0')));
            }
        }
        t.parse()
            .map(CodeMatch::Exact)
            .map_err(|_| format!("--code {s:?}: not a status code (403) or class (4xx)"))
    }

    fn matches(self, code: i64) -> bool {
        match self {
            CodeMatch::Exact(c) => c == code,
            CodeMatch::Class(c) => code / 100 == c,
        }
    }
}

/// A `--resource` value: `pods`, `pods/log`, `pods/*` (pods and any subresource of pods, as an
/// audit policy's `pods/*`), `*/log` (any resource's log), or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMatch {
    pub resource: String,
    /// None: no subresource; Some("*"): any subresource.
    pub subresource: Option<String>,
}

impl ResourceMatch {
    pub fn parse(s: &str) -> Self {
        match s.split_once('/') {
            Some((r, sub)) => Self {
                resource: r.to_string(),
                subresource: Some(sub.to_string()),
            },
            None => Self {
                resource: s.to_string(),
                subresource: None,
            },
        }
    }

    fn matches(&self, ev: &Event) -> bool {
        let Some(o) = &ev.object_ref else {
            return false;
        };
        if self.resource == "*" && self.subresource.is_none() {
            return !o.resource.is_empty();
        }
        if o.resource != self.resource && self.resource != "*" {
            return false;
        }
        match &self.subresource {
            None => o.subresource.is_empty(),
            Some(s) if s == "*" => true,
            Some(s) => &o.subresource == s,
        }
    }
}

/// Every filter of a query; an empty list lets everything through. Values of one filter are
/// alternatives; filters all apply.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub users: Vec<String>,
    /// Match `user` (the authenticated user) rather than the impersonated one.
    pub as_authenticated: bool,
    pub groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<ResourceMatch>,
    /// `""` selects cluster-scoped requests.
    pub namespaces: Vec<String>,
    pub names: Vec<String>,
    pub stages: Vec<String>,
    pub codes: Vec<CodeMatch>,
    /// Nanoseconds since the epoch, inclusive.
    pub since: Option<u64>,
    /// Nanoseconds since the epoch, exclusive.
    pub until: Option<u64>,
    pub source_ips: Vec<String>,
    /// Substrings of the user agent.
    pub user_agents: Vec<String>,
}

/// The compiled raw-line test of a [`Filter`].
pub struct Prefilter {
    /// For each filter with values: the needles, one of which must be in the line.
    groups: Vec<Vec<Finder<'static>>>,
}

/// A value can be looked for in the raw line when JSON writes it as itself: printable ASCII
/// without the characters Go's encoder escapes (`"`, `\`, `<`, `>`, `&`).
fn literal_in_json(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&'))
}

impl Prefilter {
    /// Adds a group of needles one of which must be in the line.
    pub fn require_any(&mut self, needles: &[&str]) {
        self.groups.push(
            needles
                .iter()
                .map(|n| Finder::new(n.as_bytes()).into_owned())
                .collect(),
        );
    }

    /// True when the line may hold a match: for every filter, one of its values is in it.
    /// False means it certainly does not.
    pub fn may_match(&self, line: &[u8]) -> bool {
        self.groups
            .iter()
            .all(|g| g.iter().any(|f| f.find(line).is_some()))
    }
}

impl Filter {
    /// The raw-line test. A filter takes part when each of its values can be searched for
    /// literally (printable ASCII that JSON does not escape); the others are left to [`Filter::matches`].
    pub fn prefilter(&self) -> Prefilter {
        let mut groups = Vec::new();
        let mut add = |vals: Vec<String>| {
            if !vals.is_empty() && vals.iter().all(|v| literal_in_json(v)) {
                groups.push(
                    vals.iter()
                        .map(|v| Finder::new(v.as_bytes()).into_owned())
                        .collect(),
                );
            }
        };
        add(self.users.clone());
        add(self.groups.clone());
        add(self.verbs.clone());
        if !self
            .resources
            .iter()
            .any(|r| r.resource == "*" || r.resource.is_empty())
        {
            add(self.resources.iter().map(|r| r.resource.clone()).collect());
        }
        add(self.namespaces.clone());
        add(self.names.clone());
        add(self.stages.clone());
        add(self.source_ips.clone());
        add(self.user_agents.clone());
        // Most selective first: longer needles are rarer.
        groups.sort_by_key(|g: &Vec<Finder<'static>>| {
            std::cmp::Reverse(g.iter().map(|f| f.needle().len()).min().unwrap_or(0))
        });
        Prefilter { groups }
    }

    /// True when `ev` passes every filter.
    pub fn matches(&self, ev: &Event) -> bool {
        let user = if self.as_authenticated {
            &ev.user
        } else {
            ev.effective_user()
        };
        let any = |vals: &[String], v: &str| vals.is_empty() || vals.iter().any(|x| x == v);
        if !any(&self.users, &user.username) {
            return false;
        }
        if !self.groups.is_empty() && !user.groups.iter().any(|g| self.groups.contains(g)) {
            return false;
        }
        if !any(&self.verbs, ev.verb.as_deref().unwrap_or("")) {
            return false;
        }
        if !self.resources.is_empty() && !self.resources.iter().any(|r| r.matches(ev)) {
            return false;
        }
        let (ns, name) = ev
            .object_ref
            .as_ref()
            .map_or(("", ""), |o| (o.namespace.as_str(), o.name.as_str()));
        if !any(&self.namespaces, ns) || !any(&self.names, name) {
            return false;
        }
        if !any(&self.stages, ev.stage.as_deref().unwrap_or("")) {
            return false;
        }
        if !self.codes.is_empty() {
            match ev.code() {
                Some(c) if self.codes.iter().any(|m| m.matches(c)) => {}
                _ => return false,
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = ev.time_ns() else {
                return false;
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        if !self.source_ips.is_empty()
            && !ev.source_ips.iter().any(|ip| self.source_ips.contains(ip))
        {
            return false;
        }
        if !self.user_agents.is_empty() {
            let ua = ev.user_agent.as_deref().unwrap_or("");
            if !self.user_agents.iter().any(|s| ua.contains(s.as_str())) {
                return false;
            }
        }
        true
    }
}

/// A `--since`/`--until` value in nanoseconds since the epoch: an RFC 3339 time, a date
/// (`2024-01-02`, midnight UTC), or a duration before `now_ns` (`90s`, `15m`, `2h`, `7d`).
///
/// # Errors
/// None of these.
pub fn parse_time(s: &str, now_ns: u64) -> Result<u64, String> {
    let t = s.trim();
    if let Some(ns) = crate::output::time::parse_rfc3339_ns(t) {
        return Ok(ns);
    }
    if t.len() == 10 {
        if let Some(ns) = crate::output::time::parse_rfc3339_ns(&format!("{t}T00:00:00Z")) {
            return Ok(ns);
        }
    }
    let unit = t.chars().last().unwrap_or(' ');
    let mult: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => 0,
    };
    if mult > 0 {
        if let Ok(n) = t[..t.len() - 1].parse::<u64>() {
            return Ok(now_ns.saturating_sub(n.saturating_mul(mult).saturating_mul(1_000_000_000)));
        }
    }
    Err(format!(
        "{s:?}: not a time (2024-01-02T03:04:05Z, 2024-01-02) or an age (90s, 15m, 2h, 7d)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::parse_line;

    const LINE: &[u8] = br#"{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"system:admin","groups":["system:masters"]},"impersonatedUser":{"username":"bob","groups":["devs"]},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.29.0","objectRef":{"resource":"pods","subresource":"log","namespace":"default","name":"web"},"responseStatus":{"code":403},"stageTimestamp":"2024-01-02T03:04:05.5Z"}"#;

    fn check(f: &Filter) -> (bool, bool) {
        let ev = parse_line(LINE).unwrap().event;
        (f.prefilter().may_match(LINE), f.matches(&ev))
    }

    #[test]
    fn filters_match_as_documented() {
        let yes = |f: Filter| assert_eq!(check(&f), (true, true), "{f:?}");
        let no = |f: Filter| assert!(!check(&f).1, "{f:?}");
        yes(Filter::default());
        yes(Filter {
            users: vec!["bob".into()],
            groups: vec!["devs".into()],
            ..Default::default()
        });
        no(Filter {
            users: vec!["system:admin".into()],
            ..Default::default()
        });
        yes(Filter {
            users: vec!["system:admin".into()],
            as_authenticated: true,
            ..Default::default()
        });
        yes(Filter {
            resources: vec![ResourceMatch::parse("pods/log")],
            namespaces: vec!["default".into()],
            names: vec!["web".into()],
            verbs: vec!["list".into(), "get".into()],
            codes: vec![CodeMatch::parse("4xx").unwrap()],
            user_agents: vec!["kubectl/".into()],
            source_ips: vec!["10.0.0.1".into()],
            ..Default::default()
        });
        yes(Filter {
            resources: vec![ResourceMatch::parse("pods/*")],
            ..Default::default()
        });
        no(Filter {
            resources: vec![ResourceMatch::parse("pods")],
            ..Default::default()
        });
        no(Filter {
            codes: vec![CodeMatch::Exact(200)],
            ..Default::default()
        });
        no(Filter {
            namespaces: vec![String::new()],
            ..Default::default()
        });
        let t = crate::output::time::parse_rfc3339_ns("2024-01-02T03:04:05.5Z").unwrap();
        yes(Filter {
            since: Some(t),
            until: Some(t + 1),
            ..Default::default()
        });
        no(Filter {
            since: Some(t + 1),
            ..Default::default()
        });
        // The prefilter rejects what cannot match.
        let f = Filter {
            users: vec!["carol".into()],
            ..Default::default()
        };
        assert_eq!(check(&f), (false, false));
    }

    #[test]
    fn times_and_codes_parse() {
        let now = 1_000_000 * 1_000_000_000;
        assert_eq!(parse_time("2h", now), Ok(now - 7200 * 1_000_000_000));
        assert_eq!(parse_time("1970-01-02", now), Ok(86_400 * 1_000_000_000));
        assert!(parse_time("yesterday", now).is_err());
        assert_eq!(CodeMatch::parse("404"), Ok(CodeMatch::Exact(404)));
        assert_eq!(CodeMatch::parse("5xx"), Ok(CodeMatch::Class(5)));
        assert!(CodeMatch::parse("abc").is_err());
    }
}
