//! Container discovery from /proc/PID/cgroup: the container id, [`Runtime`] and pod uid, for
//! docker, containerd, cri-o and podman, under cgroup v1 and v2, systemd and cgroupfs drivers;
//! parsed from bytes ([`parse_cgroup`]) and read for one process ([`container_of`]).
//!
//! Recognised path elements (the deepest match wins, so a pod inside a kind/docker node is
//! attributed to the pod's container, not the node's):
//! - docker: `/docker/<id>`, `docker-<id>.scope`
//! - containerd: `cri-containerd-<id>.scope`, and the cgroupfs driver's
//!   `/kubepods[/<qos>]/pod<uid>/<id>` (that path does not name the runtime: reported as `kubepods`)
//! - cri-o: `crio-<id>.scope` (not `crio-conmon-<id>`, the monitor process)
//! - podman: `libpod-<id>.scope`, `/libpod_parent/libpod-<id>` (not `libpod-conmon-<id>`)
//!
//! `<id>` is 64 lowercase hex digits. The pod uid comes from a `pod<uid>` element, with the
//! systemd driver's underscores (`kubepods-burstable-pod<uid_with_underscores>.slice`) turned
//! back into dashes.

use serde::Serialize;

use super::root::ProcRoot;

/// The container runtime a cgroup path names (JSON: `docker`, `containerd`, `cri-o`, `podman`,
/// `kubepods`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Runtime {
    /// `/docker/<id>`, `docker-<id>.scope`.
    #[serde(rename = "docker")]
    Docker,
    /// `cri-containerd-<id>.scope`.
    #[serde(rename = "containerd")]
    Containerd,
    /// `crio-<id>.scope`.
    #[serde(rename = "cri-o")]
    CriO,
    /// `libpod-<id>.scope`, `/libpod_parent/libpod-<id>`.
    #[serde(rename = "podman")]
    Podman,
    /// The cgroupfs driver's `/kubepods[/<qos>]/pod<uid>/<id>`: a Kubernetes container whose
    /// runtime the path does not name.
    #[serde(rename = "kubepods")]
    Kubepods,
}

impl Runtime {
    /// Every runtime.
    pub const ALL: [Runtime; 5] = [
        Runtime::Docker,
        Runtime::Containerd,
        Runtime::CriO,
        Runtime::Podman,
        Runtime::Kubepods,
    ];

    /// The name ksec shows (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Podman => "podman",
            Runtime::Kubepods => "kubepods",
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a process's cgroup says about its container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    /// The full 64-hex id.
    pub id: String,
    /// The runtime the path names ([`Runtime::Kubepods`] when it names none).
    pub runtime: Runtime,
    /// The Kubernetes pod uid, when the path has one.
    pub pod_uid: Option<String>,
}

impl ContainerInfo {
    /// The 12-hex short form, as docker and crictl print it.
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }
}

fn is_id(s: &[u8]) -> bool {
    s.len() == 64
        && s.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// The container id and runtime named by one path element, if any.
fn element_id(elem: &[u8], parent: Option<&[u8]>) -> Option<(Runtime, String)> {
    let id = |s: &[u8]| is_id(s).then(|| String::from_utf8_lossy(s).into_owned());
    let scoped = |prefix: &[u8]| -> Option<String> {
        let rest = elem.strip_prefix(prefix)?;
        let rest = rest.strip_suffix(b".scope").unwrap_or(rest);
        id(rest)
    };
    if let Some(i) = scoped(b"cri-containerd-") {
        return Some((Runtime::Containerd, i));
    }
    if let Some(i) = scoped(b"crio-") {
        return Some((Runtime::CriO, i));
    }
    if let Some(i) = scoped(b"libpod-") {
        return Some((Runtime::Podman, i));
    }
    if let Some(i) = scoped(b"docker-") {
        return Some((Runtime::Docker, i));
    }
    match parent {
        Some(b"docker") => id(elem).map(|i| (Runtime::Docker, i)),
        Some(p) if p.starts_with(b"pod") && pod_uid(p).is_some() => {
            id(elem).map(|i| (Runtime::Kubepods, i))
        }
        _ => None,
    }
}

/// The pod uid in a `pod<uid>` or `kubepods-<qos>-pod<uid>.slice` element.
fn pod_uid(elem: &[u8]) -> Option<String> {
    let elem = elem.strip_suffix(b".slice").unwrap_or(elem);
    let at = memchr::memmem::rfind(elem, b"pod")?;
    if at != 0 && elem[at - 1] != b'-' {
        return None;
    }
    let uid = &elem[at + 3..];
    // 8-4-4-4-12 hex, with '-' or the systemd driver's '_'.
    let ok = uid.len() == 36
        && uid.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-' || *b == b'_',
            _ => b.is_ascii_hexdigit(),
        });
    ok.then(|| {
        String::from_utf8_lossy(uid)
            .replace('_', "-")
            .to_ascii_lowercase()
    })
}

/// The container named by one cgroup path (`/kubepods/burstable/pod.../<id>`).
pub fn parse_cgroup_path(path: &[u8]) -> Option<ContainerInfo> {
    let elems: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|e| !e.is_empty())
        .collect();
    let (at, runtime, id) = elems.iter().enumerate().rev().find_map(|(i, e)| {
        let parent = i.checked_sub(1).map(|p| elems[p]);
        element_id(e, parent).map(|(rt, id)| (i, rt, id))
    })?;
    let pod_uid = elems[..at].iter().rev().find_map(|e| pod_uid(e));
    Some(ContainerInfo {
        id,
        runtime,
        pod_uid,
    })
}

/// The container named by a /proc/PID/cgroup file (`hierarchy:controllers:path` lines, v1 and
/// v2): the first line whose path names one.
pub fn parse_cgroup(bytes: &[u8]) -> Option<ContainerInfo> {
    bytes.split(|&b| b == b'\n').find_map(|line| {
        let mut parts = line.splitn(3, |&b| b == b':');
        let (_hier, _ctrl, path) = (parts.next()?, parts.next()?, parts.next()?);
        parse_cgroup_path(path)
    })
}

/// The container of `pid`, from `<root>/<pid>/cgroup` (`None` when unreadable or not a
/// container).
pub fn container_of(root: &ProcRoot, pid: i32) -> Option<ContainerInfo> {
    std::fs::read(root.pid_path(pid, "cgroup"))
        .ok()
        .and_then(|b| parse_cgroup(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const UID: &str = "6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

    fn info(rt: &str, pod: Option<&str>) -> Option<ContainerInfo> {
        let runtime = *Runtime::ALL.iter().find(|r| r.name() == rt).unwrap();
        Some(ContainerInfo {
            id: ID.into(),
            runtime,
            pod_uid: pod.map(String::from),
        })
    }

    #[test]
    fn each_runtime_pattern() {
        let cases: Vec<(String, Option<ContainerInfo>)> = vec![
            (format!("0::/system.slice/docker-{ID}.scope\n"), info("docker", None)),
            (format!("12:pids:/docker/{ID}\n11:memory:/docker/{ID}\n"), info("docker", None)),
            (
                format!("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice/cri-containerd-{ID}.scope\n", UID.replace('-', "_")),
                info("containerd", Some(UID)),
            ),
            (
                format!("4:memory:/kubepods/besteffort/pod{UID}/{ID}\n0::/\n"),
                info("kubepods", Some(UID)),
            ),
            (
                format!("3:cpu:/kubepods/pod{UID}/{ID}\n"),
                info("kubepods", Some(UID)),
            ),
            (
                format!("0::/kubepods.slice/kubepods-pod{}.slice/crio-{ID}.scope\n", UID.replace('-', "_")),
                info("cri-o", Some(UID)),
            ),
            (format!("0::/machine.slice/libpod-{ID}.scope/container\n"), info("podman", None)),
            (format!("1:name=systemd:/libpod_parent/libpod-{ID}\n"), info("podman", None)),
        ];
        for (file, want) in cases {
            assert_eq!(parse_cgroup(file.as_bytes()), want, "{file}");
        }
    }

    #[test]
    fn deepest_wins_and_non_containers_are_none() {
        let node = "f".repeat(64);
        let file = format!("0::/docker/{node}/kubepods/burstable/pod{UID}/{ID}\n");
        assert_eq!(parse_cgroup(file.as_bytes()), info("kubepods", Some(UID)));
        for file in [
            "0::/\n".to_string(),
            "0::/user.slice/user-1000.slice/session-2.scope\n".into(),
            format!("0::/machine.slice/libpod-conmon-{ID}.scope\n"),
            format!("0::/kubepods.slice/crio-conmon-{ID}.scope\n"),
            format!("0::/system.slice/docker-{}.scope\n", &ID[..63]),
            format!("0::/system.slice/docker-{}.scope\n", ID.to_uppercase()),
            format!("0::/elsewhere/{ID}\n"),
            String::new(),
        ] {
            assert_eq!(parse_cgroup(file.as_bytes()), None, "{file}");
        }
        assert_eq!(info("docker", None).unwrap().short_id(), "0123456789ab");
    }

    #[test]
    fn runtime_names_in_text_and_json() {
        let names: Vec<String> = Runtime::ALL.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            names,
            ["docker", "containerd", "cri-o", "podman", "kubepods"]
        );
        for r in Runtime::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.name());
        }
        let c = info("cri-o", Some(UID)).unwrap();
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!(r#"{{"id":"{ID}","runtime":"cri-o","pod_uid":"{UID}"}}"#)
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_cgroup(&bytes);
        }

        #[test]
        fn cgroup_shaped_input_never_panics(
            elems in proptest::collection::vec("(pod|cri-containerd-|crio-|docker|kubepods)?[0-9a-f_-]{0,70}(\\.scope|\\.slice)?", 0..6)
        ) {
            let file = format!("0::/{}\n", elems.join("/"));
            if let Some(c) = parse_cgroup(file.as_bytes()) {
                prop_assert_eq!(c.id.len(), 64);
                prop_assert_eq!(c.short_id().len(), 12);
            }
        }
    }
}
