//! `--secrets-leaked`: Secret data in an event's requestObject or responseObject (a secret
//! logged at Request or RequestResponse level), and whatever grep-secret's detectors find in
//! the other strings of those objects. Strings holding JSON (kubectl's
//! last-applied-configuration annotation holds the whole object it applied) are looked into.
//! Findings name where the value is, never the value; [`redact`] masks the values in a copy.

use serde_json::Value;

use crate::secret::detectors::{shared, Hit};

/// One leaked value: where in the event it is, what kind, how long.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leak {
    /// A JSON path such as `responseObject.items[0].data.password`; `(json)` marks a step into
    /// a string holding JSON.
    pub path: String,
    /// `secret-data`, or a grep-secret detector's name (`jwt`, `aws-access-key`, ...).
    pub kind: String,
    pub bytes: usize,
}

/// The objects of an event that can hold leaked values.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bodies {
    #[serde(default)]
    pub request_object: Option<Value>,
    #[serde(default)]
    pub response_object: Option<Value>,
}

const MAX_DEPTH: usize = 64;

/// The leaks in an event's bodies. `secret_resource` says the request was for secrets (a
/// patch's requestObject has no `kind`, but its `data` is still Secret data).
pub fn find_leaks(bodies: &Bodies, secret_resource: bool) -> Vec<Leak> {
    let mut out = Vec::new();
    if let Some(v) = &bodies.request_object {
        walk(v, "requestObject", secret_resource, 0, &mut out);
    }
    if let Some(v) = &bodies.response_object {
        walk(v, "responseObject", secret_resource, 0, &mut out);
    }
    out
}

fn is_secret_object(map: &serde_json::Map<String, Value>, top_is_secret: bool) -> bool {
    match map.get("kind").and_then(Value::as_str) {
        Some(k) => k == "Secret",
        None => top_is_secret,
    }
}

fn walk(v: &Value, path: &str, top_is_secret: bool, depth: usize, out: &mut Vec<Leak>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            let secret = is_secret_object(map, top_is_secret && depth == 0);
            for (k, child) in map {
                let p = format!("{path}.{k}");
                if secret && (k == "data" || k == "stringData") {
                    if let Value::Object(data) = child {
                        for (key, val) in data {
                            let bytes = val.as_str().map_or(0, str::len);
                            if bytes > 0 {
                                out.push(Leak {
                                    path: format!("{p}.{key}"),
                                    kind: "secret-data".into(),
                                    bytes,
                                });
                            }
                        }
                        continue;
                    }
                }
                walk(child, &p, false, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}[{i}]"), false, depth + 1, out);
            }
        }
        Value::String(s) => {
            if let Some(inner) = json_in_string(s) {
                walk(&inner, &format!("{path}(json)"), false, depth + 1, out);
                return;
            }
            let mut hits: Vec<Hit> = Vec::new();
            shared().find(s.as_bytes(), 0, s.len(), &mut hits);
            for h in hits {
                out.push(Leak {
                    path: path.to_string(),
                    kind: h.kind.name().to_string(),
                    bytes: h.range.len(),
                });
            }
        }
        _ => {}
    }
}

fn json_in_string(s: &str) -> Option<Value> {
    let t = s.trim();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return None;
    }
    serde_json::from_str::<Value>(t)
        .ok()
        .filter(Value::is_object)
}

/// The mask put in place of a value.
pub const MASK: &str = "<redacted>";

/// `v` with Secret data values replaced by [`MASK`] and detector hits masked in other strings.
pub fn redact(v: &mut Value, top_is_secret: bool) {
    redact_at(v, top_is_secret, 0);
}

fn redact_at(v: &mut Value, top_is_secret: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            let secret = is_secret_object(map, top_is_secret && depth == 0);
            for (k, child) in map.iter_mut() {
                if secret && (k == "data" || k == "stringData") {
                    if let Value::Object(data) = child {
                        for val in data.values_mut() {
                            if val.is_string() {
                                *val = Value::String(MASK.into());
                            }
                        }
                        continue;
                    }
                }
                redact_at(child, false, depth + 1);
            }
        }
        Value::Array(items) => {
            for child in items {
                redact_at(child, false, depth + 1);
            }
        }
        Value::String(s) => {
            if let Some(mut inner) = json_in_string(s) {
                redact_at(&mut inner, false, depth + 1);
                *s = inner.to_string();
                return;
            }
            let mut hits: Vec<Hit> = Vec::new();
            shared().find(s.as_bytes(), 0, s.len(), &mut hits);
            if hits.is_empty() {
                return;
            }
            let mut masked = String::with_capacity(s.len());
            let mut at = 0;
            for h in hits {
                if h.range.start < at || !s.is_char_boundary(h.range.start) {
                    continue;
                }
                masked.push_str(&s[at..h.range.start]);
                masked.push_str(MASK);
                at = h.range.end.min(s.len());
                while !s.is_char_boundary(at) {
                    at += 1;
                }
            }
            masked.push_str(&s[at..]);
            *s = masked;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_data_and_detector_hits_are_found_and_masked() {
        let mut ev: Value = serde_json::from_str(
            r#"{"requestObject":{"kind":"Secret","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},"data":{"password":"aHVudGVyMg==","user":""}},
                "responseObject":{"kind":"ConfigMap","data":{"aws":"AKIAIOSFODNN7EXAMPLE"}}}"#,
        )
        .unwrap();
        let bodies: Bodies = serde_json::from_value(ev.clone()).unwrap();
        let leaks = find_leaks(&bodies, false);
        let got: Vec<(&str, &str)> = leaks
            .iter()
            .map(|l| (l.path.as_str(), l.kind.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("requestObject.data.password", "secret-data"),
                (
                    "requestObject.metadata.annotations.kubectl.kubernetes.io/last-applied-configuration(json).data.password",
                    "secret-data"
                ),
                ("responseObject.data.aws", "aws-access-key"),
            ]
        );
        redact(ev.get_mut("requestObject").unwrap(), false);
        redact(ev.get_mut("responseObject").unwrap(), false);
        let text = ev.to_string();
        assert!(!text.contains("aHVudGVyMg=="), "{text}");
        assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
        assert_eq!(ev["requestObject"]["data"]["password"], MASK);
    }

    #[test]
    fn a_patch_of_a_secret_has_no_kind() {
        let bodies: Bodies =
            serde_json::from_str(r#"{"requestObject":{"data":{"token":"c2VjcmV0"}}}"#).unwrap();
        assert_eq!(find_leaks(&bodies, false), vec![]);
        assert_eq!(
            find_leaks(&bodies, true),
            vec![Leak {
                path: "requestObject.data.token".into(),
                kind: "secret-data".into(),
                bytes: 8
            }]
        );
    }
}
