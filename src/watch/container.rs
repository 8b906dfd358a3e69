//! What the node's container runtimes say about a container, read from their files on the node
//! (no API socket): name, image, pod, namespace, labels, privileged, mounts, start time, and
//! the overlay upper layer (from the container's mountinfo) that holds what was written since
//! it started.
//!
//! Where each runtime keeps it (under a host root, `/` unless the host is mounted elsewhere):
//! - podman and cri-o (containers/storage): `var/lib/containers/storage/overlay-containers/
//!   containers.json` (names, image name in `metadata`, created) and `<id>/userdata/config.json`
//!   (the OCI spec: annotations, mounts); cri-o's annotations name the pod
//!   (`io.kubernetes.pod.name`, `.namespace`, `.uid`, `io.kubernetes.cri-o.ImageName`).
//! - containerd: the task bundle `run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/
//!   config.json`, whose CRI annotations name the container, image, sandbox and namespace.
//! - docker: `var/lib/docker/containers/<id>/config.v2.json` (Name, Config.Image, Labels,
//!   Created) and `hostconfig.json` (Privileged).
//!
//! Everything is best effort: a field the files do not give is `None` (`<NA>` in an alert).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::proc::cgroup::{ContainerInfo, Runtime};
use crate::proc::mountinfo::{read_mountinfo, root_mount};
use crate::proc::root::ProcRoot;

/// One container as the runtime's files describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerMeta {
    /// The 64-hex id.
    pub id: String,
    pub runtime: Option<Runtime>,
    pub name: Option<String>,
    /// The image as the runtime names it (`localhost/bb:1`, `docker.io/library/nginx:1.25`).
    pub image: Option<String>,
    pub pod_uid: Option<String>,
    pub pod_name: Option<String>,
    pub namespace: Option<String>,
    /// Pod (or container) labels.
    pub labels: BTreeMap<String, String>,
    pub privileged: Option<bool>,
    /// The mounts, as the runtime set them up.
    pub mounts: Vec<ContainerMount>,
    /// When the container was created, ns since the epoch.
    pub start_ns: Option<u64>,
    /// The overlay upper directory of its root (host path): files written since start.
    pub upperdir: Option<PathBuf>,
}

/// One mount of a container (Falco's container.mount.* fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerMount {
    /// Where, inside the container.
    pub dest: String,
    /// What: a host path (or a filesystem's name: `proc`, `tmpfs`).
    pub source: String,
    /// The runtime's mode string (docker's `Mode`: `z`, `ro`...), empty when it has none.
    pub mode: String,
    /// Mounted read-write.
    pub rw: bool,
    /// `rprivate`, `shared`, `slave`... as the runtime or the kernel says.
    pub propagation: String,
}

impl ContainerMount {
    /// Falco's form in container.mounts: `source:dest:mode:rdrw:propagation`.
    pub fn text(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.source, self.dest, self.mode, self.rw, self.propagation
        )
    }
}

/// The OCI options that set a mount's propagation.
const PROPAGATIONS: &[&str] = &[
    "rprivate",
    "private",
    "rshared",
    "shared",
    "rslave",
    "slave",
    "runbindable",
    "unbindable",
];

impl ContainerMeta {
    /// The 12-hex short id.
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    /// The image's repository and tag (`docker.io/library/nginx`, `1.25`); a digest
    /// (`repo@sha256:...`) has no tag.
    pub fn image_parts(&self) -> Option<(&str, Option<&str>)> {
        let image = self.image.as_deref()?;
        if let Some((repo, _digest)) = image.split_once('@') {
            return Some((repo, None));
        }
        let slash = image.rfind('/').map_or(0, |i| i + 1);
        match image[slash..].rfind(':') {
            Some(c) => Some((&image[..slash + c], Some(&image[slash + c + 1..]))),
            None => Some((image, None)),
        }
    }
}

/// Reads container metadata under a host root.
#[derive(Debug, Clone)]
pub struct MetaReader {
    /// Where the host's / is (`/`, or `/host` in a DaemonSet).
    pub host_root: PathBuf,
}

impl Default for MetaReader {
    fn default() -> Self {
        MetaReader {
            host_root: PathBuf::from("/"),
        }
    }
}

fn read_json(path: &Path) -> Option<Json> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn str_at(v: &Json, ptr: &str) -> Option<String> {
    v.pointer(ptr)?.as_str().map(str::to_string)
}

fn rfc3339_ns(s: &str) -> Option<u64> {
    crate::output::time::parse_rfc3339_ns(s)
}

impl MetaReader {
    fn path(&self, rel: &str) -> PathBuf {
        self.host_root.join(rel)
    }

    /// Everything known about the container `info` names; `pid` is one of its processes (for
    /// its mountinfo).
    pub fn read(&self, proc_root: &ProcRoot, info: &ContainerInfo, pid: i32) -> ContainerMeta {
        let mut m = ContainerMeta {
            id: info.id.clone(),
            runtime: Some(info.runtime),
            pod_uid: info.pod_uid.clone(),
            ..ContainerMeta::default()
        };
        self.containers_storage(&mut m);
        self.containerd(&mut m);
        self.docker(&mut m);
        if let Ok(mounts) = read_mountinfo(proc_root, pid) {
            if let Some(root) = root_mount(&mounts).filter(|r| r.fstype == "overlay") {
                m.upperdir = root.super_option("upperdir").map(PathBuf::from);
            }
            if m.mounts.is_empty() {
                m.mounts = mounts
                    .iter()
                    .filter(|mt| mt.mount_point != b"/")
                    .map(|mt| {
                        let src = if mt.root == b"/" {
                            String::from_utf8_lossy(&mt.source).into_owned()
                        } else {
                            String::from_utf8_lossy(&mt.root).into_owned()
                        };
                        ContainerMount {
                            dest: String::from_utf8_lossy(&mt.mount_point).into_owned(),
                            source: src,
                            mode: String::new(),
                            rw: !mt.read_only(),
                            propagation: mt.propagation.to_string(),
                        }
                    })
                    .collect();
            }
        }
        m
    }

    /// An OCI spec (config.json): annotations that name the pod, and the mounts.
    fn oci_spec(m: &mut ContainerMeta, spec: &Json) {
        let ann = |k: &str| {
            spec.get("annotations")
                .and_then(|a| a.get(k))
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        let first = |keys: &[&str]| keys.iter().find_map(|k| ann(k));
        if m.name.is_none() {
            m.name = first(&[
                "io.kubernetes.cri.container-name",
                "io.kubernetes.container.name",
            ]);
        }
        if m.image.is_none() {
            m.image = first(&[
                "io.kubernetes.cri.image-name",
                "io.kubernetes.cri-o.ImageName",
            ]);
        }
        m.pod_name = m
            .pod_name
            .take()
            .or_else(|| first(&["io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"]));
        m.namespace = m.namespace.take().or_else(|| {
            first(&[
                "io.kubernetes.cri.sandbox-namespace",
                "io.kubernetes.pod.namespace",
            ])
        });
        m.pod_uid = m
            .pod_uid
            .take()
            .or_else(|| first(&["io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"]));
        if let Some(p) = ann("io.podman.annotations.privileged") {
            m.privileged = Some(p.eq_ignore_ascii_case("true"));
        }
        if let Some(labels) = ann("io.kubernetes.cri-o.Labels")
            .and_then(|l| serde_json::from_str::<BTreeMap<String, String>>(&l).ok())
        {
            m.labels.extend(labels);
        }
        if let Some(mounts) = spec.get("mounts").and_then(Json::as_array) {
            m.mounts = mounts
                .iter()
                .filter_map(|mt| {
                    let opts: Vec<&str> = mt
                        .get("options")
                        .and_then(Json::as_array)
                        .map(|o| o.iter().filter_map(Json::as_str).collect())
                        .unwrap_or_default();
                    Some(ContainerMount {
                        dest: str_at(mt, "/destination")?,
                        source: str_at(mt, "/source")?,
                        mode: String::new(),
                        rw: !opts.contains(&"ro"),
                        propagation: opts
                            .iter()
                            .rev()
                            .find(|o| PROPAGATIONS.contains(o))
                            .map_or_else(String::new, |o| o.to_string()),
                    })
                })
                .collect();
        }
    }

    /// podman and cri-o.
    fn containers_storage(&self, m: &mut ContainerMeta) {
        let base = self.path("var/lib/containers/storage/overlay-containers");
        if let Some(list) = read_json(&base.join("containers.json")) {
            if let Some(c) = list.as_array().and_then(|a| {
                a.iter()
                    .find(|c| c.get("id").and_then(Json::as_str) == Some(&m.id))
            }) {
                m.name = c
                    .pointer("/names/0")
                    .and_then(Json::as_str)
                    .map(str::to_string);
                if let Some(meta) = c
                    .get("metadata")
                    .and_then(Json::as_str)
                    .and_then(|s| serde_json::from_str::<Json>(s).ok())
                {
                    m.image = str_at(&meta, "/image-name");
                    if m.name.is_none() {
                        m.name = str_at(&meta, "/name");
                    }
                }
                m.start_ns = c.get("created").and_then(Json::as_str).and_then(rfc3339_ns);
            }
        }
        for dir in [
            base.join(&m.id).join("userdata/config.json"),
            self.path("run/containers/storage/overlay-containers")
                .join(&m.id)
                .join("userdata/config.json"),
        ] {
            if let Some(spec) = read_json(&dir) {
                Self::oci_spec(m, &spec);
                break;
            }
        }
    }

    /// containerd's task bundles, in every namespace (k8s.io, moby, default...).
    fn containerd(&self, m: &mut ContainerMeta) {
        let base = self.path("run/containerd/io.containerd.runtime.v2.task");
        let Ok(namespaces) = std::fs::read_dir(&base) else {
            return;
        };
        for ns in namespaces.flatten() {
            if let Some(spec) = read_json(&ns.path().join(&m.id).join("config.json")) {
                Self::oci_spec(m, &spec);
                return;
            }
        }
    }

    fn docker(&self, m: &mut ContainerMeta) {
        let dir = self.path("var/lib/docker/containers").join(&m.id);
        let Some(cfg) = read_json(&dir.join("config.v2.json")) else {
            return;
        };
        m.name = m
            .name
            .take()
            .or_else(|| str_at(&cfg, "/Name").map(|n| n.trim_start_matches('/').to_string()));
        m.image = m.image.take().or_else(|| str_at(&cfg, "/Config/Image"));
        m.start_ns = m
            .start_ns
            .or_else(|| str_at(&cfg, "/Created").as_deref().and_then(rfc3339_ns));
        if let Some(labels) = cfg.pointer("/Config/Labels").and_then(Json::as_object) {
            for (k, v) in labels {
                if let Some(v) = v.as_str() {
                    m.labels.insert(k.clone(), v.to_string());
                }
            }
            let label = |k: &str| labels.get(k).and_then(Json::as_str).map(str::to_string);
            m.pod_name = m
                .pod_name
                .take()
                .or_else(|| label("io.kubernetes.pod.name"));
            m.namespace = m
                .namespace
                .take()
                .or_else(|| label("io.kubernetes.pod.namespace"));
        }
        if let Some(host) = read_json(&dir.join("hostconfig.json")) {
            m.privileged = host.get("Privileged").and_then(Json::as_bool);
        }
        if let Some(mounts) = cfg.get("MountPoints").and_then(Json::as_object) {
            m.mounts = mounts
                .iter()
                .filter_map(|(dest, mt)| {
                    Some(ContainerMount {
                        dest: dest.clone(),
                        source: str_at(mt, "/Source")?,
                        mode: str_at(mt, "/Mode").unwrap_or_default(),
                        rw: mt.get("RW").and_then(Json::as_bool).unwrap_or(true),
                        propagation: str_at(mt, "/Propagation").unwrap_or_default(),
                    })
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "f8b0be71af7fee415bc566598446d95271e434f972c109c04debc7d3e11b50d1";

    fn info(runtime: Runtime) -> ContainerInfo {
        ContainerInfo {
            id: ID.into(),
            runtime,
            pod_uid: None,
        }
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A pid that has no mountinfo, so only the runtime's files count.
    const NO_PID: i32 = i32::MAX;

    #[test]
    fn podman_storage() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "var/lib/containers/storage/overlay-containers/containers.json",
            &format!(
                r#"[{{"id":"{ID}","names":["meta1"],"metadata":"{{\"image-name\":\"localhost/ksec-test-bb:1\",\"name\":\"meta1\"}}","created":"2026-12-02T17:05:26.162004627Z"}}]"#
            ),
        );
        write(
            dir.path(),
            &format!("var/lib/containers/storage/overlay-containers/{ID}/userdata/config.json"),
            r#"{"annotations":{"io.podman.annotations.privileged":"FALSE"},
                "mounts":[{"destination":"/etc/hosts","type":"bind","source":"/run/x/hosts"},
                    {"destination":"/data","type":"bind","source":"/srv/d","options":["rbind","ro","rshared"]}]}"#,
        );
        let r = MetaReader {
            host_root: dir.path().into(),
        };
        let m = r.read(&ProcRoot::new("/proc"), &info(Runtime::Podman), NO_PID);
        assert_eq!(m.name.as_deref(), Some("meta1"));
        assert_eq!(m.image.as_deref(), Some("localhost/ksec-test-bb:1"));
        assert_eq!(m.image_parts(), Some(("localhost/ksec-test-bb", Some("1"))));
        assert_eq!(m.privileged, Some(false));
        let mounts: Vec<String> = m.mounts.iter().map(ContainerMount::text).collect();
        assert_eq!(
            mounts,
            [
                "/run/x/hosts:/etc/hosts::true:",
                "/srv/d:/data::false:rshared"
            ]
        );
        assert_eq!(m.start_ns, Some(1_796_231_126_162_004_627));
        assert_eq!(m.short_id(), "f8b0be71af7f");
    }

    #[test]
    fn containerd_bundle() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &format!("run/containerd/io.containerd.runtime.v2.task/k8s.io/{ID}/config.json"),
            r#"{"annotations":{
                "io.kubernetes.cri.container-name":"etcd",
                "io.kubernetes.cri.image-name":"registry.k8s.io/etcd:3.5.9-0",
                "io.kubernetes.cri.sandbox-name":"etcd-node1",
                "io.kubernetes.cri.sandbox-namespace":"kube-system",
                "io.kubernetes.cri.sandbox-uid":"6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}}"#,
        );
        let r = MetaReader {
            host_root: dir.path().into(),
        };
        let m = r.read(&ProcRoot::new("/proc"), &info(Runtime::Containerd), NO_PID);
        assert_eq!(m.name.as_deref(), Some("etcd"));
        assert_eq!(
            m.image_parts(),
            Some(("registry.k8s.io/etcd", Some("3.5.9-0")))
        );
        assert_eq!(m.pod_name.as_deref(), Some("etcd-node1"));
        assert_eq!(m.namespace.as_deref(), Some("kube-system"));
        assert_eq!(
            m.pod_uid.as_deref(),
            Some("6f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
        );
    }

    #[test]
    fn docker_config() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &format!("var/lib/docker/containers/{ID}/config.v2.json"),
            r#"{"Name":"/web","Created":"2024-01-02T03:04:05Z",
                "Config":{"Image":"nginx@sha256:abcd","Labels":{"io.kubernetes.pod.name":"web-1","app":"web"}},
                "MountPoints":{"/var/run/docker.sock":{"Source":"/var/run/docker.sock","RW":false,"Mode":"ro","Propagation":"rprivate"}}}"#,
        );
        write(
            dir.path(),
            &format!("var/lib/docker/containers/{ID}/hostconfig.json"),
            r#"{"Privileged":true}"#,
        );
        let r = MetaReader {
            host_root: dir.path().into(),
        };
        let m = r.read(&ProcRoot::new("/proc"), &info(Runtime::Docker), NO_PID);
        assert_eq!(m.name.as_deref(), Some("web"));
        assert_eq!(m.image_parts(), Some(("nginx", None)));
        assert_eq!(m.pod_name.as_deref(), Some("web-1"));
        assert_eq!(m.labels.get("app").map(String::as_str), Some("web"));
        assert_eq!(m.privileged, Some(true));
        assert_eq!(m.start_ns, Some(1_704_164_645_000_000_000));
        let mounts: Vec<String> = m.mounts.iter().map(ContainerMount::text).collect();
        assert_eq!(
            mounts,
            ["/var/run/docker.sock:/var/run/docker.sock:ro:false:rprivate"]
        );
    }

    #[test]
    fn nothing_known() {
        let dir = tempfile::tempdir().unwrap();
        let r = MetaReader {
            host_root: dir.path().into(),
        };
        let m = r.read(&ProcRoot::new("/proc"), &info(Runtime::CriO), NO_PID);
        assert_eq!((m.name, m.image, m.upperdir), (None, None, None));
        assert_eq!(
            ContainerMeta {
                image: Some("busybox".into()),
                ..ContainerMeta::default()
            }
            .image_parts(),
            Some(("busybox", None))
        );
        assert_eq!(
            ContainerMeta {
                image: Some("localhost:5000/bb".into()),
                ..ContainerMeta::default()
            }
            .image_parts(),
            Some(("localhost:5000/bb", None))
        );
    }
}
