//! `ksec immutable`'s checks, as data: is a running container immutable? This module owns the
//! checks (root file system read-only, the writable mounts by kind, drift in the overlay upper
//! layer, user and user namespace, no_new_privs, seccomp, capabilities against the runtime's
//! default set, privileged, shells and tools in the image) and returns a [`Report`]; the command
//! layer (`cmd/immutable.rs`) renders it. Every check carries its evidence and the pod-spec
//! change that fixes it.

pub mod drift;

use serde::Serialize;

use crate::proc::cgroup::container_of;
use crate::proc::error::ProcError;
use crate::proc::mountinfo::{read_mountinfo, root_mount, Mount};
use crate::proc::root::ProcRoot;
use crate::proc::rootfs::{FileKind, ProcessRoot};
use crate::proc::status::{parse_status, Status};
use crate::trace::decode::process::CAPS;
use crate::watch::container::MetaReader;

pub use drift::{walk_upper, Drift, DriftEntry, DriftLimits};

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    /// `PASS`, `WARN` or `FAIL`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One check: what was looked at, the verdict, why, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A short stable name (`read-only-root`, `drift`, `non-root`, ...).
    pub name: &'static str,
    pub verdict: Verdict,
    /// What was seen (mountinfo options, uids, capability names, paths).
    pub evidence: String,
    /// The pod-spec change that makes it pass; empty when it passes.
    pub fix: String,
}

fn check(name: &'static str, verdict: Verdict, evidence: String, fix: &str) -> Check {
    let fix = if verdict == Verdict::Pass {
        String::new()
    } else {
        fix.to_string()
    };
    Check {
        name,
        verdict,
        evidence,
        fix,
    }
}

/// What a writable mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MountKind {
    /// /etc/hosts, /etc/hostname, /etc/resolv.conf, /run/.containerenv, /dev/termination-log:
    /// written by the runtime or kubelet, expected.
    Runtime,
    /// A Kubernetes emptyDir volume.
    EmptyDir,
    /// Another Kubernetes volume (secret, configMap, projected, PVC).
    Volume,
    /// A tmpfs (podman --tmpfs, /dev, /dev/shm).
    Tmpfs,
    /// proc, sysfs, devpts, mqueue, cgroup: kernel file systems, and what the runtime mounts
    /// under /proc and /sys (masked paths such as /proc/keys, /sys/fs/cgroup).
    Kernel,
    /// A bind mount of a host path.
    HostPath,
}

/// One mount that is writable (no per-mount `ro`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WritableMount {
    pub mount_point: String,
    pub kind: MountKind,
    pub fstype: String,
    /// The source path (the mount's root within its file system, or the device).
    pub source: String,
    /// Expected: runtime files, kernel file systems and /dev.
    pub expected: bool,
}

const RUNTIME_FILES: [&str; 5] = [
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/run/.containerenv",
    "/dev/termination-log",
];

/// Classifies a mount.
pub fn mount_kind(m: &Mount) -> MountKind {
    let point = String::from_utf8_lossy(&m.mount_point);
    let root = String::from_utf8_lossy(&m.root);
    if RUNTIME_FILES.contains(&point.as_ref()) {
        MountKind::Runtime
    } else if root.contains("kubernetes.io~empty-dir") {
        MountKind::EmptyDir
    } else if root.contains("/volumes/kubernetes.io~") {
        MountKind::Volume
    } else if point.starts_with("/proc/")
        || point.starts_with("/sys/")
        || matches!(
            m.fstype.as_str(),
            "proc" | "sysfs" | "devpts" | "mqueue" | "cgroup" | "cgroup2"
        )
    {
        MountKind::Kernel
    } else if m.fstype == "tmpfs" && m.root == b"/" {
        MountKind::Tmpfs
    } else {
        MountKind::HostPath
    }
}

/// The mounts other than `/` without a per-mount `ro`, classified.
pub fn writable_mounts(mounts: &[Mount]) -> Vec<WritableMount> {
    mounts
        .iter()
        .filter(|m| m.mount_point != b"/" && !m.read_only())
        .map(|m| {
            let kind = mount_kind(m);
            let point = String::from_utf8_lossy(&m.mount_point).into_owned();
            let expected = matches!(kind, MountKind::Runtime | MountKind::Kernel)
                || point == "/dev"
                || point == "/dev/shm";
            let source = if m.root == b"/" {
                String::from_utf8_lossy(&m.source).into_owned()
            } else {
                String::from_utf8_lossy(&m.root).into_owned()
            };
            WritableMount {
                mount_point: point,
                kind,
                fstype: m.fstype.clone(),
                source,
                expected,
            }
        })
        .collect()
}

/// The root file system check: the per-mount `ro` of `/` (the overlay's own options say `rw`
/// even when the mount is read-only).
pub fn check_root(mounts: &[Mount]) -> Check {
    const FIX: &str = "securityContext.readOnlyRootFilesystem: true, with an emptyDir volume \
                       mounted at each path the app writes";
    match root_mount(mounts) {
        None => check(
            "read-only-root",
            Verdict::Fail,
            "no mount of / in mountinfo".into(),
            FIX,
        ),
        Some(m) => {
            let v = if m.read_only() {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
            check(
                "read-only-root",
                v,
                format!(
                    "/ is {} mounted {} (file system options {})",
                    m.fstype,
                    m.mount_options.join(","),
                    m.super_options
                        .iter()
                        .find(|o| *o == "ro" || *o == "rw")
                        .map_or("?", String::as_str)
                ),
                FIX,
            )
        }
    }
}

/// The writable-mounts check: WARN when a mount other than the expected ones is writable.
pub fn check_mounts(writable: &[WritableMount]) -> Check {
    let unexpected: Vec<String> = writable
        .iter()
        .filter(|w| !w.expected)
        .map(|w| format!("{} ({:?})", w.mount_point, w.kind).to_lowercase())
        .collect();
    let v = if unexpected.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Warn
    };
    let evidence = if unexpected.is_empty() {
        "only runtime, kernel and /dev mounts are writable".into()
    } else {
        format!("writable: {}", unexpected.join(", "))
    };
    check(
        "writable-mounts",
        v,
        evidence,
        "mount volumes readOnly: true unless the app writes there (an emptyDir for scratch \
         space); avoid hostPath",
    )
}

/// One line of /proc/PID/uid_map: `inside outside count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdMapping {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// Parses /proc/PID/uid_map (or gid_map); bad lines are skipped.
pub fn parse_id_map(text: &str) -> Vec<IdMapping> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_ascii_whitespace().map(|x| x.parse::<u32>().ok());
            Some(IdMapping {
                inside: f.next()??,
                outside: f.next()??,
                count: f.next()??,
            })
        })
        .collect()
}

/// Whether a map is the initial namespace's identity map (`0 0 4294967295`).
pub fn is_identity(map: &[IdMapping]) -> bool {
    map.iter()
        .any(|m| m.inside == 0 && m.outside == 0 && m.count == u32::MAX)
}

/// The host id of `id` under `map` (None when unmapped).
pub fn host_id(map: &[IdMapping], id: u32) -> Option<u32> {
    map.iter()
        .find(|m| id >= m.inside && id - m.inside < m.count)
        .map(|m| m.outside + (id - m.inside))
}

/// The non-root check: the effective uid, gid and groups inside, and their host ids when a user
/// namespace maps them. FAIL for uid 0 (or gid 0) in the initial user namespace, WARN for uid 0
/// mapped to a non-root host uid.
pub fn check_user(st: &Status, uid_map: &[IdMapping]) -> Check {
    const FIX: &str = "securityContext.runAsNonRoot: true and runAsUser/runAsGroup: a non-zero id \
                       (and a USER in the image)";
    let (Some(uids), Some(gids)) = (st.uids, st.gids) else {
        return check(
            "non-root",
            Verdict::Fail,
            "no Uid/Gid in status".into(),
            FIX,
        );
    };
    let (uid, gid) = (uids[1], gids[1]);
    let groups = st.groups.clone().unwrap_or_default();
    let mut evidence = format!(
        "uid {uid} gid {gid} groups {}",
        if groups.is_empty() {
            "-".to_string()
        } else {
            groups
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
    );
    let userns = !uid_map.is_empty() && !is_identity(uid_map);
    let host = if userns {
        host_id(uid_map, uid)
    } else {
        Some(uid)
    };
    if userns {
        evidence.push_str(&match host {
            Some(h) => format!("; user namespace: uid {uid} is host uid {h}"),
            None => format!("; user namespace: uid {uid} is unmapped on the host"),
        });
    }
    let v = if uid != 0 && gid != 0 {
        Verdict::Pass
    } else if uid != 0 || host.is_some_and(|h| h != 0) {
        Verdict::Warn
    } else {
        Verdict::Fail
    };
    check("non-root", v, evidence, FIX)
}

/// The no_new_privs check.
pub fn check_no_new_privs(st: &Status) -> Check {
    let (v, evidence) = match st.no_new_privs {
        Some(true) => (Verdict::Pass, "NoNewPrivs: 1".to_string()),
        Some(false) => (Verdict::Fail, "NoNewPrivs: 0".to_string()),
        None => (Verdict::Fail, "no NoNewPrivs in status".to_string()),
    };
    check(
        "no-new-privs",
        v,
        evidence,
        "securityContext.allowPrivilegeEscalation: false",
    )
}

/// The seccomp check: filter mode passes, disabled fails.
pub fn check_seccomp(st: &Status) -> Check {
    let (v, evidence) = match st.seccomp {
        Some(2) => (Verdict::Pass, "Seccomp: 2 (filter)".to_string()),
        Some(1) => (Verdict::Pass, "Seccomp: 1 (strict)".to_string()),
        Some(n) => (
            Verdict::Fail,
            format!("Seccomp: {n} (disabled: unconfined)"),
        ),
        None => (Verdict::Fail, "no Seccomp in status".to_string()),
    };
    check(
        "seccomp",
        v,
        evidence,
        "securityContext.seccompProfile.type: RuntimeDefault",
    )
}

/// Capability bits of podman's and cri-o's default set (CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
/// KILL, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).
pub const PODMAN_DEFAULT_CAPS: u64 = (1 << 0)
    | (1 << 1)
    | (1 << 3)
    | (1 << 4)
    | (1 << 5)
    | (1 << 6)
    | (1 << 7)
    | (1 << 8)
    | (1 << 10)
    | (1 << 18)
    | (1 << 31);

/// Docker's and containerd's default set: podman's plus NET_RAW, MKNOD and AUDIT_WRITE.
pub const DOCKER_DEFAULT_CAPS: u64 = PODMAN_DEFAULT_CAPS | (1 << 13) | (1 << 27) | (1 << 29);

/// Names of the capabilities in a mask (`CAP_` dropped), unknown bits as `cap_N`.
pub fn cap_names(mask: u64) -> Vec<String> {
    (0..64)
        .filter(|b| mask & (1u64 << b) != 0)
        .map(|b| {
            CAPS.get(b as usize).map_or_else(
                || format!("cap_{b}"),
                |n| n.trim_start_matches("CAP_").to_string(),
            )
        })
        .collect()
}

/// The capabilities check: none PASS, within the runtime's default set WARN, more FAIL (naming
/// the ones beyond the default).
pub fn check_caps(st: &Status) -> Check {
    const FIX: &str = "securityContext.capabilities.drop: [ALL] (add back only what the app \
                       needs, e.g. NET_BIND_SERVICE)";
    let Some(eff) = st.cap_eff else {
        return check(
            "capabilities",
            Verdict::Fail,
            "no CapEff in status".into(),
            FIX,
        );
    };
    let names = cap_names(eff).join(",");
    let extra = eff & !DOCKER_DEFAULT_CAPS;
    let (v, evidence) = if eff == 0 {
        (Verdict::Pass, "CapEff 0: none".to_string())
    } else if extra == 0 {
        (
            Verdict::Warn,
            format!("CapEff {eff:016x}: the runtime's default set or less: {names}"),
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "CapEff {eff:016x}: beyond the runtime's default set: {}",
                cap_names(extra).join(",")
            ),
        )
    };
    check("capabilities", v, evidence, FIX)
}

/// The privileged check: the runtime's word when its metadata says, else every capability
/// effective.
pub fn check_privileged(st: &Status, meta_privileged: Option<bool>) -> Check {
    let all = st
        .cap_eff
        .is_some_and(|e| e & 0xff_ffff_ffff == 0xff_ffff_ffff);
    let (v, evidence) = match meta_privileged {
        Some(true) => (
            Verdict::Fail,
            "the runtime's metadata says privileged".into(),
        ),
        Some(false) => (
            Verdict::Pass,
            "the runtime's metadata says not privileged".into(),
        ),
        None if all => (
            Verdict::Fail,
            "every capability is effective (privileged, or all added)".into(),
        ),
        None => (
            Verdict::Pass,
            "not every capability is effective (no runtime metadata found)".to_string(),
        ),
    };
    check(
        "privileged",
        v,
        evidence,
        "securityContext.privileged: false",
    )
}

/// The PATH directories looked in for tools.
pub const PATH_DIRS: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Shells.
pub const SHELLS: [&str; 7] = ["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"];
/// Package managers.
pub const PACKAGE_MANAGERS: [&str; 8] = [
    "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "rpm", "microdnf",
];
/// Tools that modify files or fetch payloads.
pub const TOOLS: [&str; 10] = [
    "touch", "curl", "wget", "nc", "ncat", "socat", "vi", "cp", "chmod", "python3",
];

/// A tool found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// The path inside the container's root (`/bin/sh`).
    pub path: String,
    /// `shell`, `package-manager` or `tool`.
    pub class: &'static str,
    /// The symlink target when it is one (`busybox`).
    pub link: Option<String>,
}

/// Looks the shells, package managers and tools up in the PATH directories inside `root`
/// (openat2 RESOLVE_IN_ROOT: symlinks resolve inside the container, never on the host).
pub fn find_tools(root: &ProcessRoot) -> Vec<Tool> {
    let mut out = Vec::new();
    let classes: [(&'static str, &[&str]); 3] = [
        ("shell", &SHELLS),
        ("package-manager", &PACKAGE_MANAGERS),
        ("tool", &TOOLS),
    ];
    for (class, names) in classes {
        for name in names {
            for dir in PATH_DIRS {
                let path = format!("{dir}/{name}");
                let Ok(e) = root.stat(&path) else { continue };
                if e.kind == FileKind::Dir {
                    continue;
                }
                out.push(Tool {
                    path,
                    class,
                    link: e
                        .link
                        .map(|l| String::from_utf8_lossy(l.as_slice()).into_owned()),
                });
            }
        }
    }
    out
}

/// The tools check: WARN when a shell, package manager or tool is in the image.
pub fn check_tools(tools: &[Tool]) -> Check {
    let v = if tools.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Warn
    };
    let evidence = if tools.is_empty() {
        format!(
            "none of the shells, package managers and tools in {}",
            PATH_DIRS.join(":")
        )
    } else {
        tools
            .iter()
            .map(|t| t.path.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    check(
        "shells-and-tools",
        v,
        evidence,
        "use a distroless or scratch image; remove shells, package managers and touch/curl/\
         wget/nc from the image",
    )
}

/// The drift check: FAIL when executables were added or changed, WARN for other files, PASS
/// when the upper layer holds nothing unexpected.
pub fn check_drift(drift: Option<&Drift>, why_none: &str) -> Check {
    const FIX: &str = "securityContext.readOnlyRootFilesystem: true (drift is then impossible \
                       outside volumes); rebuild the image instead of changing a running container";
    let Some(d) = drift else {
        return check("drift", Verdict::Warn, why_none.to_string(), FIX);
    };
    let changed: Vec<&DriftEntry> = d.entries.iter().filter(|e| !e.expected).collect();
    let exec = changed.iter().filter(|e| e.executable).count();
    let v = if exec > 0 {
        Verdict::Fail
    } else if !changed.is_empty() || d.limit_hit.is_some() {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    let mut evidence = if changed.is_empty() {
        format!("nothing written in {}", d.upperdir)
    } else {
        let names: Vec<&str> = changed.iter().take(8).map(|e| e.path.as_str()).collect();
        format!(
            "{} changed ({exec} executable): {}{}",
            changed.len(),
            names.join(" "),
            if changed.len() > 8 { " ..." } else { "" }
        )
    };
    if let Some(l) = &d.limit_hit {
        evidence.push_str(&format!("; walk stopped: {l}"));
    }
    check("drift", v, evidence, FIX)
}

/// Everything `ksec immutable` reports on one container.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The container's main process (host pid).
    pub pid: i32,
    pub container_id: Option<String>,
    pub container_name: Option<String>,
    pub image: Option<String>,
    pub checks: Vec<Check>,
    pub writable_mounts: Vec<WritableMount>,
    /// The upper layer's entries, executables first; null when no overlay upper was found.
    pub drift: Option<Drift>,
    pub tools: Vec<Tool>,
}

impl Report {
    /// The worst verdict.
    pub fn worst(&self) -> Verdict {
        self.checks
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Pass)
    }
}

/// Checks the container of process `pid`. `host_root` is where the host's / is (for the
/// runtime's metadata and the overlay upper directory).
///
/// # Errors
/// The process's status or mountinfo cannot be read (no such process, permission denied);
/// the error names the pid and the file.
pub fn inspect(
    proc_root: &ProcRoot,
    host_root: &std::path::Path,
    pid: i32,
    limits: DriftLimits,
) -> anyhow::Result<Report> {
    let status_path = proc_root.pid_path(pid, "status");
    let st = std::fs::read(&status_path)
        .map(|b| parse_status(&b))
        .map_err(|e| ProcError::from_io(proc_root, pid, &status_path, e))?;
    let mounts = read_mountinfo(proc_root, pid)?;
    let uid_map = std::fs::read_to_string(proc_root.pid_path(pid, "uid_map"))
        .map(|t| parse_id_map(&t))
        .unwrap_or_default();
    let info = container_of(proc_root, pid);
    let meta = info.as_ref().map(|i| {
        MetaReader {
            host_root: host_root.to_path_buf(),
        }
        .read(proc_root, i, pid)
    });
    let upper = root_mount(&mounts)
        .filter(|r| r.fstype == "overlay")
        .and_then(|r| r.super_option("upperdir"))
        .map(str::to_string);
    let (drift, why_none) = match &upper {
        Some(u) => {
            let host = host_root.join(u.trim_start_matches('/'));
            match walk_upper(&host, u, &mounts, limits) {
                Ok(d) => (Some(d), String::new()),
                Err(e) => (None, format!("{e:#}")),
            }
        }
        None => (
            None,
            "the root is not an overlay with an upper directory: drift not checked".into(),
        ),
    };
    let tools = ProcessRoot::open(proc_root, pid)
        .map(|r| find_tools(&r))
        .unwrap_or_default();
    let writable = writable_mounts(&mounts);
    let checks = vec![
        check_root(&mounts),
        check_mounts(&writable),
        check_drift(drift.as_ref(), &why_none),
        check_user(&st, &uid_map),
        check_no_new_privs(&st),
        check_seccomp(&st),
        check_caps(&st),
        check_privileged(&st, meta.as_ref().and_then(|m| m.privileged)),
        check_tools(&tools),
    ];
    Ok(Report {
        pid,
        container_id: info.map(|i| i.id),
        container_name: meta.as_ref().and_then(|m| m.name.clone()),
        image: meta.and_then(|m| m.image),
        checks,
        writable_mounts: writable,
        drift,
        tools,
    })
}

#[cfg(test)]
mod tests;
