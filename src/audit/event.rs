//! One audit.k8s.io Event (v1 or v1beta1) as read from a JSON line: the fields the filters,
//! tables and policy explanations use, and the unwrapping of lines a cloud's logging wrapped
//! (Azure's `properties.log` holding the event as a string, a collector's `log`/`message`).
//! Pure: bytes in, data out.

use std::borrow::Cow;

use serde::Deserialize;

use crate::output::time::parse_rfc3339_ns;

/// A user as the API server authenticated it (or as impersonated).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// What a resource request is about.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub api_group: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub subresource: String,
}

/// The response's status (only its code is used).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ResponseStatus {
    #[serde(default)]
    pub code: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub creation_timestamp: Option<String>,
}

/// An audit event. Unknown fields are ignored; every field may be missing (old logs have
/// `timestamp` and no `stageTimestamp`, some have no `apiVersion`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default, rename = "auditID")]
    pub audit_id: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default, rename = "requestURI")]
    pub request_uri: Option<String>,
    #[serde(default)]
    pub verb: Option<String>,
    #[serde(default)]
    pub user: UserInfo,
    #[serde(default)]
    pub impersonated_user: Option<UserInfo>,
    #[serde(default, rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub object_ref: Option<ObjectRef>,
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(default)]
    pub request_received_timestamp: Option<String>,
    #[serde(default)]
    pub stage_timestamp: Option<String>,
    /// audit.k8s.io/v1alpha1 and early v1beta1 logs.
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub metadata: Option<ObjectMeta>,
}

impl Event {
    /// The user the request acted as: the impersonated user when there is one (as audit2rbac
    /// reads it), else the authenticated one.
    pub fn effective_user(&self) -> &UserInfo {
        match &self.impersonated_user {
            Some(u) if !u.username.is_empty() => u,
            _ => &self.user,
        }
    }

    /// The event's time as written: `stageTimestamp`, else `requestReceivedTimestamp`, else the
    /// old `timestamp`, else `metadata.creationTimestamp`.
    pub fn time_str(&self) -> Option<&str> {
        self.stage_timestamp
            .as_deref()
            .or(self.request_received_timestamp.as_deref())
            .or(self.timestamp.as_deref())
            .or(self
                .metadata
                .as_ref()
                .and_then(|m| m.creation_timestamp.as_deref()))
    }

    /// [`Event::time_str`] in nanoseconds since the epoch.
    pub fn time_ns(&self) -> Option<u64> {
        self.time_str().and_then(parse_rfc3339_ns)
    }

    /// `resource` or `resource/subresource` of a resource request.
    pub fn resource(&self) -> Option<String> {
        let o = self.object_ref.as_ref()?;
        if o.resource.is_empty() {
            return None;
        }
        Some(if o.subresource.is_empty() {
            o.resource.clone()
        } else {
            format!("{}/{}", o.resource, o.subresource)
        })
    }

    /// The response code, if the event has one.
    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// The path of the request URI (without the query).
    pub fn path(&self) -> &str {
        let uri = self.request_uri.as_deref().unwrap_or("");
        uri.split('?').next().unwrap_or("")
    }

    /// True when this looks like an audit event at all (and not, say, a wrapper around one).
    fn is_event(&self) -> bool {
        self.kind.as_deref() == Some("Event")
            || self.audit_id.is_some()
            || (self.verb.is_some() && self.stage.is_some())
    }
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error(
        "not an audit event (no kind Event, auditID, or verb and stage; no wrapped event found)"
    )]
    NotAnEvent,
}

/// A parsed event and the JSON text of the event itself (the line, or the event a wrapper held).
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    pub event: Event,
    pub raw: Cow<'a, [u8]>,
}

/// Parses one log line: an event, or a wrapper holding one (as a string or an object) under
/// `properties.log`, `log`, `message`, `jsonPayload`, `event`, `_source` or `data`.
///
/// # Errors
/// The line is not JSON, or neither it nor a wrapped value is an audit event.
pub fn parse_line(line: &[u8]) -> Result<Parsed<'_>, LineError> {
    let line = trim_ascii(line);
    match serde_json::from_slice::<Event>(line) {
        Ok(event) if event.is_event() => {
            return Ok(Parsed {
                event,
                raw: Cow::Borrowed(line),
            })
        }
        Ok(_) => {}
        Err(e) => {
            // A wrapper whose fields have other shapes (e.g. `user` a string) still parses as a
            // Value; anything else is not JSON.
            if serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err() {
                return Err(LineError::NotJson(e.to_string()));
            }
        }
    }
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| LineError::NotJson(e.to_string()))?;
    if let Some(event) = from_cloud_audit_log(&value) {
        return Ok(Parsed {
            event,
            raw: Cow::Borrowed(line),
        });
    }
    unwrap_value(&value, 0).ok_or(LineError::NotAnEvent)
}

/// GKE's Cloud Logging entries: a `protoPayload` of type google.cloud.audit.AuditLog from
/// service k8s.io, mapped onto an Event (principalEmail the user, methodName's last part the
/// verb, resourceName `GROUP/VERSION/[namespaces/NS/]RESOURCE[/NAME[/SUB]]` or a path, the
/// gRPC status code as the HTTP code the API server sent). The raw text stays the entry.
fn from_cloud_audit_log(v: &serde_json::Value) -> Option<Event> {
    let p = v.get("protoPayload")?;
    if !p
        .get("@type")?
        .as_str()?
        .ends_with("google.cloud.audit.AuditLog")
        || p.get("serviceName").and_then(|s| s.as_str()) != Some("k8s.io")
    {
        return None;
    }
    let s = |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).map(str::to_string);
    let method = s(p.get("methodName"))?;
    let verb = method.rsplit('.').next().unwrap_or("").to_string();
    let resource_name = s(p.get("resourceName")).unwrap_or_default();
    let parts: Vec<&str> = resource_name.split('/').collect();
    let mut object_ref = None;
    let mut uri = format!("/{resource_name}");
    // A resource request names a group and version first (`core/v1/...`, `apps/v1/...`).
    if parts.len() >= 3
        && parts[1].starts_with('v')
        && parts[1][1..].starts_with(|c: char| c.is_ascii_digit())
    {
        let group = if parts[0] == "core" { "" } else { parts[0] };
        let mut rest = &parts[2..];
        let mut namespace = "";
        if rest.len() >= 3 && rest[0] == "namespaces" {
            namespace = rest[1];
            rest = &rest[2..];
        }
        let get = |i: usize| rest.get(i).copied().unwrap_or("").to_string();
        object_ref = Some(ObjectRef {
            resource: get(0),
            namespace: namespace.to_string(),
            name: get(1),
            api_group: group.to_string(),
            api_version: parts[1].to_string(),
            subresource: get(2),
        });
        uri = if group.is_empty() {
            format!("/api/{}", parts[1..].join("/"))
        } else {
            format!("/apis/{resource_name}")
        };
    }
    let code = match p
        .get("status")
        .and_then(|st| st.get("code"))
        .and_then(|c| c.as_i64())
    {
        Some(0) | None => Some(200),
        Some(3) => Some(400),
        Some(5) => Some(404),
        Some(6) => Some(409),
        Some(7) => Some(403),
        Some(16) => Some(401),
        Some(_) => None,
    };
    let meta = p.get("requestMetadata");
    Some(Event {
        kind: Some("Event".into()),
        api_version: None,
        level: None,
        audit_id: s(v.get("insertId")),
        stage: Some("ResponseComplete".into()),
        request_uri: Some(uri),
        verb: Some(verb),
        user: UserInfo {
            username: s(p
                .get("authenticationInfo")
                .and_then(|a| a.get("principalEmail")))
            .unwrap_or_default(),
            groups: Vec::new(),
        },
        impersonated_user: None,
        source_ips: s(meta.and_then(|m| m.get("callerIp")))
            .into_iter()
            .collect(),
        user_agent: s(meta.and_then(|m| m.get("callerSuppliedUserAgent"))),
        object_ref,
        response_status: Some(ResponseStatus { code }),
        request_received_timestamp: None,
        stage_timestamp: s(v.get("timestamp")),
        timestamp: None,
        metadata: None,
    })
}

const WRAPPER_KEYS: &[&str] = &[
    "properties",
    "log",
    "message",
    "jsonPayload",
    "event",
    "_source",
    "data",
];

fn unwrap_value(v: &serde_json::Value, depth: usize) -> Option<Parsed<'static>> {
    if depth > 3 {
        return None;
    }
    match v {
        serde_json::Value::String(s) => {
            let t = s.trim();
            if !t.starts_with('{') {
                return None;
            }
            let inner: serde_json::Value = serde_json::from_str(t).ok()?;
            if let Ok(event) = serde_json::from_value::<Event>(inner.clone()) {
                if event.is_event() {
                    return Some(Parsed {
                        event,
                        raw: Cow::Owned(t.as_bytes().to_vec()),
                    });
                }
            }
            unwrap_value(&inner, depth + 1)
        }
        serde_json::Value::Object(map) => {
            if depth > 0 {
                if let Ok(event) = serde_json::from_value::<Event>(v.clone()) {
                    if event.is_event() {
                        return Some(Parsed {
                            event,
                            raw: Cow::Owned(serde_json::to_vec(v).ok()?),
                        });
                    }
                }
            }
            WRAPPER_KEYS
                .iter()
                .filter_map(|k| map.get(*k))
                .find_map(|inner| unwrap_value(inner, depth + 1))
        }
        _ => None,
    }
}

fn trim_ascii(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_event_and_old_timestamp() {
        let line = br#"{"kind":"Event","level":"Metadata","timestamp":"2017-09-11T19:55:05Z","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods?x=1","verb":"list","user":{"username":"system:admin","groups":["system:masters"]},"impersonatedUser":{"username":"bob"},"objectRef":{"resource":"pods","namespace":"default"},"responseStatus":{"code":403}}"#;
        let p = parse_line(line).unwrap();
        assert_eq!(p.event.effective_user().username, "bob");
        assert_eq!(p.event.user.username, "system:admin");
        assert_eq!(p.event.time_ns(), Some(1_505_159_705_000_000_000));
        assert_eq!(p.event.code(), Some(403));
        assert_eq!(p.event.path(), "/api/v1/namespaces/default/pods");
        assert_eq!(p.event.resource().as_deref(), Some("pods"));
        assert_eq!(&*p.raw, &line[..]);
    }

    #[test]
    fn stringified_wrapper_is_unwrapped() {
        let line = br#"{"category":"kube-audit","properties":{"log":"{\"kind\":\"Event\",\"auditID\":\"x\",\"verb\":\"update\",\"user\":{\"username\":\"aksService\"},\"objectRef\":{\"resource\":\"leases\",\"subresource\":\"status\"}}","pod":"kube-apiserver-1"}}"#;
        let p = parse_line(line).unwrap();
        assert_eq!(p.event.verb.as_deref(), Some("update"));
        assert_eq!(p.event.resource().as_deref(), Some("leases/status"));
        assert!(p.raw.starts_with(br#"{"kind":"Event""#));
    }

    #[test]
    fn gke_entries_are_mapped() {
        let line = br#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"alice@example.com"},"methodName":"io.k8s.core.v1.pods.log.get","requestMetadata":{"callerIp":"10.0.0.9","callerSuppliedUserAgent":"kubectl"},"resourceName":"core/v1/namespaces/default/pods/web/log","serviceName":"k8s.io","status":{"code":7}},"insertId":"i1","timestamp":"2025-07-13T08:38:39.127266Z"}"#;
        let e = parse_line(line).unwrap().event;
        assert_eq!(e.user.username, "alice@example.com");
        assert_eq!(e.verb.as_deref(), Some("get"));
        assert_eq!(e.resource().as_deref(), Some("pods/log"));
        let o = e.object_ref.clone().unwrap();
        assert_eq!(
            (o.namespace.as_str(), o.name.as_str(), o.api_group.as_str()),
            ("default", "web", "")
        );
        assert_eq!(e.code(), Some(403));
        assert_eq!(e.path(), "/api/v1/namespaces/default/pods/web/log");
        assert_eq!(e.source_ips, ["10.0.0.9"]);
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(matches!(parse_line(b"{\"a\":"), Err(LineError::NotJson(_))));
        assert_eq!(
            parse_line(br#"{"hello":"world"}"#).unwrap_err(),
            LineError::NotAnEvent
        );
        assert!(matches!(
            parse_line(b"not json"),
            Err(LineError::NotJson(_))
        ));
    }
}
