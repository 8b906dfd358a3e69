//! `ksec doctor`: what this node allows ksec to do, and why. [`probe::collect`] looks at the
//! node (identity and capabilities, Yama, the kernel, BTF, the eBPF programs loaded for real,
//! cgroups, openat2, fanotify, the proc connector, seccomp, tracefs, container runtimes,
//! kubelet, access to another user's /proc files) into [`Probes`]; [`report`] turns them into the rows
//! the command prints: [`Check`]s (one fact each) and [`Feature`]s (whether a subcommand or
//! backend will work here, and why not). The verdicts are pure functions of the probes, tested
//! with synthetic ones.

pub mod parse;
pub mod probe;

use serde::Serialize;

use parse::{has_cap, CgroupMode, Seccomp};

/// The result of one probe: `Ok` with what was found, `Err` with why not (the kernel's error,
/// naming the path or program).
pub type Outcome = Result<String, String>;

/// What the probes found.
#[derive(Debug, Clone)]
pub struct Probes {
    /// ksec's effective uid.
    pub euid: u32,
    /// ksec's effective capability set (CapEff of /proc/self/status); `None` when unreadable.
    pub cap_eff: Option<u64>,
    /// /proc/sys/kernel/yama/ptrace_scope; `None` without Yama.
    pub ptrace_scope: Option<u8>,
    /// PTRACE_SEIZE of a child ksec started (what `ksec trace -- CMD` does).
    pub ptrace_child: Outcome,
    /// The kernel release (/proc/sys/kernel/osrelease).
    pub kernel: Outcome,
    /// /sys/kernel/btf/vmlinux exists.
    pub btf: bool,
    /// /proc/sys/kernel/unprivileged_bpf_disabled.
    pub unprivileged_bpf_disabled: Option<u8>,
    /// Loading and attaching bpf/trace.bpf.o (the trace backend's own loader).
    pub trace_bpf: Outcome,
    /// Loading and attaching bpf/watch.bpf.o (the watch source's own loader).
    pub watch_bpf: Outcome,
    /// The cgroup layout of ksec's mount namespace, and the mounts that say so.
    pub cgroup: (CgroupMode, String),
    /// Where tracefs is mounted, if it is.
    pub tracefs: Option<String>,
    /// openat2(2) with RESOLVE_IN_ROOT (`ksec root`).
    pub openat2: Outcome,
    /// fanotify_init with the fallback source's flags.
    pub fanotify: Outcome,
    /// The proc connector: socket, subscription and the kernel's answer.
    pub proc_connector: Outcome,
    /// The whole fallback source started (connector, fanotify, the mounts marked).
    pub fallback: Outcome,
    /// ksec's own seccomp state.
    pub seccomp: Option<Seccomp>,
    /// The /proc ksec reads (`--proc-root`, `$HOST_PROC` or /proc).
    pub proc_root: String,
    /// Reading another user's process's environ, listing its fds, reading its memory, opening
    /// its root: what the /proc subcommands do.
    pub other: Other,
    /// The container runtimes found.
    pub runtimes: Vec<Runtime>,
    /// Where host paths were looked up (`/`, or the host's root through pid 1).
    pub host_root: String,
    /// The kubelet's directories found.
    pub kubelet: Vec<String>,
}

/// Access to another user's process's /proc files.
#[derive(Debug, Clone)]
pub struct Other {
    /// Which process was read (`pid 1`, or the child ksec started as nobody).
    pub how: String,
    /// Its uid (from its status), when readable.
    pub uid: Option<u32>,
    pub environ: Outcome,
    pub fds: Outcome,
    pub mem: Outcome,
    pub root: Outcome,
}

/// A container runtime and what of it was found.
#[derive(Debug, Clone, Serialize)]
pub struct Runtime {
    pub name: &'static str,
    pub sockets: Vec<String>,
    pub state_dirs: Vec<String>,
    pub binaries: Vec<String>,
}

impl Runtime {
    /// Anything of the runtime was found.
    pub fn found(&self) -> bool {
        !(self.sockets.is_empty() && self.state_dirs.is_empty() && self.binaries.is_empty())
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Present, allowed, working.
    Ok,
    /// Absent, refused or failing.
    No,
    /// A fact, neither good nor bad.
    Info,
}

impl State {
    /// The word the table shows.
    pub fn word(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::No => "no",
            State::Info => "-",
        }
    }
}

/// One fact about the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub state: State,
    pub value: String,
    pub detail: String,
}

/// Whether a subcommand or backend will work here, and the reason if not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// The subcommand and backend (`trace --backend ebpf`).
    pub feature: &'static str,
    pub works: bool,
    /// Why not, or what it is limited to; on success, what was tried.
    pub reason: String,
}

/// Everything `ksec doctor` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    pub features: Vec<Feature>,
    pub runtimes: Vec<Runtime>,
}

fn check(name: &str, state: State, value: impl Into<String>, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        state,
        value: value.into(),
        detail: detail.into(),
    }
}

fn outcome_check(name: &str, o: &Outcome, detail: &str) -> Check {
    match o {
        Ok(v) => check(name, State::Ok, v.clone(), detail),
        Err(e) => check(name, State::No, e.clone(), detail),
    }
}

/// What each capability is for in ksec.
const CAP_USES: [(&str, &str); 6] = [
    (
        "CAP_DAC_READ_SEARCH",
        "read files other users' fds point to (grep-secret, root cat)",
    ),
    (
        "CAP_NET_ADMIN",
        "the proc connector (watch --source fallback)",
    ),
    (
        "CAP_SYS_PTRACE",
        "trace -p, and other users' environ, fds, memory and root",
    ),
    (
        "CAP_SYS_ADMIN",
        "fanotify (watch --source fallback); BPF on kernels before 5.8",
    ),
    ("CAP_PERFMON", "with CAP_BPF: the eBPF backends (5.8+)"),
    ("CAP_BPF", "with CAP_PERFMON: the eBPF backends (5.8+)"),
];

/// The rows of the report.
pub fn report(p: &Probes) -> Report {
    Report {
        checks: checks(p),
        features: features(p),
        runtimes: p.runtimes.clone(),
    }
}

/// One [`Check`] per fact, in a fixed order.
pub fn checks(p: &Probes) -> Vec<Check> {
    let mut out = Vec::new();
    let who = if p.euid == 0 {
        format!("{} (root)", p.euid)
    } else {
        p.euid.to_string()
    };
    out.push(check("euid", State::Info, who, "ksec's effective uid"));
    for (name, use_) in CAP_USES {
        let (state, value) = match p.cap_eff {
            Some(set) if has_cap(set, name) => (State::Ok, "effective"),
            Some(_) => (State::No, "not effective"),
            None => (State::No, "unknown (/proc/self/status unreadable)"),
        };
        out.push(check(name, state, value, use_));
    }
    let scope_value = p
        .ptrace_scope
        .map_or("absent".to_string(), |s| s.to_string());
    let scope_state = if p.ptrace_scope == Some(3) {
        State::No
    } else {
        State::Info
    };
    out.push(check(
        "ptrace_scope",
        scope_state,
        scope_value,
        parse::ptrace_scope_meaning(p.ptrace_scope),
    ));
    out.push(outcome_check(
        "ptrace a child",
        &p.ptrace_child,
        "PTRACE_SEIZE of a process ksec started",
    ));
    out.push(match &p.kernel {
        Ok(r) => check(
            "kernel",
            State::Info,
            r.clone(),
            "/proc/sys/kernel/osrelease",
        ),
        Err(e) => check("kernel", State::No, e.clone(), "/proc/sys/kernel/osrelease"),
    });
    out.push(if p.btf {
        check(
            "btf",
            State::Ok,
            "/sys/kernel/btf/vmlinux",
            "the eBPF programs read task fields through BTF",
        )
    } else {
        check(
            "btf",
            State::No,
            "no /sys/kernel/btf/vmlinux",
            "the eBPF backends need a kernel built with CONFIG_DEBUG_INFO_BTF",
        )
    });
    out.push(check(
        "unprivileged_bpf_disabled",
        State::Info,
        p.unprivileged_bpf_disabled
            .map_or("absent".to_string(), |v| v.to_string()),
        "ksec never loads BPF unprivileged: it needs CAP_BPF+CAP_PERFMON or root anyway",
    ));
    out.push(outcome_check(
        "bpf load",
        &p.trace_bpf,
        "bpf/trace.bpf.o loaded and attached, then unloaded",
    ));
    out.push(check(
        "cgroup",
        State::Info,
        p.cgroup.0.name(),
        p.cgroup.1.clone(),
    ));
    out.push(match &p.tracefs {
        Some(m) => check(
            "tracefs",
            State::Info,
            m.clone(),
            "mounted (ksec needs none)",
        ),
        None => check(
            "tracefs",
            State::Info,
            "not mounted",
            "ksec needs none: its eBPF programs use raw tracepoints",
        ),
    });
    out.push(outcome_check(
        "openat2",
        &p.openat2,
        "RESOLVE_IN_ROOT, for ksec root (kernel 5.6+)",
    ));
    out.push(outcome_check(
        "fanotify",
        &p.fanotify,
        "fanotify_init(FAN_CLASS_NOTIF), for watch --source fallback",
    ));
    out.push(outcome_check(
        "proc connector",
        &p.proc_connector,
        "NETLINK_CONNECTOR subscription, for watch --source fallback",
    ));
    out.push(match &p.seccomp {
        Some(s) => check(
            "seccomp",
            State::Info,
            s.describe(),
            "ksec's own filter (a container runtime's may refuse bpf, ptrace, fanotify)",
        ),
        None => check(
            "seccomp",
            State::Info,
            "unknown",
            "no Seccomp line in /proc/self/status",
        ),
    });
    out.push(check(
        "proc root",
        State::Info,
        p.proc_root.clone(),
        "--proc-root, else $HOST_PROC, else /proc",
    ));
    let other_detail = |what: &str| match p.other.uid {
        Some(uid) => format!("{what} ({}, uid {uid})", p.other.how),
        None => format!("{what} ({})", p.other.how),
    };
    out.push(outcome_check(
        "other's environ",
        &p.other.environ,
        &other_detail("another process's environment: environ, grep-secret"),
    ));
    out.push(outcome_check(
        "other's fds",
        &p.other.fds,
        &other_detail("another process's open files: fds, grep-secret"),
    ));
    out.push(outcome_check(
        "other's memory",
        &p.other.mem,
        &other_detail("another process's memory: grep-secret --memory"),
    ));
    out.push(outcome_check(
        "other's root",
        &p.other.root,
        &other_detail("another process's file system: root"),
    ));
    for r in &p.runtimes {
        let name = format!("runtime {}", r.name);
        if r.found() {
            let mut parts = Vec::new();
            if !r.sockets.is_empty() {
                parts.push(format!("socket {}", r.sockets.join(", ")));
            }
            if !r.state_dirs.is_empty() {
                parts.push(format!("state {}", r.state_dirs.join(", ")));
            }
            if !r.binaries.is_empty() {
                parts.push(format!("binary {}", r.binaries.join(", ")));
            }
            out.push(check(
                &name,
                State::Ok,
                parts.join("; "),
                format!("looked up under {}", p.host_root),
            ));
        } else {
            out.push(check(
                &name,
                State::No,
                "not found",
                format!("looked up under {}", p.host_root),
            ));
        }
    }
    out.push(if p.kubelet.is_empty() {
        check(
            "kubelet",
            State::No,
            "not found",
            format!("no kubelet directory under {}", p.host_root),
        )
    } else {
        check(
            "kubelet",
            State::Ok,
            p.kubelet.join(", "),
            format!("looked up under {}", p.host_root),
        )
    });
    out
}

fn cap(p: &Probes, name: &str) -> bool {
    p.cap_eff.is_some_and(|set| has_cap(set, name))
}

fn verdict(feature: &'static str, o: &Outcome) -> Feature {
    match o {
        Ok(v) => Feature {
            feature,
            works: true,
            reason: v.clone(),
        },
        Err(e) => Feature {
            feature,
            works: false,
            reason: e.clone(),
        },
    }
}

/// The reason a /proc read of another user's process failed, with the capability that would allow it.
fn other_users(what: &Outcome, p: &Probes) -> Outcome {
    match what {
        Ok(_) => Ok("every process".to_string()),
        Err(e) if !cap(p, "CAP_SYS_PTRACE") => Err(format!(
            "only processes of uid {}: {e} (other users' need CAP_SYS_PTRACE)",
            p.euid
        )),
        Err(e) => Err(e.clone()),
    }
}

/// One [`Feature`] per subcommand and backend, in a fixed order.
pub fn features(p: &Probes) -> Vec<Feature> {
    let mut out = Vec::new();
    out.push(verdict("trace (ptrace)", &p.ptrace_child));
    let attach = match (&p.ptrace_child, p.ptrace_scope) {
        (Err(e), _) => Err(e.clone()),
        (Ok(_), Some(3)) => Err("ptrace_scope is 3: no process can be attached".to_string()),
        (Ok(_), _) if cap(p, "CAP_SYS_PTRACE") => Ok("every process (CAP_SYS_PTRACE)".to_string()),
        (Ok(_), Some(2)) => Err("ptrace_scope is 2: attaching needs CAP_SYS_PTRACE".to_string()),
        (Ok(_), Some(1)) => Err(
            "ptrace_scope is 1: only ksec's own descendants (use trace -- CMD), \
             or CAP_SYS_PTRACE"
                .to_string(),
        ),
        (Ok(_), _) => Err(format!(
            "only processes of uid {} (other users' need CAP_SYS_PTRACE)",
            p.euid
        )),
    };
    out.push(verdict("trace -p (ptrace)", &attach));
    out.push(verdict("trace --backend ebpf", &p.trace_bpf));
    out.push(verdict("watch (ebpf)", &p.watch_bpf));
    out.push(verdict("watch --source fallback", &p.fallback));
    out.push(Feature {
        feature: "ps",
        works: true,
        reason: format!("every process in {}", p.proc_root),
    });
    out.push(verdict("fds", &other_users(&p.other.fds, p)));
    out.push(verdict("environ", &other_users(&p.other.environ, p)));
    let root = match (&p.openat2, other_users(&p.other.root, p)) {
        (Err(e), _) => Err(format!("openat2: {e}")),
        (Ok(_), r) => r,
    };
    out.push(verdict("root", &root));
    let grep = match (
        other_users(&p.other.fds, p),
        other_users(&p.other.environ, p),
    ) {
        (Ok(v), Ok(_)) => Ok(v),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    out.push(verdict("grep-secret", &grep));
    out.push(verdict(
        "grep-secret --memory",
        &other_users(&p.other.mem, p),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_probes() -> Probes {
        Probes {
            euid: 0,
            cap_eff: Some(0x0000_01ff_ffff_ffff),
            ptrace_scope: Some(1),
            ptrace_child: Ok("seized pid 42".into()),
            kernel: Ok("6.1.0".into()),
            btf: true,
            unprivileged_bpf_disabled: Some(2),
            trace_bpf: Ok("loaded".into()),
            watch_bpf: Ok("loaded".into()),
            cgroup: (CgroupMode::V2, "cgroup2 at /sys/fs/cgroup".into()),
            tracefs: None,
            openat2: Ok("works".into()),
            fanotify: Ok("works".into()),
            proc_connector: Ok("subscribed".into()),
            fallback: Ok("started".into()),
            seccomp: None,
            proc_root: "/proc".into(),
            other: Other {
                how: "pid 1".into(),
                uid: Some(0),
                environ: Ok("read".into()),
                fds: Ok("listed".into()),
                mem: Ok("read".into()),
                root: Ok("opened".into()),
            },
            runtimes: vec![Runtime {
                name: "podman",
                sockets: vec![],
                state_dirs: vec!["/var/lib/containers/storage".into()],
                binaries: vec!["/usr/bin/podman".into()],
            }],
            host_root: "/".into(),
            kubelet: vec![],
        }
    }

    fn feature<'a>(fs: &'a [Feature], name: &str) -> &'a Feature {
        fs.iter().find(|f| f.feature == name).expect(name)
    }

    #[test]
    fn root_with_every_capability_can_do_everything() {
        let fs = features(&root_probes());
        assert!(fs.iter().all(|f| f.works), "{fs:#?}");
        assert_eq!(
            feature(&fs, "trace -p (ptrace)").reason,
            "every process (CAP_SYS_PTRACE)"
        );
        assert_eq!(feature(&fs, "fds").reason, "every process");
    }

    #[test]
    fn an_unprivileged_user_is_told_why() {
        let mut p = root_probes();
        p.euid = 1000;
        p.cap_eff = Some(0);
        p.trace_bpf = Err("load bpf/trace.bpf.o: Operation not permitted".into());
        p.other.fds = Err("/proc/1/fd: Permission denied".into());
        p.openat2 = Err("ENOSYS".into());
        let fs = features(&p);
        assert_eq!(
            feature(&fs, "trace -p (ptrace)").reason,
            "ptrace_scope is 1: only ksec's own descendants (use trace -- CMD), or CAP_SYS_PTRACE"
        );
        assert!(!feature(&fs, "trace -p (ptrace)").works);
        assert!(feature(&fs, "trace (ptrace)").works);
        assert_eq!(
            feature(&fs, "trace --backend ebpf"),
            &Feature {
                feature: "trace --backend ebpf",
                works: false,
                reason: "load bpf/trace.bpf.o: Operation not permitted".into()
            }
        );
        assert_eq!(
            feature(&fs, "fds").reason,
            "only processes of uid 1000: /proc/1/fd: Permission denied \
             (other users' need CAP_SYS_PTRACE)"
        );
        assert_eq!(
            feature(&fs, "grep-secret").reason,
            feature(&fs, "fds").reason
        );
        assert_eq!(feature(&fs, "root").reason, "openat2: ENOSYS");
        assert!(feature(&fs, "environ").works);
        p.ptrace_scope = None;
        assert_eq!(
            feature(&features(&p), "trace -p (ptrace)").reason,
            "only processes of uid 1000 (other users' need CAP_SYS_PTRACE)"
        );
        p.ptrace_scope = Some(3);
        p.cap_eff = Some(u64::MAX);
        assert_eq!(
            feature(&features(&p), "trace -p (ptrace)").reason,
            "ptrace_scope is 3: no process can be attached"
        );
    }

    #[test]
    fn checks_name_each_fact() {
        let mut p = root_probes();
        p.cap_eff = Some(0x0000_0000_a804_25fb);
        let cs = checks(&p);
        let get = |n: &str| cs.iter().find(|c| c.name == n).expect(n).clone();
        assert_eq!(get("euid").value, "0 (root)");
        assert_eq!(get("CAP_SYS_PTRACE").state, State::No);
        assert_eq!(get("CAP_SYS_PTRACE").value, "not effective");
        assert_eq!(get("ptrace_scope").value, "1");
        assert_eq!(get("cgroup").value, "v2");
        assert_eq!(get("tracefs").value, "not mounted");
        assert_eq!(
            get("runtime podman").value,
            "state /var/lib/containers/storage; binary /usr/bin/podman"
        );
        assert_eq!(get("kubelet").state, State::No);
        let names: Vec<&str> = cs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 26, "{names:?}");
    }
}
