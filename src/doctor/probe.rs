//! The probes of `ksec doctor`, each doing for real (and undoing at once) what a subcommand
//! would: load and attach the eBPF programs with the backends' own loaders, start the fallback
//! watch source, seize a child with ptrace, open with openat2, read another user's /proc files. Nothing
//! is left behind: programs, sockets and the child go when the probe returns.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::parse::{self, CgroupMode};
use super::{Other, Outcome, Probes, Runtime};
use crate::proc::mountinfo::parse_mountinfo;
use crate::proc::root::ProcRoot;

/// Where a container runtime keeps its API socket, its state and its binaries.
struct Known {
    name: &'static str,
    sockets: &'static [&'static str],
    state_dirs: &'static [&'static str],
    binaries: &'static [&'static str],
}

/// The runtimes looked for (under the host's root).
const RUNTIMES: [Known; 4] = [
    Known {
        name: "podman",
        sockets: &["/run/podman/podman.sock"],
        state_dirs: &[
            "/var/lib/containers/storage",
            "/run/containers/storage",
            "/run/libpod",
        ],
        binaries: &["podman"],
    },
    Known {
        name: "containerd",
        sockets: &[
            "/run/containerd/containerd.sock",
            "/run/k3s/containerd/containerd.sock",
        ],
        state_dirs: &["/var/lib/containerd", "/run/containerd"],
        binaries: &["containerd", "ctr"],
    },
    Known {
        name: "cri-o",
        sockets: &["/run/crio/crio.sock"],
        state_dirs: &["/var/lib/crio", "/run/crio"],
        binaries: &["crio"],
    },
    Known {
        name: "docker",
        sockets: &["/run/docker.sock", "/var/run/docker.sock"],
        state_dirs: &["/var/lib/docker", "/run/docker"],
        binaries: &["dockerd", "docker"],
    },
];

/// The kubelet's directories (its state, pod volumes, static pods, the pod logs).
const KUBELET: [&str; 5] = [
    "/var/lib/kubelet",
    "/var/lib/kubelet/pods",
    "/etc/kubernetes/manifests",
    "/var/log/pods",
    "/var/log/containers",
];

const BIN_DIRS: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

fn io_err(path: &Path, e: &std::io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// Runs every probe. `proc` is the /proc the other subcommands would read (the host's, in a
/// DaemonSet); ksec's own state (capabilities, seccomp, mounts) is read from /proc/self.
pub fn collect(proc: &ProcRoot) -> Probes {
    let status = std::fs::read("/proc/self/status").ok();
    let cap_eff = status
        .as_deref()
        .and_then(|b| crate::proc::status::parse_status(b).cap_eff);
    let mounts = std::fs::read("/proc/self/mountinfo")
        .map(|b| parse_mountinfo(&b))
        .unwrap_or_default();
    let cgroup_mode = parse::cgroup_mode(&mounts);
    let cgroup_mounts: Vec<String> = mounts
        .iter()
        .filter(|m| m.fstype == "cgroup2" || m.fstype == "cgroup")
        .map(|m| {
            format!(
                "{} at {}",
                m.fstype,
                String::from_utf8_lossy(&m.mount_point)
            )
        })
        .collect();
    let cgroup_detail = match cgroup_mode {
        CgroupMode::None => "no cgroup file system mounted".to_string(),
        CgroupMode::V1 | CgroupMode::Hybrid if cgroup_mounts.len() > 2 => format!(
            "{}, ... ({} hierarchies)",
            cgroup_mounts[..2].join(", "),
            cgroup_mounts.len()
        ),
        _ => cgroup_mounts.join(", "),
    };
    let (host_root, base) = host_root(proc);
    let proc_connector = proc_connector(proc);
    let fanotify = fanotify();
    let fallback = match (&proc_connector, &fanotify) {
        (Ok(_), Ok(_)) => fallback(proc),
        (Err(e), _) => Err(format!("proc connector: {e}")),
        (_, Err(e)) => Err(format!("fanotify: {e}")),
    };
    Probes {
        euid: nix::unistd::geteuid().as_raw(),
        cap_eff,
        ptrace_scope: std::fs::read("/proc/sys/kernel/yama/ptrace_scope")
            .ok()
            .and_then(|b| parse::parse_sysctl_u8(&b)),
        ptrace_child: ptrace_child(),
        kernel: match std::fs::read("/proc/sys/kernel/osrelease") {
            Ok(b) => parse::parse_release(&b)
                .map(|(r, _, _)| r)
                .ok_or_else(|| "/proc/sys/kernel/osrelease: not a release".to_string()),
            Err(e) => Err(io_err(Path::new("/proc/sys/kernel/osrelease"), &e)),
        },
        btf: Path::new("/sys/kernel/btf/vmlinux").exists(),
        unprivileged_bpf_disabled: std::fs::read("/proc/sys/kernel/unprivileged_bpf_disabled")
            .ok()
            .and_then(|b| parse::parse_sysctl_u8(&b)),
        trace_bpf: trace_bpf(proc),
        watch_bpf: watch_bpf(),
        cgroup: (cgroup_mode, cgroup_detail),
        tracefs: parse::tracefs_mount(&mounts),
        openat2: openat2(),
        fanotify,
        proc_connector,
        fallback,
        seccomp: status.as_deref().and_then(parse::parse_seccomp),
        proc_root: proc.path().display().to_string(),
        other: other(proc),
        runtimes: runtimes(&base),
        host_root,
        kubelet: KUBELET
            .iter()
            .filter(|d| under(&base, d).is_dir())
            .map(|d| d.to_string())
            .collect(),
    }
}

/// The host's root: pid 1's root in `proc` when it can be entered and `proc` is not ksec's
/// own /proc (a DaemonSet's /host/proc), else `/`.
fn host_root(proc: &ProcRoot) -> (String, PathBuf) {
    let pid1_root = proc.pid_path(1, "root");
    if proc.path() != Path::new("/proc") && std::fs::read_dir(&pid1_root).is_ok() {
        return (pid1_root.display().to_string(), pid1_root);
    }
    ("/".to_string(), PathBuf::from("/"))
}

fn under(base: &Path, abs: &str) -> PathBuf {
    base.join(abs.trim_start_matches('/'))
}

fn runtimes(base: &Path) -> Vec<Runtime> {
    use std::os::unix::fs::FileTypeExt;
    RUNTIMES
        .iter()
        .map(|k| Runtime {
            name: k.name,
            sockets: k
                .sockets
                .iter()
                .filter(|s| {
                    std::fs::metadata(under(base, s)).is_ok_and(|m| m.file_type().is_socket())
                })
                .map(|s| s.to_string())
                .collect(),
            state_dirs: k
                .state_dirs
                .iter()
                .filter(|d| under(base, d).is_dir())
                .map(|d| d.to_string())
                .collect(),
            binaries: k
                .binaries
                .iter()
                .filter_map(|b| {
                    BIN_DIRS
                        .iter()
                        .map(|d| format!("{d}/{b}"))
                        .find(|p| under(base, p).is_file())
                })
                .collect(),
        })
        .collect()
}

/// `ksec trace -- CMD`'s first step: PTRACE_SEIZE of a child (sleep(1), killed at once).
fn ptrace_child() -> Outcome {
    use std::process::{Command, Stdio};
    let mut child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("not probed: cannot start sleep(1): {e}"))?;
    let pid = child.id() as i32;
    let seized = crate::sys::ptrace::seize(pid, nix::sys::ptrace::Options::empty());
    let _ = child.kill();
    let _ = child.wait();
    match seized {
        Ok(()) => Ok("PTRACE_SEIZE of a child works".to_string()),
        Err(e) => Err(format!("PTRACE_SEIZE of a child (pid {pid}): {}", e.desc())),
    }
}

/// `ksec trace --backend ebpf`'s loader, counting nothing (no pid in its maps), dropped at once.
fn trace_bpf(proc: &ProcRoot) -> Outcome {
    use crate::trace::backend::Target;
    use crate::trace::ebpf::{Ebpf, EbpfConfig, Scope};
    let cfg = EbpfConfig {
        per_call: None,
        follow: false,
        per_thread: false,
        per_container: false,
        wall_only: false,
        wanted: None,
        block_fatal: false,
        proc_root: proc.clone(),
        interval: None,
    };
    match Ebpf::load(Scope::Target(Target::Attach(Vec::new())), cfg) {
        Ok(loaded) => {
            drop(loaded);
            Ok("bpf/trace.bpf.o loaded and attached (6 raw tracepoints)".to_string())
        }
        Err(e) => Err(e.0),
    }
}

/// `ksec watch`'s eBPF source with its default buffers, dropped at once.
fn watch_bpf() -> Outcome {
    use crate::watch::ebpf::{EbpfSource, EbpfWatchConfig};
    match EbpfSource::start(&EbpfWatchConfig::default()) {
        Ok(src) => {
            drop(src);
            Ok("bpf/watch.bpf.o loaded and attached (5 raw tracepoints)".to_string())
        }
        Err(e) => Err(format!("{e:#}")),
    }
}

/// The proc connector subscribed and acknowledged (the fallback source without fanotify).
fn proc_connector(proc: &ProcRoot) -> Outcome {
    use crate::watch::fallback::{FallbackConfig, FallbackSource};
    FallbackSource::start(&FallbackConfig {
        proc_root: proc.clone(),
        files: false,
    })
    .map(|_| "subscribed (PROC_CN_MCAST_LISTEN acknowledged)".to_string())
    .map_err(|e| format!("{e:#}"))
}

/// fanotify_init with the fallback source's flags.
fn fanotify() -> Outcome {
    crate::sys::fanotify::Fanotify::init(
        libc::FAN_CLASS_NOTIF,
        (libc::O_RDONLY | libc::O_LARGEFILE | libc::O_CLOEXEC) as u32,
    )
    .map(|_| "fanotify_init(FAN_CLASS_NOTIF) works".to_string())
    .map_err(|e| {
        let hint = if matches!(e, nix::errno::Errno::EPERM) {
            " (needs CAP_SYS_ADMIN)"
        } else {
            ""
        };
        format!("fanotify_init: {}{hint}", e.desc())
    })
}

/// The whole fallback source: connector, fanotify, the host's and containers' mounts marked.
fn fallback(proc: &ProcRoot) -> Outcome {
    use crate::watch::fallback::{FallbackConfig, FallbackSource};
    let src = FallbackSource::start(&FallbackConfig {
        proc_root: proc.clone(),
        files: true,
    })
    .map_err(|e| format!("{e:#}"))?;
    let stats = src.stats();
    let mut s = format!(
        "proc connector and fanotify ({} mount{} marked",
        stats.marked.len(),
        if stats.marked.len() == 1 { "" } else { "s" }
    );
    if !stats.mark_errors.is_empty() {
        s.push_str(&format!(", {} not", stats.mark_errors.len()));
    }
    s.push(')');
    Ok(s)
}

/// openat2(2) with RESOLVE_IN_ROOT, as `ksec root` opens paths.
fn openat2() -> Outcome {
    use std::os::fd::AsFd;
    let dir = std::fs::File::open("/").map_err(|e| io_err(Path::new("/"), &e))?;
    crate::sys::openat2::open_in_root(
        dir.as_fd(),
        Path::new("."),
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY,
    )
    .map(|_| "openat2(RESOLVE_IN_ROOT) works".to_string())
    .map_err(|e| {
        let hint = if e == nix::errno::Errno::ENOSYS {
            " (kernel before 5.6, or a seccomp filter)"
        } else {
            ""
        };
        format!("openat2: {}{hint}", e.desc())
    })
}

/// What the /proc subcommands do to another user's process: as root, done to a sleep(1) ksec
/// starts as nobody (uid 65534) in its own /proc; otherwise to pid 1 of `proc`.
fn other(proc: &ProcRoot) -> Other {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    if nix::unistd::geteuid().is_root() {
        let spawned = Command::new("sleep")
            .arg("30")
            .uid(65534)
            .gid(65534)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            let own = ProcRoot::default();
            let pid = child.id() as i32;
            let mut o = read_other(&own, pid);
            o.how = format!("pid {pid}, a sleep(1) started as nobody");
            let _ = child.kill();
            let _ = child.wait();
            return o;
        }
    }
    let mut o = read_other(proc, 1);
    o.how = "pid 1".to_string();
    o
}

fn read_other(proc: &ProcRoot, pid: i32) -> Other {
    let uid = crate::proc::status::read_status(proc, pid)
        .ok()
        .and_then(|s| s.uid);
    let environ_path = proc.pid_path(pid, "environ");
    let environ = std::fs::read(&environ_path)
        .map(|b| format!("read {} ({} bytes)", environ_path.display(), b.len()))
        .map_err(|e| io_err(&environ_path, &e));
    let fd_path = proc.pid_path(pid, "fd");
    let fds = std::fs::read_dir(&fd_path)
        .map(|d| format!("listed {} ({} fds)", fd_path.display(), d.count()))
        .map_err(|e| io_err(&fd_path, &e));
    let root_path = proc.pid_path(pid, "root");
    let root = std::fs::read_dir(&root_path)
        .map(|_| format!("opened {}", root_path.display()))
        .map_err(|e| io_err(&root_path, &e));
    Other {
        how: String::new(),
        uid,
        environ,
        fds,
        mem: read_mem(proc, pid),
        root,
    }
}

/// One byte of the process's first readable mapping, through /proc/PID/mem.
fn read_mem(proc: &ProcRoot, pid: i32) -> Outcome {
    let maps_path = proc.pid_path(pid, "maps");
    let maps = std::fs::read(&maps_path).map_err(|e| io_err(&maps_path, &e))?;
    let mem_path = proc.pid_path(pid, "mem");
    let mem = std::fs::File::open(&mem_path).map_err(|e| io_err(&mem_path, &e))?;
    let regions = crate::proc::maps::parse_maps(&maps);
    let Some(region) = regions
        .iter()
        .find(|r| r.perms[0] == b'r' && !r.path.starts_with(b"[v"))
    else {
        return Err(format!("{}: no readable mapping", maps_path.display()));
    };
    let mut byte = [0u8; 1];
    mem.read_at(&mut byte, region.start)
        .map(|_| format!("read {} at {:#x}", mem_path.display(), region.start))
        .map_err(|e| format!("{} at {:#x}: {e}", mem_path.display(), region.start))
}
