//! What a query keeps of the events that match: the latest one (`--last`), counts per key
//! (`--count-by user,verb,resource`), and the columns of the table row of an event.

use std::collections::HashMap;

use super::event::Event;

/// A `--count-by` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    User,
    Group,
    Verb,
    Resource,
    Namespace,
    Name,
    Code,
    Stage,
    Level,
    SourceIp,
    UserAgent,
}

impl Key {
    pub const NAMES: &'static str =
        "user, group, verb, resource, namespace, name, code, stage, level, source-ip, user-agent";

    /// A key's name.
    ///
    /// # Errors
    /// An unknown name, listing the known ones.
    pub fn parse(s: &str) -> Result<Key, String> {
        Ok(match s.trim() {
            "user" => Key::User,
            "group" => Key::Group,
            "verb" => Key::Verb,
            "resource" => Key::Resource,
            "namespace" => Key::Namespace,
            "name" => Key::Name,
            "code" => Key::Code,
            "stage" => Key::Stage,
            "level" => Key::Level,
            "source-ip" => Key::SourceIp,
            "user-agent" => Key::UserAgent,
            other => return Err(format!("--count-by {other:?}: not a key ({})", Key::NAMES)),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Key::User => "user",
            Key::Group => "group",
            Key::Verb => "verb",
            Key::Resource => "resource",
            Key::Namespace => "namespace",
            Key::Name => "name",
            Key::Code => "code",
            Key::Stage => "stage",
            Key::Level => "level",
            Key::SourceIp => "source-ip",
            Key::UserAgent => "user-agent",
        }
    }

    /// The key's values in `ev` (a user's groups and an event's source IPs are several; a
    /// missing value is `""`). `authenticated`: the real user, not the impersonated one.
    fn values(self, ev: &Event, authenticated: bool) -> Vec<String> {
        let user = if authenticated {
            &ev.user
        } else {
            ev.effective_user()
        };
        let o = ev.object_ref.as_ref();
        let one = |s: Option<&str>| vec![s.unwrap_or("").to_string()];
        match self {
            Key::User => one(Some(&user.username)),
            Key::Group if user.groups.is_empty() => one(None),
            Key::Group => user.groups.clone(),
            Key::Verb => one(ev.verb.as_deref()),
            Key::Resource => vec![resource_column(ev)],
            Key::Namespace => one(o.map(|o| o.namespace.as_str())),
            Key::Name => one(o.map(|o| o.name.as_str())),
            Key::Code => vec![ev.code().map_or(String::new(), |c| c.to_string())],
            Key::Stage => one(ev.stage.as_deref()),
            Key::Level => one(ev.level.as_deref()),
            Key::SourceIp if ev.source_ips.is_empty() => one(None),
            Key::SourceIp => ev.source_ips.clone(),
            Key::UserAgent => one(ev.user_agent.as_deref()),
        }
    }
}

/// The resource column: `resource[/subresource]`, with the API group when it is not core
/// (`leases.coordination.k8s.io`), or the path of a non-resource request.
pub fn resource_column(ev: &Event) -> String {
    match (&ev.object_ref, ev.resource()) {
        (Some(o), Some(r)) if !o.api_group.is_empty() => {
            let (res, sub) = r
                .split_once('/')
                .map_or((r.as_str(), None), |(a, b)| (a, Some(b)));
            match sub {
                Some(s) => format!("{res}.{}/{s}", o.api_group),
                None => format!("{res}.{}", o.api_group),
            }
        }
        (_, Some(r)) => r,
        _ => ev.path().to_string(),
    }
}

/// Counts of matching events per combination of keys.
#[derive(Debug, Default)]
pub struct Counts {
    pub keys: Vec<Key>,
    pub authenticated: bool,
    pub counts: HashMap<Vec<String>, u64>,
}

impl Counts {
    pub fn new(keys: Vec<Key>, authenticated: bool) -> Self {
        Counts {
            keys,
            authenticated,
            counts: HashMap::new(),
        }
    }

    /// Counts `ev` once under each combination of its key values.
    pub fn add(&mut self, ev: &Event) {
        let mut combos: Vec<Vec<String>> = vec![Vec::new()];
        for k in &self.keys {
            let vals = k.values(ev, self.authenticated);
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    vals.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push(v.clone());
                        c
                    })
                })
                .collect();
        }
        for c in combos {
            *self.counts.entry(c).or_insert(0) += 1;
        }
    }

    /// The rows, most frequent first, then by key.
    pub fn rows(&self) -> Vec<(Vec<String>, u64)> {
        let mut rows: Vec<(Vec<String>, u64)> =
            self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::parse_line;

    #[test]
    fn counts_per_key_combination() {
        let a = parse_line(br#"{"kind":"Event","verb":"get","user":{"username":"u","groups":["g1","g2"]},"objectRef":{"resource":"leases","apiGroup":"coordination.k8s.io"}}"#).unwrap().event;
        let b = parse_line(br#"{"kind":"Event","verb":"get","user":{"username":"u"},"requestURI":"/healthz?verbose"}"#).unwrap().event;
        let mut c = Counts::new(vec![Key::User, Key::Resource], false);
        c.add(&a);
        c.add(&a);
        c.add(&b);
        assert_eq!(
            c.rows(),
            vec![
                (vec!["u".into(), "leases.coordination.k8s.io".into()], 2),
                (vec!["u".into(), "/healthz".into()], 1),
            ]
        );
        let mut g = Counts::new(vec![Key::Group], false);
        g.add(&a);
        g.add(&b);
        assert_eq!(
            g.rows(),
            vec![
                (vec!["".into()], 1),
                (vec!["g1".into()], 1),
                (vec!["g2".into()], 1)
            ]
        );
        assert!(Key::parse("colour").is_err());
    }
}
